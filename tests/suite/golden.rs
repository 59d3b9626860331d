//! fanlight's own golden images: each case runs the library on a small photo and compares the
//! decoded output with the truth image in `tests/golden/<case>.png`.
//!
//! `UPDATE_GOLDEN=1 cargo test --test suite golden::` regenerates them (look at them before committing);
//! a failing case writes expected, actual and diff images to `target/golden-diff/<case>/`.
//! Images are kept small (fit 128×128, the demo at its own 400×400) so the set stays well under
//! 2 MB and the suite runs in seconds.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;
use fanlight::golden::{assert_matches_golden, diff_root, Tolerance, HIGHLIGHT, UPDATE_VAR};
use fanlight::{Config, FilterSpec, Format, Gravity, ResizeSpec, WatermarkSpec};
use image::{DynamicImage, ImageFormat, RgbaImage};

/// PNG in, PNG out: every step is integer or plain IEEE arithmetic and deterministic, so the
/// output must be pixel-exact. Any change to a filter parameter moves some pixel.
const EXACT: Tolerance = Tolerance::EXACT;

/// Whenever a JPEG is decoded or encoded on the way: JPEG codecs pick SIMD paths by CPU, and
/// their rounding may differ by a level or two between machines. A pixel may move by 2 per
/// channel, and 0.5% of them further (a few 8×8 blocks). Real regressions in these cases (a wrong
/// rotation, a lost alpha composite, a different quality) change far more than that.
const JPEG: Tolerance = Tolerance {
    max_delta: 2,
    max_diff_ratio: 0.005,
};

/// The box most cases fit into.
const SIDE: u32 = 128;

/// What a case feeds the pipeline.
#[derive(Clone, Copy)]
enum Input {
    /// One of `assets/photos`.
    Bundled(&'static str),
    /// `picture(96, 64)` stored so that EXIF orientation `n` turns it upright, as a JPEG.
    Oriented(u16),
    /// A generated 96×64 RGBA PNG with an alpha ramp and a transparent hole.
    Alpha,
}

struct Case {
    name: String,
    input: Input,
    /// The format the output must have.
    format: ImageFormat,
    tol: Tolerance,
    configure: Box<dyn Fn(&mut Config)>,
}

fn case(
    name: impl Into<String>,
    input: Input,
    format: ImageFormat,
    tol: Tolerance,
    configure: impl Fn(&mut Config) + 'static,
) -> Case {
    Case {
        name: name.into(),
        input,
        format,
        tol,
        configure: Box::new(configure),
    }
}

fn fit(config: &mut Config, side: u32) {
    config.resize = Some(ResizeSpec::Fit {
        width: Some(side),
        height: Some(side),
    });
}

fn filters(specs: &[&str]) -> Vec<FilterSpec> {
    specs.iter().map(|s| s.parse().expect(s)).collect()
}

fn demo_cases() -> Vec<Case> {
    // The exact preset `cargo run --release` uses, at its own size, on one photo.
    vec![case(
        "demo",
        Input::Bundled("chelsea.png"),
        ImageFormat::Png,
        EXACT,
        |c| *c = Config::demo(c.inputs.clone(), c.output_dir.clone()),
    )]
}

fn filter_cases() -> Vec<Case> {
    let specs: [(&str, &[&str], &str); 9] = [
        (
            "unsharp",
            &["unsharp:sigma=1.0,amount=1.0,threshold=2"],
            "coffee.png",
        ),
        ("blur", &["blur:sigma=2"], "chelsea.png"),
        ("grayscale", &["grayscale"], "coffee.png"),
        ("brightness", &["brightness:1.1"], "chelsea.png"),
        ("contrast", &["contrast:1.2"], "coffee.png"),
        ("saturation", &["saturation:1.3"], "chelsea.png"),
        ("sepia", &["sepia:0.8"], "coffee.png"),
        ("invert", &["invert"], "chelsea.png"),
        // Order matters in a chain: this pins it.
        (
            "chain",
            &[
                "contrast:1.2",
                "saturation:0.5",
                "unsharp:sigma=0.8,amount=0.6",
            ],
            "astronaut.png",
        ),
    ];
    specs
        .into_iter()
        .map(|(name, specs, photo)| {
            let chain = filters(specs);
            case(
                format!("filter-{name}"),
                Input::Bundled(photo),
                ImageFormat::Png,
                EXACT,
                move |c| {
                    fit(c, SIDE);
                    c.filters = chain.clone();
                },
            )
        })
        .collect()
}

fn gravity_cases() -> Vec<Case> {
    Gravity::ALL
        .into_iter()
        .map(|gravity| {
            case(
                format!("gravity-{}", gravity.name()),
                Input::Bundled("chelsea.png"),
                ImageFormat::Png,
                EXACT,
                move |c| {
                    fit(c, 160);
                    // Two lines of different length show the alignment of each column.
                    c.watermark = Some(WatermarkSpec {
                        font_size: 16.0,
                        opacity: 0.9,
                        margin: 6,
                        gravity,
                        ..WatermarkSpec::new("fanlight\nphoto")
                    });
                },
            )
        })
        .collect()
}

fn format_cases() -> Vec<Case> {
    vec![
        case(
            "format-jpeg",
            Input::Bundled("chelsea.png"),
            ImageFormat::Jpeg,
            JPEG,
            |c| {
                fit(c, SIDE);
                c.output.format = Format::Jpeg;
                c.output.quality = 85;
            },
        ),
        case(
            "format-png",
            Input::Bundled("rocket.jpg"),
            ImageFormat::Png,
            JPEG,
            |c| {
                fit(c, SIDE);
                c.output.format = Format::Png;
            },
        ),
    ]
}

fn orientation_cases() -> Vec<Case> {
    (1..=8)
        .map(|o| {
            case(
                format!("orientation-{o}"),
                Input::Oriented(o),
                ImageFormat::Png,
                JPEG,
                |c| c.output.format = Format::Png,
            )
        })
        .collect()
}

fn grey_cases() -> Vec<Case> {
    vec![case(
        "grey-input",
        Input::Bundled("camera.png"),
        ImageFormat::Png,
        EXACT,
        |c| {
            fit(c, SIDE);
            c.filters = filters(&["contrast:1.2"]);
            c.watermark = Some(WatermarkSpec {
                font_size: 16.0,
                margin: 6,
                ..WatermarkSpec::new("fanlight")
            });
        },
    )]
}

fn alpha_cases() -> Vec<Case> {
    let marked = |c: &mut Config| {
        fit(c, 72);
        c.filters = filters(&["unsharp:sigma=1.0,amount=1.0"]);
        c.watermark = Some(WatermarkSpec {
            font_size: 14.0,
            margin: 4,
            opacity: 0.8,
            color: "#202020".parse().unwrap(),
            gravity: Gravity::TopLeft,
            ..WatermarkSpec::new("fl")
        });
    };
    vec![
        case("alpha-png", Input::Alpha, ImageFormat::Png, EXACT, marked),
        // JPEG has no alpha: the photo is composited over white.
        case(
            "alpha-to-jpeg",
            Input::Alpha,
            ImageFormat::Jpeg,
            JPEG,
            move |c| {
                marked(c);
                c.output.format = Format::Jpeg;
            },
        ),
    ]
}

fn fit_cases() -> Vec<Case> {
    let boxed = |fit: &'static str, gravity: &'static str, background: &'static str| {
        move |c: &mut Config| {
            c.resize = Some("96x96".parse().unwrap());
            c.fit = fit.parse().unwrap();
            c.gravity = gravity.parse().unwrap();
            c.background = background.parse().unwrap();
        }
    };
    vec![
        // The cat's face is right of centre: a right-anchored square keeps it.
        case(
            "fit-cover-right",
            Input::Bundled("chelsea.png"),
            ImageFormat::Png,
            EXACT,
            boxed("cover", "right", "white"),
        ),
        case(
            "fit-fill",
            Input::Bundled("chelsea.png"),
            ImageFormat::Png,
            EXACT,
            boxed("fill", "center", "white"),
        ),
        // Transparent padding, above and below the picture, kept as alpha in PNG.
        case(
            "fit-contain-transparent",
            Input::Bundled("coffee.png"),
            ImageFormat::Png,
            EXACT,
            boxed("contain", "center", "transparent"),
        ),
        // A grey photo on a coloured background becomes colour; the square picture sits left.
        case(
            "fit-contain-grey-on-colour",
            Input::Bundled("camera.png"),
            ImageFormat::Png,
            EXACT,
            |c| {
                c.resize = Some("96x64".parse().unwrap());
                c.fit = "contain".parse().unwrap();
                c.gravity = Gravity::Left;
                c.background = "#3060c0".parse().unwrap();
            },
        ),
    ]
}

/// A 64×32 logo: an orange disc with a soft edge and a half-transparent blue bar, on nothing.
fn logo() -> RgbaImage {
    RgbaImage::from_fn(64, 32, |x, y| {
        let (dx, dy) = (x as f32 - 15.5, y as f32 - 15.5);
        let edge = (15.0 - (dx * dx + dy * dy).sqrt()).clamp(0.0, 1.0);
        if edge > 0.0 {
            image::Rgba([250, 140, 20, (edge * 255.0) as u8])
        } else if (10..22).contains(&y) {
            image::Rgba([30, 60, 220, 128])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    })
}

fn watermark_cases() -> Vec<Case> {
    vec![
        // The logo scaled to a quarter of the photo's width, bottom-left, through its alpha.
        case(
            "watermark-image",
            Input::Bundled("coffee.png"),
            ImageFormat::Png,
            EXACT,
            |c| {
                fit(c, 160);
                let path = c.output_dir.with_file_name("logo.png");
                logo().save(&path).expect("write logo");
                c.watermark = Some(WatermarkSpec {
                    scale: Some(0.25),
                    opacity: 0.9,
                    margin: 6,
                    gravity: Gravity::BottomLeft,
                    ..WatermarkSpec::image(path)
                });
            },
        ),
        // A logo and a credit line together: stacked at the bottom right, flush right.
        case(
            "watermark-logo-and-text",
            Input::Bundled("coffee.png"),
            ImageFormat::Png,
            EXACT,
            |c| {
                fit(c, 160);
                let path = c.output_dir.with_file_name("logo.png");
                logo().save(&path).expect("write logo");
                c.watermark = Some(WatermarkSpec {
                    image: Some(path),
                    scale: Some(0.2),
                    font_size: 12.0,
                    opacity: 0.9,
                    margin: 6,
                    ..WatermarkSpec::new("(c) fanlight")
                });
            },
        ),
        // The text repeated over the photo, its size 8% of the shorter side.
        case(
            "watermark-tile",
            Input::Bundled("chelsea.png"),
            ImageFormat::Png,
            EXACT,
            |c| {
                fit(c, 160);
                c.watermark = Some(WatermarkSpec {
                    font_size_percent: Some(8.0),
                    opacity: 0.35,
                    tile: true,
                    ..WatermarkSpec::new("fanlight")
                });
            },
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    [
        watermark_cases(),
        fit_cases(),
        demo_cases(),
        filter_cases(),
        gravity_cases(),
        format_cases(),
        orientation_cases(),
        grey_cases(),
        alpha_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Colours from the test picture, alpha rising left to right, and a transparent hole.
fn alpha_picture() -> RgbaImage {
    let base = picture(96, 64, 40);
    RgbaImage::from_fn(96, 64, |x, y| {
        let [r, g, b] = base.get_pixel(x, y).0;
        let (dx, dy) = (x as i32 - 60, y as i32 - 32);
        let a = if dx * dx + dy * dy < 14 * 14 {
            0
        } else {
            (64 + x * 191 / 95) as u8
        };
        image::Rgba([r, g, b, a])
    })
}

/// Writes the case's input into `dir` (or points at the bundled photo) and returns its path.
fn make_input(input: Input, dir: &Path) -> PathBuf {
    match input {
        Input::Bundled(name) => bundled_photos().join(name),
        Input::Oriented(o) => {
            let path = dir.join(format!("o{o}.jpg"));
            write_jpeg(&path, &stored_for(&picture(96, 64, 0), o), Some(o));
            path
        }
        Input::Alpha => {
            let path = dir.join("alpha.png");
            alpha_picture()
                .save_with_format(&path, ImageFormat::Png)
                .expect("write alpha png");
            path
        }
    }
}

/// Runs the pipeline for `case` and returns its one output, decoded.
fn run_case(case: &Case) -> DynamicImage {
    let tmp = tempdir();
    let input = make_input(case.input, tmp.path());
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![input], &out);
    (case.configure)(&mut config);
    let report = run_watched(config, Duration::from_secs(60));
    assert_eq!(report.ok, 1, "{}: {:?}", case.name, report.failures);
    let files = files_below(&out);
    assert_eq!(files.len(), 1, "{}: one output, got {files:?}", case.name);
    let reader = image::ImageReader::open(out.join(&files[0]))
        .and_then(|r| r.with_guessed_format())
        .expect("open output");
    assert_eq!(
        reader.format(),
        Some(case.format),
        "{}: output format",
        case.name
    );
    reader.decode().expect("output decodes")
}

/// Checks every case, then fails once listing all that failed (each printed its own details).
fn check(cases: &[Case]) {
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let result = catch_unwind(AssertUnwindSafe(|| {
                let actual = run_case(case);
                let golden = golden_dir().join(format!("{}.png", case.name));
                assert_matches_golden(golden, &actual, &case.tol);
            }));
            result.err().map(|_| case.name.clone())
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} golden cases failed: {} (details above; diff images in target/golden-diff/)",
        failed.len(),
        cases.len(),
        failed.join(", ")
    );
}

#[test]
fn demo_preset_matches_its_golden() {
    check(&demo_cases());
}

#[test]
fn every_filter_matches_its_golden() {
    check(&filter_cases());
}

#[test]
fn every_watermark_gravity_matches_its_golden() {
    check(&gravity_cases());
}

#[test]
fn jpeg_and_png_output_match_their_goldens() {
    check(&format_cases());
}

#[test]
fn exif_orientations_match_their_goldens() {
    check(&orientation_cases());
}

#[test]
fn grayscale_input_matches_its_golden() {
    check(&grey_cases());
}

#[test]
fn png_with_alpha_matches_its_goldens() {
    check(&alpha_cases());
}

#[test]
fn every_resize_mode_matches_its_golden() {
    check(&fit_cases());
}

#[test]
fn image_and_tiled_watermarks_match_their_goldens() {
    check(&watermark_cases());
}

#[test]
fn every_golden_file_is_used_by_a_case() {
    let cases = all_cases();
    let names: BTreeSet<String> = cases.iter().map(|c| format!("{}.png", c.name)).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    let unused: Vec<String> = std::fs::read_dir(golden_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !names.contains(name))
        .collect();
    assert!(
        unused.is_empty(),
        "files in tests/golden/ that no case uses (delete them or add their case): {}",
        unused.join(", ")
    );
}

// The helper itself, as a user of `assert_matches_golden` meets it. These make no sense while
// regenerating (the helper then writes instead of failing), so they step aside.

fn updating() -> bool {
    std::env::var(UPDATE_VAR).as_deref() == Ok("1")
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_missing_golden_fails_with_the_command_that_creates_it() {
    if updating() {
        return;
    }
    let tmp = tempdir();
    let golden = tmp.path().join("never-made.png");
    let img = picture(4, 4, 0);
    let err = catch_unwind(|| assert_matches_golden(&golden, &img, &EXACT)).unwrap_err();
    let msg = panic_text(err);
    assert!(msg.contains("UPDATE_GOLDEN=1 cargo test"), "{msg}");
    assert!(msg.contains("never-made.png"), "{msg}");
    assert!(!golden.exists(), "only UPDATE_GOLDEN=1 creates goldens");
}

#[test]
fn a_mismatch_writes_expected_actual_and_diff_where_the_message_says() {
    if updating() {
        return;
    }
    let tmp = tempdir();
    let golden = tmp.path().join("helper-selftest-mismatch.png");
    let img = picture(24, 16, 0);
    write_png(&golden, &img);
    let mut changed = img.clone();
    changed.put_pixel(3, 5, image::Rgb([0, 255, 0]));
    let err = catch_unwind(|| assert_matches_golden(&golden, &changed, &EXACT)).unwrap_err();
    let msg = panic_text(err);
    let dir = diff_root().join("helper-selftest-mismatch");
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("1 of 384 pixels"), "{msg}");
    for name in ["expected.png", "actual.png", "diff.png"] {
        assert!(dir.join(name).is_file(), "{name} written");
    }
    let diff = image::open(dir.join("diff.png")).unwrap().to_rgb8();
    let marked: Vec<_> = diff
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0 == HIGHLIGHT)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert_eq!(marked, [(3, 5)]);
    // Within tolerance it passes, and the stale folder goes.
    assert_matches_golden(&golden, &changed, &Tolerance::new(255, 0.0));
    assert!(!dir.exists());
}

#[test]
fn an_output_file_is_checked_against_a_golden_by_its_path() {
    // The README's library example: run fanlight, then check an output file by its path, with
    // the image types taken from `fanlight::golden::image` (no `image` dependency needed).
    use fanlight::golden::image as img;
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let mut config = Config::new(
        vec![
            bundled_photos().join("rocket.jpg"),
            bundled_photos().join("retina.jpg"),
        ],
        &out,
    );
    config.resize = Some("320x320".parse::<ResizeSpec>().unwrap());
    let report = fanlight::run(&config).unwrap();
    assert_eq!(report.failed, 0, "{:?}", report.failures);
    let rocket = out.join("rocket.jpg");
    // The golden: the output itself, decoded and stored as PNG.
    let golden = tmp.path().join("rocket.png");
    let decoded: img::DynamicImage = img::open(&rocket).unwrap();
    decoded.save(&golden).unwrap();
    assert_matches_golden(&golden, &rocket, &Tolerance::new(0, 0.0));
    // Another photo's output does not match it.
    let retina = out.join("retina.jpg");
    let mismatch = catch_unwind(AssertUnwindSafe(|| {
        assert_matches_golden(&golden, &retina, &Tolerance::new(2, 0.005));
    }));
    assert!(mismatch.is_err(), "retina.jpg matched rocket's golden");
}
