//! The outcome of a run: counts, failures, and per-stage figures computed from the workers'
//! clocks; its JSON document and trace, the merge of shards' documents, and the summary table.

mod json;
mod manifest;
mod merge;
mod table;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::html::report_html;
pub use json::{report_json, trace_json, write_report_json, write_trace_json};
pub use manifest::{manifest_json, MANIFEST_VERSION};
pub use merge::merge_reports;
pub use table::{bottleneck_hint, summary, summary_line, workers_label};

use crate::cancel::CancelReason;
use crate::metrics::clock::WorkerClock;
use crate::metrics::live::QueueStats;
use crate::pipeline::{Failure, Warning};
use crate::spool::{put_u64, take_u64, Record};
pub use crate::spool::{Iter as SpoolIter, Spool};
use crate::stage_name::StageName;

/// Writes a JSON document (the report, the trace, a merged report) to `path`, pretty-printed,
/// whole or not at all (see [`save`]).
pub fn save_json(path: &Path, doc: &serde_json::Value) -> io::Result<()> {
    let text = serde_json::to_string_pretty(doc).map_err(io::Error::other)?;
    save(path, text.as_bytes())
}

/// Writes `bytes` (a report, a trace, a page) to `path` whole or not at all: a full disk or a
/// crash leaves the old file or none, never half of one.
pub fn save(path: &Path, bytes: &[u8]) -> io::Result<()> {
    save_with(path, |out| out.write_all(bytes))
}

/// Writes to `path` what `fill` writes, whole or not at all, as [`save`] does, without holding
/// it: for documents streamed from a large run ([`write_report_json`], [`write_trace_json`]).
pub fn save_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    let temp_name = |_| crate::atomic::temp_beside(path, ".tmp");
    let fill = |file: &mut std::fs::File| {
        let mut out = io::BufWriter::with_capacity(256 << 10, file);
        fill(&mut out)?;
        io::Write::flush(&mut out)
    };
    crate::atomic::write_new_with(path, fill, temp_name, |_| Ok(()))
}

/// Per-stage figures.
#[derive(Debug, Clone, PartialEq)]
pub struct StageReport {
    /// Which stage.
    pub name: StageName,
    /// Its worker threads.
    pub workers: usize,
    /// Whether the pool was sized automatically.
    pub auto: bool,
    /// The most workers that took items at once (equals `workers` for a fixed pool).
    pub peak_active: usize,
    /// Items it worked on (failed items passing through are not counted).
    pub items: usize,
    /// Total wall time its workers spent working.
    pub busy: Duration,
    /// Total CPU time its workers used while working.
    pub cpu: Duration,
    /// Total time its workers waited for input.
    pub starved: Duration,
    /// Total time its workers waited to send (backpressure).
    pub blocked: Duration,
    /// Median time per item.
    pub p50: Duration,
    /// 95th percentile time per item.
    pub p95: Duration,
}

impl StageReport {
    /// Aggregates the clocks of one stage's workers.
    #[must_use]
    pub fn from_clocks(name: StageName, clocks: &[&WorkerClock]) -> Self {
        // Nanoseconds, 8 bytes an item: the one per-item list a run holds, for a moment.
        let mut times: Vec<u64> = clocks
            .iter()
            .flat_map(|c| c.spans.iter().map(|s| s.busy.as_nanos() as u64))
            .collect();
        times.sort_unstable();
        let pick = |pct| Duration::from_nanos(percentile(&times, pct));
        StageReport {
            name,
            workers: clocks.len(),
            auto: false,
            peak_active: clocks.len(),
            items: times.len(),
            busy: clocks.iter().map(|c| c.busy).sum(),
            cpu: clocks.iter().map(|c| c.cpu).sum(),
            starved: clocks.iter().map(|c| c.starved).sum(),
            blocked: clocks.iter().map(|c| c.blocked).sum(),
            p50: pick(50),
            p95: pick(95),
        }
    }

    /// Share of the workers' available time (`wall × workers`) spent busy, 0–1.
    #[must_use]
    pub fn busy_share(&self, wall: Duration) -> f64 {
        share(self.busy, wall, self.workers)
    }

    /// Share spent starved, 0–1.
    #[must_use]
    pub fn starved_share(&self, wall: Duration) -> f64 {
        share(self.starved, wall, self.workers)
    }

    /// Share spent blocked, 0–1.
    #[must_use]
    pub fn blocked_share(&self, wall: Duration) -> f64 {
        share(self.blocked, wall, self.workers)
    }
}

fn share(part: Duration, wall: Duration, workers: usize) -> f64 {
    let total = wall.as_secs_f64() * workers as f64;
    if total > 0.0 {
        part.as_secs_f64() / total
    } else {
        0.0
    }
}

/// The nearest-rank percentile of sorted `times`.
#[must_use]
pub fn percentile<T: Copy + Default>(sorted: &[T], pct: usize) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Everything a run reports: counts, every file written ([`Report::outputs`]), failures and
/// warnings, and where the time went. New fields will come.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Report {
    /// Wall time from the first worker's start to the last item collected.
    pub wall: Duration,
    /// Cores available to the process.
    pub cores: usize,
    /// Photos found.
    pub total: usize,
    /// Photos all of whose outputs were written.
    pub ok: usize,
    /// Photos with an output that failed (not counting cancelled ones); [`Report::failures`]
    /// says which outputs.
    pub failed: usize,
    /// Photos not finished because the run was cancelled.
    pub cancelled: usize,
    /// Megapixels decoded.
    pub megapixels_in: f64,
    /// Megapixels written.
    pub megapixels_out: f64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Per stage, in pipeline order.
    pub stages: Vec<StageReport>,
    /// Failed and cancelled photos, in input order.
    pub failures: Vec<Failure>,
    /// Photos written despite a problem (best-effort decodes with `lenient`), in input order.
    /// They are counted in `ok`.
    pub warnings: Vec<Warning>,
    /// Why the run stopped early, if it did.
    pub cancel_reason: Option<CancelReason>,
    /// Every worker's clock, for traces.
    pub clocks: Vec<WorkerClock>,
    /// Sampled depth of every queue, in pipeline order.
    pub queues: Vec<QueueStats>,
    /// Input paths by item id.
    pub inputs: Spool<PathBuf>,
    /// Outputs left alone because they already existed: `(input, output)`.
    pub skipped: Spool<(PathBuf, PathBuf)>,
    /// Every file written, in input order and, for each input, in the order of its variants.
    pub outputs: Spool<OutputFile>,
}

/// One file a run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// The input it was made from (an index into [`Report::inputs`]).
    pub input: usize,
    /// Its place among that input's outputs ([`crate::Job::outputs`]).
    pub index: usize,
    /// Which of the run's variants it is (an index into [`crate::Config::outputs`]).
    pub variant: usize,
    /// Where it was written.
    pub path: PathBuf,
    /// Its size in pixels and bytes, and its format.
    pub written: crate::pipeline::Written,
    /// The input's size in pixels as seen (EXIF orientation applied) and in bytes.
    pub input_size: (u32, u32, u64),
}

/// The names [`crate::pipeline::Written::format`] takes.
const FORMATS: [&str; 8] = ["jpeg", "png", "webp", "avif", "gif", "tiff", "heif", "jxl"];

impl Record for OutputFile {
    fn put(&self, out: &mut Vec<u8>) {
        for n in [self.input, self.index, self.variant] {
            put_u64(out, n as u64);
        }
        self.path.put(out);
        let w = &self.written;
        let format = FORMATS.iter().position(|&f| f == w.format);
        let format = format.expect("a format fanlight writes");
        let (iw, ih, ib) = self.input_size;
        for n in [w.width, w.height, iw, ih] {
            put_u64(out, u64::from(n));
        }
        for n in [w.bytes, ib, format as u64] {
            put_u64(out, n);
        }
    }

    fn take(input: &mut &[u8]) -> Option<Self> {
        let mut n = || usize::try_from(take_u64(input)?).ok();
        let (index_of_input, index, variant) = (n()?, n()?, n()?);
        let path = PathBuf::take(input)?;
        let mut px = || u32::try_from(take_u64(input)?).ok();
        let (width, height, iw, ih) = (px()?, px()?, px()?, px()?);
        let (bytes, ib) = (take_u64(input)?, take_u64(input)?);
        let format = FORMATS.get(usize::try_from(take_u64(input)?).ok()?)?;
        Some(OutputFile {
            input: index_of_input,
            index,
            variant,
            path,
            written: crate::pipeline::Written {
                width,
                height,
                bytes,
                format,
            },
            input_size: (iw, ih, ib),
        })
    }
}

impl Report {
    /// Photos per second of wall time.
    #[must_use]
    pub fn images_per_sec(&self) -> f64 {
        per_sec(self.ok as f64, self.wall)
    }

    /// Input megapixels per second of wall time.
    #[must_use]
    pub fn megapixels_per_sec(&self) -> f64 {
        per_sec(self.megapixels_in, self.wall)
    }

    /// Total work of all stages over the wall time: how many cores' worth of work ran at once
    /// on average, i.e. the speedup over running the same work sequentially. Work is measured as
    /// CPU time where the platform has a thread CPU clock (so time spent waiting for a core is
    /// not counted twice), else as busy wall time.
    #[must_use]
    pub fn speedup(&self) -> f64 {
        let cpu: Duration = self.stages.iter().map(|s| s.cpu).sum();
        let work = if cpu.is_zero() {
            self.stages.iter().map(|s| s.busy).sum()
        } else {
            cpu
        };
        per_sec(work.as_secs_f64(), self.wall)
    }

    /// Speedup divided by the cores: 1.0 means every core was busy all the time.
    #[must_use]
    pub fn efficiency(&self) -> f64 {
        self.speedup() / self.cores.max(1) as f64
    }

    /// The stage whose workers were busiest, with its busy share.
    #[must_use]
    pub fn bottleneck(&self) -> Option<(&StageReport, f64)> {
        self.stages
            .iter()
            .map(|s| (s, s.busy_share(self.wall)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

fn per_sec(amount: f64, wall: Duration) -> f64 {
    let s = wall.as_secs_f64();
    if s > 0.0 {
        amount / s
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 50), Duration::from_millis(10));
        assert_eq!(percentile(&ms, 95), Duration::from_millis(19));
        assert_eq!(percentile(&ms[..1], 95), Duration::from_millis(1));
        assert_eq!(percentile::<Duration>(&[], 50), Duration::ZERO);
    }
}
