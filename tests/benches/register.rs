//! Register search/list over HTTP against the same SQL run directly, on 100,000 generated assets
//! (`BENCH_REGISTER_ROWS` to change).
//!
//! `cargo bench --bench register` — SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set (a
//! fresh schema is made and dropped); `BENCH_BACKENDS=postgres` (or `sqlite`) for one alone. For each query shape it prints p50/p99 of the raw SQL (the
//! count-and-sums query plus the page query, on one connection) and of the whole HTTP request
//! (router, pool, SQL, JSON), and the ratio of the p99s. Target: HTTP p99 ≤ 2 × raw p99 and < 50 ms.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use taisan::assets::{self, AssetFilter};
use taisan::db::schema::{asset_categories, assets as assets_t, org_units};
use taisan::db::Db;
use taisan::input::Input;

/// The register's size: 100,000, or `BENCH_REGISTER_ROWS` (1,000,000 for the PostgreSQL figure of #9).
fn assets_n() -> usize {
    std::env::var("BENCH_REGISTER_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}
/// Requests per query shape: 300, or `BENCH_REGISTER_REQUESTS` (fewer for a million rows).
fn requests() -> usize {
    std::env::var("BENCH_REGISTER_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

/// A small deterministic generator: the same register every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const NAMES: &[&str] = &[
    "Máy tính để bàn",
    "Máy tính xách tay",
    "Máy in laser",
    "Máy photocopy",
    "Điều hòa nhiệt độ",
    "Bàn làm việc",
    "Tủ hồ sơ",
    "Máy chiếu",
    "Máy quang phổ",
    "Cân phân tích",
    "Tủ sấy",
    "Nồi hấp tiệt trùng",
    "Máy ly tâm",
    "Kính hiển vi",
    "Máy đo pH",
    "Máy phát điện",
    "Xe ô tô",
    "Máy PCR Real-time",
    "Tủ an toàn sinh học",
    "Máy scan",
];
const BRANDS: &[&str] =
    &["Dell", "HP", "Canon", "Daikin", "Hòa Phát", "Olympus", "Shimadzu", "Eppendorf", "Toyota", "Bio-Rad"];
const PLACES: &[&str] = &["Phòng thí nghiệm", "Văn phòng", "Kho", "Phòng đo lường", "Hội trường", "Khu thực nghiệm"];

fn generate(db: &Db) -> Duration {
    let started = Instant::now();
    db.write_sync(|c| {
        let units: Vec<i32> = org_units::table.select(org_units::id).load(c)?;
        let cats: Vec<(i32, i32)> =
            asset_categories::table.select((asset_categories::id, asset_categories::class_id)).load(c)?;
        let mut rng = Lcg(42);
        let now = taisan::text::now_utc();
        let close = taisan::assets::wear::last_close(taisan::text::today());
        let mut batch = Vec::with_capacity(500);
        for i in 0..assets_n() {
            let name = format!("{} {} {}", rng.pick(NAMES), rng.pick(BRANDS), i % 997);
            let code = format!("BM-{i:06}");
            let (cat, class) = cats[(rng.next() as usize) % cats.len()];
            let cost = ((rng.next() % 2_000) as i64 + 5) * 1_000_000;
            let year = 2005 + (rng.next() % 20) as i32;
            let acquired = chrono::NaiveDate::from_ymd_opt(year, 1 + (rng.next() % 12) as u32, 1).unwrap();
            let residual = cost - cost * ((rng.next() % 100) as i64) / 100;
            let location = rng.pick(PLACES).to_string();
            let search = taisan::text::fold(&format!("{code} {name} {location}"));
            batch.push((
                assets_t::code.eq(code),
                assets_t::name.eq(name),
                assets_t::class_id.eq(class),
                assets_t::category_id.eq(cat),
                assets_t::kind.eq(if cost >= 10_000_000 { "huu_hinh" } else { "ccdc" }),
                assets_t::unit_of_measure.eq("Cái"),
                assets_t::quantity.eq(1),
                assets_t::cost_state.eq(cost),
                assets_t::cost_other.eq(0i64),
                assets_t::original_cost.eq(cost),
                assets_t::acquisition_method.eq("mua_sam"),
                assets_t::acquired_on.eq(acquired),
                assets_t::acquired_year.eq(year),
                assets_t::unit_id.eq(units[(rng.next() as usize) % units.len()]),
                (
                    assets_t::location.eq(location),
                    assets_t::status.eq("dang_su_dung"),
                    assets_t::accumulated_wear.eq(cost - residual),
                    assets_t::residual_value.eq(residual),
                    assets_t::wear_as_of.eq(close),
                    assets_t::search_text.eq(search),
                    assets_t::created_at.eq(now),
                    assets_t::updated_at.eq(now),
                ),
            ));
            if batch.len() == 500 || i + 1 == assets_n() {
                for row in batch.drain(..) {
                    diesel::insert_into(assets_t::table).values(row).execute(c)?;
                }
            }
        }
        Ok(())
    })
    .expect("generate assets");
    started.elapsed()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn filter_of(query: &str) -> AssetFilter {
    let pairs = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut input = Input::from_form(pairs);
    let f = AssetFilter::read(&mut input, &taisan::auth::Scope::ALL);
    input.finish().expect("valid filter");
    f
}

fn run(label: &str, url: &str, cleanup: impl FnOnce()) {
    let db = taisan::open(url).expect("open database");
    let took = generate(&db);
    db.write_sync(|c| {
        if let taisan::db::DbConn::Postgres(p) = c {
            p.batch_execute("ANALYZE assets")?;
        }
        Ok(())
    })
    .unwrap();
    println!(
        "\n== {label}: {} assets generated in {:.1} s ({:.0} rows/s)",
        assets_n(),
        took.as_secs_f64(),
        assets_n() as f64 / took.as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = taisan::app(db.clone());
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });
    let agent = ureq::AgentBuilder::new().build();
    // The API needs a credential: an administrator's token, as a program would use.
    let token = db
        .write_sync(|c| {
            let input = Input::from_json(serde_json::json!({
                "username": "bench", "full_name": "Benchmark", "role": "admin", "password": "bench-password-123"
            }))?;
            let user = taisan::auth::create_user(c, &taisan::audit::Actor("bench".into()), input)?;
            Ok(taisan::auth::create_token(c, &taisan::audit::Actor("bench".into()), user.id, "bench")?.1)
        })
        .expect("bench token");
    let bearer = format!("Bearer {token}");

    let queries = [
        ("list, first page", "per_page=50"),
        ("search 'may tinh'", "q=may%20tinh&per_page=50"),
        ("search 'pcr' (rare)", "q=pcr&per_page=50"),
        ("unit + sort by cost desc", "unit_id=6&sort=original_cost&order=desc&per_page=50"),
        ("year filter, page 5", "year=2015&page=5&per_page=50"),
    ];
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}",
        "query", "raw p50", "raw p99", "http p50", "http p99", "p99 x", "target"
    );
    let mut all_ok = true;
    for (name, q) in queries {
        let filter = filter_of(q);
        let mut raw = Vec::with_capacity(requests());
        let mut http = Vec::with_capacity(requests());
        let query = || db.read_sync(|c| Ok((assets::totals(c, &filter)?, assets::page_rows(c, &filter)?))).unwrap();
        let request = || {
            let url = format!("http://{addr}/api/v1/assets?{q}");
            agent.get(&url).set("Authorization", &bearer).call().unwrap().into_string().unwrap()
        };
        for _ in 0..10 {
            query();
            request();
        }
        for _ in 0..requests() {
            let t = Instant::now();
            std::hint::black_box(query());
            raw.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(request());
            http.push(t.elapsed());
        }
        let (r50, r99) = (percentile(&mut raw, 0.5), percentile(&mut raw, 0.99));
        let (h50, h99) = (percentile(&mut http, 0.5), percentile(&mut http, 0.99));
        let ratio = h99.as_secs_f64() / r99.as_secs_f64();
        let ok = ratio <= 2.0 && h99 < Duration::from_millis(50);
        all_ok &= ok;
        println!(
            "{name:<28} {:>10} {:>10} {:>10} {:>10} {:>7.2}x {:>7}",
            ms(r50),
            ms(r99),
            ms(h50),
            ms(h99),
            ratio,
            if ok { "met" } else { "MISSED" }
        );
    }
    println!("{label}: target {}", if all_ok { "met for every query" } else { "missed for some query (see above)" });
    drop(runtime);
    drop(db);
    cleanup();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // BENCH_BACKENDS=postgres measures PostgreSQL alone (a million rows take long on each).
    let only = |name: &str| std::env::var("BENCH_BACKENDS").map_or(true, |b| b.split(',').any(|o| o.trim() == name));
    if only("sqlite") {
        run("SQLite", &format!("sqlite://{}", dir.path().join("bench.db").display()), || {});
    }
    if let Some(base) = std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty() && only("postgres")) {
        let schema = format!("bench_{}", std::process::id());
        let mut admin = diesel::PgConnection::establish(&base).expect("connect TEST_DATABASE_URL");
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        run("PostgreSQL", &format!("{base}{sep}options=-csearch_path%3D{schema}"), move || {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        });
    } else {
        println!("\n(PostgreSQL skipped: set TEST_DATABASE_URL to measure it too)");
    }
}
