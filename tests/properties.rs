//! Properties of the text machinery over generated input: what is formatted parses back to itself,
//! what is converted from a legacy encoding ends in NFC, folding is idempotent, and no input makes a
//! parser panic.

use proptest::prelude::*;
use taisan::text::{self, legacy};
use unicode_normalization::UnicodeNormalization;

fn is_nfc(s: &str) -> bool {
    s == s.nfc().collect::<String>()
}

/// Vietnamese-looking text: letters with and without marks, digits, spaces, punctuation.
fn vietnamese() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('a'),
            Just('ă'),
            Just('â'),
            Just('đ'),
            Just('ê'),
            Just('ô'),
            Just('ơ'),
            Just('ư'),
            Just('ạ'),
            Just('ấ'),
            Just('ệ'),
            Just('ở'),
            Just('ữ'),
            Just('Ỹ'),
            Just('\u{0301}'),
            Just('\u{0323}'),
            Just(' '),
            Just('1'),
            Just('.'),
            Just(','),
            Just('/'),
            Just('-'),
            any::<char>(),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn money_formatted_parses_back(n in -999_999_999_999_999i64..999_999_999_999_999i64) {
        prop_assert_eq!(text::parse_money(&text::format_number(n)), Ok(n));
        prop_assert_eq!(text::parse_money(&text::format_money(n)), Ok(n));
        prop_assert_eq!(text::parse_money(&n.to_string()), Ok(n));
    }

    #[test]
    fn dates_formatted_parse_back(days in 0i64..73_000) {
        let d = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
        prop_assert_eq!(text::parse_date(&text::format_date(d)), Ok(d));
        prop_assert_eq!(text::parse_date(&d.format("%Y-%m-%d").to_string()), Ok(d));
    }

    #[test]
    fn parsers_answer_any_text_without_panicking(s in any::<String>()) {
        let _ = text::parse_money(&s);
        let _ = text::parse_date(&s);
        let _ = legacy::detect([s.as_str()]);
    }

    #[test]
    fn legacy_conversions_end_in_nfc(s in vietnamese(), bytes in proptest::collection::vec(any::<u8>(), 0..60)) {
        let latin1: String = bytes.iter().map(|b| *b as char).collect();
        for input in [s.as_str(), latin1.as_str()] {
            for enc in [legacy::Legacy::Tcvn3, legacy::Legacy::Vni, legacy::Legacy::Viqr] {
                let out = legacy::convert(input, enc);
                prop_assert!(is_nfc(&out), "{} of {:?} gives {:?}", enc.name(), input, out);
            }
        }
    }

    #[test]
    fn cleaning_gives_trimmed_nfc_and_folding_is_idempotent(s in vietnamese()) {
        if let Some(c) = text::clean(&s) {
            prop_assert!(is_nfc(&c));
            prop_assert_eq!(c.trim(), c.as_str());
        }
        let f = text::fold(&s);
        prop_assert_eq!(text::fold(&f), f.clone());
        prop_assert!(!f.chars().any(|c| ('\u{0300}'..='\u{036f}').contains(&c)), "{:?}", f);
    }

    #[test]
    fn nfd_and_nfc_input_fold_alike(s in vietnamese()) {
        let nfd: String = s.nfd().collect();
        let nfc: String = s.nfc().collect();
        prop_assert_eq!(text::fold(&nfd), text::fold(&nfc));
    }
}
