//! Importing through the API (multipart upload) and through the pages (upload → preview → import).

mod common;

use axum::http::StatusCode;
use common::{each_backend, Caller, TestApp};
use serde_json::Value;

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

#[tokio::test]
async fn a_large_upload_shows_its_progress_until_done() {
    each_backend(|app: TestApp| async move {
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        let Caller::Session { csrf, .. } = session.clone() else { unreachable!() };
        // The page does not wait for the import: the progress page comes at once, however fast
        // this machine is.
        let mut app = app;
        app.router = taisan::router::router(taisan::web::AppState {
            db: app.db.clone(),
            imports: taisan::assets::import_web::ImportJobs::waiting(std::time::Duration::ZERO),
        });
        let n = 20_000;
        let file = large_register(n);
        let (s, location, _) = app
            .upload(
                "/nhap-du-lieu",
                "lon.xlsx",
                "application/octet-stream",
                &file,
                &[("csrf_token", &csrf), ("mode", "create")],
            )
            .await;
        // Too long to wait for: the page that shows its progress.
        assert_eq!(s, StatusCode::SEE_OTHER);
        let job = location.unwrap();
        assert!(job.starts_with("/nhap-du-lieu/viec/"), "{job}");
        let mut pages = vec![];
        let result = loop {
            let (s, page) = app.page(&job, false).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            if !page.contains("id=\"import-progress\"") {
                break page;
            }
            assert!(page.contains("http-equiv=\"refresh\""));
            pages.push(page);
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        };
        assert!(result.contains("Thêm 20.000"), "{result}");
        assert!(result.contains("Còn 15.000 dòng không có lỗi không hiện ở đây"), "the first 5,000 rows are shown");
        assert!(pages.iter().any(|p| p.contains("/ 20.000 dòng")), "the progress page counts the rows: {pages:?}");
        assert_eq!(app.asset_count(), 0, "a preview saves nothing");
        // Someone else does not see this person's import.
        let other = app.add_user("xuly2", "xu_ly_tai_san", Some("TXLTS"));
        let s2 = app.login("xuly2", &other).await;
        app.act_as(s2);
        assert_eq!(app.page(&job, false).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}
