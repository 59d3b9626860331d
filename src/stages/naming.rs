//! Output names: a `--name` template filled in for one photo and variant, keeping the input
//! name's bytes (see [`crate::names`]).

use std::path::{Path, PathBuf};

use crate::config::Format;
use crate::ops::decode::ImageKind;

/// The template with `{width}` and `{height}` filled in.
#[must_use]
pub fn fill_size(template: &str, width: u32, height: u32) -> String {
    template
        .replace("{width}", &width.to_string())
        .replace("{height}", &height.to_string())
}

/// `output_dir/rel`'s folder, with the file named by `template` (`{stem}`, `{ext}`); the
/// extension is the format's unless the format stays the same.
///
/// `template` must have passed [`parse_name_template`](crate::config::parse_name_template).
/// A name that comes out empty, `.` or `..` (say `{stem}` for a file named `...jpg`) is replaced
/// by the input's own file name, so the output never leaves its folder.
#[must_use]
pub fn output_path(output_dir: &Path, rel: &Path, format: Format, template: &str) -> PathBuf {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    // The stem keeps the input name's bytes, UTF-8 or not (crate::names).
    let stem = rel.file_stem().unwrap_or_default();
    let ext = match format.kind() {
        // A kind fanlight reads but does not write (HEIC, TIFF, GIF) is named as what it is
        // written as.
        None => rel
            .extension()
            .map(|e| {
                let e = e.to_string_lossy();
                match ImageKind::from_extension(&e) {
                    Some(kind) if kind.writable() != kind => kind.writable().extension().into(),
                    _ => e,
                }
            })
            .unwrap_or_default(),
        Some(kind) => kind.extension().into(),
    };
    let format: String =
        ImageKind::from_extension(&ext).map_or_else(|| ext.to_string(), |k| k.name().into());
    let name = crate::names::fill(
        template,
        &[
            ("stem", stem),
            ("ext", OsStr::new(&*ext)),
            ("format", OsStr::new(&format)),
        ],
    );
    let bytes = name.as_bytes();
    let kept = bytes.len() - bytes.iter().rev().take_while(|&&b| b == b'.').count();
    let name = match &bytes[..kept] {
        [] => rel.file_name().unwrap_or(OsStr::new("_")),
        trimmed => OsStr::from_bytes(trimmed),
    };
    output_dir
        .join(rel.parent().unwrap_or(Path::new("")))
        .join(name)
}
