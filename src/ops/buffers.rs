//! Frame-sized byte buffers kept between photos.
//!
//! Every photo needs a few buffers of megabytes (the decoded frame, the resized frame). Freshly
//! allocated, each page of them is faulted in and zeroed by the kernel on first touch, and freed,
//! they go straight back to the kernel (the allocator's mmap threshold is fixed low so that memory
//! stays flat over long batches). Recycling them instead saves that work on every photo, while
//! the pool stays bounded: at most [`MAX_FREE_BYTES`] wait in it, so peak memory still does not
//! grow with the folder.
//!
//! A buffer handed out is always zero-filled to the asked length, as a fresh one would be, so no
//! byte of an earlier photo can reach a later one whatever the scheduling.

use std::sync::{Mutex, PoisonError};

use super::raster::Raster;

/// Buffers smaller than this are left to the allocator.
pub const MIN_LEN: usize = 1 << 20;
/// How many bytes of free buffers the shared pool keeps at most: two decoded 8 MP frames, or one
/// 15 MP frame and a resized one.
pub const MAX_FREE_BYTES: usize = 64 << 20;

/// A bounded set of free buffers.
pub struct Pool {
    free: Mutex<Vec<Vec<u8>>>,
    max_bytes: usize,
}

/// The pool the stages share.
static SHARED: Pool = Pool::new(MAX_FREE_BYTES);

/// A zero-filled buffer of `len` bytes from the shared pool (see [`Pool::zeroed`]).
#[must_use]
pub fn zeroed(len: usize) -> Vec<u8> {
    SHARED.zeroed(len)
}

/// A copy of `img` whose pixels are in a buffer from the shared pool (see [`Pool::copied`]).
#[must_use]
pub fn copy(img: &Raster) -> Raster {
    Raster {
        data: SHARED.copied(&img.data),
        ..*img
    }
}

/// Gives a buffer back to the shared pool (see [`Pool::recycle`]).
pub fn recycle(buf: Vec<u8>) {
    SHARED.recycle(buf);
}

/// Puts `new` in `img`'s place and gives the old pixels back to the shared pool.
pub fn replace(img: &mut Raster, new: Raster) {
    recycle(std::mem::replace(img, new).data);
}

impl Pool {
    /// An empty pool that keeps at most `max_bytes` of buffers (by capacity).
    #[must_use]
    pub const fn new(max_bytes: usize) -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
            max_bytes,
        }
    }

    /// A zero-filled buffer of `len` bytes, made from a kept buffer when there is one.
    ///
    /// Photos of a folder differ in size, so any kept buffer serves: the smallest one that is
    /// large enough, else the largest, which grows to exactly `len`. A buffer more than twice
    /// `len` is shrunk to `len` first, so a small frame never holds a much larger one's memory.
    /// With glibc (whose mmap threshold `main` fixes) both are cheap for frame-sized buffers:
    /// realloc remaps their pages (`mremap`) instead of copying them, and the pages kept are
    /// already faulted in, which is the point. Elsewhere realloc may copy: slower, still correct.
    #[must_use]
    pub fn zeroed(&self, len: usize) -> Vec<u8> {
        match self.take(len) {
            Some(mut buf) => {
                buf.resize(len, 0);
                buf
            }
            None => vec![0; len],
        }
    }

    /// A copy of `src` in a kept buffer (see [`Pool::zeroed`]), not zeroed first: for the
    /// frames of one photo's variants, which share its pixels.
    #[must_use]
    pub fn copied(&self, src: &[u8]) -> Vec<u8> {
        match self.take(src.len()) {
            Some(mut buf) => {
                buf.extend_from_slice(src);
                buf
            }
            None => src.to_vec(),
        }
    }

    /// An empty kept buffer with room for `len` bytes, if the pool has one and `len` is worth it.
    fn take(&self, len: usize) -> Option<Vec<u8>> {
        if len < MIN_LEN {
            return None;
        }
        let reused = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            let best = free
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| {
                    let cap = b.capacity();
                    // Large enough first (smallest such), then the largest of the rest.
                    if cap >= len {
                        (0, cap)
                    } else {
                        (1, usize::MAX - cap)
                    }
                })
                .map(|(i, _)| i);
            best.map(|i| free.swap_remove(i))
        };
        let mut buf = reused?;
        buf.clear();
        if buf.capacity() / 2 > len {
            buf.shrink_to(len);
        }
        buf.reserve_exact(len);
        Some(buf)
    }

    /// Keeps `buf` for a later [`Pool::zeroed`]. When the pool is over its bytes, the buffers
    /// kept longest are freed, so the pool follows the sizes the photos need now.
    /// A buffer with much more capacity than length is trimmed to its length first, so the pool
    /// never keeps memory no frame used.
    pub fn recycle(&self, mut buf: Vec<u8>) {
        if buf.capacity() / 2 > buf.len() {
            buf.shrink_to_fit();
        }
        if buf.capacity() < MIN_LEN || buf.capacity() > self.max_bytes {
            return;
        }
        let dropped = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            free.push(buf);
            let mut kept: usize = free.iter().map(Vec::capacity).sum();
            let mut oldest = 0;
            while kept > self.max_bytes {
                kept -= free[oldest].capacity();
                oldest += 1;
            }
            free.drain(..oldest).collect::<Vec<_>>()
        };
        // Freed outside the lock: returning megabytes to the kernel takes a while.
        drop(dropped);
    }

    /// How many buffers are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no buffer is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recycled_buffer_is_reused_and_comes_back_zeroed() {
        let pool = Pool::new(4 * MIN_LEN);
        let dirty = vec![7u8; 3 * MIN_LEN];
        let ptr = dirty.as_ptr();
        pool.recycle(dirty);
        let again = pool.zeroed(3 * MIN_LEN - 1000);
        assert_eq!(again.as_ptr(), ptr, "the kept buffer is handed out again");
        assert_eq!(again.len(), 3 * MIN_LEN - 1000);
        assert!(again.iter().all(|&b| b == 0));
        assert!(pool.is_empty());
    }

    #[test]
    fn the_smallest_buffer_large_enough_is_reused_and_small_ones_are_not_kept() {
        let pool = Pool::new(16 * MIN_LEN);
        pool.recycle(vec![0; MIN_LEN - 1]);
        pool.recycle(vec![0; 17 * MIN_LEN]);
        assert!(pool.is_empty(), "below MIN_LEN or above the pool's bytes");
        let (big, fits) = (vec![0u8; 8 * MIN_LEN], vec![0u8; 5 * MIN_LEN]);
        let fits_ptr = fits.as_ptr();
        pool.recycle(big);
        pool.recycle(fits);
        let reused = pool.zeroed(4 * MIN_LEN);
        assert_eq!(reused.as_ptr(), fits_ptr, "5 MiB, not 8, for 4 MiB");
        assert_eq!(pool.len(), 1, "the 8 MiB buffer is still kept");
    }

    #[test]
    fn a_buffer_far_too_large_is_shrunk_and_one_too_small_grows() {
        let pool = Pool::new(16 * MIN_LEN);
        pool.recycle(vec![9; 8 * MIN_LEN]);
        let small = pool.zeroed(2 * MIN_LEN);
        assert!(pool.is_empty(), "the 8 MiB buffer served a 2 MiB frame");
        assert!(
            small.capacity() <= 2 * MIN_LEN + MIN_LEN / 2,
            "and was shrunk"
        );
        assert!(small.len() == 2 * MIN_LEN && small.iter().all(|&b| b == 0));

        let two = vec![7; 2 * MIN_LEN];
        let two_ptr = two.as_ptr();
        pool.recycle(two);
        pool.recycle(vec![7; 3 * MIN_LEN]);
        let grown = pool.zeroed(4 * MIN_LEN);
        assert_eq!(grown.len(), 4 * MIN_LEN);
        assert_eq!(grown.capacity(), 4 * MIN_LEN, "grown exactly, not doubled");
        assert!(grown.iter().all(|&b| b == 0));
        let left = pool.zeroed(2 * MIN_LEN);
        assert_eq!(
            left.as_ptr(),
            two_ptr,
            "the 3 MiB buffer grew, the 2 MiB one was left"
        );
        assert!(pool.is_empty());
    }

    #[test]
    fn a_buffer_up_to_twice_the_frame_is_kept_whole_and_a_spare_capacity_is_trimmed() {
        let pool = Pool::new(16 * MIN_LEN);
        let three = vec![5u8; 3 * MIN_LEN];
        let ptr = three.as_ptr();
        pool.recycle(three);
        let two = pool.zeroed(2 * MIN_LEN);
        assert_eq!((two.as_ptr(), two.capacity()), (ptr, 3 * MIN_LEN));
        assert!(two.len() == 2 * MIN_LEN && two.iter().all(|&b| b == 0));

        let mut roomy = Vec::with_capacity(8 * MIN_LEN);
        roomy.resize(2 * MIN_LEN, 1u8);
        pool.recycle(roomy);
        let again = pool.zeroed(2 * MIN_LEN);
        assert_eq!(
            again.capacity(),
            2 * MIN_LEN,
            "kept trimmed to what it held"
        );
    }

    #[test]
    fn the_pool_keeps_at_most_its_bytes_and_frees_the_oldest() {
        // 3.5 MiB: 3 then 1 is over, so the 3 goes; 1 then 2 fits.
        let pool = Pool::new(3 * MIN_LEN + MIN_LEN / 2);
        let mut ptrs = Vec::new();
        for mib in [3, 1, 2] {
            let buf = vec![0u8; mib * MIN_LEN];
            ptrs.push(buf.as_ptr());
            pool.recycle(buf);
        }
        assert_eq!(pool.len(), 2);
        let (two, one) = (pool.zeroed(2 * MIN_LEN), pool.zeroed(MIN_LEN));
        assert_eq!((two.as_ptr(), one.as_ptr()), (ptrs[2], ptrs[1]));
        assert!(pool.is_empty());
    }
}
