//! Faults and concurrency, with the real server: others browse while an import and a count's closing
//! run; killed (SIGKILL) in the middle of an import, of a count's closing and of a disposal's
//! write-down — after a restart the database holds all or none of each and the history chain verifies;
//! stopped (SIGTERM) while a request is in flight — the request finishes; PostgreSQL unreachable for
//! a while — requests fail fast with 503 and the service recovers by itself.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_taisan"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(&format!("{base}/dang-nhap")).call().is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, base }
}

fn kill9(s: &mut Server) {
    Command::new("kill").args(["-9", &s.child.id().to_string()]).status().unwrap();
    let _ = s.child.wait();
}

/// Sends `request` to the server on a thread of its own, kills the server (SIGKILL) `after` it was
/// sent — in the middle of the write it asked for — and returns what the client got.
fn killed_during<T: Send + 'static>(
    server: &mut Server,
    after: Duration,
    request: impl FnOnce() -> T + Send + 'static,
) -> T {
    let request = std::thread::spawn(request);
    std::thread::sleep(after);
    kill9(server);
    request.join().unwrap()
}

fn token(app: &common::TestApp) -> String {
    app.add_user("quantri9", "admin", None);
    app.token_for("quantri9")
}

/// A register of `n` rows as the import reads it, coded K-000000….
fn register(n: usize) -> Vec<u8> {
    register_coded("K", n)
}

fn register_coded(prefix: &str, n: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in
        ["Mã tài sản", "Tên tài sản", "Nhóm tài sản", "Đơn vị quản lý", "Nguyên giá", "Ngày tăng"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..n as u32 {
        let r = i + 1;
        ws.write_string(r, 0, format!("{prefix}-{i:06}")).unwrap();
        ws.write_string(r, 1, format!("Máy đo số {i}")).unwrap();
        ws.write_string(r, 2, "MMTB-TN").unwrap();
        ws.write_string(r, 3, "TTUD").unwrap();
        ws.write_number(r, 4, 20_000_000.0 + i as f64).unwrap();
        ws.write_string(r, 5, "15/03/2024").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn upload(base: &str, token: &str, path: &str, name: &str, bytes: &[u8]) -> Result<(u16, String), String> {
    let body = common::multipart(name, "application/octet-stream", bytes, &[]);
    match ureq::post(&format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", &format!("multipart/form-data; boundary={}", common::BOUNDARY))
        .timeout(Duration::from_secs(600))
        .send_bytes(&body)
    {
        Ok(r) => Ok((r.status(), r.into_string().unwrap_or_default())),
        Err(ureq::Error::Status(code, r)) => Ok((code, r.into_string().unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    }
}

fn chain_verifies(url: &str) -> bool {
    let out =
        Command::new(env!("CARGO_BIN_EXE_taisan")).args(["audit", "verify"]).env("DATABASE_URL", url).output().unwrap();
    out.status.success()
}

fn assets(app: &common::TestApp) -> i64 {
    app.asset_count()
}

#[test]
fn killed_in_the_middle_of_an_import_the_database_holds_all_or_none() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        let token = token(&app);
        let n = 30_000;
        let file = register(n);
        let mut server = start(&app.url);
        let base = server.base.clone();
        let (tok, bytes) = (token.clone(), file.clone());
        // Killed while it writes.
        let answer = killed_during(&mut server, Duration::from_millis(1500), move || {
            upload(&base, &tok, "/api/v1/imports/assets", "lon.xlsx", &bytes)
        });
        assert!(answer.is_err() || answer.as_ref().is_ok_and(|(s, _)| *s == 201), "{answer:?}");
        let held = assets(&app);
        eprintln!("killed during the import: {held} of {n} assets held, answer {answer:?}");
        assert!(held == 0 || held == n as i64, "all or none: {held} of {n}");
        assert!(chain_verifies(&app.url), "the chain verifies after the kill");
        // The service comes back and the same import runs whole.
        let server = start(&app.url);
        if held == 0 {
            let (s, body) = upload(&server.base, &token, "/api/v1/imports/assets", "lon.xlsx", &file).unwrap();
            assert_eq!(s, 201, "{body}");
            assert_eq!(assets(&app), n as i64);
        }
        assert!(chain_verifies(&app.url));
    }
}

fn post(base: &str, token: &str, path: &str, body: Value) -> Result<(u16, Value), String> {
    match ureq::post(&format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .timeout(Duration::from_secs(600))
        .send_json(body)
    {
        Ok(r) => Ok((r.status(), r.into_json().unwrap_or(Value::Null))),
        Err(ureq::Error::Status(code, r)) => Ok((code, r.into_json().unwrap_or(Value::Null))),
        Err(e) => Err(e.to_string()),
    }
}

/// A count of the `n` assets of a fresh register, each found in another room, every discrepancy
/// resolved by an adjustment: closing it adjusts every one. Returns the count's id.
fn count_ready_to_close(app: &common::TestApp, server: &Server, token: &str, n: usize) -> i64 {
    assert_eq!(upload(&server.base, token, "/api/v1/imports/assets", "ds.xlsx", &register(n)).unwrap().0, 201);
    let (s, c) = post(
        &server.base,
        token,
        "/api/v1/counts",
        json!({"decision_no": "1", "decision_date": "01/11/2026", "reference_date": "31/12/2026",
               "members": [{"full_name": "A", "committee_role": "truong_ban"}]}),
    )
    .unwrap();
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(post(&server.base, token, &format!("/api/v1/counts/{id}/open"), json!({})).unwrap().0, 200);
    app.db
        .write_sync(|conn| {
            let s = taisan::inventory::find(conn, id as i32)?;
            let entries = taisan::inventory::lines_of(conn, id as i32)?
                .into_iter()
                .map(|l| taisan::inventory::NewEntry {
                    code: l.code,
                    quantity: l.book_quantity,
                    condition: None,
                    location: Some("Kho mới".into()),
                    note: None,
                })
                .collect();
            taisan::inventory::save_entries(
                conn,
                &taisan::audit::Actor("dem".into()),
                &taisan::auth::Scope::ALL,
                &s,
                entries,
                "test",
                false,
            )?;
            taisan::inventory::reconcile_session(conn, &taisan::audit::Actor("dem".into()), id as i32, None, None)?;
            for r in taisan::inventory::reconciliation(conn, id as i32)? {
                let input =
                    taisan::input::Input::from_json(json!({"resolution": "dieu_chinh", "note": "Đã chuyển kho"}))?;
                taisan::inventory::resolve(
                    conn,
                    &taisan::audit::Actor("dem".into()),
                    &taisan::auth::Scope::ALL,
                    id as i32,
                    r.line.id,
                    input,
                )?;
            }
            Ok(())
        })
        .unwrap();
    id
}

#[test]
fn killed_while_a_count_closes_its_adjustments_land_whole_or_not_at_all() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        let token = token(&app);
        let server = start(&app.url);
        let id = count_ready_to_close(&app, &server, &token, 3_000);
        let mut server = server;
        let (base, tok) = (server.base.clone(), token.clone());
        let _ = killed_during(&mut server, Duration::from_millis(700), move || {
            post(&base, &tok, &format!("/api/v1/counts/{id}/close"), json!({}))
        });
        let (status, moved): (String, i64) = app
            .db
            .read_sync(|conn| {
                use taisan::db::schema::{assets, count_sessions};
                let status: String =
                    count_sessions::table.find(id as i32).select(count_sessions::status).first(conn)?;
                let moved: i64 = assets::table.filter(assets::location.eq("Kho mới")).count().get_result(conn)?;
                Ok((status, moved))
            })
            .unwrap();
        eprintln!("killed while closing: status {status}, {moved} adjustments in the register");
        match status.as_str() {
            "da_khoa" => assert_eq!(moved, 3_000, "closed: every adjustment landed"),
            "da_doi_chieu" => assert_eq!(moved, 0, "not closed: none landed"),
            other => panic!("status {other}"),
        }
        assert!(chain_verifies(&app.url));
    }
}

#[test]
fn killed_while_a_disposal_writes_its_assets_down_they_leave_whole_or_not_at_all() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        let token = token(&app);
        // 3,000 assets liquidated by one decision: the write-down takes each off the register.
        let server = start(&app.url);
        assert_eq!(upload(&server.base, &token, "/api/v1/imports/assets", "ds.xlsx", &register(3_000)).unwrap().0, 201);
        let ids: Vec<i32> = app
            .db
            .read_sync(|conn| {
                use taisan::db::schema::assets;
                Ok(assets::table.filter(assets::code.like("K-%")).select(assets::id).load(conn)?)
            })
            .unwrap();
        assert_eq!(ids.len(), 3_000);
        let lines: Vec<Value> = ids.iter().map(|id| json!({"asset_id": id})).collect();
        let (s, d) = post(
            &server.base,
            &token,
            "/api/v1/disposals",
            json!({"form_code": "thanh_ly_ban", "reason": "Hỏng, sửa không hiệu quả", "doc_date": "02/11/2026", "lines": lines}),
        )
        .unwrap();
        assert_eq!(s, 201, "{d}");
        let id = d["id"].as_i64().unwrap();
        let step = |path: &str, d: &Value, body: Value| {
            let mut body = body;
            body["version"] = d["version"].clone();
            let (s, d) = post(&server.base, &token, &format!("/api/v1/disposals/{id}/{path}"), body).unwrap();
            assert_eq!(s, 201, "{path}: {d}");
            d
        };
        let d = step("decision", &d, json!({"doc_no": "45/QĐ-SKHCN", "doc_date": "05/11/2026"}));
        let d = step(
            "execution",
            &d,
            json!({"doc_date": "12/11/2026", "method": "dau_gia", "rounds": 1, "counterparty": "Công ty Thu mua Phế liệu", "proceeds": 30_000_000}),
        );
        let mut server = server;
        let (base, tok) = (server.base.clone(), token.clone());
        let body = json!({"doc_no": "GG-01", "doc_date": "20/11/2026", "version": d["version"]});
        let answered = killed_during(&mut server, Duration::from_millis(700), move || {
            post(&base, &tok, &format!("/api/v1/disposals/{id}/write-down"), body)
        });
        let (status, handled): (String, i64) = app
            .db
            .read_sync(|conn| {
                use taisan::db::schema::{assets, disposals};
                let status: String = disposals::table.find(id as i32).select(disposals::status).first(conn)?;
                let handled: i64 = assets::table.filter(assets::status.eq("da_xu_ly")).count().get_result(conn)?;
                Ok((status, handled))
            })
            .unwrap();
        eprintln!(
            "killed while writing down: answered {answered:?}, status {status}, {handled} assets off the register"
        );
        match status.as_str() {
            "da_ghi_giam" => assert_eq!(handled, 3_000, "written down: every asset left"),
            "da_thuc_hien" => assert_eq!(handled, 0, "not written down: none left"),
            other => panic!("status {other}"),
        }
        assert!(chain_verifies(&app.url));
        if status == "da_thuc_hien" {
            // After a restart the write-down runs whole.
            let server = start(&app.url);
            let version: i32 = app
                .db
                .read_sync(|conn| {
                    use taisan::db::schema::disposals;
                    Ok(disposals::table.find(id as i32).select(disposals::version).first(conn)?)
                })
                .unwrap();
            let body = json!({"doc_no": "GG-01", "doc_date": "20/11/2026", "version": version});
            let (s, d) = post(&server.base, &token, &format!("/api/v1/disposals/{id}/write-down"), body).unwrap();
            assert_eq!(s, 201, "{d}");
            assert_eq!(d["status"], "da_ghi_giam");
            assert!(chain_verifies(&app.url));
        }
    }
}

/// Reads as a person browsing does — a search, the register page, an asset's page — until `busy`
/// has finished; every answer must be 200. Returns how many were answered while it ran, and the
/// slowest answer.
fn browse_while<T>(base: &str, token: &str, busy: &std::thread::JoinHandle<T>) -> (usize, Duration) {
    let (mut answered, mut slowest) = (0, Duration::ZERO);
    let paths = ["/api/v1/assets?q=may+do&per_page=20", "/tai-san?q=so+12", "/tai-san/1", "/api/v1/assets/2"];
    while !busy.is_finished() {
        let path = paths[answered % paths.len()];
        let started = Instant::now();
        let r = ureq::get(&format!("{base}{path}"))
            .set("Authorization", &format!("Bearer {token}"))
            .timeout(Duration::from_secs(60))
            .call();
        let status = match r {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("{path}: {e}"),
        };
        assert_eq!(status, 200, "{path} while the other work ran");
        if !busy.is_finished() {
            answered += 1;
            slowest = slowest.max(started.elapsed());
        }
    }
    (answered, slowest)
}

#[test]
fn others_browse_while_an_import_and_a_count_closing_run() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        let token = token(&app);
        let server = start(&app.url);
        let id = count_ready_to_close(&app, &server, &token, 3_000);
        // An import of 20,000 rows: one long write transaction.
        let (base, tok) = (server.base.clone(), token.clone());
        let file = register_coded("N", 20_000);
        let import = std::thread::spawn(move || upload(&base, &tok, "/api/v1/imports/assets", "lon.xlsx", &file));
        let (answered, slowest) = browse_while(&server.base, &token, &import);
        let (s, body) = import.join().unwrap().unwrap();
        assert_eq!(s, 201, "{body}");
        eprintln!("during the import: {answered} pages answered, the slowest in {slowest:?}");
        assert!(answered >= 3, "reads wait for nothing but a core: {answered} answered during the import");
        // The count's closing, adjusting 3,000 assets.
        let (base, tok) = (server.base.clone(), token.clone());
        let close = std::thread::spawn(move || post(&base, &tok, &format!("/api/v1/counts/{id}/close"), json!({})));
        let (answered, slowest) = browse_while(&server.base, &token, &close);
        let (s, body) = close.join().unwrap().unwrap();
        assert_eq!(s, 200, "{body}");
        eprintln!("during the closing: {answered} pages answered, the slowest in {slowest:?}");
        assert!(answered >= 1, "reads go on while a count closes");
        assert_eq!(app.asset_count(), 23_000);
        assert!(chain_verifies(&app.url));
    }
}

#[test]
fn a_stopped_server_finishes_the_request_in_flight() {
    let app = common::TestApp::sqlite();
    let token = token(&app);
    let file = register(8_000);
    let server = start(&app.url);
    let (base, tok) = (server.base.clone(), token.clone());
    let request = std::thread::spawn(move || upload(&base, &tok, "/api/v1/imports/assets", "ds.xlsx", &file));
    std::thread::sleep(Duration::from_millis(400));
    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    let (s, body) = request.join().unwrap().expect("the answer arrives");
    assert_eq!(s, 201, "{body}");
    assert_eq!(app.asset_count(), 8_000);
    let mut server = server;
    let exited = server.child.wait().unwrap();
    assert!(exited.success(), "a clean stop: {exited}");
}

/// A TCP relay to PostgreSQL that can be cut and restored, as a network or a database restart would.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
}

impl Relay {
    fn start(target: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (flag, target) = (up.clone(), target.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else { continue };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server.try_clone().unwrap(), client.try_clone().unwrap()),
                ] {
                    let flag = flag.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        loop {
                            match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) if flag.load(Ordering::SeqCst) => {
                                    if to.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                                Ok(_) => break,
                            }
                        }
                        let _ = from.shutdown(std::net::Shutdown::Both);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { port, up }
    }
}

#[test]
fn postgres_unreachable_for_a_while_fails_fast_and_recovers() {
    let Some(base_url) = common::pg_url() else { return };
    let app = common::TestApp::postgres(&base_url);
    let token = token(&app);
    let relay = Relay::start("127.0.0.1:5432");
    let via = app.url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port), 1);
    assert_ne!(via, app.url, "the test database is on 127.0.0.1:5432");
    let server = start(&via);
    let get = |path: &str| {
        let started = Instant::now();
        let r = ureq::get(&format!("{}{path}", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .timeout(Duration::from_secs(60))
            .call();
        let code = match r {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(c, _)) => c,
            Err(e) => panic!("{e}"),
        };
        (code, started.elapsed())
    };
    assert_eq!(get("/api/v1/assets").0, 200);
    relay.up.store(false, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..3 {
        let (code, took) = get("/api/v1/assets");
        assert!(code == 503 || code == 500, "{code}");
        assert!(took < Duration::from_secs(8), "fails fast: {took:?}");
    }
    relay.up.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    while get("/api/v1/assets").0 != 200 {
        assert!(Instant::now() < deadline, "the service did not recover");
        std::thread::sleep(Duration::from_millis(200));
    }
}
