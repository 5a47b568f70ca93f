//! Browser end-to-end for sign-in security: enrolling an authenticator app when the policy
//! requires it, signing in with the second factor, and a session timeout that loses nothing
//! (in the same tab, and across a reload).

use fantoccini::Locator;
use karte_server::totp;
use karte_tests::browser::{require_built_app, Browser};
use karte_tests::TestApp;
use serde_json::json;

const CLERK_PASSWORD: &str = "front-desk-words-26";

/// Ends the user's open sessions as if they had been idle past the timeout (the database's
/// clock decides expiry; moving last_seen_at back is the same as waiting).
async fn age_sessions(app: &TestApp, tenant: shared::ids::TenantId, login_id: &str) {
    let owner = app.owner_pool().await;
    let mut tx = karte_tests::tenant_tx(&owner, tenant).await;
    let aged = sqlx::query(
        "update session set last_seen_at = now() - interval '1 day' \
         where ended_at is null and user_id = (select user_id from app_user where login_id = $1)",
    )
    .bind(login_id)
    .execute(&mut *tx)
    .await
    .expect("aging the sessions");
    assert!(aged.rows_affected() >= 1, "an open session to age");
    tx.commit().await.expect("commit");
}

/// The clerk's role requires a second factor: at first sign-in she is led to register an
/// authenticator app (QR code and key), confirms it with a code, sees her recovery codes, and
/// from then on signs in with password and code.
#[tokio::test]
async fn a_clerk_enrols_an_authenticator_app_and_signs_in_with_a_code() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999931", "架空二要素医院").await;
    app.staff_session(&admin, &p.code, "uketsuke", "clerk", CLERK_PASSWORD)
        .await;
    let current: serde_json::Value = admin.get("/security-policy").await.body;
    let mut policy = current["policy"].clone();
    policy["two_factor_roles"] = json!(["clerk"]);
    let res = admin
        .put(
            "/security-policy",
            &json!({"policy": policy, "base_version": null, "reason": "受付も二要素認証"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);

    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        c.goto(&format!("{}/login", app.base_url)).await?;
        browser.fill("institution_code", &p.code).await?;
        browser.fill("login_id", "uketsuke").await?;
        browser.fill("password", CLERK_PASSWORD).await?;
        browser.click("login-submit").await?;
        browser.wait_for_path("/security").await?;
        browser
            .wait_for_text("enrolment-required", "二要素認証が必要")
            .await?;
        // Nothing else opens until a factor is registered.
        c.goto(&format!("{}/patients", app.base_url)).await?;
        browser.wait_for_path("/security").await?;
        browser.click("totp-start-submit").await?;
        browser.by_testid("totp-qr").await?;
        let key = browser.by_testid("totp-secret").await?.text().await?;
        let secret = data_encoding::BASE32_NOPAD.decode(key.replace(' ', "").as_bytes())?;
        browser.screenshot("40-totp-enrolment").await?;
        browser
            .fill(
                "totp_code",
                &totp::code_for_step(&secret, totp::current_step()),
            )
            .await?;
        browser.click("totp-confirm-submit").await?;
        let codes = browser.by_testid("recovery-codes").await?.text().await?;
        assert_eq!(
            codes.lines().filter(|l| !l.trim().is_empty()).count(),
            10,
            "{codes}"
        );
        browser.screenshot("41-recovery-codes").await?;
        browser.click("security-continue").await?;
        browser.wait_for_path("/").await?;
        c.find(Locator::LinkText("患者")).await?.click().await?;
        browser.wait_for_path("/patients").await?;
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;

        // Next time: the password, then the code of the next time step.
        browser.fill("login_id", "uketsuke").await?;
        browser.fill("password", CLERK_PASSWORD).await?;
        browser.click("login-submit").await?;
        browser.by_testid("second-factor-form").await?;
        browser.fill("otp", "000000").await?;
        browser.click("second-factor-submit").await?;
        browser
            .wait_for_text("second-factor-error", "確認コードが正しくありません")
            .await?;
        browser.screenshot("42-second-factor").await?;
        browser
            .fill(
                "otp",
                &totp::code_for_step(&secret, totp::current_step() + 1),
            )
            .await?;
        browser.click("second-factor-submit").await?;
        browser.wait_for_signed_in().await?;
        browser.wait_for_text("current-user", "架空 職員").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-totp").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// A receptionist is typing a registration when her session times out: saving brings up the
/// sign-in dialog over the same form, her input intact; she signs in and saves. Then the same
/// again, but she reloads the tab before signing in: the form comes back filled.
#[tokio::test]
async fn a_session_timeout_while_typing_loses_nothing() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999932", "架空時間切れ医院").await;
    app.staff_session(&admin, &p.code, "uketsuke", "clerk", CLERK_PASSWORD)
        .await;
    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "uketsuke", CLERK_PASSWORD)
            .await?;
        c.goto(&format!("{}/patients/new", app.base_url)).await?;
        browser.fill("patient_name", "架空 継続").await?;
        browser.fill("patient_kana", "カクウ ケイゾク").await?;
        browser.fill("patient_sex", "1").await?;
        browser.fill("patient_birth", "1975-03-03").await?;
        age_sessions(&app, p.tenant_id, "uketsuke").await;
        browser.click("register-submit").await?;
        browser.by_testid("reauth-dialog").await?;
        browser.wait_for_text("reauth-user", "uketsuke").await?;
        browser.screenshot("43-reauth-dialog").await?;
        let name = browser
            .by_testid("patient_name")
            .await?
            .prop("value")
            .await?;
        assert_eq!(
            name.as_deref(),
            Some("架空 継続"),
            "the input is still there"
        );
        browser.fill("reauth_password", CLERK_PASSWORD).await?;
        browser.click("reauth-submit").await?;
        // The dialog closes; the same form, same values: save it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while c
            .find(Locator::Css("[data-testid='reauth-dialog']"))
            .await
            .is_ok()
        {
            anyhow::ensure!(std::time::Instant::now() < deadline, "dialog stays open");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        browser.click("register-submit").await?;
        browser.wait_for_text("patient-banner", "架空 継続").await?;

        // Timed out again, and the tab is reloaded before signing in.
        c.goto(&format!("{}/patients/new", app.base_url)).await?;
        browser.fill("patient_name", "架空 再読込").await?;
        browser.fill("patient_kana", "カクウ サイヨミコミ").await?;
        browser.fill("patient_sex", "2").await?;
        browser.fill("patient_birth", "1990-12-24").await?;
        age_sessions(&app, p.tenant_id, "uketsuke").await;
        browser.click("register-submit").await?;
        browser.by_testid("reauth-dialog").await?;
        c.refresh().await?;
        browser.wait_for_path("/login").await?;
        browser.by_testid("session-expired").await?;
        browser.fill("login_id", "uketsuke").await?;
        browser.fill("password", CLERK_PASSWORD).await?;
        browser.click("login-submit").await?;
        browser.wait_for_path("/patients/new").await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let value = browser
                .by_testid("patient_kana")
                .await?
                .prop("value")
                .await?;
            if value.as_deref() == Some("カクウ サイヨミコミ") {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the input came back after the reload: {value:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let name = browser
            .by_testid("patient_name")
            .await?
            .prop("value")
            .await?;
        assert_eq!(name.as_deref(), Some("架空 再読込"));
        browser.screenshot("44-restored-after-reload").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-timeout").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// A doctor registers a security key (a WebDriver virtual authenticator standing in for a USB
/// key) on the 二要素認証 screen and signs in with it the next time.
#[tokio::test]
async fn a_doctor_registers_a_security_key_and_signs_in_with_it() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999933", "架空鍵医院").await;
    app.staff_session(&admin, &p.code, "ishi", "doctor", CLERK_PASSWORD)
        .await;
    // WebAuthn needs a domain as relying party id, not an IP address.
    let base = format!("https://localhost:{}", app.port);
    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser.add_virtual_authenticator().await?;
        browser
            .sign_in(&base, &p.code, "ishi", CLERK_PASSWORD)
            .await?;
        c.goto(&format!("{base}/security")).await?;
        browser
            .fill("key_label", "診察室のセキュリティキー")
            .await?;
        browser.click("webauthn-register-submit").await?;
        browser
            .wait_for_text("security-message", "登録しました")
            .await?;
        browser
            .wait_for_text("factors", "診察室のセキュリティキー")
            .await?;
        browser.by_testid("recovery-codes").await?;
        browser.screenshot("45-security-key-registered").await?;
        browser.click("logout").await?;
        browser.wait_for_path("/login").await?;
        browser.fill("login_id", "ishi").await?;
        browser.fill("password", CLERK_PASSWORD).await?;
        browser.click("login-submit").await?;
        browser.click("security-key-sign-in").await?;
        browser.wait_for_signed_in().await?;
        browser.wait_for_text("current-user", "架空 職員").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-security-key").await;
    }
    browser.close().await;
    result.expect("browser flow");
}

/// An administrator edits the institution's セキュリティ設定 (two factors for the front desk, a
/// shorter idle timeout), registers a device in 端末管理 by its fingerprint and revokes it, and
/// lifts a clerk's lock in 利用者管理.
#[tokio::test]
async fn an_administrator_sets_the_policy_registers_a_device_and_lifts_a_lock() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999934", "架空管理医院").await;
    app.staff_session(&admin, &p.code, "uketsuke", "clerk", CLERK_PASSWORD)
        .await;
    // The clerk's account gets locked by wrong passwords.
    let attacker = app.client();
    for _ in 0..5 {
        attacker.login(&p.code, "uketsuke", "wrong-words-xyz").await;
    }
    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "admin", &p.admin_password)
            .await?;
        c.find(Locator::LinkText("セキュリティ設定"))
            .await?
            .click()
            .await?;
        browser.wait_for_path("/admin/security").await?;
        browser.wait_for_text("policy-version", "初期値").await?;
        browser.fill("idle_timeout_seconds", "900").await?;
        browser.fill("password_min_length", "10").await?;
        browser.click("save-security-policy").await?;
        browser
            .wait_for_text("security-policy-form", "13〜64")
            .await?;
        browser.fill("password_min_length", "14").await?;
        browser.click("two-factor-clerk").await?;
        browser.fill("policy_reason", "受付も二要素認証").await?;
        browser.click("save-security-policy").await?;
        browser.by_testid("security-policy-saved").await?;
        browser.wait_for_text("policy-version", "第1版").await?;
        browser.screenshot("46-security-policy").await?;

        c.find(Locator::LinkText("端末管理")).await?.click().await?;
        browser.wait_for_path("/admin/devices").await?;
        browser
            .wait_for_text("client-cert-mode", "使っていません")
            .await?;
        browser.fill("device_name", "外来1番端末").await?;
        browser.fill("device_certificate", "AB:CD").await?;
        browser.click("register-device-submit").await?;
        browser.wait_for_text("register-device", "指紋").await?;
        browser
            .fill("device_certificate", &format!("{}AB", "AB:".repeat(31)))
            .await?;
        browser.click("register-device-submit").await?;
        browser
            .wait_for_text("devices-message", "外来1番端末")
            .await?;
        browser.wait_for_text("devices", "有効").await?;
        c.find(Locator::Css("[data-testid='devices'] button"))
            .await?
            .click()
            .await?;
        browser.wait_for_text("devices", "取消済み").await?;
        browser.screenshot("47-devices").await?;

        c.find(Locator::LinkText("利用者管理"))
            .await?
            .click()
            .await?;
        browser.wait_for_path("/admin/users").await?;
        browser
            .wait_for_text("user-row-uketsuke", "ロック中")
            .await?;
        c.find(Locator::Css(
            "[data-testid='user-row-uketsuke'] [data-testid='unlock-user']",
        ))
        .await?
        .click()
        .await?;
        browser.wait_for_text("user-row-uketsuke", "有効").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-admin-security").await;
    }
    browser.close().await;
    result.expect("browser flow");
    // The policy and the unlock took effect: the clerk signs in and must enrol.
    let res = app
        .client()
        .login(&p.code, "uketsuke", CLERK_PASSWORD)
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    assert_eq!(res.body["stage"], "enrolment");
    assert_eq!(res.body["idle_timeout_seconds"], 900);
}

/// The browser keeps the session's idle clock: a minute before the end it warns, and the moment
/// the session ends the screen (the patient's name and data) is hidden under the sign-in
/// dialog, whose password field has the cursor. The browser's clock is moved forward instead of
/// waiting half an hour.
#[tokio::test]
async fn an_ending_session_warns_then_hides_the_patient() {
    require_built_app();
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session("1319999933", "架空時計医院").await;
    let (_, clerk) = app
        .staff_session(&admin, &p.code, "uketsuke", "clerk", CLERK_PASSWORD)
        .await;
    let patient: shared::api::patients::PatientDetail = clerk
        .post(
            "/patients",
            &json!({"name": "架空 時計", "kana": "カクウ トケイ", "sex": "female",
                    "birth_date": "1970-07-07"}),
        )
        .await
        .json();
    let browser = Browser::start(1280, 900).await.expect("browser");
    let result = async {
        let c = &browser.client;
        browser
            .sign_in(&app.base_url, &p.code, "uketsuke", CLERK_PASSWORD)
            .await?;
        c.goto(&format!("{}/patients/{}", app.base_url, patient.patient_id))
            .await?;
        browser.wait_for_text("patient-banner", "架空 時計").await?;
        let shift = |seconds: u64| {
            format!(
                "window.__realNow = window.__realNow || Date.now.bind(Date); \
                 Date.now = () => window.__realNow() + {};",
                seconds * 1000
            )
        };
        // The screen's own loads done first (each user request starts the clock again): no new
        // API response for 1.5 s.
        let mut seen = -1i64;
        let mut stable_since = std::time::Instant::now();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let n = c
                .execute(
                    "return performance.getEntriesByType('resource')\
                       .filter(e => e.name.includes('/api/')).length",
                    vec![],
                )
                .await?
                .as_i64()
                .unwrap_or(0);
            if n != seen {
                seen = n;
                stable_since = std::time::Instant::now();
            } else if stable_since.elapsed() > std::time::Duration::from_millis(1500) {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the screen keeps loading"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // 30 minutes' timeout (the default policy): 29 minutes 10 seconds idle. The app ends
        // its clock 17 s early (idle::SERVER_SLACK_MS), so this leaves 33 s inside the minute's
        // warning: room for a busy machine to draw it before the session counts as ended.
        c.execute(&shift(1750), vec![]).await?;
        browser
            .wait_for_text("session-warning", "自動ログアウトします")
            .await?;
        browser.screenshot("44-session-warning").await?;
        // Past the end: hidden at once, the dialog up, its password field focused.
        c.execute(&shift(1801), vec![]).await?;
        browser.by_testid("reauth-dialog").await?;
        c.find(Locator::Css("main.session-ended")).await?;
        c.find(Locator::Css("[data-testid='patient-banner'].session-ended"))
            .await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let focused = c
                .execute(
                    "return document.activeElement && document.activeElement.id",
                    vec![],
                )
                .await?;
            if focused.as_str() == Some("reauth_password") {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the password field has no focus: {focused}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        browser.screenshot("45-session-ended-hidden").await?;
        // Signing in again shows the same screen.
        c.execute("Date.now = window.__realNow;", vec![]).await?;
        browser.fill("reauth_password", CLERK_PASSWORD).await?;
        browser.click("reauth-submit").await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while c.find(Locator::Css("main.session-ended")).await.is_ok() {
            anyhow::ensure!(std::time::Instant::now() < deadline, "still hidden");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        browser.wait_for_text("patient-banner", "架空 時計").await?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = browser.screenshot("failure-session-clock").await;
    }
    browser.close().await;
    result.expect("browser flow");
}
