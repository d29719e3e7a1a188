//! Import jobs (việc nhập): an import a page started, kept in the database rather than in one
//! server's memory, so that when several `taisan serve` share one PostgreSQL behind a load balancer
//! the progress page of an import started on one answers on any other.
//!
//! The server running a job holds its live figures in memory and, on PostgreSQL, writes them with a
//! heartbeat every few seconds; another server reads them from the row. A running job whose
//! heartbeat has stopped (its server died) is shown as interrupted — and nothing of it was written,
//! since an import is one transaction. SQLite has one writer, which the import itself holds: there
//! the figures stay with the server that runs the job, and a server marks its database's running
//! jobs interrupted when it starts (a SQLite file is served by one process).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;

use crate::db::schema::import_jobs;
use crate::db::{Backend, Db};
use crate::error::{AppError, AppResult};
use crate::progress::Progress;
use crate::text;

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Đang chạy: rows done of the rows the sheet declares (0 while the file is being opened).
    Running { done: usize, total: usize },
    /// Xong: the importer's report (JSON) and the HTTP status it answers with.
    Done { status: u16, outcome: String },
    /// Không thực hiện được: the file or the request was refused, with why.
    Failed { status: u16, message: String },
    /// Bị gián đoạn: its server stopped before it ended; nothing of it was kept.
    Interrupted,
}

impl State {
    fn code(&self) -> &'static str {
        match self {
            State::Running { .. } => "running",
            State::Done { .. } => "done",
            State::Failed { .. } => "failed",
            State::Interrupted => "interrupted",
        }
    }
}

impl Job {
    /// What a page says of this job when its server stopped before it ended.
    pub fn interrupted(&self) -> String {
        format!(
            "Việc nhập số {} bị gián đoạn: máy chủ chạy nó đã dừng trước khi xong, nên không có gì được lưu. \
             Hãy tải tệp lên và nhập lại.",
            self.id
        )
    }
}

/// A job as a page shows it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i32,
    pub kind: String,
    pub upload_id: Option<i32>,
    /// The form's fields it was started with, to carry to the next step.
    pub fields: BTreeMap<String, String>,
    pub state: State,
    /// Since it started.
    pub seconds: i64,
}

/// The figures of a job this server runs.
#[derive(Default)]
struct Live {
    done: AtomicUsize,
    total: AtomicUsize,
}

/// The jobs of this server, and how long a page request waits for its import before showing the
/// progress page instead.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    wait: Duration,
    /// A running job whose heartbeat is older than this is taken as interrupted.
    stale: Duration,
    /// This server's name in the jobs it writes.
    server: String,
    live: Mutex<HashMap<i32, Arc<Live>>>,
}

/// A running job whose heartbeat is older than this has lost its server (beats come every 5 s).
pub const STALE: Duration = Duration::from_secs(30);

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs::new(Duration::from_millis(1500), STALE)
    }
}

/// How long finished jobs (and the reports they keep) are kept.
const KEPT_FOR: chrono::Duration = chrono::Duration::days(1);

impl Jobs {
    /// Jobs whose page waits `wait` for them (tests wait for none, to see the progress page), and
    /// that take another server's job as interrupted once its heartbeat is `stale`.
    pub fn new(wait: Duration, stale: Duration) -> Jobs {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "may-chu".into());
        let server = format!("{host}-{}-{:x}", std::process::id(), nanos & 0xffff_ffff);
        Jobs { inner: Arc::new(Inner { wait, stale, server, live: Mutex::default() }) }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Arc<Live>>> {
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `run` on a blocking thread as job of `owner`, and waits for it up to the page's wait.
    /// `run` gets the progress to tell and returns the HTTP status and the report as JSON; its
    /// failure is kept as the job's. Returns the job's number.
    pub async fn start<F>(
        &self,
        db: &Db,
        owner: &str,
        kind: &str,
        upload_id: Option<i32>,
        fields: &BTreeMap<String, String>,
        run: F,
    ) -> AppResult<i32>
    where
        F: FnOnce(Progress) -> AppResult<(u16, String)> + Send + 'static,
    {
        let (owner, kind, server) = (owner.to_string(), kind.to_string(), self.inner.server.clone());
        let fields = serde_json::to_string(fields).map_err(|e| AppError::Internal(e.to_string()))?;
        let id: i32 = db
            .write(move |c| {
                let now = text::now_utc();
                diesel::delete(import_jobs::table.filter(import_jobs::finished_at.lt(now - KEPT_FOR))).execute(c)?;
                Ok(diesel::insert_into(import_jobs::table)
                    .values((
                        import_jobs::kind.eq(kind),
                        import_jobs::owner.eq(owner),
                        import_jobs::upload_id.eq(upload_id),
                        import_jobs::fields.eq(fields),
                        import_jobs::server.eq(server),
                        import_jobs::status.eq("running"),
                        import_jobs::done_rows.eq(0),
                        import_jobs::total_rows.eq(0),
                        import_jobs::started_at.eq(now),
                        import_jobs::heartbeat_at.eq(now),
                    ))
                    .returning(import_jobs::id)
                    .get_result(c)?)
            })
            .await?;
        let live = Arc::new(Live::default());
        self.live().insert(id, live.clone());
        let told = live.clone();
        let progress = Progress(Some(Arc::new(move |done, total| {
            told.done.store(done, Ordering::Relaxed);
            told.total.store(total, Ordering::Relaxed);
        })));
        let heartbeat = (db.backend == Backend::Postgres).then(|| {
            let (db, live, every) = (db.clone(), live.clone(), (self.inner.stale / 4).min(Duration::from_secs(5)));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let (done, total) = (live.done.load(Ordering::Relaxed), live.total.load(Ordering::Relaxed));
                    // A missed beat is only a later one; the job itself is not at stake.
                    let _ = db
                        .write(move |c| {
                            diesel::update(import_jobs::table.find(id).filter(import_jobs::status.eq("running")))
                                .set((
                                    import_jobs::done_rows.eq(done as i32),
                                    import_jobs::total_rows.eq(total as i32),
                                    import_jobs::heartbeat_at.eq(text::now_utc()),
                                ))
                                .execute(c)?;
                            Ok(())
                        })
                        .await;
                }
            })
        });
        let (jobs, db) = (self.clone(), db.clone());
        let finished = tokio::spawn(async move {
            let ran = tokio::task::spawn_blocking(move || run(progress)).await;
            let state = match ran {
                Ok(Ok((status, outcome))) => State::Done { status, outcome },
                Ok(Err(e)) => State::Failed { status: e.status().as_u16(), message: e.public_message() },
                Err(_) => State::Failed {
                    status: 500,
                    message: "Việc nhập dừng đột ngột; không có gì được lưu".into(),
                },
            };
            if let Some(h) = heartbeat {
                h.abort();
            }
            let (done, total) = (live.done.load(Ordering::Relaxed), live.total.load(Ordering::Relaxed));
            let recorded = db
                .write(move |c| {
                    let (status, outcome) = match &state {
                        State::Done { status, outcome } => (Some(*status as i32), Some(outcome.clone())),
                        State::Failed { status, message } => (Some(*status as i32), Some(message.clone())),
                        _ => (None, None),
                    };
                    diesel::update(import_jobs::table.find(id))
                        .set((
                            import_jobs::status.eq(state.code()),
                            import_jobs::http_status.eq(status),
                            import_jobs::outcome.eq(outcome),
                            import_jobs::done_rows.eq(done as i32),
                            import_jobs::total_rows.eq(total as i32),
                            import_jobs::finished_at.eq(Some(text::now_utc())),
                        ))
                        .execute(c)?;
                    Ok(())
                })
                .await;
            if let Err(e) = recorded {
                tracing::error!("việc nhập số {id}: không ghi được kết quả: {e}");
            }
            // Only now: a page that finds the job neither live nor ended would call it interrupted.
            jobs.live().remove(&id);
        });
        // The job goes on if the page stops waiting.
        let _ = tokio::time::timeout(self.inner.wait, finished).await;
        Ok(id)
    }

    /// Job `id` of `owner` (nobody else's), wherever it runs.
    pub async fn get(&self, db: &Db, id: i32, owner: &str) -> AppResult<Option<Job>> {
        // Live first, the row after: a job of this server that has ended wrote its row before it
        // left the live ones, so a row still running without a live entry is not one of ours.
        let live = self.live().get(&id).map(|l| (l.done.load(Ordering::Relaxed), l.total.load(Ordering::Relaxed)));
        let owner = owner.to_string();
        type Row = (i32, String, Option<i32>, String, String, String, i32, i32, Option<i32>, Option<String>);
        let found: Option<(Row, chrono::NaiveDateTime, chrono::NaiveDateTime)> = db
            .read(move |c| {
                Ok(import_jobs::table
                    .find(id)
                    .filter(import_jobs::owner.eq(owner))
                    .select((
                        (
                            import_jobs::id,
                            import_jobs::kind,
                            import_jobs::upload_id,
                            import_jobs::fields,
                            import_jobs::server,
                            import_jobs::status,
                            import_jobs::done_rows,
                            import_jobs::total_rows,
                            import_jobs::http_status,
                            import_jobs::outcome,
                        ),
                        import_jobs::started_at,
                        import_jobs::heartbeat_at,
                    ))
                    .first(c)
                    .optional()?)
            })
            .await?;
        let Some(((id, kind, upload_id, fields, server, status, done, total, http, outcome), started, beat)) = found
        else {
            return Ok(None);
        };
        let now = text::now_utc();
        let stale = chrono::Duration::from_std(self.inner.stale).unwrap_or(chrono::Duration::MAX);
        let state = match status.as_str() {
            "running" => match live {
                Some((done, total)) => State::Running { done, total },
                None if server == self.inner.server => State::Interrupted,
                None if db.backend == Backend::Postgres && now - beat > stale => State::Interrupted,
                None => State::Running { done: done.max(0) as usize, total: total.max(0) as usize },
            },
            "done" => State::Done { status: http.unwrap_or(200) as u16, outcome: outcome.unwrap_or_default() },
            "failed" => State::Failed { status: http.unwrap_or(500) as u16, message: outcome.unwrap_or_default() },
            _ => State::Interrupted,
        };
        Ok(Some(Job {
            id,
            kind,
            upload_id,
            fields: serde_json::from_str(&fields).unwrap_or_default(),
            state,
            seconds: (now - started).num_seconds().max(0),
        }))
    }
}

/// At a server's start: the jobs of the database that cannot be running any more are marked
/// interrupted — on SQLite every running one, on PostgreSQL those whose heartbeat has stopped
/// (another server may be running the others). Returns how many.
pub fn interrupt_orphans(db: &Db, stale: Duration) -> AppResult<usize> {
    let before = text::now_utc() - chrono::Duration::from_std(stale).unwrap_or(chrono::Duration::MAX);
    db.write_sync(|c| {
        let running = import_jobs::table.filter(import_jobs::status.eq("running"));
        let n = match db.backend {
            Backend::Sqlite => diesel::update(running).set(import_jobs::status.eq("interrupted")).execute(c)?,
            Backend::Postgres => diesel::update(running.filter(import_jobs::heartbeat_at.lt(before)))
                .set(import_jobs::status.eq("interrupted"))
                .execute(c)?,
        };
        Ok(n)
    })
}
