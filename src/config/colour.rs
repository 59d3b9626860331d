//! Colours as CSS writes them, for every option that takes one (`--color`, `--background`): the
//! 148 CSS named colours (case-insensitive), `#RGB`, `#RRGGBB`, `#RGBA`, `#RRGGBBAA` and `rgb()`
//! or `rgba()` with numbers or percentages, commas or spaces.
//!
//! Hand-written rather than a crate (`csscolorparser` brings `phf` and `uncased` for the table,
//! and `hsl()`, `lab()` and relative colours that would need documenting and testing): the names
//! are a sorted table searched by halves, and the messages say what is wrong in the user's text.

use super::parse::{bad, ParseError};

/// The CSS named colours (CSS Color 4, section 6.1), sorted by name, as `0xRRGGBB`. Where they
/// differ from X11's (gray, green, maroon, purple), these are the web's.
const NAMES: [(&str, u32); 148] = [
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

/// Parses a CSS colour into straight RGBA. `alpha` says whether the option can use
/// transparency (`transparent`, `#RRGGBBAA`, `rgba()`); without it, a colour that is not opaque
/// is refused with a pointer to `--opacity`.
pub(crate) fn parse(s: &str, alpha: bool) -> Result<[u8; 4], ParseError> {
    let t = s.trim().to_ascii_lowercase();
    let rgba = if let Some(hex) = t.strip_prefix('#') {
        hex_digits(hex).ok_or_else(|| {
            bad(format!(
                "'{s}': a hex colour is # and 3, 4, 6 or 8 hex digits (#RGB, #RGBA, #RRGGBB, #RRGGBBAA)"
            ))
        })?
    } else if let Some((name, args)) = t.split_once('(') {
        let name = name.trim();
        if name != "rgb" && name != "rgba" {
            return Err(bad(format!(
                "'{s}': fanlight reads rgb() and rgba() colours, not {name}(): give rgb(255, 128, 0), #ff8000 or a name"
            )));
        }
        let args = args
            .strip_suffix(')')
            .ok_or_else(|| bad(format!("'{s}': rgb() is missing its closing parenthesis")))?;
        rgb_function(s, args)?
    } else if t == "transparent" || t == "none" {
        [0, 0, 0, 0]
    } else if let Ok(i) = NAMES.binary_search_by(|(name, _)| (*name).cmp(t.as_str())) {
        let [_, r, g, b] = NAMES[i].1.to_be_bytes();
        [r, g, b, 255]
    } else if let Some(rgba) = hex_digits(&t) {
        // Hex digits without the #, as fanlight has always read them.
        rgba
    } else {
        let hint = match nearest_name(&t) {
            Some(name) => format!("did you mean {name}? Or give "),
            None => "expected a CSS colour: a name such as white or rebeccapurple, ".into(),
        };
        let extra = if alpha {
            ", #RRGGBBAA or transparent"
        } else {
            ""
        };
        return Err(bad(format!(
            "'{s}': not a colour name; {hint}#RGB, #RRGGBB, rgb(255, 128, 0) or rgb(100% 50% 0%){extra}"
        )));
    };
    if !alpha && rgba[3] != 255 {
        return Err(bad(format!(
            "'{s}': this colour is not opaque, and the watermark's transparency is --opacity: give an opaque colour (#RRGGBB) and, say, --opacity 50%"
        )));
    }
    Ok(rgba)
}

/// `RGB`, `RGBA`, `RRGGBB` or `RRGGBBAA` hex digits as RGBA; `None` for anything else.
fn hex_digits(hex: &str) -> Option<[u8; 4]> {
    let digits: Vec<u8> = hex
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = match digits.len() {
        3 | 4 => digits.iter().map(|d| d * 17).collect(),
        6 | 8 => digits.chunks(2).map(|p| p[0] * 16 + p[1]).collect(),
        _ => return None,
    };
    Some([
        bytes[0],
        bytes[1],
        bytes[2],
        bytes.get(3).copied().unwrap_or(255),
    ])
}

/// The arguments of `rgb()`/`rgba()`: `255, 128, 0`, `255 128 0`, `100% 50% 0%`, with an alpha
/// as a fourth comma-separated value or after `/` (0 to 1, or a percentage).
fn rgb_function(s: &str, args: &str) -> Result<[u8; 4], ParseError> {
    let usage = || {
        bad(format!(
            "'{s}': rgb() takes three channels, 0 to 255 or 0% to 100%, and an optional alpha: rgb(255, 128, 0), rgb(100% 50% 0%), rgb(255 128 0 / 50%)"
        ))
    };
    let (channels, alpha): (Vec<&str>, Option<&str>) = if args.contains(',') {
        let mut parts: Vec<&str> = args.split(',').map(str::trim).collect();
        let alpha = (parts.len() == 4).then(|| parts.pop()).flatten();
        (parts, alpha)
    } else {
        let (colour, alpha) = match args.split_once('/') {
            Some((c, a)) => (c, Some(a.trim())),
            None => (args, None),
        };
        (colour.split_whitespace().collect(), alpha)
    };
    if channels.len() != 3 {
        return Err(usage());
    }
    let mut rgba = [255u8; 4];
    for (slot, text) in rgba.iter_mut().zip(&channels) {
        *slot =
            value(s, text, 255.0, "a channel is 0 to 255 or 0% to 100%").ok_or_else(usage)??;
    }
    if let Some(a) = alpha {
        rgba[3] = value(s, a, 1.0, "an alpha is 0 to 1 or 0% to 100%").ok_or_else(usage)??;
    }
    Ok(rgba)
}

/// A number from 0 to `max`, or a percentage of it, as a byte (rounded). `None` when `text` is
/// not a number; an error when it is one out of range.
fn value(s: &str, text: &str, max: f64, range: &str) -> Option<Result<u8, ParseError>> {
    let (num, scale) = match text.strip_suffix('%') {
        Some(p) => (p.trim(), 100.0),
        None => (text, max),
    };
    let v: f64 = num.parse().ok().filter(|v: &f64| v.is_finite())?;
    if !(0.0..=scale).contains(&v) {
        return Some(Err(bad(format!("'{s}': {text} is out of range: {range}"))));
    }
    Some(Ok((v / scale * 255.0).round() as u8))
}

/// The colour name closest to a mistyped one (at most two letters off), for a hint.
fn nearest_name(text: &str) -> Option<&'static str> {
    let limit = if text.len() > 5 { 2 } else { 1 };
    NAMES
        .iter()
        .map(|(name, _)| (edit_distance(text, name), *name))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Levenshtein distance, by bytes (colour names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgba(s: &str) -> [u8; 4] {
        parse(s, true).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn error(s: &str, alpha: bool) -> String {
        parse(s, alpha).unwrap_err().0
    }

    #[test]
    fn the_table_holds_the_148_css_names_sorted() {
        assert!(NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(rgba("rebeccapurple"), [102, 51, 153, 255]);
        assert_eq!(rgba("RebeccaPurple"), [102, 51, 153, 255]);
        assert_eq!(rgba("aliceblue"), [240, 248, 255, 255]);
        assert_eq!(rgba("yellowgreen"), [154, 205, 50, 255]);
        // The web's, not X11's.
        assert_eq!(rgba("green"), [0, 128, 0, 255]);
        assert_eq!(rgba("grey"), rgba("gray"));
        assert_eq!(rgba(" White "), [255, 255, 255, 255]);
        assert_eq!(rgba("transparent"), [0, 0, 0, 0]);
    }

    #[test]
    fn hex_colours_take_three_four_six_or_eight_digits() {
        assert_eq!(rgba("#f80"), [255, 136, 0, 255]);
        assert_eq!(rgba("#f808"), [255, 136, 0, 136]);
        assert_eq!(rgba("#FF8000"), [255, 128, 0, 255]);
        assert_eq!(rgba("#ff800080"), [255, 128, 0, 128]);
        assert_eq!(rgba("ff8000"), [255, 128, 0, 255]);
        for bad in ["#12345", "#gg0000", "#", "#1234567890"] {
            let e = error(bad, true);
            assert!(e.contains("3, 4, 6 or 8 hex digits"), "{bad}: {e}");
        }
    }

    #[test]
    fn rgb_takes_numbers_percentages_commas_spaces_and_an_alpha() {
        assert_eq!(rgba("rgb(255, 128, 0)"), [255, 128, 0, 255]);
        assert_eq!(rgba("rgb(255 128 0)"), [255, 128, 0, 255]);
        assert_eq!(rgba("RGB( 100% 50% 0% )"), [255, 128, 0, 255]);
        assert_eq!(rgba("rgb(100%, 0%, 20%)"), [255, 0, 51, 255]);
        assert_eq!(rgba("rgba(255, 128, 0, 0.5)"), [255, 128, 0, 128]);
        assert_eq!(rgba("rgb(255 128 0 / 25%)"), [255, 128, 0, 64]);
        assert_eq!(rgba("rgb(127.5 0 0)"), [128, 0, 0, 255]);
        let e = error("rgb(300, 0, 0)", true);
        assert_eq!(
            e,
            "'rgb(300, 0, 0)': 300 is out of range: a channel is 0 to 255 or 0% to 100%"
        );
        let e = error("rgb(0 0 0 / 2)", true);
        assert!(e.contains("2 is out of range: an alpha is 0 to 1"), "{e}");
        for bad in [
            "rgb(1, 2)",
            "rgb(1 2 3 4)",
            "rgb(a, b, c)",
            "rgb()",
            "rgb(1,2,3,4,5)",
        ] {
            let e = error(bad, true);
            assert!(e.contains("rgb() takes three channels"), "{bad}: {e}");
        }
        assert!(error("rgb(1, 2, 3", true).contains("closing parenthesis"));
        let e = error("hsl(120, 50%, 50%)", true);
        assert!(e.contains("not hsl()"), "{e}");
    }

    #[test]
    fn a_mistyped_name_gets_the_nearest_one() {
        let e = error("rebeccapurpel", true);
        assert!(
            e.starts_with("'rebeccapurpel': not a colour name; did you mean rebeccapurple?"),
            "{e}"
        );
        let e = error("wite", false);
        assert!(e.contains("did you mean white?"), "{e}");
        let e = error("sunshine", true);
        assert_eq!(
            e,
            "'sunshine': not a colour name; expected a CSS colour: a name such as white or rebeccapurple, #RGB, #RRGGBB, rgb(255, 128, 0) or rgb(100% 50% 0%), #RRGGBBAA or transparent"
        );
        assert!(!error("sunshine", false).contains("transparent"));
    }

    #[test]
    fn an_option_without_transparency_refuses_a_colour_with_alpha() {
        for see_through in ["transparent", "#ffffff80", "rgba(0, 0, 0, 0.5)"] {
            let e = error(see_through, false);
            assert!(e.contains("not opaque") && e.contains("--opacity"), "{e}");
        }
        assert_eq!(parse("rgba(0, 0, 0, 1)", false), Ok([0, 0, 0, 255]));
    }
}
