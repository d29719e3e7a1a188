//! Inspections (thanh tra, kiểm tra) of how public assets were bought and used: the inspection and
//! its conclusion, the findings tied to their evidence (assets, procurements, tasks, count lines),
//! the recommendations (kiến nghị) by kind, and their follow-up until each is carried out — the
//! money recovered, the overdue ones, the recovery rate. Procurement records and their red flags are
//! in `procurement`.

pub mod api;
pub mod export;
pub mod import;
pub mod pages;
pub mod procurement;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::auth::{Role, User};
use crate::db::schema::{count_lines, finding_links, findings, follow_ups, inspections, recommendations};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{self, today};

pub const KINDS: &[(&str, &str)] = &[("thanh_tra", "Thanh tra"), ("kiem_tra", "Kiểm tra")];

pub const STATUSES: &[(&str, &str)] = &[
    ("dang_tien_hanh", "Đang tiến hành"),
    ("cho_ket_luan", "Đã kết thúc, chờ kết luận"),
    ("da_ket_luan", "Đã có kết luận"),
];

/// What a finding is about.
pub const FINDING_CATEGORIES: &[(&str, &str)] = &[
    ("mua_sam", "Mua sắm tài sản"),
    ("su_dung", "Quản lý, sử dụng tài sản"),
    ("xu_ly", "Xử lý tài sản"),
    ("ke_toan", "Hạch toán, kế toán tài sản"),
    ("kiem_ke", "Kiểm kê tài sản"),
    ("khac", "Khác"),
];

/// Kiến nghị by kind. Administrative and disciplinary handling is kept apart from «kiểm điểm»
/// (reviewing and drawing lessons), which is not a sanction.
pub const RECOMMENDATION_KINDS: &[(&str, &str)] = &[
    ("thu_hoi_nsnn", "Thu hồi về ngân sách nhà nước"),
    ("xu_ly_kinh_te", "Xử lý khác về kinh tế"),
    ("xu_ly_hanh_chinh", "Xử lý hành chính, kỷ luật"),
    ("kiem_diem", "Kiểm điểm, rút kinh nghiệm"),
    ("chuyen_dieu_tra", "Chuyển cơ quan điều tra"),
    ("hoan_thien_co_che", "Hoàn thiện cơ chế, chính sách"),
];

/// Where a recommendation stands, from its follow-up.
pub const REC_STATUSES: &[(&str, &str)] =
    &[("chua_thuc_hien", "Chưa thực hiện"), ("dang_thuc_hien", "Đang thực hiện"), ("hoan_thanh", "Hoàn thành")];

/// What a finding may be linked to.
pub const LINK_KINDS: &[(&str, &str)] = &[
    ("asset", "Tài sản"),
    ("procurement", "Hồ sơ mua sắm"),
    ("task", "Nhiệm vụ KH&CN"),
    ("count_line", "Chênh lệch kiểm kê"),
];

pub(crate) use crate::assets::label;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i32,
    pub code: String,
    pub kind: String,
    pub planned: bool,
    pub title: String,
    pub decision_no: String,
    pub decision_date: NaiveDate,
    pub requested_by: Option<String>,
    pub subjects: String,
    pub scope: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub team: String,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub status: String,
    pub conclusion_no: Option<String>,
    pub conclusion_date: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = findings)]
pub struct Finding {
    pub id: i32,
    pub inspection_id: i32,
    pub title: String,
    pub place: Option<String>,
    pub amount: i64,
    pub responsible: Option<String>,
    pub category: String,
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = finding_links)]
pub struct FindingLink {
    pub id: i32,
    pub finding_id: i32,
    pub kind: String,
    pub ref_id: i32,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = recommendations)]
pub struct Recommendation {
    pub id: i32,
    pub inspection_id: i32,
    pub finding_id: Option<i32>,
    pub kind: String,
    pub content: String,
    pub responsible: String,
    pub deadline: Option<NaiveDate>,
    pub amount: i64,
    pub organisations: i32,
    pub persons: i32,
    pub cases: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUp {
    pub id: i32,
    pub recommendation_id: i32,
    pub done_on: NaiveDate,
    pub action: String,
    pub recovered: i64,
    pub completes: bool,
    pub evidence_name: Option<String>,
    pub evidence_sha256: Option<String>,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

/// A recommendation with its follow-up and what follows from it.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationView {
    #[serde(flatten)]
    pub rec: Recommendation,
    pub kind_name: String,
    pub follow_ups: Vec<FollowUp>,
    pub recovered: i64,
    pub status: &'static str,
    pub status_name: String,
    pub overdue: bool,
    /// Recovered over recommended, in basis points (10000 = all); None when no amount is at stake.
    pub recovery_bp: Option<i64>,
}

impl RecommendationView {
    fn of(rec: Recommendation, follow_ups: Vec<FollowUp>, on: NaiveDate) -> RecommendationView {
        let recovered = follow_ups.iter().map(|f| f.recovered).sum();
        let status = if follow_ups.iter().any(|f| f.completes) {
            "hoan_thanh"
        } else if follow_ups.is_empty() {
            "chua_thuc_hien"
        } else {
            "dang_thuc_hien"
        };
        let overdue = status != "hoan_thanh" && rec.deadline.is_some_and(|d| d < on);
        RecommendationView {
            kind_name: label(RECOMMENDATION_KINDS, &rec.kind),
            recovery_bp: (rec.amount > 0).then(|| recovered * 10_000 / rec.amount),
            recovered,
            status,
            status_name: label(REC_STATUSES, status),
            overdue,
            rec,
            follow_ups,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub finding: Finding,
    pub category_name: String,
    pub links: Vec<(FindingLink, String)>,
    /// Its chain of evidence beyond what it names: the counts and handlings of its discrepancies.
    pub related: Vec<crate::evidence::Related>,
}

/// Sums over recommendations: what was recommended and recovered, what is done, what is late.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Recovery {
    pub recommendations: usize,
    pub recommended: i64,
    pub recovered: i64,
    pub completed: usize,
    pub in_progress: usize,
    pub not_started: usize,
    pub overdue: usize,
    pub organisations: i64,
    pub persons: i64,
    pub cases: i64,
}

impl Recovery {
    pub fn of<'a>(recs: impl IntoIterator<Item = &'a RecommendationView>) -> Recovery {
        let mut r = Recovery::default();
        for v in recs {
            r.recommendations += 1;
            if matches!(v.rec.kind.as_str(), "thu_hoi_nsnn" | "xu_ly_kinh_te") {
                r.recommended += v.rec.amount;
                r.recovered += v.recovered;
            }
            match v.status {
                "hoan_thanh" => r.completed += 1,
                "dang_thuc_hien" => r.in_progress += 1,
                _ => r.not_started += 1,
            }
            r.overdue += v.overdue as usize;
            if v.rec.kind == "xu_ly_hanh_chinh" || v.rec.kind == "chuyen_dieu_tra" {
                r.organisations += v.rec.organisations as i64;
                r.persons += v.rec.persons as i64;
            }
            r.cases += v.rec.cases as i64;
        }
        r
    }

    /// Recovered over recommended, in per cent with one decimal («62,5 %»).
    pub fn rate(&self) -> String {
        if self.recommended == 0 {
            return "—".into();
        }
        let tenths = self.recovered * 1000 / self.recommended;
        format!("{},{} %", tenths / 10, tenths % 10)
    }
}

/// An inspection with everything in it.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionView {
    #[serde(flatten)]
    pub inspection: Inspection,
    pub kind_name: String,
    pub status_name: String,
    pub findings: Vec<FindingView>,
    pub recommendations: Vec<RecommendationView>,
    pub recovery: Recovery,
}

// ---- Who may write --------------------------------------------------------------------------------

/// Inspectors write only their own inspections (those they opened, or where the team names their
/// account); administrators write all.
pub fn check_owner(i: &Inspection, user: &User) -> AppResult<()> {
    let mine = i.created_by == user.username
        || i.team.lines().any(|l| l.split(';').any(|p| p.trim().eq_ignore_ascii_case(&user.username)));
    if user.role() == Role::Admin || mine {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Đoàn {} không có bạn: chỉ người lập hoặc thành viên đoàn (ghi tài khoản trong danh sách đoàn) được ghi vào cuộc {}",
            i.code,
            label(KINDS, &i.kind).to_lowercase()
        )))
    }
}

// ---- Inspections ------------------------------------------------------------------------------------

pub(crate) const INSPECTION_FIELDS: &[&str] = &[
    "code",
    "kind",
    "planned",
    "title",
    "decision_no",
    "decision_date",
    "requested_by",
    "subjects",
    "scope",
    "period_from",
    "period_to",
    "team",
    "started_on",
    "ended_on",
    "status",
    "conclusion_no",
    "conclusion_date",
    "version",
];

/// Mở cuộc thanh tra, kiểm tra — or updates one (`id`), from the version read.
pub fn save(conn: &mut DbConn, actor: &User, id: Option<i32>, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(INSPECTION_FIELDS, &[]);
    let kind = input.choice("kind", "Loại (thanh tra / kiểm tra)", KINDS, true);
    let planned = input.choice("planned", "Theo kế hoạch", crate::inventory::YES_NO, false);
    let title = input.text("title", "Tên cuộc thanh tra, kiểm tra", true, 500);
    let decision_no = input.text("decision_no", "Số quyết định", true, 100);
    let decision_date = input.date("decision_date", "Ngày quyết định");
    let decision_date = input.required(decision_date, "decision_date", "Ngày quyết định");
    let requested_by = input.text("requested_by", "Theo yêu cầu của", false, 300);
    let subjects = input.text("subjects", "Đối tượng thanh tra, kiểm tra", true, 2000);
    let scope = input.text("scope", "Nội dung, phạm vi", true, 4000);
    let period_from = input.date("period_from", "Thời kỳ thanh tra từ");
    let period_from = input.required(period_from, "period_from", "Thời kỳ thanh tra từ");
    let period_to = input.date("period_to", "Thời kỳ thanh tra đến");
    let period_to = input.required(period_to, "period_to", "Thời kỳ thanh tra đến");
    let team = input.text("team", "Đoàn thanh tra", true, 4000);
    let started_on = input.date("started_on", "Ngày bắt đầu");
    let ended_on = input.date("ended_on", "Ngày kết thúc");
    let conclusion_no = input.text("conclusion_no", "Số kết luận", false, 100);
    let conclusion_date = input.date("conclusion_date", "Ngày kết luận");
    let status = input.choice("status", "Trạng thái", STATUSES, false);
    let code = input.text("code", "Mã cuộc", false, 40);
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    // An update is made against the version the person read, never without one.
    if id.is_some() && version.is_none() && !input.has_error("version") {
        input.error("version", "Cần gửi «version» — số phiên bản của bản ghi đang sửa");
    }
    if let (Some(f), Some(t)) = (period_from, period_to) {
        if t < f {
            input.error("period_to", "Thời kỳ thanh tra: ngày cuối trước ngày đầu");
        }
    }
    if let (Some(s), Some(e)) = (started_on, ended_on) {
        if e < s {
            input.error("ended_on", "«Ngày kết thúc» trước «Ngày bắt đầu»");
        }
    }
    if decision_date.is_some_and(|d| d > today()) {
        input.error("decision_date", "«Ngày quyết định» không được sau ngày hôm nay");
    }
    if conclusion_no.is_some() != conclusion_date.is_some() {
        input.error("conclusion_date", "Kết luận cần cả số và ngày");
    }
    if let (Some(c), Some(d)) = (conclusion_date, decision_date) {
        if c < d {
            input.error("conclusion_date", "«Ngày kết luận» trước ngày quyết định thanh tra");
        }
    }
    let before = match id {
        Some(id) => {
            let b = find(conn, id)?;
            check_owner(&b, actor)?;
            Some(b)
        }
        None => None,
    };
    input.finish()?;
    let decision_date = decision_date.unwrap_or_default();
    let status = match (conclusion_no.is_some(), status) {
        (true, _) => "da_ket_luan".to_string(),
        (false, Some(s)) if s != "da_ket_luan" => s,
        _ => "dang_tien_hanh".to_string(),
    };
    let now = text::now_utc();
    let values = (
        inspections::kind.eq(kind.unwrap_or_default()),
        inspections::planned.eq(planned.as_deref().is_none_or(|p| p == "true" || p == "1")),
        inspections::title.eq(title.unwrap_or_default()),
        inspections::decision_no.eq(decision_no.unwrap_or_default()),
        inspections::decision_date.eq(decision_date),
        inspections::requested_by.eq(requested_by),
        inspections::subjects.eq(subjects.unwrap_or_default()),
        inspections::scope.eq(scope.unwrap_or_default()),
        inspections::period_from.eq(period_from.unwrap_or_default()),
        inspections::period_to.eq(period_to.unwrap_or_default()),
        inspections::team.eq(team.unwrap_or_default()),
        inspections::started_on.eq(started_on),
        inspections::ended_on.eq(ended_on),
        inspections::status.eq(status),
        inspections::conclusion_no.eq(conclusion_no),
        inspections::conclusion_date.eq(conclusion_date),
        inspections::updated_at.eq(now),
    );
    let id = match before.as_ref() {
        None => {
            let code = match code {
                Some(c) => c,
                None => next_code(conn, decision_date)?,
            };
            if inspections::table.filter(inspections::code.eq(&code)).count().get_result::<i64>(conn)? > 0 {
                return Err(AppError::invalid("code", format!("Đã có cuộc thanh tra, kiểm tra mã «{code}»")));
            }
            diesel::insert_into(inspections::table)
                .values((
                    values,
                    inspections::code.eq(code),
                    inspections::created_by.eq(&actor.username),
                    inspections::created_at.eq(now),
                ))
                .returning(inspections::id)
                .get_result(conn)?
        }
        Some(b) => {
            if version.is_some_and(|v| v != b.version as i64) {
                return Err(AppError::conflict("Cuộc thanh tra đã được người khác cập nhật; hãy tải lại"));
            }
            let q = inspections::table.filter(inspections::id.eq(b.id)).filter(inspections::version.eq(b.version));
            if diesel::update(q).set((values, inspections::version.eq(b.version + 1))).execute(conn)? == 0 {
                return Err(AppError::conflict("Cuộc thanh tra đã được người khác cập nhật; hãy tải lại"));
            }
            b.id
        }
    };
    let after = find(conn, id)?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        conn,
        &actor.actor(),
        action,
        "inspection",
        id,
        before.map(|b| json!(b)).as_ref(),
        Some(&json!(after)),
    )?;
    Ok(id)
}

/// TTr-2026-01, … by the decision's year.
fn next_code(conn: &mut DbConn, on: NaiveDate) -> AppResult<String> {
    let prefix = format!("TTr-{}-", on.year());
    let last = crate::db::last_number(conn, "inspections", &prefix, "", |c, like| {
        Ok(inspections::table.filter(inspections::code.like(like)).select(inspections::code).load(c)?)
    })?;
    Ok(format!("{prefix}{:02}", last + 1))
}

pub fn find(conn: &mut DbConn, id: i32) -> AppResult<Inspection> {
    inspections::table
        .find(id)
        .select(Inspection::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("cuộc thanh tra, kiểm tra số {id}")))
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Inspection>> {
    Ok(inspections::table
        .order((inspections::decision_date.desc(), inspections::id.desc()))
        .select(Inspection::as_select())
        .load(conn)?)
}

/// The recommendations of some inspections (all when `ids` is None), with their follow-up.
pub fn recommendation_views(conn: &mut DbConn, ids: Option<&[i32]>) -> AppResult<Vec<RecommendationView>> {
    let mut q = recommendations::table.order(recommendations::id).into_boxed();
    if let Some(ids) = ids {
        q = q.filter(recommendations::inspection_id.eq_any(ids.to_vec()));
    }
    let recs: Vec<Recommendation> = q.select(Recommendation::as_select()).load(conn)?;
    let rec_ids: Vec<i32> = recs.iter().map(|r| r.id).collect();
    let mut fus: HashMap<i32, Vec<FollowUp>> = HashMap::new();
    for f in follow_ups::table
        .filter(follow_ups::recommendation_id.eq_any(&rec_ids))
        .order((follow_ups::done_on, follow_ups::id))
        .select(FollowUp::as_select())
        .load::<FollowUp>(conn)?
    {
        fus.entry(f.recommendation_id).or_default().push(f);
    }
    let on = today();
    Ok(recs
        .into_iter()
        .map(|r| {
            let f = fus.remove(&r.id).unwrap_or_default();
            RecommendationView::of(r, f, on)
        })
        .collect())
}

pub fn view(conn: &mut DbConn, id: i32) -> AppResult<InspectionView> {
    let inspection = find(conn, id)?;
    let found: Vec<Finding> = findings::table
        .filter(findings::inspection_id.eq(id))
        .order(findings::id)
        .select(Finding::as_select())
        .load(conn)?;
    let ids: Vec<i32> = found.iter().map(|f| f.id).collect();
    let links: Vec<FindingLink> = finding_links::table
        .filter(finding_links::finding_id.eq_any(&ids))
        .select(FindingLink::as_select())
        .load(conn)?;
    let mut findings_v = vec![];
    for f in found {
        let mut mine = vec![];
        for l in links.iter().filter(|l| l.finding_id == f.id) {
            mine.push((l.clone(), link_name(conn, &l.kind, l.ref_id)?));
        }
        let related = crate::evidence::related(conn, crate::evidence::Record::Finding(f.id))?
            .into_iter()
            .filter(|r| r.kind != "asset")
            .collect();
        findings_v.push(FindingView {
            category_name: label(FINDING_CATEGORIES, &f.category),
            finding: f,
            links: mine,
            related,
        });
    }
    let recs = recommendation_views(conn, Some(&[id]))?;
    Ok(InspectionView {
        kind_name: label(KINDS, &inspection.kind),
        status_name: label(STATUSES, &inspection.status),
        recovery: Recovery::of(&recs),
        inspection,
        findings: findings_v,
        recommendations: recs,
    })
}

/// What a link points at, in words.
fn link_name(conn: &mut DbConn, kind: &str, id: i32) -> AppResult<String> {
    use crate::db::schema::{assets, procurements, tasks};
    Ok(match kind {
        "asset" => assets::table
            .find(id)
            .select((assets::code, assets::name))
            .first::<(String, String)>(conn)
            .optional()?
            .map(|(c, n)| format!("{c} — {n}")),
        "procurement" => procurements::table
            .find(id)
            .select((procurements::code, procurements::package_name))
            .first::<(String, String)>(conn)
            .optional()?
            .map(|(c, n)| format!("{c} — {n}")),
        "task" => tasks::table
            .find(id)
            .select((tasks::code, tasks::title))
            .first::<(String, String)>(conn)
            .optional()?
            .map(|(c, n)| format!("{c} — {n}")),
        // Named as the count names it: the count's code, then the asset's.
        _ => count_lines::table
            .inner_join(crate::db::schema::count_sessions::table)
            .filter(count_lines::id.eq(id))
            .select((crate::db::schema::count_sessions::code, count_lines::code, count_lines::name))
            .first::<(String, String, String)>(conn)
            .optional()?
            .map(|(k, c, n)| format!("Chênh lệch kiểm kê {k} / {c} — {n}")),
    }
    .unwrap_or_else(|| format!("(không còn bản ghi số {id})")))
}

// ---- Findings, recommendations, follow-up -------------------------------------------------------------

pub(crate) const FINDING_FIELDS: &[&str] = &[
    "title",
    "place",
    "amount",
    "responsible",
    "category",
    "description",
    "asset_ids",
    "procurement_ids",
    "task_ids",
    "asset_codes",
    "procurement_codes",
    "count_line_id",
    "repeat_reason",
];

/// Ghi phát hiện: what, where, how much, whose responsibility, and what it rests on. Opened from a
/// count discrepancy (`count_line_id`), it takes the discrepancy's asset and amount as evidence.
pub fn add_finding(conn: &mut DbConn, user: &User, inspection_id: i32, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(FINDING_FIELDS, &[]);
    let i = find(conn, inspection_id)?;
    check_owner(&i, user)?;
    let title = input.text("title", "Nội dung phát hiện", true, 2000);
    let place = input.text("place", "Nơi phát hiện", false, 500);
    let amount = input.money("amount", "Số tiền vi phạm").unwrap_or(0);
    let responsible = input.text("responsible", "Trách nhiệm thuộc về", false, 500);
    let category = input.choice("category", "Loại vi phạm", FINDING_CATEGORIES, true);
    let mut description = input.text("description", "Mô tả", false, 8000);
    let repeat_reason = input.text("repeat_reason", "Lý do ghi thêm phát hiện", false, 2000);
    let mut links: Vec<(&str, i32)> = vec![];
    for (key, kind) in [("asset_ids", "asset"), ("procurement_ids", "procurement"), ("task_ids", "task")] {
        for n in input.ids(key, "Liên quan") {
            links.push((kind, n));
        }
    }
    // Assets and procurements by the codes people write, separated by «,» or «;».
    for (key, kind) in [("asset_codes", "asset"), ("procurement_codes", "procurement")] {
        let Some(codes) = input.text(key, "Mã liên quan", false, 4000) else { continue };
        for code in codes.split([',', ';', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            use crate::db::schema::{assets, procurements};
            let id: Option<i32> = match kind {
                "asset" => assets::table.filter(assets::code.eq(code)).select(assets::id).first(conn).optional()?,
                _ => procurements::table
                    .filter(procurements::code.eq(code))
                    .select(procurements::id)
                    .first(conn)
                    .optional()?,
            };
            match id {
                Some(id) => links.push((kind, id)),
                None => input.error(key, format!("Không có {} mã «{code}»", label(LINK_KINDS, kind).to_lowercase())),
            }
        }
    }
    if let Some(line) = input.id("count_line_id", "Chênh lệch kiểm kê") {
        match count_lines::table
            .find(line)
            .select((count_lines::asset_id, count_lines::id))
            .first::<(Option<i32>, i32)>(conn)
            .optional()?
        {
            Some((asset, _)) => {
                // One discrepancy leads to one finding, or to a second one deliberately, with its reason.
                let before = crate::evidence::findings_of_line(conn, line)?;
                match (before.first(), &repeat_reason) {
                    (Some(f), None) => input.error(
                        "count_line_id",
                        format!(
                            "Chênh lệch này đã thành phát hiện «{}» của {}: muốn ghi thêm, hãy nêu lý do (repeat_reason)",
                            f.title, f.code
                        ),
                    ),
                    (Some(f), Some(why)) => {
                        let note = format!("Ghi thêm từ chênh lệch đã có phát hiện ở {}: {why}", f.code);
                        description = Some(match description.take() {
                            Some(d) => format!("{d}\n{note}"),
                            None => note,
                        });
                    }
                    (None, _) => {}
                }
                links.push(("count_line", line));
                if let Some(a) = asset {
                    links.push(("asset", a));
                }
            }
            None => input.error("count_line_id", format!("Không có dòng kiểm kê số {line}")),
        }
    }
    if amount < 0 {
        input.error("amount", "Số tiền không được âm");
    }
    for (kind, id) in &links {
        if link_name(conn, kind, *id)?.starts_with("(không còn") {
            input.error(&format!("{kind}_ids"), format!("Không có {} số {id}", label(LINK_KINDS, kind).to_lowercase()));
        }
    }
    input.finish()?;
    let now = text::now_utc();
    let id: i32 = diesel::insert_into(findings::table)
        .values((
            findings::inspection_id.eq(inspection_id),
            findings::title.eq(title.unwrap_or_default()),
            findings::place.eq(place),
            findings::amount.eq(amount),
            findings::responsible.eq(responsible),
            findings::category.eq(category.unwrap_or_default()),
            findings::description.eq(description),
            findings::created_by.eq(&user.username),
            findings::created_at.eq(now),
        ))
        .returning(findings::id)
        .get_result(conn)?;
    links.sort();
    links.dedup();
    for (kind, ref_id) in &links {
        diesel::insert_into(finding_links::table)
            .values((finding_links::finding_id.eq(id), finding_links::kind.eq(kind), finding_links::ref_id.eq(ref_id)))
            .execute(conn)?;
    }
    let f: Finding = findings::table.find(id).select(Finding::as_select()).first(conn)?;
    audit::record(
        conn,
        &user.actor(),
        "finding",
        "inspection",
        inspection_id,
        None,
        Some(&json!({"finding": f, "links": links})),
    )?;
    Ok(id)
}

pub(crate) const REC_FIELDS: &[&str] =
    &["finding_id", "kind", "content", "responsible", "deadline", "amount", "organisations", "persons", "cases"];

/// Ghi kiến nghị.
pub fn add_recommendation(conn: &mut DbConn, user: &User, inspection_id: i32, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(REC_FIELDS, &[]);
    let i = find(conn, inspection_id)?;
    check_owner(&i, user)?;
    let finding_id = input.id("finding_id", "Phát hiện");
    let kind = input.choice("kind", "Loại kiến nghị", RECOMMENDATION_KINDS, true);
    let content = input.text("content", "Nội dung kiến nghị", true, 4000);
    let responsible = input.text("responsible", "Đơn vị, cá nhân thực hiện", true, 500);
    let deadline = input.date("deadline", "Thời hạn");
    let amount = input.money("amount", "Số tiền kiến nghị").unwrap_or(0);
    let organisations = input.int("organisations", "Số tổ chức", 0, 100_000).unwrap_or(0) as i32;
    let persons = input.int("persons", "Số cá nhân", 0, 100_000).unwrap_or(0) as i32;
    let cases = input.int("cases", "Số vụ", 0, 100_000).unwrap_or(0) as i32;
    if matches!(kind.as_deref(), Some("thu_hoi_nsnn" | "xu_ly_kinh_te")) && amount <= 0 {
        input.error("amount", "Kiến nghị thu hồi, xử lý về kinh tế cần số tiền");
    }
    if !matches!(kind.as_deref(), Some("thu_hoi_nsnn" | "xu_ly_kinh_te")) && amount != 0 {
        input.error("amount", "Chỉ kiến nghị thu hồi, xử lý về kinh tế mới có số tiền");
    }
    if matches!(kind.as_deref(), Some("xu_ly_hanh_chinh" | "kiem_diem")) && organisations + persons == 0 {
        input.error("persons", "Cần số tổ chức hoặc cá nhân bị xử lý, kiểm điểm");
    }
    if kind.as_deref() == Some("chuyen_dieu_tra") && cases == 0 {
        input.error("cases", "Cần số vụ chuyển cơ quan điều tra");
    }
    if kind.as_deref() != Some("hoan_thien_co_che") && deadline.is_none() && !input.has_error("deadline") {
        input.error("deadline", "Cần thời hạn thực hiện");
    }
    if let Some(f) = finding_id {
        let of: Option<i32> = findings::table.find(f).select(findings::inspection_id).first(conn).optional()?;
        if of != Some(inspection_id) {
            input.error("finding_id", format!("Phát hiện số {f} không thuộc cuộc {}", i.code));
        }
    }
    input.finish()?;
    let id: i32 = diesel::insert_into(recommendations::table)
        .values((
            recommendations::inspection_id.eq(inspection_id),
            recommendations::finding_id.eq(finding_id),
            recommendations::kind.eq(kind.unwrap_or_default()),
            recommendations::content.eq(content.unwrap_or_default()),
            recommendations::responsible.eq(responsible.unwrap_or_default()),
            recommendations::deadline.eq(deadline),
            recommendations::amount.eq(amount),
            recommendations::organisations.eq(organisations),
            recommendations::persons.eq(persons),
            recommendations::cases.eq(cases),
            recommendations::created_by.eq(&user.username),
            recommendations::created_at.eq(text::now_utc()),
        ))
        .returning(recommendations::id)
        .get_result(conn)?;
    let r: Recommendation = recommendations::table.find(id).select(Recommendation::as_select()).first(conn)?;
    audit::record(conn, &user.actor(), "recommendation", "inspection", inspection_id, None, Some(&json!(r)))?;
    Ok(id)
}

pub(crate) const FOLLOW_FIELDS: &[&str] = &["done_on", "action", "recovered", "completes"];

/// Ghi theo dõi, đôn đốc: what was done on a day, the money recovered, whether it completes the
/// recommendation; evidence (a scan) rides along as `evidence` (name, bytes) from the upload.
pub fn add_follow_up(
    conn: &mut DbConn,
    user: &User,
    rec_id: i32,
    mut input: Input,
    evidence: Option<(String, Vec<u8>)>,
) -> AppResult<i32> {
    input.reject_unknown(FOLLOW_FIELDS, &[]);
    let rec: Recommendation = recommendations::table
        .find(rec_id)
        .select(Recommendation::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("kiến nghị số {rec_id}")))?;
    let i = find(conn, rec.inspection_id)?;
    check_owner(&i, user)?;
    let done_on = input.date("done_on", "Ngày thực hiện");
    let done_on = input.required(done_on, "done_on", "Ngày thực hiện");
    let action = input.text("action", "Nội dung đã thực hiện", true, 4000);
    let recovered = input.money("recovered", "Số tiền đã thu hồi").unwrap_or(0);
    let completes = input.choice("completes", "Xác nhận hoàn thành", crate::inventory::YES_NO, false);
    let completes = completes.as_deref().is_some_and(|c| c == "true" || c == "1");
    if done_on.is_some_and(|d| d > today()) {
        input.error("done_on", "«Ngày thực hiện» không được sau ngày hôm nay");
    }
    if recovered < 0 {
        input.error("recovered", "Số tiền không được âm");
    }
    let view = recommendation_views(conn, Some(&[i.id]))?.into_iter().find(|v| v.rec.id == rec_id).expect("read above");
    if view.status == "hoan_thanh" {
        input.error("action", "Kiến nghị đã được xác nhận hoàn thành và đóng hồ sơ");
    }
    if recovered > 0 && rec.amount == 0 {
        input.error("recovered", "Kiến nghị này không có số tiền phải thu hồi");
    } else if rec.amount > 0 && view.recovered + recovered > rec.amount {
        input.error(
            "recovered",
            format!(
                "Đã thu {}; thêm {} sẽ vượt số kiến nghị {}",
                text::format_money(view.recovered),
                text::format_money(recovered),
                text::format_money(rec.amount)
            ),
        );
    }
    input.finish()?;
    let (evidence_name, evidence_sha) = match evidence {
        Some((name, bytes)) => {
            let stored = crate::disposals::attachments::store_blob(conn, &name, &bytes)?;
            (Some(stored.0), Some(stored.1))
        }
        None => (None, None),
    };
    let id: i32 = diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::recommendation_id.eq(rec_id),
            follow_ups::done_on.eq(done_on.unwrap_or_default()),
            follow_ups::action.eq(action.unwrap_or_default()),
            follow_ups::recovered.eq(recovered),
            follow_ups::completes.eq(completes),
            follow_ups::evidence_name.eq(evidence_name),
            follow_ups::evidence_sha256.eq(evidence_sha),
            follow_ups::actor.eq(&user.username),
            follow_ups::created_at.eq(text::now_utc()),
        ))
        .returning(follow_ups::id)
        .get_result(conn)?;
    let f: FollowUp = follow_ups::table.find(id).select(FollowUp::as_select()).first(conn)?;
    audit::record(conn, &user.actor(), "follow_up", "inspection", i.id, None, Some(&json!(f)))?;
    Ok(id)
}

// ---- Periods ---------------------------------------------------------------------------------------

/// A reporting period: a quarter, a half-year or a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `nam` (year), `6thang` with `half` 1–2, `quy` with `quarter` 1–4.
    pub fn read(input: &mut Input) -> Option<Period> {
        let year = input.int("year", "Năm", 2000, 2100).map(|y| y as i32).unwrap_or_else(|| today().year());
        let kind =
            input.choice("period", "Kỳ báo cáo", &[("nam", "Năm"), ("6thang", "6 tháng"), ("quy", "Quý")], false);
        let n = input.int("n", "Quý / nửa năm thứ", 1, 4).unwrap_or(1) as u32;
        let (m0, m1) = match kind.as_deref() {
            Some("quy") => (3 * (n - 1) + 1, 3 * n),
            Some("6thang") if n <= 2 => (6 * (n - 1) + 1, 6 * n),
            Some("6thang") => {
                input.error("n", "Nửa năm thứ 1 hoặc 2");
                return None;
            }
            _ => (1, 12),
        };
        let from = NaiveDate::from_ymd_opt(year, m0, 1)?;
        let to = NaiveDate::from_ymd_opt(if m1 == 12 { year + 1 } else { year }, if m1 == 12 { 1 } else { m1 + 1 }, 1)?
            .pred_opt()?;
        Some(Period { from, to })
    }

    pub fn name(&self) -> String {
        format!("từ {} đến {}", text::format_date(self.from), text::format_date(self.to))
    }
}

/// The summary of a period in the manner of TT 01/2024/TT-TTCP: inspections by kind, violations,
/// what was recommended and recovered, persons and organisations, cases sent to investigators.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodSummary {
    pub period: Period,
    pub inspections: usize,
    pub thanh_tra: usize,
    pub kiem_tra: usize,
    pub planned: usize,
    pub ad_hoc: usize,
    pub concluded: usize,
    pub findings: usize,
    pub violation_amount: i64,
    pub recovery: Recovery,
    pub per_inspection: Vec<(Inspection, Recovery)>,
}

/// The inspections decided in a period, and their recommendations' recovery.
pub fn period_summary(conn: &mut DbConn, period: Period) -> AppResult<PeriodSummary> {
    let list: Vec<Inspection> = inspections::table
        .filter(inspections::decision_date.between(period.from, period.to))
        .order(inspections::decision_date)
        .select(Inspection::as_select())
        .load(conn)?;
    let ids: Vec<i32> = list.iter().map(|i| i.id).collect();
    let recs = recommendation_views(conn, Some(&ids))?;
    let found: Vec<(i32, i64)> = findings::table
        .filter(findings::inspection_id.eq_any(&ids))
        .select((findings::inspection_id, findings::amount))
        .load(conn)?;
    Ok(PeriodSummary {
        period,
        inspections: list.len(),
        thanh_tra: list.iter().filter(|i| i.kind == "thanh_tra").count(),
        kiem_tra: list.iter().filter(|i| i.kind == "kiem_tra").count(),
        planned: list.iter().filter(|i| i.planned).count(),
        ad_hoc: list.iter().filter(|i| !i.planned).count(),
        concluded: list.iter().filter(|i| i.status == "da_ket_luan").count(),
        findings: found.len(),
        violation_amount: found.iter().map(|f| f.1).sum(),
        recovery: Recovery::of(&recs),
        per_inspection: list
            .into_iter()
            .map(|i| {
                let r = Recovery::of(recs.iter().filter(|v| v.rec.inspection_id == i.id));
                (i, r)
            })
            .collect(),
    })
}
