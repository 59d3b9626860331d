//! `resize`: fit the photo inside the requested box with Lanczos3 (one worker, one resizer).

use crate::config::ResizeSpec;
use crate::error::ItemError;
use crate::ops::resize::Resizer;
use crate::pipeline::{Frame, Stage, StageName};

/// The resize stage.
pub struct Resize {
    /// The requested size; `None` passes photos through.
    pub spec: Option<ResizeSpec>,
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
        let (w, h) = spec.target(img.width, img.height, self.enlarge);
        if (w, h) != (img.width, img.height) {
            *img = self.resizer.resize(img, w, h);
        }
        Ok(frame)
    }
}
