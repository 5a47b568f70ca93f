//! Patient search at scale: 100,000 patients in one institution (and 20,000 in another), then
//! the latency of `GET /api/v1/patients?q=…` for each kind of query, against the bare SQL of
//! the same search in the same run.
//!
//! `cargo bench -p karte-tests --bench patient_search` with `KARTE_TEST_ADMIN_URL` set.
//! `KARTE_BENCH_PATIENTS` (default 100000) patients; `KARTE_BENCH_QUERIES` (default 200) per kind.

use karte_tests::bench::env;
use karte_tests::bench::percentile;
use karte_tests::TestApp;
use std::time::Instant;

async fn run() {
    let n = env("KARTE_BENCH_PATIENTS", 100_000);
    let per_kind = env("KARTE_BENCH_QUERIES", 200) as usize;
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999971", "架空大病院").await;
    let (other, _) = app.admin_session("2719999972", "架空別病院").await;
    let clerk = app
        .staff_session(&admin, &p.code, "clerk1", "clerk", "front-desk-pass-2026")
        .await
        .1;
    let owner = app.owner_pool().await;
    let started = Instant::now();
    karte_tests::bench::seed_patients(&owner, p.tenant_id.as_uuid(), n).await;
    karte_tests::bench::seed_patients(&owner, other.tenant_id.as_uuid(), n / 5).await;
    println!(
        "seeded {n} + {} patients in {:.1} s",
        n / 5,
        started.elapsed().as_secs_f64()
    );

    let kinds: Vec<(&str, Vec<String>)> = vec![
        (
            "patient number prefix",
            (0..per_kind)
                .map(|i| format!("{}", 1 + i * 397 % n as usize))
                .collect(),
        ),
        (
            "カナ prefix (half-width)",
            (0..per_kind)
                .map(|i| ["ｶｸｳ ﾊ", "ｼｹﾝ ｼﾞ", "ﾐﾎﾝ ｻ", "ｿｳｿﾞｳ ｹ"][i % 4].to_string())
                .collect(),
        ),
        (
            "漢字 prefix",
            (0..per_kind)
                .map(|i| ["架空 花", "試験", "見本三", "創作 愛"][i % 4].to_string())
                .collect(),
        ),
        (
            "birth date",
            (0..per_kind)
                .map(|i| format!("19{:02}-0{}-1{}", 40 + i % 50, 1 + i % 9, i % 10))
                .collect(),
        ),
        (
            "phone prefix",
            (0..per_kind)
                .map(|i| format!("0{:03}-", (i * 37) % 1000))
                .collect(),
        ),
    ];
    let db = app.db().await;
    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>12}",
        "query", "API p50", "API p95", "API max", "SQL p50"
    );
    for (name, queries) in kinds {
        let mut api = Vec::new();
        let mut sql = Vec::new();
        for q in &queries {
            let t = Instant::now();
            let res = clerk
                .send(
                    clerk
                        .http
                        .get(clerk.url("/patients"))
                        .query(&[("q", q.as_str())]),
                )
                .await;
            api.push(t.elapsed());
            assert_eq!(res.status, reqwest::StatusCode::OK);
            let classified = shared::api::patients::PatientQuery::classify(q).unwrap();
            let t = Instant::now();
            // The same search the API runs (server's db::patients::search), without HTTP, TLS,
            // session check and access log.
            let mut tx = karte_server::db::system::operator_tx(&db, p.tenant_id)
                .await
                .unwrap();
            let _rows = karte_server::db::patients::search(&mut tx, &classified, 20)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            sql.push(t.elapsed());
        }
        println!(
            "{:<28} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>10.1}ms",
            name,
            percentile(api.clone(), 0.5).as_secs_f64() * 1000.0,
            percentile(api.clone(), 0.95).as_secs_f64() * 1000.0,
            percentile(api, 1.0).as_secs_f64() * 1000.0,
            percentile(sql, 0.5).as_secs_f64() * 1000.0,
        );
    }
    println!("\nbudget: under 50 ms at the API (issue #5)");
}

fn main() {
    karte_tests::bench::run(run());
}
