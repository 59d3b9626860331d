//! Lanczos3 resampling through `fast_image_resize` (SIMD), with a reusable resizer per worker.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions};

use super::raster::{Layout, Raster};

/// A Lanczos3 resizer that keeps its scratch buffers between images.
pub struct Resizer {
    inner: fast_image_resize::Resizer,
    options: ResizeOptions,
}

impl Default for Resizer {
    fn default() -> Self {
        Resizer {
            inner: fast_image_resize::Resizer::new(),
            // RGBA is premultiplied by alpha while resampling, so transparent edges don't bleed colour.
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        }
    }
}

impl Resizer {
    /// Resamples `src` to exactly `width × height` (both at least 1).
    #[must_use]
    pub fn resize(&mut self, src: &Raster, width: u32, height: u32) -> Raster {
        let pixel_type = match src.layout {
            Layout::Gray => PixelType::U8,
            Layout::Rgb => PixelType::U8x3,
            Layout::Rgba => PixelType::U8x4,
        };
        // u8 pixel types have no alignment requirement and the lengths are the raster's own.
        let src_view = ImageRef::new(src.width, src.height, &src.data, pixel_type)
            .expect("raster buffer matches its size");
        let mut dst = Image::new(width.max(1), height.max(1), pixel_type);
        self.inner
            .resize(&src_view, &mut dst, &self.options)
            .expect("source and destination share a pixel type");
        Raster::from_vec(dst.width(), dst.height(), src.layout, dst.into_vec())
    }
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
}
