//! The spreadsheets we file: each layout is data in `reports/` (title block, merged headers, columns
//! and their formats, grouping with subtotals, signatures, print set-up, and the dates each version
//! is in force); one renderer writes any of them. Adding a report means a layout file and a source of
//! rows, not a new renderer.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{AppError, AppResult};

/// The layouts shipped with the service, by code.
const LAYOUTS: &[(&str, &str)] = &[
    ("so-tai-san", include_str!("../../reports/register.json")),
    ("hao-mon", include_str!("../../reports/wear.json")),
    ("so-tscd", include_str!("../../reports/s24h.json")),
    ("the-tscd", include_str!("../../reports/card.json")),
    ("tang-giam", include_str!("../../reports/changes.json")),
    ("de-nghi-xu-ly", include_str!("../../reports/proposal.json")),
    ("bien-ban-ban-giao", include_str!("../../reports/handover.json")),
    ("ket-qua-xu-ly-nhiem-vu", include_str!("../../reports/task_handling.json")),
    ("so-xu-ly", include_str!("../../reports/disposal_register.json")),
    ("quyet-dinh-xu-ly", include_str!("../../reports/decisions.json")),
    ("bien-ban-kiem-ke", include_str!("../../reports/count_minutes.json")),
    ("kiem-ke-don-vi", include_str!("../../reports/count_units.json")),
    ("chenh-lech-kiem-ke", include_str!("../../reports/count_discrepancies.json")),
    ("thanh-tra-tom-tat", include_str!("../../reports/inspection_summary.json")),
    ("thanh-tra-phat-hien", include_str!("../../reports/inspection_findings.json")),
    ("thanh-tra-kien-nghi", include_str!("../../reports/inspection_recommendations.json")),
    ("thanh-tra-doi-tuong", include_str!("../../reports/inspection_schedule.json")),
    ("thanh-tra-theo-ky", include_str!("../../reports/inspection_period.json")),
    ("ke-khai-04a", include_str!("../../reports/declaration_04a.json")),
    ("ke-khai-04b", include_str!("../../reports/declaration_04b.json")),
    ("ke-khai-04c", include_str!("../../reports/declaration_04c.json")),
    ("ke-khai-06a", include_str!("../../reports/declaration_06a.json")),
    ("ke-khai-06b", include_str!("../../reports/declaration_06b.json")),
    ("ke-khai-06c", include_str!("../../reports/declaration_06c.json")),
    ("ke-khai-06d", include_str!("../../reports/declaration_06d.json")),
    ("ke-khai-07", include_str!("../../reports/declaration_07.json")),
    ("ke-khai-08a", include_str!("../../reports/declaration_08a.json")),
    ("ke-khai-08b", include_str!("../../reports/declaration_08b.json")),
];

#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub code: String,
    pub name: String,
    pub file_name: String,
    pub versions: Vec<Layout>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HeaderCell {
    pub text: String,
    #[serde(default = "one")]
    pub rows: u32,
    #[serde(default = "one_col")]
    pub cols: u16,
}

fn one() -> u32 {
    1
}

fn one_col() -> u16 {
    1
}

#[derive(Debug, Clone, Deserialize)]
pub struct ColumnSpec {
    pub field: String,
    pub width: f64,
    /// "int", "money" (whole đồng), "area" (m²), "date", "percent_bp", "code" (text that must not
    /// wrap: a number of a document or an asset); wrapped text otherwise.
    #[serde(default)]
    pub format: Option<String>,
    /// Summed in the subtotal and total rows.
    #[serde(default)]
    pub total: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Signature {
    pub title: String,
    pub note: String,
}

/// A letter that travels with a form (the văn bản đề nghị of 01/TSC-XLTS): its own sheet, before the
/// table, with the unit's block and the national motto, the number and subject on the left, the
/// place and date on the right, the paragraphs, the recipients and the one signature.
#[derive(Debug, Clone, Deserialize)]
pub struct Letter {
    pub sheet: String,
    pub title_left: Vec<String>,
    pub title_right: Vec<String>,
    pub number: Vec<String>,
    pub date_line: String,
    pub body: Vec<String>,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Layout {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub form_code: Option<String>,
    /// Printed on the form, under its number.
    pub legal_basis: String,
    /// What is not yet checked of the layout against the text: for administrators, never printed.
    #[serde(default)]
    pub unconfirmed: Option<String>,
    pub title_left: Vec<String>,
    pub title_right: Vec<String>,
    pub title: String,
    pub subtitle: Option<String>,
    /// Lines of facts between the title and the table (a card's description of its one asset).
    #[serde(default)]
    pub facts: Vec<String>,
    pub unit_note: Option<String>,
    pub header: Vec<Vec<HeaderCell>>,
    pub numbering_row: bool,
    pub columns: Vec<ColumnSpec>,
    pub group_by: Option<String>,
    pub subtotal_label: String,
    pub total_label: String,
    pub signatures: Vec<Signature>,
    pub place_date: Option<String>,
    pub landscape: bool,
    /// Filter buttons on the header of a plain list (one without groups).
    #[serde(default)]
    pub autofilter: bool,
    /// No «Tổng cộng» line (a table of indicators, not of amounts to add up).
    #[serde(default)]
    pub no_total: bool,
    /// How the numbering row counts its columns: "(1)" (the default), "1", or "A" (the letters of an
    /// accounting book).
    #[serde(default)]
    pub numbering: Option<String>,
    /// Groups marked by a field of their rows (A, B, C of a form's fixed sections) instead of Roman
    /// numbers, and without subtotals.
    #[serde(default)]
    pub group_mark: Option<String>,
    /// Lines after the table, before the place, date and signatures (a minutes' closing sections).
    #[serde(default)]
    pub closing: Vec<String>,
    /// A second row of signatures under the first (a witness).
    #[serde(default)]
    pub signatures_below: Vec<Signature>,
    /// The letter the form goes with, on a sheet of its own.
    #[serde(default)]
    pub letter: Option<Letter>,
    /// Đơn vị tiền: money columns are stored in đồng and written divided by this (1 000 for
    /// «nghìn đồng»), exactly, so that totals are the sums of what the cells hold; chosen at export.
    #[serde(skip, default = "in_dong")]
    pub money_divisor: i64,
}

fn in_dong() -> i64 {
    1
}

pub fn load(code: &str) -> AppResult<Report> {
    let (_, json) =
        LAYOUTS.iter().find(|(c, _)| *c == code).ok_or_else(|| AppError::NotFound(format!("mẫu báo cáo «{code}»")))?;
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("mẫu báo cáo {code} hỏng: {e}")))
}

/// One version of a report layout, as the conformance table lists it.
pub struct LayoutVersion {
    pub report: String,
    pub form_code: Option<String>,
    pub legal_basis: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub unconfirmed: Option<String>,
}

/// Every version of every layout.
pub fn versions() -> AppResult<Vec<LayoutVersion>> {
    let mut out = vec![];
    for (code, _) in LAYOUTS {
        let r = load(code)?;
        for v in &r.versions {
            out.push(LayoutVersion {
                report: r.name.clone(),
                form_code: v.form_code.clone(),
                legal_basis: v.legal_basis.clone(),
                valid_from: v.valid_from,
                valid_to: v.valid_to,
                unconfirmed: v.unconfirmed.clone(),
            });
        }
    }
    Ok(out)
}

/// Every layout version with something not yet checked against its text: (report, version, note).
pub fn unconfirmed() -> AppResult<Vec<(String, String, String)>> {
    let mut out = vec![];
    for (code, _) in LAYOUTS {
        let r = load(code)?;
        for v in &r.versions {
            if let Some(note) = &v.unconfirmed {
                let since = format!(
                    "{}{} từ {}",
                    v.form_code.as_deref().map(|c| format!("Mẫu số {c}, ")).unwrap_or_default(),
                    v.legal_basis,
                    crate::text::format_date(v.valid_from)
                );
                out.push((r.name.clone(), since, note.clone()));
            }
        }
    }
    Ok(out)
}

/// Points a column takes per unit of width when LibreOffice prints it at full size, and the
/// padding the file adds to each column's width (measured with `tests/print.rs`: the stored width
/// is the layout's plus 0.71, printed at 6.0 pt a unit).
const POINTS_PER_WIDTH: f64 = 6.0;
const WIDTH_PADDING: f64 = 0.71;
/// The smallest scale that keeps 12 pt text at 8 pt or more once fitted to the page's width.
const MIN_SCALE: f64 = 8.6 / 12.0;

impl Layout {
    /// The width the page gives, in points: A4 less the side margins `write_sheet` sets.
    fn printable_points(&self) -> f64 {
        if self.landscape {
            770.0
        } else {
            523.0
        }
    }

    /// The widths to write: as laid out when the table prints one page wide at 8 pt or more;
    /// otherwise the text columns narrowed in proportion (their text wraps, the rows grow), the
    /// figures, dates and numbers kept (they cannot wrap). Derived here so that no layout can ask
    /// for a print below 8 pt.
    pub fn fitted(&self) -> Layout {
        let most = self.printable_points() / (MIN_SCALE * POINTS_PER_WIDTH) - WIDTH_PADDING * self.columns.len() as f64;
        let total: f64 = self.columns.iter().map(|c| c.width).sum();
        if total <= most {
            return self.clone();
        }
        let fixed: f64 = self.columns.iter().filter(|c| c.format.is_some()).map(|c| c.width).sum();
        let text = total - fixed;
        let factor = ((most - fixed) / text).clamp(0.0, 1.0);
        let mut out = self.clone();
        for c in out.columns.iter_mut().filter(|c| c.format.is_none()) {
            c.width = (c.width * factor).max(6.0).floor();
        }
        out
    }

    /// The size 12 pt text prints at once fitted to the page's width.
    pub fn printed_points(&self) -> f64 {
        let total: f64 = self.fitted().columns.iter().map(|c| c.width + WIDTH_PADDING).sum();
        12.0 * (self.printable_points() / (total * POINTS_PER_WIDTH)).min(1.0)
    }
}

impl Report {
    /// The version of the layout in force on the report's date.
    pub fn layout_on(&self, date: NaiveDate) -> AppResult<&Layout> {
        self.versions
            .iter()
            .filter(|l| l.valid_from <= date && l.valid_to.is_none_or(|t| date <= t))
            .max_by_key(|l| l.valid_from)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Mẫu «{}» không có phiên bản có hiệu lực ngày {}",
                    self.name,
                    crate::text::format_date(date)
                ))
            })
    }
}

/// A report's period, both days included: refused when it ends before it starts.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::invalid("to", "«Đến ngày» phải sau «Từ ngày»"));
    }
    Ok(())
}

/// The period asked for (`from`, `to`, dd/mm/yyyy): this year up to today when not given.
pub fn read_period(input: &mut crate::input::Input) -> (NaiveDate, NaiveDate) {
    let today = crate::text::today();
    let from = input.date("from", "Từ ngày").unwrap_or_else(|| today.with_ordinal(1).unwrap_or(today));
    (from, input.date("to", "Đến ngày").unwrap_or(today))
}

/// Fills "{name}" placeholders.
pub fn fill(template: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// One row of data: field → value (numbers as JSON integers, dates as "yyyy-mm-dd").
pub type Row = BTreeMap<&'static str, Value>;

fn column_letter(mut c: u16) -> String {
    let mut s = String::new();
    c += 1;
    while c > 0 {
        let r = ((c - 1) % 26) as u8;
        s.insert(0, (b'A' + r) as char);
        c = (c - 1) / 26;
    }
    s
}

struct Formats {
    text: Format,
    /// A paragraph across the width: wrapped, its row as tall as its lines.
    paragraph: Format,
    bold_left: Format,
    bold_center: Format,
    title: Format,
    italic_center: Format,
    header: Format,
    cell: Format,
    code: Format,
    int: Format,
    money: Format,
    date: Format,
    percent: Format,
    group: Format,
    sum_label: Format,
    sum_money: Format,
    area: Format,
    sum_area: Format,
}

impl Formats {
    /// The format of a total of column `c`.
    fn sum_of(&self, c: &ColumnSpec) -> &Format {
        if c.format.as_deref() == Some("area") {
            &self.sum_area
        } else {
            &self.sum_money
        }
    }

    fn new() -> Formats {
        // Times New Roman shows every Vietnamese letter in Excel and LibreOffice alike.
        let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
        // Text wraps in its cell, and the row is made as tall as its longest text (`lines_of`), so that
        // nothing is cut in print.
        let boxed = base.clone().set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
        Formats {
            text: base.clone(),
            paragraph: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            bold_left: base.clone().set_bold(),
            bold_center: base.clone().set_bold().set_align(FormatAlign::Center),
            title: base.clone().set_bold().set_font_size(14).set_align(FormatAlign::Center),
            italic_center: base.clone().set_italic().set_align(FormatAlign::Center),
            header: boxed
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            cell: boxed.clone().set_text_wrap(),
            code: boxed.clone(),
            int: boxed.clone().set_num_format("#,##0"),
            money: boxed.clone().set_num_format("#,##0"),
            area: boxed.clone().set_num_format("#,##0.00"),
            date: boxed.clone().set_num_format("dd/mm/yyyy"),
            percent: boxed.clone().set_num_format("0.00%"),
            group: boxed.clone().set_bold(),
            sum_label: boxed.clone().set_bold(),
            sum_money: boxed.clone().set_bold().set_num_format("#,##0"),
            sum_area: boxed.set_bold().set_num_format("#,##0.00"),
        }
    }
}

/// Writes a report. `rows` come in group order; a subtotal closes each group and the total closes
/// the report, as formulas whose results are written too (a reader that does not calculate — or our
/// own import — sees the numbers).
pub fn render(
    layout: &Layout,
    vars: &BTreeMap<String, String>,
    rows: &mut dyn Iterator<Item = AppResult<Row>>,
) -> AppResult<Rendered> {
    let mut wb = Workbook::new();
    if let Some(letter) = &layout.letter {
        write_letter(&mut wb, letter, vars)?;
    }
    write_sheet(&mut wb, "Báo cáo", layout, vars, rows)?;
    Ok(Rendered(wb))
}

/// One sheet of a workbook of several reports (a count's minutes, its summary by unit and its
/// discrepancies): each in its own layout.
pub struct SheetSpec<'a> {
    pub name: &'a str,
    pub layout: &'a Layout,
    pub vars: &'a BTreeMap<String, String>,
    /// Made as they are written, so a long sheet is never held whole.
    pub rows: Box<dyn Iterator<Item = AppResult<Row>> + 'a>,
}

pub fn render_sheets(sheets: Vec<SheetSpec>) -> AppResult<Rendered> {
    let mut wb = Workbook::new();
    for mut s in sheets {
        write_sheet(&mut wb, s.name, s.layout, s.vars, &mut s.rows)?;
    }
    Ok(Rendered(wb))
}

fn write_sheet(
    wb: &mut Workbook,
    name: &str,
    layout: &Layout,
    vars: &BTreeMap<String, String>,
    rows: &mut dyn Iterator<Item = AppResult<Row>>,
) -> AppResult<()> {
    let xe = |e: XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let fitted = layout.fitted();
    let layout = &fitted;
    let f = Formats::new();
    let ws: &mut Worksheet = wb.add_worksheet_with_constant_memory().map_err(xe)?;
    ws.set_name(name).map_err(xe)?;
    let ncols = layout.columns.len() as u16;
    let last_col = ncols - 1;
    for (i, c) in layout.columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width).map_err(xe)?;
    }
    let full_width: f64 = layout.columns.iter().map(|c| c.width).sum();
    // Title block: the unit on the left, Quốc hiệu and Tiêu ngữ on the right; a form without the
    // unit's block (02/TSC-BBGN) has the motto centred.
    let mut r = 0u32;
    let half = (ncols / 2).max(1);
    let lines = layout.title_left.len().max(layout.title_right.len());
    let width_of =
        |c0: u16, c1: u16| -> f64 { layout.columns[c0 as usize..=c1 as usize].iter().map(|c| c.width).sum() };
    // Long titles wrap inside their merged cells rather than spill past the page.
    let tall = |ws: &mut Worksheet, r: u32, lines: u32| -> Result<(), XlsxError> {
        if lines > 1 {
            ws.set_row_height(r, LINE_HEIGHT * lines as f64)?;
        }
        Ok(())
    };
    let bold_center = f.bold_center.clone().set_text_wrap();
    let italic_center = f.italic_center.clone().set_text_wrap();
    let title = f.title.clone().set_text_wrap();
    for i in 0..lines {
        let left = layout.title_left.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        let right = layout.title_right.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        let lines = if layout.title_left.is_empty() {
            lines_of(&right, full_width * 0.9)
        } else {
            lines_of(&left, width_of(0, half - 1) * 0.9).max(lines_of(&right, width_of(half, last_col) * 0.9))
        };
        tall(ws, r, lines).map_err(xe)?;
        if layout.title_left.is_empty() {
            ws.merge_range(r, 0, r, last_col, &right, &bold_center).map_err(xe)?;
        } else {
            ws.merge_range(r, 0, r, half - 1, &left, &bold_center).map_err(xe)?;
            ws.merge_range(r, half, r, last_col, &right, &bold_center).map_err(xe)?;
        }
        r += 1;
    }
    // The form and the text it comes from: the version in force on the report's date.
    let start = ncols.saturating_sub(5);
    let form = match &layout.form_code {
        Some(code) => format!("Mẫu số {code} — {}", layout.legal_basis),
        None => layout.legal_basis.clone(),
    };
    tall(ws, r, lines_of(&form, width_of(start, last_col) * 0.9)).map_err(xe)?;
    ws.merge_range(r, start, r, last_col, &form, &italic_center).map_err(xe)?;
    r += 1;
    let heading = fill(&layout.title, vars);
    tall(ws, r, lines_of(&heading, full_width * 12.0 / 14.0 * 0.9)).map_err(xe)?;
    ws.merge_range(r, 0, r, last_col, &heading, &title).map_err(xe)?;
    r += 1;
    if let Some(sub) = &layout.subtitle {
        let sub = fill(sub, vars);
        tall(ws, r, lines_of(&sub, full_width * 0.9)).map_err(xe)?;
        ws.merge_range(r, 0, r, last_col, &sub, &italic_center).map_err(xe)?;
        r += 1;
    }
    for line in &layout.facts {
        r = paragraph(ws, r, last_col, full_width, &fill(line, vars), &f).map_err(xe)?;
    }
    // Over the last columns, flush right: a narrow last column would let it spill past the table
    // and widen the print.
    if let Some(note) = &layout.unit_note {
        let from = last_col.saturating_sub(2);
        across(ws, r, from, last_col, &fill(note, vars), &f.text.clone().set_align(FormatAlign::Right)).map_err(xe)?;
        r += 1;
    }
    // The header: cells spanning rows and columns, placed left to right around those above.
    let header_first = r;
    let height = layout.header.len() as u32;
    header_heights(ws, layout, header_first).map_err(xe)?;
    let mut taken = vec![vec![false; ncols as usize]; height as usize];
    for (hr, cells) in layout.header.iter().enumerate() {
        let mut col = 0u16;
        for cell in cells {
            while (col as usize) < taken[hr].len() && taken[hr][col as usize] {
                col += 1;
            }
            let (r0, c0) = (header_first + hr as u32, col);
            let (r1, c1) = (r0 + cell.rows - 1, col + cell.cols - 1);
            if r1 == r0 && c1 == c0 {
                ws.write_string_with_format(r0, c0, &cell.text, &f.header).map_err(xe)?;
            } else {
                ws.merge_range(r0, c0, r1, c1, &cell.text, &f.header).map_err(xe)?;
            }
            for rr in hr..hr + cell.rows as usize {
                for cc in c0..=c1 {
                    if let Some(row) = taken.get_mut(rr) {
                        if let Some(x) = row.get_mut(cc as usize) {
                            *x = true;
                        }
                    }
                }
            }
            col = c1 + 1;
        }
    }
    r = header_first + height;
    let header_last = r - 1;
    if layout.numbering_row {
        for c in 0..ncols {
            let mark = match layout.numbering.as_deref() {
                Some("A") => column_letter(c),
                Some("1") => (c + 1).to_string(),
                // The declaration forms: the row number «A», then the form's own columns 1, 2, …
                Some("A1") if c == 0 => "A".to_string(),
                Some("A1") => c.to_string(),
                _ => format!("({})", c + 1),
            };
            ws.write_string_with_format(r, c, mark, &f.header).map_err(xe)?;
        }
        r += 1;
    }
    ws.set_freeze_panes(r, 0).map_err(xe)?;
    // The data, group by group.
    let data_first = r;
    let mut group: Option<String> = None;
    let mut group_first = r;
    let mut group_sums = vec![0i64; ncols as usize];
    let mut totals = vec![0i64; ncols as usize];
    let mut group_no = 0;
    let mut number = 0i64;
    // «Cộng» and «Tổng cộng» over the second and third columns, or the second only when the third
    // is summed (a count right after the name).
    let label_end: u16 = if layout.columns.get(2).is_some_and(|c| c.total) { 1 } else { 2.min(last_col) };
    let close_group = |ws: &mut Worksheet, r: &mut u32, first: u32, sums: &mut [i64]| -> Result<(), XlsxError> {
        ws.write_string_with_format(*r, 0, "", &f.sum_label)?;
        across(ws, *r, 1, label_end, &layout.subtotal_label, &f.sum_label)?;
        for (i, c) in layout.columns.iter().enumerate().skip(label_end as usize + 1) {
            if c.total {
                let col = column_letter(i as u16);
                let formula = Formula::new(format!("=SUBTOTAL(9,{col}{}:{col}{})", first + 1, *r))
                    .set_result(result_of(c, sums[i], layout.money_divisor));
                ws.write_formula_with_format(*r, i as u16, formula, f.sum_of(c))?;
            } else {
                ws.write_string_with_format(*r, i as u16, "", &f.sum_label)?;
            }
        }
        sums.iter_mut().for_each(|s| *s = 0);
        *r += 1;
        Ok(())
    };
    for row in rows {
        let row = row?;
        if let Some(key) = &layout.group_by {
            let g = row.get(key.as_str()).and_then(|v| v.as_str()).unwrap_or("").to_string();
            if group.as_ref() != Some(&g) {
                if group.is_some() && layout.group_mark.is_none() {
                    close_group(ws, &mut r, group_first, &mut group_sums).map_err(xe)?;
                }
                group_no += 1;
                let mark = match &layout.group_mark {
                    Some(field) => row.get(field.as_str()).and_then(|v| v.as_str()).unwrap_or("").to_string(),
                    None => roman(group_no),
                };
                ws.write_string_with_format(r, 0, mark, &f.group).map_err(xe)?;
                ws.merge_range(r, 1, r, last_col, &g, &f.group).map_err(xe)?;
                r += 1;
                group_first = r;
                group = Some(g);
            }
        }
        number += 1;
        // As tall as its longest text: rows are not measured by every reader on opening.
        let lines = layout
            .columns
            .iter()
            .filter(|c| c.format.as_deref() != Some("code"))
            .filter_map(|c| row.get(c.field.as_str()).and_then(|v| v.as_str()).map(|t| lines_of(t, c.width)))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(r, LINE_HEIGHT * lines as f64).map_err(xe)?;
        }
        for (i, c) in layout.columns.iter().enumerate() {
            let col = i as u16;
            let v = if c.field == "row_number" {
                Value::from(number)
            } else {
                row.get(c.field.as_str()).cloned().unwrap_or(Value::Null)
            };
            match (c.format.as_deref(), &v) {
                (_, Value::Null) => ws.write_blank(r, col, &f.cell).map(|_| ()),
                (Some("money" | "int"), Value::Number(n)) => {
                    let n = n.as_i64().unwrap_or(0);
                    if c.total {
                        group_sums[i] += n;
                        totals[i] += n;
                    }
                    if c.format.as_deref() == Some("money") {
                        ws.write_number_with_format(r, col, scaled(n, layout.money_divisor), &f.money).map(|_| ())
                    } else {
                        ws.write_number_with_format(r, col, n as f64, &f.int).map(|_| ())
                    }
                }
                // Areas in m²; their totals are kept in hundredths of a m², exactly.
                (Some("area"), Value::Number(n)) => {
                    let v = n.as_f64().unwrap_or(0.0);
                    if c.total {
                        group_sums[i] += (v * 100.0).round() as i64;
                        totals[i] += (v * 100.0).round() as i64;
                    }
                    ws.write_number_with_format(r, col, v, &f.area).map(|_| ())
                }
                // Rates are kept as percent × 100 (14,29 % = 1429).
                (Some("percent_bp"), Value::Number(n)) => {
                    ws.write_number_with_format(r, col, n.as_f64().unwrap_or(0.0) / 10_000.0, &f.percent).map(|_| ())
                }
                (Some("date"), Value::String(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => {
                        let x =
                            rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                                .map_err(xe)?;
                        ws.write_datetime_with_format(r, col, x, &f.date).map(|_| ())
                    }
                    Err(_) => ws.write_string_with_format(r, col, s, &f.cell).map(|_| ()),
                },
                (Some("code"), Value::String(s)) => ws.write_string_with_format(r, col, s, &f.code).map(|_| ()),
                // Text is written as text, never as a formula: "=HYPERLINK(…)" in a name stays a name.
                (_, Value::String(s)) => ws.write_string_with_format(r, col, s, &f.cell).map(|_| ()),
                (_, other) => ws.write_string_with_format(r, col, other.to_string(), &f.cell).map(|_| ()),
            }
            .map_err(xe)?;
        }
        r += 1;
    }
    if group.is_some() && layout.group_mark.is_none() {
        close_group(ws, &mut r, group_first, &mut group_sums).map_err(xe)?;
    }
    if layout.autofilter && layout.group_by.is_none() && r > data_first {
        ws.autofilter(header_last, 0, r - 1, last_col).map_err(xe)?;
    }
    // The total: SUBTOTAL leaves the subtotals inside its range out.
    if !layout.no_total {
        ws.write_string_with_format(r, 0, "", &f.sum_label).map_err(xe)?;
        across(ws, r, 1, label_end, &layout.total_label, &f.sum_label).map_err(xe)?;
        for (i, c) in layout.columns.iter().enumerate().skip(label_end as usize + 1) {
            if c.total {
                let col = column_letter(i as u16);
                let last = r.max(data_first + 1);
                let formula = Formula::new(format!("=SUBTOTAL(9,{col}{}:{col}{})", data_first + 1, last))
                    .set_result(result_of(c, totals[i], layout.money_divisor));
                ws.write_formula_with_format(r, i as u16, formula, f.sum_of(c)).map_err(xe)?;
            } else {
                ws.write_string_with_format(r, i as u16, "", &f.sum_label).map_err(xe)?;
            }
        }
        r += 1;
    }
    for line in &layout.closing {
        r = paragraph(ws, r, last_col, full_width, &fill(line, vars), &f).map_err(xe)?;
    }
    r += 1;
    // Place and date, then the signatures spread over the width.
    if let Some(pd) = &layout.place_date {
        let start = ncols.saturating_sub(5);
        ws.merge_range(r, start, r, last_col, &fill(pd, vars), &f.italic_center).map_err(xe)?;
        r += 1;
    }
    r = signature_row(ws, r, ncols, &layout.signatures, &f).map_err(xe)?;
    if !layout.signatures_below.is_empty() {
        // Room to sign above, then the witness.
        signature_row(ws, r + 4, ncols, &layout.signatures_below, &f).map_err(xe)?;
    }
    // Print set-up: A4, header rows on every page, one page wide, page numbers; narrow side margins
    // (the left one wide enough to bind) so that a wide book still prints at a readable size.
    ws.set_paper_size(9);
    ws.set_margins(0.6, 0.4, 0.6, 0.6, 0.3, 0.3);
    if layout.landscape {
        ws.set_landscape();
    }
    ws.set_repeat_rows(header_first, header_last).map_err(xe)?;
    ws.set_print_fit_to_pages(1, 0);
    // The page number in the body's font and size (a footer is scaled with the sheet).
    ws.set_footer("&C&\"Times New Roman\"&12Trang &P / &N");
    Ok(())
}

/// An amount in đồng as written in a form whose money unit is `divisor` đồng.
pub fn scaled(dong: i64, divisor: i64) -> f64 {
    if divisor <= 1 {
        dong as f64
    } else {
        dong as f64 / divisor as f64
    }
}

/// The result written with a total's formula, in the column's unit.
fn result_of(c: &ColumnSpec, sum: i64, divisor: i64) -> String {
    match c.format.as_deref() {
        Some("money") => scaled(sum, divisor).to_string(),
        Some("area") => (sum as f64 / 100.0).to_string(),
        _ => sum.to_string(),
    }
}

/// The height of one line of 12 pt text, in points.
pub(crate) const LINE_HEIGHT: f64 = 15.75;

/// How many lines `text` takes in a column `width` characters wide, wrapped at words. A width unit
/// is the width of a digit of the sheet's default font; a letter of 12 pt Times New Roman takes
/// about as much, and wrapping at words wastes some of each line.
pub(crate) fn lines_of(text: &str, width: f64) -> u32 {
    let per_line = ((width - 1.0) * 0.85).max(1.0);
    text.split('\n').map(|l| ((l.chars().count() as f64) / per_line).ceil().max(1.0) as u32).sum()
}

/// Where each header cell lands: (first row, first column, last row, last column), rows counted
/// from the header's first; cells are placed left to right around those above that span down.
fn header_places(layout: &Layout) -> Vec<(usize, u16, usize, u16)> {
    let ncols = layout.columns.len();
    let mut taken = vec![vec![false; ncols]; layout.header.len()];
    let mut out = vec![];
    for (hr, cells) in layout.header.iter().enumerate() {
        let mut col = 0usize;
        for cell in cells {
            while col < ncols && taken[hr][col] {
                col += 1;
            }
            let (r1, c1) = (hr + cell.rows as usize - 1, col + cell.cols as usize - 1);
            for row in taken.iter_mut().take(r1 + 1).skip(hr) {
                for x in row.iter_mut().take(c1 + 1).skip(col) {
                    *x = true;
                }
            }
            out.push((hr, col as u16, r1, c1 as u16));
            col = c1 + 1;
        }
    }
    out
}

/// Header rows as tall as their wrapped titles (bold, so a little wider than body text); a title
/// spanning rows that needs more than they give makes its last row taller.
fn header_heights(ws: &mut Worksheet, layout: &Layout, first: u32) -> Result<(), XlsxError> {
    let places = header_places(layout);
    let cells: Vec<&HeaderCell> = layout.header.iter().flatten().collect();
    let width = |c0: u16, c1: u16| -> f64 { layout.columns[c0 as usize..=c1 as usize].iter().map(|c| c.width).sum() };
    let mut lines = vec![1u32; layout.header.len()];
    for (cell, &(r0, c0, r1, c1)) in cells.iter().zip(&places) {
        if r0 == r1 {
            lines[r0] = lines[r0].max(lines_of(&cell.text, width(c0, c1) * 0.9));
        }
    }
    for (cell, &(r0, c0, r1, c1)) in cells.iter().zip(&places) {
        let need = lines_of(&cell.text, width(c0, c1) * 0.9);
        let have: u32 = lines[r0..=r1].iter().sum();
        if need > have {
            lines[r1] += need - have;
        }
    }
    for (i, n) in lines.into_iter().enumerate() {
        if n > 1 {
            ws.set_row_height(first + i as u32, LINE_HEIGHT * n as f64)?;
        }
    }
    Ok(())
}

/// A line of text across the sheet, wrapped and as tall as it needs; a line marked "# " is a
/// heading in bold. Returns the next row.
fn paragraph(ws: &mut Worksheet, r: u32, last_col: u16, width: f64, text: &str, f: &Formats) -> Result<u32, XlsxError> {
    let (text, fmt) = match text.strip_prefix("# ") {
        Some(heading) => (heading, &f.bold_left),
        None => (text, &f.paragraph),
    };
    let lines = lines_of(text, width);
    if lines > 1 {
        ws.set_row_height(r, LINE_HEIGHT * lines as f64)?;
    }
    across(ws, r, 0, last_col, text, fmt)?;
    Ok(r + 1)
}

/// Signatures spread over the width, title above and note below; an empty title leaves its place
/// blank (a form whose one signature stands on the right). Returns the row after the notes.
fn signature_row(
    ws: &mut Worksheet,
    r: u32,
    ncols: u16,
    signatures: &[Signature],
    f: &Formats,
) -> Result<u32, XlsxError> {
    let n = signatures.len().max(1) as u16;
    let span = (ncols / n).max(1);
    let last_col = ncols - 1;
    // Row by row: the sheet is written in constant memory, a finished row cannot be revisited.
    for (line, pick) in [(0u32, true), (1, false)] {
        for (i, s) in signatures.iter().enumerate() {
            let c0 = i as u16 * span;
            let c1 = if i as u16 == n - 1 { last_col } else { c0 + span - 1 };
            let (text, fmt) = if pick { (&s.title, &f.bold_center) } else { (&s.note, &f.italic_center) };
            across(ws, r + line, c0, c1, text, fmt)?;
        }
    }
    Ok(r + 2)
}

/// The letter of a form on its own sheet, portrait, before the form.
fn write_letter(wb: &mut Workbook, letter: &Letter, vars: &BTreeMap<String, String>) -> AppResult<()> {
    let xe = |e: XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let f = Formats::new();
    let ws = wb.add_worksheet_with_constant_memory().map_err(xe)?;
    ws.set_name(&letter.sheet).map_err(xe)?;
    // Six columns over the width of an A4 page in portrait.
    const COLS: u16 = 6;
    const WIDTH: f64 = 14.0;
    for c in 0..COLS {
        ws.set_column_width(c, WIDTH).map_err(xe)?;
    }
    let half_width = WIDTH * f64::from(COLS / 2);
    let mut r = 0u32;
    let lines = letter.title_left.len().max(letter.title_right.len());
    for i in 0..lines {
        let left = letter.title_left.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        let right = letter.title_right.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        let tall = lines_of(&left, half_width).max(lines_of(&right, half_width));
        if tall > 1 {
            ws.set_row_height(r, LINE_HEIGHT * tall as f64).map_err(xe)?;
        }
        ws.merge_range(r, 0, r, COLS / 2 - 1, &left, &f.bold_center.clone().set_text_wrap()).map_err(xe)?;
        ws.merge_range(r, COLS / 2, r, COLS - 1, &right, &f.bold_center).map_err(xe)?;
        r += 1;
    }
    // Số, V/v on the left; the place and date on the right of the first of them.
    for (i, line) in letter.number.iter().enumerate() {
        let right = if i == 0 { fill(&letter.date_line, vars) } else { String::new() };
        ws.merge_range(r, 0, r, COLS / 2 - 1, &fill(line, vars), &f.text.clone().set_align(FormatAlign::Center))
            .map_err(xe)?;
        ws.merge_range(r, COLS / 2, r, COLS - 1, &right, &f.italic_center).map_err(xe)?;
        r += 1;
    }
    r += 1;
    for line in &letter.body {
        r = paragraph(ws, r, COLS - 1, WIDTH * f64::from(COLS), &fill(line, vars), &f).map_err(xe)?;
    }
    r += 1;
    // Nơi nhận on the left, the signature on the right.
    let recipients = std::iter::once("Nơi nhận:".to_string()).chain(letter.recipients.iter().map(|l| fill(l, vars)));
    for (i, line) in recipients.enumerate() {
        let fmt = if i == 0 { &f.bold_left } else { &f.text };
        ws.merge_range(r, 0, r, COLS / 2 - 1, &line, fmt).map_err(xe)?;
        let (right, rf) = match i {
            0 => (letter.signature.title.as_str(), &f.bold_center),
            1 => (letter.signature.note.as_str(), &f.italic_center),
            _ => ("", &f.text),
        };
        ws.merge_range(r, COLS / 2, r, COLS - 1, right, rf).map_err(xe)?;
        r += 1;
    }
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// A workbook rendered, not yet written: its rows wait in rust_xlsxwriter's temporary files (it is
/// built in constant memory), and it is written where the caller needs it without being held whole.
pub struct Rendered(Workbook);

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

impl Rendered {
    /// In memory: for small workbooks and for tests that read them back.
    pub fn to_bytes(mut self) -> AppResult<Vec<u8>> {
        self.0.save_to_buffer().map_err(xlsx_error)
    }

    /// To a file (the command line).
    pub fn save(mut self, path: &std::path::Path) -> AppResult<()> {
        self.0.save(path).map_err(xlsx_error)
    }

    /// To an unnamed temporary file, rewound, to stream to a client; it is gone when closed.
    pub fn to_temp_file(mut self) -> AppResult<std::fs::File> {
        use std::io::Seek;
        let io = |e: std::io::Error| AppError::Internal(format!("tệp tạm: {e}"));
        let mut file = tempfile::tempfile().map_err(io)?;
        self.0.save_to_writer(&mut file).map_err(xlsx_error)?;
        file.rewind().map_err(io)?;
        Ok(file)
    }
}

/// Text across columns `c0..=c1` of a row: merged, or written plainly when that is one cell (Excel
/// refuses a merge of one cell).
fn across(ws: &mut Worksheet, row: u32, c0: u16, c1: u16, text: &str, fmt: &Format) -> Result<(), XlsxError> {
    if c0 == c1 {
        ws.write_string_with_format(row, c0, text, fmt).map(|_| ())
    } else {
        ws.merge_range(row, c0, row, c1, text, fmt).map(|_| ())
    }
}

/// A number in Roman numerals (group marks).
pub fn roman(n: usize) -> String {
    let table = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut n = n;
    let mut out = String::new();
    for (v, s) in table {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// The variables every title block may use, from the department's root unit and the report date.
pub fn standard_vars(conn: &mut crate::db::DbConn, date: NaiveDate) -> AppResult<BTreeMap<String, String>> {
    use crate::db::schema::org_units;
    use diesel::prelude::*;
    let root: Option<(String, Option<String>)> = org_units::table
        .filter(org_units::parent_id.is_null())
        .order(org_units::id)
        .select((org_units::name, org_units::ma_qhns))
        .first(conn)
        .optional()?;
    let (name, ma_qhns) = root.unwrap_or_default();
    // "Sở Khoa học và Công nghệ tỉnh Quảng Ngãi" → the province and the place for the date line.
    let place = name.rsplit_once(" tỉnh ").map(|(_, p)| p.to_string()).unwrap_or_default();
    let unit = name.rsplit_once(" tỉnh ").map(|(u, _)| u.to_string()).unwrap_or(name.clone());
    Ok(BTreeMap::from([
        (
            "province".into(),
            if place.is_empty() { String::new() } else { format!("UBND TỈNH {}", place.to_uppercase()) },
        ),
        ("unit_name".into(), unit.to_uppercase()),
        ("unit_full_name".into(), name.clone()),
        ("ma_qhns".into(), ma_qhns.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| "…………".into())),
        ("place".into(), place),
        ("as_of".into(), crate::text::format_date(date)),
        ("day".into(), format!("{:02}", date.day())),
        ("month".into(), format!("{:02}", date.month())),
        ("year".into(), date.year().to_string()),
    ]))
}

/// The title block of a paper a unit issues in its own name (01/TSC-XLTS, 02/TSC-BBGN, its books):
/// the body with accounts of its own that the unit belongs to — the Sở for its offices, the Center
/// for itself — its managing body above, its Mã QHNS (dots to fill in by hand when the reference
/// data has none), and to whom it writes. On top of `standard_vars`.
pub fn unit_vars(conn: &mut crate::db::DbConn, unit_id: i32, date: NaiveDate) -> AppResult<BTreeMap<String, String>> {
    use crate::db::schema::org_units;
    use diesel::prelude::*;
    let mut vars = standard_vars(conn, date)?;
    let units: Vec<crate::rules::OrgUnit> = org_units::table.select(crate::rules::OrgUnit::as_select()).load(conn)?;
    let find = |id: i32| units.iter().find(|u| u.id == id);
    let issuer = crate::rules::issuer_of(&units, unit_id);
    let Some(issuer) = issuer else { return Ok(vars) };
    let (name, parent, ma_qhns) = (issuer.name.clone(), issuer.parent_id, issuer.ma_qhns.clone());
    let place = vars.get("place").cloned().unwrap_or_default();
    let province = format!("Ủy ban nhân dân tỉnh {place}");
    let short = |n: &str| n.rsplit_once(" tỉnh ").map(|(u, _)| u.to_string()).unwrap_or(n.to_string()).to_uppercase();
    let above = parent.and_then(find).map(|p| p.name.clone());
    vars.insert("unit_name".into(), short(&name));
    vars.insert("unit_full_name".into(), name.clone());
    vars.insert("ma_qhns".into(), ma_qhns.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| "…………".into()));
    let (parent_name, addressee, request) = match above {
        Some(p) => (
            short(&p),
            p.clone(),
            format!("Đề nghị {p} xem xét, quyết định xử lý theo thẩm quyền (hoặc tổng hợp, báo cáo {province} xem xét, quyết định xử lý)."),
        ),
        None => (
            vars.get("province").cloned().unwrap_or_default(),
            province.clone(),
            format!("Đề nghị {province} xem xét, quyết định xử lý theo thẩm quyền."),
        ),
    };
    vars.insert("parent_name".into(), parent_name);
    vars.insert("addressee".into(), addressee);
    vars.insert("request".into(), request);
    Ok(vars)
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::roman(14), "XIV");
    }

    #[test]
    fn every_layout_prints_at_eight_points_or_more() {
        for (code, _) in super::LAYOUTS {
            for l in &super::load(code).unwrap().versions {
                let size = l.printed_points();
                assert!(size >= 8.0, "{code} from {}: prints at {size:.1} pt", l.valid_from);
            }
        }
    }

    #[test]
    fn every_shipped_layout_parses() {
        for (code, _) in super::LAYOUTS {
            let r = super::load(code).unwrap();
            for l in &r.versions {
                let width: u16 = l.header[0].iter().map(|h| h.cols).sum();
                assert_eq!(width as usize, l.columns.len(), "{code}: the header spans every column");
            }
        }
    }
}
