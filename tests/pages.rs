//! The pages people use, on every backend: the real router, real templates.

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use serde_json::json;

#[tokio::test]
async fn home_register_and_asset_pages_with_demo_data() {
    each_backend(|app: TestApp| async move {
        assert_eq!(taisan::demo::load(&app.db).unwrap().0, 3);
        // Loading the demo twice adds nothing.
        assert_eq!(taisan::demo::load(&app.db).unwrap(), (0, 0));
        let (s, home) = app.page("/", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(home.contains("<svg class=\"chart\""), "charts drawn on the server");
        assert!(home.contains("Máy Real-time PCR CFX96 Touch"), "awaiting handling lists the cassava task's assets");
        assert!(!home.contains("Bò đực giống"), "handled assets are not awaiting");
        let (s, page) = app.page("/tai-san?q=may%20pcr", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Máy Real-time PCR CFX96 Touch") && page.contains("<form"));
        // htmx asks for the results only.
        let (s, partial) = app.page("/tai-san?q=tu%20an%20toan", true).await;
        assert_eq!(s, StatusCode::OK);
        assert!(partial.contains("Tủ an toàn sinh học cấp II") && !partial.contains("<html"));
        assert!(partial.contains("370.000.000 đ"), "sums in Vietnamese format: {partial}");
        let (s, bad) = app.page("/tai-san?year=abc", true).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("không phải số nguyên") && !bad.contains("<html"));
        let id = app.get("/api/v1/assets?q=pcr").await.1["items"][0]["id"].clone();
        let (s, asset) = app.page(&format!("/tai-san/{id}"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            asset.contains("Hao mòn đến 31/12/") && asset.contains("20/09/2021") && asset.contains("Lịch sử thay đổi")
        );
        let (s, asset) = app.page(&format!("/tai-san/{id}?as_of=31/12/2023"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(asset.contains("Hao mòn đến 31/12/2023"));
        assert_eq!(app.page("/tai-san/999999", false).await.0, StatusCode::NOT_FOUND);
        let (s, tasks) = app.page("/nhiem-vu", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(tasks.contains("khảm lá sắn"));
        let task = app.get("/api/v1/tasks?q=kham").await.1["items"][0]["id"].clone();
        let (s, t) = app.page(&format!("/nhiem-vu/{task}"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(t.contains("Nhà lưới nhân giống") && t.contains("Cộng (8 tài sản)"), "{t}");
        assert_eq!(app.page("/danh-muc", false).await.0, StatusCode::OK);
        assert_eq!(app.page("/khong-co-trang", false).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn forms_show_inline_errors_and_handle_a_stale_version() {
    each_backend(|app: TestApp| async move {
        let unit = app.id_of("units", "TTUD").await.to_string();
        let cat = app.id_of("categories", "MMTB-TN").await.to_string();
        let (s, _, page) = app
            .form("/tai-san/moi", &[("name", ""), ("unit_id", &unit), ("category_id", &cat), ("cost_state", "1,5")])
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("«Tên tài sản» không được để trống") && page.contains("không phải số nguyên đồng"));
        assert_eq!(app.asset_count(), 0);
        let (s, loc, _) = app
            .form(
                "/tai-san/moi",
                &[
                    ("name", "Máy đo"),
                    ("unit_id", &unit),
                    ("category_id", &cat),
                    ("cost_state", "25.000.000"),
                    ("acquired_on", "02/01/2025"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let loc = loc.unwrap();
        let (s, edit) = app.page(&format!("{loc}/sua"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            edit.contains("value=\"25.000.000\"") && edit.contains("value=\"02/01/2025\""),
            "stored values shown as typed"
        );
        // Someone else saves first…
        let id = loc.rsplit('/').next().unwrap();
        assert_eq!(
            app.put(&format!("/api/v1/assets/{id}"), json!({"version": 1, "location": "Kho B"})).await.0,
            StatusCode::OK
        );
        // …so this form, opened at version 1, is told and keeps what was typed.
        let fields = [
            ("version", "1"),
            ("name", "Máy đo mới"),
            ("unit_id", unit.as_str()),
            ("category_id", cat.as_str()),
            ("cost_state", "25.000.000"),
        ];
        let (s, _, page) = app.form(&format!("{loc}/sua"), &fields).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(page.contains("người khác sửa") && page.contains("value=\"Máy đo mới\"") && page.contains("Kho B"));
        assert!(page.contains("name=\"version\" value=\"2\""), "saving again is against the current version");
        let (_, _, _) = app.form(&format!("{loc}/sua"), &[("version", "2"), ("name", "Máy đo mới")]).await;
        assert_eq!(app.get(&format!("/api/v1/assets/{id}")).await.1["name"], "Máy đo mới");
        let (s, loc2, _) = app.form(&format!("{loc}/xoa"), &[("version", "3")]).await;
        assert_eq!((s, loc2.as_deref()), (StatusCode::SEE_OTHER, Some("/tai-san")));
        assert_eq!(app.asset_count(), 0);
        // Task forms.
        let (s, loc, _) =
            app.form("/nhiem-vu/moi", &[("code", "NV-01"), ("title", "Nhiệm vụ thử"), ("host_org", "Trung tâm")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc:?}");
        let (s, _, page) = app.form("/nhiem-vu/moi", &[("code", "NV-01")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Mã nhiệm vụ «NV-01» đã có"));
    })
    .await;
}

#[tokio::test]
async fn static_files_are_served_from_the_binary() {
    let app = TestApp::sqlite();
    let (s, js) = app.page("/static/htmx.min.js", false).await;
    assert_eq!(s, StatusCode::OK);
    assert!(js.len() > 40_000);
    assert_eq!(app.page("/static/app.css", false).await.0, StatusCode::OK);
}

/// Forms keep what was typed, with the message at its field; only what a record's state allows is
/// offered; dates carry no placeholder that looks like a value.
#[tokio::test]
async fn forms_keep_what_was_typed_and_offer_only_what_the_state_allows() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, list) = app.get("/api/v1/inspections").await;
        let id = list["items"][0]["inspection"]["id"].as_i64().unwrap();
        let fields = [
            ("title", "Mua máy ly tâm giá cao hơn thị trường"),
            ("category", "mua_sam"),
            ("amount", "12.500.000"),
            ("asset_codes", "KHONG-CO-MA-NAY"),
            ("description", "Ba báo giá cùng một người lập"),
        ];
        let (s, _, page) = app.form(&format!("/thanh-tra/{id}/phat-hien"), &fields).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        for (_, typed) in &fields[..4] {
            assert!(page.contains(&format!("value=\"{typed}\"")), "«{typed}» is kept: {page}");
        }
        assert!(page.contains("Ba báo giá cùng một người lập</textarea>"));
        assert!(
            page.contains("id=\"finding_assets\" value=\"KHONG-CO-MA-NAY\" autofocus"),
            "the cursor goes to the field"
        );
        assert!(page.contains("id=\"finding_assets-error\""), "the message stands at its field");
        // Dates say their format beside the label, not as a grey value inside the field.
        let (_, new_asset) = app.page("/tai-san/moi", false).await;
        assert!(!new_asset.contains("placeholder=\"dd/mm/yyyy\"") && new_asset.contains("(ngày/tháng/năm)"));
        // A handover records no money; a written-down handling offers no revocation.
        let (_, disposals) = app.get("/api/v1/disposals").await;
        for d in disposals["items"].as_array().unwrap() {
            let (_, page) = app.page(&format!("/xu-ly/{}", d["id"]), false).await;
            let (_, full) = app.get(&format!("/api/v1/disposals/{}", d["id"])).await;
            if full["form"]["execution"] == "ban_giao" {
                assert!(!page.contains("id=\"money-form\""), "{}: a handover shows a money form", d["code"]);
            }
            if d["status"] == "da_ghi_giam" {
                assert!(!page.contains("id=\"revoke-form\""), "{}: written down, yet revocable", d["code"]);
            }
        }
    })
    .await;
}
