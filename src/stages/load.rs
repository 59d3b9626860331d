//! `load`: read the file, decode it (format by content), check the size limit, turn it upright,
//! keep the metadata the output will carry, and convert to sRGB when asked.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use crate::config::{MetadataMode, OutputSpec, Variant};
use crate::error::ItemError;
use crate::ops::budget::Budget;
use crate::ops::colour::to_srgb;
use crate::ops::decode::decode_shrunk;
use crate::ops::meta::Metadata;
use crate::pipeline::{Frame, Stage};
use crate::stage_name::StageName;
use crate::stages::mark_text::MarkText;

/// The load stage of one worker.
pub struct Load {
    /// See [`crate::Config::max_pixels`].
    pub max_pixels: u64,
    /// See [`crate::Config::max_file_size`].
    pub max_file_size: u64,
    /// See [`crate::Config::lenient`].
    pub lenient: bool,
    /// Which metadata to keep, and whether to convert to sRGB.
    pub output: OutputSpec,
    /// A watermark text whose placeholders are filled in here, per photo.
    pub mark_text: Option<Arc<MarkText>>,
    /// The run's variants, when JPEGs may be shrunk on load for them: the scale is the one the
    /// largest allows.
    pub shrink_for: Option<Arc<[Variant]>>,
    /// The memory budget the load workers' decodes share (`--decode-memory`).
    pub budget: Option<Arc<Budget>>,
}

impl Stage for Load {
    const NAME: StageName = StageName::Load;

    fn process(&mut self, mut frame: Frame) -> Result<Frame, ItemError> {
        let bytes = read_bounded(&frame.job.src, self.max_file_size)?;
        // The scale of the largest variant, whichever outputs are still to be written, so
        // that an output's pixels never depend on which others exist.
        let scale = |width, height| {
            self.shrink_for.as_ref().map_or(1, |variants| {
                variants
                    .iter()
                    .map(|v| v.plan(width, height).map_or(1, |g| g.dct_denominator()))
                    .min()
                    .unwrap_or(1)
            })
        };
        let (mut decoded, turn) = decode_shrunk(
            &bytes,
            self.max_pixels,
            self.lenient,
            &scale,
            self.budget.as_deref(),
        )?;
        if let Some(text) = &self.mark_text {
            frame.mark_text = Some(text.render(&frame.job.src, decoded.exif.as_deref()));
        }
        let mut icc = decoded.icc;
        let mut warning = decoded.warning;
        let strip = self.output.metadata == MetadataMode::Strip;
        // Converted here, before the filters, so they and the watermark colour work in sRGB;
        // `--strip` converts too (as sharp does), since dropping a profile without converting
        // shifts the colours of every photo not already in sRGB.
        if let Some(profile) = icc.as_deref().filter(|_| self.output.to_srgb || strip) {
            match to_srgb(&mut decoded.raster, profile) {
                Ok(true) => icc = None,
                Ok(false) => {}
                Err(_) if !self.output.to_srgb => {
                    warning.get_or_insert_with(|| {
                        format!(
                            "the ICC profile cannot be read, so it was dropped ({}) without \
                             converting the colours to sRGB",
                            crate::error::opt("--strip")
                        )
                    });
                }
                Err(error) => return Err(error),
            }
        }
        let keep = self.output.metadata == MetadataMode::Keep;
        frame.meta = match self.output.metadata {
            MetadataMode::Strip | MetadataMode::StripRaw => Metadata::default(),
            _ => Metadata {
                icc,
                exif: decoded.exif.filter(|_| keep),
                xmp: decoded.xmp.filter(|_| keep),
            },
        };
        frame.input_size = decoded.stored_size;
        frame.input_upright = crate::ops::orient::upright_size(decoded.stored_size, turn);
        frame.input_bytes = bytes.len() as u64;
        frame.full_size = decoded.full_size;
        frame.kind = Some(decoded.kind);
        frame.image = Some(decoded.raster);
        frame.turn = turn;
        frame.warning = warning.map(|w| (StageName::Load, w));
        Ok(frame)
    }
}

/// The whole file, refused unread when it is larger than `limit` bytes: a file that grows while
/// it is read is cut off at the limit and refused too, so memory never exceeds the limit.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ItemError> {
    let file = File::open(path).map_err(|e| ItemError::read(&e))?;
    let len = file.metadata().map_err(|e| ItemError::read(&e))?.len();
    if len > limit {
        return Err(ItemError::FileTooLarge { bytes: len, limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ItemError::read(&e))?;
    if bytes.len() as u64 > limit {
        return Err(ItemError::FileTooLarge {
            bytes: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}
