//! カルテ in headless Chromium: write a note, lose the server while typing, get it back and
//! finalise; amend and see the history and the diff; two browsers on one note are shown both
//! texts; vitals and labs entered appear on the 温度板 and the trend chart; the print view.

use fantoccini::Locator;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::{ApiClient, TestApp};
use serde_json::json;
use shared::api::patients::PatientDetail;
use std::time::{Duration, Instant};

const DOCTOR_PASSWORD: &str = "kasou-doctor-pass-2026";
const NURSE_PASSWORD: &str = "kasou-nurse-pass-2026";

async fn clinic(app: &TestApp, code: &str) -> (ApiClient, ApiClient, PatientDetail) {
    let (p, admin) = app.admin_session(code, "架空カルテ画面医院").await;
    let doctor = app
        .staff_session(&admin, &p.code, "ishi", "doctor", DOCTOR_PASSWORD)
        .await
        .1;
    app.staff_session(&admin, &p.code, "kango", "nurse", NURSE_PASSWORD)
        .await;
    let patient: PatientDetail = doctor
        .post("/patients", &json!({"name": "架空 診療", "kana": "カクウ シンリョウ", "sex": "male", "birth_date": "1960-02-02", "confirm_duplicate": true}))
        .await
        .json();
    (admin, doctor, patient)
}

/// The value of the input or text area with `data-testid`.
async fn value_of(browser: &Browser, id: &str) -> anyhow::Result<String> {
    Ok(browser
        .by_testid(id)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Waits until `count` elements match the CSS selector.
async fn wait_for_count(browser: &Browser, css: &str, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = browser.client.find_all(Locator::Css(css)).await?.len();
        if n == count {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{css}: {n} elements, expected {count}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_note_survives_a_stopped_server_then_is_finalised_amended_and_diffed() {
    require_built_app();
    let mut app = TestApp::spawn().await;
    let (_, _, patient) = clinic(&app, "1319999941").await;
    let browser = Browser::start(1280, 1000).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, "1319999941", "ishi", DOCTOR_PASSWORD)
            .await?;
        c.goto(&format!(
            "{}/patients/{}/chart",
            app.base_url, patient.patient_id
        ))
        .await?;
        browser.wait_for_text("patient-banner", "架空 診療").await?;
        browser.click("new-note").await?;
        browser.by_testid("note-editor").await?;
        browser
            .fill("note-subjective", "3日前から咳と咽頭痛")
            .await?;
        browser.fill("note-objective", "咽頭発赤あり").await?;
        browser
            .wait_for_text("save-state", "下書き保存済み")
            .await?;
        browser.wait_for_text("timeline", "編集中").await?;

        // The server goes away while the doctor types: the screen says so and keeps the text.
        app.stop();
        browser.fill("note-assessment", "急性上気道炎").await?;
        browser.fill("note-plan", "対症療法").await?;
        browser.wait_for_text("save-state", "未送信").await?;
        browser.screenshot("61-note-offline").await?;
        // Back again; the tab is even reloaded before the retry: the text is restored and saved.
        app.restart().await;
        c.refresh().await?;
        browser.by_testid("note-editor").await?;
        browser
            .wait_for_text("save-state", "下書き保存済み")
            .await?;
        assert_eq!(value_of(&browser, "note-assessment").await?, "急性上気道炎");
        assert_eq!(value_of(&browser, "note-plan").await?, "対症療法");

        browser.click("finalize-note").await?;
        browser.wait_for_text("note-status", "確定").await?;
        browser.wait_for_text("timeline", "急性上気道炎").await?;
        browser.screenshot("62-note-final").await?;

        // Amend: a reason, a new version, the old one kept and the difference shown.
        browser.click("amend-note").await?;
        browser.fill("note-assessment", "急性気管支炎").await?;
        browser
            .fill("note-reason", "聴診所見により評価を修正")
            .await?;
        browser
            .wait_for_text("save-state", "下書き保存済み")
            .await?;
        browser.click("finalize-note").await?;
        browser.wait_for_text("note-status", "修正確定").await?;
        wait_for_count(&browser, "[data-testid='note-version']", 2).await?;
        browser
            .wait_for_text("note-versions", "聴診所見により評価を修正")
            .await?;
        browser.click("show-diff").await?;
        browser.wait_for_text("note-diff", "急性気管支炎").await?;
        let removed = browser.by_testid("diff-removed").await?.text().await?;
        assert!(removed.contains("急性上気道炎"), "{removed}");
        browser.screenshot("63-note-history-diff").await?;
        // One visit's print shows both versions, the older one marked.
        browser.click("print-note").await?;
        browser.click("print-prepare").await?;
        browser.wait_for_text("chart-print", "修正前").await?;
        browser
            .wait_for_text("chart-print", "聴診所見により評価を修正")
            .await?;
        browser.wait_for_text("print-banner", "架空 診療").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
}

#[tokio::test]
async fn two_browsers_editing_one_note_are_shown_both_texts() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (_, doctor, patient) = clinic(&app, "1319999942").await;
    let note: serde_json::Value = doctor
        .post(
            &format!("/patients/{}/notes", patient.patient_id),
            &json!({"visit_date": "2026-11-20"}),
        )
        .await
        .body;
    let note_id = note["note_id"].as_str().unwrap().to_string();
    let res = doctor
        .put(
            &format!("/notes/{note_id}/draft"),
            &json!({"base_revision": 0, "base_version": 0, "soap": {"subjective": "", "objective": "", "assessment": "", "plan": ""}}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
    let url = format!(
        "{}/patients/{}/chart?note={note_id}",
        app.base_url, patient.patient_id
    );
    let a = Browser::start(1200, 900).await.expect("browser a");
    let b = Browser::start(1200, 900).await.expect("browser b");
    let result = async {
        a.sign_in(&app.base_url, "1319999942", "ishi", DOCTOR_PASSWORD)
            .await?;
        b.sign_in(&app.base_url, "1319999942", "kango", NURSE_PASSWORD)
            .await?;
        a.client.goto(&url).await?;
        b.client.goto(&url).await?;
        a.by_testid("note-editor").await?;
        b.by_testid("note-editor").await?;
        // Both opened revision 1. The doctor saves first.
        a.fill("note-subjective", "医師：胸痛なし").await?;
        a.wait_for_text("save-state", "下書き保存済み").await?;
        // The nurse's save is based on the old revision: told, and shown both.
        b.fill("note-objective", "看護師：SpO2 96%").await?;
        b.by_testid("note-conflict").await?;
        b.wait_for_text("save-state", "競合").await?;
        let theirs = b.by_testid("conflict-theirs").await?.text().await?;
        let mine = b.by_testid("conflict-mine").await?.text().await?;
        assert!(theirs.contains("医師：胸痛なし"), "{theirs}");
        assert!(mine.contains("看護師：SpO2 96%"), "{mine}");
        b.screenshot("64-note-conflict").await?;
        // She joins both; the doctor's text is kept and hers added.
        b.click("conflict-both").await?;
        b.wait_for_text("save-state", "下書き保存済み").await?;
        assert_eq!(value_of(&b, "note-subjective").await?, "医師：胸痛なし");
        assert_eq!(value_of(&b, "note-objective").await?, "看護師：SpO2 96%");
        let stored: serde_json::Value = doctor.get(&format!("/notes/{note_id}")).await.body;
        assert_eq!(stored["draft"]["soap"]["subjective"], "医師：胸痛なし");
        assert_eq!(stored["draft"]["soap"]["objective"], "看護師：SpO2 96%");
        Ok::<_, anyhow::Error>(())
    }
    .await;
    a.close().await;
    b.close().await;
    result.expect("browser flow");
}

#[tokio::test]
async fn vitals_and_labs_entered_appear_on_the_charts_and_the_print() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (admin, doctor, patient) = clinic(&app, "1319999943").await;
    // Yesterday's vitals, already recorded.
    let yesterday = shared::domain::japanese::format_date(
        (time::OffsetDateTime::now_utc() + time::Duration::hours(9)).date()
            - time::Duration::days(1),
    );
    let res = doctor
        .post(
            &format!("/patients/{}/vitals", patient.patient_id),
            &json!({"measured_at": format!("{yesterday}T09:00"), "temperature": "37.8", "pulse": "88", "systolic": "130", "diastolic": "80"}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    let browser = Browser::start(1024, 1300).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, "1319999943", "kango", NURSE_PASSWORD)
            .await?;
        c.goto(&format!(
            "{}/patients/{}/chart",
            app.base_url, patient.patient_id
        ))
        .await?;
        browser.click("tab-vitals").await?;
        browser.by_testid("temperature-sheet").await?;
        wait_for_count(&browser, "[data-testid='temp-point']", 1).await?;
        // Checked as typed: a fever is a warning, a unit slip an error.
        browser.fill("vital-temperature", "98.6").await?;
        browser
            .wait_for_text("vital-temperature-note", "単位")
            .await?;
        browser.fill("vital-temperature", "38.4").await?;
        browser
            .wait_for_text("vital-temperature-note", "高値")
            .await?;
        browser.fill("vital-pulse", "96").await?;
        browser.fill("vital-systolic", "124").await?;
        browser.fill("vital-diastolic", "78").await?;
        browser.fill("vital-spo2", "97").await?;
        browser.fill("vital-height", "170").await?;
        browser.fill("vital-weight", "65").await?;
        browser.wait_for_text("vital-bmi", "BMI 22.5").await?;
        browser.click("vital-save").await?;
        browser.wait_for_text("vital-warnings", "体温").await?;
        wait_for_count(&browser, "[data-testid='temp-point']", 2).await?;
        wait_for_count(&browser, "[data-testid='pulse-point']", 2).await?;
        wait_for_count(&browser, "[data-testid='bp-bar']", 2).await?;
        wait_for_count(&browser, "[data-testid='vital-row']", 2).await?;
        browser.wait_for_text("vital-table", "38.4").await?;
        // A typing slip is corrected with a reason: the new values replace the old ones in the
        // chart and the table, the old entry stays in the record.
        browser.click("vital-correct").await?;
        browser.fill("vital-temperature", "38.1").await?;
        browser.fill("vital-reason", "入力誤り").await?;
        browser.click("vital-save").await?;
        browser
            .wait_for_text("vital-table", "訂正：入力誤り")
            .await?;
        browser.wait_for_text("vital-table", "38.1").await?;
        wait_for_count(&browser, "[data-testid='vital-row']", 2).await?;
        browser.screenshot("65-temperature-sheet").await?;
        // On a tablet held upright the chart and the table stack, at the screen's width.
        c.set_window_size(820, 1180).await?;
        browser.screenshot("65b-temperature-sheet-tablet").await?;
        c.set_window_size(1024, 1300).await?;
        // Zoom to a week and back a period: yesterday and today are in the week, not before.
        browser.click("period-7").await?;
        wait_for_count(&browser, "[data-testid='temp-point']", 2).await?;
        browser.click("period-back").await?;
        wait_for_count(&browser, "[data-testid='temp-point']", 0).await?;
        browser.click("period-forward").await?;
        wait_for_count(&browser, "[data-testid='temp-point']", 2).await?;

        // Lab results: two HbA1c values make a trend, the high one flagged.
        browser.click("tab-labs").await?;
        for value in ["6.0", "7.1"] {
            browser.fill("lab-item_name", "HbA1c").await?;
            browser.fill("lab-value", value).await?;
            browser.fill("lab-unit", "%").await?;
            browser.fill("lab-reference_low", "4.6").await?;
            browser.fill("lab-reference_high", "6.2").await?;
            browser.click("lab-save").await?;
            browser.wait_for_text("lab-table", value).await?;
        }
        wait_for_count(&browser, "[data-testid='lab-point']", 2).await?;
        wait_for_count(&browser, "tr.flagged[data-testid='lab-row']", 1).await?;
        browser.screenshot("66-lab-trend").await?;

        // The print: the banner on the document, the values as tables; recorded in the audit log.
        browser.click("open-print").await?;
        browser.click("print-prepare").await?;
        browser.by_testid("chart-print").await?;
        browser.wait_for_text("print-banner", "架空 診療").await?;
        browser.wait_for_text("chart-print", "38.1").await?;
        browser.wait_for_text("chart-print", "HbA1c").await?;
        browser.screenshot("67-chart-print").await?;
        // The same print kept as a PDF, in the app's PDF viewer, its text searchable.
        browser.click("print-pdf").await?;
        browser.by_testid("pdf-viewer").await?;
        browser.wait_for_text("pdf-page", "1 / ").await?;
        browser.fill("pdf-query", "HbA1c").await?;
        browser.click("pdf-search").await?;
        browser.wait_for_text("pdf-hits", "1ページ").await?;
        browser.screenshot("67b-chart-print-pdf").await?;
        browser.click("pdf-close").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
    // Preparing the print on screen and making its PDF: each recorded.
    let audit = admin.get("/logs/audit?action=chart_print").await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(2),
        "{}",
        audit.body
    );
    let made = admin.get("/logs/audit?action=print_create").await;
    assert_eq!(made.body["entries"].as_array().map(Vec::len), Some(1));
}

/// The 傷病名 picker searches the browser's own copy of the masters: it keeps finding names
/// with the server stopped, and after a reload the copy comes from IndexedDB.
#[tokio::test]
async fn the_disease_picker_searches_the_local_copy_of_the_masters() {
    require_built_app();
    let mut app = TestApp::spawn().await;
    let demo = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/masters-demo"
    ));
    karte_server::cli::import_master_files(
        &app.owner_pool().await,
        &[demo.join("b_20240601.csv"), demo.join("z_20240601.csv")],
    )
    .await
    .expect("demo 傷病名 and 修飾語");
    let (_, _, patient) = clinic(&app, "1319999944").await;
    let browser = Browser::start(1200, 1000).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, "1319999944", "ishi", DOCTOR_PASSWORD)
            .await?;
        let chart = format!("{}/patients/{}/chart", app.base_url, patient.patient_id);
        c.goto(&chart).await?;
        browser.click("tab-diagnoses").await?;
        browser
            .wait_for_text("master-status", "端末に保存済み")
            .await?;
        browser.wait_for_text("master-status", "32件").await?;

        app.stop();
        browser.fill("dx-query", "コウケツ").await?;
        browser.wait_for_text("dx-hits", "高血圧症").await?;
        browser.screenshot("68-disease-picker-offline").await?;

        app.restart().await;
        c.goto(&chart).await?;
        browser.wait_for_text("patient-banner", "架空 診療").await?;
        app.stop();
        browser.click("tab-diagnoses").await?;
        browser.wait_for_text("master-status", "オフライン").await?;
        browser.fill("dx-query", "キカンシ").await?;
        browser.wait_for_text("dx-hits", "気管支喘息").await?;
        app.restart().await;
        // The shared rules (shared::domain::diagnosis) check as the doctor types.
        browser.fill("dx-free", &"あ".repeat(101)).await?;
        browser.wait_for_text("dx-check", "長すぎます").await?;
        // Free text that is a coded name: the code is offered, and taken with one click.
        browser.fill("dx-free", "急性上気道炎").await?;
        browser.wait_for_text("dx-suggest", "4659007").await?;
        browser.click("dx-suggest-pick").await?;
        browser.wait_for_text("dx-preview", "急性上気道炎").await?;
        // Anywhere in the name, and by ICD-10.
        browser.fill("dx-query", "上気道炎").await?;
        browser.wait_for_text("dx-hits", "急性上気道炎").await?;
        browser.fill("dx-query", "J06").await?;
        browser.wait_for_text("dx-hits", "急性上気道炎").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
}

/// Tablets (768×1024 and 1024×768): every control of 受付一覧, the patient's page and the
/// chart's forms is at least 44 px high, measured in the page; in one column the chart's
/// timeline scrolls with the page instead of covering the tabs. Each role starts on its list:
/// the nurse on 診察待ち, and without 会計. Screenshots of 受付 and the chart at 768×1024 and
/// 1280×800 are kept (target/screenshots).
#[tokio::test]
async fn tablets_get_touch_sized_controls_and_each_role_starts_on_its_list() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (_, doctor, patient) = clinic(&app, "1319999945").await;
    // One patient waiting to be seen, another waiting to pay.
    let other: PatientDetail = doctor
        .post("/patients", &json!({"name": "架空 会計待", "kana": "カクウ カイケイマチ", "sex": "female", "birth_date": "1975-05-05", "confirm_duplicate": true}))
        .await
        .json();
    for p in [&patient, &other] {
        let res = doctor
            .post(
                "/receptions",
                &json!({"patient_id": p.patient_id, "department": "内科"}),
            )
            .await;
        assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    }
    let queue: Vec<shared::api::reception::ReceptionEntry> = doctor.get("/receptions").await.json();
    let mut paying = queue
        .into_iter()
        .find(|e| e.patient_id == other.patient_id)
        .expect("checked in");
    for to in ["in_consultation", "waiting_payment"] {
        let list: Vec<shared::api::reception::ReceptionEntry> = doctor
            .post(
                &format!("/receptions/{}/status", paying.reception_id),
                &json!({"to": to, "base_version": paying.version}),
            )
            .await
            .json();
        paying = list
            .into_iter()
            .find(|e| e.reception_id == paying.reception_id)
            .expect("moved");
    }
    // A 感染症 on the patient's alert list: every screen about her says so.
    let res = doctor
        .post(
            &format!("/patients/{}/allergies", patient.patient_id),
            &json!({"kind": "infection", "substance": "HBs抗原陽性", "severity": "unknown", "source": "referral"}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    let browser = Browser::start(768, 1024).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, "1319999945", "kango", NURSE_PASSWORD)
            .await?;
        // The nurse starts on the patients to be seen.
        browser.wait_for_path("/reception").await?;
        anyhow::ensure!(
            c.current_url().await?.query() == Some("show=exam"),
            "the nurse's list: {}",
            c.current_url().await?
        );
        browser
            .wait_for_text("reception-table", "架空 診療")
            .await?;
        let rows = browser.by_testid("reception-table").await?.text().await?;
        anyhow::ensure!(!rows.contains("架空 会計待"), "診察待ち only: {rows}");
        c.goto(&format!("{}/reception?show=all", app.base_url))
            .await?;
        browser
            .wait_for_text("reception-table", "架空 会計待")
            .await?;
        anyhow::ensure!(
            c.find_all(Locator::Css("[data-testid='reception-bill']"))
                .await?
                .is_empty(),
            "会計 is not the nurses'"
        );
        let browser = &browser;
        let measure = |what: &'static str| async move {
            let small = browser.small_controls().await?;
            anyhow::ensure!(small.is_empty(), "{what}: controls under 44 px: {small:?}");
            anyhow::Ok(())
        };
        for (width, height) in [(768u32, 1024u32), (1024, 768)] {
            c.set_window_size(width, height).await?;
            let size = format!("{width}x{height}");
            c.goto(&format!("{}/reception?show=all", app.base_url))
                .await?;
            browser
                .wait_for_text("reception-table", "架空 会計待")
                .await?;
            measure("受付一覧").await?;
            browser.screenshot(&format!("60-reception-{size}")).await?;
            c.goto(&format!("{}/patients/{}", app.base_url, patient.patient_id))
                .await?;
            browser.wait_for_text("patient-banner", "架空 診療").await?;
            browser
                .wait_for_text("banner-infections", "感染症 HBs抗原陽性")
                .await?;
            browser
                .wait_for_text("banner-allergies", "アレルギー・禁忌 登録なし")
                .await?;
            browser.by_testid("insurance-table").await?;
            measure("患者").await?;
            c.goto(&format!(
                "{}/patients/{}/chart",
                app.base_url, patient.patient_id
            ))
            .await?;
            browser.click("tab-vitals").await?;
            browser.by_testid("vital-save").await?;
            measure("バイタル").await?;
            browser
                .screenshot(&format!("61-chart-vitals-{size}"))
                .await?;
            if width < 900 {
                // One column: the timeline is in the page's flow, not stuck over the forms.
                let position = c
                    .execute(
                        "return getComputedStyle(document.querySelector('.timeline')).position",
                        vec![],
                    )
                    .await?;
                anyhow::ensure!(position.as_str() == Some("static"), "timeline {position}");
            }
        }
        // The desktop view of the same screens, for the record.
        c.set_window_size(1280, 800).await?;
        c.goto(&format!("{}/reception?show=all", app.base_url))
            .await?;
        browser
            .wait_for_text("reception-table", "架空 会計待")
            .await?;
        browser.screenshot("60-reception-1280x800").await?;
        c.goto(&format!(
            "{}/patients/{}/chart",
            app.base_url, patient.patient_id
        ))
        .await?;
        browser.click("tab-vitals").await?;
        browser.by_testid("vital-save").await?;
        browser.screenshot("61-chart-vitals-1280x800").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-tablet").await;
    }
    browser.close().await;
    result.expect("tablet flow");
}
