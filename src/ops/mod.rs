//! Pure image operations: no channels, files or threads, so each can be tested, benchmarked and
//! reused alone.

#[cfg(feature = "avif-read")]
pub mod avif;
pub mod blend;
pub mod blur;
pub mod budget;
pub mod buffers;
pub mod colour;
pub mod decode;
pub mod encode;
pub mod filters;
pub mod geometry;
pub mod heif;
pub mod huffman;
mod idct4;
pub mod jpeg;
pub mod jpeg_end;
pub(crate) mod jpeg_half;
pub(crate) mod jpeg_prog;
#[cfg(feature = "jxl")]
pub mod jxl;
pub mod meta;
pub mod orient;
pub mod raster;
pub mod resize;
pub mod sniff;
pub mod text;
mod tiff_fallback;
