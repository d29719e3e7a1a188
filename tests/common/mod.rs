//! `TestApp`: the real router on a fresh database — a temporary SQLite file, or a fresh schema on the
//! PostgreSQL server named by `TEST_DATABASE_URL`. `each_backend` runs a test body on every backend
//! that is configured, so every database test runs on SQLite and, when the variable is set, on PostgreSQL.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use taisan::db::Db;
use tower::ServiceExt;

/// How requests of a `TestApp` identify themselves.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    /// `Authorization: Bearer …`
    Token(String),
    /// A browser session: the cookie, and the CSRF token its pages carry.
    Session {
        cookie: String,
        csrf: String,
    },
}

pub struct TestApp {
    pub router: Router,
    /// Who the requests come from; an administrator's API token unless a test says otherwise.
    pub caller: std::sync::Mutex<Caller>,
    /// The session cookie the last answer set, if any.
    pub last_cookie: std::sync::Mutex<Option<String>>,
    pub db: Db,
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// The PostgreSQL server of the test run, if any.
pub fn pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.trim().is_empty())
}

impl TestApp {
    pub fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("taisan.db").display());
        TestApp::build(url, "sqlite", Some(dir), None)
    }

    /// A fresh schema on the test server; every connection of the app is pointed at it.
    pub fn postgres(base: &str) -> TestApp {
        let schema = unique("t");
        let mut admin = diesel::PgConnection::establish(base).expect("connect TEST_DATABASE_URL");
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        TestApp::build(url, "postgres", None, Some((base.to_string(), schema)))
    }

    /// The real router on the database at `url`, acting as an administrator through an API token.
    fn build(
        url: String,
        backend: &'static str,
        dir: Option<tempfile::TempDir>,
        pg_schema: Option<(String, String)>,
    ) -> TestApp {
        let db = taisan::open(&url).unwrap_or_else(|e| panic!("open {backend}: {e}"));
        let app = TestApp {
            router: taisan::app(db.clone()),
            caller: std::sync::Mutex::new(Caller::Anonymous),
            last_cookie: std::sync::Mutex::new(None),
            db,
            url,
            backend,
            _dir: dir,
            pg_schema,
        };
        app.add_user("quantri", "admin", None);
        let token = app.token_for("quantri");
        app.act_as(Caller::Token(token));
        app
    }

    pub fn act_as(&self, caller: Caller) {
        *self.caller.lock().unwrap() = caller;
    }

    pub fn caller(&self) -> Caller {
        self.caller.lock().unwrap().clone()
    }

    /// A person with `role` (and unit code), made directly in the database; returns the password.
    pub fn add_user(&self, username: &str, role: &str, unit: Option<&str>) -> String {
        let password = format!("mat-khau-{username}-123");
        let (u, r, unit, p) = (username.to_string(), role.to_string(), unit.map(str::to_string), password.clone());
        self.db
            .write_sync(move |c| {
                let unit_id = match &unit {
                    Some(code) => Some(taisan::rules::unit_id_by_code(c, code)?),
                    None => None,
                };
                let input = taisan::input::Input::from_json(json!({
                    "username": u, "full_name": format!("Người thử {u}"), "role": r, "unit_id": unit_id,
                    "password": p, "can_read_all": "false"
                }))?;
                taisan::auth::create_user(c, &taisan::audit::Actor("test".into()), input)
            })
            .expect("add user");
        password
    }

    pub fn token_for(&self, username: &str) -> String {
        let u = username.to_string();
        self.db
            .write_sync(move |c| {
                let user = taisan::auth::find_by_username(c, &u)?.expect("user exists");
                Ok(taisan::auth::create_token(c, &taisan::audit::Actor("test".into()), user.id, "thử")?.1)
            })
            .expect("token")
    }

    /// Signs in through the login form as a browser would; returns the session caller.
    pub async fn login(&self, username: &str, password: &str) -> Caller {
        let before = self.caller();
        self.act_as(Caller::Anonymous);
        let (status, _, _) = self.form("/dang-nhap", &[("username", username), ("password", password)]).await;
        let cookie = self.last_cookie.lock().unwrap().clone();
        self.act_as(before);
        assert_eq!(status, StatusCode::SEE_OTHER, "login of {username}");
        let cookie = cookie.expect("session cookie set");
        let session = Caller::Session { cookie: cookie.clone(), csrf: String::new() };
        self.act_as(session);
        let (_, page) = self.page("/tai-khoan", false).await;
        let csrf = page
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf token on the page")
            .to_string();
        Caller::Session { cookie, csrf }
    }

    /// One app per configured backend.
    pub fn all() -> Vec<TestApp> {
        let mut apps = vec![TestApp::sqlite()];
        if let Some(url) = pg_url() {
            apps.push(TestApp::postgres(&url));
        }
        apps
    }

    pub async fn send(&self, mut req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let h = req.headers_mut();
        match self.caller() {
            Caller::Anonymous => {}
            Caller::Token(t) if !h.contains_key(header::AUTHORIZATION) => {
                h.insert(header::AUTHORIZATION, format!("Bearer {t}").parse().unwrap());
            }
            Caller::Token(_) => {}
            Caller::Session { cookie, csrf } => {
                h.insert(header::COOKIE, format!("taisan_session={cookie}").parse().unwrap());
                if !csrf.is_empty() && !h.contains_key("x-csrf-token") {
                    h.insert("x-csrf-token", csrf.parse().unwrap());
                }
            }
        }
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        if let Some(c) = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let value = c.split(';').next().unwrap_or("").trim_start_matches("taisan_session=").to_string();
            *self.last_cookie.lock().unwrap() = if value.is_empty() { None } else { Some(value) };
        }
        let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, headers, body)
    }

    pub async fn json(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (status, _, bytes) = self.send(req.body(body).unwrap()).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(json!({"raw": String::from_utf8_lossy(&bytes)}))
        };
        (status, value)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.json(Method::GET, uri, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.json(Method::POST, uri, Some(body)).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.json(Method::PUT, uri, Some(body)).await
    }

    pub async fn delete(&self, uri: &str) -> (StatusCode, Value) {
        self.json(Method::DELETE, uri, None).await
    }

    /// A page as a browser (or htmx, with `htmx`) asks for it.
    pub async fn page(&self, uri: &str, htmx: bool) -> (StatusCode, String) {
        let mut req = Request::builder().uri(uri);
        if htmx {
            req = req.header("HX-Request", "true");
        }
        let (status, _, body) = self.send(req.body(Body::empty()).unwrap()).await;
        (status, String::from_utf8(body).expect("utf-8 page"))
    }

    /// Posts a form; returns status, the redirect target if any, and the page.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let (status, headers, body) = self.send(req).await;
        let location = headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
        (status, location, String::from_utf8(body).expect("utf-8 page"))
    }

    /// The id of a reference row by code (`units`, `categories`).
    pub async fn id_of(&self, collection: &str, code: &str) -> i64 {
        let (status, body) = self.get(&format!("/api/v1/{collection}?per_page=500")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["items"].as_array().unwrap().iter().find(|x| x["code"] == code).unwrap_or_else(|| panic!("no {code}"))
            ["id"]
            .as_i64()
            .unwrap()
    }

    /// Creates an asset through the API from a few fields, with sensible defaults.
    pub async fn asset(&self, fields: Value) -> Value {
        let unit = self.id_of("units", "TTUD").await;
        let cat = self.id_of("categories", "MMTB-TN").await;
        let mut body = json!({"name": "Tài sản thử", "unit_id": unit, "category_id": cat, "cost_state": 50_000_000, "acquired_on": "2024-03-15"});
        for (k, v) in fields.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, created) = self.post("/api/v1/assets", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{}: create {body} → {created}", self.backend);
        created
    }

    pub fn audit_count(&self) -> i64 {
        use diesel::prelude::*;
        use taisan::db::schema::audit_events;
        self.db.read_sync(|c| Ok(audit_events::table.count().get_result::<i64>(c)?)).unwrap()
    }

    pub fn asset_count(&self) -> i64 {
        use diesel::prelude::*;
        use taisan::db::schema::assets;
        self.db.read_sync(|c| Ok(assets::table.count().get_result::<i64>(c)?)).unwrap()
    }
}

pub const BOUNDARY: &str = "taisan-test-boundary";

/// A multipart body as a browser sends an upload: the text fields, then the file as `file`.
pub fn multipart(file_name: &str, content_type: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
            .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

impl TestApp {
    /// Uploads `bytes` as the file `file_name` with `fields`; returns the status, the redirect target
    /// if any, and the body.
    pub async fn upload(
        &self,
        uri: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
        fields: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, Vec<u8>) {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(multipart(file_name, content_type, bytes, fields)))
            .unwrap();
        let (status, headers, body) = self.send(req).await;
        (status, headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()), body)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut c) = diesel::PgConnection::establish(base) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// Runs `body` once per configured backend, each on a fresh database.
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for app in TestApp::all() {
        let backend = app.backend;
        eprintln!("— backend: {backend}");
        body(app).await;
    }
}

/// A request as a route-walking test sends it: no body for a read, an empty JSON object to the
/// API, an empty form to a page.
pub fn empty_request(method: &Method, path: &str) -> Request<Body> {
    let req = Request::builder().method(method.clone()).uri(path);
    if *method == Method::GET {
        req.body(Body::empty())
    } else if path.starts_with("/api/") {
        req.header(header::CONTENT_TYPE, "application/json").body(Body::from("{}"))
    } else {
        req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(""))
    }
    .unwrap()
}

/// Every cell of every sheet of a workbook, as text joined by «|»: what a person could read in it.
pub fn workbook_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        for row in wb.worksheet_range(&name).unwrap().rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('|');
            }
        }
    }
    out
}

/// A workbook's sheet as rows of cells joined by «|».
pub fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect()
}

impl TestApp {
    /// A file the API gives (200 expected), as bytes.
    pub async fn download(&self, uri: &str) -> Vec<u8> {
        let (s, _, body) = self.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&body));
        body
    }
}

/// The form of `page` that posts to an address starting with `action`: that address, and the fields
/// a browser sends from it — hidden and text inputs, checkboxes only when checked.
pub fn form_fields(page: &str, action: &str) -> (String, Vec<(String, String)>) {
    let attr = |tag: &str, name: &str| {
        tag.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(|v| v.replace("&amp;", "&"))
    };
    let form = page.split(&format!("<form method=\"post\" action=\"{action}")).nth(1).unwrap_or("");
    let address = format!("{action}{}", form.split('"').next().unwrap_or(""));
    let form = form.split("</form>").next().unwrap_or("");
    let fields = form
        .split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split('>').next().unwrap_or("");
            if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect();
    (address, fields)
}
