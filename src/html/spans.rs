//! The report's per-worker spans, read from the JSON document, and the slowest photos they
//! show.

use std::collections::HashMap;

use serde_json::Value;

/// How many of the slowest photos the page lists.
pub const SLOWEST: usize = 20;

/// One item's work on one worker, from the report's `workers[].spans`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub(crate) item: usize,
    pub(crate) start_ms: f64,
    pub(crate) busy_ms: f64,
}

/// One worker as the report's `workers[]` gives it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Worker {
    pub(crate) stage: String,
    pub(crate) index: u64,
    pub(crate) busy_s: f64,
    pub(crate) starved_s: f64,
    pub(crate) blocked_s: f64,
    pub(crate) spans: Vec<Span>,
}

impl Worker {
    /// `filter-3`, as in the trace.
    pub(crate) fn name(&self) -> String {
        format!("{}-{}", self.stage, self.index)
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The report's `workers[]`, in its order (stages in pipeline order); none when it has none.
pub(crate) fn parse_workers(doc: &Value) -> Vec<Worker> {
    doc["workers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| Worker {
            stage: w["stage"].as_str().unwrap_or("?").to_string(),
            index: w["worker"].as_u64().unwrap_or(0),
            busy_s: f(&w["busy_s"]),
            starved_s: f(&w["starved_s"]),
            blocked_s: f(&w["blocked_s"]),
            spans: w["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    Some(Span {
                        item: usize::try_from(s.get(0)?.as_u64()?).ok()?,
                        start_ms: s.get(1)?.as_f64()?,
                        busy_ms: s.get(2)?.as_f64()?,
                    })
                })
                .collect(),
        })
        .collect()
}

/// One photo's busy time per stage, for the slowest list.
#[derive(Debug, Clone)]
pub(crate) struct Photo {
    pub(crate) item: usize,
    pub(crate) per_stage: Vec<f64>,
    pub(crate) total: f64,
}

/// The [`SLOWEST`] photos by busy time summed over `stages`, slowest first.
pub(crate) fn slowest_photos(workers: &[Worker], stages: &[String]) -> Vec<Photo> {
    let mut photos: HashMap<usize, Vec<f64>> = HashMap::new();
    for w in workers {
        let Some(at) = stages.iter().position(|s| *s == w.stage) else {
            continue;
        };
        for s in &w.spans {
            photos
                .entry(s.item)
                .or_insert_with(|| vec![0.0; stages.len()])[at] += s.busy_ms;
        }
    }
    let mut list: Vec<Photo> = photos
        .into_iter()
        .map(|(item, per_stage)| Photo {
            item,
            total: per_stage.iter().sum(),
            per_stage,
        })
        .collect();
    list.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.item.cmp(&b.item)));
    list.truncate(SLOWEST);
    list
}
