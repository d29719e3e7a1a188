//! The declaration reports (báo cáo kê khai) of a unit as of a date, from the layouts in `reports/`:
//! 04a-ĐK/TSC (land lots and their houses, one sheet per lot with its documents), 04b-ĐK/TSC (cars)
//! and 04c-ĐK/TSC (other fixed assets), in đồng, thousand or million đồng.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Value};

use super::catalogue::catalogue;
use super::info::{self, DeclarationInfo};
use crate::assets::{self, Asset};
use crate::db::schema::{asset_categories, asset_classes, assets as assets_table, org_units};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::progress::Progress;
use crate::reports::{self, Rendered, Row, SheetSpec};
use crate::rules::{OrgUnit, Rules};
use crate::text::{format_date, format_decimal};

/// Đơn vị tiền of a report, chosen at export; thousand đồng unless said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyUnit {
    Dong,
    #[default]
    Thousand,
    Million,
}

impl MoneyUnit {
    pub const CHOICES: &'static [(&'static str, &'static str)] =
        &[("dong", "Đồng"), ("nghin", "Nghìn đồng"), ("trieu", "Triệu đồng")];

    pub fn from_code(code: &str) -> MoneyUnit {
        match code {
            "dong" => MoneyUnit::Dong,
            "trieu" => MoneyUnit::Million,
            _ => MoneyUnit::Thousand,
        }
    }

    pub fn divisor(self) -> i64 {
        match self {
            MoneyUnit::Dong => 1,
            MoneyUnit::Thousand => 1_000,
            MoneyUnit::Million => 1_000_000,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Dong => "đồng",
            MoneyUnit::Thousand => "nghìn đồng",
            MoneyUnit::Million => "triệu đồng",
        }
    }

    /// An amount in đồng written in this unit (three decimals at most: exact for thousands).
    pub fn text(self, dong: i64) -> String {
        format_decimal(reports::scaled(dong, self.divisor()), 6)
    }
}

/// The declaration forms this service makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// 04a-ĐK/TSC: trụ sở làm việc, cơ sở hoạt động sự nghiệp.
    LandAndHouses,
    /// 04b-ĐK/TSC: xe ô tô.
    Cars,
    /// 04c-ĐK/TSC: tài sản cố định khác.
    OtherFixed,
    /// 06a-ĐK/TSC: thay đổi thông tin về đơn vị (its code, name, managing body, type).
    ChangesUnit,
    /// 06b–06d-ĐK/TSC: thay đổi thông tin (đất và nhà, xe ô tô, tài sản khác) since the last declaration.
    ChangesLandHouses,
    ChangesCars,
    ChangesOther,
    /// 07-ĐK/TSC: xóa thông tin — the assets gone since the last declaration.
    Removals,
    /// 08a-ĐK/TSC: tổng hợp hiện trạng sử dụng, by class, for the unit and each declaring unit under it.
    Summary,
    /// 08b-ĐK/TSC: tổng hợp tăng, giảm over a period: opening, increase, decrease, closing.
    Movements,
}

impl Form {
    pub const ALL: &'static [Form] = &[
        Form::LandAndHouses,
        Form::Cars,
        Form::OtherFixed,
        Form::ChangesUnit,
        Form::ChangesLandHouses,
        Form::ChangesCars,
        Form::ChangesOther,
        Form::Removals,
        Form::Summary,
        Form::Movements,
    ];

    /// The short code people call it by, as in URLs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Form::LandAndHouses => "04a",
            Form::Cars => "04b",
            Form::OtherFixed => "04c",
            Form::ChangesUnit => "06a",
            Form::ChangesLandHouses => "06b",
            Form::ChangesCars => "06c",
            Form::ChangesOther => "06d",
            Form::Removals => "07",
            Form::Summary => "08a",
            Form::Movements => "08b",
        }
    }

    /// The forms of changes since the last declaration (the rest list what is held).
    pub fn of_changes(self) -> bool {
        matches!(
            self,
            Form::ChangesUnit | Form::ChangesLandHouses | Form::ChangesCars | Form::ChangesOther | Form::Removals
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Form::LandAndHouses => "04a-ĐK/TSC — Trụ sở làm việc, cơ sở hoạt động sự nghiệp (đất, nhà)",
            Form::Cars => "04b-ĐK/TSC — Xe ô tô",
            Form::OtherFixed => "04c-ĐK/TSC — Tài sản cố định khác",
            Form::ChangesUnit => "06a-ĐK/TSC — Thay đổi thông tin về đơn vị",
            Form::ChangesLandHouses => "06b-ĐK/TSC — Thay đổi thông tin về đất, nhà",
            Form::ChangesCars => "06c-ĐK/TSC — Thay đổi thông tin về xe ô tô",
            Form::ChangesOther => "06d-ĐK/TSC — Thay đổi thông tin về tài sản cố định khác",
            Form::Removals => "07-ĐK/TSC — Xóa thông tin về tài sản",
            Form::Summary => "08a-ĐK/TSC — Tổng hợp hiện trạng sử dụng tài sản công",
            Form::Movements => "08b-ĐK/TSC — Tổng hợp tình hình tăng, giảm tài sản công (trong kỳ)",
        }
    }

    pub fn layout(self) -> &'static str {
        match self {
            Form::LandAndHouses => "ke-khai-04a",
            Form::Cars => "ke-khai-04b",
            Form::OtherFixed => "ke-khai-04c",
            Form::ChangesUnit => "ke-khai-06a",
            Form::ChangesLandHouses => "ke-khai-06b",
            Form::ChangesCars => "ke-khai-06c",
            Form::ChangesOther => "ke-khai-06d",
            Form::Removals => "ke-khai-07",
            Form::Summary => "ke-khai-08a",
            Form::Movements => "ke-khai-08b",
        }
    }

    pub fn parse(code: &str) -> AppResult<Form> {
        Form::ALL.iter().copied().find(|f| f.code().eq_ignore_ascii_case(code.trim())).ok_or_else(|| {
            let known: Vec<&str> = Form::ALL.iter().map(|f| f.code()).collect();
            AppError::NotFound(format!("mẫu kê khai «{code}» (có: {})", known.join(", ")))
        })
    }

    /// Which classes the form lists.
    pub fn takes(self, class_code: &str) -> bool {
        match self {
            Form::LandAndHouses | Form::ChangesLandHouses => matches!(class_code, "DAT" | "NHA"),
            Form::Cars | Form::ChangesCars => class_code == assets::CAR_CLASS,
            Form::OtherFixed | Form::ChangesOther => !matches!(class_code, "DAT" | "NHA" | assets::CAR_CLASS),
            Form::ChangesUnit | Form::Removals | Form::Summary | Form::Movements => true,
        }
    }
}

/// What a report is asked for: the declaring unit, the date, the money unit, first or supplement.
#[derive(Debug, Clone)]
pub struct Request {
    pub unit_id: i32,
    pub as_of: NaiveDate,
    /// The start of the period of 08b-ĐK/TSC (its end is `as_of`); 1 January of its year when not given.
    pub from: Option<NaiveDate>,
    pub money: MoneyUnit,
    /// Báo cáo kê khai bổ sung (else lần đầu).
    pub supplement: bool,
}

impl Request {
    pub fn period_start(&self) -> NaiveDate {
        use chrono::Datelike;
        self.from.unwrap_or_else(|| self.as_of.with_ordinal(1).unwrap_or(self.as_of))
    }
}

/// An asset the unit holds on the date, with what its declaration needs.
pub struct Held {
    pub asset: Asset,
    pub class_code: String,
    pub class_order: i32,
    pub category_name: String,
    /// Mã loại tài sản in the national catalogue, when the category is mapped to one.
    pub type_code: Option<String>,
    /// The register's own category code.
    pub category_code: String,
    pub info: DeclarationInfo,
    /// Giá trị còn lại on the date.
    pub residual: i64,
}

/// The declaring unit of `unit_id` (the Sở for its offices, the Center for itself) and the units
/// it declares for.
pub fn declaring_unit(conn: &mut DbConn, unit_id: i32) -> AppResult<(OrgUnit, Vec<i32>)> {
    let units: Vec<OrgUnit> = org_units::table.select(OrgUnit::as_select()).load(conn)?;
    let issuer = crate::rules::issuer_of(&units, unit_id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("đơn vị số {unit_id}")))?;
    let members = crate::rules::acting_for(&units, issuer.id);
    Ok((issuer, members))
}

/// The fixed assets the declaring unit holds on `as_of`: booked by then and not written down by
/// then; values as the register holds them, wear to the date.
pub fn held(conn: &mut DbConn, unit_id: i32, as_of: NaiveDate, progress: &Progress) -> AppResult<Vec<Held>> {
    let (_, members) = declaring_unit(conn, unit_id)?;
    let rows: Vec<(Asset, String, i32, String, Option<String>, String)> = assets_table::table
        .inner_join(asset_classes::table)
        .inner_join(asset_categories::table)
        .filter(assets_table::unit_id.eq_any(&members))
        .filter(assets_table::kind.ne("ccdc"))
        .filter(assets_table::acquired_on.le(as_of).or(assets_table::acquired_on.is_null()))
        .order((asset_classes::sort_order, assets_table::code))
        .select((
            Asset::as_select(),
            asset_classes::code,
            asset_classes::sort_order,
            asset_categories::name,
            asset_categories::national_code,
            asset_categories::code,
        ))
        .load(conn)?;
    // Written down by the date, or off the books without a write-down on record (imported so).
    let write_downs = crate::disposals::all_write_downs(conn)?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(a, ..)| match write_downs.get(&a.id) {
            Some(w) => w.doc_date > as_of,
            None => a.status != assets::WRITTEN_DOWN,
        })
        .collect();
    let ids: Vec<i32> = rows.iter().map(|(a, ..)| a.id).collect();
    let mut infos = info::of_many(conn, &ids)?;
    let rules = Rules::load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, (asset, class_code, class_order, category_name, type_code, category_code)) in rows.into_iter().enumerate() {
        let residual = asset.wear_schedule(&rules, as_of)?.residual_value;
        let info = infos.remove(&asset.id).expect("of_many gives every id");
        out.push(Held { asset, class_code, class_order, category_name, type_code, category_code, info, residual });
        progress.tell(i + 1, ids.len());
    }
    Ok(out)
}

/// The title block's variables: the unit's header as the forms print it, the date, the unit of
/// money and the first-or-supplement ticks.
pub fn vars(conn: &mut DbConn, req: &Request) -> AppResult<BTreeMap<String, String>> {
    let (issuer, _) = declaring_unit(conn, req.unit_id)?;
    let mut vars = reports::unit_vars(conn, issuer.id, crate::text::today())?;
    let place = vars.get("place").cloned().unwrap_or_default();
    vars.insert("province_name".into(), if place.is_empty() { String::new() } else { format!("Tỉnh {place}") });
    vars.insert("parent_full_name".into(), vars.get("addressee").cloned().unwrap_or_default());
    let rules = Rules::load(conn)?;
    let unit_type = if issuer.kind == crate::rules::PUBLIC_SERVICE_UNIT {
        match rules.autonomy(issuer.id, req.as_of) {
            Some(f) => format!(
                "Đơn vị sự nghiệp công lập — {}",
                assets::label(crate::rules::AUTONOMY, &f.autonomy).to_lowercase()
            ),
            None => "Đơn vị sự nghiệp công lập".to_string(),
        }
    } else {
        "Cơ quan nhà nước".to_string()
    };
    vars.insert("unit_type".into(), unit_type);
    vars.insert("as_of".into(), format_date(req.as_of));
    vars.insert("from".into(), format_date(req.period_start()));
    vars.insert("money_unit".into(), req.money.label().to_string());
    let (first, supplement) = if req.supplement { ("☐", "☒") } else { ("☒", "☐") };
    vars.insert("first_mark".into(), first.into());
    vars.insert("supplement_mark".into(), supplement.into());
    Ok(vars)
}

fn asset_cell(a: &Asset) -> String {
    format!("{} ({})", a.name, a.code)
}

/// The form's status columns of an asset: m² per column for land and houses, «x» for a mark.
fn usage_columns(h: &Held) -> BTreeMap<String, f64> {
    let c = catalogue();
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for u in h.info.usage() {
        if let Some(state) = c.usage_states_for(&h.class_code).into_iter().find(|s| s.code == u.state) {
            *out.entry(state.form_column.clone()).or_default() += u.value;
        }
    }
    out
}

fn money_fields(row: &mut Row, h: &Held) {
    row.insert("cost", json!(h.asset.original_cost));
    row.insert("cost_state", json!(h.asset.cost_state));
    row.insert("cost_other", json!(h.asset.cost_other));
    row.insert("residual", json!(h.residual));
    row.insert("in_use_on", json!(h.asset.in_use_on.or(h.asset.acquired_on).map(|d| d.to_string())));
}

/// The layout's field of a use column of the forms.
fn column_key(col: &str) -> &'static str {
    match col {
        "qlnn" => "u_qlnn",
        "tru_so" => "u_tru_so",
        "hdsn_khong_kd" => "u_hdsn_khong_kd",
        "hdsn_kd" => "u_hdsn_kd",
        "cho_thue" => "u_cho_thue",
        "ldlk" => "u_ldlk",
        "hon_hop" => "u_hon_hop",
        _ => "u_khac",
    }
}

const MARK_COLUMNS: &[&str] = &["qlnn", "hdsn_khong_kd", "hdsn_kd", "cho_thue", "ldlk", "khac"];
const AREA_COLUMNS: &[&str] = &["tru_so", "hdsn_khong_kd", "hdsn_kd", "cho_thue", "ldlk", "hon_hop", "khac"];

fn marks(row: &mut Row, h: &Held) {
    let used = usage_columns(h);
    for col in MARK_COLUMNS {
        row.insert(column_key(col), if used.contains_key(*col) { json!("x") } else { Value::Null });
    }
}

fn car_row(h: &Held) -> Row {
    let a = &h.asset;
    let i = &h.info;
    let mut row = Row::new();
    row.insert("group", json!(h.category_name));
    row.insert("asset", json!(asset_cell(a)));
    row.insert("brand", json!(i.brand));
    row.insert("plate", json!(i.plate));
    let capacity = match (i.seats, i.load_tonnes) {
        (Some(s), Some(t)) => Some(format!("{s} chỗ / {} tấn", format_decimal(t, 2))),
        (Some(s), None) => Some(format!("{s} chỗ")),
        (None, Some(t)) => Some(format!("{} tấn", format_decimal(t, 2))),
        (None, None) => None,
    };
    row.insert("capacity", json!(capacity));
    row.insert("country", json!(a.country));
    row.insert("year_made", json!(a.year_made));
    row.insert("engine_power", json!(i.engine_power));
    row.insert("user_title", json!(i.user_title));
    row.insert("origin", json!(assets::label(assets::ACQUISITION_METHODS, &a.acquisition_method)));
    money_fields(&mut row, h);
    marks(&mut row, h);
    row
}

fn other_row(h: &Held, class_names: &HashMap<String, String>) -> Row {
    let a = &h.asset;
    let mut row = Row::new();
    row.insert("group", json!(class_names.get(&h.class_code).cloned().unwrap_or_default()));
    row.insert("asset", json!(asset_cell(a)));
    row.insert("symbol", json!(a.serial_no));
    row.insert("country", json!(a.country));
    row.insert("year_made", json!(a.year_made));
    money_fields(&mut row, h);
    marks(&mut row, h);
    row
}

fn house_row(h: &Held) -> Row {
    let a = &h.asset;
    let mut row = Row::new();
    row.insert("asset", json!(asset_cell(a)));
    row.insert("grade", json!(h.category_name));
    row.insert("year_built", json!(a.year_made));
    row.insert("floors", json!(h.info.floors));
    row.insert("built_area", json!(h.info.built_area));
    row.insert("floor_area", json!(h.info.floor_area.or(a.area_m2)));
    money_fields(&mut row, h);
    let used = usage_columns(h);
    for col in AREA_COLUMNS {
        let key = column_key(col);
        row.insert(key, used.get(*col).map(|v| json!(v)).unwrap_or(Value::Null));
    }
    row
}

/// A lot's own lines (I. Về đất, III. Hồ sơ) as variables of its sheet.
fn lot_vars(base: &BTreeMap<String, String>, lot: Option<&Held>, money: MoneyUnit) -> BTreeMap<String, String> {
    let mut v = base.clone();
    let c = catalogue();
    let area = |x: Option<f64>| x.map(|a| format_decimal(a, 2)).unwrap_or_else(|| "…".into());
    match lot {
        Some(lot) => {
            let a = &lot.asset;
            let address = [lot.info.address.clone()]
                .into_iter()
                .flatten()
                .chain(
                    [&lot.info.commune_code, &lot.info.district_code, &lot.info.province_code]
                        .iter()
                        .zip(["mã xã", "mã huyện", "mã tỉnh"])
                        .filter_map(|(code, what)| code.as_ref().map(|c| format!("{what} {c}"))),
                )
                .collect::<Vec<_>>()
                .join("; ");
            v.insert("lot_name".into(), a.name.clone());
            v.insert("lot_code".into(), a.code.clone());
            v.insert("lot_address".into(), if address.is_empty() { "…".into() } else { address });
            v.insert("lot_area".into(), area(a.area_m2));
            let used = usage_columns(lot);
            for col in AREA_COLUMNS {
                v.insert(format!("lot_{col}"), format_decimal(used.get(*col).copied().unwrap_or(0.0), 2));
            }
            v.insert("lot_cost_state".into(), money.text(a.cost_state));
            v.insert("lot_cost_other".into(), money.text(a.cost_other));
            v.insert("lot_cost".into(), money.text(a.original_cost));
            for d in &c.documents {
                let papers: Vec<String> = lot
                    .info
                    .documents()
                    .into_iter()
                    .filter(|p| p.kind == d.code)
                    .map(|p| match p.date {
                        Some(date) => format!("Số {}, ngày {}", p.number, format_date(date)),
                        None => format!("Số {}", p.number),
                    })
                    .collect();
                v.insert(
                    format!("doc_{}", d.code),
                    if papers.is_empty() { "không có".into() } else { papers.join("; ") },
                );
            }
        }
        None => {
            v.insert("lot_name".into(), "Nhà chưa ghi khu đất".into());
            v.insert("lot_code".into(), "—".into());
            for key in ["lot_address", "lot_area", "lot_cost_state", "lot_cost_other", "lot_cost"] {
                v.insert(key.into(), "…".into());
            }
            for col in AREA_COLUMNS {
                v.insert(format!("lot_{col}"), "…".into());
            }
            for d in &c.documents {
                v.insert(format!("doc_{}", d.code), "…".into());
            }
        }
    }
    v
}

/// Makes one form for one unit on one date.
pub fn render(conn: &mut DbConn, form: Form, req: &Request, progress: &Progress) -> AppResult<Rendered> {
    let report = reports::load(form.layout())?;
    let mut layout = report.layout_on(req.as_of)?.clone();
    layout.money_divisor = req.money.divisor();
    let base = vars(conn, req)?;
    if matches!(form, Form::Summary | Form::Movements) {
        let rows = summary_rows(conn, form, req, progress)?;
        return reports::render(&layout, &base, &mut rows.into_iter().map(Ok));
    }
    if form.of_changes() {
        let pending = super::record::pending(conn, req.unit_id, req.as_of, progress)?;
        let rows = if form == Form::ChangesUnit {
            unit_rows(&pending)
        } else {
            change_rows(form, &pending.changes, req.money)
        };
        return reports::render(&layout, &base, &mut rows.into_iter().map(Ok));
    }
    let held: Vec<Held> =
        held(conn, req.unit_id, req.as_of, progress)?.into_iter().filter(|h| form.takes(&h.class_code)).collect();
    match form {
        Form::LandAndHouses => {
            let lots: Vec<&Held> = held.iter().filter(|h| h.class_code == "DAT").collect();
            let houses: Vec<&Held> = held.iter().filter(|h| h.class_code == "NHA").collect();
            let on_lot = |lot: Option<i32>| -> Vec<Row> {
                houses
                    .iter()
                    .filter(|h| {
                        h.info.lot_asset_id == lot
                            || (lot.is_none() && !lots.iter().any(|l| Some(l.asset.id) == h.info.lot_asset_id))
                    })
                    .map(|h| house_row(h))
                    .collect()
            };
            let mut sheets: Vec<(String, BTreeMap<String, String>, Vec<Row>)> = lots
                .iter()
                .enumerate()
                .map(|(i, lot)| {
                    (format!("Khu đất {}", i + 1), lot_vars(&base, Some(lot), req.money), on_lot(Some(lot.asset.id)))
                })
                .collect();
            let loose = on_lot(None);
            if !loose.is_empty() || sheets.is_empty() {
                sheets.push(("Nhà chưa ghi khu đất".into(), lot_vars(&base, None, req.money), loose));
            }
            let specs = sheets
                .iter()
                .map(|(name, vars, rows)| SheetSpec {
                    name,
                    layout: &layout,
                    vars,
                    rows: Box::new(rows.clone().into_iter().map(Ok)),
                })
                .collect();
            reports::render_sheets(specs)
        }
        Form::Cars => {
            let mut rows: Vec<&Held> = held.iter().collect();
            rows.sort_by(|a, b| (&a.category_name, &a.asset.code).cmp(&(&b.category_name, &b.asset.code)));
            reports::render(&layout, &base, &mut rows.into_iter().map(|h| Ok(car_row(h))))
        }
        Form::OtherFixed => {
            let class_names: HashMap<String, String> = asset_classes::table
                .select((asset_classes::code, asset_classes::name))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            let mut rows: Vec<&Held> = held.iter().collect();
            rows.sort_by(|a, b| (a.class_order, &a.asset.code).cmp(&(b.class_order, &b.asset.code)));
            reports::render(&layout, &base, &mut rows.into_iter().map(|h| Ok(other_row(h, &class_names))))
        }
        _ => unreachable!("the forms of changes are made above"),
    }
}

/// 06a: one row per field of the unit that changed.
fn unit_rows(p: &super::record::Pending) -> Vec<Row> {
    p.unit_changes
        .iter()
        .map(|f| {
            let mut row = Row::new();
            row.insert("field", json!(f.label));
            row.insert("old", json!(f.old.as_str().unwrap_or("—")));
            row.insert("new", json!(f.new.as_str().unwrap_or("—")));
            row.insert("date", json!(p.unit_changed_on.map(|d| d.to_string())));
            row.insert("reason", json!("030 — Thay đổi thông tin"));
            row
        })
        .collect()
}

/// A declared value as the change forms print it.
pub fn value_text(field: &str, v: &Value, money: MoneyUnit) -> String {
    let c = catalogue();
    match (field, v) {
        (_, Value::Null) => "—".into(),
        ("original_cost" | "residual", Value::Number(n)) => {
            format!("{} {}", money.text(n.as_i64().unwrap_or(0)), money.label())
        }
        (f, Value::Number(n)) if f.starts_with("fund_") => {
            format!("{} {}", money.text(n.as_i64().unwrap_or(0)), money.label())
        }
        ("in_use_on", Value::String(s)) => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map(format_date).unwrap_or_else(|_| s.clone())
        }
        ("reason_code", Value::String(s)) => {
            c.reason(s).map(|r| format!("{s} — {}", r.name)).unwrap_or_else(|| s.clone())
        }
        ("usage", Value::Array(items)) if items.is_empty() => "—".into(),
        ("usage", Value::Array(items)) => items
            .iter()
            .map(|u| {
                let code = u["state"].as_str().unwrap_or("");
                let label = c.usage_states.iter().find(|s| s.code == code).map(|s| s.label.as_str()).unwrap_or(code);
                match u["value"].as_f64() {
                    Some(x) if x != 1.0 || matches!(code, "tru_so" | "bo_trong" | "bi_lan_chiem") => {
                        format!("{label} {} m²", format_decimal(x, 2))
                    }
                    _ => label.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        ("documents", Value::Array(items)) if items.is_empty() => "—".into(),
        ("documents", Value::Array(items)) => items
            .iter()
            .map(|d| {
                let label = c.document_label(d["kind"].as_str().unwrap_or("")).unwrap_or("Giấy tờ");
                let date = d["date"].as_str().and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok());
                match date {
                    Some(date) => {
                        format!("{label} số {}, ngày {}", d["number"].as_str().unwrap_or(""), format_date(date))
                    }
                    None => format!("{label} số {}", d["number"].as_str().unwrap_or("")),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        (_, Value::Number(n)) => n.as_f64().map(|x| format_decimal(x, 2)).unwrap_or_else(|| n.to_string()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The rows of a form of changes: 06 one row per field changed, under its asset; 07 one per asset gone.
fn change_rows(form: Form, changes: &[super::record::Change], money: MoneyUnit) -> Vec<Row> {
    use super::record::ChangeKind;
    let mut rows = vec![];
    let mut mark = 0;
    let mut last_asset = None;
    // One heading per asset, its value event before its information event.
    let mut changes: Vec<&super::record::Change> = changes.iter().filter(|c| form.takes(&c.class_code)).collect();
    if form != Form::Removals {
        changes.sort_by(|a, b| (&a.code, a.kind.national_id()).cmp(&(&b.code, b.kind.national_id())));
    }
    for ch in changes {
        let reason = match (&ch.reason_code, &ch.reason_name) {
            (Some(c), Some(n)) => format!("{c} — {n}"),
            _ => "Chưa có lý do: ghi quyết định đánh giá lại hoặc nâng cấp".to_string(),
        };
        if form == Form::Removals {
            if ch.kind == ChangeKind::Removal {
                let mut row = Row::new();
                row.insert("code", json!(ch.code));
                row.insert("name", json!(ch.name));
                row.insert("date", json!(ch.date.to_string()));
                row.insert("reason", json!(reason));
                row.insert("source", json!(ch.source));
                rows.push(row);
            }
            continue;
        }
        if !matches!(ch.kind, ChangeKind::ValueIncrease | ChangeKind::ValueDecrease | ChangeKind::Information) {
            continue;
        }
        if last_asset != Some(ch.asset_id) {
            mark += 1;
            last_asset = Some(ch.asset_id);
        }
        for f in &ch.fields {
            let mut row = Row::new();
            row.insert("group", json!(format!("{} — {}", ch.code, ch.name)));
            row.insert("mark", json!(reports::roman(mark)));
            row.insert("field", json!(f.label));
            row.insert("old", json!(value_text(&f.field, &f.old, money)));
            row.insert("new", json!(value_text(&f.field, &f.new, money)));
            row.insert("date", json!(ch.date.to_string()));
            row.insert("reason", json!(reason));
            rows.push(row);
        }
    }
    rows
}

/// The file name a form is downloaded as.
pub fn file_name(conn: &mut DbConn, form: Form, req: &Request) -> AppResult<String> {
    let (issuer, _) = declaring_unit(conn, req.unit_id)?;
    Ok(format!("Kê khai {}-ĐK-TSC {} {}.xlsx", form.code(), issuer.code, req.as_of.format("%d-%m-%Y")))
}

/// The declaring units a summary covers: the unit and every one under it that declares on its own.
fn covered_units(conn: &mut DbConn, unit_id: i32) -> AppResult<Vec<OrgUnit>> {
    let (issuer, _) = declaring_unit(conn, unit_id)?;
    let all: Vec<OrgUnit> = org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(conn)?;
    let under = |u: &OrgUnit| {
        let mut at = Some(u.id);
        for _ in 0..12 {
            match at {
                Some(id) if id == issuer.id => return true,
                Some(id) => at = all.iter().find(|x| x.id == id).and_then(|x| x.parent_id),
                None => return false,
            }
        }
        false
    };
    Ok(all
        .iter()
        .filter(|u| crate::rules::issuer_of(&all, u.id).is_some_and(|i| i.id == u.id) && under(u))
        .cloned()
        .collect())
}

/// The area an asset counts with: a lot's, a house's floor; none for the rest.
fn area_of(h: &Held) -> Option<f64> {
    match h.class_code.as_str() {
        "DAT" => h.asset.area_m2,
        "NHA" => h.info.floor_area.or(h.asset.area_m2),
        _ => None,
    }
}

/// An asset's original cost on a date, from its revaluations: the cost before the first one decided
/// after that date (edits of the register are not dated history).
fn cost_on(h: &Held, revaluations: &HashMap<i32, Vec<(NaiveDate, i64)>>, on: NaiveDate) -> i64 {
    revaluations
        .get(&h.asset.id)
        .and_then(|rs| rs.iter().find(|(d, _)| *d > on))
        .map(|(_, old)| *old)
        .unwrap_or(h.asset.original_cost)
}

/// 08a and 08b: one group per declaring unit, one row per class.
fn summary_rows(conn: &mut DbConn, form: Form, req: &Request, progress: &Progress) -> AppResult<Vec<Row>> {
    use crate::db::schema::revaluations;
    let classes: Vec<(String, String, i32)> = asset_classes::table
        .order(asset_classes::sort_order)
        .select((asset_classes::code, asset_classes::name, asset_classes::sort_order))
        .load(conn)?;
    let mut rows = vec![];
    for unit in covered_units(conn, req.unit_id)? {
        let closing = held(conn, unit.id, req.as_of, progress)?;
        match form {
            Form::Summary => {
                for (code, name, _) in &classes {
                    let of_class: Vec<&Held> = closing.iter().filter(|h| &h.class_code == code).collect();
                    if of_class.is_empty() {
                        continue;
                    }
                    let mut row = Row::new();
                    row.insert("group", json!(unit.name));
                    row.insert("asset", json!(name));
                    row.insert("quantity", json!(of_class.iter().map(|h| h.asset.quantity as i64).sum::<i64>()));
                    let area: Option<f64> = of_class.iter().filter_map(|h| area_of(h)).reduce(|a, b| a + b);
                    row.insert("area", json!(area));
                    let mut used: BTreeMap<String, f64> = BTreeMap::new();
                    for h in &of_class {
                        let cols = usage_columns(h);
                        for (col, v) in cols {
                            // m² of land and houses; one per marked asset of the rest.
                            let add =
                                if catalogue().measure_of(code) == super::catalogue::Measure::Area { v } else { 1.0 };
                            *used.entry(col).or_default() += add;
                        }
                    }
                    for col in ["qlnn", "hdsn_khong_kd", "hdsn_kd", "cho_thue", "ldlk", "hon_hop", "khac"] {
                        let key = column_key(col);
                        // Land and houses give their trụ sở to «quản lý nhà nước».
                        let v = match col {
                            "qlnn" => {
                                used.get("qlnn").copied().unwrap_or(0.0) + used.get("tru_so").copied().unwrap_or(0.0)
                            }
                            _ => used.get(col).copied().unwrap_or(0.0),
                        };
                        row.insert(key, if v > 0.0 { json!(v) } else { Value::Null });
                    }
                    rows.push(row);
                }
            }
            _ => {
                let start = req.period_start();
                let before = start.pred_opt().unwrap_or(start);
                let opening = held(conn, unit.id, before, progress)?;
                let ids: Vec<i32> = closing.iter().chain(opening.iter()).map(|h| h.asset.id).collect();
                let mut revalued: HashMap<i32, Vec<(NaiveDate, i64)>> = HashMap::new();
                for chunk in ids.chunks(500) {
                    let rs: Vec<(i32, NaiveDate, i64)> = revaluations::table
                        .filter(revaluations::asset_id.eq_any(chunk))
                        .order((revaluations::decided_on, revaluations::id))
                        .select((revaluations::asset_id, revaluations::decided_on, revaluations::old_cost))
                        .load(conn)?;
                    for (id, on, old) in rs {
                        revalued.entry(id).or_default().push((on, old));
                    }
                }
                for (code, name, _) in &classes {
                    // Per asset: what it counted at the start and at the end; the difference is
                    // an increase or a decrease, so that the closing is the opening plus one less the other.
                    let measure = |h: &Held, on: NaiveDate| {
                        (h.asset.quantity as i64, area_of(h).unwrap_or(0.0), cost_on(h, &revalued, on))
                    };
                    let start_of: HashMap<i32, (i64, f64, i64)> = opening
                        .iter()
                        .filter(|h| &h.class_code == code)
                        .map(|h| (h.asset.id, measure(h, before)))
                        .collect();
                    let end_of: HashMap<i32, (i64, f64, i64)> = closing
                        .iter()
                        .filter(|h| &h.class_code == code)
                        .map(|h| (h.asset.id, measure(h, req.as_of)))
                        .collect();
                    if start_of.is_empty() && end_of.is_empty() {
                        continue;
                    }
                    let (mut open, mut close, mut inc, mut dec) =
                        ((0i64, 0f64, 0i64), (0i64, 0f64, 0i64), (0i64, 0f64, 0i64), (0i64, 0f64, 0i64));
                    let all: std::collections::BTreeSet<i32> = start_of.keys().chain(end_of.keys()).copied().collect();
                    for id in all {
                        let a = start_of.get(&id).copied().unwrap_or((0, 0.0, 0));
                        let b = end_of.get(&id).copied().unwrap_or((0, 0.0, 0));
                        open = (open.0 + a.0, open.1 + a.1, open.2 + a.2);
                        close = (close.0 + b.0, close.1 + b.1, close.2 + b.2);
                        let (dq, da, dc) = (b.0 - a.0, b.1 - a.1, b.2 - a.2);
                        inc = (inc.0 + dq.max(0), inc.1 + da.max(0.0), inc.2 + dc.max(0));
                        dec = (dec.0 + (-dq).max(0), dec.1 + (-da).max(0.0), dec.2 + (-dc).max(0));
                    }
                    let mut row = Row::new();
                    row.insert("group", json!(unit.name));
                    row.insert("asset", json!(name));
                    let land_or_house = matches!(code.as_str(), "DAT" | "NHA");
                    for (p, (q, area, cost)) in [("open", open), ("in", inc), ("out", dec), ("close", close)] {
                        let key = |s: &str| -> &'static str {
                            match (p, s) {
                                ("open", "qty") => "open_qty",
                                ("open", "area") => "open_area",
                                ("open", _) => "open_cost",
                                ("in", "qty") => "in_qty",
                                ("in", "area") => "in_area",
                                ("in", _) => "in_cost",
                                ("out", "qty") => "out_qty",
                                ("out", "area") => "out_area",
                                ("out", _) => "out_cost",
                                (_, "qty") => "close_qty",
                                (_, "area") => "close_area",
                                _ => "close_cost",
                            }
                        };
                        row.insert(key("qty"), json!(q));
                        row.insert(key("area"), if land_or_house { json!(area) } else { Value::Null });
                        row.insert(key("cost"), json!(cost));
                    }
                    rows.push(row);
                }
            }
        }
    }
    Ok(rows)
}
