//! Golden-image comparison: per-channel deltas, differing-pixel share, PSNR and difference images.
//!
//! Images are compared by decoded pixels, never by file bytes: both sides are decoded by content
//! (JPEG or PNG, EXIF orientation applied) and normalised to 8-bit RGBA, so a grey PNG and an RGB
//! PNG of the same values are equal. A [`Tolerance`] says how far a channel may move before its
//! pixel counts as different, and what share of pixels may differ before the images mismatch.
//!
//! - [`compare_images`] compares two files; [`compare_dirs`] compares two folders by relative
//!   path, in parallel, and [`update`] blesses the actual side.
//! - [`diff_image`] / [`write_diff`] show where the pixels changed; [`compare_html`] shows the
//!   expected, actual and difference images side by side on one self-contained page.
//! - [`assert_matches_golden`] is the helper for a project's own `cargo test`.
//!
//! ```
//! use fanlight::golden::{compare_images, Tolerance};
//! # let photos = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/photos");
//! # let (golden, actual) = (photos.join("coffee.png"), photos.join("coffee.png"));
//!
//! // A channel may move by 2 levels; at most 0.1% of the pixels may move more.
//! let cmp = compare_images(&golden, &actual, &Tolerance::new(2, 0.001))?;
//! assert!(cmp.is_match(), "coffee.png: {}", cmp.summary());
//! # Ok::<(), fanlight::golden::GoldenError>(())
//! ```

/// The `image` crate fanlight's golden API takes ([`AsGoldenImage`] is implemented for its
/// buffers), re-exported so a test needs no `image` dependency of its own (whose default
/// features would build codecs fanlight leaves out, the AVIF encoder among them).
pub use image;

mod assert;
mod compare;
mod diff;
mod dirs;
mod json;
mod page;

use std::io;
use std::path::PathBuf;

pub use assert::{assert_matches_golden, diff_root, AsGoldenImage, UPDATE_VAR};
pub use compare::{compare_images, compare_rgba, load_rgba, Comparison, Verdict};
pub use diff::{diff_image, write_diff, FADE, HIGHLIGHT};
pub use dirs::{compare_dirs, compare_pair, update, DirOptions, DirReport, FileReport, Updated};
pub use page::{compare_html, write_compare_html};

/// How much two images may differ and still match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A pixel differs when any of its channels (R, G, B or A) moved by more than this (0–255).
    /// Default 0: any change counts.
    pub max_delta: u8,
    /// The images match when at most this share (0–1) of the pixels differ. Default 0.
    pub max_diff_ratio: f64,
}

impl Tolerance {
    /// Pixel-exact: no channel may move at all.
    pub const EXACT: Tolerance = Tolerance {
        max_delta: 0,
        max_diff_ratio: 0.0,
    };

    /// A tolerance of `max_delta` per channel and `max_diff_ratio` (0–1, clamped) of the pixels.
    #[must_use]
    pub fn new(max_delta: u8, max_diff_ratio: f64) -> Self {
        let ratio = if max_diff_ratio.is_nan() {
            0.0
        } else {
            max_diff_ratio.clamp(0.0, 1.0)
        };
        Tolerance {
            max_delta,
            max_diff_ratio: ratio,
        }
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::EXACT
    }
}

/// Why a comparison could not be made. Differences are not errors: they are a [`Verdict`].
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// A file or folder cannot be read.
    #[error("{path}: {source} (check the path and its permissions)")]
    Read {
        /// The path as given or found.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file is not an image that can be decoded.
    #[error("{path}: cannot decode: {reason} (compare reads JPEG and PNG; re-create the file)")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A path that must be a folder is not one.
    #[error("{path}: not a folder (compare two files or two folders)")]
    NotADir {
        /// The path as given.
        path: PathBuf,
    },
    /// Two images of one folder have the same path but for the extension, so pairing by stem
    /// cannot tell which one is meant.
    #[error("{path} and {other} have the same name but for the extension, so pairing by stem ({0}) cannot choose; compare without {0}, or move one away", crate::error::opt("--ignore-ext"))]
    SameStem {
        /// The first file.
        path: PathBuf,
        /// The other file of the same stem.
        other: PathBuf,
    },
    /// A difference image, report or updated golden cannot be written.
    #[error("cannot write {path}: {reason} (check free space and permissions)")]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying error.
        reason: String,
    },
}

impl GoldenError {
    /// The path the error is about.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        match self {
            GoldenError::Read { path, .. }
            | GoldenError::Decode { path, .. }
            | GoldenError::NotADir { path }
            | GoldenError::SameStem { path, .. }
            | GoldenError::Write { path, .. } => path,
        }
    }
}

/// Writes `bytes` to `path` whole or not at all, through a hidden temporary name beside it: a
/// parallel test reading a golden never sees half of one.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let temp_name = |_| crate::atomic::temp_beside(path, ".golden-tmp");
    crate::atomic::write_new(path, bytes, temp_name, |_| Ok(()))
}
