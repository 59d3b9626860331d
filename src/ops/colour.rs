//! `--to-srgb`: pixels converted from their embedded ICC profile to sRGB with qcms (Firefox's
//! colour management, pure Rust), so the output needs no profile to look right anywhere.

use qcms::{DataType, Intent, Profile, Transform};

use super::raster::{Layout, Raster};
use crate::error::ItemError;

/// Converts `raster` in place from the colour space `icc` describes to sRGB (perceptual intent);
/// returns whether the pixels are now sRGB (so the profile must no longer be embedded).
///
/// Only RGB profiles on RGB or RGBA pixels are converted (alpha is left alone). A grey photo with
/// a grey profile is left as it is: its tone curve is the only difference, and grey outputs stay
/// grey. A profile qcms cannot read is an error, because the result would not be sRGB.
pub fn to_srgb(raster: &mut Raster, icc: &[u8]) -> Result<bool, ItemError> {
    let data_type = match (raster.layout, icc.get(16..20)) {
        (Layout::Rgb, Some(b"RGB ")) => DataType::RGB8,
        (Layout::Rgba, Some(b"RGB ")) => DataType::RGBA8,
        _ => return Ok(false),
    };
    let input = Profile::new_from_slice(icc, false).ok_or_else(|| {
        ItemError::Encode(
            "--to-srgb: the embedded ICC profile cannot be read, so the colours cannot be \
             converted (leave out --to-srgb for this photo)"
                .into(),
        )
    })?;
    if input.is_sRGB() {
        return Ok(true);
    }
    let mut output = Profile::new_sRGB();
    output.precache_output_transform();
    let transform =
        Transform::new(&input, &output, data_type, Intent::Perceptual).ok_or_else(|| {
            ItemError::Encode(
                "--to-srgb: no transform from the embedded ICC profile to sRGB (leave out \
                 --to-srgb for this photo)"
                    .into(),
            )
        })?;
    transform.apply(&mut raster.data);
    Ok(true)
}
