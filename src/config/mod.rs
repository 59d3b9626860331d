//! The plain configuration of a run: what to read, what to do to each photo and where to write it.
//!
//! Every option the command line offers lands in [`Config`]; the library never sees clap. Option
//! values that arrive as text (`--resize 1920x1080`, `--filter unsharp:sigma=1`) parse here through
//! `FromStr`, so the library and the command line accept exactly the same spellings.

use std::path::PathBuf;
use std::time::Duration;

mod colour;
mod filters;
mod fit;
mod output;
mod parse;
mod resize;
mod select;
mod template;
mod variant;
mod watermark;
mod workers;

pub use filters::{FilterSpec, FILTER_NAMES};
pub use fit::{check as check_fit, Background, Fit, Geometry};
pub use output::{Chroma, Format, MetadataMode, OutputSpec, AVIF_BUILT};
pub use parse::{
    parse_count, parse_duration, parse_font_size, parse_name_template, parse_opacity, parse_pixels,
    parse_png_level, parse_quality, parse_size, ParseError,
};
pub use resize::{ResizeSpec, Suffix};
pub use select::{OnExists, Selection, Shard};
pub use template::{utc_date, TemplateValues, TextTemplate};
pub use variant::{parse_widths, Variant, VariantSpec, VARIANT_KEYS};
pub use watermark::{parse_scale, FontSize, Gravity, Rgb, WatermarkSpec};
pub use workers::{cores, PoolSize, Workers};

/// The default [`Config::max_file_size`]: 2 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 << 30;

/// Everything one run needs. Build it with [`Config::new`] (or [`Config::default`] and set
/// [`Config::inputs`]) and adjust the fields; new fields will come, with defaults, so it cannot
/// be written as a struct literal outside fanlight.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Files and folders to process; folders are walked recursively. No default.
    pub inputs: Vec<PathBuf>,
    /// Folder the results go to; the input tree is mirrored below it (with several input
    /// folders, each under its path from their common parent: `cams/canon` and `cams/sony`
    /// become `canon/` and `sony/`). Default `output`.
    pub output_dir: PathBuf,
    /// How to resize; `None` keeps the size. A box with an ImageMagick suffix
    /// ([`ResizeSpec::Suffixed`]) sets `fit` and `enlarge` itself. Default: none.
    pub resize: Option<ResizeSpec>,
    /// Allow resizing up when the photo is smaller than the target. Default `false`.
    pub enlarge: bool,
    /// Decode a JPEG at 1/2, 1/4 or 1/8 of its size when the resize would discard that detail
    /// anyway (DCT scaling, as libvips, sharp and Pillow's draft mode do), keeping at least 1.5
    /// times (at 1/2) or twice (at 1/4 and 1/8) the pixels the resize needs on both axes. Default
    /// `true`; `false` decodes every pixel, for outputs exactly as a full decode gives them.
    pub shrink_on_load: bool,
    /// How the photo fits the resize box (unless the box's suffix sets it). Default
    /// [`Fit::Inside`].
    pub fit: Fit,
    /// Anchor of the `cover` crop and of the picture in the `contain` padding. Default centre.
    pub gravity: Gravity,
    /// Padding colour of `contain`. Default white.
    pub background: Background,
    /// Filters applied in order after the resize. Default: none.
    pub filters: Vec<FilterSpec>,
    /// The text watermark, if any. Default: none.
    pub watermark: Option<WatermarkSpec>,
    /// Output format and encoder settings.
    pub output: OutputSpec,
    /// Several outputs of every photo from one decode (a responsive set), each with its own
    /// size, fit, format, quality and name; the fields above give whatever a variant does not
    /// set (filters, watermark, metadata, encoder details). Empty: one output, described by
    /// [`Config::resize`], [`Config::fit`], [`OutputSpec::format`] and the rest. Default: empty.
    pub variants: Vec<Variant>,
    /// Worker counts of the pooled stages.
    pub workers: Workers,
    /// Which files of the inputs to take.
    pub select: Selection,
    /// What to do when an output file already exists. Default: overwrite.
    pub on_exists: OnExists,
    /// Output file name below its mirrored folder, with `{stem}`, `{ext}`, `{format}`, `{width}`
    /// and `{height}` (the output's size, known before any work from each file's header).
    /// Default `{stem}.{ext}` (`{stem}-{width}.{ext}` for variants of several sizes, see
    /// [`Config::variant_name`]).
    pub name_template: String,
    /// Write each output beside its input instead of below [`Config::output_dir`], replacing
    /// the input when the name is the same. Without it no file is ever written into an input
    /// folder. Default `false`.
    pub in_place: bool,
    /// Capacity of every channel; `None` means twice the consumer's worker count.
    pub queue_capacity: Option<usize>,
    /// Stop the batch at the first failure (the rest is reported as cancelled). Default `false`.
    pub fail_fast: bool,
    /// Refuse images with more pixels than this, checked from the header before decoding; 0
    /// means no limit, as in sharp. Default 268,402,689 (16383 × 16383), like sharp.
    pub max_pixels: u64,
    /// Refuse files larger than this many bytes before reading them, so a huge file that is not
    /// a photo (a video named `.jpg`) costs no memory. Default 2 GiB, more than any photo needs.
    pub max_file_size: u64,
    /// Bytes that the load workers' JPEG decodes may hold together (estimated from each
    /// header: the file, the frame, and a progressive file's coefficient planes); a decode waits
    /// until it fits, and one larger than the budget runs alone. Bounds peak memory on folders
    /// of large progressive JPEGs, at some cost in throughput. Default: none.
    pub decode_memory: Option<u64>,
    /// Fail a photo whose processing has taken longer than this; checked as it enters and
    /// leaves each stage, so the batch goes on. Default: none.
    pub timeout: Option<Duration>,
    /// Accept damaged images (truncated or corrupt JPEG data) as the decoder's best effort
    /// instead of failing them. Default `false`.
    pub lenient: bool,
}

impl Default for Config {
    /// No inputs yet, into `output`, every other field at its documented default.
    fn default() -> Self {
        Config::new(Vec::new(), "output")
    }
}

impl Config {
    /// A configuration that copies `inputs` into `output_dir` unchanged but re-encoded.
    pub fn new(inputs: Vec<PathBuf>, output_dir: impl Into<PathBuf>) -> Self {
        Config {
            inputs,
            output_dir: output_dir.into(),
            resize: None,
            enlarge: false,
            shrink_on_load: true,
            fit: Fit::Inside,
            gravity: Gravity::Center,
            background: Background::default(),
            filters: Vec::new(),
            watermark: None,
            output: OutputSpec::default(),
            variants: Vec::new(),
            select: Selection::default(),
            on_exists: OnExists::Overwrite,
            name_template: "{stem}.{ext}".into(),
            in_place: false,
            workers: Workers::default(),
            queue_capacity: None,
            fail_fast: false,
            max_pixels: 268_402_689,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            decode_memory: None,
            lenient: false,
            timeout: None,
        }
    }

    /// The built-in job that `cargo run --release` runs: every stage does visible work.
    ///
    /// Fit inside 400×400, a gentle unsharp mask, and a white "fanlight" watermark at the bottom right.
    pub fn demo(inputs: Vec<PathBuf>, output_dir: impl Into<PathBuf>) -> Self {
        let mut config = Config::new(inputs, output_dir);
        config.resize = Some(ResizeSpec::Fit {
            width: Some(400),
            height: Some(400),
        });
        config.filters = vec![FilterSpec::Unsharp {
            sigma: 1.0,
            amount: 0.8,
            threshold: 0,
        }];
        config.watermark = Some(WatermarkSpec {
            font_size: 22.0,
            opacity: 0.8,
            margin: 12,
            ..WatermarkSpec::new("fanlight")
        });
        config
    }
}

impl Config {
    /// The pixel limit decoding applies: [`Config::max_pixels`], with 0 (no limit) as the
    /// largest count.
    #[must_use]
    pub fn pixel_limit(&self) -> u64 {
        match self.max_pixels {
            0 => u64::MAX,
            n => n,
        }
    }

    /// The size of the output of an upright `width` × `height` photo: what `{width}` and
    /// `{height}` in [`Config::name_template`] become. The resize stage makes exactly this size.
    #[must_use]
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        Variant::of(self).output_size(width, height)
    }
}
