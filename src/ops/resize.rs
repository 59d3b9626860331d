//! Lanczos3 resampling through `fast_image_resize` (SIMD, in the `fanlight-resize` crate), with a
//! reusable resizer per worker.

use super::geometry::Geometry;
use super::raster::{Layout, Raster};

/// A Lanczos3 resizer that keeps its scratch buffers between images.
#[derive(Default)]
pub struct Resizer {
    inner: fanlight_resize::Resizer,
}

impl Resizer {
    /// Resamples `src` to exactly `width × height` (both at least 1).
    #[must_use]
    pub fn resize(&mut self, src: &Raster, width: u32, height: u32) -> Raster {
        self.resample_region(src, None, width, height)
    }

    /// Applies `geometry` to `src` in one Lanczos3 pass: the source region is cropped and
    /// resampled together, then placed on a canvas of `background` when the geometry pads
    /// (`contain`). A region at its own size is copied, not resampled.
    ///
    /// The output is grey only when the photo and an opaque background are grey, and has an
    /// alpha channel when the photo or a padding background has one.
    #[must_use]
    pub fn resample(&mut self, src: &Raster, geometry: &Geometry, background: [u8; 4]) -> Raster {
        let [left, top, ..] = geometry.src;
        let (sw, sh) = geometry.scaled;
        let region = if !geometry.resamples() {
            crop(src, left as u32, top as u32, sw, sh)
        } else {
            self.resample_region(src, Some(geometry.src), sw, sh)
        };
        if geometry.canvas == geometry.scaled {
            return region;
        }
        pad(&region, geometry.canvas, geometry.offset, background)
    }

    /// `src` (or its `region`) resampled to `width × height` (at least 1×1), into a zeroed
    /// buffer from the shared pool.
    fn resample_region(
        &mut self,
        src: &Raster,
        region: Option<[f64; 4]>,
        width: u32,
        height: u32,
    ) -> Raster {
        let (width, height) = (width.max(1), height.max(1));
        let channels = src.layout.channels();
        let mut data = super::buffers::zeroed(width as usize * height as usize * channels);
        let view = fanlight_resize::View {
            width: src.width,
            height: src.height,
            channels: channels as u8,
            data: &src.data,
        };
        self.inner.resize(view, region, &mut data, width, height);
        Raster::from_vec(width, height, src.layout, data)
    }
}

/// The `width × height` region of `src` at `(left, top)`, copied row by row.
#[must_use]
pub fn crop(src: &Raster, left: u32, top: u32, width: u32, height: u32) -> Raster {
    if (left, top, width, height) == (0, 0, src.width, src.height) {
        return src.clone();
    }
    let ch = src.layout.channels();
    let row = width as usize * ch;
    let mut data = Vec::with_capacity(row * height as usize);
    for y in top..top + height {
        let start = y as usize * src.stride() + left as usize * ch;
        data.extend_from_slice(&src.data[start..start + row]);
    }
    Raster::from_vec(width, height, src.layout, data)
}

/// `img` placed at `offset` on a `canvas` filled with `background` (straight RGBA).
#[must_use]
pub fn pad(img: &Raster, canvas: (u32, u32), offset: (u32, u32), background: [u8; 4]) -> Raster {
    let [r, g, b, a] = background;
    let layout = if img.layout == Layout::Rgba || a < 255 {
        Layout::Rgba
    } else if img.layout == Layout::Gray && r == g && g == b {
        Layout::Gray
    } else {
        Layout::Rgb
    };
    let fill: &[u8] = match layout {
        Layout::Gray => &background[..1],
        Layout::Rgb => &background[..3],
        Layout::Rgba => &background,
    };
    let ch = layout.channels();
    let mut out = Raster::filled(canvas.0, canvas.1, layout, 0);
    for px in out.data.chunks_exact_mut(ch) {
        px.copy_from_slice(fill);
    }
    let stride = out.stride();
    let (w, h) = (
        img.width.min(canvas.0 - offset.0),
        img.height.min(canvas.1 - offset.1),
    );
    for y in 0..h as usize {
        let src = &img.data[y * img.stride()..][..w as usize * img.layout.channels()];
        let start = (y + offset.1 as usize) * stride + offset.0 as usize * ch;
        let dst = &mut out.data[start..start + w as usize * ch];
        match (img.layout, layout) {
            (a, b) if a == b => dst.copy_from_slice(src),
            (Layout::Gray, _) => {
                for (d, &v) in dst.chunks_exact_mut(ch).zip(src) {
                    d[..3].fill(v);
                    if ch == 4 {
                        d[3] = 255;
                    }
                }
            }
            (Layout::Rgb, _) => {
                for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(3)) {
                    d[..3].copy_from_slice(s);
                    d[3] = 255;
                }
            }
            (Layout::Rgba, _) => unreachable!("RGBA photos keep their layout"),
        }
    }
    out
}

/// Resamples `src` to `width × height` with a fresh resizer (see [`Resizer`] to reuse one).
#[must_use]
pub fn resize(src: &Raster, width: u32, height: u32) -> Raster {
    Resizer::default().resize(src, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_image_stays_flat_at_the_new_size() {
        let src = Raster::filled(300, 200, Layout::Rgb, 77);
        let out = resize(&src, 150, 100);
        assert_eq!((out.width, out.height, out.layout), (150, 100, Layout::Rgb));
        assert!(out.data.iter().all(|&v| v == 77));
    }

    #[test]
    fn padding_surrounds_the_picture_with_the_background() {
        let src = Raster::filled(2, 1, Layout::Gray, 50);
        let out = pad(&src, (4, 3), (1, 1), [200, 200, 200, 255]);
        assert_eq!(out.layout, Layout::Gray);
        assert_eq!(
            out.data,
            [200, 200, 200, 200, 200, 50, 50, 200, 200, 200, 200, 200]
        );
        let out = pad(&src, (3, 1), (0, 0), [0, 0, 0, 0]);
        assert_eq!(out.layout, Layout::Rgba);
        assert_eq!(out.data, [50, 50, 50, 255, 50, 50, 50, 255, 0, 0, 0, 0]);
        let red = pad(
            &Raster::filled(1, 1, Layout::Rgb, 9),
            (2, 1),
            (1, 0),
            [255, 0, 0, 255],
        );
        assert_eq!(red.data, [255, 0, 0, 9, 9, 9]);
    }

    #[test]
    fn a_crop_at_its_own_size_copies_the_pixels() {
        let mut src = Raster::filled(4, 4, Layout::Gray, 0);
        src.data = (0..16).collect();
        let g = Geometry {
            src: [1.0, 2.0, 2.0, 2.0],
            scaled: (2, 2),
            canvas: (2, 2),
            offset: (0, 0),
        };
        let out = Resizer::default().resample(&src, &g, [0; 4]);
        assert_eq!(out.data, [9, 10, 13, 14]);
    }
}
