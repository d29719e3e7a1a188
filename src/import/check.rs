//! The page of a file being checked or imported (kiểm tra tệp), shared by the importers whose
//! report is `import::report::Report`: the upload is kept, each check runs as a job, the page shows
//! every row with what became of it, lets the person correct a failed cell and check again, gives
//! the failed rows as a workbook, and imports once every row is right.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::jobs::{Job, State};
use super::report::{Report, RowOutcome};
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::web::error::PageResult;
use crate::web::{fmt, render, AppState, Nav};

/// How many failed rows carry inputs to correct (beyond, the errors workbook).
const GRID_ROWS: usize = 500;

#[derive(Template)]
#[template(path = "imports/progress.html")]
pub struct ProgressPage {
    pub nav: Nav,
    pub done: usize,
    pub total: usize,
    pub seconds: i64,
}

impl ProgressPage {
    fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0).min(100)
    }
}

#[derive(Template)]
#[template(path = "imports/check.html")]
struct CheckPage {
    nav: Nav,
    job_id: i32,
    r: Report,
    /// Where to go back when the job gave no report.
    back: String,
    message: Option<String>,
}

impl CheckPage {
    fn in_grid(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        !self.r.saved && *i.borrow() < GRID_ROWS
    }

    /// The cells of a failed row the person may correct: (column index, header, value as read).
    fn fixable(&self, row: &RowOutcome) -> Vec<(u32, String, String)> {
        let mut out: Vec<(u32, String, String)> = vec![];
        for p in &row.errors {
            if let Some(c) = self.r.columns.iter().find(|c| c.header == p.column) {
                if !out.iter().any(|(i, _, _)| *i == c.index) {
                    let value = row.source.get(c.index as usize).map(crate::excel::Cell::display).unwrap_or_default();
                    out.push((c.index, c.header.clone(), value));
                }
            }
        }
        out
    }

    /// Corrections made before whose rows passed: carried so that the next check keeps them.
    fn kept_fixes(&self) -> Vec<(String, String)> {
        self.r
            .fixes
            .iter()
            .filter(|f| {
                !self
                    .r
                    .rows
                    .iter()
                    .filter(|r| !r.errors.is_empty())
                    .take(GRID_ROWS)
                    .any(|row| row.row == f.row && self.fixable(row).iter().any(|(i, _, _)| *i == f.column))
            })
            .map(|f| (format!("fix:{}:{}", f.row, f.column), f.value.clone()))
            .collect()
    }

    /// The importer's own figures, as «key: value» for the facts list.
    fn details(&self) -> Vec<(String, String)> {
        self.r
            .detail
            .iter()
            .filter_map(|(k, v)| {
                let label = match k.as_str() {
                    "findings" => "Phát hiện",
                    "recommendations" => "Kiến nghị",
                    "counted" => "Tài sản đã đếm",
                    "not_counted" => "Chưa ghi số",
                    "created" => "Quyết định hợp lệ",
                    "failed" => "Quyết định có lỗi",
                    _ => return None,
                };
                Some((label.to_string(), v.to_string()))
            })
            .collect()
    }
}

/// Runs `run` as a job of `kind` for the person, kept with upload `upload_id`; the page then shows
/// it. `run` returns the HTTP status of its outcome and the report. `back` is where the page leads
/// back when the file gives no report.
pub async fn start<F>(st: &AppState, me: &Identity, kind: &str, upload_id: i32, back: &str, run: F) -> AppResult<Job>
where
    F: FnOnce() -> AppResult<(StatusCode, Report)> + Send + 'static,
{
    let fields = BTreeMap::from([("_back".to_string(), back.to_string())]);
    let id = st
        .imports
        .start(&st.db, &me.user.username, kind, Some(upload_id), &fields, move |_| {
            let (status, report) = run()?;
            Ok((status.as_u16(), serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?))
        })
        .await?;
    st.imports
        .get(&st.db, id, &me.user.username)
        .await?
        .ok_or_else(|| AppError::Internal(format!("việc nhập số {id} vừa tạo không còn")))
}

/// The report a finished job keeps.
pub fn report_of(job: &Job) -> AppResult<Option<(StatusCode, Report)>> {
    match &job.state {
        State::Done { status, outcome } => {
            let report: Report = serde_json::from_str(outcome)
                .map_err(|e| AppError::Internal(format!("kết quả việc nhập số {} hỏng: {e}", job.id)))?;
            Ok(Some((StatusCode::from_u16(*status).unwrap_or(StatusCode::OK), report)))
        }
        _ => Ok(None),
    }
}

/// The page of a job: its progress, its report, or why it gave none.
pub async fn respond(me: &Identity, job: Job) -> PageResult<Response> {
    let back = job.fields.get("_back").cloned().unwrap_or_else(|| "/".into());
    let page = |r: Report, message: Option<String>| CheckPage {
        nav: Nav::of(me),
        job_id: job.id,
        r,
        back: back.clone(),
        message,
    };
    let empty = || Report {
        kind: job.kind.clone(),
        what: String::new(),
        file_name: String::new(),
        sha256: String::new(),
        sheet: String::new(),
        header_rows: vec![],
        columns: vec![],
        rows: vec![],
        counts: Default::default(),
        rows_read: 0,
        errors: vec![],
        saved: false,
        import_id: None,
        fixes: vec![],
        action: String::new(),
        back: back.clone(),
        detail: Default::default(),
    };
    if let Some((status, report)) = report_of(&job)? {
        return Ok((status, Html(render(&page(report, None))?)).into_response());
    }
    match &job.state {
        State::Running { done, total } => {
            let p = ProgressPage { nav: Nav::of(me), done: *done, total: *total, seconds: job.seconds };
            Ok(Html(render(&p)?).into_response())
        }
        State::Failed { status, message } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, Html(render(&page(empty(), Some(message.clone())))?)).into_response())
        }
        State::Interrupted => {
            let message = format!(
                "Việc nhập số {} bị gián đoạn: máy chủ chạy nó đã dừng trước khi xong, nên không có gì được lưu. \
                 Hãy tải tệp lên và nhập lại.",
                job.id
            );
            Ok((StatusCode::CONFLICT, Html(render(&page(empty(), Some(message)))?)).into_response())
        }
        State::Done { .. } => unreachable!("a finished job has its report"),
    }
}

/// The failed rows of a job's report as a workbook.
pub fn errors_workbook(report: &Report) -> AppResult<Vec<u8>> {
    super::errors::workbook(
        &report.columns,
        report.rows.iter().filter(|r| !r.errors.is_empty()).map(|r| super::errors::FailedRow {
            row: r.row,
            cells: &r.source,
            problems: &r.errors,
        }),
    )
}
