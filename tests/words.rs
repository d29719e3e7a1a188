//! No internal word reaches a page or an official form: every history action and kind of record has
//! its Vietnamese name, what is not yet confirmed of a rule or a form's layout is shown to
//! administrators on the reference-data page and printed nowhere, codes have their labels.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{each_backend, Caller, TestApp};

#[tokio::test]
async fn forms_print_their_basis_and_never_what_is_unconfirmed() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        let notes: Vec<String> = taisan::reports::unconfirmed().unwrap().into_iter().map(|(_, _, n)| n).collect();
        let forms = app.db.read_sync(|c| taisan::disposals::forms_on(c, taisan::text::today())).unwrap();
        let mut form_notes: Vec<String> = forms.iter().filter_map(|f| f.unconfirmed.clone()).collect();
        // The notes of wear rates and settings are administrators' too.
        let rules = app.db.read_sync(taisan::rules::Rules::load).unwrap();
        form_notes.extend(rules.rates.iter().filter_map(|r| r.note.clone()));
        form_notes.extend(rules.settings.iter().filter_map(|s| s.note.clone()));
        assert!(!notes.is_empty() && !form_notes.is_empty(), "the data still holds unconfirmed points");
        let (_, list) = app.get("/api/v1/disposals").await;
        let mut printed = vec![];
        for d in list["items"].as_array().unwrap() {
            for doc in ["proposal", "handover"] {
                let (s, _, body) = app
                    .send(Request::get(format!("/api/v1/disposals/{}/{doc}", d["id"])).body(Body::empty()).unwrap())
                    .await;
                if s == StatusCode::OK {
                    printed.push((format!("{doc} of {}", d["code"]), common::workbook_text(&body)));
                }
            }
            let (_, page) = app.page(&format!("/xu-ly/{}", d["id"]), false).await;
            printed.push((format!("page of {}", d["code"]), page));
        }
        for uri in ["/api/v1/exports/wear", "/api/v1/exports/fixed-asset-book", "/api/v1/assets/1/card"] {
            printed.push((uri.to_string(), common::workbook_text(&app.download(uri).await)));
        }
        let (_, new_form) = app.page("/xu-ly/moi", false).await;
        printed.push(("the proposal form".into(), new_form));
        assert!(printed.iter().any(|(_, t)| t.contains("Mẫu số 01/TSC-XLTS")), "the proposal was printed");
        for (what, text) in &printed {
            for note in notes.iter().chain(&form_notes) {
                assert!(!text.contains(note.as_str()), "{what} prints «{note}»");
            }
            assert!(!text.contains("Ghi việc thực hiện: ban_giao"), "{what}: a code where its name belongs");
        }
        // Administrators see what is still to be checked, on the reference-data page; others do not.
        let (_, reference) = app.page("/danh-muc", false).await;
        assert!(reference.contains("id=\"unconfirmed\"") && notes.iter().all(|n| reference.contains(n.as_str())));
        app.add_user("lanhdao", "lanh_dao", Some("SKHCN"));
        let admin = app.caller();
        app.act_as(Caller::Token(app.token_for("lanhdao")));
        let (_, reference) = app.page("/danh-muc", false).await;
        assert!(!reference.contains("id=\"unconfirmed\""));
        app.act_as(admin);
    })
    .await;
}

#[tokio::test]
async fn every_history_entry_has_its_name_and_its_record() {
    each_backend(|app: TestApp| async move {
        taisan::demo::load(&app.db).unwrap();
        // Every action and kind of record the demo's history holds — handlings, counts, an
        // inspection with findings, recommendations and follow-ups — has a name.
        let (_, log) = app.get("/api/v1/activity?per_page=500").await;
        let items = log["items"].as_array().unwrap();
        assert!(items.len() > 50, "{}", items.len());
        for e in items {
            let (action, entity) = (e["action"].as_str().unwrap(), e["entity"].as_str().unwrap());
            assert!(taisan::audit::name_in(taisan::audit::ACTIONS, action).is_some(), "action «{action}» has no name");
            assert!(taisan::audit::name_in(taisan::audit::ENTITIES, entity).is_some(), "entity «{entity}» has no name");
        }
        let (_, page) = app.page("/nhat-ky?per_page=500", false).await;
        for raw in [">finding<", ">recommendation<", ">follow_up<", ">inspection<", ">disposal<", ">asset<"] {
            assert!(!page.contains(raw), "the activity page shows {raw}");
        }
        assert!(page.contains("Ghi phát hiện thanh tra") && page.contains("Hồ sơ xử lý tài sản"));
        assert!(page.contains(">XL-2026-"), "a handling is named by its code");
        // A page that does not exist says so in Vietnamese only.
        let (s, missing) = app.page("/khong-co-trang-nay", false).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(missing.contains("Không tìm thấy") && !missing.contains("not found"), "{missing}");
    })
    .await;
}
