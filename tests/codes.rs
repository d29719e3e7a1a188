//! Codes made by the service — assets, handlings, counts, inspections — taken by people creating at
//! the same moment: each gets its own, on both databases (PostgreSQL runs them on ten connections at
//! once; `db::last_number` makes the writers of one kind take turns).

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use serde_json::{json, Value};

const AT_ONCE: usize = 8;

/// Sends `AT_ONCE` creations together; returns the codes they were given.
async fn at_once(app: &TestApp, uri: &str, body: impl Fn(usize) -> Value) -> Vec<String> {
    let sent = (0..AT_ONCE).map(|i| app.post(uri, body(i)));
    let mut codes = vec![];
    for (s, v) in futures::future::join_all(sent).await {
        assert_eq!(s, StatusCode::CREATED, "{uri}: {v}");
        codes.push(v["code"].as_str().unwrap().to_string());
    }
    codes
}

fn distinct(mut codes: Vec<String>, what: &str) {
    let n = codes.len();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), n, "{what}: the same code twice in {codes:?}");
}

#[tokio::test]
async fn people_creating_at_once_get_codes_of_their_own() {
    each_backend(|app: TestApp| async move {
        let unit = app.id_of("units", "TTUD").await;
        let cat = app.id_of("categories", "MMTB-TN").await;
        let assets = at_once(&app, "/api/v1/assets", |i| {
            json!({"name": format!("Pipet tự động {i}"), "unit_id": unit, "category_id": cat, "original_cost": 12_000_000 + i as i64, "acquired_on": "2026-03-02"})
        })
        .await;
        distinct(assets.clone(), "assets");
        let inspections = at_once(&app, "/api/v1/inspections", |i| {
            json!({"kind": "kiem_tra", "planned": true, "title": format!("Kiểm tra sử dụng tài sản {i}"),
                   "decision_no": format!("{i}/QĐ-TTr"), "decision_date": "02/06/2026", "subjects": "Trung tâm Ứng dụng",
                   "scope": "Sử dụng tài sản", "period_from": "01/01/2025", "period_to": "31/12/2025",
                   "team": "Nguyễn Văn Minh; Trưởng đoàn; ttra1"})
        })
        .await;
        distinct(inspections, "inspections");
        let counts = at_once(&app, "/api/v1/counts", |i| {
            json!({"decision_no": format!("{i}/QĐ-SKHCN"), "decision_date": "01/12/2026", "reference_date": "31/12/2026",
                   "units": "TTUD",
                   "members": [{"full_name": "Nguyễn Văn Thành", "committee_role": "truong_ban"},
                               {"full_name": "Lê Minh Tâm", "committee_role": "thu_ky"}]})
        })
        .await;
        distinct(counts.clone(), "counts");
        assert!(counts.contains(&"KK-2026".to_string()) && counts.contains(&"KK-2026-8".to_string()), "{counts:?}");
        // One handling for each new asset, proposed together.
        let mut ids = vec![];
        for code in &assets {
            ids.push(app.get(&format!("/api/v1/assets?q={code}")).await.1["items"][0]["id"].clone());
        }
        let disposals = at_once(&app, "/api/v1/disposals", |i| {
            json!({"form_code": "thanh_ly_ban", "reason": "Hỏng không sửa được", "doc_no": format!("{i}/TTUD-HC"),
                   "doc_date": "02/11/2026", "lines": [{"asset_id": ids[i]}]})
        })
        .await;
        distinct(disposals, "handlings");
    })
    .await;
}
