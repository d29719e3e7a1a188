//! A year-end count over 100,000 assets (`BENCH_COUNT_ROWS` to change), step by step, on SQLite
//! and, with `TEST_DATABASE_URL`, on PostgreSQL: open (the snapshot of the books), the count sheets
//! out (one per unit), counts for every asset back in from those sheets (filled as a counter would,
//! checksums verified), the reconciliation, the minutes (C53-HD, units, discrepancies) and the
//! closing. Each step runs in its own process, so its peak memory (VmHWM) is its own.
//! `cargo bench --bench counts`.

#[path = "measure.rs"]
mod measure;
use measure::{backends, fresh_url, peak_kb, populate};

use std::path::Path;
use std::time::Instant;

use taisan::audit::Actor;
use taisan::auth::Scope;

fn rows() -> usize {
    std::env::var("BENCH_COUNT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

const COUNT: i32 = 1;

/// One step against the database at `url`, with the sheets in `dir`; returns what it did.
fn step(what: &str, url: &str, dir: &Path) -> String {
    let db = taisan::open(url).unwrap();
    let actor = Actor("bench".into());
    let scope = Scope::ALL;
    match what {
        "open" => db
            .write_sync(|c| {
                let input = taisan::input::Input::from_json(serde_json::json!({
                    "decision_no": "01/QĐ", "decision_date": "01/12/2025", "reference_date": "31/12/2025",
                    "members": [{"full_name": "Trưởng ban", "committee_role": "truong_ban"}]
                }))?;
                let id = taisan::inventory::create(c, &actor, input)?;
                assert_eq!(id, COUNT);
                Ok(format!("{} lines", taisan::inventory::open(c, &actor, id, None)?))
            })
            .unwrap(),
        "sheets" => db
            .read_sync(|c| {
                let s = taisan::inventory::find(c, COUNT)?;
                let mut n = 0;
                for unit in 1..=6 {
                    let key = taisan::inventory::sheets::SheetKey::Unit(unit);
                    let (_, bytes) = taisan::inventory::sheets::count_sheet(c, &s, &key)?;
                    std::fs::write(dir.join(format!("unit-{unit}.xlsx")), bytes).unwrap();
                    n += 1;
                }
                Ok(format!("{n} sheets"))
            })
            .unwrap(),
        "import" => {
            let mut counted = 0;
            for unit in 1..=6 {
                let bytes = std::fs::read(dir.join(format!("filled-{unit}.xlsx"))).unwrap();
                let r = db
                    .write_sync(|c| {
                        let s = taisan::inventory::find(c, COUNT)?;
                        taisan::inventory::sheets::import(
                            c,
                            &actor,
                            &scope,
                            &s,
                            "phieu.xlsx",
                            &bytes,
                            &Default::default(),
                            &[],
                            true,
                        )
                    })
                    .unwrap();
                assert!(r.detail["ours"] == true && r.saved && r.errors.is_empty(), "{r:?}");
                counted += r.detail["counted"].as_u64().unwrap_or(0);
            }
            format!("{counted} counts")
        }
        "reconcile" => db
            .write_sync(|c| {
                let p = taisan::inventory::reconcile_session(c, &actor, COUNT, None, None)?;
                Ok(format!("{} discrepancies", p.discrepancies))
            })
            .unwrap(),
        "minutes" => db
            .read_sync(|c| {
                let s = taisan::inventory::find(c, COUNT)?;
                taisan::inventory::minutes::workbook(c, &s)?.save(&dir.join("minutes.xlsx"))?;
                Ok(format!("{} KB", std::fs::metadata(dir.join("minutes.xlsx")).unwrap().len() / 1024))
            })
            .unwrap(),
        "close" => db
            .write_sync(|c| {
                // Every discrepancy needs its resolution first: each explained.
                for r in taisan::inventory::reconciliation(c, COUNT)?.into_iter().filter(|r| r.is_discrepancy()) {
                    let input = taisan::input::Input::from_json(
                        serde_json::json!({"resolution": "giu_nguyen", "note": "Giải trình"}),
                    )?;
                    taisan::inventory::resolve(c, &actor, &scope, COUNT, r.line.id, input)?;
                }
                Ok(format!("{} adjustments", taisan::inventory::close(c, &actor, &scope, COUNT, None)?))
            })
            .unwrap(),
        other => panic!("no step {other}"),
    }
}

/// Fills a count sheet as a counter does: every asset found as booked, but one in a thousand short.
fn fill(from: &Path, to: &Path) {
    use calamine::{Data, DataType, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(from).unwrap();
    let range = wb.worksheet_range("Phiếu kiểm kê").unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet_with_constant_memory().unwrap();
    ws.set_name("Phiếu kiểm kê").unwrap();
    let mut data_row = 0;
    for (r, row) in range.rows().enumerate() {
        let r = r as u32;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Data::Float(f) => ws.write_number(r, c as u16, *f).map(|_| ()).unwrap(),
                Data::String(s) => ws.write_string(r, c as u16, s).map(|_| ()).unwrap(),
                _ => {}
            }
        }
        let is_asset = matches!(row.first(), Some(Data::Float(_))) && matches!(row.get(6), Some(Data::Float(_)));
        if is_asset {
            data_row += 1;
            let booked = row[6].as_f64().unwrap_or(1.0);
            let counted = if data_row % 1000 == 0 { booked - 1.0 } else { booked };
            ws.write_number(r, 7, counted).unwrap();
        }
    }
    out.save(to).unwrap();
}

fn child(what: &str, url: &str, dir: &Path) -> (f64, f64, String) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).args(["--child", what, url, dir.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT"))
        .unwrap_or_else(|| panic!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)));
    let mut parts = line.splitn(4, ' ').skip(1);
    let secs = parts.next().unwrap().parse().unwrap();
    let mb = parts.next().unwrap().parse::<f64>().unwrap() / 1024.0;
    (secs, mb, parts.next().unwrap_or("").to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let started = Instant::now();
        let did = step(&args[2], &args[3], Path::new(&args[4]));
        println!("RESULT {} {} {did}", started.elapsed().as_secs_f64(), peak_kb());
        return;
    }
    let n = rows();
    let dir = tempfile::tempdir().unwrap();
    for backend in backends() {
        let (url, pg) = fresh_url(backend, dir.path(), "counts");
        let t = Instant::now();
        taisan::open(&url).unwrap();
        populate(&url, n, false);
        println!("\n== {backend}: a count over {n} assets (register made in {:.1} s)", t.elapsed().as_secs_f64());
        let mut total = 0.0;
        for what in ["open", "sheets", "import", "reconcile", "minutes", "close"] {
            if what == "import" {
                let t = Instant::now();
                for unit in 1..=6 {
                    fill(
                        &dir.path().join(format!("unit-{unit}.xlsx")),
                        &dir.path().join(format!("filled-{unit}.xlsx")),
                    );
                }
                println!("  (six sheets filled by the harness in {:.1} s, not counted)", t.elapsed().as_secs_f64());
            }
            let (secs, mb, did) = child(what, &url, dir.path());
            total += secs;
            println!("{what:<10} {secs:>7.2} s {:>9.0} assets/s  peak {mb:>5.0} MB   {did}", n as f64 / secs);
        }
        println!("whole count {total:.1} s");
        if let Some((mut admin, schema)) = pg {
            use diesel::connection::SimpleConnection;
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
