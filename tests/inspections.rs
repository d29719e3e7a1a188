//! The inspectorate on every backend: procurement files and their red flags with evidence, an
//! inspection from its decision to recommendations followed until recovered, the workbooks matched
//! to the history, findings imported from the team's spreadsheet, a finding opened from a count, and
//! who may write what.

mod common;

use axum::http::StatusCode;
use common::{each_backend, sheet_rows, Caller, TestApp};
use serde_json::{json, Value};

async fn procurement(app: &TestApp, body: Value) -> Value {
    let (s, p) = app.post("/api/v1/procurements", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p
}

fn kinds(p: &Value) -> Vec<String> {
    p["flags"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn procurement_files_raise_red_flags_with_their_evidence() {
    each_backend(|app: TestApp| async move {
        let unit = app.id_of("units", "TTUD").await;
        let lab = app.id_of("categories", "MMTB-TN").await;
        // Three ordinary purchases of lab equipment, and one far dearer.
        let mut bought = vec![];
        for (code, cost) in [("LAB-1", 100_000_000), ("LAB-2", 110_000_000), ("LAB-3", 95_000_000), ("LAB-4", 400_000_000)] {
            bought.push(app.asset(json!({"code": code, "name": format!("Máy {code}"), "cost_state": cost})).await);
        }
        let base = json!({"unit_id": unit, "category_id": lab, "method": "chi_dinh_thau", "documents": ["du_toan", "hop_dong"]});
        let with = |extra: Value| {
            let mut b = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        // Refusals first: no dates, a negative estimate, an unknown document, an unknown asset.
        let (s, e) = app
            .post("/api/v1/procurements", with(json!({"code": "X", "package_name": "X", "estimate": -1, "documents": ["la"], "asset_ids": [999999]})))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        for f in ["plan_date", "estimate", "documents", "asset_ids"] {
            assert!(e["fields"][f].is_string(), "{f}: {e}");
        }
        // Above the threshold in force on its date (1 tỷ, dated rule data).
        let big = procurement(
            &app,
            with(json!({"code": "MS-1", "package_name": "Máy lớn", "plan_date": "10/01/2025", "contract_value": 1_200_000_000i64,
                        "acceptance_date": "20/02/2025", "invoice_no": "1", "contract_date": "15/01/2025"})),
        )
        .await;
        assert_eq!(kinds(&big), ["vuot_han_muc"], "{big}");
        assert!(big["flags"][0]["evidence"].as_str().unwrap().contains("hạn mức chỉ định thầu ngày 10/01/2025 là 1.000.000.000 đ"));
        assert!(big["flags"][0]["legal_source"].as_str().unwrap().contains("NĐ 24/2024"));
        // Three packages of the same goods in three months, each under, together over: split.
        for (code, date, value, asset) in [("MS-2", "02/03/2023", 400_000_000, 0), ("MS-3", "06/04/2023", 450_000_000, 1), ("MS-4", "11/05/2023", 300_000_000, 2)] {
            procurement(
                &app,
                with(json!({"code": code, "package_name": code, "plan_date": date, "contract_value": value,
                            "acceptance_date": "30/06/2023", "invoice_no": "9", "asset_ids": [bought[asset]["id"]]})),
            )
            .await;
        }
        // A late one outside the window and a public tender do not join the group.
        procurement(&app, with(json!({"code": "MS-5", "package_name": "MS-5", "plan_date": "10/06/2024", "contract_value": 300_000_000}))).await;
        // Booked without acceptance or invoice, at four times the others' price.
        let dear = procurement(
            &app,
            with(json!({"code": "MS-6", "package_name": "Máy đắt", "method": "rong_rai", "plan_date": "01/08/2024",
                        "contract_value": 400_000_000, "asset_ids": [bought[3]["id"]]})),
        )
        .await;
        assert_eq!(kinds(&dear), ["thieu_chung_tu", "gia_cao"], "{dear}");
        assert!(dear["flags"][0]["evidence"].as_str().unwrap().contains("biên bản nghiệm thu và hóa đơn"));
        assert!(dear["flags"][1]["evidence"].as_str().unwrap().contains("gấp 4.0 lần trung vị 100.000.000 đ của 3 lần mua khác"), "{dear}");
        let (_, all) = app.get("/api/v1/procurements").await;
        let by = |code: &str| all["items"].as_array().unwrap().iter().find(|p| p["code"] == code).unwrap().clone();
        assert_eq!(kinds(&by("MS-3")), ["chia_nho"]);
        let evidence = by("MS-3")["flags"][0]["evidence"].as_str().unwrap().to_string();
        assert!(evidence.starts_with("3 gói chỉ định thầu cùng nhóm") && evidence.contains("cộng lại 1.150.000.000 đ"), "{evidence}");
        assert!(evidence.contains("MS-2 (02/03/2023, 400.000.000 đ)") && !evidence.contains("MS-5"), "{evidence}");
        assert!(kinds(&by("MS-5")).is_empty(), "alone in its window: {:?}", by("MS-5"));
        // The page shows the flags and the checklist.
        let (_, page) = app.page(&format!("/mua-sam/{}", by("MS-3")["id"]), false).await;
        assert!(page.contains("Nghi chia nhỏ gói thầu") && page.contains("☐ <span class=\"error\">thiếu</span> Hóa đơn"), "{page}");
    })
    .await;
}

async fn inspection(app: &TestApp) -> Value {
    let (s, i) = app
        .post(
            "/api/v1/inspections",
            json!({
                "kind": "thanh_tra", "planned": false, "title": "Thanh tra mua sắm thiết bị",
                "decision_no": "15/QĐ-TTr", "decision_date": "02/06/2026", "requested_by": "Công an tỉnh",
                "subjects": "Trung tâm Ứng dụng", "scope": "Mua sắm thiết bị", "period_from": "01/01/2022",
                "period_to": "31/12/2024", "team": "Nguyễn Văn Minh; Trưởng đoàn; ttra1"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    i
}

#[tokio::test]
async fn an_inspection_follows_its_recommendations_until_recovered() {
    each_backend(|app: TestApp| async move {
        let pcr = app.asset(json!({"code": "TT-PCR", "name": "Máy PCR"})).await;
        app.add_user("ttra1", "thanh_tra", Some("TTRA"));
        app.add_user("ttra2", "thanh_tra", Some("TTRA"));
        app.add_user("lanhdao", "lanh_dao", None);
        app.add_user("donvi", "don_vi", Some("TTUD"));
        // Wrong inputs are refused with their reasons.
        let (s, e) = app
            .post("/api/v1/inspections", json!({"kind": "thanh_tra", "decision_date": "02/06/2026", "period_from": "01/01/2025", "period_to": "01/01/2024"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["period_to"].as_str().unwrap().contains("ngày cuối trước ngày đầu"), "{e}");
        assert!(e["fields"]["decision_no"].is_string() && e["fields"]["team"].is_string());
        app.act_as(Caller::Token(app.token_for("ttra1")));
        let i = inspection(&app).await;
        assert_eq!(i["code"], "TTr-2026-01");
        assert_eq!(i["planned"], false);
        let id = i["id"].clone();
        let (s, f) = app
            .post(
                &format!("/api/v1/inspections/{id}/findings"),
                json!({"title": "Mua máy PCR giá cao", "category": "mua_sam", "amount": 150_000_000, "asset_codes": "TT-PCR"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let finding = f["findings"][0].clone();
        assert_eq!(finding["links"][0][1], format!("TT-PCR — Máy PCR"));
        let (s, e) = app.post(&format!("/api/v1/inspections/{id}/findings"), json!({"title": "X", "category": "mua_sam", "asset_codes": "KHONG-CO"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["fields"]["asset_codes"], "Không có tài sản mã «KHONG-CO»");
        // Recommendations: each kind asks for what it needs.
        let rec = |body: Value| {
            let app = &app;
            let id = id.clone();
            async move { app.post(&format!("/api/v1/inspections/{id}/recommendations"), body).await }
        };
        let (s, e) = rec(json!({"kind": "thu_hoi_nsnn", "content": "Thu hồi", "responsible": "Trung tâm"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["fields"]["amount"], "Kiến nghị thu hồi, xử lý về kinh tế cần số tiền");
        assert_eq!(e["fields"]["deadline"], "Cần thời hạn thực hiện");
        let (s, e) = rec(json!({"kind": "kiem_diem", "content": "Kiểm điểm", "responsible": "Giám đốc", "deadline": "01/12/2026", "amount": 5})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e["fields"]["amount"].is_string() && e["fields"]["persons"].is_string(), "{e}");
        let (s, v) = rec(json!({"finding_id": finding["id"], "kind": "thu_hoi_nsnn", "content": "Thu hồi chênh lệch giá", "responsible": "Trung tâm",
                                "deadline": "01/10/2026", "amount": 150_000_000})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = rec(json!({"kind": "kiem_diem", "content": "Kiểm điểm", "responsible": "Giám đốc", "deadline": "31/12/2026", "persons": 2})).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = rec(json!({"kind": "chuyen_dieu_tra", "content": "Chuyển hồ sơ", "responsible": "Thanh tra Sở", "deadline": "31/12/2026", "cases": 1, "persons": 1})).await;
        assert_eq!(s, StatusCode::CREATED);
        let recover = v["recommendations"][0]["id"].clone();
        assert_eq!(v["recommendations"][0]["status"], "chua_thuc_hien");
        assert_eq!(v["recommendations"][0]["overdue"], true, "its deadline has passed");
        // Follow-up: part recovered with a scanned receipt; too much refused; then completed.
        let pdf = b"%PDF-1.4\n% bien lai\n";
        let follow = |fields: Vec<(&'static str, &'static str)>, file: Option<&'static [u8]>| {
            let app = &app;
            let uri = format!("/api/v1/recommendations/{recover}/follow-ups");
            async move {
                let (s, _, body) = match file {
                    Some(bytes) => app.upload(&uri, "bien-lai.pdf", "application/pdf", bytes, &fields).await,
                    None => app.upload(&uri, "", "application/octet-stream", b"", &fields).await,
                };
                (s, serde_json::from_slice::<Value>(&body).unwrap())
            }
        };
        let (s, v) = follow(vec![("done_on", "15/10/2026"), ("action", "Nộp lần 1"), ("recovered", "100000000")], Some(pdf)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let r = &v["recommendations"][0];
        assert_eq!((r["status"].as_str(), r["recovered"].as_i64(), r["recovery_bp"].as_i64()), (Some("dang_thuc_hien"), Some(100_000_000), Some(6666)));
        let fu = r["follow_ups"][0].clone();
        assert_eq!(fu["evidence_name"], "bien-lai.pdf");
        let (s, _, body) = app.send(axum::http::Request::get(format!("/api/v1/follow-ups/{}/evidence", fu["id"])).body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!((s, body.as_slice()), (StatusCode::OK, &pdf[..]));
        let (s, e) = follow(vec![("done_on", "20/10/2026"), ("action", "Nộp lần 2"), ("recovered", "60000000")], None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["recovered"].as_str().unwrap().contains("vượt số kiến nghị 150.000.000 đ"), "{e}");
        let (s, e) = follow(vec![("done_on", "20/10/2026"), ("action", "Giả"), ("recovered", "1")], Some(b"MZ not a scan")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, v) = follow(vec![("done_on", "20/10/2026"), ("action", "Nộp đủ, xác nhận hoàn thành"), ("recovered", "50000000"), ("completes", "true")], None).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let r = &v["recommendations"][0];
        assert_eq!((r["status"].as_str(), r["overdue"].as_bool(), r["recovery_bp"].as_i64()), (Some("hoan_thanh"), Some(false), Some(10_000)));
        assert_eq!(v["recovery"]["recovered"], 150_000_000);
        assert_eq!((v["recovery"]["persons"].as_i64(), v["recovery"]["cases"].as_i64()), (Some(1), Some(1)), "kiểm điểm is not a sanction: {v}");
        let (s, _) = follow(vec![("done_on", "21/10/2026"), ("action", "Thêm")], None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a closed recommendation takes no more");
        // The conclusion.
        let (s, v) = app.put(&format!("/api/v1/inspections/{id}"), json!({"conclusion_no": "12/KL-TTr", "conclusion_date": "30/09/2026", "version": i["version"]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "da_ket_luan");
        // Only the team writes; the leadership reads; unit staff do not see inspections.
        app.act_as(Caller::Token(app.token_for("ttra2")));
        let (s, e) = app.post(&format!("/api/v1/inspections/{id}/findings"), json!({"title": "X", "category": "khac"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(e["error"].as_str().unwrap().contains("Đoàn TTr-2026-01 không có bạn"), "{e}");
        app.act_as(Caller::Token(app.token_for("lanhdao")));
        assert_eq!(app.get(&format!("/api/v1/inspections/{id}")).await.0, StatusCode::OK);
        assert_eq!(app.post(&format!("/api/v1/inspections/{id}/findings"), json!({})).await.0, StatusCode::FORBIDDEN);
        app.act_as(Caller::Token(app.token_for("donvi")));
        assert_eq!(app.get(&format!("/api/v1/inspections/{id}")).await.0, StatusCode::FORBIDDEN);
        let _ = pcr;
    })
    .await;
}

#[tokio::test]
async fn the_demo_inspection_exports_workbooks_that_match_the_history() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        // The split HPLC purchase is flagged, one package lacks its invoice.
        let (_, all) = app.get("/api/v1/procurements").await;
        let items = all["items"].as_array().unwrap();
        let flagged: Vec<&str> = items
            .iter()
            .filter(|p| kinds(p).contains(&"chia_nho".to_string()))
            .map(|p| p["code"].as_str().unwrap())
            .collect();
        assert_eq!(flagged, ["MS-2023-05", "MS-2023-04", "MS-2023-03"]);
        assert!(items.iter().any(|p| p["code"] == "MS-2023-05" && kinds(p).contains(&"thieu_chung_tu".to_string())));
        let (_, list) = app.get("/api/v1/inspections").await;
        let i = &list["items"][0];
        assert_eq!(i["recovery"]["recommended"], 197_500_000);
        assert_eq!(i["recovery"]["recovered"], 112_500_000);
        assert_eq!(i["recovery"]["overdue"], 1);
        assert_eq!(i["rate"], "56,9 %");
        let id = i["inspection"]["id"].clone();
        let (_, v) = app.get(&format!("/api/v1/inspections/{id}")).await;
        let from_count = v["findings"][2]["links"].as_array().unwrap();
        assert!(
            from_count.iter().any(|l| l[0]["kind"] == "count_line")
                && from_count.iter().any(|l| l[0]["kind"] == "asset"),
            "{from_count:?}"
        );
        // The inspection's workbook: four sheets, the head of the history stamped, the export recorded.
        let (head_before, _) = {
            let h = app.db.read_sync(taisan::audit::head).unwrap();
            (h.0, h.1)
        };
        let bytes = app.download(&format!("/api/v1/inspections/{id}/workbook")).await;
        let summary = sheet_rows(&bytes, "Tóm tắt").join("\n");
        assert!(
            summary.contains("TÓM TẮT KẾT QUẢ THANH TRA") && summary.contains(&format!("sự kiện số {head_before}")),
            "{summary}"
        );
        assert!(summary.contains("Kiến nghị quá hạn|kiến nghị|1"), "{summary}");
        let recs = sheet_rows(&bytes, "Kiến nghị").join("\n");
        assert!(
            recs.contains("Thu hồi về ngân sách nhà nước")
                && recs.contains("Quá hạn")
                && recs.contains("185000000|100000000|85000000"),
            "{recs}"
        );
        let schedule = sheet_rows(&bytes, "Tài sản, mua sắm").join("\n");
        assert!(schedule.contains("MS-2023-04") && schedule.contains("Nghi chia nhỏ"), "{schedule}");
        let (_, events) = app.get("/api/v1/activity?action=export").await;
        let last = &events["items"][0];
        let after: Value =
            serde_json::from_str(last["after_json"].as_str().unwrap_or("null")).unwrap_or(last["after"].clone());
        assert_eq!(after["sha256"], taisan::import::sha256_hex(&bytes), "{last}");
        assert_eq!(after["chain_seq"], head_before.to_string());
        // The period's workbook: the year of the decision.
        use chrono::Datelike;
        let year = chrono::NaiveDate::parse_from_str(v["decision_date"].as_str().unwrap(), "%Y-%m-%d").unwrap().year();
        let period = app.download(&format!("/api/v1/exports/inspections?year={year}&period=nam")).await;
        let text = sheet_rows(&period, "Tổng hợp").join("\n");
        assert!(
            text.contains("Số cuộc: 1 (1 thanh tra, 0 kiểm tra; 0 theo kế hoạch, 1 đột xuất; 1 đã kết luận)"),
            "{text}"
        );
        assert!(text.contains("đã thu hồi 112.500.000 đ (56,9 %)"), "{text}");
        // The pages: the charts and the overdue recommendation.
        let (_, page) = app.page("/thanh-tra", false).await;
        assert!(page.contains("Số tiền kiến nghị thu hồi và đã thu hồi") && page.contains("(1 quá hạn)"), "{page}");
        let (_, page) = app.page(&format!("/thanh-tra/{id}"), false).await;
        assert!(page.contains("quá hạn") && page.contains("Hom sắn giống hao hụt"), "{page}");
        // From the count's page, a discrepancy sent to the inspectorate opens a finding.
        let line = from_count.iter().find(|l| l[0]["kind"] == "count_line").unwrap()[0]["ref_id"].clone();
        let (s, page) = app.page(&format!("/thanh-tra/tu-kiem-ke/{line}"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains(&format!("/thanh-tra/{id}?count_line={line}")), "{page}");
        let (_, page) = app.page(&format!("/thanh-tra/{id}?count_line={line}"), false).await;
        assert!(
            page.contains("Ghi phát hiện từ chênh lệch kiểm kê")
                && page.contains(&format!("name=\"count_line_id\" value=\"{line}\"")),
            "{page}"
        );
    })
    .await;
}

#[tokio::test]
async fn findings_and_recommendations_come_in_from_the_teams_spreadsheet() {
    each_backend(|app: TestApp| async move {
        app.asset(json!({"code": "TT-PCR", "name": "Máy PCR"})).await;
        let i = inspection(&app).await;
        // The API's import into inspection `into`.
        let upload = |into: &Value, csv: &'static str, preview: bool| {
            let app = &app;
            let uri = format!("/api/v1/inspections/{into}/import{}", if preview { "?preview=true" } else { "" });
            async move {
                let (s, _, body) = app.upload(&uri, "phat-hien.csv", "text/csv", csv.as_bytes(), &[]).await;
                (s, serde_json::from_slice::<Value>(&body).unwrap())
            }
        };
        let bad = "BẢNG TỔNG HỢP PHÁT HIỆN\n\nNội dung phát hiện,Loại vi phạm,Số tiền vi phạm,Mã tài sản,Loại kiến nghị,Nội dung kiến nghị,Đơn vị thực hiện,Thời hạn,Số tiền kiến nghị\n\
Mua máy PCR giá cao,Mua sắm tài sản,150.000.000,TT-PCR,Thu hồi về ngân sách nhà nước,Thu hồi chênh lệch,Trung tâm,31/12/2026,\n\
Thiếu hóa đơn,Lung tung,,MA-LA,,,,,\n";
        let (s, r) = upload(&i["id"], bad, false).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        let errors: Vec<String> = r["errors"].as_array().unwrap().iter().map(|e| format!("{}|{}|{}", e["row"], e["column"].as_str().unwrap(), e["message"].as_str().unwrap())).collect();
        assert!(errors.contains(&"4|Số tiền kiến nghị|Kiến nghị thu hồi, xử lý về kinh tế cần số tiền".to_string()), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("5|Loại vi phạm|")), "{errors:?}");
        assert!(errors.contains(&"5|Mã tài sản|Không có tài sản mã «MA-LA»".to_string()), "{errors:?}");
        let (_, v) = app.get(&format!("/api/v1/inspections/{}", i["id"])).await;
        assert_eq!(v["findings"].as_array().unwrap().len(), 0, "nothing saved");
        // The same file on the page: every row with its outcome, the failed cells to correct there,
        // checked again without uploading it again, then imported with the corrections on record.
        let (s, _, page) = app.upload(&format!("/thanh-tra/{}/nhap", i["id"]), "phat-hien.csv", "text/csv", bad.as_bytes(), &[]).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("id=\"check-refused\"") && page.contains("Lỗi 2"), "{page}");
        let link = page.split("id=\"errors-xlsx\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let failed = common::sheet_rows(&app.download(&link).await, "Dòng lỗi");
        assert_eq!(failed.len(), 3, "the header and the two failed rows: {failed:?}");
        let (action, mut fields) = common::form_fields(&page, &format!("/thanh-tra/{}/nhap/", i["id"]));
        for (k, v) in fields.iter_mut() {
            match k.as_str() {
                "fix:4:8" => *v = "150.000.000".into(),
                "fix:5:1" => *v = "Mua sắm tài sản".into(),
                "fix:5:3" => *v = "TT-PCR".into(),
                _ => {}
            }
        }
        assert_eq!(fields.iter().filter(|(k, _)| k.starts_with("fix:")).count(), 3, "{fields:?}");
        fields.push(("action".into(), "preview".into()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, page) = app.form(&action, &pairs).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"check-ready\"") && page.contains("id=\"do-import\""), "{page}");
        let (_, mut fields) = common::form_fields(&page, &format!("/thanh-tra/{}/nhap/", i["id"]));
        assert_eq!(fields.iter().filter(|(k, _)| k.starts_with("fix:")).count(), 3, "carried: {fields:?}");
        fields.push(("action".into(), "import".into()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, page) = app.form(&action, &pairs).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"check-saved\""), "{page}");
        let import_id = page.split("lần nhập số ").nth(1).unwrap().split(')').next().unwrap().to_string();
        let (_, record) = app.get(&format!("/api/v1/imports/{import_id}")).await;
        assert_eq!(record["import"]["kind"], "findings", "{record}");
        assert_eq!(record["fixes"].as_array().unwrap().len(), 3, "{record}");
        assert_eq!(record["rows"].as_array().unwrap().len(), 2, "{record}");
        let (_, v) = app.get(&format!("/api/v1/inspections/{}", i["id"])).await;
        assert_eq!(v["findings"].as_array().unwrap().len(), 2, "{v}");
        let i = inspection(&app).await;
        let good = "Nội dung phát hiện,Loại vi phạm,Số tiền vi phạm,Mã tài sản,Loại kiến nghị,Nội dung kiến nghị,Đơn vị thực hiện,Thời hạn,Số tiền kiến nghị,Số cá nhân\n\
Mua máy PCR giá cao,mua_sam,150.000.000,TT-PCR,thu hồi về ngân sách nhà nước,Thu hồi chênh lệch,Trung tâm,31/12/2026,150.000.000,\n\
,,,,Kiểm điểm,Kiểm điểm người lập dự toán,Giám đốc,31/12/2026,,2\n";
        let (s, r) = upload(&i["id"], good, true).await;
        assert_eq!((s, r["findings"].as_i64(), r["recommendations"].as_i64(), r["saved"].as_bool()), (StatusCode::OK, Some(1), Some(2), Some(false)), "{r}");
        let (s, r) = upload(&i["id"], good, false).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let (_, v) = app.get(&format!("/api/v1/inspections/{}", i["id"])).await;
        assert_eq!(v["recommendations"][1]["finding_id"], v["findings"][0]["id"], "the row below belongs to the finding above");
        assert_eq!(v["recommendations"][1]["kind"], "kiem_diem");
    })
    .await;
}
