//! One file per stage. Each stage is a plain [`crate::pipeline::Stage`]: a per-item function
//! with its own state, run inside the shared worker loop.

pub mod discover;
pub mod filter;
pub mod load;
pub mod mark_text;
pub mod naming;
pub mod resize;
mod walk;
pub mod watermark;
pub mod write;

/// Converts `img` to sRGB through the frame's ICC profile and drops the profile, before `stage`
/// changes the pixels' colour model (`why`: grey made colour, colour made grey), after which
/// the profile would no longer describe them and viewers would show the pixels as sRGB anyway.
/// A profile that cannot be used is dropped with a warning, so no colour shift is silent.
fn profile_to_srgb(
    frame: &mut crate::pipeline::Frame,
    img: &mut crate::ops::raster::Raster,
    stage: crate::stage_name::StageName,
    why: &str,
) {
    let Some(icc) = frame.meta.icc.take() else {
        return;
    };
    let reason = match crate::ops::colour::to_srgb(img, &icc) {
        Ok(true) => return,
        Ok(false) => "it does not describe these pixels".to_string(),
        Err(e) => e.to_string(),
    };
    frame.warn(
        stage,
        format!("its ICC profile was left out before {why}, so its colours may shift: {reason}"),
    );
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and in every run, for shard
/// assignment and shortened temporary names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference: the empty string is the offset basis.
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
