//! Blending a watermark into a photo, touching only its box: a coverage mask of one colour
//! (text), or an RGBA image (a logo).

use super::raster::{Layout, Raster};
use super::text::Mask;

/// Opacity (0–1) as a weight on a 0..=256 scale.
fn weight(opacity: f32) -> u32 {
    (opacity.clamp(0.0, 1.0) * 256.0).round() as u32
}

/// The part of a `w`×`h` box at `(x, y)` that lies inside `img`: its first column and row, the
/// row after its last, and its width in pixels; `None` when nothing of it is inside.
fn clip(img: &Raster, x: i64, y: i64, w: u32, h: u32) -> Option<(i64, i64, i64, usize)> {
    let (x0, y0) = (x.max(0), y.max(0));
    let x1 = (x + i64::from(w)).min(i64::from(img.width));
    let y1 = (y + i64::from(h)).min(i64::from(img.height));
    (x0 < x1 && y0 < y1).then(|| (x0, y0, y1, (x1 - x0) as usize))
}

/// Channel value `c` of a straight-alpha pixel with `alpha`, composited over white (rounded).
#[must_use]
pub fn over_white(c: u8, alpha: u8) -> u8 {
    let a = u32::from(alpha);
    ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Blends `color` through `mask` at `opacity` (0–1) into `img`, with the mask's top-left corner at
/// `(x, y)`; parts outside the photo are clipped. A grey photo stays grey only when the colour is
/// grey: otherwise the caller should convert it to colour first.
pub fn blend_mask(img: &mut Raster, mask: &Mask, x: i64, y: i64, color: [u8; 3], opacity: f32) {
    let opacity = weight(opacity);
    let Some((x0, y0, y1, span)) = clip(img, x, y, mask.width, mask.height) else {
        return;
    };
    if opacity == 0 {
        return;
    }
    let ch = img.layout.channels();
    let color_ch = img.layout.color_channels();
    let stride = img.stride();
    for py in y0..y1 {
        let mrow = (py - y) as usize * mask.width as usize + (x0 - x) as usize;
        let coverage = &mask.alpha[mrow..mrow + span];
        let start = py as usize * stride + x0 as usize * ch;
        let row = &mut img.data[start..start + span * ch];
        for (px, &cov) in row.chunks_exact_mut(ch).zip(coverage) {
            // Weight on a 0..=256 scale so full coverage at full opacity gives exactly the colour.
            let a = (u32::from(cov) * opacity + 127) / 255;
            if a == 0 {
                continue;
            }
            for c in 0..color_ch {
                let src = u32::from(px[c]);
                let target = u32::from(if img.layout == Layout::Gray {
                    color[0]
                } else {
                    color[c]
                });
                px[c] = ((src * (256 - a) + target * a + 128) >> 8) as u8;
            }
        }
    }
}

/// Blends an RGBA `mark` (straight alpha) at `opacity` (0–1) into `img`, with its top-left
/// corner at `(x, y)`; parts outside the photo are clipped and the photo's own alpha is kept. A
/// grey photo takes the mark's red channel: convert it to colour first unless the mark is grey.
pub fn blend_image(img: &mut Raster, mark: &Raster, x: i64, y: i64, opacity: f32) {
    assert_eq!(mark.layout, Layout::Rgba, "a watermark image is RGBA");
    let opacity = weight(opacity);
    let Some((x0, y0, y1, span)) = clip(img, x, y, mark.width, mark.height) else {
        return;
    };
    if opacity == 0 {
        return;
    }
    let ch = img.layout.channels();
    let color_ch = img.layout.color_channels();
    let stride = img.stride();
    for py in y0..y1 {
        let mstart = ((py - y) as usize * mark.width as usize + (x0 - x) as usize) * 4;
        let mrow = &mark.data[mstart..mstart + span * 4];
        let start = py as usize * stride + x0 as usize * ch;
        let row = &mut img.data[start..start + span * ch];
        for (px, m) in row.chunks_exact_mut(ch).zip(mrow.chunks_exact(4)) {
            // The same 0..=256 weights as `blend_mask`.
            let a = (u32::from(m[3]) * opacity + 127) / 255;
            if a == 0 {
                continue;
            }
            for c in 0..color_ch {
                let src = u32::from(px[c]);
                px[c] = ((src * (256 - a) + u32::from(m[c]) * a + 128) >> 8) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(w: u32, h: u32, v: u8) -> Mask {
        Mask {
            width: w,
            height: h,
            alpha: vec![v; (w * h) as usize],
        }
    }

    #[test]
    fn full_cover_at_full_opacity_paints_the_colour_only_inside_the_box() {
        let mut img = Raster::filled(10, 10, Layout::Rgb, 0);
        blend_mask(&mut img, &mask(3, 2, 255), 4, 5, [255, 128, 0], 1.0);
        assert_eq!(img.pixel(4, 5), [255, 128, 0]);
        assert_eq!(img.pixel(6, 6), [255, 128, 0]);
        assert_eq!(img.pixel(7, 6), [0, 0, 0]);
        assert_eq!(img.pixel(4, 7), [0, 0, 0]);
    }

    #[test]
    fn half_opacity_is_half_way_and_clipping_is_safe() {
        let mut img = Raster::filled(4, 4, Layout::Rgba, 0);
        blend_mask(&mut img, &mask(10, 10, 255), -3, -3, [200, 200, 200], 0.5);
        assert_eq!(img.pixel(0, 0), [100, 100, 100, 0], "alpha untouched");
        assert_eq!(img.pixel(3, 3), [100, 100, 100, 0]);
        let mut img = Raster::filled(4, 4, Layout::Gray, 0);
        blend_mask(&mut img, &mask(2, 2, 255), 10, 10, [255, 255, 255], 1.0);
        assert!(img.data.iter().all(|&v| v == 0));
    }

    #[test]
    fn an_image_mark_blends_by_its_alpha_times_the_opacity() {
        let mut img = Raster::filled(4, 1, Layout::Rgb, 0);
        let mut mark = Raster::filled(3, 1, Layout::Rgba, 200);
        // Opaque, transparent, half.
        mark.data[3] = 255;
        mark.data[7] = 0;
        mark.data[11] = 128;
        blend_image(&mut img, &mark, 1, 0, 1.0);
        assert_eq!(img.pixel(0, 0), [0, 0, 0]);
        assert_eq!(img.pixel(1, 0), [200, 200, 200]);
        assert_eq!(img.pixel(2, 0), [0, 0, 0]);
        // Alpha 128 of 255 weighs 129 of 256.
        assert_eq!(img.pixel(3, 0), [101, 101, 101]);
        let mut img = Raster::filled(1, 1, Layout::Rgba, 0);
        blend_image(&mut img, &mark, 0, 0, 0.5);
        assert_eq!(img.pixel(0, 0), [100, 100, 100, 0], "alpha untouched");
        blend_image(&mut img, &mark, -5, 0, 1.0);
        assert_eq!(img.pixel(0, 0), [100, 100, 100, 0], "clipped away");
    }
}
