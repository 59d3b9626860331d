//! Which files a run takes (`--recursive`, `--include`, `--exclude`, `--shard`) and what it does
//! with outputs that already exist.

use std::str::FromStr;

use super::parse::{bad, ParseError};

/// Which files of the inputs a run takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Walk folders below the input folders. Default `true`.
    pub recursive: bool,
    /// Only files whose name or relative path matches one of these globs (none: all).
    pub include: Vec<String>,
    /// Leave out files whose name or relative path matches one of these globs.
    pub exclude: Vec<String>,
    /// Only this shard's share of the files. Default: all.
    pub shard: Option<Shard>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            recursive: true,
            include: Vec::new(),
            exclude: Vec::new(),
            shard: None,
        }
    }
}

/// Shard `index` (1-based) of `count`: each file belongs to exactly one shard, by a stable hash of
/// its relative path, so N machines can share a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl FromStr for Shard {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            bad(format!(
                "'{s}': expected K/N with 1 <= K <= N, for example 2/8"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: u32 = k.trim().parse().map_err(|_| err())?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

/// What to do when an output file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnExists {
    /// Replace it (atomically).
    #[default]
    Overwrite,
    /// Keep it and skip the photo: outputs are only ever complete, so this resumes a batch.
    Skip,
    /// Fail the photo.
    Fail,
}

impl FromStr for OnExists {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "overwrite" => Ok(OnExists::Overwrite),
            "skip" => Ok(OnExists::Skip),
            "fail" => Ok(OnExists::Fail),
            _ => Err(bad(format!("'{s}': expected overwrite, skip or fail"))),
        }
    }
}
