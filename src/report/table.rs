//! The summary printed after every run: totals, one row per stage, and the bottleneck with a hint.
//!
//! Two clocks tell different things. Busy time (wall time working) says which stage the others
//! wait for; CPU time says whether more workers could make it faster. With more runnable
//! threads than free cores, busy time includes waiting for a core, so the advice is read from
//! CPU time and the core count (`available_parallelism`): a saturated machine gets no "more
//! workers" hint, and no hint offers more workers than there are cores.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Report, StageReport};
use crate::error::opt;
use crate::stage_name::StageName;

/// `n` and the noun, plural unless `n` is one: `1 photo`, `3 photos`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The summary's first line: photos, time, rates and outcome counts.
#[must_use]
pub fn summary_line(report: &Report) -> String {
    let mut out = format!(
        "{} in {:.2} s, {:.1} img/s, {:.1} MP/s: {} written{}, {} failed",
        count(report.total, "photo"),
        report.wall.as_secs_f64(),
        report.images_per_sec(),
        report.megapixels_per_sec(),
        report.ok,
        // Variants: the files, which are more than the photos.
        if report.outputs.len() > report.ok {
            format!(" ({})", count(report.outputs.len(), "file"))
        } else {
            String::new()
        },
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
    out
}

/// A stage's worker count as the table shows it: `4`, or `auto (3)` for a pool sized during
/// the run (the most workers that took items at once).
#[must_use]
pub fn workers_label(stage: &StageReport) -> String {
    if stage.auto {
        format!("auto ({})", stage.peak_active)
    } else {
        stage.workers.to_string()
    }
}

/// The multi-line summary of `report`, ending with a newline.
#[must_use]
pub fn summary(report: &Report) -> String {
    let mut out = summary_line(report);
    out.push('\n');
    let wall = report.wall;
    let _ = writeln!(
        out,
        "{:<10} {:>9} {:>6} {:>6} {:>6} {:>8} {:>8} {:>7} {:>7}",
        "stage", "workers", "items", "busy%", "cpu%", "starved%", "blocked%", "p50 ms", "p95 ms"
    );
    for s in &report.stages {
        let _ = writeln!(
            out,
            "{:<10} {:>9} {:>6} {:>6.1} {:>6.1} {:>8.1} {:>8.1} {:>7.1} {:>7.1}",
            s.name.as_str(),
            workers_label(s),
            s.items,
            100.0 * s.busy_share(wall),
            100.0 * cpu_share(s, wall),
            100.0 * s.starved_share(wall),
            100.0 * s.blocked_share(wall),
            s.p50.as_secs_f64() * 1e3,
            s.p95.as_secs_f64() * 1e3,
        );
    }
    let _ = writeln!(
        out,
        "CPU: {:.2} of {} cores busy on average ({:.0}% of the machine)",
        report.speedup(),
        report.cores,
        100.0 * report.efficiency(),
    );
    if let Some(hint) = bottleneck_hint(report) {
        let _ = writeln!(out, "{hint}");
    }
    out
}

/// The share of a stage's workers' time (`wall × workers`) spent on a core, 0–1.
fn cpu_share(stage: &StageReport, wall: Duration) -> f64 {
    let total = wall.as_secs_f64() * stage.workers as f64;
    if total > 0.0 {
        stage.cpu.as_secs_f64() / total
    } else {
        0.0
    }
}

/// Above this share of the cores, the machine counts as saturated.
const SATURATED: f64 = 0.85;

/// Names the busiest stage and says what could help, judged by CPU time and the cores: a
/// saturated machine, or one busy with other work, gets no advice about worker counts.
#[must_use]
pub fn bottleneck_hint(report: &Report) -> Option<String> {
    let (stage, busy) = report.bottleneck()?;
    if stage.items == 0 {
        return None;
    }
    let name = stage.name;
    let cores = report.cores.max(1);
    let efficiency = report.efficiency();
    let measured_cpu = report.stages.iter().any(|s| !s.cpu.is_zero());
    let line = format!(
        "{name} is the bottleneck (busy {:.0}%{})",
        100.0 * busy,
        if measured_cpu {
            format!(", CPU {:.0}%", 100.0 * cpu_share(stage, report.wall))
        } else {
            String::new()
        }
    );
    if efficiency > SATURATED {
        return Some(format!(
            "{line}: the machine was saturated (fanlight kept all {cores} cores busy), so more workers would not help"
        ));
    }
    if measured_cpu {
        if let Some(on_core) = waiting_for_cores(report) {
            return Some(format!(
                "{line}: the machine was busy with other work (the image stages were on a core {:.0}% of their busy time, fanlight used {:.0}% of {cores} cores), so more workers would not help",
                100.0 * on_core,
                100.0 * efficiency,
            ));
        }
    }
    let flag = match name {
        StageName::Load => Some(opt("--load-workers")),
        StageName::Filter => Some(opt("--workers")),
        StageName::Write => Some(opt("--write-workers")),
        _ => None,
    };
    let advice = if busy < 0.5 {
        "no stage is saturated: the batch is too small to fill the pipeline, or input is slow"
            .to_string()
    } else if let Some(flag) = flag {
        if stage.auto {
            format!(
                "its pool was sized automatically ({flag} auto) and used at most {} of {} workers",
                stage.peak_active, stage.workers
            )
        } else if stage.workers < cores {
            format!("try {flag} {}", stage.workers + 1)
        } else if measured_cpu && cpu_share(stage, report.wall) < 0.5 * busy {
            format!(
                "its {} workers (one per core or more) wait more than they compute, likely on the disk; more workers would not help",
                stage.workers
            )
        } else {
            format!(
                "it has {} workers for {cores} cores, so more workers would not help; lighter options would",
                stage.workers
            )
        }
    } else {
        format!("{name} is a single worker: a smaller target size or lighter options would help")
    };
    Some(format!("{line}: {advice}"))
}

/// The share of their working time the compute-only stages (resize, filter, watermark: no
/// I/O) spent on a core, when it is so low that they must have waited for one while fanlight
/// itself left cores unused: other programs had them. `None` when that is not so.
fn waiting_for_cores(report: &Report) -> Option<f64> {
    let compute = report.stages.iter().filter(|s| {
        matches!(
            s.name,
            StageName::Resize | StageName::Filter | StageName::Watermark
        )
    });
    let (busy, cpu) = compute.fold((0.0, 0.0), |(b, c), s| {
        (b + s.busy.as_secs_f64(), c + s.cpu.as_secs_f64())
    });
    // Too little work to judge: scheduling noise of a few milliseconds is no evidence.
    let enough = busy > 0.05 && busy > 0.1 * report.wall.as_secs_f64();
    let on_core = if busy > 0.0 { cpu / busy } else { 1.0 };
    (enough && on_core < 0.6 && report.efficiency() < 0.7).then_some(on_core)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: StageName, workers: usize, busy: f64, cpu: f64) -> StageReport {
        StageReport {
            name,
            workers,
            auto: false,
            peak_active: workers,
            items: 10,
            busy: Duration::from_secs_f64(busy),
            cpu: Duration::from_secs_f64(cpu),
            starved: Duration::ZERO,
            blocked: Duration::ZERO,
            p50: Duration::from_millis(5),
            p95: Duration::from_millis(9),
        }
    }

    fn report(cores: usize, stages: Vec<StageReport>) -> Report {
        Report {
            wall: Duration::from_secs(1),
            cores,
            total: 10,
            ok: 10,
            failed: 0,
            cancelled: 0,
            megapixels_in: 1.0,
            megapixels_out: 1.0,
            bytes_out: 1,
            stages,
            failures: Vec::new(),
            warnings: Vec::new(),
            cancel_reason: None,
            clocks: Vec::new(),
            queues: Vec::new(),
            inputs: crate::spool::Spool::default(),
            skipped: crate::spool::Spool::default(),
            outputs: crate::spool::Spool::default(),
        }
    }

    #[test]
    fn a_saturated_machine_gets_no_more_workers_hint() {
        // Two cores, all used: write's busy time includes waiting for a core.
        let r = report(
            2,
            vec![
                stage(StageName::Load, 2, 0.8, 0.7),
                stage(StageName::Write, 2, 1.74, 1.1),
            ],
        );
        let hint = bottleneck_hint(&r).unwrap();
        assert!(
            hint.starts_with("write is the bottleneck (busy 87%"),
            "{hint}"
        );
        assert!(hint.contains("saturated"), "{hint}");
        assert!(!hint.contains("try "), "{hint}");
    }

    #[test]
    fn no_hint_offers_more_workers_than_cores() {
        // Write busy but not computing much, with a worker per core already.
        let r = report(
            2,
            vec![
                stage(StageName::Load, 2, 0.2, 0.2),
                stage(StageName::Write, 2, 1.7, 0.3),
            ],
        );
        let hint = bottleneck_hint(&r).unwrap();
        assert!(!hint.contains("try Workers::write"), "{hint}");
        // With cores to spare, one more worker is offered.
        let r = report(
            8,
            vec![
                stage(StageName::Load, 2, 0.2, 0.2),
                stage(StageName::Write, 2, 1.7, 1.6),
            ],
        );
        let hint = bottleneck_hint(&r).unwrap();
        assert!(hint.ends_with("try Workers::write 3"), "{hint}");
    }

    #[test]
    fn compute_stages_waiting_for_a_core_mean_a_busy_machine() {
        // Filter workers busy all the time but on a core a third of it, while fanlight used
        // well under the cores: someone else had them.
        let r = report(
            4,
            vec![
                stage(StageName::Load, 4, 0.4, 0.3),
                stage(StageName::Filter, 4, 3.6, 1.2),
            ],
        );
        let hint = bottleneck_hint(&r).unwrap();
        assert!(hint.contains("busy with other work"), "{hint}");
        assert!(!hint.contains("try "), "{hint}");
    }

    #[test]
    fn auto_pools_show_as_auto_and_one_photo_is_singular() {
        let mut s = stage(StageName::Filter, 4, 0.5, 0.5);
        s.auto = true;
        s.peak_active = 3;
        assert_eq!(workers_label(&s), "auto (3)");
        let mut r = report(4, vec![s]);
        r.total = 1;
        r.ok = 1;
        let text = summary(&r);
        assert!(text.starts_with("1 photo in "), "{text}");
        assert!(text.contains("auto (3)"), "{text}");
        assert!(text.contains("of 4 cores"), "{text}");
    }
}
