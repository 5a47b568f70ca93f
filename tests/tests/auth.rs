//! Authentication to the guideline, against the real server and PostgreSQL: the institution's
//! security policy, lockout with growing back-off, rate limits per address and account, TOTP
//! enrolment and sign-in with a second factor, recovery codes, enrolment forced by policy,
//! administrators' resets and unlocks, session rotation and sign-out everywhere.

use karte_server::totp;
use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::auth::{
    FactorConfirmed, FactorOverview, SessionInfo, SessionStage, TotpEnrolment,
};
use shared::api::security::SecurityPolicyView;
use shared::api::users::UserSummary;
use shared::domain::SecurityPolicy;

const CODE_A: &str = "1319999921";
const CODE_B: &str = "2719999922";
const CLERK_PASSWORD: &str = "front-desk-words-26";

fn secret_of(enrolment: &TotpEnrolment) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(enrolment.secret.replace(' ', "").as_bytes())
        .expect("base32 key")
}

/// Enrols a TOTP factor for the client's user and returns its key and the recovery codes.
async fn enrol_totp(client: &ApiClient) -> (Vec<u8>, FactorConfirmed) {
    let res = client
        .post(
            "/auth/factors/totp",
            &json!({"label": "業務用スマートフォン"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let enrolment: TotpEnrolment = res.json();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/Karte:"));
    assert!(enrolment.qr_svg.contains("<svg"));
    let secret = secret_of(&enrolment);
    let wrong = client
        .post(
            &format!("/auth/factors/totp/{}/confirm", enrolment.factor_id),
            &json!({"code": "000000"}),
        )
        .await;
    // (One in a million: 000000 could be the right code. Then the next assertion says so.)
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let code = totp::code_for_step(&secret, totp::current_step());
    let res = client
        .post(
            &format!("/auth/factors/totp/{}/confirm", enrolment.factor_id),
            &json!({"code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    (secret, res.json())
}

async fn set_policy(
    admin: &ApiClient,
    change: impl FnOnce(&mut SecurityPolicy),
) -> SecurityPolicyView {
    let current: SecurityPolicyView = admin.get("/security-policy").await.json();
    let mut policy = current.policy.clone();
    change(&mut policy);
    let res = admin
        .put(
            "/security-policy",
            &json!({"policy": policy, "base_version": current.version, "reason": "テスト"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn audit_actions(admin: &ApiClient) -> Vec<(String, bool, Value)> {
    let res = admin.get("/logs/audit?limit=200").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_string(),
                e["result"] == "success",
                e["details"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_policy_defaults_to_the_guideline_and_only_admins_change_it_within_its_floors() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let view: SecurityPolicyView = admin.get("/security-policy").await.json();
    assert_eq!(view.version, None);
    assert_eq!(view.policy.password_min_length, 13);
    assert_eq!(view.policy.password_min_length_two_factor, 8);

    let below = json!({"policy": SecurityPolicy { password_min_length: 10, ..view.policy.clone() },
                       "base_version": null, "reason": ""});
    let res = admin.put("/security-policy", &below).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["password_min_length"]);

    let saved = set_policy(&admin, |p| {
        p.lockout_threshold = 4;
        p.idle_timeout_seconds = 900;
    })
    .await;
    assert_eq!(saved.version, Some(1));
    assert_eq!(saved.policy.lockout_threshold, 4);
    // A stale base (the form showed "no version") is a conflict, not an overwrite.
    let stale = admin
        .put(
            "/security-policy",
            &json!({"policy": saved.policy, "base_version": null, "reason": ""}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    assert_eq!(
        clerk.get("/security-policy").await.status,
        StatusCode::FORBIDDEN
    );
    let info: SessionInfo = clerk.get("/auth/session").await.json();
    assert_eq!(
        info.idle_timeout_seconds, 900,
        "the institution's idle timeout"
    );

    let changes: Vec<_> = audit_actions(&admin)
        .await
        .into_iter()
        .filter(|(a, _, _)| a == "security_policy_change")
        .collect();
    assert_eq!(changes.len(), 1);
    let changed = changes[0].2["changed"].as_str().unwrap();
    assert!(
        changed.contains("lockout_threshold") && changed.contains("idle_timeout_seconds"),
        "{changed}"
    );
}

#[tokio::test]
async fn new_passwords_avoid_dates_and_common_words_and_the_length_follows_the_factor() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    for (candidate, code) in [
        ("kasou-19850401-x", "date_like"),
        ("P@ssw0rd-P@ssw0rd", "common"),
        ("short-2fa-ok", "too_short"),
    ] {
        let res = clerk
            .post("/auth/password", &change(CLERK_PASSWORD, candidate))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{candidate}");
        let codes: Vec<&str> = res.body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{candidate}: {codes:?}");
    }
    // With a second factor, 8+ characters are enough (ガイドライン: 8文字以上 with two factors).
    enrol_totp(&clerk).await;
    let info: SessionInfo = clerk.get("/auth/session").await.json();
    assert_eq!(info.password_policy.min_length, 8);
    let res = clerk
        .post("/auth/password", &change(CLERK_PASSWORD, "short-2fa-ok"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn failed_attempts_lock_the_account_with_growing_back_off_and_unknown_ids_alike() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    set_policy(&admin, |policy| {
        policy.lockout_threshold = 3;
        policy.lockout_seconds = 60;
        policy.lockout_max_seconds = 3600;
    })
    .await;
    let (issued, _) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let attacker = app.client();
    for login_id in ["clerk1", "nobody-here"] {
        for attempt in 1..=3 {
            let res = attacker.login(CODE_A, login_id, "wrong-words-xyz").await;
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{login_id} attempt {attempt}"
            );
            assert_eq!(res.code(), "invalid_credentials");
        }
        // Locked now: even the right password is refused, and the answer is the same for an
        // existing and an unknown login id.
        let password = if login_id == "clerk1" {
            CLERK_PASSWORD
        } else {
            "anything"
        };
        let res = attacker.login(CODE_A, login_id, password).await;
        assert_eq!(
            res.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{login_id} locked"
        );
        assert_eq!(res.code(), "too_many_attempts");
        let wait: u32 = res.header("retry-after").parse().unwrap();
        assert!((55..=60).contains(&wait), "{login_id}: first lock {wait}s");
    }

    // The administrator sees the lock and lifts it.
    let users: Vec<UserSummary> = admin.get("/users").await.json();
    let clerk = users.iter().find(|u| u.login_id == "clerk1").unwrap();
    assert!(clerk.locked_until.is_some());
    assert!(users
        .iter()
        .find(|u| u.login_id == "admin")
        .unwrap()
        .locked_until
        .is_none());
    let res = admin
        .post_empty(&format!("/users/{}/unlock", issued.user.user_id))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.client().login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "unlocked: {}", res.body);

    // Growing back-off: once the first lock has run out (moved into the past here), the next
    // run of failures locks for twice as long.
    let owner = app.owner_pool().await;
    let app_role_can: bool = sqlx::query_scalar(
        "select has_table_privilege('karte_app', 'login_throttle', 'select, insert, update, delete')",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(
        !app_role_can,
        "only the system functions touch the throttle"
    );
    let key = karte_server::db::system::throttle_key(CODE_A, "nobody-here");
    sqlx::query(
        "update login_throttle set locked_until = now() - interval '1 second' where key_hash = $1",
    )
    .bind(&key[..])
    .execute(&owner)
    .await
    .unwrap();
    for _ in 1..=3 {
        attacker
            .login(CODE_A, "nobody-here", "wrong-words-xyz")
            .await;
    }
    let res = attacker
        .login(CODE_A, "nobody-here", "wrong-words-xyz")
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u32 = res.header("retry-after").parse().unwrap();
    assert!((115..=120).contains(&wait), "second lock {wait}s");

    let actions = audit_actions(&admin).await;
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login" && !ok && d["locked_seconds"] == 60));
    assert!(actions.iter().any(|(a, ok, _)| a == "login_unlock" && *ok));
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login" && !ok && d["reason"] == "throttled"));
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address_and_per_account() {
    let app = TestApp::spawn_with(|s| {
        s.runtime.login_attempts_per_ip_per_minute = 6;
        s.runtime.login_attempts_per_account_per_minute = 2;
    })
    .await;
    let client = app.client();
    // Per account: the third attempt within a minute waits, another account does not.
    for _ in 0..2 {
        let res = client.login(CODE_A, "someone", "wrong-words-xyz").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = client.login(CODE_A, "someone", "wrong-words-xyz").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.header("retry-after").parse::<u32>().unwrap() <= 60);
    // Per address: 6 attempts a minute whatever the account.
    for name in ["other1", "other2", "other3"] {
        let res = client.login(CODE_A, name, "wrong-words-xyz").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name}");
    }
    let res = client.login(CODE_A, "other4", "wrong-words-xyz").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "address limit");
}

#[tokio::test]
async fn a_user_with_totp_signs_in_with_a_code_or_a_recovery_code_once_each() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let (secret, confirmed) = enrol_totp(&clerk).await;
    assert_eq!(confirmed.recovery_codes.len(), 10);
    assert!(confirmed.session.has_second_factor);
    // The key is stored sealed with the server's secret key: a dump of the table reveals none.
    let owner = app.owner_pool().await;
    let info: SessionInfo = clerk.get("/auth/session").await.json();
    let mut tx = karte_tests::tenant_tx(&owner, info.institution.tenant_id).await;
    let stored: Vec<u8> = sqlx::query_scalar("select secret from user_factor where kind = 'totp'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(stored.len(), 1 + 24 + secret.len() + 16);
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_slice()));
    let overview: FactorOverview = clerk.get("/auth/factors").await.json();
    assert_eq!(overview.factors.len(), 1);
    assert_eq!(overview.recovery_codes_left, 10);
    assert!(!overview.factors[0].label.is_empty());

    let c = app.client();
    let res = c.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK);
    let pending: SessionInfo = res.json();
    assert_eq!(pending.stage, SessionStage::SecondFactor);
    let pending_cookie = res.header("set-cookie").to_string();
    // The password alone opens nothing.
    let res = c.get("/patients?q=a").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.code(), "second_factor_required");
    let res = c
        .post("/auth/second-factor", &json!({"code": "12345"}))
        .await;
    assert_eq!(res.code(), "invalid_second_factor");
    // The step used at enrolment is spent; the next one is accepted (clock skew ±1).
    let used = totp::code_for_step(&secret, totp::current_step());
    let next = totp::code_for_step(&secret, totp::current_step() + 1);
    let res = c.post("/auth/second-factor", &json!({"code": next})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let full: SessionInfo = res.json();
    assert_eq!(full.stage, SessionStage::Full);
    // A new session id: the pending cookie is no longer a session.
    let full_cookie = res.header("set-cookie").to_string();
    assert_ne!(pending_cookie, full_cookie);
    let stale = app.client();
    let token = pending_cookie.split(';').next().unwrap().to_string();
    let res = stale
        .send(
            stale
                .http
                .get(stale.url("/auth/session"))
                .header("cookie", token),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "rotated away");
    assert_eq!(c.get("/patients?q=a").await.status, StatusCode::OK);

    // Replaying a spent code fails; a recovery code (typed in capitals, without hyphens)
    // works once.
    let d = app.client();
    d.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    for code in [&used, &next] {
        let res = d.post("/auth/second-factor", &json!({"code": code})).await;
        assert_eq!(res.code(), "invalid_second_factor", "replayed {code}");
    }
    let recovery = confirmed.recovery_codes[0].to_uppercase().replace('-', "");
    let res = d
        .post("/auth/second-factor", &json!({"code": recovery}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let e = app.client();
    e.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    let res = e
        .post("/auth/second-factor", &json!({"code": recovery}))
        .await;
    assert_eq!(
        res.code(),
        "invalid_second_factor",
        "a recovery code works once"
    );
    let overview: FactorOverview = clerk.get("/auth/factors").await.json();
    assert_eq!(overview.recovery_codes_left, 9);

    let actions = audit_actions(&admin).await;
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login_second_factor" && *ok && d["method"] == "totp"));
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login_second_factor" && *ok && d["method"] == "recovery_code"));
    assert!(actions
        .iter()
        .any(|(a, ok, _)| a == "login_second_factor" && !ok));
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "factor_enrol" && *ok && d["kind"] == "totp"));
    // Nothing secret in the audit trail.
    let text = admin.get("/logs/audit?limit=200").await.body.to_string();
    assert!(!text.contains(&confirmed.recovery_codes[1]));
}

#[tokio::test]
async fn a_role_the_policy_names_enrols_at_sign_in_and_cannot_drop_its_last_factor() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (issued, _) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    set_policy(&admin, |p| {
        p.two_factor_roles = vec![shared::domain::Role::Clerk]
    })
    .await;

    let c = app.client();
    let info: SessionInfo = c.login(CODE_A, "clerk1", CLERK_PASSWORD).await.json();
    assert_eq!(info.stage, SessionStage::Enrolment);
    let res = c.get("/patients?q=a").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.code(), "two_factor_enrolment_required");
    let (secret, confirmed) = enrol_totp(&c).await;
    assert_eq!(confirmed.session.stage, SessionStage::Full);
    assert_eq!(
        c.get("/patients?q=a").await.status,
        StatusCode::OK,
        "enrolled: open"
    );

    let overview: FactorOverview = c.get("/auth/factors").await.json();
    assert!(overview.required);
    let revoke = format!("/auth/factors/{}/revoke", overview.factors[0].factor_id);
    let res = c
        .post(&revoke, &json!({"current_password": "not-the-password"}))
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the password again"
    );
    let res = c
        .post(&revoke, &json!({"current_password": CLERK_PASSWORD}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    // The administrator resets the factors (a lost phone): sessions end, and the next sign-in
    // enrols again.
    let res = admin
        .post_empty(&format!("/users/{}/reset-factors", issued.user.user_id))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.json::<UserSummary>().has_second_factor);
    assert_eq!(
        c.get("/auth/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app.client();
    let info: SessionInfo = again.login(CODE_A, "clerk1", CLERK_PASSWORD).await.json();
    assert_eq!(info.stage, SessionStage::Enrolment, "the old key is gone");
    let _ = secret;
    let actions = audit_actions(&admin).await;
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "factors_reset" && *ok && d["factors_revoked"] == 1));
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user_only() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, first) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let second = app.client();
    assert_eq!(
        second.login(CODE_A, "clerk1", CLERK_PASSWORD).await.status,
        StatusCode::OK
    );
    let res = first.post_empty("/auth/logout-everywhere").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        first.get("/auth/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second.get("/auth/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        admin.get("/auth/session").await.status,
        StatusCode::OK,
        "others stay"
    );
}

#[tokio::test]
async fn sessions_take_the_institutions_timeouts_and_rotate_on_password_change() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    set_policy(&admin, |p| {
        p.idle_timeout_seconds = 600;
        p.session_lifetime_seconds = 7200;
    })
    .await;
    let (issued, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let owner = app.owner_pool().await;
    let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
    let (idle, lifetime): (i32, f64) = sqlx::query_as(
        "select idle_seconds, extract(epoch from expires_at - created_at)::float8 from session \
         where user_id = $1 and ended_at is null",
    )
    .bind(issued.user.user_id.as_uuid())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(idle, 600);
    assert!((lifetime - 7200.0).abs() < 5.0, "{lifetime}");
    drop(tx);

    let before = clerk.get("/auth/session").await;
    let res = clerk
        .post(
            "/auth/password",
            &json!({"current_password": CLERK_PASSWORD, "new_password": "another-words-77"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.header("set-cookie").is_empty(), "a new session cookie");
    assert_ne!(before.body["csrf_token"], res.body["csrf_token"]);
    assert_eq!(clerk.get("/patients?q=a").await.status, StatusCode::OK);
}

#[tokio::test]
async fn administrators_reach_only_their_own_institutions_users() {
    let app = TestApp::spawn().await;
    let (_, admin_a) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二医院").await;
    let (issued, _) = app
        .staff_session(&admin_a, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    for action in ["unlock", "reset-factors"] {
        let res = admin_b
            .post_empty(&format!("/users/{}/{action}", issued.user.user_id))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{action}");
    }
    set_policy(&admin_b, |p| p.lockout_threshold = 3).await;
    let a: SecurityPolicyView = admin_a.get("/security-policy").await.json();
    assert_eq!(a.version, None, "B's policy is B's");
}

/// Starts registering a security key; returns the challenge id and bytes.
async fn webauthn_start(client: &ApiClient) -> (uuid::Uuid, Vec<u8>) {
    let res = client
        .post(
            "/auth/factors/webauthn/start",
            &json!({"label": "受付のセキュリティキー"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c: shared::api::auth::WebauthnChallenge = res.json();
    assert_eq!(c.options["rp"]["id"], "127.0.0.1");
    assert_eq!(c.options["pubKeyCredParams"][0]["alg"], -7);
    let challenge =
        karte_server::webauthn::unb64(c.options["challenge"].as_str().unwrap()).unwrap();
    (c.challenge_id.as_uuid(), challenge)
}

/// Starts the second step of sign-in with a security key.
async fn webauthn_begin(client: &ApiClient) -> (uuid::Uuid, Vec<u8>) {
    let res = client
        .post_empty("/auth/second-factor/webauthn/start")
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c: shared::api::auth::WebauthnChallenge = res.json();
    assert_eq!(c.options["rpId"], "127.0.0.1");
    let challenge =
        karte_server::webauthn::unb64(c.options["challenge"].as_str().unwrap()).unwrap();
    (c.challenge_id.as_uuid(), challenge)
}

/// A passkey or security key (here a software authenticator making the same bytes a browser
/// sends): registered in a session, then used at the second step of sign-in; replays, another
/// site's origin and a cloned authenticator are refused.
#[tokio::test]
async fn a_security_key_registers_and_signs_in_and_replays_are_refused() {
    use karte_server::webauthn::{b64, software::Authenticator};
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let origin = app.base_url.clone();
    let rp_id = "127.0.0.1";
    let mut key = Authenticator::new();
    // Made on another site: refused.
    let (id, challenge) = webauthn_start(&clerk).await;
    let (client_data, object) = key.register(rp_id, "https://karte-login.example", &challenge);
    let res = clerk
        .post(
            "/auth/factors/webauthn/finish",
            &json!({"challenge_id": id, "client_data_json": b64(&client_data), "attestation_object": b64(&object)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.body["fields"][0]["code"], "wrong_origin");
    // Made here: registered, with recovery codes as the first factor.
    let (id, challenge) = webauthn_start(&clerk).await;
    let (client_data, object) = key.register(rp_id, &origin, &challenge);
    let body = json!({"challenge_id": id, "client_data_json": b64(&client_data), "attestation_object": b64(&object)});
    let res = clerk.post("/auth/factors/webauthn/finish", &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let confirmed: FactorConfirmed = res.json();
    assert_eq!(confirmed.recovery_codes.len(), 10);
    assert_eq!(confirmed.session.second_factor_kinds, ["webauthn"]);
    // A challenge is good once.
    let res = clerk.post("/auth/factors/webauthn/finish", &body).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Sign-in: password, then the key.
    let c = app.client();
    let info: SessionInfo = c.login(CODE_A, "clerk1", CLERK_PASSWORD).await.json();
    assert_eq!(info.stage, SessionStage::SecondFactor);
    assert_eq!(info.second_factor_kinds, ["webauthn"]);
    let (id, challenge) = webauthn_begin(&c).await;
    let (client_data, data, signature) = key.assert(rp_id, &origin, &challenge);
    let assertion = json!({"challenge_id": id, "credential_id": b64(&key.credential_id),
        "client_data_json": b64(&client_data), "authenticator_data": b64(&data), "signature": b64(&signature)});
    let res = c.post("/auth/second-factor/webauthn", &assertion).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json::<SessionInfo>().stage, SessionStage::Full);
    assert_eq!(c.get("/patients?q=a").await.status, StatusCode::OK);

    // Replayed into another sign-in: its challenge belongs to another session.
    let d = app.client();
    d.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    let res = d.post("/auth/second-factor/webauthn", &assertion).await;
    assert_eq!(res.code(), "invalid_second_factor");
    // A signature over a fresh challenge, but with the counter of an earlier use (a cloned
    // key): refused.
    let (id, challenge) = webauthn_begin(&d).await;
    key.counter -= 1;
    let (client_data, data, signature) = key.assert(rp_id, &origin, &challenge);
    let res = d
        .post(
            "/auth/second-factor/webauthn",
            &json!({"challenge_id": id, "credential_id": b64(&key.credential_id),
                "client_data_json": b64(&client_data), "authenticator_data": b64(&data), "signature": b64(&signature)}),
        )
        .await;
    assert_eq!(res.code(), "invalid_second_factor");
    // The real key, next time, still works.
    let (id, challenge) = webauthn_begin(&d).await;
    key.counter += 5;
    let (client_data, data, signature) = key.assert(rp_id, &origin, &challenge);
    let res = d
        .post(
            "/auth/second-factor/webauthn",
            &json!({"challenge_id": id, "credential_id": b64(&key.credential_id),
                "client_data_json": b64(&client_data), "authenticator_data": b64(&data), "signature": b64(&signature)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let actions = audit_actions(&admin).await;
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "factor_enrol" && *ok && d["kind"] == "webauthn"));
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login_second_factor" && *ok && d["method"] == "webauthn"));
    assert!(actions
        .iter()
        .any(|(a, ok, d)| a == "login_second_factor" && !ok && d["reason"] == "counter_went_back"));
}

/// A screen that refreshes itself (the reception queue) marks those requests as background:
/// they do not count as the user's activity, so an unattended screen still times out.
#[tokio::test]
async fn background_refreshes_do_not_keep_a_session_alive() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (issued, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let owner = app.owner_pool().await;
    let idle_for = |owner: sqlx::PgPool| async move {
        let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
        let seconds: f64 = sqlx::query_scalar(
            "select extract(epoch from now() - last_seen_at)::float8 from session \
             where user_id = $1 and ended_at is null",
        )
        .bind(issued.user.user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        seconds
    };
    // The user was last active a minute ago.
    let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
    sqlx::query("update session set last_seen_at = now() - interval '60 seconds' where user_id = $1 and ended_at is null")
        .bind(issued.user.user_id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let background = clerk
        .send(
            clerk
                .http
                .get(clerk.url("/receptions"))
                .header(shared::api::BACKGROUND_HEADER, "1"),
        )
        .await;
    assert_eq!(background.status, StatusCode::OK);
    assert!(
        idle_for(owner.clone()).await >= 59.0,
        "a timer's request is not activity"
    );
    assert_eq!(clerk.get("/receptions").await.status, StatusCode::OK);
    assert!(idle_for(owner.clone()).await < 5.0, "the user's request is");
}

/// The same account typed differently (hyphens, full-width digits, capitals) is the same
/// account to the lock: variations do not buy more guesses.
#[tokio::test]
async fn the_lock_holds_however_the_institution_code_is_typed() {
    let app = TestApp::spawn_with(|s| s.runtime.login_attempts_per_account_per_minute = 100).await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    set_policy(&admin, |p| p.lockout_threshold = 3).await;
    app.staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let c = app.client();
    for (code, login) in [
        ("131-999-9921", "clerk1"),
        ("１３１９９９９９２１", "CLERK1"),
        (" 1319999921 ", "Clerk1"),
    ] {
        let res = c.login(code, login, "wrong-words-xyz").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{code}");
    }
    let res = c.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "one account, one lock"
    );
    // The administrator sees it under the user.
    let users: Vec<UserSummary> = admin.get("/users").await.json();
    assert!(users
        .iter()
        .find(|u| u.login_id == "clerk1")
        .unwrap()
        .locked_until
        .is_some());
}

/// Attempts sent all at once cannot get past the threshold before their failures count.
#[tokio::test]
async fn parallel_attempts_do_not_exceed_the_threshold() {
    let app = TestApp::spawn_with(|s| s.runtime.login_attempts_per_account_per_minute = 100).await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    set_policy(&admin, |p| p.lockout_threshold = 3).await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let c = app.client();
        tasks.push(tokio::spawn(async move {
            c.login(CODE_A, "nobody-here", "wrong-words-xyz")
                .await
                .status
        }));
    }
    let mut checked = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert!(
        checked <= 3,
        "{checked} passwords were checked, the threshold is 3"
    );
}

/// A password alone (second factor still owed) cannot sign the user out elsewhere, nor add a
/// factor; a signed-in user adding a second factor gives the password again.
#[tokio::test]
async fn changes_to_the_accounts_protection_need_more_than_an_open_session() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    enrol_totp(&clerk).await;
    let pending = app.client();
    pending.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    let res = pending.post_empty("/auth/logout-everywhere").await;
    assert_eq!(res.code(), "second_factor_required");
    assert_eq!(clerk.get("/auth/session").await.status, StatusCode::OK);
    let res = pending
        .post("/auth/factors/totp", &json!({"label": "attacker"}))
        .await;
    assert_eq!(res.code(), "second_factor_required");

    let res = clerk
        .post("/auth/factors/totp", &json!({"label": "予備の端末"}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["current_password"]);
    let res = clerk
        .post(
            "/auth/recovery-codes",
            &json!({"current_password": "wrong-words-xyz"}),
        )
        .await;
    assert_eq!(res.field_names(), ["current_password"]);
    let res = clerk
        .post(
            "/auth/factors/totp",
            &json!({"label": "予備の端末", "current_password": CLERK_PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = clerk
        .post(
            "/auth/recovery-codes",
            &json!({"current_password": CLERK_PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["codes"].as_array().unwrap().len(), 10);
}
