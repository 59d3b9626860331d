//! Decoding: file bytes to an upright [`Raster`], with the colour profile kept and the size limit
//! checked from the header before any pixel is decoded.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::budget::Budget;
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
    /// AVIF (read with the `avif-read` cargo feature, on by default, through rav1d; written
    /// with the `avif` feature).
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

    /// The format's name as `{format}` in a file name and the manifest write it: `jpeg`,
    /// `png`, `webp`, `avif`, `gif`, `tiff`, `heif`, `jxl`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpeg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
            ImageKind::Avif => "avif",
            ImageKind::Gif => "gif",
            ImageKind::Tiff => "tiff",
            ImageKind::Heif => "heif",
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
            "avif" | "avifs" => Some(ImageKind::Avif),
            "gif" => Some(ImageKind::Gif),
            "tif" | "tiff" => Some(ImageKind::Tiff),
            "heic" | "heif" | "hif" | "heics" | "heifs" => Some(ImageKind::Heif),
            "jxl" => Some(ImageKind::Jxl),
            _ => None,
        }
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
    /// The raster's size had it been decoded in full, before the quarter turn: larger than the
    /// raster when a JPEG was shrunk on load (see [`decode_shrunk`]), else the raster's own.
    pub full_size: (u32, u32),
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
    decode_shrunk(bytes, max_pixels, lenient, &|_, _| 1, None)
}

/// [`decode_stored`], with a JPEG shrunk while it is decoded (DCT scaling) when the resize
/// would throw the detail away: `scale` gives the DCT scale denominator (1, 2, 4 or 8) the
/// outputs allow for the photo's upright size, as
/// [`Geometry::dct_denominator`](super::geometry::Geometry::dct_denominator) finds it for each
/// of them. The raster is then about 1/2, 1/4 or 1/8 of [`Decoded::full_size`] on each axis;
/// the resize maps its plan onto it. Other
/// formats, and a damaged JPEG taken with `lenient`, decode in full. With a `budget`, a JPEG's
/// decode first waits for its estimated memory to fit beside the decodes in flight.
pub fn decode_shrunk(
    bytes: &[u8],
    max_pixels: u64,
    lenient: bool,
    scale: &dyn Fn(u32, u32) -> u32,
    budget: Option<&Budget>,
) -> Result<(Decoded, Orientation), ItemError> {
    if bytes.is_empty() {
        return Err(ItemError::UnknownFormat("the file is empty".into()));
    }
    let kind = super::sniff::detect(bytes).ok_or_else(|| {
        ItemError::UnknownFormat("the content is not an image format fanlight reads".into())
    })?;
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Webp => ImageFormat::WebP,
        ImageKind::Gif => ImageFormat::Gif,
        ImageKind::Tiff => ImageFormat::Tiff,
        ImageKind::Heif => return super::heif::decode(bytes, max_pixels, lenient),
        #[cfg(feature = "avif-read")]
        ImageKind::Avif => return super::avif::decode(bytes, max_pixels, lenient),
        #[cfg(feature = "jxl")]
        ImageKind::Jxl => return super::jxl::decode(bytes, max_pixels, lenient),
        // Recognised, not read by this build.
        _ => {
            let (what, hint) = match kind {
                ImageKind::Jxl => (
                    "JPEG XL",
                    "rebuild fanlight with the jxl feature, convert them to JPEG or PNG first, \
                     or leave them out with --exclude '*.jxl'",
                ),
                _ => (
                    "AVIF",
                    "rebuild fanlight with the avif-read feature, convert them to JPEG or PNG \
                     first, or leave them out with --exclude '*.avif'",
                ),
            };
            return Err(ItemError::Unsupported {
                what: format!("{what} files are not read by this fanlight"),
                hint: hint.into(),
            });
        }
    };
    if kind == ImageKind::Jpeg {
        return super::jpeg::decode(bytes, max_pixels, lenient, scale, budget);
    }
    // Only the JPEG decoder has a best effort to offer: damage elsewhere is no `--lenient` case.
    decode_by_image(bytes, kind, format, max_pixels).map_err(without_lenient_hint)
}

/// The orientation a decoder's EXIF gives, read as the loader reads it (SHORT or LONG), else
/// the decoder's own (a TIFF's tag).
pub fn decoder_orientation(decoder: &mut impl ImageDecoder) -> Orientation {
    let exif = decoder.exif_metadata().ok().flatten();
    orientation_of(exif.as_deref(), decoder)
}

/// The orientation `exif` gives (SHORT or LONG), else `decoder`'s own.
fn orientation_of(exif: Option<&[u8]>, decoder: &mut impl ImageDecoder) -> Orientation {
    match exif.and_then(super::meta::exif_orientation) {
        Some(orientation) => orientation,
        None => decoder.orientation().unwrap_or(Orientation::NoTransforms),
    }
}

/// An `image` reader of `bytes` as `format`, without image's own limits: `max_pixels`, checked
/// from the header, is the one size limit (image's default 512 MiB allocation cap would refuse
/// photos the user allowed).
pub(crate) fn image_reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    if format == ImageFormat::Png {
        // The png decoder inflates an iCCP chunk within its allocation limit, lifted with the
        // others: a zlib bomb there cost 2 GB. The pixels (16-bit RGBA at most) plus
        // PNG_ANCILLARY_LIMIT bound it now; a larger profile is dropped (see decode_by_image).
        if let Some((w, h)) = super::sniff::png_size(bytes) {
            let mut limits = image::Limits::no_limits();
            limits.max_alloc = Some(u64::from(w) * u64::from(h) * 8 + PNG_ANCILLARY_LIMIT);
            reader.limits(limits);
        }
    }
    reader
}

/// The most a PNG's ancillary data may inflate to beside its pixels: an ICC profile of up to
/// this size is read (a JPEG can carry at most 16 MB of one; real ones are kilobytes).
pub const PNG_ANCILLARY_LIMIT: u64 = 32 << 20;

/// Decodes `bytes` of `kind` through the `image` crate, in full: a header it cannot read is
/// [`ItemError::Damaged`], damaged pixel data [`ItemError::Decode`].
pub(crate) fn decode_by_image(
    bytes: &[u8],
    kind: ImageKind,
    format: ImageFormat,
    max_pixels: u64,
) -> Result<(Decoded, Orientation), ItemError> {
    // A header that cannot be read is no `--lenient` case either: there is no best effort.
    let mut decoder = match image_reader(bytes, format).into_decoder() {
        Ok(decoder) => decoder,
        Err(e) => {
            // Grey + alpha and palette TIFFs, which `image` refuses, through the tiff crate.
            if kind == ImageKind::Tiff && matches!(e, image::ImageError::Unsupported(_)) {
                if let Some(decoded) = super::tiff_fallback::decode(bytes, max_pixels)? {
                    return Ok(decoded);
                }
            }
            return Err(without_lenient_hint(decode_error(e)));
        }
    };
    let (width, height) = decoder.dimensions();
    let pixels = within_limit(width, height, max_pixels)?;
    if pixels == 0 {
        return Err(ItemError::Decode(
            "the header declares an empty image".into(),
        ));
    }
    let icc = if kind == ImageKind::Tiff {
        tiff_icc(bytes)
    } else {
        decoder.icc_profile().ok().flatten()
    };
    let raw_exif = decoder.exif_metadata().ok().flatten();
    let orientation = orientation_of(raw_exif.as_deref(), &mut decoder);
    let exif = raw_exif.and_then(super::meta::normalize_exif);
    let xmp = decoder.xmp_metadata().ok().flatten();
    let mut warning = super::sniff::extra_frames(bytes, kind);
    if kind == ImageKind::Png && icc.is_none() && super::sniff::png_has_chunk(bytes, b"iCCP") {
        warning.get_or_insert_with(|| {
            format!(
                "the PNG's ICC profile (iCCP) is damaged or inflates to over {} MB, so it was \
                 dropped and the colours are read as sRGB",
                PNG_ANCILLARY_LIMIT >> 20
            )
        });
    }
    let cmyk_profile = icc
        .as_deref()
        .filter(|p| kind == ImageKind::Tiff && super::colour::is_cmyk(p));
    let through_profile = match cmyk_profile.map(super::colour::cmyk_transform) {
        Some(Ok(transform)) => no_panic(|| tiff_cmyk(bytes, &transform))?.ok_or(None),
        other => Err(other),
    };
    let (mut image, used) = match through_profile {
        Ok(image) => (image, true),
        Err(unusable) => {
            let warned = matches!(unusable, Some(Err(_)));
            if let Some(Err(why)) = unusable {
                warning.get_or_insert(super::colour::unusable_cmyk_profile(&why));
            }
            let image = no_panic(|| DynamicImage::from_decoder(decoder).map_err(decode_error))?;
            (image, warned)
        }
    };
    // Converted to sRGB through it, the CMYK profile no longer applies; one that could not be
    // used was already named in a warning.
    let icc = icc.filter(|_| !used);
    if kind == ImageKind::Gif {
        // GIF decodes to RGBA; a frame without transparent pixels is written without alpha.
        image = drop_opaque_alpha(image);
    }
    if kind == ImageKind::Tiff && tiff_alpha_is_associated(bytes) {
        // `image` hands premultiplied samples over as they are; fanlight's alpha is straight.
        unpremultiply(&mut image);
    }
    let turn = upright_but_quarter_turn(&mut image, orientation);
    let decoded = Decoded {
        raster: to_raster(image),
        kind,
        icc,
        exif,
        xmp,
        stored_size: (width, height),
        full_size: (width, height),
        warning,
    };
    Ok((decoded, turn))
}

/// Whether a TIFF's extra sample is associated (premultiplied) alpha (`ExtraSamples` = 1).
fn tiff_alpha_is_associated(bytes: &[u8]) -> bool {
    tiff::decoder::Decoder::new(std::io::Cursor::new(bytes))
        .is_ok_and(|mut decoder| page_alpha_is_associated(&mut decoder))
}

/// [`tiff_alpha_is_associated`] for the page a `tiff` decoder is on.
pub(crate) fn page_alpha_is_associated<R: std::io::Read + std::io::Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
) -> bool {
    decoder
        .get_tag_u32_vec(tiff::tags::Tag::ExtraSamples)
        .is_ok_and(|extra| extra.first() == Some(&1))
}

/// Premultiplied colour to straight: each colour sample divided by its pixel's alpha.
pub(crate) fn unpremultiply(image: &mut DynamicImage) {
    match image {
        DynamicImage::ImageRgba8(rgba) => {
            for px in rgba.pixels_mut() {
                let a = u32::from(px[3]);
                if a > 0 && a < 255 {
                    for c in &mut px.0[..3] {
                        *c = ((u32::from(*c) * 255 + a / 2) / a).min(255) as u8;
                    }
                }
            }
        }
        DynamicImage::ImageRgba16(rgba) => {
            for px in rgba.pixels_mut() {
                let a = u64::from(px[3]);
                if a > 0 && a < 65535 {
                    for c in &mut px.0[..3] {
                        *c = ((u64::from(*c) * 65535 + a / 2) / a).min(65535) as u16;
                    }
                }
            }
        }
        _ => {}
    }
}

/// A TIFF's ICC profile, read with no limits: `image`'s TIFF decoder, its limits lifted, caps the
/// profile at the size of the decoded image and drops a larger one (a 14 KB profile of a small
/// picture), so the colours of a scan would go unmanaged.
pub(crate) fn tiff_icc(bytes: &[u8]) -> Option<Vec<u8>> {
    let decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).ok()?;
    let mut decoder = decoder.with_limits(tiff::decoder::Limits::unlimited());
    decoder.get_tag_u8_vec(tiff::tags::Tag::IccProfile).ok()
}

/// A CMYK TIFF's first page, its inks (0 for none) converted to sRGB through its profile's
/// `transform`, which `image`'s decoder would convert naively; `None` when the page is not
/// interleaved CMYK of 8 or 16 bits (alpha, other depths), left to `image` as before.
fn tiff_cmyk(
    bytes: &[u8],
    transform: &super::colour::CmykTransform,
) -> Result<Option<DynamicImage>, ItemError> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    use tiff::ColorType;
    let damaged = |e: tiff::TiffError| ItemError::Decode(crate::error::one_line(&e.to_string()));
    // `max_pixels`, checked from the header, is fanlight's one size limit.
    let mut decoder = Decoder::new(std::io::Cursor::new(bytes))
        .map_err(damaged)?
        .with_limits(Limits::unlimited());
    if !matches!(decoder.colortype(), Ok(ColorType::CMYK(8 | 16))) {
        return Ok(None);
    }
    // PlanarConfiguration 2: each ink in a plane of its own, which `image` refuses too.
    if decoder
        .get_tag_u32(tiff::tags::Tag::PlanarConfiguration)
        .ok()
        == Some(2)
    {
        return Err(ItemError::Unsupported {
            what: "a planar CMYK TIFF (each ink in its own plane)".into(),
            hint: "re-save it with interleaved (chunky) samples, or as RGB, with another tool"
                .into(),
        });
    }
    let (width, height) = decoder.dimensions().map_err(damaged)?;
    let inks = match decoder.read_image().map_err(damaged)? {
        DecodingResult::U8(inks) => inks,
        DecodingResult::U16(inks) => inks.iter().map(|&v| (v >> 8) as u8).collect(),
        _ => return Ok(None),
    };
    if inks.len() != width as usize * height as usize * 4 {
        return Err(ItemError::Decode(
            "the CMYK TIFF's data does not match its size".into(),
        ));
    }
    let rgb = super::colour::cmyk_to_srgb(&inks, transform)?;
    image::RgbImage::from_raw(width, height, rgb)
        .map(|image| Some(DynamicImage::ImageRgb8(image)))
        .ok_or_else(|| ItemError::Decode("decoded size does not match the header".into()))
}

/// Applies `orientation` to `image` unless it is a quarter turn, which is returned to be done
/// later (flips and the half turn keep the size, and are cheap in place).
pub(crate) fn upright_but_quarter_turn(
    image: &mut DynamicImage,
    orientation: Orientation,
) -> Orientation {
    if super::orient::is_quarter_turn(orientation) {
        orientation
    } else {
        image.apply_orientation(orientation);
        Orientation::NoTransforms
    }
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

pub(crate) fn decode_error(err: image::ImageError) -> ItemError {
    match err {
        image::ImageError::Limits(e) => {
            ItemError::Decode(one_line(&format!("over the memory limit: {e}")))
        }
        // A format image does not know is no image at all; a feature of a format it reads (a
        // TIFF's compression or colour type) is a valid file fanlight cannot decode.
        image::ImageError::Unsupported(e) => match e.kind() {
            image::error::UnsupportedErrorKind::Format(_) => {
                ItemError::UnknownFormat(one_line(&e.to_string()))
            }
            _ => {
                // "The decoder for Tiff does not support the format features X" says "TIFF: X".
                let text = e.to_string();
                let what = match text.split_once(" does not support the format features ") {
                    Some((decoder, feature)) => {
                        let format = decoder.trim_start_matches("The decoder for ");
                        format!("{}: {feature}", format.to_uppercase())
                    }
                    None => text,
                };
                // ZSTD is read with the `tiff-zstd` feature (libzstd, built from C source).
                let hint = if what.contains("ZSTD") && cfg!(not(feature = "tiff-zstd")) {
                    "rebuild fanlight with the tiff-zstd feature, or convert it to PNG with \
                     another tool first"
                } else {
                    "convert it to PNG with another tool first"
                };
                ItemError::Unsupported {
                    what: one_line(&what),
                    hint: hint.into(),
                }
            }
        },
        other => ItemError::Decode(one_line(&other.to_string())),
    }
}

/// A decode error as damage that `--lenient` cannot help with.
pub(crate) fn without_lenient_hint(error: ItemError) -> ItemError {
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
pub(crate) fn to_raster(image: DynamicImage) -> Raster {
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
