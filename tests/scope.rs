//! Every record stays in its unit's scope, derived from the route table rather than listed: a unit
//! clerk (cán bộ đơn vị) of a unit that holds nothing walks every route the role may call. A route
//! without a scope rule fails the test; a route naming a record of another unit is refused; every
//! other answer — lists, exports, totals, pages — carries no code, file or figure of another unit.

mod common;

use axum::http::StatusCode;
use common::{each_backend, Caller, TestApp};
use serde_json::{json, Value};
use taisan::auth::Role;
use taisan::web::Reach;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The text of an answer: a workbook's cells, or the body as text.
fn text_of(body: &[u8]) -> String {
    if body.starts_with(b"PK") {
        common::workbook_text(body)
    } else {
        String::from_utf8_lossy(body).to_string()
    }
}

/// What identifies another unit's records: asset, handling, count and procurement codes, and the
/// names of files imported or attached.
async fn markers(app: &TestApp) -> Vec<String> {
    let mut out = vec![];
    for (uri, field) in [
        ("/api/v1/assets?per_page=500", "code"),
        ("/api/v1/disposals", "code"),
        ("/api/v1/counts", "code"),
        ("/api/v1/procurements", "code"),
        ("/api/v1/imports", "file_name"),
    ] {
        let (s, list) = app.get(uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        for item in list["items"].as_array().unwrap() {
            out.push(item[field].as_str().unwrap().to_string());
        }
    }
    assert!(out.len() > 20, "the demo gives records to look for: {out:?}");
    out.push("hop-dong-ban-thanh-ly.pdf".into());
    out
}

#[tokio::test]
async fn a_unit_clerk_reaches_nothing_of_another_unit_on_any_route() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        // An import and an attachment by the administrator, for the routes that name them.
        let bytes = std::fs::read("imports/samples/so-tai-san-lon-xon.xlsx").unwrap();
        let (s, _, body) = app.upload("/api/v1/imports/assets", "so-tai-san-lon-xon.xlsx", XLSX, &bytes, &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        let (_, disposals) = app.get("/api/v1/disposals").await;
        let d = disposals["items"][0]["id"].as_i64().unwrap();
        let (s, _, body) = app
            .upload(&format!("/api/v1/disposals/{d}/attachments"), "hop-dong-ban-thanh-ly.pdf", "application/pdf", b"%PDF-1.4 thu", &[])
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        let markers = markers(&app).await;
        let admin = app.caller();

        // A unit that holds nothing, and its clerk.
        let (s, unit) =
            app.post("/api/v1/units", json!({"code": "THU", "name": "Tổ thử nghiệm", "short_name": "Tổ thử", "kind": "phong"})).await;
        assert_eq!(s, StatusCode::CREATED, "{unit}");
        app.add_user("can_bo_thu", Role::UnitStaff.code(), Some("THU"));
        let clerk = Caller::Token(app.token_for("can_bo_thu"));
        let own_unit = unit["id"].as_i64().unwrap() as i32;

        let mut undeclared = vec![];
        let mut leaks = vec![];
        let mut tried = 0;
        for r in taisan::router::routes() {
            if !r.permission.allows(Role::UnitStaff) {
                continue;
            }
            let ctx = format!("{} {}", r.method, r.path);
            let id = match r.reach {
                Reach::Undeclared => {
                    undeclared.push(ctx);
                    continue;
                }
                Reach::Record(units_of) | Reach::Shared(units_of) => {
                    // A record of another unit, as the route's own rule finds it.
                    let found = app
                        .db
                        .read_sync(move |c| {
                            for id in 1..=80 {
                                if let Some(units) = units_of(c, id)? {
                                    if !units.contains(&own_unit) {
                                        return Ok(Some(id));
                                    }
                                }
                            }
                            Ok(None)
                        })
                        .unwrap();
                    Some(found.unwrap_or_else(|| panic!("{ctx}: no record of another unit to try")))
                }
                Reach::Filtered | Reach::Unscoped => None,
            };
            let path = r.path.replace("{id}", &id.unwrap_or(1).to_string()).replace("{form}", "04c");
            app.act_as(clerk.clone());
            let (status, _, body) = app.send(common::empty_request(&r.method, &path)).await;
            app.act_as(admin.clone());
            tried += 1;
            if id.is_some() {
                if status != StatusCode::FORBIDDEN && status != StatusCode::NOT_FOUND {
                    leaks.push(format!("{ctx} with a record of another unit: {status}"));
                }
                continue;
            }
            let text = text_of(&body);
            if let Some(m) = markers.iter().find(|m| text.contains(m.as_str())) {
                leaks.push(format!("{ctx}: {status}, shows «{m}»"));
            }
        }
        assert!(undeclared.is_empty(), "routes unit staff reach without a scope rule: {undeclared:#?}");
        assert!(leaks.is_empty(), "another unit's records reached: {leaks:#?}");
        assert!(tried >= 60, "{tried} routes tried");
        eprintln!("scope walk: {tried} routes tried as a clerk of another unit");

        // The clerk's own unit is reached: its asset, in a list and by id.
        app.act_as(admin.clone());
        let cat = app.id_of("categories", "MMTB-VP").await;
        let (s, a) = app
            .post("/api/v1/assets", json!({"name": "Máy hủy tài liệu", "unit_id": own_unit, "category_id": cat, "original_cost": 12_000_000, "acquired_on": "2025-03-04"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        app.act_as(clerk.clone());
        let (s, one) = app.get(&format!("/api/v1/assets/{}", a["id"])).await;
        assert_eq!((s, one["name"].as_str()), (StatusCode::OK, Some("Máy hủy tài liệu")));
        let (_, units) = app.get("/api/v1/units?per_page=100").await;
        let items = units["items"].as_array().unwrap();
        let mine = items.iter().find(|u| u["id"] == own_unit).unwrap();
        assert_eq!(mine["asset_count"], 1);
        assert!(
            items.iter().filter(|u| u["id"] != own_unit).all(|u| u.get("asset_count").is_none()),
            "no other unit's totals: {units}"
        );
        let _: Value = one;
    })
    .await;
}
