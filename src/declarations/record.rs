//! Declarations are records (lần kê khai): recording one keeps what was declared of each asset (its
//! snapshot, canonical JSON) with a digest in the history chain. The next declaration starts from
//! the difference since the last one — new, changed (field by field, old → new), removed — each a
//! change event due 30 days after it happened (NĐ 186/2025/NĐ-CP: within 30 days of every change).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::catalogue::catalogue;
use super::forms::{self, Held};
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{
    assets as assets_table, audit_events, declaration_items, declarations, org_units, revaluations,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::progress::Progress;
use crate::text::{now_utc, vn_date_of};

/// Thời hạn kê khai: days from a change to its declaration.
pub const DAYS_TO_DECLARE: i64 = 30;

/// What is declared of an asset, field by field, with the label the change forms print.
pub const FIELDS: &[(&str, &str)] = &[
    ("code", "Mã tài sản"),
    ("name", "Tên tài sản"),
    ("national_code", "Mã tài sản trên CSDL quốc gia"),
    ("type_code", "Mã loại tài sản"),
    ("unit_code", "Bộ phận sử dụng"),
    ("quantity", "Số lượng"),
    ("area_m2", "Diện tích (m²)"),
    ("original_cost", "Nguyên giá"),
    ("fund_nsnn", "Nguyên giá — ngân sách nhà nước"),
    ("fund_quy_hdsn", "Nguyên giá — quỹ phát triển HĐSN"),
    ("fund_oda", "Nguyên giá — viện trợ, ODA"),
    ("fund_vay", "Nguyên giá — vốn vay"),
    ("fund_khac", "Nguyên giá — nguồn khác"),
    ("residual", "Giá trị còn lại"),
    ("in_use_on", "Ngày đưa vào sử dụng"),
    ("reason_code", "Lý do tăng"),
    ("usage", "Hiện trạng sử dụng"),
    ("address", "Địa chỉ"),
    ("province_code", "Mã tỉnh"),
    ("district_code", "Mã huyện"),
    ("commune_code", "Mã xã"),
    ("documents", "Hồ sơ, giấy tờ về đất"),
    ("lot_code", "Khu đất"),
    ("year_made", "Năm sản xuất, xây dựng"),
    ("country", "Nước sản xuất"),
    ("serial_no", "Ký hiệu"),
    ("floors", "Số tầng"),
    ("built_area", "Diện tích xây dựng (m²)"),
    ("floor_area", "Tổng diện tích sàn (m²)"),
    ("plate", "Biển kiểm soát"),
    ("brand", "Nhãn hiệu"),
    ("seats", "Số chỗ ngồi"),
    ("load_tonnes", "Tải trọng (tấn)"),
    ("engine_power", "Công suất"),
    ("chassis_no", "Số khung"),
    ("engine_no", "Số máy"),
    ("user_title", "Chức danh sử dụng xe"),
];

/// The fields a value event carries (tăng, giảm nguyên giá); the rest are information.
const VALUE_FIELDS: &[&str] = &["original_cost", "fund_nsnn", "fund_quy_hdsn", "fund_oda", "fund_vay", "fund_khac"];

/// Moved by wear every year, not by a decision: declared, never a change of its own.
const NOT_COMPARED: &[&str] = &["residual"];

pub type Snapshot = BTreeMap<String, Value>;

pub fn label_of(field: &str) -> &str {
    FIELDS.iter().find(|(k, _)| *k == field).map(|(_, l)| *l).unwrap_or(field)
}

/// The declared fields of an asset held on a date.
pub fn snapshot(h: &Held, lots: &HashMap<i32, String>, units: &HashMap<i32, String>) -> Snapshot {
    let a = &h.asset;
    let i = &h.info;
    let mut usage = i.usage();
    usage.sort_by(|x, y| x.state.cmp(&y.state));
    let mut documents = i.documents();
    documents.sort_by(|x, y| (&x.kind, &x.number).cmp(&(&y.kind, &y.number)));
    let values: Vec<(&str, Value)> = vec![
        ("code", json!(a.code)),
        ("name", json!(a.name)),
        ("national_code", json!(i.national_code)),
        ("type_code", json!(h.type_code)),
        ("class_code", json!(h.class_code)),
        ("unit_code", json!(units.get(&a.unit_id))),
        ("quantity", json!(a.quantity)),
        ("area_m2", json!(a.area_m2)),
        ("original_cost", json!(a.original_cost)),
        ("fund_nsnn", json!(a.cost_state)),
        ("fund_quy_hdsn", json!(i.fund_hdsn)),
        ("fund_oda", json!(i.fund_oda)),
        ("fund_vay", json!(i.fund_loan)),
        ("fund_khac", json!(i.other_funding(a))),
        ("residual", json!(h.residual)),
        ("in_use_on", json!(a.in_use_on.or(a.acquired_on).map(|d| d.to_string()))),
        ("reason_code", json!(i.reason_for(a))),
        ("usage", json!(usage)),
        ("address", json!(i.address)),
        ("province_code", json!(i.province_code)),
        ("district_code", json!(i.district_code)),
        ("commune_code", json!(i.commune_code)),
        ("documents", json!(documents)),
        ("lot_code", json!(i.lot_asset_id.and_then(|l| lots.get(&l)))),
        ("year_made", json!(a.year_made)),
        ("country", json!(a.country)),
        ("serial_no", json!(a.serial_no)),
        ("floors", json!(i.floors)),
        ("built_area", json!(i.built_area)),
        ("floor_area", json!(i.floor_area)),
        ("plate", json!(i.plate)),
        ("brand", json!(i.brand)),
        ("seats", json!(i.seats)),
        ("load_tonnes", json!(i.load_tonnes)),
        ("engine_power", json!(i.engine_power)),
        ("chassis_no", json!(i.chassis_no)),
        ("engine_no", json!(i.engine_no)),
        ("user_title", json!(i.user_title)),
    ];
    values.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A declaration recorded.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = declarations)]
pub struct Declaration {
    pub id: i32,
    pub unit_id: i32,
    pub as_of: NaiveDate,
    pub supplement: bool,
    pub previous_id: Option<i32>,
    pub items: i32,
    pub events: i32,
    pub digest: String,
    /// The unit as declared, canonical JSON (`unit_fields`).
    #[serde(skip)]
    pub unit_snapshot: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// What a unit declares of itself, with the labels of 06a-ĐK/TSC.
pub const UNIT_FIELDS: &[(&str, &str)] = &[
    ("ma_qhns", "Mã đơn vị (mã quan hệ ngân sách)"),
    ("unit_full_name", "Tên đơn vị"),
    ("parent_full_name", "Cơ quan quản lý cấp trên"),
    ("unit_type", "Loại hình đơn vị"),
];

/// The unit's own declared fields on a date.
pub fn unit_fields(conn: &mut DbConn, unit_id: i32, as_of: NaiveDate) -> AppResult<Snapshot> {
    let req = forms::Request { unit_id, as_of, from: None, money: forms::MoneyUnit::Dong, supplement: false };
    let vars = forms::vars(conn, &req)?;
    Ok(UNIT_FIELDS.iter().map(|(k, _)| (k.to_string(), json!(vars.get(*k)))).collect())
}

/// Loại biến động: the national interface's mutation types this service makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Tăng mới (đăng ký lần đầu, mua sắm, tiếp nhận…).
    New,
    /// Tăng nguyên giá.
    ValueIncrease,
    /// Giảm nguyên giá.
    ValueDecrease,
    /// Thay đổi thông tin.
    Information,
    /// Giảm toàn bộ (bán, thanh lý, điều chuyển, tiêu hủy…).
    Removal,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::ValueIncrease => "value_increase",
            ChangeKind::ValueDecrease => "value_decrease",
            ChangeKind::Information => "information",
            ChangeKind::Removal => "removal",
        }
    }

    pub fn label(self) -> &'static str {
        catalogue().mutation_type(self.code()).map(|m| m.label.as_str()).unwrap_or("")
    }

    /// assetMutationTypeId of the national interface.
    pub fn national_id(self) -> i32 {
        catalogue().mutation_type(self.code()).map(|m| m.id).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub old: Value,
    pub new: Value,
}

/// One change to declare.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub asset_id: i32,
    pub code: String,
    pub name: String,
    pub class_code: String,
    /// When it happened, and the last day to declare it.
    pub date: NaiveDate,
    pub due: NaiveDate,
    /// Lý do (national code); none when the register does not say (a correction of cost).
    pub reason_code: Option<String>,
    pub reason_name: Option<String>,
    /// The record behind it: a handling's write-down, a revaluation's decision.
    pub source: Option<String>,
    pub before: Option<Snapshot>,
    pub after: Option<Snapshot>,
    pub fields: Vec<FieldChange>,
}

/// What the next declaration of a unit holds: the last one recorded, and the changes since.
#[derive(Debug, Serialize)]
pub struct Pending {
    pub unit_id: i32,
    pub as_of: NaiveDate,
    pub base: Option<Declaration>,
    pub changes: Vec<Change>,
    /// What the unit declared of itself and what it is now (06a), and when it last changed.
    pub unit_changes: Vec<FieldChange>,
    pub unit_changed_on: Option<NaiveDate>,
}

/// The last declaration recorded for a unit.
pub fn last(conn: &mut DbConn, unit_id: i32) -> AppResult<Option<Declaration>> {
    Ok(declarations::table
        .filter(declarations::unit_id.eq(unit_id))
        .order(declarations::id.desc())
        .select(Declaration::as_select())
        .first(conn)
        .optional()?)
}

/// The snapshots a declaration kept, by asset.
pub fn items_of(conn: &mut DbConn, declaration_id: i32) -> AppResult<BTreeMap<i32, Snapshot>> {
    let rows: Vec<(i32, String)> = declaration_items::table
        .filter(declaration_items::declaration_id.eq(declaration_id))
        .select((declaration_items::asset_id, declaration_items::snapshot))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, s)| {
            serde_json::from_str(&s)
                .map(|snap| (id, snap))
                .map_err(|e| AppError::Internal(format!("bản kê khai hỏng (tài sản {id}): {e}")))
        })
        .collect()
}

/// What each asset the unit holds on `as_of` declares, by asset.
pub fn current(
    conn: &mut DbConn,
    unit_id: i32,
    as_of: NaiveDate,
    progress: &Progress,
) -> AppResult<BTreeMap<i32, (Held, Snapshot)>> {
    let held = forms::held(conn, unit_id, as_of, progress)?;
    let lots: HashMap<i32, String> =
        held.iter().filter(|h| h.class_code == "DAT").map(|h| (h.asset.id, h.asset.code.clone())).collect();
    let units: HashMap<i32, String> =
        org_units::table.select((org_units::id, org_units::code)).load::<(i32, String)>(conn)?.into_iter().collect();
    Ok(held
        .into_iter()
        .map(|h| {
            let s = snapshot(&h, &lots, &units);
            (h.asset.id, (h, s))
        })
        .collect())
}

fn reason_name(code: &Option<String>) -> Option<String> {
    code.as_deref().and_then(|c| catalogue().reason(c)).map(|r| r.name.clone())
}

/// The changes since the last declaration of `unit_id`, as of `as_of`; with none recorded, every
/// asset held is new (đăng ký lần đầu).
pub fn pending(conn: &mut DbConn, unit_id: i32, as_of: NaiveDate, progress: &Progress) -> AppResult<Pending> {
    let (issuer, _) = forms::declaring_unit(conn, unit_id)?;
    let now = current(conn, issuer.id, as_of, progress)?;
    pending_from(conn, issuer.id, as_of, &now)
}

/// `pending` over what the declaring unit `issuer_id` holds on `as_of` (`current`), read once by
/// a caller that needs it too.
pub fn pending_from(
    conn: &mut DbConn,
    issuer_id: i32,
    as_of: NaiveDate,
    now: &BTreeMap<i32, (Held, Snapshot)>,
) -> AppResult<Pending> {
    let base = last(conn, issuer_id)?;
    let before = match &base {
        Some(b) => items_of(conn, b.id)?,
        None => BTreeMap::new(),
    };
    let long_ago = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    let since = base.as_ref().map(|b| b.recorded_at).unwrap_or(long_ago.and_time(chrono::NaiveTime::MIN));
    let ids: Vec<i32> = now.keys().chain(before.keys()).copied().collect();
    let touched = last_touched(conn, &ids, since)?;
    let revalued = revaluations_since(conn, &ids, since)?;
    let written_down = crate::disposals::all_write_downs(conn)?;
    let c = catalogue();
    let due = |d: NaiveDate| d + Duration::days(DAYS_TO_DECLARE);
    let mut changes = vec![];
    for (id, (h, after)) in now {
        let class_code = h.class_code.clone();
        let base_change = |kind, date: NaiveDate, reason_code: Option<String>, source: Option<String>| Change {
            kind,
            asset_id: *id,
            code: h.asset.code.clone(),
            name: h.asset.name.clone(),
            class_code: class_code.clone(),
            date,
            due: due(date),
            reason_name: reason_name(&reason_code),
            reason_code,
            source,
            before: None,
            after: None,
            fields: vec![],
        };
        match before.get(id) {
            None => {
                // First registration, or an asset booked since.
                let (date, reason) = match &base {
                    None => (as_of, "001".to_string()),
                    Some(_) => (h.asset.acquired_on.unwrap_or(as_of), h.info.reason_for(&h.asset)),
                };
                let mut ch = base_change(ChangeKind::New, date, Some(reason), None);
                ch.after = Some(after.clone());
                changes.push(ch);
            }
            Some(old) => {
                let differs = |keys: &dyn Fn(&str) -> bool| -> Vec<FieldChange> {
                    FIELDS
                        .iter()
                        .filter(|(k, _)| keys(k) && !NOT_COMPARED.contains(k))
                        .filter(|(k, _)| old.get(*k).unwrap_or(&Value::Null) != after.get(*k).unwrap_or(&Value::Null))
                        .map(|(k, l)| FieldChange {
                            field: k.to_string(),
                            label: l.to_string(),
                            old: old.get(*k).cloned().unwrap_or(Value::Null),
                            new: after.get(*k).cloned().unwrap_or(Value::Null),
                        })
                        .collect()
                };
                let touched_on = touched.get(id).map(|t| vn_date_of(*t)).unwrap_or(as_of);
                let value = differs(&|k| VALUE_FIELDS.contains(&k));
                if !value.is_empty() {
                    let old_cost = old.get("original_cost").and_then(Value::as_i64).unwrap_or(0);
                    let kind = if h.asset.original_cost >= old_cost {
                        ChangeKind::ValueIncrease
                    } else {
                        ChangeKind::ValueDecrease
                    };
                    let mut ch = match revalued.get(id) {
                        Some((on, reason, doc)) => base_change(
                            kind,
                            *on,
                            Some(reason.clone()),
                            Some(format!("Quyết định đánh giá lại số {doc}")),
                        ),
                        None => base_change(kind, touched_on, None, None),
                    };
                    ch.before = Some(old.clone());
                    ch.after = Some(after.clone());
                    ch.fields = value;
                    changes.push(ch);
                }
                let info = differs(&|k| !VALUE_FIELDS.contains(&k));
                if !info.is_empty() {
                    let mut ch = base_change(ChangeKind::Information, touched_on, Some("030".into()), None);
                    ch.before = Some(old.clone());
                    ch.after = Some(after.clone());
                    ch.fields = info;
                    changes.push(ch);
                }
            }
        }
    }
    // Declared before, not held now: written down (the handling's reason and date), moved to
    // another declaring unit, or removed from the register.
    let gone: Vec<i32> = before.keys().filter(|id| !now.contains_key(id)).copied().collect();
    let units_now: HashMap<i32, i32> = assets_table::table
        .filter(assets_table::id.eq_any(&gone))
        .select((assets_table::id, assets_table::unit_id))
        .load::<(i32, i32)>(conn)?
        .into_iter()
        .collect();
    for id in gone {
        let old = &before[&id];
        let text = |k: &str| old.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (date, reason, source) = match written_down.get(&id) {
            Some(w) => (
                w.doc_date,
                c.handling_reason(&w.form_code).to_string(),
                Some(format!("Hồ sơ xử lý {} — {}", w.disposal_code, w.form_name)),
            ),
            None if units_now.contains_key(&id) => {
                (touched.get(&id).map(|t| vn_date_of(*t)).unwrap_or(as_of), "011".to_string(), None)
            }
            None => (touched.get(&id).map(|t| vn_date_of(*t)).unwrap_or(as_of), "042".to_string(), None),
        };
        changes.push(Change {
            kind: ChangeKind::Removal,
            asset_id: id,
            code: text("code"),
            name: text("name"),
            class_code: text("class_code"),
            date,
            due: due(date),
            reason_name: reason_name(&Some(reason.clone())),
            reason_code: Some(reason),
            source,
            before: Some(old.clone()),
            after: None,
            fields: vec![],
        });
    }
    changes.sort_by(|a, b| (a.date, &a.code, a.kind.national_id()).cmp(&(b.date, &b.code, b.kind.national_id())));
    // The unit itself: its fields then and now, dated by the last change of its record or tier.
    let mut unit_changes = vec![];
    let mut unit_changed_on = None;
    if let Some(b) = &base {
        let declared: Snapshot = serde_json::from_str(&b.unit_snapshot).unwrap_or_default();
        let now = unit_fields(conn, issuer_id, as_of)?;
        for (k, label) in UNIT_FIELDS {
            let (old, new) =
                (declared.get(*k).cloned().unwrap_or(Value::Null), now.get(*k).cloned().unwrap_or(Value::Null));
            if old != new && !declared.is_empty() {
                unit_changes.push(FieldChange { field: k.to_string(), label: label.to_string(), old, new });
            }
        }
        if !unit_changes.is_empty() {
            let at: Option<NaiveDateTime> = audit_events::table
                .filter(audit_events::entity.eq_any(["org_unit", "unit_financing"]))
                .filter(audit_events::occurred_at.gt(b.recorded_at))
                .select(diesel::dsl::max(audit_events::occurred_at))
                .first(conn)?;
            unit_changed_on = Some(at.map(vn_date_of).unwrap_or(as_of));
        }
    }
    Ok(Pending { unit_id: issuer_id, as_of, base, changes, unit_changes, unit_changed_on })
}

/// The last time each asset's history moved after `since`.
fn last_touched(conn: &mut DbConn, ids: &[i32], since: NaiveDateTime) -> AppResult<HashMap<i32, NaiveDateTime>> {
    let mut out: HashMap<i32, NaiveDateTime> = HashMap::new();
    let texts: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    for chunk in texts.chunks(500) {
        let rows: Vec<(String, NaiveDateTime)> = audit_events::table
            .filter(audit_events::entity.eq("asset"))
            .filter(audit_events::entity_id.eq_any(chunk))
            .filter(audit_events::occurred_at.gt(since))
            .select((audit_events::entity_id, audit_events::occurred_at))
            .load(conn)?;
        for (id, at) in rows {
            if let Ok(id) = id.parse::<i32>() {
                let e = out.entry(id).or_insert(at);
                *e = (*e).max(at);
            }
        }
    }
    Ok(out)
}

/// The last revaluation of each asset recorded after `since`: its date, reason and number.
fn revaluations_since(
    conn: &mut DbConn,
    ids: &[i32],
    since: NaiveDateTime,
) -> AppResult<HashMap<i32, (NaiveDate, String, String)>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, NaiveDate, String, String)> = revaluations::table
            .filter(revaluations::asset_id.eq_any(chunk))
            .filter(revaluations::created_at.gt(since))
            .order(revaluations::id)
            .select((revaluations::asset_id, revaluations::decided_on, revaluations::reason_code, revaluations::doc_no))
            .load(conn)?;
        for (id, on, reason, doc) in rows {
            out.insert(id, (on, reason, doc));
        }
    }
    Ok(out)
}

/// The digest of a declaration's snapshots: SHA-256 over «asset id TAB snapshot» lines in asset order.
pub fn digest(items: &BTreeMap<i32, Snapshot>) -> String {
    let mut text = String::new();
    for (id, s) in items {
        text.push_str(&format!("{id}\t{}\n", serde_json::to_string(s).unwrap_or_default()));
    }
    crate::import::sha256_hex(text.as_bytes())
}

/// What recording a declaration is asked: the unit, the date, first or supplement, a note.
pub struct Recording {
    pub unit_id: i32,
    pub as_of: NaiveDate,
    pub supplement: bool,
    pub note: Option<String>,
}

/// Records the declaration of a unit as of a date: every asset it holds then, as declared.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    asked: Recording,
    progress: &Progress,
) -> AppResult<Declaration> {
    let Recording { unit_id, as_of, supplement, note } = asked;
    let (issuer, members) = forms::declaring_unit(conn, unit_id)?;
    if !scope.for_change().reaches(&members, false) {
        return Err(AppError::Forbidden("Bạn chỉ được ghi nhận kê khai của đơn vị mình".into()));
    }
    if as_of > crate::text::today() {
        return Err(AppError::invalid("as_of", "«Thời điểm báo cáo» chưa đến"));
    }
    let base = last(conn, issuer.id)?;
    if let Some(b) = &base {
        if as_of < b.as_of {
            return Err(AppError::invalid(
                "as_of",
                format!("«Thời điểm báo cáo» trước lần kê khai đã ghi nhận ({})", crate::text::format_date(b.as_of)),
            ));
        }
    }
    let now = current(conn, issuer.id, as_of, progress)?;
    let pending = pending_from(conn, issuer.id, as_of, &now)?;
    let items: BTreeMap<i32, Snapshot> = now.into_iter().map(|(id, (_, s))| (id, s)).collect();
    let digest = digest(&items);
    let recorded_at = now_utc();
    diesel::insert_into(declarations::table)
        .values((
            declarations::unit_id.eq(issuer.id),
            declarations::as_of.eq(as_of),
            declarations::supplement.eq(supplement || base.is_some()),
            declarations::previous_id.eq(base.as_ref().map(|b| b.id)),
            declarations::items.eq(items.len() as i32),
            declarations::events.eq((pending.changes.len() + pending.unit_changes.len().min(1)) as i32),
            declarations::digest.eq(&digest),
            declarations::unit_snapshot
                .eq(serde_json::to_string(&unit_fields(conn, issuer.id, as_of)?).unwrap_or_default()),
            declarations::note.eq(&note),
            declarations::recorded_by.eq(&actor.0),
            declarations::recorded_at.eq(recorded_at),
        ))
        .execute(conn)?;
    let saved =
        last(conn, issuer.id)?.ok_or_else(|| AppError::Internal("lần kê khai vừa ghi không đọc lại được".into()))?;
    let rows: Vec<Item> = items
        .iter()
        .map(|(id, s)| Item {
            declaration_id: saved.id,
            asset_id: *id,
            snapshot: serde_json::to_string(s).unwrap_or_default(),
        })
        .collect();
    match conn {
        DbConn::Postgres(c) => {
            diesel::copy_from(declaration_items::table).from_insertable(&rows).execute(c)?;
        }
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(500) {
                diesel::insert_into(declaration_items::table).values(chunk).execute(c)?;
            }
        }
    }
    let summary = json!({
        "unit": issuer.code, "as_of": as_of, "supplement": saved.supplement, "items": saved.items,
        "events": saved.events, "digest": digest, "previous_id": saved.previous_id, "note": note,
        "changes": pending.changes.iter().map(|c| json!({"kind": c.kind, "asset": c.code, "date": c.date, "reason": c.reason_code})).collect::<Vec<_>>(),
    });
    audit::record(conn, actor, "declare", "declaration", saved.id, None, Some(&summary))?;
    Ok(saved)
}

/// One asset's snapshot as stored (many rows go in one INSERT: no column left to its default).
#[derive(Insertable)]
#[diesel(table_name = declaration_items, treat_none_as_default_value = false)]
struct Item {
    declaration_id: i32,
    asset_id: i32,
    snapshot: String,
}

/// Every declaration of a unit, newest first.
pub fn list(conn: &mut DbConn, unit_id: i32) -> AppResult<Vec<Declaration>> {
    Ok(declarations::table
        .filter(declarations::unit_id.eq(unit_id))
        .order(declarations::id.desc())
        .select(Declaration::as_select())
        .load(conn)?)
}

/// Whether a declaration's stored snapshots still give its digest.
pub fn intact(conn: &mut DbConn, d: &Declaration) -> AppResult<bool> {
    Ok(digest(&items_of(conn, d.id)?) == d.digest)
}

/// A unit with changes to declare.
pub struct Waiting {
    pub unit_id: i32,
    pub unit_name: String,
    pub changes: usize,
    /// The nearest due date, and whether it has passed.
    pub due: NaiveDate,
    pub overdue: bool,
}

/// The units whose declarations are due: for the overview, each declaring unit the person reads
/// with its changes waiting and the nearest due date.
pub fn waiting(conn: &mut DbConn, scope: &Scope) -> AppResult<Vec<Waiting>> {
    use crate::rules::OrgUnit;
    let all: Vec<OrgUnit> = org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(conn)?;
    let today = crate::text::today();
    let mut out = vec![];
    for u in all.iter().filter(|u| crate::rules::issuer_of(&all, u.id).is_some_and(|i| i.id == u.id)) {
        if !scope.reaches(&crate::rules::acting_for(&all, u.id), false) || last(conn, u.id)?.is_none() {
            continue;
        }
        let p = pending(conn, u.id, today, &Progress::default())?;
        if let Some(due) = p.changes.iter().map(|c| c.due).min() {
            out.push(Waiting {
                unit_id: u.id,
                unit_name: u.name.clone(),
                changes: p.changes.len(),
                due,
                overdue: due < today,
            });
        }
    }
    Ok(out)
}
