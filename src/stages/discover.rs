//! `discover`: walk the inputs, keep the photos, sort them, and map each to its output path.
//! Everything here happens before any worker starts, so problems with the inputs or outputs as a
//! whole (a missing input, two inputs for one output) stop the run before it writes anything.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::config::{Config, Format};
use crate::error::Error;
use crate::ops::decode::ImageKind;
use crate::pipeline::Job;

/// The photos of a run, in processing order, each with its output path.
pub fn plan(config: &Config) -> Result<Vec<Job>, Error> {
    if config.inputs.is_empty() {
        return Err(Error::NoInputs);
    }
    let output_canon = fs::canonicalize(&config.output_dir).ok();
    let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
    for input in &config.inputs {
        let meta = fs::metadata(input).map_err(|source| Error::Input {
            path: input.clone(),
            source,
        })?;
        if meta.is_dir() {
            let canon = fs::canonicalize(input).ok();
            if canon.is_some() && canon == output_canon {
                return Err(Error::OutputInsideInput {
                    input: input.clone(),
                    output: config.output_dir.clone(),
                });
            }
            let start = found.len();
            walk(input, Path::new(""), output_canon.as_deref(), &mut found).map_err(|source| {
                Error::Input {
                    path: input.clone(),
                    source,
                }
            })?;
            found[start..].sort();
        } else {
            // A file named explicitly is always attempted, whatever its extension.
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            found.push((input.clone(), name));
        }
    }

    let mut jobs = Vec::with_capacity(found.len());
    let mut by_output: HashMap<PathBuf, PathBuf> = HashMap::new();
    for (id, (src, rel)) in found.into_iter().enumerate() {
        let dst = output_path(&config.output_dir, &rel, config.output.format);
        if let Some(first) = by_output.insert(dst.clone(), src.clone()) {
            return Err(Error::OutputCollision {
                first,
                second: src,
                output: dst,
            });
        }
        if dst.exists() && fs::canonicalize(&src).ok() == fs::canonicalize(&dst).ok() {
            return Err(Error::OutputInsideInput {
                input: src,
                output: config.output_dir.clone(),
            });
        }
        jobs.push(Job { id, src, dst });
    }
    Ok(jobs)
}

/// `output_dir/rel`, with the extension of `format` unless the format stays the same.
#[must_use]
pub fn output_path(output_dir: &Path, rel: &Path, format: Format) -> PathBuf {
    let dst = output_dir.join(rel);
    match format {
        Format::Same => dst,
        Format::Jpeg => dst.with_extension(ImageKind::Jpeg.extension()),
        Format::Png => dst.with_extension(ImageKind::Png.extension()),
    }
}

/// Whether a file found in a folder is taken as a photo (by extension; hidden files are not).
fn is_photo_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .is_some_and(|e| ImageKind::from_extension(&e.to_string_lossy()).is_some())
}

/// Collects `(path, path relative to the input folder)` below `dir`. Hidden entries and the
/// output folder are skipped; symbolic links to folders are not followed, so loops are harmless.
fn walk(
    dir: &Path,
    rel: &Path,
    skip: Option<&Path>,
    found: &mut Vec<(PathBuf, PathBuf)>,
) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if name_str.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if skip.is_some() && fs::canonicalize(&path).ok().as_deref() == skip {
                continue;
            }
            walk(&path, &rel.join(&name), skip, found)?;
        } else if is_photo_name(&name_str) && (file_type.is_file() || path.is_file()) {
            found.push((path, rel.join(&name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_follow_the_format() {
        let out = Path::new("out");
        assert_eq!(
            output_path(out, Path::new("a/b.PNG"), Format::Same),
            Path::new("out/a/b.PNG")
        );
        assert_eq!(
            output_path(out, Path::new("a/b.png"), Format::Jpeg),
            Path::new("out/a/b.jpg")
        );
        assert_eq!(
            output_path(out, Path::new("b.jpeg"), Format::Png),
            Path::new("out/b.png")
        );
    }

    #[test]
    fn only_visible_photo_names_are_taken_from_folders() {
        assert!(is_photo_name("a.JPG"));
        assert!(is_photo_name("a.png"));
        assert!(!is_photo_name(".a.jpg"));
        assert!(!is_photo_name("notes.txt"));
        assert!(!is_photo_name("jpg"));
    }
}
