//! The progressive path against libjpeg-turbo-rs.

use super::super::jpeg_half::tests::{encoder, picture, pixels_for};
use super::super::jpeg_half::{agrees_with_reference, reference};
use super::*;
use libjpeg_turbo_rs::common::types::ScanScript;
use libjpeg_turbo_rs::{Encoder, PixelFormat, Subsampling};

fn scan(components: &[u8], ss: u8, se: u8, ah: u8, al: u8) -> ScanScript {
    ScanScript {
        components: components.to_vec(),
        ss,
        se,
        ah,
        al,
    }
}

/// A scan script with spectral selection and successive approximation in bands other than
/// libjpeg's, so refinements cross the coefficients the reduced IDCTs keep and drop.
fn odd_script(colour: bool) -> Vec<ScanScript> {
    let all: &[u8] = if colour { &[0, 1, 2] } else { &[0] };
    let mut script = vec![scan(all, 0, 0, 0, 2), scan(all, 0, 0, 2, 1)];
    for &c in all {
        script.extend([
            scan(&[c], 1, 2, 0, 3),
            scan(&[c], 3, 20, 0, 2),
            scan(&[c], 21, 63, 0, 1),
            scan(&[c], 1, 2, 3, 2),
            scan(&[c], 1, 20, 2, 1),
            scan(&[c], 21, 63, 1, 0),
            scan(&[c], 1, 20, 1, 0),
        ]);
    }
    script.push(scan(all, 0, 0, 1, 0));
    script
}

fn jpeg(
    w: usize,
    h: usize,
    layout: Option<Subsampling>,
    quality: u8,
    restart: u16,
    script: Option<Vec<ScanScript>>,
) -> Vec<u8> {
    let pixels = pixels_for(w, h, layout);
    let mut encoder = encoder(&pixels, w, h, layout, quality, restart).progressive(true);
    if let Some(script) = script {
        encoder = encoder.scan_script(script);
    }
    encoder.encode().unwrap()
}

#[test]
fn decodes_every_layout_it_takes_exactly_as_libjpeg_turbo_rs() {
    let layouts = [
        None,
        Some(Subsampling::S444),
        Some(Subsampling::S422),
        Some(Subsampling::S420),
    ];
    for layout in layouts {
        for (w, h) in [(16, 16), (333, 217), (17, 301), (1001, 23)] {
            for quality in [30, 92, 100] {
                for restart in [0, 3] {
                    for odd in [false, true] {
                        let script = odd.then(|| odd_script(layout.is_some()));
                        let bytes = jpeg(w, h, layout, quality, restart, script);
                        let grey = layout.is_none();
                        for d in [2, 4, 8] {
                            let case = format!(
                                "{layout:?} {w}x{h} q{quality} restart {restart} \
                                 odd script {odd} 1/{d}"
                            );
                            assert!(decode(&bytes, grey, d).is_some(), "{case}: not taken");
                            agrees_with_reference(&bytes, grey, d as u32)
                                .unwrap_or_else(|e| panic!("{case}: {e}"));
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn keeps_only_what_the_reduced_idct_reads() {
    let bytes = jpeg(64, 48, Some(Subsampling::S420), 90, 0, None);
    let meta = MarkerReader::new(&bytes).read_markers().unwrap();
    let kept = |d| {
        stores(&meta, d, false)
            .iter()
            .map(|s| s.kept)
            .collect::<Vec<_>>()
    };
    // 4:2:0: luma 2×2 (25 coefficients) and chroma 4×4 (49) at 1/4; 1×1 and 2×2 at 1/8.
    assert_eq!(kept(4), [25, 49, 49]);
    assert_eq!(kept(8), [1, 25, 25]);
    // 64×48 is 4×3 MCUs: 48 luma and 12 + 12 chroma blocks, each with its DC in 2 bytes, its
    // other kept coefficients in a byte each, the index of its 16-bit group (4 bytes) and 8
    // bytes of nonzero bits.
    let expected = 48 * (2 + 24 + 4 + 8) + 24 * (2 + 48 + 4 + 8);
    assert_eq!(store_bytes(&bytes, false, 4), Some(expected as u64));
}

#[test]
fn leaves_what_it_does_not_take_to_libjpeg_turbo_rs() {
    let full = jpeg(64, 48, Some(Subsampling::S420), 80, 0, None);
    assert!(decode(&full, false, 1).is_none(), "1/1 is not this path's");
    assert!(decode(&full, true, 4).is_none(), "colour asked for as grey");
    let pixels = picture(64, 48, 3, 5);
    let sequential = Encoder::new(&pixels, 64, 48, PixelFormat::Rgb)
        .encode()
        .unwrap();
    assert!(decode(&sequential, false, 4).is_none(), "sequential");
    // Scans that leave the last bit of the AC coefficients unsent: libjpeg smooths those.
    let mut script = odd_script(false);
    script.retain(|s| !(s.ah == 1 && s.al == 0 && s.ss > 0));
    let partial = jpeg(64, 48, None, 80, 0, Some(script));
    assert!(reference(&partial, true, 4).is_ok());
    assert!(
        decode(&partial, true, 4).is_none(),
        "unrefined coefficients"
    );
}

#[test]
fn damaged_files_are_left_to_libjpeg_turbo_rs_or_decode_as_it_decodes_them() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for layout in [Some(Subsampling::S420), None] {
        let whole = jpeg(120, 80, layout, 85, 4, None);
        let grey = layout.is_none();
        let scans = MarkerReader::new(&whole)
            .read_markers()
            .unwrap()
            .entropy_data_offset;
        for _ in 0..200 {
            let mut bytes = whole.clone();
            let at = scans + (next() as usize) % (bytes.len() - scans - 40);
            match next() % 3 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => {
                    bytes.truncate(at);
                    bytes.extend_from_slice(&[0xFF, 0xD9]);
                }
                _ => bytes[at..at + 32].fill(0),
            }
            for d in [2, 4, 8] {
                agrees_with_reference(&bytes, grey, d)
                    .unwrap_or_else(|e| panic!("{layout:?} 1/{d}: {e}"));
            }
        }
    }
}
