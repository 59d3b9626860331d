//! The library's errors: setup errors that stop a run before it starts, and item errors that
//! fail one photo while the batch goes on. Each carries the path it is about and says what the
//! user can do.

use std::io;
use std::path::PathBuf;

/// A problem that stops the whole run before any photo is processed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No input was given.
    #[error("no input given: name one or more photo files or folders")]
    NoInputs,
    /// An input path does not exist or cannot be read.
    #[error("{path}: {source} (check the path and its permissions)")]
    Input {
        /// The input as given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The output folder cannot be created.
    #[error("cannot create output folder {path}: {source} (choose another folder with -o)")]
    OutputDir {
        /// The output folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Two inputs would write the same output file.
    #[error("{first} and {second} would both be written to {output}: rename one, or give them separate runs")]
    OutputCollision {
        /// The first input.
        first: PathBuf,
        /// The second input.
        second: PathBuf,
        /// The output both map to.
        output: PathBuf,
    },
    /// An output would be written into an input folder, overwriting photos.
    #[error("output folder {output} is, or is inside, input folder {input}: fanlight never writes into an input folder; choose an output folder outside the inputs, or give --in-place to write beside the inputs (replacing them)")]
    OutputInsideInput {
        /// The input folder.
        input: PathBuf,
        /// The output folder.
        output: PathBuf,
    },
    /// An output would replace another input of the same run (only possible with `--in-place`).
    #[error("{first} would be written to {output}, which is another input of this run: change --name or --format, or give them separate runs")]
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
    #[error("font {path}: {reason} (give a TrueType or OpenType file with --font)")]
    Font {
        /// The font file, or `<bundled>`.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The watermark image cannot be used.
    #[error("watermark image {path}: {reason} (give a PNG, or a JPEG, with --watermark-image)")]
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
    #[error("not a supported image: {0} (fanlight reads JPEG, PNG, WebP, GIF, TIFF and HEIC)")]
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
        "cannot decode: {0} (re-export or re-copy the file; --lenient accepts a best-effort image)"
    )]
    Decode(String),
    /// The image is damaged, in a format whose decoder has no best effort to offer (so no
    /// `--lenient` hint).
    #[error("cannot decode: {0} (re-export or re-copy the file)")]
    Damaged(String),
    /// The image is larger than the configured limit.
    #[error("{width}x{height} is {pixels} pixels, over the limit of {limit} (raise --max-pixels if the image is trusted)")]
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
    #[error("cannot write {path}: {reason}")]
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
    #[error("{0} already exists (use --on-exists overwrite or skip)")]
    OutputExists(PathBuf),
    /// The photo took longer than the per-photo timeout.
    #[error("timed out after {0:.1?} (raise --timeout if such photos are expected)")]
    TimedOut(std::time::Duration),
    /// A photo's name that is not a regular file (a FIFO, a device, a link to nothing); it was
    /// not read.
    #[error("{0}: fanlight reads only regular files")]
    NotAFile(String),
    /// A folder below an input could not be listed; the photos in it were not processed.
    #[error("cannot list this folder: {0} (its photos were not processed; check its permissions)")]
    Folder(String),
    /// The file is larger than the configured limit; it was not read.
    #[error("the file is {bytes} bytes, over the limit of {limit} (raise --max-file-size if the file is trusted)")]
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
