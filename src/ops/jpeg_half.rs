//! The commonest scaled decode, a baseline JPEG at 1/2, with a vector 4×4 inverse DCT.
//!
//! libjpeg-turbo-rs decodes a JPEG at 1/2 with a scalar 4×4 IDCT (as libjpeg-turbo's C does on
//! x86), whole component planes at a time. This path drives the same crate's public parts (its
//! marker reader, Huffman decoder, ISLOW IDCT, upsampler and colour converter) one MCU row at a
//! time and transforms eight blocks at once ([`super::idct4`]), so the pixels are the ones
//! libjpeg-turbo-rs gives, byte for byte (tested), for less CPU and no whole planes.
//!
//! It takes only what it can decode exactly as libjpeg-turbo-rs does: 8-bit Huffman-coded
//! baseline or extended sequential JPEGs in one interleaved scan, grey (1×1 sampling) or YCbCr
//! (as libjpeg tells it from the JFIF or Adobe segment or the component ids) with 4:4:4, 4:2:2
//! or 4:2:0 chroma, at least 16 pixels a side. Anything else, and anything irregular in the data
//! (a Huffman code that does not decode, a segment that runs short, bytes between markers),
//! returns `None`, and the caller decodes the file with libjpeg-turbo-rs as before, which then
//! gives its own verdict: strictness and error messages are unchanged.

use std::sync::OnceLock;

use libjpeg_turbo_rs::decode::bitstream::BitReader;
use libjpeg_turbo_rs::decode::entropy::{resolve_mcu_plan, McuDecoder};
use libjpeg_turbo_rs::decode::marker::{JpegMetadata, MarkerReader};
use libjpeg_turbo_rs::simd::{detect, SimdRoutines};

use super::idct4::{idct4x4_all, LANES};

/// The pixels of a scaled decode: width, height and grey or RGB samples.
pub(crate) struct Scaled {
    pub width: u32,
    pub height: u32,
    pub samples: Vec<u8>,
}

/// The chroma layouts this path decodes.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Layout {
    Grey,
    /// 4:4:4: every component in 4×4 samples per block.
    Full,
    /// 4:2:2: chroma blocks of 4×4 at half the luma's width, upsampled across.
    HalfWidth,
    /// 4:2:0: chroma blocks through the 8×8 IDCT, which gives the luma's size.
    Quarter,
}

pub(super) fn routines() -> &'static SimdRoutines {
    static ROUTINES: OnceLock<SimdRoutines> = OnceLock::new();
    ROUTINES.get_or_init(detect)
}

/// Decodes `bytes` at 1/2 scale when it is a case this path takes (see the module's text), as
/// grey when `grey` (a one-component JPEG) or RGB; `None` leaves the file to libjpeg-turbo-rs.
pub(crate) fn decode(bytes: &[u8], grey: bool) -> Option<Scaled> {
    let meta = MarkerReader::new(bytes).read_markers().ok()?;
    let layout = layout_of(&meta, grey)?;
    decode_rows(bytes, &meta, layout)
}

/// The layout of a JPEG this path takes, or `None`.
fn layout_of(meta: &JpegMetadata, grey: bool) -> Option<Layout> {
    let frame = &meta.frame;
    let plain = !frame.is_progressive
        && !frame.is_lossless
        && !meta.is_arithmetic
        && frame.precision == 8
        && meta.extraneous_bytes == 0
        && meta.scans.len() == 1
        && meta.scan.components.len() == frame.components.len()
        && meta.scan.spec_start == 0
        && meta.scan.spec_end == 63
        && meta.scan.succ_high == 0
        && meta.scan.succ_low == 0
        && frame.width >= 16
        && frame.height >= 16;
    plain.then(|| colour_layout(meta, grey)).flatten()
}

/// The chroma layout of an 8-bit JPEG asked for as grey (`grey`) or RGB, when it is one of
/// [`Layout`]'s and, for RGB, its components are YCbCr as libjpeg tells it; else `None`.
pub(super) fn colour_layout(meta: &JpegMetadata, grey: bool) -> Option<Layout> {
    let frame = &meta.frame;
    let sampling: Vec<(u8, u8)> = frame
        .components
        .iter()
        .map(|c| (c.horizontal_sampling, c.vertical_sampling))
        .collect();
    match (grey, sampling.as_slice()) {
        (true, [(1, 1)]) => Some(Layout::Grey),
        (false, [luma, (1, 1), (1, 1)]) => {
            // YCbCr as libjpeg decides it at the first scan: a JFIF segment says so; else an
            // Adobe segment's transform (0 is RGB); else component ids other than 'R', 'G', 'B'.
            let ids: Vec<u8> = frame.components.iter().map(|c| c.id).collect();
            let ycbcr = meta.saw_jfif_marker_at_first_sos
                || match meta.adobe_transform_at_first_sos {
                    Some(transform) => transform != 0,
                    None => ids != *b"RGB",
                };
            if !ycbcr {
                return None;
            }
            match luma {
                (1, 1) => Some(Layout::Full),
                (2, 1) => Some(Layout::HalfWidth),
                (2, 2) => Some(Layout::Quarter),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Each component's quantisation table, or `None` where one is missing.
pub(super) fn quant_tables(meta: &JpegMetadata) -> Option<Vec<&[u16; 64]>> {
    meta.frame
        .components
        .iter()
        .map(|c| {
            meta.quant_tables
                .get(usize::from(c.quant_table_index))?
                .as_ref()
                .map(|q| &q.values)
        })
        .collect()
}

/// One component's samples for the MCU row being decoded.
struct Rows {
    /// Samples a row (the component's MCU-aligned width at this scale).
    width: usize,
    samples: Vec<u8>,
    /// The row's blocks for the 4×4 IDCT, in decoding order (MCU by MCU, each MCU's blocks row
    /// by row), padded to whole groups of eight; `hs × vs` blocks an MCU.
    blocks: Vec<[i16; 64]>,
    /// Their 4×4 samples.
    pixels: Vec<[u8; 16]>,
    hs: usize,
    vs: usize,
}

fn decode_rows(bytes: &[u8], meta: &JpegMetadata, layout: Layout) -> Option<Scaled> {
    let frame = &meta.frame;
    let (width, height) = (frame.width(), usize::from(frame.height));
    let (h0, v0) = match layout {
        Layout::Grey | Layout::Full => (1, 1),
        Layout::HalfWidth => (2, 1),
        Layout::Quarter => (2, 2),
    };
    let mcus_x = width.div_ceil(8 * h0);
    let mcus_y = height.div_ceil(8 * v0);
    let (out_w, out_h) = (width.div_ceil(2), height.div_ceil(2));
    // Rows of samples an MCU row gives, per component: luma 4 a block; chroma the same, or 8 in
    // a row of 8×8 blocks (4:2:0), which is the luma's 2 × 4.
    let rows_per_mcu = 4 * v0;
    let mut comps: Vec<Rows> = frame
        .components
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let width = if i == 0 {
                mcus_x * h0 * 4
            } else if layout == Layout::Quarter {
                mcus_x * 8
            } else {
                mcus_x * 4
            };
            let (hs, vs) = if i == 0 { (h0, v0) } else { (1, 1) };
            // 4:2:0's chroma goes through the 8×8 IDCT one block at a time instead.
            let count = if i > 0 && layout == Layout::Quarter {
                0
            } else {
                (mcus_x * hs * vs).next_multiple_of(LANES)
            };
            Rows {
                width,
                samples: vec![0; width * rows_per_mcu],
                blocks: vec![[0; 64]; count],
                pixels: Vec::with_capacity(count),
                hs,
                vs,
            }
        })
        .collect();
    let quant = quant_tables(meta)?;
    let plan = resolve_mcu_plan(
        frame,
        &meta.scan,
        &meta.dc_huffman_tables,
        &meta.ac_huffman_tables,
    )
    .ok()?;
    if plan.iter().enumerate().any(|(i, p)| p.comp_idx != i) {
        return None;
    }
    let simd = routines();
    let mut reader = BitReader::new(bytes.get(meta.entropy_data_offset..)?);
    let mut mcu = McuDecoder::new(plan.len());
    let restart = u32::from(meta.restart_interval);
    let mut count: u32 = 0;
    let channels = if layout == Layout::Grey { 1 } else { 3 };
    let mut out = super::buffers::zeroed(out_w * out_h * channels);
    let chroma_in = out_w.div_ceil(2);
    let mut up = [vec![0u8; 2 * chroma_in + 16], vec![0u8; 2 * chroma_in + 16]];
    let mut block = [0i16; 64];
    let mut islow = [0u8; 64];
    let ok = (|| {
        for my in 0..mcus_y {
            for mx in 0..mcus_x {
                if restart > 0 && count > 0 && count.is_multiple_of(restart) {
                    reader.reset();
                    mcu.reset();
                }
                for (ci, p) in plan.iter().enumerate() {
                    let rows = &mut comps[ci];
                    if rows.blocks.is_empty() {
                        mcu.decode_block(&mut reader, ci, p.dc_table, p.ac_table, &mut block)
                            .ok()?;
                        (simd.idct_islow)(&block, quant[ci], &mut islow);
                        for (r, line) in islow.chunks_exact(8).enumerate() {
                            let at = r * rows.width + mx * 8;
                            rows.samples[at..at + 8].copy_from_slice(line);
                        }
                        continue;
                    }
                    let per_mcu = rows.hs * rows.vs;
                    for slot in &mut rows.blocks[mx * per_mcu..(mx + 1) * per_mcu] {
                        mcu.decode_block(&mut reader, ci, p.dc_table, p.ac_table, slot)
                            .ok()?;
                    }
                }
                // The MCU read past the end of its segment: libjpeg-turbo-rs refuses that.
                if reader.insufficient_data() {
                    return None;
                }
                count += 1;
            }
            for (ci, rows) in comps.iter_mut().enumerate() {
                transform_blocks(rows, mcus_x, quant[ci]);
            }
            let first = my * rows_per_mcu;
            for y in first..(first + rows_per_mcu).min(out_h) {
                let r = y - first;
                let line = &mut out[y * out_w * channels..(y + 1) * out_w * channels];
                let luma = &comps[0].samples[r * comps[0].width..][..out_w];
                match layout {
                    Layout::Grey => line.copy_from_slice(luma),
                    Layout::Full | Layout::Quarter => {
                        let cb = &comps[1].samples[r * comps[1].width..][..out_w];
                        let cr = &comps[2].samples[r * comps[2].width..][..out_w];
                        simd.ycbcr_to_rgb_row(luma, cb, cr, line, out_w);
                    }
                    Layout::HalfWidth => {
                        for (c, up) in up.iter_mut().enumerate() {
                            let rows = &comps[c + 1];
                            let src = &rows.samples[r * rows.width..][..chroma_in];
                            simd.fancy_upsample_h2v1(src, chroma_in, up);
                        }
                        simd.ycbcr_to_rgb_row(luma, &up[0], &up[1], line, out_w);
                    }
                }
            }
        }
        Some(())
    })();
    if ok.is_none() {
        super::buffers::recycle(out);
        return None;
    }
    Some(Scaled {
        width: u32::try_from(out_w).ok()?,
        height: u32::try_from(out_h).ok()?,
        samples: out,
    })
}

/// Runs the 4×4 IDCT over a component's blocks of the MCU row, eight at a time, into its rows.
fn transform_blocks(rows: &mut Rows, mcus_x: usize, quant: &[u16; 64]) {
    let (hs, vs) = (rows.hs, rows.vs);
    idct4x4_all(&rows.blocks, quant, &mut rows.pixels);
    // Block order: MCU by MCU, and within one, row v then column h.
    let mut pixels = rows.pixels.iter();
    for mx in 0..mcus_x {
        for v in 0..vs {
            for h in 0..hs {
                let Some(px) = pixels.next() else { return };
                let (x, y) = ((mx * hs + h) * 4, v * 4);
                for (r, line) in px.chunks_exact(4).enumerate() {
                    let at = (y + r) * rows.width + x;
                    rows.samples[at..at + 4].copy_from_slice(line);
                }
            }
        }
    }
}

/// libjpeg-turbo-rs's own decode of `bytes` at 1/`denominator`, strictly, as fanlight drives
/// it otherwise: `(width, height, samples)` or its error.
#[cfg(any(test, fuzzing))]
pub(crate) fn reference(
    bytes: &[u8],
    grey: bool,
    denominator: u32,
) -> Result<(u32, u32, Vec<u8>), String> {
    super::jpeg::by_libjpeg_turbo(bytes, grey, denominator).map_err(|e| e.to_string())
}

/// Whether fanlight's own scaled decode of `bytes` at 1/`denominator` (this path for a
/// sequential file at 1/2, [`super::jpeg_prog`] for a progressive one at 1/2, 1/4 and 1/8) and
/// libjpeg-turbo-rs's agree: where fanlight decodes, the same size and samples; where
/// libjpeg-turbo-rs refuses, fanlight leaves the file to it.
#[cfg(any(test, fuzzing))]
pub fn agrees_with_reference(bytes: &[u8], grey: bool, denominator: u32) -> Result<(), String> {
    let ours = match denominator {
        2 => decode(bytes, grey)
            .or_else(|| super::jpeg_prog::decode(bytes, grey, denominator as usize)),
        4 | 8 => super::jpeg_prog::decode(bytes, grey, denominator as usize),
        _ => None,
    };
    let Some(ours) = ours else { return Ok(()) };
    match reference(bytes, grey, denominator) {
        Ok((w, h, samples)) => {
            if (ours.width, ours.height) != (w, h) {
                return Err(format!("{}x{} against {w}x{h}", ours.width, ours.height));
            }
            match ours.samples.iter().zip(&samples).position(|(a, b)| a != b) {
                None if ours.samples.len() == samples.len() => Ok(()),
                None => Err("sample counts differ".into()),
                Some(i) => Err(format!("sample {i} differs")),
            }
        }
        Err(e) => Err(format!("decoded a file libjpeg-turbo-rs refuses: {e}")),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use libjpeg_turbo_rs::{ColorSpace, Encoder, PixelFormat, Subsampling};

    /// A picture with smooth areas, edges and noise, so blocks of every density occur.
    pub(in crate::ops) fn picture(w: usize, h: usize, channels: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..w * h * channels)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let (x, y, c) = ((i / channels) % w, i / channels / w, i % channels);
                let base = (x * 255 / w.max(1) + y * 97 / h.max(1) + c * 60) % 256;
                let edge = if (x / 13 + y / 9) % 3 == 0 { 90 } else { 0 };
                let noise = (state % 48) as usize;
                ((base + edge + noise) % 256) as u8
            })
            .collect()
    }

    /// The test picture of `w × h` for a JPEG in `layout` (grey when `None`).
    pub(in crate::ops) fn pixels_for(w: usize, h: usize, layout: Option<Subsampling>) -> Vec<u8> {
        let channels = if layout.is_some() { 3 } else { 1 };
        picture(w, h, channels, (w * 31 + h) as u64)
    }

    /// An encoder of `pixels` (from [`pixels_for`]) as grey (`layout` `None`) or in the chroma
    /// `layout`, at `quality`, with a restart marker every `restart` blocks (0: none).
    pub(in crate::ops) fn encoder(
        pixels: &[u8],
        w: usize,
        h: usize,
        layout: Option<Subsampling>,
        quality: u8,
        restart: u16,
    ) -> Encoder<'_> {
        let format = if layout.is_some() {
            PixelFormat::Rgb
        } else {
            PixelFormat::Grayscale
        };
        let mut encoder = Encoder::new(pixels, w, h, format).quality(quality);
        if let Some(s) = layout {
            encoder = encoder.subsampling(s);
        }
        if restart > 0 {
            encoder = encoder.restart_blocks(restart);
        }
        encoder
    }

    fn jpeg(w: usize, h: usize, layout: Option<Subsampling>, quality: u8, restart: u16) -> Vec<u8> {
        let pixels = pixels_for(w, h, layout);
        encoder(&pixels, w, h, layout, quality, restart)
            .encode()
            .unwrap()
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
            for (w, h) in [(16, 16), (333, 217), (640, 480), (17, 301), (1001, 23)] {
                for quality in [30, 90, 100] {
                    for restart in [0, 3] {
                        let bytes = jpeg(w, h, layout, quality, restart);
                        let grey = layout.is_none();
                        let case = format!("{layout:?} {w}x{h} q{quality} restart {restart}");
                        assert!(decode(&bytes, grey).is_some(), "{case}: not taken");
                        agrees_with_reference(&bytes, grey, 2)
                            .unwrap_or_else(|e| panic!("{case}: {e}"));
                    }
                }
            }
        }
    }

    /// Every JPEG under `FANLIGHT_JPEG_DIR` (real camera files, say), checked against
    /// libjpeg-turbo-rs: `FANLIGHT_JPEG_DIR=DIR cargo test --lib -- --ignored real_jpegs`.
    #[test]
    #[ignore = "needs FANLIGHT_JPEG_DIR, a folder of JPEGs"]
    fn real_jpegs_decode_as_libjpeg_turbo_rs_decodes_them() {
        let dir = std::env::var("FANLIGHT_JPEG_DIR").expect("FANLIGHT_JPEG_DIR");
        let mut stack = vec![std::path::PathBuf::from(dir)];
        let (mut taken, mut files) = ([0; 4], 0);
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if !bytes.starts_with(&[0xFF, 0xD8]) {
                continue;
            }
            files += 1;
            for grey in [false, true] {
                taken[0] += usize::from(decode(&bytes, grey).is_some());
                for (i, d) in [2, 4, 8].into_iter().enumerate() {
                    let ours = super::super::jpeg_prog::decode(&bytes, grey, d);
                    taken[i + 1] += usize::from(ours.is_some());
                }
                for d in [2, 4, 8] {
                    agrees_with_reference(&bytes, grey, d)
                        .unwrap_or_else(|e| panic!("{} at 1/{d}: {e}", path.display()));
                }
            }
        }
        println!(
            "{files} JPEGs, taken by the 1/2 path {}, by the progressive path at 1/2 {}, 1/4 {} \
             and 1/8 {}, all as libjpeg-turbo-rs",
            taken[0], taken[1], taken[2], taken[3]
        );
    }

    #[test]
    fn leaves_what_it_does_not_take_to_libjpeg_turbo_rs_and_takes_adobe_ycbcr() {
        let pixels = picture(64, 48, 3, 7);
        let encode = |e: Encoder| e.encode().unwrap();
        let rgb = || Encoder::new(&pixels, 64, 48, PixelFormat::Rgb);
        let cases = [
            ("progressive", encode(rgb().progressive(true))),
            ("4:1:1", encode(rgb().subsampling(Subsampling::S411))),
            ("4:4:0", encode(rgb().subsampling(Subsampling::S440))),
            ("arithmetic", encode(rgb().arithmetic(true))),
            ("RGB, not YCbCr", encode(rgb().colorspace(ColorSpace::Rgb))),
            ("too small", jpeg(15, 40, Some(Subsampling::S420), 75, 0)),
        ];
        for (what, bytes) in cases {
            assert!(decode(&bytes, false).is_none(), "{what}: taken");
        }
        // An Adobe segment saying YCbCr (transform 1), as Photoshop writes: taken, and exact.
        let adobe = encode(rgb().write_adobe_marker(true));
        assert!(decode(&adobe, false).is_some(), "Adobe YCbCr: not taken");
        agrees_with_reference(&adobe, false, 2).unwrap();
        // A grey file asked for as colour, and a colour one as grey.
        assert!(decode(&jpeg(64, 48, None, 75, 0), false).is_none());
        assert!(decode(&jpeg(64, 48, Some(Subsampling::S444), 75, 0), true).is_none());
    }

    #[test]
    fn damaged_files_are_left_to_libjpeg_turbo_rs_or_decode_as_it_decodes_them() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for layout in [Some(Subsampling::S422), Some(Subsampling::S420), None] {
            let whole = jpeg(200, 120, layout, 85, 4);
            let grey = layout.is_none();
            let scan = MarkerReader::new(&whole)
                .read_markers()
                .unwrap()
                .entropy_data_offset;
            for _ in 0..300 {
                let mut bytes = whole.clone();
                match next() % 3 {
                    // A byte of entropy data changed.
                    0 => {
                        let at = scan + (next() as usize) % (bytes.len() - scan - 2);
                        bytes[at] ^= 1 << (next() % 8);
                    }
                    // Cut short and closed with an end marker.
                    1 => {
                        let at = scan + (next() as usize) % (bytes.len() - scan - 2);
                        bytes.truncate(at);
                        bytes.extend_from_slice(&[0xFF, 0xD9]);
                    }
                    // A run of entropy data zeroed.
                    _ => {
                        let at = scan + (next() as usize) % (bytes.len() - scan - 40);
                        bytes[at..at + 32].fill(0);
                    }
                }
                agrees_with_reference(&bytes, grey, 2)
                    .unwrap_or_else(|e| panic!("{layout:?}: {e}"));
            }
            // A file cut short and closed with a marker is refused, as libjpeg-turbo-rs does.
            let mut cut = whole.clone();
            cut.truncate(scan + (whole.len() - scan) / 2);
            cut.extend_from_slice(&[0xFF, 0xD9]);
            assert!(decode(&cut, grey).is_none());
            assert!(reference(&cut, grey, 2).is_err());
        }
    }
}
