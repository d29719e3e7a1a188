//! Any text through the parsers people's typing reaches: money, dates, legacy Vietnamese encodings,
//! folding. Each gives a value or a reason, and conversions end in NFC.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;


fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = taisan::text::parse_money(&s);
    let _ = taisan::text::parse_date(&s);
    let _ = taisan::text::fold(&s);
    let _ = taisan::excel::decode_text(data);
    use taisan::text::legacy::{convert, detect, Legacy};
    let _ = detect([s.as_ref()]);
    for enc in [Legacy::Tcvn3, Legacy::Vni, Legacy::Viqr] {
        let out = convert(&s, enc);
        assert_eq!(out, out.nfc().collect::<String>(), "{} gives NFC", enc.name());
    }
});
