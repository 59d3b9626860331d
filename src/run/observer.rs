//! What a caller sees while a run goes on: [`Progress`] after each photo and a [`Snapshot`] of
//! every stage several times a second, through an [`Observer`] (the command line's live view is
//! one).

use std::time::Duration;

use crate::metrics::live::Snapshot;
use crate::pipeline::{Failure, Warning};

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
