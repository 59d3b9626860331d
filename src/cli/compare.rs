//! `fanlight compare`: golden-image comparison for users, over two images or two folders.
//!
//! Results go to stdout (one line per mismatch, then one summary line, then what `--update`
//! changed); errors go to stderr. Exit codes: 0 all match, 1 any mismatch, 2 usage error or
//! unreadable input.

use std::fs;
use std::path::PathBuf;

use clap::Args;
use fanlight::golden::{
    compare_dirs, compare_pair, update, DirOptions, DirReport, Tolerance, Verdict,
};

const EXIT_MATCH: u8 = 0;
const EXIT_MISMATCH: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Options of `fanlight compare`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 all match, 1 any mismatch, 2 usage error or unreadable input.\n\
    Mismatch lines and the summary go to stdout, errors to stderr."
)]
pub struct CompareArgs {
    /// The expected (golden) image, or folder of images.
    #[arg(value_name = "EXPECTED")]
    pub expected: PathBuf,

    /// The actual image, or folder of images.
    #[arg(
        value_name = "ACTUAL",
        long_help = "The actual image, or folder of images matched to EXPECTED's by relative path (by stem with --ignore-ext)."
    )]
    pub actual: PathBuf,

    /// Channel change a pixel may have (default: 0).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true,
        long_help = "A pixel differs when any channel moved by more than N (0 to 255). Default: 0."
    )]
    pub max_delta: u8,

    /// Share of pixels that may differ (default: 0).
    #[arg(
        long,
        value_name = "R",
        default_value = "0",
        hide_default_value = true,
        value_parser = parse_ratio,
        long_help = "Share of pixels allowed to differ: 0 to 1, or a percentage such as 0.5%. Default: 0."
    )]
    pub max_diff_ratio: f64,

    /// Write a difference image per mismatch into DIR.
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Write a difference image per mismatch to DIR/<relative path>.png (changed pixels in magenta over a faded copy of the expected image)."
    )]
    pub diff_dir: Option<PathBuf>,

    /// Write a JSON report of the comparison.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Write a JSON report (per file: verdict, PSNR, max delta, differing pixels; totals)."
    )]
    pub report: Option<PathBuf>,

    /// Write the comparison as an HTML page.
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Write a self-contained HTML page: the summary, and every differing pair's expected, actual and difference images side by side with their figures; missing and extra files."
    )]
    pub html: Option<PathBuf>,

    /// Pair images by stem: a.jpg with a.webp.
    #[arg(
        long,
        conflicts_with = "update",
        long_help = "Pair the folders' images by their relative path without the extension, so golden JPEGs can be compared with WebP or PNG outputs of the same photos (a.jpg with a.webp). Two images of one stem in a folder are then an error. Not with --update, which would copy one format's bytes under the other's name."
    )]
    pub ignore_ext: bool,

    /// Bless ACTUAL: copy it over EXPECTED.
    #[arg(
        long,
        long_help = "Bless ACTUAL: copy it over EXPECTED for mismatches and files only ACTUAL has, and list what changed. The exit status then says whether anything is still missing."
    )]
    pub update: bool,

    /// Print only mismatches and errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Parses a share of pixels: `0.01` or `1%`, from 0 to 1.
fn parse_ratio(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    match num.parse::<f64>().map(|v| v / scale) {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}': expected a share from 0 to 1 or a percentage such as 0.5%"
        )),
    }
}

/// Runs `fanlight compare` and returns the exit code.
pub fn run(args: &CompareArgs) -> u8 {
    let tol = Tolerance::new(args.max_delta, args.max_diff_ratio);
    let opts = DirOptions {
        diff_dir: args.diff_dir.clone(),
        ignore_ext: args.ignore_ext,
    };
    let is_dir = |path: &PathBuf| {
        fs::metadata(path)
            .map(|m| m.is_dir())
            .map_err(|e| format!("{}: {e} (check the path)", path.display()))
    };
    let result = match (is_dir(&args.expected), is_dir(&args.actual)) {
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
        (Ok(true), Ok(true)) => compare_dirs(&args.expected, &args.actual, &tol, &opts),
        (Ok(false), Ok(false)) => compare_pair(&args.expected, &args.actual, &tol, &opts),
        (Ok(expected_is_dir), Ok(_)) => {
            let (dir, file) = if expected_is_dir {
                (&args.expected, &args.actual)
            } else {
                (&args.actual, &args.expected)
            };
            eprintln!(
                "error: {} is a folder but {} is a file: compare two images or two folders",
                dir.display(),
                file.display()
            );
            return EXIT_ERROR;
        }
    };
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };

    for file in report.mismatches() {
        println!(
            "{} {}: {}",
            file.verdict.name(),
            file.path.display(),
            file.describe()
        );
    }
    if !args.quiet {
        println!("compare: {}", report.summary());
    }
    if let Some(path) = &args.report {
        if let Err(e) = report.write_json(path) {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    }
    if let Some(path) = &args.html {
        if let Err(e) = fanlight::golden::write_compare_html(&report, path) {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    }
    if args.update {
        return bless(&report, args.quiet);
    }
    if report.all_match() {
        EXIT_MATCH
    } else {
        EXIT_MISMATCH
    }
}

/// `--update`: copies the actual files over the expected ones and says what changed.
fn bless(report: &DirReport, quiet: bool) -> u8 {
    let changed = match update(report) {
        Ok(changed) => changed,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    if !quiet {
        for u in &changed {
            let what = if u.was == Verdict::Extra {
                "added"
            } else {
                "updated"
            };
            println!("{what} {} (was {})", u.target.display(), u.was);
        }
    }
    let missing: Vec<_> = report
        .files
        .iter()
        .filter(|f| f.verdict == Verdict::Missing)
        .collect();
    for f in &missing {
        println!(
            "kept {}: not in actual, so nothing to copy (delete the golden by hand if it is no longer produced)",
            f.expected.display()
        );
    }
    if !quiet {
        println!(
            "compare: updated {} golden{}",
            changed.len(),
            if changed.len() == 1 { "" } else { "s" }
        );
    }
    if missing.is_empty() {
        EXIT_MATCH
    } else {
        EXIT_MISMATCH
    }
}
