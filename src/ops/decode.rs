//! Decoding: file bytes to an upright [`Raster`], with the colour profile kept and the size limit
//! checked from the header before any pixel is decoded.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::raster::{Layout, Raster};
use crate::error::{one_line, ItemError};

/// The formats fanlight reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP (read through image-webp, written through libwebp).
    Webp,
    /// AVIF (written only, with the `avif` cargo feature).
    Avif,
    /// GIF (read only: the first frame).
    Gif,
    /// TIFF (read only: the first page).
    Tiff,
    /// HEIF, as HEIC (HEVC-coded) photos (read only, through heifer).
    Heif,
    /// JPEG XL (read with the `jxl` cargo feature, through jxl-oxide).
    Jxl,
}

impl ImageKind {
    /// The usual file extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
            ImageKind::Avif => "avif",
            ImageKind::Gif => "gif",
            ImageKind::Tiff => "tif",
            ImageKind::Heif => "heic",
            ImageKind::Jxl => "jxl",
        }
    }

    /// The kind a file extension names, if any (case-insensitive).
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" | "jpe" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "webp" => Some(ImageKind::Webp),
            "avif" => Some(ImageKind::Avif),
            "gif" => Some(ImageKind::Gif),
            "tif" | "tiff" => Some(ImageKind::Tiff),
            "heic" | "heif" | "hif" => Some(ImageKind::Heif),
            "jxl" => Some(ImageKind::Jxl),
            _ => None,
        }
    }

    /// Whether fanlight decodes this kind (AVIF is written, not read; JPEG XL only with the
    /// `jxl` cargo feature, else it is recognised so that it fails as unsupported instead of
    /// as an unknown file).
    #[must_use]
    pub fn readable(self) -> bool {
        self != ImageKind::Avif && (self != ImageKind::Jxl || cfg!(feature = "jxl"))
    }

    /// The kind an output of this input kind is written as when the format stays the same:
    /// itself where fanlight writes it, else PNG for the lossless kinds (GIF, TIFF: graphics
    /// and scans) and JPEG for the photo codecs (HEIF, JPEG XL, and AVIF without the `avif`
    /// feature).
    #[must_use]
    pub fn writable(self) -> Self {
        match self {
            ImageKind::Jpeg | ImageKind::Png | ImageKind::Webp => self,
            ImageKind::Avif if cfg!(feature = "avif") => self,
            ImageKind::Gif | ImageKind::Tiff => ImageKind::Png,
            ImageKind::Avif | ImageKind::Heif | ImageKind::Jxl => ImageKind::Jpeg,
        }
    }
}

/// A decoded photo and what travels with it.
#[derive(Debug)]
pub struct Decoded {
    /// The pixels, already rotated upright by the EXIF orientation.
    pub raster: Raster,
    /// The format found in the bytes (not the extension).
    pub kind: ImageKind,
    /// The embedded ICC colour profile, carried to the output.
    pub icc: Option<Vec<u8>>,
    /// The EXIF block, bare TIFF with the orientation reset to 1 (the pixels are upright).
    pub exif: Option<Vec<u8>>,
    /// The XMP packet.
    pub xmp: Option<Vec<u8>>,
    /// Width and height as stored, before orientation.
    pub stored_size: (u32, u32),
    /// Set when a damaged image was accepted as the decoder's best effort (`lenient`): what
    /// was wrong with it.
    pub warning: Option<String>,
}

/// Decodes `bytes`; refuses images of more than `max_pixels` pixels before decoding them.
///
/// Damaged JPEGs (truncated, corrupt entropy data) are errors unless `lenient`, in which case
/// the decoder's best effort is accepted and [`Decoded::warning`] says what was wrong (most
/// tools accept such files silently).
pub fn decode(bytes: &[u8], max_pixels: u64, lenient: bool) -> Result<Decoded, ItemError> {
    let (mut decoded, turn) = decode_stored(bytes, max_pixels, lenient)?;
    super::orient::turn_in_place(&mut decoded.raster, turn);
    Ok(decoded)
}

/// [`decode`], except that a quarter turn (EXIF orientations 5–8) is not applied but returned, so
/// that the pipeline can turn the photo after resizing it, when it is smaller. Flips and the half
/// turn are applied (in place, cheaply); the orientation returned is then
/// [`Orientation::NoTransforms`].
pub fn decode_stored(
    bytes: &[u8],
    max_pixels: u64,
    lenient: bool,
) -> Result<(Decoded, Orientation), ItemError> {
    if bytes.is_empty() {
        return Err(ItemError::UnknownFormat("the file is empty".into()));
    }
    let kind = super::sniff::detect(bytes).ok_or_else(|| {
        ItemError::UnknownFormat("the content is not an image format fanlight reads".into())
    })?;
    let format =
        match kind {
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Webp => ImageFormat::WebP,
            ImageKind::Gif => ImageFormat::Gif,
            ImageKind::Tiff => ImageFormat::Tiff,
            ImageKind::Heif => return super::heif::decode(bytes, max_pixels, lenient),
            #[cfg(feature = "jxl")]
            ImageKind::Jxl => return super::jxl::decode(bytes, max_pixels, lenient),
            // Recognised, not read by this build.
            _ => {
                let (what, hint) = match kind {
                ImageKind::Jxl => (
                    "JPEG XL",
                    "rebuild fanlight with the jxl feature, or convert them to JPEG or PNG first",
                ),
                _ => ("AVIF", "convert them to JPEG or PNG with another tool first"),
            };
                return Err(ItemError::Unsupported {
                    what: format!("{what} files are not read by this fanlight"),
                    hint: hint.into(),
                });
            }
        };
    if kind == ImageKind::Jpeg {
        if let Some(what) = super::sniff::unsupported_jpeg(bytes) {
            return Err(ItemError::Unsupported {
                what,
                hint: "re-save it as a baseline 8-bit JPEG or a PNG with another tool".into(),
            });
        }
    }
    // A JPEG ends at the end-of-image marker after its last scan: what follows (a motion photo's
    // video, a second image, padding) is not part of the photo, and does not make it damaged.
    let (bytes, trailer) = match kind {
        ImageKind::Jpeg => {
            super::jpeg_end::jpeg_len(bytes).map_or((bytes, &[][..]), |len| bytes.split_at(len))
        }
        _ => (bytes, &[][..]),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // `max_pixels` (checked below, from the header) is the one size limit: image's default
    // 512 MiB allocation cap would refuse photos the user allowed.
    reader.no_limits();
    // A header that cannot be read is no `--lenient` case either: there is no best effort.
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| without_lenient_hint(decode_error(e)))?;
    let (width, height) = decoder.dimensions();
    let pixels = within_limit(width, height, max_pixels)?;
    if pixels == 0 {
        return Err(ItemError::Decode(
            "the header declares an empty image".into(),
        ));
    }
    let icc = decoder.icc_profile().ok().flatten();
    let exif = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .and_then(super::meta::normalize_exif);
    let xmp = decoder.xmp_metadata().ok().flatten();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut warning = super::sniff::extra_frames(bytes, kind);
    if !trailer.is_empty() && super::jpeg_end::is_motion_photo(xmp.as_deref(), trailer) {
        warning = Some(format!(
            "a motion photo: the still was written; its video ({} bytes after the image) was left out",
            trailer.len()
        ));
    }
    let mut image = match kind {
        ImageKind::Jpeg => match no_panic(|| decode_jpeg_strict(bytes)) {
            Ok(image) => image,
            Err(error) if lenient => {
                // Damage found: take the lenient decoder's best effort, and say so.
                let image = no_panic(|| DynamicImage::from_decoder(decoder).map_err(decode_error))?;
                warning = Some(match error {
                    ItemError::Decode(reason) => format!(
                        "best-effort decode: {reason} (the output was written from what \
                         could be decoded)"
                    ),
                    other => format!("best-effort decode: {other}"),
                });
                image
            }
            Err(error) => return Err(error),
        },
        // Only the JPEG decoder has a best effort to offer: damage elsewhere is no `--lenient` case.
        _ => no_panic(|| DynamicImage::from_decoder(decoder).map_err(decode_error))
            .map_err(without_lenient_hint)?,
    };
    if kind == ImageKind::Gif {
        // GIF decodes to RGBA; a frame without transparent pixels is written without alpha.
        image = drop_opaque_alpha(image);
    }
    let turn = if super::orient::is_quarter_turn(orientation) {
        orientation
    } else {
        image.apply_orientation(orientation);
        Orientation::NoTransforms
    };
    let decoded = Decoded {
        raster: to_raster(image),
        kind,
        icc,
        exif,
        xmp,
        stored_size: (width, height),
        warning,
    };
    Ok((decoded, turn))
}

/// The pixel count of a `width` × `height` image from its header, refused when it is over
/// `max_pixels` (fanlight's one size limit, checked before any pixel is decoded).
pub(crate) fn within_limit(width: u32, height: u32, max_pixels: u64) -> Result<u64, ItemError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ItemError::TooLarge {
            width,
            height,
            pixels,
            limit: max_pixels,
        });
    }
    Ok(pixels)
}

/// Runs a decoder, turning a panic inside it into a decode error: decoders have asserts that
/// crafted data can trip (fuzzing found one in zune-jpeg's AVX2 upsampler, reached by a damaged
/// progressive JPEG), and such a file is damaged, not a fanlight bug to report.
pub(crate) fn no_panic<T>(f: impl FnOnce() -> Result<T, ItemError>) -> Result<T, ItemError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(ItemError::Decode(
            "the decoder gave up on damaged image data".into(),
        ))
    })
}

/// Zero bytes put in place of a sequential JPEG's final marker: more than zune-jpeg reads ahead
/// (at most 8 bytes).
const READ_AHEAD_FILL: usize = 16;

/// JPEG pixels through zune-jpeg in strict mode: any damage in the data is an error.
fn decode_jpeg_strict(bytes: &[u8]) -> Result<DynamicImage, ItemError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;

    if !bytes.ends_with(&[0xFF, 0xD9]) && !has_eoi_near_end(bytes) {
        return Err(ItemError::Decode(
            "the JPEG is truncated (no end-of-image marker)".into(),
        ));
    }
    // zune-jpeg reads zero bits past a marker, so the entropy data of a sequential JPEG cut short
    // and closed with an end-of-image marker would decode, even in strict mode, as a silent flat
    // band; running out of bytes, by contrast, is caught ("premature end"). So a sequential
    // JPEG's final marker is replaced by zero bytes, more than the decoder reads ahead: a whole
    // image uses none of them (it read zero bits past the marker anyway), and a cut one runs out
    // just after them. (Merely dropping the marker is not enough: the read-ahead of a small whole
    // image would reach the end of the data and count as running out.) Progressive JPEGs keep
    // the marker (their last scan needs it to end cleanly), so a cut progressive JPEG closed
    // with a marker still decodes as a blurred band.
    // `max_pixels`, checked from the header, is fanlight's one size limit: zune-jpeg's own cap
    // of 16384 a side would refuse panoramas (20000x2500 is 50 MP).
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let headers = |bytes| {
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
        decoder
            .decode_headers()
            .map_err(|e| ItemError::Decode(one_line(&format!("{e:?}"))))?;
        Ok::<_, ItemError>(decoder)
    };
    // Headers are read once for the common, sequential case: from the unmarked copy, and again
    // from the file only when they say progressive.
    let mut unmarked = Vec::new();
    if let Some(data) = bytes.strip_suffix(&[0xFF, 0xD9]) {
        unmarked = super::buffers::zeroed(data.len() + READ_AHEAD_FILL);
        unmarked[..data.len()].copy_from_slice(data);
    }
    let mut decoder = headers(if unmarked.is_empty() {
        bytes
    } else {
        &unmarked
    })?;
    if !unmarked.is_empty() && decoder.info().is_some_and(|i| i.sof.is_progressive()) {
        decoder = headers(bytes)?;
    }
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
    let (w, h) = (w as u32, h as u32);
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

fn decode_error(err: image::ImageError) -> ItemError {
    match err {
        image::ImageError::Limits(e) => {
            ItemError::Decode(one_line(&format!("over the memory limit: {e}")))
        }
        image::ImageError::Unsupported(e) => ItemError::UnknownFormat(one_line(&e.to_string())),
        other => ItemError::Decode(one_line(&other.to_string())),
    }
}

/// A decode error as damage that `--lenient` cannot help with.
fn without_lenient_hint(error: ItemError) -> ItemError {
    match error {
        ItemError::Decode(reason) => ItemError::Damaged(reason),
        other => other,
    }
}

/// `image` without its alpha channel when every pixel is opaque.
fn drop_opaque_alpha(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgba8(rgba) if rgba.pixels().all(|p| p[3] == 255) => {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8())
        }
        other => other,
    }
}

/// Converts any decoded image to 8-bit grey, RGB or RGBA.
fn to_raster(image: DynamicImage) -> Raster {
    let (w, h) = (image.width(), image.height());
    match image {
        DynamicImage::ImageLuma8(b) => Raster::from_vec(w, h, Layout::Gray, b.into_raw()),
        DynamicImage::ImageRgb8(b) => Raster::from_vec(w, h, Layout::Rgb, b.into_raw()),
        DynamicImage::ImageRgba8(b) => Raster::from_vec(w, h, Layout::Rgba, b.into_raw()),
        DynamicImage::ImageLuma16(_) => {
            Raster::from_vec(w, h, Layout::Gray, image.to_luma8().into_raw())
        }
        other if other.color().has_alpha() => {
            Raster::from_vec(w, h, Layout::Rgba, other.to_rgba8().into_raw())
        }
        other => Raster::from_vec(w, h, Layout::Rgb, other.to_rgb8().into_raw()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sequential JPEG of `w × h`: flat grey or a gradient, in grey or colour, with standard
    /// or optimised Huffman tables (the smallest entropy data, where read-ahead matters most).
    fn jpeg(w: usize, h: usize, flat: bool, grey: bool, optimise: bool) -> Vec<u8> {
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
            .encode()
            .unwrap()
    }

    #[test]
    fn small_whole_jpegs_decode_strictly_as_they_are() {
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
                let strict = decode_jpeg_strict(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
                let reference = image::load_from_memory(&bytes).unwrap();
                assert_eq!(strict.as_bytes(), reference.as_bytes(), "{what}");
            }
        }
    }

    #[test]
    fn a_sequential_jpeg_cut_short_and_closed_with_its_marker_fails() {
        let whole = jpeg(96, 96, false, false, false);
        for cut in [whole.len() / 2, whole.len() * 9 / 10] {
            let closed = [&whole[..cut], &[0xFF, 0xD9][..]].concat();
            let err = decode_jpeg_strict(&closed).unwrap_err().to_string();
            assert!(err.contains("damaged"), "cut at {cut}: {err}");
        }
    }
}
