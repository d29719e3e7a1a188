//! The inspectorate's workbooks (layouts in `reports/`): per inspection — summary, findings,
//! recommendations with their recovery, the assets and procurements concerned; per period — the
//! summary in the manner of TT 01/2024/TT-TTCP. Every export is an event in the history that names
//! the chain's head stamped on the file and the file's SHA-256, so a workbook can later be matched to
//! the record it came from.

use std::collections::BTreeMap;

use serde_json::json;

use super::procurement::{self, Flag};
use super::{label, InspectionView, PeriodSummary, FINDING_CATEGORIES, KINDS};
use crate::audit::{self, Actor};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::reports::{self, Row, SheetSpec};
use crate::text::{self, today};

/// The title block's variables, with the chain's head stamped on every sheet.
fn vars(conn: &mut DbConn) -> AppResult<BTreeMap<String, String>> {
    let mut vars = reports::standard_vars(conn, today())?;
    let (seq, hash) = audit::head(conn)?;
    vars.insert("chain_seq".into(), seq.to_string());
    vars.insert("chain_hash".into(), hash);
    vars.insert("as_of".into(), text::format_date(today()));
    Ok(vars)
}

fn row(pairs: Vec<(&'static str, serde_json::Value)>) -> Row {
    pairs.into_iter().collect()
}

/// Records the export: which report, the head it carries, the file's hash.
fn record(
    conn: &mut DbConn,
    actor: &Actor,
    entity_id: String,
    report: &str,
    vars: &BTreeMap<String, String>,
    bytes: &[u8],
) -> AppResult<()> {
    let what = json!({
        "report": report,
        "chain_seq": vars.get("chain_seq"),
        "chain_hash": vars.get("chain_hash"),
        "sha256": crate::import::sha256_hex(bytes),
        "size": bytes.len(),
    });
    audit::record(conn, actor, "export", "inspection", entity_id, None, Some(&what))?;
    Ok(())
}

/// The workbook of one inspection, recorded as exported by `actor`.
pub fn inspection_workbook(conn: &mut DbConn, actor: &Actor, id: i32) -> AppResult<(String, Vec<u8>)> {
    let v: InspectionView = super::view(conn, id)?;
    let i = &v.inspection;
    let mut vars = vars(conn)?;
    vars.insert("kind_upper".into(), label(KINDS, &i.kind).to_uppercase());
    vars.insert("title".into(), i.title.clone());
    vars.insert("code".into(), i.code.clone());
    vars.insert("decision".into(), format!("số {} ngày {}", i.decision_no, text::format_date(i.decision_date)));
    vars.insert("subjects".into(), i.subjects.replace('\n', "; "));
    vars.insert("scope".into(), i.scope.replace('\n', "; "));
    vars.insert("period".into(), format!("{} – {}", text::format_date(i.period_from), text::format_date(i.period_to)));
    vars.insert(
        "conclusion".into(),
        match (&i.conclusion_no, i.conclusion_date) {
            (Some(n), Some(d)) => format!("số {n} ngày {}", text::format_date(d)),
            _ => "chưa có".into(),
        },
    );
    let r = &v.recovery;
    let summary: Vec<Row> = [
        ("Số phát hiện", "phát hiện", v.findings.len() as i64),
        ("Số tiền vi phạm", "đồng", v.findings.iter().map(|f| f.finding.amount).sum()),
        ("Số kiến nghị", "kiến nghị", r.recommendations as i64),
        ("Kiến nghị thu hồi, xử lý về kinh tế", "đồng", r.recommended),
        ("Đã thu hồi", "đồng", r.recovered),
        ("Còn phải thu hồi", "đồng", r.recommended - r.recovered),
        ("Kiến nghị đã hoàn thành", "kiến nghị", r.completed as i64),
        ("Kiến nghị đang thực hiện", "kiến nghị", r.in_progress as i64),
        ("Kiến nghị chưa thực hiện", "kiến nghị", r.not_started as i64),
        ("Kiến nghị quá hạn", "kiến nghị", r.overdue as i64),
        ("Tổ chức bị kiến nghị xử lý hành chính, kỷ luật hoặc chuyển điều tra", "tổ chức", r.organisations),
        ("Cá nhân bị kiến nghị xử lý hành chính, kỷ luật hoặc chuyển điều tra", "cá nhân", r.persons),
        ("Vụ việc chuyển cơ quan điều tra", "vụ", r.cases),
    ]
    .into_iter()
    .map(|(indicator, unit, value)| {
        row(vec![("indicator", json!(indicator)), ("unit", json!(unit)), ("value", json!(value))])
    })
    .collect();
    let findings: Vec<Row> = v
        .findings
        .iter()
        .map(|f| {
            let evidence: Vec<String> = f.links.iter().map(|(_, n)| n.clone()).collect();
            row(vec![
                ("title", json!(f.finding.title)),
                ("category", json!(label(FINDING_CATEGORIES, &f.finding.category))),
                ("place", json!(f.finding.place)),
                ("amount", json!(f.finding.amount)),
                ("responsible", json!(f.finding.responsible)),
                ("evidence", json!(evidence.join("; "))),
            ])
        })
        .collect();
    let mut recs: Vec<&super::RecommendationView> = v.recommendations.iter().collect();
    recs.sort_by_key(|r| super::RECOMMENDATION_KINDS.iter().position(|k| k.0 == r.rec.kind));
    let recommendations: Vec<Row> = recs
        .iter()
        .map(|r| {
            let fus: Vec<String> = r
                .follow_ups
                .iter()
                .map(|f| {
                    let mut s = format!("{}: {}", text::format_date(f.done_on), f.action);
                    if f.recovered > 0 {
                        s.push_str(&format!(" (thu {})", text::format_money(f.recovered)));
                    }
                    if let Some(e) = &f.evidence_name {
                        s.push_str(&format!(" [chứng từ: {e}]"));
                    }
                    s
                })
                .collect();
            row(vec![
                ("kind_name", json!(r.kind_name)),
                ("content", json!(r.rec.content)),
                ("responsible", json!(r.rec.responsible)),
                ("deadline", json!(r.rec.deadline)),
                ("status", json!(r.status_name)),
                ("amount", json!(r.rec.amount)),
                ("recovered", json!(r.recovered)),
                ("remaining", json!(r.rec.amount - r.recovered)),
                ("rate_bp", json!(r.recovery_bp)),
                ("overdue", json!(if r.overdue { "Quá hạn" } else { "" })),
                ("follow_ups", json!(fus.join("; "))),
            ])
        })
        .collect();
    // The assets and procurements the findings rest on, with the procurements' flags.
    let procurements = procurement::views(conn)?;
    let mut schedule: Vec<Row> = vec![];
    let finding_no = |kind: &str, id: i32| -> String {
        v.findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.links.iter().any(|(l, _)| l.kind == kind && l.ref_id == id))
            .map(|(n, _)| format!("số {}", n + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut seen_assets = vec![];
    for f in &v.findings {
        for (l, _) in f.links.iter().filter(|(l, _)| l.kind == "procurement") {
            if let Some(p) = procurements.iter().find(|p| p.procurement.id == l.ref_id) {
                if schedule.iter().any(|r| r.get("code") == Some(&json!(p.procurement.code))) {
                    continue;
                }
                schedule.push(row(vec![
                    ("group", json!("Hồ sơ mua sắm")),
                    ("code", json!(p.procurement.code)),
                    ("name", json!(format!("{} — {}", p.procurement.package_name, p.method_name))),
                    ("date", json!(p.procurement.date())),
                    ("value", json!(p.procurement.value())),
                    ("findings", json!(finding_no("procurement", p.procurement.id))),
                    ("flags", json!(flags_text(&p.flags))),
                ]));
                for a in &p.assets {
                    seen_assets.push(a.id);
                }
            }
        }
    }
    let mut asset_rows = vec![];
    for f in &v.findings {
        for (l, _) in f.links.iter().filter(|(l, _)| l.kind == "asset") {
            if !seen_assets.contains(&l.ref_id) {
                seen_assets.push(l.ref_id);
            }
        }
    }
    for id in seen_assets {
        let a = crate::assets::find(conn, id)?;
        asset_rows.push(row(vec![
            ("group", json!("Tài sản")),
            ("code", json!(a.code)),
            ("name", json!(a.name)),
            ("date", json!(a.acquired_on)),
            ("value", json!(a.original_cost)),
            ("findings", json!(finding_no("asset", a.id))),
            ("flags", json!("")),
        ]));
    }
    schedule.extend(asset_rows);
    let layouts = ["thanh-tra-tom-tat", "thanh-tra-phat-hien", "thanh-tra-kien-nghi", "thanh-tra-doi-tuong"]
        .map(|code| reports::load(code).and_then(|r| r.layout_on(today()).cloned()));
    let [l0, l1, l2, l3] = layouts;
    let (l0, l1, l2, l3) = (l0?, l1?, l2?, l3?);
    let bytes = reports::render_sheets(vec![
        SheetSpec { name: "Tóm tắt", layout: &l0, vars: &vars, rows: Box::new(summary.into_iter().map(Ok)) },
        SheetSpec { name: "Phát hiện", layout: &l1, vars: &vars, rows: Box::new(findings.into_iter().map(Ok)) },
        SheetSpec {
            name: "Kiến nghị", layout: &l2, vars: &vars, rows: Box::new(recommendations.into_iter().map(Ok))
        },
        SheetSpec {
            name: "Tài sản, mua sắm", layout: &l3, vars: &vars, rows: Box::new(schedule.into_iter().map(Ok))
        },
    ])?
    .to_bytes()?;
    record(conn, actor, i.id.to_string(), "thanh-tra", &vars, &bytes)?;
    Ok((format!("Kết quả {} {}.xlsx", label(KINDS, &i.kind).to_lowercase(), i.code), bytes))
}

fn flags_text(flags: &[Flag]) -> String {
    flags.iter().map(|f| format!("{}: {}", f.title, f.evidence)).collect::<Vec<_>>().join("; ")
}

/// The period's workbook, recorded as exported by `actor`.
pub fn period_workbook(conn: &mut DbConn, actor: &Actor, s: &PeriodSummary) -> AppResult<(String, Vec<u8>)> {
    let mut vars = vars(conn)?;
    let r = &s.recovery;
    for (k, v) in [
        ("period", s.period.name()),
        ("n_inspections", s.inspections.to_string()),
        ("n_thanh_tra", s.thanh_tra.to_string()),
        ("n_kiem_tra", s.kiem_tra.to_string()),
        ("n_planned", s.planned.to_string()),
        ("n_ad_hoc", s.ad_hoc.to_string()),
        ("n_concluded", s.concluded.to_string()),
        ("recommended", text::format_money(r.recommended)),
        ("recovered", text::format_money(r.recovered)),
        ("rate", r.rate()),
        ("n_overdue", r.overdue.to_string()),
        ("n_orgs", r.organisations.to_string()),
        ("n_persons", r.persons.to_string()),
        ("n_cases", r.cases.to_string()),
    ] {
        vars.insert(k.into(), v);
    }
    let rows: Vec<Row> = s
        .per_inspection
        .iter()
        .map(|(i, r)| {
            row(vec![
                ("name", json!(format!("{} — {}", i.code, i.title))),
                ("kind", json!(format!("{}{}", label(KINDS, &i.kind), if i.planned { "" } else { " (đột xuất)" }))),
                ("decision", json!(format!("{} ngày {}", i.decision_no, text::format_date(i.decision_date)))),
                (
                    "conclusion",
                    json!(match (&i.conclusion_no, i.conclusion_date) {
                        (Some(n), Some(d)) => format!("{n} ngày {}", text::format_date(d)),
                        _ => "Chưa kết luận".into(),
                    }),
                ),
                ("findings", json!(0)),
                ("violation", json!(0)),
                ("recommended", json!(r.recommended)),
                ("recovered", json!(r.recovered)),
                ("rate_bp", json!((r.recommended > 0).then(|| r.recovered * 10_000 / r.recommended))),
                ("recommendations", json!(r.recommendations)),
                ("completed", json!(r.completed)),
                ("overdue", json!(r.overdue)),
                ("handled", json!(r.organisations + r.persons)),
            ])
        })
        .collect();
    // Findings and their amounts per inspection.
    let mut rows = rows;
    for (row, (i, _)) in rows.iter_mut().zip(&s.per_inspection) {
        use crate::db::schema::findings;
        use diesel::prelude::*;
        let amounts: Vec<i64> =
            findings::table.filter(findings::inspection_id.eq(i.id)).select(findings::amount).load(conn)?;
        row.insert("findings", json!(amounts.len()));
        row.insert("violation", json!(amounts.iter().sum::<i64>()));
    }
    // The version in force at the period's end: its basis is the text of that day.
    let layout = reports::load("thanh-tra-theo-ky")?;
    let layout = layout.layout_on(s.period.to)?;
    let bytes = reports::render_sheets(vec![SheetSpec {
        name: "Tổng hợp",
        layout,
        vars: &vars,
        rows: Box::new(rows.into_iter().map(Ok)),
    }])?
    .to_bytes()?;
    record(conn, actor, format!("ky:{}:{}", s.period.from, s.period.to), "thanh-tra-theo-ky", &vars, &bytes)?;
    let name =
        format!("Tổng hợp thanh tra {} đến {}.xlsx", s.period.from.format("%d-%m-%Y"), s.period.to.format("%d-%m-%Y"));
    Ok((name, bytes))
}
