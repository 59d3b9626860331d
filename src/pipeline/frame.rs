//! What travels through the channels: a [`Frame`] being worked on, or a [`Failure`] on its way to
//! `collect`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use image::metadata::Orientation;

use crate::error::ItemError;
use crate::names::shown;
use crate::ops::decode::ImageKind;
use crate::ops::meta::Metadata;
use crate::ops::raster::Raster;
use crate::spool::Record;
use crate::stage_name::StageName;

/// One input photo's identity, fixed before the run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Position in the sorted input list: stable whatever the scheduling.
    pub id: usize,
    /// The file to read.
    pub src: PathBuf,
    /// The files to write: one, or one per variant ([`crate::Config::variants`]) in the
    /// variants' order, without those left out (an output that exists under `--on-exists
    /// skip`, a variant that would duplicate another). Never empty.
    pub outputs: Vec<Output>,
    /// The input's access and modification times as they were before the run read it, when
    /// the output is to keep them ([`crate::config::OutputSpec::keep_times`]).
    pub times: Option<(SystemTime, SystemTime)>,
}

impl Job {
    /// The first output's path: the only one, unless the run has variants.
    #[must_use]
    pub fn dst(&self) -> &std::path::Path {
        &self.outputs[0].dst
    }
}

impl crate::spool::Record for Job {
    fn put(&self, out: &mut Vec<u8>) {
        use crate::spool::put_u64;
        put_u64(out, self.id as u64);
        self.src.put(out);
        put_u64(out, self.outputs.len() as u64);
        for o in &self.outputs {
            put_u64(out, o.variant as u64);
            o.dst.put(out);
            o.size.map(|(w, h)| (u64::from(w), u64::from(h))).put(out);
        }
        self.times.put(out);
    }

    fn take(input: &mut &[u8]) -> Option<Self> {
        use crate::spool::take_u64;
        let id = usize::try_from(take_u64(input)?).ok()?;
        let src = PathBuf::take(input)?;
        let n = usize::try_from(take_u64(input)?).ok()?;
        let mut outputs = Vec::with_capacity(n);
        for _ in 0..n {
            let variant = usize::try_from(take_u64(input)?).ok()?;
            let dst = PathBuf::take(input)?;
            let size = match <Option<(u64, u64)> as Record>::take(input)? {
                Some((w, h)) => Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?)),
                None => None,
            };
            outputs.push(Output { variant, dst, size });
        }
        let times = <Option<_> as Record>::take(input)?;
        Some(Job {
            id,
            src,
            outputs,
            times,
        })
    }
}

/// One file a job writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Which of the run's variants it is (an index into [`crate::Config::outputs`]).
    pub variant: usize,
    /// The file to write.
    pub dst: PathBuf,
    /// The output size the plan computed from the header, when the name depends on it
    /// (`{width}`, `{height}`); `write` checks that the result has this size.
    pub size: Option<(u32, u32)>,
}

/// A photo on its way through the stages.
#[derive(Debug)]
pub struct Frame {
    /// Which input this is.
    pub job: Arc<Job>,
    /// Which of the job's outputs this frame makes (indices into [`Job::outputs`]): all of them
    /// until `resize`, which makes a frame per distinct size, and `watermark` a frame per
    /// output.
    pub outputs: Vec<usize>,
    /// The pixels; `None` before `load` and after `write`.
    pub image: Option<Raster>,
    /// A quarter turn (EXIF 5–8) still to be done: `load` leaves it to `resize`, which turns the
    /// photo once it is smaller ([`Frame::turn_upright`] does it at any point).
    pub turn: Orientation,
    /// The format found in the input's bytes.
    pub kind: Option<ImageKind>,
    /// The input's metadata that goes into the output (ICC profile, and with
    /// `--keep-metadata` EXIF and XMP).
    pub meta: Metadata,
    /// Input size in pixels (as stored), for throughput figures.
    pub input_size: (u32, u32),
    /// Input size in pixels as the photo is seen (its EXIF orientation applied), and its file
    /// size in bytes: what the manifest says of the input.
    pub input_upright: (u32, u32),
    /// See [`Frame::input_upright`].
    pub input_bytes: u64,
    /// The image's size had it been decoded in full, before the quarter turn: larger than the
    /// image when `load` shrank a JPEG while decoding it, and what `resize` plans from. `(0, 0)`
    /// (not loaded by `load`) means the image's own size.
    pub full_size: (u32, u32),
    /// What `write` produced.
    pub written: Option<Written>,
    /// When the first stage started on it, for the per-photo timeout.
    pub started: Option<std::time::Instant>,
    /// The watermark text with its placeholders filled in (by `load`), when it varies per photo.
    pub mark_text: Option<String>,
    /// A problem that did not stop the photo (a damaged JPEG decoded with `lenient`), with the
    /// stage that found it; reported as a warning once the photo is written.
    pub warning: Option<(StageName, String)>,
}

impl Frame {
    /// Adds a warning found by `stage`, after any the frame already carries (one line, the
    /// first finder's stage).
    pub fn warn(&mut self, stage: StageName, message: String) {
        self.warning = Some(match self.warning.take() {
            None => (stage, message),
            Some((first, earlier)) => (first, format!("{earlier}; {message}")),
        });
    }

    /// A frame for `job`, not yet loaded.
    #[must_use]
    pub fn new(job: Arc<Job>) -> Self {
        Frame {
            outputs: (0..job.outputs.len()).collect(),
            job,
            image: None,
            turn: Orientation::NoTransforms,
            kind: None,
            meta: Metadata::default(),
            input_size: (0, 0),
            input_upright: (0, 0),
            input_bytes: 0,
            full_size: (0, 0),
            written: None,
            started: None,
            mark_text: None,
            warning: None,
        }
    }

    /// A frame for the same photo making `outputs`, carrying `image` and a copy of everything
    /// else but the warning, which travels on one frame only (it is reported once).
    #[must_use]
    pub fn sibling(&self, outputs: Vec<usize>, image: Raster) -> Frame {
        Frame {
            job: self.job.clone(),
            outputs,
            image: Some(image),
            turn: Orientation::NoTransforms,
            kind: self.kind,
            meta: self.meta.clone(),
            input_size: self.input_size,
            input_upright: self.input_upright,
            input_bytes: self.input_bytes,
            full_size: self.full_size,
            written: None,
            started: self.started,
            mark_text: self.mark_text.clone(),
            warning: None,
        }
    }

    /// The output this frame makes, once `watermark` has given each output its own frame.
    #[must_use]
    pub fn output(&self) -> &Output {
        &self.job.outputs[self.outputs[0]]
    }

    /// Does the quarter turn still to be done, if any.
    pub fn turn_upright(&mut self) {
        let turn = std::mem::replace(&mut self.turn, Orientation::NoTransforms);
        if let Some(img) = self.image.as_mut() {
            crate::ops::orient::turn_in_place(img, turn);
        }
    }

    /// The image; stages after `load` rely on it being present.
    ///
    /// # Panics
    /// If called before `load` (a wiring bug, caught by the stage's panic guard).
    pub fn image_mut(&mut self) -> &mut Raster {
        self.image.as_mut().expect("frame has an image after load")
    }
}

/// The output of a finished photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// File size in bytes.
    pub bytes: u64,
    /// The format written: `jpeg`, `png`, `webp` or `avif`.
    pub format: &'static str,
}

/// A photo that failed (or was cancelled), with the stage and the reason.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Which input.
    pub job: Arc<Job>,
    /// Which of its outputs failed (indices into [`Job::outputs`]): all of them when the photo
    /// failed before `resize` split it into its variants.
    pub outputs: Vec<usize>,
    /// Where it failed.
    pub stage: StageName,
    /// Why.
    pub error: ItemError,
}

impl Failure {
    /// The failure of every output `frame` was to make.
    #[must_use]
    pub fn of(frame: &Frame, stage: StageName, error: ItemError) -> Failure {
        Failure {
            job: frame.job.clone(),
            outputs: frame.outputs.clone(),
            stage,
            error,
        }
    }

    /// Whether only some of the photo's outputs failed (one variant's write, say).
    #[must_use]
    pub fn is_partial(&self) -> bool {
        self.outputs.len() < self.job.outputs.len()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", shown(&self.job.src))?;
        if self.is_partial() {
            // A variant failed alone: it is named by its output path.
            for (i, &o) in self.outputs.iter().enumerate() {
                let sep = if i == 0 { " -> " } else { ", " };
                write!(f, "{sep}{}", shown(&self.job.outputs[o].dst))?;
            }
        }
        write!(f, ": {} failed: {}", self.stage, self.error)
    }
}

/// A photo that was written, but with a problem worth telling (a best-effort decode).
#[derive(Debug, Clone)]
pub struct Warning {
    /// Which input.
    pub job: Arc<Job>,
    /// The stage that found the problem.
    pub stage: StageName,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            shown(&self.job.src),
            self.stage,
            self.message
        )
    }
}

/// What the channels carry.
#[derive(Debug)]
pub enum Item {
    /// Still being processed (or, after `write`, done).
    Frame(Frame),
    /// Failed or cancelled; passed along untouched to `collect`.
    Failed(Failure),
}
