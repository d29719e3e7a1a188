//! Importing registers over the web: `/api/v1/imports/assets` for programs, and the page
//! `/nhap-du-lieu` (upload → preview with the mapping to correct → import) for people.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use diesel::prelude::*;
use serde_json::json;

use super::import::{self, Duplicates, Mode, Options, Report};
use crate::auth::web::Auth;
use crate::auth::{Identity, Permission, Scope};
use crate::db::schema::{import_fixes, import_rows, imports, org_units};
use crate::error::{AppError, AppResult};
use crate::import::jobs::{self, Job};
use crate::import::upload::{self, read_upload, BODY_LIMIT, UPLOAD_LIMIT};
use crate::input::Input;
use crate::web::error::PageResult;
use crate::web::{fmt, parse_id, render, AppState, Nav, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    use Permission::*;
    vec![
        Route::post("/api/v1/imports/assets", EditAssets, api_import)
            .reach(Reach::Filtered)
            .with_body_limit(BODY_LIMIT),
        Route::get("/api/v1/imports", ReadRegister, api_list).reach(Reach::Filtered),
        Route::get("/api/v1/imports/{id}", ReadRegister, api_show).reach(crate::assets::import::REACH),
        Route::get("/nhap-du-lieu", EditAssets, index).reach(Reach::Filtered),
        Route::post("/nhap-du-lieu", EditAssets, upload).reach(Reach::Filtered).with_body_limit(BODY_LIMIT),
        Route::post("/nhap-du-lieu/{id}", EditAssets, decide).reach(Reach::Filtered),
        // A job answers to its owner only (checked by the handler): whoever may run an importer — the
        // register's, the inspectorate's, a counter's — follows their job and takes its errors back.
        Route::get("/nhap-du-lieu/viec/{id}", SignedIn, job_page).reach(Reach::Filtered),
        Route::get("/nhap-du-lieu/viec/{id}/dong-loi.xlsx", SignedIn, errors_workbook).reach(Reach::Filtered),
        Route::get("/nhap-du-lieu/mau.xlsx", EditAssets, template).reach(Reach::Unscoped),
        Route::post("/api/v1/imports/{id}/undo", EditAssets, api_undo).reach(crate::assets::import::REACH),
        Route::post("/nhap-du-lieu/lan/{id}/hoan-tac", EditAssets, undo_page).reach(crate::assets::import::REACH),
    ]
}

/// Options from text fields (query string or form), checked with Vietnamese messages.
fn options_of(mut input: Input) -> AppResult<Options> {
    let mode = input.choice(
        "mode",
        "Chế độ",
        &[("upsert", "Thêm mới hoặc cập nhật"), ("create", "Chỉ thêm mới"), ("update", "Chỉ cập nhật")],
        false,
    );
    let yes_no = &[("true", "Có"), ("false", "Không"), ("1", "Có"), ("0", "Không")];
    let flag = |v: Option<String>| v.as_deref().map(|v| v == "true" || v == "1");
    let clear = flag(input.choice("clear_blanks", "Ô trống xóa giá trị cũ", yes_no, false));
    let strict = flag(input.choice("strict", "Chỉ nhập khi mọi dòng hợp lệ", yes_no, false));
    let dup = flag(input.choice("allow_duplicate", "Cho nhập lại tệp đã nhập", yes_no, false));
    let duplicates = input.choice("duplicates", "Dòng có thể trùng tài sản đã có", Duplicates::CHOICES, false);
    let strip = flag(input.choice("strip_controls", "Xóa ký tự điều khiển trong ô", yes_no, false));
    let sheet = input.text("sheet", "Trang tính", false, 100);
    let unit = input.id("unit_id", "Đơn vị mặc định");
    let wear_as_of = input.date("wear_as_of", "Ngày chốt hao mòn");
    let default_category = input.id("default_category", "Nhóm cho các dòng không ghi nhóm");
    let accept_guesses = flag(input.choice("accept_guesses", "Dùng các nhóm đoán theo tên", yes_no, false));
    let mut mapping = BTreeMap::new();
    let mut names = vec![];
    for (k, v) in input.pairs() {
        if let Some(col) = k.strip_prefix("col_").and_then(|c| c.parse::<u32>().ok()) {
            mapping.insert(col, if v.is_empty() { None } else { Some(v) });
        } else if let Some(name) = k.strip_prefix("name:") {
            // «name:Phòng thí nghiệm» = unit:ID | section | location; empty: not chosen yet.
            match (v.as_str(), import::NameChoice::parse(&v)) {
                ("", _) => {}
                (_, Some(choice)) => names.push((name.to_string(), choice)),
                (_, None) => input.error(&k, format!("«{v}» không phải lựa chọn cho tên «{name}»")),
            }
        }
    }
    let pairs = input.pairs();
    let fixes = match crate::import::fixes::from_fields(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(f) => f,
        Err(e) => {
            input.error("fix", e.to_string());
            vec![]
        }
    };
    input.finish()?;
    Ok(Options {
        mode: mode.as_deref().and_then(Mode::parse).unwrap_or(Mode::Upsert),
        clear_blanks: clear.unwrap_or(false),
        strict: strict.unwrap_or(true),
        sheet,
        default_unit: unit,
        names,
        default_category,
        accept_guesses: accept_guesses.unwrap_or(false),
        mapping,
        map_headers: vec![],
        fixes,
        fix_text: None,
        wear_as_of,
        allow_duplicate: dup.unwrap_or(false),
        duplicates: duplicates.as_deref().and_then(Duplicates::parse).unwrap_or(Duplicates::Ask),
        strip_controls: strip.unwrap_or(false),
        progress: Default::default(),
        limits: Default::default(),
    })
}

async fn run_import(
    st: &AppState,
    me: &Identity,
    name: String,
    bytes: Vec<u8>,
    options: Options,
    preview: bool,
) -> AppResult<Report> {
    let db = st.db.clone();
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    tokio::task::spawn_blocking(move || import::execute(&db, &actor, &scope, &name, &bytes, &options, preview))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Runs an import for the page as a job (`import::jobs`): the result page at once when it is quick,
/// else the page that shows its progress until it is done — on whichever server the person's next
/// request reaches.
async fn page_import(
    st: &AppState,
    me: &Identity,
    upload_id: i32,
    (name, bytes): (String, Vec<u8>),
    mut options: Options,
    fields: BTreeMap<String, String>,
    preview: bool,
) -> PageResult<Response> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.clone());
    let id = st
        .imports
        .start(&st.db, &me.user.username, import::KIND, Some(upload_id), &fields, move |progress| {
            options.progress = progress;
            let report = import::execute(&db, &actor, &scope, &name, &bytes, &options, preview)?;
            let status = if !preview && !report.saved { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            Ok((status.as_u16(), serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?))
        })
        .await?;
    let job = own_job(st, me, id).await?;
    if matches!(job.state, jobs::State::Running { .. }) {
        return Ok(axum::response::Redirect::to(&format!("/nhap-du-lieu/viec/{id}")).into_response());
    }
    job_response(st, me, job).await
}

/// A job of this person's (nobody else's), from whichever server started it.
async fn own_job(st: &AppState, me: &Identity, id: i32) -> AppResult<Job> {
    st.imports
        .get(&st.db, id, &me.user.username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("việc nhập số {id} (đã xong quá một ngày hoặc không phải của bạn)")))
}

/// The page of an import: its progress, or its result.
async fn job_page(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Response> {
    let id = parse_id(&id, "việc nhập")?;
    let job = own_job(&st, &me, id).await?;
    if job.kind != import::KIND {
        // The other importers' one report, on the shared check page.
        return crate::import::check::respond(&me, job).await;
    }
    job_response(&st, &me, job).await
}

async fn job_response(st: &AppState, me: &Identity, job: Job) -> PageResult<Response> {
    if let Some((status, report)) = crate::import::check::report_of::<Report>(&job)? {
        let upload_id = job.upload_id.unwrap_or_default();
        return Ok((status, Html(preview_html(st, me, job.id, upload_id, report, &job.fields).await?)).into_response());
    }
    match job.state {
        jobs::State::Running { done, total } => {
            let page = crate::import::check::ProgressPage { nav: Nav::of(me), done, total, seconds: job.seconds };
            Ok(Html(render(&page)?).into_response())
        }
        jobs::State::Failed { status, message } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, Html(index_html(st, me, Some(message)).await?)).into_response())
        }
        jobs::State::Interrupted => {
            Ok((StatusCode::CONFLICT, Html(index_html(st, me, Some(job.interrupted())).await?)).into_response())
        }
        jobs::State::Done { .. } => unreachable!("a finished job has its report"),
    }
}

// ---- API ---------------------------------------------------------------------------------------

/// `POST /api/v1/imports/assets?mode=upsert&strict=true&preview=true` with the workbook as `file`.
async fn api_import(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let preview =
        q.choice("preview", "Xem trước", &[("true", "Có"), ("false", "Không"), ("1", "Có"), ("0", "Không")], false);
    let preview = matches!(preview.as_deref(), Some("true" | "1"));
    let options = options_of(q)?;
    let (name, bytes, _) = read_upload(multipart, UPLOAD_LIMIT).await?;
    let report = run_import(&st, &me, name, bytes, options, preview).await?;
    let status = match (preview, report.saved) {
        (true, _) => StatusCode::OK,
        (false, true) => StatusCode::CREATED,
        (false, false) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut body = json!(report);
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        body["error"] =
            json!(format!("Không nhập: {} dòng có lỗi (chế độ chỉ nhập khi mọi dòng hợp lệ)", report.counts.error));
    }
    Ok((status, Json(body)).into_response())
}

#[derive(Debug, serde::Serialize, Queryable, Selectable)]
#[diesel(table_name = imports)]
struct ImportRecord {
    id: i32,
    file_name: String,
    sha256: String,
    sheet: String,
    actor: String,
    mode: String,
    blanks: String,
    strict: bool,
    status: String,
    created: i32,
    updated: i32,
    unchanged: i32,
    skipped: i32,
    failed: i32,
    created_at: chrono::NaiveDateTime,
    /// What kind of file it read: assets, findings, decisions, counts.
    kind: String,
}

#[derive(Debug, serde::Serialize, Queryable, Selectable)]
#[diesel(table_name = import_rows)]
struct ImportRowRecord {
    /// The row's sheet where the file's layout spans sheets.
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<String>,
    excel_row: i32,
    outcome: String,
    asset_id: Option<i32>,
    code: Option<String>,
    message: Option<String>,
}

/// A correction made in the preview, as the import keeps it.
#[derive(Debug, serde::Serialize, Queryable, Selectable)]
#[diesel(table_name = import_fixes)]
struct FixRecord {
    sheet: String,
    excel_row: i32,
    column_header: String,
    file_value: String,
    used_value: String,
    actor: String,
    created_at: chrono::NaiveDateTime,
}

/// The latest imports the person may see (unit staff: those within their unit).
fn recent(c: &mut crate::db::DbConn, scope: &Scope, limit: i64) -> AppResult<Vec<ImportRecord>> {
    let all: Vec<ImportRecord> =
        imports::table.order(imports::id.desc()).limit(limit).select(ImportRecord::as_select()).load(c)?;
    if scope.read_units.is_none() {
        return Ok(all);
    }
    let mut mine = vec![];
    for record in all {
        if scope.reaches(&import::units_of(c, record.id)?.unwrap_or_default(), false) {
            mine.push(record);
        }
    }
    Ok(mine)
}

async fn api_list(State(st): State<AppState>, Auth(me): Auth) -> Result<Json<serde_json::Value>, AppError> {
    let scope = me.scope.clone();
    let items = st.db.read(move |c| recent(c, &scope, 200)).await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

async fn api_show(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, AppError> {
    let id = parse_id(&id, "lần nhập")?;
    let (record, rows, fixes) = st
        .db
        .read(move |c| {
            let record: ImportRecord = imports::table
                .find(id)
                .select(ImportRecord::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("lần nhập số {id}")))?;
            let rows: Vec<ImportRowRecord> = import_rows::table
                .filter(import_rows::import_id.eq(id))
                .order((import_rows::sheet, import_rows::excel_row))
                .select(ImportRowRecord::as_select())
                .load(c)?;
            let fixes: Vec<FixRecord> = import_fixes::table
                .filter(import_fixes::import_id.eq(id))
                .order(import_fixes::id)
                .select(FixRecord::as_select())
                .load(c)?;
            Ok((record, rows, fixes))
        })
        .await?;
    Ok(Json(json!({ "import": record, "rows": rows, "fixes": fixes })))
}

// ---- Pages -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "imports/index.html")]
struct IndexPage {
    nav: Nav,
    units: Vec<(i32, String)>,
    recent: Vec<ImportRecord>,
    error: Option<String>,
}

async fn index_html(st: &AppState, me: &Identity, error: Option<String>) -> AppResult<String> {
    let scope = me.scope.clone();
    let (units, recent) = st
        .db
        .read(move |c| {
            let units = org_units::table.order(org_units::id).select((org_units::id, org_units::name)).load(c)?;
            Ok((units, recent(c, &scope, 20)?))
        })
        .await?;
    render(&IndexPage { nav: Nav::of(me), units, recent, error })
}

async fn index(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    Ok(Html(index_html(&st, &me, None).await?))
}

#[derive(Template)]
#[template(path = "imports/preview.html")]
struct PreviewPage {
    nav: Nav,
    job_id: i32,
    upload_id: i32,
    r: Report,
    fields: Vec<&'static str>,
    /// The options to carry to the next step, as form fields.
    carried: Vec<(String, String)>,
    duplicate_choices: &'static [(&'static str, &'static str)],
    units: Vec<(i32, String)>,
    categories: Vec<(i32, String)>,
    /// The file's unit chosen for this preview.
    file_unit: Option<i32>,
}

impl PreviewPage {
    fn field_name(&self, f: impl AsRef<str>) -> String {
        import::spec().label(f.as_ref()).to_string()
    }

    /// Whether the option `key` was chosen for this preview.
    fn carries(&self, key: &str) -> bool {
        self.carried.iter().any(|(k, v)| k == key && (v == "true" || v == "1"))
    }

    fn fixable(&self, row: &import::RowReport) -> Vec<(u32, String, String)> {
        crate::import::check::fixable(&self.r.columns, &row.errors, &row.source)
    }

    /// Whether the `i`th row of the grid carries inputs.
    fn in_grid(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        !self.r.saved && *i.borrow() < GRID_ROWS
    }

    /// Corrections made before whose rows passed: carried so that the next check keeps them.
    fn kept_fixes(&self) -> Vec<(String, String)> {
        let grid: Vec<crate::import::check::GridRow> = self
            .r
            .rows
            .iter()
            .take(GRID_ROWS)
            .filter(|r| !r.errors.is_empty())
            .map(|r| crate::import::check::GridRow {
                sheet: "",
                row: r.excel_row,
                errors: &r.errors,
                source: &r.source,
            })
            .collect();
        crate::import::check::kept_fixes(|_| &self.r.columns, &self.r.sheet, &self.r.fixes, &grid)
    }

    /// The choice made for an unknown name, as its form value.
    fn choice_of(&self, name: &str) -> String {
        let folded = crate::text::fold(name);
        self.r
            .detail
            .names
            .iter()
            .find(|(n, _)| crate::text::fold(n) == folded)
            .map(|(_, c)| c.code())
            .unwrap_or_default()
    }

    /// The names to choose for: those unknown now, and those chosen (which are no longer unknown).
    fn name_rows(&self) -> Vec<(String, usize, String)> {
        let mut out: Vec<(String, usize, String)> = self
            .r
            .detail
            .unknown_names
            .iter()
            .map(|u| {
                let rows = u.first_rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
                let more = if u.rows > u.first_rows.len() { "…" } else { "" };
                (u.name.clone(), u.rows, format!("{rows}{more}"))
            })
            .collect();
        for (n, _) in &self.r.detail.names {
            if !out.iter().any(|(o, _, _)| crate::text::fold(o) == crate::text::fold(n)) {
                out.push((n.clone(), 0, String::new()));
            }
        }
        out
    }
}

/// How many rows of the preview's grid carry inputs to correct (beyond, the errors workbook).
const GRID_ROWS: usize = 500;

/// The fields the preview's own controls set (the rest are carried as hidden fields).
const DECIDED_HERE: &[&str] =
    &["action", "unit_id", "default_category", "accept_guesses", "allow_duplicate", "duplicates", "strip_controls"];

async fn preview_html(
    st: &AppState,
    me: &Identity,
    job_id: i32,
    upload_id: i32,
    r: Report,
    fields: &BTreeMap<String, String>,
) -> AppResult<String> {
    let carried = fields
        .iter()
        .filter(|(k, _)| {
            !["col_", "name:", "fix:"].iter().any(|p| k.starts_with(p)) && !DECIDED_HERE.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (units, categories) = st
        .db
        .read(|c| {
            use crate::db::schema::asset_categories;
            let units = org_units::table.order(org_units::id).select((org_units::id, org_units::name)).load(c)?;
            let categories = asset_categories::table
                .order(asset_categories::code)
                .select((asset_categories::id, asset_categories::code, asset_categories::name))
                .load::<(i32, String, String)>(c)?
                .into_iter()
                .map(|(id, code, name)| (id, format!("{code} — {name}")))
                .collect();
            Ok((units, categories))
        })
        .await?;
    let file_unit = fields.get("unit_id").and_then(|u| u.parse().ok());
    render(&PreviewPage {
        nav: Nav::of(me),
        job_id,
        upload_id,
        r,
        fields: import::spec().keys().collect(),
        carried,
        duplicate_choices: Duplicates::CHOICES,
        units,
        categories,
        file_unit,
    })
}

/// Upload: keep the file for the next step, show the preview.
async fn upload(State(st): State<AppState>, Auth(me): Auth, multipart: Multipart) -> PageResult<Response> {
    let (name, bytes, fields) = match read_upload(multipart, UPLOAD_LIMIT).await {
        Ok(u) => u,
        Err(e) => return Ok((e.status(), Html(index_html(&st, &me, Some(e.public_message())).await?)).into_response()),
    };
    let options = match options_of(Input::from_form(fields.clone().into_iter().collect())) {
        Ok(o) => o,
        Err(e) => return Ok((e.status(), Html(index_html(&st, &me, Some(e.to_string())).await?)).into_response()),
    };
    let upload_id = upload::keep(&st.db, &me.user.username, &name, &bytes).await?;
    page_import(&st, &me, upload_id, (name, bytes), options, fields, true).await
}

/// A file this person uploaded (nobody else's).
async fn own_upload(st: &AppState, me: &Identity, id: i32) -> AppResult<(String, Vec<u8>)> {
    let actor = me.user.username.clone();
    st.db.read(move |c| upload::own(c, &actor, id)).await
}

/// After the preview: preview again with a corrected mapping, or import.
async fn decide(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: crate::web::FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "tệp tải lên")?;
    let (name, bytes) = own_upload(&st, &me, id).await?;
    let fields = form.to_map();
    let options = options_of(Input::from_form(form.0.clone()))?;
    let preview = form.get("action") != Some("import");
    page_import(&st, &me, id, (name, bytes), options, fields, preview).await
}

/// The rows with errors of a preview, as a workbook to fix and import again: written from the
/// job's kept outcomes, nothing run again.
async fn errors_workbook(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "việc nhập")?;
    let job = own_job(&st, &me, id).await?;
    let unfinished = || AppError::conflict(format!("Việc nhập số {id} chưa xong hoặc không có kết quả"));
    let (out, name) = if job.kind == import::KIND {
        let (_, report) = crate::import::check::report_of::<Report>(&job)?.ok_or_else(unfinished)?;
        (import::errors_workbook(&report)?, report.file_name)
    } else {
        let (_, report) =
            crate::import::check::report_of::<crate::import::report::Report>(&job)?.ok_or_else(unfinished)?;
        (crate::import::check::errors_workbook(&report)?, report.file_name)
    };
    let name = &name;
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    Ok(crate::web::download(&format!("{stem} - dòng lỗi.xlsx"), crate::web::XLSX, out))
}

async fn template(State(st): State<AppState>) -> Result<Response, AppError> {
    let bytes = st.db.read(import::template).await?;
    Ok(crate::web::download("Mẫu sổ tài sản.xlsx", crate::web::XLSX, bytes))
}

async fn undo(st: &AppState, me: &Identity, id: i32) -> AppResult<(usize, usize)> {
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    st.db.write(move |c| import::undo(c, &actor, &scope, id)).await
}

async fn api_undo(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let id = parse_id(&id, "lần nhập")?;
    let (deleted, restored) = undo(&st, &me, id).await?;
    Ok(Json(json!({ "deleted": deleted, "restored": restored })))
}

async fn undo_page(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Response> {
    let id = parse_id(&id, "lần nhập")?;
    match undo(&st, &me, id).await {
        Ok((deleted, restored)) => {
            let msg = format!(
                "Đã hoàn tác lần nhập số {id}: xóa {deleted} tài sản đã thêm, khôi phục {restored} tài sản đã sửa."
            );
            Ok(Html(index_html(&st, &me, Some(msg)).await?).into_response())
        }
        Err(e @ AppError::Conflict { .. }) => {
            Ok((e.status(), Html(index_html(&st, &me, Some(e.to_string())).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
