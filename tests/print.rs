//! The print set-up holds: each report layout, converted to PDF by LibreOffice (headless), has its
//! title and header on page one and the header repeated on the next pages. Ignored by the plain
//! `cargo test` (a fresh machine may have no LibreOffice); CI installs libreoffice-calc-nogui and
//! poppler-utils and runs `cargo test --test print -- --ignored`, failing if they are missing.

mod common;

use std::process::Command;

fn tool(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/local/bin"] {
        let p = format!("{dir}/{name}");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    panic!("{name} is not installed: apt-get install libreoffice-calc-nogui poppler-utils");
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_register_prints_with_its_title_and_repeated_header() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    // Enough rows for several pages.
    for i in 0..120 {
        app.asset(serde_json::json!({"name": format!("Máy đo số {i}")})).await;
    }
    let filter = taisan::assets::AssetFilter { sort: "code".into(), page: 1, per_page: 50, ..Default::default() };
    let bytes = app
        .db
        .read_sync(|c| {
            taisan::assets::export::register_workbook(c, &filter, taisan::text::today(), &Default::default())?
                .to_bytes()
        })
        .unwrap();
    // 170 rows over several pages, each at 8 pt or more with nothing cut.
    prints_as_filed("so-tai-san-day-du", bytes.clone(), &text_cells(&bytes));
    let (_dir, pdf) = to_pdf("so-tai-san", bytes);
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    let info = String::from_utf8(Command::new(tool("pdfinfo")).arg(&pdf).output().unwrap().stdout).unwrap();
    let pages: u32 = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 2, "{info}");
    let page_text = |n: u32| {
        let out = Command::new(tool("pdftotext"))
            .args(["-f", &n.to_string(), "-l", &n.to_string(), "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let first = page_text(1);
    for expected in ["DANH SÁCH TÀI SẢN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nguyên giá", "Nguồn NSNN", "Trang 1 /"]
    {
        assert!(first.contains(expected), "page 1 lacks «{expected}»:\n{first}");
    }
    let second = page_text(2);
    assert!(second.contains("Nguồn NSNN") && second.contains("Trang 2 /"), "the header repeats on page 2:\n{second}");
    // One page wide: no column spills onto pages of its own.
    assert!(!second.contains("DANH SÁCH TÀI SẢN"));
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_year_reports_print_with_their_form_and_header() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    let filter = taisan::assets::AssetFilter { sort: "code".into(), page: 1, per_page: 50, ..Default::default() };
    for (name, title, form, column) in [
        ("hao-mon", "BẢNG TÍNH HAO MÒN TÀI SẢN CỐ ĐỊNH", "Mẫu số C55-HD", "Trong năm"),
        ("so-tscd", "SỔ TÀI SẢN CỐ ĐỊNH", "Mẫu số S24-H", "Ghi tăng tài sản cố định"),
    ] {
        let bytes = app
            .db
            .read_sync(|c| match name {
                "hao-mon" => taisan::assets::export::wear_workbook(c, &filter, 2025, &Default::default())?.to_bytes(),
                _ => taisan::assets::export::fixed_asset_book(c, &filter, 2025, &Default::default())?.to_bytes(),
            })
            .unwrap();
        check_year_report(name, bytes, &[title, "Năm 2025", form, column, "Trang 1 /"]);
    }
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_asset_card_prints_with_its_facts_and_wear() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    let bytes = app
        .db
        .read_sync(|c| {
            let filter =
                taisan::assets::AssetFilter { q: Some("CFX96".into()), page: 1, per_page: 1, ..Default::default() };
            let id = taisan::assets::list(c, &filter)?.items[0].asset.id;
            let view = taisan::assets::find_view(c, id)?;
            taisan::assets::export::asset_card(c, &view, chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())?
                .to_bytes()
        })
        .unwrap();
    check_year_report(
        "the-tscd",
        bytes,
        &["THẺ TÀI SẢN CỐ ĐỊNH", "Máy Real-time PCR CFX96 Touch", "Giá trị còn lại", "Kế toán trưởng", "Trang 1 /"],
    );
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_changes_report_prints_with_its_period_and_reasons() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    let filter = taisan::assets::AssetFilter { sort: "code".into(), page: 1, per_page: 50, ..Default::default() };
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let bytes = app
        .db
        .read_sync(|c| {
            taisan::assets::export::changes_workbook(
                c,
                &filter,
                day(2021, 1, 1),
                day(2021, 12, 31),
                &Default::default(),
            )?
            .to_bytes()
        })
        .unwrap();
    check_year_report(
        "tang-giam",
        bytes,
        &["BÁO CÁO TĂNG, GIẢM TÀI SẢN", "Từ ngày 01/01/2021 đến ngày 31/12/2021", "Tăng — ", "Trang 1 /"],
    );
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_handling_papers_print_with_their_forms() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    // The demo's first handling: the cassava task's computer and net house handed to the Center.
    let (proposal, minutes, results) = app
        .db
        .read_sync(|c| {
            Ok((
                taisan::disposals::export::proposal_workbook(c, 1)?.to_bytes()?,
                taisan::disposals::export::handover_workbook(c, 1)?.to_bytes()?,
                taisan::disposals::export::task_handling_workbook(c, &taisan::auth::Scope::ALL, taisan::text::today())?
                    .to_bytes()?,
            ))
        })
        .unwrap();
    // 01/TSC-XLTS: the cover letter first, then the list with its one signature.
    let cells = text_cells(&proposal);
    let (first, all) = pdf_text("de-nghi", proposal.clone());
    for expected in [
        "V/v đề nghị xử lý tài sản",
        "Kính gửi: Sở Khoa học và Công nghệ tỉnh Quảng Ngãi",
        "Nghị định số 186/2025/NĐ-CP",
        "THỦ TRƯỞNG CƠ QUAN",
    ] {
        assert!(first.contains(expected), "the cover letter lacks «{expected}»:\n{first}");
    }
    for expected in ["DANH MỤC TÀI SẢN CÔNG ĐỀ NGHỊ XỬ LÝ", "01/TSC-XLTS", "Nhà lưới", "Tổng cộng:", "(11)"]
    {
        assert!(all.contains(expected), "the list lacks «{expected}»:\n{all}");
    }
    assert!(!all.contains("Kế toán trưởng") && !all.contains("Người lập"), "one signature, the head's:\n{all}");
    prints_as_filed("de-nghi", proposal, &cells);
    // 02/TSC-BBGN: the department hands the task's assets to the Center, in the form's order.
    check_year_report(
        "bien-ban",
        minutes,
        &[
            "BIÊN BẢN BÀN GIAO, TIẾP NHẬN TÀI SẢN CÔNG",
            "02/TSC-BBGN",
            "Đại diện bên giao (Sở Khoa học và Công nghệ tỉnh Quảng Ngãi)",
            "Đại diện bên nhận (Trung tâm Ứng dụng và Dịch vụ KH&CN)",
            "THÀNH PHẦN THAM GIA BÀN GIAO, TIẾP NHẬN",
        ],
    );
    check_year_report(
        "ket-qua",
        results,
        &["KẾT QUẢ XỬ LÝ TÀI SẢN HÌNH THÀNH QUA NHIỆM VỤ", "ĐTNN-03/2021", "Chưa xử lý", "Trang 1 /"],
    );
    let long_ago = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let (register, decisions) = app
        .db
        .read_sync(|c| {
            let today = taisan::text::today();
            Ok((
                taisan::disposals::export::disposal_register(c, &taisan::auth::Scope::ALL, long_ago, today)?
                    .to_bytes()?,
                taisan::disposals::export::decisions_list(c, &taisan::auth::Scope::ALL, long_ago, today)?.to_bytes()?,
            ))
        })
        .unwrap();
    check_year_report("so-xu-ly", register, &["SỔ THEO DÕI XỬ LÝ TÀI SẢN", "Thanh lý — bán", "Trang 1 /"]);
    check_year_report("quyet-dinh", decisions, &["DANH SÁCH QUYẾT ĐỊNH XỬ LÝ TÀI SẢN", "312/QĐ-UBND", "Trang 1 /"]);
}

fn check_year_report(name: &str, bytes: Vec<u8>, expected_on_page_one: &[&str]) {
    let cells = text_cells(&bytes);
    let (first, all) = pdf_text(name, bytes.clone());
    for expected in expected_on_page_one {
        assert!(first.contains(expected), "{name}: page 1 lacks «{expected}»:\n{first}");
    }
    assert!(all.contains("Tổng cộng"));
    prints_as_filed(name, bytes, &cells);
}

/// One word of a printed page, with its box in points (pdftotext -bbox).
#[derive(Debug)]
struct Word {
    page: usize,
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

/// The ratio of a word's box height to its font size for Liberation Serif, which LibreOffice uses
/// for Times New Roman: poppler draws the box from the font's ascent (0.891 em) to its descent
/// (0.216 em).
const BOX_PER_POINT: f64 = 1.107;

/// What a PDF shows: the width of its pages and every word on every page.
fn words_of(pdf: &std::path::Path) -> (Vec<f64>, Vec<Word>) {
    let out = Command::new(tool("pdftotext")).arg("-bbox").arg(pdf).arg("-").output().unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (mut widths, mut words) = (vec![], vec![]);
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<page ") {
            widths.push(attr(line, "width"));
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, text) = rest.split_once('>').unwrap();
            let text = text.trim_end_matches("</word>");
            let text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
            words.push(Word {
                page: widths.len(),
                text,
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
            });
        }
    }
    (widths, words)
}

/// The text of every cell a workbook holds, every sheet, as written.
fn text_cells(bytes: &[u8]) -> Vec<String> {
    text_cells_of(bytes, None)
}

/// The text of every cell of one sheet, or of all.
fn text_cells_of(bytes: &[u8], only: Option<&str>) -> Vec<String> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = vec![];
    for name in wb.sheet_names().into_iter().filter(|n| only.is_none_or(|o| o == n)) {
        let range = wb.worksheet_range(&name).unwrap();
        for cell in range.used_cells() {
            if let calamine::Data::String(s) = cell.2 {
                if !s.trim().is_empty() {
                    out.push(s.clone());
                }
            }
        }
    }
    out
}

fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The paper as people file it, on every page: no text under 8 pt, nothing past the page's edge,
/// every word of every cell printed whole (a cut cell loses its end), no number shown as «###».
fn prints_as_filed(name: &str, bytes: Vec<u8>, cells: &[String]) {
    let (_dir, pdf) = to_pdf(name, bytes);
    let (widths, words) = words_of(&pdf);
    assert!(!words.is_empty(), "{name}: nothing printed");
    let smallest = words.iter().min_by(|a, b| (a.y_max - a.y_min).total_cmp(&(b.y_max - b.y_min))).unwrap();
    let size = (smallest.y_max - smallest.y_min) / BOX_PER_POINT;
    assert!(size >= 8.0, "{name}: «{}» on page {} prints at {size:.1} pt", smallest.text, smallest.page);
    for w in &words {
        assert!(
            w.x_min >= 0.0 && w.x_max <= widths[w.page - 1],
            "{name}: «{}» runs past page {}'s edge ({:.0}–{:.0} of {:.0} pt)",
            w.text,
            w.page,
            w.x_min,
            w.x_max,
            widths[w.page - 1]
        );
        assert!(!w.text.contains("###"), "{name}: a number too wide for its column on page {}", w.page);
    }
    // Word by word, as many times as the cells hold each: a cell's lines interleave with its
    // neighbours' in the page's reading order, and a cut cell loses a word or the end of one.
    // A wrapped line may end after a hyphen or a slash: those end a token too.
    let tokens = |s: &str| -> Vec<String> {
        nfc(s)
            .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    };
    let mut printed: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for w in &words {
        for t in tokens(&w.text) {
            *printed.entry(t).or_default() += 1;
        }
    }
    for cell in cells {
        for token in tokens(cell) {
            let left = printed.entry(token.clone()).or_default();
            *left -= 1;
            assert!(*left >= 0, "{name}: «{token}» of «{cell}» is not printed");
        }
    }
}

/// A workbook printed to PDF by LibreOffice (headless, a profile of its own), in a directory that
/// lives as long as the first value; `PRINT_KEEP=DIR` keeps a copy of both files there.
fn to_pdf(name: &str, bytes: Vec<u8>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join(format!("{name}.xlsx"));
    std::fs::write(&xlsx, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.path().display());
    Command::new(tool("soffice"))
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&xlsx)
        .output()
        .unwrap();
    let pdf = dir.path().join(format!("{name}.pdf"));
    if let Ok(keep) = std::env::var("PRINT_KEEP") {
        std::fs::copy(&xlsx, format!("{keep}/{name}.xlsx")).unwrap();
        std::fs::copy(&pdf, format!("{keep}/{name}.pdf")).unwrap();
    }
    (dir, pdf)
}

/// A workbook printed to PDF by LibreOffice: the text of page one, and of all pages.
fn pdf_text(name: &str, bytes: Vec<u8>) -> (String, String) {
    let (_dir, pdf) = to_pdf(name, bytes);
    let out =
        Command::new(tool("pdftotext")).args(["-f", "1", "-l", "1", "-layout"]).arg(&pdf).arg("-").output().unwrap();
    let first = String::from_utf8(out.stdout).unwrap();
    let all = Command::new(tool("pdftotext")).arg(&pdf).arg("-").output().unwrap();
    (first, String::from_utf8(all.stdout).unwrap())
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_count_papers_print_for_the_walk_round_and_the_signatures() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    // The demo's closed count (last year's) and its open one.
    let (minutes, sheet) = app
        .db
        .read_sync(|c| {
            let closed = taisan::inventory::find(c, 1)?;
            let open = taisan::inventory::find(c, 2)?;
            let key = taisan::inventory::sheets::SheetKey::All;
            Ok((
                taisan::inventory::minutes::workbook(c, &closed)?.to_bytes()?,
                taisan::inventory::sheets::count_sheet(c, &open, &key)?.1,
            ))
        })
        .unwrap();
    check_year_report(
        "bien-ban-kiem-ke",
        minutes,
        &[
            "BIÊN BẢN KIỂM KÊ TÀI SẢN CỐ ĐỊNH",
            "C53-HD",
            "Theo sổ kế toán",
            "Thực tế kiểm kê",
            "Chênh lệch",
            "Trưởng ban",
            "Trang 1 /",
        ],
    );
    // The sheet the counters fill: at 8 pt or more, nothing cut (its hidden list of conditions is
    // not printed, so only the sheet itself is compared).
    prints_as_filed("phieu-kiem-ke", sheet.clone(), &text_cells_of(&sheet, Some("Phiếu kiểm kê")));
    let (first, all) = pdf_text("phieu-kiem-ke", sheet);
    for expected in ["PHIẾU KIỂM KÊ TÀI SẢN", "Mã kiểm tra:", "Số lượng", "thực tế", "Trang 1 /"] {
        assert!(first.contains(expected), "the count sheet's page 1 lacks «{expected}»:\n{first}");
    }
    assert!(all.contains("Người kiểm kê"), "signed at the end:\n{all}");
    assert!(!all.contains("Hư hỏng, cần sửa chữa"), "the hidden list of conditions is not printed");
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_inspection_workbooks_print_with_the_chain_head() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    let actor = taisan::audit::Actor("thanhtra".into());
    let (_, bytes) = app.db.write_sync(|c| taisan::inspections::export::inspection_workbook(c, &actor, 1)).unwrap();
    check_year_report(
        "thanh-tra",
        bytes,
        &["TÓM TẮT KẾT QUẢ THANH TRA", "Đối chiếu nhật ký: sự kiện số", "Kiến nghị quá hạn", "Trang 1 /"],
    );
}

#[tokio::test]
#[ignore = "needs LibreOffice and poppler-utils; CI runs it with --ignored"]
async fn the_declaration_forms_print_one_page_wide() {
    use taisan::declarations::forms::{self, Form, MoneyUnit, Request};
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    for form in Form::ALL {
        let bytes = app
            .db
            .read_sync(|c| {
                let unit_id = taisan::rules::unit_id_by_code(c, "TTUD")?;
                let req = Request {
                    unit_id,
                    as_of: taisan::text::today(),
                    from: None,
                    money: MoneyUnit::Thousand,
                    supplement: false,
                };
                forms::render(c, *form, &req, &Default::default())?.to_bytes()
            })
            .unwrap();
        let name = format!("ke-khai-{}", form.code());
        let cells = text_cells(&bytes);
        let (first, _) = pdf_text(&name, bytes.clone());
        let code = format!("{}-ĐK/TSC", form.code());
        assert!(first.contains(&code) && first.contains("Trang 1 /"), "{name}: page 1 lacks its form number:\n{first}");
        let moment = if *form == Form::Movements { "Từ ngày" } else { "Thời điểm báo cáo" };
        assert!(first.contains(moment), "{name}:\n{first}");
        prints_as_filed(&name, bytes, &cells);
    }
}
