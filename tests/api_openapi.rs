//! The API describes itself completely, derived from the route table rather than listed: every
//! `/api/v1` route is in the OpenAPI document with its method and nothing described is missing from
//! the router; every field a body takes is typed; every write says what it takes; the records the
//! API returns fit the schemas the document gives them; and the API reads values to the types the
//! document states. Schemathesis runs the rest against the running service in CI
//! (`.ci/schemathesis`, both databases).

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{each_backend, TestApp};
use serde_json::{json, Value};

fn doc() -> Value {
    taisan::openapi::spec()
}

/// Every (method, path) of the route table under `/api/v1`.
fn api_routes() -> BTreeSet<(String, String)> {
    taisan::router::routes()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1"))
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_string()))
        .collect()
}

fn described(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn every_api_route_is_described_and_nothing_else() {
    let doc = doc();
    let routes = api_routes();
    let described = described(&doc);
    let missing: Vec<_> = routes.difference(&described).collect();
    let phantom: Vec<_> = described.difference(&routes).collect();
    assert!(missing.is_empty(), "routes the document leaves out: {missing:?}");
    assert!(phantom.is_empty(), "operations the router does not serve: {phantom:?}");
    eprintln!("{} operations described, {} routes under /api/v1", described.len(), routes.len());
}

/// Walks a JSON value, calling `f` on each object with its pointer.
fn walk(v: &Value, at: &str, f: &mut dyn FnMut(&str, &serde_json::Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(at, m);
            for (k, v) in m {
                walk(v, &format!("{at}/{k}"), f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{at}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[test]
fn every_field_a_body_takes_is_typed() {
    let mut untyped = vec![];
    walk(&doc(), "", &mut |at, m| {
        if m.contains_key("x-untyped") || m.contains_key("x-not-accepted") {
            untyped.push(at.to_string());
        }
    });
    assert!(untyped.is_empty(), "fields with no type, or typed but not accepted by the handler: {untyped:#?}");
}

#[test]
fn every_write_says_what_it_takes_and_every_answer_its_shape() {
    let doc = doc();
    let mut problems = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let writes = method == "post" || method == "put";
            if writes && op.get("requestBody").is_none() && op.get("x-no-body").is_none() {
                problems.push(format!("{method} {path}: no request body"));
            }
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            for seg in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
                if !declared.contains(seg) {
                    problems.push(format!("{method} {path}: path parameter {seg} not declared"));
                }
            }
            let responses = op["responses"].as_object().unwrap();
            if !responses.keys().any(|s| s.starts_with('2')) {
                problems.push(format!("{method} {path}: no success answer"));
            }
            for (status, r) in responses {
                if status != "204" && r["content"].as_object().is_none_or(|c| c.is_empty()) {
                    problems.push(format!("{method} {path}: answer {status} has no content type"));
                }
            }
            for status in ["400", "401", "403", "404", "422"] {
                if !responses.contains_key(status) {
                    problems.push(format!("{method} {path}: error {status} not described"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Whether `value` has one of the JSON types `schema` allows (`type` given as a name or a list).
fn fits_type(schema: &Value, value: &Value) -> bool {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match &schema["type"] {
        Value::String(t) => t == kind || (t == "number" && kind == "integer"),
        Value::Array(ts) => ts.iter().any(|t| t == kind || (t == "number" && kind == "integer")),
        _ => true,
    }
}

#[tokio::test]
async fn reference_records_fit_their_schemas() {
    each_backend(|app: TestApp| async move {
        let doc = doc();
        let mut checked = 0;
        for (collection, schema) in [
            ("units", "Unit"),
            ("categories", "Category"),
            ("wear-rates", "WearRate"),
            ("rule-settings", "RuleSetting"),
        ] {
            let props = doc["components"]["schemas"][schema]["properties"].as_object().unwrap().clone();
            let (s, list) = app.get(&format!("/api/v1/{collection}?per_page=500")).await;
            assert_eq!(s, StatusCode::OK);
            for item in list["items"].as_array().unwrap() {
                let (s, one) = app.get(&format!("/api/v1/{collection}/{}", item["id"])).await;
                assert_eq!(s, StatusCode::OK, "{one}");
                for record in [item, &one] {
                    for (name, p) in &props {
                        if let Some(v) = record.get(name) {
                            assert!(fits_type(p, v), "{collection} {}: {name} = {v} against {p}", record["id"]);
                            checked += 1;
                        }
                    }
                }
            }
        }
        // The first start's reference data holds open-ended rates and settings (valid_to null).
        assert!(checked > 500, "{checked} fields checked");
    })
    .await;
}

#[tokio::test]
async fn the_api_reads_values_to_the_documented_types() {
    each_backend(|app: TestApp| async move {
        // A blank page number is a value the API refuses; the page's own filter form sends it blank.
        let (s, b) = app.get("/api/v1/assets?page=").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(b["fields"]["page"].is_string(), "{b}");
        let (s, _) = app.get("/api/v1/assets?page=%201").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app.get("/api/v1/assets?page=2&status=").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app.page("/tai-san?page=&status=&unit_id=", false).await;
        assert_eq!(s, StatusCode::OK);

        let unit = app.id_of("units", "TTUD").await;
        let category = app.id_of("categories", "MMTB-TN").await;
        let base = json!({"name": "Máy đo pH để bàn", "unit_id": unit, "category_id": category});
        // A number sent as text, a text sent as a number, a list that is not a list: refused by field.
        for (field, value) in [
            ("quantity", json!("2")),
            ("cost_state", json!("15.000.000")),
            ("serial_no", json!(12345)),
            ("acquired_on", json!(20240101)),
            ("task_id", json!("")),
        ] {
            let mut body = base.clone();
            body[field] = value.clone();
            let (s, b) = app.post("/api/v1/assets", body).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field} = {value}: {b}");
            assert!(b["fields"][field].is_string(), "{field}: {b}");
        }
        let mut body = base.clone();
        body["quantity"] = json!(2);
        body["cost_state"] = json!(15_000_000);
        body["acquired_on"] = json!("15/03/2024");
        let (s, b) = app.post("/api/v1/assets", body).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(app.asset_count(), 1);

        let (s, b) = app
            .post(
                "/api/v1/procurements",
                json!({"code": "MS-1", "package_name": "Gói 1", "unit_id": unit, "method": "chi_dinh_thau", "asset_ids": [1, "x"]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(b["fields"]["asset_ids"].is_string(), "{b}");
    })
    .await;
}

#[tokio::test]
async fn every_api_error_answers_in_the_error_shape() {
    each_backend(|app: TestApp| async move {
        // axum's own refusals: a broken multipart body, a method the path does not have.
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/imports/assets")
            .header(header::CONTENT_TYPE, "multipart/form-data")
            .body(Body::from("not a multipart body"))
            .unwrap();
        let (s, headers, body) = app.send(req).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let b: Value = serde_json::from_slice(&body).unwrap();
        assert!(b["error"].as_str().unwrap().starts_with("Yêu cầu không đọc được"), "{b}");

        let req = Request::builder().method(Method::PATCH).uri("/api/v1/assets").body(Body::empty()).unwrap();
        let (s, headers, body) = app.send(req).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert!(headers.contains_key(header::ALLOW));
        let b: Value = serde_json::from_slice(&body).unwrap();
        assert!(b["error"].is_string(), "{b}");
    })
    .await;
}

/// Every update of the API is made against the version the client read: a PUT without `version`
/// is refused on every route of the route table that has one, never laid over the stored version.
#[tokio::test]
async fn every_update_requires_the_version_read() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let mut tried = 0;
        for (method, path) in api_routes().into_iter().filter(|(m, _)| m == "put") {
            let uri = path.replace("{id}", "1");
            if app.get(&uri).await.0 != StatusCode::OK {
                continue; // no record 1 of this kind in the demo
            }
            let (s, b) = app.put(&uri, json!({})).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {b}");
            assert!(b["fields"]["version"].is_string(), "{method} {path}: {b}");
            tried += 1;
        }
        assert!(tried >= 7, "{tried} updates tried");
    })
    .await;
}
