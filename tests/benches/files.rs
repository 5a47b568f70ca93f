//! Attachments (issue #18): upload and first view of a 20 MB PDF and of a 100-image CT series
//! (512×512, 16-bit: about 51 MB), through the real server over TLS into its two file stores,
//! each against a bare baseline in the same run:
//! - upload: `POST /patients/{id}/files` (type sniffing, SHA-256, both stores, the row and the
//!   audit event) against writing the same bytes to two files and hashing them in-process;
//! - first view: `GET /files/{id}` (the checksum verified on the way out) against reading the
//!   file back from one store's directory;
//! - the CT viewer's work per image, natively (`shared::dicom`: parse, decode, window to 8 bits)
//!   against copying the pixel bytes;
//! - in headless Chromium (when the app is built), the time from a click on the file in the
//!   画像・文書 tab to its first page or image drawn on the viewer's canvas, against the same
//!   for a one-page PDF of 2 KB and a single 64×64 CT image (the viewers' fixed cost).
//!
//! Memory: the server runs in this process; its peak resident set is reported.
//!
//! `cargo bench -p karte-tests --bench files` with `KARTE_TEST_ADMIN_URL` set (scripts/bench-files).
//! `KARTE_BENCH_PDF_MB` (default 20), `KARTE_BENCH_CT_IMAGES` (default 100), `KARTE_BENCH_RUNS`
//! (default 5, the PDF's repetitions).

use karte_tests::bench::{env, percentile};
use karte_tests::samples::{ct, pdf_of_size};
use karte_tests::TestApp;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The bare baseline of an upload: hash the bytes and write them to two files.
fn bare_store(dirs: &[std::path::PathBuf; 2], name: &str, bytes: &[u8]) -> Duration {
    let start = Instant::now();
    let _sum = Sha256::digest(bytes);
    for dir in dirs {
        let path = dir.join("bench-baseline").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    start.elapsed()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    karte_tests::bench::run(async {
        let pdf_mb = env("KARTE_BENCH_PDF_MB", 20) as usize;
        let images = env("KARTE_BENCH_CT_IMAGES", 100).max(1) as u32;
        let runs = env("KARTE_BENCH_RUNS", 5).max(1) as usize;
        let app = TestApp::spawn_with(|s| {
            s.runtime.file_limit_bytes = (pdf_mb + 8) * 1024 * 1024;
        })
        .await;
        let (p, admin) = app.admin_session("1319999971", "架空計測医院").await;
        let doctor = app
            .staff_session(&admin, &p.code, "ishi", "doctor", "bench-doctor-pass-2026")
            .await
            .1;
        let patient = doctor
            .post(
                "/patients",
                &serde_json::json!({"name": "架空 計測", "kana": "カクウ ケイソク", "sex": "male",
                                    "birth_date": "1960-01-01", "confirm_duplicate": true}),
            )
            .await;
        let pid = patient.body["patient_id"].as_str().unwrap().to_string();
        let dirs = app.file_stores();

        // A 20 MB PDF, uploaded and read back `runs` times.
        let pdf = pdf_of_size(pdf_mb * 1024 * 1024, "KAKUU BENCH");
        let (mut up, mut bare_up, mut view, mut bare_view) = (vec![], vec![], vec![], vec![]);
        for run in 0..runs {
            let start = Instant::now();
            let res = doctor
                .post_bytes(
                    &format!("/patients/{pid}/files"),
                    pdf.clone(),
                    "application/pdf",
                )
                .await;
            up.push(start.elapsed());
            assert_eq!(res.status.as_u16(), 201, "{}", res.body);
            let id = res.body["file_id"].as_str().unwrap().to_string();
            bare_up.push(bare_store(&dirs, &format!("pdf-{run}"), &pdf));
            let start = Instant::now();
            let (status, body) = doctor.get_bytes(&format!("/files/{id}")).await;
            view.push(start.elapsed());
            assert_eq!((status.as_u16(), body.len()), (200, pdf.len()));
            let start = Instant::now();
            let back =
                std::fs::read(dirs[0].join("bench-baseline").join(format!("pdf-{run}"))).unwrap();
            bare_view.push(start.elapsed());
            assert_eq!(back.len(), pdf.len());
        }
        let report = |what: &str, measured: &[Duration], bare: &[Duration]| {
            let (m, b) = (
                percentile(measured.to_vec(), 0.5),
                percentile(bare.to_vec(), 0.5),
            );
            println!(
                "{what:<44} median {:>9.1} ms   bare {:>8.1} ms   ratio {:>5.1}",
                ms(m),
                ms(b),
                m.as_secs_f64() / b.as_secs_f64().max(1e-9)
            );
        };
        println!(
            "PDF of {:.1} MB, {runs} runs",
            pdf.len() as f64 / 1_048_576.0
        );
        report("upload (POST /files, both stores)", &up, &bare_up);
        report("first view (GET /files, checksum)", &view, &bare_view);

        // A CT series: `images` files of 512×512 16-bit, uploaded one after another as the
        // browser does, then read back in order.
        let files: Vec<Vec<u8>> = (1..=images).map(|i| ct(i, 1, 512, 1, true)).collect();
        let total: usize = files.iter().map(Vec::len).sum();
        let start = Instant::now();
        let mut ids = Vec::new();
        for f in &files {
            let res = doctor
                .post_bytes(
                    &format!("/patients/{pid}/files"),
                    f.clone(),
                    "application/dicom",
                )
                .await;
            assert_eq!(res.status.as_u16(), 201, "{}", res.body);
            ids.push(res.body["file_id"].as_str().unwrap().to_string());
        }
        let series_up = start.elapsed();
        let start = Instant::now();
        for (i, f) in files.iter().enumerate() {
            bare_store(&dirs, &format!("ct-{i}"), f);
        }
        let series_bare_up = start.elapsed();
        let start = Instant::now();
        let (status, first) = doctor.get_bytes(&format!("/files/{}", ids[0])).await;
        let first_image = start.elapsed();
        assert_eq!(status.as_u16(), 200);
        let start = Instant::now();
        for id in &ids[1..] {
            let (status, _) = doctor.get_bytes(&format!("/files/{id}")).await;
            assert_eq!(status.as_u16(), 200);
        }
        let rest = start.elapsed();
        let start = Instant::now();
        for i in 0..files.len() {
            std::fs::read(dirs[0].join("bench-baseline").join(format!("ct-{i}"))).unwrap();
        }
        let series_bare_view = start.elapsed();
        println!(
            "CT series: {images} images, {:.1} MB",
            total as f64 / 1_048_576.0
        );
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{:<44} total {:>9.1} ms   bare {:>8.1} ms   ratio {:>5.1}",
            "upload of the series (one POST per image)",
            ms(series_up),
            ms(series_bare_up),
            ratio(series_up, series_bare_up)
        );
        println!(
            "{:<44} first {:>9.1} ms   all {:>9.1} ms   bare all {:>8.1} ms   ratio {:>5.1}",
            "read back (GET /files)",
            ms(first_image),
            ms(first_image + rest),
            ms(series_bare_view),
            ratio(first_image + rest, series_bare_view)
        );

        // The viewer's work on the first image and on every image, natively.
        let start = Instant::now();
        let mut shown = 0usize;
        for bytes in [&first].into_iter().chain(files.iter().skip(1)) {
            let dicom = shared::dicom::Dicom::parse(bytes).expect("a readable CT image");
            let frame = dicom.frame(0).expect("a decodable frame");
            if let shared::dicom::Frame::Gray { values, invert, .. } = frame {
                let gray = shared::dicom::window_level(&values, 40.0, 400.0, invert);
                shown += gray.len();
            }
            if shown == 512 * 512 {
                println!(
                    "{:<44} {:>9.2} ms",
                    "viewer: first image parsed, decoded, windowed",
                    ms(start.elapsed())
                );
            }
        }
        let decode = start.elapsed();
        let start = Instant::now();
        let mut copied = 0usize;
        for bytes in &files {
            let pixels = bytes[bytes.len() - 512 * 512 * 2..].to_vec();
            copied += std::hint::black_box(pixels).len();
        }
        let bare_decode = start.elapsed();
        assert_eq!(shown, 512 * 512 * images as usize);
        assert!(copied > 0);
        println!(
            "{:<44} total {:>9.1} ms   bare {:>8.1} ms   ratio {:>5.1}",
            "viewer: every image (native shared::dicom)",
            ms(decode),
            ms(bare_decode),
            ratio(decode, bare_decode)
        );
        println!(
            "peak resident set of this process (server, client, data): {:.0} MB",
            peak_rss_kib() as f64 / 1024.0
        );
        for dir in &dirs {
            let _ = std::fs::remove_dir_all(dir.join("bench-baseline"));
        }

        if !karte_tests::dist_dir().join("index.html").is_file() {
            println!(
                "browser first view: skipped (the app is not built; scripts/bench-files builds it)"
            );
            return;
        }
        // Attachments for the files above, and the two small ones the browser figures compare
        // against (a separate series).
        let attach = |file: String, title: String| {
            let doctor = &doctor;
            let pid = pid.clone();
            async move {
                let res = doctor
                    .post(
                        &format!("/patients/{pid}/attachments"),
                        &serde_json::json!({"base_version": 0, "file_id": file, "kind": "imaging",
                                            "title": title, "taken_on": "2026-12-04"}),
                    )
                    .await;
                assert_eq!(res.status.as_u16(), 201, "{}", res.body);
            }
        };
        let upload = |bytes: Vec<u8>, kind: &'static str| {
            let doctor = &doctor;
            let pid = pid.clone();
            async move {
                let res = doctor
                    .post_bytes(&format!("/patients/{pid}/files"), bytes, kind)
                    .await;
                assert_eq!(res.status.as_u16(), 201, "{}", res.body);
                res.body["file_id"].as_str().unwrap().to_string()
            }
        };
        let big = upload(pdf.clone(), "application/pdf").await;
        attach(big, "計測 大PDF".into()).await;
        let small = upload(pdf_of_size(2048, "KAKUU SMALL"), "application/pdf").await;
        attach(small, "計測 小PDF".into()).await;
        for (i, id) in ids.iter().enumerate() {
            attach(id.clone(), format!("計測 CT {:03}", i + 1)).await;
        }
        let one = upload(ct(1, 9, 64, 1, true), "application/dicom").await;
        attach(one, "計測 小CT".into()).await;

        let browser = karte_tests::browser::Browser::start(1280, 900)
            .await
            .expect("headless Chromium (scripts/bench-files installs it)");
        let result = async {
            let b = &browser;
            let c = &browser.client;
            browser
                .sign_in(&app.base_url, "1319999971", "ishi", "bench-doctor-pass-2026")
                .await?;
            c.goto(&format!("{}/patients/{pid}/chart?tab=files", app.base_url))
                .await?;
            browser.by_testid("attachment-row").await?;
            // Click the row titled `title`, then wait for `drawn` (JS returning true).
            let first_view = |title: &'static str, drawn: &'static str, close: &'static str| async move {
                let rows = c
                    .find_all(fantoccini::Locator::Css("[data-testid='attachment-row']"))
                    .await?;
                let mut target = None;
                for row in rows {
                    if row.text().await?.contains(title) {
                        target = Some(row);
                        break;
                    }
                }
                let row = target.ok_or_else(|| anyhow::anyhow!("no row {title}"))?;
                let open = row
                    .find(fantoccini::Locator::Css("[data-testid='attachment-open']"))
                    .await?;
                let start = Instant::now();
                open.click().await?;
                loop {
                    if c.execute(drawn, vec![]).await?.as_bool() == Some(true) {
                        break;
                    }
                    anyhow::ensure!(start.elapsed() < Duration::from_secs(60), "{title} not drawn");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let took = start.elapsed();
                b.click(close).await?;
                anyhow::Ok(took)
            };
            const PDF_DRAWN: &str = "const c = document.querySelector('[data-testid=pdf-canvas]'); \
                if (!c || c.width < 300) return false; \
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height / 4).data; \
                for (let i = 0; i < d.length; i += 4) { if (d[i] < 128) return true; } return false;";
            const CT_DRAWN: &str = "const c = document.querySelector('[data-testid=dicom-canvas]'); \
                if (!c || c.width < 64) return false; \
                const d = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data; \
                return d[0] > 0;";
            // The first PDF opened loads PDF.js; the first DICOM file the DICOM module.
            let cold_pdf = first_view("計測 小PDF", PDF_DRAWN, "pdf-close").await?;
            let cold_ct = first_view("計測 小CT", CT_DRAWN, "dicom-close").await?;
            let (mut big_pdf, mut small_pdf, mut big_ct, mut small_ct) = (vec![], vec![], vec![], vec![]);
            for _ in 0..3 {
                big_pdf.push(first_view("計測 大PDF", PDF_DRAWN, "pdf-close").await?);
                small_pdf.push(first_view("計測 小PDF", PDF_DRAWN, "pdf-close").await?);
                big_ct.push(first_view("計測 CT 001", CT_DRAWN, "dicom-close").await?);
                small_ct.push(first_view("計測 小CT", CT_DRAWN, "dicom-close").await?);
            }
            println!(
                "browser, first use (viewer loaded): PDF {:.0} ms, DICOM {:.0} ms",
                ms(cold_pdf),
                ms(cold_ct)
            );
            report("browser first view: 20 MB PDF vs 2 KB (page 1)", &big_pdf, &small_pdf);
            report("browser first view: CT 512² vs 64² (image 1)", &big_ct, &small_ct);
            anyhow::Ok(())
        }
        .await;
        browser.close().await;
        result.expect("the browser half of the benchmark");
    });
}
