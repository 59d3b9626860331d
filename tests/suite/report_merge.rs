//! `fanlight report merge`: the reports of shards combine into one that counts every photo once.

use crate::common::*;

#[test]
fn shard_reports_merge_into_one_counting_every_photo_and_failure() {
    let tmp = tempdir();
    let photos = photo_folder(&tmp.path().join("in"), 9);
    std::fs::write(tmp.path().join("in/broken.jpg"), b"not a photo").unwrap();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let report = format!("r{k}.json");
        let o = fanlight(
            &[
                "convert", "in", "-o", "out", "-q", "--shard", &shard, "--report", &report,
            ],
            tmp.path(),
        );
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    }
    let o = fanlight(
        &[
            "report",
            "merge",
            "r1.json",
            "r2.json",
            "r3.json",
            "-o",
            "merged.json",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(tmp.path().join("merged.json")).unwrap();
    let merged: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(merged["images"]["total"], photos.len() as u64 + 1);
    assert_eq!(merged["images"]["ok"], photos.len() as u64);
    assert_eq!(merged["images"]["failed"], 1);
    let failures = merged["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("broken.jpg"));
    let load = merged["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "load")
        .unwrap();
    assert_eq!(load["items"], photos.len() as u64 + 1);
    assert_eq!(merged["merged"]["shards"], 3);
    assert!(merged["merged"]["notes"].to_string().contains("p95_ms"));
    let walls: Vec<f64> = (1..=3)
        .map(|k| {
            let doc: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(tmp.path().join(format!("r{k}.json"))).unwrap(),
            )
            .unwrap();
            doc["wall_s"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(
        merged["wall_s"].as_f64().unwrap(),
        walls.iter().copied().fold(0.0, f64::max)
    );
}

#[test]
fn merging_a_file_that_is_not_a_report_names_it_with_exit_2() {
    let tmp = tempdir();
    std::fs::write(tmp.path().join("x.json"), "{\"a\": 1}").unwrap();
    let o = fanlight(&["report", "merge", "x.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("x.json"), "{}", stderr(&o));
    let o = fanlight(&["report", "merge", "missing.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
}

#[test]
fn the_same_shard_report_twice_is_refused_naming_both() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 4);
    for (k, report) in [(1, "a.json"), (1, "again.json"), (2, "b.json")] {
        let shard = format!("{k}/2");
        let o = fanlight(
            &[
                "convert", "in", "-o", "out", "-q", "--shard", &shard, "--report", report,
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    // One file named twice: identical content.
    let o = fanlight(&["report", "merge", "a.json", "a.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("a.json and a.json are the same report"),
        "{err}"
    );
    // The same shard from two runs: other timings, the same photos.
    let o = fanlight(
        &["report", "merge", "a.json", "b.json", "again.json"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("a.json and again.json both processed"),
        "{err}"
    );
    let o = fanlight(&["report", "merge", "a.json", "b.json"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
}
