//! Ctrl-C (SIGINT) mid-batch: exit 130 within seconds, no temporary files, and every output that
//! exists decodes completely.
#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn sigint_mid_batch_exits_130_leaving_only_complete_outputs() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..40 {
        for name in ["retina.jpg", "hubble_deep_field.jpg"] {
            std::fs::copy(
                bundled_photos().join(name),
                input.join(format!("{i:02}-{name}")),
            )
            .unwrap();
        }
    }
    let out = tmp.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args([
            "convert",
            "in",
            "-o",
            "out",
            "--filter",
            "blur:sigma=8",
            "--format",
            "png",
        ])
        .current_dir(tmp.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first outputs appear, so the run is surely mid-batch.
    let started = Instant::now();
    while files_below(&out).is_empty() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let interrupted = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            interrupted.elapsed() < Duration::from_secs(10),
            "did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let files = files_below(&out);
    assert!(files.len() < 80, "the run was cut short");
    for f in &files {
        assert!(
            !f.to_string_lossy().contains("fanlight-tmp"),
            "temporary file left: {}",
            f.display()
        );
        image::open(out.join(f)).unwrap_or_else(|e| panic!("{} is incomplete: {e}", f.display()));
    }
}
