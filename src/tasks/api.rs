//! `/api/v1/tasks`: S&T tasks for programs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::audit::Actor;
use crate::error::AppError;
use crate::web::{parse_id, AppState, JsonInput, QueryInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(list).post(create))
        .route("/api/v1/tasks/{id}", get(show).put(update).delete(delete))
}

fn api_actor() -> Actor {
    Actor("api".into())
}

async fn list(State(st): State<AppState>, QueryInput(mut input): QueryInput) -> Result<impl IntoResponse, AppError> {
    let filter = super::TaskFilter::read(&mut input);
    input.finish()?;
    Ok(Json(st.db.read(move |c| super::list(c, &filter)).await?))
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "nhiệm vụ")?;
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
    let id = parse_id(&id, "nhiệm vụ")?;
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    Ok(Json(st.db.write(move |c| super::update(c, &api_actor(), id, input, version)).await?))
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "nhiệm vụ")?;
    st.db.write(move |c| super::delete(c, &api_actor(), id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
