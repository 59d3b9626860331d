//! The command line: clap definitions only, converted into the library's [`Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use fanlight::{
    parse_count, parse_duration, parse_name_template, parse_opacity, parse_pixels, parse_png_level,
    parse_quality, parse_scale, parse_size, Background, Chroma, Config, FilterSpec, Fit, FontSize,
    Format, Gravity, MetadataMode, OnExists, PoolSize, ResizeSpec, Rgb, Shard, WatermarkSpec,
    FILTER_NAMES,
};

/// Batch photo pipeline: resize, filter, watermark and re-encode folders of photos, and show
/// where the time goes.
///
/// With no command, runs the demo job: the bundled photos in assets/photos to output/.
#[derive(Debug, Parser)]
#[command(name = "fanlight", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert photos: fanlight convert photos/ -o out --resize 1920x1920 --watermark "(c) Me"
    Convert(Box<ConvertArgs>),
    /// Compare images or folders with goldens: fanlight compare golden/ out/ --diff-dir diffs
    Compare(super::compare::CompareArgs),
    /// Work with --report documents: fanlight report merge shard-*.json -o merged.json, or
    /// fanlight report run.json --html run.html
    Report(ReportArgs),
    /// List the built-in presets, or print one as TOML: fanlight presets web > mine.toml
    Presets {
        /// A preset to print as TOML (a starting point for a preset file).
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
}

/// `fanlight report`: a subcommand, or a saved report to render.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReportArgs {
    /// What to do with reports.
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    /// A --report JSON file (one run's or a merged one) to render with --html.
    #[arg(value_name = "REPORT", required = true)]
    pub report: Option<PathBuf>,
    /// Write the report as a self-contained HTML page (charts, timeline, slowest photos).
    #[arg(long, value_name = "FILE", required = true)]
    pub html: Option<PathBuf>,
}

/// `fanlight report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the --report JSON files of several shards (--shard K/N) into one.
    Merge {
        /// The shards' report files.
        #[arg(required = true, value_name = "REPORT")]
        reports: Vec<PathBuf>,
        /// Where to write the merged report (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Options of `fanlight convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Photo files and folders (folders are walked recursively for .jpg, .jpeg, .png and .webp
    /// files).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Defaults for these options from a built-in preset (web, thumbnail, archive; see fanlight
    /// presets) or a TOML file of option = value lines; options given here win.
    #[arg(long, value_name = "NAME|FILE")]
    pub preset: Option<String>,

    /// Output folder; the input tree is mirrored below it. It may not be, or be inside, an
    /// input folder.
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// Write each output beside its input instead of into -o, replacing the input atomically
    /// when the name stays the same (another name or format adds a file and keeps the input).
    #[arg(long, conflicts_with = "output")]
    pub in_place: bool,

    /// Only the files directly in the input folders, not in their subfolders.
    #[arg(long)]
    pub no_recursive: bool,

    /// Only files whose name or relative path matches this glob (repeatable), e.g. '*.jpg'.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Leave out files whose name or relative path matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Output file name: {stem}, {ext}, {width} and {height} (the output's size) are replaced.
    #[arg(long, value_name = "TEMPLATE", default_value = "{stem}.{ext}", value_parser = parse_name_template)]
    pub name: String,

    /// When an output exists: overwrite, skip (keeps it: resumes an interrupted batch) or fail.
    #[arg(long, value_name = "WHAT", default_value = "overwrite")]
    pub on_exists: OnExists,

    /// Process only shard K of N (by a stable hash of each relative path), e.g. 2/8.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,

    /// List each input and its output, and what would be skipped or refused; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The resize box: WxH, N (the long edge, same as NxN), Wx (width), xH (height) or N%. A
    /// box may end in an ImageMagick suffix (quoted in the shell), which sets the fit: > shrink
    /// only, < enlarge only, ^ fit outside, ! fit fill (e.g. '1920x1080>').
    #[arg(long, value_name = "SPEC")]
    pub resize: Option<ResizeSpec>,

    /// How photos fit the --resize box: inside (aspect kept, within the box), cover (aspect
    /// kept, fills the box, cropped at --gravity), fill (stretched to the box), contain
    /// (inside, padded to the box with --background) or outside (aspect kept, covers the box,
    /// nothing cropped).
    #[arg(long, value_name = "MODE", default_value = "inside")]
    pub fit: Fit,

    /// Let --resize make small photos bigger (inside, cover, contain, outside; fill always
    /// stretches).
    #[arg(long)]
    pub enlarge: bool,

    /// Decode every pixel of a JPEG even when the resize would discard most of them (by default
    /// a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when 1.5-2x the output size remains).
    #[arg(long)]
    pub no_shrink_on_load: bool,

    /// Padding colour of --fit contain: a colour as --color takes it, or with alpha
    /// (#RRGGBBAA, rgba(0, 0, 0, 0.5), transparent; kept in PNG; JPEG has no alpha, so it is
    /// flattened onto white).
    #[arg(long, value_name = "COLOR", default_value = "white")]
    pub background: Background,

    /// A filter, repeatable and applied in order: name, name:value or name:key=value,...
    #[arg(long = "filter", value_name = "SPEC", long_help = format!(
        "A filter, repeatable and applied in order: name, name:value or name:key=value,...\n\
         Filters: {FILTER_NAMES}.\n\
         Examples: unsharp:sigma=1.0,amount=1.0  blur:sigma=2  grayscale  contrast:1.2  sepia:0.8"))]
    pub filters: Vec<FilterSpec>,

    /// Watermark text ("\n" starts a new line). Placeholders: {filename}, {stem}, {date} (EXIF
    /// DateTimeOriginal, else the file's modification day, UTC, as YYYY-MM-DD) and {exif:TAG}
    /// (an EXIF field by name, e.g. {exif:Model}); {{ and }} for literal braces.
    #[arg(long, value_name = "TEXT")]
    pub watermark: Option<String>,

    /// Watermark image (PNG with alpha, or any JPEG/PNG), alone or with a --watermark text
    /// (stacked above it, unless --watermark-image-gravity places it elsewhere).
    #[arg(long, value_name = "FILE")]
    pub watermark_image: Option<PathBuf>,

    /// Where the watermark image goes when there is a --watermark text too (default: above
    /// the text, at the watermark's gravity).
    #[arg(long, value_name = "WHERE", requires = "watermark_image")]
    pub watermark_image_gravity: Option<Gravity>,

    /// Width of the watermark image as a fraction of the photo's width, e.g. 0.15 or 15%
    /// (default: the image's own size).
    #[arg(long, value_name = "FRACTION", value_parser = parse_scale, requires = "watermark_image")]
    pub watermark_scale: Option<f32>,

    /// Repeat the watermark (text or image) across the whole photo; the gravity is then unused.
    #[arg(long)]
    pub tile: bool,

    /// Watermark font file (TrueType/OpenType); default: the bundled DejaVu Sans.
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,

    /// Watermark text size, the em size as in ImageMagick's -pointsize and CSS: pixels (36) or a
    /// percentage of the photo's shorter side (3%).
    #[arg(long, value_name = "PX|N%", default_value = "36")]
    pub font_size: FontSize,

    /// Watermark text colour, as CSS writes it: a name (white, rebeccapurple), #RGB, #RRGGBB,
    /// rgb(255, 128, 0) or rgb(100% 50% 0%).
    #[arg(long, value_name = "COLOR", default_value = "#ffffff")]
    pub color: Rgb,

    /// Watermark opacity: 0 (invisible) to 1 (opaque), or a percentage (0.5 or 50%).
    #[arg(long, value_name = "0..1|N%", default_value = "0.5", value_parser = parse_opacity)]
    pub opacity: f32,

    /// Anchor of the --fit cover crop, of the --fit contain picture, and of the watermark
    /// (unless --watermark-gravity): top-left, top, top-right, left, center, right, bottom-left,
    /// bottom, bottom-right. Default: center for the photo, bottom-right for the watermark.
    #[arg(long, value_name = "WHERE")]
    pub gravity: Option<Gravity>,

    /// Watermark position, overriding --gravity for the watermark only.
    #[arg(long, value_name = "WHERE")]
    pub watermark_gravity: Option<Gravity>,

    /// Watermark distance from the edges, in pixels.
    #[arg(long, value_name = "PX", default_value_t = 24)]
    pub margin: u32,

    /// Output format: same (as each input), jpeg, png, webp or avif (avif needs a build with
    /// the avif feature).
    #[arg(long, value_name = "FORMAT", default_value = "same")]
    pub format: Format,

    /// Quality 1 to 100 of JPEG, lossy WebP and AVIF (compression effort for lossless WebP).
    #[arg(long, value_name = "1..100", default_value = "85", value_parser = parse_quality)]
    pub quality: u8,

    /// Write WebP losslessly (PNG is always lossless).
    #[arg(long)]
    pub lossless: bool,

    /// Write progressive JPEGs.
    #[arg(long)]
    pub progressive: bool,

    /// Write baseline JPEGs with the standard Huffman tables instead of ones made for each image
    /// (a few percent larger, a little faster to write).
    #[arg(long)]
    pub no_optimize_coding: bool,

    /// JPEG chroma subsampling: 420, 422 or 444 (default: 420 below quality 90, 444 from 90).
    #[arg(long, value_name = "420|422|444")]
    pub chroma: Option<Chroma>,

    /// PNG compression level, 0 (none, fastest) to 9 (smallest, slowest).
    #[arg(long, value_name = "0..9", default_value = "6", value_parser = parse_png_level)]
    pub png_level: u8,

    /// Drop all metadata, the ICC colour profile included (default: keep only the profile).
    #[arg(long, conflicts_with = "keep_metadata")]
    pub strip: bool,

    /// Carry EXIF (orientation reset to 1), XMP and the ICC profile into JPEG, PNG and WebP
    /// outputs.
    #[arg(long)]
    pub keep_metadata: bool,

    /// Convert colours from the embedded ICC profile to sRGB; the output then has no profile.
    #[arg(long)]
    pub to_srgb: bool,

    /// Filter workers: a number or auto (sized from measured stage costs during the run).
    /// Default: the number of cores.
    #[arg(long, value_name = "N|auto")]
    pub workers: Option<PoolSize>,

    /// Decoding workers: a number or auto. Default: the number of cores.
    #[arg(long, value_name = "N|auto")]
    pub load_workers: Option<PoolSize>,

    /// Encoding and writing workers: a number or auto. Default: the number of cores.
    #[arg(long, value_name = "N|auto")]
    pub write_workers: Option<PoolSize>,

    /// Capacity of every queue between stages (default: twice the receiving stage's workers).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub queue: Option<usize>,

    /// Stop at the first failure; the rest are reported as cancelled.
    #[arg(long)]
    pub fail_fast: bool,

    /// Refuse images with more pixels than this, checked before decoding: a count (24000000,
    /// 24e6, 24M for megapixels), or 0 for no limit.
    #[arg(long, value_name = "N", default_value = "268402689", value_parser = parse_pixels)]
    pub max_pixels: u64,

    /// Refuse files larger than this before reading them (a video named .jpg costs no memory)
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Live view on standard error: auto (bar on a terminal, nothing otherwise), bar, stages
    /// (one line per stage), none.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub progress: ProgressArg,

    /// Write a JSON report of the run (schema in the README).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Write the run report as one self-contained HTML page: stage and worker time shares,
    /// queue depths, a timeline, the slowest photos, failures.
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,

    /// Write a Chrome trace of the run (open in Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Fail a photo whose processing takes longer than this (500ms, 30s, 2m); the batch goes on.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Accept damaged photos (truncated or corrupt JPEG data) as the decoder's best effort
    /// instead of failing them.
    #[arg(long)]
    pub lenient: bool,

    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--progress` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressArg {
    /// A bar when standard error is a terminal, nothing otherwise.
    Auto,
    /// The overall bar.
    Bar,
    /// The bar and one line per stage.
    Stages,
    /// Nothing live.
    None,
}

impl ConvertArgs {
    /// The library configuration these options describe.
    pub fn to_config(&self) -> Config {
        let mut config = Config::new(self.inputs.clone(), self.output.clone());
        config.resize = self.resize;
        config.enlarge = self.enlarge;
        config.shrink_on_load = !self.no_shrink_on_load;
        config.fit = self.fit;
        config.gravity = self.gravity.unwrap_or(Gravity::Center);
        config.background = self.background;
        config.select.recursive = !self.no_recursive;
        config.select.include = self.include.clone();
        config.select.exclude = self.exclude.clone();
        config.select.shard = self.shard;
        config.name_template = self.name.clone();
        config.in_place = self.in_place;
        config.on_exists = self.on_exists;
        config.filters = self.filters.clone();
        let (font_size, font_size_percent) = match self.font_size {
            FontSize::Px(px) => (px, None),
            FontSize::Percent(p) => (36.0, Some(p)),
        };
        let marked = self.watermark.is_some() || self.watermark_image.is_some();
        config.watermark = marked.then(|| WatermarkSpec {
            text: self
                .watermark
                .as_deref()
                .unwrap_or_default()
                .replace("\\n", "\n"),
            image: self.watermark_image.clone(),
            image_gravity: self.watermark_image_gravity,
            scale: self.watermark_scale,
            tile: self.tile,
            font: self.font.clone(),
            font_size,
            font_size_percent,
            color: self.color,
            opacity: self.opacity,
            gravity: self
                .watermark_gravity
                .or(self.gravity)
                .unwrap_or(Gravity::BottomRight),
            margin: self.margin,
        });
        config.output.format = self.format;
        config.output.quality = self.quality;
        config.output.lossless = self.lossless;
        config.output.progressive = self.progressive;
        config.output.chroma = self.chroma;
        config.output.optimize_coding = !self.no_optimize_coding;
        config.output.png_level = self.png_level;
        config.output.metadata = if self.strip {
            MetadataMode::Strip
        } else if self.keep_metadata {
            MetadataMode::Keep
        } else {
            MetadataMode::IccOnly
        };
        config.output.to_srgb = self.to_srgb;
        if let Some(n) = self.workers {
            config.workers.filter = n;
        }
        if let Some(n) = self.load_workers {
            config.workers.load = n;
        }
        if let Some(n) = self.write_workers {
            config.workers.write = n;
        }
        config.queue_capacity = self.queue;
        config.fail_fast = self.fail_fast;
        config.max_pixels = self.max_pixels;
        config.max_file_size = self.max_file_size;
        config.lenient = self.lenient;
        config.timeout = self.timeout;
        config
    }
}
