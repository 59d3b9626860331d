//! `fanlight convert` (and the demo): run the pipeline with the live view, print the summary,
//! write the report and trace, map the outcome to an exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use fanlight::report::{report_html, report_json, save, summary, trace_json};
use fanlight::{CancelReason, CancelToken, Config, Report, RunContext};

use super::args::ProgressArg;
use super::live::{LiveView, ViewMode};
use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};

/// A conversion and how to present it.
pub struct Run {
    pub config: Config,
    pub quiet: bool,
    pub progress: ProgressArg,
    pub report: Option<PathBuf>,
    pub report_html: Option<PathBuf>,
    pub trace: Option<PathBuf>,
}

/// No command: the demo job, or a pointer to the help when there are no photos to demo on.
pub fn demo() -> u8 {
    match demo_config() {
        Some(config) => convert(&Run {
            config,
            quiet: false,
            progress: ProgressArg::Auto,
            report: None,
            report_html: None,
            trace: None,
        }),
        None => {
            eprintln!("error: no command given and no assets/photos folder here to demo on; try fanlight --help");
            EXIT_USAGE
        }
    }
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
pub fn convert(run: &Run) -> u8 {
    let config = &run.config;
    let ctx = RunContext::default();
    install_interrupt_handler(&ctx.cancel);
    let terminal = std::io::stderr().is_terminal();
    // Control characters only ever go to a terminal.
    let mode = match run.progress {
        _ if run.quiet || !terminal => ViewMode::None,
        ProgressArg::Auto | ProgressArg::Bar => ViewMode::Bar,
        ProgressArg::Stages => ViewMode::Stages,
        ProgressArg::None => ViewMode::None,
    };
    let mut view = LiveView::new(mode);
    let report = match fanlight::run_with(config, &ctx, &mut view) {
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
    // Each document is built only when asked for: the trace of a large run is large. The page
    // is rendered from the JSON document, as `fanlight report FILE --html` does.
    let doc = (run.report.is_some() || run.report_html.is_some()).then(|| report_json(&report));
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).expect("JSON serialises");
    let documents: [(&Option<PathBuf>, &dyn Fn() -> String); 3] = [
        (&run.report, &|| {
            doc.as_ref().map(pretty).unwrap_or_default()
        }),
        (&run.trace, &|| pretty(&trace_json(&report))),
        (&run.report_html, &|| {
            doc.as_ref().map(report_html).unwrap_or_default()
        }),
    ];
    for (path, render) in documents {
        let Some(path) = path else { continue };
        if let Err(e) = save(path, render().as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            code = code.max(EXIT_USAGE);
        }
    }
    code
}

/// Prints what a run would do, on standard output, and writes nothing.
pub fn dry_run(config: &Config) -> u8 {
    let plan = match fanlight::plan(config) {
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
fn install_interrupt_handler(cancel: &CancelToken) {
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    let cancel = cancel.clone();
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
