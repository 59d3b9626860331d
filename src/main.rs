//! The `fanlight` command: parse, configure, run, print, exit. All logic lives in the library.

mod cli;
mod compare_cli;
mod preset_cli;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use fanlight::metrics::json::{report_json, trace_json};
use fanlight::metrics::progress::{LiveView, ViewMode};
use fanlight::metrics::table::summary;
use fanlight::{CancelReason, Config, Report};

use cli::{Cli, Command, ProgressArg, ReportCommand};

/// Exit codes, as documented in the README.
const EXIT_OK: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    bound_allocator();
    let argv = match preset_cli::expand(std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
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
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let run = match &cli.command {
        Some(Command::Compare(args)) => return ExitCode::from(compare_cli::run(args)),
        Some(Command::Presets { name }) => {
            return ExitCode::from(preset_cli::list(name.as_deref()))
        }
        Some(Command::Report(args)) => match (&args.command, &args.report, &args.html) {
            (Some(ReportCommand::Merge { reports, output }), _, _) => {
                return ExitCode::from(merge_reports(reports, output.as_deref()));
            }
            (None, Some(report), Some(html)) => return ExitCode::from(render_report(report, html)),
            // clap requires REPORT and --html without a subcommand.
            _ => unreachable!("clap checks fanlight report's arguments"),
        },
        Some(Command::Convert(args)) if args.dry_run => {
            return ExitCode::from(dry_run(&args.to_config()));
        }
        Some(Command::Convert(args)) => Run {
            config: args.to_config(),
            quiet: args.quiet,
            progress: args.progress,
            report: args.report.clone(),
            report_html: args.report_html.clone(),
            trace: args.trace.clone(),
        },
        None => match demo_config() {
            Some(config) => Run {
                config,
                quiet: false,
                progress: ProgressArg::Auto,
                report: None,
                report_html: None,
                trace: None,
            },
            None => {
                eprintln!("error: no command given and no assets/photos folder here to demo on; try fanlight --help");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    ExitCode::from(convert(&run))
}

/// A conversion and how to present it.
struct Run {
    config: Config,
    quiet: bool,
    progress: ProgressArg,
    report: Option<PathBuf>,
    report_html: Option<PathBuf>,
    trace: Option<PathBuf>,
}

/// The demo job on the bundled photos, found beside the working directory or the source tree.
fn demo_config() -> Option<Config> {
    let here = PathBuf::from("assets/photos");
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/photos");
    let photos = [here, built].into_iter().find(|p| p.is_dir())?;
    eprintln!(
        "fanlight: no command given, so running the demo: {} -> output/ (fit 400x400, unsharp, watermark); see fanlight --help",
        photos.display()
    );
    Some(Config::demo(vec![photos], "output"))
}

/// Runs the conversion, printing progress, failures and the summary; returns the exit code.
fn convert(run: &Run) -> u8 {
    let config = &run.config;
    install_interrupt_handler(config);
    let terminal = std::io::stderr().is_terminal();
    // Control characters only ever go to a terminal.
    let mode = match run.progress {
        _ if run.quiet || !terminal => ViewMode::None,
        ProgressArg::Auto | ProgressArg::Bar => ViewMode::Bar,
        ProgressArg::Stages => ViewMode::Stages,
        ProgressArg::None => ViewMode::None,
    };
    let mut view = LiveView::new(mode);
    let report = match fanlight::pipeline::run_with(config, &mut view) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    view.finish();
    if !run.quiet {
        eprint!("{}", summary(&report));
        eprintln!("output: {}", config.output_dir.display());
    }
    let mut code = exit_code(&report);
    let doc = report_json(&report);
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).expect("JSON serialises");
    // The page is rendered from the JSON document, as `fanlight report FILE --html` does.
    let documents: [(&Option<PathBuf>, &dyn Fn() -> String); 3] = [
        (&run.report, &|| pretty(&doc)),
        (&run.trace, &|| pretty(&trace_json(&report))),
        (&run.report_html, &|| fanlight::html::report_html(&doc)),
    ];
    for (path, render) in documents {
        let Some(path) = path else { continue };
        if let Err(e) = std::fs::write(path, render()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            code = code.max(EXIT_USAGE);
        }
    }
    code
}

/// Prints what a run would do, on standard output, and writes nothing.
fn dry_run(config: &Config) -> u8 {
    let plan = match fanlight::stages::discover::plan(config) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    for (job, refusal) in &plan.jobs {
        match refusal {
            None => println!("{} -> {}", job.src.display(), job.dst.display()),
            Some(e) => println!("{} -> refused: {e}", job.src.display()),
        }
    }
    for (src, dst) in &plan.skipped {
        println!("{} -> skipped: {} exists", src.display(), dst.display());
    }
    eprintln!(
        "dry run: {} to process, {} skipped; nothing written",
        plan.jobs.len(),
        plan.skipped.len()
    );
    EXIT_OK
}

/// `fanlight report FILE --html OUT`: renders a saved (or merged) report as a page.
fn render_report(report: &Path, html: &Path) -> u8 {
    let doc: serde_json::Value = match std::fs::read_to_string(report)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("error: cannot read report {}: {e}", report.display());
            return EXIT_USAGE;
        }
    };
    if doc
        .get("wall_s")
        .and_then(serde_json::Value::as_f64)
        .is_none()
        || !doc["stages"].is_array()
    {
        eprintln!(
            "error: {} is not a fanlight --report document (no wall_s or stages)",
            report.display()
        );
        return EXIT_USAGE;
    }
    if let Err(e) = std::fs::write(html, fanlight::html::report_html(&doc)) {
        eprintln!("error: cannot write {}: {e}", html.display());
        return EXIT_USAGE;
    }
    EXIT_OK
}

/// `fanlight report merge`: reads the shards' reports, writes the merged one.
fn merge_reports(paths: &[PathBuf], output: Option<&Path>) -> u8 {
    let mut docs = Vec::new();
    for path in paths {
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(doc) => docs.push((path.display().to_string(), doc)),
            Err(e) => {
                eprintln!("error: cannot read report {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    let merged = match fanlight::metrics::merge::merge_reports(&docs) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let text = serde_json::to_string_pretty(&merged).expect("JSON serialises");
    match output {
        None => println!("{text}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    EXIT_OK
}

fn exit_code(report: &Report) -> u8 {
    if report.cancel_reason == Some(CancelReason::Interrupted) {
        EXIT_INTERRUPTED
    } else if report.failed + report.cancelled > 0 {
        EXIT_SOME_FAILED
    } else {
        EXIT_OK
    }
}

/// First Ctrl-C or SIGTERM: stop starting new work and drain. Second: leave at once (temporary
/// files left behind are removed by the next run).
fn install_interrupt_handler(config: &Config) {
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    let cancel = config.cancel.clone();
    let result = ctrlc::set_handler(move || {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        eprintln!("\nfanlight: interrupted; finishing writes under way (Ctrl-C again to quit now)");
        cancel.cancel(CancelReason::Interrupted);
    });
    if let Err(e) = result {
        eprintln!("warning: cannot handle Ctrl-C cleanly: {e}");
    }
}

/// Keeps peak memory independent of the number of photos. glibc's allocator raises its mmap
/// threshold each time a large block is freed, so after the first frame the frames (tens of MB
/// each) come from its heaps, which fragment and keep growing over a long batch (317 MB at 290
/// photos against 272 MB at 29, in one measurement). A fixed 1 MiB threshold makes every frame
/// buffer a mapping of its own, returned to the system when freed (213 MB at 290 photos).
fn bound_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
