//! Count sheets (phiếu kiểm kê) out and back. A sheet goes out per unit or per location, filled from
//! the count's frozen lines, protected with only the input cells open, and carrying the count's
//! code and a checksum (HMAC-SHA256 under the count's secret) of its locked cells: a sheet of another
//! count, or one whose locked cells were changed, is refused. Hand-made sheets that only have codes
//! and counted quantities come in through the same reader — the import engine's table finder.

use std::collections::HashMap;

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula, Workbook, XlsxError,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{condition_code, label, CountSession, Line, NewEntry, CONDITIONS};
use crate::audit::Actor;
use crate::auth::Scope;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::{self, Cell, Limits};
use crate::import::fixes::{Fix, Fixes};
use crate::import::report::{Report, RowOutcome};
use crate::import::spec::Spec;
use crate::import::table;
use crate::import::{Outcome, Problem};
use crate::text::{self, fold};

/// Which lines a sheet holds.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetKey {
    All,
    Unit(i32),
    Location(String),
}

const MARK_CODE: &str = "Mã đợt kiểm kê:";
const MARK_SCOPE: &str = "Phạm vi phiếu:";
const MARK_CHECK: &str = "Mã kiểm tra:";
/// The header row (0-based) of our sheets.
const HEADER_ROW: u32 = 7;
/// The columns and their widths: together narrow enough to print one landscape page wide at 8 pt
/// or more (`reports::Layout::fitted` holds the report layouts to the same).
const HEADERS: &[(&str, f64)] = &[
    ("STT", 5.0),
    ("Mã tài sản", 15.0),
    ("Tên tài sản", 28.0),
    ("ĐVT", 7.0),
    ("Đơn vị sử dụng", 18.0),
    ("Nơi đặt theo sổ", 16.0),
    ("Số lượng theo sổ", 9.0),
    ("Số lượng thực tế", 9.0),
    ("Tình trạng", 22.0),
    ("Nơi đặt thực tế", 16.0),
    ("Ghi chú", 22.0),
];

/// The file's columns (`imports/columns/counts.json`).
pub fn spec() -> &'static Spec {
    crate::column_spec!("counts.json")
}

/// The asset lines a sheet holds, in the sheet's order, and the words that name its scope.
pub fn lines_for(conn: &mut DbConn, s: &CountSession, key: &SheetKey) -> AppResult<(Vec<Line>, String)> {
    if let SheetKey::Unit(u) = key {
        let lines = super::lines_of_unit(conn, s.id, *u)?;
        let name = lines.first().map(|l| l.unit_name.clone()).unwrap_or_default();
        return Ok((lines, format!("Đơn vị: {name}")));
    }
    let lines: Vec<Line> = super::lines_of(conn, s.id)?.into_iter().filter(|l| l.asset_id.is_some()).collect();
    Ok(match key {
        SheetKey::All | SheetKey::Unit(_) => (lines, "Toàn bộ phạm vi kiểm kê".into()),
        SheetKey::Location(p) => {
            let lines = lines.into_iter().filter(|l| l.location.as_deref().map(fold) == Some(fold(p))).collect();
            (lines, format!("Nơi đặt: {p}"))
        }
    })
}

/// The cells a counter may not change, as the sheet shows them.
struct Locked {
    code: String,
    name: String,
    uom: String,
    unit: String,
    location: String,
    quantity: String,
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

/// The checksum of a sheet: its count, its scope and every locked cell, in order.
fn checksum(secret: &str, code: &str, scope: &str, rows: &[Locked]) -> String {
    let mut m = format!("{code}\n{scope}\n");
    for r in rows {
        m.push_str(&format!("{}\t{}\t{}\t{}\t{}\t{}\n", r.code, r.name, r.uom, r.unit, r.location, r.quantity));
    }
    crate::text::hex(&hmac_sha256(secret.as_bytes(), m.as_bytes())[..10])
}

fn locked_of(l: &Line) -> Locked {
    Locked {
        code: l.code.clone(),
        name: l.name.clone(),
        uom: l.unit_of_measure.clone(),
        unit: l.unit_name.clone(),
        location: l.location.clone().unwrap_or_default(),
        quantity: l.book_quantity.to_string(),
    }
}

/// The count sheet for `key`: its file name and bytes.
pub fn count_sheet(conn: &mut DbConn, s: &CountSession, key: &SheetKey) -> AppResult<(String, Vec<u8>)> {
    if s.status == "nhap" {
        return Err(AppError::conflict("Đợt kiểm kê chưa mở: chưa có số liệu sổ sách để in phiếu"));
    }
    let (lines, scope) = lines_for(conn, s, key)?;
    if lines.is_empty() {
        return Err(AppError::NotFound(format!("tài sản của phiếu «{scope}» trong đợt {}", s.code)));
    }
    let xe = |e: XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
    let boxed = base.clone().set_border(FormatBorder::Thin);
    let title = base.clone().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    let bold = base.clone().set_bold();
    let header =
        boxed.clone().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    // What counters write wraps in its cell too, so the sheet prints whole once filled in.
    let input = boxed.clone().set_unlocked().set_background_color("FFF7D6").set_text_wrap();
    let input_int = input.clone().set_num_format("#,##0");
    let int = boxed.clone().set_num_format("#,##0");
    // Names, units and places wrap: a printed sheet shows them whole.
    let wrapped = boxed.clone().set_text_wrap();

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().map_err(xe)?;
    ws.set_name("Phiếu kiểm kê").map_err(xe)?;
    for (i, (_, w)) in HEADERS.iter().enumerate() {
        ws.set_column_width(i as u16, *w).map_err(xe)?;
    }
    let last = HEADERS.len() as u16 - 1;
    let locked: Vec<Locked> = lines.iter().map(locked_of).collect();
    let check = checksum(&s.sheet_secret, &s.code, &scope, &locked);
    ws.merge_range(0, 0, 0, last, "PHIẾU KIỂM KÊ TÀI SẢN", &title).map_err(xe)?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        &format!("{} — thời điểm kiểm kê {}", s.title, text::format_date(s.reference_date)),
        &base.clone().set_italic().set_align(FormatAlign::Center),
    )
    .map_err(xe)?;
    for (r, (mark, value)) in
        [(2u32, (MARK_CODE, s.code.as_str())), (3, (MARK_SCOPE, scope.as_str())), (4, (MARK_CHECK, check.as_str()))]
    {
        ws.merge_range(r, 0, r, 1, mark, &bold).map_err(xe)?;
        ws.merge_range(r, 2, r, 5, value, &base).map_err(xe)?;
    }
    ws.merge_range(
        5,
        0,
        5,
        last,
        "Chỉ ghi vào các ô nền vàng: số lượng thực tế, tình trạng (chọn trong danh sách), nơi đặt thực tế nếu khác sổ, ghi chú. \
         Không sửa, thêm hay xóa dòng: phiếu bị sửa ô khóa sẽ bị từ chối khi nhập lại.",
        &base.clone().set_italic().set_text_wrap(),
    )
    .map_err(xe)?;
    ws.set_row_height(5, 32).map_err(xe)?;
    let header_lines = HEADERS.iter().map(|(h, w)| crate::reports::lines_of(h, w * 0.9)).max().unwrap_or(1);
    ws.set_row_height(HEADER_ROW, crate::reports::LINE_HEIGHT * header_lines as f64).map_err(xe)?;
    for (i, (h, _)) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, i as u16, *h, &header).map_err(xe)?;
    }
    let first = HEADER_ROW + 1;
    for (i, (l, k)) in lines.iter().zip(&locked).enumerate() {
        let r = first + i as u32;
        // As tall as its longest wrapped text: readers do not all measure rows on opening.
        let lines = [(&k.name, 2), (&k.unit, 4), (&k.location, 5)]
            .iter()
            .map(|(t, c)| crate::reports::lines_of(t, HEADERS[*c].1))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(r, crate::reports::LINE_HEIGHT * lines as f64).map_err(xe)?;
        }
        ws.write_number_with_format(r, 0, (i + 1) as f64, &int).map_err(xe)?;
        ws.write_string_with_format(r, 1, &k.code, &boxed).map_err(xe)?;
        ws.write_string_with_format(r, 2, &k.name, &wrapped).map_err(xe)?;
        ws.write_string_with_format(r, 3, &k.uom, &boxed).map_err(xe)?;
        ws.write_string_with_format(r, 4, &k.unit, &wrapped).map_err(xe)?;
        ws.write_string_with_format(r, 5, &k.location, &wrapped).map_err(xe)?;
        ws.write_number_with_format(r, 6, l.book_quantity as f64, &int).map_err(xe)?;
        ws.write_blank(r, 7, &input_int).map_err(xe)?;
        for c in 8..=last {
            ws.write_blank(r, c, &input).map_err(xe)?;
        }
    }
    let end = first + lines.len() as u32 - 1;
    let quantity_rule = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(0, 1_000_000_000))
        .set_error_title("Số lượng thực tế")
        .map_err(xe)?
        .set_error_message("Ghi số nguyên không âm: số tài sản thực tế đếm được")
        .map_err(xe)?;
    ws.add_data_validation(first, 7, end, 7, &quantity_rule).map_err(xe)?;
    let condition_rule = DataValidation::new()
        .allow_list_formula(Formula::new(format!("='Danh mục'!$A$1:$A${}", CONDITIONS.len())))
        .set_error_title("Tình trạng")
        .map_err(xe)?
        .set_error_message("Chọn tình trạng trong danh sách")
        .map_err(xe)?;
    ws.add_data_validation(first, 8, end, 8, &condition_rule).map_err(xe)?;
    let sign = end + 2;
    ws.merge_range(sign, 0, sign, 4, "Người kiểm kê", &bold.clone().set_align(FormatAlign::Center)).map_err(xe)?;
    ws.merge_range(sign, 6, sign, last, "Đại diện đơn vị sử dụng", &bold.clone().set_align(FormatAlign::Center))
        .map_err(xe)?;
    ws.merge_range(sign + 1, 0, sign + 1, 4, "(Ký, họ tên)", &base.clone().set_italic().set_align(FormatAlign::Center))
        .map_err(xe)?;
    ws.merge_range(
        sign + 1,
        6,
        sign + 1,
        last,
        "(Ký, họ tên)",
        &base.clone().set_italic().set_align(FormatAlign::Center),
    )
    .map_err(xe)?;
    ws.protect();
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW).map_err(xe)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.6, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C&\"Times New Roman\"&12Trang &P / &N");
    let list = wb.add_worksheet_with_constant_memory().map_err(xe)?;
    list.set_name("Danh mục").map_err(xe)?;
    for (i, (_, name)) in CONDITIONS.iter().enumerate() {
        list.write_string(i as u32, 0, *name).map_err(xe)?;
    }
    list.protect();
    list.set_hidden(true);
    let bytes = wb.save_to_buffer().map_err(xe)?;
    let suffix = match key {
        SheetKey::All => String::new(),
        _ => format!(" - {}", scope.split_once(": ").map(|x| x.1).unwrap_or(&scope)),
    };
    Ok((format!("Phiếu kiểm kê {}{suffix}.xlsx", s.code), bytes))
}

/// What an import of count sheets is called in its record.
pub const KIND: &str = "counts";

/// The marks of one of our sheets, from its title rows: the count's code, the scope, the checksum.
fn marks(sheet: &excel::Sheet) -> Option<(String, String, String)> {
    let mut found: HashMap<&str, String> = HashMap::new();
    for (_, cells) in &sheet.rows {
        let texts: Vec<String> = cells.iter().map(Cell::display).collect();
        for (i, t) in texts.iter().enumerate() {
            for mark in [MARK_CODE, MARK_SCOPE, MARK_CHECK] {
                if fold(t) == fold(mark) {
                    if let Some(v) = texts[i + 1..].iter().find(|v| !v.is_empty()) {
                        found.insert(mark, v.clone());
                    }
                }
            }
        }
    }
    Some((found.remove(MARK_CODE)?, found.remove(MARK_SCOPE).unwrap_or_default(), found.remove(MARK_CHECK)?))
}

/// Reads a filled count sheet (ours or hand-made) into entries for count `s`, with the corrections
/// made in the preview; with `save`, and when no row has a problem, saves them as the uploader's
/// entries. A problem anywhere saves nothing.
#[allow(clippy::too_many_arguments)]
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    s: &CountSession,
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
    fixes: &[Fix],
    save: bool,
) -> AppResult<Report> {
    if s.status != "dang_kiem" {
        return Err(AppError::conflict(format!(
            "Đợt kiểm kê {} đang ở trạng thái «{}»: không nhận thêm phiếu",
            s.code,
            s.status_name()
        )));
    }
    let heads = excel::heads(bytes, file_name, limits)?;
    let table = table::find(&heads, None, spec()).map_err(|_| {
        AppError::BadRequest(format!(
            "Tệp «{file_name}» không có bảng kiểm kê: cần ít nhất cột «Mã tài sản» và cột «Số lượng thực tế» \
             trong 40 dòng đầu"
        ))
    })?;
    let head = heads.iter().find(|h| h.name == table.sheet).expect("the table's sheet was read");
    let marks = marks(head);
    if let Some((code, _, _)) = &marks {
        if fold(code) != fold(&s.code) {
            return Err(AppError::BadRequest(format!(
                "Phiếu «{file_name}» thuộc đợt kiểm kê {code}, không phải đợt {} đang nhập: hãy nhập vào đúng đợt",
                s.code
            )));
        }
    }
    let col = |f: &str| table.column_of(f).map(|c| (c.index as usize, c.header.clone()));
    let (Some(code_col), Some(qty_col)) = (col("code"), col("quantity")) else {
        return Err(AppError::BadRequest(format!(
            "Tệp «{file_name}» cần cột «Mã tài sản» và cột «Số lượng thực tế» (tìm thấy các cột: {})",
            table.columns.iter().map(|c| c.header.as_str()).filter(|h| !h.is_empty()).collect::<Vec<_>>().join(", ")
        )));
    };
    let (cond_col, place_col, note_col) = (col("condition"), col("location"), col("note"));
    let locked_cols = ["name", "unit_of_measure", "unit", "book_location", "book_quantity"].map(col);
    let mut fixes = Fixes::new(fixes, &table.sheet);
    let mut read: Vec<table::TableRow> = vec![];
    let (_, rows_read) = table.read_rows(
        (bytes, file_name),
        limits,
        spec(),
        &mut fixes,
        |_| {},
        |row| {
            read.push(row);
            Ok(())
        },
    )?;
    // The checksum of our own sheets runs over the rows in the sheet's order.
    read.sort_by_key(|r| r.excel_row);
    let mut report = Report::new(KIND, spec(), file_name, bytes, &table);
    report.fixes = fixes.applied();
    let get = |cells: &[Cell], c: &Option<(usize, String)>| -> String {
        c.as_ref().and_then(|(i, _)| cells.get(*i)).map(Cell::display).unwrap_or_default()
    };
    let mut rows: Vec<(u32, Vec<Cell>)> = vec![];
    for row in read {
        if report.not_data(spec(), &row) {
            continue;
        }
        // A row without a code or a count holds nothing to record (a note, a place alone).
        if [&code_col, &qty_col].iter().all(|c| row.cells.get(c.0).is_none_or(Cell::is_empty)) {
            let note = Some("Dòng không có mã hay số đếm".to_string());
            let skip = RowOutcome {
                sheet: String::new(),
                row: row.excel_row,
                outcome: Outcome::Skip,
                made: None,
                note,
                asset_id: None,
                errors: vec![],
                source: vec![],
            };
            report.push(skip);
            continue;
        }
        rows.push((row.excel_row, row.cells));
    }
    if let Some((code, scope_words, check)) = &marks {
        let locked: Vec<Locked> = rows
            .iter()
            .map(|(_, cells)| {
                let [name, uom, unit, location, quantity] = locked_cols.clone().map(|c| get(cells, &c));
                Locked { code: get(cells, &Some(code_col.clone())), name, uom, unit, location, quantity }
            })
            .collect();
        if checksum(&s.sheet_secret, code, scope_words, &locked) != fold(check) {
            return Err(AppError::BadRequest(format!(
                "Phiếu «{file_name}» đã bị sửa ở các ô khóa (mã, tên, đơn vị, nơi đặt hay số lượng theo sổ) hoặc bị \
                 thêm, bớt dòng: mã kiểm tra không khớp. Hãy tải phiếu mới của đợt {} và ghi lại số đếm",
                s.code
            )));
        }
    }
    let problem = |row: u32, c: &(usize, String), value: String, message: String| Problem {
        sheet: table.sheet.clone(),
        row,
        column: c.1.clone(),
        value,
        message,
    };
    let failed = |row: u32, cells: &[Cell], p: Problem| RowOutcome {
        sheet: String::new(),
        row,
        outcome: Outcome::Error,
        made: None,
        note: None,
        asset_id: None,
        errors: vec![p],
        source: cells.to_vec(),
    };
    let (mut not_counted, mut entries) = (0, vec![]);
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (row, cells) in &rows {
        let controls = table.columns.iter().filter(|c| c.field.is_some()).find_map(|c| {
            let v = cells.get(c.index as usize).map(Cell::display).unwrap_or_default();
            text::control_char(&v).map(|ch| (c.index as usize, c.header.clone(), v, ch))
        });
        if let Some((index, header, value, ch)) = controls {
            let message = text::control_message(&header, ch);
            report.push(failed(*row, cells, problem(*row, &(index, header), text::printable(&value), message)));
            continue;
        }
        let code = get(cells, &Some(code_col.clone()));
        let qty = get(cells, &Some(qty_col.clone()));
        if qty.is_empty() {
            not_counted += 1;
            let note = Some("Chưa ghi số đếm".to_string());
            report.push(RowOutcome {
                sheet: String::new(),
                row: *row,
                outcome: Outcome::Skip,
                made: Some(code),
                note,
                asset_id: None,
                errors: vec![],
                source: vec![],
            });
            continue;
        }
        if code.is_empty() {
            let p = problem(*row, &code_col, code, "Có số lượng thực tế nhưng thiếu mã tài sản".into());
            report.push(failed(*row, cells, p));
            continue;
        }
        if let Some(first) = seen.insert(fold(&code), *row) {
            let p = problem(*row, &code_col, code.clone(), format!("Mã «{code}» đã ghi ở dòng {first}"));
            report.push(failed(*row, cells, p));
            continue;
        }
        let quantity = match text::parse_money(&qty) {
            Ok(q) if (0..=1_000_000_000).contains(&q) => q as i32,
            _ => {
                let p = problem(*row, &qty_col, qty, "Số lượng thực tế phải là số nguyên không âm".into());
                report.push(failed(*row, cells, p));
                continue;
            }
        };
        let condition = match &cond_col {
            Some(c) => {
                let v = get(cells, &Some(c.clone()));
                match (v.is_empty(), condition_code(&v)) {
                    (true, _) => None,
                    (false, Some(code)) => Some(code.to_string()),
                    (false, None) => {
                        let names: Vec<&str> = CONDITIONS.iter().map(|c| c.1).collect();
                        let p = problem(*row, c, v, format!("Tình trạng phải là một trong: {}", names.join("; ")));
                        report.push(failed(*row, cells, p));
                        continue;
                    }
                }
            }
            None => None,
        };
        let location = text::clean(&get(cells, &place_col));
        let note = text::clean(&get(cells, &note_col));
        entries.push((*row, cells, NewEntry { code: text::nfc(&code), quantity, condition, location, note }));
    }
    // Codes the books do not hold, and another unit's assets for unit staff.
    let codes: Vec<String> = entries.iter().map(|(_, _, e)| e.code.clone()).collect();
    let known = super::known_lines(conn, s.id, &codes)?;
    let mut unknown_codes = vec![];
    let mut kept = vec![];
    for (row, cells, e) in entries {
        let line = known.get(&fold(&e.code));
        let theirs = line.and_then(|l| l.unit_id.map(|u| (u, l))).filter(|(u, _)| scope.check_edit(*u).is_err());
        if let Some((_, l)) = theirs {
            let message = format!("Tài sản của {}: bạn chỉ kiểm kê tài sản của đơn vị mình", l.unit_name);
            report.push(failed(row, cells, problem(row, &code_col, e.code.clone(), message)));
            continue;
        }
        if line.is_none() {
            unknown_codes.push(e.code.clone());
        }
        let note = line.is_none().then(|| "Mã không có trong sổ: ghi là tài sản phát hiện thừa".to_string());
        let asset_id = line.and_then(|l| l.asset_id);
        report.push(RowOutcome {
            sheet: String::new(),
            row,
            outcome: Outcome::Create,
            made: Some(e.code.clone()),
            note,
            asset_id,
            errors: vec![],
            source: vec![],
        });
        kept.push(e);
    }
    report.finish(rows_read)?;
    let counted = kept.len();
    for (k, v) in [
        ("ours", json!(marks.is_some())),
        ("scope", json!(marks.as_ref().map(|m| m.1.clone()))),
        ("counted", json!(counted)),
        ("not_counted", json!(not_counted)),
        ("skipped", json!(report.counts.skip as usize - not_counted)),
        ("unknown_codes", json!(unknown_codes)),
    ] {
        report.detail.insert(k.into(), v);
    }
    if report.clean() && save && counted > 0 {
        let source = format!("phiếu «{}» ({})", file_name, &report.sha256[..12]);
        // Checked above, row by row, against the lines looked up once.
        super::store_entries(conn, actor, s, kept, &known, &source, false)?;
        report.record(conn, actor)?;
    }
    Ok(report)
}

/// The words of a condition code, for pages.
pub fn condition_name(code: &Option<String>) -> String {
    code.as_deref().map(|c| label(CONDITIONS, c)).unwrap_or_default()
}
