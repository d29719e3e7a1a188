//! Start-up: wrong URLs and unreachable servers give one clear line; the history chain verifies and
//! tampering is caught at the right event.

mod common;

use common::{each_backend, TestApp};
use diesel::connection::SimpleConnection;
use serde_json::json;
use taisan::audit::ChainStatus;

#[test]
fn a_wrong_url_names_the_cause_on_one_line() {
    let e = taisan::open("mysql://localhost/x").err().unwrap().to_string();
    assert!(e.contains("DATABASE_URL không hợp lệ") && e.contains("mysql://localhost/x") && !e.contains('\n'), "{e}");
    let e = taisan::open("postgres://nobody:secret@127.0.0.1:1/nodb").err().unwrap().to_string();
    assert!(e.contains("Không kết nối được PostgreSQL") && !e.contains('\n'), "{e}");
    assert!(!e.contains("secret"), "the password is hidden: {e}");
    let e = taisan::open("sqlite:///proc/no-such-dir/x.db").err().unwrap().to_string();
    assert!(e.contains("SQLite") || e.contains("thư mục"), "{e}");
}

#[test]
fn the_binary_reports_a_bad_url_without_panicking() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_taisan"))
        .arg("migrate")
        .env("DATABASE_URL", "oracle://x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DATABASE_URL không hợp lệ") && !err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn reopening_is_idempotent_and_keeps_edited_reference_data() {
    each_backend(|app: TestApp| async move {
        let cat = app.id_of("categories", "MMTB-VT").await;
        assert_eq!(
            app.put(&format!("/api/v1/categories/{cat}"), json!({"version": 1, "name": "Máy vi tính (đã sửa)"}))
                .await
                .0,
            axum::http::StatusCode::OK
        );
        let again = taisan::open(&app.url).unwrap();
        let name: String = again
            .read_sync(|c| {
                use diesel::prelude::*;
                use taisan::db::schema::asset_categories::dsl::*;
                Ok(asset_categories.filter(id.eq(cat as i32)).select(name).first(c)?)
            })
            .unwrap();
        assert_eq!(name, "Máy vi tính (đã sửa)");
    })
    .await;
}

#[tokio::test]
async fn the_history_chain_verifies_and_tampering_is_found_at_its_event() {
    each_backend(|app: TestApp| async move {
        let base = app.audit_count();
        for i in 0..4 {
            app.asset(json!({"name": format!("Tài sản {i}")})).await;
        }
        let status = app.db.read_sync(taisan::audit::verify).unwrap();
        assert!(matches!(status, ChainStatus::Intact { count, .. } if count == base + 4), "{status:?}");
        let target = base + 3;
        app.db
            .write_sync(move |c| {
                c.batch_execute(&format!(
                    "UPDATE audit_events SET after_json = replace(after_json, 'Tài sản 2', 'Tài sản X') WHERE seq = {target}"
                ))?;
                Ok(())
            })
            .unwrap();
        match app.db.read_sync(taisan::audit::verify).unwrap() {
            ChainStatus::Broken { seq, .. } => assert_eq!(seq, target),
            other => panic!("not caught: {other:?}"),
        }
        // Reordered: two events swap places (their sequence numbers), content untouched.
        let first = base + 1;
        app.db
            .write_sync(move |c| {
                c.batch_execute(&format!(
                    "UPDATE audit_events SET after_json = replace(after_json, 'Tài sản X', 'Tài sản 2') WHERE seq = {target}; \
                     UPDATE audit_events SET seq = -1 WHERE seq = {first}; \
                     UPDATE audit_events SET seq = {first} WHERE seq = {first} + 1; \
                     UPDATE audit_events SET seq = {first} + 1 WHERE seq = -1;"
                ))?;
                Ok(())
            })
            .unwrap();
        match app.db.read_sync(taisan::audit::verify).unwrap() {
            ChainStatus::Broken { seq, reason, .. } => assert!(seq == first && reason.contains("không nối"), "{seq}: {reason}"),
            other => panic!("reordering not caught: {other:?}"),
        }
        app.db
            .write_sync(move |c| {
                c.batch_execute(&format!(
                    "UPDATE audit_events SET seq = -1 WHERE seq = {first}; \
                     UPDATE audit_events SET seq = {first} WHERE seq = {first} + 1; \
                     UPDATE audit_events SET seq = {first} + 1 WHERE seq = -1;"
                ))?;
                Ok(())
            })
            .unwrap();
        assert!(matches!(app.db.read_sync(taisan::audit::verify).unwrap(), ChainStatus::Intact { .. }), "restored");
        app.db.write_sync(move |c| Ok(c.batch_execute(&format!("DELETE FROM audit_events WHERE seq = {target}"))?)).unwrap();
        match app.db.read_sync(taisan::audit::verify).unwrap() {
            ChainStatus::Broken { seq, reason, .. } => assert!(seq == target && reason.contains("xóa"), "{reason}"),
            other => panic!("not caught: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_do_not_fork_the_chain() {
    each_backend(|app: TestApp| async move {
        let base = app.audit_count();
        let unit = app.id_of("units", "TTUD").await;
        let cat = app.id_of("categories", "MMTB-TN").await;
        let creates: Vec<_> = (0..12)
            .map(|i| {
                app.post(
                    "/api/v1/assets",
                    json!({"name": format!("Song song {i}"), "unit_id": unit, "category_id": cat}),
                )
            })
            .collect();
        for (status, body) in futures::future::join_all(creates).await {
            assert_eq!(status, axum::http::StatusCode::CREATED, "{body}");
        }
        match app.db.read_sync(taisan::audit::verify).unwrap() {
            ChainStatus::Intact { count, .. } => assert_eq!(count, base + 12),
            other => panic!("{}: {other:?}", app.backend),
        }
    })
    .await;
}
