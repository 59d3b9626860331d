//! Separable Gaussian blur in fixed point: exact, deterministic, and written as row loops that the
//! compiler vectorises (every inner loop runs along a row of bytes with no branches).
//!
//! The blur streams: each source row is blurred horizontally into a ring of `2r + 1` rows, and
//! each output row is summed from the ring and handed to a `combine` step (copy for a blur, the
//! sharpen step for an unsharp mask) that writes it back over the source row in place. A frame is
//! read once and written once, with no frame-sized scratch buffer. The kernel is symmetric, so
//! taps at equal distance are added before their one multiply.

use super::raster::Raster;

/// Kernel weights sum to `1 << WEIGHT_BITS`.
const WEIGHT_BITS: u32 = 14;
/// Fraction bits kept between the horizontal and vertical pass.
const MID_FRACTION_BITS: u32 = 8;

/// Scratch buffers for [`blur_rows_in_place`], kept by a worker between images; a few rows each.
#[derive(Default)]
pub struct BlurScratch {
    padded: Vec<u8>,
    acc: Vec<u32>,
    ring: Vec<u16>,
    row: Vec<u8>,
}

/// The integer Gaussian kernel for `sigma`: radius `ceil(3σ)`, weights summing to `1 << 14`.
#[must_use]
pub fn kernel(sigma: f32) -> Vec<u32> {
    let sigma = f64::from(sigma.max(0.01));
    let radius = (3.0 * sigma).ceil().max(1.0) as i64;
    let raw: Vec<f64> = (-radius..=radius)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = raw.iter().sum();
    let scale = f64::from(1u32 << WEIGHT_BITS) / total;
    let mut weights: Vec<u32> = raw.iter().map(|w| (w * scale).round() as u32).collect();
    // Put the rounding remainder on the centre tap so the weights sum exactly: flat stays flat.
    let sum: u32 = weights.iter().sum();
    let centre = radius as usize;
    weights[centre] = (weights[centre] + (1 << WEIGHT_BITS)) - sum;
    weights
}

/// A blurred copy of `src`.
#[must_use]
pub fn gaussian_blur(src: &Raster, sigma: f32) -> Raster {
    let mut out = src.clone();
    gaussian_blur_in_place(&mut out, sigma, &mut BlurScratch::default());
    out
}

/// Blurs every channel of `img` in place, reusing `scratch`. Edges repeat.
pub fn gaussian_blur_in_place(img: &mut Raster, sigma: f32, scratch: &mut BlurScratch) {
    blur_rows_in_place(img, sigma, scratch, |row, blurred| {
        row.copy_from_slice(blurred);
    });
}

/// Blurs `img` (every channel alike, edges repeated) and calls `combine(source_row, blurred_row)`
/// once per row, top to bottom, to write the result over the source row. Row `y` is combined only
/// once rows up to `y + r` have been read into the ring, so writing in place is safe.
///
/// On x86-64 CPUs with AVX2 both passes run on explicit AVX2 kernels (`vpmaddwd`: two taps per
/// multiply, sums kept in registers; see `avx2`), chosen at run time, and the loop around them and
/// `combine` are compiled with AVX2 enabled. The arithmetic is the same integer arithmetic, so
/// every path gives identical bytes.
pub fn blur_rows_in_place<F: FnMut(&mut [u8], &[u8])>(
    img: &mut Raster,
    sigma: f32,
    scratch: &mut BlurScratch,
    combine: F,
) {
    let (width, channels) = (img.width as usize, img.layout.channels());
    let data = &mut img.data;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { blur_avx2(data, width, channels, sigma, scratch, combine) };
        return;
    }
    // SAFETY: the portable path needs nothing of the CPU.
    unsafe { blur_impl::<F, false>(data, width, channels, sigma, scratch, combine) };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blur_avx2<F: FnMut(&mut [u8], &[u8])>(
    data: &mut [u8],
    width: usize,
    channels: usize,
    sigma: f32,
    scratch: &mut BlurScratch,
    combine: F,
) {
    // SAFETY: this function is only entered on a CPU with AVX2.
    unsafe { blur_impl::<F, true>(data, width, channels, sigma, scratch, combine) };
}

/// The streaming blur; `AVX2` selects the explicit AVX2 kernels, which keep the ring rows biased
/// (see `avx2`).
///
/// # Safety
/// With `AVX2` set, the CPU must support AVX2.
#[inline(always)]
unsafe fn blur_impl<F: FnMut(&mut [u8], &[u8]), const AVX2: bool>(
    data: &mut [u8],
    width: usize,
    ch: usize,
    sigma: f32,
    scratch: &mut BlurScratch,
    mut combine: F,
) {
    let weights = kernel(sigma);
    let radius = weights.len() / 2;
    let stride = width * ch;
    if stride == 0 || data.is_empty() {
        return;
    }
    let h = data.len() / stride;
    let slots = weights.len();
    scratch.padded.resize((width + 2 * radius) * ch, 0);
    scratch.acc.resize(stride, 0);
    scratch.ring.resize(slots * stride, 0);
    scratch.row.resize(stride, 0);
    let BlurScratch {
        padded,
        acc,
        ring,
        row: out_row,
    } = scratch;
    #[cfg(target_arch = "x86_64")]
    let pairs = avx2::tap_pairs(&weights);
    // Where each tap's ring row starts, for the output row at hand.
    let mut offsets = vec![0; slots];

    // The next source row to blur horizontally into the ring.
    let mut next = 0;
    for y in 0..h {
        // The ring holds rows y − r ..= y + r (clamped); row y + r is read before row y is
        // written (the first output row needs rows 0 ..= r).
        while next < h && next <= y + radius {
            let slot = next % slots;
            let src = &data[next * stride..(next + 1) * stride];
            pad_row(src, ch, radius, padded);
            let mid = &mut ring[slot * stride..(slot + 1) * stride];
            #[cfg(target_arch = "x86_64")]
            if AVX2 {
                // SAFETY: AVX2 is set only on a CPU that has it (this function's contract).
                unsafe { avx2::horizontal(padded, &weights, &pairs, ch, mid) };
            } else {
                horizontal(padded, &weights, ch, acc, mid);
            }
            #[cfg(not(target_arch = "x86_64"))]
            horizontal(padded, &weights, ch, acc, mid);
            next += 1;
        }
        for (k, offset) in offsets.iter_mut().enumerate() {
            let sy = (y + k).saturating_sub(radius).min(h - 1);
            *offset = (sy % slots) * stride;
        }
        #[cfg(target_arch = "x86_64")]
        if AVX2 {
            // SAFETY: as above.
            unsafe { avx2::vertical(ring, &offsets, &weights, &pairs, out_row) };
        } else {
            vertical(ring, &offsets, &weights, acc, out_row);
        }
        #[cfg(not(target_arch = "x86_64"))]
        vertical(ring, &offsets, &weights, acc, out_row);
        combine(&mut data[y * stride..(y + 1) * stride], out_row);
    }
}

/// Copies `row` into `padded` with `radius` repeated edge pixels on either side.
fn pad_row(row: &[u8], ch: usize, radius: usize, padded: &mut [u8]) {
    let stride = row.len();
    let (left, rest) = padded.split_at_mut(radius * ch);
    let (centre, right) = rest.split_at_mut(stride);
    centre.copy_from_slice(row);
    for px in left.chunks_exact_mut(ch) {
        px.copy_from_slice(&row[..ch]);
    }
    for px in right.chunks_exact_mut(ch) {
        px.copy_from_slice(&row[stride - ch..]);
    }
}

/// One padded row's horizontal pass into `mid` (8 fraction bits).
#[inline(always)]
fn horizontal(padded: &[u8], weights: &[u32], ch: usize, acc: &mut [u32], mid: &mut [u16]) {
    let radius = weights.len() / 2;
    let stride = mid.len();
    let taps = |k: usize| &padded[k * ch..k * ch + stride];
    for (a, &p) in acc.iter_mut().zip(taps(radius)) {
        *a = weights[radius] * u32::from(p);
    }
    for (k, &wk) in weights[..radius].iter().enumerate() {
        add_pair(acc, taps(k), taps(2 * radius - k), wk);
    }
    let shift = WEIGHT_BITS - MID_FRACTION_BITS;
    for (m, &a) in mid.iter_mut().zip(acc.iter()) {
        *m = ((a + (1 << (shift - 1))) >> shift) as u16;
    }
}

/// One output row's vertical pass: the ring rows at `offsets` (one per tap) summed into `out`.
#[inline(always)]
fn vertical(ring: &[u16], offsets: &[usize], weights: &[u32], acc: &mut [u32], out: &mut [u8]) {
    let radius = weights.len() / 2;
    let stride = out.len();
    let row = |k: usize| &ring[offsets[k]..offsets[k] + stride];
    for (a, &m) in acc.iter_mut().zip(row(radius)) {
        *a = weights[radius] * u32::from(m);
    }
    for (k, &wk) in weights[..radius].iter().enumerate() {
        let (above, below) = (row(k), row(2 * radius - k));
        for ((a, &u), &d) in acc.iter_mut().zip(above).zip(below) {
            *a += wk * (u32::from(u) + u32::from(d));
        }
    }
    let total_shift = WEIGHT_BITS + MID_FRACTION_BITS;
    for (o, &a) in out.iter_mut().zip(acc.iter()) {
        *o = ((a + (1 << (total_shift - 1))) >> total_shift) as u8;
    }
}

/// `acc += w × (left + right)`, element by element, in blocks of 16 so that it vectorises (a plain
/// three-way zip over bytes stays scalar).
#[inline(always)]
fn add_pair(acc: &mut [u32], left: &[u8], right: &[u8], w: u32) {
    const BLOCK: usize = 16;
    let mut a = acc.chunks_exact_mut(BLOCK);
    let mut l = left.chunks_exact(BLOCK);
    let mut r = right.chunks_exact(BLOCK);
    for ((a, l), r) in (&mut a).zip(&mut l).zip(&mut r) {
        let mut sum = [0u16; BLOCK];
        for i in 0..BLOCK {
            sum[i] = u16::from(l[i]) + u16::from(r[i]);
        }
        for i in 0..BLOCK {
            a[i] += w * u32::from(sum[i]);
        }
    }
    for ((a, &l), &r) in a
        .into_remainder()
        .iter_mut()
        .zip(l.remainder())
        .zip(r.remainder())
    {
        *a += w * (u32::from(l) + u32::from(r));
    }
}

/// The two passes on AVX2, 16 values at a time, with `vpmaddwd`: each multiply takes two taps
/// (interleaved 16-bit values times a pair of 16-bit weights, summed into 32 bits), and the sums
/// stay in registers until the row's 16 values are done.
///
/// The ring's 8-fraction-bit values reach 65280, too large for the signed 16-bit inputs of
/// `vpmaddwd`, so these kernels keep them biased: `mid − 32768` (`mid ^ 0x8000`). The weights sum
/// to `1 << WEIGHT_BITS`, so the vertical pass adds `32768 << WEIGHT_BITS` back and every result
/// is exactly the portable one: no intermediate overflows (a pair's weights are at most
/// `1 << 14` together, and the inputs at most `1 << 15`).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm256_add_epi32, _mm256_castsi256_si128, _mm256_cvtepu8_epi16,
        _mm256_loadu_si256, _mm256_madd_epi16, _mm256_packs_epi32, _mm256_packus_epi16,
        _mm256_packus_epi32, _mm256_permute4x64_epi64, _mm256_set1_epi32, _mm256_setzero_si256,
        _mm256_srli_epi32, _mm256_storeu_si256, _mm256_sub_epi32, _mm256_unpackhi_epi16,
        _mm256_unpacklo_epi16, _mm_loadu_si128, _mm_storeu_si128,
    };

    use super::{MID_FRACTION_BITS, WEIGHT_BITS};

    /// `mid ^ BIAS` is `mid − 32768` read as `i16`.
    const BIAS: u16 = 0x8000;
    const H_SHIFT: i32 = (WEIGHT_BITS - MID_FRACTION_BITS) as i32;
    const V_SHIFT: i32 = (WEIGHT_BITS + MID_FRACTION_BITS) as i32;

    /// The taps in pairs `(a, b, weights)`, `weights` holding `w[a]` in its low and `w[b]` in its
    /// high 16 bits; an odd last tap is paired with itself at weight 0.
    pub fn tap_pairs(weights: &[u32]) -> Vec<(usize, usize, i32)> {
        assert!(weights.iter().all(|&w| w <= 1 << WEIGHT_BITS));
        let n = weights.len();
        (0..n)
            .step_by(2)
            .map(|a| {
                let b = if a + 1 < n { a + 1 } else { a };
                let wb = if a + 1 < n { weights[b] } else { 0 };
                // Weights are at most 1 << 14, so each fits an i16.
                (a, b, ((wb << 16) | weights[a]) as i32)
            })
            .collect()
    }

    /// Values per vector: sixteen 16-bit inputs, summed as two vectors of eight 32-bit sums.
    const LANES: usize = 16;
    /// Vectors done together in the main loop, so that each tap pair's weights and addresses are
    /// loaded once for 64 values.
    const BLOCKS: usize = 4;

    /// Sums of `pairs` over `B` runs of 16 consecutive 16-bit values, `load(tap, block)` giving
    /// the 16 values of one tap for one run. Each run's sums come as two vectors of eight
    /// (values 0–3 and 8–11, then 4–7 and 12–15: packing the two restores the order).
    #[inline(always)]
    unsafe fn sums<const B: usize>(
        pairs: &[(usize, usize, i32)],
        load: impl Fn(usize, usize) -> __m256i,
    ) -> [(__m256i, __m256i); B] {
        let mut acc = [(_mm256_setzero_si256(), _mm256_setzero_si256()); B];
        for &(a, b, w) in pairs {
            let w = _mm256_set1_epi32(w);
            for (block, (lo, hi)) in acc.iter_mut().enumerate() {
                let (va, vb) = (load(a, block), load(b, block));
                *lo = _mm256_add_epi32(*lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(va, vb), w));
                *hi = _mm256_add_epi32(*hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(va, vb), w));
            }
        }
        acc
    }

    /// `16 · B` values of the horizontal pass from `padded[e + k·ch ..]` into `mid[e..]`.
    ///
    /// # Safety
    /// AVX2; `e + 16·B ≤ mid.len()`, `padded.len() ≥ mid.len() + 2r·ch`, pairs within the taps.
    #[inline(always)]
    unsafe fn horizontal_blocks<const B: usize>(
        padded: &[u8],
        pairs: &[(usize, usize, i32)],
        ch: usize,
        mid: &mut [u16],
        e: usize,
    ) {
        let (round, bias) = (
            _mm256_set1_epi32(1 << (H_SHIFT - 1)),
            _mm256_set1_epi32(32768),
        );
        let base = padded.as_ptr().add(e);
        let runs = sums::<B>(pairs, |k, block| {
            _mm256_cvtepu8_epi16(_mm_loadu_si128(
                base.add(k * ch + block * LANES).cast::<__m128i>(),
            ))
        });
        for (block, (lo, hi)) in runs.into_iter().enumerate() {
            // (sum + round) >> 6, then less 32768: within i16, so the signed pack is exact.
            let finish = |v| {
                let v = _mm256_srli_epi32::<H_SHIFT>(_mm256_add_epi32(v, round));
                _mm256_sub_epi32(v, bias)
            };
            let packed = _mm256_packs_epi32(finish(lo), finish(hi));
            let to = mid.as_mut_ptr().add(e + block * LANES);
            _mm256_storeu_si256(to.cast::<__m256i>(), packed);
        }
    }

    /// The horizontal pass of one padded row into `mid`, biased.
    ///
    /// # Safety
    /// The CPU must support AVX2, and `pairs` must come from [`tap_pairs`] of `weights`.
    #[target_feature(enable = "avx2")]
    pub unsafe fn horizontal(
        padded: &[u8],
        weights: &[u32],
        pairs: &[(usize, usize, i32)],
        ch: usize,
        mid: &mut [u16],
    ) {
        let stride = mid.len();
        // Every load reads padded[e + k·ch ..][..16] with e + 16 ≤ stride and k ≤ 2r.
        assert!(padded.len() >= stride + (weights.len() - 1) * ch);
        assert!(pairs.iter().all(|&(a, b, _)| a.max(b) < weights.len()));
        let mut e = 0;
        while e + BLOCKS * LANES <= stride {
            // SAFETY: AVX2 (the caller's promise) and the bounds asserted above.
            unsafe { horizontal_blocks::<BLOCKS>(padded, pairs, ch, mid, e) };
            e += BLOCKS * LANES;
        }
        while e + LANES <= stride {
            // SAFETY: as above.
            unsafe { horizontal_blocks::<1>(padded, pairs, ch, mid, e) };
            e += LANES;
        }
        for (e, m) in mid.iter_mut().enumerate().skip(e) {
            let sum: u32 = (0..weights.len())
                .map(|k| weights[k] * u32::from(padded[e + k * ch]))
                .sum();
            *m = ((sum + (1 << (H_SHIFT - 1))) >> H_SHIFT) as u16 ^ BIAS;
        }
    }

    /// `16 · B` values of the vertical pass from the ring rows at `offsets` into `out[e..]`.
    ///
    /// # Safety
    /// AVX2; `e + 16·B ≤ out.len()`, every `offsets[k] + out.len() ≤ ring.len()`, pairs within
    /// `offsets`.
    #[inline(always)]
    unsafe fn vertical_blocks<const B: usize>(
        ring: &[u16],
        offsets: &[usize],
        pairs: &[(usize, usize, i32)],
        out: &mut [u8],
        e: usize,
    ) {
        // The bias back (32768 × the weights' sum) and the rounding of the final shift.
        let restore = _mm256_set1_epi32((32768 << WEIGHT_BITS) + (1 << (V_SHIFT - 1)));
        let base = ring.as_ptr().add(e);
        let runs = sums::<B>(pairs, |k, block| {
            let row = base.add(*offsets.get_unchecked(k) + block * LANES);
            _mm256_loadu_si256(row.cast::<__m256i>())
        });
        for (block, (lo, hi)) in runs.into_iter().enumerate() {
            let finish = |v| _mm256_srli_epi32::<V_SHIFT>(_mm256_add_epi32(v, restore));
            // 0..=255 in 32 bits → 16 → 8; the byte pack repeats each 128-bit lane's eight
            // values, so the two useful 64-bit quarters (0 and 2) are brought together.
            let words = _mm256_packus_epi32(finish(lo), finish(hi));
            let bytes = _mm256_permute4x64_epi64::<0b10_00>(_mm256_packus_epi16(words, words));
            let to = out.as_mut_ptr().add(e + block * LANES);
            _mm_storeu_si128(to.cast::<__m128i>(), _mm256_castsi256_si128(bytes));
        }
    }

    /// The vertical pass: the biased ring rows at `offsets` (one per tap) summed into `out`.
    ///
    /// # Safety
    /// The CPU must support AVX2, and `pairs` must come from [`tap_pairs`] of `weights`.
    #[target_feature(enable = "avx2")]
    pub unsafe fn vertical(
        ring: &[u16],
        offsets: &[usize],
        weights: &[u32],
        pairs: &[(usize, usize, i32)],
        out: &mut [u8],
    ) {
        let stride = out.len();
        assert!(offsets.len() == weights.len());
        assert!(offsets.iter().all(|&o| o + stride <= ring.len()));
        assert!(pairs.iter().all(|&(a, b, _)| a.max(b) < offsets.len()));
        let mut e = 0;
        while e + BLOCKS * LANES <= stride {
            // SAFETY: AVX2 (the caller's promise) and the bounds asserted above.
            unsafe { vertical_blocks::<BLOCKS>(ring, offsets, pairs, out, e) };
            e += BLOCKS * LANES;
        }
        while e + LANES <= stride {
            // SAFETY: as above.
            unsafe { vertical_blocks::<1>(ring, offsets, pairs, out, e) };
            e += LANES;
        }
        for (e, o) in out.iter_mut().enumerate().skip(e) {
            let sum: u32 = (0..weights.len())
                .map(|k| weights[k] * u32::from(ring[offsets[k] + e] ^ BIAS))
                .sum();
            *o = ((sum + (1 << (V_SHIFT - 1))) >> V_SHIFT) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::raster::Layout;

    #[test]
    fn kernel_is_symmetric_and_sums_exactly() {
        for sigma in [0.3, 1.0, 2.5, 10.0] {
            let k = kernel(sigma);
            assert_eq!(k.iter().sum::<u32>(), 1 << WEIGHT_BITS);
            assert!(k.iter().eq(k.iter().rev()));
        }
    }

    #[test]
    fn flat_stays_flat_and_an_edge_softens() {
        let flat = Raster::filled(20, 10, Layout::Rgb, 200);
        assert_eq!(gaussian_blur(&flat, 2.0), flat);

        let mut edge = Raster::filled(20, 4, Layout::Gray, 0);
        for row in edge.data.chunks_exact_mut(20) {
            row[10..].fill(255);
        }
        let out = gaussian_blur(&edge, 1.5);
        let row = &out.data[..20];
        assert_eq!(row[0], 0);
        assert_eq!(row[19], 255);
        assert!(
            row[9] > 0 && row[9] < 128 && row[10] > 128 && row[10] < 255,
            "{row:?}"
        );
    }

    /// The blur written the plain way: a whole-frame horizontal pass, then a whole-frame vertical
    /// pass, with the same fixed-point rounding and repeated edges.
    fn two_pass_reference(src: &Raster, sigma: f32) -> Vec<u8> {
        let w = kernel(sigma);
        let r = w.len() / 2;
        let ch = src.layout.channels();
        let (width, height) = (src.width as usize, src.height as usize);
        let at = |x: usize, k: usize, n: usize| (x + k).saturating_sub(r).min(n - 1);
        let mut mid = vec![0u32; width * height * ch];
        for y in 0..height {
            for x in 0..width {
                for c in 0..ch {
                    let sum: u32 = (0..w.len())
                        .map(|k| w[k] * u32::from(src.data[(y * width + at(x, k, width)) * ch + c]))
                        .sum();
                    mid[(y * width + x) * ch + c] = (sum + 32) >> 6;
                }
            }
        }
        let mut out = vec![0u8; mid.len()];
        for y in 0..height {
            for x in 0..width {
                for c in 0..ch {
                    let sum: u32 = (0..w.len())
                        .map(|k| w[k] * mid[(at(y, k, height) * width + x) * ch + c])
                        .sum();
                    out[(y * width + x) * ch + c] = ((sum + (1 << 21)) >> 22) as u8;
                }
            }
        }
        out
    }

    #[test]
    fn the_streaming_blur_equals_the_two_pass_formula() {
        let mut seed = 0x9e37_79b9_u32;
        let mut noise = |len: usize| -> Vec<u8> {
            (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed >> 24) as u8
                })
                .collect()
        };
        // Heights below, at and above the kernel size, widths not a multiple of the SIMD block;
        // noise, and only 0 and 255 (the sums' extremes, where a biased or packed value would
        // overflow first).
        for (width, height) in [(1, 1), (37, 2), (23, 7), (50, 9), (41, 40)] {
            for layout in [Layout::Gray, Layout::Rgb, Layout::Rgba] {
                let len = width * height * layout.channels();
                let extremes = noise(len)
                    .iter()
                    .map(|&v| if v < 128 { 0 } else { 255 })
                    .collect();
                for pixels in [noise(len), extremes, vec![255; len]] {
                    let src = Raster::from_vec(width as u32, height as u32, layout, pixels);
                    // σ 10: 61 taps, 31 pairs, and a ring taller than most of these images.
                    for sigma in [0.5, 1.0, 2.5, 10.0] {
                        let expected = two_pass_reference(&src, sigma);
                        for (path, out) in every_path(&src, sigma) {
                            assert_eq!(
                                out, expected,
                                "{path}: {width}x{height} {layout:?} σ {sigma}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// `src` blurred by every implementation this CPU can run.
    fn every_path(src: &Raster, sigma: f32) -> Vec<(&'static str, Vec<u8>)> {
        let run = |avx2: bool| {
            let mut img = src.clone();
            let (w, ch) = (img.width as usize, img.layout.channels());
            let copy = |row: &mut [u8], blurred: &[u8]| row.copy_from_slice(blurred);
            let scratch = &mut BlurScratch::default();
            // SAFETY: `avx2` is only set below once the CPU was found to have it.
            unsafe {
                if avx2 {
                    blur_impl::<_, true>(&mut img.data, w, ch, sigma, scratch, copy);
                } else {
                    blur_impl::<_, false>(&mut img.data, w, ch, sigma, scratch, copy);
                }
            }
            img.data
        };
        let mut paths = vec![
            ("portable", run(false)),
            ("dispatched", gaussian_blur(src, sigma).data),
        ];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            paths.push(("avx2", run(true)));
        }
        paths
    }
}
