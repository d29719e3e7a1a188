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
use crate::import::spec::Spec;
use crate::import::table;
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

#[derive(Debug, Clone, Serialize)]
pub struct DecisionsReport {
    pub file_name: String,
    pub sha256: String,
    pub sheet: String,
    pub decisions: Vec<DecisionOutcome>,
    /// Rows skipped, with why (title, numbering, totals, signatures, blank).
    pub skipped: Vec<(u32, String)>,
    /// Rows skipped as totals or titles although they carry figures: the import stops on them.
    pub warnings: Vec<(u32, String)>,
    /// The non-empty rows below the header: the decisions' rows, the skipped and the warnings add up to it.
    pub rows_read: usize,
    pub created: usize,
    pub failed: usize,
    pub saved: bool,
}

/// The text of a cell, or a date written as one (dd/mm/yyyy).
fn text_of(cell: Option<&Cell>) -> Option<String> {
    match cell? {
        Cell::Date(d) => Some(text::format_date(*d)),
        c if c.is_empty() => None,
        c => Some(c.display()),
    }
}

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

/// Runs the import; returns the report and whether its transaction should be kept.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    preview: bool,
) -> AppResult<(DecisionsReport, bool)> {
    let limits = Limits::default();
    let sheets = excel::heads(bytes, file_name, &limits)?;
    let table = table::find(&sheets, None, spec())?;
    let missing: Vec<&str> =
        [("decision_no", "Số quyết định"), ("decision_date", "Ngày quyết định"), ("code", "Mã tài sản")]
            .iter()
            .filter(|(f, _)| table.column_of(f).is_none())
            .map(|(_, n)| *n)
            .collect();
    if !missing.is_empty() {
        return Err(AppError::BadRequest(format!(
            "Trang «{}»: không thấy cột {} trong dòng tiêu đề",
            table.sheet,
            missing.iter().map(|m| format!("«{m}»")).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut reader = table.row_reader(spec());
    let mut rows: Vec<table::TableRow> = vec![];
    excel::each_row(
        bytes,
        file_name,
        &table.sheet,
        &limits,
        |_| {},
        |r, cells| {
            rows.extend(reader.push(r, cells));
            Ok(())
        },
    )?;
    rows.extend(reader.finish());
    rows.sort_by_key(|r| r.excel_row);
    let mut report = DecisionsReport {
        file_name: file_name.to_string(),
        sha256: crate::import::sha256_hex(bytes),
        sheet: table.sheet.clone(),
        decisions: vec![],
        skipped: vec![],
        warnings: vec![],
        rows_read: reader.rows_read(),
        created: 0,
        failed: 0,
        saved: false,
    };
    // The rows of each decision, in the order the file gives them.
    let mut groups: Vec<((String, String), Vec<FileRow>)> = vec![];
    for row in rows {
        match row.kind {
            table::RowKind::Skip(reason) => {
                report.skipped.push((row.excel_row, reason));
                continue;
            }
            table::RowKind::Warn(reason) => {
                report.warnings.push((row.excel_row, reason));
                continue;
            }
            table::RowKind::Data => {}
        }
        let mut fields = Map::new();
        for col in &table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            let cell = row.cells.get(col.index as usize);
            let value = match (field, cell) {
                ("quantity" | "proceeds", Some(Cell::Number(n))) => Some(json!(*n as i64)),
                (_, c) => text_of(c).map(Value::from),
            };
            if let Some(v) = value {
                fields.insert(field.to_string(), v);
            }
        }
        let key = (
            fields.get("decision_no").and_then(Value::as_str).unwrap_or_default().to_string(),
            fields.get("decision_date").and_then(Value::as_str).unwrap_or_default().to_string(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push((row.excel_row, fields)),
            None => groups.push((key, vec![(row.excel_row, fields)])),
        }
    }
    for ((decision_no, decision_date), rows) in groups {
        let mut outcome = DecisionOutcome {
            excel_rows: rows.iter().map(|r| r.0).collect(),
            decision_no: decision_no.clone(),
            decision_date: decision_date.clone(),
            assets: rows.len(),
            disposal_id: None,
            disposal_code: None,
            errors: vec![],
        };
        if decision_no.is_empty() || decision_date.is_empty() {
            outcome.errors.push("Thiếu số hoặc ngày quyết định".into());
        } else {
            // Each decision on its own savepoint: a bad one is undone alone and reported.
            match conn.transaction::<i32, AppError, _>(|c| record(c, actor, scope, &rows)) {
                Ok(id) => {
                    outcome.disposal_code = Some(super::find(conn, id)?.code);
                    outcome.disposal_id = Some(id);
                }
                Err(AppError::Invalid(fields)) => outcome.errors.extend(fields.into_values()),
                Err(e @ (AppError::Conflict { .. } | AppError::Forbidden(_) | AppError::BadRequest(_))) => {
                    outcome.errors.push(e.public_message())
                }
                Err(e) => return Err(e),
            }
        }
        if outcome.errors.is_empty() {
            report.created += 1;
        } else {
            report.failed += 1;
        }
        report.decisions.push(outcome);
    }
    let keep = !preview && report.failed == 0 && report.warnings.is_empty() && report.created > 0;
    if keep {
        report.saved = true;
        let summary = json!({"file_name": report.file_name, "sha256": report.sha256, "created": report.created});
        crate::audit::record(conn, actor, "import", "disposal", "tep-quyet-dinh", None, Some(&summary))?;
    }
    Ok((report, keep))
}

/// Previews or imports a file of old decisions, in one transaction kept only for a valid import.
pub fn execute(
    db: &crate::db::Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    preview: bool,
) -> AppResult<DecisionsReport> {
    db.write_or_rollback(|c| run(c, actor, scope, file_name, bytes, preview))
}
