//! The command line as an administrator uses it: people, tokens, the history chain — and the server's
//! logs never carry a password, a token or a session id.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn taisan(url: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_taisan"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn people_tokens_and_the_chain_from_the_command_line() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        people_tokens_and_the_chain(&app);
    }
}

fn people_tokens_and_the_chain(app: &common::TestApp) {
    let url = app.url.clone();
    let base = app.audit_count();
    let (ok, out, err) = taisan(
        &url,
        &["user", "add", "--username", "Admin", "--role", "admin", "--password-stdin"],
        Some("mat-khau-quan-tri-1\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("Đã thêm admin (Quản trị viên)"), "{out}");
    let (ok, out, _) = taisan(&url, &["user", "add", "--username", "tt", "--role", "don_vi", "--unit", "TTUD"], None);
    assert!(ok);
    let generated = out.lines().find_map(|l| l.strip_prefix("Mật khẩu (chỉ hiện một lần — shown once): ")).unwrap();
    assert!(generated.len() >= 10);
    let (ok, _, err) = taisan(&url, &["user", "add", "--username", "x", "--role", "don_vi"], None);
    assert!(!ok && err.contains("Cán bộ đơn vị phải thuộc một đơn vị"), "{err}");
    let (ok, _, err) = taisan(&url, &["user", "add", "--username", "y", "--role", "vua"], None);
    assert!(!ok && err.contains("Vai trò"), "{err}");
    let (ok, out, _) = taisan(&url, &["user", "list"], None);
    assert!(ok && out.contains("admin") && out.contains("Cán bộ đơn vị"));
    let (ok, out, _) = taisan(&url, &["token", "create", "--user", "admin", "--name", "kế toán"], None);
    assert!(ok);
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("tsn_"));
    let (ok, out, err) = taisan(&url, &["import", "imports/samples/vni.xlsx", "--dry-run"], None);
    assert!(ok && out.contains("chữ VNI-Windows") && out.contains("Thêm 3") && out.contains("chưa lưu"), "{out}{err}");
    assert!(out.contains("Bỏ qua 3 · Lỗi 0 = 6 dòng có dữ liệu"), "every row read is accounted for: {out}");
    assert!(err.contains("3/3") || err.contains("dòng"), "a progress line: {err}");
    let (ok, out, _) = taisan(&url, &["import", "imports/samples/loi.xlsx"], None);
    assert!(
        !ok && out.contains("cột «Đơn vị quản lý», giá trị «Trung tam Ung dung»") && out.contains("Không nhập"),
        "{out}"
    );
    let base = base + 1; // the refused import is on record
    let out_file = std::env::temp_dir().join(format!("taisan-export-{}.xlsx", std::process::id()));
    let (ok, out, err) =
        taisan(&url, &["export", "register", "--unit", "TTUD", "-o", out_file.to_str().unwrap()], None);
    assert!(ok && out.contains("Đã ghi"), "{out}{err}");
    assert!(err.contains("tài sản") && err.contains("[####"), "a progress bar: {err}");
    assert!(std::fs::read(&out_file).unwrap().starts_with(b"PK"));
    let (ok, out, err) = taisan(&url, &["export", "register", "--csv", "-o", out_file.to_str().unwrap()], None);
    assert!(ok && out.contains("Đã ghi"), "{out}{err}");
    assert!(std::fs::read(&out_file).unwrap().starts_with(b"\xEF\xBB\xBF"), "CSV with a BOM");
    let (ok, out, err) = taisan(&url, &["export", "register", "--plain", "-o", out_file.to_str().unwrap()], None);
    assert!(ok && out.contains("Đã ghi"), "{out}{err}");
    assert!(std::fs::read(&out_file).unwrap().starts_with(b"PK"));
    // A card is of one asset, named by its code.
    let (ok, _, err) = taisan(&url, &["export", "card", "--code", "KHONG-CO", "-o", out_file.to_str().unwrap()], None);
    assert!(!ok && err.contains("tài sản mã «KHONG-CO»"), "{err}");
    let (ok, _, err) = taisan(&url, &["export", "card", "-o", out_file.to_str().unwrap()], None);
    assert!(!ok && err.contains("--code"), "{err}");
    let _ = std::fs::remove_file(&out_file);
    let (ok, _, err) = taisan(&url, &["export", "khong-co", "-o", "/tmp/x"], None);
    assert!(!ok && err.contains("Không có báo cáo «khong-co»"), "{err}");
    let (ok, out, _) = taisan(&url, &["audit", "verify"], None);
    assert!(ok && out.contains("nguyên vẹn"), "{out}");
    let (ok, head, _) = taisan(&url, &["audit", "head"], None);
    let parts: Vec<&str> = head.split_whitespace().collect();
    assert!(ok && parts.len() == 2 && parts[0].len() == 64 && parts[1] == (base + 3).to_string(), "{head}");

    // The token opens the API of a server on the same database.
    let db = taisan::open(&url).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        use tower::ServiceExt;
        let req = axum::http::Request::get("/api/v1/me")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        taisan::app(db).oneshot(req).await.unwrap().status()
    });
    assert_eq!(status, 200);

    // Tampering with the table is caught by the command, naming the event.
    let target = base + 2;
    app.db
        .write_sync(move |c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute(&format!("UPDATE audit_events SET actor = 'nguoi-khac' WHERE seq = {target}"))?;
            Ok(())
        })
        .unwrap();
    let (ok, out, _) = taisan(&url, &["audit", "verify"], None);
    assert!(!ok && out.contains(&format!("sự kiện số {target}")), "{out}");
}

#[test]
fn server_logs_carry_no_secrets() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        logs_without_secrets(&app.url);
    }
}

fn logs_without_secrets(url: &str) {
    let url = url.to_string();
    let password = "mat-khau-bi-mat-42";
    assert!(
        taisan(&url, &["user", "add", "--username", "an", "--role", "admin", "--password-stdin"], Some(password)).0
    );
    let (_, out, _) = taisan(&url, &["token", "create", "--user", "an"], None);
    let token = out.lines().last().unwrap().trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_taisan"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while agent.get(&format!("{base}/dang-nhap")).call().is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let res =
        agent.post(&format!("{base}/dang-nhap")).send_form(&[("username", "an"), ("password", password)]).unwrap();
    let cookie = res.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let session = cookie.trim_start_matches("taisan_session=").to_string();
    let _ = agent.post(&format!("{base}/dang-nhap")).send_form(&[("username", "an"), ("password", "sai-mat-khau-99")]);
    assert_eq!(agent.get(&format!("{base}/tai-san")).set("cookie", &cookie).call().unwrap().status(), 200);
    assert_eq!(
        agent
            .get(&format!("{base}/api/v1/assets"))
            .set("authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .status(),
        200
    );
    let _ = agent.get(&format!("{base}/api/v1/assets")).set("authorization", "Bearer tsn_khong-hop-le").call();
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    let logs = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(logs.contains("taisan đang chạy"), "the logs were captured: {logs}");
    for secret in [password, "sai-mat-khau-99", token.as_str(), session.as_str(), "tsn_khong-hop-le"] {
        assert!(!logs.contains(secret), "a secret is in the logs: {secret}");
    }
}

/// Sends one HTTP/1.1 request over TLS to `port`, trusting only `ca` (PEM) for `name`; the answer.
fn https(port: u16, ca: &std::path::Path, name: &str, request: &str) -> std::io::Result<String> {
    use std::io::Read;
    use std::sync::Arc;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::pem::PemObject::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = rustls_pki_types::ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), server_name).unwrap();
    let sock = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(request.as_bytes())?;
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // The server closes without close_notify once it has answered «Connection: close».
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => {}
        Err(e) => return Err(e),
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// An intranet without a certificate: `taisan tls self-signed` makes one for the server's names, and
/// `serve --tls-cert --tls-key` answers https with it — a client that trusts that certificate alone
/// gets the pages by name and by address, the session cookie is `Secure`, and plain http to the
/// https port gets no page while the server goes on serving.
#[test]
fn serves_https_with_a_self_signed_certificate() {
    for app in common::TestApp::all() {
        eprintln!("— backend: {}", app.backend);
        https_on(&app.url);
    }
}

fn https_on(url: &str) {
    let url = url.to_string();
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let (ok, out, err) = taisan(
        &url,
        &["tls", "self-signed", "--host", "localhost", "--host", "127.0.0.1", "--dir", tls.to_str().unwrap()],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("dấu SHA-256:"), "{out}");
    let (cert, key) = (tls.join("taisan-cert.pem"), tls.join("taisan-key.pem"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "the key is its owner's");
    }
    assert!(
        taisan(
            &url,
            &["user", "add", "--username", "an", "--role", "admin", "--password-stdin"],
            Some("mat-khau-an-42")
        )
        .0
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_taisan"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let get = "GET /dang-nhap HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        match https(port, &cert, "localhost", get) {
            Ok(p) if !p.is_empty() => break p,
            _ => {
                assert!(std::time::Instant::now() < deadline, "the https server did not start");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    };
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("Đăng nhập"), "{page}");
    // Plain http to the https port: no page, and the server goes on.
    let mut plain = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain.write_all(get.as_bytes()).unwrap();
    plain.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut plain, &mut answer);
    assert!(!answer.contains("Đăng nhập"), "{answer}");
    // By address too (the certificate names 127.0.0.1), and the session cookie is Secure.
    let body = "username=an&password=mat-khau-an-42";
    let login = format!(
        "POST /dang-nhap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = https(port, &cert, "127.0.0.1", &login).unwrap();
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: taisan_session="))
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    // A name the certificate does not hold is refused by the client's own check.
    assert!(https(port, &cert, "taisan.example", get).is_err());
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://127.0.0.1"), "{out:?}");
}
