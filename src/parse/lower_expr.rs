//! Lowering conditions, requirements, examples and expressions (the Pratt tables' users).

use pest::iterators::{Pair, Pairs};

use crate::source::Span;

use super::*;
use super::{expected::*, lower::*};

impl Lower {
    pub(crate) fn condition(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let span = self.span(&pair);
        let (condition, depth) = self.condition_depth(pair)?;
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(SyntaxError::TooLong { depth, span });
        }
        Ok(condition)
    }

    pub(crate) fn condition_depth(&self, pair: Pair<'_, Rule>) -> Result<(Condition, u32)> {
        self.condition_table
            .map_primary(|primary| -> Result<(Condition, u32)> {
                match primary.as_rule() {
                    Rule::cond_group => {
                        let at = primary.as_span().start();
                        let mut inner = primary.into_inner();
                        self.condition_depth(take(&mut inner, self.file, at)?)
                    }
                    Rule::tag_test => {
                        let at = primary.as_span().start();
                        let mut inner = primary.into_inner();
                        take(&mut inner, self.file, at)?;
                        Ok((
                            Condition::Tag(self.ident(take(&mut inner, self.file, at)?)),
                            1,
                        ))
                    }
                    _ => Ok((self.field_test(primary)?, 1)),
                }
            })
            .map_prefix(|op, operand| {
                let (operand, depth) = operand?;
                Ok((Condition::Not(Box::new(operand), self.span(&op)), depth + 1))
            })
            .map_infix(|left, op, right| {
                let (left, dl) = left?;
                let (right, dr) = right?;
                let node = match op.as_rule() {
                    Rule::cond_and => Condition::And(Box::new(left), Box::new(right)),
                    _ => Condition::Or(Box::new(left), Box::new(right)),
                };
                Ok((node, dl.max(dr) + 1))
            })
            .parse(pair.into_inner())
    }

    pub(crate) fn field_test(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        let field = self.ident(take(&mut inner, self.file, at)?);
        let test = take(&mut inner, self.file, at)?;
        match test.as_rule() {
            Rule::in_list | Rule::not_in_list => {
                let negated = test.as_rule() == Rule::not_in_list;
                let list = test
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::value_list)
                    .ok_or_else(|| internal(self.file, at))?;
                let values = significant(list.into_inner())
                    .map(|v| self.value(v))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Condition::In {
                    field,
                    negated,
                    values,
                })
            }
            _ => {
                let mut parts = test.into_inner();
                let op = compare_op(take(&mut parts, self.file, at)?.as_str());
                let value = self.value(take(&mut parts, self.file, at)?)?;
                Ok(Condition::Compare { field, op, value })
            }
        }
    }

    pub(crate) fn value(&self, pair: Pair<'_, Rule>) -> Result<Value> {
        let span = self.span(&pair);
        let inner = pair
            .into_inner()
            .next()
            .ok_or_else(|| internal(self.file, span.start as usize))?;
        let kind = match inner.as_rule() {
            Rule::signed_number => ValueKind::Number(self.decimal(&inner, inner.as_str())?),
            Rule::string => ValueKind::Text(self.text(inner).value),
            Rule::boolean => ValueKind::Bool(inner.as_str() == "true"),
            _ => ValueKind::Symbol(inner.as_str().to_string()),
        };
        Ok(Value { kind, span })
    }

    pub(crate) fn require(&self, inner: Pairs<'_, Rule>, span: Span) -> Result<RequireDecl> {
        let at = span.start as usize;
        let mut id = None;
        let mut body = None;
        for part in significant(inner) {
            match part.as_rule() {
                Rule::ident => id = Some(self.ident(part)),
                Rule::compare_req => body = Some(self.compare_requirement(part)?),
                Rule::path_req => body = Some(self.path_requirement(part)?),
                _ => {}
            }
        }
        Ok(RequireDecl {
            id: id.ok_or_else(|| internal(self.file, at))?,
            body: body.ok_or_else(|| internal(self.file, at))?,
            span,
        })
    }

    pub(crate) fn compare_requirement(&self, pair: Pair<'_, Rule>) -> Result<Requirement> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        let left = self.expr(take(&mut inner, self.file, at)?)?;
        let op_pair = take(&mut inner, self.file, at)?;
        let op = compare_op(op_pair.as_str());
        let op_span = self.span(&op_pair);
        let right = self.expr(take(&mut inner, self.file, at)?)?;
        let mut from = None;
        let mut until = None;
        for part in significant(inner) {
            match part.as_rule() {
                Rule::from_year => from = Some(self.year_after_keyword(part)?),
                _ => until = Some(self.year_after_keyword(part)?),
            }
        }
        Ok(Requirement::Compare {
            left,
            op,
            op_span,
            right,
            from,
            until,
        })
    }

    pub(crate) fn path_requirement(&self, pair: Pair<'_, Rule>) -> Result<Requirement> {
        let at = pair.as_span().start();
        let mut exprs = Vec::new();
        let mut years = Vec::new();
        for part in significant(pair.into_inner()) {
            match part.as_rule() {
                Rule::expr => exprs.push(self.expr(part)?),
                Rule::year_ref => years.push(self.year_ref(part)?),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let mut years = years.into_iter();
        let missing = || internal(self.file, at);
        Ok(Requirement::Path {
            value: exprs.next().ok_or_else(missing)?,
            target: exprs.next().ok_or_else(missing)?,
            by: years.next().ok_or_else(missing)?,
            from: years.next().ok_or_else(missing)?,
        })
    }

    pub(crate) fn example_statement(&self, pair: Pair<'_, Rule>) -> Result<ExampleStatement> {
        let span = self.span(&pair);
        let at = span.start as usize;
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?; // the keyword
        Ok(match rule {
            Rule::ex_country => {
                ExampleStatement::Country(self.ident(take(&mut inner, self.file, at)?))
            }
            Rule::ex_year => {
                let year = take(&mut inner, self.file, at)?;
                ExampleStatement::Year {
                    year: self.year(&year)?,
                    span,
                }
            }
            Rule::ex_indicator => {
                let name = self.ident(take(&mut inner, self.file, at)?);
                let number = take(&mut inner, self.file, at)?;
                ExampleStatement::Indicator {
                    name,
                    value: self.decimal(&number, number.as_str())?,
                    span,
                }
            }
            Rule::ex_item => {
                let number = take(&mut inner, self.file, at)?;
                let amount = self.decimal(&number, number.as_str())?;
                let mut fields = Vec::new();
                let mut tags = Vec::new();
                for attr in significant(inner) {
                    let attr_at = attr.as_span().start();
                    let rule = attr.as_rule();
                    let mut parts = attr.into_inner();
                    if rule == Rule::item_tag {
                        take(&mut parts, self.file, attr_at)?;
                        tags.push(self.ident(take(&mut parts, self.file, attr_at)?));
                    } else {
                        let field = self.ident(take(&mut parts, self.file, attr_at)?);
                        let value = self.value(take(&mut parts, self.file, attr_at)?)?;
                        fields.push((field, value));
                    }
                }
                ExampleStatement::Item {
                    amount,
                    fields,
                    tags,
                    span,
                }
            }
            _ => {
                let what = take(&mut inner, self.file, at)?;
                let what_rule = what.as_rule();
                let mut parts = what.into_inner();
                if what_rule == Rule::expect_status {
                    let requirement = self.ident(take(&mut parts, self.file, at)?);
                    let status = self.ident(take(&mut parts, self.file, at)?);
                    ExampleStatement::ExpectStatus {
                        requirement,
                        status,
                        span,
                    }
                } else {
                    let left = self.expr(take(&mut parts, self.file, at)?)?;
                    let op = compare_op(take(&mut parts, self.file, at)?.as_str());
                    let right = self.expr(take(&mut parts, self.file, at)?)?;
                    ExampleStatement::ExpectCompare {
                        left,
                        op,
                        right,
                        span,
                    }
                }
            }
        })
    }

    pub(crate) fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let (expr, depth) = self.expr_depth(pair)?;
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(SyntaxError::TooLong { depth, span });
        }
        Ok(expr)
    }

    pub(crate) fn expr_depth(&self, pair: Pair<'_, Rule>) -> Result<(Expr, u32)> {
        self.expr_table
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, operand| {
                let (operand, depth) = operand?;
                let span = self.span(&op).join(operand.span);
                Ok((
                    Expr {
                        kind: ExprKind::Neg(Box::new(operand)),
                        span,
                    },
                    depth + 1,
                ))
            })
            .map_postfix(|operand, op| {
                let (operand, depth) = operand?;
                let span = operand.span.join(self.span(&op));
                let at = self.at_year(op)?;
                Ok((
                    Expr {
                        kind: ExprKind::At(Box::new(operand), at),
                        span,
                    },
                    depth + 1,
                ))
            })
            .map_infix(|left, op, right| {
                let (left, dl) = left?;
                let (right, dr) = right?;
                let op = match op.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    _ => BinaryOp::Of,
                };
                let span = left.span.join(right.span);
                Ok((
                    Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    },
                    dl.max(dr) + 1,
                ))
            })
            .parse(pair.into_inner())
    }

    pub(crate) fn primary(&self, pair: Pair<'_, Rule>) -> Result<(Expr, u32)> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren_expr => {
                let mut inner = pair.into_inner();
                return self.expr_depth(take(&mut inner, self.file, span.start as usize)?);
            }
            Rule::percent => {
                let text = pair.as_str().trim_end_matches('%');
                ExprKind::Percent(self.decimal(&pair, text)?)
            }
            Rule::number => ExprKind::Number(self.decimal(&pair, pair.as_str())?),
            Rule::string => ExprKind::Text(self.text(pair).value),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = self.ident(take(&mut inner, self.file, span.start as usize)?);
                let mut args = Vec::new();
                let mut depth = 0;
                for arg in significant(inner) {
                    let (arg, d) = self.expr_depth(arg)?;
                    depth = depth.max(d);
                    args.push(arg);
                }
                return Ok((
                    Expr {
                        kind: ExprKind::Call(name, args),
                        span,
                    },
                    depth + 1,
                ));
            }
            _ => ExprKind::Name(pair.as_str().to_string()),
        };
        Ok((Expr { kind, span }, 1))
    }

    pub(crate) fn at_year(&self, pair: Pair<'_, Rule>) -> Result<AtYear> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?;
        let what = take(&mut inner, self.file, at)?;
        if what.as_rule() == Rule::relative_year {
            let span = self.span(&what);
            let mut offset = 0;
            if let Some(offset_pair) = what.into_inner().find(|p| p.as_rule() == Rule::year_offset)
            {
                let text: String = offset_pair
                    .as_str()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                offset = text.parse::<i32>().map_err(|_| SyntaxError::BadYear {
                    text: offset_pair.as_str().to_string(),
                    span: self.span(&offset_pair),
                })?;
                if offset.unsigned_abs() > 1000 {
                    return Err(SyntaxError::BadYear {
                        text: offset_pair.as_str().to_string(),
                        span: self.span(&offset_pair),
                    });
                }
            }
            Ok(AtYear::Relative { offset, span })
        } else {
            Ok(AtYear::Fixed(self.year_ref(what)?))
        }
    }
}

pub(crate) fn compare_op(text: &str) -> CompareOp {
    match text {
        ">=" => CompareOp::Ge,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        "<" => CompareOp::Lt,
        "!=" => CompareOp::Ne,
        _ => CompareOp::Eq,
    }
}

pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}
