//! The run report page, rendered from the `--report` JSON document alone, so a fresh run, a
//! saved report and a merged one (`fanlight report merge`) all render the same way.

use std::fmt::Write as _;

use serde_json::Value;

use super::spans::{parse_workers, slowest_photos, Photo, Worker};
use super::svg::{share_bar, stage_colour, step_chart, Svg, CLOCK_COLOURS};
use super::timeline::{short_name, timeline, FOLLOW_JS, OUTLINED};
use super::{count, escape, millis, page, pct, seconds};

const CSS: &str = "\
.bars td{padding:2px 8px}.bars svg{display:block}\
.scroll{max-height:520px;overflow:auto}\
.tlwrap{overflow-x:auto}\
svg rect.slow{stroke:#111;stroke-width:1.2}\
svg rect.hl{stroke:#000;stroke-width:2;fill-opacity:1}\
tr.hl td{background:#fff3c4}\
.queues{display:flex;flex-wrap:wrap;gap:8px 18px}\
.cancel{color:#6b7280}\
";

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// The run report as one self-contained HTML page.
///
/// `doc` is a `--report` document. What it lacks is said on the page rather than failing: a
/// merged report has no per-worker clocks, queue samples or spans, so it has no worker bars,
/// queue charts or timeline.
#[must_use]
pub fn report_html(doc: &Value) -> String {
    let wall = f(&doc["wall_s"]);
    let workers = parse_workers(doc);
    let inputs: Vec<&str> = doc["inputs"]
        .as_array()
        .map(|a| a.iter().map(|p| p.as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    let stage_names: Vec<String> = doc["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    let slowest = slowest_photos(&workers, &stage_names);
    let failure_paths: Vec<&str> = doc["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(doc["warnings"].as_array().into_iter().flatten())
        .filter_map(|f| f["path"].as_str())
        .collect();
    let base = common_dir(if inputs.is_empty() {
        &failure_paths
    } else {
        &inputs
    });
    let mut body = String::new();
    let total = u(&doc["images"]["total"]);
    let _ = write!(
        body,
        "<h1>fanlight run report</h1><p class=\"sub\">{} photo{} in {} on {} cores</p>",
        count(total),
        if total == 1 { "" } else { "s" },
        seconds(wall),
        u(&doc["cores"])
    );
    summary(&mut body, doc);
    stages_section(&mut body, doc, wall);
    workers_section(&mut body, &workers, wall);
    queues_section(&mut body, doc, wall);
    let name_of = |i: usize| short_name(inputs.get(i).copied(), i);
    body.push_str("<section><h2>Timeline</h2>");
    if workers.iter().any(|w| !w.spans.is_empty()) {
        let outlined: Vec<usize> = slowest.iter().take(OUTLINED).map(|p| p.item).collect();
        let (svg, how) = timeline(&workers, wall, &name_of, &outlined);
        legend_stages(&mut body, &stage_names);
        let _ = write!(
            body,
            "<div class=\"tlwrap\">{svg}</div><p class=\"note\">{}</p>",
            escape(&how)
        );
    } else if doc["workers"].is_array() {
        body.push_str("<p>No photo was processed in this run, so there is nothing to draw.</p>");
    } else {
        no_detail(&mut body, doc, "spans");
    }
    body.push_str("</section>");
    slowest_section(&mut body, &slowest, &stage_names, &inputs, &base);
    failures_section(&mut body, doc, &base);
    body.push_str(
        "<p class=\"note\">Made by fanlight from its JSON report; everything is in this file, \
         nothing is loaded from elsewhere.</p>",
    );
    let noun = if total == 1 { "photo" } else { "photos" };
    let title = format!("fanlight: {total} {noun} in {}", seconds(wall));
    page(&title, CSS, &body, FOLLOW_JS)
}

fn card(body: &mut String, value: &str, label: &str, class: &str) {
    let _ = write!(
        body,
        "<div class=\"card {class}\"><b>{}</b><span>{}</span></div>",
        escape(value),
        escape(label)
    );
}

fn summary(body: &mut String, doc: &Value) {
    let images = &doc["images"];
    body.push_str("<section><h2>Summary</h2><div class=\"cards\">");
    card(body, &count(u(&images["total"])), "photos", "");
    card(body, &count(u(&images["ok"])), "written", "good");
    // Photos with several outputs (variants): the files as well.
    let files = u(&images["outputs"]);
    if files > u(&images["ok"]) {
        card(body, &count(files), "files", "good");
    }
    let failed = u(&images["failed"]);
    card(
        body,
        &count(failed),
        "failed",
        if failed > 0 { "bad" } else { "" },
    );
    for (key, label) in [
        ("skipped", "skipped"),
        ("cancelled", "cancelled"),
        ("warnings", "with warnings"),
    ] {
        if u(&images[key]) > 0 {
            card(body, &count(u(&images[key])), label, "");
        }
    }
    card(body, &seconds(f(&doc["wall_s"])), "wall time", "");
    card(
        body,
        &format!("{:.1}", f(&doc["images_per_s"])),
        "images/s",
        "",
    );
    card(
        body,
        &format!("{:.1}", f(&doc["megapixels_per_s"])),
        "MP/s (input)",
        "",
    );
    card(
        body,
        &pct(f(&doc["efficiency"])),
        &format!("CPU efficiency on {} cores", u(&doc["cores"])),
        "",
    );
    card(
        body,
        &format!("{:.2}×", f(&doc["speedup"])),
        "speedup over one worker",
        "",
    );
    if let Some(b) = doc["bottleneck"].as_str() {
        card(body, b, "bottleneck", "");
    }
    body.push_str("</div>");
    let _ = write!(
        body,
        "<p class=\"note\">{:.1} MP in, {:.1} MP out, {} written.</p>",
        f(&doc["megapixels_in"]),
        f(&doc["megapixels_out"]),
        bytes(u(&doc["bytes_out"]))
    );
    if let Some(hint) = doc["bottleneck_hint"].as_str() {
        let _ = write!(body, "<p class=\"hint\">{}</p>", escape(hint));
    }
    if let Some(by) = doc["cancelled_by"].as_str() {
        let _ = write!(
            body,
            "<p class=\"hint\">The run was cancelled ({}).</p>",
            escape(by)
        );
    }
    if let Some(merged) = doc["merged"].as_object() {
        let shards = merged
            .get("from")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let _ = write!(
            body,
            "<p class=\"note\">Merged from {shards} shard reports. "
        );
        for note in merged
            .get("notes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let _ = write!(body, "{}. ", escape(note.as_str().unwrap_or_default()));
        }
        body.push_str("</p>");
    }
    body.push_str("</section>");
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.2} GB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.0} kB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

fn legend_clocks(body: &mut String) {
    body.push_str("<div class=\"legend\">");
    let names = [
        "busy (working)",
        "starved (waiting for input)",
        "blocked (waiting for room downstream)",
        "other (parked, starting, ending)",
    ];
    for ((_, colour), name) in CLOCK_COLOURS.iter().zip(names) {
        let _ = write!(
            body,
            "<span><i style=\"background:{colour}\"></i>{name}</span>"
        );
    }
    body.push_str("</div>");
}

fn legend_stages(body: &mut String, stages: &[String]) {
    body.push_str("<div class=\"legend\">");
    for s in stages {
        let _ = write!(
            body,
            "<span><i style=\"background:{}\"></i>{}</span>",
            stage_colour(s),
            escape(s)
        );
    }
    body.push_str("</div>");
}

/// The four shares of one row: busy, starved, blocked, and whatever is left.
fn shares(
    busy: f64,
    starved: f64,
    blocked: f64,
    available: f64,
) -> [(f64, &'static str, &'static str); 4] {
    let s = |v: f64| if available > 0.0 { v / available } else { 0.0 };
    let (b, st, bl) = (s(busy), s(starved), s(blocked));
    let rest = (1.0 - b - st - bl).max(0.0);
    [
        (b, CLOCK_COLOURS[0].1, "busy"),
        (st, CLOCK_COLOURS[1].1, "starved"),
        (bl, CLOCK_COLOURS[2].1, "blocked"),
        (rest, CLOCK_COLOURS[3].1, "other"),
    ]
}

fn bar(parts: &[(f64, &str, &str)], label: &str) -> String {
    let mut svg = Svg::new(520.0, 18.0, label);
    share_bar(&mut svg, 0.0, 1.0, 520.0, 16.0, parts);
    svg.finish()
}

fn stages_section(body: &mut String, doc: &Value, wall: f64) {
    body.push_str("<section><h2>Stages: where the time went</h2>");
    legend_clocks(body);
    body.push_str(
        "<table class=\"bars\"><tr><th>stage</th><th class=\"n\">workers</th><th class=\"n\">items</th>\
         <th>share of the workers' time</th><th class=\"n\">p50 ms</th><th class=\"n\">p95 ms</th></tr>",
    );
    let bottleneck = doc["bottleneck"].as_str();
    for s in doc["stages"].as_array().into_iter().flatten() {
        let name = s["name"].as_str().unwrap_or("?");
        let workers = u(&s["workers"]);
        let parts = shares(
            f(&s["busy_s"]),
            f(&s["starved_s"]),
            f(&s["blocked_s"]),
            wall * workers as f64,
        );
        let mark = if bottleneck == Some(name) {
            " <b title=\"bottleneck\">◀ bottleneck</b>"
        } else {
            ""
        };
        let auto = if s["auto"].as_bool() == Some(true) {
            format!(" (auto, peak {})", u(&s["peak_active"]))
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr><td><b>{}</b>{mark}</td><td class=\"n\">{workers}{auto}</td><td class=\"n\">{}</td><td>{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(name),
            count(u(&s["items"])),
            bar(&parts, name),
            millis(f(&s["p50_ms"])),
            millis(f(&s["p95_ms"])),
        );
    }
    body.push_str(
        "</table><p class=\"note\">Each bar is the stage's workers' wall time × workers. Busy includes \
         waiting for a core when threads outnumber cores; CPU efficiency uses CPU time.</p></section>",
    );
}

fn workers_section(body: &mut String, workers: &[Worker], wall: f64) {
    if workers.is_empty() {
        return;
    }
    body.push_str("<section><h2>Per worker</h2>");
    legend_clocks(body);
    let wrap = workers.len() > 24;
    if wrap {
        let _ = write!(
            body,
            "<details><summary>{} workers</summary>",
            workers.len()
        );
    }
    body.push_str("<table class=\"bars\"><tr><th>worker</th><th class=\"n\">items</th><th>share of its time</th><th class=\"n\">busy</th></tr>");
    for w in workers {
        let parts = shares(w.busy_s, w.starved_s, w.blocked_s, wall);
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(&w.name()),
            count(w.spans.len() as u64),
            bar(&parts, &w.name()),
            seconds(w.busy_s)
        );
    }
    body.push_str("</table>");
    if wrap {
        body.push_str("</details>");
    }
    body.push_str("</section>");
}

fn queues_section(body: &mut String, doc: &Value, wall: f64) {
    let queues: Vec<&Value> = doc["queues"].as_array().into_iter().flatten().collect();
    if queues.is_empty() {
        return;
    }
    body.push_str("<section><h2>Queue depths over time</h2>");
    let sampled = queues
        .iter()
        .any(|q| q["samples"].as_array().is_some_and(|s| !s.is_empty()));
    if sampled {
        body.push_str("<div class=\"queues\">");
    } else {
        body.push_str("<table><tr><th>queue</th><th class=\"n\">capacity</th><th class=\"n\">mean depth</th><th class=\"n\">max depth</th></tr>");
    }
    for q in queues {
        let title = format!(
            "{} → {} (capacity {}, mean {:.1}, max {})",
            q["from"].as_str().unwrap_or("?"),
            q["to"].as_str().unwrap_or("?"),
            u(&q["capacity"]),
            f(&q["mean_depth"]),
            u(&q["max_depth"])
        );
        if sampled {
            let points: Vec<(f64, f64)> = q["samples"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect();
            body.push_str(&step_chart(&points, wall, f(&q["capacity"]), &title));
        } else {
            let _ = write!(
                body,
                "<tr><td>{} → {}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td></tr>",
                escape(q["from"].as_str().unwrap_or("?")),
                escape(q["to"].as_str().unwrap_or("?")),
                u(&q["capacity"]),
                f(&q["mean_depth"]),
                u(&q["max_depth"])
            );
        }
    }
    body.push_str(if sampled { "</div>" } else { "</table>" });
    if sampled {
        body.push_str(
            "<p class=\"note\">Depth sampled every 100 ms (in long runs each point is the deepest of its \
             interval); the dashed line is the capacity. A full queue means the stage after it is \
             slower; an empty one, the stage before it.</p>",
        );
    } else {
        no_detail(body, doc, "queue samples");
    }
    body.push_str("</section>");
}

fn no_detail(body: &mut String, doc: &Value, what: &str) {
    let why = if doc.get("merged").is_some() {
        "a merged report keeps only totals"
    } else {
        "the report was written by an older fanlight"
    };
    let _ = write!(
        body,
        "<p class=\"note\">This report has no {what} ({why}).</p>"
    );
}

/// The folder all `paths` lie in, with its final `/` (empty when they share none).
fn common_dir(paths: &[&str]) -> String {
    let Some(first) = paths.first() else {
        return String::new();
    };
    let mut prefix = match first.rfind('/') {
        Some(at) => &first[..=at],
        None => return String::new(),
    };
    for p in &paths[1..] {
        while !p.starts_with(prefix) {
            match prefix[..prefix.len() - 1].rfind('/') {
                Some(at) => prefix = &prefix[..=at],
                None => return String::new(),
            }
        }
    }
    prefix.to_string()
}

/// `path` without the common folder `base`.
fn below<'a>(path: &'a str, base: &str) -> &'a str {
    path.strip_prefix(base)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path)
}

fn slowest_section(
    body: &mut String,
    slowest: &[Photo],
    stages: &[String],
    inputs: &[&str],
    base: &str,
) {
    if slowest.is_empty() {
        return;
    }
    let _ = write!(
        body,
        "<section><h2>The {} slowest photos</h2>",
        slowest.len()
    );
    legend_stages(body, stages);
    relative_note(body, base);
    body.push_str("<table><tr><th class=\"n\">#</th><th>photo</th><th class=\"n\">total ms</th>");
    for s in stages {
        let _ = write!(body, "<th class=\"n\">{} ms</th>", escape(s));
    }
    body.push_str("<th>per stage</th></tr>");
    let longest = slowest[0].total.max(1e-9);
    for (rank, p) in slowest.iter().enumerate() {
        let path = inputs.get(p.item).map_or_else(
            || format!("item {}", p.item),
            |p| below(p, base).to_string(),
        );
        let _ = write!(
            body,
            "<tr data-i=\"{}\"><td class=\"n\">{}</td><td class=\"path\">{}</td><td class=\"n\"><b>{}</b></td>",
            p.item,
            rank + 1,
            escape(&path),
            millis(p.total)
        );
        for ms in &p.per_stage {
            let _ = write!(body, "<td class=\"n\">{}</td>", millis(*ms));
        }
        let mut svg = Svg::new(220.0, 14.0, "per stage");
        let mut x = 0.0;
        for (ms, stage) in p.per_stage.iter().zip(stages) {
            let w = ms / longest * 220.0;
            if w > 0.0 {
                svg.rect(
                    x,
                    1.0,
                    w,
                    12.0,
                    stage_colour(stage),
                    Some(&format!("{stage} {} ms", millis(*ms))),
                );
            }
            x += w;
        }
        let _ = write!(body, "<td>{}</td></tr>", svg.finish());
    }
    body.push_str("</table><p class=\"note\">Busy time per stage; the bars share one scale. Hover a row to find the photo in the timeline.</p></section>");
}

/// Says which folder the photo paths that follow are relative to.
fn relative_note(body: &mut String, base: &str) {
    if !base.is_empty() {
        let _ = write!(
            body,
            "<p class=\"note\">Paths are relative to <span class=\"path\">{}</span>.</p>",
            escape(base)
        );
    }
}

fn failures_section(body: &mut String, doc: &Value, base: &str) {
    let all: Vec<&Value> = doc["failures"].as_array().into_iter().flatten().collect();
    let (cancelled, failed): (Vec<&Value>, Vec<&Value>) = all
        .iter()
        .partition(|f| f["cancelled"].as_bool() == Some(true));
    let warnings: Vec<&Value> = doc["warnings"].as_array().into_iter().flatten().collect();
    let _ = write!(
        body,
        "<section><h2>Failures ({})</h2>",
        count(failed.len() as u64)
    );
    if !failed.is_empty() || !cancelled.is_empty() || !warnings.is_empty() {
        relative_note(body, base);
    }
    if failed.is_empty() {
        body.push_str("<p>No photo failed.</p>");
    } else {
        rows(body, &failed, "error", "", base);
    }
    if !cancelled.is_empty() {
        let _ = write!(
            body,
            "<details><summary>{} photos cancelled, not processed</summary>",
            count(cancelled.len() as u64)
        );
        rows(body, &cancelled, "error", "cancel", base);
        body.push_str("</details>");
    }
    let _ = write!(body, "<h2>Warnings ({})</h2>", count(warnings.len() as u64));
    if warnings.is_empty() {
        body.push_str("<p>No photo was written with a warning.</p>");
    } else {
        rows(body, &warnings, "warning", "", base);
    }
    body.push_str("</section>");
}

fn rows(body: &mut String, list: &[&Value], reason: &str, class: &str, base: &str) {
    body.push_str(
        "<div class=\"scroll\"><table><tr><th>photo</th><th>stage</th><th>reason</th></tr>",
    );
    for item in list {
        let _ = write!(
            body,
            "<tr class=\"{class}\"><td class=\"path\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(below(item["path"].as_str().unwrap_or("?"), base)),
            escape(item["stage"].as_str().unwrap_or("?")),
            escape(item[reason].as_str().unwrap_or(""))
        );
    }
    body.push_str("</table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "wall_s": 1.0, "cores": 2,
            "images": { "total": 3, "ok": 2, "failed": 1, "skipped": 0, "cancelled": 0, "warnings": 0 },
            "megapixels_in": 3.0, "megapixels_out": 1.0, "bytes_out": 5000,
            "images_per_s": 2.0, "megapixels_per_s": 3.0,
            "stages": [
                { "name": "load", "workers": 1, "auto": false, "peak_active": 1, "items": 3,
                  "busy_s": 0.6, "cpu_s": 0.5, "starved_s": 0.1, "blocked_s": 0.2, "p50_ms": 200.0, "p95_ms": 300.0 },
                { "name": "write", "workers": 1, "auto": false, "peak_active": 1, "items": 2,
                  "busy_s": 0.2, "cpu_s": 0.2, "starved_s": 0.7, "blocked_s": 0.0, "p50_ms": 100.0, "p95_ms": 100.0 }
            ],
            "queues": [ { "from": "discover", "to": "load", "capacity": 2, "mean_depth": 1.0, "max_depth": 2,
                          "samples": [[0.0, 2], [0.1, 1]] } ],
            "efficiency": 0.4, "speedup": 0.8, "bottleneck": "load", "bottleneck_hint": "load is <busy>",
            "cancelled_by": null,
            "failures": [ { "path": "in/<b>&\"x\".jpg", "stage": "load", "error": "cannot decode", "cancelled": false } ],
            "warnings": [],
            "workers": [
                { "stage": "load", "worker": 0, "items": 3, "busy_s": 0.6, "cpu_s": 0.5, "starved_s": 0.1,
                  "blocked_s": 0.2, "spans": [[0, 0.0, 300.0], [1, 300.0, 200.0], [2, 500.0, 100.0]] },
                { "stage": "write", "worker": 0, "items": 2, "busy_s": 0.2, "cpu_s": 0.2, "starved_s": 0.7,
                  "blocked_s": 0.0, "spans": [[0, 400.0, 100.0], [1, 600.0, 100.0]] }
            ],
            "inputs": ["in/a.jpg", "in/b.jpg", "in/<b>&\"x\".jpg"]
        })
    }

    #[test]
    fn the_page_names_stages_failures_and_the_slowest_photo() {
        let html = report_html(&doc());
        assert!(html.contains("<b>load</b>") && html.contains("<b>write</b>"));
        assert!(
            html.contains(">&lt;b&gt;&amp;&quot;x&quot;.jpg<"),
            "the failure, escaped"
        );
        assert!(!html.contains("<b>&"), "no raw name");
        assert!(html.contains("load is &lt;busy&gt;"));
        // a.jpg: 300 + 100 ms, the slowest.
        let first = html.find("<tr data-i=\"0\">").expect("a.jpg is listed");
        assert!(first < html.find("<tr data-i=\"1\">").unwrap());
        assert!(html.contains("load-0") && html.contains("write-0"));
    }

    #[test]
    fn paths_are_shown_below_their_common_folder() {
        assert_eq!(common_dir(&["/a/b/c.jpg", "/a/b/d/e.jpg"]), "/a/b/");
        assert_eq!(common_dir(&["/a/bc.jpg", "/a/b/e.jpg"]), "/a/");
        assert_eq!(common_dir(&["x.jpg", "/a/e.jpg"]), "");
        assert_eq!(below("/a/b/c.jpg", "/a/b/"), "c.jpg");
    }

    #[test]
    fn a_merged_report_says_what_it_lacks() {
        let mut d = doc();
        let o = d.as_object_mut().unwrap();
        o.remove("workers");
        o.remove("inputs");
        o.insert(
            "merged".into(),
            json!({ "from": ["a.json", "b.json"], "notes": ["n1"] }),
        );
        for q in o["queues"].as_array_mut().unwrap() {
            q.as_object_mut().unwrap().remove("samples");
        }
        let html = report_html(&d);
        assert!(html.contains("Merged from 2 shard reports"));
        assert!(html.contains("a merged report keeps only totals"));
        assert!(html.contains("<b>load</b>"));
    }
}
