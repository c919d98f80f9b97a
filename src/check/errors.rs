//! The diagnostics of the checking stage.

use miette::Diagnostic;
use thiserror::Error;

use crate::source::Span;

/// Errors and warnings of `check`. Each has a stable code, a label on the
/// clause it blames and a help line that says what to do.
#[derive(Debug, Error, Diagnostic)]
pub enum CheckError {
    #[error("unknown category `{name}`")]
    #[diagnostic(code(pledge::check::unknown_category), help("{help}"))]
    UnknownCategory {
        name: String,
        help: String,
        #[label("no category of this name")]
        span: Span,
    },
    #[error("unknown name `{name}`")]
    #[diagnostic(code(pledge::check::unknown_name), help("{help}"))]
    UnknownName {
        name: String,
        help: String,
        #[label("not a category, parameter or data series")]
        span: Span,
    },
    #[error("unknown parameter `{name}`")]
    #[diagnostic(code(pledge::check::unknown_param), help("{help}"))]
    UnknownParam {
        name: String,
        help: String,
        #[label("no parameter of this name")]
        span: Span,
    },
    #[error("unknown requirement `{name}`")]
    #[diagnostic(code(pledge::check::unknown_requirement), help("{help}"))]
    UnknownRequirement {
        name: String,
        help: String,
        #[label("no requirement with this id")]
        span: Span,
    },
    #[error("unknown group `{name}`")]
    #[diagnostic(code(pledge::check::unknown_group), help("{help}"))]
    UnknownGroup {
        name: String,
        help: String,
        #[label("not a group or a country code")]
        span: Span,
    },
    #[error("unknown country code `{name}`")]
    #[diagnostic(code(pledge::check::unknown_country), help("{help}"))]
    UnknownCountry {
        name: String,
        help: String,
        #[label("not a NATO ally or a country of the dataset")]
        span: Span,
    },
    #[error("the dataset has no field `{name}`")]
    #[diagnostic(code(pledge::check::unknown_field), help("{help}"))]
    UnknownField {
        name: String,
        help: String,
        #[label("unknown field")]
        span: Span,
    },
    #[error("the field `{field}` never has the value `{value}` in the dataset")]
    #[diagnostic(code(pledge::check::unknown_value), severity(Warning), help("{help}"))]
    UnknownValue {
        field: String,
        value: String,
        help: String,
        #[label("no item has this value: it counts nothing here")]
        span: Span,
    },
    #[error("the dataset has no tag `{name}`")]
    #[diagnostic(code(pledge::check::unknown_tag), help("{help}"))]
    UnknownTag {
        name: String,
        help: String,
        #[label("unknown tag")]
        span: Span,
    },
    #[error("the field `{field}` holds {field_type}, but this value is {value_type}")]
    #[diagnostic(
        code(pledge::check::field_type),
        help("compare the field with a value of its kind, or use `==` / `in` for text fields")
    )]
    FieldType {
        field: String,
        field_type: String,
        value_type: String,
        #[label("wrong kind of value")]
        span: Span,
    },
    #[error("cannot compare {left} with {right}")]
    #[diagnostic(code(pledge::check::unit_mismatch), help("{help}"))]
    UnitMismatch {
        left: String,
        right: String,
        help: String,
        #[label("{left} on one side, {right} on the other")]
        span: Span,
    },
    #[error("cannot {operation} {left} and {right}")]
    #[diagnostic(code(pledge::check::type_mismatch), help("{help}"))]
    TypeMismatch {
        operation: String,
        left: String,
        right: String,
        help: String,
        #[label("here")]
        span: Span,
    },
    #[error("`of` needs a share on its left, but this is {found}")]
    #[diagnostic(
        code(pledge::check::not_a_share),
        help("write a percentage or a share parameter before `of`, as in `3.5% of gdp`")
    )]
    NotAShare {
        found: String,
        #[label("not a share")]
        span: Span,
    },
    #[error("{message}")]
    #[diagnostic(code(pledge::check::bad_call), help("{help}"))]
    BadCall {
        message: String,
        help: String,
        #[label("here")]
        span: Span,
    },
    #[error("{what} `{name}` is defined twice")]
    #[diagnostic(code(pledge::check::duplicate), help("{help}"))]
    Duplicate {
        what: String,
        name: String,
        help: String,
        #[label("defined again here")]
        again: Span,
        #[label("first defined here")]
        first: Option<Span>,
    },
    #[error("{what} `{name}` is already defined in the base pledge")]
    #[diagnostic(code(pledge::check::already_in_base), help("{help}"))]
    AlreadyInBase {
        what: String,
        name: String,
        help: String,
        #[label("defined again here")]
        span: Span,
    },
    #[error("the parameter `{name}` is never used")]
    #[diagnostic(
        code(pledge::check::unused_param),
        severity(Warning),
        help("use it in a requirement or a cap, or remove it")
    )]
    UnusedParam {
        name: String,
        #[label("defined here, used nowhere")]
        span: Span,
    },
    #[error("the group `{name}` is never used")]
    #[diagnostic(
        code(pledge::check::unused_group),
        severity(Warning),
        help("name it in a `for` block (`for {name} {{ ... }}`) to give its countries their own clauses, or remove it")
    )]
    UnusedGroup {
        name: String,
        #[label("defined here, used nowhere")]
        span: Span,
    },
    #[error("{message}")]
    #[diagnostic(code(pledge::check::example_line_twice), help("{help}"))]
    ExampleLineTwice {
        message: String,
        help: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[label("{other_label}")]
        other: Span,
        other_label: String,
    },
    #[error("in `{category}`, a later `include {later} of` lowers items an earlier `include` counts at {earlier}")]
    #[diagnostic(
        code(pledge::check::lowered_weight),
        severity(Warning),
        help("the last matching `include` decides the weight, so {example} counts at {later}, not {earlier}. If that is meant, leave those items out of the earlier clause (`... and not ...`); if not, write the `{later} of` clause before the other")
    )]
    LoweredWeight {
        category: String,
        earlier: String,
        later: String,
        example: String,
        #[label("counts them at {later}")]
        span: Span,
        #[label("counts them at {earlier}")]
        other: Option<Span>,
    },
    #[error("this path aims at each year's value of `{name}`, not at its final value")]
    #[diagnostic(
        code(pledge::check::path_to_dated_param),
        severity(Warning),
        help("`{name}` has dated values, and a path is drawn in each year towards the target as it is in that year, so the line jumps where the value changes. To aim at the value it has at the end, write `({name} at {by})`; if each year's value is meant, keep it")
    )]
    PathToDatedParam {
        name: String,
        by: String,
        #[label("`{name}` changes over the years")]
        span: Span,
    },
    #[error("the category `{name}` is never used")]
    #[diagnostic(
        code(pledge::check::unused_category),
        severity(Warning),
        help("use it in a requirement, or make it a breakdown of another category with `within`")
    )]
    UnusedCategory {
        name: String,
        #[label("defined here, used nowhere")]
        span: Span,
    },
    #[error("`{name}` will have no data: {reason}")]
    #[diagnostic(
        code(pledge::check::unpublished_category),
        severity(Warning),
        help("every requirement on `{name}` will say `no data` on this dataset, never `not met`; to measure it, run on a dataset that publishes these figures (`--data NAME`, `pledge check --data NAME`), or leave it as the text's position")
    )]
    UnpublishedCategory {
        name: String,
        dataset: String,
        reason: String,
        #[label("nothing counted here is published in {dataset}")]
        span: Span,
    },
    #[error("this clause of `{name}` will count nothing: {reason}")]
    #[diagnostic(
        code(pledge::check::unpublished_clause),
        severity(Warning),
        help("the other clauses of `{name}` still count; results on this dataset name the missing part (`gaps` in JSON and CSV)")
    )]
    UnpublishedClause {
        name: String,
        dataset: String,
        reason: String,
        #[label("nothing this matches is published in {dataset}")]
        span: Span,
    },
    #[error("requirement `{name}` counts itself{chain}: how many allies meet it would depend on how many allies meet it")]
    #[diagnostic(
        code(pledge::check::count_cycle),
        help("`count(...)` must name another requirement that does not count this one; to ask that most allies meet a floor, write the floor as one requirement and `count(floor) >= 16` as another")
    )]
    CountCycle {
        name: String,
        chain: String,
        #[label("this `count` leads back to `{name}`")]
        span: Span,
    },
    #[error("categories depend on each other in a circle: {chain}")]
    #[diagnostic(
        code(pledge::check::category_cycle),
        help("`within`, `exclude counted in` and caps must not lead back to the same category; remove one link")
    )]
    CategoryCycle {
        chain: String,
        #[label("this category is part of the circle")]
        span: Span,
    },
    #[error(
        "categories `{first}` and `{second}` can both count the same item, for example {example}{others}"
    )]
    #[diagnostic(
        code(pledge::check::overlap),
        severity(Warning),
        help("declare which one takes precedence with `exclude counted in {first}` in `{second}` (or the reverse), or narrow one condition")
    )]
    Overlap {
        first: String,
        second: String,
        example: String,
        /// The other categories `second` overlaps, in words ("" for none).
        others: String,
        #[label("this clause of `{second}`")]
        span: Span,
        #[label("matches the same items as this clause of `{first}`")]
        other: Option<Span>,
    },
    #[error("a parameter value must be a fixed number, share or amount, not {found}")]
    #[diagnostic(
        code(pledge::check::param_not_constant),
        help("write a literal such as `3.5%`, `2035` or `money(500)`; to depend on the data, use a requirement")
    )]
    ParamNotConstant {
        found: String,
        #[label("not a fixed value")]
        span: Span,
    },
    #[error("the parameter `{name}` is used as a year but its value is {value}")]
    #[diagnostic(
        code(pledge::check::not_a_year),
        help("a year parameter holds a whole number such as `2035`")
    )]
    NotAYear {
        name: String,
        value: String,
        #[label("used as a year here")]
        span: Span,
    },
    #[error("two values of `{name}` apply in {years}")]
    #[diagnostic(
        code(pledge::check::overlapping_values),
        help("give each value its own years with `from` and `until`, so that each year has one value; a decimal is written with a point, as in `3.5%`")
    )]
    OverlappingValues {
        name: String,
        years: String,
        #[label("this value also applies in {years}")]
        span: Span,
    },
    #[error("the parameter `{name}` has {found}, but {expected} is needed here")]
    #[diagnostic(code(pledge::check::param_type), help("{help}"))]
    ParamType {
        name: String,
        found: String,
        expected: String,
        help: String,
        #[label("here")]
        span: Span,
    },
    #[error("a weight must be between 0% and 100%, not {value}%")]
    #[diagnostic(
        code(pledge::check::bad_weight),
        help("partial credit is written `include 50% of <condition>`")
    )]
    BadWeight {
        value: String,
        #[label("out of range")]
        span: Span,
    },
    #[error("a requirement cannot use `{op}`: amounts are compared with `>=`, `>`, `<=` or `<`")]
    #[diagnostic(
        code(pledge::check::bad_comparison),
        help("a pledge sets a floor or a ceiling: write `>=` for \"at least\" or `<=` for \"at most\"")
    )]
    BadComparison {
        op: String,
        #[label("not a floor or a ceiling")]
        span: Span,
    },
    #[error("`{name}` names both {first} and {second}")]
    #[diagnostic(
        code(pledge::check::name_clash),
        help("give one of them another name; in expressions a category would hide the other")
    )]
    NameClash {
        name: String,
        first: String,
        second: String,
        #[label("this {first}")]
        span: Span,
    },
    #[error("`extends` is chained more than {limit} files deep")]
    #[diagnostic(
        code(pledge::check::extends_too_deep),
        help("extend the base text directly instead of a long chain of drafts")
    )]
    ExtendsTooDeep {
        limit: usize,
        #[label("the chain passes through this pledge")]
        span: Span,
    },
    #[error("a pledge named `{name}` already exists in this file")]
    #[diagnostic(
        code(pledge::check::duplicate_pledge),
        help("give each pledge of a file its own name")
    )]
    DuplicatePledge {
        name: String,
        #[label("second pledge of this name")]
        span: Span,
    },
}
