//! The HTML pages: `convert --report-html`, `report FILE --html`, `compare --html` and the page
//! `assert_matches_golden` leaves beside a failed case's images. What a browser is not needed
//! for: the page is self-contained, names every stage, lists every failure with its name
//! escaped, and stays under its size bound.

use std::fs;
use std::path::Path;

use crate::common::*;
use fanlight::golden::{assert_matches_golden, diff_root, Tolerance};
use fanlight::report::report_html;
use serde_json::{json, Value};

const STAGES: [&str; 5] = ["load", "resize", "filter", "watermark", "write"];

/// Nothing in `html` can load anything: no URL scheme, no `<link>`, no CSS `url()` or
/// `@import`, and every `src` a `data:` URI.
fn assert_self_contained(html: &str) {
    for banned in [
        "http:", "https:", "://", "<link", "url(", "@import", "<iframe", "<object",
    ] {
        assert!(!html.contains(banned), "the page contains {banned:?}");
    }
    assert!(
        !html.contains("src='") && !html.contains("src=data"),
        "unquoted or single-quoted src"
    );
    for (at, _) in html.match_indices("src=\"") {
        let value = &html[at + 4..];
        assert!(
            value.starts_with("\"data:"),
            "src not a data URI: {}",
            &value[..value.len().min(60)]
        );
    }
    for (at, _) in html.match_indices("href=") {
        assert!(html[at..].starts_with("href=\"#"), "a link out of the page");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

/// Awkward but legal file names (markup, an ampersand, quotes, a control character) and how
/// the page must show them.
const BAD_NAMES: [(&str, &str); 2] = [
    ("bad <b>&\"q\".jpg", "bad &lt;b&gt;&amp;&quot;q&quot;.jpg"),
    ("ctrl\u{1}'s.jpg", "ctrl\\x01&#39;s.jpg"),
];

#[test]
fn a_run_report_page_is_self_contained_names_every_stage_and_lists_every_failure() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 6);
    for (name, _) in BAD_NAMES {
        fs::write(input.join(name), b"not a photo").unwrap();
    }
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--resize",
            "24x24",
            "--watermark",
            "x",
            "--font-size",
            "8",
            "--report",
            "r.json",
            "--report-html",
            "r.html",
            "--progress",
            "none",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "two bad files: {}", stderr(&o));
    let html = fs::read_to_string(tmp.path().join("r.html")).unwrap();
    assert_self_contained(&html);
    for stage in STAGES {
        assert!(
            html.contains(&format!("<b>{stage}</b>")),
            "stage {stage} in the table"
        );
        assert!(html.contains(&format!("{stage}-0")), "a lane for {stage}-0");
    }
    for (name, shown) in BAD_NAMES {
        assert!(html.contains(&format!(">{shown}<")), "{shown} listed");
        assert!(!html.contains(name), "{name:?} reached the page unescaped");
    }
    assert!(
        !html.contains('\u{1}'),
        "a control character reached the page"
    );
    assert!(html.contains("Failures (2)"));
    // One bar per photo per stage: 8 photos in load, 6 in each later stage.
    let bars = html.matches(" data-i=\"").count();
    assert!(bars >= 8 + 4 * 6, "{bars} timeline bars and rows");
    assert!(
        html.contains("The 8 slowest photos"),
        "every photo with a span"
    );

    // The saved report renders to the same page: one code path.
    let o = fanlight(&["report", "r.json", "--html", "again.html"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = fs::read_to_string(tmp.path().join("again.html")).unwrap();
    assert!(again == html, "report --html differs from --report-html");
}

#[test]
fn report_html_refuses_a_file_that_is_not_a_report() {
    let tmp = tempdir();
    fs::write(tmp.path().join("x.json"), "{\"hello\": 1}").unwrap();
    let o = fanlight(&["report", "x.json", "--html", "x.html"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a fanlight --report document"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x.html").exists());
    let o = fanlight(&["report", "x.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "--html is required");
}

/// A report document of `photos` photos, as `report_json` writes it, built directly so the
/// test is fast: 2 load, 1 resize, 2 filter, 1 watermark and 2 write workers, every 50th
/// photo failing in load, queues sampled every 100 ms.
fn synthetic_report(photos: usize) -> Value {
    let pools = [
        ("load", 2),
        ("resize", 1),
        ("filter", 2),
        ("watermark", 1),
        ("write", 2),
    ];
    let cost_ms = [40.0, 10.0, 30.0, 1.0, 25.0];
    let failed = |i: usize| i % 50 == 49;
    let mut workers = Vec::new();
    let mut wall_ms: f64 = 0.0;
    for (s, (stage, n)) in pools.iter().enumerate() {
        for w in 0..*n {
            let mut at = s as f64 * 40.0;
            let spans: Vec<Value> = (0..photos)
                .filter(|i| i % n == w && (s == 0 || !failed(*i)))
                .map(|i| {
                    let busy = cost_ms[s] * (1.0 + (i % 7) as f64 / 7.0);
                    let span = json!([i, at, busy]);
                    at += busy * 1.1;
                    span
                })
                .collect();
            wall_ms = wall_ms.max(at);
            workers.push(json!({
                "stage": stage, "worker": w, "items": spans.len(), "busy_s": 1.0, "cpu_s": 1.0,
                "starved_s": 0.1, "blocked_s": 0.1, "spans": spans
            }));
        }
    }
    let wall = wall_ms / 1e3;
    let samples: Vec<Value> = (0..1200)
        .map(|k| json!([k as f64 * wall / 1200.0, k % 5]))
        .collect();
    let failures: Vec<Value> = (0..photos)
        .filter(|i| failed(*i))
        .map(|i| {
            json!({ "path": format!("in/{i:05} <odd> & \"name\".jpg"), "stage": "load",
                    "error": format!("cannot decode <{i}>"), "cancelled": false })
        })
        .collect();
    let n_failed = failures.len();
    json!({
        "wall_s": wall, "cores": 8,
        "images": { "total": photos, "ok": photos - n_failed, "failed": n_failed, "skipped": 0,
                    "cancelled": 0, "warnings": 0 },
        "megapixels_in": photos as f64 * 12.0, "megapixels_out": photos as f64 * 2.0,
        "bytes_out": photos * 400_000, "images_per_s": photos as f64 / wall,
        "megapixels_per_s": photos as f64 * 12.0 / wall,
        "stages": pools.iter().enumerate().map(|(s, (stage, n))| json!({
            "name": stage, "workers": n, "auto": false, "peak_active": n, "items": photos,
            "busy_s": cost_ms[s] * photos as f64 / 1e3, "cpu_s": 1.0, "starved_s": 1.0,
            "blocked_s": 1.0, "p50_ms": cost_ms[s], "p95_ms": cost_ms[s] * 1.8 })).collect::<Vec<_>>(),
        "queues": STAGES.iter().enumerate().map(|(q, to)| json!({
            "from": if q == 0 { "discover" } else { STAGES[q - 1] }, "to": to, "capacity": 4,
            "mean_depth": 2.0, "max_depth": 4, "samples": samples })).collect::<Vec<_>>(),
        "efficiency": 0.9, "speedup": 7.2, "bottleneck": "load",
        "bottleneck_hint": "load is the bottleneck (busy 95%): try --load-workers 3",
        "cancelled_by": null, "failures": failures, "warnings": [],
        "workers": workers,
        "inputs": (0..photos).map(|i| format!("in/{i:05} <odd> & \"name\".jpg")).collect::<Vec<_>>(),
    })
}

#[test]
fn a_10000_photo_report_stays_under_5_mb_and_still_lists_every_failure() {
    let doc = synthetic_report(10_000);
    let html = report_html(&doc);
    assert!(html.len() < 5 << 20, "{} bytes", html.len());
    assert_self_contained(&html);
    assert!(
        html.contains("too many to draw one by one"),
        "the timeline is aggregated"
    );
    for stage in STAGES {
        assert!(html.contains(&format!("<b>{stage}</b>")), "{stage}");
    }
    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 200);
    for (f, i) in failures.iter().zip((49..10_000).step_by(50)) {
        assert_eq!(f["error"], format!("cannot decode <{i}>"));
        let row = format!(
            "<td class=\"path\">{i:05} &lt;odd&gt; &amp; &quot;name&quot;.jpg</td><td>load</td>\
             <td>cannot decode &lt;{i}&gt;</td>"
        );
        assert!(html.contains(&row), "failure {i} listed");
    }
    assert!(html.contains("The 20 slowest photos"));
}

#[test]
fn a_small_report_draws_one_bar_per_span() {
    let doc = synthetic_report(30);
    let spans: usize = doc["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["spans"].as_array().unwrap().len())
        .sum();
    let html = report_html(&doc);
    assert!(html.contains("One bar per photo per stage"));
    // Bars carry data-i, as do the 20 rows of the slowest list and the outlines of 5 photos.
    let outlined = html.matches("class=\"slow\"").count();
    assert_eq!(html.matches(" data-i=\"").count(), spans + 20 + outlined);
    assert!(html.len() < 200_000, "{} bytes", html.len());
}

/// `expected/` and `actual/`: one photo changed, one resized, one missing, one extra, two equal.
fn compare_folders(root: &Path) {
    let (e, a) = (root.join("expected"), root.join("actual"));
    fs::create_dir_all(&e).unwrap();
    fs::create_dir_all(&a).unwrap();
    for (i, name) in [
        "same1.png",
        "same2.png",
        "changed <1>.png",
        "resized.png",
        "gone.png",
    ]
    .iter()
    .enumerate()
    {
        write_png(&e.join(name), &picture(60, 40, i as u8 * 30));
    }
    for name in ["same1.png", "same2.png"] {
        fs::copy(e.join(name), a.join(name)).unwrap();
    }
    let mut changed = picture(60, 40, 60);
    changed.put_pixel(10, 10, image::Rgb([0, 255, 0]));
    write_png(&a.join("changed <1>.png"), &changed);
    write_png(&a.join("resized.png"), &picture(50, 40, 90));
    write_png(&a.join("new & extra.png"), &picture(20, 20, 0));
}

#[test]
fn the_compare_page_shows_every_differing_pair_and_lists_missing_and_extra_files() {
    let tmp = tempdir();
    compare_folders(tmp.path());
    let o = fanlight(
        &["compare", "expected", "actual", "--html", "c.html"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let html = fs::read_to_string(tmp.path().join("c.html")).unwrap();
    assert_self_contained(&html);
    for (g, name) in ["changed &lt;1&gt;.png", "resized.png"].iter().enumerate() {
        assert!(
            html.contains(&format!("<h2 class=\"path\">{name}</h2>")),
            "{name}"
        );
        for k in 0..3 {
            assert!(
                html.contains(&format!("data-g=\"{g}\" data-k=\"{k}\"")),
                "{name}: image {k}"
            );
        }
    }
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 6);
    assert!(html.contains("<b>1</b> of 2\u{2009}400 pixels"));
    assert!(html.contains("size mismatch</b>: expected 60×40, actual 50×40"));
    assert!(
        html.contains("Missing: in expected, not in actual (1)")
            && html.contains("<li>gone.png</li>")
    );
    assert!(
        html.contains("Extra: in actual, no golden yet (1)")
            && html.contains("<li>new &amp; extra.png</li>")
    );
    assert!(html.contains("Matching (2)"));
    assert!(
        html.contains("Differing (2)") && html.contains("href=\"#d1\""),
        "an index of the pairs"
    );
    assert!(!html.contains("<1>"), "names are escaped");

    // An all-matching comparison says so.
    let o = fanlight(
        &[
            "compare",
            "expected/same1.png",
            "actual/same1.png",
            "--html",
            "ok.html",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let ok = fs::read_to_string(tmp.path().join("ok.html")).unwrap();
    assert!(ok.contains("All images match."));
    assert!(!ok.contains("<img src="));
}

#[test]
fn a_failed_golden_assertion_leaves_a_page_beside_its_images() {
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        return;
    }
    let tmp = tempdir();
    let golden = tmp.path().join("html-selftest-mismatch.png");
    let img = picture(24, 16, 0);
    write_png(&golden, &img);
    let mut changed = img.clone();
    changed.put_pixel(3, 5, image::Rgb([0, 255, 0]));
    let err = std::panic::catch_unwind(|| {
        assert_matches_golden(&golden, &changed, &Tolerance::EXACT);
    })
    .unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("report.html"), "{msg}");
    let page = diff_root().join("html-selftest-mismatch/report.html");
    let html = fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("html-selftest-mismatch.png"));
    assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 3);
    assert!(html.contains("<b>1</b> of 384 pixels"));
    assert_matches_golden(&golden, &changed, &Tolerance::new(255, 0.0));
    assert!(!page.exists(), "a passing case removes its folder");
}
