//! The `fanlight` command line: argument parsing (clap, presets), the commands, the live view.
//! It turns arguments into the library's [`Config`] and the library's results into text and exit
//! codes; all the photo work is the library's.

mod args;
mod compare;
mod convert;
mod live;
mod presets;
mod report;

use std::ffi::OsString;

use clap::Parser;

use args::{Cli, Command, ReportCommand};

/// Exit codes, as documented in the README.
const EXIT_OK: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INTERRUPTED: u8 = 130;

/// Runs the command line `argv` (program name first) and returns the exit code.
pub fn main(argv: Vec<OsString>) -> u8 {
    let argv = match presets::expand(argv) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One line naming the option and what it accepts; clap's full text adds only a hint.
            // A line ending in ':' is followed by what it is about (a missing option, say).
            let text = e.to_string();
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("invalid arguments");
            let more = if first.ends_with(':') {
                lines.next().unwrap_or_default().trim()
            } else {
                ""
            };
            let line = if more.is_empty() {
                first.to_string()
            } else {
                format!("{first} {more}")
            };
            eprintln!("{line}\n(see fanlight --help)");
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
        Some(Command::Convert(args)) if args.dry_run => convert::dry_run(&args.to_config()),
        Some(Command::Convert(args)) => convert::convert(&convert::Run {
            config: args.to_config(),
            quiet: args.quiet,
            progress: args.progress,
            report: args.report.clone(),
            report_html: args.report_html.clone(),
            trace: args.trace.clone(),
        }),
        None => convert::demo(),
    }
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
