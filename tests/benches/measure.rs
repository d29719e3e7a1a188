//! Shared by the benchmark harnesses: peak memory of this process, a generated register, a fresh
//! database of either backend.
#![allow(dead_code)]

use diesel::connection::SimpleConnection;
use diesel::Connection;

/// Peak resident memory of this process in KB (VmHWM), for one measurement per child process.
pub fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A register of `n` assets in six units, inserted raw (the benchmarks are not of the insert); with
/// `refresh_wear`, their stored wear brought up to date as the service does at start.
pub fn populate(url: &str, n: usize, refresh_wear: bool) {
    let db = taisan::open(url).unwrap();
    db.write_sync(|c| {
        let now = taisan::text::now_utc().format("%Y-%m-%d %H:%M:%S").to_string();
        let close = taisan::assets::wear::last_close(taisan::text::today()).format("%Y-%m-%d").to_string();
        let mut values = Vec::with_capacity(500);
        for i in 0..n {
            let cost = 12_000_000 + (i % 5000) as i64 * 100_000;
            let year = 2010 + i % 14;
            values.push(format!(
                "('XB-{i:07}', 'Máy đo số {i}', {class}, {cat}, 'huu_hinh', 'Cái', 1, {cost}, 0, {cost}, 'mua_sam', '{year}-03-01', {year}, \
                 {unit}, 'dang_su_dung', 0, {cost}, '{close}', 'xb-{i:07} may do', 1, '{now}', '{now}')",
                class = 6,
                cat = 9 + i % 4,
                unit = 1 + i % 6,
            ));
            if values.len() == 500 || i + 1 == n {
                c.batch_execute(&format!(
                    "INSERT INTO assets (code, name, class_id, category_id, kind, unit_of_measure, quantity, cost_state, cost_other, \
                     original_cost, acquisition_method, acquired_on, acquired_year, unit_id, status, accumulated_wear, residual_value, \
                     wear_as_of, search_text, version, created_at, updated_at) VALUES {}",
                    values.join(",")
                ))?;
                values.clear();
            }
        }
        if refresh_wear {
            taisan::assets::refresh_wear(c, true)?;
        }
        Ok(())
    })
    .unwrap();
}

/// A fresh database: a SQLite file in `dir`, or a new schema on the PostgreSQL server of
/// `TEST_DATABASE_URL` (with the connection that drops it afterwards).
pub fn fresh_url(
    backend: &str,
    dir: &std::path::Path,
    label: &str,
) -> (String, Option<(diesel::PgConnection, String)>) {
    match backend {
        "sqlite" => (format!("sqlite://{}", dir.join(format!("{label}.db")).display()), None),
        _ => {
            let base = std::env::var("TEST_DATABASE_URL").unwrap();
            let schema = format!("bench_{label}_{}", std::process::id());
            let mut admin = diesel::PgConnection::establish(&base).unwrap();
            admin.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            (format!("{base}{sep}options=-csearch_path%3D{schema}"), Some((admin, schema)))
        }
    }
}

/// The backends to measure: SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<&'static str> {
    let mut b = vec!["sqlite"];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        b.push("postgres");
    }
    // BENCH_BACKENDS=postgres (or sqlite) measures one alone: a million rows take long on each.
    if let Ok(only) = std::env::var("BENCH_BACKENDS") {
        b.retain(|name| only.split(',').any(|o| o.trim() == *name));
    }
    b
}
