//! Pages of accounts: sign in and out, one's own password and API tokens, and the administrators'
//! management of people and roles.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::header::{HeaderMap, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;

use super::web::{clear_cookie, session_cookie, Auth, MaybeAuth};
use super::{ApiToken, Permission, User, ROLES};
use crate::error::AppError;
use crate::input::Input;
use crate::web::error::PageResult;
use crate::web::{
    fmt, parse_id, render, AppState, FieldKind, FormField, FormInput, Nav, QueryInput, RecordForm, Route,
};

pub fn routes() -> Vec<Route> {
    use Permission::*;
    vec![
        Route::get("/dang-nhap", Public, login_page),
        Route::post("/dang-nhap", Public, login),
        Route::post("/dang-xuat", SignedIn, logout),
        Route::get("/tai-khoan", SignedIn, account),
        Route::post("/tai-khoan/mat-khau", SignedIn, change_password),
        Route::post("/tai-khoan/token", SignedIn, create_token),
        Route::post("/tai-khoan/token/{id}/thu-hoi", SignedIn, revoke_token),
        Route::get("/api/v1/me", SignedIn, me),
        Route::get("/quan-tri/nguoi-dung", ManageUsers, users_page),
        Route::post("/quan-tri/nguoi-dung", ManageUsers, create_user),
        Route::get("/quan-tri/nguoi-dung/{id}", ManageUsers, user_page),
        Route::post("/quan-tri/nguoi-dung/{id}", ManageUsers, update_user),
        Route::post("/quan-tri/nguoi-dung/{id}/mat-khau", ManageUsers, reset_password),
    ]
}

// ---- Sign in and out ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    nav: Nav,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

/// Only a path on this site: an open redirect would let a link send people elsewhere after login.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\")).unwrap_or_else(|| "/".into())
}

async fn login_page(MaybeAuth(me): MaybeAuth, QueryInput(mut q): QueryInput) -> PageResult<Response> {
    let next = safe_next(q.text("next", "next", false, 2000));
    if me.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let notice = q.text("msg", "msg", false, 50).map(|m| match m.as_str() {
        "password" => "Đã đổi mật khẩu: mọi phiên làm việc đã kết thúc, hãy đăng nhập lại.".to_string(),
        _ => "Đã đăng xuất.".to_string(),
    });
    let page = LoginPage { nav: Nav::visitor(), next, username: String::new(), error: None, notice };
    Ok(Html(render(&page)?).into_response())
}

/// The socket peer of the request, when the server was started with connection info (tests that
/// call the router directly have none).
struct Peer(Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| *a)))
    }
}

/// The client's address for throttling: the socket peer; behind a reverse proxy that the
/// administrator declares trusted (TAISAN_TRUST_PROXY=1), the first X-Forwarded-For address.
fn client_address(headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    let forwarded = || {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_string())
    };
    match (crate::config::trust_proxy(), peer) {
        (true, peer) => forwarded().or(peer.map(|p| p.ip().to_string())),
        (false, Some(p)) => Some(p.ip().to_string()),
        (false, None) => None,
    }
    .unwrap_or_else(|| "không rõ".into())
}

async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    Peer(peer): Peer,
    form: FormInput,
) -> PageResult<Response> {
    let username = form.get("username").unwrap_or("").to_string();
    let password = form.get("password").unwrap_or("").to_string();
    let next = safe_next(form.get("next").map(str::to_string));
    let address = client_address(&headers, peer);
    let u = username.clone();
    match st.db.write(move |c| super::login(c, &u, &password, &address)).await? {
        Ok(session) => Ok(([(SET_COOKIE, session_cookie(&session.secret))], Redirect::to(&next)).into_response()),
        Err(e @ (AppError::Unauthorized(_) | AppError::TooManyAttempts(_))) => {
            let status = e.status();
            let page = LoginPage { nav: Nav::visitor(), next, username, error: Some(e.to_string()), notice: None };
            Ok((status, Html(render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Response> {
    st.db.write(move |c| super::logout(c, &me)).await?;
    Ok(([(SET_COOKIE, clear_cookie())], Redirect::to("/dang-nhap?msg=out")).into_response())
}

async fn me(Auth(me): Auth) -> Json<serde_json::Value> {
    let role = me.user.role();
    Json(
        json!({ "user": me.user, "role_name": role.name(), "scope_unit": me.scope.read_units.as_ref().and(me.scope.unit) }),
    )
}

// ---- One's own account -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    nav: Nav,
    user: User,
    unit_name: String,
    tokens: Vec<ApiToken>,
    /// A token just created: shown this once.
    new_token: Option<String>,
    error: Option<String>,
}

async fn account_page(
    st: &AppState,
    me: &super::Identity,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let user_id = me.user.id;
    let unit_id = me.user.unit_id;
    let (tokens, unit_name) = st
        .db
        .read(move |c| {
            use crate::db::schema::org_units;
            use diesel::prelude::*;
            let unit_name: Option<String> = match unit_id {
                Some(u) => org_units::table.find(u).select(org_units::name).first(c).optional()?,
                None => None,
            };
            Ok((super::tokens_of(c, user_id)?, unit_name.unwrap_or_default()))
        })
        .await?;
    render(&AccountPage { nav: Nav::of(me), user: me.user.clone(), unit_name, tokens, new_token, error })
}

async fn account(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    Ok(Html(account_page(&st, &me, None, None).await?))
}

async fn change_password(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let current = form.get("current").unwrap_or("").to_string();
    let new = form.get("new").unwrap_or("").to_string();
    let error = if !super::verify_password(&current, &me.user.password_hash) {
        Some("Mật khẩu hiện tại không đúng".to_string())
    } else if new != form.get("confirm").unwrap_or("") {
        Some("Hai lần nhập mật khẩu mới không khớp".to_string())
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(
            (StatusCode::UNPROCESSABLE_ENTITY, Html(account_page(&st, &me, None, Some(error)).await?)).into_response()
        );
    }
    let (actor, id) = (me.user.actor(), me.user.id);
    match st.db.write(move |c| super::set_password(c, &actor, id, &new)).await {
        Ok(()) => Ok(([(SET_COOKIE, clear_cookie())], Redirect::to("/dang-nhap?msg=password")).into_response()),
        Err(AppError::Invalid(f)) => {
            let error = f.into_values().next();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(account_page(&st, &me, None, error).await?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_token(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Html<String>> {
    let name = form.get("name").unwrap_or("").to_string();
    let (actor, id) = (me.user.actor(), me.user.id);
    let (_, value) = st.db.write(move |c| super::create_token(c, &actor, id, &name)).await?;
    Ok(Html(account_page(&st, &me, Some(value), None).await?))
}

async fn revoke_token(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Response> {
    let id = parse_id(&id, "token")?;
    let user = me.user.clone();
    st.db.write(move |c| super::revoke_token(c, &user, id)).await?;
    let back = if me.user.role() == super::Role::Admin { "/quan-tri/nguoi-dung" } else { "/tai-khoan" };
    Ok(Redirect::to(back).into_response())
}

// ---- People and roles (administrators) ---------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<(User, String, String)>,
    form: RecordForm,
}

fn user_fields(units: &[(i32, String)], new: bool) -> Vec<FormField> {
    use FieldKind::*;
    let units: Vec<(String, String)> = units.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
    let mut fields = vec![];
    if new {
        fields.push(FormField::new("username", "Tên đăng nhập", Text).required());
    }
    fields.extend([
        FormField::new("full_name", "Họ và tên", Text).required(),
        FormField::new("role", "Vai trò", Select).required().choices(ROLES),
        FormField::new("unit_id", "Đơn vị", Select).options(units).hint("Bắt buộc với cán bộ đơn vị"),
        FormField::new("can_read_all", "Xem tài sản đơn vị khác", Select)
            .choices(&[("true", "Có (chỉ xem)"), ("false", "Không")])
            .hint("Chỉ áp dụng cho cán bộ đơn vị"),
    ]);
    if new {
        fields.push(FormField::new("password", "Mật khẩu ban đầu", Text).required().hint("Ít nhất 10 ký tự"));
    } else {
        fields.push(
            FormField::new("active", "Đang hoạt động", Select).choices(&[("true", "Có"), ("false", "Không (khóa)")]),
        );
    }
    fields
}

async fn unit_names(st: &AppState) -> Result<Vec<(i32, String)>, AppError> {
    use crate::db::schema::org_units;
    use diesel::prelude::*;
    st.db.read(|c| Ok(org_units::table.order(org_units::id).select((org_units::id, org_units::name)).load(c)?)).await
}

async fn users_page_html(
    st: &AppState,
    me: &super::Identity,
    mut form: RecordForm,
    values: BTreeMap<String, String>,
) -> Result<String, AppError> {
    let units = unit_names(st).await?;
    let users = st.db.read(super::list_users).await?;
    let users = users
        .into_iter()
        .map(|u| {
            let unit = units.iter().find(|(id, _)| Some(*id) == u.unit_id).map(|(_, n)| n.clone()).unwrap_or_default();
            let role = u.role().name().to_string();
            (u, role, unit)
        })
        .collect();
    let mut fields = user_fields(&units, true);
    crate::web::fill_fields(&mut fields, &values, &form.errors);
    form.fields = fields;
    render(&UsersPage { nav: Nav::of(me), users, form })
}

fn new_user_form(me: &super::Identity) -> RecordForm {
    RecordForm::new(Nav::of(me), "Thêm người dùng", "/quan-tri/nguoi-dung", "/quan-tri/nguoi-dung")
}

async fn users_page(State(st): State<AppState>, Auth(me): Auth) -> PageResult<Html<String>> {
    let values = BTreeMap::from([("can_read_all".to_string(), "true".to_string())]);
    Ok(Html(users_page_html(&st, &me, new_user_form(&me), values).await?))
}

async fn create_user(State(st): State<AppState>, Auth(me): Auth, form: FormInput) -> PageResult<Response> {
    let input = Input::from_form(form.0.clone());
    let actor = me.user.actor();
    match st.db.write(move |c| super::create_user(c, &actor, input)).await {
        Ok(_) => Ok(Redirect::to("/quan-tri/nguoi-dung").into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut values = form.to_map();
            values.remove("password");
            let html = users_page_html(&st, &me, RecordForm { errors, ..new_user_form(&me) }, values).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "auth/user.html")]
struct UserPage {
    nav: Nav,
    user: User,
    tokens: Vec<ApiToken>,
    form: RecordForm,
    password_error: Option<String>,
}

async fn user_page_html(
    st: &AppState,
    me: &super::Identity,
    id: i32,
    form: Option<(RecordForm, BTreeMap<String, String>)>,
    password_error: Option<String>,
) -> Result<String, AppError> {
    let units = unit_names(st).await?;
    let (user, tokens) = st.db.read(move |c| Ok((super::find_user(c, id)?, super::tokens_of(c, id)?))).await?;
    let (mut form, values) = form.unwrap_or_else(|| {
        let mut f = RecordForm::new(
            Nav::of(me),
            format!("Sửa tài khoản {}", user.username),
            format!("/quan-tri/nguoi-dung/{id}"),
            "/quan-tri/nguoi-dung",
        );
        f.version = Some(user.version);
        let values = BTreeMap::from([
            ("full_name".to_string(), user.full_name.clone()),
            ("role".to_string(), user.role.clone()),
            ("unit_id".to_string(), user.unit_id.map(|u| u.to_string()).unwrap_or_default()),
            ("can_read_all".to_string(), user.can_read_all.to_string()),
            ("active".to_string(), user.active.to_string()),
        ]);
        (f, values)
    });
    let mut fields = user_fields(&units, false);
    crate::web::fill_fields(&mut fields, &values, &form.errors);
    form.fields = fields;
    render(&UserPage { nav: Nav::of(me), user, tokens, form, password_error })
}

async fn user_page(State(st): State<AppState>, Auth(me): Auth, Path(id): Path<String>) -> PageResult<Html<String>> {
    let id = parse_id(&id, "người dùng")?;
    Ok(Html(user_page_html(&st, &me, id, None, None).await?))
}

async fn update_user(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "người dùng")?;
    let mut input = Input::from_form(form.0.clone());
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    let actor = me.user.actor();
    match st.db.write(move |c| super::update_user(c, &actor, id, input, version)).await {
        Ok(_) => Ok(Redirect::to("/quan-tri/nguoi-dung").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = e.status();
            let mut f = RecordForm::new(
                Nav::of(&me),
                "Sửa tài khoản",
                format!("/quan-tri/nguoi-dung/{id}"),
                "/quan-tri/nguoi-dung",
            );
            f.version = version.map(|v| v as i32);
            match e {
                AppError::Invalid(errors) => f.errors = errors,
                other => f.notice = Some(other.to_string()),
            }
            let html = user_page_html(&st, &me, id, Some((f, form.to_map())), None).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset_password(
    State(st): State<AppState>,
    Auth(me): Auth,
    Path(id): Path<String>,
    form: FormInput,
) -> PageResult<Response> {
    let id = parse_id(&id, "người dùng")?;
    let password = form.get("password").unwrap_or("").to_string();
    let actor = me.user.actor();
    match st.db.write(move |c| super::set_password(c, &actor, id, &password)).await {
        Ok(()) => Ok(Redirect::to(&format!("/quan-tri/nguoi-dung/{id}")).into_response()),
        Err(AppError::Invalid(f)) => {
            let html = user_page_html(&st, &me, id, None, f.into_values().next()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
