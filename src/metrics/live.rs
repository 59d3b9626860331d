//! Counters the workers update as they go, read by `collect` several times a second for the live
//! view, the queue-depth samples and the trace's counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::stage_name::StageName;

/// One stage's running totals.
#[derive(Debug)]
pub struct LiveStage {
    /// Which stage.
    pub name: StageName,
    /// Its worker count.
    pub workers: usize,
    items: AtomicU64,
    busy_ns: AtomicU64,
}

impl LiveStage {
    /// Zeroed counters for a stage of `workers` workers.
    #[must_use]
    pub fn new(name: StageName, workers: usize) -> Self {
        LiveStage {
            name,
            workers,
            items: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
        }
    }

    /// Records one finished item that took `busy`.
    pub fn add(&self, busy: Duration) {
        self.items.fetch_add(1, Ordering::Relaxed);
        self.busy_ns
            .fetch_add(busy.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Items so far.
    #[must_use]
    pub fn items(&self) -> u64 {
        self.items.load(Ordering::Relaxed)
    }

    /// Busy time so far, summed over workers.
    #[must_use]
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_ns.load(Ordering::Relaxed))
    }
}

/// A queue's depth at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthSample {
    /// When, since the run began.
    pub at: Duration,
    /// Items waiting.
    pub depth: usize,
}

/// One queue's sampled depths.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueStats {
    /// The stage that sends into it.
    pub from: StageName,
    /// The stage that receives from it (`None` for `collect`).
    pub to: Option<StageName>,
    /// Its capacity.
    pub capacity: usize,
    /// Every sample, in time order.
    pub samples: Vec<DepthSample>,
}

impl QueueStats {
    /// Mean sampled depth.
    #[must_use]
    pub fn mean_depth(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        self.samples.iter().map(|s| s.depth as f64).sum::<f64>() / self.samples.len() as f64
    }

    /// Largest sampled depth.
    #[must_use]
    pub fn max_depth(&self) -> usize {
        self.samples.iter().map(|s| s.depth).max().unwrap_or(0)
    }

    /// Name of the receiving end, for reports.
    #[must_use]
    pub fn to_name(&self) -> &'static str {
        self.to.map_or("collect", StageName::as_str)
    }
}

/// What a live view is shown at each tick.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    /// Since the run began.
    pub elapsed: Duration,
    /// Photos found.
    pub total: usize,
    /// Photos finished.
    pub done: usize,
    /// Photos failed or cancelled.
    pub failed: usize,
    /// Files written so far (more than `done` when photos have several outputs).
    pub files: usize,
    /// Megapixels decoded so far.
    pub megapixels: f64,
    /// Per stage running totals.
    pub stages: &'a [Arc<LiveStage>],
    /// Current depth and capacity of each queue, in pipeline order.
    pub queues: &'a [(usize, usize)],
}
