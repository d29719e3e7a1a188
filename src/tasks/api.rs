//! `/api/v1/tasks`: S&T tasks for programs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;

use crate::auth::web::Auth;
use crate::auth::Permission::{EditTasks, ReadRegister};
use crate::error::AppError;
use crate::web::{parse_id, AppState, JsonInput, QueryInput, Reach, Route};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/tasks", ReadRegister, list).reach(Reach::Unscoped),
        Route::post("/api/v1/tasks", EditTasks, create),
        Route::get("/api/v1/tasks/{id}", ReadRegister, show).reach(Reach::Unscoped),
        Route::put("/api/v1/tasks/{id}", EditTasks, update),
        Route::delete("/api/v1/tasks/{id}", EditTasks, delete),
    ]
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

async fn create(
    State(st): State<AppState>,
    Auth(me): Auth,
    JsonInput(input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let view = st.db.write(move |c| super::create(c, &me.user.actor(), input)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "nhiệm vụ")?;
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    Ok(Json(st.db.write(move |c| super::update(c, &me.user.actor(), id, input, version)).await?))
}

async fn delete(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    QueryInput(mut q): QueryInput,
) -> Result<impl IntoResponse, AppError> {
    let id = parse_id(&id, "nhiệm vụ")?;
    let version = q.int("version", "Phiên bản", 1, i32::MAX as i64);
    q.finish()?;
    st.db.write(move |c| super::delete(c, &me.user.actor(), id, version)).await?;
    Ok(StatusCode::NO_CONTENT)
}
