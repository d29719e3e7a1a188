//! Chuỗi chứng cứ — one chain of evidence: a count's discrepancy (chênh lệch kiểm kê), the inspection
//! finding it became (phát hiện thanh tra), the handling that disposed of the asset (hồ sơ xử lý) and
//! the asset itself, each naming the others by code. The links are read where they are stored — a
//! count line's handling, a finding's links, a handling's lines — and never copied, so that each side
//! shows the other and none can drift.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    assets, count_lines, count_sessions, disposal_lines, disposals, finding_links, findings, handling_forms,
    inspections,
};
use crate::db::DbConn;
use crate::error::AppResult;

/// A record of the chain as another record names it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    /// "count_line", "finding", "disposal", "asset".
    pub kind: &'static str,
    /// In words: «Chênh lệch kiểm kê», «Phát hiện thanh tra», «Hồ sơ xử lý», «Tài sản».
    pub kind_name: &'static str,
    /// The code people write: KK-2026-01 / TTUD-2021-0001, TTr-2026-02, XL-2026-0004, TTUD-2021-0001.
    pub code: String,
    pub title: String,
    pub href: String,
    pub id: i32,
}

/// A record whose relations are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Record {
    CountLine(i32),
    Finding(i32),
    Disposal(i32),
    Asset(i32),
}

/// The handlings that hold any of `assets`.
fn handlings_of(conn: &mut DbConn, assets: &[i32]) -> AppResult<Vec<i32>> {
    Ok(disposal_lines::table
        .filter(disposal_lines::asset_id.eq_any(assets))
        .select(disposal_lines::disposal_id)
        .distinct()
        .load(conn)?)
}

/// The count lines that led to findings, and the findings they led to.
fn findings_of_lines(conn: &mut DbConn, lines: &[i32]) -> AppResult<Vec<(i32, i32)>> {
    Ok(finding_links::table
        .filter(finding_links::kind.eq("count_line"))
        .filter(finding_links::ref_id.eq_any(lines))
        .select((finding_links::ref_id, finding_links::finding_id))
        .load(conn)?)
}

/// Every record the chain joins to `start`, itself left out: followed through count lines, findings
/// and handlings (an asset only ends a path — its other handlings and counts are its own history,
/// reached from its page).
pub fn related(conn: &mut DbConn, start: Record) -> AppResult<Vec<Related>> {
    let mut seen: BTreeSet<Record> = BTreeSet::from([start]);
    let mut todo = vec![start];
    while let Some(r) = todo.pop() {
        let mut next: Vec<Record> = vec![];
        match r {
            Record::CountLine(id) => {
                let (asset, disposal): (Option<i32>, Option<i32>) = count_lines::table
                    .find(id)
                    .select((count_lines::asset_id, count_lines::disposal_id))
                    .first(conn)?;
                next.extend(asset.map(Record::Asset));
                next.extend(disposal.map(Record::Disposal));
                // A handling of its asset begun since (proposed after an inspection, say).
                next.extend(
                    handlings_of(conn, &asset.into_iter().collect::<Vec<_>>())?.into_iter().map(Record::Disposal),
                );
                next.extend(findings_of_lines(conn, &[id])?.into_iter().map(|(_, f)| Record::Finding(f)));
            }
            Record::Finding(id) => {
                let links: Vec<(String, i32)> = finding_links::table
                    .filter(finding_links::finding_id.eq(id))
                    .select((finding_links::kind, finding_links::ref_id))
                    .load(conn)?;
                let mut named = vec![];
                for (kind, ref_id) in links {
                    match kind.as_str() {
                        "count_line" => next.push(Record::CountLine(ref_id)),
                        "asset" => {
                            next.push(Record::Asset(ref_id));
                            named.push(ref_id);
                        }
                        _ => {}
                    }
                }
                // The handlings of the assets it names: how the finding was carried out.
                next.extend(handlings_of(conn, &named)?.into_iter().map(Record::Disposal));
            }
            Record::Disposal(id) => {
                let lines: Vec<i32> =
                    count_lines::table.filter(count_lines::disposal_id.eq(id)).select(count_lines::id).load(conn)?;
                next.extend(lines.into_iter().map(Record::CountLine));
                let held: Vec<i32> = disposal_lines::table
                    .filter(disposal_lines::disposal_id.eq(id))
                    .select(disposal_lines::asset_id)
                    .load(conn)?;
                // What brought its assets here: the count lines decided on them, the findings naming them.
                let decided: Vec<i32> = count_lines::table
                    .filter(count_lines::asset_id.eq_any(&held))
                    .filter(count_lines::resolution.is_not_null())
                    .select(count_lines::id)
                    .load(conn)?;
                next.extend(decided.into_iter().map(Record::CountLine));
                let named: Vec<i32> = finding_links::table
                    .filter(finding_links::kind.eq("asset"))
                    .filter(finding_links::ref_id.eq_any(&held))
                    .select(finding_links::finding_id)
                    .load(conn)?;
                next.extend(named.into_iter().map(Record::Finding));
                next.extend(held.into_iter().map(Record::Asset));
            }
            Record::Asset(id) if r == start => {
                // From an asset: its discrepancies, the findings naming it, the handlings holding it.
                let lines: Vec<i32> =
                    count_lines::table.filter(count_lines::asset_id.eq(id)).select(count_lines::id).load(conn)?;
                let with_findings: Vec<i32> = findings_of_lines(conn, &lines)?.into_iter().map(|(l, _)| l).collect();
                let handled: Vec<i32> = count_lines::table
                    .filter(count_lines::asset_id.eq(id))
                    .filter(count_lines::disposal_id.is_not_null())
                    .select(count_lines::id)
                    .load(conn)?;
                next.extend(
                    lines
                        .into_iter()
                        .filter(|l| with_findings.contains(l) || handled.contains(l))
                        .map(Record::CountLine),
                );
                let named: Vec<i32> = finding_links::table
                    .filter(finding_links::kind.eq("asset"))
                    .filter(finding_links::ref_id.eq(id))
                    .select(finding_links::finding_id)
                    .load(conn)?;
                next.extend(named.into_iter().map(Record::Finding));
                let held: Vec<i32> = disposal_lines::table
                    .filter(disposal_lines::asset_id.eq(id))
                    .select(disposal_lines::disposal_id)
                    .load(conn)?;
                next.extend(held.into_iter().map(Record::Disposal));
            }
            Record::Asset(_) => {}
        }
        for n in next {
            if seen.insert(n) {
                todo.push(n);
            }
        }
    }
    seen.remove(&start);
    let mut out = vec![];
    for r in seen {
        out.extend(describe(conn, r)?);
    }
    out.sort_by_key(|r| (kind_order(r.kind), r.code.clone()));
    Ok(out)
}

fn kind_order(kind: &str) -> u8 {
    match kind {
        "count_line" => 0,
        "finding" => 1,
        "disposal" => 2,
        _ => 3,
    }
}

/// A record as another names it; `None` when it is gone.
fn describe(conn: &mut DbConn, r: Record) -> AppResult<Option<Related>> {
    Ok(match r {
        Record::CountLine(id) => count_lines::table
            .inner_join(count_sessions::table)
            .filter(count_lines::id.eq(id))
            .select((count_sessions::id, count_sessions::code, count_lines::code, count_lines::name))
            .first::<(i32, String, String, String)>(conn)
            .optional()?
            .map(|(session, count, code, name)| Related {
                kind: "count_line",
                kind_name: "Chênh lệch kiểm kê",
                code: format!("{count} / {code}"),
                title: name,
                href: format!("/kiem-ke/{session}#dong-{id}"),
                id,
            }),
        Record::Finding(id) => findings::table
            .inner_join(inspections::table)
            .filter(findings::id.eq(id))
            .select((inspections::id, inspections::code, findings::title))
            .first::<(i32, String, String)>(conn)
            .optional()?
            .map(|(inspection, code, title)| Related {
                kind: "finding",
                kind_name: "Phát hiện thanh tra",
                code,
                title,
                href: format!("/thanh-tra/{inspection}#phat-hien-{id}"),
                id,
            }),
        Record::Disposal(id) => disposals::table
            .inner_join(handling_forms::table.on(handling_forms::code.eq(disposals::form_code)))
            .filter(disposals::id.eq(id))
            .select((disposals::code, handling_forms::name, disposals::status))
            .first::<(String, String, String)>(conn)
            .optional()?
            .map(|(code, form, status)| Related {
                kind: "disposal",
                kind_name: "Hồ sơ xử lý",
                code,
                title: format!("{form} — {}", crate::assets::label(crate::disposals::STATUSES, &status)),
                href: format!("/xu-ly/{id}"),
                id,
            }),
        Record::Asset(id) => {
            assets::table.find(id).select((assets::code, assets::name)).first::<(String, String)>(conn).optional()?.map(
                |(code, name)| Related {
                    kind: "asset",
                    kind_name: "Tài sản",
                    code,
                    title: name,
                    href: format!("/tai-san/{id}"),
                    id,
                },
            )
        }
    })
}

/// The findings a count line led to, by the inspection's code: what the minutes and the count page
/// name beside «Chuyển Thanh tra xem xét».
pub fn findings_of_line(conn: &mut DbConn, line: i32) -> AppResult<Vec<Related>> {
    let mut out = vec![];
    for (_, f) in findings_of_lines(conn, &[line])? {
        out.extend(describe(conn, Record::Finding(f))?);
    }
    Ok(out)
}

/// Whether a finding still waits: it has no recommendation yet, or one not confirmed done.
fn finding_open(conn: &mut DbConn, finding: i32) -> AppResult<bool> {
    use crate::db::schema::{follow_ups, recommendations};
    let recs: Vec<i32> = recommendations::table
        .filter(recommendations::finding_id.eq(finding))
        .select(recommendations::id)
        .load(conn)?;
    if recs.is_empty() {
        return Ok(true);
    }
    let done: Vec<i32> = follow_ups::table
        .filter(follow_ups::recommendation_id.eq_any(&recs))
        .filter(follow_ups::completes.eq(true))
        .select(follow_ups::recommendation_id)
        .distinct()
        .load(conn)?;
    Ok(recs.iter().any(|r| !done.contains(r)))
}

/// What the register says beside each of `asset_ids` that a count found wrong and sent to the
/// inspectorate, until the finding is settled: «Thiếu khi kiểm kê KK-2026-01, chuyển Thanh tra
/// TTr-2026-02».
pub fn open_marks(conn: &mut DbConn, asset_ids: &[i32]) -> AppResult<std::collections::HashMap<i32, String>> {
    let mut out = std::collections::HashMap::new();
    let lines: Vec<(i32, i32, i32)> = count_lines::table
        .filter(count_lines::asset_id.eq_any(asset_ids))
        .filter(count_lines::resolution.eq("thanh_tra"))
        .select((count_lines::id, count_lines::session_id, count_lines::asset_id.assume_not_null()))
        .load(conn)?;
    for (line, session, asset) in lines {
        let found = findings_of_lines(conn, &[line])?;
        let mut open = vec![];
        for (_, f) in &found {
            if finding_open(conn, *f)? {
                open.extend(describe(conn, Record::Finding(*f))?.map(|r| r.code));
            }
        }
        // Every finding of the line settled: nothing left to mark.
        if open.is_empty() && !found.is_empty() {
            continue;
        }
        let count: String = count_sessions::table.find(session).select(count_sessions::code).first(conn)?;
        let outcome = crate::inventory::outcome_of_line(conn, line)?;
        let sent = format!("{outcome} khi kiểm kê {count}, chuyển Thanh tra");
        let mark = if open.is_empty() { sent } else { format!("{sent} {}", open.join(", ")) };
        out.insert(asset, mark);
    }
    Ok(out)
}
