//! `collect`, the end of the pipeline: it receives every finished item, samples the queues and
//! ticks the observer and the auto-pool controller every [`SAMPLE_INTERVAL`], and builds the
//! [`Report`] once the last worker has gone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, tick, Receiver};

use super::graph::{Probe, Watched};
use super::observer::{Observer, Progress, SAMPLE_INTERVAL};
use crate::cancel::CancelReason;
use crate::error::ItemError;
use crate::metrics::clock::WorkerClock;
use crate::metrics::live::{DepthSample, LiveStage, QueueStats, Snapshot};
use crate::pipeline::{plan_targets, Failure, Item, Warning};
use crate::report::{OutputFile, Report, StageReport};
use crate::spool::{Spool, SpoolWriter};

/// Outputs left alone because they exist: `(input, output)`.
type Skipped = Spool<(PathBuf, PathBuf)>;

/// How often auto pools are resized.
const CONTROL_INTERVAL: Duration = Duration::from_millis(300);

/// The queues' receiving ends, for sampling their depth.
struct Probes {
    queues: Vec<(QueueStats, Receiver<Item>)>,
    depths: Vec<(usize, usize)>,
}

impl Probes {
    /// Queue `i` runs from stage `i` to stage `i + 1`; the last one to `collect`.
    fn new(probes: Vec<Probe>) -> Self {
        let receivers: Vec<_> = probes.iter().skip(1).map(|p| Some(p.from)).collect();
        let queues: Vec<_> = probes
            .into_iter()
            .zip(receivers.into_iter().chain([None]))
            .map(|(probe, to)| {
                let stats = QueueStats {
                    from: probe.from,
                    to,
                    capacity: probe.rx.capacity().unwrap_or(0),
                    samples: Vec::new(),
                };
                (stats, probe.rx)
            })
            .collect();
        let depths = vec![(0, 0); queues.len()];
        Probes { queues, depths }
    }

    fn sample(&mut self, at: Duration) {
        for ((stats, rx), depth) in self.queues.iter_mut().zip(&mut self.depths) {
            let d = rx.len();
            stats.samples.push(DepthSample { at, depth: d });
            *depth = (d, stats.capacity);
        }
    }

    fn finish(self) -> Vec<QueueStats> {
        self.queues.into_iter().map(|(stats, _)| stats).collect()
    }
}

/// Sizes the auto pools from the stages' measured cost per item (see [`plan_targets`]).
struct Controller<'a> {
    cores: usize,
    stages: &'a [Watched],
    next_adjust: Duration,
}

impl Controller<'_> {
    fn adjust(&mut self, elapsed: Duration, live: &[std::sync::Arc<LiveStage>]) {
        if elapsed < self.next_adjust || self.stages.iter().all(|s| s.gate.is_none()) {
            return;
        }
        self.next_adjust = elapsed + CONTROL_INTERVAL;
        if live.iter().any(|s| s.items() == 0) {
            return; // not every stage has been measured yet
        }
        let costs: Vec<f64> = live
            .iter()
            .map(|s| s.busy().as_secs_f64() / s.items() as f64)
            .collect();
        for (stage, target) in self.stages.iter().zip(plan_targets(self.cores, &costs)) {
            if let Some(gate) = &stage.gate {
                gate.set_target(target);
            }
        }
    }
}

/// Where one photo stands: how many of its outputs are still to come, and how those that came
/// ended.
#[derive(Clone, Copy, Default)]
struct Tally {
    /// Outputs not yet collected; `None` before the first item of the photo.
    remaining: Option<usize>,
    /// Whether its input megapixels are counted (once, from whichever of its frames comes
    /// first: a variant that failed may arrive before its siblings).
    counted: bool,
    failed: bool,
    cancelled: bool,
}

/// The files written, put in input order as photos finish: a photo's outputs wait here until
/// every photo before it is done, so the list goes straight to its spool however the photos
/// overtake each other, and only the photos in flight are held.
#[derive(Default)]
struct InOrder {
    /// The first photo not yet done.
    next: usize,
    /// Photos after `next` that are done.
    done: BTreeSet<usize>,
    /// Outputs of photos from `next` on, by `(input, index)`.
    waiting: BTreeMap<(usize, usize), OutputFile>,
    spool: SpoolWriter<OutputFile>,
}

impl InOrder {
    fn written(&mut self, file: OutputFile) {
        self.waiting.insert((file.input, file.index), file);
    }

    fn photo_done(&mut self, id: usize) {
        self.done.insert(id);
        while self.done.remove(&self.next) {
            let later = self.waiting.split_off(&(self.next + 1, 0));
            for file in std::mem::replace(&mut self.waiting, later).into_values() {
                self.spool.push(&file);
            }
            self.next += 1;
        }
    }

    /// The list; photos never done (none, once the pipeline has drained) come last.
    fn finish(mut self) -> Spool<OutputFile> {
        for file in std::mem::take(&mut self.waiting).into_values() {
            self.spool.push(&file);
        }
        self.spool.finish()
    }
}

/// What `collect` gathered.
pub(super) struct Collected {
    /// Photos all of whose outputs were written.
    ok: usize,
    /// Photos with an output that failed (not counting cancelled ones).
    failed: usize,
    /// Photos with an output cancelled and none failed.
    cancelled: usize,
    /// Photos with every output accounted for.
    done: usize,
    outputs: Spool<OutputFile>,
    megapixels_in: f64,
    megapixels_out: f64,
    bytes_out: u64,
    failures: Vec<Failure>,
    warnings: Vec<Warning>,
    queues: Vec<QueueStats>,
}

/// Receives every finished item until the last `write` worker has gone, sampling queue depths
/// and ticking the observer every [`SAMPLE_INTERVAL`] meanwhile.
pub(super) fn collect(
    done_rx: &Receiver<Item>,
    (total, epoch, cores): (usize, Instant, usize),
    (stages, probes): (&[Watched], Vec<Probe>),
    observer: &mut dyn Observer,
) -> Collected {
    // Only photos in flight have a tally.
    let mut tallies: HashMap<usize, Tally> = HashMap::new();
    let mut in_order = InOrder::default();
    let mut files = 0;
    let mut c = Collected {
        ok: 0,
        failed: 0,
        cancelled: 0,
        done: 0,
        outputs: Spool::default(),
        megapixels_in: 0.0,
        megapixels_out: 0.0,
        bytes_out: 0,
        failures: Vec::new(),
        warnings: Vec::new(),
        queues: Vec::new(),
    };
    let live: Vec<_> = stages.iter().map(|s| s.live.clone()).collect();
    let mut probes = Probes::new(probes);
    let mut controller = Controller {
        cores,
        stages,
        next_adjust: CONTROL_INTERVAL,
    };
    let ticker = tick(SAMPLE_INTERVAL);
    probes.sample(Duration::ZERO);
    loop {
        let item = select! {
            recv(done_rx) -> item => match item {
                Ok(item) => item,
                Err(_) => break,
            },
            recv(ticker) -> _ => {
                let elapsed = epoch.elapsed();
                probes.sample(elapsed);
                controller.adjust(elapsed, &live);
                observer.tick(&Snapshot {
                    elapsed,
                    total,
                    done: c.done,
                    failed: c.failed,
                    files,
                    megapixels: c.megapixels_in,
                    stages: &live,
                    queues: &probes.depths,
                });
                continue;
            }
        };
        let (job, covered) = match &item {
            Item::Frame(frame) => (frame.job.clone(), frame.outputs.len()),
            Item::Failed(failure) => (failure.job.clone(), failure.outputs.len()),
        };
        let tally = tallies.entry(job.id).or_default();
        let remaining = tally.remaining.get_or_insert(job.outputs.len());
        *remaining = remaining.saturating_sub(covered);
        let failure = match item {
            Item::Frame(frame) => {
                if !std::mem::replace(&mut tally.counted, true) {
                    let (w, h) = frame.input_size;
                    c.megapixels_in += f64::from(w) * f64::from(h) / 1e6;
                }
                if let Some(written) = &frame.written {
                    c.megapixels_out += f64::from(written.width) * f64::from(written.height) / 1e6;
                    c.bytes_out += written.bytes;
                    let index = frame.outputs[0];
                    files += 1;
                    in_order.written(OutputFile {
                        input: job.id,
                        index,
                        variant: job.outputs[index].variant,
                        path: job.outputs[index].dst.clone(),
                        written: written.clone(),
                        input_size: (
                            frame.input_upright.0,
                            frame.input_upright.1,
                            frame.input_bytes,
                        ),
                    });
                }
                if let Some((stage, message)) = frame.warning {
                    let warning = Warning {
                        job: frame.job,
                        stage,
                        message,
                    };
                    observer.warning(&warning);
                    c.warnings.push(warning);
                }
                None
            }
            Item::Failed(failure) => {
                if matches!(failure.error, ItemError::Cancelled) {
                    tally.cancelled = true;
                } else {
                    tally.failed = true;
                }
                c.failures.push(failure);
                c.failures.last()
            }
        };
        if tally.remaining == Some(0) {
            c.done += 1;
            if tally.failed {
                c.failed += 1;
            } else if tally.cancelled {
                c.cancelled += 1;
            } else {
                c.ok += 1;
            }
            tallies.remove(&job.id);
            in_order.photo_done(job.id);
        }
        let progress = Progress {
            total,
            done: c.done,
            ok: c.ok,
            failed: c.failed,
            megapixels: c.megapixels_in,
            elapsed: epoch.elapsed(),
        };
        observer.item_done(&progress, failure);
    }
    probes.sample(epoch.elapsed());
    c.queues = probes.finish();
    c.outputs = in_order.finish();
    c
}

/// The report of a finished run: per stage in pipeline order, failures and warnings in input
/// order.
pub(super) fn build_report(
    (inputs, (skipped, skipped_photos)): (Spool<PathBuf>, (Skipped, usize)),
    (wall, cores, cancel_reason): (Duration, usize, Option<CancelReason>),
    (stages, clocks): (&[Watched], Vec<WorkerClock>),
    mut collected: Collected,
) -> Report {
    collected
        .failures
        .sort_by_key(|f| (f.job.id, f.outputs.first().copied()));
    collected.warnings.sort_by_key(|w| w.job.id);
    let stages = stages
        .iter()
        .map(|watched| {
            let name = watched.live.name;
            let mine: Vec<&WorkerClock> = clocks.iter().filter(|c| c.stage == name).collect();
            let mut stage = StageReport::from_clocks(name, &mine);
            stage.auto = watched.gate.is_some();
            stage.peak_active = watched.gate.as_ref().map_or(stage.workers, |g| g.peak());
            stage
        })
        .collect();
    Report {
        wall,
        cores,
        total: inputs.len() + skipped_photos,
        ok: collected.ok,
        failed: collected.failed,
        cancelled: collected.cancelled,
        outputs: collected.outputs,
        megapixels_in: collected.megapixels_in,
        megapixels_out: collected.megapixels_out,
        bytes_out: collected.bytes_out,
        stages,
        failures: collected.failures,
        warnings: collected.warnings,
        cancel_reason,
        clocks,
        queues: collected.queues,
        inputs,
        skipped,
    }
}
