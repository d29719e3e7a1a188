//! Exporting 100,000 assets (`BENCH_EXPORT_ROWS` to change) as the register and as the wear table,
//! next to raw rust_xlsxwriter writing the same cells with the same formats in the same run; each
//! measurement in its own process so that its peak memory (VmHWM) is its own.
//! `cargo bench --bench export` (SQLite).

#[path = "measure.rs"]
mod measure;
use measure::{peak_kb, populate};

use std::time::Instant;

fn rows() -> usize {
    std::env::var("BENCH_EXPORT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

/// Raw rust_xlsxwriter: the same number of rows and columns, the same formats, constant memory.
fn raw(n: usize, cols: u16, out: &str) {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    let cell = Format::new().set_font_name("Times New Roman").set_border(FormatBorder::Thin);
    let money = cell.clone().set_num_format("#,##0");
    for r in 0..n as u32 {
        for c in 0..cols {
            if c % 3 == 0 {
                ws.write_number_with_format(r, c, (r as f64) * 1000.0, &money).unwrap();
            } else {
                ws.write_string_with_format(r, c, format!("Ô {r} {c}"), &cell).unwrap();
            }
        }
    }
    wb.save(out).unwrap();
}

fn export(what: &str, url: &str, out: &str) {
    let db = taisan::open(url).unwrap();
    let filter = taisan::assets::AssetFilter { sort: "code".into(), page: 1, per_page: 50, ..Default::default() };
    let none = Default::default();
    let path = std::path::Path::new(out);
    db.read_sync(|c| match what {
        "register" => taisan::assets::export::register_workbook(c, &filter, taisan::text::today(), &none)?.save(path),
        _ => taisan::assets::export::wear_workbook(c, &filter, 2025, &none)?.save(path),
    })
    .unwrap();
}

fn child(args: &[&str]) -> (f64, f64) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).arg("--child").args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT"))
        .unwrap_or_else(|| panic!("{args:?}: {}", String::from_utf8_lossy(&out.stderr)));
    let p: Vec<&str> = line.split_whitespace().collect();
    (p[1].parse().unwrap(), p[2].parse::<f64>().unwrap() / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let t = Instant::now();
        match args[2].as_str() {
            "raw" => raw(args[3].parse().unwrap(), args[4].parse().unwrap(), &args[5]),
            what => export(what, &args[3], &args[4]),
        }
        println!("RESULT {} {}", t.elapsed().as_secs_f64(), peak_kb());
        return;
    }
    let n = rows();
    let temp = tempfile::tempdir().unwrap();
    // BENCH_EXPORT_DIR keeps the database and the workbooks, to profile one side with `--child`.
    let dir: std::path::PathBuf =
        std::env::var("BENCH_EXPORT_DIR").map(Into::into).unwrap_or_else(|_| temp.path().into());
    let url = format!("sqlite://{}", dir.join("x.db").display());
    let t = Instant::now();
    populate(&url, n, true);
    println!("Register of {n} assets made in {:.1} s", t.elapsed().as_secs_f64());
    let out = |name: &str| dir.join(name).display().to_string();
    for (what, cols) in [("register", 16u16), ("wear", 11)] {
        let (es, em) = child(&[what, &url, &out(&format!("{what}.xlsx"))]);
        let (rs, rm) = child(&["raw", &n.to_string(), &cols.to_string(), &out("raw.xlsx")]);
        println!("\n== {what}, {n} rows × {cols} columns");
        println!("raw rust_xlsxwriter: {rs:>6.2} s {:>9.0} rows/s  peak {rm:>5.0} MB", n as f64 / rs);
        println!("taisan export:       {es:>6.2} s {:>9.0} rows/s  peak {em:>5.0} MB", n as f64 / es);
        println!("export / raw: {:.2}x   (target ≤ 1.5x; memory flat as rows grow)", es / rs);
    }
}
