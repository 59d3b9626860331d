//! The JSON report of a comparison, for CI dashboards and scripts.
//!
//! ```text
//! { "expected": "golden", "actual": "out",
//!   "tolerance": { "max_delta": 0, "max_diff_ratio": 0.0 },
//!   "totals": { "files": 2, "match": 1, "mismatch": 0, "size_mismatch": 0,
//!               "missing": 0, "extra": 1, "all_match": false },
//!   "files": [ { "path": "a.png", "verdict": "match", "psnr": null, "max_delta": 0,
//!                "differing_pixels": 0, "total_pixels": 19200, "differing_ratio": 0.0,
//!                "expected_size": [160, 120], "actual_size": [160, 120], "diff": null }, ... ] }
//! ```
//!
//! `verdict` is `match`, `mismatch`, `size-mismatch`, `missing` or `extra`. `psnr` is in dB and
//! `null` when it is infinite (the colour channels are identical) or when no pixel was compared;
//! the pixel figures are `null` when no pixel was compared (missing, extra, size-mismatch). Paths
//! use `/` on every platform.

use std::path::{Component, Path};

use serde::Serialize;

use super::compare::Verdict;
use super::dirs::{DirReport, FileReport};
use super::GoldenError;

#[derive(Serialize)]
struct JsonReport<'a> {
    expected: String,
    actual: String,
    tolerance: JsonTolerance,
    totals: Totals,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonTolerance {
    max_delta: u8,
    max_diff_ratio: f64,
}

#[derive(Serialize)]
struct Totals {
    files: usize,
    #[serde(rename = "match")]
    matched: usize,
    mismatch: usize,
    size_mismatch: usize,
    missing: usize,
    extra: usize,
    all_match: bool,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: String,
    verdict: &'a str,
    psnr: Option<f64>,
    max_delta: Option<u8>,
    differing_pixels: Option<u64>,
    total_pixels: Option<u64>,
    differing_ratio: Option<f64>,
    expected_size: Option<[u32; 2]>,
    actual_size: Option<[u32; 2]>,
    diff: Option<String>,
}

fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for part in path.components() {
        let text = part.as_os_str().to_string_lossy();
        match part {
            Component::Prefix(_) | Component::RootDir => {}
            _ if out.is_empty() || out.ends_with('/') => {}
            _ => out.push('/'),
        }
        if part == Component::RootDir {
            out.push('/');
        } else {
            out.push_str(&text);
        }
    }
    out
}

fn file(f: &FileReport) -> JsonFile<'_> {
    let c = f.comparison.as_ref();
    let compared = c.filter(|c| c.compared());
    JsonFile {
        path: slashed(&f.path),
        verdict: f.verdict.name(),
        psnr: compared.map(|c| c.psnr).filter(|p| p.is_finite()),
        max_delta: compared.map(|c| c.max_delta),
        differing_pixels: compared.map(|c| c.differing_pixels),
        total_pixels: compared.map(|c| c.total_pixels),
        differing_ratio: compared.map(|c| c.differing_ratio),
        expected_size: c.map(|c| [c.expected_size.0, c.expected_size.1]),
        actual_size: c.map(|c| [c.actual_size.0, c.actual_size.1]),
        diff: f.diff.as_deref().map(slashed),
    }
}

impl DirReport {
    /// The report as pretty-printed JSON (the format is described in this module's source).
    #[must_use]
    pub fn to_json(&self) -> String {
        let report = JsonReport {
            expected: slashed(&self.expected),
            actual: slashed(&self.actual),
            tolerance: JsonTolerance {
                max_delta: self.tolerance.max_delta,
                max_diff_ratio: self.tolerance.max_diff_ratio,
            },
            totals: Totals {
                files: self.files.len(),
                matched: self.count(Verdict::Match),
                mismatch: self.count(Verdict::Mismatch),
                size_mismatch: self.count(Verdict::SizeMismatch),
                missing: self.count(Verdict::Missing),
                extra: self.count(Verdict::Extra),
                all_match: self.all_match(),
            },
            files: self.files.iter().map(file).collect(),
        };
        // Only strings, integers, finite floats and options: serialisation cannot fail.
        let mut text = serde_json::to_string_pretty(&report).expect("plain data serialises");
        text.push('\n');
        text
    }

    /// Writes [`DirReport::to_json`] to `path`, whole or not at all.
    pub fn write_json(&self, path: &Path) -> Result<(), GoldenError> {
        super::write_whole(path, self.to_json().as_bytes()).map_err(|e| GoldenError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_use_forward_slashes() {
        assert_eq!(slashed(Path::new("a/b/c.png")), "a/b/c.png");
        assert_eq!(slashed(Path::new("/tmp/x.png")), "/tmp/x.png");
        assert_eq!(slashed(Path::new("x.png")), "x.png");
    }
}
