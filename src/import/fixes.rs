//! Corrections made in the preview (sửa ngay trong bản xem trước): a cell that failed is given
//! the value to use, and the file is checked again without being uploaded again. Each correction
//! is kept with the import that used it — the cell, the value in the file, the value used, who —
//! so that the record says what was read from the file and what a person typed instead.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::table::Column;
use crate::db::schema::import_fixes;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::Cell;

/// A correction asked for: the cell (row as Excel numbers it, column as the table's index), and
/// the value to use instead of the file's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// The sheet, for a file whose layout spans sheets; none: the sheet the import reads first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: u32,
    pub column: u32,
    pub value: String,
}

/// A correction as applied: where, what the file said, what was used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    #[serde(default)]
    pub sheet: String,
    pub row: u32,
    pub column: u32,
    /// The column's header in the file.
    pub header: String,
    pub file_value: String,
    pub value: String,
}

/// The corrections of one sheet's run, by cell.
#[derive(Debug, Clone, Default)]
pub struct Fixes {
    sheet: String,
    by_cell: HashMap<(u32, u32), String>,
    applied: Vec<Applied>,
}

impl Fixes {
    /// The corrections of `sheet`: those naming it, and those naming no sheet (an import of one
    /// sheet; a layout of several names the sheet of each correction but its first).
    pub fn new(fixes: &[Fix], sheet: &str) -> Fixes {
        Fixes {
            sheet: sheet.to_string(),
            by_cell: fixes
                .iter()
                .filter(|f| f.sheet.as_deref().is_none_or(|s| s == sheet))
                .map(|f| ((f.row, f.column), f.value.clone()))
                .collect(),
            applied: vec![],
        }
    }

    /// Lays the corrections of sheet row `r` (0-based, as the reader gives it) over its cells,
    /// before the row is sorted or read: a corrected subtotal is judged by its corrected figures.
    /// A value equal to the file's is no correction.
    pub fn apply(&mut self, r: u32, cells: &mut Vec<Cell>, columns: &[Column]) {
        if self.by_cell.is_empty() {
            return;
        }
        let row = r + 1;
        for col in columns {
            let Some(value) = self.by_cell.get(&(row, col.index)) else { continue };
            let i = col.index as usize;
            let file_value = cells.get(i).map(Cell::display).unwrap_or_default();
            let value = crate::text::nfc(value.trim());
            if value == file_value {
                continue;
            }
            if cells.len() <= i {
                cells.resize(i + 1, Cell::Empty);
            }
            cells[i] = if value.is_empty() { Cell::Empty } else { Cell::Text(value.clone()) };
            self.applied.push(Applied {
                sheet: self.sheet.clone(),
                row,
                column: col.index,
                header: col.header.clone(),
                file_value,
                value,
            });
        }
    }

    /// What was applied, in the order met.
    pub fn applied(self) -> Vec<Applied> {
        self.applied
    }
}

/// Corrections from a form's fields `fix:ROW:COLUMN`, or `fix:SHEET:ROW:COLUMN` on a sheet other
/// than the file's first (the preview grid's inputs; Excel forbids «:» in a sheet's name).
pub fn from_fields<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> AppResult<Vec<Fix>> {
    let mut out = vec![];
    for (k, v) in fields {
        let Some(cell) = k.strip_prefix("fix:") else { continue };
        let mut parts = cell.rsplitn(3, ':');
        let (column, row, sheet) = (parts.next(), parts.next(), parts.next());
        let parsed = row.zip(column).and_then(|(r, c)| Some((r.parse::<u32>().ok()?, c.parse::<u32>().ok()?)));
        let Some((row, column)) = parsed else {
            return Err(AppError::invalid(k, format!("«{k}» không chỉ một ô (fix:dòng:cột)")));
        };
        let sheet = sheet.map(|s| crate::text::nfc(s.trim())).filter(|s| !s.is_empty());
        out.push(Fix { sheet, row, column, value: v.to_string() });
    }
    Ok(out)
}

/// Corrections from a small file (the command line's `--fix`): one per line, «row;column;value»,
/// the column by its header as the file writes it or by its letter (C, AB); lines starting with
/// «#» and blank lines are notes.
pub fn from_text(text: &str, columns: &[Column]) -> AppResult<Vec<Fix>> {
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| AppError::invalid("fix", format!("Dòng {} của tệp sửa «{line}»: {why}", n + 1));
        let mut parts = line.splitn(3, ';');
        let (Some(row), Some(column), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("viết «dòng;cột;giá trị», ví dụ «11;Loại tài sản;MMTB-TN»"));
        };
        let row: u32 = row.trim().parse().map_err(|_| bad("số dòng không phải số"))?;
        let wanted = crate::text::fold(column.trim());
        let by_header = columns.iter().find(|c| {
            let h = crate::text::fold(&c.header);
            h == wanted || h.rsplit(" / ").next() == Some(wanted.as_str())
        });
        let index = match by_header {
            Some(c) => c.index,
            None => letter_index(column.trim()).ok_or_else(|| bad("không có cột này trong bảng"))?,
        };
        out.push(Fix { sheet: None, row, column: index, value: value.to_string() });
    }
    Ok(out)
}

/// The 0-based index of an Excel column letter: A → 0, AB → 27.
fn letter_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    letters
        .chars()
        .try_fold(0u32, |acc, c| Some(acc * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)))
        .map(|n| n - 1)
}

/// Keeps the corrections with the import that used them.
pub fn record(conn: &mut DbConn, import_id: i32, sheet: &str, actor: &str, applied: &[Applied]) -> AppResult<()> {
    let now = crate::text::now_utc();
    // A person's corrections are few: one statement each.
    for a in applied {
        diesel::insert_into(import_fixes::table)
            .values((
                import_fixes::import_id.eq(import_id),
                import_fixes::sheet.eq(if a.sheet.is_empty() { sheet } else { &a.sheet }),
                import_fixes::excel_row.eq(a.row as i32),
                import_fixes::column_header.eq(&a.header),
                import_fixes::file_value.eq(&a.file_value),
                import_fixes::used_value.eq(&a.value),
                import_fixes::actor.eq(actor),
                import_fixes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_correction_names_its_sheet_when_it_is_not_the_first() {
        let fixes = super::from_fields([("fix:11:3", "a"), ("fix:TaiSanKhac:2:25", "x"), ("csrf_token", "t")]).unwrap();
        assert_eq!(fixes.iter().map(|f| f.sheet.as_deref()).collect::<Vec<_>>(), [None, Some("TaiSanKhac")]);
        assert_eq!((fixes[1].row, fixes[1].column), (2, 25));
        assert!(super::from_fields([("fix:TaiSanKhac:hai:25", "x")]).is_err());
        // Each sheet's run takes its own and those that name none.
        let first = super::Fixes::new(&fixes, "TaiSanDatNha");
        let second = super::Fixes::new(&fixes, "TaiSanKhac");
        assert_eq!((first.by_cell.len(), second.by_cell.len()), (1, 2));
    }

    #[test]
    fn column_letters_are_counted_as_excel_does() {
        assert_eq!(super::letter_index("A"), Some(0));
        assert_eq!(super::letter_index("c"), Some(2));
        assert_eq!(super::letter_index("AB"), Some(27));
        assert_eq!(super::letter_index("Tên"), None);
    }
}
