//! fanlight's Lanczos3 resampler: `fast_image_resize` behind functions that take plain byte
//! buffers.
//!
//! `fast_image_resize::Resizer::resize` is generic, so its SIMD convolutions (for every pixel
//! type, whichever one is used) are compiled into the crate that calls it. Called from fanlight
//! itself, they were half of fanlight's machine code, compiled again for every change, twice per
//! `cargo test` (the library and its unit tests) and at fanlight's own `opt-level`. Behind this
//! crate's non-generic API they are compiled once, here, with the other dependencies.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions};

/// A Lanczos3 resizer for 8-bit pixels that keeps its scratch buffers between images.
pub struct Resizer {
    inner: fast_image_resize::Resizer,
    options: ResizeOptions,
}

impl Default for Resizer {
    fn default() -> Self {
        Resizer {
            inner: fast_image_resize::Resizer::new(),
            // RGBA is premultiplied by alpha while resampling, so transparent edges don't bleed
            // colour.
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        }
    }
}

/// An 8-bit image in a packed buffer (no padding between rows).
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (RGB) or 4 (RGBA, straight alpha).
    pub channels: u8,
    pub data: &'a [u8],
}

impl Resizer {
    /// Resamples `src`, or its region `[left, top, width, height]` (in source pixels, fractions
    /// allowed), to fill `dst`, a `dst_width × dst_height` packed buffer with `src`'s channels.
    ///
    /// # Panics
    /// When a buffer's length does not match its size, or `channels` is not 1, 3 or 4.
    pub fn resize(
        &mut self,
        src: View<'_>,
        region: Option<[f64; 4]>,
        dst: &mut [u8],
        dst_width: u32,
        dst_height: u32,
    ) {
        let pixel_type = match src.channels {
            1 => PixelType::U8,
            3 => PixelType::U8x3,
            4 => PixelType::U8x4,
            n => panic!("{n} channels: only 1, 3 and 4 are resampled"),
        };
        // u8 pixel types have no alignment requirement.
        let src_view = ImageRef::new(src.width, src.height, src.data, pixel_type)
            .expect("source buffer matches its size");
        let mut dst_view = Image::from_slice_u8(dst_width, dst_height, dst, pixel_type)
            .expect("destination buffer matches its size");
        let cropped;
        let options = match region {
            Some([left, top, width, height]) => {
                cropped = self.options.crop(left, top, width, height);
                &cropped
            }
            None => &self.options,
        };
        self.inner
            .resize(&src_view, &mut dst_view, options)
            .expect("source and destination share a pixel type");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_image_stays_flat_and_the_crop_picks_its_region() {
        let mut resizer = Resizer::default();
        // Left half black, right half white, 64×8. A region well inside either half comes out
        // flat: Lanczos3 at 4:1 reads 12 pixels about each output pixel, never the other half.
        let src: Vec<u8> = (0..64 * 8)
            .map(|i| if i % 64 < 32 { 0 } else { 255 })
            .collect();
        let view = View {
            width: 64,
            height: 8,
            channels: 1,
            data: &src,
        };
        let mut dst = vec![0u8; 4 * 2];
        resizer.resize(view, Some([48.0, 0.0, 16.0, 8.0]), &mut dst, 4, 2);
        assert!(dst.iter().all(|&v| v == 255), "{dst:?}");
        resizer.resize(view, Some([0.0, 0.0, 16.0, 8.0]), &mut dst, 4, 2);
        assert!(dst.iter().all(|&v| v == 0), "{dst:?}");
    }
}
