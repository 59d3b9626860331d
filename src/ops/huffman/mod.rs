//! Optimised Huffman tables for a baseline JPEG written with the standard ones: the scan is
//! re-coded symbol for symbol with tables built from its own symbol counts, as `cjpeg -optimize`
//! and `jpegtran -optimize` build them (ITU T.81 Annex K.2, libjpeg's `jpeg_gen_optimal_table`).
//! The coefficients are untouched, so the pixels are the same and the file is smaller.
//!
//! Why by hand: libjpeg-turbo-rs's own optimised encode (or its lossless transcode) keeps every
//! quantised block of the frame and costs about three baseline encodes; re-coding the finished
//! scan costs about one (docs/research/huffman.md).

mod bits;

use bits::{BitReader, BitWriter};

/// `jpeg` with its Huffman tables replaced by optimal ones for its scan, or `None` when it is
/// not the kind of file this re-codes (one baseline Huffman scan with every component, no restart
/// markers: what fanlight's encoder writes) or is not well formed.
#[must_use]
pub fn optimize(jpeg: &[u8]) -> Option<Vec<u8>> {
    let parsed = parse(jpeg)?;
    let data = unstuff(&jpeg[parsed.scan_start..parsed.scan_end]);
    SYMBOLS.with(|symbols| {
        let mut symbols = symbols.borrow_mut();
        symbols.clear();
        let out = recode(jpeg, &parsed, &data, &mut symbols);
        if symbols.capacity() > SYMBOLS_KEPT {
            *symbols = Vec::new();
        }
        out
    })
}

thread_local! {
    /// The symbols of the scan being re-coded, kept per thread between photos (a write worker
    /// re-codes one file after another), so their memory is not asked for and faulted in again
    /// for every photo.
    static SYMBOLS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The most symbols' room kept between photos (16 MB; a 12 MP JPEG at q85 has about 3 million).
const SYMBOLS_KEPT: usize = 4 << 20;

/// Reads the scan's symbols once (counting them and keeping them in `symbols`, each as table
/// << 24 | symbol << 16 | its extra bits), builds the tables, and writes the new file.
fn recode(jpeg: &[u8], parsed: &Parsed, data: &[u8], symbols: &mut Vec<u32>) -> Option<Vec<u8>> {
    let mut counts = [[0u32; 257]; 8];
    walk(parsed, data, |table, symbol, extra, _| {
        counts[table][usize::from(symbol)] += 1;
        symbols.push((table as u32) << 24 | u32::from(symbol) << 16 | extra);
    })?;
    // The tables in the order libjpeg writes them: each component's DC then AC table, once.
    let mut order: Vec<usize> = Vec::new();
    for &(_, _, dc, ac) in &parsed.components {
        for table in [dc, ac] {
            if !order.contains(&table) {
                order.push(table);
            }
        }
    }
    let mut specs: Vec<(usize, TableSpec)> = Vec::new();
    let mut codes = vec![Code::default(); 8 * 256];
    for table in order {
        let spec = optimal_table(&counts[table])?;
        for (symbol, code) in spec.codes() {
            codes[table * 256 + usize::from(symbol)] = code;
        }
        specs.push((table, spec));
    }
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend(parsed.keep.iter().flat_map(|&(from, to)| &jpeg[from..to]));
    for (table, spec) in &specs {
        // One segment per table, as libjpeg writes them.
        let len = 2 + 1 + 16 + spec.values.len();
        out.extend_from_slice(&[0xFF, 0xC4, (len >> 8) as u8, len as u8]);
        let (class, id) = (table / 4, table % 4);
        out.push(((class as u8) << 4) | id as u8);
        out.extend_from_slice(&spec.bits);
        out.extend_from_slice(&spec.values);
    }
    out.extend_from_slice(&jpeg[parsed.sos_start..parsed.scan_start]);
    let mut writer = BitWriter::new(out);
    for &packed in symbols.iter() {
        let (table, symbol) = ((packed >> 24) as usize, (packed >> 16) as u8);
        // A DC symbol is the count of extra bits; an AC symbol has it in its low nibble.
        let size = if table < 4 { symbol } else { symbol & 15 };
        let code = codes[table * 256 + usize::from(symbol)];
        writer.put(
            u32::from(code.bits) << size | (packed & 0xFFFF),
            code.len + size,
        );
    }
    let mut out = writer.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    Some(out)
}

/// What [`optimize`] needs of a JPEG's markers.
struct Parsed {
    /// Byte ranges to copy before the new tables: everything before the scan but the old DHTs.
    keep: Vec<(usize, usize)>,
    /// Where the SOS segment starts and where its entropy-coded data starts and ends.
    sos_start: usize,
    scan_start: usize,
    scan_end: usize,
    /// The decoding tables, by class (0 DC, 1 AC) × 4 + id.
    tables: Vec<Option<Decoder>>,
    /// Per component of the scan: (blocks across an MCU, blocks down, DC table, AC table).
    components: Vec<(usize, usize, usize, usize)>,
    /// MCUs across and down.
    mcus: (usize, usize),
}

/// A frame header: size and components (id, horizontal and vertical sampling factors).
struct Frame {
    width: usize,
    height: usize,
    comps: Vec<(u8, usize, usize)>,
}

fn parse(jpeg: &[u8]) -> Option<Parsed> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    let mut keep = vec![(0, 2)];
    let mut tables: Vec<Option<Decoder>> = (0..8).map(|_| None).collect();
    // The frame's width, height and components (id, horizontal and vertical sampling).
    let mut frame: Option<Frame> = None;
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(at + 1)?;
        let len = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        let body = jpeg.get(at + 4..at + 2 + len)?;
        match marker {
            // Baseline or extended sequential, Huffman-coded.
            0xC0 | 0xC1 => {
                let height = usize::from(u16::from_be_bytes([*body.get(1)?, *body.get(2)?]));
                let width = usize::from(u16::from_be_bytes([*body.get(3)?, *body.get(4)?]));
                let n = usize::from(*body.get(5)?);
                let mut comps = Vec::with_capacity(n);
                for c in 0..n {
                    let id = *body.get(6 + c * 3)?;
                    let sampling = *body.get(7 + c * 3)?;
                    let (h, v) = (usize::from(sampling >> 4), usize::from(sampling & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return None;
                    }
                    comps.push((id, h, v));
                }
                if width == 0 || height == 0 || n == 0 {
                    return None;
                }
                frame = Some(Frame {
                    width,
                    height,
                    comps,
                });
            }
            // Any other frame type (progressive, lossless, arithmetic): not re-coded here.
            0xC2..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xC4 => {
                let mut rest = body;
                while !rest.is_empty() {
                    let class_id = rest[0];
                    let (class, id) = (usize::from(class_id >> 4), usize::from(class_id & 15));
                    let bits: [u8; 16] = rest.get(1..17)?.try_into().ok()?;
                    let total: usize = bits.iter().map(|&b| usize::from(b)).sum();
                    let values = rest.get(17..17 + total)?;
                    if class > 1 || id > 3 || total > 256 {
                        return None;
                    }
                    tables[class * 4 + id] = Some(Decoder::new(&bits, values)?);
                    rest = &rest[17 + total..];
                }
                at += 2 + len;
                continue;
            }
            // A restart interval: not re-coded here (fanlight writes none).
            0xDD if body.get(..2)? != [0, 0] => return None,
            0xDA => {
                let Frame {
                    width,
                    height,
                    comps,
                } = frame?;
                let n = usize::from(*body.first()?);
                if n != comps.len() || body.len() != 1 + 2 * n + 3 {
                    return None;
                }
                let (ss, se, a) = (body[1 + 2 * n], body[2 + 2 * n], body[3 + 2 * n]);
                if ss != 0 || se != 63 || a != 0 {
                    return None;
                }
                let hmax = comps.iter().map(|c| c.1).max()?;
                let vmax = comps.iter().map(|c| c.2).max()?;
                let mut components = Vec::with_capacity(n);
                for (i, comp) in comps.iter().enumerate() {
                    let (id, selectors) = (body[1 + 2 * i], body[2 + 2 * i]);
                    let (dc, ac) = (usize::from(selectors >> 4), 4 + usize::from(selectors & 15));
                    if id != comp.0
                        || dc > 3
                        || ac > 7
                        || tables[dc].is_none()
                        || tables[ac].is_none()
                    {
                        return None;
                    }
                    // A single-component scan is not interleaved: one block per MCU.
                    let (h, v) = if n == 1 { (1, 1) } else { (comp.1, comp.2) };
                    components.push((h, v, dc, ac));
                }
                let mcus = if n == 1 {
                    let (h, v) = (comps[0].1, comps[0].2);
                    (
                        (width * h).div_ceil(8 * hmax),
                        (height * v).div_ceil(8 * vmax),
                    )
                } else {
                    (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax))
                };
                let scan_start = at + 2 + len;
                let scan_end = scan_end(jpeg, scan_start)?;
                // Only an end of image may follow: one scan.
                if jpeg.get(scan_end..scan_end + 2)? != [0xFF, 0xD9] {
                    return None;
                }
                return Some(Parsed {
                    keep,
                    sos_start: at,
                    scan_start,
                    scan_end,
                    tables,
                    components,
                    mcus,
                });
            }
            0xD8 | 0xD9 | 0xD0..=0xD7 | 0x01 | 0xFF => return None,
            _ => {}
        }
        keep.push((at, at + 2 + len));
        at += 2 + len;
    }
}

/// Where the entropy-coded data starting at `from` ends: at the first marker that is neither a
/// stuffed zero nor a restart marker.
fn scan_end(jpeg: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        at += memchr::memchr(0xFF, jpeg.get(at..)?)?;
        match *jpeg.get(at + 1)? {
            0x00 => at += 2,
            0xD0..=0xD7 => return None,
            _ => return Some(at),
        }
    }
}

/// The entropy-coded bytes without their stuffed zeros (`FF 00` → `FF`).
fn unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = memchr::memchr(0xFF, rest) {
        out.extend_from_slice(&rest[..=i]);
        rest = rest.get(i + 2..).unwrap_or(&[]);
    }
    out.extend_from_slice(rest);
    out
}

/// Decodes the scan block by block, calling `f(table, symbol, extra bits, their count)` for each
/// Huffman symbol in order. `None` when the data does not decode as a whole scan.
fn walk(parsed: &Parsed, data: &[u8], mut f: impl FnMut(usize, u8, u32, u8)) -> Option<()> {
    let mut reader = BitReader::new(data);
    let (across, down) = parsed.mcus;
    for _ in 0..across * down {
        for &(h, v, dc, ac) in &parsed.components {
            let (dc_table, ac_table) = (parsed.tables[dc].as_ref()?, parsed.tables[ac].as_ref()?);
            for _ in 0..h * v {
                let size = dc_table.decode(&mut reader)?;
                if size > 16 {
                    return None;
                }
                f(dc, size, reader.bits(size)?, size);
                let mut k = 1;
                while k < 64 {
                    let rs = ac_table.decode(&mut reader)?;
                    let (run, size) = (rs >> 4, rs & 15);
                    f(ac, rs, reader.bits(size)?, size);
                    if size == 0 {
                        if run != 15 {
                            break; // end of block
                        }
                        k += 16;
                    } else {
                        k += usize::from(run) + 1;
                    }
                }
                if k > 64 {
                    return None;
                }
            }
        }
    }
    // The rest is padding: fewer than 8 bits, all ones.
    reader.only_padding_left().then_some(())
}

/// A Huffman decoding table: a lookup of the first 9 bits, then code lengths 10 to 16.
struct Decoder {
    /// By the next 9 bits: (code length, symbol); length 0 when the code is longer.
    fast: Vec<(u8, u8)>,
    /// For lengths 1..=16: the largest code of that length (-1 when none), and the index in
    /// `values` of its first code minus that code.
    max_code: [i32; 18],
    offset: [i32; 17],
    values: Vec<u8>,
}

const FAST_BITS: u8 = 9;

impl Decoder {
    fn new(bits: &[u8; 16], values: &[u8]) -> Option<Self> {
        let mut fast = vec![(0u8, 0u8); 1 << FAST_BITS];
        let mut max_code = [-1i32; 18];
        let mut offset = [0i32; 17];
        let (mut code, mut index) = (0i32, 0usize);
        for len in 1..=16u8 {
            let count = usize::from(bits[usize::from(len) - 1]);
            offset[usize::from(len)] = index as i32 - code;
            for _ in 0..count {
                let symbol = *values.get(index)?;
                if len <= FAST_BITS {
                    let shift = FAST_BITS - len;
                    let first = (code as usize) << shift;
                    for slot in fast.get_mut(first..first + (1 << shift))? {
                        *slot = (len, symbol);
                    }
                }
                code += 1;
                index += 1;
            }
            if count > 0 {
                max_code[usize::from(len)] = code - 1;
            }
            if code > 1 << len {
                return None; // more codes than bits allow
            }
            code <<= 1;
        }
        max_code[17] = i32::MAX; // stops a runaway search
        Some(Self {
            fast,
            max_code,
            offset,
            values: values.to_vec(),
        })
    }

    #[inline(always)]
    fn decode(&self, reader: &mut BitReader<'_>) -> Option<u8> {
        let peek = reader.peek(16);
        let (len, symbol) = self.fast[(peek >> (16 - FAST_BITS)) as usize];
        if len > 0 {
            reader.consume(len)?;
            return Some(symbol);
        }
        for len in FAST_BITS + 1..=16 {
            let code = (peek >> (16 - len)) as i32;
            if code <= self.max_code[usize::from(len)] {
                reader.consume(len)?;
                let index = self.offset[usize::from(len)] + code;
                return self.values.get(usize::try_from(index).ok()?).copied();
            }
        }
        None
    }
}

/// A Huffman code: its bits, right-aligned, and its length.
#[derive(Clone, Copy, Default)]
struct Code {
    bits: u16,
    len: u8,
}

/// A table as a DHT segment gives it: the number of codes of each length 1..=16, and the
/// symbols in code order.
struct TableSpec {
    bits: [u8; 16],
    values: Vec<u8>,
}

impl TableSpec {
    /// The canonical code of each symbol (T.81 Annex C).
    fn codes(&self) -> impl Iterator<Item = (u8, Code)> + '_ {
        let mut code = 0u16;
        let mut values = self.values.iter();
        (1..=16u8).flat_map(move |len| {
            let count = self.bits[usize::from(len) - 1];
            let codes: Vec<(u8, Code)> = (0..count)
                .filter_map(|_| {
                    let symbol = *values.next()?;
                    let c = Code { bits: code, len };
                    code += 1;
                    Some((symbol, c))
                })
                .collect();
            code <<= 1;
            codes
        })
    }
}

/// The optimal table for symbol counts `freq` (256 symbols; the 257th is libjpeg's reserved
/// code, which keeps any code from being all ones), codes limited to 16 bits: libjpeg's
/// `jpeg_gen_optimal_table` step for step, so the tables are those `cjpeg -optimize` writes.
/// `None` for counts so skewed that a code would pass 32 bits before the limiting (libjpeg
/// refuses them too; no image's counts come near).
fn optimal_table(counts: &[u32; 257]) -> Option<TableSpec> {
    let mut freq: [u64; 257] = std::array::from_fn(|i| u64::from(counts[i]));
    freq[256] = 1;
    let mut codesize = [0usize; 257];
    let mut others = [-1i32; 257];
    loop {
        // The least frequent symbol (the last of equals), then the next least.
        let mut c1 = None;
        let mut v = u64::MAX;
        for (i, &f) in freq.iter().enumerate() {
            if f != 0 && f <= v {
                v = f;
                c1 = Some(i);
            }
        }
        let Some(mut c1) = c1 else { break };
        let mut c2 = None;
        let mut v = u64::MAX;
        for (i, &f) in freq.iter().enumerate() {
            if f != 0 && f <= v && i != c1 {
                v = f;
                c2 = Some(i);
            }
        }
        let Some(mut c2) = c2 else { break };
        freq[c1] += freq[c2];
        freq[c2] = 0;
        codesize[c1] += 1;
        while others[c1] >= 0 {
            c1 = others[c1] as usize;
            codesize[c1] += 1;
        }
        others[c1] = c2 as i32;
        codesize[c2] += 1;
        while others[c2] >= 0 {
            c2 = others[c2] as usize;
            codesize[c2] += 1;
        }
    }
    let mut bits = [0u32; 33];
    for &size in &codesize {
        if size > 32 {
            return None;
        }
        if size > 0 {
            bits[size] += 1;
        }
    }
    // Codes longer than 16 bits are moved up the tree (T.81 Figure K.3).
    for i in (17..=32).rev() {
        while bits[i] > 0 {
            let mut j = i - 2;
            while bits[j] == 0 {
                j -= 1;
            }
            bits[i] -= 2;
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
    }
    // Drop the reserved code, the longest.
    let mut i = 16;
    while bits[i] == 0 {
        i -= 1;
    }
    bits[i] -= 1;
    let mut values = Vec::new();
    for size in 1..=32 {
        for (symbol, &s) in codesize.iter().enumerate().take(256) {
            if s == size {
                values.push(symbol as u8);
            }
        }
    }
    let mut spec_bits = [0u8; 16];
    for (out, &b) in spec_bits.iter_mut().zip(&bits[1..=16]) {
        *out = b as u8;
    }
    Some(TableSpec {
        bits: spec_bits,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::optimize;
    use libjpeg_turbo_rs::{Encoder, PixelFormat, Subsampling};

    /// A busy picture: gradients, edges and noise, so every symbol kind occurs.
    fn picture(width: usize, height: usize, channels: usize) -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        (0..width * height * channels)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let (x, y) = ((i / channels) % width, (i / channels) / width);
                let base = (x * 3 + y * 2 + (i % channels) * 60) % 256;
                let edge = if (x / 7 + y / 5) % 2 == 0 { 40 } else { 0 };
                ((base + edge + (seed % 24) as usize) % 256) as u8
            })
            .collect()
    }

    fn encode(
        width: usize,
        height: usize,
        grey: bool,
        sub: Subsampling,
        optimise: bool,
    ) -> Vec<u8> {
        let (format, channels) = if grey {
            (PixelFormat::Grayscale, 1)
        } else {
            (PixelFormat::Rgb, 3)
        };
        let pixels = picture(width, height, channels);
        let mut encoder = Encoder::new(&pixels, width, height, format)
            .quality(85)
            .force_baseline(true)
            .optimize_huffman(optimise)
            .icc_profile(&[7; 300]);
        if !grey {
            encoder = encoder.subsampling(sub);
        }
        encoder.encode().unwrap()
    }

    /// The entropy-coded data: from the end of the SOS segment to the end of the file.
    fn scan(jpeg: &[u8]) -> &[u8] {
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let len = usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
        &jpeg[sos + 2 + len..]
    }

    #[test]
    fn the_recoded_scan_is_the_one_libjpeg_turbo_writes_with_optimised_tables() {
        let cases = [
            (96, 64, false, Subsampling::S420),
            (97, 63, false, Subsampling::S420),
            (33, 17, false, Subsampling::S422),
            (40, 24, false, Subsampling::S444),
            (1, 1, false, Subsampling::S420),
            (75, 41, true, Subsampling::S444),
        ];
        for (w, h, grey, sub) in cases {
            let standard = encode(w, h, grey, sub, false);
            let theirs = encode(w, h, grey, sub, true);
            let ours = optimize(&standard).unwrap_or_else(|| panic!("{w}x{h} {sub:?} re-coded"));
            assert_eq!(scan(&ours), scan(&theirs), "{w}x{h} grey {grey} {sub:?}");
            assert!(
                ours.len() <= standard.len(),
                "{w}x{h}: {} > {}",
                ours.len(),
                standard.len()
            );
            let pixels = |jpeg: &[u8]| image::load_from_memory(jpeg).unwrap().into_bytes();
            assert_eq!(pixels(&ours), pixels(&standard), "{w}x{h}: the same pixels");
            // The segments before the scan (the ICC profile among them) are kept.
            assert!(
                ours.windows(4).any(|w| w == b"ICC_"),
                "{w}x{h}: the profile"
            );
        }
    }

    #[test]
    fn files_it_does_not_recode_are_refused_not_mangled() {
        let standard = encode(64, 48, false, Subsampling::S420, false);
        // Cut short, closed with an end marker, or not a JPEG.
        let mut cut = standard[..standard.len() * 2 / 3].to_vec();
        cut.extend_from_slice(&[0xFF, 0xD9]);
        assert!(optimize(&cut).is_none());
        assert!(optimize(&standard[..standard.len() - 2]).is_none());
        assert!(optimize(b"not a jpeg").is_none());
        let progressive = Encoder::new(&picture(64, 48, 3), 64, 48, PixelFormat::Rgb)
            .progressive(true)
            .encode()
            .unwrap();
        assert!(optimize(&progressive).is_none());
        // Every prefix is refused or re-coded, never a panic.
        for len in (0..standard.len()).step_by(37) {
            let _ = optimize(&standard[..len]);
        }
    }
}
