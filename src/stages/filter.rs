//! `filter`: the filter chain, run by a pool of workers, each with its own scratch buffers.

use std::sync::Arc;

use crate::config::FilterSpec;
use crate::error::ItemError;
use crate::ops::filters::{apply_chain, FilterScratch};
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;

/// One filter worker.
pub struct Filter {
    /// The chain, shared by all workers.
    pub filters: Arc<[FilterSpec]>,
    /// This worker's buffers.
    pub scratch: FilterScratch,
}

impl Stage for Filter {
    const NAME: StageName = StageName::Filter;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        if let Some(img) = frame.image.take() {
            frame.image = Some(apply_chain(img, &self.filters, &mut self.scratch));
        }
        Ok(frame)
    }
}
