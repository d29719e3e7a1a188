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

/// Reads the assets and makes their rows on a second thread while `consume` writes them on this one,
/// so the database half and the spreadsheet half of an export overlap on two cores.
fn with_rows<F, T>(
    conn: &mut DbConn,
    ids: Vec<i32>,
    progress: &Progress,
    make: F,
    consume: impl FnOnce(&mut dyn Iterator<Item = AppResult<Row>>) -> AppResult<T>,
) -> AppResult<T>
where
    F: FnMut(super::AssetView, &str) -> AppResult<Option<Row>> + Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<AppResult<Row>>(2048);
        let progress = progress.clone();
        scope.spawn(move || {
            for row in Rows::new(conn, ids, &progress, make) {
                let failed = row.is_err();
                // The writer stopped (it failed), or the reading did: either way, no more rows.
                if tx.send(row).is_err() || failed {
                    break;
                }
            }
        });
        consume(&mut rx.into_iter())
    })
}

/// The register as the "Danh sách tài sản" workbook, as of `date`.
pub fn register_workbook(
    conn: &mut DbConn,
    filter: &AssetFilter,
    date: NaiveDate,
    progress: &Progress,
) -> AppResult<Rendered> {
    register_as(conn, filter, date, progress, false)
}

/// The register as a plain list: no groups or subtotals, filter buttons on the header — for
/// sorting and filtering in Excel rather than for filing.
pub fn register_plain(
    conn: &mut DbConn,
    filter: &AssetFilter,
    date: NaiveDate,
    progress: &Progress,
) -> AppResult<Rendered> {
    register_as(conn, filter, date, progress, true)
}

fn register_as(
    conn: &mut DbConn,
    filter: &AssetFilter,
    date: NaiveDate,
    progress: &Progress,
    plain: bool,
) -> AppResult<Rendered> {
    let report = reports::load("so-tai-san")?;
    let mut layout = report.layout_on(date)?.clone();
    if plain {
        layout.group_by = None;
        layout.autofilter = true;
    }
    let vars = reports::standard_vars(conn, date)?;
    let ids = ordered_ids(conn, filter)?;
    with_rows(conn, ids, progress, |v, short| Ok(Some(row_of(v, short))), |rows| reports::render(&layout, &vars, rows))
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
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(&headers).map_err(err)?;
    with_rows(
        conn,
        ids,
        progress,
        |v, short| Ok(Some(row_of(v, short))),
        |rows| {
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
            w.flush().map_err(|e| AppError::Internal(e.to_string()))
        },
    )
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
    // A book of one unit carries that unit's name and Mã QHNS; of several, the department's.
    let mut vars = match filter.unit_id.or_else(|| filter.scope_units.as_ref().and_then(|u| u.first().copied())) {
        Some(unit) => reports::unit_vars(conn, unit, crate::text::today())?,
        None => reports::standard_vars(conn, crate::text::today())?,
    };
    vars.insert("year_of_report".into(), year.to_string());
    let rules = crate::rules::Rules::load(conn)?;
    let ids = ordered_ids(conn, filter)?;
    // Written down by a handling: in the book of its year with the voucher, in no later year; not
    // in the wear table of that year or after (it is not on the books at 31/12).
    let start_of_year = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(end);
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    let written_down = crate::disposals::write_downs(conn, long_ago, end)?;
    let book = report.code == "so-tscd";
    let make = |v: super::AssetView, _unit_short: &str| {
        let asset = &v.asset;
        let start = asset.in_use_on.or(asset.acquired_on);
        if asset.kind == "ccdc" || start.is_some_and(|d| d > end) {
            return Ok(None);
        }
        let out = written_down.get(&asset.id);
        if out.is_some_and(|w| !book || w.doc_date < start_of_year) {
            return Ok(None);
        }
        // Wear is booked once a year, as of 31/12, on what is then on the books: an asset written
        // down in the year books none that year, and the book shows what the write-down recorded
        // (accumulated to the write-down, its residual value).
        let as_of = out.map(|w| w.doc_date).filter(|d| *d <= end).unwrap_or(end);
        let s = asset.wear_schedule(&rules, as_of)?;
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
        // The units keep no depreciation (khấu hao) of their own: what the year books is wear. The
        // card (Thẻ TSCĐ) is printed from the asset's page under the same code: its column is left
        // for the book-keeper.
        row.insert("wear_and_depreciation_year", json!(wear_year));
        row.insert("wear_end", json!(s.accumulated_wear));
        row.insert("residual_end", json!(s.residual_value));
        if let Some(w) = out {
            row.insert("voucher_out_no", json!(w.doc_no.clone().unwrap_or_else(|| w.disposal_code.clone())));
            row.insert("voucher_out_date", json!(w.doc_date.format("%Y-%m-%d").to_string()));
            row.insert("reason_out", json!(format!("{} (hồ sơ {})", w.form_name, w.disposal_code)));
            row.insert("residual_out", json!(w.residual_value));
        }
        Ok(Some(row))
    };
    with_rows(conn, ids, progress, make, |rows| reports::render(&layout, &vars, rows))
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

/// Báo cáo tăng, giảm tài sản — what entered and left the register between `from` and `to` (both
/// included), by reason: each asset booked in the period under the way it was acquired, then each
/// change of original cost or quantity made in the period, as the history recorded it. The assets
/// are those the filter shows; decreases by disposal join when disposals are recorded.
pub fn changes_workbook(
    conn: &mut DbConn,
    filter: &AssetFilter,
    from: NaiveDate,
    to: NaiveDate,
    progress: &Progress,
) -> AppResult<Rendered> {
    use crate::db::schema::{audit_events, org_units};
    reports::check_period(from, to)?;
    let report = reports::load("tang-giam")?;
    let layout = report.layout_on(to)?.clone();
    let mut vars = reports::standard_vars(conn, crate::text::today())?;
    vars.insert("from".into(), crate::text::format_date(from));
    vars.insert("to".into(), crate::text::format_date(to));
    let units: HashMap<i32, String> = org_units::table
        .select((org_units::id, org_units::short_name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let method_order = |m: &str| super::ACQUISITION_METHODS.iter().position(|(c, _)| *c == m).unwrap_or(usize::MAX);
    // Increases: booked in the period.
    type Booked = (i32, String, String, i32, i32, i64, Option<NaiveDate>, String);
    let mut booked: Vec<Booked> = filter
        .query()
        .filter(assets::acquired_on.between(from, to))
        .select((
            assets::id,
            assets::code,
            assets::name,
            assets::unit_id,
            assets::quantity,
            assets::original_cost,
            assets::acquired_on,
            assets::acquisition_method,
        ))
        .load(conn)?;
    booked.sort_by(|a, b| (method_order(&a.7), a.6, &a.1).cmp(&(method_order(&b.7), b.6, &b.1)));
    // An increase is what was entered; corrections since are movements of their own (below).
    let mut entered: HashMap<String, (i32, i64)> = HashMap::new();
    let booked_ids: Vec<String> = booked.iter().map(|b| b.0.to_string()).collect();
    for chunk in booked_ids.chunks(1000) {
        let created: Vec<(String, Option<String>)> = audit_events::table
            .filter(audit_events::entity.eq("asset"))
            .filter(audit_events::action.eq("create"))
            .filter(audit_events::entity_id.eq_any(chunk))
            .select((audit_events::entity_id, audit_events::after_json))
            .load(conn)?;
        for (id, after) in created {
            let v: Value = after.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or(Value::Null);
            if let (Some(q), Some(c)) =
                (v.get("quantity").and_then(Value::as_i64), v.get("original_cost").and_then(Value::as_i64))
            {
                entered.insert(id, (q as i32, c));
            }
        }
    }
    let mut rows: Vec<Row> = Vec::with_capacity(booked.len());
    for (id, code, name, unit_id, quantity, cost, on, method) in booked {
        let (quantity, cost) = entered.get(&id.to_string()).copied().unwrap_or((quantity, cost));
        let mut row = Row::new();
        row.insert("reason", json!(format!("Tăng — {}", super::label(super::ACQUISITION_METHODS, &method))));
        row.insert("date", on.map(|d| json!(d.format("%Y-%m-%d").to_string())).unwrap_or(Value::Null));
        row.insert("code", json!(code));
        row.insert("name", json!(name));
        row.insert("unit_name", json!(units.get(&unit_id).cloned().unwrap_or_default()));
        row.insert("quantity_in", json!(quantity));
        row.insert("cost_in", json!(cost));
        row.insert("basis", json!("Ghi tăng trong sổ"));
        rows.push(row);
    }
    // Adjustments: changes of original cost or quantity the history recorded in the period — edits
    // and revaluations (the period is in Vietnam's days; the history keeps UTC).
    let (start, end) = (crate::text::vn_day_start(from), crate::text::vn_day_start(to.succ_opt().unwrap_or(to)));
    /// Which asset, when, before, after, the event's number.
    type Change = (String, chrono::NaiveDateTime, Option<String>, Option<String>, i64);
    let events: Vec<Change> = audit_events::table
        .filter(audit_events::entity.eq("asset"))
        .filter(audit_events::action.eq_any(["update", "revalue"]))
        .filter(audit_events::occurred_at.ge(start))
        .filter(audit_events::occurred_at.lt(end))
        .order(audit_events::seq)
        .select((
            audit_events::entity_id,
            audit_events::occurred_at,
            audit_events::before_json,
            audit_events::after_json,
            audit_events::seq,
        ))
        .load(conn)?;
    let ids: Vec<i32> = events.iter().filter_map(|e| e.0.parse().ok()).collect();
    let shown: std::collections::HashSet<i32> = if ids.is_empty() {
        Default::default()
    } else {
        filter.query().filter(assets::id.eq_any(&ids)).select(assets::id).load::<i32>(conn)?.into_iter().collect()
    };
    let mut adjustments: Vec<(bool, Row)> = vec![];
    for (id, at, before, after, seq) in events {
        let (Some(before), Some(after)) = (before, after) else { continue };
        if !id.parse().is_ok_and(|id: i32| shown.contains(&id)) {
            continue;
        }
        let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
        let (b, a) = (parse(&before), parse(&after));
        let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
        let (dc, dq) = (num(&a, "original_cost") - num(&b, "original_cost"), num(&a, "quantity") - num(&b, "quantity"));
        if dc == 0 && dq == 0 {
            continue;
        }
        let up = dc > 0 || (dc == 0 && dq > 0);
        // A revaluation's decision is its basis; an edit's is the history.
        let revaluation = a.get("revaluation").filter(|r| r.is_object());
        let mut row = Row::new();
        row.insert(
            "reason",
            json!(match (up, revaluation.is_some()) {
                (true, true) => "Tăng — Đánh giá lại",
                (false, true) => "Giảm — Đánh giá lại",
                (true, false) => "Tăng — Điều chỉnh nguyên giá, số lượng",
                (false, false) => "Giảm — Điều chỉnh nguyên giá, số lượng",
            }),
        );
        row.insert("date", json!(crate::text::vn_date_of(at).format("%Y-%m-%d").to_string()));
        row.insert("code", a.get("code").cloned().unwrap_or(Value::Null));
        row.insert("name", a.get("name").cloned().unwrap_or(Value::Null));
        let unit = a.get("unit_id").and_then(Value::as_i64).and_then(|u| units.get(&(u as i32)).cloned());
        row.insert("unit_name", json!(unit.unwrap_or_default()));
        let (q_in, q_out) = if dq > 0 { (dq, 0) } else { (0, -dq) };
        let (c_in, c_out) = if dc > 0 { (dc, 0) } else { (0, -dc) };
        for (k, v) in [("quantity_in", q_in), ("quantity_out", q_out), ("cost_in", c_in), ("cost_out", c_out)] {
            row.insert(k, if v == 0 { Value::Null } else { json!(v) });
        }
        let basis = match revaluation {
            Some(r) => format!(
                "Quyết định đánh giá lại số {}, ngày {}",
                r["doc_no"].as_str().unwrap_or(""),
                r["decided_on"]
                    .as_str()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(crate::text::format_date)
                    .unwrap_or_default()
            ),
            None => format!("Sửa sổ, nhật ký số {seq}"),
        };
        row.insert("basis", json!(basis));
        adjustments.push((up, row));
    }
    // Increases first, then decreases, each group whole.
    adjustments.sort_by_key(|(up, row)| (!*up, row.get("reason").and_then(Value::as_str).map(str::to_string)));
    rows.extend(adjustments.into_iter().map(|(_, r)| r));
    // Decreases by handling: the write-downs of the period, by form.
    let out = crate::disposals::write_downs(conn, from, to)?;
    let out_ids: Vec<i32> = out.keys().copied().collect();
    let shown: Vec<(i32, String, String, i32)> = if out_ids.is_empty() {
        vec![]
    } else {
        filter
            .query()
            .filter(assets::id.eq_any(&out_ids))
            .select((assets::id, assets::code, assets::name, assets::unit_id))
            .load(conn)?
    };
    let mut handled: Vec<(&crate::disposals::WriteDown, Row)> = shown
        .into_iter()
        .filter_map(|(id, code, name, unit_id)| {
            let w = out.get(&id)?;
            let mut row = Row::new();
            row.insert("reason", json!(format!("Giảm — {}", w.form_name)));
            row.insert("date", json!(w.doc_date.format("%Y-%m-%d").to_string()));
            row.insert("code", json!(code));
            row.insert("name", json!(name));
            row.insert("unit_name", json!(units.get(&unit_id).cloned().unwrap_or_default()));
            row.insert("quantity_out", json!(w.quantity));
            row.insert("cost_out", json!(w.original_cost));
            let voucher = w.doc_no.as_deref().map(|n| format!(", chứng từ {n}")).unwrap_or_default();
            row.insert("basis", json!(format!("Hồ sơ xử lý {}{voucher}", w.disposal_code)));
            Some((w, row))
        })
        .collect();
    handled.sort_by(|a, b| {
        (&a.0.form_name, a.0.doc_date, &a.0.disposal_code).cmp(&(&b.0.form_name, b.0.doc_date, &b.0.disposal_code))
    });
    rows.extend(handled.into_iter().map(|(_, r)| r));
    let total = rows.len();
    progress.tell(0, total);
    let mut rows = rows.into_iter().enumerate().map(|(i, r)| {
        if (i + 1) % 1000 == 0 || i + 1 == total {
            progress.tell(i + 1, total);
        }
        Ok(r)
    });
    reports::render(&layout, &vars, &mut rows)
}
