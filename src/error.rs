//! The one error type. `web::error` maps it to JSON for the API and to pages for people.

use std::collections::BTreeMap;

/// Per-field messages, keyed by the field's API name.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Start-up and command-line problems: a bad URL, an unreachable server.
    #[error("{0}")]
    Config(String),
    #[error("Không tìm thấy {0}")]
    NotFound(String),
    #[error("Dữ liệu không hợp lệ: {}", summary(.0))]
    Invalid(FieldErrors),
    /// A stale version or a record still referred to; `current` is what the client should see now.
    #[error("{message}")]
    Conflict { message: String, current: Option<serde_json::Value> },
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but the role or the unit scope does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// Login throttled after too many failures.
    #[error("{0}")]
    TooManyAttempts(String),
    #[error("Cơ sở dữ liệu tạm thời không sẵn sàng (database unavailable): {0}")]
    Unavailable(String),
    #[error("Lỗi cơ sở dữ liệu (database error): {0}")]
    Db(#[from] diesel::result::Error),
    #[error("Lỗi hệ thống (internal error): {0}")]
    Internal(String),
}

fn summary(errors: &FieldErrors) -> String {
    errors.values().cloned().collect::<Vec<_>>().join("; ")
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(BTreeMap::from([(field.to_string(), message.into())]))
    }

    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict { message: message.into(), current: None }
    }
}

pub type AppResult<T> = Result<T, AppError>;
