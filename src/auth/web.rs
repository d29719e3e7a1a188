//! Who is asking, and may they: the identity layer (session cookie or Bearer token), the per-route
//! permission check with its CSRF guard, and the security headers every answer carries.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Credential, Identity, Permission};
use crate::error::AppError;
use crate::web::error::PageError;
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "taisan_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// The signed-in person, for handlers. Routes that are not public always have one (the permission
/// layer has checked), so the rejection is only a safety net.
pub struct Auth(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(Auth)
            .ok_or_else(|| AppError::Unauthorized("Cần đăng nhập (sign-in required)".into()))
    }
}

/// The signed-in person if any, for pages that also serve visitors (the login page).
pub struct MaybeAuth(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(parts.extensions.get::<Identity>().cloned()))
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// Resolves the identity of every request and adds the security headers to every answer.
pub async fn identify(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    // Static files are the same for everyone: no database lookup for them.
    if req.uri().path().starts_with("/static/") {
        return secure(next.run(req).await);
    }
    let token = bearer(req.headers());
    let session = cookie(req.headers(), SESSION_COOKIE);
    let found = match (token, session) {
        (Some(t), _) => match st.db.read(move |c| super::token_identity(c, &t)).await {
            Ok(Some(identity)) => Some(identity),
            Ok(None) => {
                return secure(
                    AppError::Unauthorized("Token không hợp lệ hoặc đã bị thu hồi (invalid or revoked token)".into())
                        .into_response(),
                )
            }
            Err(e) => return secure(e.into_response()),
        },
        (None, Some(s)) => match st.db.read(move |c| super::session_identity(c, &s)).await {
            Ok(identity) => identity,
            Err(e) => return secure(e.into_response()),
        },
        (None, None) => None,
    };
    if let Some(identity) = found {
        req.extensions_mut().insert(identity);
    }
    secure(next.run(req).await)
}

/// CSP without inline script, no framing, no sniffing, no referrer leaking paths to other sites.
fn secure(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

fn is_api(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
}

/// A request from a page of this very site: the Origin matches the Host, or the browser says
/// same-origin. Programs that send neither (curl, API clients) are judged by their credential.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        return url::Url::parse(origin).ok().is_some_and(|u| {
            let authority = match u.port() {
                Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                None => u.host_str().unwrap_or("").to_string(),
            };
            authority == host
        });
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

fn refuse(api: bool, htmx: bool, error: AppError) -> Response {
    if api {
        error.into_response()
    } else {
        PageError { error, partial: htmx }.into_response()
    }
}

/// The permission layer of one route: signed in, allowed by the role, and — for a change made
/// through a browser session — from this site and carrying the session's CSRF token.
pub async fn require(
    State((st, permission, reach)): State<(AppState, Permission, crate::web::Reach)>,
    req: Request,
    next: Next,
) -> Response {
    let api = is_api(&req);
    let htmx = crate::web::is_htmx(req.headers());
    let changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changing && !same_origin(req.headers()) {
        return refuse(
            api,
            htmx,
            AppError::Forbidden("Yêu cầu bị chặn: không gửi từ trang của hệ thống (CSRF)".into()),
        );
    }
    if permission == Permission::Public {
        return next.run(req).await;
    }
    let Some(identity) = req.extensions().get::<Identity>().cloned() else {
        if api {
            return AppError::Unauthorized("Cần đăng nhập hoặc gửi token (Authorization: Bearer …)".into())
                .into_response();
        }
        let back = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target =
            format!("/dang-nhap?next={}", url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>());
        if htmx {
            // htmx follows this header with a full page load instead of swapping a login form in.
            return (StatusCode::UNAUTHORIZED, [("HX-Redirect", target)]).into_response();
        }
        return Redirect::to(&target).into_response();
    };
    let role = identity.user.role();
    if !permission.allows(role) {
        let (path, method) = (req.uri().path().to_string(), req.method().to_string());
        let actor = identity.user.actor();
        // The refusal is part of the record; a failure to write it must not hide the refusal.
        let _ = st
            .db
            .write(move |c| {
                let what =
                    serde_json::json!({ "method": method, "path": path, "permission": format!("{permission:?}") });
                crate::audit::record(
                    c,
                    &actor,
                    "permission_denied",
                    "route",
                    what["path"].as_str().unwrap_or(""),
                    None,
                    Some(&what),
                )
            })
            .await;
        return refuse(
            api,
            htmx,
            AppError::Forbidden(format!("Vai trò «{}» không được phép thực hiện thao tác này", role.name())),
        );
    }
    // Only a route that names a record reads its id from the path.
    let id =
        matches!(reach, crate::web::Reach::Record(_) | crate::web::Reach::Shared(_)).then(|| path_id(&req)).flatten();
    if let Err(e) = within_scope(&st, &identity, reach, changing, id).await {
        return refuse(api, htmx, e);
    }
    if let (true, Credential::Session { csrf_token, .. }) = (changing, &identity.credential) {
        let (req, sent) = match csrf_sent(req).await {
            Ok(r) => r,
            Err(e) => return refuse(api, htmx, e),
        };
        if sent.as_deref() != Some(csrf_token.as_str()) {
            return refuse(
                api,
                htmx,
                AppError::Forbidden("Phiên làm việc không khớp (CSRF): hãy tải lại trang rồi thử lại".into()),
            );
        }
        return next.run(req).await;
    }
    next.run(req).await
}

/// The scope rule for a record named in the path: unit staff reach only what lies in their unit.
/// A record that does not exist is «not found» for everyone, before any handler runs.
async fn within_scope(
    st: &AppState,
    identity: &Identity,
    reach: crate::web::Reach,
    changing: bool,
    id: Option<i32>,
) -> Result<(), AppError> {
    use crate::web::Reach;
    let scope = identity.scope.clone();
    // Reading is bounded by the read scope, changing by the edit scope.
    let bound = if changing { scope.for_change() } else { scope };
    let (Some(_), Reach::Record(units_of) | Reach::Shared(units_of)) = (&bound.read_units, reach) else {
        return Ok(());
    };
    // The record's id is the path's first parameter ({id}); a malformed one is the handler's 404.
    let Some(id) = id else { return Ok(()) };
    let units = st.db.read(move |c| units_of(c, id)).await?;
    let Some(units) = units else { return Ok(()) };
    let shared = matches!(reach, Reach::Shared(_));
    if bound.reaches(&units, shared) {
        Ok(())
    } else if shared {
        Err(AppError::Forbidden(
            "Đợt này không có tài sản nào của đơn vị bạn: cán bộ đơn vị chỉ kiểm kê tài sản của đơn vị mình".into(),
        ))
    } else {
        Err(AppError::Forbidden(
            "Hồ sơ này có tài sản của đơn vị khác: bạn chỉ được xem và làm việc với hồ sơ của đơn vị mình".into(),
        ))
    }
}

/// The first parameter of the matched path, as a record id.
fn path_id(req: &Request) -> Option<i32> {
    let pattern = req.extensions().get::<axum::extract::MatchedPath>()?.as_str();
    let index = pattern.split('/').position(|seg| seg.starts_with('{'))?;
    req.uri().path().split('/').nth(index)?.parse().ok().filter(|id: &i32| *id > 0)
}

/// The CSRF token a request carries: the header htmx sends, or the hidden field of a plain form.
/// Reading the field means buffering the form body; it is put back for the handler.
async fn csrf_sent(req: Request) -> Result<(Request, Option<String>), AppError> {
    if let Some(v) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let v = v.to_string();
        return Ok((req, Some(v)));
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.starts_with("multipart/form-data") {
        // An upload form carries the token as a hidden field, never in its address (addresses end
        // up in logs and histories): the body is read here, the field found, the body put back.
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, MULTIPART_LIMIT).await.map_err(|_| {
            AppError::BadRequest(format!(
                "Tệp tải lên quá {} MB hoặc bị ngắt giữa chừng",
                MULTIPART_LIMIT / (1024 * 1024)
            ))
        })?;
        let sent = multipart_field(&bytes, CSRF_FIELD);
        return Ok((Request::from_parts(parts, Body::from(bytes)), sent));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::web::BODY_LIMIT)
        .await
        .map_err(|_| AppError::BadRequest("Nội dung biểu mẫu quá lớn hoặc không đọc được".into()))?;
    let sent = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), sent))
}

/// The largest upload read for its CSRF field (above every route's own upload limit).
const MULTIPART_LIMIT: usize = 64 * 1024 * 1024;

/// The value of the text part `name` of a multipart body: the part's headers name it, a blank line
/// ends them, the next boundary ends its value.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let header = format!("name=\"{name}\"");
    let at = memchr::memmem::find(body, header.as_bytes())?;
    let rest = &body[at + header.len()..];
    let start = memchr::memmem::find(rest, b"\r\n\r\n")? + 4;
    let len = memchr::memmem::find(&rest[start..], b"\r\n--")?;
    String::from_utf8(rest[start..start + len].to_vec()).ok()
}

/// The session cookie: HttpOnly, SameSite=Strict, for the whole site; `Secure` when configured.
pub fn session_cookie(secret: &str) -> String {
    let secure = if crate::config::secure_cookies() { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        super::SESSION_MAX.num_seconds()
    )
}

pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}
