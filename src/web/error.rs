//! How `AppError` is answered: JSON for the API, a page (or an htmx partial) for people.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

use crate::error::AppError;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => StatusCode::CONFLICT,
            AppError::Db(DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Config(_) | AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person reads. Database internals are logged, not shown.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Db(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                "Bản ghi trùng với một bản ghi đã có (mã đã tồn tại)".into()
            }
            AppError::Db(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                "Bản ghi đang được bản ghi khác tham chiếu hoặc tham chiếu tới bản ghi không tồn tại".into()
            }
            AppError::Db(_) | AppError::Internal(_) | AppError::Config(_) => {
                "Lỗi hệ thống; thao tác chưa được thực hiện. Vui lòng thử lại hoặc báo quản trị viên".into()
            }
            AppError::Unavailable(_) => "Cơ sở dữ liệu tạm thời không sẵn sàng; vui lòng thử lại sau ít phút".into(),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
    }
}

/// JSON answer: `{"error": "...", "fields": {...}, "current": {...}}`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({ "error": self.public_message() });
        match &self {
            AppError::Invalid(fields) => body["fields"] = json!(fields),
            AppError::Conflict { current: Some(current), .. } => body["current"] = current.clone(),
            _ => {}
        }
        (self.status(), Json(body)).into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: crate::web::Nav,
    status: u16,
    message: &'a str,
    fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "error_partial.html")]
struct ErrorPartial<'a> {
    message: &'a str,
    fields: Vec<String>,
}

/// An error on a page. Requests made by htmx get the message as a partial to swap in.
pub struct PageError {
    pub error: AppError,
    pub partial: bool,
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> PageError {
        PageError { error, partial: false }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.error.log();
        let message = self.error.public_message();
        let fields = match &self.error {
            AppError::Invalid(f) => f.values().cloned().collect(),
            _ => vec![],
        };
        let html = if self.partial {
            ErrorPartial { message: &message, fields }.render()
        } else {
            ErrorPage {
                nav: crate::web::Nav::visitor(),
                status: self.error.status().as_u16(),
                message: &message,
                fields,
            }
            .render()
        };
        match html {
            Ok(html) => (self.error.status(), Html(html)).into_response(),
            Err(_) => (self.error.status(), message).into_response(),
        }
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// A form as it was posted — what the person typed, the message of each field, and the messages that
/// belong to no field of it (a stale version, a step the record's state does not allow) — so that a
/// refused form is drawn again with nothing typed lost and each message at its field. A page with
/// several forms names the one posted (`form`), and only that one shows the messages.
#[derive(Debug, Clone, Default)]
pub struct Posted {
    pub form: String,
    pub values: std::collections::BTreeMap<String, String>,
    pub errors: crate::error::FieldErrors,
    pub general: Vec<String>,
}

impl Posted {
    /// A form drawn for the first time, with the values it starts from.
    pub fn fresh(values: std::collections::BTreeMap<String, String>) -> Posted {
        Posted { values, ..Default::default() }
    }

    /// The form `form` refused with `e`: a field's message goes to the field when the form has it,
    /// every other message above the form.
    pub fn refused(form: &str, values: std::collections::BTreeMap<String, String>, e: &AppError) -> Posted {
        let mut posted = Posted { form: form.to_string(), values, ..Default::default() };
        match e {
            AppError::Invalid(fields) => {
                for (key, message) in fields {
                    if posted.values.contains_key(key) {
                        posted.errors.insert(key.clone(), message.clone());
                    } else {
                        posted.general.push(message.clone());
                    }
                }
            }
            e => posted.general.push(e.public_message()),
        }
        posted
    }

    /// Messages for the top of the page only (an upload's report, a refused file).
    pub fn messages(lines: Vec<String>) -> Posted {
        Posted { general: lines, ..Default::default() }
    }

    pub fn value(&self, key: &str) -> String {
        self.values.get(key).cloned().unwrap_or_default()
    }

    pub fn error(&self, key: &str) -> Option<&str> {
        self.errors.get(key).map(String::as_str)
    }

    /// The message of `key` when `form` is the form that was posted.
    pub fn error_in(&self, form: impl AsRef<str>, key: &str) -> Option<&str> {
        if self.form == form.as_ref() {
            self.error(key)
        } else {
            None
        }
    }

    /// What was typed into `key` when `form` was the one posted; `default` otherwise.
    pub fn value_or(&self, form: impl AsRef<str>, key: &str, default: impl std::fmt::Display) -> String {
        match self.values.get(key) {
            Some(v) if self.form == form.as_ref() => v.clone(),
            _ => default.to_string(),
        }
    }

    /// What was typed into `key` when `form` was the one posted.
    pub fn value_in(&self, form: impl AsRef<str>, key: &str) -> String {
        self.value_or(form, key, "")
    }

    /// Whether `key` held `option` when `form` was posted (a choice kept selected).
    pub fn chose(&self, form: impl AsRef<str>, key: &str, option: impl std::fmt::Display) -> bool {
        self.form == form.as_ref() && self.values.get(key).is_some_and(|v| *v == option.to_string())
    }

    /// The name of one of a page's repeated forms (one per recommendation, one per count line).
    pub fn form_of(kind: &str, id: impl std::fmt::Display) -> String {
        format!("{kind}-{id}")
    }

    /// The attributes of a field of `form` that was refused: marked invalid, tied to its message,
    /// and `autofocus` — the browser puts the cursor in the first such field of the page, in the
    /// form's own order. Empty otherwise.
    pub fn attrs(&self, form: impl AsRef<str>, key: &str) -> String {
        let form = form.as_ref();
        if self.error_in(form, key).is_none() {
            return String::new();
        }
        let id = format!("{}-{key}-error", if form.is_empty() { "f" } else { form });
        format!(" aria-invalid=\"true\" aria-describedby=\"{id}\" autofocus")
    }

    /// The message of a refused field of `form`, to stand under it (empty otherwise).
    pub fn note(&self, form: impl AsRef<str>, key: &str) -> String {
        let form = form.as_ref();
        match self.error_in(form, key) {
            Some(m) => {
                let id = format!("{}-{key}-error", if form.is_empty() { "f" } else { form });
                format!("<span class=\"error\" id=\"{id}\">{}</span>", crate::web::fmt::escape_html(m))
            }
            None => String::new(),
        }
    }
}

pub fn messages(e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(fields) => fields.values().cloned().collect(),
        e => vec![e.public_message()],
    }
}

/// What a posted form leads to: on to `back` with the notice of what was done, or — for what the
/// person can fix (invalid fields, a conflict, a refusal, a bad file) — the page again, drawn by
/// `again` with the form as posted (`Posted::refused`), under the error's status. Anything else is
/// the error page.
pub async fn after_form<F, Fut>(
    result: Result<String, AppError>,
    back: &str,
    posted: (&str, std::collections::BTreeMap<String, String>),
    again: F,
) -> PageResult<axum::response::Response>
where
    F: FnOnce(Posted) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    use axum::response::{Html, IntoResponse, Redirect};
    match result {
        Ok(notice) => {
            let q: String =
                url::form_urlencoded::Serializer::new(String::new()).append_pair("thong_bao", &notice).finish();
            Ok(Redirect::to(&format!("{back}?{q}")).into_response())
        }
        Err(
            e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_) | AppError::BadRequest(_)),
        ) => {
            let status = if matches!(e, AppError::Invalid(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { e.status() };
            let (form, values) = posted;
            Ok((status, Html(again(Posted::refused(form, values, &e)).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Every error of `/api/` answers in the `Error` shape of the OpenAPI document, including the
/// answers axum's own extractors give (a broken multipart boundary, a body over the limit, a method
/// the path does not have): their English text is kept as the detail of a Vietnamese message.
pub async fn api_errors_as_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let message = match status {
        StatusCode::BAD_REQUEST => "Yêu cầu không đọc được",
        StatusCode::NOT_FOUND => "Không tìm thấy địa chỉ này",
        StatusCode::METHOD_NOT_ALLOWED => "Địa chỉ này không nhận phương thức đã gửi (xem tiêu đề Allow)",
        StatusCode::PAYLOAD_TOO_LARGE => "Nội dung gửi lên quá lớn",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Kiểu nội dung gửi lên không được nhận",
        _ => "Yêu cầu không thực hiện được",
    };
    let error = match detail {
        Ok(d) if !d.is_empty() => format!("{message} ({d})"),
        _ => message.to_string(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    Response::from_parts(parts, axum::body::Body::from(json!({ "error": error }).to_string()))
}
