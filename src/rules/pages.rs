//! The reference-data page (danh mục): units, classes, categories, wear-rate tables and settings,
//! each with its legal source and period in force.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use diesel::prelude::*;

use super::{AssetCategory, OrgUnit, Rules};
use crate::auth::web::Auth;
use crate::auth::Permission;
use crate::db::schema::org_units;
use crate::web::error::PageResult;
use crate::web::{fmt, render, AppState, Nav, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![Route::get("/danh-muc", Permission::ReadRegister, page).reach(Reach::Unscoped)]
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
}

impl ReferencePage {
    fn category(&self, id: impl std::borrow::Borrow<i32>) -> Option<&AssetCategory> {
        self.rules.category(*id.borrow())
    }

    fn class_name(&self, id: impl std::borrow::Borrow<i32>) -> String {
        self.rules.class(*id.borrow()).map(|c| c.name.clone()).unwrap_or_default()
    }
}

async fn page(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let nav = Nav::of(&me);
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
            Ok(ReferencePage {
                nav,
                units: org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(c)?,
                rules: Rules::load(c)?,
                unconfirmed,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}
