//! The page of a file being checked or imported (kiểm tra tệp), shared by the importers whose
//! report is `import::report::Report`: the upload is kept, each check runs as a job, the page shows
//! every row with what became of it, lets the person correct a failed cell and check again, gives
//! the failed rows as a workbook, and imports once every row is right.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::fixes::{Applied, Fix};
use super::jobs::{Job, State};
use super::report::{Report, RowOutcome};
use super::table::Column;
use super::Problem;
use crate::auth::Identity;
use crate::error::{AppError, AppResult};
use crate::excel::Cell;
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

    /// The cells of a failed row to correct: (input's name, header, value as read).
    fn fixable(&self, row: &RowOutcome) -> Vec<(String, String, String)> {
        fixable(self.r.columns_of(&row.sheet), &row.errors, &row.source)
            .into_iter()
            .map(|(index, header, value)| (fix_field(&self.r.sheet, &row.sheet, row.row, index), header, value))
            .collect()
    }

    fn kept_fixes(&self) -> Vec<(String, String)> {
        let grid: Vec<GridRow> = self
            .r
            .rows
            .iter()
            .take(GRID_ROWS)
            .filter(|r| !r.errors.is_empty())
            .map(|r| GridRow { sheet: &r.sheet, row: r.row, errors: &r.errors, source: &r.source })
            .collect();
        kept_fixes(|s| self.r.columns_of(s), &self.r.sheet, &self.r.fixes, &grid)
    }

    /// A row's number, with its sheet where the file's layout spans sheets.
    fn row_label(&self, row: &RowOutcome) -> String {
        if sheet_or(&self.r.sheet, &row.sheet) == self.r.sheet {
            row.row.to_string()
        } else {
            format!("{} · {}", row.sheet, row.row)
        }
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
                    "not_kept" => "Cột không lưu (sổ không có trường này)",
                    _ => return None,
                };
                Some((label.to_string(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            })
            .collect()
    }
}

/// The cells of a failed row a person may correct in the grid: (column index, header, value as
/// read) of the columns its problems stand under.
pub fn fixable(columns: &[Column], errors: &[Problem], source: &[Cell]) -> Vec<(u32, String, String)> {
    let mut out: Vec<(u32, String, String)> = vec![];
    for p in errors {
        if let Some(c) = columns.iter().find(|c| c.header == p.column) {
            if !out.iter().any(|(i, _, _)| *i == c.index) {
                out.push((
                    c.index,
                    c.header.clone(),
                    source.get(c.index as usize).map(Cell::display).unwrap_or_default(),
                ));
            }
        }
    }
    out
}

/// A failed row of the grid: its sheet (empty: the file's first), number, problems and cells.
pub struct GridRow<'a> {
    pub sheet: &'a str,
    pub row: u32,
    pub errors: &'a [Problem],
    pub source: &'a [Cell],
}

/// A sheet's name, the file's first (`main`) where none is named.
fn sheet_or<'a>(main: &'a str, sheet: &'a str) -> &'a str {
    if sheet.is_empty() {
        main
    } else {
        sheet
    }
}

/// The form field of a correction: `fix:ROW:COLUMN` on the file's first sheet (`main`),
/// `fix:SHEET:ROW:COLUMN` on another.
pub fn fix_field(main: &str, sheet: &str, row: u32, column: u32) -> String {
    if sheet_or(main, sheet) == main {
        format!("fix:{row}:{column}")
    } else {
        format!("fix:{sheet}:{row}:{column}")
    }
}

/// The corrections made before that the grid does not offer again — their rows passed —, as
/// hidden fields, so that the next check keeps them. `columns_of` gives a sheet's columns.
pub fn kept_fixes<'a>(
    columns_of: impl Fn(&str) -> &'a [Column],
    main: &str,
    fixes: &[Applied],
    grid: &[GridRow],
) -> Vec<(String, String)> {
    let same = |a: &str, b: &str| sheet_or(main, a) == sheet_or(main, b);
    fixes
        .iter()
        .filter(|f| {
            !grid.iter().any(|g| {
                same(g.sheet, &f.sheet)
                    && g.row == f.row
                    && fixable(columns_of(g.sheet), g.errors, g.source).iter().any(|(i, _, _)| *i == f.column)
            })
        })
        .map(|f| (fix_field(main, &f.sheet, f.row, f.column), f.value.clone()))
        .collect()
}

/// The next step on the check page, from its form: the kept upload (the person's own), the
/// corrections typed in the grid, and whether it is a check («Kiểm tra lại») or the import.
pub async fn next_step(
    st: &AppState,
    me: &Identity,
    upload: i32,
    form: &crate::web::FormInput,
) -> AppResult<((String, Vec<u8>), Vec<Fix>, bool)> {
    let actor = me.user.username.clone();
    let file = st.db.read(move |c| super::upload::own(c, &actor, upload)).await?;
    let fixes = super::fixes::from_fields(form.0.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok((file, fixes, form.get("action") != Some("import")))
}

/// Where a check of an upload runs and leads: its kind, the kept upload, the address of its next
/// step (check again or import) and of the page it came from, and whether it is a check.
pub struct Check {
    pub kind: &'static str,
    pub upload: i32,
    pub action: String,
    pub back: String,
    pub preview: bool,
}

/// Runs `run` (the importer, on the kept file) as a job of the person's, and answers with the job's
/// page: the report at once when it is quick, else its progress. A run that was not a check and
/// saved nothing answers 422.
pub async fn run<F>(st: &AppState, me: &Identity, check: Check, run: F) -> PageResult<Response>
where
    F: FnOnce() -> AppResult<Report> + Send + 'static,
{
    let Check { kind, upload, action, back, preview } = check;
    let fields = BTreeMap::from([("_back".to_string(), back.clone())]);
    let id = st
        .imports
        .start(&st.db, &me.user.username, kind, Some(upload), &fields, move |_| {
            let mut report = run()?;
            (report.action, report.back) = (action, back);
            let status = if !preview && !report.saved { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            Ok((status.as_u16(), serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?))
        })
        .await?;
    let job = st
        .imports
        .get(&st.db, id, &me.user.username)
        .await?
        .ok_or_else(|| AppError::Internal(format!("việc nhập số {id} vừa tạo không còn")))?;
    respond(me, job).await
}

/// The report a finished job keeps, as the importer's report type.
pub fn report_of<R: serde::de::DeserializeOwned>(job: &Job) -> AppResult<Option<(StatusCode, R)>> {
    match &job.state {
        State::Done { status, outcome } => {
            let report: R = serde_json::from_str(outcome)
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
    let empty = || Report::empty(&job.kind, &back);
    if let Some((status, report)) = report_of::<Report>(&job)? {
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
            Ok((StatusCode::CONFLICT, Html(render(&page(empty(), Some(job.interrupted())))?)).into_response())
        }
        State::Done { .. } => unreachable!("a finished job has its report"),
    }
}

/// The failed rows of a job's report as a workbook.
pub fn errors_workbook(report: &Report) -> AppResult<Vec<u8>> {
    let failed = |sheet: &str| -> Vec<super::errors::FailedRow> {
        report
            .rows
            .iter()
            .filter(|r| !r.errors.is_empty() && sheet_or(&report.sheet, &r.sheet) == sheet_or(&report.sheet, sheet))
            .map(|r| super::errors::FailedRow { row: r.row, cells: &r.source, problems: &r.errors })
            .collect()
    };
    let mut parts = vec![(report.sheet.as_str(), report.columns.as_slice(), failed(""))];
    for s in &report.more_sheets {
        parts.push((s.sheet.as_str(), s.columns.as_slice(), failed(&s.sheet)));
    }
    super::errors::workbook_of_sheets(parts)
}
