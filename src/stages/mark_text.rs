//! Filling a watermark text's placeholders for one photo. This runs in `load`, where the file and
//! its EXIF are at hand, so the single `watermark` worker only rasterizes.

use std::path::Path;
use std::time::UNIX_EPOCH;

use exif::{Context, DateTime, Exif, In, Tag, Value};

use crate::config::{utc_date, TemplateValues, TextTemplate};

/// The EXIF tag called `name` (as the EXIF standard spells it: `DateTimeOriginal`, `Model`,
/// `FNumber`, ...), if the standard knows it.
#[must_use]
pub fn exif_tag(name: &str) -> Option<Tag> {
    [Context::Tiff, Context::Exif, Context::Gps, Context::Interop]
        .into_iter()
        .flat_map(|ctx| (0..=u16::MAX).map(move |n| Tag(ctx, n)))
        // Only known tags have a description, so only they are formatted.
        .find(|t| t.description().is_some() && t.to_string() == name)
}

/// A watermark text ready to fill: the template and its EXIF tags, looked up once per run.
#[derive(Debug, Clone)]
pub struct MarkText {
    /// The parsed text.
    pub template: TextTemplate,
    tags: Vec<(String, Tag)>,
}

impl MarkText {
    /// Checks that every `{exif:TAG}` of `template` names a known tag.
    pub fn new(template: TextTemplate) -> Result<Self, String> {
        let mut tags = Vec::new();
        for name in template.exif_tags() {
            let tag = exif_tag(name).ok_or_else(|| format!(
                "watermark text: {{exif:{name}}} is not an EXIF tag name (names are spelt as in the EXIF standard, case matters: DateTimeOriginal, Make, Model, FNumber, ExposureTime, PhotographicSensitivity...)"
            ))?;
            tags.push((name.to_string(), tag));
        }
        Ok(MarkText { template, tags })
    }

    /// The text for the photo at `path` with its EXIF block (bare TIFF or with the `Exif\0\0`
    /// prefix), if any; a damaged EXIF block counts as none.
    #[must_use]
    pub fn render(&self, path: &Path, exif: Option<&[u8]>) -> String {
        let exif = exif
            .filter(|_| self.template.needs_metadata())
            .and_then(|bytes| {
                let bytes = bytes.strip_prefix(b"Exif\0\0").unwrap_or(bytes);
                exif::Reader::new().read_raw(bytes.to_vec()).ok()
            });
        self.template.render(&PhotoValues {
            path,
            exif,
            tags: &self.tags,
        })
    }
}

/// What one photo offers its watermark text.
struct PhotoValues<'a> {
    path: &'a Path,
    exif: Option<Exif>,
    tags: &'a [(String, Tag)],
}

impl PhotoValues<'_> {
    fn field(&self, tag: Tag) -> Option<String> {
        let exif = self.exif.as_ref()?;
        let field = exif.get_field(tag, In::PRIMARY)?;
        let text = match &field.value {
            // Dates as YYYY-MM-DD HH:MM:SS; other text without the quotes kamadak-exif adds.
            Value::Ascii(parts) => match parts.first().map(|p| DateTime::from_ascii(p)) {
                Some(Ok(dt)) => dt.to_string(),
                _ => parts
                    .iter()
                    .map(|p| {
                        String::from_utf8_lossy(p)
                            .trim_end_matches('\0')
                            .to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            _ => field.display_value().with_unit(exif).to_string(),
        };
        Some(text.trim().to_string())
    }
}

impl TemplateValues for PhotoValues<'_> {
    fn filename(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn date(&self) -> Option<String> {
        let taken = self.field(Tag::DateTimeOriginal).and_then(|t| {
            // As `field` gives dates: YYYY-MM-DD HH:MM:SS. Unset dates are all zeros or blank.
            let d = t.get(..10)?;
            let digits = d.bytes().filter(u8::is_ascii_digit).count();
            (digits == 8 && d.as_bytes()[4] == b'-' && d != "0000-00-00").then(|| d.to_string())
        });
        taken.or_else(|| {
            let modified = std::fs::metadata(self.path).ok()?.modified().ok()?;
            let secs = match modified.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_secs() as i64,
                Err(e) => -(e.duration().as_secs() as i64),
            };
            Some(utc_date(secs))
        })
    }

    fn exif(&self, name: &str) -> Option<String> {
        let tag = self.tags.iter().find(|(n, _)| n == name)?.1;
        self.field(tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_found_as_the_standard_spells_them() {
        assert_eq!(exif_tag("DateTimeOriginal"), Some(Tag::DateTimeOriginal));
        assert_eq!(exif_tag("Model"), Some(Tag::Model));
        assert_eq!(exif_tag("datetimeoriginal"), None);
        assert_eq!(exif_tag("Author"), None);
        let t: TextTemplate = "{exif:Model} {exif:Lens}".parse().unwrap();
        assert!(MarkText::new(t).unwrap_err().contains("{exif:Lens}"));
    }
}
