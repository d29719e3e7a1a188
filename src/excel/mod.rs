//! Reading any workbook people send — .xlsx, .xlsm, .xls, .ods, .csv — into checked sheets of cells,
//! refusing what would exhaust the server before allocating for it, and converting legacy Vietnamese
//! text. `import::table` finds the table inside a sheet. Knows nothing of assets.

mod merges;

use std::io::Cursor;

use calamine::{Data, DataType, Reader};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;
use crate::text::legacy::{self, Legacy};

/// What a reader will take on.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_cells: u64,
    pub max_columns: u32,
    /// Uncompressed size over compressed size of a zipped workbook (.xlsx, .ods).
    pub max_zip_ratio: u64,
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 30 * 1024 * 1024,
            max_cells: 20_000_000,
            max_columns: 200,
            max_zip_ratio: 200,
            max_unzipped_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// A cell as read; stored with a row that failed, so the errors workbook is written without the file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a person reads it (a date dd/mm/yyyy), or nothing for an empty cell.
    pub fn filled(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.display())
    }

    /// The value as a person reads it in the sheet.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => crate::text::format_date(*d),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Cell::Error(e) => e.clone(),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }
}

/// A merged region, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    /// Rows that have any cell, with their 0-based row index (Excel shows index + 1).
    pub rows: Vec<(u32, Vec<Cell>)>,
    pub merges: Vec<Merge>,
    /// The encoding the sheet's text was in before conversion.
    pub encoding: Legacy,
    /// A chart, macro or dialog sheet: what it is, for the person who named it.
    pub not_a_table: Option<&'static str>,
}

impl Sheet {
    pub fn cell(&self, row: u32, col: u32) -> Option<&Cell> {
        self.rows.iter().find(|(r, _)| *r == row).and_then(|(_, cells)| cells.get(col as usize))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    /// Excel's binary workbook (.xlsb): a zip of BIFF12 parts.
    Xlsb,
    Xls,
    Ods,
    Csv,
}

/// What the bytes are, whatever the file is called.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        let is_ods = bytes.windows(46).take(200).any(|w| w.starts_with(b"application/vnd.oasis.opendocument"));
        // Part names are stored as they are in the zip's headers.
        if is_ods {
            Format::Ods
        } else if memchr::memmem::find(bytes, b"xl/workbook.bin").is_some() {
            Format::Xlsb
        } else {
            Format::Xlsx
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Format::Xls
    } else {
        Format::Csv
    }
}

fn refuse(msg: impl Into<String>) -> AppError {
    AppError::BadRequest(msg.into())
}

/// A reader library that panics on a malformed file (fuzzing found calamine's compound-file reader
/// slicing past the end of a damaged .xls) must not take the request — or the database connection
/// it holds — down with it: the panic becomes the refusal of a damaged file.
fn guard<T>(file_name: &str, f: impl FnOnce() -> Result<T, AppError>) -> Result<T, AppError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(refuse(format!(
            "Tệp «{file_name}» bị hỏng: cấu trúc bên trong không đọc được. Hãy mở bằng Excel hoặc LibreOffice, \
             lưu lại thành .xlsx rồi tải lên"
        )))
    })
}

/// Reads every sheet of a workbook (or the CSV as one sheet).
pub fn read(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Vec<Sheet>, AppError> {
    check_size(bytes, file_name, limits)?;
    let format = sniff(bytes);
    let lower = file_name.to_lowercase();
    if format == Format::Csv && [".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"].iter().any(|e| lower.ends_with(e)) {
        return Err(refuse(format!(
            "Tệp «{file_name}» mang đuôi bảng tính nhưng nội dung không phải bảng tính (hỏng, bị cắt cụt, hoặc đã mã hóa bằng mật khẩu)"
        )));
    }
    let mut sheets = match format {
        Format::Csv => vec![read_csv(bytes, file_name, limits)?],
        Format::Xlsx | Format::Ods | Format::Xlsb => {
            check_zip(bytes, file_name, limits)?;
            guard(file_name, || read_calamine(bytes, file_name, format, limits, usize::MAX))?
        }
        Format::Xls => guard(file_name, || read_calamine(bytes, file_name, format, limits, usize::MAX))?,
    };
    let font = legacy_font(bytes, format);
    for sheet in &mut sheets {
        convert_text(sheet, font);
    }
    Ok(sheets)
}

/// How many rows of a sheet are read to find its table's header (a title block may push it down).
pub const HEAD_ROWS: usize = 42;

/// The first rows of every sheet, with their merges: enough to find the table without reading it
/// all. A large .xlsx is then read by `each_row`.
pub fn heads(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Vec<Sheet>, AppError> {
    check_size(bytes, file_name, limits)?;
    let format = sniff(bytes);
    if format != Format::Xlsx {
        let mut sheets = read(bytes, file_name, limits)?;
        for sheet in &mut sheets {
            sheet.rows.truncate(HEAD_ROWS);
        }
        return Ok(sheets);
    }
    check_zip(bytes, file_name, limits)?;
    let mut sheets = guard(file_name, || read_calamine(bytes, file_name, format, limits, HEAD_ROWS))?;
    let font = legacy_font(bytes, format);
    for sheet in &mut sheets {
        convert_text(sheet, font);
    }
    Ok(sheets)
}

/// How many rows decide the encoding of a streamed sheet.
const DETECT_ROWS: usize = 2000;

/// Hands the rows of one sheet to `each`, in order. An .xlsx is read cell by cell on a second
/// thread while `each` works on the rows already read, so memory does not grow with the file;
/// its text is converted from the encoding its first rows are in. Other formats are read whole
/// (their size is bounded by the format or the upload limit). Returns the encoding found.
pub fn each_row(
    bytes: &[u8],
    file_name: &str,
    sheet: &str,
    limits: &Limits,
    size: impl FnOnce(u32) + Send,
    mut each: impl FnMut(u32, Vec<Cell>) -> Result<(), AppError>,
) -> Result<Legacy, AppError> {
    check_size(bytes, file_name, limits)?;
    let format = sniff(bytes);
    if format != Format::Xlsx {
        let sheets = read(bytes, file_name, limits)?;
        let found = sheets
            .into_iter()
            .find(|s| s.name == sheet)
            .ok_or_else(|| refuse(format!("Tệp «{file_name}» không có trang «{sheet}»")))?;
        size(found.rows.last().map(|(r, _)| r + 1).unwrap_or(0));
        for (r, cells) in found.rows {
            each(r, cells)?;
        }
        return Ok(found.encoding);
    }
    check_zip(bytes, file_name, limits)?;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(u32, Vec<Cell>), AppError>>(512);
        // The reader decides the encoding from the first rows and converts every row itself, so the
        // consumer's core only checks and writes.
        let reader = scope.spawn(move || -> (Option<Legacy>, Legacy) {
            let send = |r: u32, cells: Vec<Cell>| tx.send(Ok((r, cells))).is_ok();
            let mut first: Vec<(u32, Vec<Cell>)> = Vec::new();
            let mut encoding: Option<Legacy> = None;
            let read = guard(file_name, || {
                let mut wb = open_xlsx(bytes, file_name)?;
                xlsx_rows(&mut wb, file_name, sheet, limits, size, |r, mut cells| {
                    if let Some(e) = encoding {
                        convert_cells(&mut cells, e);
                        return Ok(send(r, cells));
                    }
                    first.push((r, cells));
                    if first.len() >= DETECT_ROWS {
                        encoding = Some(decide_encoding(&mut first));
                        for (r, cells) in first.drain(..) {
                            if !send(r, cells) {
                                return Ok(false);
                            }
                        }
                    }
                    Ok(true)
                })
            });
            match read {
                Err(e) => {
                    let _ = tx.send(Err(e));
                    (None, Legacy::Unicode)
                }
                Ok(by_font) => {
                    let encoding = match encoding {
                        Some(e) => e,
                        None => {
                            let e = decide_encoding(&mut first);
                            for (r, cells) in first.drain(..) {
                                send(r, cells);
                            }
                            e
                        }
                    };
                    (by_font, encoding)
                }
            }
        });
        for item in rx.iter() {
            let (r, cells) = item?;
            each(r, cells)?;
        }
        drop(rx);
        let (by_font, encoding) =
            reader.join().map_err(|_| AppError::Internal("luồng đọc tệp dừng bất thường".into()))?;
        Ok(by_font.unwrap_or(encoding))
    })
}

/// Converts the text cells of a row from `encoding` (and to NFC).
fn convert_cells(cells: &mut [Cell], encoding: Legacy) {
    for cell in cells.iter_mut() {
        if let Cell::Text(t) = cell {
            if let Some(c) = legacy::converted(t, encoding) {
                *t = c;
            }
        }
    }
}

/// The encoding of the first rows of a sheet, their text converted from it.
fn decide_encoding(first: &mut [(u32, Vec<Cell>)]) -> Legacy {
    let found = legacy::detect(first.iter().flat_map(|(_, cells)| cells.iter().filter_map(Cell::text)));
    for (_, cells) in first.iter_mut() {
        convert_cells(cells, found);
    }
    found
}

fn check_size(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<(), AppError> {
    if bytes.is_empty() {
        return Err(refuse(format!("Tệp «{file_name}» rỗng")));
    }
    if is_encrypted(bytes) {
        return Err(refuse(format!(
            "Tệp «{file_name}» được bảo vệ bằng mật khẩu (mã hóa): mở tệp trong Excel, bỏ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi lưu lại và tải lên"
        )));
    }
    if bytes.len() > limits.max_bytes {
        return Err(refuse(format!(
            "Tệp «{file_name}» lớn {} MB, quá giới hạn {} MB",
            bytes.len() / (1024 * 1024),
            limits.max_bytes / (1024 * 1024)
        )));
    }
    Ok(())
}

/// An Office file encrypted with a password: a compound-file container (the signature of .xls too)
/// holding the EncryptionInfo stream, whose name is stored in UTF-16.
fn is_encrypted(bytes: &[u8]) -> bool {
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if !bytes.starts_with(&CFB) {
        return false;
    }
    let name: Vec<u8> = "EncryptionInfo".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// The legacy encoding the fonts of an .xls or .ods declare, if any: .VnTime, .VnArial… are TCVN3
/// (ABC) fonts, VNI-Times… VNI fonts. Text typed in them is stored as the font's bytes, so the
/// font name is the writer's own word on the encoding. These formats are read without each
/// cell's font, so the fonts listed decide for the workbook, and the text has the last word
/// (`detect_with_font`).
fn legacy_font(bytes: &[u8], format: Format) -> Option<Legacy> {
    let styles: Vec<u8> = match format {
        // An .xlsx names the font of each cell: `xlsx_rows` converts cell by cell.
        Format::Xlsx | Format::Xlsb | Format::Csv => return None,
        Format::Ods => {
            use std::io::Read;
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
            let mut out = vec![];
            for part in ["styles.xml", "content.xml"] {
                if let Ok(f) = zip.by_name(part) {
                    // The fonts come first; a bounded read keeps a hostile part from costing much.
                    let _ = f.take(4 * 1024 * 1024).read_to_end(&mut out);
                }
            }
            out
        }
        // BIFF keeps font names in FONT records, as 8-bit or UTF-16 text.
        Format::Xls => bytes.iter().copied().filter(|b| *b != 0).collect(),
    };
    // Font names as their makers spell them: ".VnTime", ".VnArialH", "VNI-Times" (a web address
    // like "quangngai.gov.vn" in a cell does not match).
    let tcvn3 = styles.windows(4).filter(|w| w.starts_with(b".Vn") && w[3].is_ascii_uppercase()).count();
    let vni = styles.windows(4).filter(|w| w == b"VNI-").count();
    match (tcvn3, vni) {
        (0, 0) => None,
        (t, v) if t >= v => Some(Legacy::Tcvn3),
        _ => Some(Legacy::Vni),
    }
}

fn open_xlsx<'a>(bytes: &'a [u8], file_name: &str) -> Result<calamine::Xlsx<Cursor<&'a [u8]>>, AppError> {
    calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsxError| unreadable(file_name, &e))
}

/// A reader library's failure, said in Vietnamese: its own (English) words name no cause a person
/// can act on, so they are logged, not shown.
fn unreadable(file_name: &str, e: &dyn std::fmt::Display) -> AppError {
    let detail = e.to_string();
    tracing::info!(file = file_name, error = %detail, "workbook refused");
    let lower = detail.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        return encrypted(file_name);
    }
    refuse(format!(
        "Tệp «{file_name}» bị hỏng hoặc không đúng định dạng bảng tính: không đọc được nội dung. Hãy mở bằng Excel \
         hoặc LibreOffice, lưu lại thành .xlsx rồi tải lên"
    ))
}

fn encrypted(file_name: &str) -> AppError {
    refuse(format!(
        "Tệp «{file_name}» được bảo vệ bằng mật khẩu (mã hóa): mở tệp trong Excel hoặc LibreOffice, bỏ mật khẩu rồi lưu \
         lại và tải lên"
    ))
}

/// Walks the rows of an .xlsx sheet cell by cell, handing each finished row to `each` until it
/// answers false; `size` is told the last row the sheet declares. Only cells that exist are read,
/// so declared dimensions (a stray cell at XFD1048576) cost nothing; the count of real cells is
/// what is limited. Text in a cell whose font is a legacy one (.VnTime, VNI-Times) is converted
/// by its font; the encoding so converted, if any, is returned.
fn xlsx_rows(
    wb: &mut calamine::Xlsx<Cursor<&[u8]>>,
    file_name: &str,
    name: &str,
    limits: &Limits,
    size: impl FnOnce(u32),
    mut each: impl FnMut(u32, Vec<Cell>) -> Result<bool, AppError>,
) -> Result<Option<Legacy>, AppError> {
    let bad = |e: String| unreadable(file_name, &e);
    let mut reader = wb.worksheet_cells_reader(name).map_err(|e| bad(e.to_string()))?;
    size(reader.dimensions().end.0 + 1);
    let fonts: Vec<Option<Legacy>> = reader
        .styles()
        .iter()
        .map(|s| s.font.as_ref().and_then(|f| f.name.as_deref()).and_then(legacy::font_encoding))
        .collect();
    let mut by_font = [0usize; 2];
    let mut stopped = false;
    let mut row: Option<(u32, Vec<Cell>)> = None;
    let mut count = 0u64;
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(|e| bad(e.to_string()))? {
        let (r, c) = cell.get_position();
        let mut value = cell_of(&Data::from(cell.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        if let (Cell::Text(t), Some(Some(font))) = (&mut value, fonts.get(style)) {
            if let Some(c) = legacy::converted(t, *font) {
                *t = c;
            }
            by_font[usize::from(*font == Legacy::Vni)] += 1;
        }
        count += 1;
        if count > limits.max_cells {
            return Err(refuse(format!("Trang «{name}» có quá {} ô dữ liệu", limits.max_cells)));
        }
        if c >= limits.max_columns {
            continue;
        }
        if row.as_ref().is_some_and(|(last, _)| *last != r) {
            let (last, cells) = row.take().expect("checked");
            if !each(last, cells)? {
                stopped = true;
                break;
            }
        }
        let cells = &mut row.get_or_insert_with(|| (r, vec![])).1;
        if cells.len() <= c as usize {
            cells.resize(c as usize + 1, Cell::Empty);
        }
        cells[c as usize] = value;
    }
    if let (Some((last, cells)), false) = (row, stopped) {
        each(last, cells)?;
    }
    Ok(match by_font {
        [0, 0] => None,
        [t, v] if t >= v => Some(Legacy::Tcvn3),
        _ => Some(Legacy::Vni),
    })
}

/// A zip that inflates far beyond its size is refused before any of it is inflated.
fn check_zip(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<(), AppError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| refuse(format!("Tệp «{file_name}» hỏng: không đọc được cấu trúc nén (zip)")))?;
    let (mut packed, mut unpacked) = (0u64, 0u64);
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|_| refuse(format!("Tệp «{file_name}» hỏng: mục nén số {i} lỗi")))?;
        packed += f.compressed_size();
        unpacked += f.size();
    }
    if unpacked > limits.max_unzipped_bytes || unpacked > packed.max(1) * limits.max_zip_ratio {
        return Err(refuse(format!(
            "Tệp «{file_name}» bị từ chối: nội dung giải nén ({} MB) lớn bất thường so với tệp — có thể là «bom nén»",
            unpacked / (1024 * 1024)
        )));
    }
    Ok(())
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            d.as_date().map(Cell::Date).unwrap_or_else(|| Cell::Text(d.to_string()))
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("#{e:?}")),
    }
}

/// Reads the sheets of a workbook, at most `max_rows` rows of each.
fn read_calamine(
    bytes: &[u8],
    file_name: &str,
    format: Format,
    limits: &Limits,
    max_rows: usize,
) -> Result<Vec<Sheet>, AppError> {
    let bad = |e: String| unreadable(file_name, &e);
    let cursor = Cursor::new(bytes);
    let mut out = vec![];
    match format {
        Format::Xlsx => {
            let mut wb = open_xlsx(bytes, file_name)?;
            let mut scanned = merges::by_sheet(bytes).unwrap_or_default();
            let (names, others) = worksheets(wb.sheets_metadata());
            out.extend(others);
            for name in names {
                let merges: Vec<Merge> = scanned.remove(&name).unwrap_or_else(|| {
                    wb.merge_cells_by_sheet_name(&name).unwrap_or_default().iter().map(merge_of).collect()
                });
                let mut rows: Vec<(u32, Vec<Cell>)> = vec![];
                let by_font = xlsx_rows(
                    &mut wb,
                    file_name,
                    &name,
                    limits,
                    |_| {},
                    |r, cells| {
                        rows.push((r, cells));
                        Ok(rows.len() < max_rows)
                    },
                )?;
                out.push(Sheet { name, rows, merges, encoding: by_font.unwrap_or(Legacy::Unicode), not_a_table: None });
            }
        }
        Format::Xls | Format::Ods | Format::Xlsb => {
            if format == Format::Ods && ods_encrypted(bytes) {
                return Err(encrypted(file_name));
            }
            let mut wb = calamine::open_workbook_auto_from_rs(cursor).map_err(|e| bad(e.to_string()))?;
            let (names, others) = worksheets(wb.sheets_metadata());
            out.extend(others);
            for name in names {
                let range = wb.worksheet_range(&name).map_err(|e| bad(e.to_string()))?;
                let (h, w) = range.get_size();
                check_dimensions(file_name, &name, h as u64, w as u64, limits)?;
                let start = range.start().unwrap_or((0, 0));
                let mut rows = vec![];
                for (i, row) in range.rows().enumerate() {
                    let mut cells: Vec<Cell> = vec![Cell::Empty; start.1 as usize];
                    cells.extend(row.iter().take(limits.max_columns as usize).map(cell_of));
                    while cells.last().is_some_and(Cell::is_empty) {
                        cells.pop();
                    }
                    if !cells.is_empty() {
                        rows.push((start.0 + i as u32, cells));
                    }
                }
                let merges = match &mut wb {
                    calamine::Sheets::Xls(x) => {
                        x.merge_cells_by_sheet_name(&name).unwrap_or_default().iter().map(merge_of).collect()
                    }
                    _ => vec![],
                };
                out.push(Sheet { name, rows, merges, encoding: Legacy::Unicode, not_a_table: None });
            }
        }
        Format::Csv => unreachable!("CSV is read by read_csv"),
    }
    if out.iter().all(|s| s.not_a_table.is_some()) {
        return Err(refuse(format!("Tệp «{file_name}» không có trang bảng tính nào (chỉ có biểu đồ hay macro)")));
    }
    Ok(out)
}

/// The workbook's worksheets by name, and its other sheets — charts, macros, dialogs — as sheets
/// without rows that say what they are (they hold no table, and reading them as one fails).
fn worksheets(meta: &[calamine::Sheet]) -> (Vec<String>, Vec<Sheet>) {
    let mut names = vec![];
    let mut others = vec![];
    for s in meta {
        let what = match s.typ {
            calamine::SheetType::WorkSheet => {
                names.push(s.name.clone());
                continue;
            }
            calamine::SheetType::ChartSheet => "trang biểu đồ",
            calamine::SheetType::MacroSheet | calamine::SheetType::Vba => "trang macro",
            calamine::SheetType::DialogSheet => "trang hộp thoại",
        };
        others.push(Sheet {
            name: s.name.clone(),
            rows: vec![],
            merges: vec![],
            encoding: Legacy::Unicode,
            not_a_table: Some(what),
        });
    }
    (names, others)
}

/// An OpenDocument file encrypted with a password: its manifest describes the encryption.
fn ods_encrypted(bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return false };
    let Ok(f) = zip.by_name("META-INF/manifest.xml") else { return false };
    let mut manifest = vec![];
    let _ = f.take(1024 * 1024).read_to_end(&mut manifest);
    memchr::memmem::find(&manifest, b"encryption-data").is_some()
}

fn merge_of(d: &calamine::Dimensions) -> Merge {
    Merge { first_row: d.start.0, first_col: d.start.1, last_row: d.end.0, last_col: d.end.1 }
}

fn check_dimensions(file: &str, sheet: &str, rows: u64, cols: u64, limits: &Limits) -> Result<(), AppError> {
    if rows.saturating_mul(cols.min(limits.max_columns as u64)) > limits.max_cells * 4 {
        return Err(refuse(format!(
            "Trang «{sheet}» của tệp «{file}» khai báo {rows} dòng × {cols} cột, quá giới hạn {} ô",
            limits.max_cells
        )));
    }
    Ok(())
}

/// CSV as offices save it: UTF-8 with or without BOM, else Windows-1258 or Windows-1252; comma,
/// semicolon or tab between fields.
fn read_csv(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Sheet, AppError> {
    let text = decode_text(bytes);
    // Decided over the first lines, not the first alone: a title line above the table has none.
    let head: Vec<&str> = text.lines().take(20).collect();
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| head.iter().map(|l| l.bytes().filter(|b| b == d).count()).sum::<usize>())
        .unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = vec![];
    let mut count = 0u64;
    // The line in the file, as a spreadsheet numbers it: the reader passes over blank lines (and
    // its own line count skips them too), so lines are counted up to each record's first byte.
    let (mut line, mut counted_to) = (0usize, 0usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| refuse(format!("Tệp «{file_name}», dòng {}: {e}", line + 1)))?;
        let mut start = record.position().map(|p| p.byte() as usize).unwrap_or(counted_to).min(text.len());
        // A record's position is where the reader started looking, before the blank lines it passed.
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start.max(counted_to)].iter().filter(|b| **b == b'\n').count();
        counted_to = start.max(counted_to);
        let i = if record.position().is_some() { line } else { i };
        let cells: Vec<Cell> = record
            .iter()
            .take(limits.max_columns as usize)
            .map(|f| if f.trim().is_empty() { Cell::Empty } else { Cell::Text(f.to_string()) })
            .collect();
        count += cells.len() as u64;
        if count > limits.max_cells {
            return Err(refuse(format!("Tệp «{file_name}» có quá {} ô dữ liệu", limits.max_cells)));
        }
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push((i as u32, cells));
        }
    }
    Ok(Sheet { name: "CSV".into(), rows, merges: vec![], encoding: Legacy::Unicode, not_a_table: None })
}

pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let (cp1258, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
    let cp1258: String = cp1258.nfc().collect();
    // Windows-1258 spells ă, đ, ơ, ư and the tone marks with bytes that Windows-1252 reads as
    // symbols: a text that gains such letters under 1258 was written in it.
    let vietnamese = cp1258
        .chars()
        .filter(|c| matches!(c, 'ă' | 'Ă' | 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư') || (*c as u32) > 0x1E00)
        .count();
    if vietnamese > 0 {
        return cp1258;
    }
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    cp1252.into_owned()
}

/// Converts the sheet's text from its legacy encoding, if it has one, and normalises it to NFC.
/// An .xlsx's cells in legacy fonts are converted already, as they were read.
fn convert_text(sheet: &mut Sheet, font: Option<Legacy>) {
    let texts = sheet.rows.iter().flat_map(|(_, cells)| cells.iter().filter_map(Cell::text));
    let encoding = legacy::detect_with_font(texts, font);
    if sheet.encoding == Legacy::Unicode {
        sheet.encoding = encoding;
    }
    for (_, cells) in &mut sheet.rows {
        convert_cells(cells, encoding);
    }
}
