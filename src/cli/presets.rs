//! Presets: `convert --preset NAME|FILE.toml` gives defaults to `convert`'s options, and an option
//! given on the command line wins over the preset. A preset is TOML whose keys are `convert`'s
//! long options without the dashes (`quality = 82`, `fit = "cover"`, `filter = ["unsharp"]`,
//! `strip = true`). Built-in presets are the files in `presets/`, compiled in.
//!
//! The preset becomes command-line arguments inserted before the user's own, for exactly the
//! options the user did not give (clap's `value_source`), so every value goes through the same
//! parsers and checks as when typed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command, CommandFactory};
use fanlight::{ResizeSpec, Suffix};

use super::args::Cli;

/// A preset shipped with fanlight.
pub struct Builtin {
    /// What `--preset` calls it.
    pub name: &'static str,
    /// Its TOML text.
    pub toml: &'static str,
}

/// The built-in presets, in the order `fanlight presets` lists them.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "web",
        toml: include_str!("../../presets/web.toml"),
    },
    Builtin {
        name: "thumbnail",
        toml: include_str!("../../presets/thumbnail.toml"),
    },
    Builtin {
        name: "srcset",
        toml: include_str!("../../presets/srcset.toml"),
    },
    Builtin {
        name: "archive",
        toml: include_str!("../../presets/archive.toml"),
    },
];

impl Builtin {
    /// The first comment lines, joined: what the preset is for.
    #[must_use]
    pub fn about(&self) -> String {
        self.toml
            .lines()
            .map_while(|l| l.strip_prefix('#'))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Its options as command-line arguments.
    #[must_use]
    pub fn options(&self) -> String {
        let (args, _) = preset_args(&convert_command(), &source(self.name), None)
            .expect("built-in presets are valid");
        args.iter()
            .map(|a| {
                let a = a.to_string_lossy();
                if a.contains([' ', '"']) {
                    format!("'{a}'")
                } else {
                    a.into_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Where a preset comes from: a built-in's name or a file.
struct Source {
    /// For messages: `preset web` or `preset FILE`.
    label: String,
    /// The TOML text.
    text: Result<String, String>,
    /// The folder relative paths in the preset are resolved against (files only).
    base: Option<PathBuf>,
}

fn source(name: &str) -> Source {
    if let Some(b) = BUILTINS.iter().find(|b| b.name == name) {
        return Source {
            label: format!("preset {name}"),
            text: Ok(b.toml.to_string()),
            base: None,
        };
    }
    let path = Path::new(name);
    let looks_like_file = name.ends_with(".toml") || name.contains(['/', '\\']) || path.exists();
    if !looks_like_file {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        return Source {
            label: format!("preset {name}"),
            text: Err(format!(
                "no built-in preset is called '{name}' (built-in: {}; or give a FILE.toml; see fanlight presets)",
                names.join(", ")
            )),
            base: None,
        };
    }
    Source {
        label: format!("preset {}", path.display()),
        text: std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read it: {e} (check the path)")),
        base: path.parent().map(Path::to_path_buf),
    }
}

/// `convert`'s command, for looking its options up.
fn convert_command() -> Command {
    let mut convert = Cli::command()
        .find_subcommand("convert")
        .expect("convert exists")
        .clone();
    convert.build();
    convert
}

/// Options whose paths a preset file gives relative to itself.
const PATH_OPTIONS: [&str; 2] = ["font", "watermark-image"];

/// Options a preset cannot hold.
const NOT_IN_PRESETS: [&str; 1] = ["preset"];

/// The preset's options as arguments, leaving out those `given` on the command line (and those
/// that conflict with one given). Also returns the preset's label, for messages.
fn preset_args(
    convert: &Command,
    src: &Source,
    given: Option<&ArgMatches>,
) -> Result<(Vec<OsString>, String), String> {
    let label = &src.label;
    let text = src.text.as_ref().map_err(|e| format!("{label}: {e}"))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{label}: not valid TOML: {}", e.message()))?;
    let on_command_line = |id: &str| {
        given.is_some_and(|m| {
            m.try_contains_id(id).unwrap_or(false)
                && m.value_source(id) == Some(ValueSource::CommandLine)
        })
    };
    let mut args = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let arg = convert
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
            .filter(|_| !NOT_IN_PRESETS.contains(&long.as_str()))
            .ok_or_else(|| {
                let keys = convert
                    .get_arguments()
                    .filter_map(|a| a.get_long())
                    .filter(|l| !NOT_IN_PRESETS.contains(l) && *l != "help");
                let tip = super::suggest::closest(&long, keys)
                    .map(|k| {
                        let k = if key.contains('-') { k.into() } else { k.replace('-', "_") };
                        format!(": did you mean '{k}'?")
                    })
                    .unwrap_or_default();
                format!(
                    "{label}: unknown key '{key}'{tip} (keys are convert's long options without the dashes, such as quality, resize, fit, filter, strip; see fanlight presets)"
                )
            })?;
        let id = arg.get_id().as_str();
        let overridden = on_command_line(id)
            || set_by_resize_suffix(&long, given)
            || convert
                .get_arg_conflicts_with(arg)
                .iter()
                .any(|c| on_command_line(c.get_id().as_str()));
        if overridden {
            continue;
        }
        let flag = format!("--{long}");
        let scalar = |v: &toml::Value| -> Result<String, String> {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => {
                    return Err(format!(
                        "{label}: {key} is a {}: expected a text or a number",
                        other.type_str()
                    ))
                }
            };
            let relative = src
                .base
                .as_ref()
                .filter(|_| PATH_OPTIONS.contains(&long.as_str()));
            Ok(match relative {
                Some(base) if Path::new(&text).is_relative() => {
                    base.join(&text).to_string_lossy().into_owned()
                }
                _ => text,
            })
        };
        match (arg.get_action(), value) {
            (ArgAction::SetTrue, toml::Value::Boolean(true)) => args.push(flag.into()),
            (ArgAction::SetTrue, toml::Value::Boolean(false)) => {}
            (ArgAction::SetTrue, _) => {
                return Err(format!(
                    "{label}: {key} is a switch: write {key} = true (or leave it out)"
                ))
            }
            (ArgAction::Append, toml::Value::Array(items)) => {
                for item in items {
                    args.push(format!("{flag}={}", scalar(item)?).into());
                }
            }
            (_, toml::Value::Array(_)) => {
                return Err(format!("{label}: {key} takes one value, not a list"))
            }
            (_, v) => args.push(format!("{flag}={}", scalar(v)?).into()),
        }
    }
    Ok((args, label.clone()))
}

/// Whether the suffix of the user's own `--resize` decides option `long` (`'200x200!'` is fit
/// fill, `'200x200>'` never enlarges), so that the preset's value for it is left out rather
/// than contradicting what the user typed.
fn set_by_resize_suffix(long: &str, given: Option<&ArgMatches>) -> bool {
    let suffix = given
        .filter(|m| m.value_source("resize") == Some(ValueSource::CommandLine))
        .and_then(|m| m.get_one::<ResizeSpec>("resize"))
        .and_then(ResizeSpec::suffix);
    match (long, suffix) {
        ("fit", Some(s)) => s != Suffix::ShrinkOnly,
        ("enlarge", Some(s)) => matches!(s, Suffix::ShrinkOnly | Suffix::EnlargeOnly),
        _ => false,
    }
}

/// The command line with the preset of `convert --preset` expanded into arguments before the
/// user's own; unchanged when there is no preset (or the command line is malformed: clap then
/// reports it as usual). An unusable preset is an error message naming it.
pub fn expand(argv: Vec<OsString>) -> Result<Vec<OsString>, String> {
    if argv.get(1).is_none_or(|a| a != "convert") {
        return Ok(argv);
    }
    let Ok(matches) = Cli::command().try_get_matches_from(&argv) else {
        return Ok(argv);
    };
    let Some(convert_matches) = matches.subcommand_matches("convert") else {
        return Ok(argv);
    };
    let Some(name) = convert_matches.get_one::<String>("preset") else {
        return Ok(argv);
    };
    let convert = convert_command();
    let (args, label) = preset_args(&convert, &source(name), Some(convert_matches))?;
    // Check the preset's own values first, so a bad one is blamed on the preset.
    let mut alone: Vec<OsString> = vec!["fanlight".into(), "convert".into(), "IN".into()];
    alone.extend(args.iter().cloned());
    if let Err(e) = Cli::command().try_get_matches_from(&alone) {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or("invalid value");
        return Err(format!("{label}: {first}"));
    }
    let mut out = argv[..2].to_vec();
    out.extend(args);
    out.extend(argv[2..].iter().cloned());
    Ok(out)
}

/// `fanlight presets [NAME]`: lists the built-ins with their options, or prints one's TOML (to
/// start a preset file from).
pub fn list(name: Option<&str>) -> u8 {
    match name {
        Some(name) => match BUILTINS.iter().find(|b| b.name == name) {
            Some(b) => {
                print!("{}", b.toml);
                0
            }
            None => {
                let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
                eprintln!(
                    "error: no built-in preset is called '{name}' (built-in: {})",
                    names.join(", ")
                );
                2
            }
        },
        None => {
            for b in BUILTINS {
                println!("{}\n    {}\n    {}\n", b.name, b.about(), b.options());
            }
            println!(
                "Use one with: fanlight convert photos/ -o out --preset NAME (options given on the command line win)."
            );
            println!(
                "Start your own from one: fanlight presets web > mine.toml, then --preset mine.toml."
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resize_suffix_given_wins_over_the_presets_fit() {
        let expand_with = |resize: &str| {
            let argv: Vec<OsString> = ["fanlight", "convert", "in", "--preset", "thumbnail"]
                .into_iter()
                .chain(["--resize", resize])
                .map(OsString::from)
                .collect();
            expand(argv).unwrap()
        };
        // thumbnail says fit = "cover": '!' (fill) and '^' (outside) leave it out, '>' keeps it.
        for (resize, keeps_fit) in [("200x200!", false), ("200x200^", false), ("200x200>", true)] {
            let out = expand_with(resize);
            let fit = out.iter().any(|a| a.to_string_lossy() == "--fit=cover");
            assert_eq!(fit, keeps_fit, "{resize}: {out:?}");
        }
    }

    #[test]
    fn every_builtin_expands_to_valid_options() {
        for b in BUILTINS {
            let argv: Vec<OsString> = ["fanlight", "convert", "in", "--preset", b.name]
                .into_iter()
                .map(OsString::from)
                .collect();
            let out = expand(argv).unwrap_or_else(|e| panic!("{}: {e}", b.name));
            assert!(out.len() > 5, "{}: {out:?}", b.name);
            assert!(!b.about().is_empty() && !b.options().is_empty());
        }
    }
}
