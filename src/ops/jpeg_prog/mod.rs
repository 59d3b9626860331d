//! Progressive JPEGs decoded at 1/2, 1/4 or 1/8 from only the coefficients those scales read.
//!
//! Each scan of a progressive JPEG refines the whole picture, so a decoder keeps every block's
//! coefficients until the last scan: libjpeg-turbo-rs (like libjpeg-turbo) keeps all 64 of
//! them as 16-bit numbers whatever the scale, 149 MB for a 24.8 MP 4:4:4 photo. The reduced
//! inverse DCTs read only some of them (libjpeg's 4×4 all but row and column 4, its 2×2 rows and
//! columns 0, 1, 3, 5 and 7, its 1×1 the DC alone), and the others matter to the decoding only
//! as zero or not: a refinement scan sends a correction bit for each coefficient already
//! nonzero. So this path keeps, a block, the coefficients its IDCT reads and one bit for each
//! of the 64 saying whether it is nonzero: 106 bytes a luma block at 1/2, 58 at 1/4 and 10 at
//! 1/8, instead of 128. (Keeping them in a byte each, with the few larger ones on the side,
//! would halve that again, but made the decode about 30% slower inside fanlight: tried and
//! dropped, see docs/BENCHMARKS.md.)
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

use libjpeg_turbo_rs::common::huffman_table::HuffmanTable;
use libjpeg_turbo_rs::common::quant_table::ZIGZAG_ORDER;
use libjpeg_turbo_rs::decode::bitstream::BitReader;
use libjpeg_turbo_rs::decode::huffman::decode_dc_coefficient;
use libjpeg_turbo_rs::decode::idct_scaled::{idct_1x1, idct_2x2};
use libjpeg_turbo_rs::decode::marker::{JpegMetadata, MarkerReader, ScanInfo};

use super::idct4::{idct4x4_lanes, LANES};
use super::jpeg_half::{colour_layout, routines, Layout, Scaled};

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
            .map(|s| (s.blocks * (2 * s.kept + 8)) as u64)
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
    /// The kept coefficients, `kept` a block, in slot order.
    values: Vec<i16>,
    /// Bit k: the coefficient at zigzag index k is nonzero.
    nonzero: Vec<u64>,
    /// The successive-approximation bit each coefficient (zigzag) was last sent to, as libjpeg
    /// keeps it to check the progression: -1 before its first scan, 0 once complete.
    coef_bits: [i8; 64],
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
                values: vec![0; allocated * kept],
                nonzero: vec![0; allocated],
                coef_bits: [-1; 64],
            }
        })
        .collect()
}

/// Checks a scan's progression as libjpeg does (`start_pass_phuff_decoder`), where anything
/// it refuses or warns about gives `None`, and records what the scan sends.
fn check_progression(
    stores: &mut [Store],
    comps: &[usize],
    (ss, se, ah, al): (usize, usize, u8, u8),
) -> Option<()> {
    let dc = ss == 0;
    let valid = if dc {
        se == 0
    } else {
        ss <= se && se <= 63 && comps.len() == 1
    };
    if !valid || (ah != 0 && al + 1 != ah) || al > 13 || comps.is_empty() {
        return None;
    }
    for &c in comps {
        let bits = &mut stores[c].coef_bits;
        if !dc && bits[0] < 0 {
            return None;
        }
        for b in &mut bits[ss..=se] {
            if ah as i8 != (*b).max(0) {
                return None;
            }
            *b = al as i8;
        }
    }
    Some(())
}

fn decode_scan(
    bytes: &[u8],
    scan: &ScanInfo,
    stores: &mut [Store],
    ids: &[u8],
    mcus_x: usize,
    mcus_y: usize,
) -> Option<()> {
    let header = &scan.header;
    let comps: Vec<usize> = header
        .components
        .iter()
        .map(|sc| ids.iter().position(|&id| id == sc.component_id))
        .collect::<Option<_>>()?;
    let (ss, se) = (usize::from(header.spec_start), usize::from(header.spec_end));
    let (ah, al) = (header.succ_high, header.succ_low);
    check_progression(stores, &comps, (ss, se, ah, al))?;
    let dc_table = |i: usize| {
        let index = header.components[i].dc_table_index;
        scan.dc_huffman_tables.get(usize::from(index))?.as_deref()
    };
    let mut reader = BitReader::new(bytes.get(scan.data_offset..)?);
    let mut restart = Restart::new(scan.restart_interval);
    let mut preds = [0i16; 4];
    if comps.len() > 1 {
        // DC of several components, MCU by MCU (each block of every one in the MCU).
        let tables: Vec<Option<&HuffmanTable>> = if ah == 0 {
            (0..comps.len())
                .map(|i| dc_table(i).map(Some))
                .collect::<Option<_>>()?
        } else {
            vec![None; comps.len()]
        };
        for my in 0..mcus_y {
            for mx in 0..mcus_x {
                if restart.due(&mut reader) {
                    preds = [0; 4];
                }
                for (&c, table) in comps.iter().zip(&tables) {
                    let store = &mut stores[c];
                    for v in 0..store.v {
                        for h in 0..store.h {
                            let b = (my * store.v + v) * store.blocks_x + mx * store.h + h;
                            dc_block(&mut reader, *table, &mut preds[c], store, b, al)?;
                        }
                    }
                }
                if reader.insufficient_data() {
                    return None;
                }
            }
        }
        return Some(());
    }
    let c = comps[0];
    let store = &mut stores[c];
    let table = if ss == 0 {
        if ah == 0 {
            Some(dc_table(0)?)
        } else {
            None
        }
    } else {
        let index = header.components[0].ac_table_index;
        Some(scan.ac_huffman_tables.get(usize::from(index))?.as_deref()?)
    };
    let mut eob_run = 0u32;
    let band = Band { ss, se, al };
    for by in 0..store.height_in_blocks {
        for bx in 0..store.width_in_blocks {
            if restart.due(&mut reader) {
                preds = [0; 4];
                eob_run = 0;
            }
            let b = by * store.blocks_x + bx;
            match table {
                _ if ss == 0 => dc_block(&mut reader, table, &mut preds[c], store, b, al)?,
                Some(t) if ah == 0 => ac_first(&mut reader, t, store, b, band, &mut eob_run)?,
                Some(t) => ac_refine(&mut reader, t, store, b, band, &mut eob_run)?,
                None => return None,
            }
            if reader.insufficient_data() {
                return None;
            }
        }
    }
    Some(())
}

/// Restart intervals, counted as libjpeg-turbo-rs counts them.
struct Restart {
    interval: u32,
    countdown: u32,
}

impl Restart {
    fn new(interval: u16) -> Self {
        Restart {
            interval: u32::from(interval),
            countdown: u32::from(interval),
        }
    }

    /// Counts an MCU; true when a restart marker comes before it (the reader has taken it).
    fn due(&mut self, reader: &mut BitReader) -> bool {
        if self.interval == 0 {
            return false;
        }
        let due = self.countdown == 0;
        if due {
            reader.reset();
            self.countdown = self.interval;
        }
        self.countdown -= 1;
        due
    }
}

/// The spectral band of an AC scan and its successive-approximation bit.
#[derive(Clone, Copy)]
struct Band {
    ss: usize,
    se: usize,
    al: u8,
}

/// A Huffman symbol, or `None` where the code does not decode.
#[inline(always)]
fn symbol(reader: &mut BitReader, table: &HuffmanTable) -> Option<u8> {
    let peek = reader.peek_bits(16);
    let (s, l) = table.lookup_fast(peek);
    let (s, l) = if l > 0 {
        (s, l)
    } else {
        table.lookup(peek).ok()?
    };
    reader.skip_bits(l);
    Some(s)
}

/// T.81's EXTEND: `bits` read for a coefficient of magnitude category `size` (1..=15).
#[inline(always)]
fn extend(bits: u16, size: u8) -> i32 {
    let v = i32::from(bits);
    if v < 1 << (size - 1) {
        v - (1 << size) + 1
    } else {
        v
    }
}

/// A DC first scan's block (with `table`) or a DC refinement's (without).
#[inline]
fn dc_block(
    reader: &mut BitReader,
    table: Option<&HuffmanTable>,
    pred: &mut i16,
    store: &mut Store,
    b: usize,
    al: u8,
) -> Option<()> {
    let dc = &mut store.values[b * store.kept];
    match table {
        Some(table) => {
            let diff = decode_dc_coefficient(reader, table).ok()?;
            *pred = pred.wrapping_add(diff);
            *dc = *pred << al;
        }
        None => {
            if reader.read_bits(1) != 0 {
                *dc |= 1 << al;
            }
        }
    }
    Some(())
}

/// Sets the coefficient at zigzag index `k` of block `b` to a nonzero `value`.
#[inline(always)]
fn set(store: &mut Store, b: usize, k: usize, value: i16) -> Option<()> {
    if value == 0 {
        return None; // a value shifted out of 16 bits: irregular
    }
    store.nonzero[b] |= 1 << k;
    let slot = store.slot[k];
    if slot != NONE {
        store.values[b * store.kept + usize::from(slot)] = value;
    }
    Some(())
}

/// An AC first scan's block (libjpeg's `decode_mcu_AC_first`).
fn ac_first(
    reader: &mut BitReader,
    table: &HuffmanTable,
    store: &mut Store,
    b: usize,
    Band { ss, se, al }: Band,
    eob_run: &mut u32,
) -> Option<()> {
    if *eob_run > 0 {
        *eob_run -= 1;
        return Some(());
    }
    let mut k = ss;
    while k <= se {
        let rs = symbol(reader, table)?;
        let (r, s) = (usize::from(rs >> 4), rs & 15);
        if s != 0 {
            k += r;
            if k > se {
                return None; // past the band: irregular
            }
            let value = (extend(reader.read_bits(s), s) << al) as i16;
            set(store, b, k, value)?;
        } else if r == 15 {
            k += 15;
        } else {
            *eob_run = (1 << r) - 1;
            if r > 0 {
                *eob_run += u32::from(reader.read_bits(r as u8));
            }
            break;
        }
        k += 1;
    }
    Some(())
}

/// The correction bits of the nonzero coefficients at the zigzag indices set in `nonzero`, in
/// order: each bit set adds `p1` to the magnitude of a kept coefficient that lacks it. The bits
/// of coefficients not kept are read and dropped.
#[inline(always)]
fn correct(reader: &mut BitReader, store: &mut Store, b: usize, mut nonzero: u64, p1: i16) {
    while nonzero != 0 {
        // Up to 16 bits at a time, for the first (lowest) `n` indices of `nonzero`.
        let n = nonzero.count_ones().min(16);
        let chunk = if n < 16 {
            nonzero
        } else {
            let mut rest = nonzero;
            for _ in 0..16 {
                rest &= rest - 1;
            }
            nonzero & !rest
        };
        nonzero &= !chunk;
        let bits = reader.read_bits(n as u8);
        let mut kept = chunk & store.kept_bits;
        while kept != 0 {
            let k = kept.trailing_zeros() as usize;
            kept &= kept - 1;
            // The bit of index k is the one after those of the indices below it.
            let before = (chunk & ((1 << k) - 1)).count_ones();
            if bits >> (n - 1 - before) & 1 != 0 {
                let slot = usize::from(store.slot[k]);
                let c = &mut store.values[b * store.kept + slot];
                if *c & p1 == 0 {
                    *c = if *c >= 0 {
                        c.wrapping_add(p1)
                    } else {
                        c.wrapping_sub(p1)
                    };
                }
            }
        }
    }
}

/// Zigzag indices `from..=to` as bits (`from` at most 63, `to` at most 63).
#[inline(always)]
fn span(from: usize, to: usize) -> u64 {
    (u64::MAX << from) & (u64::MAX >> (63 - to))
}

/// An AC refinement scan's block (libjpeg's `decode_mcu_AC_refine`), stepping over the
/// coefficients by their nonzero bits rather than one by one.
fn ac_refine(
    reader: &mut BitReader,
    table: &HuffmanTable,
    store: &mut Store,
    b: usize,
    Band { ss, se, al }: Band,
    eob_run: &mut u32,
) -> Option<()> {
    let p1: i16 = 1 << al;
    let mut k = ss;
    if *eob_run == 0 {
        while k <= se {
            let rs = symbol(reader, table)?;
            let (r, s) = (rs >> 4, rs & 15);
            let mut new = 0i16;
            if s != 0 {
                if s != 1 {
                    return None; // libjpeg warns of a bad Huffman code
                }
                new = if reader.read_bits(1) != 0 { p1 } else { -p1 };
            } else if r != 15 {
                *eob_run = 1 << r;
                if r > 0 {
                    *eob_run += u32::from(reader.read_bits(r));
                }
                break;
            }
            // Past `r` zero coefficients, and the nonzero ones among them (a correction bit
            // each), to the zero one the new value goes in (or past the band).
            let band = span(k, se);
            let mut zeros = !store.nonzero[b] & band;
            for _ in 0..r {
                zeros &= zeros.wrapping_sub(1);
            }
            let target = if zeros == 0 {
                se + 1
            } else {
                zeros.trailing_zeros() as usize
            };
            let before = if target > 63 {
                band
            } else {
                band & ((1 << target) - 1)
            };
            correct(reader, store, b, store.nonzero[b] & before, p1);
            k = target;
            if new != 0 {
                if k > se {
                    return None; // past the band: irregular
                }
                set(store, b, k, new)?;
            }
            k += 1;
        }
    }
    if *eob_run > 0 {
        // The rest of the band: correction bits for the nonzero coefficients only.
        if k <= se {
            correct(reader, store, b, store.nonzero[b] & span(k, se), p1);
        }
        *eob_run -= 1;
    }
    Some(())
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
    let quant: Vec<&[u16; 64]> = frame
        .components
        .iter()
        .map(|c| {
            meta.quant_tables
                .get(usize::from(c.quant_table_index))?
                .as_ref()
                .map(|q| &q.values)
        })
        .collect::<Option<_>>()?;
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
                    let kept = &store.values[b * store.kept..(b + 1) * store.kept];
                    for (&natural, &value) in store.naturals.iter().zip(kept) {
                        block[usize::from(natural)] = value;
                    }
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
    pixels.resize(lanes.len(), [0; 16]);
    for (i, block) in lanes.iter_mut().take(count).enumerate() {
        let b = my * count + i;
        let kept = &store.values[b * store.kept..(b + 1) * store.kept];
        for (&natural, &value) in store.naturals.iter().zip(kept) {
            block[usize::from(natural)] = value;
        }
    }
    for (chunk, out) in lanes
        .chunks_exact(LANES)
        .zip(pixels.chunks_exact_mut(LANES))
    {
        if let (Ok(chunk), Ok(out)) = (
            <&[[i16; 64]; LANES]>::try_from(chunk),
            <&mut [[u8; 16]; LANES]>::try_from(out),
        ) {
            idct4x4_lanes(chunk, quant, out);
        }
    }
    for (i, px) in pixels.iter().take(count).enumerate() {
        let (v, bx) = (i / store.blocks_x, i % store.blocks_x);
        for (r, line) in px.chunks_exact(4).enumerate() {
            let at = (v * 4 + r) * width + bx * 4;
            row[at..at + 4].copy_from_slice(line);
        }
    }
}

#[cfg(test)]
mod tests;
