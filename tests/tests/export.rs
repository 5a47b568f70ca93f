//! An institution's data, whole: `export` writes every row of one institution (and nothing of
//! another), its files and a manifest of SHA-256s; `import` into another database brings it back
//! — the same rows, log chains that verify, staff who sign in with their passwords, files served
//! byte for byte — and refuses an export whose bytes changed. Fictitious people only.

use karte_server::files::{FileStores, StoreSpec};
use karte_server::logs::verify;
use karte_server::services::export::{export_institution, import_institution};
use karte_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::attachments::StoredFile;
use shared::api::patients::PatientDetail;
use std::collections::BTreeMap;

const CODE_A: &str = "1319999951";
const CODE_B: &str = "2719999952";

fn stores(app: &TestApp) -> FileStores {
    let [a, b] = app.file_stores();
    FileStores::open(&StoreSpec::Local(a), &StoreSpec::Local(b)).unwrap()
}

/// Rows per institution table of `tenant`, read as the owner under its setting.
async fn counts(app: &TestApp, tenant: shared::ids::TenantId) -> BTreeMap<String, i64> {
    let owner = app.owner_pool().await;
    let tables = {
        let mut conn = owner.acquire().await.unwrap();
        karte_server::db::export::tables(&mut conn).await.unwrap()
    };
    let mut tx = karte_tests::tenant_tx(&owner, tenant).await;
    let mut out = BTreeMap::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {t}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        out.insert(t, n);
    }
    tx.commit().await.unwrap();
    out
}

#[tokio::test]
async fn an_institution_exported_and_imported_elsewhere_is_whole() {
    let app = TestApp::spawn().await;
    let (a, admin) = app.admin_session(CODE_A, "架空転院クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", "clerk-secret-2026-c")
        .await;
    let (_, doctor) = app
        .staff_session(&admin, CODE_A, "doctor1", "doctor", "doctor-secret-2026-a")
        .await;
    let patient: PatientDetail = clerk
        .post("/patients", &json!({"name": "架空 移子", "kana": "カクウ イコ", "sex": "female", "birth_date": "1970-07-07", "confirm_duplicate": true}))
        .await
        .json();
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..50_000).map(|i| (i * 13 % 253) as u8));
    pdf.extend_from_slice(b"\n%%EOF\n");
    let res = doctor
        .post_bytes(
            &format!("/patients/{}/files", patient.patient_id),
            pdf.clone(),
            "application/pdf",
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let file: StoredFile = res.json();
    // Another institution, which the export must not carry.
    let (b, other) = app.admin_session(CODE_B, "架空別院").await;
    other.get("/users").await;
    // Let the access log's writer catch up.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;

    let out = karte_tests::target_dir()
        .join("test-files")
        .join(format!("export-{}", uuid::Uuid::new_v4().simple()));
    let owner = app.owner_pool().await;
    let mut conn = owner.acquire().await.unwrap();
    let manifest = export_institution(&mut conn, &stores(&app), CODE_A, &out, |_, _| {})
        .await
        .unwrap();
    drop(conn);
    assert_eq!(manifest.institution_code, CODE_A);
    assert_eq!(manifest.files.len(), 1);
    let exported = counts(&app, a.tenant_id).await;
    for t in &manifest.tables {
        assert_eq!(
            t.rows.unwrap() as i64,
            exported[&t.name],
            "rows of {} exported",
            t.name
        );
    }
    assert!(exported["access_log"] > 0 && exported["audit_log"] > 0);
    // Nothing of the other institution, anywhere.
    let other_id = b.tenant_id.to_string();
    for t in &manifest.tables {
        let text = std::fs::read_to_string(out.join(&t.path)).unwrap();
        assert!(
            !text.contains(&other_id),
            "{} names the other institution",
            t.name
        );
    }
    // A second export into the same directory is refused.
    let mut conn = owner.acquire().await.unwrap();
    assert!(
        export_institution(&mut conn, &stores(&app), CODE_A, &out, |_, _| {})
            .await
            .is_err()
    );
    drop(conn);

    // Into another database: refused while a byte differs, then whole.
    let elsewhere = TestApp::spawn().await;
    let other_owner = elsewhere.owner_pool().await;
    let patient_rows = out.join("tables/patient.jsonl");
    let original = std::fs::read(&patient_rows).unwrap();
    let mut changed = original.clone();
    changed[10] ^= 1;
    std::fs::write(&patient_rows, &changed).unwrap();
    let mut conn = other_owner.acquire().await.unwrap();
    let err = import_institution(&mut conn, &stores(&elsewhere), &out)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err:#}");
    std::fs::write(&patient_rows, &original).unwrap();
    // A manifest edited to put a file under another institution's keys is refused.
    let manifest_path = out.join("manifest.json");
    let manifest_text = std::fs::read_to_string(&manifest_path).unwrap();
    let forged = manifest_text.replacen(
        &format!("\"name\": \"tenants/{}/", a.tenant_id),
        &format!("\"name\": \"tenants/{}/", b.tenant_id),
        1,
    );
    assert_ne!(forged, manifest_text);
    std::fs::write(&manifest_path, &forged).unwrap();
    let err = import_institution(&mut conn, &stores(&elsewhere), &out)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not a file of the institution"),
        "{err:#}"
    );
    std::fs::write(&manifest_path, &manifest_text).unwrap();
    let report = import_institution(&mut conn, &stores(&elsewhere), &out)
        .await
        .unwrap();
    assert_eq!(report.tenant_id, a.tenant_id);
    // Twice is refused: the institution is there.
    assert!(import_institution(&mut conn, &stores(&elsewhere), &out)
        .await
        .is_err());
    drop(conn);
    assert_eq!(counts(&elsewhere, a.tenant_id).await, exported);
    let db = elsewhere.db().await;
    for r in verify::verify_tenant(&db, a.tenant_id).await.unwrap() {
        assert_eq!(r.broken, None, "{r:?}");
    }

    // Staff sign in there with their passwords; the file is served byte for byte.
    let client = elsewhere.client();
    let res = client
        .login(CODE_A, "doctor1", "doctor-secret-2026-a")
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (status, _, body) = client.get_file(&format!("/files/{}", file.file_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, pdf);
    let _ = std::fs::remove_dir_all(out);
}
