//! Colour management: `--to-srgb` (and `--strip`) convert pixels from their embedded ICC profile
//! to sRGB with qcms (Firefox's colour management, pure Rust), so the output needs no profile to
//! look right anywhere; CMYK photos are always converted through their profile, with moxcms
//! (pure Rust, already built for `image`), since qcms reads no CMYK printer profile.

use std::sync::{Arc, Mutex};

use moxcms::{ColorProfile, DataColorSpace, RenderingIntent, TransformOptions};
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
    if known_srgb(icc) {
        return Ok(true);
    }
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
        return grey_to_srgb(raster, icc, &input, &output);
    }
    let transform = |data_type| {
        Transform::new(&input, &output, data_type, Intent::Perceptual).ok_or_else(|| {
            ItemError::Encode(format!(
                "{0}: no transform from the embedded ICC profile to sRGB (leave out {0} for \
                 this photo)",
                opt("--to-srgb")
            ))
        })
    };
    let rgb = transform(DataType::RGB8)?;
    if is_identity(&rgb) {
        remember_srgb(icc);
        return Ok(true);
    }
    if data_type == DataType::RGB8 {
        rgb.apply(&mut raster.data);
    } else {
        transform(data_type)?.apply(&mut raster.data);
    }
    Ok(true)
}

/// Whether `transform` (RGB to RGB) moves no colour of a 17-level grid by more than one level:
/// the profile is sRGB in all but its bytes (cameras and phones embed their own copies of it),
/// and converting would only cost time and add rounding.
fn is_identity(transform: &Transform) -> bool {
    let levels: Vec<u8> = (0..=16u8)
        .map(|i| (u16::from(i) * 255 / 16) as u8)
        .collect();
    let mut grid = Vec::with_capacity(17 * 17 * 17 * 3);
    for &r in &levels {
        for &g in &levels {
            for &b in &levels {
                grid.extend([r, g, b]);
            }
        }
    }
    let mut out = vec![0; grid.len()];
    transform.convert(&grid, &mut out);
    grid.iter().zip(&out).all(|(a, b)| a.abs_diff(*b) <= 1)
}

/// Profiles found to be sRGB in all but their bytes, last seen first (see [`is_identity`]).
static SRGB_PROFILES: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// How many of them are remembered.
const SRGB_PROFILES_KEPT: usize = 4;

fn known_srgb(icc: &[u8]) -> bool {
    let kept = SRGB_PROFILES.lock().unwrap_or_else(|e| e.into_inner());
    kept.iter().any(|p| p == icc)
}

fn remember_srgb(icc: &[u8]) {
    let mut kept = SRGB_PROFILES.lock().unwrap_or_else(|e| e.into_inner());
    keep_last(&mut kept, icc.to_vec(), SRGB_PROFILES_KEPT);
}

/// Adds `item` to `kept`, dropping the oldest first when `limit` are already kept.
fn keep_last<T>(kept: &mut Vec<T>, item: T, limit: usize) {
    if kept.len() == limit {
        kept.remove(0);
    }
    kept.push(item);
}

/// Grey pixels through their grey profile to sRGB grey: the 256 grey levels are converted once
/// (to RGB, equal channels for a neutral grey) and the photo is mapped through that table.
fn grey_to_srgb(
    raster: &mut Raster,
    icc: &[u8],
    input: &Profile,
    srgb: &Profile,
) -> Result<bool, ItemError> {
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
    if table.iter().zip(&levels).all(|(a, b)| a.abs_diff(*b) <= 1) {
        remember_srgb(icc);
        return Ok(true);
    }
    for v in &mut raster.data {
        *v = table[usize::from(*v)];
    }
    Ok(true)
}

/// Whether `icc` is a CMYK profile (its header's colour space).
#[must_use]
pub fn is_cmyk(icc: &[u8]) -> bool {
    icc.get(16..20) == Some(b"CMYK")
}

/// A CMYK profile's transform to sRGB (see [`cmyk_transform`]).
pub type CmykTransform = Arc<moxcms::Transform8BitExecutor>;

/// Transforms of the CMYK profiles seen last, by profile: building one (its tables) takes tens of
/// milliseconds, and the photos of a batch mostly share a profile.
static CMYK_TRANSFORMS: Mutex<Vec<(Vec<u8>, CmykTransform)>> = Mutex::new(Vec::new());

/// How many CMYK transforms are kept.
const CMYK_TRANSFORMS_KEPT: usize = 4;

/// The transform from the CMYK profile `icc` to sRGB, perceptual intent (the profile's A2B0
/// table), as LittleCMS and libvips make it; `Err` says why the profile cannot be used.
pub fn cmyk_transform(icc: &[u8]) -> Result<CmykTransform, String> {
    // A poisoned lock only means another photo's conversion panicked; the list is still whole.
    let mut kept = CMYK_TRANSFORMS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, transform)) = kept.iter().find(|(profile, _)| profile == icc) {
        return Ok(Arc::clone(transform));
    }
    let profile = ColorProfile::new_from_slice(icc).map_err(|e| e.to_string())?;
    if profile.color_space != DataColorSpace::Cmyk {
        return Err("it is not a CMYK profile".into());
    }
    let options = TransformOptions {
        rendering_intent: RenderingIntent::Perceptual,
        ..TransformOptions::default()
    };
    let transform = profile
        .create_transform_8bit(
            moxcms::Layout::Rgba,
            &ColorProfile::new_srgb(),
            moxcms::Layout::Rgb,
            options,
        )
        .map_err(|e| e.to_string())?;
    keep_last(
        &mut kept,
        (icc.to_vec(), Arc::clone(&transform)),
        CMYK_TRANSFORMS_KEPT,
    );
    Ok(transform)
}

/// The warning of a CMYK photo converted naively because its profile cannot be used (`why`).
#[must_use]
pub fn unusable_cmyk_profile(why: &str) -> String {
    format!(
        "the CMYK photo's ICC profile cannot be used ({why}), so its colours were converted \
         without it and may be off"
    )
}

/// CMYK pixels (4 bytes a pixel, 0 for no ink, 255 for full) to sRGB (3 bytes a pixel, in a
/// pooled buffer) through `transform`.
pub fn cmyk_to_srgb(cmyk: &[u8], transform: &CmykTransform) -> Result<Vec<u8>, ItemError> {
    let mut rgb = super::buffers::zeroed(cmyk.len() / 4 * 3);
    transform.transform(cmyk, &mut rgb).map_err(|e| {
        ItemError::Decode(format!(
            "the CMYK colours cannot be converted through the embedded ICC profile: {e}"
        ))
    })?;
    Ok(rgb)
}

/// Converts `raster` (RGB or RGBA) in place to sRGB from the colour its `nclx`/CICP code points
/// describe (H.273 `primaries` and `transfer`; an AVIF without an ICC profile), with moxcms,
/// perceptual intent. Code points moxcms does not know are an error, since the result would not
/// be sRGB.
///
/// HDR (PQ or HLG transfer) is tone-mapped to SDR first ([`hdr_to_sdr`]); the returned
/// warning says so.
pub fn cicp_to_srgb(
    raster: &mut Raster,
    primaries: u16,
    mut transfer: u16,
) -> Result<Option<String>, ItemError> {
    let mut warning = None;
    if matches!(transfer, 0 | 2 | 3) {
        // Reserved or unspecified: read as sRGB's curve, as browsers and libavif do.
        transfer = 13;
    }
    if let Some(lut) = hdr_to_sdr(transfer) {
        let channels = raster.layout.channels();
        for px in raster.data.chunks_exact_mut(channels) {
            for v in px.iter_mut().take(3) {
                *v = lut[usize::from(*v)];
            }
        }
        let name = if transfer == 16 { "PQ" } else { "HLG" };
        warning = Some(format!(
            "HDR photo ({name}): tone-mapped to SDR, so its highlights are compressed"
        ));
        transfer = 13;
    }
    let unknown = || ItemError::Unsupported {
        what: format!("colour given as nclx primaries {primaries}, transfer {transfer}"),
        hint: "convert it to sRGB with another tool first".into(),
    };
    let cicp = moxcms::CicpProfile {
        color_primaries: u8::try_from(primaries)
            .ok()
            .and_then(|p| moxcms::CicpColorPrimaries::try_from(p).ok())
            .ok_or_else(unknown)?,
        transfer_characteristics: u8::try_from(transfer)
            .ok()
            .and_then(|t| moxcms::TransferCharacteristics::try_from(t).ok())
            .ok_or_else(unknown)?,
        matrix_coefficients: moxcms::MatrixCoefficients::Bt709,
        full_range: true,
    };
    let layout = match raster.layout {
        Layout::Rgb => moxcms::Layout::Rgb,
        Layout::Rgba => moxcms::Layout::Rgba,
        Layout::Gray => return Ok(warning),
    };
    if primaries == 1 && transfer == 13 {
        return Ok(warning);
    }
    let options = TransformOptions {
        rendering_intent: RenderingIntent::Perceptual,
        ..TransformOptions::default()
    };
    let transform = ColorProfile::new_from_cicp(cicp)
        .create_transform_8bit(layout, &ColorProfile::new_srgb(), layout, options)
        .map_err(|_| unknown())?;
    let row = raster.width as usize * raster.layout.channels();
    let mut out = vec![0u8; row];
    for line in raster.data.chunks_exact_mut(row.max(1)) {
        transform
            .transform(line, &mut out)
            .map_err(|e| ItemError::Decode(format!("the colours cannot be converted: {e}")))?;
        line.copy_from_slice(&out);
    }
    Ok(warning)
}

/// For an HDR transfer (16: PQ, 18: HLG), a table from each 8-bit code value to the sRGB-coded
/// value of its tone-mapped light: the reference white (203 cd/m² for PQ, 75% signal for HLG,
/// as ITU-R BT.2408 places it) becomes SDR white, light up to 70% of it is kept as it is, and
/// brighter light rolls off smoothly towards white instead of clipping. `None` for SDR.
#[must_use]
pub fn hdr_to_sdr(transfer: u16) -> Option<[u8; 256]> {
    let linear: fn(f64) -> f64 = match transfer {
        16 => |v| {
            // SMPTE ST 2084 EOTF, in units of the 203 cd/m² reference white.
            let (m1, m2) = (2610.0 / 16384.0, 2523.0 / 4096.0 * 128.0);
            let (c1, c2, c3) = (
                3424.0 / 4096.0,
                2413.0 / 4096.0 * 32.0,
                2392.0 / 4096.0 * 32.0,
            );
            let e = v.powf(1.0 / m2);
            ((e - c1).max(0.0) / (c2 - c3 * e)).powf(1.0 / m1) * 10_000.0 / 203.0
        },
        18 => |v| {
            // ARIB STD-B67 inverse OETF, scene light relative to the 75% signal's.
            let (a, b, c) = (0.178_832_77, 0.284_668_92, 0.559_910_73);
            let scene = |v: f64| {
                if v <= 0.5 {
                    v * v / 3.0
                } else {
                    (((v - c) / a).exp() + b) / 12.0
                }
            };
            scene(v) / scene(0.75)
        },
        _ => return None,
    };
    let knee = 0.7;
    let mut lut = [0u8; 256];
    for (code, out) in lut.iter_mut().enumerate() {
        let x = linear(code as f64 / 255.0);
        let y = if x <= knee {
            x
        } else {
            let t = (x - knee) / (1.0 - knee);
            knee + (1.0 - knee) * t / (1.0 + t)
        };
        let srgb = if y <= 0.003_130_8 {
            12.92 * y
        } else {
            1.055 * y.powf(1.0 / 2.4) - 0.055
        };
        *out = (srgb * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    Some(lut)
}

#[cfg(test)]
mod tests {
    use super::{cicp_to_srgb, hdr_to_sdr};
    use crate::ops::raster::{Layout, Raster};

    #[test]
    fn nclx_colour_with_an_unspecified_transfer_is_read_with_srgbs_curve() {
        // BT.2020 primaries, transfer 2 ("unspecified", as some encoders write): was refused
        // as unsupported, so the photo failed.
        let mut raster = Raster::filled(2, 1, Layout::Rgb, 0);
        raster.data.copy_from_slice(&[200, 40, 40, 40, 200, 40]);
        let warning = cicp_to_srgb(&mut raster, 9, 2).unwrap();
        assert_eq!(warning, None);
        // BT.2020 red is more saturated than sRGB's: in sRGB it clips to full red.
        assert!(
            raster.data[0] > 200 && raster.data[1] < 40,
            "{:?}",
            raster.data
        );
    }

    #[test]
    fn hdr_tone_mapping_keeps_shadows_rolls_off_highlights_and_leaves_sdr_alone() {
        assert!(hdr_to_sdr(13).is_none(), "sRGB is no HDR");
        let pq = hdr_to_sdr(16).unwrap();
        let hlg = hdr_to_sdr(18).unwrap();
        for lut in [pq, hlg] {
            assert_eq!(lut[0], 0);
            assert!(lut.windows(2).all(|w| w[0] <= w[1]), "monotonic: {lut:?}");
        }
        // PQ code 148 of 255 is about 203 cd/m² (reference white): bright but not clipped;
        // 10,000 cd/m² (code 255) is white; 100 cd/m² (code 130) stays in the linear part.
        assert!((225..=245).contains(&pq[148]), "{}", pq[148]);
        assert!(pq[255] >= 250, "{}", pq[255]);
        assert!(pq[130] < pq[148] && pq[130] > 170, "{}", pq[130]);
        // HLG's 75% signal is its reference white too.
        assert!((225..=245).contains(&hlg[191]), "{}", hlg[191]);
    }
}
