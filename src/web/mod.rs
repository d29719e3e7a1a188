//! The HTTP side: router, shared state, extractors, static files.

pub mod chart;
pub mod error;
pub mod fmt;
pub mod home;
pub mod openapi;

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::db::Db;
use crate::error::AppError;
use crate::input::Input;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

/// The largest request body accepted (forms and JSON; uploads get their own limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(home::routes())
        .merge(crate::assets::api::routes())
        .merge(crate::assets::pages::routes())
        .merge(crate::tasks::api::routes())
        .merge(crate::tasks::pages::routes())
        .merge(crate::rules::api::routes())
        .merge(crate::rules::pages::routes())
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/static/htmx.min.js", get(|| static_file("text/javascript", include_str!("static/htmx.min.js"))))
        .route("/static/app.js", get(|| static_file("text/javascript", include_str!("static/app.js"))))
        .route("/static/app.css", get(|| static_file("text/css", include_str!("static/app.css"))))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        body,
    )
        .into_response()
}

async fn not_found(req: Request) -> Response {
    let err = AppError::NotFound(format!("trang {}", req.uri().path()));
    if req.uri().path().starts_with("/api/") {
        err.into_response()
    } else {
        error::PageError::from(err).into_response()
    }
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
        Ok(JsonInput(Input::from_json(value)?))
    }
}

/// The query string as text fields, so filters are checked with the same Vietnamese messages.
pub struct QueryInput(pub Input);

impl<S: Send + Sync> FromRequestParts<S> for QueryInput {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect();
        Ok(QueryInput(Input::from_form(pairs)))
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
        Ok(FormInput(url::form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

impl FormInput {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
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
    pub fn new(title: impl Into<String>, action: impl Into<String>, cancel: impl Into<String>) -> RecordForm {
        RecordForm {
            title: title.into(),
            action: action.into(),
            cancel: cancel.into(),
            version: None,
            notice: None,
            errors: Default::default(),
            fields: vec![],
        }
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
