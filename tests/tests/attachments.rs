//! 画像・文書 over the API: uploads sniffed and stored in both file stores with their SHA-256,
//! attached with versioned metadata, served so that no file can run script in the app's origin,
//! a corrupt or missing copy served from the other store and repaired, a store that is down
//! refusing the upload with nothing half-visible (a real S3-compatible server, SeaweedFS, killed
//! mid-upload), retraction, the scrub, roles and tenancy. Fictitious people only.

use karte_server::files::{FileStores, StoreSpec};
use karte_tests::seaweed::{free_port_base, Seaweed};
use karte_tests::{admin_options, ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::api::attachments::{Attachment, MediaType, StoredFile};
use shared::api::patients::PatientDetail;
use sqlx::postgres::PgPoolOptions;
use std::path::{Path, PathBuf};

const CODE_A: &str = "1319999961";
const CODE_B: &str = "2719999962";

struct Clinic {
    tenant: shared::ids::TenantId,
    admin: ApiClient,
    doctor: ApiClient,
    nurse: ApiClient,
    clerk: ApiClient,
    patient: PatientDetail,
}

async fn clinic(app: &TestApp, code: &str) -> Clinic {
    let (provisioned, admin) = app.admin_session(code, "架空画像医院").await;
    let doctor = app
        .staff_session(&admin, code, "doctor1", "doctor", "doctor-secret-2026-a")
        .await
        .1;
    let nurse = app
        .staff_session(&admin, code, "nurse1", "nurse", "nurse-secret-2026-b")
        .await
        .1;
    let clerk = app
        .staff_session(&admin, code, "clerk1", "clerk", "clerk-secret-2026-c")
        .await
        .1;
    let patient: PatientDetail = clerk
        .post("/patients", &json!({"name": "架空 写子", "kana": "カクウ シャコ", "sex": "female", "birth_date": "1975-03-03", "confirm_duplicate": true}))
        .await
        .json();
    Clinic {
        tenant: provisioned.tenant_id,
        admin,
        doctor,
        nurse,
        clerk,
        patient,
    }
}

/// A PNG as far as its header goes (signature, IHDR), then `extra` bytes of pattern.
fn png(extra: usize) -> Vec<u8> {
    let mut b =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
    b.extend((0..extra).map(|i| (i * 7 % 251) as u8));
    b
}

fn pdf(extra: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    b.extend((0..extra).map(|i| (i * 13 % 253) as u8));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

fn sha256_hex(bytes: &[u8]) -> String {
    shared::media::hex(&Sha256::digest(bytes))
}

fn files_path(c: &Clinic) -> String {
    format!("/patients/{}/files", c.patient.patient_id)
}

fn attachments_path(c: &Clinic) -> String {
    format!("/patients/{}/attachments", c.patient.patient_id)
}

async fn upload(client: &ApiClient, c: &Clinic, bytes: Vec<u8>, claimed: &str) -> StoredFile {
    let res = client.post_bytes(&files_path(c), bytes, claimed).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

async fn attach(client: &ApiClient, c: &Clinic, file: &StoredFile, title: &str) -> Attachment {
    let res = client
        .post(
            &attachments_path(c),
            &json!({"base_version": 0, "file_id": file.file_id, "kind": "photo", "title": title,
                    "taken_on": "R8.12.4", "visit_date": "2026-12-04", "source": "当院撮影"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

/// Where a file's copy lies in one of the app's local stores.
fn copy_path(store: &Path, c: &Clinic, file: &StoredFile) -> PathBuf {
    store.join(FileStores::object_key(c.tenant, file.file_id))
}

/// Rows of `table` in the test database, all institutions (as a superuser, for the test only).
async fn count_rows(app: &TestApp, table: &str) -> i64 {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(admin_options().database(&app.db_name))
        .await
        .unwrap();
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_is_stored_twice_attached_and_served_so_it_cannot_run() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let [store_a, store_b] = app.file_stores();

    // The client says HTML; the bytes say PNG, and PNG it is.
    let bytes = png(4000);
    let file = upload(&c.nurse, &c, bytes.clone(), "text/html").await;
    assert_eq!(file.media_type.mime(), "image/png");
    assert_eq!(file.size, bytes.len() as u64);
    assert_eq!(file.sha256, sha256_hex(&bytes));
    assert_eq!(
        std::fs::read(copy_path(&store_a, &c, &file)).unwrap(),
        bytes
    );
    assert_eq!(
        std::fs::read(copy_path(&store_b, &c, &file)).unwrap(),
        bytes
    );

    // Not in the chart until attached.
    let list: Vec<Attachment> = c.doctor.get(&attachments_path(&c)).await.json();
    assert!(list.is_empty());
    let a = attach(&c.nurse, &c, &file, "右前腕 皮疹").await;
    assert_eq!((a.version, a.title.as_str()), (1, "右前腕 皮疹"));
    assert_eq!(
        (a.taken_on.as_str(), a.visit_date.as_deref()),
        ("2026-12-04", Some("2026-12-04"))
    );
    assert_eq!(a.file, file);
    let list: Vec<Attachment> = c.doctor.get(&attachments_path(&c)).await.json();
    assert_eq!(list, std::slice::from_ref(&a));
    // A file is attached once.
    let again = c
        .nurse
        .post(
            &attachments_path(&c),
            &json!({"base_version": 0, "file_id": file.file_id, "kind": "photo",
                    "title": "二度目", "taken_on": "2026-12-04"}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );

    // Served as a download in a sandbox, never as something the browser would run.
    let (status, headers, body) = c.doctor.get_file(&format!("/files/{}", file.file_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("sandbox;") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");

    // The clerk (代行入力) scans a PDF referral letter.
    let letter = pdf(20_000);
    let stored = upload(&c.clerk, &c, letter.clone(), "application/octet-stream").await;
    assert_eq!(stored.media_type.mime(), "application/pdf");

    // Who read and stored what, about whom: the access log marks the patient, the audit log
    // has the stores and the attachment.
    let log = c
        .admin
        .get(&format!(
            "/logs/access?patient_id={}&limit=200",
            c.patient.patient_id
        ))
        .await;
    let routes: Vec<&str> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["route"].as_str())
        .collect();
    for route in [
        "/api/v1/files/{file_id}",
        "/api/v1/patients/{patient_id}/files",
        "/api/v1/patients/{patient_id}/attachments",
    ] {
        assert!(routes.contains(&route), "{route} in {routes:?}");
    }
    let audit = c.admin.get("/logs/audit?action=file_store").await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(2),
        "{}",
        audit.body
    );
    let audit = c.admin.get("/logs/audit?action=attachment_record").await;
    assert_eq!(audit.body["entries"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn refused_files_roles_and_limits() {
    let app = TestApp::spawn_with(|s| s.runtime.file_limit_bytes = 1024 * 1024).await;
    let c = clinic(&app, CODE_A).await;
    let path = files_path(&c);
    for (bytes, claimed) in [
        (
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            "image/png",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            "image/svg+xml",
        ),
        (b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), "image/jpeg"),
        (b"PK\x03\x04\x14\x00".to_vec(), "application/pdf"),
        (b"".to_vec(), "image/png"),
        (b"\xff\xd8".to_vec(), "image/jpeg"),
    ] {
        let res = c.doctor.post_bytes(&path, bytes.clone(), claimed).await;
        assert_eq!(
            res.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{:?}",
            &bytes
        );
        assert_eq!(res.body["fields"][0]["field"], "file", "{}", res.body);
        let message = res.body["fields"][0]["message"].as_str().unwrap();
        assert!(!message.is_empty());
    }
    // Over the limit: refused before it is stored, with the limit named.
    let res = c
        .doctor
        .post_bytes(&path, pdf(2 * 1024 * 1024), "application/pdf")
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(res.body["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("1 MB"));
    assert_eq!(count_rows(&app, "stored_file").await, 0);
    // Administrators do not upload; nobody signed out does.
    let res = c.admin.post_bytes(&path, png(10), "image/png").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.client().post_bytes(&path, png(10), "image/png").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // A file of another patient cannot be attached to this one.
    let other: PatientDetail = c
        .clerk
        .post("/patients", &json!({"name": "架空 別人", "kana": "カクウ ベツジン", "sex": "male", "birth_date": "1980-01-01", "confirm_duplicate": true}))
        .await
        .json();
    let theirs = c
        .doctor
        .post_bytes(
            &format!("/patients/{}/files", other.patient_id),
            png(10),
            "image/png",
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    let res = c
        .doctor
        .post(
            &attachments_path(&c),
            &json!({"base_version": 0, "file_id": theirs.body["file_id"], "kind": "photo",
                    "title": "取り違え", "taken_on": "2026-12-04"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.body["fields"][0]["field"], "file_id");
    // Bad metadata names each field.
    let res = c
        .doctor
        .post(
            &attachments_path(&c),
            &json!({"base_version": 0, "kind": "photo", "title": "", "taken_on": "いつか"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<&str> = res.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["file_id", "taken_on", "title"]);
}

#[tokio::test]
async fn a_bad_copy_is_served_from_the_other_store_and_repaired() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let [store_a, store_b] = app.file_stores();
    let bytes = pdf(50_000);
    let file = upload(&c.doctor, &c, bytes.clone(), "application/pdf").await;
    attach(&c.doctor, &c, &file, "紹介状（架空病院）").await;
    let read = |client: &ApiClient| {
        let path = format!("/files/{}", file.file_id);
        let client = client.clone();
        async move { client.get_file(&path).await }
    };

    // Store A's copy corrupted (one byte): the read is right, A is rewritten, it is audited.
    let a_copy = copy_path(&store_a, &c, &file);
    let mut bad = bytes.clone();
    bad[100] ^= 0xff;
    std::fs::write(&a_copy, &bad).unwrap();
    let (status, _, body) = read(&c.doctor).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(std::fs::read(&a_copy).unwrap(), bytes, "A repaired");
    let audit = c.admin.get("/logs/audit?action=file_repair").await;
    let entries = audit.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", audit.body);
    assert_eq!(entries[0]["details"]["state"], "corrupt");
    assert_eq!(entries[0]["details"]["store"], "A");
    assert_eq!(entries[0]["result"], "success");

    // Store B's copy gone: reads do not notice (A is good); the scrub does and restores it.
    let b_copy = copy_path(&store_b, &c, &file);
    std::fs::remove_file(&b_copy).unwrap();
    let db = app.db().await;
    let stores = FileStores::open(
        &StoreSpec::Local(store_a.clone()),
        &StoreSpec::Local(store_b.clone()),
    )
    .unwrap();
    let mut seen = Vec::new();
    let report = karte_server::services::attachments::scrub(&db, &stores, |done, total| {
        seen.push((done, total))
    })
    .await
    .unwrap();
    assert_eq!(
        (report.institutions, report.files, report.checked),
        (1, 1, 1)
    );
    assert_eq!((report.repaired, report.unrepaired), (1, 0));
    assert!(report.lost.is_empty() && report.unnamed.is_empty());
    assert_eq!(seen, [(1, 1)]);
    assert_eq!(std::fs::read(&b_copy).unwrap(), bytes, "B restored");
    let clean = karte_server::services::attachments::scrub(&db, &stores, |_, _| {})
        .await
        .unwrap();
    assert!(clean.is_clean());

    // Both copies gone: said plainly, never a wrong file.
    std::fs::remove_file(&a_copy).unwrap();
    std::fs::remove_file(&b_copy).unwrap();
    let (status, _, body) = read(&c.doctor).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["fields"][0]["code"], "lost", "{body}");
    let audit = c.admin.get("/logs/audit?action=file_repair").await;
    let entries = audit.body["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["details"]["state"] == "lost" && e["result"] == "failure"),
        "the lost read is audited: {}",
        audit.body
    );
    let lost = karte_server::services::attachments::scrub(&db, &stores, |_, _| {})
        .await
        .unwrap();
    assert_eq!(lost.lost, [(c.tenant, file.file_id)]);
}

#[tokio::test]
async fn a_store_that_is_down_refuses_the_upload_and_nothing_is_half_visible() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let [_, store_b] = app.file_stores();
    // Store B's directory replaced by a plain file: every write to it fails, as root too.
    std::fs::remove_dir_all(&store_b).unwrap();
    std::fs::write(&store_b, b"not a directory").unwrap();
    let res = c
        .doctor
        .post_bytes(&files_path(&c), png(1000), "image/png")
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(res.body["fields"][0]["code"], "store_unavailable");
    assert_eq!(count_rows(&app, "stored_file").await, 0);
    assert_eq!(
        count_rows(&app, "audit_log where action = 'file_store'").await,
        0
    );
    // Back up: the same upload goes through.
    std::fs::remove_file(&store_b).unwrap();
    std::fs::create_dir_all(&store_b).unwrap();
    upload(&c.doctor, &c, png(1000), "image/png").await;
    assert_eq!(count_rows(&app, "stored_file").await, 1);
}

#[tokio::test]
async fn changes_are_versions_and_a_retraction_hides_but_keeps() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let file = upload(&c.doctor, &c, png(500), "image/png").await;
    let a = attach(&c.doctor, &c, &file, "左膝 X線").await;
    let path = format!("/attachments/{}", a.attachment_id);

    let change = json!({"base_version": 1, "kind": "imaging", "title": "右膝 X線",
                        "taken_on": "2026-12-03", "reason": "左右の誤り"});
    let res = c.doctor.put(&path, &change).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v2: Attachment = res.json();
    assert_eq!(
        (v2.version, v2.title.as_str(), v2.file.file_id),
        (2, "右膝 X線", file.file_id)
    );
    // A change from a stale version is a conflict; a change without a reason is refused.
    assert_eq!(
        c.nurse.put(&path, &change).await.status,
        StatusCode::CONFLICT
    );
    let res = c
        .doctor
        .put(
            &path,
            &json!({"base_version": 2, "kind": "imaging", "title": "x", "taken_on": "2026-12-03"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The clerk may not retract; a doctor retracts with a reason.
    let retract = format!("{path}/retract");
    let res = c
        .clerk
        .post(
            &retract,
            &json!({"base_version": 2, "reason": "別の患者の画像"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = c
        .doctor
        .post(&retract, &json!({"base_version": 2, "reason": " "}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .doctor
        .post(
            &retract,
            &json!({"base_version": 2, "reason": "別の患者の画像"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v3: Attachment = res.json();
    assert!(v3.retracted);
    assert_eq!((v3.version, v3.reason.as_str()), (3, "別の患者の画像"));

    // Gone from the lists, the file closed to clinicians; administrators still read both.
    let list: Vec<Attachment> = c.doctor.get(&attachments_path(&c)).await.json();
    assert!(list.is_empty());
    let file_path = format!("/files/{}", file.file_id);
    let (status, _, _) = c.doctor.get_file(&file_path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = c
        .doctor
        .get(&format!("{}?retracted=true", attachments_path(&c)))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let list: Vec<Attachment> = c
        .admin
        .get(&format!("{}?retracted=true", attachments_path(&c)))
        .await
        .json();
    assert_eq!(list, std::slice::from_ref(&v3));
    let (status, _, body) = c.admin.get_file(&file_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, png(500));
    // Every version is kept (for administrators: clinicians no longer see it); no further change.
    assert_eq!(
        c.doctor.get(&format!("{path}/history")).await.status,
        StatusCode::FORBIDDEN
    );
    let history: Vec<Attachment> = c.admin.get(&format!("{path}/history")).await.json();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    let res = c
        .doctor
        .put(
            &path,
            &json!({"base_version": 3, "kind": "imaging", "title": "x",
                             "taken_on": "2026-12-03", "reason": "再変更"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .doctor
        .post(&retract, &json!({"base_version": 3, "reason": "二度目"}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let audit = c.admin.get("/logs/audit?action=attachment_retract").await;
    assert_eq!(audit.body["entries"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn another_institution_sees_nothing() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let other = clinic(&app, CODE_B).await;
    let file = upload(&c.doctor, &c, png(100), "image/png").await;
    let a = attach(&c.doctor, &c, &file, "創部").await;
    for path in [
        format!("/files/{}", file.file_id),
        format!("/attachments/{}/history", a.attachment_id),
        format!("/patients/{}/attachments", c.patient.patient_id),
    ] {
        assert_eq!(
            other.doctor.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let res = other
        .doctor
        .post_bytes(&files_path(&c), png(10), "image/png")
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = other
        .doctor
        .put(
            &format!("/attachments/{}", a.attachment_id),
            &json!({"base_version": 1, "kind": "photo", "title": "x", "taken_on": "2026-12-04", "reason": "y"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Their own file cannot be attached to A's patient, nor A's file to theirs.
    let res = other
        .doctor
        .post(
            &format!("/patients/{}/attachments", other.patient.patient_id),
            &json!({"base_version": 0, "file_id": file.file_id, "kind": "photo", "title": "x", "taken_on": "2026-12-04"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list: Vec<Attachment> = other
        .doctor
        .get(&format!(
            "/patients/{}/attachments",
            other.patient.patient_id
        ))
        .await
        .json();
    assert!(list.is_empty());
}

#[tokio::test]
async fn a_real_s3_store_killed_mid_upload_leaves_no_half_visible_file() {
    // The plain-HTTP clients below take the process's default TLS provider: ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let root = karte_tests::target_dir()
        .join("test-files")
        .join(format!("seaweed-{}", uuid::Uuid::new_v4().simple()));
    let base = free_port_base();
    let mut seaweed = Seaweed::start(root.join("weed"), base).await;
    let credentials = root.join("s3.ini");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = karte-test\naws_secret_access_key = karte-test-secret\n",
    )
    .unwrap();
    let s3 = StoreSpec::S3 {
        bucket: "karte-b".into(),
        endpoint: Some(seaweed.endpoint()),
        region: Some("us-east-1".into()),
        credentials: Some(credentials),
    };
    let s3_for_app = s3.clone();
    let app = TestApp::spawn_with(move |s| s.file_stores[1] = s3_for_app).await;
    let c = clinic(&app, CODE_A).await;
    let [store_a, _] = app.file_stores();

    // Both stores take it: the S3 copy is there, byte for byte.
    let bytes = pdf(300_000);
    let file = upload(&c.doctor, &c, bytes.clone(), "application/pdf").await;
    let key = FileStores::object_key(c.tenant, file.file_id);
    let in_s3 = reqwest::get(format!("{}/{key}", seaweed.bucket_url()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(in_s3.as_ref(), bytes.as_slice());
    assert_eq!(std::fs::read(store_a.join(&key)).unwrap(), bytes);

    // Killed while a large upload is under way: whenever the kill lands, the upload is either
    // acknowledged (and then both stores have it) or refused with nothing recorded.
    let big = pdf(20 * 1024 * 1024);
    let doctor = c.doctor.clone();
    let path = files_path(&c);
    let body = big.clone();
    let sending =
        tokio::spawn(async move { doctor.post_bytes(&path, body, "application/pdf").await });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    seaweed.kill();
    let res = sending.await.unwrap();
    let acknowledged = res.status == StatusCode::CREATED;
    eprintln!(
        "the upload under way when the store was killed: {}",
        res.status
    );
    assert!(
        acknowledged || res.status == StatusCode::SERVICE_UNAVAILABLE,
        "{} {}",
        res.status,
        res.body
    );
    assert_eq!(
        count_rows(&app, "stored_file").await,
        if acknowledged { 2 } else { 1 }
    );

    // While it is down, uploads are refused in seconds, plainly.
    let res = c
        .doctor
        .post_bytes(&files_path(&c), png(100), "image/png")
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    // Reads still work from store A.
    let (status, _, body) = c.doctor.get_file(&format!("/files/{}", file.file_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);

    // Back up (same data): every recorded file verifies in both; what a refused upload left in
    // store A is reported as named by no record.
    let seaweed = Seaweed::start(seaweed.dir().to_path_buf(), base).await;
    let stores = FileStores::open(&StoreSpec::Local(store_a.clone()), &s3).unwrap();
    let report = karte_server::services::attachments::scrub(&app.db().await, &stores, |_, _| {})
        .await
        .unwrap();
    assert!(report.lost.is_empty(), "{report:?}");
    assert_eq!(report.unrepaired, 0, "{report:?}");
    assert_eq!(report.checked, if acknowledged { 2 } else { 1 });
    assert!(
        report.unnamed.iter().all(|(store, _)| *store == "A"),
        "{report:?}"
    );
    assert_eq!(
        report.unnamed.len(),
        1 + usize::from(!acknowledged),
        "{report:?}"
    );
    drop(seaweed);
    let _ = std::fs::remove_dir_all(root);
}

/// A DICOM file's series is read from its header at upload: the list names it, and the files of
/// one series open together in instance order whatever day they were filed under; a file that
/// is DICOM only in its magic bytes is refused with a clear message and nothing is stored.
#[tokio::test]
async fn dicom_files_are_grouped_by_their_series_and_a_broken_one_is_refused() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let mut ids = Vec::new();
    for (instance, series) in [(2, 1), (1, 1), (1, 2)] {
        let bytes = karte_tests::samples::ct(instance, series, 8, 1, true);
        let file = upload(&c.doctor, &c, bytes, "application/dicom").await;
        assert_eq!(file.media_type, MediaType::Dicom);
        let res = c
            .doctor
            .post(
                &attachments_path(&c),
                &json!({"base_version": 0, "file_id": file.file_id, "kind": "imaging",
                        "title": format!("CT {series}-{instance}"), "taken_on": "2026-12-04"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        ids.push(file.file_id);
    }
    let list: Vec<Attachment> = c.doctor.get(&attachments_path(&c)).await.json();
    let series: Vec<(String, Option<i32>)> = list
        .iter()
        .map(|a| {
            let s = a.series.as_ref().expect("a DICOM file's series");
            assert_eq!(s.modality, "CT");
            (s.series_uid.clone(), s.instance_number)
        })
        .collect();
    assert_eq!(series.len(), 3);
    assert!(series.contains(&("1.2.392.999.1.1".to_string(), Some(2))));
    assert!(series.contains(&("1.2.392.999.1.2".to_string(), Some(1))));
    let first = list.iter().find(|a| a.title == "CT 1-2").unwrap();
    let opened: Vec<&str> = shared::api::attachments::series_of(&list, first)
        .into_iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(opened, ["CT 1-1", "CT 1-2"]);

    let before = count_rows(&app, "stored_file").await;
    let mut broken = vec![0u8; 128];
    broken.extend_from_slice(b"DICM");
    broken.extend_from_slice(&[0xff; 64]);
    let res = c
        .doctor
        .post_bytes(&files_path(&c), broken, "application/dicom")
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        res.body
    );
    assert_eq!(res.body["fields"][0]["code"], "dicom_unreadable");
    assert_eq!(
        res.body["fields"][0]["message"],
        "DICOMファイルとして読めません（壊れているか、別の形式です）"
    );
    assert_eq!(count_rows(&app, "stored_file").await, before);
    assert_eq!(count_rows(&app, "dicom_instance").await, 3);
}
