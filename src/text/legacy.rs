//! Vietnamese text in the legacy encodings offices still send, converted to Unicode (NFC):
//! TCVN3/ABC (one byte per letter, .Vn fonts), VNI-Windows (base letter + mark byte) and VIQR (ASCII
//! marks). Spreadsheet readers hand such text over as Latin-1/Windows-1252 characters, so the tables
//! map those characters.
//!
//! Which encoding a sheet uses is decided once for all its text (`detect`): a single cell is often
//! ambiguous ("Máy" is valid Unicode and valid-looking TCVN3), a whole sheet is not.

use unicode_normalization::UnicodeNormalization;

/// The encoding of a sheet's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Unicode,
    Tcvn3,
    Vni,
    Viqr,
}

impl Legacy {
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Unicode => "Unicode",
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI-Windows",
            Legacy::Viqr => "VIQR",
        }
    }
}

/// TCVN3 (TCVN 5712:1993, "ABC"): the byte (as a Latin-1 character) and the letter it stands for.
const TCVN3: &[(char, char)] = &[
    ('\u{A1}', 'Ă'),
    ('\u{A2}', 'Â'),
    ('\u{A3}', 'Ê'),
    ('\u{A4}', 'Ô'),
    ('\u{A5}', 'Ơ'),
    ('\u{A6}', 'Ư'),
    ('\u{A7}', 'Đ'),
    ('\u{A8}', 'ă'),
    ('\u{A9}', 'â'),
    ('\u{AA}', 'ê'),
    ('\u{AB}', 'ô'),
    ('\u{AC}', 'ơ'),
    ('\u{AD}', 'ư'),
    ('\u{AE}', 'đ'),
    ('\u{B5}', 'à'),
    ('\u{B6}', 'ả'),
    ('\u{B7}', 'ã'),
    ('\u{B8}', 'á'),
    ('\u{B9}', 'ạ'),
    ('\u{BB}', 'ằ'),
    ('\u{BC}', 'ẳ'),
    ('\u{BD}', 'ẵ'),
    ('\u{BE}', 'ắ'),
    ('\u{C6}', 'ặ'),
    ('\u{C7}', 'ầ'),
    ('\u{C8}', 'ẩ'),
    ('\u{C9}', 'ẫ'),
    ('\u{CA}', 'ấ'),
    ('\u{CB}', 'ậ'),
    ('\u{CC}', 'è'),
    ('\u{CE}', 'ẻ'),
    ('\u{CF}', 'ẽ'),
    ('\u{D0}', 'é'),
    ('\u{D1}', 'ẹ'),
    ('\u{D2}', 'ề'),
    ('\u{D3}', 'ể'),
    ('\u{D4}', 'ễ'),
    ('\u{D5}', 'ế'),
    ('\u{D6}', 'ệ'),
    ('\u{D7}', 'ì'),
    ('\u{D8}', 'ỉ'),
    ('\u{DC}', 'ĩ'),
    ('\u{DD}', 'í'),
    ('\u{DE}', 'ị'),
    ('\u{DF}', 'ò'),
    ('\u{E1}', 'ỏ'),
    ('\u{E2}', 'õ'),
    ('\u{E3}', 'ó'),
    ('\u{E4}', 'ọ'),
    ('\u{E5}', 'ồ'),
    ('\u{E6}', 'ổ'),
    ('\u{E7}', 'ỗ'),
    ('\u{E8}', 'ố'),
    ('\u{E9}', 'ộ'),
    ('\u{EA}', 'ờ'),
    ('\u{EB}', 'ở'),
    ('\u{EC}', 'ỡ'),
    ('\u{ED}', 'ớ'),
    ('\u{EE}', 'ợ'),
    ('\u{EF}', 'ù'),
    ('\u{F1}', 'ủ'),
    ('\u{F2}', 'ũ'),
    ('\u{F3}', 'ú'),
    ('\u{F4}', 'ụ'),
    ('\u{F5}', 'ừ'),
    ('\u{F6}', 'ử'),
    ('\u{F7}', 'ữ'),
    ('\u{F8}', 'ứ'),
    ('\u{F9}', 'ự'),
    ('\u{FA}', 'ỳ'),
    ('\u{FB}', 'ỷ'),
    ('\u{FC}', 'ỹ'),
    ('\u{FD}', 'ý'),
    ('\u{FE}', 'ỵ'),
];

pub fn from_tcvn3(s: &str) -> String {
    s.chars().map(|c| TCVN3.iter().find(|(k, _)| *k == c).map_or(c, |(_, v)| *v)).collect()
}

/// Combining marks, for building letters from a base and its marks.
const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const TILDE: char = '\u{303}';
const HOOK: char = '\u{309}';
const DOT: char = '\u{323}';
const CIRCUMFLEX: char = '\u{302}';
const BREVE: char = '\u{306}';
const HORN: char = '\u{31B}';

/// VNI-Windows marks that follow a base letter: the character and the marks it adds.
fn vni_mark(c: char) -> Option<&'static [char]> {
    Some(match c {
        'ù' | 'Ù' => &[ACUTE],
        'ø' | 'Ø' => &[GRAVE],
        'û' | 'Û' => &[HOOK],
        'õ' | 'Õ' => &[TILDE],
        'ï' | 'Ï' => &[DOT],
        'â' | 'Â' => &[CIRCUMFLEX],
        'á' | 'Á' => &[CIRCUMFLEX, ACUTE],
        'à' | 'À' => &[CIRCUMFLEX, GRAVE],
        'å' | 'Å' => &[CIRCUMFLEX, HOOK],
        'ã' | 'Ã' => &[CIRCUMFLEX, TILDE],
        'ä' | 'Ä' => &[CIRCUMFLEX, DOT],
        'ê' | 'Ê' => &[BREVE],
        'é' | 'É' => &[BREVE, ACUTE],
        'è' | 'È' => &[BREVE, GRAVE],
        'ú' | 'Ú' => &[BREVE, HOOK],
        'ü' | 'Ü' => &[BREVE, TILDE],
        'ë' | 'Ë' => &[BREVE, DOT],
        _ => return None,
    })
}

/// VNI-Windows letters that stand alone.
fn vni_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ñ' => "đ",
        'Ñ' => "Đ",
        'ö' => "ư",
        'Ö' => "Ư",
        'ô' => "ơ",
        'Ô' => "Ơ",
        'í' => "í",
        'Í' => "Í",
        'ì' => "ì",
        'Ì' => "Ì",
        'æ' => "ỉ",
        'Æ' => "Ỉ",
        'ó' => "ĩ",
        'Ó' => "Ĩ",
        'ò' => "ị",
        'Ò' => "Ị",
        _ => return None,
    })
}

fn is_vowel(c: char) -> bool {
    let base = c.nfd().next().unwrap_or(c);
    matches!(base.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y') || matches!(c, 'ư' | 'Ư' | 'ơ' | 'Ơ')
}

pub fn from_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_vowel = false;
    for c in s.chars() {
        match (prev_vowel, vni_mark(c)) {
            (true, Some(marks)) => {
                // Marks combine onto the letter just written; NFC composes them.
                out.extend(marks.iter());
                prev_vowel = true;
            }
            _ => {
                let letter = vni_letter(c).map(str::to_string).unwrap_or_else(|| c.to_string());
                prev_vowel = letter.chars().next().is_some_and(is_vowel);
                out.push_str(&letter);
            }
        }
    }
    out.nfc().collect()
}

/// VIQR: a^ â, a( ă, o+ ơ, u+ ư, dd đ, then ' ` ? ~ . for the tones; a backslash keeps the next
/// character literal ("3\.5").
pub fn from_viqr(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if (c == 'd' || c == 'D') && chars.get(i + 1).is_some_and(|n| *n == 'd' || *n == 'D') {
            out.push(if c == 'D' { 'Đ' } else { 'đ' });
            i += 2;
            continue;
        }
        if !is_vowel(c) {
            out.push(c);
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
        let lower = c.to_ascii_lowercase();
        if let Some(&m) = chars.get(i) {
            let shape = match (lower, m) {
                ('a' | 'e' | 'o', '^') => Some(CIRCUMFLEX),
                ('a', '(') => Some(BREVE),
                ('o' | 'u', '+') => Some(HORN),
                _ => None,
            };
            if let Some(shape) = shape {
                out.push(shape);
                i += 1;
            }
        }
        if let Some(&m) = chars.get(i) {
            // A tone mark only inside a word: "." or "?" at the end of a sentence stays punctuation.
            let next_is_letter = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
            let tone = match m {
                '\'' => Some(ACUTE),
                '`' => Some(GRAVE),
                '~' => Some(TILDE),
                '?' | '.' if next_is_letter || i + 1 == chars.len() || chars.get(i + 1).is_some_and(|n| *n == ' ') => {
                    Some(if m == '?' { HOOK } else { DOT })
                }
                _ => None,
            };
            if let Some(tone) = tone {
                out.push(tone);
                i += 1;
            }
        }
    }
    out.nfc().collect()
}

pub fn convert(s: &str, from: Legacy) -> String {
    converted(s, from).unwrap_or_else(|| s.to_string())
}

/// The text converted, or `None` if it is already Unicode in NFC — as most cells are: a quick
/// check spares rebuilding, or even copying, them.
pub fn converted(s: &str, from: Legacy) -> Option<String> {
    if from == Legacy::Unicode && unicode_normalization::is_nfc(s) {
        return None;
    }
    let converted = match from {
        Legacy::Unicode => s.to_string(),
        Legacy::Tcvn3 => from_tcvn3(s),
        Legacy::Vni => from_vni(s),
        Legacy::Viqr => from_viqr(s),
    };
    Some(converted.nfc().collect())
}

/// A letter of the Vietnamese alphabet (with its marks), or any ASCII character.
fn is_vietnamese(c: char) -> bool {
    if c.is_ascii() || matches!(c, 'đ' | 'Đ') {
        return true;
    }
    let mut parts = c.nfd();
    let base = parts.next().unwrap_or(c);
    base.is_ascii_alphabetic() && parts.all(|m| [GRAVE, ACUTE, TILDE, HOOK, DOT, CIRCUMFLEX, BREVE, HORN].contains(&m))
}

/// Characters that no Vietnamese text has: what a wrong guess leaves behind.
fn leftovers(s: &str) -> usize {
    s.chars().filter(|c| !c.is_ascii() && !c.is_whitespace() && !is_vietnamese(*c)).count()
}

/// The vowel nuclei Vietnamese syllables have (tones removed). A wrong decoding makes others:
/// TCVN3 read as VNI or the reverse gives letters, but not syllables.
const NUCLEI: &[&str] = &[
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia",
    "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ôô", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi",
    "ươ", "ưu", "yê", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu",
];

fn strip_tone(c: char) -> char {
    let kept: String = c.nfd().filter(|m| ![GRAVE, ACUTE, TILDE, HOOK, DOT].contains(m)).collect();
    kept.nfc().next().unwrap_or(c)
}

/// Words whose vowels form no Vietnamese nucleus.
fn bad_syllables(s: &str) -> usize {
    let mut bad = 0;
    for word in s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        let letters: Vec<char> = word.nfc().map(|c| strip_tone(c).to_lowercase().next().unwrap_or(c)).collect();
        let mut start = 0;
        // "qu" and "gi" before a vowel belong to the onset.
        if letters.len() > 2
            && ((letters[0] == 'q' && letters[1] == 'u')
                || (letters[0] == 'g' && letters[1] == 'i' && is_vowel(letters[2])))
        {
            start = 2;
        }
        let cluster: String =
            letters[start..].iter().skip_while(|c| !is_vowel(**c)).take_while(|c| is_vowel(**c)).collect();
        let rest: String =
            letters[start..].iter().skip_while(|c| !is_vowel(**c)).skip_while(|c| is_vowel(**c)).collect();
        if !cluster.is_empty() && (!NUCLEI.contains(&cluster.as_str()) || rest.chars().any(is_vowel)) {
            bad += 1;
        }
    }
    bad
}

/// Letters of Vietnamese outside Latin-1 (ạ, ư, đ…): proof the text is already Unicode.
fn unicode_letters(s: &str) -> usize {
    s.nfc().filter(|c| (*c as u32) > 0xFF && is_vietnamese(*c)).count()
}

/// VIQR marks inside words ("Ma'y", "dde^`"): an ASCII text with many of them is VIQR.
fn viqr_marks(s: &str) -> usize {
    let chars: Vec<char> = s.chars().collect();
    chars
        .windows(3)
        .filter(|w| {
            is_vowel(w[0])
                && matches!(w[1], '\'' | '`' | '~' | '^' | '(' | '+')
                && (w[2].is_alphabetic() || w[2] == ' ')
        })
        .count()
        + s.matches("dd").count()
}

/// The legacy encoding a font stands for: .VnTime, .VnArialH… (TCVN3, ABC), VNI-Times… (VNI).
pub fn font_encoding(name: &str) -> Option<Legacy> {
    let name = name.trim();
    if name.len() > 3 && name.starts_with(".Vn") {
        Some(Legacy::Tcvn3)
    } else if name.to_ascii_uppercase().starts_with("VNI-") || name.eq_ignore_ascii_case("VNI") {
        Some(Legacy::Vni)
    } else {
        None
    }
}

/// Decides the encoding of a sheet from its text and the legacy font its workbook declares: the
/// font decides unless the text is plainly Unicode or reads worse converted.
pub fn detect_with_font<'a>(texts: impl IntoIterator<Item = &'a str> + Clone, font: Option<Legacy>) -> Legacy {
    let texts = sample(texts);
    let by_bytes = detect(texts.iter().copied());
    match font {
        Some(f) if f != by_bytes && by_bytes == Legacy::Unicode => {
            let unicode: usize = texts.iter().map(|t| unicode_letters(t)).sum();
            let score = |s: &str| leftovers(s) * 4 + bad_syllables(s);
            let asis: usize = texts.iter().map(|t| score(t)).sum();
            let converted: usize = texts.iter().map(|t| score(&convert(t, f))).sum();
            if unicode == 0 && converted <= asis {
                f
            } else {
                by_bytes
            }
        }
        _ => by_bytes,
    }
}

/// How much of a sheet's text the encoding is decided on: each cell's first characters, up to a
/// total — enough for any register, and a sheet of long texts (SheetJS's `large_strings.xlsb`) is
/// not converted three times over to decide it (21 s before, in a release build).
const SAMPLE_CELL: usize = 1_000;
const SAMPLE_TOTAL: usize = 400_000;

/// The texts the encoding is decided on: the first `SAMPLE_CELL` bytes of each (at a character's
/// boundary), until `SAMPLE_TOTAL` bytes.
fn sample<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut total = 0;
    let mut out = vec![];
    for t in texts {
        if total >= SAMPLE_TOTAL {
            break;
        }
        let mut end = t.len().min(SAMPLE_CELL);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        total += end;
        out.push(&t[..end]);
    }
    out
}

/// Decides the encoding of a sheet from a sample of its text (`sample`).
pub fn detect<'a>(texts: impl IntoIterator<Item = &'a str>) -> Legacy {
    let texts = sample(texts);
    let (
        mut uni,
        mut left_asis,
        mut left_tcvn3,
        mut left_vni,
        mut viqr,
        mut ascii_words,
        mut fixed_tcvn3,
        mut fixed_vni,
    ) = (0, 0, 0, 0, 0, 0, 0, 0);
    for t in texts {
        uni += unicode_letters(t);
        // What each reading leaves unreadable: stray symbols weigh more than odd syllables.
        let score = |s: &str| leftovers(s) * 4 + bad_syllables(s);
        let asis = score(t);
        left_asis += asis;
        let t3 = score(&from_tcvn3(t));
        let vn = score(&from_vni(t));
        left_tcvn3 += t3;
        left_vni += vn;
        // A cell counts for a legacy encoding when its conversion removes what made it unreadable.
        if asis > 0 && t3 == 0 {
            fixed_tcvn3 += 1;
        }
        if asis > 0 && vn == 0 {
            fixed_vni += 1;
        }
        if t.is_ascii() {
            viqr += viqr_marks(t);
            ascii_words += t.split_whitespace().count();
        }
    }
    if uni > 0 && uni >= left_asis {
        return Legacy::Unicode;
    }
    if left_asis > 0 {
        let best = left_tcvn3.min(left_vni);
        if best < left_asis {
            return if left_tcvn3 < left_vni || (left_tcvn3 == left_vni && fixed_tcvn3 >= fixed_vni) {
                Legacy::Tcvn3
            } else {
                Legacy::Vni
            };
        }
    }
    if ascii_words > 0 && viqr * 5 >= ascii_words && viqr >= 3 {
        return Legacy::Viqr;
    }
    Legacy::Unicode
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_encoding_is_decided_on_a_sample_of_each_cell_and_of_the_sheet() {
        let long = "Máy ".repeat(1_000);
        let cells: Vec<&str> = std::iter::repeat_n(long.as_str(), 1_000).collect();
        let taken = super::sample(cells.iter().copied());
        assert!(taken.iter().all(|t| t.len() <= super::SAMPLE_CELL && long.starts_with(t)), "prefixes at a boundary");
        let total: usize = taken.iter().map(|t| t.len()).sum();
        assert!(total < super::SAMPLE_TOTAL + super::SAMPLE_CELL && taken.len() < cells.len(), "{total}");
        assert_eq!(super::detect(cells.iter().copied()), super::Legacy::Unicode);
    }

    use super::*;

    #[test]
    fn tcvn3_letters() {
        // "Máy tính xách tay" and "Đơn vị" typed in a .VnTime font.
        assert_eq!(from_tcvn3("M\u{B8}y t\u{DD}nh x\u{B8}ch tay"), "Máy tính xách tay");
        assert_eq!(from_tcvn3("\u{A7}\u{AC}n v\u{DE}"), "Đơn vị");
        assert_eq!(from_tcvn3("Nguy\u{AA}n gi\u{B8}"), "Nguyên giá");
    }

    #[test]
    fn vni_letters() {
        assert_eq!(from_vni("Maùy tính xaùch tay"), "Máy tính xách tay");
        assert_eq!(from_vni("Ñôn vò"), "Đơn vị");
        assert_eq!(from_vni("Nguyeân giaù"), "Nguyên giá");
        assert_eq!(from_vni("Tröôøng"), "Trường");
        assert_eq!(from_vni("khaûm laù saén"), "khảm lá sắn");
    }

    #[test]
    fn viqr_letters() {
        assert_eq!(from_viqr("Ma'y ti'nh xa'ch tay"), "Máy tính xách tay");
        assert_eq!(from_viqr("DDo+n vi."), "Đơn vị");
        assert_eq!(from_viqr("Nguye^n gia'"), "Nguyên giá");
        assert_eq!(from_viqr("kha?m la' sa('n"), "khảm lá sắn");
        assert_eq!(from_viqr("3\\.5 kg"), "3.5 kg");
    }

    #[test]
    fn detection_by_sheet() {
        let tcvn3 = ["M\u{B8}y t\u{DD}nh", "Nguy\u{AA}n gi\u{B8}", "\u{A7}\u{AC}n v\u{DE}", "Tñ an to\u{B5}n"];
        assert_eq!(detect(tcvn3), Legacy::Tcvn3);
        let vni = ["Maùy tính", "Nguyeân giaù", "Ñôn vò", "Tuû an toaøn"];
        assert_eq!(detect(vni), Legacy::Vni);
        let unicode = ["Máy tính", "Nguyên giá", "Đơn vị", "Tủ an toàn"];
        assert_eq!(detect(unicode), Legacy::Unicode);
        // Only Latin-1 letters, all valid Vietnamese as they are: left alone.
        assert_eq!(detect(["Máy tính", "Cái", "Số lượng"]), Legacy::Unicode);
        let viqr = ["Ma'y ti'nh", "Nguye^n gia'", "DDo+n vi.", "Tu? an toa`n"];
        assert_eq!(detect(viqr), Legacy::Viqr);
        assert_eq!(detect(["Laptop Dell", "Cai", "STT", "Ghi chu"]), Legacy::Unicode);
    }

    #[test]
    fn round_trip_of_every_tcvn3_letter() {
        for (byte, letter) in TCVN3 {
            assert_eq!(from_tcvn3(&byte.to_string()), letter.to_string());
        }
    }
}
