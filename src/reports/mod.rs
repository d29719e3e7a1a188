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
    /// "int", "money" (whole đồng), "date"; text otherwise.
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
    bold_center: Format,
    title: Format,
    italic_center: Format,
    header: Format,
    cell: Format,
    int: Format,
    money: Format,
    date: Format,
    percent: Format,
    group: Format,
    sum_label: Format,
    sum_money: Format,
}

impl Formats {
    fn new() -> Formats {
        // Times New Roman shows every Vietnamese letter in Excel and LibreOffice alike.
        let base = Format::new().set_font_name("Times New Roman").set_font_size(12);
        // Data cells do not wrap: a row keeps one line's height in print; headers wrap.
        let boxed = base.clone().set_border(FormatBorder::Thin);
        Formats {
            text: base.clone(),
            bold_center: base.clone().set_bold().set_align(FormatAlign::Center),
            title: base.clone().set_bold().set_font_size(14).set_align(FormatAlign::Center),
            italic_center: base.clone().set_italic().set_align(FormatAlign::Center),
            header: boxed
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            cell: boxed.clone(),
            int: boxed.clone().set_num_format("#,##0"),
            money: boxed.clone().set_num_format("#,##0"),
            date: boxed.clone().set_num_format("dd/mm/yyyy"),
            percent: boxed.clone().set_num_format("0.00%"),
            group: boxed.clone().set_bold(),
            sum_label: boxed.clone().set_bold(),
            sum_money: boxed.set_bold().set_num_format("#,##0"),
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
    let f = Formats::new();
    let ws: &mut Worksheet = wb.add_worksheet_with_constant_memory().map_err(xe)?;
    ws.set_name(name).map_err(xe)?;
    let ncols = layout.columns.len() as u16;
    let last_col = ncols - 1;
    for (i, c) in layout.columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width).map_err(xe)?;
    }
    // Title block: the unit on the left, Quốc hiệu and Tiêu ngữ on the right.
    let mut r = 0u32;
    let half = (ncols / 2).max(1);
    let lines = layout.title_left.len().max(layout.title_right.len());
    for i in 0..lines {
        let left = layout.title_left.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        let right = layout.title_right.get(i).map(|t| fill(t, vars)).unwrap_or_default();
        ws.merge_range(r, 0, r, half - 1, &left, &f.bold_center).map_err(xe)?;
        ws.merge_range(r, half, r, last_col, &right, &f.bold_center).map_err(xe)?;
        r += 1;
    }
    // The form and the text it comes from: the version in force on the report's date.
    let start = ncols.saturating_sub(5);
    let form = match &layout.form_code {
        Some(code) => format!("Mẫu số {code} — {}", layout.legal_basis),
        None => layout.legal_basis.clone(),
    };
    ws.merge_range(r, start, r, last_col, &form, &f.italic_center).map_err(xe)?;
    r += 1;
    ws.merge_range(r, 0, r, last_col, &fill(&layout.title, vars), &f.title).map_err(xe)?;
    r += 1;
    if let Some(sub) = &layout.subtitle {
        ws.merge_range(r, 0, r, last_col, &fill(sub, vars), &f.italic_center).map_err(xe)?;
        r += 1;
    }
    for line in &layout.facts {
        ws.merge_range(r, 0, r, last_col, &fill(line, vars), &f.text).map_err(xe)?;
        r += 1;
    }
    if let Some(note) = &layout.unit_note {
        ws.write_string_with_format(r, last_col, note, &f.text).map_err(xe)?;
        r += 1;
    }
    // The header: cells spanning rows and columns, placed left to right around those above.
    let header_first = r;
    let height = layout.header.len() as u32;
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
            ws.write_string_with_format(r, c, format!("({})", c + 1), &f.header).map_err(xe)?;
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
    let close_group = |ws: &mut Worksheet, r: &mut u32, first: u32, sums: &mut [i64]| -> Result<(), XlsxError> {
        ws.write_string_with_format(*r, 0, "", &f.sum_label)?;
        across(ws, *r, 1, 2.min(last_col), &layout.subtotal_label, &f.sum_label)?;
        for (i, c) in layout.columns.iter().enumerate().skip(3) {
            if c.total {
                let col = column_letter(i as u16);
                let formula = Formula::new(format!("=SUBTOTAL(9,{col}{}:{col}{})", first + 1, *r))
                    .set_result(sums[i].to_string());
                ws.write_formula_with_format(*r, i as u16, formula, &f.sum_money)?;
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
                if group.is_some() {
                    close_group(ws, &mut r, group_first, &mut group_sums).map_err(xe)?;
                }
                group_no += 1;
                ws.write_string_with_format(r, 0, roman(group_no), &f.group).map_err(xe)?;
                ws.merge_range(r, 1, r, last_col, &g, &f.group).map_err(xe)?;
                r += 1;
                group_first = r;
                group = Some(g);
            }
        }
        number += 1;
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
                    let fmt = if c.format.as_deref() == Some("money") { &f.money } else { &f.int };
                    ws.write_number_with_format(r, col, n as f64, fmt).map(|_| ())
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
                // Text is written as text, never as a formula: "=HYPERLINK(…)" in a name stays a name.
                (_, Value::String(s)) => ws.write_string_with_format(r, col, s, &f.cell).map(|_| ()),
                (_, other) => ws.write_string_with_format(r, col, other.to_string(), &f.cell).map(|_| ()),
            }
            .map_err(xe)?;
        }
        r += 1;
    }
    if group.is_some() {
        close_group(ws, &mut r, group_first, &mut group_sums).map_err(xe)?;
    }
    if layout.autofilter && layout.group_by.is_none() && r > data_first {
        ws.autofilter(header_last, 0, r - 1, last_col).map_err(xe)?;
    }
    // The total: SUBTOTAL leaves the subtotals inside its range out.
    if !layout.no_total {
        ws.write_string_with_format(r, 0, "", &f.sum_label).map_err(xe)?;
        across(ws, r, 1, 2.min(last_col), &layout.total_label, &f.sum_label).map_err(xe)?;
        for (i, c) in layout.columns.iter().enumerate().skip(3) {
            if c.total {
                let col = column_letter(i as u16);
                let last = r.max(data_first + 1);
                let formula = Formula::new(format!("=SUBTOTAL(9,{col}{}:{col}{})", data_first + 1, last))
                    .set_result(totals[i].to_string());
                ws.write_formula_with_format(r, i as u16, formula, &f.sum_money).map_err(xe)?;
            } else {
                ws.write_string_with_format(r, i as u16, "", &f.sum_label).map_err(xe)?;
            }
        }
        r += 1;
    }
    r += 1;
    // Place and date, then the signatures spread over the width.
    if let Some(pd) = &layout.place_date {
        let start = ncols.saturating_sub(5);
        ws.merge_range(r, start, r, last_col, &fill(pd, vars), &f.italic_center).map_err(xe)?;
        r += 1;
    }
    let n = layout.signatures.len().max(1) as u16;
    let span = (ncols / n).max(1);
    // Row by row: the sheet is written in constant memory, a finished row cannot be revisited.
    for (line, pick) in [(0u32, true), (1, false)] {
        for (i, s) in layout.signatures.iter().enumerate() {
            let c0 = i as u16 * span;
            let c1 = if i as u16 == n - 1 { last_col } else { c0 + span - 1 };
            let (text, fmt) = if pick { (&s.title, &f.bold_center) } else { (&s.note, &f.italic_center) };
            across(ws, r + line, c0, c1, text, fmt).map_err(xe)?;
        }
    }
    // Print set-up: A4, header rows on every page, one page wide, page numbers.
    ws.set_paper_size(9);
    if layout.landscape {
        ws.set_landscape();
    }
    ws.set_repeat_rows(header_first, header_last).map_err(xe)?;
    ws.set_print_fit_to_pages(1, 0);
    ws.set_footer("&CTrang &P / &N");
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

fn roman(n: usize) -> String {
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
        ("ma_qhns".into(), ma_qhns.unwrap_or_default()),
        ("place".into(), place),
        ("as_of".into(), crate::text::format_date(date)),
        ("day".into(), format!("{:02}", date.day())),
        ("month".into(), format!("{:02}", date.month())),
        ("year".into(), date.year().to_string()),
    ]))
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
