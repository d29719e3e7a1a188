//! `/api/v1/declarations…` and an asset's `/declaration`: the information each asset declares,
//! the national catalogues, and the declaration reports.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::catalogue::catalogue;
use super::forms::{Form, MoneyUnit, Request};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{EditAssets, ReadRegister};
use crate::error::AppError;
use crate::input::Input;
use crate::progress::Progress;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/assets/{id}/declaration", ReadRegister, show).reach(crate::assets::REACH),
        Route::put("/api/v1/assets/{id}/declaration", EditAssets, update).reach(crate::assets::REACH),
        Route::get("/api/v1/declarations/catalogue", ReadRegister, catalogue_json).reach(Reach::Unscoped),
        Route::get("/api/v1/declarations/forms/{form}", ReadRegister, form).reach(Reach::Filtered),
        Route::get("/api/v1/declarations", ReadRegister, list).reach(Reach::Filtered),
        Route::post("/api/v1/declarations", EditAssets, record).reach(Reach::Filtered),
        Route::get("/api/v1/declarations/pending", ReadRegister, pending).reach(Reach::Filtered),
        Route::get("/api/v1/declarations/changes", ReadRegister, change_file).reach(Reach::Filtered),
        Route::get("/api/v1/declarations/changes/schema", ReadRegister, schema).reach(Reach::Unscoped),
        Route::get("/api/v1/declarations/layouts/taisan", ReadRegister, export_taisan).reach(Reach::Filtered),
        Route::get("/api/v1/declarations/layouts/datnha-khac", ReadRegister, export_sheets).reach(Reach::Filtered),
        Route::post("/api/v1/imports/national", EditAssets, import_layout)
            .reach(Reach::Filtered)
            .with_body_limit(crate::import::upload::BODY_LIMIT),
        Route::get("/api/v1/assets/{id}/revaluations", ReadRegister, revaluations).reach(crate::assets::REACH),
        Route::post("/api/v1/assets/{id}/revaluations", EditAssets, revalue).reach(crate::assets::REACH),
    ]
}

/// The declarations recorded for a unit, newest first, each with whether its snapshots still give
/// its digest.
async fn list(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let items = st
        .db
        .read(move |c| {
            let req = read_request(c, &me, &mut q)?;
            q.finish()?;
            let mut out = vec![];
            for d in super::record::list(c, req.unit_id)? {
                let intact = super::record::intact(c, &d)?;
                let mut v = serde_json::to_value(&d).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                v["intact"] = json!(intact);
                out.push(v);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(json!({ "items": items })))
}

/// Records a unit's declaration as of a date.
async fn record(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let saved = st.db.write(move |c| record_from(c, &me, input)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(saved)))
}

/// Records the declaration a request asks for (`unit_id`, `as_of`, `supplement`, `note`): the API's
/// and the page's.
pub fn record_from(
    conn: &mut crate::db::DbConn,
    me: &Identity,
    mut input: Input,
) -> Result<super::record::Declaration, AppError> {
    input.reject_unknown(&["unit_id", "as_of", "supplement", "note"], &[]);
    let note = input.text("note", "Ghi chú", false, 2000);
    let req = read_request(conn, me, &mut input)?;
    input.finish()?;
    let asked = super::record::Recording { unit_id: req.unit_id, as_of: req.as_of, supplement: req.supplement, note };
    super::record::record(conn, &me.user.actor(), &me.scope, asked, &Progress::default())
}

/// What the next declaration holds: the last one recorded, and each change since.
async fn pending(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let p = st
        .db
        .read(move |c| {
            let req = read_request(c, &me, &mut q)?;
            q.finish()?;
            super::record::pending(c, req.unit_id, req.as_of, &Progress::default())
        })
        .await?;
    Ok(Json(p))
}

/// The pending changes as the national interface's change events, a file to hand over.
pub async fn change_file(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<axum::response::Response, AppError> {
    let (file, name) = st
        .db
        .read(move |c| {
            let req = read_request(c, &me, &mut q)?;
            q.finish()?;
            let (issuer, _) = super::forms::declaring_unit(c, req.unit_id)?;
            let p = super::record::pending(c, req.unit_id, req.as_of, &Progress::default())?;
            let body = serde_json::to_vec_pretty(&super::events::change_file(&issuer, &p))
                .map_err(|e| AppError::Internal(format!("json: {e}")))?;
            Ok((body, format!("Thay đổi kê khai {} {}.json", issuer.code, req.as_of.format("%d-%m-%Y"))))
        })
        .await?;
    Ok(crate::web::download(&name, "application/json", file))
}

async fn schema() -> impl IntoResponse {
    let v: serde_json::Value = serde_json::from_str(super::events::SCHEMA).unwrap_or_default();
    Json(v)
}

async fn revaluations(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let items = st
        .db
        .read(move |c| {
            crate::assets::find_visible(c, id, &me.scope)?;
            super::revaluation::of_asset(c, id)
        })
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn revalue(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    let saved = st.db.write(move |c| super::revaluation::record(c, &actor, &scope, id, input)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(saved)))
}

async fn show(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let scope = me.scope.clone();
    let view = st
        .db
        .read(move |c| {
            let asset = crate::assets::find_visible(c, id, &scope)?;
            let class = super::info::class_code_of(c, &asset)?;
            Ok(super::info::view(&super::info::of(c, id)?, &asset, &class))
        })
        .await?;
    Ok(Json(view))
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let version = input.int("version", "Phiên bản", 0, i32::MAX as i64);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    Ok(Json(st.db.write(move |c| super::info::save(c, &actor, &scope, id, input, version)).await?))
}

/// The national catalogues the information is written in, with their source.
async fn catalogue_json() -> impl IntoResponse {
    let c = catalogue();
    Json(json!({
        "source": c.source,
        "usage_states": c.usage_states.iter().map(|s| json!({
            "code": s.code, "label": s.label,
            "measure": if s.measure == super::catalogue::Measure::Area { "area" } else { "mark" },
            "national_ids": s.ids, "note": s.note,
        })).collect::<Vec<_>>(),
        "funding_sources": c.funding_sources.iter().map(|f| json!({"code": f.code, "label": f.label})).collect::<Vec<_>>(),
        "reasons": c.reasons.iter().map(|r| json!({"code": r.code, "name": r.name, "group": r.group})).collect::<Vec<_>>(),
        "reason_note": c.reason_note,
        "documents": c.documents.iter().map(|d| json!({"code": d.code, "label": d.label})).collect::<Vec<_>>(),
        "mutation_types": c.mutation_types.iter().map(|m| json!({"id": m.id, "code": m.code, "label": m.label})).collect::<Vec<_>>(),
        "forms": Form::ALL.iter().map(|f| json!({"code": f.code(), "label": f.label()})).collect::<Vec<_>>(),
    }))
}

/// Reads what a report is asked for — `unit_id` (the caller's own unit, else the department),
/// `as_of` (today), `money` (nghin), `supplement` — and checks the caller may read every unit it
/// declares for.
pub fn read_request(conn: &mut crate::db::DbConn, me: &Identity, q: &mut Input) -> Result<Request, AppError> {
    let unit_id = q.id("unit_id", "Đơn vị kê khai");
    let as_of = q.date("as_of", "Thời điểm báo cáo").unwrap_or_else(crate::text::today);
    let from = q.date("from", "Từ ngày");
    let money = q.choice("money", "Đơn vị tiền", MoneyUnit::CHOICES, false);
    let supplement = q.choice("supplement", "Báo cáo bổ sung", crate::inventory::YES_NO, false);
    let unit_id = match unit_id.or(me.scope.unit) {
        Some(id) => id,
        None => crate::rules::root_unit_id(conn)?,
    };
    let (_, members) = super::forms::declaring_unit(conn, unit_id)?;
    if !me.scope.reaches(&members, false) {
        return Err(AppError::Forbidden("Bạn chỉ được lập báo cáo kê khai của đơn vị mình".into()));
    }
    if from.is_some_and(|f| f > as_of) {
        return Err(AppError::invalid("from", "«Từ ngày» sau «Thời điểm báo cáo» (đến ngày)"));
    }
    Ok(Request {
        unit_id,
        as_of,
        from,
        money: money.as_deref().map(MoneyUnit::from_code).unwrap_or_default(),
        supplement: matches!(supplement.as_deref(), Some("true" | "1")),
    })
}

/// One declaration report as a workbook.
pub async fn form(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(code): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<axum::response::Response, AppError> {
    let form = Form::parse(&code)?;
    let (file, name) = st
        .db
        .read(move |c| {
            let req = read_request(c, &me, &mut q)?;
            q.finish()?;
            let name = super::forms::file_name(c, form, &req)?;
            Ok((super::forms::render(c, form, &req, &Progress::default())?.to_temp_file()?, name))
        })
        .await?;
    Ok(crate::web::download_file(&name, crate::web::XLSX, file))
}

/// The register of a declaring unit in the national software's layout «TaiSan».
pub async fn export_taisan(st: State<AppState>, me: Auth, q: QueryInput) -> Result<axum::response::Response, AppError> {
    export_layout(st, me, q, super::national::Layout::TaiSan).await
}

/// The register of a declaring unit in the software's two sheets «TaiSanDatNha», «TaiSanKhac».
pub async fn export_sheets(st: State<AppState>, me: Auth, q: QueryInput) -> Result<axum::response::Response, AppError> {
    export_layout(st, me, q, super::national::Layout::DatNhaKhac).await
}

async fn export_layout(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
    layout: super::national::Layout,
) -> Result<axum::response::Response, AppError> {
    let (bytes, name) = st
        .db
        .read(move |c| {
            let req = read_request(c, &me, &mut q)?;
            q.finish()?;
            let (issuer, _) = super::forms::declaring_unit(c, req.unit_id)?;
            let bytes = super::national::export(c, req.unit_id, req.as_of, layout, &Progress::default())?;
            let stem = layout.file_stem();
            Ok((bytes, format!("{stem} {} {}.xlsx", issuer.code, req.as_of.format("%d-%m-%Y"))))
        })
        .await?;
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

/// `POST /api/v1/imports/national?preview=true` with a workbook in the layout «TaiSan», or in the
/// two sheets «TaiSanDatNha», «TaiSanKhac» with the file's `unit_id`, as `file`: 200 with the
/// preview, 201 once imported, 422 with every problem and nothing saved.
async fn import_layout(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
    multipart: axum::extract::Multipart,
) -> Result<axum::response::Response, AppError> {
    let preview =
        matches!(q.choice("preview", "Xem trước", crate::inventory::YES_NO, false).as_deref(), Some("true" | "1"));
    let unit = q.id("unit_id", "Đơn vị của tệp");
    q.finish()?;
    let (name, bytes, _) = crate::import::upload::read_upload(multipart, crate::import::upload::UPLOAD_LIMIT).await?;
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.for_change());
    let report = tokio::task::spawn_blocking(move || {
        super::national::execute(&db, &actor, &scope, unit, &name, &bytes, &[], preview)
    })
    .await
    .map_err(|e| AppError::Internal(format!("nhập tệp: {e}")))??;
    Ok((crate::web::import_status(preview, report.saved, !report.clean()), Json(report)).into_response())
}
