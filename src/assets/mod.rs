//! The register (sổ tài sản): assets, their classification, wear and history.

pub mod api;
pub mod export;
pub mod guess;
pub mod import;
pub mod import_web;
pub mod pages;
pub mod wear;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{asset_categories, asset_classes, assets, org_units, register_totals_now, tasks};
use crate::db::{DbBackend, DbConn};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::rules::{OrgUnit, Rules};
use crate::text::{self, fold, today};
use wear::{AssetKind, WearBasis, WearSchedule};

/// Tình trạng sử dụng — the statuses an asset can be in.
/// The status a handling's write-down (ghi giảm) gives an asset: it has left the register.
pub const WRITTEN_DOWN: &str = "da_xu_ly";

pub const STATUSES: &[(&str, &str)] = &[
    ("dang_su_dung", "Đang sử dụng"),
    ("chua_su_dung", "Chưa sử dụng"),
    ("hong_cho_xu_ly", "Hỏng, chờ xử lý"),
    ("cho_xu_ly", "Chờ xử lý"),
    ("da_xu_ly", "Đã xử lý"),
    ("mat", "Mất"),
];

/// The class of cars (xe ô tô, type 4 of the national catalogue): never sold by listed price or to
/// an appointed buyer (NĐ 186/2025/NĐ-CP, Điều 26.1, 27.1).
pub const CAR_CLASS: &str = "OTO";

pub const KINDS: &[(&str, &str)] =
    &[("huu_hinh", "TSCĐ hữu hình"), ("vo_hinh", "TSCĐ vô hình"), ("ccdc", "Công cụ, dụng cụ")];

/// For assets formed by S&T tasks (NĐ 70/2018): bought for the task, or its result.
pub const TASK_ASSET_KINDS: &[(&str, &str)] = &[("trang_bi", "Tài sản trang bị"), ("ket_qua", "Tài sản là kết quả")];

/// How an asset the count found that the books did not hold enters them.
pub const FOUND_AT_COUNT: &str = "phat_hien_thua";

pub const ACQUISITION_METHODS: &[(&str, &str)] = &[
    ("mua_sam", "Mua sắm"),
    ("nhiem_vu", "Hình thành từ nhiệm vụ KH&CN"),
    ("tiep_nhan", "Tiếp nhận, điều chuyển đến"),
    ("dau_tu_xay_dung", "Đầu tư xây dựng"),
    ("giao_dat", "Được giao đất"),
    ("tang_cho", "Được tặng, cho"),
    (FOUND_AT_COUNT, "Phát hiện thừa khi kiểm kê"),
    ("khac", "Khác"),
];

pub fn label(choices: &[(&str, &str)], code: &str) -> String {
    choices.iter().find(|(c, _)| *c == code).map(|(_, n)| n.to_string()).unwrap_or_else(|| code.to_string())
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = assets, treat_none_as_default_value = false)]
pub struct Asset {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub class_id: i32,
    pub category_id: i32,
    pub kind: String,
    pub task_asset_kind: Option<String>,
    pub unit_of_measure: String,
    pub quantity: i32,
    pub area_m2: Option<f64>,
    pub cost_state: i64,
    pub cost_other: i64,
    pub original_cost: i64,
    pub acquisition_method: String,
    pub acquired_on: Option<NaiveDate>,
    pub acquired_year: Option<i32>,
    pub in_use_on: Option<NaiveDate>,
    pub year_made: Option<i32>,
    pub country: Option<String>,
    pub task_id: Option<i32>,
    pub unit_id: i32,
    pub location: Option<String>,
    pub responsible_person: Option<String>,
    pub status: String,
    pub condition: Option<String>,
    pub specification: Option<String>,
    pub serial_no: Option<String>,
    pub notes: Option<String>,
    pub opening_wear: i64,
    pub opening_wear_as_of: Option<NaiveDate>,
    pub accumulated_wear: i64,
    pub residual_value: i64,
    pub wear_as_of: Option<NaiveDate>,
    #[serde(skip)]
    pub search_text: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Asset {
    pub fn wear_basis(&self) -> WearBasis {
        WearBasis {
            original_cost: self.original_cost,
            kind: match self.kind.as_str() {
                "ccdc" => AssetKind::Tool,
                "vo_hinh" => AssetKind::Intangible,
                _ => AssetKind::Tangible,
            },
            class_id: self.class_id,
            category_id: self.category_id,
            start_date: self.in_use_on.or(self.acquired_on),
            opening_wear: self.opening_wear,
            opening_wear_as_of: self.opening_wear_as_of,
        }
    }

    /// Đủ tiêu chuẩn tài sản cố định: not a tool (công cụ, dụng cụ).
    pub fn is_fixed_asset(&self) -> bool {
        self.kind != "ccdc"
    }

    pub fn wear_schedule(&self, rules: &Rules, as_of: NaiveDate) -> AppResult<WearSchedule> {
        wear::schedule(&self.wear_basis(), rules, as_of)
    }
}

/// An asset with the names of what it refers to, as the API and the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    #[serde(flatten)]
    pub asset: Asset,
    pub class_code: String,
    pub class_name: String,
    pub category_code: String,
    pub category_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub task_code: Option<String>,
    pub task_title: Option<String>,
    pub status_name: String,
    pub kind_name: String,
}

/// The small reference tables, read once per request to name what assets refer to.
pub struct Lookups {
    pub rules: Rules,
    pub units: Vec<OrgUnit>,
    pub tasks: HashMap<i32, (String, String)>,
}

impl Lookups {
    pub fn load(conn: &mut DbConn, task_ids: &[i32]) -> AppResult<Lookups> {
        let units = org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(conn)?;
        let tasks: Vec<(i32, String, String)> = if task_ids.is_empty() {
            vec![]
        } else {
            tasks::table.filter(tasks::id.eq_any(task_ids)).select((tasks::id, tasks::code, tasks::title)).load(conn)?
        };
        Ok(Lookups {
            rules: Rules::load_names(conn)?,
            units,
            tasks: tasks.into_iter().map(|(id, c, t)| (id, (c, t))).collect(),
        })
    }

    pub fn view(&self, asset: Asset) -> AssetView {
        let class = self.rules.class(asset.class_id);
        let category = self.rules.category(asset.category_id);
        let unit = self.units.iter().find(|u| u.id == asset.unit_id);
        let task = asset.task_id.and_then(|id| self.tasks.get(&id));
        AssetView {
            class_code: class.map(|c| c.code.clone()).unwrap_or_default(),
            class_name: class.map(|c| c.name.clone()).unwrap_or_default(),
            category_code: category.map(|c| c.code.clone()).unwrap_or_default(),
            category_name: category.map(|c| c.name.clone()).unwrap_or_default(),
            unit_code: unit.map(|u| u.code.clone()).unwrap_or_default(),
            unit_name: unit.map(|u| u.name.clone()).unwrap_or_default(),
            task_code: task.map(|t| t.0.clone()),
            task_title: task.map(|t| t.1.clone()),
            status_name: label(STATUSES, &asset.status),
            kind_name: label(KINDS, &asset.kind),
            asset,
        }
    }
}

// ---- Listing -----------------------------------------------------------------------------------

/// Filters, search, sort and page of the register, as read from a query string.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AssetFilter {
    pub q: Option<String>,
    pub unit_id: Option<i32>,
    pub task_id: Option<i32>,
    pub category_id: Option<i32>,
    pub class_id: Option<i32>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    /// Assets of accepted tasks not yet handled (tài sản chờ xử lý của nhiệm vụ đã nghiệm thu).
    pub awaiting_handling: bool,
    /// Gồm cả tài sản đã ghi giảm: a written-down asset has left the register and its sums unless
    /// asked for (or its status is the filter); the books of a period always see it.
    pub include_written_down: bool,
    /// The one unit a person may see, set from their account, never from the query string.
    #[serde(skip)]
    pub scope_units: Option<Vec<i32>>,
    pub sort: String,
    pub desc: bool,
    pub page: i64,
    pub per_page: i64,
}

pub const SORTS: &[(&str, &str)] = &[
    ("code", "Mã"),
    ("name", "Tên"),
    ("original_cost", "Nguyên giá"),
    ("residual_value", "Giá trị còn lại"),
    ("acquired_on", "Ngày tăng"),
    ("status", "Tình trạng"),
];

impl AssetFilter {
    /// Reads the filter a person asked for, limited to what their scope lets them see.
    pub fn read(input: &mut Input, scope: &Scope) -> AssetFilter {
        AssetFilter {
            scope_units: scope.read_units.clone(),
            q: input.text("q", "Tìm kiếm", false, 200),
            unit_id: input.id("unit_id", "Đơn vị"),
            task_id: input.id("task_id", "Nhiệm vụ"),
            category_id: input.id("category_id", "Nhóm tài sản"),
            class_id: input.id("class_id", "Loại tài sản"),
            status: input.choice("status", "Tình trạng", STATUSES, false),
            kind: input.choice("kind", "Loại", KINDS, false),
            year: input.int("year", "Năm", 1900, 2200).map(|y| y as i32),
            awaiting_handling: input
                .text("awaiting_handling", "Chờ xử lý", false, 10)
                .is_some_and(|v| v != "0" && v != "false"),
            include_written_down: input
                .text("include_written_down", "Gồm cả tài sản đã ghi giảm", false, 10)
                .is_some_and(|v| v != "0" && v != "false"),
            sort: input.choice("sort", "Sắp xếp", SORTS, false).unwrap_or_else(|| "code".into()),
            desc: input.choice("order", "Thứ tự", &[("asc", "Tăng dần"), ("desc", "Giảm dần")], false).as_deref()
                == Some("desc"),
            page: input.int("page", "Trang", 1, 1_000_000).unwrap_or(1),
            per_page: input.int("per_page", "Số dòng mỗi trang", 1, 500).unwrap_or(50),
        }
    }

    fn query(&self) -> assets::BoxedQuery<'static, DbBackend> {
        let mut q = assets::table.into_boxed();
        for pattern in self.q.as_deref().map(text::like_patterns).unwrap_or_default() {
            q = q.filter(assets::search_text.like(pattern).escape('\\'));
        }
        if let Some(v) = self.unit_id {
            q = q.filter(assets::unit_id.eq(v));
        }
        if let Some(v) = &self.scope_units {
            q = q.filter(assets::unit_id.eq_any(v.clone()));
        }
        if let Some(v) = self.task_id {
            q = q.filter(assets::task_id.eq(v));
        }
        if let Some(v) = self.category_id {
            q = q.filter(assets::category_id.eq(v));
        }
        if let Some(v) = self.class_id {
            q = q.filter(assets::class_id.eq(v));
        }
        if let Some(v) = &self.status {
            q = q.filter(assets::status.eq(v.clone()));
        } else if !self.include_written_down {
            q = q.filter(assets::status.ne(WRITTEN_DOWN));
        }
        if let Some(v) = &self.kind {
            q = q.filter(assets::kind.eq(v.clone()));
        }
        if let Some(v) = self.year {
            q = q.filter(assets::acquired_year.eq(v));
        }
        if self.awaiting_handling {
            let accepted = tasks::table.filter(tasks::status.eq(crate::tasks::ACCEPTED)).select(tasks::id.nullable());
            q = q.filter(assets::task_id.eq_any(accepted)).filter(assets::status.ne("da_xu_ly"));
        }
        q
    }

    /// The kept totals' rows this filter selects, when it asks only what they are kept by. Every
    /// field is named here, so that a filter added to the register must say whether the kept
    /// totals can answer it (else they would silently ignore it).
    fn kept_totals(&self) -> Option<register_totals_now::BoxedQuery<'static, DbBackend>> {
        let AssetFilter {
            q,
            unit_id,
            task_id,
            category_id,
            class_id,
            status,
            kind,
            year,
            awaiting_handling,
            include_written_down,
            scope_units,
            sort: _,
            desc: _,
            page: _,
            per_page: _,
        } = self;
        let searching = q.as_deref().is_some_and(|q| !text::like_patterns(q).is_empty());
        if searching || task_id.is_some() || *awaiting_handling {
            return None;
        }
        let mut t = register_totals_now::table.into_boxed();
        if let Some(v) = unit_id {
            t = t.filter(register_totals_now::unit_id.eq(*v));
        }
        if let Some(v) = scope_units {
            t = t.filter(register_totals_now::unit_id.eq_any(v.clone()));
        }
        if let Some(v) = category_id {
            t = t.filter(register_totals_now::category_id.eq(*v));
        }
        if let Some(v) = class_id {
            t = t.filter(register_totals_now::class_id.eq(*v));
        }
        if let Some(v) = status {
            t = t.filter(register_totals_now::status.eq(v.clone()));
        } else if !include_written_down {
            t = t.filter(register_totals_now::status.ne(WRITTEN_DOWN));
        }
        if let Some(v) = kind {
            t = t.filter(register_totals_now::kind.eq(v.clone()));
        }
        if let Some(v) = year {
            t = t.filter(register_totals_now::acquired_year.eq(*v));
        }
        Some(t)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetPage {
    pub items: Vec<AssetView>,
    pub total: i64,
    pub total_original_cost: i64,
    pub total_residual_value: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Count, total original cost and total residual value of a set of assets.
pub type Sums = (i64, i64, i64);

type SumsSql = (SqlLiteral<BigInt>, SqlLiteral<BigInt>, SqlLiteral<BigInt>);

/// The select of `Sums` over `assets`. SUM of BIGINT is NUMERIC on PostgreSQL: it is cast back.
pub fn sums_sql() -> SumsSql {
    (
        sql::<BigInt>("COUNT(*)"),
        sql::<BigInt>("CAST(COALESCE(SUM(assets.original_cost), 0) AS BIGINT)"),
        sql::<BigInt>("CAST(COALESCE(SUM(assets.residual_value), 0) AS BIGINT)"),
    )
}

/// Count and sums of everything matched: from the totals kept beside the register when the filter
/// is one of its common ones (unit, class, category, status, kind, year), else over the rows.
pub fn totals(conn: &mut DbConn, filter: &AssetFilter) -> AppResult<Sums> {
    match filter.kept_totals() {
        Some(q) => Ok(q
            .select((
                sql::<BigInt>("CAST(COALESCE(SUM(assets), 0) AS BIGINT)"),
                sql::<BigInt>("CAST(COALESCE(SUM(original_cost), 0) AS BIGINT)"),
                sql::<BigInt>("CAST(COALESCE(SUM(residual_value), 0) AS BIGINT)"),
            ))
            .get_result(conn)?),
        None => totals_over_rows(conn, filter),
    }
}

/// Folds the changes PostgreSQL's triggers appended into the kept totals, in one statement (SQLite's
/// triggers write the totals directly). Called where many changes were just made — the end of an
/// import, the year-end wear, a unit's reclassification — and at start; the list is right without
/// it, only slower.
pub fn fold_totals(conn: &mut DbConn) -> AppResult<()> {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("SELECT register_totals_fold()").execute(c)?;
    }
    Ok(())
}

/// Count and sums straight from the rows, whatever the filter: what the kept totals must equal.
pub fn totals_over_rows(conn: &mut DbConn, filter: &AssetFilter) -> AppResult<Sums> {
    Ok(filter.query().select(sums_sql()).get_result(conn)?)
}

/// One page of matched assets in the requested order (the id breaks ties so pages never overlap).
pub fn page_rows(conn: &mut DbConn, filter: &AssetFilter) -> AppResult<Vec<Asset>> {
    let q = filter.query();
    let q = match (filter.sort.as_str(), filter.desc) {
        ("name", false) => q.order(assets::name.asc()),
        ("name", true) => q.order(assets::name.desc()),
        ("original_cost", false) => q.order(assets::original_cost.asc()),
        ("original_cost", true) => q.order(assets::original_cost.desc()),
        ("residual_value", false) => q.order(assets::residual_value.asc()),
        ("residual_value", true) => q.order(assets::residual_value.desc()),
        ("acquired_on", false) => q.order(assets::acquired_on.asc()),
        ("acquired_on", true) => q.order(assets::acquired_on.desc()),
        ("status", false) => q.order(assets::status.asc()),
        ("status", true) => q.order(assets::status.desc()),
        (_, false) => q.order(assets::code.asc()),
        (_, true) => q.order(assets::code.desc()),
    };
    Ok(q.then_order_by(assets::id.asc())
        .limit(filter.per_page)
        .offset((filter.page - 1) * filter.per_page)
        .select(Asset::as_select())
        .load(conn)?)
}

pub fn list(conn: &mut DbConn, filter: &AssetFilter) -> AppResult<AssetPage> {
    let (total, total_original_cost, total_residual_value) = totals(conn, filter)?;
    // A page past what matched is empty without asking: a search that matches nothing would
    // otherwise walk the whole register in the page's order looking for a first row.
    let rows = if (filter.page - 1) * filter.per_page < total { page_rows(conn, filter)? } else { vec![] };
    let task_ids: Vec<i32> = rows.iter().filter_map(|a| a.task_id).collect();
    let lookups = Lookups::load(conn, &task_ids)?;
    Ok(AssetPage {
        items: rows.into_iter().map(|a| lookups.view(a)).collect(),
        total,
        total_original_cost,
        total_residual_value,
        page: filter.page,
        per_page: filter.per_page,
    })
}

pub fn find(conn: &mut DbConn, id: i32) -> AppResult<Asset> {
    assets::table
        .find(id)
        .select(Asset::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("tài sản số {id}")))
}

/// The units of the given assets, each once: the scope a record inherits from what it touches.
pub fn units_of_assets(conn: &mut DbConn, ids: &[i32]) -> AppResult<Vec<i32>> {
    let mut units: Vec<i32> =
        assets::table.filter(assets::id.eq_any(ids)).select(assets::unit_id).distinct().load(conn)?;
    units.sort_unstable();
    Ok(units)
}

/// A route naming an asset reaches its unit.
pub const REACH: crate::web::Reach = crate::web::Reach::Record(units_of);

/// The unit of an asset (`web::Reach`).
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    Ok(assets::table.find(id).select(assets::unit_id).first(conn).optional()?.map(|u| vec![u]))
}

/// An asset the person may see.
pub fn find_visible(conn: &mut DbConn, id: i32, scope: &Scope) -> AppResult<Asset> {
    let asset = find(conn, id)?;
    scope.check_read(asset.unit_id)?;
    Ok(asset)
}

pub fn find_view(conn: &mut DbConn, id: i32) -> AppResult<AssetView> {
    let asset = find(conn, id)?;
    view_of(conn, asset)
}

/// An asset already read, with the names of what it refers to.
pub(crate) fn view_of(conn: &mut DbConn, asset: Asset) -> AppResult<AssetView> {
    let task_ids: Vec<i32> = asset.task_id.into_iter().collect();
    Ok(Lookups::load(conn, &task_ids)?.view(asset))
}

// ---- Writing -----------------------------------------------------------------------------------

/// The fields a client may set, as `Input` keys; everything else is derived.
pub const EDITABLE: &[&str] = &[
    "code",
    "name",
    "category_id",
    "task_id",
    "task_asset_kind",
    "unit_of_measure",
    "quantity",
    "area_m2",
    "cost_state",
    "cost_other",
    "acquisition_method",
    "acquired_on",
    "in_use_on",
    "year_made",
    "country",
    "unit_id",
    "location",
    "responsible_person",
    "status",
    "condition",
    "specification",
    "serial_no",
    "notes",
    "opening_wear",
    "opening_wear_as_of",
];

/// The editable fields of a stored asset, in the form `Input` reads (for updates that send only
/// some fields, and for the edit page).
pub fn editable_json(a: &Asset) -> Value {
    let full = serde_json::to_value(a).unwrap_or(Value::Null);
    let mut out = serde_json::Map::new();
    for key in EDITABLE {
        out.insert(key.to_string(), full.get(*key).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// An asset's stored fields, checked, before it has an id.
#[derive(Insertable, AsChangeset)]
// Every value is given (None is NULL, not the column's default), so that many rows go in one
// INSERT: diesel inserts rows that may hold defaults one statement each on SQLite.
#[diesel(table_name = assets, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AssetRecord {
    code: String,
    name: String,
    class_id: i32,
    category_id: i32,
    kind: String,
    task_asset_kind: Option<String>,
    unit_of_measure: String,
    quantity: i32,
    area_m2: Option<f64>,
    cost_state: i64,
    cost_other: i64,
    original_cost: i64,
    acquisition_method: String,
    acquired_on: Option<NaiveDate>,
    acquired_year: Option<i32>,
    in_use_on: Option<NaiveDate>,
    year_made: Option<i32>,
    country: Option<String>,
    task_id: Option<i32>,
    unit_id: i32,
    location: Option<String>,
    responsible_person: Option<String>,
    status: String,
    condition: Option<String>,
    specification: Option<String>,
    serial_no: Option<String>,
    notes: Option<String>,
    opening_wear: i64,
    opening_wear_as_of: Option<NaiveDate>,
    accumulated_wear: i64,
    residual_value: i64,
    wear_as_of: Option<NaiveDate>,
    search_text: String,
    updated_at: NaiveDateTime,
}

impl AssetRecord {
    /// The asset as stored under `id` (what a read after the write would return).
    fn to_asset(&self, id: i32, version: i32, created_at: NaiveDateTime) -> Asset {
        Asset {
            id,
            code: self.code.clone(),
            name: self.name.clone(),
            class_id: self.class_id,
            category_id: self.category_id,
            kind: self.kind.clone(),
            task_asset_kind: self.task_asset_kind.clone(),
            unit_of_measure: self.unit_of_measure.clone(),
            quantity: self.quantity,
            area_m2: self.area_m2,
            cost_state: self.cost_state,
            cost_other: self.cost_other,
            original_cost: self.original_cost,
            acquisition_method: self.acquisition_method.clone(),
            acquired_on: self.acquired_on,
            acquired_year: self.acquired_year,
            in_use_on: self.in_use_on,
            year_made: self.year_made,
            country: self.country.clone(),
            task_id: self.task_id,
            unit_id: self.unit_id,
            location: self.location.clone(),
            responsible_person: self.responsible_person.clone(),
            status: self.status.clone(),
            condition: self.condition.clone(),
            specification: self.specification.clone(),
            serial_no: self.serial_no.clone(),
            notes: self.notes.clone(),
            opening_wear: self.opening_wear,
            opening_wear_as_of: self.opening_wear_as_of,
            accumulated_wear: self.accumulated_wear,
            residual_value: self.residual_value,
            wear_as_of: self.wear_as_of,
            search_text: self.search_text.clone(),
            updated_at: self.updated_at,
            version,
            created_at,
        }
    }
}

/// Reads and checks an asset from `input` against the database; every problem is reported per field.
/// Fields of the JSON view that a client may send back unchanged; they are ignored on input.
const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "original_cost",
    "class_id",
    "kind",
    "acquired_year",
    "accumulated_wear",
    "residual_value",
    "wear_as_of",
    "created_at",
    "updated_at",
    "class_code",
    "class_name",
    "category_code",
    "category_name",
    "unit_code",
    "unit_name",
    "task_code",
    "task_title",
    "status_name",
    "kind_name",
    // Its chain of evidence, as `GET` shows it (`evidence::related`).
    "related",
];

/// What checking an asset needs besides the asset itself — the rules, the units, the tasks — read
/// once: for a form, once a request; for an import, once a file.
#[derive(Clone)]
pub struct Checker {
    pub rules: Rules,
    unit_codes: HashMap<i32, String>,
    task_ids: std::collections::HashSet<i32>,
    /// The caller has checked the codes against the register (an import looks them up a batch at
    /// a time), so a code is not looked up again row by row.
    pub codes_checked: bool,
    /// The last number given for each prefix of a generated code, so that an import generating
    /// many codes asks the database once per prefix. Valid while the transaction holds the write lock.
    last_seq: HashMap<(String, String), u64>,
}

impl Checker {
    pub fn load(conn: &mut DbConn) -> AppResult<Checker> {
        let units: Vec<(i32, String)> = org_units::table.select((org_units::id, org_units::code)).load(conn)?;
        let task_ids: Vec<i32> = tasks::table.select(tasks::id).load(conn)?;
        Ok(Checker {
            rules: Rules::load(conn)?,
            unit_codes: units.into_iter().collect(),
            task_ids: task_ids.into_iter().collect(),
            codes_checked: false,
            last_seq: HashMap::new(),
        })
    }
}

fn read_record(
    conn: &mut DbConn,
    input: &mut Input,
    checker: &mut Checker,
    own_id: Option<i32>,
) -> AppResult<AssetRecord> {
    let checked = if checker.codes_checked {
        check_fields(input, checker, &mut |_| Ok(false))?
    } else {
        check_fields(input, checker, &mut |code| {
            let taken: Option<i32> =
                assets::table.filter(assets::code.eq(code)).select(assets::id).first(conn).optional()?;
            Ok(taken.is_some_and(|id| Some(id) != own_id))
        })?
    };
    checked.numbered(conn, checker)
}

/// An asset read and checked, but for the code the pattern is still to give when the input gave
/// none (the database knows the last number given: `numbered`).
/// See `Checked::identity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub unit_id: i32,
    pub name: String,
    pub original_cost: i64,
    pub acquired_on: Option<NaiveDate>,
}

impl Identity {
    pub fn of(a: &Asset) -> Identity {
        Identity { unit_id: a.unit_id, name: fold(&a.name), original_cost: a.original_cost, acquired_on: a.acquired_on }
    }
}

pub struct Checked {
    record: AssetRecord,
    /// The class code and the date the pattern needs.
    number_from: Option<(String, NaiveDate)>,
}

impl Checked {
    pub fn unit_id(&self) -> i32 {
        self.record.unit_id
    }

    /// What makes a row without a code the same asset as one already in the register: its unit,
    /// its name (folded), its original cost and its acquisition date. `None` when the row has a
    /// code (the code decides).
    pub fn identity(&self) -> Option<Identity> {
        self.number_from.as_ref()?;
        Some(Identity {
            unit_id: self.record.unit_id,
            name: fold(&self.record.name),
            original_cost: self.record.original_cost,
            acquired_on: self.record.acquired_on,
        })
    }

    /// The record, with the code the pattern gives when the input gave none.
    pub fn numbered(mut self, conn: &mut DbConn, checker: &mut Checker) -> AppResult<AssetRecord> {
        if let Some((class_code, on)) = self.number_from.take() {
            self.record.code = next_code(conn, checker, self.record.unit_id, &class_code, on)?;
            self.record.search_text = search_text_of(&self.record);
        }
        Ok(self.record)
    }
}

fn search_text_of(r: &AssetRecord) -> String {
    fold(
        &[Some(&r.code), Some(&r.name), r.serial_no.as_ref(), r.specification.as_ref(), r.location.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Every check of an asset that needs no database besides `taken` (is this code someone else's?),
/// so that an import can run them on another core while it writes.
pub fn check_fields(
    input: &mut Input,
    checker: &Checker,
    taken: &mut dyn FnMut(&str) -> AppResult<bool>,
) -> AppResult<Checked> {
    let today = today();
    let rules = &checker.rules;
    input.reject_unknown(EDITABLE, READ_ONLY);
    let code = input.text("code", "Mã tài sản", false, 50);
    if let Some(c) = &code {
        if !c.chars().all(|ch| ch.is_alphanumeric() || "-_./".contains(ch)) {
            input.error("code", format!("«Mã tài sản»: «{c}» chỉ được gồm chữ, số và các dấu - _ . /"));
        } else if taken(c)? {
            input.error("code", format!("Mã tài sản «{c}» đã có trong sổ"));
        }
    }
    let name = input.text("name", "Tên tài sản", true, 500);
    let category_id = input.id("category_id", "Nhóm tài sản");
    let category = category_id.and_then(|id| rules.category(id));
    if category_id.is_some() && category.is_none() {
        input.error("category_id", "Nhóm tài sản không tồn tại");
    }
    let category = input.required(category, "category_id", "Nhóm tài sản");
    let unit_id = input.id("unit_id", "Đơn vị quản lý");
    if unit_id.is_some_and(|id| !checker.unit_codes.contains_key(&id)) {
        input.error("unit_id", "Đơn vị quản lý không tồn tại");
    }
    let unit_id = input.required(unit_id, "unit_id", "Đơn vị quản lý");
    let task_id = input.id("task_id", "Nhiệm vụ KH&CN");
    if task_id.is_some_and(|id| !checker.task_ids.contains(&id)) {
        input.error("task_id", "Nhiệm vụ KH&CN không tồn tại");
    }
    let task_asset_kind = input.choice("task_asset_kind", "Tài sản trang bị / kết quả", TASK_ASSET_KINDS, false);
    if task_id.is_some() && task_asset_kind.is_none() && !input.has_error("task_asset_kind") {
        input.error("task_asset_kind", "Tài sản của nhiệm vụ phải ghi rõ là tài sản trang bị hay tài sản là kết quả");
    }
    if task_id.is_none() && task_asset_kind.is_some() {
        input.error("task_asset_kind", "Chỉ ghi «trang bị / kết quả» cho tài sản của nhiệm vụ KH&CN");
    }
    let unit_of_measure = input.text("unit_of_measure", "Đơn vị tính", false, 50).unwrap_or_else(|| "Cái".into());
    let quantity = input.int("quantity", "Số lượng", 1, 1_000_000_000).unwrap_or(1) as i32;
    let area_m2 = input.decimal("area_m2", "Diện tích (m²)");
    let cost_state = input.money("cost_state", "Nguyên giá — nguồn NSNN");
    let cost_other = input.money("cost_other", "Nguyên giá — nguồn khác");
    let total = input.money("original_cost", "Nguyên giá");
    let (cost_state, cost_other) = match (cost_state, cost_other, total) {
        (None, None, Some(t)) => (t, 0),
        (s, o, t) => {
            let (s, o) = (s.unwrap_or(0), o.unwrap_or(0));
            if t.is_some_and(|t| t != s + o) {
                input.error("original_cost", "Nguyên giá phải bằng nguồn NSNN cộng nguồn khác");
            }
            (s, o)
        }
    };
    let original_cost = cost_state.checked_add(cost_other).unwrap_or(i64::MAX);
    let acquisition_method = input
        .choice("acquisition_method", "Hình thức hình thành", ACQUISITION_METHODS, false)
        .unwrap_or_else(|| if task_id.is_some() { "nhiem_vu".into() } else { "mua_sam".into() });
    let acquired_on = input.date("acquired_on", "Ngày tăng");
    let in_use_on = input.date("in_use_on", "Ngày đưa vào sử dụng");
    if acquired_on.is_some_and(|d| d > today) {
        input.error("acquired_on", "«Ngày tăng» không được sau ngày hôm nay");
    }
    if let (Some(a), Some(u)) = (acquired_on, in_use_on) {
        if u < a {
            input.error("in_use_on", "«Ngày đưa vào sử dụng» không được trước «Ngày tăng»");
        }
    }
    let year_made = input.int("year_made", "Năm sản xuất", 1900, today.year() as i64).map(|y| y as i32);
    let country = input.text("country", "Nước sản xuất", false, 100);
    let location = input.text("location", "Vị trí", false, 200);
    let responsible_person = input.text("responsible_person", "Người chịu trách nhiệm", false, 200);
    let status = input.choice("status", "Tình trạng", STATUSES, false).unwrap_or_else(|| "dang_su_dung".into());
    let condition = input.text("condition", "Hiện trạng", false, 500);
    let specification = input.text("specification", "Thông số kỹ thuật", false, 2000);
    let serial_no = input.text("serial_no", "Số hiệu / serial", false, 100);
    let notes = input.text("notes", "Ghi chú", false, 4000);
    let opening_wear = input.money("opening_wear", "Hao mòn lũy kế đầu kỳ").unwrap_or(0);
    let opening_wear_as_of = input.date("opening_wear_as_of", "Ngày chốt hao mòn đầu kỳ");
    if opening_wear > original_cost {
        input.error("opening_wear", "Hao mòn lũy kế không được lớn hơn nguyên giá");
    }
    if opening_wear > 0 && opening_wear_as_of.is_none() && !input.has_error("opening_wear_as_of") {
        input.error("opening_wear_as_of", "Cần ghi ngày chốt số hao mòn lũy kế đầu kỳ");
    }
    if opening_wear_as_of.is_some_and(|d| d > today) {
        input.error("opening_wear_as_of", "«Ngày chốt hao mòn đầu kỳ» không được sau ngày hôm nay");
    }
    let (Some(name), Some(category), Some(unit_id)) = (name, category, unit_id) else {
        return Err(finish_err(input));
    };
    let class =
        rules.class(category.class_id).ok_or_else(|| AppError::Internal("nhóm tài sản không có loại".into()))?;
    // The threshold applies to one item: a row of 4 sprayers at 9,5 million each is 4 tools.
    let kind = wear::classify(
        original_cost / quantity.max(1) as i64,
        class,
        acquired_on.unwrap_or(today),
        Some(unit_id),
        rules,
    )?;
    let basis = WearBasis {
        original_cost,
        kind,
        class_id: class.id,
        category_id: category.id,
        start_date: in_use_on.or(acquired_on),
        opening_wear,
        opening_wear_as_of,
    };
    let close = wear::last_close(today);
    let schedule = wear::schedule(&basis, rules, close)?;
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (class_id, category_id) = (class.id, category.id);
    let number_from = code.is_none().then(|| (class.code.clone(), acquired_on.unwrap_or(today)));
    let mut record = AssetRecord {
        code: code.unwrap_or_default(),
        name,
        class_id,
        category_id,
        kind: kind.code().into(),
        task_asset_kind,
        unit_of_measure,
        quantity,
        area_m2,
        cost_state,
        cost_other,
        original_cost,
        acquisition_method,
        acquired_on,
        acquired_year: acquired_on.map(|d| d.year()),
        in_use_on,
        year_made,
        country,
        task_id,
        unit_id,
        location,
        responsible_person,
        status,
        condition,
        specification,
        serial_no,
        notes,
        opening_wear,
        opening_wear_as_of,
        accumulated_wear: schedule.accumulated_wear,
        residual_value: schedule.residual_value,
        wear_as_of: Some(close),
        search_text: String::new(),
        updated_at: text::now_utc(),
    };
    if number_from.is_none() {
        record.search_text = search_text_of(&record);
    }
    Ok(Checked { record, number_from })
}

fn finish_err(input: &mut Input) -> AppError {
    match std::mem::replace(input, Input::from_form(vec![])).finish() {
        Err(e) => e,
        Ok(()) => AppError::Internal("thiếu trường bắt buộc".into()),
    }
}

/// A code from the `asset_code_pattern` setting: {unit}, {class}, {year}, {seq:N}.
fn next_code(
    conn: &mut DbConn,
    checker: &mut Checker,
    unit_id: i32,
    class_code: &str,
    on: NaiveDate,
) -> AppResult<String> {
    let pattern = checker
        .rules
        .setting("asset_code_pattern", on)
        .map(|s| s.value.clone())
        .unwrap_or_else(|| "{unit}-{year}-{seq:4}".into());
    let unit_code = checker.unit_codes.get(&unit_id).cloned().unwrap_or_default();
    let filled =
        pattern.replace("{unit}", &unit_code).replace("{class}", class_code).replace("{year}", &on.year().to_string());
    let (prefix, width, suffix) = match filled.find("{seq") {
        Some(start) => {
            let end = filled[start..].find('}').map(|e| start + e).unwrap_or(filled.len() - 1);
            let width = filled[start..end].trim_start_matches("{seq").trim_start_matches(':').parse().unwrap_or(4);
            (filled[..start].to_string(), width, filled[end + 1..].to_string())
        }
        None => (filled.clone(), 0, String::new()),
    };
    let key = (prefix.clone(), suffix.clone());
    let last = match checker.last_seq.get(&key) {
        Some(last) => *last,
        None => crate::db::last_number(conn, "assets", &prefix, &suffix, |c, like| {
            Ok(assets::table.filter(assets::code.like(like)).select(assets::code).load(c)?)
        })?,
    };
    checker.last_seq.insert(key, last + 1);
    Ok(format!("{prefix}{:0width$}{suffix}", last + 1, width = width))
}

pub fn create(conn: &mut DbConn, actor: &Actor, scope: &Scope, mut input: Input) -> AppResult<AssetView> {
    let mut checker = Checker::load(conn)?;
    let record = check_new(conn, &mut checker, scope, &mut input)?;
    let asset = insert_many(conn, actor, vec![record])?.pop().expect("one record, one asset");
    view_of(conn, asset)
}

/// A new asset read from `input` and checked, ready for `insert_many`.
pub fn check_new(conn: &mut DbConn, checker: &mut Checker, scope: &Scope, input: &mut Input) -> AppResult<AssetRecord> {
    let record = read_record(conn, input, checker, None)?;
    scope.check_edit(record.unit_id)?;
    Ok(record)
}

pub use crate::db::INSERT_ROWS;

/// Inserts checked assets, a batch to a statement, each with its event in the history.
pub fn insert_many(conn: &mut DbConn, actor: &Actor, records: Vec<AssetRecord>) -> AppResult<Vec<Asset>> {
    let out = insert_rows(conn, records)?;
    let changes = out
        .iter()
        .map(|a| audit::Change {
            action: "create",
            entity: "asset",
            entity_id: a.id.to_string(),
            before: None,
            after: Some(record_json(a)),
        })
        .collect();
    audit::record_many(conn, actor, changes)?;
    Ok(out)
}

/// An asset as its history keeps it: straight to text, the same as `json!(a).to_string()`
/// without the tree between.
pub fn record_json(a: &Asset) -> String {
    serde_json::to_string(a).expect("an asset serializes")
}

/// Inserts new assets without their events: for an import, whose rows' records are the evidence
/// (`import::rows`), committed to by its one event.
pub fn insert_rows(conn: &mut DbConn, records: Vec<AssetRecord>) -> AppResult<Vec<Asset>> {
    let now = text::now_utc();
    let mut out: Vec<Asset> = records.iter().map(|r| r.to_asset(0, 1, now)).collect();
    /// Gives each new asset the id the database gave (or reserved for) it.
    fn number(out: &mut [Asset], ids: Vec<i32>) -> AppResult<()> {
        if ids.len() != out.len() {
            return Err(AppError::Internal(format!("chèn {} tài sản, nhận lại {} mã số", out.len(), ids.len())));
        }
        for (asset, id) in out.iter_mut().zip(ids) {
            asset.id = id;
        }
        Ok(())
    }
    match conn {
        // COPY returns nothing: the ids are taken from the sequence first and copied in with the
        // rows (the server then neither parses nor plans a statement for them).
        DbConn::Postgres(c) => {
            #[derive(QueryableByName)]
            struct Reserved {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                id: i32,
            }
            let ids: Vec<i32> = diesel::sql_query(
                "SELECT nextval(pg_get_serial_sequence('assets', 'id'))::integer AS id FROM generate_series(1, $1)",
            )
            .bind::<diesel::sql_types::Integer, _>(records.len() as i32)
            .load::<Reserved>(c)?
            .into_iter()
            .map(|r| r.id)
            .collect();
            number(&mut out, ids)?;
            diesel::copy_from(assets::table).from_insertable(&out).execute(c)?;
        }
        // Whole batches go as arrays, whose statement is prepared once and kept (a `Vec`'s is
        // parsed anew each time); the rest as one statement of its own.
        DbConn::Sqlite(c) => {
            let mut ids = Vec::with_capacity(records.len());
            let whole = records.len() / INSERT_ROWS;
            let mut records = records.into_iter().map(|r| (r, assets::version.eq(1), assets::created_at.eq(now)));
            for _ in 0..whole {
                let rows: [_; INSERT_ROWS] = std::array::from_fn(|_| records.next().expect("a whole batch"));
                ids.extend(
                    diesel::insert_into(assets::table).values(rows).returning(assets::id).get_results::<i32>(c)?,
                );
            }
            let rest: Vec<_> = records.collect();
            if !rest.is_empty() {
                ids.extend(
                    diesel::insert_into(assets::table).values(rest).returning(assets::id).get_results::<i32>(c)?,
                );
            }
            number(&mut out, ids)?;
        }
    }
    Ok(out)
}

/// Updates with the version the client last saw: a stale version is refused with the current record.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    patch: Input,
    version: Option<i64>,
) -> AppResult<AssetView> {
    let current = find(conn, id)?;
    scope.check_edit(current.unit_id)?;
    refuse_written_down(conn, &current, "sửa")?;
    let stale = || AppError::Conflict {
        message: "Tài sản đã được người khác sửa sau khi bạn mở; hãy xem bản hiện tại và sửa lại".into(),
        current: None,
    };
    let Some(version) = version else {
        return Err(AppError::invalid("version", "Cần gửi «version» — số phiên bản của bản ghi đang sửa"));
    };
    if version != current.version as i64 {
        return Err(with_current(stale(), conn, id));
    }
    let mut checker = Checker::load(conn)?;
    let after = match write_update(conn, &mut checker, actor, scope, &current, patch, false)? {
        Some(Updated::Written(after)) => *after,
        _ => return Err(with_current(stale(), conn, id)),
    };
    view_of(conn, after)
}

/// The outcome of `write_update`.
pub enum Updated {
    Written(Box<Asset>),
    /// Nothing would change; nothing was written (asked for by an import).
    Unchanged,
}

/// Checks `patch` over the asset as the caller read it and writes it with its event; `None` when
/// the stored version has moved on since. With `skip_unchanged`, a patch that changes nothing
/// writes nothing.
pub fn write_update(
    conn: &mut DbConn,
    checker: &mut Checker,
    actor: &Actor,
    scope: &Scope,
    current: &Asset,
    patch: Input,
    skip_unchanged: bool,
) -> AppResult<Option<Updated>> {
    scope.check_edit(current.unit_id)?;
    let mut input = Input::overlay(editable_json(current), patch)?;
    let record = read_record(conn, &mut input, checker, Some(current.id))?;
    scope.check_edit(record.unit_id)?;
    let after = record.to_asset(current.id, current.version + 1, current.created_at);
    if skip_unchanged && editable_json(&after) == editable_json(current) {
        return Ok(Some(Updated::Unchanged));
    }
    let changed =
        diesel::update(assets::table.filter(assets::id.eq(current.id)).filter(assets::version.eq(current.version)))
            .set((&record, assets::version.eq(current.version + 1)))
            .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    audit::record(conn, actor, "update", "asset", current.id, Some(&json!(current)), Some(&json!(after)))?;
    Ok(Some(Updated::Written(Box::new(after))))
}

fn with_current(err: AppError, conn: &mut DbConn, id: i32) -> AppError {
    match (err, find_view(conn, id)) {
        (AppError::Conflict { message, .. }, Ok(view)) => AppError::Conflict { message, current: Some(json!(view)) },
        (err, _) => err,
    }
}

/// Deletes an asset that nothing refers to. Only a record entered by mistake is deleted: an asset
/// that leaves the register is written down by a disposal, which keeps it.
/// A written-down asset is the record of what left the register: read-only, the handling that
/// wrote it down named.
fn refuse_written_down(conn: &mut DbConn, a: &Asset, what: &str) -> AppResult<()> {
    if a.status != WRITTEN_DOWN {
        return Ok(());
    }
    let by = match crate::disposals::write_down_of(conn, a.id)? {
        Some(w) => format!(" theo hồ sơ xử lý {} ngày {}", w.disposal_code, text::format_date(w.doc_date)),
        None => String::new(),
    };
    Err(AppError::conflict(format!(
        "Tài sản «{}» đã ghi giảm{by}: không {what} được — tài sản đã ra khỏi sổ chỉ trở lại bằng một lần ghi tăng mới",
        a.code
    )))
}

pub fn delete(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, version: Option<i64>) -> AppResult<()> {
    let current = find(conn, id)?;
    scope.check_edit(current.unit_id)?;
    refuse_written_down(conn, &current, "xóa")?;
    if version.is_some_and(|v| v != current.version as i64) {
        return Err(with_current(
            AppError::conflict("Tài sản đã được sửa sau khi bạn mở; hãy xem lại trước khi xóa"),
            conn,
            id,
        ));
    }
    diesel::delete(assets::table.filter(assets::id.eq(id))).execute(conn)?;
    audit::record(conn, actor, "delete", "asset", id, Some(&json!(current)), None)?;
    Ok(())
}

/// Brings the stored wear up to the latest 31/12 for assets last computed before it (run at start
/// and after a rule change). Returns how many assets changed.
/// The kind of each asset of `unit_id` (TSCĐ or công cụ dụng cụ) judged again against the
/// threshold in force for the unit on its acquisition date — after the unit's financing tier
/// changed. Each change is an audited event; the caller recomputes wear.
pub fn reclassify(conn: &mut DbConn, actor: &Actor, unit_id: i32) -> AppResult<usize> {
    let rules = Rules::load(conn)?;
    let held: Vec<Asset> = assets::table
        .filter(assets::unit_id.eq(unit_id))
        .filter(assets::status.ne(WRITTEN_DOWN))
        .select(Asset::as_select())
        .load(conn)?;
    let mut changed = 0;
    for a in held {
        let Some(class) = rules.class(a.class_id) else { continue };
        let on = a.acquired_on.unwrap_or(a.created_at.date());
        let kind = wear::classify(a.original_cost / a.quantity.max(1) as i64, class, on, Some(unit_id), &rules)?;
        if kind.code() != a.kind {
            diesel::update(assets::table.find(a.id)).set(assets::kind.eq(kind.code())).execute(conn)?;
            audit::record(
                conn,
                actor,
                "update",
                "asset",
                a.id,
                Some(&json!({"code": a.code, "kind": a.kind})),
                Some(&json!({"code": a.code, "kind": kind.code()})),
            )?;
            changed += 1;
        }
    }
    fold_totals(conn)?;
    Ok(changed)
}

/// The stored wear of an asset written down on `on`: what its schedule holds on that day, kept as
/// it is from then on (wear is booked on 31/12 on what is still on the books, so the year of the
/// write-down books none).
pub fn freeze_wear(conn: &mut DbConn, rules: &Rules, id: i32, on: NaiveDate) -> AppResult<()> {
    let a = find(conn, id)?;
    let s = a.wear_schedule(rules, on)?;
    diesel::update(assets::table.find(id))
        .set((
            assets::accumulated_wear.eq(s.accumulated_wear),
            assets::residual_value.eq(s.residual_value),
            assets::wear_as_of.eq(Some(on)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Brings the stored wear of every asset still on the books to the last 31/12 (written-down assets
/// keep what their write-down froze).
pub fn refresh_wear(conn: &mut DbConn, force: bool) -> AppResult<usize> {
    let rules = Rules::load(conn)?;
    let close = wear::last_close(today());
    let mut q = assets::table.filter(assets::status.ne(WRITTEN_DOWN)).into_boxed();
    if !force {
        q = q.filter(assets::wear_as_of.is_null().or(assets::wear_as_of.lt(close)));
    }
    let stale: Vec<Asset> = q.select(Asset::as_select()).load(conn)?;
    let mut changed = 0;
    for a in stale {
        let s = a.wear_schedule(&rules, close)?;
        if s.accumulated_wear != a.accumulated_wear || a.wear_as_of != Some(close) {
            diesel::update(assets::table.find(a.id))
                .set((
                    assets::accumulated_wear.eq(s.accumulated_wear),
                    assets::residual_value.eq(s.residual_value),
                    assets::wear_as_of.eq(Some(close)),
                ))
                .execute(conn)?;
            changed += 1;
        }
    }
    fold_totals(conn)?;
    Ok(changed)
}

/// The units whose assets `scope` lets a person read.
fn units_in(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<i32>> {
    Ok(match &scope.read_units {
        Some(units) => units.clone(),
        None => org_units::table.select(org_units::id).load(conn)?,
    })
}

/// Sums by class, in the class order: for the home page.
pub fn value_by_class(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<(String, Sums)>> {
    let units = units_in(conn, scope)?;
    Ok(assets::table
        .inner_join(asset_classes::table)
        .filter(assets::unit_id.eq_any(units))
        .filter(assets::status.ne(WRITTEN_DOWN))
        .group_by((asset_classes::name, asset_classes::sort_order))
        .order(asset_classes::sort_order)
        .select((asset_classes::name, sums_sql()))
        .load(conn)?)
}

/// Sums by custodian unit: for the home page.
pub fn value_by_unit(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<(String, Sums)>> {
    let units = units_in(conn, scope)?;
    Ok(assets::table
        .inner_join(org_units::table)
        .filter(assets::unit_id.eq_any(units))
        .filter(assets::status.ne(WRITTEN_DOWN))
        .group_by((org_units::short_name, org_units::id))
        .order(org_units::id)
        .select((org_units::short_name, sums_sql()))
        .load(conn)?)
}

/// Categories with their class, for filters and forms.
pub fn categories(conn: &mut DbConn) -> AppResult<Vec<(i32, String, String)>> {
    Ok(asset_categories::table
        .order(asset_categories::code)
        .select((asset_categories::id, asset_categories::code, asset_categories::name))
        .load(conn)?)
}
