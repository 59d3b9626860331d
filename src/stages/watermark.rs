//! `watermark`: a text or an image blended into each photo, at its gravity or tiled.
//!
//! The font and the image are loaded once per run. Text is rasterized, and an image scaled, per
//! distinct (text, size) and kept in a small cache: a fixed watermark is made once per run, one
//! with placeholders or a size relative to the photo once per distinct value. Output depends only
//! on the photo and the options, never on what the cache held.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ab_glyph::FontArc;

use crate::config::{Gravity, TextTemplate, WatermarkSpec};
use crate::error::{Error, ItemError};
use crate::ops::blend::{blend_image, blend_mask};
use crate::ops::raster::{Layout, Raster};
use crate::ops::resize::Resizer;
use crate::ops::text::{rasterize, Align, Mask};
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;
use crate::stages::mark_text::MarkText;

/// What is drawn.
#[derive(Debug, Clone)]
pub enum Mark {
    /// A text in a font.
    Text {
        /// The font.
        font: FontArc,
        /// The text with its placeholders.
        text: Arc<MarkText>,
    },
    /// An RGBA image at its own size.
    Image {
        /// The pixels (straight alpha).
        image: Arc<Raster>,
        /// Whether every pixel is grey, so a grey photo can stay grey.
        grey: bool,
    },
}

/// A watermark ready to blend: the spec, and the font or image it draws.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the user asked for.
    pub spec: WatermarkSpec,
    /// The font and text, or the image.
    pub mark: Mark,
}

impl Prepared {
    /// The text template when the watermark is a text whose placeholders differ per photo:
    /// `load` fills it in.
    #[must_use]
    pub fn per_photo_text(&self) -> Option<Arc<MarkText>> {
        match &self.mark {
            Mark::Text { text, .. } if !text.template.is_constant() => Some(text.clone()),
            _ => None,
        }
    }
}

/// Loads the font or the image and checks the text; any problem is a setup error.
pub fn prepare(spec: &WatermarkSpec) -> Result<Prepared, Error> {
    let mark = match &spec.image {
        Some(path) => {
            if !spec.text.is_empty() {
                return Err(Error::Invalid(
                    "a watermark is a text or an image, not both: give --watermark or --watermark-image".into(),
                ));
            }
            let image = load_image(path)?;
            let grey = image
                .data
                .chunks_exact(4)
                .all(|p| p[0] == p[1] && p[1] == p[2]);
            Mark::Image {
                image: Arc::new(image),
                grey,
            }
        }
        None => {
            let template: TextTemplate = spec
                .text
                .parse()
                .map_err(|e: crate::config::ParseError| Error::Invalid(e.0))?;
            let text = MarkText::new(template).map_err(Error::Invalid)?;
            Mark::Text {
                font: load_font(spec.font.as_deref())?,
                text: Arc::new(text),
            }
        }
    };
    Ok(Prepared {
        spec: spec.clone(),
        mark,
    })
}

fn load_font(path: Option<&Path>) -> Result<FontArc, Error> {
    match path {
        None => FontArc::try_from_slice(crate::ops::text::BUNDLED_FONT).map_err(|e| Error::Font {
            path: "<bundled DejaVu Sans>".into(),
            reason: e.to_string(),
        }),
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::Font {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            FontArc::try_from_vec(bytes).map_err(|_| Error::Font {
                path: path.to_path_buf(),
                reason: "not a TrueType or OpenType font".into(),
            })
        }
    }
}

fn load_image(path: &Path) -> Result<Raster, Error> {
    let bad = |reason: String| Error::WatermarkImage {
        path: path.to_path_buf(),
        reason,
    };
    let img = image::ImageReader::open(path)
        .map_err(|e| bad(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| bad(e.to_string()))?
        .decode()
        .map_err(|e| bad(crate::error::one_line(&e.to_string())))?
        .to_rgba8();
    if img.width() == 0 || img.height() == 0 {
        return Err(bad("the image is empty".into()));
    }
    Ok(Raster::from_vec(
        img.width(),
        img.height(),
        Layout::Rgba,
        img.into_raw(),
    ))
}

/// Where the mark's top-left corner goes on a `width × height` photo.
#[must_use]
pub fn position(
    gravity: Gravity,
    margin: u32,
    width: u32,
    height: u32,
    mark: (u32, u32),
) -> (i64, i64) {
    let place = |cell: u8, size: u32, extent: u32| -> i64 {
        let (size, extent, margin) = (i64::from(size), i64::from(extent), i64::from(margin));
        match cell {
            0 => margin,
            1 => (size - extent) / 2,
            _ => size - extent - margin,
        }
    };
    let (h, v) = gravity.cells();
    (place(h, width, mark.0), place(v, height, mark.1))
}

/// Every position of a tiled mark on a `width × height` photo: one copy centred, the rest in a
/// grid around it, every other row shifted by half a step. Copies cut by the edges are kept, so
/// the pattern runs to the edges. The gap between copies is the mark's smaller side, or the
/// margin when that is larger.
#[must_use]
pub fn tile_positions(margin: u32, width: u32, height: u32, mark: (u32, u32)) -> Vec<(i64, i64)> {
    let (mw, mh) = (i64::from(mark.0.max(1)), i64::from(mark.1.max(1)));
    let gap = mw.min(mh).max(i64::from(margin));
    let (step_x, step_y) = (mw + gap, mh + gap);
    let (w, h) = (i64::from(width), i64::from(height));
    let (cx, cy) = ((w - mw) / 2, (h - mh) / 2);
    let rows = cy.div_euclid(step_y) + 2;
    let cols = cx.div_euclid(step_x) + 2;
    let mut out = Vec::new();
    for r in -rows..=rows {
        let y = cy + r * step_y;
        if y + mh <= 0 || y >= h {
            continue;
        }
        let shift = if r.rem_euclid(2) == 1 { step_x / 2 } else { 0 };
        for c in -cols - 1..=cols {
            let x = cx + shift + c * step_x;
            if x + mw > 0 && x < w {
                out.push((x, y));
            }
        }
    }
    out
}

/// A rasterized text or a scaled image.
enum Overlay {
    Mask(Mask),
    Image(Raster),
}

impl Overlay {
    fn size(&self) -> (u32, u32) {
        match self {
            Overlay::Mask(m) => (m.width, m.height),
            Overlay::Image(r) => (r.width, r.height),
        }
    }
}

/// Overlays made so far, by (text, size in pixels); cleared when full.
#[derive(Default)]
pub struct Cache {
    made: HashMap<(String, u32), Arc<Overlay>>,
    resizer: Resizer,
}

/// More distinct overlays than this, and the cache starts again (it only saves time).
const CACHE_ENTRIES: usize = 64;

/// The watermark stage.
pub struct Watermark {
    /// `None` passes photos through.
    pub prepared: Option<Prepared>,
    /// Rasterized texts and scaled images, reused between photos.
    pub cache: Cache,
}

impl Watermark {
    /// The stage for `prepared`, with an empty cache.
    #[must_use]
    pub fn new(prepared: Option<Prepared>) -> Self {
        Watermark {
            prepared,
            cache: Cache::default(),
        }
    }
}

/// The text size in pixels on a `width × height` photo.
fn font_px(spec: &WatermarkSpec, width: u32, height: u32) -> f32 {
    match spec.font_size_percent {
        Some(p) => (p / 100.0 * width.min(height) as f32).round().max(1.0),
        None => spec.font_size,
    }
}

impl Cache {
    fn get(&mut self, p: &Prepared, text: Option<String>, width: u32, height: u32) -> Arc<Overlay> {
        let spec = &p.spec;
        let key = match &p.mark {
            Mark::Text { text: t, .. } => (
                text.unwrap_or_else(|| t.template.literal()),
                font_px(spec, width, height).to_bits(),
            ),
            Mark::Image { image, .. } => {
                let w = spec
                    .scale
                    .map_or(image.width, |s| ((s * width as f32).round() as u32).max(1));
                (String::new(), w)
            }
        };
        if let Some(o) = self.made.get(&key) {
            return o.clone();
        }
        let overlay = match &p.mark {
            Mark::Text { font, .. } => {
                let align = match (spec.tile, spec.gravity.cells().0) {
                    (true, _) | (false, 1) => Align::Center,
                    (false, 0) => Align::Left,
                    _ => Align::Right,
                };
                Overlay::Mask(rasterize(font, &key.0, f32::from_bits(key.1), align))
            }
            Mark::Image { image, .. } => {
                let w = key.1;
                if w == image.width {
                    Overlay::Image(Raster::clone(image))
                } else {
                    let h = ((u64::from(image.height) * u64::from(w) + u64::from(image.width) / 2)
                        / u64::from(image.width))
                    .max(1) as u32;
                    Overlay::Image(self.resizer.resize(image, w, h))
                }
            }
        };
        if self.made.len() >= CACHE_ENTRIES {
            self.made.clear();
        }
        let overlay = Arc::new(overlay);
        self.made.insert(key, overlay.clone());
        overlay
    }
}

impl Stage for Watermark {
    const NAME: StageName = StageName::Watermark;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let Some(p) = &self.prepared else {
            return Ok(frame);
        };
        let spec = &p.spec;
        let mut img = frame.image.take().expect("frame has an image after load");
        let overlay = self
            .cache
            .get(p, frame.mark_text.take(), img.width, img.height);
        let size = overlay.size();
        let at = if spec.tile {
            tile_positions(spec.margin, img.width, img.height, size)
        } else {
            vec![position(
                spec.gravity,
                spec.margin,
                img.width,
                img.height,
                size,
            )]
        };
        let grey_mark = match &p.mark {
            Mark::Text { .. } => {
                let c = spec.color.0;
                c[0] == c[1] && c[1] == c[2]
            }
            Mark::Image { grey, .. } => *grey,
        };
        if img.layout == Layout::Gray && !grey_mark {
            img = img.to_color();
        }
        for (x, y) in at {
            match &*overlay {
                Overlay::Mask(mask) => blend_mask(&mut img, mask, x, y, spec.color.0, spec.opacity),
                Overlay::Image(mark) => blend_image(&mut img, mark, x, y, spec.opacity),
            }
        }
        frame.image = Some(img);
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravity_places_the_box_against_the_right_edges() {
        let at = |g: &str| position(g.parse().unwrap(), 5, 100, 50, (10, 4));
        assert_eq!(at("top-left"), (5, 5));
        assert_eq!(at("top"), (45, 5));
        assert_eq!(at("right"), (85, 23));
        assert_eq!(at("center"), (45, 23));
        assert_eq!(at("bottom-right"), (85, 41));
        assert_eq!(at("bottom-left"), (5, 41));
    }

    #[test]
    fn tiles_cover_the_photo_in_staggered_rows_around_a_centred_copy() {
        let at = tile_positions(0, 100, 60, (20, 10));
        assert!(at.contains(&(40, 25)), "one copy centred");
        // Gap 10: rows every 20 px, columns every 30 px, odd rows shifted by 15.
        assert!(at.contains(&(70, 25)) && at.contains(&(10, 25)));
        assert!(at.contains(&(55, 45)) && at.contains(&(55, 5)));
        assert!(at
            .iter()
            .all(|&(x, y)| x + 20 > 0 && x < 100 && y + 10 > 0 && y < 60));
        let mut unique = at.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), at.len());
        // Every pixel row of the photo is within reach of some row of copies.
        for y in 0..60 {
            let covered = at.iter().any(|&(_, ty)| ty <= y + 10 && y < ty + 20);
            assert!(covered, "row {y}");
        }
    }
}
