//! Presets: `--preset NAME|FILE.toml` gives defaults, command-line options win, built-ins are
//! listed by `fanlight presets`, and a bad preset is refused naming the file and the key.

use std::path::Path;

use crate::common::*;
use image::{ImageFormat, Rgba, RgbaImage};

/// A folder `in/` holding one 800×600 PNG photo.
fn setup() -> tempfile::TempDir {
    let tmp = tempdir();
    std::fs::create_dir(tmp.path().join("in")).unwrap();
    write_png(&tmp.path().join("in/photo.png"), &picture(800, 600, 0));
    tmp
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = fanlight(args, dir);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let out = fanlight(args, dir);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(!dir.join("out").exists(), "{args:?}: nothing written");
    stderr(&out)
}

/// Size and format of the one output in `dir/out`.
fn result(dir: &Path, name: &str) -> ((u32, u32), ImageFormat) {
    let reader = image::ImageReader::open(dir.join("out").join(name))
        .unwrap()
        .with_guessed_format()
        .unwrap();
    let format = reader.format().unwrap();
    let img = reader.decode().unwrap();
    ((img.width(), img.height()), format)
}

#[test]
fn the_thumbnail_preset_makes_square_jpegs() {
    let tmp = setup();
    let dir = tmp.path();
    run_ok(
        dir,
        &["convert", "in", "-o", "out", "-q", "--preset", "thumbnail"],
    );
    assert_eq!(result(dir, "photo.jpg"), ((320, 320), ImageFormat::Jpeg));
}

#[test]
fn the_srcset_preset_defines_a_whole_set_of_widths_and_formats() {
    let tmp = setup();
    let dir = tmp.path();
    // The 800 px photo: 1920 and 1280 give its own width once; a --format typed wins.
    run_ok(
        dir,
        &["convert", "in", "-o", "out", "-q", "--preset", "srcset"],
    );
    let names: Vec<String> = files_below(&dir.join("out"))
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "photo-320.jpg",
            "photo-320.webp",
            "photo-640.jpg",
            "photo-640.webp",
            "photo-800.jpg",
            "photo-800.webp"
        ]
    );
    assert_eq!(
        result(dir, "photo-640.webp"),
        ((640, 480), ImageFormat::WebP)
    );
    run_ok(
        dir,
        &[
            "convert", "in", "-o", "out2", "-q", "--preset", "srcset", "--format", "png,jpeg",
        ],
    );
    assert!(dir.join("out2/photo-320.png").exists());
    assert!(!dir.join("out2/photo-320.webp").exists());
}

#[test]
fn command_line_options_win_over_the_preset() {
    let tmp = setup();
    let dir = tmp.path();
    run_ok(
        dir,
        &[
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--preset",
            "thumbnail",
            "--resize",
            "100x50",
            "--format",
            "png",
        ],
    );
    assert_eq!(result(dir, "photo.png"), ((100, 50), ImageFormat::Png));
    // An option that conflicts with the preset's (strip) replaces it instead of clashing,
    // whichever side declares the conflict.
    for flag in ["--keep-metadata", "--strip-raw"] {
        std::fs::remove_dir_all(dir.join("out")).unwrap();
        let args = [
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--preset",
            "thumbnail",
            flag,
        ];
        run_ok(dir, &args);
        assert_eq!(result(dir, "photo.jpg").0, (320, 320), "{flag}");
    }
}

#[test]
fn a_preset_file_holds_any_convert_options_with_paths_relative_to_it() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("presets")).unwrap();
    RgbaImage::from_pixel(40, 20, Rgba([255, 255, 255, 255]))
        .save(dir.join("presets/logo.png"))
        .unwrap();
    std::fs::write(
        dir.join("presets/card.toml"),
        r##"
# Cards: 300x200 padded, a logo, PNG.
resize = "300x200"
fit = "contain"
background = "#000000"
gravity = "left"
format = "png"
enlarge = true
watermark-image = "logo.png"
watermark_scale = 0.1
opacity = 1.0
watermark-gravity = "top-right"
margin = 0
filter = ["grayscale"]
"##,
    )
    .unwrap();
    run_ok(
        dir,
        &[
            "convert",
            "in",
            "-o",
            "out",
            "-q",
            "--preset",
            "presets/card.toml",
        ],
    );
    assert_eq!(result(dir, "photo.png"), ((300, 200), ImageFormat::Png));
    let img = image::open(dir.join("out/photo.png")).unwrap().to_rgb8();
    // 800x600 in 300x200: 267x200 at the left, black padding on the right, the logo (30x15)
    // in the top-right corner.
    assert_eq!(img.get_pixel(280, 100).0, [0, 0, 0], "padding");
    assert_eq!(img.get_pixel(295, 5).0, [255, 255, 255], "logo");
    let p = img.get_pixel(100, 150).0;
    assert!(p[0] == p[1] && p[1] == p[2], "grayscale filter: {p:?}");
}

#[test]
fn repeated_options_on_the_command_line_replace_the_presets_list() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(
        dir.join("bw.toml"),
        "filter = [\"grayscale\"]\nformat = \"png\"\n",
    )
    .unwrap();
    run_ok(
        dir,
        &["convert", "in", "-o", "out", "-q", "--preset", "bw.toml"],
    );
    let grey = image::open(dir.join("out/photo.png")).unwrap().to_rgb8();
    assert!(grey.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    run_ok(
        dir,
        &[
            "convert", "in", "-o", "out", "-q", "--preset", "bw.toml", "--filter", "invert",
        ],
    );
    let colour = image::open(dir.join("out/photo.png")).unwrap().to_rgb8();
    assert!(
        colour.pixels().any(|p| p[0] != p[1]),
        "grayscale replaced by invert"
    );
}

#[test]
fn a_bad_preset_is_refused_naming_the_file_and_the_key() {
    let tmp = setup();
    let dir = tmp.path();
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "typo.toml",
            "qualty = 80\n",
            &["typo.toml", "unknown key 'qualty'"],
        ),
        (
            "range.toml",
            "quality = 300\n",
            &["range.toml", "--quality", "300"],
        ),
        (
            "switch.toml",
            "strip = \"yes\"\n",
            &["switch.toml", "strip is a switch"],
        ),
        (
            "list.toml",
            "quality = [1, 2]\n",
            &["list.toml", "one value"],
        ),
        (
            "broken.toml",
            "quality = \n",
            &["broken.toml", "not valid TOML"],
        ),
        (
            "nested.toml",
            "preset = \"web\"\n",
            &["nested.toml", "unknown key 'preset'"],
        ),
    ];
    for (file, text, expect) in cases {
        std::fs::write(dir.join(file), text).unwrap();
        let err = refused(dir, &["convert", "in", "-o", "out", "--preset", file]);
        for e in expect {
            assert!(err.contains(e), "{file}: {err}");
        }
    }
    let err = refused(
        dir,
        &["convert", "in", "-o", "out", "--preset", "missing.toml"],
    );
    assert!(
        err.contains("missing.toml") && err.contains("cannot read"),
        "{err}"
    );
    let err = refused(dir, &["convert", "in", "-o", "out", "--preset", "webb"]);
    assert!(
        err.contains("'webb'") && err.contains("web, thumbnail, srcset, archive"),
        "{err}"
    );
}

#[test]
fn presets_lists_the_builtins_and_prints_one_as_a_usable_file() {
    let tmp = setup();
    let dir = tmp.path();
    let out = fanlight(&["presets"], dir);
    assert!(out.status.success());
    let list = stdout(&out);
    for name in ["web", "thumbnail", "srcset", "archive"] {
        assert!(
            list.contains(&format!("\n{name}\n")) || list.starts_with(name),
            "{list}"
        );
    }
    assert!(
        list.contains("--fit=cover") && list.contains("--quality=82"),
        "{list}"
    );

    // `presets web` printed into a file gives the same bytes as `--preset web`.
    let out = fanlight(&["presets", "web"], dir);
    assert!(out.status.success());
    std::fs::write(dir.join("web.toml"), &out.stdout).unwrap();
    run_ok(dir, &["convert", "in", "-o", "a", "-q", "--preset", "web"]);
    run_ok(
        dir,
        &["convert", "in", "-o", "b", "-q", "--preset", "web.toml"],
    );
    let a = std::fs::read(dir.join("a/photo.jpg")).unwrap();
    let b = std::fs::read(dir.join("b/photo.jpg")).unwrap();
    assert!(a == b, "same preset, same bytes");
    assert_eq!(fanlight(&["presets", "nope"], dir).status.code(), Some(2));
}
