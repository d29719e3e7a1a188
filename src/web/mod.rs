//! The HTTP machinery: the shared state, the route type and its scope rule, extractors, rendering.
//! It knows no area: the route table that joins them is `crate::router`.

pub mod chart;
pub mod error;
pub mod fmt;

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::header;
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::Value;

use crate::auth::{Identity, Permission};
use crate::db::Db;
use crate::error::AppError;
use crate::input::Input;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Imports running for the page, which polls their progress.
    pub imports: crate::import::jobs::Jobs,
}

/// The largest request body accepted (forms and JSON; uploads get their own limit).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// One route: its method, path, the permission it needs, what of a unit's records it reaches, and
/// its handler. The router is built from this table and nothing else, so the route × role test and
/// the scope test walk every route that exists.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub permission: Permission,
    pub reach: Reach,
    pub handler: MethodRouter<AppState>,
}

/// The units a record touches (through its assets), or `None` when there is no such record.
pub type UnitsOf = fn(&mut crate::db::DbConn, i32) -> Result<Option<Vec<i32>>, AppError>;

/// What a route shows or changes of records tied to units — the scope rule of unit staff (cán bộ
/// đơn vị), checked in one place: `auth::web::require` for a record named in the path, the
/// handler's own query for a list. A route reachable by unit staff must say which.
#[derive(Clone, Copy)]
pub enum Reach {
    /// Not said: the scope test fails for a route unit staff can reach.
    Undeclared,
    /// Nothing of a unit's: reference data, one's own account, static files, forms to fill.
    Unscoped,
    /// The record named by the path's first parameter: unit staff reach it only when every unit it
    /// touches is theirs (nothing of another unit shows through it).
    Record(UnitsOf),
    /// A record several units share (a count): unit staff reach it when one of its units is
    /// theirs; the handler shows their part only.
    Shared(UnitsOf),
    /// A list, an export, a total or a new record: the handler's query keeps to the caller's scope.
    Filtered,
}

macro_rules! route_constructor {
    ($name:ident, $method:ident) => {
        pub fn $name<H, T>(path: &'static str, permission: Permission, handler: H) -> Route
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            // The public's and one's own account reach no unit's records; every other route says.
            let reach = match permission {
                Permission::Public | Permission::SignedIn => Reach::Unscoped,
                _ => Reach::Undeclared,
            };
            Route { method: Method::$method, path, permission, reach, handler: axum::routing::$name(handler) }
        }
    };
}

impl Route {
    /// What of a unit's records the route reaches.
    pub fn reach(mut self, reach: Reach) -> Route {
        self.reach = reach;
        self
    }

    /// A larger body limit for this route alone (uploads).
    pub fn with_body_limit(mut self, bytes: usize) -> Route {
        self.handler = self.handler.layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }

    route_constructor!(get, GET);
    route_constructor!(post, POST);
    route_constructor!(put, PUT);
    route_constructor!(delete, DELETE);
}

/// Parses a path id; anything else is "not found", as a missing record would be.
pub fn parse_id(raw: &str, what: &str) -> Result<i32, AppError> {
    raw.parse::<i32>().ok().filter(|id| *id > 0).ok_or_else(|| AppError::NotFound(format!("{what} «{raw}»")))
}

/// A JSON object body, read into `Input`. Malformed JSON gets a Vietnamese 400, not axum's text.
pub struct JsonInput(pub Input);

impl<S: Send + Sync> FromRequest<S> for JsonInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest("Cần gửi dữ liệu dạng JSON (Content-Type: application/json)".into()));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("Nội dung gửi lên quá lớn hoặc không đọc được".into()))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::BadRequest(format!("JSON không hợp lệ ở dòng {}, cột {}", e.line(), e.column())))?;
        Ok(JsonInput(Input::from_api_json(value)?))
    }
}

/// The query string as text fields, so filters are checked with the same Vietnamese messages; read
/// exactly on `/api/` (where a blank `page=` is refused) and as a person types it on pages (whose
/// filter forms send every field, blank or not).
pub struct QueryInput(pub Input);

impl<S: Send + Sync> FromRequestParts<S> for QueryInput {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect();
        Ok(QueryInput(Input::from_text(pairs, parts.uri.path().starts_with("/api/"))))
    }
}

/// A urlencoded form body as text fields (pages post these).
pub struct FormInput(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("Nội dung biểu mẫu quá lớn hoặc không đọc được".into()))?;
        // The CSRF token was checked by the permission layer; it is not a field of any record.
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
            .into_owned()
            .filter(|(k, _)| k != crate::auth::web::CSRF_FIELD)
            .collect();
        refuse_controls(&pairs)?;
        Ok(FormInput(pairs))
    }
}

/// Text fields read outside `Input` (forms, multipart) keep the same rule: no control characters.
pub fn refuse_controls<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> Result<(), AppError> {
    let mut errors = crate::error::FieldErrors::new();
    for (k, v) in pairs {
        if let Some(c) = crate::text::control_char(k).or_else(|| crate::text::control_char(v)) {
            let (field, message) = crate::text::control_refusal(k, c);
            errors.insert(field, message);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

impl FormInput {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }

    /// The fields named, as the JSON object the API reads (a form's extra fields left out).
    pub fn only(&self, keys: &[&str]) -> serde_json::Map<String, Value> {
        keys.iter().filter_map(|k| self.get(k).map(|v| (k.to_string(), Value::String(v.to_string())))).collect()
    }
}

/// The status of an upload's answer: 422 when a row was refused (nothing saved), 200 for a preview,
/// 201 once saved.
pub fn import_status(preview: bool, saved: bool, refused: bool) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    match (refused, preview, saved) {
        (true, _, _) | (false, false, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (false, true, _) => StatusCode::OK,
        (false, false, true) => StatusCode::CREATED,
    }
}

/// Whether htmx made the request (it then wants a fragment, not a whole page).
pub fn is_htmx(headers: &axum::http::HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

/// Renders a template; a template error is an internal error, never a panic.
pub fn render<T: askama::Template>(t: &T) -> Result<String, AppError> {
    t.render().map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// One field of a record form, rendered by `_field.html`.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub value: String,
    pub error: Option<String>,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub hint: &'static str,
}

#[derive(PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Select,
    TextArea,
}

impl FormField {
    pub fn new(name: &'static str, label: &'static str, kind: FieldKind) -> FormField {
        FormField { name, label, kind, value: String::new(), error: None, required: false, options: vec![], hint: "" }
    }

    pub fn required(mut self) -> FormField {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> FormField {
        self.hint = hint;
        self
    }

    pub fn options(mut self, options: Vec<(String, String)>) -> FormField {
        self.options = options;
        self
    }

    pub fn choices(self, choices: &[(&str, &str)]) -> FormField {
        self.options(choices.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect())
    }

    pub fn is(&self, kind: &str) -> bool {
        matches!(
            (kind, &self.kind),
            ("text", FieldKind::Text)
                | ("number", FieldKind::Number)
                | ("date", FieldKind::Date)
                | ("select", FieldKind::Select)
                | ("textarea", FieldKind::TextArea)
        )
    }
}

/// A record's create or edit form (`record_form.html`), shared by every area.
#[derive(askama::Template)]
#[template(path = "record_form.html")]
pub struct RecordForm {
    pub nav: Nav,
    pub title: String,
    pub action: String,
    pub cancel: String,
    /// The version the form was opened at (edit forms only).
    pub version: Option<i32>,
    pub notice: Option<String>,
    pub errors: crate::error::FieldErrors,
    pub fields: Vec<FormField>,
}

impl RecordForm {
    pub fn new(nav: Nav, title: impl Into<String>, action: impl Into<String>, cancel: impl Into<String>) -> RecordForm {
        RecordForm {
            nav,
            title: title.into(),
            action: action.into(),
            cancel: cancel.into(),
            version: None,
            notice: None,
            errors: Default::default(),
            fields: vec![],
        }
    }

    /// The form that adds a record under `base` (`/tai-san` → posts to `/tai-san/moi`).
    pub fn adding(nav: Nav, what: &str, base: &str) -> RecordForm {
        RecordForm::new(nav, format!("Thêm {what}"), format!("{base}/moi"), base)
    }

    /// The form that edits record `id` under `base`, opened at `version`.
    pub fn editing(nav: Nav, what: &str, base: &str, id: i32, code: &str, version: Option<i32>) -> RecordForm {
        let mut form =
            RecordForm::new(nav, format!("Sửa {what} {code}"), format!("{base}/{id}/sua"), format!("{base}/{id}"));
        form.version = version;
        form
    }

    /// Renders with `fields` filled from `values` and this form's errors.
    pub fn render_with(
        mut self,
        mut fields: Vec<FormField>,
        values: &BTreeMap<String, String>,
    ) -> Result<String, AppError> {
        fill_fields(&mut fields, values, &self.errors);
        self.fields = fields;
        render(&self)
    }
}

/// Fills form fields from submitted (or stored) values and from per-field errors.
pub fn fill_fields(fields: &mut [FormField], values: &BTreeMap<String, String>, errors: &crate::error::FieldErrors) {
    for f in fields.iter_mut() {
        f.value = values.get(f.name).cloned().unwrap_or_default();
        f.error = errors.get(f.name).cloned();
    }
}

/// Stored JSON values as a person types them in a form: dates dd/mm/yyyy, đồng with dots.
pub fn form_values(v: &Value, money_fields: &[&str]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Value::Object(m) = v {
        for (k, val) in m {
            let s = match val {
                Value::Null => String::new(),
                Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => crate::text::format_date(d),
                    Err(_) => s.clone(),
                },
                Value::Number(n) if money_fields.contains(&k.as_str()) => {
                    n.as_i64().map(crate::text::format_number).unwrap_or_else(|| n.to_string())
                }
                other => other.to_string(),
            };
            out.insert(k.clone(), s);
        }
    }
    out
}

/// What the layout shows of the person and what it needs for forms: every page template has one.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub signed_in: bool,
    pub username: String,
    pub full_name: String,
    pub role_name: String,
    /// The session's CSRF token: htmx sends it as a header, forms as a hidden field.
    pub csrf: String,
    pub can_edit_assets: bool,
    pub can_edit_tasks: bool,
    pub can_activity: bool,
    pub can_manage_users: bool,
    pub can_handle_assets: bool,
    pub can_manage_counts: bool,
    pub can_count: bool,
    pub can_read_inspections: bool,
    pub can_inspect: bool,
    pub can_record_procurement: bool,
}

impl Nav {
    pub fn of(identity: &Identity) -> Nav {
        let role = identity.user.role();
        Nav {
            signed_in: true,
            username: identity.user.username.clone(),
            full_name: identity.user.full_name.clone(),
            role_name: role.name().to_string(),
            csrf: identity.csrf_token().unwrap_or("").to_string(),
            can_edit_assets: Permission::EditAssets.allows(role),
            can_edit_tasks: Permission::EditTasks.allows(role),
            can_activity: Permission::ReadActivity.allows(role),
            can_manage_users: Permission::ManageUsers.allows(role),
            can_handle_assets: Permission::HandleAssets.allows(role),
            can_manage_counts: Permission::ManageCounts.allows(role),
            can_count: Permission::RecordCounts.allows(role),
            can_read_inspections: Permission::ReadInspections.allows(role),
            can_inspect: Permission::Inspect.allows(role),
            can_record_procurement: Permission::RecordProcurement.allows(role),
        }
    }

    pub fn visitor() -> Nav {
        Nav::default()
    }
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

/// A file to save, under its Vietnamese name (RFC 5987), with a plain ASCII name for old clients.
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (attachment(name, content_type), bytes).into_response()
}

/// A large file sent as it is read from disk (an export written to a temporary file), so the
/// server never holds it whole.
pub fn download_file(name: &str, content_type: &str, file: std::fs::File) -> Response {
    let stream = tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(file), 64 * 1024);
    (attachment(name, content_type), axum::body::Body::from_stream(stream)).into_response()
}

/// The headers of a download: its type, and its Vietnamese name with RFC 5987 encoding beside an
/// ASCII fallback for old clients.
fn attachment(name: &str, content_type: &str) -> [(header::HeaderName, String); 2] {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let ascii: String =
        crate::text::fold(name).chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
    ]
}
