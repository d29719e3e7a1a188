//! The reference-data page (danh mục): units, classes, categories, wear-rate tables and settings,
//! each with its legal source and period in force.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use diesel::prelude::*;

use super::{AssetCategory, OrgUnit, Rules};
use crate::db::schema::org_units;
use crate::web::error::PageResult;
use crate::web::{fmt, render, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/danh-muc", get(page))
}

#[derive(Template)]
#[template(path = "reference.html")]
struct ReferencePage {
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

async fn page(State(st): State<AppState>) -> PageResult<Html<String>> {
    let page = st
        .db
        .read(|c| {
            Ok(ReferencePage {
                units: org_units::table.order(org_units::id).select(OrgUnit::as_select()).load(c)?,
                rules: Rules::load(c)?,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}
