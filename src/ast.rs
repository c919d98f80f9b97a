//! Stage 1 output: the typed syntax tree of one rule file, lowered from pest
//! pairs by `parse`. Every node a user can be blamed for carries a `Span`.
//! The tree holds no meaning yet: names are unresolved until `check`.

use rust_decimal::Decimal;

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A quoted text as written (escapes removed), with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub pledges: Vec<Pledge>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pledge {
    pub name: Text,
    pub extends: Option<Text>,
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Source(Text),
    Status(Ident),
    Meta { key: Ident, value: Text },
    Param(ParamDecl),
    Group(GroupDecl),
    Category(CategoryDecl),
    Amend(AmendDecl),
    Replace(ReplaceDecl),
    Require(RequireDecl),
    Scope(ScopeDecl),
    Example(ExampleDecl),
}

impl Item {
    /// The span of the whole item, used to attach comments and to blame.
    pub fn span(&self) -> Span {
        match self {
            Item::Source(t) => t.span,
            Item::Status(i) => i.span,
            Item::Meta { key, value } => key.span.join(value.span),
            Item::Param(p) => p.span,
            Item::Group(g) => g.span,
            Item::Category(c) => c.span,
            Item::Amend(a) => a.span,
            Item::Replace(r) => r.span(),
            Item::Require(r) => r.span,
            Item::Scope(s) => s.span,
            Item::Example(e) => e.span,
        }
    }
}

/// `param name = value, value ...`
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    pub values: Vec<ParamValue>,
    pub span: Span,
}

/// One (possibly dated) value of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValue {
    pub value: Expr,
    pub from: Option<YearRef>,
    pub until: Option<YearRef>,
    pub source: Option<Text>,
    pub span: Span,
}

/// A year written as a literal (`2035`) or a parameter (`deadline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearRef {
    Literal { year: i32, span: Span },
    Param(Ident),
}

impl YearRef {
    pub fn span(&self) -> Span {
        match self {
            YearRef::Literal { span, .. } => *span,
            YearRef::Param(ident) => ident.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecl {
    pub name: Ident,
    pub members: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryDecl {
    pub id: Ident,
    pub label: Option<Text>,
    pub within: Option<Ident>,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AmendDecl {
    pub category: Ident,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplaceDecl {
    Category(CategoryDecl),
    Require(RequireDecl),
}

impl ReplaceDecl {
    pub fn span(&self) -> Span {
        match self {
            ReplaceDecl::Category(c) => c.span,
            ReplaceDecl::Require(r) => r.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    Include {
        weight: Option<Percent>,
        condition: Condition,
        span: Span,
    },
    Exclude {
        condition: Condition,
        span: Span,
    },
    ExcludeCountedIn {
        categories: Vec<Ident>,
        span: Span,
    },
    Cap {
        amount: Expr,
        span: Span,
    },
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Include { span, .. }
            | Clause::Exclude { span, .. }
            | Clause::ExcludeCountedIn { span, .. }
            | Clause::Cap { span, .. } => *span,
        }
    }
}

/// A percentage as written: `value` is in percent (50 for `50%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Percent {
    pub value: Decimal,
    pub span: Span,
}

/// A condition over one line item.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>, Span),
    Tag(Ident),
    Compare {
        field: Ident,
        op: CompareOp,
        value: Value,
    },
    In {
        field: Ident,
        negated: bool,
        values: Vec<Value>,
    },
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::And(a, b) | Condition::Or(a, b) => a.span().join(b.span()),
            Condition::Not(inner, span) => span.join(inner.span()),
            Condition::Tag(tag) => tag.span,
            Condition::Compare { field, value, .. } => field.span.join(value.span),
            Condition::In { field, values, .. } => values
                .last()
                .map_or(field.span, |last| field.span.join(last.span)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CompareOp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Ge => ">=",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Lt => "<",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }
}

/// A literal value in a condition or an example item.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Number(Decimal),
    Text(String),
    Bool(bool),
    Symbol(String),
}

/// An arithmetic expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(Decimal),
    /// A percentage, stored in percent (3.5 for `3.5%`).
    Percent(Decimal),
    Text(String),
    Bool(bool),
    Name(String),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(Ident, Vec<Expr>),
    At(Box<Expr>, AtYear),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Of,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Of => "of",
        }
    }
}

/// The year in `x at ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtYear {
    /// `at year`, `at year - 1`: relative to the year being evaluated.
    Relative { offset: i32, span: Span },
    /// `at 2014` or `at deadline`.
    Fixed(YearRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequireDecl {
    pub id: Ident,
    pub body: Requirement,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Compare {
        left: Expr,
        op: CompareOp,
        op_span: Span,
        right: Expr,
        from: Option<YearRef>,
        until: Option<YearRef>,
    },
    Path {
        value: Expr,
        target: Expr,
        by: YearRef,
        from: YearRef,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScopeDecl {
    pub targets: Vec<Ident>,
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExampleDecl {
    pub name: Text,
    pub statements: Vec<ExampleStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExampleStatement {
    Country(Ident),
    Year {
        year: i32,
        span: Span,
    },
    Indicator {
        name: Ident,
        value: Decimal,
        span: Span,
    },
    Item {
        amount: Decimal,
        fields: Vec<(Ident, Value)>,
        tags: Vec<Ident>,
        span: Span,
    },
    ExpectStatus {
        requirement: Ident,
        status: Ident,
        span: Span,
    },
    ExpectCompare {
        left: Expr,
        op: CompareOp,
        right: Expr,
        span: Span,
    },
}

impl ExampleStatement {
    pub fn span(&self) -> Span {
        match self {
            ExampleStatement::Country(i) => i.span,
            ExampleStatement::Year { span, .. }
            | ExampleStatement::Indicator { span, .. }
            | ExampleStatement::Item { span, .. }
            | ExampleStatement::ExpectStatus { span, .. }
            | ExampleStatement::ExpectCompare { span, .. } => *span,
        }
    }
}
