//! The `fanlight` command: parse, configure, run, print, exit. All logic lives in the library;
//! the command line's own parts are in `src/cli/`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::bound_allocator();
    // Messages advise the command line's flags (`--lenient`), not the library's fields.
    fanlight::name_options_as_flags();
    ExitCode::from(cli::main(std::env::args_os().collect()))
}
