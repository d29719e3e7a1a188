//! Vietnamese text, numbers and dates as people type them and as they must be shown.

pub mod legacy;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use unicode_normalization::UnicodeNormalization;

/// Text is stored in NFC (TCVN 6909:2001 Unicode, precomposed).
pub fn nfc(s: &str) -> String {
    // Most text already is: the quick check spares rebuilding it a character at a time.
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// The first control character in `s` other than tab and line breaks (NUL, ESC, BEL, BS, DEL…):
/// what breaks PostgreSQL's text, terminals and exports, and what no person types.
pub fn control_char(s: &str) -> Option<char> {
    s.chars().find(|c| refused(*c))
}

fn refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The text with its control characters (other than tab and line breaks) removed: what an import
/// keeps of a cell when the person chose to have them removed rather than refused.
pub fn without_controls(s: &str) -> String {
    s.chars().filter(|c| !refused(*c)).collect()
}

/// Text safe to echo to a page, a workbook or a terminal: control characters shown as «�».
pub fn printable(s: &str) -> String {
    s.chars().map(|c| if refused(c) { '\u{FFFD}' } else { c }).collect()
}

/// The refusal of the field `key` whose text holds `c`: the field as sent (without its own control
/// characters) and the message — one shape for every door text comes in by.
pub fn control_refusal(key: &str, c: char) -> (String, String) {
    let key: String = key.chars().filter(|c| !refused(*c)).collect();
    let message = control_message(&key, c);
    (key, message)
}

/// The refusal of a text holding a control character, naming the field as people call it.
pub fn control_message(label: &str, c: char) -> String {
    format!("«{label}» chứa ký tự điều khiển không in được (mã U+{:04X}): hãy xóa ký tự này rồi gửi lại", c as u32)
}

/// Trims, normalises to NFC; empty becomes `None`.
pub fn clean(s: &str) -> Option<String> {
    let t = nfc(s.trim());
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

/// Folds text for search: no diacritics, đ → d, lower case, single spaces ("Máy PCR" → "may pcr").
pub fn fold(s: &str) -> String {
    fold_by_char(s).unwrap_or_else(|| fold_whole(s))
}

/// Folds one character at a time, each decomposed on its own — what a register's every name and
/// code goes through, several times an import. That equals decomposing the whole string unless a
/// mark outside the dropped ones is kept (only then could canonical ordering move it): `None`
/// then, and the whole string is decomposed.
fn fold_by_char(s: &str) -> Option<String> {
    let mut folded = Folded::new(s.len());
    let mut kept_mark = false;
    for c in s.chars() {
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| {
            if unicode_normalization::char::canonical_combining_class(d) != 0 && !is_dropped_mark(d) {
                kept_mark = true;
            }
            folded.push_folded(d);
        });
        if kept_mark {
            return None;
        }
    }
    Some(folded.finish())
}

/// The definition: the whole string decomposed (NFD), its combining diacritics dropped.
fn fold_whole(s: &str) -> String {
    let mut folded = Folded::new(s.len());
    for c in s.nfd() {
        folded.push_folded(c);
    }
    folded.finish()
}

/// The combining diacritics folding drops (U+0300–U+036F: Vietnamese tones and vowel marks).
fn is_dropped_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

/// Folded text as it is built: single spaces, none at either end.
struct Folded {
    out: String,
    space: bool,
}

impl Folded {
    fn new(capacity: usize) -> Folded {
        Folded { out: String::with_capacity(capacity), space: true }
    }

    /// A decomposed character: dropped if a diacritic, else lower-cased.
    fn push_folded(&mut self, c: char) {
        if is_dropped_mark(c) {
            return;
        }
        match c {
            'đ' | 'Đ' => self.push('d'),
            c if c.is_whitespace() => self.push(' '),
            c => c.to_lowercase().for_each(|l| self.push(l)),
        }
    }

    /// A character already lower-cased.
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            if !self.space {
                self.out.push(' ');
            }
            self.space = true;
            return;
        }
        self.space = false;
        self.out.push(c);
    }

    fn finish(mut self) -> String {
        if self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out
    }
}

/// The LIKE patterns of a search: one `%word%` per folded word, with LIKE's own wildcards escaped
/// (by `\\`), so "may pcr" matches rows whose folded text holds both words, and "%" matches only "%".
pub fn like_patterns(query: &str) -> Vec<String> {
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| format!("%{}%", w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        .collect()
}

/// A SHA-256 that serde writes into: what is hashed is serialized straight into it, with no text
/// or tree between.
pub struct Hashing(pub sha2::Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes as lowercase hexadecimal (digests, secrets, checksums).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

/// "1250000" → "1.250.000" (Vietnamese thousands separator).
pub fn format_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A decimal as Vietnamese write it, to at most `places` decimals: 1234.5 → "1.234,5".
pub fn format_decimal(v: f64, places: usize) -> String {
    let fixed = format!("{:.*}", places, v.abs());
    let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let whole = format_number(whole.parse::<i64>().unwrap_or(0));
    let sign = if v < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole},{frac}")
    }
}

/// "1.250.000 đ".
pub fn format_money(n: i64) -> String {
    format!("{} đ", format_number(n))
}

/// Parses an amount of whole đồng as people type it: "1.250.000", "1 250 000", "1,250,000",
/// "1.250.000 đ", "1250000,00". Returns a Vietnamese reason when it is not a whole number.
pub fn parse_money(s: &str) -> Result<i64, String> {
    let raw = s.trim();
    let mut t: String = raw
        .trim_end_matches("đồng")
        .trim_end_matches('đ')
        .trim_end_matches("VNĐ")
        .trim_end_matches("VND")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return Err(format!("«{raw}» không phải là số tiền"));
    }
    let negative = t.starts_with('-');
    if negative {
        t.remove(0);
    }
    // A decimal part is allowed only when it is zero ("1.250.000,00").
    let (int_part, frac) = match (t.rfind(','), t.rfind('.')) {
        (Some(c), Some(d)) if c > d => (t[..c].replace('.', ""), &t[c + 1..]),
        (Some(c), Some(d)) if d > c => (t[..d].replace(',', ""), &t[d + 1..]),
        (Some(_), None) if is_grouped(&t, ',') => (t.replace(',', ""), ""),
        (None, Some(_)) if is_grouped(&t, '.') => (t.replace('.', ""), ""),
        (Some(c), None) => (t[..c].to_string(), &t[c + 1..]),
        (None, Some(d)) => (t[..d].to_string(), &t[d + 1..]),
        _ => (t.clone(), ""),
    };
    if !frac.chars().all(|c| c == '0') {
        return Err(format!("«{raw}» không phải số nguyên đồng (phần lẻ sau dấu thập phân)"));
    }
    if int_part.is_empty() || !int_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("«{raw}» không phải là số"));
    }
    let v: i64 = int_part.parse().map_err(|_| format!("«{raw}» quá lớn"))?;
    Ok(if negative { -v } else { v })
}

/// "1.250.000": every group after the first has three digits.
fn is_grouped(t: &str, sep: char) -> bool {
    let mut parts = t.split(sep);
    let first = parts.next().unwrap_or("");
    !first.is_empty()
        && first.len() <= 3
        && parts.clone().count() >= 1
        && parts.all(|p| p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
}

/// Dates as people type them: dd/mm/yyyy (also with - or .), d/m/yyyy, or ISO yyyy-mm-dd.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            if d.year() >= 1900 {
                return Ok(d);
            }
        }
    }
    Err(format!("«{t}» không phải ngày hợp lệ (dd/mm/yyyy)"))
}

/// dd/mm/yyyy.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Vietnam keeps UTC+7 all year (no daylight saving since 1975), so a fixed offset is exact.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// A stored UTC time, shown in Asia/Ho_Chi_Minh: "dd/mm/yyyy HH:MM".
pub fn format_time(utc: NaiveDateTime) -> String {
    utc.and_utc().with_timezone(&vn_offset()).format("%d/%m/%Y %H:%M").to_string()
}

/// The day in Vietnam of a stored UTC time.
pub fn vn_date_of(utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&vn_offset()).date_naive()
}

/// The UTC time at which a day begins in Vietnam (to select stored times by Vietnamese days).
pub fn vn_day_start(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists") - chrono::Duration::seconds(vn_offset().local_minus_utc() as i64)
}

/// Today in Vietnam.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&vn_offset()).date_naive()
}

/// Now in UTC, to the microsecond: what both databases store, so a record built in memory equals
/// the record read back.
pub fn now_utc() -> NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Máy PCR  Real-time"), "may pcr real-time");
        assert_eq!(fold("Đường ĐI"), "duong di");
        // NFD input folds the same as NFC.
        assert_eq!(fold("Ma\u{301}y"), "may");
        // A kept mark (Cyrillic titlo) is folded by the whole string's decomposition.
        assert_eq!(fold_by_char("x\u{483}"), None);
        assert_eq!(fold("Ä\u{483}\u{301}"), "a\u{483}");
    }

    proptest::proptest! {
        /// Folding a character at a time is the definition (the whole string decomposed) whenever
        /// it answers: over Vietnamese letters in both forms, other scripts, marks and spaces.
        #[test]
        fn folding_by_character_is_folding_the_whole(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Á", "ẫ", "Ư", "ự", "đ", "Đ", "Ồ", "i", "Ý", " ", "  ", "\t", "\u{a0}", "\u{301}", "\u{323}",
                "\u{483}", "\u{5b0}", "\u{1ab0}", "ß", "İ", "Σ", "ǅ", "한", "Å", "ﬁ", "-", "7", "\u{2003}",
            ]), 0..24),
        ) {
            let s: String = parts.concat();
            if let Some(by_char) = fold_by_char(&s) {
                proptest::prop_assert_eq!(by_char, fold_whole(&s));
            }
            proptest::prop_assert_eq!(fold(&s), fold_whole(&s));
        }
    }

    #[test]
    fn search_patterns() {
        assert_eq!(like_patterns(" Máy  PCR "), vec!["%may%", "%pcr%"]);
        assert_eq!(like_patterns("50%_x"), vec!["%50\\%\\_x%"]);
    }

    #[test]
    fn money_as_typed() {
        assert_eq!(parse_money("1.250.000.000"), Ok(1_250_000_000));
        assert_eq!(parse_money("1 250 000"), Ok(1_250_000));
        assert_eq!(parse_money("1,250,000"), Ok(1_250_000));
        assert_eq!(parse_money("1.250.000 đ"), Ok(1_250_000));
        assert_eq!(parse_money("1.250.000,00"), Ok(1_250_000));
        assert_eq!(parse_money("950000"), Ok(950_000));
        assert!(parse_money("1,5").is_err());
        assert!(parse_money("một trăm triệu").is_err());
        assert_eq!(format_number(1_250_000), "1.250.000");
        assert_eq!(format_number(-950), "-950");
    }

    #[test]
    fn dates_as_typed() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 13).unwrap();
        assert_eq!(parse_date("13/05/2024"), Ok(d));
        assert_eq!(parse_date("13/5/2024"), Ok(d));
        assert_eq!(parse_date("2024-05-13"), Ok(d));
        assert!(parse_date("31/02/2024").is_err());
        assert_eq!(format_date(d), "13/05/2024");
    }

    #[test]
    fn times_show_in_vietnam() {
        let utc = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap().and_hms_opt(20, 5, 0).unwrap();
        assert_eq!(format_time(utc), "01/01/2025 03:05");
    }
}
