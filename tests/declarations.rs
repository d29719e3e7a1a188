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
    rows.iter().rev().find(|r| r.iter().any(|c| c.to_string() == "Tổng cộng")).expect("a total row")
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
        let numbering = rows.iter().find(|r| r[0].to_string() == "A").expect("a numbering row");
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
        assert!(rows.iter().any(|r| r[0].to_string() == "I" && text(r).contains("Xe ô tô phục vụ công tác chung")));

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
        let text = common::workbook_text(&bytes);
        assert!(text.contains("Nhà kính thực nghiệm") && !text.contains("PCR"), "{text}");
        let (s, body) = app.get(&format!("/api/v1/declarations/forms/04b?unit_id={center}&as_of=01/01/2010")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].as_str().unwrap().contains("không có phiên bản có hiệu lực ngày 01/01/2010"), "{body}");

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
