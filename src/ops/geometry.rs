//! Where a photo's pixels go: the geometry that a fit mode gives, as the resize and orientation
//! operations read it.

/// Each DCT scale (1/`d`) with the least ratio of the scaled source region to the resampled size
/// it is used at. The 1/2 scale is a true 4×4 inverse DCT, close to a low-pass filter, so it is
/// used as soon as it still covers the target, as libvips and sharp use it (38 to 46 dB PSNR
/// against a full decode on 24 MP camera photos going to 1920 px with unsharp, no difference
/// seen in crops; it quarters the frame in flight: J1's peak fell from 290 to 152 MB); 1/4 and
/// 1/8 are coarser (1/8 is the block average), and at 1.5 times they alias visibly (36 dB on a
/// detailed photo at 320 px), so they need twice the target (41.5 dB and up). Measured in
/// `docs/research/shrink-on-load.md` and BENCHMARKS.md.
pub const DCT_MARGINS: [(u32, f64); 3] = [(8, 2.0), (4, 2.0), (2, 1.0)];

/// Where a photo's pixels go: the source region resampled to `scaled`, placed at `offset` on a
/// `canvas` (larger than `scaled` only for `contain`, which pads the rest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Left, top, width and height of the source region, in source pixels (may be fractional).
    pub src: [f64; 4],
    /// The size the region is resampled to.
    pub scaled: (u32, u32),
    /// The output size.
    pub canvas: (u32, u32),
    /// Where the resampled region's top-left corner sits on the canvas.
    pub offset: (u32, u32),
}

impl Geometry {
    /// The whole `width × height` source, unchanged.
    #[must_use]
    pub fn identity(width: u32, height: u32) -> Self {
        Geometry {
            src: [0.0, 0.0, f64::from(width), f64::from(height)],
            scaled: (width, height),
            canvas: (width, height),
            offset: (0, 0),
        }
    }

    /// The whole source resampled to `scaled`, nothing cropped or padded.
    #[must_use]
    pub fn scaled(width: u32, height: u32, scaled: (u32, u32)) -> Self {
        Geometry {
            scaled,
            canvas: scaled,
            ..Geometry::identity(width, height)
        }
    }

    /// The DCT scale a JPEG can be decoded at for this geometry: the largest `d` of 8, 4 and 2
    /// for which the source region at 1/`d` keeps at least [`DCT_MARGINS`] times the resampled
    /// size on both axes, else 1 (a full decode).
    #[must_use]
    pub fn dct_denominator(&self) -> u32 {
        let [_, _, w, h] = self.src;
        let (tw, th) = (f64::from(self.scaled.0), f64::from(self.scaled.1));
        DCT_MARGINS
            .iter()
            .find(|&&(d, margin)| {
                let d = f64::from(d);
                w / d >= margin * tw && h / d >= margin * th
            })
            .map_or(1, |&(d, _)| d)
    }

    /// Whether the source region is resampled (rather than copied at its own size).
    #[must_use]
    pub fn resamples(&self) -> bool {
        let [_, _, w, h] = self.src;
        (f64::from(self.scaled.0), f64::from(self.scaled.1)) != (w, h)
    }
}
