//! The command line does what a newcomer expects: no arguments print the usage, paths are
//! checked before any work, `-o NAME.jpg` for one photo writes that file, options that do
//! nothing say so, the extension and the format agree, `--in-place` keeps permissions (and
//! with `--keep-times` the times), two input folders never collide, and a filter that matches
//! nothing is not a success.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::common::*;

/// Runs fanlight as an installed binary would run: without Cargo's variables.
fn bare(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CARGO")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("run fanlight")
}

#[test]
fn no_arguments_print_the_usage_and_write_nothing() {
    let tmp = tempdir();
    // Photos in the current folder must not tempt it either.
    photo_folder(&tmp.path().join("assets/photos"), 2);
    let o = bare(&[], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("Usage: fanlight"), "{}", stderr(&o));
    assert!(!tmp.path().join("output").exists());
    // Cargo running some other package's build is not `cargo run` in fanlight's repository.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .current_dir(tmp.path())
        .env("CARGO", "cargo")
        .env("CARGO_MANIFEST_DIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!tmp.path().join("output").exists());
}

#[test]
fn cargo_run_in_the_repository_runs_the_demo_into_its_own_output_folder() {
    // What `cargo run --release` does at the repository's root, typed from another folder:
    // nothing is written there, the demo goes to the repository's output/ (ignored by git).
    let tmp = tempdir();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .current_dir(tmp.path())
        .env("CARGO", "cargo")
        .env("CARGO_MANIFEST_DIR", repo)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("running the demo"), "{}", stderr(&o));
    assert!(files_below(tmp.path()).is_empty());
    for name in ["astronaut.png", "rocket.jpg"] {
        let img = image::open(repo.join("output").join(name)).expect("demo output decodes");
        assert!(
            img.width() == 400 || img.height() == 400,
            "{name} fits 400x400"
        );
    }
}

#[test]
fn a_bad_report_trace_or_output_path_fails_at_the_start_naming_the_option() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 2);
    std::fs::write(tmp.path().join("afile"), b"x").unwrap();
    for (args, expect) in [
        (
            vec!["--report", "missing/r.json"],
            "--report missing/r.json",
        ),
        (vec!["--report-html", "in"], "--report-html in: is a folder"),
        (vec!["--trace", "afile/t.json"], "--trace afile/t.json"),
        (vec!["-o", "afile/out"], "-o afile/out: afile is a file"),
    ] {
        let mut all = vec!["convert", "in"];
        if args[0] != "-o" {
            all.extend(["-o", "out"]);
        }
        all.extend(&args);
        let o = fanlight(&all, tmp.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("error: {expect}")),
            "{args:?}: {err}"
        );
        assert!(!tmp.path().join("out").exists(), "{args:?}: no work done");
    }
}

#[test]
fn one_photo_with_o_name_ext_writes_that_file_in_that_format() {
    let tmp = tempdir();
    write_jpeg(&tmp.path().join("a.jpg"), &picture(60, 40, 0), None);
    std::fs::create_dir(tmp.path().join("dir")).unwrap();
    let o = fanlight(&["convert", "a.jpg", "-o", "dir/small.png"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("dir/small.png");
    assert!(out.is_file(), "{:?}", files_below(tmp.path()));
    let format = image::ImageReader::open(&out)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .format();
    assert_eq!(format, Some(image::ImageFormat::Png));
    // A one-photo run prints one line, not the stage table; --stats asks for it.
    let err = stderr(&o);
    assert!(err.starts_with("1 photo in "), "{err}");
    assert!(!err.contains("p95"), "{err}");
    assert!(err.contains("output: dir/small.png"), "{err}");
    let o = fanlight(&["convert", "a.jpg", "-o", "a.jpg"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("-o a.jpg is the input itself"),
        "{}",
        stderr(&o)
    );
    let o = fanlight(&["convert", "a.jpg", "-o", "b.jpg", "--stats"], tmp.path());
    assert!(stderr(&o).contains("p95"), "{}", stderr(&o));
    assert!(tmp.path().join("b.jpg").is_file());
}

#[test]
fn a_name_and_a_format_that_disagree_are_refused_before_any_work() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 2);
    for args in [
        vec!["--name", "{stem}.png", "--format", "webp"],
        vec!["--name", "{stem}.gif"],
    ] {
        let mut all = vec!["convert", "in", "-o", "out"];
        all.extend(&args);
        let o = fanlight(&all, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("out/p00."), "{}", stderr(&o));
        assert!(files_below(&tmp.path().join("out")).is_empty());
    }
    // An explicit extension picks the format when --format is not given.
    let o = fanlight(
        &["convert", "in", "-o", "out", "-q", "--name", "{stem}.webp"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(tmp.path().join("out/p00.webp")).unwrap();
    assert_eq!(&bytes[8..12], b"WEBP");
}

#[test]
fn options_that_do_nothing_for_the_output_are_warned_of_one_line_each() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 1);
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--format",
            "png",
            "--quality",
            "90",
            "--progressive",
            "--tile",
            "--font-size",
            "20",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 4, "{err}");
    for option in ["--quality", "--progressive", "--tile", "--font-size"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("warning: {option} does nothing"))),
            "{option}: {err}"
        );
    }
    // Nothing to warn of: no warning; a preset's own options are not the user's doing.
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out2",
            "--format",
            "jpeg",
            "--quality",
            "90",
        ],
        tmp.path(),
    );
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
    let o = fanlight(
        &[
            "convert", "in", "-o", "out3", "--preset", "web", "--format", "png",
        ],
        tmp.path(),
    );
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out4",
            "--format",
            "webp",
            "--lossless",
            "--chroma",
            "444",
        ],
        tmp.path(),
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: --chroma does nothing for WebP"),
        "{err}"
    );
    assert!(!err.contains("--lossless does nothing"), "{err}");
}

#[test]
fn in_place_keeps_the_photo_s_permissions_and_with_keep_times_its_times() {
    let tmp = tempdir();
    let photo = tmp.path().join("p.jpg");
    write_jpeg(&photo, &picture(80, 60, 0), None);
    std::fs::set_permissions(&photo, std::fs::Permissions::from_mode(0o600)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    let times = std::fs::FileTimes::new()
        .set_modified(old)
        .set_accessed(old);
    std::fs::File::options()
        .write(true)
        .open(&photo)
        .unwrap()
        .set_times(times)
        .unwrap();
    let o = fanlight(
        &[
            "convert",
            "p.jpg",
            "--in-place",
            "--keep-times",
            "--resize",
            "40",
            "-q",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = std::fs::metadata(&photo).unwrap();
    assert_eq!(
        image::image_dimensions(&photo).unwrap(),
        (40, 30),
        "replaced"
    );
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.modified().unwrap(), old);
    assert_eq!(meta.accessed().unwrap(), old, "as before fanlight read it");
    // Without --keep-times the output is new.
    let o = fanlight(&["convert", "p.jpg", "--in-place"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("output: beside each input"),
        "{}",
        stderr(&o)
    );
    let meta = std::fs::metadata(&photo).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(meta.modified().unwrap() > old);
}

#[test]
fn same_names_in_two_input_folders_are_mirrored_under_a_folder_each() {
    let tmp = tempdir();
    for (cam, seed) in [("canon", 0), ("sony", 90)] {
        let dir = tmp.path().join("cams").join(cam);
        std::fs::create_dir_all(&dir).unwrap();
        write_jpeg(&dir.join("a.jpg"), &picture(30, 20, seed), None);
    }
    let o = fanlight(
        &["convert", "cams/canon", "cams/sony", "-o", "out", "-q"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files_below(&tmp.path().join("out")),
        [Path::new("canon/a.jpg"), Path::new("sony/a.jpg")]
    );
    // One folder: mirrored at the root of -o, as before.
    let o = fanlight(&["convert", "cams", "-o", "one", "-q"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files_below(&tmp.path().join("one")),
        [Path::new("canon/a.jpg"), Path::new("sony/a.jpg")]
    );
    // A folder given twice is still a true collision, refused before any work.
    let o = fanlight(
        &["convert", "cams/canon", "cams/canon", "-o", "twice"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(files_below(&tmp.path().join("twice")).is_empty());
}

#[test]
fn an_include_that_matches_nothing_says_what_was_searched_and_exits_1() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 2);
    let o = fanlight(
        &["convert", "in", "-o", "out", "--include", "*.JPG"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no photo in in matched --include '*.JPG'"),
        "{err}"
    );
    assert!(!err.contains("p95"), "no table of zeros: {err}");
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let o = fanlight(&["convert", "empty", "-o", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no photos found in empty"),
        "{}",
        stderr(&o)
    );
}
