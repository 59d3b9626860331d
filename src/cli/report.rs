//! `fanlight report merge`: the shards' `--report` documents combined into one.

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_USAGE};

/// `fanlight report merge`: reads the shards' reports, writes the merged one.
pub fn merge(paths: &[PathBuf], output: Option<&Path>) -> u8 {
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
    let merged = match fanlight::report::merge_reports(&docs) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match output {
        None => println!(
            "{}",
            serde_json::to_string_pretty(&merged).expect("JSON serialises")
        ),
        Some(path) => {
            if let Err(e) = fanlight::report::save_json(path, &merged) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    EXIT_OK
}

/// `fanlight report FILE --html OUT`: renders a saved (or merged) report as a page.
pub fn render(saved: &Path, html: &Path) -> u8 {
    let doc: serde_json::Value = match std::fs::read_to_string(saved)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("error: cannot read report {}: {e}", saved.display());
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
            saved.display()
        );
        return EXIT_USAGE;
    }
    let page = fanlight::report::report_html(&doc);
    if let Err(e) = fanlight::report::save(html, page.as_bytes()) {
        eprintln!("error: cannot write {}: {e}", html.display());
        return EXIT_USAGE;
    }
    EXIT_OK
}
