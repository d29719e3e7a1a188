//! The shape of the code: the shared machinery (`import`, `excel`, `text`, `web`, `db`, `audit`)
//! knows no area. Read from the sources' own paths, so a new area module or a new file of the
//! machinery is covered without being listed.

use std::path::Path;

/// The machinery the issue names.
const SHARED: &[&str] = &["import", "excel", "text", "web", "db", "audit"];

/// What the machinery may use besides itself: errors, input cleaning, progress, configuration, and
/// `auth` — who is asking and what they may do, which every route and record needs.
const FOUNDATIONS: &[&str] = &["error", "input", "progress", "config", "auth"];

/// The library's top-level modules, from `src/lib.rs`.
fn modules() -> Vec<String> {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// The source files of a top-level module: `src/m.rs` and everything under `src/m/`.
fn files_of(module: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = vec![];
    let file = Path::new("src").join(format!("{module}.rs"));
    if file.exists() {
        out.push(file);
    }
    walk(&Path::new("src").join(module), &mut out);
    out
}

/// The top-level modules a file names as `crate::m` in its code (comments left out).
fn named(text: &str) -> Vec<String> {
    let mut out = vec![];
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for part in code.split("crate::").skip(1) {
            let m: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // `crate::{a, b}`: each name inside the braces.
            if m.is_empty() && part.starts_with('{') {
                let inner = part[1..].split('}').next().unwrap_or("");
                out.extend(inner.split(',').map(|n| n.trim().split("::").next().unwrap_or("").to_string()));
            } else {
                out.push(m);
            }
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

#[test]
fn the_shared_machinery_imports_no_area() {
    let modules = modules();
    for m in SHARED.iter().chain(FOUNDATIONS) {
        assert!(modules.iter().any(|x| x == m), "src/lib.rs has no module {m}");
    }
    let areas: Vec<&String> =
        modules.iter().filter(|m| !SHARED.contains(&m.as_str()) && !FOUNDATIONS.contains(&m.as_str())).collect();
    assert!(areas.iter().any(|a| *a == "assets") && areas.iter().any(|a| *a == "router"), "{areas:?}");
    let mut found = vec![];
    for shared in SHARED {
        let files = files_of(shared);
        assert!(!files.is_empty(), "no source for {shared}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for m in named(&text) {
                if areas.iter().any(|a| **a == m) {
                    found.push(format!("{} uses crate::{m}", file.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "the machinery reaches into areas:\n{}", found.join("\n"));
}

#[test]
fn the_reader_of_use_lines_sees_what_it_must() {
    let text = "use crate::assets::import;\nuse crate::{db, disposals::api};\n// crate::inventory in a comment\nlet x = crate::tasks::find(c);";
    assert_eq!(named(text), ["assets", "db", "disposals", "tasks"]);
}
