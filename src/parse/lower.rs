//! Lowering pest pairs into the syntax tree: the `Lower` walker, declarations and clauses.

use std::str::FromStr;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;

use crate::lexical::{self};
use crate::source::{FileId, Span};

use super::*;
use super::{expected::*, lower_expr::*};

/// Lowers pest pairs into the AST. Holds the precedence tables.
pub(crate) struct Lower {
    pub(crate) file: FileId,
    /// Where the text the pairs come from is neither space nor comment.
    significant: lexical::Significant,
    pub(crate) expr_table: PrattParser<Rule>,
    pub(crate) condition_table: PrattParser<Rule>,
}

pub(crate) type Result<T, E = SyntaxError> = std::result::Result<T, E>;

/// Punctuation pairs (`:`, `,`, `{`, ...) exist only so that syntax errors
/// can name them; the lowering skips them.
pub(crate) fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::colon
            | Rule::equals
            | Rule::comma
            | Rule::open_brace
            | Rule::close_brace
            | Rule::open_bracket
            | Rule::close_bracket
            | Rule::open_paren
            | Rule::close_paren
            | Rule::close_quote
    )
}

/// The next pair that is not punctuation.
pub(crate) fn take<'i>(
    pairs: &mut Pairs<'i, Rule>,
    file: FileId,
    at: usize,
) -> Result<Pair<'i, Rule>> {
    pairs
        .find(|pair| !is_punctuation(pair.as_rule()))
        .ok_or_else(|| internal(file, at))
}

/// The remaining pairs without punctuation.
pub(crate) fn significant<'i>(pairs: Pairs<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pairs.filter(|pair| !is_punctuation(pair.as_rule()))
}

impl Lower {
    /// A walker of the pairs of `text` (the text given to the grammar).
    pub(crate) fn new(file: FileId, text: &str) -> Lower {
        // The one precedence table of the language, loosest first. Every
        // operator is left-associative so long chains never recurse deeply;
        // `a of b of c` means `(a of b) of c`, which has the same value.
        let expr_table = PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::infix(Rule::of, Assoc::Left))
            .op(Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::at_year));
        let condition_table = PrattParser::new()
            .op(Op::infix(Rule::cond_or, Assoc::Left))
            .op(Op::infix(Rule::cond_and, Assoc::Left))
            .op(Op::prefix(Rule::cond_not));
        Lower {
            file,
            significant: lexical::Significant::new(text),
            expr_table,
            condition_table,
        }
    }

    /// The span of a pair without the spaces and comments pest leaves at
    /// its end, so that labels underline only the clause itself.
    pub(crate) fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(
            self.file,
            s.start(),
            self.significant.end(s.start(), s.end()),
        )
    }

    pub(crate) fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    pub(crate) fn text(&self, pair: Pair<'_, Rule>) -> Text {
        let span = self.span(&pair);
        let raw = pair
            .into_inner()
            .find(|inner| inner.as_rule() == Rule::string_inner)
            .map_or("", |inner| inner.as_str());
        Text {
            value: unescape(raw),
            span,
        }
    }

    pub(crate) fn decimal(&self, pair: &Pair<'_, Rule>, text: &str) -> Result<Decimal> {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let parsed = if digits > 28 {
            None
        } else {
            Decimal::from_str(text).ok()
        };
        parsed.ok_or_else(|| SyntaxError::BadNumber {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        })
    }

    pub(crate) fn year(&self, pair: &Pair<'_, Rule>) -> Result<i32> {
        let text = pair.as_str();
        match text.parse::<i32>() {
            Ok(year) if (1..=9999).contains(&year) => Ok(year),
            _ => Err(SyntaxError::BadYear {
                text: text.to_string(),
                span: self.span(pair),
            }),
        }
    }

    pub(crate) fn pledge(&self, pair: Pair<'_, Rule>) -> Result<Pledge> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, span.start as usize)?; // the keyword
        let name = self.text(take(&mut inner, self.file, span.start as usize)?);
        let mut extends = None;
        // At most one item per remaining pair (the rest is `extends` and
        // punctuation): one allocation for the file's items.
        let mut items = Vec::with_capacity(inner.len());
        for pair in significant(inner) {
            match pair.as_rule() {
                Rule::extends => {
                    let mut parts = pair.into_inner();
                    parts.next();
                    if let Some(path) = parts.next() {
                        extends = Some(self.text(path));
                    }
                }
                _ => items.push(self.item(pair)?),
            }
        }
        Ok(Pledge {
            name,
            extends,
            items,
            span,
        })
    }

    pub(crate) fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        let span = self.span(&pair);
        let at = span.start as usize;
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        Ok(match rule {
            Rule::source_decl => {
                take(&mut inner, self.file, at)?;
                Item::Source(self.text(take(&mut inner, self.file, at)?))
            }
            Rule::status_decl => {
                take(&mut inner, self.file, at)?;
                Item::Status(self.ident(take(&mut inner, self.file, at)?))
            }
            Rule::meta_decl => {
                take(&mut inner, self.file, at)?;
                let key = self.ident(take(&mut inner, self.file, at)?);
                let value = self.text(take(&mut inner, self.file, at)?);
                Item::Meta { key, value }
            }
            Rule::param_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.ident(take(&mut inner, self.file, at)?);
                let values = significant(inner)
                    .map(|value| self.param_value(value))
                    .collect::<Result<Vec<_>>>()?;
                Item::Param(ParamDecl { name, values, span })
            }
            Rule::group_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.ident(take(&mut inner, self.file, at)?);
                let list = take(&mut inner, self.file, at)?;
                let members = significant(list.into_inner())
                    .map(|p| self.ident(p))
                    .collect();
                Item::Group(GroupDecl {
                    name,
                    members,
                    span,
                })
            }
            Rule::category_decl => Item::Category(self.category(inner, span)?),
            Rule::amend_decl => {
                take(&mut inner, self.file, at)?;
                take(&mut inner, self.file, at)?;
                let category = self.ident(take(&mut inner, self.file, at)?);
                let clauses = significant(inner)
                    .map(|c| self.clause(c))
                    .collect::<Result<Vec<_>>>()?;
                Item::Amend(AmendDecl {
                    category,
                    clauses,
                    span,
                })
            }
            Rule::replace_decl => {
                take(&mut inner, self.file, at)?;
                let what = take(&mut inner, self.file, at)?;
                match what.as_rule() {
                    Rule::replace_category => Item::Replace(ReplaceDecl::Category(
                        self.category(what.into_inner(), span)?,
                    )),
                    _ => {
                        Item::Replace(ReplaceDecl::Require(self.require(what.into_inner(), span)?))
                    }
                }
            }
            Rule::require_decl => Item::Require(self.require(inner, span)?),
            Rule::scope_decl => {
                take(&mut inner, self.file, at)?;
                let mut targets = Vec::new();
                let mut items = Vec::new();
                for part in significant(inner) {
                    if part.as_rule() == Rule::ident {
                        targets.push(self.ident(part));
                    } else {
                        items.push(self.item(part)?);
                    }
                }
                Item::Scope(ScopeDecl {
                    targets,
                    items,
                    span,
                })
            }
            Rule::example_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.text(take(&mut inner, self.file, at)?);
                let statements = significant(inner)
                    .map(|s| self.example_statement(s))
                    .collect::<Result<Vec<_>>>()?;
                Item::Example(ExampleDecl {
                    name,
                    statements,
                    span,
                })
            }
            _ => return Err(internal(self.file, at)),
        })
    }

    pub(crate) fn param_value(&self, pair: Pair<'_, Rule>) -> Result<ParamValue> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let value = self.expr(take(&mut inner, self.file, span.start as usize)?)?;
        let mut result = ParamValue {
            value,
            from: None,
            until: None,
            source: None,
            span,
        };
        for part in significant(inner) {
            match part.as_rule() {
                Rule::from_year => result.from = Some(self.year_after_keyword(part)?),
                Rule::until_year => result.until = Some(self.year_after_keyword(part)?),
                _ => {
                    if let Some(text) = part.into_inner().nth(1) {
                        result.source = Some(self.text(text));
                    }
                }
            }
        }
        Ok(result)
    }

    pub(crate) fn year_after_keyword(&self, pair: Pair<'_, Rule>) -> Result<YearRef> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?;
        self.year_ref(take(&mut inner, self.file, at)?)
    }

    pub(crate) fn year_ref(&self, pair: Pair<'_, Rule>) -> Result<YearRef> {
        let at = pair.as_span().start();
        let inner = pair
            .into_inner()
            .next()
            .ok_or_else(|| internal(self.file, at))?;
        match inner.as_rule() {
            Rule::integer => Ok(YearRef::Literal {
                year: self.year(&inner)?,
                span: self.span(&inner),
            }),
            _ => Ok(YearRef::Param(self.ident(inner))),
        }
    }

    pub(crate) fn category(&self, inner: Pairs<'_, Rule>, span: Span) -> Result<CategoryDecl> {
        let mut id = None;
        let mut label = None;
        let mut within = None;
        let mut clauses = Vec::new();
        for part in significant(inner) {
            match part.as_rule() {
                Rule::kw_category => {}
                Rule::ident => id = Some(self.ident(part)),
                Rule::string => label = Some(self.text(part)),
                Rule::within => {
                    if let Some(parent) = part.into_inner().nth(1) {
                        within = Some(self.ident(parent));
                    }
                }
                _ => clauses.push(self.clause(part)?),
            }
        }
        let id = id.ok_or_else(|| internal(self.file, span.start as usize))?;
        Ok(CategoryDecl {
            id,
            label,
            within,
            clauses,
            span,
        })
    }

    pub(crate) fn clause(&self, pair: Pair<'_, Rule>) -> Result<Clause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut weight = None;
        let mut condition = None;
        let mut categories = Vec::new();
        let mut amount = None;
        for part in significant(pair.into_inner()) {
            match part.as_rule() {
                Rule::weight => {
                    if let Some(percent) = part.into_inner().next() {
                        let text = percent.as_str().trim_end_matches('%');
                        weight = Some(Percent {
                            value: self.decimal(&percent, text)?,
                            span: self.span(&percent),
                        });
                    }
                }
                Rule::condition => condition = Some(self.condition(part)?),
                Rule::ident => categories.push(self.ident(part)),
                Rule::expr => amount = Some(self.expr(part)?),
                _ => {}
            }
        }
        let missing = || internal(self.file, span.start as usize);
        Ok(match rule {
            Rule::include_clause => Clause::Include {
                weight,
                condition: condition.ok_or_else(missing)?,
                span,
            },
            Rule::exclude_clause => Clause::Exclude {
                condition: condition.ok_or_else(missing)?,
                span,
            },
            Rule::exclude_counted => Clause::ExcludeCountedIn { categories, span },
            _ => Clause::Cap {
                amount: amount.ok_or_else(missing)?,
                span,
            },
        })
    }
}
