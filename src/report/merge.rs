//! `fanlight report merge`: the `--report` documents of several shards (`--shard K/N` on N
//! machines) combined into one of the same shape.
//!
//! Counts, sizes, times and failures add up. The shards are taken to have run side by side, so
//! the merged `wall_s` is the longest shard's and the rates are the totals over it. Percentiles
//! cannot be merged from summaries: `p50_ms` and `p95_ms` are the largest shard's, and the
//! document's `merged.notes` say so.

use serde_json::{json, Map, Value};

/// What the merged document cannot state exactly, written into it.
pub const NOTES: [&str; 4] = [
    "wall_s is the longest shard's: the shards are taken to have run side by side, and images_per_s, megapixels_per_s and speedup are totals over it",
    "stages[].p50_ms and p95_ms are the largest shard's value: percentiles of the parts do not give the whole's",
    "efficiency is all CPU time over the sum of each shard's wall time x cores; bottleneck is the stage with the largest busy share over all shards",
    "queues[].mean_depth is weighted by each shard's wall time; max_depth and capacity are the largest",
];

/// Merges `reports`, each `(name for messages, document)`, into one document.
///
/// # Errors
/// A message naming the document that is not a fanlight report.
pub fn merge_reports(reports: &[(String, Value)]) -> Result<Value, String> {
    if reports.is_empty() {
        return Err("no reports to merge".into());
    }
    refuse_repeats(reports)?;
    let mut walls = Vec::new();
    let mut cores = 0u64;
    let mut images = Map::new();
    let mut totals = [0.0f64; 2];
    let mut bytes_out = 0u64;
    let mut stages: Vec<(String, Map<String, Value>, f64)> = Vec::new();
    let mut queues: Vec<(String, String, Map<String, Value>, f64)> = Vec::new();
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut outputs = Vec::new();
    let mut inputs: Vec<Value> = Vec::new();
    let mut inputs_bytes = Map::new();
    let mut cancelled_by = Value::Null;
    let mut core_seconds = 0.0;
    for (name, doc) in reports {
        let bad = |what: &str| format!("{name}: not a fanlight --report document ({what})");
        let wall = doc["wall_s"].as_f64().ok_or_else(|| bad("no wall_s"))?;
        let shard_cores = doc["cores"].as_u64().ok_or_else(|| bad("no cores"))?;
        walls.push(wall);
        cores += shard_cores;
        core_seconds += wall * shard_cores as f64;
        let counts = doc["images"].as_object().ok_or_else(|| bad("no images"))?;
        for (key, value) in counts {
            let sum =
                images.get(key).and_then(Value::as_u64).unwrap_or(0) + value.as_u64().unwrap_or(0);
            images.insert(key.clone(), json!(sum));
        }
        totals[0] += doc["megapixels_in"].as_f64().unwrap_or(0.0);
        totals[1] += doc["megapixels_out"].as_f64().unwrap_or(0.0);
        bytes_out += doc["bytes_out"].as_u64().unwrap_or(0);
        for stage in doc["stages"].as_array().ok_or_else(|| bad("no stages"))? {
            let stage_name = stage["name"]
                .as_str()
                .ok_or_else(|| bad("a stage without a name"))?;
            let at = match stages.iter().position(|(n, _, _)| n == stage_name) {
                Some(at) => at,
                None => {
                    stages.push((stage_name.to_string(), Map::new(), 0.0));
                    stages.len() - 1
                }
            };
            let (_, merged, worker_seconds) = &mut stages[at];
            *worker_seconds += wall * stage["workers"].as_f64().unwrap_or(0.0);
            merge_stage(merged, stage);
        }
        for queue in doc["queues"].as_array().into_iter().flatten() {
            let from = queue["from"].as_str().unwrap_or_default().to_string();
            let to = queue["to"].as_str().unwrap_or_default().to_string();
            let at = match queues
                .iter()
                .position(|(f, t, _, _)| *f == from && *t == to)
            {
                Some(at) => at,
                None => {
                    queues.push((from, to, Map::new(), 0.0));
                    queues.len() - 1
                }
            };
            let (_, _, merged, weighted_depth) = &mut queues[at];
            *weighted_depth += queue["mean_depth"].as_f64().unwrap_or(0.0) * wall;
            for key in ["capacity", "max_depth"] {
                let value = queue[key].as_u64().unwrap_or(0);
                let old = merged.get(key).and_then(Value::as_u64).unwrap_or(0);
                merged.insert(key.into(), json!(old.max(value)));
            }
        }
        failures.extend(doc["failures"].as_array().into_iter().flatten().cloned());
        warnings.extend(doc["warnings"].as_array().into_iter().flatten().cloned());
        // Each shard's outputs point into its own `inputs`; in the merged document they point
        // into the shards' inputs in order.
        for output in doc["outputs"].as_array().into_iter().flatten() {
            let mut output = output.clone();
            if let Some(i) = output["input"].as_u64() {
                output["input"] = json!(i + inputs.len() as u64);
            }
            outputs.push(output);
        }
        for (i, bytes) in doc["inputs_bytes"].as_object().into_iter().flatten() {
            if let Ok(i) = i.parse::<usize>() {
                inputs_bytes.insert((i + inputs.len()).to_string(), bytes.clone());
            }
        }
        inputs.extend(doc["inputs"].as_array().into_iter().flatten().cloned());
        if cancelled_by.is_null() {
            cancelled_by = doc["cancelled_by"].clone();
        }
    }
    let wall = walls.iter().copied().fold(0.0, f64::max);
    let sum_walls: f64 = walls.iter().sum();
    let per_sec = |amount: f64| if wall > 0.0 { amount / wall } else { 0.0 };
    let cpu: f64 = stages
        .iter()
        .map(|(_, s, _)| s.get("cpu_s").and_then(Value::as_f64).unwrap_or(0.0))
        .sum();
    let busiest = stages
        .iter()
        .map(|(name, s, worker_seconds)| {
            let busy = s.get("busy_s").and_then(Value::as_f64).unwrap_or(0.0);
            let share = if *worker_seconds > 0.0 {
                busy / worker_seconds
            } else {
                0.0
            };
            (name.clone(), share)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let ok = images.get("ok").and_then(Value::as_u64).unwrap_or(0);
    let utf8_only = inputs_bytes.is_empty();
    let mut doc = json!({
        "wall_s": wall,
        "cores": cores,
        "images": images,
        "megapixels_in": totals[0],
        "megapixels_out": totals[1],
        "bytes_out": bytes_out,
        "images_per_s": per_sec(ok as f64),
        "megapixels_per_s": per_sec(totals[0]),
        "stages": stages.into_iter().map(|(_, s, _)| Value::Object(s)).collect::<Vec<_>>(),
        "queues": queues.into_iter().map(|(from, to, mut q, weighted)| {
            q.insert("from".into(), json!(from));
            q.insert("to".into(), json!(to));
            q.insert("mean_depth".into(), json!(if sum_walls > 0.0 { weighted / sum_walls } else { 0.0 }));
            Value::Object(q)
        }).collect::<Vec<_>>(),
        "efficiency": if core_seconds > 0.0 { cpu / core_seconds } else { 0.0 },
        "speedup": per_sec(cpu),
        "bottleneck": busiest.as_ref().map(|(name, _)| name.clone()),
        "bottleneck_hint": busiest.map(|(name, share)| format!(
            "{name} was the busiest stage over {} shards (busy {:.0}%)", reports.len(), share * 100.0
        )),
        "cancelled_by": cancelled_by,
        "failures": failures,
        "warnings": warnings,
        "inputs": inputs,
        "inputs_bytes": inputs_bytes,
        "outputs": outputs,
        "merged": {
            "shards": reports.len(),
            "from": reports.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
            "shard_wall_s": walls,
            "notes": NOTES,
        },
    });
    if utf8_only {
        doc.as_object_mut().map(|d| d.remove("inputs_bytes"));
    }
    Ok(doc)
}

/// Refuses a report given twice, which would count its photos twice: two identical documents
/// (the same file named twice, or a copy), or two that processed the same photo (the same
/// shard's report from two runs: shards never share a photo).
fn refuse_repeats(reports: &[(String, Value)]) -> Result<(), String> {
    let mut owner: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (i, (name, doc)) in reports.iter().enumerate() {
        if let Some((first, _)) = reports[..i].iter().find(|(_, d)| d == doc) {
            return Err(format!(
                "{first} and {name} are the same report: its photos would be counted twice; give each shard's report once"
            ));
        }
        for input in doc["inputs"].as_array().into_iter().flatten() {
            let Some(input) = input.as_str() else {
                continue;
            };
            match owner.insert(input, name) {
                Some(first) if first != name => {
                    return Err(format!(
                        "{first} and {name} both processed {input}: they are reports of the same shard (or of overlapping runs), and merging would count it twice; give each shard's report once"
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Adds one shard's stage into the merged one: sums, except `auto` (any) and percentiles (max).
fn merge_stage(merged: &mut Map<String, Value>, stage: &Value) {
    let Some(fields) = stage.as_object() else {
        return;
    };
    for (key, value) in fields {
        let old = merged.get(key);
        let new = match key.as_str() {
            "name" => value.clone(),
            "auto" => json!(
                value.as_bool().unwrap_or(false) || old.and_then(Value::as_bool).unwrap_or(false)
            ),
            "p50_ms" | "p95_ms" => {
                json!(value
                    .as_f64()
                    .unwrap_or(0.0)
                    .max(old.and_then(Value::as_f64).unwrap_or(0.0)))
            }
            _ if value.is_u64() => {
                json!(value.as_u64().unwrap_or(0) + old.and_then(Value::as_u64).unwrap_or(0))
            }
            _ if value.is_number() => {
                json!(value.as_f64().unwrap_or(0.0) + old.and_then(Value::as_f64).unwrap_or(0.0))
            }
            _ => value.clone(),
        };
        merged.insert(key.clone(), new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(wall: f64, ok: u64, busy: f64, p95: f64, failure: Option<&str>) -> Value {
        json!({
            "wall_s": wall, "cores": 2,
            "images": { "total": ok + u64::from(failure.is_some()), "ok": ok,
                        "failed": u64::from(failure.is_some()), "skipped": 0, "cancelled": 0 },
            "megapixels_in": 10.0, "megapixels_out": 2.0, "bytes_out": 1000,
            "images_per_s": 1.0, "megapixels_per_s": 1.0,
            "stages": [
                { "name": "load", "workers": 2, "auto": false, "peak_active": 2, "items": ok,
                  "busy_s": busy, "cpu_s": busy, "starved_s": 0.5, "blocked_s": 0.0,
                  "p50_ms": 10.0, "p95_ms": p95 },
                { "name": "write", "workers": 2, "auto": true, "peak_active": 1, "items": ok,
                  "busy_s": 0.1, "cpu_s": 0.1, "starved_s": 1.0, "blocked_s": 0.0,
                  "p50_ms": 1.0, "p95_ms": 2.0 }
            ],
            "queues": [ { "from": "discover", "to": "load", "capacity": 4, "mean_depth": 2.0, "max_depth": 4 } ],
            "efficiency": 0.5, "speedup": 1.0, "bottleneck": "load", "bottleneck_hint": "x",
            "cancelled_by": null,
            "failures": failure.map(|p| vec![json!({ "path": p, "stage": "load", "error": "bad", "cancelled": false })]).unwrap_or_default(),
            "warnings": failure.map(|p| vec![json!({ "path": format!("{p}.warned"), "stage": "load", "message": "damaged" })]).unwrap_or_default()
        })
    }

    #[test]
    fn counts_and_times_add_up_and_percentiles_take_the_largest() {
        let merged = merge_reports(&[
            ("a.json".into(), shard(2.0, 3, 3.0, 40.0, None)),
            ("b.json".into(), shard(4.0, 5, 5.0, 90.0, Some("in/x.jpg"))),
        ])
        .unwrap();
        assert_eq!(merged["images"]["ok"], 8);
        assert_eq!(merged["images"]["failed"], 1);
        assert_eq!(merged["images"]["total"], 9);
        assert_eq!(merged["cores"], 4);
        assert_eq!(merged["wall_s"], 4.0);
        assert_eq!(merged["bytes_out"], 2000);
        assert_eq!(merged["images_per_s"], 2.0);
        let load = &merged["stages"][0];
        assert_eq!(load["name"], "load");
        assert_eq!(load["items"], 8);
        assert_eq!(load["workers"], 4);
        assert_eq!(load["busy_s"], 8.0);
        assert_eq!(load["p95_ms"], 90.0);
        assert_eq!(merged["stages"][1]["auto"], true);
        // CPU 8.2 s over (2 s + 4 s) x 2 cores.
        let efficiency = merged["efficiency"].as_f64().unwrap();
        assert!((efficiency - 8.2 / 12.0).abs() < 1e-9, "{efficiency}");
        assert_eq!(merged["bottleneck"], "load");
        assert_eq!(merged["failures"][0]["path"], "in/x.jpg");
        assert_eq!(merged["warnings"][0]["path"], "in/x.jpg.warned");
        assert_eq!(merged["warnings"].as_array().map(Vec::len), Some(1));
        assert_eq!(merged["merged"]["shards"], 2);
        assert_eq!(merged["queues"][0]["mean_depth"], 2.0);
    }

    #[test]
    fn the_same_report_or_shard_twice_is_refused() {
        let a = shard(2.0, 3, 3.0, 40.0, None);
        let err = merge_reports(&[("a.json".into(), a.clone()), ("b.json".into(), a.clone())])
            .unwrap_err();
        assert!(
            err.contains("a.json and b.json are the same report"),
            "{err}"
        );
        // The same shard run twice: different timings, the same photos.
        let mut first = a.clone();
        first["inputs"] = json!(["in/p1.jpg", "in/p2.jpg"]);
        let mut again = shard(2.5, 3, 3.1, 41.0, None);
        again["inputs"] = json!(["in/p2.jpg", "in/p3.jpg"]);
        let err = merge_reports(&[("a.json".into(), first.clone()), ("c.json".into(), again)])
            .unwrap_err();
        assert!(err.contains("both processed in/p2.jpg"), "{err}");
        // Disjoint shards merge.
        let mut other = shard(2.5, 3, 3.1, 41.0, None);
        other["inputs"] = json!(["in/p4.jpg"]);
        assert!(merge_reports(&[("a.json".into(), first), ("d.json".into(), other)]).is_ok());
    }

    #[test]
    fn a_document_that_is_not_a_report_is_named() {
        let err = merge_reports(&[("notes.json".into(), json!({ "hello": 1 }))]).unwrap_err();
        assert!(err.contains("notes.json"), "{err}");
    }
}
