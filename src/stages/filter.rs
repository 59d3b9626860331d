//! `filter`: the filter chain, run by a pool of workers, each with its own scratch buffers.

use std::sync::Arc;

use crate::config::FilterSpec;
use crate::error::ItemError;
use crate::ops::filters::{apply_chain, FilterScratch};
use crate::ops::raster::Layout;
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
        if let Some(mut img) = frame.image.take() {
            let greys = self.filters.contains(&FilterSpec::Grayscale);
            if greys && img.layout != Layout::Gray && frame.meta.icc.is_some() {
                // Grey made from colour in the profile's space would be shown as sRGB grey.
                super::profile_to_srgb(&mut frame, &mut img, Self::NAME, "the grey filter");
            }
            frame.image = Some(apply_chain(img, &self.filters, &mut self.scratch));
        }
        Ok(frame)
    }
}
