//! Resize modes: `--fit inside|cover|fill|contain|outside`, ImageMagick's suffixes (`100x100^`), `--gravity` for the crop and the padding,
//! `--background`, and `--resize N` as the long edge. Photos are made in the tests.

use std::path::Path;

use crate::common::*;
use image::{Rgb, RgbImage, RgbaImage};

/// 400×200: a red quarter on the left, green in the middle half, a blue quarter on the right.
fn bands(path: &Path) {
    let img = RgbImage::from_fn(400, 200, |x, _| match x {
        0..100 => Rgb([255, 0, 0]),
        100..300 => Rgb([0, 255, 0]),
        _ => Rgb([0, 0, 255]),
    });
    write_png(path, &img);
}

fn convert(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["convert", "in", "-o", "out", "-q"];
    args.extend_from_slice(extra);
    let out = fanlight(&args, dir);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn output(dir: &Path, name: &str) -> RgbaImage {
    image::open(dir.join("out").join(name))
        .expect("output decodes")
        .to_rgba8()
}

/// Which band colour a pixel is closest to: 'r', 'g', 'b', or '?' for anything else.
fn band(p: &image::Rgba<u8>) -> char {
    match p.0 {
        [r, g, b, 255] if r > 200 && g < 40 && b < 40 => 'r',
        [r, g, b, 255] if g > 200 && r < 40 && b < 40 => 'g',
        [r, g, b, 255] if b > 200 && r < 40 && g < 40 => 'b',
        _ => '?',
    }
}

/// The band letters along the middle row, at eight evenly spaced columns.
fn row_bands(img: &RgbaImage) -> String {
    let y = img.height() / 2;
    (0..8)
        .map(|i| band(img.get_pixel(i * img.width() / 8 + img.width() / 16, y)))
        .collect()
}

fn setup() -> tempfile::TempDir {
    let tmp = tempdir();
    std::fs::create_dir(tmp.path().join("in")).unwrap();
    bands(&tmp.path().join("in/bands.png"));
    tmp
}

#[test]
fn cover_fills_the_box_and_crops_at_the_gravity() {
    let tmp = setup();
    let dir = tmp.path();
    for (gravity, expect) in [
        ("center", "gggggggg"),
        ("left", "rrrrgggg"),
        ("right", "ggggbbbb"),
    ] {
        convert(
            dir,
            &[
                "--resize",
                "100x100",
                "--fit",
                "cover",
                "--gravity",
                gravity,
            ],
        );
        let img = output(dir, "bands.png");
        assert_eq!(img.dimensions(), (100, 100), "{gravity}");
        assert_eq!(row_bands(&img), expect, "{gravity}");
    }
}

#[test]
fn cover_never_enlarges_unless_asked() {
    let tmp = setup();
    let dir = tmp.path();
    convert(dir, &["--resize", "300x300", "--fit", "cover"]);
    // Scale 1: the centre 300x200 is cut out as it is.
    let img = output(dir, "bands.png");
    assert_eq!(img.dimensions(), (300, 200));
    assert_eq!(band(img.get_pixel(49, 100)), 'r');
    assert_eq!(band(img.get_pixel(50, 100)), 'g');
    assert_eq!(band(img.get_pixel(250, 100)), 'b');
    convert(dir, &["--resize", "300x300", "--fit", "cover", "--enlarge"]);
    assert_eq!(output(dir, "bands.png").dimensions(), (300, 300));
}

#[test]
fn fill_stretches_to_exactly_the_box() {
    let tmp = setup();
    let dir = tmp.path();
    convert(dir, &["--resize", "80x160", "--fit", "fill"]);
    let img = output(dir, "bands.png");
    assert_eq!(img.dimensions(), (80, 160));
    assert_eq!(row_bands(&img), "rrggggbb");
}

#[test]
fn contain_pads_with_the_background_at_the_gravity() {
    let tmp = setup();
    let dir = tmp.path();
    convert(
        dir,
        &[
            "--resize",
            "100x100",
            "--fit",
            "contain",
            "--background",
            "#ff00ff",
        ],
    );
    let img = output(dir, "bands.png");
    assert_eq!(img.dimensions(), (100, 100));
    // The picture is 100x50, centred: 25 rows of padding above and below.
    assert_eq!(img.get_pixel(50, 10).0, [255, 0, 255, 255]);
    assert_eq!(img.get_pixel(50, 90).0, [255, 0, 255, 255]);
    assert_eq!(row_bands(&img), "rrggggbb");

    convert(
        dir,
        &[
            "--resize",
            "100x100",
            "--fit",
            "contain",
            "--background",
            "transparent",
            "--gravity",
            "top",
        ],
    );
    let img = output(dir, "bands.png");
    assert_eq!(img.get_pixel(50, 10).0[3], 255, "picture at the top");
    assert_eq!(
        img.get_pixel(50, 90).0,
        [0, 0, 0, 0],
        "transparent padding below"
    );
}

#[test]
fn contain_onto_jpeg_flattens_transparent_padding_onto_white() {
    let tmp = setup();
    let dir = tmp.path();
    convert(
        dir,
        &[
            "--resize",
            "100x100",
            "--fit",
            "contain",
            "--background",
            "transparent",
            "--format",
            "jpeg",
        ],
    );
    let img = output(dir, "bands.jpg");
    let p = img.get_pixel(50, 5).0;
    assert!(p.iter().all(|&v| v > 245), "{p:?}");
}

#[test]
fn a_bare_number_bounds_the_long_edge_of_portrait_photos_too() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("in")).unwrap();
    write_png(&dir.join("in/tall.png"), &picture(200, 400, 0));
    write_png(&dir.join("in/wide.png"), &picture(400, 200, 0));
    convert(dir, &["--resize", "100"]);
    assert_eq!(output(dir, "tall.png").dimensions(), (50, 100));
    assert_eq!(output(dir, "wide.png").dimensions(), (100, 50));
    // `Wx` is the width only.
    convert(dir, &["--resize", "100x"]);
    assert_eq!(output(dir, "tall.png").dimensions(), (100, 200));
}

#[test]
fn modes_that_need_a_box_refuse_a_percentage_before_any_work() {
    let tmp = setup();
    let dir = tmp.path();
    let out = fanlight(
        &[
            "convert", "in", "-o", "out", "--resize", "50%", "--fit", "cover",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--fit cover needs a box"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("out/bands.png").exists());
    let out = fanlight(&["convert", "in", "--fit", "crop"], dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("inside, cover, fill, contain or outside"));
}

#[test]
fn outside_covers_the_box_without_cropping() {
    let tmp = setup();
    let dir = tmp.path();
    // 400x200 into 100x100: the height fits, the width is 200, all three bands kept.
    convert(dir, &["--resize", "100x100", "--fit", "outside"]);
    let img = output(dir, "bands.png");
    assert_eq!(img.dimensions(), (200, 100));
    assert_eq!(row_bands(&img), "rrggggbb");
    // ImageMagick's ^ says the same.
    convert(dir, &["--resize", "100x100^"]);
    assert_eq!(output(dir, "bands.png").dimensions(), (200, 100));
}

#[test]
fn imagemagick_suffixes_pick_the_fit() {
    let tmp = setup();
    let dir = tmp.path();
    for (spec, size) in [
        ("80x160!", (80, 160)),
        ("1000x1000>", (400, 200)),
        ("1000x1000<", (1000, 500)),
        ("200x200>", (200, 100)),
        ("200x200<", (400, 200)),
    ] {
        convert(dir, &["--resize", spec]);
        assert_eq!(output(dir, "bands.png").dimensions(), size, "{spec}");
    }
}

#[test]
fn a_suffix_that_contradicts_the_fit_is_refused_before_any_work() {
    let tmp = setup();
    let dir = tmp.path();
    for (args, says) in [
        (
            &["--resize", "100x100!", "--fit", "cover"][..],
            "the resize suffix ! (exactly the box, as fit fill) contradicts --fit cover",
        ),
        (
            &["--resize", "100x100>", "--enlarge", "--dry-run"][..],
            "the resize suffix > (shrink only) contradicts --enlarge",
        ),
        (
            &["--resize", "100x100?"][..],
            "'?' is not a suffix fanlight knows; after a box: > (shrink only)",
        ),
    ] {
        let mut argv = vec!["convert", "in", "-o", "out"];
        argv.extend_from_slice(args);
        let out = fanlight(&argv, dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(!dir.join("out/bands.png").exists());
    }
}

/// Where the white ink of a watermark is on a black photo: (mean x, mean y) as fractions.
fn ink_centre(img: &RgbaImage) -> (f64, f64) {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] > 128 {
            sx += f64::from(x);
            sy += f64::from(y);
            n += 1.0;
        }
    }
    assert!(n > 0.0, "no ink");
    (
        sx / n / f64::from(img.width()),
        sy / n / f64::from(img.height()),
    )
}

#[test]
fn gravity_places_the_watermark_unless_watermark_gravity_overrides_it() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("in")).unwrap();
    write_png(&dir.join("in/black.png"), &RgbImage::new(300, 200));
    let mark = ["--watermark", "MARK", "--font-size", "20", "--opacity", "1"];
    let run = |extra: &[&str]| {
        let mut args = mark.to_vec();
        args.extend_from_slice(extra);
        convert(dir, &args);
        ink_centre(&output(dir, "black.png"))
    };
    let (x, y) = run(&[]);
    assert!(x > 0.6 && y > 0.6, "default bottom-right: {x} {y}");
    let (x, y) = run(&["--gravity", "top-left"]);
    assert!(x < 0.4 && y < 0.4, "--gravity moves the watermark: {x} {y}");
    let (x, y) = run(&["--gravity", "top-left", "--watermark-gravity", "bottom"]);
    assert!((0.4..0.6).contains(&x) && y > 0.6, "override: {x} {y}");
}

#[test]
fn jpegs_shrunk_on_load_come_out_at_the_sizes_a_full_decode_gives() {
    // JPEG widths whose DCT-scaled size rounds the mapped region a hair past the smaller frame
    // (29 at 1/2 is 15, and 29 × 15/29 is 15.000000000000002 in floating point), in every fit
    // mode, with and without EXIF 6, against the same runs with --no-shrink-on-load.
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("in")).unwrap();
    for (w, h) in [(29, 29), (58, 25), (203, 97), (51, 50)] {
        write_jpeg(
            &dir.join(format!("in/p{w}x{h}.jpg")),
            &picture(w, h, 3),
            None,
        );
        write_jpeg(
            &dir.join(format!("in/r{w}x{h}.jpg")),
            &picture(w, h, 5),
            Some(6),
        );
    }
    for (fit, size) in [
        ("cover", "9x9"),
        ("inside", "9x9"),
        ("fill", "6x3"),
        ("contain", "9x5"),
        ("outside", "5x5"),
        ("inside", "3x3"),
    ] {
        let sizes = |extra: &[&str]| {
            let out = dir.join("out");
            let _ = std::fs::remove_dir_all(&out);
            let mut args = vec!["--resize", size, "--fit", fit, "--format", "png"];
            args.extend_from_slice(extra);
            convert(dir, &args);
            let mut sizes: Vec<(String, (u32, u32))> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let img = image::open(e.path()).unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        (img.width(), img.height()),
                    )
                })
                .collect();
            sizes.sort();
            sizes
        };
        assert_eq!(
            sizes(&[]),
            sizes(&["--no-shrink-on-load"]),
            "--fit {fit} --resize {size}"
        );
    }
}
