//! Text that fits the terminal: wide grids split into blocks of columns and
//! long lines wrapped at spaces. The command line sets the width once
//! (`set_width`); without it (the library's default, and `--wide`) nothing
//! is split or wrapped.

use std::cell::Cell;

/// The width when the output is not a terminal, so that piped output and
/// tests do not depend on the window they ran in.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest width honoured: below it, text is laid out as for this.
const MIN_WIDTH: usize = 40;

thread_local! {
    static WIDTH: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Sets the width text is laid out for; `None` lays out everything on one line.
pub fn set_width(width: Option<usize>) {
    WIDTH.with(|w| w.set(width.map(|w| w.max(MIN_WIDTH))));
}

/// The width text is laid out for, if any.
pub fn width() -> Option<usize> {
    WIDTH.with(Cell::get)
}

/// The blocks of columns a grid with these column widths is split into:
/// the first column repeats in every block, the others are shared out
/// evenly, in order, so that each block fits `width`.
pub(crate) fn column_blocks(widths: &[usize], width: Option<usize>) -> Vec<Vec<usize>> {
    let others: Vec<usize> = (1..widths.len()).collect();
    let Some(width) = width else {
        return vec![others];
    };
    let first = widths.first().copied().unwrap_or(0);
    let total: usize = first + widths.iter().skip(1).map(|w| w + 2).sum::<usize>();
    if total <= width || others.len() <= 1 {
        return vec![others];
    }
    let widest = widths.iter().skip(1).copied().max().unwrap_or(1) + 2;
    let per_block = (width.saturating_sub(first) / widest).max(1);
    let blocks = others.len().div_ceil(per_block);
    let size = others.len().div_ceil(blocks);
    others.chunks(size).map(<[usize]>::to_vec).collect()
}

/// Wraps every line longer than `width` at spaces. A continuation line is
/// indented as its line's structure asks: under the branch of a tree
/// (`├─ `), or two spaces further than the line. A long list whose items
/// are separated by ` · ` (the legend) gets one line per item.
pub fn wrap_text(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.chars().count() <= width || body.contains('\x1b') {
            out.push_str(line);
            continue;
        }
        // A list of items separated by ` · ` (the legend) gets one line each.
        let (first, items) = match body.split_once(": ") {
            Some((label, rest)) if body.contains(" · ") && !label.contains(' ') => {
                (format!("{label}:"), rest.split(" · ").collect::<Vec<_>>())
            }
            _ => (String::new(), Vec::new()),
        };
        if items.is_empty() {
            out.push_str(&wrap_line(body, width));
        } else {
            out.push_str(&first);
            for item in items {
                out.push('\n');
                out.push_str(&wrap_line(&format!("  {item}"), width));
            }
        }
        out.push_str(end);
    }
    out
}

/// The indentation of the continuation lines of `line`.
fn continuation(line: &str) -> String {
    let tree: String = line
        .chars()
        .take_while(|c| matches!(c, '│' | '├' | '└' | '─' | ' '))
        .collect();
    if tree.contains('─') {
        let under = tree.replace("├─", "│ ").replace("└─", "  ");
        return format!("{under}  ");
    }
    // A short label padded into a column (`ok   check ...`): under the text.
    if let Some(word) = line.split(' ').next().filter(|w| !w.is_empty()) {
        let rest = line.get(word.len()..).unwrap_or("");
        let pad = rest.len() - rest.trim_start_matches(' ').len();
        if pad >= 2 && word.len() + pad <= 8 {
            return " ".repeat(word.chars().count() + pad);
        }
    }
    let lead = tree.chars().count();
    format!("{}  ", " ".repeat(lead))
}

fn wrap_line(line: &str, width: usize) -> String {
    let indent = continuation(line);
    let lead: String = line
        .chars()
        .take_while(|c| matches!(c, '│' | '├' | '└' | '─' | ' '))
        .collect();
    let rest = line.get(lead.len()..).unwrap_or("");
    let mut out = String::new();
    let mut current = lead;
    let mut current_width = current.chars().count();
    let mut empty = true;
    for word in rest.split(' ') {
        let word_width = word.chars().count();
        if !empty && current_width + 1 + word_width > width {
            out.push_str(current.trim_end());
            out.push('\n');
            current.clone_from(&indent);
            current_width = indent.chars().count();
            empty = true;
        }
        if !empty {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(word);
        current_width += word_width;
        empty = false;
    }
    out.push_str(current.trim_end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_under_their_label_or_branch() {
        let text = "Legend: one two three four five six seven eight nine ten eleven twelve\n";
        let wrapped = wrap_text(text, Some(40));
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 40),
            "{wrapped}"
        );
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("  ")));
        let tree = "│  ├─ alpha beta gamma delta epsilon zeta eta theta iota kappa lambda\n";
        let wrapped = wrap_text(tree, Some(40));
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("│  │    ")),
            "{wrapped}"
        );
        assert_eq!(wrap_text(text, None), text);
        let report = "ok   example \"a long name of an example\" (rules/alternatives/a-long-file-name.pledge)\n";
        let wrapped = wrap_text(report, Some(50));
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("     (")),
            "{wrapped}"
        );
    }

    #[test]
    fn wide_grids_split_into_even_blocks() {
        let widths = [5, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11];
        let blocks = column_blocks(&widths, Some(100));
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks.first().map(Vec::len), Some(6));
        assert_eq!(column_blocks(&widths, None).len(), 1);
    }
}
