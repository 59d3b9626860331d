//! `fanlight convert` (and the demo): check the paths, run the pipeline with the live view,
//! print the summary, write the report and trace, map the outcome to an exit code.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::parser::ValueSource;
use clap::ArgMatches;
use fanlight::names::shown;
use fanlight::report::{
    manifest_json, report_html, report_json, save_with, summary, summary_line, write_report_json,
    write_trace_json,
};
use fanlight::{CancelReason, CancelToken, Config, Report, RunContext};

use super::args::{ConvertArgs, ProgressArg};
use super::checks;
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
    /// Where the manifest of the outputs goes (`--manifest`).
    pub manifest: Option<PathBuf>,
    /// The whole stage table even for one photo (`--stats`).
    pub stats: bool,
    /// The one file `-o FILE` names, when a single input file goes to it.
    pub file: Option<PathBuf>,
}

/// `fanlight convert`: works out where the outputs go, checks every path it will write and
/// warns of options that do nothing, all before any work; then runs (or lists, with
/// `--dry-run`). `typed` is the command line as typed, without a preset's additions.
pub fn start(args: &ConvertArgs, typed: Option<&ArgMatches>) -> u8 {
    let mut config = args.to_config();
    let file = match output_file(args, typed) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if let Some(file) = &file {
        // A bare name's folder is the empty path, so messages name `small.jpg`, not `./small.jpg`.
        config.output_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        config.name_template = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    if args.dry_run {
        return dry_run(&config);
    }
    let mut problems = Vec::new();
    if !config.in_place {
        problems.extend(checks::writable_folder(&config.output_dir).err());
    }
    for (option, path) in [
        ("--report", &args.report),
        ("--report-html", &args.report_html),
        ("--trace", &args.trace),
        ("--manifest", &args.manifest),
    ] {
        if let Some(path) = path {
            problems.extend(checks::writable_file(option, path).err());
        }
    }
    if !problems.is_empty() {
        for p in problems {
            eprintln!("error: {p}");
        }
        return EXIT_USAGE;
    }
    if let (false, Some(typed)) = (args.quiet, typed) {
        let format = checks::output_format(args, &config.name_template);
        for warning in checks::idle_options(args, typed, format) {
            eprintln!("{warning}");
        }
    }
    convert(&Run {
        config,
        quiet: args.quiet,
        progress: args.progress,
        report: args.report.clone(),
        report_html: args.report_html.clone(),
        trace: args.trace.clone(),
        manifest: args.manifest.clone(),
        stats: args.stats,
        file,
    })
}

/// The file `-o` names when the input is a single file and `-o` has a photo extension
/// (`-o small.jpg`) and is not a folder already: that file is written, not a folder of that
/// name. `--name` then has nothing to name, so giving both is an error.
fn output_file(args: &ConvertArgs, typed: Option<&ArgMatches>) -> Result<Option<PathBuf>, String> {
    let out = &args.output;
    let one_file = args.inputs.len() == 1 && !args.inputs[0].is_dir();
    let folder_meant = out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/');
    let photo_name = out.extension().is_some_and(|e| {
        PHOTO_EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
    });
    if args.in_place || !one_file || folder_meant || !photo_name {
        return Ok(None);
    }
    let named = typed.is_some_and(|m| m.value_source("name") == Some(ValueSource::CommandLine));
    if named {
        return Err(format!(
            "-o {} names the output file, so --name has nothing to name: drop --name, or give -o a folder",
            shown(out)
        ));
    }
    let same = |a: &Path, b: &Path| {
        a == b
            || std::fs::canonicalize(a).ok() == Some(b).and_then(|b| std::fs::canonicalize(b).ok())
    };
    if same(out, &args.inputs[0]) {
        return Err(format!(
            "-o {} is the input itself: fanlight never writes over an input without --in-place (give --in-place to replace it, or another name)",
            shown(out)
        ));
    }
    Ok(Some(out.clone()))
}

/// Extensions that make `-o NAME.ext` a file for a single input file.
const PHOTO_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "jpe", "png", "webp", "avif"];

/// The folder `cargo run` runs fanlight for, when it is fanlight's own repository (Cargo sets
/// `CARGO` and `CARGO_MANIFEST_DIR` for the programs it runs) and holds the bundled photos; an
/// installed fanlight, or one run by hand, gets `None`.
#[must_use]
pub fn cargo_run_in_repository() -> Option<PathBuf> {
    let built = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("CARGO")?;
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    (here == built && built.join("assets/photos").is_dir()).then(|| built.to_path_buf())
}

/// The demo job, for `cargo run` in fanlight's repository: the bundled photos into the
/// repository's own `output/` folder (kept empty in git), wherever the command was typed.
pub fn demo(repo: &Path) -> u8 {
    let photos = repo.join("assets/photos");
    let output = repo.join("output");
    eprintln!(
        "fanlight: run by cargo in its repository with no command, so running the demo: {} -> {} (fit 400x400, unsharp, watermark); see fanlight convert --help",
        shown(&photos),
        shown(&output)
    );
    convert(&Run {
        config: Config::demo(vec![photos], output),
        quiet: false,
        progress: ProgressArg::Auto,
        report: None,
        report_html: None,
        trace: None,
        manifest: None,
        stats: true,
        file: None,
    })
}

/// Why a run found no photo: what was searched and with which patterns.
fn nothing_found(config: &Config) -> String {
    let inputs: Vec<String> = config.inputs.iter().map(|p| shown(p).to_string()).collect();
    let inputs = inputs.join(", ");
    let depth = if config.select.recursive {
        ""
    } else {
        " (not their subfolders: --no-recursive)"
    };
    let quoted = |patterns: &[String]| {
        patterns
            .iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut filters = Vec::new();
    if !config.select.include.is_empty() {
        filters.push(format!("--include {}", quoted(&config.select.include)));
    }
    if !config.select.exclude.is_empty() {
        filters.push(format!("--exclude {}", quoted(&config.select.exclude)));
    }
    if filters.is_empty() {
        format!(
            "no photos found in {inputs}{depth}: folders are searched for photo files (.jpg, .png, .webp, .heic and the like); name the files, or a folder that holds them"
        )
    } else {
        format!(
            "no photo in {inputs}{depth} matched {}: patterns are matched, case-sensitively, against each file's name and its path below its input folder (try --dry-run without them)",
            filters.join(" and ")
        )
    }
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
    let mut code = exit_code(&report);
    if report.total == 0 && report.skipped.is_empty() {
        if config.select.shard.is_some() {
            // A shard of a small batch may well be empty; the other shards have the photos.
            eprintln!("fanlight: this shard has no photos");
        } else {
            eprintln!("error: {}", nothing_found(config));
            code = EXIT_SOME_FAILED;
        }
    } else if !run.quiet {
        if report.inputs.is_empty() && !report.skipped.is_empty() && !run.stats {
            // Nothing to do: a table of zeros would say nothing.
            eprintln!(
                "{} {} found, every output exists already (--on-exists skip): nothing written",
                report.total,
                plural(report.total, "photo", "photos"),
            );
        } else if report.total + report.skipped.len() == 1 && !run.stats {
            eprintln!("{}", summary_line(&report));
        } else {
            eprint!("{}", summary(&report));
        }
        match &run.file {
            _ if config.in_place => eprintln!("output: beside each input (--in-place)"),
            Some(file) => eprintln!("output: {}", shown(file)),
            None => eprintln!("output: {}", shown(&config.output_dir)),
        }
    }
    // Each document is made only when asked for, and the report and the trace are streamed to
    // their files, never held: those of a large run are large. The page is rendered from the
    // JSON document, as `fanlight report FILE --html` does.
    type Fill<'a> = &'a dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>;
    let documents: [(&Option<PathBuf>, Fill); 4] = [
        (&run.report, &|out| write_report_json(&report, out)),
        (&run.trace, &|out| write_trace_json(&report, out)),
        (&run.manifest, &|out| {
            let doc = manifest_json(&report, &config.output_dir);
            serde_json::to_writer_pretty(out, &doc).map_err(std::io::Error::other)
        }),
        (&run.report_html, &|out| {
            out.write_all(report_html(&report_json(&report)).as_bytes())
        }),
    ];
    for (path, fill) in documents {
        let Some(path) = path else { continue };
        if let Err(e) = save_with(path, fill) {
            eprintln!("error: cannot write {}: {e}", shown(path));
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
    let mut outputs = 0;
    // A reader that stops early (`| head`) ends the listing, not with a panic. Lines go out as
    // they come: a million photos are never held as text.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (job, refusal) in plan.jobs() {
        let shown_src = shown(&job.src);
        let listed = match refusal {
            None => {
                outputs += job.outputs.len();
                job.outputs
                    .iter()
                    .try_for_each(|o| writeln!(out, "{shown_src} -> {}", shown(&o.dst)))
            }
            Some(e) => writeln!(out, "{shown_src} -> refused: {e}"),
        };
        if listed.is_err() {
            return EXIT_OK;
        }
    }
    for (src, dst) in plan.skipped() {
        if writeln!(out, "{} -> skipped: {} exists", shown(&src), shown(&dst)).is_err() {
            return EXIT_OK;
        }
    }
    if out.flush().is_err() {
        return EXIT_OK;
    }
    let photos = plan.len();
    if config.variants.len() > 1 {
        eprintln!(
            "dry run: {photos} {} to process into {outputs} {}, {} {} skipped; nothing written",
            plural(photos, "photo", "photos"),
            plural(outputs, "file", "files"),
            plan.skipped().len(),
            plural(plan.skipped().len(), "file", "files"),
        );
    } else {
        eprintln!(
            "dry run: {photos} to process, {} skipped; nothing written",
            plan.skipped().len()
        );
    }
    EXIT_OK
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
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
