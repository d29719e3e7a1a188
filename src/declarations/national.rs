//! The national registration software's Excel layout «TaiSan» (`imports/columns/national_taisan.json`,
//! 53 columns by position, data from row 3, drop-down cells written «MÃ-Tên»): the register goes out
//! in it — so a unit hands its register to the software without retyping — and comes in from it,
//! every field of a declaration with it, through the shared import check (preview, corrections,
//! every problem by row and column, nothing saved unless every row is right).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::Connection;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{json, Map, Value};

use super::catalogue::{catalogue, Measure};
use super::forms::{self, Held};
use crate::audit::Actor;
use crate::auth::Scope;
use crate::db::schema::{asset_categories, assets as assets_table, org_units};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::{self, Cell, Limits};
use crate::import::fixes::Fix;
use crate::import::report::{Report, RowOutcome};
use crate::import::spec::Spec;
use crate::import::{table, Outcome};
use crate::input::Input;
use crate::progress::Progress;

/// What an import in the national layout is called in its record.
pub const KIND: &str = "national";

pub fn spec() -> &'static Spec {
    crate::column_spec!("national_taisan.json")
}

/// The use columns of the layout (m² of land and houses), by the use they hold.
const AREA_USES: &[(&str, &str)] = &[
    ("u_tru_so", "tru_so"),
    ("u_hdsn_kd", "hdsn_kd"),
    ("u_hdsn_khong_kd", "hdsn_khong_kd"),
    ("u_ldlk", "ldlk"),
    ("u_cho_thue", "cho_thue"),
    // «Để ở» has no use of its own in the national catalogue: it is «khác».
    ("u_de_o", "khac"),
    ("u_bi_lan_chiem", "bi_lan_chiem"),
    ("u_bo_trong", "bo_trong"),
    ("u_hon_hop", "hon_hop"),
    ("u_khac", "khac"),
];

/// «MÃ-Tên» as the software's drop-downs write it.
fn coded(code: &str, name: &str) -> String {
    format!("{code}-{name}")
}

/// The code of a «MÃ-Tên» cell (the part before the first «-»), or the cell as it is.
pub fn code_of(cell: &str) -> String {
    cell.split_once('-').map(|(c, _)| c).unwrap_or(cell).trim().to_string()
}

/// The code of a «MÃ-Tên» cell whose codes may hold «-» themselves (a unit's own category
/// «MMTB-VP»): the longest part before a «-» that `known` accepts.
fn known_code_of(cell: &str, known: impl Fn(&str) -> bool) -> Option<String> {
    let cell = cell.trim();
    if known(cell) {
        return Some(cell.to_string());
    }
    cell.char_indices()
        .filter(|(_, ch)| *ch == '-')
        .map(|(i, _)| cell[..i].trim())
        .rev()
        .find(|c| known(c))
        .map(str::to_string)
}

/// One asset as a row of the layout, by field.
fn row_of(
    h: &Held,
    units: &HashMap<i32, (String, String)>,
    lots: &HashMap<i32, String>,
    types: &HashMap<String, String>,
) -> Map<String, Value> {
    let a = &h.asset;
    let i = &h.info;
    let c = catalogue();
    let mut r = Map::new();
    let mut put = |k: &str, v: Value| super::events::put_present(&mut r, k, v);
    put("unit", json!(units.get(&a.unit_id).map(|(code, name)| coded(code, name))));
    // A house names its lot by code; the lot's own row carries that code too, so that the file
    // says which row it is.
    let lot = if h.class_code == "DAT" { Some(&a.code) } else { i.lot_asset_id.and_then(|l| lots.get(&l)) };
    put("lot", json!(lot));
    // The national type; a category the reference data has not mapped yet goes by its own code.
    let type_code = h.type_code.clone().unwrap_or_else(|| h.category_code.clone());
    put("type", json!(coded(&type_code, types.get(&type_code).map(String::as_str).unwrap_or(""))));
    put("name", json!(a.name));
    put("quantity", json!(a.quantity));
    put("original_cost", json!(a.original_cost));
    put("fund_nsnn", json!(a.cost_state));
    put("fund_quy_hdsn", json!(i.fund_hdsn));
    put("fund_oda", json!(i.fund_oda));
    // The layout has no column for loans: they go with «nguồn khác».
    put("fund_khac", json!(i.other_funding(a) + i.fund_loan));
    put("accumulated_wear", json!(a.original_cost - h.residual));
    put("residual", json!(h.residual));
    put("in_use_on", json!(a.in_use_on.or(a.acquired_on).map(|d| d.to_string())));
    put("acquired_on", json!(a.acquired_on.map(|d| d.to_string())));
    let reason = i.reason_for(a);
    put("reason", json!(c.reason(&reason).map(|r| coded(&r.code, &r.name))));
    put("address", json!(i.address));
    put("district_code", json!(i.district_code));
    put("commune_code", json!(i.commune_code));
    match h.class_code.as_str() {
        "DAT" => put("area", json!(a.area_m2)),
        "NHA" => {
            put("area", json!(i.built_area));
            put("floors", json!(i.floors));
            put("year_built", json!(a.year_made));
            put("floor_area", json!(i.floor_area.or(a.area_m2)));
        }
        _ => put("year_made", json!(a.year_made)),
    }
    if c.measure_of(&h.class_code) == Measure::Area {
        for u in i.usage() {
            if let Some((key, _)) = AREA_USES.iter().find(|(k, state)| *state == u.state && *k != "u_de_o") {
                put(key, json!(u.value));
            }
        }
    } else if let Some(first) = i.usage().first() {
        // One status of the national catalogue for an asset that is not land or a house.
        let id = c
            .usage_states_for(&h.class_code)
            .into_iter()
            .find(|s| s.code == first.state)
            .and_then(|s| s.ids.get(&h.class_code).copied().flatten());
        put("u_mark", json!(id));
    }
    put("plate", json!(i.plate));
    put("brand", json!(i.brand));
    put("user_title", json!(i.user_title));
    put("load_tonnes", json!(i.load_tonnes));
    put("seats", json!(i.seats));
    put("country", json!(a.country));
    put("national_code", json!(i.national_code));
    r
}

/// The declaring unit's assets held on `as_of` in the layout: row 1 the columns' names in Vietnamese,
/// row 2 the software's field names, the assets from row 3, lots before the houses on them.
pub fn export(conn: &mut DbConn, unit_id: i32, as_of: NaiveDate, progress: &Progress) -> AppResult<Vec<u8>> {
    let mut held = forms::held(conn, unit_id, as_of, progress)?;
    held.sort_by(|a, b| (a.class_order, &a.asset.code).cmp(&(b.class_order, &b.asset.code)));
    let units: HashMap<i32, (String, String)> = org_units::table
        .select((org_units::id, org_units::code, org_units::name))
        .load::<(i32, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    let lots: HashMap<i32, String> =
        held.iter().filter(|h| h.class_code == "DAT").map(|h| (h.asset.id, h.asset.code.clone())).collect();
    let types: HashMap<String, String> = asset_categories::table
        .select((asset_categories::code, asset_categories::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("TaiSan").map_err(xe)?;
    let bold = Format::new().set_bold().set_text_wrap();
    let text = Format::new().set_num_format("@");
    for (i, col) in spec().columns.iter().enumerate() {
        let c = i as u16;
        ws.write_string_with_format(0, c, &col.label, &bold).map_err(xe)?;
        ws.write_string_with_format(1, c, &col.headers[0], &bold).map_err(xe)?;
        ws.set_column_width(c, 16).map_err(xe)?;
    }
    for (n, h) in held.iter().enumerate() {
        let row = row_of(h, &units, &lots, &types);
        let r = n as u32 + 2;
        for (i, col) in spec().columns.iter().enumerate() {
            let c = i as u16;
            match row.get(&col.key) {
                Some(Value::Number(x)) => {
                    ws.write_number(r, c, x.as_f64().unwrap_or(0.0)).map_err(xe)?;
                }
                // Dates as the software reads them: dd/mm/yyyy text.
                Some(Value::String(s)) => {
                    let shown =
                        NaiveDate::parse_from_str(s, "%Y-%m-%d").map(crate::text::format_date).unwrap_or(s.clone());
                    ws.write_string_with_format(r, c, shown, &text).map_err(xe)?;
                }
                _ => {}
            }
        }
    }
    ws.set_freeze_panes(2, 0).map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}

/// A row of the file: its number as Excel shows it, and its values by field.
struct FileRow {
    excel_row: u32,
    fields: Map<String, Value>,
    cells: Vec<Cell>,
}

/// The asset and its declaration from one row; the lot is set once every row is in.
fn record_row(conn: &mut DbConn, actor: &Actor, scope: &Scope, f: &Map<String, Value>) -> AppResult<(i32, String)> {
    let get = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
    let num = |k: &str| -> AppResult<Option<f64>> {
        match get(k) {
            None => Ok(None),
            Some(s) => {
                let t = s.replace(' ', "");
                let t = if t.contains(',') { t.replace('.', "").replace(',', ".") } else { t };
                t.parse::<f64>().map(Some).map_err(|_| AppError::invalid(k, format!("«{s}» không phải số")))
            }
        }
    };
    let money = |k: &str| -> AppResult<i64> {
        match get(k) {
            None => Ok(0),
            Some(s) => crate::text::parse_money(&s).map_err(|e| AppError::invalid(k, e)),
        }
    };
    let c = catalogue();
    let unit_code = code_of(&get("unit").ok_or_else(|| AppError::invalid("unit", "Thiếu mã đơn vị (DON_VI_MA)"))?);
    let unit_id: i32 = org_units::table
        .filter(org_units::code.eq(&unit_code))
        .select(org_units::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::invalid("unit", format!("Không có đơn vị mã «{unit_code}»")))?;
    let type_cell = get("type").ok_or_else(|| AppError::invalid("type", "Thiếu loại tài sản (LOAI_TAI_SAN_MA)"))?;
    let categories: Vec<String> = asset_categories::table.select(asset_categories::code).load(conn)?;
    let type_code =
        known_code_of(&type_cell, |c| categories.iter().any(|k| k == c)).unwrap_or_else(|| code_of(&type_cell));
    let (category_id, class_code): (i32, String) = asset_categories::table
        .inner_join(
            crate::db::schema::asset_classes::table
                .on(crate::db::schema::asset_classes::id.eq(asset_categories::class_id)),
        )
        .filter(asset_categories::code.eq(&type_code))
        .select((asset_categories::id, crate::db::schema::asset_classes::code))
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::invalid(
                "type",
                format!("Mã loại tài sản «{type_code}» không có trong danh mục loại tài sản quốc gia"),
            )
        })?;
    let cost = money("original_cost")?;
    let parts = [money("fund_nsnn")?, money("fund_quy_hdsn")?, money("fund_oda")?, money("fund_khac")?];
    let funded: i64 = parts.iter().sum();
    if funded != cost {
        return Err(AppError::invalid(
            "original_cost",
            format!(
                "Nguyên giá {cost} đồng khác tổng các nguồn vốn {funded} đồng (ngân sách, quỹ HĐSN, viện trợ, khác)"
            ),
        ));
    }
    let reason = get("reason").map(|r| code_of(&r));
    let method = reason.as_deref().and_then(|r| c.acquisition_method_of(r)).unwrap_or("khac");
    let land = class_code == "DAT";
    let house = class_code == "NHA";
    let mut asset = json!({
        // A lot keeps the code its row gives it, which its houses name.
        "code": if land { get("lot").map(|l| code_of(&l)) } else { None },
        "name": get("name"), "unit_id": unit_id, "category_id": category_id,
        "quantity": get("quantity").unwrap_or_else(|| "1".into()),
        "cost_state": parts[0], "cost_other": cost - parts[0],
        "acquired_on": get("acquired_on"), "in_use_on": get("in_use_on"),
        "acquisition_method": method, "country": get("country"),
        "year_made": if house { get("year_built") } else { get("year_made") },
    });
    if land {
        asset["area_m2"] = json!(num("area")?);
    } else if house {
        asset["area_m2"] = json!(num("floor_area")?);
    }
    let wear = money("accumulated_wear")?;
    if wear > 0 {
        // Booked up to the last 31/12, as the register keeps wear.
        asset["opening_wear"] = json!(wear);
        asset["opening_wear_as_of"] = json!(crate::assets::wear::last_close(crate::text::today()).to_string());
    }
    let view = crate::assets::create(conn, actor, scope, Input::from_json(asset)?)?;
    let id = view.asset.id;
    let mut usage = vec![];
    if c.measure_of(&class_code) == Measure::Area {
        let mut by_state: Vec<(String, f64)> = vec![];
        for (key, state) in AREA_USES {
            if let Some(v) = num(key)?.filter(|v| *v > 0.0) {
                match by_state.iter_mut().find(|(s, _)| s == state) {
                    Some((_, total)) => *total += v,
                    None => by_state.push((state.to_string(), v)),
                }
            }
        }
        usage = by_state.into_iter().map(|(state, value)| json!({"state": state, "value": value})).collect();
    } else if let Some(id_) = num("u_mark")? {
        let state = c
            .usage_states_for(&class_code)
            .into_iter()
            .find(|s| s.ids.get(&class_code).copied().flatten() == Some(id_ as i32))
            .ok_or_else(|| {
                AppError::invalid("u_mark", format!("Mã hiện trạng {id_} không phải của loại tài sản này"))
            })?;
        usage.push(json!({"state": state.code, "value": 1}));
    }
    let mut info = json!({
        "national_code": get("national_code"),
        "reason_code": reason.filter(|r| c.reason(r).is_some_and(|x| x.group == "increase")),
        "fund_hdsn": parts[1], "fund_oda": parts[2], "usage": usage,
    });
    if land || house {
        for k in ["address", "district_code", "commune_code"] {
            info[k] = json!(get(k));
        }
    }
    if house {
        info["floors"] = json!(num("floors")?.map(|v| v as i64));
        info["built_area"] = json!(num("area")?);
        info["floor_area"] = json!(num("floor_area")?);
    }
    if class_code == crate::assets::CAR_CLASS {
        for k in ["plate", "brand", "user_title"] {
            info[k] = json!(get(k));
        }
        info["seats"] = json!(num("seats")?.map(|v| v as i64));
        info["load_tonnes"] = json!(num("load_tonnes")?);
    }
    super::info::save(conn, actor, scope, id, Input::from_json(info)?, Some(0))?;
    Ok((id, view.asset.code))
}

/// Where an error of the asset or its information stands in the layout.
fn column_of(field: &str) -> &str {
    match field {
        "unit_id" => "unit",
        "category_id" => "type",
        "cost_state" => "fund_nsnn",
        "cost_other" => "fund_khac",
        "fund_hdsn" => "fund_quy_hdsn",
        "lot_asset_id" => "lot",
        "reason_code" | "acquisition_method" => "reason",
        "area_m2" => "area",
        "built_area" => "area",
        "opening_wear" | "opening_wear_as_of" => "accumulated_wear",
        "usage" => "u_tru_so",
        f if f.starts_with("usage[") => "u_tru_so",
        f if spec().column(f).is_some() => f,
        _ => "name",
    }
}

/// Runs the import with the corrections made in the preview; returns the report and whether its
/// transaction should be kept.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<(Report, bool)> {
    let sheets = excel::heads(bytes, file_name, &Limits::default())?;
    let table = table::find(&sheets, None, spec())?;
    table.require(spec(), &["unit", "type", "name", "original_cost"])?;
    let (read, rows_read, applied) = table.read_all((bytes, file_name), spec(), fixes)?;
    let mut report = Report::new(KIND, spec(), file_name, bytes, &table);
    report.fixes = applied;
    let mut rows = vec![];
    for row in read {
        // The software's field names under the Vietnamese ones (or a header repeated after a page
        // break): a row whose every filled cell names its own column is a header, not an asset.
        let filled: Vec<(usize, String)> =
            row.cells.iter().enumerate().filter(|(_, c)| !c.is_empty()).map(|(i, c)| (i, c.display())).collect();
        let names_its_column = |(i, v): &(usize, String)| {
            table.columns.get(*i).and_then(|c| c.field.as_deref()).is_some_and(|f| spec().field_of(v) == Some(f))
        };
        if !filled.is_empty() && filled.iter().all(names_its_column) {
            report.push(RowOutcome {
                row: row.excel_row,
                outcome: Outcome::Skip,
                made: None,
                note: Some("dòng tên cột (tiêu đề)".into()),
                asset_id: None,
                errors: vec![],
                source: vec![],
            });
            continue;
        }
        if report.not_data(spec(), &row) {
            continue;
        }
        let mut fields = Map::new();
        for col in &table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            if let Some(v) = row.cells.get(col.index as usize).and_then(Cell::filled) {
                fields.insert(field.to_string(), Value::String(v));
            }
        }
        rows.push(FileRow { excel_row: row.excel_row, fields, cells: row.cells });
    }
    // Each row on its own savepoint: a bad one is undone alone and reported with its cell.
    let mut made: Vec<(u32, Option<(i32, String)>)> = vec![];
    for r in &rows {
        let outcome = conn.transaction::<(i32, String), AppError, _>(|c| record_row(c, actor, scope, &r.fields));
        let problems: Vec<(String, String)> = match outcome {
            Ok(done) => {
                made.push((r.excel_row, Some(done)));
                continue;
            }
            Err(AppError::Invalid(fields)) => fields.into_iter().collect(),
            Err(
                e @ (AppError::Conflict { .. }
                | AppError::Forbidden(_)
                | AppError::BadRequest(_)
                | AppError::NotFound(_)),
            ) => {
                vec![("name".into(), e.public_message())]
            }
            Err(e) => return Err(e),
        };
        made.push((r.excel_row, None));
        let errors = problems
            .iter()
            .map(|(field, m)| {
                let col = column_of(field);
                let value = r.fields.get(col).and_then(Value::as_str).unwrap_or_default().to_string();
                report.problem(spec(), r.excel_row, col, &value, m.clone())
            })
            .collect();
        report.push(RowOutcome {
            row: r.excel_row,
            outcome: Outcome::Create,
            made: None,
            note: None,
            asset_id: None,
            errors,
            source: r.cells.clone(),
        });
    }
    // The houses name their lot by its code in the file: the lot's code as the file gave it, or
    // the code the register gave the lot's row.
    let codes: HashMap<String, i32> = made.iter().filter_map(|(_, m)| m.clone()).map(|(id, code)| (code, id)).collect();
    for (r, (_, m)) in rows.iter().zip(&made) {
        let Some((id, code)) = m else { continue };
        let mut errors = vec![];
        let is_lot =
            codes.get(&r.fields.get("lot").and_then(Value::as_str).map(code_of).unwrap_or_default()) == Some(id);
        if let Some(lot) = r.fields.get("lot").and_then(Value::as_str).filter(|_| !is_lot) {
            let lot_code = code_of(lot);
            let lot_id = match codes.get(&lot_code) {
                Some(l) => Some(*l),
                None => assets_table::table
                    .filter(assets_table::code.eq(&lot_code))
                    .select(assets_table::id)
                    .first(conn)
                    .optional()?,
            };
            match lot_id {
                None => errors.push(report.problem(
                    spec(),
                    r.excel_row,
                    "lot",
                    lot,
                    format!("Không có khu đất mã «{lot_code}»"),
                )),
                Some(l) => {
                    let mut info =
                        super::info::view(&super::info::of(conn, *id)?, &crate::assets::find(conn, *id)?, "NHA");
                    info["lot_asset_id"] = json!(l);
                    let keep: Map<String, Value> = info
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| super::info::EDITABLE.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    let version = info["version"].as_i64();
                    let saved = conn.transaction::<Value, AppError, _>(|c| {
                        super::info::save(c, actor, scope, *id, Input::from_json(Value::Object(keep))?, version)
                    });
                    if let Err(e) = saved {
                        let message = match e {
                            AppError::Invalid(fields) => fields.into_values().collect::<Vec<_>>().join("; "),
                            other => other.public_message(),
                        };
                        errors.push(report.problem(spec(), r.excel_row, "lot", lot, message));
                    }
                }
            }
        }
        let source = if errors.is_empty() { vec![] } else { r.cells.clone() };
        report.push(RowOutcome {
            row: r.excel_row,
            outcome: Outcome::Create,
            made: Some(code.clone()),
            note: None,
            asset_id: Some(*id),
            errors,
            source,
        });
    }
    report.finish(rows_read)?;
    let created = made.iter().filter(|(_, m)| m.is_some()).count();
    report.detail.insert("created".into(), json!(created));
    let keep = !preview && report.clean() && created > 0;
    if keep {
        report.record(conn, actor)?;
    }
    Ok((report, keep))
}

/// Previews or imports a file in the layout, in one transaction kept only for a valid import.
pub fn execute(
    db: &crate::db::Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<Report> {
    db.write_or_rollback(|c| run(c, actor, scope, file_name, bytes, fixes, preview))
}
