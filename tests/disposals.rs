//! Handling assets (xử lý tài sản), step by step on every backend: the cassava task's PCR machine
//! handed to the Center from proposal to write-down, two of four sprayers sold, and each refusal a
//! team will meet — deciding more than was proposed, executing before the decision, handling what
//! is already handled, a document dated before the one it follows, a stale version.

mod common;

use common::{each_backend, Caller, TestApp};
use serde_json::{json, Value};

async fn asset_by(app: &TestApp, q: &str) -> Value {
    let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let (_, found) = app.get(&format!("/api/v1/assets?q={encoded}&include_written_down=1")).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{q}: {found}");
    found["items"][0].clone()
}

/// A workbook from the API, each row as its cells joined by «|».
async fn sheet(app: &TestApp, path: impl Into<String>) -> Vec<String> {
    use calamine::Reader;
    let (s, _, body) = app.send(axum::http::Request::get(path.into()).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(body)).unwrap();
    let range = wb.worksheet_range("Báo cáo").unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect()
}

async fn step(app: &TestApp, d: &Value, path: &str, body: Value) -> (u16, Value) {
    let mut body = body;
    body["version"] = d["version"].clone();
    let (s, v) = app.post(&format!("/api/v1/disposals/{}/{path}", d["id"]), body).await;
    (s.as_u16(), v)
}

#[tokio::test]
async fn the_pcr_machine_is_handed_to_the_center_from_proposal_to_write_down() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let pcr = asset_by(&app, "CFX96").await;
        // The forms open to a task asset under NĐ 70/2018 include the handover to the host.
        let (_, forms) = app.get(&format!("/api/v1/handling-forms?asset_id={}", pcr["id"])).await;
        let codes: Vec<&str> = forms["items"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"giao_chu_tri_ghi_tang_tai_san") && codes.contains(&"thanh_ly_ban"), "{codes:?}");
        assert!(!codes.contains(&"giao_quyen_so_huu_l93"), "another regime's form: {codes:?}");
        let events = app.audit_count();
        let (s, d) = app
            .post(
                "/api/v1/disposals",
                json!({
                    "form_code": "giao_chu_tri_ghi_tang_tai_san",
                    "reason": "Nhiệm vụ đã nghiệm thu; Trung tâm tiếp tục sử dụng máy cho phòng thí nghiệm",
                    "doc_no": "125/TTUD-HC", "doc_date": "02/11/2026",
                    "lines": [{"asset_id": pcr["id"]}]
                }),
            )
            .await;
        assert_eq!(s, 201, "{d}");
        // Numbered within the year (the demo's three handlings came first).
        let code = d["code"].as_str().unwrap().to_string();
        assert_eq!(code, "XL-2026-0004");
        assert_eq!(d["status"], "de_nghi");
        assert_eq!(d["due_on"], "2026-11-22", "20 days to decide");
        assert_eq!(d["task_code"], "ĐTNN-03/2021");
        assert_eq!(d["lines"][0]["quantity"], 1);
        assert_eq!(d["lines"][0]["original_cost"], 1_450_000_000i64);
        // No handover yet: no minutes.
        let (s, _) = app.get(&format!("/api/v1/disposals/{}/handover", d["id"])).await;
        assert_eq!(s, 409);
        // Executing before the decision is refused, and changes nothing.
        let (s, e) = step(&app, &d, "execution", json!({"doc_date": "03/11/2026", "counterparty": "Trung tâm"})).await;
        assert_eq!(s, 409, "{e}");
        assert!(e["error"].as_str().unwrap().contains("Chưa thực hiện được"), "{e}");
        // A decision dated before the proposal is refused; then the real one.
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "45/QĐ-UBND", "doc_date": "01/11/2026"})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["doc_date"].as_str().unwrap().contains("ngày đề nghị"), "{e}");
        let (s, d) = step(
            &app,
            &d,
            "decision",
            json!({"doc_no": "45/QĐ-UBND", "doc_date": "10/11/2026", "signer": "Phó Chủ tịch UBND tỉnh", "authority": "UBND tỉnh Quảng Ngãi"}),
        )
        .await;
        assert_eq!(s, 201, "{d}");
        assert_eq!((d["status"].as_str(), d["due_on"].as_str()), (Some("da_quyet_dinh"), Some("2026-11-17")), "7 days to hand over");
        assert!(d["lines"][0]["decided_residual"].as_i64().unwrap() < 1_450_000_000);
        // A stale version is refused.
        let mut stale = d.clone();
        stale["version"] = json!(d["version"].as_i64().unwrap() - 1);
        let (s, _) = step(&app, &stale, "execution", json!({"doc_date": "15/11/2026", "counterparty": "Trung tâm"})).await;
        assert_eq!(s, 409);
        let (s, e) = step(&app, &d, "execution", json!({"doc_date": "15/11/2026"})).await;
        assert_eq!(s, 422, "the handover names who receives: {e}");
        let (s, d) = step(
            &app,
            &d,
            "execution",
            json!({"doc_no": "01/BBGN", "doc_date": "15/11/2026", "counterparty": "Trung tâm Ứng dụng và Dịch vụ KH&CN"}),
        )
        .await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["status"], "da_thuc_hien");
        let (s, d) = step(&app, &d, "write-down", json!({"doc_no": "GG-01", "doc_date": "20/11/2026"})).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["status"], "da_ghi_giam");
        let after = asset_by(&app, "CFX96").await;
        assert_eq!(after["status"], "da_xu_ly");
        assert!(after["notes"].as_str().unwrap().contains(&code));
        assert_eq!(d["lines"][0]["written_down_asset_id"], pcr["id"]);
        let residual = d["lines"][0]["written_down_residual"].as_i64().unwrap();
        assert!(residual > 0 && residual < 1_450_000_000, "the residual on the write-down date: {residual}");
        // Four documents, each in the history; the asset's write-down too.
        assert_eq!(d["steps"].as_array().unwrap().len(), 4);
        assert_eq!(app.audit_count(), events + 5);
        // Handled once: it cannot be proposed again, nor its write-down revoked.
        let (s, e) = app
            .post("/api/v1/disposals", json!({"form_code": "thanh_ly_ban", "reason": "x", "doc_date": "25/11/2026", "lines": [{"asset_id": pcr["id"]}]}))
            .await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["lines[0].asset_id"].as_str().unwrap().contains("đã được xử lý"), "{e}");
        let last = d["steps"][3]["id"].clone();
        let (s, e) = step(&app, &d, "revocation", json!({"step_id": last, "doc_no": "TH-1", "doc_date": "25/11/2026"})).await;
        assert_eq!(s, 422, "{e}");
        // The books show it leaving: a decrease by its form in the changes of the period, the voucher
        // in the 2026 book, and no line in the 2026 wear table.
        let changes = sheet(&app, "/api/v1/exports/changes?from=01/11/2026&to=30/11/2026").await;
        let group = changes.iter().position(|r| r.contains("Giảm — Giao cho tổ chức chủ trì — ghi tăng tài sản")).expect("the group");
        let pcr_row = changes[group..].iter().find(|r| r.contains("Máy Real-time PCR CFX96 Touch")).expect("in the group");
        assert!(pcr_row.contains("1450000000") && pcr_row.contains(&format!("Hồ sơ xử lý {code}, chứng từ GG-01")), "{changes:#?}");
        let book = sheet(&app, "/api/v1/exports/fixed-asset-book?wear_year=2026").await;
        let line = book.iter().find(|r| r.contains("Máy Real-time PCR")).expect("in the 2026 book");
        assert!(line.contains("GG-01") && line.contains(&format!("(hồ sơ {code})")), "{line}");
        let wear = sheet(&app, "/api/v1/exports/wear?wear_year=2026").await;
        assert!(!wear.iter().any(|r| r.contains("Máy Real-time PCR")), "not on the books at 31/12/2026");
        let wear_2025 = sheet(&app, "/api/v1/exports/wear?wear_year=2025").await;
        assert!(wear_2025.iter().any(|r| r.contains("Máy Real-time PCR")), "still in 2025's");
        // Its papers: the list proposed (01/TSC-XLTS) and the handover minutes (02/TSC-BBGN).
        let id = d["id"].clone();
        let proposal = sheet(&app, format!("/api/v1/disposals/{id}/proposal")).await;
        assert!(proposal.iter().any(|r| r.contains("DANH MỤC TÀI SẢN CÔNG ĐỀ NGHỊ XỬ LÝ")));
        assert!(proposal.iter().any(|r| r.contains("Mẫu số 01/TSC-XLTS")));
        assert!(
            proposal.iter().any(|r| r.contains("(Kèm theo Văn bản số 125/TTUD-HC ngày 02/11/2026 của Trung tâm Ứng dụng")),
            "{proposal:#?}"
        );
        let line = proposal.iter().find(|r| r.contains("Máy Real-time PCR")).unwrap();
        assert!(line.contains("Máy móc, thiết bị") && line.contains("1450000000") && line.contains("Giao cho tổ chức chủ trì"), "{line}");
        let minutes = sheet(&app, format!("/api/v1/disposals/{id}/handover")).await;
        assert!(minutes.iter().any(|r| r.contains("BIÊN BẢN BÀN GIAO, TIẾP NHẬN TÀI SẢN CÔNG")));
        assert!(minutes.iter().any(|r| r.contains("Căn cứ Quyết định số 45/QĐ-UBND ngày 10/11/2026 của UBND tỉnh Quảng Ngãi")), "{minutes:#?}");
        assert!(minutes.iter().any(|r| r.contains("Đại diện bên nhận (Trung tâm Ứng dụng và Dịch vụ KH&CN)")));
        assert!(minutes.iter().any(|r| r.contains("ĐẠI DIỆN BÊN GIAO") && r.contains("ĐẠI DIỆN BÊN NHẬN")));
        // The results across tasks: what each form handled, what still waits and for how long.
        let results = sheet(&app, "/api/v1/exports/task-handling?as_of=30/11/2026").await;
        let group = results.iter().position(|r| r.contains("ĐTNN-03/2021 — ")).expect("the cassava task");
        let handed = results[group..].iter().find(|r| r.contains("Đã xử lý — Giao cho tổ chức chủ trì")).unwrap();
        assert!(handed.contains("|3|3|"), "the computer, the net house and the PCR machine: {handed}");
        let waiting = results[group..].iter().find(|r| r.starts_with("2|Chưa xử lý") || r.contains("|Chưa xử lý|")).unwrap();
        assert!(waiting.contains("|5|") && waiting.contains("|990"), "{waiting}");
        // The task's assets still waiting are in the overview, this one no longer.
        let (_, o) = app.get("/api/v1/disposals/overview").await;
        let task = o["unhandled_tasks"].as_array().unwrap().iter().find(|t| t["code"] == "ĐTNN-03/2021").unwrap().clone();
        assert!(task["assets"] == 5 && task["days_since_acceptance"].as_i64().unwrap() > 900, "{task}");
    })
    .await;
}

#[tokio::test]
async fn two_of_four_sprayers_are_sold_and_split_off_cleanly() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let sprayers = asset_by(&app, "phun").await;
        assert_eq!(sprayers["quantity"], 4);
        // More than there is: refused.
        let proposal = |q: i64| {
            json!({"form_code": "thanh_ly_ban", "reason": "Hỏng, sửa không hiệu quả", "doc_date": "01/11/2026",
                   "lines": [{"asset_id": sprayers["id"], "quantity": q}]})
        };
        let (s, e) = app.post("/api/v1/disposals", proposal(5)).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["lines[0].quantity"].as_str().unwrap().contains("chỉ có 4"), "{e}");
        let (s, d) = app.post("/api/v1/disposals", proposal(3)).await;
        assert_eq!(s, 201, "{d}");
        // Three are held by this proposal: a second one may take only one more.
        let (s, e) = app.post("/api/v1/disposals", proposal(2)).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["lines[0].quantity"].as_str().unwrap().contains("chỉ còn 1"), "{e}");
        // Deciding more than proposed is refused; two of the three are decided.
        let line = d["lines"][0]["id"].clone();
        let (s, e) = step(&app, &d, "decision", json!({"doc_no": "9/QĐ-SKHCN", "doc_date": "05/11/2026", "lines": [{"line_id": line, "quantity": 4}]})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["lines[0].quantity"].as_str().unwrap().contains("chỉ đề nghị 3"), "{e}");
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "9/QĐ-SKHCN", "doc_date": "05/11/2026", "lines": [{"line_id": line, "quantity": 2}]})).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["lines"][0]["decided_quantity"], 2);
        assert_eq!(d["lines"][0]["decided_cost"], 19_000_000);
        // The decision is revoked by a counter-document, then made again.
        let decision = d["steps"][1]["id"].clone();
        let first = d["steps"][0]["id"].clone();
        let (s, e) = step(&app, &d, "revocation", json!({"step_id": first, "doc_no": "TH-0", "doc_date": "06/11/2026"})).await;
        assert_eq!(s, 422, "only the latest standing document: {e}");
        let (s, d) = step(&app, &d, "revocation", json!({"step_id": decision, "doc_no": "10/QĐ-SKHCN", "doc_date": "06/11/2026", "note": "Sai số lượng"})).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["status"], "de_nghi");
        assert_eq!(d["lines"][0]["decided_quantity"], Value::Null);
        assert_eq!(d["steps"][1]["revoked"], true);
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "11/QĐ-SKHCN", "doc_date": "07/11/2026", "lines": [{"line_id": line, "quantity": 2}]})).await;
        assert_eq!(s, 201, "{d}");
        // The sale: method, buyer and price are required.
        let (s, e) = step(&app, &d, "execution", json!({"doc_date": "12/11/2026", "counterparty": "Ông A"})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["method"].is_string() && e["fields"]["proceeds"].is_string(), "{e}");
        let auction = json!({"doc_date": "12/11/2026", "method": "dau_gia", "counterparty": "Ông A", "proceeds": 3_000_000});
        let (s, e) = step(&app, &d, "execution", auction).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["rounds"].as_str().unwrap().contains("số vòng"), "{e}");
        let (s, d) = step(
            &app,
            &d,
            "execution",
            json!({"doc_no": "HĐ-03", "doc_date": "12/11/2026", "method": "chi_dinh", "counterparty": "Hợp tác xã Nông nghiệp Tịnh Hà", "proceeds": 3_200_000, "lines": [{"line_id": line, "revalued": 1_600_000}]}),
        )
        .await;
        assert_eq!(s, 201, "{d}");
        let (s, e) = step(&app, &d, "money", json!({"doc_date": "14/11/2026", "proceeds": 3_200_000, "costs": 400_000, "remitted": 3_000_000})).await;
        assert_eq!(s, 422, "more remitted than proceeds less costs: {e}");
        let (s, d) = step(&app, &d, "money", json!({"doc_no": "GNT-17", "doc_date": "14/11/2026", "proceeds": 3_200_000, "costs": 400_000, "remitted": 2_800_000})).await;
        assert_eq!(s, 201, "{d}");
        let (s, d) = step(&app, &d, "write-down", json!({"doc_date": "20/11/2026"})).await;
        assert_eq!(s, 201, "{d}");
        // Two stay in use with half the cost; two are a record of their own, handled.
        let (_, all) = app.get("/api/v1/assets?q=phun&include_written_down=1").await;
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{all}");
        let original = items.iter().find(|a| a["id"] == sprayers["id"]).unwrap();
        let split = items.iter().find(|a| a["id"] != sprayers["id"]).unwrap();
        assert_eq!((original["quantity"].as_i64(), original["original_cost"].as_i64(), original["status"].as_str()), (Some(2), Some(19_000_000), Some("dang_su_dung")));
        assert_eq!((split["quantity"].as_i64(), split["original_cost"].as_i64(), split["status"].as_str()), (Some(2), Some(19_000_000), Some("da_xu_ly")));
        assert_eq!(split["code"], format!("{}-{}", sprayers["code"].as_str().unwrap(), d["code"].as_str().unwrap()));
        assert_eq!(d["lines"][0]["written_down_asset_id"], split["id"]);
        assert_eq!(d["lines"][0]["written_down_residual"], 19_000_000, "tools are not worn: the residual is the cost");
        // The register of handlings and the decisions list: the revoked decision is not listed.
        let register = sheet(&app, "/api/v1/exports/disposals?from=01/11/2026&to=30/11/2026").await;
        let line = register.iter().find(|r| r.contains("Máy phun thuốc")).expect("the sprayers");
        assert!(line.contains("|2|19000000|") && line.contains("11/QĐ-SKHCN") && line.contains("|3200000|2800000|"), "{line}");
        let decisions = sheet(&app, "/api/v1/exports/decisions?from=01/11/2026&to=30/11/2026").await;
        assert!(decisions.iter().any(|r| r.contains("11/QĐ-SKHCN")), "{decisions:#?}");
        assert!(!decisions.iter().any(|r| r.contains("9/QĐ-SKHCN")), "revoked: {decisions:#?}");
        let (s, _) = app.get("/api/v1/exports/decisions?from=30/11/2026&to=01/11/2026").await;
        assert_eq!(s, 422);
        // The team proposes; unit staff and leadership only read.
        app.add_user("tt", "don_vi", Some("TTUD"));
        app.act_as(Caller::Token(app.token_for("tt")));
        let (s, _) = app.post("/api/v1/disposals", proposal(1)).await;
        assert_eq!(s, 403);
        let (s, list) = app.get("/api/v1/disposals?open=false").await;
        assert_eq!(s, 200);
        assert_eq!(list["items"][0]["status"], "da_ghi_giam");
    })
    .await;
}

#[tokio::test]
async fn forms_follow_the_assets_and_deadlines_show_what_is_overdue() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let house = asset_by(&app, "Nhà làm việc Trung tâm").await;
        // Not a task asset: the NĐ 70 forms are not open to it.
        let (s, e) = app
            .post(
                "/api/v1/disposals",
                json!({"form_code": "giao_chu_tri_ghi_tang_tai_san", "reason": "x", "doc_date": "01/10/2026", "lines": [{"asset_id": house["id"]}]}),
            )
            .await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["form_code"].as_str().unwrap().contains("không áp dụng"), "{e}");
        let (s, d) = app
            .post(
                "/api/v1/disposals",
                json!({"form_code": "dieu_chuyen", "reason": "Điều chuyển cho Sở", "doc_date": "01/09/2026", "lines": [{"asset_id": house["id"]}]}),
            )
            .await;
        assert_eq!(s, 201, "{d}");
        let (s, d) = step(&app, &d, "decision", json!({"doc_no": "7/QĐ", "doc_date": "10/09/2026"})).await;
        assert_eq!(s, 201, "{d}");
        assert_eq!(d["due_on"], "2026-10-10", "a transfer is handed over in 30 days, a building too (NĐ 186/2025, Điều 21.4)");
        assert_eq!(d["overdue"], true);
        // Overdue: this one, and the demo's drying cabinet still waiting for its decision.
        let (_, overdue) = app.get("/api/v1/disposals?overdue=true").await;
        let items = overdue["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{overdue}");
        let ours = items.iter().find(|i| i["code"] == d["code"]).unwrap();
        assert!(ours["days_left"].as_i64().unwrap() < 0);
        assert!(items.iter().any(|i| i["form_name"] == "Thanh lý — phá dỡ, hủy bỏ" && i["status"] == "de_nghi"));
        // The demo's microscope: decided, its deadline a few days off.
        let (_, open) = app.get("/api/v1/disposals?open=true").await;
        let microscope = open["items"].as_array().unwrap().iter().find(|i| i["status"] == "da_quyet_dinh" && i["form_name"] == "Thanh lý — bán").unwrap().clone();
        assert_eq!(microscope["days_left"], 5, "{microscope}");
        let (s, _) = app.get("/api/v1/disposals/999").await;
        assert_eq!(s, 404);
        let (s, e) = app.post("/api/v1/disposals", json!({"form_code": "ban", "reason": "x", "lines": []})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["fields"]["lines"].is_string() && e["fields"]["doc_date"].is_string(), "{e}");
    })
    .await;
}

#[tokio::test]
async fn the_pages_show_the_due_list_and_refuse_a_step_with_its_reasons() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let password = app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let session = app.login("xuly", &password).await;
        app.act_as(session);
        let cabinets = asset_by(&app, "an toàn sinh học").await;
        let (s, page) = app.page(&format!("/xu-ly/moi?asset_id={}", cabinets["id"]), false).await;
        assert_eq!(s, 200, "{page}");
        assert!(page.contains("Tủ an toàn sinh học cấp II") && page.contains("Giao cho tổ chức chủ trì"), "{page}");
        let pick = format!("pick_{}", cabinets["id"]);
        let qty = format!("qty_{}", cabinets["id"]);
        // Without a reason: the form again, with the reason asked for; nothing saved.
        let (s, _, page) = app
            .form("/xu-ly/moi", &[(&pick, "on"), (&qty, "1"), ("form_code", "dieu_chuyen"), ("doc_date", "02/11/2026")])
            .await;
        assert_eq!(s, 422, "{page}");
        assert!(page.contains("«Lý do xử lý» không được để trống"), "{page}");
        let (s, to, _) = app
            .form(
                "/xu-ly/moi",
                &[
                    (&pick, "on"),
                    (&qty, "1"),
                    ("form_code", "dieu_chuyen"),
                    ("reason", "Điều chuyển một tủ"),
                    ("doc_date", "02/11/2026"),
                ],
            )
            .await;
        assert_eq!(s, 303);
        let to = to.unwrap();
        let (_, page) = app.page(&to, false).await;
        assert!(page.contains("Đã đề nghị, chờ quyết định") && page.contains("decision-form"), "{page}");
        // A decision without its number is refused with the reason, on the same page.
        let (s, _, page) = app.form(&format!("{to}/quyet-dinh"), &[("version", "1"), ("doc_date", "05/11/2026")]).await;
        assert_eq!(s, 422, "{page}");
        assert!(page.contains("«Số văn bản» không được để trống"), "{page}");
        let (s, _, _) = app
            .form(&format!("{to}/quyet-dinh"), &[("version", "1"), ("doc_no", "3/QĐ"), ("doc_date", "05/11/2026")])
            .await;
        assert_eq!(s, 303);
        let (_, page) = app.page(&to, false).await;
        assert!(page.contains("Đã có quyết định, chờ thực hiện"), "{page}");
        let code = page.split("id=\"disposal-code\">").nth(1).unwrap().split(':').next().unwrap().to_string();
        let (_, index) = app.page("/xu-ly", false).await;
        assert!(index.contains(&code) && index.contains("quá hạn"), "{index}");
        // The asset's page lists the handling it is in.
        let (_, asset_page) = app.page(&format!("/tai-san/{}", cabinets["id"]), false).await;
        assert!(asset_page.contains(&code) && asset_page.contains("Đã có quyết định, chờ thực hiện"), "{asset_page}");
        assert!(index.contains("ĐTNN-03/2021"), "the task still has assets waiting: {index}");
    })
    .await;
}

async fn upload(app: &TestApp, uri: &str, name: &str, bytes: &[u8], step: Option<i64>) -> (u16, Value) {
    let step = step.map(|s| s.to_string());
    let fields: Vec<(&str, &str)> = step.iter().map(|s| ("step_id", s.as_str())).collect();
    let (s, _, body) = app.upload(uri, name, "application/pdf", bytes, &fields).await;
    (s.as_u16(), serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn scanned_decisions_are_attached_by_hash_and_checked_for_what_they_are() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, list) = app.get("/api/v1/disposals?open=false").await;
        let handover = list["items"].as_array().unwrap().iter().find(|d| d["status"] == "da_ghi_giam").unwrap().clone();
        let (_, d) = app.get(&format!("/api/v1/disposals/{}", handover["id"])).await;
        let decision =
            d["steps"].as_array().unwrap().iter().find(|s| s["kind"] == "quyet_dinh").unwrap()["id"].as_i64();
        let uri = format!("/api/v1/disposals/{}/attachments", d["id"]);
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
        let events = app.audit_count();
        let (s, a) = upload(&app, &uri, "C:\\fakepath\\..\\QĐ 312-UBND.pdf", &pdf, decision).await;
        assert_eq!(s, 201, "{a}");
        assert_eq!(a["file_name"], "QĐ 312-UBND.pdf", "only the last part of a path is kept");
        assert_eq!(a["content_type"], "application/pdf");
        assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(app.audit_count(), events + 1);
        // The same scan again is stored once; it is listed twice, on the handling.
        let (s, again) = upload(&app, &uri, "ban-sao.pdf", &pdf, None).await;
        assert_eq!(s, 201);
        assert_eq!(again["sha256"], a["sha256"]);
        let blobs: i64 = app
            .db
            .read_sync(|c| {
                use diesel::prelude::*;
                Ok(taisan::db::schema::file_blobs::table.count().get_result(c)?)
            })
            .unwrap();
        assert_eq!(blobs, 1);
        let (_, d2) = app.get(&format!("/api/v1/disposals/{}", d["id"])).await;
        assert_eq!(d2["attachments"].as_array().unwrap().len(), 2);
        // The file comes back as it went in.
        let (s, headers, body) = app
            .send(
                axum::http::Request::get(format!("/api/v1/attachments/{}", a["id"]))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(body, pdf);
        assert_eq!(headers["content-type"], "application/pdf");
        // Lies and junk are refused, with the reason, and nothing is stored.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        for (name, bytes, says) in [
            ("quyet-dinh.pdf", png.clone(), "nội dung là ảnh PNG"),
            ("virus.exe", b"MZ\x90\0".to_vec(), "không phải PDF hay ảnh"),
            ("rong.pdf", vec![], "rỗng"),
            ("../..", pdf.clone(), "không dùng được"),
        ] {
            let (s, e) = upload(&app, &uri, name, &bytes, None).await;
            assert_eq!(s, 422, "{name}: {e}");
            assert!(e["fields"]["file"].as_str().unwrap().contains(says), "{name}: {e}");
        }
        let (s, e) = upload(&app, &uri, "x.pdf", &pdf, Some(999_999)).await;
        assert_eq!(s, 422, "{e}");
        let too_big = [pdf.clone(), vec![b' '; 21 * 1024 * 1024]].concat();
        let (s, _) = upload(&app, &uri, "lon.pdf", &too_big, None).await;
        assert!(s == 413 || s == 400 || s == 422, "{s}");
        let (_, d3) = app.get(&format!("/api/v1/disposals/{}", d["id"])).await;
        assert_eq!(d3["attachments"].as_array().unwrap().len(), 2, "nothing refused was stored");
        // Reading is open to every role; attaching is the team's.
        app.add_user("ld", "lanh_dao", Some("SKHCN"));
        app.act_as(Caller::Token(app.token_for("ld")));
        assert_eq!(upload(&app, &uri, "y.pdf", &pdf, None).await.0, 403);
        let (s, _) = app.get(&format!("/api/v1/disposals/{}", d["id"])).await;
        assert_eq!(s, 200);
    })
    .await;
}

/// A file of old decisions as offices keep them: a title, a header, a row per asset of a decision.
fn old_decisions(rows: &[[&str; 9]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "DANH SÁCH QUYẾT ĐỊNH XỬ LÝ TÀI SẢN ĐÃ BAN HÀNH").unwrap();
    let header = [
        "STT",
        "Số quyết định",
        "Ngày quyết định",
        "Cơ quan ban hành",
        "Hình thức xử lý",
        "Mã tài sản",
        "Số lượng",
        "Ngày thực hiện",
        "Bên nhận",
        "Ngày ghi giảm",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_number(row, 0, (i + 1) as f64).unwrap();
        for (c, v) in r.iter().enumerate() {
            if c == 5 && !v.is_empty() {
                ws.write_number(row, 6, v.parse::<f64>().unwrap()).unwrap();
            } else if !v.is_empty() {
                ws.write_string(row, 1 + c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn old_decisions_come_in_from_a_spreadsheet_all_or_nothing() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let scale = asset_by(&app, "Cân phân tích").await;
        let autoclave = asset_by(&app, "Nồi hấp tiệt trùng").await;
        let (s1, s2) = (scale["code"].as_str().unwrap(), autoclave["code"].as_str().unwrap());
        let good = [
            ["15/QĐ-SKHCN", "10/03/2025", "Sở KH&CN", "Điều chuyển", s1, "1", "20/03/2025", "Sở Y tế", "25/03/2025"],
            ["15/QĐ-SKHCN", "10/03/2025", "Sở KH&CN", "Điều chuyển", s2, "", "20/03/2025", "Sở Y tế", "25/03/2025"],
        ];
        let bad = [
            good[0],
            good[1],
            ["16/QĐ-SKHCN", "12/03/2025", "Sở KH&CN", "Thanh lý — phá dỡ", "KHONG-CO-MA", "", "", "", ""],
        ];
        let events = app.audit_count();
        let (s, r) = upload(&app, "/api/v1/imports/decisions", "quyet-dinh-cu.xlsx", &old_decisions(&bad), None).await;
        assert_eq!(s, 422, "{r}");
        assert_eq!((r["created"].as_i64(), r["failed"].as_i64()), (Some(1), Some(1)), "{r}");
        let refused = r["decisions"].as_array().unwrap().iter().find(|d| d["decision_no"] == "16/QĐ-SKHCN").unwrap();
        assert!(refused["errors"][0].as_str().unwrap().contains("Không có tài sản mã «KHONG-CO-MA»"), "{refused}");
        assert_eq!(refused["excel_rows"], json!([6]));
        assert_eq!(app.audit_count(), events, "nothing saved");
        let (s, r) =
            upload(&app, "/api/v1/imports/decisions?preview=true", "quyet-dinh-cu.xlsx", &old_decisions(&good), None)
                .await;
        assert_eq!((s, r["created"].as_i64(), r["saved"].as_bool()), (200, Some(1), Some(false)), "{r}");
        let (s, r) = upload(&app, "/api/v1/imports/decisions", "quyet-dinh-cu.xlsx", &old_decisions(&good), None).await;
        assert_eq!(s, 201, "{r}");
        let id = r["decisions"][0]["disposal_id"].clone();
        let (_, d) = app.get(&format!("/api/v1/disposals/{id}")).await;
        assert_eq!(d["status"], "da_ghi_giam", "{d}");
        assert_eq!(d["form"]["code"], "dieu_chuyen");
        let kinds: Vec<&str> = d["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["de_nghi", "quyet_dinh", "ban_giao", "ghi_giam"]);
        assert_eq!(d["steps"][1]["doc_no"], "15/QĐ-SKHCN");
        assert_eq!(d["steps"][2]["counterparty"], "Sở Y tế");
        assert_eq!(asset_by(&app, "Nồi hấp tiệt trùng").await["status"], "da_xu_ly");
        // The same through the page: the refusal with its reason, nothing saved.
        let bad_again = [["17/QĐ-SKHCN", "12/03/2025", "Sở KH&CN", "Tiêu hủy", "KHONG-CO-MA", "", "", "", ""]];
        let body = old_decisions(&bad_again);
        let (s, _, page) =
            app.upload("/xu-ly/nhap-quyet-dinh", "qd.xlsx", "application/octet-stream", &body, &[]).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, 422, "{page}");
        assert!(page.contains("Không có tài sản mã «KHONG-CO-MA»") && page.contains("check-refused"), "{page}");
        // The cell is offered for correction on the page, and the failed row as a workbook.
        let (action, fields) = common::form_fields(&page, "/xu-ly/nhap-quyet-dinh/");
        assert!(action.len() > "/xu-ly/nhap-quyet-dinh/".len(), "{page}");
        assert!(fields.iter().any(|(k, v)| k.starts_with("fix:") && v == "KHONG-CO-MA"), "{fields:?}");
        let link = page.split("id=\"errors-xlsx\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let failed = common::sheet_rows(&app.download(&link).await, "Dòng lỗi");
        assert!(failed.len() == 2 && failed[1].contains("KHONG-CO-MA"), "{failed:?}");
    })
    .await;
}

/// What a handling wrote down has left the books: the register, its totals, its export and the home
/// page leave it out unless asked («gồm cả tài sản đã ghi giảm»); its record is read-only and names
/// the handling; the year's books still show it leaving.
#[tokio::test]
async fn written_down_assets_leave_the_register_and_are_read_only() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, gone) = app.get("/api/v1/assets?status=da_xu_ly&per_page=100").await;
        let gone_items = gone["items"].as_array().unwrap().clone();
        assert!(!gone_items.is_empty(), "the demo writes assets down");
        let (_, on_books) = app.get("/api/v1/assets?per_page=500").await;
        let (_, everything) = app.get("/api/v1/assets?per_page=500&include_written_down=1").await;
        assert_eq!(
            everything["total"].as_i64().unwrap(),
            on_books["total"].as_i64().unwrap() + gone["total"].as_i64().unwrap()
        );
        assert_eq!(
            everything["total_original_cost"].as_i64().unwrap(),
            on_books["total_original_cost"].as_i64().unwrap() + gone["total_original_cost"].as_i64().unwrap()
        );
        let codes: Vec<&str> = gone_items.iter().map(|a| a["code"].as_str().unwrap()).collect();
        eprintln!("written down in the demo: {} assets, {} đ", gone["total"], gone["total_original_cost"]);
        assert!(on_books["items"].as_array().unwrap().iter().all(|a| !codes.contains(&a["code"].as_str().unwrap())));
        // The register's workbook and the home page's totals leave them out.
        let req = axum::http::Request::get("/api/v1/exports/register").body(axum::body::Body::empty()).unwrap();
        let (_, _, book) = app.send(req).await;
        let rows = common::sheet_rows(&book, "Báo cáo").join("\n");
        assert!(codes.iter().all(|c| !rows.contains(c)), "{rows}");
        let (_, home) = app.page("/", false).await;
        let shown = taisan::text::format_number(on_books["total_original_cost"].as_i64().unwrap());
        assert!(home.contains(&shown), "the home page totals what is on the books: {shown}");
        // Read-only, and the handling named (the demo's register also holds assets recorded as
        // handled before this service: those are read-only too, with no handling to name).
        let mut written = None;
        for a in &gone_items {
            let (_, page) = app.page(&format!("/tai-san/{}", a["id"]), false).await;
            if page.contains("id=\"written-down\"") {
                written = Some(a.clone());
            }
        }
        let a = &written.expect("an asset written down by a handling");
        let (s, e) =
            app.put(&format!("/api/v1/assets/{}", a["id"]), json!({"name": "Đổi tên", "version": a["version"]})).await;
        assert_eq!(s, 409, "{e}");
        assert!(e["error"].as_str().unwrap().contains("đã ghi giảm theo hồ sơ xử lý XL-"), "{e}");
        let (s, e) = app.delete(&format!("/api/v1/assets/{}", a["id"])).await;
        assert_eq!(s, 409, "{e}");
        let (_, page) = app.page(&format!("/tai-san/{}", a["id"]), false).await;
        assert!(page.contains("id=\"written-down\"") && page.contains("href=\"/xu-ly/"), "{page}");
        assert!(!page.contains(&format!("/tai-san/{}/sua", a["id"])) && !page.contains("/xoa\""), "no edit, no delete");
    })
    .await;
}
