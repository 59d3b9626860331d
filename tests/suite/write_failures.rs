//! Write failures (a read-only folder, a full disk, an over-long name) fail only the photo
//! concerned, name its output and the reason, leave no temporary file, and the rest of the batch
//! is written.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use fanlight::{Config, ItemError, RunContext, StageName};

const WATCHDOG: Duration = Duration::from_secs(60);

/// `in/a.png`, `in/ro/b.jpg`, `in/ro/c.png`, `in/z.jpg`.
fn four_photos(input: &Path) {
    std::fs::create_dir_all(input.join("ro")).unwrap();
    write_png(&input.join("a.png"), &picture(20, 10, 1));
    write_jpeg(&input.join("ro/b.jpg"), &picture(16, 12, 2), None);
    write_png(&input.join("ro/c.png"), &picture(10, 10, 3));
    write_jpeg(&input.join("z.jpg"), &picture(12, 20, 4), None);
}

fn assert_written_only(out: &Path, expected: &[&str]) {
    let found = files_below(out);
    let expected: Vec<PathBuf> = expected.iter().map(PathBuf::from).collect();
    assert_eq!(found, expected, "no temporary or partial files remain");
}

fn set_mode(dir: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether this process can create files in `dir` despite its permissions (root can).
fn permissions_ignored(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let ignored = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(probe);
    ignored
}

#[test]
fn a_read_only_output_folder_fails_its_photos_with_permission_denied_and_the_rest_are_written() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    four_photos(&input);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("ro")).unwrap();
    set_mode(&out.join("ro"), 0o555);
    let config = Config::new(vec![input], &out);
    let mut ctx = RunContext::default();
    let privileged = permissions_ignored(&out.join("ro"));
    if privileged {
        // Root writes into read-only folders, so the refusal the kernel would give anyone else
        // comes from the write seam instead, at the same point (the temporary file is open).
        eprintln!("running with privileges that ignore folder permissions: EACCES is injected");
        ctx.write_fault = Some(Arc::new(|tmp: &Path| {
            if tmp.parent().is_some_and(|p| p.ends_with("ro")) {
                Err(std::io::Error::from_raw_os_error(libc::EACCES))
            } else {
                Ok(())
            }
        }));
    }
    let report = run_watched_with(config, ctx, WATCHDOG);
    set_mode(&out.join("ro"), 0o755);
    assert_eq!((report.ok, report.failed), (2, 2), "{:#?}", report.failures);
    for (failure, name) in report.failures.iter().zip(["ro/b.jpg", "ro/c.png"]) {
        assert_eq!(failure.stage, StageName::Write);
        assert!(matches!(failure.error, ItemError::Write { .. }));
        let text = failure.to_string();
        assert!(
            text.contains(&out.join(name).display().to_string()),
            "{text}"
        );
        assert!(text.contains("permission denied"), "{text}");
    }
    assert_written_only(&out, &["a.png", "z.jpg"]);

    if !privileged {
        // The command line says the same and exits 1.
        set_mode(&out.join("ro"), 0o555);
        let o = fanlight(&["convert", "in", "-o", "out"], tmp.path());
        set_mode(&out.join("ro"), 0o755);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.lines()
                .any(|l| l.contains("ro/b.jpg") && l.contains("permission denied")),
            "{err}"
        );
    }
}

#[test]
fn a_full_disk_fails_the_photo_and_removes_its_temporary_file() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    four_photos(&input);
    let out = tmp.path().join("out");
    let temps = Arc::new(Mutex::new(Vec::new()));
    let seen = temps.clone();
    let config = Config::new(vec![input], &out);
    let ctx = RunContext {
        write_fault: Some(Arc::new(move |tmp: &Path| {
            assert!(
                tmp.is_file(),
                "the seam runs while the temporary file exists"
            );
            if tmp.to_string_lossy().contains("c.png") {
                seen.lock().unwrap().push(tmp.to_path_buf());
                return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
            }
            Ok(())
        })),
        ..RunContext::default()
    };
    let report = run_watched_with(config, ctx, WATCHDOG);
    assert_eq!((report.ok, report.failed), (3, 1), "{:#?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!(failure.stage, StageName::Write);
    let text = failure.to_string();
    assert!(text.contains("no space left"), "{text}");
    assert!(text.contains(&out.join("ro/c.png").display().to_string()));
    let temps = temps.lock().unwrap();
    assert_eq!(temps.len(), 1);
    assert!(!temps[0].exists(), "temporary file removed");
    assert_written_only(&out, &["a.png", "ro/b.jpg", "z.jpg"]);
}

#[test]
fn an_over_long_output_name_fails_that_photo_and_a_255_byte_name_is_written() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let suffix = "x".repeat(50);
    // With the template below: 1 + 1 + 50 + 4 bytes, 200 + 55 = 255 bytes, 210 + 55 = 265.
    let names = ["a".to_string(), "m".repeat(200), "z".repeat(210)];
    for (i, stem) in names.iter().enumerate() {
        write_png(&input.join(format!("{stem}.png")), &picture(8, 8, i as u8));
    }
    let template = format!("{{stem}}-{suffix}.{{ext}}");
    let o = fanlight(
        &["convert", "in", "-o", "out", "--name", &template],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let long = format!("{}-{suffix}.png", names[2]);
    assert!(
        err.lines()
            .any(|l| l.contains(&long) && l.contains("file name is too long")),
        "{err}"
    );
    assert!(err.contains("2 written, 1 failed"), "{err}");
    let kept = [
        format!("{}-{suffix}.png", names[0]),
        format!("{}-{suffix}.png", names[1]),
    ];
    assert_eq!(kept[1].len(), 255);
    assert_written_only(
        &tmp.path().join("out"),
        &kept.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

#[test]
fn a_name_template_that_is_a_path_is_refused_before_any_work() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_png(&input.join("a.png"), &picture(8, 8, 0));
    for template in ["../{stem}.{ext}", "/tmp/{stem}.{ext}", ""] {
        let o = fanlight(
            &["convert", "in", "-o", "out", "--name", template],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(2), "{template:?}");
        assert!(stderr(&o).contains("name template"), "{}", stderr(&o));
        let mut config = Config::new(vec![input.clone()], tmp.path().join("out"));
        config.name_template = template.to_string();
        assert!(matches!(
            fanlight::run(&config),
            Err(fanlight::Error::Invalid(_))
        ));
    }
    assert!(!tmp.path().join("out").exists() && !tmp.path().join("a.png").exists());
}
