//! The year-end count (kiểm kê) on every backend: a count from its decision to its sealed minutes,
//! the count sheets out and back (ours, tampered with, from another count, hand-made, wrong), the
//! phone page and the labels, and each refusal a committee will meet.

mod common;

use axum::http::StatusCode;
use common::{each_backend, sheet_rows, Caller, TestApp};
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A count over TTUD's assets at 31/12/2025, with its committee.
async fn new_count(app: &TestApp, units: &str) -> Value {
    let (s, c) = app
        .post(
            "/api/v1/counts",
            json!({
                "decision_no": "215/QĐ-SKHCN", "decision_date": "01/12/2025", "reference_date": "31/12/2025",
                "units": units,
                "members": [
                    {"full_name": "Nguyễn Văn Thành", "committee_role": "truong_ban", "position": "Phó Giám đốc Sở"},
                    {"full_name": "Trần Thị Hoa", "committee_role": "uy_vien", "position": "Kế toán", "represents": "Văn phòng Sở"},
                    {"full_name": "Lê Minh Tâm", "committee_role": "thu_ky", "represents": "Trung tâm Ứng dụng"}
                ]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c
}

async fn act(app: &TestApp, c: &Value, step: &str) -> (StatusCode, Value) {
    let (_, now) = app.get(&format!("/api/v1/counts/{}", c["id"])).await;
    app.post(&format!("/api/v1/counts/{}/{step}", c["id"]), json!({"version": now["version"]})).await
}

async fn count(app: &TestApp, c: &Value, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/counts/{}/entries", c["id"]), body).await
}

async fn rows(app: &TestApp, c: &Value) -> Vec<Value> {
    let (s, r) = app.get(&format!("/api/v1/counts/{}/reconciliation", c["id"])).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["items"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], code: &str) -> &'a Value {
    rows.iter().find(|r| r["line"]["code"] == code).unwrap_or_else(|| panic!("no line {code}: {rows:?}"))
}

#[tokio::test]
async fn a_count_runs_from_its_decision_to_sealed_minutes() {
    each_backend(|app: TestApp| async move {
        let pcr = app.asset(json!({"name": "Máy PCR", "code": "TT-PCR", "cost_state": 1_450_000_000i64, "location": "Phòng thí nghiệm 1"})).await;
        let sprayers = app
            .asset(json!({"name": "Bình phun thuốc", "code": "TT-BP", "quantity": 4, "unit_of_measure": "cái", "cost_state": 38_000_000, "location": "Kho"}))
            .await;
        let cabinet = app.asset(json!({"name": "Tủ an toàn sinh học", "code": "TT-TAT", "cost_state": 320_000_000})).await;
        // Bought after the reference time: not on the books then.
        app.asset(json!({"name": "Máy ly tâm", "code": "TT-LT", "acquired_on": "2026-02-01"})).await;
        // Another unit's asset: outside the scope.
        let hc = app.id_of("units", "HCTH").await;
        app.asset(json!({"name": "Máy tính", "code": "VP-MT", "unit_id": hc})).await;

        // A draft without a decision number or a head of committee is refused, with reasons.
        let (s, e) = app
            .post(
                "/api/v1/counts",
                json!({"decision_date": "01/12/2025", "reference_date": "31/12/2025", "units": ["KHONG-CO"],
                       "members": [{"full_name": "Trần Thị Hoa", "committee_role": "uy_vien"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["decision_no"].as_str().unwrap().contains("không được để trống"), "{e}");
        assert_eq!(e["fields"]["members"], "Ban kiểm kê cần có Trưởng ban");
        assert_eq!(e["fields"]["units"], "Không có đơn vị «KHONG-CO»");

        let c = new_count(&app, "TTUD").await;
        assert_eq!(c["code"], "KK-2025");
        assert_eq!(c["status"], "nhap");
        // Nothing to count before it opens.
        let (s, _) = count(&app, &c, json!({"code": "TT-PCR", "quantity": 1})).await;
        assert_eq!(s, StatusCode::CONFLICT);

        let (s, opened) = act(&app, &c, "open").await;
        assert_eq!(s, StatusCode::OK, "{opened}");
        assert_eq!(opened["status"], "dang_kiem");
        assert_eq!(opened["progress"]["total"], 3, "PCR, sprayers, cabinet: {opened}");
        // Opening twice is refused.
        let (s, _) = act(&app, &c, "open").await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The books are frozen: a later edit of the register does not move them.
        let (s, _) = app.put(&format!("/api/v1/assets/{}", pcr["id"]), json!({"cost_state": 1_500_000_000i64, "version": pcr["version"]})).await;
        assert_eq!(s, StatusCode::OK);
        let r = rows(&app, &c).await;
        assert_eq!(row(&r, "TT-PCR")["line"]["book_cost"], 1_450_000_000i64);
        assert_eq!(row(&r, "TT-PCR")["outcome"], "chua_kiem");
        let residual = row(&r, "TT-PCR")["line"]["book_residual"].as_i64().unwrap();
        assert!(residual > 0 && residual < 1_450_000_000, "worn by the reference time: {residual}");
        assert_eq!(row(&r, "TT-BP")["line"]["book_residual"], 38_000_000, "tools wear no value");

        // The admin counts; the asset team counts too.
        let (s, e) = count(&app, &c, json!({"code": "tt-pcr", "quantity": 1, "location": "Phòng thí nghiệm 2"})).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        assert_eq!(e["code"], "TT-PCR", "the books' spelling of the code");
        assert_eq!(count(&app, &c, json!({"code": "TT-BP", "quantity": 3})).await.0, StatusCode::CREATED);
        assert_eq!(count(&app, &c, json!({"code": "TT-XX-999", "quantity": 1, "note": "Tủ sấy không rõ nguồn"})).await.0, StatusCode::CREATED);
        // Bad counts are refused with reasons.
        let (s, e) = count(&app, &c, json!({"code": "TT-TAT", "quantity": -1, "condition": "tốt lắm"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["quantity"].is_string() && e["fields"]["condition"].as_str().unwrap().contains("Đang sử dụng tốt"), "{e}");
        app.add_user("xuly", "xu_ly_tai_san", Some("TXLTS"));
        let admin = app.caller();
        app.act_as(Caller::Token(app.token_for("xuly")));
        let (s, e) = count(&app, &c, json!({"code": "TT-BP", "quantity": 4})).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        // Only a manager settles a conflict — and unit staff count only their unit.
        app.add_user("hcth", "don_vi", Some("HCTH"));
        app.act_as(Caller::Token(app.token_for("hcth")));
        let (s, e) = count(&app, &c, json!({"code": "TT-TAT", "quantity": 1})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        assert!(e["error"].as_str().unwrap().contains("chỉ kiểm kê tài sản của đơn vị mình"), "{e}");
        app.act_as(admin.clone());

        // Two counters disagree on the sprayers: shown, not summed; reconciling waits for it.
        let r = rows(&app, &c).await;
        let bp = row(&r, "TT-BP");
        assert_eq!(bp["outcome"], "xung_dot", "{bp}");
        assert_eq!(bp["count"]["conflict"].as_array().unwrap().len(), 2);
        let (s, e) = act(&app, &c, "reconcile").await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["error"].as_str().unwrap().contains("TT-BP"), "{e}");
        let (s, _) = count(&app, &c, json!({"code": "TT-BP", "quantity": 3, "settles": true, "note": "Đếm lại cùng thủ kho"})).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, rec) = act(&app, &c, "reconcile").await;
        assert_eq!(s, StatusCode::OK, "{rec}");
        assert_eq!(rec["status"], "da_doi_chieu");
        // Counting is over.
        assert_eq!(count(&app, &c, json!({"code": "TT-TAT", "quantity": 1})).await.0, StatusCode::CONFLICT);

        let r = rows(&app, &c).await;
        assert_eq!(row(&r, "TT-PCR")["outcome"], "noi_khac");
        let bp = row(&r, "TT-BP");
        assert_eq!(bp["outcome"], "thieu");
        assert_eq!(bp["diff_quantity"], -1);
        assert_eq!(bp["diff_cost"], -9_500_000);
        assert_eq!(row(&r, "TT-TAT")["outcome"], "chua_kiem");
        let unknown = row(&r, "TT-XX-999");
        assert_eq!(unknown["outcome"], "ngoai_so");
        assert!(unknown["line"]["id"].as_i64().unwrap() > 0, "stored by the reconciliation");

        // Closing waits for every resolution.
        let (s, e) = act(&app, &c, "close").await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["error"].as_str().unwrap().contains("Còn 4 chênh lệch"), "{e}");
        let resolve = |code: &str, body: Value| {
            let line = row(&r, code)["line"]["id"].clone();
            let uri = format!("/api/v1/counts/{}/lines/{line}/resolution", c["id"]);
            let app = &app;
            async move { app.post(&uri, body).await }
        };
        let (s, e) = resolve("TT-XX-999", json!({"resolution": "dieu_chinh", "note": "Ghi tăng"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["fields"]["resolution"].as_str().unwrap().contains("Ghi tăng tài sản phát hiện thừa"), "{e}");
        let (s, e) = resolve("TT-BP", json!({"resolution": "xu_ly", "note": "Mất 1 bình"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a handling needs its form: {e}");
        assert_eq!(resolve("TT-XX-999", json!({"resolution": "thanh_tra", "note": "Chưa rõ nguồn gốc"})).await.0, StatusCode::OK);
        assert_eq!(resolve("TT-PCR", json!({"resolution": "dieu_chinh", "note": "Đã chuyển phòng"})).await.0, StatusCode::OK);
        assert_eq!(resolve("TT-TAT", json!({"resolution": "giu_nguyen", "note": "Đang bảo dưỡng ở hãng"})).await.0, StatusCode::OK);
        let (s, l) = resolve("TT-BP", json!({"resolution": "xu_ly", "form_code": "mat_huy_hoai", "note": "Mất 1 bình"})).await;
        assert_eq!(s, StatusCode::OK, "{l}");
        let (_, d) = app.get(&format!("/api/v1/disposals/{}", l["disposal_id"])).await;
        assert_eq!(d["status"], "de_nghi", "{d}");
        assert_eq!(d["lines"][0]["quantity"], 1, "the missing one: {d}");
        assert!(d["reason"].as_str().unwrap().contains("Kiểm kê KK-2025"), "{d}");

        let events = app.audit_count();
        let (s, closed) = act(&app, &c, "close").await;
        assert_eq!(s, StatusCode::OK, "{closed}");
        assert_eq!(closed["status"], "da_khoa");
        let seal = closed["minutes_sha256"].as_str().unwrap().to_string();
        assert_eq!(seal.len(), 64);
        // The accepted adjustment is in the register, as an audited update; the rest are not.
        let (_, p) = app.get(&format!("/api/v1/assets/{}", pcr["id"])).await;
        assert_eq!(p["location"], "Phòng thí nghiệm 2");
        let (_, b) = app.get(&format!("/api/v1/assets/{}", sprayers["id"])).await;
        assert_eq!(b["quantity"], 4, "handled by its disposal, not adjusted");
        let (_, t) = app.get(&format!("/api/v1/assets/{}", cabinet["id"])).await;
        assert_eq!(t["status"], "dang_su_dung");
        assert_eq!(app.audit_count(), events + 2, "the asset's update and the close");

        // The minutes: C53-HD grouped by class, committee, totals; the units; the discrepancies.
        let minutes = app.download(&format!("/api/v1/counts/{}/minutes", c["id"])).await;
        let lines = sheet_rows(&minutes, "Biên bản C53-HD");
        let text = lines.join("\n");
        assert!(text.contains("BIÊN BẢN KIỂM KÊ TÀI SẢN CỐ ĐỊNH") && text.contains("Mẫu số C53-HD"), "{text}");
        assert!(text.contains("Quyết định số 215/QĐ-SKHCN ngày 01/12/2025"), "{text}");
        assert!(text.contains("Ông/Bà Nguyễn Văn Thành, Phó Giám đốc Sở — Trưởng ban"), "{text}");
        let bp = lines.iter().find(|l| l.contains("TT-BP")).unwrap();
        assert!(bp.contains("|4|38000000|") && bp.contains("|3|28500000|") && bp.contains("|-1|-9500000|"), "{bp}");
        assert!(bp.contains("Thiếu — Đề nghị xử lý tài sản"), "{bp}");
        let total = lines.iter().find(|l| l.contains("Tổng cộng")).unwrap();
        assert!(total.contains("|6|1808000000|"), "books: 1 + 4 + 1 (the stranger has none): {total}");
        let units = sheet_rows(&minutes, "Theo đơn vị").join("\n");
        assert!(units.contains("Trung tâm Ứng dụng"), "{units}");
        let disc = sheet_rows(&minutes, "Chênh lệch").join("\n");
        assert!(disc.contains("TT-XX-999") && disc.contains("Chuyển Thanh tra xem xét") && disc.contains("Đang bảo dưỡng ở hãng"), "{disc}");

        // Closed is read-only, and the minutes do not move when the register does.
        let (s, _) = act(&app, &c, "reopen").await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = resolve("TT-TAT", json!({"resolution": "thanh_tra", "note": "đổi ý"})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, t) = app.get(&format!("/api/v1/assets/{}", cabinet["id"])).await;
        let (s, _) = app.put(&format!("/api/v1/assets/{}", cabinet["id"]), json!({"name": "Tủ ATSH cấp II", "version": t["version"]})).await;
        assert_eq!(s, StatusCode::OK);
        let again = app.download(&format!("/api/v1/counts/{}/minutes", c["id"])).await;
        for sheet in ["Biên bản C53-HD", "Theo đơn vị", "Chênh lệch"] {
            assert_eq!(sheet_rows(&again, sheet), sheet_rows(&minutes, sheet), "{sheet}");
        }
        let (_, page) = app.page(&format!("/kiem-ke/{}", c["id"]), false).await;
        assert!(page.contains("khớp dấu niêm phong") && page.contains(&seal), "{page}");
    })
    .await;
}

/// Our sheet read back as a person would save it after filling it: every cell as it was, with
/// `fill(code) → (quantity, condition)` in the input columns and `edit` applied to the cells.
fn filled(
    bytes: &[u8],
    fill: &dyn Fn(&str) -> Option<(f64, &'static str)>,
    edit: &dyn Fn(u32, u16, &mut String),
) -> Vec<u8> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range("Phiếu kiểm kê").unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("Phiếu kiểm kê").unwrap();
    let start = range.start().unwrap();
    for (r, row) in range.rows().enumerate() {
        let r = r as u32 + start.0;
        let code = row.get(1).map(|c| c.to_string()).unwrap_or_default();
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16 + start.1 as u16;
            let mut text = cell.to_string();
            edit(r, c, &mut text);
            match cell {
                Data::Float(_) | Data::Int(_) if text == cell.to_string() => {
                    ws.write_number(r, c, text.parse::<f64>().unwrap()).unwrap();
                }
                _ if !text.is_empty() => {
                    ws.write_string(r, c, &text).unwrap();
                }
                _ => {}
            }
        }
        if let Some((q, cond)) = fill(&code) {
            ws.write_number(r, 7, q).unwrap();
            if !cond.is_empty() {
                ws.write_string(r, 8, cond).unwrap();
            }
        }
    }
    out.save_to_buffer().unwrap()
}

#[tokio::test]
async fn count_sheets_go_out_protected_and_come_back_checked() {
    each_backend(|app: TestApp| async move {
        for (code, unit) in [("TT-01", "TTUD"), ("TT-02", "TTUD"), ("TT-03", "TTUD"), ("HC-01", "HCTH")] {
            let unit_id = app.id_of("units", unit).await;
            app.asset(
                json!({"name": format!("Thiết bị {code}"), "code": code, "unit_id": unit_id, "location": "Tầng 2"}),
            )
            .await;
        }
        let c = new_count(&app, "TTUD; HCTH").await;
        // No sheet before the count opens.
        let (s, _) = app.get(&format!("/api/v1/counts/{}/sheet", c["id"])).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(act(&app, &c, "open").await.0, StatusCode::OK);
        let ttud = app.id_of("units", "TTUD").await;
        let sheet = app.download(&format!("/api/v1/counts/{}/sheet?unit_id={ttud}", c["id"])).await;
        // Protected, with only the input cells open and a drop-down of conditions.
        let xml = {
            use std::io::Read;
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(sheet.clone())).unwrap();
            let mut s = String::new();
            zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut s).unwrap();
            s
        };
        assert!(xml.contains("<sheetProtection"), "protected");
        assert!(xml.contains("type=\"list\"") && xml.contains("type=\"whole\""), "drop-down and whole numbers");
        let rows = sheet_rows(&sheet, "Phiếu kiểm kê");
        let text = rows.join("\n");
        assert!(text.contains("Mã đợt kiểm kê:||KK-2025") && text.contains("Đơn vị: Trung tâm Ứng dụng"), "{text}");
        assert!(text.contains("TT-01") && !text.contains("HC-01"), "one unit's sheet: {text}");

        let upload = |name: &'static str, bytes: Vec<u8>, query: &'static str| {
            let app = &app;
            let uri = format!("/api/v1/counts/{}/sheets{query}", c["id"]);
            async move {
                let (s, _, body) = app.upload(&uri, name, XLSX, &bytes, &[]).await;
                (s, serde_json::from_slice::<Value>(&body).unwrap_or(json!({"raw": String::from_utf8_lossy(&body)})))
            }
        };
        let fill = |code: &str| match code {
            "TT-01" => Some((1.0, "Đang sử dụng tốt")),
            "TT-02" => Some((0.0, "")),
            _ => None,
        };
        // A locked cell changed: refused, nothing saved.
        let tampered = filled(&sheet, &fill, &|_, c, t| {
            if c == 6 && t == "1" {
                *t = "2".into();
            }
        });
        let (s, e) = upload("phieu-sua.xlsx", tampered, "").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert!(e["error"].as_str().unwrap().contains("mã kiểm tra không khớp"), "{e}");
        // The honest sheet: previewed, then saved.
        let honest = filled(&sheet, &fill, &|_, _, _| {});
        let (s, p) = upload("phieu.xlsx", honest.clone(), "?preview=true").await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(
            (p["ours"].as_bool(), p["counted"].as_i64(), p["not_counted"].as_i64()),
            (Some(true), Some(2), Some(1)),
            "{p}"
        );
        assert_eq!(rows_counted(&app, &c).await, 0, "a preview saves nothing");
        let (s, p) = upload("phieu.xlsx", honest, "").await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(rows_counted(&app, &c).await, 2);

        // A sheet of another count is refused by name.
        let other = new_count(&app, "TTUD").await;
        assert_eq!(act(&app, &other, "open").await.0, StatusCode::OK);
        let other_sheet = app.download(&format!("/api/v1/counts/{}/sheet", other["id"])).await;
        let (s, e) = upload("phieu-khac.xlsx", filled(&other_sheet, &fill, &|_, _, _| {}), "").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert!(e["error"].as_str().unwrap().contains("thuộc đợt kiểm kê KK-2025-2"), "{e}");

        // A hand-made sheet with only codes and counts: the mistakes, each placed; nothing saved.
        let csv = "Danh sách kiểm đếm tầng 2\n\nMã tài sản,Số lượng thực tế\nTT-03,hai\nHC-01,1\nHC-01,1\nMA-LA,1\n";
        let (s, _, body) = app
            .upload(&format!("/api/v1/counts/{}/sheets", c["id"]), "tu-lap.csv", "text/csv", csv.as_bytes(), &[])
            .await;
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(!e["ours"].as_bool().unwrap());
        let errors: Vec<String> = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| format!("{}|{}|{}|{}", x["row"], x["column"], x["value"], x["message"]))
            .collect();
        assert_eq!(
            errors,
            [
                "4|\"Số lượng thực tế\"|\"hai\"|\"Số lượng thực tế phải là số nguyên không âm\"",
                "6|\"Mã tài sản\"|\"HC-01\"|\"Mã «HC-01» đã ghi ở dòng 5\""
            ]
        );
        assert_eq!(rows_counted(&app, &c).await, 2);
        // The same sheet on the count's page: the failed cells are offered for correction there and
        // checked again without uploading the sheet again.
        let (s, _, page) = app
            .upload(&format!("/kiem-ke/{}/nhap-phieu", c["id"]), "tu-lap.csv", "text/csv", csv.as_bytes(), &[])
            .await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        let (action, mut fields) = common::form_fields(&page, &format!("/kiem-ke/{}/nhap-phieu/", c["id"]));
        for (k, v) in fields.iter_mut() {
            match k.as_str() {
                "fix:4:1" => *v = "2".into(),
                "fix:6:0" => *v = "TT-02".into(),
                _ => {}
            }
        }
        assert_eq!(fields.iter().filter(|(k, _)| k.starts_with("fix:")).count(), 2, "{fields:?}");
        fields.push(("action".into(), "preview".into()));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, page) = app.form(&action, &pairs).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"check-ready\""), "{page}");
        assert_eq!(rows_counted(&app, &c).await, 2, "a check saves nothing");
        let csv = "Mã tài sản,Số lượng thực tế\nTT-03,1\nHC-01,1\nMA-LA,1\n";
        let (s, _, body) = app
            .upload(&format!("/api/v1/counts/{}/sheets", c["id"]), "tu-lap.csv", "text/csv", csv.as_bytes(), &[])
            .await;
        let r: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["unknown_codes"], json!(["MA-LA"]));
        assert_eq!(rows_counted(&app, &c).await, 5, "TT-01, TT-02, TT-03, HC-01 and the stranger");
        // Unit staff bring only their unit's counts.
        app.add_user("hcth", "don_vi", Some("HCTH"));
        app.act_as(Caller::Token(app.token_for("hcth")));
        let csv = "Mã tài sản,SL thực tế\nHC-01,1\nTT-01,1\n";
        let (s, _, body) =
            app.upload(&format!("/api/v1/counts/{}/sheets", c["id"]), "hc.csv", "text/csv", csv.as_bytes(), &[]).await;
        let r: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("chỉ kiểm kê tài sản của đơn vị mình"), "{r}");
        // On the count's page the clerk, who may not edit the register, follows the check and takes
        // the failed row back as a workbook.
        let (s, _, page) =
            app.upload(&format!("/kiem-ke/{}/nhap-phieu", c["id"]), "hc.csv", "text/csv", csv.as_bytes(), &[]).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        let link = page.split("id=\"errors-xlsx\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let failed = sheet_rows(&app.download(&link).await, "Dòng lỗi");
        assert!(failed.len() == 2 && failed[1].contains("TT-01"), "{failed:?}");
        let job = link.trim_end_matches("/dong-loi.xlsx").to_string();
        assert_eq!(app.page(&job, false).await.0, StatusCode::UNPROCESSABLE_ENTITY, "the clerk's own job answers");
        // …and their sheet is their unit's whatever they ask.
        let mine = app.download(&format!("/api/v1/counts/{}/sheet?unit_id={ttud}", c["id"])).await;
        let text = sheet_rows(&mine, "Phiếu kiểm kê").join("\n");
        assert!(text.contains("HC-01") && !text.contains("TT-01"), "{text}");
        // A file without the columns says which it needs.
        let (s, _, body) = app
            .upload(&format!("/api/v1/counts/{}/sheets", c["id"]), "x.csv", "text/csv", b"Ho ten,Tuoi\nA,1\n", &[])
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&body).contains("«Mã tài sản» và cột «Số lượng thực tế»"));
    })
    .await;
}

async fn rows_counted(app: &TestApp, c: &Value) -> i64 {
    let (_, v) = app.get(&format!("/api/v1/counts/{}", c["id"])).await;
    v["progress"]["counted"].as_i64().unwrap() + v["progress"]["unknown_codes"].as_i64().unwrap()
}

#[tokio::test]
async fn unit_staff_count_by_phone_and_print_labels() {
    each_backend(|app: TestApp| async move {
        let hc = app.id_of("units", "HCTH").await;
        app.asset(json!({"name": "Máy chiếu", "code": "HC-MC", "unit_id": hc, "location": "Phòng họp"})).await;
        let pcr = app.asset(json!({"name": "Máy PCR", "code": "TT-PCR", "location": "Phòng thí nghiệm 1"})).await;
        let admin = app.caller();
        let c = new_count(&app, "").await;
        assert_eq!(act(&app, &c, "open").await.0, StatusCode::OK);
        let password = app.add_user("vanphong", "don_vi", Some("HCTH"));
        let session = app.login("vanphong", &password).await;
        app.act_as(session.clone());
        let Caller::Session { csrf, .. } = session.clone() else { unreachable!() };
        let phone = format!("/kiem-ke/{}/dem", c["id"]);
        let (s, page) = app.page(&format!("{phone}?code=hc-mc"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!page.contains("Theo sổ") && page.contains("Máy chiếu"), "blind by default: {page}");
        // A scan the page's script gave an id, sent twice (its first answer lost): recorded once.
        let id = c["id"].as_i64().unwrap() as i32;
        for _ in 0..2 {
            let (s, _, _) =
                app.form(&phone, &[("csrf_token", &csrf), ("code", "hc-mc"), ("client_id", "trang-1")]).await;
            assert_eq!(s, StatusCode::SEE_OTHER);
        }
        let recorded = app.db.read_sync(move |conn| taisan::inventory::entries_of(conn, id)).unwrap();
        assert_eq!(recorded.iter().filter(|e| e.code == "HC-MC").count(), 1, "{recorded:?}");
        let (s, to, page) = app
            .form(&phone, &[("csrf_token", &csrf), ("code", "HC-MC"), ("quantity", "1"), ("condition", "hong_sua")])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = app.page(&to.unwrap(), false).await;
        assert!(page.contains("Đã ghi HC-MC — Máy chiếu (Cái): 1") && page.contains("Hư hỏng, cần sửa chữa"), "{page}");
        // Scanned again, alone: who counted it and when; nothing is recorded by the scan.
        let entries = |app: &TestApp| {
            let id = c["id"].as_i64().unwrap() as i32;
            app.db.read_sync(move |conn| taisan::inventory::entries_of(conn, id)).unwrap().len()
        };
        let before = entries(&app);
        let (s, _, page) = app.form(&phone, &[("csrf_token", &csrf), ("code", "hc-mc")]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Đã đếm: 1 Cái — lần cuối vanphong ghi lúc"), "{page}");
        assert_eq!(entries(&app), before);
        // Another unit's asset is refused on the page, in words, before anything is saved.
        for fields in [vec![("code", "TT-PCR")], vec![("code", "TT-PCR"), ("quantity", "1")]] {
            let mut fields = fields.clone();
            fields.push(("csrf_token", &csrf));
            let (s, _, page) = app.form(&phone, &fields).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert!(page.contains("chỉ kiểm kê tài sản của đơn vị mình") && !page.contains("count-entry"), "{page}");
        }
        assert_eq!(entries(&app), before);
        // The team leader lets counters see the book figures; a counter may not.
        let switch = format!("/api/v1/counts/{}/book-figures", c["id"]);
        let counter = app.caller();
        let (s, _) = app.post(&switch, json!({"show": true})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        app.act_as(admin.clone());
        let (s, v) = app.post(&switch, json!({"show": true})).await;
        assert_eq!((s, &v["show_book"]), (StatusCode::OK, &json!(true)), "{v}");
        app.act_as(counter);
        let (_, page) = app.page(&format!("{phone}?code=hc-mc"), false).await;
        assert!(page.contains("Theo sổ: 1"), "{page}");
        // The count's page: progress per unit and location as charts.
        let (s, page) = app.page(&format!("/kiem-ke/{}", c["id"]), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Tiến độ kiểm kê theo đơn vị") && page.contains("1/1 (100%)"), "{page}");
        // Labels: one asset's, and a location's in bulk, each a QR code of the asset's code.
        let (s, page) = app.page(&format!("/tai-san/{}/nhan", pcr["id"]), false).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not their unit: {page}");
        app.act_as(admin);
        let (s, page) = app.page(&format!("/tai-san/{}/nhan", pcr["id"]), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("<svg") && page.contains("TT-PCR"), "{page}");
        let (_, page) = app.page(&format!("/kiem-ke/{}/nhan?location=Ph%C3%B2ng%20h%E1%BB%8Dp", c["id"]), false).await;
        assert_eq!(page.matches("class=\"label\"").count(), 2, "the place's own label, then its asset: {page}");
        assert!(page.contains("Nhãn của nơi đặt") && page.contains("HC-MC") && page.contains("g-3x8"), "{page}");
        let (_, page) =
            app.page(&format!("/kiem-ke/{}/nhan?location=Ph%C3%B2ng%20h%E1%BB%8Dp&grid=4x10", c["id"]), false).await;
        assert!(page.contains("labels g-4x10"), "{page}");
        let (s, _) = app.page(&format!("/kiem-ke/{}/nhan?grid=5x5", c["id"]), false).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a sheet that is not one of the common ones");
        // The register's own filter, as labels: one per asset it lists.
        let (_, listed) = app.get(&format!("/api/v1/assets?unit_id={hc}")).await;
        let (_, page) = app.page(&format!("/tai-san/nhan?unit_id={hc}&grid=2x7"), false).await;
        assert_eq!(page.matches("class=\"label\"").count() as i64, listed["total"].as_i64().unwrap(), "{page}");
        // Scanned on the phone, a place's label opens what is left there.
        app.act_as(session.clone());
        let place = format!("http://taisan.local/kiem-ke/{}/con-lai?location=Ph%C3%B2ng+h%E1%BB%8Dp", c["id"]);
        let (s, to, _) = app.form(&phone, &[("csrf_token", &csrf), ("code", &place)]).await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some(&place["http://taisan.local".len()..])));
    })
    .await;
}

#[tokio::test]
async fn the_demo_holds_last_years_count_closed_and_this_years_half_done() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, list) = app.get("/api/v1/counts").await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{list}");
        let (now, last) = (&items[0], &items[1]);
        assert_eq!((now["status"].as_str(), last["status"].as_str()), (Some("dang_kiem"), Some("da_khoa")));
        let (_, last) = app.get(&format!("/api/v1/counts/{}", last["id"])).await;
        assert_eq!(last["progress"]["discrepancies"], 4, "{last}");
        assert_eq!(last["progress"]["unresolved"], 0);
        assert_eq!(last["members"].as_array().unwrap().len(), 4);
        let minutes = app.download(&format!("/api/v1/counts/{}/minutes", last["id"])).await;
        let text = sheet_rows(&minutes, "Chênh lệch").join("\n");
        assert!(text.contains("Hom sắn") && text.contains("Chuyển Thanh tra xem xét"), "{text}");
        // The stirrer the books did not hold was booked from its line.
        assert!(text.contains("TTUD-THUA-01") && text.contains("Ghi tăng tài sản phát hiện thừa"), "{text}");
        let (_, stirrer) = app.get("/api/v1/assets?q=TTUD-THUA-01").await;
        assert_eq!(stirrer["items"][0]["acquisition_method"], "phat_hien_thua");
        // The projector was found elsewhere and the register followed at closing.
        let (_, found) = app.get("/api/v1/assets?q=M%C3%A1y%20chi%E1%BA%BFu").await;
        assert_eq!(found["items"][0]["location"], "Phòng Thông tin");
        let (_, now) = app.get(&format!("/api/v1/counts/{}", now["id"])).await;
        let (counted, total) =
            (now["progress"]["counted"].as_i64().unwrap(), now["progress"]["total"].as_i64().unwrap());
        assert!(counted * 2 >= total && counted < total, "half done: {counted}/{total}");
        assert_eq!(now["progress"]["conflicts"], 1, "the office's desktops: {now}");
        // Loading again adds nothing.
        taisan::demo::load(&app.db).unwrap();
        let (_, again) = app.get("/api/v1/counts").await;
        assert_eq!(again["items"].as_array().unwrap().len(), 2);
    })
    .await;
}

/// Two counters' phones count without a network and send when it returns: each entry is recorded
/// once however often it is sent, another unit's asset is refused alone, a phone's «add» lands on
/// the figure standing when it arrives, two phones that disagree make one conflict, and counting
/// does not end while a phone says it still holds entries — unless the leader says why.
#[tokio::test]
async fn phones_that_counted_offline_send_each_entry_once() {
    each_backend(|app: TestApp| async move {
        let hc = app.id_of("units", "HCTH").await;
        for (code, name, q) in [("HC-MC", "Máy chiếu", 1), ("HC-GHE", "Ghế xoay", 12), ("HC-TU", "Tủ hồ sơ", 4)] {
            app.asset(json!({"name": name, "code": code, "unit_id": hc, "quantity": q, "location": "Phòng họp"})).await;
        }
        app.asset(json!({"name": "Máy PCR", "code": "TT-PCR"})).await;
        let admin = app.caller();
        let c = new_count(&app, "").await;
        assert_eq!(act(&app, &c, "open").await.0, StatusCode::OK);
        for u in ["vanphong", "vanphong2"] {
            app.add_user(u, "don_vi", Some("HCTH"));
        }
        let (a, b) = (Caller::Token(app.token_for("vanphong")), Caller::Token(app.token_for("vanphong2")));
        let sync = format!("/api/v1/counts/{}/sync", c["id"]);
        // The phone's list: its unit's assets by name, blind; another unit's by code alone.
        app.act_as(a.clone());
        let (s, walk) = app.get(&format!("/api/v1/counts/{}/walk", c["id"])).await;
        assert_eq!(s, StatusCode::OK, "{walk}");
        let item = |w: &Value, code: &str| w["items"].as_array().unwrap().iter().find(|i| i["code"] == code).cloned().unwrap();
        let chairs = item(&walk, "HC-GHE");
        assert_eq!((&chairs["mine"], &chairs["single"], &chairs["book_quantity"]), (&json!(true), &json!(false), &Value::Null));
        let pcr = item(&walk, "TT-PCR");
        assert_eq!((&pcr["mine"], &pcr["name"]), (&json!(false), &json!("")), "{pcr}");
        let entries = |app: &TestApp| {
            let id = c["id"].as_i64().unwrap() as i32;
            app.db.read_sync(move |conn| taisan::inventory::entries_of(conn, id)).unwrap()
        };
        // Phone A held four entries; it sends them, the answer is lost, it sends them again.
        let batch = json!({"device": "dt-a", "unsent": 4, "entries": [
            {"client_id": "a-1", "code": "hc-mc", "quantity": 1, "counted_at": "2026-12-07T02:00:00Z"},
            {"client_id": "a-2", "code": "HC-GHE", "quantity": 10},
            {"client_id": "a-3", "code": "TT-PCR", "quantity": 1},
            {"client_id": "a-4", "code": "HC-TU", "quantity": 4}
        ]});
        let (s, first) = app.post(&sync, batch.clone()).await;
        assert_eq!(s, StatusCode::OK, "{first}");
        let outcomes = |r: &Value| r["results"].as_array().unwrap().iter().map(|x| x["outcome"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(outcomes(&first), ["recorded", "recorded", "refused", "recorded"]);
        assert!(first["results"][2]["message"].as_str().unwrap().contains("chỉ kiểm kê tài sản của đơn vị mình"), "{first}");
        let (_, again) = app.post(&sync, batch).await;
        assert_eq!(outcomes(&again), ["duplicate", "duplicate", "refused", "duplicate"]);
        let saved = entries(&app);
        assert_eq!(saved.len(), 3, "each entry once");
        assert_eq!(item(&again, "HC-GHE")["counted"], 10, "the list as it now stands");
        // Phone B, offline too, counted the chairs as 12 and found one more cabinet («add»).
        app.act_as(b.clone());
        let (_, from_b) = app.post(&sync, json!({"device": "dt-b", "unsent": 3, "entries": [
            {"client_id": "b-1", "code": "HC-GHE", "quantity": 12},
            {"client_id": "b-2", "code": "HC-TU", "quantity": 1, "mode": "add"}
        ]})).await;
        assert_eq!(outcomes(&from_b), ["recorded", "recorded"]);
        assert_eq!(from_b["results"][1]["quantity"], 5, "added to the 4 standing");
        // The chairs: one conflict between the two phones, named by the asset.
        app.act_as(admin.clone());
        let r = rows(&app, &c).await;
        assert_eq!(row(&r, "HC-GHE")["outcome"], "xung_dot", "{r:?}");
        assert_eq!(r.iter().filter(|x| x["outcome"] == "xung_dot").count(), 1);
        // Phone A's counter has finished the meeting room: nothing of theirs is left there.
        app.act_as(a.clone());
        let (s, v) = app.post(&format!("/api/v1/counts/{}/places/done", c["id"]), json!({"location": "Phòng họp"})).await;
        assert_eq!((s, &v["left"]), (StatusCode::OK, &json!(0)), "{v}");
        let (s, _) = app.post(&format!("/api/v1/counts/{}/places/done", c["id"]), json!({"location": "Kho"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not a place of theirs");
        // The leader's page: who counted what and where, the phone still holding, the conflict named.
        app.act_as(admin.clone());
        let (_, page) = app.page(&format!("/kiem-ke/{}", c["id"]), false).await;
        let who = page.split("id=\"who-counted\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(who.contains("<td>vanphong</td><td class=\"num\">3</td><td class=\"num\">3</td><td>Phòng họp</td>"), "{who}");
        assert!(page.contains("điện thoại của vanphong2 còn 1 lần đếm chưa gửi"), "{page}");
        assert!(page.contains("Phòng họp (vanphong,"), "{page}");
        assert!(page.contains("1 xung đột: <a href=\"#conflicts\">HC-GHE — Ghế xoay</a>"), "{page}");
        // Phone B said it held 3 and sent 2: counting does not end without a reason.
        let (s, refused) = act(&app, &c, "reconcile").await;
        assert_eq!(s, StatusCode::CONFLICT, "{refused}");
        let text = refused.to_string();
        assert!(text.contains("HC-GHE") || text.contains("vanphong2"), "{text}");
        // The leader settles the chairs; the phone still holds one: refused, naming it.
        let (s, v) = count(&app, &c, json!({"code": "HC-GHE", "quantity": 12, "settles": true})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, refused) = act(&app, &c, "reconcile").await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(refused.to_string().contains("điện thoại của vanphong2 còn 1 lần đếm chưa gửi"), "{refused}");
        let (_, now) = app.get(&format!("/api/v1/counts/{}", c["id"])).await;
        let (s, v) = app
            .post(
                &format!("/api/v1/counts/{}/reconcile", c["id"]),
                json!({"version": now["version"], "unsent_reason": "Điện thoại của vanphong2 hỏng, đã đếm lại bằng phiếu"}),
            )
            .await;
        assert_eq!((s, &v["status"]), (StatusCode::OK, &json!("da_doi_chieu")), "{v}");
        let (_, audit) = app.get("/api/v1/activity?entity=count&action=override").await;
        assert!(audit.to_string().contains("đã đếm lại bằng phiếu"), "the reason is kept: {audit}");
    })
    .await;
}
