//! Comparing two folders of images by relative path, in parallel with bounded memory, and
//! blessing the actual side as the new expected one.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::compare::{compare_rgba, load_rgba, percent, Comparison, Verdict};
use super::diff::write_diff;
use super::{GoldenError, Tolerance};

/// Extensions treated as images even when the content says otherwise, so a broken or empty
/// `.png` is reported instead of silently skipped. Everything else is recognised by content.
const IMAGE_EXTENSIONS: [&str; 11] = [
    "png", "jpg", "jpeg", "jpe", "gif", "webp", "bmp", "tif", "tiff", "avif", "heic",
];

/// Options of a folder (or pair) comparison.
#[derive(Debug, Clone, Default)]
pub struct DirOptions {
    /// Where to write a difference image per mismatch, at `<diff_dir>/<relative path>.png`.
    /// Default: none. This folder is skipped when it lies inside a compared folder.
    pub diff_dir: Option<PathBuf>,
    /// Pair a folder's images by their path without the extension (`a.jpg` with `a.webp`), to
    /// compare a golden folder with outputs in another format. Two images of one stem on the
    /// same side are then an error. Default `false`: by the whole relative path.
    pub ignore_ext: bool,
}

/// The outcome for one relative path.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path relative to the compared folders (for two files: the actual file's name).
    pub path: PathBuf,
    /// The expected file (which may not exist, see [`Verdict::Extra`]).
    pub expected: PathBuf,
    /// The actual file (which may not exist, see [`Verdict::Missing`]).
    pub actual: PathBuf,
    /// What was found.
    pub verdict: Verdict,
    /// The figures, when both files exist.
    pub comparison: Option<Comparison>,
    /// The difference image written for this file, if any.
    pub diff: Option<PathBuf>,
}

impl FileReport {
    /// What is wrong (or right) with this file, for people, without the path.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut text = match (self.verdict, &self.comparison) {
            (Verdict::Missing, _) => "in expected, not in actual".to_string(),
            (Verdict::Extra, _) => "in actual, not in expected (no golden yet)".to_string(),
            (_, Some(c)) => c.summary(),
            (_, None) => self.verdict.name().to_string(),
        };
        if let Some(diff) = &self.diff {
            text.push_str(&format!("; diff: {}", diff.display()));
        }
        text
    }
}

/// Every relative path's outcome, sorted by path.
#[derive(Debug, Clone)]
pub struct DirReport {
    /// The expected folder (or file).
    pub expected: PathBuf,
    /// The actual folder (or file).
    pub actual: PathBuf,
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// One entry per image path found on either side, sorted.
    pub files: Vec<FileReport>,
}

impl DirReport {
    /// How many files have `verdict`.
    #[must_use]
    pub fn count(&self, verdict: Verdict) -> usize {
        self.files.iter().filter(|f| f.verdict == verdict).count()
    }

    /// Whether every file matched (an empty comparison matches).
    #[must_use]
    pub fn all_match(&self) -> bool {
        self.files.iter().all(|f| f.verdict.is_match())
    }

    /// The files that did not match, in path order.
    pub fn mismatches(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| !f.verdict.is_match())
    }

    /// One line: how many images matched, what went wrong, and the tolerance.
    #[must_use]
    pub fn summary(&self) -> String {
        let total = self.files.len();
        let tol = format!(
            "max delta {}, max diff ratio {}",
            self.tolerance.max_delta,
            percent(self.tolerance.max_diff_ratio)
        );
        let bad = self.mismatches().count();
        match (bad, total) {
            (_, 0) => return format!("no images found ({tol})"),
            (0, 1) => return format!("1 image matches ({tol})"),
            (0, _) => return format!("all {total} images match ({tol})"),
            _ => {}
        }
        let (noun, verb) = match (total, bad) {
            (1, _) => ("image", "does"),
            (_, 1) => ("images", "does"),
            _ => ("images", "do"),
        };
        format!(
            "{bad} of {total} {noun} {verb} not match: {} mismatch, {} size-mismatch, {} missing, {} extra ({tol})",
            self.count(Verdict::Mismatch),
            self.count(Verdict::SizeMismatch),
            self.count(Verdict::Missing),
            self.count(Verdict::Extra),
        )
    }
}

/// Compares two folders, matching images by relative path (recursively).
///
/// Images are recognised by content (JPEG and PNG signatures), or by an image extension so that
/// a broken `.png` is reported; other files are ignored. A path in `expected_dir` only is
/// [`Verdict::Missing`], one in `actual_dir` only is [`Verdict::Extra`]; both count as
/// mismatches. Pairs are compared on rayon's pool, each task decoding its two images and dropping
/// them before the next, so at most one pair per core is in memory whatever the folder size.
///
/// An unreadable folder or an image that cannot be decoded is an error naming it (the first in
/// path order, so the message does not depend on scheduling).
pub fn compare_dirs(
    expected_dir: &Path,
    actual_dir: &Path,
    tol: &Tolerance,
    opts: &DirOptions,
) -> Result<DirReport, GoldenError> {
    let skip = opts
        .diff_dir
        .as_deref()
        .and_then(|d| fs::canonicalize(d).ok());
    let expected = by_key(
        expected_dir,
        images_below(expected_dir, skip.as_deref())?,
        opts,
    )?;
    let actual = by_key(actual_dir, images_below(actual_dir, skip.as_deref())?, opts)?;
    let keys: BTreeSet<&PathBuf> = expected.keys().chain(actual.keys()).collect();
    let results: Vec<Result<FileReport, GoldenError>> = keys
        .into_par_iter()
        .map(|key| {
            // A file one side lacks is looked for under the other side's name.
            let (e, a) = match (expected.get(key), actual.get(key)) {
                (Some(e), Some(a)) => (e, a),
                (Some(e), None) => (e, e),
                (None, Some(a)) => (a, a),
                (None, None) => unreachable!("every key comes from one side"),
            };
            let rel = e.clone();
            let diff_out = opts.diff_dir.as_deref().map(|d| diff_path(d, &rel));
            compare_one(rel, expected_dir.join(e), actual_dir.join(a), tol, diff_out)
        })
        .collect();
    Ok(DirReport {
        expected: expected_dir.to_path_buf(),
        actual: actual_dir.to_path_buf(),
        tolerance: *tol,
        files: results.into_iter().collect::<Result<_, _>>()?,
    })
}

/// Compares two image files and reports them like a one-file folder comparison, so the command
/// line treats pairs and folders alike. The entry's path is the actual file's name, and its
/// difference image goes to `<diff_dir>/<that name>.png`. Both files must exist.
pub fn compare_pair(
    expected: &Path,
    actual: &Path,
    tol: &Tolerance,
    opts: &DirOptions,
) -> Result<DirReport, GoldenError> {
    let name = PathBuf::from(actual.file_name().unwrap_or(actual.as_os_str()));
    for path in [expected, actual] {
        fs::metadata(path).map_err(|source| GoldenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let diff_out = opts.diff_dir.as_deref().map(|d| diff_path(d, &name));
    let file = compare_one(
        name,
        expected.to_path_buf(),
        actual.to_path_buf(),
        tol,
        diff_out,
    )?;
    Ok(DirReport {
        expected: expected.to_path_buf(),
        actual: actual.to_path_buf(),
        tolerance: *tol,
        files: vec![file],
    })
}

/// The relative paths of one side by the key they are paired on: the path itself, or with
/// [`DirOptions::ignore_ext`] the path without its extension, where two files of one stem are
/// an error naming both.
fn by_key(
    root: &Path,
    paths: BTreeSet<PathBuf>,
    opts: &DirOptions,
) -> Result<BTreeMap<PathBuf, PathBuf>, GoldenError> {
    let mut keyed = BTreeMap::new();
    for rel in paths {
        let key = if opts.ignore_ext {
            rel.with_extension("")
        } else {
            rel.clone()
        };
        if let Some(first) = keyed.insert(key, rel.clone()) {
            return Err(GoldenError::SameStem {
                path: root.join(first),
                other: root.join(rel),
            });
        }
    }
    Ok(keyed)
}

/// `<diff_dir>/<rel>.png`: the full name is kept so `a.jpg` and `a.png` get separate diffs.
fn diff_path(diff_dir: &Path, rel: &Path) -> PathBuf {
    let mut name: OsString = diff_dir.join(rel).into_os_string();
    name.push(".png");
    PathBuf::from(name)
}

fn compare_one(
    rel: PathBuf,
    expected: PathBuf,
    actual: PathBuf,
    tol: &Tolerance,
    diff_out: Option<PathBuf>,
) -> Result<FileReport, GoldenError> {
    let verdict_only = |verdict| FileReport {
        path: rel.clone(),
        expected: expected.clone(),
        actual: actual.clone(),
        verdict,
        comparison: None,
        diff: None,
    };
    match (expected.is_file(), actual.is_file()) {
        (true, false) => return Ok(verdict_only(Verdict::Missing)),
        (false, true) => return Ok(verdict_only(Verdict::Extra)),
        _ => {}
    }
    let e = load_rgba(&expected)?;
    let a = load_rgba(&actual)?;
    let comparison = compare_rgba(&e, &a, tol);
    let mut diff = None;
    if let (false, Some(out)) = (comparison.is_match(), diff_out) {
        write_diff(&e, &a, tol, &out)?;
        diff = Some(out);
    }
    Ok(FileReport {
        verdict: comparison.verdict,
        comparison: Some(comparison),
        diff,
        ..verdict_only(Verdict::Match)
    })
}

/// The image files below `root`, relative to it. Symbolic links to files are followed; linked
/// folders are not entered (they could loop).
fn images_below(root: &Path, skip: Option<&Path>) -> Result<BTreeSet<PathBuf>, GoldenError> {
    let meta = fs::metadata(root).map_err(|source| GoldenError::Read {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(GoldenError::NotADir {
            path: root.to_path_buf(),
        });
    }
    let mut found = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let read_err = |source| GoldenError::Read {
            path: dir.clone(),
            source,
        };
        for entry in fs::read_dir(&dir).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let path = entry.path();
            let kind = entry.file_type().map_err(read_err)?;
            if kind.is_dir() {
                if skip.is_none() || fs::canonicalize(&path).ok().as_deref() != skip {
                    pending.push(path);
                }
            } else if (kind.is_file() || path.is_file()) && is_image(&path)? {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                found.insert(rel);
            }
        }
    }
    Ok(found)
}

/// An image by extension, or by a PNG or JPEG signature in its first bytes.
fn is_image(path: &Path) -> Result<bool, GoldenError> {
    let by_name = path.extension().is_some_and(|ext| {
        let ext = ext.to_string_lossy().to_ascii_lowercase();
        IMAGE_EXTENSIONS.contains(&ext.as_str())
    });
    if by_name {
        return Ok(true);
    }
    let mut head = [0u8; 8];
    let mut file = fs::File::open(path).map_err(|source| GoldenError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut len = 0;
    while len < head.len() {
        match file.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(GoldenError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    let head = &head[..len];
    Ok(head.starts_with(b"\x89PNG\r\n\x1a\n") || head.starts_with(&[0xFF, 0xD8, 0xFF]))
}

/// A golden that [`update`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    /// The relative path, as in the report.
    pub path: PathBuf,
    /// The expected file that was written.
    pub target: PathBuf,
    /// Why: [`Verdict::Mismatch`] or [`Verdict::SizeMismatch`] (replaced), or
    /// [`Verdict::Extra`] (added).
    pub was: Verdict,
}

/// Blesses the actual side: copies each mismatched or extra actual file over (or next to) the
/// expected one, byte for byte, and returns what changed.
///
/// Each copy goes to a temporary name beside the target and is renamed into place, so an
/// interrupted update never leaves half a golden. [`Verdict::Missing`] files are left alone:
/// there is nothing to copy, and deleting goldens is for a person to decide.
pub fn update(report: &DirReport) -> Result<Vec<Updated>, GoldenError> {
    let mut changed = Vec::new();
    for file in &report.files {
        if !matches!(
            file.verdict,
            Verdict::Mismatch | Verdict::SizeMismatch | Verdict::Extra
        ) {
            continue;
        }
        copy_atomically(&file.actual, &file.expected)?;
        changed.push(Updated {
            path: file.path.clone(),
            target: file.expected.clone(),
            was: file.verdict,
        });
    }
    Ok(changed)
}

fn copy_atomically(from: &Path, to: &Path) -> Result<(), GoldenError> {
    let fail = |e: std::io::Error| GoldenError::Write {
        path: to.to_path_buf(),
        reason: e.to_string(),
    };
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(fail)?;
    }
    let bytes = fs::read(from).map_err(fail)?;
    super::write_whole(to, &bytes).map_err(fail)
}
