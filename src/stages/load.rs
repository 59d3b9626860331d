//! `load`: read the file, decode it (format by content), check the size limit, turn it upright,
//! keep the metadata the output will carry, and convert to sRGB when asked.

use std::sync::Arc;

use crate::config::{MetadataMode, OutputSpec};
use crate::error::ItemError;
use crate::ops::colour::to_srgb;
use crate::ops::decode::decode_stored;
use crate::ops::meta::Metadata;
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;
use crate::stages::mark_text::MarkText;

/// The load stage of one worker.
pub struct Load {
    /// See [`crate::Config::max_pixels`].
    pub max_pixels: u64,
    /// See [`crate::Config::lenient`].
    pub lenient: bool,
    /// Which metadata to keep, and whether to convert to sRGB.
    pub output: OutputSpec,
    /// A watermark text whose placeholders are filled in here, per photo.
    pub mark_text: Option<Arc<MarkText>>,
}

impl Stage for Load {
    const NAME: StageName = StageName::Load;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let bytes = std::fs::read(&frame.job.src).map_err(|e| ItemError::read(&e))?;
        let (mut decoded, turn) = decode_stored(&bytes, self.max_pixels, self.lenient)?;
        if let Some(text) = &self.mark_text {
            frame.mark_text = Some(text.render(&frame.job.src, decoded.exif.as_deref()));
        }
        let mut icc = decoded.icc;
        if self.output.to_srgb {
            // Converted here, before the filters, so they and the watermark colour work in sRGB.
            if let Some(profile) = &icc {
                if to_srgb(&mut decoded.raster, profile)? {
                    icc = None;
                }
            }
        }
        let keep = self.output.metadata == MetadataMode::Keep;
        frame.meta = match self.output.metadata {
            MetadataMode::Strip => Metadata::default(),
            _ => Metadata {
                icc,
                exif: decoded.exif.filter(|_| keep),
                xmp: decoded.xmp.filter(|_| keep),
            },
        };
        frame.input_size = decoded.stored_size;
        frame.kind = Some(decoded.kind);
        frame.image = Some(decoded.raster);
        frame.turn = turn;
        frame.warning = decoded.warning.map(|w| (StageName::Load, w));
        Ok(frame)
    }
}
