//! The `fanlight` command line: argument parsing (clap, presets), the commands, the live view.
//! It turns arguments into the library's [`Config`] and the library's results into text and exit
//! codes; all the photo work is the library's.

mod args;
mod checks;
mod compare;
mod convert;
mod live;
mod presets;
mod report;
mod suggest;
mod to_config;

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches};

use args::{Cli, Command, ReportCommand};

/// Exit codes, as documented in the README.
const EXIT_OK: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INTERRUPTED: u8 = 130;

/// Runs the command line `argv` (program name first) and returns the exit code.
pub fn main(argv: Vec<OsString>) -> u8 {
    if argv.len() <= 1 {
        return no_arguments();
    }
    let typed = argv.clone();
    let argv = match presets::expand(argv) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("error: {e}\n\nFor more information, try 'fanlight convert --help'.");
            return EXIT_USAGE;
        }
    };
    let parsed = Cli::command()
        .try_get_matches_from(&argv)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprint!("{}", suggest::clap_error(&e, &argv));
            return EXIT_USAGE;
        }
    };
    match &cli.command {
        Some(Command::Compare(args)) => compare::run(args),
        Some(Command::Presets { name }) => presets::list(name.as_deref()),
        Some(Command::Report(args)) => match (&args.command, &args.report, &args.html) {
            (Some(ReportCommand::Merge { reports, output }), _, _) => {
                report::merge(reports, output.as_deref())
            }
            (None, Some(saved), Some(html)) => report::render(saved, html),
            // clap requires REPORT and --html without a subcommand.
            _ => unreachable!("clap checks fanlight report's arguments"),
        },
        Some(Command::Convert(args)) => {
            // What the user typed, without a preset's additions: only those get warnings.
            let typed = Cli::command().try_get_matches_from(&typed).ok();
            let typed = typed.as_ref().and_then(|m| m.subcommand_matches("convert"));
            convert::start(args, typed)
        }
        None => no_arguments(),
    }
}

/// No arguments: the demo when `cargo run` runs fanlight in its own repository, else the usage
/// (as rg and vipsthumbnail do), never a conversion into the current folder.
fn no_arguments() -> u8 {
    if let Some(repo) = convert::cargo_run_in_repository() {
        return convert::demo(&repo);
    }
    eprint!("{}", Cli::command().render_help());
    EXIT_USAGE
}

/// Keeps peak memory independent of the number of photos. glibc's allocator raises its mmap
/// threshold each time a large block is freed, so after the first frame the frames (tens of MB
/// each) come from its heaps, which fragment and keep growing over a long batch (317 MB at 290
/// photos against 272 MB at 29, in one measurement). A fixed 1 MiB threshold makes every frame
/// buffer a mapping of its own, returned to the system when freed (213 MB at 290 photos).
pub fn bound_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
