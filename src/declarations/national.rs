//! The national registration software's Excel layouts: «TaiSan» (`imports/columns/national_taisan.json`,
//! 53 columns by position, data from row 3, the unit in every row) and the two sheets
//! «TaiSanDatNha» (land and houses, with the land's papers) and «TaiSanKhac» (everything else, with
//! a car's chassis and engine numbers) that the software reads for the unit signed in
//! (`national_datnha.json`, `national_khac.json`, data from row 2). Drop-down cells are written
//! «MÃ-Tên». The register goes out in either — so a unit hands its register to the software
//! without retyping — and comes in from either, every field of a declaration with it, through the
//! shared import check (preview, corrections, every problem by sheet, row and column, nothing saved
//! unless every row is right).

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
use crate::import::table::{self, Table};
use crate::import::Outcome;
use crate::input::Input;
use crate::progress::Progress;

/// What an import in the national layout is called in its record.
pub const KIND: &str = "national";

pub fn spec() -> &'static Spec {
    crate::column_spec!("national_taisan.json")
}

pub fn datnha_spec() -> &'static Spec {
    crate::column_spec!("national_datnha.json")
}

pub fn khac_spec() -> &'static Spec {
    crate::column_spec!("national_khac.json")
}

/// The sheets of the two-sheet layout, as the software's template names them.
pub const SHEET_DAT_NHA: &str = "TaiSanDatNha";
pub const SHEET_KHAC: &str = "TaiSanKhac";

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
        // TaiSan: one status of the national catalogue for an asset that is not land or a house;
        // TaiSanKhac: a mark under each use.
        let id = c
            .usage_states_for(&h.class_code)
            .into_iter()
            .find(|s| s.code == first.state)
            .and_then(|s| s.ids.get(&h.class_code).copied().flatten());
        put("u_mark", json!(id));
        for u in i.usage() {
            if let Some((key, _)) = MARKS.iter().find(|(_, state)| *state == u.state) {
                put(key, json!("x"));
            }
        }
    }
    if h.class_code == "DAT" {
        put("land_value", json!(a.original_cost));
    }
    if h.class_code == "NHA" {
        put("built_area", json!(i.built_area));
    }
    put("province_code", json!(i.province_code));
    // A land paper «số;ngày» under its kind; a second paper of a kind goes with «giấy tờ khác».
    let mut others = vec![];
    for d in i.documents() {
        let key = format!("doc_{}", d.kind);
        let date = d.date.map(crate::text::format_date).unwrap_or_default();
        if d.kind != "khac" && !r.contains_key(&key) {
            r.insert(key, json!(format!("{};{date}", d.number)));
        } else {
            let label = c.documents.iter().find(|k| k.code == d.kind).map(|k| k.label.as_str()).unwrap_or("");
            others.push(if d.kind == "khac" {
                d.number.clone()
            } else {
                format!("{label} số {} ngày {date}", d.number)
            });
        }
    }
    let mut put = |k: &str, v: Value| super::events::put_present(&mut r, k, v);
    put("doc_khac", json!((!others.is_empty()).then(|| others.join(" | "))));
    put("plate", json!(i.plate));
    put("brand", json!(i.brand));
    put("user_title", json!(i.user_title));
    put("load_tonnes", json!(i.load_tonnes));
    put("seats", json!(i.seats));
    put("chassis_no", json!(i.chassis_no));
    put("engine_no", json!(i.engine_no));
    // TaiSanKhac holds seats or load in one column.
    let load = i.load_tonnes.map(|t| format!("{} tấn", t.to_string().replace('.', ",")));
    put("seats_or_load", json!(i.seats.map(|s| s.to_string()).or(load)));
    put("country", json!(a.country));
    put("section", json!(a.location));
    put("national_code", json!(i.national_code));
    r
}

/// The layouts the register goes out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One sheet «TaiSan», the unit in every row.
    TaiSan,
    /// Two sheets «TaiSanDatNha» and «TaiSanKhac», for the unit signed in to the software.
    DatNhaKhac,
}

impl Layout {
    /// The layout an address names: `taisan`, `datnha-khac`.
    pub fn from_slug(slug: &str) -> Option<Layout> {
        match slug {
            "taisan" => Some(Layout::TaiSan),
            "datnha-khac" => Some(Layout::DatNhaKhac),
            _ => None,
        }
    }

    pub fn file_stem(self) -> &'static str {
        match self {
            Layout::TaiSan => "TaiSan",
            Layout::DatNhaKhac => "TaiSanDatNha-TaiSanKhac",
        }
    }
}

/// One sheet of a layout: with `labels`, row 1 the columns' names in Vietnamese and row 2 the
/// software's field names (TaiSan, data from row 3); without, the field names alone (data from
/// row 2). Dates as the software reads them: dd/mm/yyyy text.
fn write_sheet<'a>(
    wb: &mut Workbook,
    name: &str,
    spec: &Spec,
    labels: bool,
    rows: impl Iterator<Item = &'a Map<String, Value>>,
) -> AppResult<()> {
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xe)?;
    let bold = Format::new().set_bold().set_text_wrap();
    let text = Format::new().set_num_format("@");
    let head = if labels { 2 } else { 1 };
    for (i, col) in spec.columns.iter().enumerate() {
        let c = i as u16;
        if labels {
            ws.write_string_with_format(0, c, &col.label, &bold).map_err(xe)?;
        }
        ws.write_string_with_format(head - 1, c, &col.headers[0], &bold).map_err(xe)?;
        ws.set_column_width(c, 16).map_err(xe)?;
    }
    for (n, row) in rows.enumerate() {
        let r = n as u32 + head;
        for (i, col) in spec.columns.iter().enumerate() {
            let c = i as u16;
            match row.get(&col.key) {
                Some(Value::Number(x)) => {
                    ws.write_number(r, c, x.as_f64().unwrap_or(0.0)).map_err(xe)?;
                }
                Some(Value::String(s)) => {
                    let shown =
                        NaiveDate::parse_from_str(s, "%Y-%m-%d").map(crate::text::format_date).unwrap_or(s.clone());
                    ws.write_string_with_format(r, c, shown, &text).map_err(xe)?;
                }
                _ => {}
            }
        }
    }
    ws.set_freeze_panes(head, 0).map_err(xe)?;
    Ok(())
}

/// The declaring unit's assets held on `as_of` in a layout, lots before the houses on them: TaiSan
/// one sheet; the two-sheet layout land and houses on «TaiSanDatNha», the rest on «TaiSanKhac».
pub fn export(
    conn: &mut DbConn,
    unit_id: i32,
    as_of: NaiveDate,
    layout: Layout,
    progress: &Progress,
) -> AppResult<Vec<u8>> {
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
    let rows: Vec<(&str, Map<String, Value>)> =
        held.iter().map(|h| (h.class_code.as_str(), row_of(h, &units, &lots, &types))).collect();
    let mut wb = Workbook::new();
    match layout {
        Layout::TaiSan => write_sheet(&mut wb, "TaiSan", spec(), true, rows.iter().map(|(_, r)| r))?,
        Layout::DatNhaKhac => {
            let land_or_house = |class: &str| class == "DAT" || class == "NHA";
            // A house's built area has its own column here; DIEN_TICH is the land's.
            let dat_nha: Vec<Map<String, Value>> = rows
                .iter()
                .filter(|(class, _)| land_or_house(class))
                .map(|(class, r)| {
                    let mut r = r.clone();
                    if *class == "NHA" {
                        r.remove("area");
                    }
                    r
                })
                .collect();
            write_sheet(&mut wb, SHEET_DAT_NHA, datnha_spec(), false, dat_nha.iter())?;
            let others = rows.iter().filter(|(class, _)| !land_or_house(class)).map(|(_, r)| r);
            write_sheet(&mut wb, SHEET_KHAC, khac_spec(), false, others)?;
        }
    }
    wb.save_to_buffer().map_err(|e| AppError::Internal(format!("xlsx: {e}")))
}

/// A row of the file: its sheet (0 the first), its number as Excel shows it, and its values by
/// field.
struct FileRow {
    sheet: usize,
    excel_row: u32,
    fields: Map<String, Value>,
    cells: Vec<Cell>,
}

/// A sheet of the file with the specification of its layout.
struct LayoutSheet {
    table: Table,
    spec: &'static Spec,
}

/// The uses ticked in the columns of «tài sản khác» (TaiSanKhac 26–31), by the use they mark.
const MARKS: &[(&str, &str)] = &[
    ("m_qlnn", "qlnn"),
    ("m_hdsn_khong_kd", "hdsn_khong_kd"),
    ("m_hdsn_kd", "hdsn_kd"),
    ("m_ldlk", "ldlk"),
    ("m_cho_thue", "cho_thue"),
    ("m_khac", "khac"),
];

/// Columns of the layouts the register has no field for: read, counted and said on the report
/// («Cột không lưu»), never silently dropped.
const NOT_KEPT: &[&str] = &[
    "purchase_way",
    "purchase_form",
    "purchase_unit",
    "model",
    "axles",
    "dep_from",
    "dep_cost",
    "dep_months",
    "dep_rate",
    "dep_value",
    "dep_left",
    "invoice_price",
    "tax_exempt",
    "car_kind",
    "cylinder",
    "registration_no",
    "registration_office",
    "registered_on",
    "project_code",
];

/// Whether a mark cell ticks its use: «x», «1», «có» or «✓»; an empty or «0» cell does not.
fn ticked(cell: &str) -> Result<bool, String> {
    match crate::text::fold(cell).as_str() {
        "" | "0" | "khong" => Ok(false),
        "x" | "1" | "co" | "✓" | "v" => Ok(true),
        _ => Err(format!("«{cell}»: đánh dấu hiện trạng bằng «x» (hoặc để trống)")),
    }
}

/// A land paper «số;ngày» as the software writes it (the date dd/mm/yyyy may be missing).
fn paper_of(kind: &str, cell: &str) -> Result<Value, String> {
    if kind == "khac" {
        return Ok(json!({"kind": kind, "number": cell.trim()}));
    }
    let (number, date) = cell.split_once(';').unwrap_or((cell, ""));
    let date = match date.trim() {
        "" => None,
        d => Some(crate::text::parse_date(d)?.to_string()),
    };
    Ok(json!({"kind": kind, "number": number.trim(), "date": date}))
}

/// The asset and its declaration from one row (fields by the keys of the layouts' specifications);
/// the lot is set once every row is in.
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
    let parts = [money("fund_nsnn")?, money("fund_quy_hdsn")?, money("fund_oda")?, money("fund_khac")?];
    let funded: i64 = parts.iter().sum();
    // TaiSan gives the cost beside its sources; the two-sheet layout gives only the sources, and
    // the software takes their sum (DongBoFactory.ImportFileExcel: «nguyên giá = tổng nguồn vốn»).
    let cost = if get("original_cost").is_some() { money("original_cost")? } else { funded };
    if funded != cost {
        return Err(AppError::invalid(
            "original_cost",
            format!(
                "Nguyên giá {cost} đồng khác tổng các nguồn vốn {funded} đồng (ngân sách, quỹ HĐSN, viện trợ, khác)"
            ),
        ));
    }
    let land = class_code == "DAT";
    let house = class_code == "NHA";
    if land && get("land_value").is_some() && money("land_value")? != cost {
        return Err(AppError::invalid(
            "land_value",
            format!("Giá trị quyền sử dụng đất khác tổng các nguồn vốn {funded} đồng"),
        ));
    }
    let reason = get("reason").map(|r| code_of(&r));
    let method = reason.as_deref().and_then(|r| c.acquisition_method_of(r)).unwrap_or("khac");
    let mut asset = json!({
        // A lot keeps the code its row gives it, which its houses name.
        "code": if land { get("lot").map(|l| code_of(&l)) } else { None },
        "name": get("name"), "unit_id": unit_id, "category_id": category_id,
        "quantity": get("quantity").unwrap_or_else(|| "1".into()),
        "cost_state": parts[0], "cost_other": cost - parts[0],
        "acquired_on": get("acquired_on"), "in_use_on": get("in_use_on"),
        "acquisition_method": method, "country": get("country"), "location": get("section"),
        "year_made": if house { get("year_built") } else { get("year_made") },
    });
    if land {
        asset["area_m2"] = json!(num("area")?);
    } else if house {
        asset["area_m2"] = json!(num("floor_area")?);
    }
    // The wear booked so far: given (TaiSan), or what the residual leaves of the cost.
    let wear = match (get("accumulated_wear"), get("residual")) {
        (None, Some(_)) => {
            let residual = money("residual")?;
            if residual > cost {
                return Err(AppError::invalid(
                    "residual",
                    format!("Giá trị còn lại {residual} đồng lớn hơn nguyên giá {cost} đồng"),
                ));
            }
            cost - residual
        }
        _ => money("accumulated_wear")?,
    };
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
    } else {
        for (key, state) in MARKS {
            if ticked(&get(key).unwrap_or_default()).map_err(|e| AppError::invalid(key, e))? {
                usage.push(json!({"state": state, "value": 1}));
            }
        }
    }
    let mut info = json!({
        "national_code": get("national_code"),
        "reason_code": reason.filter(|r| c.reason(r).is_some_and(|x| x.group == "increase")),
        "fund_hdsn": parts[1], "fund_oda": parts[2], "usage": usage,
    });
    if land || house {
        for k in ["address", "province_code", "district_code", "commune_code"] {
            info[k] = json!(get(k));
        }
    }
    let mut papers = vec![];
    for d in &c.documents {
        let key = format!("doc_{}", d.code);
        if let Some(cell) = get(&key) {
            papers.push(paper_of(&d.code, &cell).map_err(|e| AppError::invalid(&key, e))?);
        }
    }
    if !papers.is_empty() {
        info["documents"] = json!(papers);
    }
    if house {
        info["floors"] = json!(num("floors")?.map(|v| v as i64));
        info["built_area"] = json!(num("built_area")?.or(num("area")?));
        info["floor_area"] = json!(num("floor_area")?);
    }
    if class_code == crate::assets::CAR_CLASS {
        for k in ["plate", "brand", "user_title", "chassis_no", "engine_no"] {
            info[k] = json!(get(k));
        }
        info["seats"] = json!(num("seats")?.map(|v| v as i64));
        info["load_tonnes"] = json!(num("load_tonnes")?);
        // TaiSanKhac holds seats or load in one column: «7» seats, «1,5 tấn» a load.
        if let Some(cell) = get("seats_or_load") {
            let folded = crate::text::fold(&cell);
            let figure =
                folded.trim_end_matches("cho").trim_end_matches("tan").trim_end_matches('t').trim().replace(',', ".");
            let value: f64 =
                figure.parse().map_err(|_| AppError::invalid("seats_or_load", format!("«{cell}» không phải số")))?;
            if folded.ends_with('t') || folded.ends_with("tan") || value.fract() != 0.0 {
                info["load_tonnes"] = json!(value);
            } else {
                info["seats"] = json!(value as i64);
            }
        }
    }
    super::info::save(conn, actor, scope, id, Input::from_json(info)?, Some(0))?;
    Ok((id, view.asset.code))
}

/// Where an error of the asset or its information stands in a sheet of `spec`'s layout: the
/// column of the field, or the column the field's value came from in that layout.
fn column_of(spec: &Spec, field: &str) -> String {
    let field = match field {
        "unit_id" => "unit",
        "category_id" => "type",
        "cost_state" => "fund_nsnn",
        "cost_other" => "fund_khac",
        "fund_hdsn" => "fund_quy_hdsn",
        "lot_asset_id" => "lot",
        "reason_code" | "acquisition_method" => "reason",
        "area_m2" => "area",
        "location" => "section",
        "opening_wear" | "opening_wear_as_of" => "accumulated_wear",
        "usage" => "u_tru_so",
        f if f.starts_with("usage[") => "u_tru_so",
        "documents" => "doc_khac",
        f if f.starts_with("documents[") => "doc_khac",
        "seats" | "load_tonnes" => "seats",
        f => f,
    };
    // The same value under another column of the layout (the two-sheet one has no cost, wear or
    // unit column; «tài sản khác» marks its uses one column each).
    let fallbacks: &[&str] = match field {
        "original_cost" => &["fund_nsnn"],
        "accumulated_wear" => &["residual"],
        "area" | "built_area" => &["built_area", "area"],
        "u_tru_so" | "u_mark" => &["u_tru_so", "u_mark", "m_qlnn"],
        "seats" => &["seats", "seats_or_load"],
        _ => &[],
    };
    std::iter::once(field)
        .chain(fallbacks.iter().copied())
        .find(|f| spec.column(f).is_some())
        .unwrap_or("name")
        .to_string()
}

/// The rows of one sheet of the layout, read through the table with the corrections: the rows
/// that are not data pushed to the report as skipped, the rest returned with their fields.
fn read_sheet(
    report: &mut Report,
    sheet: usize,
    s: &LayoutSheet,
    source: (&[u8], &str),
    fixes: &[Fix],
) -> AppResult<(Vec<FileRow>, usize)> {
    let (read, rows_read, applied) = s.table.read_all(source, s.spec, fixes)?;
    report.fixes.extend(applied);
    report.read_sheet(&s.table);
    let mut rows = vec![];
    for row in read {
        // The software's field names under the Vietnamese ones (or a header repeated after a page
        // break): a row whose every filled cell names its own column is a header, not an asset.
        let filled: Vec<(usize, String)> =
            row.cells.iter().enumerate().filter(|(_, c)| !c.is_empty()).map(|(i, c)| (i, c.display())).collect();
        let names_its_column = |(i, v): &(usize, String)| {
            s.table.columns.get(*i).and_then(|c| c.field.as_deref()).is_some_and(|f| s.spec.field_of(v) == Some(f))
        };
        if !filled.is_empty() && filled.iter().all(names_its_column) {
            report.push(RowOutcome {
                sheet: String::new(),
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
        if report.not_data(s.spec, &row) {
            continue;
        }
        let mut fields = Map::new();
        for col in &s.table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            if let Some(v) = row.cells.get(col.index as usize).and_then(Cell::filled) {
                fields.insert(field.to_string(), Value::String(v));
            }
        }
        rows.push(FileRow { sheet, excel_row: row.excel_row, fields, cells: row.cells });
    }
    // What the register does not keep, by column: how many rows filled it.
    let mut not_kept: Vec<String> =
        report.detail.get("not_kept").and_then(Value::as_str).map(|s| vec![s.to_string()]).unwrap_or_default();
    for col in s.table.columns.iter().filter(|c| c.field.as_deref().is_some_and(|f| NOT_KEPT.contains(&f))) {
        let filled = rows.iter().filter(|r| r.fields.contains_key(col.field.as_deref().unwrap_or_default())).count();
        if filled > 0 {
            not_kept.push(format!("{} «{}» ({filled} dòng)", s.table.sheet, col.header));
        }
    }
    if !not_kept.is_empty() {
        report.detail.insert("not_kept".into(), json!(not_kept.join(", ")));
    }
    Ok((rows, rows_read))
}

/// The sheet of the two-sheet layout named `name`, else the one at `position` (the software
/// reads the first and the second sheet whatever their names).
fn layout_sheet(sheets: &[excel::Sheet], name: &str, position: usize, spec: &'static Spec) -> AppResult<LayoutSheet> {
    let folded = crate::text::fold(name);
    let sheet =
        sheets.iter().find(|s| crate::text::fold(&s.name) == folded).or_else(|| sheets.get(position)).ok_or_else(
            || {
                AppError::BadRequest(format!(
                    "Tệp theo mẫu hai trang cần trang «{name}» (trang thứ {} của tệp); tệp có {} trang",
                    position + 1,
                    sheets.len()
                ))
            },
        )?;
    let table = table::find(sheets, Some(&sheet.name), spec)?;
    table.require(spec, &["name", "type"])?;
    Ok(LayoutSheet { table, spec })
}

/// Which of the software's layouts a file is in: TaiSan (its unit in every row), or the two
/// sheets TaiSanDatNha and TaiSanKhac (the unit is the one the person names).
fn layout_of(sheets: &[excel::Sheet], unit: Option<&str>) -> AppResult<Vec<LayoutSheet>> {
    let one = table::find(sheets, None, spec());
    if let Ok(t) = &one {
        if t.column_of("unit").is_some() && t.column_of("original_cost").is_some() {
            t.require(spec(), &["unit", "type", "name", "original_cost"])?;
            return Ok(vec![LayoutSheet { table: t.clone(), spec: spec() }]);
        }
    }
    let named = |n: &str| sheets.iter().any(|s| crate::text::fold(&s.name) == crate::text::fold(n));
    let two_sheets = named(SHEET_DAT_NHA)
        || named(SHEET_KHAC)
        || table::find(sheets, None, datnha_spec()).is_ok_and(|t| t.column_of("lot").is_some());
    if !two_sheets {
        return Err(one.err().unwrap_or_else(|| {
            AppError::BadRequest(format!(
                "Tệp không theo mẫu TaiSan (thiếu cột DON_VI_MA, NGUYEN_GIA) cũng không theo mẫu hai trang {SHEET_DAT_NHA}, {SHEET_KHAC}"
            ))
        }));
    }
    if unit.is_none() {
        return Err(AppError::invalid(
            "unit_id",
            format!("Tệp theo mẫu hai trang {SHEET_DAT_NHA}, {SHEET_KHAC} không ghi đơn vị: chọn «Đơn vị của tệp»"),
        ));
    }
    Ok(vec![layout_sheet(sheets, SHEET_DAT_NHA, 0, datnha_spec())?, layout_sheet(sheets, SHEET_KHAC, 1, khac_spec())?])
}

/// Runs the import with the corrections made in the preview; returns the report and whether its
/// transaction should be kept. `unit` is the unit a two-sheet file is of (TaiSan names its own).
#[allow(clippy::too_many_arguments)]
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    unit: Option<i32>,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<(Report, bool)> {
    let unit_code: Option<String> = match unit {
        None => None,
        Some(id) => {
            scope.check_edit(id)?;
            let code = org_units::table.find(id).select(org_units::code).first(conn).optional()?;
            Some(code.ok_or_else(|| AppError::invalid("unit_id", format!("Không có đơn vị số {id}")))?)
        }
    };
    let sheets = excel::heads(bytes, file_name, &Limits::default())?;
    let layout = layout_of(&sheets, unit_code.as_deref())?;
    let mut report = Report::new(KIND, layout[0].spec, file_name, bytes, &layout[0].table);
    // A correction that names no sheet is of the first.
    let fixes: Vec<Fix> = fixes
        .iter()
        .cloned()
        .map(|mut f| {
            f.sheet.get_or_insert_with(|| layout[0].table.sheet.clone());
            f
        })
        .collect();
    let (mut rows, mut rows_read) = (vec![], 0);
    for (i, s) in layout.iter().enumerate() {
        let (read, n) = read_sheet(&mut report, i, s, (bytes, file_name), &fixes)?;
        rows.extend(read);
        rows_read += n;
    }
    if let Some(code) = &unit_code {
        for r in rows.iter_mut().filter(|r| !r.fields.contains_key("unit")) {
            r.fields.insert("unit".into(), json!(code));
        }
    }
    // Each row on its own savepoint: a bad one is undone alone and reported with its cell.
    let mut made: Vec<Option<(i32, String)>> = vec![];
    for r in &rows {
        let s = &layout[r.sheet];
        let outcome = conn.transaction::<(i32, String), AppError, _>(|c| record_row(c, actor, scope, &r.fields));
        let problems: Vec<(String, String)> = match outcome {
            Ok(done) => {
                made.push(Some(done));
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
        made.push(None);
        report.read_sheet(&s.table);
        let errors = problems
            .iter()
            .map(|(field, m)| {
                let col = column_of(s.spec, field);
                let value = r.fields.get(&col).and_then(Value::as_str).unwrap_or_default().to_string();
                report.problem(s.spec, r.excel_row, &col, &value, m.clone())
            })
            .collect();
        report.push(RowOutcome {
            sheet: String::new(),
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
    let codes: HashMap<String, i32> = made.iter().flatten().map(|(id, code)| (code.clone(), *id)).collect();
    for (r, m) in rows.iter().zip(&made) {
        let Some((id, code)) = m else { continue };
        let s = &layout[r.sheet];
        report.read_sheet(&s.table);
        let mut errors = vec![];
        let is_lot =
            codes.get(&r.fields.get("lot").and_then(Value::as_str).map(code_of).unwrap_or_default()) == Some(id);
        if let Some(lot) = r.fields.get("lot").and_then(Value::as_str).filter(|_| !is_lot) {
            if let Err(message) = link_lot(conn, actor, scope, *id, &code_of(lot), &codes)? {
                errors.push(report.problem(s.spec, r.excel_row, "lot", lot, message));
            }
        }
        let source = if errors.is_empty() { vec![] } else { r.cells.clone() };
        report.push(RowOutcome {
            sheet: String::new(),
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
    let created = made.iter().flatten().count();
    report.detail.insert("created".into(), json!(created));
    let keep = !preview && report.clean() && created > 0;
    if keep {
        report.record(conn, actor)?;
    }
    Ok((report, keep))
}

/// Sets the lot a house stands on, by the lot's code in the file or in the register; the reason
/// it could not, for the row.
fn link_lot(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    lot_code: &str,
    codes: &HashMap<String, i32>,
) -> AppResult<Result<(), String>> {
    let lot_id = match codes.get(lot_code) {
        Some(l) => Some(*l),
        None => assets_table::table
            .filter(assets_table::code.eq(lot_code))
            .select(assets_table::id)
            .first(conn)
            .optional()?,
    };
    let Some(lot_id) = lot_id else { return Ok(Err(format!("Không có khu đất mã «{lot_code}»"))) };
    let mut info = super::info::view(&super::info::of(conn, id)?, &crate::assets::find(conn, id)?, "NHA");
    info["lot_asset_id"] = json!(lot_id);
    let keep: Map<String, Value> = info
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| super::info::EDITABLE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let version = info["version"].as_i64();
    let saved = conn.transaction::<Value, AppError, _>(|c| {
        super::info::save(c, actor, scope, id, Input::from_json(Value::Object(keep))?, version)
    });
    Ok(match saved {
        Ok(_) => Ok(()),
        Err(AppError::Invalid(fields)) => Err(fields.into_values().collect::<Vec<_>>().join("; ")),
        Err(other) => Err(other.public_message()),
    })
}

/// Previews or imports a file in one of the layouts, in one transaction kept only for a valid
/// import.
#[allow(clippy::too_many_arguments)]
pub fn execute(
    db: &crate::db::Db,
    actor: &Actor,
    scope: &Scope,
    unit: Option<i32>,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<Report> {
    db.write_or_rollback(|c| run(c, actor, scope, unit, file_name, bytes, fixes, preview))
}
