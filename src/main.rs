use std::process::ExitCode;

use clap::{Parser, Subcommand};
use taisan::audit::ChainStatus;
use taisan::config;

/// taisan — quản lý tài sản công, kiểm kê, xử lý tài sản và thanh tra (Sở KH&CN).
#[derive(Parser)]
#[command(name = "taisan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chạy máy chủ web (start the web server). Reads DATABASE_URL (default: sqlite://data/taisan.db).
    Serve {
        /// Địa chỉ lắng nghe (bind address).
        #[arg(long, default_value = config::DEFAULT_BIND, value_parser = config::parse_bind)]
        bind: std::net::SocketAddr,
        /// Nạp dữ liệu mẫu (load demo data; idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Áp dụng migration (apply pending migrations) and load reference data at first start.
    Migrate,
    /// Nạp dữ liệu mẫu (load demo data) without starting the server.
    Demo,
    /// Tính lại hao mòn đã lưu đến 31/12 gần nhất (recompute stored wear of every asset).
    Wear,
    /// Nhật ký thay đổi (the hash-chained history).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Kiểm tra toàn bộ chuỗi (verify the whole chain); exit 1 and name the first bad event if broken.
    Verify,
    /// In mã băm đầu chuỗi và số sự kiện (print the head hash and count).
    Head,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, taisan::error::AppError> {
    let url = config::database_url();
    match cli.command {
        Command::Serve { bind, demo } => {
            let db = taisan::open(&url)?;
            if demo {
                let (t, a) = taisan::demo::load(&db)?;
                println!("Dữ liệu mẫu: thêm {t} nhiệm vụ, {a} tài sản (demo data loaded)");
            }
            let runtime =
                tokio::runtime::Runtime::new().map_err(|e| taisan::error::AppError::Internal(e.to_string()))?;
            runtime.block_on(serve(db, bind))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            taisan::open(&url)?;
            println!("Cơ sở dữ liệu đã cập nhật (migrations applied): {}", redact(&url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let db = taisan::open(&url)?;
            let (t, a) = taisan::demo::load(&db)?;
            println!("Dữ liệu mẫu: thêm {t} nhiệm vụ, {a} tài sản");
            Ok(ExitCode::SUCCESS)
        }
        Command::Wear => {
            let db = taisan::open(&url)?;
            let n = db.write_sync(|c| taisan::assets::refresh_wear(c, true))?;
            println!("Đã tính lại hao mòn: {n} tài sản thay đổi");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => {
            let db = taisan::open(&url)?;
            let status = db.read_sync(taisan::audit::verify)?;
            match (command, status) {
                (AuditCommand::Verify, ChainStatus::Intact { count, head }) => {
                    println!("Chuỗi nhật ký nguyên vẹn (intact): {count} sự kiện, đầu chuỗi {head}");
                    Ok(ExitCode::SUCCESS)
                }
                (AuditCommand::Head, ChainStatus::Intact { count, head }) => {
                    println!("{head} {count}");
                    Ok(ExitCode::SUCCESS)
                }
                (_, ChainStatus::Broken { seq, reason }) => {
                    println!("Chuỗi nhật ký bị phá vỡ tại sự kiện số {seq} (broken): {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn redact(url: &str) -> String {
    match url.find('@') {
        Some(at) if url.starts_with("postgres") => format!("postgres://***{}", &url[at..]),
        _ => url.to_string(),
    }
}

async fn serve(db: taisan::db::Db, bind: std::net::SocketAddr) -> Result<(), taisan::error::AppError> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| taisan::error::AppError::Config(format!("Không lắng nghe được trên {bind} (cannot bind): {e}")))?;
    println!("taisan đang chạy: mở http://{bind}/ (Ctrl+C để dừng)");
    axum::serve(listener, taisan::app(db))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| taisan::error::AppError::Internal(e.to_string()))
}

/// Ctrl+C or SIGTERM: stop accepting, finish requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
