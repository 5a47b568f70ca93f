//! What access logging costs: the throughput of a tenant-scoped read (`GET /api/v1/users`,
//! session check + RLS-bound query) with logging on and off, and of the bare equivalent SQL
//! through PostgreSQL, measured side by side in one run.
//!
//! `cargo bench -p karte-tests --bench access_log` with `KARTE_TEST_ADMIN_URL` set (as
//! `scripts/test` sets it). `KARTE_BENCH_SECONDS` (default 5) per measurement,
//! `KARTE_BENCH_CONCURRENCY` (default 16) clients. Rounds alternate on/off/SQL to share noise.

use karte_tests::bench::env;
use karte_tests::TestApp;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn http_rate(http: &reqwest::Client, url: &str, concurrency: u64, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, url, done) = (http.clone(), url.to_string(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let res = http.get(&url).send().await.expect("request");
                assert!(res.status().is_success(), "status {}", res.status());
                let _ = res.bytes().await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

async fn sql_rate(pool: &sqlx::PgPool, tenant: uuid::Uuid, concurrency: u64, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (pool, done) = (pool.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let mut tx = karte_tests::tenant_tx(&pool, tenant).await;
                let rows: Vec<(uuid::Uuid, String, String, String)> = sqlx::query_as(
                    "select user_id, login_id, display_name, role from app_user order by login_id",
                )
                .fetch_all(&mut *tx)
                .await
                .expect("query");
                assert!(!rows.is_empty());
                tx.commit().await.expect("commit");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run() {
    let seconds = env("KARTE_BENCH_SECONDS", 5);
    let concurrency = env("KARTE_BENCH_CONCURRENCY", 16);
    let on = TestApp::spawn().await;
    let off = TestApp::spawn_with(|s| s.benchmark_without_access_log = true).await;
    let (p_on, client_on) = on.admin_session("1319999931", "架空計測病院").await;
    let (_, client_off) = off.admin_session("1319999931", "架空計測病院").await;
    let url_on = client_on.url("/users");
    let url_off = client_off.url("/users");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(concurrency as u32)
        .connect_with(
            karte_tests::admin_options()
                .username(karte_server::db::APP_ROLE)
                .database(&on.db_name),
        )
        .await
        .expect("pool");

    // Warm up connections and caches.
    http_rate(&client_on.http, &url_on, concurrency, 1).await;
    http_rate(&client_off.http, &url_off, concurrency, 1).await;
    sql_rate(&pool, p_on.tenant_id.as_uuid(), concurrency, 1).await;

    let (mut r_on, mut r_off, mut r_sql) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=3 {
        let a = http_rate(&client_on.http, &url_on, concurrency, seconds).await;
        let b = http_rate(&client_off.http, &url_off, concurrency, seconds).await;
        let c = sql_rate(&pool, p_on.tenant_id.as_uuid(), concurrency, seconds).await;
        println!("round {round}: logging on {a:8.0} req/s | logging off {b:8.0} req/s | bare SQL {c:8.0} q/s");
        r_on.push(a);
        r_off.push(b);
        r_sql.push(c);
    }
    let (on_rate, off_rate, sql) = (median(r_on), median(r_off), median(r_sql));
    println!();
    println!("GET /api/v1/users, {concurrency} clients, {seconds} s per measurement, medians of 3 rounds:");
    println!("  with access log      {on_rate:8.0} req/s");
    println!("  without access log   {off_rate:8.0} req/s");
    println!("  bare SQL (same query in an RLS transaction) {sql:8.0} q/s");
    println!(
        "  cost of logging: {:.1} % (target < 10 %)",
        (1.0 - on_rate / off_rate) * 100.0
    );
    println!(
        "  API with logging / bare SQL: {:.2} (budget >= 0.5)",
        on_rate / sql
    );
    // The access log really was written.
    let logged = client_on.get("/logs/access?limit=1").await;
    println!(
        "  access log head seq: {}",
        logged.body["entries"][0]["seq"]
    );
}

fn main() {
    karte_tests::bench::run(run());
}
