//! The help and the errors of the command line read well at 80 columns: options under headings,
//! one line each in `-h`, examples in `--help`, "did you mean" for options, values and preset
//! keys, and errors pointing at the help of the command they are about.

use crate::common::*;

/// Runs fanlight with an 80-column terminal width (the help is wrapped to `COLUMNS` when
/// standard output is not a terminal).
fn at_80(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args(args)
        .current_dir(cwd)
        .env("COLUMNS", "80")
        .output()
        .expect("run fanlight")
}

#[test]
fn short_help_fits_80_columns_with_one_line_per_option_under_headings() {
    let tmp = tempdir();
    let o = at_80(&["convert", "-h"], tmp.path());
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for line in help.lines() {
        assert!(
            line.chars().count() <= 80,
            "longer than 80 columns: {line:?}"
        );
        // A continuation line (help wrapped below its option) starts with a deep indent.
        assert!(
            !line.starts_with("                "),
            "wrapped: {line:?}\n{help}"
        );
    }
    for heading in [
        "Input selection:",
        "Size and crop:",
        "Filters:",
        "Watermark:",
        "Output format and metadata:",
        "Files and names:",
        "Performance:",
        "Reporting:",
    ] {
        assert!(
            help.contains(&format!("\n{heading}\n")),
            "{heading}\n{help}"
        );
    }
    assert!(help.contains("fanlight convert --help"), "{help}");
    // About one screen and a half (some 65 options, one line each, under 8 headings).
    assert!(help.lines().count() < 100, "{help}");
}

#[test]
fn long_help_wraps_at_80_columns_and_has_examples_and_rules() {
    let tmp = tempdir();
    let o = at_80(&["convert", "--help"], tmp.path());
    let help = stdout(&o);
    assert!(
        help.lines().all(|l| l.chars().count() <= 80),
        "a line over 80 columns:\n{help}"
    );
    for part in [
        "Examples:",
        "fanlight convert photos/ -o web",
        "Output names:",
        "Exit status:",
    ] {
        assert!(help.contains(part), "{part}\n{help}");
    }
    // Long help adds to the one-line summary instead of repeating it.
    assert!(
        !help.contains("Only files matching this glob (repeatable)."),
        "{help}"
    );
    let top = at_80(&["-h"], tmp.path());
    assert!(stdout(&top).lines().all(|l| l.chars().count() <= 80));
}

#[test]
fn a_mistyped_option_gets_clap_s_tip_and_the_convert_help() {
    let tmp = tempdir();
    let o = fanlight(&["convert", "in", "--resise", "1920"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: unexpected argument '--resise'"),
        "{err}"
    );
    assert!(
        err.contains("a similar argument exists: '--resize'"),
        "{err}"
    );
    assert!(err.contains("try 'fanlight convert --help'"), "{err}");
    let o = fanlight(&["convrt", "in"], tmp.path());
    assert!(stderr(&o).contains("'convert'"), "{}", stderr(&o));
}

#[test]
fn a_mistyped_value_gets_the_closest_accepted_one() {
    let tmp = tempdir();
    for (args, tip) in [
        (["--fit", "cove"], "'cover'"),
        (["--format", "jpge"], "'jpeg'"),
        (["--gravity", "bottom-rigth"], "'bottom-right'"),
        (["--filter", "unsharpp:sigma=1"], "'unsharp'"),
        (["--on-exists", "skp"], "'skip'"),
        (["--progress", "bars"], "'bar'"),
    ] {
        let mut all = vec!["convert", "in"];
        all.extend(args);
        let o = fanlight(&all, tmp.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("a similar value exists: {tip}")),
            "{args:?}: {err}"
        );
        assert!(err.contains("'fanlight convert --help'"), "{err}");
    }
    // Nothing close: no tip.
    let o = fanlight(&["convert", "in", "--fit", "stretch"], tmp.path());
    assert!(!stderr(&o).contains("tip:"), "{}", stderr(&o));
}

#[test]
fn a_mistyped_preset_key_gets_the_option_meant() {
    let tmp = tempdir();
    std::fs::write(tmp.path().join("mine.toml"), "qualty = 80\n").unwrap();
    let o = fanlight(&["convert", "in", "--preset", "mine.toml"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown key 'qualty': did you mean 'quality'?"),
        "{err}"
    );
    assert!(err.contains("fanlight convert --help"), "{err}");
    std::fs::write(tmp.path().join("mine.toml"), "font_szie = 20\n").unwrap();
    let o = fanlight(&["convert", "in", "--preset", "mine.toml"], tmp.path());
    assert!(
        stderr(&o).contains("did you mean 'font_size'?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_command_s_short_help_fits_80_columns_one_line_per_option() {
    let tmp = tempdir();
    for args in [
        &["-h"][..],
        &["compare", "-h"],
        &["report", "-h"],
        &["report", "merge", "-h"],
        &["presets", "-h"],
    ] {
        let help = stdout(&at_80(args, tmp.path()));
        assert!(help.contains("Usage:"), "{args:?}: {help}");
        for line in help.lines() {
            assert!(line.chars().count() <= 80, "{args:?}: {line:?}");
            assert!(
                !line.starts_with("                "),
                "{args:?} wrapped: {line:?}\n{help}"
            );
        }
    }
}
