//! The handling's spreadsheets, through the one report renderer: the list of assets proposed
//! (01/TSC-XLTS), the handover minutes (02/TSC-BBGN), and the results of handling across S&T tasks
//! that the leadership asks for.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde_json::{json, Value};

use super::{label, standing, DisposalView, STATUSES};
use crate::assets::Asset;
use crate::auth::Scope;
use crate::db::schema::{asset_classes, assets, disposal_lines, disposals, handling_forms, tasks};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::reports::{self, Rendered, Row};
use crate::text::format_date;

/// The assets of a handling with what the sheets show of each: the asset, its class's name and code.
fn line_assets(conn: &mut DbConn, d: &DisposalView) -> AppResult<HashMap<i32, (Asset, String, String)>> {
    let ids: Vec<i32> = d.lines.iter().map(|l| l.line.asset_id).collect();
    let found: Vec<(Asset, String, String)> = assets::table
        .inner_join(asset_classes::table)
        .filter(assets::id.eq_any(ids))
        .select((Asset::as_select(), asset_classes::name, asset_classes::code))
        .load(conn)?;
    Ok(found.into_iter().map(|(a, class, code)| (a.id, (a, class, code))).collect())
}

/// The variables of a handling's paper issued on its step `kind`: the issuing unit's block, the
/// document's number and date, the decision it carries out, the two sides.
fn document_vars(conn: &mut DbConn, d: &DisposalView, kind: &str) -> AppResult<BTreeMap<String, String>> {
    let steps: Vec<super::DisposalStep> = d.steps.iter().map(|s| s.step.clone()).collect();
    let step = standing(&steps).into_iter().rev().find(|s| s.kind == kind).cloned();
    let Some(step) = step else {
        return Err(AppError::conflict(format!(
            "Hồ sơ {} chưa có «{}» còn hiệu lực",
            d.disposal.code,
            label(super::STEP_KINDS, kind)
        )));
    };
    let mut vars = reports::unit_vars(conn, d.disposal.unit_id, step.doc_date)?;
    let dots = "…………";
    vars.insert("doc_no".into(), step.doc_no.clone().unwrap_or_else(|| dots.into()));
    vars.insert("doc_date".into(), format_date(step.doc_date));
    vars.insert("doc_day".into(), format!("{:02}", step.doc_date.day()));
    vars.insert("doc_month".into(), format!("{:02}", step.doc_date.month()));
    vars.insert("doc_year".into(), step.doc_date.year().to_string());
    vars.insert("disposal_code".into(), d.disposal.code.clone());
    vars.insert("form_name".into(), d.form.name.clone());
    vars.insert("reason".into(), d.disposal.reason.clone());
    vars.insert("receiver".into(), step.counterparty.clone().unwrap_or_else(|| dots.into()));
    if let Some(decision) = standing(&steps).into_iter().rev().find(|s| s.kind == "quyet_dinh") {
        let number = decision.doc_no.clone().unwrap_or_default();
        let authority = decision.authority.clone().unwrap_or_else(|| "cấp có thẩm quyền".into());
        vars.insert("decision_no".into(), number.clone());
        vars.insert("decision_date".into(), format_date(decision.doc_date));
        vars.insert("decision_authority".into(), authority.clone());
        let what = lowercase_first(&d.form.name);
        vars.insert(
            "basis".into(),
            format!("Quyết định số {number} ngày {} của {authority} về việc {what}", format_date(decision.doc_date)),
        );
    }
    // The side that hands over: for an S&T task's assets, the department that manages the task
    // (its handling team acts in its name); otherwise the unit that holds the assets.
    let holder = if d.form.regime == super::GENERAL { d.disposal.unit_id } else { crate::rules::root_unit_id(conn)? };
    let giver = reports::unit_vars(conn, holder, step.doc_date)?;
    let giver_name = giver.get("unit_full_name").cloned().unwrap_or_default();
    vars.insert("giver".into(), giver_name.clone());
    vars.insert("handover_place".into(), giver_name);
    vars.insert("giver_person".into(), step.signer.clone().unwrap_or_else(|| dots.into()));
    vars.insert("documents".into(), dots.repeat(3));
    Ok(vars)
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Danh mục tài sản công đề nghị xử lý (01/TSC-XLTS) of one handling, with its cover letter: each
/// asset with its quantity and values at the proposal, the form (with the sale method once
/// decided) and the reason.
pub fn proposal_workbook(conn: &mut DbConn, id: i32) -> AppResult<Rendered> {
    let d = super::view(conn, id)?;
    let vars = document_vars(conn, &d, "de_nghi")?;
    let date = d.steps.first().map(|s| s.step.doc_date).unwrap_or_else(crate::text::today);
    let report = reports::load("de-nghi-xu-ly")?;
    let layout = report.layout_on(date)?.clone();
    let found = line_assets(conn, &d)?;
    let steps: Vec<super::DisposalStep> = d.steps.iter().map(|s| s.step.clone()).collect();
    let method = standing(&steps)
        .into_iter()
        .rev()
        .find(|s| s.kind == "quyet_dinh")
        .and_then(|s| s.method.as_deref())
        .and_then(super::sale::SaleMethod::parse);
    let form_name = match method {
        Some(m) => format!("{} ({})", d.form.name, m.label().to_lowercase()),
        None => d.form.name.clone(),
    };
    let mut rows = d.lines.iter().map(|l| {
        let (a, class, _) = &found[&l.line.asset_id];
        let mut row = Row::new();
        row.insert("name", json!(a.name));
        row.insert("class_name", json!(class));
        row.insert("unit_of_measure", json!(a.unit_of_measure));
        row.insert("quantity", json!(l.line.quantity));
        row.insert(
            "in_use_year",
            a.in_use_on.or(a.acquired_on).map(|d| json!(d.year().to_string())).unwrap_or(Value::Null),
        );
        row.insert("original_cost", json!(l.line.original_cost));
        row.insert("residual_value", json!(l.line.residual_value));
        row.insert("form_name", json!(form_name));
        row.insert("reason", json!(d.disposal.reason));
        row.insert("note", json!(a.code));
        Ok(row)
    });
    reports::render(&layout, &vars, &mut rows)
}

/// The sections of 02/TSC-BBGN's list, by the asset's class: A offices and premises (land,
/// buildings, structures), B cars, C machinery and equipment, D the rest.
fn handover_section(class_code: &str) -> (&'static str, &'static str) {
    match class_code {
        "DAT" | "NHA" | "VKT" => ("A", "Trụ sở làm việc, cơ sở hoạt động sự nghiệp"),
        crate::assets::CAR_CLASS => ("B", "Xe ô tô"),
        "MMTB" => ("C", "Máy móc, thiết bị"),
        _ => ("D", "Tài sản khác"),
    }
}

/// Biên bản bàn giao, tiếp nhận tài sản công (02/TSC-BBGN) of a handling handed over: the decision it
/// carries out, the giver and the receiver, each asset in its section with the quantity and values
/// decided, its code and condition in the notes.
pub fn handover_workbook(conn: &mut DbConn, id: i32) -> AppResult<Rendered> {
    let d = super::view(conn, id)?;
    let vars = document_vars(conn, &d, "ban_giao")?;
    let date = crate::text::parse_date(&vars["doc_date"]).map_err(AppError::Internal)?;
    let report = reports::load("bien-ban-ban-giao")?;
    let layout = report.layout_on(date)?.clone();
    let found = line_assets(conn, &d)?;
    let mut lines: Vec<_> = d.lines.iter().collect();
    lines.sort_by_key(|l| handover_section(&found[&l.line.asset_id].2).0);
    let mut rows = lines.into_iter().map(|l| {
        let (a, _, class_code) = &found[&l.line.asset_id];
        let (mark, section) = handover_section(class_code);
        let mut row = Row::new();
        row.insert("group_mark", json!(mark));
        row.insert("group_name", json!(section));
        let detail = [a.location.as_deref(), a.specification.as_deref(), a.serial_no.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let name = if detail.is_empty() { a.name.clone() } else { format!("{} ({detail})", a.name) };
        row.insert("name", json!(name));
        row.insert("code", json!(a.code));
        row.insert("unit_of_measure", json!(a.unit_of_measure));
        row.insert("quantity", json!(l.line.decided_quantity.unwrap_or(l.line.quantity)));
        row.insert("original_cost", json!(l.line.decided_cost.unwrap_or(l.line.original_cost)));
        row.insert("residual_value", json!(l.line.decided_residual.unwrap_or(l.line.residual_value)));
        let note = match a.condition.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => format!("{}; {c}", a.code),
            None => a.code.clone(),
        };
        row.insert("note", json!(note));
        row.insert("condition", a.condition.clone().map(Value::from).unwrap_or(Value::Null));
        Ok(row)
    });
    reports::render(&layout, &vars, &mut rows)
}

/// Kết quả xử lý tài sản hình thành qua nhiệm vụ KH&CN as of `date`: for each task with assets, what
/// was handled by each form, what is being handled and at which step, and what still waits — since
/// when and for how many days.
pub fn task_handling_workbook(conn: &mut DbConn, scope: &Scope, date: NaiveDate) -> AppResult<Rendered> {
    let report = reports::load("ket-qua-xu-ly-nhiem-vu")?;
    let layout = report.layout_on(date)?.clone();
    let vars = reports::standard_vars(conn, date)?;
    type TaskRow = (i32, String, String, Option<NaiveDate>);
    let task_list: Vec<TaskRow> = tasks::table
        .order(tasks::code)
        .select((tasks::id, tasks::code, tasks::title, tasks::acceptance_date))
        .load(conn)?;
    // Lines of every handling not withdrawn, with the task of their asset.
    type LineRow = (i32, i32, Option<i32>, i64, Option<i64>, i64, Option<i64>, String, String, Option<i32>);
    // Unit staff see their unit's assets only.
    let units = scope.read_units.clone();
    let mut lines_q = disposal_lines::table
        .inner_join(disposals::table)
        .inner_join(assets::table.on(assets::id.eq(disposal_lines::asset_id)))
        .inner_join(handling_forms::table.on(handling_forms::code.eq(disposals::form_code)))
        .filter(disposals::status.ne("da_huy"))
        .filter(assets::task_id.is_not_null())
        .into_boxed();
    if let Some(u) = &units {
        lines_q = lines_q.filter(assets::unit_id.eq_any(u.clone()));
    }
    let lines: Vec<LineRow> = lines_q
        .select((
            disposal_lines::asset_id,
            disposal_lines::quantity,
            disposal_lines::decided_quantity,
            disposal_lines::original_cost,
            disposal_lines::decided_cost,
            disposal_lines::residual_value,
            disposal_lines::decided_residual,
            disposals::status,
            handling_forms::name,
            assets::task_id,
        ))
        .load(conn)?;
    let in_handling: std::collections::HashSet<i32> = lines.iter().map(|l| l.0).collect();
    let mut pending_q =
        assets::table.filter(assets::task_id.is_not_null()).filter(assets::status.ne("da_xu_ly")).into_boxed();
    if let Some(u) = units {
        pending_q = pending_q.filter(assets::unit_id.eq_any(u));
    }
    let pending: Vec<(i32, Option<i32>, i32, i64, i64)> = pending_q
        .select((assets::id, assets::task_id, assets::quantity, assets::original_cost, assets::residual_value))
        .load(conn)?;
    let mut out: Vec<Row> = vec![];
    for (task_id, code, title, accepted) in task_list {
        let group = format!("{code} — {title}");
        let mut states: BTreeMap<(u8, String), (i64, i64, i64, i64)> = BTreeMap::new();
        for l in lines.iter().filter(|l| l.9 == Some(task_id)) {
            let key = if l.7 == "da_ghi_giam" {
                (0, format!("Đã xử lý — {}", l.8))
            } else {
                (1, format!("Đang xử lý — {} ({})", l.8, label(STATUSES, &l.7).to_lowercase()))
            };
            let e = states.entry(key).or_default();
            e.0 += 1;
            e.1 += l.2.unwrap_or(l.1) as i64;
            e.2 += l.4.unwrap_or(l.3);
            e.3 += l.6.unwrap_or(l.5);
        }
        let waiting: Vec<&(i32, Option<i32>, i32, i64, i64)> =
            pending.iter().filter(|p| p.1 == Some(task_id) && !in_handling.contains(&p.0)).collect();
        if states.is_empty() && waiting.is_empty() {
            continue;
        }
        for ((_, state), (n, q, cost, residual)) in states {
            let mut row = Row::new();
            row.insert("task", json!(group));
            row.insert("state", json!(state));
            row.insert("assets", json!(n));
            row.insert("quantity", json!(q));
            row.insert("original_cost", json!(cost));
            row.insert("residual_value", json!(residual));
            out.push(row);
        }
        if !waiting.is_empty() {
            let mut row = Row::new();
            row.insert("task", json!(group));
            row.insert(
                "state",
                json!(if accepted.is_some() {
                    "Chưa xử lý"
                } else {
                    "Chưa xử lý (nhiệm vụ chưa nghiệm thu)"
                }),
            );
            row.insert("accepted_on", accepted.map(|d| json!(d.format("%Y-%m-%d").to_string())).unwrap_or(Value::Null));
            row.insert("assets", json!(waiting.len()));
            row.insert("quantity", json!(waiting.iter().map(|p| p.2 as i64).sum::<i64>()));
            row.insert("original_cost", json!(waiting.iter().map(|p| p.3).sum::<i64>()));
            row.insert("residual_value", json!(waiting.iter().map(|p| p.4).sum::<i64>()));
            if let Some(since) = accepted {
                row.insert("waiting_since", json!(since.format("%Y-%m-%d").to_string()));
                row.insert("days_waiting", json!((date - since).num_days()));
            }
            out.push(row);
        }
    }
    let mut rows = out.into_iter().map(Ok);
    reports::render(&layout, &vars, &mut rows)
}

/// The handlings proposed between `from` and `to`, each line with the dates of its steps, by form.
fn handlings_in(conn: &mut DbConn, scope: &Scope, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<DisposalView>> {
    use crate::db::schema::disposal_steps;
    reports::check_period(from, to)?;
    let ids: Vec<i32> = disposal_steps::table
        .filter(disposal_steps::kind.eq("de_nghi"))
        .filter(disposal_steps::doc_date.between(from, to))
        .order(disposal_steps::disposal_id)
        .select(disposal_steps::disposal_id)
        .load(conn)?;
    let ids = only_visible(conn, scope, ids)?;
    views_by_form(conn, ids)
}

/// Of the handlings named, those the person may see.
fn only_visible(conn: &mut DbConn, scope: &Scope, ids: Vec<i32>) -> AppResult<Vec<i32>> {
    let visible = super::visible(conn, scope)?;
    Ok(ids.into_iter().filter(|id| visible.as_ref().is_none_or(|v| v.contains(id))).collect())
}

/// The handlings named, in the order of their forms, then by code.
fn views_by_form(conn: &mut DbConn, ids: Vec<i32>) -> AppResult<Vec<DisposalView>> {
    let mut views = vec![];
    for id in ids {
        views.push(super::view(conn, id)?);
    }
    views.sort_by(|a, b| (a.form.sort_order, &a.disposal.code).cmp(&(b.form.sort_order, &b.disposal.code)));
    Ok(views)
}

fn period_vars(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> AppResult<BTreeMap<String, String>> {
    let mut vars = reports::standard_vars(conn, crate::text::today())?;
    vars.insert("from".into(), format_date(from));
    vars.insert("to".into(), format_date(to));
    Ok(vars)
}

fn date_value(d: Option<NaiveDate>) -> Value {
    d.map(|d| json!(d.format("%Y-%m-%d").to_string())).unwrap_or(Value::Null)
}

/// Sổ theo dõi xử lý tài sản: every handling proposed in the period, asset by asset, with its
/// decision, execution, write-down and money, by form.
pub fn disposal_register(conn: &mut DbConn, scope: &Scope, from: NaiveDate, to: NaiveDate) -> AppResult<Rendered> {
    let views = handlings_in(conn, scope, from, to)?;
    let layout = reports::load("so-xu-ly")?.layout_on(to)?.clone();
    let vars = period_vars(conn, from, to)?;
    let mut rows = vec![];
    for d in &views {
        let steps: Vec<super::DisposalStep> = d.steps.iter().map(|s| s.step.clone()).collect();
        let stand = standing(&steps);
        let last = |kinds: &[&str]| stand.iter().rev().find(|s| kinds.contains(&s.kind.as_str())).copied();
        let decision = last(&["quyet_dinh"]);
        let executed = last(&["ban_giao", "ban", "tieu_huy", "khac"]);
        let written = last(&["ghi_giam"]);
        let money = last(&["tien"]);
        for (i, l) in d.lines.iter().enumerate() {
            let mut row = Row::new();
            row.insert("form_name", json!(d.form.name));
            row.insert("disposal_code", json!(d.disposal.code));
            row.insert("asset", json!(format!("{} — {}", l.asset_code, l.asset_name)));
            row.insert("quantity", json!(l.line.decided_quantity.unwrap_or(l.line.quantity)));
            row.insert("original_cost", json!(l.line.decided_cost.unwrap_or(l.line.original_cost)));
            row.insert("residual_value", json!(l.line.decided_residual.unwrap_or(l.line.residual_value)));
            row.insert("decision_no", decision.and_then(|s| s.doc_no.clone()).map(Value::from).unwrap_or(Value::Null));
            row.insert("decision_date", date_value(decision.map(|s| s.doc_date)));
            row.insert("executed_on", date_value(executed.map(|s| s.doc_date)));
            row.insert("written_down_on", date_value(written.map(|s| s.doc_date)));
            // The money is the handling's, shown once, on its first line.
            if i == 0 {
                let proceeds = money.and_then(|m| m.proceeds).or(executed.and_then(|e| e.proceeds));
                row.insert("proceeds", proceeds.map(Value::from).unwrap_or(Value::Null));
                row.insert("remitted", money.and_then(|m| m.remitted).map(Value::from).unwrap_or(Value::Null));
                // Which rule the rest follows, as of the money's day (or the last step's).
                if d.form.has_money() {
                    let on = money.or(executed).or(decision).map(|s| s.doc_date).unwrap_or_else(crate::text::today);
                    let rule = super::Proceeds::of(conn, d.disposal.unit_id, on)?;
                    row.insert("proceeds_rule", json!(format!("{} ({})", rule.short(), rule.basis())));
                }
            }
            row.insert("status_name", json!(d.status_name));
            rows.push(row);
        }
    }
    reports::render(&layout, &vars, &mut rows.into_iter().map(Ok))
}

/// Danh sách quyết định xử lý tài sản: the decisions standing that were made in the period, by form.
pub fn decisions_list(conn: &mut DbConn, scope: &Scope, from: NaiveDate, to: NaiveDate) -> AppResult<Rendered> {
    use crate::db::schema::disposal_steps;
    reports::check_period(from, to)?;
    let ids: Vec<i32> = disposal_steps::table
        .filter(disposal_steps::kind.eq("quyet_dinh"))
        .filter(disposal_steps::doc_date.between(from, to))
        .select(disposal_steps::disposal_id)
        .distinct()
        .load(conn)?;
    let ids = only_visible(conn, scope, ids)?;
    let views = views_by_form(conn, ids)?;
    let layout = reports::load("quyet-dinh-xu-ly")?.layout_on(to)?.clone();
    let vars = period_vars(conn, from, to)?;
    let mut rows = vec![];
    for d in &views {
        let steps: Vec<super::DisposalStep> = d.steps.iter().map(|s| s.step.clone()).collect();
        for s in
            standing(&steps).into_iter().filter(|s| s.kind == "quyet_dinh" && from <= s.doc_date && s.doc_date <= to)
        {
            let mut row = Row::new();
            row.insert("form_name", json!(d.form.name));
            row.insert("doc_no", s.doc_no.clone().map(Value::from).unwrap_or(Value::Null));
            row.insert("doc_date", date_value(Some(s.doc_date)));
            row.insert("assets", json!(d.lines.len()));
            row.insert("authority", s.authority.clone().map(Value::from).unwrap_or(Value::Null));
            row.insert("signer", s.signer.clone().map(Value::from).unwrap_or(Value::Null));
            row.insert(
                "original_cost",
                json!(d.lines.iter().map(|l| l.line.decided_cost.unwrap_or(l.line.original_cost)).sum::<i64>()),
            );
            row.insert(
                "residual_value",
                json!(d.lines.iter().map(|l| l.line.decided_residual.unwrap_or(l.line.residual_value)).sum::<i64>()),
            );
            row.insert("disposal_code", json!(d.disposal.code));
            row.insert("due_on", date_value(d.disposal.due_on));
            row.insert("status_name", json!(d.status_name));
            rows.push(row);
        }
    }
    reports::render(&layout, &vars, &mut rows.into_iter().map(Ok))
}
