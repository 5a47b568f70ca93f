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
    let fields = res.field_names();
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
    let mut tx = karte_server::db::system::operator_tx(&db, p.tenant_id)
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

mod bills {
    use super::*;
    use karte_tests::ApiClient;
    use shared::api::billing::{BillContext, BillVersion, MasterHit, MasterRows};
    use shared::api::reception::{ReceptionEntry, ReceptionStatus};
    use shared::ids::ReceptionId;
    use std::path::PathBuf;

    /// A 診療所 dispensing in house with a full-time pharmacist, no other 届出 (billing.md's cases).
    fn plain_clinic() -> serde_json::Value {
        let mut s = clinic(0, "2024-06-01");
        s["standards"] = json!({"pharmacist_full_time": true});
        s
    }

    /// A file of `../shared/reference/masters` (each test first checks the folder is there,
    /// by the one policy of `karte_tests::reference`).
    fn reference(path: &str) -> PathBuf {
        karte_tests::reference::shared_dir()
            .join("reference/masters")
            .join(path)
    }

    /// billing.md case C3 for today's visit (再診, 院内処方); the server fills in the date,
    /// birth date, 負担割合, facility and month history from its own records.
    fn c3() -> serde_json::Value {
        let mut visit: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/visit-c3.json")).unwrap();
        visit["service_date"] = json!("2000-01-01");
        visit["burden"] = json!({"kind": "tenths", "tenths": 1});
        visit
    }

    async fn visit_waiting_payment(clerk: &ApiClient) -> (String, ReceptionEntry) {
        let p: shared::api::patients::PatientDetail = clerk
            .post("/patients", &json!({"name": "架空 会計", "kana": "カクウ カイケイ", "sex": "male", "birth_date": "1980-04-01", "confirm_duplicate": true}))
            .await
            .json();
        let res = clerk
            .post(
                &format!("/patients/{}/insurances", p.patient_id),
                &json!({"insurer_number": "33120015", "symbol": "架空", "number": "1", "branch": "01",
                        "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let mut entry: ReceptionEntry = clerk
            .post(
                "/receptions",
                &json!({"patient_id": p.patient_id, "department": "内科"}),
            )
            .await
            .json();
        for to in [
            ReceptionStatus::InConsultation,
            ReceptionStatus::WaitingPayment,
        ] {
            let res = clerk
                .post(
                    &format!("/receptions/{}/status", entry.reception_id),
                    &json!({"to": to, "base_version": entry.version}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let queue: Vec<ReceptionEntry> = res.json();
            entry = queue
                .into_iter()
                .find(|e| e.reception_id == entry.reception_id)
                .unwrap();
        }
        (p.patient_id.to_string(), entry)
    }

    /// A 診療所 with the 2024-06 医科 master, the given billing settings saved, a clerk, and a
    /// patient waiting to pay: (app, admin, clerk, patient id, reception).
    async fn clinic_desk(
        settings: serde_json::Value,
    ) -> Option<(TestApp, ApiClient, ApiClient, String, ReceptionEntry)> {
        karte_tests::reference::reference("masters")?;
        let app = TestApp::spawn().await;
        let owner = app.owner_pool().await;
        karte_server::cli::import_master_files(&owner, &[reference("s_ALL20240531.zip")])
            .await
            .unwrap();
        let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
        let res = admin.post("/billing/settings", &settings).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let (_, clerk) = app
            .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
            .await;
        let (patient_id, entry) = visit_waiting_payment(&clerk).await;
        Some((app, admin, clerk, patient_id, entry))
    }

    /// Puts every card valid today into the visit's 保険組合せ, as the clerk does in 会計 when
    /// a 受給者証 is shown after 受付: answers the new 保険組合せ's label.
    async fn cover_all(clerk: &ApiClient, patient_id: &str, reception: ReceptionId) -> String {
        let cards: shared::api::insurance::CoverageOn = clerk
            .get(&format!("/patients/{patient_id}/coverage"))
            .await
            .json();
        let ctx: BillContext = clerk
            .get(&format!("/receptions/{reception}/bill"))
            .await
            .json();
        let res = clerk
            .put(
                &format!("/receptions/{reception}/coverage"),
                &json!({"base_version": ctx.reception_version, "coverage": {
                    "insurance_id": cards.insurances.first().map(|i| i.insurance_id),
                    "public_payment_ids": cards.public_payments.iter()
                        .map(|p| p.public_payment_id).collect::<Vec<_>>()}}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let entry: ReceptionEntry = res.json();
        entry.coverage_label
    }

    /// The bill path of another reception of the patient today.
    async fn another_visit(clerk: &ApiClient, patient_id: &str) -> String {
        let next: ReceptionEntry = clerk
            .post(
                "/receptions",
                &json!({"patient_id": patient_id, "department": "内科", "again": true}),
            )
            .await
            .json();
        format!("/receptions/{}/bill", next.reception_id)
    }

    #[tokio::test]
    async fn a_visit_is_priced_finalised_and_corrected_without_overwriting() {
        if karte_tests::reference::reference("masters").is_none() {
            return;
        }
        let app = TestApp::spawn().await;
        let owner = app.owner_pool().await;
        karte_server::cli::import_master_files(
            &owner,
            &[
                reference("s_ALL20240531.zip"),
                reference("y_ALL20240531.zip"),
            ],
        )
        .await
        .unwrap();
        let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
        let (_, clerk) = app
            .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
            .await;
        let (patient_id, entry) = visit_waiting_payment(&clerk).await;
        let path = format!("/receptions/{}/bill", entry.reception_id);

        // Without billing settings nothing can be finalised.
        let body = json!({"base_version": 0, "visit": c3(), "expected_total_points": 264,
                          "expected_patient_share": 790, "paid": 790});
        let res = clerk.post(&path, &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.body["fields"][0]["field"], "settings");
        admin.post("/billing/settings", &plain_clinic()).await;

        let context: BillContext = clerk.get(&path).await.json();
        assert_eq!(context.burden_tenths, Some(3));
        assert!(context.first_visit && context.bills.is_empty());
        assert!(context.settings.unwrap().standards.pharmacist_full_time);

        // The browser asks for the rows it needs and searches codes as the clerk types.
        let rows: MasterRows = clerk
            .post(
                "/masters/rows",
                &json!({"on": context.service_date, "procedures": ["112007410", "999999999"], "drugs": ["620007870"]}),
            )
            .await
            .json();
        // 再診料, and the row of the 年齢加算 its master row names (乳幼児加算（再診）), which the
        // engine may add; the unknown code gives nothing.
        assert_eq!((rows.procedures.len(), rows.drugs.len()), (2, 1));
        let code_at = rows.procedures[0]
            .iter()
            .chain(&rows.procedures[1])
            .position(|f| f == "112007410")
            .map(|i| i % rows.procedures[0].len())
            .expect("再診料's code");
        let mut codes: Vec<&str> = rows
            .procedures
            .iter()
            .map(|r| r[code_at].as_str())
            .collect();
        codes.sort();
        assert_eq!(codes, ["112000970", "112007410"]);
        assert!(rows.revision.contains("procedure#1"), "{}", rows.revision);
        let hits: Vec<MasterHit> = clerk
            .get(&format!(
                "/masters/search?q=ｻｲｼﾝﾘｮｳ&on={}&kind=procedure",
                context.service_date
            ))
            .await
            .json();
        assert!(
            hits.iter()
                .any(|h| h.code == "112007410" && h.value == "75.00"),
            "{hits:?}"
        );

        // A screen that computed something else is refused, nothing stored.
        let mut wrong = body.clone();
        wrong["expected_total_points"] = json!(250);
        let res = clerk.post(&path, &wrong).await;
        assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
        assert!(res.body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("264点"));

        let res = clerk.post(&path, &body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first: BillVersion = res.json();
        assert_eq!(
            (
                first.version,
                first.priced.total_points.0,
                first.priced.share.patient.0
            ),
            (1, 264, 790)
        );
        assert_eq!(
            first.visit.birth_date.year(),
            1980,
            "the server's record, not the client's"
        );
        // Paid: the visit left the queue.
        let queue: Vec<ReceptionEntry> = clerk.get("/receptions").await.json();
        let done = queue
            .iter()
            .find(|e| e.reception_id == entry.reception_id)
            .unwrap();
        assert_eq!(done.status, ReceptionStatus::Done);

        // A second clerk finalising the same visit from a stale screen.
        let res = clerk.post(&path, &body).await;
        assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));

        // A newer master does not change the finalised bill.
        karte_server::cli::import_master_files(&owner, &[reference("diffs/s_20240621.csv")])
            .await
            .unwrap();

        // Correction: outside prescribing instead; a reason is required.
        let mut outside = c3();
        outside["prescription"]["dispensing"] = json!("outside");
        let mut correction = json!({"base_version": 1, "visit": outside, "expected_total_points": 187,
                                    "expected_patient_share": 560, "paid": 560});
        let res = clerk.post(&path, &correction).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.body["fields"][0]["field"], "reason");
        correction["reason"] = json!("院外処方に訂正");
        let res = clerk.post(&path, &correction).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let context: BillContext = clerk.get(&path).await.json();
        assert_eq!(
            context
                .bills
                .iter()
                .map(|b| (b.version, b.priced.total_points.0))
                .collect::<Vec<_>>(),
            [(2, 187), (1, 264)]
        );
        assert_eq!(
            context.bills[1].priced, first.priced,
            "version 1 exactly as finalised"
        );
        assert_eq!(context.bills[0].reason, "院外処方に訂正");

        // The audit log has both, with amounts but no clinical text.
        let page: LogPage<AuditLogEntry> = admin
            .get("/logs/audit?action=bill_correct&limit=5")
            .await
            .json();
        assert_eq!(page.entries[0].details["total_points"], json!(187));
        assert_eq!(page.entries[0].details["patient_id"], json!(patient_id));

        // Another institution cannot see or touch the bill.
        let (_, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
        let (_, clerk_b) = app
            .staff_session(&admin_b, CODE_B, "clerk1", "clerk", "front-desk-pass-2026")
            .await;
        assert_eq!(clerk_b.get(&path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            clerk_b.post(&path, &body).await.status,
            StatusCode::NOT_FOUND
        );
        // Nurses do not take payments.
        let (_, nurse) = app
            .staff_session(&admin, CODE_A, "nurse1", "nurse", "ward-secret-words-26")
            .await;
        assert_eq!(nurse.get(&path).await.status, StatusCode::FORBIDDEN);
    }

    /// The 公費 comes from the patient's records (share and monthly cap as the 受給者証 states
    /// them) and what was paid under it this month — never from the request.
    #[tokio::test]
    async fn the_public_expense_is_the_patients_recorded_one_and_its_cap_spans_the_month() {
        if karte_tests::reference::reference("masters").is_none() {
            return;
        }
        let app = TestApp::spawn().await;
        let owner = app.owner_pool().await;
        karte_server::cli::import_master_files(
            &owner,
            &[
                reference("s_ALL20240531.zip"),
                reference("y_ALL20240531.zip"),
            ],
        )
        .await
        .unwrap();
        let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
        admin.post("/billing/settings", &plain_clinic()).await;
        let (_, clerk) = app
            .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
            .await;
        let (patient_id, entry) = visit_waiting_payment(&clerk).await;
        let path = format!("/patients/{patient_id}/public-payments");
        // A 公費 with no share recorded is listed but not applied.
        let res = clerk
            .post(
                &path,
                &json!({"payer_number": "54016027", "recipient_number": "",
                                 "valid_from": "2020-01-01", "patient_tenths": "x"}),
            )
            .await;
        assert_eq!(res.field_names(), ["patient_tenths"]);
        let res = clerk
            .post(
                &path,
                &json!({"payer_number": "54016027", "valid_from": "2020-01-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let bill = format!("/receptions/{}/bill", entry.reception_id);
        // Shown after 受付: not in the visit's 保険組合せ until the clerk adds it.
        let context: BillContext = clerk.get(&bill).await.json();
        assert_eq!(context.public_expense, None);
        assert_eq!(context.public_not_chosen, ["54016027"]);
        assert!(context.public_not_applied.is_empty());
        let label = cover_all(&clerk, &patient_id, entry.reception_id).await;
        assert_eq!(label, "保険 33120015 ＋ 公費 54016027");
        let context: BillContext = clerk.get(&bill).await.json();
        assert_eq!(context.public_expense, None);
        assert!(context.public_not_chosen.is_empty());
        assert_eq!(context.public_not_applied, ["54016027"]);
        // Recorded: 2割, 上限 月1,000円.
        let detail: serde_json::Value = res.body.clone();
        let res = clerk
            .put(
                &format!("{path}/{}", detail["public_payment_id"].as_str().unwrap()),
                &json!({"base_version": 1, "payer_number": "54016027", "valid_from": "2020-01-01",
                        "patient_tenths": "２", "monthly_cap": "1,000", "reason": "受給者証の記載を登録"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let context: BillContext = clerk.get(&bill).await.json();
        let pe = context.public_expense.clone().expect("applied");
        assert_eq!(
            (
                pe.patient_tenths,
                pe.monthly_cap.map(|c| c.0),
                pe.paid_this_month.0
            ),
            (2, Some(1000), 0)
        );

        // C3 is 264点: 2割 = 528円 → 530円 (第75条). A client claiming a 0割 公費 is refused:
        // the server prices with the patient's own record.
        let mut claimed = c3();
        claimed["public_expense"] = json!({"patient_tenths": 0});
        let res = clerk
            .post(
                &bill,
                &json!({"base_version": 0, "visit": claimed, "expected_total_points": 264,
                                 "expected_patient_share": 0, "paid": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        // … nor as a second 公費.
        let mut claimed = c3();
        claimed["additional_public_expenses"] = json!([{"patient_tenths": 0}]);
        let res = clerk
            .post(
                &bill,
                &json!({"base_version": 0, "visit": claimed, "expected_total_points": 264,
                                 "expected_patient_share": 0, "paid": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = clerk
            .post(
                &bill,
                &json!({"base_version": 0, "visit": c3(), "expected_total_points": 264,
                                 "expected_patient_share": 530, "paid": 530}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first: BillVersion = res.json();
        assert_eq!(first.priced.share.patient.0, 530);
        // Taking the 公費 off the visit after 確定 leaves the bill as it is, and 会計 says a
        // 訂正 is due; putting it back clears that.
        let context: BillContext = clerk.get(&bill).await.json();
        assert!(!context.coverage_differs);
        let set = |base: i32, publics: serde_json::Value| {
            json!({"base_version": base, "coverage": {
                "insurance_id": context.coverage.as_ref().and_then(|c| c.insurance_id),
                "public_payment_ids": publics}})
        };
        let publics = json!(context
            .coverage
            .as_ref()
            .map(|c| c.public_payment_ids.clone())
            .unwrap_or_default());
        let path_cov = format!("/receptions/{}/coverage", entry.reception_id);
        let res = clerk
            .put(&path_cov, &set(context.reception_version, json!([])))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let changed: BillContext = clerk.get(&bill).await.json();
        assert!(changed.coverage_differs);
        let res = clerk
            .put(&path_cov, &set(changed.reception_version, publics))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let back: BillContext = clerk.get(&bill).await.json();
        assert!(!back.coverage_differs);
        assert_eq!(
            first
                .visit
                .public_expense
                .as_ref()
                .and_then(|p| p.payer_number.as_ref())
                .map(|n| n.as_str()),
            Some("54016027")
        );

        // A second visit the same month: 470円 of the cap is left.
        let mut second: ReceptionEntry = clerk
            .post(
                "/receptions",
                &json!({"patient_id": patient_id, "department": "内科", "again": true}),
            )
            .await
            .json();
        for to in [
            ReceptionStatus::InConsultation,
            ReceptionStatus::WaitingPayment,
        ] {
            let queue: Vec<ReceptionEntry> = clerk
                .post(
                    &format!("/receptions/{}/status", second.reception_id),
                    &json!({"to": to, "base_version": second.version}),
                )
                .await
                .json();
            second = queue
                .into_iter()
                .find(|e| e.reception_id == second.reception_id)
                .unwrap();
        }
        let bill2 = format!("/receptions/{}/bill", second.reception_id);
        let context: BillContext = clerk.get(&bill2).await.json();
        assert_eq!(
            context.public_expense.as_ref().unwrap().paid_this_month.0,
            530
        );
        // 250点 now (the month's once-only items were billed at the first visit): 2割 = 500円,
        // but only 470円 of the cap is left.
        let res = clerk
            .post(
                &bill2,
                &json!({"base_version": 0, "visit": c3(), "expected_total_points": 250,
                                  "expected_patient_share": 470, "paid": 470}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }

    #[tokio::test]
    async fn judgment_fees_of_the_month_come_from_earlier_bills() {
        let Some((_app, _, clerk, patient_id, first)) = clinic_desk(plain_clinic()).await else {
            return;
        };
        // billing.md C6: 再診 + 外来管理 + 採血 + 検体検査 → 558点 the first time in a month.
        let items: Vec<serde_json::Value> = [
            "160095710",
            "160008010",
            "160010010",
            "160022510",
            "160022610",
            "160167250",
        ]
        .iter()
        .map(|c| json!({ "code": c }))
        .collect();
        let lab = json!({"service_date": "2000-01-01", "birth_date": "2000-01-01",
            "burden": {"kind": "tenths", "tenths": 3}, "kind": "revisit",
            "facility": {"kind": "clinic"}, "outpatient_management": true, "items": items});
        let res = clerk
            .post(
                &format!("/receptions/{}/bill", first.reception_id),
                &json!({"base_version": 0, "visit": lab, "expected_total_points": 558,
                        "expected_patient_share": 1670, "paid": 1670}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        // A second visit the same day and month: the 判断料 are already billed.
        let path = another_visit(&clerk, &patient_id).await;
        let context: BillContext = clerk.get(&path).await.json();
        assert!(!context.first_visit);
        assert!(
            context.month_history.iter().any(|h| h.code == "160061810"),
            "血液学的検査判断料 in the month"
        );
        let res = clerk
            .post(
                &path,
                &json!({"base_version": 0, "visit": lab, "expected_total_points": 289,
                                 "expected_patient_share": 870, "paid": 870}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }

    #[tokio::test]
    async fn two_public_expenses_apply_together_with_welfare_last() {
        let Some((_app, _, clerk, patient_id, entry)) = clinic_desk(plain_clinic()).await else {
            return;
        };
        let path = format!("/patients/{patient_id}/public-payments");
        // 生活保護 (法別12, 0割) recorded first, then 難病 (法別54, 2割, 上限 月1,000円).
        for body in [
            json!({"payer_number": "12136016", "valid_from": "2020-01-01", "patient_tenths": "0"}),
            json!({"payer_number": "54016027", "valid_from": "2020-01-01", "patient_tenths": "2",
                   "monthly_cap": "1000"}),
        ] {
            let res = clerk.post(&path, &body).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        // A visit checked in before 保険組合せ existed (none stored) prices as then: the
        // insurance and every 公費 with a share.
        let pool = _app.app_pool().await;
        let session: shared::api::auth::SessionInfo = clerk.get("/auth/session").await.json();
        let mut tx = karte_tests::tenant_tx(&pool, session.institution.tenant_id).await;
        sqlx::query("update reception set coverage = null where reception_id = $1")
            .bind(entry.reception_id.as_uuid())
            .execute(&mut *tx)
            .await
            .expect("an old visit");
        tx.commit().await.expect("commit");
        let bill = format!("/receptions/{}/bill", entry.reception_id);
        let legacy: BillContext = clerk.get(&bill).await.json();
        assert_eq!(
            legacy.coverage.map(|c| c.public_payment_ids.len()),
            Some(2),
            "both 公費, as before"
        );
        let context: BillContext = clerk.get(&bill).await.json();
        let payers: Vec<String> = context
            .public_expense
            .iter()
            .chain(&context.additional_public_expenses)
            .map(|pe| pe.payer_number.as_ref().unwrap().as_str().to_string())
            .collect();
        // 生活保護 pays last (他法優先).
        assert_eq!(payers, ["54016027", "12136016"]);
        assert!(context.public_not_applied.is_empty());
        // 再診 75点: 3割 230円 under the insurance alone; with both 公費 nothing at the window.
        let revisit = json!({"service_date": "2000-01-01", "birth_date": "2000-01-01",
            "burden": {"kind": "tenths", "tenths": 3}, "kind": "revisit",
            "facility": {"kind": "clinic"}, "additional_public_expenses": []});
        let res = clerk
            .post(
                &bill,
                &json!({"base_version": 0, "visit": revisit, "expected_total_points": 75,
                        "expected_patient_share": 0, "paid": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first: BillVersion = res.json();
        assert_eq!(
            (
                first.priced.share.insurance_copay.0,
                first.priced.share.public.0
            ),
            (230, 230)
        );
        assert_eq!(first.visit.additional_public_expenses.len(), 1);
    }

    #[tokio::test]
    async fn the_medical_information_addition_is_once_in_three_months_across_bills() {
        let mut settings = plain_clinic();
        settings["standards"] = json!({"online_qualification": true, "medical_dx": true});
        let Some((_app, admin, clerk, patient_id, first)) = clinic_desk(settings).await else {
            return;
        };
        // Settings saved with the former flag read back as 加算６.
        let stored: Vec<BillingSettings> = admin.get("/billing/settings").await.json();
        assert_eq!(stored[0].standards.medical_dx, 6);
        let revisit = json!({"service_date": "2000-01-01", "birth_date": "2000-01-01",
            "burden": {"kind": "tenths", "tenths": 3}, "kind": "revisit",
            "facility": {"kind": "clinic"}});
        // Today (after 2024-12-01): 再診料 75 + 医療情報取得加算（再診）1.
        let res = clerk
            .post(
                &format!("/receptions/{}/bill", first.reception_id),
                &json!({"base_version": 0, "visit": revisit, "expected_total_points": 76,
                        "expected_patient_share": 230, "paid": 230}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let path = another_visit(&clerk, &patient_id).await;
        let context: BillContext = clerk.get(&path).await.json();
        assert!(context.month_history.iter().any(|h| h.code == "112708970"));
        // The second visit: already billed within three months, 75 only.
        let res = clerk
            .post(
                &path,
                &json!({"base_version": 0, "visit": revisit, "expected_total_points": 75,
                        "expected_patient_share": 230, "paid": 230}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
}

#[tokio::test]
async fn sets_of_frequent_items_are_kept_as_versions_per_institution() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
        .await;
    let contents = json!({
        "items": [{"code": "160095710"}, {"code": "160008010"}],
        "rps": [{"kind": "internal", "days": 14, "drugs": [{"code": "620007870", "quantity": "1"}]}]
    });
    let res = clerk
        .post(
            "/billing/sets",
            &json!({"name": "高血圧 定期", "contents": contents}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let set: shared::api::billing::ItemSet = res.json();
    assert_eq!((set.version, set.contents.items.len()), (1, 2));

    // Renamed as version 2; the same base again is stale.
    let path = format!("/billing/sets/{}", set.item_set_id);
    let rename =
        json!({"base_version": 1, "name": "高血圧 定期（採血あり）", "contents": contents});
    assert_eq!(clerk.put(&path, &rename).await.status, StatusCode::OK);
    let res = clerk.put(&path, &rename).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
    let sets: Vec<shared::api::billing::ItemSet> = clerk.get("/billing/sets").await.json();
    assert_eq!(
        sets.iter()
            .map(|s| (s.name.as_str(), s.version))
            .collect::<Vec<_>>(),
        [("高血圧 定期（採血あり）", 2)]
    );

    // An empty set or an empty name is refused; nurses have no sets.
    let res = clerk
        .post("/billing/sets", &json!({"name": " ", "contents": {}}))
        .await;
    assert_eq!(res.field_names(), ["name", "contents"]);
    let (_, nurse) = app
        .staff_session(&admin, CODE_A, "nurse1", "nurse", "ward-secret-words-26")
        .await;
    assert_eq!(
        nurse.get("/billing/sets").await.status,
        StatusCode::FORBIDDEN
    );

    // Retired: out of the list, still stored.
    let retire = json!({"base_version": 2, "name": "高血圧 定期（採血あり）", "contents": contents, "retired": true});
    assert_eq!(clerk.put(&path, &retire).await.status, StatusCode::OK);
    let sets: Vec<shared::api::billing::ItemSet> = clerk.get("/billing/sets").await.json();
    assert!(sets.is_empty());

    // Another institution neither sees nor reaches it.
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
    let theirs: Vec<shared::api::billing::ItemSet> = admin_b.get("/billing/sets").await.json();
    assert!(theirs.is_empty());
    let res = admin_b
        .put(
            &path,
            &json!({"base_version": 3, "name": "乗っ取り", "contents": contents}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
