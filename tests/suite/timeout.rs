//! `timeout`: a photo that takes too long fails with "timed out"; the batch goes on.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use fanlight::{Config, ItemError, RunContext, StageName};

#[test]
fn a_slow_photo_times_out_and_the_others_are_written() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    let photos = photo_folder(&input, 6);
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input.clone()], &out);
    config.timeout = Some(Duration::from_millis(300));
    let ctx = RunContext {
        inject: Some(Arc::new(|stage, id, _| {
            if stage == StageName::Filter && id == 2 {
                std::thread::sleep(Duration::from_millis(600));
            }
        })),
        ..RunContext::default()
    };
    let report = run_watched_with(config, ctx, Duration::from_secs(60));
    assert_eq!(report.ok, 5, "{:?}", report.failures);
    let f = &report.failures[0];
    assert_eq!(f.job.src, photos[2]);
    assert!(matches!(f.error, ItemError::TimedOut(_)), "{}", f.error);
    assert!(f.to_string().contains("timed out"));
    assert_eq!(
        files_below(&out).len(),
        5,
        "no output for the photo that timed out"
    );
}
