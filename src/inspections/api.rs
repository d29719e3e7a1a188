//! `/api/v1/inspections`, `/api/v1/recommendations`, `/api/v1/procurements`: the inspectorate's
//! records for programs, and its workbooks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{Inspect, ReadInspections, ReadRegister, RecordProcurement};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    let upload = crate::import::upload::BODY_LIMIT;
    vec![
        Route::get("/api/v1/procurements", ReadRegister, procurements).reach(Reach::Filtered),
        Route::post("/api/v1/procurements", RecordProcurement, create_procurement),
        Route::get("/api/v1/procurements/{id}", ReadRegister, procurement)
            .reach(crate::inspections::procurement::REACH),
        Route::put("/api/v1/procurements/{id}", RecordProcurement, update_procurement),
        Route::get("/api/v1/inspections", ReadInspections, list),
        Route::post("/api/v1/inspections", Inspect, create),
        Route::get("/api/v1/inspections/summary", ReadInspections, summary),
        Route::get("/api/v1/inspections/{id}", ReadInspections, show),
        Route::put("/api/v1/inspections/{id}", Inspect, update),
        Route::post("/api/v1/inspections/{id}/findings", Inspect, finding),
        Route::post("/api/v1/inspections/{id}/recommendations", Inspect, recommendation),
        Route::post("/api/v1/inspections/{id}/import", Inspect, import).with_body_limit(upload),
        Route::get("/api/v1/inspections/{id}/workbook", ReadInspections, workbook),
        Route::post("/api/v1/recommendations/{id}/follow-ups", Inspect, follow_up)
            .with_body_limit(crate::disposals::attachments::MAX_BYTES + 64 * 1024),
        Route::get("/api/v1/follow-ups/{id}/evidence", ReadInspections, evidence),
        Route::get("/api/v1/exports/inspections", ReadInspections, period_workbook),
    ]
}

async fn procurements(State(st): State<AppState>, Auth(me): Auth) -> Result<impl IntoResponse, AppError> {
    let scope = me.scope.clone();
    Ok(Json(json!({ "items": st.db.read(move |c| super::procurement::visible_views(c, &scope)).await? })))
}

async fn procurement(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "hồ sơ mua sắm")?;
    Ok(Json(st.db.read(move |c| super::procurement::view(c, id)).await?))
}

async fn create_procurement(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(input): JsonInput,
) -> Result<Response, AppError> {
    let actor = me.user.actor();
    let v = st
        .db
        .write(move |c| {
            let id = super::procurement::save(c, &actor, None, input)?;
            super::procurement::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn update_procurement(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "hồ sơ mua sắm")?;
    let actor = me.user.actor();
    Ok(Json(
        st.db
            .write(move |c| {
                super::procurement::save(c, &actor, Some(id), input)?;
                super::procurement::view(c, id)
            })
            .await?,
    ))
}

async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let items = st
        .db
        .read(|c| {
            let list = super::list(c)?;
            let recs = super::recommendation_views(c, None)?;
            Ok(list
                .into_iter()
                .map(|i| {
                    let r = super::Recovery::of(recs.iter().filter(|v| v.rec.inspection_id == i.id));
                    json!({"inspection": i, "recovery": r, "rate": r.rate()})
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn create(State(st): State<AppState>, Auth(me): Auth, JsonInput(input): JsonInput) -> Result<Response, AppError> {
    let user = me.user.clone();
    let v = st
        .db
        .write(move |c| {
            let id = super::save(c, &user, None, input)?;
            super::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    Ok(Json(st.db.read(move |c| super::view(c, id)).await?))
}

/// Updates the fields sent over those stored (the conclusion, the dates), from the version read.
pub async fn update_with(st: &AppState, me: &Identity, id: i32, patch: Input) -> AppResult<super::InspectionView> {
    let user = me.user.clone();
    st.db
        .write(move |c| {
            let current = super::find(c, id)?;
            let mut base = serde_json::to_value(&current).map_err(|e| AppError::Internal(e.to_string()))?;
            if let Some(m) = base.as_object_mut() {
                // The version comes from what the client sent, never from the record laid under it.
                for k in ["id", "version", "created_by", "created_at", "updated_at"] {
                    m.remove(k);
                }
                m.insert("planned".into(), json!(current.planned.to_string()));
            }
            super::save(c, &user, Some(id), Input::overlay(base, patch)?)?;
            super::view(c, id)
        })
        .await
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    Ok(Json(update_with(&st, &me, id, input).await?))
}

async fn finding(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<Response, AppError> {
    record_in(st, me, id, input, super::add_finding).await
}

async fn recommendation(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<Response, AppError> {
    record_in(st, me, id, input, super::add_recommendation).await
}

/// Writes a finding or a recommendation into inspection `id`; answers with the inspection.
async fn record_in(
    st: AppState,
    me: Identity,
    id: String,
    input: Input,
    add: fn(&mut crate::db::DbConn, &crate::auth::User, i32, Input) -> AppResult<i32>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let user = me.user.clone();
    let v = st
        .db
        .write(move |c| {
            add(c, &user, id, input)?;
            super::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Records a follow-up from a multipart form: its fields, and the evidence as `file` if any.
pub async fn follow_up_upload(
    st: &AppState,
    me: &Identity,
    rec_id: i32,
    multipart: axum::extract::Multipart,
    api: bool,
) -> AppResult<super::InspectionView> {
    let limit = crate::disposals::attachments::MAX_BYTES;
    let (file, fields) = crate::import::upload::read_multipart(multipart, limit).await?;
    follow_up_record(st, me, rec_id, fields, file, api).await
}

/// Records a follow-up from its text fields and its evidence (name, bytes) if any.
pub async fn follow_up_record(
    st: &AppState,
    me: &Identity,
    rec_id: i32,
    fields: std::collections::BTreeMap<String, String>,
    file: Option<(String, Vec<u8>)>,
    api: bool,
) -> AppResult<super::InspectionView> {
    let fields = fields.into_iter().filter(|(k, _)| k != crate::auth::web::CSRF_FIELD).collect();
    let input = Input::from_text(fields, api);
    let user = me.user.clone();
    st.db
        .write(move |c| {
            super::add_follow_up(c, &user, rec_id, input, file)?;
            let inspection: i32 = {
                use crate::db::schema::recommendations;
                use diesel::prelude::*;
                recommendations::table.find(rec_id).select(recommendations::inspection_id).first(c)?
            };
            super::view(c, inspection)
        })
        .await
}

/// `POST /api/v1/recommendations/{id}/follow-ups` (multipart: done_on, action, recovered, completes,
/// and the evidence as `file`).
async fn follow_up(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "kiến nghị")?;
    let v = follow_up_upload(&st, &me, id, multipart, true).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn evidence(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id, "lần theo dõi")?;
    let (name, bytes) = st
        .db
        .read(move |c| {
            use crate::db::schema::{file_blobs, follow_ups};
            use diesel::prelude::*;
            let (name, sha): (Option<String>, Option<String>) = follow_ups::table
                .find(id)
                .select((follow_ups::evidence_name, follow_ups::evidence_sha256))
                .first(c)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("lần theo dõi số {id}")))?;
            let (Some(name), Some(sha)) = (name, sha) else {
                return Err(AppError::NotFound("chứng từ của lần theo dõi này".into()));
            };
            let bytes: Vec<u8> = file_blobs::table.find(&sha).select(file_blobs::content).first(c)?;
            Ok((name, bytes))
        })
        .await?;
    let kind = if bytes.starts_with(b"%PDF-") { "application/pdf" } else { "application/octet-stream" };
    Ok(crate::web::download(&name, kind, bytes))
}

/// Imports findings and recommendations into an inspection (the API; the page runs it as a job).
pub async fn import_findings(
    st: &AppState,
    me: &Identity,
    id: i32,
    name: String,
    bytes: Vec<u8>,
    preview: bool,
) -> AppResult<crate::import::report::Report> {
    let (db, user) = (st.db.clone(), me.user.clone());
    tokio::task::spawn_blocking(move || super::import::execute(&db, &user, id, &name, &bytes, &[], preview))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn import(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let preview =
        matches!(q.choice("preview", "Xem trước", crate::inventory::YES_NO, false).as_deref(), Some("true" | "1"));
    q.finish()?;
    let (name, bytes, _) = crate::import::upload::read_upload(multipart, crate::import::upload::UPLOAD_LIMIT).await?;
    let r = import_findings(&st, &me, id, name, bytes, preview).await?;
    Ok((crate::web::import_status(preview, r.saved, !r.errors.is_empty()), Json(r)).into_response())
}

/// The inspection's workbook; the export is recorded with the chain's head it carries.
pub async fn workbook(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let actor = me.user.actor();
    let (name, bytes) = st.db.write(move |c| super::export::inspection_workbook(c, &actor, id)).await?;
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

async fn summary(State(st): State<AppState>, QueryInput(mut q): QueryInput) -> Result<impl IntoResponse, AppError> {
    let period = super::Period::read(&mut q);
    q.finish()?;
    let period = period.ok_or_else(|| AppError::invalid("period", "Kỳ báo cáo không hợp lệ"))?;
    let s = st.db.read(move |c| super::period_summary(c, period)).await?;
    Ok(Json(json!({
        "period": s.period, "inspections": s.inspections, "thanh_tra": s.thanh_tra, "kiem_tra": s.kiem_tra,
        "planned": s.planned, "ad_hoc": s.ad_hoc, "concluded": s.concluded, "findings": s.findings,
        "violation_amount": s.violation_amount, "recovery": s.recovery, "rate": s.recovery.rate(),
    })))
}

/// The period's workbook (`year`, `period` nam|6thang|quy, `n`), recorded as exported.
pub async fn period_workbook(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let period = super::Period::read(&mut q);
    q.finish()?;
    let period = period.ok_or_else(|| AppError::invalid("period", "Kỳ báo cáo không hợp lệ"))?;
    let actor = me.user.actor();
    let (name, bytes) = st
        .db
        .write(move |c| {
            let s = super::period_summary(c, period)?;
            super::export::period_workbook(c, &actor, &s)
        })
        .await?;
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}
