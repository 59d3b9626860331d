//! One decode, many outputs (`Config::variants`, `--widths`, `--variant`, `--manifest`): every
//! variant at its size, format and name; one decode per photo; a width past the photo's once;
//! shrink-on-load for the largest variant; the same bytes whatever the workers and whatever
//! already exists; a variant that fails fails alone; collisions refused before any work; a
//! manifest that matches the files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use fanlight::{
    Config, Fit, Format, OnExists, PoolSize, ResizeSpec, RunContext, StageName, Variant,
};

const WATCHDOG: Duration = Duration::from_secs(120);

/// Widths 640, 320 and 160 (in that order), each in WebP and JPEG.
fn responsive(inputs: Vec<PathBuf>, out: &Path) -> Config {
    let mut config = Config::new(inputs, out);
    config.variants = [640, 320, 160]
        .into_iter()
        .flat_map(|w| [Format::Webp, Format::Jpeg].map(|f| (w, f)))
        .map(|(w, f)| Variant::width(&config, w, f))
        .collect();
    config
}

/// Two photos: 900×600 JPEG and a 300×450 PNG (smaller than two of the widths).
fn two_photos(dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let (a, b) = (dir.join("wide.jpg"), dir.join("tall.png"));
    write_jpeg(&a, &picture(900, 600, 1), None);
    write_png(&b, &picture(300, 450, 2));
    vec![a, b]
}

fn dims(path: &Path) -> (u32, u32) {
    image::image_dimensions(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn format_of(path: &Path) -> image::ImageFormat {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .format()
        .unwrap()
}

#[test]
fn every_width_in_every_format_from_one_decode_per_photo() {
    let tmp = tempdir();
    let inputs = two_photos(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let report = run_watched(responsive(inputs, &out), WATCHDOG);
    assert_eq!((report.ok, report.failed), (2, 0), "{:#?}", report.failures);
    let names: Vec<String> = files_below(&out)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    // The 300 px photo: 640 gives its own width once, 320 too (never enlarged), 160 as asked.
    assert_eq!(
        names,
        [
            "tall-160.jpg",
            "tall-160.webp",
            "tall-300.jpg",
            "tall-300.webp",
            "wide-160.jpg",
            "wide-160.webp",
            "wide-320.jpg",
            "wide-320.webp",
            "wide-640.jpg",
            "wide-640.webp",
        ]
    );
    for (name, size) in [
        ("wide-640", (640, 427)),
        ("wide-320", (320, 213)),
        ("wide-160", (160, 107)),
        ("tall-300", (300, 450)),
        ("tall-160", (160, 240)),
    ] {
        for (ext, format) in [
            ("jpg", image::ImageFormat::Jpeg),
            ("webp", image::ImageFormat::WebP),
        ] {
            let path = out.join(format!("{name}.{ext}"));
            assert_eq!(dims(&path), size, "{}", path.display());
            assert_eq!(format_of(&path), format, "{}", path.display());
        }
    }
    let items = |stage| {
        report
            .stages
            .iter()
            .find(|s| s.name == stage)
            .map(|s| s.items)
    };
    // One decode and one resize pass per photo; then a frame per size, and a write per file.
    assert_eq!(items(StageName::Load), Some(2));
    assert_eq!(items(StageName::Resize), Some(2));
    assert_eq!(items(StageName::Filter), Some(5));
    assert_eq!(items(StageName::Write), Some(10));
    assert_eq!(report.outputs.len(), 10);
}

#[test]
fn the_manifest_matches_the_files_exactly() {
    let tmp = tempdir();
    let inputs = two_photos(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let report = run_watched(responsive(inputs.clone(), &out), WATCHDOG);
    let manifest = fanlight::report::manifest_json(&report, &out);
    let photos = manifest["photos"].as_array().unwrap();
    // Photos in the order of their paths: tall.png before wide.jpg.
    let listed: Vec<&str> = photos
        .iter()
        .map(|p| p["input"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = [&inputs[1], &inputs[0]]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        (photos[1]["width"].as_u64(), photos[1]["height"].as_u64()),
        (Some(900), Some(600))
    );
    assert_eq!(
        photos[1]["bytes"].as_u64(),
        Some(std::fs::metadata(&inputs[0]).unwrap().len())
    );
    let mut count = 0;
    for photo in photos {
        for file in photo["outputs"].as_array().unwrap() {
            let path = out.join(file["path"].as_str().unwrap());
            let (w, h) = dims(&path);
            assert_eq!(file["width"].as_u64(), Some(u64::from(w)), "{file}");
            assert_eq!(file["height"].as_u64(), Some(u64::from(h)), "{file}");
            assert_eq!(
                file["bytes"].as_u64(),
                Some(std::fs::metadata(&path).unwrap().len())
            );
            let format = match format_of(&path) {
                image::ImageFormat::Jpeg => "jpeg",
                image::ImageFormat::WebP => "webp",
                other => panic!("{other:?}"),
            };
            assert_eq!(file["format"], format);
            count += 1;
        }
    }
    assert_eq!(count, files_below(&out).len());
}

#[test]
fn outputs_are_the_same_bytes_whatever_the_workers_and_whatever_exists() {
    let tmp = tempdir();
    let inputs = vec![
        bundled_photos().join("retina.jpg"),
        bundled_photos().join("hubble_deep_field.jpg"),
        bundled_photos().join("chelsea.png"),
    ];
    let a = tmp.path().join("a");
    let report = run_watched(responsive(inputs.clone(), &a), WATCHDOG);
    assert_eq!(report.ok, 3);

    let b = tmp.path().join("b");
    let mut config = responsive(inputs.clone(), &b);
    config.workers.load = PoolSize::Fixed(3);
    config.workers.filter = PoolSize::Fixed(3);
    config.workers.write = PoolSize::Fixed(3);
    config.queue_capacity = Some(1);
    run_watched(config, WATCHDOG);
    let read = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        files_below(dir)
            .into_iter()
            .map(|p| (p.clone(), std::fs::read(dir.join(p)).unwrap()))
            .collect()
    };
    assert_eq!(read(&a), read(&b));

    // A resumed run makes only the missing outputs, and they are the bytes a full run makes,
    // though the others are not written (each size's source and the decode scale are those of
    // the whole set).
    let c = tmp.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    for name in files_below(&a) {
        std::fs::copy(a.join(&name), c.join(&name)).unwrap();
    }
    for name in [
        "retina-640.webp",
        "retina-640.jpg",
        "retina-160.jpg",
        "hubble_deep_field-640.jpg",
    ] {
        std::fs::remove_file(c.join(name)).unwrap();
    }
    let mut config = responsive(inputs, &c);
    config.on_exists = OnExists::Skip;
    let report = run_watched(config, WATCHDOG);
    let written: Vec<String> = report
        .outputs
        .iter()
        .map(|o| o.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        [
            "retina-640.webp",
            "retina-640.jpg",
            "retina-160.jpg",
            "hubble_deep_field-640.jpg"
        ]
    );
    assert_eq!(
        report.total, 3,
        "a photo all of whose outputs exist is still counted"
    );
    assert_eq!(read(&a), read(&c));
}

#[test]
fn the_largest_variant_is_decoded_at_its_own_scale() {
    // retina.jpg is 1411 px: 640 wide needs a full decode (1/2 gives 705 px, less than 1.5 ×
    // 640), 160 alone would allow 1/4. The set's 640 output is exactly what a run for 640
    // alone writes: the decode was planned for the largest variant, not the smallest.
    let tmp = tempdir();
    let input = bundled_photos().join("retina.jpg");
    let set = tmp.path().join("set");
    run_watched(responsive(vec![input.clone()], &set), WATCHDOG);
    let alone = tmp.path().join("alone");
    let mut config = Config::new(vec![input], &alone);
    config.resize = Some(ResizeSpec::Fit {
        width: Some(640),
        height: None,
    });
    config.output.format = Format::Jpeg;
    run_watched(config, WATCHDOG);
    assert_eq!(
        std::fs::read(set.join("retina-640.jpg")).unwrap(),
        std::fs::read(alone.join("retina.jpg")).unwrap()
    );
}

#[test]
fn a_smaller_width_made_from_a_larger_one_looks_like_one_made_from_the_photo() {
    // 160 is resized from the 320 output (twice its size): against 160 made straight from the
    // photo, the difference is far below what the eye sees.
    let tmp = tempdir();
    let input = bundled_photos().join("hubble_deep_field.jpg");
    let set = tmp.path().join("set");
    let mut config = responsive(vec![input.clone()], &set);
    config.variants.retain(|v| v.format == Format::Jpeg);
    config.output.quality = 100;
    for v in &mut config.variants {
        v.quality = 100;
    }
    run_watched(config, WATCHDOG);
    let alone = tmp.path().join("alone");
    let mut config = Config::new(vec![input], &alone);
    config.resize = Some(ResizeSpec::Fit {
        width: Some(160),
        height: None,
    });
    config.output.quality = 100;
    run_watched(config, WATCHDOG);
    let a = image::open(set.join("hubble_deep_field-160.jpg"))
        .unwrap()
        .to_rgb8();
    let b = image::open(alone.join("hubble_deep_field.jpg"))
        .unwrap()
        .to_rgb8();
    let diff = mean_abs_diff(&a, &b);
    assert!(diff < 2.0, "mean difference {diff:.2} levels");
}

#[test]
fn a_variant_that_fails_fails_alone_and_is_named_by_its_output() {
    let tmp = tempdir();
    let inputs = two_photos(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let ctx = RunContext {
        write_fault: Some(Arc::new(|tmp: &Path| {
            let name = tmp.file_name().unwrap().to_string_lossy();
            if name.contains("wide-320.webp") {
                Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
            } else {
                Ok(())
            }
        })),
        ..RunContext::default()
    };
    let report = run_watched_with(responsive(inputs, &out), ctx, WATCHDOG);
    assert_eq!((report.ok, report.failed), (1, 1));
    let [failure] = &report.failures[..] else {
        panic!("one failure: {:#?}", report.failures);
    };
    assert_eq!(failure.stage, StageName::Write);
    let text = failure.to_string();
    assert!(
        text.contains(&out.join("wide-320.webp").display().to_string()),
        "{text}"
    );
    assert_eq!(report.outputs.len(), 9);
    // Each photo's input is counted once, whichever of its items came first.
    let megapixels = (900.0 * 600.0 + 300.0 * 450.0) / 1e6;
    assert!(
        (report.megapixels_in - megapixels).abs() < 1e-9,
        "{}",
        report.megapixels_in
    );
    assert!(!out.join("wide-320.webp").exists());
    assert!(out.join("wide-320.jpg").exists());
    let doc = fanlight::report::report_json(&report);
    assert_eq!(doc["images"]["outputs"], 9);
    assert_eq!(
        doc["failures"][0]["outputs"][0],
        out.join("wide-320.webp").display().to_string()
    );
}

#[test]
fn a_photo_whose_header_cannot_be_read_fails_alone_with_all_its_outputs() {
    // Its outputs cannot be named by size, so they all share one name: that is no collision.
    let tmp = tempdir();
    let dir = tmp.path().join("in");
    two_photos(&dir);
    std::fs::write(dir.join("notes.jpg"), b"not a photo at all").unwrap();
    let inputs = vec![
        dir.join("notes.jpg"),
        dir.join("tall.png"),
        dir.join("wide.jpg"),
    ];
    let out = tmp.path().join("out");
    let report = run_watched(responsive(inputs, &out), WATCHDOG);
    assert_eq!((report.ok, report.failed), (2, 1), "{:#?}", report.failures);
    let [failure] = &report.failures[..] else {
        panic!("one failure: {:#?}", report.failures);
    };
    assert!(failure.job.src.ends_with("notes.jpg"));
    assert!(!failure.is_partial());
    assert_eq!(report.outputs.len(), 10);
}

#[test]
fn shards_take_whole_photos_with_all_their_variants() {
    let tmp = tempdir();
    let dir = tmp.path().join("in");
    let inputs = photo_folder(&dir, 12);
    let mut owner = std::collections::HashMap::new();
    for k in 1..=3 {
        let mut config = responsive(vec![dir.clone()], &tmp.path().join("out"));
        config.select.shard = Some(fanlight::Shard { index: k, count: 3 });
        for (job, _) in fanlight::plan(&config).unwrap().jobs() {
            assert!(
                owner.insert(job.src.clone(), k).is_none(),
                "{}",
                job.src.display()
            );
            // Every variant of the photo's goes with it (these photos are under 160 px wide,
            // so each of the two formats makes one file).
            assert_eq!(job.outputs.len(), 2, "{:?}", job.outputs);
        }
    }
    assert_eq!(owner.len(), inputs.len());
}

#[test]
fn variants_with_their_own_fit_quality_and_name() {
    let tmp = tempdir();
    let inputs = two_photos(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let mut config = Config::new(inputs, &out);
    let thumb: fanlight::VariantSpec = "100x100,fit=cover,quality=60,name={stem}-thumb.{ext}"
        .parse()
        .unwrap();
    let large: fanlight::VariantSpec = "400x".parse().unwrap();
    config.variants = thumb.resolve(&config, &[Format::Jpeg]);
    config
        .variants
        .extend(large.resolve(&config, &[Format::Jpeg, Format::Webp]));
    assert_eq!(config.variants[0].fit, Fit::Cover);
    let report = run_watched(config, WATCHDOG);
    assert_eq!(report.ok, 2, "{:#?}", report.failures);
    assert_eq!(dims(&out.join("wide-thumb.jpg")), (100, 100));
    assert_eq!(dims(&out.join("tall-thumb.jpg")), (100, 100));
    assert_eq!(dims(&out.join("wide-400.jpg")), (400, 267));
    assert_eq!(dims(&out.join("wide-400.webp")), (400, 267));
    assert_eq!(dims(&out.join("tall-300.webp")), (300, 450));
}

#[test]
fn variants_that_would_write_one_file_are_refused_before_any_work() {
    let tmp = tempdir();
    let inputs = two_photos(&tmp.path().join("in"));
    let out = tmp.path().join("out");
    let mut config = Config::new(inputs, &out);
    for spec in ["320,name={stem}.{ext}", "160,name={stem}.{ext}"] {
        let spec: fanlight::VariantSpec = spec.parse().unwrap();
        config
            .variants
            .extend(spec.resolve(&config, &[Format::Jpeg]));
    }
    let err = fanlight::run(&config).unwrap_err().to_string();
    assert!(err.contains("variants 1 and 2 both make"), "{err}");
    assert!(!out.exists() || files_below(&out).is_empty());
}

/// `fanlight convert in -o OUT --widths 640,160 --format webp,jpeg` and `extra`, run in `dir`.
fn convert_set(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "convert",
        "in",
        "-o",
        out,
        "--widths",
        "640,160",
        "--format",
        "webp,jpeg",
    ];
    args.extend_from_slice(extra);
    fanlight(&args, dir)
}

#[test]
fn the_command_line_writes_the_set_and_its_manifest() {
    let tmp = tempdir();
    two_photos(&tmp.path().join("in"));
    let dry = convert_set(tmp.path(), "web", &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let listed = stdout(&dry);
    assert!(
        listed.contains("in/wide.jpg -> web/wide-640.webp"),
        "{listed}"
    );
    assert!(
        listed.contains("in/tall.png -> web/tall-300.jpg"),
        "{listed}"
    );
    assert!(
        stderr(&dry).contains("2 photos to process into 8 files"),
        "{}",
        stderr(&dry)
    );
    let o = convert_set(
        tmp.path(),
        "web",
        &["--manifest", "m.json", "--report", "r.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 written (8 files)"), "{}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(manifest["version"], 1);
    let paths: Vec<&str> = manifest["photos"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["outputs"].as_array().unwrap())
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "tall-160.jpg",
            "tall-300.jpg",
            "tall-160.webp",
            "tall-300.webp",
            "wide-160.jpg",
            "wide-640.jpg",
            "wide-160.webp",
            "wide-640.webp"
        ]
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["outputs"].as_array().unwrap().len(), 8);
    // Everything there already: one line, not a table of zeros.
    let again = convert_set(tmp.path(), "web", &["--on-exists", "skip"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stderr(&again).contains("2 photos found, every output exists already"),
        "{}",
        stderr(&again)
    );
    // A reader that stops after the first line (`| head -1`) ends the listing quietly.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args([
            "convert",
            "in",
            "-o",
            "web2",
            "--widths",
            "640,160",
            "--format",
            "webp,jpeg",
        ])
        .arg("--dry-run")
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let head = child.wait_with_output().unwrap();
    assert!(!stderr(&head).contains("panicked"), "{}", stderr(&head));
    assert_ne!(head.status.code(), Some(101));
    // A typo in a variant gets the keys.
    let bad = fanlight(
        &["convert", "in", "-o", "x", "--variant", "320,qualty=5"],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown key 'qualty'"),
        "{}",
        stderr(&bad)
    );
}
