//! Watermarks: an image with its alpha, scaled to the photo; tiling; text sized relative to the
//! photo; several lines; placeholders filled from the file name, the date and EXIF.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::*;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

fn convert(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["convert", "in", "-o", "out", "-q", "--format", "png"];
    args.extend_from_slice(extra);
    let out = fanlight(&args, dir);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn output(dir: &Path, name: &str) -> RgbImage {
    image::open(dir.join("out").join(name))
        .expect("output decodes")
        .to_rgb8()
}

/// A folder `in/` with black photos of the given names and sizes.
fn black_photos(dir: &Path, photos: &[(&str, u32, u32)]) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for &(name, w, h) in photos {
        write_png(&dir.join("in").join(name), &RgbImage::new(w, h));
    }
}

/// The bounding box (x0, y0, x1, y1 exclusive) of pixels brighter than 60 in any channel.
fn ink_box(img: &RgbImage) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in img.enumerate_pixels() {
        if p.0.iter().any(|&v| v > 60) {
            b = Some(match b {
                None => (x, y, x + 1, y + 1),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)),
            });
        }
    }
    b
}

/// 20×20: the left half opaque red, the right half fully transparent green.
fn half_logo(path: &Path) {
    RgbaImage::from_fn(20, 20, |x, _| {
        if x < 10 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 255, 0, 0])
        }
    })
    .save(path)
    .unwrap();
}

#[test]
fn an_image_watermark_respects_its_alpha_and_the_opacity() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 200, 100)]);
    half_logo(&dir.join("logo.png"));
    let place = [
        "--watermark-image",
        "logo.png",
        "--gravity",
        "top-left",
        "--margin",
        "10",
    ];
    let mut args = place.to_vec();
    args.extend(["--opacity", "1"]);
    convert(dir, &args);
    let img = output(dir, "p.png");
    assert_eq!(img.get_pixel(12, 12).0, [255, 0, 0], "opaque half drawn");
    assert_eq!(
        img.get_pixel(25, 12).0,
        [0, 0, 0],
        "transparent half not drawn"
    );
    assert_eq!(ink_box(&img), Some((10, 10, 20, 30)));

    let mut args = place.to_vec();
    args.extend(["--opacity", "0.5"]);
    convert(dir, &args);
    assert_eq!(output(dir, "p.png").get_pixel(12, 12).0, [128, 0, 0]);
}

#[test]
fn watermark_scale_sizes_the_image_to_the_photo_width() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("small.png", 200, 150), ("large.png", 800, 600)]);
    RgbaImage::from_pixel(40, 20, Rgba([255, 255, 255, 255]))
        .save(dir.join("logo.png"))
        .unwrap();
    let args = [
        "--watermark-image",
        "logo.png",
        "--watermark-scale",
        "0.25",
        "--opacity",
        "1",
        "--gravity",
        "center",
    ];
    convert(dir, &args);
    for (name, w, h) in [("small.png", 50, 25), ("large.png", 200, 100)] {
        let (x0, y0, x1, y1) = ink_box(&output(dir, name)).expect("ink");
        assert_eq!((x1 - x0, y1 - y0), (w, h), "{name}");
    }
}

#[test]
fn tiling_repeats_the_watermark_over_the_whole_photo() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 300, 200)]);
    RgbaImage::from_pixel(12, 12, Rgba([255, 255, 255, 255]))
        .save(dir.join("logo.png"))
        .unwrap();
    for mark in [
        &["--watermark-image", "logo.png"][..],
        &["--watermark", "fanlight", "--font-size", "14"][..],
    ] {
        let mut args = mark.to_vec();
        args.extend(["--tile", "--opacity", "1"]);
        convert(dir, &args);
        let img = output(dir, "p.png");
        // Ink in every cell of a 4x4 grid: the pattern runs edge to edge.
        for cy in 0..4 {
            for cx in 0..4 {
                let lit = (cx * 75..(cx + 1) * 75)
                    .flat_map(|x| (cy * 50..(cy + 1) * 50).map(move |y| (x, y)))
                    .any(|(x, y)| img.get_pixel(x, y).0[0] > 128);
                assert!(lit, "{mark:?}: no ink in cell {cx},{cy}");
            }
        }
    }
}

#[test]
fn a_percentage_font_size_follows_the_photo_size() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(
        dir,
        &[
            ("a.png", 400, 200),
            ("b.png", 800, 400),
            ("c.png", 400, 800),
        ],
    );
    convert(
        dir,
        &["--watermark", "Hx", "--font-size", "10%", "--opacity", "1"],
    );
    let height = |name| {
        let (_, y0, _, y1) = ink_box(&output(dir, name)).expect("ink");
        y1 - y0
    };
    let (a, b, c) = (height("a.png"), height("b.png"), height("c.png"));
    // A 20 px font (10% of 200: the em) has capitals about 14.6 px tall (0.73 em).
    assert!((14..=16).contains(&a), "10% of 200 px: {a}");
    assert!(
        b >= 2 * a - 2 && b <= 2 * a + 2,
        "twice the photo, twice the text: {a} {b}"
    );
    assert_eq!(c, b, "the shorter side counts, landscape or portrait");
}

#[test]
fn a_new_line_in_the_text_makes_a_second_line() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 300, 200)]);
    let height = |text: &str| {
        convert(
            dir,
            &["--watermark", text, "--font-size", "20", "--opacity", "1"],
        );
        let (_, y0, _, y1) = ink_box(&output(dir, "p.png")).expect("ink");
        y1 - y0
    };
    let (one, two) = (height("HH"), height("HH\\nHH"));
    assert!(two > 2 * one, "{one} {two}");
}

/// EXIF (TIFF, little-endian) with Model in IFD0 and DateTimeOriginal in the Exif IFD.
fn exif_model_and_date(model: &str, date: &str) -> Vec<u8> {
    let mut model = model.as_bytes().to_vec();
    model.push(0);
    let mut date = date.as_bytes().to_vec();
    date.push(0);
    // Layout: header 8, IFD0 at 8 (2 entries: 2 + 24 + 4 = 30), Exif IFD at 38 (1 entry: 18),
    // then the model text at 56 and the date at 56 + model.
    let (ifd0, exif_ifd, model_at) = (8u32, 38u32, 56u32);
    let date_at = model_at + model.len() as u32;
    let entry = |e: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        e.extend_from_slice(&tag.to_le_bytes());
        e.extend_from_slice(&kind.to_le_bytes());
        e.extend_from_slice(&count.to_le_bytes());
        e.extend_from_slice(&value.to_le_bytes());
    };
    let mut e = b"II*\0".to_vec();
    e.extend_from_slice(&ifd0.to_le_bytes());
    e.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut e, 0x0110, 2, model.len() as u32, model_at); // Model, ASCII
    entry(&mut e, 0x8769, 4, 1, exif_ifd); // Exif IFD pointer, LONG
    e.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(e.len() as u32, exif_ifd);
    e.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut e, 0x9003, 2, date.len() as u32, date_at); // DateTimeOriginal, ASCII
    e.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(e.len() as u32, model_at);
    e.extend_from_slice(&model);
    e.extend_from_slice(&date);
    e
}

fn set_mtime(path: &Path, unix_seconds: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds))
        .unwrap();
}

/// Converts `photo` in `in/` once with `template` and once with `literal`, and says whether
/// the outputs are the same pixels.
fn same_as_literal(dir: &Path, photo: &str, template: &str, literal: &str) -> bool {
    let run = |text: &str| {
        convert(
            dir,
            &["--watermark", text, "--font-size", "14", "--opacity", "1"],
        );
        output(dir, &format!("{}.png", photo.rsplit_once('.').unwrap().0))
    };
    let a = run(template);
    let b = run(literal);
    assert!(ink_box(&b).is_some(), "the literal text is drawn");
    a == b
}

#[test]
fn placeholders_are_filled_from_the_file_name_date_and_exif() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("in")).unwrap();
    let photo = RgbImage::from_pixel(240, 80, Rgb([0, 0, 0]));
    let jpeg = dir.join("in/IMG_7.jpg");
    let mut enc = jpeg_encoder::Encoder::new_file(&jpeg, 90).unwrap();
    enc.add_exif_metadata(&exif_model_and_date("Fanlight X1", "2019:07:04 10:30:00"))
        .unwrap();
    enc.encode(photo.as_raw(), 240, 80, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    set_mtime(&jpeg, 981_158_400); // 2001-02-03
    assert!(same_as_literal(dir, "IMG_7.jpg", "{filename}", "IMG_7.jpg"));
    assert!(same_as_literal(dir, "IMG_7.jpg", "{stem}!", "IMG_7!"));
    assert!(same_as_literal(
        dir,
        "IMG_7.jpg",
        "{exif:Model}",
        "Fanlight X1"
    ));
    // EXIF DateTimeOriginal wins over the file's date.
    assert!(same_as_literal(dir, "IMG_7.jpg", "{date}", "2019-07-04"));
    assert!(same_as_literal(
        dir,
        "IMG_7.jpg",
        "{exif:DateTimeOriginal}",
        "2019-07-04 10:30:00"
    ));
    assert!(!same_as_literal(dir, "IMG_7.jpg", "{date}", "2001-02-03"));

    // No EXIF: the modification date (UTC); a missing tag is empty.
    std::fs::remove_file(&jpeg).unwrap();
    let png = dir.join("in/plain.png");
    write_png(&png, &photo);
    set_mtime(&png, 981_158_400);
    assert!(same_as_literal(dir, "plain.png", "{date}", "2001-02-03"));
    assert!(same_as_literal(dir, "plain.png", "x{exif:Model}", "x"));
}

#[test]
fn per_photo_texts_are_the_same_whatever_the_worker_count() {
    let tmp = tempdir();
    let dir = tmp.path();
    let names: Vec<String> = (0..12).map(|i| format!("photo-{i:02}.png")).collect();
    let photos: Vec<(&str, u32, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), 120 + i as u32 * 10, 90))
        .collect();
    black_photos(dir, &photos);
    let run = |workers: &str, out: &str| {
        let o = fanlight(
            &[
                "convert",
                "in",
                "-o",
                out,
                "-q",
                "--watermark",
                "{stem} {date}",
                "--font-size",
                "12%",
                "--workers",
                workers,
                "--load-workers",
                workers,
            ],
            dir,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run("1", "one");
    run("4", "four");
    for name in &names {
        let a = std::fs::read(dir.join("one").join(name)).unwrap();
        let b = std::fs::read(dir.join("four").join(name)).unwrap();
        assert!(a == b, "{name} differs between 1 and 4 workers");
    }
}

#[test]
fn bad_watermark_options_are_refused_before_any_work() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 50, 50)]);
    std::fs::write(dir.join("not-an-image.png"), b"hello").unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--watermark", "{author}"], "unknown placeholder {author}"),
        (
            &["--watermark", "{exif:Lens}"],
            "{exif:Lens} is not an EXIF tag",
        ),
        (&["--watermark-image", "missing.png"], "missing.png"),
        (
            &["--watermark-image", "not-an-image.png"],
            "not-an-image.png",
        ),
        (&["--watermark-scale", "0.2"], "--watermark-image"),
    ];
    for (args, expect) in cases {
        let mut all = vec!["convert", "in", "-o", "out"];
        all.extend_from_slice(args);
        let out = fanlight(&all, dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
        assert!(!dir.join("out/p.png").exists(), "{args:?}");
    }
}

#[test]
fn css_colours_and_percent_opacity_are_taken() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 200, 100)]);
    for (color, opacity, want) in [
        ("rebeccapurple", "100%", [102, 51, 153]),
        ("rgb(100% 50% 0%)", "1", [255, 128, 0]),
        ("#fff", "50%", [128, 128, 128]),
    ] {
        let args = [
            "--watermark",
            "HH",
            "--font-size",
            "60",
            "--color",
            color,
            "--opacity",
            opacity,
        ];
        convert(dir, &args);
        let img = output(dir, "p.png");
        let brightest = img
            .pixels()
            .max_by_key(|p| p.0.map(u32::from).iter().sum::<u32>());
        assert_eq!(brightest.unwrap().0, want, "{color} at {opacity}");
    }
    let out = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--watermark",
            "x",
            "--color",
            "rebeccapurpel",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean rebeccapurple?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_text_and_a_logo_go_on_the_same_photo() {
    let tmp = tempdir();
    let dir = tmp.path();
    black_photos(dir, &[("p.png", 300, 200)]);
    RgbaImage::from_pixel(20, 20, Rgba([255, 0, 0, 255]))
        .save(dir.join("logo.png"))
        .unwrap();
    let mark = [
        "--watermark",
        "HH",
        "--font-size",
        "20",
        "--color",
        "white",
        "--watermark-image",
        "logo.png",
        "--opacity",
        "1",
        "--margin",
        "10",
    ];
    // Red is the logo, white the text.
    let boxes = |img: &RgbImage| {
        let only = |red: bool| {
            let mut copy = img.clone();
            for p in copy.pixels_mut() {
                let is_red = p.0[0] > 60 && p.0[1] < 30;
                if is_red != red {
                    *p = Rgb([0, 0, 0]);
                }
            }
            ink_box(&copy).expect("ink")
        };
        (only(true), only(false))
    };
    // Stacked at the bottom right: the logo flush right above the text, 5 px (a quarter em)
    // apart, the text against the margin.
    convert(dir, &mark);
    let (logo, text) = boxes(&output(dir, "p.png"));
    assert_eq!((logo.2, logo.3 - logo.1), (290, 20), "logo {logo:?}");
    assert_eq!(text.3, 190, "text {text:?}");
    assert!(text.2 >= 288 && text.2 <= 290, "text {text:?}");
    assert!(
        logo.3 <= text.1 && text.1 - logo.3 <= 8,
        "{logo:?} above {text:?}"
    );
    // The logo in its own corner.
    let mut apart = mark.to_vec();
    apart.extend(["--watermark-image-gravity", "top-left"]);
    convert(dir, &apart);
    let (logo, text) = boxes(&output(dir, "p.png"));
    assert_eq!(logo, (10, 10, 30, 30));
    assert_eq!(text.3, 190, "text {text:?}");
}
