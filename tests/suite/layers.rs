//! The library's modules form layers (DESIGN.md, "Layout"): each uses only the layers below it,
//! so types flow down and the module graph has no cycle. These tests read the sources and fail
//! on an import that reaches up or sideways, and on a source file too long to read as one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest layer first. A module may use the modules of the
/// layers before its own, and nothing of its own layer but itself.
const LAYERS: &[&[&str]] = &[
    &["names"],
    &["error", "cancel", "stage_name", "atomic", "html"],
    &["spool"],
    &["ops"],
    &["config", "golden"],
    &["metrics"],
    &["pipeline"],
    &["stages"],
    &["report"],
    &["run"],
];

/// The longest a source file may be.
const MAX_LINES: usize = 700;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level library module a file of `src/` belongs to; `None` for the crate root and the
/// command line (`main.rs`, `cli/`), which sit on top of everything.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main" | "cli")).then_some(name)
}

/// Every `crate::NAME` a file's code (not its comments) names.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let layer = layer_of(&module)
            .unwrap_or_else(|| panic!("{module} is in no layer: add it to LAYERS and DESIGN.md"));
        let text = std::fs::read_to_string(file).unwrap();
        for used in crate_paths(&text) {
            let ok = used == module || layer_of(&used).is_some_and(|l| l < layer);
            if !ok {
                wrong.push(format!(
                    "{} ({module}) uses crate::{used}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that reach up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn ops_use_nothing_of_the_crate_but_the_error_type() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src.join("ops"), &mut files);
    assert!(files.len() > 5, "found the ops files");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let used: Vec<String> = crate_paths(&text)
            .into_iter()
            .filter(|u| u != "ops" && u != "error")
            .collect();
        assert!(used.is_empty(), "{} uses {used:?}", file.display());
    }
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    // The checker itself: a line of code naming a higher layer is found, a comment is not.
    let found = crate_paths(
        "use crate::config::Geometry;\n// crate::run\nlet x = crate::error::one_line(s);",
    );
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["config", "error"]);
    assert!(layer_of("config") > layer_of("ops"));
}

#[test]
fn no_source_file_is_longer_than_it_can_be_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples", "fuzz/fuzz_targets"] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} has {lines} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}
