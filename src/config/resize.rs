//! The resize box (`--resize 1920x1080`, `1920`, `50%`, with ImageMagick's suffixes
//! `1920x1080>`, `<`, `^`, `!`) and the size it gives a photo.

use std::str::FromStr;

use super::fit::Fit;
use super::parse::{bad, ParseError};

/// The resize box (or scale); [`Fit`](super::Fit) says how a photo fits it.
///
/// Spellings: `1920x1080` (a box), `1920` (the long edge: the same as `1920x1920`), `1920x`
/// (the width only), `x1080` (the height only), `50%` (a scale). A box may end in one of
/// ImageMagick's geometry suffixes ([`Suffix`]: `>`, `<`, `^`, `!`), which choose the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResizeSpec {
    /// A `width` × `height` box; a missing side is unconstrained.
    Fit {
        /// Largest width, if constrained.
        width: Option<u32>,
        /// Largest height, if constrained.
        height: Option<u32>,
    },
    /// Scale both sides by a percentage (`50%`).
    Percent(f64),
    /// A box with an ImageMagick suffix (`1920x1080>`), which sets the fit and whether photos
    /// may grow in place of [`Config::fit`](super::Config::fit) and
    /// [`Config::enlarge`](super::Config::enlarge); a contradiction is refused before any work
    /// (by [`crate::plan`] and [`crate::run`]).
    Suffixed {
        /// Width of the box, if constrained.
        width: Option<u32>,
        /// Height of the box, if constrained.
        height: Option<u32>,
        /// What the suffix asks for.
        suffix: Suffix,
    },
}

/// An ImageMagick geometry suffix, mapped onto fanlight's fit modes and enlarging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suffix {
    /// `>`: shrink photos larger than the box, never enlarge (so it refuses `enlarge`).
    ShrinkOnly,
    /// `<`: enlarge photos smaller than the box (fit inside); larger ones keep their size.
    EnlargeOnly,
    /// `^`: the smaller side fits, so the photo covers the box, aspect kept and nothing cropped:
    /// [`Fit::Outside`] (ImageMagick's `-resize 320x320^ -extent 320x320` is `Fit::Cover`).
    Outside,
    /// `!`: exactly the box, aspect ignored: [`Fit::Fill`].
    Exact,
}

impl Suffix {
    /// All four, as listed in messages.
    pub const ALL: [Suffix; 4] = [
        Suffix::ShrinkOnly,
        Suffix::EnlargeOnly,
        Suffix::Outside,
        Suffix::Exact,
    ];

    /// The character written after the box.
    #[must_use]
    pub fn symbol(self) -> char {
        match self {
            Suffix::ShrinkOnly => '>',
            Suffix::EnlargeOnly => '<',
            Suffix::Outside => '^',
            Suffix::Exact => '!',
        }
    }

    /// What it does, in a few words.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        match self {
            Suffix::ShrinkOnly => "shrink only",
            Suffix::EnlargeOnly => "enlarge only",
            Suffix::Outside => "cover the box uncropped, as fit outside",
            Suffix::Exact => "exactly the box, as fit fill",
        }
    }

    /// The fit modes it works with: the one it sets, and `inside` (the default, which it
    /// replaces).
    #[must_use]
    pub fn allows(self, fit: Fit) -> bool {
        match self {
            Suffix::ShrinkOnly => fit != Fit::Fill,
            Suffix::EnlargeOnly => fit == Fit::Inside,
            Suffix::Outside => matches!(fit, Fit::Inside | Fit::Outside),
            Suffix::Exact => matches!(fit, Fit::Inside | Fit::Fill),
        }
    }

    /// The fit and enlarging it gives, from those configured.
    #[must_use]
    pub fn apply(self, fit: Fit, enlarge: bool) -> (Fit, bool) {
        match self {
            Suffix::ShrinkOnly => (fit, false),
            Suffix::EnlargeOnly => (Fit::Inside, true),
            Suffix::Outside => (Fit::Outside, enlarge),
            Suffix::Exact => (Fit::Fill, enlarge),
        }
    }

    /// The list of suffixes for messages: `> (shrink only), < (enlarge only), ...`.
    #[must_use]
    pub fn list() -> String {
        Suffix::ALL
            .map(|x| format!("{} ({})", x.symbol(), x.meaning()))
            .join(", ")
    }
}

impl ResizeSpec {
    /// The box's width and height (either may be unconstrained); `None` for a percentage.
    #[must_use]
    pub fn sides(&self) -> Option<(Option<u32>, Option<u32>)> {
        match *self {
            ResizeSpec::Fit { width, height } | ResizeSpec::Suffixed { width, height, .. } => {
                Some((width, height))
            }
            ResizeSpec::Percent(_) => None,
        }
    }

    /// The box's ImageMagick suffix, if it has one.
    #[must_use]
    pub fn suffix(&self) -> Option<Suffix> {
        match *self {
            ResizeSpec::Suffixed { suffix, .. } => Some(suffix),
            _ => None,
        }
    }

    /// The output size for a `width` × `height` photo fitted inside; never larger unless
    /// `enlarge` (or the `<` suffix, which never makes it smaller; `>` never larger).
    #[must_use]
    pub fn target(&self, width: u32, height: u32, enlarge: bool) -> (u32, u32) {
        let scale = match *self {
            ResizeSpec::Percent(p) => p / 100.0,
            ResizeSpec::Fit {
                width: box_w,
                height: box_h,
            }
            | ResizeSpec::Suffixed {
                width: box_w,
                height: box_h,
                ..
            } => {
                let sw = box_w.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(width));
                let sh = box_h.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(height));
                sw.min(sh)
            }
        };
        let scale = match self.suffix() {
            Some(Suffix::EnlargeOnly) => scale.max(1.0),
            Some(Suffix::ShrinkOnly) => scale.min(1.0),
            _ if enlarge => scale,
            _ => scale.min(1.0),
        };
        if scale == 1.0 {
            return (width, height);
        }
        let side = |s: u32| ((f64::from(s) * scale).round() as u32).max(1);
        // Rounding must not push a side past its box.
        let (mut w, mut h) = (side(width), side(height));
        if let Some((box_w, box_h)) = self.sides() {
            w = box_w.map_or(w, |b| w.min(b.max(1)));
            h = box_h.map_or(h, |b| h.min(b.max(1)));
        }
        (w, h)
    }
}

impl FromStr for ResizeSpec {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected =
            "expected WxH, N (long edge), Wx, xH or N% (for example 1920x1080, 1920, 1920x, x1080, 50%), a box optionally followed by >, <, ^ or !";
        let s = s.trim();
        // What follows the last digit, `x` or `%` is the suffix.
        let end = s
            .rfind(|c: char| c.is_ascii_digit() || matches!(c, 'x' | 'X' | '%'))
            .map_or(0, |i| i + 1);
        let (body, tail) = (s[..end].trim(), s[end..].trim());
        let suffix = match tail {
            "" => None,
            _ => Suffix::ALL
                .into_iter()
                .find(|x| tail.len() == 1 && tail.starts_with(x.symbol())),
        };
        let spec = parse_plain(s, body, expected)?;
        let Some(suffix) = suffix else {
            if tail.is_empty() {
                return Ok(spec);
            }
            let what = if tail.chars().count() > 1 && tail.chars().all(|c| "><^!".contains(c)) {
                format!("'{tail}' is more than one suffix (one at most)")
            } else {
                format!("'{tail}' is not a suffix fanlight knows")
            };
            return Err(bad(format!(
                "'{s}': {what}; after a box: {} (quote it in the shell: --resize '1920x1080>')",
                Suffix::list()
            )));
        };
        let ResizeSpec::Fit { width, height } = spec else {
            return Err(bad(format!(
                "'{s}': a suffix follows a box (WxH, N, Wx or xH), not a percentage"
            )));
        };
        let whole = width.is_some() && height.is_some();
        if matches!(suffix, Suffix::Outside | Suffix::Exact) && !whole {
            return Err(bad(format!(
                "'{s}': the {} suffix ({}) needs a box with both sides, such as 1920x1080{} or 1920{}",
                suffix.symbol(),
                suffix.meaning(),
                suffix.symbol(),
                suffix.symbol()
            )));
        }
        Ok(ResizeSpec::Suffixed {
            width,
            height,
            suffix,
        })
    }
}

/// A box or a percentage without a suffix; `whole` is the text for messages.
fn parse_plain(whole: &str, s: &str, expected: &str) -> Result<ResizeSpec, ParseError> {
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| bad(format!("'{whole}': {expected}")))?;
        if !(p > 0.0 && p <= 10_000.0) {
            return Err(bad(format!(
                "'{whole}': the percentage must be above 0 and at most 10000"
            )));
        }
        return Ok(ResizeSpec::Percent(p));
    }
    let side = |t: &str| -> Result<Option<u32>, ParseError> {
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<u32>() {
            Ok(0) => Err(bad(format!("'{whole}': a side must be at least 1 pixel"))),
            Ok(v) if v > 65_535 => Err(bad(format!("'{whole}': a side must be at most 65535"))),
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(bad(format!("'{whole}': {expected}"))),
        }
    };
    let (w, h) = match s.split_once(['x', 'X']) {
        Some((w, h)) => (side(w)?, side(h)?),
        // A bare number bounds the long edge, whichever way the photo is turned.
        None => (side(s)?, side(s)?),
    };
    if w.is_none() && h.is_none() {
        return Err(bad(format!("'{whole}': {expected}")));
    }
    Ok(ResizeSpec::Fit {
        width: w,
        height: h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_specs_parse_every_spelling() {
        let fit = |w, h| ResizeSpec::Fit {
            width: w,
            height: h,
        };
        assert_eq!("1920x1080".parse(), Ok(fit(Some(1920), Some(1080))));
        assert_eq!("1920".parse(), Ok(fit(Some(1920), Some(1920))));
        assert_eq!("1920x".parse(), Ok(fit(Some(1920), None)));
        assert_eq!("x1080".parse(), Ok(fit(None, Some(1080))));
        assert_eq!("50%".parse(), Ok(ResizeSpec::Percent(50.0)));
        for bad in ["", "x", "0x10", "abc", "-5%", "10x10x10", "1e3", "%", "x>"] {
            assert!(
                bad.parse::<ResizeSpec>().is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn fit_keeps_aspect_and_never_enlarges_unless_asked() {
        let spec: ResizeSpec = "1920x1920".parse().unwrap();
        assert_eq!(spec.target(4000, 3000, false), (1920, 1440));
        assert_eq!(spec.target(3000, 4000, false), (1440, 1920));
        assert_eq!(spec.target(800, 600, false), (800, 600));
        assert_eq!(spec.target(800, 600, true), (1920, 1440));
        let pct: ResizeSpec = "50%".parse().unwrap();
        assert_eq!(pct.target(1001, 500, false), (501, 250));
        assert_eq!(
            "x100"
                .parse::<ResizeSpec>()
                .unwrap()
                .target(10_000, 10, false),
            (10_000, 10)
        );
    }

    #[test]
    fn imagemagick_suffixes_parse_onto_a_box() {
        let suffixed = |w, h, suffix| ResizeSpec::Suffixed {
            width: w,
            height: h,
            suffix,
        };
        assert_eq!(
            "1920x1080>".parse(),
            Ok(suffixed(Some(1920), Some(1080), Suffix::ShrinkOnly))
        );
        assert_eq!(
            "1920x1080<".parse(),
            Ok(suffixed(Some(1920), Some(1080), Suffix::EnlargeOnly))
        );
        assert_eq!(
            " 320x240 ^".parse(),
            Ok(suffixed(Some(320), Some(240), Suffix::Outside))
        );
        assert_eq!(
            "320!".parse(),
            Ok(suffixed(Some(320), Some(320), Suffix::Exact))
        );
        assert_eq!(
            "1920x>".parse(),
            Ok(suffixed(Some(1920), None, Suffix::ShrinkOnly))
        );
    }

    #[test]
    fn a_wrong_suffix_is_refused_with_the_list_of_suffixes() {
        let err = |s: &str| s.parse::<ResizeSpec>().unwrap_err().0;
        let e = err("1920x1080?");
        assert!(e.contains("'?' is not a suffix fanlight knows"), "{e}");
        assert!(
            e.contains("> (shrink only), < (enlarge only), ^ (cover the box uncropped"),
            "{e}"
        );
        assert!(e.contains("--resize '1920x1080>'"), "{e}");
        let e = err("1920x1080>^");
        assert!(e.contains("more than one suffix"), "{e}");
        let e = err("50%>");
        assert!(e.contains("not a percentage"), "{e}");
        let e = err("1920x!");
        assert!(
            e.contains("needs a box with both sides, such as 1920x1080!"),
            "{e}"
        );
        let e = err("x1080^");
        assert!(e.contains("the ^ suffix"), "{e}");
        // A broken box is reported as such, whatever follows it.
        let e = err("abc>");
        assert!(e.starts_with("'abc>': expected WxH"), "{e}");
    }

    #[test]
    fn the_enlarge_only_suffix_grows_small_photos_and_keeps_large_ones() {
        let spec: ResizeSpec = "1000x1000<".parse().unwrap();
        assert_eq!(spec.target(500, 250, false), (1000, 500));
        assert_eq!(spec.target(4000, 3000, false), (4000, 3000));
        let spec: ResizeSpec = "1000x1000>".parse().unwrap();
        assert_eq!(spec.target(500, 250, false), (500, 250));
        assert_eq!(spec.target(4000, 2000, false), (1000, 500));
    }
}
