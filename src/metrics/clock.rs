//! The three clocks every worker keeps: busy, starved (waiting to receive) and blocked (waiting
//! to send, i.e. backpressure), plus one span per item for percentiles and traces.

use std::time::Duration;

use crate::spool::{put_u64, take_u64, Record, Spool};
use crate::stage_name::StageName;

/// One item's work on one worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The item's id.
    pub item: usize,
    /// The one output of the item's the frame made (an index into its job's outputs), when the
    /// photo has several and the frame only this one (after `watermark` split it).
    pub output: Option<u32>,
    /// When the work started, since the run began.
    pub start: Duration,
    /// How long it took.
    pub busy: Duration,
}

impl Record for Span {
    fn put(&self, out: &mut Vec<u8>) {
        put_u64(out, self.item as u64);
        self.output.map(u64::from).put(out);
        for d in [self.start, self.busy] {
            put_u64(out, u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        }
    }

    fn take(input: &mut &[u8]) -> Option<Self> {
        let item = usize::try_from(take_u64(input)?).ok()?;
        let output = match <Option<u64> as Record>::take(input)? {
            Some(o) => Some(u32::try_from(o).ok()?),
            None => None,
        };
        let start = Duration::from_nanos(take_u64(input)?);
        let busy = Duration::from_nanos(take_u64(input)?);
        Some(Span {
            item,
            output,
            start,
            busy,
        })
    }
}

/// What one worker measured over the run.
#[derive(Debug, Clone)]
pub struct WorkerClock {
    /// Its stage.
    pub stage: StageName,
    /// Its index within the stage's pool.
    pub worker: usize,
    /// Wall time spent working (includes time the OS gave the core to another thread).
    pub busy: Duration,
    /// CPU time this thread used while working.
    pub cpu: Duration,
    /// Time spent waiting for input.
    pub starved: Duration,
    /// Time spent waiting for room downstream.
    pub blocked: Duration,
    /// One span per item it worked on, in the order it took them (kept in a spool: memory
    /// up to 256 KiB, then a temporary file).
    pub spans: Spool<Span>,
}

impl WorkerClock {
    /// A clock at zero.
    #[must_use]
    pub fn new(stage: StageName, worker: usize) -> Self {
        WorkerClock {
            stage,
            worker,
            busy: Duration::ZERO,
            cpu: Duration::ZERO,
            starved: Duration::ZERO,
            blocked: Duration::ZERO,
            spans: Spool::default(),
        }
    }
}

/// CPU time used so far by the calling thread; zero where the platform has no such clock.
#[must_use]
pub fn thread_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the OS knows.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn the_thread_cpu_clock_advances_with_work_not_with_sleep() {
        let start = thread_cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let worked = thread_cpu_time() - start;
        assert!(worked > Duration::ZERO);
        let before_sleep = thread_cpu_time();
        std::thread::sleep(Duration::from_millis(50));
        assert!(thread_cpu_time() - before_sleep < Duration::from_millis(25));
    }
}
