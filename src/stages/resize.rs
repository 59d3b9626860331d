//! `resize`: fit the photo to each requested box (inside, cover, fill, contain or outside) with
//! one Lanczos3 pass per size (one worker, one resizer). With several variants of different
//! sizes it makes a frame per size, largest first, each from the smallest finished size that
//! still has [`CASCADE_MARGIN`] times its pixels on both axes, else from the decoded photo.

use std::sync::Arc;

use image::metadata::Orientation;

use crate::config::{Background, Geometry, Variant};
use crate::error::ItemError;
use crate::ops::buffers;
use crate::ops::orient::{stored_geometry, turn_in_place, upright_size};
use crate::ops::raster::Raster;
use crate::ops::resize::{pad, Resizer};
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;

/// How many times a smaller size's pixels (on both axes) a finished size must have to be its
/// source instead of the decoded photo: the margin of shrink-on-load's 1/4 and 1/8 scales
/// ([`crate::internals::geometry::DCT_MARGINS`]), for the same reason (Lanczos3 from at least
/// twice the size keeps the detail the smaller size can show).
pub const CASCADE_MARGIN: f64 = 2.0;

/// The resize stage.
pub struct Resize {
    /// The run's outputs ([`crate::Config::outputs`]); each frame's outputs index into it
    /// through its job.
    pub variants: Arc<[Variant]>,
    /// Padding colour of `contain`.
    pub background: Background,
    /// Kept between photos so its buffers are reused.
    pub resizer: Resizer,
}

/// The photo as a resize source: the pixels, the quarter turn still to be done, and the size
/// (as stored) that the plan's coordinates refer to.
struct Source<'a> {
    image: &'a Raster,
    turn: Orientation,
    full: (u32, u32),
}

impl Stage for Resize {
    const NAME: StageName = StageName::Resize;

    fn process(&mut self, frame: Frame) -> Result<Frame, ItemError> {
        let mut frames = self.split(frame)?;
        // One frame per size: a caller of `process` asks for a single output's frame.
        Ok(frames.swap_remove(0))
    }

    fn split(&mut self, mut frame: Frame) -> Result<Vec<Frame>, ItemError> {
        let turn = frame.turn;
        let stored = {
            let img = frame.image_mut();
            (img.width, img.height)
        };
        // The plan is made for the photo's full size, whatever scale `load` decoded it at.
        let full = if frame.full_size == (0, 0) {
            stored
        } else {
            frame.full_size
        };
        let upright = upright_size(full, turn);
        let sizes = Sizes::plan(&self.variants, &frame, upright, stored);
        if sizes.needed.iter().filter(|&&n| n).count() <= 1 {
            // One size (or one made from the photo): resized in place.
            let geometry = sizes
                .needed
                .iter()
                .position(|&n| n)
                .map_or(Geometry::identity(upright.0, upright.1), |i| {
                    sizes.geometry[i]
                });
            let img = frame.image.take().expect("frame has an image after load");
            let source = Source {
                image: &img,
                turn,
                full,
            };
            let resized = self.make(&source, &geometry);
            frame.turn = Orientation::NoTransforms;
            frame.image = Some(match resized {
                Some(resized) => {
                    buffers::recycle(img.data);
                    resized
                }
                None => {
                    let mut img = img;
                    turn_in_place(&mut img, turn);
                    img
                }
            });
            return Ok(vec![frame]);
        }
        let decoded = frame.image.take().expect("frame has an image after load");
        let photo = Source {
            image: &decoded,
            turn,
            full,
        };
        let mut made: Vec<Option<Raster>> = vec![None; sizes.geometry.len()];
        for &i in &sizes.order {
            if !sizes.needed[i] {
                continue;
            }
            let target = &sizes.geometry[i];
            let image = match sizes.source[i] {
                Some(j) => {
                    let larger = made[j].as_ref().expect("a source is made before its sizes");
                    let source = Source {
                        image: larger,
                        turn: Orientation::NoTransforms,
                        full: upright,
                    };
                    self.make(&source, target)
                        .unwrap_or_else(|| buffers::copy(larger))
                }
                None => self.make(&photo, target).unwrap_or_else(|| {
                    let mut copy = buffers::copy(&decoded);
                    turn_in_place(&mut copy, turn);
                    copy
                }),
            };
            made[i] = Some(image);
        }
        let mut frames = Vec::new();
        for (i, outputs) in sizes.outputs.into_iter().enumerate() {
            if outputs.is_empty() {
                // Made only as the source of smaller sizes (its own output exists).
                if let Some(image) = made[i].take() {
                    buffers::recycle(image.data);
                }
                continue;
            }
            let image = made[i].take().expect("every size with outputs is made");
            frames.push(frame.sibling(outputs, image));
        }
        frames[0].warning = frame.warning.take();
        buffers::recycle(decoded.data);
        Ok(frames)
    }
}

/// The sizes of one photo and how each is made: every distinct geometry of the run's variants
/// (not only of the outputs still to write, so that an output's pixels never depend on which
/// others exist: a resumed run writes the same bytes as a fresh one), the source of each, and
/// which must be made.
struct Sizes {
    /// Each distinct geometry, in the order of the variants that first ask for it.
    geometry: Vec<Geometry>,
    /// The frame's outputs of each size (empty for a size none of whose outputs is to be
    /// written).
    outputs: Vec<Vec<usize>>,
    /// Indices of `geometry`, largest canvas first (stable).
    order: Vec<usize>,
    /// The size each is resized from: the smallest larger size that shows the whole photo with
    /// [`CASCADE_MARGIN`] to spare, or `None` for the decoded photo.
    source: Vec<Option<usize>>,
    /// Whether a size is made: it has outputs, or is the source of one that is.
    needed: Vec<bool>,
}

impl Sizes {
    fn plan(variants: &[Variant], frame: &Frame, upright: (u32, u32), stored: (u32, u32)) -> Sizes {
        let mut geometry: Vec<Geometry> = Vec::new();
        let mut of_variant = Vec::with_capacity(variants.len());
        for variant in variants {
            let g = variant
                .plan(upright.0, upright.1)
                .unwrap_or(Geometry::identity(upright.0, upright.1));
            let at = geometry.iter().position(|&x| x == g).unwrap_or_else(|| {
                geometry.push(g);
                geometry.len() - 1
            });
            of_variant.push(at);
        }
        let mut outputs = vec![Vec::new(); geometry.len()];
        for &o in &frame.outputs {
            outputs[of_variant[frame.job.outputs[o].variant]].push(o);
        }
        let mut order: Vec<usize> = (0..geometry.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(area(geometry[i].canvas)));
        let mut source = vec![None; geometry.len()];
        for (k, &i) in order.iter().enumerate() {
            source[i] = order[..k]
                .iter()
                .copied()
                .filter(|&j| {
                    let g = &geometry[j];
                    shows_whole(g, upright)
                        && area(g.canvas) < area(stored)
                        && has_margin(g.canvas, upright, &geometry[i])
                })
                .min_by_key(|&j| area(geometry[j].canvas));
        }
        let mut needed: Vec<bool> = outputs.iter().map(|o| !o.is_empty()).collect();
        for &i in order.iter().rev() {
            if let (true, Some(j)) = (needed[i], source[i]) {
                needed[j] = true;
            }
        }
        Sizes {
            geometry,
            outputs,
            order,
            source,
            needed,
        }
    }
}

impl Resize {
    /// `source` resampled to `geometry` (whose coordinates are upright and refer to
    /// `source.full`, turned), turned upright and padded; `None` when `geometry` is the whole
    /// source at its own size, so that the caller keeps (or copies) the pixels it has.
    fn make(&mut self, source: &Source<'_>, geometry: &Geometry) -> Option<Raster> {
        let img = source.image;
        let stored = (img.width, img.height);
        let full = source.full;
        let upright = upright_size(full, source.turn);
        if full == stored && *geometry == Geometry::identity(upright.0, upright.1) {
            return None;
        }
        // A photo still to be turned is resampled as stored and turned afterwards, when smaller;
        // the padding of `contain` is added upright.
        let mut plan = stored_geometry(geometry, source.turn, full);
        if full != stored {
            // A smaller source (shrunk on load, or a larger size already made): the source
            // region in its pixels.
            let sx = f64::from(stored.0) / f64::from(full.0);
            let sy = f64::from(stored.1) / f64::from(full.1);
            let [left, top, width, height] = plan.src;
            let (left, top) = (left * sx, top * sy);
            // Rounding may put the far edge a hair past the smaller frame's (29 × 15/29 is
            // 15.000000000000002): the region is kept inside it.
            let width = (width * sx).min(f64::from(stored.0) - left);
            let height = (height * sy).min(f64::from(stored.1) - top);
            plan.src = [left, top, width, height];
        }
        let mut resized = self.resizer.resample(img, &plan, self.background.0);
        turn_in_place(&mut resized, source.turn);
        if (resized.width, resized.height) != geometry.canvas {
            let padded = pad(
                &resized,
                geometry.canvas,
                geometry.offset,
                self.background.0,
            );
            buffers::replace(&mut resized, padded);
        }
        Some(resized)
    }
}

fn area((w, h): (u32, u32)) -> u64 {
    u64::from(w) * u64::from(h)
}

/// Whether `geometry` is the whole upright photo resampled, nothing cropped or padded: only such
/// a size can stand for the photo as the source of another.
fn shows_whole(geometry: &Geometry, upright: (u32, u32)) -> bool {
    geometry.src == [0.0, 0.0, f64::from(upright.0), f64::from(upright.1)]
        && geometry.canvas == geometry.scaled
}

/// Whether a size of `smaller` pixels (the whole photo of `upright` size, resampled) has
/// [`CASCADE_MARGIN`] times the pixels `target` resamples its region to, on both axes.
fn has_margin(smaller: (u32, u32), upright: (u32, u32), target: &Geometry) -> bool {
    let [_, _, w, h] = target.src;
    let w = w * f64::from(smaller.0) / f64::from(upright.0);
    let h = h * f64::from(smaller.1) / f64::from(upright.1);
    w >= CASCADE_MARGIN * f64::from(target.scaled.0)
        && h >= CASCADE_MARGIN * f64::from(target.scaled.1)
}
