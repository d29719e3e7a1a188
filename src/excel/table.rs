//! Finding the table in a sheet as offices lay it out: title blocks above, a header of one or two
//! rows (merged parents like "Nguyên giá" over "Nguồn NSNN | Nguồn khác"), a row numbering the
//! columns, section rows, subtotal rows and signatures below — each row that is not data is
//! reported with the reason it was skipped.

use serde::{Deserialize, Serialize};

use super::{Cell, Sheet};
use crate::error::AppError;
use crate::text::fold;
use crate::text::legacy::Legacy;

/// Column names by meaning: each field with the names people give its column.
#[derive(Debug, Clone)]
pub struct Synonyms {
    fields: Vec<(String, Vec<String>)>,
}

impl Synonyms {
    /// From a JSON object `{"field": ["Name", "Other name", …]}`.
    pub fn from_json(json: &str) -> Result<Synonyms, AppError> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|e| AppError::Internal(format!("tệp tên cột hỏng: {e}")))?;
        let fields = map
            .into_iter()
            .map(|(field, names)| {
                let names = names.as_array().into_iter().flatten().filter_map(|n| n.as_str()).map(fold).collect();
                (field, names)
            })
            .collect();
        Ok(Synonyms { fields })
    }

    /// The field a header names: an exact name first (whole header, then the part below a merged
    /// parent), else the longest name the header contains.
    pub fn field_of(&self, header: &str) -> Option<&str> {
        let h = fold(header);
        if h.is_empty() {
            return None;
        }
        let child = h.rsplit(" / ").next().unwrap_or(&h).to_string();
        for candidate in [&h, &child] {
            if let Some((f, _)) = self.fields.iter().find(|(_, names)| names.iter().any(|n| n == candidate)) {
                return Some(f);
            }
        }
        self.fields
            .iter()
            .flat_map(|(f, names)| {
                names.iter().filter(|n| n.len() >= 4 && h.contains(n.as_str())).map(move |n| (f, n.len()))
            })
            .max_by_key(|(_, len)| *len)
            .map(|(f, _)| f.as_str())
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(f, _)| f.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Column {
    pub index: u32,
    /// The header as the sheet shows it, parent and child joined: "Nguyên giá / Nguồn NSNN".
    pub header: String,
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RowKind {
    Data,
    Skip(String),
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
}

impl Table {
    pub fn column_of(&self, field: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.field.as_deref() == Some(field))
    }

    /// A layout's fingerprint: the folded headers in order, to remember a corrected mapping.
    pub fn layout(&self) -> String {
        self.columns.iter().map(|c| fold(&c.header)).collect::<Vec<_>>().join("|")
    }

    /// Sorts the sheet's rows below the header into data and skipped rows, as they are read.
    pub fn row_reader(&self) -> RowReader {
        let last_header = *self.header_rows.last().expect("a header has a row") - 1;
        RowReader { last_header, expected: last_header + 1, signature: false }
    }
}

/// Sorts rows into data and skipped rows — numbering, section, subtotal, signature, blank — one
/// at a time, so a sheet of a million rows is never held whole.
pub struct RowReader {
    last_header: u32,
    expected: u32,
    signature: bool,
}

impl RowReader {
    /// The table rows for the sheet row `r` (0-based): the blank rows before it, then itself.
    /// Rows of the title block and the header give none.
    pub fn push(&mut self, r: u32, cells: Vec<Cell>) -> Vec<TableRow> {
        if r <= self.last_header {
            return vec![];
        }
        let mut out = vec![];
        while self.expected < r {
            out.push(TableRow {
                excel_row: self.expected + 1,
                cells: vec![],
                kind: RowKind::Skip("Dòng trống".into()),
            });
            self.expected += 1;
        }
        self.expected = r + 1;
        let folded: Vec<String> = cells.iter().filter(|c| !c.is_empty()).map(|c| fold(&c.display())).collect();
        // A signature block: most of the row's cells are signers' titles (a data row may name a
        // «Giám đốc» in one of its cells), or a short «…, ngày … tháng … năm …» line.
        let titles = folded.iter().filter(|t| is_signature(t)).count();
        if !self.signature
            && ((titles > 0 && titles * 2 >= folded.len())
                || folded
                    .iter()
                    .any(|t| t.contains("ngay") && t.contains("thang") && t.contains("nam") && t.len() < 60))
        {
            self.signature = true;
        }
        let kind = if self.signature {
            RowKind::Skip("Phần chữ ký, ngày tháng cuối bảng".into())
        } else if folded.is_empty() {
            RowKind::Skip("Dòng trống".into())
        } else if is_numbering(&cells) {
            RowKind::Skip("Dòng đánh số cột".into())
        } else if folded
            .iter()
            .take(4)
            .any(|t| t.starts_with("cong") || t.starts_with("tong cong") || t.starts_with("tong so"))
        {
            RowKind::Skip("Dòng cộng / tổng cộng".into())
        } else if folded.len() <= 3
            && cells.iter().find(|c| !c.is_empty()).is_some_and(|c| is_roman_or_letter(&c.display()))
            && cells.iter().filter(|c| matches!(c, Cell::Number(_))).count() == 0
        {
            let title: Vec<String> = cells.iter().filter(|c| !c.is_empty()).map(Cell::display).collect();
            RowKind::Skip(format!("Dòng tiêu đề nhóm «{}»", title.join(" ")))
        } else {
            RowKind::Data
        };
        out.push(TableRow { excel_row: r + 1, cells, kind });
        out
    }
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

fn score(headers: &[String], syn: &Synonyms) -> usize {
    let mut fields: Vec<&str> = headers.iter().filter_map(|h| syn.field_of(h)).collect();
    fields.sort();
    fields.dedup();
    fields.len()
}

/// The best header of a sheet: (score, header rows, combined headers).
fn best_header(sheet: &Sheet, syn: &Synonyms) -> Option<(usize, Vec<u32>, Vec<String>)> {
    let mut best: Option<(usize, Vec<u32>, Vec<String>)> = None;
    let rows: Vec<u32> = sheet.rows.iter().take(HEADER_SEARCH_ROWS).map(|(r, _)| *r).collect();
    for (i, &r) in rows.iter().enumerate() {
        let one = texts_of(sheet, r);
        let mut candidates = vec![(score(&one, syn), vec![r], one.clone())];
        if let Some(&next) = rows.get(i + 1) {
            let below = texts_of(sheet, next);
            let numeric_below = below.iter().filter(|t| t.parse::<f64>().is_ok()).count();
            if next == r + 1 && numeric_below * 2 < below.iter().filter(|t| !t.is_empty()).count().max(1) {
                let two = combine(&one, &below);
                candidates.push((score(&two, syn), vec![r, next], two));
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

fn is_numbering(cells: &[Cell]) -> bool {
    let tokens: Vec<String> = cells.iter().filter(|c| !c.is_empty()).map(Cell::display).collect();
    tokens.len() >= 3
        && tokens.iter().all(|t| {
            let core = t.trim_start_matches('(').trim_end_matches(')');
            !core.is_empty()
                && core.len() <= 3
                && core.chars().all(|c| {
                    c.is_ascii_digit() || c.is_ascii_uppercase() || c == '=' || c == '+' || c == 'x' || c == '-'
                })
        })
}

fn is_roman_or_letter(t: &str) -> bool {
    let t = t.trim().trim_end_matches(['.', ')']);
    (!t.is_empty() && t.chars().all(|c| "IVXL".contains(c)) && t.len() <= 5)
        || (t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
}

const SIGNATURES: &[&str] = &[
    "nguoi lap",
    "ke toan truong",
    "thu truong don vi",
    "giam doc",
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
pub fn find(sheets: &[Sheet], sheet_name: Option<&str>, syn: &Synonyms) -> Result<Table, AppError> {
    let candidates: Vec<&Sheet> = match sheet_name {
        Some(name) => {
            let s = sheets.iter().find(|s| fold(&s.name) == fold(name)).ok_or_else(|| {
                let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
                AppError::BadRequest(format!("Không có trang «{name}»; tệp có các trang: {}", names.join(", ")))
            })?;
            vec![s]
        }
        None => sheets.iter().collect(),
    };
    let (sheet, (_, header_rows, headers)) =
        candidates.iter().filter_map(|s| best_header(s, syn).map(|h| (*s, h))).max_by_key(|(_, h)| h.0).ok_or_else(
            || {
                AppError::BadRequest(
                "Không tìm thấy dòng tiêu đề của bảng: cần ít nhất các cột như «Tên tài sản», «Nguyên giá», «Nhóm» \
                 trong 40 dòng đầu của một trang"
                    .into(),
            )
            },
        )?;
    let columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| Column { index: i as u32, header: h.clone(), field: syn.field_of(h).map(str::to_string) })
        .collect();
    Ok(Table {
        sheet: sheet.name.clone(),
        encoding: sheet.encoding,
        header_rows: header_rows.iter().map(|r| r + 1).collect(),
        columns,
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
        let syn =
            crate::excel::table::Synonyms::from_json(r#"{"code": ["Mã tài sản"], "quantity": ["Số lượng thực tế"]}"#)
                .unwrap();
        let t = super::find(&sheets, None, &syn).unwrap();
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
