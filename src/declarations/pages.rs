//! The declaration pages: `/ke-khai` (the reports of a unit, and what its assets still lack) and an
//! asset's `/tai-san/{id}/ke-khai` (the information it declares, with the fields of its class).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{json, Value};

use super::catalogue::{catalogue, Measure};
use super::forms::{Form, MoneyUnit};
use super::info::{self, DeclarationInfo};
use crate::assets::Asset;
use crate::auth::web::Auth;
use crate::auth::Permission::{EditAssets, ReadRegister};
use crate::error::{AppError, FieldErrors};
use crate::input::Input;
use crate::progress::Progress;
use crate::web::error::PageResult;
use crate::web::{
    fill_fields, fmt, form_values, parse_id, render, AppState, FieldKind, FormField, FormInput, Nav, QueryInput, Reach,
    Route,
};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/ke-khai", ReadRegister, index).reach(Reach::Filtered),
        Route::get("/ke-khai/thay-doi.json", ReadRegister, super::api::change_file).reach(Reach::Filtered),
        Route::post("/ke-khai/ghi-nhan", EditAssets, record).reach(Reach::Filtered),
        Route::get("/ke-khai/TaiSan.xlsx", ReadRegister, super::api::export_taisan).reach(Reach::Filtered),
        Route::get("/ke-khai/TaiSanDatNha-TaiSanKhac.xlsx", ReadRegister, super::api::export_sheets)
            .reach(Reach::Filtered),
        Route::post("/ke-khai/nhap", EditAssets, import_layout)
            .reach(Reach::Filtered)
            .with_body_limit(crate::import::upload::BODY_LIMIT),
        Route::post("/ke-khai/nhap/{upload}", EditAssets, import_layout_again).reach(Reach::Filtered),
        Route::get("/ke-khai/{form}", ReadRegister, super::api::form).reach(Reach::Filtered),
        Route::get("/tai-san/{id}/danh-gia-lai", EditAssets, revaluation_form).reach(crate::assets::REACH),
        Route::post("/tai-san/{id}/danh-gia-lai", EditAssets, revalue).reach(crate::assets::REACH),
        Route::get("/tai-san/{id}/ke-khai", ReadRegister, info_page).reach(crate::assets::REACH),
        Route::post("/tai-san/{id}/ke-khai", EditAssets, save).reach(crate::assets::REACH),
    ]
}

// ---- The reports of a unit -----------------------------------------------------------------------

/// An asset whose declaration still lacks something the forms print.
struct Missing {
    id: i32,
    code: String,
    name: String,
    what: String,
}

#[derive(Template)]
#[template(path = "declarations/index.html")]
struct IndexPage {
    nav: Nav,
    units: Vec<(String, String)>,
    unit_id: String,
    as_of: String,
    money: String,
    moneys: &'static [(&'static str, &'static str)],
    forms: Vec<(&'static str, &'static str, usize)>,
    missing: Vec<Missing>,
    /// Recorded declarations, newest first, each with whether its snapshots still give its digest.
    recorded: Vec<(super::record::Declaration, bool)>,
    changes: Vec<ChangeLine>,
    /// 06a: the unit's own fields that changed since it declared them.
    unit_changes: Vec<String>,
    /// Recording needs the right to edit every unit it declares for.
    can_record: bool,
}

/// A pending change as the page lists it.
struct ChangeLine {
    kind: &'static str,
    asset_id: i32,
    code: String,
    name: String,
    date: String,
    due: String,
    overdue: bool,
    reason: String,
    fields: Vec<String>,
}

/// What the forms need of an asset of its class that its information does not hold yet.
fn lacks(h: &super::forms::Held) -> Vec<&'static str> {
    let i = &h.info;
    let mut out = vec![];
    match h.class_code.as_str() {
        "DAT" => {
            if i.address.is_none() {
                out.push("địa chỉ");
            }
            if h.asset.area_m2.is_none() {
                out.push("diện tích");
            }
            if i.documents().is_empty() {
                out.push("giấy tờ về đất");
            }
        }
        "NHA" => {
            if i.lot_asset_id.is_none() {
                out.push("khu đất");
            }
            if i.floors.is_none() || i.built_area.is_none() {
                out.push("số tầng, diện tích xây dựng");
            }
        }
        crate::assets::CAR_CLASS => {
            if i.plate.is_none() {
                out.push("biển kiểm soát");
            }
            if i.chassis_no.is_none() || i.engine_no.is_none() {
                out.push("số khung, số máy");
            }
        }
        _ => {}
    }
    if i.usage().is_empty() {
        out.push("hiện trạng sử dụng");
    }
    out
}

async fn index(State(st): State<AppState>, Auth(me): Auth, QueryInput(mut q): QueryInput) -> PageResult<Html<String>> {
    let nav = Nav::of(&me);
    let money = q.choice("money", "Đơn vị tiền", MoneyUnit::CHOICES, false).unwrap_or_else(|| "nghin".into());
    let page = st
        .db
        .read(move |c| {
            let req = super::api::read_request(c, &me, &mut q)?;
            q.finish()?;
            use crate::db::schema::org_units;
            use diesel::prelude::*;
            let all: Vec<crate::rules::OrgUnit> =
                org_units::table.order(org_units::id).select(crate::rules::OrgUnit::as_select()).load(c)?;
            // The units that declare on their own, of those the person may read whole.
            let units = all
                .iter()
                .filter(|u| crate::rules::issuer_of(&all, u.id).is_some_and(|i| i.id == u.id))
                .filter(|u| me.scope.reaches(&crate::rules::acting_for(&all, u.id), false))
                .map(|u| (u.id.to_string(), u.name.clone()))
                .collect();
            let (issuer, _) = super::forms::declaring_unit(c, req.unit_id)?;
            // Read once: the forms' counts, what is missing and the pending changes all come from it.
            let now = super::record::current(c, issuer.id, req.as_of, &Progress::default())?;
            let mut held: Vec<&super::forms::Held> = now.values().map(|(h, _)| h).collect();
            held.sort_by(|a, b| (a.class_order, &a.asset.code).cmp(&(b.class_order, &b.asset.code)));
            let forms = Form::ALL
                .iter()
                .map(|f| {
                    let n = held.iter().filter(|h| f.takes(&h.class_code)).count();
                    (f.code(), f.label(), n)
                })
                .collect();
            let missing = held
                .iter()
                .filter_map(|h| {
                    let what = lacks(h);
                    (!what.is_empty()).then(|| Missing {
                        id: h.asset.id,
                        code: h.asset.code.clone(),
                        name: h.asset.name.clone(),
                        what: what.join(", "),
                    })
                })
                .collect();
            let mut recorded = vec![];
            for d in super::record::list(c, issuer.id)? {
                let intact = super::record::intact(c, &d)?;
                recorded.push((d, intact));
            }
            let today = crate::text::today();
            let money_unit = MoneyUnit::from_code(&money);
            let pending = super::record::pending_from(c, issuer.id, req.as_of, &now)?;
            let unit_changes = pending
                .unit_changes
                .iter()
                .map(|f| format!("{}: {} → {}", f.label, f.old.as_str().unwrap_or("—"), f.new.as_str().unwrap_or("—")))
                .collect();
            let changes = pending
                .changes
                .into_iter()
                .map(|ch| ChangeLine {
                    kind: ch.kind.label(),
                    asset_id: ch.asset_id,
                    code: ch.code.clone(),
                    name: ch.name.clone(),
                    date: crate::text::format_date(ch.date),
                    due: crate::text::format_date(ch.due),
                    overdue: ch.due < today,
                    reason: match (&ch.reason_code, &ch.reason_name) {
                        (Some(code), Some(name)) => format!("{code} — {name}"),
                        _ => "chưa có lý do".into(),
                    },
                    fields: ch
                        .fields
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {} → {}",
                                f.label,
                                super::forms::value_text(&f.field, &f.old, money_unit),
                                super::forms::value_text(&f.field, &f.new, money_unit)
                            )
                        })
                        .collect(),
                })
                .collect();
            let members = crate::rules::acting_for(&all, issuer.id);
            Ok(IndexPage {
                can_record: nav.can_edit_assets && me.scope.for_change().reaches(&members, false),
                nav,
                units,
                unit_id: issuer.id.to_string(),
                as_of: crate::text::format_date(req.as_of),
                money,
                moneys: MoneyUnit::CHOICES,
                forms,
                missing,
                recorded,
                changes,
                unit_changes,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}

/// Records the declaration shown: back to the page, which then lists no change.
async fn record(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let input = Input::from_form(form.0.clone());
    let unit = form.get("unit_id").unwrap_or("").to_string();
    st.db.write(move |c| super::api::record_from(c, &me, input)).await?;
    Ok(Redirect::to(&format!(
        "/ke-khai?unit_id={}",
        url::form_urlencoded::byte_serialize(unit.as_bytes()).collect::<String>()
    ))
    .into_response())
}

// ---- An asset's information ------------------------------------------------------------------------

/// One use of the asset's class, with what is entered for it.
struct UsageField {
    code: String,
    label: String,
    value: String,
    checked: bool,
}

/// One kind of land paper, with its number and date.
struct DocumentField {
    kind: String,
    label: String,
    number: String,
    date: String,
}

#[derive(Template)]
#[template(path = "declarations/info.html")]
struct InfoPage {
    nav: Nav,
    asset: Asset,
    class_code: String,
    version: i32,
    notice: Option<String>,
    errors: FieldErrors,
    fields: Vec<FormField>,
    area_usage: bool,
    usage: Vec<UsageField>,
    documents: Vec<DocumentField>,
    class_fields: Vec<FormField>,
    can_edit: bool,
    revaluations: Vec<super::revaluation::Revaluation>,
}

const MONEY: &[&str] = &["fund_hdsn", "fund_oda", "fund_loan"];

/// The fields of every class, then those of the asset's own.
fn fields_of(class_code: &str, lots: Vec<(String, String)>) -> (Vec<FormField>, Vec<FormField>) {
    let c = catalogue();
    let common = vec![
        FormField::new("national_code", "Mã tài sản trên CSDL quốc gia", FieldKind::Text)
            .hint("Khi CSDL quốc gia đã cấp mã"),
        FormField::new("reason_code", "Lý do tăng", FieldKind::Select)
            .options(c.reasons_in(&["increase"]))
            .hint("Để trống: theo cách hình thành của tài sản"),
        FormField::new("fund_hdsn", "Trong nguồn khác: quỹ phát triển HĐSN (đồng)", FieldKind::Number),
        FormField::new("fund_oda", "Trong nguồn khác: viện trợ, ODA (đồng)", FieldKind::Number),
        FormField::new("fund_loan", "Trong nguồn khác: vốn vay (đồng)", FieldKind::Number),
    ];
    let own = match class_code {
        "DAT" => vec![
            FormField::new("address", "Địa chỉ khu đất", FieldKind::Text),
            FormField::new("province_code", "Mã tỉnh", FieldKind::Text),
            FormField::new("district_code", "Mã huyện", FieldKind::Text),
            FormField::new("commune_code", "Mã xã", FieldKind::Text),
        ],
        "NHA" => vec![
            FormField::new("lot_asset_id", "Nằm trên khu đất", FieldKind::Select).options(lots),
            FormField::new("floors", "Số tầng", FieldKind::Number),
            FormField::new("built_area", "Diện tích xây dựng (m²)", FieldKind::Number),
            FormField::new("floor_area", "Tổng diện tích sàn (m²)", FieldKind::Number)
                .hint("Để trống: lấy diện tích của tài sản"),
            FormField::new("address", "Địa chỉ (khi khác địa chỉ khu đất)", FieldKind::Text),
        ],
        "VKT" => vec![FormField::new("lot_asset_id", "Nằm trên khu đất", FieldKind::Select).options(lots)],
        crate::assets::CAR_CLASS => vec![
            FormField::new("plate", "Biển kiểm soát", FieldKind::Text),
            FormField::new("brand", "Nhãn hiệu", FieldKind::Text),
            FormField::new("seats", "Số chỗ ngồi", FieldKind::Number),
            FormField::new("load_tonnes", "Tải trọng (tấn)", FieldKind::Number),
            FormField::new("engine_power", "Công suất", FieldKind::Text),
            FormField::new("chassis_no", "Số khung", FieldKind::Text),
            FormField::new("engine_no", "Số máy", FieldKind::Text),
            FormField::new("user_title", "Chức danh sử dụng xe", FieldKind::Text)
                .hint("Xe phục vụ công tác chung, xe chuyên dùng, hoặc chức danh được dùng xe"),
        ],
        _ => vec![],
    };
    (common, own)
}

/// The page for `asset`: stored values, or what was sent and refused.
fn info_page_of(
    conn: &mut crate::db::DbConn,
    nav: Nav,
    asset: Asset,
    stored: &DeclarationInfo,
    sent: Option<&[(String, String)]>,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<InfoPage, AppError> {
    use crate::db::schema::{asset_classes, assets};
    use diesel::prelude::*;
    let c = catalogue();
    let class_code = info::class_code_of(conn, &asset)?;
    let lots: Vec<(i32, String, String)> = assets::table
        .inner_join(asset_classes::table)
        .filter(asset_classes::code.eq("DAT"))
        .filter(assets::unit_id.eq(asset.unit_id))
        .select((assets::id, assets::code, assets::name))
        .load(conn)?;
    let lots = lots.into_iter().map(|(id, code, name)| (id.to_string(), format!("{code} — {name}"))).collect();
    let (mut fields, mut class_fields) = fields_of(&class_code, lots);
    let view = info::view(stored, &asset, &class_code);
    let values: BTreeMap<String, String> = match sent {
        Some(pairs) => pairs.iter().cloned().collect(),
        None => form_values(&view, MONEY),
    };
    fill_fields(&mut fields, &values, &errors);
    fill_fields(&mut class_fields, &values, &errors);
    let used = stored.usage();
    let usage = c
        .usage_states_for(&class_code)
        .into_iter()
        .map(|s| {
            let key = format!("usage.{}", s.code);
            let stored_value = used.iter().find(|u| u.state == s.code).map(|u| u.value);
            let value = match sent {
                Some(_) => values.get(&key).cloned().unwrap_or_default(),
                // As a person types it back: no thousands dots, a decimal comma.
                None => stored_value.map(|v| v.to_string().replace('.', ",")).unwrap_or_default(),
            };
            let checked = match sent {
                Some(_) => values.contains_key(&key),
                None => stored_value.is_some(),
            };
            UsageField { code: s.code.clone(), label: s.label.clone(), value, checked }
        })
        .collect();
    let papers = stored.documents();
    let documents = if class_code == "DAT" {
        c.documents
            .iter()
            .map(|d| {
                let (num_key, date_key) = (format!("doc.{}.number", d.code), format!("doc.{}.date", d.code));
                let paper = papers.iter().find(|p| p.kind == d.code);
                let (number, date) = match sent {
                    Some(_) => (
                        values.get(&num_key).cloned().unwrap_or_default(),
                        values.get(&date_key).cloned().unwrap_or_default(),
                    ),
                    None => (
                        paper.map(|p| p.number.clone()).unwrap_or_default(),
                        paper.and_then(|p| p.date).map(crate::text::format_date).unwrap_or_default(),
                    ),
                };
                DocumentField { kind: d.code.clone(), label: d.label.clone(), number, date }
            })
            .collect()
    } else {
        vec![]
    };
    let can_edit = nav.can_edit_assets && asset.status != crate::assets::WRITTEN_DOWN;
    let revaluations = super::revaluation::of_asset(conn, asset.id)?;
    Ok(InfoPage {
        revaluations,
        nav,
        class_code: class_code.clone(),
        version: stored.version,
        notice,
        errors,
        fields,
        area_usage: c.measure_of(&class_code) == Measure::Area,
        usage,
        documents,
        class_fields,
        can_edit,
        asset,
    })
}

async fn info_page(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "tài sản")?;
    let nav = Nav::of(&me);
    let page = st
        .db
        .read(move |c| {
            let asset = crate::assets::find_visible(c, id, &me.scope)?;
            let stored = info::of(c, id)?;
            info_page_of(c, nav, asset, &stored, None, FieldErrors::new(), None)
        })
        .await?;
    Ok(Html(render(&page)?))
}

/// The form's fields as the JSON object `info::save` reads: `usage.X` and `doc.K.number` / `.date`
/// become the lists of uses and papers.
fn as_record(pairs: &[(String, String)]) -> Value {
    let mut out = serde_json::Map::new();
    let mut usage = vec![];
    let mut docs: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(state) = k.strip_prefix("usage.") {
            // A ticked use sends «1»; an area left blank is no use.
            if !v.trim().is_empty() {
                usage.push(json!({"state": state, "value": v}));
            }
        } else if let Some(rest) = k.strip_prefix("doc.") {
            if let Some((kind, part)) = rest.rsplit_once('.') {
                let e = docs.entry(kind.to_string()).or_default();
                if part == "number" {
                    e.0 = v.clone();
                } else {
                    e.1 = v.clone();
                }
            }
        } else if k != "version" {
            out.insert(k.clone(), Value::String(v.clone()));
        }
    }
    out.insert("usage".into(), Value::Array(usage));
    let documents: Vec<Value> = docs
        .into_iter()
        .filter(|(_, (n, d))| !n.trim().is_empty() || !d.trim().is_empty())
        .map(|(kind, (number, date))| json!({"kind": kind, "number": number, "date": date}))
        .collect();
    out.insert("documents".into(), Value::Array(documents));
    Value::Object(out)
}

async fn save(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "tài sản")?;
    let input = Input::from_json(as_record(&form.0))?;
    let version = Input::from_form(form.0.clone()).int("version", "Phiên bản", 0, i32::MAX as i64);
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| info::save(c, &actor, &scope, id, input, version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/tai-san/{id}/ke-khai")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, errors, notice) = match e {
                AppError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
                AppError::Conflict { message, .. } => (
                    StatusCode::CONFLICT,
                    FieldErrors::new(),
                    Some(format!("{message}. Trang dưới đây giữ những gì bạn đã nhập; xem bản hiện tại rồi lưu lại.")),
                ),
                _ => unreachable!("matched above"),
            };
            let nav = Nav::of(&me);
            let pairs = form.0.clone();
            let page = st
                .db
                .read(move |c| {
                    let asset = crate::assets::find_visible(c, id, &me.scope)?;
                    let stored = info::of(c, id)?;
                    info_page_of(c, nav, asset, &stored, Some(&pairs), errors, notice)
                })
                .await?;
            Ok((status, Html(render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- Revaluation -------------------------------------------------------------------------------------

fn revaluation_fields() -> Vec<FormField> {
    let reasons = catalogue().reasons_in(&["value_increase", "value_decrease"]);
    vec![
        FormField::new("decided_on", "Ngày quyết định", FieldKind::Date).required(),
        FormField::new("doc_no", "Số quyết định", FieldKind::Text).required(),
        FormField::new("reason_code", "Lý do", FieldKind::Select).options(reasons).required(),
        FormField::new("new_cost", "Nguyên giá mới (đồng)", FieldKind::Number).required(),
        FormField::new("new_residual", "Giá trị còn lại mới (đồng)", FieldKind::Number).required(),
        FormField::new(
            "basis",
            "Căn cứ (biên bản định giá, kết quả kiểm kê, nghiệm thu nâng cấp)",
            FieldKind::TextArea,
        )
        .required(),
        FormField::new("count_line_id", "Dòng kiểm kê (khi đánh giá lại tài sản phát hiện thừa)", FieldKind::Number),
    ]
}

fn revaluation_page(
    nav: Nav,
    asset: &Asset,
    errors: FieldErrors,
    values: BTreeMap<String, String>,
) -> Result<String, AppError> {
    let mut form = crate::web::RecordForm::new(
        nav,
        format!("Đánh giá lại {} — {}", asset.code, asset.name),
        format!("/tai-san/{}/danh-gia-lai", asset.id),
        format!("/tai-san/{}", asset.id),
    );
    form.notice = Some(format!(
        "Nguyên giá hiện tại {}; hao mòn từ năm sau tính trên nguyên giá mới, bắt đầu từ giá trị còn lại mới",
        crate::web::fmt::money(asset.original_cost)
    ));
    form.errors = errors;
    form.render_with(revaluation_fields(), &values)
}

async fn revaluation_form(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> PageResult<Html<String>> {
    let id = parse_id(&id, "tài sản")?;
    let line = q.id("count_line_id", "Dòng kiểm kê");
    q.finish()?;
    let scope = me.scope.clone();
    let asset = st
        .db
        .read(move |c| {
            let a = crate::assets::find(c, id)?;
            scope.check_edit(a.unit_id)?;
            Ok(a)
        })
        .await?;
    let mut values = BTreeMap::new();
    values.insert("decided_on".to_string(), crate::text::format_date(crate::text::today()));
    if let Some(l) = line {
        values.insert("count_line_id".into(), l.to_string());
        values.insert("reason_code".into(), "021".into());
    }
    Ok(Html(revaluation_page(Nav::of(&me), &asset, FieldErrors::new(), values)?))
}

async fn revalue(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "tài sản")?;
    let input = Input::from_form(form.0.clone());
    let (actor, scope) = (me.user.actor(), me.scope.clone());
    match st.db.write(move |c| super::revaluation::record(c, &actor, &scope, id, input)).await {
        Ok(_) => Ok(Redirect::to(&format!("/tai-san/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let asset = st.db.read(move |c| crate::assets::find(c, id)).await?;
            let html = revaluation_page(Nav::of(&me), &asset, errors, form.to_map())?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- The national software's layout in ---------------------------------------------------------------

async fn import_layout(
    State(st): State<AppState>,
    Auth(me): Auth,
    multipart: axum::extract::Multipart,
) -> PageResult<Response> {
    let (name, bytes, fields) =
        crate::import::upload::read_upload(multipart, crate::import::upload::UPLOAD_LIMIT).await?;
    let preview = fields.get("preview").is_some_and(|v| v == "true" || v == "on");
    let unit = match fields.get("unit_id").map(String::as_str) {
        None | Some("") => None,
        Some(v) => Some(parse_id(v, "đơn vị")?),
    };
    let upload = crate::import::upload::keep(&st.db, &me.user.username, &name, &bytes).await?;
    check_layout(&st, &me, upload, unit, (name, bytes), vec![], preview).await
}

/// The next step on the check page: check again with the corrections, or import; the file's unit
/// comes with the address.
async fn import_layout_again(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(upload): Path<String>,
    QueryInput(mut q): QueryInput,
    form: FormInput,
) -> PageResult<Response> {
    let upload = parse_id(&upload, "tệp tải lên")?;
    let unit = q.id("unit_id", "Đơn vị của tệp");
    q.finish()?;
    let (file, fixes, preview) = crate::import::check::next_step(&st, &me, upload, &form).await?;
    check_layout(&st, &me, upload, unit, file, fixes, preview).await
}

async fn check_layout(
    st: &AppState,
    me: &crate::auth::Identity,
    upload: i32,
    unit: Option<i32>,
    (name, bytes): (String, Vec<u8>),
    fixes: Vec<crate::import::fixes::Fix>,
    preview: bool,
) -> PageResult<Response> {
    let (db, actor, scope) = (st.db.clone(), me.user.actor(), me.scope.for_change());
    let check = crate::import::check::Check {
        kind: super::national::KIND,
        upload,
        action: match unit {
            Some(u) => format!("/ke-khai/nhap/{upload}?unit_id={u}"),
            None => format!("/ke-khai/nhap/{upload}"),
        },
        back: "/ke-khai".into(),
        preview,
    };
    crate::import::check::run(st, me, check, move || {
        super::national::execute(&db, &actor, &scope, unit, &name, &bytes, &fixes, preview)
    })
    .await
}
