//! A few inline-SVG pieces written by hand: stacked share bars, step charts and time axes.

use std::fmt::Write as _;

use super::escape;

/// Busy, starved, blocked and the rest of a worker's time, in that order.
pub(crate) const CLOCK_COLOURS: [(&str, &str); 4] = [
    ("busy", "#2f6fd6"),
    ("starved", "#f2b632"),
    ("blocked", "#d64545"),
    ("other", "#e4e7ec"),
];

/// One colour per pipeline stage, for the timeline and the slowest photos.
#[must_use]
pub(crate) fn stage_colour(stage: &str) -> &'static str {
    match stage {
        "load" => "#3b7dd8",
        "resize" => "#17a2a2",
        "filter" => "#e8833a",
        "watermark" => "#9b59b6",
        "write" => "#3aa655",
        _ => "#7f8791",
    }
}

/// An SVG element of a fixed size being written.
pub(crate) struct Svg {
    out: String,
}

impl Svg {
    /// Starts an `width × height` drawing, with an accessible label.
    pub(crate) fn new(width: f64, height: f64, label: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
             role=\"img\" aria-label=\"{}\">",
            escape(label)
        );
        Svg { out }
    }

    /// A filled rectangle with an optional tooltip and extra attributes (already escaped).
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, tip: Option<&str>) {
        self.rect_with(x, y, w, h, fill, "", tip);
    }

    /// [`Svg::rect`] with extra attributes, which the caller has escaped.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rect_with(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        attrs: &str,
        tip: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{attrs}",
            num(x),
            num(y),
            num(w),
            num(h)
        );
        match tip {
            Some(tip) => {
                let _ = write!(self.out, "><title>{}</title></rect>", escape(tip));
            }
            None => self.out.push_str("/>"),
        }
    }

    /// Text at `(x, y)`; `anchor` is `start`, `middle` or `end`.
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: &str, attrs: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{attrs}>{}</text>",
            num(x),
            num(y),
            escape(text)
        );
    }

    /// A straight line.
    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = write!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{attrs}/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    /// Raw SVG the caller has built (and escaped).
    pub(crate) fn raw(&mut self, svg: &str) {
        self.out.push_str(svg);
    }

    /// The finished element.
    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A coordinate with at most one decimal, so large drawings stay small.
pub(crate) fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// A horizontal bar split into `parts` (share 0–1, colour, name), `width` wide at `(x, y)`.
/// Shares are clamped so the bar never overflows; segments wide enough carry their percentage.
pub(crate) fn share_bar(
    svg: &mut Svg,
    x: f64,
    y: f64,
    width: f64,
    h: f64,
    parts: &[(f64, &str, &str)],
) {
    let mut at = x;
    let end = x + width;
    for &(share, colour, name) in parts {
        let w = (share.max(0.0) * width).min(end - at);
        if w <= 0.0 {
            continue;
        }
        let tip = format!("{name} {:.1}%", share * 100.0);
        svg.rect(at, y, w, h, colour, Some(&tip));
        if w >= 38.0 {
            let fg = if colour == CLOCK_COLOURS[1].1 || colour == CLOCK_COLOURS[3].1 {
                ""
            } else {
                " style=\"fill:#fff\""
            };
            svg.text(
                at + w / 2.0,
                y + h / 2.0 + 4.0,
                "middle",
                fg,
                &format!("{:.0}%", share * 100.0),
            );
        }
        at += w;
    }
}

/// Tick positions for an axis from 0 to `max`: a round step giving about `want` ticks.
#[must_use]
pub(crate) fn ticks(max: f64, want: usize) -> Vec<f64> {
    if !max.is_finite() || max <= 0.0 {
        return vec![0.0];
    }
    let raw = max / want.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step).floor() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// A tick label in seconds: `0`, `0.5 s`, `12 s`, `2:30`.
#[must_use]
pub(crate) fn tick_label(s: f64) -> String {
    let near = |v: f64, digits: i32| {
        let k = 10f64.powi(digits);
        ((v * k).round() - v * k).abs() < 1e-6
    };
    if s == 0.0 {
        "0".into()
    } else if s >= 120.0 {
        let whole = s.round() as u64;
        format!("{}:{:02}", whole / 60, whole % 60)
    } else if near(s, 0) {
        format!("{s:.0} s")
    } else if near(s, 1) {
        format!("{s:.1} s")
    } else if near(s, 2) {
        format!("{s:.2} s")
    } else {
        format!("{s:.3} s")
    }
}

/// A time axis along `y` from `x0` (time 0) to `x0 + width` (time `wall`), with `want` ticks
/// or so and gridlines from `grid_from` down.
pub(crate) fn time_axis(
    svg: &mut Svg,
    x0: f64,
    width: f64,
    y: f64,
    wall: f64,
    grid_from: f64,
    want: usize,
) {
    svg.line(x0, y, x0 + width, y, " class=\"axis\"");
    for t in ticks(wall, want) {
        let x = x0 + if wall > 0.0 { t / wall * width } else { 0.0 };
        svg.line(x, grid_from, x, y + 4.0, " stroke=\"#e6e9ee\"");
        svg.text(x, y + 15.0, "middle", "", &tick_label(t));
    }
}

/// A step chart of `points` (`[t seconds, value]`) over `0..wall`, with a dashed line at `cap`.
pub(crate) fn step_chart(points: &[(f64, f64)], wall: f64, cap: f64, title: &str) -> String {
    let (w, h) = (360.0, 120.0);
    let (x0, y0, pw, ph) = (30.0, 22.0, 318.0, 70.0);
    let mut svg = Svg::new(w, h, title);
    svg.text(x0, 13.0, "start", " style=\"font-weight:600\"", title);
    let top = cap
        .max(points.iter().map(|p| p.1).fold(0.0, f64::max))
        .max(1.0);
    let sx = |t: f64| {
        x0 + if wall > 0.0 {
            (t / wall).clamp(0.0, 1.0) * pw
        } else {
            0.0
        }
    };
    let sy = |v: f64| y0 + ph - v / top * ph;
    svg.rect(x0, y0, pw, ph, "#fafbfc", None);
    time_axis(&mut svg, x0, pw, y0 + ph, wall, y0, 4);
    if !points.is_empty() {
        let mut d = format!("M{},{}", num(sx(points[0].0)), num(sy(0.0)));
        let mut last = 0.0;
        for &(t, v) in points {
            let _ = write!(
                d,
                "L{},{}L{},{}",
                num(sx(t)),
                num(sy(last)),
                num(sx(t)),
                num(sy(v))
            );
            last = v;
        }
        let end = points.last().map_or(0.0, |p| p.0);
        let _ = write!(
            d,
            "L{},{}L{},{}Z",
            num(sx(end)),
            num(sy(last)),
            num(sx(end)),
            num(sy(0.0))
        );
        svg.raw(&format!(
            "<path d=\"{d}\" fill=\"#2f6fd633\" stroke=\"#2f6fd6\" stroke-width=\"1\"/>"
        ));
    }
    svg.line(
        x0,
        sy(cap),
        x0 + pw,
        sy(cap),
        " stroke=\"#d64545\" stroke-dasharray=\"4 3\"",
    );
    svg.text(x0 - 4.0, sy(cap) + 4.0, "end", "", &format!("{cap:.0}"));
    svg.text(x0 - 4.0, sy(0.0) + 4.0, "end", "", "0");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(0.0, 5), vec![0.0]);
        let t = ticks(3.84, 8);
        assert_eq!(t[1], 0.5);
        assert!(*t.last().unwrap() <= 3.84);
        assert_eq!(tick_label(150.0), "2:30");
        assert_eq!(tick_label(0.5), "0.5 s");
        assert_eq!(tick_label(0.1 * 3.0), "0.3 s");
        assert_eq!(tick_label(0.25), "0.25 s");
    }

    #[test]
    fn a_bar_never_overflows_its_width() {
        let mut svg = Svg::new(100.0, 10.0, "t");
        share_bar(
            &mut svg,
            0.0,
            0.0,
            100.0,
            10.0,
            &[(0.8, "#000", "a"), (0.8, "#111", "b")],
        );
        let out = svg.finish();
        assert!(out.contains("width=\"80\""), "{out}");
        assert!(out.contains("width=\"20\""), "{out}");
    }
}
