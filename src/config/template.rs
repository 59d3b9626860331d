//! Watermark text with placeholders: `{filename}`, `{stem}`, `{date}` and `{exif:TAG}`, filled in
//! per photo. `{{` and `}}` stand for literal braces.

use std::fmt;
use std::str::FromStr;

use super::parse::{bad, ParseError};

/// One piece of a watermark text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text as written.
    Literal(String),
    /// The input's file name with its extension (`IMG_0042.jpg`).
    Filename,
    /// The input's file name without its extension (`IMG_0042`).
    Stem,
    /// The day the photo was taken, `YYYY-MM-DD`: EXIF `DateTimeOriginal`, else the file's
    /// modification date (UTC).
    Date,
    /// An EXIF field by its tag name (`DateTimeOriginal`, `Model`, `FNumber`, ...), empty when
    /// the photo lacks it.
    Exif(String),
}

/// A parsed watermark text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTemplate {
    /// The pieces in order.
    pub pieces: Vec<Piece>,
}

/// The per-photo values placeholders are replaced with.
pub trait TemplateValues {
    /// The input's file name.
    fn filename(&self) -> String;
    /// The input's file name without its extension.
    fn stem(&self) -> String;
    /// The photo's date, `YYYY-MM-DD`, if known.
    fn date(&self) -> Option<String>;
    /// The EXIF field named `tag`, if present.
    fn exif(&self, tag: &str) -> Option<String>;
}

impl TextTemplate {
    /// Whether the text is the same for every photo.
    #[must_use]
    pub fn is_constant(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Literal(_)))
    }

    /// Whether any placeholder needs the photo's EXIF or file date.
    #[must_use]
    pub fn needs_metadata(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Date | Piece::Exif(_)))
    }

    /// The EXIF tag names used.
    pub fn exif_tags(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Exif(t) => Some(t.as_str()),
            _ => None,
        })
    }

    /// The text for one photo.
    #[must_use]
    pub fn render(&self, values: &dyn TemplateValues) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(t) => out.push_str(t),
                Piece::Filename => out.push_str(&values.filename()),
                Piece::Stem => out.push_str(&values.stem()),
                Piece::Date => out.push_str(&values.date().unwrap_or_default()),
                Piece::Exif(tag) => out.push_str(&values.exif(tag).unwrap_or_default()),
            }
        }
        out
    }

    /// The text with every placeholder empty (for a constant text: the text).
    #[must_use]
    pub fn literal(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(t) => t.as_str(),
                _ => "",
            })
            .collect()
    }
}

impl FromStr for TextTemplate {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(['{', '}']) {
            lit.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                lit.push_str(&tail[..1]);
                rest = &tail[2..];
                continue;
            }
            if tail.starts_with('}') {
                return Err(bad(format!(
                    "watermark text '{s}': a lone '}}' (write }}}} for a literal brace)"
                )));
            }
            let end = tail.find('}').ok_or_else(|| {
                bad(format!(
                    "watermark text '{s}': '{{' is not closed (write {{{{ for a literal brace)"
                ))
            })?;
            let name = &tail[1..end];
            let piece = match name {
                "filename" => Piece::Filename,
                "stem" => Piece::Stem,
                "date" => Piece::Date,
                _ => match name.strip_prefix("exif:") {
                    Some(tag) if !tag.trim().is_empty() => Piece::Exif(tag.trim().to_string()),
                    _ => {
                        return Err(bad(format!(
                            "watermark text '{s}': unknown placeholder {{{name}}}: use {{filename}}, {{stem}}, {{date}} or {{exif:TAG}} such as {{exif:DateTimeOriginal}}"
                        )))
                    }
                },
            };
            if !lit.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut lit)));
            }
            pieces.push(piece);
            rest = &tail[end + 1..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Literal(lit));
        }
        Ok(TextTemplate { pieces })
    }
}

impl fmt::Display for TextTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(t) => f.write_str(&t.replace('{', "{{").replace('}', "}}"))?,
                Piece::Filename => f.write_str("{filename}")?,
                Piece::Stem => f.write_str("{stem}")?,
                Piece::Date => f.write_str("{date}")?,
                Piece::Exif(tag) => write!(f, "{{exif:{tag}}}")?,
            }
        }
        Ok(())
    }
}

/// `YYYY-MM-DD` of a time given in seconds since 1970 (UTC).
#[must_use]
pub fn utc_date(unix_seconds: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = unix_seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Photo;

    impl TemplateValues for Photo {
        fn filename(&self) -> String {
            "IMG_1.jpg".into()
        }
        fn stem(&self) -> String {
            "IMG_1".into()
        }
        fn date(&self) -> Option<String> {
            Some("2024-05-17".into())
        }
        fn exif(&self, tag: &str) -> Option<String> {
            (tag == "Model").then(|| "X100".into())
        }
    }

    #[test]
    fn placeholders_are_filled_and_braces_escape() {
        let t: TextTemplate = "(c) {date} {filename}\n{stem} {exif:Model}{exif:Make} {{x}}"
            .parse()
            .unwrap();
        assert_eq!(t.render(&Photo), "(c) 2024-05-17 IMG_1.jpg\nIMG_1 X100 {x}");
        assert!(!t.is_constant() && t.needs_metadata());
        assert_eq!(t.exif_tags().collect::<Vec<_>>(), ["Model", "Make"]);
        assert_eq!(t.to_string().parse::<TextTemplate>().unwrap(), t);
        let plain: TextTemplate = "(c) Me".parse().unwrap();
        assert!(plain.is_constant());
        assert_eq!(plain.literal(), "(c) Me");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused() {
        for bad in ["{author}", "x {date", "x } y", "{exif:}"] {
            let err = bad.parse::<TextTemplate>().unwrap_err().0;
            assert!(err.contains("watermark text"), "{bad}: {err}");
        }
    }

    #[test]
    fn utc_dates_cover_leap_years_and_old_times() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(-86_400), "1969-12-31");
    }
}
