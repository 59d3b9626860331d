//! Golden-image comparison: per-channel deltas, differing-pixel share, PSNR and difference images.
