//! The plain configuration of a run: what to read, what to do to each photo and where to write it.
//!
//! Every option the command line offers lands in [`Config`]; the library never sees clap. Option
//! values that arrive as text (`--resize 1920x1080`, `--filter unsharp:sigma=1`) parse here through
//! `FromStr`, so the library and the command line accept exactly the same spellings.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::ops::decode::ImageKind;
use crate::pipeline::{CancelToken, StageName};

mod fit;
mod template;
pub use fit::{check as check_fit, plan as plan_geometry, Background, Fit, Geometry};
pub use template::{utc_date, Piece, TemplateValues, TextTemplate};

/// Everything one run needs. Build it with [`Config::new`] and adjust the fields.
#[derive(Clone)]
pub struct Config {
    /// Files and folders to process; folders are walked recursively. No default.
    pub inputs: Vec<PathBuf>,
    /// Folder the results go to; the input tree is mirrored below it. Default `output`.
    pub output_dir: PathBuf,
    /// How to resize; `None` keeps the size. Default: none.
    pub resize: Option<ResizeSpec>,
    /// Allow resizing up when the photo is smaller than the target. Default `false`.
    pub enlarge: bool,
    /// How the photo fits the resize box. Default [`Fit::Inside`].
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
    /// Worker counts of the pooled stages.
    pub workers: Workers,
    /// Which files of the inputs to take.
    pub select: Selection,
    /// What to do when an output file already exists. Default: overwrite.
    pub on_exists: OnExists,
    /// Output file name below its mirrored folder, with `{stem}`, `{ext}`, `{width}` and
    /// `{height}` (the output's size, known before any work from each file's header). Default
    /// `{stem}.{ext}`.
    pub name_template: String,
    /// Write each output beside its input instead of below [`Config::output_dir`], replacing
    /// the input when the name is the same. Without it no file is ever written into an input
    /// folder. Default `false`.
    pub in_place: bool,
    /// Capacity of every channel; `None` means twice the consumer's worker count.
    pub queue_capacity: Option<usize>,
    /// Stop the batch at the first failure (the rest is reported as cancelled). Default `false`.
    pub fail_fast: bool,
    /// Refuse images with more pixels than this, checked from the header before decoding.
    /// Default 268 million (16384 × 16384), like sharp.
    pub max_pixels: u64,
    /// Fail a photo whose processing has taken longer than this; checked as it enters and
    /// leaves each stage, so the batch goes on. Default: none.
    pub timeout: Option<Duration>,
    /// Accept damaged images (truncated or corrupt JPEG data) as the decoder's best effort
    /// instead of failing them. Default `false`.
    pub lenient: bool,
    /// Token that stops the run early when tripped (Ctrl-C in the command-line tool).
    pub cancel: CancelToken,
    /// Test hook called before each item's work in every stage, inside the panic guard. It can
    /// sleep, panic or cancel to exercise the pipeline's promises. Default: none.
    pub inject: Option<Injector>,
    /// Test seam for write failures: called in `write` with the temporary file's path once it
    /// holds the encoded bytes, before it is synced and renamed; an error it returns (say
    /// `ENOSPC`) is handled like a real one. Default: none.
    pub write_fault: Option<WriteFault>,
}

/// A test hook: `(stage, item id, source path)`, see [`Config::inject`].
pub type Injector = Arc<dyn Fn(StageName, usize, &std::path::Path) + Send + Sync>;

/// A write-failure seam: `(temporary file)`, see [`Config::write_fault`].
pub type WriteFault = Arc<dyn Fn(&std::path::Path) -> std::io::Result<()> + Send + Sync>;

impl Config {
    /// A configuration that copies `inputs` into `output_dir` unchanged but re-encoded.
    pub fn new(inputs: Vec<PathBuf>, output_dir: impl Into<PathBuf>) -> Self {
        Config {
            inputs,
            output_dir: output_dir.into(),
            resize: None,
            enlarge: false,
            fit: Fit::Inside,
            gravity: Gravity::Center,
            background: Background::default(),
            filters: Vec::new(),
            watermark: None,
            output: OutputSpec::default(),
            select: Selection::default(),
            on_exists: OnExists::Overwrite,
            name_template: "{stem}.{ext}".into(),
            in_place: false,
            workers: Workers::default(),
            queue_capacity: None,
            fail_fast: false,
            max_pixels: 268_402_689,
            lenient: false,
            timeout: None,
            cancel: CancelToken::new(),
            inject: None,
            write_fault: None,
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
    /// The size of the output of an upright `width` × `height` photo: what `{width}` and
    /// `{height}` in [`Config::name_template`] become. The resize stage makes exactly this size.
    #[must_use]
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        match &self.resize {
            None => (width, height),
            Some(spec) => {
                plan_geometry(spec, self.fit, self.gravity, self.enlarge, width, height).canvas
            }
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("inputs", &self.inputs)
            .field("output_dir", &self.output_dir)
            .field("resize", &self.resize)
            .field("enlarge", &self.enlarge)
            .field("fit", &self.fit)
            .field("gravity", &self.gravity)
            .field("background", &self.background)
            .field("filters", &self.filters)
            .field("watermark", &self.watermark)
            .field("output", &self.output)
            .field("select", &self.select)
            .field("on_exists", &self.on_exists)
            .field("name_template", &self.name_template)
            .field("in_place", &self.in_place)
            .field("workers", &self.workers)
            .field("queue_capacity", &self.queue_capacity)
            .field("fail_fast", &self.fail_fast)
            .field("max_pixels", &self.max_pixels)
            .field("lenient", &self.lenient)
            .field("timeout", &self.timeout)
            .field("inject", &self.inject.is_some())
            .field("write_fault", &self.write_fault.is_some())
            .finish()
    }
}

/// Which files of the inputs a run takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Walk folders below the input folders. Default `true`.
    pub recursive: bool,
    /// Only files whose name or relative path matches one of these globs (none: all).
    pub include: Vec<String>,
    /// Leave out files whose name or relative path matches one of these globs.
    pub exclude: Vec<String>,
    /// Only this shard's share of the files. Default: all.
    pub shard: Option<Shard>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            recursive: true,
            include: Vec::new(),
            exclude: Vec::new(),
            shard: None,
        }
    }
}

/// Shard `index` (1-based) of `count`: each file belongs to exactly one shard, by a stable hash of
/// its relative path, so N machines can share a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl FromStr for Shard {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            bad(format!(
                "'{s}': expected K/N with 1 <= K <= N, for example 2/8"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: u32 = k.trim().parse().map_err(|_| err())?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

/// What to do when an output file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnExists {
    /// Replace it (atomically).
    #[default]
    Overwrite,
    /// Keep it and skip the photo: outputs are only ever complete, so this resumes a batch.
    Skip,
    /// Fail the photo.
    Fail,
}

impl FromStr for OnExists {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "overwrite" => Ok(OnExists::Overwrite),
            "skip" => Ok(OnExists::Skip),
            "fail" => Ok(OnExists::Fail),
            _ => Err(bad(format!("'{s}': expected overwrite, skip or fail"))),
        }
    }
}

/// The size of a pooled stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSize {
    /// Exactly this many workers (at least 1).
    Fixed(usize),
    /// As many as the stage's measured cost calls for, adapted during the run, never more
    /// than the number of cores.
    Auto,
}

impl FromStr for PoolSize {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(PoolSize::Auto);
        }
        parse_count(s).map(PoolSize::Fixed).map_err(|_| {
            bad(format!(
                "'{s}': expected auto or a whole number from 1 to 1024"
            ))
        })
    }
}

/// Worker counts of the pooled stages (`resize` and `watermark` are always one worker each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workers {
    /// Decoders. Default: the number of cores.
    pub load: PoolSize,
    /// Filter workers. Default: the number of cores.
    pub filter: PoolSize,
    /// Encoders and writers. Default: the number of cores.
    pub write: PoolSize,
}

impl Workers {
    /// Fixed pool sizes.
    #[must_use]
    pub fn fixed(load: usize, filter: usize, write: usize) -> Self {
        Workers {
            load: PoolSize::Fixed(load),
            filter: PoolSize::Fixed(filter),
            write: PoolSize::Fixed(write),
        }
    }
}

impl Default for Workers {
    fn default() -> Self {
        let cores = cores();
        Workers::fixed(cores, cores, cores)
    }
}

/// The number of cores this process may use (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// An error in an option's value: names what was given and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

fn bad(msg: impl Into<String>) -> ParseError {
    ParseError(msg.into())
}

/// The resize box (or scale); [`Fit`] says how a photo fits it.
///
/// Spellings: `1920x1080` (a box), `1920` (the long edge: the same as `1920x1920`), `1920x`
/// (the width only), `x1080` (the height only), `50%` (a scale).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResizeSpec {
    /// A `width` × `height` box; a missing side is unconstrained.
    Fit {
        /// Largest width, if constrained.
        width: Option<u32>,
        /// Largest height, if constrained.
        height: Option<u32>,
    },
    /// Scale both sides by a percentage (`50%`).
    Percent(f64),
}

impl ResizeSpec {
    /// The output size for a `width` × `height` photo; never larger unless `enlarge`.
    #[must_use]
    pub fn target(&self, width: u32, height: u32, enlarge: bool) -> (u32, u32) {
        let scale = match *self {
            ResizeSpec::Percent(p) => p / 100.0,
            ResizeSpec::Fit {
                width: box_w,
                height: box_h,
            } => {
                let sw = box_w.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(width));
                let sh = box_h.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(height));
                sw.min(sh)
            }
        };
        let scale = if enlarge { scale } else { scale.min(1.0) };
        if scale == 1.0 {
            return (width, height);
        }
        let side = |s: u32| ((f64::from(s) * scale).round() as u32).max(1);
        // Rounding must not push a side past its box.
        let (mut w, mut h) = (side(width), side(height));
        if let ResizeSpec::Fit {
            width: box_w,
            height: box_h,
        } = *self
        {
            w = box_w.map_or(w, |b| w.min(b.max(1)));
            h = box_h.map_or(h, |b| h.min(b.max(1)));
        }
        (w, h)
    }
}

impl FromStr for ResizeSpec {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected =
            "expected WxH, N (long edge), Wx, xH or N% (for example 1920x1080, 1920, 1920x, x1080, 50%)";
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| bad(format!("'{s}': {expected}")))?;
            if !(p > 0.0 && p <= 10_000.0) {
                return Err(bad(format!(
                    "'{s}': the percentage must be above 0 and at most 10000"
                )));
            }
            return Ok(ResizeSpec::Percent(p));
        }
        let side = |t: &str| -> Result<Option<u32>, ParseError> {
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<u32>() {
                Ok(0) => Err(bad(format!("'{s}': a side must be at least 1 pixel"))),
                Ok(v) if v > 65_535 => Err(bad(format!("'{s}': a side must be at most 65535"))),
                Ok(v) => Ok(Some(v)),
                Err(_) => Err(bad(format!("'{s}': {expected}"))),
            }
        };
        let (w, h) = match s.split_once(['x', 'X']) {
            Some((w, h)) => (side(w)?, side(h)?),
            // A bare number bounds the long edge, whichever way the photo is turned.
            None => (side(s)?, side(s)?),
        };
        if w.is_none() && h.is_none() {
            return Err(bad(format!("'{s}': {expected}")));
        }
        Ok(ResizeSpec::Fit {
            width: w,
            height: h,
        })
    }
}

/// One filter of the chain, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterSpec {
    /// Sharpen: `src + amount × (src − blur(src, sigma))` where the difference exceeds `threshold`.
    Unsharp {
        /// Gaussian radius in pixels. Default 1.0.
        sigma: f32,
        /// Strength. Default 1.0.
        amount: f32,
        /// Differences at or below this (0–255) are left alone. Default 0.
        threshold: u8,
    },
    /// Gaussian blur with standard deviation `sigma` pixels. Default 2.0.
    Blur {
        /// Gaussian standard deviation in pixels.
        sigma: f32,
    },
    /// Luma (Rec. 601) grayscale; the output is a grayscale image.
    Grayscale,
    /// Multiply every channel by a factor (1.0 keeps the photo). Default 1.1.
    Brightness(f32),
    /// Stretch around mid-grey by a factor (1.0 keeps the photo). Default 1.2.
    Contrast(f32),
    /// Scale colourfulness (0 grey, 1.0 keeps the photo). Default 1.3.
    Saturation(f32),
    /// Sepia tone, blended with the photo by `amount` (0–1). Default 1.0.
    Sepia(f32),
    /// Negative.
    Invert,
}

/// The filter names [`FilterSpec`] accepts, for messages and help.
pub const FILTER_NAMES: &str =
    "unsharp, blur, grayscale, brightness, contrast, saturation, sepia, invert";

impl FromStr for FilterSpec {
    type Err = ParseError;

    /// `name`, `name:value` or `name:key=value,key=value`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, args) = match s.split_once(':') {
            Some((n, a)) => (n.trim(), a.trim()),
            None => (s.trim(), ""),
        };
        let name = name.to_ascii_lowercase();
        let mut params = Params::parse(&name, args)?;
        let spec = match name.as_str() {
            "unsharp" | "sharpen" => FilterSpec::Unsharp {
                sigma: params.take("sigma", 1.0, 0.1, 50.0)?,
                amount: params.take("amount", 1.0, 0.0, 10.0)?,
                threshold: params.take("threshold", 0.0, 0.0, 255.0)?.round() as u8,
            },
            "blur" => FilterSpec::Blur {
                sigma: params.take("sigma", 2.0, 0.1, 100.0)?,
            },
            "grayscale" | "greyscale" | "gray" | "grey" => FilterSpec::Grayscale,
            "brightness" => FilterSpec::Brightness(params.take("value", 1.1, 0.0, 10.0)?),
            "contrast" => FilterSpec::Contrast(params.take("value", 1.2, 0.0, 10.0)?),
            "saturation" => FilterSpec::Saturation(params.take("value", 1.3, 0.0, 10.0)?),
            "sepia" => FilterSpec::Sepia(params.take("amount", 1.0, 0.0, 1.0)?),
            "invert" | "negate" => FilterSpec::Invert,
            _ => {
                return Err(bad(format!(
                    "unknown filter '{name}': expected one of {FILTER_NAMES}"
                )))
            }
        };
        params.finish()?;
        Ok(spec)
    }
}

/// `key=value` parameters of one filter, consumed by name so leftovers can be reported.
struct Params<'a> {
    filter: &'a str,
    positional: Option<&'a str>,
    named: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    fn parse(filter: &'a str, args: &'a str) -> Result<Self, ParseError> {
        let mut params = Params {
            filter,
            positional: None,
            named: Vec::new(),
        };
        if args.is_empty() {
            return Ok(params);
        }
        if !args.contains('=') {
            params.positional = Some(args);
            return Ok(params);
        }
        for pair in args.split(',') {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                bad(format!(
                    "filter '{filter}': '{pair}' is not key=value (write {filter}:key=value,key=value)"
                ))
            })?;
            params.named.push((k.trim(), v.trim()));
        }
        Ok(params)
    }

    /// Takes parameter `key` (or the positional value, which means the first parameter).
    fn take(&mut self, key: &str, default: f32, min: f32, max: f32) -> Result<f32, ParseError> {
        let text = if let Some(p) = self.positional.take() {
            Some(p)
        } else if let Some(i) = self
            .named
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some(self.named.remove(i).1)
        } else {
            None
        };
        let Some(text) = text else {
            return Ok(default);
        };
        let filter = self.filter;
        let value: f32 = text
            .parse()
            .map_err(|_| bad(format!("filter '{filter}': {key} '{text}' is not a number")))?;
        if !(min..=max).contains(&value) {
            return Err(bad(format!(
                "filter '{filter}': {key} {value} is out of range {min}..={max}"
            )));
        }
        Ok(value)
    }

    fn finish(self) -> Result<(), ParseError> {
        let filter = self.filter;
        if let Some(p) = self.positional {
            return Err(bad(format!("filter '{filter}' takes no value, got '{p}'")));
        }
        if let Some((k, _)) = self.named.first() {
            return Err(bad(format!("filter '{filter}' has no parameter '{k}'")));
        }
        Ok(())
    }
}

/// Where a watermark sits on the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gravity {
    /// Top left corner.
    TopLeft,
    /// Top edge, centred.
    Top,
    /// Top right corner.
    TopRight,
    /// Left edge, centred.
    Left,
    /// Centre.
    Center,
    /// Right edge, centred.
    Right,
    /// Bottom left corner.
    BottomLeft,
    /// Bottom edge, centred.
    Bottom,
    /// Bottom right corner (the default).
    #[default]
    BottomRight,
}

impl Gravity {
    /// All nine, in reading order.
    pub const ALL: [Gravity; 9] = [
        Gravity::TopLeft,
        Gravity::Top,
        Gravity::TopRight,
        Gravity::Left,
        Gravity::Center,
        Gravity::Right,
        Gravity::BottomLeft,
        Gravity::Bottom,
        Gravity::BottomRight,
    ];

    /// The spelling used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Gravity::TopLeft => "top-left",
            Gravity::Top => "top",
            Gravity::TopRight => "top-right",
            Gravity::Left => "left",
            Gravity::Center => "center",
            Gravity::Right => "right",
            Gravity::BottomLeft => "bottom-left",
            Gravity::Bottom => "bottom",
            Gravity::BottomRight => "bottom-right",
        }
    }

    /// Horizontal and vertical position as 0 (start), 1 (middle) or 2 (end).
    pub fn cells(self) -> (u8, u8) {
        let i = Gravity::ALL.iter().position(|g| *g == self).unwrap_or(8) as u8;
        (i % 3, i / 3)
    }
}

impl FromStr for Gravity {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        let norm = match norm.as_str() {
            "centre" | "middle" => "center",
            "north" => "top",
            "south" => "bottom",
            "west" => "left",
            "east" => "right",
            "northwest" => "top-left",
            "northeast" => "top-right",
            "southwest" => "bottom-left",
            "southeast" => "bottom-right",
            other => other,
        };
        Gravity::ALL
            .into_iter()
            .find(|g| g.name() == norm)
            .ok_or_else(|| {
                bad(format!(
                    "unknown gravity '{s}': expected top-left, top, top-right, left, center, right, bottom-left, bottom or bottom-right"
                ))
            })
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl FromStr for Rgb {
    type Err = ParseError;

    /// `#RRGGBB`, `#RGB` or one of `white`, `black`, `red`, `green`, `blue`, `yellow`, `gray`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let named = match t.as_str() {
            "white" => Some([255, 255, 255]),
            "black" => Some([0, 0, 0]),
            "red" => Some([255, 0, 0]),
            "green" => Some([0, 128, 0]),
            "blue" => Some([0, 0, 255]),
            "yellow" => Some([255, 255, 0]),
            "gray" | "grey" => Some([128, 128, 128]),
            _ => None,
        };
        if let Some(c) = named {
            return Ok(Rgb(c));
        }
        let err = || {
            bad(format!(
                "'{s}': expected #RRGGBB, #RGB or a colour name such as white"
            ))
        };
        let hex = t.strip_prefix('#').unwrap_or(&t);
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).map_err(|_| err());
        match hex.len() {
            6 => {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
                Ok(Rgb([byte(0)?, byte(2)?, byte(4)?]))
            }
            3 => Ok(Rgb([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17])),
            _ => Err(err()),
        }
    }
}

/// The watermark: a text or an image.
#[derive(Debug, Clone, PartialEq)]
pub struct WatermarkSpec {
    /// The text; `\n` starts a new line; placeholders as [`TextTemplate`] describes. Unused
    /// (and empty) for an image watermark.
    pub text: String,
    /// An image drawn instead of a text (a PNG's alpha is respected). Default: none.
    pub image: Option<PathBuf>,
    /// Width of the image watermark as a fraction of the photo's width (`0.15`); `None` keeps
    /// the image's own size. Default: none.
    pub scale: Option<f32>,
    /// A TrueType/OpenType font file; `None` uses the bundled DejaVu Sans.
    pub font: Option<PathBuf>,
    /// Font size in pixels. Default 36.
    pub font_size: f32,
    /// Font size as a percentage of the photo's shorter side (`3.0` for 3%), rounded to whole
    /// pixels; when set, `font_size` is unused. Default: none.
    pub font_size_percent: Option<f32>,
    /// Repeat the mark across the whole photo in staggered rows; `gravity` is then unused.
    /// Default `false`.
    pub tile: bool,
    /// Text colour. Default white.
    pub color: Rgb,
    /// 0 (invisible) to 1 (opaque). Default 0.5.
    pub opacity: f32,
    /// Where it sits. Default bottom-right.
    pub gravity: Gravity,
    /// Distance in pixels from the edges it sits against. Default 24.
    pub margin: u32,
}

impl WatermarkSpec {
    /// A watermark of `text` with the defaults above.
    pub fn new(text: impl Into<String>) -> Self {
        WatermarkSpec {
            text: text.into(),
            image: None,
            scale: None,
            font: None,
            font_size: 36.0,
            font_size_percent: None,
            tile: false,
            color: Rgb([255, 255, 255]),
            opacity: 0.5,
            gravity: Gravity::BottomRight,
            margin: 24,
        }
    }

    /// An image watermark from `path`, with the defaults above.
    pub fn image(path: impl Into<PathBuf>) -> Self {
        WatermarkSpec {
            image: Some(path.into()),
            ..WatermarkSpec::new("")
        }
    }
}

/// A font size: pixels (`36`, `36px`) or a percentage of the photo's shorter side (`3%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FontSize {
    /// Pixels.
    Px(f32),
    /// Percent of the photo's shorter side.
    Percent(f32),
}

impl FromStr for FontSize {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().strip_suffix('%') {
            Some(p) => match p.trim().parse::<f32>() {
                Ok(v) if v > 0.0 && v <= 100.0 => Ok(FontSize::Percent(v)),
                _ => Err(bad(format!(
                    "'{s}': expected a percentage above 0 and at most 100, such as 3%"
                ))),
            },
            None => parse_font_size(s).map(FontSize::Px).map_err(|_| {
                bad(format!(
                    "'{s}': expected a size in pixels from 1 to 2000, or a percentage of the photo such as 3%"
                ))
            }),
        }
    }
}

/// Parses a watermark scale: a fraction of the photo's width above 0 and at most 1.
pub fn parse_scale(s: &str) -> Result<f32, ParseError> {
    match s.trim().parse::<f32>() {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a fraction of the photo's width above 0 and at most 1, such as 0.15"
        ))),
    }
}

/// The file format of the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// The format of each input (default).
    #[default]
    Same,
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP, lossy or lossless ([`OutputSpec::lossless`]).
    Webp,
    /// AVIF; only when fanlight is built with the `avif` cargo feature.
    Avif,
}

/// Whether this build can write AVIF (the `avif` cargo feature).
pub const AVIF_BUILT: bool = cfg!(feature = "avif");

/// The message given when AVIF is asked of a build without it.
pub const AVIF_MISSING: &str =
    "AVIF output is not built into this fanlight: rebuild it with the avif \
     feature (cargo install --path . --features avif, or cargo run --release --features avif)";

impl Format {
    /// The format every output gets, or `None` for [`Format::Same`].
    #[must_use]
    pub fn kind(self) -> Option<ImageKind> {
        match self {
            Format::Same => None,
            Format::Jpeg => Some(ImageKind::Jpeg),
            Format::Png => Some(ImageKind::Png),
            Format::Webp => Some(ImageKind::Webp),
            Format::Avif => Some(ImageKind::Avif),
        }
    }
}

impl FromStr for Format {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "same" => Ok(Format::Same),
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "png" => Ok(Format::Png),
            "webp" => Ok(Format::Webp),
            "avif" if AVIF_BUILT => Ok(Format::Avif),
            "avif" => Err(bad(AVIF_MISSING)),
            _ => Err(bad(format!(
                "unknown format '{s}': expected same, jpeg, png, webp or avif"
            ))),
        }
    }
}

/// JPEG chroma subsampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// Colour at half resolution both ways (smallest files).
    S420,
    /// Colour at half horizontal resolution.
    S422,
    /// Colour at full resolution (sharp red edges and text).
    S444,
}

impl FromStr for Chroma {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().replace(':', "").as_str() {
            "420" => Ok(Chroma::S420),
            "422" => Ok(Chroma::S422),
            "444" => Ok(Chroma::S444),
            _ => Err(bad(format!("'{s}': expected 420, 422 or 444"))),
        }
    }
}

/// Which metadata of the input travels to the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataMode {
    /// The ICC colour profile only (default): colours stay right, nothing private leaks.
    #[default]
    IccOnly,
    /// Nothing at all, not even the ICC profile (`--strip`).
    Strip,
    /// EXIF (its orientation reset to 1, the pixels being upright already), XMP and the ICC
    /// profile (`--keep-metadata`), into JPEG, PNG and WebP outputs.
    Keep,
}

/// How outputs are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSpec {
    /// Output format. Default: the input's.
    pub format: Format,
    /// Quality 1–100 of JPEG, lossy WebP and AVIF; effort for lossless WebP. Default 85.
    pub quality: u8,
    /// WebP outputs are lossless. Default `false` (lossy).
    pub lossless: bool,
    /// JPEG outputs are progressive. Default `false` (baseline).
    pub progressive: bool,
    /// JPEG chroma subsampling; `None` is 4:2:0 below quality 90 and 4:4:4 from 90. Default `None`.
    pub chroma: Option<Chroma>,
    /// PNG deflate level 0 (none) to 9 (smallest, slowest). Default 6.
    pub png_level: u8,
    /// Which metadata is carried over. Default: the ICC profile only.
    pub metadata: MetadataMode,
    /// Convert pixels from the embedded ICC profile to sRGB, then embed no profile. Default `false`.
    pub to_srgb: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            format: Format::Same,
            quality: 85,
            lossless: false,
            progressive: false,
            chroma: None,
            png_level: 6,
            metadata: MetadataMode::IccOnly,
            to_srgb: false,
        }
    }
}

/// Parses `0..=1` opacity.
pub fn parse_opacity(s: &str) -> Result<f32, ParseError> {
    match s.trim().parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(bad(format!("'{s}': expected a number from 0 to 1"))),
    }
}

/// Parses a JPEG quality `1..=100`.
pub fn parse_quality(s: &str) -> Result<u8, ParseError> {
    match s.trim().parse::<u8>() {
        Ok(v) if (1..=100).contains(&v) => Ok(v),
        _ => Err(bad(format!("'{s}': expected a whole number from 1 to 100"))),
    }
}

/// Parses a PNG deflate level `0..=9`.
pub fn parse_png_level(s: &str) -> Result<u8, ParseError> {
    match s.trim().parse::<u8>() {
        Ok(v) if v <= 9 => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a level from 0 (no compression, fastest) to 9 (smallest)"
        ))),
    }
}

/// Parses a positive count such as a worker count or queue capacity (1..=1024).
pub fn parse_count(s: &str) -> Result<usize, ParseError> {
    match s.trim().parse::<usize>() {
        Ok(v) if (1..=1024).contains(&v) => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a whole number from 1 to 1024"
        ))),
    }
}

/// Parses a font size in pixels (1..=2000).
pub fn parse_font_size(s: &str) -> Result<f32, ParseError> {
    let t = s.trim().trim_end_matches("px");
    match t.parse::<f32>() {
        Ok(v) if (1.0..=2000.0).contains(&v) => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a size in pixels from 1 to 2000"
        ))),
    }
}

/// Checks a `--name` template: it must make a plain file name (no `/`, no NUL), so that every
/// output stays in its mirrored folder below the output folder. Returns it unchanged.
pub fn parse_name_template(t: &str) -> Result<String, ParseError> {
    if t.trim().is_empty() {
        return Err(bad(
            "the name template is empty: give a file name such as {stem}.{ext}",
        ));
    }
    if t.contains(['/', '\0']) {
        return Err(bad(format!(
            "'{t}': a name template is a file name, not a path (no '/'); the input's folders are mirrored anyway"
        )));
    }
    Ok(t.to_string())
}

/// Parses a duration such as `30s`, `500ms` or `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, ParseError> {
    let t = s.trim();
    let err = || {
        bad(format!(
            "'{s}': expected a duration such as 500ms, 30s or 2m"
        ))
    };
    let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| err())?;
    if !(v.is_finite() && v > 0.0) {
        return Err(err());
    }
    // Finite but beyond what a Duration holds (`1e300m`) is refused, not a panic.
    Duration::try_from_secs_f64(v * mult).map_err(|_| err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_specs_parse_every_spelling() {
        let fit = |w, h| ResizeSpec::Fit {
            width: w,
            height: h,
        };
        assert_eq!("1920x1080".parse(), Ok(fit(Some(1920), Some(1080))));
        assert_eq!("1920".parse(), Ok(fit(Some(1920), Some(1920))));
        assert_eq!("1920x".parse(), Ok(fit(Some(1920), None)));
        assert_eq!("x1080".parse(), Ok(fit(None, Some(1080))));
        assert_eq!("50%".parse(), Ok(ResizeSpec::Percent(50.0)));
        for bad in ["", "x", "0x10", "abc", "-5%", "10x10x10", "1e3"] {
            assert!(
                bad.parse::<ResizeSpec>().is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn fit_keeps_aspect_and_never_enlarges_unless_asked() {
        let spec: ResizeSpec = "1920x1920".parse().unwrap();
        assert_eq!(spec.target(4000, 3000, false), (1920, 1440));
        assert_eq!(spec.target(3000, 4000, false), (1440, 1920));
        assert_eq!(spec.target(800, 600, false), (800, 600));
        assert_eq!(spec.target(800, 600, true), (1920, 1440));
        let pct: ResizeSpec = "50%".parse().unwrap();
        assert_eq!(pct.target(1001, 500, false), (501, 250));
        assert_eq!(
            "x100"
                .parse::<ResizeSpec>()
                .unwrap()
                .target(10_000, 10, false),
            (10_000, 10)
        );
    }

    #[test]
    fn filter_specs_parse_names_values_and_keys() {
        assert_eq!(
            "unsharp:sigma=1.5,amount=0.5".parse(),
            Ok(FilterSpec::Unsharp {
                sigma: 1.5,
                amount: 0.5,
                threshold: 0
            })
        );
        assert_eq!("blur:sigma=2".parse(), Ok(FilterSpec::Blur { sigma: 2.0 }));
        assert_eq!("blur:3".parse(), Ok(FilterSpec::Blur { sigma: 3.0 }));
        assert_eq!("contrast:1.2".parse(), Ok(FilterSpec::Contrast(1.2)));
        assert_eq!("grayscale".parse(), Ok(FilterSpec::Grayscale));
        assert!("sharpness"
            .parse::<FilterSpec>()
            .unwrap_err()
            .0
            .contains("unknown filter"));
        assert!("blur:radius=2"
            .parse::<FilterSpec>()
            .unwrap_err()
            .0
            .contains("radius"));
        assert!("invert:2".parse::<FilterSpec>().is_err());
        assert!("blur:sigma=-1".parse::<FilterSpec>().is_err());
        assert!("blur:sigma=abc".parse::<FilterSpec>().is_err());
    }

    #[test]
    fn colours_gravities_and_numbers_parse() {
        assert_eq!("#ff8000".parse(), Ok(Rgb([255, 128, 0])));
        assert_eq!("#fff".parse(), Ok(Rgb([255, 255, 255])));
        assert_eq!("white".parse(), Ok(Rgb([255, 255, 255])));
        assert!("#ff80".parse::<Rgb>().is_err());
        assert!("#gg0000".parse::<Rgb>().is_err());
        assert_eq!("bottom-right".parse(), Ok(Gravity::BottomRight));
        assert_eq!("CENTER".parse(), Ok(Gravity::Center));
        assert!("middle-left".parse::<Gravity>().is_err());
        assert_eq!(Gravity::TopLeft.cells(), (0, 0));
        assert_eq!(Gravity::Bottom.cells(), (1, 2));
        assert!(parse_opacity("1.5").is_err());
        assert!(parse_quality("0").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    }

    #[test]
    fn a_duration_too_long_for_a_duration_is_refused_not_a_panic() {
        // Found by the `options` fuzz target: finite seconds beyond Duration's range panicked.
        let digits = "4".repeat(120);
        assert!(parse_duration(&format!("{digits}67")).is_err());
        assert!(parse_duration("1e300m").is_err());
        assert!(parse_duration("1e20s").is_err());
        assert_eq!(
            parse_duration("1e9s"),
            Ok(Duration::from_secs(1_000_000_000))
        );
    }
}
