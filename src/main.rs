//! The `fanlight` command: parse, configure, run, print, exit. All logic lives in the library;
//! the command line's own parts are in `src/cli/`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::bound_allocator();
    ExitCode::from(cli::main(std::env::args_os().collect()))
}
