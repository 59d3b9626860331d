//! The summary printed after every run: totals, one row per stage, and the bottleneck with a hint.

use std::fmt::Write as _;

use super::Report;
use crate::stage_name::StageName;

/// The multi-line summary of `report`, ending with a newline.
#[must_use]
pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    let wall = report.wall;
    let _ = write!(
        out,
        "{} photos in {:.2} s, {:.1} img/s, {:.1} MP/s: {} written, {} failed",
        report.total,
        wall.as_secs_f64(),
        report.images_per_sec(),
        report.megapixels_per_sec(),
        report.ok,
        report.failed,
    );
    if !report.skipped.is_empty() {
        let _ = write!(out, ", {} skipped", report.skipped.len());
    }
    if report.cancelled > 0 {
        let _ = write!(out, ", {} cancelled", report.cancelled);
    }
    if !report.warnings.is_empty() {
        let _ = write!(out, ", {} with warnings", report.warnings.len());
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:<10} {:>7} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "stage", "workers", "items", "busy%", "starved%", "blocked%", "p50 ms", "p95 ms"
    );
    for s in &report.stages {
        let _ = writeln!(
            out,
            "{:<10} {:>7} {:>6} {:>6.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            s.name.as_str(),
            s.workers,
            s.items,
            100.0 * s.busy_share(wall),
            100.0 * s.starved_share(wall),
            100.0 * s.blocked_share(wall),
            s.p50.as_secs_f64() * 1e3,
            s.p95.as_secs_f64() * 1e3,
        );
    }
    let _ = writeln!(
        out,
        "CPU efficiency {:.0}% on {} cores (speedup {:.2}x over one sequential worker)",
        100.0 * report.efficiency(),
        report.cores,
        report.speedup(),
    );
    if let Some(hint) = bottleneck_hint(report) {
        let _ = writeln!(out, "{hint}");
    }
    out
}

/// Names the busiest stage and says what could help.
#[must_use]
pub fn bottleneck_hint(report: &Report) -> Option<String> {
    let (stage, busy) = report.bottleneck()?;
    if stage.items == 0 {
        return None;
    }
    let pct = 100.0 * busy;
    let name = stage.name;
    let flag = match name {
        StageName::Load => Some("--load-workers"),
        StageName::Filter => Some("--workers"),
        StageName::Write => Some("--write-workers"),
        _ => None,
    };
    let advice = if report.efficiency() > 0.85 {
        "every core is busy, so more workers would not help".to_string()
    } else if busy < 0.5 {
        "no stage is saturated: the batch is too small to fill the pipeline, or input is slow"
            .into()
    } else if let Some(flag) = flag {
        format!("try {flag} {}", stage.workers + 1)
    } else {
        format!("{name} is a single worker: a smaller target size or lighter options would help")
    };
    Some(format!(
        "{name} is the bottleneck (busy {pct:.0}%): {advice}"
    ))
}
