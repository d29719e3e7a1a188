//! The change file: the pending changes of a unit as the national interface's change events
//! (`Kho_DongBoTaiSan` of the registration software, one element per event, nulls left out, dates
//! dd-MM-yyyy, money in whole đồng), so that a unit hands its changes over without retyping them.
//! Its shape is `change-events.schema.json`, kept beside this file and checked by the tests.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::catalogue::catalogue;
use super::record::{Change, ChangeKind, Pending, Snapshot};
use crate::rules::OrgUnit;

/// The JSON Schema of the change file.
pub const SCHEMA: &str = include_str!("change-events.schema.json");

fn day(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// A stable id for an event (syncSourceId): the same change gives the same id however often the
/// file is made, so that the national side records a change handed over twice once.
fn event_id(unit: &str, base: Option<i32>, c: &Change) -> String {
    let h = crate::import::sha256_hex(
        format!("{unit}|{}|{}|{}|{}", base.unwrap_or(0), c.asset_id, c.kind.code(), c.date).as_bytes(),
    );
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Puts `v` under `k` unless it is null: the interface leaves empty fields out.
pub(super) fn put_present(m: &mut Map<String, Value>, k: &str, v: Value) {
    if !v.is_null() {
        m.insert(k.to_string(), v);
    }
}

/// A snapshot's ISO date as the interface writes it.
fn day_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()).map(day)
}

fn int(s: &Snapshot, k: &str) -> i64 {
    s.get(k).and_then(Value::as_i64).unwrap_or(0)
}

/// The funding of a snapshot by national source.
fn sources(s: &Snapshot) -> Value {
    json!({
        "StateBudget": int(s, "fund_nsnn"), "Business": int(s, "fund_quy_hdsn"), "Oda": int(s, "fund_oda"),
        "Borrow": int(s, "fund_vay"), "Other": int(s, "fund_khac"),
    })
}

fn difference(after: &Value, before: &Value) -> Value {
    let mut out = Map::new();
    for k in ["StateBudget", "Business", "Oda", "Borrow", "Other"] {
        out.insert(k.into(), json!((after[k].as_i64().unwrap_or(0) - before[k].as_i64().unwrap_or(0)).abs()));
    }
    Value::Object(out)
}

/// The uses of a snapshot with their national ids for its class.
fn usage_states(s: &Snapshot) -> Value {
    let class = s.get("class_code").and_then(Value::as_str).unwrap_or("");
    let c = catalogue();
    let items: Vec<Value> = s
        .get("usage")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|u| {
            let code = u["state"].as_str().unwrap_or("");
            let id = c
                .usage_states_for(class)
                .into_iter()
                .find(|st| st.code == code)
                .and_then(|st| st.ids.get(class).copied().flatten());
            json!({"usageStateId": id, "usageStateCode": code, "usageValue": u["value"]})
        })
        .collect();
    Value::Array(items)
}

/// The fields of an asset's class, under the interface's names.
fn class_fields(s: &Snapshot, out: &mut Map<String, Value>) {
    let get = |k: &str| s.get(k).cloned().unwrap_or(Value::Null);
    let class = s.get("class_code").and_then(Value::as_str).unwrap_or("");
    let mut put = |k: &str, v: Value| put_present(out, k, v);
    match class {
        "DAT" => {
            put("landArea", get("area_m2"));
            put("landUseRightValue", get("original_cost"));
            put("landAddress", get("address"));
            put("landProvinceCode", get("province_code"));
            put("landDistrictCode", get("district_code"));
            put("landCommuneCode", get("commune_code"));
            let mut docs = Map::new();
            for d in s.get("documents").and_then(Value::as_array).into_iter().flatten() {
                let kind = d["kind"].as_str().unwrap_or("");
                let key = catalogue().documents.iter().find(|x| x.code == kind).and_then(|x| x.api.clone());
                let entry = json!({"number": d["number"], "date": day_of(d.get("date"))});
                match key {
                    Some(k) => docs.insert(k, entry),
                    None => docs.insert(format!("Other_{kind}"), entry),
                };
            }
            if !docs.is_empty() {
                put("landDocument", Value::Object(docs));
            }
        }
        "NHA" => {
            put("houseLandCode", get("lot_code"));
            put("houseAddress", get("address"));
            put("houseBuiltYear", get("year_made"));
            put("houseNumberOfFloor", get("floors"));
            put("houseAreaBuilding", get("built_area"));
            put("houseAreaFloor", get("floor_area"));
        }
        "OTO" => {
            put("vehicleRegistrationPlateNumber", get("plate"));
            put("brandName", get("brand"));
            put("vehicleSeats", get("seats"));
            put("vehicleCapacity", get("load_tonnes"));
            put("enginePower", get("engine_power"));
            // Each number under its own name (the registration software's own code swaps them).
            put("vehicleChassisNumber", get("chassis_no"));
            put("vehicleEngineNumber", get("engine_no"));
            put("vehicleUserTitle", get("user_title"));
        }
        _ => {
            put("specifications", get("serial_no"));
            put("plantYear", get("year_made"));
        }
    }
}

/// One change as an event of the national interface.
pub fn event(unit: &OrgUnit, base: Option<i32>, c: &Change) -> Value {
    let now = c.after.as_ref().or(c.before.as_ref()).cloned().unwrap_or_default();
    let old = c.before.clone().unwrap_or_default();
    let class = now.get("class_code").and_then(Value::as_str).unwrap_or("");
    let mut e = Map::new();
    let mut put = |k: &str, v: Value| put_present(&mut e, k, v);
    put("syncSourceId", json!(event_id(&unit.code, base, c)));
    put("assetMutationTypeId", json!(c.kind.national_id()));
    put("assetMutationTypeName", json!(c.kind.label()));
    put("mutationCauseCode", json!(c.reason_code));
    put("mutationCauseName", json!(c.reason_name));
    put("mutationDate", json!(day(c.date)));
    put("dueDate", json!(day(c.due)));
    put("source", json!(c.source));
    put("syncSourceAssetId", json!(c.code));
    put("assetCode", now.get("national_code").cloned().unwrap_or(Value::Null));
    put("assetName", json!(c.name));
    put("assetTypeCode", now.get("type_code").cloned().unwrap_or(Value::Null));
    put("assetTypeGroupId", json!(catalogue().class_type(class).map(|t| t.national)));
    put("syncUnitCode", json!(unit.code));
    put("nationalBudgetCode", json!(unit.ma_qhns));
    put("quantity", now.get("quantity").cloned().unwrap_or(Value::Null));
    put("usingDate", json!(day_of(now.get("in_use_on"))));
    let (cost, cost_old) = match c.kind {
        ChangeKind::Removal => (0, int(&old, "original_cost")),
        ChangeKind::New => (int(&now, "original_cost"), 0),
        _ => (int(&now, "original_cost"), int(&old, "original_cost")),
    };
    put("originalValue", json!(cost));
    put("originalValueOld", json!(cost_old));
    put("originalValueIncreasement", json!((cost - cost_old).abs()));
    let (residual, residual_old) = match c.kind {
        ChangeKind::Removal => (0, int(&old, "residual")),
        ChangeKind::New => (int(&now, "residual"), 0),
        _ => (int(&now, "residual"), int(&old, "residual")),
    };
    put("residualValue", json!(residual));
    put("residualValueOld", json!(residual_old));
    let zero = sources(&Snapshot::new());
    let (src, src_old) = match c.kind {
        ChangeKind::Removal => (zero.clone(), sources(&old)),
        ChangeKind::New => (sources(&now), zero.clone()),
        _ => (sources(&now), sources(&old)),
    };
    put("originalValueSourceIncreasement", difference(&src, &src_old));
    put("originalValueSource", src);
    put("originalValueSourceOld", src_old);
    put("assetMutationAssetUsageStates", usage_states(&now));
    if !c.fields.is_empty() {
        put(
            "changes",
            Value::Array(
                c.fields
                    .iter()
                    .map(|f| json!({"field": f.field, "label": f.label, "old": f.old, "new": f.new}))
                    .collect(),
            ),
        );
    }
    class_fields(&now, &mut e);
    Value::Object(e)
}

/// The change file of a unit's pending declaration.
pub fn change_file(unit: &OrgUnit, pending: &Pending) -> Value {
    let base = pending.base.as_ref().map(|b| b.id);
    json!({
        "unit": {"code": unit.code, "name": unit.name, "nationalBudgetCode": unit.ma_qhns},
        "asOf": day(pending.as_of),
        "baseDeclaration": pending.base.as_ref().map(|b| json!({"id": b.id, "asOf": day(b.as_of), "digest": b.digest})),
        "generatedAt": crate::text::now_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "source": "taisan — thay đổi từ lần kê khai đã ghi nhận; cấu trúc theo sự kiện biến động của giao diện CSDL quốc gia (Kho_DongBoTaiSan, phần mềm QLDKTS)",
        "data": pending.changes.iter().map(|c| event(unit, base, c)).collect::<Vec<_>>(),
        // 06a: what the unit declared of itself and what it is now.
        "unitChanges": pending.unit_changes.iter().map(|f| json!({
            "field": f.field, "label": f.label, "old": f.old, "new": f.new,
            "date": pending.unit_changed_on.map(day),
        })).collect::<Vec<_>>(),
    })
}
