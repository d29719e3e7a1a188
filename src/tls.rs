//! https of the service's own (máy chủ tự phục vụ https): a phone's camera and a page that works
//! offline need a secure context, and an office intranet often has no reverse proxy to give one.
//! The certificate and key are PEM files — a real one, or one `taisan tls self-signed` makes for the
//! server's names and addresses, which each phone is then told to trust (README).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::error::{AppError, AppResult};

/// The server's TLS settings from its certificate chain and key (PEM).
pub fn load(cert: &Path, key: &Path) -> AppResult<Arc<ServerConfig>> {
    let bad = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        AppError::Config(format!("Không đọc được {what} {} (cannot read): {e}", path.display()))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("chứng chỉ", cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad("chứng chỉ", cert, &e))?;
    if chain.is_empty() {
        return Err(AppError::Config(format!("Tệp {} không có chứng chỉ nào (PEM)", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("khóa bí mật", key, &e))?;
    // ring, not aws-lc-rs: it builds without cmake on any machine; it has no post-quantum key
    // exchange, which rustls now flags.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| AppError::Config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            AppError::Config(format!("Chứng chỉ và khóa không đi với nhau (certificate and key do not match): {e}"))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What `self_signed` made: the files and the certificate's SHA-256 fingerprint, for a person to
/// compare on the phone that is asked to trust it.
pub struct Made {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub fingerprint: String,
}

/// A self-signed certificate for `hosts` (names and IP addresses), valid `days`, written as
/// `taisan-cert.pem` and `taisan-key.pem` (the key readable by its owner only) in `dir`.
pub fn self_signed(hosts: &[String], days: u32, dir: &Path) -> AppResult<Made> {
    if hosts.is_empty() {
        return Err(AppError::Config("Cần ít nhất một tên máy hoặc địa chỉ IP (--host)".into()));
    }
    let mut params = rcgen::CertificateParams::new(hosts.to_vec())
        .map_err(|e| AppError::Config(format!("Tên máy không hợp lệ: {e}")))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, hosts[0].clone());
    params.distinguished_name.push(rcgen::DnType::OrganizationName, "taisan — Sở KH&CN");
    let ymd = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let today = chrono::Utc::now().date_naive();
    params.not_before = ymd(today - chrono::Duration::days(1));
    params.not_after = ymd(today + chrono::Duration::days(i64::from(days)));
    let key = rcgen::KeyPair::generate().map_err(|e| AppError::Internal(format!("tạo khóa: {e}")))?;
    let cert = params.self_signed(&key).map_err(|e| AppError::Internal(format!("tạo chứng chỉ: {e}")))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::Config(format!("Không tạo được thư mục {} (cannot create): {e}", dir.display())))?;
    let (cert_path, key_path) = (dir.join("taisan-cert.pem"), dir.join("taisan-key.pem"));
    let write = |path: &Path, text: String, private: bool| -> AppResult<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        use std::io::Write;
        options
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| AppError::Config(format!("Không ghi được {} (cannot write): {e}", path.display())))
    };
    write(&cert_path, cert.pem(), false)?;
    write(&key_path, key.serialize_pem(), true)?;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(cert.der());
    let fingerprint = digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    Ok(Made { cert: cert_path, key: key_path, fingerprint })
}

/// A TCP listener whose connections are TLS: each handshake runs on its own task (bounded in
/// time), so that a slow or silent client holds up nobody else.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

/// How long a client may take over its handshake.
const HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(10);

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else { continue };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        // Plain http to the https port, an untrusted certificate, a scanner: the
                        // client is told by its own TLS library; nothing to keep.
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some(next) = self.ready.recv().await {
                return next;
            }
            // The accepting task never ends while the listener lives; wait rather than spin.
            std::future::pending::<()>().await;
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The client's address on a TLS connection.
#[derive(Debug, Clone, Copy)]
pub struct TlsPeer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for TlsPeer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        TlsPeer(*stream.remote_addr())
    }
}

/// The service for TLS connections: the client's address given where the app reads it over plain
/// TCP (`ConnectInfo<SocketAddr>`: failed logins are counted against it).
pub fn with_peer(app: axum::Router) -> axum::Router {
    use axum::extract::ConnectInfo;
    app.layer(axum::middleware::map_request(|mut req: axum::extract::Request| async move {
        if let Some(ConnectInfo(TlsPeer(addr))) = req.extensions().get::<ConnectInfo<TlsPeer>>().copied() {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        req
    }))
}
