//! The count pages (`/kiem-ke`): the counts, a new count, a count with its progress charts, sheets,
//! conflicts, discrepancies and their resolutions; the phone page to count by typing or scanning a
//! code; QR labels to print. Forms post fields that are turned into the input the API reads.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Value};

use super::{CountSession, Member, Progress, Reconciled, COMMITTEE_ROLES, CONDITIONS, RESOLUTIONS};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission::{ManageCounts, ReadRegister, RecordCounts};
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::web::error::{messages, PageResult, Posted};
use crate::web::{fmt, parse_id, render, AppState, FormInput, Nav, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/kiem-ke", ReadRegister, index).reach(Reach::Filtered),
        Route::get("/kiem-ke/moi", ManageCounts, new_form),
        Route::post("/kiem-ke/moi", ManageCounts, create),
        Route::get("/kiem-ke/{id}", ReadRegister, show).reach(crate::inventory::REACH),
        Route::post("/kiem-ke/{id}/buoc/{step}", ManageCounts, step),
        Route::post("/kiem-ke/{id}/dong/{line}", ManageCounts, resolve),
        Route::post("/kiem-ke/{id}/chot-so", ManageCounts, settle),
        Route::get("/kiem-ke/{id}/phieu.xlsx", ReadRegister, super::api::sheet).reach(crate::inventory::REACH),
        Route::get("/kiem-ke/{id}/bien-ban.xlsx", ReadRegister, super::api::minutes).reach(crate::inventory::REACH),
        Route::post("/kiem-ke/{id}/nhap-phieu", RecordCounts, upload)
            .reach(crate::inventory::REACH)
            .with_body_limit(crate::import::upload::BODY_LIMIT),
        Route::post("/kiem-ke/{id}/nhap-phieu/{upload}", RecordCounts, upload_again).reach(crate::inventory::REACH),
        Route::get("/kiem-ke/{id}/dem", RecordCounts, phone).reach(crate::inventory::REACH),
        Route::post("/kiem-ke/{id}/dem", RecordCounts, phone_save).reach(crate::inventory::REACH),
        Route::get("/kiem-ke/{id}/con-lai", RecordCounts, left).reach(crate::inventory::REACH),
        Route::post("/kiem-ke/{id}/xong-phong", RecordCounts, place_done).reach(crate::inventory::REACH),
        Route::get("/kiem-ke/{id}/nhan", ReadRegister, labels).reach(crate::inventory::REACH),
        Route::get("/tai-san/{id}/nhan", ReadRegister, asset_label).reach(crate::assets::REACH),
    ]
}

#[derive(Template)]
#[template(path = "counts/index.html")]
struct IndexPage {
    nav: Nav,
    counts: Vec<CountSession>,
}

async fn index(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let scope = me.scope.clone();
    let counts = st.db.read(move |c| super::list(c, &scope)).await?;
    Ok(Html(render(&IndexPage { nav: Nav::of(&me), counts })?))
}

#[derive(Template)]
#[template(path = "counts/new.html")]
struct NewPage {
    nav: Nav,
    posted: Posted,
}

impl NewPage {
    fn value(&self, key: &str) -> String {
        self.posted.value(key)
    }
}

async fn new_form(Auth(me): Auth) -> PageResult<Html<String>> {
    use chrono::Datelike;
    let today = crate::text::today();
    let year_end = chrono::NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    let values = BTreeMap::from([
        ("reference_date".to_string(), crate::text::format_date(year_end)),
        ("decision_date".to_string(), crate::text::format_date(today)),
    ]);
    Ok(Html(render(&NewPage { nav: Nav::of(&me), posted: Posted::fresh(values) })?))
}

/// The committee typed one member a line: «Họ tên; vai trò; chức vụ; đại diện».
fn members_of_text(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split(';').map(str::trim).collect();
            let role = parts.get(1).copied().unwrap_or("");
            let role = COMMITTEE_ROLES
                .iter()
                .find(|(c, n)| {
                    crate::text::fold(c) == crate::text::fold(role) || crate::text::fold(n) == crate::text::fold(role)
                })
                .map(|(c, _)| c.to_string())
                .unwrap_or_else(|| role.to_string());
            json!({
                "full_name": parts.first().copied().unwrap_or(""),
                "committee_role": role,
                "position": parts.get(2).copied().unwrap_or(""),
                "represents": parts.get(3).copied().unwrap_or(""),
            })
        })
        .collect()
}

async fn create(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let values = form.to_map();
    let mut obj = form.only(&[
        "code",
        "title",
        "decision_no",
        "decision_date",
        "reference_date",
        "units",
        "locations",
        "classes",
    ]);
    obj.insert(
        "members".into(),
        Value::Array(members_of_text(values.get("members").map(String::as_str).unwrap_or(""))),
    );
    let input = Input::from_json(Value::Object(obj))?;
    let actor = me.user.actor();
    match st.db.write(move |c| super::create(c, &actor, input)).await {
        Ok(id) => Ok(Redirect::to(&format!("/kiem-ke/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let page = NewPage { nav: Nav::of(&me), posted: Posted::refused("", values, &e) };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "counts/show.html")]
struct ShowPage {
    nav: Nav,
    s: CountSession,
    members: Vec<Member>,
    progress: Progress,
    /// Conflicts and discrepancies of the lines the person may see.
    conflicts: Vec<Reconciled>,
    discrepancies: Vec<Reconciled>,
    units: Vec<(i32, String)>,
    locations: Vec<String>,
    forms: Vec<crate::disposals::HandlingForm>,
    /// The categories a surplus may be booked under.
    categories: Vec<(i32, String)>,
    unit_chart: String,
    location_chart: String,
    sealed: Option<bool>,
    can_manage: bool,
    can_count: bool,
    posted: Posted,
    notice: Option<String>,
    history: Vec<crate::audit::Activity>,
    /// Who counted what and where, for the team leader.
    counters: Vec<super::field::CounterWork>,
    places_done: Vec<super::field::PlaceDone>,
    /// Phones that hold entries not sent yet.
    holding: Vec<super::field::Holding>,
    /// Conflicts on assets the person may not see (another unit's).
    hidden_conflicts: usize,
}

impl ShowPage {
    fn role_name(&self, code: &str) -> String {
        super::label(COMMITTEE_ROLES, code)
    }

    fn resolution_name(&self, code: &Option<String>) -> String {
        code.as_deref().map(|c| super::label(RESOLUTIONS, c)).unwrap_or_default()
    }

    fn resolutions(&self) -> &'static [(&'static str, &'static str)] {
        RESOLUTIONS
    }

    fn percent(&self) -> usize {
        (self.progress.counted * 100).checked_div(self.progress.total).unwrap_or(0)
    }
}

/// Progress bars: counted of total, one bar a row.
pub fn progress_bars(rows: &[(String, usize, usize)], label: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let (label_w, bar_w, row_h) = (220.0, 300.0, 26.0);
    let height = rows.len() as f64 * row_h + 6.0;
    let escape = crate::web::fmt::escape_html;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" width=\"100%\" role=\"img\" aria-label=\"{label}\">",
        w = label_w + bar_w + 90.0
    );
    for (i, (name, done, total)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let share = if *total == 0 { 0.0 } else { *done as f64 / *total as f64 };
        let name: String = name.chars().take(34).collect();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\">{name}</text>\
             <rect x=\"{label_w}\" y=\"{y1}\" width=\"{bar_w}\" height=\"14\" fill=\"#e3ebf3\"/>\
             <rect x=\"{label_w}\" y=\"{y1}\" width=\"{w:.1}\" height=\"14\" fill=\"#1f7a3a\"><title>{done}/{total}</title></rect>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"11\">{done}/{total} ({p}%)</text>",
            ty = y + 16.0,
            name = escape(&name),
            y1 = y + 4.0,
            w = share * bar_w,
            tx = label_w + bar_w + 6.0,
            p = (share * 100.0).round(),
        ));
    }
    svg.push_str("</svg>");
    svg
}

async fn show_page(st: &AppState, me: &Identity, id: i32, posted: Posted, notice: Option<String>) -> AppResult<String> {
    let scope = me.scope.clone();
    // Who counted what, and the phones holding entries: the leader's view, read only for them.
    let can_manage = ManageCounts.allows(me.user.role());
    let (s, members, rows, forms, sealed, history, categories, field) = st
        .db
        .read(move |c| {
            let field = if can_manage {
                (super::field::who_counted(c, id)?, super::field::places_done(c, id)?, super::field::holding(c, id)?)
            } else {
                (vec![], vec![], vec![])
            };
            let s = super::find(c, id)?;
            let members = super::members_of(c, id)?;
            let rows = super::reconciliation(c, id)?;
            let rows = super::with_related(c, rows)?;
            let forms = crate::disposals::forms_on(c, crate::text::today())?;
            let sealed = super::minutes::still_sealed(c, &s)?;
            let history = crate::audit::history(c, "count", id)?;
            // What a surplus may be booked as: every category, by code and name.
            let names = crate::rules::Rules::load_names(c)?;
            let categories: Vec<(i32, String)> =
                names.categories.iter().map(|k| (k.id, format!("{} — {}", k.code, k.name))).collect();
            Ok((s, members, rows, forms, sealed, history, categories, field))
        })
        .await?;
    let progress = super::progress(&rows);
    let visible: Vec<Reconciled> =
        rows.into_iter().filter(|r| r.line.unit_id.is_none_or(|u| scope.check_read(u).is_ok())).collect();
    let mut units: Vec<(i32, String)> =
        visible.iter().filter_map(|r| r.line.unit_id.map(|u| (u, r.line.unit_name.clone()))).collect();
    units.sort();
    units.dedup();
    let mut locations: Vec<String> = visible.iter().filter_map(|r| r.line.location.clone()).collect();
    locations.sort();
    locations.dedup();
    let conflicts: Vec<Reconciled> = visible.iter().filter(|r| r.outcome == "xung_dot").cloned().collect();
    let hidden_conflicts = progress.conflicts.saturating_sub(conflicts.len());
    let (counters, places_done, holding) = field;
    // While counting, "never counted" is everything not yet reached: the list shows the rest.
    let discrepancies = visible
        .into_iter()
        .filter(|r| {
            r.is_discrepancy() && r.outcome != "xung_dot" && (s.status != "dang_kiem" || r.outcome != "chua_kiem")
        })
        .collect();
    let page = ShowPage {
        nav: Nav::of(me),
        unit_chart: progress_bars(&progress.by_unit, "Tiến độ kiểm kê theo đơn vị"),
        location_chart: progress_bars(&progress.by_location, "Tiến độ kiểm kê theo nơi đặt"),
        s,
        members,
        progress,
        conflicts,
        discrepancies,
        units,
        locations,
        forms,
        categories,
        sealed,
        can_manage,
        can_count: RecordCounts.allows(me.user.role()),
        posted,
        notice,
        history,
        counters,
        places_done,
        holding,
        hidden_conflicts,
    };
    render(&page)
}

async fn show(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let notice = q.pairs().into_iter().find(|(k, _)| k == "thong_bao").map(|(_, v)| v);
    Ok(Html(show_page(&st, &me, id, Posted::default(), notice).await?))
}

/// The page again with the form `form` as posted and what went wrong, or on to the count with a notice.
async fn after(
    st: &AppState,
    me: &Identity,
    id: i32,
    form: (&str, &FormInput),
    result: AppResult<String>,
) -> PageResult<Response> {
    let posted = (form.0, form.1.to_map());
    crate::web::error::after_form(result, &format!("/kiem-ke/{id}"), posted, |p| show_page(st, me, id, p, None)).await
}

fn version_in(form: &FormInput) -> Option<i64> {
    form.get("version").and_then(|v| v.parse().ok())
}

async fn step(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, step)): Path<(String, String)>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let version = version_in(&form);
    let unsent_reason = form.get("unsent_reason").map(str::to_string);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    let result = match step.as_str() {
        "mo" => {
            st.db
                .write(move |c| {
                    super::open(c, &actor, id, version).map(|n| format!("Đã mở đợt kiểm kê: {n} tài sản theo sổ"))
                })
                .await
        }
        "doi-chieu" => {
            st.db
                .write(move |c| {
                    super::reconcile_session(c, &actor, id, version, unsent_reason.as_deref())
                        .map(|p| format!("Đã đối chiếu: {} chênh lệch cần xử lý", p.discrepancies))
                })
                .await
        }
        "hien-so-sach" | "dem-mu" => {
            let show = step == "hien-so-sach";
            st.db
                .write(move |c| {
                    super::set_show_book(c, &actor, id, show, version).map(|_| {
                        if show {
                            "Người đếm thấy số lượng theo sổ".into()
                        } else {
                            "Đếm mù: người đếm không thấy số lượng theo sổ".into()
                        }
                    })
                })
                .await
        }
        "kiem-tiep" => {
            st.db.write(move |c| super::reopen(c, &actor, id, version).map(|_| "Đã mở lại để kiểm tiếp".into())).await
        }
        "khoa" => {
            st.db
                .write(move |c| {
                    super::close(c, &actor, &scope, id, version)
                        .map(|n| format!("Đã khóa sổ kiểm kê; {n} điều chỉnh đã ghi vào sổ tài sản"))
                })
                .await
        }
        other => return Err(AppError::NotFound(format!("bước «{other}»")).into()),
    };
    after(&st, &me, id, ("buoc", &form), result).await
}

async fn resolve(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, line)): Path<(String, String)>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let line = parse_id(&line, "dòng kiểm kê")?;
    let obj = form.only(&["resolution", "note", "form_code"]);
    let input = Input::from_json(Value::Object(obj))?;
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    let result = st
        .db
        .write(move |c| {
            super::resolve(c, &actor, &scope, id, line, input).map(|l| format!("Đã ghi cách xử lý cho {}", l.code))
        })
        .await;
    after(&st, &me, id, (&Posted::form_of("dong", line), &form), result).await
}

/// Chốt số: the figure a manager accepts when counters disagree.
async fn settle(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let mut obj = form.only(&["code", "quantity", "condition", "location", "note"]);
    obj.insert("settles".into(), json!("true"));
    let input = Input::from_json(Value::Object(obj))?;
    let result =
        super::api::save_entry(&st, &me, id, input).await.map(|e| format!("Đã chốt số cho {}: {}", e.code, e.quantity));
    let name = Posted::form_of("chot-so", form.get("code").unwrap_or_default());
    after(&st, &me, id, (&name, &form), result).await
}

/// A filled count sheet uploaded from the count's page: kept, then checked and imported at once
/// when every row is right, on the shared check page — where a failed cell is corrected.
async fn upload(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let read = crate::import::upload::read_upload(multipart, super::api::UPLOAD_LIMIT).await;
    let (name, bytes) = match read {
        Ok((name, bytes, _)) => (name, bytes),
        Err(e) => {
            let back = format!("/kiem-ke/{id}");
            return crate::web::error::after_form(Err(e), &back, ("nhap-phieu", BTreeMap::new()), |p| {
                show_page(&st, &me, id, p, None)
            })
            .await;
        }
    };
    let upload = crate::import::upload::keep(&st.db, &me.user.username, &name, &bytes).await?;
    check_sheet(&st, &me, id, upload, (name, bytes), vec![], false).await
}

/// The next step on the check page: check again with the corrections, or import.
async fn upload_again(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path((id, upload)): Path<(String, String)>,
    form: crate::web::FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let upload = parse_id(&upload, "tệp tải lên")?;
    let (file, fixes, preview) = crate::import::check::next_step(&st, &me, upload, &form).await?;
    check_sheet(&st, &me, id, upload, file, fixes, preview).await
}

async fn check_sheet(
    st: &AppState,
    me: &Identity,
    id: i32,
    upload: i32,
    (name, bytes): (String, Vec<u8>),
    fixes: Vec<crate::import::fixes::Fix>,
    preview: bool,
) -> PageResult<Response> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.clone());
    let check = crate::import::check::Check {
        kind: super::sheets::KIND,
        upload,
        action: format!("/kiem-ke/{id}/nhap-phieu/{upload}"),
        back: format!("/kiem-ke/{id}"),
        preview,
    };
    crate::import::check::run(st, me, check, move || {
        super::api::import_sheet_sync(&db, &actor, &scope, id, &name, &bytes, &fixes, !preview)
    })
    .await
}

/// Where the phone page stands after a scan (what the counter is told before anything is saved).
pub enum Step {
    /// Ready for the next scan.
    Ready,
    /// The code is no asset of the count: recorded only as an asset found beyond the books.
    Unknown,
    /// Another unit's asset: nothing to record.
    OtherUnit,
    /// How many there are.
    Ask,
    /// Counted before: the figure standing, who counted last and when, whether counters disagree.
    Counted { quantity: i32, by: String, at: String, conflict: bool },
}

#[derive(Template)]
#[template(path = "counts/phone.html")]
struct PhonePage {
    nav: Nav,
    s: CountSession,
    /// The asset the code names.
    line: Option<super::Line>,
    step: Step,
    code: String,
    errors: Vec<String>,
    /// What was just recorded.
    saved: Option<String>,
    mine: Vec<super::Entry>,
    /// How many of the counter's assets nobody has counted yet.
    left: usize,
}

impl PhonePage {
    fn conditions(&self) -> &'static [(&'static str, &'static str)] {
        CONDITIONS
    }

    fn condition_name(&self, code: &Option<String>) -> String {
        super::sheets::condition_name(code)
    }
}

/// The phone page after a scan: `scanned` found for `code`, `saved` what was recorded just before.
async fn phone_page(
    st: &AppState,
    me: &Identity,
    id: i32,
    code: String,
    scanned: Option<super::Scanned>,
    errors: Vec<String>,
    saved: Option<String>,
) -> AppResult<String> {
    let (username, scope) = (me.user.username.clone(), me.scope.clone());
    let (s, mine, left) = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            let mine: Vec<super::Entry> =
                super::entries_of(c, id)?.into_iter().rev().filter(|e| e.counter == username).take(15).collect();
            let left = super::left_count(c, &scope, &s)?;
            Ok((s, mine, left))
        })
        .await?;
    let (line, step) = match scanned {
        None => (None, Step::Ready),
        Some(super::Scanned::Unknown) => (None, Step::Unknown),
        Some(super::Scanned::OtherUnit(l)) => (Some(l), Step::OtherUnit),
        Some(super::Scanned::Single(l) | super::Scanned::AskQuantity(l)) => (Some(l), Step::Ask),
        Some(super::Scanned::Counted { line, tally, last }) => {
            let at = fmt::time(last.created_at);
            (
                Some(line),
                Step::Counted { quantity: tally.quantity, by: last.counter, at, conflict: !tally.conflict.is_empty() },
            )
        }
    };
    render(&PhonePage { nav: Nav::of(me), s, line, step, code, errors, saved, mine, left })
}

/// What a code is in the count, for the person scanning it.
async fn scan(st: &AppState, me: &Identity, id: i32, code: &str) -> AppResult<super::Scanned> {
    let (scope, code) = (me.scope.clone(), code.to_string());
    st.db
        .read(move |c| {
            let s = super::find(c, id)?;
            super::scan(c, &scope, &s, &code)
        })
        .await
}

/// The phone page: `?code=` shows what the code is and asks for its count without saving (a link
/// from the list of what is left); `?da_ghi=` says what was just recorded.
async fn phone(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let pairs = q.pairs();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_string());
    let code = get("code").unwrap_or_default();
    let scanned = if code.is_empty() {
        None
    } else {
        // Looked at, not scanned: a single item is asked for too.
        Some(match scan(&st, &me, id, &code).await? {
            super::Scanned::Single(l) => super::Scanned::AskQuantity(l),
            other => other,
        })
    };
    Ok(Html(phone_page(&st, &me, id, code, scanned, vec![], get("da_ghi")).await?))
}

/// Back to the phone page, ready for the next scan, saying what was recorded.
fn recorded(id: i32, notice: &str) -> Response {
    let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("da_ghi", notice).finish();
    Redirect::to(&format!("/kiem-ke/{id}/dem?{q}")).into_response()
}

/// A scan (the code alone) or a count (the code with its quantity). A single item not counted yet
/// is recorded as 1 at once and the page is ready for the next scan; anything else is said first.
/// `mode=add` adds the quantity to the figure standing, as when a second cupboard holds more.
async fn phone_save(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let code = form.get("code").unwrap_or("").trim().to_string();
    // A place's own label (its QR holds the address of what is left there) opens that place.
    let place_page = format!("/kiem-ke/{id}/con-lai?");
    if let Some(at) = code.find(&place_page) {
        return Ok(Redirect::to(&code[at..]).into_response());
    }
    let client_id = form.get("client_id").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    if let Some(cid) = client_id.clone() {
        // Sent again after its answer was lost: it is in already.
        if let Some(e) = st.db.read(move |c| super::field::arrived(c, id, &cid)).await? {
            let notice = format!("Đã ghi {}: {}", e.code, e.quantity);
            return Ok(recorded(id, &notice));
        }
    }
    let scanned = if code.is_empty() { None } else { Some(scan(&st, &me, id, &code).await?) };
    let mut obj = form.only(&["code", "quantity", "condition", "location", "note"]);
    let asked = obj.get("quantity").and_then(Value::as_str).is_some_and(|q| !q.trim().is_empty());
    let one_step = matches!(&scanned, Some(super::Scanned::Single(_))) && !asked;
    let line = match &scanned {
        Some(super::Scanned::OtherUnit(_)) => {
            let page = phone_page(&st, &me, id, code, scanned, vec![], None).await?;
            return Ok((StatusCode::FORBIDDEN, Html(page)).into_response());
        }
        Some(super::Scanned::Counted { line: l, .. } | super::Scanned::AskQuantity(l) | super::Scanned::Single(l)) => {
            Some(l.clone())
        }
        Some(super::Scanned::Unknown) | None => None,
    };
    if let (true, Some(client_id), Some(l)) = (one_step, client_id, &line) {
        // The page's script gave the scan an id: recorded once, even if the phone sends it again
        // from its queue after losing this answer.
        let entry = super::field::PhoneEntry {
            client_id,
            code: l.code.clone(),
            quantity: 1,
            mode: None,
            condition: None,
            location: None,
            note: None,
            counted_at: None,
        };
        let (actor, scope) = (me.user.actor(), me.scope.clone());
        return match st.db.write(move |c| super::field::record_once(c, &actor, &scope, id, &entry)).await {
            Ok(_) => {
                let notice = format!("Đã ghi {} — {} ({}): 1", l.code, l.name, l.unit_of_measure);
                Ok(recorded(id, &notice))
            }
            Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
                let page = phone_page(&st, &me, id, code, scanned, messages(&e), None).await?;
                Ok((e.status(), Html(page)).into_response())
            }
            Err(e) => Err(e.into()),
        };
    }
    if one_step {
        obj.insert("quantity".into(), json!("1"));
    } else if !asked {
        return Ok(Html(phone_page(&st, &me, id, code, scanned, vec![], None).await?).into_response());
    }
    let input = Input::from_json(Value::Object(obj))?;
    let saved = if form.get("mode") == Some("add") {
        super::api::add_entry(&st, &me, id, input).await
    } else {
        super::api::save_entry(&st, &me, id, input).await
    };
    match saved {
        Ok(e) => {
            let what = line.map(|l| format!(" — {} ({})", l.name, l.unit_of_measure)).unwrap_or_default();
            let notice = format!("Đã ghi {}{what}: {}", e.code, e.quantity);
            Ok(recorded(id, &notice))
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let status = if matches!(e, AppError::Invalid(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { e.status() };
            Ok((status, Html(phone_page(&st, &me, id, code, scanned, messages(&e), None).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "counts/left.html")]
struct LeftPage {
    nav: Nav,
    s: CountSession,
    /// The places in walking order, each with its assets not counted yet.
    places: Vec<(String, Vec<super::Line>)>,
    total: usize,
    /// The places this counter said finished, and when.
    done: Vec<(String, String)>,
    /// One place only (its own QR label opens it).
    only: Option<String>,
    notice: Option<String>,
}

impl LeftPage {
    fn done_at(&self, place: &str) -> Option<&str> {
        self.done.iter().find(|(p, _)| p == place).map(|(_, at)| at.as_str())
    }
}

/// Còn lại: what the counter's units still have to count, place by place (`?location=`: one place).
async fn left(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let only = q.text("location", "Nơi đặt", false, 300);
    let notice = q.text("thong_bao", "Thông báo", false, 500);
    q.finish()?;
    let (scope, me_name) = (me.scope.clone(), me.user.username.clone());
    let (s, lines, done) = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            let lines = super::left_to_count(c, &scope, &s)?;
            let done = super::field::places_done(c, id)?
                .into_iter()
                .filter(|p| p.counter == me_name)
                .map(|p| (p.location, fmt::time(p.done_at)))
                .collect();
            Ok((s, lines, done))
        })
        .await?;
    let lines: Vec<super::Line> =
        lines.into_iter().filter(|l| only.as_ref().is_none_or(|o| l.location.as_ref() == Some(o))).collect();
    let total = lines.len();
    let mut places: Vec<(String, Vec<super::Line>)> = vec![];
    for l in lines {
        let place = l.location.clone().unwrap_or_else(|| "Chưa ghi nơi đặt".into());
        match places.last_mut() {
            Some((p, ls)) if *p == place => ls.push(l),
            _ => places.push((place, vec![l])),
        }
    }
    Ok(Html(render(&LeftPage { nav: Nav::of(&me), s, places, total, done, only, notice })?))
}

/// «Xong phòng này»: the counter has finished a place.
async fn place_done(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let location = form.get("location").unwrap_or("").to_string();
    let (actor, scope, place) = (me.user.actor(), me.scope.clone(), location.clone());
    let left = st.db.write(move |c| super::field::close_place(c, &actor, &scope, id, &place)).await?;
    let notice = if left == 0 {
        format!("Đã xong {location}: đã đếm hết")
    } else {
        format!("Đã xong {location}: {left} tài sản chưa đếm sẽ là thiếu khi đối chiếu")
    };
    let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("thong_bao", &notice).finish();
    Ok(Redirect::to(&format!("/kiem-ke/{id}/con-lai?{q}")).into_response())
}

/// One printable label: the QR of the asset's code (or of a place's page), the code, the name and
/// where it belongs.
pub struct Label {
    pub qr_svg: String,
    pub code: String,
    pub name: String,
    pub place: String,
}

/// The QR code of `code` as SVG (a scanner types the code into the phone page).
pub fn qr_svg(code: &str) -> AppResult<String> {
    let qr = qrcode::QrCode::new(code.as_bytes())
        .map_err(|e| AppError::BadRequest(format!("Không tạo được mã QR cho «{code}»: {e}")))?;
    Ok(qr.render::<qrcode::render::svg::Color>().min_dimensions(110, 110).quiet_zone(true).build())
}

/// Giấy nhãn A4 thường bán: columns × rows and the size of a label; the print layout is the CSS class
/// of the same name (`app.css`).
pub const GRIDS: &[(&str, &str)] = &[
    ("3x8", "A4, 3 × 8 = 24 nhãn 70 × 37 mm"),
    ("3x7", "A4, 3 × 7 = 21 nhãn 63,5 × 38,1 mm"),
    ("2x7", "A4, 2 × 7 = 14 nhãn 99,1 × 38,1 mm"),
    ("4x10", "A4, 4 × 10 = 40 nhãn 48,5 × 25,4 mm"),
];

/// At most this many labels a page (beyond, narrow the filter).
const MAX_LABELS: usize = 2000;

#[derive(Template)]
#[template(path = "counts/labels.html")]
struct LabelsPage {
    nav: Nav,
    title: String,
    labels: Vec<Label>,
    grid: String,
    /// The address of this page without its grid, to switch sheets.
    address: String,
    /// Labels left out beyond `MAX_LABELS`.
    left_out: usize,
}

impl LabelsPage {
    fn grids(&self) -> &'static [(&'static str, &'static str)] {
        GRIDS
    }
}

/// The label sheet asked for (`?grid=`), 3 × 8 by default.
fn grid_of(q: &mut Input) -> String {
    q.choice("grid", "Khổ giấy nhãn", GRIDS, false).unwrap_or_else(|| "3x8".into())
}

/// The address a place's own QR label opens: that place's list of what is left, absolute when the
/// request says where the service is (a phone's camera app opens it), else from the site's root
/// (the count page's scanner opens it).
fn place_address(headers: &axum::http::HeaderMap, count: i32, place: &str) -> String {
    let path = format!(
        "/kiem-ke/{count}/con-lai?{}",
        url::form_urlencoded::Serializer::new(String::new()).append_pair("location", place).finish()
    );
    match headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => {
            let scheme = if crate::config::secure_cookies() { "https" } else { "http" };
            format!("{scheme}://{host}{path}")
        }
        None => path,
    }
}

/// Labels for a count's assets: `?unit_id=` or `?location=` (then the place's own label first), or
/// all of them; `?grid=` the label sheet.
async fn labels(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "đợt kiểm kê")?;
    let key = super::api::sheet_key(&mut q);
    let grid = grid_of(&mut q);
    let address: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(q.pairs().into_iter().filter(|(k, _)| k != "grid"))
        .finish();
    q.finish()?;
    let scope = me.scope.clone();
    let place = match &key {
        super::sheets::SheetKey::Location(p) => Some(p.clone()),
        _ => None,
    };
    let (s, (lines, words)) = st
        .db
        .read(move |c| {
            let s = super::find(c, id)?;
            let l = super::sheets::lines_for(c, &s, &key)?;
            Ok((s, l))
        })
        .await?;
    let mut labels = vec![];
    if let Some(p) = place {
        let to = place_address(&headers, id, &p);
        labels.push(Label {
            qr_svg: qr_svg(&to)?,
            code: p.clone(),
            name: "Nhãn của nơi đặt: quét để mở danh sách còn lại".into(),
            place: s.code.clone(),
        });
    }
    let visible: Vec<super::Line> =
        lines.into_iter().filter(|l| l.unit_id.is_none_or(|u| scope.check_read(u).is_ok())).collect();
    let left_out = visible.len().saturating_sub(MAX_LABELS);
    for l in visible.into_iter().take(MAX_LABELS) {
        let place = match &l.location {
            Some(p) => format!("{} — {p}", l.unit_name),
            None => l.unit_name.clone(),
        };
        labels.push(Label { qr_svg: qr_svg(&l.code)?, code: l.code, name: l.name, place });
    }
    let title = format!("Nhãn tài sản — {} — {words}", s.code);
    let address = format!("/kiem-ke/{id}/nhan?{address}");
    Ok(Html(render(&LabelsPage { nav: Nav::of(&me), title, labels, grid, address, left_out })?))
}

/// Labels for the register as filtered (`/tai-san/nhan?…` with the register's own filters).
pub async fn register_labels(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let grid = grid_of(&mut q);
    let mut filter = crate::assets::AssetFilter::read(&mut q, &me.scope);
    let address: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(q.pairs().into_iter().filter(|(k, _)| !["grid", "page", "per_page"].contains(&k.as_str())))
        .finish();
    q.finish()?;
    (filter.page, filter.per_page) = (1, MAX_LABELS as i64);
    let page = st.db.read(move |c| crate::assets::list(c, &filter)).await?;
    let left_out = (page.total as usize).saturating_sub(page.items.len());
    let mut labels = vec![];
    for v in &page.items {
        let a = &v.asset;
        let place = match &a.location {
            Some(p) => format!("{} — {p}", v.unit_name),
            None => v.unit_name.clone(),
        };
        labels.push(Label { qr_svg: qr_svg(&a.code)?, code: a.code.clone(), name: a.name.clone(), place });
    }
    let title = format!("Nhãn tài sản — {} tài sản của sổ đã lọc", page.total);
    let address = format!("/tai-san/nhan?{address}");
    Ok(Html(render(&LabelsPage { nav: Nav::of(&me), title, labels, grid, address, left_out })?))
}

async fn asset_label(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "tài sản")?;
    let scope = me.scope.clone();
    let view = st
        .db
        .read(move |c| crate::assets::find_visible(c, id, &scope).and_then(|a| crate::assets::view_of(c, a)))
        .await?;
    let a = &view.asset;
    let place = match &a.location {
        Some(p) => format!("{} — {p}", view.unit_name),
        None => view.unit_name.clone(),
    };
    let labels = vec![Label { qr_svg: qr_svg(&a.code)?, code: a.code.clone(), name: a.name.clone(), place }];
    let title = format!("Nhãn tài sản {}", a.code);
    let address = format!("/tai-san/{id}/nhan?");
    Ok(Html(render(&LabelsPage { nav: Nav::of(&me), title, labels, grid: "3x8".into(), address, left_out: 0 })?))
}
