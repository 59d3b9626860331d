//! Output folders that others can write into, or that another run is writing into at the same
//! time: a planted link never redirects a write, a live run's temporary files are left alone,
//! and only a finished photo counts as done.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use crate::common::*;
use fanlight::{Config, OnExists};

const WATCHDOG: Duration = Duration::from_secs(60);

fn one_photo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    write_jpeg(&dir.join("a.jpg"), &picture(64, 48, 1), None);
}

#[test]
fn links_planted_at_temporary_and_output_names_never_redirect_a_write() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    one_photo(&input);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, b"not yours").unwrap();
    // Links at the names earlier versions used for every pid near ours, at names of the current
    // form for this process, and at the output itself.
    let me = std::process::id();
    for pid in me.saturating_sub(50)..me + 50 {
        symlink(&victim, out.join(format!(".a.jpg.{pid}.fanlight-tmp"))).unwrap();
        symlink(&victim, out.join(format!(".a.jpg.0-{pid}-0.fanlight-tmp"))).unwrap();
    }
    symlink(&victim, out.join("a.jpg")).unwrap();

    let report = run_watched(Config::new(vec![input], &out), WATCHDOG);
    assert_eq!((report.ok, report.failed), (1, 0), "{:?}", report.failures);
    assert_eq!(std::fs::read(&victim).unwrap(), b"not yours");
    let written = out.join("a.jpg");
    assert!(
        written.symlink_metadata().unwrap().file_type().is_file(),
        "the output replaced the link instead of writing through it"
    );
    assert!(image::open(&written).is_ok());
    let left: Vec<_> = files_below(&out)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("fanlight-tmp"))
        .collect();
    assert!(
        left.is_empty(),
        "planted links at temporary names are removed: {left:?}"
    );
}

#[test]
fn a_live_runs_temporary_file_is_not_removed_by_a_second_run() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    one_photo(&input);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // What a run still writing `a.jpg` has in the folder: this process is alive, and any host
    // tag that is not this machine's belongs to a run elsewhere.
    let live = out.join(format!(
        ".a.jpg.00000000-{}-12345678.fanlight-tmp",
        std::process::id()
    ));
    std::fs::write(&live, b"being written").unwrap();
    let report = run_watched(Config::new(vec![input], &out), WATCHDOG);
    assert_eq!(report.ok, 1);
    assert_eq!(std::fs::read(&live).unwrap(), b"being written");
}

#[test]
fn with_skip_only_a_regular_file_counts_as_a_finished_output() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    one_photo(&input);
    write_jpeg(&input.join("b.jpg"), &picture(64, 48, 2), None);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("a.jpg")).unwrap(); // a folder in the way
    std::fs::write(out.join("b.jpg"), b"done earlier").unwrap();
    let mut config = Config::new(vec![input], &out);
    config.on_exists = OnExists::Skip;
    let report = run_watched(config, WATCHDOG);
    assert_eq!(report.skipped.len(), 1, "only b.jpg is done");
    assert_eq!(report.skipped.to_vec()[0].1, out.join("b.jpg"));
    assert_eq!(report.failed, 1, "a.jpg is tried, and its write fails");
    let text = report.failures[0].to_string();
    assert!(text.contains("a.jpg"), "{text}");
    assert!(text.contains("a folder is in the way"), "{text}");
    assert!(
        !text.contains("free space"),
        "advice for another cause: {text}"
    );
    assert_eq!(std::fs::read(out.join("b.jpg")).unwrap(), b"done earlier");
}

#[test]
fn the_report_replaces_a_link_at_its_path_instead_of_writing_through_it() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    one_photo(&input);
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, b"not yours").unwrap();
    symlink(&victim, tmp.path().join("report.json")).unwrap();
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--report",
            "report.json",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"not yours");
    let text = std::fs::read_to_string(tmp.path().join("report.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["images"]["ok"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
