//! Importing through the API (multipart upload) and through the pages (upload → preview → import).

mod common;

use axum::http::StatusCode;
use common::{each_backend, Caller, TestApp};
use serde_json::Value;
use std::time::Duration;

async fn upload(app: &TestApp, uri: &str, file: &str, fields: &[(&str, &str)]) -> (StatusCode, Vec<u8>) {
    let bytes = std::fs::read(format!("imports/samples/{file}")).unwrap();
    let (s, _, body) = app.upload(uri, file, "application/octet-stream", &bytes, fields).await;
    (s, body)
}

#[tokio::test]
async fn the_api_previews_and_imports_an_upload() {
    each_backend(|app: TestApp| async move {
        let (s, body) = upload(&app, "/api/v1/imports/assets?preview=true", "so-tai-san-lon-xon.xlsx", &[]).await;
        assert_eq!(s, StatusCode::OK);
        let r: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(r["counts"]["create"], 4);
        assert_eq!(r["saved"], false);
        assert_eq!(app.asset_count(), 0);
        let (s, body) = upload(&app, "/api/v1/imports/assets", "so-tai-san-lon-xon.xlsx", &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        let r: Value = serde_json::from_slice(&body).unwrap();
        let id = r["import_id"].as_i64().unwrap();
        assert_eq!(app.asset_count(), 4);
        let (s, rec) = app.get(&format!("/api/v1/imports/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(rec["import"]["created"], 4);
        assert_eq!(rec["import"]["sha256"].as_str().unwrap().len(), 64);
        assert!(rec["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "skip" && r["message"].as_str().unwrap().starts_with("Dòng cộng «Cộng I»")));
        // The same file again: the client is asked.
        let (s, body) = upload(&app, "/api/v1/imports/assets", "so-tai-san-lon-xon.xlsx", &[]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{}", String::from_utf8_lossy(&body));
        let (s, body) = upload(&app, "/api/v1/imports/assets?strict=true", "loi.xlsx", &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let r: Value = serde_json::from_slice(&body).unwrap();
        assert!(r["error"].as_str().unwrap().contains("7 dòng có lỗi"));
        let (s, body) = upload(&app, "/api/v1/imports/assets?mode=bay", "loi.xlsx", &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        // Leadership reads the register but does not import.
        app.add_user("ld", "lanh_dao", Some("SKHCN"));
        app.act_as(Caller::Token(app.token_for("ld")));
        assert_eq!(upload(&app, "/api/v1/imports/assets", "vni.xlsx", &[]).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.asset_count(), 4);
    })
    .await;
}

#[tokio::test]
async fn the_page_uploads_previews_corrects_and_imports() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        let Caller::Session { cookie, csrf } = session.clone() else { unreachable!() };
        // The upload form carries the CSRF token as a hidden field, never in an address; without it
        // the upload is refused.
        app.act_as(session.clone());
        let (_, form) = app.page("/nhap-du-lieu", false).await;
        assert!(form.contains(&format!("name=\"csrf_token\" value=\"{csrf}\"")), "{form}");
        assert!(!form.contains("?csrf_token="), "no token in an address: {form}");
        app.act_as(Caller::Session { cookie: cookie.clone(), csrf: String::new() });
        let (s, _) = upload(&app, "/nhap-du-lieu", "vni.xlsx", &[("mode", "upsert")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = upload(&app, &format!("/nhap-du-lieu?csrf_token={csrf}"), "vni.xlsx", &[("mode", "upsert")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a token in the address is not taken");
        let (s, page) =
            upload(&app, "/nhap-du-lieu", "vni.xlsx", &[("csrf_token", &csrf), ("mode", "upsert"), ("strict", "true")])
                .await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(
            page.contains("VNI-Windows") && page.contains("Máy quang phổ tử ngoại khả kiến") && page.contains("Thêm 3")
        );
        assert_eq!(app.asset_count(), 0);
        let upload_id = page.split("action=\"/nhap-du-lieu/").nth(1).unwrap().split('"').next().unwrap().to_string();
        // Correct the mapping: ignore the notes column, preview again.
        app.act_as(session.clone());
        let (s, _, page) = app
            .form(&format!("/nhap-du-lieu/{upload_id}"), &[("action", "preview"), ("mode", "upsert"), ("col_11", "")])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Xem trước"));
        let (s, _, page) = app
            .form(&format!("/nhap-du-lieu/{upload_id}"), &[("action", "import"), ("mode", "upsert"), ("col_11", "")])
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Đã nhập xong"), "{page}");
        assert_eq!(app.asset_count(), 3);
        app.act_as(Caller::Token(app.token_for("quantri")));
        let (_, a) = app.get("/api/v1/assets?q=TT-002").await;
        assert_eq!(a["items"][0]["notes"], Value::Null, "the ignored column was not imported");
        // Someone else cannot reuse this person's upload.
        let other = app.add_user("xuly2", "xu_ly_tai_san", Some("TXLTS"));
        let s2 = app.login("xuly2", &other).await;
        app.act_as(s2);
        let (s, _, _) = app.form(&format!("/nhap-du-lieu/{upload_id}"), &[("action", "import")]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

/// A register of `n` rows, written here so that the test does not carry a large file.
fn large_register(n: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..n {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("LON-{i:06}")).unwrap();
        ws.write_string(r, 1, format!("Bàn làm việc số {i}")).unwrap();
        ws.write_string(r, 2, "MMTB-VP").unwrap();
        ws.write_string(r, 3, "TTUD").unwrap();
        ws.write_number(r, 4, 12_500_000.0).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// Another `taisan serve` on the same database: its own pools and its own jobs, nothing shared in
/// memory with the first.
fn second_server(app: &TestApp, jobs: taisan::import::jobs::Jobs) -> axum::Router {
    let db = taisan::open(&app.url).expect("the second server opens the database");
    taisan::router::router(taisan::web::AppState { db, imports: jobs })
}

#[tokio::test]
async fn an_import_started_on_one_server_is_followed_on_another() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        let Caller::Session { csrf, .. } = session.clone() else { unreachable!() };
        // The first server does not wait for the import: the progress page comes at once, however
        // fast this machine is.
        let mut app = app;
        let first = second_server(&app, taisan::import::jobs::Jobs::new(Duration::ZERO, taisan::import::jobs::STALE));
        let other = second_server(&app, taisan::import::jobs::Jobs::default());
        app.router = first;
        let n = 20_000;
        let mut file = large_register(n);
        // Two rows that fail, for the errors workbook.
        file = with_bad_rows(file);
        let (s, location, _) = app
            .upload(
                "/nhap-du-lieu",
                "lon.xlsx",
                "application/octet-stream",
                &file,
                &[("csrf_token", &csrf), ("mode", "create")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let job = location.unwrap();
        assert!(job.starts_with("/nhap-du-lieu/viec/"), "{job}");
        // Followed through the other server, which never saw the upload.
        app.router = other;
        let mut pages = vec![];
        let result = loop {
            let (s, page) = app.page(&job, false).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            if !page.contains("id=\"import-progress\"") {
                break page;
            }
            assert!(page.contains("http-equiv=\"refresh\""));
            pages.push(page);
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        assert_eq!(n, 20_000);
        assert!(result.contains("Thêm 19.998"), "{result}");
        assert!(result.contains("Lỗi 2"), "{result}");
        assert!(result.contains("Còn 15.000 dòng không có lỗi không hiện ở đây"), "the first 5,000 rows are shown");
        if app.backend == "postgres" {
            // The heartbeat carries the figures to the other server (SQLite's one writer is the
            // import's own until it ends: there the page says only that it runs).
            assert!(
                pages.is_empty() || pages.iter().any(|p| p.contains("/ 20.000 dòng") || p.contains("Đang đọc tệp")),
                "{pages:?}"
            );
        }
        assert_eq!(app.asset_count(), 0, "a preview saves nothing");
        // The errors workbook comes from the kept outcomes, through either server.
        let link = result.split("id=\"errors-xlsx\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert_eq!(link, format!("{job}/dong-loi.xlsx"));
        let workbook = app.download(&link).await;
        let rows = common::sheet_rows(&workbook, "Dòng lỗi");
        assert_eq!(rows.len(), 3, "the header and the two rows that failed: {rows:?}");
        assert!(rows[1].contains("LON-000007") && rows[1].contains("không phải số nguyên đồng"), "{rows:?}");
        assert!(rows[2].contains("LON-000011") && rows[2].contains("không có trong danh mục"), "{rows:?}");
        // Someone else does not see this person's import, on any server.
        let other = app.add_user("xuly2", "xu_ly_tai_san", Some("TXLTS"));
        let s2 = app.login("xuly2", &other).await;
        app.act_as(s2);
        assert_eq!(app.page(&job, false).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.send(common::empty_request(&axum::http::Method::GET, &link)).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

/// The register with row 9 (LON-000007) costing a fraction of a đồng and row 13 (LON-000011) in a
/// unit that does not exist.
fn with_bad_rows(file: Vec<u8>) -> Vec<u8> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(file)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    for (r, row) in range.rows().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r32, c16) = (r as u32, c as u16);
            match (r, c, cell) {
                (8, 4, _) => ws.write_number(r32, c16, 12_500_000.5).map(|_| ()),
                (12, 3, _) => ws.write_string(r32, c16, "Phòng không có").map(|_| ()),
                (_, _, calamine::Data::Float(f)) => ws.write_number(r32, c16, *f).map(|_| ()),
                (_, _, d) => ws.write_string(r32, c16, d.to_string()).map(|_| ()),
            }
            .unwrap();
        }
    }
    out.save_to_buffer().unwrap()
}

/// A real `taisan serve` killed in the middle of an import: the other server shows the job as
/// interrupted, and nothing of it was written.
#[tokio::test]
async fn an_import_whose_server_died_is_interrupted_with_nothing_written() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        let Caller::Session { cookie, csrf } = session.clone() else { unreachable!() };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_taisan"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &app.url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let file = large_register(60_000);
        let (job, before_kill) = tokio::task::spawn_blocking(move || {
            let agent = ureq::AgentBuilder::new().redirects(0).build();
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while agent.get(&format!("{base}/dang-nhap")).call().is_err() {
                assert!(std::time::Instant::now() < deadline, "server did not start");
                std::thread::sleep(Duration::from_millis(100));
            }
            let body = common::multipart(
                "lon.xlsx",
                "application/octet-stream",
                &file,
                &[("csrf_token", &csrf), ("mode", "create")],
            );
            let res = agent
                .post(&format!("{base}/nhap-du-lieu"))
                .set("cookie", &format!("taisan_session={cookie}"))
                .set("content-type", &format!("multipart/form-data; boundary={}", common::BOUNDARY))
                .send_bytes(&body)
                .unwrap();
            assert_eq!(res.status(), 303, "the import outlasts the page's wait");
            let job = res.header("location").unwrap().to_string();
            let page = agent
                .get(&format!("{base}{job}"))
                .set("cookie", &format!("taisan_session={cookie}"))
                .call()
                .unwrap()
                .into_string()
                .unwrap();
            (job, page)
        })
        .await
        .unwrap();
        assert!(before_kill.contains("id=\"import-progress\""), "{before_kill}");
        server.kill().unwrap();
        server.wait().unwrap();
        // The next server: on SQLite it is the one that starts on the file; on PostgreSQL one that
        // runs beside, which sees the heartbeat stop.
        let jobs = taisan::import::jobs::Jobs::new(Duration::ZERO, Duration::from_secs(1));
        if app.backend == "sqlite" {
            assert_eq!(taisan::import::jobs::interrupt_orphans(&app.db, taisan::import::jobs::STALE).unwrap(), 1);
        } else {
            tokio::time::sleep(Duration::from_millis(2_000)).await;
        }
        let mut app = app;
        app.router = second_server(&app, jobs);
        let (s, page) = app.page(&job, false).await;
        assert_eq!(s, StatusCode::CONFLICT, "{page}");
        assert!(page.contains("bị gián đoạn") && page.contains("không có gì được lưu"), "{page}");
        assert_eq!(app.asset_count(), 0, "nothing half-written");
        let (_, imports) = app.get("/api/v1/imports").await;
        assert!(imports["items"].as_array().unwrap().iter().all(|i| i["status"] != "done"), "{imports}");
    })
    .await;
}

#[tokio::test]
async fn a_failed_cell_is_corrected_in_the_preview_and_kept_with_the_import() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        let Caller::Session { csrf, .. } = session.clone() else { unreachable!() };
        app.act_as(session.clone());
        let (s, page) = upload(
            &app,
            "/nhap-du-lieu",
            "loi.xlsx",
            &[("csrf_token", &csrf), ("mode", "upsert"), ("strict", "false")],
        )
        .await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Lỗi 7"), "{page}");
        let upload_id = page.split("action=\"/nhap-du-lieu/").nth(1).unwrap().split('"').next().unwrap().to_string();
        // Row 9 names its unit without diacritics: the grid offers the cell, the person types the code.
        let mut fields = common::form_fields(&page, "/nhap-du-lieu/").1;
        let shown = format!("{fields:?}");
        let cell = fields.iter_mut().find(|(k, v)| k.starts_with("fix:9:") && v == "Trung tam Ung dung");
        let cell = cell.unwrap_or_else(|| panic!("row 9's unit is offered: {shown}"));
        cell.1 = "TTUD".into();
        let fix_name = cell.0.clone();
        fields.push(("action".into(), "preview".into()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, page) = app.form(&format!("/nhap-du-lieu/{upload_id}"), &pairs).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Lỗi 6") && page.contains("id=\"fixes-applied\""), "{page}");
        assert!(page.contains("«Trung tam Ung dung» → «TTUD»"), "{page}");
        // Checked again, the passed row's correction is carried; then imported.
        let mut fields = common::form_fields(&page, "/nhap-du-lieu/").1;
        assert!(fields.iter().any(|(k, v)| *k == fix_name && v == "TTUD"), "carried: {fields:?}");
        fields.push(("action".into(), "import".into()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, page) = app.form(&format!("/nhap-du-lieu/{upload_id}"), &pairs).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("Đã nhập xong") && page.contains("thêm 2"), "{page}");
        let id = page.split("lần nhập số ").nth(1).unwrap().split(')').next().unwrap().to_string();
        app.act_as(Caller::Token(app.token_for("quantri")));
        let (_, record) = app.get(&format!("/api/v1/imports/{id}")).await;
        let fixes = record["fixes"].as_array().unwrap();
        assert_eq!(fixes.len(), 1, "{record}");
        assert_eq!(fixes[0]["excel_row"], 9);
        assert_eq!(fixes[0]["column_header"], "Đơn vị quản lý");
        assert_eq!(fixes[0]["file_value"], "Trung tam Ung dung");
        assert_eq!(fixes[0]["used_value"], "TTUD");
        assert_eq!(fixes[0]["actor"], "xuly");
    })
    .await;
}
