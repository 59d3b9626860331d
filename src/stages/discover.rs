//! `discover`: walk the inputs, keep the photos, sort them, and map each to its output path.
//! Everything here happens before any worker starts, so problems with the inputs or outputs as a
//! whole (a missing input, two inputs for one output) stop the run before it writes anything.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{Config, Format, OnExists, Selection, Shard};
use crate::error::{Error, ItemError};
use crate::ops::decode::ImageKind;
use crate::pipeline::Job;

/// What a run will do, decided before any worker starts.
#[derive(Debug, Default)]
pub struct Plan {
    /// Photos to process, in order; `Some(error)` marks one that fails without being read
    /// (its output exists and `--on-exists fail` was given).
    pub jobs: Vec<(Job, Option<ItemError>)>,
    /// Photos left alone because their output exists (`--on-exists skip`): `(input, output)`.
    pub skipped: Vec<(PathBuf, PathBuf)>,
}

/// The photos of a run, in processing order, each with its output path.
pub fn plan(config: &Config) -> Result<Plan, Error> {
    if config.inputs.is_empty() {
        return Err(Error::NoInputs);
    }
    let include = globs(&config.select.include)?;
    let exclude = globs(&config.select.exclude)?;
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
            let walk = Walk {
                skip: output_canon.as_deref(),
                recursive: config.select.recursive,
            };
            walk.dir(input, Path::new(""), &mut found)
                .map_err(|source| Error::Input {
                    path: input.clone(),
                    source,
                })?;
            found[start..].sort();
        } else {
            // A file named explicitly is always attempted, whatever its extension.
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            found.push((input.clone(), name));
        }
    }
    found.retain(|(_, rel)| selected(rel, &config.select, include.as_ref(), exclude.as_ref()));

    let mut plan = Plan::default();
    let mut by_output: HashMap<PathBuf, PathBuf> = HashMap::new();
    for (src, rel) in found {
        let dst = output_path(
            &config.output_dir,
            &rel,
            config.output.format,
            &config.name_template,
        );
        if let Some(first) = by_output.insert(dst.clone(), src.clone()) {
            return Err(Error::OutputCollision {
                first,
                second: src,
                output: dst,
            });
        }
        let exists = dst.exists();
        if exists && fs::canonicalize(&src).ok() == fs::canonicalize(&dst).ok() {
            return Err(Error::OutputInsideInput {
                input: src,
                output: config.output_dir.clone(),
            });
        }
        let refusal = match config.on_exists {
            OnExists::Skip if exists => {
                plan.skipped.push((src, dst));
                continue;
            }
            OnExists::Fail if exists => Some(ItemError::OutputExists(dst.clone())),
            _ => None,
        };
        let id = plan.jobs.len();
        plan.jobs.push((Job { id, src, dst }, refusal));
    }
    Ok(plan)
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(Glob::new(p).map_err(|e| Error::Pattern {
            pattern: p.clone(),
            reason: e.kind().to_string(),
        })?);
    }
    set.build().map(Some).map_err(|e| Error::Pattern {
        pattern: patterns.join(" "),
        reason: e.to_string(),
    })
}

/// Whether the file at `rel` (relative to its input) passes the globs and belongs to the shard.
fn selected(
    rel: &Path,
    select: &Selection,
    include: Option<&GlobSet>,
    exclude: Option<&GlobSet>,
) -> bool {
    let name = rel.file_name().map(Path::new).unwrap_or(rel);
    let matches = |set: &GlobSet| set.is_match(rel) || set.is_match(name);
    include.is_none_or(matches)
        && !exclude.is_some_and(matches)
        && select.shard.is_none_or(|s| in_shard(rel, s))
}

/// Stable across machines and runs: FNV-1a over the relative path with `/` separators.
#[must_use]
pub fn in_shard(rel: &Path, shard: Shard) -> bool {
    let text = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % u64::from(shard.count) == u64::from(shard.index - 1)
}

/// `output_dir/rel`'s folder, with the file named by `template` (`{stem}`, `{ext}`); the
/// extension is the format's unless the format stays the same.
#[must_use]
pub fn output_path(output_dir: &Path, rel: &Path, format: Format, template: &str) -> PathBuf {
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let ext = match format.kind() {
        None => rel
            .extension()
            .map(|e| e.to_string_lossy())
            .unwrap_or_default(),
        Some(kind) => kind.extension().into(),
    };
    let name = template.replace("{stem}", &stem).replace("{ext}", &ext);
    let name = name.trim_end_matches('.');
    output_dir
        .join(rel.parent().unwrap_or(Path::new("")))
        .join(name)
}

/// Whether a file found in a folder is taken as a photo (by extension; hidden files are not).
fn is_photo_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .and_then(|e| ImageKind::from_extension(&e.to_string_lossy()))
            .is_some_and(ImageKind::readable)
}

/// How folders are walked.
struct Walk<'a> {
    /// The output folder, never walked into.
    skip: Option<&'a Path>,
    /// Whether to descend into subfolders.
    recursive: bool,
}

impl Walk<'_> {
    /// Collects `(path, path relative to the input folder)` below `dir`. Hidden entries and the
    /// output folder are skipped; symbolic links to folders are not followed, so loops are
    /// harmless.
    fn dir(
        &self,
        dir: &Path,
        rel: &Path,
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
                let is_output =
                    self.skip.is_some() && fs::canonicalize(&path).ok().as_deref() == self.skip;
                if self.recursive && !is_output {
                    self.dir(&path, &rel.join(&name), found)?;
                }
            } else if is_photo_name(&name_str) && (file_type.is_file() || path.is_file()) {
                found.push((path, rel.join(&name)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_every_path_exactly_once() {
        let paths: Vec<PathBuf> = (0..300)
            .map(|i| PathBuf::from(format!("d{}/p{i}.jpg", i % 7)))
            .collect();
        let mut counts = [0usize; 3];
        for p in &paths {
            let owners: Vec<u32> = (1..=3)
                .filter(|&k| in_shard(p, Shard { index: k, count: 3 }))
                .collect();
            assert_eq!(owners.len(), 1, "{}", p.display());
            counts[owners[0] as usize - 1] += 1;
        }
        assert!(counts.iter().all(|&c| c > 60), "{counts:?}");
    }

    #[test]
    fn name_templates_fill_stem_and_ext() {
        let out = Path::new("out");
        let rel = Path::new("a/b.jpeg");
        assert_eq!(
            output_path(out, rel, Format::Same, "{stem}-web.{ext}"),
            Path::new("out/a/b-web.jpeg")
        );
        assert_eq!(
            output_path(out, rel, Format::Png, "thumb_{stem}.{ext}"),
            Path::new("out/a/thumb_b.png")
        );
    }

    #[test]
    fn output_names_follow_the_format() {
        let out = Path::new("out");
        assert_eq!(
            output_path(out, Path::new("a/b.PNG"), Format::Same, "{stem}.{ext}"),
            Path::new("out/a/b.PNG")
        );
        assert_eq!(
            output_path(out, Path::new("a/b.png"), Format::Jpeg, "{stem}.{ext}"),
            Path::new("out/a/b.jpg")
        );
        assert_eq!(
            output_path(out, Path::new("b.jpeg"), Format::Png, "{stem}.{ext}"),
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
