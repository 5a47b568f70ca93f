//! 画像・文書 in headless Chromium: a nurse adds a photo with the file picker, gives it a title
//! and attaches it; the thumbnail loads from the sandboxed file path; the viewer zooms, rotates
//! and closes with Esc; two photos are compared side by side; a title is changed; a PDF is
//! listed; a web page is refused before it is sent; a retraction takes an attachment off the
//! list. Fictitious people only.

use fantoccini::Locator;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::TestApp;
use serde_json::json;
use shared::api::patients::PatientDetail;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CODE: &str = "1319999944";
const NURSE_PASSWORD: &str = "kasou-nurse-pass-2026";

/// A real 64×48 PNG (a gradient), so the browser draws it.
fn photo(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), 64, 48);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let data: Vec<u8> = (0..48u32)
        .flat_map(|y| (0..64u32).flat_map(move |x| [(x * 4) as u8, (y * 5) as u8, 128]))
        .collect();
    writer.write_image_data(&data).unwrap();
}

async fn wait_for_count(browser: &Browser, css: &str, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = browser.client.find_all(Locator::Css(css)).await?.len();
        if n == count {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "{css}: {n}, expected {count}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Chooses `path` in the file input with `data-testid` (as the file picker would).
async fn choose_file(browser: &Browser, id: &str, path: &Path) -> anyhow::Result<()> {
    let input = browser.by_testid(id).await?;
    let path = std::fs::canonicalize(path)?;
    input.send_keys(&path.display().to_string()).await?;
    Ok(())
}

#[tokio::test]
async fn a_photo_and_a_pdf_are_attached_viewed_and_a_web_page_is_refused() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE, "架空画像画面医院").await;
    let nurse = app
        .staff_session(&admin, &p.code, "kango", "nurse", NURSE_PASSWORD)
        .await
        .1;
    let _ = nurse;
    let clerk = app
        .staff_session(&admin, &p.code, "jimu", "clerk", "kasou-clerk-pass-2026")
        .await
        .1;
    let patient: PatientDetail = clerk
        .post("/patients", &json!({"name": "架空 写真", "kana": "カクウ シャシン", "sex": "female", "birth_date": "1970-07-07", "confirm_duplicate": true}))
        .await
        .json();
    let dir: PathBuf = karte_tests::target_dir()
        .join("test-files")
        .join(format!("browser-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo_path = dir.join("右前腕_皮疹.png");
    photo(&photo_path);
    let second_path = dir.join("右前腕_皮疹_前回.png");
    photo(&second_path);
    let pdf_path = dir.join("紹介状.pdf");
    std::fs::write(
        &pdf_path,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();
    let page_path = dir.join("photo.png.html");
    std::fs::write(&page_path, b"<html><script>alert(1)</script></html>").unwrap();

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, CODE, "kango", NURSE_PASSWORD)
            .await?;
        c.goto(&format!(
            "{}/patients/{}/chart?tab=files",
            app.base_url, patient.patient_id
        ))
        .await?;
        browser.by_testid("drop-zone").await?;

        // The photo: picked, sent, titled from its name, attached.
        choose_file(&browser, "attach-file", &photo_path).await?;
        browser.by_testid("attach-form").await?;
        let title = browser
            .by_testid("attach-title")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(title == "右前腕_皮疹", "title from the name: {title}");
        browser.fill("attach-title", "右前腕 皮疹").await?;
        browser.click("attach-save").await?;
        wait_for_count(&browser, "[data-testid='attachment-row']", 1).await?;
        browser
            .wait_for_text("attachment-list", "右前腕 皮疹")
            .await?;
        // The thumbnail is drawn from the file path (sandboxed download, still an image).
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let width = c
                .execute(
                    "const i = document.querySelector('img.thumb'); return i ? i.naturalWidth : 0;",
                    vec![],
                )
                .await?;
            if width.as_u64() == Some(64) {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "thumbnail not drawn: {width}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser.screenshot("90-attachments-list").await?;

        // The viewer: zoom, rotate, brightness; Esc closes.
        browser.click("attachment-open").await?;
        browser.by_testid("image-viewer").await?;
        browser.click("viewer-zoom-in").await?;
        browser.click("viewer-zoom-in").await?;
        browser.wait_for_text("viewer-scale", "156%").await?;
        browser.click("viewer-rotate").await?;
        let transform = browser
            .by_testid("viewer-image")
            .await?
            .attr("style")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(
            transform.contains("scale(1.5625)") && transform.contains("rotate(90deg)"),
            "{transform}"
        );
        browser.screenshot("91-image-viewer").await?;
        browser.press('\u{e00c}').await?; // Escape
        wait_for_count(&browser, "[data-testid='image-viewer']", 0).await?;

        // A second photo of an earlier date; the two side by side, older on the left.
        choose_file(&browser, "attach-file", &second_path).await?;
        browser.by_testid("attach-form").await?;
        browser.fill("attach-taken-on", "R8.11.20").await?;
        browser.click("attach-save").await?;
        wait_for_count(&browser, "[data-testid='attachment-row']", 2).await?;
        for check in c
            .find_all(Locator::Css("[data-testid='attachment-compare']"))
            .await?
        {
            check.click().await?;
        }
        browser.click("compare-open").await?;
        wait_for_count(&browser, "[data-testid='viewer-image']", 2).await?;
        let captions = browser.by_testid("image-viewer").await?.text().await?;
        let (older, newer) = (
            captions.find("2026-11-20").unwrap_or(usize::MAX),
            captions.find("2026-12-").unwrap_or(0),
        );
        anyhow::ensure!(older < newer, "older on the left: {captions}");
        browser.screenshot("92-image-compare").await?;
        browser.click("viewer-close").await?;
        wait_for_count(&browser, "[data-testid='image-viewer']", 0).await?;

        // The title changed (a new version, with a reason), typed key by key: the form keeps
        // the cursor while it is typed in.
        let edit = c
            .find_all(Locator::Css("[data-testid='attachment-edit']"))
            .await?;
        edit[0].click().await?;
        browser
            .fill("attach-title", "Rt forearm rash (day 1)")
            .await?;
        browser
            .fill("attach-reason", "title in English for the referral")
            .await?;
        let typed = browser
            .by_testid("attach-title")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(typed == "Rt forearm rash (day 1)", "typed: {typed}");
        browser.click("attach-save").await?;
        browser
            .wait_for_text("attachment-list", "Rt forearm rash (day 1)")
            .await?;
        wait_for_count(&browser, "[data-testid='attach-form']", 0).await?;

        // A PDF: listed with its kind.
        choose_file(&browser, "attach-file", &pdf_path).await?;
        browser.by_testid("attach-form").await?;
        browser.click("attach-save").await?;
        wait_for_count(&browser, "[data-testid='attachment-row']", 3).await?;
        browser.wait_for_text("attachment-list", "紹介状").await?;
        // It is no real PDF (a header and nothing else): the viewer says so and closes.
        let opens = c
            .find_all(Locator::Css("[data-testid='attachment-open']"))
            .await?;
        for open in opens {
            if open.text().await?.contains("PDF") {
                open.click().await?;
                break;
            }
        }
        browser
            .wait_for_text("pdf-error", "このPDFを表示できません")
            .await?;
        browser.click("pdf-close").await?;
        wait_for_count(&browser, "[data-testid='pdf-viewer']", 0).await?;

        // A web page named like a photo: refused here, nothing sent.
        choose_file(&browser, "attach-file", &page_path).await?;
        browser.wait_for_text("attach-error", "Webページ").await?;

        // Retracted with a reason: off the list.
        let retract = c
            .find_all(Locator::Css("[data-testid='attachment-retract']"))
            .await?;
        retract[0].click().await?;
        browser.fill("retract-reason", "別の患者の写真").await?;
        browser.click("retract-save").await?;
        wait_for_count(&browser, "[data-testid='attachment-row']", 2).await?;
        let errors = browser.console_errors().await?;
        anyhow::ensure!(errors.is_empty(), "console errors: {errors:?}");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
    // Three files stored, one upload refused before it was sent (no fourth).
    let audit = admin.get("/logs/audit?action=file_store").await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(3),
        "{}",
        audit.body
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// 文書: a doctor starts a 診療情報提供書 from the chart (the diagnosis is in it), writes the
/// addressee and purpose, finalises it, and the PDF it made opens from the version's link.
#[tokio::test]
async fn a_referral_letter_is_written_finalised_and_its_pdf_opens() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999945", "架空文書画面医院").await;
    let doctor = app
        .staff_session(&admin, &p.code, "ishi", "doctor", "kasou-doctor-pass-2026")
        .await
        .1;
    let patient: PatientDetail = doctor
        .post("/patients", &json!({"name": "架空 紹介", "kana": "カクウ ショウカイ", "sex": "male", "birth_date": "1960-01-15", "confirm_duplicate": true}))
        .await
        .json();
    let res = doctor
        .post(
            &format!("/patients/{}/diagnoses", patient.patient_id),
            &json!({"free_name": "架空性狭心症", "is_main": true, "start_date": "2026-10-01"}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(
                &app.base_url,
                "1319999945",
                "ishi",
                "kasou-doctor-pass-2026",
            )
            .await?;
        c.goto(&format!(
            "{}/patients/{}/chart?tab=documents",
            app.base_url, patient.patient_id
        ))
        .await?;
        browser.click("new-referral").await?;
        browser.by_testid("doc-editor").await?;
        let diagnoses = browser
            .by_testid("doc-diagnoses")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(
            diagnoses.contains("架空性狭心症（主病）"),
            "filled from the chart: {diagnoses}"
        );
        browser.fill("doc-to_institution", "架空総合病院").await?;
        browser.fill("doc-to_department", "循環器内科").await?;
        browser.fill("doc-purpose", "冠動脈精査のお願い").await?;
        // Another tab and back, unsaved: the text typed is kept in this browser and comes back.
        browser.click("tab-note").await?;
        browser.click("tab-documents").await?;
        browser.click("doc-row").await?;
        browser.wait_for_text("doc-status", "戻しました").await?;
        let purpose = browser
            .by_testid("doc-purpose")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(purpose == "冠動脈精査のお願い", "kept: {purpose}");
        browser.screenshot("93-referral-editor").await?;
        browser.click("doc-finalize").await?;
        browser
            .wait_for_text("doc-status", "第1版を確定しました")
            .await?;
        browser.wait_for_text("doc-state", "確定 第1版").await?;
        // The version's PDF: fetched as the link opens it (the browser's viewer prints it).
        let href = browser
            .by_testid("doc-pdf-1")
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        let answer = c
            .execute_async(
                "const [href, done] = arguments; fetch(href).then(async r => done([r.status, \
                 r.headers.get('content-type'), r.headers.get('content-disposition'), \
                 new TextDecoder().decode((await r.arrayBuffer()).slice(0, 8))]))",
                vec![json!(href)],
            )
            .await?;
        anyhow::ensure!(answer[0] == 200, "{answer}");
        anyhow::ensure!(answer[1] == "application/pdf", "{answer}");
        anyhow::ensure!(
            answer[2].as_str().is_some_and(|d| d.starts_with("inline")),
            "{answer}"
        );
        anyhow::ensure!(answer[3] == "%PDF-1.7", "{answer}");
        browser.screenshot("94-referral-finalised").await?;

        // The PDF viewer (PDF.js, loaded now for the first time): the page drawn, zoom, the
        // thumbnail, text search.
        browser.click("doc-view-1").await?;
        browser.by_testid("pdf-viewer").await?;
        browser.wait_for_text("pdf-page", "1 / 1").await?;
        let drawn = |min: f64| {
            format!(
                "const c = document.querySelector('[data-testid=pdf-canvas]');                  if (!c || c.width < {min}) return 0;                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;                  let dark = 0; for (let i = 0; i < d.length; i += 4) {{ if (d[i] < 128) dark++; }}                  return dark;"
            )
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let dark = c.execute(&drawn(500.0), vec![]).await?;
            if dark.as_u64().unwrap_or(0) > 500 {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "the page is not drawn: {dark}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let width = |c: &fantoccini::Client| {
            let c = c.clone();
            async move {
                c.execute(
                    "return document.querySelector('[data-testid=pdf-canvas]').style.width",
                    vec![],
                )
                .await
            }
        };
        let before = width(c).await?;
        browser.click("pdf-zoom-in").await?;
        browser.wait_for_text("pdf-scale", "125%").await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let after = width(c).await?;
            if after != before {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "zoom did not redraw: {before}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        wait_for_count(&browser, "[data-testid='pdf-thumbs'] canvas", 1).await?;
        browser.fill("pdf-query", "冠動脈精査").await?;
        browser.click("pdf-search").await?;
        browser.wait_for_text("pdf-hits", "1ページ（1件）").await?;
        browser.fill("pdf-query", "存在しない語句").await?;
        browser.click("pdf-search").await?;
        browser.wait_for_text("pdf-hits", "見つかりません").await?;
        browser.screenshot("95-pdf-viewer").await?;
        browser.press('\u{e00c}').await?; // Escape

        wait_for_count(&browser, "[data-testid='pdf-viewer']", 0).await?;
        let errors = browser.console_errors().await?;
        anyhow::ensure!(errors.is_empty(), "console errors: {errors:?}");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
    // Two outputs: the file fetched as its link opens it, and the viewer's read.
    let audit = admin.get("/logs/audit?action=document_output").await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(2),
        "{}",
        audit.body
    );
}

/// A synthetic 16×16 CT export of `frames` 8-bit frames (frame k: value 16·x + k), 0.5 mm
/// pixels, for a fictitious patient.
fn dicom_ct(instance: u32, frames: u32) -> Vec<u8> {
    karte_tests::samples::ct(instance, 1, 16, frames, false)
}

/// 画像検査: two DICOM files of one day open as one series in the DICOM viewer (its module
/// loaded now); the wheel and arrow keys scroll through every frame of both; the window moves;
/// two clicks measure in mm.
#[tokio::test]
async fn a_dicom_series_scrolls_windows_and_measures() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999946", "架空画像検査医院").await;
    let doctor = app
        .staff_session(&admin, &p.code, "ishi", "doctor", "kasou-doctor-pass-2026")
        .await
        .1;
    let patient: PatientDetail = doctor
        .post("/patients", &json!({"name": "架空 次郎", "kana": "カクウ ジロウ", "sex": "male", "birth_date": "1955-02-02", "confirm_duplicate": true}))
        .await
        .json();
    for (instance, frames) in [(1u32, 3u32), (2, 1)] {
        let res = doctor
            .post_bytes(
                &format!("/patients/{}/files", patient.patient_id),
                dicom_ct(instance, frames),
                "application/dicom",
            )
            .await;
        assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
        let file: shared::api::attachments::StoredFile = res.json();
        let res = doctor
            .post(
                &format!("/patients/{}/attachments", patient.patient_id),
                &json!({"base_version": 0, "file_id": file.file_id, "kind": "imaging",
                        "title": format!("胸部CT {instance:03}"), "taken_on": "2026-12-04"}),
            )
            .await;
        assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    }

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, "1319999946", "ishi", "kasou-doctor-pass-2026")
            .await?;
        c.goto(&format!(
            "{}/patients/{}/chart?tab=files",
            app.base_url, patient.patient_id
        ))
        .await?;
        wait_for_count(&browser, "[data-testid='attachment-row']", 2).await?;
        let rows = c
            .find_all(Locator::Css("[data-testid='attachment-row']"))
            .await?;
        for row in rows {
            if row.text().await?.contains("胸部CT 001") {
                row.find(Locator::Css("[data-testid='attachment-open']"))
                    .await?
                    .click()
                    .await?;
                break;
            }
        }
        browser.by_testid("dicom-viewer").await?;
        browser.wait_for_text("dicom-info", "KAKUU JIRO").await?;
        browser.wait_for_text("dicom-position", "1 / 2 ・ 1 / 3").await?;
        let pixel = |x: u32| {
            format!(
                "const c = document.querySelector('[data-testid=dicom-canvas]'); \
                 if (!c || c.width !== 16) return -1; \
                 return c.getContext('2d').getImageData({x}, 0, 1, 1).data[0];"
            )
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = c.execute(&pixel(15), vec![]).await?;
            if v.as_i64().unwrap_or(-1) > 0 {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "the image is not drawn: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Scroll: the frames of the first file, then the second file.
        for expected in ["1 / 2 ・ 2 / 3", "1 / 2 ・ 3 / 3", "2 / 2 ・ 1 / 1"] {
            browser.press('\u{e015}').await?; // ArrowDown
            browser.wait_for_text("dicom-position", expected).await?;
        }
        browser.press('\u{e013}').await?; // ArrowUp
        browser.wait_for_text("dicom-position", "1 / 2 ・ 3 / 3").await?;
        // The window: a narrow one makes the left half black and the right half white.
        let before = c.execute(&pixel(6), vec![]).await?;
        c.execute(
            "for (const [id, v] of [['dicom-center', '128'], ['dicom-width', '2']]) { \
               const e = document.querySelector(`[data-testid=${id}]`); e.value = v; \
               e.dispatchEvent(new Event('input', {bubbles: true})); }",
            vec![],
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (dark, light) = (c.execute(&pixel(6), vec![]).await?, c.execute(&pixel(9), vec![]).await?);
        anyhow::ensure!(
            dark.as_i64() == Some(0) && light.as_i64() == Some(255) && before != dark,
            "window: before {before}, after {dark} / {light}"
        );
        // Measure corner to corner: 16 pixels of 0.5 mm, about 11 mm.
        browser.click("dicom-measure").await?;
        c.execute(
            "const c = document.querySelector('[data-testid=dicom-canvas]'); \
             const r = c.getBoundingClientRect(); \
             for (const [x, y] of [[r.left + 1, r.top + 1], [r.right - 1, r.bottom - 1]]) { \
               c.dispatchEvent(new MouseEvent('click', {clientX: x, clientY: y, bubbles: true})); }",
            vec![],
        )
        .await?;
        let text = browser.wait_for_text("dicom-distance", "mm").await?;
        let mm: f64 = text.trim_end_matches(" mm").trim().parse().unwrap_or(0.0);
        anyhow::ensure!((10.0..=11.4).contains(&mm), "distance: {text}");
        browser.screenshot("96-dicom-viewer").await?;
        browser.press('\u{e00c}').await?; // Escape
        wait_for_count(&browser, "[data-testid='dicom-viewer']", 0).await?;
        let errors = browser.console_errors().await?;
        anyhow::ensure!(errors.is_empty(), "console errors: {errors:?}");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
}
