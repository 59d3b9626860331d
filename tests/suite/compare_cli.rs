//! Golden comparison for users: `fanlight::golden`'s folder and image comparison, diff images,
//! update and JSON report, and the `fanlight compare` command that wraps them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use fanlight::golden::{
    compare_dirs, compare_images, update, DirOptions, Tolerance, Verdict, HIGHLIGHT,
};
use image::{GrayImage, ImageFormat, RgbImage};

/// The patched photo and where the 12×12 patch sits in it.
const PATCHED: &str = "real/chelsea.png";
const PATCH: (u32, u32, u32) = (100, 80, 12);

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            fs::copy(entry.path(), dst).unwrap();
        }
    }
}

/// `expected/`: six generated photos (JPEG and PNG, one in a subfolder) and two real ones;
/// `actual/`: an identical copy.
fn fixture(root: &Path) -> (PathBuf, PathBuf) {
    let expected = root.join("expected");
    photo_folder(&expected, 6);
    fs::create_dir_all(expected.join("real")).unwrap();
    for photo in ["chelsea.png", "rocket.jpg"] {
        fs::copy(
            bundled_photos().join(photo),
            expected.join("real").join(photo),
        )
        .unwrap();
    }
    let actual = root.join("actual");
    copy_dir(&expected, &actual);
    (expected, actual)
}

fn in_patch(x: u32, y: u32) -> bool {
    let (px, py, side) = PATCH;
    (px..px + side).contains(&x) && (py..py + side).contains(&y)
}

/// Inverts the 12×12 patch of `path` (a PNG, so nothing else moves).
fn change_patch(path: &Path) {
    let mut img = image::open(path).unwrap().to_rgb8();
    for (x, y, px) in img.enumerate_pixels_mut() {
        if in_patch(x, y) {
            px.0 = px.0.map(|v| 255 - v);
        }
    }
    img.save_with_format(path, ImageFormat::Png).unwrap();
}

fn opts(diff_dir: Option<&Path>) -> DirOptions {
    DirOptions {
        diff_dir: diff_dir.map(Path::to_path_buf),
        ..DirOptions::default()
    }
}

#[test]
fn identical_folders_match_and_write_no_diff() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    fs::write(actual.join("notes.txt"), "not an image: ignored").unwrap();
    let diffs = tmp.path().join("diffs");
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(Some(&diffs))).unwrap();
    assert!(report.all_match(), "{}", report.summary());
    assert_eq!(report.files.len(), 8);
    assert_eq!(report.count(Verdict::Match), 8);
    let c = report.files[0].comparison.unwrap();
    assert_eq!((c.max_delta, c.differing_pixels), (0, 0));
    assert!(c.psnr.is_infinite());
    assert!(!diffs.exists(), "no diff images when everything matches");
    assert_eq!(
        report.summary(),
        "all 8 images match (max delta 0, max diff ratio 0.00%)"
    );
}

#[test]
fn a_changed_12x12_patch_mismatches_and_the_diff_highlights_exactly_the_patch() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    let diffs = tmp.path().join("diffs");
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(Some(&diffs))).unwrap();
    let bad: Vec<_> = report.mismatches().collect();
    assert_eq!(bad.len(), 1, "{}", report.summary());
    let file = bad[0];
    assert_eq!(file.path, Path::new(PATCHED));
    assert_eq!(file.verdict, Verdict::Mismatch);
    let c = file.comparison.unwrap();
    assert_eq!(c.differing_pixels, 144);
    assert_eq!(c.total_pixels, 451 * 300);
    assert!(
        c.max_delta > 100,
        "inverting moves channels a lot: {}",
        c.max_delta
    );
    assert!(c.psnr.is_finite() && c.psnr > 20.0, "{}", c.psnr);

    let diff_path = diffs.join("real/chelsea.png.png");
    assert_eq!(file.diff.as_deref(), Some(diff_path.as_path()));
    let diff = image::open(&diff_path).unwrap().to_rgb8();
    assert_eq!(diff.dimensions(), (451, 300));
    for (x, y, px) in diff.enumerate_pixels() {
        let highlighted = px.0 == HIGHLIGHT;
        assert_eq!(highlighted, in_patch(x, y), "diff pixel ({x}, {y})");
        if !highlighted {
            assert!(px.0[0] == px.0[1] && px.0[1] == px.0[2] && px.0[0] >= 178);
        }
    }
    assert_eq!(
        fs::read_dir(&diffs).unwrap().count(),
        1,
        "only the mismatch gets a diff"
    );
}

#[test]
fn a_generous_tolerance_accepts_the_patch_and_the_ratio_is_a_sharp_limit() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    let none = opts(None);
    let all = compare_dirs(&expected, &actual, &Tolerance::new(255, 1.0), &none).unwrap();
    assert!(all.all_match(), "{}", all.summary());
    let share = 144.0 / (451.0 * 300.0);
    let at = compare_dirs(&expected, &actual, &Tolerance::new(0, share), &none).unwrap();
    assert!(at.all_match(), "exactly the allowed share matches");
    let below = compare_dirs(&expected, &actual, &Tolerance::new(0, share * 0.99), &none).unwrap();
    assert!(!below.all_match(), "one pixel over the share mismatches");
}

#[test]
fn a_missing_file_is_a_mismatch() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    fs::remove_file(actual.join("p01.png")).unwrap();
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap();
    assert!(!report.all_match());
    let bad: Vec<_> = report.mismatches().collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].path.as_path(), bad[0].verdict),
        (Path::new("p01.png"), Verdict::Missing)
    );
    assert_eq!(bad[0].describe(), "in expected, not in actual");
    assert_eq!(
        report.summary(),
        "1 of 8 images does not match: 0 mismatch, 0 size-mismatch, 1 missing, 0 extra \
         (max delta 0, max diff ratio 0.00%)"
    );
}

#[test]
fn an_extra_file_is_a_mismatch() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    // No extension: recognised as an image by its content.
    write_png(&actual.join("sub/new"), &picture(20, 10, 3));
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap();
    let bad: Vec<_> = report.mismatches().collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].path.as_path(), bad[0].verdict),
        (Path::new("sub/new"), Verdict::Extra)
    );
}

#[test]
fn different_sizes_are_a_mismatch_with_a_clear_reason() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("a.png"), tmp.path().join("b.png"));
    write_png(&a, &picture(40, 30, 0));
    write_png(&b, &picture(30, 40, 0));
    let c = compare_images(&a, &b, &Tolerance::new(255, 1.0)).unwrap();
    assert_eq!(c.verdict, Verdict::SizeMismatch);
    assert!(!c.is_match(), "no tolerance accepts a different size");
    assert_eq!(c.summary(), "size differs: expected 40x30, actual 30x40");

    let (expected, actual) = fixture(tmp.path());
    write_png(&actual.join("p03.png"), &picture(41, 30, 0));
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap();
    let bad: Vec<_> = report.mismatches().collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].verdict, Verdict::SizeMismatch);
    assert!(
        bad[0].describe().contains("actual 41x30"),
        "{}",
        bad[0].describe()
    );
}

#[test]
fn grey_and_rgb_files_of_the_same_values_compare_equal() {
    let tmp = tempdir();
    let grey = GrayImage::from_fn(16, 8, |x, y| image::Luma([(x * 13 + y * 7) as u8]));
    let rgb = RgbImage::from_fn(16, 8, |x, y| {
        let v = grey.get_pixel(x, y).0[0];
        image::Rgb([v, v, v])
    });
    let (g, c) = (tmp.path().join("g.png"), tmp.path().join("c.png"));
    grey.save_with_format(&g, ImageFormat::Png).unwrap();
    rgb.save_with_format(&c, ImageFormat::Png).unwrap();
    assert!(compare_images(&g, &c, &Tolerance::EXACT)
        .unwrap()
        .is_match());
}

#[test]
fn an_undecodable_file_is_an_error_naming_it() {
    let tmp = tempdir();
    let good = tmp.path().join("good.png");
    let broken = tmp.path().join("broken.png");
    write_png(&good, &picture(20, 10, 0));
    fs::write(&broken, b"this is not a png").unwrap();
    let err = compare_images(&good, &broken, &Tolerance::EXACT).unwrap_err();
    assert_eq!(err.path(), broken);
    assert!(err.to_string().contains("broken.png"), "{err}");

    // A truncated PNG in a folder fails the whole comparison, naming the file.
    let (expected, actual) = fixture(tmp.path());
    let bytes = fs::read(actual.join("p03.png")).unwrap();
    fs::write(actual.join("p03.png"), &bytes[..bytes.len() / 2]).unwrap();
    let err = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap_err();
    assert_eq!(err.path(), actual.join("p03.png"));

    let err = compare_images(&good, &tmp.path().join("nope.png"), &Tolerance::EXACT).unwrap_err();
    assert!(err.to_string().contains("nope.png"), "{err}");
}

#[test]
fn update_copies_actual_over_expected_and_says_what_changed() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    write_png(&actual.join("new.png"), &picture(20, 10, 3));
    fs::remove_file(actual.join("p01.png")).unwrap();
    let report = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap();
    assert_eq!(report.mismatches().count(), 3);

    let changed = update(&report).unwrap();
    let summary: Vec<_> = changed
        .iter()
        .map(|u| (u.path.to_string_lossy().into_owned(), u.was))
        .collect();
    assert_eq!(
        summary,
        [
            ("new.png".to_string(), Verdict::Extra),
            (PATCHED.to_string(), Verdict::Mismatch)
        ]
    );
    for rel in ["new.png", PATCHED] {
        assert_eq!(
            fs::read(expected.join(rel)).unwrap(),
            fs::read(actual.join(rel)).unwrap()
        );
    }
    assert!(
        expected.join("p01.png").exists(),
        "missing goldens are kept"
    );

    let again = compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(None)).unwrap();
    let left: Vec<_> = again.mismatches().map(|f| f.verdict).collect();
    assert_eq!(left, [Verdict::Missing]);
    assert!(
        files_below(&expected)
            .iter()
            .all(|f| !f.to_string_lossy().contains("golden-tmp")),
        "no temporary files left"
    );
}

#[test]
fn the_json_report_has_per_file_figures_and_totals() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    fs::remove_file(actual.join("p01.png")).unwrap();
    let report = compare_dirs(&expected, &actual, &Tolerance::new(0, 0.0001), &opts(None)).unwrap();
    let path = tmp.path().join("report.json");
    report.write_json(&path).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["tolerance"]["max_diff_ratio"], 0.0001);
    let totals = &json["totals"];
    assert_eq!(totals["files"], 8);
    assert_eq!(totals["match"], 6);
    assert_eq!(totals["mismatch"], 1);
    assert_eq!(totals["missing"], 1);
    assert_eq!(totals["all_match"], false);
    let files = json["files"].as_array().unwrap();
    let by_path = |p: &str| files.iter().find(|f| f["path"] == p).unwrap();
    let patched = by_path(PATCHED);
    assert_eq!(patched["verdict"], "mismatch");
    assert_eq!(patched["differing_pixels"], 144);
    assert!(patched["psnr"].as_f64().unwrap() > 20.0);
    assert!(patched["differing_ratio"].as_f64().unwrap() > 0.001);
    let same = by_path("p00.jpg");
    assert_eq!(same["verdict"], "match");
    assert!(same["psnr"].is_null(), "identical: infinite PSNR is null");
    assert_eq!(same["max_delta"], 0);
    let missing = by_path("p01.png");
    assert_eq!(missing["verdict"], "missing");
    assert!(missing["max_delta"].is_null());
}

#[test]
fn a_diff_folder_inside_the_actual_folder_is_not_compared() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    let diffs = actual.join("diffs");
    for _ in 0..2 {
        let report =
            compare_dirs(&expected, &actual, &Tolerance::EXACT, &opts(Some(&diffs))).unwrap();
        assert_eq!(report.mismatches().count(), 1, "{}", report.summary());
    }
}

// ---------------------------------------------------------------------------------------------
// The command line. `fanlight compare` is wired into the binary separately; these run once it is.

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn cli_identical_folders_exit_0_with_one_summary_line() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    let o = fanlight(&["compare", s(&expected), s(&actual)], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "compare: all 8 images match (max delta 0, max diff ratio 0.00%)\n"
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn cli_a_changed_patch_exits_1_names_the_file_and_writes_its_diff() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    let diffs = tmp.path().join("diffs");
    let o = fanlight(
        &["compare", s(&expected), s(&actual), "--diff-dir", s(&diffs)],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("mismatch real/chelsea.png: 144 of 135300 pixels"),
        "{out}"
    );
    assert!(
        lines[0].contains("chelsea.png.png"),
        "names the diff: {out}"
    );
    assert!(
        lines[1].starts_with("compare: 1 of 8 images does not match"),
        "{out}"
    );
    assert!(diffs.join("real/chelsea.png.png").is_file());
}

#[test]
fn cli_max_delta_255_and_ratio_1_accept_the_patch() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    let args = [
        "compare",
        s(&expected),
        s(&actual),
        "--max-delta",
        "255",
        "--max-diff-ratio",
        "1",
    ];
    let o = fanlight(&args, tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn cli_a_missing_file_exits_1() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    fs::remove_file(actual.join("sub/p04.jpg")).unwrap();
    let o = fanlight(&["compare", s(&expected), s(&actual), "-q"], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "missing sub/p04.jpg: in expected, not in actual\n"
    );
}

#[test]
fn cli_two_images_compare_and_a_folder_against_a_file_is_a_usage_error() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    let (e, a) = (expected.join("p01.png"), actual.join("p01.png"));
    let o = fanlight(&["compare", s(&e), s(&a)], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = fanlight(&["compare", s(&expected), s(&a)], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a folder but"), "{}", stderr(&o));
    let o = fanlight(&["compare", s(&e), "no-such-folder"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
    let o = fanlight(
        &["compare", s(&e), s(&a), "--max-diff-ratio", "2"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "ratio above 1 is refused");
}

#[test]
fn cli_an_undecodable_file_exits_2_naming_it() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    fs::write(actual.join("p03.png"), b"garbage").unwrap();
    let o = fanlight(&["compare", s(&expected), s(&actual)], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("p03.png"), "{}", stderr(&o));
}

#[test]
fn cli_report_and_update_bless_the_actual_folder() {
    let tmp = tempdir();
    let (expected, actual) = fixture(tmp.path());
    change_patch(&actual.join(PATCHED));
    write_png(&actual.join("new.png"), &picture(20, 10, 3));
    let report = tmp.path().join("report.json");
    let o = fanlight(
        &[
            "compare",
            s(&expected),
            s(&actual),
            "--report",
            s(&report),
            "--update",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("updated ") && out.contains("(was mismatch)"),
        "{out}"
    );
    assert!(
        out.contains("added ") && out.contains("(was extra)"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["totals"]["mismatch"], 1);
    assert_eq!(json["totals"]["extra"], 1);
    let o = fanlight(&["compare", s(&expected), s(&actual)], tmp.path());
    assert_eq!(o.status.code(), Some(0), "blessed: {}", stdout(&o));
}

#[test]
fn cli_ignore_ext_pairs_a_jpeg_golden_with_a_png_output_by_stem() {
    let tmp = tempdir();
    let (golden, out) = (tmp.path().join("golden"), tmp.path().join("out"));
    std::fs::create_dir_all(golden.join("sub")).unwrap();
    std::fs::create_dir_all(out.join("sub")).unwrap();
    let img = image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 7]));
    // The same pixels: a lossless JPEG is not possible, so the golden is a PNG named
    // differently from the output, and a second pair is a WebP against a PNG.
    img.save_with_format(golden.join("a.png"), ImageFormat::Png)
        .unwrap();
    img.save_with_format(out.join("a.webp"), ImageFormat::WebP)
        .unwrap();
    img.save_with_format(golden.join("sub/b.png"), ImageFormat::Png)
        .unwrap();
    img.save_with_format(out.join("sub/b.tiff"), ImageFormat::Tiff)
        .unwrap();
    let o = fanlight(&["compare", s(&golden), s(&out)], tmp.path());
    assert_eq!(o.status.code(), Some(1), "by whole name nothing pairs");
    assert!(stdout(&o).contains("2 missing, 2 extra"), "{}", stdout(&o));
    let o = fanlight(
        &["compare", s(&golden), s(&out), "--ignore-ext"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("all 2 images match"), "{}", stdout(&o));

    // Two files of one stem on a side cannot be paired.
    img.save_with_format(out.join("a.png"), ImageFormat::Png)
        .unwrap();
    let o = fanlight(
        &["compare", s(&golden), s(&out), "--ignore-ext"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("a.png") && err.contains("a.webp"), "{err}");
    assert!(err.contains("--ignore-ext"), "{err}");
}
