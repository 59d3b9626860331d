//! The watermark's options: its text or image, font and size, colour, opacity and place.

use std::path::PathBuf;
use std::str::FromStr;

use super::parse::{bad, parse_font_size, ParseError};

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

    /// `#RRGGBB`, `#RGB` or one of `white`, `black`, `red`, `green`, `blue`, `yellow`, `gray`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let named = match t.as_str() {
            "white" => Some([255, 255, 255]),
            "black" => Some([0, 0, 0]),
            "red" => Some([255, 0, 0]),
            "green" => Some([0, 128, 0]),
            "blue" => Some([0, 0, 255]),
            "yellow" => Some([255, 255, 0]),
            "gray" | "grey" => Some([128, 128, 128]),
            _ => None,
        };
        if let Some(c) = named {
            return Ok(Rgb(c));
        }
        match hex_bytes(&t).as_deref() {
            Some(&[r, g, b]) => Ok(Rgb([r, g, b])),
            _ => Err(bad(format!(
                "'{s}': expected #RRGGBB, #RGB or a colour name such as white"
            ))),
        }
    }
}

/// The bytes a hex colour spells (`#` optional): three digits stand for six (`#f80` is
/// `#ff8800`), otherwise every two digits are a byte. `None` unless every character is a digit.
pub(crate) fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    let digits: Vec<u8> = hex
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    match digits.len() {
        3 => Some(digits.iter().map(|d| d * 17).collect()),
        n if n > 0 && n % 2 == 0 => Some(digits.chunks(2).map(|p| p[0] * 16 + p[1]).collect()),
        _ => None,
    }
}

/// The watermark: a text or an image.
#[derive(Debug, Clone, PartialEq)]
pub struct WatermarkSpec {
    /// The text; `\n` starts a new line; `{filename}`, `{stem}`, `{date}` and `{exif:TAG}` are
    /// filled in per photo (`{{` and `}}` for braces). Unused (and empty) for an image watermark.
    pub text: String,
    /// An image drawn instead of a text (a PNG's alpha is respected). Default: none.
    pub image: Option<PathBuf>,
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

    /// An image watermark from `path`, with the defaults above.
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

/// Parses a watermark scale: a fraction of the photo's width above 0 and at most 1.
pub fn parse_scale(s: &str) -> Result<f32, ParseError> {
    match s.trim().parse::<f32>() {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(bad(format!(
            "'{s}': expected a fraction of the photo's width above 0 and at most 1, such as 0.15"
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
        assert!("#gg0000".parse::<Rgb>().is_err());
        assert_eq!("bottom-right".parse(), Ok(Gravity::BottomRight));
        assert_eq!("CENTER".parse(), Ok(Gravity::Center));
        assert!("middle-left".parse::<Gravity>().is_err());
        assert_eq!(Gravity::TopLeft.cells(), (0, 0));
        assert_eq!(Gravity::Bottom.cells(), (1, 2));
    }
}
