//! Billing over the API: an institution's billing settings (versions valid from a date,
//! administrators only, audited, isolated per institution).

use karte_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use shared::api::billing::BillingSettings;
use shared::api::logs::{AuditLogEntry, LogPage};

const CODE_A: &str = "1319999961";
const CODE_B: &str = "2719999962";

fn clinic(base_version: i32, valid_from: &str) -> serde_json::Value {
    json!({
        "base_version": base_version,
        "valid_from": valid_from,
        "institution_type": "clinic",
        "general_beds": 0,
        "in_house_dispensing": true,
        "standards": {"detailed_statement": true, "pharmacist_full_time": true},
        "reason": "開設時の届出"
    })
}

#[tokio::test]
async fn administrators_keep_billing_settings_as_dated_versions() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
        .await;

    let res = admin
        .post("/billing/settings", &clinic(0, "2024-06-01"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let first: BillingSettings = res.json();
    assert_eq!(first.version, 1);
    assert!(first.standards.detailed_statement && first.in_house_dispensing);
    assert_eq!(first.author.as_deref(), Some("架空 管理者"));

    // The clerk reads them (the 会計 screen prices with them) but cannot change them.
    let res = clerk.get("/billing/settings").await;
    assert_eq!(res.status, StatusCode::OK);
    let res = clerk
        .post("/billing/settings", &clinic(1, "2025-04-01"))
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    // A second version from 2025-04: outside prescribing.
    let mut outside = clinic(1, "2025-04-01");
    outside["in_house_dispensing"] = json!(false);
    outside["reason"] = json!("院外処方へ移行");
    let res = admin.post("/billing/settings", &outside).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // The same base again: someone else saved first.
    let res = admin.post("/billing/settings", &outside).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
    let versions: Vec<BillingSettings> = clerk.get("/billing/settings").await.json();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.valid_from.as_str(), v.in_house_dispensing))
            .collect::<Vec<_>>(),
        [(2, "2025-04-01", false), (1, "2024-06-01", true)],
        "both versions kept, newest first"
    );

    // Invalid input names the field.
    let mut bad = clinic(2, "2025-13-01");
    bad["general_beds"] = json!(25);
    let res = admin.post("/billing/settings", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = res.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["valid_from", "general_beds"]);

    // Each change is in the audit log with what changed.
    let page: LogPage<AuditLogEntry> = admin
        .get("/logs/audit?action=billing_settings_change&limit=10")
        .await
        .json();
    assert_eq!(page.entries.len(), 2, "two changes audited");
    assert_eq!(page.entries[0].details["in_house_dispensing"], json!(false));
    assert_eq!(page.entries[0].details["valid_from"], json!("2025-04-01"));

    // Another institution sees none of it.
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
    let theirs: Vec<BillingSettings> = admin_b.get("/billing/settings").await.json();
    assert!(theirs.is_empty());
}

#[tokio::test]
async fn the_settings_of_a_date_are_the_latest_version_valid_from_it() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    admin
        .post("/billing/settings", &clinic(0, "2024-06-01"))
        .await;
    let mut hospital = clinic(1, "2025-01-01");
    hospital["institution_type"] = json!("hospital");
    hospital["general_beds"] = json!(250);
    hospital["standards"] = json!({});
    assert_eq!(
        admin.post("/billing/settings", &hospital).await.status,
        StatusCode::CREATED
    );
    let db = app.db().await;
    let mut tx = karte_server::db::TenantTx::begin_for_provisioning(&db, p.tenant_id)
        .await
        .unwrap();
    let on = |d: &str| shared::domain::japanese::parse_date(d).unwrap();
    assert!(karte_server::db::billing::on(&mut tx, on("2024-05-31"))
        .await
        .unwrap()
        .is_none());
    let kinds = [
        ("2024-06-01", shared::billing::FacilityKind::Clinic),
        ("2024-12-31", shared::billing::FacilityKind::Clinic),
        ("2025-01-01", shared::billing::FacilityKind::LargeHospital),
    ];
    for (date, kind) in kinds {
        let row = karte_server::db::billing::on(&mut tx, on(date))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.facility().kind, kind, "{date}");
    }
}
