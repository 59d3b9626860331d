//! The one-line progress display, and failures printed as they happen.

use std::io::Write as _;

use crate::pipeline::{Failure, Observer, Progress};

/// Redraws one status line on standard error (only when `live`), and prints each failure on its
/// own line whether live or not.
pub struct ProgressLine {
    live: bool,
    drawn: bool,
}

impl ProgressLine {
    /// `live` should be true only when standard error is a terminal: the line uses `\r`.
    #[must_use]
    pub fn new(live: bool) -> Self {
        ProgressLine { live, drawn: false }
    }

    /// Ends the status line so the next output starts on a fresh line.
    pub fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

impl Observer for ProgressLine {
    fn item_done(&mut self, p: &Progress, failure: Option<&Failure>) {
        if let Some(f) = failure {
            if self.drawn {
                eprint!("\r\x1b[2K");
            }
            if !matches!(f.error, crate::ItemError::Cancelled) {
                eprintln!("error: {f}");
            }
        }
        if !self.live {
            return;
        }
        let secs = p.elapsed.as_secs_f64().max(1e-9);
        let rate = p.done as f64 / secs;
        let eta = if rate > 0.0 {
            (p.total - p.done) as f64 / rate
        } else {
            0.0
        };
        eprint!(
            "\r\x1b[2K{}/{} photos  {:.1} images/s  {:.1} MP/s  {} failed  ETA {:.0} s",
            p.done,
            p.total,
            rate,
            p.megapixels / secs,
            p.failed,
            eta
        );
        let _ = std::io::stderr().flush();
        self.drawn = true;
    }
}
