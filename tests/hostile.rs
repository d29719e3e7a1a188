//! Hostile files and hostile people, on every backend: broken workbooks answered with a clear
//! message and nothing written; script in every text field shown as text; formulas in every export
//! written as text; oversized requests refused before they are read; the server answering after each.

mod common;

use axum::http::StatusCode;
use common::{each_backend, sheet_rows, TestApp};
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook with the register's headers and `rows` written by `fill`.
fn workbook(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    fill(ws);
    wb.save_to_buffer().unwrap()
}

/// An OLE2 compound file as Office writes an encrypted workbook: the container's signature, with
/// the EncryptionInfo stream's name inside — no workbook stream a reader could open.
fn encrypted() -> Vec<u8> {
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.resize(512, 0);
    b.extend("EncryptionInfo".encode_utf16().flat_map(|u| u.to_le_bytes()));
    b.resize(4096, 0xFF);
    b
}

#[tokio::test]
async fn broken_files_are_refused_clearly_and_nothing_is_written() {
    each_backend(|app: TestApp| async move {
        let real = std::fs::read("imports/samples/khamlasan.xlsx").unwrap();
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let million_styled = workbook(|ws| {
            let f = rust_xlsxwriter::Format::new().set_bold();
            for r in 1..1_000_000u32 {
                ws.write_blank(r, 0, &f).unwrap();
            }
        });
        let huge_string = workbook(|ws| {
            ws.write_string(1, 0, "X-1").unwrap();
            ws.write_string(1, 1, "Ổ".repeat(32_000)).unwrap();
        });
        let formulas = workbook(|ws| {
            for r in 1..50u32 {
                for c in 0..5u16 {
                    ws.write_formula(r, c, "=1/0").unwrap();
                }
            }
        });
        let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
            ("cat-ngang.xlsx", real[..real.len() / 2].to_vec(), &["hỏng", "không đọc được"]),
            ("anh-chup.xlsx", png, &["không phải bảng tính"]),
            // Read for what it is, not for its name: a register named .csv is a workbook (here refused
            // for its rows: the task it names is not in this database).
            ("so-tai-san.csv", real.clone(), &["Không nhập"]),
            ("bao-mat.xlsx", encrypted(), &["mật khẩu", "hỏng", "không đọc được", "không phải bảng tính"]),
            ("trieu-dong-trong.xlsx", million_styled, &["không có dòng tài sản nào"]),
            ("chuoi-dai.xlsx", huge_string, &["dài quá", "Nhóm tài sản"]),
            // Found by fuzzing: a damaged .xls on which the reader library panicked.
            ("hong.xls", std::fs::read("tests/fuzz/regressions/cfb-chain-past-end.xls").unwrap(), &["bị hỏng"]),
            // Formulas without a cached result read as 0: rows of zeros are rows, refused for what they say.
            ("cong-thuc.xlsx", formulas, &["#DIV/0!", "không có trong danh mục", "không được để trống"]),
        ];
        let assets = app.asset_count();
        let imports: i64 = app.get("/api/v1/imports").await.1["total"].as_i64().unwrap_or(0);
        for (name, bytes, expected) in cases {
            let started = std::time::Instant::now();
            let (s, _, body) = app.upload("/api/v1/imports/assets", name, XLSX, &bytes, &[]).await;
            let text = String::from_utf8_lossy(&body).to_string();
            assert!(s.is_client_error(), "{name}: {s} {text}");
            assert!(expected.iter().any(|e| text.contains(e)), "{name}: {text}");
            assert!(started.elapsed().as_secs() < 60, "{name} took {:?}", started.elapsed());
            // The server still answers, and nothing was saved.
            assert_eq!(app.get("/api/v1/assets?per_page=1").await.0, StatusCode::OK);
            assert_eq!(app.asset_count(), assets, "{name}");
        }
        let after: i64 = app.get("/api/v1/imports").await.1["total"].as_i64().unwrap_or(0);
        assert!(after >= imports, "refused imports may be recorded, never half-saved");
    })
    .await;
}

/// Script, markup and formulas typed where text goes.
const HOSTILE: &[&str] = &[
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://evil.example\",\"bấm\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
];

#[tokio::test]
async fn script_is_shown_as_text_and_formulas_are_exported_as_text() {
    each_backend(|app: TestApp| async move {
        let unit = app.id_of("units", "TTUD").await;
        let mut codes = vec![];
        for (i, h) in HOSTILE.iter().enumerate() {
            let a = app
                .asset(json!({"code": format!("HX-{i}"), "name": h, "location": h, "notes": h, "responsible_person": h, "unit_id": unit}))
                .await;
            codes.push(a["code"].as_str().unwrap().to_string());
        }
        // Pages: the register, an asset, a count, an inspection, a procurement file.
        let (s, c) = app
            .post(
                "/api/v1/counts",
                json!({"decision_no": HOSTILE[0], "decision_date": "01/11/2026", "reference_date": "31/12/2026", "title": HOSTILE[1],
                       "units": "TTUD", "members": [{"full_name": HOSTILE[0], "committee_role": "truong_ban", "represents": HOSTILE[1]}]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        app.post(&format!("/api/v1/counts/{}/open", c["id"]), json!({})).await;
        app.post(&format!("/api/v1/counts/{}/entries", c["id"]), json!({"code": "HX-0", "quantity": 0, "note": HOSTILE[0], "location": HOSTILE[1]})).await;
        let (s, i) = app
            .post(
                "/api/v1/inspections",
                json!({"kind": "kiem_tra", "title": HOSTILE[0], "decision_no": "1", "decision_date": "01/11/2026", "subjects": HOSTILE[1],
                       "scope": HOSTILE[0], "period_from": "01/01/2025", "period_to": "31/12/2025", "team": HOSTILE[1]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{i}");
        app.post(&format!("/api/v1/inspections/{}/findings", i["id"]), json!({"title": HOSTILE[0], "category": "khac", "responsible": HOSTILE[1]})).await;
        let (s, p) = app
            .post("/api/v1/procurements", json!({"code": "MS-X", "package_name": HOSTILE[0], "unit_id": unit, "method": "rong_rai", "plan_date": "01/01/2025", "supplier": HOSTILE[1]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let (_, one) = app.get("/api/v1/assets?q=HX-0").await;
        let pages = [
            "/tai-san?q=HX".to_string(),
            format!("/tai-san/{}", one["items"][0]["id"]),
            format!("/kiem-ke/{}", c["id"]),
            format!("/kiem-ke/{}/dem?code=HX-0", c["id"]),
            format!("/kiem-ke/{}/nhan", c["id"]),
            format!("/thanh-tra/{}", i["id"]),
            "/thanh-tra".to_string(),
            format!("/mua-sam/{}", p["id"]),
            "/mua-sam".to_string(),
        ];
        for page in pages {
            let (s, html) = app.page(&page, false).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{page} runs what was typed");
            assert!(html.contains("&#60;script&#62;alert") || html.contains("&#60;img"), "{page} shows it as text: {html}");
        }
        // Exports: every hostile text is a string cell, never a formula.
        let register = app.download("/api/v1/exports/register?format=xlsx").await;
        let minutes = app.download(&format!("/api/v1/counts/{}/minutes", c["id"])).await;
        let sheet = app.download(&format!("/api/v1/counts/{}/sheet", c["id"])).await;
        let inspection = app.download(&format!("/api/v1/inspections/{}/workbook", i["id"])).await;
        for (what, bytes) in [("register", &register), ("minutes", &minutes), ("count sheet", &sheet), ("inspection", &inspection)] {
            let formulas = formula_texts(bytes);
            for h in HOSTILE.iter().filter(|h| h.starts_with(['=', '+', '@', '-'])) {
                let body = h.trim_start_matches(['=', '+', '@']);
                assert!(!formulas.iter().any(|f| f.contains(body)), "{what}: «{h}» became a formula: {formulas:?}");
            }
        }
        let rows = sheet_rows(&register, "Báo cáo").join("\n");
        assert!(rows.contains("=HYPERLINK(\"http://evil.example\",\"bấm\")"), "kept as the text typed");
        let (s, _, csv) = app.send(axum::http::Request::get("/api/v1/exports/register?format=csv").body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        for h in ["=HYPERLINK", "+cmd", "@SUM", "-2+3"] {
            assert!(csv.contains(&format!("'{h}")) && !csv.contains(&format!(",{h}")), "csv: {h}");
        }
    })
    .await;
}

/// The formulas of every sheet of a workbook.
fn formula_texts(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = vec![];
    for name in wb.sheet_names() {
        if let Ok(range) = wb.worksheet_formula(&name) {
            out.extend(range.used_cells().map(|(_, _, f)| f.clone()));
        }
    }
    out
}

#[tokio::test]
async fn oversized_requests_are_refused_before_they_are_read() {
    each_backend(|app: TestApp| async move {
        let big = json!({"name": "x".repeat(3 * 1024 * 1024)});
        let (s, body) = app.post("/api/v1/assets", big).await;
        assert!(s == StatusCode::PAYLOAD_TOO_LARGE || s == StatusCode::BAD_REQUEST, "{s} {body}");
        let text = body.to_string();
        assert!(text.contains("quá lớn") || text.contains("too large"), "{text}");
        // An upload over its own limit, on the count sheets route.
        let (_, c) = app
            .post(
                "/api/v1/counts",
                json!({"decision_no": "1", "decision_date": "01/11/2026", "reference_date": "31/12/2026",
                                           "members": [{"full_name": "A", "committee_role": "truong_ban"}]}),
            )
            .await;
        let huge = vec![b'a'; taisan::import::upload::UPLOAD_LIMIT + 1024 * 1024];
        let (s, _, body) =
            app.upload(&format!("/api/v1/counts/{}/sheets", c["id"]), "to.csv", "text/csv", &huge, &[]).await;
        assert!(s.is_client_error(), "{s}");
        assert!(
            String::from_utf8_lossy(&body).contains("quá") || s == StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(app.get("/api/v1/assets?per_page=1").await.0, StatusCode::OK);
        let _: Value = c;
    })
    .await;
}

/// Control characters — NUL, ESC, BEL, BS — are refused wherever text enters, with a Vietnamese
/// message naming the field (or, for an imported cell, the sheet, row and column); nothing is
/// stored and nothing answers 500, on either database.
#[tokio::test]
async fn control_characters_are_refused_at_the_door() {
    each_backend(|app: TestApp| async move {
        let before = app.asset_count();
        // A query string, from any reader.
        for q in ["%00", "may%1B%5B31m", "%07", "a%08b"] {
            let (s, body) = app.get(&format!("/api/v1/assets?q={q}")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "q={q}: {body}");
            assert!(body["fields"]["q"].as_str().unwrap().contains("ký tự điều khiển"), "{body}");
        }
        // A JSON field, top level or nested.
        let unit = app.id_of("units", "TTUD").await;
        let cat = app.id_of("categories", "MMTB-TN").await;
        for name in ["Máy\u{0}đo", "Máy \u{1b}[2J đo", "Bàn\u{7}"] {
            let (s, body) = app
                .post(
                    "/api/v1/assets",
                    json!({"name": name, "unit_id": unit, "category_id": cat, "original_cost": 5_000_000, "acquired_on": "2024-01-02"}),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(body["fields"]["name"].as_str().unwrap().contains("U+00"), "{body}");
        }
        // A page's form.
        let (s, _, page) = app.form("/tai-san/moi", &[("name", "Tủ\u{0}sấy"), ("unit_id", "1")]).await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::OK, "{s}: {page}");
        assert!(page.contains("ký tự điều khiển"), "{page}");
        // An imported cell: the row fails, naming the column; a strict import saves nothing.
        let bytes = workbook(|ws| {
            ws.write_string(1, 0, "CC-1").unwrap();
            ws.write_string(1, 1, "Tủ lạnh\u{1b}]0;pwned\u{7}").unwrap();
            ws.write_string(1, 2, "MMTB-TN").unwrap();
            ws.write_string(1, 3, "TTUD").unwrap();
            ws.write_number(1, 4, 9_000_000.0).unwrap();
        });
        let (s, _, body) = app.upload("/api/v1/imports/assets?strict=true", "dieu-khien.xlsx", XLSX, &bytes, &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        let r: Value = serde_json::from_slice(&body).unwrap();
        let row = r["rows"].as_array().unwrap().iter().find(|x| x["excel_row"] == 2).unwrap();
        let e = &row["errors"][0];
        assert_eq!(e["column"], "Tên tài sản", "{row}");
        assert!(e["message"].as_str().unwrap().contains("ký tự điều khiển"), "{row}");
        assert!(!e["value"].as_str().unwrap().chars().any(|c| c.is_control()), "the value is shown without its escapes: {e}");
        assert_eq!(app.asset_count(), before, "nothing was stored");
        // Chosen in the preview: the characters are removed, the row says from which column.
        let (s, _, body) = app
            .upload("/api/v1/imports/assets?strict=true&strip_controls=true", "dieu-khien.xlsx", XLSX, &bytes, &[])
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        let r: Value = serde_json::from_slice(&body).unwrap();
        let row = r["rows"].as_array().unwrap().iter().find(|x| x["excel_row"] == 2).unwrap();
        assert_eq!(row["cleaned"], json!(["Tên tài sản"]), "{row}");
        let (_, a) = app.get("/api/v1/assets?q=CC-1").await;
        assert_eq!(a["items"][0]["name"], "Tủ lạnh]0;pwned", "{a}");
        assert_eq!(app.asset_count(), before + 1);
    })
    .await;
}

/// A zip of the given parts, stored (no compression), as a writer of another program makes one.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(vec![]);
    let mut z = zip::ZipWriter::new(&mut out);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in parts {
        z.start_file(*name, stored).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

/// Every workbook gets an answer in Vietnamese that names its cause: a chart sheet is passed over
/// (and named), a password-protected .ods is said to be one, a damaged part is «hỏng» — never a
/// reader library's English sentence — and a sheet without a header says how many rows were searched.
#[tokio::test]
async fn every_workbook_gets_a_clear_vietnamese_answer() {
    each_backend(|app: TestApp| async move {
        // A register beside a chart sheet.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Sổ").unwrap();
        for (c, h) in ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["BD-1", "Máy chiếu", "MMTB-VP", "TTUD"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        ws.write_number(1, 4, 14_000_000.0).unwrap();
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        chart.add_series().set_values("='Sổ'!$E$2:$E$2");
        let cs = wb.add_chartsheet();
        cs.set_name("Biểu đồ").unwrap();
        cs.insert_chart(0, 0, &chart).unwrap();
        let with_chart = wb.save_to_buffer().unwrap();
        let (s, _, body) = app.upload("/api/v1/imports/assets?preview=true", "co-bieu-do.xlsx", XLSX, &with_chart, &[]).await;
        let r: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!((r["sheet"].as_str(), r["counts"]["create"].as_i64()), (Some("Sổ"), Some(1)), "{r}");
        assert_eq!(r["other_sheets"][0], "«Biểu đồ» (trang biểu đồ)");
        let (s, _, body) =
            app.upload("/api/v1/imports/assets?preview=true&sheet=Biểu%20đồ", "co-bieu-do.xlsx", XLSX, &with_chart, &[]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&body).contains("là trang biểu đồ, không có bảng"));

        let manifest = br#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry></manifest:manifest>"#;
        let encrypted_ods = zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", b"\x8f\x11\xa0 not xml, encrypted bytes"),
        ]);
        let damaged_xlsx = zip_of(&[
            ("[Content_Types].xml", b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
            ("xl/workbook.xml", b"<workbook><sheets><sheet name=\"A\" r:id=\"rId1\"/></sheets"),
        ]);
        let no_header = {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for r in 0..7u32 {
                ws.write_string(r, 0, format!("Ghi chú {r}")).unwrap();
            }
            wb.save_to_buffer().unwrap()
        };
        let english = ["error", "cannot", "invalid", "xml", "failed", "unexpected", "file format"];
        for (name, bytes, expected) in [
            ("bao-mat.ods", encrypted_ods, "được bảo vệ bằng mật khẩu"),
            ("hong.xlsx", damaged_xlsx, "bị hỏng"),
            ("khong-tieu-de.xlsx", no_header, "«Sheet1»: 7 dòng có dữ liệu"),
        ] {
            let (s, _, body) = app.upload("/api/v1/imports/assets?preview=true", name, XLSX, &bytes, &[]).await;
            let r: Value = serde_json::from_slice(&body).unwrap();
            let text = r["error"].as_str().unwrap_or_default().to_lowercase();
            assert!(s.is_client_error(), "{name}: {s} {r}");
            assert!(text.contains(&expected.to_lowercase()), "{name}: {text}");
            assert!(!english.iter().any(|w| text.contains(w)), "{name}: a library's words: {text}");
        }
    })
    .await;
}
