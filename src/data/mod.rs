//! Datasets: the manifest (`schema`), the loaders for CSV and JSON, and the
//! datasets bundled into the binary.

pub mod bundled;
pub mod dataset;
pub mod load;
pub mod schema;
// Datasets in Excel workbooks.
pub mod xlsx;

pub use dataset::Dataset;
pub use load::{load, DataError, DataSource};
