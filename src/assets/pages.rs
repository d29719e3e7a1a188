//! The register's pages: search and filters, the asset page with its wear and history, the forms.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{AssetFilter, AssetPage, AssetView, ACQUISITION_METHODS, KINDS, SORTS, STATUSES, TASK_ASSET_KINDS};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{EditAssets, ReadRegister};
use crate::error::AppError;
use crate::input::Input;
use crate::rules::OrgUnit;
use crate::web::error::{PageError, PageResult};
use crate::web::{
    fmt, form_values, is_htmx, parse_id, render, AppState, FieldKind, FormField, FormInput, Nav, QueryInput, Reach,
    RecordForm, Route,
};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/tai-san", ReadRegister, register).reach(Reach::Filtered),
        Route::get("/tai-san/xuat", ReadRegister, super::api::export).reach(Reach::Filtered),
        Route::get("/tai-san/nhan", ReadRegister, crate::inventory::pages::register_labels).reach(Reach::Filtered),
        Route::get("/tai-san/hao-mon", ReadRegister, super::api::export_wear).reach(Reach::Filtered),
        Route::get("/tai-san/so-tscd", ReadRegister, super::api::export_book).reach(Reach::Filtered),
        Route::get("/tai-san/tang-giam", ReadRegister, super::api::export_changes).reach(Reach::Filtered),
        Route::get("/tai-san/{id}/the.xlsx", ReadRegister, super::api::card).reach(crate::assets::REACH),
        Route::get("/tai-san/moi", EditAssets, new_form).reach(Reach::Unscoped),
        Route::post("/tai-san/moi", EditAssets, create).reach(Reach::Filtered),
        Route::get("/tai-san/{id}", ReadRegister, show).reach(crate::assets::REACH),
        Route::get("/tai-san/{id}/sua", EditAssets, edit_form).reach(crate::assets::REACH),
        Route::post("/tai-san/{id}/sua", EditAssets, update).reach(crate::assets::REACH),
        Route::post("/tai-san/{id}/xoa", EditAssets, delete).reach(crate::assets::REACH),
    ]
}

/// The choices of the filter bar and the forms.
struct Choices {
    units: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    classes: Vec<(String, String)>,
    tasks: Vec<(String, String)>,
}

fn choices(c: &mut crate::db::DbConn) -> Result<Choices, AppError> {
    use crate::db::schema::{org_units, tasks};
    use diesel::prelude::*;
    let units: Vec<OrgUnit> = org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(c)?;
    let rules = crate::rules::Rules::load(c)?;
    let tasks: Vec<(i32, String)> = tasks::table.order(tasks::code).select((tasks::id, tasks::code)).load(c)?;
    Ok(Choices {
        units: units.into_iter().map(|u| (u.id.to_string(), u.name)).collect(),
        categories: super::categories(c)?
            .into_iter()
            .map(|(id, code, name)| (id.to_string(), format!("{code} — {name}")))
            .collect(),
        classes: rules.classes.iter().map(|k| (k.id.to_string(), k.name.clone())).collect(),
        tasks: tasks.into_iter().map(|(id, code)| (id.to_string(), code)).collect(),
    })
}

// ---- The register ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "assets/list.html")]
struct RegisterPage {
    nav: Nav,
    f: AssetFilter,
    choices: Choices,
    statuses: &'static [(&'static str, &'static str)],
    kinds: &'static [(&'static str, &'static str)],
    sorts: &'static [(&'static str, &'static str)],
    results: RegisterResults,
    /// The filter as text, to mark the chosen options.
    fv: std::collections::BTreeMap<String, String>,
}

impl RegisterPage {
    /// The current filter, for the export links (same rows as the page shows).
    fn export_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(self.export_pairs()).finish()
    }

    /// The current filter as fields, for the forms that export with a period.
    fn export_pairs(&self) -> Vec<(&String, &String)> {
        self.fv.iter().filter(|(k, _)| !["page", "sort", "order"].contains(&k.as_str())).collect()
    }

    /// The period a changes report starts with: this year to today.
    fn this_year(&self) -> (String, String) {
        use chrono::Datelike;
        let today = crate::text::today();
        (format!("01/01/{}", today.year()), crate::text::format_date(today))
    }

    fn is_sel(&self, key: impl AsRef<str>, code: impl AsRef<str>) -> bool {
        self.fv.get(key.as_ref()).is_some_and(|v| v == code.as_ref())
    }
}

#[derive(Template)]
#[template(path = "assets/_results.html")]
struct RegisterResults {
    page: AssetPage,
    /// What a count found wrong with an asset and sent to the inspectorate, still open.
    marks: std::collections::HashMap<i32, String>,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

/// The filter as a query string, for the pager and the browser history.
fn query_string(f: &AssetFilter, page: i64) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(v) = &f.q {
        q.append_pair("q", v);
    }
    for (k, v) in [
        ("unit_id", f.unit_id),
        ("task_id", f.task_id),
        ("category_id", f.category_id),
        ("class_id", f.class_id),
        ("year", f.year),
    ] {
        if let Some(v) = v {
            q.append_pair(k, &v.to_string());
        }
    }
    for (k, v) in [("status", &f.status), ("kind", &f.kind)] {
        if let Some(v) = v {
            q.append_pair(k, v);
        }
    }
    if f.awaiting_handling {
        q.append_pair("awaiting_handling", "1");
    }
    if f.include_written_down {
        q.append_pair("include_written_down", "1");
    }
    q.append_pair("sort", &f.sort);
    if f.desc {
        q.append_pair("order", "desc");
    }
    q.append_pair("page", &page.to_string());
    q.finish()
}

async fn register(
    Auth(me): Auth,
    State(st): State<AppState>,
    headers: HeaderMap,
    QueryInput(mut input): QueryInput,
) -> PageResult<Response> {
    let htmx = is_htmx(&headers);
    let filter = AssetFilter::read(&mut input, &me.scope.clone());
    input.finish().map_err(|error| PageError { error, partial: htmx })?;
    let f = filter.clone();
    let (page, choices, marks) = st
        .db
        .read(move |c| {
            let page = super::list(c, &f)?;
            let ids: Vec<i32> = page.items.iter().map(|a| a.asset.id).collect();
            let marks = crate::evidence::open_marks(c, &ids)?;
            let choices = if htmx { None } else { Some(choices(c)?) };
            Ok((page, choices, marks))
        })
        .await
        .map_err(|error| PageError { error, partial: htmx })?;
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    let results = RegisterResults {
        prev_url: (page.page > 1).then(|| format!("/tai-san?{}", query_string(&filter, page.page - 1))),
        next_url: (page.page < pages).then(|| format!("/tai-san?{}", query_string(&filter, page.page + 1))),
        pages,
        page,
        marks,
    };
    let html = match choices {
        None => render(&results)?,
        Some(choices) => {
            let fv = url::form_urlencoded::parse(query_string(&filter, 1).as_bytes()).into_owned().collect();
            render(&RegisterPage {
                nav: Nav::of(&me),
                f: filter,
                choices,
                statuses: STATUSES,
                kinds: KINDS,
                sorts: SORTS,
                results,
                fv,
            })?
        }
    };
    Ok(Html(html).into_response())
}

// ---- One asset ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "assets/show.html")]
struct AssetPageView {
    nav: Nav,
    a: AssetView,
    wear: super::wear::WearSchedule,
    history: Vec<crate::audit::Activity>,
    acquisition: String,
    task_asset_kind: String,
    /// Xử lý tài sản: the handlings this asset is in.
    handlings: Vec<crate::disposals::DisposalSummary>,
    /// The write-down that took it off the register: the page is then read-only.
    written_down: Option<crate::disposals::WriteDownOf>,
    /// Its chain of evidence: the count lines, findings and handlings that name it.
    related: Vec<crate::evidence::Related>,
}

async fn show(
    Auth(me): Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "tài sản")?;
    let as_of: Option<NaiveDate> = q.date("as_of", "Tính đến ngày");
    q.finish()?;
    let (nav, scope) = (Nav::of(&me), me.scope.clone());
    let page = st
        .db
        .read(move |c| {
            super::find_visible(c, id, &scope)?;
            let a = super::find_view(c, id)?;
            let rules = crate::rules::Rules::load(c)?;
            let as_of = as_of.unwrap_or_else(|| super::wear::last_close(crate::text::today()));
            let wear = a.asset.wear_schedule(&rules, as_of)?;
            let history = crate::audit::history(c, "asset", id)?;
            let handlings = crate::disposals::of_asset(c, id)?;
            let written_down = crate::disposals::write_down_of(c, id)?;
            let related = crate::evidence::related(c, crate::evidence::Record::Asset(id))?;
            Ok(AssetPageView {
                nav,
                related,
                handlings,
                written_down,
                acquisition: super::label(ACQUISITION_METHODS, &a.asset.acquisition_method),
                task_asset_kind: a
                    .asset
                    .task_asset_kind
                    .as_deref()
                    .map(|k| super::label(TASK_ASSET_KINDS, k))
                    .unwrap_or_default(),
                a,
                wear,
                history,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}

// ---- Forms -------------------------------------------------------------------------------------

const MONEY: &[&str] = &["cost_state", "cost_other", "opening_wear", "original_cost"];

fn asset_fields(ch: Choices) -> Vec<FormField> {
    use FieldKind::*;
    vec![
        FormField::new("name", "Tên tài sản", Text).required(),
        FormField::new("code", "Mã tài sản", Text).hint("Để trống để hệ thống tự sinh mã"),
        FormField::new("category_id", "Nhóm tài sản", Select).required().options(ch.categories),
        FormField::new("unit_id", "Đơn vị quản lý", Select).required().options(ch.units),
        FormField::new("status", "Tình trạng", Select).choices(STATUSES),
        FormField::new("unit_of_measure", "Đơn vị tính", Text),
        FormField::new("quantity", "Số lượng", Number),
        FormField::new("area_m2", "Diện tích (m²)", Text).hint("Với đất, nhà"),
        FormField::new("cost_state", "Nguyên giá — nguồn NSNN (đồng)", Number),
        FormField::new("cost_other", "Nguyên giá — nguồn khác (đồng)", Number),
        FormField::new("acquisition_method", "Hình thức hình thành", Select).choices(ACQUISITION_METHODS),
        FormField::new("acquired_on", "Ngày tăng", Date),
        FormField::new("in_use_on", "Ngày đưa vào sử dụng", Date),
        FormField::new("year_made", "Năm sản xuất", Number),
        FormField::new("country", "Nước sản xuất", Text),
        FormField::new("task_id", "Nhiệm vụ KH&CN", Select).options(ch.tasks),
        FormField::new("task_asset_kind", "Tài sản trang bị / kết quả", Select).choices(TASK_ASSET_KINDS),
        FormField::new("location", "Vị trí", Text),
        FormField::new("responsible_person", "Người chịu trách nhiệm", Text),
        FormField::new("condition", "Hiện trạng", Text),
        FormField::new("serial_no", "Số hiệu / serial", Text),
        FormField::new("opening_wear", "Hao mòn lũy kế đầu kỳ (đồng)", Number).hint("Khi nhập sổ đã hao mòn một phần"),
        FormField::new("opening_wear_as_of", "Ngày chốt hao mòn đầu kỳ", Date),
        FormField::new("specification", "Thông số kỹ thuật", TextArea),
        FormField::new("notes", "Ghi chú", TextArea),
    ]
}

async fn form_page(st: &AppState, form: RecordForm, values: BTreeMap<String, String>) -> Result<String, AppError> {
    let ch = st.db.read(choices).await?;
    form.render_with(asset_fields(ch), &values)
}

async fn new_form(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let mut values = BTreeMap::new();
    values.insert("status".to_string(), "dang_su_dung".to_string());
    values.insert("quantity".to_string(), "1".to_string());
    if let (Some(unit), Some(_)) = (me.scope.unit, &me.scope.edit_units) {
        values.insert("unit_id".to_string(), unit.to_string());
    }
    if let Some(task) = q.id("task_id", "Nhiệm vụ") {
        values.insert("task_id".into(), task.to_string());
    }
    Ok(Html(form_page(&st, new_asset_form(&me), values).await?))
}

fn new_asset_form(me: &Identity) -> RecordForm {
    RecordForm::adding(Nav::of(me), "tài sản", "/tai-san")
}

fn edit_asset_form(me: &Identity, id: i32, code: &str, version: Option<i32>) -> RecordForm {
    RecordForm::editing(Nav::of(me), "tài sản", "/tai-san", id, code, version)
}

async fn create(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let input = Input::from_form(form.0.clone());
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| super::create(c, &actor, &scope, input)).await {
        Ok(view) => Ok(Redirect::to(&format!("/tai-san/{}", view.asset.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let html = form_page(&st, RecordForm { errors, ..new_asset_form(&me) }, form.to_map()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "tài sản")?;
    let scope = me.scope.clone();
    let asset = st
        .db
        .read(move |c| {
            let a = super::find(c, id)?;
            scope.check_edit(a.unit_id)?;
            Ok(a)
        })
        .await?;
    let values = form_values(&super::editable_json(&asset), MONEY);
    Ok(Html(form_page(&st, edit_asset_form(&me, id, &asset.code, Some(asset.version)), values).await?))
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "tài sản")?;
    let mut input = Input::from_form(form.0.clone());
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| super::update(c, &actor, &scope, id, input, version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/tai-san/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = edit_asset_form(&me, id, form.get("code").unwrap_or(""), version.map(|v| v as i32));
            let html = form_page(&st, RecordForm { errors, ..page }, form.to_map()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        // Someone saved first: keep what this person typed, show what changed, and let them save
        // again knowingly against the current version.
        Err(AppError::Conflict { message, current: Some(current) }) => {
            let current_version = current["version"].as_i64().map(|v| v as i32);
            let stored = form_values(&current, MONEY);
            let changed: Vec<String> = super::EDITABLE
                .iter()
                .filter(|k| stored.get(**k).map(String::as_str).unwrap_or("") != form.get(k).unwrap_or(""))
                .map(|k| format!("{k}: «{}»", stored.get(*k).cloned().unwrap_or_default()))
                .collect();
            let mut page = edit_asset_form(&me, id, current["code"].as_str().unwrap_or(""), current_version);
            page.notice = Some(format!("{message}. Giá trị hiện tại khác với bản bạn gửi — {}", changed.join("; ")));
            let html = form_page(&st, page, form.to_map()).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "tài sản")?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    st.db.write(move |c| super::delete(c, &actor, &scope, id, version)).await?;
    Ok(Redirect::to("/tai-san").into_response())
}
