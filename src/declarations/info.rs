//! Thông tin kê khai: what an asset's declaration needs beyond the register, kept beside the asset
//! (`declaration_info`, one row per asset, made on first save). Read and checked through `Input`
//! as every record is; each save is an event in the asset's history.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::catalogue::{catalogue, Measure};
use crate::assets::{self, Asset};
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{asset_classes, assets as assets_table, declaration_info};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::now_utc;

#[derive(Debug, Clone, Default, Serialize, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = declaration_info, treat_none_as_null = true)]
pub struct DeclarationInfo {
    pub asset_id: i32,
    /// Mã tài sản trên CSDL quốc gia, once the national database has given one.
    pub national_code: Option<String>,
    /// Lý do tăng (national code); when empty, the one its acquisition method gives.
    pub reason_code: Option<String>,
    /// Parts of the asset's other funding (`cost_other`): quỹ phát triển HĐSN, viện trợ/ODA, vay;
    /// the rest is «nguồn khác».
    pub fund_hdsn: i64,
    pub fund_oda: i64,
    pub fund_loan: i64,
    /// `[{"state": code, "value": m² or 1}]`.
    #[serde(skip)]
    pub usage: String,
    pub address: Option<String>,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub commune_code: Option<String>,
    /// `[{"kind": code, "number": …, "date": …}]`.
    #[serde(skip)]
    pub documents: String,
    /// The land lot a house stands on.
    pub lot_asset_id: Option<i32>,
    pub floors: Option<i32>,
    /// Diện tích xây dựng and tổng diện tích sàn, m².
    pub built_area: Option<f64>,
    pub floor_area: Option<f64>,
    /// Biển kiểm soát, nhãn hiệu, số chỗ ngồi, tải trọng (tấn), công suất.
    pub plate: Option<String>,
    pub brand: Option<String>,
    pub seats: Option<i32>,
    pub load_tonnes: Option<f64>,
    pub engine_power: Option<String>,
    /// Số khung and số máy, each in its own field (the national software's own code swaps them).
    pub chassis_no: Option<String>,
    pub engine_no: Option<String>,
    /// Chức danh sử dụng xe.
    pub user_title: Option<String>,
    pub version: i32,
    #[serde(skip)]
    pub updated_at: chrono::NaiveDateTime,
}

/// One use of an asset: m² of a lot or house, or 1 for a ticked use of anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub state: String,
    pub value: f64,
}

/// Giấy tờ: a land lot's certificate, allocation or lease decision, lease contract, other paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub kind: String,
    pub number: String,
    pub date: Option<NaiveDate>,
}

impl DeclarationInfo {
    pub fn usage(&self) -> Vec<Usage> {
        serde_json::from_str(&self.usage).unwrap_or_default()
    }

    pub fn documents(&self) -> Vec<Document> {
        serde_json::from_str(&self.documents).unwrap_or_default()
    }

    /// The national reason the asset entered the books by.
    pub fn reason_for(&self, asset: &Asset) -> String {
        self.reason_code
            .clone()
            .unwrap_or_else(|| catalogue().acquisition_reason(&asset.acquisition_method).to_string())
    }

    /// The four funding parts of `cost_other` and what is left for «nguồn khác».
    pub fn other_funding(&self, asset: &Asset) -> i64 {
        asset.cost_other - self.fund_hdsn - self.fund_oda - self.fund_loan
    }

    fn blank(asset_id: i32) -> DeclarationInfo {
        DeclarationInfo {
            asset_id,
            usage: "[]".into(),
            documents: "[]".into(),
            version: 0,
            updated_at: now_utc(),
            ..Default::default()
        }
    }
}

/// The stored information of an asset, or a blank one (version 0) when none was saved.
pub fn of(conn: &mut DbConn, asset_id: i32) -> AppResult<DeclarationInfo> {
    let found = declaration_info::table.find(asset_id).select(DeclarationInfo::as_select()).first(conn).optional()?;
    Ok(found.unwrap_or_else(|| DeclarationInfo::blank(asset_id)))
}

/// The stored information of many assets, by asset.
pub fn of_many(conn: &mut DbConn, ids: &[i32]) -> AppResult<std::collections::HashMap<i32, DeclarationInfo>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<DeclarationInfo> = declaration_info::table
            .filter(declaration_info::asset_id.eq_any(chunk))
            .select(DeclarationInfo::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.asset_id, r)));
    }
    for id in ids {
        out.entry(*id).or_insert_with(|| DeclarationInfo::blank(*id));
    }
    Ok(out)
}

/// The information as the API and the page show it: the stored fields, the uses and documents as
/// lists, and what follows from the asset (its class's national type, the reason in force, the
/// part of its funding left to «nguồn khác»).
pub fn view(info: &DeclarationInfo, asset: &Asset, class_code: &str) -> Value {
    let mut v = serde_json::to_value(info).unwrap_or(Value::Null);
    let c = catalogue();
    let reason = info.reason_for(asset);
    v["usage"] = json!(info.usage());
    v["documents"] = json!(info.documents());
    v["class_code"] = json!(class_code);
    v["national_type"] = json!(c.class_type(class_code).map(|t| t.national));
    v["measure"] = json!(match c.measure_of(class_code) {
        Measure::Area => "area",
        Measure::Mark => "mark",
    });
    v["reason_in_force"] = json!(reason);
    v["reason_name"] = json!(c.reason(&reason).map(|r| r.name.clone()));
    v["fund_nsnn"] = json!(asset.cost_state);
    v["fund_other"] = json!(info.other_funding(asset));
    v
}

/// Fields a client may send.
pub const EDITABLE: &[&str] = &[
    "national_code",
    "reason_code",
    "fund_hdsn",
    "fund_oda",
    "fund_loan",
    "usage",
    "address",
    "province_code",
    "district_code",
    "commune_code",
    "documents",
    "lot_asset_id",
    "floors",
    "built_area",
    "floor_area",
    "plate",
    "brand",
    "seats",
    "load_tonnes",
    "engine_power",
    "chassis_no",
    "engine_no",
    "user_title",
];

/// What `GET` shows and a client may send back unchanged.
const READ_ONLY: &[&str] = &[
    "asset_id",
    "version",
    "class_code",
    "national_type",
    "measure",
    "reason_in_force",
    "reason_name",
    "fund_nsnn",
    "fund_other",
];

/// Reads and checks the information sent for `asset` (of class `class_code`) over `current`.
fn check(
    conn: &mut DbConn,
    input: &mut Input,
    asset: &Asset,
    class_code: &str,
    current: &DeclarationInfo,
) -> AppResult<DeclarationInfo> {
    let c = catalogue();
    input.reject_unknown(EDITABLE, READ_ONLY);
    let mut out =
        DeclarationInfo { asset_id: asset.id, version: current.version, updated_at: now_utc(), ..Default::default() };
    out.national_code = input.text("national_code", "Mã tài sản trên CSDL quốc gia", false, 50);
    out.reason_code = input.text("reason_code", "Lý do tăng", false, 10);
    if let Some(code) = &out.reason_code {
        if c.reason(code).is_none_or(|r| r.group != "increase") {
            let known = c.reasons_in(&["increase"]).into_iter().map(|(_, n)| n).collect::<Vec<_>>().join("; ");
            input.error(
                "reason_code",
                format!("«Lý do tăng»: «{code}» không phải mã lý do tăng của CSDL quốc gia ({known})"),
            );
        }
    }
    out.fund_hdsn = input.money("fund_hdsn", "Quỹ phát triển hoạt động sự nghiệp").unwrap_or(0);
    out.fund_oda = input.money("fund_oda", "Viện trợ, ODA").unwrap_or(0);
    out.fund_loan = input.money("fund_loan", "Vốn vay").unwrap_or(0);
    let parts = out.fund_hdsn + out.fund_oda + out.fund_loan;
    if parts > asset.cost_other {
        input.error(
            "fund_hdsn",
            format!(
                "Quỹ HĐSN, viện trợ và vốn vay cộng lại {} đồng, vượt nguồn khác của tài sản ({} đồng)",
                crate::web::fmt::money(parts),
                crate::web::fmt::money(asset.cost_other)
            ),
        );
    }
    // The uses: each a use of the asset's class, once; areas that add up to the asset's own.
    let states = c.usage_states_for(class_code);
    let mut usage: Vec<Usage> = vec![];
    for (i, mut item) in input.list("usage", "Hiện trạng sử dụng", false).into_iter().enumerate() {
        let names: Vec<(&str, &str)> = states.iter().map(|s| (s.code.as_str(), s.label.as_str())).collect();
        let state = item.choice("state", "Hiện trạng", &names, true);
        let value = match c.measure_of(class_code) {
            Measure::Area => item.decimal("value", "Diện tích (m²)"),
            Measure::Mark => Some(item.decimal("value", "Đánh dấu").unwrap_or(1.0)),
        };
        if let (Some(state), Some(value)) = (state, value) {
            if usage.iter().any(|u| u.state == state) {
                item.error("state", format!("Hiện trạng «{state}» ghi hai lần"));
            } else if c.measure_of(class_code) == Measure::Mark && value != 1.0 {
                item.error("value", "Tài sản không phải nhà, đất: hiện trạng chỉ đánh dấu (1)");
            } else if value > 0.0 {
                usage.push(Usage { state, value });
            }
        }
        input.absorb("usage", i, item);
    }
    if c.measure_of(class_code) == Measure::Area && !usage.is_empty() {
        let total: f64 = usage.iter().map(|u| u.value).sum();
        let (whole, what) = if class_code == "DAT" {
            (asset.area_m2, "diện tích khuôn viên đất")
        } else {
            (input.decimal("floor_area", "Tổng diện tích sàn").or(asset.area_m2), "tổng diện tích sàn")
        };
        match whole {
            Some(w) if (total - w).abs() > 0.005 => input.error(
                "usage",
                format!("Diện tích theo hiện trạng cộng lại {total} m², khác {what} {w} m²: mỗi m² phải có đúng một hiện trạng"),
            ),
            None => input.error("usage", format!("Chưa có {what} để đối chiếu diện tích theo hiện trạng")),
            _ => {}
        }
    }
    out.usage = serde_json::to_string(&usage).unwrap_or_else(|_| "[]".into());
    let by_class = |class: &[&str]| class.contains(&class_code);
    let land = by_class(&["DAT"]);
    let house = by_class(&["NHA"]);
    let car = by_class(&["OTO"]);
    // Address: a lot's, a house's (when it differs from its lot's).
    out.address = input.text("address", "Địa chỉ", false, 500);
    out.province_code = input.text("province_code", "Mã tỉnh", false, 10);
    out.district_code = input.text("district_code", "Mã huyện", false, 10);
    out.commune_code = input.text("commune_code", "Mã xã", false, 10);
    let mut documents: Vec<Document> = vec![];
    for (i, mut item) in input.list("documents", "Hồ sơ, giấy tờ", false).into_iter().enumerate() {
        let kinds: Vec<(&str, &str)> = c.documents.iter().map(|d| (d.code.as_str(), d.label.as_str())).collect();
        let kind = item.choice("kind", "Loại giấy tờ", &kinds, true);
        let number = item.text("number", "Số", true, 100);
        let date = item.date("date", "Ngày");
        if let (Some(kind), Some(number)) = (kind, number) {
            documents.push(Document { kind, number, date });
        }
        input.absorb("documents", i, item);
    }
    if !documents.is_empty() && !land {
        input.error("documents", "Hồ sơ, giấy tờ về đất chỉ ghi cho tài sản là đất");
    }
    out.documents = serde_json::to_string(&documents).unwrap_or_else(|_| "[]".into());
    out.lot_asset_id = input.id("lot_asset_id", "Khu đất");
    out.floors = input.int("floors", "Số tầng", 0, 200).map(|v| v as i32);
    out.built_area = input.decimal("built_area", "Diện tích xây dựng");
    out.floor_area = input.decimal("floor_area", "Tổng diện tích sàn");
    if let Some(lot) = out.lot_asset_id {
        let found: Option<(i32, String)> = assets_table::table
            .inner_join(asset_classes::table)
            .filter(assets_table::id.eq(lot))
            .select((assets_table::unit_id, asset_classes::code))
            .first(conn)
            .optional()?;
        match found {
            _ if !by_class(&["NHA", "VKT"]) => {
                input.error("lot_asset_id", "Chỉ nhà và vật kiến trúc nằm trên một khu đất")
            }
            Some((_, class)) if class != "DAT" => {
                input.error("lot_asset_id", format!("Tài sản số {lot} không phải đất"))
            }
            Some((unit, _)) if unit != asset.unit_id => {
                input.error("lot_asset_id", format!("Khu đất số {lot} thuộc đơn vị khác"))
            }
            None => input.error("lot_asset_id", format!("Không có khu đất số {lot}")),
            _ => {}
        }
    }
    if (out.floors.is_some() || out.built_area.is_some() || out.floor_area.is_some()) && !house {
        input.error("floors", "Số tầng, diện tích xây dựng và diện tích sàn chỉ ghi cho nhà");
    }
    if let (Some(b), Some(f)) = (out.built_area, out.floor_area) {
        if f + 0.005 < b {
            input.error("floor_area", format!("Tổng diện tích sàn {f} m² nhỏ hơn diện tích xây dựng {b} m²"));
        }
    }
    out.plate = input.text("plate", "Biển kiểm soát", false, 20);
    out.brand = input.text("brand", "Nhãn hiệu", false, 100);
    out.seats = input.int("seats", "Số chỗ ngồi", 1, 100).map(|v| v as i32);
    out.load_tonnes = input.decimal("load_tonnes", "Tải trọng (tấn)");
    out.engine_power = input.text("engine_power", "Công suất", false, 50);
    out.chassis_no = input.text("chassis_no", "Số khung", false, 50);
    out.engine_no = input.text("engine_no", "Số máy", false, 50);
    out.user_title = input.text("user_title", "Chức danh sử dụng xe", false, 200);
    let car_fields = [&out.plate, &out.brand, &out.engine_power, &out.chassis_no, &out.engine_no, &out.user_title];
    if !car && (car_fields.iter().any(|f| f.is_some()) || out.seats.is_some() || out.load_tonnes.is_some()) {
        input.error("plate", "Biển kiểm soát, nhãn hiệu, số chỗ, số khung, số máy chỉ ghi cho xe ô tô");
    }
    if let (Some(ch), Some(en)) = (&out.chassis_no, &out.engine_no) {
        if ch == en {
            input.error("engine_no", "Số máy trùng số khung: hai số này khác nhau trên giấy đăng ký xe");
        }
    }
    Ok(out)
}

/// The class code of an asset.
pub fn class_code_of(conn: &mut DbConn, asset: &Asset) -> AppResult<String> {
    Ok(asset_classes::table.find(asset.class_id).select(asset_classes::code).first(conn)?)
}

/// Saves the information sent for an asset the caller may edit, at the version they read (0: none
/// saved yet); the change is an event in the asset's history.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    asset_id: i32,
    mut input: Input,
    version: Option<i64>,
) -> AppResult<Value> {
    let asset = assets::find(conn, asset_id)?;
    scope.check_edit(asset.unit_id)?;
    if asset.status == assets::WRITTEN_DOWN {
        return Err(AppError::Conflict {
            message: format!("Tài sản {} đã ghi giảm: thông tin kê khai giữ như lần kê khai cuối", asset.code),
            current: None,
        });
    }
    let class_code = class_code_of(conn, &asset)?;
    let current = of(conn, asset_id)?;
    let Some(version) = version else {
        return Err(AppError::invalid("version", "Cần gửi «version» — số phiên bản đang sửa (0 khi chưa có)"));
    };
    if version != current.version as i64 {
        return Err(AppError::Conflict {
            message: format!(
                "Thông tin kê khai của {} vừa được người khác sửa (phiên bản {})",
                asset.code, current.version
            ),
            current: Some(view(&current, &asset, &class_code)),
        });
    }
    let mut next = check(conn, &mut input, &asset, &class_code, &current)?;
    input.finish()?;
    next.version = current.version + 1;
    if current.version == 0 {
        diesel::insert_into(declaration_info::table).values(&next).execute(conn)?;
    } else {
        let n = diesel::update(declaration_info::table.find(asset_id))
            .filter(declaration_info::version.eq(current.version))
            .set(&next)
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict {
                message: "Thông tin kê khai vừa được người khác sửa".into(),
                current: None,
            });
        }
    }
    let before = (current.version > 0).then(|| view(&current, &asset, &class_code));
    let after = view(&next, &asset, &class_code);
    audit::record(conn, actor, "declare_info", "asset", asset_id, before.as_ref(), Some(&after))?;
    Ok(after)
}
