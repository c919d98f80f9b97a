//! The datasets bundled into the binary, so that `pledge eval FILE` works with
//! no `--data`. The files are the ones under `data/` in the repository.

use super::load::DataSource;

/// The default dataset: NATO's published defence expenditure.
pub const DEFAULT: &str = "nato";

/// The names of the bundled datasets.
pub const NAMES: [&str; 5] = ["nato", "sample", "cofog", "nato-2025", "nato-cofog"];

/// A bundled dataset by name.
pub fn source(name: &str) -> Option<DataSource> {
    match name {
        "nato" => Some(DataSource::Embedded {
            dir: "data/nato",
            manifest: include_str!("../../data/nato/dataset.json"),
            items: include_str!("../../data/nato/line_items.csv"),
            indicators: include_str!("../../data/nato/indicators.csv"),
        }),
        "sample" => Some(DataSource::Embedded {
            dir: "data/sample",
            manifest: include_str!("../../data/sample/dataset.json"),
            items: include_str!("../../data/sample/line_items.csv"),
            indicators: include_str!("../../data/sample/indicators.csv"),
        }),
        "cofog" => Some(DataSource::Embedded {
            dir: "data/cofog",
            manifest: include_str!("../../data/cofog/dataset.json"),
            items: include_str!("../../data/cofog/line_items.csv"),
            indicators: include_str!("../../data/cofog/indicators.csv"),
        }),
        "nato-2025" => Some(DataSource::Embedded {
            dir: "data/nato-2025",
            manifest: include_str!("../../data/nato-2025/dataset.json"),
            items: include_str!("../../data/nato-2025/line_items.csv"),
            indicators: include_str!("../../data/nato-2025/indicators.csv"),
        }),
        "nato-cofog" => Some(DataSource::Embedded {
            dir: "data/nato-cofog",
            manifest: include_str!("../../data/nato-cofog/dataset.json"),
            items: include_str!("../../data/nato-cofog/line_items.csv"),
            indicators: include_str!("../../data/nato-cofog/indicators.csv"),
        }),
        _ => None,
    }
}
