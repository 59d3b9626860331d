//! fanlight: a staged, instrumented batch photo pipeline.
//!
//! Folders of photos go through `discover → load → resize → filter → watermark → write`, each
//! stage a thread or a pool of threads joined by bounded channels. [`run`] takes a [`Config`] and
//! returns a [`Report`] with every photo's outcome and where the time went.
//!
//! ```no_run
//! use fanlight::{Config, ResizeSpec};
//!
//! let mut config = Config::new(vec!["photos".into()], "out");
//! config.resize = Some("1920x1920".parse::<ResizeSpec>().unwrap());
//! config.filters.push("unsharp:sigma=1.0,amount=1.0".parse().unwrap());
//! let report = fanlight::run(&config)?;
//! println!("{} written, {} failed", report.ok, report.failed);
//! # Ok::<(), fanlight::Error>(())
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod error;
pub mod golden;
pub mod html;
pub mod metrics;
pub mod ops;
pub mod pipeline;
pub mod stages;

pub use config::{
    Config, FilterSpec, Format, Gravity, OutputSpec, ResizeSpec, WatermarkSpec, Workers,
};
pub use error::{Error, ItemError};
pub use metrics::Report;
pub use pipeline::{CancelReason, CancelToken, Failure, Observer, Progress, StageName, Warning};

/// DejaVu Sans, the default watermark font (licence in `assets/fonts/LICENSE-DejaVu.txt`).
pub const BUNDLED_FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// Runs the whole pipeline over `config` and reports what happened.
pub fn run(config: &Config) -> Result<Report, Error> {
    pipeline::run_with(config, &mut ())
}
