//! The register through `/api/v1/assets`, on every configured backend.

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use serde_json::json;

#[tokio::test]
async fn search_ignores_diacritics_and_case_and_sums_everything_matched() {
    each_backend(|app: TestApp| async move {
        app.asset(json!({"name": "Máy PCR Real-time", "cost_state": 1_450_000_000})).await;
        app.asset(json!({"name": "Tủ an toàn sinh học", "cost_state": 185_000_000, "quantity": 1})).await;
        app.asset(json!({"name": "MÁY ly tâm lạnh", "cost_state": 320_000_000})).await;
        let (s, body) = app.get("/api/v1/assets?q=may%20pcr").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body["total"], 1, "{}", app.backend);
        assert_eq!(body["items"][0]["name"], "Máy PCR Real-time");
        let (_, body) = app.get("/api/v1/assets?q=M%C3%81Y").await; // "MÁY"
        assert_eq!(body["total"], 2);
        assert_eq!(body["total_original_cost"], 1_770_000_000i64);
        // NFD query text finds NFC data.
        let (_, body) = app.get("/api/v1/assets?q=Ma%CC%81y%20ly").await;
        assert_eq!(body["total"], 1);
        // A LIKE wildcard in the query is text, not a pattern.
        let (_, body) = app.get("/api/v1/assets?q=%25").await;
        assert_eq!(body["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn filters_sorting_pagination_and_totals() {
    each_backend(|app: TestApp| async move {
        let hcth = app.id_of("units", "HCTH").await;
        for i in 0..7 {
            app.asset(json!({"name": format!("Máy số {i}"), "cost_state": 20_000_000 + i * 1_000_000})).await;
        }
        app.asset(json!({"name": "Xe của văn phòng", "unit_id": hcth, "cost_state": 900_000_000, "acquired_on": "2019-12-10", "status": "cho_xu_ly"})).await;
        let (_, body) = app.get("/api/v1/assets?per_page=3&page=2&sort=original_cost&order=desc").await;
        assert_eq!(body["total"], 8);
        assert_eq!(body["items"].as_array().unwrap().len(), 3);
        assert_eq!(body["items"][0]["original_cost"], 24_000_000);
        assert_eq!(body["total_original_cost"], 900_000_000i64 + (20..27).map(|m| m * 1_000_000i64).sum::<i64>());
        let (_, body) = app.get(&format!("/api/v1/assets?unit_id={hcth}")).await;
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["unit_code"], "HCTH");
        let (_, body) = app.get("/api/v1/assets?year=2019").await;
        assert_eq!(body["total"], 1);
        // A status by its Vietnamese name works as well as by its code.
        let (_, body) = app.get("/api/v1/assets?status=Ch%E1%BB%9D%20x%E1%BB%AD%20l%C3%BD").await;
        assert_eq!(body["total"], 1);
        let (s, body) = app.get("/api/v1/assets?per_page=0&sort=gia&year=abc").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for f in ["per_page", "sort", "year"] {
            assert!(body["fields"][f].is_string(), "{f}: {body}");
        }
    })
    .await;
}

#[tokio::test]
async fn create_derives_code_kind_wear_and_history() {
    each_backend(|app: TestApp| async move {
        let before = app.audit_count();
        let a =
            app.asset(json!({"name": "Máy quang phổ", "cost_state": 100_000_000, "acquired_on": "15/03/2024"})).await;
        assert_eq!(a["code"], "TTUD-2024-0001");
        assert_eq!(a["kind"], "huu_hinh");
        assert_eq!(a["original_cost"], 100_000_000);
        assert_eq!(a["version"], 1);
        assert_eq!(app.audit_count(), before + 1);
        let b = app.asset(json!({"name": "Máy phun", "cost_state": 38_000_000, "quantity": 4})).await;
        assert_eq!(b["code"], "TTUD-2024-0002");
        // 9,5 million an item: tools, whatever the row total.
        assert_eq!(b["kind"], "ccdc");
        assert_eq!(b["residual_value"], 38_000_000);
        let c = app.asset(json!({"name": "Cân", "cost_state": 10_000_000, "code": "CAN-01"})).await;
        assert_eq!(c["kind"], "huu_hinh");
        let (s, hist) = app.get(&format!("/api/v1/assets/{}/history", a["id"])).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(hist["items"][0]["action"], "create");
    })
    .await;
}

#[tokio::test]
async fn invalid_input_gets_vietnamese_messages_per_field_and_writes_nothing() {
    each_backend(|app: TestApp| async move {
        app.asset(json!({"code": "DA-CO"})).await;
        let (assets, events) = (app.asset_count(), app.audit_count());
        let (s, body) = app
            .post(
                "/api/v1/assets",
                json!({"name": "  ", "code": "DA-CO", "unit_id": 9999, "category_id": "x", "cost_state": "một trăm triệu",
                       "acquired_on": "31/02/2024", "quantity": 0, "status": "bay", "nguyen_gia": 5}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let f = &body["fields"];
        assert_eq!(f["name"], "«Tên tài sản» không được để trống");
        assert_eq!(f["code"], "Mã tài sản «DA-CO» đã có trong sổ");
        assert_eq!(f["unit_id"], "Đơn vị quản lý không tồn tại");
        assert!(f["cost_state"].as_str().unwrap().contains("«một trăm triệu»"), "{f}");
        assert!(f["acquired_on"].as_str().unwrap().contains("không phải ngày hợp lệ"));
        assert!(f["quantity"].is_string() && f["status"].is_string() && f["category_id"].is_string());
        assert!(f["nguyen_gia"].as_str().unwrap().contains("không có trong bản ghi"));
        assert_eq!((app.asset_count(), app.audit_count()), (assets, events));
        // Money must be whole đồng, never negative; a task asset must say whether it was bought or produced.
        let task = app.post("/api/v1/tasks", json!({"code": "NV1", "title": "Nhiệm vụ", "host_org": "Trung tâm"})).await.1;
        let (s, body) = app.post("/api/v1/assets", json!({"name": "x", "unit_id": 1, "category_id": 1, "cost_state": 1.5, "cost_other": -3, "task_id": task["id"]})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["fields"]["cost_state"].is_string() && body["fields"]["cost_other"].is_string());
        assert!(body["fields"]["task_asset_kind"].is_string(), "{body}");
        assert_eq!(app.asset_count(), assets);
    })
    .await;
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    each_backend(|app: TestApp| async move {
        use axum::body::Body;
        use axum::http::Request;
        let req = Request::post("/api/v1/assets")
            .header("content-type", "application/json")
            .body(Body::from("{\"name\": "))
            .unwrap();
        let (s, _, body) = app.send(req).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8(body).unwrap().contains("JSON không hợp lệ"));
        let req = Request::post("/api/v1/assets").header("content-type", "text/plain").body(Body::from("x")).unwrap();
        assert_eq!(app.send(req).await.0, StatusCode::BAD_REQUEST);
        let (s, body) = app.post("/api/v1/assets", json!([1, 2])).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(app.get("/api/v1/assets/abc").await.0, StatusCode::NOT_FOUND);
        let (s, body) = app.get("/api/v1/assets/424242").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(body["error"].as_str().unwrap().contains("Không tìm thấy"));
        assert_eq!(app.get("/api/v1/khong-co").await.0, StatusCode::NOT_FOUND);
        // Over the body limit: refused before it is parsed.
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
        let req =
            Request::post("/api/v1/assets").header("content-type", "application/json").body(Body::from(big)).unwrap();
        assert_eq!(app.send(req).await.0, StatusCode::BAD_REQUEST);
        assert_eq!(app.asset_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn update_with_version_and_stale_version_conflict() {
    each_backend(|app: TestApp| async move {
        let a = app.asset(json!({"name": "Máy cũ", "location": "Kho"})).await;
        let uri = format!("/api/v1/assets/{}", a["id"]);
        // Only the fields sent change.
        let (s, b) = app.put(&uri, json!({"version": 1, "name": "Máy mới"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            (b["name"].as_str(), b["location"].as_str(), b["version"].as_i64()),
            (Some("Máy mới"), Some("Kho"), Some(2))
        );
        // Sending back the whole GET answer with a change works too.
        let mut whole = app.get(&uri).await.1;
        whole["status"] = json!("hong_cho_xu_ly");
        let (s, b) = app.put(&uri, whole).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["status_name"], "Hỏng, chờ xử lý");
        let events = app.audit_count();
        let (s, b) = app.put(&uri, json!({"version": 1, "name": "Ghi đè"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(b["current"]["name"], "Máy mới");
        assert_eq!(b["current"]["version"], 3);
        let (s, b) = app.put(&uri, json!({"name": "Không có version"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(b["fields"]["version"].is_string());
        let (s, _) = app.put(&uri, json!({"version": 3, "cost_state": "abc"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.audit_count(), events);
        assert_eq!(app.get(&uri).await.1["name"], "Máy mới");
        let (s, hist) = app.get(&format!("{uri}/history")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(hist["items"].as_array().unwrap().len(), 3);
        assert_eq!(hist["items"][0]["action"], "update");
    })
    .await;
}

#[tokio::test]
async fn concurrent_updates_of_one_version_let_exactly_one_win() {
    each_backend(|app: TestApp| async move {
        let a = app.asset(json!({"name": "Máy tranh chấp"})).await;
        let uri = format!("/api/v1/assets/{}", a["id"]);
        let tries: Vec<_> =
            (0..6).map(|i| app.put(&uri, json!({"version": 1, "name": format!("Người sửa {i}")}))).collect();
        let results = futures::future::join_all(tries).await;
        let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        let conflicts = results.iter().filter(|(s, _)| *s == StatusCode::CONFLICT).count();
        assert_eq!((ok, conflicts), (1, 5), "{}: {results:?}", app.backend);
        let winner = results.iter().find(|(s, _)| *s == StatusCode::OK).unwrap().1["name"].clone();
        let now = app.get(&uri).await.1;
        assert_eq!((now["name"].clone(), now["version"].clone()), (winner, json!(2)));
    })
    .await;
}

#[tokio::test]
async fn delete_only_what_nothing_refers_to() {
    each_backend(|app: TestApp| async move {
        let (_, task) =
            app.post("/api/v1/tasks", json!({"code": "NV-X", "title": "Nhiệm vụ X", "host_org": "Trung tâm"})).await;
        let a = app.asset(json!({"task_id": task["id"], "task_asset_kind": "trang_bi"})).await;
        let (s, b) = app.delete(&format!("/api/v1/tasks/{}", task["id"])).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(b["error"].as_str().unwrap().contains("còn 1 tài sản"), "{b}");
        let unit = app.id_of("units", "TTUD").await;
        assert_eq!(app.delete(&format!("/api/v1/units/{unit}")).await.0, StatusCode::CONFLICT);
        let cat = app.id_of("categories", "MMTB-TN").await;
        assert_eq!(app.delete(&format!("/api/v1/categories/{cat}")).await.0, StatusCode::CONFLICT);
        // A stale version refuses the delete too.
        assert_eq!(app.delete(&format!("/api/v1/assets/{}?version=7", a["id"])).await.0, StatusCode::CONFLICT);
        let events = app.audit_count();
        assert_eq!(app.delete(&format!("/api/v1/assets/{}?version=1", a["id"])).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.audit_count(), events + 1);
        assert_eq!(app.get(&format!("/api/v1/assets/{}", a["id"])).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&format!("/api/v1/tasks/{}", task["id"])).await.0, StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn wear_as_of_any_date() {
    each_backend(|app: TestApp| async move {
        let cat = app.id_of("categories", "MMTB-VT").await;
        let a = app
            .asset(
                json!({"name": "Máy tính", "category_id": cat, "cost_state": 30_000_000, "acquired_on": "2022-05-01"}),
            )
            .await;
        let (s, w) = app.get(&format!("/api/v1/assets/{}/wear?as_of=31/12/2024", a["id"])).await;
        assert_eq!(s, StatusCode::OK, "{w}");
        // 5 years, 20 % a year: 2022, 2023, 2024.
        assert_eq!(w["accumulated_wear"], 18_000_000);
        assert_eq!(w["residual_value"], 12_000_000);
        assert_eq!(w["years"].as_array().unwrap().len(), 3);
        let (s, w) = app.get(&format!("/api/v1/assets/{}/wear?as_of=2040-01-01", a["id"])).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(w["residual_value"], 0);
        let (s, _) = app.get(&format!("/api/v1/assets/{}/wear?as_of=hom-qua", a["id"])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}
