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
/// On x86-64 CPUs with AVX2 the same code is compiled a second time with AVX2 enabled and chosen
/// at run time (the 32-bit multiplies vectorise eight wide instead of being emulated with SSE2).
/// The arithmetic is integer, so both versions give identical bytes.
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
    blur_impl(data, width, channels, sigma, scratch, combine);
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
    blur_impl(data, width, channels, sigma, scratch, combine);
}

#[inline(always)]
fn blur_impl<F: FnMut(&mut [u8], &[u8])>(
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

    let total_shift = WEIGHT_BITS + MID_FRACTION_BITS;
    // The next source row to blur horizontally into the ring.
    let mut next = 0;
    for y in 0..h {
        // The ring holds rows y − r ..= y + r (clamped); row y + r is read before row y is
        // written (the first output row needs rows 0 ..= r).
        while next < h && next <= y + radius {
            let slot = next % slots;
            horizontal(
                &data[next * stride..(next + 1) * stride],
                &weights,
                ch,
                padded,
                acc,
                &mut ring[slot * stride..(slot + 1) * stride],
            );
            next += 1;
        }
        let ring_row = |k: usize| {
            let sy = (y + k).saturating_sub(radius).min(h - 1);
            let slot = sy % slots;
            &ring[slot * stride..(slot + 1) * stride]
        };
        let centre = ring_row(radius);
        for (a, &m) in acc.iter_mut().zip(centre) {
            *a = weights[radius] * u32::from(m);
        }
        for (k, &wk) in weights[..radius].iter().enumerate() {
            let (above, below) = (ring_row(k), ring_row(2 * radius - k));
            for ((a, &u), &d) in acc.iter_mut().zip(above).zip(below) {
                *a += wk * (u32::from(u) + u32::from(d));
            }
        }
        for (o, &a) in out_row.iter_mut().zip(acc.iter()) {
            *o = ((a + (1 << (total_shift - 1))) >> total_shift) as u8;
        }
        combine(&mut data[y * stride..(y + 1) * stride], out_row);
    }
}

/// One row's horizontal pass into `mid` (8 fraction bits), through a copy padded with the
/// repeated edge pixels.
#[inline(always)]
fn horizontal(
    row: &[u8],
    weights: &[u32],
    ch: usize,
    padded: &mut [u8],
    acc: &mut [u32],
    mid: &mut [u16],
) {
    let radius = weights.len() / 2;
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
        // Heights below, at and above the kernel size, widths not a multiple of the SIMD block.
        for (width, height) in [(1, 1), (37, 2), (23, 7), (50, 9), (41, 40)] {
            for layout in [Layout::Gray, Layout::Rgb, Layout::Rgba] {
                let len = width * height * layout.channels();
                let src = Raster::from_vec(width as u32, height as u32, layout, noise(len));
                for sigma in [0.5, 1.0, 2.5] {
                    let expected = two_pass_reference(&src, sigma);
                    assert_eq!(
                        gaussian_blur(&src, sigma).data,
                        expected,
                        "{width}x{height} {layout:?} sigma {sigma}"
                    );
                }
            }
        }
    }
}
