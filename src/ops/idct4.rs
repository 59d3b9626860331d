//! The 4×4 reduced inverse DCT of a JPEG decoded at 1/2 scale, eight blocks at a time.
//!
//! libjpeg-turbo (C) and libjpeg-turbo-rs have no x86 SIMD version of it (`jidctred.c`'s
//! `jpeg_idct_4x4` is scalar there), and in a J1 export it was 18% of all CPU time. This is the same
//! arithmetic, lane for lane: each of eight blocks is a lane of `[i32; 8]` vectors, every step is
//! the same wrapping 32-bit operation, and the two shortcuts libjpeg takes for columns and rows
//! with only a DC term are taken per lane too (they differ from the full formula only where it
//! overflows, on extreme coefficients). The output is byte for byte libjpeg-turbo-rs's
//! `idct_scaled::idct_4x4`, which the tests check on random and real blocks. Plain loops over
//! lanes, which the compiler turns into AVX2 vector code where the CPU has it.

/// Blocks transformed at once.
pub(crate) const LANES: usize = 8;

type V = [i32; LANES];

const FIX_0_211164243: i32 = 1730;
const FIX_0_509795579: i32 = 4176;
const FIX_0_601344887: i32 = 4926;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_061594337: i32 = 8697;
const FIX_1_451774981: i32 = 11893;
const FIX_1_847759065: i32 = 15137;
const FIX_2_172734803: i32 = 17799;
const FIX_2_562915447: i32 = 20995;
const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

/// The columns (and, in the second pass, the workspace columns) the 4×4 output depends on:
/// every one but the fourth.
const USED: [usize; 7] = [0, 1, 2, 3, 5, 6, 7];

/// Transforms `LANES` blocks of quantised coefficients (natural order) that share `quant`, each
/// into 4×4 samples (row-major) in `out`.
pub(crate) fn idct4x4_lanes(
    blocks: &[[i16; 64]; LANES],
    quant: &[u16; 64],
    out: &mut [[u8; 16]; LANES],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just found to have AVX2.
        unsafe { lanes_avx2(blocks, quant, out) };
        return;
    }
    lanes(blocks, quant, out);
}

/// Transforms `blocks` (a whole number of groups of `LANES`) that share `quant` into `out`,
/// resized to one 4×4 block of samples each, `LANES` at a time.
pub(crate) fn idct4x4_all(blocks: &[[i16; 64]], quant: &[u16; 64], out: &mut Vec<[u8; 16]>) {
    out.resize(blocks.len(), [0; 16]);
    for (chunk, out) in blocks.chunks_exact(LANES).zip(out.chunks_exact_mut(LANES)) {
        if let (Ok(chunk), Ok(out)) = (
            <&[[i16; 64]; LANES]>::try_from(chunk),
            <&mut [[u8; 16]; LANES]>::try_from(out),
        ) {
            idct4x4_lanes(chunk, quant, out);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lanes_avx2(blocks: &[[i16; 64]; LANES], quant: &[u16; 64], out: &mut [[u8; 16]; LANES]) {
    use std::arch::x86_64::*;
    // The coefficients lane by lane: for each row of the blocks, an 8×8 transpose of 16-bit
    // values (row r of block k becomes lane k of each column), widened and dequantised.
    let mut c = [[[0i32; LANES]; 8]; 8];
    for &row in &USED {
        // SAFETY: each load reads the 8 coefficients (16 bytes) of one row of a 64-entry block.
        let a: [__m128i; 8] = std::array::from_fn(|k| unsafe {
            _mm_loadu_si128(blocks[k][row * 8..].as_ptr().cast())
        });
        let t = [
            _mm_unpacklo_epi16(a[0], a[1]),
            _mm_unpackhi_epi16(a[0], a[1]),
            _mm_unpacklo_epi16(a[2], a[3]),
            _mm_unpackhi_epi16(a[2], a[3]),
            _mm_unpacklo_epi16(a[4], a[5]),
            _mm_unpackhi_epi16(a[4], a[5]),
            _mm_unpacklo_epi16(a[6], a[7]),
            _mm_unpackhi_epi16(a[6], a[7]),
        ];
        let u = [
            _mm_unpacklo_epi32(t[0], t[2]),
            _mm_unpackhi_epi32(t[0], t[2]),
            _mm_unpacklo_epi32(t[1], t[3]),
            _mm_unpackhi_epi32(t[1], t[3]),
            _mm_unpacklo_epi32(t[4], t[6]),
            _mm_unpackhi_epi32(t[4], t[6]),
            _mm_unpacklo_epi32(t[5], t[7]),
            _mm_unpackhi_epi32(t[5], t[7]),
        ];
        let columns = [
            _mm_unpacklo_epi64(u[0], u[4]),
            _mm_unpackhi_epi64(u[0], u[4]),
            _mm_unpacklo_epi64(u[1], u[5]),
            _mm_unpackhi_epi64(u[1], u[5]),
            _mm_unpacklo_epi64(u[2], u[6]),
            _mm_unpackhi_epi64(u[2], u[6]),
            _mm_unpacklo_epi64(u[3], u[7]),
            _mm_unpackhi_epi64(u[3], u[7]),
        ];
        for (col, column) in columns.into_iter().enumerate() {
            let q = _mm256_set1_epi32(i32::from(quant[row * 8 + col]));
            let v = _mm256_mullo_epi32(_mm256_cvtepi16_epi32(column), q);
            // SAFETY: `c[row][col]` is 8 i32s, the 32 bytes stored.
            unsafe { _mm256_storeu_si256(c[row][col].as_mut_ptr().cast(), v) };
        }
    }
    transform(&c, out);
}

/// Rounds `x` shifted right by `n`, as libjpeg's `DESCALE` (with a wrapping add).
#[inline(always)]
fn descale(x: i32, n: u32) -> i32 {
    x.wrapping_add(1 << (n - 1)) >> n
}

/// The even and odd halves of one 1-D pass: `(tmp10, tmp12)` and `(a, b)` as in `jidctred.c`,
/// from the inputs at positions 0, 2, 6 (even) and 1, 3, 5, 7 (odd).
#[inline(always)]
fn butterfly(x0: i32, x2: i32, x6: i32, x1: i32, x3: i32, x5: i32, x7: i32) -> [i32; 4] {
    let tmp0 = x0 << (CONST_BITS + 1);
    let tmp2 = x2
        .wrapping_mul(FIX_1_847759065)
        .wrapping_add(x6.wrapping_mul(-FIX_0_765366865));
    let tmp10 = tmp0.wrapping_add(tmp2);
    let tmp12 = tmp0.wrapping_sub(tmp2);
    let a = x7
        .wrapping_mul(-FIX_0_211164243)
        .wrapping_add(x5.wrapping_mul(FIX_1_451774981))
        .wrapping_add(x3.wrapping_mul(-FIX_2_172734803))
        .wrapping_add(x1.wrapping_mul(FIX_1_061594337));
    let b = x7
        .wrapping_mul(-FIX_0_509795579)
        .wrapping_add(x5.wrapping_mul(-FIX_0_601344887))
        .wrapping_add(x3.wrapping_mul(FIX_0_899976223))
        .wrapping_add(x1.wrapping_mul(FIX_2_562915447));
    [
        tmp10.wrapping_add(b),
        tmp12.wrapping_add(a),
        tmp12.wrapping_sub(a),
        tmp10.wrapping_sub(b),
    ]
}

/// Level shift and clamp to a sample, saturating as libjpeg-turbo-rs does.
#[inline(always)]
fn sample(v: i32) -> u8 {
    v.saturating_add(128).clamp(0, 255) as u8
}

/// The portable path: the dequantised coefficients gathered lane by lane, then [`transform`].
fn lanes(blocks: &[[i16; 64]; LANES], quant: &[u16; 64], out: &mut [[u8; 16]; LANES]) {
    let mut c = [[[0i32; LANES]; 8]; 8];
    for &row in &USED {
        for col in 0..8 {
            let q = i32::from(quant[row * 8 + col]);
            c[row][col] = std::array::from_fn(|k| i32::from(blocks[k][row * 8 + col]) * q);
        }
    }
    transform(&c, out);
}

/// The two passes over `c[row][col]`, the dequantised coefficients of every lane.
#[inline(always)]
fn transform(c: &[[V; 8]; 8], out: &mut [[u8; 16]; LANES]) {
    // Pass 1, columns: ws[r][j] is output row r of the j-th used column, per lane.
    let mut ws = [[[0i32; LANES]; 7]; 4];
    for (j, &col) in USED.iter().enumerate() {
        let c = |row: usize| -> V { c[row][col] };
        let (c0, c1, c2, c3, c5, c6, c7) = (c(0), c(1), c(2), c(3), c(5), c(6), c(7));
        for k in 0..LANES {
            let rows = butterfly(c0[k], c2[k], c6[k], c1[k], c3[k], c5[k], c7[k]);
            let dc_only = (c1[k] | c2[k] | c3[k] | c5[k] | c6[k] | c7[k]) == 0;
            for (r, v) in rows.into_iter().enumerate() {
                ws[r][j][k] = if dc_only {
                    c0[k] << PASS1_BITS
                } else {
                    descale(v, CONST_BITS - PASS1_BITS + 1)
                };
            }
        }
    }
    // Pass 2, rows: workspace columns 0..7 are the used columns 0, 1, 2, 3, 5, 6, 7. Each output
    // sample is computed for all lanes at once (res[r][c][k]), then laid out block by block.
    let mut res = [[[0u8; LANES]; 4]; 4];
    for (r, w) in ws.iter().enumerate() {
        let mut o = [[0u8; LANES]; 4];
        for k in 0..LANES {
            let x = |j: usize| w[j][k];
            let cols = butterfly(x(0), x(2), x(5), x(1), x(3), x(4), x(6));
            let dc_only = (x(1) | x(2) | x(3) | x(4) | x(5) | x(6)) == 0;
            let dc = sample(descale(x(0), PASS1_BITS + 3));
            for (c, v) in cols.into_iter().enumerate() {
                o[c][k] = if dc_only {
                    dc
                } else {
                    sample(descale(v, CONST_BITS + PASS1_BITS + 3 + 1))
                };
            }
        }
        res[r] = o;
    }
    for (k, block) in out.iter_mut().enumerate() {
        for (i, px) in block.iter_mut().enumerate() {
            *px = res[i / 4][i % 4][k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libjpeg_turbo_rs::decode::idct_scaled::idct_4x4;

    /// A small deterministic generator (xorshift), so failures reproduce.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn check(blocks: &[[i16; 64]; LANES], quant: &[u16; 64]) {
        let mut ours = [[0u8; 16]; LANES];
        idct4x4_lanes(blocks, quant, &mut ours);
        let mut portable = [[0u8; 16]; LANES];
        lanes(blocks, quant, &mut portable);
        for k in 0..LANES {
            let mut theirs = [0u8; 16];
            idct_4x4(&blocks[k], quant, &mut theirs);
            assert_eq!(ours[k], theirs, "lane {k}: {:?}", blocks[k]);
            assert_eq!(portable[k], theirs, "portable, lane {k}");
        }
    }

    #[test]
    fn equals_libjpeg_turbo_rs_on_random_blocks_of_every_density() {
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for round in 0..20_000 {
            // From DC only to every coefficient set, small to extreme values and quantisers.
            let density = round % 65;
            let (coef_bits, quant_max) = match round % 4 {
                0 => (6, 16),
                1 => (10, 64),
                2 => (15, 255),
                _ => (16, 65535),
            };
            let mut quant = [0u16; 64];
            for q in &mut quant {
                *q = 1 + (next(&mut state) % quant_max) as u16;
            }
            let mut blocks = [[0i16; 64]; LANES];
            for block in &mut blocks {
                for (i, coefficient) in block.iter_mut().enumerate() {
                    if i == 0 || (next(&mut state) % 64) < density as u64 {
                        let v =
                            (next(&mut state) % (1 << coef_bits)) as i64 - (1 << (coef_bits - 1));
                        *coefficient = v.clamp(-32768, 32767) as i16;
                    }
                }
            }
            check(&blocks, &quant);
        }
    }

    #[test]
    fn equals_libjpeg_turbo_rs_on_extreme_dc_and_flat_columns() {
        let quant = [65535u16; 64];
        let mut blocks = [[0i16; 64]; LANES];
        for (k, block) in blocks.iter_mut().enumerate() {
            block[0] = [i16::MAX, i16::MIN, 1, -1, 300, -300, 0, 12345][k];
            if k % 2 == 1 {
                block[8 * 4 + 1] = 7; // row 4 only: still "DC only" for pass 1's column 1
            }
        }
        check(&blocks, &quant);
    }
}
