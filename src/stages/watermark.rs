//! `watermark`: the text is rasterized once per run; each photo only gets the mask blended into
//! its box.

use std::sync::Arc;

use ab_glyph::FontArc;

use crate::config::{Gravity, WatermarkSpec};
use crate::error::{Error, ItemError};
use crate::ops::blend::blend_mask;
use crate::ops::raster::Layout;
use crate::ops::text::{rasterize, Align, Mask};
use crate::pipeline::{Frame, Stage, StageName};

/// A watermark ready to blend: the spec and its rasterized text.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the user asked for.
    pub spec: WatermarkSpec,
    /// The text's coverage mask.
    pub mask: Arc<Mask>,
}

/// Loads the font and rasterizes the text once; a bad font is a setup error.
pub fn prepare(spec: &WatermarkSpec) -> Result<Prepared, Error> {
    let font = match &spec.font {
        None => FontArc::try_from_slice(crate::BUNDLED_FONT).map_err(|e| Error::Font {
            path: "<bundled DejaVu Sans>".into(),
            reason: e.to_string(),
        })?,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::Font {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            FontArc::try_from_vec(bytes).map_err(|_| Error::Font {
                path: path.clone(),
                reason: "not a TrueType or OpenType font".into(),
            })?
        }
    };
    let align = match spec.gravity.cells().0 {
        0 => Align::Left,
        1 => Align::Center,
        _ => Align::Right,
    };
    let mask = rasterize(&font, &spec.text, spec.font_size, align);
    Ok(Prepared {
        spec: spec.clone(),
        mask: Arc::new(mask),
    })
}

/// Where the mask's top-left corner goes on a `width × height` photo.
#[must_use]
pub fn position(gravity: Gravity, margin: u32, width: u32, height: u32, mask: &Mask) -> (i64, i64) {
    let place = |cell: u8, size: u32, extent: u32| -> i64 {
        let (size, extent, margin) = (i64::from(size), i64::from(extent), i64::from(margin));
        match cell {
            0 => margin,
            1 => (size - extent) / 2,
            _ => size - extent - margin,
        }
    };
    let (h, v) = gravity.cells();
    (place(h, width, mask.width), place(v, height, mask.height))
}

/// The watermark stage.
pub struct Watermark {
    /// `None` passes photos through.
    pub prepared: Option<Prepared>,
}

impl Stage for Watermark {
    const NAME: StageName = StageName::Watermark;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let Some(p) = &self.prepared else {
            return Ok(frame);
        };
        let color = p.spec.color.0;
        let grey_ink = color[0] == color[1] && color[1] == color[2];
        let mut img = frame.image.take().expect("frame has an image after load");
        if img.layout == Layout::Gray && !grey_ink {
            img = img.to_color();
        }
        let (x, y) = position(
            p.spec.gravity,
            p.spec.margin,
            img.width,
            img.height,
            &p.mask,
        );
        blend_mask(&mut img, &p.mask, x, y, color, p.spec.opacity);
        frame.image = Some(img);
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravity_places_the_box_against_the_right_edges() {
        let mask = Mask {
            width: 10,
            height: 4,
            alpha: vec![0; 40],
        };
        let at = |g: &str| position(g.parse().unwrap(), 5, 100, 50, &mask);
        assert_eq!(at("top-left"), (5, 5));
        assert_eq!(at("top"), (45, 5));
        assert_eq!(at("right"), (85, 23));
        assert_eq!(at("center"), (45, 23));
        assert_eq!(at("bottom-right"), (85, 41));
        assert_eq!(at("bottom-left"), (5, 41));
    }
}
