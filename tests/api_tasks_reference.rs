//! S&T tasks, units, categories, wear rates and rule settings through the API, on every backend.

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use serde_json::json;

#[tokio::test]
async fn tasks_crud_with_funding_share_and_asset_totals() {
    each_backend(|app: TestApp| async move {
        let (s, t) = app
            .post(
                "/api/v1/tasks",
                json!({"code": "ĐTNN-03/2021", "title": "Nghiên cứu giải pháp tổng hợp phòng trừ bệnh khảm lá sắn",
                       "host_org": "Trung tâm Ứng dụng và Dịch vụ KH&CN", "total_budget": 3_200_000_000i64, "state_budget": 2_400_000_000i64,
                       "start_date": "01/06/2021", "end_date": "31/12/2023", "acceptance_date": "15/03/2024", "status": "da_nghiem_thu"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        assert_eq!(t["funding"], "mot_phan");
        assert_eq!(t["state_share_bp"], 7500);
        assert_eq!(t["legal_regime"], "nd70_2018");
        app.asset(json!({"task_id": t["id"], "task_asset_kind": "trang_bi", "cost_state": 1_450_000_000})).await;
        app.asset(json!({"task_id": t["id"], "task_asset_kind": "ket_qua", "cost_state": 250_000_000})).await;
        let (_, v) = app.get(&format!("/api/v1/tasks/{}", t["id"])).await;
        assert_eq!((v["asset_count"].as_i64(), v["asset_original_cost"].as_i64()), (Some(2), Some(1_700_000_000)));
        // Accepted tasks' assets wait for handling.
        let (_, awaiting) = app.get("/api/v1/assets?awaiting_handling=1").await;
        assert_eq!(awaiting["total"], 2);
        let (_, list) = app.get("/api/v1/tasks?q=kham%20la%20san").await;
        assert_eq!(list["total"], 1);
        let (s, b) = app.post("/api/v1/tasks", json!({"code": "ĐTNN-03/2021", "title": "", "status": "da_nghiem_thu", "legal_regime": "x", "state_budget": 5, "total_budget": 1})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for f in ["code", "title", "host_org", "legal_regime", "state_budget", "acceptance_date"] {
            assert!(b["fields"][f].is_string(), "{f}: {b}");
        }
        let (s, b) = app.put(&format!("/api/v1/tasks/{}", t["id"]), json!({"version": 1, "legal_regime": "luat93_2025"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["legal_regime_name"], "Luật KH,CN&ĐMST 93/2025/QH15");
        assert_eq!(app.put(&format!("/api/v1/tasks/{}", t["id"]), json!({"version": 1, "title": "x"})).await.0, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn units_and_categories_are_editable_reference_data() {
    each_backend(|app: TestApp| async move {
        let (_, units) = app.get("/api/v1/units").await;
        let codes: Vec<&str> = units["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
        for c in ["SKHCN", "HCTH", "QLKH", "QLCN", "TTRA", "TTUD", "TXLTS"] {
            assert!(codes.contains(&c), "{c} missing: {codes:?}");
        }
        let parent = app.id_of("units", "SKHCN").await;
        let (s, u) = app.post("/api/v1/units", json!({"code": "PKT", "name": "Phòng Kế toán", "kind": "phong", "parent_id": parent})).await;
        assert_eq!(s, StatusCode::CREATED, "{u}");
        let (s, b) = app.post("/api/v1/units", json!({"code": "PKT", "name": "", "kind": "bo"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(b["fields"]["code"].is_string() && b["fields"]["name"].is_string() && b["fields"]["kind"].is_string());
        let (s, u2) = app.put(&format!("/api/v1/units/{}", u["id"]), json!({"version": 1, "ma_qhns": "1234567"})).await;
        assert_eq!(s, StatusCode::OK, "{u2}");
        assert_eq!(u2["ma_qhns"], "1234567");
        assert_eq!(app.put(&format!("/api/v1/units/{}", u["id"]), json!({"ma_qhns": "1"})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.delete(&format!("/api/v1/units/{}", u["id"])).await.0, StatusCode::NO_CONTENT);
        // The parent cannot go while it has children.
        assert_eq!(app.delete(&format!("/api/v1/units/{parent}")).await.0, StatusCode::CONFLICT);

        let (_, classes) = app.get("/api/v1/classes").await;
        let mmtb = classes["items"].as_array().unwrap().iter().find(|c| c["code"] == "MMTB").unwrap()["id"].clone();
        let (s, cat) = app.post("/api/v1/categories", json!({"code": "MMTB-YT", "name": "Thiết bị y tế", "class_id": mmtb, "legal_source": "TT 23/2023/TT-BTC"})).await;
        assert_eq!(s, StatusCode::CREATED, "{cat}");
        assert_eq!(cat["class_code"], "MMTB");
        let (_, found) = app.get("/api/v1/categories?q=thiet%20bi%20y%20te").await;
        assert!(found["items"].as_array().unwrap().iter().any(|c| c["code"] == "MMTB-YT"), "{found}");
        assert_eq!(app.delete(&format!("/api/v1/categories/{}", cat["id"])).await.0, StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn wear_tables_are_dated_and_a_correction_recomputes_the_register() {
    each_backend(|app: TestApp| async move {
        // The register's «Máy vi tính» refines the national 60101, whose dated rates it takes.
        let cat = app.id_of("categories", "MMTB-VT").await;
        let node = app.id_of("categories", "60101").await;
        let (_, rates) = app.get(&format!("/api/v1/wear-rates?category_id={node}&on=2026-06-01")).await;
        assert_eq!(rates["total"], 1);
        let rate_2026 = rates["items"][0].clone();
        assert!(rate_2026["legal_source"].as_str().unwrap().contains("141/2025"));
        let (_, rates) = app.get(&format!("/api/v1/wear-rates?category_id={node}&on=2024-06-01")).await;
        let rate_2024 = rates["items"][0].clone();
        assert!(rate_2024["legal_source"].as_str().unwrap().contains("23/2023"));
        let a = app.asset(json!({"category_id": cat, "cost_state": 100_000_000, "acquired_on": "2023-03-01"})).await;
        let before = a["residual_value"].as_i64().unwrap();
        // An administrator corrects the 2023–2025 table: 8 years instead of 5.
        let (s, r) = app
            .put(
                &format!("/api/v1/wear-rates/{}", rate_2024["id"]),
                json!({"version": 1, "useful_life_years": 8, "rate_bp": 1250}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let after = app.get(&format!("/api/v1/assets/{}", a["id"])).await.1["residual_value"].as_i64().unwrap();
        assert!(after > before, "{before} → {after}");
        let (s, b) = app
            .post("/api/v1/wear-rates", json!({"category_id": cat, "useful_life_years": 0, "valid_from": "x"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        for f in ["useful_life_years", "valid_from", "legal_source"] {
            assert!(b["fields"][f].is_string(), "{f}: {b}");
        }
        // Settings are dated too, and checked.
        let (_, settings) = app.get("/api/v1/rule-settings?key=fixed_asset_min_cost").await;
        assert!(settings["total"].as_i64().unwrap() >= 2);
        let (s, b) = app
            .post(
                "/api/v1/rule-settings",
                json!({"key": "wear_first_year", "value": "sometimes", "valid_from": "2027-01-01"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    })
    .await;
}
