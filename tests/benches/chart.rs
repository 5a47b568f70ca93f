//! The chart of a long-time patient: 1,000 visits, each with a note, vital signs and eight lab
//! results (and 200 other patients with 50 visits each around them). Measures
//! - the API's first timeline page (`GET /patients/{id}/chart?limit=20`) and a page deep in the
//!   history, against the bare SQL of the same query in the same run (budget: under 100 ms);
//! - in headless Chromium, the time from the first page's data arriving to the timeline being
//!   drawn (`performance.mark`s the app sets: `karte-timeline-data` → `karte-timeline-drawn`,
//!   the latter in the next animation frame after the DOM update), over several reloads
//!   (budget: under 300 ms). Needs the built app (`dist/`) and chromedriver.
//!
//! `cargo bench -p karte-tests --bench chart` with `KARTE_TEST_ADMIN_URL` set (scripts/bench-chart).
//! `KARTE_BENCH_VISITS` (default 1000); `KARTE_BENCH_QUERIES` (default 200).

use karte_tests::bench::env;
use karte_tests::bench::percentile;
use karte_tests::browser::Browser;
use karte_tests::TestApp;
use std::time::{Duration, Instant};

const DOCTOR_PASSWORD: &str = "bench-doctor-pass-2026";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run() {
    let visits = env("KARTE_BENCH_VISITS", 1000) as i64;
    let queries = env("KARTE_BENCH_QUERIES", 200) as usize;
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999981", "架空長期通院病院").await;
    let doctor = app
        .staff_session(&admin, &p.code, "ishi", "doctor", DOCTOR_PASSWORD)
        .await
        .1;
    let author: uuid::Uuid = doctor.get("/auth/session").await.body["user"]["user_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..201 {
        let res = doctor
            .post("/patients", &serde_json::json!({"name": format!("架空 長期{i}"), "kana": "カクウ チョウキ", "sex": "female", "birth_date": "1950-01-01", "confirm_duplicate": true}))
            .await;
        ids.push(
            res.body["patient_id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        );
    }
    let owner = app.owner_pool().await;
    let started = Instant::now();
    karte_tests::bench::seed_visits(&owner, p.tenant_id.as_uuid(), author, &ids[..1], visits, 3)
        .await;
    karte_tests::bench::seed_visits(&owner, p.tenant_id.as_uuid(), author, &ids[1..], 50, 3).await;
    println!(
        "seeded {visits} visits for the patient and 200 × 50 around it in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let patient = ids[0];
    let db = app.db().await;

    // A cursor about halfway down the history.
    let mut deep = None;
    let mut cursor: Option<String> = None;
    for _ in 0..(visits / 40).max(1) {
        let path = match &cursor {
            Some(c) => format!("/patients/{patient}/chart?limit=20&cursor={c}"),
            None => format!("/patients/{patient}/chart?limit=20"),
        };
        cursor = doctor.get(&path).await.body["next"]
            .as_str()
            .map(String::from);
        deep.clone_from(&cursor);
    }

    println!();
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "timeline page", "API p50", "API p95", "SQL p50", "SQL p95", "API/SQL"
    );
    for (name, cursor) in [
        ("first page (newest 20)", None),
        ("halfway (page 25)", deep),
    ] {
        let mut api = Vec::new();
        let mut sql = Vec::new();
        let after = cursor.as_deref().map(|c| {
            let (d, id) = c.split_once('_').unwrap();
            (
                shared::domain::japanese::parse_date(d).unwrap(),
                id.parse::<shared::ids::NoteId>().unwrap(),
            )
        });
        for _ in 0..queries {
            let path = match &cursor {
                Some(c) => format!("/patients/{patient}/chart?limit=20&cursor={c}"),
                None => format!("/patients/{patient}/chart?limit=20"),
            };
            let t = Instant::now();
            let res = doctor.get(&path).await;
            api.push(t.elapsed());
            assert_eq!(res.status, reqwest::StatusCode::OK);
            assert_eq!(res.body["entries"].as_array().map(Vec::len), Some(20));
            // The same query without HTTP, TLS, the session check and the access log.
            let t = Instant::now();
            let mut tx = karte_server::db::system::operator_tx(&db, p.tenant_id)
                .await
                .unwrap();
            let rows = karte_server::db::notes::timeline(
                &mut tx,
                shared::ids::PatientId(patient),
                after,
                21,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            sql.push(t.elapsed());
            assert_eq!(rows.len(), 21);
        }
        let (a50, s50) = (percentile(api.clone(), 0.5), percentile(sql.clone(), 0.5));
        println!(
            "{:<30} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.2}",
            name,
            ms(a50),
            ms(percentile(api, 0.95)),
            ms(s50),
            ms(percentile(sql, 0.95)),
            a50.as_secs_f64() / s50.as_secs_f64()
        );
    }
    println!("budget: first page under 100 ms at the API (issue #7)");

    if !karte_tests::dist_dir().join("index.html").is_file() {
        println!("\n(the app is not built: the browser half is skipped; run trunk build first)");
        return;
    }
    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        browser
            .sign_in(&app.base_url, &p.code, "ishi", DOCTOR_PASSWORD)
            .await?;
        let mut drawn = Vec::new();
        let mut total = Vec::new();
        for _ in 0..11 {
            browser
                .client
                .goto(&format!("{}/patients/{patient}/chart", app.base_url))
                .await?;
            let deadline = Instant::now() + Duration::from_secs(20);
            let (data, done, nav) = loop {
                let v = browser
                    .client
                    .execute(
                        "const d = performance.getEntriesByName('karte-timeline-data')[0]; \
                         const r = performance.getEntriesByName('karte-timeline-drawn')[0]; \
                         return (d && r) ? [d.startTime, r.startTime, performance.now()] : null;",
                        vec![],
                    )
                    .await?;
                if let Some(a) = v.as_array() {
                    break (
                        a[0].as_f64().unwrap_or(0.0),
                        a[1].as_f64().unwrap_or(0.0),
                        a[2].as_f64().unwrap_or(0.0),
                    );
                }
                anyhow::ensure!(Instant::now() < deadline, "the timeline was never drawn");
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let _ = nav;
            drawn.push(Duration::from_secs_f64((done - data).max(0.0) / 1000.0));
            total.push(Duration::from_secs_f64(done / 1000.0));
        }
        // The first load warms the WASM cache; it is not counted.
        drawn.remove(0);
        total.remove(0);
        println!();
        println!(
            "browser: data → timeline drawn p50 {:.1} ms, max {:.1} ms; navigation start → drawn p50 {:.1} ms (10 loads)",
            ms(percentile(drawn.clone(), 0.5)),
            ms(percentile(drawn, 1.0)),
            ms(percentile(total, 0.5)),
        );
        println!("budget: under 300 ms from the data arriving to the first screen (issue #7)");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser measurement");
}

fn main() {
    karte_tests::bench::run(run());
}
