//! Device authentication with client certificates (rcgen-made CA and devices), against the
//! real server over TLS: optional mode with the policy naming the roles that need a registered
//! device, required mode, registration and revocation, sessions bound to their device, and
//! certificates of another CA or another institution.

use karte_server::config::ClientCerts;
use karte_tests::{ApiClient, DeviceCert, TestApp, TestCa};
use reqwest::StatusCode;
use serde_json::json;
use shared::api::devices::{ClientCertMode, DeviceSummary, ThisDevice};

const CODE_A: &str = "1319999941";
const CODE_B: &str = "2719999942";
const CLERK_PASSWORD: &str = "front-desk-words-26";

async fn spawn(mode: ClientCertMode, ca: &TestCa) -> TestApp {
    let ca_pem = ca.pem().into_bytes();
    TestApp::spawn_with(move |s| {
        s.client_certs = ClientCerts {
            mode,
            ca_pem: Some(ca_pem),
        }
    })
    .await
}

async fn register(admin: &ApiClient, name: &str, device: &DeviceCert) -> DeviceSummary {
    let res = admin
        .post(
            "/devices",
            &json!({"name": name, "certificate": device.cert_pem}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

async fn connection_refused(client: &ApiClient) -> bool {
    client.http.get(client.url("/health")).send().await.is_err()
}

#[tokio::test]
async fn optional_mode_asks_a_registered_device_of_the_roles_the_policy_names() {
    let ca = TestCa::new("架空クリニック 端末CA");
    let app = spawn(ClientCertMode::Optional, &ca).await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    app.staff_session(&admin, CODE_A, "clerk1", "clerk", CLERK_PASSWORD)
        .await;
    let current: serde_json::Value = admin.get("/security-policy").await.body;
    let mut policy = current["policy"].clone();
    policy["device_roles"] = json!(["clerk"]);
    let res = admin
        .put(
            "/security-policy",
            &json!({"policy": policy, "base_version": null, "reason": "受付は登録端末のみ"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Without a certificate, or with one not registered: no session.
    let res = app.client().login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.code(), "device_not_registered");
    let front = ca.device("受付1番端末");
    let at_front = app.client_with_device(&front);
    let this: ThisDevice = at_front.get("/devices/this").await.json();
    assert_eq!(this.mode, ClientCertMode::Optional);
    assert_eq!(
        this.fingerprint.as_deref(),
        Some(front.fingerprint.as_str())
    );
    let res = at_front.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(res.code(), "device_not_registered");

    // The administrator registers it (by PEM; the fingerprint works too), once.
    let device = register(&admin, "受付1番端末", &front).await;
    assert_eq!(device.fingerprint, front.fingerprint);
    let again = admin
        .post("/devices", &json!({"name": "重複", "certificate": shared::api::devices::display_fingerprint(&front.fingerprint)}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = admin
        .post(
            "/devices",
            &json!({"name": "", "certificate": "not a certificate"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field_names(), ["name", "certificate"]);

    let res = at_front.login(CODE_A, "clerk1", CLERK_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(at_front.get("/patients?q=a").await.status, StatusCode::OK);
    // The session is bound to the device: its cookie from another machine is no session.
    let cookie = res
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let elsewhere = app.client();
    let res = elsewhere
        .send(
            elsewhere
                .http
                .get(elsewhere.url("/auth/session"))
                .header("cookie", cookie),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // Roles the policy does not name sign in without a device.
    assert_eq!(admin.get("/auth/session").await.status, StatusCode::OK);

    // The access log records the certificate of each request.
    let log = admin.get("/logs/access?limit=200").await.body;
    assert!(log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["client_cert_sha256"] == front.fingerprint.as_str()));

    // Revoked: the bound session ends, and the device signs in no more.
    let res = admin
        .post_empty(&format!("/devices/{}/revoke", device.device_id))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        at_front.get("/patients?q=a").await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .client_with_device(&front)
        .login(CODE_A, "clerk1", CLERK_PASSWORD)
        .await;
    assert_eq!(res.code(), "device_not_registered");
    let list: Vec<DeviceSummary> = admin.get("/devices").await.json();
    assert!(list[0].revoked_at.is_some());

    // Another institution's registered device is not this institution's.
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二医院").await;
    let b_device = ca.device("第二医院 受付");
    register(&admin_b, "受付", &b_device).await;
    let res = app
        .client_with_device(&b_device)
        .login(CODE_A, "clerk1", CLERK_PASSWORD)
        .await;
    assert_eq!(res.code(), "device_not_registered");
    assert_eq!(
        admin_b
            .get("/devices")
            .await
            .json::<Vec<DeviceSummary>>()
            .len(),
        1
    );

    // A certificate of another CA does not get through the handshake.
    let stranger = TestCa::new("よその CA").device("持ち込み端末");
    assert!(connection_refused(&app.client_with_device(&stranger)).await);

    let audit = admin.get("/logs/audit?limit=200").await.body.to_string();
    for action in ["device_register", "device_revoke", "device_not_registered"] {
        assert!(audit.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn required_mode_refuses_connections_without_a_certificate_and_unregistered_devices() {
    let ca = TestCa::new("架空病院 端末CA");
    let app = spawn(ClientCertMode::Required, &ca).await;
    let p = app.provision(CODE_A, "架空第一病院").await;
    // The operator registers the administrator's first device.
    let first = ca.device("管理者端末");
    let db = app.db().await;
    let code = shared::domain::InstitutionCode::parse(CODE_A).unwrap();
    karte_server::services::operator::register_device(&db, &code, "管理者端末", &first.cert_pem)
        .await
        .expect("operator registers the first device");

    assert!(
        connection_refused(&app.client()).await,
        "no certificate, no connection"
    );
    let admin = app.client_with_device(&first);
    let res = admin.login(CODE_A, "admin", &p.admin_password).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let other = app.client_with_device(&ca.device("未登録端末"));
    let res = other.login(CODE_A, "admin", &p.admin_password).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.code(), "device_not_registered");
    // A wrong password from an unregistered device is still just a wrong password.
    let res = other.login(CODE_A, "admin", "wrong-words-xyz").await;
    assert_eq!(res.code(), "invalid_credentials");
}
