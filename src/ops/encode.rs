//! Encoding: a [`Raster`] to JPEG, PNG, WebP or AVIF bytes, with the metadata embedded.

use super::decode::ImageKind;
use super::meta::{webp_with_metadata, Metadata};
use super::raster::{Layout, Raster};
use crate::config::{Chroma, OutputSpec};
use crate::error::{one_line, ItemError};

/// The XMP signature of a JPEG APP1 segment.
const XMP_JPEG_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// Encodes `raster` as `kind` with the encoder settings of `spec`, embedding `meta`.
///
/// JPEG has no transparency, so RGBA is composited over white first. AVIF carries no ICC profile
/// or XMP (the encoder cannot write them).
pub fn encode(
    raster: &Raster,
    kind: ImageKind,
    spec: &OutputSpec,
    meta: &Metadata,
) -> Result<Vec<u8>, ItemError> {
    match kind {
        ImageKind::Jpeg => encode_jpeg(raster, spec, meta),
        ImageKind::Png => encode_png(raster, spec.png_level, meta),
        ImageKind::Webp => encode_webp(raster, spec, meta),
        ImageKind::Avif => encode_avif(raster, spec.quality, meta),
    }
}

/// The most bytes of EXIF (bare TIFF) one APP1 segment holds: 65535, less the length field and the
/// `Exif\0\0` header.
const MAX_JPEG_EXIF: usize = 65535 - 2 - 6;
/// The most bytes of XMP one APP1 segment holds (extended XMP is not written).
const MAX_JPEG_XMP: usize = 65535 - 2 - XMP_JPEG_HEADER.len();

fn encode_jpeg(raster: &Raster, spec: &OutputSpec, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
    use libjpeg_turbo_rs::{Encoder, PixelFormat, Subsampling};

    if raster.width > 65535 || raster.height > 65535 {
        return Err(ItemError::Encode(format!(
            "{}x{} is larger than JPEG allows (65535 pixels a side); use --format png or --resize",
            raster.width, raster.height
        )));
    }
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
    let chroma = spec.chroma.unwrap_or(if quality < 90 {
        Chroma::S420
    } else {
        Chroma::S444
    });
    let mut encoder = Encoder::new(data, raster.width as usize, raster.height as usize, format)
        .quality(quality)
        .subsampling(match chroma {
            Chroma::S420 => Subsampling::S420,
            Chroma::S422 => Subsampling::S422,
            Chroma::S444 => Subsampling::S444,
        })
        .progressive(spec.progressive);
    let too_large = |what: &str, len: usize, max: usize| {
        ItemError::Encode(format!(
            "embedding {what}: {len} bytes, more than a JPEG segment holds ({max}); \
             use --strip or another --format"
        ))
    };
    if let Some(icc) = &meta.icc {
        encoder = encoder.icc_profile(icc);
    }
    if let Some(exif) = &meta.exif {
        if exif.len() > MAX_JPEG_EXIF {
            return Err(too_large("the EXIF data", exif.len(), MAX_JPEG_EXIF));
        }
        encoder = encoder.exif_data(exif);
    }
    if let Some(xmp) = &meta.xmp {
        if xmp.len() > MAX_JPEG_XMP {
            return Err(too_large("the XMP data", xmp.len(), MAX_JPEG_XMP));
        }
        encoder = encoder.xmp_data(xmp);
    }
    encoder
        .encode()
        .map_err(|e| ItemError::Encode(one_line(&e.to_string())))
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

fn encode_webp(raster: &Raster, spec: &OutputSpec, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
    if raster.width > 16_383 || raster.height > 16_383 {
        return Err(ItemError::Encode(format!(
            "{}x{} is larger than WebP allows (16383 pixels a side); use --resize or another --format",
            raster.width, raster.height
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
    Err(ItemError::Encode(crate::config::AVIF_MISSING.into()))
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
            &OutputSpec::default(),
            &Metadata::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--format png"), "{err}");
    }

    fn jpeg_of(r: &Raster, spec: &OutputSpec, meta: &Metadata) -> Result<Vec<u8>, ItemError> {
        encode(r, ImageKind::Jpeg, spec, meta)
    }

    #[test]
    fn metadata_too_large_for_a_jpeg_segment_is_refused_not_corrupted() {
        let r = Raster::filled(16, 16, Layout::Rgb, 128);
        let spec = OutputSpec::default();
        // Bare TIFF, as decode keeps it: just fits, then one byte too many.
        let mut exif = b"II*\0\x08\0\0\0\0\0".to_vec();
        exif.resize(MAX_JPEG_EXIF, 0);
        let meta = Metadata {
            exif: Some(exif.clone()),
            ..Metadata::default()
        };
        let jpeg = jpeg_of(&r, &spec, &meta).unwrap();
        assert!(jpeg.windows(6).any(|w| w == b"Exif\0\0"));
        let decoded = image::load_from_memory(&jpeg).expect("a well-formed JPEG");
        assert_eq!((decoded.width(), decoded.height()), (16, 16));

        exif.push(0);
        let meta = Metadata {
            exif: Some(exif),
            ..Metadata::default()
        };
        let err = jpeg_of(&r, &spec, &meta).unwrap_err().to_string();
        assert!(err.contains("EXIF") && err.contains("--strip"), "{err}");

        let meta = Metadata {
            xmp: Some(vec![b' '; MAX_JPEG_XMP + 1]),
            ..Metadata::default()
        };
        let err = jpeg_of(&r, &spec, &meta).unwrap_err().to_string();
        assert!(err.contains("XMP"), "{err}");
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
        let at = |quality, chroma| OutputSpec {
            quality,
            chroma,
            ..OutputSpec::default()
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
    }
}
