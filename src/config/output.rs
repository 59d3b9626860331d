//! The output format, encoder settings and which metadata travels to the output.

use std::str::FromStr;

use super::parse::{bad, ParseError};
use crate::ops::decode::ImageKind;
pub use crate::ops::encode::Chroma;
use crate::ops::encode::{EncodeOptions, AVIF_MISSING};

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
    /// Nothing at all, not even the ICC profile (`--strip`): pixels in another colour space are
    /// converted to sRGB through it first (as with [`OutputSpec::to_srgb`]), so the colours stay
    /// right; an unreadable profile is dropped with a warning.
    Strip,
    /// Nothing at all, and the pixels left as they were decoded (`--strip-raw`): for a pipeline
    /// that manages colour itself.
    StripRaw,
    /// EXIF (its orientation reset to 1, the pixels being upright already), XMP and the ICC
    /// profile (`--keep-metadata`), into JPEG, PNG and WebP outputs.
    Keep,
}

/// How outputs are encoded. Start from [`OutputSpec::default`]; new fields will come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Baseline JPEG Huffman tables made for each image, as sharp and `cjpeg -optimize` make
    /// them: the same pixels in 3–5% fewer bytes, for a re-coding pass over the scan (about 8% of
    /// the CPU of a web export). Default `true`.
    pub optimize_coding: bool,
    /// PNG deflate level 0 (none) to 9 (smallest, slowest). Default 6.
    pub png_level: u8,
    /// Which metadata is carried over. Default: the ICC profile only.
    pub metadata: MetadataMode,
    /// Convert pixels from the embedded ICC profile to sRGB, then embed no profile. Default `false`.
    pub to_srgb: bool,
    /// Give each output its input's modification and access times (`cp -p`). Default `false`.
    pub keep_times: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            format: Format::Same,
            quality: 85,
            lossless: false,
            progressive: false,
            chroma: None,
            optimize_coding: true,
            png_level: 6,
            metadata: MetadataMode::IccOnly,
            to_srgb: false,
            keep_times: false,
        }
    }
}

impl OutputSpec {
    /// The encoder's share of these settings.
    #[must_use]
    pub fn encoding(&self) -> EncodeOptions {
        EncodeOptions {
            quality: self.quality,
            lossless: self.lossless,
            progressive: self.progressive,
            chroma: self.chroma,
            optimize_coding: self.optimize_coding,
            png_level: self.png_level,
        }
    }
}
