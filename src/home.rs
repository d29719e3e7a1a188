//! The home page: the register at a glance.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::NaiveDate;

use crate::assets::{self, AssetFilter, AssetPage};
use crate::auth::web::Auth;
use crate::auth::Permission;
use crate::web::error::PageResult;
use crate::web::{chart, fmt, render, AppState, Nav, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![Route::get("/", Permission::ReadRegister, home).reach(Reach::Filtered)]
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    total: i64,
    total_cost: i64,
    total_residual: i64,
    close: Option<NaiveDate>,
    by_class_svg: String,
    by_unit_svg: String,
    awaiting: AssetPage,
    /// Kê khai biến động: units with changes to declare within 30 days.
    declarations: Vec<crate::declarations::record::Waiting>,
}

async fn home(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let scope = me.scope.clone();
    let nav = Nav::of(&me);
    let page = st
        .db
        .read(move |c| {
            let by_class = assets::value_by_class(c, &scope)?;
            let by_unit = assets::value_by_unit(c, &scope)?;
            let awaiting = assets::list(
                c,
                &AssetFilter {
                    awaiting_handling: true,
                    scope_units: scope.read_units.clone(),
                    sort: "code".into(),
                    page: 1,
                    per_page: 20,
                    ..Default::default()
                },
            )?;
            Ok(HomePage {
                nav,
                total: by_class.iter().map(|r| r.1 .0).sum(),
                total_cost: by_class.iter().map(|r| r.1 .1).sum(),
                total_residual: by_class.iter().map(|r| r.1 .2).sum(),
                close: Some(assets::wear::last_close(crate::text::today())),
                by_class_svg: chart::cost_bars(&by_class),
                by_unit_svg: chart::cost_bars(&by_unit),
                awaiting,
                declarations: crate::declarations::record::waiting(c, &scope)?,
            })
        })
        .await?;
    Ok(Html(render(&page)?))
}
