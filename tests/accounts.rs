//! Accounts, roles and the permission table, sessions, tokens, CSRF, throttling — on every backend.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{each_backend, Caller, TestApp};
use serde_json::json;
use taisan::auth::{Permission, Role};

/// Every route the router has, by every role and by a visitor: the answer is exactly what the
/// permission table says. The routes come from the same table the router is built from.
#[tokio::test]
async fn every_route_by_every_role() {
    each_backend(|app: TestApp| async move {
        let mut callers = vec![("visitor", None, Caller::Anonymous)];
        for role in Role::ALL {
            let name = format!("r_{}", role.code());
            let unit = (role == Role::UnitStaff).then_some("TTUD");
            app.add_user(&name, role.code(), unit);
            callers.push((role.code(), Some(role), Caller::Token(app.token_for(&name))));
        }
        let routes = taisan::router::routes();
        assert!(routes.len() >= 50, "{} routes", routes.len());
        let mut checked = 0;
        for r in &routes {
            let path = r.path.replace("{id}", "999999");
            for (who, role, caller) in &callers {
                app.act_as(caller.clone());
                let (status, headers, _) = app.send(common::empty_request(&r.method, &path)).await;
                let to_login =
                    headers.get("location").is_some_and(|l| l.to_str().unwrap().starts_with("/dang-nhap?next="));
                let ctx = format!("{} {} as {who}: {status}", r.method, r.path);
                match (r.permission, role) {
                    (Permission::Public, _) => assert_ne!(status, StatusCode::FORBIDDEN, "{ctx}"),
                    (_, None) if path.starts_with("/api/") => assert_eq!(status, StatusCode::UNAUTHORIZED, "{ctx}"),
                    (_, None) => assert!(status == StatusCode::SEE_OTHER && to_login, "{ctx}"),
                    (p, Some(role)) if p.allows(*role) => {
                        assert!(
                            status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED && !to_login,
                            "{ctx}"
                        )
                    }
                    (_, Some(_)) => assert_eq!(status, StatusCode::FORBIDDEN, "{ctx}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, routes.len() * callers.len());
    })
    .await;
}

#[tokio::test]
async fn refusals_speak_vietnamese_and_are_recorded() {
    each_backend(|app: TestApp| async move {
        app.add_user("thanhtra", "thanh_tra", Some("TTRA"));
        app.act_as(Caller::Token(app.token_for("thanhtra")));
        let before = app.audit_count();
        let (s, body) = app.post("/api/v1/tasks", json!({"code": "X"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "Vai trò «Thanh tra» không được phép thực hiện thao tác này");
        assert_eq!(app.audit_count(), before + 1);
        let (s, page) = app.page("/quan-tri/nguoi-dung", false).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(page.contains("không được phép"));
        // The inspectorate reads the activity log, where the refusal stands.
        let (s, log) = app.get("/api/v1/activity?action=permission_denied").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(log["total"], 2);
        assert_eq!(log["items"][0]["actor"], "thanhtra");
    })
    .await;
}

#[tokio::test]
async fn sign_in_session_cookie_and_sign_out() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        app.act_as(Caller::Anonymous);
        assert_eq!(app.page("/tai-san", false).await.0, StatusCode::SEE_OTHER);
        let (s, _, page) = app.form("/dang-nhap", &[("username", "xuly"), ("password", "sai-mat-khau")]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Tên đăng nhập hoặc mật khẩu không đúng"));
        let req = Request::post("/dang-nhap")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("username=XuLy&password={password}&next=%2Ftai-san")))
            .unwrap();
        let (s, headers, _) = app.send(req).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(headers["location"], "/tai-san");
        let cookie = headers["set-cookie"].to_str().unwrap();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attr), "{cookie}");
        }
        let session = app.login("xuly", &password).await;
        app.act_as(session.clone());
        let (s, page) = app.page("/tai-san", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Tổ xử lý tài sản") && page.contains("hx-headers"));
        // An open redirect after login is not followed.
        app.act_as(Caller::Anonymous);
        let (_, loc, _) =
            app.form("/dang-nhap", &[("username", "xuly"), ("password", &password), ("next", "//evil.example")]).await;
        assert_eq!(loc.as_deref(), Some("/"));
        app.act_as(session.clone());
        let (s, loc, _) = app.form("/dang-xuat", &[]).await;
        assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/dang-nhap?msg=out")));
        assert_eq!(app.page("/tai-san", false).await.0, StatusCode::SEE_OTHER, "the session is gone");
        let (_, log) = {
            app.act_as(Caller::Token(app.token_for("quantri")));
            app.get("/api/v1/activity?entity=session").await
        };
        let actions: Vec<&str> =
            log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(
            actions.contains(&"login") && actions.contains(&"login_failed") && actions.contains(&"logout"),
            "{actions:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_limit() {
    use diesel::prelude::*;
    use taisan::db::schema::sessions;
    each_backend(|app: TestApp| async move {
        let password = app.add_user("lanhdao", "lanh_dao", Some("SKHCN"));
        let session = app.login("lanhdao", &password).await;
        app.act_as(session.clone());
        assert_eq!(app.page("/", false).await.0, StatusCode::OK);
        let stale = taisan::text::now_utc() - chrono::Duration::hours(3);
        app.db
            .write_sync(move |c| {
                Ok(diesel::update(sessions::table).set(sessions::last_seen_at.eq(stale)).execute(c)?)
            })
            .unwrap();
        assert_eq!(app.page("/", false).await.0, StatusCode::SEE_OTHER, "idle for 3 hours");
        let session = app.login("lanhdao", &password).await;
        app.act_as(session);
        let past = taisan::text::now_utc() - chrono::Duration::minutes(1);
        app.db
            .write_sync(move |c| Ok(diesel::update(sessions::table).set(sessions::expires_at.eq(past)).execute(c)?))
            .unwrap();
        assert_eq!(app.page("/", false).await.0, StatusCode::SEE_OTHER, "past the absolute limit");
    })
    .await;
}

#[tokio::test]
async fn forged_cross_site_changes_are_refused() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("trungtam", "don_vi", Some("TTUD"));
        let Caller::Session { cookie, csrf } = app.login("trungtam", &password).await else { unreachable!() };
        let unit = app.id_of("units", "TTUD").await.to_string();
        let cat = app.id_of("categories", "MMTB-TN").await.to_string();
        let body = |token: &str| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("name", "Máy đo"), ("unit_id", &unit), ("category_id", &cat), ("csrf_token", token)])
                .finish()
        };
        app.act_as(Caller::Session { cookie: cookie.clone(), csrf: String::new() });
        let post = |b: String, origin: Option<&str>| {
            let mut r = Request::post("/tai-san/moi").header("content-type", "application/x-www-form-urlencoded");
            if let Some(o) = origin {
                r = r.header("origin", o).header("host", "taisan.local");
            }
            r.body(Body::from(b)).unwrap()
        };
        let before = app.asset_count();
        let (s, _, page) = app.send(post(body(""), None)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(String::from_utf8(page).unwrap().contains("CSRF"));
        assert_eq!(app.send(post(body("sai"), None)).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.send(post(body(&csrf), Some("http://evil.example"))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.asset_count(), before);
        // The hidden field of the page's own form, from the page's own origin, is accepted.
        let (s, _, _) = app.send(post(body(&csrf), Some("http://taisan.local"))).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(app.asset_count(), before + 1);
        // htmx sends the token as a header.
        app.act_as(Caller::Session { cookie, csrf });
        let (s, _) = app.post("/api/v1/assets", json!({"name": "Máy đo 2", "unit_id": unit.parse::<i64>().unwrap(), "category_id": cat.parse::<i64>().unwrap()})).await;
        assert_eq!(s, StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn guessing_is_throttled_per_account() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("hcth", "xu_ly_tai_san", Some("HCTH"));
        app.act_as(Caller::Anonymous);
        for _ in 0..taisan::auth::MAX_FAILS_PER_ACCOUNT {
            let (s, _, _) = app.form("/dang-nhap", &[("username", "hcth"), ("password", "doan-mo-123")]).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, _, page) = app.form("/dang-nhap", &[("username", "hcth"), ("password", &password)]).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.contains("tạm ngừng đăng nhập"), "{page}");
        // Another account from the same address is not locked out by it.
        let other = app.add_user("khac", "lanh_dao", Some("SKHCN"));
        let (s, _, _) = app.form("/dang-nhap", &[("username", "khac"), ("password", &other)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn password_change_and_deactivation_end_sessions_and_tokens() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("canbo", "xu_ly_tai_san", Some("TXLTS"));
        let first = app.login("canbo", &password).await;
        let second = app.login("canbo", &password).await;
        app.act_as(first.clone());
        let (s, _, page) = app
            .form(
                "/tai-khoan/mat-khau",
                &[("current", "sai"), ("new", "mat-khau-moi-2026"), ("confirm", "mat-khau-moi-2026")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Mật khẩu hiện tại không đúng"));
        let (s, _, page) =
            app.form("/tai-khoan/mat-khau", &[("current", &password), ("new", "ngan"), ("confirm", "ngan")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("ít nhất 10 ký tự"));
        let (s, loc, _) = app
            .form(
                "/tai-khoan/mat-khau",
                &[("current", &password), ("new", "mat-khau-moi-2026"), ("confirm", "mat-khau-moi-2026")],
            )
            .await;
        assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/dang-nhap?msg=password")));
        for s in [first, second] {
            app.act_as(s);
            assert_eq!(app.page("/", false).await.0, StatusCode::SEE_OTHER, "every session ended");
        }
        let session = app.login("canbo", "mat-khau-moi-2026").await;
        let token = app.token_for("canbo");
        // An administrator locks the account: sessions end, tokens stop working.
        app.act_as(Caller::Token(app.token_for("quantri")));
        let id = app.get("/api/v1/activity?entity=user&action=create").await.1["items"][0]["entity_id"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, page) = app.page(&format!("/quan-tri/nguoi-dung/{id}"), false).await;
        let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let (s, _, _) = app
            .form(
                &format!("/quan-tri/nguoi-dung/{id}"),
                &[("version", &version), ("full_name", "Cán bộ"), ("role", "xu_ly_tai_san"), ("active", "false")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        app.act_as(session);
        assert_eq!(app.page("/", false).await.0, StatusCode::SEE_OTHER);
        app.act_as(Caller::Token(token));
        assert_eq!(app.get("/api/v1/assets").await.0, StatusCode::UNAUTHORIZED);
        app.act_as(Caller::Anonymous);
        let (s, _, _) = app.form("/dang-nhap", &[("username", "canbo"), ("password", "mat-khau-moi-2026")]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable() {
    use diesel::prelude::*;
    use taisan::db::schema::api_tokens;
    each_backend(|app: TestApp| async move {
        let password = app.add_user("tokenuser", "lanh_dao", Some("SKHCN"));
        let session = app.login("tokenuser", &password).await;
        app.act_as(session.clone());
        let (s, _, page) = app.form("/tai-khoan/token", &[("name", "Đồng bộ kế toán")]).await;
        assert_eq!(s, StatusCode::OK);
        let value = page.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        assert!(value.starts_with("tsn_") && value.len() > 60);
        let stored: Vec<String> =
            app.db.read_sync(|c| Ok(api_tokens::table.select(api_tokens::token_hash).load(c)?)).unwrap();
        assert!(!stored.contains(&value), "only the hash is stored");
        let (_, again) = app.page("/tai-khoan", false).await;
        assert!(!again.contains(&value), "shown once");
        app.act_as(Caller::Token(value.clone()));
        let (s, me) = app.get("/api/v1/me").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(me["user"]["username"], "tokenuser");
        // The token carries its user's permissions: leadership reads, does not edit.
        assert_eq!(app.post("/api/v1/tasks", json!({})).await.0, StatusCode::FORBIDDEN);
        let id: i32 = app
            .db
            .read_sync(|c| Ok(api_tokens::table.order(api_tokens::id.desc()).select(api_tokens::id).first(c)?))
            .unwrap();
        app.act_as(session);
        let (s, _, _) = app.form(&format!("/tai-khoan/token/{id}/thu-hoi"), &[]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        app.act_as(Caller::Token(value));
        let (s, body) = app.get("/api/v1/assets").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body["error"].as_str().unwrap().contains("thu hồi"));
    })
    .await;
}

#[tokio::test]
async fn unit_staff_edit_only_their_own_units_assets() {
    each_backend(|app: TestApp| async move {
        let hcth_asset =
            app.asset(json!({"name": "Máy của văn phòng", "unit_id": app.id_of("units", "HCTH").await})).await;
        app.asset(json!({"name": "Máy của Trung tâm"})).await;
        app.add_user("trungtam", "don_vi", Some("TTUD"));
        app.act_as(Caller::Token(app.token_for("trungtam")));
        let (_, list) = app.get("/api/v1/assets").await;
        assert_eq!(list["total"], 1, "sees only the Center's assets: {list}");
        // Asking for another unit's assets by filter does not widen the scope.
        let hcth = app.id_of("units", "HCTH").await;
        assert_eq!(app.get(&format!("/api/v1/assets?unit_id={hcth}")).await.1["total"], 0);
        let (s, body) = app.get(&format!("/api/v1/assets/{}", hcth_asset["id"])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body["error"].as_str().unwrap().contains("đơn vị mình"));
        let ttud = app.id_of("units", "TTUD").await;
        let cat = app.id_of("categories", "MMTB-TN").await;
        let (s, mine) =
            app.post("/api/v1/assets", json!({"name": "Cân mới", "unit_id": ttud, "category_id": cat})).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = app.post("/api/v1/assets", json!({"name": "Cân", "unit_id": hcth, "category_id": cat})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Moving one's own asset to another unit is outside the scope too.
        let (s, _) = app.put(&format!("/api/v1/assets/{}", mine["id"]), json!({"version": 1, "unit_id": hcth})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(
            app.put(&format!("/api/v1/assets/{}", hcth_asset["id"]), json!({"version": 1, "name": "x"})).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.delete(&format!("/api/v1/assets/{}", hcth_asset["id"])).await.0, StatusCode::FORBIDDEN);
        let (s, _) = app
            .put(&format!("/api/v1/assets/{}", mine["id"]), json!({"version": 1, "location": "Phòng đo lường"}))
            .await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn answers_carry_security_headers() {
    let app = TestApp::sqlite();
    app.act_as(Caller::Anonymous);
    let (_, headers, _) = app.send(Request::get("/dang-nhap").body(Body::empty()).unwrap()).await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn activity_exports_to_excel_and_the_export_is_recorded() {
    use calamine::{Reader, Xlsx};
    each_backend(|app: TestApp| async move {
        app.asset(json!({"name": "Máy ghi sổ"})).await;
        let before = app.audit_count();
        let (s, headers, bytes) =
            app.send(Request::get("/nhat-ky/xuat-excel?entity=asset").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        assert!(headers["content-disposition"].to_str().unwrap().contains(".xlsx"));
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a real workbook");
        let range = wb.worksheet_range("Nhật ký").unwrap();
        assert_eq!(range.get_size().0, 2, "header and one event");
        assert_eq!(range.get((0, 3)).unwrap().to_string(), "Người thực hiện");
        assert_eq!(range.get((1, 3)).unwrap().to_string(), "quantri");
        assert!(range.get((1, 8)).unwrap().to_string().contains("Máy ghi sổ"));
        assert_eq!(app.audit_count(), before + 1);
        let (_, log) = app.get("/api/v1/activity?action=export").await;
        assert_eq!(log["items"][0]["entity"], "activity");
    })
    .await;
}

#[tokio::test]
async fn guessing_is_throttled_per_address_across_accounts() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("nguoithat", "lanh_dao", Some("SKHCN"));
        app.act_as(Caller::Anonymous);
        for i in 0..taisan::auth::MAX_FAILS_PER_ADDRESS {
            let name = format!("doan{i}");
            let (s, _, _) = app.form("/dang-nhap", &[("username", &name), ("password", "doan-mo-123")]).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let (s, _, page) = app.form("/dang-nhap", &[("username", "nguoithat"), ("password", &password)]).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.contains("Máy của bạn đã đăng nhập sai quá nhiều lần"));
    })
    .await;
}
