//! The clocks every worker keeps and the live counters `collect` reads while a run goes on. They
//! know only [`StageName`](crate::StageName): the report and the live view are built on them.

pub mod clock;
pub mod live;
