//! The pipeline's promises: every input ends exactly once, whatever the worker counts and queue
//! sizes, and neither errors nor panics nor cancellation lose or duplicate an item or hang.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use fanlight::{CancelReason, Config, ItemError, RunContext, StageName, Workers};

const WATCHDOG: Duration = Duration::from_secs(60);

fn config_for(dir: &std::path::Path, out: &std::path::Path) -> Config {
    let mut config = Config::new(vec![dir.to_path_buf()], out);
    config.resize = Some("32x32".parse().unwrap());
    config.filters = vec!["unsharp".parse().unwrap(), "sepia:0.5".parse().unwrap()];
    config.watermark = Some(fanlight::WatermarkSpec {
        font_size: 10.0,
        margin: 2,
        ..fanlight::WatermarkSpec::new("(c)")
    });
    config
}

fn assert_each_item_once(report: &fanlight::Report) {
    assert_eq!(report.ok + report.failed + report.cancelled, report.total);
    let ids: HashSet<usize> = report.failures.iter().map(|f| f.job.id).collect();
    assert_eq!(ids.len(), report.failures.len(), "an item failed twice");
}

#[test]
fn every_input_ends_exactly_once_with_queue_capacity_1_and_1_to_16_workers() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 12);
    std::fs::write(
        input.join("broken.jpg"),
        b"\xff\xd8\xff\xe0 not really a jpeg",
    )
    .unwrap();
    std::fs::write(input.join("sub/empty.png"), b"").unwrap();

    for workers in [1, 2, 3, 5, 8, 16] {
        let out = tmp.path().join(format!("out{workers}"));
        let mut config = config_for(&input, &out);
        config.queue_capacity = Some(1);
        config.workers = Workers::fixed(workers, workers, workers.div_ceil(2));
        let report = run_watched(config, WATCHDOG);
        assert_eq!(report.total, 14, "workers {workers}");
        assert_eq!(report.ok, 12, "workers {workers}: {:?}", report.failures);
        assert_eq!(report.failed, 2);
        assert_each_item_once(&report);
        assert_eq!(files_below(&out).len(), 12, "one output per good photo");
        for stage in &report.stages {
            let expected = if stage.name == StageName::Load {
                14
            } else {
                12
            };
            assert_eq!(
                stage.items, expected,
                "{} with {workers} workers",
                stage.name
            );
        }
    }
}

#[test]
fn a_failed_item_reaches_collect_with_its_path_stage_and_reason() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 3);
    let bad = input.join("zz-not-a-photo.png");
    std::fs::write(&bad, b"<html>this is a web page</html>").unwrap();
    let report = run_watched(config_for(&input, &tmp.path().join("out")), WATCHDOG);
    assert_eq!(report.ok, 3);
    let failure = &report.failures[0];
    assert_eq!(failure.job.src, bad);
    assert_eq!(failure.stage, StageName::Load);
    assert!(
        matches!(failure.error, ItemError::UnknownFormat(_)),
        "{:?}",
        failure.error
    );
    assert!(failure.to_string().contains("zz-not-a-photo.png"));
}

#[test]
fn a_panic_in_any_stage_fails_only_that_item() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 6);
    for stage in StageName::WORKING {
        let out = tmp.path().join(format!("out-{stage}"));
        let mut config = config_for(&input, &out);
        config.workers = Workers::fixed(2, 2, 2);
        let ctx = RunContext {
            inject: Some(Arc::new(move |s, id, _| {
                if s == stage && id == 3 {
                    panic!("injected fault");
                }
            })),
            ..RunContext::default()
        };
        let report = run_watched_with(config, ctx, WATCHDOG);
        assert_eq!(report.ok, 5, "{stage}");
        assert_eq!(report.failures.len(), 1);
        let f = &report.failures[0];
        assert_eq!((f.job.id, f.stage), (3, stage));
        match &f.error {
            ItemError::Panic(msg) => {
                assert!(
                    msg.contains("injected fault") && msg.contains(stage.as_str()),
                    "{msg}"
                )
            }
            other => panic!("expected a panic failure, got {other:?}"),
        }
        assert_eq!(files_below(&out).len(), 5);
    }
}

#[test]
fn cancelling_mid_run_drains_cleanly_and_accounts_for_every_item() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 20);
    let out = tmp.path().join("out");
    let mut config = config_for(&input, &out);
    config.queue_capacity = Some(1);
    let mut ctx = RunContext::default();
    let token = ctx.cancel.clone();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    ctx.inject = Some(Arc::new(move |s, _, _| {
        if s == StageName::Write && counter.fetch_add(1, Ordering::SeqCst) == 2 {
            token.cancel(CancelReason::Interrupted);
        }
    }));
    let report = run_watched_with(config, ctx, WATCHDOG);
    assert_each_item_once(&report);
    assert_eq!(report.cancel_reason, Some(CancelReason::Interrupted));
    assert!(
        report.ok >= 3 && report.cancelled > 0,
        "ok {} cancelled {}",
        report.ok,
        report.cancelled
    );
    let written = files_below(&out);
    assert_eq!(
        written.len(),
        report.ok,
        "only finished photos are on disk: {written:?}"
    );
    assert!(written
        .iter()
        .all(|p| !p.to_string_lossy().contains("fanlight-tmp")));
}

#[test]
fn fail_fast_cancels_the_rest_after_the_first_failure() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 10);
    std::fs::write(input.join("a-first-and-broken.jpg"), b"garbage").unwrap();
    let mut config = config_for(&input, &tmp.path().join("out"));
    config.fail_fast = true;
    config.workers = Workers::fixed(1, 1, 1);
    config.queue_capacity = Some(1);
    let report = run_watched(config, WATCHDOG);
    assert_each_item_once(&report);
    assert_eq!(report.cancel_reason, Some(CancelReason::FailFast));
    assert_eq!(report.failed, 1);
    assert!(report.cancelled > 0, "{report:?}");
}
