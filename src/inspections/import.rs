//! Findings and recommendations from the team's spreadsheet, through the import engine of #4: the
//! table found below a title block, columns known by meaning (`imports/columns/findings.json`), a row
//! that names a finding starts one, a row that only names a recommendation adds it to the finding
//! above. Kinds and categories may be written as codes or as words. Nothing is saved unless every row
//! is right; a preview saves nothing either way.

use serde_json::{json, Map, Value};

use super::{FINDING_CATEGORIES, RECOMMENDATION_KINDS};
use crate::auth::User;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::{self, Cell, Limits};
use crate::import::fixes::Fix;
use crate::import::report::{Report, RowOutcome};
use crate::import::spec::Spec;
use crate::import::table;
use crate::import::Outcome;
use crate::input::Input;
use crate::text::{self, fold};

/// The file's columns (`imports/columns/findings.json`).
pub fn spec() -> &'static Spec {
    crate::column_spec!("findings.json")
}

/// What an import of findings is called in its record.
pub const KIND: &str = "findings";

/// A code from its code or its words (folded), or the text as given for the checks to refuse.
fn code_of(choices: &[(&str, &str)], v: &str) -> String {
    let f = fold(v);
    choices
        .iter()
        .find(|(c, n)| fold(c) == f || fold(n) == f)
        .or_else(|| choices.iter().find(|(_, n)| !f.is_empty() && fold(n).contains(&f)))
        .map(|(c, _)| c.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// Runs the import into inspection `id`, with the corrections made in the preview; returns the
/// report and whether to keep the transaction.
pub fn run(
    conn: &mut DbConn,
    user: &User,
    id: i32,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<(Report, bool)> {
    let inspection = super::find(conn, id)?;
    super::check_owner(&inspection, user)?;
    let limits = Limits::default();
    let sheets = excel::heads(bytes, file_name, &limits)?;
    let table = table::find(&sheets, None, spec()).map_err(|_| {
        AppError::BadRequest(format!(
            "Tệp «{file_name}» không có bảng phát hiện: cần cột «Nội dung phát hiện» và «Nội dung kiến nghị» (hoặc «Loại kiến nghị») trong 40 dòng đầu"
        ))
    })?;
    if table.column_of("title").is_none() {
        return Err(AppError::BadRequest(format!("Trang «{}»: không thấy cột «Nội dung phát hiện»", table.sheet)));
    }
    // A finding's recommendations follow it: the rows in the sheet's order.
    let (rows, rows_read, applied) = table.read_all((bytes, file_name), spec(), fixes)?;
    let mut report = Report::new(KIND, spec(), file_name, bytes, &table);
    report.fixes = applied;
    let (mut findings, mut recommendations) = (0, 0);
    let mut current: Option<i32> = None;
    for row in rows {
        if report.not_data(spec(), &row) {
            continue;
        }
        let mut values: Map<String, Value> = Map::new();
        for col in &table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            let v = match row.cells.get(col.index as usize) {
                Some(Cell::Date(d)) => text::format_date(*d),
                Some(c) if !c.is_empty() => c.display(),
                _ => continue,
            };
            values.insert(field.to_string(), json!(v));
        }
        let get = |k: &str| values.get(k).and_then(Value::as_str).map(str::to_string);
        let cell_of = |field: &str| get(field).unwrap_or_default();
        let mut outcome = RowOutcome {
            sheet: String::new(),
            row: row.excel_row,
            outcome: Outcome::Skip,
            made: None,
            note: None,
            asset_id: None,
            errors: vec![],
            source: vec![],
        };
        let mut made = vec![];
        // A finding, when the row names one.
        if let Some(title) = get("title") {
            let mut f = json!({"title": title, "category": code_of(FINDING_CATEGORIES, &get("category").unwrap_or_else(|| "khac".into()))});
            for (k, to) in [("place", "place"), ("amount", "amount"), ("responsible", "responsible")] {
                if let Some(v) = get(k) {
                    f[to] = json!(v);
                }
            }
            for field in ["asset_codes", "procurement_codes"] {
                if let Some(codes) = get(field) {
                    f[field] = json!(codes);
                }
            }
            current = None;
            match super::add_finding(conn, user, id, Input::from_json(f)?) {
                Ok(fid) => {
                    current = Some(fid);
                    findings += 1;
                    made.push(format!("Phát hiện số {fid}"));
                }
                Err(AppError::Invalid(fields)) => {
                    for (k, m) in fields {
                        outcome.errors.push(report.problem(spec(), row.excel_row, &k, &cell_of(&k), m));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        // A recommendation, when the row names one: of the finding on this row or above.
        if get("content").is_some() || get("kind").is_some() {
            let mut r = json!({
                "kind": code_of(RECOMMENDATION_KINDS, &get("kind").unwrap_or_default()),
                "content": get("content"),
                "responsible": get("rec_responsible"),
            });
            for (k, to) in [
                ("deadline", "deadline"),
                ("rec_amount", "amount"),
                ("organisations", "organisations"),
                ("persons", "persons"),
                ("cases", "cases"),
            ] {
                if let Some(v) = get(k) {
                    r[to] = json!(v);
                }
            }
            if let Some(f) = current {
                r["finding_id"] = json!(f);
            }
            match super::add_recommendation(conn, user, id, Input::from_json(r)?) {
                Ok(rid) => {
                    recommendations += 1;
                    made.push(format!("Kiến nghị số {rid}"));
                }
                Err(AppError::Invalid(fields)) => {
                    for (k, m) in fields {
                        let field = match k.as_str() {
                            "amount" => "rec_amount",
                            "responsible" => "rec_responsible",
                            other => other,
                        };
                        outcome.errors.push(report.problem(spec(), row.excel_row, field, &cell_of(field), m));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if !outcome.errors.is_empty() {
            outcome.source = row.cells;
        } else if made.is_empty() {
            outcome.note = Some("Dòng không ghi phát hiện hay kiến nghị".into());
        } else {
            outcome.outcome = Outcome::Create;
            outcome.made = Some(made.join(", "));
        }
        report.push(outcome);
    }
    report.finish(rows_read)?;
    report.detail.insert("findings".into(), json!(findings));
    report.detail.insert("recommendations".into(), json!(recommendations));
    let keep = !preview && report.clean() && findings + recommendations > 0;
    if keep {
        report.record(conn, &user.actor())?;
    }
    Ok((report, keep))
}

/// Previews or imports, in one transaction kept only for a valid import.
pub fn execute(
    db: &crate::db::Db,
    user: &User,
    id: i32,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<Report> {
    db.write_or_rollback(|c| run(c, user, id, file_name, bytes, fixes, preview))
}
