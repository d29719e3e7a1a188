//! The national asset-type catalogue (danh mục loại tài sản quốc gia) as the category tree, and the
//! wear rate of each node under each regime (chế độ hao mòn) by date: TT 162/2014 to 31/12/2017,
//! TT 45/2018 to 09/06/2023, TT 23/2023 to 31/12/2025, TT 141/2025 from 01/01/2026.
//!
//! `install` runs at every start: on a database without the catalogue it writes the catalogue's
//! nodes and their rates, maps each existing category to its national code (the mapping table in
//! `data/category_national_map.json`; a category the table leaves open keeps its own rates and a note
//! for the administrator, who chooses on the reference-data page) — a mapped category takes its
//! node's rates, its old rows kept but no longer applied —, every change an audited event; the caller
//! recomputes stored wear in the same transaction. On a database that has the catalogue it does
//! nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db::schema::{asset_categories, asset_classes, wear_rates};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
struct Catalogue {
    source: String,
    regimes: Vec<Regime>,
    types: Vec<AssetType>,
}

/// A wear regime: its text, its dates, which rate of the catalogue it takes (`None`: the TT 45
/// rate carried forward) and what to tell administrators about it.
#[derive(Deserialize)]
struct Regime {
    legal_source: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    rate: Option<String>,
    note: Option<String>,
    /// Said of a rate this regime takes from TT 45/2018 because the catalogue has none of its own.
    carried_note: Option<String>,
}

/// Loại tài sản — one node of the catalogue; rates in percent per year.
#[derive(Deserialize)]
struct AssetType {
    code: String,
    name: String,
    class: String,
    parent: Option<String>,
    rate_tt45: Option<f64>,
    rate_tt162: Option<f64>,
}

#[derive(Deserialize)]
struct Mapping {
    map: Vec<MapRow>,
}

#[derive(Deserialize)]
struct MapRow {
    category: String,
    national: Option<String>,
    candidates: Option<String>,
}

/// A wear regime as the conformance table lists it.
pub struct RegimeRow {
    pub legal_source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// What is unconfirmed of the rates it takes.
    pub note: Option<String>,
}

/// The wear regimes by date.
pub fn regimes() -> AppResult<Vec<RegimeRow>> {
    Ok(catalogue()?
        .regimes
        .into_iter()
        .map(|r| RegimeRow {
            legal_source: r.legal_source,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            note: r.note.or(r.carried_note),
        })
        .collect())
}

fn catalogue() -> AppResult<Catalogue> {
    serde_json::from_str(include_str!("data/national_asset_types.json"))
        .map_err(|e| AppError::Internal(format!("tệp dữ liệu national_asset_types.json hỏng: {e}")))
}

/// The rate of a node under one of the catalogue's rate columns: a leaf's own; a group's when all
/// its rated leaves agree (every car is 6.67 %), its own when none of them is rated, else none.
fn effective(types: &[AssetType], code: &str, pick: fn(&AssetType) -> Option<f64>) -> Option<f64> {
    let node = types.iter().find(|t| t.code == code)?;
    let children: Vec<&AssetType> = types.iter().filter(|t| t.parent.as_deref() == Some(code)).collect();
    if children.is_empty() {
        return pick(node);
    }
    let mut leaves = vec![];
    let mut stack = children;
    while let Some(t) = stack.pop() {
        let below: Vec<&AssetType> = types.iter().filter(|c| c.parent.as_deref() == Some(t.code.as_str())).collect();
        if below.is_empty() {
            leaves.extend(pick(t));
        } else {
            stack.extend(below);
        }
    }
    match leaves.first() {
        None => pick(node),
        Some(first) if leaves.iter().all(|r| (r - first).abs() < 1e-9) => Some(*first),
        Some(_) => None,
    }
}

/// Percent per year as basis points and years of use (100 / rate, as the catalogue implies).
fn rate_row(percent: f64) -> (i32, i32) {
    let bp = (percent * 100.0).round() as i32;
    let years = if percent > 0.0 { (100.0 / percent).round() as i32 } else { 0 };
    (bp, years)
}

/// Writes the catalogue and maps the existing categories, once. Returns whether anything changed
/// (then stored wear must be recomputed).
pub fn install(conn: &mut DbConn) -> AppResult<bool> {
    let cat = catalogue()?;
    let present: i64 = asset_categories::table
        .filter(asset_categories::national_code.eq(asset_categories::code.nullable()))
        .count()
        .get_result(conn)?;
    if present > 0 {
        return Ok(false);
    }
    let actor = Actor("cập nhật danh mục quốc gia".into());
    let classes: HashMap<String, i32> = asset_classes::table
        .select((asset_classes::code, asset_classes::id))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect();
    let source = format!("Danh mục loại tài sản quốc gia (QLDKTS), {}", cat.regimes[1].legal_source);
    let mut ids: HashMap<String, i32> = HashMap::new();
    // Parents come before their children: the file is ordered by code length.
    for t in &cat.types {
        let class_id = *classes
            .get(&t.class)
            .ok_or_else(|| AppError::Internal(format!("danh mục quốc gia: không có loại tài sản «{}»", t.class)))?;
        let exempt = effective(&cat.types, &t.code, |t| t.rate_tt45) == Some(0.0);
        let parent_id = t.parent.as_ref().and_then(|p| ids.get(p).copied());
        // A category of the same code made before (a unit's own «1», say) becomes the node.
        let existing: Option<i32> = asset_categories::table
            .filter(asset_categories::code.eq(&t.code))
            .select(asset_categories::id)
            .first(conn)
            .optional()?;
        let id = match existing {
            Some(id) => {
                diesel::update(asset_categories::table.find(id))
                    .set((asset_categories::national_code.eq(&t.code), asset_categories::parent_id.eq(parent_id)))
                    .execute(conn)?;
                id
            }
            None => diesel::insert_into(asset_categories::table)
                .values((
                    asset_categories::code.eq(&t.code),
                    asset_categories::class_id.eq(class_id),
                    asset_categories::name.eq(&t.name),
                    asset_categories::wear_exempt.eq(exempt),
                    asset_categories::legal_source.eq(&source),
                    asset_categories::national_code.eq(&t.code),
                    asset_categories::parent_id.eq(parent_id),
                ))
                .returning(asset_categories::id)
                .get_result(conn)?,
        };
        ids.insert(t.code.clone(), id);
        for regime in &cat.regimes {
            let own = match regime.rate.as_deref() {
                Some("rate_tt162") => effective(&cat.types, &t.code, |t| t.rate_tt162),
                _ if regime.rate.is_none() => None,
                _ => effective(&cat.types, &t.code, |t| t.rate_tt45),
            };
            let (percent, note) = match (own, regime.rate.as_deref()) {
                (Some(p), _) => (Some(p), regime.note.clone()),
                (None, Some("rate_tt45")) => (None, None),
                (None, _) => (effective(&cat.types, &t.code, |t| t.rate_tt45), regime.carried_note.clone()),
            };
            let Some(percent) = percent else { continue };
            if percent == 0.0 {
                continue; // not worn: the category says so (wear_exempt)
            }
            let (bp, years) = rate_row(percent);
            diesel::insert_into(wear_rates::table)
                .values((
                    wear_rates::category_id.eq(id),
                    wear_rates::useful_life_years.eq(years),
                    wear_rates::rate_bp.eq(bp),
                    wear_rates::legal_source.eq(&regime.legal_source),
                    wear_rates::valid_from.eq(regime.valid_from),
                    wear_rates::valid_to.eq(regime.valid_to),
                    wear_rates::note.eq(&note),
                ))
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        &actor,
        "create",
        "asset_category",
        "national",
        None,
        Some(&json!({"nodes": cat.types.len(), "source": cat.source})),
    )?;
    map_existing(conn, &actor, &ids)?;
    Ok(true)
}

/// Each category made before the catalogue gets its national code from the mapping table (the node's
/// rates apply from then on); one the table leaves open keeps its own and says what to choose.
fn map_existing(conn: &mut DbConn, actor: &Actor, nodes: &HashMap<String, i32>) -> AppResult<()> {
    let mapping: Mapping = serde_json::from_str(include_str!("data/category_national_map.json"))
        .map_err(|e| AppError::Internal(format!("tệp dữ liệu category_national_map.json hỏng: {e}")))?;
    let locals: Vec<(i32, String)> = asset_categories::table
        .filter(asset_categories::national_code.is_null())
        .select((asset_categories::id, asset_categories::code))
        .load(conn)?;
    for (id, code) in locals {
        let row = mapping.map.iter().find(|m| m.category == code);
        let target = row.and_then(|m| m.national.as_ref()).and_then(|n| nodes.get(n).map(|node| (n, *node)));
        match target {
            Some((national, node)) => {
                diesel::update(asset_categories::table.find(id))
                    .set((
                        asset_categories::national_code.eq(national),
                        asset_categories::parent_id.eq(node),
                        asset_categories::mapping_note.eq(None::<String>),
                    ))
                    .execute(conn)?;
                let kept: i64 = wear_rates::table.filter(wear_rates::category_id.eq(id)).count().get_result(conn)?;
                audit::record(
                    conn,
                    actor,
                    "update",
                    "asset_category",
                    id,
                    Some(&json!({"code": code, "national_code": null})),
                    Some(&json!({"code": code, "national_code": national, "own_wear_rates_no_longer_applied": kept})),
                )?;
            }
            None => {
                let note = match row.and_then(|m| m.candidates.as_deref()) {
                    Some(c) => format!("Chưa chọn mã loại tài sản quốc gia: nhóm này gồm nhiều mã có tỷ lệ hao mòn khác nhau — {c}. Tạm giữ tỷ lệ cũ của nhóm"),
                    None => "Chưa chọn mã loại tài sản quốc gia; tạm giữ tỷ lệ cũ của nhóm".to_string(),
                };
                diesel::update(asset_categories::table.find(id))
                    .set(asset_categories::mapping_note.eq(&note))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}
