//! Settings from the environment and the command line.

use std::net::SocketAddr;

/// Where the SQLite file goes when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/taisan.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

pub fn database_url() -> String {
    std::env::var("DATABASE_URL").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| DEFAULT_DATABASE_URL.into())
}

pub fn parse_bind(s: &str) -> Result<SocketAddr, String> {
    s.parse()
        .map_err(|_| format!("Địa chỉ lắng nghe không hợp lệ (invalid bind address) «{s}»: dùng dạng 127.0.0.1:8080"))
}

/// Set once when the service serves https itself (`serve --tls-cert`).
static SERVING_TLS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_serving_tls() {
    SERVING_TLS.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Mark the session cookie `Secure`: when the service serves https itself, or behind a reverse
/// proxy that does (TAISAN_SECURE_COOKIES=1).
pub fn secure_cookies() -> bool {
    SERVING_TLS.load(std::sync::atomic::Ordering::SeqCst)
        || std::env::var("TAISAN_SECURE_COOKIES").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Trust X-Forwarded-For for the client address (set TAISAN_TRUST_PROXY=1 only behind a reverse proxy
/// that sets it; otherwise anyone could pick the address their failed logins are counted against).
pub fn trust_proxy() -> bool {
    std::env::var("TAISAN_TRUST_PROXY").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}
