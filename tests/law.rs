//! The law as it is written: the reference data read against the texts (law-2026-12.md beside the
//! project's shared notes, transcribed into `src/rules/data/`). Each test reads the rule the service
//! applies — through the API, as an administrator or an inspector would — not the data file.

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

/// The rate (basis points), legal source and note of a category in force on a date.
async fn rate_on(app: &TestApp, category: i64, on: &str) -> Option<(i64, String, String)> {
    let (s, r) = app.get(&format!("/api/v1/wear-rates?category_id={category}&on={on}")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let item = r["items"].as_array().unwrap().first()?.clone();
    Some((
        item["rate_bp"].as_i64().unwrap(),
        item["legal_source"].as_str().unwrap().to_string(),
        item["note"].as_str().unwrap_or("").to_string(),
    ))
}

async fn category(app: &TestApp, code: &str) -> Value {
    let id = app.id_of("categories", code).await;
    app.get(&format!("/api/v1/categories/{id}")).await.1
}

/// Point 1: the national catalogue is the category tree, five levels (6 → 601 → 60101), and each node
/// carries the rate of each regime by date — TT 162/2014 to 31/12/2017, TT 45/2018 to 09/06/2023,
/// TT 23/2023 to 31/12/2025, TT 141/2025 from 01/01/2026 — the last two carried forward from TT 45 and
/// marked unconfirmed. Office equipment, intangibles and structures split as the catalogue splits them.
#[tokio::test]
async fn the_national_catalogue_is_the_category_tree_with_dated_rates() {
    each_backend(|app: TestApp| async move {
        let (_, all) = app.get("/api/v1/categories?per_page=500").await;
        let nodes: Vec<&Value> =
            all["items"].as_array().unwrap().iter().filter(|c| c["national_code"] == c["code"]).collect();
        assert_eq!(nodes.len(), 161, "the catalogue's 161 types of regime TT 45/2018");
        let (six, office, desktop) =
            (category(&app, "6").await, category(&app, "601").await, category(&app, "60101").await);
        assert_eq!(office["parent_id"], six["id"]);
        assert_eq!(desktop["parent_id"], office["id"]);
        assert_eq!(desktop["name"], "Máy vi tính để bàn");
        assert_eq!(desktop["class_code"], "MMTB");

        let id = desktop["id"].as_i64().unwrap();
        let regimes = [
            ("2016-06-01", "TT 162/2014/TT-BTC", false),
            ("2020-06-01", "TT 45/2018/TT-BTC", false),
            ("2023-06-09", "TT 45/2018/TT-BTC", false),
            ("2023-06-10", "TT 23/2023/TT-BTC", true),
            ("2025-12-31", "TT 23/2023/TT-BTC", true),
            ("2026-01-01", "TT 141/2025/TT-BTC", true),
        ];
        for (on, source, unconfirmed) in regimes {
            let (bp, src, note) = rate_on(&app, id, on).await.unwrap_or_else(|| panic!("no rate on {on}"));
            assert_eq!((bp, src.as_str()), (2000, source), "60101 on {on}");
            assert_eq!(note.contains("Chưa xác nhận"), unconfirmed, "60101 on {on}: {note}");
        }
        // The catalogue's split, read on a date under TT 45/2018.
        for (code, bp) in [
            ("60103", 2000),   // máy in
            ("60106", 2000),   // máy scan
            ("60104", 2000),   // máy fax
            ("60107", 2000),   // máy hủy tài liệu
            ("6020201", 2000), // máy chiếu
            ("6020204", 2000), // ti vi
            ("60115", 2000),   // thiết bị văn phòng phổ biến khác
            ("60108", 1250),   // máy photocopy
            ("60110", 1250),   // bàn ghế họp
            ("60112", 1250),   // điều hòa
            ("6020219", 1250), // két sắt
            ("6020217", 1250), // thang máy
            ("6020216", 1250), // camera giám sát
            ("902", 2000),     // quyền tác giả
            ("903", 2000),     // quyền sở hữu công nghiệp
            ("904", 2000),     // giống cây trồng
            ("905", 2000),     // phần mềm
            ("301", 500),      // kho, bể, sân
            ("302", 1000),     // giếng, tường rào
            ("303", 1000),     // vật kiến trúc khác
            ("202", 125),
            ("203", 200),
            ("204", 400),
            ("205", 667),
            ("40201", 667),
            ("501", 1000),
            ("60101", 2000),
            ("60303", 1000), // thiết bị phục vụ nhiệm vụ đặc thù (phòng thí nghiệm)
        ] {
            let node = app.id_of("categories", code).await;
            let (got, src, _) = rate_on(&app, node, "2020-06-01").await.unwrap_or_else(|| panic!("{code}: no rate"));
            assert_eq!((code, got, src.as_str()), (code, bp, "TT 45/2018/TT-BTC"));
        }
        // Land and land-use rights are not worn; a group whose items differ has no rate of its own.
        assert_eq!(category(&app, "1").await["wear_exempt"], true);
        assert_eq!(category(&app, "901").await["wear_exempt"], true);
        assert!(
            rate_on(&app, office["id"].as_i64().unwrap(), "2020-06-01").await.is_none(),
            "601 mixes 20 % and 12.5 %"
        );
    })
    .await;
}

/// Point 1, continued: each category of before maps to its national code and takes the node's rates
/// (software goes from 10 % to 20 %); one the mapping leaves open keeps its own rate, says so to the
/// administrator, and is settled by choosing a code — not a group whose items differ.
#[tokio::test]
async fn categories_of_before_take_their_national_codes_and_an_administrator_settles_the_rest() {
    each_backend(|app: TestApp| async move {
        for (code, national) in
            [("MMTB-VT", "60101"), ("VH-PM", "905"), ("MMTB-TN", "60303"), ("NHA-C4", "205"), ("DAT-01", "1")]
        {
            let c = category(&app, code).await;
            assert_eq!(c["national_code"], national, "{code}: {c}");
            assert!(c["mapping_note"].is_null(), "{code}: {c}");
        }
        let software = app.id_of("categories", "VH-PM").await;
        let a =
            app.asset(json!({"category_id": software, "cost_state": 100_000_000, "acquired_on": "2020-01-15"})).await;
        let (_, wear) = app.get(&format!("/api/v1/assets/{}/wear?as_of=2021-12-31", a["id"])).await;
        let years = wear["years"].as_array().unwrap();
        assert!(years.iter().all(|y| y["rate_bp"] == 2000), "software wears at 20 %: {wear}");
        assert_eq!(wear["accumulated_wear"], 40_000_000, "{wear}");

        // «Máy móc, thiết bị văn phòng» spans 20 % and 12.5 %: left for the administrator.
        let office = category(&app, "MMTB-VP").await;
        assert!(office["national_code"].is_null());
        assert!(office["mapping_note"].as_str().unwrap().contains("601"), "{office}");
        let (_, page) = app.page("/danh-muc", false).await;
        assert!(
            page.contains("MMTB-VP") && page.contains("Chưa chọn mã loại tài sản quốc gia"),
            "listed for administrators"
        );
        let chair = app
            .asset(json!({"category_id": office["id"], "cost_state": 16_000_000, "acquired_on": "2020-01-15"}))
            .await;
        let uri = format!("/api/v1/categories/{}", office["id"]);
        let (s, b) = app.put(&uri, json!({"version": office["version"], "national_code": "601"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(b["fields"]["national_code"].as_str().unwrap().contains("chi tiết hơn"), "{b}");
        let (s, b) = app.put(&uri, json!({"version": office["version"], "national_code": "60199"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a node that does not exist… {b}");
        let (s, b) = app.put(&uri, json!({"version": office["version"], "national_code": "60103"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(b["mapping_note"].is_null() && b["national_code"] == "60103", "{b}");
        let (_, after) = app.get(&format!("/api/v1/assets/{}/wear?as_of=2021-12-31", chair["id"])).await;
        assert_eq!(after["accumulated_wear"], 6_400_000, "two years at 20 % (the printer's rate): {after}");
    })
    .await;
}

/// Point 1, the migration: a database made before the catalogue — its categories without national
/// codes, software on its old 10 % — gets the catalogue, the mapping and its stored wear recomputed
/// in one step at the next start, each change in the history; a second start changes nothing.
#[tokio::test]
async fn a_database_of_before_migrates_with_its_wear_recomputed() {
    each_backend(|app: TestApp| async move {
        let software = app.id_of("categories", "VH-PM").await;
        let a = app.asset(json!({"category_id": software, "cost_state": 100_000_000, "acquired_on": "2020-01-15"})).await;
        // Back to the shape of before: no catalogue, the old category with its own 10 % rate.
        app.db
            .write_sync(move |c| {
                c.batch_execute(&format!(
                    "DELETE FROM wear_rates WHERE category_id IN (SELECT id FROM asset_categories WHERE national_code = code);
                     UPDATE asset_categories SET parent_id = NULL;
                     DELETE FROM asset_categories WHERE national_code = code;
                     UPDATE asset_categories SET national_code = NULL, mapping_note = NULL;
                     INSERT INTO wear_rates (category_id, useful_life_years, rate_bp, legal_source, valid_from)
                       VALUES ({software}, 10, 1000, 'TT 45/2018/TT-BTC và văn bản trước đó', '1900-01-01');"
                ))?;
                taisan::assets::refresh_wear(c, true)
            })
            .unwrap();
        let before = app.get(&format!("/api/v1/assets/{}", a["id"])).await.1;
        let events_before = app.audit_count();
        let changed = app
            .db
            .write_sync(|c| {
                let changed = taisan::rules::national::install(c)?;
                taisan::assets::refresh_wear(c, changed)?;
                Ok(changed)
            })
            .unwrap();
        assert!(changed);
        let after = app.get(&format!("/api/v1/assets/{}", a["id"])).await.1;
        assert!(
            after["residual_value"].as_i64().unwrap() < before["residual_value"].as_i64().unwrap(),
            "software now wears at 20 %: {} → {}",
            before["residual_value"],
            after["residual_value"]
        );
        assert_eq!(category(&app, "VH-PM").await["national_code"], "905");
        assert!(app.audit_count() > events_before + 15, "the catalogue and each mapping are in the history");
        let again = app.db.write_sync(taisan::rules::national::install).unwrap();
        assert!(!again, "a second start changes nothing");
    })
    .await;
}

/// Point 2: a public service unit that finances its own recurrent and investment spending uses the
/// enterprise threshold (TT 141/2025/TT-BTC, Điều 3.3) — a dated property of the unit that decides
/// the kind of its assets, the assets it already holds judged again when it changes. Every other unit
/// keeps the 10,000,000 đ line (Điều 3.2.b).
#[tokio::test]
async fn a_self_financing_unit_uses_the_enterprise_threshold_from_its_date() {
    each_backend(|app: TestApp| async move {
        let (_, line) = app.get("/api/v1/rule-settings?key=fixed_asset_min_cost").await;
        let in_2026 = line["items"].as_array().unwrap().iter().find(|s| s["valid_from"] == "2026-01-01").unwrap().clone();
        assert_eq!((in_2026["value"].as_str(), in_2026["legal_source"].as_str()), (Some("10000000"), Some("TT 141/2025/TT-BTC, Điều 3.2.b")));
        assert!(in_2026["note"].is_null(), "the 10,000,000 đ line is confirmed: {in_2026}");

        let center = app.id_of("units", "TTUD").await;
        let office = app.id_of("units", "HCTH").await;
        let lab = app.id_of("categories", "MMTB-TN").await;
        let asset = |unit: i64, on: &str| json!({"unit_id": unit, "category_id": lab, "cost_state": 20_000_000, "acquired_on": on});
        let this_year = app.asset(asset(center, "2026-03-02")).await;
        let last_year = app.asset(asset(center, "2025-05-20")).await;
        let the_office = app.asset(asset(office, "2026-03-02")).await;
        assert_eq!(this_year["kind"], "huu_hinh");

        // Only a public service unit has a financing tier.
        let tier = |unit: i64, autonomy: &str| {
            json!({"unit_id": unit, "autonomy": autonomy, "valid_from": "2026-01-01", "legal_source": "Quyết định 1234/QĐ-UBND ngày 30/12/2025"})
        };
        let (s, b) = app.post("/api/v1/unit-financing", tier(office, "tu_bao_dam_tx_dt")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(b["fields"]["unit_id"].as_str().unwrap().contains("đơn vị sự nghiệp"), "{b}");
        // A tier that does not finance investment keeps the general line.
        let (s, partial) = app.post("/api/v1/unit-financing", tier(center, "tu_bao_dam_tx")).await;
        assert_eq!(s, StatusCode::CREATED, "{partial}");
        assert_eq!(app.get(&format!("/api/v1/assets/{}", this_year["id"])).await.1["kind"], "huu_hinh");
        let (s, b) = app.post("/api/v1/unit-financing", tier(center, "tu_bao_dam_tx_dt")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "two tiers at once: {b}");
        assert_eq!(app.delete(&format!("/api/v1/unit-financing/{}", partial["id"])).await.0, StatusCode::NO_CONTENT);

        let events = app.audit_count();
        let (s, full) = app.post("/api/v1/unit-financing", tier(center, "tu_bao_dam_tx_dt")).await;
        assert_eq!(s, StatusCode::CREATED, "{full}");
        assert_eq!(app_kind(&app, &this_year).await, "ccdc", "20 million is under the enterprise line from 2026");
        assert_eq!(app_kind(&app, &last_year).await, "huu_hinh", "acquired before the tier");
        assert_eq!(app_kind(&app, &the_office).await, "huu_hinh", "another unit");
        assert!(app.audit_count() > events + 1, "the tier and the asset's new kind are in the history");
        let later = app.asset(asset(center, "2026-04-10")).await;
        assert_eq!(later["kind"], "ccdc");
        // The tier removed: the assets are fixed assets again.
        assert_eq!(app.delete(&format!("/api/v1/unit-financing/{}", full["id"])).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app_kind(&app, &this_year).await, "huu_hinh");
        assert_eq!(app_kind(&app, &later).await, "huu_hinh");
    })
    .await;
}

async fn app_kind(app: &TestApp, asset: &Value) -> String {
    app.get(&format!("/api/v1/assets/{}", asset["id"])).await.1["kind"].as_str().unwrap().to_string()
}

/// Point 3: deadlines as NĐ 186/2025 sets them, the articles named on the handling page — a sale
/// decided in 20 days, its decision valid 6 months, the write-down and the change declaration due 30
/// days after the sale; liquidation of land 60 days, of anything else 30.
#[tokio::test]
async fn deadlines_follow_the_decree_and_the_page_names_the_articles() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let car = app.get("/api/v1/assets?q=Innova").await.1["items"][0].clone();
        let (s, d) = app
            .post(
                "/api/v1/disposals",
                json!({"form_code": "ban", "reason": "Xe đã qua 15 năm sử dụng", "doc_date": "02/03/2026", "lines": [{"asset_id": car["id"]}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        assert_eq!(d["due_on"], "2026-03-22", "decided within 20 days (Điều 23.2)");
        let uri = |step: &str| format!("/api/v1/disposals/{}/{step}", d["id"]);
        let (s, d2) = app.post(&uri("decision"), json!({"doc_no": "15/QĐ-SKHCN", "doc_date": "16/03/2026", "version": d["version"]})).await;
        assert_eq!(s, StatusCode::CREATED, "{d2}");
        assert_eq!(d2["due_on"], "2026-09-16", "the sale decision is valid 6 months (Điều 23.2.e)");
        let (s, d3) = app
            .post(
                &uri("execution"),
                json!({"doc_no": "HĐ-01", "doc_date": "20/04/2026", "method": "dau_gia", "rounds": 1, "counterparty": "Công ty đấu giá hợp danh Quảng Ngãi", "proceeds": 180_000_000, "version": d2["version"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d3}");
        assert_eq!(d3["due_on"], "2026-05-20", "written down and declared within 30 days of the sale (Điều 23.5)");
        assert!(d3["awaiting"].as_str().unwrap_or("").contains("kê khai biến động"), "{d3}");
        let (_, page) = app.page(&format!("/xu-ly/{}", d["id"]), false).await;
        for article in ["Điều 23.2", "Điều 23.2.e, 23.4", "Điều 23.5", "6 tháng"] {
            assert!(page.contains(article), "the handling page names {article}");
        }
        // Liquidation: 60 days for land and buildings, 30 for the rest (Điều 29.3).
        let house = app.get("/api/v1/assets?q=Nha%20lam%20viec%20Trung%20tam").await.1["items"][0].clone();
        let lab = app.id_of("categories", "MMTB-TN").await;
        let scale = app.asset(json!({"name": "Cân phân tích", "category_id": lab, "cost_state": 45_000_000, "acquired_on": "2015-06-01"})).await;
        for (asset, days) in [(&house, "2026-05-15"), (&scale, "2026-04-15")] {
            let (s, p) = app
                .post(
                    "/api/v1/disposals",
                    json!({"form_code": "thanh_ly_pha_do", "reason": "Hư hỏng không sửa được", "doc_date": "02/03/2026", "lines": [{"asset_id": asset["id"]}]}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{p}");
            let (s, q) = app
                .post(&format!("/api/v1/disposals/{}/decision", p["id"]), json!({"doc_no": "16/QĐ", "doc_date": "16/03/2026", "version": p["version"]}))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{q}");
            assert_eq!(q["due_on"], days, "{}", asset["name"]);
        }
    })
    .await;
}

/// Point 6: assets of an S&T task under Luật 93/2025 are outside NĐ 186/2025 (Điều 1.2.k): only the
/// law's own forms are offered and accepted for them, and the handling page names the regime.
#[tokio::test]
async fn assets_of_a_task_under_law_93_are_not_offered_the_decrees_forms() {
    each_backend(|app: TestApp| async move {
        let (s, task) = app
            .post(
                "/api/v1/tasks",
                json!({"code": "ĐTKHCN-01/2026", "title": "Chọn tạo giống sắn kháng bệnh khảm lá", "host_org": "Trung tâm Ứng dụng và Dịch vụ KH&CN",
                       "legal_regime": "luat93_2025", "status": "da_nghiem_thu", "acceptance_date": "15/10/2026"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{task}");
        let lab = app.id_of("categories", "MMTB-TN").await;
        let a = app
            .asset(json!({"name": "Tủ nuôi cấy mô", "category_id": lab, "cost_state": 120_000_000, "acquired_on": "2026-02-01",
                          "task_id": task["id"], "task_asset_kind": "trang_bi"}))
            .await;
        let (_, forms) = app.get(&format!("/api/v1/handling-forms?asset_id={}", a["id"])).await;
        let regimes: Vec<&str> = forms["items"].as_array().unwrap().iter().map(|f| f["regime"].as_str().unwrap()).collect();
        assert!(!regimes.is_empty() && regimes.iter().all(|r| *r == "luat93_2025"), "{forms}");
        let (s, e) = app
            .post("/api/v1/disposals", json!({"form_code": "ban", "reason": "x", "doc_date": "20/11/2026", "lines": [{"asset_id": a["id"]}]}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, d) = app
            .post(
                "/api/v1/disposals",
                json!({"form_code": "giao_quyen_so_huu_l93", "reason": "Giao cho tổ chức chủ trì", "doc_date": "20/11/2026", "lines": [{"asset_id": a["id"]}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let (_, page) = app.page(&format!("/xu-ly/{}", d["id"]), false).await;
        assert!(page.contains("93/2025/QH15") && page.contains("Điều 1.2.k"), "the page names the regime");
    })
    .await;
}

/// Point 9: the README's conformance table is generated from the data (`taisan conformance`), so it
/// cannot drift from what the service applies.
#[tokio::test]
async fn the_readme_conformance_table_is_the_data() {
    each_backend(|app: TestApp| async move {
        let table = app.db.read_sync(taisan::rules::conformance::table).unwrap();
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme.find("<!-- conformance:start -->\n").expect("the README marks the table") + 27;
        let end = readme.find("<!-- conformance:end -->").unwrap();
        assert_eq!(&readme[start..end], table, "regenerate it: taisan conformance");
        for row in ["TT 141/2025/TT-BTC, Điều 3.2.b", "Điều 23.2.e, 23.4", "Tỷ lệ hao mòn theo TT 162/2014/TT-BTC"]
        {
            assert!(table.contains(row), "{row}");
        }
    })
    .await;
}

/// A threshold row the service reads cannot be deleted when nothing else covers its period: the
/// assets of those days would have no rule to be judged by.
#[tokio::test]
async fn a_required_rule_leaves_no_gap_when_deleted() {
    each_backend(|app: TestApp| async move {
        let (_, rows) = app.get("/api/v1/rule-settings?key=fixed_asset_min_cost").await;
        let row = rows["items"].as_array().unwrap().iter().find(|s| s["valid_from"] == "2026-01-01").unwrap().clone();
        let (s, b) = app.delete(&format!("/api/v1/rule-settings/{}", row["id"])).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert!(b["error"].as_str().unwrap().contains("fixed_asset_min_cost"), "{b}");
        // A row whose period the others still cover may go.
        let (s, extra) = app
            .post(
                "/api/v1/rule-settings",
                json!({"key": "fixed_asset_min_cost", "value": "10000000", "valid_from": "2027-01-01", "legal_source": "TT 141/2025/TT-BTC, Điều 3.2.b"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{extra}");
        assert_eq!(app.delete(&format!("/api/v1/rule-settings/{}", extra["id"])).await.0, StatusCode::NO_CONTENT);
    })
    .await;
}

/// Point 5: proceeds by the kind of unit — a state body remits all that is left after the approved
/// costs (NĐ 186/2025, Điều 40.3), a public service unit keeps it (Điều 64); the handling page says
/// which applies.
#[tokio::test]
async fn a_state_body_remits_the_proceeds_and_a_public_service_unit_keeps_them() {
    each_backend(|app: TestApp| async move {
        let lab = app.id_of("categories", "MMTB-TN").await;
        let mut pages = vec![];
        for (unit, remit_less_ok) in [("HCTH", false), ("TTUD", true)] {
            let unit_id = app.id_of("units", unit).await;
            let a = app
                .asset(json!({"name": "Máy đo quang cũ", "unit_id": unit_id, "category_id": lab, "cost_state": 60_000_000, "acquired_on": "2012-03-01"}))
                .await;
            let (s, d) = app
                .post("/api/v1/disposals", json!({"form_code": "thanh_ly_ban", "reason": "Hỏng", "doc_date": "02/11/2026", "lines": [{"asset_id": a["id"]}]}))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{d}");
            let go = |step: &'static str, body: Value| {
                let uri = format!("/api/v1/disposals/{}/{step}", d["id"]);
                let app = &app;
                async move { app.post(&uri, body).await }
            };
            let (_, d) = go("decision", json!({"doc_no": "1/QĐ", "doc_date": "05/11/2026", "version": d["version"]})).await;
            let (s, d) = go(
                "execution",
                json!({"doc_no": "HĐ-2", "doc_date": "20/11/2026", "method": "chi_dinh", "counterparty": "Cơ sở thu mua phế liệu Tịnh Phong", "proceeds": 5_000_000, "lines": revalued(&d, 5_000_000), "version": d["version"]}),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{d}");
            let (s, e) = go("money", json!({"doc_date": "25/11/2026", "proceeds": 5_000_000, "costs": 1_000_000, "remitted": 0, "version": d["version"]})).await;
            if remit_less_ok {
                assert_eq!(s, StatusCode::CREATED, "{unit} keeps its proceeds: {e}");
            } else {
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
                assert!(e["fields"]["remitted"].as_str().unwrap().contains("Điều 40.3"), "{e}");
                let (s, e) = go("money", json!({"doc_date": "25/11/2026", "proceeds": 5_000_000, "costs": 1_000_000, "remitted": 4_000_000, "version": d["version"]})).await;
                assert_eq!(s, StatusCode::CREATED, "{e}");
            }
            pages.push(app.page(&format!("/xu-ly/{}", d["id"]), false).await.1);
        }
        assert!(pages[0].contains("nộp phần còn lại vào ngân sách") && pages[0].contains("Điều 40.3"));
        assert!(pages[1].contains("để lại đơn vị") && pages[1].contains("Điều 64.1.b"));
        // A public service unit whose recurrent spending the budget covers remits too (Điều 64.1.a).
        let center = app.id_of("units", "TTUD").await;
        let (s, t) = app
            .post("/api/v1/unit-financing", json!({"unit_id": center, "autonomy": "nsnn_tx", "valid_from": "2026-01-01", "legal_source": "Quyết định 1234/QĐ-UBND ngày 30/12/2025"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        let a = app.asset(json!({"name": "Tủ sấy cũ", "unit_id": center, "category_id": lab, "cost_state": 30_000_000, "acquired_on": "2012-03-01"})).await;
        let d = handling(&app, "thanh_ly_ban", &a, "02/11/2026").await;
        let (_, d) = step(&app, &d, "decision", json!({"doc_no": "2/QĐ", "doc_date": "05/11/2026"})).await;
        let (s, d) = step(&app, &d, "execution", json!({"doc_date": "20/11/2026", "method": "dau_gia", "rounds": 1, "counterparty": "Bà B", "proceeds": 6_000_000})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let (s, e) = step(&app, &d, "money", json!({"doc_date": "25/11/2026", "proceeds": 6_000_000, "costs": 1_000_000, "remitted": 0})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["remitted"].as_str().unwrap().contains("Điều 64.1.a"), "{e}");
        let page = app.page(&format!("/xu-ly/{}", d["id"]), false).await.1;
        assert!(page.contains("Điều 64.1.a"), "the page says which applies");
    })
    .await;
}

/// A handling proposed for one asset, and a way to post its next steps.
async fn handling(app: &TestApp, form: &str, asset: &Value, proposed: &str) -> Value {
    let (s, d) = app
        .post(
            "/api/v1/disposals",
            json!({"form_code": form, "reason": "Hỏng, không còn sử dụng được", "doc_date": proposed, "lines": [{"asset_id": asset["id"]}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    d
}

async fn step(app: &TestApp, d: &Value, step: &str, mut body: Value) -> (StatusCode, Value) {
    body["version"] = d["version"].clone();
    app.post(&format!("/api/v1/disposals/{}/{step}", d["id"]), body).await
}

/// The revalued value of the handling's only line.
fn revalued(d: &Value, value: i64) -> Value {
    json!([{"line_id": d["lines"][0]["id"], "revalued": value}])
}

/// Point 4: auction unless the decree allows a listed price or an appointed buyer — per asset unit,
/// on original cost and revalued value, never for cars — and what a unit may decide itself
/// (Điều 22, 26, 27, 31, 58, 59; materials by value, Điều 13.4.a). The figures are rule rows: an
/// administrator's new row changes the outcome, no code does.
#[tokio::test]
async fn sale_methods_and_a_units_own_authority_follow_the_decrees_thresholds() {
    each_backend(|app: TestApp| async move {
        let lab = app.id_of("categories", "MMTB-TN").await;
        let cars = app.id_of("categories", "OTO-01").await;
        let center = app.id_of("units", "TTUD").await;
        let office = app.id_of("units", "HCTH").await;
        let thing = |name: &str, unit: i64, category: i64, cost: i64| {
            json!({"name": name, "unit_id": unit, "category_id": category, "cost_state": cost, "acquired_on": "2014-05-01"})
        };
        let spectrometer = app.asset(thing("Máy quang phổ hấp thụ nguyên tử", center, lab, 300_000_000)).await;
        let car = app.asset(thing("Xe ô tô Toyota Hilux 76A-0123", center, cars, 200_000_000)).await;
        let scale = app.asset(thing("Cân kỹ thuật", center, lab, 100_000_000)).await;

        // A sale (bán): listed price needs original cost under 250 million (Điều 26.1).
        let d = handling(&app, "ban", &spectrometer, "02/11/2026").await;
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "7/QĐ-UBND", "doc_date": "10/11/2026", "method": "niem_yet", "lines": revalued(&d, 30_000_000)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let why = e["fields"]["method"].as_str().unwrap();
        assert!(why.contains("Điều 26.1") && why.contains("300.000.000"), "{why}");
        // Undecided method, then a listed sale at execution: refused the same way; auction is open.
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "7/QĐ-UBND", "doc_date": "10/11/2026"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let sold = json!({"doc_no": "HĐ-1", "doc_date": "20/11/2026", "counterparty": "Công ty TNHH Thiết bị Miền Trung", "proceeds": 30_000_000, "lines": revalued(&d, 30_000_000)});
        let mut listed = sold.clone();
        listed["method"] = json!("niem_yet");
        let (s, e) = step(&app, &d, "execution", listed.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["method"].as_str().unwrap().contains("Điều 26.1"), "{e}");

        // The figure is a rule row: an administrator's change moves the line, not the code.
        let (_, rows) = app.get("/api/v1/rule-settings?key=sale_cost_below").await;
        let row = rows["items"][0].clone();
        assert_eq!((row["value"].as_str(), row["legal_source"].as_str()), (Some("250000000"), Some("NĐ 186/2025/NĐ-CP, Điều 26.1, 27.1")));
        let mut raised = row.clone();
        raised["value"] = json!("400000000");
        let (s, r) = app.put(&format!("/api/v1/rule-settings/{}", row["id"]), raised).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, done) = step(&app, &d, "execution", listed).await;
        assert_eq!(s, StatusCode::CREATED, "with the row at 400 million the listed sale fits: {done}");
        let (s, r) = app.put(&format!("/api/v1/rule-settings/{}", row["id"]), json!({"value": "250000000", "version": r["version"]})).await;
        assert_eq!(s, StatusCode::OK, "{r}");

        // Liquidation by sale (thanh lý): 500 million (Điều 31.2) — the same asset may be listed.
        let spectrometer = app.asset(thing("Máy quang phổ UV-VIS", center, lab, 300_000_000)).await;
        let d = handling(&app, "thanh_ly_ban", &spectrometer, "21/11/2026").await;
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "8/QĐ-UBND", "doc_date": "22/11/2026", "method": "niem_yet", "lines": revalued(&d, 30_000_000)})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        // …and the execution keeps the method the decision fixed (Điều 23.2.c).
        let mut appointed = sold.clone();
        appointed["method"] = json!("chi_dinh");
        let (s, e) = step(&app, &d, "execution", appointed).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["method"].as_str().unwrap().contains("Điều 23.2.c"), "{e}");

        // Never a car, whatever its values (Điều 31.3); revalued 60 million is not listed (Điều 31.2).
        let d = handling(&app, "thanh_ly_ban", &car, "02/11/2026").await;
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "9/QĐ-UBND", "doc_date": "10/11/2026", "method": "chi_dinh", "lines": revalued(&d, 5_000_000)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let why = e["fields"]["method"].as_str().unwrap();
        assert!(why.contains("xe ô tô") && why.contains("Điều 31.3"), "{why}");
        let d = handling(&app, "thanh_ly_ban", &scale, "02/11/2026").await;
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "10/QĐ-UBND", "doc_date": "10/11/2026", "method": "niem_yet", "lines": revalued(&d, 60_000_000)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["method"].as_str().unwrap().contains("60.000.000"), "{e}");
        // Without a revalued value a listed price cannot be judged, so it is not taken.
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "10/QĐ-UBND", "doc_date": "10/11/2026", "method": "niem_yet"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["method"].as_str().unwrap().contains("chưa có giá trị đánh giá lại"), "{e}");

        // A tool (not a fixed asset) may go to an appointed buyer (Điều 27.1).
        let stool = app.asset(thing("Ghế inox phòng thí nghiệm", center, lab, 2_000_000)).await;
        assert_eq!(stool["kind"], "ccdc");
        let d = handling(&app, "ban", &stool, "02/11/2026").await;
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "11/QĐ", "doc_date": "10/11/2026", "method": "chi_dinh"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");

        // Before NĐ 186/2025 no threshold row is in force: an old handling is recorded as it was.
        let old = app.asset(thing("Máy cất nước hai lần", center, lab, 300_000_000)).await;
        let d = handling(&app, "ban", &old, "02/03/2024").await;
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "3/QĐ-UBND", "doc_date": "10/03/2024", "method": "niem_yet"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");

        // The Center deciding itself (Điều 58.2.c): under 250 million and revalued under 50 million.
        let spectrometer = app.asset(thing("Máy sắc ký khí", center, lab, 300_000_000)).await;
        let d = handling(&app, "ban", &spectrometer, "23/11/2026").await;
        let own = |value: i64| json!({"doc_no": "12/QĐ-TTUD", "doc_date": "24/11/2026", "decided_by": "don_vi", "lines": revalued(&d, value)});
        let (s, e) = step(&app, &d, "decision", own(20_000_000)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let why = e["fields"]["decided_by"].as_str().unwrap();
        assert!(why.contains("Điều 58.2.c") && why.contains("Chủ tịch UBND cấp tỉnh"), "{why}");
        let balance = app.asset(thing("Cân phân tích bốn số lẻ", center, lab, 100_000_000)).await;
        let d2 = handling(&app, "ban", &balance, "23/11/2026").await;
        let (s, e) = step(&app, &d2, "decision", json!({"doc_no": "13/QĐ-TTUD", "doc_date": "24/11/2026", "decided_by": "don_vi", "lines": revalued(&d2, 55_000_000)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "revalued 55 million is the province's: {e}");
        let (s, r) = step(&app, &d2, "decision", json!({"doc_no": "13/QĐ-TTUD", "doc_date": "24/11/2026", "decided_by": "don_vi", "lines": revalued(&d2, 20_000_000)})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        // …and once it finances its own recurrent and investment spending, all of it (Điều 58.2.d).
        let (s, t) = app
            .post("/api/v1/unit-financing", json!({"unit_id": center, "autonomy": "tu_bao_dam_tx_dt", "valid_from": "2026-01-01", "legal_source": "Quyết định 1234/QĐ-UBND ngày 30/12/2025"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        let (s, r) = step(&app, &d, "decision", own(20_000_000)).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");

        // A state body's own decision covers only what is not a fixed asset (Điều 28.4.b); under a
        // delegation the decision names it.
        let printer = app.asset(thing("Máy in laser màu", office, lab, 25_000_000)).await;
        let d = handling(&app, "thanh_ly_ban", &printer, "02/11/2026").await;
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "14/QĐ-SKHCN", "doc_date": "10/11/2026", "decided_by": "don_vi"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["decided_by"].as_str().unwrap().contains("Điều 28.4.b"), "{e}");
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "14/QĐ-SKHCN", "doc_date": "10/11/2026", "decided_by": "phan_cap"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["authority"].as_str().unwrap().contains("phân cấp"), "{e}");
        let (s, r) = step(&app, &d, "decision", json!({"doc_no": "14/QĐ-SKHCN", "doc_date": "10/11/2026", "decided_by": "phan_cap", "authority": "Quyết định 25/2025/QĐ-UBND phân cấp quản lý tài sản công"})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");

        // Materials from a demolition are sold by their value (Điều 13.4.a): 60 million is auctioned.
        let shed = app.asset(thing("Nhà lưới trồng khảo nghiệm giống sắn", center, lab, 80_000_000)).await;
        let d = handling(&app, "thanh_ly_pha_do", &shed, "02/11/2026").await;
        let (_, d) = step(&app, &d, "decision", json!({"doc_no": "15/QĐ-UBND", "doc_date": "05/11/2026"})).await;
        let (s, d) = step(&app, &d, "execution", json!({"doc_date": "12/11/2026", "method": "Tháo dỡ bằng biện pháp cơ học"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let money = |method: &str| json!({"doc_date": "20/11/2026", "proceeds": 61_000_000, "costs": 1_000_000, "remitted": 0, "method": method, "valuation": 60_000_000});
        let (s, e) = step(&app, &d, "money", money("niem_yet")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["method"].as_str().unwrap().contains("Điều 13.4.a"), "{e}");
        let (s, r) = step(&app, &d, "money", money("dau_gia")).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");

        // The page posts the same: the refusal stands under «Phương thức bán».
        let car = app.asset(thing("Xe ô tô Ford Ranger 76A-0456", center, cars, 200_000_000)).await;
        let d = handling(&app, "ban", &car, "25/11/2026").await;
        let line = d["lines"][0]["id"].to_string();
        let (s, _, page) = app
            .form(
                &format!("/xu-ly/{}/quyet-dinh", d["id"]),
                &[("doc_no", "16/QĐ-UBND"), ("doc_date", "26/11/2026"), ("method", "niem_yet"), (&format!("revalued_{line}"), "30.000.000"), ("version", &d["version"].to_string())],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("Điều 26.1") && page.contains("là xe ô tô"), "{page}");
    })
    .await;
}

/// Point 7: the forms as the decree's appendix lays them out — 01/TSC-XLTS with its cover letter
/// and one signature, 02/TSC-BBGN with its preamble, its parties from the handling and its list in
/// sections, S24-H's nineteen columns A–S, the inspection report's basis by date, and the unit's
/// own name and Mã QHNS on its book.
#[tokio::test]
async fn the_forms_are_laid_out_as_the_appendix_and_the_books_say() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        // The demo's first handling: the cassava task's computer and net house to the Center.
        let proposal = app.download("/api/v1/disposals/1/proposal").await;
        let letter = common::sheet_rows(&proposal, "Văn bản đề nghị").join("\n");
        for line in [
            "V/v đề nghị xử lý tài sản.",
            "Kính gửi: Sở Khoa học và Công nghệ tỉnh Quảng Ngãi",
            "Căn cứ Nghị định số 186/2025/NĐ-CP ngày 01 tháng 7 năm 2025 của Chính phủ quy định chi tiết một số điều của Luật Quản lý, sử dụng tài sản công;",
            "lập đề nghị xử lý tài sản theo Danh mục (đính kèm).",
            "THỦ TRƯỞNG CƠ QUAN, TỔ CHỨC, ĐƠN VỊ",
            "Nơi nhận:",
        ] {
            assert!(letter.contains(line), "the cover letter lacks «{line}»:\n{letter}");
        }
        let list = common::sheet_rows(&proposal, "Báo cáo");
        let text = list.join("\n");
        assert!(text.contains("DANH MỤC TÀI SẢN CÔNG ĐỀ NGHỊ XỬ LÝ") && text.contains("(Kèm theo Văn bản số"), "{text}");
        let header = "STT|Tên tài sản (chi tiết theo từng tài sản)|Loại tài sản|Đơn vị tính|Số lượng|Năm đưa vào sử dụng|Nguyên giá (đồng)|Giá trị còn lại (đồng)|Hình thức xử lý|Lý do đề nghị xử lý|Ghi chú";
        assert!(list.iter().any(|r| r == header), "the eleven columns of the appendix:\n{text}");
        assert!(list.iter().any(|r| r == "(1)|(2)|(3)|(4)|(5)|(6)|(7)|(8)|(9)|(10)|(11)"), "{text}");
        assert!(text.contains("Tổng cộng:"));
        assert_eq!(text.matches("THỦ TRƯỞNG CƠ QUAN, TỔ CHỨC, ĐƠN VỊ").count(), 1, "one signature: {text}");
        for absent in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Kế toán trưởng", "Người lập"] {
            assert!(!text.contains(absent), "the list has the unit's block on the left only and one signature: «{absent}»");
        }
        assert!(text.contains("Ban hành kèm theo Nghị định số 186/2025/NĐ-CP"), "{text}");

        // 02/TSC-BBGN: the department hands over the task's assets, the Center receives them.
        let minutes = common::sheet_rows(&app.download("/api/v1/disposals/1/handover").await, "Báo cáo");
        let text = minutes.join("\n");
        let order = [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "BIÊN BẢN BÀN GIAO, TIẾP NHẬN TÀI SẢN CÔNG",
            "Căn cứ Nghị định số 186/2025/NĐ-CP",
            "Căn cứ Quyết định số 312/QĐ-UBND",
            "A. THÀNH PHẦN THAM GIA BÀN GIAO, TIẾP NHẬN",
            "1. Đại diện bên giao (Sở Khoa học và Công nghệ tỉnh Quảng Ngãi):",
            "2. Đại diện bên nhận (Trung tâm Ứng dụng và Dịch vụ KH&CN):",
            "3. Đại diện cơ quan chứng kiến (nếu có)",
            "B. NỘI DUNG BÀN GIAO, TIẾP NHẬN",
            "STT|Danh mục tài sản (chi tiết theo từng loại tài sản)|Đơn vị tính|Số lượng|Nguyên giá (đồng)|Giá trị còn lại (đồng)|Ghi chú",
            "Tổng cộng:",
            "2. Các hồ sơ liên quan",
            "3. Trách nhiệm của các bên giao nhận:",
            "4. Ý kiến của các bên",
            "ĐẠI DIỆN BÊN NHẬN",
            "ĐẠI DIỆN CƠ QUAN CHỨNG KIẾN (nếu có)",
        ];
        let mut at = 0;
        for part in order {
            let found = text[at..].find(part).unwrap_or_else(|| panic!("«{part}» missing or out of order:\n{text}"));
            at += found;
        }
        let signatures = minutes.iter().find(|r| r.contains("ĐẠI DIỆN BÊN NHẬN")).unwrap();
        assert!(signatures.find("ĐẠI DIỆN BÊN NHẬN") < signatures.find("ĐẠI DIỆN BÊN GIAO"), "the receiver signs on the left");
        // The list in the appendix's sections: the net house under A, the computer under C.
        let section = |mark: &str| minutes.iter().position(|r| r.starts_with(&format!("{mark}|"))).unwrap_or(usize::MAX);
        let row_of = |name: &str| minutes.iter().position(|r| r.contains(name)).unwrap();
        assert!(section("A") < row_of("Nhà lưới") && row_of("Nhà lưới") < section("C"), "{text}");
        assert!(section("C") < row_of("Máy tính xử lý dữ liệu"), "{text}");
        assert!(!text.contains("Cộng|"), "no subtotals in the appendix's list: {text}");

        // An office of the department hands over in the department's name, to the receiver named.
        let office = app.id_of("units", "HCTH").await;
        let lab = app.id_of("categories", "MMTB-TN").await;
        let printer = app.asset(json!({"name": "Máy photocopy Ricoh MP 2014", "unit_id": office, "category_id": lab, "cost_state": 60_000_000, "acquired_on": "2016-04-01"})).await;
        let d = handling(&app, "dieu_chuyen", &printer, "02/11/2026").await;
        let (_, d) = step(&app, &d, "decision", json!({"doc_no": "20/QĐ-UBND", "doc_date": "05/11/2026", "authority": "UBND tỉnh Quảng Ngãi"})).await;
        let (s, d) = step(&app, &d, "execution", json!({"doc_no": "07/BBGN", "doc_date": "12/11/2026", "counterparty": "Trường Trung học phổ thông chuyên Lê Khiết", "signer": "Nguyễn Văn Hùng"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let text = common::sheet_rows(&app.download(&format!("/api/v1/disposals/{}/handover", d["id"])).await, "Báo cáo").join("\n");
        assert!(text.contains("Đại diện bên giao (Sở Khoa học và Công nghệ tỉnh Quảng Ngãi)"), "{text}");
        assert!(text.contains("Đại diện bên nhận (Trường Trung học phổ thông chuyên Lê Khiết)"), "{text}");
        assert!(text.contains("Ông (Bà): Nguyễn Văn Hùng"), "{text}");
        assert!(text.contains("ngày 12 tháng 11 năm 2026"), "{text}");

        // S24-H: nineteen columns lettered A–S; the Center's book carries its name and Mã QHNS.
        let center = app.get(&format!("/api/v1/units/{}", app.id_of("units", "TTUD").await)).await.1;
        let mut unit = center.clone();
        unit["ma_qhns"] = json!("1012345");
        let (s, u) = app.put(&format!("/api/v1/units/{}", center["id"]), unit).await;
        assert_eq!(s, StatusCode::OK, "{u}");
        let book = app.download(&format!("/api/v1/exports/fixed-asset-book?wear_year=2025&unit_id={}", center["id"])).await;
        let rows = common::sheet_rows(&book, "Báo cáo");
        let letters: Vec<String> = ('A'..='S').map(String::from).collect();
        assert!(rows.iter().any(|r| *r == letters.join("|")), "the columns A–S:\n{}", rows.join("\n"));
        let text = rows.join("\n");
        for head in [
            "Ghi tăng tài sản cố định",
            "Thẻ TSCĐ",
            "Khấu hao",
            "Hao mòn",
            "Tổng số khấu hao và hao mòn phát sinh trong năm",
            "Lũy kế khấu hao và hao mòn đã tính đến khi chuyển sổ hoặc ghi giảm TSCĐ",
            "Ghi giảm tài sản cố định",
            "Giá trị còn lại của TSCĐ ghi giảm",
            "Đơn vị: Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ",
            "Mã QHNS: 1012345",
        ] {
            assert!(text.contains(head), "S24-H lacks «{head}»:\n{text}");
        }

        // The inspection period report: the basis in force at the period's end.
        let first_half = common::workbook_text(&app.download("/api/v1/exports/inspections?year=2025&period=6thang&n=1").await);
        assert!(first_half.contains("TT 01/2024/TT-TTCP"), "{first_half}");
        let this_year = common::workbook_text(&app.download("/api/v1/exports/inspections?year=2026&period=nam").await);
        assert!(!this_year.contains("TT 01/2024") && !this_year.contains("TT 06/2025"), "an unread basis is not printed: {this_year}");
        let (_, page) = app.page("/danh-muc", false).await;
        assert!(page.contains("TT 06/2025/TT-TTCP"), "administrators see what waits to be confirmed");
    })
    .await;
}
