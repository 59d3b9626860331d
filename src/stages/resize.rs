//! `resize`: fit the photo to the requested box (inside, cover, fill or contain) with one
//! Lanczos3 pass (one worker, one resizer).

use crate::config::{plan_geometry, Background, Fit, Geometry, Gravity, ResizeSpec};
use crate::error::ItemError;
use crate::ops::buffers;
use crate::ops::orient::{stored_geometry, upright_size};
use crate::ops::resize::{pad, Resizer};
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;

/// The resize stage.
pub struct Resize {
    /// The requested size; `None` passes photos through.
    pub spec: Option<ResizeSpec>,
    /// How photos fit the box.
    pub fit: Fit,
    /// Anchor of the crop (`cover`) or of the picture in its padding (`contain`).
    pub gravity: Gravity,
    /// Padding colour of `contain`.
    pub background: Background,
    /// Whether small photos may grow.
    pub enlarge: bool,
    /// Kept between photos so its buffers are reused.
    pub resizer: Resizer,
}

impl Stage for Resize {
    const NAME: StageName = StageName::Resize;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let Some(spec) = self.spec else {
            frame.turn_upright();
            return Ok(frame);
        };
        let turn = frame.turn;
        let img = frame.image_mut();
        let stored = (img.width, img.height);
        let upright = upright_size(stored, turn);
        let geometry = plan_geometry(
            &spec,
            self.fit,
            self.gravity,
            self.enlarge,
            upright.0,
            upright.1,
        );
        if geometry == Geometry::identity(upright.0, upright.1) {
            frame.turn_upright();
            return Ok(frame);
        }
        // A photo still to be turned is resampled as stored and turned afterwards, when smaller;
        // the padding of `contain` is added upright.
        let plan = stored_geometry(&geometry, turn, stored);
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
