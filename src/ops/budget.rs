//! A memory budget for decodes in flight, shared by the load workers: a decode waits until its
//! estimated memory fits beside the others'. A progressive JPEG keeps full-resolution
//! coefficient planes whatever its DCT scale (about 96 MB for 24 MP 4:2:2), so two at once are
//! most of a run's peak; with a budget they take turns, at some cost in throughput.

use std::sync::{Condvar, Mutex, PoisonError};

/// Bytes that decodes in flight may hold together.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// A decode's share of a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    #[must_use]
    pub fn new(limit: u64) -> Self {
        Budget {
            limit,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` fit beside the decodes in flight. A decode larger than the whole
    /// budget is let in alone, so nothing waits forever.
    pub fn acquire(&self, bytes: u64) -> Permit<'_> {
        let bytes = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used > 0 && *used + bytes > self.limit {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *used += bytes;
        Permit {
            budget: self,
            bytes,
        }
    }

    /// Bytes held now.
    #[must_use]
    pub fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_over_the_budget_take_turns_and_a_huge_one_goes_alone() {
        let budget = Budget::new(100);
        let a = budget.acquire(60);
        assert_eq!(budget.used(), 60);
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _b = budget.acquire(60);
                assert!(
                    done.load(std::sync::atomic::Ordering::SeqCst),
                    "waited for a"
                );
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            drop(a);
        });
        assert_eq!(budget.used(), 0);
        let huge = budget.acquire(1000);
        assert_eq!(budget.used(), 100, "clamped to the whole budget");
        drop(huge);
        let _small = budget.acquire(10);
        assert_eq!(budget.used(), 10);
    }
}
