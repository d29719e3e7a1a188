//! Đánh giá lại: a dated decision that gives an asset a new original cost and residual value — one
//! found surplus at a count, one upgraded. The asset's cost changes (its funding split kept in
//! proportion), its wear from then on starts from the new base (the new cost less the new residual,
//! booked on the decision's date), and the change is a value event of the next declaration.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::catalogue::catalogue;
use crate::assets;
use crate::audit::{self, Actor};
use crate::auth::Scope;
use crate::db::schema::{assets as assets_table, count_lines, revaluations};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::input::Input;
use crate::text::now_utc;

#[derive(Debug, Clone, Serialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = revaluations)]
pub struct Revaluation {
    pub id: i32,
    pub asset_id: i32,
    pub decided_on: NaiveDate,
    /// Số quyết định.
    pub doc_no: String,
    /// Căn cứ: the valuation, the count's minutes, the acceptance of the upgrade.
    pub basis: String,
    /// Lý do (national code): 021 tăng, 027 giảm do đánh giá lại, 018–020 nâng cấp…
    pub reason_code: String,
    pub old_cost: i64,
    pub new_cost: i64,
    pub old_residual: i64,
    pub new_residual: i64,
    /// The count line whose resolution it follows, when it revalues an asset found at a count.
    pub count_line_id: Option<i32>,
    pub actor: String,
    pub created_at: chrono::NaiveDateTime,
}

pub const FIELDS: &[&str] =
    &["decided_on", "doc_no", "basis", "reason_code", "new_cost", "new_residual", "count_line_id"];

/// The revaluations of an asset, oldest first.
pub fn of_asset(conn: &mut DbConn, asset_id: i32) -> AppResult<Vec<Revaluation>> {
    Ok(revaluations::table
        .filter(revaluations::asset_id.eq(asset_id))
        .order(revaluations::id)
        .select(Revaluation::as_select())
        .load(conn)?)
}

/// Records a revaluation of an asset the caller may edit and applies it to the asset.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    scope: &Scope,
    asset_id: i32,
    mut input: Input,
) -> AppResult<Revaluation> {
    let asset = assets::find(conn, asset_id)?;
    scope.check_edit(asset.unit_id)?;
    if asset.status == assets::WRITTEN_DOWN {
        return Err(AppError::Conflict {
            message: format!("Tài sản {} đã ghi giảm: không đánh giá lại", asset.code),
            current: None,
        });
    }
    input.reject_unknown(FIELDS, &[]);
    let decided_on = input.date("decided_on", "Ngày quyết định");
    let decided_on = input.required(decided_on, "decided_on", "Ngày quyết định");
    let doc_no = input.text("doc_no", "Số quyết định", true, 100);
    let basis = input.text("basis", "Căn cứ đánh giá lại", true, 2000);
    let groups = ["value_increase", "value_decrease"];
    let reasons = catalogue().reasons_in(&groups);
    let reason_choices: Vec<(&str, &str)> = reasons.iter().map(|(c, n)| (c.as_str(), n.as_str())).collect();
    let reason_code = input.choice("reason_code", "Lý do", &reason_choices, true);
    let new_cost = input.money("new_cost", "Nguyên giá mới");
    let new_cost = input.required(new_cost, "new_cost", "Nguyên giá mới");
    let new_residual = input.money("new_residual", "Giá trị còn lại mới");
    let new_residual = input.required(new_residual, "new_residual", "Giá trị còn lại mới");
    let count_line_id = input.id("count_line_id", "Dòng kiểm kê");
    let today = crate::text::today();
    if let Some(d) = decided_on {
        if d > today {
            input.error("decided_on", "«Ngày quyết định» chưa đến");
        }
        if asset.acquired_on.is_some_and(|a| d < a) {
            input.error("decided_on", "«Ngày quyết định» trước ngày tăng tài sản");
        }
    }
    if let (Some(c), Some(r)) = (new_cost, new_residual) {
        if r > c {
            input.error("new_residual", "Giá trị còn lại mới lớn hơn nguyên giá mới");
        }
    }
    // The reason says which way the cost moves.
    if let (Some(code), Some(c)) = (&reason_code, new_cost) {
        let group = catalogue().reason(code).map(|r| r.group.as_str()).unwrap_or("");
        if (group == "value_increase" && c < asset.original_cost)
            || (group == "value_decrease" && c > asset.original_cost)
        {
            input.error(
                "reason_code",
                format!("Lý do «{code}» không khớp chiều thay đổi nguyên giá ({} → {} đồng)", asset.original_cost, c),
            );
        }
    }
    if let Some(line) = count_line_id {
        let found: Option<Option<i32>> =
            count_lines::table.find(line).select(count_lines::asset_id).first(conn).optional()?;
        match found {
            Some(Some(a)) if a == asset_id => {}
            Some(_) => input.error("count_line_id", format!("Dòng kiểm kê số {line} không phải của tài sản này")),
            None => input.error("count_line_id", format!("Không có dòng kiểm kê số {line}")),
        }
    }
    input.finish()?;
    let (decided_on, doc_no, basis, reason_code, new_cost, new_residual) = (
        decided_on.expect("checked"),
        doc_no.expect("checked"),
        basis.expect("checked"),
        reason_code.expect("checked"),
        new_cost.expect("checked"),
        new_residual.expect("checked"),
    );
    if later_than(conn, asset_id, decided_on)? {
        return Err(AppError::Conflict {
            message: "Tài sản đã có lần đánh giá lại sau ngày này: ghi các lần theo thứ tự ngày".into(),
            current: None,
        });
    }
    let rules = crate::rules::Rules::load(conn)?;
    let old_residual = asset.wear_schedule(&rules, decided_on)?.residual_value;
    // The funding split kept in proportion: the state's share of the old cost is its share of the new.
    let new_state = if asset.original_cost > 0 {
        ((new_cost as i128 * asset.cost_state as i128 + asset.original_cost as i128 / 2) / asset.original_cost as i128)
            as i64
    } else {
        0
    };
    let full = |a: &assets::Asset| serde_json::to_value(a).unwrap_or_default();
    let before = full(&asset);
    diesel::update(assets_table::table.find(asset_id))
        .set((
            assets_table::cost_state.eq(new_state),
            assets_table::cost_other.eq(new_cost - new_state),
            assets_table::original_cost.eq(new_cost),
            assets_table::opening_wear.eq(new_cost - new_residual),
            assets_table::opening_wear_as_of.eq(Some(decided_on)),
            assets_table::version.eq(asset.version + 1),
            assets_table::updated_at.eq(now_utc()),
        ))
        .execute(conn)?;
    let row = (
        revaluations::asset_id.eq(asset_id),
        revaluations::decided_on.eq(decided_on),
        revaluations::doc_no.eq(&doc_no),
        revaluations::basis.eq(&basis),
        revaluations::reason_code.eq(&reason_code),
        revaluations::old_cost.eq(asset.original_cost),
        revaluations::new_cost.eq(new_cost),
        revaluations::old_residual.eq(old_residual),
        revaluations::new_residual.eq(new_residual),
        revaluations::count_line_id.eq(count_line_id),
        revaluations::actor.eq(&actor.0),
        revaluations::created_at.eq(now_utc()),
    );
    diesel::insert_into(revaluations::table).values(row).execute(conn)?;
    let saved: Revaluation = revaluations::table
        .filter(revaluations::asset_id.eq(asset_id))
        .order(revaluations::id.desc())
        .select(Revaluation::as_select())
        .first(conn)?;
    // The stored wear (as of the last 31/12, like every asset's) follows the new base at once.
    assets::freeze_wear(conn, &rules, asset_id, assets::wear::last_close(today))?;
    let mut after = full(&assets::find(conn, asset_id)?);
    after["revaluation"] = json!(saved);
    audit::record(conn, actor, "revalue", "asset", asset_id, Some(&before), Some(&after))?;
    Ok(saved)
}

fn later_than(conn: &mut DbConn, asset_id: i32, on: NaiveDate) -> AppResult<bool> {
    let n: i64 = revaluations::table
        .filter(revaluations::asset_id.eq(asset_id))
        .filter(revaluations::decided_on.gt(on))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
