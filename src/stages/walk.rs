//! The walk of `discover`: every photo of the inputs, in sorted order, taken one at a time
//! into a spool, so that a million files are never held at once (only one folder's listing
//! is).

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use super::discover::{globs, in_shard, resolve, selected};
use crate::config::Config;
use crate::error::{one_line, Error, ItemError};
use crate::ops::decode::ImageKind;
use crate::spool::{Record, Spool, SpoolWriter};

/// A photo the walk took, before its outputs are planned.
pub(super) struct Found {
    pub(super) src: PathBuf,
    /// Its path relative to its input.
    pub(super) rel: PathBuf,
    /// Which of the inputs it came from.
    pub(super) input: usize,
    /// Why it fails unread, with `true` for a folder: `NotAFile` or `Folder`.
    pub(super) refusal: Option<(ItemError, bool)>,
}

impl Record for Found {
    fn put(&self, out: &mut Vec<u8>) {
        self.src.put(out);
        self.rel.put(out);
        (self.input as u64).put(out);
        let refusal = self.refusal.as_ref().map(|(error, folder)| {
            let why = match error {
                ItemError::NotAFile(why) | ItemError::Folder(why) => why.clone(),
                other => other.to_string(),
            };
            (PathBuf::from(why), u64::from(*folder))
        });
        refusal.put(out);
    }

    fn take(input: &mut &[u8]) -> Option<Self> {
        let (src, rel) = (PathBuf::take(input)?, PathBuf::take(input)?);
        let index = usize::try_from(u64::take(input)?).ok()?;
        let refusal = <Option<(PathBuf, u64)> as Record>::take(input)?.map(|(why, folder)| {
            let why = why.to_string_lossy().into_owned();
            match folder {
                1 => (ItemError::Folder(why), true),
                _ => (ItemError::NotAFile(why), false),
            }
        });
        Some(Found {
            src,
            rel,
            input: index,
            refusal,
        })
    }
}

/// A path's 64-bit FNV-1a hash: the plan keeps these instead of the paths to find two photos
/// with one output, or an output that is an input; a match is confirmed on the paths.
pub(super) fn path_hash(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt as _;
    super::fnv1a(path.as_os_str().as_bytes())
}

/// Walks every input: the photos found, in order, and the sorted hashes of their resolved
/// paths (to refuse an output that would overwrite one of them).
pub(super) fn find(config: &Config) -> Result<(Spool<Found>, Vec<u64>), Error> {
    let include = globs(&config.select.include)?;
    let exclude = globs(&config.select.exclude)?;
    let output_canon = resolve(&config.output_dir);
    let mut found = SpoolWriter::new();
    let mut inputs = Vec::new();
    for (index, input) in config.inputs.iter().enumerate() {
        let mut take = |src: PathBuf, rel: PathBuf, refusal: Option<(ItemError, bool)>| {
            let keep = match &refusal {
                // A folder that cannot be listed is reported whatever the patterns, by one shard.
                Some((_, true)) => config.select.shard.is_none_or(|s| in_shard(&rel, s)),
                _ => selected(&rel, &config.select, include.as_ref(), exclude.as_ref()),
            };
            if keep {
                if let Ok(canon) = fs::canonicalize(&src) {
                    inputs.push(path_hash(&canon));
                }
                found.push(&Found {
                    src,
                    rel,
                    input: index,
                    refusal,
                });
            }
        };
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
            walk(input, Path::new(""), config.select.recursive, &mut take);
        } else {
            // A file named explicitly is always attempted, whatever its extension, but only a
            // regular file is read: a FIFO or a device would block or never end.
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            let refusal =
                not_a_file(&meta.file_type()).map(|kind| (ItemError::NotAFile(kind.into()), false));
            take(input.clone(), name, refusal);
        }
    }
    inputs.sort_unstable();
    Ok((found.finish(), inputs))
}

/// The input found whose resolved path is `canon`.
pub(super) fn input_at(found: &Spool<Found>, canon: &Path) -> Option<PathBuf> {
    found
        .iter()
        .find(|f| fs::canonicalize(&f.src).is_ok_and(|c| c == canon))
        .map(|f| f.src)
}

/// What the walk hands over for each entry it takes: `(path, path relative to the input
/// folder, refusal)`. A refusal is an entry that fails without being read, with `true` when it
/// is a folder (which no name pattern selects away).
pub(super) type Visit<'a> = dyn FnMut(PathBuf, PathBuf, Option<(ItemError, bool)>) + 'a;

/// Walks `dir` (at `rel` below the input folder), handing every photo to `visit` in the order
/// of their paths (each folder's entries are sorted by name, and a folder's photos come where
/// its name sorts: the order of sorting all the paths at once). Hidden entries are skipped;
/// symbolic links to folders are not followed, so loops are harmless. A folder that cannot be
/// listed, and a photo name that is not a readable file (a FIFO, a device, a link to nothing or
/// a link loop), is refused by path with its reason; the walk goes on.
pub(super) fn walk(dir: &Path, rel: &Path, recursive: bool, visit: &mut Visit<'_>) {
    let mut entries: Vec<(OsString, Option<fs::FileType>)> = Vec::new();
    let mut broken = None;
    match fs::read_dir(dir) {
        Ok(listing) => {
            for entry in listing {
                match entry {
                    Ok(entry) => {
                        let name = entry.file_name();
                        if !name.as_encoded_bytes().starts_with(b".") {
                            entries.push((name, entry.file_type().ok()));
                        }
                    }
                    Err(e) => {
                        broken = Some(e);
                        break;
                    }
                }
            }
        }
        Err(e) => broken = Some(e),
    }
    if let Some(e) = broken {
        // The folder's own path sorts before anything inside it.
        let error = ItemError::Folder(folder_reason(&e, dir));
        visit(dir.to_path_buf(), rel.to_path_buf(), Some((error, true)));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, file_type) in entries {
        let Some(file_type) = file_type else {
            continue;
        };
        let path = dir.join(&name);
        if file_type.is_dir() {
            if recursive {
                walk(&path, &rel.join(&name), recursive, visit);
            }
            continue;
        }
        if !is_photo_name(&name.to_string_lossy()) {
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
                visit(path, rel.join(&name), None);
                continue;
            }
            Ok(t) if t.is_dir() => continue, // a link to a folder: not followed
            Ok(t) => not_a_file(&t).unwrap_or("not a regular file").to_string(),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => "a symbolic link loop".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "a symbolic link to a missing file".to_string()
            }
            Err(e) => one_line(&e.to_string()),
        };
        visit(
            path,
            rel.join(&name),
            Some((ItemError::NotAFile(why), false)),
        );
    }
}

/// Why a folder could not be listed, in the system's words, with the advice for that cause.
fn folder_reason(e: &std::io::Error, dir: &Path) -> String {
    use std::io::ErrorKind;
    let advice = match e.kind() {
        ErrorKind::PermissionDenied => "check its permissions".to_string(),
        ErrorKind::InvalidFilename => format!(
            "its path is {} bytes, longer than the system allows (4096 on Linux): move it \
             closer to the root, or shorten the folder names",
            dir.as_os_str().len()
        ),
        _ => {
            return format!(
                "{} (its photos were not processed)",
                one_line(&e.to_string())
            )
        }
    };
    format!(
        "{} (its photos were not processed; {advice})",
        one_line(&e.to_string())
    )
}

/// Whether a file found in a folder is taken as a photo (by extension; hidden files are not).
/// A kind this build cannot read (AVIF; JPEG XL without the `jxl` feature) is taken too, so it
/// fails by name as unsupported instead of being passed over without a word.
pub(super) fn is_photo_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .and_then(|e| ImageKind::from_extension(&e.to_string_lossy()))
            .is_some()
}

/// What a directory entry is when it is not a regular file, in words; `None` for a file.
pub(super) fn not_a_file(t: &fs::FileType) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_be_listed_is_refused_and_the_walk_goes_on() {
        // As root every folder is readable, so a folder that vanished stands for one that
        // cannot be listed: read_dir fails the same way.
        let mut seen = Vec::new();
        walk(
            Path::new("/nonexistent/fanlight/folder"),
            Path::new("sub"),
            true,
            &mut |path, rel, refusal| seen.push((path, rel, refusal)),
        );
        let [(path, rel, Some((error, true)))] = &seen[..] else {
            panic!("one refused folder: {seen:?}");
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
    fn a_folder_refusal_gives_the_advice_for_its_cause() {
        let dir = Path::new("/deep/folder");
        let denied = folder_reason(&std::io::Error::from_raw_os_error(libc::EACCES), dir);
        assert!(denied.ends_with("check its permissions)"), "{denied}");
        let long = folder_reason(&std::io::Error::from_raw_os_error(libc::ENAMETOOLONG), dir);
        assert!(long.contains("longer than the system allows"), "{long}");
        assert!(!long.contains("permissions"), "{long}");
        let gone = folder_reason(&std::io::Error::from_raw_os_error(libc::ENOENT), dir);
        assert!(gone.ends_with("(its photos were not processed)"), "{gone}");
    }

    #[test]
    fn photos_come_in_the_order_of_their_sorted_paths() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "b.jpg",
            "a/z.jpg",
            "a.jpg",
            "a b/c.png",
            "a/b/c.jpg",
            "C.jpg",
            "a-b.jpg",
        ];
        for name in names {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"x").unwrap();
        }
        let mut seen = Vec::new();
        walk(dir.path(), Path::new(""), true, &mut |_, rel, _| {
            seen.push(rel)
        });
        let mut sorted: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        sorted.sort();
        assert_eq!(seen, sorted);
    }
}
