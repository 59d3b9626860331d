//! Resize modes (`--fit inside|cover|fill|contain|outside`), the padding colour of `contain`, and the
//! geometry they give a photo: which part of the source is resampled to what size, and where it
//! sits in the output.

use std::fmt;
use std::str::FromStr;

use super::colour;
use super::parse::{bad, ParseError};
use super::resize::{ResizeSpec, Suffix};
use super::watermark::Gravity;
use crate::error::opt;
pub use crate::ops::geometry::Geometry;

/// How a photo is fitted to the `--resize` box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    /// Inside the box, aspect ratio kept; shrinks only unless enlarging is allowed (the default).
    #[default]
    Inside,
    /// Covers the box, aspect ratio kept, then cropped to it at the gravity.
    Cover,
    /// Stretched to exactly the box.
    Fill,
    /// Inside the box, then padded to exactly the box with the background colour.
    Contain,
    /// Covers the box, aspect ratio kept, nothing cropped: the smaller side fits and the other
    /// is larger (sharp's `outside`, ImageMagick's `^`).
    Outside,
}

impl Fit {
    /// All five, as listed in help.
    pub const ALL: [Fit; 5] = [
        Fit::Inside,
        Fit::Cover,
        Fit::Fill,
        Fit::Contain,
        Fit::Outside,
    ];

    /// The spelling used on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Fit::Inside => "inside",
            Fit::Cover => "cover",
            Fit::Fill => "fill",
            Fit::Contain => "contain",
            Fit::Outside => "outside",
        }
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fit {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Fit::ALL.into_iter().find(|f| f.name() == t).ok_or_else(|| {
            bad(format!(
                "unknown fit '{s}': expected inside, cover, fill, contain or outside"
            ))
        })
    }
}

/// The colour `contain` pads with: straight RGBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Background(pub [u8; 4]);

impl Default for Background {
    /// White.
    fn default() -> Self {
        Background([255, 255, 255, 255])
    }
}

impl FromStr for Background {
    type Err = ParseError;

    /// A CSS colour as `--color` takes it (a name, `#RRGGBB`, `#RGB`, `rgb()`), or one with
    /// alpha: `#RRGGBBAA`, `rgba()`, `transparent`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        colour::parse(s, true).map(Background)
    }
}

/// Checks that `fit` and `enlarge` can work with `spec`: every mode but `inside` needs a box
/// with both sides, and a suffix of the box ([`Suffix`]) must not contradict them.
pub fn check(spec: Option<&ResizeSpec>, fit: Fit, enlarge: bool) -> Result<(), ParseError> {
    if let Some(suffix) = spec.and_then(ResizeSpec::suffix) {
        let (c, meaning) = (suffix.symbol(), suffix.meaning());
        if !suffix.allows(fit) {
            return Err(bad(format!(
                "the resize suffix {c} ({meaning}) contradicts {0} {fit}: drop the suffix or the {0}",
                opt("--fit")
            )));
        }
        if suffix == Suffix::ShrinkOnly && enlarge {
            return Err(bad(format!(
                "the resize suffix {c} ({meaning}) contradicts {}: drop one of them",
                opt("--enlarge")
            )));
        }
    }
    let fit = effective(spec, fit, enlarge).0;
    let boxed = matches!(spec.and_then(ResizeSpec::sides), Some((Some(_), Some(_))));
    if fit == Fit::Inside || boxed {
        return Ok(());
    }
    Err(bad(format!(
        "{0} {fit} needs a box with both sides: give {1} WxH (e.g. 320x320) or {1} N for an NxN square",
        opt("--fit"),
        opt("--resize")
    )))
}

/// The fit and enlarging that apply: those configured, unless the box's suffix sets them.
fn effective(spec: Option<&ResizeSpec>, fit: Fit, enlarge: bool) -> (Fit, bool) {
    match spec.and_then(ResizeSpec::suffix) {
        Some(suffix) => suffix.apply(fit, enlarge),
        None => (fit, enlarge),
    }
}

/// Horizontal and vertical anchors of `gravity` as 0, 0.5 or 1.
fn anchors(gravity: Gravity) -> (f64, f64) {
    let (h, v) = gravity.cells();
    (f64::from(h) / 2.0, f64::from(v) / 2.0)
}

/// The geometry of a `width × height` photo resized by `spec` with `fit`; `gravity` anchors the
/// crop of `cover` and the picture inside the padding of `contain`. Without `enlarge`, `inside`,
/// `cover`, `contain` and `outside` never scale a photo up (`contain` still pads to the full
/// box, `cover` then crops what fits); `fill` always stretches to exactly the box. A suffix of
/// the box sets the fit and enlarging in place of `fit` and `enlarge` (see [`check`]).
#[must_use]
pub fn plan(
    spec: &ResizeSpec,
    fit: Fit,
    gravity: Gravity,
    enlarge: bool,
    width: u32,
    height: u32,
) -> Geometry {
    let (fit, enlarge) = effective(Some(spec), fit, enlarge);
    let (bw, bh) = match (fit, spec.sides()) {
        (Fit::Cover | Fit::Fill | Fit::Contain | Fit::Outside, Some((Some(bw), Some(bh)))) => {
            (bw.max(1), bh.max(1))
        }
        _ => return Geometry::scaled(width, height, spec.target(width, height, enlarge)),
    };
    let (w, h) = (f64::from(width), f64::from(height));
    let (fx, fy) = anchors(gravity);
    match fit {
        Fit::Inside => unreachable!("handled above"),
        Fit::Fill => Geometry::scaled(width, height, (bw, bh)),
        Fit::Outside => {
            let need = (f64::from(bw) / w).max(f64::from(bh) / h);
            let s = if enlarge { need } else { need.min(1.0) };
            if s == 1.0 {
                return Geometry::identity(width, height);
            }
            // Scaled as asked, rounding must not leave a side short of its box.
            let side = |len: f64, b: u32| {
                let v = ((len * s).round() as u32).max(1);
                if s == need {
                    v.max(b)
                } else {
                    v
                }
            };
            Geometry::scaled(width, height, (side(w, bw), side(h, bh)))
        }
        Fit::Contain => {
            let scaled = spec.target(width, height, enlarge);
            let free = |outer: u32, inner: u32, f: f64| {
                (f64::from(outer.saturating_sub(inner)) * f).floor() as u32
            };
            Geometry {
                canvas: (bw, bh),
                offset: (free(bw, scaled.0, fx), free(bh, scaled.1, fy)),
                ..Geometry::scaled(width, height, scaled)
            }
        }
        Fit::Cover => {
            let mut s = (f64::from(bw) / w).max(f64::from(bh) / h);
            if !enlarge {
                s = s.min(1.0);
            }
            let out_w = ((w * s).round() as u32).clamp(1, bw);
            let out_h = ((h * s).round() as u32).clamp(1, bh);
            let (cw, ch) = if s == 1.0 {
                (f64::from(out_w), f64::from(out_h))
            } else {
                ((f64::from(out_w) / s).min(w), (f64::from(out_h) / s).min(h))
            };
            let (left, top) = ((w - cw) * fx, (h - ch) * fy);
            // At scale 1 this is a plain crop: whole-pixel offsets, so pixels are copied.
            let (left, top) = if s == 1.0 {
                (left.floor(), top.floor())
            } else {
                (left, top)
            };
            Geometry {
                src: [left, top, cw, ch],
                scaled: (out_w, out_h),
                canvas: (out_w, out_h),
                offset: (0, 0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo(spec: &str, fit: Fit, gravity: &str, enlarge: bool, w: u32, h: u32) -> Geometry {
        plan(
            &spec.parse().unwrap(),
            fit,
            gravity.parse().unwrap(),
            enlarge,
            w,
            h,
        )
    }

    #[test]
    fn cover_fills_the_box_and_crops_at_the_gravity() {
        let g = geo("100x100", Fit::Cover, "center", false, 400, 200);
        assert_eq!(g.canvas, (100, 100));
        assert_eq!(g.src, [100.0, 0.0, 200.0, 200.0]);
        let g = geo("100x100", Fit::Cover, "left", false, 400, 200);
        assert_eq!(g.src, [0.0, 0.0, 200.0, 200.0]);
        let g = geo("100x100", Fit::Cover, "bottom-right", false, 200, 400);
        assert_eq!(g.src, [0.0, 200.0, 200.0, 200.0]);
        assert!(g.resamples());
    }

    #[test]
    fn cover_without_enlarge_crops_a_small_photo_without_resampling() {
        let g = geo("100x100", Fit::Cover, "center", false, 120, 60);
        assert_eq!(g.canvas, (100, 60));
        assert_eq!(g.src, [10.0, 0.0, 100.0, 60.0]);
        assert!(!g.resamples());
        let g = geo("100x100", Fit::Cover, "center", true, 120, 60);
        assert_eq!(g.canvas, (100, 100));
    }

    #[test]
    fn contain_pads_to_the_box_and_fill_stretches() {
        let g = geo("100x100", Fit::Contain, "center", false, 400, 200);
        assert_eq!(
            (g.scaled, g.canvas, g.offset),
            ((100, 50), (100, 100), (0, 25))
        );
        let g = geo("100x100", Fit::Contain, "top-left", false, 40, 30);
        assert_eq!(
            (g.scaled, g.canvas, g.offset),
            ((40, 30), (100, 100), (0, 0))
        );
        let g = geo("100x100", Fit::Contain, "bottom-right", false, 40, 30);
        assert_eq!(g.offset, (60, 70));
        let g = geo("100x50", Fit::Fill, "center", false, 40, 30);
        assert_eq!((g.scaled, g.canvas), ((100, 50), (100, 50)));
    }

    #[test]
    fn modes_other_than_inside_need_a_full_box() {
        for spec in ["1920x", "x1080", "50%"] {
            let spec: ResizeSpec = spec.parse().unwrap();
            assert!(check(Some(&spec), Fit::Cover, false).is_err());
            assert!(check(Some(&spec), Fit::Outside, false).is_err());
            assert!(check(Some(&spec), Fit::Inside, false).is_ok());
        }
        assert!(check(Some(&"320".parse().unwrap()), Fit::Cover, false).is_ok());
        assert!(check(None, Fit::Contain, false).is_err());
        let e = check(Some(&"1920x>".parse().unwrap()), Fit::Cover, false).unwrap_err();
        assert!(
            e.0.starts_with("Config::fit cover needs a box with both sides"),
            "{e}"
        );
    }

    #[test]
    fn outside_covers_the_box_uncropped_and_never_enlarges_unless_asked() {
        // Landscape into a square: the height fits, the width is larger; nothing cropped.
        let g = geo("100x100", Fit::Outside, "center", false, 400, 200);
        assert_eq!(g, Geometry::scaled(400, 200, (200, 100)));
        let g = geo("100x100", Fit::Outside, "top-left", false, 200, 400);
        assert_eq!(g, Geometry::scaled(200, 400, (100, 200)));
        // A wide box: the width decides.
        let g = geo("300x100", Fit::Outside, "center", false, 400, 300);
        assert_eq!((g.scaled, g.canvas), ((300, 225), (300, 225)));
        // Rounding never leaves a side short of the box: 1000x333 into 100x100 is 300.3x100.
        let g = geo("100x100", Fit::Outside, "center", false, 1000, 333);
        assert_eq!(g.scaled, (300, 100));
        let g = geo("128x128", Fit::Outside, "center", false, 1001, 999);
        assert!(g.scaled.0 >= 128 && g.scaled.1 >= 128, "{:?}", g.scaled);
        // Small photos stay as they are without enlarge, and grow to cover the box with it.
        let g = geo("100x100", Fit::Outside, "center", false, 80, 40);
        assert_eq!(g, Geometry::identity(80, 40));
        let g = geo("100x100", Fit::Outside, "center", true, 80, 40);
        assert_eq!(g.canvas, (200, 100));
        // A photo already just covering the box is left alone.
        let g = geo("100x100", Fit::Outside, "center", false, 150, 100);
        assert_eq!(g, Geometry::identity(150, 100));
        assert_eq!("OUTSIDE".parse(), Ok(Fit::Outside));
    }

    #[test]
    fn suffixes_choose_the_fit_and_enlarging() {
        let g = geo("100x100^", Fit::Inside, "center", false, 400, 200);
        assert_eq!(g.canvas, (200, 100), "^ is outside");
        let g = geo("100x50!", Fit::Inside, "center", false, 40, 30);
        assert_eq!(g.canvas, (100, 50), "! is fill");
        let g = geo("100x100>", Fit::Cover, "center", false, 80, 40);
        assert_eq!(g.canvas, (80, 40), "> keeps the small photo");
        let g = geo("100x100<", Fit::Inside, "center", false, 40, 20);
        assert_eq!(g.canvas, (100, 50), "< enlarges without --enlarge");
        let g = geo("100x100<", Fit::Inside, "center", false, 400, 200);
        assert_eq!(g, Geometry::identity(400, 200), "< never shrinks");
    }

    #[test]
    fn a_suffix_that_contradicts_the_fit_or_enlarge_is_refused() {
        let check_str = |spec: &str, fit, enlarge| {
            check(Some(&spec.parse().unwrap()), fit, enlarge).map_err(|e| e.0)
        };
        let e = check_str("1920x1080!", Fit::Cover, false).unwrap_err();
        assert_eq!(
            e,
            "the resize suffix ! (exactly the box, as fit fill) contradicts Config::fit cover: drop the suffix or the Config::fit"
        );
        let e = check_str("1920x1080^", Fit::Contain, false).unwrap_err();
        assert!(
            e.contains(
                "^ (cover the box uncropped, as fit outside) contradicts Config::fit contain"
            ),
            "{e}"
        );
        let e = check_str("1920x1080<", Fit::Cover, false).unwrap_err();
        assert!(
            e.contains("< (enlarge only) contradicts Config::fit cover"),
            "{e}"
        );
        let e = check_str("1920x1080>", Fit::Fill, false).unwrap_err();
        assert!(e.contains("contradicts Config::fit fill"), "{e}");
        let e = check_str("1920x1080>", Fit::Inside, true).unwrap_err();
        assert_eq!(
            e,
            "the resize suffix > (shrink only) contradicts Config::enlarge: drop one of them"
        );
        // The mode a suffix sets, or inside (the default), is no contradiction.
        for (spec, fit) in [
            ("1920x1080!", Fit::Fill),
            ("1920x1080!", Fit::Inside),
            ("1920x1080^", Fit::Outside),
            ("1920x1080>", Fit::Cover),
            ("1920x1080>", Fit::Contain),
            ("1920x1080<", Fit::Inside),
        ] {
            assert_eq!(check_str(spec, fit, false), Ok(()), "{spec} {fit}");
        }
        assert_eq!(check_str("1920x1080^", Fit::Inside, true), Ok(()));
    }

    #[test]
    fn backgrounds_parse() {
        assert_eq!("transparent".parse(), Ok(Background([0, 0, 0, 0])));
        assert_eq!("#ff000080".parse(), Ok(Background([255, 0, 0, 128])));
        assert_eq!("black".parse(), Ok(Background([0, 0, 0, 255])));
        assert_eq!("#fff".parse(), Ok(Background([255, 255, 255, 255])));
        assert!("#12345".parse::<Background>().is_err());
        assert_eq!(
            "rgba(255, 0, 0, 50%)".parse(),
            Ok(Background([255, 0, 0, 128]))
        );
        assert_eq!("none".parse(), Ok(Background([0, 0, 0, 0])));
        assert_eq!("COVER".parse(), Ok(Fit::Cover));
        assert!("crop".parse::<Fit>().is_err());
    }
}
