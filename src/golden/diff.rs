//! Difference images: the pixels that differ in solid magenta over a faded grey copy of the
//! expected image, so a person sees at a glance where a change is and what it touched.

use std::path::Path;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageEncoder, RgbImage, RgbaImage};

use super::{GoldenError, Tolerance};
use crate::ops::blend::over_white;

/// The colour of a differing pixel: magenta, which a faded grey background never contains.
pub const HIGHLIGHT: [u8; 3] = [255, 0, 255];

/// How much of the expected image shows through, in percent: its grey is lightened to this
/// strength so the highlight stands out.
pub const FADE: u32 = 30;

/// The difference image of `expected` and `actual`.
///
/// A pixel is [`HIGHLIGHT`] when any channel moved by more than `tol.max_delta`; otherwise it is
/// the expected pixel, composited over white, turned grey and faded to [`FADE`] percent. When the
/// sizes differ the canvas covers both; pixels that only one image has are highlighted and those
/// that neither has are white.
#[must_use]
pub fn diff_image(expected: &RgbaImage, actual: &RgbaImage, tol: &Tolerance) -> RgbImage {
    let (ew, eh) = expected.dimensions();
    let (aw, ah) = actual.dimensions();
    let (w, h) = (ew.max(aw), eh.max(ah));
    let mut out = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let (e_raw, a_raw) = (expected.as_raw(), actual.as_raw());
    let out_stride = w as usize * 3;
    let out_raw: &mut [u8] = &mut out;
    for (y, out_row) in out_raw.chunks_exact_mut(out_stride).enumerate() {
        let y = y as u32;
        let e_row = (y < eh).then(|| &e_raw[(y * ew) as usize * 4..((y + 1) * ew) as usize * 4]);
        let a_row = (y < ah).then(|| &a_raw[(y * aw) as usize * 4..((y + 1) * aw) as usize * 4]);
        for (x, px) in out_row.chunks_exact_mut(3).enumerate() {
            let e = e_row.and_then(|r| r.get(x * 4..x * 4 + 4));
            let a = a_row.and_then(|r| r.get(x * 4..x * 4 + 4));
            let value = match (e, a) {
                (Some(e), Some(a)) if !differs(e, a, tol.max_delta) => faded(e),
                (None, None) => continue,
                _ => HIGHLIGHT,
            };
            px.copy_from_slice(&value);
        }
    }
    out
}

fn differs(e: &[u8], a: &[u8], max_delta: u8) -> bool {
    e.iter().zip(a).any(|(&x, &y)| x.abs_diff(y) > max_delta)
}

/// The pixel over white, as Rec. 601 grey, lightened to [`FADE`] percent strength.
fn faded(px: &[u8]) -> [u8; 3] {
    let [r, g, b] = [0, 1, 2].map(|i| u32::from(over_white(px[i], px[3])));
    let luma = (299 * r + 587 * g + 114 * b + 500) / 1000;
    let v = (255 - ((255 - luma) * FADE + 50) / 100) as u8;
    [v, v, v]
}

/// Writes the difference image of `expected` and `actual` to `out` as PNG, creating its folder.
pub fn write_diff(
    expected: &RgbaImage,
    actual: &RgbaImage,
    tol: &Tolerance,
    out: &Path,
) -> Result<(), GoldenError> {
    let diff = diff_image(expected, actual, tol);
    write_png(out, &DynamicImage::ImageRgb8(diff), CompressionType::Fast)
}

/// Writes `img` as PNG, keeping its colour type (grey stays grey), creating the folder first.
/// The file appears whole or not at all (a parallel test may be reading it).
pub(crate) fn write_png(
    path: &Path,
    img: &DynamicImage,
    compression: CompressionType,
) -> Result<(), GoldenError> {
    let fail = |reason: String| GoldenError::Write {
        path: path.to_path_buf(),
        reason,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    }
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, compression, FilterType::Adaptive)
        .write_image(
            img.as_bytes(),
            img.width(),
            img.height(),
            img.color().into(),
        )
        .map_err(|e| fail(e.to_string()))?;
    super::write_whole(path, &bytes).map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pixels_beyond_the_tolerance_are_highlighted() {
        let e = RgbaImage::from_pixel(3, 2, image::Rgba([0, 0, 0, 255]));
        let mut a = e.clone();
        a.put_pixel(1, 0, image::Rgba([9, 0, 0, 255]));
        a.put_pixel(2, 1, image::Rgba([2, 0, 0, 255]));
        let d = diff_image(&e, &a, &Tolerance::new(2, 0.0));
        assert_eq!(d.get_pixel(1, 0).0, HIGHLIGHT);
        // Black faded to 30% is a light grey.
        assert_eq!(d.get_pixel(2, 1).0, [178, 178, 178]);
        assert_eq!(d.get_pixel(0, 0).0, [178, 178, 178]);
    }

    #[test]
    fn a_size_difference_highlights_what_only_one_side_has() {
        let e = RgbaImage::from_pixel(2, 1, image::Rgba([255, 255, 255, 255]));
        let a = RgbaImage::from_pixel(1, 2, image::Rgba([255, 255, 255, 255]));
        let d = diff_image(&e, &a, &Tolerance::EXACT);
        assert_eq!(d.dimensions(), (2, 2));
        assert_eq!(d.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(d.get_pixel(1, 0).0, HIGHLIGHT);
        assert_eq!(d.get_pixel(0, 1).0, HIGHLIGHT);
        assert_eq!(d.get_pixel(1, 1).0, [255, 255, 255]);
    }
}
