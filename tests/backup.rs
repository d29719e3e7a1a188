//! Backup and restore as an administrator does it at 7 a.m.: a copy taken while the service holds
//! data, restored after a loss, verified record for record and event for event; a file that is not a
//! backup, and a restore over a live database, refused with the reason.

mod common;

use std::process::Command;

fn taisan(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_taisan")).args(args).env("DATABASE_URL", url).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// «N tài sản, M sự kiện nhật ký, đầu chuỗi H» from a command's output.
fn summary_of(text: &str) -> String {
    text.lines().find_map(|l| l.split_once("): ").map(|(_, s)| s.to_string())).unwrap_or_else(|| panic!("{text}"))
}

#[test]
fn a_sqlite_backup_restores_after_a_loss_and_its_chain_verifies() {
    let app = common::TestApp::sqlite();
    taisan::demo::load(&app.db).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taisan-2026-11-30.db");
    let file = file.to_str().unwrap();
    let (ok, out) = taisan(&app.url, &["backup", file]);
    assert!(ok, "{out}");
    let taken = summary_of(&out);
    assert!(taken.starts_with(&format!("{} tài sản, {} sự kiện", app.asset_count(), app.audit_count())), "{taken}");
    // Never over an existing file.
    let (ok, out) = taisan(&app.url, &["backup", file]);
    assert!(!ok && out.contains("không ghi đè"), "{out}");
    // The disk is lost: restored into a new place, the same records and the same chain head.
    let fresh = format!("sqlite://{}", dir.path().join("moi/taisan.db").display());
    let (ok, out) = taisan(&fresh, &["restore", file]);
    assert!(ok, "{out}");
    assert_eq!(summary_of(&out), taken);
    let (ok, out) = taisan(&fresh, &["audit", "verify"]);
    assert!(ok, "{out}");
    // Over a database that holds records: refused, unless asked — and then the old one is kept.
    let (ok, out) = taisan(&fresh, &["restore", file]);
    assert!(!ok && out.contains("thêm --force"), "{out}");
    let (ok, out) = taisan(&fresh, &["restore", file, "--force"]);
    assert!(ok && out.contains("Tệp cũ được giữ ở"), "{out}");
    let kept = std::fs::read_dir(dir.path().join("moi"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("truoc-khoi-phuc"))
        .count();
    assert_eq!(kept, 1);
    // A file that is not a backup, and a backup whose history was altered, are refused.
    let junk = dir.path().join("khong-phai.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let other = format!("sqlite://{}", dir.path().join("khac.db").display());
    let (ok, out) = taisan(&other, &["restore", junk.to_str().unwrap()]);
    assert!(!ok && out.contains("không phải bản sao lưu dùng được"), "{out}");
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::SqliteConnection::establish(file).unwrap();
        c.batch_execute("UPDATE audit_events SET actor = 'ke-gian' WHERE seq = 3").unwrap();
    }
    let (ok, out) = taisan(&other, &["restore", file]);
    assert!(!ok && out.contains("Chuỗi nhật ký bị phá vỡ tại sự kiện số 3"), "{out}");
    assert!(!dir.path().join("khac.db").exists(), "nothing half-restored");
}

#[test]
fn a_postgres_backup_restores_after_the_schema_is_dropped() {
    let Some(base) = common::pg_url() else { return };
    let app = common::TestApp::postgres(&base);
    taisan::demo::load(&app.db).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taisan.dump");
    let file = file.to_str().unwrap();
    let (ok, out) = taisan(&app.url, &["backup", file]);
    assert!(ok, "{out}");
    let taken = summary_of(&out);
    // Over the live schema: refused.
    let (ok, out) = taisan(&app.url, &["restore", file]);
    assert!(!ok && out.contains("--force"), "{out}");
    // The schema is lost; the dump brings it back whole.
    let schema = app.url.rsplit("search_path%3D").next().unwrap().to_string();
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::PgConnection::establish(&base).unwrap();
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    }
    let (ok, out) = taisan(&app.url, &["restore", file]);
    assert!(ok, "{out}");
    assert_eq!(summary_of(&out), taken);
    let (ok, out) = taisan(&app.url, &["audit", "verify"]);
    assert!(ok, "{out}");
}
