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
    let page = st
        .db
        .read(|c| {
            Ok(ReferencePage {
                nav,
                units: org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(c)?,
                rules: Rules::load(c)?,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}
