//! The progressive Huffman decoding of [`super`]: each scan into the compact store, as
//! libjpeg's `jdphuff.c` decodes it, but stepping over coefficients by their nonzero bits; and
//! libjpeg's check of the progression, where anything it would refuse or warn about gives
//! `None`.

use libjpeg_turbo_rs::common::huffman_table::HuffmanTable;
use libjpeg_turbo_rs::decode::bitstream::BitReader;
use libjpeg_turbo_rs::decode::huffman::decode_dc_coefficient;
use libjpeg_turbo_rs::decode::marker::ScanInfo;

use super::{Store, NONE};

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

/// Decodes one scan into the components' stores; `None` on anything irregular.
pub(super) fn decode_scan(
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
    let dc = &mut store.dc[b];
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
        store.put(b, usize::from(slot), value);
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
                let c = store.get(b, slot);
                if c & p1 == 0 {
                    // The magnitude grows, so it may no longer fit in a byte.
                    let c = if c >= 0 {
                        c.wrapping_add(p1)
                    } else {
                        c.wrapping_sub(p1)
                    };
                    store.put(b, slot, c);
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
