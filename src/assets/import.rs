//! Importing a register from a workbook (nhập sổ tài sản từ Excel). The preview and the import are
//! the same run: the preview's transaction is rolled back, the import's kept — so the preview shows
//! exactly what the import will do. Each row goes through the same validation as a form or the API.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{asset_categories, assets, import_rows, imports, org_units, tasks};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::excel::table::{self, Synonyms, Table};
use crate::excel::{self, Cell, Limits};
use crate::input::Input;
use crate::text::{self, fold};

/// The column names of the register, kept as data in `imports/columns/assets.json`.
pub fn synonyms() -> AppResult<Synonyms> {
    Synonyms::from_json(include_str!("../../imports/columns/assets.json"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// A blank cell clears the stored value (else it keeps it). Matters for updates only.
    pub clear_blanks: bool,
    /// Nothing is saved unless every row is valid.
    pub strict: bool,
    pub sheet: Option<String>,
    /// The custodian unit of rows that name none.
    pub default_unit: Option<i32>,
    /// Corrections of the column mapping: column index → field (None: ignore the column).
    pub mapping: BTreeMap<u32, Option<String>>,
    /// The date a "hao mòn lũy kế" / "giá trị còn lại" column is as of (default: the latest 31/12).
    pub wear_as_of: Option<NaiveDate>,
    /// Import a file that was imported before.
    pub allow_duplicate: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Mode::Upsert,
            clear_blanks: false,
            strict: true,
            sheet: None,
            default_unit: None,
            mapping: BTreeMap::new(),
            wear_as_of: None,
            allow_duplicate: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Create,
    Update,
    Unchanged,
    Skip,
    Error,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Create => "create",
            Outcome::Update => "update",
            Outcome::Unchanged => "unchanged",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Create => "Thêm mới",
            Outcome::Update => "Cập nhật",
            Outcome::Unchanged => "Không đổi",
            Outcome::Skip => "Bỏ qua",
            Outcome::Error => "Lỗi",
        }
    }
}

/// One problem, where a person finds it: sheet, row, column, value, reason.
#[derive(Debug, Clone, Serialize)]
pub struct CellError {
    pub column: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    pub excel_row: u32,
    pub outcome: Outcome,
    pub code: Option<String>,
    pub name: Option<String>,
    pub asset_id: Option<i32>,
    /// Why a row was skipped.
    pub reason: Option<String>,
    pub errors: Vec<CellError>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub create: i32,
    pub update: i32,
    pub unchanged: i32,
    pub skip: i32,
    pub error: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file_name: String,
    pub sha256: String,
    pub sheet: String,
    /// The text encoding found ("TCVN3 (ABC)", "VNI-Windows", …); its text was converted.
    pub encoding: String,
    pub header_rows: Vec<u32>,
    pub columns: Vec<table::Column>,
    pub rows: Vec<RowReport>,
    pub counts: Counts,
    /// Whether anything was saved.
    pub saved: bool,
    pub import_id: Option<i32>,
    /// An earlier import of the same file: (id, when, by whom).
    pub previous: Option<(i32, String, String)>,
    pub mode: Mode,
    pub strict: bool,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the table and applies the caller's corrections of the mapping.
pub fn read_table(bytes: &[u8], file_name: &str, options: &Options) -> AppResult<Table> {
    let sheets = excel::read(bytes, file_name, &Limits::default())?;
    let mut table = table::find(&sheets, options.sheet.as_deref(), &synonyms()?)?;
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
        let cats: Vec<(i32, String, String)> = asset_categories::table
            .select((asset_categories::id, asset_categories::code, asset_categories::name))
            .load(conn)?;
        let tasks: Vec<(i32, String, String)> =
            tasks::table.select((tasks::id, tasks::code, tasks::title)).load(conn)?;
        Ok(Names {
            units: units.into_iter().map(|(id, c, n, s)| (id, n.clone(), vec![fold(&c), fold(&n), fold(&s)])).collect(),
            categories: cats.into_iter().map(|(id, c, n)| (id, n.clone(), vec![fold(&c), fold(&n)])).collect(),
            tasks: tasks.into_iter().map(|(id, c, t)| (id, t.clone(), vec![fold(&c), fold(&t)])).collect(),
        })
    }

    /// The id named by `value`, or the closest names to suggest.
    fn find(list: &[(i32, String, Vec<String>)], value: &str) -> Result<i32, Vec<String>> {
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

const MONEY_FIELDS: &[&str] =
    &["original_cost", "cost_state", "cost_other", "unit_price", "opening_wear", "residual_value"];
const DATE_FIELDS: &[&str] = &["acquired_on", "in_use_on"];

/// A cell as the value `Input` reads, or the reason it cannot be one.
fn value_of(field: &str, cell: &Cell) -> Result<Value, String> {
    match (field, cell) {
        (_, c) if c.is_empty() => Ok(Value::Null),
        (f, Cell::Number(n)) if MONEY_FIELDS.contains(&f) => {
            if n.fract().abs() > 1e-6 {
                Err(format!("{} không phải số nguyên đồng", cell.display()))
            } else {
                Ok(json!(n.round() as i64))
            }
        }
        (f, Cell::Number(n)) if DATE_FIELDS.contains(&f) => {
            let y = n.round() as i64;
            if (1900..=2100).contains(&y) && n.fract() == 0.0 {
                Ok(json!(format!("01/01/{y}")))
            } else {
                Err(format!("{} không phải ngày hay năm", cell.display()))
            }
        }
        (f, Cell::Text(t)) if DATE_FIELDS.contains(&f) && t.trim().len() == 4 && t.trim().parse::<i32>().is_ok() => {
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
    let table = read_table(bytes, file_name, options)?;
    let sha256 = sha256_hex(bytes);
    let previous: Option<(i32, chrono::NaiveDateTime, String)> = imports::table
        .filter(imports::sha256.eq(&sha256))
        .filter(imports::status.eq("done"))
        .order(imports::id.desc())
        .select((imports::id, imports::created_at, imports::actor))
        .first(conn)
        .optional()?;
    let mut report = Report {
        file_name: file_name.to_string(),
        sha256,
        sheet: table.sheet.clone(),
        encoding: table.encoding.name().to_string(),
        header_rows: table.header_rows.clone(),
        columns: table.columns.clone(),
        rows: vec![],
        counts: Counts::default(),
        saved: false,
        import_id: None,
        previous: previous.map(|(id, at, who)| (id, text::format_time(at), who)),
        mode: options.mode,
        strict: options.strict,
    };
    if report.previous.is_some() && !options.allow_duplicate && !preview {
        return Err(AppError::conflict(format!(
            "Tệp này đã được nhập lần số {} lúc {} bởi {}; xác nhận nếu muốn nhập lại",
            report.previous.as_ref().map(|p| p.0).unwrap_or_default(),
            report.previous.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
            report.previous.as_ref().map(|p| p.2.clone()).unwrap_or_default(),
        )));
    }
    if table.column_of("name").is_none() && table.column_of("code").is_none() {
        return Err(AppError::BadRequest(format!(
            "Trang «{}»: không nhận ra cột «Tên tài sản» hay «Mã tài sản» trong dòng tiêu đề {:?}",
            table.sheet, table.header_rows
        )));
    }
    let names = Names::load(conn)?;
    let wear_as_of = options.wear_as_of.unwrap_or_else(|| super::wear::last_close(text::today()));
    let mut seen_codes: HashMap<String, u32> = HashMap::new();
    let header_of = |field: &str| table.column_of(field).map(|c| c.header.clone()).unwrap_or_else(|| "—".into());
    for row in &table.rows {
        let table::RowKind::Data = row.kind else {
            let table::RowKind::Skip(reason) = &row.kind else { unreachable!() };
            report.rows.push(RowReport {
                excel_row: row.excel_row,
                outcome: Outcome::Skip,
                code: None,
                name: None,
                asset_id: None,
                reason: Some(reason.clone()),
                errors: vec![],
            });
            continue;
        };
        let mut errors: Vec<CellError> = vec![];
        let mut values: Map<String, Value> = Map::new();
        let mut raw: BTreeMap<String, String> = BTreeMap::new();
        for col in &table.columns {
            let Some(field) = col.field.as_deref() else { continue };
            let cell = row.cells.get(col.index as usize).cloned().unwrap_or(Cell::Empty);
            raw.insert(field.to_string(), cell.display());
            match value_of(field, &cell) {
                Ok(v) => {
                    values.insert(field.to_string(), v);
                }
                Err(reason) => errors.push(CellError { column: col.header.clone(), value: cell.display(), reason }),
            }
        }
        let text_of = |v: &Map<String, Value>, k: &str| {
            v.get(k).and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_i64().map(|n| n.to_string())))
        };
        let code = text_of(&values, "code");
        let name = text_of(&values, "name");
        // What the row names, by code or name, turned into ids.
        for (field, key, list) in [
            ("unit", "unit_id", &names.units),
            ("category", "category_id", &names.categories),
            ("task", "task_id", &names.tasks),
        ] {
            if let Some(v) = text_of(&values, field) {
                match Names::find(list, &v) {
                    Ok(id) => {
                        values.insert(key.into(), json!(id));
                    }
                    Err(close) => errors.push(CellError {
                        column: header_of(field),
                        value: v.clone(),
                        reason: format!("không có trong danh mục; gần nhất: {}", close.join("; ")),
                    }),
                }
            }
            values.remove(field);
        }
        if !values.contains_key("unit_id") {
            if let Some(u) = options.default_unit {
                values.insert("unit_id".into(), json!(u));
            }
        }
        if let Some(k) = text_of(&values, "task_asset_kind") {
            values.insert("task_asset_kind".into(), kind_of(&k).map(|k| json!(k)).unwrap_or(json!(k)));
        }
        let money = |v: &Map<String, Value>, k: &str| -> Option<i64> {
            v.get(k).and_then(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| text::parse_money(s).ok())))
        };
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
            values.insert("opening_wear_as_of".into(), json!(wear_as_of.format("%Y-%m-%d").to_string()));
        }
        if let Some(c) = &code {
            if let Some(first) = seen_codes.get(&fold(c)) {
                errors.push(CellError {
                    column: header_of("code"),
                    value: c.clone(),
                    reason: format!("mã trùng với dòng {first} trong cùng tệp"),
                });
            } else {
                seen_codes.insert(fold(c), row.excel_row);
            }
        }
        let existing: Option<super::Asset> = match &code {
            Some(c) => {
                assets::table.filter(assets::code.eq(c)).select(super::Asset::as_select()).first(conn).optional()?
            }
            None => None,
        };
        match (options.mode, &existing) {
            (Mode::Create, Some(_)) => errors.push(CellError {
                column: header_of("code"),
                value: code.clone().unwrap_or_default(),
                reason: "mã đã có trong sổ (chế độ chỉ thêm mới)".into(),
            }),
            (Mode::Update, None) => errors.push(CellError {
                column: header_of("code"),
                value: code.clone().unwrap_or_default(),
                reason: "không có tài sản mang mã này trong sổ (chế độ chỉ cập nhật)".into(),
            }),
            _ => {}
        }
        let mut asset_id = existing.as_ref().map(|a| a.id);
        let outcome = if !errors.is_empty() {
            Outcome::Error
        } else {
            // One savepoint a row: a bad row is undone alone, its neighbours stand. An update that
            // changes nothing is undone too, and reported as unchanged.
            enum RowTx {
                App(AppError),
                Unchanged(i32),
            }
            impl From<diesel::result::Error> for RowTx {
                fn from(e: diesel::result::Error) -> Self {
                    RowTx::App(AppError::Db(e))
                }
            }
            let result = conn.transaction::<(Outcome, i32), RowTx, _>(|c| match &existing {
                None => {
                    let input = Input::from_json(Value::Object(values.clone())).map_err(RowTx::App)?;
                    let view = super::create(c, actor, scope, input).map_err(RowTx::App)?;
                    Ok((Outcome::Create, view.asset.id))
                }
                Some(current) => {
                    let mut patch = values.clone();
                    if !options.clear_blanks {
                        patch.retain(|_, v| !v.is_null());
                    }
                    let input = Input::from_json(Value::Object(patch)).map_err(RowTx::App)?;
                    super::update(c, actor, scope, current.id, input, Some(current.version as i64))
                        .map_err(RowTx::App)?;
                    let after = super::find(c, current.id).map_err(RowTx::App)?;
                    if super::editable_json(&after) == super::editable_json(current) {
                        return Err(RowTx::Unchanged(current.id));
                    }
                    Ok((Outcome::Update, current.id))
                }
            });
            let result = match result {
                Ok(v) => Ok(v),
                Err(RowTx::Unchanged(id)) => Ok((Outcome::Unchanged, id)),
                Err(RowTx::App(e)) => Err(e),
            };
            match result {
                Ok((o, id)) => {
                    asset_id = Some(id);
                    o
                }
                Err(AppError::Invalid(fields)) => {
                    for (field, reason) in fields {
                        let source = match field.as_str() {
                            "unit_id" => "unit",
                            "category_id" => "category",
                            "task_id" => "task",
                            f => f,
                        };
                        errors.push(CellError {
                            column: header_of(source),
                            value: raw.get(source).cloned().unwrap_or_default(),
                            reason,
                        });
                    }
                    Outcome::Error
                }
                Err(e @ AppError::Forbidden(_)) => {
                    errors.push(CellError {
                        column: header_of("unit"),
                        value: raw.get("unit").cloned().unwrap_or_default(),
                        reason: e.to_string(),
                    });
                    Outcome::Error
                }
                Err(e) => return Err(e),
            }
        };
        report.rows.push(RowReport {
            excel_row: row.excel_row,
            outcome: if errors.is_empty() { outcome } else { Outcome::Error },
            code: code.or_else(|| asset_id.and_then(|id| assets::table.find(id).select(assets::code).first(conn).ok())),
            name,
            asset_id: if errors.is_empty() { asset_id } else { None },
            reason: None,
            errors,
        });
    }
    for r in &report.rows {
        match r.outcome {
            Outcome::Create => report.counts.create += 1,
            Outcome::Update => report.counts.update += 1,
            Outcome::Unchanged => report.counts.unchanged += 1,
            Outcome::Skip => report.counts.skip += 1,
            Outcome::Error => report.counts.error += 1,
        }
    }
    let keep = !(preview || options.strict && report.counts.error > 0);
    if keep {
        report.saved = true;
        report.import_id = Some(record(conn, actor, &report, options, "done")?);
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

/// Writes the import's record and its rows, and the event in the history.
pub fn record(conn: &mut DbConn, actor: &Actor, report: &Report, options: &Options, status: &str) -> AppResult<i32> {
    let id: i32 = diesel::insert_into(imports::table)
        .values((
            imports::file_name.eq(&report.file_name),
            imports::sha256.eq(&report.sha256),
            imports::sheet.eq(&report.sheet),
            imports::actor.eq(&actor.0),
            imports::mode.eq(options.mode.code()),
            imports::blanks.eq(if options.clear_blanks { "clear" } else { "keep" }),
            imports::strict.eq(options.strict),
            imports::status.eq(status),
            imports::created.eq(report.counts.create),
            imports::updated.eq(report.counts.update),
            imports::unchanged.eq(report.counts.unchanged),
            imports::skipped.eq(report.counts.skip),
            imports::failed.eq(report.counts.error),
            imports::created_at.eq(text::now_utc()),
        ))
        .returning(imports::id)
        .get_result(conn)?;
    for r in &report.rows {
        let version: Option<i32> = match r.asset_id {
            Some(a) => assets::table.find(a).select(assets::version).first(conn).optional()?,
            None => None,
        };
        let message = if r.errors.is_empty() {
            r.reason.clone()
        } else {
            Some(
                r.errors
                    .iter()
                    .map(|e| format!("{}: «{}» — {}", e.column, e.value, e.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        };
        diesel::insert_into(import_rows::table)
            .values((
                import_rows::import_id.eq(id),
                import_rows::excel_row.eq(r.excel_row as i32),
                import_rows::outcome.eq(r.outcome.code()),
                import_rows::asset_id.eq(r.asset_id),
                import_rows::asset_version.eq(version),
                import_rows::code.eq(&r.code),
                import_rows::message.eq(message),
            ))
            .execute(conn)?;
    }
    let summary = json!({
        "file_name": report.file_name, "sha256": report.sha256, "sheet": report.sheet, "status": status,
        "mode": options.mode.code(), "strict": options.strict, "counts": report.counts,
    });
    audit::record(conn, actor, "import", "import", id, None, Some(&summary))?;
    Ok(id)
}
