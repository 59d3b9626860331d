//! Many short runs with random (seeded) worker counts, queue sizes, delays, panics and write
//! failures in every stage, sometimes with fail-fast or a cancellation: no run may hang, and the
//! counts always add up, per photo and per stage.
//!
//! `FANLIGHT_STRESS_SEED` and `FANLIGHT_STRESS_RUNS` change the seed (printed on failure) and
//! the number of runs.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use fanlight::PoolSize;
use fanlight::{CancelReason, Config, ItemError, Report, RunContext, StageName, Workers};

const PHOTOS: usize = 8;

/// splitmix64 of a seed and two values: a pure function, so a run's faults are the same
/// whichever thread asks and in whichever order.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed
        .wrapping_add(a.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in `0..n` drawn from `(seed, a, b)`.
fn pick(seed: u64, a: u64, b: u64, n: u64) -> u64 {
    mix(seed, a, b) % n
}

/// What happens to photo `id` in `stage` in the run with seed `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    Sleep(u64),
    Panic,
}

fn fault(seed: u64, stage: StageName, id: usize) -> Fault {
    match pick(seed, 1 + stage as u64, id as u64, 100) {
        0..=3 => Fault::Panic,
        4..=23 => Fault::Sleep(pick(seed, 100 + stage as u64, id as u64, 4)),
        _ => Fault::None,
    }
}

/// Whether photo `id`'s write fails with ENOSPC once its temporary file is open.
fn disk_full(seed: u64, id: usize) -> bool {
    pick(seed, 200, id as u64, 100) < 4
}

fn pool(seed: u64, which: u64) -> PoolSize {
    match pick(seed, 300, which, 5) {
        0 => PoolSize::Auto,
        n => PoolSize::Fixed(n as usize),
    }
}

/// The sorted input paths: photo ids are positions in this list.
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = files_below(dir).into_iter().map(|p| dir.join(p)).collect();
    paths.sort();
    paths
}

#[test]
fn random_faults_delays_and_cancellations_never_hang_and_the_counts_add_up() {
    let base: u64 = std::env::var("FANLIGHT_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D);
    let runs: u64 = std::env::var("FANLIGHT_STRESS_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, PHOTOS);
    let paths = inputs(&input);
    let mut outcomes = [0usize; 4]; // runs that were clean, fail-fast, cancelled, with failures
    for run in 0..runs {
        let seed = mix(base, run, 0);
        let out = tmp.path().join(format!("out-{run}"));
        let mut config = Config::new(vec![input.clone()], &out);
        config.resize = Some("16x16".parse().unwrap());
        config.filters = vec!["unsharp".parse().unwrap()];
        config.watermark = Some(fanlight::WatermarkSpec {
            font_size: 6.0,
            margin: 1,
            ..fanlight::WatermarkSpec::new("c")
        });
        config.workers = Workers {
            load: pool(seed, 0),
            filter: pool(seed, 1),
            write: pool(seed, 2),
        };
        config.queue_capacity = match pick(seed, 4, 0, 4) {
            0 => None,
            n => Some(n as usize),
        };
        config.fail_fast = pick(seed, 5, 0, 5) == 0;
        // Sometimes cancel as a given photo enters a given stage.
        let cancel_at = (pick(seed, 6, 0, 5) == 0).then(|| {
            (
                StageName::WORKING[pick(seed, 7, 0, 5) as usize],
                pick(seed, 8, 0, PHOTOS as u64) as usize,
            )
        });
        let mut ctx = RunContext::default();
        let token = ctx.cancel.clone();
        ctx.inject = Some(Arc::new(move |stage, id, _| {
            if cancel_at == Some((stage, id)) {
                token.cancel(CancelReason::Interrupted);
            }
            match fault(seed, stage, id) {
                Fault::Panic => panic!("injected fault"),
                Fault::Sleep(ms) => std::thread::sleep(Duration::from_millis(ms)),
                Fault::None => {}
            }
        }));
        let ids: Vec<std::path::PathBuf> = paths.clone();
        ctx.write_fault = Some(Arc::new(move |tmp: &Path| {
            let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
            let id = ids
                .iter()
                .position(|p| {
                    name.starts_with(&format!(".{}.", p.file_name().unwrap().to_string_lossy()))
                })
                .expect("a temporary file of a known photo");
            if disk_full(seed, id) {
                Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
            } else {
                Ok(())
            }
        }));
        let context = format!("run {run} seed {base:#x}: {config:?}");
        let report = run_watched_with(config.clone(), ctx, Duration::from_secs(30));
        check(&report, &out, &context);
        let expected = expected_failures(seed, cancel_at.is_some() || config.fail_fast);
        if let Some(expected) = expected {
            let failed: Vec<usize> = report.failures.iter().map(|f| f.job.id).collect();
            assert_eq!(failed, expected, "{context}");
        }
        outcomes[match report.cancel_reason {
            Some(CancelReason::FailFast) => 1,
            Some(CancelReason::Interrupted) => 2,
            None if report.failed > 0 => 3,
            None => 0,
        }] += 1;
        std::fs::remove_dir_all(&out).ok();
    }
    eprintln!("{runs} runs: clean, fail-fast, cancelled, with failures = {outcomes:?}");
    // The seed must exercise every path (a property of the default seed, checked so a change
    // of the fault rates cannot quietly make the test weaker).
    if std::env::var("FANLIGHT_STRESS_SEED").is_err() {
        assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
    }
}

/// Which photos fail when nothing cancels the run: the first stage that panics, or the disk.
fn expected_failures(seed: u64, may_cancel: bool) -> Option<Vec<usize>> {
    if may_cancel {
        return None;
    }
    Some(
        (0..PHOTOS)
            .filter(|&id| {
                StageName::WORKING
                    .iter()
                    .any(|&s| fault(seed, s, id) == Fault::Panic)
                    || disk_full(seed, id)
            })
            .collect(),
    )
}

/// The invariants every run keeps, whatever happened in it.
fn check(report: &Report, out: &Path, context: &str) {
    assert_eq!(report.total, PHOTOS, "{context}");
    assert_eq!(
        report.ok + report.failed + report.cancelled + report.skipped.len(),
        report.total,
        "{context}"
    );
    let failed: HashSet<usize> = report.failures.iter().map(|f| f.job.id).collect();
    assert_eq!(
        failed.len(),
        report.failures.len(),
        "a photo failed twice: {context}"
    );
    let cancelled = report
        .failures
        .iter()
        .filter(|f| matches!(f.error, ItemError::Cancelled))
        .count();
    assert_eq!(cancelled, report.cancelled, "{context}");
    if report.cancelled > 0 {
        assert!(report.cancel_reason.is_some(), "{context}");
    }
    for f in &report.failures {
        match &f.error {
            ItemError::Panic(msg) => assert!(msg.contains("injected fault"), "{msg}"),
            ItemError::Write { reason, .. } => {
                assert_eq!(f.stage, StageName::Write);
                assert!(reason.contains("no space left"), "{reason}");
            }
            ItemError::Cancelled => {}
            other => panic!("unexpected failure {other:?}: {context}"),
        }
    }
    // Each stage worked on exactly the photos that reached it: those written, those that failed
    // further on, and those that failed in it (cancelled ones were never started there).
    for (stage, figures) in StageName::WORKING.iter().zip(&report.stages) {
        assert_eq!(figures.name, *stage);
        let reached = report.ok
            + report
                .failures
                .iter()
                .filter(|f| {
                    f.stage > *stage
                        || (f.stage == *stage && !matches!(f.error, ItemError::Cancelled))
                })
                .count();
        assert_eq!(figures.items, reached, "{stage}: {context}");
    }
    // On disk: exactly the photos written, complete, and no temporary file.
    let files = files_below(out);
    assert_eq!(files.len(), report.ok, "{files:?}: {context}");
    for file in &files {
        assert!(
            !file.to_string_lossy().contains("fanlight-tmp"),
            "{context}"
        );
        image::open(out.join(file)).unwrap_or_else(|e| panic!("{file:?}: {e}: {context}"));
    }
    // The JSON report says the same.
    let json = fanlight::report::report_json(report);
    let n = |k: &str| json["images"][k].as_u64().unwrap() as usize;
    assert_eq!(
        n("ok") + n("failed") + n("skipped") + n("cancelled"),
        n("total"),
        "{context}"
    );
    assert_eq!(
        json["failures"].as_array().unwrap().len(),
        report.failures.len()
    );
}
