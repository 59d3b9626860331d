//! File names as the file system has them: bytes, not text. A Unix name may hold any byte but
//! `/` and NUL, so a name that is not UTF-8 (`caf\xe9.jpg`, written by an old Latin-1 system)
//! or holds control characters (an ESC, a newline) must survive the trip to its output unchanged,
//! be printed so that it cannot recolour the terminal or forge a line, and be stored in the JSON
//! report without loss.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
use std::path::Path;

/// `template` with each `{KEY}` of `fields` replaced by its value's bytes, in one pass (a value
/// that itself holds `{ext}` is not replaced again). Other text is kept as it is.
#[must_use]
pub fn fill(template: &str, fields: &[(&str, &OsStr)]) -> OsString {
    let mut out = Vec::with_capacity(template.len() + 32);
    let mut rest = template;
    'scan: while let Some(open) = rest.find('{') {
        out.extend_from_slice(&rest.as_bytes()[..open]);
        let tail = &rest[open + 1..];
        for (key, value) in fields {
            if let Some(after) = tail.strip_prefix(key).and_then(|t| t.strip_prefix('}')) {
                out.extend_from_slice(value.as_bytes());
                rest = after;
                continue 'scan;
            }
        }
        out.push(b'{');
        rest = tail;
    }
    out.extend_from_slice(rest.as_bytes());
    OsString::from_vec(out)
}

/// A path made safe to print: control characters as `\n`, `\t`, `\r` or `\xNN`, bytes that are
/// not UTF-8 as `\xNN`, a backslash as `\\` only where the name would otherwise be ambiguous (a
/// backslash followed by `x`, `n`, `t`, `r` or another backslash), and everything else as it is.
#[derive(Clone, Copy)]
pub struct Shown<'a>(&'a [u8]);

/// `path` made safe to print (see [`Shown`]).
#[must_use]
pub fn shown(path: &Path) -> Shown<'_> {
    Shown(path.as_os_str().as_bytes())
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            let valid = chunk.valid();
            let mut chars = valid.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\n' => f.write_str("\\n")?,
                    '\t' => f.write_str("\\t")?,
                    '\r' => f.write_str("\\r")?,
                    '\\' if matches!(chars.peek(), Some('x' | 'n' | 't' | 'r' | '\\')) => {
                        f.write_str("\\\\")?;
                    }
                    c if c.is_control() => {
                        for b in c.to_string().bytes() {
                            write!(f, "\\x{b:02x}")?;
                        }
                    }
                    c => fmt::Write::write_char(f, c)?,
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// The bytes of a path that is not UTF-8, for the JSON report beside its lossy text (`None` for
/// a UTF-8 path, whose text is exact).
#[must_use]
pub fn raw_bytes(path: &Path) -> Option<Vec<u8>> {
    let bytes = path.as_os_str().as_bytes();
    std::str::from_utf8(bytes).is_err().then(|| bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(bytes: &[u8]) -> &OsStr {
        OsStr::from_bytes(bytes)
    }

    #[test]
    fn a_template_is_filled_with_the_bytes_of_each_field_once() {
        let filled = fill(
            "{stem}-{width}.{ext}",
            &[
                ("stem", os(b"caf\xe9{ext}")),
                ("width", os(b"320")),
                ("ext", os(b"jpg")),
            ],
        );
        assert_eq!(filled.as_bytes(), b"caf\xe9{ext}-320.jpg");
        assert_eq!(fill("{x}{", &[]).as_bytes(), b"{x}{");
    }

    #[test]
    fn names_are_printed_with_controls_and_bad_bytes_escaped() {
        let show = |b: &[u8]| shown(Path::new(os(b))).to_string();
        assert_eq!(show(b"caf\xe9.jpg"), "caf\\xe9.jpg");
        assert_eq!(show(b"a\x1b[31mred.jpg"), "a\\x1b[31mred.jpg");
        assert_eq!(show(b"two\nlines.jpg"), "two\\nlines.jpg");
        assert_eq!(
            show("d\u{e9}j\u{e0} vu.jpg".as_bytes()),
            "d\u{e9}j\u{e0} vu.jpg"
        );
        assert_eq!(
            show(b"a\\xe9.jpg"),
            "a\\\\xe9.jpg",
            "a literal backslash-x stays readable"
        );
        assert_eq!(show(b"a\\b.jpg"), "a\\b.jpg");
        assert_eq!(
            raw_bytes(Path::new(os(b"caf\xe9"))),
            Some(b"caf\xe9".to_vec())
        );
        assert_eq!(raw_bytes(Path::new("cafe")), None);
    }
}
