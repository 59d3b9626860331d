//! `watermark`: a text, an image, or both, blended into each photo, at its gravity or tiled.
//!
//! The font and the image are loaded once per run. Text is rasterized, and an image scaled, per
//! distinct (text, size) and kept in a small cache: a fixed watermark is made once per run, one
//! with placeholders or a size relative to the photo once per distinct value. Output depends only
//! on the photo and the options, never on what the cache held. A text and an image together
//! are one stage's work too: two pieces placed by [`layout`].

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

/// A watermark's text, in its font.
#[derive(Debug, Clone)]
pub struct TextMark {
    /// The font.
    pub font: FontArc,
    /// The text with its placeholders.
    pub text: Arc<MarkText>,
}

/// A watermark's image, at its own size.
#[derive(Debug, Clone)]
pub struct ImageMark {
    /// The pixels (straight alpha, RGBA).
    pub image: Arc<Raster>,
    /// Whether every pixel is grey, so a grey photo can stay grey.
    pub grey: bool,
}

/// A watermark ready to blend: the spec, and the text, the image or both that it draws.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the user asked for.
    pub spec: WatermarkSpec,
    /// The text in its font, when the watermark has one.
    pub text: Option<TextMark>,
    /// The image, when the watermark has one.
    pub image: Option<ImageMark>,
}

impl Prepared {
    /// The text template when the watermark has a text whose placeholders differ per photo:
    /// `load` fills it in.
    #[must_use]
    pub fn per_photo_text(&self) -> Option<Arc<MarkText>> {
        self.text
            .as_ref()
            .filter(|t| !t.text.template.is_constant())
            .map(|t| t.text.clone())
    }
}

/// Loads the font and the image and checks the text; any problem is a setup error.
pub fn prepare(spec: &WatermarkSpec) -> Result<Prepared, Error> {
    let image = match &spec.image {
        Some(path) => {
            let image = load_image(path)?;
            let grey = image
                .data
                .chunks_exact(4)
                .all(|p| p[0] == p[1] && p[1] == p[2]);
            Some(ImageMark {
                image: Arc::new(image),
                grey,
            })
        }
        None => None,
    };
    let text = if spec.text.is_empty() && image.is_some() {
        None
    } else {
        let template: TextTemplate = spec
            .text
            .parse()
            .map_err(|e: crate::config::ParseError| Error::Invalid(e.0))?;
        let text = MarkText::new(template).map_err(Error::Invalid)?;
        Some(TextMark {
            font: load_font(spec.font.as_deref())?,
            text: Arc::new(text),
        })
    };
    Ok(Prepared {
        spec: spec.clone(),
        text,
        image,
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

/// One piece of a watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// The text.
    Text,
    /// The image.
    Image,
}

/// A piece and its width and height.
type PieceSize = (Piece, (u32, u32));

/// Where every piece goes on a `width × height` photo: `(piece, x, y)` of its top-left corner,
/// for the sizes the pieces have (`None`: the watermark has no such piece).
///
/// One piece, or both with no `image_gravity` of their own, form a block: the image above the
/// text, `gap` pixels apart, lined up at the gravity's side (centred when tiled), the block
/// placed at the gravity or tiled. With another `image_gravity` (and no tiling) the image is
/// placed there on its own.
#[must_use]
pub fn layout(
    spec: &WatermarkSpec,
    width: u32,
    height: u32,
    text: Option<(u32, u32)>,
    image: Option<(u32, u32)>,
    gap: u32,
) -> Vec<(Piece, i64, i64)> {
    let pieces = [(Piece::Image, image), (Piece::Text, text)];
    let pieces = pieces.iter().filter_map(|&(p, size)| size.map(|s| (p, s)));
    let apart = spec.image_gravity.filter(|_| !spec.tile && text.is_some());
    let mut groups: Vec<(Gravity, Vec<PieceSize>)> = Vec::new();
    for (piece, size) in pieces {
        let gravity = match (piece, apart) {
            (Piece::Image, Some(g)) => g,
            _ => spec.gravity,
        };
        match groups.iter_mut().find(|(g, _)| *g == gravity) {
            Some((_, members)) => members.push((piece, size)),
            None => groups.push((gravity, vec![(piece, size)])),
        }
    }
    let mut out = Vec::new();
    for (gravity, members) in groups {
        let block_w = members.iter().map(|(_, s)| s.0).max().unwrap_or(0);
        let block_h = members.iter().map(|(_, s)| s.1).sum::<u32>()
            + gap * (members.len() as u32).saturating_sub(1);
        let corners = if spec.tile {
            tile_positions(spec.margin, width, height, (block_w, block_h))
        } else {
            vec![position(
                gravity,
                spec.margin,
                width,
                height,
                (block_w, block_h),
            )]
        };
        let cell = if spec.tile { 1 } else { gravity.cells().0 };
        for (x, y) in corners {
            let mut top = y;
            for &(piece, (w, h)) in &members {
                let free = i64::from(block_w - w);
                let left = match cell {
                    0 => 0,
                    1 => free / 2,
                    _ => free,
                };
                out.push((piece, x + left, top));
                top += i64::from(h + gap);
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

/// What an overlay was made from: a text at a size in pixels (its bits), or the image's width.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Text(String, u32),
    Image(u32),
}

/// Overlays made so far; cleared when full.
#[derive(Default)]
pub struct Cache {
    made: HashMap<Key, Arc<Overlay>>,
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
    /// The overlay for `key`, made by `make` unless it is kept.
    fn get(&mut self, key: Key, make: impl FnOnce(&mut Resizer) -> Overlay) -> Arc<Overlay> {
        if let Some(o) = self.made.get(&key) {
            return o.clone();
        }
        let overlay = Arc::new(make(&mut self.resizer));
        if self.made.len() >= CACHE_ENTRIES {
            self.made.clear();
        }
        self.made.insert(key, overlay.clone());
        overlay
    }

    /// The text (`filled` for this photo, else the constant text) rasterized at its size.
    fn text(
        &mut self,
        spec: &WatermarkSpec,
        mark: &TextMark,
        filled: Option<String>,
        px: f32,
    ) -> Arc<Overlay> {
        let text = filled.unwrap_or_else(|| mark.text.template.literal());
        let align = match (spec.tile, spec.gravity.cells().0) {
            (true, _) | (false, 1) => Align::Center,
            (false, 0) => Align::Left,
            _ => Align::Right,
        };
        let key = Key::Text(text.clone(), px.to_bits());
        self.get(key, |_| {
            Overlay::Mask(rasterize(&mark.font, &text, px, align))
        })
    }

    /// The image at the width `spec.scale` gives it on a photo `width` wide.
    fn image(&mut self, spec: &WatermarkSpec, mark: &ImageMark, width: u32) -> Arc<Overlay> {
        let image = &mark.image;
        let w = spec
            .scale
            .map_or(image.width, |s| ((s * width as f32).round() as u32).max(1));
        self.get(Key::Image(w), |resizer| {
            if w == image.width {
                Overlay::Image(Raster::clone(image))
            } else {
                let h = ((u64::from(image.height) * u64::from(w) + u64::from(image.width) / 2)
                    / u64::from(image.width))
                .max(1) as u32;
                Overlay::Image(resizer.resize(image, w, h))
            }
        })
    }
}

impl Stage for Watermark {
    const NAME: StageName = StageName::Watermark;

    /// Marks the frame, then gives each of its outputs (the formats of one size) a frame of
    /// its own, so that `write` encodes and fails each alone.
    fn split(&mut self, frame: Frame) -> Result<Vec<Frame>, ItemError> {
        let mut frame = self.process(frame)?;
        if frame.outputs.len() <= 1 {
            return Ok(vec![frame]);
        }
        let rest = frame.outputs.split_off(1);
        let image = frame.image.as_ref().expect("frame has an image after load");
        let siblings: Vec<Frame> = rest
            .into_iter()
            .map(|o| frame.sibling(vec![o], crate::ops::buffers::copy(image)))
            .collect();
        Ok(std::iter::once(frame).chain(siblings).collect())
    }

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let Some(p) = &self.prepared else {
            return Ok(frame);
        };
        let spec = &p.spec;
        let mut img = frame.image.take().expect("frame has an image after load");
        let px = font_px(spec, img.width, img.height);
        let filled = frame.mark_text.take();
        let text = p
            .text
            .as_ref()
            .map(|t| self.cache.text(spec, t, filled, px));
        let image = p
            .image
            .as_ref()
            .map(|i| self.cache.image(spec, i, img.width));
        // The image and the text of a block are a quarter of an em apart.
        let gap = (px / 4.0).round() as u32;
        let at = layout(
            spec,
            img.width,
            img.height,
            text.as_ref().map(|o| o.size()),
            image.as_ref().map(|o| o.size()),
            gap,
        );
        let c = spec.color.0;
        let grey_text = p.text.is_none() || (c[0] == c[1] && c[1] == c[2]);
        let grey_image = p.image.as_ref().is_none_or(|i| i.grey);
        if img.layout == Layout::Gray && !(grey_text && grey_image) {
            // A grey profile would not describe the colour pixels: grey goes to sRGB grey first.
            super::profile_to_srgb(&mut frame, &mut img, Self::NAME, "a colour watermark");
            img = img.to_color();
        }
        for (piece, x, y) in at {
            let overlay = match piece {
                Piece::Text => text.as_deref(),
                Piece::Image => image.as_deref(),
            };
            match overlay {
                Some(Overlay::Mask(mask)) => blend_mask(&mut img, mask, x, y, c, spec.opacity),
                Some(Overlay::Image(mark)) => blend_image(&mut img, mark, x, y, spec.opacity),
                None => {}
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

    fn spec(gravity: &str, image_gravity: Option<&str>, tile: bool) -> WatermarkSpec {
        WatermarkSpec {
            gravity: gravity.parse().unwrap(),
            image_gravity: image_gravity.map(|g| g.parse().unwrap()),
            tile,
            margin: 5,
            ..WatermarkSpec::new("x")
        }
    }

    #[test]
    fn a_text_and_an_image_stack_at_one_gravity_image_above() {
        let (text, logo) = (Some((40, 10)), Some((20, 20)));
        // Bottom right: a 40x34 block (20 + 4 + 10), both flush right.
        let at = layout(&spec("bottom-right", None, false), 200, 100, text, logo, 4);
        assert_eq!(at, vec![(Piece::Image, 175, 61), (Piece::Text, 155, 85)]);
        // Top left: flush left; centre: centred on each other.
        let at = layout(&spec("top-left", None, false), 200, 100, text, logo, 4);
        assert_eq!(at, vec![(Piece::Image, 5, 5), (Piece::Text, 5, 29)]);
        let at = layout(&spec("center", None, false), 200, 100, text, logo, 4);
        assert_eq!(at, vec![(Piece::Image, 90, 33), (Piece::Text, 80, 57)]);
        // The same gravity given twice is the same stack.
        let same = layout(
            &spec("center", Some("center"), false),
            200,
            100,
            text,
            logo,
            4,
        );
        assert_eq!(same, at);
        // One piece alone is placed as before.
        let alone = layout(&spec("bottom-right", None, false), 200, 100, text, None, 4);
        assert_eq!(alone, vec![(Piece::Text, 155, 85)]);
        let alone = layout(&spec("bottom-right", None, false), 200, 100, None, logo, 4);
        assert_eq!(alone, vec![(Piece::Image, 175, 75)]);
    }

    #[test]
    fn an_image_gravity_of_its_own_places_the_image_apart() {
        let (text, logo) = (Some((40, 10)), Some((20, 20)));
        let at = layout(
            &spec("bottom-right", Some("top-left"), false),
            200,
            100,
            text,
            logo,
            4,
        );
        assert_eq!(at, vec![(Piece::Image, 5, 5), (Piece::Text, 155, 85)]);
        // Tiled, the stack is tiled and the image gravity unused, like the gravity.
        let tiled = layout(
            &spec("bottom-right", Some("top-left"), true),
            200,
            100,
            text,
            logo,
            4,
        );
        let stacked = layout(&spec("center", None, true), 200, 100, text, logo, 4);
        assert_eq!(tiled, stacked);
        assert!(tiled.contains(&(Piece::Image, 90, 33)) && tiled.contains(&(Piece::Text, 80, 57)));
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
