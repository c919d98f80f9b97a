//! Conditions compiled against the dataset's columns and symbols, and matching items.

use rust_decimal::Decimal;

use crate::ast::CompareOp;
use crate::data::dataset::{Column, ANY, NONE};
use crate::program::*;

use super::engine::*;
use super::expr::*;

/// A condition compiled against the dataset's columns and symbols.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    And(Box<Compiled>, Box<Compiled>),
    Or(Box<Compiled>, Box<Compiled>),
    Not(Box<Compiled>),
    /// The item has this tag bit (0: a tag the dataset does not have).
    Tag(u64),
    Text {
        column: usize,
        op: CompareOp,
        symbol: u32,
    },
    TextIn {
        column: usize,
        symbols: SymbolSet,
        negated: bool,
    },
    Number {
        column: Option<usize>,
        op: CompareOp,
        value: Decimal,
    },
    NumberIn {
        column: Option<usize>,
        values: Vec<Decimal>,
        negated: bool,
    },
    Bool {
        column: usize,
        op: CompareOp,
        value: bool,
    },
    /// A field the dataset does not have: every item lacks it.
    Absent {
        true_when_absent: bool,
    },
}

impl<'a> Engine<'a> {
    pub(crate) fn compile(&self, condition: &Condition) -> Compiled {
        match condition {
            Condition::And(a, b) => {
                Compiled::And(Box::new(self.compile(a)), Box::new(self.compile(b)))
            }
            Condition::Or(a, b) => {
                Compiled::Or(Box::new(self.compile(a)), Box::new(self.compile(b)))
            }
            Condition::Not(inner) => Compiled::Not(Box::new(self.compile(inner))),
            Condition::Tag(tag) => Compiled::Tag(self.data.tag_bit(tag).unwrap_or(0)),
            Condition::Compare { field, op, value } => self.compile_compare(field, *op, value),
            Condition::In {
                field,
                negated,
                values,
            } => {
                if field == "amount" {
                    return Compiled::NumberIn {
                        column: None,
                        values: values.iter().filter_map(number_literal).collect(),
                        negated: *negated,
                    };
                }
                match self
                    .data
                    .field_index(field)
                    .and_then(|i| Some((i, self.data.columns.get(i)?)))
                {
                    Some((column, Column::Text(_))) => Compiled::TextIn {
                        column,
                        symbols: SymbolSet::new(
                            values.iter().map(|v| self.data.symbol(&v.to_string())),
                        ),
                        negated: *negated,
                    },
                    Some((column, Column::Number(_))) => Compiled::NumberIn {
                        column: Some(column),
                        values: values.iter().filter_map(number_literal).collect(),
                        negated: *negated,
                    },
                    Some((column, Column::Bool(_))) => {
                        let wanted: Vec<bool> = values
                            .iter()
                            .filter_map(|v| match v {
                                Literal::Bool(b) => Some(*b),
                                _ => None,
                            })
                            .collect();
                        let mut condition = Compiled::Absent {
                            true_when_absent: false,
                        };
                        for value in wanted {
                            condition = Compiled::Or(
                                Box::new(condition),
                                Box::new(Compiled::Bool {
                                    column,
                                    op: CompareOp::Eq,
                                    value,
                                }),
                            );
                        }
                        if *negated {
                            Compiled::Not(Box::new(condition))
                        } else {
                            condition
                        }
                    }
                    None => Compiled::Absent {
                        true_when_absent: *negated,
                    },
                }
            }
        }
    }

    pub(crate) fn compile_compare(&self, field: &str, op: CompareOp, value: &Literal) -> Compiled {
        if field == "amount" {
            return match number_literal(value) {
                Some(v) => Compiled::Number {
                    column: None,
                    op,
                    value: v,
                },
                None => Compiled::Absent {
                    true_when_absent: false,
                },
            };
        }
        let absent = Compiled::Absent {
            true_when_absent: op == CompareOp::Ne,
        };
        let Some(column) = self.data.field_index(field) else {
            return absent;
        };
        match (self.data.columns.get(column), value) {
            (Some(Column::Text(_)), Literal::Text(text)) => Compiled::Text {
                column,
                op,
                symbol: self.data.symbol(text),
            },
            (Some(Column::Number(_)), Literal::Number(n)) => Compiled::Number {
                column: Some(column),
                op,
                value: *n,
            },
            (Some(Column::Bool(_)), Literal::Bool(b)) => Compiled::Bool {
                column,
                op,
                value: *b,
            },
            _ => absent,
        }
    }

    pub(crate) fn matches(&self, condition: &Compiled, item: usize) -> bool {
        match condition {
            Compiled::And(a, b) => self.matches(a, item) && self.matches(b, item),
            Compiled::Or(a, b) => self.matches(a, item) || self.matches(b, item),
            Compiled::Not(inner) => !self.matches(inner, item),
            Compiled::Tag(bit) => self.data.tags.get(item) & bit != 0,
            Compiled::Text { column, op, symbol } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Text(values)) => values.get(item).unwrap_or(NONE),
                    _ => NONE,
                };
                match op {
                    CompareOp::Eq => actual != NONE && actual == *symbol,
                    CompareOp::Ne => actual == NONE || actual != *symbol,
                    _ => false,
                }
            }
            Compiled::TextIn {
                column,
                symbols,
                negated,
            } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Text(values)) => values.get(item).unwrap_or(NONE),
                    _ => NONE,
                };
                let found = actual != NONE && symbols.contains(actual);
                found != *negated
            }
            Compiled::Number { column, op, value } => match self.number(*column, item) {
                Some(actual) => compare(actual, *op, *value),
                None => *op == CompareOp::Ne,
            },
            Compiled::NumberIn {
                column,
                values,
                negated,
            } => {
                let found = self
                    .number(*column, item)
                    .is_some_and(|a| values.contains(&a));
                found != *negated
            }
            Compiled::Bool { column, op, value } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Bool(values)) => values.get(item).copied().flatten(),
                    _ => None,
                };
                match (actual, op) {
                    (Some(a), CompareOp::Eq) => a == *value,
                    (Some(a), CompareOp::Ne) => a != *value,
                    (None, CompareOp::Ne) => true,
                    _ => false,
                }
            }
            Compiled::Absent { true_when_absent } => *true_when_absent,
        }
    }

    /// `matches` where an item may cover every value of a field (`*`):
    /// `Err(column)` when the answer depends on a split that is not
    /// published.
    pub(crate) fn matches3(&self, condition: &Compiled, item: usize) -> Result<bool, usize> {
        match condition {
            Compiled::And(a, b) => match (self.matches3(a, item), self.matches3(b, item)) {
                (Ok(false), _) | (_, Ok(false)) => Ok(false),
                (Err(c), _) | (_, Err(c)) => Err(c),
                _ => Ok(true),
            },
            Compiled::Or(a, b) => match (self.matches3(a, item), self.matches3(b, item)) {
                (Ok(true), _) | (_, Ok(true)) => Ok(true),
                (Err(c), _) | (_, Err(c)) => Err(c),
                _ => Ok(false),
            },
            Compiled::Not(inner) => self.matches3(inner, item).map(|m| !m),
            Compiled::Text { column, op, symbol } if self.text_at(*column, item) == ANY => {
                let all = self.declared_symbols(*column);
                let only = all.len() == 1 && all.contains(symbol);
                let none = !all.is_empty() && !all.contains(symbol);
                match (op, only, none) {
                    (CompareOp::Eq, true, _) | (CompareOp::Ne, _, true) => Ok(true),
                    (CompareOp::Eq, _, true) | (CompareOp::Ne, true, _) => Ok(false),
                    _ => Err(*column),
                }
            }
            Compiled::TextIn {
                column,
                symbols,
                negated,
            } if self.text_at(*column, item) == ANY => {
                let all = self.declared_symbols(*column);
                if !all.is_empty() && all.iter().all(|&s| symbols.contains(s)) {
                    Ok(!*negated)
                } else if !all.is_empty() && !all.iter().any(|&s| symbols.contains(s)) {
                    Ok(*negated)
                } else {
                    Err(*column)
                }
            }
            other => Ok(self.matches(other, item)),
        }
    }

    pub(crate) fn text_at(&self, column: usize, item: usize) -> u32 {
        match self.data.columns.get(column) {
            Some(Column::Text(values)) => values.get(item).unwrap_or(NONE),
            _ => NONE,
        }
    }

    /// The symbols of a text field's declared values (empty: any text).
    pub(crate) fn declared_symbols(&self, column: usize) -> Vec<u32> {
        self.data
            .manifest
            .fields
            .get(column)
            .and_then(|f| f.values.as_ref())
            .map(|values| values.iter().map(|v| self.data.symbol(v)).collect())
            .unwrap_or_default()
    }

    pub(crate) fn number(&self, column: Option<usize>, item: usize) -> Option<Decimal> {
        match column {
            None => self.data.amount.get(item),
            Some(c) => match self.data.columns.get(c) {
                Some(Column::Number(values)) => values.get(item).copied().flatten(),
                _ => None,
            },
        }
    }
}

/// The symbols of an `in [...]` list: a bit per symbol when the symbols are
/// few (one test per item), else a sorted list searched by halves.
#[derive(Debug, Clone)]
pub(crate) struct SymbolSet {
    sorted: Vec<u32>,
    bits: Vec<u64>,
    /// Whether the list has a value no item has (`NONE`): what `*` cells
    /// are compared with the field's declared values by.
    none: bool,
}

/// Symbols below this are kept as bits (8 KiB at most per list).
const SYMBOL_BITS: u32 = 1 << 16;

impl SymbolSet {
    fn new(symbols: impl Iterator<Item = u32>) -> SymbolSet {
        let mut sorted: Vec<u32> = symbols.collect();
        sorted.sort_unstable();
        sorted.dedup();
        let none = sorted.last() == Some(&NONE);
        if none {
            sorted.pop();
        }
        let bits = match sorted.last() {
            Some(&last) if last < SYMBOL_BITS => {
                let mut bits = vec![0u64; last as usize / 64 + 1];
                for &s in &sorted {
                    if let Some(word) = bits.get_mut(s as usize / 64) {
                        *word |= 1 << (s % 64);
                    }
                }
                bits
            }
            _ => Vec::new(),
        };
        SymbolSet { sorted, bits, none }
    }

    pub(crate) fn contains(&self, symbol: u32) -> bool {
        if symbol == NONE {
            return self.none;
        }
        if self.bits.is_empty() {
            return self.sorted.binary_search(&symbol).is_ok();
        }
        self.bits
            .get(symbol as usize / 64)
            .is_some_and(|word| word & (1 << (symbol % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::{SymbolSet, NONE, SYMBOL_BITS};

    #[test]
    fn a_symbol_set_finds_what_a_list_would() {
        let lists: [Vec<u32>; 5] = [
            vec![],
            vec![3, 1, 3, 64, 0],
            vec![7, NONE],
            vec![SYMBOL_BITS + 5, 2, 9],
            vec![NONE],
        ];
        let probes = [
            0,
            1,
            2,
            3,
            5,
            9,
            63,
            64,
            65,
            SYMBOL_BITS + 5,
            NONE - 1,
            NONE,
        ];
        for list in &lists {
            let set = SymbolSet::new(list.iter().copied());
            for probe in probes {
                assert_eq!(
                    set.contains(probe),
                    list.contains(&probe),
                    "{probe} in {list:?}"
                );
            }
        }
        // Few symbols are kept as bits, a large one as a sorted list.
        assert!(!SymbolSet::new([1, 64].into_iter()).bits.is_empty());
        assert!(SymbolSet::new([SYMBOL_BITS].into_iter()).bits.is_empty());
    }
}
