//! Phương thức bán and thẩm quyền — how a public asset may be sold, and what a unit may decide on
//! its own (NĐ 186/2025/NĐ-CP). A sale is by auction unless the decree allows a listed price or an
//! appointed buyer, judged per asset unit (01 đơn vị tài sản) on its original cost and its revalued
//! value (giá trị đánh giá lại); materials recovered from a demolition by their total value. The
//! figures are dated rule rows (`rule_settings`), so a later text changes data, not code; where no
//! row is in force (handlings before 01/07/2025) nothing is judged.

use chrono::NaiveDate;

use crate::assets::Asset;
use crate::rules::Rules;
use crate::web::fmt::money;

/// How a sale is made, as the decree names the methods (Điều 24, 26, 27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleMethod {
    /// Đấu giá — the default.
    Auction,
    /// Niêm yết giá.
    Listed,
    /// Chỉ định (the decree's word; "bán trực tiếp" is NĐ 70/2018's sale to the lead organisation).
    Appointed,
}

/// The methods as stored and offered.
pub const SALE_METHODS: &[(&str, &str)] =
    &[("dau_gia", "Đấu giá"), ("niem_yet", "Niêm yết giá"), ("chi_dinh", "Chỉ định")];

impl SaleMethod {
    pub fn parse(code: &str) -> Option<SaleMethod> {
        match code {
            "dau_gia" => Some(SaleMethod::Auction),
            "niem_yet" => Some(SaleMethod::Listed),
            "chi_dinh" => Some(SaleMethod::Appointed),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SaleMethod::Auction => "dau_gia",
            SaleMethod::Listed => "niem_yet",
            SaleMethod::Appointed => "chi_dinh",
        }
    }

    pub fn label(self) -> &'static str {
        SALE_METHODS.iter().find(|(c, _)| *c == self.code()).map(|(_, n)| *n).unwrap_or("")
    }
}

/// What is being sold, which decides the article and the cost limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sold {
    /// Bán tài sản công (Điều 26.1, 27.1).
    Asset,
    /// Bán thanh lý (Điều 31.2, 31.3).
    Liquidation,
    /// Vật tư, vật liệu thu hồi từ phá dỡ (Điều 13.4.a, applied by Điều 30.3): by total value.
    Materials,
}

/// One asset unit of a line, as the thresholds see it.
#[derive(Debug, Clone)]
pub struct UnitValue {
    pub asset_code: String,
    /// Nguyên giá theo sổ kế toán of one unit; `None` when the books do not hold it.
    pub cost: Option<i64>,
    /// Giá trị đánh giá lại of one unit, once valued.
    pub revalued: Option<i64>,
    pub car: bool,
    /// Đủ tiêu chuẩn tài sản cố định.
    pub fixed: bool,
}

impl UnitValue {
    pub fn of(asset: &Asset, car: bool, revalued: Option<i64>) -> UnitValue {
        let cost = (asset.original_cost > 0).then(|| asset.original_cost / i64::from(asset.quantity.max(1)));
        UnitValue { asset_code: asset.code.clone(), cost, revalued, car, fixed: asset.is_fixed_asset() }
    }
}

const DECREE: &str = "NĐ 186/2025/NĐ-CP";

/// The limits in force on `on`, or `None` before the decree's rows.
struct Limits {
    cost_below: i64,
    listed_from: i64,
    listed_below: i64,
    appointed_below: i64,
}

fn limits(rules: &Rules, sold: Sold, on: NaiveDate) -> Option<Limits> {
    let get = |key: &str| rules.setting(key, on).and_then(|s| s.value.trim().parse::<i64>().ok());
    let cost_key = if sold == Sold::Liquidation { "liquidation_sale_cost_below" } else { "sale_cost_below" };
    Some(Limits {
        cost_below: if sold == Sold::Materials { i64::MAX } else { get(cost_key)? },
        listed_from: get("sale_listed_revalued_from")?,
        listed_below: get("sale_listed_revalued_below")?,
        appointed_below: get("sale_appointed_revalued_below")?,
    })
}

fn article(sold: Sold, method: SaleMethod) -> &'static str {
    match (sold, method) {
        (Sold::Asset, SaleMethod::Listed) => "Điều 26.1",
        (Sold::Asset, _) => "Điều 27.1",
        (Sold::Liquidation, SaleMethod::Listed) => "Điều 31.2",
        (Sold::Liquidation, _) => "Điều 31.3",
        (Sold::Materials, _) => "Điều 13.4.a, áp dụng theo Điều 30.3",
    }
}

/// Whether `method` may sell all of `units` on `on`; the refusal names the article and the figure
/// that does not fit. Auction is always allowed (Điều 24.1); a lot with one unit that must be
/// auctioned is auctioned whole (Điều 26.1, 27.1).
pub fn check_method(
    rules: &Rules,
    sold: Sold,
    method: SaleMethod,
    units: &[UnitValue],
    on: NaiveDate,
) -> Result<(), String> {
    if method == SaleMethod::Auction {
        return Ok(());
    }
    let Some(l) = limits(rules, sold, on) else { return Ok(()) };
    let basis = format!("{DECREE}, {}", article(sold, method));
    let rule = match method {
        SaleMethod::Listed if sold == Sold::Materials => format!(
            "bán niêm yết giá vật tư, vật liệu thu hồi có tổng giá trị từ {} đến dưới {}",
            money(l.listed_from),
            money(l.listed_below)
        ),
        SaleMethod::Listed => format!(
            "bán niêm yết giá áp dụng cho tài sản có nguyên giá dưới {} và giá trị đánh giá lại từ {} đến dưới {} / 01 đơn vị tài sản, không áp dụng cho xe ô tô",
            money(l.cost_below),
            money(l.listed_from),
            money(l.listed_below)
        ),
        _ if sold == Sold::Materials => {
            format!("bán chỉ định vật tư, vật liệu thu hồi có tổng giá trị dưới {}", money(l.appointed_below))
        }
        _ => format!(
            "bán chỉ định áp dụng cho tài sản có nguyên giá dưới {} và giá trị đánh giá lại dưới {} / 01 đơn vị tài sản, hoặc không đủ tiêu chuẩn tài sản cố định; không áp dụng cho xe ô tô",
            money(l.cost_below),
            money(l.appointed_below)
        ),
    };
    for u in units {
        let refuse = |why: String| Err(format!("Không {rule} ({basis}): «{}» {why}", u.asset_code));
        if u.car && sold != Sold::Materials {
            return refuse("là xe ô tô".into());
        }
        if method == SaleMethod::Appointed && !u.fixed && sold != Sold::Materials {
            continue;
        }
        let Some(value) = u.revalued else {
            return refuse("chưa có giá trị đánh giá lại để xét phương thức bán".into());
        };
        if let Some(cost) = u.cost.filter(|c| *c >= l.cost_below) {
            return refuse(format!("có nguyên giá {} / 01 đơn vị tài sản", money(cost)));
        }
        let fits = match method {
            SaleMethod::Listed => l.listed_from <= value && value < l.listed_below,
            _ => value < l.appointed_below,
        };
        if !fits {
            return refuse(format!("có giá trị đánh giá lại {}", money(value)));
        }
    }
    Ok(())
}

/// Who decided a handling (thẩm quyền quyết định).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// Cơ quan, người có thẩm quyền cấp trên (Chủ tịch UBND cấp tỉnh, a minister…).
    Above,
    /// The unit, under a delegation (phân cấp) that the decision names.
    Delegated,
    /// The unit on its own authority, within the decree's limits.
    Unit,
}

pub const DECIDED_BY: &[(&str, &str)] = &[
    ("cap_tren", "Cơ quan, người có thẩm quyền cấp trên"),
    ("phan_cap", "Đơn vị quyết định theo phân cấp"),
    ("don_vi", "Đơn vị tự quyết định theo thẩm quyền"),
];

impl DecidedBy {
    pub fn parse(code: &str) -> Option<DecidedBy> {
        match code {
            "cap_tren" => Some(DecidedBy::Above),
            "phan_cap" => Some(DecidedBy::Delegated),
            "don_vi" => Some(DecidedBy::Unit),
            _ => None,
        }
    }
}

/// The handlings whose authority the decree divides between the unit and the authority above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Sale,
    Liquidation,
    Destruction,
    Loss,
}

impl Decision {
    /// By the general form's code; the S&T regimes' forms have their own authorities.
    pub fn of_form(code: &str) -> Option<Decision> {
        match code {
            "ban" => Some(Decision::Sale),
            "thanh_ly_ban" | "thanh_ly_pha_do" => Some(Decision::Liquidation),
            "tieu_huy" => Some(Decision::Destruction),
            "mat_huy_hoai" => Some(Decision::Loss),
            _ => None,
        }
    }
}

/// The kind of the deciding unit on the decision's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    StateBody,
    PublicService { self_financing: bool },
}

/// Whether the unit may decide on its own authority; the refusal names the article and who does.
pub fn check_unit_authority(
    rules: &Rules,
    decision: Decision,
    kind: UnitKind,
    units: &[UnitValue],
    on: NaiveDate,
) -> Result<(), String> {
    // A unit that finances its recurrent and investment spending decides all four itself.
    if kind == (UnitKind::PublicService { self_financing: true }) {
        return Ok(());
    }
    let get = |key: &str| rules.setting(key, on).and_then(|s| s.value.trim().parse::<i64>().ok());
    let by_limits = match (kind, decision) {
        (UnitKind::PublicService { .. }, Decision::Sale) => Some(("psu_sale_cost_below", "Điều 58.2.c", "Điều 58.2.b")),
        (UnitKind::PublicService { .. }, Decision::Liquidation) => {
            Some(("psu_liquidation_cost_below", "Điều 59.2.c", "Điều 59.2.b"))
        }
        _ => None,
    };
    if let Some((cost_key, article, above)) = by_limits {
        let (Some(cost_below), Some(revalued_below)) = (get(cost_key), get("psu_revalued_below")) else {
            return Ok(());
        };
        for u in units {
            let refuse = |why: String| {
                Err(format!(
                    "Đơn vị sự nghiệp công lập chỉ tự quyết định với tài sản có nguyên giá dưới {} và giá trị đánh giá lại dưới {} / 01 đơn vị tài sản ({DECREE}, {article}); «{}» {why}: do Chủ tịch UBND cấp tỉnh quyết định hoặc phân cấp ({above})",
                    money(cost_below),
                    money(revalued_below),
                    u.asset_code
                ))
            };
            if let Some(cost) = u.cost.filter(|c| *c >= cost_below) {
                return refuse(format!("có nguyên giá {}", money(cost)));
            }
            match u.revalued {
                None => {
                    return Err(format!(
                        "Cần giá trị đánh giá lại của «{}» để xét thẩm quyền của đơn vị ({DECREE}, {article})",
                        u.asset_code
                    ))
                }
                Some(v) if v >= revalued_below => return refuse(format!("có giá trị đánh giá lại {}", money(v))),
                Some(_) => {}
            }
        }
        return Ok(());
    }
    // Otherwise the unit decides only what is not a fixed asset (Điều 22.2.d, 28.4.b, 32.4.b,
    // 34.4.b; for a public service unit by Điều 60.1 and 61.2).
    let article = match decision {
        Decision::Sale => "Điều 22.2.d",
        Decision::Liquidation => "Điều 28.4.b",
        Decision::Destruction => "Điều 32.4.b",
        Decision::Loss => "Điều 34.4.b",
    };
    match units.iter().find(|u| u.fixed) {
        Some(u) => Err(format!(
            "Đơn vị tự quyết định theo thẩm quyền chỉ với tài sản không phải tài sản cố định ({DECREE}, {article}); «{}» là tài sản cố định: do cấp có thẩm quyền quyết định hoặc đơn vị quyết định theo phân cấp (ghi văn bản phân cấp)",
            u.asset_code
        )),
        None => Ok(()),
    }
}
