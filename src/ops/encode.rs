//! Encoding: a [`Raster`] to JPEG, PNG, WebP or AVIF bytes, with the metadata embedded.

use super::blend;
use super::decode::ImageKind;
use super::meta::{webp_with_metadata, Metadata};
use super::raster::{Layout, Raster};
use crate::error::{one_line, opt, ItemError};

/// JPEG chroma subsampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// Colour at half resolution both ways (smallest files).
    S420,
    /// Colour at half horizontal resolution.
    S422,
    /// Colour at full resolution (sharp red edges and text).
    S444,
}

/// The message given when AVIF is asked of a build without it.
pub const AVIF_MISSING: &str =
    "AVIF output is not built into this fanlight: rebuild it with the avif \
     feature (cargo install --path . --features avif, or cargo run --release --features avif)";

/// Encoder settings, as the encoders read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Quality 1–100 of JPEG, lossy WebP and AVIF; effort for lossless WebP. Default 85.
    pub quality: u8,
    /// WebP is lossless. Default `false` (lossy).
    pub lossless: bool,
    /// JPEG is progressive. Default `false` (baseline).
    pub progressive: bool,
    /// JPEG chroma subsampling; `None` is 4:2:0 below quality 90 and 4:4:4 from 90. Default `None`.
    pub chroma: Option<Chroma>,
    /// Baseline JPEG with Huffman tables made for the image (as sharp and `cjpeg -optimize`
    /// make them) rather than the standard ones: the same pixels in 3–5% fewer bytes. The scan
    /// is re-coded with them ([`super::huffman::optimize`]), about a third of what
    /// libjpeg-turbo-rs's own two-pass encode costs. Progressive JPEGs always have them. Default
    /// `true`.
    pub optimize_coding: bool,
    /// PNG deflate level 0 (none) to 9 (smallest, slowest). Default 6.
    pub png_level: u8,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            quality: 85,
            lossless: false,
            progressive: false,
            chroma: None,
            optimize_coding: true,
            png_level: 6,
        }
    }
}

/// The XMP signature of a JPEG APP1 segment.
const XMP_JPEG_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// Encodes `raster` as `kind` with the encoder settings of `spec`, embedding `meta`.
///
/// JPEG has no transparency, so RGBA is composited over white first. AVIF carries no ICC profile
/// or XMP (the encoder cannot write them).
pub fn encode(
    raster: &Raster,
    kind: ImageKind,
    spec: &EncodeOptions,
    meta: &Metadata,
) -> Result<Vec<u8>, ItemError> {
    match kind {
        ImageKind::Jpeg => encode_jpeg(raster, spec, meta),
        ImageKind::Png => encode_png(raster, spec.png_level, meta),
        ImageKind::Webp => encode_webp(raster, spec, meta),
        ImageKind::Avif => encode_avif(raster, spec.quality, meta),
        // Read-only kinds: written as the kind that stands in for them.
        ImageKind::Gif | ImageKind::Tiff | ImageKind::Heif | ImageKind::Jxl => {
            encode(raster, kind.writable(), spec, meta)
        }
    }
}

/// The most bytes of EXIF (bare TIFF) one APP1 segment holds: 65535, less the length field and the
/// `Exif\0\0` header.
const MAX_JPEG_EXIF: usize = 65535 - 2 - 6;
/// The most bytes of XMP one APP1 segment holds (extended XMP is not written).
const MAX_JPEG_XMP: usize = 65535 - 2 - XMP_JPEG_HEADER.len();
/// The largest ICC profile a JPEG carries: 255 APP2 segments (the chunk count is one byte) of
/// 65535 bytes, less the length field and the 14-byte `ICC_PROFILE\0` chunk header.
const MAX_JPEG_ICC: usize = 255 * (65535 - 2 - 14);

fn encode_jpeg(
    raster: &Raster,
    spec: &EncodeOptions,
    meta: &Metadata,
) -> Result<Vec<u8>, ItemError> {
    use libjpeg_turbo_rs::{Encoder, PixelFormat, Subsampling};

    if raster.width > 65535 || raster.height > 65535 {
        return Err(ItemError::Encode(format!(
            "{}x{} is larger than JPEG allows (65535 pixels a side); use {} png or {}",
            raster.width,
            raster.height,
            opt("--format"),
            opt("--resize")
        )));
    }
    // The encoder would write oversized metadata with a wrapped length or chunk count (a broken
    // file), so the limits are checked here.
    let too_large = |what: &str, len: usize, max: usize, hint: &str| {
        ItemError::Encode(format!(
            "embedding {what}: {len} bytes, more than a JPEG holds ({max}); {hint}"
        ))
    };
    let flattened;
    let (data, format) = match raster.layout {
        Layout::Gray => (&raster.data, PixelFormat::Grayscale),
        Layout::Rgb => (&raster.data, PixelFormat::Rgb),
        Layout::Rgba => {
            flattened = over_white(&raster.data);
            (&flattened, PixelFormat::Rgb)
        }
    };
    let quality = spec.quality.clamp(1, 100);
    // Baseline: quantisation tables clamped to 8 bits, as every decoder expects (below about
    // q23 the unclamped tables would need 16 bits and an extended-sequential frame).
    let mut encoder = Encoder::new(data, raster.width as usize, raster.height as usize, format)
        .quality(quality)
        .force_baseline(true)
        .progressive(spec.progressive)
        // Progressive scans get libjpeg-turbo-rs's optimised tables; a baseline one is re-coded
        // afterwards (`huffman::optimize`), which costs a third as much.
        .optimize_huffman(spec.progressive);
    if raster.layout != Layout::Gray {
        // Only colour has chroma to subsample; grey keeps the 1x1 sampling of one component.
        let chroma = spec.chroma.unwrap_or(if quality < 90 {
            Chroma::S420
        } else {
            Chroma::S444
        });
        encoder = encoder.subsampling(match chroma {
            Chroma::S420 => Subsampling::S420,
            Chroma::S422 => Subsampling::S422,
            Chroma::S444 => Subsampling::S444,
        });
    }
    if let Some(icc) = &meta.icc {
        if icc.len() > MAX_JPEG_ICC {
            let hint = format!(
                "use {} or {}, or another {}",
                opt("--to-srgb"),
                opt("--strip"),
                opt("--format")
            );
            return Err(too_large("the ICC profile", icc.len(), MAX_JPEG_ICC, &hint));
        }
        encoder = encoder.icc_profile(icc);
    }
    let hint = &format!(
        "run without {}, or use {} png",
        opt("--keep-metadata"),
        opt("--format")
    );
    if let Some(exif) = &meta.exif {
        if exif.len() > MAX_JPEG_EXIF {
            return Err(too_large("the EXIF data", exif.len(), MAX_JPEG_EXIF, hint));
        }
        encoder = encoder.exif_data(exif);
    }
    if let Some(xmp) = &meta.xmp {
        if xmp.len() > MAX_JPEG_XMP {
            return Err(too_large("the XMP data", xmp.len(), MAX_JPEG_XMP, hint));
        }
        encoder = encoder.xmp_data(xmp);
    }
    let jpeg = encoder
        .encode()
        .map_err(|e| ItemError::Encode(one_line(&e.to_string())))?;
    if spec.optimize_coding && !spec.progressive {
        // Only a file this does not re-code (none of the encoder's) keeps the standard tables.
        return Ok(super::huffman::optimize(&jpeg).unwrap_or(jpeg));
    }
    Ok(jpeg)
}

/// Straight-alpha RGBA over a white background, to RGB.
fn over_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        out.extend(px[..3].iter().map(|&c| blend::over_white(c, px[3])));
    }
    out
}

fn encode_png(raster: &Raster, level: u8, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
    let fail = |e: png::EncodingError| ItemError::Encode(one_line(&e.to_string()));
    let mut out = Vec::with_capacity(raster.data.len() / 2);
    let mut info = png::Info::with_size(raster.width, raster.height);
    info.color_type = match raster.layout {
        Layout::Gray => png::ColorType::Grayscale,
        Layout::Rgb => png::ColorType::Rgb,
        Layout::Rgba => png::ColorType::Rgba,
    };
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = meta.icc.as_deref().map(Into::into);
    info.exif_metadata = meta.exif.as_deref().map(Into::into);
    let mut encoder = png::Encoder::with_info(&mut out, info).map_err(fail)?;
    encoder.set_deflate_compression(match level {
        0 => png::DeflateCompression::NoCompression,
        n => png::DeflateCompression::Level(n.min(9)),
    });
    encoder.set_filter(png::Filter::Adaptive);
    if let Some(xmp) = &meta.xmp {
        // XMP's home in PNG is an iTXt chunk with this keyword (XMP specification part 3).
        encoder
            .add_itxt_chunk(
                "XML:com.adobe.xmp".into(),
                String::from_utf8_lossy(xmp).into_owned(),
            )
            .map_err(fail)?;
    }
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&raster.data).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

fn encode_webp(
    raster: &Raster,
    spec: &EncodeOptions,
    meta: &Metadata,
) -> Result<Vec<u8>, ItemError> {
    if raster.width > 16_383 || raster.height > 16_383 {
        return Err(ItemError::Encode(format!(
            "{}x{} is larger than WebP allows (16383 pixels a side); use {} or another {}",
            raster.width,
            raster.height,
            opt("--resize"),
            opt("--format")
        )));
    }
    let rgb;
    let encoder = match raster.layout {
        Layout::Gray => {
            // WebP has no grey mode.
            rgb = raster
                .data
                .iter()
                .flat_map(|&v| [v, v, v])
                .collect::<Vec<u8>>();
            webp::Encoder::from_rgb(&rgb, raster.width, raster.height)
        }
        Layout::Rgb => webp::Encoder::from_rgb(&raster.data, raster.width, raster.height),
        Layout::Rgba => webp::Encoder::from_rgba(&raster.data, raster.width, raster.height),
    };
    let memory = encoder
        .encode_simple(spec.lossless, f32::from(spec.quality.clamp(1, 100)))
        .map_err(|e| ItemError::Encode(format!("libwebp: {e:?}")))?;
    Ok(webp_with_metadata(
        memory.to_vec(),
        meta,
        raster.width,
        raster.height,
        raster.layout == Layout::Rgba,
    ))
}

#[cfg(feature = "avif")]
fn encode_avif(raster: &Raster, quality: u8, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
    use image::codecs::avif::AvifEncoder;
    use image::{ExtendedColorType, ImageEncoder};

    let mut out = Vec::new();
    // Speed 6 of 1 (slowest) to 10: near the default's compression at a fraction of its time.
    let mut encoder = AvifEncoder::new_with_speed_quality(&mut out, 6, quality.clamp(1, 100));
    if let Some(exif) = &meta.exif {
        let _ = encoder.set_exif_metadata(exif.clone());
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

#[cfg(not(feature = "avif"))]
fn encode_avif(_: &Raster, _: u8, _: &Metadata) -> Result<Vec<u8>, ItemError> {
    Err(ItemError::Encode(AVIF_MISSING.into()))
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
        let err = encode(
            &r,
            ImageKind::Jpeg,
            &EncodeOptions::default(),
            &Metadata::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("OutputSpec::format png"), "{err}");
    }

    fn jpeg_of(r: &Raster, spec: &EncodeOptions, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
        encode(r, ImageKind::Jpeg, spec, meta)
    }

    /// The APP segments of a JPEG, in order: (marker, payload).
    fn app_segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
        let mut out = Vec::new();
        let mut at = 2;
        while jpeg[at] == 0xFF && (0xE0..=0xEF).contains(&jpeg[at + 1]) {
            let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            out.push((jpeg[at + 1], &jpeg[at + 4..at + 2 + len]));
            at += 2 + len;
        }
        out
    }

    #[test]
    fn metadata_at_a_jpeg_limit_is_written_and_one_byte_more_is_refused() {
        let r = Raster::filled(16, 16, Layout::Rgb, 128);
        let spec = EncodeOptions::default();
        let with = |exif: Option<Vec<u8>>, xmp: Option<Vec<u8>>, icc: Option<Vec<u8>>| {
            jpeg_of(&r, &spec, &Metadata { icc, exif, xmp })
        };
        let readable = |jpeg: &[u8]| {
            let decoded = image::load_from_memory(jpeg).expect("a well-formed JPEG");
            assert_eq!((decoded.width(), decoded.height()), (16, 16));
        };

        // EXIF is bare TIFF, as decode keeps it; a full segment's length field is 65535.
        let mut exif = b"II*\0\x08\0\0\0\0\0".to_vec();
        exif.resize(MAX_JPEG_EXIF, 0);
        let jpeg = with(Some(exif.clone()), None, None).unwrap();
        readable(&jpeg);
        let app1 = app_segments(&jpeg)
            .into_iter()
            .find(|(m, _)| *m == 0xE1)
            .unwrap();
        assert_eq!(app1.1.len() + 2, 65535);
        assert!(app1.1.starts_with(b"Exif\0\0II*\0"));
        exif.push(0);
        let err = with(Some(exif), None, None).unwrap_err().to_string();
        assert!(
            err.contains("EXIF") && err.contains("MetadataMode::Keep"),
            "{err}"
        );

        let xmp = vec![b' '; MAX_JPEG_XMP];
        let jpeg = with(None, Some(xmp.clone()), None).unwrap();
        readable(&jpeg);
        let (_, app1) = app_segments(&jpeg)[1];
        assert_eq!(app1.len() + 2, 65535);
        assert!(app1.starts_with(XMP_JPEG_HEADER));
        let mut xmp = xmp;
        xmp.push(b' ');
        let err = with(None, Some(xmp), None).unwrap_err().to_string();
        assert!(
            err.contains("XMP") && err.contains("MetadataMode::Keep"),
            "{err}"
        );

        // 255 chunks at most: the chunk count is one byte.
        let icc = vec![3u8; MAX_JPEG_ICC];
        let jpeg = with(None, None, Some(icc.clone())).unwrap();
        let chunks: Vec<_> = app_segments(&jpeg)
            .into_iter()
            .filter(|(m, _)| *m == 0xE2)
            .collect();
        assert_eq!(chunks.len(), 255);
        let numbered = (1..=255)
            .zip(&chunks)
            .all(|(i, (_, c))| c[12] == i && c[13] == 255);
        assert!(numbered, "chunk i of 255");
        let mut icc = icc;
        icc.push(3);
        let err = with(None, None, Some(icc)).unwrap_err().to_string();
        assert!(
            err.contains("ICC") && err.contains("OutputSpec::to_srgb"),
            "{err}"
        );
    }

    #[test]
    fn low_quality_stays_baseline_jpeg() {
        let r = Raster::filled(16, 16, Layout::Rgb, 77);
        let spec = EncodeOptions {
            quality: 5,
            ..EncodeOptions::default()
        };
        let jpeg = jpeg_of(&r, &spec, &Metadata::default()).unwrap();
        assert!(jpeg.windows(2).any(|w| w == [0xFF, 0xC0]), "SOF0, baseline");
        assert!(!jpeg.windows(2).any(|w| w == [0xFF, 0xC1]), "not SOF1");
        // Every DQT table is 8-bit (precision nibble 0).
        let dqt = jpeg.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
        assert_eq!(jpeg[dqt + 4] >> 4, 0);
    }

    #[test]
    fn optimised_coding_gives_the_same_pixels_in_fewer_bytes() {
        let mut r = Raster::filled(96, 64, Layout::Rgb, 0);
        for (i, v) in r.data.iter_mut().enumerate() {
            *v = (i * 7 % 251) as u8;
        }
        let meta = Metadata::default();
        let optimised = EncodeOptions {
            optimize_coding: true,
            ..EncodeOptions::default()
        };
        let optimised = jpeg_of(&r, &optimised, &meta).unwrap();
        let standard = EncodeOptions {
            optimize_coding: false,
            ..EncodeOptions::default()
        };
        let standard = jpeg_of(&r, &standard, &meta).unwrap();
        assert!(
            optimised.len() < standard.len(),
            "{} bytes optimised, {} standard",
            optimised.len(),
            standard.len()
        );
        let pixels = |jpeg: &[u8]| image::load_from_memory(jpeg).unwrap().into_bytes();
        assert_eq!(pixels(&optimised), pixels(&standard));
        assert!(
            optimised.windows(2).any(|w| w == [0xFF, 0xC0]),
            "still baseline"
        );
    }

    #[test]
    fn jpeg_chroma_follows_the_quality_unless_chosen() {
        // The SOF0 component sampling bytes of the luma component: 0x22 is 4:2:0, 0x11 is 4:4:4.
        let luma_sampling = |jpeg: &[u8]| {
            let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
            jpeg[sof + 11]
        };
        let r = Raster::filled(32, 32, Layout::Rgb, 90);
        let meta = Metadata::default();
        let at = |quality, chroma| EncodeOptions {
            quality,
            chroma,
            ..EncodeOptions::default()
        };
        assert_eq!(
            luma_sampling(&jpeg_of(&r, &at(85, None), &meta).unwrap()),
            0x22
        );
        assert_eq!(
            luma_sampling(&jpeg_of(&r, &at(90, None), &meta).unwrap()),
            0x11
        );
        let s422 = at(95, Some(Chroma::S422));
        assert_eq!(luma_sampling(&jpeg_of(&r, &s422, &meta).unwrap()), 0x21);
        // Grey has one component and no chroma: 1x1 whatever the quality or --chroma.
        let grey = Raster::filled(32, 32, Layout::Gray, 90);
        for spec in [at(85, None), at(95, Some(Chroma::S422))] {
            assert_eq!(luma_sampling(&jpeg_of(&grey, &spec, &meta).unwrap()), 0x11);
        }
    }
}
