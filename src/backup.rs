//! `taisan backup` and `taisan restore`. SQLite: a consistent copy taken while the service runs
//! (`VACUUM INTO`, one read transaction), restored only after the copy's own history chain verifies,
//! and never over a database that holds records unless asked — the old file is then kept aside, not
//! deleted. PostgreSQL: the documented pg_dump / pg_restore route, run for the administrator with the
//! same checks before and after.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::audit::{self, ChainStatus};
use crate::db::schema::{assets, audit_events};
use crate::db::{Backend, DbConn, DbUrl};
use crate::error::{AppError, AppResult};

/// What a copy holds: assets, events, and the head of its history chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub assets: i64,
    pub events: i64,
    pub head: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} tài sản, {} sự kiện nhật ký, đầu chuỗi {}", self.assets, self.events, self.head)
    }
}

/// Counts the records and verifies the chain of the database behind `conn`.
pub fn summary(conn: &mut DbConn) -> AppResult<Summary> {
    let assets = assets::table.count().get_result::<i64>(conn)?;
    let events = audit_events::table.count().get_result::<i64>(conn)?;
    match audit::verify(conn)? {
        ChainStatus::Intact { head, .. } => Ok(Summary { assets, events, head }),
        ChainStatus::Broken { seq, reason, .. } => {
            Err(AppError::Config(format!("Chuỗi nhật ký bị phá vỡ tại sự kiện số {seq} (broken chain): {reason}")))
        }
    }
}

fn io<'a>(what: &'a str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AppError + 'a {
    let what = what.to_string();
    move |e| AppError::Config(format!("{what} {}: {e}", path.display()))
}

/// Writes a backup of the database at `url` to `file` (which must not exist yet).
pub fn backup(url: &str, file: &Path) -> AppResult<Summary> {
    if file.exists() {
        return Err(AppError::Config(format!(
            "Tệp {} đã có: chọn tên khác, bản sao lưu không ghi đè (will not overwrite)",
            file.display()
        )));
    }
    let parsed = DbUrl::parse(url)?;
    match parsed.backend {
        Backend::Sqlite => {
            let mut conn = parsed.establish()?;
            let target = file.to_string_lossy().replace('\'', "''");
            conn.batch_execute(&format!("VACUUM INTO '{target}'")).map_err(|e| {
                AppError::Config(format!("Không sao lưu được (backup failed) vào {}: {e}", file.display()))
            })?;
            // The copy is checked, not the original: what is kept is what is proved.
            let mut copy = DbUrl::parse(&format!("sqlite://{}", file.display()))?.establish()?;
            summary(&mut copy)
        }
        Backend::Postgres => {
            let mut args =
                vec!["--format=custom".to_string(), "--no-owner".into(), format!("--file={}", file.display())];
            if let Some(schema) = search_path(url) {
                args.push(format!("--schema={schema}"));
            }
            args.push(format!("--dbname={url}"));
            run("pg_dump", &args)?;
            // The dump cannot be read back without restoring it: the live database's summary is
            // what the dump was taken from.
            let mut conn = parsed.establish()?;
            summary(&mut conn)
        }
    }
}

/// Restores `file` into the database at `url`. Refuses a file that is not a sound backup, and a
/// target that already holds records unless `force` (SQLite then keeps the old file aside).
pub fn restore(url: &str, file: &Path, force: bool) -> AppResult<(Summary, Option<PathBuf>)> {
    if !file.is_file() {
        return Err(AppError::Config(format!("Không có tệp sao lưu {} (no such file)", file.display())));
    }
    let parsed = DbUrl::parse(url)?;
    match parsed.backend {
        Backend::Sqlite => restore_sqlite(&parsed.target, file, force),
        Backend::Postgres => {
            let holds = parsed.establish().ok().and_then(|mut c| assets::table.count().get_result::<i64>(&mut c).ok());
            if holds.is_some_and(|n| n >= 0) && !force {
                return Err(AppError::Config(
                    "Cơ sở dữ liệu đích đã có bảng của taisan: khôi phục vào một cơ sở dữ liệu (hoặc schema) trống, \
                     hoặc thêm --force để thay thế (target is not empty)"
                        .into(),
                ));
            }
            let mut args = vec!["--no-owner".to_string(), "--exit-on-error".into()];
            if force {
                args.push("--clean".into());
                args.push("--if-exists".into());
            }
            args.push(format!("--dbname={url}"));
            args.push(file.display().to_string());
            run("pg_restore", &args)?;
            let mut conn = parsed.establish()?;
            Ok((summary(&mut conn)?, None))
        }
    }
}

fn restore_sqlite(target: &str, file: &Path, force: bool) -> AppResult<(Summary, Option<PathBuf>)> {
    // The backup must be a taisan database whose chain verifies, before anything is touched.
    let checked = DbUrl::parse(&format!("sqlite://{}", file.display()))?
        .establish()
        .and_then(|mut conn| summary(&mut conn))
        .map_err(|e| {
            AppError::Config(format!(
                "Tệp {} không phải bản sao lưu dùng được của taisan (not a sound backup): {e}",
                file.display()
            ))
        })?;
    let target = PathBuf::from(target);
    let mut kept = None;
    if target.exists() {
        let holds = DbUrl::parse(&format!("sqlite://{}", target.display()))?
            .establish()
            .ok()
            .and_then(|mut c| assets::table.count().get_result::<i64>(&mut c).ok());
        if holds.is_some() && !force {
            return Err(AppError::Config(format!(
                "{} đã là một cơ sở dữ liệu taisan: thêm --force để thay (tệp cũ được giữ lại bên cạnh), \
                 hoặc khôi phục vào một đường dẫn mới (target exists)",
                target.display()
            )));
        }
        let stamp = crate::text::now_utc().format("%Y%m%d-%H%M%S");
        let aside = target.with_extension(format!("truoc-khoi-phuc-{stamp}.db"));
        std::fs::rename(&target, &aside).map_err(io("Không đổi tên được tệp cũ (cannot move aside)", &target))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            if side.exists() {
                let _ = std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", aside.display())));
            }
        }
        kept = Some(aside);
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io("Không tạo được thư mục (cannot create folder)", dir))?;
    }
    // Copied beside the target, then renamed: the target is either the old database or the whole copy.
    let partial = PathBuf::from(format!("{}.dang-khoi-phuc", target.display()));
    std::fs::copy(file, &partial).map_err(io("Không chép được bản sao lưu (cannot copy)", file))?;
    std::fs::rename(&partial, &target).map_err(io("Không đặt được tệp khôi phục (cannot rename)", &target))?;
    let mut conn = DbUrl::parse(&format!("sqlite://{}", target.display()))?.establish()?;
    let restored = summary(&mut conn)?;
    debug_assert_eq!(restored, checked);
    Ok((restored, kept))
}

/// The schema a PostgreSQL URL puts first on the search path (`options=-csearch_path%3D…`).
fn search_path(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "options")
        .and_then(|(_, v)| v.strip_prefix("-csearch_path=").map(|s| s.split(',').next().unwrap_or(s).to_string()))
}

fn run(program: &str, args: &[String]) -> AppResult<()> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        AppError::Config(format!(
            "Không chạy được {program} (cannot run {program}): {e} — cài gói postgresql-client cùng phiên bản máy chủ"
        ))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(AppError::Config(format!(
            "{program} thất bại (failed): {}",
            err.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim()
        )));
    }
    Ok(())
}
