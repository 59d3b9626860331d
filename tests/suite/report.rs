//! The JSON report and the Chrome trace are complete and consistent with the run.

use std::collections::HashMap;
use std::process::Command;

use crate::common::*;
use serde_json::Value;

fn run_with_documents(workers: &str) -> (tempfile::TempDir, Value, Value, String) {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 9);
    std::fs::write(tmp.path().join("in/bad.jpg"), b"not a photo").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args([
            "convert", "in", "-o", "out", "--resize", "24x24", "--filter", "unsharp",
        ])
        .args(["--watermark", "x", "--font-size", "8", "--workers", workers])
        .args([
            "--report",
            "r.json",
            "--trace",
            "t.json",
            "--progress",
            "stages",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "one bad file");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join(name)).unwrap()).unwrap()
    };
    let (r, t) = (read("r.json"), read("t.json"));
    (tmp, r, t, String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn the_report_adds_up_and_names_every_stage_and_queue() {
    let (_tmp, r, _, stderr) = run_with_documents("3");
    let images = &r["images"];
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(n(&images["total"]), 10);
    assert_eq!(n(&images["ok"]), 9);
    assert_eq!(n(&images["failed"]), 1);
    assert_eq!(
        n(&images["ok"]) + n(&images["failed"]) + n(&images["skipped"]) + n(&images["cancelled"]),
        n(&images["total"])
    );
    let wall = r["wall_s"].as_f64().unwrap();
    let names: Vec<&str> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["load", "resize", "filter", "watermark", "write"]);
    for s in r["stages"].as_array().unwrap() {
        let expected = if s["name"] == "load" { 10 } else { 9 };
        assert_eq!(n(&s["items"]), expected, "{s}");
        let workers = n(&s["workers"]) as f64;
        assert!(
            s["busy_s"].as_f64().unwrap() <= wall * workers + 1e-6,
            "{s}"
        );
        assert!(s["p50_ms"].as_f64().unwrap() <= s["p95_ms"].as_f64().unwrap());
        for key in ["starved_s", "blocked_s"] {
            assert!(s[key].as_f64().unwrap() >= 0.0);
        }
    }
    assert_eq!(r["stages"][2]["workers"], 3);
    assert_eq!(r["queues"].as_array().unwrap().len(), 6);
    for q in r["queues"].as_array().unwrap() {
        assert!(
            q["max_depth"].as_u64().unwrap() <= q["capacity"].as_u64().unwrap(),
            "{q}"
        );
    }
    assert!(r["efficiency"].as_f64().unwrap() <= 1.0 + 1e-9);
    assert!(r["speedup"].as_f64().unwrap() > 0.0);
    assert!(r["bottleneck"].is_string());
    let failure = &r["failures"][0];
    assert!(failure["path"].as_str().unwrap().ends_with("bad.jpg"));
    assert_eq!(failure["stage"], "load");
    assert!(
        !stderr.contains('\x1b'),
        "no control characters when stderr is not a terminal"
    );
}

#[test]
fn the_trace_has_one_span_per_item_per_stage_on_named_worker_tracks() {
    let (_tmp, _, t, _) = run_with_documents("2");
    let events = t["traceEvents"].as_array().unwrap();
    let mut tracks: HashMap<u64, String> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
    {
        tracks.insert(
            e["tid"].as_u64().unwrap(),
            e["args"]["name"].as_str().unwrap().to_string(),
        );
    }
    assert!(tracks.values().any(|t| t == "filter-1"), "{tracks:?}");
    let mut per_stage: HashMap<String, Vec<u64>> = HashMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let stage = e["cat"].as_str().unwrap().to_string();
        let track = &tracks[&e["tid"].as_u64().unwrap()];
        assert!(
            track.starts_with(&stage),
            "span of {stage} on track {track}"
        );
        assert!(e["dur"].as_f64().unwrap() >= 0.0 && e["ts"].as_f64().unwrap() >= 0.0);
        per_stage
            .entry(stage)
            .or_default()
            .push(e["args"]["item"].as_u64().unwrap());
    }
    for (stage, mut items) in per_stage.clone() {
        items.sort_unstable();
        let expected: Vec<u64> = if stage == "load" {
            (0..10).collect()
        } else {
            (0..10).filter(|&i| i != 0).collect()
        };
        assert_eq!(items, expected, "{stage}: one span per item");
    }
    assert_eq!(per_stage.len(), 5);
    assert!(events
        .iter()
        .any(|e| e["ph"] == "C" && e["name"].as_str().unwrap().starts_with("queue")));
}

#[test]
fn auto_pools_never_use_more_threads_than_they_report() {
    let (_tmp, r, t, _) = run_with_documents("auto");
    let events = t["traceEvents"].as_array().unwrap();
    for s in r["stages"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let workers = s["workers"].as_u64().unwrap();
        assert!(s["peak_active"].as_u64().unwrap() <= workers, "{s}");
        let tracks = events
            .iter()
            .filter(|e| e["name"] == "thread_name")
            .filter(|e| {
                e["args"]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{name}-"))
            })
            .count() as u64;
        assert_eq!(
            tracks, workers,
            "{name}: threads in the trace = workers in the report"
        );
    }
    assert_eq!(r["stages"][2]["auto"], true);
    assert_eq!(r["stages"][1]["auto"], false);
}
