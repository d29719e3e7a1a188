//! The one report an importer gives (kết quả đọc tệp): every row read with its outcome — what it
//! became, or why it was skipped, or what is wrong with it — the counts that add up to the rows read,
//! and beside them what the importer itself adds (the decisions it made, the findings it counted).
//! The same report is shown by the preview, returned by the API, stored by the job, written into the
//! import's record and turned into the errors workbook.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::fixes::Applied;
use super::spec::Spec;
use super::table::{Column, RowKind, Table, TableRow};
use super::{Counts, Outcome, Problem};
use crate::audit::Actor;
use crate::db::schema::imports;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::excel::Cell;

/// One row of the file and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The sheet the row is on, for a file whose layout spans sheets; empty for the report's own
    /// sheet (set by `Report::push` from the table being read).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sheet: String,
    /// The row as Excel numbers it.
    pub row: u32,
    pub outcome: Outcome,
    /// What the row became or touched: a handling's code, «Phát hiện 3», an asset's code.
    #[serde(default)]
    pub made: Option<String>,
    /// Why a row was skipped (a title, a subtotal, a signature, a row with nothing to record).
    #[serde(default)]
    pub note: Option<String>,
    /// The asset the row is about, when it is about one (for the record's scope).
    #[serde(default)]
    pub asset_id: Option<i32>,
    #[serde(default)]
    pub errors: Vec<Problem>,
    /// The row's cells as read, for a row that failed: the errors workbook is written from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<Cell>,
}

/// Where a sheet's table stands, for a report that covers several sheets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetTable {
    pub sheet: String,
    pub header_rows: Vec<u32>,
    pub columns: Vec<Column>,
}

/// The report; `Row` is what an importer shows of a row (the register shows more), `Detail` what
/// it adds beside the counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report<Row = RowOutcome, Detail = Map<String, Value>> {
    /// The importer's kind, as its records name it (`findings`, `decisions`, `counts`).
    pub kind: String,
    /// What such a file is: «Phát hiện và kiến nghị thanh tra».
    pub what: String,
    pub file_name: String,
    pub sha256: String,
    pub sheet: String,
    pub header_rows: Vec<u32>,
    pub columns: Vec<Column>,
    /// The other sheets of a layout that spans sheets (the national software's TaiSanDatNha and
    /// TaiSanKhac): each its header and columns. Their rows and problems name their sheet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_sheets: Vec<SheetTable>,
    /// The sheet whose rows are being pushed, when it is one of `more_sheets`.
    #[serde(skip)]
    pub reading: String,
    pub rows: Vec<Row>,
    pub counts: Counts,
    /// The non-empty rows below the header: the counts add up to it.
    pub rows_read: usize,
    /// Every problem of every row, in the sheet's order.
    pub errors: Vec<Problem>,
    pub saved: bool,
    pub import_id: Option<i32>,
    /// The corrections made in the preview that this run used.
    #[serde(default)]
    pub fixes: Vec<Applied>,
    /// Where the page posts the next check or the import of this file, and where it goes back.
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub back: String,
    /// What the importer adds, by name (its JSON keys stand beside the report's own).
    #[serde(flatten)]
    pub detail: Detail,
}

impl Report {
    pub fn new(kind: &str, spec: &Spec, file_name: &str, bytes: &[u8], table: &Table) -> Report {
        Report {
            what: spec.what.clone(),
            file_name: file_name.to_string(),
            sha256: super::sha256_hex(bytes),
            sheet: table.sheet.clone(),
            header_rows: table.header_rows.clone(),
            columns: table.columns.clone(),
            ..Report::empty(kind, "")
        }
    }

    /// A report of no file: what a page shows when the file gave none (refused whole).
    pub fn empty(kind: &str, back: &str) -> Report {
        Report {
            kind: kind.to_string(),
            what: String::new(),
            file_name: String::new(),
            sha256: String::new(),
            sheet: String::new(),
            header_rows: vec![],
            columns: vec![],
            more_sheets: vec![],
            reading: String::new(),
            rows: vec![],
            counts: Counts::default(),
            rows_read: 0,
            errors: vec![],
            saved: false,
            import_id: None,
            fixes: vec![],
            action: String::new(),
            back: back.to_string(),
            detail: Map::new(),
        }
    }

    /// The rows pushed from now on are the table's, a further sheet of the same file.
    pub fn read_sheet(&mut self, table: &Table) {
        if table.sheet != self.sheet && !self.more_sheets.iter().any(|s| s.sheet == table.sheet) {
            self.more_sheets.push(SheetTable {
                sheet: table.sheet.clone(),
                header_rows: table.header_rows.clone(),
                columns: table.columns.clone(),
            });
        }
        self.reading = if table.sheet == self.sheet { String::new() } else { table.sheet.clone() };
    }

    /// The columns of a sheet of the file (empty: the report's own sheet).
    pub fn columns_of(&self, sheet: &str) -> &[Column] {
        match self.more_sheets.iter().find(|s| s.sheet == sheet) {
            Some(s) if sheet != self.sheet => &s.columns,
            _ => &self.columns,
        }
    }

    /// A problem of `row` of the sheet being read, under the column of `field` (its header in
    /// the file, else its label).
    pub fn problem(&self, spec: &Spec, row: u32, field: &str, value: &str, message: impl Into<String>) -> Problem {
        let column = self
            .columns_of(&self.reading)
            .iter()
            .find(|c| c.field.as_deref() == Some(field))
            .map(|c| c.header.clone())
            .unwrap_or_else(|| spec.label(field).to_string());
        let sheet = if self.reading.is_empty() { &self.sheet } else { &self.reading };
        Problem { sheet: sheet.clone(), row, column, value: value.to_string(), message: message.into() }
    }

    /// Where a row stands among the sheets: the report's own first, then the others in turn.
    fn sheet_order(&self, sheet: &str) -> usize {
        if sheet.is_empty() || sheet == self.sheet {
            return 0;
        }
        1 + self.more_sheets.iter().position(|s| s.sheet == sheet).unwrap_or(self.more_sheets.len())
    }

    /// The outcome of a row that is not data: skipped, or — carrying figures that add up to nothing —
    /// an error a person must look at (the strict rule of every importer but the register's).
    pub fn not_data(&mut self, spec: &Spec, row: &TableRow) -> bool {
        let (outcome, note, errors) = match &row.kind {
            RowKind::Data => return false,
            RowKind::Skip(reason) => (Outcome::Skip, Some(reason.clone()), vec![]),
            RowKind::Warn(reason) => {
                let label = spec.columns.iter().find(|c| c.role == Some(super::spec::Role::Label));
                let field = label.map(|c| c.key.as_str()).unwrap_or("");
                let value =
                    row.cells.iter().filter(|c| !c.is_empty()).map(Cell::display).collect::<Vec<_>>().join(" | ");
                (Outcome::Error, None, vec![self.problem(spec, row.excel_row, field, &value, reason.clone())])
            }
        };
        let source = if outcome == Outcome::Error { row.cells.clone() } else { vec![] };
        self.push(RowOutcome {
            sheet: String::new(),
            row: row.excel_row,
            outcome,
            made: None,
            note,
            asset_id: None,
            errors,
            source,
        });
        true
    }

    /// A row's outcome; a row with problems is an error whatever it was going to be.
    pub fn push(&mut self, mut row: RowOutcome) {
        if row.sheet.is_empty() {
            row.sheet = self.reading.clone();
        }
        if !row.errors.is_empty() {
            row.outcome = Outcome::Error;
            self.errors.extend(row.errors.iter().cloned());
        }
        self.counts.add(row.outcome);
        self.rows.push(row);
    }

    /// The rows in the sheet's order, checked against the rows read: nothing dropped unseen.
    pub fn finish(&mut self, rows_read: usize) -> AppResult<()> {
        self.rows_read = rows_read;
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_by_key(|r| (self.sheet_order(&r.sheet), r.row));
        self.rows = rows;
        let mut errors = std::mem::take(&mut self.errors);
        errors.sort_by_key(|p| (self.sheet_order(&p.sheet), p.row));
        self.errors = errors;
        self.counts.conserve(rows_read)
    }

    /// Every row right: what every importer but the register's requires before it keeps anything.
    pub fn clean(&self) -> bool {
        self.counts.error == 0
    }

    /// The import's record: its kind, file, who, each row's outcome, the corrections it used, and
    /// its event in the history — the same for every kind of file.
    pub fn record(&mut self, conn: &mut DbConn, actor: &Actor) -> AppResult<i32> {
        let c = &self.counts;
        let id: i32 = diesel::insert_into(imports::table)
            .values((
                imports::kind.eq(&self.kind),
                imports::file_name.eq(&self.file_name),
                imports::sha256.eq(&self.sha256),
                imports::sheet.eq(&self.sheet),
                imports::actor.eq(&actor.0),
                imports::mode.eq("create"),
                imports::blanks.eq("keep"),
                imports::strict.eq(true),
                imports::status.eq("done"),
                imports::created.eq(c.create),
                imports::updated.eq(c.update),
                imports::unchanged.eq(c.unchanged),
                imports::skipped.eq(c.skip),
                imports::failed.eq(c.error),
                imports::created_at.eq(crate::text::now_utc()),
            ))
            .returning(imports::id)
            .get_result(conn)?;
        let mut recorder = super::rows::Recorder::new(id);
        let records = self
            .rows
            .iter()
            .map(|r| {
                // Named only where the file has several sheets.
                let sheet = match r.sheet.as_str() {
                    "" => (!self.more_sheets.is_empty()).then(|| self.sheet.clone()),
                    s => Some(s.to_string()),
                };
                let mut record = super::rows::RowRecord::new(id, sheet, r.row, r.outcome);
                record.asset_id = r.asset_id;
                record.code.clone_from(&r.made);
                record.message = r.note.clone().or_else(|| {
                    (!r.errors.is_empty())
                        .then(|| r.errors.iter().map(Problem::sentence).collect::<Vec<_>>().join("; "))
                });
                record
            })
            .collect();
        recorder.write(conn, records)?;
        super::fixes::record(conn, id, &self.sheet, &actor.0, &self.fixes)?;
        let summary = json!({
            "kind": self.kind, "file_name": self.file_name, "sha256": self.sha256, "sheet": self.sheet,
            "status": "done", "counts": self.counts, "fixes": self.fixes.len(), "detail": self.detail,
        });
        super::rows::commit(conn, actor, &recorder, summary)?;
        self.saved = true;
        self.import_id = Some(id);
        Ok(id)
    }
}
