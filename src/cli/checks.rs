//! What `fanlight convert` checks before any work: that every file it will write (the outputs,
//! `--report`, `--report-html`, `--trace`) can be written where it is asked to go, and which
//! options given do nothing for the chosen output (a warning each, not an error).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use fanlight::names::shown;
use fanlight::{Fit, Format};

use super::args::ConvertArgs;

/// Checks that a file `option` asks for (a report, a trace) can be written at `path`: it is not
/// a folder, its folder exists and a file can be created in it. The message names the option
/// and the path, and says what to do.
pub fn writable_file(option: &str, path: &Path) -> Result<(), String> {
    if path.is_dir() {
        let example = match option {
            "--trace" => "trace.json",
            "--report-html" => "run.html",
            _ => "run.json",
        };
        return Err(format!(
            "{option} {}: is a folder; give a file name, such as {}",
            shown(path),
            shown(&path.join(example))
        ));
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(format!(
            "{option} {}: the folder {} does not exist (create it first, or choose another path)",
            shown(path),
            shown(&folder)
        ));
    }
    probe(&folder).map_err(|e| {
        format!(
            "{option} {}: cannot write in {}: {e} (check its permissions, or choose another path)",
            shown(path),
            shown(&folder)
        )
    })
}

/// Checks that the output folder `dir` is, or can be created as, a writable folder: a file is
/// not in its way, and the nearest existing folder on its path lets a file be created.
pub fn writable_folder(dir: &Path) -> Result<(), String> {
    let mut existing = dir.to_path_buf();
    while !existing.exists() {
        match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => existing = p.to_path_buf(),
            _ => {
                existing = PathBuf::from(".");
                break;
            }
        }
    }
    if !existing.is_dir() {
        return Err(format!(
            "-o {}: {} is a file, not a folder (choose another output folder with -o)",
            shown(dir),
            shown(&existing)
        ));
    }
    probe(&existing).map_err(|e| {
        format!(
            "-o {}: cannot write in {}: {e} (check its permissions, or choose another output folder with -o)",
            shown(dir),
            shown(&existing)
        )
    })
}

/// The folder a file path is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates and removes a hidden file in `folder`: the one sure test that it can be written
/// (permission bits say nothing for root, nor for a read-only mount).
fn probe(folder: &Path) -> std::io::Result<()> {
    let name = format!(".fanlight-probe-{}-{:x}", std::process::id(), nanos());
    let path = folder.join(name);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// A format's name in messages.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "JPEG",
        Format::Png => "PNG",
        Format::Webp => "WebP",
        Format::Avif => "AVIF",
        _ => "the same format",
    }
}

/// The format every output gets: `--format`, else an explicit photo extension in the output's
/// name; `None` when it follows each input.
pub fn output_format(args: &ConvertArgs, name: &str) -> Format {
    match args.format[..] {
        // Several formats: no option is idle for all of them.
        [_, _, ..] => return Format::Same,
        [format] if format != Format::Same => return format,
        _ => {}
    }
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("jpg" | "jpeg" | "jpe") => Format::Jpeg,
        Some("png") => Format::Png,
        Some("webp") => Format::Webp,
        Some("avif") => Format::Avif,
        _ => Format::Same,
    }
}

/// One line for each option the user gave (`typed`: the command line without a preset's
/// additions) that does nothing with the output chosen: `--quality` for PNG, `--progressive`
/// and `--chroma` for anything but JPEG, `--lossless` for anything but WebP, `--png-level` for
/// anything but PNG, the text watermark's options without a text, the watermark's without
/// one, the resize's without `--resize`. `format` is what [`output_format`] found.
pub fn idle_options(args: &ConvertArgs, typed: &ArgMatches, format: Format) -> Vec<String> {
    let given = |id: &str| {
        typed.try_contains_id(id).unwrap_or(false)
            && typed.value_source(id) == Some(ValueSource::CommandLine)
    };
    let mut idle: Vec<(&str, String)> = Vec::new();
    let out = format_name(format);
    if format != Format::Same {
        if format == Format::Png {
            idle.push((
                "quality",
                "PNG is lossless; --png-level sets its compression".into(),
            ));
        }
        if format != Format::Jpeg {
            idle.push(("progressive", "only JPEG has a progressive mode".into()));
            idle.push(("chroma", "it sets JPEG's chroma subsampling".into()));
        }
        match format {
            Format::Webp => {}
            Format::Png => idle.push(("lossless", "PNG is always lossless".into())),
            _ => idle.push((
                "lossless",
                "only WebP has a lossless mode (or write PNG with --format png)".into(),
            )),
        }
        if format != Format::Png {
            idle.push(("png_level", "it sets PNG's compression".into()));
        }
    }
    let text = args.watermark.is_some();
    let marked = text || args.watermark_image.is_some();
    let mut unmarked: Vec<(&str, String)> = Vec::new();
    for id in ["tile", "opacity", "watermark_gravity", "margin"] {
        if !marked {
            unmarked.push((id, "there is no --watermark or --watermark-image".into()));
        }
    }
    for id in ["font", "font_size", "color"] {
        if !text {
            let why = if marked {
                "it is for a text watermark (--watermark-scale sizes the image)"
            } else {
                "there is no --watermark"
            };
            unmarked.push((id, why.into()));
        }
    }
    let mut lines: Vec<String> = idle
        .into_iter()
        .filter(|(id, _)| given(id))
        .map(|(id, why)| {
            format!(
                "warning: --{} does nothing for {out} output: {why}",
                id.replace('_', "-")
            )
        })
        .collect();
    lines.extend(
        unmarked
            .into_iter()
            .filter(|(id, _)| given(id))
            .map(|(id, why)| {
                format!(
                    "warning: --{} does nothing here: {why}",
                    id.replace('_', "-")
                )
            }),
    );
    let resized = args.resize.is_some() || args.widths.is_some() || !args.variants.is_empty();
    if !resized {
        for id in ["fit", "enlarge"] {
            if given(id) {
                lines.push(format!(
                    "warning: --{id} does nothing here: there is no --resize"
                ));
            }
        }
    }
    let anchored = resized && matches!(args.fit, Fit::Cover | Fit::Contain);
    if given("gravity") && !marked && !anchored {
        lines.push(
            "warning: --gravity does nothing here: it anchors --fit cover and contain, and the watermark"
                .into(),
        );
    }
    if given("background") && (!resized || args.fit != Fit::Contain) {
        lines.push(
            "warning: --background does nothing here: it pads --fit contain (transparent photos written as JPEG are flattened onto white)"
                .into(),
        );
    }
    lines
}
