//! Biên bản kiểm kê TSCĐ (C53-HD) with two more sheets: the summary per unit and the list of
//! discrepancies with their resolutions. Built only from the count's frozen lines, its entries and
//! its committee — never from the register as it is now — so a closed count gives the same minutes
//! forever; the SHA-256 of their figures, taken at closing, proves it.

use std::collections::BTreeMap;

use serde_json::json;

use super::{label, members_of, reconciliation, CountSession, Reconciled, COMMITTEE_ROLES, RESOLUTIONS};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::reports::{self, Row, SheetSpec};
use crate::text;

/// The date the minutes carry: the day the count closed, or today while it is open.
fn minutes_date(s: &CountSession) -> chrono::NaiveDate {
    s.closed_at.map(text::vn_date_of).unwrap_or_else(text::today)
}

fn trio(row: &mut Row, r: &Reconciled) {
    row.insert("book_quantity", json!(r.line.book_quantity));
    row.insert("book_cost", json!(r.line.book_cost));
    row.insert("book_residual", json!(r.line.book_residual));
    row.insert("counted_quantity", json!(r.counted_quantity));
    row.insert("counted_cost", json!(r.counted_cost));
    row.insert("counted_residual", json!(r.counted_residual));
    row.insert("diff_quantity", json!(r.diff_quantity()));
    row.insert("diff_cost", json!(r.diff_cost()));
    row.insert("diff_residual", json!(r.diff_residual()));
}

/// A line of the C53-HD sheet.
fn line_row(r: &Reconciled) -> Row {
    let mut row = Row::new();
    let place = match (&r.line.unit_name, &r.line.location) {
        (u, Some(l)) if !u.is_empty() => format!("{u} — {l}"),
        (_, Some(l)) => l.clone(),
        (u, None) => u.clone(),
    };
    row.insert("class_name", json!(r.line.class_name));
    row.insert("name", json!(r.line.name));
    row.insert("code", json!(r.line.code));
    row.insert("place", json!(place));
    trio(&mut row, r);
    row.insert("remark", json!(r.remark()));
    row
}

/// A line of the discrepancies sheet.
fn discrepancy_row(r: &Reconciled) -> Row {
    let mut d = Row::new();
    d.insert("code", json!(r.line.code));
    d.insert("name", json!(r.line.name));
    d.insert("unit_name", json!(r.line.unit_name));
    d.insert("diff_quantity", json!(r.diff_quantity()));
    d.insert("diff_cost", json!(r.diff_cost()));
    d.insert("diff_residual", json!(r.diff_residual()));
    d.insert("outcome", json!(r.outcome_name()));
    d.insert("resolution", json!(r.line.resolution.as_deref().map(|x| label(RESOLUTIONS, x))));
    d.insert("resolution_note", json!(r.line.resolution_note));
    // The records it led to, by their codes: the handling, the finding's inspection.
    let led_to: Vec<String> = r.related.iter().map(|x| format!("{} {}", x.kind_name, x.code)).collect();
    d.insert("disposal", if led_to.is_empty() { serde_json::Value::Null } else { json!(led_to.join("; ")) });
    d.insert("resolved_by", json!(r.line.resolved_by));
    d
}

/// The summary per unit: its sums over the lines.
fn unit_rows(rows: &[Reconciled], qhns: &BTreeMap<String, String>) -> Vec<Row> {
    let mut units: BTreeMap<String, [i64; 12]> = BTreeMap::new();
    for r in rows {
        let unit =
            if r.line.unit_name.is_empty() { "(Không có trong sổ)".to_string() } else { r.line.unit_name.clone() };
        let sums = units.entry(unit).or_insert([0; 12]);
        let values = [
            r.line.book_quantity as i64,
            r.line.book_cost,
            r.line.book_residual,
            r.counted_quantity as i64,
            r.counted_cost,
            r.counted_residual,
            r.diff_quantity() as i64,
            r.diff_cost(),
            r.diff_residual(),
            r.line.asset_id.is_some() as i64,
            r.count.is_none() as i64,
            r.is_discrepancy() as i64,
        ];
        for (s, v) in sums.iter_mut().zip(values) {
            *s += v;
        }
    }
    let fields = [
        "book_quantity",
        "book_cost",
        "book_residual",
        "counted_quantity",
        "counted_cost",
        "counted_residual",
        "diff_quantity",
        "diff_cost",
        "diff_residual",
        "assets",
        "uncounted",
        "discrepancies",
    ];
    units
        .into_iter()
        .map(|(unit, sums)| {
            let mut row = Row::new();
            row.insert("ma_qhns", json!(qhns.get(&unit).cloned().unwrap_or_default()));
            row.insert("unit_name", json!(unit));
            for (f, v) in fields.iter().zip(sums) {
                row.insert(f, json!(v));
            }
            row
        })
        .collect()
}

/// The title block's variables, the committee among them.
fn vars_of(conn: &mut DbConn, s: &CountSession) -> AppResult<(BTreeMap<String, String>, Vec<String>)> {
    let mut vars = reports::standard_vars(conn, minutes_date(s))?;
    vars.insert("reference_time".into(), format!("ngày {}", text::format_date(s.reference_date)));
    vars.insert(
        "decision".into(),
        format!("Quyết định số {} ngày {} về việc kiểm kê tài sản", s.decision_no, text::format_date(s.decision_date)),
    );
    vars.insert("code".into(), s.code.clone());
    vars.insert("title".into(), s.title.clone());
    let committee = members_of(conn, s.id)?
        .into_iter()
        .map(|m| {
            let mut line = format!("– Ông/Bà {}", m.full_name);
            if let Some(p) = &m.position {
                line.push_str(&format!(", {p}"));
            }
            if let Some(r) = &m.represents {
                line.push_str(&format!(", đại diện {r}"));
            }
            line.push_str(&format!(" — {}", label(COMMITTEE_ROLES, &m.committee_role)));
            line
        })
        .collect();
    Ok((vars, committee))
}

fn qhns_by_unit(conn: &mut DbConn) -> AppResult<BTreeMap<String, String>> {
    use crate::db::schema::org_units;
    use diesel::prelude::*;
    let rows: Vec<(String, Option<String>)> =
        org_units::table.select((org_units::name, org_units::ma_qhns)).load(conn)?;
    Ok(rows.into_iter().map(|(n, q)| (n, q.unwrap_or_default())).collect())
}

/// The SHA-256 of the minutes' figures and title block: what closing seals. Hashed row by row, so
/// a count of a hundred thousand assets is never one document in memory.
pub fn seal(conn: &mut DbConn, s: &CountSession) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    fn add<T: serde::Serialize>(h: &mut Sha256, v: &T) {
        h.update(serde_json::to_vec(v).unwrap_or_default());
        h.update(b"\n");
    }
    // The seal holds what the count decided; the records it later led to (a finding opened after
    // the close) are links, shown on the minutes (`with_related`) but not part of what was sealed.
    let rows = reconciliation(conn, s.id)?;
    let (vars, committee) = vars_of(conn, s)?;
    let mut h = Sha256::new();
    add(&mut h, &vars);
    add(&mut h, &committee);
    for r in &rows {
        add(&mut h, &line_row(r));
    }
    for u in unit_rows(&rows, &qhns_by_unit(conn)?) {
        add(&mut h, &u);
    }
    for r in rows.iter().filter(|r| r.is_discrepancy()) {
        add(&mut h, &discrepancy_row(r));
    }
    Ok(crate::text::hex(&h.finalize()))
}

/// The minutes workbook: C53-HD, the summary by unit, the discrepancies.
pub fn workbook(conn: &mut DbConn, s: &CountSession) -> AppResult<reports::Rendered> {
    let rows = reconciliation(conn, s.id)?;
    let rows = super::with_related(conn, rows)?;
    let units_rows = unit_rows(&rows, &qhns_by_unit(conn)?);
    let (vars, committee) = vars_of(conn, s)?;
    let on = s.reference_date;
    let minutes = reports::load("bien-ban-kiem-ke")?;
    let mut layout = minutes.layout_on(on)?.clone();
    layout.facts.extend(committee);
    let units = reports::load("kiem-ke-don-vi")?;
    let disc = reports::load("chenh-lech-kiem-ke")?;
    reports::render_sheets(vec![
        SheetSpec {
            name: "Biên bản C53-HD",
            layout: &layout,
            vars: &vars,
            rows: Box::new(rows.iter().map(|r| Ok(line_row(r)))),
        },
        SheetSpec {
            name: "Theo đơn vị",
            layout: units.layout_on(on)?,
            vars: &vars,
            rows: Box::new(units_rows.into_iter().map(Ok)),
        },
        SheetSpec {
            name: "Chênh lệch",
            layout: disc.layout_on(on)?,
            vars: &vars,
            rows: Box::new(rows.iter().filter(|r| r.is_discrepancy()).map(|r| Ok(discrepancy_row(r)))),
        },
    ])
}

/// The minutes' file name: «Biên bản kiểm kê KK-2025.xlsx».
pub fn file_name(s: &CountSession) -> String {
    format!("Biên bản kiểm kê {}.xlsx", s.code)
}

/// Whether the minutes still match what was sealed at closing (None while the count is open).
pub fn still_sealed(conn: &mut DbConn, s: &CountSession) -> AppResult<Option<bool>> {
    match &s.minutes_sha256 {
        Some(sealed) => Ok(Some(&seal(conn, s)? == sealed)),
        None => Ok(None),
    }
}
