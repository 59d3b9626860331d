//! The watermark's options: its text or image, font and size, colour, opacity and place.

use std::path::PathBuf;
use std::str::FromStr;

use super::colour;
use super::parse::{bad, fraction, parse_font_size, ParseError};

/// Where a watermark sits on the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gravity {
    /// Top left corner.
    TopLeft,
    /// Top edge, centred.
    Top,
    /// Top right corner.
    TopRight,
    /// Left edge, centred.
    Left,
    /// Centre.
    Center,
    /// Right edge, centred.
    Right,
    /// Bottom left corner.
    BottomLeft,
    /// Bottom edge, centred.
    Bottom,
    /// Bottom right corner (the default).
    BottomRight,
}

impl Gravity {
    /// All nine, in reading order.
    pub const ALL: [Gravity; 9] = [
        Gravity::TopLeft,
        Gravity::Top,
        Gravity::TopRight,
        Gravity::Left,
        Gravity::Center,
        Gravity::Right,
        Gravity::BottomLeft,
        Gravity::Bottom,
        Gravity::BottomRight,
    ];

    /// The spelling used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Gravity::TopLeft => "top-left",
            Gravity::Top => "top",
            Gravity::TopRight => "top-right",
            Gravity::Left => "left",
            Gravity::Center => "center",
            Gravity::Right => "right",
            Gravity::BottomLeft => "bottom-left",
            Gravity::Bottom => "bottom",
            Gravity::BottomRight => "bottom-right",
        }
    }

    /// Horizontal and vertical position as 0 (start), 1 (middle) or 2 (end).
    pub fn cells(self) -> (u8, u8) {
        let i = Gravity::ALL.iter().position(|g| *g == self).unwrap_or(8) as u8;
        (i % 3, i / 3)
    }
}

impl FromStr for Gravity {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        let norm = match norm.as_str() {
            "centre" | "middle" => "center",
            "north" => "top",
            "south" => "bottom",
            "west" => "left",
            "east" => "right",
            "northwest" => "top-left",
            "northeast" => "top-right",
            "southwest" => "bottom-left",
            "southeast" => "bottom-right",
            other => other,
        };
        Gravity::ALL
            .into_iter()
            .find(|g| g.name() == norm)
            .ok_or_else(|| {
                bad(format!(
                    "unknown gravity '{s}': expected top-left, top, top-right, left, center, right, bottom-left, bottom or bottom-right"
                ))
            })
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl FromStr for Rgb {
    type Err = ParseError;

    /// A CSS colour, opaque: a name (`white`, `rebeccapurple`), `#RRGGBB`, `#RGB`,
    /// `rgb(255, 128, 0)` or `rgb(100% 50% 0%)`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let [r, g, b, _] = colour::parse(s, false)?;
        Ok(Rgb([r, g, b]))
    }
}

/// The watermark: a text, an image, or both (a logo with a credit line).
#[derive(Debug, Clone, PartialEq)]
pub struct WatermarkSpec {
    /// The text; `\n` starts a new line; `{filename}`, `{stem}`, `{date}` and `{exif:TAG}` are
    /// filled in per photo (`{{` and `}}` for braces). Empty for an image alone.
    pub text: String,
    /// An image drawn as well as the text, or alone when the text is empty (a PNG's alpha is
    /// respected). Default: none.
    pub image: Option<PathBuf>,
    /// Where the image goes when there is a text too; `None` (or `gravity`) stacks the two at
    /// `gravity`, the image above the text, a quarter of an em apart. Unused when tiled: the
    /// stack is tiled. Default: none.
    pub image_gravity: Option<Gravity>,
    /// Width of the image watermark as a fraction of the photo's width (`0.15`); `None` keeps
    /// the image's own size. Default: none.
    pub scale: Option<f32>,
    /// A TrueType/OpenType font file; `None` uses the bundled DejaVu Sans.
    pub font: Option<PathBuf>,
    /// Font size in pixels: the em size, as ImageMagick's `-pointsize`, Pango and CSS mean it
    /// (capitals of DejaVu Sans are about 0.73 em tall). Default 36.
    pub font_size: f32,
    /// Font size (the em, as `font_size`) as a percentage of the photo's shorter side (`3.0` for
    /// 3%), rounded to whole pixels; when set, `font_size` is unused. Default: none.
    pub font_size_percent: Option<f32>,
    /// Repeat the mark across the whole photo in staggered rows; `gravity` is then unused.
    /// Default `false`.
    pub tile: bool,
    /// Text colour. Default white.
    pub color: Rgb,
    /// 0 (invisible) to 1 (opaque). Default 0.5.
    pub opacity: f32,
    /// Where it sits. Default bottom-right.
    pub gravity: Gravity,
    /// Distance in pixels from the edges it sits against. Default 24.
    pub margin: u32,
}

impl WatermarkSpec {
    /// A watermark of `text` with the defaults above.
    pub fn new(text: impl Into<String>) -> Self {
        WatermarkSpec {
            text: text.into(),
            image: None,
            image_gravity: None,
            scale: None,
            font: None,
            font_size: 36.0,
            font_size_percent: None,
            tile: false,
            color: Rgb([255, 255, 255]),
            opacity: 0.5,
            gravity: Gravity::BottomRight,
            margin: 24,
        }
    }

    /// An image watermark from `path` (no text), with the defaults above.
    pub fn image(path: impl Into<PathBuf>) -> Self {
        WatermarkSpec {
            image: Some(path.into()),
            ..WatermarkSpec::new("")
        }
    }
}

/// A font size: pixels (`36`, `36px`) or a percentage of the photo's shorter side (`3%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FontSize {
    /// Pixels.
    Px(f32),
    /// Percent of the photo's shorter side.
    Percent(f32),
}

impl FromStr for FontSize {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().strip_suffix('%') {
            Some(p) => match p.trim().parse::<f32>() {
                Ok(v) if v > 0.0 && v <= 100.0 => Ok(FontSize::Percent(v)),
                _ => Err(bad(format!(
                    "'{s}': expected a percentage above 0 and at most 100, such as 3%"
                ))),
            },
            None => parse_font_size(s).map(FontSize::Px).map_err(|_| {
                bad(format!(
                    "'{s}': expected a size in pixels from 1 to 2000, or a percentage of the photo such as 3%"
                ))
            }),
        }
    }
}

/// Parses a watermark scale: a fraction of the photo's width above 0 and at most 1, or a
/// percentage (`0.15`, `15%`).
pub fn parse_scale(s: &str) -> Result<f32, ParseError> {
    match fraction(s) {
        Some(v) if v > 0.0 => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a fraction of the photo's width above 0 and at most 1, such as 0.15 or 15%"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_gravities_parse() {
        assert_eq!("#ff8000".parse(), Ok(Rgb([255, 128, 0])));
        assert_eq!("#fff".parse(), Ok(Rgb([255, 255, 255])));
        assert_eq!("white".parse(), Ok(Rgb([255, 255, 255])));
        assert!("#ff80".parse::<Rgb>().is_err());
        assert_eq!("rgb(255 128 0)".parse(), Ok(Rgb([255, 128, 0])));
        assert_eq!("RebeccaPurple".parse(), Ok(Rgb([102, 51, 153])));
        assert!("#gg0000".parse::<Rgb>().is_err());
        assert_eq!("bottom-right".parse(), Ok(Gravity::BottomRight));
        assert_eq!("CENTER".parse(), Ok(Gravity::Center));
        assert!("middle-left".parse::<Gravity>().is_err());
        assert_eq!(Gravity::TopLeft.cells(), (0, 0));
        assert_eq!(Gravity::Bottom.cells(), (1, 2));
    }

    #[test]
    fn a_watermark_scale_is_a_fraction_or_a_percentage() {
        assert_eq!(parse_scale("0.15"), Ok(0.15));
        assert_eq!(parse_scale("15%"), Ok(0.15));
        for bad in ["0", "0%", "1.5", "200%", "wide"] {
            let e = parse_scale(bad).unwrap_err().0;
            assert!(e.contains("such as 0.15 or 15%"), "{bad}: {e}");
        }
    }
}
