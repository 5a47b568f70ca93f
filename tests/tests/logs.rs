//! Access and audit logs: recording, tenancy, append-only storage, tamper evidence, viewer,
//! export. Against the real server and PostgreSQL.

use karte_server::cli::AnchorArgs;
use karte_server::files::{RecordStore, StoreSpec};
use karte_server::logs::chain;
use karte_server::logs::verify::{self, Problem};
use karte_server::logs::{anchor, archive};
use karte_server::logs::{AccessEntry, LogKind};
use karte_server::secrets::{Seal, SecretKey};
use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest;
use shared::api::logs::{AccessLogEntry, AuditLogEntry, ChainStatus, LogPage};
use shared::api::users::IssuedPassword;
use shared::ids::TenantId;
use sqlx::PgPool;

const CODE_A: &str = "1319999911";
const CODE_B: &str = "2719999912";

async fn access(client: &ApiClient, query: &str) -> LogPage<AccessLogEntry> {
    let res = client.get(&format!("/logs/access{query}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn audit(client: &ApiClient, query: &str) -> LogPage<AuditLogEntry> {
    let res = client.get(&format!("/logs/audit{query}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn user_id(session: &Value) -> String {
    session["user"]["user_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_request_is_logged_with_its_route_template_actor_and_status() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let admin_id = user_id(&admin.get("/auth/session").await.body);
    let nurse: IssuedPassword = admin
        .post(
            "/users",
            &json!({"login_id": "nurse1", "display_name": "架空 看護", "role": "nurse"}),
        )
        .await
        .json();
    admin
        .post_empty(&format!("/users/{}/disable", nurse.user.user_id))
        .await;
    admin.get("/users?secret=search-term").await;
    admin.get("/no/such/thing").await;
    app.client().get("/users").await; // not signed in

    let page = access(&admin, "?limit=200").await;
    let find = |route: &str, status: i16| {
        page.entries
            .iter()
            .find(|e| e.route == route && e.status == status)
            .unwrap_or_else(|| {
                panic!(
                    "no {route} {status} in {:#?}",
                    page.entries
                        .iter()
                        .map(|e| (&e.route, e.status))
                        .collect::<Vec<_>>()
                )
            })
    };
    let disable = find("/api/v1/users/{user_id}/disable", 200);
    assert_eq!(disable.method, "POST");
    assert_eq!(
        disable.user_id.map(|u| u.to_string()),
        Some(admin_id.clone())
    );
    assert!(disable.session_id.is_some());
    assert_eq!(disable.client_ip.as_deref(), Some("127.0.0.1"));
    let created = find("/api/v1/users", 201);
    assert_eq!(created.method, "POST");
    find("/api/v1/auth/login", 200);
    assert!(
        page.entries
            .iter()
            .all(|e| !e.route.contains('?') && !e.route.contains("search-term")),
        "no query strings"
    );
    assert!(
        page.entries
            .iter()
            .all(|e| e.user_id.map(|u| u.to_string()) == Some(admin_id.clone())),
        "only this institution's requests, all by its admin"
    );
    // Newest first, sequence numbers strictly falling.
    assert!(page.entries.windows(2).all(|w| w[0].seq > w[1].seq));

    // The unauthenticated request is in the chain of no institution, with status 401.
    let pool = app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&pool, uuid::Uuid::nil()).await;
    let anonymous: i64 = sqlx::query_scalar(
        "select count(*) from access_log where route = '/api/v1/users' and status = 401 and user_id is null",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(anonymous, 1);
    // So is the unknown route: nothing there says which institution asked.
    let unmatched: i64 = sqlx::query_scalar(
        "select count(*) from access_log where route = '(unmatched)' and status = 404",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(unmatched, 1);
}

#[tokio::test]
async fn security_events_are_audited_without_secrets() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let issued: IssuedPassword = admin
        .post(
            "/users",
            &json!({"login_id": "clerk1", "display_name": "架空 受付", "role": "clerk"}),
        )
        .await
        .json();
    let id = issued.user.user_id;
    admin.post_empty(&format!("/users/{id}/disable")).await;
    admin.post_empty(&format!("/users/{id}/enable")).await;
    let reset: IssuedPassword = admin
        .post_empty(&format!("/users/{id}/reset-password"))
        .await
        .json();
    let stranger = app.client();
    stranger.login(CODE_A, "admin", "not-the-password-9").await;
    stranger
        .login("4719999999", "admin", "not-the-password-9")
        .await;
    let clerk = app.client();
    clerk
        .login(CODE_A, "clerk1", &reset.one_time_password)
        .await;
    clerk
        .post(
            "/auth/password",
            &json!({"current_password": "wrong-current-1", "new_password": "clerk-secret-words-26"}),
        )
        .await;
    clerk.post_empty("/auth/logout").await;

    let page = audit(&admin, "?limit=200").await;
    let actions: Vec<(String, String)> = page
        .entries
        .iter()
        .rev()
        .map(|e| (e.action.clone(), e.result.clone()))
        .collect();
    let expected = [
        ("login", "success"),
        ("password_change", "success"),
        ("user_create", "success"),
        ("user_disable", "success"),
        ("user_enable", "success"),
        ("password_reset", "success"),
        ("login", "failure"),
        ("login", "success"),
        ("password_change", "failure"),
        ("logout", "success"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect();
    assert_eq!(
        actions[1..],
        expected[..],
        "provisioning first, then the day's events in order"
    );
    assert_eq!(
        actions[0],
        ("institution_provision".to_string(), "success".to_string())
    );

    let failed = page
        .entries
        .iter()
        .find(|e| e.action == "login" && e.result == "failure")
        .unwrap();
    assert_eq!(failed.details["reason"], "wrong_password");
    assert!(failed.actor_user_id.is_none());
    assert_eq!(failed.client_ip.as_deref(), Some("127.0.0.1"));
    let created = page
        .entries
        .iter()
        .find(|e| e.action == "user_create")
        .unwrap();
    assert_eq!(created.target_type.as_deref(), Some("user"));
    assert_eq!(created.target_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(created.details["role"], "clerk");

    let everything = serde_json::to_string(&page.entries).unwrap();
    for secret in [
        p.admin_password.as_str(),
        issued.one_time_password.as_str(),
        reset.one_time_password.as_str(),
        "not-the-password-9",
        "wrong-current-1",
        "clerk-secret-words-26",
    ] {
        assert!(
            !everything.contains(secret),
            "audit log contains a password"
        );
    }
    // The failed login at an unknown institution is in the chain of no institution.
    let reports = verify::verify_all(&app.db().await).await.unwrap();
    assert!(reports
        .iter()
        .any(|r| r.tenant_id == TenantId(uuid::Uuid::nil()) && r.log == "audit" && r.rows == 1));
    assert!(reports.iter().all(|r| r.broken.is_none()), "{reports:?}");
}

#[tokio::test]
async fn only_administrators_see_logs() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    for role in ["doctor", "nurse", "clerk"] {
        let (_, client) = app
            .staff_session(
                &admin,
                &p.code,
                &format!("{role}9"),
                role,
                "staff-secret-words-26",
            )
            .await;
        for path in [
            "/logs/access",
            "/logs/audit",
            "/logs/access/export?format=csv",
            "/logs/audit/export?format=json",
            "/logs/verify",
        ] {
            let res = client.get(path).await;
            assert_eq!(
                (res.status, res.code()),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{role} {path}"
            );
        }
    }
    assert_eq!(
        app.client().get("/logs/access").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn another_institutions_entries_are_never_visible() {
    let app = TestApp::spawn().await;
    let (a, admin_a) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (b, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
    admin_b
        .post(
            "/users",
            &json!({"login_id": "b.doc", "display_name": "架空 B", "role": "doctor"}),
        )
        .await;
    let b_admin = user_id(&admin_b.get("/auth/session").await.body);
    let a_admin = user_id(&admin_a.get("/auth/session").await.body);

    let access_a = access(&admin_a, "?limit=200").await;
    assert!(!access_a.entries.is_empty());
    assert!(access_a
        .entries
        .iter()
        .all(|e| e.user_id.map(|u| u.to_string()) == Some(a_admin.clone())));
    let filtered = access(&admin_a, &format!("?user_id={b_admin}")).await;
    assert!(
        filtered.entries.is_empty(),
        "filtering by B's user shows nothing to A"
    );
    let audit_a = audit(&admin_a, "?limit=200").await;
    assert!(
        audit_a.entries.iter().all(|e| e.action != "user_create"),
        "B's user creation is not in A's audit log"
    );
    let export = admin_a.get("/logs/audit/export?format=json").await;
    assert!(!export.body.to_string().contains(&b_admin));

    // SQL level, as the application role under A's setting.
    let pool = app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&pool, a.tenant_id).await;
    for table in ["access_log", "audit_log", "log_chain"] {
        let tenants: Vec<uuid::Uuid> =
            sqlx::query_scalar(&format!("select distinct tenant_id from {table}"))
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        assert_eq!(tenants, vec![a.tenant_id.as_uuid()], "{table}");
    }
    let forged = sqlx::query(
        "insert into audit_log (tenant_id, seq, logged_at, action, result, prev_hash, row_hash) \
         values ($1, 999, now(), 'login', 'success', $2, $2)",
    )
    .bind(b.tenant_id.as_uuid())
    .bind(vec![0u8; 32])
    .execute(&mut *tx)
    .await;
    assert!(
        forged.is_err(),
        "cannot write into B's log under A's setting"
    );
}

#[tokio::test]
async fn logs_are_append_only_for_every_role() {
    let app = TestApp::spawn().await;
    let (a, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    access(&admin, "").await; // flush
    for (who, pool) in [
        ("application role", app.app_pool().await),
        ("owner", app.owner_pool().await),
    ] {
        for statement in [
            "update access_log set status = 200",
            "delete from access_log",
            "truncate access_log",
            "update audit_log set result = 'success'",
            "delete from audit_log",
            "truncate audit_log",
        ] {
            let mut tx = karte_tests::tenant_tx(&pool, a.tenant_id).await;
            let result = sqlx::query(statement).execute(&mut *tx).await;
            let err = result.expect_err(&format!("{who}: {statement} must be refused"));
            assert_eq!(
                err.as_database_error().and_then(|e| e.code()).as_deref(),
                Some("42501"),
                "{who}: {statement}"
            );
        }
    }
}

/// As the owner, with the append-only trigger switched off (what a malicious administrator of
/// the database could do), under the institution's setting.
async fn tamper(owner: &PgPool, tenant: TenantId, table: &str, statements: &[&str]) {
    let mut tx = karte_tests::tenant_tx(owner, tenant).await;
    sqlx::query(&format!(
        "alter table {table} disable trigger {table}_append_only"
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    sqlx::query(&format!(
        "alter table {table} enable trigger {table}_append_only"
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn tampering_is_detected_at_the_right_position() {
    let app = TestApp::spawn().await;
    // Five institutions, each with a chain of at least 8 access rows and some audit rows.
    let mut tenants = Vec::new();
    for (i, code) in [
        "1319999921",
        "1319999922",
        "1319999923",
        "1319999924",
        "1319999925",
    ]
    .iter()
    .enumerate()
    {
        let (p, admin) = app.admin_session(code, &format!("架空医院{i}")).await;
        for _ in 0..6 {
            admin.get("/users").await;
        }
        access(&admin, "").await; // flush
        tenants.push((p.tenant_id, admin));
    }
    let db = app.db().await;
    for (tenant, _) in &tenants {
        for r in verify::verify_tenant(&db, *tenant).await.unwrap() {
            assert_eq!(r.broken, None, "intact before tampering: {r:?}");
            assert!(r.rows >= 3, "{r:?}");
        }
    }
    let owner = app.owner_pool().await;
    let [changed, deleted, reordered, forged, truncated] = [0, 1, 2, 3, 4].map(|i| tenants[i].0);

    tamper(
        &owner,
        changed,
        "access_log",
        &["update access_log set status = 204 where seq = 4"],
    )
    .await;
    tamper(
        &owner,
        deleted,
        "audit_log",
        &["delete from audit_log where seq = 2"],
    )
    .await;
    tamper(
        &owner,
        reordered,
        "access_log",
        &[
            "update access_log set seq = 1000000 where seq = 3",
            "update access_log set seq = 3 where seq = 5",
            "update access_log set seq = 5 where seq = 1000000",
        ],
    )
    .await;
    // A forged row appended with a correctly computed hash: only the head reveals it.
    {
        let mut tx = karte_tests::tenant_tx(&owner, forged).await;
        let (last_seq, last_hash): (i64, Vec<u8>) =
            sqlx::query_as("select seq, row_hash from access_log order by seq desc limit 1")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        let mut prev = [0u8; 32];
        prev.copy_from_slice(&last_hash);
        let entry = AccessEntry {
            tenant_id: forged,
            logged_at: chain::truncate_to_micros(time::OffsetDateTime::now_utc()),
            user_id: None,
            session_id: None,
            client_ip: Some("10.0.0.66".into()),
            client_cert_sha256: None,
            method: "GET".into(),
            route: "/api/v1/users".into(),
            patient_id: None,
            status: 200,
            duration_ms: 1,
        };
        let seq = last_seq + 1;
        let hash = chain::row_hash(LogKind::Access.domain(), &prev, seq, &entry.fields());
        sqlx::query(
            "insert into access_log (tenant_id, seq, logged_at, client_ip, method, route, status, duration_ms, prev_hash, row_hash) \
             values ($1, $2, $3, $4, 'GET', '/api/v1/users', 200, 1, $5, $6)",
        )
        .bind(forged.as_uuid())
        .bind(seq)
        .bind(entry.logged_at)
        .bind("10.0.0.66")
        .bind(&prev[..])
        .bind(&hash[..])
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    tamper(
        &owner,
        truncated,
        "access_log",
        &["delete from access_log where seq = (select max(seq) from access_log)"],
    )
    .await;

    let reports = verify::verify_all(&db).await.unwrap();
    let broken = |tenant: TenantId, log: &str| {
        reports
            .iter()
            .find(|r| r.tenant_id == tenant && r.log == log)
            .and_then(|r| r.broken.clone())
            .map(|b| (b.seq, b.problem))
    };
    assert_eq!(
        broken(changed, "access"),
        Some((4, Problem::RowHashMismatch)),
        "changed row"
    );
    assert_eq!(broken(changed, "audit"), None, "the other chain is intact");
    assert_eq!(
        broken(deleted, "audit"),
        Some((2, Problem::MissingRow)),
        "deleted row"
    );
    assert_eq!(
        broken(reordered, "access"),
        Some((3, Problem::PrevHashMismatch)),
        "reordered rows"
    );
    let forged_head: i64 = {
        let mut tx = karte_tests::tenant_tx(&owner, forged).await;
        sqlx::query_scalar("select last_seq from log_chain where log = 'access'")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(
        broken(forged, "access"),
        Some((forged_head + 1, Problem::BeyondHead)),
        "forged row"
    );
    let truncated_head = reports
        .iter()
        .find(|r| r.tenant_id == truncated && r.log == "access")
        .unwrap()
        .rows;
    assert_eq!(
        broken(truncated, "access"),
        Some((truncated_head + 1, Problem::MissingRow)),
        "cut-off tail"
    );

    // The administrator sees the same through the API, and the check is itself audited.
    let admin = &tenants[0].1;
    let statuses: Vec<ChainStatus> = admin.get("/logs/verify").await.json();
    let access_status = statuses.iter().find(|s| s.log == "access").unwrap();
    assert!(!access_status.ok);
    assert_eq!(access_status.broken_at_seq, Some(4));
    assert_eq!(access_status.problem.as_deref(), Some("row_hash_mismatch"));
    assert!(statuses.iter().find(|s| s.log == "audit").unwrap().ok);
    let events = audit(admin, "?action=log_verify").await;
    assert_eq!(events.entries[0].result, "failure");

    // And the command line reports it and fails.
    assert!(
        karte_server::cli::verify_logs(&app_url(&app), &no_anchors())
            .await
            .is_err()
    );
}

/// The application role's URL of the app's database, as `audit verify` takes it.
fn app_url(app: &TestApp) -> String {
    format!(
        "postgres://karte_app@{}/{}",
        std::env::var("KARTE_TEST_ADMIN_URL")
            .ok()
            .and_then(|u| u.split('@').nth(1).map(|h| h
                .split('/')
                .next()
                .unwrap_or("")
                .to_string()))
            .unwrap_or_else(|| "127.0.0.1:5432".into()),
        app.db_name
    )
}

fn no_anchors() -> AnchorArgs {
    AnchorArgs {
        record_store: None,
        secret_key_file: None,
        anchor: None,
    }
}

/// Someone who can rewrite a whole chain and its head as the database owner passes the plain
/// verifier; the heads anchored outside the database, sealed with the server's key, catch it:
/// first the tail cut behind the anchor, then the chain regrown past it with other rows.
#[tokio::test]
async fn a_chain_rewritten_with_its_head_is_caught_by_the_anchor_kept_outside() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    for _ in 0..6 {
        admin.get("/users").await;
    }
    // Flush; the flush request's own entry is written after its answer: let it land.
    access(&admin, "").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let db = app.db().await;
    let dir = karte_tests::target_dir()
        .join("test-files")
        .join(format!("anchors-{}", uuid::Uuid::new_v4().simple()));
    let store = RecordStore::open(&StoreSpec::Local(dir.clone())).unwrap();
    let key_file = dir.join("secret.key");
    std::fs::write(&key_file, "5a".repeat(32)).unwrap();
    let key = SecretKey::load(&key_file).unwrap();
    let anchors = AnchorArgs {
        record_store: Some(StoreSpec::Local(dir.clone())),
        secret_key_file: Some(key_file.clone()),
        anchor: None,
    };
    anchor::write(&store, &key, anchor::current_heads(&db).await.unwrap())
        .await
        .unwrap();
    let (_, anchored, seal) = anchor::latest(&store, &key).await.unwrap().unwrap();
    assert_eq!(seal, Seal::Intact);
    let head = anchored
        .heads
        .iter()
        .find(|h| h.tenant_id == p.tenant_id.as_uuid() && h.log == "access")
        .unwrap()
        .clone();
    assert!(head.last_seq >= 6, "{head:?}");
    let reports = verify::verify_all_anchored(&db, &anchored.heads)
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.broken.is_none()), "{reports:?}");
    karte_server::cli::verify_logs(&app_url(&app), &anchors)
        .await
        .unwrap();
    // Sealed with another key, an anchor is not taken.
    let (_, _, foreign) = anchor::latest(&store, &SecretKey::generate())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(foreign, Seal::Broken);

    // As the owner: the tail cut after row 3 and the head moved back to it. Consistent: the
    // plain verifier finds nothing wrong.
    let owner = app.owner_pool().await;
    tamper(
        &owner,
        p.tenant_id,
        "access_log",
        &["delete from access_log where seq > 3"],
    )
    .await;
    let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
    sqlx::query(
        "update log_chain set last_seq = 3,
         last_hash = (select row_hash from access_log where seq = 3) where log = 'access'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let access_of = |reports: &[verify::ChainReport]| {
        reports
            .iter()
            .find(|r| r.tenant_id == p.tenant_id && r.log == "access")
            .and_then(|r| r.broken.as_ref().map(|b| (b.seq, b.problem)))
    };
    let plain = verify::verify_all(&db).await.unwrap();
    assert_eq!(access_of(&plain), None, "{plain:?}");
    let anchored_reports = verify::verify_all_anchored(&db, &anchored.heads)
        .await
        .unwrap();
    assert_eq!(
        access_of(&anchored_reports),
        Some((4, Problem::CutBehindAnchor))
    );

    // New requests regrow the chain past the anchored position, hashed by the writer itself:
    // still intact to the plain verifier, rewritten behind the anchor.
    for _ in 0..head.last_seq {
        admin.get("/users").await;
    }
    access(&admin, "").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let plain = verify::verify_all(&db).await.unwrap();
    assert_eq!(access_of(&plain), None, "{plain:?}");
    let anchored_reports = verify::verify_all_anchored(&db, &anchored.heads)
        .await
        .unwrap();
    assert_eq!(
        access_of(&anchored_reports),
        Some((head.last_seq, Problem::RewrittenBehindAnchor))
    );
    assert!(karte_server::cli::verify_logs(&app_url(&app), &anchors)
        .await
        .is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn concurrent_writers_on_two_servers_do_not_fork_a_chain() {
    // 22 sign-ins of one account within a minute: above the default per-account limit.
    let generous = |s: &mut karte_server::config::Settings| {
        s.runtime.login_attempts_per_account_per_minute = 100;
    };
    let mut app = TestApp::spawn_with(generous).await;
    let sibling = app.start_sibling_with(generous).await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    // Every attempt counts as a failure until it succeeds (so parallel guesses cannot overshoot
    // the lock): 20 sign-ins in flight at once need the highest threshold.
    let mut policy = admin.get("/security-policy").await.body["policy"].clone();
    policy["lockout_threshold"] = serde_json::json!(20);
    let res = admin
        .put(
            "/security-policy",
            &serde_json::json!({"policy": policy, "base_version": null, "reason": ""}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let other = app.client_for(&sibling);
    assert_eq!(
        other
            .login(&p.code, "admin", &p.admin_password)
            .await
            .status,
        StatusCode::OK
    );
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = if i % 2 == 0 {
            app.client_for(&app.base_url)
        } else {
            app.client_for(&sibling)
        };
        let (code, password) = (p.code.clone(), p.admin_password.clone());
        tasks.push(tokio::spawn(async move {
            // Each login is an access entry and an audit event, from either server at once.
            client.login(&code, "admin", &password).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    // Flush both servers' writers, then verify.
    access(&admin, "").await;
    let res = other.get("/logs/access").await;
    assert_eq!(res.status, StatusCode::OK);
    let reports = verify::verify_tenant(&app.db().await, p.tenant_id)
        .await
        .unwrap();
    for r in &reports {
        assert_eq!(r.broken, None, "{r:?}");
    }
    let audit_rows = reports.iter().find(|r| r.log == "audit").unwrap().rows;
    assert!(
        audit_rows >= 23,
        "provision + 2 logins + password change + 20 logins: {audit_rows}"
    );
}

#[tokio::test]
async fn the_viewer_filters_and_pages_and_answers_per_patient() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    // Requests about two (fictitious) patients, written as the middleware would.
    let patient_1 = uuid::Uuid::new_v4();
    let patient_2 = uuid::Uuid::new_v4();
    let admin_id: uuid::Uuid = user_id(&admin.get("/auth/session").await.body)
        .parse()
        .unwrap();
    let entries: Vec<AccessEntry> = (0..5)
        .map(|i| AccessEntry {
            tenant_id: p.tenant_id,
            logged_at: chain::truncate_to_micros(time::OffsetDateTime::now_utc()),
            user_id: Some(shared::ids::UserId(admin_id)),
            session_id: None,
            client_ip: Some("127.0.0.1".into()),
            client_cert_sha256: None,
            method: "GET".into(),
            route: "/api/v1/patients/{patient_id}".into(),
            patient_id: Some(if i < 3 { patient_1 } else { patient_2 }),
            status: 200,
            duration_ms: 3,
        })
        .collect();
    access(&admin, "").await;
    karte_server::db::system::append_access(&app.db().await, &entries)
        .await
        .unwrap();

    let chart = access(&admin, &format!("?patient_id={patient_1}")).await;
    assert_eq!(chart.entries.len(), 3, "who opened this chart, when");
    assert!(chart
        .entries
        .iter()
        .all(|e| e.patient_id.map(|p| p.to_string()) == Some(patient_1.to_string())));

    // Paging: 2 at a time through everything, no overlap, no gap.
    let all = access(&admin, "?limit=200").await.entries;
    let mut seen = Vec::new();
    let mut query = format!("?limit=2&before_seq={}", all[0].seq + 1);
    loop {
        let page = access(&admin, &query).await;
        assert!(page.entries.len() <= 2);
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_before_seq {
            Some(before) => query = format!("?limit=2&before_seq={before}"),
            None => break,
        }
    }
    let expected: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seen, expected);

    let failures = access(&admin, "?outcome=failure").await;
    assert!(failures.entries.iter().all(|e| e.status >= 400));
    let logins = audit(&admin, "?action=login&result=success").await;
    assert_eq!(logins.entries.len(), 1);
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .date();
    assert_eq!(
        audit(&admin, &format!("?from={today}&to={today}"))
            .await
            .entries
            .len(),
        3
    );
    assert!(audit(&admin, "?to=2000-01-01").await.entries.is_empty());

    for (query, field) in [
        ("?from=yesterday", "from"),
        ("?user_id=bob", "user_id"),
        ("?outcome=maybe", "outcome"),
    ] {
        let res = admin.get(&format!("/logs/access{query}")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(res.body["fields"][0]["field"], field, "{query}");
    }
    let res = admin.get("/logs/audit?action=hack").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = admin.get("/logs/access?nonsense=1").await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
}

#[tokio::test]
async fn exports_are_excel_friendly_csv_json_and_fhir_and_are_audited() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let raw = admin
        .http
        .get(admin.url("/logs/audit/export?format=csv&action=login"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    let disposition = raw.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"karte-audit-log-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert!(raw.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = raw.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("連番,日時,操作者ID"), "{}", lines[0]);
    assert_eq!(lines.len(), 2, "header + the one login: {lines:?}");
    assert!(
        lines[1].contains(",login,ログイン,success,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("+09:00"), "JST times: {}", lines[1]);

    let json_export = admin.get("/logs/access/export?format=json").await;
    let rows = json_export.body.as_array().expect("a JSON array");
    assert!(rows.iter().any(|r| r["route"] == "/api/v1/auth/login"));
    assert!(rows.iter().all(|r| r["row_hash"]
        .as_str()
        .map(|h| h.len() == 64)
        .unwrap_or(false)));

    let fhir = admin.get("/logs/audit/export?format=fhir").await;
    assert_eq!(fhir.header("content-type"), "application/fhir+json");
    assert_eq!(fhir.body["resourceType"], "Bundle");
    let events = fhir.body["entry"].as_array().unwrap();
    assert!(!events.is_empty());
    for e in events {
        let r = &e["resource"];
        assert_eq!(r["resourceType"], "AuditEvent");
        assert!(r["recorded"].as_str().unwrap().ends_with('Z'));
        assert!(
            r["type"]["code"].is_string()
                && r["agent"].is_array()
                && r["source"]["observer"].is_object()
        );
    }
    assert_eq!(
        admin.get("/logs/access/export?format=xml").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let exports = audit(&admin, "?action=log_export").await.entries;
    assert_eq!(exports.len(), 3, "every export is audited");
    let formats: Vec<&str> = exports
        .iter()
        .rev()
        .map(|e| e.details["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["csv", "json", "fhir"]);
    assert_eq!(exports.last().unwrap().details["rows"], 1);
}

#[tokio::test]
async fn verification_continues_from_the_archive_anchor() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    for _ in 0..5 {
        admin.get("/users").await;
    }
    access(&admin, "").await; // flush
    let db = app.db().await;
    let before = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    assert_eq!(before.broken, None);
    let owner = app.owner_pool().await;
    let anchor: Vec<u8> = {
        let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
        sqlx::query_scalar("select row_hash from access_log where seq = 3")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    // Archive rows 1–3 as the owner does: remove them and record the anchor.
    let archive = |hash: Vec<u8>| {
        let owner = owner.clone();
        let tenant = p.tenant_id;
        async move {
            let mut tx = karte_tests::tenant_tx(&owner, tenant).await;
            sqlx::query("update log_chain set archived_through_seq = 3, archived_through_hash = $1 where log = 'access'")
                .bind(hash)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    tamper(
        &owner,
        p.tenant_id,
        "access_log",
        &["delete from access_log where seq <= 3"],
    )
    .await;
    archive(anchor.clone()).await;
    let after = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    assert_eq!(after.broken, None, "{after:?}");
    assert_eq!(after.archived_through_seq, 3);
    // Rows 1–3 are gone from the walk. The flush request's own entry is written after its answer,
    // so it may land between the two verifications: rows can have been added, never lost.
    assert!(
        after.rows + 3 >= before.rows && after.rows + 3 <= before.rows + 1,
        "{before:?} then {after:?}"
    );

    // A wrong anchor does not fit the first live row.
    archive(vec![7u8; 32]).await;
    let wrong = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    assert_eq!(
        wrong.broken.map(|b| (b.seq, b.problem)),
        Some((4, Problem::PrevHashMismatch))
    );

    // The application role cannot move the anchor.
    let app_pool = app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&app_pool, p.tenant_id).await;
    let moved = sqlx::query("update log_chain set archived_through_seq = 5")
        .execute(&mut *tx)
        .await;
    assert!(moved.is_err(), "only the owner archives");
}

/// `audit archive`: rows logged before a moment leave the table for a verified export in the
/// write-once store, with a sealed manifest, and the archive anchor moves in the same step; the
/// verifier continues from it, later rows stay, and archiving again finds nothing more to do.
#[tokio::test]
async fn old_rows_are_archived_to_the_record_store_in_one_step() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    for _ in 0..5 {
        admin.get("/users").await;
    }
    access(&admin, "").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let before = time::OffsetDateTime::now_utc();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    for _ in 0..3 {
        admin.get("/users").await;
    }
    access(&admin, "").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;

    let db = app.db().await;
    let whole = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    let dir = karte_tests::target_dir()
        .join("test-files")
        .join(format!("archive-{}", uuid::Uuid::new_v4().simple()));
    let store = RecordStore::open(&StoreSpec::Local(dir.clone())).unwrap();
    let key = SecretKey::generate();
    let owner = app.owner_pool().await;
    let mut conn = owner.acquire().await.unwrap();
    // In chunks of two rows, to go through more than one.
    let done = archive::archive_before(&db, &mut conn, &store, &key, before, 2, |_| {})
        .await
        .unwrap();
    assert!(done.refused.is_empty(), "{:?}", done.refused);
    let archived = done
        .archived
        .iter()
        .find(|c| c.tenant_id == p.tenant_id && c.log == "access")
        .unwrap();
    assert!(archived.rows >= 5, "{archived:?}");
    let through = archived.archived_through_seq;
    assert_eq!(archived.objects.len() as i64, (through + 1) / 2);

    // The verifier continues from the anchor over the rows kept.
    let after = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    assert_eq!(after.broken, None, "{after:?}");
    assert_eq!(after.archived_through_seq, through);
    assert!(
        after.rows >= 3 && after.rows + through >= whole.rows,
        "{after:?}"
    );
    let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
    let left: i64 = sqlx::query_scalar("select count(*) from access_log where seq <= $1")
        .bind(through)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(left, 0);
    tx.commit().await.unwrap();

    // Each export holds its rows, and its manifest is sealed and names its hash.
    let first = &archived.objects[0];
    let bytes = store.get(first).await.unwrap();
    assert_eq!(
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        2
    );
    let manifest = store.get(&first.replace(".jsonl", ".json")).await.unwrap();
    let (json, seal) =
        karte_server::secrets::open_line(Some(&key), "karte/log-archive/v1", &manifest).unwrap();
    assert_eq!(seal, Seal::Intact);
    let manifest: archive::ArchiveManifest = serde_json::from_str(json).unwrap();
    assert_eq!((manifest.from_seq, manifest.through_seq), (1, 2));
    assert_eq!(
        manifest.sha256,
        karte_server::chain::hex(&sha2::Sha256::digest(&bytes))
    );

    // Nothing more to archive before the same moment.
    let again = archive::archive_before(&db, &mut conn, &store, &key, before, 2, |_| {})
        .await
        .unwrap();
    assert!(
        again.archived.is_empty() && again.refused.is_empty(),
        "{again:?}"
    );

    // The verifier with the store checks the archived part against the sealed archives: as it
    // stands, intact; with the archive anchor moved on by the owner past rows never archived
    // (consistent for the plain verifier), it is not.
    let anchors = AnchorArgs {
        record_store: Some(StoreSpec::Local(dir.clone())),
        secret_key_file: Some(dir.join("secret.key")),
        anchor: None,
    };
    std::fs::write(dir.join("secret.key"), "5a".repeat(32)).unwrap();
    let checked = archive::verify_all_with_archives(&db, &store, &key, &[])
        .await
        .unwrap();
    assert!(checked.iter().all(|r| r.broken.is_none()), "{checked:?}");
    let forged = through + 2;
    tamper(
        &owner,
        p.tenant_id,
        "access_log",
        &[&format!("delete from access_log where seq <= {forged}")],
    )
    .await;
    let mut tx = karte_tests::tenant_tx(&owner, p.tenant_id).await;
    sqlx::query(
        "update log_chain set archived_through_seq = $1,
         archived_through_hash = (select prev_hash from access_log where seq = $1 + 1)
         where log = 'access'",
    )
    .bind(forged)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let plain = verify::verify_chain(&db, p.tenant_id, LogKind::Access)
        .await
        .unwrap();
    assert_eq!(plain.broken, None, "{plain:?}");
    let checked = archive::verify_all_with_archives(&db, &store, &key, &[])
        .await
        .unwrap();
    let access = checked
        .iter()
        .find(|r| r.tenant_id == p.tenant_id && r.log == "access")
        .unwrap();
    assert_eq!(
        access.broken.as_ref().map(|b| b.problem),
        Some(Problem::ArchiveMismatch),
        "{access:?}"
    );
    // And archiving refuses to go on from a forged anchor.
    let refused = archive::archive_before(
        &db,
        &mut conn,
        &store,
        &key,
        time::OffsetDateTime::now_utc(),
        2,
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        refused.refused.iter().any(|(t, log, why)| *t == p.tenant_id
            && *log == "access"
            && why.contains("archive anchor")),
        "{:?}",
        refused.refused
    );
    drop(conn);

    // A day in the future is refused, by name.
    let err = karte_server::cli::archive_logs(
        "2999-01-01",
        &app_url(&app),
        "postgres://x@127.0.0.1/x",
        &anchors,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("future"), "{err:#}");
    let _ = std::fs::remove_dir_all(dir);
}
