//! Importing the registers offices send: the sample workbooks in `imports/samples/`, on every backend.

mod common;

use common::{each_backend, TestApp};
use serde_json::json;
use taisan::assets::import::{self, Mode, Options, Outcome, Report};
use taisan::audit::Actor;
use taisan::auth::Scope;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("imports/samples/{name}")).unwrap()
}

fn run(app: &TestApp, name: &str, options: &Options, preview: bool) -> Result<Report, taisan::error::AppError> {
    import::execute(&app.db, &Actor("test".into()), &Scope::ALL, name, &sample(name), options, preview)
}

fn outcomes(r: &Report) -> Vec<(u32, Outcome)> {
    r.rows.iter().map(|row| (row.excel_row, row.outcome)).collect()
}

#[tokio::test]
async fn the_cassava_task_list_with_title_block_sections_and_totals() {
    each_backend(|app: TestApp| async move {
        app.post("/api/v1/tasks", json!({"code": "ĐTNN-03/2021", "title": "Khảm lá sắn", "host_org": "Trung tâm"}))
            .await;
        let before = app.asset_count();
        let preview = run(&app, "khamlasan.xlsx", &Options::default(), true).unwrap();
        assert!(!preview.saved);
        assert_eq!(app.asset_count(), before, "a preview saves nothing");
        assert_eq!(preview.header_rows, vec![6, 7]);
        assert_eq!(preview.columns[8].header, "Nguyên giá / Nguồn NSNN");
        assert_eq!(preview.columns[8].field.as_deref(), Some("cost_state"));
        assert_eq!(preview.counts.create, 6, "{:#?}", preview.rows);
        assert_eq!(preview.counts.error, 0);
        let skipped: Vec<String> = preview.rows.iter().filter_map(|r| r.reason.clone()).collect();
        for reason in [
            "Dòng đánh số cột",
            "Dòng tiêu đề nhóm «A TÀI SẢN TRANG BỊ»",
            "Dòng cộng «Cộng A»: bằng tổng 4 dòng phía trên",
            "Dòng cộng «Tổng cộng»: bằng tổng 6 dòng phía trên",
            "Phần chữ ký, ngày tháng cuối bảng",
        ] {
            assert!(skipped.iter().any(|s| s == reason), "{reason} in {skipped:?}");
        }
        // Every non-empty row below the header has an outcome: 6 assets, numbering, 2 section
        // titles, 3 totals, 2 signature rows.
        assert_eq!((preview.rows_read, preview.counts.total(), preview.counts.warning), (14, 14, 0));
        let done = run(&app, "khamlasan.xlsx", &Options::default(), false).unwrap();
        assert!(done.saved && done.import_id.is_some());
        assert_eq!(outcomes(&done), outcomes(&preview), "the import did what the preview showed");
        assert_eq!(app.asset_count(), before + 6);
        let (_, list) = app.get("/api/v1/assets?q=kham%20la%20san").await;
        assert_eq!(list["total"], 1);
        let (_, task_assets) = app.get("/api/v1/assets?per_page=100").await;
        assert_eq!(task_assets["total_original_cost"], 2_788_000_000i64);
        let sprayers = task_assets["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"].as_str().unwrap().contains("phun"))
            .unwrap();
        assert_eq!((sprayers["kind"].as_str(), sprayers["quantity"].as_i64()), (Some("ccdc"), Some(4)));
        let result = task_assets["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"].as_str().unwrap().starts_with("Quy trình"))
            .unwrap();
        assert_eq!(result["task_asset_kind"], "ket_qua");
        // The same file again is recognised.
        let again = run(&app, "khamlasan.xlsx", &Options::default(), false).unwrap_err();
        assert!(again.to_string().contains("đã được nhập"), "{again}");
        let preview_again = run(&app, "khamlasan.xlsx", &Options::default(), true).unwrap();
        assert!(preview_again.detail.previous.is_some());
        let (_, log) = app.get("/api/v1/activity?action=import").await;
        assert_eq!(log["total"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_messy_register_with_text_numbers_years_and_nfd() {
    each_backend(|app: TestApp| async move {
        let r = run(&app, "so-tai-san-lon-xon.xlsx", &Options::default(), false).unwrap();
        assert_eq!((r.counts.create, r.counts.error), (4, 0), "{:#?}", r.rows);
        let (_, a) = app.get("/api/v1/assets?q=HC-002").await;
        let pc = &a["items"][0];
        assert_eq!(pc["name"], "Máy tính để bàn", "NFD text stored as NFC");
        assert_eq!(pc["original_cost"], 155_000_000);
        assert_eq!(pc["quantity"], 10);
        assert_eq!(pc["acquired_on"], "2021-01-01", "a year alone");
        assert_eq!(pc["unit_code"], "HCTH");
        let (_, a) = app.get("/api/v1/assets?q=HC-003").await;
        assert_eq!(
            (a["items"][0]["cost_state"].as_i64(), a["items"][0]["cost_other"].as_i64()),
            (Some(150_000_000), Some(35_000_000))
        );
        let (_, all) = app.get("/api/v1/assets").await;
        assert_eq!(all["total_original_cost"], 1_458_000_000i64, "the sheet's own Tổng cộng");
        // Blank rows are not rows of the table; every other row below the header has an outcome.
        assert_eq!((r.rows_read, r.counts.total(), r.counts.skip), (12, 12, 8), "{:#?}", r.rows);
        assert!(r.rows.iter().all(|row| row.reason.as_deref() != Some("Dòng trống")));
        // Imported again as an update: nothing changed.
        let again =
            run(&app, "so-tai-san-lon-xon.xlsx", &Options { allow_duplicate: true, ..Options::default() }, false)
                .unwrap();
        assert_eq!((again.counts.unchanged, again.counts.create, again.counts.update), (4, 0, 0), "{:#?}", again.rows);
    })
    .await;
}

#[tokio::test]
async fn legacy_encodings_are_converted() {
    each_backend(|app: TestApp| async move {
        for (file, encoding) in
            [("tcvn3.xlsx", "TCVN3 (ABC)"), ("tcvn3.xls", "TCVN3 (ABC)"), ("vni.xlsx", "VNI-Windows")]
        {
            let r = run(&app, file, &Options::default(), true).unwrap();
            assert_eq!(r.detail.encoding, encoding, "{file}");
            assert_eq!(r.counts.create, 3, "{file}: {:#?}", r.rows);
            assert_eq!(
                r.rows.iter().find(|x| x.outcome == Outcome::Create).unwrap().name.as_deref(),
                Some("Máy quang phổ tử ngoại khả kiến"),
                "{file}"
            );
        }
        let r = run(&app, "vni.xlsx", &Options::default(), false).unwrap();
        assert!(r.saved);
        let (_, a) = app.get("/api/v1/assets?q=TT-002").await;
        assert_eq!(a["items"][0]["notes"], "Hỏng bộ điều nhiệt");
        let r = run(&app, "qlkh-cp1258.csv", &Options::default(), false).unwrap();
        assert_eq!(r.counts.create, 2, "{:#?}", r.rows);
        let (_, a) = app.get("/api/v1/assets?q=QK-02").await;
        assert_eq!(a["items"][0]["name"], "Máy scan tài liệu tốc độ cao");
        assert_eq!(a["items"][0]["original_cost"], 24_000_000, "Số lượng × Đơn giá");
        assert_eq!(a["items"][0]["kind"], "huu_hinh");
    })
    .await;
}

#[tokio::test]
async fn a_file_full_of_mistakes() {
    each_backend(|app: TestApp| async move {
        let before = app.asset_count();
        let r = run(&app, "loi.xlsx", &Options::default(), false).unwrap();
        assert!(!r.saved, "strict: nothing saved while any row is wrong");
        assert_eq!(app.asset_count(), before);
        let (_, log) = app.get("/api/v1/activity?action=import").await;
        assert_eq!(log["total"], 1, "the refused import is on record");
        assert!(log["items"][0]["after_json"].as_str().unwrap().contains("rejected"));
        assert_eq!((r.counts.error, r.counts.create), (7, 1), "{:#?}", r.rows);
        let errors_of = |row: u32| r.rows.iter().find(|x| x.excel_row == row).unwrap().errors.clone();
        let e = errors_of(9);
        assert_eq!(e[0].column, "Đơn vị quản lý");
        assert_eq!(e[0].value, "Trung tam Ung dung");
        assert!(e[0].message.contains("gần nhất: Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"), "{e:?}");
        assert!(errors_of(10)[0].message.contains("không có trong danh mục"));
        let e = errors_of(11);
        assert!(e.iter().any(|x| x.column == "Ngày tăng" && x.message.contains("không phải ngày hợp lệ")), "{e:?}");
        assert!(e.iter().any(|x| x.column == "Nguyên giá / Nguồn NSNN" && x.value == "một trăm triệu"), "{e:?}");
        assert!(errors_of(12)[0].message.contains("không phải số nguyên đồng"));
        assert!(errors_of(13)[0].message.contains("trùng với dòng 9"));
        assert!(
            errors_of(14).iter().any(|x| x.message.contains("«Tên tài sản» không được để trống")),
            "{:?}",
            errors_of(14)
        );
        assert!(errors_of(15).iter().any(|x| x.column == "Số lượng"), "{:?}", errors_of(15));
        // Valid rows only: the one good row is saved, the rest reported.
        let r = run(&app, "loi.xlsx", &Options { strict: false, ..Options::default() }, false).unwrap();
        assert!(r.saved);
        assert_eq!(app.asset_count(), before + 1);
    })
    .await;
}

#[tokio::test]
async fn modes_and_unit_scope() {
    each_backend(|app: TestApp| async move {
        let r =
            run(&app, "so-tai-san-lon-xon.xlsx", &Options { mode: Mode::Update, ..Options::default() }, true).unwrap();
        assert_eq!(r.counts.error, 4, "update only: none of these codes exist yet");
        run(&app, "so-tai-san-lon-xon.xlsx", &Options { mode: Mode::Create, ..Options::default() }, false).unwrap();
        let r = run(
            &app,
            "so-tai-san-lon-xon.xlsx",
            &Options { mode: Mode::Create, allow_duplicate: true, ..Options::default() },
            true,
        )
        .unwrap();
        assert_eq!(r.counts.error, 4, "create only: all exist now");
        // Staff of the Center cannot import the office's assets, row by row.
        let bytes = sample("vni.xlsx");
        let center = Scope { unit: Some(1), read_units: None, edit_units: Some(vec![1]) };
        let r = app
            .db
            .write_or_rollback(|c| {
                import::run(c, &Actor("x".into()), &center, "vni.xlsx", &bytes, &Options::default(), true)
            })
            .unwrap();
        assert_eq!(r.counts.error, 3);
        assert!(r.rows.iter().flat_map(|x| x.errors.iter()).all(|e| e.message.contains("đơn vị mình")));
    })
    .await;
}

#[test]
fn broken_files_get_clear_refusals() {
    let app = TestApp::sqlite();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("rong.xlsx", vec![], "rỗng"),
        ("cat-cut.xlsx", sample("khamlasan.xlsx")[..3000].to_vec(), "hỏng"),
        ("gia.xlsx", b"day khong phai bang tinh".to_vec(), "không phải bảng tính"),
        ("khong-co-bang.csv", b"a;b\n1;2\n".to_vec(), "Không tìm thấy dòng tiêu đề"),
    ];
    for (name, bytes, expected) in cases {
        let e = app
            .db
            .write_or_rollback(|c| {
                import::run(c, &Actor("x".into()), &Scope::ALL, name, &bytes, &Options::default(), true)
            })
            .unwrap_err();
        assert!(e.to_string().contains(expected), "{name}: {e}");
    }
}

#[tokio::test]
async fn an_import_is_undone_while_nothing_changed_since() {
    each_backend(|app: TestApp| async move {
        let first = run(&app, "so-tai-san-lon-xon.xlsx", &Options::default(), false).unwrap();
        assert_eq!(app.asset_count(), 4);
        let actor = Actor("test".into());
        let (d, r) = app.db.write_sync(|c| import::undo(c, &actor, &Scope::ALL, first.import_id.unwrap())).unwrap();
        assert_eq!((d, r), (4, 0));
        assert_eq!(app.asset_count(), 0);
        assert!(app.db.write_sync(|c| import::undo(c, &actor, &Scope::ALL, first.import_id.unwrap())).is_err(), "once");
        // An update import is undone by putting the old values back; refused once an asset moved on.
        run(&app, "so-tai-san-lon-xon.xlsx", &Options { allow_duplicate: true, ..Options::default() }, false).unwrap();
        let (_, a) = app.get("/api/v1/assets?q=HC-001").await;
        let id = a["items"][0]["id"].as_i64().unwrap();
        assert_eq!(
            app.put(&format!("/api/v1/assets/{id}"), json!({"version": 1, "name": "Máy photocopy A3 (đã đổi tên)"}))
                .await
                .0,
            axum::http::StatusCode::OK
        );
        let upd = run(&app, "so-tai-san-lon-xon.xlsx", &Options { allow_duplicate: true, ..Options::default() }, false)
            .unwrap();
        assert_eq!((upd.counts.update, upd.counts.unchanged), (1, 3), "{:#?}", upd.rows);
        assert_eq!(app.get(&format!("/api/v1/assets/{id}")).await.1["name"], "Máy photocopy khổ A3");
        app.db.write_sync(|c| import::undo(c, &actor, &Scope::ALL, upd.import_id.unwrap())).unwrap();
        assert_eq!(app.get(&format!("/api/v1/assets/{id}")).await.1["name"], "Máy photocopy A3 (đã đổi tên)");
        let again =
            run(&app, "so-tai-san-lon-xon.xlsx", &Options { allow_duplicate: true, ..Options::default() }, false)
                .unwrap();
        let v = app.get(&format!("/api/v1/assets/{id}")).await.1["version"].clone();
        app.put(&format!("/api/v1/assets/{id}"), json!({"version": v, "location": "Kho"})).await;
        let e = app.db.write_sync(|c| import::undo(c, &actor, &Scope::ALL, again.import_id.unwrap())).unwrap_err();
        assert!(e.to_string().contains("đã được sửa"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn errors_workbook_template_and_remembered_mapping() {
    use calamine::{Reader, Xlsx};
    each_backend(|app: TestApp| async move {
        let report = run(&app, "loi.xlsx", &Options::default(), true).unwrap();
        let out = import::errors_workbook(&report).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(out)).unwrap();
        let range = wb.worksheet_range("Dòng lỗi").unwrap();
        assert_eq!(range.get_size().0, 1 + 7, "header and the seven bad rows");
        let last = range.get_size().1 - 1;
        assert_eq!(range.get((0, last)).unwrap().to_string(), "Lỗi cần sửa");
        assert!(range.get((1, last)).unwrap().to_string().contains("Dòng 9 gốc, cột «Đơn vị quản lý»"));
        assert_eq!(range.get((0, 8)).unwrap().to_string(), "Nguyên giá / Nguồn NSNN");
        // The template has the columns the import reads, and the lists to choose from.
        let tpl = app.db.read_sync(import::template).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(tpl.clone())).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Sổ tài sản", "Danh mục", "Hướng dẫn"]);
        let lists = wb.worksheet_range("Danh mục").unwrap();
        assert!(lists.rows().any(|r| r[1] == "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"));
        let sheets = taisan::excel::read(&tpl, "mau.xlsx", &Default::default()).unwrap();
        let table = taisan::import::table::find(&sheets, None, import::spec()).unwrap();
        assert_eq!(table.sheet, "Sổ tài sản");
        assert!(table.columns.iter().all(|c| c.field.is_some()), "{:?}", table.columns);
        // A corrected mapping is remembered for the next file of the same layout.
        let mut corrected = Options::default();
        corrected.mapping.insert(11, None);
        let saved = run(&app, "so-tai-san-lon-xon.xlsx", &corrected, false).unwrap();
        assert!(saved.saved && !saved.detail.remembered_mapping);
        let next = run(&app, "so-tai-san-lon-xon.xlsx", &Options { allow_duplicate: true, ..Options::default() }, true)
            .unwrap();
        assert!(next.detail.remembered_mapping);
        assert_eq!(next.columns[11].field, None);
    })
    .await;
}

/// A workbook-shaped zip whose worksheet inflates a thousandfold: refused before it is inflated.
#[test]
fn a_zip_bomb_is_refused_and_nothing_is_inflated() {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", opts).unwrap();
        zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..20 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let bytes = buf.into_inner();
    assert!(bytes.len() < 200 * 1024);
    let e = taisan::excel::read(&bytes, "bom.xlsx", &Default::default()).unwrap_err();
    assert!(e.to_string().contains("bom nén"), "{e}");
}

/// A stray cell at the far corner of the sheet and 16,384 filled columns cost nothing: only the
/// cells that exist are read, and columns past the limit are left out.
#[test]
fn far_cells_and_wide_rows_are_read_within_limits() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["X-1", "Máy đo", "MMTB-TN", "TTUD"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number(1, 4, 20_000_000.0).unwrap();
    for c in 0..16_384u16 {
        ws.write_number(5, c, 1.0).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "góc xa").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let sheets = taisan::excel::read(&bytes, "rong.xlsx", &Default::default()).unwrap();
    let widest = sheets[0].rows.iter().map(|(_, c)| c.len()).max().unwrap();
    assert!(widest <= 200, "{widest}");
    let app = TestApp::sqlite();
    let r = import::execute(
        &app.db,
        &Actor("t".into()),
        &Scope::ALL,
        "rong.xlsx",
        &bytes,
        &Options { strict: false, ..Options::default() },
        true,
    )
    .unwrap();
    assert_eq!(r.counts.create, 1, "{:#?}", r.rows.iter().filter(|x| x.outcome != Outcome::Skip).collect::<Vec<_>>());
}

/// A sheet typed by two hands: names in the TCVN3 font .VnTime, notes in Unicode Arial. Each cell
/// is read by its own font, which no guess over the whole sheet could do.
#[tokio::test]
async fn each_cell_is_read_in_the_encoding_of_its_font() {
    use rust_xlsxwriter::{Format, Workbook};
    each_backend(|app: TestApp| async move {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let vntime = Format::new().set_font_name(".VnTime");
        for (c, h) in
            ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá", "Ghi chú"].iter().enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        // "Máy tính xách tay" and "Bàn họp" as a .VnTime keyboard stores them.
        let rows =
            [("FT-1", "M\u{B8}y t\u{DD}nh x\u{B8}ch tay", "Đang dùng tốt"), ("FT-2", "B\u{B5}n h\u{E4}p", "Mới")];
        for (i, (code, name, note)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, *code).unwrap();
            ws.write_string_with_format(r, 1, *name, &vntime).unwrap();
            ws.write_string(r, 2, "MMTB-VP").unwrap();
            ws.write_string(r, 3, "TTUD").unwrap();
            ws.write_number(r, 4, 15_000_000.0).unwrap();
            ws.write_string(r, 5, *note).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let r = import::execute(
            &app.db,
            &Actor("test".into()),
            &Scope::ALL,
            "hai-phong-chu.xlsx",
            &bytes,
            &Options::default(),
            false,
        )
        .unwrap();
        assert_eq!(r.detail.encoding, "TCVN3 (ABC)");
        assert_eq!(r.counts.create, 2, "{:#?}", r.rows);
        let names: Vec<_> = r.rows.iter().map(|x| x.name.clone().unwrap()).collect();
        assert_eq!(names, ["Máy tính xách tay", "Bàn họp"]);
        let (_, a) = app.get("/api/v1/assets?q=FT-1").await;
        assert_eq!(a["items"][0]["notes"], "Đang dùng tốt", "Unicode cells are left as they are");
    })
    .await;
}

/// A workbook of one sheet «Sổ» from rows of text and numbers (empty text: no cell).
fn workbook(rows: &[Vec<serde_json::Value>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Sổ").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v {
                serde_json::Value::Number(n) => {
                    ws.write_number(r as u32, c as u16, n.as_f64().unwrap()).unwrap();
                }
                serde_json::Value::String(s) if !s.is_empty() => {
                    ws.write_string(r as u32, c as u16, s).unwrap();
                }
                _ => {}
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The register that lost half its rows before: names that fold to «cong», a category that begins
/// with «Công», a note with a date in it, a row of small even numbers. Strict mode, six assets in.
#[tokio::test]
async fn names_that_fold_to_cong_and_notes_with_dates_are_data() {
    each_backend(|app: TestApp| async move {
        let header = ["STT", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Số lượng", "Nguyên giá", "Ghi chú"];
        let mut rows: Vec<Vec<serde_json::Value>> =
            vec![vec![json!("DANH MỤC TÀI SẢN KHU THÍ NGHIỆM")], vec![], header.iter().map(|h| json!(h)).collect()];
        for (i, (name, cat, qty, cost, note)) in [
            ("Cổng và tường rào khu thí nghiệm", "VKT-01", 1, 350_000_000, ""),
            ("Công trình nhà lưới", "VKT-01", 1, 620_000_000, "Nghiệm thu ngày 18 tháng 2 năm 2022"),
            ("Cống thoát nước", "VKT-01", 1, 95_000_000, ""),
            ("Công cụ, dụng cụ phòng thí nghiệm", "HHK-01", 4, 40_000_000, ""),
            ("Tổng kho vật tư", "NHA-C4", 1, 410_000_000, ""),
            ("Cân phân tích", "MMTB-TN", 4, 6, "Cộng hòa Séc sản xuất"),
        ]
        .iter()
        .enumerate()
        {
            // The last row's number, quantity and cost run 2, 4, 6: it is not the numbering row.
            let stt = if i == 5 { 2 } else { i + 1 };
            rows.push(vec![json!(stt), json!(name), json!(cat), json!("TTUD"), json!(qty), json!(cost), json!(note)]);
        }
        let bytes = workbook(&rows);
        let run_with = |strict: bool, preview: bool, bytes: &[u8], duplicates: import::Duplicates| {
            import::execute(
                &app.db,
                &Actor("test".into()),
                &Scope::ALL,
                "khu-thi-nghiem.xlsx",
                bytes,
                &Options { strict, allow_duplicate: true, duplicates, ..Options::default() },
                preview,
            )
            .unwrap()
        };
        // The rows are in the register from here on: they would be possible duplicates.
        let run =
            |strict: bool, preview: bool, bytes: &[u8]| run_with(strict, preview, bytes, import::Duplicates::Skip);
        let r = run(true, false, &bytes);
        assert!(r.saved);
        assert_eq!((r.counts.create, r.counts.skip, r.counts.error), (6, 0, 0), "{:#?}", r.rows);
        assert_eq!(r.rows_read, 6);
        assert_eq!(app.asset_count(), 6);

        // A «Cộng» whose figure adds up nothing: a warning, and a strict import stops on it.
        let mut wrong = rows.clone();
        wrong.push(vec![json!(""), json!("Cộng"), json!(""), json!(""), json!(""), json!(999)]);
        let bytes = workbook(&wrong);
        let strict = run(true, false, &bytes);
        assert!(!strict.saved);
        assert_eq!((strict.counts.error, strict.counts.warning, strict.rows_read), (1, 1, 7));
        assert_eq!(app.asset_count(), 6, "nothing saved");
        let loose = run(false, true, &bytes);
        let warned: Vec<_> = loose.rows.iter().filter(|r| r.warning).collect();
        assert_eq!(warned.len(), 1);
        assert_eq!((warned[0].excel_row, warned[0].outcome), (10, Outcome::Skip));
        assert!(warned[0].reason.as_ref().unwrap().contains("không bằng tổng"));
        assert_eq!(loose.counts.total(), loose.rows_read);

        // The same «Cộng» with the right figure is a subtotal, no warning.
        let mut right = rows.clone();
        right.push(vec![json!(""), json!("Cộng"), json!(""), json!(""), json!(12), json!(1_515_000_006i64)]);
        let ok = run(true, true, &workbook(&right));
        assert_eq!((ok.counts.create, ok.counts.skip, ok.counts.warning), (0, 7, 0));

        // The same rows again, asked: each is a possible duplicate, shown beside the asset it may be.
        let asked = run_with(true, true, &workbook(&rows), import::Duplicates::Ask);
        assert_eq!((asked.counts.error, asked.counts.create), (6, 0), "{:#?}", asked.rows);
        let first = asked.rows.iter().find(|r| r.excel_row == 4).unwrap();
        let twin = first.duplicate_of.as_ref().unwrap();
        assert_eq!(
            (twin.name.as_deref(), twin.original_cost),
            (Some("Cổng và tường rào khu thí nghiệm"), Some(350_000_000))
        );
        assert!(first.errors[0].message.contains("có thể trùng với tài sản"), "{:?}", first.errors);
        let values = first.values.as_ref().unwrap();
        assert_eq!(
            (values.unit.as_str(), values.category.as_str(), values.original_cost),
            ("TTUD", "VKT-01", Some(350_000_000))
        );
        // Chosen: update the asset already there, or create another anyway.
        let updated = run_with(true, true, &workbook(&rows), import::Duplicates::Update);
        assert_eq!((updated.counts.unchanged, updated.counts.create), (6, 0));
        let created = run_with(true, true, &workbook(&rows), import::Duplicates::Create);
        assert_eq!(created.counts.create, 6);
    })
    .await;
}

/// The demo's register holds the cassava task's assets; its sample without codes imported again is
/// seen for what it is: the same assets, not new ones.
#[tokio::test]
async fn a_register_without_codes_imported_again_creates_no_duplicates() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let before = app.asset_count();
        let asked = run(&app, "khamlasan.xlsx", &Options::default(), false).unwrap();
        assert!(!asked.saved, "possible duplicates stop a strict import");
        assert!(asked.counts.duplicate >= 1, "{:#?}", asked.rows);
        assert_eq!(asked.counts.error, asked.counts.duplicate);
        assert_eq!(app.asset_count(), before);
        let skip = Options { duplicates: import::Duplicates::Skip, allow_duplicate: true, ..Options::default() };
        let skipped = run(&app, "khamlasan.xlsx", &skip, false).unwrap();
        assert!(skipped.saved);
        assert_eq!(app.asset_count(), before + skipped.counts.create as i64);
        assert_eq!(skipped.counts.create + skipped.counts.duplicate, 6, "{:#?}", skipped.rows);
        eprintln!("demo + khamlasan.xlsx: {} possible duplicates of 6 rows", skipped.counts.duplicate);
    })
    .await;
}

fn unit(app: &TestApp, code: &str) -> i32 {
    let code = code.to_string();
    app.db.read_sync(move |c| taisan::rules::unit_id_by_code(c, &code)).unwrap()
}

fn category(app: &TestApp, code: &str) -> i32 {
    let code = code.to_string();
    app.db.read_sync(move |c| taisan::rules::category_id_by_code(c, &code)).unwrap()
}

/// The Center's register names its own sections and places in «Bộ phận sử dụng»: the preview
/// groups them, the person chooses, the sections become units under the Center, the choice is
/// remembered for the layout, and the Center's staff reach what its sections hold.
#[tokio::test]
async fn a_register_naming_the_units_own_sections_gets_in_without_editing_the_file() {
    use import::NameChoice::{Location, Section};
    each_backend(|app: TestApp| async move {
        let center = unit(&app, "TTUD");
        let file = "so-tai-san-trung-tam.xlsx";
        let options = Options { default_unit: Some(center), ..Options::default() };
        let preview = run(&app, file, &options, true).unwrap();
        let names: Vec<(String, usize, Vec<u32>)> =
            preview.detail.unknown_names.iter().map(|u| (u.name.clone(), u.rows, u.first_rows.clone())).collect();
        assert_eq!(
            names,
            [
                ("Phòng thí nghiệm".to_string(), 2, vec![7, 8]),
                ("Bộ phận đo lường".to_string(), 2, vec![9, 10]),
                ("Trại thực nghiệm".to_string(), 2, vec![11, 15]),
                ("Văn phòng Trung tâm".to_string(), 1, vec![12]),
            ]
        );
        let c = &preview.counts;
        assert_eq!((c.create, c.error, c.skip, preview.rows_read), (0, 7, 7, 14), "{:?}", outcomes(&preview));
        assert!(preview.rows.iter().filter(|r| !r.errors.is_empty()).all(|r| r.errors[0].column == "Bộ phận sử dụng"));
        // The person's choices: three sections of the Center, the office as a place in the Center.
        let chosen = Options {
            names: vec![
                ("Phòng thí nghiệm".into(), Section),
                ("Bộ phận đo lường".into(), Section),
                ("Trại thực nghiệm".into(), Section),
                ("Văn phòng Trung tâm".into(), Location),
            ],
            ..options.clone()
        };
        let shown = run(&app, file, &chosen, true).unwrap();
        assert_eq!((shown.counts.create, shown.counts.error), (7, 0));
        assert_eq!(shown.detail.sections, ["Phòng thí nghiệm", "Bộ phận đo lường", "Trại thực nghiệm"]);
        assert!(app.db.read_sync(|c| taisan::rules::unit_id_by_code(c, "TTUD-BP1")).is_err(), "a preview makes none");
        let done = run(&app, file, &chosen, false).unwrap();
        assert!(done.saved);
        assert_eq!(done.counts.create, 7);
        let (lab, meter, farm) = (unit(&app, "TTUD-BP1"), unit(&app, "TTUD-BP2"), unit(&app, "TTUD-BP3"));
        let (_, units) = app.get("/api/v1/units?per_page=100").await;
        let lab_unit = units["items"].as_array().unwrap().iter().find(|u| u["id"] == lab).unwrap().clone();
        assert_eq!(lab_unit["name"], "Phòng thí nghiệm");
        assert_eq!(lab_unit["kind"], "bo_phan");
        assert_eq!(lab_unit["parent_id"], center);
        let (_, office) = app.get("/api/v1/assets?q=may%20vi%20tinh").await;
        assert_eq!(office["items"][0]["unit_id"], center);
        assert_eq!(office["items"][0]["location"], "Văn phòng Trung tâm");
        let (_, farm_assets) = app.get(&format!("/api/v1/assets?unit_id={farm}")).await;
        assert_eq!(farm_assets["total"], 2, "{farm_assets}");
        // The choice is remembered for this layout: the next file of it gets in as chosen.
        let again = Options { allow_duplicate: true, duplicates: import::Duplicates::Create, ..options.clone() };
        let next = run(&app, file, &again, true).unwrap();
        assert!(
            next.detail.unknown_names.is_empty() && next.detail.remembered_names,
            "{:?}",
            next.detail.unknown_names
        );
        assert_eq!((next.counts.create, next.counts.error), (7, 0));
        // The scope follows the tree: the Center's staff reach its sections' assets; a section's
        // staff reach their own only.
        app.add_user("trungtam", "don_vi", Some("TTUD"));
        app.add_user("phongtn", "don_vi", Some("TTUD-BP1"));
        app.act_as(common::Caller::Token(app.token_for("trungtam")));
        let (_, seen) = app.get("/api/v1/assets?per_page=100").await;
        assert_eq!(seen["total"], 7, "{seen}");
        app.act_as(common::Caller::Token(app.token_for("phongtn")));
        let (_, seen) = app.get("/api/v1/assets?per_page=100").await;
        assert_eq!(seen["total"], 2, "{seen}");
        let (s, _) = app.get(&format!("/api/v1/assets?unit_id={meter}")).await;
        assert_eq!(s, axum::http::StatusCode::OK);
        let (_, other) = app.get(&format!("/api/v1/assets?unit_id={meter}")).await;
        assert_eq!(other["total"], 0, "another section's assets stay out of reach: {other}");
    })
    .await;
}

/// A task's list of what it bought gives no category: each row is offered one guessed from its
/// name, nothing is saved on a guess until the person confirms, and one category may serve the rows
/// nothing was guessed for.
#[tokio::test]
async fn a_task_list_without_categories_is_offered_guesses_never_saved_unseen() {
    each_backend(|app: TestApp| async move {
        let file = "danh-muc-tai-san-nhiem-vu.xlsx";
        let options = Options { default_unit: Some(unit(&app, "TTUD")), ..Options::default() };
        let preview = run(&app, file, &options, true).unwrap();
        let guesses: Vec<(String, usize)> =
            preview.detail.guesses.iter().map(|g| (g.category.clone(), g.rows)).collect();
        assert_eq!(
            guesses,
            [
                ("60101 — Máy vi tính để bàn".to_string(), 1),
                ("60103 — Máy in".to_string(), 1),
                ("MMTB-TN — Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng".to_string(), 4),
                ("60112 — Máy điều hòa không khí".to_string(), 1),
            ]
        );
        let c = &preview.counts;
        assert_eq!((c.create, c.error, preview.rows_read), (0, 8, 11));
        let row = |r: &Report, n: u32| r.rows.iter().find(|x| x.excel_row == n).unwrap().clone();
        assert!(row(&preview, 7).errors[0].message.contains("đoán theo tên là «MMTB-TN"), "{:?}", row(&preview, 7));
        assert!(row(&preview, 11).errors[0].message.contains("«Nhóm tài sản» không được để trống"));
        // Confirmed: the seven guessed rows go in, the one without a guess still waits.
        let confirmed = Options { accept_guesses: true, ..options.clone() };
        let r = run(&app, file, &confirmed, true).unwrap();
        assert_eq!((r.counts.create, r.counts.error), (7, 1));
        assert_eq!(row(&r, 5).guessed.as_deref(), Some("60101 — Máy vi tính để bàn"));
        // With one category for the rest, everything goes in.
        let lab = category(&app, "MMTB-TN");
        let all = Options { accept_guesses: true, default_category: Some(lab), ..options.clone() };
        let r = run(&app, file, &all, false).unwrap();
        assert!(r.saved);
        assert_eq!(r.counts.create, 8);
        let (_, printer) = app.get("/api/v1/assets?q=may%20in%20laser").await;
        assert_eq!(printer["items"][0]["category_id"], category(&app, "60103"));
        assert_eq!(printer["items"][0]["original_cost"], 12_900_000);
        let (_, kit) = app.get("/api/v1/assets?q=tach%20chiet").await;
        assert_eq!(kit["items"][0]["category_id"], lab);
        let (_, cooler) = app.get("/api/v1/assets?q=dieu%20hoa").await;
        assert_eq!(
            (cooler["items"][0]["quantity"].clone(), cooler["items"][0]["original_cost"].clone()),
            (json!(2), json!(31_000_000))
        );
    })
    .await;
}

/// An import is one event in the history that commits to its rows' records (a Merkle root); each
/// asset's creation is still in its history and the activity, and `verify` names the import and
/// the row when a record is altered, removed or reordered — or its hashes recomputed.
#[tokio::test]
async fn an_import_is_one_event_over_its_rows_and_verify_names_a_tampered_row() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use taisan::audit::ChainStatus;
    use taisan::db::schema::import_rows;
    use taisan::import::rows::RowRecord;
    each_backend(|app: TestApp| async move {
        app.post("/api/v1/tasks", json!({"code": "ĐTNN-03/2021", "title": "Khảm lá sắn", "host_org": "Trung tâm"}))
            .await;
        let base = app.audit_count();
        let done = run(&app, "khamlasan.xlsx", &Options::default(), false).unwrap();
        let id = done.import_id.unwrap();
        assert_eq!(app.audit_count(), base + 1, "one event for the import, none per asset");
        let (_, log) = app.get("/api/v1/activity?action=import").await;
        let after: serde_json::Value = serde_json::from_str(log["items"][0]["after_json"].as_str().unwrap()).unwrap();
        assert_eq!(after["rows"], 14, "every row of the file, data or not, is committed to");
        assert_eq!(after["rows_root"].as_str().unwrap().len(), 64);
        // The activity and its export still list each creation, with its file and row.
        let (_, created) = app.get("/api/v1/activity?entity=asset&action=create").await;
        assert_eq!(created["total"], 6, "{created}");
        let first = &created["items"][0];
        assert_eq!((first["actor"].as_str(), first["import_id"].as_i64()), (Some("test"), Some(id as i64)));
        assert_eq!(first["file_name"], "khamlasan.xlsx");
        let text = common::workbook_text(&app.download("/nhat-ky/xuat-excel?entity=asset&action=create").await);
        assert!(text.contains("tệp «khamlasan.xlsx», dòng"), "{text}");
        // An asset's history shows its creation: by whom, from which file and row, with the values.
        let rows: Vec<RowRecord> = app
            .db
            .read_sync(move |c| {
                Ok(import_rows::table
                    .filter(import_rows::import_id.eq(id))
                    .order(import_rows::position)
                    .select(RowRecord::as_select())
                    .load(c)?)
            })
            .unwrap();
        let sprayer = rows.iter().find(|r| r.after_json.as_deref().is_some_and(|a| a.contains("phun"))).unwrap();
        let (_, history) = app.get(&format!("/api/v1/assets/{}/history", sprayer.asset_id.unwrap())).await;
        let creation = &history["items"][0];
        assert_eq!((creation["action"].as_str(), creation["actor"].as_str()), (Some("create"), Some("test")));
        assert_eq!(creation["excel_row"], sprayer.excel_row);
        assert!(creation["after_json"].as_str().unwrap().contains("phun"));
        let (_, page) = app.page(&format!("/tai-san/{}", sprayer.asset_id.unwrap()), false).await;
        assert!(page.contains(&format!("từ tệp «khamlasan.xlsx», dòng {}", sprayer.excel_row)), "{page}");
        assert!(matches!(app.db.read_sync(taisan::audit::verify).unwrap(), ChainStatus::Intact { .. }));

        let verify = |app: &TestApp| match app.db.read_sync(taisan::audit::verify).unwrap() {
            ChainStatus::Broken { row: Some(row), reason, .. } => (row, reason),
            other => panic!("not caught: {other:?}"),
        };
        let sql = |app: &TestApp, sql: String| app.db.write_sync(move |c| Ok(c.batch_execute(&sql)?)).unwrap();
        // Altered: the sprayer's cost in its record.
        let r = sprayer.excel_row;
        sql(&app, format!("UPDATE import_rows SET after_json = replace(after_json, 'phun', 'PHUN') WHERE import_id = {id} AND excel_row = {r}"));
        let (row, reason) = verify(&app);
        assert_eq!((row.import_id, row.excel_row), (id, Some(r)), "{reason}");
        assert!(reason.contains(&format!("lần nhập số {id}")) && reason.contains(&format!("dòng {r}")), "{reason}");
        // The command line says the same.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_taisan"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", &app.url)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && said.contains(&format!("lần nhập số {id}: dòng {r}")), "{said}");
        sql(&app, format!("UPDATE import_rows SET after_json = replace(after_json, 'PHUN', 'phun') WHERE import_id = {id} AND excel_row = {r}"));
        assert!(matches!(app.db.read_sync(taisan::audit::verify).unwrap(), ChainStatus::Intact { .. }), "restored");
        // Reordered: two records swap places.
        let (a, b) = (&rows[2], &rows[3]);
        let swap = |x: i32, y: i32| {
            format!(
                "UPDATE import_rows SET position = -1 WHERE import_id = {id} AND position = {x}; \
                 UPDATE import_rows SET position = {x} WHERE import_id = {id} AND position = {y}; \
                 UPDATE import_rows SET position = {y} WHERE import_id = {id} AND position = -1;"
            )
        };
        let (pa, pb) = (a.position.unwrap(), b.position.unwrap());
        sql(&app, swap(pa, pb));
        let (row, reason) = verify(&app);
        assert_eq!(row.excel_row, Some(b.excel_row), "the record now first of the two: {reason}");
        assert!(reason.contains("đổi chỗ"), "{reason}");
        sql(&app, swap(pa, pb));
        // Removed: a record deleted.
        sql(&app, format!("DELETE FROM import_rows WHERE import_id = {id} AND position = {pa}"));
        let (row, reason) = verify(&app);
        assert!(reason.contains(&format!("dòng thứ {pa} của lần nhập đã bị xóa")), "{reason}");
        assert_eq!(row.excel_row, Some(b.excel_row), "named by the record after it: {reason}");
        // Put back, the chain holds again.
        app.db
            .write_sync({
                let a = a.clone();
                move |c| {
                    diesel::insert_into(import_rows::table).values(&a).execute(c)?;
                    Ok(())
                }
            })
            .unwrap();
        assert!(matches!(app.db.read_sync(taisan::audit::verify).unwrap(), ChainStatus::Intact { .. }), "put back");
        // Recomputed: a record altered with its hash made again still breaks the root.
        let mut forged = sprayer.clone();
        forged.after_json = forged.after_json.map(|a| a.replace("phun", "PHUN"));
        let forged_hash = taisan::text::hex(&forged.leaf());
        sql(&app, format!(
            "UPDATE import_rows SET after_json = replace(after_json, 'phun', 'PHUN'), row_hash = '{forged_hash}' WHERE import_id = {id} AND excel_row = {r}"
        ));
        let (row, reason) = verify(&app);
        assert_eq!(row.import_id, id);
        assert!(reason.contains("gốc Merkle không khớp"), "{reason}");
    })
    .await;
}

/// The totals kept beside the register equal the sums over its rows, for every combination of the
/// common filters the register holds, after every kind of write: an import, new assets, edits of
/// cost, unit and status, a deletion, the import undone, the year-end wear.
#[tokio::test]
async fn the_kept_totals_equal_the_rows_after_every_kind_of_write() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use taisan::assets::{totals, totals_over_rows, AssetFilter};
    use taisan::db::schema::assets;
    fn agree(app: &TestApp) -> usize {
        app.db
            .read_sync(|c| {
                // The filters come from what the register holds, each alone and a few together.
                let combos: Vec<(i32, i32, i32, String, Option<i32>)> = assets::table
                    .select((
                        assets::unit_id,
                        assets::category_id,
                        assets::class_id,
                        assets::status,
                        assets::acquired_year,
                    ))
                    .distinct()
                    .load(c)?;
                let mut filters = vec![json!({}), json!({"include_written_down": "1"})];
                for (unit, category, class, status, year) in combos {
                    filters.push(json!({"unit_id": unit}));
                    filters.push(json!({"category_id": category, "class_id": class}));
                    filters.push(json!({"status": status, "unit_id": unit}));
                    filters.push(json!({"year": year.unwrap_or(2000), "kind": "huu_hinh"}));
                }
                for f in &filters {
                    let filter = AssetFilter::read(&mut taisan::input::Input::from_json(f.clone())?, &Scope::ALL);
                    assert_eq!(totals(c, &filter)?, totals_over_rows(c, &filter)?, "{f}");
                }
                Ok(filters.len())
            })
            .unwrap()
    }
    each_backend(|app: TestApp| async move {
        app.post("/api/v1/tasks", json!({"code": "ĐTNN-03/2021", "title": "Khảm lá sắn", "host_org": "Trung tâm"}))
            .await;
        assert!(agree(&app) >= 2);
        let done = run(&app, "khamlasan.xlsx", &Options::default(), false).unwrap();
        assert!(agree(&app) > 2, "the import's assets are in the totals");
        let a =
            app.asset(json!({"name": "Máy đo pH để bàn", "cost_state": 45_000_000, "acquired_on": "2019-05-02"})).await;
        let b = app.asset(json!({"name": "Tủ sấy", "cost_state": 120_000_000, "acquired_on": "2021-11-20"})).await;
        agree(&app);
        let (s, _) = app
            .put(&format!("/api/v1/assets/{}", a["id"]), json!({"cost_state": 47_500_000, "version": a["version"]}))
            .await;
        assert!(s.is_success(), "{s}");
        let (s, _) = app
            .put(&format!("/api/v1/assets/{}", b["id"]), json!({"status": "hong_cho_xu_ly", "version": b["version"]}))
            .await;
        assert!(s.is_success(), "{s}");
        let (s, _) = app.put(&format!("/api/v1/assets/{}", b["id"]), json!({"location": "Kho", "version": 2})).await;
        assert!(s.is_success(), "an edit that changes no total: {s}");
        agree(&app);
        let (s, _) = app.delete(&format!("/api/v1/assets/{}", a["id"])).await;
        assert!(s.is_success(), "{s}");
        agree(&app);
        let actor = Actor("test".into());
        app.db.write_sync(|c| import::undo(c, &actor, &Scope::ALL, done.import_id.unwrap())).unwrap();
        agree(&app);
        app.db.write_sync(|c| taisan::assets::refresh_wear(c, true)).unwrap();
        agree(&app);
        // Many small changes, each its own statement: PostgreSQL folds them as they pile up.
        let id = b["id"].as_i64().unwrap();
        let many = format!("UPDATE assets SET residual_value = residual_value + 1 WHERE id = {id};").repeat(5_100);
        app.db.write_sync(move |c| Ok(c.batch_execute(&many)?)).unwrap();
        agree(&app);
        let waiting: i64 = app
            .db
            .read_sync(|c| Ok(taisan::db::schema::register_totals_changes::table.count().get_result(c)?))
            .unwrap();
        assert!(waiting < 5_000, "{waiting} changes waiting to be folded");
        // The totals line does read the kept totals: a kept figure altered shows.
        app.db
            .write_sync(|c| Ok(c.batch_execute("UPDATE register_totals SET original_cost = original_cost + 1")?))
            .unwrap();
        let (_, page) = app.get("/api/v1/assets").await;
        let over_rows = app
            .db
            .read_sync(|c| {
                let filter = AssetFilter::read(&mut taisan::input::Input::from_json(json!({}))?, &Scope::ALL);
                totals_over_rows(c, &filter)
            })
            .unwrap();
        assert_ne!(page["total_original_cost"].as_i64(), Some(over_rows.1));
    })
    .await;
}
