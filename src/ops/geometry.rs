//! Where a photo's pixels go: the geometry that a fit mode gives, as the resize and orientation
//! operations read it.

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

    /// Whether the source region is resampled (rather than copied at its own size).
    #[must_use]
    pub fn resamples(&self) -> bool {
        let [_, _, w, h] = self.src;
        (f64::from(self.scaled.0), f64::from(self.scaled.1)) != (w, h)
    }
}
