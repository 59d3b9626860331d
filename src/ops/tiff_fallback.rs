//! TIFF pages `image`'s decoder refuses, read with the `tiff` crate (already built for it): grey
//! with alpha, which scanners and archives write, and palette (indexed colour) pages, which the
//! `tiff` crate refuses too but reads as grey indices once the page is called grey.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, RgbaImage};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;
use tiff::ColorType;

use super::decode::{Decoded, ImageKind};
use crate::error::{one_line, ItemError};

/// Decodes the first page of a TIFF whose colour type `image` does not take: 8- and 16-bit grey
/// with alpha (made straight when it is premultiplied) and 1- to 16-bit palette pages. `None` for
/// any other page, which keeps `image`'s own error.
pub(crate) fn decode(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<Option<(Decoded, Orientation)>, ItemError> {
    // A file the tiff crate cannot open either keeps `image`'s error.
    let Ok(decoder) = Decoder::new(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let mut decoder = decoder.with_limits(Limits::unlimited());
    let photometric = decoder.get_tag_u32(Tag::PhotometricInterpretation).ok();
    if photometric == Some(PALETTE) {
        return palette(bytes, max_pixels);
    }
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
    let white_is_zero = photometric == Some(0);
    let (width, height) = decoder.dimensions().map_err(damaged)?;
    super::decode::within_limit(width, height, max_pixels)?;
    let orientation = orientation(&mut decoder);
    let associated = super::decode::page_alpha_is_associated(&mut decoder);
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
    if associated {
        super::decode::unpremultiply(&mut image);
    }
    Ok(Some(finish(bytes, image, (width, height), orientation)))
}

/// A `tiff` crate error on a page it opened: damage.
fn damaged(e: tiff::TiffError) -> ItemError {
    ItemError::Damaged(one_line(&format!("TIFF: {e}")))
}

/// The first page's orientation, from its tag.
fn orientation(decoder: &mut Decoder<Cursor<&[u8]>>) -> Orientation {
    decoder
        .get_tag_u32(Tag::Orientation)
        .ok()
        .and_then(|o| Orientation::from_exif(u8::try_from(o).ok()?))
        .unwrap_or(Orientation::NoTransforms)
}

/// The decoded page, upright but for a quarter turn, with the file's ICC profile.
fn finish(
    bytes: &[u8],
    mut image: DynamicImage,
    size: (u32, u32),
    orientation: Orientation,
) -> (Decoded, Orientation) {
    let turn = super::decode::upright_but_quarter_turn(&mut image, orientation);
    let decoded = Decoded {
        raster: super::decode::to_raster(image),
        kind: ImageKind::Tiff,
        icc: super::decode::tiff_icc(bytes),
        exif: None,
        xmp: None,
        stored_size: size,
        full_size: size,
        warning: super::sniff::extra_frames(bytes, ImageKind::Tiff),
    };
    (decoded, turn)
}

/// PhotometricInterpretation 3: each sample an index into the page's `ColorMap`.
const PALETTE: u32 = 3;

/// A palette page: the tiff crate refuses it, so a copy of the file whose first page calls
/// itself grey (BlackIsZero) is read for the indices, and each is looked up in the `ColorMap`
/// (all reds, then all greens, then all blues, 16 bits each).
fn palette(bytes: &[u8], max_pixels: u64) -> Result<Option<(Decoded, Orientation)>, ItemError> {
    let Some(grey) = with_photometric(bytes, 1) else {
        return Ok(None);
    };
    let mut decoder = Decoder::new(Cursor::new(grey.as_slice()))
        .map_err(damaged)?
        .with_limits(Limits::unlimited());
    // One sample a pixel: a palette page with extra samples (alpha) keeps `image`'s error.
    let bits = match decoder.colortype() {
        Ok(ColorType::Gray(bits @ (1 | 2 | 4 | 8 | 16))) => bits,
        _ => return Ok(None),
    };
    let (width, height) = decoder.dimensions().map_err(damaged)?;
    super::decode::within_limit(width, height, max_pixels)?;
    let map = decoder.get_tag_u16_vec(Tag::ColorMap).map_err(damaged)?;
    let entries = 1usize << bits;
    if map.len() != 3 * entries {
        return Err(ItemError::Damaged(format!(
            "TIFF: the palette holds {} values where {}-bit indices need {}",
            map.len(),
            bits,
            3 * entries
        )));
    }
    let colour =
        |i: usize, channel: usize| ((u32::from(map[channel * entries + i]) + 128) / 257) as u8;
    let orientation = orientation(&mut decoder);
    let pixels = super::decode::no_panic(|| decoder.read_image().map_err(damaged))?;
    let short = || ItemError::Damaged("TIFF: the page holds fewer pixels than it declares".into());
    let (w, h) = (width as usize, height as usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    match pixels {
        DecodingResult::U16(indices) if bits == 16 => {
            for &i in indices.get(..w * h).ok_or_else(short)? {
                rgb.extend((0..3).map(|c| colour(usize::from(i), c)));
            }
        }
        DecodingResult::U8(packed) => {
            // Rows of packed indices, each starting on a byte.
            let bits = usize::from(bits);
            let stride = (w * bits).div_ceil(8);
            let rows = packed.get(..stride * h).ok_or_else(short)?;
            for row in rows.chunks_exact(stride) {
                for x in 0..w {
                    let at = x * bits;
                    let shift = 8 - bits - at % 8;
                    let i = usize::from(row[at / 8] >> shift) & (entries - 1);
                    rgb.extend((0..3).map(|c| colour(i, c)));
                }
            }
        }
        _ => return Ok(None),
    }
    let image = RgbImage::from_raw(width, height, rgb)
        .map(DynamicImage::ImageRgb8)
        .ok_or_else(short)?;
    Ok(Some(finish(bytes, image, (width, height), orientation)))
}

/// A copy of a TIFF whose first page's PhotometricInterpretation is `value`, or `None` when the
/// tag is not found where TIFF (or BigTIFF) puts it, inline in the page's directory.
fn with_photometric(bytes: &[u8], value: u16) -> Option<Vec<u8>> {
    let numbers = super::meta::TiffNumbers::new(bytes)?;
    let u16_at = |at| numbers.u16(at);
    let u32_at = |at| numbers.u32(at);
    let u64_at = |at| numbers.u64(at);
    // Classic TIFF: a 2-byte count, 12-byte entries; BigTIFF: an 8-byte count, 20-byte entries.
    let (count, first, entry) = match u16_at(2)? {
        42 => {
            let ifd = usize::try_from(u32_at(4)?).ok()?;
            (usize::from(u16_at(ifd)?), ifd + 2, 12)
        }
        43 => {
            let ifd = usize::try_from(u64_at(8)?).ok()?;
            (usize::try_from(u64_at(ifd)?).ok()?, ifd + 8, 20)
        }
        _ => return None,
    };
    let at = (0..count.min(4096))
        .map(|n| first + n * entry)
        .find(|&at| u16_at(at) == Some(262))?;
    // Type SHORT (3), one value, held in the entry's value field.
    if u16_at(at + 2)? != 3 {
        return None;
    }
    let value_at = at + if entry == 12 { 8 } else { 12 };
    let mut copy = bytes.to_vec();
    let value = if bytes.starts_with(b"II") {
        value.to_le_bytes()
    } else {
        value.to_be_bytes()
    };
    copy.get_mut(value_at..value_at + 2)?
        .copy_from_slice(&value);
    Some(copy)
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
