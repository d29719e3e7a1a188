//! The handling pages (`/xu-ly`): what is due and overdue, the accepted tasks whose assets still
//! wait; a new proposal from an asset or a task; a handling with its documents and the form for the
//! next one. Forms post fields that are turned into the same input the API reads.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Map, Value};

use super::{DisposalSummary, DisposalView, HandlingForm, UnhandledTask, SALE_METHODS};
use crate::assets::Asset;
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{HandleAssets, ReadRegister};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::error::{PageResult, Posted};
use crate::web::{fmt, parse_id, render, AppState, FormInput, Nav, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/xu-ly", ReadRegister, index).reach(Reach::Filtered),
        Route::get("/xu-ly/moi", HandleAssets, new_form),
        Route::post("/xu-ly/moi", HandleAssets, create),
        Route::get("/xu-ly/ket-qua-nhiem-vu.xlsx", ReadRegister, super::api::task_handling_sheet)
            .reach(Reach::Filtered),
        Route::get("/xu-ly/so-theo-doi.xlsx", ReadRegister, super::api::disposal_register_sheet).reach(Reach::Filtered),
        Route::get("/xu-ly/quyet-dinh.xlsx", ReadRegister, super::api::decisions_sheet).reach(Reach::Filtered),
        Route::get("/xu-ly/{id}", ReadRegister, show).reach(crate::disposals::REACH),
        Route::get("/xu-ly/{id}/de-nghi.xlsx", ReadRegister, super::api::proposal_sheet).reach(crate::disposals::REACH),
        Route::get("/xu-ly/{id}/bien-ban.xlsx", ReadRegister, super::api::handover_sheet)
            .reach(crate::disposals::REACH),
        Route::post("/xu-ly/nhap-quyet-dinh", HandleAssets, import_decisions)
            .with_body_limit(crate::import::upload::BODY_LIMIT),
        Route::post("/xu-ly/nhap-quyet-dinh/{upload}", HandleAssets, import_decisions_again),
        Route::post("/xu-ly/{id}/tep", HandleAssets, attach).with_body_limit(super::attachments::MAX_BYTES + 64 * 1024),
        Route::post("/xu-ly/{id}/{step}", HandleAssets, record_step),
    ]
}

#[derive(Template)]
#[template(path = "disposals/index.html")]
struct IndexPage {
    nav: Nav,
    open: Vec<DisposalSummary>,
    all: Vec<DisposalSummary>,
    tasks: Vec<UnhandledTask>,
}

impl IndexPage {
    fn year(&self) -> i32 {
        use chrono::Datelike;
        crate::text::today().year()
    }
}

async fn index(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let scope = me.scope.clone();
    let (open, all, tasks) = st
        .db
        .read(move |c| {
            Ok((
                super::list(c, &scope, true, false)?,
                super::list(c, &scope, false, false)?,
                super::unhandled_tasks(c, &scope)?,
            ))
        })
        .await?;
    Ok(Html(render(&IndexPage { nav: Nav::of(&me), open, all, tasks })?))
}

#[derive(Template)]
#[template(path = "disposals/new.html")]
struct NewPage {
    nav: Nav,
    candidates: Vec<Asset>,
    forms: Vec<HandlingForm>,
    posted: Posted,
}

impl NewPage {
    fn value(&self, key: &str) -> String {
        self.posted.value(key)
    }

    fn picked(&self, id: &i32) -> bool {
        self.posted.values.contains_key(&format!("pick_{id}"))
    }

    fn quantity(&self, a: &Asset) -> String {
        self.posted.values.get(&format!("qty_{}", a.id)).cloned().unwrap_or_else(|| a.quantity.to_string())
    }
}

/// The assets offered: those named (`asset_id=1,2`), or a task's assets not yet handled.
fn candidates(conn: &mut crate::db::DbConn, values: &BTreeMap<String, String>) -> AppResult<Vec<Asset>> {
    use crate::db::schema::assets;
    use diesel::prelude::*;
    if let Some(task) = values.get("task_id").and_then(|t| t.parse::<i32>().ok()) {
        return Ok(assets::table
            .filter(assets::task_id.eq(task))
            .filter(assets::status.ne("da_xu_ly"))
            .order(assets::code)
            .select(Asset::as_select())
            .load(conn)?);
    }
    let ids: Vec<i32> = values
        .get("asset_id")
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let mut found = vec![];
    for id in ids {
        found.push(crate::assets::find(conn, id)?);
    }
    Ok(found)
}

async fn new_page(st: &AppState, me: &Identity, posted: Posted) -> AppResult<String> {
    let v = posted.values.clone();
    let (candidates, forms) = st
        .db
        .read(move |c| {
            let candidates = candidates(c, &v)?;
            let forms = super::forms_for(c, &candidates, crate::text::today())?;
            Ok((candidates, forms))
        })
        .await?;
    render(&NewPage { nav: Nav::of(me), candidates, forms, posted })
}

async fn new_form(State(st): State<AppState>, Auth(me): Auth, QueryInput(q): QueryInput) -> PageResult<Html<String>> {
    let mut values: BTreeMap<String, String> = q.pairs().into_iter().collect();
    values.entry("doc_date".into()).or_insert_with(|| crate::text::format_date(crate::text::today()));
    // One asset named: it is the one proposed.
    if values.get("asset_id").is_some_and(|ids| !ids.contains(',')) {
        let id = values["asset_id"].clone();
        values.insert(format!("pick_{id}"), "on".into());
    }
    Ok(Html(new_page(&st, &me, Posted::fresh(values)).await?))
}

/// The proposal form as the API's input: the ticked assets, each with its quantity.
fn proposal_input(values: &BTreeMap<String, String>) -> Input {
    let mut obj = Map::new();
    for key in ["form_code", "reason", "doc_no", "doc_date", "signer", "authority", "note"] {
        if let Some(v) = values.get(key) {
            obj.insert(key.into(), json!(v));
        }
    }
    let lines: Vec<Value> = values
        .keys()
        .filter_map(|k| k.strip_prefix("pick_"))
        .map(|id| json!({"asset_id": id, "quantity": values.get(&format!("qty_{id}")).cloned().unwrap_or_default()}))
        .collect();
    obj.insert("lines".into(), Value::Array(lines));
    Input::from_json(Value::Object(obj)).expect("an object")
}

async fn create(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let values = form.to_map();
    let input = proposal_input(&values);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| super::propose(c, &actor, &scope, input)).await {
        Ok(id) => Ok(Redirect::to(&format!("/xu-ly/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let status = e.status();
            Ok((status, Html(new_page(&st, &me, Posted::refused("", values, &e)).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "disposals/show.html")]
struct ShowPage {
    nav: Nav,
    d: DisposalView,
    can_handle: bool,
    posted: Posted,
    sale_methods: &'static [(&'static str, &'static str)],
    decided_by: &'static [(&'static str, &'static str)],
    history: Vec<crate::audit::Activity>,
    /// Whether the unit remits the proceeds or keeps them.
    proceeds: super::Proceeds,
}

impl ShowPage {
    /// Which body of rules governs the handling: the S&T task's regime, or the general one.
    fn regime_name(&self) -> &'static str {
        match self.d.form.regime.as_str() {
            super::LUAT_93 => "Tài sản hình thành qua nhiệm vụ KH&CN theo Luật KH,CN&ĐMST 93/2025/QH15 (NĐ 186/2025/NĐ-CP không áp dụng: Điều 1.2.k)",
            "nd70_2018" => "Tài sản hình thành qua nhiệm vụ KH&CN theo NĐ 70/2018/NĐ-CP",
            _ => "Luật Quản lý, sử dụng tài sản công 15/2017/QH14 và NĐ 186/2025/NĐ-CP",
        }
    }

    /// Whether the decree's sale thresholds judge this handling's method.
    fn judges_sale(&self) -> bool {
        super::sold_by(&self.d.form).is_some()
    }

    /// Whether the decree divides the decision between the unit and the authority above.
    fn divides_authority(&self) -> bool {
        self.d.form.regime == super::GENERAL && super::sale::Decision::of_form(&self.d.form.code).is_some()
    }

    fn revalued_key(&self, l: &super::LineView) -> String {
        format!("revalued_{}", l.line.id)
    }

    fn handed_over(&self) -> bool {
        self.d.steps.iter().any(|s| s.step.kind == "ban_giao" && !s.revoked)
    }

    /// The document a counter-document may revoke (`disposals::revocable`), if any.
    fn revocable(&self) -> Option<&super::StepView> {
        let steps: Vec<super::DisposalStep> = self.d.steps.iter().map(|s| s.step.clone()).collect();
        let id = super::revocable(&steps)?.id;
        self.d.steps.iter().find(|s| s.step.id == id)
    }
}

async fn show_page(st: &AppState, me: &Identity, id: i32, posted: Posted) -> AppResult<String> {
    let (d, history, proceeds) = st
        .db
        .read(move |c| {
            let d = super::view(c, id)?;
            let proceeds = super::Proceeds::of(c, d.disposal.unit_id, crate::text::today())?;
            Ok((d, crate::audit::history(c, "disposal", id)?, proceeds))
        })
        .await?;
    let can_handle = HandleAssets.allows(me.user.role());
    render(&ShowPage {
        nav: Nav::of(me),
        d,
        can_handle,
        posted,
        sale_methods: SALE_METHODS,
        decided_by: super::sale::DECIDED_BY,
        history,
        proceeds,
    })
}

async fn show(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    Ok(Html(show_page(&st, &me, id, Posted::default()).await?))
}

/// A step's form as the API's input: its fields, and for each line the decided quantity
/// (`decided_{line}`) and the revalued value of one unit (`revalued_{line}`).
fn step_input(values: &BTreeMap<String, String>) -> Input {
    let mut obj = Map::new();
    let mut lines: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (k, v) in values {
        let per_line = [("decided_", "quantity"), ("revalued_", "revalued")]
            .into_iter()
            .find_map(|(prefix, field)| k.strip_prefix(prefix).map(|line| (line, field)));
        match per_line {
            // A blank value is no value: the line keeps what it has.
            Some((_, _)) if v.trim().is_empty() => {}
            Some((line, field)) => {
                let item = lines.entry(line).or_insert_with(|| Map::from_iter([("line_id".into(), json!(line))]));
                item.insert(field.into(), json!(v));
            }
            None if k != "csrf_token" => {
                obj.insert(k.clone(), json!(v));
            }
            None => {}
        }
    }
    if !lines.is_empty() {
        obj.insert("lines".into(), Value::Array(lines.into_values().map(Value::Object).collect()));
    }
    Input::from_json(Value::Object(obj)).expect("an object")
}

async fn record_step(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, step)): Path<(String, String)>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    let f: super::api::Step = match step.as_str() {
        "quyet-dinh" => super::decide,
        "thuc-hien" => super::execute,
        "tien" => super::record_money,
        "ghi-giam" => super::write_down,
        "thu-hoi" => super::revoke,
        other => return Err(AppError::NotFound(format!("bước «{other}»")).into()),
    };
    let values = form.to_map();
    let input = step_input(&values);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| f(c, &actor, &scope, id, input)).await {
        Ok(()) => Ok(Redirect::to(&format!("/xu-ly/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let status = if matches!(e, AppError::Invalid(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { e.status() };
            Ok((status, Html(show_page(&st, &me, id, Posted::refused(&step, values, &e)).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A scan uploaded from the handling's page (the CSRF token rides in the address, as for imports).
async fn attach(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let id = parse_id(&id, "hồ sơ xử lý")?;
    match super::api::attach_upload(&st, &me, id, multipart, false).await {
        Ok(_) => Ok(Redirect::to(&format!("/xu-ly/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            Ok((status, Html(show_page(&st, &me, id, Posted::refused("tep", BTreeMap::new(), &e)).await?))
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A file of old decisions from the page: kept, then checked (or imported at once when «xem trước»
/// is not ticked) on the shared check page, where a failed cell is corrected.
async fn import_decisions(
    State(st): State<AppState>,
    Auth(me): Auth,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let limit = crate::import::upload::UPLOAD_LIMIT;
    let (name, bytes, fields) = crate::import::upload::read_upload(multipart, limit).await?;
    let preview = fields.get("preview").is_some_and(|v| v == "true" || v == "on");
    let upload = crate::import::upload::keep(&st.db, &me.user.username, &name, &bytes).await?;
    check_decisions(&st, &me, upload, (name, bytes), vec![], preview).await
}

/// The next step on the check page: check again with the corrections, or import.
async fn import_decisions_again(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(upload): Path<String>,
    form: crate::web::FormInput,
) -> PageResult<Response> {
    let upload = parse_id(&upload, "tệp tải lên")?;
    let (file, fixes, preview) = crate::import::check::next_step(&st, &me, upload, &form).await?;
    check_decisions(&st, &me, upload, file, fixes, preview).await
}

async fn check_decisions(
    st: &AppState,
    me: &Identity,
    upload: i32,
    (name, bytes): (String, Vec<u8>),
    fixes: Vec<crate::import::fixes::Fix>,
    preview: bool,
) -> PageResult<Response> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.clone());
    let check = crate::import::check::Check {
        kind: super::import::KIND,
        upload,
        action: format!("/xu-ly/nhap-quyet-dinh/{upload}"),
        back: "/xu-ly".into(),
        preview,
    };
    crate::import::check::run(st, me, check, move || {
        super::import::execute(&db, &actor, &scope, &name, &bytes, &fixes, preview)
    })
    .await
}
