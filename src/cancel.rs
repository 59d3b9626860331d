//! The one cancellation token shared by every stage.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// Why a run was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Ctrl-C, SIGTERM or a caller's request.
    Interrupted,
    /// `fail_fast` and a photo failed.
    FailFast,
}

/// A cheap, clonable flag; once tripped it stays tripped.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicU8>);

impl CancelToken {
    /// A token that is not tripped.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trips the token; the first reason given is kept.
    pub fn cancel(&self, reason: CancelReason) {
        let code = match reason {
            CancelReason::Interrupted => 1,
            CancelReason::FailFast => 2,
        };
        let _ = self
            .0
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether the token is tripped.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    /// Why it was tripped, if it was.
    #[must_use]
    pub fn reason(&self) -> Option<CancelReason> {
        match self.0.load(Ordering::SeqCst) {
            1 => Some(CancelReason::Interrupted),
            2 => Some(CancelReason::FailFast),
            _ => None,
        }
    }
}
