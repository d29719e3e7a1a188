//! Reference data as dated rules (dữ liệu danh mục và quy định theo thời gian): organisational units,
//! asset classes and categories, wear-rate tables and rule settings. Each row names its legal source
//! and the dates it is in force; a computation picks the row in force on its own date. The tables are
//! filled from the data files beside this module at first start and edited by administrators after.

pub mod api;
pub mod conformance;
pub mod national;
pub mod pages;

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{
    asset_categories, asset_classes, handling_forms, org_units, rule_settings, unit_financing, wear_rates,
};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::text::now_utc;

/// Đơn vị — an organisational unit of the department.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = org_units)]
pub struct OrgUnit {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub parent_id: Option<i32>,
    pub ma_qhns: Option<String>,
    pub legal_source: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub version: i32,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
    #[serde(skip)]
    pub updated_at: chrono::NaiveDateTime,
}

/// Loại hình tài sản — an asset class.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = asset_classes)]
pub struct AssetClass {
    pub id: i32,
    pub code: String,
    pub name: String,
    /// Land, buildings and structures are fixed assets whatever their cost.
    pub always_fixed: bool,
    pub intangible: bool,
    pub wear_exempt: bool,
    pub sort_order: i32,
    pub legal_source: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub version: i32,
}

/// Nhóm tài sản — a category within a class: a node of the national asset-type catalogue (mã loại
/// tài sản, `national_code` = its own code), or a unit's own category below one, which takes the
/// wear rates of its national code. Wear rates are set per national node.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = asset_categories)]
pub struct AssetCategory {
    pub id: i32,
    pub code: String,
    pub class_id: i32,
    pub name: String,
    pub wear_exempt: bool,
    pub legal_source: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub version: i32,
    /// Mã loại tài sản quốc gia; `None` while an administrator has still to choose it.
    pub national_code: Option<String>,
    /// The parent node in the national tree.
    pub parent_id: Option<i32>,
    /// For administrators: why the national code is not chosen yet, and the candidates.
    pub mapping_note: Option<String>,
}

impl AssetCategory {
    /// Whether this row is a node of the national catalogue itself (not a unit's refinement).
    pub fn is_national(&self) -> bool {
        self.national_code.as_deref() == Some(self.code.as_str())
    }
}

/// Tỷ lệ hao mòn — years of use and yearly rate of a category, in force from `valid_from`.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = wear_rates)]
pub struct WearRate {
    pub id: i32,
    pub category_id: i32,
    pub useful_life_years: i32,
    /// Percent × 100 (14.29 % = 1429).
    pub rate_bp: i32,
    pub legal_source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
}

/// Mức tự chủ tài chính — the financing tier of a public service unit (NĐ 60/2021/NĐ-CP), dated.
pub const AUTONOMY: &[(&str, &str)] = &[
    (SELF_FINANCING, "Tự bảo đảm chi thường xuyên và chi đầu tư"),
    ("tu_bao_dam_tx", "Tự bảo đảm chi thường xuyên"),
    ("mot_phan_tx", "Tự bảo đảm một phần chi thường xuyên"),
    (STATE_FUNDED, "Do ngân sách nhà nước bảo đảm chi thường xuyên"),
];

/// The tier whose recurrent spending the state budget covers: it remits the proceeds of its
/// handlings (NĐ 186/2025/NĐ-CP, Điều 64.1.a).
pub const STATE_FUNDED: &str = "nsnn_tx";

/// The tier that uses the enterprise threshold for fixed assets (TT 141/2025/TT-BTC, Điều 3.3).
pub const SELF_FINANCING: &str = "tu_bao_dam_tx_dt";

/// A unit's financing tier over a period, with the decision that gave it.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = unit_financing)]
pub struct UnitFinancing {
    pub id: i32,
    pub unit_id: i32,
    pub autonomy: String,
    pub legal_source: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub version: i32,
}

/// A named rule value (a threshold, a setting) in force over a period.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = rule_settings)]
pub struct RuleSetting {
    pub id: i32,
    pub key: String,
    pub value: String,
    pub legal_source: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
}

fn in_force(from: Option<NaiveDate>, to: Option<NaiveDate>, on: NaiveDate) -> bool {
    from.is_none_or(|f| f <= on) && to.is_none_or(|t| on <= t)
}

/// Where a category looks for its wear rates after (or instead of) its own.
#[derive(Debug, Clone, Copy)]
struct RatesFrom {
    /// The node asked next: a unit's category's national node, a node's parent.
    next: Option<i32>,
    /// Whether the category's own rows apply: not for a unit's category under a national code.
    own: bool,
}

/// A snapshot of the rule tables for computations.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub classes: Vec<AssetClass>,
    pub categories: Vec<AssetCategory>,
    pub rates: Vec<WearRate>,
    pub settings: Vec<RuleSetting>,
    /// The financing tiers of units over time (they decide a unit's fixed-asset threshold).
    pub financing: Vec<UnitFinancing>,
    /// The rates of each category (positions in `rates`), built on first use: a register's wear
    /// asks for a rate per asset and year.
    rates_by_category: std::sync::OnceLock<HashMap<i32, Vec<usize>>>,
    /// Where a category's rates come from when not (or not only) its own, built on first use.
    rates_from: std::sync::OnceLock<HashMap<i32, RatesFrom>>,
}

impl Rules {
    pub fn load(conn: &mut DbConn) -> AppResult<Rules> {
        let names = Rules::load_names(conn)?;
        let mut rules = Rules::new(
            names.classes,
            names.categories,
            wear_rates::table.order(wear_rates::valid_from).select(WearRate::as_select()).load(conn)?,
            rule_settings::table.order(rule_settings::valid_from).select(RuleSetting::as_select()).load(conn)?,
        );
        rules.financing =
            unit_financing::table.order(unit_financing::valid_from).select(UnitFinancing::as_select()).load(conn)?;
        Ok(rules)
    }

    /// Only the classes and categories, for naming what assets refer to (no rates, no settings).
    pub fn load_names(conn: &mut DbConn) -> AppResult<Rules> {
        Ok(Rules::new(
            asset_classes::table.order(asset_classes::sort_order).select(AssetClass::as_select()).load(conn)?,
            asset_categories::table.order(asset_categories::code).select(AssetCategory::as_select()).load(conn)?,
            vec![],
            vec![],
        ))
    }

    pub fn class(&self, id: i32) -> Option<&AssetClass> {
        self.classes.iter().find(|c| c.id == id)
    }

    pub fn category(&self, id: i32) -> Option<&AssetCategory> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn new(
        classes: Vec<AssetClass>,
        categories: Vec<AssetCategory>,
        rates: Vec<WearRate>,
        settings: Vec<RuleSetting>,
    ) -> Rules {
        Rules {
            classes,
            categories,
            rates,
            settings,
            financing: vec![],
            rates_by_category: Default::default(),
            rates_from: Default::default(),
        }
    }

    /// The wear rate of a category in force on `on`. A unit's category under a national code takes
    /// the node's (rates are the law's, not the unit's; rows it held before it had a code stay, not
    /// applied); a node, or a category without a code, its own, or else its parent node's.
    pub fn rate(&self, category_id: i32, on: NaiveDate) -> Option<&WearRate> {
        // Built once per snapshot: a register's wear asks for a rate per asset and year.
        let from = self.rates_from.get_or_init(|| {
            let by_code: HashMap<&str, i32> =
                self.categories.iter().filter(|c| c.is_national()).map(|c| (c.code.as_str(), c.id)).collect();
            self.categories
                .iter()
                .map(|c| {
                    let link = match c.national_code.as_deref() {
                        Some(n) if n != c.code => RatesFrom { next: by_code.get(n).copied(), own: false },
                        _ => RatesFrom { next: c.parent_id, own: true },
                    };
                    (c.id, link)
                })
                .collect()
        });
        let mut id = category_id;
        // The tree has five levels; the bound guards against a loop an administrator could make.
        for _ in 0..12 {
            let link = from.get(&id).copied().unwrap_or(RatesFrom { next: None, own: true });
            if link.own {
                if let Some(r) = self.own_rate(id, on) {
                    return Some(r);
                }
            }
            id = link.next?;
        }
        None
    }

    /// The wear rate set on the category itself, in force on `on`; the latest-starting one wins.
    fn own_rate(&self, category_id: i32, on: NaiveDate) -> Option<&WearRate> {
        let index = self.rates_by_category.get_or_init(|| {
            let mut map: HashMap<i32, Vec<usize>> = HashMap::new();
            for (i, r) in self.rates.iter().enumerate() {
                map.entry(r.category_id).or_default().push(i);
            }
            map
        });
        index
            .get(&category_id)?
            .iter()
            .map(|&i| &self.rates[i])
            .filter(|r| in_force(Some(r.valid_from), r.valid_to, on))
            .max_by_key(|r| r.valid_from)
    }

    pub fn setting(&self, key: &str, on: NaiveDate) -> Option<&RuleSetting> {
        self.settings
            .iter()
            .filter(|s| s.key == key && in_force(Some(s.valid_from), s.valid_to, on))
            .max_by_key(|s| s.valid_from)
    }

    /// The financing tier of a unit in force on `on`, if one is recorded.
    pub fn autonomy(&self, unit_id: i32, on: NaiveDate) -> Option<&UnitFinancing> {
        self.financing
            .iter()
            .filter(|f| f.unit_id == unit_id && in_force(Some(f.valid_from), f.valid_to, on))
            .max_by_key(|f| f.valid_from)
    }

    /// Ngưỡng nguyên giá TSCĐ for an asset of `unit_id` acquired on `on`: the enterprise threshold
    /// for a unit that finances its own recurrent and investment spending on that day (TT 141/2025,
    /// Điều 3.3), the general one (10,000,000 đ) for every other.
    pub fn fixed_asset_threshold(&self, unit_id: Option<i32>, on: NaiveDate) -> AppResult<i64> {
        let self_financing = unit_id.and_then(|u| self.autonomy(u, on)).is_some_and(|f| f.autonomy == SELF_FINANCING);
        if self_financing && self.setting("fixed_asset_min_cost_enterprise", on).is_some() {
            return self.setting_i64("fixed_asset_min_cost_enterprise", on);
        }
        self.setting_i64("fixed_asset_min_cost", on)
    }

    /// A numeric setting; its absence is a state of the reference data the administrator must fix
    /// (answered as a conflict naming the key and the day, not as a fault of the service).
    pub fn setting_i64(&self, key: &str, on: NaiveDate) -> AppResult<i64> {
        let s = self.setting(key, on).ok_or_else(|| {
            AppError::conflict(format!(
                "Thiếu quy định «{key}» có hiệu lực ngày {} (Danh mục → Quy định khác): quản trị viên cần bổ sung trước khi làm tiếp",
                crate::text::format_date(on)
            ))
        })?;
        s.value
            .trim()
            .parse()
            .map_err(|_| AppError::Config(format!("Quy định «{key}» có giá trị «{}» không phải số", s.value)))
    }
}

/// The kind of unit that is a public service unit (đơn vị sự nghiệp công lập): it has a financing
/// tier, and it keeps the proceeds of its handlings.
pub const PUBLIC_SERVICE_UNIT: &str = "don_vi_su_nghiep";

/// The body with accounts of its own that a unit acts in the name of: the Sở for its offices, the
/// inspectorate and its working groups; a public service unit for itself and its sections. It
/// issues the unit's papers and declares its assets.
pub fn issuer_of(units: &[OrgUnit], unit_id: i32) -> Option<&OrgUnit> {
    let find = |id: i32| units.iter().find(|u| u.id == id);
    let mut issuer = find(unit_id);
    for _ in 0..8 {
        match issuer {
            Some(u) if u.kind != "so" && u.kind != PUBLIC_SERVICE_UNIT && u.parent_id.is_some() => {
                issuer = u.parent_id.and_then(find)
            }
            _ => break,
        }
    }
    issuer
}

/// Every unit that acts in the name of `issuer_id` (itself included).
pub fn acting_for(units: &[OrgUnit], issuer_id: i32) -> Vec<i32> {
    units.iter().filter(|u| issuer_of(units, u.id).is_some_and(|i| i.id == issuer_id)).map(|u| u.id).collect()
}

/// The settings the service reads to judge assets: each day must have a row of each.
pub const REQUIRED_SETTINGS: &[&str] = &["fixed_asset_min_cost", "wear_first_year", "asset_code_pattern"];

/// The department itself: the first unit without a parent.
pub fn root_unit_id(conn: &mut DbConn) -> AppResult<i32> {
    Ok(org_units::table
        .filter(org_units::parent_id.is_null())
        .order(org_units::id)
        .select(org_units::id)
        .first(conn)?)
}

/// The id of a unit by its code, with a clear message when there is none.
pub fn unit_id_by_code(conn: &mut DbConn, code: &str) -> AppResult<i32> {
    org_units::table
        .filter(org_units::code.eq(code.trim()))
        .select(org_units::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::invalid("unit_id", format!("Không có đơn vị mã «{code}»")))
}

/// The id of a category (nhóm tài sản) by its code, with a clear message when there is none.
pub fn category_id_by_code(conn: &mut DbConn, code: &str) -> AppResult<i32> {
    asset_categories::table
        .filter(asset_categories::code.eq(code.trim()))
        .select(asset_categories::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::invalid("category_id", format!("Không có nhóm tài sản mã «{code}»")))
}

/// The kind of a unit's internal section or place (bộ phận: Phòng thí nghiệm, Trại thực nghiệm),
/// a unit under the unit it belongs to.
pub const SECTION: &str = "bo_phan";

/// The section of `parent` named `name`: the one already there (by its name, folded), or a new one
/// with the next code under the parent's (`TTUD-BP1`, `TTUD-BP2`…). Returns its id and whether it
/// was made now.
pub fn section(conn: &mut DbConn, actor: &crate::audit::Actor, parent: i32, name: &str) -> AppResult<(i32, bool)> {
    let name = crate::text::clean(name).unwrap_or_default();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Tên bộ phận không được để trống"));
    }
    let children: Vec<(i32, String, String)> = org_units::table
        .filter(org_units::parent_id.eq(parent))
        .select((org_units::id, org_units::code, org_units::name))
        .load(conn)?;
    let folded = crate::text::fold(&name);
    if let Some((id, _, _)) = children.iter().find(|(_, _, n)| crate::text::fold(n) == folded) {
        return Ok((*id, false));
    }
    let parent_code: String = org_units::table.find(parent).select(org_units::code).first(conn)?;
    let taken: Vec<String> = org_units::table.select(org_units::code).load(conn)?;
    let code = (1..).map(|n| format!("{parent_code}-BP{n}")).find(|c| !taken.contains(c)).expect("a free code");
    let now = now_utc();
    let id: i32 = diesel::insert_into(org_units::table)
        .values((
            org_units::code.eq(&code),
            org_units::name.eq(&name),
            org_units::short_name.eq(&name),
            org_units::kind.eq(SECTION),
            org_units::parent_id.eq(Some(parent)),
            org_units::created_at.eq(now),
            org_units::updated_at.eq(now),
        ))
        .returning(org_units::id)
        .get_result(conn)?;
    let after = serde_json::json!({"code": code, "name": name, "kind": SECTION, "parent_id": parent});
    crate::audit::record(conn, actor, "create", "org_unit", id, None, Some(&after))?;
    Ok((id, true))
}

// ---- First-start loading from the data files -------------------------------------------------

#[derive(Deserialize)]
struct UnitRow {
    code: String,
    name: String,
    short_name: String,
    kind: String,
    parent: Option<String>,
    ma_qhns: Option<String>,
    legal_source: Option<String>,
    valid_from: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct ClassRow {
    code: String,
    name: String,
    always_fixed: bool,
    intangible: bool,
    wear_exempt: bool,
    sort_order: i32,
    legal_source: Option<String>,
}

#[derive(Deserialize)]
struct CategoryRow {
    code: String,
    class: String,
    name: String,
    wear_exempt: bool,
    legal_source: Option<String>,
}

#[derive(Deserialize)]
struct RateRow {
    category: String,
    useful_life_years: i32,
    rate_bp: i32,
    legal_source: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct FormRow {
    code: String,
    name: String,
    regime: String,
    execution: String,
    decide_days: i32,
    execute_days: i32,
    execute_days_land: Option<i32>,
    legal_source: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    unconfirmed: Option<String>,
    execute_months: Option<i32>,
    write_down_days: Option<i32>,
    deadline_basis: Option<String>,
}

#[derive(Deserialize)]
struct SettingRow {
    key: String,
    value: String,
    legal_source: Option<String>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    note: Option<String>,
}

fn data<T: for<'de> Deserialize<'de>>(name: &str, json: &str) -> AppResult<Vec<T>> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("tệp dữ liệu {name} hỏng: {e}")))
}

/// Fills each empty reference table from its data file. Tables that already hold rows are left
/// alone: after the first start they belong to the administrators.
pub fn seed(conn: &mut DbConn) -> AppResult<()> {
    let now = now_utc();
    if org_units::table.count().get_result::<i64>(conn)? == 0 {
        let rows: Vec<UnitRow> = data("org_units.json", include_str!("data/org_units.json"))?;
        for r in rows {
            let parent_id = match &r.parent {
                Some(p) => {
                    Some(org_units::table.filter(org_units::code.eq(p)).select(org_units::id).first::<i32>(conn)?)
                }
                None => None,
            };
            diesel::insert_into(org_units::table)
                .values((
                    org_units::code.eq(&r.code),
                    org_units::name.eq(&r.name),
                    org_units::short_name.eq(&r.short_name),
                    org_units::kind.eq(&r.kind),
                    org_units::parent_id.eq(parent_id),
                    org_units::ma_qhns.eq(&r.ma_qhns),
                    org_units::legal_source.eq(&r.legal_source),
                    org_units::valid_from.eq(r.valid_from),
                    org_units::created_at.eq(now),
                    org_units::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if asset_classes::table.count().get_result::<i64>(conn)? == 0 {
        let rows: Vec<ClassRow> = data("asset_classes.json", include_str!("data/asset_classes.json"))?;
        for r in rows {
            diesel::insert_into(asset_classes::table)
                .values((
                    asset_classes::code.eq(&r.code),
                    asset_classes::name.eq(&r.name),
                    asset_classes::always_fixed.eq(r.always_fixed),
                    asset_classes::intangible.eq(r.intangible),
                    asset_classes::wear_exempt.eq(r.wear_exempt),
                    asset_classes::sort_order.eq(r.sort_order),
                    asset_classes::legal_source.eq(&r.legal_source),
                ))
                .execute(conn)?;
        }
    }
    if asset_categories::table.count().get_result::<i64>(conn)? == 0 {
        let rows: Vec<CategoryRow> = data("asset_categories.json", include_str!("data/asset_categories.json"))?;
        for r in rows {
            let class_id: i32 =
                asset_classes::table.filter(asset_classes::code.eq(&r.class)).select(asset_classes::id).first(conn)?;
            diesel::insert_into(asset_categories::table)
                .values((
                    asset_categories::code.eq(&r.code),
                    asset_categories::class_id.eq(class_id),
                    asset_categories::name.eq(&r.name),
                    asset_categories::wear_exempt.eq(r.wear_exempt),
                    asset_categories::legal_source.eq(&r.legal_source),
                ))
                .execute(conn)?;
        }
    }
    if wear_rates::table.count().get_result::<i64>(conn)? == 0 {
        let rows: Vec<RateRow> = data("wear_rates.json", include_str!("data/wear_rates.json"))?;
        for r in rows {
            let category_id: i32 = asset_categories::table
                .filter(asset_categories::code.eq(&r.category))
                .select(asset_categories::id)
                .first(conn)?;
            diesel::insert_into(wear_rates::table)
                .values((
                    wear_rates::category_id.eq(category_id),
                    wear_rates::useful_life_years.eq(r.useful_life_years),
                    wear_rates::rate_bp.eq(r.rate_bp),
                    wear_rates::legal_source.eq(&r.legal_source),
                    wear_rates::valid_from.eq(r.valid_from),
                    wear_rates::valid_to.eq(r.valid_to),
                    wear_rates::note.eq(&r.note),
                ))
                .execute(conn)?;
        }
    }
    // Settings by key: a key added in a later version reaches a database seeded before it, and a
    // key an administrator has edited is left as it is.
    {
        let known: Vec<String> = rule_settings::table.select(rule_settings::key).distinct().load(conn)?;
        let rows: Vec<SettingRow> = data("rule_settings.json", include_str!("data/rule_settings.json"))?;
        for r in rows.into_iter().filter(|r| !known.contains(&r.key)) {
            diesel::insert_into(rule_settings::table)
                .values((
                    rule_settings::key.eq(&r.key),
                    rule_settings::value.eq(&r.value),
                    rule_settings::legal_source.eq(&r.legal_source),
                    rule_settings::valid_from.eq(r.valid_from),
                    rule_settings::valid_to.eq(r.valid_to),
                    rule_settings::note.eq(&r.note),
                ))
                .execute(conn)?;
        }
    }
    if handling_forms::table.count().get_result::<i64>(conn)? == 0 {
        let rows: Vec<FormRow> = data("handling_forms.json", include_str!("data/handling_forms.json"))?;
        for (i, r) in rows.into_iter().enumerate() {
            diesel::insert_into(handling_forms::table)
                .values((
                    handling_forms::code.eq(&r.code),
                    handling_forms::name.eq(&r.name),
                    handling_forms::regime.eq(&r.regime),
                    handling_forms::execution.eq(&r.execution),
                    handling_forms::decide_days.eq(r.decide_days),
                    handling_forms::execute_days.eq(r.execute_days),
                    handling_forms::execute_days_land.eq(r.execute_days_land),
                    handling_forms::sort_order.eq(i as i32 + 1),
                    handling_forms::legal_source.eq(&r.legal_source),
                    handling_forms::unconfirmed.eq(&r.unconfirmed),
                    handling_forms::execute_months.eq(r.execute_months),
                    handling_forms::write_down_days.eq(r.write_down_days),
                    handling_forms::deadline_basis.eq(&r.deadline_basis),
                    handling_forms::valid_from.eq(r.valid_from),
                    handling_forms::valid_to.eq(r.valid_to),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
