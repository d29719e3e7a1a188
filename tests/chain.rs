//! One chain of evidence, walked as the department lives it, on every backend: the Center's count
//! finds one asset missing, one damaged and one it did not have on its books; the surplus is booked
//! from its line; the missing one becomes an inspection finding and then a handling written down in
//! mid-year; the damaged one goes to a liquidation. Every record names the others by code, both ways,
//! and the books — S24-H, C55-HD, the write-down and the asset itself — agree.

mod common;

use axum::http::StatusCode;
use common::{each_backend, sheet_rows, Caller, TestApp};
use serde_json::{json, Value};

async fn act(app: &TestApp, c: &Value, step: &str) -> (StatusCode, Value) {
    let (_, now) = app.get(&format!("/api/v1/counts/{}", c["id"])).await;
    app.post(&format!("/api/v1/counts/{}/{step}", c["id"]), json!({"version": now["version"]})).await
}

async fn lines(app: &TestApp, c: &Value) -> Vec<Value> {
    let (s, r) = app.get(&format!("/api/v1/counts/{}/reconciliation", c["id"])).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["items"].as_array().unwrap().clone()
}

fn line<'a>(rows: &'a [Value], code: &str) -> &'a Value {
    rows.iter().find(|r| r["line"]["code"] == code).unwrap_or_else(|| panic!("no line {code}: {rows:?}"))
}

fn codes(related: &Value) -> Vec<String> {
    related
        .as_array()
        .map(|a| a.iter().map(|r| format!("{}:{}", r["kind"].as_str().unwrap(), r["code"].as_str().unwrap())).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_count_discrepancy_is_followed_to_the_finding_the_handling_and_the_books() {
    each_backend(|app: TestApp| async move {
        let lab = app.id_of("categories", "MMTB-TN").await;
        let center = app.id_of("units", "TTUD").await;
        // 320,000,000 đ at 10 %: 32,000,000 đ a year, 2021–2025 booked by 31/12/2025.
        let uv = app
            .asset(json!({"code": "TT-UV", "name": "Máy quang phổ UV-VIS", "category_id": lab, "cost_state": 320_000_000, "acquired_on": "2021-03-01"}))
            .await;
        let freezer = app
            .asset(json!({"code": "TT-TL", "name": "Tủ lạnh âm sâu −80 °C", "category_id": lab, "cost_state": 180_000_000, "acquired_on": "2019-05-01"}))
            .await;
        let (s, c) = app
            .post(
                "/api/v1/counts",
                json!({"decision_no": "215/QĐ-SKHCN", "decision_date": "01/12/2025", "reference_date": "31/12/2025", "units": "TTUD",
                       "members": [{"full_name": "Nguyễn Văn Thành", "committee_role": "truong_ban", "position": "Phó Giám đốc Sở"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(act(&app, &c, "open").await.0, StatusCode::OK);
        let count = |body: Value| {
            let app = &app;
            let uri = format!("/api/v1/counts/{}/entries", c["id"]);
            async move { app.post(&uri, body).await }
        };
        let (s, e) = count(json!({"code": "TT-TL", "quantity": 1, "condition": "hong"})).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        assert_eq!(e["source"], "api", "sent through the API with a token, not from a phone");
        count(json!({"code": "TT-KT-01", "quantity": 1, "location": "Phòng thí nghiệm 1", "note": "Máy khuấy từ gia nhiệt"})).await;
        assert_eq!(act(&app, &c, "reconcile").await.0, StatusCode::OK);
        let rows = lines(&app, &c).await;
        assert_eq!(line(&rows, "TT-UV")["outcome"], "chua_kiem");
        let surplus = line(&rows, "TT-KT-01");
        assert_eq!(surplus["outcome"], "ngoai_so");
        assert_eq!(surplus["line"]["unit_id"], center, "a count of one unit files what it found under that unit");
        let resolve = |code: &str, body: Value| {
            let id = line(&rows, code)["line"]["id"].clone();
            let uri = format!("/api/v1/counts/{}/lines/{id}/resolution", c["id"]);
            let app = &app;
            async move { app.post(&uri, body).await }
        };

        // The surplus is booked from its line in one step, and the line then holds the asset.
        let (s, e) = resolve("TT-KT-01", json!({"resolution": "dieu_chinh", "note": "Ghi tăng"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e["fields"]["resolution"].as_str().unwrap().contains("Ghi tăng tài sản phát hiện thừa"), "{e}");
        let (s, e) = resolve("TT-KT-01", json!({"resolution": "ghi_tang", "note": "Tài trợ của dự án cũ"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e["fields"]["category_id"].is_string() && e["fields"]["value"].is_string(), "{e}");
        let (s, booked) = resolve("TT-KT-01", json!({"resolution": "ghi_tang", "category_id": lab, "value": 4_500_000, "note": "Tài trợ của dự án cũ"})).await;
        assert_eq!(s, StatusCode::OK, "{booked}");
        let (_, found) = app.get("/api/v1/assets?q=TT-KT-01").await;
        let found = found["items"][0].clone();
        assert_eq!(
            (found["acquisition_method"].as_str(), found["original_cost"].as_i64(), found["unit_id"].as_i64(), found["location"].as_str()),
            (Some("phat_hien_thua"), Some(4_500_000), Some(center), Some("Phòng thí nghiệm 1"))
        );
        assert_eq!(booked["asset_id"], found["id"]);
        let rows = lines(&app, &c).await;
        assert_eq!(line(&rows, "TT-KT-01")["counted_cost"], 4_500_000, "valued as the committee set it");

        // The damaged freezer goes to a liquidation; the missing spectrometer to the inspectorate.
        let (s, l) = resolve("TT-TL", json!({"resolution": "xu_ly", "form_code": "thanh_ly_pha_do", "note": "Hỏng máy nén"})).await;
        assert_eq!(s, StatusCode::OK, "{l}");
        let liquidation = l["disposal_id"].clone();
        assert_eq!(resolve("TT-UV", json!({"resolution": "thanh_tra", "note": "Không tìm thấy, chưa rõ nguyên nhân"})).await.0, StatusCode::OK);
        let (s, closed) = act(&app, &c, "close").await;
        assert_eq!(s, StatusCode::OK, "{closed}");

        // The finding: one per line, arriving filled from it.
        app.add_user("ttra1", "thanh_tra", Some("TTRA"));
        let admin = app.caller();
        app.act_as(Caller::Token(app.token_for("ttra1")));
        let (s, i) = app
            .post(
                "/api/v1/inspections",
                json!({"kind": "kiem_tra", "planned": false, "title": "Kiểm tra tài sản thiếu khi kiểm kê", "decision_no": "3/QĐ-TTr",
                       "decision_date": "10/01/2026", "subjects": "Trung tâm Ứng dụng", "scope": "Tài sản thiếu", "period_from": "01/01/2025",
                       "period_to": "31/12/2025", "team": "Lê Văn Kiểm; Trưởng đoàn; ttra1"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{i}");
        let inspection = i["code"].as_str().unwrap().to_string();
        let uv_line = line(&rows, "TT-UV")["line"]["id"].clone();
        let (_, page) = app.page(&format!("/thanh-tra/{}?count_line={uv_line}", i["id"]), false).await;
        for filled in ["Chưa kiểm khi kiểm kê KK-2025: Máy quang phổ UV-VIS (TT-UV)", "value=\"160000000\"", "value=\"TT-UV\"", "value=\"kiem_ke\" selected"] {
            assert!(page.contains(filled), "the finding form arrives filled: «{filled}»");
        }
        let finding = json!({"title": "Thiếu máy quang phổ UV-VIS khi kiểm kê", "category": "kiem_ke", "amount": 160_000_000, "count_line_id": uv_line});
        let (s, v) = app.post(&format!("/api/v1/inspections/{}/findings", i["id"]), finding.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, e) = app.post(&format!("/api/v1/inspections/{}/findings", i["id"]), finding).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a second finding from the same line needs its reason");
        assert!(e["fields"]["count_line_id"].as_str().unwrap().contains(&inspection), "{e}");
        app.act_as(admin.clone());

        // Both ways: the count line names the finding; the asset names both; the register marks it.
        let rows = lines(&app, &c).await;
        assert!(codes(&line(&rows, "TT-UV")["related"]).contains(&format!("finding:{inspection}")), "{rows:?}");
        let (_, a) = app.get(&format!("/api/v1/assets/{}", uv["id"])).await;
        let asset_links = codes(&a["related"]);
        assert!(asset_links.contains(&format!("finding:{inspection}")) && asset_links.contains(&"count_line:KK-2025 / TT-UV".to_string()), "{asset_links:?}");
        let (_, count_page) = app.page(&format!("/kiem-ke/{}", c["id"]), false).await;
        assert!(count_page.contains(&format!(">{inspection}</a>")), "the count page links the finding");
        assert!(!count_page.contains("to-finding"), "and no longer offers to open one");
        let (_, register) = app.page("/tai-san?q=TT-UV", false).await;
        assert!(register.contains(&format!("Chưa kiểm khi kiểm kê KK-2025, chuyển Thanh tra {inspection}")), "{register}");

        // The minutes name the handling and the finding by their codes.
        let (_, d) = app.get(&format!("/api/v1/disposals/{liquidation}")).await;
        let liquidation_code = d["code"].as_str().unwrap().to_string();
        assert!(codes(&d["related"]).contains(&"count_line:KK-2025 / TT-TL".to_string()), "the handling names its count: {}", d["related"]);
        let (_, f) = app.get(&format!("/api/v1/assets/{}", freezer["id"])).await;
        assert!(codes(&f["related"]).contains(&format!("disposal:{liquidation_code}")), "the freezer names its handling: {}", f["related"]);
        let minutes = app.download(&format!("/api/v1/counts/{}/minutes", c["id"])).await;
        let text = sheet_rows(&minutes, "Chênh lệch").join("\n") + &sheet_rows(&minutes, "Biên bản C53-HD").join("\n");
        assert!(text.contains(&format!("Hồ sơ xử lý {liquidation_code}")) && !text.contains("Hồ sơ số"), "{text}");
        assert!(text.contains(&format!("Phát hiện thanh tra {inspection}")), "{text}");
        let (_, seal) = app.get(&format!("/api/v1/counts/{}", c["id"])).await;
        assert_eq!(seal["minutes_sha256"], closed["minutes_sha256"], "a link made after the close leaves the seal as it was");

        // The handling that disposes of the missing asset, written down in mid-year.
        let (s, h) = app
            .post("/api/v1/disposals", json!({"form_code": "mat_huy_hoai", "reason": format!("Mất, theo kết luận {inspection}"), "doc_date": "02/03/2026", "lines": [{"asset_id": uv["id"]}]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{h}");
        let step = |name: &'static str, h: Value, body: Value| {
            let app = &app;
            async move {
                let mut body = body;
                body["version"] = h["version"].clone();
                let (s, v) = app.post(&format!("/api/v1/disposals/{}/{name}", h["id"]), body).await;
                assert_eq!(s, StatusCode::CREATED, "{name}: {v}");
                v
            }
        };
        let h = step("decision", h, json!({"doc_no": "40/QĐ-UBND", "doc_date": "20/03/2026", "authority": "UBND tỉnh Quảng Ngãi"})).await;
        let h = step("execution", h, json!({"doc_no": "BB-01", "doc_date": "10/06/2026", "method": "Xác định trách nhiệm bồi thường"})).await;
        let h = step("write-down", h, json!({"doc_no": "GG-09", "doc_date": "15/06/2026"})).await;
        let handling = h["code"].as_str().unwrap().to_string();
        let links = codes(&h["related"]);
        assert!(links.contains(&"count_line:KK-2025 / TT-UV".to_string()) && links.contains(&format!("finding:{inspection}")), "{links:?}");
        app.act_as(Caller::Token(app.token_for("ttra1")));
        let (_, iv) = app.get(&format!("/api/v1/inspections/{}", i["id"])).await;
        app.act_as(admin.clone());
        assert!(codes(&iv["findings"][0]["related"]).contains(&format!("disposal:{handling}")), "the finding names the handling: {iv}");

        // The books agree: 160,000,000 đ worn up to the write-down, none booked in 2026.
        assert_eq!(h["lines"][0]["written_down_residual"], 160_000_000);
        let (_, a) = app.get(&format!("/api/v1/assets/{}", uv["id"])).await;
        assert_eq!((a["accumulated_wear"].as_i64(), a["residual_value"].as_i64()), (Some(160_000_000), Some(160_000_000)), "{a}");
        // A database of before (its written-down asset worn on by a later refresh) is put right at start.
        let uv_id = uv["id"].as_i64().unwrap();
        app.db
            .write_sync(move |c| {
                use diesel::connection::SimpleConnection;
                c.batch_execute(&format!(
                    "UPDATE assets SET accumulated_wear = 192000000, residual_value = 128000000, wear_as_of = '2026-12-31' WHERE id = {uv_id}"
                ))?;
                Ok(())
            })
            .unwrap();
        taisan::open(&app.url).unwrap();
        let (_, a) = app.get(&format!("/api/v1/assets/{}", uv["id"])).await;
        assert_eq!((a["accumulated_wear"].as_i64(), a["wear_as_of"].as_str()), (Some(160_000_000), Some("2026-06-15")), "{a}");
        let book = sheet_rows(&app.download("/api/v1/exports/fixed-asset-book?wear_year=2026").await, "Báo cáo");
        let row = book.iter().find(|r| r.contains("TT-UV")).expect("in the 2026 book").split('|').map(str::to_string).collect::<Vec<_>>();
        // M and N (the year's wear) empty or nil, O (accumulated) and S (residual written down).
        assert!(row[12].is_empty() || row[12] == "0", "{row:?}");
        assert!(row[13].is_empty() || row[13] == "0", "{row:?}");
        assert_eq!((row[14].as_str(), row[15].as_str(), row[18].as_str()), ("160000000", "GG-09", "160000000"), "{row:?}");
        let wear = sheet_rows(&app.download("/api/v1/exports/wear?wear_year=2026").await, "Báo cáo");
        assert!(!wear.iter().any(|r| r.contains("TT-UV")), "not on the books at 31/12/2026");
        let changes = sheet_rows(&app.download("/api/v1/exports/changes?from=01/01/2026&to=31/12/2026").await, "Báo cáo").join("\n");
        assert!(changes.contains("TT-UV") && changes.contains(&handling), "the decrease in the changes report");

        // Settled, the register no longer marks it; the history chain holds and names each step.
        app.act_as(Caller::Token(app.token_for("ttra1")));
        let (s, v) = app
            .post(&format!("/api/v1/inspections/{}/recommendations", i["id"]), json!({"finding_id": iv["findings"][0]["id"], "kind": "hoan_thien_co_che", "content": "Ghi giảm tài sản mất, rà soát quy trình quản lý", "responsible": "Trung tâm", "deadline": "30/06/2026"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let rec = v["recommendations"][0]["id"].clone();
        let (s, _, body) = app
            .upload(&format!("/api/v1/recommendations/{rec}/follow-ups"), "", "application/octet-stream", b"", &[("done_on", "20/06/2026"), ("action", "Đã ghi giảm tài sản"), ("completes", "true")])
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        app.act_as(admin);
        let (_, register) = app.page("/tai-san?q=TT-UV&include_written_down=1", false).await;
        assert!(!register.contains("khi kiểm kê KK-2025"), "settled: no mark");
        let status = app.db.read_sync(taisan::audit::verify).unwrap();
        assert!(matches!(status, taisan::audit::ChainStatus::Intact { .. }), "{status:?}");
    })
    .await;
}
