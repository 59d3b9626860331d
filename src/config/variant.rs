//! Several outputs of each photo from one decode (a responsive set: `--widths 320,640,1280
//! --format webp,jpeg`, or `--variant 320x320,fit=cover` for sets whose members differ in more
//! than their width).

use std::str::FromStr;

use super::fit::{plan as plan_geometry, Fit, Geometry};
use super::output::Format;
use super::parse::{bad, parse_name_template, parse_quality, ParseError};
use super::resize::ResizeSpec;
use super::watermark::Gravity;
use super::Config;

/// One output of every photo: its size and how it is encoded. A run makes one output per photo
/// from the [`Config`]'s own fields unless [`Config::variants`] lists several; each photo is then
/// decoded once, resized once per distinct size and encoded once per variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The resize box; `None` keeps the photo's size.
    pub resize: Option<ResizeSpec>,
    /// How the photo fits the box.
    pub fit: Fit,
    /// Anchor of the `cover` crop and of the `contain` padding.
    pub gravity: Gravity,
    /// Whether small photos may grow.
    pub enlarge: bool,
    /// The output format.
    pub format: Format,
    /// Quality 1–100 of JPEG, lossy WebP and AVIF.
    pub quality: u8,
    /// The file name template; `None` takes [`Config::name_template`] (see
    /// [`Config::variant_name`]).
    pub name: Option<String>,
}

impl Variant {
    /// The single output `config`'s own fields describe (its resize, fit, format and quality).
    #[must_use]
    pub fn of(config: &Config) -> Variant {
        Variant {
            resize: config.resize,
            fit: config.fit,
            gravity: config.gravity,
            enlarge: config.enlarge,
            format: config.output.format,
            quality: config.output.quality,
            name: None,
        }
    }

    /// The geometry for an upright `width × height` photo; `None` without a resize.
    #[must_use]
    pub fn plan(&self, width: u32, height: u32) -> Option<Geometry> {
        let spec = self.resize?;
        Some(plan_geometry(
            &spec,
            self.fit,
            self.gravity,
            self.enlarge,
            width,
            height,
        ))
    }

    /// The size of this output of an upright `width × height` photo: what `{width}` and
    /// `{height}` in its name become, and what the resize stage makes.
    #[must_use]
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        self.plan(width, height)
            .map_or((width, height), |g| g.canvas)
    }

    /// `config`'s output fit to `width` pixels wide (any height), in `format`: one member of a
    /// `--widths` set.
    #[must_use]
    pub fn width(config: &Config, width: u32, format: Format) -> Variant {
        Variant {
            resize: Some(ResizeSpec::Fit {
                width: Some(width),
                height: None,
            }),
            format,
            ..Variant::of(config)
        }
    }
}

/// A variant as `--variant` writes it: a resize box, then `key=value` settings, all optional,
/// comma-separated: `320x320,fit=cover,quality=70`, `1280`, `1920x,format=avif,name={stem}-hd.{ext}`.
/// What it leaves out comes from the run's own options ([`VariantSpec::resolve`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariantSpec {
    /// The box (`--resize`'s spellings); `keep` or none keeps the size.
    pub resize: Option<ResizeSpec>,
    /// `fit=`.
    pub fit: Option<Fit>,
    /// `gravity=`.
    pub gravity: Option<Gravity>,
    /// `enlarge` or `enlarge=true|false`.
    pub enlarge: Option<bool>,
    /// `format=`; without it the variant is made in every format of the run (`--format a,b`).
    pub format: Option<Format>,
    /// `quality=`.
    pub quality: Option<u8>,
    /// `name=` (a file name template).
    pub name: Option<String>,
}

/// The keys a `--variant` may set, for messages.
pub const VARIANT_KEYS: [&str; 6] = ["fit", "gravity", "enlarge", "format", "quality", "name"];

impl VariantSpec {
    /// The variants this spec makes in a run of `config` whose formats are `formats`: one per
    /// format, or only its own when it names one.
    #[must_use]
    pub fn resolve(&self, config: &Config, formats: &[Format]) -> Vec<Variant> {
        let own = self.format.map(|f| vec![f]);
        let formats = own.as_deref().unwrap_or(formats);
        let base = Variant::of(config);
        formats
            .iter()
            .map(|&format| Variant {
                resize: self.resize,
                fit: self.fit.unwrap_or(base.fit),
                gravity: self.gravity.unwrap_or(base.gravity),
                enlarge: self.enlarge.unwrap_or(base.enlarge),
                format,
                quality: self.quality.unwrap_or(base.quality),
                name: self.name.clone(),
            })
            .collect()
    }
}

impl FromStr for VariantSpec {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = VariantSpec::default();
        // A name may hold commas only as the last setting: everything after `name=` is the name.
        let (settings, name) = match s.find("name=") {
            Some(at) => (&s[..at], Some(&s[at + "name=".len()..])),
            None => (s, None),
        };
        if let Some(name) = name {
            spec.name = Some(parse_name_template(name.trim())?);
        }
        for (i, part) in settings.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                continue;
            }
            let Some((key, value)) = part.split_once('=') else {
                match part {
                    "enlarge" => spec.enlarge = Some(true),
                    "keep" if i == 0 => spec.resize = None,
                    _ if i == 0 => spec.resize = Some(part.parse()?),
                    _ => {
                        return Err(bad(format!(
                        "'{part}' in variant '{s}': expected key=value after the size (keys: {})",
                        VARIANT_KEYS.join(", ")
                    )))
                    }
                }
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "fit" => spec.fit = Some(value.parse()?),
                "gravity" => spec.gravity = Some(value.parse()?),
                "enlarge" => {
                    spec.enlarge = Some(match value {
                        "true" | "yes" => true,
                        "false" | "no" => false,
                        _ => return Err(bad(format!("enlarge={value}: expected true or false"))),
                    });
                }
                "format" => spec.format = Some(value.parse()?),
                "quality" => spec.quality = Some(parse_quality(value)?),
                "size" | "resize" => spec.resize = Some(value.parse()?),
                other => {
                    return Err(bad(format!(
                        "unknown key '{other}' in variant '{s}' (keys: {})",
                        VARIANT_KEYS.join(", ")
                    )))
                }
            }
        }
        Ok(spec)
    }
}

/// Parses `--widths 320,640,1280`: widths in pixels, each at least 1.
pub fn parse_widths(s: &str) -> Result<Vec<u32>, ParseError> {
    s.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| match w.trim_end_matches("px").parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(format!(
                "'{w}' in widths '{s}': expected widths in pixels such as 320,640,1280"
            ))),
        })
        .collect::<Result<Vec<u32>, _>>()
        .and_then(|w| {
            if w.is_empty() {
                Err(bad("no widths given: give widths such as 320,640,1280"))
            } else {
                Ok(w)
            }
        })
}

impl Config {
    /// The outputs of every photo: [`Config::variants`], or the single one the configuration's
    /// own fields describe when that list is empty.
    #[must_use]
    pub fn outputs(&self) -> Vec<Variant> {
        if self.variants.is_empty() {
            vec![Variant::of(self)]
        } else {
            self.variants.clone()
        }
    }

    /// The file name template of `variant`: its own, else [`Config::name_template`]; when the
    /// variants differ in size and the template is the default `{stem}.{ext}`, the default
    /// becomes `{stem}-{width}.{ext}` so that sizes do not collide (variants that differ only
    /// in format keep `{stem}.{ext}`: their extensions differ).
    #[must_use]
    pub fn variant_name<'a>(&'a self, variant: &'a Variant) -> &'a str {
        if let Some(name) = &variant.name {
            return name;
        }
        let sizes_differ = self.variants.iter().any(|v| {
            (v.resize, v.fit, v.gravity, v.enlarge)
                != (
                    variant.resize,
                    variant.fit,
                    variant.gravity,
                    variant.enlarge,
                )
        });
        if sizes_differ && self.name_template == "{stem}.{ext}" {
            "{stem}-{width}.{ext}"
        } else {
            &self.name_template
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_specs_parse_a_box_then_settings() {
        let v: VariantSpec = "320x320,fit=cover,quality=70,format=webp".parse().unwrap();
        assert_eq!(
            v.resize,
            Some(ResizeSpec::Fit {
                width: Some(320),
                height: Some(320)
            })
        );
        assert_eq!(v.fit, Some(Fit::Cover));
        assert_eq!(v.quality, Some(70));
        assert_eq!(v.format, Some(Format::Webp));
        let named: VariantSpec = "1920x,name={stem}-hd,{width}.{ext}".parse().unwrap();
        assert_eq!(named.name.as_deref(), Some("{stem}-hd,{width}.{ext}"));
        let err = "320,qualty=70".parse::<VariantSpec>().unwrap_err();
        assert!(err.0.contains("unknown key 'qualty'"), "{err}");
        assert!("320,cover".parse::<VariantSpec>().is_err());
    }

    #[test]
    fn widths_parse_and_refuse_nonsense() {
        assert_eq!(parse_widths("320, 640,1280px").unwrap(), [320, 640, 1280]);
        assert!(parse_widths("320,0").is_err());
        assert!(parse_widths("wide").is_err());
        assert!(parse_widths(",").is_err());
    }

    #[test]
    fn sizes_that_differ_get_the_width_in_their_default_name() {
        let mut config = Config::new(vec![], "out");
        config.variants = vec![
            Variant::width(&config, 320, Format::Jpeg),
            Variant::width(&config, 640, Format::Jpeg),
        ];
        assert_eq!(
            config.variant_name(&config.variants[0]),
            "{stem}-{width}.{ext}"
        );
        let mut formats = Config::new(vec![], "out");
        formats.variants = vec![
            Variant::width(&formats, 320, Format::Jpeg),
            Variant::width(&formats, 320, Format::Webp),
        ];
        assert_eq!(formats.variant_name(&formats.variants[1]), "{stem}.{ext}");
        config.name_template = "{stem}_{width}w.{ext}".into();
        assert_eq!(
            config.variant_name(&config.variants[1]),
            "{stem}_{width}w.{ext}"
        );
    }
}
