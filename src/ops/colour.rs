//! `--to-srgb`: pixels converted from their embedded ICC profile to sRGB with qcms (Firefox's
//! colour management, pure Rust), so the output needs no profile to look right anywhere.

use qcms::{DataType, Intent, Profile, Transform};

use super::raster::{Layout, Raster};
use crate::error::{opt, ItemError};

/// Converts `raster` in place from the colour space `icc` describes to sRGB (perceptual intent);
/// returns whether the pixels are now sRGB (so the profile must no longer be embedded).
///
/// RGB profiles on RGB or RGBA pixels are converted (alpha is left alone), and grey profiles
/// on grey pixels: their tone curve is mapped to sRGB's, and the photo stays grey. Other pairs
/// (a CMYK profile on pixels already made RGB) are left alone. A profile qcms cannot read is an
/// error, because the result would not be sRGB.
pub fn to_srgb(raster: &mut Raster, icc: &[u8]) -> Result<bool, ItemError> {
    let data_type = match (raster.layout, icc.get(16..20)) {
        (Layout::Rgb, Some(b"RGB ")) => DataType::RGB8,
        (Layout::Rgba, Some(b"RGB ")) => DataType::RGBA8,
        (Layout::Gray, Some(b"GRAY")) => DataType::Gray8,
        _ => return Ok(false),
    };
    let input = Profile::new_from_slice(icc, false).ok_or_else(|| {
        ItemError::Encode(format!(
            "{0}: the embedded ICC profile cannot be read, so the colours cannot be converted \
             (leave out {0} for this photo)",
            opt("--to-srgb")
        ))
    })?;
    if input.is_sRGB() {
        return Ok(true);
    }
    let mut output = Profile::new_sRGB();
    output.precache_output_transform();
    if data_type == DataType::Gray8 {
        return grey_to_srgb(raster, &input, &output);
    }
    let transform =
        Transform::new(&input, &output, data_type, Intent::Perceptual).ok_or_else(|| {
            ItemError::Encode(format!(
                "{0}: no transform from the embedded ICC profile to sRGB (leave out {0} for \
                 this photo)",
                opt("--to-srgb")
            ))
        })?;
    transform.apply(&mut raster.data);
    Ok(true)
}

/// Grey pixels through their grey profile to sRGB grey: the 256 grey levels are converted once
/// (to RGB, equal channels for a neutral grey) and the photo is mapped through that table.
fn grey_to_srgb(raster: &mut Raster, input: &Profile, srgb: &Profile) -> Result<bool, ItemError> {
    let transform = Transform::new_to(
        input,
        srgb,
        DataType::Gray8,
        DataType::RGB8,
        Intent::Perceptual,
    )
    .ok_or_else(|| {
        ItemError::Encode(format!(
            "{0}: no transform from the embedded grey profile to sRGB (leave out {0} for this \
             photo)",
            opt("--to-srgb")
        ))
    })?;
    let levels: Vec<u8> = (0..=255).collect();
    let mut rgb = vec![0u8; 256 * 3];
    transform.convert(&levels, &mut rgb);
    let table: Vec<u8> = rgb.chunks_exact(3).map(|p| p[1]).collect();
    for v in &mut raster.data {
        *v = table[usize::from(*v)];
    }
    Ok(true)
}
