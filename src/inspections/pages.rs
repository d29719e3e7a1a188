//! The inspectorate's pages (`/thanh-tra`) and the procurement files (`/mua-sam`): the inspections
//! with their recovery and overdue recommendations as charts, one inspection with its findings,
//! recommendations and follow-up, the workbooks; procurement files with their red flags.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Value};

use super::procurement::{ProcurementView, DOCUMENTS, METHODS};
use super::{InspectionView, PeriodSummary, FINDING_CATEGORIES, KINDS, RECOMMENDATION_KINDS};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{Inspect, ReadInspections, ReadRegister, RecordProcurement};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::error::{PageResult, Posted};
use crate::web::{chart, fmt, parse_id, render, AppState, FormInput, Nav, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/thanh-tra", ReadInspections, index),
        Route::get("/thanh-tra/moi", Inspect, new_form),
        Route::post("/thanh-tra/moi", Inspect, create),
        Route::get("/thanh-tra/tong-hop.xlsx", ReadInspections, super::api::period_workbook),
        Route::get("/thanh-tra/tu-kiem-ke/{line}", Inspect, from_count),
        Route::get("/thanh-tra/{id}", ReadInspections, show),
        Route::get("/thanh-tra/{id}/bao-cao.xlsx", ReadInspections, super::api::workbook),
        Route::post("/thanh-tra/{id}/ket-luan", Inspect, conclude),
        Route::post("/thanh-tra/{id}/phat-hien", Inspect, add_finding),
        Route::post("/thanh-tra/{id}/kien-nghi", Inspect, add_recommendation),
        Route::post("/thanh-tra/{id}/nhap", Inspect, import).with_body_limit(crate::import::upload::BODY_LIMIT),
        Route::post("/thanh-tra/{id}/nhap/{upload}", Inspect, import_again),
        Route::post("/thanh-tra/kien-nghi/{id}/theo-doi", Inspect, follow_up)
            .with_body_limit(crate::disposals::attachments::MAX_BYTES + 64 * 1024),
        Route::get("/mua-sam", ReadRegister, procurements).reach(Reach::Filtered),
        Route::get("/mua-sam/moi", RecordProcurement, new_procurement),
        Route::post("/mua-sam/moi", RecordProcurement, create_procurement),
        Route::get("/mua-sam/{id}", ReadRegister, procurement).reach(crate::inspections::procurement::REACH),
    ]
}

/// A form's values to draw it again; a field posted several times (ticked boxes) joined by «,».
fn values_of(form: &FormInput) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for (k, v) in &form.0 {
        values.entry(k.clone()).and_modify(|all: &mut String| *all = format!("{all},{v}")).or_insert_with(|| v.clone());
    }
    values
}

// ---- The inspections -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inspections/index.html")]
struct IndexPage {
    nav: Nav,
    rows: Vec<(super::Inspection, super::Recovery)>,
    summary: PeriodSummary,
    year: i32,
    inspection_chart: String,
    period_chart: String,
}

impl IndexPage {
    fn kind_name(&self, code: &str) -> String {
        super::label(KINDS, code)
    }

    fn status_name(&self, code: &str) -> String {
        super::label(super::STATUSES, code)
    }
}

async fn index(State(st): State<AppState>, Auth(me): Auth, QueryInput(mut q): QueryInput) -> PageResult<Html<String>> {
    use chrono::Datelike;
    let year = q.int("year", "Năm", 2000, 2100).map(|y| y as i32).unwrap_or_else(|| crate::text::today().year());
    let period = super::Period::read(&mut q).ok_or_else(|| AppError::invalid("period", "Kỳ báo cáo không hợp lệ"))?;
    q.finish()?;
    let (rows, summary, quarters) = st
        .db
        .read(move |c| {
            let list = super::list(c)?;
            let recs = super::recommendation_views(c, None)?;
            let rows: Vec<(super::Inspection, super::Recovery)> = list
                .into_iter()
                .map(|i| {
                    let r = super::Recovery::of(recs.iter().filter(|v| v.rec.inspection_id == i.id));
                    (i, r)
                })
                .collect();
            let summary = super::period_summary(c, period)?;
            let mut quarters = vec![];
            for n in 1..=4u32 {
                let from = chrono::NaiveDate::from_ymd_opt(year, 3 * n - 2, 1).unwrap_or_default();
                let to = if n == 4 {
                    chrono::NaiveDate::from_ymd_opt(year, 12, 31)
                } else {
                    chrono::NaiveDate::from_ymd_opt(year, 3 * n + 1, 1).and_then(|d| d.pred_opt())
                }
                .unwrap_or_default();
                let s = super::period_summary(c, super::Period { from, to })?;
                quarters.push((format!("Quý {n}/{year} ({} quá hạn)", s.recovery.overdue), s.recovery));
            }
            Ok((rows, summary, quarters))
        })
        .await?;
    let bars = |items: Vec<(String, super::Recovery)>| -> Vec<(String, crate::assets::Sums)> {
        items.into_iter().map(|(n, r)| (n, (r.recommendations as i64, r.recommended, r.recovered))).collect()
    };
    let inspection_chart = chart::recovery_bars(&bars(
        rows.iter().map(|(i, r)| (format!("{} ({} quá hạn)", i.code, r.overdue), r.clone())).collect(),
    ));
    let period_chart = chart::recovery_bars(&bars(quarters));
    Ok(Html(render(&IndexPage { nav: Nav::of(&me), rows, summary, year, inspection_chart, period_chart })?))
}

#[derive(Template)]
#[template(path = "inspections/new.html")]
struct NewPage {
    nav: Nav,
    posted: Posted,
    kinds: &'static [(&'static str, &'static str)],
}

impl NewPage {
    fn value(&self, key: &str) -> String {
        self.posted.value(key)
    }
}

async fn new_form(Auth(me): Auth) -> PageResult<Html<String>> {
    let today = crate::text::format_date(crate::text::today());
    let values = BTreeMap::from([("decision_date".to_string(), today.clone()), ("started_on".to_string(), today)]);
    Ok(Html(render(&NewPage { nav: Nav::of(&me), posted: Posted::fresh(values), kinds: KINDS })?))
}

async fn create(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let values = values_of(&form);
    let input = Input::from_form(form.0.clone());
    let user = me.user.clone();
    match st.db.write(move |c| super::save(c, &user, None, input)).await {
        Ok(id) => Ok(Redirect::to(&format!("/thanh-tra/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = NewPage { nav: Nav::of(&me), posted: Posted::refused("", values, &e), kinds: KINDS };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "inspections/show.html")]
struct ShowPage {
    nav: Nav,
    v: InspectionView,
    can_write: bool,
    /// The form posted and refused, if one was: `ket-luan`, `phat-hien`, `kien-nghi`,
    /// `theo-doi-{recommendation}`, `nhap`.
    posted: Posted,
    notice: Option<String>,
    /// A count discrepancy the finding form starts from.
    count_line: Option<(i32, String)>,
    rec_chart: String,
    history: Vec<crate::audit::Activity>,
}

impl ShowPage {
    fn categories(&self) -> &'static [(&'static str, &'static str)] {
        FINDING_CATEGORIES
    }

    fn rec_kinds(&self) -> &'static [(&'static str, &'static str)] {
        RECOMMENDATION_KINDS
    }

    fn today(&self) -> String {
        crate::text::format_date(crate::text::today())
    }

    fn rate(&self, bp: &Option<i64>) -> String {
        bp.map(|b| format!("{},{} %", b / 100, (b % 100) / 10)).unwrap_or_else(|| "—".into())
    }
}

async fn show_page(
    st: &AppState,
    me: &Identity,
    id: i32,
    posted: Posted,
    notice: Option<String>,
    count_line: Option<i32>,
) -> AppResult<String> {
    let fresh = posted.form.is_empty();
    let (v, line, history, draft) = st
        .db
        .read(move |c| {
            let v = super::view(c, id)?;
            // Opened from a count discrepancy, the finding form arrives filled from the line.
            let draft = match count_line {
                Some(l) if fresh => crate::inventory::finding_draft(c, l)?,
                _ => None,
            };
            let line = match count_line {
                Some(l) => {
                    use crate::db::schema::count_lines;
                    use diesel::prelude::*;
                    count_lines::table
                        .find(l)
                        .select((count_lines::id, count_lines::code, count_lines::name, count_lines::resolution_note))
                        .first::<(i32, String, String, Option<String>)>(c)
                        .optional()?
                        .map(|(id, code, name, note)| (id, format!("{code} — {name}: {}", note.unwrap_or_default())))
                }
                None => None,
            };
            Ok((v, line, crate::audit::history(c, "inspection", id)?, draft))
        })
        .await?;
    let posted = match draft {
        Some(values) => Posted { form: "phat-hien".into(), values, ..Default::default() },
        None => posted,
    };
    let can_write = Inspect.allows(me.user.role()) && super::check_owner(&v.inspection, &me.user).is_ok();
    let rec_chart = chart::recovery_bars(
        &v.recommendations
            .iter()
            .filter(|r| r.rec.amount > 0)
            .map(|r| {
                let name: String = r.rec.content.chars().take(if r.overdue { 14 } else { 24 }).collect();
                (format!("{name}…{}", if r.overdue { " quá hạn" } else { "" }), (1, r.rec.amount, r.recovered))
            })
            .collect::<Vec<_>>(),
    );
    render(&ShowPage { nav: Nav::of(me), v, can_write, posted, notice, count_line: line, rec_chart, history })
}

async fn show(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let pairs = q.pairs();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let line = get("count_line").and_then(|l| l.parse().ok());
    Ok(Html(show_page(&st, &me, id, Posted::default(), get("thong_bao"), line).await?))
}

/// Back to the inspection with a notice, or the page again with the form `form` as posted (its
/// values, each message at its field) and what went wrong.
async fn after(
    st: &AppState,
    me: &Identity,
    id: i32,
    form: (&str, BTreeMap<String, String>),
    result: AppResult<String>,
) -> PageResult<Response> {
    // A finding opened from a count discrepancy keeps the discrepancy it started from.
    let line = form.1.get("count_line_id").and_then(|l| l.parse().ok());
    crate::web::error::after_form(result, &format!("/thanh-tra/{id}"), form, |posted| {
        show_page(st, me, id, posted, None, line)
    })
    .await
}

async fn conclude(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let patch = Input::from_json(Value::Object(form.only(&[
        "conclusion_no",
        "conclusion_date",
        "ended_on",
        "status",
        "version",
    ])))?;
    let result = super::api::update_with(&st, &me, id, patch).await.map(|v| format!("Đã cập nhật: {}", v.status_name));
    after(&st, &me, id, ("ket-luan", values_of(&form)), result).await
}

async fn add_finding(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let input = Input::from_json(Value::Object(form.only(super::FINDING_FIELDS)))?;
    let user = me.user.clone();
    let result =
        st.db.write(move |c| super::add_finding(c, &user, id, input).map(|_| "Đã ghi phát hiện".to_string())).await;
    after(&st, &me, id, ("phat-hien", values_of(&form)), result).await
}

async fn add_recommendation(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let input = Input::from_json(Value::Object(form.only(super::REC_FIELDS)))?;
    let user = me.user.clone();
    let result = st
        .db
        .write(move |c| super::add_recommendation(c, &user, id, input).map(|_| "Đã ghi kiến nghị".to_string()))
        .await;
    after(&st, &me, id, ("kien-nghi", values_of(&form)), result).await
}

/// A follow-up with its evidence (the CSRF token rides in the address, as for every upload).
async fn follow_up(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(rec): Path<String>,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let rec = parse_id(&rec, "kiến nghị")?;
    let inspection: i32 = st
        .db
        .read(move |c| {
            use crate::db::schema::recommendations;
            use diesel::prelude::*;
            recommendations::table
                .find(rec)
                .select(recommendations::inspection_id)
                .first(c)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("kiến nghị số {rec}")))
        })
        .await?;
    let limit = crate::disposals::attachments::MAX_BYTES;
    let (file, fields) = match crate::import::upload::read_multipart(multipart, limit).await {
        Ok(read) => read,
        Err(e) => return after(&st, &me, inspection, ("", BTreeMap::new()), Err(e)).await,
    };
    let values: BTreeMap<String, String> = fields
        .iter()
        .filter(|(k, _)| *k != crate::auth::web::CSRF_FIELD)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let result = super::api::follow_up_record(&st, &me, rec, values.clone(), file, false)
        .await
        .map(|_| "Đã ghi theo dõi thực hiện".to_string());
    after(&st, &me, inspection, (&Posted::form_of("theo-doi", rec), values), result).await
}

/// A file of findings from the inspection's page: kept, then checked (or imported at once when
/// «xem trước» is not ticked) on the shared check page, where a failed cell is corrected.
async fn import(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let read = crate::import::upload::read_upload(multipart, crate::import::upload::UPLOAD_LIMIT).await;
    let (name, bytes, fields) = match read {
        Ok(r) => r,
        Err(e) => return after(&st, &me, id, ("nhap", BTreeMap::new()), Err(e)).await,
    };
    let preview = fields.get("preview").is_some_and(|v| v == "true" || v == "on");
    let upload = crate::import::upload::keep(&st.db, &me.user.username, &name, &bytes).await?;
    check_findings(&st, &me, id, upload, (name, bytes), vec![], preview).await
}

/// The next step on the check page: check again with the corrections, or import.
async fn import_again(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, upload)): Path<(String, String)>,
    form: crate::web::FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "cuộc thanh tra, kiểm tra")?;
    let upload = parse_id(&upload, "tệp tải lên")?;
    let (file, fixes, preview) = crate::import::check::next_step(&st, &me, upload, &form).await?;
    check_findings(&st, &me, id, upload, file, fixes, preview).await
}

async fn check_findings(
    st: &AppState,
    me: &Identity,
    id: i32,
    upload: i32,
    (name, bytes): (String, Vec<u8>),
    fixes: Vec<crate::import::fixes::Fix>,
    preview: bool,
) -> PageResult<Response> {
    let (db, user) = (st.db.clone(), me.user.clone());
    let check = crate::import::check::Check {
        kind: super::import::KIND,
        upload,
        action: format!("/thanh-tra/{id}/nhap/{upload}"),
        back: format!("/thanh-tra/{id}"),
        preview,
    };
    crate::import::check::run(st, me, check, move || {
        super::import::execute(&db, &user, id, &name, &bytes, &fixes, preview)
    })
    .await
}

#[derive(Template)]
#[template(path = "inspections/from_count.html")]
struct FromCountPage {
    nav: Nav,
    line: (i32, String, String),
    inspections: Vec<super::Inspection>,
}

/// A count discrepancy sent to the inspectorate: pick the inspection to open a finding in.
async fn from_count(State(st): State<AppState>, Auth(me): Auth, Path(line): Path<String>) -> PageResult<Html<String>> {
    let line = parse_id(&line, "dòng kiểm kê")?;
    let user = me.user.clone();
    let (found, inspections) = st
        .db
        .read(move |c| {
            use crate::db::schema::{count_lines, count_sessions};
            use diesel::prelude::*;
            let found: (i32, String, String, String) = count_lines::table
                .inner_join(count_sessions::table)
                .filter(count_lines::id.eq(line))
                .select((count_lines::id, count_lines::code, count_lines::name, count_sessions::code))
                .first(c)
                .optional()?
                .ok_or_else(|| AppError::NotFound(format!("dòng kiểm kê số {line}")))?;
            let mine: Vec<super::Inspection> =
                super::list(c)?.into_iter().filter(|i| super::check_owner(i, &user).is_ok()).collect();
            Ok((found, mine))
        })
        .await?;
    let (id, code, name, count) = found;
    let page = FromCountPage { nav: Nav::of(&me), line: (id, format!("{code} — {name}"), count), inspections };
    Ok(Html(render(&page)?))
}

// ---- Procurement files --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inspections/procurements.html")]
struct ProcurementsPage {
    nav: Nav,
    items: Vec<ProcurementView>,
}

async fn procurements(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let scope = me.scope.clone();
    let items = st.db.read(move |c| super::procurement::visible_views(c, &scope)).await?;
    Ok(Html(render(&ProcurementsPage { nav: Nav::of(&me), items })?))
}

#[derive(Template)]
#[template(path = "inspections/procurement.html")]
struct ProcurementPage {
    nav: Nav,
    p: ProcurementView,
}

impl ProcurementPage {
    fn documents(&self) -> Vec<(&'static str, bool)> {
        let have = self.p.procurement.document_codes();
        DOCUMENTS.iter().map(|(c, n)| (*n, have.iter().any(|h| h == c))).collect()
    }
}

async fn procurement(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "hồ sơ mua sắm")?;
    let p = st.db.read(move |c| super::procurement::view(c, id)).await?;
    Ok(Html(render(&ProcurementPage { nav: Nav::of(&me), p })?))
}

#[derive(Template)]
#[template(path = "inspections/procurement_new.html")]
struct NewProcurementPage {
    nav: Nav,
    posted: Posted,
    units: Vec<(i32, String)>,
    categories: Vec<(i32, String, String)>,
    methods: &'static [(&'static str, &'static str)],
    documents: &'static [(&'static str, &'static str)],
}

impl NewProcurementPage {
    fn value(&self, key: &str) -> String {
        self.posted.value(key)
    }

    fn has_document(&self, code: &str) -> bool {
        self.posted.value("documents").split(',').any(|d| d == code)
    }
}

async fn procurement_form(st: &AppState, me: &Identity, posted: Posted) -> AppResult<String> {
    let (units, categories) = st
        .db
        .read(|c| {
            use crate::db::schema::org_units;
            use diesel::prelude::*;
            let units: Vec<(i32, String)> =
                org_units::table.order(org_units::id).select((org_units::id, org_units::name)).load(c)?;
            Ok((units, crate::assets::categories(c)?))
        })
        .await?;
    render(&NewProcurementPage { nav: Nav::of(me), posted, units, categories, methods: METHODS, documents: DOCUMENTS })
}

async fn new_procurement(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    Ok(Html(procurement_form(&st, &me, Posted::default()).await?))
}

async fn create_procurement(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let values = values_of(&form);
    // The form posts the record's own field names; the ticked documents and the assets by code follow.
    let mut obj = form.only(super::procurement::FIELDS);
    let docs: Vec<Value> =
        form.0.iter().filter(|(k, _)| k == "documents").map(|(_, v)| Value::String(v.clone())).collect();
    obj.insert("documents".into(), Value::Array(docs));
    let codes = form.get("asset_codes").unwrap_or("").to_string();
    let actor = me.user.actor();
    let result = st
        .db
        .write(move |c| {
            use crate::db::schema::assets;
            use diesel::prelude::*;
            let mut ids = vec![];
            let mut unknown = vec![];
            for code in codes.split([',', ';']).map(str::trim).filter(|c| !c.is_empty()) {
                match assets::table.filter(assets::code.eq(code)).select(assets::id).first::<i32>(c).optional()? {
                    Some(id) => ids.push(json!(id)),
                    None => unknown.push(format!("«{code}»")),
                }
            }
            obj.insert("asset_ids".into(), Value::Array(ids));
            // An unknown code is reported with every other field's message, not before them.
            let mut input = Input::from_json(Value::Object(obj))?;
            if !unknown.is_empty() {
                input.error("asset_codes", format!("Không có tài sản mã {}", unknown.join(", ")));
            }
            super::procurement::save(c, &actor, None, input)
        })
        .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/mua-sam/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let posted = Posted::refused("", values, &e);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(procurement_form(&st, &me, posted).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
