//! The three clocks every worker keeps: busy, starved (waiting to receive) and blocked (waiting
//! to send, i.e. backpressure), plus one span per item for percentiles and traces.

use std::time::Duration;

use crate::pipeline::StageName;

/// One item's work on one worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The item's id.
    pub item: usize,
    /// When the work started, since the run began.
    pub start: Duration,
    /// How long it took.
    pub busy: Duration,
}

/// What one worker measured over the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerClock {
    /// Its stage.
    pub stage: StageName,
    /// Its index within the stage's pool.
    pub worker: usize,
    /// Time spent working.
    pub busy: Duration,
    /// Time spent waiting for input.
    pub starved: Duration,
    /// Time spent waiting for room downstream.
    pub blocked: Duration,
    /// One span per item it worked on.
    pub spans: Vec<Span>,
}

impl WorkerClock {
    /// A clock at zero.
    #[must_use]
    pub fn new(stage: StageName, worker: usize) -> Self {
        WorkerClock {
            stage,
            worker,
            busy: Duration::ZERO,
            starved: Duration::ZERO,
            blocked: Duration::ZERO,
            spans: Vec::new(),
        }
    }
}
