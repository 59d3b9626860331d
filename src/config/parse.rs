//! The option-parsing vocabulary: [`ParseError`] and the parsers of plain values (numbers in a
//! range, durations, the name template) that several options share.

use std::fmt;
use std::time::Duration;

/// An error in an option's value: names what was given and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

pub(crate) fn bad(msg: impl Into<String>) -> ParseError {
    ParseError(msg.into())
}

/// Parses an opacity: a number from 0 to 1 or a percentage (`0.5`, `50%`).
pub fn parse_opacity(s: &str) -> Result<f32, ParseError> {
    fraction(s).ok_or_else(|| {
        bad(format!(
            "'{s}': expected an opacity from 0 to 1 (0 invisible, 1 opaque), or a percentage such as 50%"
        ))
    })
}

/// A fraction from 0 to 1, written as one (`0.25`) or as a percentage (`25%`).
pub(crate) fn fraction(s: &str) -> Option<f32> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(p) => (p.trim(), 100.0),
        None => (t, 1.0),
    };
    let v = num.parse::<f32>().ok()? / scale;
    (0.0..=1.0).contains(&v).then_some(v)
}

/// Parses a JPEG quality `1..=100`.
pub fn parse_quality(s: &str) -> Result<u8, ParseError> {
    match s.trim().parse::<u8>() {
        Ok(v) if (1..=100).contains(&v) => Ok(v),
        _ => Err(bad(format!("'{s}': expected a whole number from 1 to 100"))),
    }
}

/// Parses a PNG deflate level `0..=9`.
pub fn parse_png_level(s: &str) -> Result<u8, ParseError> {
    match s.trim().parse::<u8>() {
        Ok(v) if v <= 9 => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a level from 0 (no compression, fastest) to 9 (smallest)"
        ))),
    }
}

/// Parses a positive count such as a worker count or queue capacity (1..=1024).
pub fn parse_count(s: &str) -> Result<usize, ParseError> {
    match s.trim().parse::<usize>() {
        Ok(v) if (1..=1024).contains(&v) => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a whole number from 1 to 1024"
        ))),
    }
}

/// Parses a font size in pixels (1..=2000).
pub fn parse_font_size(s: &str) -> Result<f32, ParseError> {
    let t = s.trim().trim_end_matches("px");
    match t.parse::<f32>() {
        Ok(v) if (1.0..=2000.0).contains(&v) => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a size in pixels from 1 to 2000"
        ))),
    }
}

/// Checks a `--name` template: it must make a plain file name (no `/`, no NUL), so that every
/// output stays in its mirrored folder below the output folder. Returns it unchanged.
pub fn parse_name_template(t: &str) -> Result<String, ParseError> {
    if t.trim().is_empty() {
        return Err(bad(
            "the name template is empty: give a file name such as {stem}.{ext}",
        ));
    }
    if t.contains(['/', '\0']) {
        return Err(bad(format!(
            "'{t}': a name template is a file name, not a path (no '/'); the input's folders are mirrored anyway"
        )));
    }
    Ok(t.to_string())
}

/// Parses a file size in bytes: `2G`, `500M`, `64k`, `1000` (units of 1024; `GiB`, `MB` and
/// `B` spellings accepted).
pub fn parse_size(s: &str) -> Result<u64, ParseError> {
    let err = || {
        bad(format!(
            "'{s}': expected a size such as 2G, 500M, 64k or 1000000"
        ))
    };
    let t = s.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix("ib")
        .or_else(|| t.strip_suffix('b'))
        .unwrap_or(&t);
    let (num, shift) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 10),
        Some('m') => (&t[..t.len() - 1], 20),
        Some('g') => (&t[..t.len() - 1], 30),
        Some('t') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let v: u64 = num.trim().parse().map_err(|_| err())?;
    match v.checked_mul(1 << shift) {
        Some(bytes) if bytes > 0 => Ok(bytes),
        _ => Err(err()),
    }
}

/// Parses a pixel count: `268402689`, `24e6`, `2.5e7`, `50M` (a million pixels: megapixels are
/// decimal), `50MP`, `500k`; `_` may group digits. `0` is kept: it means no limit.
pub fn parse_pixels(s: &str) -> Result<u64, ParseError> {
    let err = |why: &str| {
        bad(format!(
            "'{s}': {why}expected a pixel count such as 24000000, 24e6 or 24M (megapixels), or 0 for no limit"
        ))
    };
    let t = s.trim().replace('_', "").to_ascii_lowercase();
    let t = t
        .strip_suffix('p')
        .filter(|t| t.ends_with(['k', 'm', 'g']))
        .unwrap_or(&t);
    let (num, unit) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1e3),
        Some('m') => (&t[..t.len() - 1], 1e6),
        Some('g') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    let num = num.trim();
    if let (Ok(v), 1.0) = (num.parse::<u64>(), unit) {
        return Ok(v);
    }
    // Digits, a point and an exponent only: no `inf`, `nan` or sign.
    if num.is_empty()
        || !num
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == 'e')
    {
        return Err(err(""));
    }
    let v = num.parse::<f64>().map_err(|_| err(""))? * unit;
    let whole = v.round();
    if !(whole.is_finite() && whole < 1.8e19) {
        return Err(err("too large; "));
    }
    if (v - whole).abs() > 1e-9 * whole.max(1.0) {
        return Err(err("a pixel count is a whole number; "));
    }
    Ok(whole as u64)
}

/// Parses a duration such as `30s`, `500ms` or `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, ParseError> {
    let t = s.trim();
    let err = || {
        bad(format!(
            "'{s}': expected a duration such as 500ms, 30s or 2m"
        ))
    };
    let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| err())?;
    if !(v.is_finite() && v > 0.0) {
        return Err(err());
    }
    // Finite but beyond what a Duration holds (`1e300m`) is refused, not a panic.
    Duration::try_from_secs_f64(v * mult).map_err(|_| err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("64kb"), Ok(64 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        for bad in ["", "0", "-1", "1.5G", "G", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn opacity_is_a_fraction_or_a_percentage() {
        assert_eq!(parse_opacity("0.5"), Ok(0.5));
        assert_eq!(parse_opacity("50%"), Ok(0.5));
        assert_eq!(parse_opacity(" 100 % "), Ok(1.0));
        assert_eq!(parse_opacity("0%"), Ok(0.0));
        for bad in ["1.5", "150%", "-1%", "%", "half", "NaN", "inf", ""] {
            let e = parse_opacity(bad).unwrap_err().0;
            assert_eq!(
                e,
                format!("'{bad}': expected an opacity from 0 to 1 (0 invisible, 1 opaque), or a percentage such as 50%")
            );
        }
    }

    #[test]
    fn pixel_counts_take_exponents_and_megapixels_and_0_for_no_limit() {
        assert_eq!(parse_pixels("268402689"), Ok(268_402_689));
        assert_eq!(parse_pixels("268_402_689"), Ok(268_402_689));
        assert_eq!(parse_pixels("0"), Ok(0));
        assert_eq!(parse_pixels("1e6"), Ok(1_000_000));
        assert_eq!(parse_pixels("24e6"), Ok(24_000_000));
        assert_eq!(parse_pixels("2.5e7"), Ok(25_000_000));
        assert_eq!(parse_pixels("50M"), Ok(50_000_000));
        assert_eq!(parse_pixels("50mp"), Ok(50_000_000));
        assert_eq!(parse_pixels("1.5M"), Ok(1_500_000));
        assert_eq!(parse_pixels("500k"), Ok(500_000));
        assert_eq!(parse_pixels("0.1M"), Ok(100_000));
        let msg =
            "expected a pixel count such as 24000000, 24e6 or 24M (megapixels), or 0 for no limit";
        for bad in [
            "", "-1", "M", "1e", "inf", "nan", "ten", "5x", "1p", "-1e6", "+5M",
        ] {
            assert_eq!(
                parse_pixels(bad),
                Err(ParseError(format!("'{bad}': {msg}")))
            );
        }
        assert_eq!(
            parse_pixels("1.5"),
            Err(ParseError(format!(
                "'1.5': a pixel count is a whole number; {msg}"
            )))
        );
        assert_eq!(
            parse_pixels("1e300"),
            Err(ParseError(format!("'1e300': too large; {msg}")))
        );
    }

    #[test]
    fn numbers_and_durations_parse() {
        assert!(parse_quality("0").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    }

    #[test]
    fn a_duration_too_long_for_a_duration_is_refused_not_a_panic() {
        // Found by the `options` fuzz target: finite seconds beyond Duration's range panicked.
        let digits = "4".repeat(120);
        assert!(parse_duration(&format!("{digits}67")).is_err());
        assert!(parse_duration("1e300m").is_err());
        assert!(parse_duration("1e20s").is_err());
        assert_eq!(
            parse_duration("1e9s"),
            Ok(Duration::from_secs(1_000_000_000))
        );
    }
}
