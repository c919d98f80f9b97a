//! Outcome snapshots for `pledge test`: the lines two snapshots are compared
//! on, and the line-by-line difference between them (`similar`).

/// The first word of the line that states the stamp in a snapshot; the
/// comparison ignores that line.
pub(crate) const STAMP_PREFIX: &str = "stamp: ";

/// The lines of a snapshot that the comparison looks at (all but the stamp).
pub(crate) fn compared_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with(STAMP_PREFIX))
        .collect()
}

/// One line that moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change<'a> {
    /// A line of the snapshot and the line that replaces it (same
    /// requirement, ally and year).
    Paired(&'a str, &'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The lines that differ between `before` and `now`, in order, with each
/// removed line paired with the added line about the same requirement, ally
/// and year.
pub(crate) fn diff<'a>(before: &[&'a str], now: &[&'a str]) -> Vec<Change<'a>> {
    // Edits in order: (removed, added) runs separated by common lines.
    let mut runs: Vec<(Vec<&'a str>, Vec<&'a str>)> = Vec::new();
    let mut current: (Vec<&'a str>, Vec<&'a str>) = (Vec::new(), Vec::new());
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, before, now) {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            if !current.0.is_empty() || !current.1.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.0.extend(before.get(old).unwrap_or_default());
        current.1.extend(now.get(new).unwrap_or_default());
    }
    if !current.0.is_empty() || !current.1.is_empty() {
        runs.push(current);
    }

    let mut changes = Vec::new();
    for (removed, added) in runs {
        let mut used = vec![false; added.len()];
        for old in removed {
            let partner = added.iter().enumerate().position(|(k, new)| {
                !used.get(k).copied().unwrap_or(true) && line_key(new) == line_key(old)
            });
            match partner {
                Some(k) => {
                    if let Some(flag) = used.get_mut(k) {
                        *flag = true;
                    }
                    changes.push(Change::Paired(old, added.get(k).copied().unwrap_or("")));
                }
                None => changes.push(Change::Removed(old)),
            }
        }
        for (k, new) in added.iter().enumerate() {
            if !used.get(k).copied().unwrap_or(false) {
                changes.push(Change::Added(new));
            }
        }
    }
    changes
}

/// What a snapshot line is about: requirement, ally and year for an outcome
/// line; year and requirement for a summary line; the label of a header line.
pub(crate) fn line_key(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = *words.first()?;
    if let Some(year) = first.strip_suffix(':') {
        if year.chars().all(|c| c.is_ascii_digit()) {
            let requirement = words
                .iter()
                .position(|w| *w == "meet" || *w == "meets")
                .and_then(|p| words.get(p + 1))?;
            return Some(format!("{year} {requirement}"));
        }
        return Some(first.to_string());
    }
    if let Some((label, _)) = line.split_once(": ") {
        if !label.contains("  ") {
            return Some(label.to_string());
        }
    }
    let key: Vec<&str> = words.iter().take(3).copied().collect();
    (key.len() == 3).then(|| key.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_pairs_lines_about_the_same_outcome() {
        let before = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  met      value 2",
            "2035: 2 of 2 allies meet core",
        ];
        let now = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  not_met  value 0",
            "2035: 1 of 2 allies meet core (1 not met)",
        ];
        let changes = diff(&before, &now);
        assert_eq!(
            changes,
            vec![
                Change::Paired(
                    "core  ESP  2035  met      value 2",
                    "core  ESP  2035  not_met  value 0"
                ),
                Change::Paired(
                    "2035: 2 of 2 allies meet core",
                    "2035: 1 of 2 allies meet core (1 not met)"
                ),
            ]
        );
        let added = diff(before.get(..2).unwrap_or_default(), &before);
        assert_eq!(
            added,
            vec![
                Change::Added("core  ESP  2035  met      value 2"),
                Change::Added("2035: 2 of 2 allies meet core"),
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn a_stamp_change_alone_is_not_a_change() {
        let old = "rule file: a\nstamp: pledge 0.1.0 · rules 1 · data 2\nx\n";
        let new = "rule file: a\nstamp: pledge 0.1.0 · rules 3 · data 2\nx\n";
        assert_eq!(compared_lines(old), compared_lines(new));
    }
}
