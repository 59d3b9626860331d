//! Encoding: a [`Raster`] to JPEG or PNG bytes, with the colour profile embedded.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use jpeg_encoder::{ColorType, Encoder};

use super::decode::ImageKind;
use super::raster::{Layout, Raster};
use crate::error::{one_line, ItemError};

/// Encodes `raster` as `kind`; JPEG uses `quality` (1–100). `icc` is embedded when given.
///
/// JPEG has no transparency, so RGBA is composited over white first.
pub fn encode(
    raster: &Raster,
    kind: ImageKind,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, ItemError> {
    match kind {
        ImageKind::Jpeg => encode_jpeg(raster, quality, icc),
        ImageKind::Png => encode_png(raster, icc),
    }
}

fn encode_jpeg(raster: &Raster, quality: u8, icc: Option<&[u8]>) -> Result<Vec<u8>, ItemError> {
    let too_big = |_| {
        ItemError::Encode(format!(
            "{}x{} is larger than JPEG allows (65535 pixels a side); use --format png or --resize",
            raster.width, raster.height
        ))
    };
    let width = u16::try_from(raster.width).map_err(too_big)?;
    let height = u16::try_from(raster.height).map_err(too_big)?;
    let flattened;
    let (data, color) = match raster.layout {
        Layout::Gray => (&raster.data, ColorType::Luma),
        Layout::Rgb => (&raster.data, ColorType::Rgb),
        Layout::Rgba => {
            flattened = over_white(&raster.data);
            (&flattened, ColorType::Rgb)
        }
    };
    let mut out = Vec::with_capacity(raster.data.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality.clamp(1, 100));
    if let Some(icc) = icc {
        encoder
            .add_icc_profile(icc)
            .map_err(|e| ItemError::Encode(format!("embedding the ICC profile: {e}")))?;
    }
    encoder
        .encode(data, width, height, color)
        .map_err(|e| ItemError::Encode(one_line(&e.to_string())))?;
    Ok(out)
}

/// Straight-alpha RGBA over a white background, to RGB.
fn over_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u32::from(px[3]);
        for &c in &px[..3] {
            out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    out
}

fn encode_png(raster: &Raster, icc: Option<&[u8]>) -> Result<Vec<u8>, ItemError> {
    let mut out = Vec::with_capacity(raster.data.len() / 2);
    let mut encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive);
    if let Some(icc) = icc {
        // PNG always accepts a profile; an error here would only mean "unsupported", never bad data.
        let _ = encoder.set_icc_profile(icc.to_vec());
    }
    let color = match raster.layout {
        Layout::Gray => ExtendedColorType::L8,
        Layout::Rgb => ExtendedColorType::Rgb8,
        Layout::Rgba => ExtendedColorType::Rgba8,
    };
    encoder
        .write_image(&raster.data, raster.width, raster.height, color)
        .map_err(|e| ItemError::Encode(one_line(&e.to_string())))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_become_white_in_jpeg() {
        assert_eq!(
            over_white(&[10, 20, 30, 0, 10, 20, 30, 255]),
            vec![255, 255, 255, 10, 20, 30]
        );
    }

    #[test]
    fn jpeg_refuses_sides_over_65535_with_a_hint() {
        let r = Raster::filled(70_000, 1, Layout::Gray, 0);
        let err = encode(&r, ImageKind::Jpeg, 85, None).unwrap_err();
        assert!(err.to_string().contains("--format png"), "{err}");
    }
}
