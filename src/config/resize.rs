//! The resize box (`--resize 1920x1080`, `1920`, `50%`) and the size it gives a photo.

use std::str::FromStr;

use super::parse::{bad, ParseError};

/// The resize box (or scale); [`Fit`](super::Fit) says how a photo fits it.
///
/// Spellings: `1920x1080` (a box), `1920` (the long edge: the same as `1920x1920`), `1920x`
/// (the width only), `x1080` (the height only), `50%` (a scale).
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
}

impl ResizeSpec {
    /// The output size for a `width` × `height` photo; never larger unless `enlarge`.
    #[must_use]
    pub fn target(&self, width: u32, height: u32, enlarge: bool) -> (u32, u32) {
        let scale = match *self {
            ResizeSpec::Percent(p) => p / 100.0,
            ResizeSpec::Fit {
                width: box_w,
                height: box_h,
            } => {
                let sw = box_w.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(width));
                let sh = box_h.map_or(f64::INFINITY, |b| f64::from(b) / f64::from(height));
                sw.min(sh)
            }
        };
        let scale = if enlarge { scale } else { scale.min(1.0) };
        if scale == 1.0 {
            return (width, height);
        }
        let side = |s: u32| ((f64::from(s) * scale).round() as u32).max(1);
        // Rounding must not push a side past its box.
        let (mut w, mut h) = (side(width), side(height));
        if let ResizeSpec::Fit {
            width: box_w,
            height: box_h,
        } = *self
        {
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
            "expected WxH, N (long edge), Wx, xH or N% (for example 1920x1080, 1920, 1920x, x1080, 50%)";
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| bad(format!("'{s}': {expected}")))?;
            if !(p > 0.0 && p <= 10_000.0) {
                return Err(bad(format!(
                    "'{s}': the percentage must be above 0 and at most 10000"
                )));
            }
            return Ok(ResizeSpec::Percent(p));
        }
        let side = |t: &str| -> Result<Option<u32>, ParseError> {
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<u32>() {
                Ok(0) => Err(bad(format!("'{s}': a side must be at least 1 pixel"))),
                Ok(v) if v > 65_535 => Err(bad(format!("'{s}': a side must be at most 65535"))),
                Ok(v) => Ok(Some(v)),
                Err(_) => Err(bad(format!("'{s}': {expected}"))),
            }
        };
        let (w, h) = match s.split_once(['x', 'X']) {
            Some((w, h)) => (side(w)?, side(h)?),
            // A bare number bounds the long edge, whichever way the photo is turned.
            None => (side(s)?, side(s)?),
        };
        if w.is_none() && h.is_none() {
            return Err(bad(format!("'{s}': {expected}")));
        }
        Ok(ResizeSpec::Fit {
            width: w,
            height: h,
        })
    }
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
        for bad in ["", "x", "0x10", "abc", "-5%", "10x10x10", "1e3"] {
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
}
