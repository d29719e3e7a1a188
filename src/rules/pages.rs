//! The reference-data page (danh mục): units, classes, categories, wear-rate tables and settings,
//! each with its legal source and period in force.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};

use diesel::prelude::*;

use super::{AssetCategory, OrgUnit, Rules};
use crate::auth::web::Auth;
use crate::auth::Identity;
use crate::auth::Permission;
use crate::db::schema::org_units;
use crate::error::AppResult;
use crate::web::error::{PageResult, Posted};
use crate::web::{fmt, parse_id, render, AppState, FormInput, Nav, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/danh-muc", Permission::ReadRegister, page).reach(Reach::Unscoped),
        Route::post("/danh-muc/nhom/{id}", Permission::EditReference, choose_national_code).reach(Reach::Unscoped),
    ]
}

#[derive(Template)]
#[template(path = "reference.html")]
struct ReferencePage {
    nav: Nav,
    units: Vec<OrgUnit>,
    rules: Rules,
    /// What is not yet confirmed against the texts — handling forms and form layouts: (what,
    /// printed basis, note). Administrators only; it is never printed.
    unconfirmed: Vec<(String, String, String)>,
    /// Categories whose national code an administrator has still to choose, each with the nodes of
    /// its class that carry a rate (what may be chosen).
    pending: Vec<(AssetCategory, Vec<(String, String)>)>,
    posted: Posted,
    notice: Option<String>,
}

impl ReferencePage {
    fn category(&self, id: impl std::borrow::Borrow<i32>) -> Option<&AssetCategory> {
        self.rules.category(*id.borrow())
    }

    fn unit_code(&self, id: impl std::borrow::Borrow<i32>) -> String {
        self.units.iter().find(|u| u.id == *id.borrow()).map(|u| u.code.clone()).unwrap_or_default()
    }

    fn autonomy_name(&self, code: &str) -> &'static str {
        super::AUTONOMY.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or("")
    }

    /// A rate of a category that now takes its national code's: kept, not applied.
    fn dormant(&self, id: impl std::borrow::Borrow<i32>) -> bool {
        self.category(id).is_some_and(|k| k.national_code.is_some() && !k.is_national())
    }

    fn class_name(&self, id: impl std::borrow::Borrow<i32>) -> String {
        self.rules.class(*id.borrow()).map(|c| c.name.clone()).unwrap_or_default()
    }
}

async fn page(State(st): State<AppState>, Auth(me): Auth, QueryInput(q): QueryInput) -> PageResult<Html<String>> {
    let notice = q.pairs().into_iter().find(|(k, _)| k == "thong_bao").map(|(_, v)| v);
    Ok(Html(page_html(&st, &me, Posted::default(), notice).await?))
}

async fn page_html(st: &AppState, me: &Identity, posted: Posted, notice: Option<String>) -> AppResult<String> {
    let nav = Nav::of(me);
    let admin = me.user.role() == crate::auth::Role::Admin;
    let page = st
        .db
        .read(move |c| {
            let mut unconfirmed = vec![];
            if admin {
                for f in crate::disposals::forms_on(c, crate::text::today())? {
                    if let Some(note) = f.unconfirmed {
                        unconfirmed.push((format!("Hình thức xử lý «{}»", f.name), f.legal_source, note));
                    }
                }
                for (name, basis, note) in crate::reports::unconfirmed()? {
                    unconfirmed.push((format!("Mẫu «{name}»"), basis, note));
                }
            }
            let rules = Rules::load(c)?;
            let today = crate::text::today();
            let mut pending = vec![];
            if admin {
                for k in rules.categories.iter().filter(|k| k.mapping_note.is_some()) {
                    let choices = rules
                        .categories
                        .iter()
                        .filter(|n| n.is_national() && n.class_id == k.class_id)
                        .filter(|n| n.wear_exempt || rules.rate(n.id, today).is_some())
                        .map(|n| {
                            let rate = rules.rate(n.id, today).map(|r| fmt::percent_bp(r.rate_bp)).unwrap_or_default();
                            (n.code.clone(), format!("{} — {} {rate}", n.code, n.name))
                        })
                        .collect();
                    pending.push((k.clone(), choices));
                }
            }
            Ok(ReferencePage {
                nav,
                units: org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(c)?,
                rules,
                unconfirmed,
                pending,
                posted,
                notice,
            })
        })
        .await?;
    render(&page)
}

/// An administrator chooses the national code of a category the mapping left open.
async fn choose_national_code(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "nhóm tài sản")?;
    let version = form.get("version").and_then(|v| v.parse().ok());
    let code = form.get("national_code").unwrap_or_default().to_string();
    let user = me.user.clone();
    let result = st
        .db
        .write(move |c| {
            super::api::choose_national_code(c, &user, id, version, &code).map(|k| {
                format!("Nhóm «{}» nhận mã loại tài sản quốc gia {}", k.code, k.national_code.unwrap_or_default())
            })
        })
        .await;
    let form_name = Posted::form_of("nhom", id);
    crate::web::error::after_form(result, "/danh-muc", (&form_name, form.to_map()), |p| page_html(&st, &me, p, None))
        .await
}
