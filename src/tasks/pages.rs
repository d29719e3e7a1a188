//! Task pages: the list, a task with its assets and totals, the forms.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::{TaskFilter, TaskPage, TaskView, FUNDING, LEGAL_REGIMES, LEVELS, STATUSES};
use crate::assets::{AssetFilter, AssetPage};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{EditTasks, ReadRegister};
use crate::error::AppError;
use crate::input::Input;
use crate::web::error::PageResult;
use crate::web::{
    fmt, form_values, parse_id, render, AppState, FieldKind, FormField, FormInput, Nav, QueryInput, Reach, RecordForm,
    Route,
};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/nhiem-vu", ReadRegister, list).reach(Reach::Filtered),
        Route::get("/nhiem-vu/moi", EditTasks, new_form),
        Route::post("/nhiem-vu/moi", EditTasks, create),
        Route::get("/nhiem-vu/{id}", ReadRegister, show).reach(Reach::Filtered),
        Route::get("/nhiem-vu/{id}/sua", EditTasks, edit_form),
        Route::post("/nhiem-vu/{id}/sua", EditTasks, update),
    ]
}

#[derive(Template)]
#[template(path = "tasks/list.html")]
struct ListPage {
    nav: Nav,
    f: TaskFilter,
    page: TaskPage,
    statuses: &'static [(&'static str, &'static str)],
}

async fn list(State(st): State<AppState>, Auth(me): Auth, QueryInput(mut q): QueryInput) -> PageResult<Html<String>> {
    let f = TaskFilter::read(&mut q);
    q.finish()?;
    let filter = f.clone();
    let page = st.db.read(move |c| super::list(c, &filter)).await?;
    Ok(Html(render(&ListPage { nav: Nav::of(&me), f, page, statuses: STATUSES })?))
}

#[derive(Template)]
#[template(path = "tasks/show.html")]
struct ShowPage {
    nav: Nav,
    t: TaskView,
    funding: String,
    assets: AssetPage,
    history: Vec<crate::audit::Activity>,
}

async fn show(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "nhiệm vụ")?;
    let (nav, scope) = (Nav::of(&me), me.scope.clone());
    let page = st
        .db
        .read(move |c| {
            let t = super::find_view(c, id)?;
            let assets = crate::assets::list(
                c,
                &AssetFilter {
                    task_id: Some(id),
                    scope_units: scope.read_units.clone(),
                    // A task's page shows how each of its assets was handled, the written-down too.
                    include_written_down: true,
                    sort: "code".into(),
                    page: 1,
                    per_page: 500,
                    ..Default::default()
                },
            )?;
            let history = crate::audit::history(c, "task", id)?;
            Ok(ShowPage { nav, funding: crate::assets::label(FUNDING, &t.task.funding), t, assets, history })
        })
        .await?;
    Ok(Html(render(&page)?))
}

const MONEY: &[&str] = &["total_budget", "state_budget"];

async fn form_page(st: &AppState, form: RecordForm, values: BTreeMap<String, String>) -> Result<String, AppError> {
    use crate::db::schema::org_units;
    use diesel::prelude::*;
    use FieldKind::*;
    let units: Vec<(i32, String)> = st
        .db
        .read(|c| Ok(org_units::table.order(org_units::id).select((org_units::id, org_units::name)).load(c)?))
        .await?;
    let fields = vec![
        FormField::new("code", "Mã nhiệm vụ", Text).required(),
        FormField::new("title", "Tên nhiệm vụ", TextArea).required(),
        FormField::new("level", "Cấp quản lý", Select).choices(LEVELS),
        FormField::new("host_org", "Tổ chức chủ trì", Text).required(),
        FormField::new("principal_investigator", "Chủ nhiệm nhiệm vụ", Text),
        FormField::new("managing_unit_id", "Đơn vị theo dõi", Select)
            .options(units.into_iter().map(|(id, n)| (id.to_string(), n)).collect()),
        FormField::new("start_date", "Thời gian bắt đầu", Date),
        FormField::new("end_date", "Thời gian kết thúc", Date),
        FormField::new("total_budget", "Tổng kinh phí (đồng)", Number),
        FormField::new("state_budget", "Kinh phí NSNN (đồng)", Number),
        FormField::new("funding", "Hỗ trợ từ NSNN", Select).choices(FUNDING),
        FormField::new("state_share_percent", "Tỷ lệ NSNN (%)", Text).hint("Khi chưa có số kinh phí"),
        FormField::new("legal_regime", "Chế độ pháp lý", Select).choices(LEGAL_REGIMES),
        FormField::new("status", "Trạng thái", Select).choices(STATUSES),
        FormField::new("acceptance_date", "Ngày nghiệm thu", Date),
        FormField::new("acceptance_conclusion", "Kết luận của hội đồng nghiệm thu", TextArea),
        FormField::new("notes", "Ghi chú", TextArea),
    ];
    form.render_with(fields, &values)
}

fn new_task_form(me: &Identity) -> RecordForm {
    RecordForm::adding(Nav::of(me), "nhiệm vụ KH&CN", "/nhiem-vu")
}

fn edit_task_form(me: &Identity, id: i32, code: &str, version: Option<i32>) -> RecordForm {
    RecordForm::editing(Nav::of(me), "nhiệm vụ", "/nhiem-vu", id, code, version)
}

async fn new_form(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let values = [("legal_regime", "nd70_2018"), ("level", "tinh"), ("status", "dang_thuc_hien")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Html(form_page(&st, new_task_form(&me), values).await?))
}

async fn create(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let input = Input::from_form(form.0.clone());
    let actor = me.user.actor();
    match st.db.write(move |c| super::create(c, &actor, input)).await {
        Ok(v) => Ok(Redirect::to(&format!("/nhiem-vu/{}", v.task.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let html = form_page(&st, RecordForm { errors, ..new_task_form(&me) }, form.to_map()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "nhiệm vụ")?;
    let t = st.db.read(move |c| super::find(c, id)).await?;
    let values = form_values(&super::editable_json(&t), MONEY);
    Ok(Html(form_page(&st, edit_task_form(&me, id, &t.code, Some(t.version)), values).await?))
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "nhiệm vụ")?;
    let mut input = Input::from_form(form.0.clone());
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    let actor = me.user.actor();
    match st.db.write(move |c| super::update(c, &actor, id, input, version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/nhiem-vu/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = edit_task_form(&me, id, form.get("code").unwrap_or(""), version.map(|v| v as i32));
            let html = form_page(&st, RecordForm { errors, ..page }, form.to_map()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(AppError::Conflict { message, current: Some(current) }) => {
            let v = current["version"].as_i64().map(|v| v as i32);
            let mut page = edit_task_form(&me, id, current["code"].as_str().unwrap_or(""), v);
            page.notice = Some(message);
            let html = form_page(&st, page, form.to_map()).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
