//! `/api/v1/counts`: the year-end count for programs — set up, open, count, reconcile, resolve,
//! close, and the spreadsheets out and back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::sheets::SheetKey;
use crate::auth::web::Auth;
use crate::auth::Permission::{ManageCounts, ReadRegister, RecordCounts};
use crate::auth::{Identity, Permission};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/counts", ReadRegister, list).reach(Reach::Filtered),
        Route::post("/api/v1/counts", ManageCounts, create),
        Route::get("/api/v1/counts/{id}", ReadRegister, show).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/open", ManageCounts, open),
        Route::post("/api/v1/counts/{id}/entries", RecordCounts, entry).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/sheets", RecordCounts, upload)
            .reach(crate::inventory::REACH)
            .with_body_limit(UPLOAD_LIMIT + 64 * 1024),
        Route::get("/api/v1/counts/{id}/sheet", ReadRegister, sheet).reach(crate::inventory::REACH),
        Route::get("/api/v1/counts/{id}/reconciliation", ReadRegister, reconciliation).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/reconcile", ManageCounts, reconcile),
        Route::post("/api/v1/counts/{id}/reopen", ManageCounts, reopen),
        Route::post("/api/v1/counts/{id}/book-figures", ManageCounts, book_figures),
        Route::get("/api/v1/counts/{id}/walk", RecordCounts, walk).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/sync", RecordCounts, sync).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/places/done", RecordCounts, place_done).reach(crate::inventory::REACH),
        Route::post("/api/v1/counts/{id}/lines/{line}/resolution", ManageCounts, resolve),
        Route::post("/api/v1/counts/{id}/close", ManageCounts, close),
        Route::get("/api/v1/counts/{id}/minutes", ReadRegister, minutes).reach(crate::inventory::REACH),
    ]
}

pub const UPLOAD_LIMIT: usize = crate::import::upload::UPLOAD_LIMIT;

async fn list(State(st): State<AppState>, Auth(me): Auth) -> Result<impl IntoResponse, AppError> {
    let scope = me.scope.clone();
    let items = st.db.read(move |c| super::list(c, &scope)).await?;
    Ok(Json(json!({ "items": items })))
}

async fn create(State(st): State<AppState>, Auth(me): Auth, JsonInput(input): JsonInput) -> Result<Response, AppError> {
    let actor = me.user.actor();
    let view = st
        .db
        .write(move |c| {
            let id = super::create(c, &actor, input)?;
            super::view(c, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    Ok(Json(st.db.read(move |c| super::view(c, id)).await?))
}

/// The version the caller saw, from `{"version": n}` (optional: without it the step is not
/// guarded against a concurrent change, as the status still is).
fn version_of(mut input: Input) -> AppResult<Option<i64>> {
    input.reject_unknown(&["version"], &[]);
    let v = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    input.finish()?;
    Ok(v)
}

/// A step of the count's status, taken from the version the caller read (`{"version": n}`);
/// answers with the count as it now stands.
async fn advance(
    st: AppState,
    me: Identity,
    id: String,
    input: Input,
    step: impl FnOnce(&mut crate::db::DbConn, &crate::audit::Actor, &crate::auth::Scope, i32, Option<i64>) -> AppResult<()>
        + Send
        + 'static,
) -> Result<Json<super::CountView>, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let version = version_of(input)?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    Ok(Json(
        st.db
            .write(move |c| {
                step(c, &actor, &scope, id, version)?;
                super::view(c, id)
            })
            .await?,
    ))
}

async fn open(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(i): JsonInput,
) -> ApiResult {
    advance(st, me, id, i, |c, a, _, id, v| super::open(c, a, id, v).map(drop)).await
}

async fn reconcile(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut i): JsonInput,
) -> ApiResult {
    i.reject_unknown(&["version", "unsent_reason"], &[]);
    let version = i.int("version", "Phiên bản", 1, i32::MAX as i64);
    // Why counting ends although a phone still holds entries not sent.
    let reason = i.text("unsent_reason", "Lý do kết thúc khi còn điện thoại chưa gửi", false, 1000);
    i.finish()?;
    let (actor, id) = (me.user.actor(), parse_id(&id, "đợt kiểm kê")?);
    Ok(Json(
        st.db
            .write(move |c| {
                super::reconcile_session(c, &actor, id, version, reason.as_deref())?;
                super::view(c, id)
            })
            .await?,
    ))
}

async fn reopen(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(i): JsonInput,
) -> ApiResult {
    advance(st, me, id, i, |c, a, _, id, v| super::reopen(c, a, id, v)).await
}

/// The list a counter's phone keeps to count offline: the count, and each of its assets — the
/// counter's own with what stands so far, another unit's by code alone.
async fn walk(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let (id, scope) = (parse_id(&id, "đợt kiểm kê")?, me.scope.clone());
    let body = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            let items = super::field::walk(c, &scope, &s)?;
            Ok(serde_json::json!({
                "count": {"id": s.id, "code": s.code, "status": s.status, "show_book": s.show_book},
                "items": items,
            }))
        })
        .await?;
    Ok(Json(body).into_response())
}

/// `{"device": "…", "unsent": n, "entries": [{"client_id", "code", "quantity", "mode", …}]}`: what a
/// phone counted offline. Each entry is recorded once however often it is sent; one refused does
/// not hold back the others. Answers each entry's outcome and the phone's list as it now stands.
async fn sync(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut i): JsonInput,
) -> Result<Response, AppError> {
    i.reject_unknown(&["device", "unsent", "entries"], &[]);
    let device = i.text("device", "Mã điện thoại", true, 100);
    let unsent = i.int("unsent", "Số lần đếm còn trên điện thoại", 0, 1_000_000).unwrap_or(0) as i32;
    let mut entries = vec![];
    for (n, mut e) in i.list("entries", "Các lần đếm", false).into_iter().enumerate() {
        e.reject_unknown(
            &["client_id", "code", "quantity", "mode", "condition", "location", "note", "counted_at"],
            &[],
        );
        let quantity = e.int("quantity", "Số lượng", 0, 1_000_000_000);
        let quantity = e.required(quantity, "quantity", "Số lượng");
        let entry = super::field::PhoneEntry {
            client_id: e.text("client_id", "Mã của lần đếm", true, 100).unwrap_or_default(),
            code: e.text("code", "Mã tài sản", true, 60).unwrap_or_default(),
            quantity: quantity.unwrap_or_default(),
            mode: e.choice("mode", "Cách ghi", &[("set", "Sửa thành"), ("add", "Cộng thêm")], false),
            condition: e.text("condition", "Tình trạng", false, 100),
            location: e.text("location", "Nơi đặt thực tế", false, 300),
            note: e.text("note", "Ghi chú", false, 1000),
            counted_at: e.text("counted_at", "Lúc đếm", false, 40),
        };
        i.absorb("entries", n, e);
        entries.push(entry);
    }
    i.finish()?;
    let (actor, scope, id) = (me.user.actor(), me.scope.clone(), parse_id(&id, "đợt kiểm kê")?);
    let device = device.unwrap_or_default();
    let body = st
        .db
        .write(move |c| {
            let results = super::field::sync(c, &actor, &scope, id, &device, entries, unsent)?;
            let s = super::find(c, id)?;
            let items = super::field::walk(c, &scope, &s)?;
            Ok(serde_json::json!({"results": results, "items": items}))
        })
        .await?;
    Ok(Json(body).into_response())
}

/// `{"location": "…"}`: the counter has finished a place («xong phòng này»); answers how many of
/// their assets there are left uncounted (missing at the reconciliation).
async fn place_done(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut i): JsonInput,
) -> Result<Response, AppError> {
    i.reject_unknown(&["location"], &[]);
    let location = i.text("location", "Nơi đặt", true, 300);
    i.finish()?;
    let (actor, scope, id) = (me.user.actor(), me.scope.clone(), parse_id(&id, "đợt kiểm kê")?);
    let place = location.unwrap_or_default();
    let answer = place.clone();
    let left = st.db.write(move |c| super::field::close_place(c, &actor, &scope, id, &place)).await?;
    Ok(Json(serde_json::json!({"location": answer, "left": left})).into_response())
}

/// `{"show": true|false, "version": n}`: whether counters see the book quantity (blind when not).
async fn book_figures(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut i): JsonInput,
) -> ApiResult {
    i.reject_unknown(&["show", "version"], &[]);
    let show = i.choice("show", "Hiện số sổ sách", super::YES_NO, true).is_some_and(|v| v == "true" || v == "1");
    let version = i.int("version", "Phiên bản", 1, i32::MAX as i64);
    i.finish()?;
    let (actor, id) = (me.user.actor(), parse_id(&id, "đợt kiểm kê")?);
    Ok(Json(
        st.db
            .write(move |c| {
                super::set_show_book(c, &actor, id, show, version)?;
                super::view(c, id)
            })
            .await?,
    ))
}

async fn close(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(i): JsonInput,
) -> ApiResult {
    advance(st, me, id, i, |c, a, scope, id, v| super::close(c, a, scope, id, v).map(drop)).await
}

type ApiResult = Result<Json<super::CountView>, AppError>;

async fn entry(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let e = save_entry(&st, &me, id, input).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

/// Records one count; shared by the API and the phone page.
pub async fn save_entry(st: &AppState, me: &Identity, id: i32, input: Input) -> AppResult<super::Entry> {
    let (actor, scope, source) = (me.user.actor(), me.scope.clone(), source_of(me));
    let may_settle = Permission::ManageCounts.allows(me.user.role());
    st.db.write(move |c| super::record_entry(c, &actor, &scope, id, input, may_settle, source)).await
}

/// Adds a count to the figure standing (the phone page's «Cộng thêm»).
pub async fn add_entry(st: &AppState, me: &Identity, id: i32, input: Input) -> AppResult<super::Entry> {
    let (actor, scope, source) = (me.user.actor(), me.scope.clone(), source_of(me));
    st.db
        .write(move |c| {
            let s = super::find(c, id)?;
            let entry = super::read_entry(input)?;
            super::add_to_standing(c, &actor, &scope, &s, entry, source)
        })
        .await
}

/// A phone's page signs in with a session; a program calls with a token.
fn source_of(me: &Identity) -> &'static str {
    match me.credential {
        crate::auth::Credential::Session { .. } => "dien_thoai",
        crate::auth::Credential::Token => "api",
    }
}

/// `POST /api/v1/counts/{id}/sheets?preview=true` with a filled count sheet as `file`: 200 with what
/// it holds (preview), 201 once saved, 422 when a row has a problem (nothing is saved).
async fn upload(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let preview = matches!(q.choice("preview", "Xem trước", super::YES_NO, false).as_deref(), Some("true" | "1"));
    q.finish()?;
    let (name, bytes, _) = crate::import::upload::read_upload(multipart, UPLOAD_LIMIT).await?;
    let report = import_sheet(&st, &me, id, name, bytes, !preview).await?;
    let counted = report.detail.get("counted").and_then(serde_json::Value::as_u64).unwrap_or(0);
    let status = crate::web::import_status(preview, report.saved || counted == 0, !report.clean());
    Ok((status, Json(report)).into_response())
}

/// Imports a filled count sheet; shared by the API and the page.
pub async fn import_sheet(
    st: &AppState,
    me: &Identity,
    id: i32,
    name: String,
    bytes: Vec<u8>,
    save: bool,
) -> AppResult<crate::import::report::Report> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.clone());
    tokio::task::spawn_blocking(move || import_sheet_sync(&db, &actor, &scope, id, &name, &bytes, &[], save))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The same on the caller's thread, with the corrections made in the preview (the check page's job).
#[allow(clippy::too_many_arguments)]
pub fn import_sheet_sync(
    db: &crate::db::Db,
    actor: &crate::audit::Actor,
    scope: &crate::auth::Scope,
    id: i32,
    name: &str,
    bytes: &[u8],
    fixes: &[crate::import::fixes::Fix],
    save: bool,
) -> AppResult<crate::import::report::Report> {
    db.write_sync(|c| {
        let s = super::find(c, id)?;
        super::sheets::import(c, actor, scope, &s, name, bytes, &Default::default(), fixes, save)
    })
}

/// Which sheet: `unit_id`, or `location`, or the whole count.
pub fn sheet_key(q: &mut Input) -> SheetKey {
    let unit = q.id("unit_id", "Đơn vị");
    let location = q.text("location", "Nơi đặt", false, 300);
    match (unit, location) {
        (Some(u), _) => SheetKey::Unit(u),
        (None, Some(l)) => SheetKey::Location(l),
        _ => SheetKey::All,
    }
}

/// A count sheet to fill: `?unit_id=` or `?location=`, or every asset of the count.
pub async fn sheet(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let mut key = sheet_key(&mut q);
    q.finish()?;
    // Unit staff get their unit's sheet.
    if let (Some(u), Some(_)) = (me.scope.unit, &me.scope.read_units) {
        key = SheetKey::Unit(u);
    }
    let (name, bytes) = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            super::sheets::count_sheet(c, &s, &key)
        })
        .await?;
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

async fn reconciliation(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let only =
        matches!(q.choice("discrepancies", "Chỉ chênh lệch", super::YES_NO, false).as_deref(), Some("true" | "1"));
    q.finish()?;
    let scope = me.scope.clone();
    let (rows, progress) = st
        .db
        .read(move |c| {
            super::find(c, id)?;
            let rows = super::reconciliation(c, id)?;
            let rows = super::with_related(c, rows)?;
            let progress = super::progress(&rows);
            Ok((rows, progress))
        })
        .await?;
    let items: Vec<_> = rows
        .into_iter()
        .filter(|r| r.line.unit_id.is_none_or(|u| scope.check_read(u).is_ok()))
        .filter(|r| !only || r.is_discrepancy())
        .map(|r| {
            json!({
                "line": r.line, "count": r.count, "outcome": r.outcome, "outcome_name": r.outcome_name(),
                "counted_quantity": r.counted_quantity, "counted_cost": r.counted_cost,
                "counted_residual": r.counted_residual, "diff_quantity": r.diff_quantity(),
                "diff_cost": r.diff_cost(), "diff_residual": r.diff_residual(),
                "location_changed": r.location_changed, "condition_changed": r.condition_changed,
                "related": r.related,
            })
        })
        .collect();
    Ok(Json(json!({ "progress": progress, "items": items })))
}

async fn resolve(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, line)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let line = parse_id(&line, "dòng kiểm kê")?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    Ok(Json(st.db.write(move |c| super::resolve(c, &actor, &scope, id, line, input)).await?))
}

/// Biên bản kiểm kê (C53-HD) with the summary by unit and the discrepancies.
pub async fn minutes(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let (name, file) = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            if s.status == "nhap" {
                return Err(AppError::conflict("Đợt kiểm kê chưa mở: chưa có biên bản"));
            }
            Ok((super::minutes::file_name(&s), super::minutes::workbook(c, &s)?.to_temp_file()?))
        })
        .await?;
    Ok(crate::web::download_file(&name, crate::web::XLSX, file))
}
