//! The errors workbook (tệp các dòng lỗi): the rows of a file that failed, as they were read, under
//! the file's header, the bad cells highlighted and a last column saying what to fix — written from
//! the outcomes an import keeps, so that downloading it runs nothing again.

use rust_xlsxwriter::{Format, Workbook};

use super::table::Column;
use super::Problem;
use crate::error::{AppError, AppResult};
use crate::excel::Cell;

/// A row that failed: its number in the file, its cells as read, its problems.
pub struct FailedRow<'a> {
    pub row: u32,
    pub cells: &'a [Cell],
    pub problems: &'a [Problem],
}

/// The workbook of `rows`, in the order given, under the file's `columns`.
pub fn workbook<'a>(columns: &[Column], rows: impl IntoIterator<Item = FailedRow<'a>>) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    add_sheet(&mut wb, "Dòng lỗi", columns, rows)?;
    wb.save_to_buffer().map_err(|e| AppError::Internal(format!("xlsx: {e}")))
}

/// The failed rows of a file whose layout spans sheets: a sheet of them for each sheet of the
/// file that has any (the first «Dòng lỗi», the others «Dòng lỗi SHEET»).
pub fn workbook_of_sheets<'a>(parts: Vec<(&str, &[Column], Vec<FailedRow<'a>>)>) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    for (i, (sheet, columns, rows)) in parts.into_iter().enumerate() {
        if i > 0 && rows.is_empty() {
            continue;
        }
        // A sheet's name holds at most 31 characters.
        let name: String =
            if i == 0 { "Dòng lỗi".into() } else { format!("Dòng lỗi {sheet}").chars().take(31).collect() };
        add_sheet(&mut wb, &name, columns, rows)?;
    }
    wb.save_to_buffer().map_err(|e| AppError::Internal(format!("xlsx: {e}")))
}

fn add_sheet<'a>(
    wb: &mut Workbook,
    name: &str,
    columns: &[Column],
    rows: impl IntoIterator<Item = FailedRow<'a>>,
) -> AppResult<()> {
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xe)?;
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#EEF1F5");
    let bad = Format::new().set_background_color("#F8C9C4");
    let last = columns.iter().map(|c| c.index as u16 + 1).max().unwrap_or(0);
    for c in columns {
        ws.write_string_with_format(0, c.index as u16, &c.header, &bold).map_err(xe)?;
        ws.set_column_width(c.index as u16, 18).map_err(xe)?;
    }
    ws.write_string_with_format(0, last, "Lỗi cần sửa", &bold).map_err(xe)?;
    ws.set_column_width(last, 60).map_err(xe)?;
    for (out_row, failed) in (1u32..).zip(rows) {
        for col in columns {
            let cell = failed.cells.get(col.index as usize).cloned().unwrap_or(Cell::Empty);
            let highlighted = failed.problems.iter().any(|p| p.column == col.header);
            let c = col.index as u16;
            match (&cell, highlighted) {
                (Cell::Number(n), false) => ws.write_number(out_row, c, *n).map(|_| ()),
                (Cell::Number(n), true) => ws.write_number_with_format(out_row, c, *n, &bad).map(|_| ()),
                (_, false) => ws.write_string(out_row, c, cell.display()).map(|_| ()),
                (_, true) => ws.write_string_with_format(out_row, c, cell.display(), &bad).map(|_| ()),
            }
            .map_err(xe)?;
        }
        let reasons: Vec<String> = failed
            .problems
            .iter()
            .map(|p| format!("Dòng {} gốc, cột «{}»: {}", failed.row, p.column, p.message))
            .collect();
        ws.write_string(out_row, last, reasons.join("\n")).map_err(xe)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    Ok(())
}
