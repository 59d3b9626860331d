//! The builder the wiring uses: each call adds one stage, spawns its workers inside the run's
//! thread scope and returns the queue it feeds. Channel ends are moved into the workers and the
//! builder's own copies are dropped when each call returns, so only workers hold senders and the
//! drain of DESIGN.md ("a stage sees its input disconnect only once every upstream worker has
//! finished") holds by construction.

use std::sync::Arc;
use std::thread::{self, Scope, ScopedJoinHandle};

use crossbeam_channel::{bounded, Receiver, Sender};

use crate::config::PoolSize;
use crate::metrics::clock::WorkerClock;
use crate::metrics::live::LiveStage;
use crate::pipeline::{serve, Gate, Item, Shared, Stage};
use crate::stage_name::StageName;

/// How many workers a stage has, and whether an `auto` gate sizes them during the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pool {
    pub threads: usize,
    pub auto: bool,
}

impl Pool {
    /// A single worker (`resize`, `watermark`, and `collect` as a consumer).
    pub const ONE: Pool = Pool {
        threads: 1,
        auto: false,
    };

    /// The pool `size` asks for on a machine of `cores` cores: `auto` starts every core's
    /// thread and lets the controller park those it does not need.
    pub fn of(size: PoolSize, cores: usize) -> Pool {
        match size {
            PoolSize::Fixed(n) => Pool {
                threads: n.max(1),
                auto: false,
            },
            PoolSize::Auto => Pool {
                threads: cores.max(1),
                auto: true,
            },
        }
    }
}

/// One working stage as the run watches it: its live counters and, for an auto pool, its gate.
pub(super) struct Watched {
    pub live: Arc<LiveStage>,
    pub gate: Option<Arc<Gate>>,
}

/// A queue, kept only to sample its depth (receivers never hold a drain open).
pub(super) struct Probe {
    pub from: StageName,
    pub rx: Receiver<Item>,
}

/// What the graph leaves behind once every stage is spawned.
pub(super) struct Spawned<'scope> {
    pub workers: Vec<ScopedJoinHandle<'scope, WorkerClock>>,
    pub stages: Vec<Watched>,
    pub probes: Vec<Probe>,
}

/// Spawns stages in pipeline order.
pub(super) struct Graph<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    shared: &'scope Shared,
    capacity: Option<usize>,
    spawned: Spawned<'scope>,
}

impl<'scope, 'env> Graph<'scope, 'env> {
    /// A graph whose queues hold `capacity` items each, or twice their consumer's workers.
    pub fn new(
        scope: &'scope Scope<'scope, 'env>,
        shared: &'scope Shared,
        capacity: Option<usize>,
    ) -> Self {
        let spawned = Spawned {
            workers: Vec::new(),
            stages: Vec::new(),
            probes: Vec::new(),
        };
        Graph {
            scope,
            shared,
            capacity,
            spawned,
        }
    }

    /// The first stage: one thread running `feed` with the sending end of the queue it feeds to
    /// a stage of `consumers` workers.
    pub fn source(
        &mut self,
        name: StageName,
        consumers: Pool,
        feed: impl FnOnce(Sender<Item>) + Send + 'scope,
    ) -> Receiver<Item> {
        let (tx, rx) = self.queue(name, consumers);
        spawn(self.scope, name.to_string(), move || feed(tx));
        rx
    }

    /// A stage of `pool` workers, each made by `make`, serving `input` and feeding the returned
    /// queue, which is sized for a next stage of `consumers` workers.
    pub fn stage<S: Stage + Send + 'scope>(
        &mut self,
        input: Receiver<Item>,
        pool: Pool,
        consumers: Pool,
        mut make: impl FnMut() -> S,
    ) -> Receiver<Item> {
        let (tx, rx) = self.queue(S::NAME, consumers);
        let live = Arc::new(LiveStage::new(S::NAME, pool.threads));
        // Auto pools start with every thread active and are narrowed to their measured share.
        let gate = pool
            .auto
            .then(|| Arc::new(Gate::new(pool.threads, pool.threads)));
        for index in 0..pool.threads {
            let stage = make();
            let (input, tx) = (input.clone(), tx.clone());
            let (live, gate, shared) = (live.clone(), gate.clone(), self.shared);
            let worker = spawn(self.scope, format!("{}-{index}", S::NAME), move || {
                serve(stage, index, &input, &tx, shared, &live, gate.as_deref())
            });
            self.spawned.workers.push(worker);
        }
        self.spawned.stages.push(Watched { live, gate });
        rx
        // `input` and `tx` drop here: from now on only this stage's workers hold them.
    }

    /// Every worker, stage and queue spawned so far.
    pub fn finish(self) -> Spawned<'scope> {
        self.spawned
    }

    fn queue(&mut self, from: StageName, consumers: Pool) -> (Sender<Item>, Receiver<Item>) {
        let capacity = self.capacity.unwrap_or(2 * consumers.threads).max(1);
        let (tx, rx) = bounded(capacity);
        self.spawned.probes.push(Probe {
            from,
            rx: rx.clone(),
        });
        (tx, rx)
    }
}

/// Spawns a named scoped thread.
fn spawn<'scope, T: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    name: String,
    f: impl FnOnce() -> T + Send + 'scope,
) -> ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .name(name)
        .spawn_scoped(s, f)
        .expect("the OS can start a pipeline thread")
}
