//! Importing registers over the web: `/api/v1/imports/assets` for programs, and the page
//! `/nhap-du-lieu` (upload → preview with the mapping to correct → import) for people.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
use crate::db::schema::{import_rows, import_uploads, imports, org_units};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::error::PageResult;
use crate::web::{fmt, parse_id, render, AppState, Nav, QueryInput, Reach, Route};

/// The largest workbook accepted (the reader refuses larger too, with the same figure).
pub const UPLOAD_LIMIT: usize = 30 * 1024 * 1024;

pub fn routes() -> Vec<Route> {
    use Permission::*;
    vec![
        Route::post("/api/v1/imports/assets", EditAssets, api_import)
            .reach(Reach::Filtered)
            .with_body_limit(UPLOAD_LIMIT + 64 * 1024),
        Route::get("/api/v1/imports", ReadRegister, api_list).reach(Reach::Filtered),
        Route::get("/api/v1/imports/{id}", ReadRegister, api_show).reach(crate::assets::import::REACH),
        Route::get("/nhap-du-lieu", EditAssets, index).reach(Reach::Filtered),
        Route::post("/nhap-du-lieu", EditAssets, upload)
            .reach(Reach::Filtered)
            .with_body_limit(UPLOAD_LIMIT + 64 * 1024),
        Route::post("/nhap-du-lieu/{id}", EditAssets, decide).reach(Reach::Filtered),
        Route::get("/nhap-du-lieu/viec/{id}", EditAssets, job_page).reach(Reach::Filtered),
        Route::get("/nhap-du-lieu/{id}/dong-loi.xlsx", EditAssets, errors_workbook).reach(Reach::Filtered),
        Route::get("/nhap-du-lieu/mau.xlsx", EditAssets, template).reach(Reach::Unscoped),
        Route::post("/api/v1/imports/{id}/undo", EditAssets, api_undo).reach(crate::assets::import::REACH),
        Route::post("/nhap-du-lieu/lan/{id}/hoan-tac", EditAssets, undo_page).reach(crate::assets::import::REACH),
    ]
}

/// The file and the other fields of an upload form.
pub(crate) async fn read_upload(
    multipart: Multipart,
    limit: usize,
) -> AppResult<(String, Vec<u8>, BTreeMap<String, String>)> {
    let (file, fields) = read_multipart(multipart, limit).await?;
    let (name, bytes) = file.ok_or_else(|| AppError::invalid("file", "Chưa chọn tệp để nhập"))?;
    Ok((name, bytes, fields))
}

/// A multipart form: its file (`file`) if one was chosen, and its text fields. A path in the file's
/// name is the browser's business, not ours: the last part only is kept.
pub(crate) async fn read_multipart(
    mut multipart: Multipart,
    limit: usize,
) -> AppResult<(Option<(String, Vec<u8>)>, BTreeMap<String, String>)> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("Không đọc được tệp tải lên (quá {} MB hoặc bị ngắt): {e}", limit / (1024 * 1024)))
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("tep-tai-len").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            // A browser sends an empty part when no file was chosen.
            if !bytes.is_empty() || !file_name.is_empty() {
                let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or("tep").to_string();
                file = Some((file_name, bytes.to_vec()));
            }
        } else if name != crate::auth::web::CSRF_FIELD {
            // The CSRF token was checked by the permission layer; it is not a field of the upload.
            fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    let named: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    crate::web::refuse_controls(&named)?;
    if let Some((name, _)) = &file {
        crate::web::refuse_controls(&[("file".to_string(), name.clone())])?;
    }
    Ok((file, fields))
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
    let mut mapping = BTreeMap::new();
    for (k, v) in input.pairs() {
        if let Some(col) = k.strip_prefix("col_").and_then(|c| c.parse::<u32>().ok()) {
            mapping.insert(col, if v.is_empty() { None } else { Some(v) });
        }
    }
    input.finish()?;
    Ok(Options {
        mode: mode.as_deref().and_then(Mode::parse).unwrap_or(Mode::Upsert),
        clear_blanks: clear.unwrap_or(false),
        strict: strict.unwrap_or(true),
        sheet,
        default_unit: unit,
        mapping,
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
    let (actor, scope) = (me.user.actor(), me.user.scope());
    tokio::task::spawn_blocking(move || import::execute(&db, &actor, &scope, &name, &bytes, &options, preview))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// An import the page started: its progress while it runs, its outcome once done (kept for the
/// person who started it, so that the page can be reloaded).
pub struct ImportJob {
    owner: String,
    upload_id: i32,
    fields: BTreeMap<String, String>,
    started: std::time::Instant,
    done: AtomicUsize,
    total: AtomicUsize,
    outcome: Mutex<Option<Result<Report, (StatusCode, String)>>>,
}

/// The imports started from the page, by number, and how long a page request waits for its
/// import before showing the progress page instead.
#[derive(Clone)]
pub struct ImportJobs {
    jobs: Arc<Mutex<JobTable>>,
    wait: std::time::Duration,
}

impl Default for ImportJobs {
    fn default() -> ImportJobs {
        ImportJobs::waiting(std::time::Duration::from_millis(1500))
    }
}

/// The last number given, and the jobs by number.
type JobTable = (u64, HashMap<u64, Arc<ImportJob>>);

impl ImportJobs {
    /// Jobs whose page waits `wait` for them (tests wait for none, to see the progress page).
    pub fn waiting(wait: std::time::Duration) -> ImportJobs {
        ImportJobs { jobs: Arc::default(), wait }
    }

    fn add(&self, job: Arc<ImportJob>) -> u64 {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        // Outcomes are kept an hour; nobody reloads a preview longer than that.
        jobs.1.retain(|_, j| j.started.elapsed() < std::time::Duration::from_secs(3600));
        jobs.0 += 1;
        let id = jobs.0;
        jobs.1.insert(id, job);
        id
    }

    fn get(&self, id: u64, owner: &str) -> Option<Arc<ImportJob>> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.1.get(&id).filter(|j| j.owner == owner).cloned()
    }
}

/// Runs an import for the page: the result page at once when it is quick, else a page that
/// shows its progress until it is done.
async fn page_import(
    st: &AppState,
    me: &Identity,
    upload_id: i32,
    (name, bytes): (String, Vec<u8>),
    mut options: Options,
    fields: BTreeMap<String, String>,
    preview: bool,
) -> PageResult<Response> {
    let job = Arc::new(ImportJob {
        owner: me.user.username.clone(),
        upload_id,
        fields,
        started: std::time::Instant::now(),
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
        outcome: Mutex::new(None),
    });
    let told = job.clone();
    options.progress = import::Progress(Some(Arc::new(move |done, total| {
        told.done.store(done, Ordering::Relaxed);
        told.total.store(total, Ordering::Relaxed);
    })));
    let (db, actor, scope, finished) = (st.db.clone(), me.user.actor(), me.user.scope(), job.clone());
    let task = tokio::task::spawn_blocking(move || {
        let outcome = import::execute(&db, &actor, &scope, &name, &bytes, &options, preview)
            .map_err(|e| (e.status(), e.public_message()));
        *finished.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    });
    let id = st.imports.add(job.clone());
    if tokio::time::timeout(st.imports.wait, task).await.is_err() {
        return Ok(axum::response::Redirect::to(&format!("/nhap-du-lieu/viec/{id}")).into_response());
    }
    job_response(st, me, &job).await
}

/// The page of an import: its progress, or its result.
async fn job_page(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Response> {
    let id = parse_id(&id, "việc nhập")?;
    let job = st.imports.get(id as u64, &me.user.username).ok_or_else(|| {
        AppError::NotFound(format!("việc nhập số {id} (đã xong quá một giờ hoặc không phải của bạn)"))
    })?;
    job_response(&st, &me, &job).await
}

#[derive(Template)]
#[template(path = "imports/progress.html")]
struct ProgressPage {
    nav: Nav,
    done: usize,
    total: usize,
    seconds: u64,
}

impl ProgressPage {
    fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0).min(100)
    }
}

async fn job_response(st: &AppState, me: &Identity, job: &ImportJob) -> PageResult<Response> {
    let outcome = job.outcome.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match outcome {
        None => {
            let page = ProgressPage {
                nav: Nav::of(me),
                done: job.done.load(Ordering::Relaxed),
                total: job.total.load(Ordering::Relaxed),
                seconds: job.started.elapsed().as_secs(),
            };
            Ok(Html(render(&page)?).into_response())
        }
        Some(Ok(report)) => {
            let preview = job.fields.get("action").map(String::as_str) != Some("import");
            let status = if !preview && !report.saved { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            Ok((status, Html(preview_html(me, job.upload_id, report, &job.fields)?)).into_response())
        }
        Some(Err((status, message))) => Ok((status, Html(index_html(st, me, Some(message)).await?)).into_response()),
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
}

#[derive(Debug, serde::Serialize, Queryable, Selectable)]
#[diesel(table_name = import_rows)]
struct ImportRowRecord {
    excel_row: i32,
    outcome: String,
    asset_id: Option<i32>,
    code: Option<String>,
    message: Option<String>,
}

/// The latest imports the person may see (unit staff: those within their unit).
fn recent(c: &mut crate::db::DbConn, scope: &Scope, limit: i64) -> AppResult<Vec<ImportRecord>> {
    let all: Vec<ImportRecord> =
        imports::table.order(imports::id.desc()).limit(limit).select(ImportRecord::as_select()).load(c)?;
    if scope.read_unit.is_none() {
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
    let scope = me.user.scope();
    let items = st.db.read(move |c| recent(c, &scope, 200)).await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

async fn api_show(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, AppError> {
    let id = parse_id(&id, "lần nhập")?;
    let (record, rows) = st
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
                .order(import_rows::excel_row)
                .select(ImportRowRecord::as_select())
                .load(c)?;
            Ok((record, rows))
        })
        .await?;
    Ok(Json(json!({ "import": record, "rows": rows })))
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
    let scope = me.user.scope();
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
    upload_id: i32,
    r: Report,
    fields: Vec<&'static str>,
    /// The options to carry to the next step, as form fields.
    carried: Vec<(String, String)>,
    duplicate_choices: &'static [(&'static str, &'static str)],
}

impl PreviewPage {
    fn field_name(&self, f: impl AsRef<str>) -> String {
        field_label(f.as_ref()).to_string()
    }

    /// Whether the option `key` was chosen for this preview.
    fn carries(&self, key: &str) -> bool {
        self.carried.iter().any(|(k, v)| k == key && (v == "true" || v == "1"))
    }

    /// The options and mapping of this preview as a query string (for the errors workbook).
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.carried {
            q.append_pair(k, v);
        }
        for c in &self.r.columns {
            q.append_pair(&format!("col_{}", c.index), c.field.as_deref().unwrap_or(""));
        }
        q.finish()
    }
}

fn field_label(f: &str) -> &str {
    match f {
        "row_number" => "Số thứ tự (bỏ qua)",
        "code" => "Mã tài sản",
        "name" => "Tên tài sản",
        "category" => "Nhóm tài sản",
        "unit" => "Đơn vị quản lý",
        "unit_of_measure" => "Đơn vị tính",
        "quantity" => "Số lượng",
        "unit_price" => "Đơn giá",
        "original_cost" => "Nguyên giá",
        "cost_state" => "Nguyên giá — nguồn NSNN",
        "cost_other" => "Nguyên giá — nguồn khác",
        "acquired_on" => "Ngày tăng",
        "in_use_on" => "Ngày đưa vào sử dụng",
        "year_made" => "Năm sản xuất",
        "country" => "Nước sản xuất",
        "task" => "Nhiệm vụ KH&CN",
        "task_asset_kind" => "Trang bị / kết quả",
        "area_m2" => "Diện tích",
        "location" => "Vị trí",
        "responsible_person" => "Người chịu trách nhiệm",
        "status" => "Tình trạng",
        "condition" => "Hiện trạng",
        "specification" => "Thông số kỹ thuật",
        "serial_no" => "Số hiệu / serial",
        "notes" => "Ghi chú",
        "opening_wear" => "Hao mòn lũy kế",
        "residual_value" => "Giá trị còn lại",
        other => other,
    }
}

fn preview_html(me: &Identity, upload_id: i32, r: Report, fields: &BTreeMap<String, String>) -> AppResult<String> {
    let carried = fields
        .iter()
        .filter(|(k, _)| !k.starts_with("col_") && *k != "action")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    render(&PreviewPage {
        nav: Nav::of(me),
        upload_id,
        r,
        fields: FIELDS.to_vec(),
        carried,
        duplicate_choices: Duplicates::CHOICES,
    })
}

/// The fields a column can be mapped to (the keys of `imports/columns/assets.json`).
const FIELDS: &[&str] = &[
    "row_number",
    "code",
    "name",
    "category",
    "unit",
    "unit_of_measure",
    "quantity",
    "unit_price",
    "original_cost",
    "cost_state",
    "cost_other",
    "acquired_on",
    "in_use_on",
    "year_made",
    "country",
    "task",
    "task_asset_kind",
    "area_m2",
    "location",
    "responsible_person",
    "status",
    "condition",
    "specification",
    "serial_no",
    "notes",
    "opening_wear",
    "residual_value",
];

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
    let actor = me.user.username.clone();
    let (n, b) = (name.clone(), bytes.clone());
    let upload_id: i32 = st
        .db
        .write(move |c| {
            Ok(diesel::insert_into(import_uploads::table)
                .values((
                    import_uploads::file_name.eq(&n),
                    import_uploads::sha256.eq(import::sha256_hex(&b)),
                    import_uploads::content.eq(&b),
                    import_uploads::actor.eq(&actor),
                    import_uploads::created_at.eq(crate::text::now_utc()),
                ))
                .returning(import_uploads::id)
                .get_result(c)?)
        })
        .await?;
    page_import(&st, &me, upload_id, (name, bytes), options, fields, true).await
}

/// A file this person uploaded (nobody else's).
async fn own_upload(st: &AppState, me: &Identity, id: i32) -> AppResult<(String, Vec<u8>)> {
    let actor = me.user.username.clone();
    st.db
        .read(move |c| {
            import_uploads::table
                .find(id)
                .filter(import_uploads::actor.eq(actor))
                .select((import_uploads::file_name, import_uploads::content))
                .first(c)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("tệp tải lên số {id}")))
        })
        .await
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

/// The rows with errors of an upload, as a workbook to fix and import again.
async fn errors_workbook(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(q): QueryInput,
) -> Result<Response, AppError> {
    let id = parse_id(&id, "tệp tải lên")?;
    let (name, bytes) = own_upload(&st, &me, id).await?;
    let options = options_of(q)?;
    let report = run_import(&st, &me, name.clone(), bytes.clone(), options.clone(), true).await?;
    let out = import::errors_workbook(&bytes, &name, &options, &report)?;
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&name);
    Ok(crate::web::download(&format!("{stem} - dòng lỗi.xlsx"), crate::web::XLSX, out))
}

async fn template(State(st): State<AppState>) -> Result<Response, AppError> {
    let bytes = st.db.read(import::template).await?;
    Ok(crate::web::download("Mẫu sổ tài sản.xlsx", crate::web::XLSX, bytes))
}

async fn undo(st: &AppState, me: &Identity, id: i32) -> AppResult<(usize, usize)> {
    let (actor, scope) = (me.user.actor(), me.user.scope());
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
