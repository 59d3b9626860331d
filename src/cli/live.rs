//! The live view on standard error: an overall bar, optionally one line per stage, redrawn several
//! times a second; and failures printed as they happen.
//!
//! Control characters are written only in a live mode, which the command line enables only when
//! standard error is a terminal.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use fanlight::{Failure, Observer, Progress, Snapshot, Warning};

/// What the live view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    /// Nothing live (failures are still printed).
    None,
    /// One line: bar, counts, rates, ETA.
    Bar,
    /// The bar plus one line per stage.
    Stages,
}

/// How often the view is redrawn at most.
const REDRAW: Duration = Duration::from_millis(200);

/// The live view: an [`Observer`] drawing on standard error.
pub struct LiveView {
    mode: ViewMode,
    lines_drawn: usize,
    last_draw: Option<Duration>,
    last_busy: Vec<(Duration, Duration)>,
    last_items: Vec<u64>,
}

impl LiveView {
    /// A view in `mode`; use [`ViewMode::None`] when standard error is not a terminal.
    #[must_use]
    pub fn new(mode: ViewMode) -> Self {
        LiveView {
            mode,
            lines_drawn: 0,
            last_draw: None,
            last_busy: Vec::new(),
            last_items: Vec::new(),
        }
    }

    /// Erases the view so the summary that follows starts on a clean line.
    pub fn finish(&mut self) {
        self.clear();
    }

    fn clear(&mut self) {
        if self.lines_drawn == 0 {
            return;
        }
        // Each line of the block erased, bottom to top, ending at the first. Not "clear to the end
        // of the screen": when the block starts at the top, that clears the whole screen, which
        // tmux (scroll-on-clear) and some terminals keep in their history, a copy per redraw.
        let mut out = String::from("\r\x1b[2K");
        for _ in 1..self.lines_drawn {
            out.push_str("\x1b[1F\x1b[2K");
        }
        eprint!("{out}");
        self.lines_drawn = 0;
    }

    fn draw(&mut self, snap: &Snapshot<'_>) {
        let lines = render(snap, self.mode, &mut self.last_busy, &mut self.last_items);
        self.clear();
        let text = lines.join("\n");
        eprint!("{text}");
        let _ = std::io::stderr().flush();
        self.lines_drawn = lines.len();
    }
}

impl Observer for LiveView {
    fn item_done(&mut self, _: &Progress, failure: Option<&Failure>) {
        if let Some(f) = failure {
            if !matches!(f.error, fanlight::ItemError::Cancelled) {
                self.clear();
                eprintln!("error: {f}");
            }
        }
    }

    fn warning(&mut self, warning: &Warning) {
        self.clear();
        eprintln!("warning: {warning}");
    }

    fn tick(&mut self, snap: &Snapshot<'_>) {
        if self.mode == ViewMode::None {
            return;
        }
        if self
            .last_draw
            .is_some_and(|t| snap.elapsed.saturating_sub(t) < REDRAW)
        {
            return;
        }
        self.last_draw = Some(snap.elapsed);
        self.draw(snap);
    }
}

/// The view's lines, each at most 80 columns. `last_busy` and `last_items` carry the previous
/// tick's totals so busy % and items/s describe the last moment, not the whole run.
#[must_use]
pub fn render(
    snap: &Snapshot<'_>,
    mode: ViewMode,
    last_busy: &mut Vec<(Duration, Duration)>,
    last_items: &mut Vec<u64>,
) -> Vec<String> {
    let secs = snap.elapsed.as_secs_f64().max(1e-9);
    let rate = snap.done as f64 / secs;
    let eta = if snap.done > 0 {
        format!("{:.0}s", (snap.total - snap.done) as f64 / rate)
    } else {
        "--".to_string()
    };
    let width = 16;
    let filled = (snap.done * width).checked_div(snap.total).unwrap_or(0);
    let mut bar = format!(
        "[{}{}] {}/{} {:.1} img/s {:.1} MP/s ETA {}",
        "#".repeat(filled),
        ".".repeat(width - filled),
        snap.done,
        snap.total,
        rate,
        snap.megapixels / secs,
        eta
    );
    if snap.failed > 0 {
        let _ = write!(bar, " {} failed", snap.failed);
    }
    // Photos with several outputs: the files too, where the line has room.
    let files = format!(" {} files", snap.files);
    if snap.files > snap.done && bar.chars().count() + files.len() <= 80 {
        bar.push_str(&files);
    }
    let mut lines = vec![bar];
    if mode != ViewMode::Stages {
        return lines;
    }
    lines.push(format!(
        "{:<10} {:>7} {:>6} {:>9} {:>8} {:>7}",
        "stage", "workers", "busy%", "queue in", "items/s", "items"
    ));
    last_busy.resize(snap.stages.len(), (Duration::ZERO, Duration::ZERO));
    last_items.resize(snap.stages.len(), 0);
    for (i, stage) in snap.stages.iter().enumerate() {
        let busy = stage.busy();
        let items = stage.items();
        let (prev_at, prev_busy) = last_busy[i];
        let dt = snap.elapsed.saturating_sub(prev_at).as_secs_f64();
        let (busy_pct, per_sec) = if dt > 0.0 {
            let b = (busy.saturating_sub(prev_busy)).as_secs_f64() / (dt * stage.workers as f64);
            (100.0 * b.min(1.0), (items - last_items[i]) as f64 / dt)
        } else {
            (0.0, 0.0)
        };
        last_busy[i] = (snap.elapsed, busy);
        last_items[i] = items;
        let (depth, cap) = snap.queues.get(i).copied().unwrap_or((0, 0));
        lines.push(format!(
            "{:<10} {:>7} {:>6.1} {:>9} {:>8.1} {:>7}",
            stage.name.as_str(),
            stage.workers,
            busy_pct,
            format!("{depth}/{cap}"),
            per_sec,
            items
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use fanlight::{LiveStage, StageName};
    use std::sync::Arc;

    #[test]
    fn every_line_fits_80_columns_and_shows_each_stage() {
        let stages: Vec<Arc<LiveStage>> = StageName::WORKING
            .iter()
            .map(|&n| Arc::new(LiveStage::new(n, 16)))
            .collect();
        stages[2].add(Duration::from_millis(900));
        let queues = vec![(3, 32); 6];
        let snap = Snapshot {
            elapsed: Duration::from_secs(1),
            total: 123_456,
            done: 65_432,
            failed: 12_345,
            files: 392_592,
            megapixels: 987_654.0,
            stages: &stages,
            queues: &queues,
        };
        let lines = render(&snap, ViewMode::Stages, &mut Vec::new(), &mut Vec::new());
        assert_eq!(lines.len(), 7);
        for line in &lines {
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        assert!(
            lines[4].starts_with("filter") && lines[4].contains("3/32"),
            "{}",
            lines[4]
        );
        assert_eq!(StageName::Filter.as_str(), "filter");
    }
}
