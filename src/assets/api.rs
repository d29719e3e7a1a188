//! `/api/v1/assets`: the register for programs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::audit::Actor;
use crate::error::AppError;
use crate::web::{parse_id, AppState, JsonInput, QueryInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/assets", get(list).post(create))
        .route("/api/v1/assets/{id}", get(show).put(update).delete(delete))
        .route("/api/v1/assets/{id}/wear", get(wear))
        .route("/api/v1/assets/{id}/history", get(history))
}

fn api_actor() -> Actor {
    Actor("api".into())
}

async fn list(State(st): State<AppState>, QueryInput(mut input): QueryInput) -> Result<impl IntoResponse, AppError> {
    let filter = super::AssetFilter::read(&mut input);
    input.finish()?;
    Ok(Json(st.db.read(move |c| super::list(c, &filter)).await?))
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    Ok(Json(st.db.read(move |c| super::find_view(c, id)).await?))
}

async fn create(State(st): State<AppState>, JsonInput(input): JsonInput) -> Result<impl IntoResponse, AppError> {
    let view = st.db.write(move |c| super::create(c, &api_actor(), input)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    Ok(Json(st.db.write(move |c| super::update(c, &api_actor(), id, input, version)).await?))
}

async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let version = q.int("version", "Phiên bản", 1, i32::MAX as i64);
    q.finish()?;
    st.db.write(move |c| super::delete(c, &api_actor(), id, version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accumulated wear and residual value as of any date (`as_of`, default today), year by year.
async fn wear(
    State(st): State<AppState>,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let as_of = q.date("as_of", "Tính đến ngày").unwrap_or_else(crate::text::today);
    q.finish()?;
    let schedule = st
        .db
        .read(move |c| {
            let asset = super::find(c, id)?;
            let rules = crate::rules::Rules::load(c)?;
            asset.wear_schedule(&rules, as_of)
        })
        .await?;
    Ok(Json(schedule))
}

async fn history(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "tài sản")?;
    let events = st.db.read(move |c| crate::audit::history(c, "asset", id)).await?;
    Ok(Json(json!({ "items": events })))
}
