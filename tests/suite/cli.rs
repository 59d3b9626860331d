//! The command line end to end: real photos in, checked photos out, clear errors and exit codes.

use crate::common::*;

#[test]
fn converts_the_bundled_photos_within_the_box_as_jpeg() {
    let tmp = tempdir();
    let photos = bundled_photos();
    let out = tmp.path().join("out");
    let o = fanlight(
        &[
            "convert",
            photos.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--resize",
            "300x300",
            "--filter",
            "unsharp:sigma=1.0,amount=1.0",
            "--watermark",
            "(c) Example",
            "--font-size",
            "20",
            "--opacity",
            "0.5",
            "--gravity",
            "bottom-right",
            "--margin",
            "8",
            "--format",
            "jpeg",
            "--quality",
            "85",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = files_below(&out);
    assert_eq!(files.len(), 7, "{files:?}");
    for f in files {
        assert_eq!(f.extension().unwrap(), "jpg");
        let img = image::open(out.join(&f)).expect("output decodes");
        assert!(img.width() <= 300 && img.height() <= 300, "{}", f.display());
        assert!(
            img.width() == 300 || img.height() == 300,
            "{} fits the box",
            f.display()
        );
    }
    let err = stderr(&o);
    assert!(err.contains("7 written, 0 failed"), "{err}");
    for stage in ["load", "resize", "filter", "watermark", "write"] {
        assert!(err.contains(stage), "summary names stage {stage}: {err}");
    }
    assert!(
        !err.contains('\x1b') && !err.contains('\r'),
        "no control characters off a terminal"
    );
}

#[test]
fn an_undecodable_file_is_named_and_the_rest_are_written_with_exit_1() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 3);
    std::fs::write(input.join("truncated.jpg"), b"\xff\xd8\xff\xdb\x00\x43\x00").unwrap();
    let out = tmp.path().join("out");
    let o = fanlight(&["convert", "in", "-o", "out", "-q"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("truncated.jpg") && err.contains("load"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "quiet prints only the error: {err}");
    assert_eq!(files_below(&out).len(), 3);
    assert!(!out.join("truncated.jpg").exists());
}

#[test]
fn invalid_options_get_an_error_naming_the_option_and_exit_2() {
    let tmp = tempdir();
    for (args, expect) in [
        (vec!["--resize", "big"], "--resize"),
        (vec!["--filter", "sharpness"], "unknown filter"),
        (vec!["--filter", "blur:radius=3"], "radius"),
        (vec!["--gravity", "middle-left"], "bottom-right"),
        (vec!["--quality", "0"], "1 to 100"),
        (vec!["--opacity", "2"], "0 to 1"),
        (vec!["--color", "#12345"], "#RRGGBB"),
        (vec!["--workers", "0"], "--workers"),
    ] {
        let mut all = vec!["convert", "x.jpg"];
        all.extend(&args);
        let o = fanlight(&all, tmp.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.contains(expect), "{args:?}: {err}");
        assert!(err.contains("'fanlight convert --help'"), "{args:?}: {err}");
    }
}

#[test]
fn a_missing_input_or_unreadable_font_is_a_setup_error() {
    let tmp = tempdir();
    let o = fanlight(&["convert", "nope/"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));

    photo_folder(&tmp.path().join("in"), 1);
    let o = fanlight(
        &["convert", "in", "--watermark", "x", "--font", "in/p00.jpg"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("p00.jpg") && stderr(&o).contains("font"),
        "{}",
        stderr(&o)
    );
    assert!(
        !tmp.path().join("output/p00.jpg").exists(),
        "nothing written on a setup error"
    );
}

#[test]
fn two_inputs_for_one_output_are_refused_before_any_work() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_png(&input.join("a.png"), &picture(8, 8, 0));
    write_jpeg(&input.join("a.jpg"), &picture(8, 8, 0), None);
    let o = fanlight(&["convert", "in", "--format", "jpeg"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("a.png") && err.contains("a.jpg"), "{err}");
    assert!(files_below(&tmp.path().join("output")).is_empty());
}
