//! Parsing the filter chain (`--filter unsharp:sigma=1,amount=0.8`) into [`FilterSpec`]s, the
//! filter operations' own parameter type.

use std::str::FromStr;

use super::parse::{bad, ParseError};
pub use crate::ops::filters::FilterSpec;

/// The filter names [`FilterSpec`] accepts, for messages and help.
pub const FILTER_NAMES: &str =
    "unsharp, blur, grayscale, brightness, contrast, saturation, sepia, invert";

impl FromStr for FilterSpec {
    type Err = ParseError;

    /// `name`, `name:value` or `name:key=value,key=value`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, args) = match s.split_once(':') {
            Some((n, a)) => (n.trim(), a.trim()),
            None => (s.trim(), ""),
        };
        let name = name.to_ascii_lowercase();
        let mut params = Params::parse(&name, args)?;
        let spec = match name.as_str() {
            "unsharp" | "sharpen" => FilterSpec::Unsharp {
                sigma: params.take("sigma", 1.0, 0.1, 50.0)?,
                amount: params.take("amount", 1.0, 0.0, 10.0)?,
                threshold: params.take("threshold", 0.0, 0.0, 255.0)?.round() as u8,
            },
            "blur" => FilterSpec::Blur {
                sigma: params.take("sigma", 2.0, 0.1, 100.0)?,
            },
            "grayscale" | "greyscale" | "gray" | "grey" => FilterSpec::Grayscale,
            "brightness" => FilterSpec::Brightness(params.take("value", 1.1, 0.0, 10.0)?),
            "contrast" => FilterSpec::Contrast(params.take("value", 1.2, 0.0, 10.0)?),
            "saturation" => FilterSpec::Saturation(params.take("value", 1.3, 0.0, 10.0)?),
            "sepia" => FilterSpec::Sepia(params.take("amount", 1.0, 0.0, 1.0)?),
            "invert" | "negate" => FilterSpec::Invert,
            _ => {
                return Err(bad(format!(
                    "unknown filter '{name}': expected one of {FILTER_NAMES}"
                )))
            }
        };
        params.finish()?;
        Ok(spec)
    }
}

/// `key=value` parameters of one filter, consumed by name so leftovers can be reported.
struct Params<'a> {
    filter: &'a str,
    positional: Option<&'a str>,
    named: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    fn parse(filter: &'a str, args: &'a str) -> Result<Self, ParseError> {
        let mut params = Params {
            filter,
            positional: None,
            named: Vec::new(),
        };
        if args.is_empty() {
            return Ok(params);
        }
        if !args.contains('=') {
            params.positional = Some(args);
            return Ok(params);
        }
        for pair in args.split(',') {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                bad(format!(
                    "filter '{filter}': '{pair}' is not key=value (write {filter}:key=value,key=value)"
                ))
            })?;
            params.named.push((k.trim(), v.trim()));
        }
        Ok(params)
    }

    /// Takes parameter `key` (or the positional value, which means the first parameter).
    fn take(&mut self, key: &str, default: f32, min: f32, max: f32) -> Result<f32, ParseError> {
        let text = if let Some(p) = self.positional.take() {
            Some(p)
        } else if let Some(i) = self
            .named
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some(self.named.remove(i).1)
        } else {
            None
        };
        let Some(text) = text else {
            return Ok(default);
        };
        let filter = self.filter;
        let value: f32 = text
            .parse()
            .map_err(|_| bad(format!("filter '{filter}': {key} '{text}' is not a number")))?;
        if !(min..=max).contains(&value) {
            return Err(bad(format!(
                "filter '{filter}': {key} {value} is out of range {min}..={max}"
            )));
        }
        Ok(value)
    }

    fn finish(self) -> Result<(), ParseError> {
        let filter = self.filter;
        if let Some(p) = self.positional {
            return Err(bad(format!("filter '{filter}' takes no value, got '{p}'")));
        }
        if let Some((k, _)) = self.named.first() {
            return Err(bad(format!("filter '{filter}' has no parameter '{k}'")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_specs_parse_names_values_and_keys() {
        assert_eq!(
            "unsharp:sigma=1.5,amount=0.5".parse(),
            Ok(FilterSpec::Unsharp {
                sigma: 1.5,
                amount: 0.5,
                threshold: 0
            })
        );
        assert_eq!("blur:sigma=2".parse(), Ok(FilterSpec::Blur { sigma: 2.0 }));
        assert_eq!("blur:3".parse(), Ok(FilterSpec::Blur { sigma: 3.0 }));
        assert_eq!("contrast:1.2".parse(), Ok(FilterSpec::Contrast(1.2)));
        assert_eq!("grayscale".parse(), Ok(FilterSpec::Grayscale));
        assert!("sharpness"
            .parse::<FilterSpec>()
            .unwrap_err()
            .0
            .contains("unknown filter"));
        assert!("blur:radius=2"
            .parse::<FilterSpec>()
            .unwrap_err()
            .0
            .contains("radius"));
        assert!("invert:2".parse::<FilterSpec>().is_err());
        assert!("blur:sigma=-1".parse::<FilterSpec>().is_err());
        assert!("blur:sigma=abc".parse::<FilterSpec>().is_err());
    }
}
