//! The register as a spreadsheet (danh sách tài sản): the same filters and unit scope as the page,
//! rows grouped by class with subtotals, through the one report renderer; or a plain CSV.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Value};

use super::{Asset, AssetFilter, Lookups};
use crate::db::schema::assets;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::progress::Progress;
use crate::reports::{self, Rendered, Row};

/// The ids of the matched assets in report order: by class (in the classes' order), then code.
/// Only (id, class) pairs are held — 8 bytes an asset — so a large register keeps memory low.
fn ordered_ids(conn: &mut DbConn, filter: &AssetFilter) -> AppResult<Vec<i32>> {
    let order: HashMap<i32, i32> =
        crate::rules::Rules::load_names(conn)?.classes.iter().map(|c| (c.id, c.sort_order)).collect();
    let mut keys: Vec<(i32, i32)> =
        filter.query().order(assets::code).select((assets::id, assets::class_id)).load(conn)?;
    // Stable: within a class the codes stay in order.
    keys.sort_by_key(|k| order.get(&k.1).copied().unwrap_or(i32::MAX));
    Ok(keys.into_iter().map(|k| k.0).collect())
}

fn row_of(v: super::AssetView, unit_short: &str) -> Row {
    let a = &v.asset;
    let mut row = Row::new();
    for (k, val) in [
        ("code", json!(a.code)),
        ("name", json!(a.name)),
        ("class_name", json!(v.class_name)),
        ("category_name", json!(v.category_name)),
        ("unit_name", json!(unit_short)),
        ("unit_of_measure", json!(a.unit_of_measure)),
        ("quantity", json!(a.quantity)),
        ("acquired_on", a.acquired_on.map(|d| json!(d.format("%Y-%m-%d").to_string())).unwrap_or(Value::Null)),
        ("cost_state", json!(a.cost_state)),
        ("cost_other", json!(a.cost_other)),
        ("original_cost", json!(a.original_cost)),
        ("accumulated_wear", json!(a.accumulated_wear)),
        ("residual_value", json!(a.residual_value)),
        ("status_name", json!(v.status_name)),
        ("task_code", v.task_code.clone().map(Value::from).unwrap_or(Value::Null)),
        ("location", a.location.clone().map(Value::from).unwrap_or(Value::Null)),
    ] {
        row.insert(k, val);
    }
    row
}

/// Rows read a thousand assets at a time, so memory stays flat however large the register; `make`
/// turns each asset into its report row, or leaves it out.
struct Rows<'a, F> {
    conn: &'a mut DbConn,
    ids: std::vec::IntoIter<i32>,
    buffer: std::vec::IntoIter<Row>,
    make: F,
    progress: Progress,
    /// Assets read so far, of `total`.
    done: usize,
    total: usize,
}

impl<'a, F> Rows<'a, F>
where
    F: FnMut(super::AssetView, &str) -> AppResult<Option<Row>>,
{
    fn new(conn: &'a mut DbConn, ids: Vec<i32>, progress: &Progress, make: F) -> Self {
        let total = ids.len();
        Rows {
            conn,
            ids: ids.into_iter(),
            buffer: Vec::new().into_iter(),
            make,
            progress: progress.clone(),
            done: 0,
            total,
        }
    }

    fn next_chunk(&mut self) -> AppResult<Option<Vec<Row>>> {
        self.progress.tell(self.done, self.total);
        let chunk: Vec<i32> = self.ids.by_ref().take(1000).collect();
        if chunk.is_empty() {
            return Ok(None);
        }
        self.done += chunk.len();
        let mut found: Vec<Asset> =
            assets::table.filter(assets::id.eq_any(&chunk)).select(Asset::as_select()).load(self.conn)?;
        let position: HashMap<i32, usize> = chunk.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        found.sort_by_key(|a| position.get(&a.id).copied().unwrap_or(usize::MAX));
        let task_ids: Vec<i32> = found.iter().filter_map(|a| a.task_id).collect();
        let lookups = Lookups::load(self.conn, &task_ids)?;
        let mut rows = vec![];
        for a in found {
            // The short name fits the printed column; it is also how the import knows the unit.
            let short =
                lookups.units.iter().find(|u| u.id == a.unit_id).map(|u| u.short_name.clone()).unwrap_or_default();
            if let Some(row) = (self.make)(lookups.view(a), &short)? {
                rows.push(row);
            }
        }
        Ok(Some(rows))
    }
}

impl<F> Iterator for Rows<'_, F>
where
    F: FnMut(super::AssetView, &str) -> AppResult<Option<Row>>,
{
    type Item = AppResult<Row>;

    fn next(&mut self) -> Option<AppResult<Row>> {
        loop {
            if let Some(r) = self.buffer.next() {
                return Some(Ok(r));
            }
            match self.next_chunk() {
                Ok(Some(rows)) => self.buffer = rows.into_iter(),
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The register as the "Danh sách tài sản" workbook, as of `date`.
pub fn register_workbook(
    conn: &mut DbConn,
    filter: &AssetFilter,
    date: NaiveDate,
    progress: &Progress,
) -> AppResult<Rendered> {
    let report = reports::load("so-tai-san")?;
    let layout = report.layout_on(date)?.clone();
    let vars = reports::standard_vars(conn, date)?;
    let ids = ordered_ids(conn, filter)?;
    let mut rows = Rows::new(conn, ids, progress, |v, short| Ok(Some(row_of(v, short))));
    reports::render(&layout, &vars, &mut rows)
}

/// The register as CSV for other programs and for Excel: UTF-8 with a BOM, the same columns, written
/// to `out` as it is read.
pub fn register_csv(
    conn: &mut DbConn,
    filter: &AssetFilter,
    date: NaiveDate,
    progress: &Progress,
    out: &mut dyn std::io::Write,
) -> AppResult<()> {
    let report = reports::load("so-tai-san")?;
    let layout = report.layout_on(date)?.clone();
    let headers: Vec<String> = csv_headers(&layout);
    let ids = ordered_ids(conn, filter)?;
    out.write_all(b"\xEF\xBB\xBF").map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    {
        let mut w = csv::Writer::from_writer(out);
        let err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
        w.write_record(&headers).map_err(err)?;
        let rows = Rows::new(conn, ids, progress, |v, short| Ok(Some(row_of(v, short))));
        for (i, row) in rows.enumerate() {
            let row = row?;
            let n = i + 1;
            let cells: Vec<String> = layout
                .columns
                .iter()
                .map(|c| match (c.field.as_str(), row.get(c.field.as_str())) {
                    ("row_number", _) => n.to_string(),
                    (_, Some(Value::String(s))) => csv_safe(s),
                    (_, Some(Value::Null) | None) => String::new(),
                    (_, Some(v)) => v.to_string(),
                })
                .collect();
            w.write_record(&cells).map_err(err)?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// A CSV cell that a spreadsheet would run as a formula is given a leading apostrophe.
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The headers of a layout's columns, a merged parent joined to its child: "Nguyên giá / Nguồn NSNN".
pub fn csv_headers(layout: &reports::Layout) -> Vec<String> {
    let mut top: Vec<(String, u16, u32)> = vec![];
    for cell in &layout.header[0] {
        top.push((cell.text.clone(), cell.cols, cell.rows));
    }
    let mut children = layout.header.get(1).cloned().unwrap_or_default().into_iter();
    let mut out = vec![];
    for (text, cols, rows) in top {
        for _ in 0..cols {
            if rows >= 2 || layout.header.len() < 2 {
                out.push(text.clone());
            } else {
                let child = children.next().map(|c| c.text).unwrap_or_default();
                out.push(format!("{text} / {child}"));
            }
        }
    }
    out
}

/// Bảng tính hao mòn TSCĐ (C55-HD) for `year`: each fixed asset acquired by its end, its rate, the
/// wear accumulated at the start of the year, booked in it, and at its end, computed under the rule
/// table in force that year.
pub fn wear_workbook(conn: &mut DbConn, filter: &AssetFilter, year: i32, progress: &Progress) -> AppResult<Rendered> {
    year_of_fixed_assets(conn, filter, year, "hao-mon", progress)
}

/// Sổ tài sản cố định (S24-H) for `year`: each fixed asset as booked (name, country, month put in use,
/// code, cost) with the year's wear line. Vouchers are blank until disposals record them.
pub fn fixed_asset_book(
    conn: &mut DbConn,
    filter: &AssetFilter,
    year: i32,
    progress: &Progress,
) -> AppResult<Rendered> {
    year_of_fixed_assets(conn, filter, year, "so-tscd", progress)
}

/// The fixed assets of a year with their wear figures, through the layout `report`.
fn year_of_fixed_assets(
    conn: &mut DbConn,
    filter: &AssetFilter,
    year: i32,
    report: &str,
    progress: &Progress,
) -> AppResult<Rendered> {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::invalid("year", "Năm không hợp lệ"))?;
    let report = reports::load(report)?;
    let layout = report.layout_on(end)?.clone();
    let mut vars = reports::standard_vars(conn, crate::text::today())?;
    vars.insert("year_of_report".into(), year.to_string());
    let rules = crate::rules::Rules::load(conn)?;
    let ids = ordered_ids(conn, filter)?;
    let mut rows = Rows::new(conn, ids, progress, |v, _unit_short| {
        let asset = &v.asset;
        let start = asset.in_use_on.or(asset.acquired_on);
        if asset.kind == "ccdc" || start.is_some_and(|d| d > end) {
            return Ok(None);
        }
        let s = asset.wear_schedule(&rules, end)?;
        let this_year = s.years.iter().find(|y| y.year == year);
        let wear_year = this_year.map_or(0, |y| y.wear);
        // Only what the tables show: a row is built for each of a register's assets.
        let mut row = Row::new();
        row.insert("code", json!(asset.code));
        row.insert("name", json!(asset.name));
        row.insert("country", asset.country.clone().map(Value::from).unwrap_or(Value::Null));
        row.insert("in_use_month", start.map(|d| json!(d.format("%m/%Y").to_string())).unwrap_or(Value::Null));
        row.insert("original_cost", json!(asset.original_cost));
        row.insert("class_name", json!(v.class_name));
        row.insert("category_name", json!(v.category_name));
        row.insert("wear_year_no", json!(year));
        row.insert("useful_life_years", this_year.map(|y| json!(y.useful_life_years)).unwrap_or(Value::Null));
        row.insert("rate_bp", this_year.map(|y| json!(y.rate_bp)).unwrap_or(Value::Null));
        row.insert("wear_start", json!(s.accumulated_wear - wear_year));
        row.insert("wear_year", json!(wear_year));
        row.insert("wear_end", json!(s.accumulated_wear));
        row.insert("residual_end", json!(s.residual_value));
        Ok(Some(row))
    });
    reports::render(&layout, &vars, &mut rows)
}

/// Thẻ tài sản cố định — the card of one asset: what it is, where it is, what it cost and from which
/// sources, and its wear year by year up to `date` under the table in force each year.
pub fn asset_card(conn: &mut DbConn, view: &super::AssetView, date: NaiveDate) -> AppResult<Rendered> {
    let report = reports::load("the-tscd")?;
    let layout = report.layout_on(date)?.clone();
    let asset = &view.asset;
    let mut vars = reports::standard_vars(conn, date)?;
    let or_dash = |v: Option<String>| v.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "—".into());
    let money = |v: i64| crate::web::fmt::number(v);
    for (key, value) in [
        ("asset_code", asset.code.clone()),
        ("asset_name", asset.name.clone()),
        ("asset_specification", asset.specification.as_ref().map(|s| format!(" — {s}")).unwrap_or_default()),
        ("asset_serial", or_dash(asset.serial_no.clone())),
        ("asset_country", or_dash(asset.country.clone())),
        ("asset_year_made", or_dash(asset.year_made.map(|y| y.to_string()))),
        ("asset_unit", view.unit_name.clone()),
        ("asset_location", or_dash(asset.location.clone())),
        ("asset_acquired_on", or_dash(asset.acquired_on.map(crate::text::format_date))),
        ("asset_in_use_on", or_dash(asset.in_use_on.map(crate::text::format_date))),
        ("asset_quantity", asset.quantity.to_string()),
        ("asset_uom", asset.unit_of_measure.clone()),
        ("asset_class", view.class_name.clone()),
        ("asset_category", view.category_name.clone()),
        ("asset_acquisition", super::label(super::ACQUISITION_METHODS, &asset.acquisition_method)),
        (
            "asset_task",
            view.task_code
                .as_ref()
                .map(|c| format!(" (nhiệm vụ {c}: {})", view.task_title.clone().unwrap_or_default()))
                .unwrap_or_default(),
        ),
        ("asset_original_cost", money(asset.original_cost)),
        ("asset_cost_state", money(asset.cost_state)),
        ("asset_cost_other", money(asset.cost_other)),
        ("asset_status", view.status_name.clone()),
        // Written down by a disposal (xử lý tài sản), once disposals are recorded.
        ("asset_written_down", "chưa".to_string()),
    ] {
        vars.insert(key.into(), value);
    }
    let rules = crate::rules::Rules::load(conn)?;
    let schedule = asset.wear_schedule(&rules, date)?;
    let mut rows = schedule.years.into_iter().map(|y| {
        let mut row = Row::new();
        row.insert("year", json!(y.year));
        row.insert("rate", json!(crate::web::fmt::percent_bp(y.rate_bp)));
        row.insert("legal_source", json!(y.legal_source));
        row.insert("wear", json!(y.wear));
        row.insert("accumulated", json!(y.accumulated));
        row.insert("residual", json!(y.residual));
        Ok(row)
    });
    reports::render(&layout, &vars, &mut rows)
}
