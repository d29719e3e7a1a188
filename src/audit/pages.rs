//! The activity page (nhật ký hoạt động): every event, filtered by person, entity, action and date,
//! exported to Excel. An export is itself an event.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use axum::Json;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::Activity;
use crate::auth::web::Auth;
use crate::auth::Permission::ReadActivity;
use crate::db::schema::activity;
use crate::db::{DbBackend, DbConn};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::error::PageResult;
use crate::web::{fmt, render, AppState, Nav, QueryInput, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/nhat-ky", ReadActivity, page),
        Route::get("/nhat-ky/xuat-excel", ReadActivity, export),
        Route::get("/api/v1/activity", ReadActivity, api_list),
    ]
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: i64,
    pub per_page: i64,
}

impl ActivityFilter {
    pub fn read(q: &mut Input) -> ActivityFilter {
        let f = ActivityFilter {
            actor: q.text("actor", "Người thực hiện", false, 100),
            entity: q.text("entity", "Đối tượng", false, 50),
            action: q.text("action", "Thao tác", false, 50),
            from: q.date("from", "Từ ngày"),
            to: q.date("to", "Đến ngày"),
            page: q.int("page", "Trang", 1, 1_000_000).unwrap_or(1),
            per_page: q.int("per_page", "Số dòng mỗi trang", 1, 1000).unwrap_or(100),
        };
        if let (Some(a), Some(b)) = (f.from, f.to) {
            if b < a {
                q.error("to", "«Đến ngày» không được trước «Từ ngày»");
            }
        }
        f
    }

    fn query(&self) -> activity::BoxedQuery<'static, DbBackend> {
        let mut q = activity::table.into_boxed();
        if let Some(v) = &self.actor {
            q = q.filter(activity::actor.eq(v.clone()));
        }
        if let Some(v) = &self.entity {
            q = q.filter(activity::entity.eq(v.clone()));
        }
        if let Some(v) = &self.action {
            q = q.filter(activity::action.eq(v.clone()));
        }
        // Dates are days in Vietnam; events are stored in UTC.
        let offset = chrono::Duration::hours(7);
        if let Some(d) = self.from {
            q = q.filter(activity::occurred_at.ge(d.and_hms_opt(0, 0, 0).unwrap_or_default() - offset));
        }
        if let Some(d) = self.to {
            q = q.filter(
                activity::occurred_at
                    .lt(d.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::days(1) - offset),
            );
        }
        q
    }

    fn count(&self, conn: &mut DbConn) -> AppResult<i64> {
        Ok(self.query().count().get_result(conn)?)
    }

    fn page(&self, conn: &mut DbConn) -> AppResult<Vec<Activity>> {
        Ok(self
            .query()
            .order((activity::seq.desc(), activity::part.desc()))
            .limit(self.per_page)
            .offset((self.page - 1) * self.per_page)
            .select(Activity::as_select())
            .load(conn)?)
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    nav: Nav,
    f: ActivityFilter,
    events: Vec<EventLine>,
    total: i64,
    query: String,
    actions: &'static [(&'static str, &'static str)],
    entities: &'static [(&'static str, &'static str)],
}

/// An event as a person reads it: the record named by its code, linked to its page where it has one.
struct EventLine {
    e: Activity,
    /// The record's own code (TTUD-2024-0003, XL-2026-0004) when the event carries it.
    record: String,
    link: Option<String>,
}

impl EventLine {
    fn of(e: Activity) -> EventLine {
        let code = [&e.after_json, &e.before_json]
            .into_iter()
            .flatten()
            .filter_map(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .find_map(|v| {
                // The record's code, at the top or one level down ({"session": {"code": …}}).
                let top = v.get("code").and_then(|c| c.as_str()).map(str::to_string);
                top.or_else(|| {
                    v.as_object()?.values().find_map(|x| x.get("code").and_then(|c| c.as_str()).map(str::to_string))
                })
            });
        let page = match e.entity.as_str() {
            "asset" => Some("/tai-san/"),
            "task" => Some("/nhiem-vu/"),
            "disposal" => Some("/xu-ly/"),
            "count" => Some("/kiem-ke/"),
            "inspection" => Some("/thanh-tra/"),
            "procurement" => Some("/mua-sam/"),
            _ => None,
        };
        let numeric = e.entity_id.parse::<i64>().is_ok();
        EventLine {
            record: code.unwrap_or_else(|| if numeric { format!("số {}", e.entity_id) } else { e.entity_id.clone() }),
            link: page.filter(|_| numeric).map(|p| format!("{p}{}", e.entity_id)),
            e,
        }
    }
}

fn query_string(q: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(q.iter().filter(|(k, _)| k != "page")).finish()
}

async fn page(State(st): State<AppState>, Auth(me): Auth, QueryInput(mut q): QueryInput) -> PageResult<Html<String>> {
    let f = ActivityFilter::read(&mut q);
    let query = query_string(&q.pairs());
    q.finish()?;
    let filter = f.clone();
    let (events, total) = st.db.read(move |c| Ok((filter.page(c)?, filter.count(c)?))).await?;
    let events = events.into_iter().map(EventLine::of).collect();
    Ok(Html(render(&ActivityPage {
        nav: Nav::of(&me),
        f,
        events,
        total,
        query,
        actions: crate::audit::ACTIONS,
        entities: crate::audit::ENTITIES,
    })?))
}

async fn api_list(
    State(st): State<AppState>,
    QueryInput(mut q): QueryInput,
) -> Result<Json<serde_json::Value>, AppError> {
    let f = ActivityFilter::read(&mut q);
    q.finish()?;
    let (events, total) = st.db.read(move |c| Ok((f.page(c)?, f.count(c)?))).await?;
    Ok(Json(json!({ "items": events, "total": total })))
}

/// The most events one workbook carries; a larger selection is refused with the count.
const EXPORT_LIMIT: i64 = 200_000;

async fn export(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<Response, AppError> {
    let mut f = ActivityFilter::read(&mut q);
    q.finish()?;
    let actor = me.user.actor();
    let bytes = st
        .db
        .write(move |c| {
            let total = f.count(c)?;
            if total > EXPORT_LIMIT {
                return Err(AppError::BadRequest(format!(
                    "Có {total} sự kiện, quá {EXPORT_LIMIT} cho một tệp: hãy lọc theo ngày"
                )));
            }
            f.page = 1;
            f.per_page = EXPORT_LIMIT;
            let events = f.page(c)?;
            let bytes = workbook(&events)?;
            let what = json!({ "rows": events.len(), "actor": f.actor, "entity": f.entity, "action": f.action,
                               "from": f.from, "to": f.to });
            super::record(c, &actor, "export", "activity", "nhat-ky", None, Some(&what))?;
            Ok(bytes)
        })
        .await?;
    let name = format!("Nhật ký hoạt động {}.xlsx", crate::text::today().format("%d-%m-%Y"));
    Ok(crate::web::download(&name, crate::web::XLSX, bytes))
}

/// Every value is written as a text cell (never as a formula), exactly as stored: evidence is not
/// rewritten, and a value beginning with "=" cannot run in the inspector's spreadsheet.
fn workbook(events: &[Activity]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Nhật ký").map_err(xe)?;
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#EEF1F5");
    let headers = [
        "Số TT chuỗi",
        "Dòng trong lần nhập",
        "Thời gian (giờ Việt Nam)",
        "Người thực hiện",
        "Thao tác",
        "Đối tượng",
        "Mã đối tượng",
        "Trước",
        "Sau",
        "Nguồn",
        "Mã băm",
    ];
    let widths = [10.0, 10.0, 20.0, 16.0, 16.0, 16.0, 14.0, 50.0, 50.0, 40.0, 66.0];
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold).map_err(xe)?;
        ws.set_column_width(i as u16, w).map_err(xe)?;
    }
    for (r, e) in events.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, e.seq as f64).map_err(xe)?;
        if e.part > 0 {
            ws.write_number(r, 1, e.part as f64).map_err(xe)?;
        }
        ws.write_string(r, 2, fmt::time(e.occurred_at)).map_err(xe)?;
        ws.write_string(r, 3, &e.actor).map_err(xe)?;
        ws.write_string(r, 4, fmt::action(&e.action)).map_err(xe)?;
        ws.write_string(r, 5, fmt::entity(&e.entity)).map_err(xe)?;
        ws.write_string(r, 6, &e.entity_id).map_err(xe)?;
        ws.write_string(r, 7, e.before_json.as_deref().unwrap_or("")).map_err(xe)?;
        ws.write_string(r, 8, e.after_json.as_deref().unwrap_or("")).map_err(xe)?;
        ws.write_string(r, 9, e.source().unwrap_or_default()).map_err(xe)?;
        ws.write_string(r, 10, &e.hash).map_err(xe)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    ws.autofilter(0, 0, events.len() as u32, headers.len() as u16 - 1).map_err(xe)?;
    wb.save_to_buffer().map_err(xe)
}
