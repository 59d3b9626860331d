//! fanlight's integration tests, one module per subject, built as one test binary: each binary
//! links the whole library and its codecs, so one binary instead of one per file keeps a clean
//! `cargo test` build short. `cargo test --test suite MODULE::` runs one subject's tests.

mod common;

mod bad_input;
mod cli;
mod cli_help;
mod compare_cli;
mod determinism;
mod drain;
mod fit;
mod folders;
mod formats;
mod golden;
mod input_formats;
mod interrupt;
mod layers;
mod metadata;
mod no_surprises;
mod orientation;
mod outputs;
mod presets;
mod report;
mod report_html;
mod report_merge;
mod shared_folders;
mod stress;
mod timeout;
mod variants;
mod watermark;
mod write_failures;
