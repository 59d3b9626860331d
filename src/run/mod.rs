//! The wiring: the only place that creates channels and threads, so the whole graph is on one
//! screen ([`wire`]).
//!
//! ```text
//! discover ─► load ×L ─► resize ×1 ─► filter ×N ─► watermark ×1 ─► write ×W ─► collect
//! ```
//!
//! Every arrow is a bounded channel. Shutdown is by disconnection: `discover` drops its sender
//! after the last job, each worker ends when its input is empty and disconnected and then drops
//! its own sender, so channels close in pipeline order and every item in flight is delivered.

mod collect;
mod graph;
mod observer;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_channel::Receiver;

use crate::cancel::CancelToken;
use crate::config::{cores, Config};
use crate::error::{Error, ItemError};
use crate::ops::filters::FilterScratch;
use crate::ops::resize::Resizer;
use crate::pipeline::{Injector, Item, Job, Shared};
use crate::report::Report;
use crate::spool::Spool;
use crate::stage_name::StageName;
use crate::stages::write::WriteFault;
use crate::stages::{discover, filter, load, resize, watermark, write};
use collect::{build_report, collect};
use graph::{Graph, Pool};
pub use observer::{Observer, Progress, SAMPLE_INTERVAL};

/// What travels beside the [`Config`] into a run: the handle that stops it, and test seams. The
/// configuration stays plain data; these are the run's live parts.
#[derive(Clone, Default)]
pub struct RunContext {
    /// Stops the run early when tripped (Ctrl-C in the command-line tool): photos not yet
    /// started are reported as cancelled, writes under way complete or leave nothing.
    pub cancel: CancelToken,
    /// Test seam called before each item's work in every stage, inside the panic guard; it can
    /// sleep, panic or cancel to exercise the pipeline's promises. Default: none.
    pub inject: Option<Injector>,
    /// Test seam for write failures: called in `write` with the temporary file's path once it
    /// holds the encoded bytes; an error it returns (say `ENOSPC`) is handled like a real one.
    /// Default: none.
    pub write_fault: Option<WriteFault>,
}

impl fmt::Debug for RunContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunContext")
            .field("cancel", &self.cancel)
            .field("inject", &self.inject.as_ref().map(|_| "set"))
            .field("write_fault", &self.write_fault.as_ref().map(|_| "set"))
            .finish()
    }
}

/// Runs the whole pipeline over `config` and reports what happened.
pub fn run(config: &Config) -> Result<Report, Error> {
    run_with(config, &RunContext::default(), &mut ())
}

/// Runs the pipeline over `config` with the handles of `ctx`, calling `observer` as photos finish.
///
/// Setup problems (no inputs, output collisions, a bad font) are returned as errors before any
/// photo is touched; problems with single photos are reported in the [`Report`].
pub fn run_with(
    config: &Config,
    ctx: &RunContext,
    observer: &mut dyn Observer,
) -> Result<Report, Error> {
    let setup = prepare(config)?;
    let inputs = Spool::from_items(setup.jobs.iter().map(|job| job.src));
    let total = inputs.len();
    let cores = cores();
    let shared = Shared {
        cancel: ctx.cancel.clone(),
        timeout: config.timeout,
        fail_fast: config.fail_fast,
        inject: ctx.inject.clone(),
        epoch: Instant::now(),
    };
    let skipped = (setup.skipped.clone(), setup.skipped_photos);
    let (stages, clocks, collected) = thread::scope(|s| {
        let mut graph = Graph::new(s, &shared, config.queue_capacity);
        let done = wire(&mut graph, config, ctx, setup, cores);
        let spawned = graph.finish();
        let collected = collect(
            &done,
            (total, shared.epoch, cores),
            (&spawned.stages, spawned.probes),
            observer,
        );
        let clocks = spawned
            .workers
            .into_iter()
            .map(|h| {
                h.join()
                    .expect("worker loop never panics outside its guard")
            })
            .collect();
        (spawned.stages, clocks, collected)
    });
    Ok(build_report(
        (inputs, skipped),
        (shared.epoch.elapsed(), cores, ctx.cancel.reason()),
        (&stages, clocks),
        collected,
    ))
}

/// The stage graph: every stage once, in pipeline order, with its workers and the queue it feeds
/// (sized for the stage after it). Returns the last queue, which `collect` drains.
fn wire<'s>(
    g: &mut Graph<'s, '_>,
    config: &Config,
    ctx: &RunContext,
    setup: Setup,
    cores: usize,
) -> Receiver<Item> {
    let load = Pool::of(config.workers.load, cores);
    let filter = Pool::of(config.workers.filter, cores);
    let write = Pool::of(config.workers.write, cores);
    let single = Pool::ONE;
    let mark = setup.watermark;
    let mark_text = mark.as_ref().and_then(watermark::Prepared::per_photo_text);
    let filters: Arc<[_]> = config.filters.clone().into();
    let (jobs, refusals, cancel) = (setup.jobs, setup.refusals, ctx.cancel.clone());

    let found = g.source(StageName::Discover, load, move |tx| {
        discover::feed(&jobs, refusals, &cancel, tx);
    });
    let variants: Arc<[_]> = config.outputs().into();
    let budget = config
        .decode_memory
        .map(|bytes| std::sync::Arc::new(crate::ops::budget::Budget::new(bytes)));
    let loaded = g.stage(found, load, single, || load::Load {
        max_pixels: config.pixel_limit(),
        max_file_size: config.max_file_size,
        lenient: config.lenient,
        output: config.output,
        mark_text: mark_text.clone(),
        shrink_for: config.shrink_on_load.then(|| variants.clone()),
        budget: budget.clone(),
    });
    let resized = g.stage(loaded, single, filter, || resize::Resize {
        variants: variants.clone(),
        background: config.background,
        resizer: Resizer::default(),
    });
    let filtered = g.stage(resized, filter, single, || filter::Filter {
        filters: filters.clone(),
        scratch: FilterScratch::default(),
    });
    let marked = g.stage(filtered, single, write, || {
        watermark::Watermark::new(mark.clone())
    });
    g.stage(marked, write, single, || write::Write {
        output: config.output,
        variants: variants.clone(),
        fault: ctx.write_fault.clone(),
    })
}

/// What is decided before any worker starts.
struct Setup {
    jobs: Spool<Job>,
    refusals: BTreeMap<usize, ItemError>,
    skipped: Spool<(PathBuf, PathBuf)>,
    skipped_photos: usize,
    watermark: Option<watermark::Prepared>,
}

/// Checks the options, plans every output, creates the output folder, removes stale temporary
/// files of this run's outputs, and prepares the watermark.
fn prepare(config: &Config) -> Result<Setup, Error> {
    let discover::Plan {
        jobs,
        refusals,
        skipped,
        skipped_photos,
    } = discover::plan(config)?;
    if !config.in_place {
        std::fs::create_dir_all(&config.output_dir).map_err(|source| Error::OutputDir {
            path: config.output_dir.clone(),
            source,
        })?;
    }
    write::remove_stale_temps(
        jobs.iter()
            .flat_map(|job| job.outputs.into_iter().map(|o| o.dst)),
    );
    let watermark = config
        .watermark
        .as_ref()
        .map(watermark::prepare)
        .transpose()?;
    Ok(Setup {
        jobs,
        refusals,
        skipped,
        skipped_photos,
        watermark,
    })
}
