//! The `--manifest` JSON document: every output of every photo, with its size in pixels and
//! bytes, for a static-site generator to build `srcset` and `<picture>` from (schema in the
//! README).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::Report;
use crate::names::raw_bytes;
use crate::ops::decode::ImageKind;

/// The manifest's format version, bumped when a field changes meaning.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Serialize)]
struct Manifest {
    version: u32,
    output_dir: String,
    photos: Vec<Photo>,
}

#[derive(Serialize)]
struct Photo {
    input: String,
    /// The input path's bytes when it is not UTF-8 (`input` is then its lossy text).
    #[serde(skip_serializing_if = "Option::is_none")]
    input_bytes: Option<Vec<u8>>,
    width: u32,
    height: u32,
    bytes: u64,
    outputs: Vec<File>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct File {
    format: &'static str,
    width: u32,
    height: u32,
    path: String,
    /// The path's bytes when it is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    bytes: u64,
    /// Written by this run, or found in place (`--on-exists skip`).
    written: bool,
}

/// The manifest of `report`'s run, whose outputs went below `output_dir`.
///
/// Photos are in the order of their input paths, and each photo's outputs by format, then
/// width. Outputs left alone because they existed (`--on-exists skip`) are listed too, their
/// sizes read from the files, so a resumed run's manifest is as complete as a fresh one's; a
/// photo none of whose outputs was written or found is not listed (its failure is in the
/// report). Paths of outputs are relative to `output_dir` (with `/` separators) when they are
/// below it.
#[must_use]
pub fn manifest_json(report: &Report, output_dir: &Path) -> Value {
    let mut photos: BTreeMap<PathBuf, Photo> = BTreeMap::new();
    let relative = |path: &Path| {
        let rel = path.strip_prefix(output_dir).unwrap_or(path);
        let text = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = raw_bytes(rel).map(|_| {
            use std::os::unix::ffi::OsStrExt as _;
            rel.components()
                .map(|c| c.as_os_str().as_bytes())
                .collect::<Vec<_>>()
                .join(&b'/')
        });
        (text, bytes)
    };
    let photo = |input: &Path, (width, height, bytes): (u32, u32, u64)| Photo {
        input: input.display().to_string(),
        input_bytes: raw_bytes(input),
        width,
        height,
        bytes,
        outputs: Vec::new(),
    };
    let inputs = report.inputs.to_vec();
    for out in &report.outputs {
        let input = &inputs[out.input];
        let entry = photos
            .entry(input.clone())
            .or_insert_with(|| photo(input, out.input_size));
        let (path, path_bytes) = relative(&out.path);
        entry.outputs.push(File {
            format: out.written.format,
            width: out.written.width,
            height: out.written.height,
            path,
            path_bytes,
            bytes: out.written.bytes,
            written: true,
        });
    }
    for (input, output) in &report.skipped {
        let Some((format, width, height, bytes)) = probe(&output) else {
            continue;
        };
        let entry = photos.entry(input.clone()).or_insert_with(|| {
            let (w, h) = crate::stages::discover::upright_size(&input).unwrap_or((0, 0));
            let bytes = std::fs::metadata(&input).map_or(0, |m| m.len());
            photo(&input, (w, h, bytes))
        });
        let (path, path_bytes) = relative(&output);
        entry.outputs.push(File {
            format,
            width,
            height,
            path,
            path_bytes,
            bytes,
            written: false,
        });
    }
    let photos = photos
        .into_values()
        .map(|mut p| {
            p.outputs.sort();
            p
        })
        .collect();
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        output_dir: output_dir.display().to_string(),
        photos,
    };
    serde_json::to_value(manifest).expect("the manifest serialises")
}

/// The format, size and byte count of an existing output file.
fn probe(path: &Path) -> Option<(&'static str, u32, u32, u64)> {
    let bytes = std::fs::metadata(path).ok()?.len();
    let mut head = [0u8; 64];
    let n = std::io::Read::read(&mut std::fs::File::open(path).ok()?, &mut head).ok()?;
    let kind = crate::ops::sniff::detect(&head[..n])?;
    if matches!(kind, ImageKind::Avif | ImageKind::Heif) {
        // image's reader does not know the HEIF container (fanlight's AVIF outputs).
        let (width, height) = crate::ops::heif::upright_size(&std::fs::read(path).ok()?).ok()?;
        return Some((ImageKind::name(kind), width, height, bytes));
    }
    let (width, height) = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    Some((ImageKind::name(kind), width, height, bytes))
}
