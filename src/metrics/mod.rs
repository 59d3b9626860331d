//! Stage clocks, the run report and its human-readable table.

pub mod clock;
pub mod json;
pub mod live;
pub mod merge;
pub mod progress;
pub mod report;
pub mod table;

pub use report::{Report, StageReport};
