//! JPEG decoding through libjpeg-turbo-rs: the header and metadata read once, the pixels decoded
//! strictly, at 1/2, 1/4 or 1/8 of their size when the resize allows (DCT scaling), and, for
//! `lenient`, a damaged file's best effort through `image` (zune-jpeg).

use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat};
use libjpeg_turbo_rs::{DecodeLimits, Decoder, FrameHeader, JpegError, PixelFormat, ScalingFactor};

use super::budget::Budget;
use super::colour::{cmyk_to_srgb, cmyk_transform, is_cmyk, CmykTransform};
use super::decode::{
    decode_by_image, decode_error, image_reader, no_panic, to_raster, upright_but_quarter_turn,
    within_limit, without_lenient_hint, Decoded, ImageKind,
};
use crate::error::{one_line, ItemError};

/// Decodes a JPEG (see [`super::decode::decode_shrunk`]).
pub fn decode(
    bytes: &[u8],
    max_pixels: u64,
    lenient: bool,
    scale: &dyn Fn(u32, u32) -> u32,
    budget: Option<&Budget>,
) -> Result<(Decoded, Orientation), ItemError> {
    if let Some(what) = super::sniff::unsupported_jpeg(bytes) {
        return Err(ItemError::Unsupported {
            what,
            hint: "re-save it as a baseline 8-bit JPEG or a PNG with another tool".into(),
        });
    }
    // A JPEG ends at the end-of-image marker after its last scan: what follows (a motion photo's
    // video, a second image, padding) is not part of the photo, and does not make it damaged.
    let (bytes, trailer) =
        super::jpeg_end::jpeg_len(bytes).map_or((bytes, &[][..]), |len| bytes.split_at(len));
    // The markers only (for a progressive file, every scan's).
    let mut decoder = match no_panic(|| Decoder::new(bytes).map_err(damaged)) {
        Ok(decoder) => decoder,
        Err(error) => return unreadable_markers(bytes, max_pixels, lenient, error),
    };
    let header = decoder.header();
    let (width, height) = (u32::from(header.width), u32::from(header.height));
    let grey = header.components.len() == 1;
    if within_limit(width, height, max_pixels)? == 0 {
        return Err(ItemError::Decode(
            "the header declares an empty image".into(),
        ));
    }
    let mut icc = decoder.icc_profile().ok().flatten();
    let raw_exif = decoder.exif_data();
    let orientation = raw_exif
        .and_then(super::meta::exif_orientation)
        .unwrap_or(Orientation::NoTransforms);
    let exif = raw_exif
        .map(<[u8]>::to_vec)
        .and_then(super::meta::normalize_exif);
    let xmp = decoder.xmp_data().map(<[u8]>::to_vec);
    let mut warning = None;
    // A CMYK photo's inks are converted to sRGB through its profile, which then no longer
    // applies; without a usable one, the decoder's naive conversion stands.
    let mut cmyk = None;
    let mut unusable = false;
    if let Some(profile) = icc
        .as_deref()
        .filter(|p| header.components.len() == 4 && is_cmyk(p))
    {
        match cmyk_transform(profile) {
            Ok(transform) => {
                cmyk = Some(Cmyk {
                    transform,
                    inverted: super::sniff::jpeg_has_adobe_segment(bytes),
                });
            }
            Err(why) => {
                warning = Some(super::colour::unusable_cmyk_profile(&why));
                unusable = true;
            }
        }
    }
    if unusable {
        icc = None; // the warning says it was not used; it does not describe RGB pixels
    }
    if !trailer.is_empty() && super::jpeg_end::is_motion_photo(xmp.as_deref(), trailer) {
        warning = Some(format!(
            "a motion photo: the still was written; its video ({} bytes after the image) was left out",
            trailer.len()
        ));
    }
    let upright = if super::orient::is_quarter_turn(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    let denominator = scale(upright.0, upright.1);
    let own = (cmyk.is_none()).then_some(grey);
    let _permit =
        budget.map(|b| b.acquire(decode_memory(decoder.header(), bytes, own, denominator)));
    let out = match &cmyk {
        Some(cmyk) => Out::Cmyk(cmyk),
        None if grey => Out::Grey,
        None => Out::Rgb,
    };
    let mut image = match no_panic(|| strict_pixels(&mut decoder, bytes, out, denominator)) {
        Ok(image) => {
            if cmyk.is_some() {
                icc = None;
            }
            image
        }
        Err(error) if lenient => {
            // Damage found: take the lenient decoder's best effort, and say so.
            // Already lenient: a failure now gets no `--lenient` hint.
            let image = no_panic(|| best_effort(bytes)).map_err(without_lenient_hint)?;
            warning = Some(best_effort_warning(error));
            image
        }
        Err(error) => return Err(error),
    };
    let turn = upright_but_quarter_turn(&mut image, orientation);
    let decoded = Decoded {
        raster: to_raster(image),
        kind: ImageKind::Jpeg,
        icc,
        exif,
        xmp,
        stored_size: (width, height),
        // The header's size, whatever scale the pixels were decoded at (flips and the half turn
        // keep it; the quarter turn is left to the caller).
        full_size: (width, height),
        warning,
    };
    Ok((decoded, turn))
}

/// A CMYK JPEG's way to sRGB: its profile's transform, and whether its inks are stored
/// inverted (an Adobe segment, see [`super::sniff::jpeg_has_adobe_segment`]).
struct Cmyk {
    transform: CmykTransform,
    inverted: bool,
}

/// The pixels a strict decode gives.
#[derive(Clone, Copy)]
enum Out<'a> {
    Grey,
    Rgb,
    /// CMYK decoded as inks, then converted to sRGB through the profile.
    Cmyk(&'a Cmyk),
}

/// The memory a decode of this JPEG at 1/`denominator` holds at its peak, estimated from the
/// header: the file, the output frame, and either a progressive file's coefficients (the
/// compact store of [`super::jpeg_prog`] where it takes the file as grey or RGB, `own`; else the
/// full-resolution planes, 2 bytes a sample whatever the scale) or the component planes at the
/// decoded scale.
fn decode_memory(header: &FrameHeader, bytes: &[u8], own: Option<bool>, denominator: u32) -> u64 {
    let (w, h) = (u64::from(header.width), u64::from(header.height));
    let comps = &header.components;
    let hmax = comps
        .iter()
        .map(|c| c.horizontal_sampling)
        .max()
        .unwrap_or(1)
        .max(1);
    let vmax = comps
        .iter()
        .map(|c| c.vertical_sampling)
        .max()
        .unwrap_or(1)
        .max(1);
    let samples: u64 = comps
        .iter()
        .map(|c| {
            (w * u64::from(c.horizontal_sampling) / u64::from(hmax))
                * (h * u64::from(c.vertical_sampling) / u64::from(vmax))
        })
        .sum();
    let d2 = u64::from(denominator * denominator);
    // Grey, RGB, or CMYK inks and the sRGB pixels made from them.
    let channels = match comps.len() {
        1 => 1,
        4 => 4 + 3,
        _ => 3,
    };
    let work = if header.is_progressive {
        own.and_then(|grey| super::jpeg_prog::store_bytes(bytes, grey, denominator as usize))
            .unwrap_or(samples * 2)
    } else {
        samples / d2
    };
    bytes.len() as u64 + w * h * channels / d2 + work
}

/// A JPEG whose markers libjpeg-turbo-rs cannot read (data cut or corrupt inside them): the
/// lenient decoder may still make something of it, so that is the `--lenient` case when its
/// header reads, and damage beyond any best effort when not.
fn unreadable_markers(
    bytes: &[u8],
    max_pixels: u64,
    lenient: bool,
    error: ItemError,
) -> Result<(Decoded, Orientation), ItemError> {
    if !lenient {
        return Err(
            match image_reader(bytes, ImageFormat::Jpeg).into_decoder() {
                Ok(_) => error,
                Err(_) => without_lenient_hint(error),
            },
        );
    }
    // Already lenient: a failure now gets no `--lenient` hint.
    let (mut decoded, turn) =
        decode_by_image(bytes, ImageKind::Jpeg, ImageFormat::Jpeg, max_pixels)
            .map_err(without_lenient_hint)?;
    decoded.warning = Some(best_effort_warning(error));
    Ok((decoded, turn))
}

/// The warning of a JPEG decoded as the lenient decoder's best effort after `error`.
fn best_effort_warning(error: ItemError) -> String {
    match error {
        ItemError::Decode(reason) => format!(
            "best-effort decode: {reason} (the output was written from what could be decoded)"
        ),
        other => format!("best-effort decode: {other}"),
    }
}

/// The pixels, strictly, at 1/`denominator`: a sequential JPEG decoded in full goes through
/// zune-jpeg, which writes straight into the pooled frame buffer; libjpeg-turbo-rs allocates
/// whole component planes per photo, which inside fanlight (frame-sized allocations are fresh
/// mappings, see DESIGN.md "Memory") doubled the page faults and made the J1 web export about
/// 10% slower. Scaled decodes (small planes) and progressive files (libjpeg-turbo-rs is faster on
/// them, and fails one cut short and closed with a marker, which zune-jpeg accepts) and
/// arithmetic-coded files (zune-jpeg has no arithmetic decoder) and CMYK with a profile (its
/// inks, which zune-jpeg does not give) go through libjpeg-turbo-rs. Two scaled cases try
/// fanlight's own decode first, each libjpeg-turbo-rs's pixels byte for byte, and each leaving
/// anything it does not take, damage included, to libjpeg-turbo-rs: a sequential file at 1/2
/// ([`super::jpeg_half`], a vector IDCT) and a progressive one at 1/2, 1/4 or 1/8
/// ([`super::jpeg_prog`], only the coefficients those scales read).
/// Either way, a file with no end-of-image marker near its end is refused first, as truncated.
fn strict_pixels(
    decoder: &mut Decoder,
    bytes: &[u8],
    out: Out,
    denominator: u32,
) -> Result<DynamicImage, ItemError> {
    if !bytes.ends_with(&[0xFF, 0xD9]) && !has_eoi_near_end(bytes) {
        return Err(ItemError::Decode(
            "the JPEG is truncated (no end-of-image marker)".into(),
        ));
    }
    let progressive = decoder.header().is_progressive;
    let huffman = !super::sniff::jpeg_is_arithmetic(bytes);
    if denominator == 1 && huffman && !progressive && !matches!(out, Out::Cmyk(_)) {
        return sequential_pixels(bytes);
    }
    // The scaled decodes fanlight does itself, byte for byte as libjpeg-turbo-rs would; each
    // leaves what it does not take to libjpeg-turbo-rs.
    let grey = match out {
        Out::Grey => Some(true),
        Out::Rgb => Some(false),
        Out::Cmyk(_) => None,
    };
    let own = grey.filter(|_| huffman).and_then(|grey| match denominator {
        2 if !progressive => super::jpeg_half::decode(bytes, grey),
        2 | 4 | 8 if progressive => super::jpeg_prog::decode(bytes, grey, denominator as usize),
        _ => None,
    });
    match own {
        Some(scaled) => frame_image(
            scaled.width,
            scaled.height,
            matches!(out, Out::Grey),
            scaled.samples,
        ),
        None => pixels(decoder, out, denominator),
    }
}

/// Zero bytes put in place of a sequential JPEG's final marker: more than zune-jpeg reads ahead
/// (at most 8 bytes).
const READ_AHEAD_FILL: usize = 16;

/// A sequential JPEG's pixels through zune-jpeg in strict mode, in full.
///
/// zune-jpeg reads zero bits past a marker, so the entropy data of a sequential JPEG cut short
/// and closed with an end-of-image marker would decode, even in strict mode, as a silent flat
/// band; running out of bytes, by contrast, is caught ("premature end"). So the final marker is
/// replaced by zero bytes, more than the decoder reads ahead: a whole image uses none of them (it
/// read zero bits past the marker anyway), and a cut one runs out just after them. (Merely
/// dropping the marker is not enough: the read-ahead of a small whole image would reach the end
/// of the data and count as running out.)
fn sequential_pixels(bytes: &[u8]) -> Result<DynamicImage, ItemError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;

    // `max_pixels`, checked from the header, is fanlight's one size limit: zune-jpeg's own cap
    // of 16384 a side would refuse panoramas (20000x2500 is 50 MP).
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut unmarked = Vec::new();
    if let Some(data) = bytes.strip_suffix(&[0xFF, 0xD9]) {
        unmarked = super::buffers::zeroed(data.len() + READ_AHEAD_FILL);
        unmarked[..data.len()].copy_from_slice(data);
    }
    let source = if unmarked.is_empty() {
        bytes
    } else {
        &unmarked
    };
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(source), options);
    decoder
        .decode_headers()
        .map_err(|e| ItemError::Decode(one_line(&format!("{e:?}"))))?;
    let grey = decoder.input_colorspace() == Some(ColorSpace::Luma);
    let out = if grey {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    decoder.set_options(options.jpeg_set_out_colorspace(out));
    let (w, h) = decoder
        .dimensions()
        .ok_or_else(|| ItemError::Decode("no frame header".into()))?;
    let len = decoder
        .output_buffer_size()
        .ok_or_else(|| ItemError::Decode("no frame header".into()))?;
    let mut pixels = super::buffers::zeroed(len);
    let decoded = decoder.decode_into(&mut pixels);
    drop(decoder);
    super::buffers::recycle(unmarked);
    if let Err(e) = decoded {
        super::buffers::recycle(pixels);
        return Err(ItemError::Decode(one_line(&format!(
            "the image data is damaged: {e:?}"
        ))));
    }
    frame_image(w as u32, h as u32, grey, pixels)
}

fn damaged(e: JpegError) -> ItemError {
    ItemError::Decode(one_line(&format!("the image data is damaged: {e}")))
}

/// A damaged JPEG's pixels as far as `image`'s lenient decoder gets.
fn best_effort(bytes: &[u8]) -> Result<DynamicImage, ItemError> {
    let decoder = image_reader(bytes, ImageFormat::Jpeg)
        .into_decoder()
        .map_err(decode_error)?;
    DynamicImage::from_decoder(decoder).map_err(decode_error)
}

/// JPEG pixels through libjpeg-turbo-rs, strictly (any damage in the data is an error), at
/// 1/`denominator` of the stored size (1, 2, 4 or 8: DCT scaling, which skips the work for detail
/// the resize would throw away).
///
/// Strictness (beside [`strict_pixels`]' end-marker check): data that runs out before the last
/// block (a file cut short, even when closed with a marker,
/// sequential or progressive) is an error from the decoder; and every warning it reports (a
/// corrupt Huffman code, extraneous bytes between markers) is taken as damage.
fn pixels(decoder: &mut Decoder, out: Out, denominator: u32) -> Result<DynamicImage, ItemError> {
    decoder.set_stop_on_warning(true);
    // `max_pixels`, checked from the header, is fanlight's one size limit; the decoder's own
    // caps (65500 a side) stay only as the format's limit.
    decoder.set_limits(DecodeLimits {
        max_pixels: u64::MAX,
        ..DecodeLimits::default()
    });
    decoder.set_output_format(match out {
        Out::Grey => PixelFormat::Grayscale,
        Out::Rgb => PixelFormat::Rgb,
        Out::Cmyk(_) => PixelFormat::Cmyk,
    });
    if denominator > 1 {
        decoder.set_scale(ScalingFactor::try_new(1, denominator).map_err(damaged)?);
    }
    let len = decoder.output_buffer_size().map_err(damaged)?;
    let mut pixels = super::buffers::zeroed(len);
    let info = match decoder.decode_image_into(&mut pixels) {
        Ok(info) => info,
        Err(e) => {
            super::buffers::recycle(pixels);
            return Err(damaged(e));
        }
    };
    pixels.truncate(info.bytes_written);
    let (w, h) = (info.width as u32, info.height as u32);
    match out {
        Out::Grey => frame_image(w, h, true, pixels),
        Out::Rgb => frame_image(w, h, false, pixels),
        Out::Cmyk(cmyk) => {
            if cmyk.inverted {
                for ink in &mut pixels {
                    *ink = 255 - *ink;
                }
            }
            let rgb = cmyk_to_srgb(&pixels, &cmyk.transform);
            super::buffers::recycle(pixels);
            frame_image(w, h, false, rgb?)
        }
    }
}

/// libjpeg-turbo-rs's strict decode of `bytes` at 1/`denominator`, exactly as [`pixels`] drives
/// it for the files [`super::jpeg_half`] leaves to it: `(width, height, samples)`. The oracle
/// the 1/2 path is tested and fuzzed against.
#[cfg(any(test, fuzzing))]
pub(crate) fn by_libjpeg_turbo(
    bytes: &[u8],
    grey: bool,
    denominator: u32,
) -> Result<(u32, u32, Vec<u8>), ItemError> {
    let mut decoder = Decoder::new(bytes).map_err(damaged)?;
    let out = if grey { Out::Grey } else { Out::Rgb };
    let image = pixels(&mut decoder, out, denominator)?;
    Ok((image.width(), image.height(), image.into_bytes()))
}

/// A decoder's grey or RGB output as an image of `w × h`.
fn frame_image(w: u32, h: u32, grey: bool, pixels: Vec<u8>) -> Result<DynamicImage, ItemError> {
    let image = if grey {
        image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
    };
    image.ok_or_else(|| ItemError::Decode("decoded size does not match the header".into()))
}

/// Some writers pad after the end-of-image marker; accept it within the last 4 KiB.
fn has_eoi_near_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG of `w × h`: flat grey or a gradient, in grey or colour, with standard or
    /// optimised Huffman tables (the smallest entropy data, where read-ahead matters most),
    /// sequential or progressive.
    fn jpeg(w: usize, h: usize, flat: bool, grey: bool, optimise: bool) -> Vec<u8> {
        encode_jpeg(w, h, flat, grey, optimise, false)
    }

    fn encode_jpeg(
        w: usize,
        h: usize,
        flat: bool,
        grey: bool,
        optimise: bool,
        progressive: bool,
    ) -> Vec<u8> {
        use libjpeg_turbo_rs::{Encoder, PixelFormat};
        let ch = if grey { 1 } else { 3 };
        let pixels: Vec<u8> = (0..w * h * ch)
            .map(|i| if flat { 128 } else { (i * 7 % 251) as u8 })
            .collect();
        let format = if grey {
            PixelFormat::Grayscale
        } else {
            PixelFormat::Rgb
        };
        Encoder::new(&pixels, w, h, format)
            .quality(75)
            .optimize_huffman(optimise)
            .progressive(progressive)
            .encode()
            .unwrap()
    }

    /// The pixels of `bytes` decoded strictly at 1/`d`.
    fn strict(bytes: &[u8], d: u32) -> Result<DynamicImage, ItemError> {
        let mut decoder = Decoder::new(bytes).map_err(damaged)?;
        let out = if decoder.header().components.len() == 1 {
            Out::Grey
        } else {
            Out::Rgb
        };
        strict_pixels(&mut decoder, bytes, out, d)
    }

    /// The mean absolute difference of two equal-length pixel buffers.
    fn mean_diff(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        let sum: u64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| u64::from(x.abs_diff(y)))
            .sum();
        sum as f64 / a.len() as f64
    }

    #[test]
    fn small_whole_jpegs_decode_strictly_as_another_decoder_sees_them() {
        for (w, h) in [
            (1, 9),
            (8, 16),
            (16, 17),
            (24, 9),
            (33, 40),
            (64, 16),
            (100, 33),
        ] {
            for (flat, grey, optimise) in [
                (true, false, false),
                (true, false, true),
                (true, true, true),
                (false, false, true),
                (false, true, false),
            ] {
                let bytes = jpeg(w, h, flat, grey, optimise);
                let what = format!("{w}x{h} flat {flat} grey {grey} optimised {optimise}");
                let strict = strict(&bytes, 1).unwrap_or_else(|e| panic!("{what}: {e}"));
                // zune-jpeg, through `image`: the IDCT and chroma upsampling round differently.
                let reference = image::load_from_memory(&bytes).unwrap();
                assert_eq!(strict.color(), reference.color(), "{what}");
                let diff = mean_diff(strict.as_bytes(), reference.as_bytes());
                assert!(diff < 1.5, "{what}: mean difference {diff:.2}");
            }
        }
    }

    #[test]
    fn a_jpeg_shrunk_on_load_is_the_whole_photo_at_the_dct_scale() {
        let bytes = encode_jpeg(203, 97, false, false, true, false);
        let full = strict(&bytes, 1).unwrap();
        for d in [2, 4, 8] {
            let small = strict(&bytes, d).unwrap();
            assert_eq!(
                (small.width(), small.height()),
                (203u32.div_ceil(d), 97u32.div_ceil(d)),
                "1/{d}"
            );
            // The same picture: close to the full decode resampled to that size.
            let resampled = image::imageops::resize(
                &full.to_rgb8(),
                small.width(),
                small.height(),
                image::imageops::FilterType::Triangle,
            );
            let diff = mean_diff(small.as_bytes(), resampled.as_raw());
            assert!(diff < 40.0, "1/{d}: mean difference {diff:.1}");
        }
    }

    #[test]
    fn a_jpeg_cut_short_and_closed_with_its_marker_fails() {
        for progressive in [false, true] {
            let whole = encode_jpeg(96, 96, false, false, false, progressive);
            for cut in [whole.len() / 2, whole.len() * 9 / 10] {
                let closed = [&whole[..cut], &[0xFF, 0xD9][..]].concat();
                for d in [1, 8] {
                    let err = strict(&closed, d).unwrap_err().to_string();
                    assert!(
                        err.contains("damaged"),
                        "progressive {progressive}, cut at {cut}, 1/{d}: {err}"
                    );
                }
            }
        }
    }
}
