//! The route table and the router: every area's routes, the static files and the API's own
//! document, each behind the one permission and scope check (`auth::web::require`). The only module
//! that knows every area, as the crates.io backend's router does; `web` is the machinery it uses.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::auth::Permission;
use crate::error::AppError;
use crate::web::{AppState, Route, BODY_LIMIT};

/// Every route of the service.
pub fn routes() -> Vec<Route> {
    let statics = vec![
        Route::get("/static/htmx.min.js", Permission::Public, || {
            static_file("text/javascript", include_str!("web/static/htmx.min.js"))
        }),
        Route::get("/static/app.js", Permission::Public, || {
            static_file("text/javascript", include_str!("web/static/app.js"))
        }),
        // The barcode decoder for browsers without BarcodeDetector (zxing.LICENSE beside it).
        Route::get("/static/zxing.min.js", Permission::Public, || {
            static_file("text/javascript", include_str!("web/static/zxing.min.js"))
        }),
        // The count's service worker: at /kiem-ke/ so that its scope is the count pages.
        Route::get("/kiem-ke/sw.js", Permission::Public, || {
            static_file("text/javascript", include_str!("web/static/sw.js"))
        }),
        Route::get("/static/app.css", Permission::Public, || {
            static_file("text/css", include_str!("web/static/app.css"))
        }),
        Route::get("/api/v1/openapi.json", Permission::Public, crate::openapi::document),
    ];
    [
        statics,
        crate::home::routes(),
        crate::auth::pages::routes(),
        crate::assets::api::routes(),
        crate::assets::pages::routes(),
        crate::assets::import_web::routes(),
        crate::tasks::api::routes(),
        crate::disposals::api::routes(),
        crate::disposals::pages::routes(),
        crate::inventory::api::routes(),
        crate::inventory::pages::routes(),
        crate::inspections::api::routes(),
        crate::inspections::pages::routes(),
        crate::tasks::pages::routes(),
        crate::declarations::api::routes(),
        crate::declarations::pages::routes(),
        crate::rules::api::routes(),
        crate::rules::pages::routes(),
        crate::audit::pages::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for r in routes() {
        let check =
            axum::middleware::from_fn_with_state((state.clone(), r.permission, r.reach), crate::auth::web::require);
        router = router.route(r.path, r.handler.route_layer(check));
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::web::identify))
        .layer(axum::middleware::from_fn(crate::web::error::api_errors_as_json))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        body,
    )
        .into_response()
}

async fn not_found(req: Request) -> Response {
    let err = AppError::NotFound(format!("trang {}", req.uri().path()));
    if req.uri().path().starts_with("/api/") {
        err.into_response()
    } else {
        crate::web::error::PageError::from(err).into_response()
    }
}
