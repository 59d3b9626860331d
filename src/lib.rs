//! fanlight: a staged, instrumented batch photo pipeline.
//!
//! Folders of photos go through `discover → load → resize → filter → watermark → write`, each
//! stage a thread or a pool of threads joined by bounded channels. [`run`] takes a [`Config`] and
//! returns a [`Report`] with every photo's outcome and where the time went; [`run_with`] adds a
//! [`RunContext`] (a cancel token, test seams) and an [`Observer`] that sees progress live.
//!
//! ```
//! use fanlight::{Config, Format, ResizeSpec, Variant};
//!
//! # let out = std::env::temp_dir().join(format!("fanlight-doc-{}", std::process::id()));
//! # let photos = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/photos");
//! // Every photo of a folder fit inside 1920×1920 and sharpened, the tree mirrored below `out`.
//! let mut config = Config::new(vec![photos.clone()], &out);
//! config.resize = Some("1920x1920".parse::<ResizeSpec>().unwrap());
//! config.filters.push("unsharp:sigma=1.0,amount=1.0".parse().unwrap());
//! let report = fanlight::run(&config)?;
//! println!("{} written, {} failed", report.ok, report.failed);
//! assert_eq!(report.failed, 0);
//! for file in &report.outputs {
//!     println!("{}: {}x{}", file.path.display(), file.written.width, file.written.height);
//! }
//!
//! // Several outputs of each photo from one decode: 640 and 320 px wide, as WebP and JPEG.
//! let mut set = Config::new(vec![photos], out.join("set"));
//! set.variants = [640, 320]
//!     .into_iter()
//!     .flat_map(|w| [Format::Webp, Format::Jpeg].map(|f| Variant::width(&set, w, f)))
//!     .collect();
//! let report = fanlight::run(&set)?;
//! // Each photo is wider than 320 px: two sizes (640, or its own width if smaller, and 320).
//! assert_eq!(report.outputs.len(), 4 * report.ok);
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok::<(), fanlight::Error>(())
//! ```
//!
//! The modules form layers, each using only those below it: the leaf vocabulary (`error`,
//! `cancel`, `stage_name`); `ops`, pure image operations owning their parameter types; `config`,
//! the user's options; the pipeline framework beside `metrics`; `stages`; `report` and `run`,
//! the wiring; `golden` beside them. The command line (`src/cli/`) sits on top, outside the
//! library.
#![deny(missing_docs)]

mod atomic;
mod cancel;
mod config;
mod error;
pub mod golden;
mod html;
mod metrics;
pub mod names;
mod ops;
mod pipeline;
pub mod report;
mod run;
mod spool;
mod stage_name;
mod stages;

pub use cancel::{CancelReason, CancelToken};
pub use config::{
    cores, parse_count, parse_duration, parse_font_size, parse_name_template, parse_opacity,
    parse_pixels, parse_png_level, parse_quality, parse_scale, parse_size, parse_widths,
    Background, Chroma, Config, FilterSpec, Fit, FontSize, Format, Gravity, MetadataMode, OnExists,
    OutputSpec, ParseError, PoolSize, ResizeSpec, Rgb, Selection, Shard, Suffix, Variant,
    VariantSpec, WatermarkSpec, Workers, AVIF_BUILT, FILTER_NAMES, VARIANT_KEYS,
};
pub use error::{name_options_as_flags, Error, ItemError};
pub use metrics::live::{LiveStage, Snapshot};
pub use ops::text::BUNDLED_FONT;
pub use pipeline::{Failure, Injector, Job, Output, Warning, Written};
pub use report::{OutputFile, Report, StageReport};
pub use run::{run, run_with, Observer, Progress, RunContext, SAMPLE_INTERVAL};
pub use stage_name::StageName;
pub use stages::discover::Plan;
pub use stages::write::WriteFault;

/// What a run would do, decided before any worker starts (`--dry-run`): every photo with its
/// output path, and those skipped because their output exists. Nothing is written.
pub fn plan(config: &Config) -> Result<Plan, Error> {
    stages::discover::plan(config)
}

/// Building blocks for fanlight's own benchmarks, fuzz targets and examples: the pure image
/// operations and a few stage helpers. Not a stable API.
#[doc(hidden)]
pub mod internals {
    pub use crate::metrics::clock::thread_cpu_time;
    /// fanlight's own scaled JPEG decodes against libjpeg-turbo-rs, for the fuzz target.
    #[cfg(fuzzing)]
    pub use crate::ops::jpeg_half::agrees_with_reference as scaled_agrees;
    pub use crate::ops::{
        blend, blur, buffers, colour, decode, encode, filters, geometry, huffman, meta, orient,
        raster, resize, text,
    };
    pub use crate::stages::discover::output_path;
    pub use crate::stages::watermark::prepare as prepare_watermark;
}
