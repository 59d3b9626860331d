//! `discover`: walk the inputs, keep the photos, sort them, and map each to its output path.
//! Everything here happens before any worker starts, so problems with the inputs or outputs as a
//! whole (a missing input, two inputs for one output) stop the run before it writes anything.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Sender;
use globset::{Glob, GlobSet, GlobSetBuilder};

pub use super::naming::{fill_size, output_path};
use crate::cancel::CancelToken;
use crate::config::{Config, Format, Geometry, OnExists, Selection, Shard};
use crate::error::{opt, Error, ItemError};
use crate::names::shown;
use crate::ops::decode::ImageKind;
use crate::pipeline::{Failure, Frame, Item, Job, Output};
use crate::stage_name::StageName;

/// What a run will do, decided before any worker starts.
#[derive(Debug, Default)]
pub struct Plan {
    /// Photos to process, in order; `Some(error)` marks one that fails without being read
    /// (its output exists and `--on-exists fail` was given).
    pub jobs: Vec<(Job, Option<ItemError>)>,
    /// Outputs left alone because they exist (`--on-exists skip`): `(input, output)`. A photo
    /// all of whose outputs exist is not processed at all.
    pub skipped: Vec<(PathBuf, PathBuf)>,
}

/// Sends every planned job into the pipeline, in order, then drops `tx`: the first close of the
/// drain. Once `cancel` is tripped the remaining jobs go through as cancelled failures (cheap, and
/// every photo is still accounted for by name in the report).
pub fn feed(jobs: Vec<(Job, Option<ItemError>)>, cancel: &CancelToken, tx: Sender<Item>) {
    for (job, refusal) in jobs {
        let job = Arc::new(job);
        let refusal = refusal.or_else(|| cancel.is_cancelled().then_some(ItemError::Cancelled));
        let item = match refusal {
            Some(error) => Item::Failed(Failure {
                outputs: (0..job.outputs.len()).collect(),
                job,
                stage: StageName::Discover,
                error,
            }),
            None => Item::Frame(Frame::new(job)),
        };
        if tx.send(item).is_err() {
            break;
        }
    }
}

/// The photos of a run, in processing order, each with its output path.
///
/// With `{width}` or `{height}` in a name template, every file's header is read here (size and
/// EXIF orientation), so names, collisions and `--dry-run` are exact before any work; a file
/// whose header cannot be read fails without being processed. With several variants, each photo
/// gets an output per variant; variants that come out the same for a photo under the same name
/// (widths 1280 and 1920 of a 1000 px photo) make one output.
pub fn plan(config: &Config) -> Result<Plan, Error> {
    if config.inputs.is_empty() {
        return Err(Error::NoInputs);
    }
    crate::config::parse_name_template(&config.name_template)
        .map_err(|e| Error::Invalid(format!("{} {e}", opt("--name"))))?;
    // Here, not when the run starts, so that --dry-run refuses what a run would.
    let variants = config.outputs();
    for variant in &variants {
        crate::config::check_fit(variant.resize.as_ref(), variant.fit, variant.enlarge)
            .map_err(|e| Error::Invalid(e.0))?;
        if let Some(name) = &variant.name {
            crate::config::parse_name_template(name)
                .map_err(|e| Error::Invalid(format!("variant name {e}")))?;
        }
    }
    let include = globs(&config.select.include)?;
    let exclude = globs(&config.select.exclude)?;
    let output_canon = resolve(&config.output_dir);
    let labels = folder_labels(&config.inputs, config.in_place);
    // (file, path relative to its input, the folder the relative path starts from, the folder
    // below the output its tree is mirrored into)
    let mut found: Vec<(PathBuf, PathBuf, PathBuf, PathBuf)> = Vec::new();
    // Entries that fail without being read (a FIFO, a dangling link, a folder that cannot be
    // listed), by path; `true` when they are folders, which no name pattern selects away.
    let mut refused: HashMap<PathBuf, (ItemError, bool)> = HashMap::new();
    for (input, label) in config.inputs.iter().zip(labels) {
        let meta = fs::metadata(input).map_err(|source| Error::Input {
            path: input.clone(),
            source,
        })?;
        if meta.is_dir() {
            let canon = fs::canonicalize(input).ok();
            if let (Some(inp), Some(out), false) = (&canon, &output_canon, config.in_place) {
                if out.starts_with(inp) {
                    return Err(Error::OutputInsideInput {
                        input: input.clone(),
                        output: config.output_dir.clone(),
                    });
                }
            }
            // The input folder itself must be listable; below it, a folder that is not fails
            // alone and the walk goes on.
            fs::read_dir(input).map_err(|source| Error::Input {
                path: input.clone(),
                source,
            })?;
            let mut walk = Walk {
                recursive: config.select.recursive,
                found: Vec::new(),
                refused: Vec::new(),
            };
            walk.dir(input, Path::new(""));
            for (src, rel, error, is_folder) in walk.refused {
                refused.insert(src.clone(), (error, is_folder));
                walk.found.push((src, rel));
            }
            walk.found.sort();
            found.extend(
                walk.found
                    .into_iter()
                    .map(|(src, rel)| (src, rel, input.clone(), label.clone())),
            );
        } else {
            // A file named explicitly is always attempted, whatever its extension, but only a
            // regular file is read: a FIFO or a device would block or never end.
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            let parent = input.parent().map(Path::to_path_buf).unwrap_or_default();
            if let Some(kind) = not_a_file(&meta.file_type()) {
                refused.insert(input.clone(), (ItemError::NotAFile(kind.into()), false));
            }
            found.push((input.clone(), name, parent, PathBuf::new()));
        }
    }
    found.retain(|(src, rel, _, _)| match refused.get(src) {
        // A folder that cannot be listed is reported whatever the patterns, by one shard.
        Some((_, true)) => config.select.shard.is_none_or(|s| in_shard(rel, s)),
        _ => selected(rel, &config.select, include.as_ref(), exclude.as_ref()),
    });

    let inputs: HashMap<PathBuf, PathBuf> = found
        .iter()
        .filter_map(|(src, _, _, _)| Some((fs::canonicalize(src).ok()?, src.clone())))
        .collect();
    let names: Vec<&str> = variants.iter().map(|v| config.variant_name(v)).collect();
    let sized = names
        .iter()
        .any(|n| n.contains("{width}") || n.contains("{height}"));
    let mut plan = Plan::default();
    let mut by_output: HashMap<PathBuf, PathBuf> = HashMap::new();
    for (src, rel, base, label) in found {
        let (upright, mut refusal) = if let Some((error, _)) = refused.remove(&src) {
            (None, Some(error))
        } else if sized {
            match upright_size(&src) {
                Ok(size) => (Some(size), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
        let root = if config.in_place {
            base
        } else {
            config.output_dir.join(label)
        };
        let mut outputs: Vec<Output> = Vec::new();
        for (index, (variant, name)) in variants.iter().zip(&names).enumerate() {
            let size = upright.map(|(w, h)| variant.output_size(w, h));
            let template = match size {
                Some((w, h)) => fill_size(name, w, h),
                None => (*name).to_string(),
            };
            let dst = output_path(&root, &rel, variant.format, &template);
            check_extension(&dst, variant.format)?;
            // A photo refused unread (no header, so no sizes) fails with all its outputs.
            let twin = outputs.iter().find(|o| o.dst == dst && refusal.is_none());
            if let Some(twin) = twin {
                // Two variants that make the same file for this photo: one output when they
                // are the same (1280 and 1920 of a 1000 px photo), else refused.
                let other = &variants[twin.variant];
                let same = match upright {
                    Some((w, h)) => {
                        let whole = Geometry::identity(w, h);
                        variant.plan(w, h).unwrap_or(whole) == other.plan(w, h).unwrap_or(whole)
                            && (variant.format, variant.quality) == (other.format, other.quality)
                    }
                    None => variant == other,
                };
                if same {
                    continue;
                }
                return Err(Error::Invalid(format!(
                    "{}: variants {} and {} both make {}: give them names that differ (name= in {}, or {{width}}, {{height}} or {{format}} in {})",
                    shown(&src),
                    twin.variant + 1,
                    index + 1,
                    shown(&dst),
                    opt("--variant"),
                    opt("--name"),
                )));
            }
            outputs.push(Output {
                variant: index,
                dst,
                size,
            });
        }
        let mut kept = Vec::with_capacity(outputs.len());
        for output in outputs {
            let dst = &output.dst;
            if refusal.is_none() {
                if let Some(first) = by_output.insert(dst.clone(), src.clone()) {
                    return Err(Error::OutputCollision {
                        first,
                        second: src,
                        output: dst.clone(),
                    });
                }
            }
            let exists = dst.exists();
            let dst_canon = if exists {
                fs::canonicalize(dst).ok()
            } else {
                None
            };
            let replaces_itself = exists && fs::canonicalize(&src).ok() == dst_canon;
            if replaces_itself && !config.in_place {
                return Err(Error::OutputInsideInput {
                    input: src,
                    output: config.output_dir.clone(),
                });
            }
            if let Some(other) = dst_canon.as_ref().and_then(|c| inputs.get(c)) {
                if !replaces_itself {
                    return Err(Error::OutputOverwritesInput {
                        first: src,
                        output: other.clone(),
                    });
                }
            }
            // In place, the input itself at the output's path is not an "existing output".
            let exists = exists && !replaces_itself;
            match config.on_exists {
                // Only a finished photo counts as done: a folder or a FIFO in the way is not
                // one (the photo is processed, and its write fails with the reason). Each
                // output is resumed on its own.
                OnExists::Skip if exists && dst.is_file() && refusal.is_none() => {
                    plan.skipped.push((src.clone(), output.dst));
                    continue;
                }
                OnExists::Fail if exists => {
                    refusal = refusal.or(Some(ItemError::OutputExists(dst.clone())));
                }
                _ => {}
            }
            kept.push(output);
        }
        if kept.is_empty() {
            continue; // every output exists and is skipped
        }
        let id = plan.jobs.len();
        // Taken before any stage reads the file, which may move its access time.
        let times = config
            .output
            .keep_times
            .then(|| fs::metadata(&src).ok())
            .flatten()
            .and_then(|m| Some((m.accessed().ok()?, m.modified().ok()?)));
        plan.jobs.push((
            Job {
                id,
                src,
                outputs: kept,
                times,
            },
            refusal,
        ));
    }
    Ok(plan)
}

/// The folder below the output that each input's tree is mirrored into: none (the output
/// itself) for files and for a single input folder; with several input folders, each one's path
/// from their common parent folder (`cams/canon` and `cams/sony` become `canon` and `sony`), so
/// photos of the same name in different input folders never meet. A folder given twice, or
/// one inside another, still maps its photos to one output each and is refused as a collision.
fn folder_labels(inputs: &[PathBuf], in_place: bool) -> Vec<PathBuf> {
    let folders: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|p| p.is_dir().then(|| resolve(p)).flatten())
        .collect();
    let count = folders.iter().flatten().count();
    if in_place || count < 2 {
        return vec![PathBuf::new(); inputs.len()];
    }
    let mut common: Option<PathBuf> = None;
    for folder in folders.iter().flatten() {
        common = Some(match common {
            None => folder.parent().unwrap_or(folder).to_path_buf(),
            Some(c) => c
                .ancestors()
                .find(|a| folder.starts_with(a) && folder != a)
                .unwrap_or(Path::new("/"))
                .to_path_buf(),
        });
    }
    let common = common.unwrap_or_default();
    folders
        .iter()
        .map(|f| {
            f.as_ref()
                .and_then(|f| f.strip_prefix(&common).ok())
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .collect()
}

/// Refuses an output name whose extension is a photo format other than the one written: with
/// `--format`, the extension must be that format's (`--name '{stem}.png' --format webp` is
/// refused); without it, an explicit extension picks the format, so it must be one fanlight
/// writes (`.gif` is refused, not filled with PNG data).
fn check_extension(dst: &Path, format: Format) -> Result<(), Error> {
    let Some(ext) = dst.extension() else {
        return Ok(());
    };
    let ext = ext.to_string_lossy();
    let Some(named) = ImageKind::from_extension(&ext) else {
        return Ok(());
    };
    match format.kind() {
        Some(kind) if named != kind => Err(Error::Invalid(format!(
            "{}: a .{ext} name for {} data: {} {} and the extension given with {} or {} disagree; drop one of them, or write {{ext}} in {} for the format's own extension",
            shown(dst),
            kind_name(kind),
            opt("--format"),
            kind.extension(),
            opt("--name"),
            opt("-o"),
            opt("--name"),
        ))),
        None if named.writable() != named => Err(Error::Invalid(format!(
            "{}: fanlight reads {} but does not write it; name the output .{} (or give {})",
            shown(dst),
            kind_name(named),
            named.writable().extension(),
            opt("--format"),
        ))),
        _ => Ok(()),
    }
}

/// A format's usual name in messages.
fn kind_name(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Jpeg => "JPEG",
        ImageKind::Png => "PNG",
        ImageKind::Webp => "WebP",
        ImageKind::Avif => "AVIF",
        ImageKind::Gif => "GIF",
        ImageKind::Tiff => "TIFF",
        ImageKind::Heif => "HEIF",
        ImageKind::Jxl => "JPEG XL",
    }
}

/// `path` made absolute with symbolic links resolved, even when its last parts do not exist yet
/// (an output folder about to be created).
fn resolve(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canon) = fs::canonicalize(existing) {
            return Some(rest.iter().rev().fold(canon, |p, part| p.join(part)));
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

/// The upright size of the photo at `src`, from its header: stored size, turned by the EXIF
/// orientation.
pub(crate) fn upright_size(src: &Path) -> Result<(u32, u32), ItemError> {
    use image::metadata::Orientation;
    use image::ImageDecoder;

    let file = fs::File::open(src).map_err(|e| ItemError::read(&e))?;
    if is_heif(&file) {
        let bytes = fs::read(src).map_err(|e| ItemError::read(&e))?;
        return crate::ops::heif::upright_size(&bytes);
    }
    let mut decoder = image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(|e| ItemError::read(&e))?
        .into_decoder()
        .map_err(|e| ItemError::Decode(crate::error::one_line(&e.to_string())))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok(crate::ops::orient::upright_size(
        decoder.dimensions(),
        orientation,
    ))
}

/// Whether `file` starts as a HEIF file does (image's reader does not know the format).
fn is_heif(mut file: &fs::File) -> bool {
    use std::io::{Read, Seek};
    let mut head = [0u8; 64];
    let n = file.read(&mut head).unwrap_or(0);
    let heif = crate::ops::sniff::detect(&head[..n]) == Some(ImageKind::Heif);
    file.rewind().is_ok() && heif
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
    use std::os::unix::ffi::OsStrExt as _;
    // The name's bytes, so names that differ only in bytes that are not UTF-8 hash apart.
    let bytes = rel
        .components()
        .map(|c| c.as_os_str().as_bytes())
        .collect::<Vec<_>>()
        .join(&b'/');
    super::fnv1a(&bytes) % u64::from(shard.count) == u64::from(shard.index - 1)
}

/// Whether a file found in a folder is taken as a photo (by extension; hidden files are not).
fn is_photo_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .and_then(|e| ImageKind::from_extension(&e.to_string_lossy()))
            .is_some_and(ImageKind::readable)
}

/// What a directory entry is when it is not a regular file, in words; `None` for a file.
fn not_a_file(t: &fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_file() {
        None
    } else if t.is_fifo() {
        Some("a FIFO (named pipe), not a file")
    } else if t.is_socket() {
        Some("a socket, not a file")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device, not a file")
    } else if t.is_dir() {
        Some("a folder")
    } else {
        Some("not a regular file")
    }
}

/// A folder walk: what it found, and what it could not take.
struct Walk {
    /// Whether to descend into subfolders.
    recursive: bool,
    /// `(path, path relative to the input folder)` of every photo.
    found: Vec<(PathBuf, PathBuf)>,
    /// Entries that fail without being read: `(path, relative path, why, is a folder)`.
    refused: Vec<(PathBuf, PathBuf, ItemError, bool)>,
}

impl Walk {
    /// Walks `dir` (at `rel` below the input folder). Hidden entries are skipped; symbolic links
    /// to folders are not followed, so loops are harmless. A folder that cannot be listed, and a
    /// photo name that is not a readable file (a FIFO, a device, a link to nothing or a link
    /// loop), is refused by path with its reason; the walk goes on.
    fn dir(&mut self, dir: &Path, rel: &Path) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return self.refuse_folder(dir, rel, &e),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return self.refuse_folder(dir, rel, &e),
            };
            let name = entry.file_name();
            let name_str = name.to_string_lossy();
            if name_str.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if self.recursive {
                    self.dir(&path, &rel.join(&name));
                }
                continue;
            }
            if !is_photo_name(&name_str) {
                continue;
            }
            // A link is taken for what it points to.
            let target = if file_type.is_symlink() {
                fs::metadata(&path).map(|m| m.file_type())
            } else {
                Ok(file_type)
            };
            let why = match target {
                Ok(t) if t.is_file() => {
                    self.found.push((path, rel.join(&name)));
                    continue;
                }
                Ok(t) if t.is_dir() => continue, // a link to a folder: not followed
                Ok(t) => not_a_file(&t).unwrap_or("not a regular file").to_string(),
                Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                    "a symbolic link loop".to_string()
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    "a symbolic link to a missing file".to_string()
                }
                Err(e) => crate::error::one_line(&e.to_string()),
            };
            self.refused
                .push((path, rel.join(&name), ItemError::NotAFile(why), false));
        }
    }

    fn refuse_folder(&mut self, dir: &Path, rel: &Path, e: &std::io::Error) {
        let error = ItemError::Folder(crate::error::one_line(&e.to_string()));
        self.refused
            .push((dir.to_path_buf(), rel.to_path_buf(), error, true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_be_listed_is_refused_and_the_walk_goes_on() {
        // As root every folder is readable, so a folder that vanished stands for one that
        // cannot be listed: read_dir fails the same way.
        let mut walk = Walk {
            recursive: true,
            found: Vec::new(),
            refused: Vec::new(),
        };
        walk.dir(Path::new("/nonexistent/fanlight/folder"), Path::new("sub"));
        assert!(walk.found.is_empty());
        let [(path, rel, error, true)] = &walk.refused[..] else {
            panic!("one refused folder: {:?}", walk.refused);
        };
        assert_eq!(
            (path.as_path(), rel.as_path()),
            (Path::new("/nonexistent/fanlight/folder"), Path::new("sub"))
        );
        assert!(
            error.to_string().starts_with("cannot list this folder"),
            "{error}"
        );
    }

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
