//! The instrumented worker loop shared by every stage: receive, work under a panic guard, send,
//! and clock all three.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::frame::{Failure, Frame, Item};
use super::gate::Gate;
use crate::cancel::{CancelReason, CancelToken};
use crate::error::ItemError;
use crate::metrics::clock::{thread_cpu_time, Span, WorkerClock};
use crate::metrics::live::LiveStage;
use crate::spool::SpoolWriter;
use crate::stage_name::StageName;

/// A stage's per-item work. Stateful so a worker can keep buffers between items; testable
/// without threads or channels.
pub trait Stage {
    /// Which stage this is.
    const NAME: StageName;

    /// Does this stage's work on one photo.
    fn process(&mut self, frame: Frame) -> Result<Frame, ItemError>;

    /// The frames this stage passes on for `frame`, in order: by default the one
    /// [`Stage::process`] makes. A stage that fans a photo out into its variants (`resize`, a
    /// frame per size; `watermark`, a frame per output) overrides this. An error fails every
    /// output `frame` was to make.
    fn split(&mut self, frame: Frame) -> Result<Vec<Frame>, ItemError> {
        self.process(frame).map(|f| vec![f])
    }
}

/// A test hook: `(stage, item id, source path)`, called before each item's work in every stage,
/// inside the panic guard, so a test can make a stage sleep, panic or cancel the run.
pub type Injector = Arc<dyn Fn(StageName, usize, &Path) + Send + Sync>;

/// What every worker of a run shares.
pub(crate) struct Shared {
    pub cancel: CancelToken,
    pub timeout: Option<std::time::Duration>,
    pub fail_fast: bool,
    pub inject: Option<Injector>,
    pub epoch: Instant,
}

/// Serves `rx` until every upstream sender is gone, then returns this worker's clock.
///
/// Failed items pass through untouched; once the run is cancelled, frames become cancelled
/// failures without being worked on. A panic fails only the item it happened on.
pub(crate) fn serve<S: Stage>(
    mut stage: S,
    worker: usize,
    rx: &Receiver<Item>,
    tx: &Sender<Item>,
    ctx: &Shared,
    live: &LiveStage,
    gate: Option<&Gate>,
) -> WorkerClock {
    let mut clock = WorkerClock::new(S::NAME, worker);
    let mut spans = SpoolWriter::new();
    loop {
        // An auto-sized pool parks the workers beyond its current target here, between items.
        if gate.is_some_and(|g| !g.wait_turn(worker)) {
            break;
        }
        let waiting_since = Instant::now();
        let Ok(item) = rx.recv() else {
            if let Some(g) = gate {
                g.close();
            }
            break;
        };
        let received = Instant::now();
        clock.starved += received - waiting_since;
        let out = match item {
            Item::Failed(failure) => vec![Item::Failed(failure)],
            Item::Frame(frame) if ctx.cancel.is_cancelled() => vec![Item::Failed(Failure::of(
                &frame,
                S::NAME,
                ItemError::Cancelled,
            ))],
            Item::Frame(frame) => {
                let cpu_start = thread_cpu_time();
                let id = frame.job.id;
                let output = match frame.outputs[..] {
                    [one] if frame.job.outputs.len() > 1 => u32::try_from(one).ok(),
                    _ => None,
                };
                let out = process_guarded(&mut stage, frame, ctx);
                let done = Instant::now();
                clock.busy += done - received;
                // Saturating: this runs outside the panic guard, and a clock that reads lower must not
                // panic the worker (a dead worker would hang the drain).
                clock.cpu += thread_cpu_time().saturating_sub(cpu_start);
                live.add(done - received);
                spans.push(&Span {
                    item: id,
                    output,
                    start: received - ctx.epoch,
                    busy: done - received,
                });
                out
            }
        };
        let sending = Instant::now();
        if out.into_iter().any(|item| tx.send(item).is_err()) {
            // Only possible if `collect` is gone, which means the run is already over.
            break;
        }
        clock.blocked += sending.elapsed();
    }
    clock.spans = spans.finish();
    clock
}

/// Runs one item through `stage` under `catch_unwind`, turning errors and panics into failures
/// of every output the frame was to make.
fn process_guarded<S: Stage>(stage: &mut S, mut frame: Frame, ctx: &Shared) -> Vec<Item> {
    let job = frame.job.clone();
    let outputs = frame.outputs.clone();
    let started = *frame.started.get_or_insert_with(Instant::now);
    let timed_out = || ctx.timeout.filter(|&limit| started.elapsed() > limit);
    let result = match timed_out() {
        Some(limit) => Ok(Err(ItemError::TimedOut(limit))),
        None => catch_unwind(AssertUnwindSafe(|| {
            if let Some(inject) = &ctx.inject {
                inject(S::NAME, job.id, &job.src);
            }
            stage.split(frame)
        })),
    };
    let error = match result {
        // A photo that overran in this stage is not passed on, but what `write` finished stays.
        Ok(Ok(frames)) if S::NAME == StageName::Write || timed_out().is_none() => {
            return frames.into_iter().map(Item::Frame).collect();
        }
        Ok(Ok(_)) => ItemError::TimedOut(ctx.timeout.unwrap_or_default()),
        Ok(Err(error)) => error,
        Err(panic) => ItemError::Panic(format!("in stage {}: {}", S::NAME, panic_message(&*panic))),
    };
    if ctx.fail_fast {
        ctx.cancel.cancel(CancelReason::FailFast);
    }
    vec![Item::Failed(Failure {
        job,
        outputs,
        stage: S::NAME,
        error,
    })]
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}
