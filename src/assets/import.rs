//! Importing a register from a workbook (nhập sổ tài sản từ Excel). The preview and the import are
//! the same run: the preview's transaction is rolled back, the import's kept — so the preview shows
//! exactly what the import will do. Each row goes through the same validation as a form or the API.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{asset_categories, assets, import_layouts, import_rows, imports, org_units, tasks};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::{self, Cell, Limits};
use crate::import::spec::{ColumnKind, Spec};
use crate::import::table::{self, Table};
pub use crate::import::{Counts, Outcome, Problem};
use crate::input::Input;
use crate::text::{self, fold};

/// What becomes of a row without a code that matches an asset already in the register (same unit,
/// name, cost and acquisition date): a possible duplicate (có thể trùng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Duplicates {
    /// Stop at it: the person chooses (a strict import saves nothing).
    Ask,
    /// Bỏ qua: the register keeps its record.
    Skip,
    /// Cập nhật: the row's values go onto the existing record.
    Update,
    /// Vẫn thêm mới: it is another asset of the same description.
    Create,
}

impl Duplicates {
    pub fn parse(s: &str) -> Option<Duplicates> {
        match s {
            "ask" => Some(Duplicates::Ask),
            "skip" => Some(Duplicates::Skip),
            "update" => Some(Duplicates::Update),
            "create" => Some(Duplicates::Create),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Duplicates::Ask => "ask",
            Duplicates::Skip => "skip",
            Duplicates::Update => "update",
            Duplicates::Create => "create",
        }
    }

    pub const CHOICES: &'static [(&'static str, &'static str)] = &[
        ("ask", "Dừng lại để tôi chọn"),
        ("skip", "Bỏ qua dòng đó"),
        ("update", "Cập nhật tài sản đã có"),
        ("create", "Vẫn thêm mới"),
    ];
}

/// The register's columns: keys, labels, kinds and the headers offices give them
/// (`imports/columns/assets.json`).
pub fn spec() -> &'static Spec {
    crate::column_spec!("assets.json")
}

/// What an import of registers is called in its record.
pub const KIND: &str = "assets";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Chỉ thêm mới: a code already in the register is an error.
    Create,
    /// Chỉ cập nhật: every row must name an asset already in the register.
    Update,
    /// Thêm mới hoặc cập nhật theo mã.
    Upsert,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "create" | "them-moi" => Some(Mode::Create),
            "update" | "cap-nhat" => Some(Mode::Update),
            "upsert" | "ca-hai" => Some(Mode::Upsert),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Mode::Create => "create",
            Mode::Update => "update",
            Mode::Upsert => "upsert",
        }
    }
}

pub use crate::progress::Progress;

/// What a name in the unit column that no unit bears becomes (tên đơn vị chưa có trong danh mục):
/// offices name their own sections and places there (Phòng thí nghiệm, Trại thực nghiệm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameChoice {
    /// An existing unit the name means.
    Unit(i32),
    /// A new section (bộ phận) of the file's unit, created by the import.
    Section,
    /// The file's unit, with the name as the asset's location (vị trí).
    Location,
}

impl NameChoice {
    pub fn parse(s: &str) -> Option<NameChoice> {
        match s {
            "section" | "create" => Some(NameChoice::Section),
            "location" => Some(NameChoice::Location),
            other => other.strip_prefix("unit:").and_then(|id| id.parse().ok()).map(NameChoice::Unit),
        }
    }

    pub fn code(self) -> String {
        match self {
            NameChoice::Unit(id) => format!("unit:{id}"),
            NameChoice::Section => "section".into(),
            NameChoice::Location => "location".into(),
        }
    }
}

/// A name of the unit column that no unit bears, and the rows that give it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnknownName {
    pub name: String,
    pub rows: usize,
    /// The first rows that give it, as Excel numbers them.
    pub first_rows: Vec<u32>,
    /// The units whose names are closest.
    pub close: Vec<String>,
}

/// Rows without a category for which the same category was guessed from their names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuessGroup {
    pub category_id: i32,
    /// «code — name».
    pub category: String,
    pub rows: usize,
    /// A few of the names it was guessed from.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// A blank cell clears the stored value (else it keeps it). Matters for updates only.
    pub clear_blanks: bool,
    /// Nothing is saved unless every row is valid.
    pub strict: bool,
    pub sheet: Option<String>,
    /// The custodian unit of rows that name none — the file's unit, whose sections unknown names
    /// may become.
    pub default_unit: Option<i32>,
    /// What names of the unit column that no unit bears become, by the name as the file writes it.
    pub names: Vec<(String, NameChoice)>,
    /// The category of rows that give none (chosen for the whole file).
    pub default_category: Option<i32>,
    /// The categories guessed from the names of rows that give none are confirmed.
    pub accept_guesses: bool,
    /// Corrections of the column mapping: column index → field (None: ignore the column).
    pub mapping: BTreeMap<u32, Option<String>>,
    /// The same by the column's header as the file writes it (the command line's `--map`).
    pub map_headers: Vec<(String, Option<String>)>,
    /// Corrections of cells made in the preview.
    pub fixes: Vec<crate::import::fixes::Fix>,
    /// Corrections as the command line's `--fix` file writes them (columns by header or letter).
    pub fix_text: Option<String>,
    /// The date a "hao mòn lũy kế" / "giá trị còn lại" column is as of (default: the latest 31/12).
    pub wear_as_of: Option<NaiveDate>,
    /// Import a file that was imported before.
    pub allow_duplicate: bool,
    /// Rows without a code that match an asset already in the register.
    pub duplicates: Duplicates,
    /// Control characters in a cell are removed (and the row says so) instead of refusing the row.
    pub strip_controls: bool,
    pub progress: Progress,
    /// What the reader takes on: an upload's limits by default; the command line reads larger files.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Mode::Upsert,
            clear_blanks: false,
            strict: true,
            sheet: None,
            default_unit: None,
            names: vec![],
            default_category: None,
            accept_guesses: false,
            mapping: BTreeMap::new(),
            map_headers: vec![],
            fixes: vec![],
            fix_text: None,
            wear_as_of: None,
            allow_duplicate: false,
            duplicates: Duplicates::Ask,
            strip_controls: false,
            progress: Progress::default(),
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowReport {
    pub excel_row: u32,
    pub outcome: Outcome,
    pub code: Option<String>,
    pub name: Option<String>,
    pub asset_id: Option<i32>,
    /// Why a row was skipped.
    pub reason: Option<String>,
    /// Skipped as a subtotal or section although it carries figures that add up to nothing: the
    /// person must look at it.
    pub warning: bool,
    pub errors: Vec<Problem>,
    /// The row's cells as read, kept for a row that failed: the errors workbook is written from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<Cell>,
    /// The asset as it was before an update, to undo the import.
    #[serde(skip)]
    pub before: Option<Value>,
    /// The asset's version after the import, to tell later whether it has changed since.
    #[serde(skip)]
    pub asset_version: Option<i32>,
    /// The asset the row created, as it stood after the import (its record in the import's rows
    /// is its creation's evidence).
    #[serde(skip)]
    pub after: Option<super::Asset>,
    /// What the row says, as the preview shows it: unit, category, cost, acquisition date.
    pub values: Option<RowValues>,
    /// The asset already in the register this row without a code may be.
    pub duplicate_of: Option<RowValues>,
    /// The columns whose control characters were removed (`strip_controls`).
    pub cleaned: Vec<String>,
    /// The category guessed from the name (confirmed, or waiting to be).
    #[serde(default)]
    pub guessed: Option<String>,
}

/// A row's or an asset's values as a person compares them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowValues {
    pub asset_id: Option<i32>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit: String,
    pub category: String,
    pub original_cost: Option<i64>,
    pub acquired_on: String,
}

impl RowReport {
    fn skipped(excel_row: u32, reason: String) -> RowReport {
        RowReport {
            excel_row,
            outcome: Outcome::Skip,
            code: None,
            name: None,
            asset_id: None,
            reason: Some(reason),
            warning: false,
            errors: vec![],
            before: None,
            asset_version: None,
            after: None,
            values: None,
            duplicate_of: None,
            cleaned: vec![],
            guessed: None,
            source: vec![],
        }
    }
}

/// What the register's import reports beside the pipeline's one report (`import::report::Report`,
/// whose rows here are `RowReport`s): the encoding, the choices made and the groups to decide.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Register {
    /// The text encoding found ("TCVN3 (ABC)", "VNI-Windows", …); its text was converted.
    pub encoding: String,
    /// Sheets of the workbook that hold no table (charts, macros): not read.
    pub other_sheets: Vec<String>,
    /// Rows not kept in `rows` (a large file's rows that imported without a problem): the rows shown
    /// are those of a file up to a few thousand, and its errors; every row's outcome is kept in
    /// `import_rows` all the same.
    pub rows_left_out: usize,
    /// An earlier import of the same file: (id, when, by whom).
    pub previous: Option<(i32, String, String)>,
    pub mode: Mode,
    pub strict: bool,
    /// What rows that may duplicate a registered asset become.
    pub duplicates: Duplicates,
    /// The column mapping was corrected by a person before, for files of this layout.
    pub remembered_mapping: bool,
    /// Names of the unit column no unit bears, each with its rows, in the order first met.
    #[serde(default)]
    pub unknown_names: Vec<UnknownName>,
    /// The choices made for such names (chosen now, or remembered for this layout).
    #[serde(default)]
    pub names: Vec<(String, NameChoice)>,
    /// The choices were remembered from an earlier import of this layout.
    #[serde(default)]
    pub remembered_names: bool,
    /// Sections (bộ phận) the import makes, by name.
    #[serde(default)]
    pub sections: Vec<String>,
    /// Categories guessed from names, by category.
    #[serde(default)]
    pub guesses: Vec<GuessGroup>,
    #[serde(default)]
    pub accept_guesses: bool,
    #[serde(default)]
    pub default_category: Option<i32>,
}

/// The register's report: the pipeline's one report, with its rows as the register shows them.
pub type Report = crate::import::report::Report<RowReport, Register>;

/// A route naming an import reaches the units it touches.
pub const REACH: crate::web::Reach = crate::web::Reach::Record(units_of);

/// The units an import touches (`web::Reach`): those of the assets its rows wrote, and the unit of
/// the person who ran it (so a clerk's own refused import stays theirs).
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    let actor: Option<String> = imports::table.find(id).select(imports::actor).first(conn).optional()?;
    let Some(actor) = actor else { return Ok(None) };
    let ids: Vec<i32> = import_rows::table
        .filter(import_rows::import_id.eq(id))
        .filter(import_rows::asset_id.is_not_null())
        .select(import_rows::asset_id.assume_not_null())
        .load(conn)?;
    let mut units = super::units_of_assets(conn, &ids)?;
    units.extend(person_unit(conn, &actor)?);
    units.sort_unstable();
    units.dedup();
    Ok(Some(units))
}

/// The unit of the person of that name, if they belong to one.
pub fn person_unit(conn: &mut DbConn, username: &str) -> AppResult<Option<i32>> {
    use crate::db::schema::users;
    Ok(users::table.filter(users::username.eq(username)).select(users::unit_id).first(conn).optional()?.flatten())
}

/// Reads the table and applies the caller's corrections of the mapping.
pub fn read_table(bytes: &[u8], file_name: &str, options: &Options) -> AppResult<Table> {
    let sheets = excel::heads(bytes, file_name, &options.limits)?;
    let mut table = table::find(&sheets, options.sheet.as_deref(), spec())?;
    for (header, field) in &options.map_headers {
        if let Some(f) = field.as_deref().filter(|f| spec().column(f).is_none()) {
            return Err(AppError::invalid(
                "map",
                format!(
                    "«{f}» không phải trường của sổ tài sản; dùng một trong: {}",
                    spec().keys().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let wanted = fold(header);
        let column = table.columns.iter_mut().find(|c| {
            let h = fold(&c.header);
            h == wanted || h.rsplit(" / ").next() == Some(wanted.as_str())
        });
        let Some(column) = column else {
            return Err(AppError::invalid(
                "map",
                format!(
                    "Trang «{}» không có cột «{header}»; các cột: {}",
                    table.sheet,
                    table.columns.iter().map(|c| format!("«{}»", c.header)).collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        column.field = field.clone();
    }
    for (index, field) in &options.mapping {
        if let Some(c) = table.columns.iter_mut().find(|c| c.index == *index) {
            c.field = field.clone();
        }
    }
    Ok(table)
}

/// Lookups of what rows name by code or name: units, categories (and classes), tasks.
struct Names {
    units: Vec<(i32, String, Vec<String>)>,
    categories: Vec<(i32, String, Vec<String>)>,
    tasks: Vec<(i32, String, Vec<String>)>,
}

impl Names {
    fn load(conn: &mut DbConn) -> AppResult<Names> {
        let units: Vec<(i32, String, String, String)> = org_units::table
            .select((org_units::id, org_units::code, org_units::name, org_units::short_name))
            .load(conn)?;
        let mut cats: Vec<(i32, String, String, Option<String>)> = asset_categories::table
            .select((
                asset_categories::id,
                asset_categories::code,
                asset_categories::name,
                asset_categories::national_code,
            ))
            .order(asset_categories::id)
            .load(conn)?;
        // A name both a unit's category and a national node bear («Đất») means the unit's, which
        // refines the node; among nodes of one name («Máy in» under 601, 60201, 60301) the most
        // general, the shortest code.
        cats.sort_by_key(|(_, code, _, national)| {
            let node = national.as_deref() == Some(code.as_str());
            (node, if node { code.len() } else { 0 }, code.clone())
        });
        let cats: Vec<(i32, String, String)> = cats.into_iter().map(|(id, c, n, _)| (id, c, n)).collect();
        let tasks: Vec<(i32, String, String)> =
            tasks::table.select((tasks::id, tasks::code, tasks::title)).load(conn)?;
        Ok(Names {
            units: units.into_iter().map(|(id, c, n, s)| (id, n.clone(), vec![fold(&c), fold(&n), fold(&s)])).collect(),
            categories: cats.into_iter().map(|(id, c, n)| (id, n.clone(), vec![fold(&c), fold(&n)])).collect(),
            tasks: tasks.into_iter().map(|(id, c, t)| (id, t.clone(), vec![fold(&c), fold(&t)])).collect(),
        })
    }

    /// The id named by `value`, or the closest names to suggest.
    fn find(&self, list: &[(i32, String, Vec<String>)], value: &str) -> Result<i32, Vec<String>> {
        let v = fold(value);
        if let Some((id, _, _)) = list.iter().find(|(_, _, keys)| keys.contains(&v)) {
            return Ok(*id);
        }
        let mut scored: Vec<(usize, &String)> = list
            .iter()
            .map(|(_, name, keys)| (keys.iter().map(|k| distance(k, &v)).min().unwrap_or(usize::MAX), name))
            .collect();
        scored.sort();
        Err(scored.into_iter().take(3).map(|(_, n)| n.clone()).collect())
    }
}

/// Edit distance, for suggesting the name a person probably meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A cell as the value `Input` reads, or the reason it cannot be one.
fn value_of(field: &str, cell: &Cell) -> Result<Value, String> {
    let kind = spec().kind(field);
    let date = kind == Some(ColumnKind::Date);
    match (field, cell) {
        (_, c) if c.is_empty() => Ok(Value::Null),
        (_, Cell::Number(n)) if kind == Some(ColumnKind::Money) => {
            if n.fract().abs() > 1e-6 {
                Err(format!("{} không phải số nguyên đồng", cell.display()))
            } else {
                Ok(json!(n.round() as i64))
            }
        }
        (_, Cell::Number(n)) if date => {
            let y = n.round() as i64;
            if (1900..=2100).contains(&y) && n.fract() == 0.0 {
                Ok(json!(format!("01/01/{y}")))
            } else {
                Err(format!("{} không phải ngày hay năm", cell.display()))
            }
        }
        (_, Cell::Text(t)) if date && t.trim().len() == 4 && t.trim().parse::<i32>().is_ok() => {
            Ok(json!(format!("01/01/{}", t.trim())))
        }
        (_, Cell::Date(d)) => Ok(json!(d.format("%Y-%m-%d").to_string())),
        (_, Cell::Number(n)) if n.fract() == 0.0 => Ok(json!(*n as i64)),
        (_, Cell::Number(n)) => Ok(json!(n)),
        (_, Cell::Bool(b)) => Ok(json!(b)),
        (_, Cell::Error(e)) => Err(format!("ô lỗi công thức {e}")),
        (_, Cell::Text(t)) => Ok(json!(t.trim())),
        (_, Cell::Empty) => Ok(Value::Null),
    }
}

fn kind_of(text: &str) -> Option<&'static str> {
    let t = fold(text);
    if t.contains("ket qua") {
        Some("ket_qua")
    } else if t.contains("trang bi") {
        Some("trang_bi")
    } else {
        None
    }
}

/// How many rows are checked and written together: one lookup of their codes, one insert.
const BATCH: usize = 500;
/// How many rows a report keeps to show beyond its errors; every row is in `import_rows`.
const REPORT_ROWS: usize = 5_000;
/// How many rows with errors a report keeps to show.
const REPORT_ERRORS: usize = 20_000;

/// A data row read into the values `Input` takes, with the problems found on the way.
struct Prepared {
    excel_row: u32,
    values: Map<String, Value>,
    /// The row's cells, to quote the one a message is about.
    cells: Vec<Cell>,
    errors: Vec<Problem>,
    code: Option<String>,
    name: Option<String>,
    /// The columns whose control characters were removed.
    cleaned: Vec<String>,
    /// The category guessed from the name.
    guessed: Option<String>,
}

/// A row on its way from the stager to the writer.
enum Staged {
    /// A skipped row's outcome, boxed: most rows are data, and the channel carries batches of them.
    Skip(Box<RowReport>),
    Data {
        row: Prepared,
        /// The row checked as a new asset, when it may be one (not in update-only mode, no error so
        /// far): whether it is one is known only once the writer has looked its code up.
        new: Option<Result<Box<super::Checked>, Vec<Problem>>>,
    },
}

/// Whether the row's cell of `field` holds something (a category written but not found is an
/// error of its own, never a reason to guess).
fn columns_hold(columns: &[table::Column], cells: &[Cell], field: &str) -> bool {
    columns
        .iter()
        .find(|c| c.field.as_deref() == Some(field))
        .and_then(|c| cells.get(c.index as usize))
        .is_some_and(|c| !c.is_empty())
}

fn header_of(columns: &[table::Column], field: &str) -> String {
    columns.iter().find(|c| c.field.as_deref() == Some(field)).map(|c| c.header.clone()).unwrap_or("—".into())
}

/// The errors a row's checked fields gave, under the columns they came from.
fn field_errors(columns: &[table::Column], err: AppError, cells: &[Cell]) -> AppResult<Vec<Problem>> {
    let cell = |field: &str| {
        let col = columns.iter().find(|c| c.field.as_deref() == Some(field));
        col.and_then(|c| cells.get(c.index as usize)).map(|c| text::printable(&c.display())).unwrap_or_default()
    };
    match err {
        AppError::Invalid(fields) => Ok(fields
            .into_iter()
            .map(|(field, reason)| {
                let source = match field.as_str() {
                    "unit_id" => "unit",
                    "category_id" => "category",
                    "task_id" => "task",
                    f => f,
                };
                Problem {
                    sheet: String::new(),
                    row: 0,
                    column: header_of(columns, source),
                    value: cell(source),
                    message: reason,
                }
            })
            .collect()),
        e @ AppError::Forbidden(_) => Ok(vec![Problem {
            sheet: String::new(),
            row: 0,
            column: header_of(columns, "unit"),
            value: cell("unit"),
            message: e.to_string(),
        }]),
        e => Err(e),
    }
}

/// The first half of an import, on a core of its own: the rows sorted, read into values, what they
/// name looked up, their codes compared within the file, and the new assets checked — all that
/// needs no database — while the writer writes the rows before them.
struct Stager<'a> {
    options: &'a Options,
    scope: &'a Scope,
    columns: &'a [table::Column],
    names: Names,
    checker: super::Checker,
    wear_as_of: NaiveDate,
    /// Codes seen in the file, by a 64-bit hash of the folded code (a million codes in 16 MB rather
    /// than 70; two different codes share a hash with odds of one in 10^10 at that size), and the
    /// row each was first seen on.
    seen_codes: HashMap<u64, u32>,
    /// The choices for unknown names, by the folded name.
    chosen: HashMap<String, NameChoice>,
    /// Unknown names met so far, by the folded name, in the order first met.
    unknown: Vec<(String, UnknownName)>,
    guesser: super::guess::Guesser,
    guesses: Vec<GuessGroup>,
    fixes: crate::import::fixes::Fixes,
}

/// What the stager found beside the rows.
struct Staging {
    encoding: crate::text::legacy::Legacy,
    rows_read: usize,
    unknown: Vec<UnknownName>,
    guesses: Vec<GuessGroup>,
    fixes: Vec<crate::import::fixes::Applied>,
}

impl Stager<'_> {
    /// Streams the sheet and hands the staged rows on, a batch at a time.
    fn run(
        mut self,
        bytes: &[u8],
        file_name: &str,
        table: &Table,
        rows_total: &std::sync::atomic::AtomicUsize,
        to_writer: std::sync::mpsc::SyncSender<Vec<Staged>>,
    ) -> AppResult<Staging> {
        let last_header = *table.header_rows.last().unwrap_or(&0) as usize;
        let mut batch = Vec::with_capacity(BATCH);
        // The writer stopped (it failed, and says why itself).
        let stopped = || AppError::Internal("quá trình ghi đã dừng".into());
        let mut fixes = std::mem::take(&mut self.fixes);
        let (encoding, rows_read) = table.read_rows(
            (bytes, file_name),
            &self.options.limits,
            spec(),
            &mut fixes,
            |declared| {
                rows_total.store((declared as usize).saturating_sub(last_header), std::sync::atomic::Ordering::Relaxed)
            },
            |row| {
                batch.push(self.stage(row)?);
                if batch.len() >= BATCH {
                    to_writer.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).map_err(|_| stopped())?;
                }
                Ok(())
            },
        )?;
        to_writer.send(batch).map_err(|_| stopped())?;
        Ok(Staging {
            encoding,
            rows_read,
            unknown: self.unknown.into_iter().map(|(_, u)| u).collect(),
            guesses: self.guesses,
            fixes: fixes.applied(),
        })
    }

    fn stage(&mut self, row: table::TableRow) -> AppResult<Staged> {
        let mut prepared = match row.kind {
            table::RowKind::Skip(reason) => {
                return Ok(Staged::Skip(Box::new(RowReport::skipped(row.excel_row, reason))))
            }
            table::RowKind::Warn(reason) => {
                let mut report = RowReport::skipped(row.excel_row, reason);
                report.warning = true;
                if self.options.strict {
                    // A strict import stops on it: nothing is saved until the person has looked.
                    report.outcome = Outcome::Error;
                    report.errors = vec![Problem {
                        sheet: String::new(),
                        row: 0,
                        column: header_of(self.columns, "name"),
                        value: row
                            .cells
                            .iter()
                            .filter(|c| !c.is_empty())
                            .map(Cell::display)
                            .collect::<Vec<_>>()
                            .join(" | "),
                        message: report.reason.take().unwrap_or_default(),
                    }];
                    report.source = row.cells;
                }
                return Ok(Staged::Skip(Box::new(report)));
            }
            table::RowKind::Data => self.prepare(row.excel_row, row.cells),
        };
        if let Some(c) = &prepared.code {
            match self.seen_codes.entry(code_key(c)) {
                std::collections::hash_map::Entry::Occupied(first) => prepared.errors.push(Problem {
                    sheet: String::new(),
                    row: 0,
                    column: header_of(self.columns, "code"),
                    value: c.clone(),
                    message: format!("mã trùng với dòng {} trong cùng tệp", first.get()),
                }),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(prepared.excel_row);
                }
            }
        }
        let new = match self.options.mode {
            Mode::Update => None,
            _ if !prepared.errors.is_empty() => None,
            mode => {
                // In upsert mode, or without a code (it may be a duplicate the person updates), the
                // row may turn out to update an asset: its values are kept for that.
                let keep = mode == Mode::Upsert || prepared.code.is_none();
                let values = if keep { prepared.values.clone() } else { std::mem::take(&mut prepared.values) };
                let mut input = Input::from_json(Value::Object(values))?;
                let checked = super::check_fields(&mut input, &self.checker, &mut |_| Ok(false)).and_then(|c| {
                    self.scope.check_edit(c.unit_id())?;
                    Ok(c)
                });
                Some(match checked {
                    Ok(c) => Ok(Box::new(c)),
                    Err(e) => Err(field_errors(self.columns, e, &prepared.cells)?),
                })
            }
        };
        Ok(Staged::Data { row: prepared, new })
    }

    /// One more row whose category was guessed as `id`.
    fn count_guess(&mut self, id: i32, label: &str, name: &str) {
        let at = match self.guesses.iter().position(|g| g.category_id == id) {
            Some(at) => at,
            None => {
                self.guesses.push(GuessGroup {
                    category_id: id,
                    category: label.to_string(),
                    rows: 0,
                    examples: vec![],
                });
                self.guesses.len() - 1
            }
        };
        let group = &mut self.guesses[at];
        group.rows += 1;
        if group.examples.len() < 3 {
            group.examples.push(name.to_string());
        }
    }

    /// A data row's cells as values, what they name turned into ids, derived values filled in.
    fn prepare(&mut self, excel_row: u32, mut cells: Vec<Cell>) -> Prepared {
        let mut errors: Vec<Problem> = vec![];
        let mut values: Map<String, Value> = Map::new();
        let mut cleaned = vec![];
        if self.options.strip_controls {
            for col in self.columns.iter().filter(|c| c.field.is_some()) {
                if let Some(Cell::Text(t)) = cells.get_mut(col.index as usize) {
                    if crate::text::control_char(t).is_some() {
                        *t = crate::text::without_controls(t);
                        cleaned.push(col.header.clone());
                    }
                }
            }
        }
        for col in self.columns {
            let Some(field) = col.field.as_deref() else { continue };
            let cell = cells.get(col.index as usize).unwrap_or(&Cell::Empty);
            match value_of(field, cell) {
                Ok(v) => {
                    values.insert(field.to_string(), v);
                }
                Err(reason) => errors.push(Problem {
                    sheet: String::new(),
                    row: 0,
                    column: col.header.clone(),
                    value: cell.display(),
                    message: reason,
                }),
            }
        }
        let text_of = |v: &Map<String, Value>, k: &str| {
            v.get(k).and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_i64().map(|n| n.to_string())))
        };
        let code = text_of(&values, "code");
        let name = text_of(&values, "name");
        // What the row names, by code or name, turned into ids.
        for (field, key, list) in [
            ("unit", "unit_id", &self.names.units),
            ("category", "category_id", &self.names.categories),
            ("task", "task_id", &self.names.tasks),
        ] {
            if let Some(v) = text_of(&values, field) {
                let found = self.names.find(list, &v);
                // A choice is looked up only for a name no unit bears (the common row pays nothing).
                let chosen = match (&found, field) {
                    (Err(_), "unit") if !self.chosen.is_empty() => self.chosen.get(&fold(&v)).copied(),
                    _ => None,
                };
                match (found, chosen) {
                    (Ok(id), _) | (Err(_), Some(NameChoice::Unit(id))) => {
                        values.insert(key.into(), json!(id));
                    }
                    (Err(_), Some(NameChoice::Location | NameChoice::Section)) => {
                        // The file's unit, the name where the asset is («Phòng thí nghiệm, tủ 2»).
                        // A section was made before the rows were read: it is found by name above.
                        if let Some(u) = self.options.default_unit.or(self.scope.unit) {
                            values.insert(key.into(), json!(u));
                        }
                        let place = match text_of(&values, "location") {
                            Some(l) if !l.is_empty() => format!("{v}, {l}"),
                            _ => v.clone(),
                        };
                        values.insert("location".into(), json!(place));
                    }
                    (Err(close), None) if field == "unit" => {
                        let key = fold(&v);
                        let at = match self.unknown.iter().position(|(k, _)| *k == key) {
                            Some(at) => at,
                            None => {
                                let name =
                                    UnknownName { name: v.clone(), rows: 0, first_rows: vec![], close: close.clone() };
                                self.unknown.push((key, name));
                                self.unknown.len() - 1
                            }
                        };
                        let group = &mut self.unknown[at].1;
                        group.rows += 1;
                        if group.first_rows.len() < 5 {
                            group.first_rows.push(excel_row);
                        }
                        errors.push(Problem {
                            sheet: String::new(),
                            row: 0,
                            column: header_of(self.columns, field),
                            value: v.clone(),
                            message: format!(
                                "không có trong danh mục đơn vị{}: chọn ở mục «Tên đơn vị chưa có» một đơn vị đã có, \
                                 một bộ phận mới của đơn vị của tệp, hay ghi tên này vào vị trí",
                                if close.is_empty() {
                                    String::new()
                                } else {
                                    format!("; gần nhất: {}", close.join("; "))
                                }
                            ),
                        })
                    }
                    (Err(close), _) => errors.push(Problem {
                        sheet: String::new(),
                        row: 0,
                        column: header_of(self.columns, field),
                        value: v.clone(),
                        message: if close.is_empty() {
                            "không có trong danh mục (danh mục chưa có mục nào)".to_string()
                        } else {
                            format!("không có trong danh mục; gần nhất: {}", close.join("; "))
                        },
                    }),
                }
            }
            values.remove(field);
        }
        if !values.contains_key("unit_id") {
            if let Some(u) = self.options.default_unit {
                values.insert("unit_id".into(), json!(u));
            }
        }
        let mut guessed = None;
        if !values.contains_key("category_id") && !columns_hold(self.columns, &cells, "category") {
            // A row without a category: the guess from its name when the person confirmed the
            // guesses, else the category chosen for the file, else the guess is offered and the
            // row waits for it.
            let guess = name.as_deref().and_then(|n| self.guesser.guess(n)).map(|(id, l)| (id, l.to_string()));
            if let Some((id, label)) = &guess {
                self.count_guess(*id, label, name.as_deref().unwrap_or_default());
            }
            match (guess, self.options.default_category) {
                (Some((id, label)), _) if self.options.accept_guesses => {
                    values.insert("category_id".into(), json!(id));
                    guessed = Some(label);
                }
                (_, Some(c)) => {
                    values.insert("category_id".into(), json!(c));
                }
                (Some((_, label)), None) => {
                    errors.push(Problem {
                        sheet: String::new(),
                        row: 0,
                        column: header_of(self.columns, "category"),
                        value: String::new(),
                        message: format!(
                            "chưa có nhóm tài sản; đoán theo tên là «{label}»: xác nhận các nhóm đoán, hoặc chọn \
                             một nhóm cho các dòng không ghi nhóm"
                        ),
                    });
                    guessed = Some(label);
                }
                (None, None) => {}
            }
        }
        if let Some(k) = text_of(&values, "task_asset_kind") {
            values.insert("task_asset_kind".into(), kind_of(&k).map(|k| json!(k)).unwrap_or(json!(k)));
        }
        // Thành tiền = Số lượng × Đơn giá, when the cost itself is not given.
        if let Some(price) = money(&values, "unit_price") {
            let qty = values
                .get("quantity")
                .and_then(|q| q.as_i64().or_else(|| q.as_str().and_then(|s| s.parse().ok())))
                .unwrap_or(1);
            if ["original_cost", "cost_state", "cost_other"].iter().all(|k| values.get(*k).is_none_or(Value::is_null)) {
                values.insert("original_cost".into(), json!(price * qty));
            }
        }
        values.remove("unit_price");
        // Giá trị còn lại given without the wear: the wear is what is gone.
        if let Some(residual) = money(&values, "residual_value") {
            let cost = money(&values, "original_cost").or_else(|| {
                Some(money(&values, "cost_state").unwrap_or(0) + money(&values, "cost_other").unwrap_or(0))
            });
            if values.get("opening_wear").is_none_or(Value::is_null) {
                if let Some(cost) = cost {
                    values.insert("opening_wear".into(), json!((cost - residual).max(0)));
                }
            }
        }
        values.remove("residual_value");
        values.remove("row_number");
        if values.get("opening_wear").is_some_and(|v| !v.is_null()) && !values.contains_key("opening_wear_as_of") {
            values.insert("opening_wear_as_of".into(), json!(self.wear_as_of.format("%Y-%m-%d").to_string()));
        }
        Prepared { excel_row, values, cells, errors, code, name, cleaned, guessed }
    }
}

/// The second half of an import: looks the codes up, writes the new assets and the updates, and
/// records each row's outcome — the database's side, on the caller's thread.
struct Writer<'a> {
    conn: &'a mut DbConn,
    actor: &'a Actor,
    scope: &'a Scope,
    options: &'a Options,
    columns: &'a [table::Column],
    checker: super::Checker,
    report: Report,
    /// The import's rows, sent to be sealed and written as they come back (not for a preview).
    sealing: Option<crate::import::rows::Sealing<super::Asset>>,
    rows_total: &'a std::sync::atomic::AtomicUsize,
}

impl Writer<'_> {
    /// Writes a batch of staged rows: their codes looked up at once, the new assets inserted at
    /// once, each update written on its own.
    fn write(&mut self, batch: Vec<Staged>) -> AppResult<()> {
        let codes: Vec<&String> = batch
            .iter()
            .filter_map(|s| match s {
                Staged::Data { row, .. } => row.code.as_ref(),
                Staged::Skip(_) => None,
            })
            .collect();
        let mut existing: HashMap<String, super::Asset> = HashMap::new();
        if !codes.is_empty() {
            let found: Vec<super::Asset> =
                assets::table.filter(assets::code.eq_any(codes)).select(super::Asset::as_select()).load(self.conn)?;
            existing = found.into_iter().map(|a| (a.code.clone(), a)).collect();
        }
        let alike = self.alike(&batch)?;
        let mut out: Vec<RowReport> = Vec::with_capacity(batch.len());
        let mut creates: Vec<(usize, super::AssetRecord)> = vec![];
        for staged in batch {
            let (mut row, new) = match staged {
                Staged::Skip(report) => {
                    out.push(*report);
                    continue;
                }
                Staged::Data { row, new } => (row, new),
            };
            let current = row.code.as_ref().and_then(|c| existing.get(c));
            match (self.options.mode, current) {
                (Mode::Create, Some(_)) => row.errors.push(Problem {
                    sheet: String::new(),
                    row: 0,
                    column: header_of(self.columns, "code"),
                    value: row.code.clone().unwrap_or_default(),
                    message: "mã đã có trong sổ (chế độ chỉ thêm mới)".into(),
                }),
                (Mode::Update, None) => row.errors.push(Problem {
                    sheet: String::new(),
                    row: 0,
                    column: header_of(self.columns, "code"),
                    value: row.code.clone().unwrap_or_default(),
                    message: "không có tài sản mang mã này trong sổ (chế độ chỉ cập nhật)".into(),
                }),
                _ => {}
            }
            let mut report = RowReport::skipped(row.excel_row, String::new());
            report.code = row.code.clone();
            report.name = row.name.clone();
            report.reason = None;
            report.cleaned = std::mem::take(&mut row.cleaned);
            report.guessed = row.guessed.take();
            // A row without a code that matches an asset of the register.
            let twin = match &new {
                Some(Ok(c)) if current.is_none() => c.identity().and_then(|i| alike.get(&i)),
                _ => None,
            };
            // The values to show: for the rows the report keeps (a large file's quiet rows are in
            // its record only), and always beside a possible duplicate or an error.
            if self.report.rows.len() + out.len() < REPORT_ROWS || twin.is_some() || !row.errors.is_empty() {
                report.values = Some(values_of(self.columns, &row));
            }
            if let Some(twin) = twin {
                report.duplicate_of = Some(asset_values(twin, self.unit_and_category(twin)));
                match self.options.duplicates {
                    Duplicates::Ask => row.errors.push(Problem {
                        sheet: String::new(),
                        row: 0,
                        column: header_of(self.columns, "name"),
                        value: row.name.clone().unwrap_or_default(),
                        message: format!(
                            "có thể trùng với tài sản «{} — {}» đã có trong sổ (cùng đơn vị, tên, nguyên giá, ngày \
                             tăng): chọn bỏ qua, cập nhật tài sản đó hay vẫn thêm mới",
                            twin.code, twin.name
                        ),
                    }),
                    Duplicates::Skip => {
                        report.outcome = Outcome::Skip;
                        report.reason = Some(format!("Trùng với tài sản {} đã có trong sổ: bỏ qua", twin.code));
                        out.push(report);
                        continue;
                    }
                    Duplicates::Update if self.options.mode == Mode::Create => row.errors.push(Problem {
                        sheet: String::new(),
                        row: 0,
                        column: header_of(self.columns, "name"),
                        value: row.name.clone().unwrap_or_default(),
                        message: format!(
                            "trùng với tài sản {} đã có, nhưng chế độ chỉ thêm mới không cập nhật được",
                            twin.code
                        ),
                    }),
                    Duplicates::Update => {
                        let twin = twin.clone();
                        self.update(&mut report, &twin, row)?;
                        out.push(report);
                        continue;
                    }
                    Duplicates::Create => {}
                }
            }
            if !row.errors.is_empty() {
                report.outcome = Outcome::Error;
                report.errors = std::mem::take(&mut row.errors);
                report.source = std::mem::take(&mut row.cells);
                out.push(report);
                continue;
            }
            match (current, new) {
                (None, Some(Ok(checked))) => {
                    let record = checked.numbered(self.conn, &mut self.checker)?;
                    report.outcome = Outcome::Create;
                    report.code = Some(record.code.clone());
                    creates.push((out.len(), record));
                }
                (None, Some(Err(errors))) => {
                    report.outcome = Outcome::Error;
                    report.errors = errors;
                    report.source = std::mem::take(&mut row.cells);
                }
                (None, None) => return Err(AppError::Internal("dòng mới chưa được kiểm tra".into())),
                (Some(current), _) => self.update(&mut report, current, row)?,
            }
            out.push(report);
        }
        let (at, records): (Vec<usize>, Vec<super::AssetRecord>) = creates.into_iter().unzip();
        // The new assets' evidence is their rows' records, committed to by the import's event:
        // no event of their own (a preview's are rolled back with the transaction anyway).
        for (at, asset) in at.into_iter().zip(super::insert_rows(self.conn, records)?) {
            out[at].asset_id = Some(asset.id);
            out[at].asset_version = Some(asset.version);
            out[at].after = Some(asset);
        }
        if let Some(sealing) = &mut self.sealing {
            let rows = out.iter_mut().map(|r| (row_record(r), r.after.take())).collect();
            sealing.send(self.conn, rows)?;
        }
        for mut r in out {
            for p in &mut r.errors {
                p.sheet.clone_from(&self.report.sheet);
                p.row = r.excel_row;
            }
            self.report.counts.add(r.outcome);
            self.report.counts.warning += i32::from(r.warning);
            self.report.counts.duplicate += i32::from(r.duplicate_of.is_some());
            let keep = match r.outcome {
                Outcome::Error => self.report.counts.error as usize <= REPORT_ERRORS,
                _ => self.report.rows.len() < REPORT_ROWS,
            };
            if keep {
                self.report.rows.push(r);
            } else {
                self.report.detail.rows_left_out += 1;
            }
        }
        if let Some(tell) = &self.options.progress.0 {
            let total = self.rows_total.load(std::sync::atomic::Ordering::Relaxed);
            tell(self.report.counts.total().min(total), total);
        }
        Ok(())
    }

    /// The register's assets that rows of the batch without a code may be, by what identifies them.
    fn alike(&mut self, batch: &[Staged]) -> AppResult<HashMap<super::Identity, super::Asset>> {
        let wanted: Vec<super::Identity> = batch
            .iter()
            .filter_map(|s| match s {
                Staged::Data { new: Some(Ok(c)), .. } => c.identity(),
                _ => None,
            })
            .collect();
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let costs: Vec<i64> = wanted.iter().map(|w| w.original_cost).collect();
        let units: Vec<i32> = wanted.iter().map(|w| w.unit_id).collect();
        let found: Vec<super::Asset> = assets::table
            .filter(assets::original_cost.eq_any(costs))
            .filter(assets::unit_id.eq_any(units))
            .filter(assets::status.ne(super::WRITTEN_DOWN))
            .order(assets::id)
            .select(super::Asset::as_select())
            .load(self.conn)?;
        let mut by = HashMap::new();
        for a in found {
            by.entry(super::Identity::of(&a)).or_insert(a);
        }
        Ok(by)
    }

    /// The unit's and category's names of an asset, as the register shows them.
    fn unit_and_category(&self, a: &super::Asset) -> (String, String) {
        (
            self.checker.unit_codes.get(&a.unit_id).cloned().unwrap_or_default(),
            self.checker.rules.category(a.category_id).map(|c| c.name.clone()).unwrap_or_default(),
        )
    }

    /// Writes a row over the asset its code names.
    fn update(&mut self, report: &mut RowReport, current: &super::Asset, mut row: Prepared) -> AppResult<()> {
        // A sheet that reports the wear we computed (our own export, edited and brought back) does
        // not restate it as opening wear.
        if money(&row.values, "opening_wear").is_none_or(|w| w == current.accumulated_wear) {
            row.values.remove("opening_wear");
            row.values.remove("opening_wear_as_of");
        }
        let mut patch = std::mem::take(&mut row.values);
        if !self.options.clear_blanks {
            patch.retain(|_, v| !v.is_null());
        }
        let input = Input::from_json(Value::Object(patch))?;
        let written = super::write_update(self.conn, &mut self.checker, self.actor, self.scope, current, input, true);
        report.asset_id = Some(current.id);
        match written {
            Ok(Some(super::Updated::Written(after))) => {
                report.outcome = Outcome::Update;
                report.asset_version = Some(after.version);
                report.before = Some(super::editable_json(current));
            }
            Ok(Some(super::Updated::Unchanged)) => {
                report.outcome = Outcome::Unchanged;
                report.asset_version = Some(current.version);
            }
            Ok(None) => {
                return Err(AppError::conflict(format!(
                    "Tài sản «{}» vừa được người khác sửa trong lúc nhập; hãy nhập lại",
                    current.code
                )))
            }
            Err(e) => {
                report.outcome = Outcome::Error;
                report.asset_id = None;
                report.errors = field_errors(self.columns, e, &row.cells)?;
                report.source = row.cells;
            }
        }
        Ok(())
    }
}

/// What a row says, by its columns: unit, category, cost, acquisition date.
fn values_of(columns: &[table::Column], row: &Prepared) -> RowValues {
    let cell = |field: &str| {
        columns
            .iter()
            .find(|c| c.field.as_deref() == Some(field))
            .and_then(|c| row.cells.get(c.index as usize))
            .map(|c| text::printable(&c.display()))
            .unwrap_or_default()
    };
    let cost = money(&row.values, "original_cost").or_else(|| {
        let (s, o) = (money(&row.values, "cost_state"), money(&row.values, "cost_other"));
        (s.is_some() || o.is_some()).then(|| s.unwrap_or(0) + o.unwrap_or(0))
    });
    RowValues {
        asset_id: None,
        code: row.code.clone(),
        name: row.name.clone(),
        unit: cell("unit"),
        category: cell("category"),
        original_cost: cost,
        acquired_on: cell("acquired_on"),
    }
}

fn asset_values(a: &super::Asset, (unit, category): (String, String)) -> RowValues {
    RowValues {
        asset_id: Some(a.id),
        code: Some(a.code.clone()),
        name: Some(a.name.clone()),
        unit,
        category,
        original_cost: Some(a.original_cost),
        acquired_on: a.acquired_on.map(text::format_date).unwrap_or_default(),
    }
}

fn code_key(code: &str) -> u64 {
    let digest = Sha256::digest(fold(code).as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("a digest has 32 bytes"))
}

fn money(values: &Map<String, Value>, key: &str) -> Option<i64> {
    values.get(key).and_then(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| text::parse_money(s).ok())))
}

/// Runs the import. Returns the report and whether its transaction should be kept.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    options: &Options,
    preview: bool,
) -> AppResult<(Report, bool)> {
    let mut table = read_table(bytes, file_name, options)?;
    let mut remembered_mapping = false;
    if options.mapping.is_empty() && options.map_headers.is_empty() {
        let saved: Option<String> =
            import_layouts::table.find(table.layout()).select(import_layouts::mapping).first(conn).optional()?;
        if let Some(Ok(mapping)) = saved.map(|m| serde_json::from_str::<BTreeMap<u32, Option<String>>>(&m)) {
            remembered_mapping = !mapping.is_empty();
            for (index, field) in mapping {
                if let Some(c) = table.columns.iter_mut().find(|c| c.index == index) {
                    c.field = field;
                }
            }
        }
    }
    let sha256 = crate::import::sha256_hex(bytes);
    let previous: Option<(i32, chrono::NaiveDateTime, String)> = imports::table
        .filter(imports::sha256.eq(&sha256))
        .filter(imports::status.eq("done"))
        .order(imports::id.desc())
        .select((imports::id, imports::created_at, imports::actor))
        .first(conn)
        .optional()?;
    let mut report = Report {
        kind: KIND.to_string(),
        what: spec().what.clone(),
        file_name: file_name.to_string(),
        sha256,
        sheet: table.sheet.clone(),
        header_rows: table.header_rows.clone(),
        columns: table.columns.clone(),
        more_sheets: vec![],
        reading: String::new(),
        rows: vec![],
        counts: Counts::default(),
        rows_read: 0,
        // The register's problems stand on its rows (up to 20,000 of them): not repeated here.
        errors: vec![],
        saved: false,
        import_id: None,
        fixes: vec![],
        action: String::new(),
        back: "/nhap-du-lieu".into(),
        detail: Register {
            encoding: table.encoding.name().to_string(),
            other_sheets: table.other_sheets.clone(),
            rows_left_out: 0,
            previous: previous.map(|(id, at, who)| (id, text::format_time(at), who)),
            mode: options.mode,
            strict: options.strict,
            duplicates: options.duplicates,
            remembered_mapping,
            unknown_names: vec![],
            names: vec![],
            remembered_names: false,
            sections: vec![],
            guesses: vec![],
            accept_guesses: options.accept_guesses,
            default_category: options.default_category,
        },
    };
    if let (Some((id, at, who)), false, false) = (&report.detail.previous, options.allow_duplicate, preview) {
        return Err(AppError::conflict(format!(
            "Tệp này đã được nhập lần số {id} lúc {at} bởi {who}; xác nhận nếu muốn nhập lại"
        )));
    }
    if table.column_of("name").is_none() && table.column_of("code").is_none() {
        return Err(AppError::BadRequest(format!(
            "Trang «{}»: không nhận ra cột «Tên tài sản» hay «Mã tài sản» trong dòng tiêu đề {:?}",
            table.sheet, table.header_rows
        )));
    }
    // The choices for names no unit bears: the person's, else those remembered for this layout.
    let mut names = options.names.clone();
    if names.is_empty() {
        let saved: Option<Option<String>> =
            import_layouts::table.find(table.layout()).select(import_layouts::names).first(conn).optional()?;
        if let Some(remembered) =
            saved.flatten().and_then(|n| serde_json::from_str::<Vec<(String, NameChoice)>>(&n).ok())
        {
            report.detail.remembered_names = !remembered.is_empty();
            names = remembered;
        }
    }
    // The sections chosen are made first, in this transaction (a preview's are rolled back with it),
    // so that the rows find them by name; the person reaches what they made under their unit.
    let file_unit = options.default_unit.or(scope.unit);
    let mut scope = scope.clone();
    // The report keeps the choices as made (a preview's sections are rolled back with it).
    report.detail.names = names.clone();
    for (name, choice) in names.iter_mut() {
        if *choice == NameChoice::Location && file_unit.is_none() {
            return Err(AppError::invalid(
                "unit_id",
                format!("Để ghi «{name}» vào vị trí, hãy chọn đơn vị của tệp (đơn vị mặc định)"),
            ));
        }
        if *choice != NameChoice::Section {
            continue;
        }
        let parent = file_unit.ok_or_else(|| {
            AppError::invalid("unit_id", format!("Để tạo bộ phận «{name}», hãy chọn đơn vị của tệp (đơn vị mặc định)"))
        })?;
        scope.check_edit(parent)?;
        let (id, made) = crate::rules::section(conn, actor, parent, name)?;
        if made {
            report.detail.sections.push(name.clone());
        }
        for units in [&mut scope.read_units, &mut scope.edit_units].into_iter().flatten() {
            units.push(id);
        }
        // Remembered as the unit it now is.
        *choice = NameChoice::Unit(id);
    }
    let resolved = names;
    let scope = &scope;
    let mut fixes = options.fixes.clone();
    if let Some(text) = &options.fix_text {
        fixes.extend(crate::import::fixes::from_text(text, &table.columns)?);
    }
    let mut checker = super::Checker::load(conn)?;
    // Codes are looked up a batch at a time, against the register and within the file.
    checker.codes_checked = true;
    let recorder = match preview {
        true => None,
        false => Some(crate::import::rows::Recorder::new(begin_record(conn, actor, &report, options)?)),
    };
    let rows_total = std::sync::atomic::AtomicUsize::new(0);
    let stager = Stager {
        options,
        scope,
        columns: &table.columns,
        names: Names::load(conn)?,
        checker: checker.clone(),
        wear_as_of: options.wear_as_of.unwrap_or_else(|| super::wear::last_close(text::today())),
        seen_codes: HashMap::new(),
        chosen: resolved.iter().map(|(n, c)| (fold(n), *c)).collect(),
        unknown: vec![],
        guesser: super::guess::Guesser::load(conn)?,
        guesses: vec![],
        fixes: crate::import::fixes::Fixes::new(&fixes, &table.sheet),
    };
    let mut writer = Writer {
        conn,
        actor,
        scope,
        options,
        columns: &table.columns,
        checker,
        report,
        sealing: None,
        rows_total: &rows_total,
    };
    // Four threads on two cores: the sheet's reader (inside `each_row`), the stager, the writer here
    // and the sealer, which makes the rows' evidence (JSON and hashes) off the writer, the busiest;
    // a few batches in between keep each busy.
    let (staging, recorder) = std::thread::scope(|threads| {
        let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<Staged>>(4);
        let staging = threads.spawn(|| stager.run(bytes, file_name, &table, &rows_total, to_writer));
        let sealer = recorder.map(|recorder| {
            let (sealing, sealer) = recorder.sealing(threads, super::record_json);
            writer.sealing = Some(sealing);
            sealer
        });
        let written = batches.into_iter().try_for_each(|batch| writer.write(batch));
        let written = match (written, writer.sealing.take()) {
            (Ok(()), Some(sealing)) => sealing.finish(writer.conn),
            // A failed import's sealer stops when its sender is dropped here.
            (written, _) => written,
        };
        let staged = staging.join().unwrap_or_else(|_| Err(AppError::Internal("luồng đọc tệp dừng đột ngột".into())));
        let recorder = sealer
            .map(|s| s.join().map_err(|_| AppError::Internal("luồng ghi bằng chứng dừng đột ngột".into())))
            .transpose();
        // The writer's own failure first: the stager's is then only that the writer stopped.
        written.and(staged).and_then(|staging| recorder.map(|recorder| (staging, recorder)))
    })?;
    let mut report = writer.report;
    report.detail.encoding = staging.encoding.name().to_string();
    report.rows_read = staging.rows_read;
    report.detail.unknown_names = staging.unknown;
    report.detail.guesses = staging.guesses;
    report.fixes = staging.fixes;
    report.counts.conserve(staging.rows_read)?;
    let c = &report.counts;
    if c.create + c.update + c.unchanged + c.error + c.duplicate == 0 {
        return Err(AppError::BadRequest(format!(
            "Tệp «{file_name}» không có dòng tài sản nào dưới dòng tiêu đề (chỉ có dòng trống, dòng cộng hay chữ ký): \
             không có gì để nhập"
        )));
    }
    if let Some(tell) = &options.progress.0 {
        tell(report.counts.total(), report.counts.total());
    }
    let keep = !preview && report.counts.keeps(options.strict);
    if let (true, Some(recorder)) = (keep, &recorder) {
        // The import's changes to the kept totals, a few hundred rows, folded in before it commits.
        super::fold_totals(conn)?;
        report.saved = true;
        report.import_id = Some(recorder.import_id());
        finish_record(conn, actor, recorder, &report, options, "done")?;
        if !options.mapping.is_empty() || !options.map_headers.is_empty() || !options.names.is_empty() {
            // Remember the person's corrections and choices for the next file of this layout; what
            // they did not correct now stays as remembered.
            let saved: Option<(String, Option<String>)> = import_layouts::table
                .find(table.layout())
                .select((import_layouts::mapping, import_layouts::names))
                .first(conn)
                .optional()?;
            let mapping = if options.mapping.is_empty() && options.map_headers.is_empty() {
                saved.as_ref().map(|s| s.0.clone()).unwrap_or_else(|| "{}".into())
            } else {
                let m: BTreeMap<u32, Option<String>> =
                    table.columns.iter().map(|c| (c.index, c.field.clone())).collect();
                json!(m).to_string()
            };
            let names =
                if options.names.is_empty() { saved.and_then(|s| s.1) } else { Some(json!(resolved).to_string()) };
            diesel::delete(import_layouts::table.find(table.layout())).execute(conn)?;
            diesel::insert_into(import_layouts::table)
                .values((
                    import_layouts::layout.eq(table.layout()),
                    import_layouts::mapping.eq(mapping),
                    import_layouts::names.eq(names),
                    import_layouts::updated_at.eq(text::now_utc()),
                ))
                .execute(conn)?;
        }
    }
    Ok((report, keep))
}

/// Previews or imports a file: one transaction, kept only for an import that may be saved. A
/// strict import refused for its errors is still recorded (status "rejected"), outside the
/// transaction that was rolled back.
pub fn execute(
    db: &crate::db::Db,
    actor: &Actor,
    scope: &Scope,
    file_name: &str,
    bytes: &[u8],
    options: &Options,
    preview: bool,
) -> AppResult<Report> {
    let mut report = db.write_or_rollback(|c| run(c, actor, scope, file_name, bytes, options, preview))?;
    if !preview && !report.saved {
        report.import_id = Some(db.write_sync(|c| record(c, actor, &report, options, "rejected"))?);
    }
    Ok(report)
}

/// Writes the import's record, its rows and the event in the history (for an import refused
/// whole, after its transaction was rolled back).
pub fn record(conn: &mut DbConn, actor: &Actor, report: &Report, options: &Options, status: &str) -> AppResult<i32> {
    let mut recorder = crate::import::rows::Recorder::new(begin_record(conn, actor, report, options)?);
    record_rows(conn, &mut recorder, &report.rows)?;
    finish_record(conn, actor, &recorder, report, options, status)?;
    Ok(recorder.import_id())
}

/// The import's record, before its rows are read.
fn begin_record(conn: &mut DbConn, actor: &Actor, report: &Report, options: &Options) -> AppResult<i32> {
    Ok(diesel::insert_into(imports::table)
        .values((
            imports::file_name.eq(&report.file_name),
            imports::sha256.eq(&report.sha256),
            imports::kind.eq(KIND),
            imports::sheet.eq(&report.sheet),
            imports::actor.eq(&actor.0),
            imports::mode.eq(options.mode.code()),
            imports::blanks.eq(if options.clear_blanks { "clear" } else { "keep" }),
            imports::strict.eq(options.strict),
            imports::status.eq("running"),
            imports::created.eq(0),
            imports::updated.eq(0),
            imports::unchanged.eq(0),
            imports::skipped.eq(0),
            imports::failed.eq(0),
            imports::created_at.eq(text::now_utc()),
        ))
        .returning(imports::id)
        .get_result(conn)?)
}

/// The outcome of each row, recorded with its evidence.
fn record_rows(conn: &mut DbConn, recorder: &mut crate::import::rows::Recorder, rows: &[RowReport]) -> AppResult<()> {
    let records = rows
        .iter()
        .map(|r| {
            let mut record = row_record(r);
            record.after_json = r.after.as_ref().map(super::record_json);
            record
        })
        .collect();
    recorder.write(conn, records)
}

/// A row's record, but for the asset it created (made into JSON where the row is sealed); the
/// recorder gives it its import, place and hash.
fn row_record(r: &RowReport) -> crate::import::rows::RowRecord {
    let mut record = crate::import::rows::RowRecord::new(0, None, r.excel_row, r.outcome);
    record.asset_id = r.asset_id;
    record.asset_version = r.asset_version;
    record.code.clone_from(&r.code);
    record.message = if r.errors.is_empty() {
        r.reason.clone()
    } else {
        Some(
            r.errors
                .iter()
                .map(|e| format!("{}: «{}» — {}", e.column, e.value, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        )
    };
    record.before_json = r.before.as_ref().map(Value::to_string);
    record
}

/// The import's counts and status, and its event in the history.
fn finish_record(
    conn: &mut DbConn,
    actor: &Actor,
    recorder: &crate::import::rows::Recorder,
    report: &Report,
    options: &Options,
    status: &str,
) -> AppResult<()> {
    let id = recorder.import_id();
    diesel::update(imports::table.find(id))
        .set((
            imports::status.eq(status),
            imports::created.eq(report.counts.create),
            imports::updated.eq(report.counts.update),
            imports::unchanged.eq(report.counts.unchanged),
            imports::skipped.eq(report.counts.skip),
            imports::failed.eq(report.counts.error),
        ))
        .execute(conn)?;
    let summary = json!({
        "kind": KIND, "file_name": report.file_name, "sha256": report.sha256, "sheet": report.sheet, "status": status,
        "mode": options.mode.code(), "strict": options.strict, "counts": report.counts,
        "fixes": report.fixes.len(),
    });
    crate::import::fixes::record(conn, id, &report.sheet, &actor.0, &report.fixes)?;
    crate::import::rows::commit(conn, actor, recorder, summary)
}

/// Undoes a whole import — its new assets deleted, its updated assets put back — while none of
/// them has changed since. One transaction; every step is in the history.
pub fn undo(conn: &mut DbConn, actor: &Actor, scope: &Scope, import_id: i32) -> AppResult<(usize, usize)> {
    let status: String = imports::table
        .find(import_id)
        .select(imports::status)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("lần nhập số {import_id}")))?;
    if status != "done" {
        return Err(AppError::conflict(format!("Lần nhập số {import_id} không hoàn tác được: trạng thái «{status}»")));
    }
    /// outcome, asset, its version after the import, its fields before, the row in the file.
    type Done = (String, Option<i32>, Option<i32>, Option<String>, i32);
    let rows: Vec<Done> = import_rows::table
        .filter(import_rows::import_id.eq(import_id))
        .filter(import_rows::outcome.eq_any(["create", "update"]))
        .select((
            import_rows::outcome,
            import_rows::asset_id,
            import_rows::asset_version,
            import_rows::before_json,
            import_rows::excel_row,
        ))
        .load(conn)?;
    let mut changed = vec![];
    for (_, asset_id, version, _, excel_row) in &rows {
        let now: Option<i32> = match asset_id {
            Some(id) => assets::table.find(id).select(assets::version).first(conn).optional()?,
            None => None,
        };
        if now.is_none() || now != *version {
            changed.push(excel_row.to_string());
        }
    }
    if !changed.is_empty() {
        return Err(AppError::conflict(format!(
            "Không hoàn tác được: tài sản của các dòng {} đã được sửa hoặc xóa sau lần nhập này",
            changed.join(", ")
        )));
    }
    let (mut deleted, mut restored) = (0, 0);
    for (outcome, asset_id, version, before, _) in rows {
        let id = asset_id.expect("checked above");
        if outcome == "create" {
            super::delete(conn, actor, scope, id, version.map(i64::from))?;
            deleted += 1;
        } else if let Some(before) = before {
            let before: Value = serde_json::from_str(&before).map_err(|e| AppError::Internal(e.to_string()))?;
            super::update(conn, actor, scope, id, Input::from_json(before)?, version.map(i64::from))?;
            restored += 1;
        }
    }
    diesel::update(imports::table.find(import_id)).set(imports::status.eq("undone")).execute(conn)?;
    audit::record(
        conn,
        actor,
        "undo",
        "import",
        import_id,
        None,
        Some(&json!({"deleted": deleted, "restored": restored})),
    )?;
    Ok((deleted, restored))
}

/// The rows with errors as a workbook to fix and import again, from the report's kept rows: the
/// header, the rows as read with the bad cells highlighted, and a last column with the reasons.
pub fn errors_workbook(report: &Report) -> AppResult<Vec<u8>> {
    let mut failed: Vec<&RowReport> = report.rows.iter().filter(|r| !r.errors.is_empty()).collect();
    failed.sort_by_key(|r| r.excel_row);
    crate::import::errors::workbook(
        &report.columns,
        failed.into_iter().map(|r| crate::import::errors::FailedRow {
            row: r.excel_row,
            cells: &r.source,
            problems: &r.errors,
        }),
    )
}

/// A blank register to fill in: the headers the import reads, drop-down lists from the reference
/// data (categories, units, statuses, tasks), and a sheet of instructions.
pub fn template(conn: &mut DbConn) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let categories: Vec<String> =
        asset_categories::table.order(asset_categories::code).select(asset_categories::name).load(conn)?;
    let units: Vec<String> = org_units::table.order(org_units::id).select(org_units::name).load(conn)?;
    let task_codes: Vec<String> = tasks::table.order(tasks::code).select(tasks::code).load(conn)?;
    let statuses: Vec<String> = super::STATUSES.iter().map(|(_, n)| n.to_string()).collect();
    let kinds = vec!["Tài sản trang bị".to_string(), "Tài sản là kết quả".to_string()];
    let headers = [
        ("Mã tài sản", 14.0),
        ("Tên tài sản", 36.0),
        ("Nhóm tài sản", 30.0),
        ("Đơn vị quản lý", 30.0),
        ("Đơn vị tính", 10.0),
        ("Số lượng", 9.0),
        ("Nguồn NSNN", 16.0),
        ("Nguồn khác", 14.0),
        ("Ngày tăng", 12.0),
        ("Ngày đưa vào sử dụng", 12.0),
        ("Nhiệm vụ", 16.0),
        ("Tài sản trang bị / kết quả", 18.0),
        ("Vị trí", 20.0),
        ("Tình trạng", 16.0),
        ("Số hiệu", 14.0),
        ("Ghi chú", 30.0),
    ];
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#EEF1F5");
    {
        let ws = wb.add_worksheet();
        ws.set_name("Sổ tài sản").map_err(xe)?;
        for (i, (h, w)) in headers.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &bold).map_err(xe)?;
            ws.set_column_width(i as u16, *w).map_err(xe)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xe)?;
        for (col, list_col, len) in [
            (2u16, "A", categories.len()),
            (3, "B", units.len()),
            (13, "C", statuses.len()),
            (11, "D", kinds.len()),
            (10, "E", task_codes.len()),
        ] {
            if len == 0 {
                continue;
            }
            let dv = DataValidation::new()
                .allow_list_formula(Formula::new(format!("='Danh mục'!${list_col}$2:${list_col}${}", len + 1)))
                .ignore_blank(true);
            ws.add_data_validation(1, col, 5000, col, &dv).map_err(xe)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Danh mục").map_err(xe)?;
        for (c, (title, values)) in [
            ("Nhóm tài sản", &categories),
            ("Đơn vị", &units),
            ("Tình trạng", &statuses),
            ("Trang bị / kết quả", &kinds),
            ("Nhiệm vụ", &task_codes),
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(0, c as u16, *title, &bold).map_err(xe)?;
            ws.set_column_width(c as u16, 40).map_err(xe)?;
            for (r, v) in values.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v).map_err(xe)?;
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Hướng dẫn").map_err(xe)?;
        ws.set_column_width(0, 110).map_err(xe)?;
        let lines = [
            "HƯỚNG DẪN ĐIỀN SỔ TÀI SẢN ĐỂ NHẬP VÀO HỆ THỐNG",
            "1. Mỗi dòng một tài sản (một chiếc máy độc lập, một hệ thống không tách rời, một thửa đất…). Nhiều chiếc giống nhau có thể ghi một dòng với số lượng.",
            "2. «Mã tài sản» để trống thì hệ thống tự sinh mã; ghi mã đã có thì dòng đó cập nhật tài sản mang mã ấy.",
            "3. «Tên tài sản», «Nhóm tài sản» và «Đơn vị quản lý» là bắt buộc; chọn nhóm, đơn vị từ danh sách thả xuống.",
            "4. Tiền ghi bằng đồng, số nguyên: 1250000000 hoặc 1.250.000.000. Nguyên giá = nguồn NSNN + nguồn khác.",
            "5. Ngày ghi dd/mm/yyyy (ví dụ 15/03/2024); chỉ biết năm thì ghi năm.",
            "6. Tài sản của nhiệm vụ KH&CN: ghi mã nhiệm vụ và chọn «Tài sản trang bị» hay «Tài sản là kết quả».",
            "7. Có thể thêm cột «Hao mòn lũy kế» hoặc «Giá trị còn lại» cho tài sản đã dùng nhiều năm.",
            "8. Tải tệp lên trang «Nhập Excel»: hệ thống cho xem trước từng dòng, chưa lưu gì cho đến khi bấm «Nhập».",
        ];
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                ws.write_string_with_format(i as u32, 0, *l, &bold).map_err(xe)?;
            } else {
                ws.write_string(i as u32, 0, *l).map_err(xe)?;
            }
        }
    }
    wb.save_to_buffer().map_err(xe)
}
