//! The names of the pipeline's stages: the one word every layer (the framework, the clocks, the
//! report) uses to say where something happened.

use std::fmt;

/// The stages of the pipeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StageName {
    /// Walking the inputs (a failure here means the path could not be listed).
    Discover,
    /// Reading, decoding, orienting.
    Load,
    /// Resampling to the target size.
    Resize,
    /// The filter chain.
    Filter,
    /// The watermark overlay.
    Watermark,
    /// Encoding and the atomic write.
    Write,
}

impl StageName {
    /// The working stages, in pipeline order.
    pub const WORKING: [StageName; 5] = [
        StageName::Load,
        StageName::Resize,
        StageName::Filter,
        StageName::Watermark,
        StageName::Write,
    ];

    /// Lower-case name, as in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StageName::Discover => "discover",
            StageName::Load => "load",
            StageName::Resize => "resize",
            StageName::Filter => "filter",
            StageName::Watermark => "watermark",
            StageName::Write => "write",
        }
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
