//! API integration tests: the real server over TLS against PostgreSQL, as the application role.

use karte_tests::{admin_options, tls_client_config, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use shared::api::auth::SessionInfo;
use shared::api::users::{IssuedPassword, UserSummary};
use sqlx::Row;
use std::sync::Arc;

const CODE_A: &str = "1319999901";
const CODE_B: &str = "2719999902";

#[tokio::test]
async fn health_answers_version_commit_and_database() {
    let app = TestApp::spawn().await;
    let res = app.client().get("/health").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body["status"], "ok");
    assert_eq!(res.body["version"], shared::VERSION);
    assert_eq!(res.body["commit"], karte_server::COMMIT);
    assert_eq!(res.body["database"], "ok");
    assert!(!karte_server::COMMIT.is_empty());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let api = client.get("/health").await;
    let page = client
        .send(client.http.get(format!("{}/login", app.base_url)))
        .await;
    let missing = client.get("/no/such/route").await;
    for (name, res) in [("api", &api), ("page", &page), ("404", &missing)] {
        assert!(
            res.header("strict-transport-security")
                .starts_with("max-age="),
            "{name}"
        );
        let csp = res.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{name}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{name}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{name}: {csp}");
        assert_eq!(res.header("x-content-type-options"), "nosniff", "{name}");
        assert_eq!(res.header("referrer-policy"), "no-referrer", "{name}");
    }
    assert_eq!(api.header("cache-control"), "no-store");
    assert_eq!(missing.header("cache-control"), "no-store");
}

#[tokio::test]
async fn the_app_is_served_without_inline_script() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in ["/", "/login", "/admin/users"] {
        let res = client
            .send(client.http.get(format!("{}{path}", app.base_url)))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        let html = res.body.as_str().expect("html");
        assert!(html.contains("<html lang=\"ja\">"), "{path}");
        for (i, chunk) in html.split("<script").skip(1).enumerate() {
            let tag = chunk.split('>').next().unwrap_or("");
            assert!(
                tag.contains("src="),
                "{path}: script #{i} is inline: <script{tag}>"
            );
        }
    }
}

#[tokio::test]
async fn a_tls_1_2_client_is_refused_and_tls_1_3_accepted() {
    let app = TestApp::spawn().await;
    let connect = |versions: &'static [&'static rustls::SupportedProtocolVersion]| {
        let config = Arc::new(tls_client_config(&app.cert_pem, versions));
        let port = app.port;
        async move {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("tcp");
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1")
                .unwrap()
                .to_owned();
            tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
        }
    };
    static TLS12_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    let tls12 = connect(&TLS12_ONLY).await;
    assert!(
        tls12.is_err(),
        "a TLS 1.2-only client must not complete a handshake"
    );
    let tls13 = connect(&TLS13_ONLY).await.expect("TLS 1.3 handshake");
    assert_eq!(
        tls13.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

#[tokio::test]
async fn bad_requests_get_stable_json_errors_in_both_languages() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let login = client.url("/auth/login");
    let cases = vec![
        (
            "unknown route",
            client.http.get(client.url("/nope")),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "wrong method",
            client.http.delete(client.url("/health")),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "malformed json",
            client
                .http
                .post(&login)
                .header("content-type", "application/json")
                .body("{\"institution_code\":"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "wrong shape",
            client
                .http
                .post(&login)
                .header("content-type", "application/json")
                .body("{\"login_id\": 5}"),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "wrong content type",
            client
                .http
                .post(&login)
                .header("content-type", "text/plain")
                .body("hello"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "oversized body",
            client
                .http
                .post(&login)
                .header("content-type", "application/json")
                .body(format!("{{\"password\":\"{}\"}}", "x".repeat(200 * 1024))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "not signed in",
            client.http.get(client.url("/users")),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
    ];
    for (name, request, status, code) in cases {
        let res = client.send(request).await;
        assert_eq!(res.status, status, "{name}: {}", res.body);
        assert_eq!(res.code(), code, "{name}");
        assert!(
            !res.body["message"].as_str().unwrap_or("").is_empty(),
            "{name}: Japanese message"
        );
        assert!(
            !res.body["message_en"].as_str().unwrap_or("").is_empty(),
            "{name}: English message"
        );
        assert!(
            res.header("content-type").starts_with("application/json"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn login_failures_are_indistinguishable() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let created: IssuedPassword = admin
        .post(
            "/users",
            &json!({"login_id": "gone", "display_name": "架空 退職者", "role": "clerk"}),
        )
        .await
        .json();
    let res = admin
        .post_empty(&format!("/users/{}/disable", created.user.user_id))
        .await;
    assert_eq!(res.status, StatusCode::OK);

    let client = app.client();
    let cases = [
        ("wrong password", CODE_A, "admin", "wrong-password-123"),
        ("unknown user", CODE_A, "nobody", "wrong-password-123"),
        (
            "unknown institution",
            "4719999999",
            "admin",
            &p.admin_password,
        ),
        (
            "malformed institution code",
            "12",
            "admin",
            &p.admin_password,
        ),
        (
            "disabled user with the right password",
            CODE_A,
            "gone",
            &created.one_time_password,
        ),
    ];
    let mut bodies = Vec::new();
    for (name, code, login, password) in cases {
        let res = client.login(code, login, password).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(res.code(), "invalid_credentials", "{name}");
        assert!(res.header("set-cookie").is_empty(), "{name}: no cookie");
        bodies.push(res.body.to_string());
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "identical bodies: {bodies:?}"
    );
    let ok = client.login(CODE_A, "ADMIN", &p.admin_password).await;
    assert_eq!(ok.status, StatusCode::OK, "login ids are case-insensitive");
}

#[tokio::test]
async fn the_session_cookie_is_secure_httponly_samesite_strict() {
    let app = TestApp::spawn().await;
    let p = app.provision(CODE_A, "架空第一クリニック").await;
    let res = app
        .client()
        .login(&p.code, &p.admin_login, &p.admin_password)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let cookie = res.header("set-cookie");
    assert!(cookie.starts_with("__Host-karte_session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} missing in {cookie}"
        );
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(token.len() >= 43, "256-bit token");
    let info: SessionInfo = res.json();
    assert!(info.must_change_password);
    assert_eq!(info.institution.code, CODE_A);
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = TestApp::spawn().await;
    let p = app.provision(CODE_A, "架空第一クリニック").await;
    let client = app.client();
    assert_eq!(
        client
            .login(&p.code, "admin", &p.admin_password)
            .await
            .status,
        StatusCode::OK
    );

    let blocked = client.get("/users").await;
    assert_eq!(
        (blocked.status, blocked.code()),
        (StatusCode::FORBIDDEN, "password_change_required")
    );
    let session = client.get("/auth/session").await;
    assert_eq!(session.status, StatusCode::OK);
    assert_eq!(session.body["must_change_password"], true);

    let weak = client
        .post(
            "/auth/password",
            &json!({"current_password": p.admin_password, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        (weak.status, weak.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation")
    );
    let codes: Vec<&str> = weak.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"too_short"), "{codes:?}");

    let same = client
        .post(
            "/auth/password",
            &json!({"current_password": p.admin_password, "new_password": p.admin_password}),
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        same.body.to_string().contains("same_as_current"),
        "{}",
        same.body
    );

    let wrong_current = client
        .post(
            "/auth/password",
            &json!({"current_password": "not-it-123456", "new_password": "a-good-new-one-42"}),
        )
        .await;
    assert_eq!(wrong_current.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_current.body["fields"][0]["field"], "current_password");

    let changed = client
        .post(
            "/auth/password",
            &json!({"current_password": p.admin_password, "new_password": "a-good-new-one-42"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["must_change_password"], false);
    assert_eq!(client.get("/users").await.status, StatusCode::OK);

    let again = app.client();
    assert_eq!(
        again
            .login(&p.code, "admin", &p.admin_password)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again
            .login(&p.code, "admin", "a-good-new-one-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token_and_same_origin() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let body = json!({"login_id": "nurse1", "display_name": "架空 花子", "role": "nurse"});
    let url = admin.url("/users");

    let missing = admin.send(admin.http.post(&url).json(&body)).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::FORBIDDEN, "csrf_failed")
    );
    let wrong = admin
        .send(
            admin
                .http
                .post(&url)
                .header("x-csrf-token", "forged")
                .json(&body),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::FORBIDDEN, "csrf_failed")
    );
    let cross_site = admin
        .send(
            admin
                .http
                .post(&url)
                .header("x-csrf-token", admin.csrf())
                .header("sec-fetch-site", "cross-site")
                .json(&body),
        )
        .await;
    assert_eq!(
        (cross_site.status, cross_site.code()),
        (StatusCode::FORBIDDEN, "csrf_failed")
    );
    let foreign_origin = admin
        .send(
            admin
                .http
                .post(&url)
                .header("x-csrf-token", admin.csrf())
                .header("origin", "https://evil.example")
                .json(&body),
        )
        .await;
    assert_eq!(
        (foreign_origin.status, foreign_origin.code()),
        (StatusCode::FORBIDDEN, "csrf_failed")
    );
    let login_from_elsewhere = app
        .client()
        .send(
            admin
                .http
                .post(admin.url("/auth/login"))
                .header("origin", "https://evil.example")
                .json(&json!({"institution_code": p.code, "login_id": "admin", "password": p.admin_password})),
        )
        .await;
    assert_eq!(
        login_from_elsewhere.status,
        StatusCode::FORBIDDEN,
        "login CSRF"
    );

    let same_origin = admin
        .send(
            admin
                .http
                .post(&url)
                .header("x-csrf-token", admin.csrf())
                .header("origin", app.base_url.clone())
                .json(&body),
        )
        .await;
    assert_eq!(
        same_origin.status,
        StatusCode::CREATED,
        "{}",
        same_origin.body
    );
    let listed: Vec<UserSummary> = admin.get("/users").await.json();
    assert_eq!(
        listed.len(),
        2,
        "only the same-origin request created a user"
    );
}

#[tokio::test]
async fn logout_ends_the_session_for_good() {
    let app = TestApp::spawn().await;
    let (p, client) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let fresh = app.client();
    let login = fresh.login(&p.code, "admin", &p.admin_password).await;
    let cookie = login
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let out = fresh.post_empty("/auth/logout").await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    // Replaying the old cookie does not bring the session back.
    let replay = app.client();
    let res = replay
        .send(
            replay
                .http
                .get(replay.url("/auth/session"))
                .header("cookie", cookie),
        )
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // The admin's other session is unaffected.
    assert_eq!(client.get("/auth/session").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app =
        TestApp::spawn_with(|s| s.runtime.idle_timeout = std::time::Duration::from_secs(1)).await;
    // The app's first question on every page load is answered 200, signed in or not.
    let anonymous = app.client().get("/auth/state").await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(
        anonymous.body,
        serde_json::json!({"session": null, "expired": false})
    );
    let (_, client) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let state = client.get("/auth/state").await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(
        state.body["session"],
        client.get("/auth/session").await.body
    );
    assert_eq!(state.body["expired"], false);
    assert_eq!(client.get("/auth/session").await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let res = client.get("/auth/session").await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::UNAUTHORIZED, "session_expired")
    );
    let res = client.get("/auth/session").await;
    assert_eq!(
        res.code(),
        "session_expired",
        "an expired session stays expired"
    );
    let state = client.get("/auth/state").await;
    assert_eq!(
        (state.status, state.body.clone()),
        (
            StatusCode::OK,
            serde_json::json!({"session": null, "expired": true})
        )
    );
    // Said once: the cookie went with that answer.
    assert_eq!(
        client.get("/auth/state").await.body,
        serde_json::json!({"session": null, "expired": false})
    );
}

#[tokio::test]
async fn administrators_manage_users_of_their_own_institution() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let created = admin
        .post(
            "/users",
            &json!({"login_id": "Dr.Kasou", "display_name": "架空 一郎", "role": "doctor"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let issued: IssuedPassword = created.json();
    assert_eq!(issued.user.login_id, "dr.kasou");
    assert!(issued.user.must_change_password);

    let dup = admin
        .post(
            "/users",
            &json!({"login_id": "dr.kasou", "display_name": "別人", "role": "clerk"}),
        )
        .await;
    assert_eq!((dup.status, dup.code()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(dup.body["fields"][0]["field"], "login_id");

    let invalid = admin
        .post(
            "/users",
            &json!({"login_id": "x", "display_name": "", "role": "doctor"}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["fields"].as_array().unwrap().len(), 2);
    let bad_role = admin
        .post(
            "/users",
            &json!({"login_id": "someone", "display_name": "架空", "role": "root"}),
        )
        .await;
    assert_eq!(bad_role.code(), "invalid_body");

    let self_id = admin.get("/auth/session").await.body["user"]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let own = admin.post_empty(&format!("/users/{self_id}/disable")).await;
    assert_eq!(
        own.status,
        StatusCode::CONFLICT,
        "an administrator cannot lock themselves out"
    );

    // The doctor signs in, then is disabled: the session ends and login is refused.
    let doctor = app.client();
    assert_eq!(
        doctor
            .login(&p.code, "dr.kasou", &issued.one_time_password)
            .await
            .status,
        StatusCode::OK
    );
    let disabled = admin
        .post_empty(&format!("/users/{}/disable", issued.user.user_id))
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(
        doctor.get("/auth/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        doctor
            .login(&p.code, "dr.kasou", &issued.one_time_password)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let enabled = admin
        .post_empty(&format!("/users/{}/enable", issued.user.user_id))
        .await;
    assert_eq!(enabled.body["disabled"], false);
    let reset: IssuedPassword = admin
        .post_empty(&format!("/users/{}/reset-password", issued.user.user_id))
        .await
        .json();
    assert_ne!(reset.one_time_password, issued.one_time_password);
    assert_eq!(
        doctor
            .login(&p.code, "dr.kasou", &issued.one_time_password)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let relogin = doctor
        .login(&p.code, "dr.kasou", &reset.one_time_password)
        .await;
    assert_eq!(relogin.body["must_change_password"], true);

    let list: Vec<UserSummary> = admin.get("/users").await.json();
    let logins: Vec<&str> = list.iter().map(|u| u.login_id.as_str()).collect();
    assert_eq!(logins, ["admin", "dr.kasou"]);
    assert_eq!(
        admin.post_empty("/users/not-a-uuid/disable").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_user_who_is_not_an_administrator_gets_403() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    for role in ["doctor", "nurse", "clerk"] {
        let (issued, client) = app
            .staff_session(
                &admin,
                &p.code,
                &format!("{role}1"),
                role,
                "staff-secret-words-26",
            )
            .await;
        for res in [
            client.get("/users").await,
            client
                .post(
                    "/users",
                    &json!({"login_id": "sneaky", "display_name": "x", "role": "admin"}),
                )
                .await,
            client
                .post_empty(&format!("/users/{}/reset-password", issued.user.user_id))
                .await,
        ] {
            assert_eq!(
                (res.status, res.code()),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{role}"
            );
        }
    }
}

#[tokio::test]
async fn institution_a_cannot_read_list_change_or_create_data_of_b_through_the_api() {
    let app = TestApp::spawn().await;
    let (_, admin_a) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
    let b_user: IssuedPassword = admin_b
        .post(
            "/users",
            &json!({"login_id": "b.nurse", "display_name": "架空 看護", "role": "nurse"}),
        )
        .await
        .json();
    let b_admin_id = admin_b.get("/auth/session").await.body["user"]["user_id"]
        .as_str()
        .unwrap()
        .to_string();

    let a_list: Vec<UserSummary> = admin_a.get("/users").await.json();
    assert_eq!(
        a_list
            .iter()
            .map(|u| u.login_id.as_str())
            .collect::<Vec<_>>(),
        ["admin"]
    );
    for id in [b_user.user.user_id.to_string(), b_admin_id] {
        for action in ["disable", "enable", "reset-password"] {
            let res = admin_a.post_empty(&format!("/users/{id}/{action}")).await;
            assert_eq!(
                (res.status, res.code()),
                (StatusCode::NOT_FOUND, "not_found"),
                "{action} {id}"
            );
        }
    }
    // A body cannot name an institution: `tenant_id` is not a field, and is refused.
    let refused = admin_a
        .post("/users", &json!({"login_id": "b.nurse", "display_name": "架空 A", "role": "nurse", "tenant_id": "x"}))
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::BAD_REQUEST, "invalid_body"),
        "{}",
        refused.body
    );
    assert_eq!(refused.field_names(), ["tenant_id"]);
    // A's new user lands in A; the same login id may exist in both.
    let created = admin_a
        .post(
            "/users",
            &json!({"login_id": "b.nurse", "display_name": "架空 A", "role": "nurse"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let b_list: Vec<UserSummary> = admin_b.get("/users").await.json();
    assert_eq!(b_list.len(), 2);
    assert!(b_list.iter().all(|u| u.display_name != "架空 A"));
    let b_user_now = b_list.iter().find(|u| u.login_id == "b.nurse").unwrap();
    assert!(
        !b_user_now.disabled && b_user_now.must_change_password,
        "B's user untouched"
    );
}

#[tokio::test]
async fn under_a_tenant_setting_sql_sees_and_writes_only_that_tenant() {
    let app = TestApp::spawn().await;
    let (a, _) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (b, _) = app.admin_session(CODE_B, "架空第二病院").await;
    let pool = app.app_pool().await;

    // No tenant set: nothing visible.
    for table in ["institution", "app_user", "session"] {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} without a tenant setting");
    }

    let mut tx = karte_tests::tenant_tx(&pool, a.tenant_id).await;
    for table in ["institution", "app_user", "session"] {
        let tenants: Vec<uuid::Uuid> =
            sqlx::query_scalar(&format!("select distinct tenant_id from {table}"))
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        assert_eq!(
            tenants,
            vec![a.tenant_id.as_uuid()],
            "{table} under A's setting"
        );
    }
    let changed = sqlx::query("update app_user set display_name = 'x' where tenant_id = $1")
        .bind(b.tenant_id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        changed.rows_affected(),
        0,
        "B's rows cannot be updated under A"
    );
    let ended = sqlx::query("update session set ended_at = now() where tenant_id = $1")
        .bind(b.tenant_id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(ended.rows_affected(), 0);
    let forged = sqlx::query(
        "insert into app_user (tenant_id, user_id, login_id, display_name, role, password_hash) \
         values ($1, gen_random_uuid(), 'forged', 'x', 'admin', '$argon2id$x')",
    )
    .bind(b.tenant_id.as_uuid())
    .execute(&mut *tx)
    .await;
    let err = forged.expect_err("inserting into B under A's setting must fail");
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "RLS violation"
    );
    tx.rollback().await.unwrap();

    // The application role cannot delete anything, or switch RLS off.
    let delete = sqlx::query("delete from session").execute(&pool).await;
    assert!(delete.is_err(), "no DELETE grant");
    let disable = sqlx::query("alter table app_user disable row level security")
        .execute(&pool)
        .await;
    assert!(disable.is_err(), "the application role does not own tables");
    let set_role = sqlx::query("set role karte_system").execute(&pool).await;
    assert!(
        set_role.is_err(),
        "the application role cannot become the BYPASSRLS role"
    );
}

#[tokio::test]
async fn every_tenant_table_has_forced_row_level_security_and_a_policy() {
    let app = TestApp::spawn().await;
    let pool = app.owner_pool().await;
    let rows = sqlx::query(
        "select c.relname, c.relrowsecurity, c.relforcerowsecurity, \
                (select count(*) from pg_policy p where p.polrelid = c.oid) as policies, \
                (select a.attnum from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id') as position, \
                (select pg_get_constraintdef(k.oid) from pg_constraint k where k.conrelid = c.oid and k.contype = 'p') as pkey \
         from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') \
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(rows.len() >= 3, "found the tenant tables");
    for row in rows {
        let table: String = row.get("relname");
        assert!(
            row.get::<bool, _>("relrowsecurity"),
            "{table}: RLS not enabled"
        );
        assert!(
            row.get::<bool, _>("relforcerowsecurity"),
            "{table}: RLS not forced"
        );
        assert!(row.get::<i64, _>("policies") >= 1, "{table}: no policy");
        let pkey: String = row.get("pkey");
        assert!(
            pkey.starts_with("PRIMARY KEY (tenant_id"),
            "{table}: tenant_id must lead the key, got {pkey}"
        );
    }
    // Every table of the application is a tenant table or explicitly global:
    // login_throttle is keyed by a hash of what was typed at sign-in (existing account or not),
    // holds no tenant data, and the application role has no privilege on it at all;
    // note_draft_revision_floor is one row written by a migration (the last revision the former
    // shared sequence gave out), which the application role can only read;
    // backup_marker holds the backup command's marker rows (an id, a kind, a time), written by
    // the cluster's superuser, and the application role has no privilege on it at all.
    let untenanted: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where c.relkind = 'r' and n.nspname = 'public' \
           and c.relname not in ('_sqlx_migrations', 'login_throttle', 'note_draft_revision_floor', \
                                 'backup_marker') \
           and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        untenanted.is_empty(),
        "tables without tenant_id: {untenanted:?}"
    );
    let app_may: bool = sqlx::query_scalar(
        "select has_table_privilege('karte_app', 'public.backup_marker', \
                                    'select, insert, update, delete')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        !app_may,
        "the application role has no privilege on backup_marker"
    );
}

#[tokio::test]
async fn the_server_refuses_to_run_as_a_role_that_bypasses_rls() {
    let settings = karte_server::config::Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: admin_options(),
        db_max_connections: 1,
        tls: karte_server::config::TlsSource::Pem {
            cert: vec![],
            key: vec![],
        },
        dist_dir: None,
        runtime: Default::default(),
        file_stores: karte_tests::file_store_dirs("refused_superuser")
            .map(karte_server::files::StoreSpec::Local),
        body_limit_bytes: 1024,
        pdf_fonts: Default::default(),
        hsts_max_age_seconds: 1,
        benchmark_without_access_log: false,
        client_certs: Default::default(),
    };
    let err = karte_server::startup::Application::build(settings)
        .await
        .err()
        .expect("must refuse a superuser");
    assert!(format!("{err:#}").contains("BYPASSRLS"), "{err:#}");
}

#[tokio::test]
async fn the_bundle_is_precompressed_and_cached_by_its_content_hash() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let index = client
        .send(client.http.get(format!("{}/", app.base_url)))
        .await;
    assert_eq!(
        index.header("cache-control"),
        "no-cache",
        "index.html is revalidated"
    );
    let html = index.body.as_str().expect("html").to_string();
    let wasm = html
        .split("data-wasm=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html names the wasm bundle");
    // The build's precompressed files, as they are: brotli where the browser accepts it (every
    // current one over HTTPS), else gzip.
    let dist = karte_tests::dist_dir();
    for (accept, encoding, suffix) in [("gzip, deflate, br", "br", "br"), ("gzip", "gzip", "gz")] {
        let res = client
            .http
            .get(format!("{}{wasm}", app.base_url))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(header("content-encoding"), encoding);
        assert_eq!(
            header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header("content-type"), "application/wasm");
        assert_eq!(header("vary"), "accept-encoding");
        let body = res.bytes().await.unwrap();
        let file = dist.join(format!("{}.{suffix}", wasm.trim_start_matches('/')));
        assert_eq!(
            body.as_ref(),
            std::fs::read(&file)
                .expect("precompressed bundle")
                .as_slice(),
            "{encoding}: the file the build made"
        );
    }
    let boot = client
        .send(client.http.get(format!("{}/boot.js", app.base_url)))
        .await;
    assert_eq!(
        boot.header("cache-control"),
        "no-cache",
        "boot.js has no hash"
    );
}
