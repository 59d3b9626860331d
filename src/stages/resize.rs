//! `resize`: fit the photo to the requested box (inside, cover, fill or contain) with one
//! Lanczos3 pass (one worker, one resizer).

use crate::config::{plan_geometry, Background, Fit, Gravity, ResizeSpec};
use crate::error::ItemError;
use crate::ops::resize::Resizer;
use crate::pipeline::{Frame, Stage, StageName};

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
            return Ok(frame);
        };
        let img = frame.image_mut();
        let geometry = plan_geometry(
            &spec,
            self.fit,
            self.gravity,
            self.enlarge,
            img.width,
            img.height,
        );
        if geometry != crate::config::Geometry::identity(img.width, img.height) {
            let resized = self.resizer.resample(img, &geometry, self.background.0);
            let source = std::mem::replace(img, resized);
            crate::ops::buffers::recycle(source.data);
        }
        Ok(frame)
    }
}
