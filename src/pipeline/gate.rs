//! The gate of an `auto`-sized pool: all its threads exist from the start, but only the first
//! `target` of them take items. The controller in `collect` moves the target between items; a
//! parked worker holds no item, and when the pool's input is drained the gate opens for good so
//! parked workers exit and drop their senders (the drain must never wait on them).

use std::sync::{Condvar, Mutex};

#[derive(Debug)]
struct State {
    target: usize,
    peak: usize,
    closed: bool,
}

/// Shared by the workers of one pool.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<State>,
    changed: Condvar,
    /// Threads in the pool: the target never exceeds it.
    pub threads: usize,
}

impl Gate {
    pub(crate) fn new(threads: usize, target: usize) -> Self {
        let target = target.clamp(1, threads.max(1));
        Gate {
            state: Mutex::new(State {
                target,
                peak: target,
                closed: false,
            }),
            changed: Condvar::new(),
            threads,
        }
    }

    /// Blocks worker `index` while it is beyond the target. Returns `false` when the pool's input
    /// is drained and the worker should exit.
    pub(crate) fn wait_turn(&self, index: usize) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while index >= s.target && !s.closed {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        !s.closed || index < s.target
    }

    /// Sets how many workers take items (at least 1, at most the pool's threads).
    pub(crate) fn set_target(&self, target: usize) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let target = target.clamp(1, self.threads.max(1));
        if s.target != target {
            s.target = target;
            s.peak = s.peak.max(target);
            self.changed.notify_all();
        }
    }

    /// Called by a worker that found the input empty and disconnected: wakes everyone to exit.
    pub(crate) fn close(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.closed = true;
        self.changed.notify_all();
    }

    /// The current target.
    #[cfg(test)]
    pub(crate) fn target(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).target
    }

    /// The largest target the pool had.
    pub(crate) fn peak(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).peak
    }
}

/// Workers for each auto pool so that no pool limits the throughput that `cores` could reach:
/// `ceil(cores × cost / total cost)`, where costs are the measured seconds per item of every
/// stage (fixed single-worker stages included in the total). The costliest stage gets one worker
/// more (still within the pool's threads): its photos vary most in cost, and a second worker
/// keeps a slow photo from starving every stage behind it. On the J1 folder this headroom was
/// what separated `auto` from the best hand-picked setting (README, "--workers auto").
#[must_use]
pub(crate) fn plan_targets(cores: usize, costs: &[f64]) -> Vec<usize> {
    let total: f64 = costs.iter().sum();
    if total <= 0.0 {
        return vec![1; costs.len()];
    }
    let costliest = costs
        .iter()
        .enumerate()
        .fold(0, |best, (i, &c)| if c > costs[best] { i } else { best });
    costs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fair = ((cores as f64 * c / total).ceil() as usize).max(1);
            if i == costliest {
                fair + 1
            } else {
                fair
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn targets_follow_stage_costs() {
        // load 30 ms, resize 10, filter 20, watermark 1, write 40: on 2 cores one worker each
        // already exceeds what the cores can feed, plus one for the costliest stage (write); on
        // 4, load and write need two, and write gets its extra one.
        let costs = [0.030, 0.010, 0.020, 0.001, 0.040];
        assert_eq!(plan_targets(2, &costs), [1, 1, 1, 1, 2]);
        assert_eq!(plan_targets(4, &costs), [2, 1, 1, 1, 3]);
        assert_eq!(
            plan_targets(16, &[0.01, 0.0, 0.08, 0.0, 0.01]),
            [2, 1, 14, 1, 2]
        );
        assert_eq!(plan_targets(4, &[0.0; 5]), [1; 5]);
    }

    #[test]
    fn parked_workers_wake_to_exit_when_the_pool_closes() {
        let gate = Arc::new(Gate::new(4, 1));
        let g = gate.clone();
        let parked = std::thread::spawn(move || g.wait_turn(3));
        std::thread::sleep(std::time::Duration::from_millis(20));
        gate.close();
        assert!(!parked.join().unwrap(), "a parked worker exits when closed");
        assert!(gate.wait_turn(0), "worker 0 still drains what it holds");
        gate.set_target(9);
        assert_eq!(
            (gate.target(), gate.peak()),
            (4, 4),
            "never beyond the pool's threads"
        );
    }
}
