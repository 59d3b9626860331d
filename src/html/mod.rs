//! Self-contained HTML pages for people: the run report and the golden-image comparison.
//!
//! Both pages open offline in any browser: styles are inline, charts are inline SVG, images
//! are `data:` URIs, and the little JavaScript there is (highlighting a photo across the
//! timeline, flipping between expected, actual and difference) is inline too. Nothing is
//! loaded from anywhere. Every name and message is escaped ([`escape`]).
//!
//! - [`report_html`] renders a `--report` JSON document (`report_json`),
//!   so a fresh run, a saved report and a merged one take the same path.
//! - The comparison page is `crate::golden::compare_html`: it is built from this module's
//!   pieces, and this module uses nothing else of the crate, so it sits below every layer
//!   (`golden`'s own `assert_matches_golden` writes the page for a failed case).

mod report;
mod spans;
mod svg;
mod timeline;

pub use report::report_html;

use std::fmt::Write as _;

/// `text` made safe for HTML text and attribute values: `&`, `<`, `>`, `"` and `'` become
/// entities, and control characters (which HTML does not allow) are shown as `\xNN`.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding), for `data:` URIs: a dozen lines do not need a
/// crate.
#[must_use]
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The styles both pages share: system fonts only, readable at any width.
const BASE_CSS: &str = "\
*{box-sizing:border-box}\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d1f23;\
background:#f6f7f9;margin:0;padding:24px 32px 48px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\
.sub{color:#5b6270;margin:0 0 16px}\
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:14px 0}\
section>h2:first-child{margin-top:0}\
.cards{display:flex;flex-wrap:wrap;gap:10px}\
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:8px 14px;min-width:120px}\
.card b{display:block;font-size:20px}.card span{color:#5b6270;font-size:12px}\
.bad b{color:#b3261e}.good b{color:#1b7f3b}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:top}\
th{font-weight:600;color:#424854;font-size:12px}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.path{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:12px;word-break:break-all}\
.note{color:#5b6270;font-size:12px}\
.hint{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px;margin:10px 0 0}\
details>summary{cursor:pointer;color:#2a5db0}\
svg text{font:11px system-ui,sans-serif;fill:#30343b}\
svg .axis{stroke:#c5cad3}\
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;margin:4px 0 6px}\
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}\
";

/// A whole page: `<head>` with the shared and the page's styles, then `body`, then `script`.
pub(crate) fn page(title: &str, css: &str, body: &str, script: &str) -> String {
    let mut out = String::with_capacity(body.len() + 8192);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n");
    // Belt and braces: even if a name slipped through, the page may load nothing.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{BASE_CSS}{css}</style></head><body>");
    out.push_str(body);
    if !script.is_empty() {
        let _ = write!(out, "\n<script>{script}</script>");
    }
    out.push_str("\n</body></html>\n");
    out
}

/// Seconds for people: `850 ms`, `3.84 s`, `2 min 05 s`.
pub(crate) fn seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        "–".into()
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.2} s")
    } else {
        let whole = s.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// Milliseconds with a precision that suits their size.
pub(crate) fn millis(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

/// A share 0–1 as a percentage.
pub(crate) fn pct(share: f64) -> String {
    if !share.is_finite() {
        return "–".into();
    }
    let p = share * 100.0;
    if p != 0.0 && p.abs() < 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// An integer with thin spaces between thousands: `10 000`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\u{7f}é"),
            "a&lt;b&gt;&amp;&quot;c&#39;\\x01\\x7Fé"
        );
        assert_eq!(escape("<script>"), "&lt;script&gt;");
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(10_000), "10\u{2009}000");
        assert_eq!(count(999), "999");
        assert_eq!(seconds(0.25), "250 ms");
        assert_eq!(seconds(3.841), "3.84 s");
        assert_eq!(seconds(125.0), "2 min 05 s");
        assert_eq!(pct(0.5), "50.0%");
        assert_eq!(millis(3.254), "3.25");
    }
}
