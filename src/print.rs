//! Printing an `ast::File` back to text. Two modes share one printer:
//! `format` writes the canonical layout of `pledge fmt` (minimal parentheses,
//! comments kept), and `tree` writes every operation in explicit parentheses
//! (for `pledge ast` and the parse snapshots). Formatting never changes
//! meaning: parsing the output gives the same tree.

use crate::ast::*;
use crate::lexical::{self, Piece};
use crate::source::Span;

/// The canonical layout of a file, keeping its comments.
pub fn format(file: &File, text: &str) -> String {
    let mut printer = Printer::new(Mode::Format, text);
    printer.file(file);
    printer.finish()
}

/// The tree with explicit parentheses and no comments.
pub fn tree(file: &File) -> String {
    let mut printer = Printer::new(Mode::Tree, "");
    printer.file(file);
    printer.finish()
}

/// One expression in canonical form (used in traces and messages).
pub fn expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, 0, false);
    out
}

/// One condition in canonical form.
pub fn condition(condition: &Condition) -> String {
    let mut out = String::new();
    write_condition(&mut out, condition, 0, false);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Format,
    Tree,
}

struct Comment {
    start: usize,
    text: String,
}

struct Printer<'a> {
    mode: Mode,
    text: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    out: String,
    indent: usize,
}

impl<'a> Printer<'a> {
    fn new(mode: Mode, text: &'a str) -> Printer<'a> {
        let comments = if mode == Mode::Format {
            scan_comments(text)
        } else {
            Vec::new()
        };
        Printer {
            mode,
            text,
            comments,
            next_comment: 0,
            out: String::new(),
            indent: 0,
        }
    }

    fn finish(mut self) -> String {
        self.leading_comments(usize::MAX);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    fn line(&mut self, content: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(content);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    /// Emits every comment that starts before `position` on lines of its own.
    fn leading_comments(&mut self, position: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.start >= position {
                break;
            }
            let text = comment.text.clone();
            for (i, line) in text.lines().enumerate() {
                if i == 0 {
                    self.line(line.trim_end());
                } else {
                    // Lines of a block comment keep their own layout.
                    self.out.push_str(line.trim_end());
                    self.out.push('\n');
                }
            }
            self.next_comment += 1;
        }
    }

    /// Appends a comment that follows `end` on the same line to the last line.
    fn trailing_comment(&mut self, end: usize) {
        if let Some(comment) = self.comments.get(self.next_comment) {
            let between = self.text.get(end..comment.start).unwrap_or("\n");
            if !between.contains('\n') && !comment.text.contains('\n') {
                if self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push_str("  ");
                self.out.push_str(&comment.text);
                self.out.push('\n');
                self.next_comment += 1;
            }
        }
    }

    fn statement(&mut self, span: Span, content: &str) {
        self.leading_comments(span.start as usize);
        self.line(content);
        self.trailing_comment(span.end as usize);
    }

    fn open(&mut self, span: Span, header: &str) {
        self.leading_comments(span.start as usize);
        self.line(&format!("{header} {{"));
        self.indent += 1;
    }

    fn close(&mut self, span: Span) {
        // Comments inside the block after its last statement stay inside.
        self.leading_comments((span.end as usize).saturating_sub(1));
        self.indent = self.indent.saturating_sub(1);
        self.line("}");
        self.trailing_comment(span.end as usize);
    }

    fn file(&mut self, file: &File) {
        for (i, pledge) in file.pledges.iter().enumerate() {
            if i > 0 {
                self.blank();
            }
            self.pledge(pledge);
        }
    }

    fn pledge(&mut self, pledge: &Pledge) {
        let mut header = format!("pledge {}", quote(&pledge.name.value));
        if let Some(base) = &pledge.extends {
            header.push_str(&format!(" extends {}", quote(&base.value)));
        }
        self.open(pledge.span, &header);
        self.items(&pledge.items);
        self.close(pledge.span);
    }

    fn items(&mut self, items: &[Item]) {
        let mut previous: Option<&Item> = None;
        for item in items {
            if let Some(previous) = previous {
                if item_group(previous) != item_group(item) || is_block(item) || is_block(previous)
                {
                    self.blank();
                }
            }
            self.item(item);
            previous = Some(item);
        }
    }

    fn item(&mut self, item: &Item) {
        let explicit = self.mode == Mode::Tree;
        match item {
            Item::Source(text) => {
                self.statement(text.span, &format!("source {}", quote(&text.value)))
            }
            Item::Status(status) => self.statement(status.span, &format!("status {}", status.name)),
            Item::Meta { key, value } => self.statement(
                key.span.join(value.span),
                &format!("meta {} = {}", key.name, quote(&value.value)),
            ),
            Item::Param(param) => {
                let values: Vec<String> = param
                    .values
                    .iter()
                    .map(|value| param_value(value, explicit))
                    .collect();
                self.statement(
                    param.span,
                    &format!("param {} = {}", param.name.name, values.join(", ")),
                )
            }
            Item::Group(group) => {
                let members: Vec<&str> = group.members.iter().map(|m| m.name.as_str()).collect();
                self.statement(
                    group.span,
                    &format!("group {} = [{}]", group.name.name, members.join(", ")),
                )
            }
            Item::Category(category) => self.category("category", category),
            Item::Amend(amend) => {
                self.open(
                    amend.span,
                    &format!("amend category {}", amend.category.name),
                );
                self.clauses(&amend.clauses);
                self.close(amend.span);
            }
            Item::Replace(ReplaceDecl::Category(category)) => {
                self.category("replace category", category)
            }
            Item::Replace(ReplaceDecl::Require(require)) => self.statement(
                require.span,
                &format!("replace {}", requirement(require, explicit)),
            ),
            Item::Require(require) => self.statement(require.span, &requirement(require, explicit)),
            Item::Scope(scope) => {
                let targets: Vec<&str> = scope.targets.iter().map(|t| t.name.as_str()).collect();
                self.open(scope.span, &format!("for {}", targets.join(", ")));
                self.items(&scope.items);
                self.close(scope.span);
            }
            Item::Example(example) => {
                self.open(
                    example.span,
                    &format!("example {}", quote(&example.name.value)),
                );
                for statement in &example.statements {
                    let content = example_statement(statement, explicit);
                    self.statement(statement.span(), &content);
                }
                self.close(example.span);
            }
        }
    }

    fn category(&mut self, keyword: &str, category: &CategoryDecl) {
        let mut header = format!("{keyword} {}", category.id.name);
        if let Some(label) = &category.label {
            header.push_str(&format!(" {}", quote(&label.value)));
        }
        if let Some(parent) = &category.within {
            header.push_str(&format!(" within {}", parent.name));
        }
        self.open(category.span, &header);
        self.clauses(&category.clauses);
        self.close(category.span);
    }

    fn clauses(&mut self, clauses: &[Clause]) {
        let explicit = self.mode == Mode::Tree;
        for clause in clauses {
            let content = clause_text(clause, explicit);
            self.statement(clause.span(), &content);
        }
    }
}

/// Items of one group are printed without blank lines between them.
fn item_group(item: &Item) -> u8 {
    match item {
        Item::Source(_) | Item::Status(_) | Item::Meta { .. } => 0,
        Item::Param(_) => 1,
        Item::Group(_) => 2,
        Item::Require(_) | Item::Replace(ReplaceDecl::Require(_)) => 3,
        Item::Category(_) | Item::Amend(_) | Item::Replace(ReplaceDecl::Category(_)) => 4,
        Item::Scope(_) => 5,
        Item::Example(_) => 6,
    }
}

fn is_block(item: &Item) -> bool {
    matches!(
        item,
        Item::Category(_)
            | Item::Amend(_)
            | Item::Replace(ReplaceDecl::Category(_))
            | Item::Scope(_)
            | Item::Example(_)
    )
}

/// One clause of a category as canonical text.
pub fn clause_text(clause: &Clause, explicit: bool) -> String {
    match clause {
        Clause::Include {
            weight, condition, ..
        } => {
            let mut out = String::from("include ");
            if let Some(weight) = weight {
                out.push_str(&format!("{}% of ", weight.value));
            }
            write_condition(&mut out, condition, 0, explicit);
            out
        }
        Clause::Exclude { condition, .. } => {
            let mut out = String::from("exclude ");
            write_condition(&mut out, condition, 0, explicit);
            out
        }
        Clause::ExcludeCountedIn { categories, .. } => {
            let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
            format!("exclude counted in {}", names.join(", "))
        }
        Clause::Cap { amount, .. } => {
            let mut out = String::from("cap ");
            write_expr(&mut out, amount, 0, explicit);
            out
        }
    }
}

fn param_value(value: &ParamValue, explicit: bool) -> String {
    let mut out = String::new();
    write_expr(&mut out, &value.value, 0, explicit);
    if let Some(from) = &value.from {
        out.push_str(&format!(" from {}", year_ref(from)));
    }
    if let Some(until) = &value.until {
        out.push_str(&format!(" until {}", year_ref(until)));
    }
    if let Some(source) = &value.source {
        out.push_str(&format!(" source {}", quote(&source.value)));
    }
    out
}

/// `require id: ...` as canonical text.
pub fn requirement(require: &RequireDecl, explicit: bool) -> String {
    let mut out = format!("require {}: ", require.id.name);
    out.push_str(&requirement_body(&require.body, explicit));
    out
}

/// The body of a requirement (after `id:`).
pub fn requirement_body(body: &Requirement, explicit: bool) -> String {
    let mut out = String::new();
    match body {
        Requirement::Compare {
            left,
            op,
            right,
            from,
            until,
            ..
        } => {
            write_expr(&mut out, left, 0, explicit);
            out.push_str(&format!(" {} ", op.symbol()));
            write_expr(&mut out, right, 0, explicit);
            if let Some(from) = from {
                out.push_str(&format!(" from {}", year_ref(from)));
            }
            if let Some(until) = until {
                out.push_str(&format!(" until {}", year_ref(until)));
            }
        }
        Requirement::Path {
            value,
            target,
            by,
            from,
        } => {
            write_expr(&mut out, value, 0, explicit);
            out.push_str(" on path to ");
            write_expr(&mut out, target, 0, explicit);
            out.push_str(&format!(" by {} from {}", year_ref(by), year_ref(from)));
        }
    }
    out
}

fn example_statement(statement: &ExampleStatement, explicit: bool) -> String {
    match statement {
        ExampleStatement::Country(country) => format!("country {}", country.name),
        ExampleStatement::Year { year, .. } => format!("year {year}"),
        ExampleStatement::Indicator { name, value, .. } => {
            format!("indicator {} = {}", name.name, value)
        }
        ExampleStatement::Item {
            amount,
            fields,
            tags,
            ..
        } => {
            let mut out = format!("item {amount}");
            for (field, value) in fields {
                out.push_str(&format!(" {} {}", field.name, value_text(value)));
            }
            for tag in tags {
                out.push_str(&format!(" tag {}", tag.name));
            }
            out
        }
        ExampleStatement::ExpectStatus {
            requirement,
            status,
            ..
        } => format!("expect {} {}", requirement.name, status.name),
        ExampleStatement::ExpectCompare {
            left, op, right, ..
        } => {
            let mut out = String::from("expect ");
            write_expr(&mut out, left, 0, explicit);
            out.push_str(&format!(" {} ", op.symbol()));
            write_expr(&mut out, right, 0, explicit);
            out
        }
    }
}

/// A year reference as written.
pub fn year_ref(year: &YearRef) -> String {
    match year {
        YearRef::Literal { year, .. } => year.to_string(),
        YearRef::Param(name) => name.name.clone(),
    }
}

/// A literal value as written.
pub fn value_text(value: &Value) -> String {
    match &value.kind {
        ValueKind::Number(n) => n.to_string(),
        ValueKind::Text(t) => quote(t),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Symbol(s) => s.clone(),
    }
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(BinaryOp::Add | BinaryOp::Sub, ..) => 1,
        ExprKind::Binary(BinaryOp::Mul | BinaryOp::Div, ..) => 2,
        ExprKind::Binary(BinaryOp::Of, ..) => 3,
        ExprKind::Neg(_) => 4,
        ExprKind::At(..) => 5,
        _ => 6,
    }
}

/// Writes an expression; `context` is the binding strength around it.
fn write_expr(out: &mut String, expr: &Expr, context: u8, explicit: bool) {
    let own = precedence(expr);
    let parens = if explicit { own < 6 } else { own < context };
    if parens {
        out.push('(');
    }
    match &expr.kind {
        ExprKind::Number(n) => out.push_str(&n.to_string()),
        ExprKind::Percent(p) => out.push_str(&format!("{p}%")),
        ExprKind::Text(t) => out.push_str(&quote(t)),
        ExprKind::Bool(b) => out.push_str(&b.to_string()),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Neg(inner) => {
            out.push('-');
            write_expr(out, inner, 5, explicit);
        }
        ExprKind::Binary(op, left, right) => {
            write_expr(out, left, own, explicit);
            out.push_str(&format!(" {} ", op.symbol()));
            // Left-associative: an equal-precedence right operand needs parentheses.
            write_expr(out, right, own + 1, explicit);
        }
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, arg, 0, explicit);
            }
            out.push(')');
        }
        ExprKind::At(inner, at) => {
            write_expr(out, inner, 5, explicit);
            out.push_str(" at ");
            match at {
                AtYear::Relative { offset, .. } => {
                    out.push_str("year");
                    if *offset > 0 {
                        out.push_str(&format!(" + {offset}"));
                    } else if *offset < 0 {
                        out.push_str(&format!(" - {}", offset.unsigned_abs()));
                    }
                }
                AtYear::Fixed(year) => out.push_str(&year_ref(year)),
            }
        }
    }
    if parens {
        out.push(')');
    }
}

fn condition_precedence(condition: &Condition) -> u8 {
    match condition {
        Condition::Or(..) => 1,
        Condition::And(..) => 2,
        Condition::Not(..) => 3,
        _ => 4,
    }
}

fn write_condition(out: &mut String, condition: &Condition, context: u8, explicit: bool) {
    let own = condition_precedence(condition);
    let parens = if explicit {
        own < 4 && context > 0
    } else {
        own < context
    };
    if parens {
        out.push('(');
    }
    match condition {
        Condition::Or(a, b) | Condition::And(a, b) => {
            let word = if matches!(condition, Condition::Or(..)) {
                "or"
            } else {
                "and"
            };
            write_condition(out, a, own, explicit);
            out.push_str(&format!(" {word} "));
            write_condition(out, b, own + 1, explicit);
        }
        Condition::Not(inner, _) => {
            out.push_str("not ");
            write_condition(out, inner, 4, explicit);
        }
        Condition::Tag(tag) => out.push_str(&format!("tag {}", tag.name)),
        Condition::Compare { field, op, value } => out.push_str(&format!(
            "{} {} {}",
            field.name,
            op.symbol(),
            value_text(value)
        )),
        Condition::In {
            field,
            negated,
            values,
        } => {
            let list: Vec<String> = values.iter().map(value_text).collect();
            let keyword = if *negated { "not in" } else { "in" };
            out.push_str(&format!("{} {keyword} [{}]", field.name, list.join(", ")));
        }
    }
    if parens {
        out.push(')');
    }
}

/// Finds every comment in a rule text, skipping quoted texts.
fn scan_comments(text: &str) -> Vec<Comment> {
    lexical::pieces(text)
        .filter_map(|(piece, start, end)| {
            let raw = text.get(start..end).unwrap_or("");
            let text = match piece {
                Piece::LineComment => raw.trim_end(),
                Piece::BlockComment { .. } => raw,
                Piece::Code | Piece::Text => return None,
            };
            Some(Comment {
                start,
                text: text.to_string(),
            })
        })
        .collect()
}
