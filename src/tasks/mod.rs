//! S&T tasks (nhiệm vụ KH&CN) and the assets they formed.

pub mod api;
pub mod pages;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::assets::{sums_sql, Sums};
use crate::audit::{self, Actor};
use crate::db::schema::{assets, org_units, tasks};
use crate::db::{DbBackend, DbConn};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{self, fold};

/// The status of an accepted task (đã nghiệm thu): its assets wait to be handled.
pub const ACCEPTED: &str = "da_nghiem_thu";

pub const STATUSES: &[(&str, &str)] = &[
    ("de_xuat", "Đề xuất"),
    ("dang_thuc_hien", "Đang thực hiện"),
    (ACCEPTED, "Đã nghiệm thu, chờ xử lý tài sản"),
    ("da_xu_ly_tai_san", "Đã xử lý xong tài sản"),
    ("dung", "Dừng thực hiện"),
];

pub const LEVELS: &[(&str, &str)] =
    &[("quoc_gia", "Cấp quốc gia"), ("bo", "Cấp bộ"), ("tinh", "Cấp tỉnh"), ("co_so", "Cấp cơ sở")];

/// The law the task's assets are handled under.
pub const LEGAL_REGIMES: &[(&str, &str)] =
    &[("nd70_2018", "NĐ 70/2018/NĐ-CP"), ("luat93_2025", "Luật KH,CN&ĐMST 93/2025/QH15")];

pub const FUNDING: &[(&str, &str)] = &[("toan_phan", "Toàn bộ từ NSNN"), ("mot_phan", "Một phần từ NSNN")];

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub level: String,
    pub host_org: String,
    pub principal_investigator: Option<String>,
    pub managing_unit_id: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub total_budget: i64,
    pub state_budget: i64,
    pub funding: String,
    /// Share of state funding, percent × 100.
    pub state_share_bp: i32,
    pub acceptance_date: Option<NaiveDate>,
    pub acceptance_conclusion: Option<String>,
    pub legal_regime: String,
    pub status: String,
    pub notes: Option<String>,
    #[serde(skip)]
    pub search_text: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A task with the count and values of its assets.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub status_name: String,
    pub level_name: String,
    pub legal_regime_name: String,
    pub asset_count: i64,
    pub asset_original_cost: i64,
    pub asset_residual_value: i64,
}

fn asset_totals(conn: &mut DbConn, ids: &[i32]) -> AppResult<Vec<(Option<i32>, Sums)>> {
    Ok(assets::table
        .filter(assets::task_id.eq_any(ids))
        .group_by(assets::task_id)
        .select((assets::task_id, sums_sql()))
        .load(conn)?)
}

fn views(conn: &mut DbConn, rows: Vec<Task>) -> AppResult<Vec<TaskView>> {
    let ids: Vec<i32> = rows.iter().map(|t| t.id).collect();
    let totals = asset_totals(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|task| {
            let t = totals.iter().find(|t| t.0 == Some(task.id));
            TaskView {
                status_name: crate::assets::label(STATUSES, &task.status),
                level_name: crate::assets::label(LEVELS, &task.level),
                legal_regime_name: crate::assets::label(LEGAL_REGIMES, &task.legal_regime),
                asset_count: t.map_or(0, |t| t.1 .0),
                asset_original_cost: t.map_or(0, |t| t.1 .1),
                asset_residual_value: t.map_or(0, |t| t.1 .2),
                task,
            }
        })
        .collect())
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub legal_regime: Option<String>,
    pub sort: String,
    pub desc: bool,
    pub page: i64,
    pub per_page: i64,
}

pub const SORTS: &[(&str, &str)] =
    &[("code", "Mã"), ("title", "Tên"), ("acceptance_date", "Ngày nghiệm thu"), ("start_date", "Ngày bắt đầu")];

impl TaskFilter {
    pub fn read(input: &mut Input) -> TaskFilter {
        TaskFilter {
            q: input.text("q", "Tìm kiếm", false, 200),
            status: input.choice("status", "Trạng thái", STATUSES, false),
            level: input.choice("level", "Cấp", LEVELS, false),
            legal_regime: input.choice("legal_regime", "Chế độ pháp lý", LEGAL_REGIMES, false),
            sort: input.choice("sort", "Sắp xếp", SORTS, false).unwrap_or_else(|| "code".into()),
            desc: input.choice("order", "Thứ tự", &[("asc", "Tăng dần"), ("desc", "Giảm dần")], false).as_deref()
                == Some("desc"),
            page: input.int("page", "Trang", 1, 1_000_000).unwrap_or(1),
            per_page: input.int("per_page", "Số dòng mỗi trang", 1, 500).unwrap_or(50),
        }
    }

    fn query(&self) -> tasks::BoxedQuery<'static, DbBackend> {
        let mut q = tasks::table.into_boxed();
        for pattern in self.q.as_deref().map(text::like_patterns).unwrap_or_default() {
            q = q.filter(tasks::search_text.like(pattern).escape('\\'));
        }
        if let Some(v) = &self.status {
            q = q.filter(tasks::status.eq(v.clone()));
        }
        if let Some(v) = &self.level {
            q = q.filter(tasks::level.eq(v.clone()));
        }
        if let Some(v) = &self.legal_regime {
            q = q.filter(tasks::legal_regime.eq(v.clone()));
        }
        q
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskPage {
    pub items: Vec<TaskView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

pub fn list(conn: &mut DbConn, f: &TaskFilter) -> AppResult<TaskPage> {
    let total: i64 = f.query().count().get_result(conn)?;
    let q = f.query();
    let q = match (f.sort.as_str(), f.desc) {
        ("title", false) => q.order(tasks::title.asc()),
        ("title", true) => q.order(tasks::title.desc()),
        ("acceptance_date", false) => q.order(tasks::acceptance_date.asc()),
        ("acceptance_date", true) => q.order(tasks::acceptance_date.desc()),
        ("start_date", false) => q.order(tasks::start_date.asc()),
        ("start_date", true) => q.order(tasks::start_date.desc()),
        (_, false) => q.order(tasks::code.asc()),
        (_, true) => q.order(tasks::code.desc()),
    };
    let rows = q
        .then_order_by(tasks::id.asc())
        .limit(f.per_page)
        .offset((f.page - 1) * f.per_page)
        .select(Task::as_select())
        .load(conn)?;
    Ok(TaskPage { items: views(conn, rows)?, total, page: f.page, per_page: f.per_page })
}

pub fn find(conn: &mut DbConn, id: i32) -> AppResult<Task> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("nhiệm vụ số {id}")))
}

pub fn find_view(conn: &mut DbConn, id: i32) -> AppResult<TaskView> {
    let task = find(conn, id)?;
    Ok(views(conn, vec![task])?.remove(0))
}

pub const EDITABLE: &[&str] = &[
    "code",
    "title",
    "level",
    "host_org",
    "principal_investigator",
    "managing_unit_id",
    "start_date",
    "end_date",
    "total_budget",
    "state_budget",
    "funding",
    "state_share_percent",
    "acceptance_date",
    "acceptance_conclusion",
    "legal_regime",
    "status",
    "notes",
];

pub fn editable_json(t: &Task) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("state_share_percent".into(), json!(t.state_share_bp as f64 / 100.0));
        m.retain(|k, _| EDITABLE.contains(&k.as_str()));
    }
    v
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = tasks, treat_none_as_null = true)]
struct TaskRecord {
    code: String,
    title: String,
    level: String,
    host_org: String,
    principal_investigator: Option<String>,
    managing_unit_id: Option<i32>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    total_budget: i64,
    state_budget: i64,
    funding: String,
    state_share_bp: i32,
    acceptance_date: Option<NaiveDate>,
    acceptance_conclusion: Option<String>,
    legal_regime: String,
    status: String,
    notes: Option<String>,
    search_text: String,
    updated_at: NaiveDateTime,
}

const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "state_share_bp",
    "created_at",
    "updated_at",
    "status_name",
    "level_name",
    "legal_regime_name",
    "asset_count",
    "asset_original_cost",
    "asset_residual_value",
];

fn read_record(conn: &mut DbConn, input: &mut Input, own_id: Option<i32>) -> AppResult<TaskRecord> {
    input.reject_unknown(EDITABLE, READ_ONLY);
    let code = input.text("code", "Mã nhiệm vụ", true, 50);
    if let Some(c) = &code {
        let taken: Option<i32> = tasks::table.filter(tasks::code.eq(c)).select(tasks::id).first(conn).optional()?;
        if taken.is_some_and(|id| Some(id) != own_id) {
            input.error("code", format!("Mã nhiệm vụ «{c}» đã có"));
        }
    }
    let title = input.text("title", "Tên nhiệm vụ", true, 1000);
    let level = input.choice("level", "Cấp quản lý", LEVELS, false).unwrap_or_else(|| "tinh".into());
    let host_org = input.text("host_org", "Tổ chức chủ trì", true, 500);
    let principal_investigator = input.text("principal_investigator", "Chủ nhiệm nhiệm vụ", false, 200);
    let managing_unit_id = input.id("managing_unit_id", "Đơn vị theo dõi");
    if let Some(id) = managing_unit_id {
        if org_units::table.find(id).count().get_result::<i64>(conn)? == 0 {
            input.error("managing_unit_id", "Đơn vị theo dõi không tồn tại");
        }
    }
    let start_date = input.date("start_date", "Thời gian bắt đầu");
    let end_date = input.date("end_date", "Thời gian kết thúc");
    if let (Some(s), Some(e)) = (start_date, end_date) {
        if e < s {
            input.error("end_date", "«Thời gian kết thúc» không được trước «Thời gian bắt đầu»");
        }
    }
    let total_budget = input.money("total_budget", "Tổng kinh phí").unwrap_or(0);
    let state_budget = input.money("state_budget", "Kinh phí NSNN").unwrap_or(0);
    if state_budget > total_budget {
        input.error("state_budget", "Kinh phí NSNN không được lớn hơn tổng kinh phí");
    }
    let funding = input.choice("funding", "Hình thức hỗ trợ NSNN", FUNDING, false).unwrap_or_else(|| {
        if total_budget > 0 && state_budget < total_budget {
            "mot_phan".into()
        } else {
            "toan_phan".into()
        }
    });
    let share_input = input.decimal("state_share_percent", "Tỷ lệ NSNN (%)");
    let state_share_bp = if funding == "toan_phan" {
        if total_budget > 0 && state_budget != total_budget {
            input.error("state_budget", "Nhiệm vụ dùng toàn bộ NSNN: kinh phí NSNN phải bằng tổng kinh phí");
        }
        10_000
    } else if total_budget > 0 {
        ((state_budget as i128 * 10_000 + total_budget as i128 / 2) / total_budget as i128) as i32
    } else {
        match share_input {
            Some(p) if p > 0.0 && p < 100.0 => (p * 100.0).round() as i32,
            _ => {
                input.error(
                    "state_share_percent",
                    "Nhiệm vụ hỗ trợ một phần: cần tổng kinh phí và kinh phí NSNN, hoặc tỷ lệ NSNN từ 0 đến 100 %",
                );
                0
            }
        }
    };
    let acceptance_date = input.date("acceptance_date", "Ngày nghiệm thu");
    let acceptance_conclusion = input.text("acceptance_conclusion", "Kết luận của hội đồng nghiệm thu", false, 4000);
    let legal_regime =
        input.choice("legal_regime", "Chế độ pháp lý", LEGAL_REGIMES, false).unwrap_or_else(|| "nd70_2018".into());
    let status = input.choice("status", "Trạng thái", STATUSES, false).unwrap_or_else(|| "dang_thuc_hien".into());
    if status == ACCEPTED && acceptance_date.is_none() && !input.has_error("acceptance_date") {
        input.error("acceptance_date", "Nhiệm vụ đã nghiệm thu phải có ngày nghiệm thu");
    }
    let notes = input.text("notes", "Ghi chú", false, 4000);
    let taken = std::mem::replace(input, Input::from_form(vec![]));
    taken.finish()?;
    let (Some(code), Some(title), Some(host_org)) = (code, title, host_org) else {
        return Err(AppError::Internal("thiếu trường bắt buộc".into()));
    };
    let search_text = fold(&format!("{code} {title} {host_org} {}", principal_investigator.as_deref().unwrap_or("")));
    Ok(TaskRecord {
        code,
        title,
        level,
        host_org,
        principal_investigator,
        managing_unit_id,
        start_date,
        end_date,
        total_budget,
        state_budget,
        funding,
        state_share_bp,
        acceptance_date,
        acceptance_conclusion,
        legal_regime,
        status,
        notes,
        search_text,
        updated_at: text::now_utc(),
    })
}

pub fn create(conn: &mut DbConn, actor: &Actor, mut input: Input) -> AppResult<TaskView> {
    let record = read_record(conn, &mut input, None)?;
    let id: i32 = diesel::insert_into(tasks::table)
        .values((&record, tasks::version.eq(1), tasks::created_at.eq(text::now_utc())))
        .returning(tasks::id)
        .get_result(conn)?;
    let task = find(conn, id)?;
    audit::record(conn, actor, "create", "task", id, None, Some(&json!(task)))?;
    find_view(conn, id)
}

pub fn update(conn: &mut DbConn, actor: &Actor, id: i32, patch: Input, version: Option<i64>) -> AppResult<TaskView> {
    let current = find(conn, id)?;
    let Some(version) = version else {
        return Err(AppError::invalid("version", "Cần gửi «version» — số phiên bản của bản ghi đang sửa"));
    };
    let stale = |conn: &mut DbConn| AppError::Conflict {
        message: "Nhiệm vụ đã được người khác sửa sau khi bạn mở; hãy xem bản hiện tại và sửa lại".into(),
        current: find_view(conn, id).ok().map(|v| json!(v)),
    };
    if version != current.version as i64 {
        return Err(stale(conn));
    }
    let mut input = Input::overlay(editable_json(&current), patch)?;
    let record = read_record(conn, &mut input, Some(id))?;
    let changed = diesel::update(tasks::table.filter(tasks::id.eq(id)).filter(tasks::version.eq(current.version)))
        .set((&record, tasks::version.eq(current.version + 1)))
        .execute(conn)?;
    if changed == 0 {
        return Err(stale(conn));
    }
    let after = find(conn, id)?;
    audit::record(conn, actor, "update", "task", id, Some(&json!(current)), Some(&json!(after)))?;
    find_view(conn, id)
}

pub fn delete(conn: &mut DbConn, actor: &Actor, id: i32, version: Option<i64>) -> AppResult<()> {
    let current = find(conn, id)?;
    if version.is_some_and(|v| v != current.version as i64) {
        return Err(AppError::conflict(format!(
            "Nhiệm vụ «{}» đã được sửa sau khi bạn mở (phiên bản {}); hãy tải lại",
            current.code, current.version
        )));
    }
    let used: i64 = assets::table.filter(assets::task_id.eq(id)).count().get_result(conn)?;
    if used > 0 {
        return Err(AppError::conflict(format!(
            "Không xóa được nhiệm vụ «{}»: còn {used} tài sản thuộc nhiệm vụ này",
            current.code
        )));
    }
    diesel::delete(tasks::table.find(id)).execute(conn)?;
    audit::record(conn, actor, "delete", "task", id, Some(&json!(current)), None)?;
    Ok(())
}
