//! Worker counts of the pooled stages.

use std::str::FromStr;

use super::parse::{bad, parse_count, ParseError};

/// The size of a pooled stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSize {
    /// Exactly this many workers (at least 1).
    Fixed(usize),
    /// As many as the stage's measured cost calls for, adapted during the run, never more
    /// than the number of cores.
    Auto,
}

impl FromStr for PoolSize {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(PoolSize::Auto);
        }
        parse_count(s).map(PoolSize::Fixed).map_err(|_| {
            bad(format!(
                "'{s}': expected auto or a whole number from 1 to 1024"
            ))
        })
    }
}

/// Worker counts of the pooled stages (`resize` and `watermark` are always one worker each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workers {
    /// Decoders. Default: the number of cores.
    pub load: PoolSize,
    /// Filter workers. Default: the number of cores.
    pub filter: PoolSize,
    /// Encoders and writers. Default: the number of cores.
    pub write: PoolSize,
}

impl Workers {
    /// Fixed pool sizes.
    #[must_use]
    pub fn fixed(load: usize, filter: usize, write: usize) -> Self {
        Workers {
            load: PoolSize::Fixed(load),
            filter: PoolSize::Fixed(filter),
            write: PoolSize::Fixed(write),
        }
    }
}

impl Default for Workers {
    fn default() -> Self {
        let cores = cores();
        Workers::fixed(cores, cores, cores)
    }
}

/// The number of cores this process may use (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
