//! The checked program: what `check` produces and `eval` consumes. Names are
//! resolved to ids (`ParamId`, `CategoryId`, `RequirementId`), expressions
//! are typed, `extends`, `amend`, `replace` and country scopes are applied. Only the checker can build a `Checked`
//! (its `sealed` field is private to this crate), so the interpreter never
//! sees a program that has not been checked.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::ast::CompareOp;
use crate::source::Span;

/// Every pledge of a checked rule file.
#[derive(Debug, Clone)]
pub struct Checked {
    pledges: Vec<Program>,
}

impl Checked {
    /// The checked pledges, in file order.
    pub fn pledges(&self) -> &[Program] {
        &self.pledges
    }

    pub(crate) fn new(pledges: Vec<Program>) -> Checked {
        Checked { pledges }
    }
}

/// Declares the id of one kind of thing in a `Program`: its position in
/// the program's list. Only the checker, which builds the program, makes
/// ids (with the crate-private `new`), so an id always refers to something
/// in its program. Ids print as the bare position, as the plain integers
/// they replace did.
macro_rules! program_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl $name {
            /// The id of the item at `index` of its program's list; only
            /// the checker, which builds that list, calls it.
            pub(crate) const fn new(index: usize) -> $name {
                $name(index)
            }

            /// The position in the program's list.
            pub const fn index(self) -> usize {
                self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

program_id!(
    /// A parameter of a `Program` (see `Program::param`).
    ParamId
);
program_id!(
    /// A category of a `Program` (see `Program::category`).
    CategoryId
);
program_id!(
    /// A requirement of a `Program` (see `Program::requirement`).
    RequirementId
);

/// One resolved pledge (after applying its `extends` chain). Its fields are
/// visible inside the crate only, so that only the checker builds one; other
/// code reads it through the getters.
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) name: String,
    pub(crate) source: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) meta: Vec<(String, String)>,
    /// Names of the pledges this one extends, nearest first.
    pub(crate) bases: Vec<String>,
    pub(crate) span: Span,
    pub(crate) params: Vec<Param>,
    pub(crate) groups: Vec<(String, Vec<String>)>,
    /// In evaluation order: a category comes after those it depends on.
    pub(crate) categories: Vec<Category>,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) examples: Vec<Example>,
    /// Countries named in scopes and groups (for reports).
    pub(crate) scoped_countries: BTreeSet<String>,
}

impl Program {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
    /// `meta` entries other than `source` and `status`, in file order.
    pub fn meta(&self) -> &[(String, String)] {
        &self.meta
    }
    /// Country groups with their members.
    pub fn groups(&self) -> &[(String, Vec<String>)] {
        &self.groups
    }
    /// Countries named in scopes and groups (for reports).
    pub fn scoped_countries(&self) -> &BTreeSet<String> {
        &self.scoped_countries
    }
    /// Names of the pledges this one extends, nearest first.
    pub fn bases(&self) -> &[String] {
        &self.bases
    }
    pub fn span(&self) -> Span {
        self.span
    }
    pub fn params(&self) -> &[Param] {
        &self.params
    }
    /// In evaluation order: a category comes after those it depends on.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }
    /// The parameter `id` names (`None` only for an id of another program).
    pub fn param(&self, id: ParamId) -> Option<&Param> {
        self.params.get(id.index())
    }
    /// The category `id` names (`None` only for an id of another program).
    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(id.index())
    }
    /// The requirement `id` names (`None` only for an id of another program).
    pub fn requirement(&self, id: RequirementId) -> Option<&Requirement> {
        self.requirements.get(id.index())
    }
    /// The parameters with their ids, in file order.
    pub fn params_by_id(&self) -> impl ExactSizeIterator<Item = (ParamId, &Param)> + '_ {
        self.params
            .iter()
            .enumerate()
            .map(|(i, p)| (ParamId::new(i), p))
    }
    /// The categories with their ids, in evaluation order.
    pub fn categories_by_id(&self) -> impl ExactSizeIterator<Item = (CategoryId, &Category)> + '_ {
        self.categories
            .iter()
            .enumerate()
            .map(|(i, c)| (CategoryId::new(i), c))
    }
    /// The requirements with their ids, in file order.
    pub fn requirements_by_id(
        &self,
    ) -> impl ExactSizeIterator<Item = (RequirementId, &Requirement)> + '_ {
        self.requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (RequirementId::new(i), r))
    }
    pub fn category_index(&self, id: &str) -> Option<CategoryId> {
        self.categories_by_id()
            .find_map(|(index, c)| (c.id == id).then_some(index))
    }
    pub fn param_index(&self, name: &str) -> Option<ParamId> {
        self.params_by_id()
            .find_map(|(index, p)| (p.name == name).then_some(index))
    }
    pub fn requirement_index(&self, id: &str) -> Option<RequirementId> {
        self.requirements_by_id()
            .find_map(|(index, r)| (r.id == id).then_some(index))
    }
}

/// The type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// An amount in the dataset's money unit.
    Money,
    /// A share, written as a percentage (stored as a fraction: 3.5% is 0.035).
    Ratio,
    /// A plain number, including years.
    Number,
    Bool,
    Text,
}

impl Type {
    pub fn describe(self) -> &'static str {
        match self {
            Type::Money => "an amount of money",
            Type::Ratio => "a share (percentage)",
            Type::Number => "a plain number",
            Type::Bool => "true or false",
            Type::Text => "a text",
        }
    }
}

/// A set of countries a scoped clause applies to.
pub type CountrySet = BTreeSet<String>;

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub values: Vec<DatedValue>,
    /// Values for some countries only, later entries win.
    pub overrides: Vec<(CountrySet, Vec<DatedValue>)>,
    pub span: Span,
    /// True when set from the command line (`--set`).
    pub from_command_line: bool,
    /// True when some `from`, `until`, `by` or `at` reads it as a year.
    pub used_as_year: bool,
}

#[derive(Debug, Clone)]
pub struct DatedValue {
    /// Ratios are stored as fractions (0.035 for 3.5%).
    pub value: Decimal,
    pub from: Option<YearSpec>,
    pub until: Option<YearSpec>,
    pub source: Option<String>,
    pub span: Span,
}

/// A year given as a literal or by a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearSpec {
    Literal(i32),
    Param(ParamId),
}

#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub label: Option<String>,
    pub within: Option<CategoryId>,
    pub body: CategoryBody,
    /// Changes for some countries only, applied in order.
    pub scoped: Vec<(CountrySet, ScopedChange)>,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct CategoryBody {
    pub clauses: Vec<Clause>,
    pub caps: Vec<Cap>,
    /// `exclude counted in X`: items counted in X never count here.
    pub counted_in: Vec<(CategoryId, Span)>,
}

#[derive(Debug, Clone)]
pub enum ScopedChange {
    Amend(CategoryBody),
    Replace(CategoryBody),
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub kind: ClauseKind,
    pub condition: Condition,
    /// The clause as canonical text, for traces.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseKind {
    /// Counts the item at this weight (a fraction: 0.5 for `50% of`).
    Include(Decimal),
    Exclude,
}

#[derive(Debug, Clone)]
pub struct Cap {
    pub amount: TExpr,
    pub text: String,
    pub span: Span,
}

/// A condition over one line item, with field names checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Tag(String),
    Compare {
        field: String,
        op: CompareOp,
        value: Literal,
    },
    In {
        field: String,
        negated: bool,
        values: Vec<Literal>,
    },
}

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Literal {
    Number(Decimal),
    Text(String),
    Bool(bool),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Text(t) => write!(f, "{t}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A typed expression.
#[derive(Debug, Clone)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TExprKind {
    Const(Decimal),
    Category(CategoryId),
    Param(ParamId),
    Indicator(String),
    Neg(Box<TExpr>),
    Add(Box<TExpr>, Box<TExpr>),
    Sub(Box<TExpr>, Box<TExpr>),
    /// Also `of`: `3.5% of gdp` multiplies.
    Mul(Box<TExpr>, Box<TExpr>),
    Div(Box<TExpr>, Box<TExpr>),
    Min(Vec<TExpr>),
    Max(Vec<TExpr>),
    Round(Box<TExpr>, u32),
    At(Box<TExpr>, AtSpec),
    /// The sum over all members in the year.
    Alliance(Box<TExpr>),
    /// How many members meet a requirement in the year.
    Count(RequirementId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtSpec {
    Relative(i32),
    Fixed(YearSpec),
}

#[derive(Debug, Clone)]
pub struct Requirement {
    pub id: String,
    /// `None` when the requirement exists only inside `for` scopes.
    pub body: Option<RequirementBody>,
    pub scoped: Vec<(CountrySet, RequirementBody)>,
    pub span: Span,
    /// Pairs of categories this requirement adds together (for the
    /// double-counting check), with the span of the sum.
    pub added_together: Vec<(CategoryId, CategoryId)>,
}

#[derive(Debug, Clone)]
pub struct RequirementBody {
    pub kind: RequirementKind,
    /// The requirement as canonical text (`core >= core_floor of gdp from deadline`).
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum RequirementKind {
    Compare {
        left: TExpr,
        op: CompareOp,
        right: TExpr,
        from: Option<YearSpec>,
        until: Option<YearSpec>,
    },
    Path {
        value: TExpr,
        target: TExpr,
        by: YearSpec,
        from: YearSpec,
    },
}

impl RequirementKind {
    /// The expressions of the requirement, for walks.
    pub fn expressions(&self) -> [&TExpr; 2] {
        match self {
            RequirementKind::Compare { left, right, .. } => [left, right],
            RequirementKind::Path { value, target, .. } => [value, target],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    pub span: Span,
    pub country: String,
    pub rows: Vec<ExampleRow>,
    pub indicators: Vec<(i32, String, Decimal)>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone)]
pub struct ExampleRow {
    pub year: i32,
    pub amount: Decimal,
    pub fields: Vec<(String, Literal)>,
    pub tags: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub year: i32,
    pub kind: ExpectationKind,
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExpectationKind {
    Status {
        requirement: RequirementId,
        status: String,
    },
    Compare {
        left: TExpr,
        op: CompareOp,
        right: TExpr,
    },
}

/// Walks every sub-expression.
pub fn walk(expr: &TExpr, visit: &mut dyn FnMut(&TExpr)) {
    visit(expr);
    match &expr.kind {
        TExprKind::Neg(a)
        | TExprKind::Round(a, _)
        | TExprKind::At(a, _)
        | TExprKind::Alliance(a) => walk(a, visit),
        TExprKind::Add(a, b)
        | TExprKind::Sub(a, b)
        | TExprKind::Mul(a, b)
        | TExprKind::Div(a, b) => {
            walk(a, visit);
            walk(b, visit);
        }
        TExprKind::Min(items) | TExprKind::Max(items) => {
            for item in items {
                walk(item, visit);
            }
        }
        TExprKind::Const(_)
        | TExprKind::Category(_)
        | TExprKind::Param(_)
        | TExprKind::Indicator(_)
        | TExprKind::Count(_) => {}
    }
}
