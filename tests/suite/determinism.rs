//! Output bytes depend only on the photo and the options, never on worker counts or queue sizes.

use std::time::Duration;

use crate::common::*;
use fanlight::{Config, Workers};

fn j1_like(out: &std::path::Path, workers: usize, queue: Option<usize>) -> Config {
    let mut config = Config::new(vec![bundled_photos()], out);
    config.resize = Some("600x600".parse().unwrap());
    config.filters = vec!["unsharp:sigma=1.0,amount=1.0".parse().unwrap()];
    config.watermark = Some(fanlight::WatermarkSpec {
        font_size: 24.0,
        ..fanlight::WatermarkSpec::new("(c) Example")
    });
    config.output.format = fanlight::Format::Jpeg;
    config.workers = Workers::fixed(workers, workers, workers);
    config.queue_capacity = queue;
    config
}

#[test]
fn one_worker_and_eight_workers_write_byte_identical_files() {
    let tmp = tempdir();
    let one = tmp.path().join("one");
    let eight = tmp.path().join("eight");
    let r1 = run_watched(j1_like(&one, 1, Some(1)), Duration::from_secs(120));
    let r8 = run_watched(j1_like(&eight, 8, None), Duration::from_secs(120));
    assert_eq!((r1.ok, r8.ok), (7, 7));
    let files = files_below(&one);
    assert_eq!(files, files_below(&eight));
    for f in &files {
        let a = std::fs::read(one.join(f)).unwrap();
        let b = std::fs::read(eight.join(f)).unwrap();
        assert!(a == b, "{} differs between 1 and 8 workers", f.display());
    }
}

#[test]
fn webp_with_metadata_is_byte_identical_whatever_the_workers() {
    let tmp = tempdir();
    let mut outs = Vec::new();
    for workers in [1, 4] {
        let out = tmp.path().join(format!("w{workers}"));
        let mut config = j1_like(&out, workers, None);
        config.output.format = fanlight::Format::Webp;
        config.output.metadata = fanlight::MetadataMode::Keep;
        assert_eq!(run_watched(config, Duration::from_secs(120)).ok, 7);
        outs.push(out);
    }
    let files = files_below(&outs[0]);
    assert_eq!(files, files_below(&outs[1]));
    for f in &files {
        let a = std::fs::read(outs[0].join(f)).unwrap();
        let b = std::fs::read(outs[1].join(f)).unwrap();
        assert!(a == b, "{} differs between 1 and 4 workers", f.display());
    }
}

#[test]
fn a_decode_memory_budget_changes_the_order_of_work_not_the_bytes() {
    // A one-byte budget lets one decode in at a time (each is larger than the budget and runs
    // alone): every photo is still written, the same bytes as with no budget.
    let tmp = tempdir();
    let free = tmp.path().join("free");
    let tight = tmp.path().join("tight");
    let r1 = run_watched(j1_like(&free, 4, None), Duration::from_secs(120));
    let mut config = j1_like(&tight, 4, None);
    config.decode_memory = Some(1);
    let r2 = run_watched(config, Duration::from_secs(120));
    assert_eq!((r1.ok, r2.ok), (7, 7));
    let files = files_below(&free);
    assert_eq!(files, files_below(&tight));
    for f in &files {
        let a = std::fs::read(free.join(f)).unwrap();
        let b = std::fs::read(tight.join(f)).unwrap();
        assert!(a == b, "{} differs with a decode budget", f.display());
    }
}
