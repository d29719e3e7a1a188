//! Procurement records (hồ sơ mua sắm) next to the assets they bought, and the red flags an
//! inspector looks for, each with its evidence: direct appointment above its threshold; a purchase
//! split into direct-appointment packages each under the threshold while their sum is over it (chia
//! nhỏ); assets booked without acceptance or invoice; a unit price far above other purchases of the
//! same category. Thresholds and windows are dated rule settings.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::assets::Asset;
use crate::audit::{self, Actor};
use crate::db::schema::{asset_categories, assets, procurement_assets, procurements};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::{self, format_date, format_money};

/// The nine methods of selecting a contractor (Luật Đấu thầu 2023, Điều 20–29).
pub const METHODS: &[(&str, &str)] = &[
    ("rong_rai", "Đấu thầu rộng rãi"),
    ("han_che", "Đấu thầu hạn chế"),
    ("chi_dinh_thau", "Chỉ định thầu"),
    ("chao_hang_canh_tranh", "Chào hàng cạnh tranh"),
    ("mua_sam_truc_tiep", "Mua sắm trực tiếp"),
    ("tu_thuc_hien", "Tự thực hiện"),
    ("cong_dong", "Tham gia thực hiện của cộng đồng"),
    ("dam_phan_gia", "Đàm phán giá"),
    ("dac_biet", "Lựa chọn nhà thầu trong trường hợp đặc biệt"),
];

/// The documents of a procurement file, for the checklist.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("du_toan", "Dự toán được duyệt"),
    ("khlcnt", "Kế hoạch lựa chọn nhà thầu và quyết định phê duyệt"),
    ("hsmt", "Hồ sơ mời thầu / yêu cầu"),
    ("hsdt", "Hồ sơ dự thầu / đề xuất"),
    ("bc_danh_gia", "Báo cáo đánh giá, thẩm định"),
    ("kq_lcnt", "Quyết định phê duyệt kết quả lựa chọn nhà thầu"),
    ("hop_dong", "Hợp đồng"),
    ("nghiem_thu", "Biên bản nghiệm thu, bàn giao"),
    ("hoa_don", "Hóa đơn"),
    ("ghi_tang", "Chứng từ ghi tăng tài sản"),
];

pub(crate) use crate::assets::label;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = procurements)]
pub struct Procurement {
    pub id: i32,
    pub code: String,
    pub package_name: String,
    pub unit_id: i32,
    pub category_id: Option<i32>,
    pub estimate: i64,
    pub method: String,
    pub plan_no: Option<String>,
    pub plan_date: Option<NaiveDate>,
    pub contract_no: Option<String>,
    pub contract_date: Option<NaiveDate>,
    pub supplier: Option<String>,
    pub contract_value: i64,
    pub acceptance_date: Option<NaiveDate>,
    pub invoice_no: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub documents: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl Procurement {
    /// The date a procurement is placed at: the plan's approval, else the contract.
    pub fn date(&self) -> Option<NaiveDate> {
        self.plan_date.or(self.contract_date)
    }

    /// The value that counts against thresholds: the contract's, else the estimate.
    pub fn value(&self) -> i64 {
        if self.contract_value > 0 {
            self.contract_value
        } else {
            self.estimate
        }
    }

    pub fn document_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.documents).unwrap_or_default()
    }
}

/// A red flag with the evidence an inspector can check.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flag {
    pub kind: &'static str,
    pub title: String,
    pub evidence: String,
    pub legal_source: Option<String>,
}

/// A procurement with its assets, its checklist and its flags.
#[derive(Debug, Clone, Serialize)]
pub struct ProcurementView {
    #[serde(flatten)]
    pub procurement: Procurement,
    pub method_name: String,
    pub category_name: Option<String>,
    pub assets: Vec<Asset>,
    pub missing_documents: Vec<String>,
    pub flags: Vec<Flag>,
}

/// The fields of a procurement file (the page's form posts the same names).
pub(crate) const FIELDS: &[&str] = &[
    "code",
    "package_name",
    "unit_id",
    "category_id",
    "estimate",
    "method",
    "plan_no",
    "plan_date",
    "contract_no",
    "contract_date",
    "supplier",
    "contract_value",
    "acceptance_date",
    "invoice_no",
    "invoice_date",
    "documents",
    "notes",
    "asset_ids",
    "version",
];

/// Ghi hồ sơ mua sắm: creates (`id` None) or updates one, with the assets it bought.
pub fn save(conn: &mut DbConn, actor: &Actor, id: Option<i32>, mut input: Input) -> AppResult<i32> {
    input.reject_unknown(FIELDS, &[]);
    let code = input.text("code", "Số hiệu hồ sơ", true, 60);
    let package_name = input.text("package_name", "Tên gói thầu", true, 500);
    let unit_id = input.id("unit_id", "Đơn vị mua sắm");
    let unit_id = input.required(unit_id, "unit_id", "Đơn vị mua sắm");
    let category_id = input.id("category_id", "Nhóm hàng hóa");
    let estimate = input.money("estimate", "Dự toán").unwrap_or(0);
    let method = input.choice("method", "Hình thức lựa chọn nhà thầu", METHODS, true);
    let plan_no = input.text("plan_no", "Số quyết định phê duyệt KHLCNT", false, 100);
    let plan_date = input.date("plan_date", "Ngày phê duyệt KHLCNT");
    let contract_no = input.text("contract_no", "Số hợp đồng", false, 100);
    let contract_date = input.date("contract_date", "Ngày hợp đồng");
    let supplier = input.text("supplier", "Nhà cung cấp", false, 300);
    let contract_value = input.money("contract_value", "Giá trị hợp đồng").unwrap_or(0);
    let acceptance_date = input.date("acceptance_date", "Ngày nghiệm thu");
    let invoice_no = input.text("invoice_no", "Số hóa đơn", false, 100);
    let invoice_date = input.date("invoice_date", "Ngày hóa đơn");
    let notes = input.text("notes", "Ghi chú", false, 4000);
    let documents: Vec<String> = input.array("documents", "Tài liệu có trong hồ sơ");
    for d in &documents {
        if !DOCUMENTS.iter().any(|(c, _)| c == d) {
            input.error("documents", format!("Không có loại tài liệu «{d}»"));
        }
    }
    let asset_ids: Vec<i32> = input.ids("asset_ids", "Tài sản đã mua");
    let version = input.int("version", "Phiên bản", 1, i32::MAX as i64);
    // An update is made against the version the person read, never without one.
    if id.is_some() && version.is_none() && !input.has_error("version") {
        input.error("version", "Cần gửi «version» — số phiên bản của bản ghi đang sửa");
    }
    if estimate < 0 || contract_value < 0 {
        input.error("estimate", "Số tiền không được âm");
    }
    if plan_date.is_none() && contract_date.is_none() {
        input.error("plan_date", "Cần ngày phê duyệt KHLCNT hoặc ngày hợp đồng");
    }
    if let (Some(c), Some(a)) = (contract_date, acceptance_date) {
        if a < c {
            input.error("acceptance_date", "«Ngày nghiệm thu» không được trước ngày hợp đồng");
        }
    }
    let found: Vec<i32> = assets::table.filter(assets::id.eq_any(&asset_ids)).select(assets::id).load(conn)?;
    for a in &asset_ids {
        if !found.contains(a) {
            input.error("asset_ids", format!("Không có tài sản số {a}"));
        }
    }
    if let Some(c) = &code {
        let mut q = procurements::table.filter(procurements::code.eq(c)).into_boxed();
        if let Some(id) = id {
            q = q.filter(procurements::id.ne(id));
        }
        if q.count().get_result::<i64>(conn)? > 0 {
            input.error("code", format!("Đã có hồ sơ mua sắm «{c}»"));
        }
    }
    input.finish()?;
    let now = text::now_utc();
    let values = (
        procurements::code.eq(code.unwrap_or_default()),
        procurements::package_name.eq(package_name.unwrap_or_default()),
        procurements::unit_id.eq(unit_id.unwrap_or_default()),
        procurements::category_id.eq(category_id),
        procurements::estimate.eq(estimate),
        procurements::method.eq(method.unwrap_or_default()),
        procurements::plan_no.eq(plan_no),
        procurements::plan_date.eq(plan_date),
        procurements::contract_no.eq(contract_no),
        procurements::contract_date.eq(contract_date),
        procurements::supplier.eq(supplier),
        procurements::contract_value.eq(contract_value),
        procurements::acceptance_date.eq(acceptance_date),
        procurements::invoice_no.eq(invoice_no),
        procurements::invoice_date.eq(invoice_date),
        procurements::documents.eq(json!(documents).to_string()),
        procurements::notes.eq(notes),
        procurements::updated_at.eq(now),
    );
    let (id, before) = match id {
        None => {
            let id: i32 = diesel::insert_into(procurements::table)
                .values((values, procurements::created_by.eq(&actor.0), procurements::created_at.eq(now)))
                .returning(procurements::id)
                .get_result(conn)?;
            (id, None)
        }
        Some(id) => {
            let before = find(conn, id)?;
            if version.is_some_and(|v| v != before.version as i64) {
                return Err(AppError::conflict("Hồ sơ mua sắm đã được người khác sửa; hãy tải lại"));
            }
            let q =
                procurements::table.filter(procurements::id.eq(id)).filter(procurements::version.eq(before.version));
            if diesel::update(q).set((values, procurements::version.eq(before.version + 1))).execute(conn)? == 0 {
                return Err(AppError::conflict("Hồ sơ mua sắm đã được người khác sửa; hãy tải lại"));
            }
            diesel::delete(procurement_assets::table.filter(procurement_assets::procurement_id.eq(id)))
                .execute(conn)?;
            (id, Some(json!(before)))
        }
    };
    for a in asset_ids {
        diesel::insert_into(procurement_assets::table)
            .values((procurement_assets::procurement_id.eq(id), procurement_assets::asset_id.eq(a)))
            .execute(conn)?;
    }
    let after = find(conn, id)?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(conn, actor, action, "procurement", id, before.as_ref(), Some(&json!(after)))?;
    Ok(id)
}

pub fn find(conn: &mut DbConn, id: i32) -> AppResult<Procurement> {
    procurements::table
        .find(id)
        .select(Procurement::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("hồ sơ mua sắm số {id}")))
}

pub fn all(conn: &mut DbConn) -> AppResult<Vec<Procurement>> {
    Ok(procurements::table
        .order((procurements::plan_date.desc(), procurements::id.desc()))
        .select(Procurement::as_select())
        .load(conn)?)
}

/// Every procurement with its assets and flags, newest first.
/// A route naming a procurement file reaches its units.
pub const REACH: crate::web::Reach = crate::web::Reach::Record(units_of);

/// The units a procurement file touches (`web::Reach`): the unit that bought, and those of the
/// assets it bought.
pub fn units_of(conn: &mut DbConn, id: i32) -> AppResult<Option<Vec<i32>>> {
    let unit: Option<i32> = procurements::table.find(id).select(procurements::unit_id).first(conn).optional()?;
    let Some(unit) = unit else { return Ok(None) };
    let ids: Vec<i32> = procurement_assets::table
        .filter(procurement_assets::procurement_id.eq(id))
        .select(procurement_assets::asset_id)
        .load(conn)?;
    let mut units = crate::assets::units_of_assets(conn, &ids)?;
    units.push(unit);
    units.sort_unstable();
    units.dedup();
    Ok(Some(units))
}

/// The procurement files the person may see.
pub fn visible_views(conn: &mut DbConn, scope: &crate::auth::Scope) -> AppResult<Vec<ProcurementView>> {
    Ok(views(conn)?
        .into_iter()
        .filter(|v| {
            let mut units: Vec<i32> = v.assets.iter().map(|a| a.unit_id).collect();
            units.push(v.procurement.unit_id);
            scope.reaches(&units, false)
        })
        .collect())
}

pub fn views(conn: &mut DbConn) -> AppResult<Vec<ProcurementView>> {
    let all = all(conn)?;
    let links: Vec<(i32, Asset)> = procurement_assets::table
        .inner_join(assets::table)
        .select((procurement_assets::procurement_id, Asset::as_select()))
        .load(conn)?;
    let categories: HashMap<i32, String> = asset_categories::table
        .select((asset_categories::id, asset_categories::name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let rules = crate::rules::Rules::load(conn)?;
    let prices = PriceBook::load(conn)?;
    let mut out = vec![];
    for p in &all {
        let bought: Vec<Asset> = links.iter().filter(|(pid, _)| *pid == p.id).map(|(_, a)| a.clone()).collect();
        let flags = flags_of(p, &all, &bought, &rules, &prices, &categories);
        let have = p.document_codes();
        out.push(ProcurementView {
            method_name: label(METHODS, &p.method),
            category_name: p.category_id.and_then(|c| categories.get(&c).cloned()),
            missing_documents: DOCUMENTS
                .iter()
                .filter(|(c, _)| !have.iter().any(|h| h == c))
                .map(|(_, n)| n.to_string())
                .collect(),
            procurement: p.clone(),
            assets: bought,
            flags,
        });
    }
    Ok(out)
}

pub fn view(conn: &mut DbConn, id: i32) -> AppResult<ProcurementView> {
    find(conn, id)?;
    views(conn)?
        .into_iter()
        .find(|v| v.procurement.id == id)
        .ok_or_else(|| AppError::NotFound(format!("hồ sơ mua sắm số {id}")))
}

/// Unit prices of purchased assets by category, to compare a purchase with the others.
struct PriceBook {
    by_category: HashMap<i32, Vec<(i32, i64)>>,
}

impl PriceBook {
    fn load(conn: &mut DbConn) -> AppResult<PriceBook> {
        let rows: Vec<(i32, i32, i64, i32)> = assets::table
            .filter(assets::acquisition_method.eq("mua_sam"))
            .select((assets::id, assets::category_id, assets::original_cost, assets::quantity))
            .load(conn)?;
        let mut by_category: HashMap<i32, Vec<(i32, i64)>> = HashMap::new();
        for (id, cat, cost, qty) in rows {
            by_category.entry(cat).or_default().push((id, cost / qty.max(1) as i64));
        }
        Ok(PriceBook { by_category })
    }

    /// The median unit price of the other purchases of a category, and how many there are.
    fn median_without(&self, category: i32, asset: i32) -> Option<(i64, usize)> {
        let mut prices: Vec<i64> =
            self.by_category.get(&category)?.iter().filter(|(id, _)| *id != asset).map(|(_, p)| *p).collect();
        if prices.len() < 2 {
            return None;
        }
        prices.sort();
        Some((prices[prices.len() / 2], prices.len()))
    }
}

fn setting(rules: &crate::rules::Rules, key: &str, on: NaiveDate) -> Option<(i64, Option<String>)> {
    let s = rules.setting(key, on)?;
    Some((s.value.parse().ok()?, s.legal_source.clone()))
}

fn flags_of(
    p: &Procurement,
    all: &[Procurement],
    bought: &[Asset],
    rules: &crate::rules::Rules,
    prices: &PriceBook,
    categories: &HashMap<i32, String>,
) -> Vec<Flag> {
    let mut flags = vec![];
    let on = p.date().unwrap_or_else(text::today);
    let threshold = setting(rules, "procurement_direct_max", on);
    if let (true, Some((max, source))) = (p.method == "chi_dinh_thau", &threshold) {
        if p.value() > *max {
            flags.push(Flag {
                kind: "vuot_han_muc",
                title: "Chỉ định thầu vượt hạn mức".into(),
                evidence: format!(
                    "Giá trị {}, hạn mức chỉ định thầu ngày {} là {}",
                    format_money(p.value()),
                    format_date(on),
                    format_money(*max)
                ),
                legal_source: source.clone(),
            });
        }
        // Chia nhỏ: direct appointments of the same goods in the window, each under, together over.
        let window = setting(rules, "procurement_split_window_days", on).map(|w| w.0).unwrap_or(180);
        if let (Some(cat), true) = (p.category_id, p.value() <= *max) {
            let mut group: Vec<&Procurement> = all
                .iter()
                .filter(|o| o.method == "chi_dinh_thau" && o.category_id == Some(cat) && o.unit_id == p.unit_id)
                .filter(|o| o.value() <= *max)
                .filter(|o| o.date().is_some_and(|d| (d - on).num_days().abs() <= window))
                .collect();
            group.sort_by_key(|o| (o.date(), o.id));
            let sum: i64 = group.iter().map(|o| o.value()).sum();
            if group.len() >= 2 && sum > *max {
                let parts: Vec<String> = group
                    .iter()
                    .map(|o| {
                        format!(
                            "{} ({}, {})",
                            o.code,
                            o.date().map(format_date).unwrap_or_default(),
                            format_money(o.value())
                        )
                    })
                    .collect();
                flags.push(Flag {
                    kind: "chia_nho",
                    title: "Nghi chia nhỏ gói thầu để chỉ định thầu".into(),
                    evidence: format!(
                        "{} gói chỉ định thầu cùng nhóm «{}» trong {} ngày, mỗi gói dưới hạn mức {} nhưng cộng lại {}: {}",
                        group.len(),
                        categories.get(&cat).cloned().unwrap_or_default(),
                        window,
                        format_money(*max),
                        format_money(sum),
                        parts.join("; ")
                    ),
                    legal_source: source.clone(),
                });
            }
        }
    }
    if !bought.is_empty() && (p.acceptance_date.is_none() || p.invoice_no.is_none()) {
        let missing: Vec<&str> =
            [(p.acceptance_date.is_none(), "biên bản nghiệm thu"), (p.invoice_no.is_none(), "hóa đơn")]
                .into_iter()
                .filter(|(m, _)| *m)
                .map(|(_, n)| n)
                .collect();
        let codes: Vec<&str> = bought.iter().map(|a| a.code.as_str()).collect();
        flags.push(Flag {
            kind: "thieu_chung_tu",
            title: "Tài sản đã ghi tăng nhưng thiếu chứng từ".into(),
            evidence: format!("Đã ghi tăng {} nhưng hồ sơ chưa có {}", codes.join(", "), missing.join(" và ")),
            legal_source: None,
        });
    }
    let ratio = setting(rules, "procurement_price_ratio_pct", on).map(|r| r.0).unwrap_or(150);
    for a in bought {
        let unit_price = a.original_cost / a.quantity.max(1) as i64;
        if let Some((median, n)) = prices.median_without(a.category_id, a.id) {
            if median > 0 && unit_price * 100 > median * ratio {
                flags.push(Flag {
                    kind: "gia_cao",
                    title: "Đơn giá cao bất thường so với các lần mua cùng nhóm".into(),
                    evidence: format!(
                        "{}: đơn giá {}, gấp {:.1} lần trung vị {} của {} lần mua khác cùng nhóm «{}»",
                        a.code,
                        format_money(unit_price),
                        unit_price as f64 / median as f64,
                        format_money(median),
                        n,
                        categories.get(&a.category_id).cloned().unwrap_or_default()
                    ),
                    legal_source: None,
                });
            }
        }
    }
    flags
}

/// The procurements that bought an asset (for the asset's page and the findings).
pub fn of_asset(conn: &mut DbConn, asset_id: i32) -> AppResult<Vec<Procurement>> {
    Ok(procurement_assets::table
        .inner_join(procurements::table)
        .filter(procurement_assets::asset_id.eq(asset_id))
        .select(Procurement::as_select())
        .load(conn)?)
}
