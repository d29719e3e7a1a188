//! `/api/v1/assets`: the register for programs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::auth::web::Auth;
use crate::auth::Permission::{EditAssets, ReadRegister};
use crate::error::AppError;
use crate::progress::Progress;
use crate::reports::Rendered;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/assets", ReadRegister, list).reach(Reach::Filtered),
        Route::post("/api/v1/assets", EditAssets, create).reach(Reach::Filtered),
        Route::get("/api/v1/assets/{id}", ReadRegister, show).reach(crate::assets::REACH),
        Route::put("/api/v1/assets/{id}", EditAssets, update).reach(crate::assets::REACH),
        Route::delete("/api/v1/assets/{id}", EditAssets, delete).reach(crate::assets::REACH),
        Route::get("/api/v1/assets/{id}/wear", ReadRegister, wear).reach(crate::assets::REACH),
        Route::get("/api/v1/assets/{id}/history", ReadRegister, history).reach(crate::assets::REACH),
        Route::get("/api/v1/assets/{id}/card", ReadRegister, card).reach(crate::assets::REACH),
        Route::get("/api/v1/exports/register", ReadRegister, export).reach(Reach::Filtered),
        Route::get("/api/v1/exports/wear", ReadRegister, export_wear).reach(Reach::Filtered),
        Route::get("/api/v1/exports/fixed-asset-book", ReadRegister, export_book).reach(Reach::Filtered),
        Route::get("/api/v1/exports/changes", ReadRegister, export_changes).reach(Reach::Filtered),
    ]
}

async fn list(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut input): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let filter = super::AssetFilter::read(&mut input, &me.scope.clone());
    input.finish()?;
    Ok(Json(st.db.read(move |c| super::list(c, &filter)).await?))
}

async fn show(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let scope = me.scope.clone();
    Ok(Json(
        st.db
            .read(move |c| {
                super::find_visible(c, id, &scope)?;
                let mut view = serde_json::to_value(super::find_view(c, id)?)
                    .map_err(|e| AppError::Internal(format!("json: {e}")))?;
                // Its chain of evidence: the count lines, findings and handlings that name it.
                view["related"] =
                    serde_json::to_value(crate::evidence::related(c, crate::evidence::Record::Asset(id))?)
                        .map_err(|e| AppError::Internal(format!("json: {e}")))?;
                Ok(view)
            })
            .await?,
    ))
}

async fn create(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let view = st.db.write(move |c| super::create(c, &me.user.actor(), &me.scope.clone(), input)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    Ok(Json(st.db.write(move |c| super::update(c, &me.user.actor(), &me.scope.clone(), id, input, version)).await?))
}

async fn delete(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let version = q.int("version", "Phiên bản", 1, i32::MAX as i64);
    q.finish()?;
    st.db.write(move |c| super::delete(c, &me.user.actor(), &me.scope.clone(), id, version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accumulated wear and residual value as of any date (`as_of`, default today), year by year.
async fn wear(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let as_of = q.date("as_of", "Tính đến ngày").unwrap_or_else(crate::text::today);
    q.finish()?;
    let scope = me.scope.clone();
    let schedule = st
        .db
        .read(move |c| {
            let asset = super::find_visible(c, id, &scope)?;
            let rules = crate::rules::Rules::load(c)?;
            asset.wear_schedule(&rules, as_of)
        })
        .await?;
    Ok(Json(schedule))
}

/// Thẻ tài sản cố định of one asset as a workbook (`as_of`: the card's date, default today).
pub async fn card(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<axum::response::Response, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let as_of = q.date("as_of", "Ngày lập thẻ").unwrap_or_else(crate::text::today);
    q.finish()?;
    let scope = me.scope.clone();
    let (code, bytes) = st
        .db
        .read(move |c| {
            super::find_visible(c, id, &scope)?;
            let view = super::find_view(c, id)?;
            Ok((view.asset.code.clone(), super::export::asset_card(c, &view, as_of)?.to_bytes()?))
        })
        .await?;
    Ok(crate::web::download(&format!("Thẻ tài sản cố định {code}.xlsx"), crate::web::XLSX, bytes))
}

async fn history(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let scope = me.scope.clone();
    let events = st
        .db
        .read(move |c| {
            super::find_visible(c, id, &scope)?;
            crate::audit::history(c, "asset", id)
        })
        .await?;
    Ok(Json(json!({ "items": events })))
}

/// The register as a workbook (`format=xlsx`, the default) or CSV (`format=csv`), with the same
/// filters as the list and limited to the caller's scope.
pub async fn export(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<axum::response::Response, AppError> {
    let format = q.choice(
        "format",
        "Định dạng",
        &[("xlsx", "Excel"), ("plain", "Excel, danh sách lọc được"), ("csv", "CSV")],
        false,
    );
    let csv = format.as_deref() == Some("csv");
    let plain = format.as_deref() == Some("plain");
    let filter = super::AssetFilter::read(&mut q, &me.scope.clone());
    q.finish()?;
    let today = crate::text::today();
    let file = st
        .db
        .read(move |c| {
            let none = Progress::default();
            if csv {
                let mut file = tempfile::tempfile().map_err(|e| AppError::Internal(format!("tệp tạm: {e}")))?;
                super::export::register_csv(c, &filter, today, &none, &mut file)?;
                std::io::Seek::rewind(&mut file).map_err(|e| AppError::Internal(format!("tệp tạm: {e}")))?;
                Ok(file)
            } else {
                let make = if plain { super::export::register_plain } else { super::export::register_workbook };
                make(c, &filter, today, &none)?.to_temp_file()
            }
        })
        .await?;
    let date = today.format("%d-%m-%Y");
    Ok(if csv {
        crate::web::download_file(&format!("Danh sách tài sản {date}.csv"), crate::web::CSV, file)
    } else {
        crate::web::download_file(&format!("Danh sách tài sản {date}.xlsx"), crate::web::XLSX, file)
    })
}

/// Bảng tính hao mòn TSCĐ (C55-HD) for `wear_year` (default: the latest year closed).
pub async fn export_wear(st: State<AppState>, auth: Auth, q: QueryInput) -> Result<axum::response::Response, AppError> {
    export_year(st, auth, q, "Bảng tính hao mòn TSCĐ", super::export::wear_workbook).await
}

/// Sổ tài sản cố định (S24-H) for `wear_year` (default: the latest year closed).
pub async fn export_book(st: State<AppState>, auth: Auth, q: QueryInput) -> Result<axum::response::Response, AppError> {
    export_year(st, auth, q, "Sổ tài sản cố định", super::export::fixed_asset_book).await
}

/// Báo cáo tăng, giảm tài sản between `from` and `to` (dd/mm/yyyy; default: this year to today), for
/// the assets the list's filters show.
pub async fn export_changes(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
) -> Result<axum::response::Response, AppError> {
    let (from, to) = crate::reports::read_period(&mut q);
    let mut filter = super::AssetFilter::read(&mut q, &me.scope.clone());
    q.finish()?;
    // The decreases of a period are the assets written down in it.
    filter.include_written_down = true;
    let file = st
        .db
        .read(move |c| super::export::changes_workbook(c, &filter, from, to, &Progress::default())?.to_temp_file())
        .await?;
    let (f, t) = (from.format("%d-%m-%Y"), to.format("%d-%m-%Y"));
    Ok(crate::web::download_file(&format!("Tăng, giảm tài sản {f} đến {t}.xlsx"), crate::web::XLSX, file))
}

/// A report of one year's fixed assets, with the same filters as the list.
async fn export_year(
    State(st): State<AppState>,
    Auth(me): Auth,
    QueryInput(mut q): QueryInput,
    title: &str,
    make: fn(&mut crate::db::DbConn, &super::AssetFilter, i32, &Progress) -> crate::error::AppResult<Rendered>,
) -> Result<axum::response::Response, AppError> {
    use chrono::Datelike;
    let default_year = super::wear::last_close(crate::text::today()).year() as i64;
    // Not `year`: that is the list's filter on the year an asset was acquired.
    let year = q.int("wear_year", "Năm tính hao mòn", 1990, 2200).unwrap_or(default_year) as i32;
    let mut filter = super::AssetFilter::read(&mut q, &me.scope.clone());
    q.finish()?;
    // A year's books show what was written down in it, in their own columns.
    filter.include_written_down = true;
    let file = st.db.read(move |c| make(c, &filter, year, &Progress::default())?.to_temp_file()).await?;
    Ok(crate::web::download_file(&format!("{title} năm {year}.xlsx"), crate::web::XLSX, file))
}
