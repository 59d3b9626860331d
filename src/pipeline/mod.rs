//! The wiring: the only place that creates channels and threads, so the whole graph is on one
//! screen.
//!
//! ```text
//! discover ─► load ×L ─► resize ×1 ─► filter ×N ─► watermark ×1 ─► write ×W ─► collect
//! ```
//!
//! Every arrow is a bounded channel. Shutdown is by disconnection: `discover` drops its sender
//! after the last job, each worker ends when its input is empty and disconnected and then drops
//! its own sender, so channels close in pipeline order and every item in flight is delivered.

mod cancel;
mod frame;
mod gate;
mod worker;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select, tick, Receiver, Sender};

pub use cancel::{CancelReason, CancelToken};
pub use frame::{Failure, Frame, Item, Job, StageName, Warning, Written};
use gate::{plan_targets, Gate};
pub use worker::Stage;
use worker::{serve, Context};

use crate::config::{Config, PoolSize};
use crate::error::{Error, ItemError};
use crate::metrics::clock::WorkerClock;
use crate::metrics::live::{DepthSample, LiveStage, QueueStats, Snapshot};
use crate::metrics::{Report, StageReport};
use crate::ops::filters::FilterScratch;
use crate::ops::resize::Resizer;
use crate::stages::{discover, filter, load, resize, watermark, write};

/// Progress as `collect` sees it, after each finished photo.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Photos found.
    pub total: usize,
    /// Photos finished (written, failed or cancelled).
    pub done: usize,
    /// Photos written.
    pub ok: usize,
    /// Photos failed or cancelled.
    pub failed: usize,
    /// Megapixels decoded so far.
    pub megapixels: f64,
    /// Time since the workers started.
    pub elapsed: Duration,
}

/// How often `collect` samples queue depths and ticks the observer.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(100);

/// Receives progress while a run goes on (the command line's live view, for instance).
pub trait Observer {
    /// After each finished photo; `failure` is set when it failed.
    fn item_done(&mut self, progress: &Progress, failure: Option<&Failure>);

    /// When a photo was written with a warning (just before its `item_done`).
    fn warning(&mut self, _warning: &Warning) {}

    /// Every [`SAMPLE_INTERVAL`], with the stages' running totals and the queue depths.
    fn tick(&mut self, _snapshot: &Snapshot<'_>) {}
}

impl Observer for () {
    fn item_done(&mut self, _: &Progress, _: Option<&Failure>) {}
}

/// Runs the pipeline over `config`, calling `observer` as photos finish.
///
/// Setup problems (no inputs, output collisions, a bad font) are returned as errors before any
/// photo is touched; problems with single photos are reported in the [`Report`].
pub fn run_with(config: &Config, observer: &mut dyn Observer) -> Result<Report, Error> {
    crate::config::check_fit(config.resize.as_ref(), config.fit)
        .map_err(|e| Error::Invalid(e.0))?;
    let discover::Plan { jobs, skipped } = discover::plan(config)?;
    if !config.in_place {
        std::fs::create_dir_all(&config.output_dir).map_err(|source| Error::OutputDir {
            path: config.output_dir.clone(),
            source,
        })?;
    }
    write::remove_stale_temps(jobs.iter().map(|(job, _)| job.dst.as_path()));
    let prepared = config
        .watermark
        .as_ref()
        .map(watermark::prepare)
        .transpose()?;
    let filters: Arc<[_]> = config.filters.clone().into();

    let cores = crate::config::cores();
    let threads = |size: PoolSize| match size {
        PoolSize::Fixed(n) => n.max(1),
        PoolSize::Auto => cores,
    };
    let workers = config.workers;
    let n_load = threads(workers.load);
    let n_filter = threads(workers.filter);
    let n_write = threads(workers.write);
    // Auto pools start with every thread active and are narrowed to their measured share.
    let gate = |size: PoolSize, n: usize| (size == PoolSize::Auto).then(|| Gate::new(n, n));
    let gates = [
        gate(workers.load, n_load),
        None,
        gate(workers.filter, n_filter),
        None,
        gate(workers.write, n_write),
    ];
    let capacity = |consumers: usize| config.queue_capacity.unwrap_or(2 * consumers).max(1);
    let total = jobs.len();
    let ctx = Context {
        cancel: config.cancel.clone(),
        timeout: config.timeout,
        fail_fast: config.fail_fast,
        inject: config.inject.clone(),
        epoch: Instant::now(),
    };

    let inputs = jobs.iter().map(|(j, _)| j.src.clone()).collect();
    let live: Vec<LiveStage> = [(StageName::Load, n_load), (StageName::Resize, 1)]
        .into_iter()
        .chain([(StageName::Filter, n_filter), (StageName::Watermark, 1)])
        .chain([(StageName::Write, n_write)])
        .map(|(name, workers)| LiveStage::new(name, workers))
        .collect();
    let [live_load, live_resize, live_filter, live_watermark, live_write] = &live[..] else {
        unreachable!("five working stages")
    };

    let (jobs_tx, jobs_rx) = bounded::<Item>(capacity(n_load));
    let (loaded_tx, loaded_rx) = bounded::<Item>(capacity(1));
    let (resized_tx, resized_rx) = bounded::<Item>(capacity(n_filter));
    let (filtered_tx, filtered_rx) = bounded::<Item>(capacity(1));
    let (marked_tx, marked_rx) = bounded::<Item>(capacity(n_write));
    let (done_tx, done_rx) = bounded::<Item>(capacity(1));
    // Receiver clones used only to read queue lengths. Receivers never delay the drain, which is
    // driven by senders disconnecting; they are dropped when collect returns.
    let probes = Probes::new(vec![
        (StageName::Discover, Some(StageName::Load), jobs_rx.clone()),
        (StageName::Load, Some(StageName::Resize), loaded_rx.clone()),
        (
            StageName::Resize,
            Some(StageName::Filter),
            resized_rx.clone(),
        ),
        (
            StageName::Filter,
            Some(StageName::Watermark),
            filtered_rx.clone(),
        ),
        (
            StageName::Watermark,
            Some(StageName::Write),
            marked_rx.clone(),
        ),
        (StageName::Write, None, done_rx.clone()),
    ]);

    let (clocks, collected) = thread::scope(|s| {
        let ctx = &ctx;
        let mut handles = Vec::new();

        let cancel = config.cancel.clone();
        spawn(s, "discover".to_string(), move || {
            for (job, refusal) in jobs {
                let job = Arc::new(job);
                // After cancellation the remaining jobs go straight to collect as cancelled.
                let refusal =
                    refusal.or_else(|| cancel.is_cancelled().then_some(ItemError::Cancelled));
                let item = match refusal {
                    Some(error) => Item::Failed(Failure {
                        job,
                        stage: StageName::Discover,
                        error,
                    }),
                    None => Item::Frame(Frame::new(job)),
                };
                if jobs_tx.send(item).is_err() {
                    break;
                }
            }
            // jobs_tx drops here: the load pool drains and ends.
        });

        for i in 0..n_load {
            let stage = load::Load {
                max_pixels: config.max_pixels,
                lenient: config.lenient,
                output: config.output,
                mark_text: prepared
                    .as_ref()
                    .and_then(watermark::Prepared::per_photo_text),
            };
            handles.push(pool_worker(
                s,
                stage,
                i,
                (jobs_rx.clone(), loaded_tx.clone()),
                ctx,
                (live_load, gates[0].as_ref()),
            ));
        }
        let stage = resize::Resize {
            spec: config.resize,
            fit: config.fit,
            gravity: config.gravity,
            background: config.background,
            enlarge: config.enlarge,
            resizer: Resizer::default(),
        };
        handles.push(pool_worker(
            s,
            stage,
            0,
            (loaded_rx, resized_tx),
            ctx,
            (live_resize, gates[1].as_ref()),
        ));
        for i in 0..n_filter {
            let stage = filter::Filter {
                filters: filters.clone(),
                scratch: FilterScratch::default(),
            };
            handles.push(pool_worker(
                s,
                stage,
                i,
                (resized_rx.clone(), filtered_tx.clone()),
                ctx,
                (live_filter, gates[2].as_ref()),
            ));
        }
        let stage = watermark::Watermark::new(prepared.clone());
        handles.push(pool_worker(
            s,
            stage,
            0,
            (filtered_rx, marked_tx),
            ctx,
            (live_watermark, gates[3].as_ref()),
        ));
        for i in 0..n_write {
            let stage = write::Write {
                output: config.output,
                fault: config.write_fault.clone(),
            };
            handles.push(pool_worker(
                s,
                stage,
                i,
                (marked_rx.clone(), done_tx.clone()),
                ctx,
                (live_write, gates[4].as_ref()),
            ));
        }
        // The coordinator keeps no channel ends of its own except the final receiver: otherwise
        // the pools would never see their input disconnect and the run would hang.
        drop((
            jobs_rx,
            loaded_tx,
            resized_rx,
            filtered_tx,
            marked_rx,
            done_tx,
        ));

        let controller = Controller {
            cores,
            gates: &gates,
            next_adjust: CONTROL_INTERVAL,
        };
        let collected = collect(
            &done_rx,
            total,
            ctx.epoch,
            probes,
            (&live, controller),
            observer,
        );
        let clocks: Vec<WorkerClock> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .expect("worker loop never panics outside its guard")
            })
            .collect();
        (clocks, collected)
    });

    let peaks = gates.map(|g| g.map(|g| g.peak()));
    let mut report = build_report(
        config,
        (inputs, skipped),
        ctx.epoch.elapsed(),
        clocks,
        collected,
    );
    for (stage, peak) in report.stages.iter_mut().zip(peaks) {
        stage.auto = peak.is_some();
        stage.peak_active = peak.unwrap_or(stage.workers);
    }
    Ok(report)
}

/// Spawns a named scoped thread.
fn spawn<'scope, T: Send + 'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    name: String,
    f: impl FnOnce() -> T + Send + 'scope,
) -> thread::ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .name(name)
        .spawn_scoped(s, f)
        .expect("the OS can start a pipeline thread")
}

/// Spawns one worker of `stage` named like `filter-3`.
fn pool_worker<'scope, S: Stage + Send + 'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    stage: S,
    index: usize,
    (rx, tx): (Receiver<Item>, Sender<Item>),
    ctx: &'scope Context,
    (live, gate): (&'scope LiveStage, Option<&'scope Gate>),
) -> thread::ScopedJoinHandle<'scope, WorkerClock> {
    spawn(s, format!("{}-{index}", S::NAME), move || {
        serve(stage, index, &rx, &tx, ctx, live, gate)
    })
}

/// The queues' receiving ends, for sampling their depth.
struct Probes {
    queues: Vec<(QueueStats, Receiver<Item>)>,
    depths: Vec<(usize, usize)>,
}

impl Probes {
    fn new(list: Vec<(StageName, Option<StageName>, Receiver<Item>)>) -> Self {
        let queues: Vec<_> = list
            .into_iter()
            .map(|(from, to, rx)| {
                let stats = QueueStats {
                    from,
                    to,
                    capacity: rx.capacity().unwrap_or(0),
                    samples: Vec::new(),
                };
                (stats, rx)
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

/// How often auto pools are resized.
const CONTROL_INTERVAL: Duration = Duration::from_millis(300);

/// Sizes the auto pools from the stages' measured cost per item (see [`plan_targets`]).
struct Controller<'a> {
    cores: usize,
    gates: &'a [Option<Gate>; 5],
    next_adjust: Duration,
}

impl Controller<'_> {
    fn adjust(&mut self, elapsed: Duration, live: &[LiveStage]) {
        if elapsed < self.next_adjust || self.gates.iter().all(Option::is_none) {
            return;
        }
        self.next_adjust = elapsed + CONTROL_INTERVAL;
        let costs: Vec<f64> = live
            .iter()
            .map(|s| match s.items() {
                0 => 0.0,
                n => s.busy().as_secs_f64() / n as f64,
            })
            .collect();
        if live.iter().any(|s| s.items() == 0) {
            return; // not every stage has been measured yet
        }
        for (gate, target) in self.gates.iter().zip(plan_targets(self.cores, &costs)) {
            if let Some(gate) = gate {
                gate.set_target(target);
            }
        }
    }
}

/// What `collect` gathered.
struct Collected {
    ok: usize,
    megapixels_in: f64,
    megapixels_out: f64,
    bytes_out: u64,
    failures: Vec<Failure>,
    warnings: Vec<Warning>,
    queues: Vec<QueueStats>,
}

/// Receives every finished item until the last `write` worker has gone, sampling queue depths
/// and ticking the observer every [`SAMPLE_INTERVAL`] meanwhile.
fn collect(
    done_rx: &Receiver<Item>,
    total: usize,
    epoch: Instant,
    mut probes: Probes,
    (live, mut controller): (&[LiveStage], Controller<'_>),
    observer: &mut dyn Observer,
) -> Collected {
    let mut c = Collected {
        ok: 0,
        megapixels_in: 0.0,
        megapixels_out: 0.0,
        bytes_out: 0,
        failures: Vec::new(),
        warnings: Vec::new(),
        queues: Vec::new(),
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
                controller.adjust(elapsed, live);
                observer.tick(&Snapshot {
                    elapsed,
                    total,
                    done: c.ok + c.failures.len(),
                    failed: c.failures.len(),
                    megapixels: c.megapixels_in,
                    stages: live,
                    queues: &probes.depths,
                });
                continue;
            }
        };
        let failure = match item {
            Item::Frame(frame) => {
                c.ok += 1;
                let (w, h) = frame.input_size;
                c.megapixels_in += f64::from(w) * f64::from(h) / 1e6;
                if let Some(written) = &frame.written {
                    c.megapixels_out += f64::from(written.width) * f64::from(written.height) / 1e6;
                    c.bytes_out += written.bytes;
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
                c.failures.push(failure);
                c.failures.last()
            }
        };
        let progress = Progress {
            total,
            done: c.ok + c.failures.len(),
            ok: c.ok,
            failed: c.failures.len(),
            megapixels: c.megapixels_in,
            elapsed: epoch.elapsed(),
        };
        observer.item_done(&progress, failure);
    }
    probes.sample(epoch.elapsed());
    c.queues = probes.finish();
    c
}

fn build_report(
    config: &Config,
    (inputs, skipped): (
        Vec<std::path::PathBuf>,
        Vec<(std::path::PathBuf, std::path::PathBuf)>,
    ),
    wall: Duration,
    clocks: Vec<WorkerClock>,
    mut collected: Collected,
) -> Report {
    collected.failures.sort_by_key(|f| f.job.id);
    collected.warnings.sort_by_key(|w| w.job.id);
    let stages = StageName::WORKING
        .iter()
        .map(|&name| {
            let mine: Vec<&WorkerClock> = clocks.iter().filter(|c| c.stage == name).collect();
            StageReport::from_clocks(name, &mine)
        })
        .collect();
    let cancelled = collected
        .failures
        .iter()
        .filter(|f| matches!(f.error, ItemError::Cancelled))
        .count();
    Report {
        wall,
        cores: crate::config::cores(),
        total: inputs.len() + skipped.len(),
        ok: collected.ok,
        failed: collected.failures.len() - cancelled,
        cancelled,
        megapixels_in: collected.megapixels_in,
        megapixels_out: collected.megapixels_out,
        bytes_out: collected.bytes_out,
        stages,
        failures: collected.failures,
        warnings: collected.warnings,
        cancel_reason: config.cancel.reason(),
        clocks,
        queues: collected.queues,
        inputs,
        skipped,
    }
}
