//! Arbitrary bytes through the load stage's decoder (`fanlight::internals::decode::decode`, the function
//! `load` calls on a file's bytes), strict and lenient, with a small pixel limit like
//! `--max-pixels` so a header declaring a huge image is refused before any allocation.
//!
//! It must never panic, and whatever it accepts must be a well-formed raster within the limit.
//! Each input is also decoded shrunk on load (`decode_shrunk`, a plan asking for 1/16 of the
//! size, so a JPEG decodes at 1/8, or 1/4 or 1/2 when small): the raster is then the full size
//! divided by that, rounded up, or the full size (other formats, or a best effort). And a JPEG
//! that `huffman::optimize` re-codes with optimal tables must decode to the same pixels. The
//! 1/2-scale JPEG path (`jpeg_half`) must decode exactly as libjpeg-turbo-rs does, or leave the
//! file to it.
#![no_main]

use fanlight::internals::decode::{decode, decode_shrunk};
use fanlight::internals::huffman;
use fanlight::internals::geometry::Geometry;
use libfuzzer_sys::fuzz_target;

/// 4 MP: big enough for every seed, small enough that a run never allocates much.
const MAX_PIXELS: u64 = 4_000_000;

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on every panic, even one caught. `decode` deliberately catches
    // decoder panics (a known zune-jpeg assert on damaged progressive data) and reports them
    // as damage, so restore the default hook: a panic that escapes `decode` still crashes the
    // target, since libfuzzer-sys aborts when the closure unwinds.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
    // A JPEG whose scan is re-coded with optimal Huffman tables must decode to the same pixels.
    if let Some(recoded) = huffman::optimize(data) {
        if let (Ok(a), Ok(b)) = (
            decode(data, MAX_PIXELS, false),
            decode(&recoded, MAX_PIXELS, false),
        ) {
            assert!(a.raster.data == b.raster.data, "re-coding changed the pixels");
        }
    }
    for grey in [false, true] {
        for denominator in [2, 4, 8] {
            if let Err(e) = fanlight::internals::scaled_agrees(data, grey, denominator) {
                panic!("the 1/{denominator} path disagrees with libjpeg-turbo-rs: {e}");
            }
        }
    }
    for lenient in [false, true] {
        if let Ok(decoded) = decode(data, MAX_PIXELS, lenient) {
            let r = &decoded.raster;
            assert!(u64::from(r.width) * u64::from(r.height) <= MAX_PIXELS);
            assert!(r.width > 0 && r.height > 0);
            assert_eq!(
                r.data.len(),
                r.width as usize * r.height as usize * r.layout.channels()
            );
            let (w, h) = decoded.stored_size;
            assert_eq!(
                u64::from(w) * u64::from(h),
                u64::from(r.width) * u64::from(r.height)
            );
            // Strict acceptance never carries a best-effort warning (only ones about frames or
            // pages past the first).
            let best_effort = decoded
                .warning
                .as_deref()
                .is_some_and(|w| w.starts_with("best-effort"));
            assert!(lenient || !best_effort);
        }
        let tiny = |w: u32, h: u32| {
            Geometry::scaled(w, h, ((w / 16).max(1), (h / 16).max(1))).dct_denominator()
        };
        if let Ok((decoded, _)) = decode_shrunk(data, MAX_PIXELS, lenient, &tiny, None) {
            let r = &decoded.raster;
            assert_eq!(
                r.data.len(),
                r.width as usize * r.height as usize * r.layout.channels()
            );
            let (w, h) = decoded.full_size;
            let size = (r.width, r.height);
            assert!(
                [1, 2, 4, 8]
                    .iter()
                    .any(|&d| size == (w.div_ceil(d), h.div_ceil(d))),
                "{size:?} decoded for {w}x{h}"
            );
        }
    }
});
