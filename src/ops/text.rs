//! Text rasterization with `ab_glyph`: a string becomes a coverage mask once per run, which the
//! watermark stage then blends into each photo.

use ab_glyph::{point, Font, FontArc, PxScale, ScaleFont};

/// DejaVu Sans, the default watermark font (licence in `assets/fonts/LICENSE-DejaVu.txt`).
pub const BUNDLED_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// An 8-bit coverage mask: 0 is transparent, 255 fully covered.
#[derive(Clone, PartialEq, Eq)]
pub struct Mask {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height` coverage bytes, row by row.
    pub alpha: Vec<u8>,
}

impl std::fmt::Debug for Mask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mask({}x{})", self.width, self.height)
    }
}

/// How the lines of a multi-line text line up with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// The scale that makes the font's em `size_px` pixels, as ImageMagick's `-pointsize` (at 72
/// dpi), Pango and CSS mean a font size. `ab_glyph`'s [`PxScale`] is the ascent-plus-descent
/// height instead, about 16% more than the em for DejaVu Sans (2384 against 2048 units), so
/// text given as `PxScale::from(36.0)` came out 14% smaller than everywhere else.
#[must_use]
pub fn em_scale(font: &FontArc, size_px: f32) -> PxScale {
    match font.units_per_em() {
        Some(em) if em > 0.0 && font.height_unscaled() > 0.0 => {
            PxScale::from(size_px * font.height_unscaled() / em)
        }
        // A font whose head table gives no usable em: its height is the best guess.
        _ => PxScale::from(size_px),
    }
}

/// Rasterizes `text` (lines split at `\n`) with an em of `size_px` pixels (see [`em_scale`]),
/// cropped to its ink. Returns an empty mask for text with no visible glyphs.
#[must_use]
pub fn rasterize(font: &FontArc, text: &str, size_px: f32, align: Align) -> Mask {
    let scaled = font.as_scaled(em_scale(font, size_px));
    let line_height = scaled.ascent() - scaled.descent() + scaled.line_gap();
    let lines: Vec<&str> = text.lines().collect();

    // Lay out every line from x = 0, remembering its advance width for alignment.
    let mut placed = Vec::new();
    let mut widths = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let baseline = scaled.ascent() + i as f32 * line_height;
        let mut x = 0.0f32;
        let mut prev = None;
        let start = placed.len();
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            placed.push((
                i,
                id.with_scale_and_position(scaled.scale(), point(x, baseline)),
            ));
            x += scaled.h_advance(id);
            prev = Some(id);
        }
        widths.push((x, start));
    }
    let widest = widths.iter().map(|w| w.0).fold(0.0f32, f32::max);
    for (line, glyph) in &mut placed {
        let shift = match align {
            Align::Left => 0.0,
            Align::Center => ((widest - widths[*line].0) / 2.0).round(),
            Align::Right => (widest - widths[*line].0).round(),
        };
        glyph.position.x += shift;
    }

    let outlined: Vec<_> = placed
        .into_iter()
        .filter_map(|(_, g)| font.outline_glyph(g))
        .collect();
    let Some(first) = outlined.first() else {
        return Mask {
            width: 0,
            height: 0,
            alpha: Vec::new(),
        };
    };
    let mut bounds = first.px_bounds();
    for g in &outlined[1..] {
        let b = g.px_bounds();
        bounds.min.x = bounds.min.x.min(b.min.x);
        bounds.min.y = bounds.min.y.min(b.min.y);
        bounds.max.x = bounds.max.x.max(b.max.x);
        bounds.max.y = bounds.max.y.max(b.max.y);
    }
    let width = (bounds.max.x - bounds.min.x).ceil() as u32;
    let height = (bounds.max.y - bounds.min.y).ceil() as u32;
    let mut alpha = vec![0u8; width as usize * height as usize];
    for g in &outlined {
        let b = g.px_bounds();
        let ox = (b.min.x - bounds.min.x) as u32;
        let oy = (b.min.y - bounds.min.y) as u32;
        g.draw(|x, y, c| {
            let (px, py) = (ox + x, oy + y);
            if px < width && py < height {
                let i = py as usize * width as usize + px as usize;
                let v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
                alpha[i] = alpha[i].max(v);
            }
        });
    }
    Mask {
        width,
        height,
        alpha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FontArc {
        FontArc::try_from_slice(BUNDLED_FONT).unwrap()
    }

    #[test]
    fn text_has_ink_and_grows_with_size_and_lines() {
        let small = rasterize(&font(), "Hello", 20.0, Align::Left);
        let big = rasterize(&font(), "Hello", 40.0, Align::Left);
        assert!(small.alpha.contains(&255));
        assert!(big.width > small.width * 3 / 2 && big.height > small.height * 3 / 2);
        let two = rasterize(&font(), "Hello\nworld", 20.0, Align::Left);
        assert!(two.height > small.height * 2 - 4);
    }

    #[test]
    fn the_font_size_is_the_em_size_as_imagemagick_means_it() {
        // `convert -font DejaVuSans.ttf -pointsize 36 label:'(c) Example 2026' -trim info:`
        // (ImageMagick 6.9.11) gives 313x34; the ascent-plus-descent scale gave 270x31.
        let m = rasterize(&font(), "(c) Example 2026", 36.0, Align::Left);
        assert!(
            (311..=315).contains(&m.width),
            "ink {}x{}",
            m.width,
            m.height
        );
        assert!(
            (33..=35).contains(&m.height),
            "ink {}x{}",
            m.width,
            m.height
        );
        let scale = em_scale(&font(), 2048.0);
        assert_eq!(
            (scale.x, scale.y),
            (2384.0, 2384.0),
            "DejaVu Sans: 2384 units high, em 2048"
        );
    }

    #[test]
    fn blank_text_gives_an_empty_mask() {
        assert_eq!(rasterize(&font(), "  ", 30.0, Align::Left).width, 0);
    }
}
