//! The in-memory photo every stage works on: 8-bit interleaved rows, grey, RGB or RGBA.

/// How the bytes of one pixel are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One grey byte.
    Gray,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, straight (not premultiplied) alpha.
    Rgba,
}

impl Layout {
    /// Bytes per pixel.
    #[must_use]
    pub fn channels(self) -> usize {
        match self {
            Layout::Gray => 1,
            Layout::Rgb => 3,
            Layout::Rgba => 4,
        }
    }

    /// Channels that carry colour (alpha excluded).
    #[must_use]
    pub fn color_channels(self) -> usize {
        match self {
            Layout::Gray => 1,
            Layout::Rgb | Layout::Rgba => 3,
        }
    }
}

/// A photo: `width × height` pixels of `layout`, rows packed without padding.
#[derive(Clone, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixel layout.
    pub layout: Layout,
    /// `width × height × channels` bytes, row by row.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Raster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Raster({}x{} {:?})",
            self.width, self.height, self.layout
        )
    }
}

impl Raster {
    /// A raster of `layout` filled with `fill` in every byte.
    #[must_use]
    pub fn filled(width: u32, height: u32, layout: Layout, fill: u8) -> Self {
        let len = width as usize * height as usize * layout.channels();
        Raster {
            width,
            height,
            layout,
            data: vec![fill; len],
        }
    }

    /// Wraps `data`, which must be exactly `width × height × channels` bytes.
    ///
    /// # Panics
    /// If the length does not match: that is a bug in the caller.
    #[must_use]
    pub fn from_vec(width: u32, height: u32, layout: Layout, data: Vec<u8>) -> Self {
        assert_eq!(
            data.len(),
            width as usize * height as usize * layout.channels(),
            "raster data length"
        );
        Raster {
            width,
            height,
            layout,
            data,
        }
    }

    /// Bytes in one row.
    #[must_use]
    pub fn stride(&self) -> usize {
        self.width as usize * self.layout.channels()
    }

    /// Pixel count in megapixels.
    #[must_use]
    pub fn megapixels(&self) -> f64 {
        f64::from(self.width) * f64::from(self.height) / 1e6
    }

    /// The same photo as RGB(A): grey expands to three equal channels.
    #[must_use]
    pub fn to_color(self) -> Raster {
        if self.layout != Layout::Gray {
            return self;
        }
        let data = self.data.iter().flat_map(|&v| [v, v, v]).collect();
        Raster::from_vec(self.width, self.height, Layout::Rgb, data)
    }

    /// The bytes of pixel `(x, y)`; for tests and small lookups, never for hot loops.
    #[must_use]
    pub fn pixel(&self, x: u32, y: u32) -> &[u8] {
        let c = self.layout.channels();
        let i = (y as usize * self.width as usize + x as usize) * c;
        &self.data[i..i + c]
    }
}
