//! Exports read back: the register workbook (title block, merged header, groups, subtotals, totals,
//! formats), its round trip through the import, and the CSV.

mod common;

use calamine::{Data, DataType, Reader, Xlsx};
use common::{each_backend, TestApp};
use taisan::assets::import::{self, Options};
use taisan::audit::Actor;
use taisan::auth::Scope;

async fn export(app: &TestApp, query: &str) -> Vec<u8> {
    let req =
        axum::http::Request::get(format!("/api/v1/exports/register?{query}")).body(axum::body::Body::empty()).unwrap();
    let (s, headers, body) = app.send(req).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("filename*=UTF-8''Danh%20s%C3%A1ch%20t%C3%A0i%20s%E1%BA%A3n"), "{disposition}");
    body
}

#[tokio::test]
async fn the_register_workbook_reads_back() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let bytes = export(&app, "").await;
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let text = |r: u32, c: u32| range.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
        assert_eq!(text(0, 0), "UBND TỈNH QUẢNG NGÃI");
        assert_eq!(text(1, 0), "SỞ KHOA HỌC VÀ CÔNG NGHỆ");
        assert_eq!(text(0, 8), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
        assert!((2..6).any(|r| text(r, 0) == "DANH SÁCH TÀI SẢN"));
        let header = (0..30).find(|r| text(*r, 0) == "STT").unwrap();
        assert_eq!(text(header, 8), "Nguyên giá");
        assert_eq!(text(header + 1, 8), "Nguồn NSNN");
        assert_eq!(text(header + 1, 10), "Cộng");
        assert_eq!(text(header + 2, 0), "(1)");
        let merges = wb.merge_cells_by_sheet_name("Báo cáo").unwrap();
        assert!(
            merges.iter().any(|m| m.start == (header, 8) && m.end == (header, 10)),
            "Nguyên giá spans its three sources"
        );
        // Groups by class with subtotals; the total is the register's total.
        assert_eq!(text(header + 3, 0), "I");
        let total_row = (0..200).find(|r| text(*r, 1) == "Tổng cộng").unwrap();
        let (_, all) = app.get("/api/v1/assets?per_page=1").await;
        let total = range.get_value((total_row, 10)).unwrap();
        assert_eq!(total, &Data::Float(all["total_original_cost"].as_i64().unwrap() as f64), "cached formula result");
        let subtotals: f64 = (0..total_row)
            .filter(|r| text(*r, 1) == "Cộng")
            .map(|r| range.get_value((r, 10)).unwrap().as_f64().unwrap())
            .sum();
        assert_eq!(subtotals, all["total_original_cost"].as_i64().unwrap() as f64);
        let formulas = wb.worksheet_formula("Báo cáo").unwrap();
        assert!(formulas.get_value((total_row, 10)).unwrap().starts_with("SUBTOTAL(9,K"));
        // The task's list is the same report, filtered.
        let task = app.get("/api/v1/tasks?q=kham").await.1["items"][0]["id"].clone();
        let bytes = export(&app, &format!("task_id={task}")).await;
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let names: Vec<String> = range.rows().map(|r| r.get(2).map(|d| d.to_string()).unwrap_or_default()).collect();
        assert!(names.iter().any(|n| n == "Máy Real-time PCR CFX96 Touch"));
        assert!(!names.iter().any(|n| n == "Xe ô tô Toyota Innova 7 chỗ"));
    })
    .await;
}

#[tokio::test]
async fn an_exported_register_imports_back_unchanged() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let bytes = export(&app, "").await;
        let r = import::execute(&app.db, &Actor("t".into()), &Scope::ALL, "so.xlsx", &bytes, &Options::default(), true)
            .unwrap();
        let (_, all) = app.get("/api/v1/assets?per_page=1").await;
        assert_eq!(
            r.counts.unchanged as i64,
            all["total"].as_i64().unwrap(),
            "{:#?}",
            r.rows
                .iter()
                .filter(|x| x.outcome != import::Outcome::Skip && x.outcome != import::Outcome::Unchanged)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            (r.counts.create, r.counts.update, r.counts.error),
            (0, 0, 0),
            "{:#?}",
            r.rows.iter().filter(|x| x.outcome == import::Outcome::Error).collect::<Vec<_>>()
        );
    })
    .await;
}

#[tokio::test]
async fn the_register_csv_has_a_bom_and_no_formulas() {
    each_backend(|app: TestApp| async move {
        app.asset(serde_json::json!({"name": "=HYPERLINK(\"http://x\",\"bấm\")", "location": "+cmd"})).await;
        let bytes = export(&app, "format=csv").await;
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.lines().next().unwrap().contains("Nguyên giá / Nguồn NSNN"));
        assert!(text.contains("'=HYPERLINK") && text.contains("'+cmd"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn the_wear_table_of_a_year_under_the_form_in_force() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let read = |bytes: Vec<u8>| {
            let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            wb.worksheet_range("Báo cáo").unwrap()
        };
        let get = |path: String| {
            let app = &app;
            async move {
                let (s, _, body) =
                    app.send(axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap()).await;
                assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
                body
            }
        };
        let range = read(get("/api/v1/exports/wear?wear_year=2025".into()).await);
        let cells: Vec<String> =
            range.rows().flat_map(|r| r.iter().map(|d| d.to_string()).collect::<Vec<_>>()).collect();
        assert!(cells.iter().any(|c| c == "BẢNG TÍNH HAO MÒN TÀI SẢN CỐ ĐỊNH"));
        assert!(cells.iter().any(|c| c == "Năm 2025"));
        assert!(cells.iter().any(|c| c.contains("Mẫu số C55-HD") && c.contains("TT 24/2024")), "the 2025 version");
        let pcr = range
            .rows()
            .find(|r| r.get(2).is_some_and(|d| *d == "Máy Real-time PCR CFX96 Touch"))
            .expect("the PCR machine is in the table");
        let n = |i: usize| pcr[i].as_f64().unwrap_or_else(|| panic!("column {i}: {pcr:?}"));
        assert_eq!(
            (n(4), n(6), n(7), n(8), n(9), n(10)),
            (1_450_000_000.0, 0.1, 580_000_000.0, 145_000_000.0, 725_000_000.0, 725_000_000.0)
        );
        assert!(!cells.iter().any(|c| c.contains("Máy phun thuốc")), "tools are not worn");
        let older = read(get("/api/v1/exports/wear?wear_year=2024".into()).await);
        assert!(older.rows().flatten().any(|c| c.to_string().contains("TT 107/2017")), "the 2024 version");
        let (s, _) = app.get("/api/v1/exports/wear?wear_year=abc").await;
        assert_eq!(s, 422);
    })
    .await;
}

#[tokio::test]
async fn the_fixed_asset_book_with_a_three_row_header() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let req = axum::http::Request::get("/api/v1/exports/fixed-asset-book?wear_year=2025")
            .body(axum::body::Body::empty())
            .unwrap();
        let (s, _, body) = app.send(req).await;
        assert_eq!(s, 200);
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let text = |r: u32, c: u32| range.get_value((r, c)).map(|d| d.to_string()).unwrap_or_default();
        let header = (0..30).find(|r| text(*r, 0) == "STT").unwrap();
        assert_eq!(text(header, 1), "Ghi tăng tài sản cố định");
        assert_eq!(text(header, 9), "Khấu hao (hao mòn) tài sản cố định");
        assert_eq!(text(header, 15), "Ghi giảm tài sản cố định");
        assert_eq!(text(header + 1, 1), "Chứng từ");
        assert_eq!(text(header + 1, 7), "Thẻ TSCĐ");
        assert_eq!(text(header + 2, 1), "Số hiệu");
        assert_eq!(text(header + 2, 16), "Ngày, tháng");
        assert_eq!(text(header + 3, 0), "A");
        assert_eq!(text(header + 3, 18), "S");
        let merges = wb.merge_cells_by_sheet_name("Báo cáo").unwrap();
        assert!(
            merges.iter().any(|m| m.start == (header, 0) && m.end == (header + 2, 0)),
            "STT spans the three header rows"
        );
        assert!(merges.iter().any(|m| m.start == (header, 1) && m.end == (header, 8)));
        let pcr = range
            .rows()
            .find(|r| r.get(3).is_some_and(|d| *d == "Máy Real-time PCR CFX96 Touch"))
            .expect("the PCR machine");
        assert_eq!(pcr[6], "TTUD-2021-0001");
        assert_eq!(pcr[4], "Mỹ");
        assert_eq!(pcr[5], "09/2021");
        let n = |i: usize| pcr[i].as_f64().unwrap_or_else(|| panic!("column {i}: {pcr:?}"));
        // Original cost (I), wear rate and amount (L, M), the year's total (N), accumulated (O).
        assert_eq!(
            (n(8), n(11), n(12), n(13), n(14)),
            (1_450_000_000.0, 0.1, 145_000_000.0, 145_000_000.0, 725_000_000.0)
        );
    })
    .await;
}

#[tokio::test]
async fn the_asset_card_describes_one_asset_and_its_wear_year_by_year() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, found) = app.get("/api/v1/assets?q=CFX96").await;
        let id = found["items"][0]["id"].as_i64().unwrap();
        let req = axum::http::Request::get(format!("/api/v1/assets/{id}/card?as_of=31/12/2025"))
            .body(axum::body::Body::empty())
            .unwrap();
        let (s, headers, bytes) = app.send(req).await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&bytes));
        assert!(headers["content-disposition"].to_str().unwrap().contains("Th%E1%BA%BB%20t%C3%A0i%20s%E1%BA%A3n"));
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let merges = wb.merge_cells_by_sheet_name("Báo cáo").unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let cells: Vec<String> =
            range.rows().flat_map(|r| r.iter().map(|d| d.to_string()).collect::<Vec<_>>()).collect();
        assert!(cells.iter().any(|c| c == "THẺ TÀI SẢN CỐ ĐỊNH"));
        let facts = |needle: &str| cells.iter().find(|c| c.contains(needle)).cloned().unwrap_or_default();
        assert!(facts("Tên, ký mã hiệu").contains("Máy Real-time PCR CFX96 Touch"), "{cells:?}");
        assert!(facts("Nguyên giá:").contains("1.450.000.000 đồng"), "{cells:?}");
        assert!(facts("Hình thành:").contains("nhiệm vụ ĐTNN-03/2021"), "{cells:?}");
        // Each line of facts spans the card's width.
        let facts_row = range.rows().position(|r| r[0].to_string().starts_with("Tên, ký mã hiệu")).unwrap() as u32;
        let start = range.start().unwrap().0;
        assert!(merges.iter().any(|m| m.start == (start + facts_row, 0) && m.end.1 == 5), "{merges:?}");
        // Wear year by year to the card's date, and the total of the wear column.
        let last = range.rows().rfind(|r| r[0].as_f64() == Some(2025.0)).expect("the 2025 line");
        let n = |row: &[calamine::Data], i: usize| row[i].as_f64().unwrap();
        assert_eq!((n(last, 3), n(last, 4), n(last, 5)), (145_000_000.0, 725_000_000.0, 725_000_000.0));
        assert_eq!(last[1].to_string(), "10 %");
        assert!(last[2].to_string().contains("23/2023"), "the table in force that year: {last:?}");
        let total = range.rows().find(|r| r.iter().any(|c| *c == "Tổng cộng")).unwrap();
        assert_eq!(n(total, 3), 725_000_000.0, "the sum of the years' wear is the accumulated wear");
        // A bad date is refused; an asset outside the person's unit is not shown.
        let (s, _) = app.get(&format!("/api/v1/assets/{id}/card?as_of=32/13/2025")).await;
        assert_eq!(s, 422);
        app.add_user("vp", "don_vi", Some("QLKH"));
        app.act_as(common::Caller::Token(app.token_for("vp")));
        let (s, _) = app.get(&format!("/api/v1/assets/{id}/card")).await;
        assert!(s == 403 || s == 404, "{s}");
    })
    .await;
}

#[tokio::test]
async fn the_changes_of_a_period_by_reason() {
    each_backend(|app: TestApp| async move {
        let bought = app
            .asset(serde_json::json!({"name": "Máy đo pH", "cost_state": 20_000_000, "acquired_on": "2026-03-10"}))
            .await;
        app.asset(serde_json::json!({
            "name": "Tủ sấy", "cost_state": 30_000_000, "acquired_on": "2026-04-15", "acquisition_method": "tiep_nhan"
        }))
        .await;
        let old = app
            .asset(serde_json::json!({"name": "Máy cũ", "cost_state": 40_000_000, "acquired_on": "2025-06-01"}))
            .await;
        // Corrections made in the period: a cost raised, a quantity and cost lowered.
        let (s, _) = app
            .put(
                &format!("/api/v1/assets/{}", old["id"]),
                serde_json::json!({"version": old["version"], "cost_state": 45_000_000}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = app
            .put(
                &format!("/api/v1/assets/{}", bought["id"]),
                serde_json::json!({"version": bought["version"], "quantity": 2, "cost_state": 18_000_000}),
            )
            .await;
        assert_eq!(s, 200);
        let today = taisan::text::format_date(taisan::text::today());
        let req = axum::http::Request::get(format!("/api/v1/exports/changes?from=01/01/2026&to={today}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let (s, headers, bytes) = app.send(req).await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&bytes));
        assert!(headers["content-disposition"].to_str().unwrap().contains("T%C4%83ng"));
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let texts: Vec<String> =
            range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect();
        let groups: Vec<&String> = texts.iter().filter(|t| t.contains("— ")).collect();
        assert_eq!(groups.len(), 4, "{texts:#?}");
        assert!(groups[0].contains("Tăng — Mua sắm") && groups[1].contains("Tăng — Tiếp nhận"), "{groups:?}");
        assert!(groups[2].contains("Tăng — Điều chỉnh") && groups[3].contains("Giảm — Điều chỉnh"), "{groups:?}");
        assert!(!texts.iter().any(|t| t.contains("Máy cũ|") && t.contains("40000000")), "booked before the period");
        let row = |name: &str, reason_row: usize| -> Vec<Data> {
            let rows: Vec<&[Data]> = range.rows().collect();
            let start = texts.iter().position(|t| t == groups[reason_row]).unwrap();
            rows[start..].iter().find(|r| r[3] == name).unwrap().to_vec()
        };
        let f = |r: &[Data], i: usize| r[i].as_f64().unwrap_or(0.0);
        let ph = row("Máy đo pH", 0);
        assert_eq!((f(&ph, 5), f(&ph, 7)), (1.0, 20_000_000.0), "booked as it was first entered: {ph:?}");
        let raised = row("Máy cũ", 2);
        assert_eq!(f(&raised, 7), 5_000_000.0);
        let lowered = row("Máy đo pH", 3);
        assert_eq!((f(&lowered, 8), f(&lowered, 5)), (2_000_000.0, 1.0), "cost down 2 M, quantity up 1: {lowered:?}");
        let total = range.rows().find(|r| r.iter().any(|c| *c == "Tổng cộng")).unwrap();
        assert_eq!((f(total, 7), f(total, 8)), (55_000_000.0, 2_000_000.0));
        // A period that ends before it starts is refused.
        let (s, body) = app.get("/api/v1/exports/changes?from=01/06/2026&to=01/01/2026").await;
        assert_eq!(s, 422, "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_register_as_a_plain_list_to_filter() {
    use std::io::Read;
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let req =
            axum::http::Request::get("/api/v1/exports/register?format=plain").body(axum::body::Body::empty()).unwrap();
        let (s, _, bytes) = app.send(req).await;
        assert_eq!(s, 200);
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = wb.worksheet_range("Báo cáo").unwrap();
        let rows: Vec<String> =
            range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect();
        assert!(!rows.iter().any(|r| r.starts_with("I|")), "no group rows: {rows:#?}");
        assert!(!rows.iter().any(|r| r.starts_with("|Cộng|")), "no subtotals");
        assert!(rows.iter().any(|r| r.contains("|Tổng cộng|")), "the total stays");
        // Filter buttons over the header and the data, not the total.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
        let filter =
            xml.split("<autoFilter ref=\"").nth(1).expect("an autofilter").split('"').next().unwrap().to_string();
        let total_row =
            rows.iter().position(|r| r.contains("|Tổng cộng|")).unwrap() + range.start().unwrap().0 as usize + 1;
        assert!(
            filter.starts_with('A') && filter.ends_with(&(total_row - 1).to_string()),
            "{filter} ends above row {total_row}"
        );
    })
    .await;
}
