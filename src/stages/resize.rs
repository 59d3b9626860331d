//! `resize`: fit the photo to the requested box (inside, cover, fill or contain) with one
//! Lanczos3 pass (one worker, one resizer).

use crate::config::{plan_geometry, Background, Fit, Geometry, Gravity, ResizeSpec};
use crate::error::ItemError;
use crate::ops::buffers;
use crate::ops::orient::{stored_geometry, upright_size};
use crate::ops::resize::{pad, Resizer};
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;

/// The resize a run asks for: what [`Resize`] does, and what `load` plans its shrink-on-load
/// from.
#[derive(Debug, Clone, Copy)]
pub struct Sizing {
    /// The requested size; `None` passes photos through.
    pub spec: Option<ResizeSpec>,
    /// How photos fit the box.
    pub fit: Fit,
    /// Anchor of the crop (`cover`) or of the picture in its padding (`contain`).
    pub gravity: Gravity,
    /// Whether small photos may grow.
    pub enlarge: bool,
}

impl Sizing {
    /// The geometry for a photo of `width × height` (upright), `None` without a resize.
    #[must_use]
    pub fn plan(&self, width: u32, height: u32) -> Option<Geometry> {
        let spec = self.spec?;
        Some(plan_geometry(
            &spec,
            self.fit,
            self.gravity,
            self.enlarge,
            width,
            height,
        ))
    }
}

/// The resize stage.
pub struct Resize {
    /// What to do.
    pub sizing: Sizing,
    /// Padding colour of `contain`.
    pub background: Background,
    /// Kept between photos so its buffers are reused.
    pub resizer: Resizer,
}

impl Stage for Resize {
    const NAME: StageName = StageName::Resize;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let turn = frame.turn;
        let full_size = frame.full_size;
        let img = frame.image_mut();
        let stored = (img.width, img.height);
        // The plan is made for the photo's full size, whatever scale `load` decoded it at.
        let full = if full_size == (0, 0) {
            stored
        } else {
            full_size
        };
        let upright = upright_size(full, turn);
        let Some(geometry) = self.sizing.plan(upright.0, upright.1) else {
            frame.turn_upright();
            return Ok(frame);
        };
        if full == stored && geometry == Geometry::identity(upright.0, upright.1) {
            frame.turn_upright();
            return Ok(frame);
        }
        // A photo still to be turned is resampled as stored and turned afterwards, when smaller;
        // the padding of `contain` is added upright.
        let mut plan = stored_geometry(&geometry, turn, full);
        if full != stored {
            // Shrunk on load: the source region in the decoded image's pixels.
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
        let resized = self.resizer.resample(img, &plan, self.background.0);
        buffers::replace(img, resized);
        frame.turn_upright();
        let img = frame.image_mut();
        if (img.width, img.height) != geometry.canvas {
            let padded = pad(img, geometry.canvas, geometry.offset, self.background.0);
            buffers::replace(img, padded);
        }
        Ok(frame)
    }
}
