//! TIFF pages `image`'s decoder refuses, read with the `tiff` crate (already built for it): grey
//! with alpha, which scanners and archives write. (Palette pages are refused by the `tiff`
//! crate too, and stay unsupported.)

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, RgbaImage};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;
use tiff::ColorType;

use super::decode::{Decoded, ImageKind};
use crate::error::{one_line, ItemError};

/// Decodes the first page of a TIFF whose colour type `image` does not take: 8- and 16-bit grey
/// with alpha (made straight when it is premultiplied). `None` for any other page, which keeps
/// `image`'s own error.
pub(crate) fn decode(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<Option<(Decoded, Orientation)>, ItemError> {
    let damaged = |e: tiff::TiffError| ItemError::Damaged(one_line(&format!("TIFF: {e}")));
    // A file the tiff crate cannot open either keeps `image`'s error.
    let Ok(decoder) = Decoder::new(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let mut decoder = decoder.with_limits(Limits::unlimited());
    // Grey with one extra sample comes as "multiband" from the tiff crate.
    let depth = match decoder.colortype() {
        Ok(
            ColorType::GrayA(d)
            | ColorType::Multiband {
                bit_depth: d,
                num_samples: 2,
            },
        ) => d,
        _ => return Ok(None),
    };
    if !matches!(depth, 8 | 16) {
        return Ok(None);
    }
    // PhotometricInterpretation 0: white is zero, so the grey is inverted.
    let white_is_zero = decoder.get_tag_u32(Tag::PhotometricInterpretation).ok() == Some(0);
    let (width, height) = decoder.dimensions().map_err(damaged)?;
    super::decode::within_limit(width, height, max_pixels)?;
    let orientation = decoder
        .get_tag_u32(Tag::Orientation)
        .ok()
        .and_then(|o| Orientation::from_exif(u8::try_from(o).ok()?))
        .unwrap_or(Orientation::NoTransforms);
    let pixels = super::decode::no_panic(|| decoder.read_image().map_err(damaged))?;
    let short = || ItemError::Damaged("TIFF: the page holds fewer pixels than it declares".into());
    let count = width as usize * height as usize * 2;
    let mut samples: Vec<u8> = match pixels {
        DecodingResult::U8(samples) if depth == 8 => {
            samples.get(..count).ok_or_else(short)?.to_vec()
        }
        DecodingResult::U16(samples) if depth == 16 => samples
            .get(..count)
            .ok_or_else(short)?
            .iter()
            .map(|&v| ((u32::from(v) + 128) / 257) as u8)
            .collect(),
        _ => return Ok(None),
    };
    if white_is_zero {
        for grey in samples.iter_mut().step_by(2) {
            *grey = 255 - *grey;
        }
    }
    let mut image = grey_alpha(width, height, &samples)?;
    if super::decode::tiff_alpha_is_associated(bytes) {
        super::decode::unpremultiply(&mut image);
    }
    let turn = super::decode::upright_but_quarter_turn(&mut image, orientation);
    let decoded = Decoded {
        raster: super::decode::to_raster(image),
        kind: ImageKind::Tiff,
        icc: super::decode::tiff_icc(bytes),
        exif: None,
        xmp: None,
        stored_size: (width, height),
        full_size: (width, height),
        warning: super::sniff::extra_frames(bytes, ImageKind::Tiff),
    };
    Ok(Some((decoded, turn)))
}

/// Grey and alpha samples, 8 bits each, as RGBA (the raster has no grey + alpha layout).
fn grey_alpha(width: u32, height: u32, samples: &[u8]) -> Result<DynamicImage, ItemError> {
    let rgba: Vec<u8> = samples
        .chunks_exact(2)
        .flat_map(|p| [p[0], p[0], p[0], p[1]])
        .collect();
    RgbaImage::from_raw(width, height, rgba)
        .map(DynamicImage::ImageRgba8)
        .ok_or_else(|| {
            ItemError::Damaged("TIFF: the page holds fewer pixels than it declares".into())
        })
}
