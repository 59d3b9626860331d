//! `load`: read the file, decode it (format by content), check the size limit, turn it upright.

use crate::error::ItemError;
use crate::ops::decode::decode;
use crate::pipeline::{Frame, Stage, StageName};

/// The load stage of one worker.
pub struct Load {
    /// See [`crate::Config::max_pixels`].
    pub max_pixels: u64,
    /// See [`crate::Config::lenient`].
    pub lenient: bool,
}

impl Stage for Load {
    const NAME: StageName = StageName::Load;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let bytes = std::fs::read(&frame.job.src).map_err(|e| ItemError::read(&e))?;
        let decoded = decode(&bytes, self.max_pixels, self.lenient)?;
        frame.input_size = decoded.stored_size;
        frame.kind = Some(decoded.kind);
        frame.icc = decoded.icc;
        frame.image = Some(decoded.raster);
        Ok(frame)
    }
}
