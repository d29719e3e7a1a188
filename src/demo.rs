//! Demo data (`serve --demo`): the department's cassava mosaic task awaiting handling of its assets,
//! two other tasks, and the Center's and offices' assets. Names marked "dữ liệu mẫu" are invented.
//! Everything goes through the same validation and history as a user's entry. Idempotent: once the
//! demo tasks exist, nothing is added again.

use diesel::prelude::*;
use serde_json::{json, Map, Value};

use crate::audit::Actor;
use crate::db::schema::{asset_categories, org_units, tasks};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::input::Input;

const DATA: &str = include_str!("../imports/demo/register.json");

/// Loads the demo data; returns how many tasks and assets were added.
pub fn load(db: &Db) -> AppResult<(usize, usize)> {
    let data: Value = serde_json::from_str(DATA).map_err(|e| AppError::Internal(format!("demo data: {e}")))?;
    db.write_sync(|c| {
        let actor = Actor("demo".into());
        let first_code = data["tasks"][0]["code"].as_str().unwrap_or_default();
        if tasks::table.filter(tasks::code.eq(first_code)).count().get_result::<i64>(c)? > 0 {
            return Ok((0, 0));
        }
        let unit_id = |c: &mut crate::db::DbConn, code: &str| -> AppResult<i32> {
            Ok(org_units::table.filter(org_units::code.eq(code)).select(org_units::id).first(c)?)
        };
        let mut n_tasks = 0;
        for t in data["tasks"].as_array().into_iter().flatten() {
            let mut m: Map<String, Value> = t.as_object().cloned().unwrap_or_default();
            if let Some(Value::String(u)) = m.remove("managing_unit") {
                m.insert("managing_unit_id".into(), json!(unit_id(c, &u)?));
            }
            crate::tasks::create(c, &actor, Input::from_json(Value::Object(m))?)?;
            n_tasks += 1;
        }
        let mut n_assets = 0;
        for a in data["assets"].as_array().into_iter().flatten() {
            let mut m: Map<String, Value> = a.as_object().cloned().unwrap_or_default();
            if let Some(Value::String(u)) = m.remove("unit") {
                m.insert("unit_id".into(), json!(unit_id(c, &u)?));
            }
            if let Some(Value::String(k)) = m.remove("category") {
                let id: i32 = asset_categories::table
                    .filter(asset_categories::code.eq(&k))
                    .select(asset_categories::id)
                    .first(c)?;
                m.insert("category_id".into(), json!(id));
            }
            if let Some(Value::String(t)) = m.remove("task") {
                let id: i32 = tasks::table.filter(tasks::code.eq(&t)).select(tasks::id).first(c)?;
                m.insert("task_id".into(), json!(id));
            }
            crate::assets::create(c, &actor, &crate::auth::Scope::ALL, Input::from_json(Value::Object(m))?)?;
            n_assets += 1;
        }
        Ok((n_tasks, n_assets))
    })
}
