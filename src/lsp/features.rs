//! The answers of the language server, each from an `Analysis`:
//! diagnostics, hover, go-to-definition, completion, formatting and the
//! quick fixes of "did you mean".

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CompletionItem, CompletionItemKind,
    Diagnostic, DiagnosticSeverity, Hover, HoverContents, Location, MarkupContent, MarkupKind,
    NumberOrString, Position, Range, TextEdit, Url, WorkspaceEdit,
};

use super::analysis::Analysis;
use super::text;

/// The checker's problems as editor diagnostics. A problem that points
/// into another file (a base) is shown at the top of this one, naming it.
pub fn diagnostics(analysis: &Analysis) -> Vec<Diagnostic> {
    let own = analysis.source_name();
    analysis
        .problems
        .iter()
        .map(|problem| {
            let mut message = problem.message();
            let labels = problem.labels();
            let here = problem.file_name().is_some_and(|name| name == own);
            let range = match labels.first() {
                Some((bytes, _)) if here => text::range(&analysis.text, bytes.clone()),
                _ => {
                    if let Some(name) = problem.file_name().filter(|n| *n != own) {
                        message = format!("in {name}: {message}");
                    }
                    Range::default()
                }
            };
            if here {
                if let Some(label) = labels.first().and_then(|(_, l)| l.clone()) {
                    // A label that repeats the message adds nothing.
                    let core = label.trim_end_matches(" here");
                    if !message.contains(core) {
                        message.push_str(&format!(" ({label})"));
                    }
                }
            }
            if let Some(help) = problem.help() {
                message.push_str(&format!("\nhelp: {help}"));
            }
            Diagnostic {
                range,
                severity: Some(if problem.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                code: Some(NumberOrString::String(problem.code())),
                source: Some("pledge".to_string()),
                message,
                ..Diagnostic::default()
            }
        })
        .collect()
}

/// What the word under the cursor is, with its latest outcome for a
/// requirement or category, its value for a parameter.
pub fn hover(analysis: &Analysis, position: Position) -> Option<Hover> {
    let offset = text::offset(&analysis.text, position);
    let (word, bytes) = text::word_at(&analysis.text, offset)?;
    let value = describe(analysis, &word)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(text::range(&analysis.text, bytes)),
    })
}

fn describe(analysis: &Analysis, word: &str) -> Option<String> {
    let data = format!("on `{}`", analysis.dataset_name);
    if let Some(definition) = analysis.definitions().into_iter().find(|d| d.name == word) {
        let declaration = analysis
            .workspace
            .as_ref()
            .map(|w| w.sources.slice(definition.declaration).to_string())
            .unwrap_or_default();
        let first_line = declaration.lines().next().unwrap_or("").trim();
        let mut out = format!("**{}** `{word}`", definition.kind);
        if definition.kind != "param" {
            out.push_str(&format!("\n\n`{first_line}`"));
        }
        match definition.kind {
            "requirement" => {
                if let Some(line) = analysis.requirement_outcome(word) {
                    out.push_str(&format!("\n\n{line} ({data})"));
                }
            }
            "category" => {
                if let Some(line) = analysis.category_outcome(word) {
                    out.push_str(&format!("\n\n{line} ({data})"));
                }
            }
            "param" => out.push_str(&param_values(analysis, word)),
            _ => {}
        }
        return Some(out);
    }
    if let Some(doc) = keyword_doc(word) {
        return Some(format!("**{word}**: {doc}"));
    }
    let manifest = &analysis.dataset.as_ref()?.manifest;
    if let Some(field) = manifest.field(word) {
        let values = field
            .values
            .as_ref()
            .map_or(String::new(), |v| format!("\n\nvalues: {}", v.join(", ")));
        let unpublished = field
            .unpublished
            .as_ref()
            .map_or(String::new(), |r| format!("\n\nnot published {data}: {r}"));
        return Some(format!(
            "**field** `{word}` {data}: {}{values}{unpublished}",
            field.description.clone().unwrap_or_default()
        ));
    }
    if let Some(country) = manifest.country(word) {
        return Some(format!("**{word}**: {} ({data})", country.name));
    }
    let fields: Vec<&str> = manifest
        .fields
        .iter()
        .filter(|f| {
            f.values
                .as_ref()
                .is_some_and(|v| v.iter().any(|x| x == word))
        })
        .map(|f| f.name.as_str())
        .collect();
    if !fields.is_empty() {
        return Some(format!(
            "**value** `{word}` of the field `{}` {data}",
            fields.join("`, `")
        ));
    }
    manifest.indicator(word).map(|s| {
        format!(
            "**series** `{word}` {data}: {}",
            s.description.clone().unwrap_or_default()
        )
    })
}

/// "= 3.50% (file:line, source "...")", one line per value.
fn param_values(analysis: &Analysis, name: &str) -> String {
    let (Some(checked), Some(workspace)) = (&analysis.checked, &analysis.workspace) else {
        return String::new();
    };
    let mut out = String::new();
    for program in checked.pledges() {
        let Some(param) = program.params.iter().find(|p| p.name == name) else {
            continue;
        };
        for value in &param.values {
            let years = match (&value.from, &value.until) {
                (Some(_), _) | (_, Some(_)) => {
                    format!(" ({})", workspace.sources.slice(value.span).trim())
                }
                _ => String::new(),
            };
            let source = value
                .source
                .as_ref()
                .map_or(String::new(), |s| format!(", source \"{s}\""));
            let own = analysis.source_name();
            let place = workspace.sources.location(value.span);
            let place = place
                .strip_prefix(&format!("{own}:"))
                .map_or(place.clone(), |line| format!("line {line}"));
            out.push_str(&format!(
                "\n\n= {}{years} ({place}{source})",
                crate::check::describe_value(value.value, param.ty),
            ));
        }
        break;
    }
    out
}

/// Where the name under the cursor is defined; for `extends "x"`, the base.
pub fn definition(analysis: &Analysis, position: Position) -> Option<Location> {
    let offset = text::offset(&analysis.text, position);
    if let Some(location) = extends_target(analysis, offset) {
        return Some(location);
    }
    let (word, _) = text::word_at(&analysis.text, offset)?;
    let workspace = analysis.workspace.as_ref()?;
    let definition = analysis
        .definitions()
        .into_iter()
        .find(|d| d.name == word)?;
    let file_text = workspace.sources.text(definition.span.file);
    Some(Location {
        uri: Url::from_file_path(&definition.path).ok()?,
        range: text::range(file_text, definition.span.range()),
    })
}

fn extends_target(analysis: &Analysis, offset: usize) -> Option<Location> {
    let workspace = analysis.workspace.as_ref()?;
    let root = workspace.root()?;
    let pledge = root.ast.pledges.iter().find_map(|p| {
        let extends = p.extends.as_ref()?;
        extends.span.range().contains(&offset).then_some(extends)
    })?;
    let base = workspace.base_of(root.id, &pledge.value)?;
    Some(Location {
        uri: Url::from_file_path(&base.path).ok()?,
        range: Range::default(),
    })
}

/// Keywords, the file's names, and the dataset's fields, values, tags,
/// series and countries; after `field ==` or `field in [`, that field's
/// values only, after `tag`, the tags only.
pub fn completion(analysis: &Analysis, position: Position) -> Vec<CompletionItem> {
    let offset = text::offset(&analysis.text, position);
    let line = text::line_before(&analysis.text, offset);
    let manifest = analysis.dataset.as_ref().map(|d| &d.manifest);
    if let (Some(manifest), Some(field)) = (manifest, field_before_value(line)) {
        if let Some(values) = manifest.field(&field).and_then(|f| f.values.clone()) {
            return values
                .into_iter()
                .map(|v| {
                    item(
                        v,
                        CompletionItemKind::ENUM_MEMBER,
                        &format!("value of `{field}`"),
                    )
                })
                .collect();
        }
    }
    if let Some(manifest) = manifest {
        let words: Vec<&str> = line.split_whitespace().collect();
        let last_is_tag = words.last() == Some(&"tag")
            || (words.iter().rev().nth(1) == Some(&"tag") && !line.ends_with(' '));
        if last_is_tag {
            return manifest
                .tags
                .iter()
                .map(|t| item(t.clone(), CompletionItemKind::ENUM_MEMBER, "tag"))
                .collect();
        }
    }
    let mut items: Vec<CompletionItem> = KEYWORDS
        .iter()
        .map(|(k, doc)| item(k.to_string(), CompletionItemKind::KEYWORD, doc))
        .collect();
    for function in ["min", "max", "round", "money", "alliance", "count"] {
        items.push(item(
            function.to_string(),
            CompletionItemKind::FUNCTION,
            "function",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for definition in analysis.definitions() {
        if seen.insert(definition.name.clone()) {
            let kind = match definition.kind {
                "category" => CompletionItemKind::CLASS,
                "param" => CompletionItemKind::CONSTANT,
                "group" => CompletionItemKind::MODULE,
                _ => CompletionItemKind::FUNCTION,
            };
            items.push(item(definition.name, kind, definition.kind));
        }
    }
    if let Some(manifest) = manifest {
        for field in &manifest.fields {
            items.push(item(field.name.clone(), CompletionItemKind::FIELD, "field"));
        }
        for series in &manifest.indicator_series {
            items.push(item(
                series.name.clone(),
                CompletionItemKind::VARIABLE,
                "series",
            ));
        }
        for country in &manifest.countries {
            items.push(item(
                country.code.clone(),
                CompletionItemKind::CONSTANT,
                &country.name,
            ));
        }
    }
    items
}

/// `nato_category == eq` or `function in [civil, cy`: the field before the
/// value being typed.
fn field_before_value(line: &str) -> Option<String> {
    let trimmed = line.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let word_before = |text: &str| -> Option<String> {
        let text = text.trim_end();
        let start = text
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        text.get(start..)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
    };
    let t = trimmed.trim_end();
    if let Some(rest) = t.strip_suffix("==").or_else(|| t.strip_suffix("!=")) {
        return word_before(rest);
    }
    let open = t.rfind('[')?;
    if t.get(open..)?.contains(']') {
        return None;
    }
    let before = t.get(..open)?.trim_end();
    let before = before.strip_suffix("in")?;
    let before = before.trim_end();
    let before = before.strip_suffix("not").map_or(before, str::trim_end);
    word_before(before)
}

fn item(label: String, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

/// `pledge fmt` as one edit over the whole file; nothing while the file
/// does not parse.
pub fn formatting(analysis: &Analysis) -> Option<Vec<TextEdit>> {
    let mut sources = crate::source::Sources::new();
    let id = sources.add(analysis.source_name(), analysis.text.clone());
    let parsed = crate::parse::parse(&analysis.text, id).ok()?;
    let formatted = crate::print::format(&parsed, &analysis.text);
    if formatted == analysis.text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit {
        range: text::range(&analysis.text, 0..analysis.text.len()),
        new_text: formatted,
    }])
}

/// One quick fix per diagnostic whose help says "did you mean `x`".
pub fn code_actions(uri: &Url, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let suggestion = suggestion(&diagnostic.message)?;
            let edit = TextEdit {
                range: diagnostic.range,
                new_text: suggestion.clone(),
            };
            let changes = std::collections::HashMap::from([(uri.clone(), vec![edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Change to `{suggestion}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

fn suggestion(message: &str) -> Option<String> {
    let start = message.find("did you mean `")? + "did you mean `".len();
    let rest = message.get(start..)?;
    let end = rest.find('`')?;
    rest.get(..end).map(str::to_string)
}

/// The keywords with one line each, for completion and hover.
const KEYWORDS: &[(&str, &str)] = &[
    ("pledge", "a pledge: `pledge \"Name\" { ... }`"),
    (
        "extends",
        "build on another draft: `pledge \"B\" extends \"a.pledge\" { ... }`",
    ),
    ("source", "where the text or a value comes from"),
    ("status", "the draft's status: agreed, proposal, ..."),
    (
        "meta",
        "further metadata, such as `meta dataset = \"nato\"`",
    ),
    ("param", "a named value: `param core_floor = 3.5%`"),
    (
        "group",
        "a named list of countries: `group eastern_flank = [EST, LVA, LTU]`",
    ),
    (
        "category",
        "which spending counts: `category core { include ... }`",
    ),
    (
        "within",
        "a category that is part of another: `category x within core { ... }`",
    ),
    (
        "include",
        "count the items that match: `include nato_category == equipment`",
    ),
    ("exclude", "never count the items that match"),
    (
        "counted",
        "`exclude counted in core`: leave out what another category counts",
    ),
    ("cap", "an upper limit on a category: `cap 1.5% of gdp`"),
    (
        "require",
        "a requirement: `require core_floor: core >= 3.5% of gdp from 2035`",
    ),
    (
        "from",
        "the first year a rule or value applies (`from 2035`), or a path's base year",
    ),
    ("until", "the last year a rule or value applies"),
    (
        "on",
        "`on path to`: a straight line from a base year to a target",
    ),
    ("path", "`x on path to 3.5% of gdp by 2035 from 2025`"),
    ("to", "`on path to`"),
    (
        "by",
        "the target year of a path: `by 2035` (a deadline of a comparison is `from`)",
    ),
    ("for", "rules for some countries only: `for ESP { ... }`"),
    (
        "amend",
        "add clauses to a category of the base: `amend category related { ... }`",
    ),
    ("replace", "replace a category or requirement of the base"),
    (
        "example",
        "an inline test: `example \"name\" { country X year Y ... expect ... }`",
    ),
    (
        "expect",
        "what an example must give: `expect core_floor met`",
    ),
    (
        "item",
        "a line item of an example: `item 100 nato_category equipment`",
    ),
    (
        "indicator",
        "an indicator of an example: `indicator gdp = 1000`",
    ),
    ("country", "the country of an example"),
    ("year", "the year of an example, or `at year - 1`"),
    ("tag", "a tag test: `include tag dual_use`"),
    ("and", "both conditions"),
    ("or", "either condition"),
    ("not", "the opposite condition"),
    ("in", "one of a list: `field in [a, b]`"),
    ("of", "`x% of y`: a share of an amount"),
    ("at", "the value of another year: `core at year - 1`"),
];

fn keyword_doc(word: &str) -> Option<&'static str> {
    KEYWORDS.iter().find(|(k, _)| *k == word).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_before_a_value() {
        assert_eq!(
            field_before_value("include nato_category == eq"),
            Some("nato_category".into())
        );
        assert_eq!(
            field_before_value("  include function in [civil, cy"),
            Some("function".into())
        );
        assert_eq!(
            field_before_value("include kind not in ["),
            Some("kind".into())
        );
        assert_eq!(field_before_value("include function in [a] and x"), None);
        assert_eq!(field_before_value("require x: core >= 3"), None);
    }

    #[test]
    fn reads_the_suggestion_of_a_did_you_mean() {
        assert_eq!(
            suggestion("unknown category `cor`\nhelp: did you mean `core`? ..."),
            Some("core".into())
        );
        assert_eq!(suggestion("no suggestion"), None);
    }
}
