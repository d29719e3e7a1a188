//! Any bytes as an uploaded workbook: the reader, the table finder and the row reader must answer
//! with a value or a Vietnamese refusal — never a panic, never unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taisan::excel::{self, Limits};
use taisan::import::table;

fuzz_target!(|data: &[u8]| {
    // The reader turns a library's panic on a damaged file into a refusal (`excel::guard`);
    // libFuzzer's hook would abort on it first. A panic that escapes is still a crash.
    std::panic::set_hook(Box::new(|_| {}));
    // Small limits: the fuzzer explores shapes, not sizes.
    let limits = Limits { max_bytes: 4 * 1024 * 1024, max_cells: 200_000, max_columns: 200, ..Default::default() };
    let name = match data.first().map(|b| b % 4) {
        Some(0) => "tep.xlsx",
        Some(1) => "tep.xls",
        Some(2) => "tep.ods",
        _ => "tep.csv",
    };
    let Ok(sheets) = excel::heads(data, name, &limits) else { return };
    let syn = taisan::assets::import::spec();
    let Ok(t) = table::find(&sheets, None, syn) else { return };
    let mut reader = t.row_reader(syn);
    let _ = excel::each_row(data, name, &t.sheet, &limits, |_| {}, |r, cells| {
        for row in reader.push(r, cells) {
            for c in &row.cells {
                let _ = taisan::text::parse_money(&c.display());
            }
        }
        Ok(())
    });
});
