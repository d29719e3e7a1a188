//! `/api/v1/units`, `/categories`, `/classes`, `/wear-rates`, `/rule-settings`: the reference data.
//! Administrators edit it here after the first start; every change is an audited event, and a
//! change of wear rates recomputes the stored wear of the register in the same transaction.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::{AssetCategory, AssetClass, OrgUnit, RuleSetting, UnitFinancing, WearRate, AUTONOMY};
use crate::assets::{sums_sql, Sums};
use crate::audit;
use crate::auth::web::Auth;
use crate::auth::Permission::{EditReference, ReadRegister};
use crate::auth::Scope;
use crate::db::schema::{
    asset_categories, asset_classes, assets, org_units, rule_settings, tasks, unit_financing, wear_rates,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{fold, now_utc};
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        Route::get("/api/v1/units", ReadRegister, list_units).reach(Reach::Filtered),
        Route::get("/api/v1/classes", ReadRegister, list_classes).reach(Reach::Unscoped),
        Route::get("/api/v1/categories", ReadRegister, list_categories).reach(Reach::Filtered),
        Route::get("/api/v1/wear-rates", ReadRegister, list_rates).reach(Reach::Unscoped),
        Route::get("/api/v1/rule-settings", ReadRegister, list_settings).reach(Reach::Unscoped),
    ];
    routes.extend(crud::<OrgUnit>("/api/v1/units", "/api/v1/units/{id}"));
    routes.extend(crud::<AssetCategory>("/api/v1/categories", "/api/v1/categories/{id}"));
    routes.extend(crud::<WearRate>("/api/v1/wear-rates", "/api/v1/wear-rates/{id}"));
    routes.extend(crud::<RuleSetting>("/api/v1/rule-settings", "/api/v1/rule-settings/{id}"));
    routes.push(Route::get("/api/v1/unit-financing", ReadRegister, list_financing).reach(Reach::Unscoped));
    routes.extend(crud::<UnitFinancing>("/api/v1/unit-financing", "/api/v1/unit-financing/{id}"));
    routes
}

/// Read by anyone signed in; changed by administrators only.
fn crud<T: Reference>(collection: &'static str, item: &'static str) -> Vec<Route> {
    vec![
        Route::post(collection, EditReference, create::<T>),
        // A view counts only the assets the person may see (`Reference::view`).
        Route::get(item, ReadRegister, show::<T>).reach(Reach::Filtered),
        Route::put(item, EditReference, update::<T>),
        Route::delete(item, EditReference, delete::<T>),
    ]
}

/// A reference table edited through the same four operations: read, create, update with the
/// version last read, delete what nothing refers to. Every change is an audited event.
trait Reference: Serialize + Sized + Send + 'static {
    /// The entity name in the history.
    const ENTITY: &'static str;
    /// What a person calls it, for messages: "đơn vị".
    const WHAT: &'static str;
    /// Whether stored wear depends on it (then a change recomputes the register).
    const AFFECTS_WEAR: bool;
    type View: Serialize + Send + 'static;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self>;
    fn version(&self) -> i32;
    /// Reads, checks and writes; `id` is None for a new row. Returns the row's id.
    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32>;
    /// The row as shown to a person of `scope`: the usage of assets counts only what they may see.
    fn view(conn: &mut DbConn, scope: &Scope, row: Self) -> AppResult<Self::View>;
    /// The stored row as the form `save` reads, for updates that send only some fields.
    fn base(&self) -> Value {
        json!(self)
    }
    /// Refuses a delete that would leave references behind; deletes otherwise.
    fn delete(conn: &mut DbConn, row: &Self, id: i32) -> AppResult<()>;
    /// What else follows a change of this row, before the register's wear is recomputed.
    fn after_change(_conn: &mut DbConn, _actor: &audit::Actor, _row: &Self) -> AppResult<()> {
        Ok(())
    }
}

async fn show<T: Reference>(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<Json<T::View>, AppError> {
    let id = parse_id(&id, T::WHAT)?;
    let scope = me.scope.clone();
    Ok(Json(
        st.db
            .read(move |c| {
                let row = T::find(c, id)?;
                T::view(c, &scope, row)
            })
            .await?,
    ))
}

async fn create<T: Reference>(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(mut input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let view = st
        .db
        .write(move |c| {
            let id = T::save(c, &mut input, None)?;
            let row = T::find(c, id)?;
            T::after_change(c, &me.user.actor(), &row)?;
            if T::AFFECTS_WEAR {
                crate::assets::refresh_wear(c, true)?;
            }
            audit::record(c, &me.user.actor(), "create", T::ENTITY, id, None, Some(&json!(row)))?;
            T::view(c, &me.scope.clone(), row)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update<T: Reference>(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut patch): JsonInput,
) -> Result<Json<T::View>, AppError> {
    let id = parse_id(&id, T::WHAT)?;
    let version = patch.int("version", "Phiên bản", 1, i32::MAX as i64);
    Ok(Json(st.db.write(move |c| update_record::<T>(c, &me.user, id, version, patch)).await?))
}

/// Updates a reference row from the version read, with the fields sent laid over the stored ones;
/// recomputes the register's wear when the table bears on it; records the change.
fn update_record<T: Reference>(
    c: &mut DbConn,
    user: &crate::auth::User,
    id: i32,
    version: Option<i64>,
    patch: Input,
) -> AppResult<T::View> {
    let before = T::find(c, id)?;
    check_version(version, before.version(), T::WHAT)?;
    let mut input = Input::overlay(before.base(), patch)?;
    T::save(c, &mut input, Some(id))?;
    let after = T::find(c, id)?;
    T::after_change(c, &user.actor(), &before)?;
    T::after_change(c, &user.actor(), &after)?;
    if T::AFFECTS_WEAR {
        crate::assets::refresh_wear(c, true)?;
    }
    audit::record(c, &user.actor(), "update", T::ENTITY, id, Some(&json!(before)), Some(&json!(after)))?;
    let scope = crate::auth::scope_of(c, user)?;
    T::view(c, &scope, after)
}

/// An administrator settles a category the catalogue's mapping left open: its national code.
pub fn choose_national_code(
    c: &mut DbConn,
    user: &crate::auth::User,
    id: i32,
    version: Option<i64>,
    national_code: &str,
) -> AppResult<AssetCategory> {
    let patch = Input::from_json(json!({ "national_code": national_code }))?;
    update_record::<AssetCategory>(c, user, id, version, patch)?;
    find_category(c, id)
}

async fn delete<T: Reference>(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id, T::WHAT)?;
    // The version read, when given, guards against deleting what someone else just changed.
    let version = q.int("version", "Phiên bản", 1, i32::MAX as i64);
    q.finish()?;
    st.db
        .write(move |c| {
            let before = T::find(c, id)?;
            if version.is_some() {
                check_version(version, before.version(), T::WHAT)?;
            }
            T::delete(c, &before, id)?;
            T::after_change(c, &me.user.actor(), &before)?;
            if T::AFFECTS_WEAR {
                crate::assets::refresh_wear(c, true)?;
            }
            audit::record(c, &me.user.actor(), "delete", T::ENTITY, id, Some(&json!(before)), None)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Count and values of the assets that refer to a unit or a category.
#[derive(Debug, Serialize)]
pub struct Usage {
    pub asset_count: i64,
    pub asset_original_cost: i64,
    pub asset_residual_value: i64,
}

impl From<Sums> for Usage {
    fn from((asset_count, asset_original_cost, asset_residual_value): Sums) -> Usage {
        Usage { asset_count, asset_original_cost, asset_residual_value }
    }
}

/// Usage by unit, of the units the person may see.
fn usage_by_unit(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<(i32, Sums)>> {
    let grouped = assets::table.group_by(assets::unit_id).select((assets::unit_id, sums_sql()));
    Ok(match &scope.read_units {
        Some(u) => grouped.filter(assets::unit_id.eq_any(u.clone())).load(conn)?,
        None => grouped.load(conn)?,
    })
}

/// Usage by category, of the assets the person may see.
fn usage_by_category(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<(i32, Sums)>> {
    let grouped = assets::table.group_by(assets::category_id).select((assets::category_id, sums_sql()));
    Ok(match &scope.read_units {
        Some(u) => grouped.filter(assets::unit_id.eq_any(u.clone())).load(conn)?,
        None => grouped.load(conn)?,
    })
}

fn usage_of(rows: &[(i32, Sums)], id: i32) -> Usage {
    rows.iter().find(|r| r.0 == id).map(|r| r.1).unwrap_or_default().into()
}

/// Small reference lists are filtered and paged in memory: they hold tens of rows, not thousands.
fn paged<T: Serialize>(items: Vec<T>, q: &mut Input) -> AppResult<Value> {
    let page = q.int("page", "Trang", 1, 1_000_000).unwrap_or(1) as usize;
    let per_page = q.int("per_page", "Số dòng mỗi trang", 1, 500).unwrap_or(100) as usize;
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    Ok(json!({ "items": items, "total": total, "page": page, "per_page": per_page }))
}

fn matches(q: &Option<String>, fields: &[&str]) -> bool {
    match q {
        None => true,
        Some(q) => {
            let hay = fold(&fields.join(" "));
            fold(q).split(' ').all(|w| hay.contains(w))
        }
    }
}

/// The version must come from what the client sent, never from the stored record it is laid over.
fn check_version(version: Option<i64>, current: i32, what: &str) -> AppResult<()> {
    match version {
        None => Err(AppError::invalid("version", "Cần gửi «version» — số phiên bản của bản ghi đang sửa")),
        Some(v) if v != current as i64 => {
            Err(AppError::conflict(format!("Bản ghi {what} đã được người khác sửa; hãy tải lại bản hiện tại")))
        }
        Some(_) => Ok(()),
    }
}

// ---- Units (đơn vị) ------------------------------------------------------------------------------

#[derive(Serialize)]
struct UnitView {
    #[serde(flatten)]
    unit: OrgUnit,
    /// Left out for a unit the person may not see into.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

pub(crate) const UNIT_KINDS: &[(&str, &str)] = &[
    ("so", "Sở"),
    ("phong", "Phòng"),
    ("thanh_tra", "Thanh tra"),
    (super::PUBLIC_SERVICE_UNIT, "Đơn vị sự nghiệp"),
    ("to_cong_tac", "Tổ công tác"),
    (super::SECTION, "Bộ phận trong đơn vị"),
];
pub(crate) const UNIT_FIELDS: &[&str] = &[
    "code",
    "name",
    "short_name",
    "kind",
    "parent_id",
    "ma_qhns",
    "legal_source",
    "valid_from",
    "valid_to",
    "version",
];
const UNIT_READ_ONLY: &[&str] = &["id", "asset_count", "asset_original_cost", "asset_residual_value"];

fn find_unit(conn: &mut DbConn, id: i32) -> AppResult<OrgUnit> {
    org_units::table
        .find(id)
        .select(OrgUnit::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("đơn vị số {id}")))
}

impl Reference for OrgUnit {
    const ENTITY: &'static str = "org_unit";
    const WHAT: &'static str = "đơn vị";
    const AFFECTS_WEAR: bool = false;
    type View = UnitView;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self> {
        find_unit(conn, id)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
        save_unit(conn, input, id)
    }

    fn view(conn: &mut DbConn, scope: &Scope, unit: OrgUnit) -> AppResult<UnitView> {
        if !scope.reaches(&[unit.id], false) {
            return Ok(UnitView { unit, usage: None });
        }
        let sums: Sums = assets::table.filter(assets::unit_id.eq(unit.id)).select(sums_sql()).get_result(conn)?;
        Ok(UnitView { unit, usage: Some(sums.into()) })
    }

    fn delete(conn: &mut DbConn, unit: &OrgUnit, id: i32) -> AppResult<()> {
        let n_assets: i64 = assets::table.filter(assets::unit_id.eq(id)).count().get_result(conn)?;
        let n_children: i64 = org_units::table.filter(org_units::parent_id.eq(id)).count().get_result(conn)?;
        let n_tasks: i64 = tasks::table.filter(tasks::managing_unit_id.eq(id)).count().get_result(conn)?;
        if n_assets + n_children + n_tasks > 0 {
            return Err(AppError::conflict(format!(
                "Không xóa được đơn vị «{}»: còn {n_assets} tài sản, {n_children} đơn vị trực thuộc, {n_tasks} nhiệm vụ tham chiếu",
                unit.code
            )));
        }
        diesel::delete(org_units::table.find(id)).execute(conn)?;
        Ok(())
    }
}

async fn list_units(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Json<Value>, AppError> {
    let scope = me.scope.clone();
    let text = q.text("q", "Tìm kiếm", false, 200);
    let kind = q.choice("kind", "Loại đơn vị", UNIT_KINDS, false);
    let out = st
        .db
        .read(move |c| {
            let units: Vec<OrgUnit> = org_units::table.order(org_units::code).select(OrgUnit::as_select()).load(c)?;
            let usage = usage_by_unit(c, &scope)?;
            let items: Vec<UnitView> = units
                .into_iter()
                .filter(|u| {
                    matches(&text, &[&u.code, &u.name, &u.short_name]) && kind.as_ref().is_none_or(|k| &u.kind == k)
                })
                .map(|u| UnitView { usage: scope.reaches(&[u.id], false).then(|| usage_of(&usage, u.id)), unit: u })
                .collect();
            let out = paged(items, &mut q)?;
            q.finish()?;
            Ok(out)
        })
        .await?;
    Ok(Json(out))
}

fn save_unit(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
    input.reject_unknown(UNIT_FIELDS, UNIT_READ_ONLY);
    let code = input.text("code", "Mã đơn vị", true, 30);
    let name = input.text("name", "Tên đơn vị", true, 300);
    let short_name = input.text("short_name", "Tên viết tắt", false, 100);
    let kind = input.choice("kind", "Loại đơn vị", UNIT_KINDS, true);
    let parent_id = input.id("parent_id", "Đơn vị cấp trên");
    let ma_qhns = input.text("ma_qhns", "Mã QHNS", false, 20);
    let legal_source = input.text("legal_source", "Căn cứ pháp lý", false, 500);
    let valid_from = input.date("valid_from", "Hiệu lực từ");
    let valid_to = input.date("valid_to", "Hiệu lực đến");
    if let Some(c) = &code {
        let taken: Option<i32> =
            org_units::table.filter(org_units::code.eq(c)).select(org_units::id).first(conn).optional()?;
        if taken.is_some_and(|t| Some(t) != id) {
            input.error("code", format!("Mã đơn vị «{c}» đã có"));
        }
    }
    if let Some(p) = parent_id {
        if Some(p) == id {
            input.error("parent_id", "Đơn vị không thể là cấp trên của chính nó");
        } else if org_units::table.find(p).count().get_result::<i64>(conn)? == 0 {
            input.error("parent_id", "Đơn vị cấp trên không tồn tại");
        }
    }
    if let (Some(f), Some(t)) = (valid_from, valid_to) {
        if t < f {
            input.error("valid_to", "«Hiệu lực đến» không được trước «Hiệu lực từ»");
        }
    }
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (Some(code), Some(name), Some(kind)) = (code, name, kind) else { unreachable!("checked above") };
    let short_name = short_name.unwrap_or_else(|| name.clone());
    let now = now_utc();
    let values = (
        org_units::code.eq(code),
        org_units::name.eq(name),
        org_units::short_name.eq(short_name),
        org_units::kind.eq(kind),
        org_units::parent_id.eq(parent_id),
        org_units::ma_qhns.eq(ma_qhns),
        org_units::legal_source.eq(legal_source),
        org_units::valid_from.eq(valid_from),
        org_units::valid_to.eq(valid_to),
        org_units::updated_at.eq(now),
    );
    Ok(match id {
        None => diesel::insert_into(org_units::table)
            .values((values, org_units::created_at.eq(now)))
            .returning(org_units::id)
            .get_result(conn)?,
        Some(id) => {
            diesel::update(org_units::table.find(id))
                .set((values, org_units::version.eq(org_units::version + 1)))
                .execute(conn)?;
            id
        }
    })
}

// ---- Classes and categories (loại, nhóm tài sản) -----------------------------------------------

async fn list_classes(State(st): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let items = st
        .db
        .read(|c| Ok(asset_classes::table.order(asset_classes::sort_order).select(AssetClass::as_select()).load(c)?))
        .await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

#[derive(Serialize)]
struct CategoryView {
    #[serde(flatten)]
    category: AssetCategory,
    class_code: String,
    class_name: String,
    #[serde(flatten)]
    usage: Usage,
}

pub(crate) const CATEGORY_FIELDS: &[&str] =
    &["code", "class_id", "name", "wear_exempt", "national_code", "legal_source", "valid_from", "valid_to", "version"];
const CATEGORY_READ_ONLY: &[&str] = &[
    "id",
    "class_code",
    "class_name",
    "asset_count",
    "asset_original_cost",
    "asset_residual_value",
    "parent_id",
    "mapping_note",
];

fn find_category(conn: &mut DbConn, id: i32) -> AppResult<AssetCategory> {
    asset_categories::table
        .find(id)
        .select(AssetCategory::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("nhóm tài sản số {id}")))
}

impl Reference for AssetCategory {
    const ENTITY: &'static str = "asset_category";
    const WHAT: &'static str = "nhóm tài sản";
    const AFFECTS_WEAR: bool = true;
    type View = CategoryView;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self> {
        find_category(conn, id)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
        save_category(conn, input, id)
    }

    fn view(conn: &mut DbConn, scope: &Scope, cat: AssetCategory) -> AppResult<CategoryView> {
        Ok(category_views(conn, scope, vec![cat])?.remove(0))
    }

    fn base(&self) -> Value {
        let mut base = json!(self);
        base["wear_exempt"] = json!(self.wear_exempt.to_string());
        base
    }

    fn delete(conn: &mut DbConn, cat: &AssetCategory, id: i32) -> AppResult<()> {
        let n_assets: i64 = assets::table.filter(assets::category_id.eq(id)).count().get_result(conn)?;
        let n_rates: i64 = wear_rates::table.filter(wear_rates::category_id.eq(id)).count().get_result(conn)?;
        if n_assets + n_rates > 0 {
            return Err(AppError::conflict(format!(
                "Không xóa được nhóm «{}»: còn {n_assets} tài sản và {n_rates} tỷ lệ hao mòn tham chiếu",
                cat.code
            )));
        }
        diesel::delete(asset_categories::table.find(id)).execute(conn)?;
        Ok(())
    }
}

fn category_views(conn: &mut DbConn, scope: &Scope, cats: Vec<AssetCategory>) -> AppResult<Vec<CategoryView>> {
    let classes: Vec<AssetClass> = asset_classes::table.select(AssetClass::as_select()).load(conn)?;
    let usage = usage_by_category(conn, scope)?;
    Ok(cats
        .into_iter()
        .map(|cat| {
            let class = classes.iter().find(|k| k.id == cat.class_id);
            CategoryView {
                class_code: class.map(|k| k.code.clone()).unwrap_or_default(),
                class_name: class.map(|k| k.name.clone()).unwrap_or_default(),
                usage: usage_of(&usage, cat.id),
                category: cat,
            }
        })
        .collect())
}

async fn list_categories(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Json<Value>, AppError> {
    let scope = me.scope.clone();
    let text = q.text("q", "Tìm kiếm", false, 200);
    let class_id = q.id("class_id", "Loại tài sản");
    Ok(Json(
        st.db
            .read(move |c| {
                let cats: Vec<AssetCategory> =
                    asset_categories::table.order(asset_categories::code).select(AssetCategory::as_select()).load(c)?;
                let cats = cats
                    .into_iter()
                    .filter(|k| matches(&text, &[&k.code, &k.name]) && class_id.is_none_or(|id| k.class_id == id))
                    .collect();
                let out = paged(category_views(c, &scope, cats)?, &mut q)?;
                q.finish()?;
                Ok(out)
            })
            .await?,
    ))
}

fn save_category(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
    input.reject_unknown(CATEGORY_FIELDS, CATEGORY_READ_ONLY);
    let code = input.text("code", "Mã nhóm", true, 30);
    let name = input.text("name", "Tên nhóm", true, 300);
    let class_id = input.id("class_id", "Loại tài sản");
    let class_id = input.required(class_id, "class_id", "Loại tài sản");
    let wear_exempt = input.choice("wear_exempt", "Không tính hao mòn", &[("true", "Có"), ("false", "Không")], false);
    let legal_source = input.text("legal_source", "Căn cứ pháp lý", false, 500);
    let valid_from = input.date("valid_from", "Hiệu lực từ");
    let valid_to = input.date("valid_to", "Hiệu lực đến");
    let national_code = input.text("national_code", "Mã loại tài sản quốc gia", false, 12);
    if let Some(k) = class_id {
        if asset_classes::table.find(k).count().get_result::<i64>(conn)? == 0 {
            input.error("class_id", "Loại tài sản không tồn tại");
        }
    }
    // A unit's category refines a node of the national catalogue: the node must exist and say its
    // wear rate (a group whose items differ — 601, 20 % and 12,5 % — is too coarse to choose).
    let node = match national_code.as_deref() {
        Some(n) if code.as_deref() == Some(n) => None,
        Some(n) => {
            let node: Option<AssetCategory> = asset_categories::table
                .filter(asset_categories::code.eq(n))
                .filter(asset_categories::national_code.eq(n))
                .select(AssetCategory::as_select())
                .first(conn)
                .optional()?;
            match node {
                None => {
                    input.error("national_code", format!("Không có mã loại tài sản quốc gia «{n}»"));
                    None
                }
                Some(node) => {
                    let rules = crate::rules::Rules::load(conn)?;
                    if !node.wear_exempt && rules.rate(node.id, crate::text::today()).is_none() {
                        input.error(
                            "national_code",
                            format!(
                                "Mã «{n}» ({}) gồm các loại có tỷ lệ hao mòn khác nhau: hãy chọn mã chi tiết hơn",
                                node.name
                            ),
                        );
                    }
                    Some(node)
                }
            }
        }
        None => None,
    };
    if let Some(c) = &code {
        let taken: Option<i32> = asset_categories::table
            .filter(asset_categories::code.eq(c))
            .select(asset_categories::id)
            .first(conn)
            .optional()?;
        if taken.is_some_and(|t| Some(t) != id) {
            input.error("code", format!("Mã nhóm «{c}» đã có"));
        }
    }
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (Some(code), Some(name), Some(class_id)) = (code, name, class_id) else { unreachable!("checked above") };
    // Choosing the national code settles what the administrator was asked to choose.
    let settled = national_code.is_some();
    let parent = match &node {
        Some(n) => Some(n.id),
        None => id.map(|id| find_category(conn, id)).transpose()?.and_then(|c| c.parent_id),
    };
    let values = (
        asset_categories::code.eq(code),
        asset_categories::name.eq(name),
        asset_categories::class_id.eq(class_id),
        asset_categories::wear_exempt.eq(wear_exempt.as_deref() == Some("true")),
        asset_categories::legal_source.eq(legal_source),
        asset_categories::valid_from.eq(valid_from),
        asset_categories::valid_to.eq(valid_to),
        asset_categories::national_code.eq(national_code),
        asset_categories::parent_id.eq(parent),
    );
    Ok(match id {
        None => diesel::insert_into(asset_categories::table)
            .values(values)
            .returning(asset_categories::id)
            .get_result(conn)?,
        Some(id) => {
            diesel::update(asset_categories::table.find(id))
                .set((values, asset_categories::version.eq(asset_categories::version + 1)))
                .execute(conn)?;
            if settled {
                diesel::update(asset_categories::table.find(id))
                    .set(asset_categories::mapping_note.eq(None::<String>))
                    .execute(conn)?;
            }
            // The class of an asset follows its category.
            diesel::update(assets::table.filter(assets::category_id.eq(id)))
                .set(assets::class_id.eq(class_id))
                .execute(conn)?;
            id
        }
    })
}

// ---- Wear rates (tỷ lệ hao mòn) ----------------------------------------------------------------

pub(crate) const RATE_FIELDS: &[&str] =
    &["category_id", "useful_life_years", "rate_bp", "legal_source", "valid_from", "valid_to", "note", "version"];

fn find_rate(conn: &mut DbConn, id: i32) -> AppResult<WearRate> {
    wear_rates::table
        .find(id)
        .select(WearRate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("tỷ lệ hao mòn số {id}")))
}

async fn list_rates(State(st): State<AppState>, QueryInput(mut q): QueryInput) -> Result<Json<Value>, AppError> {
    let category_id = q.id("category_id", "Nhóm tài sản");
    let on = q.date("on", "Có hiệu lực ngày");
    Ok(Json(
        st.db
            .read(move |c| {
                let mut query = wear_rates::table.into_boxed();
                if let Some(id) = category_id {
                    query = query.filter(wear_rates::category_id.eq(id));
                }
                if let Some(d) = on {
                    query = query
                        .filter(wear_rates::valid_from.le(d))
                        .filter(wear_rates::valid_to.is_null().or(wear_rates::valid_to.ge(d)));
                }
                let rows: Vec<WearRate> = query
                    .order((wear_rates::category_id, wear_rates::valid_from))
                    .select(WearRate::as_select())
                    .load(c)?;
                let out = paged(rows, &mut q)?;
                q.finish()?;
                Ok(out)
            })
            .await?,
    ))
}

impl Reference for WearRate {
    const ENTITY: &'static str = "wear_rate";
    const WHAT: &'static str = "tỷ lệ hao mòn";
    const AFFECTS_WEAR: bool = true;
    type View = WearRate;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self> {
        find_rate(conn, id)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
        save_rate(conn, input, id)
    }

    fn view(_conn: &mut DbConn, _scope: &Scope, rate: WearRate) -> AppResult<WearRate> {
        Ok(rate)
    }

    fn delete(conn: &mut DbConn, _rate: &WearRate, id: i32) -> AppResult<()> {
        diesel::delete(wear_rates::table.find(id)).execute(conn)?;
        Ok(())
    }
}

fn save_rate(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
    input.reject_unknown(RATE_FIELDS, &["id"]);
    let category_id = input.id("category_id", "Nhóm tài sản");
    let category_id = input.required(category_id, "category_id", "Nhóm tài sản");
    let years = input.int("useful_life_years", "Số năm sử dụng", 1, 200).map(|v| v as i32);
    let years = input.required(years, "useful_life_years", "Số năm sử dụng");
    // The rate defaults to 100 / years; an explicit rate may differ (a table that rounds its own way).
    let rate_bp = input.int("rate_bp", "Tỷ lệ hao mòn (% × 100)", 1, 10_000).map(|v| v as i32);
    let legal_source = input.text("legal_source", "Căn cứ pháp lý", true, 500);
    let valid_from = input.date("valid_from", "Hiệu lực từ");
    let valid_from = input.required(valid_from, "valid_from", "Hiệu lực từ");
    let valid_to = input.date("valid_to", "Hiệu lực đến");
    let note = input.text("note", "Ghi chú", false, 1000);
    if let (Some(f), Some(t)) = (valid_from, valid_to) {
        if t < f {
            input.error("valid_to", "«Hiệu lực đến» không được trước «Hiệu lực từ»");
        }
    }
    if let Some(k) = category_id {
        if asset_categories::table.find(k).count().get_result::<i64>(conn)? == 0 {
            input.error("category_id", "Nhóm tài sản không tồn tại");
        }
    }
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (Some(category_id), Some(years), Some(legal_source), Some(valid_from)) =
        (category_id, years, legal_source, valid_from)
    else {
        unreachable!("checked above")
    };
    let rate_bp = rate_bp.unwrap_or(((10_000 + years / 2) / years).max(1));
    let values = (
        wear_rates::category_id.eq(category_id),
        wear_rates::useful_life_years.eq(years),
        wear_rates::rate_bp.eq(rate_bp),
        wear_rates::legal_source.eq(legal_source),
        wear_rates::valid_from.eq(valid_from),
        wear_rates::valid_to.eq(valid_to),
        wear_rates::note.eq(note),
    );
    Ok(match id {
        None => diesel::insert_into(wear_rates::table).values(values).returning(wear_rates::id).get_result(conn)?,
        Some(id) => {
            diesel::update(wear_rates::table.find(id))
                .set((values, wear_rates::version.eq(wear_rates::version + 1)))
                .execute(conn)?;
            id
        }
    })
}

// ---- Rule settings (quy định) ------------------------------------------------------------------

pub(crate) const SETTING_FIELDS: &[&str] =
    &["key", "value", "legal_source", "valid_from", "valid_to", "note", "version"];

fn find_setting(conn: &mut DbConn, id: i32) -> AppResult<RuleSetting> {
    rule_settings::table
        .find(id)
        .select(RuleSetting::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("quy định số {id}")))
}

async fn list_settings(State(st): State<AppState>, QueryInput(mut q): QueryInput) -> Result<Json<Value>, AppError> {
    let key = q.text("key", "Khóa", false, 100);
    Ok(Json(
        st.db
            .read(move |c| {
                let rows: Vec<RuleSetting> = rule_settings::table
                    .order((rule_settings::key, rule_settings::valid_from))
                    .select(RuleSetting::as_select())
                    .load(c)?;
                let rows = rows.into_iter().filter(|s| key.as_ref().is_none_or(|k| &s.key == k)).collect();
                let out = paged::<RuleSetting>(rows, &mut q)?;
                q.finish()?;
                Ok(out)
            })
            .await?,
    ))
}

/// Settings the code reads, with a check of their value.
fn check_setting_value(key: &str, value: &str) -> Option<String> {
    match key {
        "fixed_asset_min_cost" | "fixed_asset_min_cost_enterprise" => {
            crate::text::parse_money(value).err().map(|e| format!("Ngưỡng nguyên giá: {e}"))
        }
        "wear_first_year" if !["acquisition_year", "next_year"].contains(&value) => {
            Some("Giá trị phải là acquisition_year hoặc next_year".into())
        }
        "asset_code_pattern" if !value.contains("{seq") => Some("Mẫu mã phải có {seq} (số thứ tự)".into()),
        _ => None,
    }
}

impl Reference for RuleSetting {
    const ENTITY: &'static str = "rule_setting";
    const WHAT: &'static str = "quy định";
    const AFFECTS_WEAR: bool = true;
    type View = RuleSetting;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self> {
        find_setting(conn, id)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
        save_setting(conn, input, id)
    }

    fn view(_conn: &mut DbConn, _scope: &Scope, setting: RuleSetting) -> AppResult<RuleSetting> {
        Ok(setting)
    }

    /// A row of a setting the service reads (a threshold, the code pattern) goes only when the
    /// other rows of its key still cover its period: a gap would leave assets of those days with no
    /// rule to judge them by.
    fn delete(conn: &mut DbConn, setting: &RuleSetting, id: i32) -> AppResult<()> {
        if super::REQUIRED_SETTINGS.contains(&setting.key.as_str()) {
            let mut others: Vec<RuleSetting> = rule_settings::table
                .filter(rule_settings::key.eq(&setting.key))
                .filter(rule_settings::id.ne(id))
                .order(rule_settings::valid_from)
                .select(RuleSetting::as_select())
                .load(conn)?;
            others.retain(|o| o.valid_to.is_none_or(|t| t >= setting.valid_from));
            let mut covered_to = setting.valid_from.pred_opt().unwrap_or(setting.valid_from);
            for o in &others {
                if o.valid_from > covered_to.succ_opt().unwrap_or(covered_to) {
                    break;
                }
                covered_to = covered_to.max(o.valid_to.unwrap_or(chrono::NaiveDate::MAX));
            }
            if covered_to < setting.valid_to.unwrap_or(chrono::NaiveDate::MAX) {
                return Err(AppError::conflict(format!(
                    "Không xóa được quy định «{}» từ {}: không còn dòng nào khác có hiệu lực cho thời kỳ này; hãy sửa giá trị hoặc thời hạn thay vì xóa",
                    setting.key,
                    crate::text::format_date(setting.valid_from)
                )));
            }
        }
        diesel::delete(rule_settings::table.find(id)).execute(conn)?;
        Ok(())
    }
}

fn save_setting(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
    input.reject_unknown(SETTING_FIELDS, &["id"]);
    let key = input.text("key", "Khóa", true, 100);
    let value = input.text("value", "Giá trị", true, 1000);
    let legal_source = input.text("legal_source", "Căn cứ pháp lý", false, 500);
    let valid_from = input.date("valid_from", "Hiệu lực từ");
    let valid_from = input.required(valid_from, "valid_from", "Hiệu lực từ");
    let valid_to = input.date("valid_to", "Hiệu lực đến");
    let note = input.text("note", "Ghi chú", false, 1000);
    if let (Some(k), Some(v)) = (&key, &value) {
        if let Some(e) = check_setting_value(k, v) {
            input.error("value", e);
        }
    }
    if let (Some(f), Some(t)) = (valid_from, valid_to) {
        if t < f {
            input.error("valid_to", "«Hiệu lực đến» không được trước «Hiệu lực từ»");
        }
    }
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (Some(key), Some(value), Some(valid_from)) = (key, value, valid_from) else { unreachable!("checked above") };
    let value = if key == "fixed_asset_min_cost" || key == "fixed_asset_min_cost_enterprise" {
        crate::text::parse_money(&value).map(|v| v.to_string()).unwrap_or(value)
    } else {
        value
    };
    let values = (
        rule_settings::key.eq(key),
        rule_settings::value.eq(value),
        rule_settings::legal_source.eq(legal_source),
        rule_settings::valid_from.eq(valid_from),
        rule_settings::valid_to.eq(valid_to),
        rule_settings::note.eq(note),
    );
    Ok(match id {
        None => {
            diesel::insert_into(rule_settings::table).values(values).returning(rule_settings::id).get_result(conn)?
        }
        Some(id) => {
            diesel::update(rule_settings::table.find(id))
                .set((values, rule_settings::version.eq(rule_settings::version + 1)))
                .execute(conn)?;
            id
        }
    })
}

// ---- Units' financing tiers (mức tự chủ tài chính) ----------------------------------------------

pub(crate) const FINANCING_FIELDS: &[&str] =
    &["unit_id", "autonomy", "legal_source", "valid_from", "valid_to", "version"];

fn find_financing(conn: &mut DbConn, id: i32) -> AppResult<UnitFinancing> {
    unit_financing::table
        .find(id)
        .select(UnitFinancing::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("mức tự chủ số {id}")))
}

impl Reference for UnitFinancing {
    const ENTITY: &'static str = "unit_financing";
    const WHAT: &'static str = "mức tự chủ tài chính";
    const AFFECTS_WEAR: bool = true;
    type View = UnitFinancing;

    fn find(conn: &mut DbConn, id: i32) -> AppResult<Self> {
        find_financing(conn, id)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn save(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
        save_financing(conn, input, id)
    }

    fn view(_conn: &mut DbConn, _scope: &Scope, row: UnitFinancing) -> AppResult<UnitFinancing> {
        Ok(row)
    }

    fn delete(conn: &mut DbConn, _row: &UnitFinancing, id: i32) -> AppResult<()> {
        diesel::delete(unit_financing::table.find(id)).execute(conn)?;
        Ok(())
    }

    /// The unit's assets are judged again against the threshold its tier now gives them.
    fn after_change(conn: &mut DbConn, actor: &audit::Actor, row: &UnitFinancing) -> AppResult<()> {
        crate::assets::reclassify(conn, actor, row.unit_id)?;
        Ok(())
    }
}

async fn list_financing(State(st): State<AppState>, QueryInput(mut q): QueryInput) -> Result<Json<Value>, AppError> {
    let unit = q.id("unit_id", "Đơn vị");
    Ok(Json(
        st.db
            .read(move |c| {
                let rows: Vec<UnitFinancing> = unit_financing::table
                    .order((unit_financing::unit_id, unit_financing::valid_from))
                    .select(UnitFinancing::as_select())
                    .load(c)?;
                let rows = rows.into_iter().filter(|r| unit.is_none_or(|u| r.unit_id == u)).collect();
                let out = paged::<UnitFinancing>(rows, &mut q)?;
                q.finish()?;
                Ok(out)
            })
            .await?,
    ))
}

fn save_financing(conn: &mut DbConn, input: &mut Input, id: Option<i32>) -> AppResult<i32> {
    input.reject_unknown(FINANCING_FIELDS, &["id"]);
    let unit_id = input.id("unit_id", "Đơn vị");
    let unit_id = input.required(unit_id, "unit_id", "Đơn vị");
    let autonomy = input.choice("autonomy", "Mức tự chủ tài chính", AUTONOMY, true);
    let legal_source = input.text("legal_source", "Quyết định giao tự chủ", false, 500);
    let valid_from = input.date("valid_from", "Hiệu lực từ");
    let valid_from = input.required(valid_from, "valid_from", "Hiệu lực từ");
    let valid_to = input.date("valid_to", "Hiệu lực đến");
    if let Some(u) = unit_id {
        match org_units::table.find(u).select(org_units::kind).first::<String>(conn).optional()? {
            None => input.error("unit_id", "Đơn vị không tồn tại"),
            Some(kind) if kind != super::PUBLIC_SERVICE_UNIT => {
                input.error("unit_id", "Mức tự chủ tài chính chỉ ghi cho đơn vị sự nghiệp công lập")
            }
            Some(_) => {}
        }
    }
    if let (Some(f), Some(t)) = (valid_from, valid_to) {
        if t < f {
            input.error("valid_to", "«Hiệu lực đến» không được trước «Hiệu lực từ»");
        }
    }
    // One tier at a time: periods of a unit do not overlap.
    if let (Some(u), Some(f)) = (unit_id, valid_from) {
        let others: Vec<UnitFinancing> = unit_financing::table
            .filter(unit_financing::unit_id.eq(u))
            .select(UnitFinancing::as_select())
            .load(conn)?;
        let end = valid_to.unwrap_or(chrono::NaiveDate::MAX);
        if others
            .iter()
            .any(|o| Some(o.id) != id && o.valid_from <= end && o.valid_to.unwrap_or(chrono::NaiveDate::MAX) >= f)
        {
            input.error("valid_from", "Thời kỳ này trùng với một mức tự chủ khác đã ghi cho đơn vị");
        }
    }
    std::mem::replace(input, Input::from_form(vec![])).finish()?;
    let (Some(unit_id), Some(autonomy), Some(valid_from)) = (unit_id, autonomy, valid_from) else {
        unreachable!("checked above")
    };
    let values = (
        unit_financing::unit_id.eq(unit_id),
        unit_financing::autonomy.eq(autonomy),
        unit_financing::legal_source.eq(legal_source),
        unit_financing::valid_from.eq(valid_from),
        unit_financing::valid_to.eq(valid_to),
    );
    Ok(match id {
        None => {
            diesel::insert_into(unit_financing::table).values(values).returning(unit_financing::id).get_result(conn)?
        }
        Some(id) => {
            diesel::update(unit_financing::table.find(id))
                .set((values, unit_financing::version.eq(unit_financing::version + 1)))
                .execute(conn)?;
            id
        }
    })
}
