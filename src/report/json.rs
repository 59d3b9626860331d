//! The `--report` JSON document (schema in the README) and the `--trace` Chrome trace.
//!
//! Besides the totals, the report carries what a picture of the run needs (`workers[]` with
//! each worker's clocks and spans, `inputs[]`, `queues[].samples`), so the HTML report
//! (`crate::html`) renders from the document alone, for a saved report as for a fresh run.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::{OutputFile, Report};
use crate::error::ItemError;
use crate::metrics::clock::Span;
use crate::names::raw_bytes;
use crate::spool::Spool;

#[derive(Serialize)]
struct Images {
    total: usize,
    ok: usize,
    failed: usize,
    skipped: usize,
    cancelled: usize,
    warnings: usize,
    /// Files written (one per photo, or one per variant).
    outputs: usize,
}

#[derive(Serialize)]
struct StageJson {
    name: &'static str,
    workers: usize,
    auto: bool,
    peak_active: usize,
    items: usize,
    busy_s: f64,
    cpu_s: f64,
    starved_s: f64,
    blocked_s: f64,
    p50_ms: f64,
    p95_ms: f64,
}

#[derive(Serialize)]
struct QueueJson {
    from: &'static str,
    to: &'static str,
    capacity: usize,
    mean_depth: f64,
    max_depth: usize,
    /// `[seconds since the start, depth]`, at most [`MAX_QUEUE_POINTS`]; when thinned, each
    /// point is the largest depth of its interval.
    samples: Vec<(f64, usize)>,
}

/// One worker's clocks and its spans `[item id, start ms, busy ms]`.
#[derive(Serialize)]
struct WorkerJson<'a> {
    stage: &'static str,
    worker: usize,
    items: usize,
    busy_s: f64,
    cpu_s: f64,
    starved_s: f64,
    blocked_s: f64,
    spans: Spans<'a>,
}

/// The most depth samples kept per queue in the report: two minutes at one per 100 ms, more
/// than a chart's width in pixels.
pub const MAX_QUEUE_POINTS: usize = 1200;

#[derive(Serialize)]
struct FailureJson {
    path: String,
    /// The path's bytes when it is not UTF-8 (`path` is then its lossy text).
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    /// The outputs that failed: all of the photo's, or one variant's.
    outputs: Vec<String>,
    stage: &'static str,
    error: String,
    cancelled: bool,
}

#[derive(Serialize)]
struct WarningJson {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    stage: &'static str,
    warning: String,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    wall_s: f64,
    cores: usize,
    images: Images,
    megapixels_in: f64,
    megapixels_out: f64,
    bytes_out: u64,
    images_per_s: f64,
    megapixels_per_s: f64,
    stages: Vec<StageJson>,
    queues: Vec<QueueJson>,
    efficiency: f64,
    speedup: f64,
    bottleneck: Option<&'static str>,
    bottleneck_hint: Option<String>,
    cancelled_by: Option<&'static str>,
    failures: Vec<FailureJson>,
    warnings: Vec<WarningJson>,
    workers: Vec<WorkerJson<'a>>,
    inputs: Inputs<'a>,
    /// The bytes of each input path that is not UTF-8, by its index in `inputs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    inputs_bytes: Option<InputsBytes<'a>>,
    outputs: Outputs<'a>,
}

// The per-photo lists are written as they are read from their spools, never held: a report of
// a million photos is written in the memory of a report of a thousand.

/// A worker's spans, `[item id, start ms, busy ms]` each.
struct Spans<'a>(&'a Spool<Span>);

impl Serialize for Spans<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|s| (s.item, ms(s.start), ms(s.busy))))
    }
}

/// The input paths, lossy text.
struct Inputs<'a>(&'a Spool<PathBuf>);

impl Serialize for Inputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| p.display().to_string()))
    }
}

/// The bytes of the input paths that are not UTF-8, by index.
struct InputsBytes<'a>(&'a Spool<PathBuf>);

impl Serialize for InputsBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = |(i, p): (usize, PathBuf)| Some((i.to_string(), raw_bytes(&p)?));
        s.collect_map(self.0.iter().enumerate().filter_map(bytes))
    }
}

/// Every file written.
struct Outputs<'a>(&'a Spool<OutputFile>);

impl Serialize for Outputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|o| OutputJson {
            input: o.input,
            path: o.path.display().to_string(),
            path_bytes: raw_bytes(&o.path),
            format: o.written.format,
            width: o.written.width,
            height: o.written.height,
            bytes: o.written.bytes,
        }))
    }
}

/// One file written.
#[derive(Serialize)]
struct OutputJson {
    /// Index into `inputs`.
    input: usize,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    format: &'static str,
    width: u32,
    height: u32,
    bytes: u64,
}

/// Milliseconds rounded to the microsecond, to keep the document short.
fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Thins `samples` to at most `max` points, each the deepest of its run of samples.
fn thinned(samples: &[crate::metrics::live::DepthSample], max: usize) -> Vec<(f64, usize)> {
    let per = samples.len().div_ceil(max.max(1)).max(1);
    samples
        .chunks(per)
        .map(|c| {
            let t = (c[0].at.as_secs_f64() * 1e3).round() / 1e3;
            (t, c.iter().map(|s| s.depth).max().unwrap_or(0))
        })
        .collect()
}

/// The report as the JSON document `--report` writes (see [`write_report_json`]).
#[must_use]
pub fn report_json(report: &Report) -> Value {
    serde_json::to_value(document(report)).expect("the report serialises")
}

/// Writes the JSON document of [`report_json`] to `out` as it is made, pretty-printed, without
/// building it first: the per-photo lists stream from their spools.
pub fn write_report_json(report: &Report, out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(out, &document(report)).map_err(io::Error::other)
}

fn document(report: &Report) -> ReportJson<'_> {
    ReportJson {
        wall_s: report.wall.as_secs_f64(),
        cores: report.cores,
        images: Images {
            total: report.total,
            ok: report.ok,
            failed: report.failed,
            skipped: report.skipped.len(),
            cancelled: report.cancelled,
            warnings: report.warnings.len(),
            outputs: report.outputs.len(),
        },
        megapixels_in: report.megapixels_in,
        megapixels_out: report.megapixels_out,
        bytes_out: report.bytes_out,
        images_per_s: report.images_per_sec(),
        megapixels_per_s: report.megapixels_per_sec(),
        stages: report
            .stages
            .iter()
            .map(|s| StageJson {
                name: s.name.as_str(),
                workers: s.workers,
                auto: s.auto,
                peak_active: s.peak_active,
                items: s.items,
                busy_s: s.busy.as_secs_f64(),
                cpu_s: s.cpu.as_secs_f64(),
                starved_s: s.starved.as_secs_f64(),
                blocked_s: s.blocked.as_secs_f64(),
                p50_ms: s.p50.as_secs_f64() * 1e3,
                p95_ms: s.p95.as_secs_f64() * 1e3,
            })
            .collect(),
        queues: report
            .queues
            .iter()
            .map(|q| QueueJson {
                from: q.from.as_str(),
                to: q.to_name(),
                capacity: q.capacity,
                mean_depth: q.mean_depth(),
                max_depth: q.max_depth(),
                samples: thinned(&q.samples, MAX_QUEUE_POINTS),
            })
            .collect(),
        efficiency: report.efficiency(),
        speedup: report.speedup(),
        bottleneck: report.bottleneck().map(|(s, _)| s.name.as_str()),
        bottleneck_hint: super::table::bottleneck_hint(report),
        cancelled_by: report.cancel_reason.map(|r| match r {
            crate::cancel::CancelReason::Interrupted => "interrupt",
            crate::cancel::CancelReason::FailFast => "fail-fast",
        }),
        failures: report
            .failures
            .iter()
            .map(|f| FailureJson {
                path: f.job.src.display().to_string(),
                path_bytes: raw_bytes(&f.job.src),
                outputs: f
                    .outputs
                    .iter()
                    .map(|&o| f.job.outputs[o].dst.display().to_string())
                    .collect(),
                stage: f.stage.as_str(),
                error: f.error.to_string(),
                cancelled: matches!(f.error, ItemError::Cancelled),
            })
            .collect(),
        warnings: report
            .warnings
            .iter()
            .map(|w| WarningJson {
                path: w.job.src.display().to_string(),
                path_bytes: raw_bytes(&w.job.src),
                stage: w.stage.as_str(),
                warning: w.message.clone(),
            })
            .collect(),
        workers: report
            .clocks
            .iter()
            .map(|c| WorkerJson {
                stage: c.stage.as_str(),
                worker: c.worker,
                items: c.spans.len(),
                busy_s: c.busy.as_secs_f64(),
                cpu_s: c.cpu.as_secs_f64(),
                starved_s: c.starved.as_secs_f64(),
                blocked_s: c.blocked.as_secs_f64(),
                spans: Spans(&c.spans),
            })
            .collect(),
        inputs: Inputs(&report.inputs),
        inputs_bytes: report
            .inputs
            .iter()
            .any(|p| raw_bytes(&p).is_some())
            .then_some(InputsBytes(&report.inputs)),
        outputs: Outputs(&report.outputs),
    }
}

/// The run as a Chrome trace-event document: one complete event per item per stage on its
/// worker's track (`filter-3`), and a counter track per queue. Opens in Perfetto and
/// chrome://tracing. See [`write_trace_json`] for a large run.
#[must_use]
pub fn trace_json(report: &Report) -> Value {
    serde_json::to_value(Trace(report)).expect("the trace serialises")
}

/// Writes the document of [`trace_json`] to `out` event by event, never holding it.
pub fn write_trace_json(report: &Report, out: impl Write) -> io::Result<()> {
    serde_json::to_writer(out, &Trace(report)).map_err(io::Error::other)
}

struct Trace<'a>(&'a Report);

impl Serialize for Trace<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("traceEvents", &TraceEvents(self.0))?;
        map.serialize_entry("displayTimeUnit", "ms")?;
        map.end()
    }
}

struct TraceEvents<'a>(&'a Report);

impl Serialize for TraceEvents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let micros = |d: std::time::Duration| d.as_secs_f64() * 1e6;
        // Each span names its photo, and a span of one variant its output file when it was
        // written: looked up by position (16 bytes a photo while the trace is written).
        let inputs = &report.inputs.offsets();
        let mut first_output = vec![u64::MAX; inputs.len()];
        for (offset, file) in report.outputs.with_offsets() {
            if let Some(first) = first_output.get_mut(file.input) {
                *first = (*first).min(offset);
            }
        }
        let output_of = &|item: usize, index: usize| {
            let mut offset = *first_output.get(item)?;
            loop {
                let (file, next) = report.outputs.get_at(offset)?;
                if file.input != item {
                    return None;
                }
                if file.index == index {
                    return Some(file.path);
                }
                offset = next;
            }
        };
        let process = json!({
            "name": "process_name", "ph": "M", "pid": 1, "tid": 0,
            "args": { "name": "fanlight" }
        });
        let workers = report.clocks.iter().enumerate().flat_map(|(tid, clock)| {
            let tid = tid + 1;
            let track = format!("{}-{}", clock.stage, clock.worker);
            let meta = [
                json!({
                    "name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": { "name": track }
                }),
                json!({
                    "name": "thread_sort_index", "ph": "M", "pid": 1, "tid": tid,
                    "args": { "sort_index": tid }
                }),
            ];
            let spans = clock.spans.iter().map(move |span| {
                let path = inputs
                    .get(span.item)
                    .and_then(|&o| report.inputs.get_at(o))
                    .map(|(path, _)| path);
                let output = span.output.and_then(|o| output_of(span.item, o as usize));
                let name = output
                    .as_ref()
                    .or(path.as_ref())
                    .and_then(|p| p.file_name())
                    .map_or_else(
                        || format!("item {}", span.item),
                        |n| n.to_string_lossy().into_owned(),
                    );
                json!({
                    "name": name,
                    "cat": clock.stage.as_str(),
                    "ph": "X",
                    "pid": 1,
                    "tid": tid,
                    "ts": micros(span.start),
                    "dur": micros(span.busy),
                    "args": {
                        "item": span.item,
                        "path": path.map(|p| p.display().to_string()),
                        "output": output.map(|p| p.display().to_string()),
                    }
                })
            });
            meta.into_iter().chain(spans)
        });
        let queues = report.queues.iter().flat_map(|q| {
            let name = format!("queue {}→{}", q.from, q.to_name());
            q.samples.iter().map(move |s| {
                json!({
                    "name": name, "ph": "C", "pid": 1, "ts": micros(s.at),
                    "args": { "depth": s.depth }
                })
            })
        });
        s.collect_seq(std::iter::once(process).chain(workers).chain(queues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::live::DepthSample;
    use std::time::Duration;

    #[test]
    fn thinned_samples_keep_the_deepest_of_each_interval() {
        let samples: Vec<DepthSample> = (0..10)
            .map(|i| DepthSample {
                at: Duration::from_millis(100 * i),
                depth: if i == 7 { 9 } else { 1 },
            })
            .collect();
        assert_eq!(
            thinned(&samples, 20).len(),
            10,
            "few samples are kept as they are"
        );
        // Chunks of four: 0-3, 4-7 (with the 9) and 8-9.
        assert_eq!(thinned(&samples, 3), vec![(0.0, 1), (0.4, 9), (0.8, 1)]);
    }
}
