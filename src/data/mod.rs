//! Datasets: the manifest (`schema`), the loaders for CSV and JSON, and the
//! datasets bundled into the binary.

pub mod bundled;
mod countries;
mod csv_rows;
mod csv_split;
pub mod dataset;
pub mod errors;
mod ids;
mod indicators;
mod items;
mod json;
pub mod load;
mod manifest;
mod numbers;
pub mod packed;
pub mod schema;
// Datasets in Excel workbooks.
pub mod xlsx;

pub use dataset::Dataset;
pub use errors::{into_problems, DataError, DataProblem};
pub use load::{load, DataSource};
