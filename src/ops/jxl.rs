//! JPEG XL decoding through jxl-oxide (pure Rust), with the `jxl` cargo feature: the first
//! frame, upright, in the colour space the file renders to (its profile kept when not sRGB).

use std::io::Cursor;

use image::metadata::Orientation;
use jxl_oxide::{JxlImage, JxlThreadPool, PixelFormat};

use super::decode::{Decoded, ImageKind};
use super::raster::{Layout, Raster};
use crate::error::{one_line, ItemError};

/// Decodes the first frame of a JPEG XL file (see [`super::decode::decode_stored`]).
///
/// The file's orientation is applied by jxl-oxide. A file that ends before its first frame is
/// complete fails (there is no best effort, so `lenient` changes nothing); animations and
/// multi-frame files give their first frame and a warning.
pub fn decode(
    bytes: &[u8],
    max_pixels: u64,
    _lenient: bool,
) -> Result<(Decoded, Orientation), ItemError> {
    let image = JxlImage::builder()
        // One thread: the load stage already decodes several photos at once.
        .pool(JxlThreadPool::none())
        .read(Cursor::new(bytes))
        .map_err(|e| damaged(&*e))?;
    let (width, height) = (image.width(), image.height());
    super::decode::within_limit(width, height, max_pixels)?;
    if image.num_loaded_keyframes() == 0 || !image.is_loading_done() {
        return Err(ItemError::Damaged(
            "the JPEG XL file is truncated (its image data ends early)".into(),
        ));
    }
    let layout = match image.pixel_format() {
        PixelFormat::Gray => Layout::Gray,
        PixelFormat::Rgb => Layout::Rgb,
        PixelFormat::Graya | PixelFormat::Rgba => Layout::Rgba,
        PixelFormat::Cmyk | PixelFormat::Cmyka => {
            return Err(ItemError::Unsupported {
                what: "a CMYK JPEG XL image".into(),
                hint: "convert it to RGB with another tool first".into(),
            })
        }
    };
    let render = super::decode::no_panic(|| image.render_frame(0).map_err(|e| damaged(&*e)))?;
    let mut stream = render.stream();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels() as usize);
    let mut samples = super::buffers::zeroed(w as usize * h as usize * channels);
    stream.write_to_buffer::<u8>(&mut samples);
    let data = match (channels, layout) {
        // Grey with alpha travels as RGBA (the raster has no grey + alpha layout).
        (2, _) => samples
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        (c, l) if c == l.channels() => samples,
        _ => {
            return Err(ItemError::Damaged(format!(
                "the JPEG XL image has {channels} channels, unexpected for its pixel format"
            )))
        }
    };
    let raster = Raster::from_vec(w, h, layout, data);
    // The pixels are in the colour space jxl-oxide renders to: the file's own. Its profile is
    // carried unless it is sRGB (CICP primaries 1, transfer 13).
    let srgb = image
        .rendered_cicp()
        .is_some_and(|c| c[0] == 1 && c[1] == 13);
    let icc = (!srgb).then(|| image.rendered_icc());
    let exif = image
        .aux_boxes()
        .first_exif()
        .ok()
        .and_then(|e| e.has_data().then(|| e.unwrap().payload().to_vec()))
        .and_then(super::meta::normalize_exif);
    let xmp = match image.aux_boxes().first_xml() {
        x if x.has_data() => Some(x.unwrap().to_vec()),
        _ => None,
    };
    let warning = (image.num_loaded_keyframes() > 1).then(|| {
        format!(
            "animated or multi-frame JPEG XL ({} frames): only the first is read",
            image.num_loaded_keyframes()
        )
    });
    let full_size = (raster.width, raster.height);
    let decoded = Decoded {
        raster,
        kind: ImageKind::Jxl,
        icc,
        exif,
        xmp,
        stored_size: (width, height),
        full_size,
        warning,
    };
    Ok((decoded, Orientation::NoTransforms))
}

fn damaged(e: &(dyn std::error::Error + Send + Sync)) -> ItemError {
    ItemError::Damaged(one_line(&format!("JPEG XL: {e}")))
}
