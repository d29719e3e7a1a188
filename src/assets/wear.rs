//! Wear (hao mòn) of fixed assets: booked once a year as of 31/12, straight line, yearly wear =
//! original cost × the rate in force that year, accumulated wear capped at the original cost; none
//! for exempt classes and categories (land-use rights, special assets) and none for tools.
//! Which year wear starts for an asset acquired mid-year is the `wear_first_year` rule setting.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::AppResult;
use crate::rules::{AssetClass, Rules};

/// Loại tài sản — what the asset is for bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    /// TSCĐ hữu hình.
    Tangible,
    /// TSCĐ vô hình.
    Intangible,
    /// Công cụ, dụng cụ — below the fixed-asset cost threshold; tracked, never worn.
    Tool,
}

impl AssetKind {
    pub fn code(self) -> &'static str {
        match self {
            AssetKind::Tangible => "huu_hinh",
            AssetKind::Intangible => "vo_hinh",
            AssetKind::Tool => "ccdc",
        }
    }
}

/// Fixed asset or tool: land, buildings and structures always count as fixed assets; anything else
/// only from the threshold in force for its unit on the day it was acquired.
pub fn classify(
    original_cost: i64,
    class: &AssetClass,
    acquired_on: NaiveDate,
    unit_id: Option<i32>,
    rules: &Rules,
) -> AppResult<AssetKind> {
    if class.always_fixed {
        return Ok(AssetKind::Tangible);
    }
    let threshold = rules.fixed_asset_threshold(unit_id, acquired_on)?;
    Ok(match (original_cost >= threshold, class.intangible) {
        (false, _) => AssetKind::Tool,
        (true, true) => AssetKind::Intangible,
        (true, false) => AssetKind::Tangible,
    })
}

/// The last 31/12 on or before `on`: the date of the latest yearly wear booking.
pub fn last_close(on: NaiveDate) -> NaiveDate {
    let year = if on.month() == 12 && on.day() == 31 { on.year() } else { on.year() - 1 };
    NaiveDate::from_ymd_opt(year, 12, 31).expect("31/12 exists")
}

/// What the wear computation needs to know of an asset.
#[derive(Debug, Clone)]
pub struct WearBasis {
    pub original_cost: i64,
    pub kind: AssetKind,
    pub class_id: i32,
    pub category_id: i32,
    /// Ngày đưa vào sử dụng, else ngày tăng.
    pub start_date: Option<NaiveDate>,
    pub opening_wear: i64,
    pub opening_wear_as_of: Option<NaiveDate>,
}

/// One year's line of the wear schedule.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WearYear {
    pub year: i32,
    pub useful_life_years: i32,
    pub rate_bp: i32,
    pub wear: i64,
    pub accumulated: i64,
    pub residual: i64,
    pub legal_source: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WearSchedule {
    pub as_of: NaiveDate,
    pub original_cost: i64,
    pub opening_wear: i64,
    pub accumulated_wear: i64,
    pub residual_value: i64,
    pub years: Vec<WearYear>,
    /// Why no wear is computed, when it is not.
    pub note: Option<String>,
}

/// Accumulated wear and residual value as of `as_of`, year by year under the table in force each year.
pub fn schedule(basis: &WearBasis, rules: &Rules, as_of: NaiveDate) -> AppResult<WearSchedule> {
    let cost = basis.original_cost;
    let opening = basis.opening_wear.min(cost);
    let mut out = WearSchedule {
        as_of,
        original_cost: cost,
        opening_wear: opening,
        accumulated_wear: opening,
        residual_value: cost - opening,
        years: vec![],
        note: None,
    };
    let exempt = rules.class(basis.class_id).is_some_and(|c| c.wear_exempt)
        || rules.category(basis.category_id).is_some_and(|c| c.wear_exempt);
    if basis.kind == AssetKind::Tool {
        out.note = Some("Công cụ, dụng cụ: không tính hao mòn".into());
        return Ok(out);
    }
    if exempt {
        out.note = Some("Loại tài sản không tính hao mòn".into());
        return Ok(out);
    }
    // Opening wear booked on 31/12 covers that year; booked earlier in a year, it does not.
    let first_year = match (basis.opening_wear_as_of, basis.start_date) {
        (Some(d), _) => last_close(d).year() + 1,
        (None, Some(start)) => {
            let rule = rules.setting("wear_first_year", start).map(|s| s.value.trim().to_string());
            match rule.as_deref() {
                Some("next_year") => start.year() + 1,
                _ => start.year(),
            }
        }
        (None, None) => {
            out.note = Some("Chưa có ngày đưa vào sử dụng: chưa tính được hao mòn".into());
            return Ok(out);
        }
    };
    if basis.opening_wear_as_of.is_some_and(|d| d > as_of) {
        out.note = Some("Số hao mòn đầu kỳ ghi nhận sau ngày cần tính".into());
        return Ok(out);
    }
    let mut accumulated = opening;
    for year in first_year..=last_close(as_of).year() {
        let close = NaiveDate::from_ymd_opt(year, 12, 31).expect("31/12 exists");
        let Some(rate) = rules.rate(basis.category_id, close) else {
            out.note = Some(format!("Không có tỷ lệ hao mòn có hiệu lực năm {year} cho nhóm tài sản này"));
            continue;
        };
        if accumulated >= cost {
            break;
        }
        // Whole đồng, rounded half up; the last year takes only what is left.
        let yearly = ((cost as i128 * rate.rate_bp as i128 + 5_000) / 10_000) as i64;
        let wear = yearly.min(cost - accumulated);
        accumulated += wear;
        out.years.push(WearYear {
            year,
            useful_life_years: rate.useful_life_years,
            rate_bp: rate.rate_bp,
            wear,
            accumulated,
            residual: cost - accumulated,
            legal_source: rate.legal_source.clone(),
        });
    }
    out.accumulated_wear = accumulated;
    out.residual_value = cost - accumulated;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{AssetCategory, RuleSetting, WearRate};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn class(id: i32, always_fixed: bool, intangible: bool, exempt: bool) -> AssetClass {
        AssetClass {
            id,
            code: format!("C{id}"),
            name: format!("Loại {id}"),
            always_fixed,
            intangible,
            wear_exempt: exempt,
            sort_order: id,
            legal_source: None,
            valid_from: None,
            valid_to: None,
            version: 1,
        }
    }

    fn rate(
        id: i32,
        category_id: i32,
        years: i32,
        bp: i32,
        from: NaiveDate,
        to: Option<NaiveDate>,
        src: &str,
    ) -> WearRate {
        WearRate {
            id,
            category_id,
            useful_life_years: years,
            rate_bp: bp,
            legal_source: src.into(),
            valid_from: from,
            valid_to: to,
            note: None,
            version: 1,
        }
    }

    fn setting(key: &str, value: &str, from: NaiveDate) -> RuleSetting {
        RuleSetting {
            id: 1,
            key: key.into(),
            value: value.into(),
            legal_source: None,
            valid_from: from,
            valid_to: None,
            note: None,
            version: 1,
        }
    }

    /// Computers: 5 years (20 %) under TT 23/2023, 8 years (12.5 %) under the 2026 table of this test.
    fn rules(first_year: &str) -> Rules {
        Rules::new(
            vec![class(1, false, false, false), class(2, true, false, true), class(3, false, true, false)],
            vec![
                AssetCategory {
                    id: 10,
                    code: "MT".into(),
                    class_id: 1,
                    name: "Máy tính".into(),
                    wear_exempt: false,
                    legal_source: None,
                    valid_from: None,
                    valid_to: None,
                    version: 1,
                    national_code: None,
                    parent_id: None,
                    mapping_note: None,
                },
                AssetCategory {
                    id: 20,
                    code: "DAT".into(),
                    class_id: 2,
                    name: "Đất".into(),
                    wear_exempt: false,
                    legal_source: None,
                    valid_from: None,
                    valid_to: None,
                    version: 1,
                    national_code: None,
                    parent_id: None,
                    mapping_note: None,
                },
            ],
            vec![
                rate(1, 10, 5, 2000, d(2023, 6, 10), Some(d(2025, 12, 31)), "TT 23/2023/TT-BTC"),
                rate(2, 10, 8, 1250, d(2026, 1, 1), None, "TT 141/2025/TT-BTC"),
                rate(3, 20, 50, 200, d(2023, 6, 10), None, "x"),
            ],
            vec![
                setting("fixed_asset_min_cost", "10000000", d(2023, 6, 10)),
                setting("wear_first_year", first_year, d(2023, 6, 10)),
            ],
        )
    }

    fn computer(cost: i64, start: NaiveDate) -> WearBasis {
        WearBasis {
            original_cost: cost,
            kind: AssetKind::Tangible,
            class_id: 1,
            category_id: 10,
            start_date: Some(start),
            opening_wear: 0,
            opening_wear_as_of: None,
        }
    }

    #[test]
    fn rate_changes_between_2025_and_2026() {
        let r = rules("acquisition_year");
        let s = schedule(&computer(100_000_000, d(2024, 3, 15)), &r, d(2026, 12, 31)).unwrap();
        let yearly: Vec<(i32, i64, i32)> = s.years.iter().map(|y| (y.year, y.wear, y.rate_bp)).collect();
        assert_eq!(yearly, vec![(2024, 20_000_000, 2000), (2025, 20_000_000, 2000), (2026, 12_500_000, 1250)]);
        assert_eq!(s.accumulated_wear, 52_500_000);
        assert_eq!(s.residual_value, 47_500_000);
        assert_eq!(s.years[2].legal_source, "TT 141/2025/TT-BTC");
        // Before 31/12/2026 the 2026 wear is not yet booked.
        let mid = schedule(&computer(100_000_000, d(2024, 3, 15)), &r, d(2026, 11, 30)).unwrap();
        assert_eq!(mid.accumulated_wear, 40_000_000);
    }

    #[test]
    fn first_year_is_a_setting() {
        let s = schedule(&computer(100_000_000, d(2024, 3, 15)), &rules("next_year"), d(2025, 12, 31)).unwrap();
        assert_eq!(s.years.len(), 1);
        assert_eq!(s.years[0].year, 2025);
        assert_eq!(s.accumulated_wear, 20_000_000);
    }

    #[test]
    fn accumulated_wear_never_exceeds_cost() {
        let s = schedule(&computer(33_333_333, d(2019, 1, 1)), &rules("acquisition_year"), d(2030, 12, 31)).unwrap();
        assert_eq!(s.accumulated_wear, 33_333_333);
        assert_eq!(s.residual_value, 0);
        // 2019-2022 have no table in force (TT 23 starts 10/06/2023): 2023, 2024, 2025 at 20 %, then 12.5 %.
        assert_eq!(s.years.first().unwrap().year, 2023);
        assert!(s.years.iter().all(|y| y.wear >= 0));
    }

    #[test]
    fn opening_wear_of_a_part_worn_register() {
        let mut b = computer(50_000_000, d(2021, 1, 1));
        b.opening_wear = 30_000_000;
        b.opening_wear_as_of = Some(d(2024, 12, 31));
        let s = schedule(&b, &rules("acquisition_year"), d(2026, 12, 31)).unwrap();
        // 2025: 20 % of 50M = 10M; 2026: 12.5 % = 6.25M → 46.25M.
        assert_eq!(s.accumulated_wear, 46_250_000);
        assert_eq!(s.years.iter().map(|y| y.year).collect::<Vec<_>>(), vec![2025, 2026]);
    }

    #[test]
    fn land_and_tools_are_not_worn() {
        let r = rules("acquisition_year");
        let land = WearBasis { class_id: 2, category_id: 20, ..computer(5_000_000_000, d(2020, 1, 1)) };
        let s = schedule(&land, &r, d(2026, 12, 31)).unwrap();
        assert_eq!(s.accumulated_wear, 0);
        assert!(s.note.is_some());
        let tool = WearBasis { kind: AssetKind::Tool, ..computer(9_999_999, d(2024, 1, 1)) };
        assert_eq!(schedule(&tool, &r, d(2026, 12, 31)).unwrap().residual_value, 9_999_999);
    }

    #[test]
    fn the_ten_million_line() {
        let r = rules("acquisition_year");
        let on = d(2025, 5, 1);
        assert_eq!(classify(9_999_999, &r.classes[0], on, None, &r).unwrap(), AssetKind::Tool);
        assert_eq!(classify(10_000_000, &r.classes[0], on, None, &r).unwrap(), AssetKind::Tangible);
        assert_eq!(classify(10_000_000, &r.classes[2], on, None, &r).unwrap(), AssetKind::Intangible);
        // Land is a fixed asset whatever it cost.
        assert_eq!(classify(1, &r.classes[1], on, None, &r).unwrap(), AssetKind::Tangible);
        // No threshold in force before 10/06/2023 in this table: a clear error, not a guess.
        assert!(classify(10_000_000, &r.classes[0], d(2020, 1, 1), None, &r).is_err());
    }
}
