//! The framework that stages plug into: what travels through the queues ([`Frame`], [`Item`]),
//! the per-item [`Stage`] trait, the instrumented worker loop that serves one queue, and the gate
//! of `auto`-sized pools. It knows no particular stage: `run` wires the stages together.

mod frame;
mod gate;
mod worker;

pub use frame::{Failure, Frame, Item, Job, Output, Warning, Written};
pub(crate) use gate::{plan_targets, Gate};
pub(crate) use worker::{serve, Shared};
pub use worker::{Injector, Stage};
