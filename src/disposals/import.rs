//! Old handling decisions from a spreadsheet (quyết định xử lý cũ), through the import engine's
//! reader (any workbook, the header found below a title block, columns by meaning from
//! `imports/columns/decisions.json`). A row is one asset of a decision; the rows of one decision
//! become one handling with its documents: the proposal and the decision on the decision's date, then
//! the execution and the write-down when the file gives their dates. Every document goes through the
//! same checks as one recorded by hand. Preview and import are the same run, the preview rolled back;
//! nothing is saved unless every decision is valid.

use diesel::Connection;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::audit::Actor;
use crate::auth::Scope;
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

/// The file's columns (`imports/columns/decisions.json`).
pub fn spec() -> &'static Spec {
    crate::column_spec!("decisions.json")
}

/// What became of one decision of the file.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionOutcome {
    /// The rows of the file, as Excel numbers them.
    pub excel_rows: Vec<u32>,
    pub decision_no: String,
    pub decision_date: String,
    pub assets: usize,
    pub disposal_id: Option<i32>,
    pub disposal_code: Option<String>,
    pub errors: Vec<String>,
}

/// What an import of old decisions is called in its record.
pub const KIND: &str = "decisions";

/// A row of the file: its number as Excel shows it, and its values by field.
type FileRow = (u32, Map<String, Value>);

/// One handling's documents from its rows; its errors, worded for the person fixing the file.
fn record(conn: &mut DbConn, actor: &Actor, scope: &Scope, rows: &[FileRow]) -> AppResult<i32> {
    let first = &rows[0].1;
    let get = |k: &str| first.get(k).and_then(Value::as_str).map(str::to_string);
    let decision_no = get("decision_no").unwrap_or_default();
    let date = get("decision_date").unwrap_or_default();
    let on = text::parse_date(&date)
        .map_err(|e| AppError::invalid("decision_date", format!("Ngày quyết định «{date}»: {e}")))?;
    // The form, by its code or its name as people write it.
    let forms = super::forms_on(conn, on)?;
    let wanted = get("form").unwrap_or_default();
    let form = forms
        .iter()
        .find(|f| fold(&f.code) == fold(&wanted) || fold(&f.name) == fold(&wanted))
        .or_else(|| forms.iter().find(|f| !wanted.is_empty() && fold(&f.name).contains(&fold(&wanted))))
        .ok_or_else(|| {
            AppError::invalid("form", format!("Hình thức xử lý «{wanted}» không có trong bảng quy định ngày {date}"))
        })?;
    let mut lines = vec![];
    for (_, row) in rows {
        let code = row.get("code").and_then(Value::as_str).unwrap_or_default();
        let id = {
            use crate::db::schema::assets;
            use diesel::prelude::*;
            assets::table.filter(assets::code.eq(code)).select(assets::id).first::<i32>(conn).optional()?
        }
        .ok_or_else(|| AppError::invalid("code", format!("Không có tài sản mã «{code}» trong sổ")))?;
        let mut line = json!({"asset_id": id});
        if let Some(q) = row.get("quantity") {
            line["quantity"] = q.clone();
        }
        lines.push(line);
    }
    let reason = rows.iter().find_map(|(_, r)| r.get("reason").and_then(Value::as_str).map(str::to_string));
    let proposal = json!({
        "form_code": form.code,
        "reason": reason.unwrap_or_else(|| format!("Ghi lại theo Quyết định số {decision_no} ngày {date} (tệp quyết định cũ)")),
        "doc_date": date,
        "note": "Ghi lại từ tệp quyết định cũ: văn bản đề nghị không có trong tệp",
        "lines": lines,
    });
    let id = super::propose(conn, actor, scope, Input::from_json(proposal)?)?;
    let step = |conn: &mut DbConn, f: super::api::Step, mut fields: Value| -> AppResult<()> {
        fields["version"] = json!(super::find(conn, id)?.version);
        f(conn, actor, scope, id, Input::from_json(fields)?)
    };
    let mut decision = json!({"doc_no": decision_no, "doc_date": date});
    for k in ["signer", "authority"] {
        if let Some(v) = get(k) {
            decision[k] = json!(v);
        }
    }
    step(conn, super::decide, decision)?;
    if let Some(executed_on) = get("executed_on") {
        let mut fields = json!({"doc_date": executed_on});
        if let Some(c) = get("counterparty") {
            fields["counterparty"] = json!(c);
        }
        if let Some(p) = first.get("proceeds") {
            fields["proceeds"] = p.clone();
        }
        if let Some(m) = get("sale_method") {
            // «Bán chỉ định», «chỉ định», and the spoken «bán trực tiếp» all name the appointed sale.
            let said = fold(&m).replace("truc tiep", "chi dinh");
            let code = super::SALE_METHODS
                .iter()
                .find(|(c, n)| fold(c) == said || said.contains(&fold(n)) || fold(n).contains(&said));
            fields["method"] = json!(code.map(|(c, _)| c.to_string()).unwrap_or(m));
        } else if form.execution != "ban" {
            fields["method"] = json!(format!("Theo Quyết định số {decision_no}"));
        }
        step(conn, super::execute, fields)?;
        if let Some(written) = get("written_down_on") {
            step(conn, super::write_down, json!({"doc_date": written}))?;
        }
    }
    Ok(id)
}

/// Runs the import with the corrections made in the preview; returns the report and whether its
/// transaction should be kept.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<(Report, bool)> {
    let sheets = excel::heads(bytes, file_name, &Limits::default())?;
    let table = table::find(&sheets, None, spec())?;
    table.require(spec(), &["decision_no", "decision_date", "code"])?;
    let (rows, rows_read, applied) = table.read_all((bytes, file_name), spec(), fixes)?;
    let mut report = Report::new(KIND, spec(), file_name, bytes, &table);
    report.fixes = applied;
    // The rows of each decision, in the order the file gives them, with their cells.
    type Group = ((String, String), Vec<(FileRow, Vec<Cell>)>);
    let mut groups: Vec<Group> = vec![];
    for row in rows {
        if report.not_data(spec(), &row) {
            continue;
        }
        let mut fields = Map::new();
        for col in &table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            let cell = row.cells.get(col.index as usize);
            let value = match (field, cell) {
                ("quantity" | "proceeds", Some(Cell::Number(n))) => Some(json!(*n as i64)),
                (_, c) => c.and_then(Cell::filled).map(Value::from),
            };
            if let Some(v) = value {
                fields.insert(field.to_string(), v);
            }
        }
        let key = (
            fields.get("decision_no").and_then(Value::as_str).unwrap_or_default().to_string(),
            fields.get("decision_date").and_then(Value::as_str).unwrap_or_default().to_string(),
        );
        let entry = ((row.excel_row, fields), row.cells);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(entry),
            None => groups.push((key, vec![entry])),
        }
    }
    let (mut created, mut failed) = (0, 0);
    let mut decisions = vec![];
    for ((decision_no, decision_date), group) in groups {
        let rows: Vec<FileRow> = group.iter().map(|(r, _)| r.clone()).collect();
        let mut outcome = DecisionOutcome {
            excel_rows: rows.iter().map(|r| r.0).collect(),
            decision_no: decision_no.clone(),
            decision_date: decision_date.clone(),
            assets: rows.len(),
            disposal_id: None,
            disposal_code: None,
            errors: vec![],
        };
        // (field, message): where each problem stands in the file.
        let mut problems: Vec<(String, String)> = vec![];
        if decision_no.is_empty() || decision_date.is_empty() {
            let field = if decision_no.is_empty() { "decision_no" } else { "decision_date" };
            problems.push((field.into(), "Thiếu số hoặc ngày quyết định".into()));
        } else {
            // Each decision on its own savepoint: a bad one is undone alone and reported.
            match conn.transaction::<i32, AppError, _>(|c| record(c, actor, scope, &rows)) {
                Ok(id) => {
                    outcome.disposal_code = Some(super::find(conn, id)?.code);
                    outcome.disposal_id = Some(id);
                }
                Err(AppError::Invalid(fields)) => problems.extend(fields),
                Err(e @ (AppError::Conflict { .. } | AppError::Forbidden(_) | AppError::BadRequest(_))) => {
                    problems.push(("decision_no".into(), e.public_message()))
                }
                Err(e) => return Err(e),
            }
        }
        outcome.errors = problems.iter().map(|(_, m)| m.clone()).collect();
        let first = rows[0].0;
        for (i, ((excel_row, fields), cells)) in group.into_iter().enumerate() {
            let asset_id = asset_of(conn, &fields)?;
            let errors = match (i, problems.is_empty()) {
                (_, true) => vec![],
                (0, false) => problems
                    .iter()
                    .map(|(field, m)| {
                        let field = known_field(field);
                        let value = fields.get(field).map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()));
                        report.problem(spec(), excel_row, field, &value.unwrap_or_default(), m.clone())
                    })
                    .collect(),
                (_, false) => vec![report.problem(
                    spec(),
                    excel_row,
                    "decision_no",
                    &decision_no,
                    format!("cùng quyết định với dòng {first}, quyết định đó có lỗi: chưa ghi gì"),
                )],
            };
            let source = if errors.is_empty() { vec![] } else { cells };
            report.push(RowOutcome {
                sheet: String::new(),
                row: excel_row,
                outcome: Outcome::Create,
                made: outcome.disposal_code.clone(),
                note: None,
                asset_id,
                errors,
                source,
            });
        }
        if outcome.errors.is_empty() {
            created += 1;
        } else {
            failed += 1;
        }
        decisions.push(outcome);
    }
    report.finish(rows_read)?;
    report.detail.insert("decisions".into(), json!(decisions));
    report.detail.insert("created".into(), json!(created));
    report.detail.insert("failed".into(), json!(failed));
    let keep = !preview && report.clean() && created > 0;
    if keep {
        report.record(conn, actor)?;
    }
    Ok((report, keep))
}

/// The field of the file a problem stands under (the checks of a handling name their own).
fn known_field(field: &str) -> &str {
    match field {
        "doc_date" => "decision_date",
        "doc_no" => "decision_no",
        "form_code" => "form",
        "lines" | "asset_id" => "code",
        f if spec().column(f).is_some() => f,
        _ => "decision_no",
    }
}

/// The asset a row names by its code, if the register holds it.
fn asset_of(conn: &mut DbConn, fields: &Map<String, Value>) -> AppResult<Option<i32>> {
    use crate::db::schema::assets;
    use diesel::prelude::*;
    let Some(code) = fields.get("code").and_then(Value::as_str) else { return Ok(None) };
    Ok(assets::table.filter(assets::code.eq(code)).select(assets::id).first(conn).optional()?)
}

/// Previews or imports a file of old decisions, in one transaction kept only for a valid import.
pub fn execute(
    db: &crate::db::Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    fixes: &[Fix],
    preview: bool,
) -> AppResult<Report> {
    db.write_or_rollback(|c| run(c, actor, scope, file_name, bytes, fixes, preview))
}
