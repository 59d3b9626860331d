//! Progressive JPEGs decoded at 1/2, 1/4 or 1/8 from only the coefficients those scales read.
//!
//! Each scan of a progressive JPEG refines the whole picture, so a decoder keeps every block's
//! coefficients until the last scan: libjpeg-turbo-rs (like libjpeg-turbo) keeps all 64 of
//! them as 16-bit numbers whatever the scale, 149 MB for a 24.8 MP 4:4:4 photo. The reduced
//! inverse DCTs read only some of them (libjpeg's 4×4 all but row and column 4, its 2×2 rows and
//! columns 0, 1, 3, 5 and 7, its 1×1 the DC alone), and the others matter to the decoding only
//! as zero or not: a refinement scan sends a correction bit for each coefficient already
//! nonzero. So this path keeps, a block, one bit for each of the 64 saying whether it is
//! nonzero, the DC in 2 bytes and the other coefficients its IDCT reads in a byte each (nearly
//! all fit; a block with one that does not gets a group of 16-bit ones on the side, found
//! through a 4-byte index): 62 bytes a luma block at 1/2, 38 at 1/4 and 10 at 1/8, instead of
//! 128.
//!
//! Its own progressive Huffman decoding (T.81 G.1.2, as libjpeg's `jdphuff.c` does it, but
//! stepping over coefficients by their nonzero bits) fills that store; libjpeg-turbo-rs's
//! marker reader, Huffman tables, bit reader, reduced IDCTs, upsampler and colour converter, and
//! fanlight's vector 4×4 IDCT ([`super::idct4`]), do the rest, so the pixels are the ones
//! libjpeg-turbo-rs gives, byte for byte (tested). It takes 8-bit Huffman-coded progressive
//! JPEGs in grey or YCbCr 4:4:4, 4:2:2 or 4:2:0 of at least 16 pixels a side. Anything
//! irregular returns `None` and the file goes to libjpeg-turbo-rs as before, which gives its own
//! verdict: a progression libjpeg would warn about, a code that does not decode, a segment that
//! runs short, or scans that leave coefficients unrefined (which libjpeg would smooth).

use libjpeg_turbo_rs::common::quant_table::ZIGZAG_ORDER;
use libjpeg_turbo_rs::decode::idct_scaled::{idct_1x1, idct_2x2};
use libjpeg_turbo_rs::decode::marker::{JpegMetadata, MarkerReader};

use super::idct4::{idct4x4_all, LANES};
use super::jpeg_half::{colour_layout, quant_tables, routines, Layout, Scaled};
use scans::decode_scan;

/// No slot: a coefficient the component's IDCT does not read.
const NONE: u8 = u8::MAX;

/// libjpeg-turbo-rs's default cap on the scans of a file.
const MAX_SCANS: usize = 8192;

/// Decodes the progressive JPEG `bytes` at 1/`denominator` (2, 4 or 8) when it is a case this
/// path takes (see the module's text), as grey when `grey` or RGB; `None` leaves it to
/// libjpeg-turbo-rs.
pub(crate) fn decode(bytes: &[u8], grey: bool, denominator: usize) -> Option<Scaled> {
    let (meta, layout) = taken(bytes, grey, denominator)?;
    let mut stores = stores(&meta, denominator, true);
    let ids: Vec<u8> = meta.frame.components.iter().map(|c| c.id).collect();
    let (mcus_x, mcus_y) = mcus(&meta);
    for scan in &meta.scans {
        decode_scan(bytes, scan, &mut stores, &ids, mcus_x, mcus_y)?;
    }
    // Every coefficient sent in full: otherwise libjpeg smooths the blocks, which this path
    // does not do.
    if stores.iter().any(|s| s.coef_bits.iter().any(|&b| b != 0)) {
        return None;
    }
    render(&meta, &stores, layout, denominator)
}

/// The bytes of coefficients [`decode`] would keep for `bytes` at 1/`denominator`, when it
/// takes the file by its header (for the decode memory budget); `None` when it does not.
pub(crate) fn store_bytes(bytes: &[u8], grey: bool, denominator: usize) -> Option<u64> {
    let (meta, _) = taken(bytes, grey, denominator)?;
    let stores = stores(&meta, denominator, false);
    Some(
        stores
            .iter()
            .map(|s| (s.blocks * (2 + (s.kept - 1) + 4 * usize::from(s.kept > 1) + 8)) as u64)
            .sum(),
    )
}

/// The file's markers and layout when this path takes it by its header.
fn taken(bytes: &[u8], grey: bool, denominator: usize) -> Option<(JpegMetadata, Layout)> {
    if !matches!(denominator, 2 | 4 | 8) {
        return None;
    }
    let meta = MarkerReader::new(bytes).read_markers().ok()?;
    let frame = &meta.frame;
    let plain = frame.is_progressive
        && !frame.is_lossless
        && !meta.is_arithmetic
        && frame.precision == 8
        && meta.extraneous_bytes == 0
        && meta.scans.len() <= MAX_SCANS
        && (16..=65500).contains(&frame.width)
        && (16..=65500).contains(&frame.height);
    if !plain {
        return None;
    }
    let layout = colour_layout(&meta, grey)?;
    Some((meta, layout))
}

/// One component's coefficients, as far as the output scale reads them.
struct Store {
    /// Blocks, and blocks a row, in whole MCUs (interleaved scans fill the padding).
    blocks: usize,
    blocks_x: usize,
    /// The blocks a scan of this component alone covers: its own size.
    width_in_blocks: usize,
    height_in_blocks: usize,
    h: usize,
    v: usize,
    /// Output samples a block side: the size of the component's reduced IDCT.
    size: usize,
    /// Coefficients kept a block, and the slot each zigzag index is kept in (or [`NONE`]).
    kept: usize,
    slot: [u8; 64],
    /// The zigzag indices kept, as bits, and their natural (row-major) indices in slot order.
    kept_bits: u64,
    naturals: Vec<u8>,
    /// Each block's DC, and its other kept coefficients (in slot order) in a byte each: nearly
    /// all fit (over 99.5% on camera photos). One that does not is [`ESCAPED`] there, and its
    /// block gets a group of 16-bit coefficients in `wide` (at the group index in `wide_at`,
    /// else `u32::MAX`) that holds it.
    dc: Vec<i16>,
    ac: Vec<i8>,
    wide_at: Vec<u32>,
    wide: Vec<i16>,
    /// Bit k: the coefficient at zigzag index k is nonzero.
    nonzero: Vec<u64>,
    /// The successive-approximation bit each coefficient (zigzag) was last sent to, as libjpeg
    /// keeps it to check the progression: -1 before its first scan, 0 once complete.
    coef_bits: [i8; 64],
}

/// An AC coefficient kept in [`Store::wide`] because it does not fit in a byte.
const ESCAPED: i8 = i8::MIN;

impl Store {
    /// The kept coefficient in `slot` of block `b`.
    #[inline(always)]
    fn get(&self, b: usize, slot: usize) -> i16 {
        if slot == 0 {
            return self.dc[b];
        }
        let n = self.kept - 1;
        match self.ac[b * n + slot - 1] {
            ESCAPED => self.wide[self.wide_at[b] as usize * n + slot - 1],
            v => i16::from(v),
        }
    }

    /// Sets the kept coefficient in `slot` of block `b`.
    #[inline(always)]
    fn put(&mut self, b: usize, slot: usize, value: i16) {
        if slot == 0 {
            self.dc[b] = value;
            return;
        }
        let n = self.kept - 1;
        let i = b * n + slot - 1;
        match (self.ac[i], i8::try_from(value)) {
            (ESCAPED, _) => self.wide[self.wide_at[b] as usize * n + slot - 1] = value,
            (_, Ok(v)) if v != ESCAPED => self.ac[i] = v,
            _ => self.widen(b, slot, value),
        }
    }

    /// Keeps `value` in block `b`'s group of 16-bit coefficients, made if it has none.
    #[cold]
    #[inline(never)]
    fn widen(&mut self, b: usize, slot: usize, value: i16) {
        let n = self.kept - 1;
        if self.wide_at[b] == u32::MAX {
            self.wide_at[b] = (self.wide.len() / n) as u32;
            self.wide.resize(self.wide.len() + n, 0);
        }
        self.wide[self.wide_at[b] as usize * n + slot - 1] = value;
        self.ac[b * n + slot - 1] = ESCAPED;
    }

    /// Block `b`'s kept coefficients into `block` at their natural positions (the others are
    /// left as they are: zero, in the blocks the output pass uses).
    #[inline(always)]
    fn fill(&self, b: usize, block: &mut [i16; 64]) {
        let Some((&dc, naturals)) = self.naturals.split_first() else {
            return;
        };
        block[usize::from(dc)] = self.dc[b];
        let n = self.kept - 1;
        let ac = &self.ac[b * n..(b + 1) * n];
        for (j, (&natural, &v)) in naturals.iter().zip(ac).enumerate() {
            block[usize::from(natural)] = match v {
                ESCAPED => self.wide[self.wide_at[b] as usize * n + j],
                v => i16::from(v),
            };
        }
    }
}

/// `n` copies of `value`, written: a zeroed allocation (`vec![0; n]`) maps the shared zero page,
/// so the store's first reads of a page and then its writes made copy-on-write faults, each a
/// TLB flush interrupting the other workers (measured: J3 and J1 about 30% slower).
fn written<T: Copy>(n: usize, value: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, value);
    v
}

fn max_sampling(meta: &JpegMetadata) -> (usize, usize) {
    let comps = &meta.frame.components;
    let h = comps
        .iter()
        .map(|c| c.horizontal_sampling)
        .max()
        .unwrap_or(1);
    let v = comps.iter().map(|c| c.vertical_sampling).max().unwrap_or(1);
    (usize::from(h.max(1)), usize::from(v.max(1)))
}

fn mcus(meta: &JpegMetadata) -> (usize, usize) {
    let (max_h, max_v) = max_sampling(meta);
    let (w, h) = (meta.frame.width(), usize::from(meta.frame.height));
    (w.div_ceil(8 * max_h), h.div_ceil(8 * max_v))
}

/// Whether libjpeg's reduced IDCT of `size`×`size` reads the coefficient at `natural`.
fn read_by_idct(size: usize, natural: usize) -> bool {
    let used = |i: usize| match size {
        1 => i == 0,
        2 => matches!(i, 0 | 1 | 3 | 5 | 7),
        4 => i != 4,
        _ => true,
    };
    used(natural / 8) && used(natural % 8)
}

/// Each component's store, its coefficients allocated when `allocate`.
fn stores(meta: &JpegMetadata, denominator: usize, allocate: bool) -> Vec<Store> {
    let (max_h, max_v) = max_sampling(meta);
    let (mcus_x, mcus_y) = mcus(meta);
    let (w, h) = (meta.frame.width(), usize::from(meta.frame.height));
    let least = 8 / denominator;
    meta.frame
        .components
        .iter()
        .map(|c| {
            let (ch, cv) = (
                usize::from(c.horizontal_sampling),
                usize::from(c.vertical_sampling),
            );
            // libjpeg's rule (jdmaster.c): a subsampled component takes a larger IDCT while
            // that still divides evenly, so that less upsampling is left to do.
            let mut size = least;
            while size < 8
                && (max_h * least).is_multiple_of(ch * size * 2)
                && (max_v * least).is_multiple_of(cv * size * 2)
            {
                size *= 2;
            }
            let mut slot = [NONE; 64];
            let (mut kept_bits, mut naturals) = (0u64, Vec::new());
            for (k, s) in slot.iter_mut().enumerate() {
                if read_by_idct(size, ZIGZAG_ORDER[k]) {
                    *s = naturals.len() as u8;
                    kept_bits |= 1 << k;
                    naturals.push(ZIGZAG_ORDER[k] as u8);
                }
            }
            let kept = naturals.len();
            let blocks = mcus_x * ch * mcus_y * cv;
            let allocated = if allocate { blocks } else { 0 };
            Store {
                blocks,
                blocks_x: mcus_x * ch,
                width_in_blocks: (w * ch).div_ceil(max_h * 8),
                height_in_blocks: (h * cv).div_ceil(max_v * 8),
                h: ch,
                v: cv,
                size,
                kept,
                slot,
                kept_bits,
                naturals,
                dc: written(allocated, 0),
                ac: written(allocated * (kept - 1), 0),
                wide_at: written(if kept > 1 { allocated } else { 0 }, u32::MAX),
                wide: Vec::new(),
                nonzero: written(allocated, 0),
                coef_bits: [-1; 64],
            }
        })
        .collect()
}

/// The output pass: each MCU row's blocks through the reduced IDCTs into rows of samples,
/// upsampled where 4:2:2 needs it, and converted to RGB.
fn render(
    meta: &JpegMetadata,
    stores: &[Store],
    layout: Layout,
    denominator: usize,
) -> Option<Scaled> {
    let frame = &meta.frame;
    let (w, h) = (frame.width(), usize::from(frame.height));
    let (out_w, out_h) = (w.div_ceil(denominator), h.div_ceil(denominator));
    let (_, mcus_y) = mcus(meta);
    let (_, max_v) = max_sampling(meta);
    let rows_per_mcu = max_v * (8 / denominator);
    let quant = quant_tables(meta)?;
    let mut rows: Vec<Vec<u8>> = stores
        .iter()
        .map(|s| vec![0u8; s.blocks_x * s.size * s.v * s.size])
        .collect();
    let channels = if layout == Layout::Grey { 1 } else { 3 };
    let simd = routines();
    let chroma_in = out_w.div_ceil(2);
    let mut up = [vec![0u8; 2 * chroma_in + 16], vec![0u8; 2 * chroma_in + 16]];
    let mut out = super::buffers::zeroed(out_w * out_h * channels);
    let mut block = [0i16; 64];
    // 4×4 blocks go through the vector IDCT eight at a time, per component.
    let mut lanes: Vec<Vec<[i16; 64]>> = vec![Vec::new(); stores.len()];
    let mut pixels: Vec<[u8; 16]> = Vec::new();
    for my in 0..mcus_y {
        for (((store, row), q), lanes) in stores.iter().zip(&mut rows).zip(&quant).zip(&mut lanes) {
            let width = store.blocks_x * store.size;
            if store.size == 4 {
                idct4_row(store, my, q, lanes, &mut pixels, row);
                continue;
            }
            for v in 0..store.v {
                for bx in 0..store.blocks_x {
                    let b = (my * store.v + v) * store.blocks_x + bx;
                    store.fill(b, &mut block);
                    let (x, y) = (bx * store.size, v * store.size);
                    let mut put = |r: usize, samples: &[u8]| {
                        let at = (y + r) * width + x;
                        row[at..at + samples.len()].copy_from_slice(samples);
                    };
                    match store.size {
                        1 => put(0, &[idct_1x1(&block, q)]),
                        2 => {
                            let mut px = [0u8; 4];
                            idct_2x2(&block, q, &mut px);
                            px.chunks_exact(2).enumerate().for_each(|(r, s)| put(r, s));
                        }
                        8 => {
                            let mut px = [0u8; 64];
                            (simd.idct_islow)(&block, q, &mut px);
                            px.chunks_exact(8).enumerate().for_each(|(r, s)| put(r, s));
                        }
                        _ => return None,
                    }
                }
            }
        }
        let first = my * rows_per_mcu;
        for y in first..(first + rows_per_mcu).min(out_h) {
            let r = y - first;
            let line = &mut out[y * out_w * channels..(y + 1) * out_w * channels];
            let at = |c: usize, len: usize| {
                let width = stores[c].blocks_x * stores[c].size;
                &rows[c][r * width..r * width + len]
            };
            match layout {
                Layout::Grey => line.copy_from_slice(at(0, out_w)),
                Layout::Full | Layout::Quarter => {
                    simd.ycbcr_to_rgb_row(at(0, out_w), at(1, out_w), at(2, out_w), line, out_w);
                }
                Layout::HalfWidth => {
                    for (c, up) in up.iter_mut().enumerate() {
                        let chroma = at(c + 1, chroma_in);
                        if denominator == 8 {
                            // At 1×1 blocks libjpeg doubles each sample instead of
                            // interpolating (jdsample.c: fancy only above 1/8).
                            for (pair, &s) in up.chunks_exact_mut(2).zip(chroma) {
                                pair.fill(s);
                            }
                        } else {
                            simd.fancy_upsample_h2v1(chroma, chroma_in, up);
                        }
                    }
                    simd.ycbcr_to_rgb_row(at(0, out_w), &up[0], &up[1], line, out_w);
                }
            }
        }
    }
    Some(Scaled {
        width: u32::try_from(out_w).ok()?,
        height: u32::try_from(out_h).ok()?,
        samples: out,
    })
}

/// One MCU row of a component of 4×4 blocks into its rows of samples, through the vector IDCT
/// eight blocks at a time (libjpeg's 4×4 IDCT, bit for bit).
fn idct4_row(
    store: &Store,
    my: usize,
    quant: &[u16; 64],
    lanes: &mut Vec<[i16; 64]>,
    pixels: &mut Vec<[u8; 16]>,
    row: &mut [u8],
) {
    let (count, width) = (store.v * store.blocks_x, store.blocks_x * 4);
    // Only kept positions are ever written, so the others stay zero from here on.
    lanes.resize(count.next_multiple_of(LANES), [0; 64]);
    for (i, block) in lanes.iter_mut().take(count).enumerate() {
        let b = my * count + i;
        store.fill(b, block);
    }
    idct4x4_all(lanes, quant, pixels);
    for (i, px) in pixels.iter().take(count).enumerate() {
        let (v, bx) = (i / store.blocks_x, i % store.blocks_x);
        for (r, line) in px.chunks_exact(4).enumerate() {
            let at = (v * 4 + r) * width + bx * 4;
            row[at..at + 4].copy_from_slice(line);
        }
    }
}

mod scans;
#[cfg(test)]
mod tests;
