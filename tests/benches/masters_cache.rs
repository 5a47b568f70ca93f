//! The app's first-load cost for the masters (issue #6): with the official 基本マスター imported
//! (医科診療行為 with every published diff, 医薬品, 特定器材, 傷病名, 修飾語), how much each master's
//! catalog weighs on the wire (gzip, as the app receives it) and unpacked, how long the server
//! takes to answer it, and in headless Chromium how long the app takes from asking for a
//! master to having it searchable — the first time (download, parse, write to IndexedDB) and
//! after a reload (read from IndexedDB, ask for the difference, which is empty).
//!
//! `scripts/bench-masters` (builds the app, needs chromedriver). Marks the app sets:
//! `karte-masters-<kind>-start` / `-ready`.

use karte_tests::bench::percentile;
use karte_tests::browser::Browser;
use karte_tests::TestApp;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const KINDS: [&str; 5] = ["procedure", "drug", "material", "disease", "modifier"];
const DOCTOR_PASSWORD: &str = "bench-doctor-pass-2026";

fn reference(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/masters"
    ))
    .join(path)
}

async fn marks(browser: &Browser, kinds: &[&str]) -> anyhow::Result<Vec<f64>> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let script = format!(
            "const k = {kinds:?}; const out = []; \
             for (const x of k) {{ const s = performance.getEntriesByName('karte-masters-' + x + '-start')[0]; \
               const r = performance.getEntriesByName('karte-masters-' + x + '-ready')[0]; \
               if (!s || !r) return null; out.push(r.startTime - s.startTime); }} return out;"
        );
        let v = browser.client.execute(&script, vec![]).await?;
        if let Some(a) = v.as_array() {
            return Ok(a.iter().map(|x| x.as_f64().unwrap_or(0.0)).collect());
        }
        anyhow::ensure!(Instant::now() < deadline, "masters never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run() {
    let app = TestApp::spawn().await;
    let mut files = vec![
        reference("s_ALL20240531.zip"),
        reference("y_ALL20240531.zip"),
        reference("t_ALL20240315.zip"),
        reference("b_20240601.zip"),
        reference("z_20240601.zip"),
    ];
    let mut diffs: Vec<PathBuf> = std::fs::read_dir(reference("diffs"))
        .expect("diffs")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("s_"))
        .collect();
    diffs.sort();
    files.extend(diffs);
    let started = Instant::now();
    karte_server::cli::import_master_files(&app.owner_pool().await, &files)
        .await
        .expect("official masters");
    println!(
        "imported {} files in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );

    let (p, admin) = app
        .admin_session("1319999985", "架空マスター計測医院")
        .await;
    let doctor = app
        .staff_session(&admin, &p.code, "ishi", "doctor", DOCTOR_PASSWORD)
        .await
        .1;

    println!();
    println!(
        "{:<10} {:>9} {:>12} {:>11} {:>12}",
        "master", "versions", "JSON bytes", "gzip bytes", "server p50"
    );
    for kind in KINDS {
        let path = format!("/masters/catalog?kind={kind}");
        let mut times = Vec::new();
        let mut gz = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let req = doctor
                .request(reqwest::Method::GET, &path)
                .await
                .header("accept-encoding", "gzip");
            let res = req.send().await.unwrap();
            gz = res.bytes().await.unwrap().len();
            times.push(t.elapsed());
        }
        let plain = doctor.get(&path).await;
        let rows = plain.body["rows"].as_array().map_or(0, Vec::len);
        println!(
            "{:<10} {:>9} {:>12} {:>11} {:>10.0}ms",
            kind,
            rows,
            plain.body.to_string().len(),
            gz,
            percentile(times, 0.5).as_secs_f64() * 1000.0
        );
    }

    if !karte_tests::dist_dir().join("index.html").is_file() {
        println!("\n(the app is not built: the browser half is skipped)");
        return;
    }
    // A visit to open 会計 on (procedures, materials, drugs) and a chart (傷病名, 修飾語).
    let patient: serde_json::Value = doctor
        .post("/patients", &serde_json::json!({"name": "架空 計測", "kana": "カクウ ケイソク", "sex": "male", "birth_date": "1970-01-01", "confirm_duplicate": true}))
        .await
        .body;
    let patient_id = patient["patient_id"].as_str().unwrap().to_string();
    let visit = doctor
        .post(
            "/receptions",
            &serde_json::json!({"patient_id": patient_id, "department": "内科"}),
        )
        .await
        .body;
    let reception = visit["reception_id"].as_str().unwrap().to_string();

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        browser
            .sign_in(&app.base_url, &p.code, "ishi", DOCTOR_PASSWORD)
            .await?;
        for round in [
            "first load (download, IndexedDB write)",
            "after a reload (IndexedDB read, empty difference)",
        ] {
            browser
                .client
                .goto(&format!("{}/reception/{reception}/bill", app.base_url))
                .await?;
            browser.fill("master_query", "ｻｲｼﾝﾘｮｳ").await?;
            let bill = marks(&browser, &["procedure", "material", "drug"]).await?;
            browser
                .client
                .goto(&format!("{}/patients/{patient_id}/chart", app.base_url))
                .await?;
            browser.click("tab-diagnoses").await?;
            let chart = marks(&browser, &["disease", "modifier"]).await?;
            println!("\nbrowser, {round}: ask → searchable");
            for (kind, ms) in ["procedure", "material", "drug"]
                .iter()
                .zip(&bill)
                .chain(["disease", "modifier"].iter().zip(&chart))
            {
                println!("  {kind:<10} {ms:>8.0} ms");
            }
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser measurement");
}

fn main() {
    karte_tests::bench::run(run());
}
