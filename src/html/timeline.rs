//! The run's timeline: a lane per worker and a bar per photo per stage, aggregated into busy
//! shares per column when there are too many bars to draw one by one.

use std::fmt::Write as _;

use super::spans::Worker;
use super::svg::{num, stage_colour, time_axis, Svg};

/// Above this many spans the timeline shows each lane's busy share per column instead of one
/// bar per span (about 1,200 photos through five stages).
pub(crate) const SPAN_LIMIT: usize = 6000;

/// Width of a column of the aggregated timeline, in pixels.
const COLUMN_PX: f64 = 2.0;

/// How many of the slowest photos the timeline outlines.
pub(crate) const OUTLINED: usize = 5;

/// Geometry shared by the lanes.
const LABEL_W: f64 = 86.0;
const PLOT_W: f64 = 1060.0;
const LANE_H: f64 = 15.0;
const LANE_GAP: f64 = 3.0;
const TOP: f64 = 6.0;

/// The timeline SVG and a sentence saying how it was drawn. `name_of` gives a photo's name
/// for tooltips; `outlined` are item ids to outline (the slowest photos).
pub(crate) fn timeline(
    workers: &[Worker],
    wall_s: f64,
    name_of: &dyn Fn(usize) -> String,
    outlined: &[usize],
) -> (String, String) {
    let spans: usize = workers.iter().map(|w| w.spans.len()).sum();
    let end_ms = workers
        .iter()
        .flat_map(|w| w.spans.iter().map(|s| s.start_ms + s.busy_ms))
        .fold(wall_s * 1e3, f64::max);
    let wall_ms = end_ms.max(1e-3);
    let lanes = workers.len() as f64;
    let height = TOP + lanes * (LANE_H + LANE_GAP) + 24.0;
    let mut svg = Svg::new(
        LABEL_W + PLOT_W + 14.0,
        height,
        "timeline: a lane per worker",
    );
    let x_of = |ms: f64| LABEL_W + ms / wall_ms * PLOT_W;
    let aggregated = spans > SPAN_LIMIT;
    let lanes_end = TOP + lanes * (LANE_H + LANE_GAP);
    for (lane, _) in workers.iter().enumerate() {
        let y = TOP + lane as f64 * (LANE_H + LANE_GAP);
        svg.rect(LABEL_W, y, PLOT_W, LANE_H, "#f3f4f7", None);
    }
    // Gridlines under the bars.
    time_axis(
        &mut svg,
        LABEL_W,
        PLOT_W,
        lanes_end + 2.0,
        wall_ms / 1e3,
        TOP,
        8,
    );
    let mut previous_stage = "";
    for (lane, w) in workers.iter().enumerate() {
        let y = TOP + lane as f64 * (LANE_H + LANE_GAP);
        if w.stage != previous_stage && lane > 0 {
            svg.line(
                4.0,
                y - LANE_GAP / 2.0,
                LABEL_W + PLOT_W,
                y - LANE_GAP / 2.0,
                " stroke=\"#d5d9e0\"",
            );
        }
        previous_stage = &w.stage;
        svg.text(LABEL_W - 6.0, y + LANE_H - 2.5, "end", "", &w.name());
        let colour = stage_colour(&w.stage);
        if aggregated {
            columns(&mut svg, w, wall_ms, y, colour);
        } else {
            for s in &w.spans {
                let tip = format!(
                    "{} · {}: {} ms at {:.2} s",
                    name_of(s.item),
                    w.name(),
                    super::millis(s.busy_ms),
                    s.start_ms / 1e3
                );
                let attrs = format!(" data-i=\"{}\"", s.item);
                let width = (s.busy_ms / wall_ms * PLOT_W).max(0.7);
                // A hairline gap between wide neighbours, so back-to-back photos stay apart.
                let width = if width > 3.0 { width - 0.8 } else { width };
                svg.rect_with(
                    x_of(s.start_ms),
                    y,
                    width,
                    LANE_H,
                    colour,
                    &attrs,
                    Some(&tip),
                );
            }
        }
        for s in w.spans.iter().filter(|s| outlined.contains(&s.item)) {
            let rank = outlined.iter().position(|&i| i == s.item).unwrap_or(0) + 1;
            let tip = format!(
                "slowest #{rank}: {} · {}: {} ms",
                name_of(s.item),
                w.name(),
                super::millis(s.busy_ms)
            );
            let attrs = format!(" data-i=\"{}\" class=\"slow\"", s.item);
            let width = (s.busy_ms / wall_ms * PLOT_W).max(2.0);
            svg.rect_with(
                x_of(s.start_ms),
                y + 0.5,
                width,
                LANE_H - 1.0,
                "none",
                &attrs,
                Some(&tip),
            );
        }
    }
    let how = if aggregated {
        format!(
            "{} spans are too many to draw one by one (the limit is {}), so each lane shows how \
             busy its worker was in every {} px column ({} of the run): the darker, the busier. \
             The {OUTLINED} slowest photos are outlined.",
            super::count(spans as u64),
            super::count(SPAN_LIMIT as u64),
            COLUMN_PX,
            super::seconds(wall_ms / 1e3 * COLUMN_PX / PLOT_W)
        )
    } else {
        format!(
            "One bar per photo per stage ({} spans); hover a bar to see the photo and follow it \
             through the lanes. The {OUTLINED} slowest photos are outlined.",
            super::count(spans as u64)
        )
    };
    (svg.finish(), how)
}

/// The lane as busy shares per column, quantised to tenths, equal neighbours merged.
fn columns(svg: &mut Svg, w: &Worker, wall_ms: f64, y: f64, colour: &str) {
    let n = (PLOT_W / COLUMN_PX) as usize;
    let col_ms = wall_ms / n as f64;
    let mut busy = vec![0.0f64; n];
    for s in &w.spans {
        let (a, b) = (s.start_ms, s.start_ms + s.busy_ms);
        let first = ((a / col_ms) as usize).min(n - 1);
        let last = ((b / col_ms) as usize).min(n - 1);
        for (c, slot) in busy.iter_mut().enumerate().take(last + 1).skip(first) {
            let lo = (c as f64 * col_ms).max(a);
            let hi = ((c + 1) as f64 * col_ms).min(b);
            *slot += (hi - lo).max(0.0);
        }
    }
    let level = |ms: f64| ((ms / col_ms).clamp(0.0, 1.0) * 10.0).round() as u32;
    let mut c = 0;
    while c < n {
        let l = level(busy[c]);
        let mut end = c + 1;
        while end < n && level(busy[end]) == l {
            end += 1;
        }
        if l > 0 {
            let mut attrs = String::new();
            let _ = write!(attrs, " fill-opacity=\"{}\"", num(f64::from(l) / 10.0));
            let tip = format!(
                "{}: busy {}% from {:.2} s to {:.2} s",
                w.name(),
                l * 10,
                c as f64 * col_ms / 1e3,
                end as f64 * col_ms / 1e3
            );
            let x = LABEL_W + c as f64 * COLUMN_PX;
            svg.rect_with(
                x,
                y,
                (end - c) as f64 * COLUMN_PX,
                LANE_H,
                colour,
                &attrs,
                Some(&tip),
            );
        }
        c = end;
    }
}

/// The script that follows a photo: hovering anything with `data-i` (a bar, a table row)
/// highlights every element of the same photo.
pub(crate) const FOLLOW_JS: &str = "\
(function(){var on=[];document.addEventListener('mouseover',function(e){\
var t=e.target.closest&&e.target.closest('[data-i]');var i=t?t.getAttribute('data-i'):null;\
on.forEach(function(x){x.classList.remove('hl')});on=[];\
if(i!==null){document.querySelectorAll('[data-i=\"'+i+'\"]').forEach(function(x){x.classList.add('hl');on.push(x)})}});})();";

/// Escaped text for a photo's name in tooltips: its file name, or `item N`.
pub(crate) fn short_name(path: Option<&str>, item: usize) -> String {
    match path {
        Some(p) => {
            let name = p.rsplit(['/', '\\']).next().unwrap_or(p);
            if name.is_empty() {
                p.to_string()
            } else {
                name.to_string()
            }
        }
        None => format!("item {item}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::spans::Span;

    fn worker(stage: &str, spans: usize) -> Worker {
        Worker {
            stage: stage.into(),
            index: 0,
            busy_s: 1.0,
            starved_s: 0.0,
            blocked_s: 0.0,
            spans: (0..spans)
                .map(|i| Span {
                    item: i,
                    start_ms: i as f64 * 2.0,
                    busy_ms: 1.6,
                })
                .collect(),
        }
    }

    #[test]
    fn few_spans_are_drawn_one_by_one_with_the_photo_named() {
        let (svg, how) = timeline(&[worker("load", 3)], 0.01, &|i| format!("p<{i}>.jpg"), &[]);
        assert_eq!(svg.matches("data-i=").count(), 3);
        assert!(svg.contains("p&lt;1&gt;.jpg"), "{svg}");
        assert!(how.contains("One bar per photo"));
    }

    #[test]
    fn many_spans_become_busy_columns() {
        let w = worker("filter", SPAN_LIMIT + 1);
        let wall = w.spans.len() as f64 * 2.0 / 1e3;
        let (svg, how) = timeline(&[w], wall, &|i| i.to_string(), &[7]);
        assert!(how.contains("too many"), "{how}");
        // Four fifths busy everywhere: one merged run at 0.8, plus the outlined photo.
        assert!(svg.contains("fill-opacity=\"0.8\""), "{svg}");
        assert!(
            svg.matches("<rect").count() < 40,
            "{}",
            svg.matches("<rect").count()
        );
        assert_eq!(svg.matches("class=\"slow\"").count(), 1);
    }

    #[test]
    fn names_are_the_last_path_component() {
        assert_eq!(short_name(Some("in/a/b.jpg"), 0), "b.jpg");
        assert_eq!(short_name(None, 4), "item 4");
    }
}
