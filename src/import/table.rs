//! Finding the table in a sheet as offices lay it out: title blocks above, a header of one or two
//! rows (merged parents like "Nguyên giá" over "Nguồn NSNN | Nguồn khác"), a row numbering the
//! columns, section rows, subtotal rows and signatures below — each row that is not data is
//! reported with the reason it was skipped.

use serde::{Deserialize, Serialize};

use super::spec::Spec;
use crate::error::AppError;
use crate::excel::{Cell, Sheet};
use crate::text::fold;
use crate::text::legacy::Legacy;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Column {
    pub index: u32,
    /// The header as the sheet shows it, parent and child joined: "Nguyên giá / Nguồn NSNN".
    pub header: String,
    pub field: Option<String>,
}

/// What a row below the header is. Decided by the row's structure — which columns hold what —
/// never by a word inside a name or a note.
#[derive(Debug, Clone, PartialEq)]
pub enum RowKind {
    Data,
    /// Not data, and nothing of a data row in it (numbering, section title, a subtotal that adds up,
    /// the signature block).
    Skip(String),
    /// Skipped as a subtotal or a section, yet it carries figures that add up to no group of rows
    /// above or below it: the person must look (a strict import stops).
    Warn(String),
}

#[derive(Debug, Clone)]
pub struct TableRow {
    /// The row number as Excel shows it.
    pub excel_row: u32,
    pub cells: Vec<Cell>,
    pub kind: RowKind,
}

/// Where the table is and what its columns mean; its rows are read afterwards, one at a time,
/// through `RowReader`.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    /// The encoding of the sheet's first rows (the whole sheet's is decided as it is read).
    pub encoding: Legacy,
    /// Excel row numbers of the header.
    pub header_rows: Vec<u32>,
    pub columns: Vec<Column>,
    /// The workbook's sheets that hold no table (charts, macros), said as «name» (what it is).
    pub other_sheets: Vec<String>,
}

impl Table {
    /// The one loop of every import: the table's sheet streamed row by row, the person's
    /// corrections laid over each row's cells, the rows sorted into data and the rest, and each
    /// handed to `each` once decided (a row the rows below decide comes later). `declared` hears
    /// the rows the sheet declares, for the progress. Returns the encoding and the rows read.
    pub fn read_rows(
        &self,
        source: (&[u8], &str),
        limits: &crate::excel::Limits,
        spec: &Spec,
        fixes: &mut super::fixes::Fixes,
        declared: impl FnOnce(u32) + Send,
        mut each: impl FnMut(TableRow) -> Result<(), AppError>,
    ) -> Result<(Legacy, usize), AppError> {
        let (bytes, file_name) = source;
        let mut reader = self.row_reader(spec);
        let encoding = crate::excel::each_row(bytes, file_name, &self.sheet, limits, declared, |r, mut cells| {
            fixes.apply(r, &mut cells, &self.columns);
            reader.push(r, cells).into_iter().try_for_each(&mut each)
        })?;
        reader.finish().into_iter().try_for_each(&mut each)?;
        Ok((encoding, reader.rows_read()))
    }

    /// Every row of a table small enough to hold (a file of decisions, findings, a national
    /// layout), read through `read_rows` with the corrections, in the sheet's order; with the
    /// number of rows read and the corrections that applied.
    pub fn read_all(
        &self,
        source: (&[u8], &str),
        spec: &Spec,
        fixes: &[super::fixes::Fix],
    ) -> Result<(Vec<TableRow>, usize, Vec<super::fixes::Applied>), AppError> {
        let mut fixes = super::fixes::Fixes::new(fixes, &self.sheet);
        let mut rows = vec![];
        let (_, rows_read) = self.read_rows(
            source,
            &crate::excel::Limits::default(),
            spec,
            &mut fixes,
            |_| {},
            |row| {
                rows.push(row);
                Ok(())
            },
        )?;
        rows.sort_by_key(|r| r.excel_row);
        Ok((rows, rows_read, fixes.applied()))
    }

    /// Refuses a table without the columns an import cannot do without, naming them.
    pub fn require(&self, spec: &Spec, fields: &[&str]) -> Result<(), AppError> {
        let missing: Vec<String> = fields
            .iter()
            .filter(|f| self.column_of(f).is_none())
            .map(|f| format!("«{}»", spec.column(f).map(|c| c.label.as_str()).unwrap_or(f)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(AppError::BadRequest(format!(
            "Trang «{}»: không thấy cột {} trong dòng tiêu đề ({})",
            self.sheet,
            missing.join(", "),
            spec.what
        )))
    }

    pub fn column_of(&self, field: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.field.as_deref() == Some(field))
    }

    /// A layout's fingerprint: the folded headers in order, to remember a corrected mapping.
    pub fn layout(&self) -> String {
        self.columns.iter().map(|c| fold(&c.header)).collect::<Vec<_>>().join("|")
    }

    /// Sorts the sheet's rows below the header into data and skipped rows, as they are read.
    /// The roles come from the specification: a key names one record (a code), a label names the
    /// row (where «Cộng», «Tổng cộng» stand on a subtotal), money and quantities are added up by
    /// subtotals; any other mapped field is something only a data row carries.
    pub fn row_reader(&self, spec: &Spec) -> RowReader {
        use super::spec::{ColumnKind, Role};
        let last_header = *self.header_rows.last().expect("a header has a row") - 1;
        let of = |wanted: &dyn Fn(&super::spec::ColumnSpec) -> bool| -> Vec<usize> {
            self.columns
                .iter()
                .filter(|c| c.field.as_deref().and_then(|f| spec.column(f)).is_some_and(wanted))
                .map(|c| c.index as usize)
                .collect()
        };
        let keys = of(&|c| c.role == Some(Role::Key));
        let labels = of(&|c| c.role == Some(Role::Label));
        let money = of(&|c| c.role.is_none() && c.kind == ColumnKind::Money);
        let amounts: Vec<usize> =
            money.iter().copied().chain(of(&|c| c.role.is_none() && c.kind == ColumnKind::Quantity)).collect();
        let data = of(&|c| {
            c.role.is_none() && !matches!(c.kind, ColumnKind::Money | ColumnKind::Quantity | ColumnKind::Ordinal)
        });
        RowReader {
            last_header,
            numbers: of(&|c| c.kind == ColumnKind::Ordinal),
            label: labels.first().copied(),
            label_is_data: spec.label_is_data,
            keys,
            sums: vec![0.0; amounts.len()],
            money: money.len(),
            amounts,
            data,
            data_rows: 0,
            recent: std::collections::VecDeque::with_capacity(RECENT),
            first_done: false,
            boundaries: vec![Boundary { sums: vec![], data_rows: 0 }],
            pending: vec![],
            held: vec![],
            rows_read: 0,
        }
    }
}

/// The running sums at the start of a group (the table's start, a section title, a subtotal).
struct Boundary {
    sums: Vec<f64>,
    data_rows: usize,
}

/// A subtotal or section row whose figures matched no group above it: it may total the rows
/// below (a group's total on its title row, a «Tổng cộng» under the header).
struct Pending {
    row: TableRow,
    amounts: Vec<Option<f64>>,
    from: Boundary,
}

/// How many rows back a subtotal of a group without a title is looked for.
const RECENT: usize = 512;

/// Only so many rows wait for the rows below to decide them; beyond, a row is decided at once.
const MAX_PENDING: usize = 1000;

/// What one row holds, by the role of each column.
struct Facts {
    key: bool,
    /// Numbers in the amount columns, in their order.
    amounts: Vec<Option<f64>>,
    /// How many data-only fields hold something.
    data: usize,
    filled: usize,
    /// Every filled cell is a signer's title, «(Ký, họ tên)» or a «…, ngày … tháng … năm …» line.
    signature: bool,
}

impl Facts {
    fn any_amount(&self) -> bool {
        self.amounts.iter().any(Option::is_some)
    }
}

/// Sorts rows into data and skipped rows — numbering, section, subtotal, signature — one at a
/// time, so a sheet of a million rows is never held whole. A row that only the rows below it can
/// decide (a signature block must have no data below it; a total on a group's title row must add
/// up the group) waits, and is handed on when decided, so rows may come out of sheet order.
pub struct RowReader {
    last_header: u32,
    /// The row-number columns (STT).
    numbers: Vec<usize>,
    keys: Vec<usize>,
    label: Option<usize>,
    label_is_data: bool,
    /// The amount columns: the money ones first, then the quantities.
    amounts: Vec<usize>,
    money: usize,
    data: Vec<usize>,
    /// Sums of the amount columns over the data rows so far.
    sums: Vec<f64>,
    data_rows: usize,
    /// The sums before each of the last data rows, for subtotals of groups without a title.
    recent: std::collections::VecDeque<Vec<f64>>,
    first_done: bool,
    boundaries: Vec<Boundary>,
    pending: Vec<Pending>,
    /// A possible signature block: it is one only if no data row follows.
    held: Vec<TableRow>,
    rows_read: usize,
}

impl RowReader {
    /// The rows decided by the sheet row `r` (0-based) and its cells. Rows of the title block and
    /// the header, and blank rows, give none.
    pub fn push(&mut self, r: u32, cells: Vec<Cell>) -> Vec<TableRow> {
        if r <= self.last_header || cells.iter().all(Cell::is_empty) {
            return vec![];
        }
        self.rows_read += 1;
        let row = TableRow { excel_row: r + 1, cells, kind: RowKind::Data };
        let facts = self.facts(&row.cells);
        let mut out = vec![];
        if !self.held.is_empty() {
            if !facts.signature && self.breaks_signature(&facts) {
                // Data below: what looked like signatures was not the end of the table.
                for held in std::mem::take(&mut self.held) {
                    let f = self.facts(&held.cells);
                    self.classify(held, f, false, &mut out);
                }
            } else {
                self.held.push(row);
                return out;
            }
        }
        self.classify(row, facts, true, &mut out);
        out
    }

    /// The rows still waiting, decided now that the sheet has ended.
    pub fn finish(&mut self) -> Vec<TableRow> {
        let mut out: Vec<TableRow> = std::mem::take(&mut self.held)
            .into_iter()
            .map(|mut row| {
                row.kind = RowKind::Skip("Phần chữ ký, ngày tháng cuối bảng".into());
                row
            })
            .collect();
        self.settle(&mut out);
        for p in std::mem::take(&mut self.pending) {
            out.push(warn(p.row));
        }
        out
    }

    /// The non-empty rows below the header read so far: what an import's outcomes must add up to.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    fn facts(&self, cells: &[Cell]) -> Facts {
        let text = |i: usize| cells.get(i).filter(|c| !c.is_empty());
        // Only text is a signer's title or a date line; a number or a date never is (and is not
        // folded for it, once per cell of a million rows).
        let formal = |c: &Cell| {
            c.text().is_some_and(|t| {
                let t = fold(t);
                is_signature(&t) || is_date_line(&t)
            })
        };
        let filled: Vec<&Cell> = cells.iter().filter(|c| !c.is_empty()).collect();
        Facts {
            // A code counts when the row holds more than its number and the code: «I | Đất» with
            // the group's name in the code column is a section title.
            key: self.keys.iter().filter_map(|&i| text(i)).any(|c| !formal(c) && !is_total_label(&c.display()))
                && (0..cells.len()).any(|i| text(i).is_some() && !self.keys.contains(&i) && !self.numbers.contains(&i)),
            amounts: self.amounts.iter().map(|&i| text(i).and_then(number)).collect(),
            data: self.data.iter().filter_map(|&i| text(i)).filter(|c| !formal(c)).count(),
            filled: filled.len(),
            signature: !filled.is_empty() && filled.iter().all(|c| formal(c)),
        }
    }

    /// The row's label: the first text in the label column or any column left of it.
    fn label_of(&self, cells: &[Cell]) -> String {
        let end = self.label.unwrap_or(cells.len().saturating_sub(1));
        cells
            .iter()
            .take(end + 1)
            .find(|c| matches!(c, Cell::Text(_)) && !c.is_empty())
            .map(Cell::display)
            .unwrap_or_default()
    }

    /// A row that ends a possible signature block: it carries a figure, or a code and more.
    fn breaks_signature(&self, f: &Facts) -> bool {
        f.any_amount() || usize::from(f.key) + f.data >= 2
    }

    fn classify(&mut self, mut row: TableRow, f: Facts, signature_allowed: bool, out: &mut Vec<TableRow>) {
        let first_row = !self.first_done;
        self.first_done = true;
        if signature_allowed && f.signature && !f.any_amount() {
            self.held.push(row);
            return;
        }
        if first_row && self.data_rows == 0 && is_numbering(&row.cells) {
            row.kind = RowKind::Skip("Dòng đánh số cột".into());
            out.push(row);
            return;
        }
        if f.key || f.data > 0 {
            self.add_data(&f.amounts, out);
            out.push(row);
            return;
        }
        // Read only for the rows that are not plainly data.
        let label = self.label_of(&row.cells);
        let total_label = is_total_label(&label);
        let numbered = row.cells.iter().find(|c| !c.is_empty()).is_some_and(|c| is_roman_or_letter(&c.display()));
        if !f.any_amount() && self.label_is_data && !total_label && !numbered {
            self.add_data(&f.amounts, out);
            out.push(row);
            return;
        }
        if !f.any_amount() {
            row.kind = RowKind::Skip(if total_label {
                format!("Dòng cộng «{label}» (không có số liệu)")
            } else {
                format!("Dòng tiêu đề nhóm «{}»", texts(&row.cells).join(" "))
            });
            if numbered || f.filled <= 2 {
                self.boundary(out);
            }
            out.push(row);
            return;
        }
        if let Some(n) = self.group_of(&f.amounts, total_label || label.is_empty()) {
            row.kind = RowKind::Skip(format!("Dòng cộng «{label}»: bằng tổng {n} dòng phía trên"));
            self.boundary(out);
            out.push(row);
            return;
        }
        if total_label || numbered {
            // A total that adds up nothing above: perhaps the rows below (a group's title row).
            self.boundary(out);
            let from = self.here();
            let pending = Pending { row, amounts: f.amounts, from };
            if self.pending.len() >= MAX_PENDING {
                out.push(warn(pending.row));
            } else {
                self.pending.push(pending);
            }
            return;
        }
        self.add_data(&f.amounts, out);
        out.push(row);
    }

    fn add_data(&mut self, amounts: &[Option<f64>], out: &mut Vec<TableRow>) {
        // The oldest entry's buffer is reused: no allocation per row once the window is full.
        let mut before = if self.recent.len() == RECENT { self.recent.pop_front().unwrap_or_default() } else { vec![] };
        before.clear();
        before.extend_from_slice(&self.sums);
        self.recent.push_back(before);
        for (s, a) in self.sums.iter_mut().zip(amounts) {
            *s += a.unwrap_or(0.0);
        }
        self.data_rows += 1;
        // A group's total on its title row is reached when the rows below it add up to it.
        if !self.pending.is_empty() {
            self.settle(out);
        }
    }

    fn here(&self) -> Boundary {
        Boundary { sums: self.sums.clone(), data_rows: self.data_rows }
    }

    /// A group ends and another begins: rows waiting for the group below them are decided.
    fn boundary(&mut self, out: &mut Vec<TableRow>) {
        self.settle(out);
        if self.boundaries.len() > 256 {
            self.boundaries.remove(1);
        }
        self.boundaries.push(self.here());
    }

    /// Hands on the waiting rows whose figures the data rows since them add up to.
    fn settle(&mut self, out: &mut Vec<TableRow>) {
        let mut i = 0;
        while i < self.pending.len() {
            let p = &self.pending[i];
            let n = self.data_rows - p.from.data_rows;
            if n > 0 && equal(&p.amounts, &self.sums, &p.from.sums, self.money) {
                let mut row = self.pending.remove(i).row;
                row.kind = RowKind::Skip(format!(
                    "Dòng tổng của nhóm «{}»: bằng tổng {n} dòng phía dưới",
                    texts(&row.cells).join(" ")
                ));
                out.push(row);
            } else {
                i += 1;
            }
        }
    }

    /// The number of data rows whose sums the figures equal: the rows since some group began, or
    /// the last few rows (a subtotal under a group that has no title). A group of one row counts
    /// only when `single` (a total label, or no label at all), lest a named row without a code
    /// that repeats the one above it be taken for its subtotal.
    fn group_of(&self, amounts: &[Option<f64>], single: bool) -> Option<usize> {
        let since_boundary = self.boundaries.iter().rev().find_map(|b| {
            let n = self.data_rows - b.data_rows;
            (n >= 2 || (n == 1 && single)).then_some(n).filter(|_| equal(amounts, &self.sums, &b.sums, self.money))
        });
        since_boundary.or_else(|| {
            let shortest = if single { 1 } else { 2 };
            (shortest..=self.recent.len())
                .find(|&k| equal(amounts, &self.sums, &self.recent[self.recent.len() - k], self.money))
        })
    }
}

/// Whether the given figures equal the sums since `from`: column by column (a column the row
/// leaves blank is not compared; at least one is), or — as offices total a cost split by source
/// into one column — the money columns together, the quantities column by column.
fn equal(amounts: &[Option<f64>], sums: &[f64], from: &[f64], money: usize) -> bool {
    let since = |i: usize| sums[i] - from.get(i).copied().unwrap_or(0.0);
    let close = |a: f64, b: f64| (a - b).abs() < 0.5;
    let quantities = amounts.iter().enumerate().skip(money).all(|(i, a)| a.is_none_or(|a| close(a, since(i))));
    let by_column = amounts.iter().enumerate().take(money).all(|(i, a)| a.is_none_or(|a| close(a, since(i))));
    let given: f64 = amounts.iter().take(money).flatten().sum();
    let together = amounts.iter().take(money).any(Option::is_some) && close(given, (0..money).map(since).sum());
    amounts.iter().any(Option::is_some) && quantities && (by_column || together)
}

fn warn(mut row: TableRow) -> TableRow {
    let figures: Vec<String> = texts(&row.cells);
    row.kind = RowKind::Warn(format!(
        "Dòng «{}» được coi là dòng cộng hay tiêu đề nhóm nên không nhập, nhưng số liệu của nó không bằng tổng \
         các dòng trong nhóm: hãy kiểm tra (nếu là tài sản, hãy ghi mã hoặc nhóm tài sản cho dòng này)",
        figures.join(" | ")
    ));
    row
}

fn texts(cells: &[Cell]) -> Vec<String> {
    cells.iter().filter(|c| !c.is_empty()).map(Cell::display).collect()
}

/// A figure in a cell: a number, or text that reads as one («1.050.000.000»).
fn number(c: &Cell) -> Option<f64> {
    match c {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) => crate::text::parse_money(t).ok().map(|n| n as f64),
        _ => None,
    }
}

/// Whether a label is a total's: «Cộng», «Tổng cộng», «Tổng số», «Tổng», optionally naming the
/// group («Cộng nhóm I», «Cộng A:»). Read with its diacritics: «Cổng», «Công cụ», «Cống» and
/// «Cộng hòa» are names, not totals.
pub fn is_total_label(label: &str) -> bool {
    let lower = crate::text::nfc(&label.to_lowercase());
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let rest = match words.as_slice() {
        ["tổng", "cộng", rest @ ..] | ["tong", "cong", rest @ ..] | ["tổng", "số", rest @ ..] => rest,
        ["cộng", rest @ ..] | ["tổng", rest @ ..] => rest,
        _ => return false,
    };
    rest.len() <= 3
        && rest.iter().all(|w| {
            ["nhóm", "mục", "phần", "loại", "cộng", "chung"].contains(w)
                || w.chars().all(|c| c.is_ascii_digit())
                || is_roman_or_letter(&w.to_uppercase())
        })
}

/// A short «Quảng Ngãi, ngày 15 tháng 12 năm 2024» line (folded).
fn is_date_line(t: &str) -> bool {
    t.len() < 60 && t.contains("ngay") && t.contains("thang") && t.contains("nam")
}

/// How far down a title block may push the header.
const HEADER_SEARCH_ROWS: usize = 40;

fn texts_of(sheet: &Sheet, row: u32) -> Vec<String> {
    let width = sheet.rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    (0..width as u32)
        .map(|c| {
            let own = sheet.cell(row, c).map(Cell::display).unwrap_or_default();
            if !own.is_empty() {
                return own;
            }
            // A merged parent spreads over every column it covers.
            sheet
                .merges
                .iter()
                .find(|m| m.first_row <= row && row <= m.last_row && m.first_col <= c && c <= m.last_col)
                .and_then(|m| sheet.cell(m.first_row, m.first_col))
                .map(Cell::display)
                .unwrap_or_default()
        })
        .collect()
}

fn combine(top: &[String], below: &[String]) -> Vec<String> {
    let n = top.len().max(below.len());
    (0..n)
        .map(|i| {
            let t = top.get(i).map(String::as_str).unwrap_or("").trim();
            let b = below.get(i).map(String::as_str).unwrap_or("").trim();
            match (t.is_empty(), b.is_empty()) {
                (false, false) if fold(t) != fold(b) => format!("{t} / {b}"),
                (false, _) => t.to_string(),
                (true, _) => b.to_string(),
            }
        })
        .collect()
}

fn score(headers: &[String], spec: &Spec) -> usize {
    let mut fields: Vec<&str> = headers.iter().filter_map(|h| spec.field_of(h)).collect();
    fields.sort();
    fields.dedup();
    fields.len()
}

/// The best header of a sheet: (score, header rows, combined headers).
fn best_header(sheet: &Sheet, spec: &Spec) -> Option<(usize, Vec<u32>, Vec<String>)> {
    let mut best: Option<(usize, Vec<u32>, Vec<String>)> = None;
    let rows: Vec<u32> = sheet.rows.iter().take(HEADER_SEARCH_ROWS).map(|(r, _)| *r).collect();
    for (i, &r) in rows.iter().enumerate() {
        let one = texts_of(sheet, r);
        let mut candidates = vec![(score(&one, spec), vec![r], one.clone())];
        if let Some(&next) = rows.get(i + 1) {
            let below = texts_of(sheet, next);
            let numeric_below = below.iter().filter(|t| t.parse::<f64>().is_ok()).count();
            if next == r + 1 && numeric_below * 2 < below.iter().filter(|t| !t.is_empty()).count().max(1) {
                let two = combine(&one, &below);
                candidates.push((score(&two, spec), vec![r, next], two));
            }
        }
        for c in candidates {
            if c.0 >= 2 && best.as_ref().is_none_or(|b| c.0 > b.0) {
                best = Some(c);
            }
        }
    }
    best
}

/// The row numbering the columns right under the header: (1), (2), (3)… or A, B, 1, 2… running
/// across the columns (a number may carry its formula, «(5)=(3)x(4)»). Small numbers that do not
/// run — 2, 4, 6 — are data.
fn is_numbering(cells: &[Cell]) -> bool {
    let tokens: Vec<String> = texts(cells);
    let mut numbers = vec![];
    let all_marks = tokens.iter().all(|t| {
        let t = t.split('=').next().unwrap_or("").trim();
        let core = t.trim_start_matches('(').trim_end_matches(')');
        if let Ok(n) = core.parse::<u32>() {
            numbers.push(n);
            true
        } else {
            core.len() == 1 && core.chars().all(|c| c.is_ascii_uppercase())
        }
    });
    tokens.len() >= 3 && all_marks && !numbers.is_empty() && numbers.windows(2).all(|w| w[1] == w[0] + 1)
}

fn is_roman_or_letter(t: &str) -> bool {
    let t = t.trim().trim_end_matches(['.', ')']);
    (!t.is_empty() && t.chars().all(|c| "IVXL".contains(c)) && t.len() <= 5)
        || (t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
}

const SIGNATURES: &[&str] = &[
    "nguoi lap",
    "ke toan",
    "thu truong",
    "thu quy",
    "giam doc",
    "pho giam doc",
    "chu nhiem",
    "chu tich",
    "truong phong",
    "lanh dao",
    "ky, ho ten",
    "ky ho ten",
    "(ky",
    "truong ban",
    "ban kiem ke",
    "nguoi kiem ke",
    "dai dien don vi",
    "xac nhan cua",
];

/// Whether a folded cell opens a signature block: it begins with a signer's title («Người lập»,
/// «KT. Giám đốc», «(Ký, họ tên)»), not merely mentions one («Kiểm điểm người lập dự toán» is data).
fn is_signature(t: &str) -> bool {
    let t = t.trim();
    let t =
        ["kt.", "tm.", "tl.", "q.", "ktl."].iter().find_map(|p| t.strip_prefix(p)).map(str::trim_start).unwrap_or(t);
    SIGNATURES.iter().any(|s| t.starts_with(s))
}

/// The table of the named sheet, or of the sheet whose header names the most fields. `sheets` need
/// hold only their first rows (`excel::heads`).
pub fn find(sheets: &[Sheet], sheet_name: Option<&str>, spec: &Spec) -> Result<Table, AppError> {
    let candidates: Vec<&Sheet> = match sheet_name {
        Some(name) => {
            let s = sheets.iter().find(|s| fold(&s.name) == fold(name)).ok_or_else(|| {
                let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
                AppError::BadRequest(format!("Không có trang «{name}»; tệp có các trang: {}", names.join(", ")))
            })?;
            if let Some(what) = s.not_a_table {
                return Err(AppError::BadRequest(format!("Trang «{name}» là {what}, không có bảng để nhập")));
            }
            vec![s]
        }
        None => sheets.iter().filter(|s| s.not_a_table.is_none()).collect(),
    };
    let (sheet, (_, header_rows, headers)) =
        candidates.iter().filter_map(|s| best_header(s, spec).map(|h| (*s, h))).max_by_key(|(_, h)| h.0).ok_or_else(
            || {
                // What was searched, sheet by sheet: the rows that hold anything, up to the limit.
                let searched: Vec<String> = candidates
                    .iter()
                    .map(|s| format!("«{}»: {} dòng có dữ liệu", s.name, s.rows.len().min(HEADER_SEARCH_ROWS)))
                    .collect();
                // The layout's own columns as examples: its label first, then the next two.
                let mut examples: Vec<&super::spec::ColumnSpec> =
                    spec.columns.iter().filter(|c| c.kind != super::spec::ColumnKind::Ordinal).collect();
                examples.sort_by_key(|c| c.role != Some(super::spec::Role::Label));
                let examples: Vec<String> = examples.iter().take(3).map(|c| format!("«{}»", c.headers[0])).collect();
                AppError::BadRequest(format!(
                    "Không tìm thấy dòng tiêu đề của bảng ({}): cần ít nhất hai cột như {}. \
                     Đã tìm trong {} (tối đa {HEADER_SEARCH_ROWS} dòng đầu có dữ liệu của mỗi trang)",
                    spec.what,
                    examples.join(", "),
                    if searched.is_empty() {
                        "— (tệp không có trang bảng tính nào)".to_string()
                    } else {
                        searched.join("; ")
                    }
                ))
            },
        )?;
    let columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| Column { index: i as u32, header: h.clone(), field: spec.field_of(h).map(str::to_string) })
        .collect();
    Ok(Table {
        sheet: sheet.name.clone(),
        encoding: sheet.encoding,
        header_rows: header_rows.iter().map(|r| r + 1).collect(),
        columns,
        other_sheets: sheets
            .iter()
            .filter_map(|s| s.not_a_table.map(|what| format!("«{}» ({what})", s.name)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_csv_with_a_title_line_finds_its_header_and_numbers_its_lines() {
        let csv = "Danh sách kiểm đếm tầng 2\n\nMã tài sản,Số lượng thực tế\nTT-03,hai\n";
        let sheets = crate::excel::heads(csv.as_bytes(), "x.csv", &Default::default()).unwrap();
        let rows: Vec<u32> = sheets[0].rows.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [0, 2, 3]);
        let spec = crate::import::spec::Spec::parse(
            r#"{"what": "Phiếu", "columns": [{"key": "code", "label": "Mã", "kind": "text", "role": "key", "headers": ["Mã tài sản"]},
                {"key": "quantity", "label": "Số lượng", "kind": "quantity", "headers": ["Số lượng thực tế"]}]}"#,
        )
        .unwrap();
        let t = super::find(&sheets, None, &spec).unwrap();
        assert_eq!(t.header_rows, [3]);
        let headers: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(headers, ["Mã tài sản", "Số lượng thực tế"]);
    }

    #[test]
    fn signatures_open_with_a_title_and_data_only_mentions_one() {
        for t in
            ["Người lập biểu", "KT. GIÁM ĐỐC", "TM. Ban kiểm kê", "(Ký, họ tên)", "Thủ trưởng đơn vị", "Kế toán trưởng"]
        {
            assert!(super::is_signature(&crate::text::fold(t)), "{t}");
        }
        for t in ["Kiểm điểm người lập dự toán", "Máy tính của kế toán trưởng", "Tủ hồ sơ"]
        {
            assert!(!super::is_signature(&crate::text::fold(t)), "{t}");
        }
    }
}
