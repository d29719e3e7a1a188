//! The year-end count (kiểm kê tài sản). A count session (đợt kiểm kê) is ordered by a decision,
//! has a reference time, a scope and a committee (Ban kiểm kê). Opening it freezes the books at the
//! reference time into its lines; counters then say what they found (entries: by count sheet, by
//! phone, by the API); the reconciliation compares the two; every discrepancy gets a resolution;
//! closing applies the accepted adjustments to the register and freezes the minutes (C53-HD).

pub mod api;
pub mod field;
pub mod minutes;
pub mod pages;
pub mod sheets;

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::assets::{self, Asset, Checker, Updated};
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{
    asset_classes, assets as assets_t, count_entries, count_lines, count_members, count_sessions, org_units,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{self, fold};

/// Trạng thái đợt kiểm kê.
pub const STATUSES: &[(&str, &str)] = &[
    ("nhap", "Dự thảo"),
    ("dang_kiem", "Đang kiểm kê"),
    ("da_doi_chieu", "Đã đối chiếu, chờ xử lý chênh lệch"),
    ("da_khoa", "Đã khóa sổ"),
];

/// Tình trạng tài sản as counters choose it from the sheet's drop-down.
pub const CONDITIONS: &[(&str, &str)] = &[
    ("tot", "Đang sử dụng tốt"),
    ("hong_sua", "Hư hỏng, cần sửa chữa"),
    ("hong", "Hư hỏng, không sử dụng được"),
    ("khong_dung", "Không có nhu cầu sử dụng"),
];

/// What the reconciliation finds for a line.
pub const OUTCOMES: &[(&str, &str)] = &[
    ("khop", "Khớp sổ"),
    ("thieu", "Thiếu"),
    ("thua", "Thừa"),
    ("noi_khac", "Ở nơi khác"),
    ("tinh_trang", "Thay đổi tình trạng"),
    ("chua_kiem", "Chưa kiểm"),
    ("ngoai_so", "Không có trong sổ"),
    ("xung_dot", "Số đếm khác nhau"),
];

/// How a discrepancy is resolved.
pub const RESOLUTIONS: &[(&str, &str)] = &[
    ("dieu_chinh", "Điều chỉnh sổ theo thực tế"),
    ("xu_ly", "Đề nghị xử lý tài sản"),
    ("thanh_tra", "Chuyển Thanh tra xem xét"),
    ("giu_nguyen", "Giữ nguyên sổ, có giải trình"),
    (BOOK_SURPLUS, "Ghi tăng tài sản phát hiện thừa"),
];

/// The resolution that books an asset the count found and the books did not hold.
pub const BOOK_SURPLUS: &str = "ghi_tang";

/// A yes/no field as forms and JSON send it.
pub const YES_NO: &[(&str, &str)] = &[("true", "Có"), ("false", "Không"), ("1", "Có"), ("0", "Không")];

/// Vai trò trong Ban kiểm kê.
pub const COMMITTEE_ROLES: &[(&str, &str)] =
    &[("truong_ban", "Trưởng ban"), ("pho_ban", "Phó trưởng ban"), ("uy_vien", "Ủy viên"), ("thu_ky", "Thư ký")];

pub(crate) use crate::assets::label;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = count_sessions)]
pub struct CountSession {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub decision_no: String,
    pub decision_date: NaiveDate,
    pub reference_date: NaiveDate,
    pub scope_units: String,
    pub scope_locations: String,
    pub scope_classes: String,
    pub status: String,
    #[serde(skip)]
    pub sheet_secret: String,
    pub minutes_sha256: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub reconciled_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// Counters see the book quantity (hiện số sổ sách); by default the count is blind.
    pub show_book: bool,
}

impl CountSession {
    pub fn status_name(&self) -> String {
        label(STATUSES, &self.status)
    }

    fn ids(json: &str) -> Vec<i32> {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn unit_ids(&self) -> Vec<i32> {
        Self::ids(&self.scope_units)
    }

    pub fn class_ids(&self) -> Vec<i32> {
        Self::ids(&self.scope_classes)
    }

    pub fn locations(&self) -> Vec<String> {
        serde_json::from_str(&self.scope_locations).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = count_members)]
pub struct Member {
    pub id: i32,
    pub session_id: i32,
    pub full_name: String,
    pub committee_role: String,
    pub position: Option<String>,
    pub represents: Option<String>,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = count_lines)]
pub struct Line {
    pub id: i32,
    pub session_id: i32,
    pub asset_id: Option<i32>,
    pub code: String,
    pub name: String,
    pub class_name: String,
    pub class_order: i32,
    pub unit_id: Option<i32>,
    pub unit_name: String,
    pub location: Option<String>,
    pub unit_of_measure: String,
    pub book_quantity: i32,
    pub book_cost: i64,
    pub book_residual: i64,
    pub book_condition: String,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub disposal_id: Option<i32>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub applied_at: Option<NaiveDateTime>,
    /// The value set on an asset found beyond the books, once booked.
    pub found_value: Option<i64>,
}

impl Line {
    /// Whether a counter of `scope` may count it: unit staff count their own unit's assets.
    pub fn countable_by(&self, scope: &Scope) -> bool {
        self.unit_id.is_none_or(|u| scope.check_edit(u).is_ok())
    }
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = count_entries)]
pub struct Entry {
    pub id: i32,
    pub session_id: i32,
    pub code: String,
    pub quantity: i32,
    pub condition: Option<String>,
    pub location: Option<String>,
    pub note: Option<String>,
    pub counter: String,
    pub source: String,
    pub settles: bool,
    pub created_at: NaiveDateTime,
}

/// The merged counts of one code: what the counters agree on, or their disagreement.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tally {
    pub quantity: i32,
    pub condition: Option<String>,
    pub location: Option<String>,
    pub note: Option<String>,
    pub counters: Vec<String>,
    /// Each counter's latest entry when they disagree on the quantity or the condition.
    pub conflict: Vec<(String, i32, Option<String>)>,
}

/// Merges the entries of one code (in the order they were made): from the last entry that settled
/// a conflict on, each counter's latest entry stands; counters who disagree are a conflict — the
/// figures are never summed, because two people counting the same cupboard are not two cupboards.
pub fn tally(entries: &[&Entry]) -> Option<Tally> {
    let start = entries.iter().rposition(|e| e.settles).unwrap_or(0);
    let live = &entries[start..];
    let mut latest: Vec<&Entry> = vec![];
    for e in live {
        match latest.iter_mut().find(|l| l.counter == e.counter) {
            Some(l) => *l = e,
            None => latest.push(e),
        }
    }
    let last = *live.last()?;
    let given = |f: fn(&Entry) -> Option<&String>| live.iter().rev().find_map(|e| f(e).cloned());
    let conditions: Vec<&String> = latest.iter().filter_map(|e| e.condition.as_ref()).collect();
    let disagree = latest.iter().any(|e| e.quantity != last.quantity) || conditions.windows(2).any(|w| w[0] != w[1]);
    Some(Tally {
        quantity: last.quantity,
        condition: given(|e| e.condition.as_ref()),
        location: given(|e| e.location.as_ref()),
        note: given(|e| e.note.as_ref()),
        counters: latest.iter().map(|e| e.counter.clone()).collect(),
        conflict: if disagree {
            latest.iter().map(|e| (e.counter.clone(), e.quantity, e.condition.clone())).collect()
        } else {
            vec![]
        },
    })
}

/// A line of the reconciliation: the books, the count, the difference, and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciled {
    #[serde(flatten)]
    pub line: Line,
    pub count: Option<Tally>,
    pub counted_quantity: i32,
    pub counted_cost: i64,
    pub counted_residual: i64,
    pub outcome: &'static str,
    pub location_changed: bool,
    pub condition_changed: bool,
    /// The findings and handling this line led to (`evidence::related`), by code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<crate::evidence::Related>,
}

impl Reconciled {
    /// Whether an inspection finding already rests on this line.
    pub fn has_finding(&self) -> bool {
        self.related.iter().any(|r| r.kind == "finding")
    }

    pub fn diff_quantity(&self) -> i32 {
        self.counted_quantity - self.line.book_quantity
    }

    pub fn diff_cost(&self) -> i64 {
        self.counted_cost - self.line.book_cost
    }

    pub fn diff_residual(&self) -> i64 {
        self.counted_residual - self.line.book_residual
    }

    pub fn is_discrepancy(&self) -> bool {
        self.outcome != "khop"
    }

    pub fn outcome_name(&self) -> String {
        let mut parts = vec![label(OUTCOMES, self.outcome)];
        if self.location_changed && self.outcome != "noi_khac" {
            parts.push(label(OUTCOMES, "noi_khac"));
        }
        if self.condition_changed && self.outcome != "tinh_trang" {
            parts.push(label(OUTCOMES, "tinh_trang"));
        }
        parts.join(", ")
    }

    /// What the minutes say in "Ghi chú": the finding, where it was found, and its resolution.
    pub fn remark(&self) -> String {
        if !self.is_discrepancy() {
            return String::new();
        }
        let mut s = self.outcome_name();
        if let (true, Some(t)) = (self.location_changed, self.count.as_ref().and_then(|t| t.location.as_ref())) {
            s.push_str(&format!(" (thực tế ở: {t})"));
        }
        if let (true, Some(c)) = (self.condition_changed, self.count.as_ref().and_then(|t| t.condition.as_ref())) {
            s.push_str(&format!(" (tình trạng: {})", label(CONDITIONS, c)));
        }
        if let Some(r) = &self.line.resolution {
            s.push_str(&format!(" — {}", label(RESOLUTIONS, r)));
        }
        for x in &self.related {
            s.push_str(&format!(" ({} {})", x.kind_name.to_lowercase(), x.code));
        }
        s
    }
}

/// `part` of `whole` items' `value`, in whole đồng rounded half up.
pub fn share(value: i64, part: i32, whole: i32) -> i64 {
    if whole <= 0 {
        return 0;
    }
    ((value as i128 * part as i128 + whole as i128 / 2) / whole as i128) as i64
}

/// Compares the books with the count, line by line; codes counted that no line holds come last,
/// as lines of their own (`ngoai_so`, no asset) until the reconciliation stores them.
pub fn reconcile(lines: Vec<Line>, entries: &[Entry]) -> Vec<Reconciled> {
    let mut by_code: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_code.entry(fold(&e.code)).or_default().push(e);
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let count = by_code.remove(&fold(&line.code)).and_then(|es| tally(&es));
        out.push(compare(line, count));
    }
    out
}

/// One line against its merged count.
fn compare(line: Line, count: Option<Tally>) -> Reconciled {
    let counted_quantity = count.as_ref().map(|t| t.quantity).unwrap_or(0);
    let unit_cost_base = line.book_quantity.max(1);
    // What was found beyond the books is worth what the committee set on it (0 until it does).
    let (counted_cost, counted_residual) = if line.book_quantity == 0 {
        let v = line.found_value.unwrap_or(0);
        (v, v)
    } else if line.asset_id.is_none() {
        (0, 0)
    } else {
        (
            share(line.book_cost, counted_quantity, unit_cost_base),
            share(line.book_residual, counted_quantity, unit_cost_base),
        )
    };
    let location_changed = count
        .as_ref()
        .and_then(|t| t.location.as_ref())
        .is_some_and(|l| fold(l) != line.location.as_deref().map(fold).unwrap_or_default() && counted_quantity > 0);
    let condition_changed =
        count.as_ref().and_then(|t| t.condition.as_ref()).is_some_and(|c| c != &line.book_condition);
    let outcome = match &count {
        _ if line.asset_id.is_none() => "ngoai_so",
        None => "chua_kiem",
        Some(t) if !t.conflict.is_empty() => "xung_dot",
        Some(t) if t.quantity < line.book_quantity => "thieu",
        Some(t) if t.quantity > line.book_quantity => "thua",
        _ if location_changed => "noi_khac",
        _ if condition_changed => "tinh_trang",
        _ => "khop",
    };
    Reconciled {
        line,
        count,
        counted_quantity,
        counted_cost,
        counted_residual,
        outcome,
        location_changed,
        condition_changed,
        related: vec![],
    }
}

// ---- Reading --------------------------------------------------------------------------------------

pub fn find(conn: &mut DbConn, id: i32) -> AppResult<CountSession> {
    count_sessions::table
        .find(id)
        .select(CountSession::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("đợt kiểm kê số {id}")))
}

/// The counts the person may see: for unit staff, those that count some of their unit's assets.
pub fn list(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<CountSession>> {
    let all: Vec<CountSession> = count_sessions::table
        .order((count_sessions::reference_date.desc(), count_sessions::id.desc()))
        .select(CountSession::as_select())
        .load(conn)?;
    let Some(units) = &scope.read_units else { return Ok(all) };
    let mine: Vec<i32> = count_lines::table
        .filter(count_lines::unit_id.eq_any(units.clone()))
        .select(count_lines::session_id)
        .distinct()
        .load(conn)?;
    Ok(all.into_iter().filter(|s| mine.contains(&s.id)).collect())
}

/// A route naming a count reaches it from any unit it counts.
pub const REACH: crate::web::Reach = crate::web::Reach::Shared(units_of);

/// The units whose assets a count counts (`web::Reach`, shared: each unit sees its part).
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    let found: Option<i32> = count_sessions::table.find(id).select(count_sessions::id).first(conn).optional()?;
    if found.is_none() {
        return Ok(None);
    }
    let units: Vec<Option<i32>> =
        count_lines::table.filter(count_lines::session_id.eq(id)).select(count_lines::unit_id).distinct().load(conn)?;
    Ok(Some(units.into_iter().flatten().collect()))
}

pub fn members_of(conn: &mut DbConn, id: i32) -> AppResult<Vec<Member>> {
    Ok(count_members::table
        .filter(count_members::session_id.eq(id))
        .order(count_members::sort_order)
        .select(Member::as_select())
        .load(conn)?)
}

/// The lines of a count in the order of the minutes: by class, then code.
pub fn lines_of(conn: &mut DbConn, id: i32) -> AppResult<Vec<Line>> {
    Ok(count_lines::table
        .filter(count_lines::session_id.eq(id))
        .order((count_lines::asset_id.is_null(), count_lines::class_order, count_lines::code, count_lines::id))
        .select(Line::as_select())
        .load(conn)?)
}

/// The lines of one unit's assets, in the same order.
/// The lines of count `id` of a unit and the units under it (its sections).
pub fn lines_of_unit(conn: &mut DbConn, id: i32, unit: i32) -> AppResult<Vec<Line>> {
    let tree: Vec<(i32, Option<i32>)> = org_units::table.select((org_units::id, org_units::parent_id)).load(conn)?;
    Ok(count_lines::table
        .filter(count_lines::session_id.eq(id))
        .filter(count_lines::unit_id.eq_any(crate::auth::units_under(&tree, unit)))
        .order((count_lines::class_order, count_lines::code, count_lines::id))
        .select(Line::as_select())
        .load(conn)?)
}

pub fn entries_of(conn: &mut DbConn, id: i32) -> AppResult<Vec<Entry>> {
    Ok(count_entries::table
        .filter(count_entries::session_id.eq(id))
        .order(count_entries::id)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The reconciliation as it stands now (while counting: a live view of the progress). Codes
/// counted that no line holds are shown as lines without an asset.
pub fn reconciliation(conn: &mut DbConn, id: i32) -> AppResult<Vec<Reconciled>> {
    let lines = lines_of(conn, id)?;
    let entries = entries_of(conn, id)?;
    let known: std::collections::HashSet<String> = lines.iter().map(|l| fold(&l.code)).collect();
    let mut out = reconcile(lines, &entries);
    let mut unknown: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in entries.iter().filter(|e| !known.contains(&fold(&e.code))) {
        unknown.entry(fold(&e.code)).or_default().push(e);
    }
    for (_, es) in unknown {
        let line = unknown_line(id, es[0]);
        out.push(compare(line, tally(&es)));
    }
    Ok(out)
}

/// The findings and handlings each decided line led to, for the pages, the API and the minutes
/// that show them (the counting, the close and the seal do without).
pub fn with_related(conn: &mut DbConn, mut rows: Vec<Reconciled>) -> AppResult<Vec<Reconciled>> {
    // Only a line someone decided on leads anywhere.
    for r in rows.iter_mut().filter(|r| r.line.id > 0 && r.line.resolution.is_some()) {
        r.related = crate::evidence::related(conn, crate::evidence::Record::CountLine(r.line.id))?
            .into_iter()
            .filter(|x| x.kind != "asset")
            .collect();
    }
    Ok(rows)
}

/// A line for a code the books do not know (not yet stored: id 0).
fn unknown_line(session_id: i32, e: &Entry) -> Line {
    Line {
        id: 0,
        session_id,
        asset_id: None,
        code: e.code.clone(),
        name: e.note.clone().unwrap_or_else(|| "Tài sản không có trong sổ".into()),
        class_name: "Tài sản không có trong sổ".into(),
        class_order: i32::MAX,
        unit_id: None,
        unit_name: String::new(),
        location: e.location.clone(),
        unit_of_measure: String::new(),
        book_quantity: 0,
        book_cost: 0,
        book_residual: 0,
        book_condition: String::new(),
        resolution: None,
        resolution_note: None,
        disposal_id: None,
        resolved_by: None,
        resolved_at: None,
        applied_at: None,
        found_value: None,
    }
}

/// Progress of a count: lines counted out of lines, by unit and by location.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Progress {
    pub total: usize,
    pub counted: usize,
    pub conflicts: usize,
    pub discrepancies: usize,
    /// Discrepancies among what has been counted (while counting, the rest is simply not reached).
    pub found_discrepancies: usize,
    pub unresolved: usize,
    pub unknown_codes: usize,
    pub by_unit: Vec<(String, usize, usize)>,
    pub by_location: Vec<(String, usize, usize)>,
}

pub fn progress(rows: &[Reconciled]) -> Progress {
    let mut p = Progress::default();
    let mut units: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut places: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in rows {
        if r.line.asset_id.is_none() {
            p.unknown_codes += 1;
        } else {
            p.total += 1;
            let counted = r.count.is_some();
            p.counted += counted as usize;
            let u = units.entry(r.line.unit_name.clone()).or_default();
            u.0 += counted as usize;
            u.1 += 1;
            let place = r.line.location.clone().unwrap_or_else(|| "(chưa ghi vị trí)".into());
            let l = places.entry(place).or_default();
            l.0 += counted as usize;
            l.1 += 1;
        }
        p.conflicts += (r.outcome == "xung_dot") as usize;
        if r.is_discrepancy() {
            p.discrepancies += 1;
            p.found_discrepancies += (r.outcome != "chua_kiem" && r.outcome != "xung_dot") as usize;
            p.unresolved += r.line.resolution.is_none() as usize;
        }
    }
    p.by_unit = units.into_iter().map(|(k, (a, b))| (k, a, b)).collect();
    p.by_location = places.into_iter().map(|(k, (a, b))| (k, a, b)).collect();
    p
}

// ---- Creating and opening ---------------------------------------------------------------------

pub(crate) const SESSION_FIELDS: &[&str] =
    &["code", "title", "decision_no", "decision_date", "reference_date", "units", "locations", "classes", "members"];
pub(crate) const MEMBER_FIELDS: &[&str] = &["full_name", "committee_role", "position", "represents"];

/// A list given as a JSON array of strings or numbers, or as text separated by «;», «,» or lines.
fn names_in(input: &mut Input, key: &str, label: &str) -> Vec<String> {
    let pairs = input.pairs();
    if let Some((_, s)) = pairs.iter().find(|(k, _)| k == key) {
        return s.split([';', ',', '\n']).filter_map(text::clean).collect();
    }
    input.array(key, label).into_iter().filter_map(|v| text::clean(&v)).collect()
}

/// Lập đợt kiểm kê (a draft): the decision, the reference time, the scope and the committee.
pub fn create(conn: &mut DbConn, actor: &Actor, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(SESSION_FIELDS, &[]);
    let decision_no = input.text("decision_no", "Số quyết định kiểm kê", true, 100);
    let decision_date = input.date("decision_date", "Ngày quyết định");
    let decision_date = input.required(decision_date, "decision_date", "Ngày quyết định");
    let reference_date = input.date("reference_date", "Thời điểm kiểm kê");
    let reference_date = input.required(reference_date, "reference_date", "Thời điểm kiểm kê");
    if decision_date.is_some_and(|d| d > text::today()) {
        input.error("decision_date", "«Ngày quyết định» không được sau ngày hôm nay");
    }
    let title = input.text("title", "Tên đợt kiểm kê", false, 300);
    let code = input.text("code", "Mã đợt", false, 40);
    // Scope: units by code or short name, classes by code, locations as written.
    let all_units: Vec<(i32, String, String)> =
        org_units::table.select((org_units::id, org_units::code, org_units::short_name)).load(conn)?;
    let mut unit_ids = vec![];
    for name in names_in(&mut input, "units", "Đơn vị kiểm kê") {
        match all_units
            .iter()
            .find(|(id, c, s)| fold(c) == fold(&name) || fold(s) == fold(&name) || id.to_string() == name)
        {
            Some((id, _, _)) => unit_ids.push(*id),
            None => input.error("units", format!("Không có đơn vị «{name}»")),
        }
    }
    let all_classes: Vec<(i32, String)> =
        asset_classes::table.select((asset_classes::id, asset_classes::code)).load(conn)?;
    let mut class_ids = vec![];
    for name in names_in(&mut input, "classes", "Loại tài sản kiểm kê") {
        match all_classes.iter().find(|(id, c)| fold(c) == fold(&name) || id.to_string() == name) {
            Some((id, _)) => class_ids.push(*id),
            None => input.error("classes", format!("Không có loại tài sản mã «{name}»")),
        }
    }
    let locations = names_in(&mut input, "locations", "Nơi kiểm kê");
    let mut members = vec![];
    for (i, mut m) in input.list("members", "Ban kiểm kê", true).into_iter().enumerate() {
        m.reject_unknown(MEMBER_FIELDS, &[]);
        let full_name = m.text("full_name", "Họ và tên", true, 200);
        let role = m.choice("committee_role", "Vai trò trong Ban", COMMITTEE_ROLES, true);
        let position = m.text("position", "Chức vụ", false, 200);
        let represents = m.text("represents", "Đại diện", false, 200);
        if let (Some(n), Some(r)) = (full_name, role) {
            members.push((n, r, position, represents));
        }
        input.absorb("members", i, m);
    }
    if !members.is_empty() && !members.iter().any(|m| m.1 == "truong_ban") {
        input.error("members", "Ban kiểm kê cần có Trưởng ban");
    }
    if let Some(c) = &code {
        if count_sessions::table.filter(count_sessions::code.eq(c)).count().get_result::<i64>(conn)? > 0 {
            input.error("code", format!("Đã có đợt kiểm kê mã «{c}»"));
        }
    }
    input.finish()?;
    let (decision_no, decision_date, reference_date) =
        (decision_no.unwrap_or_default(), decision_date.unwrap_or_default(), reference_date.unwrap_or_default());
    let code = match code {
        Some(c) => c,
        None => next_code(conn, reference_date)?,
    };
    let title = title.unwrap_or_else(|| format!("Kiểm kê tài sản thời điểm {}", text::format_date(reference_date)));
    let now = text::now_utc();
    let id: i32 = diesel::insert_into(count_sessions::table)
        .values((
            count_sessions::code.eq(&code),
            count_sessions::title.eq(&title),
            count_sessions::decision_no.eq(&decision_no),
            count_sessions::decision_date.eq(decision_date),
            count_sessions::reference_date.eq(reference_date),
            count_sessions::scope_units.eq(json!(unit_ids).to_string()),
            count_sessions::scope_locations.eq(json!(locations).to_string()),
            count_sessions::scope_classes.eq(json!(class_ids).to_string()),
            count_sessions::status.eq("nhap"),
            count_sessions::sheet_secret.eq(crate::auth::random_secret()),
            count_sessions::created_by.eq(&actor.0),
            count_sessions::created_at.eq(now),
            count_sessions::updated_at.eq(now),
            count_sessions::version.eq(1),
        ))
        .returning(count_sessions::id)
        .get_result(conn)?;
    for (i, (full_name, role, position, represents)) in members.iter().enumerate() {
        diesel::insert_into(count_members::table)
            .values((
                count_members::session_id.eq(id),
                count_members::full_name.eq(full_name),
                count_members::committee_role.eq(role),
                count_members::position.eq(position),
                count_members::represents.eq(represents),
                count_members::sort_order.eq(i as i32),
            ))
            .execute(conn)?;
    }
    let s = find(conn, id)?;
    audit::record(conn, actor, "create", "count", id, None, Some(&json!({"session": s, "members": members})))?;
    Ok(id)
}

/// KK-2026, KK-2026-2, … by the reference year.
fn next_code(conn: &mut DbConn, reference: NaiveDate) -> AppResult<String> {
    use chrono::Datelike;
    let base = format!("KK-{}", reference.year());
    let mut first_taken = false;
    // The year's first count is KK-2026 itself: it counts as number 1.
    let last = crate::db::last_number(conn, "counts", &format!("{base}-"), "", |c, like| {
        first_taken = count_sessions::table.filter(count_sessions::code.eq(&base)).count().get_result::<i64>(c)? > 0;
        Ok(count_sessions::table.filter(count_sessions::code.like(like)).select(count_sessions::code).load(c)?)
    })?;
    Ok(match (first_taken, last) {
        (false, 0) => base,
        (_, n) => format!("{base}-{}", n.max(1) + 1),
    })
}

/// Moves a count to `to` from the status the caller saw; the version keeps two people from both
/// closing (or both opening) it.
fn advance(conn: &mut DbConn, s: &CountSession, from: &[&str], to: &str) -> AppResult<()> {
    if !from.contains(&s.status.as_str()) {
        return Err(AppError::conflict(format!(
            "Đợt kiểm kê {} đang ở trạng thái «{}»: không thực hiện được bước này",
            s.code,
            s.status_name()
        )));
    }
    let now = text::now_utc();
    let q = count_sessions::table.filter(count_sessions::id.eq(s.id)).filter(count_sessions::version.eq(s.version));
    let moved = diesel::update(q)
        .set((
            count_sessions::status.eq(to),
            count_sessions::updated_at.eq(now),
            count_sessions::version.eq(s.version + 1),
        ))
        .execute(conn)?;
    if moved == 0 {
        return Err(AppError::conflict("Đợt kiểm kê vừa được người khác cập nhật; hãy tải lại trang"));
    }
    let row = count_sessions::table.find(s.id);
    match to {
        "dang_kiem" if s.opened_at.is_none() => {
            diesel::update(row).set(count_sessions::opened_at.eq(Some(now))).execute(conn)?
        }
        "da_doi_chieu" => diesel::update(row).set(count_sessions::reconciled_at.eq(Some(now))).execute(conn)?,
        "da_khoa" => diesel::update(row).set(count_sessions::closed_at.eq(Some(now))).execute(conn)?,
        _ => 0,
    };
    Ok(())
}

/// The condition the books imply, in the terms of the count sheet's drop-down.
fn book_condition(a: &Asset) -> &'static str {
    let c = a.condition.as_deref().map(fold).unwrap_or_default();
    match a.status.as_str() {
        "hong_cho_xu_ly" => "hong",
        "cho_xu_ly" => "khong_dung",
        _ if c.contains("sua chua") => "hong_sua",
        _ if c.contains("hong") => "hong",
        _ if c.contains("khong co nhu cau") || c.contains("khong su dung") => "khong_dung",
        _ => "tot",
    }
}

#[derive(Insertable)]
#[diesel(table_name = count_lines, treat_none_as_null = true, treat_none_as_default_value = false)]
struct NewLine {
    session_id: i32,
    asset_id: Option<i32>,
    code: String,
    name: String,
    class_name: String,
    class_order: i32,
    unit_id: Option<i32>,
    unit_name: String,
    location: Option<String>,
    unit_of_measure: String,
    book_quantity: i32,
    book_cost: i64,
    book_residual: i64,
    book_condition: String,
}

/// Mở đợt kiểm kê: freezes the books at the reference time — every asset in scope that was on the
/// books then, with its quantity, original cost and residual value on that day — and lets counting
/// begin. Later edits of the register do not move the snapshot. Returns the number of lines.
pub fn open(conn: &mut DbConn, actor: &Actor, id: i32, version: Option<i64>) -> AppResult<usize> {
    let s = find(conn, id)?;
    check_version(&s, version)?;
    advance(conn, &s, &["nhap"], "dang_kiem")?;
    let rules = crate::rules::Rules::load(conn)?;
    let classes: HashMap<i32, (String, i32)> = asset_classes::table
        .select((asset_classes::id, asset_classes::name, asset_classes::sort_order))
        .load::<(i32, String, i32)>(conn)?
        .into_iter()
        .map(|(id, n, o)| (id, (n, o)))
        .collect();
    let units: HashMap<i32, String> =
        org_units::table.select((org_units::id, org_units::name)).load::<(i32, String)>(conn)?.into_iter().collect();
    let (unit_ids, class_ids) = (s.unit_ids(), s.class_ids());
    let places: Vec<String> = s.locations().iter().map(|l| fold(l)).collect();
    // Assets written down after the reference time were still on the books then.
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(s.reference_date);
    let later: Vec<i32> = match s.reference_date.succ_opt() {
        Some(next) => crate::disposals::write_downs(conn, next, far)?.into_keys().collect(),
        None => vec![],
    };
    let mut total = 0;
    let mut after = 0;
    // A page of assets at a time: the snapshot of a large register never sits in memory whole.
    loop {
        let mut q = assets_t::table
            .filter(assets_t::id.gt(after))
            .filter(assets_t::status.ne("da_xu_ly").or(assets_t::id.eq_any(&later)))
            .into_boxed();
        if !unit_ids.is_empty() {
            q = q.filter(assets_t::unit_id.eq_any(&unit_ids));
        }
        if !class_ids.is_empty() {
            q = q.filter(assets_t::class_id.eq_any(&class_ids));
        }
        let page: Vec<Asset> = q.order(assets_t::id).limit(5000).select(Asset::as_select()).load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut rows = vec![];
        for a in page {
            let held_then = a.acquired_on.or(a.in_use_on).is_none_or(|d| d <= s.reference_date)
                && a.acquired_year.is_none_or(|y| {
                    use chrono::Datelike;
                    y <= s.reference_date.year()
                });
            let place_ok =
                places.is_empty() || a.location.as_deref().is_some_and(|l| places.iter().any(|p| *p == fold(l)));
            if !held_then || !place_ok {
                continue;
            }
            let residual = a.wear_schedule(&rules, s.reference_date)?.residual_value;
            let (class_name, class_order) = classes.get(&a.class_id).cloned().unwrap_or_default();
            rows.push(NewLine {
                session_id: s.id,
                asset_id: Some(a.id),
                book_condition: book_condition(&a).to_string(),
                code: a.code,
                name: a.name,
                class_name,
                class_order,
                unit_id: Some(a.unit_id),
                unit_name: units.get(&a.unit_id).cloned().unwrap_or_default(),
                location: a.location,
                unit_of_measure: a.unit_of_measure,
                book_quantity: a.quantity,
                book_cost: a.original_cost,
                book_residual: residual,
            });
        }
        for chunk in rows.chunks(500) {
            let insert = diesel::insert_into(count_lines::table).values(chunk);
            crate::on_backend!(conn, c => insert.execute(c))?;
        }
        total += rows.len();
    }
    if total == 0 {
        return Err(AppError::BadRequest(
            "Không có tài sản nào trong phạm vi kiểm kê tại thời điểm đã chọn; hãy xem lại phạm vi".into(),
        ));
    }
    audit::record(conn, actor, "open", "count", id, None, Some(&json!({"lines": total, "status": "dang_kiem"})))?;
    Ok(total)
}

fn check_version(s: &CountSession, version: Option<i64>) -> AppResult<()> {
    match version {
        Some(v) if v != s.version as i64 => Err(AppError::conflict(format!(
            "Đợt kiểm kê {} đã được cập nhật sau khi bạn mở (phiên bản {} — bạn gửi {v}); hãy tải lại",
            s.code, s.version
        ))),
        _ => Ok(()),
    }
}

// ---- Counting -----------------------------------------------------------------------------------

/// What a counter says about one code.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub code: String,
    pub quantity: i32,
    pub condition: Option<String>,
    pub location: Option<String>,
    pub note: Option<String>,
}

pub(crate) const ENTRY_FIELDS: &[&str] = &["code", "quantity", "condition", "location", "note", "settles"];

/// Reads a condition as a code or as the drop-down's words.
pub fn condition_code(value: &str) -> Option<&'static str> {
    let v = fold(value);
    CONDITIONS.iter().find(|(c, n)| fold(c) == v || fold(n) == v).map(|(c, _)| *c)
}

/// Ghi kết quả đếm: one code counted by one person (phone page, API). `settles` (managers only)
/// settles a conflict: it stands over every earlier entry of the code.
pub fn record_entry(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    mut input: Input,
    may_settle: bool,
    source: &str,
) -> AppResult<Entry> {
    input.reject_unknown(ENTRY_FIELDS, &[]);
    let entry = entry_fields(&mut input);
    let settles = input.choice("settles", "Chốt số", YES_NO, false).is_some_and(|s| s == "true" || s == "1");
    if settles && !may_settle {
        input.error("settles", "Chỉ Tổ xử lý tài sản hoặc quản trị được chốt số khi các người đếm ghi khác nhau");
    }
    input.finish()?;
    let s = find(conn, id)?;
    let mut saved = save_entries(conn, actor, scope, &s, vec![entry], source, settles)?;
    Ok(saved.pop().expect("one entry saved"))
}

/// Cộng thêm: `entry.quantity` more of its code than the figure standing (a second cupboard holds
/// more). The new figure includes every entry before it, so it stands over them as a settled one
/// does; refused while counters disagree, since there is no one figure to add to.
pub fn add_to_standing(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    s: &CountSession,
    mut entry: NewEntry,
    source: &str,
) -> AppResult<Entry> {
    let known = known_lines(conn, s.id, std::slice::from_ref(&entry.code))?;
    let code = known.values().next().map(|l| l.code.clone()).unwrap_or_else(|| entry.code.clone());
    let before = entries_of_code(conn, s.id, &code)?;
    let standing = tally(&before.iter().collect::<Vec<_>>());
    if standing.as_ref().is_some_and(|t| !t.conflict.is_empty()) {
        return Err(AppError::conflict(format!(
            "«{code}»: các người đếm đang ghi khác nhau, chưa có một số để cộng thêm; Tổ kiểm kê chốt số trước"
        )));
    }
    entry.quantity += standing.map(|t| t.quantity).unwrap_or(0);
    let mut saved = save_entries(conn, actor, scope, s, vec![entry], source, true)?;
    Ok(saved.pop().expect("one entry saved"))
}

/// One entry read and checked, as every way of counting sends it.
pub(crate) fn read_entry(mut input: Input) -> AppResult<NewEntry> {
    let entry = entry_fields(&mut input);
    input.finish()?;
    Ok(entry)
}

/// The fields of one entry; their problems collect on `input`.
fn entry_fields(input: &mut Input) -> NewEntry {
    let code = input.text("code", "Mã tài sản", true, 60);
    let quantity = input.int("quantity", "Số lượng thực tế", 0, 1_000_000_000).map(|q| q as i32);
    let quantity = input.required(quantity, "quantity", "Số lượng thực tế");
    let condition = input.text("condition", "Tình trạng", false, 100);
    let condition = match condition.as_deref().map(condition_code) {
        Some(None) => {
            let names: Vec<&str> = CONDITIONS.iter().map(|c| c.1).collect();
            input.error("condition", format!("«Tình trạng» phải là một trong: {}", names.join("; ")));
            None
        }
        Some(Some(c)) => Some(c.to_string()),
        None => None,
    };
    let location = input.text("location", "Nơi đặt thực tế", false, 300);
    let note = input.text("note", "Ghi chú", false, 1000);
    NewEntry { code: code.unwrap_or_default(), quantity: quantity.unwrap_or_default(), condition, location, note }
}

/// Refuses entries unless the count is counting, and entries for another unit's assets from unit
/// staff. Returns the line each known code names.
fn check_entries(
    conn: &mut DbConn,
    scope: &Scope,
    s: &CountSession,
    codes: &[String],
) -> AppResult<HashMap<String, Line>> {
    if s.status != "dang_kiem" {
        return Err(AppError::conflict(format!(
            "Đợt kiểm kê {} đang ở trạng thái «{}»: không nhận thêm kết quả đếm",
            s.code,
            s.status_name()
        )));
    }
    let found = known_lines(conn, s.id, codes)?;
    if let Some(l) = found.values().find(|l| !l.countable_by(scope)) {
        return Err(AppError::Forbidden(format!(
            "«{}» là tài sản của {}: bạn chỉ kiểm kê tài sản của đơn vị mình",
            l.code, l.unit_name
        )));
    }
    Ok(found)
}

/// The lines of count `id` that `codes` name, by folded code. The books' codes are matched as
/// written first, then without regard to case (a counter types «tt-001» for «TT-001»).
pub(crate) fn known_lines(conn: &mut DbConn, id: i32, codes: &[String]) -> AppResult<HashMap<String, Line>> {
    let mut found: HashMap<String, Line> = HashMap::new();
    for chunk in codes.chunks(5000) {
        let lines: Vec<Line> = count_lines::table
            .filter(count_lines::session_id.eq(id))
            .filter(count_lines::code.eq_any(chunk))
            .select(Line::as_select())
            .load(conn)?;
        for l in lines {
            found.insert(fold(&l.code), l);
        }
    }
    if found.len() < codes.len() {
        let missing: std::collections::HashSet<String> =
            codes.iter().map(|c| fold(c)).filter(|c| !found.contains_key(c)).collect();
        if !missing.is_empty() {
            let all: Vec<Line> =
                count_lines::table.filter(count_lines::session_id.eq(id)).select(Line::as_select()).load(conn)?;
            for l in all {
                let k = fold(&l.code);
                if missing.contains(&k) {
                    found.insert(k, l);
                }
            }
        }
    }
    Ok(found)
}

#[derive(Insertable)]
#[diesel(table_name = count_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
struct EntryRow<'a> {
    session_id: i32,
    code: &'a str,
    quantity: i32,
    condition: Option<&'a str>,
    location: Option<&'a str>,
    note: Option<&'a str>,
    counter: &'a str,
    source: &'a str,
    settles: bool,
    created_at: NaiveDateTime,
}

/// Saves a counter's entries (one from the phone page, a sheet's worth from an import) with one
/// event in the history.
pub fn save_entries(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    s: &CountSession,
    entries: Vec<NewEntry>,
    source: &str,
    settles: bool,
) -> AppResult<Vec<Entry>> {
    let codes: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
    let known = check_entries(conn, scope, s, &codes)?;
    store_entries(conn, actor, s, entries, &known, source, settles)
}

/// Writes entries already checked (`known`: the lines their codes name, by folded code) — a count
/// sheet's import has looked its codes up once for its own per-row checks.
pub(crate) fn store_entries(
    conn: &mut DbConn,
    actor: &Actor,
    s: &CountSession,
    entries: Vec<NewEntry>,
    known: &HashMap<String, Line>,
    source: &str,
    settles: bool,
) -> AppResult<Vec<Entry>> {
    let now = text::now_utc();
    // The code as the books write it, when the counter typed it in other case.
    let canonical: Vec<String> = entries
        .iter()
        .map(|e| known.get(&fold(&e.code)).map(|l| l.code.clone()).unwrap_or_else(|| e.code.clone()))
        .collect();
    let first_id: i32 =
        count_entries::table.select(diesel::dsl::max(count_entries::id)).first::<Option<i32>>(conn)?.unwrap_or(0);
    let rows: Vec<EntryRow> = entries
        .iter()
        .zip(&canonical)
        .map(|(e, code)| EntryRow {
            session_id: s.id,
            code,
            quantity: e.quantity,
            condition: e.condition.as_deref(),
            location: e.location.as_deref(),
            note: e.note.as_deref(),
            counter: &actor.0,
            source,
            settles,
            created_at: now,
        })
        .collect();
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(count_entries::table).values(chunk);
        crate::on_backend!(conn, c => insert.execute(c))?;
    }
    let saved: Vec<Entry> = count_entries::table
        .filter(count_entries::session_id.eq(s.id))
        .filter(count_entries::id.gt(first_id))
        .filter(count_entries::counter.eq(&actor.0))
        .order(count_entries::id)
        .select(Entry::as_select())
        .load(conn)?;
    let summary: Vec<Value> = if saved.len() <= 20 {
        saved.iter().map(|e| json!(e)).collect()
    } else {
        vec![json!({"entries": saved.len(), "first": saved.first().map(|e| e.id), "last": saved.last().map(|e| e.id)})]
    };
    audit::record(
        conn,
        actor,
        "count",
        "count",
        s.id,
        None,
        Some(&json!({"source": source, "settles": settles, "entries": summary})),
    )?;
    Ok(saved)
}

// ---- Reconciling, resolving, closing -------------------------------------------------------------

/// Đối chiếu: stops counting and stores a line for each code counted that the books do not know.
/// Refused while counters disagree on some asset.
/// Refused too while a phone says it holds entries not sent yet, unless `unsent_reason` says why
/// counting ends anyway.
pub fn reconcile_session(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    version: Option<i64>,
    unsent_reason: Option<&str>,
) -> AppResult<Progress> {
    let s = find(conn, id)?;
    check_version(&s, version)?;
    if s.status == "dang_kiem" {
        field::check_phones(conn, actor, &s, unsent_reason)?;
    }
    let rows = reconciliation(conn, id)?;
    let conflicts: Vec<&str> = rows.iter().filter(|r| r.outcome == "xung_dot").map(|r| r.line.code.as_str()).collect();
    if !conflicts.is_empty() {
        let shown: Vec<&str> = conflicts.iter().take(10).copied().collect();
        return Err(AppError::conflict(format!(
            "Còn {} tài sản có số đếm khác nhau giữa các người đếm ({}{}): hãy chốt số trước khi đối chiếu",
            conflicts.len(),
            shown.join(", "),
            if conflicts.len() > 10 { ", …" } else { "" }
        )));
    }
    advance(conn, &s, &["dang_kiem"], "da_doi_chieu")?;
    // Found beyond the books in a count of one unit: that unit's, until booked.
    let single: Option<(i32, String)> = match s.unit_ids().as_slice() {
        [u] => {
            use crate::db::schema::org_units;
            org_units::table.find(*u).select((org_units::id, org_units::name)).first(conn).optional()?
        }
        _ => None,
    };
    for r in rows.iter().filter(|r| r.line.id == 0) {
        let l = &r.line;
        diesel::insert_into(count_lines::table)
            .values(NewLine {
                session_id: id,
                asset_id: None,
                code: l.code.clone(),
                name: l.name.clone(),
                class_name: l.class_name.clone(),
                class_order: l.class_order,
                unit_id: single.as_ref().map(|u| u.0),
                unit_name: single.as_ref().map(|u| u.1.clone()).unwrap_or_default(),
                location: l.location.clone(),
                unit_of_measure: String::new(),
                book_quantity: 0,
                book_cost: 0,
                book_residual: 0,
                book_condition: String::new(),
            })
            .execute(conn)?;
    }
    let p = progress(&rows);
    audit::record(conn, actor, "reconcile", "count", id, None, Some(&json!(p)))?;
    Ok(p)
}

/// Hiện / ẩn số sổ sách: whether counters see the book quantity. Blind by default: a counter who
/// sees «2» can confirm it without counting.
pub fn set_show_book(conn: &mut DbConn, actor: &Actor, id: i32, show: bool, version: Option<i64>) -> AppResult<()> {
    let s = find(conn, id)?;
    check_version(&s, version)?;
    let q = count_sessions::table.filter(count_sessions::id.eq(s.id)).filter(count_sessions::version.eq(s.version));
    let moved = diesel::update(q)
        .set((
            count_sessions::show_book.eq(show),
            count_sessions::updated_at.eq(text::now_utc()),
            count_sessions::version.eq(s.version + 1),
        ))
        .execute(conn)?;
    if moved == 0 {
        return Err(AppError::conflict("Đợt kiểm kê vừa được người khác cập nhật; hãy tải lại trang"));
    }
    audit::record(
        conn,
        actor,
        "update",
        "count",
        id,
        Some(&json!({"show_book": s.show_book})),
        Some(&json!({"show_book": show})),
    )?;
    Ok(())
}

/// What a scanned code is to the counter (quét mã), said before anything is saved.
#[derive(Debug, Clone)]
pub enum Scanned {
    /// Not an asset of this count: recorded only if the counter says it is one found beyond
    /// the books.
    Unknown,
    /// Another unit's asset: the counter may not record it.
    OtherUnit(Line),
    /// Counted already: what stands, and the last entry (who, when).
    Counted { line: Line, tally: Box<Tally>, last: Box<Entry> },
    /// One item, not counted yet: recorded as 1 at once.
    Single(Line),
    /// Several items: the counter says how many.
    AskQuantity(Line),
}

/// Looks a scanned code up in count `s` for a counter of `scope`.
pub fn scan(conn: &mut DbConn, scope: &Scope, s: &CountSession, code: &str) -> AppResult<Scanned> {
    let Some(line) = known_lines(conn, s.id, &[code.to_string()])?.into_values().next() else {
        return Ok(Scanned::Unknown);
    };
    if !line.countable_by(scope) {
        return Ok(Scanned::OtherUnit(line));
    }
    let entries = entries_of_code(conn, s.id, &line.code)?;
    let standing = tally(&entries.iter().collect::<Vec<_>>());
    Ok(match (standing, entries.last()) {
        (Some(tally), Some(last)) => Scanned::Counted { last: Box::new(last.clone()), tally: Box::new(tally), line },
        _ if line.book_quantity == 1 => Scanned::Single(line),
        _ => Scanned::AskQuantity(line),
    })
}

/// The entries of one code of count `id`, in the order they were made (what `tally` reads).
fn entries_of_code(conn: &mut DbConn, id: i32, code: &str) -> AppResult<Vec<Entry>> {
    Ok(count_entries::table
        .filter(count_entries::session_id.eq(id))
        .filter(count_entries::code.eq(code))
        .order(count_entries::id)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The lines of count `id` a counter of `scope` may count (`Line::countable_by`, in SQL) and
/// nobody has counted yet.
fn left_query(id: i32, scope: &Scope) -> count_lines::BoxedQuery<'static, crate::db::DbBackend> {
    let counted = count_entries::table.filter(count_entries::session_id.eq(id)).select(count_entries::code);
    let mut q = count_lines::table
        .filter(count_lines::session_id.eq(id))
        .filter(count_lines::asset_id.is_not_null())
        .filter(diesel::dsl::not(count_lines::code.eq_any(counted)))
        .into_boxed();
    if let Some(units) = &scope.edit_units {
        q = q.filter(count_lines::unit_id.eq_any(units.clone()).or(count_lines::unit_id.is_null()));
    }
    q
}

/// How many assets a counter of `scope` has left to count in count `s` (the phone page shows it
/// after every scan: counted by the database, not by loading the count).
pub fn left_count(conn: &mut DbConn, scope: &Scope, s: &CountSession) -> AppResult<usize> {
    Ok(left_query(s.id, scope).count().get_result::<i64>(conn)? as usize)
}

/// Còn lại: the assets of count `s` a counter of `scope` may count and nobody has counted yet, in
/// the order of a walk through the buildings — by place, then code.
pub fn left_to_count(conn: &mut DbConn, scope: &Scope, s: &CountSession) -> AppResult<Vec<Line>> {
    let mut left: Vec<Line> = left_query(s.id, scope).select(Line::as_select()).load(conn)?;
    left.sort_by(|a, b| {
        (a.location.is_none(), &a.location, &a.code).cmp(&(b.location.is_none(), &b.location, &b.code))
    });
    Ok(left)
}

/// Back to counting from the reconciliation (a unit asks to recount). Resolutions already given stay.
pub fn reopen(conn: &mut DbConn, actor: &Actor, id: i32, version: Option<i64>) -> AppResult<()> {
    let s = find(conn, id)?;
    check_version(&s, version)?;
    advance(conn, &s, &["da_doi_chieu"], "dang_kiem")?;
    audit::record(conn, actor, "reopen", "count", id, None, Some(&json!({"status": "dang_kiem"})))?;
    Ok(())
}

pub(crate) const RESOLUTION_FIELDS: &[&str] =
    &["resolution", "note", "form_code", "category_id", "unit_id", "value", "name"];

/// Xử lý chênh lệch: how one discrepancy is resolved. Sending an asset to handling opens a
/// disposal proposal at once (the handling engine's own checks apply); a finding for the
/// inspectorate waits as «chuyển Thanh tra» for the inspections module.
pub fn resolve(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    line_id: i32,
    mut input: Input,
) -> AppResult<Line> {
    input.reject_unknown(RESOLUTION_FIELDS, &[]);
    let resolution = input.choice("resolution", "Cách xử lý chênh lệch", RESOLUTIONS, true);
    let note = input.text("note", "Giải trình, lý do", true, 2000);
    let form_code = input.text("form_code", "Hình thức xử lý", false, 60);
    let s = find(conn, id)?;
    if s.status != "da_doi_chieu" {
        return Err(AppError::conflict(format!(
            "Chỉ xử lý chênh lệch sau khi đối chiếu và trước khi khóa sổ; đợt {} đang «{}»",
            s.code,
            s.status_name()
        )));
    }
    let line: Line = count_lines::table
        .filter(count_lines::id.eq(line_id))
        .filter(count_lines::session_id.eq(id))
        .select(Line::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("dòng kiểm kê số {line_id}")))?;
    if let Some(u) = line.unit_id {
        scope.check_edit(u)?;
    }
    let rows = reconcile(vec![line.clone()], &entries_for(conn, id, &line.code)?);
    let r = &rows[0];
    if !r.is_discrepancy() {
        input.error("resolution", format!("«{}» khớp sổ: không có chênh lệch để xử lý", line.code));
    }
    if line.asset_id.is_none() && matches!(resolution.as_deref(), Some("dieu_chinh" | "xu_ly")) {
        input.error(
            "resolution",
            "Tài sản không có trong sổ: chọn «Ghi tăng tài sản phát hiện thừa» (loại, đơn vị, giá trị), \
             hoặc chuyển Thanh tra, hoặc giải trình",
        );
    }
    // Booking a surplus: what it is, whose, and the value the count committee set on it.
    let booking = resolution.as_deref() == Some(BOOK_SURPLUS);
    let category_id = if booking { input.id("category_id", "Loại tài sản") } else { None };
    let value = if booking { input.money("value", "Giá trị xác định khi kiểm kê") } else { None };
    let name = if booking { input.text("name", "Tên tài sản", false, 500) } else { None };
    let unit_id = if booking { input.id("unit_id", "Đơn vị quản lý") } else { None };
    let single_unit = s.unit_ids().first().copied().filter(|_| s.unit_ids().len() == 1);
    let unit_id = unit_id.or(line.unit_id).or(single_unit);
    if booking {
        if line.asset_id.is_some() {
            input.error(
                "resolution",
                format!("«{}» đã có trong sổ: ghi tăng chỉ dành cho tài sản không có trong sổ", line.code),
            );
        }
        if category_id.is_none() && !input.has_error("category_id") {
            input.error("category_id", "Cần chọn loại tài sản để ghi tăng");
        }
        if value.is_none() && !input.has_error("value") {
            input.error("value", "Cần giá trị do Hội đồng kiểm kê xác định để ghi tăng");
        }
        if unit_id.is_none() && !input.has_error("unit_id") {
            input.error("unit_id", "Đợt kiểm kê gồm nhiều đơn vị: cần chọn đơn vị quản lý tài sản");
        }
        if r.counted_quantity < 1 {
            input.error("resolution", "Không ghi tăng được: không có số đếm thực tế");
        }
    }
    if resolution.as_deref() == Some("xu_ly") && form_code.is_none() {
        input.error("form_code", "Cần chọn hình thức xử lý khi đề nghị xử lý tài sản");
    }
    if line.resolution.as_deref() == Some("xu_ly") {
        input.error("resolution", "Dòng này đã có hồ sơ xử lý; muốn đổi hãy rút đề nghị trong hồ sơ xử lý trước");
    }
    input.finish()?;
    let resolution = resolution.unwrap_or_default();
    let note = note.unwrap_or_default();
    let disposal_id = if resolution == "xu_ly" {
        let missing = if r.counted_quantity < line.book_quantity { line.book_quantity - r.counted_quantity } else { 0 };
        let quantity = if missing > 0 { missing } else { line.book_quantity };
        let proposal = json!({
            "form_code": form_code,
            "reason": format!("Kiểm kê {} ({}): {}. {}", s.code, text::format_date(s.reference_date), r.outcome_name(), note),
            "doc_date": text::format_date(text::today()),
            "lines": [{"asset_id": line.asset_id, "quantity": quantity}],
        });
        Some(crate::disposals::propose(conn, actor, scope, Input::from_json(proposal)?)?)
    } else {
        None
    };
    let now = text::now_utc();
    if booking {
        let location = r.count.as_ref().and_then(|t| t.location.clone()).or(line.location.clone());
        let asset = json!({
            "code": line.code,
            "name": name.unwrap_or(line.name.clone()),
            "category_id": category_id,
            "unit_id": unit_id,
            "quantity": r.counted_quantity,
            "cost_other": value,
            "acquisition_method": crate::assets::FOUND_AT_COUNT,
            "acquired_on": text::format_date(s.reference_date),
            "in_use_on": text::format_date(s.reference_date),
            "location": location,
            "notes": format!("Phát hiện thừa khi kiểm kê {} ({}); giá trị do Hội đồng kiểm kê xác định. {note}", s.code, text::format_date(s.reference_date)),
        });
        let created = crate::assets::create(conn, actor, scope, Input::from_json(asset)?)?;
        diesel::update(count_lines::table.find(line.id))
            .set((
                count_lines::asset_id.eq(Some(created.asset.id)),
                count_lines::unit_id.eq(Some(created.asset.unit_id)),
                count_lines::unit_name.eq(&created.unit_name),
                count_lines::applied_at.eq(Some(now)),
                count_lines::found_value.eq(value),
            ))
            .execute(conn)?;
    }
    diesel::update(count_lines::table.find(line.id))
        .set((
            count_lines::resolution.eq(Some(&resolution)),
            count_lines::resolution_note.eq(Some(&note)),
            count_lines::disposal_id.eq(disposal_id),
            count_lines::resolved_by.eq(Some(&actor.0)),
            count_lines::resolved_at.eq(Some(now)),
        ))
        .execute(conn)?;
    let after: Line = count_lines::table.find(line.id).select(Line::as_select()).first(conn)?;
    audit::record(conn, actor, "resolve", "count", id, Some(&json!(line)), Some(&json!(after)))?;
    Ok(after)
}

/// What a finding opened from a count line starts with: what was found, where, the value short,
/// the asset, the count's code — for the inspector to check and complete.
pub fn finding_draft(conn: &mut DbConn, line_id: i32) -> AppResult<Option<BTreeMap<String, String>>> {
    let Some(line) = count_lines::table.find(line_id).select(Line::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let s = find(conn, line.session_id)?;
    let rows = reconcile(vec![line.clone()], &entries_for(conn, s.id, &line.code)?);
    let r = &rows[0];
    let missing = (line.book_quantity - r.counted_quantity).max(0);
    let short = share(line.book_residual, missing, line.book_quantity.max(1));
    let mut values = BTreeMap::new();
    values
        .insert("title".into(), format!("{} khi kiểm kê {}: {} ({})", r.outcome_name(), s.code, line.name, line.code));
    values.insert("amount".into(), short.to_string());
    if line.asset_id.is_some() {
        values.insert("asset_codes".into(), line.code.clone());
    }
    let place = line.location.clone().filter(|l| !l.trim().is_empty()).unwrap_or(line.unit_name.clone());
    values.insert("place".into(), place);
    values.insert("category".into(), "kiem_ke".into());
    values.insert(
        "description".into(),
        format!(
            "Đợt kiểm kê {} (thời điểm {}): theo sổ {} {}, giá trị còn lại {} đ; kiểm đếm {}. {}",
            s.code,
            text::format_date(s.reference_date),
            line.book_quantity,
            line.unit_of_measure,
            crate::web::fmt::number(line.book_residual),
            r.counted_quantity,
            line.resolution_note.clone().unwrap_or_default()
        ),
    );
    values.insert("count_line_id".into(), line_id.to_string());
    Ok(Some(values))
}

/// What the reconciliation found for one stored line, in words («Thiếu», «Thừa», …).
pub fn outcome_of_line(conn: &mut DbConn, line_id: i32) -> AppResult<String> {
    let line: Line = count_lines::table.find(line_id).select(Line::as_select()).first(conn)?;
    let entries = entries_for(conn, line.session_id, &line.code)?;
    Ok(reconcile(vec![line], &entries)[0].outcome_name())
}

fn entries_for(conn: &mut DbConn, id: i32, code: &str) -> AppResult<Vec<Entry>> {
    Ok(count_entries::table
        .filter(count_entries::session_id.eq(id))
        .filter(count_entries::code.eq(code))
        .order(count_entries::id)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The register's fields an accepted adjustment changes: where the asset is, its condition, and —
/// when fewer or more were found — its quantity, with its cost and opening wear in proportion; an
/// asset not found at all is marked lost (mất), its quantity kept for the handling that follows.
fn adjustment(r: &Reconciled, a: &Asset) -> Value {
    let mut patch = serde_json::Map::new();
    let Some(t) = &r.count else {
        patch.insert("status".into(), json!("mat"));
        return Value::Object(patch);
    };
    if t.quantity == 0 {
        patch.insert("status".into(), json!("mat"));
    } else if t.quantity != a.quantity {
        let q = a.quantity.max(1);
        patch.insert("quantity".into(), json!(t.quantity));
        patch.insert("cost_state".into(), json!(share(a.cost_state, t.quantity, q)));
        patch.insert("cost_other".into(), json!(share(a.cost_other, t.quantity, q)));
        patch.insert("opening_wear".into(), json!(share(a.opening_wear, t.quantity, q)));
    }
    if r.location_changed {
        patch.insert("location".into(), json!(t.location));
    }
    if r.condition_changed {
        if let Some(c) = &t.condition {
            patch.insert("condition".into(), json!(label(CONDITIONS, c)));
            if c == "hong" && a.status == "dang_su_dung" {
                patch.insert("status".into(), json!("hong_cho_xu_ly"));
            }
        }
    }
    Value::Object(patch)
}

/// Khóa sổ kiểm kê: every discrepancy must have its resolution; the accepted adjustments are
/// written to the register (each an audited update) and the minutes' figures are sealed, all in
/// the caller's one transaction. A closed count is read-only.
pub fn close(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, version: Option<i64>) -> AppResult<usize> {
    let s = find(conn, id)?;
    check_version(&s, version)?;
    if s.status != "da_doi_chieu" {
        return Err(AppError::conflict(format!(
            "Chỉ khóa sổ đợt đã đối chiếu; đợt {} đang «{}»",
            s.code,
            s.status_name()
        )));
    }
    // Only the lines to adjust are kept: the seal below reads the whole count again.
    let (open, adjust): (Vec<String>, Vec<Reconciled>) = {
        let rows = reconciliation(conn, id)?;
        let open = rows
            .iter()
            .filter(|r| r.is_discrepancy() && r.line.resolution.is_none())
            .map(|r| r.line.code.clone())
            .collect();
        (open, rows.into_iter().filter(|r| r.line.resolution.as_deref() == Some("dieu_chinh")).collect())
    };
    if !open.is_empty() {
        let shown: Vec<&str> = open.iter().take(10).map(String::as_str).collect();
        return Err(AppError::conflict(format!(
            "Còn {} chênh lệch chưa có cách xử lý ({}{}): không khóa sổ được",
            open.len(),
            shown.join(", "),
            if open.len() > 10 { ", …" } else { "" }
        )));
    }
    let mut checker = Checker::load(conn)?;
    let now = text::now_utc();
    let mut applied = 0;
    for r in &adjust {
        let Some(asset_id) = r.line.asset_id else { continue };
        let current = assets::find(conn, asset_id)?;
        let patch = Input::from_json(adjustment(r, &current))?;
        match assets::write_update(conn, &mut checker, actor, scope, &current, patch, true)? {
            Some(Updated::Written(_)) | Some(Updated::Unchanged) => {}
            None => {
                return Err(AppError::conflict(format!(
                    "Tài sản {} vừa được người khác sửa; hãy khóa sổ lại",
                    r.line.code
                )))
            }
        }
        diesel::update(count_lines::table.find(r.line.id)).set(count_lines::applied_at.eq(Some(now))).execute(conn)?;
        applied += 1;
    }
    advance(conn, &s, &["da_doi_chieu"], "da_khoa")?;
    let closed = find(conn, id)?;
    let seal = minutes::seal(conn, &closed)?;
    diesel::update(count_sessions::table.find(id)).set(count_sessions::minutes_sha256.eq(Some(&seal))).execute(conn)?;
    audit::record(
        conn,
        actor,
        "close",
        "count",
        id,
        None,
        Some(&json!({"adjusted": applied, "minutes_sha256": seal})),
    )?;
    Ok(applied)
}

/// A count as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CountView {
    #[serde(flatten)]
    pub session: CountSession,
    pub status_name: String,
    pub members: Vec<Member>,
    pub progress: Progress,
}

pub fn view(conn: &mut DbConn, id: i32) -> AppResult<CountView> {
    let session = find(conn, id)?;
    let members = members_of(conn, id)?;
    let progress = progress(&reconciliation(conn, id)?);
    Ok(CountView { status_name: session.status_name(), session, members, progress })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i32, counter: &str, quantity: i32, condition: Option<&str>, settles: bool) -> Entry {
        Entry {
            id,
            session_id: 1,
            code: "TT-01".into(),
            quantity,
            condition: condition.map(str::to_string),
            location: None,
            note: None,
            counter: counter.into(),
            source: "dien_thoai".into(),
            settles,
            created_at: NaiveDateTime::default(),
        }
    }

    fn merged(entries: &[Entry]) -> Tally {
        tally(&entries.iter().collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn counters_who_agree_merge_and_who_disagree_conflict() {
        let agree = merged(&[entry(1, "an", 4, None, false), entry(2, "binh", 4, Some("tot"), false)]);
        assert_eq!((agree.quantity, agree.conflict.len()), (4, 0));
        assert_eq!(agree.condition.as_deref(), Some("tot"));
        // Two counters of the same cupboard are not two cupboards: never summed.
        let differ = merged(&[entry(1, "an", 2, None, false), entry(2, "binh", 2 + 1, None, false)]);
        assert_eq!(differ.conflict, vec![("an".into(), 2, None), ("binh".into(), 3, None)]);
        // A counter who counts again replaces their own figure.
        let recount =
            merged(&[entry(1, "an", 2, None, false), entry(2, "binh", 3, None, false), entry(3, "an", 3, None, false)]);
        assert!(recount.conflict.is_empty());
        // Conditions disagreeing are a conflict too; a settling entry stands over all before it.
        let cond = merged(&[entry(1, "an", 1, Some("tot"), false), entry(2, "binh", 1, Some("hong"), false)]);
        assert_eq!(cond.conflict.len(), 2);
        let settled = merged(&[
            entry(1, "an", 2, None, false),
            entry(2, "binh", 3, None, false),
            entry(3, "truong_ban", 3, None, true),
        ]);
        assert_eq!((settled.quantity, settled.conflict.len()), (3, 0));
    }

    #[test]
    fn shares_round_half_up_in_whole_dong() {
        assert_eq!(share(38_000_000, 3, 4), 28_500_000);
        assert_eq!(share(10, 1, 3), 3);
        assert_eq!(share(20, 1, 3), 7);
        assert_eq!(share(5, 1, 0), 0);
    }
}
