//! Browser end-to-end: headless Chromium over WebDriver, over HTTPS against the real server.
//! Screenshots of each key screen go to `target/screenshots/`.

use fantoccini::key::Key;
use fantoccini::Locator;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::TestApp;

/// An administrator's first day: sign in with the one-time password (keyboard only), change
/// it, see the shell, create a user, sign out.
#[tokio::test]
async fn administrator_signs_in_changes_password_creates_a_user_and_signs_out() {
    require_built_app();
    let app = TestApp::spawn().await;
    let p = app.provision("1319999903", "架空ブラウザ診療所").await;
    let browser = Browser::start(1280, 800).await.expect("browser");
    let result = async {
        let c = &browser.client;
        c.goto(&format!("{}/", app.base_url)).await?;
        // Not signed in: the shell sends us to the login page.
        browser.wait_for_path("/login").await?;
        browser.by_testid("login-form").await?;
        browser.screenshot("01-login").await?;
        // Nothing on the sign-in page logs an error (no refused request, no missing icon).
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let errors = browser.console_errors().await?;
        anyhow::ensure!(errors.is_empty(), "console errors: {errors:?}");

        // Keyboard only: type, Tab between fields, Enter to submit.
        browser.fill("institution_code", &p.code).await?;
        let code = browser.by_testid("institution_code").await?;
        code.send_keys(&format!(
            "{}admin{}{}",
            Key::Tab,
            Key::Tab,
            p.admin_password
        ))
        .await?;
        let password = browser.by_testid("password").await?;
        password.send_keys(&Key::Enter.to_string()).await?;

        // A one-time password leads to the forced change.
        browser.wait_for_path("/password").await?;
        browser.by_testid("password-change-required").await?;
        browser.screenshot("02-forced-password-change").await?;
        browser.fill("current_password", &p.admin_password).await?;
        browser.fill("new_password", "short").await?;
        // The policy is checked while typing, with the server's own rule.
        browser.wait_for_text("password-form", "13文字以上").await?;
        browser
            .fill("new_password", "kasou-browser-pass-2026")
            .await?;
        browser
            .fill("confirm_password", "kasou-browser-pass-2026")
            .await?;
        browser.click("password-submit").await?;

        // The shell: institution, user, navigation, patient banner place, version.
        browser.wait_for_path("/").await?;
        browser
            .wait_for_text("institution-name", "架空ブラウザ診療所")
            .await?;
        browser.wait_for_text("current-user", "管理者").await?;
        browser.by_testid("patient-banner").await?;
        browser
            .wait_for_text("version", &format!("commit {}", karte_server::COMMIT))
            .await?;
        browser.screenshot("03-shell").await?;

        // User administration.
        c.find(Locator::LinkText("利用者管理"))
            .await?
            .click()
            .await?;
        browser.wait_for_path("/admin/users").await?;
        browser.wait_for_text("users-table", "admin").await?;
        browser.fill("new_login_id", "kasou.nurse").await?;
        browser.fill("new_display_name", "架空 看護子").await?;
        browser
            .by_testid("new_role")
            .await?
            .select_by_value("nurse")
            .await?;
        browser.click("create-user-submit").await?;
        let otp = browser.by_testid("one-time-password").await?.text().await?;
        assert_eq!(otp.len(), 19, "one-time password shown: {otp:?}");
        browser
            .wait_for_text("user-row-kasou.nurse", "看護師")
            .await?;
        browser
            .wait_for_text("user-row-kasou.nurse", "初回パスワード")
            .await?;
        browser.screenshot("04-users").await?;

        // Tablet sizes: the same screen stays usable.
        c.set_window_size(1024, 768).await?;
        browser.screenshot("05-users-tablet-landscape").await?;
        c.set_window_size(768, 1024).await?;
        browser.screenshot("06-users-tablet-portrait").await?;
        c.set_window_size(1280, 800).await?;

        // Sign out: back at login, and the app no longer has a session.
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;
        browser.by_testid("login-form").await?;
        c.goto(&format!("{}/admin/users", app.base_url)).await?;
        browser.wait_for_path("/login").await?;
        browser.screenshot("07-logged-out").await?;

        // The new nurse's one-time password works once, and leads to the forced change.
        browser.fill("login_id", "kasou.nurse").await?;
        browser.fill("password", &otp).await?;
        browser.click("login-submit").await?;
        browser.wait_for_path("/password").await?;
        browser.by_testid("password-change-required").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-administrator-flow").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// A wrong password shows the one message, and no session.
#[tokio::test]
async fn a_wrong_password_shows_a_message_and_keeps_the_user_out() {
    require_built_app();
    let app = TestApp::spawn().await;
    let p = app.provision("1319999904", "架空エラー医院").await;
    let browser = Browser::start(1024, 768).await.expect("browser");
    let result = async {
        browser
            .client
            .goto(&format!("{}/login", app.base_url))
            .await?;
        browser.fill("institution_code", &p.code).await?;
        browser.fill("login_id", "admin").await?;
        browser.fill("password", "not-the-password-1").await?;
        browser.click("login-submit").await?;
        browser
            .wait_for_text("login-error", "正しくありません")
            .await?;
        browser.screenshot("08-login-error").await?;
        browser.client.goto(&format!("{}/", app.base_url)).await?;
        browser.wait_for_path("/login").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-login-error").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// An administrator finds a login in the audit log and exports it; the export is audited.
#[tokio::test]
async fn administrator_finds_a_login_event_and_exports_it() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999905", "架空ログ医院").await;
    // Someone fails to sign in first.
    app.client()
        .login(&p.code, "admin", "wrong-password-77")
        .await;
    // The front desk registers a (fictitious) patient: the access log names her.
    let (_, clerk) = app
        .staff_session(&admin, &p.code, "uketsuke", "clerk", "front-desk-pass-2026")
        .await;
    let res = clerk
        .post(
            "/patients",
            &serde_json::json!({"name": "架空 記録", "kana": "カクウ キロク", "sex": "female",
                                "birth_date": "1990-09-09", "confirm_duplicate": true}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    let downloads =
        std::env::temp_dir().join(format!("karte-downloads-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&downloads).unwrap();
    let browser = Browser::start_with_downloads(1280, 800, Some(&downloads))
        .await
        .expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "admin", &p.admin_password)
            .await?;
        c.find(Locator::LinkText("ログ閲覧")).await?.click().await?;
        browser.wait_for_path("/admin/logs").await?;
        browser.wait_for_text("audit-table", "ログイン").await?;
        // Only failed logins.
        browser
            .by_testid("log_action")
            .await?
            .select_by_value("login")
            .await?;
        browser
            .by_testid("log_outcome")
            .await?
            .select_by_value("failure")
            .await?;
        browser.click("log-search").await?;
        browser.wait_for_text("audit-table", "失敗").await?;
        // The unfiltered page (which has the failure too) may still be on screen: wait for the
        // filtered answer.
        let mut rows = Vec::new();
        for _ in 0..100 {
            rows = c
                .find_all(Locator::Css("[data-testid='audit-row']"))
                .await?;
            if rows.len() == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(rows.len(), 1, "one failed login");
        let row = rows[0].text().await?;
        assert!(row.contains("パスワード誤り"), "{row}");
        assert!(row.contains("（admin）"), "the login aimed at: {row}");
        browser.screenshot("09-audit-log").await?;
        browser.click("verify-logs").await?;
        browser.wait_for_text("chain-status", "正常").await?;
        browser.click("export-csv").await?;
        // The CSV lands in the download folder.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let csv = loop {
            let done = std::fs::read_dir(&downloads)?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| p.extension().map(|x| x == "csv").unwrap_or(false));
            if let Some(path) = done {
                break path;
            }
            anyhow::ensure!(std::time::Instant::now() < deadline, "no CSV downloaded");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let text = std::fs::read_to_string(&csv)?;
        assert!(text.starts_with('\u{feff}'), "BOM");
        assert!(text.contains(",login,ログイン,failure,"), "{text}");
        c.find(Locator::Css("[data-testid='tab-access']"))
            .await?
            .click()
            .await?;
        browser
            .wait_for_text("access-table", "/api/v1/auth/login")
            .await?;
        browser.screenshot("10-access-log").await?;
        // Who opened her record: by カナ as typed at the front desk, named by number and name.
        browser.fill("log_patient", "ｶｸｳｷﾛｸ").await?;
        browser.click("log-search").await?;
        browser
            .wait_for_text("access-patient", "架空 記録（カクウ キロク）")
            .await?;
        let rows = c
            .find_all(Locator::Css("[data-testid='access-patient']"))
            .await?;
        for row in rows {
            let text = row.text().await?;
            anyhow::ensure!(text.contains("架空 記録"), "only her: {text}");
        }
        browser.screenshot("10b-access-log-patient").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-logs").await;
    }
    browser.close().await;
    let _ = std::fs::remove_dir_all(&downloads);
    result.expect("browser flow");
    // The export itself is in the audit log.
    let exports = admin.get("/logs/audit?action=log_export").await;
    assert_eq!(exports.body["entries"].as_array().map(Vec::len), Some(1));
}

/// The front desk: register a patient (with a duplicate warning), find them by half-width カナ
/// from the keyboard, see the banner, edit as a new version.
#[tokio::test]
async fn a_receptionist_registers_finds_and_edits_a_patient() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999906", "架空受付医院").await;
    let issued: shared::api::users::IssuedPassword = admin
        .post("/users", &serde_json::json!({"login_id": "uketsuke", "display_name": "架空 受付", "role": "clerk"}))
        .await
        .json();
    let clerk = app.client();
    clerk
        .login(&p.code, "uketsuke", &issued.one_time_password)
        .await;
    clerk
        .post("/auth/password", &serde_json::json!({"current_password": issued.one_time_password, "new_password": "front-desk-pass-2026"}))
        .await;
    // Someone with the same カナ and birth date is already registered.
    clerk
        .post("/patients", &serde_json::json!({"name": "架空 花子", "kana": "カクウ ハナコ", "sex": "female", "birth_date": "1980-06-15"}))
        .await;
    let browser = Browser::start(1280, 800).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "uketsuke", "front-desk-pass-2026")
            .await?;
        c.find(Locator::LinkText("患者")).await?.click().await?;
        browser.wait_for_path("/patients").await?;
        browser.click("new-patient").await?;
        browser.wait_for_path("/patients/new").await?;
        browser.fill("patient_name", "架空 華子").await?;
        browser.fill("patient_kana", "ｶｸｳ ﾊﾅｺ").await?;
        browser.fill("patient_sex", "2").await?;
        browser.fill("patient_birth", "1980-06-15").await?;
        browser
            .wait_for_text("birth-wareki", "昭和55年6月15日")
            .await?;
        browser.fill("patient_phone", "03-0000-5678").await?;
        browser.click("register-submit").await?;
        browser
            .wait_for_text("duplicate-warning", "架空 花子")
            .await?;
        browser.screenshot("11-duplicate-warning").await?;
        browser.click("register-anyway").await?;
        browser
            .wait_for_text("patient-detail", "昭和55年6月15日")
            .await?;
        browser.wait_for_text("patient-banner", "架空 華子").await?;
        browser.screenshot("12-patient-detail").await?;

        // Her insurance card: a mistyped last digit is caught while typing.
        browser.click("add-insurance").await?;
        // The form opens with the cursor in its first field.
        browser.wait_for_focus("insurer_number").await?;
        browser.fill("insurer_number", "33120016").await?;
        browser.wait_for_text("insurance-form", "検証番号").await?;
        browser.fill("insurer_number", "33120015").await?;
        browser.fill("insurance_symbol", "架空").await?;
        browser.fill("insurance_number", "123").await?;
        browser.fill("insurance_branch", "01").await?;
        browser
            .by_testid("insurance_relationship")
            .await?
            .select_by_value("insured")
            .await?;
        browser.fill("insurance_acquired", "2020-04-01").await?;
        browser.fill("insurance_from", "2020-04-01").await?;
        browser.click("save-insurance").await?;
        browser.wait_for_text("insurance-table", "33120015").await?;
        browser.wait_for_text("burden", "3割").await?;
        // Its kind in words (法別 33 警察共済, 本人), and the cursor on to the check-in.
        browser
            .wait_for_text("insurance-kind", "社保 警察共済")
            .await?;
        browser.wait_for_focus("checkin_department").await?;
        browser.screenshot("12b-patient-insurance").await?;
        // A typing slip in the 記号 is corrected as a new version with a reason.
        browser.click("edit-insurance").await?;
        browser.fill("insurance_symbol", "架空二").await?;
        browser.fill("insurance_reason", "記号の入力誤り").await?;
        browser.click("save-insurance").await?;
        browser
            .wait_for_text("insurance-table", "架空二・123・01")
            .await?;
        // She changes jobs: the card is lost on 2026-03-31 (valid to 03-30), the new one added.
        browser.click("end-insurance").await?;
        browser.fill("insurance_loss", "R8.3.31").await?;
        browser
            .wait_for_text("insurance_loss-read", "令和8年3月31日（2026-03-31）")
            .await?;
        browser.fill("insurance_reason", "退職").await?;
        browser.click("save-insurance-end").await?;
        browser
            .wait_for_text("insurance-period", "2020-04-01 〜 2026-03-30")
            .await?;
        browser.screenshot("12b2-insurance-ended").await?;

        // A 公費 受給者証: the mistyped check digit is caught, then the period is corrected
        // as a new version.
        browser.click("add-public-payment").await?;
        browser.fill("payer_number", "54016028").await?;
        browser
            .wait_for_text("public-payment-form", "検証番号")
            .await?;
        browser.fill("payer_number", "54016027").await?;
        browser.fill("public_from", "2026-01-01").await?;
        browser.fill("public_until", "2026-12-31").await?;
        browser.click("save-public-payment").await?;
        browser
            .wait_for_text("public-payment-table", "54016027")
            .await?;
        browser.click("edit-public-payment").await?;
        browser.fill("public_until", "2027-12-31").await?;
        browser.fill("public_reason", "受給者証の更新").await?;
        browser.click("save-public-payment").await?;
        browser
            .wait_for_text("public-payment-period", "2027-12-31")
            .await?;
        browser.screenshot("12c-patient-public-payment").await?;

        // Find her again by half-width カナ, open with Enter.
        c.goto(&format!("{}/patients", app.base_url)).await?;
        let search = browser.by_testid("patient-query").await?;
        search.send_keys("ｶｸｳﾊﾅ").await?;
        browser
            .wait_for_text("patient-results", "架空 華子")
            .await?;
        let rows = c
            .find_all(Locator::Css("[data-testid='patient-row']"))
            .await?;
        assert_eq!(rows.len(), 2, "both 架空 ハナコ");
        browser.screenshot("13-patient-search").await?;
        search
            .send_keys(&fantoccini::key::Key::Enter.to_string())
            .await?;
        browser.wait_for_text("patient-banner", "カクウ").await?;

        // Edit: a new version, the old one kept.
        browser.click("edit-patient").await?;
        browser.fill("patient_address", "東京都架空区3-3").await?;
        browser.fill("edit_reason", "転居").await?;
        browser.click("save-patient").await?;
        browser
            .wait_for_text("patient-saved", "保存しました")
            .await?;
        browser.wait_for_text("patient-version", "第2版").await?;
        browser
            .wait_for_text("patient-history", "理由: 転居")
            .await?;

        // Check in the patient on screen (Enter opened the first result, 1 架空 花子), then follow
        // her through the day on the queue.
        browser.fill("checkin_purpose", "再診").await?;
        browser.click("check-in").await?;
        browser
            .wait_for_text("check-in-result", "受付しました")
            .await?;
        c.find(Locator::LinkText("受付一覧")).await?.click().await?;
        browser.wait_for_path("/reception").await?;
        browser.wait_for_text("reception-1", "診察待ち").await?;
        browser.screenshot("14-reception").await?;
        // Another screen (the doctor's) calls her in: this one follows without a reload.
        let queue: Vec<shared::api::reception::ReceptionEntry> =
            clerk.get("/receptions").await.json();
        let entry = queue
            .iter()
            .find(|e| e.patient_number == "1")
            .expect("queued");
        let moved = clerk
            .post(
                &format!("/receptions/{}/status", entry.reception_id),
                &serde_json::json!({"to": "in_consultation", "base_version": entry.version}),
            )
            .await;
        assert_eq!(moved.status, reqwest::StatusCode::OK);
        browser.wait_for_text("reception-1", "診察中").await?;
        c.find(Locator::Css(
            "[data-testid='reception-1'] [data-testid='reception-next']",
        ))
        .await?
        .click()
        .await?;
        browser.wait_for_text("reception-1", "会計待ち").await?;
        c.find(Locator::Css(
            "[data-testid='reception-1'] [data-testid='reception-next']",
        ))
        .await?
        .click()
        .await?;
        browser.wait_for_text("reception-1", "終了").await?;

        // An address whose id names no patient says so, and the server is not asked.
        c.goto(&format!("{}/patients/not-a-patient/chart", app.base_url))
            .await?;
        browser
            .wait_for_text("record-not-found", "見つかりません")
            .await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-patients").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// A server with these official master files of `../shared/reference/masters` imported (`None`:
/// the reference is missing and the test is skipped, by the one policy).
async fn app_with_masters(files: &[&str]) -> Option<TestApp> {
    let masters = karte_tests::reference::reference("masters")?;
    let app = TestApp::spawn().await;
    let paths: Vec<std::path::PathBuf> = files.iter().map(|f| masters.join(f)).collect();
    karte_server::cli::import_master_files(&app.owner_pool().await, &paths)
        .await
        .expect("masters");
    Some(app)
}

/// 会計: a visit waiting for payment is priced in the browser while the clerk types (再診,
/// 院内処方 of billing.md case C3), the payment is taken, the bill finalised, and the 領収証 and
/// 明細書 are laid out for printing.
#[tokio::test]
async fn a_clerk_prices_a_visit_takes_the_payment_and_prints_the_receipt() {
    require_built_app();
    let Some(app) = app_with_masters(&["s_ALL20240531.zip", "y_ALL20240531.zip"]).await else {
        return;
    };
    let (p, admin) = app.admin_session("1319999907", "架空会計クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, &p.code, "kaikei", "clerk", "front-desk-pass-2026")
        .await;
    let patient: shared::api::patients::PatientDetail = clerk
        .post("/patients", &serde_json::json!({"name": "架空 会計子", "kana": "カクウ カイケイコ", "sex": "female", "birth_date": "1980-04-01"}))
        .await
        .json();
    clerk
        .post(
            &format!("/patients/{}/insurances", patient.patient_id),
            &serde_json::json!({"insurer_number": "33120015", "symbol": "架空", "number": "7", "branch": "01",
                "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
        )
        .await;
    // An earlier visit makes today a 再診.
    for _ in 0..2 {
        let entry: shared::api::reception::ReceptionEntry = clerk
            .post(
                "/receptions",
                &serde_json::json!({"patient_id": patient.patient_id, "department": "内科", "again": true}),
            )
            .await
            .json();
        for (version, to) in (entry.version..).zip(["in_consultation", "waiting_payment"]) {
            let res = clerk
                .post(
                    &format!("/receptions/{}/status", entry.reception_id),
                    &serde_json::json!({"to": to, "base_version": version}),
                )
                .await;
            assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
        }
    }

    let browser = Browser::start(1280, 800).await.expect("browser");
    let result = async {
        let c = &browser.client;
        // The administrator records the clinic's billing settings first.
        browser
            .sign_in(&app.base_url, &p.code, "admin", &p.admin_password)
            .await?;
        c.find(Locator::LinkText("算定設定")).await?.click().await?;
        browser.wait_for_path("/admin/billing").await?;
        browser.click("in-house").await?;
        browser.click("standard-pharmacist_full_time").await?;
        c.find(Locator::Css(
            "[data-testid='standard-medical_dx'] option[value='3']",
        ))
        .await?
        .click()
        .await?;
        browser.fill("settings_valid_from", "2024-06-01").await?;
        browser.fill("settings_reason", "開設時の届出").await?;
        browser.click("save-billing-settings").await?;
        browser
            .wait_for_text("billing-settings-versions", "薬剤師が常勤")
            .await?;
        browser
            .wait_for_text("billing-settings-versions", "医療DX推進体制整備加算 加算３")
            .await?;
        browser.screenshot("19-billing-settings").await?;
        // After a reload the saved 区分 is the one selected.
        c.goto(&format!("{}/admin/billing", app.base_url)).await?;
        let mut selected = String::new();
        for _ in 0..50 {
            // The page draws after the settings arrive: retry until the select is there.
            if let Ok(select) = c
                .find(Locator::Css("[data-testid='standard-medical_dx']"))
                .await
            {
                selected = select.prop("value").await?.unwrap_or_default();
                if selected == "3" {
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        anyhow::ensure!(selected == "3", "医療DX 区分 after a reload: {selected:?}");
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;

        browser.fill("institution_code", &p.code).await?;
        browser.fill("login_id", "kaikei").await?;
        browser.fill("password", "front-desk-pass-2026").await?;
        browser.click("login-submit").await?;
        // The front desk starts on 受付一覧.
        browser.wait_for_path("/reception").await?;
        browser.wait_for_text("reception-table", "会計待ち").await?;
        // The later of the day's two visits: the first one makes it a 再診.
        let bills = c
            .find_all(Locator::Css("[data-testid='reception-bill']"))
            .await?;
        anyhow::ensure!(bills.len() == 2, "two visits waiting: {}", bills.len());
        bills[1].clone().click().await?;
        browser.wait_for_text("bill-banner", "架空 会計子").await?;
        browser.wait_for_text("visit-kind-why", "前回受診").await?;
        // 再診 with 外来管理加算 (suggested because of the earlier visit): 75 + 52.
        browser.wait_for_text("bill-total-points", "127点").await?;
        // Rp1 アムロジピン 1錠 28日分; Rp2 ロキソプロフェン + レバミピド 3錠ずつ 7日分.
        browser.click("rp-add").await?;
        browser.fill("rp1-amount", "28").await?;
        browser.fill("rp1-drugs", "620007870×1\t").await?;
        browser.click("rp-add").await?;
        browser.fill("rp2-amount", "7").await?;
        browser
            .fill("rp2-drugs", "620099301×3, 620009465×3\t")
            .await?;
        browser.wait_for_text("bill-total-points", "264点").await?;
        browser.wait_for_text("bill-patient-share", "790円").await?;
        // The master search runs on the browser's copy of the official masters (downloaded
        // once, kept in IndexedDB): 再診料 by half-width カナ.
        browser.fill("master_query", "ｻｲｼﾝﾘｮｳ").await?;
        browser.wait_for_text("master-hits", "再診料").await?;
        // Rp lines name their drugs; 診療行為 are listed by name with a quantity control.
        browser.wait_for_text("rp2-names", "×3").await?;
        // The clerk keeps these prescriptions as a セット for next time (セット is a menu).
        c.find(Locator::Css("[data-testid='set-menu'] summary"))
            .await?
            .click()
            .await?;
        browser.fill("set_name", "高血圧・鎮痛 定期").await?;
        browser.click("save-set").await?;
        browser
            .wait_for_text("item-sets", "高血圧・鎮痛 定期")
            .await?;
        browser.fill("bill_paid", "1000").await?;
        browser.wait_for_text("bill-change", "おつり 210円").await?;
        browser.screenshot("20-bill-priced").await?;
        // The totals, 預り金 and 確定 stay in view however far the entries scroll.
        let in_view = c
            .execute(
                "window.scrollTo(0, document.body.scrollHeight); \
                 const r = document.querySelector('[data-testid=bill-finalize]').getBoundingClientRect(); \
                 const t = document.querySelector('[data-testid=bill-patient-share]').getBoundingClientRect(); \
                 return window.scrollY > 200 && r.top >= 0 && r.bottom <= window.innerHeight \
                   && t.top >= 0 && t.bottom <= window.innerHeight;",
                vec![],
            )
            .await?;
        anyhow::ensure!(
            in_view.as_bool() == Some(true),
            "確定 and the totals in view with the entries scrolled"
        );
        c.execute("window.scrollTo(0, 0)", vec![]).await?;
        // On a tablet: one column, every control a finger's height.
        for (width, height) in [(768u32, 1024u32), (1024, 768)] {
            c.set_window_size(width, height).await?;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let small = browser.small_controls().await?;
            anyhow::ensure!(small.is_empty(), "会計 {width}x{height}: under 44 px: {small:?}");
            browser
                .screenshot(&format!("20c-bill-{width}x{height}"))
                .await?;
        }
        c.set_window_size(1280, 800).await?;
        browser.click("bill-finalize").await?;
        browser
            .wait_for_text("bill-final", "確定済み 第1版")
            .await?;
        // The 領収証 and 明細書 on screen are the documents the PDF is rendered from.
        browser.wait_for_text("receipt", "264点").await?;
        browser.wait_for_text("receipt", "領収金額　790円").await?;
        browser.wait_for_text("statement", "再診料").await?;
        c.execute(
            "document.querySelector('[data-testid=receipt]').scrollIntoView()",
            vec![],
        )
        .await?;
        browser.screenshot("21-bill-receipt").await?;
        // The 領収証 handed over: the kept PDF in the app's viewer, its text searchable.
        browser.click("bill-print").await?;
        browser.by_testid("pdf-viewer").await?;
        browser.wait_for_text("pdf-page", "1 / 1").await?;
        browser.fill("pdf-query", "領収金額").await?;
        browser.click("pdf-search").await?;
        browser.wait_for_text("pdf-hits", "1ページ（1件）").await?;
        browser.screenshot("21b-bill-receipt-pdf").await?;
        browser.click("pdf-close").await?;

        // A 処置 was forgotten: the bill is corrected as version 2 with a reason.
        browser.click("bill-correct").await?;
        browser.click("treatment-add").await?;
        browser.fill("proc1-code", "140000610\t").await?;
        browser.wait_for_text("bill-lines", "創傷処置").await?;
        browser
            .wait_for_text("bill-warnings", "外来管理加算")
            .await?;
        browser.fill("bill_reason", "処置の入力漏れ").await?;
        browser.click("bill-finalize").await?;
        browser
            .wait_for_text("bill-final", "確定済み 第2版")
            .await?;
        browser
            .wait_for_text("bill-final", "処置の入力漏れ")
            .await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-bill").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// 保険組合せ per visit: at 受付 the clerk adds the 難病 公費 to the visit (the default is the
/// insurance alone), 受付一覧 and 会計 show it and the share follows; in 会計 it is taken off
/// again and the bill re-prices; a second check-in the same day asks first.
#[tokio::test]
async fn a_visit_takes_the_insurance_combination_the_clerk_chooses() {
    require_built_app();
    let Some(app) = app_with_masters(&["s_ALL20240531.zip"]).await else {
        return;
    };
    let (p, admin) = app.admin_session("1319999908", "架空組合せ医院").await;
    let res = admin
        .post(
            "/billing/settings",
            &serde_json::json!({"base_version": 0, "valid_from": "2024-06-01",
                "institution_type": "clinic", "general_beds": 0, "in_house_dispensing": true,
                "standards": {"pharmacist_full_time": true}, "reason": "開設時の届出"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let (_, clerk) = app
        .staff_session(
            &admin,
            &p.code,
            "kumiawase",
            "clerk",
            "front-desk-pass-2026",
        )
        .await;
    let patient: shared::api::patients::PatientDetail = clerk
        .post("/patients", &serde_json::json!({"name": "架空 組合子", "kana": "カクウ クミアワセコ", "sex": "female", "birth_date": "1980-04-01"}))
        .await
        .json();
    let pid = patient.patient_id;
    for (path, body) in [
        (
            format!("/patients/{pid}/insurances"),
            serde_json::json!({"insurer_number": "33120015", "symbol": "架空", "number": "7",
                "branch": "01", "relationship": "insured", "acquired_on": "2020-04-01",
                "valid_from": "2020-04-01"}),
        ),
        (
            format!("/patients/{pid}/public-payments"),
            serde_json::json!({"payer_number": "54016027", "recipient_number": "1234566",
                "valid_from": "2020-01-01", "patient_tenths": "2"}),
        ),
    ] {
        let res = clerk.post(&path, &body).await;
        assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.body);
    }

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "kumiawase", "front-desk-pass-2026")
            .await?;
        c.goto(&format!("{}/patients/{pid}", app.base_url)).await?;
        // The default: the insurance alone; the clerk adds the 公費 for this visit.
        browser
            .wait_for_text("checkin-coverage-label", "保険 33120015 のみ")
            .await?;
        browser.click("checkin-coverage-public-54016027").await?;
        browser
            .wait_for_text("checkin-coverage-label", "保険 33120015 ＋ 公費 54016027")
            .await?;
        browser.screenshot("14b-check-in-coverage").await?;
        browser.click("check-in").await?;
        browser
            .wait_for_text("check-in-result", "受付しました")
            .await?;
        // A second check-in the same day is not silent.
        browser.click("check-in").await?;
        browser
            .wait_for_text("check-in-result", "本日すでに受付済みです")
            .await?;
        browser.by_testid("check-in-again").await?;
        browser.screenshot("14c-check-in-duplicate").await?;

        let queue: Vec<shared::api::reception::ReceptionEntry> =
            clerk.get("/receptions").await.json();
        assert_eq!(queue.len(), 1, "the duplicate was not added");
        let entry = &queue[0];
        for (version, to) in (entry.version..).zip(["in_consultation", "waiting_payment"]) {
            let res = clerk
                .post(
                    &format!("/receptions/{}/status", entry.reception_id),
                    &serde_json::json!({"to": to, "base_version": version}),
                )
                .await;
            assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
        }
        c.goto(&format!("{}/reception", app.base_url)).await?;
        browser
            .wait_for_text("queue-coverage", "保険 33120015 ＋ 公費 54016027")
            .await?;
        // Off the patient's screens the banner names nobody.
        browser
            .wait_for_text("patient-banner", "患者未選択")
            .await?;
        c.goto(&format!(
            "{}/reception/{}/bill",
            app.base_url, entry.reception_id
        ))
        .await?;
        browser
            .wait_for_text("bill-coverage-label", "保険 33120015 ＋ 公費 54016027")
            .await?;
        browser.wait_for_text("visit-kind-why", "初診").await?;
        // 会計 names its patient in the banner, with age, cards and allergies.
        let banner = browser
            .wait_for_text("patient-banner", "架空 組合子")
            .await?;
        anyhow::ensure!(banner.contains("歳"), "age in the banner: {banner}");
        browser
            .wait_for_text("banner-coverage", "社保 本人 3割 期限なし ／ 公費 54016027")
            .await?;
        browser
            .wait_for_text("banner-allergies", "登録なし")
            .await?;
        // 初診料 291点: the 公費's 2割 → 580円.
        browser.wait_for_text("bill-total-points", "291点").await?;
        browser.wait_for_text("bill-patient-share", "580円").await?;
        // Taken off in 会計: the insurance's 3割 → 870円, and 会計 names the 公費 left out.
        browser.click("bill-coverage-change").await?;
        browser.click("bill-coverage-public-54016027").await?;
        browser.click("bill-coverage-save").await?;
        browser
            .wait_for_text("bill-coverage-label", "保険 33120015 のみ")
            .await?;
        browser
            .wait_for_text("bill-public-not-chosen", "54016027")
            .await?;
        browser.wait_for_text("bill-patient-share", "870円").await?;
        browser.screenshot("20b-bill-coverage").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
}

/// The front desk by keyboard: a registration (Enter from field to field, the sex chosen by
/// ORCA's code, the birth date typed in 和暦, F12 to register), the check-in that follows (the
/// cursor already in the check-in form, F12), F3 to 受付一覧 and F1 back. The keys other than
/// characters are counted: 41 Tabs for a registration alone before this (issue 21). The
/// 郵便番号 fills in the address.
#[tokio::test]
async fn the_front_desk_works_by_keyboard() {
    use fantoccini::key::Key;
    require_built_app();
    let app = TestApp::spawn().await;
    // One line of 日本郵便's 郵便番号データ (the KEN_ALL layout).
    let postal = std::env::temp_dir().join(format!(
        "karte-ken-all-{}.csv",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(
        &postal,
        "13101,\"100  \",\"1000001\",\"ﾄｳｷｮｳﾄ\",\"ﾁﾖﾀﾞｸ\",\"ﾁﾖﾀﾞ\",\"東京都\",\"千代田区\",\"千代田\",0,0,0,0,0,0\r\n",
    )
    .unwrap();
    karte_server::cli::import_postal_file(&app.owner_pool().await, &postal)
        .await
        .expect("postal");
    let _ = std::fs::remove_file(&postal);
    let (p, admin) = app.admin_session("1319999909", "架空鍵盤医院").await;
    app.staff_session(&admin, &p.code, "kenban", "clerk", "front-desk-pass-2026")
        .await;
    let browser = Browser::start(1280, 800).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "kenban", "front-desk-pass-2026")
            .await?;
        let mut keys = 0usize;
        // Types into whatever has the cursor: characters, or one key (counted).
        macro_rules! type_text {
            ($text:expr) => {
                c.active_element().await?.send_keys($text).await?
            };
        }
        // One key on the keyboard (to whatever has the cursor), counted.
        macro_rules! press {
            ($key:expr) => {{
                keys += 1;
                browser.press($key).await?;
            }};
        }
        c.goto(&format!("{}/patients/new", app.base_url)).await?;
        browser.by_testid("patient_name").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        type_text!("架空 鍵盤");
        press!(Key::Enter);
        type_text!("カクウ ケンバン");
        press!(Key::Enter);
        // 性別 by ORCA's code: 2 女.
        browser.fill("patient_sex", "2").await?;
        browser.wait_for_text("patient_sex_read", "女").await?;
        press!(Key::Enter);
        let at = c.active_element().await?.attr("id").await?;
        let state = c
            .execute(
                "const a = document.activeElement; return [a.id, a.value, a.type, String(a.closest('form[data-enter]') !== null)].join('|')",
                vec![],
            )
            .await?;
        anyhow::ensure!(
            at.as_deref() == Some("patient_birth"),
            "Enter led to {at:?} ({state})"
        );
        type_text!("S55.6.15");
        browser
            .wait_for_text("birth-wareki", "昭和55年6月15日（1980-06-15）")
            .await?;
        press!(Key::Enter);
        // 郵便番号 fills the address; Enter, and the 番地 is typed after it.
        type_text!("1000001");
        browser
            .wait_for_text("patient_postal-read", "東京都千代田区千代田")
            .await?;
        press!(Key::Enter);
        type_text!("4-4");
        let address = browser
            .by_testid("patient_address")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        anyhow::ensure!(
            address == "〒100-0001 東京都千代田区千代田4-4",
            "address {address}"
        );
        press!(Key::F12);
        if browser
            .wait_for_text("patient-detail", "昭和55年6月15日")
            .await
            .is_err()
        {
            let state = c
                .execute(
                    "const a = document.activeElement; const e = document.querySelector('[data-testid=register-error]'); return [location.pathname, a.id, e ? e.textContent : '', document.querySelector('main').innerText.slice(0, 300)].join('|')",
                    vec![],
                )
                .await?;
            anyhow::bail!("not registered: {state}");
        }
        browser.wait_for_text("patient-banner", "架空 鍵盤").await?;
        // The cursor is in the check-in form: F12 checks her in.
        browser.wait_for_focus("checkin_department").await?;
        press!(Key::F12);
        browser
            .wait_for_text("check-in-result", "受付しました")
            .await?;
        press!(Key::F3);
        browser.wait_for_path("/reception").await?;
        browser
            .wait_for_text("reception-table", "架空 鍵盤")
            .await?;
        press!(Key::F1);
        browser.wait_for_text("patient-banner", "架空 鍵盤").await?;
        browser.by_testid("key-bar").await?;
        println!(
            "keyboard: registration and check-in in {keys} keys other than characters, no Tab"
        );
        anyhow::ensure!(keys <= 10, "{keys} keys");
        browser.screenshot("15-keyboard-check-in").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    browser.close().await;
    result.expect("browser flow");
}
