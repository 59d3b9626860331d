//! `discover`: walk the inputs, keep the photos, sort them, and map each to its output path.
//! Everything here happens before any worker starts, so problems with the inputs or outputs as a
//! whole (a missing input, two inputs for one output) stop the run before it writes anything.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Sender;
use globset::{Glob, GlobSet, GlobSetBuilder};

pub use super::naming::{fill_size, output_path};
use super::walk::{find, input_at, path_hash, Found};
use crate::cancel::CancelToken;
use crate::config::{Config, Format, Geometry, OnExists, Selection, Shard};
use crate::error::{opt, Error, ItemError};
use crate::names::shown;
use crate::ops::decode::ImageKind;
use crate::pipeline::{Failure, Frame, Item, Job, Output};
use crate::spool::{Spool, SpoolWriter};
use crate::stage_name::StageName;

/// What a run will do, decided before any worker starts. Its photos are kept in a spool
/// (memory for a small run, an unlinked temporary file for a large one), so planning a million
/// photos costs a few bytes of memory per photo, not a path's worth.
#[derive(Debug, Default)]
pub struct Plan {
    pub(crate) jobs: Spool<Job>,
    /// Photos that fail without being read, by job id: a FIFO, a folder that cannot be
    /// listed, a header that cannot be read for `{width}`, an output that exists under
    /// `--on-exists fail`.
    pub(crate) refusals: BTreeMap<usize, ItemError>,
    pub(crate) skipped: Spool<(PathBuf, PathBuf)>,
    pub(crate) skipped_photos: usize,
}

impl Plan {
    /// How many photos are to be processed (refused ones included, skipped ones not).
    #[must_use]
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there is no photo to process.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// The photos to process, in order, each with the reason it fails unread, if it does.
    pub fn jobs(&self) -> impl Iterator<Item = (Job, Option<&ItemError>)> + '_ {
        self.jobs.iter().map(|job| {
            let refusal = self.refusals.get(&job.id);
            (job, refusal)
        })
    }

    /// Outputs left alone because they exist (`--on-exists skip`): `(input, output)`, in
    /// order.
    #[must_use]
    pub fn skipped(&self) -> &Spool<(PathBuf, PathBuf)> {
        &self.skipped
    }

    /// Photos all of whose outputs exist and are skipped: they are not processed at all.
    #[must_use]
    pub fn skipped_photos(&self) -> usize {
        self.skipped_photos
    }
}

/// Sends every planned job into the pipeline, in order, then drops `tx`: the first close of the
/// drain. Once `cancel` is tripped the remaining jobs go through as cancelled failures (cheap, and
/// every photo is still accounted for by name in the report).
pub fn feed(
    jobs: &Spool<Job>,
    mut refusals: BTreeMap<usize, ItemError>,
    cancel: &CancelToken,
    tx: Sender<Item>,
) {
    for job in jobs {
        let job = Arc::new(job);
        let refusal = refusals
            .remove(&job.id)
            .or_else(|| cancel.is_cancelled().then_some(ItemError::Cancelled));
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
    let (found, inputs) = find(config)?;
    let labels = folder_labels(&config.inputs, config.in_place);
    // Where each input's relative paths start (for --in-place), found once per input.
    let bases: Vec<PathBuf> = config.inputs.iter().map(|i| base_of(i)).collect();
    let names: Vec<&str> = variants.iter().map(|v| config.variant_name(v)).collect();
    let sized = names
        .iter()
        .any(|n| n.contains("{width}") || n.contains("{height}"));
    let mut plan = Plan::default();
    let mut jobs = SpoolWriter::new();
    let mut skipped = SpoolWriter::new();
    // The hash of every output a photo claims; two photos claiming one is checked at the end.
    let mut claimed: Vec<u64> = Vec::with_capacity(found.len() * variants.len());
    for Found {
        src,
        rel,
        input,
        refusal,
    } in &found
    {
        let (upright, mut refusal) = if let Some((error, _)) = refusal {
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
            bases[input].clone()
        } else {
            config.output_dir.join(&labels[input])
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
                claimed.push(path_hash(dst));
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
            if let Some(canon) = dst_canon.as_ref().filter(|_| !replaces_itself) {
                if inputs.binary_search(&path_hash(canon)).is_ok() {
                    if let Some(other) = input_at(&found, canon) {
                        return Err(Error::OutputOverwritesInput {
                            first: src,
                            output: other,
                        });
                    }
                }
            }
            // In place, the input itself at the output's path is not an "existing output".
            let exists = exists && !replaces_itself;
            match config.on_exists {
                // Only a finished photo counts as done: a folder or a FIFO in the way is not
                // one (the photo is processed, and its write fails with the reason). Each
                // output is resumed on its own.
                OnExists::Skip if exists && dst.is_file() && refusal.is_none() => {
                    skipped.push(&(src.clone(), output.dst));
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
            plan.skipped_photos += 1;
            continue; // every output exists and is skipped
        }
        let id = jobs.len();
        // Taken before any stage reads the file, which may move its access time.
        let times = config
            .output
            .keep_times
            .then(|| fs::metadata(&src).ok())
            .flatten()
            .and_then(|m| Some((m.accessed().ok()?, m.modified().ok()?)));
        if let Some(error) = refusal {
            plan.refusals.insert(id, error);
        }
        jobs.push(&Job {
            id,
            src,
            outputs: kept,
            times,
        });
    }
    plan.jobs = jobs.finish();
    plan.skipped = skipped.finish();
    claimed.sort_unstable();
    if claimed.windows(2).any(|w| w[0] == w[1]) {
        collision(&plan, &claimed)?;
    }
    Ok(plan)
}

/// The folder an input's relative paths start from: the folder itself, or a file's parent.
fn base_of(input: &Path) -> PathBuf {
    if input.is_dir() {
        input.to_path_buf()
    } else {
        input.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// Refuses the first output two photos claim, if the hashes that came out twice are two paths
/// and not a hash collision.
fn collision(plan: &Plan, claimed: &[u64]) -> Result<(), Error> {
    let twice: HashSet<u64> = claimed
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    let mut claims: HashMap<PathBuf, PathBuf> = HashMap::new();
    let planned = plan
        .jobs()
        .filter(|(_, refusal)| refusal.is_none())
        .flat_map(|(job, _)| {
            let src = job.src;
            job.outputs.into_iter().map(move |o| (src.clone(), o.dst))
        });
    for (src, dst) in planned.chain(plan.skipped.iter()) {
        if !twice.contains(&path_hash(&dst)) {
            continue;
        }
        // Any output claimed twice is a collision, even by one path: a folder given twice.
        if let Some(first) = claims.get(&dst) {
            let (first, second) = if *first <= src {
                (first.clone(), src)
            } else {
                (src, first.clone())
            };
            return Err(Error::OutputCollision {
                first,
                second,
                output: dst,
            });
        }
        claims.insert(dst, src);
    }
    Ok(())
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
pub(super) fn resolve(path: &Path) -> Option<PathBuf> {
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

    let mut file = fs::File::open(src).map_err(|e| ItemError::read(&e))?;
    if is_heif(&file) {
        let bytes = fs::read(src).map_err(|e| ItemError::read(&e))?;
        return crate::ops::heif::upright_size(&bytes);
    }
    // A JPEG's first EXIF segment is the one the loader applies; `image` keeps the last.
    let jpeg_exif = crate::ops::meta::first_jpeg_exif(&mut std::io::BufReader::new(&file));
    std::io::Seek::rewind(&mut file).map_err(|e| ItemError::read(&e))?;
    let mut decoder = image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(|e| ItemError::read(&e))?
        .into_decoder()
        .map_err(|e| ItemError::Decode(crate::error::one_line(&e.to_string())))?;
    let orientation = match jpeg_exif {
        Some(exif) => {
            crate::ops::meta::exif_orientation(&exif).unwrap_or(Orientation::NoTransforms)
        }
        None => crate::ops::decode::decoder_orientation(&mut decoder),
    };
    Ok(crate::ops::orient::upright_size(
        decoder.dimensions(),
        orientation,
    ))
}

/// Whether `file` starts as a HEIF or AVIF file does (image's reader does not know the
/// container).
fn is_heif(mut file: &fs::File) -> bool {
    use std::io::{Read, Seek};
    let mut head = [0u8; 64];
    let n = file.read(&mut head).unwrap_or(0);
    let heif = matches!(
        crate::ops::sniff::detect(&head[..n]),
        Some(ImageKind::Heif | ImageKind::Avif)
    );
    file.rewind().is_ok() && heif
}

pub(super) fn globs(patterns: &[String]) -> Result<Option<GlobSet>, Error> {
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
pub(super) fn selected(
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
        use super::super::walk::is_photo_name;
        assert!(is_photo_name("a.JPG"));
        assert!(is_photo_name("a.png"));
        assert!(!is_photo_name(".a.jpg"));
        assert!(!is_photo_name("notes.txt"));
        assert!(!is_photo_name("jpg"));
    }
}
