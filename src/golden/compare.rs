//! Comparing two images by decoded pixels: the figures and the verdict.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageReader, RgbaImage};

use super::{GoldenError, Tolerance};
use crate::error::one_line;

/// The outcome for one image (or one relative path of a folder comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Within tolerance.
    Match,
    /// Same size, but more pixels differ than the tolerance allows.
    Mismatch,
    /// The two images have different sizes, so no pixel was compared.
    SizeMismatch,
    /// In the expected folder only: the actual side did not produce it.
    Missing,
    /// In the actual folder only: there is no golden for it yet.
    Extra,
}

impl Verdict {
    /// The name used in messages and the JSON report: `match`, `mismatch`, `size-mismatch`,
    /// `missing` or `extra`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::SizeMismatch => "size-mismatch",
            Verdict::Missing => "missing",
            Verdict::Extra => "extra",
        }
    }

    /// Whether this verdict passes.
    #[must_use]
    pub fn is_match(self) -> bool {
        self == Verdict::Match
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What comparing two decoded images found.
///
/// For a [`Verdict::SizeMismatch`] no pixel is compared and the figures say "everything
/// differs": `max_delta` 255, `differing_pixels == total_pixels`, `differing_ratio` 1 and
/// `psnr` 0 (the JSON report writes them as `null`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Width and height of the expected image.
    pub expected_size: (u32, u32),
    /// Width and height of the actual image.
    pub actual_size: (u32, u32),
    /// The largest change of any channel (R, G, B or A) of any pixel, 0–255.
    pub max_delta: u8,
    /// Pixels with a channel that moved by more than the tolerance's `max_delta`.
    pub differing_pixels: u64,
    /// Pixels compared (those of the expected image).
    pub total_pixels: u64,
    /// `differing_pixels / total_pixels`, 0–1.
    pub differing_ratio: f64,
    /// Peak signal-to-noise ratio over R, G and B in dB; `f64::INFINITY` when the colour
    /// channels are identical. Above about 40 dB changes are hard to see.
    pub psnr: f64,
    /// The tolerance the verdict was reached with.
    pub tolerance: Tolerance,
    /// [`Verdict::Match`], [`Verdict::Mismatch`] or [`Verdict::SizeMismatch`].
    pub verdict: Verdict,
}

impl Comparison {
    /// Whether the images match within the tolerance.
    #[must_use]
    pub fn is_match(&self) -> bool {
        self.verdict.is_match()
    }

    /// Whether the figures are meaningful, i.e. the sizes agreed and pixels were compared.
    #[must_use]
    pub fn compared(&self) -> bool {
        self.verdict != Verdict::SizeMismatch
    }

    /// One line for people: the figures, or why no pixel was compared.
    #[must_use]
    pub fn summary(&self) -> String {
        if !self.compared() {
            let (ew, eh) = self.expected_size;
            let (aw, ah) = self.actual_size;
            return format!("size differs: expected {ew}x{eh}, actual {aw}x{ah}");
        }
        let psnr = if self.psnr.is_infinite() {
            "identical colour".to_string()
        } else {
            format!("PSNR {:.1} dB", self.psnr)
        };
        format!(
            "{} of {} pixels ({}) differ by more than {} (allowed {}); max delta {}; {psnr}",
            self.differing_pixels,
            self.total_pixels,
            percent(self.differing_ratio),
            self.tolerance.max_delta,
            percent(self.tolerance.max_diff_ratio),
            self.max_delta,
        )
    }
}

/// A share as a percentage that never rounds a non-zero share down to "0%".
pub(crate) fn percent(ratio: f64) -> String {
    let p = ratio * 100.0;
    if p == 0.0 || p >= 0.01 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1e}%")
    }
}

/// Decodes `path` by content (JPEG or PNG, whatever the extension), applies its EXIF
/// orientation and normalises it to 8-bit RGBA, so grey, RGB and RGBA files compare alike.
pub fn load_rgba(path: &Path) -> Result<RgbaImage, GoldenError> {
    let bytes = std::fs::read(path).map_err(|source| GoldenError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let decode_err = |reason: String| GoldenError::Decode {
        path: path.to_path_buf(),
        reason: one_line(&reason),
    };
    if bytes.is_empty() {
        return Err(decode_err("the file is empty".into()));
    }
    let reader = ImageReader::new(Cursor::new(&bytes[..]))
        .with_guessed_format()
        .map_err(|e| decode_err(e.to_string()))?;
    if reader.format().is_none() {
        return Err(decode_err("the content is not a JPEG or PNG image".into()));
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| decode_err(e.to_string()))?;
    let orientation = crate::ops::decode::decoder_orientation(&mut decoder);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_err(e.to_string()))?;
    img.apply_orientation(orientation);
    Ok(match img {
        DynamicImage::ImageRgba8(buf) => buf,
        other => other.to_rgba8(),
    })
}

/// Compares two decoded images under `tol`. Pure: no files, no threads.
#[must_use]
pub fn compare_rgba(expected: &RgbaImage, actual: &RgbaImage, tol: &Tolerance) -> Comparison {
    let expected_size = expected.dimensions();
    let actual_size = actual.dimensions();
    let total_pixels = u64::from(expected_size.0) * u64::from(expected_size.1);
    if expected_size != actual_size {
        return Comparison {
            expected_size,
            actual_size,
            max_delta: 255,
            differing_pixels: total_pixels,
            total_pixels,
            differing_ratio: 1.0,
            psnr: 0.0,
            tolerance: *tol,
            verdict: Verdict::SizeMismatch,
        };
    }
    let mut max_delta = 0u8;
    let mut differing = 0u64;
    let mut squares = 0u64;
    for (e, a) in expected
        .as_raw()
        .chunks_exact(4)
        .zip(actual.as_raw().chunks_exact(4))
    {
        let d = [
            e[0].abs_diff(a[0]),
            e[1].abs_diff(a[1]),
            e[2].abs_diff(a[2]),
            e[3].abs_diff(a[3]),
        ];
        let worst = d[0].max(d[1]).max(d[2]).max(d[3]);
        max_delta = max_delta.max(worst);
        differing += u64::from(worst > tol.max_delta);
        squares += d[..3]
            .iter()
            .map(|&v| u64::from(v) * u64::from(v))
            .sum::<u64>();
    }
    let differing_ratio = if total_pixels == 0 {
        0.0
    } else {
        differing as f64 / total_pixels as f64
    };
    let psnr = if squares == 0 {
        f64::INFINITY
    } else {
        let mse = squares as f64 / (3 * total_pixels) as f64;
        10.0 * (255.0f64 * 255.0 / mse).log10()
    };
    let verdict = if differing_ratio <= tol.max_diff_ratio {
        Verdict::Match
    } else {
        Verdict::Mismatch
    };
    Comparison {
        expected_size,
        actual_size,
        max_delta,
        differing_pixels: differing,
        total_pixels,
        differing_ratio,
        psnr,
        tolerance: *tol,
        verdict,
    }
}

/// Decodes both files by content and compares their pixels under `tol`.
///
/// A difference is a [`Verdict`], never an error; an error means a file could not be read or
/// decoded, and names it.
pub fn compare_images(
    expected: &Path,
    actual: &Path,
    tol: &Tolerance,
) -> Result<Comparison, GoldenError> {
    let e = load_rgba(expected)?;
    let a = load_rgba(actual)?;
    Ok(compare_rgba(&e, &a, tol))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, v: u8) -> RgbaImage {
        RgbaImage::from_pixel(w, h, image::Rgba([v, v, v, 255]))
    }

    #[test]
    fn identical_images_have_infinite_psnr_and_match_exactly() {
        let c = compare_rgba(&img(4, 3, 9), &img(4, 3, 9), &Tolerance::EXACT);
        assert_eq!(c.verdict, Verdict::Match);
        assert_eq!(
            (c.max_delta, c.differing_pixels, c.total_pixels),
            (0, 0, 12)
        );
        assert!(c.psnr.is_infinite());
    }

    #[test]
    fn the_ratio_and_delta_tolerances_decide_the_verdict() {
        let e = img(10, 10, 100);
        let mut a = e.clone();
        a.put_pixel(0, 0, image::Rgba([103, 100, 100, 255]));
        let exact = compare_rgba(&e, &a, &Tolerance::EXACT);
        assert_eq!(exact.verdict, Verdict::Mismatch);
        assert_eq!((exact.max_delta, exact.differing_pixels), (3, 1));
        assert!((exact.differing_ratio - 0.01).abs() < 1e-12);
        assert!(exact.psnr > 40.0 && exact.psnr.is_finite());
        assert!(compare_rgba(&e, &a, &Tolerance::new(3, 0.0)).is_match());
        assert!(compare_rgba(&e, &a, &Tolerance::new(0, 0.01)).is_match());
        assert!(!compare_rgba(&e, &a, &Tolerance::new(2, 0.009)).is_match());
    }

    #[test]
    fn different_sizes_are_a_size_mismatch_with_both_sizes_named() {
        let c = compare_rgba(&img(4, 3, 0), &img(3, 4, 0), &Tolerance::new(255, 1.0));
        assert_eq!(c.verdict, Verdict::SizeMismatch);
        assert_eq!(c.summary(), "size differs: expected 4x3, actual 3x4");
    }

    #[test]
    fn tiny_shares_are_not_printed_as_zero() {
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(percent(0.5), "50.00%");
        assert_eq!(percent(0.000_001), "1.0e-4%");
    }
}
