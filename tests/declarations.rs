//! Declaring to the national public-asset database: what each asset declares (checked per class,
//! kept in its history, scoped to its unit) and the declaration reports 04a, 04b and 04c read back
//! with calamine — titles, columns, a known asset's row, totals, the money unit — on both databases.

mod common;

use axum::http::StatusCode;
use calamine::{Data, DataType, Reader, Xlsx};
use common::{each_backend, Caller, TestApp};
use serde_json::{json, Value};

/// Every row of a sheet, as cells.
fn rows_of(bytes: &[u8], sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.worksheet_range(sheet).unwrap().rows().map(|r| r.to_vec()).collect()
}

fn sheets_of(bytes: &[u8]) -> Vec<String> {
    let wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.sheet_names()
}

fn text(row: &[Data]) -> String {
    row.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")
}

/// The row whose cells hold `needle`, and the numbers of its cells from `first` on.
fn row_with<'a>(rows: &'a [Vec<Data>], needle: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.iter().any(|c| c.to_string().contains(needle)))
        .unwrap_or_else(|| panic!("no row with «{needle}»: {:#?}", rows.iter().map(|r| text(r)).collect::<Vec<_>>()))
}

/// The form's closing «Tổng cộng» row (the header has a «Tổng cộng» column too).
fn total_row(rows: &[Vec<Data>]) -> &[Data] {
    rows.iter().rev().find(|r| r.iter().any(|c| *c == "Tổng cộng")).expect("a total row")
}

fn num(row: &[Data], i: usize) -> f64 {
    row[i].as_f64().unwrap_or_else(|| panic!("cell {i} of {} is not a number", text(row)))
}

async fn asset_id(app: &TestApp, name: &str) -> i64 {
    let q = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>();
    let (s, list) = app.get(&format!("/api/v1/assets?q={q}&per_page=50")).await;
    assert_eq!(s, StatusCode::OK);
    list["items"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no {name}"))["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_centers_declaration_forms_read_back() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let center = app.id_of("units", "TTUD").await;
        let today = taisan::text::format_date(taisan::text::today());
        let form = |code: &str, extra: &str| {
            format!("/api/v1/declarations/forms/{code}?unit_id={center}&as_of={today}{extra}")
        };

        // 04a: one sheet per land lot; the lot's lines, its two houses on it, its papers.
        let bytes = app.download(&form("04a", "")).await;
        assert_eq!(sheets_of(&bytes), vec!["Khu đất 1".to_string()]);
        let rows = rows_of(&bytes, "Khu đất 1");
        let all: Vec<String> = rows.iter().map(|r| text(r)).collect();
        let has = |s: &str| all.iter().any(|t| t.contains(s));
        assert!(has("Mẫu số 04a-ĐK/TSC"), "{all:#?}");
        assert!(has("BÁO CÁO KÊ KHAI TRỤ SỞ LÀM VIỆC, CƠ SỞ HOẠT ĐỘNG SỰ NGHIỆP"));
        assert!(has("Cơ quan quản lý cấp trên: Sở Khoa học và Công nghệ tỉnh Quảng Ngãi"));
        assert!(has("Cơ quan, tổ chức, đơn vị sử dụng tài sản: Trung tâm Ứng dụng và Dịch vụ"));
        assert!(has("Loại hình đơn vị: Đơn vị sự nghiệp công lập"));
        assert!(has(&format!("Thời điểm báo cáo: {today}")));
        assert!(has("b- Diện tích khuôn viên đất: 12.500 m²"));
        assert!(has("c- Hiện trạng sử dụng (m²): Trụ sở làm việc 3.000; Cơ sở hoạt động sự nghiệp 9.000"));
        assert!(has(
            "d- Giá trị theo sổ kế toán (nghìn đồng): Nguồn ngân sách 8.600.000; Nguồn khác 0; Tổng cộng 8.600.000"
        ));
        assert!(has("- Giấy chứng nhận quyền sử dụng đất: Số AĐ 458912, ngày 12/03/2008"));
        assert!(has("- Quyết định giao đất: Số 1234/QĐ-UBND, ngày 20/06/2005"));
        assert!(has("- Quyết định cho thuê đất: không có"));
        assert!(has("☒ Báo cáo kê khai lần đầu") && has("☐ Báo cáo kê khai bổ sung"));
        assert!(has("NGƯỜI LẬP BIỂU|") && has("KẾ TOÁN TRƯỞNG") && has("THỦ TRƯỞNG ĐƠN VỊ"));
        assert!(has("ĐVT: nghìn đồng; m²"));
        // The numbering row: A, then the form's columns 1–18.
        let numbering = rows.iter().find(|r| r[0] == "A").expect("a numbering row");
        assert_eq!(numbering[0].to_string(), "A");
        assert_eq!(numbering[18].to_string(), "18");
        // The lab building: its cost in thousand đồng, floors, areas, its floor given to the service's work.
        let lab = row_with(&rows, "Nhà thí nghiệm");
        assert_eq!(lab[2].to_string(), "Nhà cấp III");
        assert_eq!(num(lab, 5), 3_100_000.0, "3,1 tỷ đồng = 3.100.000 nghìn đồng");
        assert_eq!((num(lab, 9), num(lab, 10), num(lab, 11)), (2.0, 360.0, 720.0));
        assert_eq!(num(lab, 13), 720.0, "HĐSN column");
        let total = total_row(&rows);
        assert_eq!(num(total, 5), 7_300_000.0, "the two houses: 4,2 + 3,1 tỷ");
        assert_eq!(num(total, 11), 1_680.0, "960 + 720 m² of floor");
        assert_eq!(num(total, 12), 960.0, "Trụ sở làm việc");

        // In đồng, the same cells hold đồng.
        let bytes = app.download(&form("04a", "&money=dong&supplement=true")).await;
        let rows = rows_of(&bytes, "Khu đất 1");
        assert_eq!(num(row_with(&rows, "Nhà thí nghiệm"), 5), 3_100_000_000.0);
        assert!(rows.iter().any(|r| text(r).contains("☐ Báo cáo kê khai lần đầu")), "a supplement ticks «bổ sung»");

        // 04b: the Center's car, under its group, with its plate and brand; not the office's car.
        let bytes = app.download(&form("04b", "&money=trieu")).await;
        let rows = rows_of(&bytes, "Báo cáo");
        let all: Vec<String> = rows.iter().map(|r| text(r)).collect();
        assert!(all.iter().any(|t| t.contains("Mẫu số 04b-ĐK/TSC")));
        assert!(all.iter().any(|t| t.contains("BÁO CÁO KÊ KHAI XE Ô TÔ")));
        assert!(all.iter().any(|t| t.contains("ĐVT: triệu đồng")));
        assert!(!all.iter().any(|t| t.contains("76A-099.88")), "the office's car is the Sở's to declare");
        let car = row_with(&rows, "Xe ô tô Toyota Innova 7 chỗ");
        assert_eq!(
            (car[2].to_string(), car[3].to_string(), car[4].to_string()),
            ("Toyota Innova".into(), "76A-011.23".into(), "7 chỗ".into())
        );
        assert_eq!(car[9].to_string(), "Xe phục vụ công tác chung");
        assert_eq!(num(car, 11), 780.0, "780 triệu đồng");
        assert_eq!(car[16].to_string(), "x", "HĐSN không kinh doanh");
        assert!(rows.iter().any(|r| r[0] == "I" && text(r).contains("Xe ô tô phục vụ công tác chung")));

        // 04c: other fixed assets by class, tools left out; the PCR machine and a class's subtotal.
        let bytes = app.download(&form("04c", "")).await;
        let rows = rows_of(&bytes, "Báo cáo");
        let all: Vec<String> = rows.iter().map(|r| text(r)).collect();
        assert!(all.iter().any(|t| t.contains("NGOÀI TRỤ SỞ LÀM VIỆC, CƠ SỞ HOẠT ĐỘNG SỰ NGHIỆP, XE Ô TÔ")));
        assert!(
            !all.iter().any(|t| t.contains("Đất Trung tâm") || t.contains("Toyota")),
            "land, houses and cars are on 04a and 04b"
        );
        let pcr = row_with(&rows, "Máy Real-time PCR CFX96 Touch");
        assert_eq!((pcr[2].to_string(), pcr[3].to_string()), ("CT021874".into(), "Mỹ".into()));
        assert_eq!(num(pcr, 6), 1_450_000.0);
        assert_eq!(pcr[11].to_string(), "x");
        // The grand total equals the sum of the rows, in the register's own đồng / 1000.
        let sum: f64 =
            rows.iter().filter(|r| r[0].as_f64().is_some() && r.len() > 6).map(|r| r[6].as_f64().unwrap_or(0.0)).sum();
        let total = total_row(&rows);
        assert!((num(total, 6) - sum).abs() < 0.001 && sum > 0.0, "{} vs {sum}", num(total, 6));

        // As of a date before the Center held it, the form is without it; before the forms, refused.
        let bytes = app.download(&format!("/api/v1/declarations/forms/04c?unit_id={center}&as_of=01/01/2019")).await;
        let cells = common::workbook_text(&bytes);
        assert!(cells.contains("Nhà kính thực nghiệm") && !cells.contains("PCR"), "{cells}");
        let (s, body) = app.get(&format!("/api/v1/declarations/forms/04b?unit_id={center}&as_of=01/01/2010")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].as_str().unwrap().contains("không có phiên bản có hiệu lực ngày 01/01/2010"), "{body}");

        // 08a: by class, land and houses in m² of each use; 08b: closing = opening + increases − decreases.
        let rows = rows_of(&app.download(&form("08a", "")).await, "Báo cáo");
        let land = rows.iter().find(|r| r[1] == "Đất").expect("a land row");
        assert_eq!(
            (num(land, 2), num(land, 3), num(land, 4), num(land, 5)),
            (1.0, 12_500.0, 3_000.0, 9_000.0),
            "{}",
            text(land)
        );
        let houses = rows.iter().find(|r| r[1] == "Nhà").expect("a house row");
        assert_eq!((num(houses, 2), num(houses, 3)), (2.0, 1_680.0));
        let year_start = format!("01/01/{}", chrono::Datelike::year(&taisan::text::today()));
        let bytes = app
            .download(&format!(
                "/api/v1/declarations/forms/08b?unit_id={center}&from={year_start}&as_of={today}&money=dong"
            ))
            .await;
        let rows = rows_of(&bytes, "Báo cáo");
        assert!(rows.iter().any(|r| text(r).contains(&format!("Từ ngày {year_start} đến ngày {today}"))));
        let classes: Vec<&Vec<Data>> = rows.iter().filter(|r| r[0].as_f64().is_some() && r.len() > 13).collect();
        assert!(classes.len() >= 5, "{:#?}", rows.iter().map(|r| text(r)).collect::<Vec<_>>());
        for r in &classes {
            for (open, inc, dec, close) in [(2, 5, 8, 11), (4, 7, 10, 13)] {
                let v = |i: usize| r[i].as_f64().unwrap_or(0.0);
                assert_eq!(v(open) + v(inc) - v(dec), v(close), "{}", text(r));
            }
        }
        // This year: the net house handed over (a decrease), the found stirrer revalued 12,5 → 15 triệu.
        let structures = classes.iter().find(|r| r[1] == "Vật kiến trúc").unwrap();
        assert_eq!((num(structures, 8), num(structures, 10)), (1.0, 620_000_000.0), "{}", text(structures));
        let machines = classes.iter().find(|r| r[1] == "Máy móc, thiết bị").unwrap();
        assert_eq!(num(machines, 7), 2_500_000.0, "{}", text(machines));
        let total = total_row(&rows);
        assert_eq!(num(total, 4) + num(total, 7) - num(total, 10), num(total, 13));
        let (s, body) =
            app.get(&format!("/api/v1/declarations/forms/08b?unit_id={center}&from=02/01/2030&as_of={today}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // A house's floors changed since last year's declaration: 06b, declared → proposed.
        let lab = asset_id(&app, "Nhà thí nghiệm").await;
        let (_, info) = app.get(&format!("/api/v1/assets/{lab}/declaration")).await;
        let (s, body) = app
            .put(&format!("/api/v1/assets/{lab}/declaration"), json!({"version": info["version"], "lot_asset_id": info["lot_asset_id"], "floors": 3, "built_area": 360, "floor_area": 720, "usage": info["usage"]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let rows = rows_of(&app.download(&form("06b", "")).await, "Báo cáo");
        assert!(rows.iter().any(|r| text(r).contains("Mẫu số 06b-ĐK/TSC")));
        assert!(rows.iter().any(|r| text(r).contains("Nhà thí nghiệm")), "the asset's heading");
        let floors = row_with(&rows, "Số tầng");
        assert_eq!((floors[2].to_string(), floors[3].to_string()), ("2".to_string(), "3".to_string()), "{}", text(floors));
        assert!(floors[5].to_string().contains("030"));

        // An unknown form, an unknown money unit: refused in Vietnamese.
        let (s, body) = app.get(&format!("/api/v1/declarations/forms/05x?unit_id={center}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        assert!(body["error"].as_str().unwrap().contains("04a"), "{body}");
        let (s, body) = app.get(&form("04a", "&money=ty")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    })
    .await;
}

#[tokio::test]
async fn an_assets_declaration_is_checked_for_its_class_and_kept_in_its_history() {
    each_backend(|app: TestApp| async move {
        let land_cat = app.id_of("categories", "DAT-01").await;
        let land = app
            .asset(json!({"name": "Đất trại thực nghiệm", "category_id": land_cat, "area_m2": 5000, "cost_state": 2_000_000_000, "cost_other": 500_000_000, "acquisition_method": "giao_dat"}))
            .await;
        let id = land["id"].as_i64().unwrap();
        let uri = format!("/api/v1/assets/{id}/declaration");
        let (s, blank) = app.get(&uri).await;
        assert_eq!(s, StatusCode::OK, "{blank}");
        assert_eq!((blank["version"].as_i64(), blank["measure"].as_str()), (Some(0), Some("area")));
        assert_eq!(blank["reason_in_force"], "002", "land given by the state: «Nhà nước giao đất»");
        assert_eq!(blank["national_type"], 7, "Đất in the national catalogue");
        let before = app.audit_count();

        // Areas that do not add up to the lot, a car's plate on land, funds over the other source.
        let (s, body) = app
            .put(
                &uri,
                json!({"version": 0, "usage": [{"state": "tru_so", "value": 3000}, {"state": "hdsn_khong_kd", "value": 1000}],
                       "plate": "76A-000.01", "fund_oda": 600_000_000}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["fields"].as_object().unwrap();
        assert!(fields["usage"].as_str().unwrap().contains("4000 m², khác diện tích khuôn viên đất 5000 m²"), "{body}");
        assert!(fields["plate"].as_str().unwrap().contains("chỉ ghi cho xe ô tô"), "{body}");
        assert!(fields["fund_hdsn"].as_str().unwrap().contains("vượt nguồn khác"), "{body}");
        // A use of another class, a paper without a number, a reason that is a decrease.
        let (s, body) = app
            .put(&uri, json!({"version": 0, "usage": [{"state": "qlnn", "value": 1}], "documents": [{"kind": "gcn_qsdd", "number": ""}], "reason_code": "012"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["fields"].as_object().unwrap();
        assert!(fields.contains_key("usage[0].state") && fields.contains_key("documents[0].number"), "{body}");
        assert!(fields["reason_code"].as_str().unwrap().contains("không phải mã lý do tăng"), "{body}");
        assert_eq!(app.audit_count(), before, "nothing refused is recorded");

        let good = json!({"version": 0, "address": "Xã Nghĩa Dõng, tỉnh Quảng Ngãi", "province_code": "51",
            "usage": [{"state": "hdsn_khong_kd", "value": 4500}, {"state": "bi_lan_chiem", "value": 500}],
            "documents": [{"kind": "qd_giao_dat", "number": "88/QĐ-UBND", "date": "2010-04-02"}], "fund_oda": 500_000_000});
        let (s, saved) = app.put(&uri, good.clone()).await;
        assert_eq!(s, StatusCode::OK, "{saved}");
        assert_eq!((saved["version"].as_i64(), saved["fund_other"].as_i64()), (Some(1), Some(0)));
        assert_eq!(saved["documents"][0]["date"], "2010-04-02");
        // Saving again at the version first read is a conflict, with the current version shown.
        let (s, body) = app.put(&uri, good).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["current"]["version"], 1);
        let (_, history) = app.get(&format!("/api/v1/assets/{id}/history")).await;
        let event = history["items"].as_array().unwrap().iter().find(|e| e["action"] == "declare_info").expect("in the history");
        let after: Value = serde_json::from_str(event["after_json"].as_str().unwrap()).unwrap();
        assert_eq!(after["usage"][1]["state"], "bi_lan_chiem");

        // A house on it: its lot must be land of its unit; a car gets its own fields.
        let house_cat = app.id_of("categories", "NHA-C4").await;
        let house = app.asset(json!({"name": "Nhà kho trại thực nghiệm", "category_id": house_cat, "area_m2": 200})).await;
        let house_uri = format!("/api/v1/assets/{}/declaration", house["id"]);
        let (s, body) = app.put(&house_uri, json!({"version": 0, "lot_asset_id": house["id"], "floors": 1, "built_area": 250, "floor_area": 200})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["lot_asset_id"].as_str().unwrap().contains("không phải đất"), "{body}");
        assert!(body["fields"]["floor_area"].as_str().unwrap().contains("nhỏ hơn diện tích xây dựng"), "{body}");
        let (s, body) = app
            .put(&house_uri, json!({"version": 0, "lot_asset_id": id, "floors": 1, "built_area": 200, "usage": [{"state": "hdsn_khong_kd", "value": 200}]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let car_cat = app.id_of("categories", "OTO-01").await;
        let car = app.asset(json!({"name": "Xe bán tải", "category_id": car_cat})).await;
        let car_uri = format!("/api/v1/assets/{}/declaration", car["id"]);
        let (s, body) = app
            .put(&car_uri, json!({"version": 0, "plate": "76C-123.45", "chassis_no": "RL0A1", "engine_no": "RL0A1", "usage": [{"state": "hdsn_khong_kd", "value": 2}]}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["engine_no"].as_str().unwrap().contains("trùng số khung"), "{body}");
        assert!(body["fields"]["usage[0].value"].as_str().unwrap().contains("chỉ đánh dấu"), "{body}");

        // A clerk of another unit neither reads nor writes it.
        app.add_user("can_bo_hcth", "don_vi", Some("HCTH"));
        let admin = app.caller();
        app.act_as(Caller::Token(app.token_for("can_bo_hcth")));
        let (s, _) = app.get(&uri).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.put(&uri, json!({"version": 1})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.get("/api/v1/declarations/forms/04a").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an office's clerk does not declare for the Sở");
        app.act_as(admin);
    })
    .await;
}

#[tokio::test]
async fn the_declaration_pages_show_what_is_missing_and_save_a_lots_papers() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        app.add_user("ketoan", "admin", None);
        let caller = app.login("ketoan", "mat-khau-ketoan-123").await;
        app.act_as(caller);
        let center = app.id_of("units", "TTUD").await;
        let (s, page) = app.page(&format!("/ke-khai?unit_id={center}"), false).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"form-04a\"") && page.contains("04c-ĐK/TSC"), "{page}");
        // The microscope has no use recorded: it is listed, with a link to its information.
        let microscope = asset_id(&app, "Kính hiển vi sinh học 2 mắt").await;
        assert!(page.contains(&format!("/tai-san/{microscope}/ke-khai")), "{page}");
        assert!(!page.contains(&format!("/tai-san/{}/ke-khai\"", asset_id(&app, "Nhà thí nghiệm").await)), "complete");

        // The land's page: its papers, filled in and saved through the form as a browser sends it.
        let land = asset_id(&app, "Đất Trung tâm Ứng dụng và Dịch vụ KH&CN").await;
        let (s, page) = app.page(&format!("/tai-san/{land}/ke-khai"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("AĐ 458912") && page.contains("Hợp đồng cho thuê đất"), "{page}");
        let (action, mut fields) = common::form_fields(&page, &format!("/tai-san/{land}/ke-khai"));
        for (k, v) in fields.iter_mut() {
            if k == "doc.hd_thue.number" {
                *v = "05/HĐTĐ".into();
            }
            if k == "doc.hd_thue.date" {
                *v = "15/01/2020".into();
            }
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, location, body) = app.form(&action, &pairs).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location.as_deref(), Some(format!("/tai-san/{land}/ke-khai").as_str()));
        let (_, info) = app.get(&format!("/api/v1/assets/{land}/declaration")).await;
        let docs = info["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 3, "{info}");
        assert!(docs.iter().any(|d| d["kind"] == "hd_thue" && d["date"] == "2020-01-15"), "{info}");
        assert_eq!(info["usage"].as_array().unwrap().len(), 3, "the areas kept: {info}");

        // A bad area is shown on the page, nothing saved.
        let bad: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), if k == "usage.tru_so" { "abc" } else { v.as_str() })).collect();
        let (s, _, body) = app.form(&action, &bad).await;
        assert_eq!(s, StatusCode::CONFLICT, "the version moved on: {body}");
        let (_, page) = app.page(&format!("/tai-san/{land}/ke-khai"), false).await;
        let (_, fields) = common::form_fields(&page, &format!("/tai-san/{land}/ke-khai"));
        let bad: Vec<(&str, &str)> =
            fields.iter().map(|(k, v)| (k.as_str(), if k == "usage.tru_so" { "abc" } else { v.as_str() })).collect();
        let (s, _, body) = app.form(&action, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("không phải số"), "{body}");
    })
    .await;
}

/// Takes an asset through a handling to its write-down, dated back from today.
async fn write_down(app: &TestApp, asset: &Value) {
    let day = |back: i64| taisan::text::format_date(taisan::text::today() - chrono::Duration::days(back));
    let (s, mut d) = app
        .post(
            "/api/v1/disposals",
            json!({"form_code": "dieu_chuyen", "reason": "Điều chuyển cho Phòng thí nghiệm của tỉnh", "doc_no": "12/TTUD",
                   "doc_date": day(6), "lines": [{"asset_id": asset["id"]}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    for (path, body) in [
        (
            "decision",
            json!({"doc_no": "8/QĐ-UBND", "doc_date": day(5), "signer": "Phó Chủ tịch", "authority": "UBND tỉnh"}),
        ),
        ("execution", json!({"doc_no": "3/BBGN", "doc_date": day(4), "counterparty": "Sở Y tế tỉnh Quảng Ngãi"})),
        ("write-down", json!({"doc_no": "GG-9", "doc_date": day(3)})),
    ] {
        let mut body = body;
        body["version"] = d["version"].clone();
        let (s, next) = app.post(&format!("/api/v1/disposals/{}/{path}", d["id"]), body).await;
        assert_eq!(s, StatusCode::CREATED, "{path}: {next}");
        d = next;
    }
}

fn schema_errors(file: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!("../src/declarations/change-events.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    validator.iter_errors(file).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[tokio::test]
async fn the_next_declaration_is_the_difference_from_the_last() {
    each_backend(|app: TestApp| async move {
        let today = taisan::text::today();
        let center = app.id_of("units", "TTUD").await;
        let car_cat = app.id_of("categories", "OTO-01").await;
        let car = app.asset(json!({"name": "Xe chuyên dùng thí nghiệm", "category_id": car_cat, "cost_state": 900_000_000, "acquired_on": "2022-05-10"})).await;
        let (s, _) = app
            .put(&format!("/api/v1/assets/{}/declaration", car["id"]), json!({"version": 0, "plate": "76A-555.55", "brand": "Ford Transit", "seats": 16, "chassis_no": "WF0XXXTTG", "engine_no": "JXFA123", "usage": [{"state": "hdsn_khong_kd"}]}))
            .await;
        assert_eq!(s, StatusCode::OK);
        let shaker = app.asset(json!({"name": "Máy lắc ổn nhiệt", "cost_state": 80_000_000, "acquired_on": "2023-02-01"})).await;
        let oven = app.asset(json!({"name": "Tủ ấm CO2", "cost_state": 150_000_000, "acquired_on": "2023-06-01"})).await;
        let pending = |as_of: &str| format!("/api/v1/declarations/pending?unit_id={center}&as_of={as_of}");
        let now = taisan::text::format_date(today);

        // Before any declaration: everything is new, to register for the first time.
        let (s, first) = app.get(&pending(&now)).await;
        assert_eq!(s, StatusCode::OK, "{first}");
        let changes = first["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 3);
        assert!(changes.iter().all(|c| c["kind"] == "new" && c["reason_code"] == "001"), "{first}");
        // Recorded: the snapshot of each, its digest; nothing is pending after it.
        let (s, d1) = app.post("/api/v1/declarations", json!({"unit_id": center, "as_of": now, "note": "Kê khai lần đầu"})).await;
        assert_eq!(s, StatusCode::CREATED, "{d1}");
        assert_eq!((d1["items"].as_i64(), d1["events"].as_i64(), d1["supplement"].as_bool()), (Some(3), Some(3), Some(false)));
        let (_, p) = app.get(&pending(&now)).await;
        assert_eq!(p["changes"].as_array().unwrap().len(), 0, "{p}");
        // Not before the last one.
        let (s, body) = app.post("/api/v1/declarations", json!({"unit_id": center, "as_of": "01/01/2020"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // A sequence of changes: a new asset, an edit, a revaluation, a disposal.
        let scope = app.asset(json!({"name": "Kính hiển vi huỳnh quang", "cost_state": 640_000_000, "acquired_on": taisan::text::format_date(today - chrono::Duration::days(2)), "acquisition_method": "mua_sam"})).await;
        let (s, _) = app
            .put(&format!("/api/v1/assets/{}/declaration", car["id"]), json!({"version": 1, "plate": "76A-666.66", "brand": "Ford Transit", "seats": 16, "chassis_no": "WF0XXXTTG", "engine_no": "JXFA123", "usage": [{"state": "hdsn_khong_kd"}], "user_title": "Xe chuyên dùng"}))
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app.put(&format!("/api/v1/assets/{}", car["id"]), json!({"version": car["version"], "name": "Xe chuyên dùng phòng thí nghiệm"})).await;
        assert_eq!(s, StatusCode::OK);
        let decided = taisan::text::format_date(today - chrono::Duration::days(1));
        let (s, r) = app
            .post(&format!("/api/v1/assets/{}/revaluations", shaker["id"]), json!({"decided_on": decided, "doc_no": "7/QĐ-TTUD", "basis": "Nâng cấp bộ điều khiển, biên bản nghiệm thu", "reason_code": "021", "new_cost": 95_000_000, "new_residual": 60_000_000}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        write_down(&app, &oven).await;
        // The unit itself: its budget code recorded since (06a).
        let (_, unit) = app.get(&format!("/api/v1/units/{center}")).await;
        let (s, body) = app.put(&format!("/api/v1/units/{center}"), json!({"version": unit["version"], "ma_qhns": "1012345"})).await;
        assert_eq!(s, StatusCode::OK, "{body}");

        let (_, p) = app.get(&pending(&now)).await;
        let changes = p["changes"].as_array().unwrap();
        let of = |code: &Value, kind: &str| changes.iter().find(|c| &c["code"] == code && c["kind"] == kind).unwrap_or_else(|| panic!("no {kind} of {code}: {p:#}"));
        assert_eq!(changes.len(), 4, "{p:#}");
        let new = of(&scope["code"], "new");
        assert_eq!(new["reason_code"], "006", "bought: «Mua sắm»");
        let info = of(&car["code"], "information");
        let fields: Vec<&str> = info["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["name", "plate", "user_title"], "field by field: {info:#}");
        let plate = info["fields"].as_array().unwrap().iter().find(|f| f["field"] == "plate").unwrap();
        assert_eq!((plate["old"].as_str(), plate["new"].as_str()), (Some("76A-555.55"), Some("76A-666.66")));
        let value = of(&shaker["code"], "value_increase");
        assert_eq!((value["reason_code"].as_str(), value["date"].as_str()), (Some("021"), Some((today - chrono::Duration::days(1)).to_string().as_str())));
        assert_eq!(value["due"], (today + chrono::Duration::days(29)).to_string(), "30 days from the decision");
        let cost = value["fields"].as_array().unwrap().iter().find(|f| f["field"] == "original_cost").unwrap();
        assert_eq!((cost["old"].as_i64(), cost["new"].as_i64()), (Some(80_000_000), Some(95_000_000)));
        let gone = of(&oven["code"], "removal");
        assert_eq!(gone["reason_code"], "011", "a transfer's write-down: «Điều chuyển»");
        assert_eq!(gone["date"], (today - chrono::Duration::days(3)).to_string());

        // The change file: one event per change, in the interface's shape, valid against the schema.
        let bytes = app.download(&format!("/api/v1/declarations/changes?unit_id={center}&as_of={now}")).await;
        let file: Value = serde_json::from_slice(&bytes).unwrap();
        let errors = schema_errors(&file);
        assert!(errors.is_empty(), "{errors:#?}");
        let events = file["data"].as_array().unwrap();
        assert_eq!(events.len(), 4);
        let event = |code: &Value| events.iter().find(|e| &e["syncSourceAssetId"] == code).unwrap();
        let up = event(&shaker["code"]);
        assert_eq!((up["assetMutationTypeId"].as_i64(), up["originalValueIncreasement"].as_i64()), (Some(2), Some(15_000_000)));
        assert_eq!(up["originalValueSourceIncreasement"]["StateBudget"], 15_000_000);
        assert_eq!(up["residualValue"], 60_000_000);
        let removed = event(&oven["code"]);
        assert_eq!((removed["assetMutationTypeId"].as_i64(), removed["originalValue"].as_i64(), removed["originalValueOld"].as_i64()), (Some(5), Some(0), Some(150_000_000)));
        let changed = event(&car["code"]);
        assert_eq!(changed["assetMutationTypeId"], 4);
        assert_eq!((changed["vehicleChassisNumber"].as_str(), changed["vehicleEngineNumber"].as_str()), (Some("WF0XXXTTG"), Some("JXFA123")), "kept apart");
        assert_eq!(changed["assetMutationAssetUsageStates"][0]["usageStateId"], 100, "HĐSN không KD of a car");
        assert_eq!(event(&scope["code"])["assetMutationTypeId"], 1);
        // Made again, the same ids: handed over twice, recorded once.
        let again: Value = serde_json::from_slice(&app.download(&format!("/api/v1/declarations/changes?unit_id={center}&as_of={now}")).await).unwrap();
        let ids = |f: &Value| f["data"].as_array().unwrap().iter().map(|e| e["syncSourceId"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&file), ids(&again));
        // A schema that is not a rubber stamp: a removal that keeps its value is refused.
        let mut bad = file.clone();
        let i = bad["data"].as_array().unwrap().iter().position(|e| e["assetMutationTypeId"] == 5).unwrap();
        bad["data"][i]["originalValue"] = json!(150_000_000);
        assert!(!schema_errors(&bad).is_empty());

        assert_eq!(p["unit_changes"][0]["field"], "ma_qhns", "{p:#}");
        assert_eq!((p["unit_changes"][0]["old"].as_str(), p["unit_changes"][0]["new"].as_str()), (Some("…………"), Some("1012345")));
        assert_eq!(file["unitChanges"][0]["new"], "1012345");
        let rows = rows_of(&app.download(&format!("/api/v1/declarations/forms/06a?unit_id={center}&as_of={now}")).await, "Báo cáo");
        let code_row = row_with(&rows, "mã quan hệ ngân sách");
        assert_eq!((code_row[2].to_string(), code_row[3].to_string()), ("…………".to_string(), "1012345".to_string()));

        // The forms of changes: 06c (the car's fields), 06d (the value), 07 (the removal).
        let form = |code: &str| format!("/api/v1/declarations/forms/{code}?unit_id={center}&as_of={now}");
        let rows = rows_of(&app.download(&form("06c")).await, "Báo cáo");
        let all: Vec<String> = rows.iter().map(|r| text(r)).collect();
        assert!(all.iter().any(|t| t.contains("Mẫu số 06c-ĐK/TSC")), "{all:#?}");
        let plate_row = row_with(&rows, "Biển kiểm soát");
        assert_eq!((plate_row[2].to_string(), plate_row[3].to_string()), ("76A-555.55".to_string(), "76A-666.66".to_string()));
        assert!(plate_row[5].to_string().contains("030"), "{}", text(plate_row));
        let rows = rows_of(&app.download(&form("06d")).await, "Báo cáo");
        let cost_row = rows.iter().find(|r| r[1] == "Nguyên giá").expect("the cost row");
        assert_eq!((cost_row[2].to_string(), cost_row[3].to_string()), ("80.000 nghìn đồng".to_string(), "95.000 nghìn đồng".to_string()));
        assert!(cost_row[5].to_string().contains("021"));
        let rows = rows_of(&app.download(&form("07")).await, "Báo cáo");
        let removed = row_with(&rows, oven["code"].as_str().unwrap());
        assert!(text(removed).contains("Tủ ấm CO2") && text(removed).contains("011 — Điều chuyển"), "{}", text(removed));

        // Recorded again: a supplement, and nothing pending.
        let (s, d2) = app.post("/api/v1/declarations", json!({"unit_id": center, "as_of": now})).await;
        assert_eq!(s, StatusCode::CREATED, "{d2}");
        assert_eq!((d2["items"].as_i64(), d2["events"].as_i64(), d2["supplement"].as_bool()), (Some(3), Some(5), Some(true)), "four changes of assets and one of the unit");
        assert_eq!(d2["previous_id"], d1["id"]);
        let (_, p) = app.get(&pending(&now)).await;
        assert!(p["changes"].as_array().unwrap().is_empty() && p["unit_changes"].as_array().unwrap().is_empty(), "{p:#}");
        // A snapshot altered in the database no longer gives its digest, and the list says so.
        let id = d1["id"].as_i64().unwrap() as i32;
        app.db
            .write_sync(move |c| {
                use diesel::prelude::*;
                use taisan::db::schema::declaration_items;
                diesel::update(declaration_items::table.filter(declaration_items::declaration_id.eq(id)))
                    .set(declaration_items::snapshot.eq("{\"code\":\"sửa lén\"}"))
                    .execute(c)?;
                Ok(())
            })
            .unwrap();
        let (_, list) = app.get(&format!("/api/v1/declarations?unit_id={center}")).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!((items[0]["intact"].as_bool(), items[1]["intact"].as_bool()), (Some(true), Some(false)), "{list}");
    })
    .await;
}

#[tokio::test]
async fn a_revaluation_moves_wear_to_the_new_base_across_a_year_and_a_rate_change() {
    each_backend(|app: TestApp| async move {
        // Bought in 2019 at 100 M, 10 %/year: 2019–2023 wear 50 M. Revalued on 15/06/2024 to 120 M, 90 M left.
        let a = app.asset(json!({"name": "Máy phân tích", "cost_state": 100_000_000, "acquired_on": "2019-03-01"})).await;
        let id = a["id"].as_i64().unwrap();
        let wear = |on: &str| format!("/api/v1/assets/{id}/wear?as_of={on}");
        let (_, w) = app.get(&wear("31/12/2023")).await;
        let before = w["residual_value"].as_i64().unwrap();
        let (s, r) = app
            .post(&format!("/api/v1/assets/{id}/revaluations"), json!({"decided_on": "15/06/2024", "doc_no": "2/QĐ", "basis": "Định giá lại sau nâng cấp", "reason_code": "021", "new_cost": 120_000_000, "new_residual": 90_000_000}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["old_residual"].as_i64(), Some(before), "the residual the decision found");
        let (_, v) = app.get(&format!("/api/v1/assets/{id}")).await;
        assert_eq!((v["original_cost"].as_i64(), v["cost_state"].as_i64()), (Some(120_000_000), Some(120_000_000)));
        // 2024: the new base, wear on the new cost from the decision's year; 2025 across the year's end.
        let (_, w24) = app.get(&wear("31/12/2024")).await;
        let (_, w25) = app.get(&wear("31/12/2025")).await;
        let y24 = w24["years"].as_array().unwrap();
        assert_eq!(y24.len(), 1, "only the year of the new base: {w24}");
        let rate24 = y24[0]["rate_bp"].as_i64().unwrap();
        assert_eq!(w24["residual_value"].as_i64().unwrap(), 90_000_000 - 120_000_000 * rate24 / 10_000, "{w24}");
        let y25 = w25["years"].as_array().unwrap();
        let rate25 = y25[1]["rate_bp"].as_i64().unwrap();
        assert_eq!(
            w25["residual_value"].as_i64().unwrap(),
            90_000_000 - 120_000_000 * rate24 / 10_000 - 120_000_000 * rate25 / 10_000,
            "{w25}"
        );
        // Under a rate changed for 2025, 2025's wear follows the new rate on the new base.
        // The rate is the national node's that the category maps to.
        let (_, cats) = app.get("/api/v1/categories?per_page=500").await;
        let cats = cats["items"].as_array().unwrap();
        let own = cats.iter().find(|c| c["id"] == v["category_id"]).unwrap();
        let node = cats.iter().find(|c| c["code"] == own["national_code"]).unwrap_or(own);
        let cat = node["id"].as_i64().unwrap();
        let (s, rate) = app
            .post("/api/v1/wear-rates", json!({"category_id": cat, "useful_life_years": 5, "rate_bp": 2000, "legal_source": "Quyết định thử nghiệm", "valid_from": "2025-01-01"}))
            .await;
        assert!(s == StatusCode::CREATED, "{rate}");
        let (_, w25) = app.get(&wear("31/12/2025")).await;
        let y25 = w25["years"].as_array().unwrap();
        assert_eq!(y25[1]["rate_bp"], 2000, "{w25}");
        assert_eq!(y25[1]["wear"], 24_000_000, "20 % of the new cost");
        // A decision against the direction of its reason, or before the last one, is refused.
        let (s, body) = app
            .post(&format!("/api/v1/assets/{id}/revaluations"), json!({"decided_on": "01/01/2024", "doc_no": "1/QĐ", "basis": "x", "reason_code": "027", "new_cost": 130_000_000, "new_residual": 1}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["reason_code"].as_str().unwrap().contains("không khớp chiều"), "{body}");
        let (s, body) = app
            .post(&format!("/api/v1/assets/{id}/revaluations"), json!({"decided_on": "01/01/2024", "doc_no": "1/QĐ", "basis": "x", "reason_code": "021", "new_cost": 130_000_000, "new_residual": 1}))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        // It is in the history and in the changes report of its year, under its decision.
        let (_, history) = app.get(&format!("/api/v1/assets/{id}/history")).await;
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "revalue"));
        let today = taisan::text::format_date(taisan::text::today());
        let text = common::workbook_text(&app.download(&format!("/api/v1/exports/changes?from=01/01/2019&to={today}")).await);
        assert!(text.contains("Tăng — Đánh giá lại") && text.contains("Quyết định đánh giá lại số 2/QĐ, ngày 15/06/2024"), "{text}");
        // S24-H of 2025 carries the new cost and the wear on it.
        let book = common::workbook_text(&app.download("/api/v1/exports/fixed-asset-book?wear_year=2025").await);
        assert!(book.contains("Máy phân tích") && book.contains("120000000") && book.contains("24000000"), "{book}");
    })
    .await;
}

#[tokio::test]
async fn the_register_goes_out_and_comes_back_in_the_national_layout() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let center = app.id_of("units", "TTUD").await;
        let bytes = app.download(&format!("/api/v1/declarations/layouts/taisan?unit_id={center}")).await;
        let rows = rows_of(&bytes, "TaiSan");
        assert_eq!(rows[1].len(), 53, "53 columns");
        assert_eq!((rows[1][0].to_string(), rows[1][46].to_string()), ("DON_VI_MA".into(), "MA_DB".into()));
        let land = row_with(&rows, "Đất Trung tâm Ứng dụng");
        assert!(land[0].to_string().starts_with("TTUD-Trung tâm Ứng dụng"), "«MÃ-Tên»: {}", text(land));
        assert!(land[2].to_string().starts_with("101") || land[2].to_string().contains('-'), "{}", text(land));
        assert_eq!(
            (num(land, 21), num(land, 25), num(land, 27)),
            (12_500.0, 3_000.0, 9_000.0),
            "area, trụ sở, HĐSN: {}",
            text(land)
        );
        let lab = row_with(&rows, "Nhà thí nghiệm");
        assert!(
            !land[1].to_string().is_empty() && lab[1] == land[1],
            "the house names its lot by the code the lot's row gives itself"
        );
        assert_eq!((num(lab, 22), num(lab, 24)), (2.0, 720.0));
        let car = row_with(&rows, "Toyota Innova");
        assert_eq!(
            (car[36].to_string(), car[37].to_string(), num(car, 42)),
            ("76A-011.23".into(), "Toyota Innova".into(), 7.0)
        );
        let exported = rows.len() - 2;

        // Into a register that has none of it: the same assets, with what they declare.
        let fresh = TestApp::all().into_iter().find(|a| a.backend == app.backend).unwrap();
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let (s, _, body) =
            fresh.upload("/api/v1/imports/national?preview=true", "TaiSan TTUD.xlsx", xlsx, &bytes, &[]).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert_eq!(fresh.asset_count(), 0, "a preview saves nothing");
        let (s, _, body) = fresh.upload("/api/v1/imports/national", "TaiSan TTUD.xlsx", xlsx, &bytes, &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        assert_eq!(fresh.asset_count() as usize, exported);
        let id = asset_id(&fresh, "Đất Trung tâm Ứng dụng và Dịch vụ KH&CN").await;
        let (_, info) = fresh.get(&format!("/api/v1/assets/{id}/declaration")).await;
        assert_eq!(info["usage"].as_array().unwrap().len(), 3, "{info}");
        assert_eq!(info["reason_in_force"], "002");
        let lab = asset_id(&fresh, "Nhà thí nghiệm").await;
        let (_, lab_info) = fresh.get(&format!("/api/v1/assets/{lab}/declaration")).await;
        assert_eq!((lab_info["lot_asset_id"].as_i64(), lab_info["floors"].as_i64()), (Some(id), Some(2)), "{lab_info}");
        let car = asset_id(&fresh, "Xe ô tô Toyota Innova 7 chỗ").await;
        let (_, car_info) = fresh.get(&format!("/api/v1/assets/{car}/declaration")).await;
        assert_eq!((car_info["plate"].as_str(), car_info["seats"].as_i64()), (Some("76A-011.23"), Some(7)));
        let (_, a) = fresh.get(&format!("/api/v1/assets/{car}")).await;
        let (_, original) =
            app.get(&format!("/api/v1/assets/{}", asset_id(&app, "Xe ô tô Toyota Innova 7 chỗ").await)).await;
        assert_eq!(
            (a["original_cost"].clone(), a["residual_value"].clone()),
            (original["original_cost"].clone(), original["residual_value"].clone())
        );

        // A type code that is not in the catalogue: the row and column named, nothing saved.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in
            ["DON_VI_MA", "TAI_SAN_DAT_MA", "LOAI_TAI_SAN_MA", "TEN", "SO_LUONG", "NGUYEN_GIA", "NV_NGAN_SACH"]
                .iter()
                .enumerate()
        {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        for (c, v) in
            ["TTUD-Trung tâm", "", "99999-Không có", "Máy sấy lạnh", "1", "30000000", "30000000"].iter().enumerate()
        {
            ws.write_string(2, c as u16, *v).unwrap();
        }
        let bad = wb.save_to_buffer().unwrap();
        let before = fresh.asset_count();
        let (s, _, body) = fresh.upload("/api/v1/imports/national", "sai.xlsx", xlsx, &bad, &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        let report: Value = serde_json::from_slice(&body).unwrap();
        let problem = &report["rows"][0]["errors"][0];
        assert_eq!(
            (problem["row"].as_i64(), problem["column"].as_str()),
            (Some(3), Some("LOAI_TAI_SAN_MA")),
            "{report:#}"
        );
        assert!(problem["message"].as_str().unwrap().contains("99999"), "{report:#}");
        assert_eq!(fresh.asset_count(), before);
    })
    .await;
}

/// A workbook in the software's two-sheet layout: the field names in row 1 of each sheet, `rows`
/// of each from row 2 (cells by column index).
fn two_sheets(dat_nha: &[(u16, &str)], khac: &[(u16, &str)]) -> Vec<u8> {
    let heads = |file: &str| -> Vec<String> {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}/imports/columns/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
        )
        .unwrap();
        spec["columns"].as_array().unwrap().iter().map(|c| c["headers"][0].as_str().unwrap().to_string()).collect()
    };
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, file, cells) in
        [("TaiSanDatNha", "national_datnha.json", dat_nha), ("TaiSanKhac", "national_khac.json", khac)]
    {
        let ws = wb.add_worksheet().set_name(name).unwrap();
        for (c, h) in heads(file).iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in cells {
            ws.write_string(1, *c, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_register_goes_out_and_comes_back_in_the_two_sheet_layout() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let center = app.id_of("units", "TTUD").await;
        let bytes = app.download(&format!("/api/v1/declarations/layouts/datnha-khac?unit_id={center}")).await;
        assert_eq!(sheets_of(&bytes), ["TaiSanDatNha", "TaiSanKhac"]);
        let dat_nha = rows_of(&bytes, "TaiSanDatNha");
        let khac = rows_of(&bytes, "TaiSanKhac");
        assert_eq!((dat_nha[0].len(), khac[0].len()), (34, 33), "the software's column maps");
        assert_eq!(
            (dat_nha[0][0].to_string(), dat_nha[0][33].to_string()),
            ("TAI_SAN_DAT_MA".into(), "MA_DU_AN".into())
        );
        assert_eq!((khac[0][0].to_string(), khac[0][17].to_string()), ("TEN".into(), "SO_KHUNG".into()));
        let land = row_with(&dat_nha, "Đất Trung tâm Ứng dụng");
        assert_eq!(
            (num(land, 3), num(land, 10), num(land, 15), num(land, 16)),
            (num(land, 4) + num(land, 5), 12_500.0, 3_000.0, 9_000.0),
            "land-use right = the sources; area; trụ sở; HĐSN không KD: {}",
            text(land)
        );
        assert_eq!(
            (land[28].to_string(), land[29].to_string()),
            ("AĐ 458912;12/03/2008".to_string(), "1234/QĐ-UBND;20/06/2005".to_string()),
            "papers «số;ngày» as the software splits them"
        );
        let lab = row_with(&dat_nha, "Nhà thí nghiệm");
        assert_eq!(lab[0], land[0], "the house names its lot");
        assert_eq!((num(lab, 11), num(lab, 14), lab[10].to_string()), (2.0, 720.0, String::new()));
        let car = row_with(&khac, "Toyota Innova");
        assert_eq!(
            [11, 14, 17, 18].map(|i| car[i].to_string()),
            ["76A-011.23", "7", "MHFXW42G5G2012345", "1TR7123456"].map(String::from),
            "plate, seats, chassis and engine numbers each in its own column"
        );
        assert_eq!(car[26].to_string(), "x", "HĐSN không kinh doanh ticked");
        assert!(!khac.iter().any(|r| r[0].to_string().starts_with("Đất ")), "land is on the first sheet only");
        let exported = dat_nha.len() - 1 + khac.len() - 1;

        // Into a register that has none of it, for the unit the person names.
        let fresh = TestApp::all().into_iter().find(|a| a.backend == app.backend).unwrap();
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let (s, _, body) = fresh.upload("/api/v1/imports/national", "DatNha.xlsx", xlsx, &bytes, &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no unit: {}", String::from_utf8_lossy(&body));
        assert!(String::from_utf8_lossy(&body).contains("Đơn vị của tệp"));
        let unit = fresh.id_of("units", "TTUD").await;
        let (s, _, body) = fresh
            .upload(&format!("/api/v1/imports/national?preview=true&unit_id={unit}"), "DatNha.xlsx", xlsx, &bytes, &[])
            .await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let preview: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(preview["more_sheets"][0]["sheet"], "TaiSanKhac", "{preview:#}");
        assert_eq!(preview["rows_read"].as_u64(), Some(exported as u64));
        assert_eq!(fresh.asset_count(), 0, "a preview saves nothing");
        let (s, _, body) =
            fresh.upload(&format!("/api/v1/imports/national?unit_id={unit}"), "DatNha.xlsx", xlsx, &bytes, &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        assert_eq!(fresh.asset_count() as usize, exported);
        let id = asset_id(&fresh, "Đất Trung tâm Ứng dụng và Dịch vụ KH&CN").await;
        let (_, info) = fresh.get(&format!("/api/v1/assets/{id}/declaration")).await;
        let original = asset_id(&app, "Đất Trung tâm Ứng dụng và Dịch vụ KH&CN").await;
        let (_, original_info) = app.get(&format!("/api/v1/assets/{original}/declaration")).await;
        for k in ["usage", "province_code", "district_code", "commune_code"] {
            assert_eq!(info[k], original_info[k], "{k}");
        }
        let papers = |v: &Value| {
            let mut p: Vec<String> = v["documents"].as_array().unwrap().iter().map(|d| d.to_string()).collect();
            p.sort();
            p
        };
        assert_eq!(papers(&info), papers(&original_info), "the land's papers, number and date each");
        let lab = asset_id(&fresh, "Nhà thí nghiệm").await;
        let (_, lab_info) = fresh.get(&format!("/api/v1/assets/{lab}/declaration")).await;
        assert_eq!((lab_info["lot_asset_id"].as_i64(), lab_info["floors"].as_i64()), (Some(id), Some(2)), "{lab_info}");
        let car = asset_id(&fresh, "Xe ô tô Toyota Innova 7 chỗ").await;
        let (_, car_info) = fresh.get(&format!("/api/v1/assets/{car}/declaration")).await;
        assert_eq!(
            [&car_info["chassis_no"], &car_info["engine_no"], &car_info["seats"], &car_info["usage"][0]["state"]],
            [&json!("MHFXW42G5G2012345"), &json!("1TR7123456"), &json!(7), &json!("hdsn_khong_kd")]
        );
        let (_, a) = fresh.get(&format!("/api/v1/assets/{car}")).await;
        let (_, b) = app.get(&format!("/api/v1/assets/{}", asset_id(&app, "Xe ô tô Toyota Innova 7 chỗ").await)).await;
        assert_eq!((&a["original_cost"], &a["residual_value"]), (&b["original_cost"], &b["residual_value"]));
        let (_, record) = fresh
            .get(&format!("/api/v1/imports/{}", serde_json::from_slice::<Value>(&body).unwrap()["import_id"]))
            .await;
        assert!(record.to_string().contains("TaiSanKhac"), "each row's sheet is kept: {record}");

        // A bad mark on the second sheet: named by sheet, row and column; nothing saved. On the
        // page the cell is corrected where it stands and the file imported without a new upload.
        let bad =
            two_sheets(&[], &[(0, "Máy sấy lạnh"), (1, "MMTB-TN"), (3, "30000000"), (9, "31000000"), (25, "có lẽ")]);
        let before = fresh.asset_count();
        let uri = format!("/api/v1/imports/national?unit_id={unit}");
        let (s, _, body) = fresh.upload(&uri, "sai.xlsx", xlsx, &bad, &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        let report: Value = serde_json::from_slice(&body).unwrap();
        let problem = &report["errors"][0];
        assert_eq!(
            (problem["sheet"].as_str(), problem["row"].as_i64(), problem["column"].as_str()),
            (Some("TaiSanKhac"), Some(2), Some("HSTD_QUAN_LY_NHA_NUOC")),
            "{report:#}"
        );
        assert_eq!(fresh.asset_count(), before);
        let not_kept = report["not_kept"].as_str().unwrap_or_default();
        assert!(
            not_kept.contains("TaiSanKhac «GIA_HOA_DON» (1 dòng)"),
            "a column the register lacks is said: {report:#}"
        );
        let unit_field = unit.to_string();
        let (s, _, page) =
            fresh.upload("/ke-khai/nhap", "sai.xlsx", xlsx, &bad, &[("unit_id", unit_field.as_str())]).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("TaiSanKhac · 2"), "the row is named with its sheet: {page}");
        let link = page.split("id=\"errors-xlsx\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let failed = common::sheet_rows(&fresh.download(&link).await, "Dòng lỗi TaiSanKhac");
        assert!(failed.len() == 2 && failed[1].contains("có lẽ"), "{failed:?}");
        let (action, mut fields) = common::form_fields(&page, "/ke-khai/nhap/");
        assert!(action.contains(&format!("?unit_id={unit}")), "{action}");
        let cell = fields.iter_mut().find(|(k, v)| k == "fix:TaiSanKhac:2:25" && v == "có lẽ");
        cell.unwrap_or_else(|| panic!("the cell is offered with its sheet: {page}")).1 = "x".into();
        let mut again: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        again.push(("action", "preview"));
        let (s, _, page) = fresh.form(&action, &again).await;
        assert!(s == StatusCode::OK && page.contains("check-ready"), "{s}: {page}");
        let (_, fields) = common::form_fields(&page, "/ke-khai/nhap/");
        assert!(fields.iter().any(|(k, v)| k == "fix:TaiSanKhac:2:25" && v == "x"), "the correction is carried");
        let mut import: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        import.push(("action", "import"));
        let (s, _, page) = fresh.form(&action, &import).await;
        assert!(s == StatusCode::OK && page.contains("check-saved"), "{s}: {page}");
        let dryer = asset_id(&fresh, "Máy sấy lạnh").await;
        let (_, dryer_info) = fresh.get(&format!("/api/v1/assets/{dryer}/declaration")).await;
        assert_eq!(dryer_info["usage"][0]["state"], "qlnn", "{dryer_info}");
    })
    .await;
}
