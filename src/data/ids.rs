//! Ids given twice in an items file: a key per item (32 bits of the id's
//! hash above the item's index), sorted, and equal hashes confirmed by
//! comparing the ids.

use super::dataset::Dataset;
use super::errors::*;
use super::load::MAX_PROBLEMS;
use crate::fast_hash::hash_bytes;

/// The key by which ids are sorted to find those that occur twice: 32 bits
/// of the id's hash above the item's index.
pub(crate) fn id_key(id: &[u8], item: u32) -> u64 {
    (hash_bytes(id) >> 32 << 32) | u64::from(item)
}

/// Reports ids that occur twice. Sorting hashes keeps memory small for
/// large files; equal hashes are confirmed by comparing the ids. Runs only
/// when no row was dropped, so item `i` is record `i + 1` of the file.
pub(crate) fn duplicate_ids(
    dataset: &Dataset,
    mut keys: Vec<u64>,
    id_column: usize,
    pending: &mut Vec<Pending>,
) {
    keys.sort_unstable();
    // (second item, first item with the same id)
    let mut twice: Vec<(usize, usize)> = Vec::new();
    for run in keys.chunk_by(|a, b| a >> 32 == b >> 32) {
        if run.len() > 1 {
            same_ids(dataset, run, &mut twice);
        }
    }
    twice.sort_unstable();
    for (second, first) in twice.into_iter().take(MAX_PROBLEMS + 1) {
        let id = dataset.id(second);
        let first_line = dataset.line.get(first).unwrap_or(0);
        let place = Place {
            line: u64::from(dataset.line.get(second).unwrap_or(0)),
            record: second as u64 + 1,
        };
        let what = format!("the id `{id}`");
        let help = format!("ids must be unique; the first is on line {first_line}");
        pending.push(Pending::new(place, Some(id_column), move |span| {
            DataError::DuplicateKey { what, help, span }
        }));
    }
}

/// Among items whose ids hash alike, each item whose id an earlier item
/// has, with the first such item. The items are sorted by id, so a file
/// made to collide costs a sort, not a comparison of every pair.
fn same_ids(dataset: &Dataset, run: &[u64], twice: &mut Vec<(usize, usize)>) {
    let mut items: Vec<usize> = run.iter().map(|&k| (k & 0xFFFF_FFFF) as usize).collect();
    items.sort_by(|&a, &b| dataset.id(a).cmp(dataset.id(b)).then(a.cmp(&b)));
    for group in items.chunk_by(|&a, &b| dataset.id(a) == dataset.id(b)) {
        if let Some((&first, later)) = group.split_first() {
            twice.extend(later.iter().map(|&second| (second, first)));
        }
    }
}
