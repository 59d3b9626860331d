//! Where outputs go: `{width}`/`{height}` names known before any work, the input folder never
//! written into without `--in-place`, and `--in-place` replacing inputs atomically.

use std::path::Path;

use crate::common::*;

fn run(root: &Path, args: &[&str]) -> std::process::Output {
    fanlight(args, root)
}

#[test]
fn width_and_height_in_names_are_the_output_size_and_known_at_plan_time() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    // Stored 120x80, EXIF "rotate 90°": upright 80x120, fit in 60 → 40x60.
    write_jpeg(&input.join("sub/turned.jpg"), &picture(120, 80, 0), Some(6));
    write_png(&input.join("flat.png"), &picture(90, 30, 0));
    let args = [
        "convert",
        "in",
        "-o",
        "out",
        "-q",
        "--resize",
        "60",
        "--name",
        "{stem}-{width}x{height}.{ext}",
    ];
    let dry = run(tmp.path(), &[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("turned-40x60.jpg"),
        "{}",
        stdout(&dry)
    );
    assert!(stdout(&dry).contains("flat-60x20.png"), "{}", stdout(&dry));
    assert!(!tmp.path().join("out").exists(), "dry run writes nothing");

    let o = run(tmp.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("out");
    assert_eq!(
        files_below(&out),
        [
            Path::new("flat-60x20.png"),
            Path::new("sub/turned-40x60.jpg")
        ]
    );
    let img = image::open(out.join("sub/turned-40x60.jpg")).unwrap();
    assert_eq!((img.width(), img.height()), (40, 60));

    // The names are known before the work, so a second run can skip by them.
    let again = run(
        tmp.path(),
        &[&args[..], &["--on-exists", "skip", "--dry-run"]].concat(),
    );
    assert_eq!(
        stdout(&again).matches("skipped").count(),
        2,
        "{}",
        stdout(&again)
    );
}

#[test]
fn two_photos_of_one_size_named_by_size_alone_are_refused_before_any_work() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_jpeg(&input.join("a.jpg"), &picture(50, 40, 0), None);
    write_jpeg(&input.join("b.jpg"), &picture(50, 40, 9), None);
    let o = run(
        tmp.path(),
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--name",
            "{width}x{height}.{ext}",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("a.jpg") && err.contains("b.jpg") && err.contains("50x40.jpg"),
        "{err}"
    );
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

#[test]
fn the_input_folder_is_never_written_into_without_in_place() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_jpeg(&input.join("a.jpg"), &picture(50, 40, 0), None);
    let before = std::fs::read(input.join("a.jpg")).unwrap();
    for out in ["in", "in/small", "in/../in/deeper/still"] {
        let o = run(tmp.path(), &["convert", "in", "-o", out, "--format", "png"]);
        assert_eq!(o.status.code(), Some(2), "-o {out}");
        assert!(stderr(&o).contains("--in-place"), "{}", stderr(&o));
        assert_eq!(files_below(&input), [Path::new("a.jpg")], "-o {out}");
    }
    assert_eq!(std::fs::read(input.join("a.jpg")).unwrap(), before);
}

#[test]
fn in_place_replaces_inputs_atomically_and_a_new_format_adds_a_file() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    write_jpeg(&input.join("a.jpg"), &picture(80, 60, 0), None);
    write_png(&input.join("sub/b.png"), &picture(40, 40, 0));
    let o = run(
        tmp.path(),
        &["convert", "in", "--in-place", "--resize", "50%", "-q"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        files_below(&input),
        [Path::new("a.jpg"), Path::new("sub/b.png")],
        "replaced, no temporary files left"
    );
    let a = image::open(input.join("a.jpg")).unwrap();
    assert_eq!((a.width(), a.height()), (40, 30));
    let b = image::open(input.join("sub/b.png")).unwrap();
    assert_eq!((b.width(), b.height()), (20, 20));

    let o = run(
        tmp.path(),
        &["convert", "in", "--in-place", "--format", "webp", "-q"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        files_below(&input),
        [
            Path::new("a.jpg"),
            Path::new("a.webp"),
            Path::new("sub/b.png"),
            Path::new("sub/b.webp")
        ]
    );

    let o = run(tmp.path(), &["convert", "in", "--in-place", "-o", "x"]);
    assert_eq!(o.status.code(), Some(2), "--in-place with -o is refused");
}

#[test]
fn in_place_never_writes_one_input_over_another() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_jpeg(&input.join("a.jpg"), &picture(30, 30, 0), None);
    write_jpeg(&input.join("a-x.jpg"), &picture(30, 30, 50), None);
    let before = std::fs::read(input.join("a-x.jpg")).unwrap();
    // a.jpg would become a-x.jpg, which is another input (itself becoming a-x-x.jpg).
    let o = run(
        tmp.path(),
        &["convert", "in", "--in-place", "--name", "{stem}-x.{ext}"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(input.join("a-x.jpg")).unwrap(), before);
    assert_eq!(files_below(&input).len(), 2, "nothing written");
}
