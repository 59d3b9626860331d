//! The command line: clap definitions only, converted into the library's
//! [`Config`](fanlight::Config) by `to_config`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use fanlight::{
    parse_count, parse_duration, parse_name_template, parse_opacity, parse_pixels, parse_png_level,
    parse_quality, parse_scale, parse_size, Background, Chroma, FilterSpec, Fit, FontSize, Format,
    Gravity, OnExists, PoolSize, ResizeSpec, Rgb, Shard, VariantSpec, FILTER_NAMES,
};

/// Batch photo pipeline: resize, filter, watermark and re-encode folders of photos, and show
/// where the time goes.
///
/// Start with: fanlight convert --help. In fanlight's own repository, `cargo run --release`
/// with no arguments runs the demo (assets/photos to the repository's output/ folder).
#[derive(Debug, Parser)]
#[command(
    name = "fanlight",
    version,
    max_term_width = 100,
    after_help = "Each command has its own help: fanlight convert --help, fanlight compare --help."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert photos: resize, filter, watermark, re-encode.
    Convert(Box<ConvertArgs>),
    /// Compare images or folders with goldens.
    #[command(
        long_about = "Compare images or folders with goldens: fanlight compare golden/ out/ --diff-dir diffs"
    )]
    Compare(super::compare::CompareArgs),
    /// Merge --report files, or render one as HTML.
    #[command(
        long_about = "Work with --report documents: fanlight report merge shard-*.json -o merged.json, or fanlight report run.json --html run.html"
    )]
    Report(ReportArgs),
    /// List the built-in presets, or print one as TOML.
    #[command(
        long_about = "List the built-in presets, or print one as TOML: fanlight presets web > mine.toml"
    )]
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
    /// Write the report as an HTML page.
    #[arg(
        long,
        value_name = "FILE",
        required = true,
        long_help = "Write the report as a self-contained HTML page (charts, timeline, slowest photos)."
    )]
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
        /// Where to write it (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// The convert examples and rules shown by `fanlight convert --help`.
const CONVERT_AFTER_LONG_HELP: &str = "\
Examples:
  A folder for the web, as WebP (the tree is mirrored below web/):
    fanlight convert photos/ -o web --resize 1920 --format webp
  One photo to one file (the format follows the extension):
    fanlight convert IMG_0001.jpg -o small.png --resize 50%
  Square thumbnails named by their size:
    fanlight convert photos/ -o thumbs --resize 256x256 --fit cover \\
      --name '{stem}-{width}.{ext}'
  A watermark with the date the photo was taken:
    fanlight convert photos/ -o out --watermark '(c) {date} Me' --font-size 3%
  Where the time goes:
    fanlight convert photos/ -o out --progress stages --report run.json

Output names:
  Below -o the input folder's tree is mirrored. With several input folders,
  each gets a folder of its own below -o, named by its path from the folders'
  common parent (cams/canon and cams/sony -> out/canon, out/sony), so photos
  of the same name never collide. A single input file with -o NAME.jpg (a
  photo extension) writes exactly that file.
  The format follows the name: --format sets the extension that {ext}
  stands for, and an explicit extension in --name or -o (say '{stem}.png')
  picks the format when --format is not given. A name and a --format that
  disagree are refused before any work.

Exit status:
  0 all written; 1 some photos failed, or nothing matched; 2 a usage or
  setup error (nothing was processed); 130 interrupted.";

/// Options of `fanlight convert`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples and the rules for output names: fanlight convert --help",
    after_long_help = CONVERT_AFTER_LONG_HELP
)]
pub struct ConvertArgs {
    /// Photo files and folders (walked recursively).
    #[arg(
        required = true,
        value_name = "INPUT",
        long_help = "Photo files and folders. Folders are walked recursively for photo files (.jpg, .jpeg, .png, .webp, .heic, .heif, .hif, .heics, .heifs, .avif, .avifs, .gif, .tif, .tiff, .jxl; .jxl is read with the jxl feature, and without it fails as unsupported, by name); a file named here is always tried."
    )]
    pub inputs: Vec<PathBuf>,

    /// Option defaults from a preset or a TOML file.
    #[arg(
        long,
        value_name = "NAME|FILE",
        long_help = "Defaults for these options from a built-in preset (web, thumbnail, archive; see fanlight presets) or a TOML file of option = value lines; options given here win."
    )]
    pub preset: Option<String>,

    // ---- Input selection
    /// Only the files directly in the input folders.
    #[arg(
        long,
        help_heading = "Input selection",
        long_help = "Only the files directly in the input folders, not in their subfolders."
    )]
    pub no_recursive: bool,

    /// Only files matching this glob (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        help_heading = "Input selection",
        long_help = "Only files whose name or relative path matches this glob (repeatable), e.g. '*.jpg'. Patterns are case-sensitive. When nothing matches, the run says what it searched and exits with 1."
    )]
    pub include: Vec<String>,

    /// Leave out files matching this glob (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        help_heading = "Input selection",
        long_help = "Leave out files whose name or relative path matches this glob (repeatable)."
    )]
    pub exclude: Vec<String>,

    /// Only shard K of N of the files, e.g. 2/8.
    #[arg(
        long,
        value_name = "K/N",
        help_heading = "Input selection",
        long_help = "Process only shard K of N (by a stable hash of each relative path), e.g. 2/8, to share a batch between machines; combine their --report files with fanlight report merge."
    )]
    pub shard: Option<Shard>,

    /// Refuse images with more pixels (0: no limit).
    #[arg(
        long_help = "Refuse images with more pixels than this, checked before decoding: a count (24000000, 24e6, 24M for megapixels), or 0 for no limit. Default: 268402689 (16383 x 16383).",
        long,
        value_name = "N",
        default_value = "268402689",
        value_parser = parse_pixels,
        help_heading = "Input selection",
        hide_default_value = true
    )]
    pub max_pixels: u64,

    /// Refuse files larger than this (default: 2G).
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size, help_heading = "Input selection", hide_default_value = true, long_help = "Refuse files larger than this before reading them (a video named .jpg costs no memory), such as 2G or 500M. Default: 2G.")]
    pub max_file_size: u64,

    /// Accept damaged photos as a best effort.
    #[arg(
        long,
        help_heading = "Input selection",
        long_help = "Accept damaged photos (truncated or corrupt JPEG data) as the decoder's best effort instead of failing them; each is named in a warning."
    )]
    pub lenient: bool,

    // ---- Size and crop
    /// The resize box: WxH, N, Wx, xH, N%; suffix > < ^ !
    #[arg(
        long,
        value_name = "SPEC",
        help_heading = "Size and crop",
        long_help = "The resize box: WxH, N (the long edge, same as NxN), Wx (width), xH (height) or N%. A box may end in an ImageMagick suffix (quoted in the shell), which sets the fit: > shrink only, < enlarge only, ^ fit outside, ! fit fill (e.g. '1920x1080>')."
    )]
    pub resize: Option<ResizeSpec>,

    /// Several widths from one decode: W,W,...
    #[arg(
        long,
        value_name = "W,W,...",
        value_parser = parse_widths,
        conflicts_with = "resize",
        help_heading = "Size and crop",
        long_help = "Write each photo at several widths from one decode (a responsive set for srcset): each the photo fit to that width, never enlarged without --enlarge, so a width past the photo's gives its own width once. Crossed with every --format of a list (--format webp,jpeg). Named {stem}-{width}.{ext} unless --name says otherwise."
    )]
    pub widths: Option<Widths>,

    /// One output each: SIZE[,fit=,quality=,format=,name=].
    #[arg(
        long = "variant",
        value_name = "SPEC",
        conflicts_with = "resize",
        help_heading = "Size and crop",
        long_help = "One output of each photo, repeatable, for sets whose members differ in more than width: a --resize box, then optional fit=, gravity=, enlarge, quality=, format= and, last, name= (a --name template), e.g. --variant 320x320,fit=cover,quality=70 --variant 1280 --variant 1920. What a variant leaves out comes from the other options; without format= it is made in every --format. Joins --widths' outputs."
    )]
    pub variants: Vec<VariantSpec>,

    /// Fit: inside, cover, fill, contain or outside.
    #[arg(
        long_help = "How photos fit the --resize box: inside (aspect kept, within the box), cover (aspect kept, fills the box, cropped at --gravity), fill (stretched to the box), contain (inside, padded to the box with --background) or outside (aspect kept, covers the box, nothing cropped). Default: inside.",
        long,
        value_name = "MODE",
        default_value = "inside",
        help_heading = "Size and crop",
        hide_default_value = true
    )]
    pub fit: Fit,

    /// Let --resize make small photos bigger.
    #[arg(
        long,
        help_heading = "Size and crop",
        long_help = "Let --resize make small photos bigger (inside, cover, contain, outside; fill always stretches)."
    )]
    pub enlarge: bool,

    /// Decode JPEGs in full (no DCT scaling).
    #[arg(
        long,
        help_heading = "Size and crop",
        long_help = "Decode every pixel of a JPEG even when the resize would discard most of them. By default a JPEG is decoded at 1/2, 1/4 or 1/8 of its size (DCT scaling, as libvips and sharp do) when at least 1.5 to 2 times the output size remains: faster, less memory, visually the same."
    )]
    pub no_shrink_on_load: bool,

    /// Padding colour of --fit contain (default: white).
    #[arg(
        long_help = "Padding colour of --fit contain: a colour as --color takes it, or with alpha (#RRGGBBAA, rgba(0, 0, 0, 0.5), transparent; kept in PNG; JPEG has no alpha, so it is flattened onto white). Default: white.",
        long,
        value_name = "COLOR",
        default_value = "white",
        help_heading = "Size and crop",
        hide_default_value = true
    )]
    pub background: Background,

    /// Anchor of the crop, the padding and the watermark.
    #[arg(
        long,
        value_name = "WHERE",
        help_heading = "Size and crop",
        long_help = "Anchor of the --fit cover crop, of the --fit contain picture, and of the watermark (unless --watermark-gravity): top-left, top, top-right, left, center, right, bottom-left, bottom, bottom-right. Default: center for the photo, bottom-right for the watermark."
    )]
    pub gravity: Option<Gravity>,

    // ---- Filters
    /// A filter (repeatable, applied in order).
    #[arg(long = "filter", value_name = "SPEC", help_heading = "Filters", long_help = format!(
        "A filter, repeatable and applied in order: name, name:value or name:key=value,...\n\
         Filters: {FILTER_NAMES}.\n\
         Examples: unsharp:sigma=1.0,amount=1.0  blur:sigma=2  grayscale  contrast:1.2  sepia:0.8"))]
    pub filters: Vec<FilterSpec>,

    // ---- Watermark
    /// Watermark text ({filename}, {date}...).
    #[arg(
        long,
        value_name = "TEXT",
        help_heading = "Watermark",
        long_help = "Watermark text (\"\\n\" starts a new line). Placeholders: {filename}, {stem}, {date} (EXIF DateTimeOriginal, else the file's modification day, UTC, as YYYY-MM-DD) and {exif:TAG} (an EXIF field by name, e.g. {exif:Model}); {{ and }} for literal braces."
    )]
    pub watermark: Option<String>,

    /// Watermark image (PNG with alpha), alone or with a text.
    #[arg(
        long_help = "Watermark image (PNG with alpha, or any JPEG/PNG), alone or with a --watermark text (stacked above it, unless --watermark-image-gravity places it elsewhere).",
        long,
        value_name = "FILE",
        help_heading = "Watermark"
    )]
    pub watermark_image: Option<PathBuf>,

    /// Where the image goes beside a text.
    #[arg(
        long,
        value_name = "WHERE",
        requires = "watermark_image",
        help_heading = "Watermark",
        long_help = "Where the watermark image goes when there is a --watermark text too (default: above the text, at the watermark's gravity)."
    )]
    pub watermark_image_gravity: Option<Gravity>,

    /// Image width, a fraction of the photo's.
    #[arg(long, value_name = "FRACTION", value_parser = parse_scale, requires = "watermark_image", help_heading = "Watermark", long_help = "Width of the watermark image as a fraction of the photo's width, e.g. 0.15 or 15% (default: the image's own size).")]
    pub watermark_scale: Option<f32>,

    /// Repeat the watermark across the photo.
    #[arg(
        long,
        help_heading = "Watermark",
        long_help = "Repeat the watermark (text or image) across the whole photo; the gravity is then unused."
    )]
    pub tile: bool,

    /// Font file (default: DejaVu Sans).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Watermark",
        long_help = "Watermark font file (TrueType/OpenType); default: the bundled DejaVu Sans."
    )]
    pub font: Option<PathBuf>,

    /// Text size (em): pixels (36) or percent (3%).
    #[arg(
        long_help = "Watermark text size, the em size as in ImageMagick's -pointsize and CSS: pixels (36) or a percentage of the photo's shorter side (3%). Default: 36.",
        long,
        value_name = "PX|N%",
        default_value = "36",
        help_heading = "Watermark",
        hide_default_value = true
    )]
    pub font_size: FontSize,

    /// Text colour: a CSS colour (white, #RRGGBB, rgb()).
    #[arg(
        long_help = "Watermark text colour, as CSS writes it: a name (white, rebeccapurple), #RGB, #RRGGBB, rgb(255, 128, 0) or rgb(100% 50% 0%). Default: white.",
        long,
        value_name = "COLOR",
        default_value = "#ffffff",
        help_heading = "Watermark",
        hide_default_value = true
    )]
    pub color: Rgb,

    /// Opacity, 0 to 1 or N% (default: 0.5).
    #[arg(long, value_name = "0..1|N%", default_value = "0.5", value_parser = parse_opacity, help_heading = "Watermark", hide_default_value = true, long_help = "Watermark opacity: 0 (invisible) to 1 (opaque), or a percentage (0.5 or 50%). Default: 0.5.")]
    pub opacity: f32,

    /// Position (default: bottom-right).
    #[arg(
        long,
        value_name = "WHERE",
        help_heading = "Watermark",
        long_help = "Watermark position, overriding --gravity for the watermark only."
    )]
    pub watermark_gravity: Option<Gravity>,

    /// Distance from the edges (default: 24 px).
    #[arg(
        long,
        value_name = "PX",
        default_value_t = 24,
        help_heading = "Watermark",
        hide_default_value = true
    )]
    pub margin: u32,

    // ---- Output format and metadata
    /// Format: same, jpeg, png, webp, avif, or a list.
    #[arg(
        long_help = "Output format: same (as each input, or as the extension of --name or -o FILE), jpeg, png, webp or avif (avif needs a build with the avif feature). A list (webp,jpeg) writes every photo, and every --widths width, in each. Default: same.",
        long,
        value_name = "FORMAT",
        default_value = "same",
        value_delimiter = ',',
        help_heading = "Output format and metadata",
        hide_default_value = true
    )]
    pub format: Vec<Format>,

    /// JPEG, WebP and AVIF quality (default: 85).
    #[arg(long, value_name = "1..100", default_value = "85", value_parser = parse_quality, help_heading = "Output format and metadata", hide_default_value = true, long_help = "Quality 1 to 100 of JPEG, lossy WebP and AVIF (compression effort for lossless WebP). Default: 85.")]
    pub quality: u8,

    /// Write WebP losslessly.
    #[arg(
        long,
        help_heading = "Output format and metadata",
        long_help = "Write WebP losslessly (PNG is always lossless)."
    )]
    pub lossless: bool,

    /// Write progressive JPEGs.
    #[arg(long, help_heading = "Output format and metadata")]
    pub progressive: bool,

    /// Standard JPEG Huffman tables (larger, faster).
    #[arg(
        long,
        help_heading = "Output format and metadata",
        long_help = "Write baseline JPEGs with the standard Huffman tables instead of tables made for each image. By default the tables are made for each image, as sharp and cjpeg -optimize make them: the same pixels in 3-5% fewer bytes, for about 8% more CPU on a web export. Progressive JPEGs always have them."
    )]
    pub no_optimize_coding: bool,

    /// The default: kept so that scripts which ask for it still run.
    #[arg(long, hide = true, overrides_with = "no_optimize_coding")]
    pub optimize_coding: bool,

    /// JPEG chroma subsampling: 420, 422 or 444.
    #[arg(
        long_help = "JPEG chroma subsampling: 420, 422 or 444 (default: 420 below quality 90, 444 from 90).",
        long,
        value_name = "420|422|444",
        help_heading = "Output format and metadata"
    )]
    pub chroma: Option<Chroma>,

    /// PNG compression, 0 to 9 (default: 6).
    #[arg(long, value_name = "0..9", default_value = "6", value_parser = parse_png_level, help_heading = "Output format and metadata", hide_default_value = true, long_help = "PNG compression level, 0 (none, fastest) to 9 (smallest, slowest). Default: 6.")]
    pub png_level: u8,

    /// Drop all metadata, the colour profile too.
    #[arg(
        long_help = "Drop all metadata, the ICC colour profile included (default: keep only the profile). A photo whose profile is not sRGB is converted to sRGB through it first, so its colours stay right.",
        long,
        // Declared on both sides, so that one given on the command line overrides the other
        // in a preset (presets leave out options that conflict with one given).
        conflicts_with_all = ["keep_metadata", "strip_raw"],
        help_heading = "Output format and metadata"
    )]
    pub strip: bool,

    /// Drop all metadata and leave the pixels unconverted.
    #[arg(
        long,
        conflicts_with_all = ["keep_metadata", "strip", "to_srgb"],
        help_heading = "Output format and metadata",
        hide_short_help = true,
        long_help = "Drop all metadata, the ICC colour profile included, and leave the pixels as they are: the raw pixels, for a pipeline that manages colour itself (colours shift in viewers unless the photo was sRGB)."
    )]
    pub strip_raw: bool,

    /// Carry EXIF, XMP and the colour profile over.
    #[arg(
        long,
        conflicts_with = "strip_raw",
        help_heading = "Output format and metadata",
        long_help = "Carry EXIF (orientation reset to 1), XMP and the ICC profile into JPEG, PNG and WebP outputs."
    )]
    pub keep_metadata: bool,

    /// Convert colours to sRGB from the photo's profile.
    #[arg(
        long,
        conflicts_with = "strip_raw",
        help_heading = "Output format and metadata",
        long_help = "Convert colours from the embedded ICC profile to sRGB; the output then has no profile."
    )]
    pub to_srgb: bool,

    // ---- Files and names
    /// Output folder, or file for one photo (default: output).
    #[arg(
        long_help = "Output folder; the input tree is mirrored below it (several input folders: one folder each, see below). It may not be, or be inside, an input folder. With a single input file and a name with a photo extension (-o small.jpg), that file. Default: output.",
        short,
        long,
        value_name = "DIR",
        default_value = "output",
        help_heading = "Files and names",
        hide_default_value = true
    )]
    pub output: PathBuf,

    /// Replace the photos themselves (or write beside them).
    #[arg(
        long,
        conflicts_with = "output",
        help_heading = "Files and names",
        long_help = "Write each output beside its input instead of into -o, replacing the input atomically when the name stays the same (another name or format adds a file and keeps the input). A replaced photo keeps its permissions."
    )]
    pub in_place: bool,

    /// Give each output its input's modification time.
    #[arg(
        long,
        help_heading = "Files and names",
        long_help = "Give each output the modification and access times of its input (with --in-place too), as cp -p does."
    )]
    pub keep_times: bool,

    /// File name: {stem}, {ext}, {width}, {height}.
    #[arg(long, value_name = "TEMPLATE", default_value = "{stem}.{ext}", value_parser = parse_name_template, help_heading = "Files and names", hide_default_value = true, long_help = "Output file name: {stem}, {ext}, {width} and {height} (the output's size) are replaced. {ext} is the output format's extension; an explicit extension ('{stem}.png') picks the format when --format is not given, and must agree with it when it is. Default: {stem}.{ext}.")]
    pub name: String,

    /// When an output exists: overwrite, skip or fail.
    #[arg(
        long_help = "When an output exists: overwrite, skip (keeps it: resumes an interrupted batch) or fail. Default: overwrite.",
        long,
        value_name = "WHAT",
        default_value = "overwrite",
        help_heading = "Files and names",
        hide_default_value = true
    )]
    pub on_exists: OnExists,

    /// Show each input and its output; write nothing.
    #[arg(
        long,
        help_heading = "Files and names",
        long_help = "List each input and its output, and what would be skipped or refused; write nothing."
    )]
    pub dry_run: bool,

    // ---- Performance
    /// Filter workers: N or auto (default: cores).
    #[arg(
        long,
        value_name = "N|auto",
        help_heading = "Performance",
        long_help = "Filter workers: a number or auto (sized from measured stage costs during the run). Default: the number of cores."
    )]
    pub workers: Option<PoolSize>,

    /// Decoding workers: N or auto (default: cores).
    #[arg(
        long,
        value_name = "N|auto",
        help_heading = "Performance",
        long_help = "Decoding workers: a number or auto. Default: the number of cores."
    )]
    pub load_workers: Option<PoolSize>,

    /// Encoding workers: N or auto (default: cores).
    #[arg(
        long,
        value_name = "N|auto",
        help_heading = "Performance",
        long_help = "Encoding and writing workers: a number or auto. Default: the number of cores."
    )]
    pub write_workers: Option<PoolSize>,

    /// Capacity of every queue between stages.
    #[arg(long, value_name = "N", value_parser = parse_count, help_heading = "Performance", long_help = "Capacity of every queue between stages (default: twice the receiving stage's workers).")]
    pub queue: Option<usize>,

    /// Memory budget of JPEG decodes in flight.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Performance", long_help = "Memory the load workers' JPEG decodes may hold together, such as 128M: a decode waits until its estimate (file, frame, and a progressive file's full-resolution coefficients) fits beside the others', and one larger runs alone. Bounds peak memory on folders of large progressive JPEGs, at some cost in speed. Default: no budget.")]
    pub decode_memory: Option<u64>,

    /// Fail a photo that takes longer (500ms, 30s, 2m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Performance", long_help = "Fail a photo whose processing takes longer than this (500ms, 30s, 2m); the batch goes on.")]
    pub timeout: Option<std::time::Duration>,

    /// Stop at the first failure.
    #[arg(
        long,
        help_heading = "Performance",
        long_help = "Stop at the first failure; the rest are reported as cancelled."
    )]
    pub fail_fast: bool,

    // ---- Reporting
    /// Live view: auto, bar, stages or none.
    #[arg(
        long_help = "Live view on standard error: auto (bar on a terminal, nothing otherwise), bar, stages (one line per stage), none. Default: auto.",
        long,
        value_name = "MODE",
        default_value = "auto",
        help_heading = "Reporting",
        hide_default_value = true,
        hide_possible_values = true
    )]
    pub progress: ProgressArg,

    /// Print the stage table even for a single photo.
    #[arg(
        long,
        help_heading = "Reporting",
        long_help = "Print the table of stage timings and the bottleneck hint after every run; without it, a run of a single photo prints one line."
    )]
    pub stats: bool,

    /// Write a JSON report of the run.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Reporting",
        long_help = "Write a JSON report of the run (schema in the README). The path is checked before any work."
    )]
    pub report: Option<PathBuf>,

    /// Write the run report as an HTML page.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Reporting",
        long_help = "Write the run report as one self-contained HTML page: stage and worker time shares, queue depths, a timeline, the slowest photos, failures."
    )]
    pub report_html: Option<PathBuf>,

    /// Write a JSON manifest of every output (for srcset).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Reporting",
        long_help = "Write a JSON manifest of the run's outputs (schema in the README): for each input its path and size, and each output's path (relative to -o), format, width, height and bytes, in a stable order, for a static-site generator to build srcset and <picture> from. The path is checked before any work."
    )]
    pub manifest: Option<PathBuf>,

    /// Write a Chrome trace of the run (for Perfetto).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Reporting",
        long_help = "Write a Chrome trace of the run (open in Perfetto or chrome://tracing)."
    )]
    pub trace: Option<PathBuf>,

    /// Print only errors and warnings about photos.
    #[arg(short, long, help_heading = "Reporting")]
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

/// `--widths`' value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widths(pub Vec<u32>);

fn parse_widths(s: &str) -> Result<Widths, fanlight::ParseError> {
    fanlight::parse_widths(s).map(Widths)
}
