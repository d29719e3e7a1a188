//! The sample workbooks in `imports/samples/` are committed files; this (ignored) test is how they
//! were made, so that anyone can see and remake exactly what is in them:
//! `cargo test --test samples -- --ignored`, then, for the old .xls,
//! `soffice --headless --convert-to xls --outdir imports/samples imports/samples/tcvn3.xlsx`.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};
use taisan::text::legacy;

const DIR: &str = "imports/samples";

/// Cells of one data row: None for an empty cell, Some(Ok(number)) or Some(Err(text)).
type Row<'a> = Vec<Option<Result<f64, &'a str>>>;

fn t(s: &str) -> Option<Result<f64, &str>> {
    Some(Err(s))
}

fn n(v: f64) -> Option<Result<f64, &'static str>> {
    Some(Ok(v))
}

fn write_row(ws: &mut Worksheet, r: u32, row: &Row, encode: &dyn Fn(&str) -> String) {
    for (c, cell) in row.iter().enumerate() {
        match cell {
            Some(Ok(v)) => {
                ws.write_number(r, c as u16, *v).unwrap();
            }
            Some(Err(s)) => {
                ws.write_string(r, c as u16, encode(s)).unwrap();
            }
            None => {}
        }
    }
}

/// A register as offices lay it out: title block, merged two-row header, a numbering row, then the
/// rows, and a signature block. `encode` writes the text in a legacy encoding.
fn register(path: &str, title: &str, last: &str, rows: &[Row], encode: &dyn Fn(&str) -> String) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Danh mục").unwrap();
    let bold = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    ws.write_string(0, 0, encode("UBND TỈNH QUẢNG NGÃI")).unwrap();
    ws.write_string(1, 0, encode("SỞ KHOA HỌC VÀ CÔNG NGHỆ")).unwrap();
    ws.write_string(0, 6, encode("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")).unwrap();
    ws.write_string(1, 6, encode("Độc lập - Tự do - Hạnh phúc")).unwrap();
    ws.merge_range(3, 0, 3, 11, &encode(title), &bold).unwrap();
    ws.write_string(4, 10, encode("ĐVT: đồng")).unwrap();
    let headers =
        ["STT", "Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Đơn vị tính", "Số lượng", "Ngày tăng"];
    for (c, h) in headers.iter().enumerate() {
        ws.merge_range(5, c as u16, 6, c as u16, &encode(h), &bold).unwrap();
    }
    ws.merge_range(5, 8, 5, 9, &encode("Nguyên giá"), &bold).unwrap();
    ws.write_string_with_format(6, 8, encode("Nguồn NSNN"), &bold).unwrap();
    ws.write_string_with_format(6, 9, encode("Nguồn khác"), &bold).unwrap();
    ws.merge_range(5, 10, 6, 10, &encode("Nhiệm vụ"), &bold).unwrap();
    ws.merge_range(5, 11, 6, 11, &encode(last), &bold).unwrap();
    for c in 0..12u16 {
        ws.write_string(7, c, format!("({})", c + 1)).unwrap();
    }
    let mut r = 8;
    for row in rows {
        write_row(ws, r, row, encode);
        r += 1;
    }
    r += 1;
    ws.write_string(r, 1, encode("Người lập biểu")).unwrap();
    ws.write_string(r, 8, encode("Thủ trưởng đơn vị")).unwrap();
    ws.write_string(r + 1, 1, encode("(Ký, họ tên)")).unwrap();
    wb.save(format!("{DIR}/{path}")).unwrap();
}

fn plain(s: &str) -> String {
    s.to_string()
}

/// Unicode → TCVN3, the inverse of the import's table, for making the sample.
fn to_tcvn3(s: &str) -> String {
    s.chars()
        .map(|c| {
            (0xA1u32..=0xFE)
                .filter_map(char::from_u32)
                .find(|k| legacy::from_tcvn3(&k.to_string()) == c.to_string() && *k != c)
                .unwrap_or_else(|| {
                    // TCVN3 has no toned capitals: the .VnTimeH fonts show the small letters as capitals.
                    let lower = c.to_lowercase().next().unwrap_or(c);
                    (0xA1u32..=0xFE)
                        .filter_map(char::from_u32)
                        .find(|k| legacy::from_tcvn3(&k.to_string()) == lower.to_string() && *k != lower && lower != c)
                        .unwrap_or(c)
                })
        })
        .collect()
}

/// Unicode → VNI-Windows, for making the sample.
fn to_vni(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in s.chars() {
        let mut parts = c.nfd();
        let base = parts.next().unwrap_or(c);
        let marks: Vec<char> = parts.collect();
        let upper = base.is_uppercase();
        let pick = |l: &str, u: &str| if upper { u.to_string() } else { l.to_string() };
        let has = |m: char| marks.contains(&m);
        let (b, shape) = match base {
            'đ' | 'Đ' => {
                out.push_str(&pick("ñ", "Ñ"));
                continue;
            }
            b if has('\u{31B}') && b.eq_ignore_ascii_case(&'u') => (pick("ö", "Ö"), None),
            b if has('\u{31B}') && b.eq_ignore_ascii_case(&'o') => (pick("ô", "Ô"), None),
            b if has('\u{302}') => (b.to_string(), Some('^')),
            b if has('\u{306}') => (b.to_string(), Some('(')),
            b => (b.to_string(), None),
        };
        let tone = marks.iter().find(|m| ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'].contains(m)).copied();
        if let (true, Some(tone)) = (b.eq_ignore_ascii_case("i"), tone) {
            out.push_str(&match tone {
                '\u{301}' => pick("í", "Í"),
                '\u{300}' => pick("ì", "Ì"),
                '\u{309}' => pick("æ", "Æ"),
                '\u{303}' => pick("ó", "Ó"),
                _ => pick("ò", "Ò"),
            });
            continue;
        }
        out.push_str(&b);
        let mark = match (shape, tone) {
            (None, None) => None,
            (None, Some('\u{301}')) => Some(pick("ù", "Ù")),
            (None, Some('\u{300}')) => Some(pick("ø", "Ø")),
            (None, Some('\u{309}')) => Some(pick("û", "Û")),
            (None, Some('\u{303}')) => Some(pick("õ", "Õ")),
            (None, Some(_)) => Some(pick("ï", "Ï")),
            (Some('^'), None) => Some(pick("â", "Â")),
            (Some('^'), Some('\u{301}')) => Some(pick("á", "Á")),
            (Some('^'), Some('\u{300}')) => Some(pick("à", "À")),
            (Some('^'), Some('\u{309}')) => Some(pick("å", "Å")),
            (Some('^'), Some('\u{303}')) => Some(pick("ã", "Ã")),
            (Some('^'), Some(_)) => Some(pick("ä", "Ä")),
            (Some(_), None) => Some(pick("ê", "Ê")),
            (Some(_), Some('\u{301}')) => Some(pick("é", "É")),
            (Some(_), Some('\u{300}')) => Some(pick("è", "È")),
            (Some(_), Some('\u{309}')) => Some(pick("ú", "Ú")),
            (Some(_), Some('\u{303}')) => Some(pick("ü", "Ü")),
            (Some(_), Some(_)) => Some(pick("ë", "Ë")),
        };
        if let Some(m) = mark {
            out.push_str(&m);
        }
    }
    out
}

#[test]
#[ignore = "remakes the committed sample workbooks"]
fn make_samples() {
    std::fs::create_dir_all(DIR).unwrap();
    let task = "ĐTNN-03/2021";
    let cassava: Vec<Row> = vec![
        vec![t("A"), None, t("TÀI SẢN TRANG BỊ")],
        vec![
            n(1.0),
            None,
            t("Máy Real-time PCR CFX96 Touch"),
            t("Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("20/09/2021"),
            n(1_450_000_000.0),
            None,
            t(task),
            t("Trang bị"),
        ],
        vec![
            n(2.0),
            None,
            t("Tủ an toàn sinh học cấp II"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(2.0),
            t("05/10/2021"),
            n(370_000_000.0),
            None,
            t(task),
            t("Trang bị"),
        ],
        vec![
            n(3.0),
            None,
            t("Nhà lưới nhân giống hom sắn sạch bệnh 500 m²"),
            t("Nhà lưới, nhà kính, vật kiến trúc khác"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("18/02/2022"),
            n(620_000_000.0),
            None,
            t(task),
            t("Trang bị"),
        ],
        vec![
            n(4.0),
            None,
            t("Máy phun thuốc bảo vệ thực vật động cơ"),
            t("Máy móc, thiết bị nông nghiệp"),
            t("TTUD"),
            t("Cái"),
            n(4.0),
            t("12/11/2021"),
            n(38_000_000.0),
            None,
            t(task),
            t("Trang bị"),
        ],
        vec![None, None, t("Cộng A"), None, None, None, None, None, n(2_478_000_000.0)],
        vec![t("B"), None, t("TÀI SẢN LÀ KẾT QUẢ")],
        vec![
            n(5.0),
            None,
            t("Hom sắn giống sạch bệnh (giống KM94, HN1)"),
            t("HHK-01"),
            t("TTUD"),
            t("Hom"),
            n(20_000.0),
            t("30/10/2023"),
            n(60_000_000.0),
            None,
            t(task),
            t("Kết quả"),
        ],
        vec![
            n(6.0),
            None,
            t("Quy trình kỹ thuật nhân giống và phòng trừ tổng hợp bệnh khảm lá sắn"),
            t("VH-SHTT"),
            t("TTUD"),
            t("Quy trình"),
            n(1.0),
            t("15/03/2024"),
            n(250_000_000.0),
            None,
            t(task),
            t("Kết quả"),
        ],
        vec![None, None, t("Cộng B"), None, None, None, None, None, n(310_000_000.0)],
        vec![None, None, t("Tổng cộng"), None, None, None, None, None, n(2_788_000_000.0)],
    ];
    register(
        "khamlasan.xlsx",
        "DANH MỤC TÀI SẢN HÌNH THÀNH QUA NHIỆM VỤ KHẢM LÁ SẮN",
        "Tài sản trang bị / kết quả",
        &cassava,
        &plain,
    );

    // Numbers typed as text, dates as text, real dates and years alone, NFD text, sections, subtotals.
    let messy: Vec<Row> = vec![
        vec![t("I"), None, t("Máy móc, thiết bị")],
        vec![
            n(1.0),
            t("HC-001"),
            t("Máy photocopy khổ A3"),
            t("MMTB-VP"),
            t("HCTH"),
            t("Cái"),
            n(1.0),
            t("01/07/2020"),
            t("68.000.000"),
            None,
            None,
            t("Để ở văn phòng"),
        ],
        vec![
            n(2.0),
            t("HC-002"),
            t("Ma\u{301}y ti\u{301}nh để bàn"),
            t("Máy vi tính, thiết bị công nghệ thông tin"),
            t("Phòng HCTH"),
            t("Bộ"),
            n(10.0),
            n(2021.0),
            t("155 000 000"),
            None,
            None,
            None,
        ],
        vec![
            n(3.0),
            t("HC-003"),
            t("Máy chủ lưu trữ hồ sơ"),
            t("MMTB-VT"),
            t("HCTH"),
            t("Cái"),
            n(1.0),
            t("2022"),
            n(150_000_000.0),
            n(35_000_000.0),
            None,
            None,
        ],
        vec![None, None, t("Cộng I"), None, None, None, None, None, n(408_000_000.0)],
        vec![],
        vec![t("II"), None, t("Phương tiện vận tải")],
        vec![
            n(4.0),
            t("HC-004"),
            t("Xe ô tô 7 chỗ"),
            t("Xe ô tô phục vụ công tác chung"),
            t("HCTH"),
            t("Chiếc"),
            n(1.0),
            t("10/12/2019"),
            t("1.050.000.000"),
            None,
            None,
            t("Biển số 76A-099.88"),
        ],
        vec![None, None, t("Cộng II"), None, None, None, None, None, n(1_050_000_000.0)],
        vec![None, None, t("Tổng cộng"), None, None, None, None, None, n(1_458_000_000.0)],
    ];
    register("so-tai-san-lon-xon.xlsx", "SỔ TÀI SẢN CỐ ĐỊNH NĂM 2024", "Ghi chú", &messy, &plain);

    let legacy_rows: Vec<Row> = vec![
        vec![
            n(1.0),
            t("TT-001"),
            t("Máy quang phổ tử ngoại khả kiến"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("25/11/2019"),
            n(420_000_000.0),
            None,
            None,
            t("Phòng thử nghiệm"),
        ],
        vec![
            n(2.0),
            t("TT-002"),
            t("Tủ sấy tiệt trùng"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("12/04/2018"),
            n(48_000_000.0),
            None,
            None,
            t("Hỏng bộ điều nhiệt"),
        ],
        vec![
            n(3.0),
            t("TT-003"),
            t("Bộ quả cân chuẩn cấp chính xác F1"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Bộ"),
            n(1.0),
            t("15/10/2020"),
            n(95_000_000.0),
            None,
            None,
            t("Phòng đo lường"),
        ],
    ];
    register("tcvn3.xlsx", "DANH MỤC TÀI SẢN TRUNG TÂM", "Ghi chú", &legacy_rows, &to_tcvn3);
    register("vni.xlsx", "DANH MỤC TÀI SẢN TRUNG TÂM", "Ghi chú", &legacy_rows, &to_vni);

    let mistakes: Vec<Row> = vec![
        vec![
            n(1.0),
            t("LOI-01"),
            t("Máy đo độ ẩm"),
            t("MMTB-TN"),
            t("Trung tam Ung dung"),
            t("Cái"),
            n(1.0),
            t("02/03/2023"),
            n(25_000_000.0),
        ],
        vec![
            n(2.0),
            t("LOI-02"),
            t("Cân điện tử"),
            t("Thiết bị bay"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("02/03/2023"),
            n(12_000_000.0),
        ],
        vec![
            n(3.0),
            t("LOI-03"),
            t("Máy khuấy từ"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("31/02/2024"),
            t("một trăm triệu"),
        ],
        vec![
            n(4.0),
            t("LOI-04"),
            t("Bể ổn nhiệt"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("02/03/2023"),
            n(15_500_000.5),
        ],
        vec![
            n(5.0),
            t("LOI-01"),
            t("Máy đo độ ẩm (ghi lại)"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("02/03/2023"),
            n(25_000_000.0),
        ],
        vec![n(6.0), t("LOI-06"), None, t("MMTB-TN"), t("TTUD"), t("Cái"), n(1.0), t("02/03/2023"), n(30_000_000.0)],
        vec![
            n(7.0),
            t("LOI-07"),
            t("Tủ lạnh bảo quản mẫu"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(-2.0),
            t("02/03/2023"),
            n(30_000_000.0),
        ],
        vec![
            n(8.0),
            t("LOI-08"),
            t("Máy cất nước hai lần"),
            t("MMTB-TN"),
            t("TTUD"),
            t("Cái"),
            n(1.0),
            t("02/03/2023"),
            n(45_000_000.0),
        ],
    ];
    register("loi.xlsx", "DANH MỤC TÀI SẢN (CÓ LỖI)", "Ghi chú", &mistakes, &plain);

    // CSV as an old office PC saves it: Windows-1258 with semicolons.
    let csv = "Mã tài sản;Tên tài sản;Nhóm tài sản;Đơn vị quản lý;Số lượng;Đơn giá;Ngày tăng\r\n\
               QK-01;Máy tính xách tay;MMTB-VT;QLKH;1;21.000.000;08/03/2022\r\n\
               QK-02;Máy scan tài liệu tốc độ cao;MMTB-VP;QLKH;2;12.000.000;20/11/2023\r\n";
    // Windows-1258 has â, ă, ơ, ư, đ precomposed and the five tones as combining marks.
    let cp1258_form: String = {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        for c in csv.nfd() {
            if ['\u{302}', '\u{306}', '\u{31B}'].contains(&c) {
                // The shape joins its base letter; a tone already written (dot below sorts first) follows it.
                let mut tones = vec![];
                while out.chars().last().is_some_and(|l| ('\u{300}'..='\u{36F}').contains(&l)) {
                    tones.push(out.pop().unwrap());
                }
                let base = out.pop().unwrap();
                out.extend([base, c].iter().collect::<String>().nfc());
                out.extend(tones.into_iter().rev());
            } else {
                out.push(c);
            }
        }
        out
    };
    let (bytes, _, bad) = encoding_rs::WINDOWS_1258.encode(&cp1258_form);
    assert!(!bad);
    std::fs::write(format!("{DIR}/qlkh-cp1258.csv"), bytes).unwrap();
}

/// A sheet laid out from `headers` (one header row) below a title block, `rows` below it and a
/// signature block — for the registers offices keep in their own shape.
fn office_sheet(path: &str, titles: &[&str], headers: &[&str], rows: &[Row], signers: &[&str]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center).set_text_wrap();
    for (r, title) in titles.iter().enumerate() {
        ws.write_string(r as u32, 0, *title).unwrap();
    }
    let head = titles.len() as u32 + 1;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(head, c as u16, *h, &bold).unwrap();
    }
    let mut r = head + 1;
    for row in rows {
        write_row(ws, r, row, &plain);
        r += 1;
    }
    r += 1;
    for (i, s) in signers.iter().enumerate() {
        ws.write_string(r, (i * 3) as u16 + 1, *s).unwrap();
        ws.write_string(r + 1, (i * 3) as u16 + 1, "(Ký, ghi rõ họ tên)").unwrap();
    }
    wb.save(format!("{DIR}/{path}")).unwrap();
}

#[test]
#[ignore = "remakes the committed sample workbooks of registers kept in offices' own shape"]
fn make_office_samples() {
    std::fs::create_dir_all(DIR).unwrap();
    // The Center's own register: its sections and places in «Bộ phận sử dụng», no unit column.
    let center: Vec<Row> = vec![
        vec![t("I"), t("MÁY MÓC, THIẾT BỊ")],
        vec![
            n(1.0),
            t("Máy quang phổ tử ngoại khả kiến UV-Vis"),
            t("Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng"),
            t("Phòng thí nghiệm"),
            t("Cái"),
            n(1.0),
            n(2019.0),
            n(685_000_000.0),
            None,
        ],
        vec![
            n(2.0),
            t("Tủ cấy vi sinh"),
            t("Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng"),
            t("Phòng thí nghiệm"),
            t("Cái"),
            n(1.0),
            n(2020.0),
            n(98_500_000.0),
            None,
        ],
        vec![
            n(3.0),
            t("Cân phân tích 4 số lẻ"),
            t("Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng"),
            t("Bộ phận đo lường"),
            t("Cái"),
            n(2.0),
            n(2018.0),
            n(42_000_000.0),
            None,
        ],
        vec![
            n(4.0),
            t("Máy đo pH để bàn"),
            t("Máy móc, thiết bị thí nghiệm, đo lường chuyên dùng"),
            t("Bộ phận đo lường"),
            t("Cái"),
            n(1.0),
            n(2021.0),
            n(18_600_000.0),
            t("Đã hiệu chuẩn 2024"),
        ],
        vec![
            n(5.0),
            t("Máy cày tay Kubota"),
            t("Máy móc, thiết bị nông nghiệp"),
            t("Trại thực nghiệm"),
            t("Chiếc"),
            n(1.0),
            n(2017.0),
            n(36_000_000.0),
            None,
        ],
        vec![
            n(6.0),
            t("Máy vi tính để bàn"),
            t("Máy vi tính, thiết bị công nghệ thông tin"),
            t("Văn phòng Trung tâm"),
            t("Bộ"),
            n(3.0),
            n(2022.0),
            n(45_600_000.0),
            None,
        ],
        vec![None, t("Cộng I"), None, None, None, n(9.0), None, n(925_700_000.0)],
        vec![t("II"), t("VẬT KIẾN TRÚC")],
        vec![
            n(7.0),
            t("Nhà lưới trồng sắn giống"),
            t("Nhà lưới, nhà kính, vật kiến trúc khác"),
            t("Trại thực nghiệm"),
            t("Cái"),
            n(1.0),
            n(2021.0),
            n(520_000_000.0),
            t("500 m²"),
        ],
        vec![None, t("Cộng II"), None, None, None, n(1.0), None, n(520_000_000.0)],
        vec![None, t("Tổng cộng"), None, None, None, n(10.0), None, n(1_445_700_000.0)],
    ];
    office_sheet(
        "so-tai-san-trung-tam.xlsx",
        &[
            "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH QUẢNG NGÃI",
            "TRUNG TÂM ỨNG DỤNG VÀ DỊCH VỤ KHOA HỌC VÀ CÔNG NGHỆ",
            "SỔ THEO DÕI TÀI SẢN CỐ ĐỊNH NĂM 2025",
        ],
        &[
            "STT",
            "Tên tài sản",
            "Loại tài sản",
            "Bộ phận sử dụng",
            "ĐVT",
            "Số lượng",
            "Năm mua",
            "Nguyên giá",
            "Ghi chú",
        ],
        &center,
        &["Người lập", "Kế toán", "Giám đốc"],
    );
    // An S&T task's list of what it bought: name, quantity, unit price, amount — no category, no unit.
    let task: Vec<Row> = vec![
        vec![
            n(1.0),
            t("Máy vi tính để bàn Dell OptiPlex 7010"),
            t("Bộ"),
            n(2.0),
            n(18_500_000.0),
            n(37_000_000.0),
            None,
        ],
        vec![
            n(2.0),
            t("Máy in laser HP LaserJet Pro M404dn"),
            t("Cái"),
            n(1.0),
            n(12_900_000.0),
            n(12_900_000.0),
            None,
        ],
        vec![
            n(3.0),
            t("Máy PCR định lượng (Real-time PCR)"),
            t("Hệ thống"),
            n(1.0),
            n(1_250_000_000.0),
            n(1_250_000_000.0),
            t("Kèm bộ máy tính điều khiển"),
        ],
        vec![n(4.0), t("Tủ an toàn sinh học cấp II"), t("Cái"), n(1.0), n(285_000_000.0), n(285_000_000.0), None],
        vec![n(5.0), t("Máy ly tâm lạnh"), t("Cái"), n(1.0), n(164_000_000.0), n(164_000_000.0), None],
        vec![n(6.0), t("Kính hiển vi soi nổi"), t("Cái"), n(1.0), n(58_000_000.0), n(58_000_000.0), None],
        vec![n(7.0), t("Bộ dụng cụ tách chiết DNA"), t("Bộ"), n(1.0), n(24_000_000.0), n(24_000_000.0), None],
        vec![
            n(8.0),
            t("Máy điều hòa nhiệt độ 18.000 BTU"),
            t("Cái"),
            n(2.0),
            n(15_500_000.0),
            n(31_000_000.0),
            t("Phòng nuôi cấy mô"),
        ],
        vec![None, t("Cộng"), None, None, None, n(1_861_900_000.0)],
    ];
    office_sheet(
        "danh-muc-tai-san-nhiem-vu.xlsx",
        &[
            "DANH MỤC TÀI SẢN, THIẾT BỊ MUA SẮM CỦA NHIỆM VỤ",
            "Tên nhiệm vụ: Nghiên cứu quy trình nhân giống sắn sạch bệnh khảm lá",
        ],
        &["STT", "Tên tài sản, thiết bị", "ĐVT", "Số lượng", "Đơn giá", "Thành tiền", "Ghi chú"],
        &task,
        &["Người lập biểu", "Chủ nhiệm nhiệm vụ"],
    );
}
