//! Counting in the field without a network (đếm không có mạng): the list a phone keeps of what its
//! counter may count, the entries it made offline sent in a batch — each with the id the phone gave
//! it, so that sending twice records once — and what each phone says it still holds unsent, so
//! that counting is not ended while a phone in a basement still has entries in it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{find, lines_of, tally, CountSession, Entry};
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{count_devices, count_entries, count_places_done};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text;

/// One asset of the count as a phone keeps it. Another unit's asset is listed by code alone, so
/// that the phone can say so offline; the book quantity only when the count shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WalkItem {
    pub code: String,
    /// The counter may count it (their unit's).
    pub mine: bool,
    pub name: String,
    pub unit_name: String,
    pub location: Option<String>,
    pub unit_of_measure: String,
    /// One item: a scan records 1.
    pub single: bool,
    pub book_quantity: Option<i32>,
    /// What stands so far, who counted last and when (dd/mm/yyyy hh:mm).
    pub counted: Option<i32>,
    pub counted_by: Option<String>,
    pub counted_at: Option<String>,
}

/// The list a counter's phone keeps for count `s`.
pub fn walk(conn: &mut DbConn, scope: &Scope, s: &CountSession) -> AppResult<Vec<WalkItem>> {
    let entries = super::entries_of(conn, s.id)?;
    let mut by_code: std::collections::HashMap<&str, Vec<&Entry>> = std::collections::HashMap::new();
    for e in &entries {
        by_code.entry(e.code.as_str()).or_default().push(e);
    }
    let lines = lines_of(conn, s.id)?;
    Ok(lines
        .into_iter()
        .filter(|l| l.asset_id.is_some())
        .map(|l| {
            let mine = l.countable_by(scope);
            let got = by_code.get(l.code.as_str());
            let standing = got.and_then(|es| tally(es));
            let last = got.and_then(|es| es.last());
            WalkItem {
                mine,
                name: if mine { l.name.clone() } else { String::new() },
                unit_name: l.unit_name.clone(),
                location: if mine { l.location.clone() } else { None },
                unit_of_measure: l.unit_of_measure.clone(),
                single: l.book_quantity == 1,
                book_quantity: (mine && s.show_book).then_some(l.book_quantity),
                counted: standing.filter(|_| mine).map(|t| t.quantity),
                counted_by: last.filter(|_| mine).map(|e| e.counter.clone()),
                counted_at: last.filter(|_| mine).map(|e| crate::web::fmt::time(e.created_at)),
                code: l.code,
            }
        })
        .collect())
}

/// One entry made on a phone.
#[derive(Debug, Clone, Deserialize)]
pub struct PhoneEntry {
    /// The id the phone gave the entry: the same entry sent again is recorded once.
    pub client_id: String,
    pub code: String,
    pub quantity: i64,
    /// `add`: the quantity is added to the figure standing when it arrives; else it is the figure.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// When it was counted, by the phone's clock (ISO 8601, UTC).
    #[serde(default)]
    pub counted_at: Option<String>,
}

/// How entries sent from a phone's queue are marked.
const SOURCE: &str = "dien_thoai_ngoai_tuyen";

/// What became of an entry sent.
#[derive(Debug, Clone, Serialize)]
pub struct Synced {
    pub client_id: String,
    pub code: String,
    /// `recorded`, `duplicate` (recorded before: nothing new) or `refused`.
    pub outcome: &'static str,
    pub quantity: Option<i32>,
    pub message: Option<String>,
}

/// Records the entries a phone sends (each on its own savepoint: one refused — another unit's
/// asset, a bad figure — does not hold the others back), then what the phone says it still holds
/// unsent besides them. `unsent` is the number of entries the phone held before this contact.
pub fn sync(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    device: &str,
    entries: Vec<PhoneEntry>,
    unsent: i32,
) -> AppResult<Vec<Synced>> {
    let s = find(conn, id)?;
    let device = text::nfc(device.trim());
    if device.is_empty() || device.len() > 100 {
        return Err(AppError::invalid("device", "Thiếu mã điện thoại (device), tối đa 100 ký tự"));
    }
    let mut out = vec![];
    for e in entries {
        let done = conn.transaction::<Synced, AppError, _>(|c| record(c, actor, scope, &s, &e));
        out.push(match done {
            Ok(r) => r,
            Err(err @ (AppError::Invalid(_) | AppError::Forbidden(_) | AppError::Conflict { .. })) => Synced {
                client_id: e.client_id.clone(),
                code: e.code.clone(),
                outcome: "refused",
                quantity: None,
                message: Some(crate::web::error::messages(&err).join("; ")),
            },
            Err(other) => return Err(other),
        });
    }
    let arrived = out.iter().filter(|r| r.outcome != "refused").count() as i32;
    report_device(conn, &s, &device, &actor.0, (unsent - arrived).max(0))?;
    Ok(out)
}

/// The entry count `id` holds under a phone's id, if it arrived before.
pub fn arrived(conn: &mut DbConn, id: i32, client_id: &str) -> AppResult<Option<Entry>> {
    Ok(count_entries::table
        .filter(count_entries::session_id.eq(id))
        .filter(count_entries::client_id.eq(client_id))
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// One entry with the phone's id, recorded once however often it arrives (the phone page's scan
/// sends one: if its answer is lost on a weak signal, the phone keeps the same entry to send later).
pub fn record_once(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, e: &PhoneEntry) -> AppResult<Synced> {
    let s = find(conn, id)?;
    record(conn, actor, scope, &s, e)
}

fn record(conn: &mut DbConn, actor: &Actor, scope: &Scope, s: &CountSession, e: &PhoneEntry) -> AppResult<Synced> {
    let client_id = text::nfc(e.client_id.trim());
    if client_id.is_empty() || client_id.len() > 100 {
        return Err(AppError::invalid("client_id", "Mã của lần đếm (client_id) trống hoặc quá 100 ký tự"));
    }
    if let Some(b) = arrived(conn, s.id, &client_id)? {
        return Ok(Synced { client_id, code: b.code, outcome: "duplicate", quantity: Some(b.quantity), message: None });
    }
    // Read as every entry is read: the same checks, messages and history event.
    let input = Input::from_json(json!({
        "code": e.code, "quantity": e.quantity, "condition": e.condition, "location": e.location, "note": e.note,
    }))?;
    let checked = super::read_entry(input)?;
    let saved = if e.mode.as_deref() == Some("add") {
        super::add_to_standing(conn, actor, scope, s, checked, SOURCE)?
    } else {
        let saved = super::save_entries(conn, actor, scope, s, vec![checked], SOURCE, false)?;
        saved.into_iter().next().ok_or_else(|| AppError::Internal("lần đếm vừa ghi không còn".into()))?
    };
    let counted_at = e.counted_at.as_deref().and_then(|t| {
        chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| d.naive_utc()).filter(|d| *d <= text::now_utc())
    });
    diesel::update(count_entries::table.find(saved.id))
        .set((count_entries::client_id.eq(&client_id), count_entries::counted_at.eq(counted_at)))
        .execute(conn)?;
    Ok(Synced { client_id, code: saved.code, outcome: "recorded", quantity: Some(saved.quantity), message: None })
}

/// A phone's contact: how many entries it still holds unsent.
pub fn report_device(conn: &mut DbConn, s: &CountSession, device: &str, counter: &str, unsent: i32) -> AppResult<()> {
    let now = text::now_utc();
    let updated = diesel::update(
        count_devices::table.filter(count_devices::session_id.eq(s.id)).filter(count_devices::device_id.eq(device)),
    )
    .set((count_devices::counter.eq(counter), count_devices::unsent.eq(unsent), count_devices::last_seen.eq(now)))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(count_devices::table)
            .values((
                count_devices::session_id.eq(s.id),
                count_devices::device_id.eq(device),
                count_devices::counter.eq(counter),
                count_devices::unsent.eq(unsent),
                count_devices::last_seen.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A phone known to hold entries not sent yet.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Holding {
    pub device_id: String,
    pub counter: String,
    pub unsent: i32,
    pub last_seen: NaiveDateTime,
}

impl Holding {
    pub fn sentence(&self) -> String {
        format!(
            "điện thoại của {} còn {} lần đếm chưa gửi (liên lạc lần cuối {})",
            self.counter,
            self.unsent,
            crate::web::fmt::time(self.last_seen)
        )
    }
}

/// The phones of count `id` that said at their last contact they hold unsent entries.
pub fn holding(conn: &mut DbConn, id: i32) -> AppResult<Vec<Holding>> {
    Ok(count_devices::table
        .filter(count_devices::session_id.eq(id))
        .filter(count_devices::unsent.gt(0))
        .order(count_devices::last_seen)
        .select((count_devices::device_id, count_devices::counter, count_devices::unsent, count_devices::last_seen))
        .load(conn)?)
}

/// Counting may end only when no phone holds unsent entries, or when the leader says why it ends
/// anyway (kept in the history with the phones named).
pub fn check_phones(conn: &mut DbConn, actor: &Actor, s: &CountSession, reason: Option<&str>) -> AppResult<()> {
    let held = holding(conn, s.id)?;
    if held.is_empty() {
        return Ok(());
    }
    let said: Vec<String> = held.iter().map(Holding::sentence).collect();
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        None => Err(AppError::conflict(format!(
            "Chưa kết thúc đếm được: {}. Hãy để các điện thoại này có mạng để gửi, hoặc ghi lý do vẫn kết thúc",
            said.join("; ")
        ))),
        Some(reason) => {
            audit::record(
                conn,
                actor,
                "override",
                "count",
                s.id,
                Some(&json!({"phones_holding": held})),
                Some(&json!({"reason": reason})),
            )?;
            Ok(())
        }
    }
}

/// A place a counter said they finished («xong phòng này»).
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct PlaceDone {
    pub location: String,
    pub counter: String,
    pub done_at: NaiveDateTime,
}

/// «Xong phòng này»: the counter has finished `location`; what is left there uncounted is missing.
/// The place must hold some of the counter's assets in this count.
pub fn close_place(conn: &mut DbConn, actor: &Actor, scope: &Scope, id: i32, location: &str) -> AppResult<usize> {
    let s = find(conn, id)?;
    if s.status != "dang_kiem" {
        return Err(AppError::conflict(format!("Đợt kiểm kê {} không còn đang đếm", s.code)));
    }
    let location = text::nfc(location.trim());
    let mine: Vec<super::Line> = lines_of(conn, id)?
        .into_iter()
        .filter(|l| l.location.as_deref() == Some(location.as_str()))
        .filter(|l| l.countable_by(scope))
        .collect();
    if mine.is_empty() {
        return Err(AppError::invalid(
            "location",
            format!("«{location}» không phải nơi đặt tài sản của bạn trong đợt này"),
        ));
    }
    let left = super::left_query(id, scope)
        .filter(crate::db::schema::count_lines::location.eq(&location))
        .count()
        .get_result::<i64>(conn)? as usize;
    let done: i64 = count_places_done::table
        .filter(count_places_done::session_id.eq(id))
        .filter(count_places_done::location.eq(&location))
        .filter(count_places_done::counter.eq(&actor.0))
        .count()
        .get_result(conn)?;
    if done == 0 {
        diesel::insert_into(count_places_done::table)
            .values((
                count_places_done::session_id.eq(id),
                count_places_done::location.eq(&location),
                count_places_done::counter.eq(&actor.0),
                count_places_done::done_at.eq(text::now_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "place_done",
            "count",
            id,
            None,
            Some(&json!({"location": location, "left": left})),
        )?;
    }
    Ok(left)
}

/// The places said finished in count `id`, by place.
pub fn places_done(conn: &mut DbConn, id: i32) -> AppResult<Vec<PlaceDone>> {
    Ok(count_places_done::table
        .filter(count_places_done::session_id.eq(id))
        .order((count_places_done::location, count_places_done::done_at))
        .select((count_places_done::location, count_places_done::counter, count_places_done::done_at))
        .load(conn)?)
}

/// One counter's work in a count, for the leader: entries, assets, places, the last entry, and
/// what their phones still hold.
#[derive(Debug, Clone, Serialize)]
pub struct CounterWork {
    pub counter: String,
    pub entries: usize,
    pub assets: usize,
    pub places: Vec<String>,
    pub last: Option<NaiveDateTime>,
    pub unsent: i32,
}

/// Who counted what and where in count `id`.
pub fn who_counted(conn: &mut DbConn, id: i32) -> AppResult<Vec<CounterWork>> {
    let entries = super::entries_of(conn, id)?;
    let places: std::collections::HashMap<String, Option<String>> =
        lines_of(conn, id)?.into_iter().map(|l| (l.code, l.location)).collect();
    let devices: Vec<(String, i32)> = count_devices::table
        .filter(count_devices::session_id.eq(id))
        .select((count_devices::counter, count_devices::unsent))
        .load(conn)?;
    let mut out: Vec<CounterWork> = vec![];
    for e in &entries {
        let i = match out.iter().position(|w| w.counter == e.counter) {
            Some(i) => i,
            None => {
                out.push(CounterWork {
                    counter: e.counter.clone(),
                    entries: 0,
                    assets: 0,
                    places: vec![],
                    last: None,
                    unsent: 0,
                });
                out.len() - 1
            }
        };
        let w = &mut out[i];
        w.entries += 1;
        w.last = w.last.max(Some(e.created_at));
        if let Some(Some(p)) = places.get(&e.code) {
            if !w.places.contains(p) {
                w.places.push(p.clone());
            }
        }
    }
    for w in &mut out {
        let mut codes: Vec<&str> = entries.iter().filter(|e| e.counter == w.counter).map(|e| e.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        w.assets = codes.len();
        w.places.sort();
        w.unsent = devices.iter().filter(|(c, _)| *c == w.counter).map(|(_, n)| n).sum();
    }
    Ok(out)
}
