//! Importing a generated register end to end, against the floor of what the machine can do.
//!
//! `cargo bench --bench import` — 100,000 rows (`BENCH_IMPORT_ROWS` to change; 1,000,000 takes long),
//! on SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL. The workbook has 14 columns, a title block
//! and a merged two-row header. Measured, each in its own process so that peak memory is its own:
//! - floor: calamine streaming the sheet cell by cell on one thread while another inserts the same
//!   rows raw (multi-row INSERTs in one transaction);
//! - import: `taisan::assets::import::execute` — parse, find the table, validate, write, record.
//!
//! It prints rows per second, peak resident memory (VmHWM) and the import's time over the floor's.

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

/// The floor: one thread streams the cells, the other inserts the rows raw.
fn floor(path: &str, url: &str) -> usize {
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
    // Raw multi-row INSERTs of literal values, 500 rows a statement, one transaction.
    db.write_sync(|c| {
        let now = taisan::text::now_utc().format("%Y-%m-%d %H:%M:%S").to_string();
        let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut values: Vec<String> = Vec::with_capacity(500);
        let flush = |c: &mut taisan::db::DbConn, values: &mut Vec<String>| -> Result<(), taisan::error::AppError> {
            if !values.is_empty() {
                c.batch_execute(&format!(
                    "INSERT INTO assets (code, name, class_id, category_id, kind, unit_of_measure, quantity, cost_state, \
                     cost_other, original_cost, acquisition_method, unit_id, status, accumulated_wear, residual_value, \
                     search_text, version, created_at, updated_at) VALUES {}",
                    values.join(",")
                ))?;
                values.clear();
            }
            Ok(())
        };
        for row in rx {
            count += 1;
            let cost: i64 = row[8].parse::<f64>().unwrap_or(0.0) as i64;
            values.push(format!(
                "({}, {}, 6, 9, 'huu_hinh', {}, 1, {cost}, 0, {cost}, 'mua_sam', 1, 'dang_su_dung', 0, {cost}, {}, 1, '{now}', '{now}')",
                q(&row[1]),
                q(&row[2]),
                q(&row[5]),
                q(&taisan::text::fold(&row[2]))
            ));
            if values.len() == 500 {
                flush(c, &mut values)?;
            }
        }
        flush(c, &mut values)
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

/// Runs one measurement in a child process; returns (seconds, rows, peak MB).
fn child(what: &str, path: &str, url: &str) -> (f64, usize, f64) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).args(["--child", what, path, url]).output().unwrap();
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
            "floor" => floor(&args[3], &args[4]),
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
    for backend in backends() {
        let (floor_url, floor_pg) = fresh_url(backend, dir.path(), "floor");
        let (fs, fr, fm) = child("floor", path.to_str().unwrap(), &floor_url);
        let (import_url, import_pg) = fresh_url(backend, dir.path(), "import");
        let (is, ir, im) = child("import", path.to_str().unwrap(), &import_url);
        println!("\n== {backend}, {n} rows");
        println!("floor  (stream + raw insert): {fs:>7.2} s {:>9.0} rows/s  peak {fm:>6.0} MB", fr as f64 / fs);
        println!("import (end to end):          {is:>7.2} s {:>9.0} rows/s  peak {im:>6.0} MB", ir as f64 / is);
        println!("import / floor: {:.2}x   (target: ≤ 1.5x, and < 200 MB at 1,000,000 rows)", is / fs);
        for (admin, schema) in [floor_pg, import_pg].into_iter().flatten() {
            let mut admin = admin;
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
