//! The library's errors: setup errors that stop a run before it starts, and item errors that
//! fail one photo while the batch goes on. Each carries the path it is about and says what the
//! user can do.
//!
//! Advice names the option that helps: by the library's name for it (`Config::lenient`) unless
//! the program has asked for its command-line spelling ([`name_options_as_flags`], which the
//! fanlight binary calls first), so a library user is never told about a flag they do not have.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::names::shown;

static AS_FLAGS: AtomicBool = AtomicBool::new(false);

/// Makes every message of this process (errors, failures, the bottleneck hint) name the options
/// it advises as fanlight's command line spells them (`--lenient`) instead of as the library's
/// fields (`Config::lenient`, the default). The fanlight binary calls this before anything else;
/// a program with a command line of its own that mirrors fanlight's flags may too.
pub fn name_options_as_flags() {
    AS_FLAGS.store(true, Ordering::Relaxed);
}

/// Each command-line flag messages mention, with the library's name for what it sets.
const OPTION_NAMES: &[(&str, &str)] = &[
    ("-o", "Config::output_dir"),
    ("--in-place", "Config::in_place"),
    ("--name", "Config::name_template"),
    ("--format", "OutputSpec::format"),
    ("--font", "WatermarkSpec::font"),
    ("--watermark-image", "WatermarkSpec::image"),
    ("--lenient", "Config::lenient"),
    ("--max-pixels", "Config::max_pixels"),
    ("--max-file-size", "Config::max_file_size"),
    ("--on-exists", "Config::on_exists"),
    ("--timeout", "Config::timeout"),
    ("--to-srgb", "OutputSpec::to_srgb"),
    ("--strip", "MetadataMode::Strip"),
    ("--strip-raw", "MetadataMode::StripRaw"),
    ("--keep-metadata", "MetadataMode::Keep"),
    ("--resize", "Config::resize"),
    ("--fit", "Config::fit"),
    ("--enlarge", "Config::enlarge"),
    ("--variant", "Config::variants"),
    ("--load-workers", "Workers::load"),
    ("--workers", "Workers::filter"),
    ("--write-workers", "Workers::write"),
    ("--ignore-ext", "DirOptions::ignore_ext"),
];

/// The option `flag` (its command-line spelling) as messages name it now: the flag itself after
/// [`name_options_as_flags`], else the library's field.
///
/// # Panics
/// In debug builds, for a flag missing from the table (a message naming an option the library
/// has no name for yet).
pub(crate) fn opt(flag: &'static str) -> &'static str {
    if AS_FLAGS.load(Ordering::Relaxed) {
        return flag;
    }
    let field = OPTION_NAMES
        .iter()
        .find(|(f, _)| *f == flag)
        .map(|(_, n)| *n);
    debug_assert!(field.is_some(), "no library name for {flag}");
    field.unwrap_or(flag)
}

/// A problem that stops the whole run before any photo is processed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No input was given.
    #[error("no input given: name one or more photo files or folders")]
    NoInputs,
    /// An input path does not exist or cannot be read.
    #[error("{p}: {source} (check the path and its permissions)", p = shown(.path))]
    Input {
        /// The input as given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The output folder cannot be created.
    #[error(
        "cannot create output folder {p}: {source} (choose another folder with {o})",
        p = shown(.path),
        o = opt("-o")
    )]
    OutputDir {
        /// The output folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Two inputs would write the same output file.
    #[error("{f} and {s} would both be written to {o}: rename one, or give them separate runs", f = shown(.first), s = shown(.second), o = shown(.output))]
    OutputCollision {
        /// The first input.
        first: PathBuf,
        /// The second input.
        second: PathBuf,
        /// The output both map to.
        output: PathBuf,
    },
    /// An output would be written into an input folder, overwriting photos.
    #[error("output folder {o} is, or is inside, input folder {i}: fanlight never writes into an input folder; choose an output folder outside the inputs, or give {in_place} to write beside the inputs (replacing them)", o = shown(.output), i = shown(.input), in_place = opt("--in-place"))]
    OutputInsideInput {
        /// The input folder.
        input: PathBuf,
        /// The output folder.
        output: PathBuf,
    },
    /// An output would replace another input of the same run (only possible with `--in-place`).
    #[error("{f} would be written to {o}, which is another input of this run: change {name} or {format}, or give them separate runs", f = shown(.first), o = shown(.output), name = opt("--name"), format = opt("--format"))]
    OutputOverwritesInput {
        /// The input whose output it is.
        first: PathBuf,
        /// The other input, at the output's path.
        output: PathBuf,
    },
    /// A glob of `--include`/`--exclude` is malformed.
    #[error("bad pattern '{pattern}': {reason}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The watermark font cannot be used.
    #[error(
        "font {p}: {reason} (give a TrueType or OpenType file with {font})",
        p = shown(.path),
        font = opt("--font")
    )]
    Font {
        /// The font file, or `<bundled>`.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The watermark image cannot be used.
    #[error(
        "watermark image {p}: {reason} (give a PNG, or a JPEG, with {watermark_image})",
        p = shown(.path),
        watermark_image = opt("--watermark-image")
    )]
    WatermarkImage {
        /// The image file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An option has a value the library cannot use.
    #[error("{0}")]
    Invalid(String),
}

/// Why one photo failed. The path travels beside it in [`crate::Failure`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum ItemError {
    /// The file could not be read.
    #[error("cannot read: {0} (check that the file exists and is readable)")]
    Read(String),
    /// The bytes are not an image fanlight can read.
    #[error(
        "not a supported image: {0} (fanlight reads JPEG, PNG, WebP, GIF, TIFF, HEIC and AVIF)"
    )]
    UnknownFormat(String),
    /// The image is valid but uses a feature fanlight does not decode: not damage, so
    /// `--lenient` is no help.
    #[error("unsupported: {what} ({hint})")]
    Unsupported {
        /// The feature, as specific as the decoder says (say "lossless JPEG (SOF3)").
        what: String,
        /// What the user can do instead.
        hint: String,
    },
    /// The image is damaged or incomplete.
    #[error(
        "cannot decode: {0} (re-export or re-copy the file; {lenient} accepts a best-effort image)",
        lenient = opt("--lenient")
    )]
    Decode(String),
    /// The image is damaged, in a format whose decoder has no best effort to offer (so no
    /// `--lenient` hint).
    #[error("cannot decode: {0} (re-export or re-copy the file)")]
    Damaged(String),
    /// The image is larger than the configured limit.
    #[error("{width}x{height} is {pixels} pixels, over the limit of {limit} (raise {max_pixels} if the image is trusted)", max_pixels = opt("--max-pixels"))]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// `width × height`.
        pixels: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The image could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The output could not be written.
    #[error("cannot write {p}: {reason}", p = shown(.path))]
    Write {
        /// The output path.
        path: PathBuf,
        /// What went wrong, with the advice that fits it.
        reason: String,
    },
    /// A bug: the stage panicked on this item.
    #[error("internal error: {0} (please report this with the file)")]
    Panic(String),
    /// The output exists and `--on-exists fail` was given.
    #[error("{p} already exists (use {on_exists} overwrite or skip)", p = shown(.0), on_exists = opt("--on-exists"))]
    OutputExists(PathBuf),
    /// The photo took longer than the per-photo timeout.
    #[error(
        "timed out after {0:.1?} (raise {timeout} if such photos are expected)",
        timeout = opt("--timeout")
    )]
    TimedOut(std::time::Duration),
    /// A photo's name that is not a regular file (a FIFO, a device, a link to nothing); it was
    /// not read.
    #[error("{0}: fanlight reads only regular files")]
    NotAFile(String),
    /// A folder below an input could not be listed; the photos in it were not processed. The
    /// reason is the system's, with the advice that fits it.
    #[error("cannot list this folder: {0}")]
    Folder(String),
    /// The file is larger than the configured limit; it was not read.
    #[error(
        "the file is {bytes} bytes, over the limit of {limit} (raise {max_file_size} if the file is trusted)",
        max_file_size = opt("--max-file-size")
    )]
    FileTooLarge {
        /// The file's size.
        bytes: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The run was stopped before this item was finished.
    #[error("cancelled before it was finished")]
    Cancelled,
}

impl ItemError {
    /// A read error, worded for people.
    pub fn read(err: &io::Error) -> Self {
        ItemError::Read(one_line(&err.to_string()))
    }
}

/// Folds a library's message onto one line (some end in a newline or span several).
#[must_use]
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_names_the_library_field_unless_asked_for_flags() {
        let e = ItemError::FileTooLarge {
            bytes: 10,
            limit: 5,
        };
        // The library's default (the binary's switch is never flipped in the library's tests).
        assert!(e.to_string().contains("raise Config::max_file_size"), "{e}");
        assert!(!e.to_string().contains("--"), "{e}");
        for (flag, field) in OPTION_NAMES {
            assert!(
                flag.starts_with('-') && field.contains("::"),
                "{flag} {field}"
            );
        }
    }
}
