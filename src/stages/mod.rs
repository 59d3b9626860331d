//! One file per stage. Each stage is a plain [`crate::pipeline::Stage`]: a per-item function
//! with its own state, run inside the shared worker loop.

pub mod discover;
pub mod filter;
pub mod load;
pub mod mark_text;
pub mod resize;
pub mod watermark;
pub mod write;
