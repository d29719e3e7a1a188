//! A load run of the real server (release build) over a generated register of 100,000 assets
//! (`BENCH_LOAD_ROWS`), on SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL: 64 clients
//! (`BENCH_LOAD_CLIENTS`) for 30 s (`BENCH_LOAD_SECONDS`), each looping over a realistic mix —
//! searches, asset pages and the register page, edits that read the version then save, and small
//! exports. Prints throughput and p50/p99 per kind and overall; an edit refused for a stale
//! version (409, another client saved first) is counted apart — it is the right answer, not an error.
//! `cargo bench --bench load`.
//!
//! `BENCH_LOAD_MIX=writers`: every client writes — nine edits (read, then save) to one small import
//! of 20 new assets (a CSV through `POST /api/v1/imports/assets`) — and the history chain is verified
//! after the run: commits per second, p99, and whether the chain still holds without a fork.

#[path = "measure.rs"]
mod measure;
use measure::{backends, fresh_url, populate};

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_taisan"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while ureq::get(&format!("{base}/dang-nhap")).call().is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    (Server(child), base)
}

fn token(url: &str) -> String {
    let db = taisan::open(url).unwrap();
    db.write_sync(|c| {
        let actor = taisan::audit::Actor::system();
        let input = taisan::input::Input::from_json(
            json!({"username": "taiload", "full_name": "Tải", "role": "admin", "password": "mat-khau-tai-load-2026"}),
        )?;
        let user = taisan::auth::create_user(c, &actor, input)?;
        Ok(taisan::auth::create_token(c, &actor, user.id, "load")?.1)
    })
    .unwrap()
}

/// Latencies by kind of request, in microseconds.
type Samples = BTreeMap<&'static str, Vec<u64>>;

/// A small register as a CSV of 20 new assets, its codes this client's own.
fn small_import(client: u64, k: u64) -> Vec<u8> {
    let mut csv =
        String::from("Mã tài sản,Tên tài sản,Nhóm tài sản,Đơn vị quản lý,Đơn vị tính,Số lượng,Nguồn NSNN,Ngày tăng\n");
    for i in 0..20 {
        csv.push_str(&format!(
            "NW-{client:x}-{k}-{i},Máy tính xách tay số {i},MMTB-VP,TTUD,Cái,1,{},15/0{}/2024\n",
            18_000_000 + i * 100_000,
            1 + i % 9
        ));
    }
    let boundary = "taisanloadboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"so-moi-{client:x}-{k}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(csv.as_bytes());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[allow(clippy::too_many_arguments)]
fn client(
    base: String,
    token: String,
    n: usize,
    until: Instant,
    seed: u64,
    writers: bool,
    out: Arc<Mutex<Samples>>,
    conflicts: Arc<Mutex<usize>>,
) {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let auth = format!("Bearer {token}");
    let words = ["may do", "so 12", "xb-00", "may do so 4", "thiet bi", "99"];
    let mut x = seed;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut mine: Samples = BTreeMap::new();
    let mut stale = 0;
    while Instant::now() < until {
        let r = next();
        let id = 1 + (next() % n as u64);
        let word = words[(next() % words.len() as u64) as usize].replace(' ', "+");
        let started = Instant::now();
        // The writers' mix: an import where the readers' mix searches, an edit everywhere else.
        let pick = match (writers, r % 20) {
            (false, p) => p,
            (true, 0 | 10) => 20,
            (true, _) => 14,
        };
        let (kind, ok) = match pick {
            0..=7 => (
                "search",
                agent
                    .get(&format!("{base}/api/v1/assets?q={word}&per_page=20"))
                    .set("Authorization", &auth)
                    .call()
                    .is_ok(),
            ),
            8..=11 => {
                ("asset page", agent.get(&format!("{base}/tai-san/{id}")).set("Authorization", &auth).call().is_ok())
            }
            12..=13 => (
                "register page",
                agent.get(&format!("{base}/tai-san?q={word}")).set("Authorization", &auth).call().is_ok(),
            ),
            14..=17 => {
                // An edit as a person makes it: read the record, change a field, save with its version.
                let read: Result<Value, _> = agent
                    .get(&format!("{base}/api/v1/assets/{id}"))
                    .set("Authorization", &auth)
                    .call()
                    .map(|r| r.into_json().unwrap());
                let ok = match read {
                    Ok(a) => match agent
                        .put(&format!("{base}/api/v1/assets/{id}"))
                        .set("Authorization", &auth)
                        .send_json(json!({"location": format!("Phòng {}", next() % 50), "version": a["version"]}))
                    {
                        Ok(_) => true,
                        Err(ureq::Error::Status(409, _)) => {
                            stale += 1;
                            true
                        }
                        Err(_) => false,
                    },
                    Err(_) => false,
                };
                ("edit", ok)
            }
            20 => (
                "import",
                agent
                    .post(&format!("{base}/api/v1/imports/assets"))
                    .set("Authorization", &auth)
                    .set("Content-Type", "multipart/form-data; boundary=taisanloadboundary")
                    .send_bytes(&small_import(seed, r))
                    .is_ok(),
            ),
            _ => (
                "export",
                agent
                    .get(&format!("{base}/api/v1/exports/register?format=csv&q=so+{}", next() % 1000))
                    .set("Authorization", &auth)
                    .call()
                    .is_ok(),
            ),
        };
        let us = started.elapsed().as_micros() as u64;
        mine.entry(if ok { kind } else { "error" }).or_default().push(us);
    }
    let mut all = out.lock().unwrap();
    for (k, v) in mine {
        all.entry(k).or_default().extend(v);
    }
    *conflicts.lock().unwrap() += stale;
}

fn pct(v: &mut [u64], p: f64) -> f64 {
    v.sort_unstable();
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

fn main() {
    let rows = env_or("BENCH_LOAD_ROWS", 100_000);
    let clients = env_or("BENCH_LOAD_CLIENTS", 64);
    let seconds = env_or("BENCH_LOAD_SECONDS", 30) as u64;
    let writers = std::env::var("BENCH_LOAD_MIX").is_ok_and(|m| m == "writers");
    let dir = tempfile::tempdir().unwrap();
    for backend in backends() {
        let (url, pg) = fresh_url(backend, dir.path(), "load");
        taisan::open(&url).unwrap();
        populate(&url, rows, false);
        let token = token(&url);
        let (_server, base) = serve(&url);
        let out = Arc::new(Mutex::new(Samples::new()));
        let conflicts = Arc::new(Mutex::new(0));
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let threads: Vec<_> = (0..clients)
            .map(|i| {
                let (base, token, out, conflicts) = (base.clone(), token.clone(), out.clone(), conflicts.clone());
                std::thread::spawn(move || {
                    client(base, token, rows, until, 0x9E37_79B9 + i as u64 * 7919, writers, out, conflicts)
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let elapsed = started.elapsed().as_secs_f64();
        let mut samples = out.lock().unwrap().clone();
        let total: usize = samples.values().map(Vec::len).sum();
        let mix = if writers { ", writers only" } else { "" };
        println!("\n== {backend}: {clients} clients, {seconds} s, {rows} assets{mix}");
        println!("{:<14} {:>8} {:>9} {:>9} {:>9}", "kind", "requests", "req/s", "p50 ms", "p99 ms");
        let mut everything: Vec<u64> = samples.values().flatten().copied().collect();
        for (kind, v) in samples.iter_mut() {
            let n = v.len();
            println!("{kind:<14} {n:>8} {:>9.1} {:>9.1} {:>9.1}", n as f64 / elapsed, pct(v, 0.5), pct(v, 0.99));
        }
        println!(
            "{:<14} {total:>8} {:>9.1} {:>9.1} {:>9.1}   (stale-version refusals among edits: {})",
            "all",
            total as f64 / elapsed,
            pct(&mut everything, 0.5),
            pct(&mut everything, 0.99),
            conflicts.lock().unwrap()
        );
        drop(_server);
        // Whatever the mix, the chain must hold: one line, no fork.
        let db = taisan::open(&url).unwrap();
        match db.read_sync(taisan::audit::verify).unwrap() {
            taisan::audit::ChainStatus::Intact { count, .. } => println!("history chain: intact, {count} events"),
            broken => panic!("the history chain broke under load: {broken:?}"),
        }
        if let Some((mut admin, schema)) = pg {
            use diesel::connection::SimpleConnection;
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
