//! Importing a generated register end to end, against the floor of what the machine can do.
//!
//! `cargo bench --bench import` — 100,000 rows (`BENCH_IMPORT_ROWS` to change; 1,000,000 takes long),
//! on SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL. The workbook has 14 columns, a title block
//! and a merged two-row header. Measured, each in its own process so that peak memory is its own, and
//! timed from its start to its exit (the whole process, as issue 21 measured the peer):
//! - floor: calamine streaming the sheet cell by cell on one thread while another inserts the same
//!   rows raw, in one transaction: multi-row INSERTs of literals on SQLite, one COPY on PostgreSQL;
//! - floor with the evidence: the same, plus what an import records beside each asset, raw — the
//!   row's record with the asset as written (JSON of the same size) and a hash — to tell what the
//!   evidence itself costs the database from what the import's own work costs;
//! - import: `taisan::assets::import::execute` — parse, find the table, validate, write, record.
//!
//! - the peer (SQLite only): `tests/benches/peer_import.py`, pandas reading the sheet with
//!   python-calamine and writing it with `to_sql` — the script a clerk's IT person would write —
//!   run when python3 has pandas and python-calamine, else said to be skipped.
//!
//! It prints rows per second, peak resident memory (VmHWM) and the import's time over the floor's
//! and over the peer's.

#[path = "measure.rs"]
mod measure;
use measure::{backends, fresh_url, peak_kb};

use std::time::Instant;

use diesel::connection::SimpleConnection;

fn rows() -> usize {
    std::env::var("BENCH_IMPORT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

const NAMES: &[&str] = &[
    "Máy tính để bàn",
    "Máy in laser",
    "Điều hòa nhiệt độ",
    "Bàn làm việc",
    "Tủ hồ sơ",
    "Máy chiếu",
    "Cân phân tích",
    "Kính hiển vi",
];
const CATEGORIES: &[&str] = &["MMTB-VT", "MMTB-VP", "MMTB-TN", "HHK-01"];
const UNITS: &[&str] = &["TTUD", "HCTH", "QLKH", "QLCN", "TTRA"];

fn generate(path: &std::path::Path, n: usize) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    let bold = Format::new().set_bold();
    ws.write_string(0, 0, "UBND TỈNH QUẢNG NGÃI").unwrap();
    ws.write_string(1, 0, "SỞ KHOA HỌC VÀ CÔNG NGHỆ").unwrap();
    ws.write_string(2, 2, "SỔ TÀI SẢN CỐ ĐỊNH").unwrap();
    let single =
        ["STT", "Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Đơn vị tính", "Số lượng", "Ngày tăng"];
    for (c, h) in single.iter().enumerate() {
        ws.merge_range(4, c as u16, 5, c as u16, h, &bold).unwrap();
    }
    ws.merge_range(4, 8, 4, 9, "Nguyên giá", &bold).unwrap();
    for (c, h) in ["Vị trí", "Tình trạng", "Năm sản xuất", "Ghi chú"].iter().enumerate() {
        ws.merge_range(4, 10 + c as u16, 5, 10 + c as u16, h, &bold).unwrap();
    }
    ws.write_string_with_format(5, 8, "Nguồn NSNN", &bold).unwrap();
    ws.write_string_with_format(5, 9, "Nguồn khác", &bold).unwrap();
    for i in 0..n {
        let r = 6 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, format!("NK-{i:07}")).unwrap();
        ws.write_string(r, 2, format!("{} số {}", NAMES[i % NAMES.len()], i % 997)).unwrap();
        ws.write_string(r, 3, CATEGORIES[i % CATEGORIES.len()]).unwrap();
        ws.write_string(r, 4, UNITS[i % UNITS.len()]).unwrap();
        ws.write_string(r, 5, "Cái").unwrap();
        ws.write_number(r, 6, 1.0).unwrap();
        ws.write_string(r, 7, format!("{:02}/{:02}/{}", 1 + i % 28, 1 + i % 12, 2010 + i % 14)).unwrap();
        ws.write_number(r, 8, (12_000_000 + (i % 5000) * 100_000) as f64).unwrap();
        ws.write_number(r, 9, 0.0).unwrap();
        ws.write_string(r, 10, "Phòng làm việc").unwrap();
        ws.write_string(r, 11, "Đang sử dụng").unwrap();
        ws.write_number(r, 12, (2005 + i % 15) as f64).unwrap();
        ws.write_string(r, 13, "").unwrap();
    }
    wb.save(path).unwrap();
}

/// Writes a batch of rows raw: literal multi-row INSERTs on SQLite, COPY in text format on
/// PostgreSQL. With `evidence`, also what the import records beside each asset — the row's record
/// with the asset as written (its JSON written with `format!`, its hash constant).
fn write_raw(
    c: &mut taisan::db::DbConn,
    rows: &[Vec<String>],
    first: usize,
    now: &str,
    evidence: bool,
) -> Result<(), taisan::error::AppError> {
    let hash = "ab".repeat(32);
    // Per row: the asset's columns, its record's.
    let asset = |row: &Vec<String>| {
        let cost: i64 = row[8].parse::<f64>().unwrap_or(0.0) as i64;
        vec![
            row[1].clone(),
            row[2].clone(),
            "6".into(),
            "9".into(),
            "huu_hinh".into(),
            row[5].clone(),
            "1".into(),
            cost.to_string(),
            "0".into(),
            cost.to_string(),
            "mua_sam".into(),
            "1".into(),
            "dang_su_dung".into(),
            "0".into(),
            cost.to_string(),
            taisan::text::fold(&row[2]),
            "1".into(),
            now.to_string(),
            now.to_string(),
        ]
    };
    let record = |i: usize, row: &Vec<String>| {
        let id = first + i + 1;
        let after = format!(
            "{{\"id\":{id},\"code\":\"{}\",\"name\":\"{}\",\"class_id\":6,\"category_id\":9,\"kind\":\"huu_hinh\",\"task_asset_kind\":null,\
             \"unit_of_measure\":\"{}\",\"quantity\":1,\"area_m2\":null,\"cost_state\":{},\"cost_other\":0,\"original_cost\":{},\
             \"acquisition_method\":\"mua_sam\",\"acquired_on\":\"2010-01-01\",\"acquired_year\":2010,\"in_use_on\":null,\"year_made\":{},\
             \"country\":null,\"task_id\":null,\"unit_id\":1,\"location\":\"{}\",\"responsible_person\":null,\"status\":\"dang_su_dung\",\
             \"condition\":null,\"specification\":null,\"serial_no\":null,\"notes\":null,\"opening_wear\":0,\"opening_wear_as_of\":null,\
             \"accumulated_wear\":0,\"residual_value\":{},\"wear_as_of\":\"2025-12-31\",\"version\":1,\"created_at\":\"{now}\",\"updated_at\":\"{now}\"}}",
            row[1], row[2], row[5], row[8], row[8], row[12], row[10], row[8]
        );
        vec![
            "1".into(),
            (first + i + 7).to_string(),
            "create".into(),
            id.to_string(),
            "1".into(),
            row[1].clone(),
            id.to_string(),
            after,
            hash.clone(),
        ]
    };
    let tables: Vec<(&str, Vec<Vec<String>>)> = if evidence {
        vec![
            ("assets", rows.iter().map(asset).collect()),
            ("import_rows", rows.iter().enumerate().map(|(i, r)| record(i, r)).collect()),
        ]
    } else {
        vec![("assets", rows.iter().map(asset).collect())]
    };
    for (table, values) in tables {
        let columns = match table {
            "assets" => {
                "code, name, class_id, category_id, kind, unit_of_measure, quantity, cost_state, cost_other, \
                 original_cost, acquisition_method, unit_id, status, accumulated_wear, residual_value, search_text, \
                 version, created_at, updated_at"
            }
            _ => "import_id, excel_row, outcome, asset_id, asset_version, code, position, after_json, row_hash",
        };
        match c {
            taisan::db::DbConn::Postgres(pg) => {
                use diesel::ExecuteCopyFromDsl;
                use taisan::db::schema::{assets as a, import_rows as r};
                // COPY's text format: tabs between fields, these four escaped.
                let esc =
                    |s: &str| s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r");
                let mut text = String::new();
                for v in &values {
                    text.push_str(&v.iter().map(|f| esc(f)).collect::<Vec<_>>().join("\t"));
                    text.push('\n');
                }
                let feed = |w: &mut dyn std::io::Write| {
                    w.write_all(text.as_bytes()).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                };
                match table {
                    "assets" => diesel::copy_from(a::table)
                        .from_raw_data(
                            (
                                a::code,
                                a::name,
                                a::class_id,
                                a::category_id,
                                a::kind,
                                a::unit_of_measure,
                                a::quantity,
                                a::cost_state,
                                a::cost_other,
                                a::original_cost,
                                a::acquisition_method,
                                a::unit_id,
                                a::status,
                                a::accumulated_wear,
                                a::residual_value,
                                a::search_text,
                                a::version,
                                a::created_at,
                                a::updated_at,
                            ),
                            feed,
                        )
                        .execute(pg)?,
                    _ => diesel::copy_from(r::table)
                        .from_raw_data(
                            (
                                r::import_id,
                                r::excel_row,
                                r::outcome,
                                r::asset_id,
                                r::asset_version,
                                r::code,
                                r::position,
                                r::after_json,
                                r::row_hash,
                            ),
                            feed,
                        )
                        .execute(pg)?,
                };
            }
            taisan::db::DbConn::Sqlite(_) => {
                let q = |s: &String| {
                    if s.parse::<i64>().is_ok() {
                        s.clone()
                    } else {
                        format!("'{}'", s.replace('\'', "''"))
                    }
                };
                let tuples: Vec<String> =
                    values.iter().map(|v| format!("({})", v.iter().map(q).collect::<Vec<_>>().join(", "))).collect();
                c.batch_execute(&format!("INSERT INTO {table} ({columns}) VALUES {}", tuples.join(",")))?;
            }
        }
    }
    Ok(())
}

/// The floor: one thread streams the cells, the other inserts the rows raw; with `evidence`, the
/// rows' records too.
fn floor(path: &str, url: &str, evidence: bool) -> usize {
    let db = taisan::open(url).unwrap();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<String>>(10_000);
    let path = path.to_string();
    let reader = std::thread::spawn(move || {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let name = wb.sheet_names()[0].clone();
        let mut cells = wb.worksheet_cells_reader(&name).unwrap();
        let mut row: Vec<String> = vec![String::new(); 14];
        let mut current = 0;
        while let Some(cell) = cells.next_cell().unwrap() {
            let (r, c) = cell.get_position();
            if r != current {
                if current >= 6 {
                    tx.send(std::mem::replace(&mut row, vec![String::new(); 14])).unwrap();
                }
                current = r;
            }
            if (c as usize) < 14 {
                row[c as usize] = calamine::Data::from(cell.get_value().clone()).to_string();
            }
        }
        tx.send(row).unwrap();
    });
    let mut count = 0;
    db.write_sync(|c| {
        let now = taisan::text::now_utc().format("%Y-%m-%d %H:%M:%S").to_string();
        if evidence {
            c.batch_execute(&format!(
                "INSERT INTO imports (file_name, sha256, sheet, actor, mode, blanks, strict, status, created, updated, \
                 unchanged, skipped, failed, created_at) VALUES ('floor.xlsx', '', 'Sheet1', 'bench', 'create', 'keep', \
                 true, 'running', 0, 0, 0, 0, 0, '{now}')"
            ))?;
        }
        // COPY takes larger batches well; SQLite's statements are best kept short.
        let size = if matches!(c, taisan::db::DbConn::Postgres(_)) { 5000 } else { 500 };
        let mut batch: Vec<Vec<String>> = Vec::with_capacity(size);
        for row in rx.iter() {
            batch.push(row);
            if batch.len() == size {
                write_raw(c, &batch, count, &now, evidence)?;
                count += batch.len();
                batch.clear();
            }
        }
        if !batch.is_empty() {
            write_raw(c, &batch, count, &now, evidence)?;
            count += batch.len();
        }
        Ok(())
    })
    .unwrap();
    reader.join().unwrap();
    count
}

fn import(path: &str, url: &str) -> usize {
    let db = taisan::open(url).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let options = taisan::assets::import::Options {
        mode: taisan::assets::import::Mode::Create,
        limits: taisan::excel::Limits { max_bytes: 1024 * 1024 * 1024, ..Default::default() },
        ..Default::default()
    };
    let report = taisan::assets::import::execute(
        &db,
        &taisan::audit::Actor("bench".into()),
        &taisan::auth::Scope::ALL,
        "bench.xlsx",
        &bytes,
        &options,
        false,
    )
    .unwrap();
    assert!(report.saved, "{:?}", report.rows.iter().find(|r| !r.errors.is_empty()));
    report.counts.create as usize
}

/// Runs one measurement in a child process; returns (seconds of the whole process, rows, peak MB).
fn child(what: &str, path: &str, url: &str) -> (f64, usize, f64) {
    let exe = std::env::current_exe().unwrap();
    whole(what, std::process::Command::new(exe).args(["--child", what, path, url]))
}

/// Times a child process from its start to its exit, as the issue measured both sides (the
/// peer's interpreter and pandas load before its script's clock starts); its own clock is printed.
fn whole(what: &str, command: &mut std::process::Command) -> (f64, usize, f64) {
    let started = Instant::now();
    let out = command.output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    let (inside, rows, peak) = result(what, out);
    println!("  {what}: {wall:.2} s whole process, {inside:.2} s by its own clock");
    (wall, rows, peak)
}

/// The peer script on the same workbook into a fresh SQLite file, when python3 can run it.
fn peer(path: &str, dir: &std::path::Path) -> Option<(f64, usize, f64)> {
    let ready = std::process::Command::new("python3").args(["-c", "import pandas, python_calamine"]).output();
    if !ready.is_ok_and(|o| o.status.success()) {
        println!(
            "peer skipped: python3 with pandas and python-calamine not found (pip install pandas python-calamine)"
        );
        return None;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/benches/peer_import.py");
    let db = dir.join("peer.db");
    Some(whole("peer", std::process::Command::new("python3").args([script, path, db.to_str().unwrap()])))
}

/// The «RESULT seconds rows peak_kb» line of a child's output.
fn result(what: &str, out: std::process::Output) -> (f64, usize, f64) {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT"))
        .unwrap_or_else(|| panic!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)));
    let parts: Vec<&str> = line.split_whitespace().collect();
    (parts[1].parse().unwrap(), parts[2].parse().unwrap(), parts[3].parse::<f64>().unwrap() / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let started = Instant::now();
        let n = match args[2].as_str() {
            "floor" => floor(&args[3], &args[4], false),
            "floor-evidence" => floor(&args[3], &args[4], true),
            _ => import(&args[3], &args[4]),
        };
        println!("RESULT {} {} {}", started.elapsed().as_secs_f64(), n, peak_kb());
        return;
    }
    let n = rows();
    let dir = tempfile::tempdir().unwrap();
    // BENCH_IMPORT_FILE keeps the generated workbook, to profile one side with `--child`.
    let path = std::env::var("BENCH_IMPORT_FILE").map(Into::into).unwrap_or_else(|_| dir.path().join("register.xlsx"));
    let t = Instant::now();
    generate(&path, n);
    println!(
        "Generated {n} rows in {:.1} s ({} KB)",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&path).unwrap().len() / 1024
    );
    let peer = peer(path.to_str().unwrap(), dir.path());
    for backend in backends() {
        let (floor_url, floor_pg) = fresh_url(backend, dir.path(), "floor");
        let (fs, fr, fm) = child("floor", path.to_str().unwrap(), &floor_url);
        let (evidence_url, evidence_pg) = fresh_url(backend, dir.path(), "evidence");
        let (es, er, em) = child("floor-evidence", path.to_str().unwrap(), &evidence_url);
        let (import_url, import_pg) = fresh_url(backend, dir.path(), "import");
        let (is, ir, im) = child("import", path.to_str().unwrap(), &import_url);
        println!("\n== {backend}, {n} rows");
        println!("floor  (stream + raw insert): {fs:>7.2} s {:>9.0} rows/s  peak {fm:>6.0} MB", fr as f64 / fs);
        println!("floor + row records:          {es:>7.2} s {:>9.0} rows/s  peak {em:>6.0} MB", er as f64 / es);
        println!("import (end to end):          {is:>7.2} s {:>9.0} rows/s  peak {im:>6.0} MB", ir as f64 / is);
        println!("import / floor: {:.2}x   (target: ≤ 1.5x, and < 200 MB at 1,000,000 rows)", is / fs);
        println!("floor + row records / floor: {:.2}x   import / that: {:.2}x", es / fs, is / es);
        match peer {
            Some((ps, pr, pm)) if backend == "sqlite" => {
                println!(
                    "peer (pandas + python-calamine, to_sql): {ps:>7.2} s {:>9.0} rows/s  peak {pm:>6.0} MB",
                    pr as f64 / ps
                );
                println!("import / peer: {:.2}x   (target: ≤ 0.67x, at least 1.5 times faster than the peer)", is / ps);
            }
            Some(_) => println!("peer: measured on SQLite only (its to_sql would need SQLAlchemy and a driver here)"),
            None => {}
        }
        for (admin, schema) in [floor_pg, evidence_pg, import_pg].into_iter().flatten() {
            let mut admin = admin;
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
