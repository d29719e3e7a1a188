//! `/api/v1/disposals`: the handling of assets for programs — one route per document of the chain.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{HandleAssets, ReadRegister};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/handling-forms", ReadRegister, forms).reach(Reach::Unscoped),
        Route::get("/api/v1/disposals", ReadRegister, list).reach(Reach::Filtered),
        Route::post("/api/v1/disposals", HandleAssets, propose),
        Route::get("/api/v1/disposals/overview", ReadRegister, overview).reach(Reach::Filtered),
        Route::get("/api/v1/disposals/{id}", ReadRegister, show).reach(crate::disposals::REACH),
        Route::post("/api/v1/disposals/{id}/decision", HandleAssets, decision).reach(crate::disposals::REACH),
        Route::post("/api/v1/disposals/{id}/execution", HandleAssets, execution).reach(crate::disposals::REACH),
        Route::post("/api/v1/disposals/{id}/money", HandleAssets, money).reach(crate::disposals::REACH),
        Route::post("/api/v1/disposals/{id}/write-down", HandleAssets, write_down).reach(crate::disposals::REACH),
        Route::post("/api/v1/disposals/{id}/revocation", HandleAssets, revocation).reach(crate::disposals::REACH),
        Route::get("/api/v1/disposals/{id}/proposal", ReadRegister, proposal_sheet).reach(crate::disposals::REACH),
        Route::get("/api/v1/disposals/{id}/handover", ReadRegister, handover_sheet).reach(crate::disposals::REACH),
        Route::get("/api/v1/exports/task-handling", ReadRegister, task_handling_sheet).reach(Reach::Filtered),
        Route::get("/api/v1/exports/disposals", ReadRegister, disposal_register_sheet).reach(Reach::Filtered),
        Route::get("/api/v1/exports/decisions", ReadRegister, decisions_sheet).reach(Reach::Filtered),
        Route::post("/api/v1/disposals/{id}/attachments", HandleAssets, attach)
            .reach(crate::disposals::REACH)
            .with_body_limit(super::attachments::MAX_BYTES + 64 * 1024),
        Route::get("/api/v1/attachments/{id}", ReadRegister, attachment).reach(crate::disposals::attachments::REACH),
        Route::post("/api/v1/imports/decisions", HandleAssets, import_decisions)
            .with_body_limit(crate::import::upload::BODY_LIMIT),
    ]
}

/// `POST /api/v1/imports/decisions?preview=true` with a workbook of old decisions as `file`: 200 with
/// the preview, 201 once saved, 422 when a decision is refused (and nothing is saved).
/// Runs an import of old decisions off the async threads; shared by the API and the page.
pub async fn run_decisions_import(
    st: &AppState,
    me: &Identity,
    name: String,
    bytes: Vec<u8>,
    preview: bool,
) -> AppResult<crate::import::report::Report> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.clone());
    tokio::task::spawn_blocking(move || super::import::execute(&db, &actor, &scope, &name, &bytes, &[], preview))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn import_decisions(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let yes_no = &[("true", "Có"), ("false", "Không"), ("1", "Có"), ("0", "Không")];
    let preview = matches!(q.choice("preview", "Xem trước", yes_no, false).as_deref(), Some("true" | "1"));
    q.finish()?;
    let limit = crate::import::upload::UPLOAD_LIMIT;
    let (name, bytes, _) = crate::import::upload::read_upload(multipart, limit).await?;
    let report = run_decisions_import(&st, &me, name, bytes, preview).await?;
    Ok((crate::web::import_status(preview, report.saved, !report.clean()), Json(report)).into_response())
}

/// A scan attached to a handling (multipart: `file`, and `step_id` for the document it belongs to).
async fn attach(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    let a = attach_upload(&st, &me, id, multipart, true).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Reads an upload and attaches it; shared by the API and the page.
pub async fn attach_upload(
    st: &AppState,
    me: &Identity,
    id: i32,
    multipart: axum::extract::Multipart,
    api: bool,
) -> AppResult<super::attachments::Attachment> {
    let limit = super::attachments::MAX_BYTES;
    let (name, bytes, fields) = crate::import::upload::read_upload(multipart, limit).await?;
    let fields = fields.into_iter().collect();
    let mut input = Input::from_text(fields, api);
    let step_id = input.id("step_id", "Văn bản");
    input.finish()?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    st.db.write(move |c| super::attachments::attach(c, &actor, &scope, id, step_id, &name, &bytes)).await
}

/// The file, under its own name and type.
async fn attachment(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id, "tệp đính kèm")?;
    let (a, bytes) = st.db.read(move |c| super::attachments::content(c, id)).await?;
    Ok(crate::web::download(&a.file_name, &a.content_type, bytes))
}

/// Danh mục tài sản đề nghị xử lý (01/TSC-XLTS) of a handling, as a workbook.
pub async fn proposal_sheet(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    let (code, bytes) = st
        .db
        .read(move |c| {
            let code: String = {
                use crate::db::schema::disposals;
                use diesel::prelude::*;
                disposals::table.find(id).select(disposals::code).first(c).optional()?
            }
            .ok_or_else(|| AppError::NotFound(format!("hồ sơ xử lý số {id}")))?;
            Ok((code, super::export::proposal_workbook(c, id)?.to_bytes()?))
        })
        .await?;
    Ok(crate::web::download(&format!("Danh mục tài sản đề nghị xử lý {code}.xlsx"), crate::web::XLSX, bytes))
}

/// Biên bản bàn giao, tiếp nhận tài sản (02/TSC-BBGN) of a handling handed over.
pub async fn handover_sheet(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    let bytes = st.db.read(move |c| super::export::handover_workbook(c, id)?.to_bytes()).await?;
    Ok(crate::web::download("Biên bản bàn giao, tiếp nhận tài sản.xlsx", crate::web::XLSX, bytes))
}

/// Sổ theo dõi xử lý tài sản for the handlings proposed in a period.
pub async fn disposal_register_sheet(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let (from, to) = crate::reports::read_period(&mut q);
    q.finish()?;
    let scope = me.scope.clone();
    let bytes = st.db.read(move |c| super::export::disposal_register(c, &scope, from, to)?.to_bytes()).await?;
    let name = format!("Sổ theo dõi xử lý tài sản {} đến {}.xlsx", from.format("%d-%m-%Y"), to.format("%d-%m-%Y"));
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

/// Danh sách quyết định xử lý tài sản made in a period.
pub async fn decisions_sheet(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let (from, to) = crate::reports::read_period(&mut q);
    q.finish()?;
    let scope = me.scope.clone();
    let bytes = st.db.read(move |c| super::export::decisions_list(c, &scope, from, to)?.to_bytes()).await?;
    let name = format!("Quyết định xử lý tài sản {} đến {}.xlsx", from.format("%d-%m-%Y"), to.format("%d-%m-%Y"));
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

/// Kết quả xử lý tài sản hình thành qua nhiệm vụ KH&CN, as of `as_of` (default today).
pub async fn task_handling_sheet(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let as_of = q.date("as_of", "Tính đến ngày").unwrap_or_else(crate::text::today);
    q.finish()?;
    let scope = me.scope.clone();
    let bytes = st.db.read(move |c| super::export::task_handling_workbook(c, &scope, as_of)?.to_bytes()).await?;
    let name = format!("Kết quả xử lý tài sản nhiệm vụ KH&CN {}.xlsx", as_of.format("%d-%m-%Y"));
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

/// The forms in force on `on` (default today); with `asset_id` (repeatable as `asset_id=1,2`), only
/// those that may handle those assets.
async fn forms(State(st): State<AppState>, QueryInput(mut q): QueryInput) -> Result<impl IntoResponse, AppError> {
    let on = q.date("on", "Ngày").unwrap_or_else(crate::text::today);
    let ids = q.text("asset_id", "Tài sản", false, 2000);
    q.finish()?;
    let ids: Vec<i32> = match ids {
        Some(list) => list
            .split(',')
            .map(|s| {
                s.trim().parse().map_err(|_| AppError::invalid("asset_id", format!("«{s}» không phải mã số tài sản")))
            })
            .collect::<AppResult<_>>()?,
        None => vec![],
    };
    let forms = st
        .db
        .read(move |c| {
            if ids.is_empty() {
                return super::forms_on(c, on);
            }
            let mut found = vec![];
            for id in ids {
                found.push(crate::assets::find(c, id)?);
            }
            super::forms_for(c, &found, on)
        })
        .await?;
    Ok(Json(json!({ "items": forms })))
}

async fn list(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let yes_no = &[("true", "Có"), ("false", "Không"), ("1", "Có"), ("0", "Không")];
    let open = q.choice("open", "Còn đang xử lý", yes_no, false).is_some_and(|v| v == "true" || v == "1");
    let overdue = q.choice("overdue", "Quá hạn", yes_no, false).is_some_and(|v| v == "true" || v == "1");
    q.finish()?;
    let scope = me.scope.clone();
    Ok(Json(json!({ "items": st.db.read(move |c| super::list(c, &scope, open, overdue)).await? })))
}

/// What is due and overdue, and the accepted S&T tasks whose assets still wait for handling.
async fn overview(State(st): State<AppState>, Auth(me): Auth) -> Result<impl IntoResponse, AppError> {
    let scope = me.scope.clone();
    let (due, tasks) =
        st.db.read(move |c| Ok((super::list(c, &scope, true, false)?, super::unhandled_tasks(c, &scope)?))).await?;
    Ok(Json(json!({ "open": due, "unhandled_tasks": tasks })))
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    Ok(Json(st.db.read(move |c| super::view(c, id)).await?))
}

async fn propose(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    let view = st
        .db
        .write(move |c| {
            let id = super::propose(c, &actor, &scope, input)?;
            super::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub type Step = fn(&mut crate::db::DbConn, &crate::audit::Actor, &crate::auth::Scope, i32, Input) -> AppResult<()>;

/// Records one step and answers with the handling as it now stands.
async fn step(st: &AppState, me: Identity, id: &str, input: Input, f: Step) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(id, "hồ sơ xử lý")?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    let view = st
        .db
        .write(move |c| {
            f(c, &actor, &scope, id, input)?;
            super::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn decision(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    step(&st, me, &id, input, super::decide).await
}

async fn execution(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    step(&st, me, &id, input, super::execute).await
}

async fn money(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    step(&st, me, &id, input, super::record_money).await
}

async fn write_down(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    step(&st, me, &id, input, super::write_down).await
}

async fn revocation(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    step(&st, me, &id, input, super::revoke).await
}
