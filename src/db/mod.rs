//! The database: one diesel codebase over SQLite and PostgreSQL.
//!
//! The backend is picked from the `DATABASE_URL` scheme here (not by the derived `establish`, which
//! hides the real connection error). Sync diesel runs on tokio's blocking threads; one unit of work —
//! a whole transaction — runs inside one blocking call.

pub mod schema;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// Rows to an insert statement: few enough columns × rows for SQLite's limit on bound values.
pub const INSERT_ROWS: usize = 100;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to either backend. Backend-specific SQL matches on it (see `match conn` helpers).
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` on the concrete connection, for what the MultiConnection cannot express (batch
/// inserts of many rows in one statement).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Writes many rows of one table: one COPY on PostgreSQL (the server neither parses nor plans a
/// statement for them); on SQLite whole batches of `INSERT_ROWS` as arrays, whose statement is
/// prepared once and kept (a slice's is parsed anew each time), and the rest as one statement.
/// `$rows` is a slice (or `&Vec`) of `Insertable` rows; the caller's function returns an `AppResult`.
#[macro_export]
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match $conn {
            $crate::db::DbConn::Postgres(c) => {
                diesel::copy_from($table).from_insertable(rows).execute(c)?;
            }
            $crate::db::DbConn::Sqlite(c) => {
                const ROWS: usize = $crate::db::INSERT_ROWS;
                let mut chunks = rows.chunks_exact(ROWS);
                for chunk in &mut chunks {
                    let whole: &[_; ROWS] = chunk.try_into().expect("a whole batch");
                    diesel::insert_into($table).values(whole).execute(c)?;
                }
                if !chunks.remainder().is_empty() {
                    diesel::insert_into($table).values(chunks.remainder()).execute(c)?;
                }
            }
        }
    }};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`.
#[derive(Clone, Debug)]
pub struct DbUrl {
    pub backend: Backend,
    /// What the driver is given: a file path for SQLite, the URL itself for PostgreSQL.
    pub target: String,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, AppError> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if rest.is_empty() {
                return Err(AppError::Config(
                    "DATABASE_URL thiếu đường dẫn tệp SQLite (missing SQLite file path): dùng sqlite://data/taisan.db"
                        .into(),
                ));
            }
            return Ok(DbUrl { backend: Backend::Sqlite, target: rest.to_string() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl { backend: Backend::Postgres, target: url.to_string() });
        }
        Err(AppError::Config(format!(
            "DATABASE_URL không hợp lệ (invalid): «{}» — cần sqlite://… hoặc postgres://…",
            redact(url)
        )))
    }

    /// Opens one connection and sets it up; the error names the real cause on one line.
    pub fn establish(&self) -> Result<DbConn, AppError> {
        match self.backend {
            Backend::Sqlite => {
                if let Some(dir) = std::path::Path::new(&self.target).parent() {
                    if !dir.as_os_str().is_empty() && !self.target.starts_with("file:") {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            AppError::Config(format!(
                                "Không tạo được thư mục dữ liệu (cannot create data folder) {}: {e}",
                                dir.display()
                            ))
                        })?;
                    }
                }
                let mut conn = SqliteConnection::establish(&self.target).map_err(|e| {
                    AppError::Config(format!(
                        "Không mở được tệp SQLite (cannot open SQLite file) {}: {}",
                        self.target,
                        one_line(&e.to_string())
                    ))
                })?;
                // Why: SQLite enforces foreign keys only when asked, per connection; writers wait
                // for each other instead of failing at once; a statement's undo journal (a
                // multi-row insert keeps one) stays in memory instead of a temporary file; a page
                // cache of 16 MB keeps a large import from spilling pages before it commits.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;",
                )
                .map_err(AppError::from)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => {
                let conn = PgConnection::establish(&self.target).map_err(|e| {
                    AppError::Config(format!(
                        "Không kết nối được PostgreSQL (cannot connect to PostgreSQL) {}: {}",
                        redact(&self.target),
                        one_line(&e.to_string())
                    ))
                })?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }
}

/// Hides a password in a URL before it is shown.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Applies pending migrations of the connection's backend. Returns how many were applied.
/// Numbering records (XL-2026-0004, KK-2026, TTr-2026-01, TTUD-2024-0007): the largest number `n`
/// among the codes `{prefix}{n}{suffix}` that `taken` loads (given the LIKE pattern of the prefix),
/// 0 when none. Writers numbering the same `kind` take turns until their transaction ends: SQLite
/// has one writer already; on PostgreSQL a transaction-scoped advisory lock keyed by the kind makes
/// the second wait, so two people creating at once never take the same code.
pub fn last_number(
    conn: &mut DbConn,
    kind: &str,
    prefix: &str,
    suffix: &str,
    taken: impl FnOnce(&mut DbConn, String) -> Result<Vec<String>, AppError>,
) -> Result<u64, AppError> {
    if let DbConn::Postgres(c) = conn {
        // `kind` is one of the areas' own names, never a person's input.
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock(hashtext('taisan-code:{kind}'))"))?;
    }
    // LIKE's own wildcards in a prefix only widen what is loaded; the exact prefix is checked below.
    Ok(taken(conn, format!("{prefix}%"))?
        .iter()
        .filter_map(|c| c.strip_prefix(prefix)?.strip_suffix(suffix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0))
}

pub fn migrate(conn: &mut DbConn) -> Result<usize, AppError> {
    let applied = match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA journal_mode = WAL;")?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
        }
        DbConn::Postgres(c) => {
            // Several instances may start together: one migrates, the others wait.
            c.batch_execute("SELECT pg_advisory_lock(72616)")?;
            let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            c.batch_execute("SELECT pg_advisory_unlock(72616)")?;
            r
        }
    };
    applied.map_err(|e| AppError::Config(format!("Lỗi khi áp dụng migration (migration failed): {e}")))
}

pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = AppError;

    fn connect(&self) -> Result<DbConn, AppError> {
        self.url.establish()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), AppError> {
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The pools. SQLite gets a single-connection write pool (writers are serialised here instead of
/// failing with SQLITE_BUSY) and a separate read pool; PostgreSQL uses one pool for both.
#[derive(Clone)]
pub struct Db {
    pub backend: Backend,
    read: Pool<Manager>,
    write: Pool<Manager>,
}

impl Db {
    /// Connects once (so that a wrong URL fails here with its real cause), migrates, builds the pools.
    pub fn open(url: &str) -> Result<Db, AppError> {
        let url = DbUrl::parse(url)?;
        let mut conn = url.establish()?;
        migrate(&mut conn)?;
        drop(conn);
        let pool = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(Duration::from_secs(5))
                .build_unchecked(Manager { url: url.clone() })
        };
        let (read, write) = match url.backend {
            Backend::Sqlite => (pool(4), pool(1)),
            Backend::Postgres => {
                let p = pool(10);
                (p.clone(), p)
            }
        };
        Ok(Db { backend: url.backend, read, write })
    }

    /// Runs `f` on a read connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read.clone();
        run_blocking(move || {
            let mut conn = pool.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` as one transaction on the write connection: all of it lands, or none.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || db.write_sync(f)).await
    }

    /// The same as `write`, for the command line and other synchronous callers.
    pub fn write_sync<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let mut conn = self.write.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
        conn.transaction(|c| f(c))
    }

    /// Runs `f` as one transaction that `f` itself decides to keep or roll back (a preview, or a
    /// strict import with errors): the value comes back either way.
    pub fn write_or_rollback<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<(T, bool), AppError>,
    {
        enum Tx<T> {
            App(AppError),
            Rollback(T),
        }
        impl<T> From<diesel::result::Error> for Tx<T> {
            fn from(e: diesel::result::Error) -> Self {
                Tx::App(AppError::Db(e))
            }
        }
        let mut conn = self.write.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
        let result = conn.transaction::<T, Tx<T>, _>(|c| match f(c) {
            Ok((value, true)) => Ok(value),
            Ok((value, false)) => Err(Tx::Rollback(value)),
            Err(e) => Err(Tx::App(e)),
        });
        match result {
            Ok(v) | Err(Tx::Rollback(v)) => Ok(v),
            Err(Tx::App(e)) => Err(e),
        }
    }

    pub fn read_sync<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let mut conn = self.read.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
        f(&mut conn)
    }
}

async fn run_blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("tác vụ nền bị hủy (blocking task failed): {e}")))?
}

/// The backend type of `DbConn` (generated by the MultiConnection derive), for boxed queries.
pub type DbBackend = <DbConn as Connection>::Backend;
