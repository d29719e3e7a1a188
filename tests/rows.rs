//! The import's invariant, over generated registers: a row is skipped only when its structure says
//! so. Names, categories and notes come from the words real registers use — «Cổng», «Công trình»,
//! «Cống», «Công cụ», «Tổng kho», «Cộng hòa», «ngày … tháng … năm …» — and subtotals, sections and
//! signatures sit where offices put them. No data row is ever lost, and every row read comes out.

use proptest::prelude::*;

use taisan::excel::Cell;
use taisan::import::table::{Column, RowKind, Table};
use taisan::text::legacy::Legacy;

const HEADERS: &[(&str, &str)] = &[
    ("STT", "row_number"),
    ("Mã tài sản", "code"),
    ("Tên tài sản", "name"),
    ("Nhóm tài sản", "category"),
    ("Đơn vị tính", "unit_of_measure"),
    ("Số lượng", "quantity"),
    ("Nguyên giá", "original_cost"),
    ("Ghi chú", "notes"),
];

fn table() -> Table {
    Table {
        sheet: "Sổ".into(),
        encoding: Legacy::Unicode,
        header_rows: vec![5],
        columns: HEADERS
            .iter()
            .enumerate()
            .map(|(i, (h, f))| Column { index: i as u32, header: h.to_string(), field: Some(f.to_string()) })
            .collect(),
        other_sheets: vec![],
    }
}

const NAMES: &[&str] = &[
    "Cổng và tường rào khu thí nghiệm",
    "Công trình nhà lưới",
    "Cống thoát nước",
    "Công cụ, dụng cụ phòng thí nghiệm",
    "Cổng",
    "Cộng hòa điện tử — màn hình",
    "Tổng kho vật tư",
    "Tổng đài điện thoại",
    "Giám đốc — bàn làm việc",
    "Máy tính để bàn",
    "Tủ an toàn sinh học cấp II",
    "Nhà lưới nhân giống hom sắn",
    "I",
    "A",
    "Cộng",
];
const CATEGORIES: &[&str] = &[
    "Công cụ, dụng cụ",
    "Máy móc, thiết bị văn phòng",
    "Nhà lưới, nhà kính, vật kiến trúc khác",
    "MMTB-TN",
    "Cộng hòa",
];
const NOTES: &[&str] = &[
    "",
    "Nghiệm thu ngày 18 tháng 2 năm 2022",
    "Quảng Ngãi, ngày 15 tháng 12 năm 2024",
    "Người lập biểu",
    "Tổng cộng",
    "Cộng",
    "Để ở văn phòng",
];
const SECTIONS: &[&str] = &["Nhà cửa, vật kiến trúc", "Máy móc, thiết bị", "TÀI SẢN LÀ KẾT QUẢ", "Công trình phụ trợ"];
const ROMAN: &[&str] = &["I", "II", "III", "IV", "V", "A", "B", "C"];

#[derive(Debug, Clone)]
struct DataRow {
    code: bool,
    name: usize,
    category: usize,
    uom: bool,
    quantity: u32,
    cost: u64,
    note: usize,
    text_cost: bool,
}

#[derive(Debug, Clone)]
struct Group {
    /// The section title above the group, with the group's total on it or not.
    title: Option<(usize, bool)>,
    rows: Vec<DataRow>,
    /// A subtotal below: labelled «Cộng …» (true) or figures alone (false).
    subtotal: Option<bool>,
}

#[derive(Debug, Clone)]
struct Register {
    numbering: bool,
    grand_total_on_top: bool,
    groups: Vec<Group>,
    grand_total: bool,
    signatures: bool,
}

fn data_row() -> impl Strategy<Value = DataRow> {
    (
        any::<bool>(),
        0..NAMES.len(),
        0..CATEGORIES.len(),
        any::<bool>(),
        1u32..6,
        1u64..2_000_000,
        0..NOTES.len(),
        any::<bool>(),
    )
        .prop_map(|(code, name, category, uom, quantity, cost, note, text_cost)| DataRow {
            code,
            name,
            category,
            uom,
            quantity,
            cost: cost * 1000,
            note,
            text_cost,
        })
}

fn group() -> impl Strategy<Value = Group> {
    (
        proptest::option::of((0..SECTIONS.len(), any::<bool>())),
        proptest::collection::vec(data_row(), 1..6),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(title, rows, subtotal)| Group { title, rows, subtotal })
}

fn register() -> impl Strategy<Value = Register> {
    (any::<bool>(), any::<bool>(), proptest::collection::vec(group(), 1..5), any::<bool>(), any::<bool>()).prop_map(
        |(numbering, grand_total_on_top, groups, grand_total, signatures)| Register {
            numbering,
            grand_total_on_top,
            groups,
            grand_total,
            signatures,
        },
    )
}

/// What a generated row is meant to be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Meant {
    Data,
    Structure,
}

fn t(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

fn money(n: u64, as_text: bool) -> Cell {
    if as_text {
        Cell::Text(taisan::text::format_number(n as i64))
    } else {
        Cell::Number(n as f64)
    }
}

/// The sheet's rows below the header, each with what it is meant to be.
fn rows_of(reg: &Register) -> Vec<(Vec<Cell>, Meant)> {
    let mut out = vec![];
    let width = HEADERS.len();
    let blank = || vec![Cell::Empty; width];
    if reg.numbering {
        out.push(((1..=width).map(|i| t(&format!("({i})"))).collect(), Meant::Structure));
    }
    let total_cost: u64 = reg.groups.iter().flat_map(|g| &g.rows).map(|r| r.cost).sum();
    if reg.grand_total_on_top {
        let mut r = blank();
        r[2] = t("Tổng cộng");
        r[6] = money(total_cost, false);
        out.push((r, Meant::Structure));
    }
    let mut n = 0;
    for (gi, g) in reg.groups.iter().enumerate() {
        let cost: u64 = g.rows.iter().map(|r| r.cost).sum();
        let qty: u32 = g.rows.iter().map(|r| r.quantity).sum();
        if let Some((s, with_total)) = g.title {
            let mut r = blank();
            r[0] = t(ROMAN[gi % ROMAN.len()]);
            r[2] = t(SECTIONS[s]);
            if with_total {
                r[6] = money(cost, false);
            }
            out.push((r, Meant::Structure));
        }
        for d in &g.rows {
            n += 1;
            let mut r = blank();
            r[0] = Cell::Number(n as f64);
            if d.code {
                r[1] = t(&format!("TS-{n:04}"));
            }
            r[2] = t(NAMES[d.name]);
            r[3] = t(CATEGORIES[d.category]);
            if d.uom {
                r[4] = t("Cái");
            }
            r[5] = Cell::Number(d.quantity as f64);
            r[6] = money(d.cost, d.text_cost);
            r[7] = t(NOTES[d.note]);
            out.push((r, Meant::Data));
        }
        if let Some(labelled) = g.subtotal {
            let mut r = blank();
            if labelled {
                r[2] = t(&format!("Cộng {}", ROMAN[gi % ROMAN.len()]));
            }
            r[5] = Cell::Number(qty as f64);
            r[6] = money(cost, false);
            // A figures-only subtotal of one row is that row repeated: it proves nothing.
            if labelled || g.rows.len() >= 2 {
                out.push((r, Meant::Structure));
            }
        }
    }
    if reg.grand_total {
        let mut r = blank();
        r[2] = t("Tổng cộng");
        r[6] = money(total_cost, false);
        out.push((r, Meant::Structure));
    }
    if reg.signatures {
        let mut r = blank();
        r[1] = t("Người lập biểu");
        r[6] = t("Thủ trưởng đơn vị");
        out.push((r, Meant::Structure));
        let mut r = blank();
        r[1] = t("(Ký, họ tên)");
        r[6] = t("(Ký, họ tên, đóng dấu)");
        out.push((r, Meant::Structure));
        let mut r = blank();
        r[1] = t("Nguyễn Văn An");
        r[6] = t("Trần Thị Bình");
        out.push((r, Meant::Structure));
        let mut r = blank();
        r[6] = t("Quảng Ngãi, ngày 31 tháng 12 năm 2024");
        out.push((r, Meant::Structure));
    }
    out
}

/// Runs the rows through the reader as the importers do; the kinds by Excel row.
fn sort(rows: &[(Vec<Cell>, Meant)]) -> (Vec<(u32, RowKind)>, usize) {
    let table = table();
    let mut reader = table.row_reader(taisan::assets::import::spec());
    let mut got = vec![];
    for (i, (cells, _)) in rows.iter().enumerate() {
        // Sheet rows 0-4 are the header's; a blank row between every other row, as offices leave them.
        let r = 5 + 2 * i as u32;
        got.extend(reader.push(r, cells.clone()).into_iter().map(|row| (row.excel_row, row.kind)));
        reader.push(r + 1, vec![Cell::Empty; 3]);
    }
    got.extend(reader.finish().into_iter().map(|row| (row.excel_row, row.kind)));
    got.sort_by_key(|(r, _)| *r);
    (got, reader.rows_read())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_data_row_is_lost_and_every_row_comes_out(reg in register()) {
        let rows = rows_of(&reg);
        let (got, read) = sort(&rows);
        prop_assert_eq!(read, rows.len(), "rows read");
        prop_assert_eq!(got.len(), rows.len(), "every row read has a kind");
        for ((excel_row, kind), (cells, meant)) in got.iter().zip(&rows) {
            let shown: Vec<String> = cells.iter().map(Cell::display).collect();
            match meant {
                Meant::Data => prop_assert_eq!(kind, &RowKind::Data, "row {} {:?}", excel_row, shown),
                Meant::Structure => prop_assert!(matches!(kind, RowKind::Skip(_)), "row {} {:?}: {:?}", excel_row, shown, kind),
            }
        }
    }
}

#[test]
fn a_total_that_adds_up_nothing_is_a_warning_not_a_silent_skip() {
    let mut rows = rows_of(&Register {
        numbering: true,
        grand_total_on_top: false,
        groups: vec![Group {
            title: None,
            rows: vec![
                DataRow {
                    code: false,
                    name: 0,
                    category: 0,
                    uom: true,
                    quantity: 1,
                    cost: 5_000_000,
                    note: 0,
                    text_cost: false,
                },
                DataRow {
                    code: false,
                    name: 1,
                    category: 1,
                    uom: true,
                    quantity: 2,
                    cost: 7_000_000,
                    note: 1,
                    text_cost: false,
                },
            ],
            subtotal: None,
        }],
        grand_total: false,
        signatures: false,
    });
    let mut wrong = vec![Cell::Empty; HEADERS.len()];
    wrong[2] = t("Cộng");
    wrong[6] = Cell::Number(13_000_000.0);
    rows.push((wrong, Meant::Structure));
    let (got, _) = sort(&rows);
    assert_eq!(got[1].1, RowKind::Data);
    assert_eq!(got[2].1, RowKind::Data);
    assert!(matches!(&got[3].1, RowKind::Warn(m) if m.contains("không bằng tổng")), "{:?}", got[3]);
}

#[test]
fn small_numbers_that_do_not_run_are_data_and_a_numbering_row_is_only_under_the_header() {
    let numbers = |v: &[f64]| -> Vec<Cell> {
        let mut r = vec![Cell::Empty; HEADERS.len()];
        for (i, n) in v.iter().enumerate() {
            r[i] = Cell::Number(*n);
        }
        r[2] = t("Máy đo pH");
        r[3] = t("MMTB-TN");
        r
    };
    let mut first = vec![Cell::Empty; HEADERS.len()];
    for (i, c) in first.iter_mut().enumerate() {
        *c = Cell::Number((i + 1) as f64);
    }
    let rows = vec![(numbers(&[2.0, 4.0, 6.0]), Meant::Data), (first.clone(), Meant::Data)];
    let (got, _) = sort(&rows);
    assert_eq!(got[0].1, RowKind::Data, "2, 4, 6 do not number columns");
    assert_eq!(got[1].1, RowKind::Data, "1, 2, 3… below a data row is not the numbering row");
    let (got, _) = sort(&[(first, Meant::Structure)]);
    assert_eq!(got[0].1, RowKind::Skip("Dòng đánh số cột".into()));
}
