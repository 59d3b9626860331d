//! The filters of `--filter`: pure functions from one raster to the next, with the chain applier
//! that the filter stage calls. Point filters use lookup tables or integer matrices, so results
//! are exact and identical on every machine.

use super::blur::{blur_rows_in_place, gaussian_blur_in_place, BlurScratch};
use super::raster::{Layout, Raster};

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

/// Reusable buffers for a chain of filters, one per filter worker.
#[derive(Default)]
pub struct FilterScratch {
    blur: BlurScratch,
}

/// Applies `filters` in order, reusing `scratch`.
#[must_use]
pub fn apply_chain(mut img: Raster, filters: &[FilterSpec], scratch: &mut FilterScratch) -> Raster {
    for filter in filters {
        img = apply(img, filter, scratch);
    }
    img
}

/// Applies one filter.
#[must_use]
pub fn apply(mut img: Raster, filter: &FilterSpec, scratch: &mut FilterScratch) -> Raster {
    match *filter {
        FilterSpec::Unsharp {
            sigma,
            amount,
            threshold,
        } => {
            unsharp_in_place(&mut img, sigma, amount, threshold, scratch);
            img
        }
        FilterSpec::Blur { sigma } => {
            gaussian_blur_in_place(&mut img, sigma, &mut scratch.blur);
            img
        }
        FilterSpec::Grayscale => grayscale(img),
        FilterSpec::Brightness(f) => map_colors(img, |v| v * f),
        FilterSpec::Contrast(f) => map_colors(img, |v| (v - 127.5) * f + 127.5),
        FilterSpec::Invert => map_colors(img, |v| 255.0 - v),
        FilterSpec::Saturation(s) => saturation(img, s),
        FilterSpec::Sepia(amount) => sepia(img, amount),
    }
}

/// Sharpens: `src + amount × (src − blur)` wherever `|src − blur| > threshold`; alpha is kept.
pub fn unsharp_in_place(
    img: &mut Raster,
    sigma: f32,
    amount: f32,
    threshold: u8,
    scratch: &mut FilterScratch,
) {
    let gain = (amount * 256.0).round() as i32;
    let threshold = i32::from(threshold);
    if img.layout == Layout::Rgba {
        let sharpen = |s: &mut u8, b: u8| {
            let d = i32::from(*s) - i32::from(b);
            if d.abs() > threshold {
                *s = (i32::from(*s) + ((d * gain + 128) >> 8)).clamp(0, 255) as u8;
            }
        };
        blur_rows_in_place(img, sigma, &mut scratch.blur, |row, blurred| {
            for (px, bl) in row.chunks_exact_mut(4).zip(blurred.chunks_exact(4)) {
                for c in 0..3 {
                    sharpen(&mut px[c], bl[c]);
                }
            }
        });
    } else {
        blur_rows_in_place(img, sigma, &mut scratch.blur, |row, blurred| {
            sharpen_bytes(row, blurred, gain, threshold);
        });
    }
}

/// The unsharp combine over whole rows, written branch-free so it vectorises; on x86-64 with
/// AVX2 a second copy compiled for AVX2 is chosen at run time (integer maths: same bytes).
fn sharpen_bytes(data: &mut [u8], blurred: &[u8], gain: i32, threshold: i32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { sharpen_avx2(data, blurred, gain, threshold) };
        return;
    }
    sharpen_impl(data, blurred, gain, threshold);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sharpen_avx2(data: &mut [u8], blurred: &[u8], gain: i32, threshold: i32) {
    sharpen_impl(data, blurred, gain, threshold);
}

#[inline(always)]
fn sharpen_impl(data: &mut [u8], blurred: &[u8], gain: i32, threshold: i32) {
    for (s, &b) in data.iter_mut().zip(blurred) {
        let src = i32::from(*s);
        let d = src - i32::from(b);
        let keep = i32::from(d.abs() > threshold);
        *s = (src + keep * ((d * gain + 128) >> 8)).clamp(0, 255) as u8;
    }
}

/// Applies `f` (on 0–255 values) to every colour channel through a lookup table.
#[must_use]
pub fn map_colors(mut img: Raster, f: impl Fn(f32) -> f32) -> Raster {
    let mut lut = [0u8; 256];
    for (i, v) in lut.iter_mut().enumerate() {
        *v = f(i as f32).round().clamp(0.0, 255.0) as u8;
    }
    if img.layout == Layout::Rgba {
        for px in img.data.chunks_exact_mut(4) {
            for v in &mut px[..3] {
                *v = lut[usize::from(*v)];
            }
        }
    } else {
        for v in &mut img.data {
            *v = lut[usize::from(*v)];
        }
    }
    img
}

/// Rec. 601 luma in 16-bit fixed point.
#[inline]
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((19_595 * u32::from(r) + 38_470 * u32::from(g) + 7_471 * u32::from(b) + 32_768) >> 16) as u8
}

/// Grayscale: RGB becomes a one-channel grey image; RGBA keeps its alpha.
#[must_use]
pub fn grayscale(img: Raster) -> Raster {
    match img.layout {
        Layout::Gray => img,
        Layout::Rgb => {
            let data = img
                .data
                .chunks_exact(3)
                .map(|p| luma(p[0], p[1], p[2]))
                .collect();
            Raster::from_vec(img.width, img.height, Layout::Gray, data)
        }
        Layout::Rgba => {
            let mut img = img;
            for p in img.data.chunks_exact_mut(4) {
                let y = luma(p[0], p[1], p[2]);
                p[..3].fill(y);
            }
            img
        }
    }
}

/// Applies a 3×3 colour matrix in 12-bit fixed point to every RGB(A) pixel.
fn color_matrix(img: Raster, m: [[f32; 3]; 3]) -> Raster {
    let mut img = img.to_color();
    let q: Vec<i32> = m
        .iter()
        .flatten()
        .map(|v| (v * 4096.0).round() as i32)
        .collect();
    let ch = img.layout.channels();
    for p in img.data.chunks_exact_mut(ch) {
        let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
        for c in 0..3 {
            let v = (q[c * 3] * r + q[c * 3 + 1] * g + q[c * 3 + 2] * b + 2048) >> 12;
            p[c] = v.clamp(0, 255) as u8;
        }
    }
    img
}

/// Saturation: 0 greys the photo, 1 keeps it, above 1 makes colours stronger.
#[must_use]
pub fn saturation(img: Raster, s: f32) -> Raster {
    if img.layout == Layout::Gray {
        return img;
    }
    let (lr, lg, lb) = (0.299, 0.587, 0.114);
    let row = |own: usize| {
        let mut r = [lr * (1.0 - s), lg * (1.0 - s), lb * (1.0 - s)];
        r[own] += s;
        r
    };
    color_matrix(img, [row(0), row(1), row(2)])
}

/// Sepia tone blended with the photo by `amount` (0–1); grey photos become colour.
#[must_use]
pub fn sepia(img: Raster, amount: f32) -> Raster {
    const SEPIA: [[f32; 3]; 3] = [
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
    ];
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            let identity = if i == j { 1.0 } else { 0.0 };
            *v = identity * (1.0 - amount) + SEPIA[i][j] * amount;
        }
    }
    color_matrix(img, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(layout: Layout, bytes: &[u8]) -> Raster {
        let n = bytes.len() / layout.channels();
        Raster::from_vec(n as u32, 1, layout, bytes.to_vec())
    }

    fn run(img: Raster, spec: &str) -> Raster {
        apply(img, &spec.parse().unwrap(), &mut FilterScratch::default())
    }

    #[test]
    fn point_filters_do_what_they_say() {
        let img = px(Layout::Rgb, &[100, 150, 200]);
        assert_eq!(run(img.clone(), "invert").data, [155, 105, 55]);
        assert_eq!(run(img.clone(), "brightness:1.5").data, [150, 225, 255]);
        assert_eq!(run(img.clone(), "contrast:2").data, [73, 173, 255]);
        let grey = run(img.clone(), "grayscale");
        assert_eq!(
            (grey.layout, grey.data.as_slice()),
            (Layout::Gray, &[141u8][..])
        );
        assert_eq!(run(img.clone(), "saturation:0").data, [141, 141, 141]);
        assert_eq!(run(img.clone(), "saturation:1").data, [100, 150, 200]);
        assert_eq!(run(img.clone(), "sepia:0").data, [100, 150, 200]);
        let sepia = run(img, "sepia");
        assert!(sepia.data[0] > sepia.data[1] && sepia.data[1] > sepia.data[2]);
    }

    #[test]
    fn alpha_is_never_filtered() {
        let img = px(Layout::Rgba, &[100, 150, 200, 7]);
        for spec in [
            "invert",
            "brightness:2",
            "grayscale",
            "sepia",
            "saturation:2",
            "unsharp",
        ] {
            assert_eq!(run(img.clone(), spec).data[3], 7, "{spec}");
        }
    }

    #[test]
    fn unsharp_raises_edge_contrast_and_leaves_flat_areas() {
        let mut img = Raster::filled(16, 3, Layout::Gray, 100);
        for row in img.data.chunks_exact_mut(16) {
            row[8..].fill(160);
        }
        let out = run(img.clone(), "unsharp:sigma=1,amount=1");
        let row = &out.data[16..32];
        assert_eq!(row[0], 100);
        assert_eq!(row[15], 160);
        assert!(row[7] < 100 && row[8] > 160, "{row:?}");
        let gentle = run(img.clone(), "unsharp:sigma=1,amount=1,threshold=255");
        assert_eq!(gentle, img, "a threshold of 255 changes nothing");
    }

    #[test]
    fn a_grey_photo_turns_colour_only_when_a_colour_filter_asks() {
        let g = px(Layout::Gray, &[90]);
        assert_eq!(run(g.clone(), "saturation:2").layout, Layout::Gray);
        assert_eq!(run(g, "sepia").layout, Layout::Rgb);
    }
}
