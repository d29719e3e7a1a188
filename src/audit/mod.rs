//! The append-only history (nhật ký thay đổi). Every change writes an event — who, when, what,
//! before, after — in the same transaction as the change. Events form a hash chain: each stores the
//! hash of the one before and its own hash over a canonical encoding of its content, so a rewrite of
//! the table shows up in `verify`.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::schema::audit_events;
use crate::db::DbConn;
use crate::error::AppResult;

pub mod pages;

/// How an event's time is written in the encoding its hash is taken over.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// The hash that stands before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every action the history records, with its name as people read it (thao tác).
pub const ACTIONS: &[(&str, &str)] = &[
    ("create", "Thêm mới"),
    ("update", "Sửa"),
    ("delete", "Xóa"),
    ("login", "Đăng nhập"),
    ("login_failed", "Đăng nhập sai"),
    ("logout", "Đăng xuất"),
    ("permission_denied", "Bị từ chối quyền"),
    ("password_change", "Đổi mật khẩu"),
    ("revoke", "Thu hồi"),
    ("export", "Xuất tệp"),
    ("import", "Nhập tệp"),
    ("undo", "Hoàn tác lần nhập"),
    ("step", "Ghi văn bản xử lý tài sản"),
    ("attach", "Đính kèm tệp"),
    ("open", "Mở đợt kiểm kê, chốt số liệu sổ sách"),
    ("count", "Ghi số đếm"),
    ("reconcile", "Đối chiếu"),
    ("reopen", "Mở lại để kiểm tiếp"),
    ("resolve", "Ghi cách xử lý chênh lệch"),
    ("close", "Khóa sổ kiểm kê"),
    ("finding", "Ghi phát hiện thanh tra"),
    ("recommendation", "Ghi kiến nghị"),
    ("follow_up", "Theo dõi thực hiện kiến nghị"),
    ("declare_info", "Sửa thông tin kê khai"),
    ("declare", "Ghi nhận lần kê khai"),
    ("revalue", "Đánh giá lại tài sản"),
];

/// Every kind of record the history names (đối tượng).
pub const ENTITIES: &[(&str, &str)] = &[
    ("asset", "Tài sản"),
    ("task", "Nhiệm vụ KH&CN"),
    ("user", "Người dùng"),
    ("api_token", "Token"),
    ("session", "Đăng nhập"),
    ("route", "Truy cập bị từ chối"),
    ("org_unit", "Đơn vị"),
    ("asset_category", "Nhóm tài sản"),
    ("wear_rate", "Tỷ lệ hao mòn"),
    ("rule_setting", "Quy định"),
    ("unit_financing", "Mức tự chủ tài chính của đơn vị"),
    ("activity", "Nhật ký"),
    ("import", "Lần nhập tệp"),
    ("disposal", "Hồ sơ xử lý tài sản"),
    ("count", "Đợt kiểm kê"),
    ("inspection", "Cuộc thanh tra, kiểm tra"),
    ("procurement", "Hồ sơ mua sắm"),
    ("declaration", "Lần kê khai tài sản"),
];

/// The name of an action or a kind of record, from its table; a code missing from it is shown as
/// «khác» (and the activity test fails).
pub fn name_in(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The hash over the canonical encoding: a JSON object with sorted keys, times in microseconds.
    pub fn compute_hash(&self) -> String {
        self.hash_at(&self.occurred_at.format(TIME_FORMAT).to_string())
    }

    /// The hash, with the event's time already written out (a batch of events shares one time).
    fn hash_at(&self, occurred_at: &str) -> String {
        /// The canonical object, its fields in sorted order, serialized straight into the hasher
        /// (no JSON tree between: an import hashes a hundred thousand of these).
        #[derive(Serialize)]
        struct Canonical<'a> {
            action: &'a str,
            actor: &'a str,
            after: &'a Option<String>,
            before: &'a Option<String>,
            entity: &'a str,
            entity_id: &'a str,
            occurred_at: &'a str,
            prev_hash: &'a str,
            seq: i64,
        }
        let canonical = Canonical {
            action: &self.action,
            actor: &self.actor,
            after: &self.after_json,
            before: &self.before_json,
            entity: &self.entity,
            entity_id: &self.entity_id,
            occurred_at,
            prev_hash: &self.prev_hash,
            seq: self.seq,
        };
        let mut hashing = crate::text::Hashing(Sha256::new());
        serde_json::to_writer(&mut hashing, &canonical).expect("writing to a hasher cannot fail");
        crate::text::hex(&hashing.0.finalize())
    }
}

/// Who did it: a user name, or "system" / "demo" / "cli" for the service's own work.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

impl Actor {
    pub fn system() -> Actor {
        Actor("system".into())
    }
}

/// One change to append to the history: what was done to which record, before and after.
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    /// The record before and after, as JSON text.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Appends one event. Must run inside the transaction that makes the change.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &'static str,
    entity: &'static str,
    entity_id: impl ToString,
    before: Option<&Value>,
    after: Option<&Value>,
) -> AppResult<AuditEvent> {
    let change = Change {
        action,
        entity,
        entity_id: entity_id.to_string(),
        before: before.map(Value::to_string),
        after: after.map(Value::to_string),
    };
    let mut events = record_many(conn, actor, vec![change])?;
    Ok(events.pop().expect("one change, one event"))
}

/// The head of the chain: the last event's number and hash (0 and the genesis hash when empty).
/// An export stamps it on the file, so the file can later be placed in the history.
pub fn head(conn: &mut DbConn) -> AppResult<(i64, String)> {
    let head: Option<(i64, String)> = audit_events::table
        .order(audit_events::seq.desc())
        .select((audit_events::seq, audit_events::hash))
        .first(conn)
        .optional()?;
    Ok(head.unwrap_or((0, GENESIS.to_string())))
}

/// Appends events for several changes made in one transaction (an import's rows), chained in
/// order, written a batch at a time.
pub fn record_many(conn: &mut DbConn, actor: &Actor, changes: Vec<Change>) -> AppResult<Vec<AuditEvent>> {
    if changes.is_empty() {
        return Ok(vec![]);
    }
    // Appends are serialised so that two writers cannot both extend the same head (a fork). SQLite
    // already has a single writer; PostgreSQL takes a table lock that readers do not wait for.
    if let DbConn::Postgres(c) = conn {
        c.batch_execute("LOCK TABLE audit_events IN EXCLUSIVE MODE")?;
    }
    let (mut seq, mut prev_hash) = head(conn)?;
    let occurred_at = crate::text::now_utc();
    let occurred_at_text = occurred_at.format(TIME_FORMAT).to_string();
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        seq += 1;
        let mut event = AuditEvent {
            seq,
            occurred_at,
            actor: actor.0.clone(),
            action: change.action.to_string(),
            entity: change.entity.to_string(),
            entity_id: change.entity_id,
            before_json: change.before,
            after_json: change.after,
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        event.hash = event.hash_at(&occurred_at_text);
        prev_hash = event.hash.clone();
        events.push(event);
    }
    crate::insert_all!(conn, audit_events::table, &events);
    Ok(events)
}

/// A line of the activity (nhật ký): an event of the chain, or a record an import created, read
/// under its import's event (`part`: its row's place in the import; 0 for the event itself).
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::activity)]
pub struct Activity {
    pub seq: i64,
    pub part: i32,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The event's hash, or the row record's.
    pub hash: String,
    /// The event before it in the chain (none for a row record: its import's event is its link).
    pub prev_hash: Option<String>,
    /// For a record an import created: the import, its file and the row it came from.
    pub import_id: Option<i32>,
    pub file_name: Option<String>,
    pub excel_row: Option<i32>,
    pub sheet: Option<String>,
}

impl Activity {
    fn of(e: AuditEvent) -> Activity {
        Activity {
            seq: e.seq,
            part: 0,
            occurred_at: e.occurred_at,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before_json: e.before_json,
            after_json: e.after_json,
            hash: e.hash,
            prev_hash: Some(e.prev_hash),
            import_id: None,
            file_name: None,
            excel_row: None,
            sheet: None,
        }
    }

    /// Where an imported record came from: «tệp «X», dòng 12 (lần nhập số 3)».
    pub fn source(&self) -> Option<String> {
        let id = self.import_id?;
        let sheet = self.sheet.as_deref().map(|s| format!("trang «{s}», ")).unwrap_or_default();
        Some(format!(
            "tệp «{}», {sheet}dòng {} (lần nhập số {id})",
            self.file_name.as_deref().unwrap_or(""),
            self.excel_row.unwrap_or(0)
        ))
    }
}

/// The history of one record, newest first: its events and, for an asset an import created, its
/// row of that import (by whom, from which file and row, with the values).
pub fn history(conn: &mut DbConn, entity: &str, entity_id: impl ToString) -> AppResult<Vec<Activity>> {
    use crate::db::schema::{import_rows, imports};
    let entity_id = entity_id.to_string();
    let mut lines: Vec<Activity> = audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(&entity_id))
        .select(AuditEvent::as_select())
        .load(conn)?
        .into_iter()
        .map(Activity::of)
        .collect();
    if let ("asset", Ok(id)) = (entity, entity_id.parse::<i32>()) {
        type Imported =
            (i64, NaiveDateTime, String, Option<i32>, Option<String>, Option<String>, i32, i32, String, Option<String>);
        let rows: Vec<Imported> = import_rows::table
            .inner_join(imports::table)
            .inner_join(audit_events::table.on(imports::event_seq.eq(audit_events::seq.nullable())))
            .filter(import_rows::asset_id.eq(id))
            .filter(import_rows::outcome.eq("create"))
            .filter(import_rows::after_json.is_not_null())
            .select((
                audit_events::seq,
                audit_events::occurred_at,
                audit_events::actor,
                import_rows::position,
                import_rows::after_json,
                import_rows::row_hash,
                import_rows::import_id,
                import_rows::excel_row,
                imports::file_name,
                import_rows::sheet,
            ))
            .load(conn)?;
        lines.extend(rows.into_iter().map(
            |(seq, occurred_at, actor, position, after_json, hash, import_id, excel_row, file_name, sheet)| Activity {
                seq,
                part: position.unwrap_or(0),
                occurred_at,
                actor,
                action: "create".into(),
                entity: "asset".into(),
                entity_id: entity_id.clone(),
                before_json: None,
                after_json,
                hash: hash.unwrap_or_default(),
                prev_hash: None,
                import_id: Some(import_id),
                file_name: Some(file_name),
                excel_row: Some(excel_row),
                sheet,
            },
        ));
    }
    lines.sort_by_key(|l| std::cmp::Reverse((l.seq, l.part)));
    Ok(lines)
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ChainStatus {
    Intact {
        count: i64,
        head: String,
    },
    /// The first event (by expected sequence number) that was altered, removed or reordered — or
    /// whose import's rows no longer match what it committed to (`row` names the import and row).
    Broken {
        seq: i64,
        reason: String,
        row: Option<crate::import::rows::BrokenRow>,
    },
}

/// Walks the whole chain in order, in pages, checking sequence, links and hashes.
pub fn verify(conn: &mut DbConn) -> AppResult<ChainStatus> {
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS.to_string();
    loop {
        let page: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::seq.ge(expected_seq))
            .order(audit_events::seq)
            .limit(5000)
            .select(AuditEvent::as_select())
            .load(conn)?;
        if page.is_empty() {
            return Ok(ChainStatus::Intact { count: expected_seq - 1, head: prev_hash });
        }
        for e in page {
            if e.seq != expected_seq {
                return Ok(ChainStatus::Broken {
                    seq: expected_seq,
                    reason: format!("sự kiện số {expected_seq} bị xóa (missing; next is {})", e.seq),
                    row: None,
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(ChainStatus::Broken {
                    seq: e.seq,
                    reason: format!("sự kiện số {} không nối với sự kiện trước (broken link)", e.seq),
                    row: None,
                });
            }
            if e.compute_hash() != e.hash {
                return Ok(ChainStatus::Broken {
                    seq: e.seq,
                    reason: format!("nội dung sự kiện số {} đã bị sửa (content altered)", e.seq),
                    row: None,
                });
            }
            if let Some(broken) = import_rows_broken(conn, &e)? {
                return Ok(ChainStatus::Broken {
                    seq: e.seq,
                    reason: format!("sự kiện số {}, {}", e.seq, broken.reason),
                    row: Some(broken),
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
    }
}

/// An import's event that commits to its rows (`rows_root`), checked against them.
fn import_rows_broken(conn: &mut DbConn, e: &AuditEvent) -> AppResult<Option<crate::import::rows::BrokenRow>> {
    if e.action != "import" || e.entity != "import" {
        return Ok(None);
    }
    let Some(after) = e.after_json.as_deref() else { return Ok(None) };
    let Ok(evidence) = serde_json::from_str::<crate::import::rows::Evidence>(after) else { return Ok(None) };
    let Ok(id) = e.entity_id.parse::<i32>() else { return Ok(None) };
    crate::import::rows::verify(conn, id, &evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hash is the chain's contract with every event already stored: the streamed encoding must
    /// be byte for byte the JSON object (sorted keys) it was first defined as.
    #[test]
    fn the_streamed_hash_is_the_canonical_json_hash() {
        let texts = ["", "Máy tính «HP»", "quote \" back\\slash\n tab\t \u{1} ☃", "{\"a\":1}"];
        for (i, text) in texts.iter().enumerate() {
            for (before, after) in
                [(None, None), (Some(text.to_string()), None), (None, Some(format!("{{\"x\":\"{i}\"}}")))]
            {
                let event = AuditEvent {
                    seq: 41 + i as i64,
                    occurred_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
                        .unwrap()
                        .and_hms_micro_opt(6, 5, 4, 123_456)
                        .unwrap(),
                    actor: text.to_string(),
                    action: "create".into(),
                    entity: "asset".into(),
                    entity_id: text.to_string(),
                    before_json: before,
                    after_json: after,
                    prev_hash: GENESIS.into(),
                    hash: String::new(),
                };
                let canonical = json!({
                    "seq": event.seq,
                    "occurred_at": event.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                    "actor": event.actor,
                    "action": event.action,
                    "entity": event.entity,
                    "entity_id": event.entity_id,
                    "before": event.before_json,
                    "after": event.after_json,
                    "prev_hash": event.prev_hash,
                });
                let expected: String =
                    Sha256::digest(canonical.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(event.compute_hash(), expected, "{text:?}");
            }
        }
    }
}
