//! The pages people use, on every backend: the real router, real templates.

mod common;

use axum::http::StatusCode;
use common::{each_backend, TestApp};
use serde_json::json;

#[tokio::test]
async fn home_register_and_asset_pages_with_demo_data() {
    each_backend(|app: TestApp| async move {
        assert_eq!(taisan::demo::load(&app.db).unwrap().0, 3);
        // Loading the demo twice adds nothing.
        assert_eq!(taisan::demo::load(&app.db).unwrap(), (0, 0));
        let (s, home) = app.page("/", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(home.contains("<svg class=\"chart\""), "charts drawn on the server");
        assert!(home.contains("Máy Real-time PCR CFX96 Touch"), "awaiting handling lists the cassava task's assets");
        assert!(!home.contains("Bò đực giống"), "handled assets are not awaiting");
        let (s, page) = app.page("/tai-san?q=may%20pcr", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("Máy Real-time PCR CFX96 Touch") && page.contains("<form"));
        // htmx asks for the results only.
        let (s, partial) = app.page("/tai-san?q=tu%20an%20toan", true).await;
        assert_eq!(s, StatusCode::OK);
        assert!(partial.contains("Tủ an toàn sinh học cấp II") && !partial.contains("<html"));
        assert!(partial.contains("370.000.000 đ"), "sums in Vietnamese format: {partial}");
        let (s, bad) = app.page("/tai-san?year=abc", true).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("không phải số nguyên") && !bad.contains("<html"));
        let id = app.get("/api/v1/assets?q=pcr").await.1["items"][0]["id"].clone();
        let (s, asset) = app.page(&format!("/tai-san/{id}"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            asset.contains("Hao mòn đến 31/12/") && asset.contains("20/09/2021") && asset.contains("Lịch sử thay đổi")
        );
        let (s, asset) = app.page(&format!("/tai-san/{id}?as_of=31/12/2023"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(asset.contains("Hao mòn đến 31/12/2023"));
        assert_eq!(app.page("/tai-san/999999", false).await.0, StatusCode::NOT_FOUND);
        let (s, tasks) = app.page("/nhiem-vu", false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(tasks.contains("khảm lá sắn"));
        let task = app.get("/api/v1/tasks?q=kham").await.1["items"][0]["id"].clone();
        let (s, t) = app.page(&format!("/nhiem-vu/{task}"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(t.contains("Nhà lưới nhân giống") && t.contains("Cộng (8 tài sản)"), "{t}");
        assert_eq!(app.page("/danh-muc", false).await.0, StatusCode::OK);
        assert_eq!(app.page("/khong-co-trang", false).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn forms_show_inline_errors_and_handle_a_stale_version() {
    each_backend(|app: TestApp| async move {
        let unit = app.id_of("units", "TTUD").await.to_string();
        let cat = app.id_of("categories", "MMTB-TN").await.to_string();
        let (s, _, page) = app
            .form("/tai-san/moi", &[("name", ""), ("unit_id", &unit), ("category_id", &cat), ("cost_state", "1,5")])
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("«Tên tài sản» không được để trống") && page.contains("không phải số nguyên đồng"));
        assert_eq!(app.asset_count(), 0);
        let (s, loc, _) = app
            .form(
                "/tai-san/moi",
                &[
                    ("name", "Máy đo"),
                    ("unit_id", &unit),
                    ("category_id", &cat),
                    ("cost_state", "25.000.000"),
                    ("acquired_on", "02/01/2025"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let loc = loc.unwrap();
        let (s, edit) = app.page(&format!("{loc}/sua"), false).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            edit.contains("value=\"25.000.000\"") && edit.contains("value=\"02/01/2025\""),
            "stored values shown as typed"
        );
        // Someone else saves first…
        let id = loc.rsplit('/').next().unwrap();
        assert_eq!(
            app.put(&format!("/api/v1/assets/{id}"), json!({"version": 1, "location": "Kho B"})).await.0,
            StatusCode::OK
        );
        // …so this form, opened at version 1, is told and keeps what was typed.
        let fields = [
            ("version", "1"),
            ("name", "Máy đo mới"),
            ("unit_id", unit.as_str()),
            ("category_id", cat.as_str()),
            ("cost_state", "25.000.000"),
        ];
        let (s, _, page) = app.form(&format!("{loc}/sua"), &fields).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(page.contains("người khác sửa") && page.contains("value=\"Máy đo mới\"") && page.contains("Kho B"));
        assert!(page.contains("name=\"version\" value=\"2\""), "saving again is against the current version");
        let (_, _, _) = app.form(&format!("{loc}/sua"), &[("version", "2"), ("name", "Máy đo mới")]).await;
        assert_eq!(app.get(&format!("/api/v1/assets/{id}")).await.1["name"], "Máy đo mới");
        let (s, loc2, _) = app.form(&format!("{loc}/xoa"), &[("version", "3")]).await;
        assert_eq!((s, loc2.as_deref()), (StatusCode::SEE_OTHER, Some("/tai-san")));
        assert_eq!(app.asset_count(), 0);
        // Task forms.
        let (s, loc, _) =
            app.form("/nhiem-vu/moi", &[("code", "NV-01"), ("title", "Nhiệm vụ thử"), ("host_org", "Trung tâm")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{loc:?}");
        let (s, _, page) = app.form("/nhiem-vu/moi", &[("code", "NV-01")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Mã nhiệm vụ «NV-01» đã có"));
    })
    .await;
}

#[tokio::test]
async fn static_files_are_served_from_the_binary() {
    let app = TestApp::sqlite();
    let (s, js) = app.page("/static/htmx.min.js", false).await;
    assert_eq!(s, StatusCode::OK);
    assert!(js.len() > 40_000);
    assert_eq!(app.page("/static/app.css", false).await.0, StatusCode::OK);
}

/// Forms keep what was typed, with the message at its field; only what a record's state allows is
/// offered; dates carry no placeholder that looks like a value.
#[tokio::test]
async fn forms_keep_what_was_typed_and_offer_only_what_the_state_allows() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, list) = app.get("/api/v1/inspections").await;
        let id = list["items"][0]["inspection"]["id"].as_i64().unwrap();
        let fields = [
            ("title", "Mua máy ly tâm giá cao hơn thị trường"),
            ("category", "mua_sam"),
            ("amount", "12.500.000"),
            ("asset_codes", "KHONG-CO-MA-NAY"),
            ("description", "Ba báo giá cùng một người lập"),
        ];
        let (s, _, page) = app.form(&format!("/thanh-tra/{id}/phat-hien"), &fields).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        for (_, typed) in &fields[..4] {
            assert!(page.contains(&format!("value=\"{typed}\"")), "«{typed}» is kept: {page}");
        }
        assert!(page.contains("Ba báo giá cùng một người lập</textarea>"));
        assert!(
            page.contains("aria-describedby=\"phat-hien-asset_codes-error\" autofocus"),
            "the cursor goes to the field: {page}"
        );
        assert!(page.contains("id=\"phat-hien-asset_codes-error\""), "the message stands at its field");
        // Dates say their format beside the label, not as a grey value inside the field.
        let (_, new_asset) = app.page("/tai-san/moi", false).await;
        assert!(!new_asset.contains("placeholder=\"dd/mm/yyyy\"") && new_asset.contains("(ngày/tháng/năm)"));
        // A handover records no money; a written-down handling offers no revocation.
        let (_, disposals) = app.get("/api/v1/disposals").await;
        for d in disposals["items"].as_array().unwrap() {
            let (_, page) = app.page(&format!("/xu-ly/{}", d["id"]), false).await;
            let (_, full) = app.get(&format!("/api/v1/disposals/{}", d["id"])).await;
            if full["form"]["execution"] == "ban_giao" {
                assert!(!page.contains("id=\"money-form\""), "{}: a handover shows a money form", d["code"]);
            }
            if d["status"] == "da_ghi_giam" {
                assert!(!page.contains("id=\"revoke-form\""), "{}: written down, yet revocable", d["code"]);
            }
        }
    })
    .await;
}

/// The forms of a page, as (action, enctype, the form's markup).
fn forms_of(page: &str) -> Vec<(String, bool, String)> {
    let mut out = vec![];
    let mut rest = page;
    while let Some(start) = rest.find("<form ") {
        let end = rest[start..].find("</form>").map(|e| start + e).unwrap_or(rest.len());
        let form = &rest[start..end];
        let head = &form[..form.find('>').unwrap_or(form.len())];
        let attr = |name: &str| {
            head.split(&format!("{name}=\"")).nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string()
        };
        out.push((attr("action"), head.contains("multipart/form-data"), form.to_string()));
        rest = &rest[end..];
    }
    out
}

/// The fields a person fills in a form's markup: (name, kind) with kind "date", "number", "text",
/// "select" (its first real option) or "hidden" (its value).
fn fields_of(form: &str) -> Vec<(String, String, String)> {
    let mut out = vec![];
    for tag in ["<input ", "<select ", "<textarea "] {
        let mut at = 0;
        for piece in form.split(tag).skip(1) {
            // A date field says so in its label, before the field.
            at = form[at..].find(tag).map(|p| at + p + 1).unwrap_or(form.len());
            let before = &form[form[..at].rfind("<label").unwrap_or(0)..at];
            let dated = before.contains("ngày/tháng/năm") && !before.contains("</label>");
            let head = format!(" {}", &piece[..piece.find('>').unwrap_or(piece.len())]);
            let attr = |name: &str| head.split(&format!(" {name}=\"")).nth(1).and_then(|s| s.split('"').next());
            let Some(name) = attr("name") else { continue };
            let kind = match (tag, attr("type")) {
                // A ticked box is sent as the browser sends it; an unticked one is not sent.
                (_, Some("checkbox")) if head.contains(" checked") => {
                    ("hidden", attr("value").unwrap_or("on").to_string())
                }
                (_, Some("file" | "checkbox" | "submit")) => continue,
                (_, Some("hidden")) => ("hidden", attr("value").unwrap_or("").to_string()),
                ("<select ", _) => {
                    let first = piece
                        .split("<option value=\"")
                        .skip(1)
                        .filter_map(|o| o.split('"').next())
                        .find(|v| !v.is_empty());
                    ("select", first.unwrap_or("").to_string())
                }
                _ if dated || name.ends_with("_date") || name.ends_with("_on") || name == "deadline" => {
                    ("date", String::new())
                }
                _ if head.contains("inputmode=\"numeric\"") => ("number", String::new()),
                _ => ("text", String::new()),
            };
            out.push((name.to_string(), kind.0.to_string(), kind.1));
        }
    }
    out
}

/// Every form of the pages a handling, a count and an inspection go through, posted with one
/// impossible date (or, lacking a date, a number written in words) and everything else filled:
/// each is refused with nothing lost — every typed value comes back, the refused field is marked,
/// its message stands at it and the cursor is in it. The fields come from each form's own markup.
#[tokio::test]
async fn every_refused_form_keeps_what_was_typed_with_each_message_at_its_field() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let (_, disposals) = app.get("/api/v1/disposals").await;
        let (_, inspections) = app.get("/api/v1/inspections").await;
        let (_, assets) = app.get("/api/v1/assets?per_page=1").await;
        let mut pages = vec![
            format!("/xu-ly/moi?asset_id={}", assets["items"][0]["id"]),
            "/kiem-ke/moi".to_string(),
            "/thanh-tra/moi".to_string(),
            "/mua-sam/moi".to_string(),
            "/tai-san/moi".to_string(),
            "/nhiem-vu/moi".to_string(),
            format!("/tai-san/{}/sua", assets["items"][0]["id"]),
            format!("/thanh-tra/{}", inspections["items"][0]["inspection"]["id"]),
        ];
        pages.extend(disposals["items"].as_array().unwrap().iter().map(|d| format!("/xu-ly/{}", d["id"])));
        let words =
            ["Biên bản số 12/BB-TTUD", "Phòng thí nghiệm sinh học phân tử", "Trần Văn Bình", "Hợp tác xã Tịnh Hà"];
        let mut tried = vec![];
        for uri in &pages {
            let (s, page) = app.page(uri, false).await;
            assert_eq!(s, StatusCode::OK, "{uri}");
            for (action, multipart, form) in forms_of(&page) {
                let fields = fields_of(&form);
                let bad = fields
                    .iter()
                    .position(|(_, k, _)| k == "date")
                    .or_else(|| fields.iter().position(|(_, k, _)| k == "number"));
                let Some(bad) = bad else { continue };
                let mut typed: Vec<(String, String)> = vec![];
                for (i, (name, kind, value)) in fields.iter().enumerate() {
                    let v = match kind.as_str() {
                        _ if i == bad && kind == "date" => "31/02/2026".to_string(),
                        _ if i == bad => "mười hai".to_string(),
                        "date" => "15/11/2026".to_string(),
                        "number" => "7".to_string(),
                        "text" => format!("{} {}", words[i % words.len()], i),
                        _ => value.clone(),
                    };
                    typed.push((name.clone(), v));
                }
                let pairs: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let (s, body) = if multipart {
                    let (s, _, b) = app.upload(&action, "", "application/octet-stream", b"", &pairs).await;
                    (s, String::from_utf8(b).unwrap())
                } else {
                    let (s, _, b) = app.form(&action, &pairs).await;
                    (s, b)
                };
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {body}");
                let bad_name = &fields[bad].0;
                assert!(body.contains(&format!("-{bad_name}-error\"")), "{action}: no message at «{bad_name}»: {body}");
                assert!(body.contains("aria-invalid=\"true\""), "{action}: «{bad_name}» not marked");
                assert!(body.contains(" autofocus"), "{action}: the cursor is not put in «{bad_name}»");
                for ((name, kind, _), (_, v)) in fields.iter().zip(&typed) {
                    if kind == "text" || kind == "date" || kind == "number" {
                        let kept =
                            body.contains(&format!("value=\"{v}\"")) || body.contains(&format!(">{v}</textarea>"));
                        assert!(kept, "{action}: «{name}» = «{v}» was not kept");
                    }
                }
                tried.push(action);
            }
        }
        eprintln!("{} forms refused and drawn again: {tried:?}", tried.len());
        assert!(tried.len() >= 16, "{tried:?}");
    })
    .await;
}
