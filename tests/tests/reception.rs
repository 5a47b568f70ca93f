//! 受付: check-in, the day's queue, moves with times, conflicts, cancellation, tenancy.

use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use shared::api::patients::PatientDetail;
use shared::api::reception::{ReceptionEntry, ReceptionStatus};
use shared::ids::ReceptionId;

const CODE_A: &str = "1319999961";
const CODE_B: &str = "2719999962";

async fn front_desk(app: &TestApp, code: &str) -> (ApiClient, ApiClient) {
    let (_, admin) = app.admin_session(code, "架空受付病院").await;
    let clerk = app
        .staff_session(&admin, code, "clerk1", "clerk", "front-desk-pass-2026")
        .await
        .1;
    (admin, clerk)
}

async fn patient(clerk: &ApiClient, name: &str, kana: &str) -> PatientDetail {
    clerk
        .post("/patients", &json!({"name": name, "kana": kana, "sex": "female", "birth_date": "1990-01-01", "confirm_duplicate": true}))
        .await
        .json()
}

async fn step(
    client: &ApiClient,
    entry: &ReceptionEntry,
    to: ReceptionStatus,
    reason: &str,
) -> karte_tests::TestResponse {
    client
        .post(
            &format!("/receptions/{}/status", entry.reception_id),
            &json!({"to": to, "base_version": entry.version, "reason": reason}),
        )
        .await
}

fn find(queue: &[ReceptionEntry], id: ReceptionId) -> ReceptionEntry {
    queue
        .iter()
        .find(|e| e.reception_id == id)
        .cloned()
        .expect("in the queue")
}

#[tokio::test]
async fn a_patient_moves_through_the_day_with_times() {
    let app = TestApp::spawn().await;
    let (admin, clerk) = front_desk(&app, CODE_A).await;
    let nurse = app
        .staff_session(&admin, CODE_A, "nurse1", "nurse", "ward-secret-words-26")
        .await
        .1;
    let hanako = patient(&clerk, "架空 花子", "カクウ ハナコ").await;
    let res = clerk
        .post("/receptions", &json!({"patient_id": hanako.patient_id, "department": "内科", "purpose": "再診", "memo": "発熱"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let mut entry: ReceptionEntry = res.json();
    assert_eq!(
        (entry.status, entry.department.as_str(), entry.name.as_str()),
        (ReceptionStatus::Waiting, "内科", "架空 花子")
    );

    // Skipping a step is refused with the reason.
    let res = step(&clerk, &entry, ReceptionStatus::Done, "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("診察待ち"));

    // The nurse calls her in; the clerk's screen (still at the old version) cannot move her.
    let res = step(&nurse, &entry, ReceptionStatus::InConsultation, "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let stale = step(&clerk, &entry, ReceptionStatus::InConsultation, "").await;
    assert_eq!(
        (stale.status, stale.code()),
        (StatusCode::CONFLICT, "conflict")
    );
    for to in [ReceptionStatus::WaitingPayment, ReceptionStatus::Done] {
        let queue: Vec<ReceptionEntry> = clerk.get("/receptions").await.json();
        entry = find(&queue, entry.reception_id);
        let res = step(&clerk, &entry, to, "").await;
        assert_eq!(res.status, StatusCode::OK, "{to:?}: {}", res.body);
    }
    let queue: Vec<ReceptionEntry> = nurse.get("/receptions").await.json();
    let done = find(&queue, entry.reception_id);
    assert_eq!(done.status, ReceptionStatus::Done);
    let steps: Vec<ReceptionStatus> = done.status_times.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        steps,
        [
            ReceptionStatus::Waiting,
            ReceptionStatus::InConsultation,
            ReceptionStatus::WaitingPayment,
            ReceptionStatus::Done
        ]
    );
    assert!(
        done.status_times.windows(2).all(|w| w[0].1 <= w[1].1),
        "times in order"
    );
    assert_eq!(
        step(&clerk, &done, ReceptionStatus::Cancelled, "誤登録")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a finished visit is not cancelled"
    );
    assert_eq!(admin.get("/receptions").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_keeps_it() {
    let app = TestApp::spawn().await;
    let (_, clerk) = front_desk(&app, CODE_A).await;
    let p = patient(&clerk, "架空 次郎", "カクウ ジロウ").await;
    let entry: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "外科"}),
        )
        .await
        .json();
    let res = step(&clerk, &entry, ReceptionStatus::Cancelled, " ").await;
    assert_eq!(res.body["fields"][0]["field"], "reason");
    let res = step(&clerk, &entry, ReceptionStatus::Cancelled, "本人の都合").await;
    assert_eq!(res.status, StatusCode::OK);
    let queue: Vec<ReceptionEntry> = clerk.get("/receptions").await.json();
    let cancelled = find(&queue, entry.reception_id);
    assert_eq!(
        (cancelled.status, cancelled.cancel_reason.as_deref()),
        (ReceptionStatus::Cancelled, Some("本人の都合"))
    );
    let res = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": " "}),
        )
        .await;
    assert_eq!(res.body["fields"][0]["field"], "department");
}

#[tokio::test]
async fn another_institutions_queue_is_invisible() {
    let app = TestApp::spawn().await;
    let (_, clerk_a) = front_desk(&app, CODE_A).await;
    let (_, clerk_b) = front_desk(&app, CODE_B).await;
    let p = patient(&clerk_a, "架空 花子", "カクウ ハナコ").await;
    let entry: ReceptionEntry = clerk_a
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科"}),
        )
        .await
        .json();
    let queue_b: Vec<ReceptionEntry> = clerk_b.get("/receptions").await.json();
    assert!(queue_b.is_empty());
    assert_eq!(
        step(&clerk_b, &entry, ReceptionStatus::InConsultation, "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let res = clerk_b
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科"}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::NOT_FOUND,
        "B cannot check in A's patient"
    );
}

#[tokio::test]
async fn a_second_check_in_the_same_day_is_confirmed_and_the_first_stays_the_first_visit() {
    let app = TestApp::spawn().await;
    let (_, clerk) = front_desk(&app, CODE_A).await;
    let p = patient(&clerk, "架空 重複", "カクウ チョウフク").await;
    let check_in =
        |again: bool| json!({"patient_id": p.patient_id, "department": "内科", "again": again});
    let first: ReceptionEntry = clerk.post("/receptions", &check_in(false)).await.json();

    // The same patient again: refused, saying when and where they were checked in.
    let res = clerk.post("/receptions", &check_in(false)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.body["fields"][0]["code"], "already_checked_in");
    let message = res.body["fields"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.starts_with("本日すでに受付済みです（内科 "),
        "{message}"
    );
    let queue: Vec<ReceptionEntry> = clerk.get("/receptions").await.json();
    assert_eq!(queue.len(), 1, "nothing was added");

    // Confirmed (another 診療科, or 同日再診): a second entry.
    let second: ReceptionEntry = clerk.post("/receptions", &check_in(true)).await.json();
    assert_ne!(second.reception_id, first.reception_id);

    // 会計 of the first is still the 初診; the second's says which visit made it a 再診.
    let bill = |id: ReceptionId| format!("/receptions/{id}/bill");
    let ctx: shared::api::billing::BillContext = clerk.get(&bill(first.reception_id)).await.json();
    assert!(ctx.first_visit);
    assert_eq!(ctx.earlier_visit, None);
    let ctx: shared::api::billing::BillContext = clerk.get(&bill(second.reception_id)).await.json();
    assert!(!ctx.first_visit);
    let earlier = ctx.earlier_visit.expect("the first visit");
    assert_eq!(earlier.department, "内科");

    // A cancelled reception does not count: after cancelling both, a check-in is not refused.
    for entry in [&first, &second] {
        let res = step(&clerk, entry, ReceptionStatus::Cancelled, "重複受付").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = clerk.post("/receptions", &check_in(false)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
}

#[tokio::test]
async fn each_visit_has_its_own_insurance_combination() {
    use shared::api::billing::BillContext;
    let app = TestApp::spawn().await;
    let (admin, clerk) = front_desk(&app, CODE_A).await;
    let p = patient(&clerk, "架空 組合", "カクウ クミアワセ").await;
    let insurance: serde_json::Value = clerk
        .post(
            &format!("/patients/{}/insurances", p.patient_id),
            &json!({"insurer_number": "33120015", "symbol": "架空", "number": "1", "branch": "01",
                    "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
        )
        .await
        .body;
    // A 難病 受給者証: 2割, 上限 月1,000円.
    let nanbyo: serde_json::Value = clerk
        .post(
            &format!("/patients/{}/public-payments", p.patient_id),
            &json!({"payer_number": "54016027", "recipient_number": "1234566",
                    "valid_from": "2020-01-01", "patient_tenths": "2", "monthly_cap": "1000"}),
        )
        .await
        .body;
    let (insurance_id, public_id) = (&insurance["insurance_id"], &nanbyo["public_payment_id"]);
    let bill = |e: &ReceptionEntry| format!("/receptions/{}/bill", e.reception_id);

    // 内科 for the 難病: the insurance and the 公費.
    let internal: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科",
                    "coverage": {"insurance_id": insurance_id, "public_payment_ids": [public_id]}}),
        )
        .await
        .json();
    assert_eq!(internal.coverage_label, "保険 33120015 ＋ 公費 54016027");
    let ctx: BillContext = clerk.get(&bill(&internal)).await.json();
    assert_eq!(ctx.public_expense.map(|p| p.patient_tenths), Some(2));
    assert!(ctx.public_not_chosen.is_empty());

    // An unrelated acute visit to 整形外科 the same day, no choice made: the insurance alone
    // (the 公費 is not applied, and 会計 says so).
    let ortho: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "整形外科", "again": true}),
        )
        .await
        .json();
    assert_eq!(ortho.coverage_label, "保険 33120015 のみ");
    let ctx: BillContext = clerk.get(&bill(&ortho)).await.json();
    assert_eq!(ctx.public_expense, None);
    assert_eq!(ctx.burden_tenths, Some(3));
    assert_eq!(ctx.public_not_chosen, ["54016027"]);
    assert_eq!(ctx.coverage_label, "保険 33120015 のみ");

    // Back to 内科 without a choice: the last one of 内科, with the 公費.
    let again: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科", "again": true}),
        )
        .await
        .json();
    assert_eq!(again.coverage_label, "保険 33120015 ＋ 公費 54016027");
    let cards: shared::api::insurance::CoverageOn = clerk
        .get(&format!("/patients/{}/coverage", p.patient_id))
        .await
        .json();
    let departments: Vec<&str> = cards
        .last_used
        .iter()
        .map(|l| l.department.as_str())
        .collect();
    assert_eq!(departments, ["内科", "整形外科"]);

    // A card of another patient, or nothing at all, is refused by field.
    let other = patient(&clerk, "架空 別人", "カクウ ベツジン").await;
    let res = clerk
        .post(
            "/receptions",
            &json!({"patient_id": other.patient_id, "department": "内科",
                    "coverage": {"insurance_id": insurance_id, "public_payment_ids": []}}),
        )
        .await;
    assert_eq!(res.field_names(), ["coverage.insurance_id"]);
    let res = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科", "again": true,
                    "coverage": {"insurance_id": null, "public_payment_ids": []}}),
        )
        .await;
    assert_eq!(res.field_names(), ["coverage"]);
    // A patient with no card valid today is still checked in (会計 will ask for one).
    let res = clerk
        .post(
            "/receptions",
            &json!({"patient_id": other.patient_id, "department": "内科",
                    "coverage": {"insurance_id": null, "public_payment_ids": []}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let bare: ReceptionEntry = res.json();
    assert_eq!(
        (bare.coverage, bare.coverage_label.as_str()),
        (Some(Default::default()), "保険・公費なし")
    );

    // Changed in 会計: from the version read, audited; a stale base is a conflict.
    let path = format!("/receptions/{}/coverage", ortho.reception_id);
    let change = |base: i32| {
        json!({"base_version": base,
               "coverage": {"insurance_id": insurance_id, "public_payment_ids": [public_id]}})
    };
    let res = clerk.put(&path, &change(ortho.version + 1)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = clerk.put(&path, &change(ortho.version)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let changed: ReceptionEntry = res.json();
    assert_eq!(changed.coverage_label, "保険 33120015 ＋ 公費 54016027");
    assert_eq!(changed.version, ortho.version + 1);
    let ctx: BillContext = clerk.get(&bill(&ortho)).await.json();
    assert!(ctx.public_expense.is_some());
    let res = admin.get("/logs/audit?action=reception_coverage").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res
        .body
        .to_string()
        .contains(&ortho.reception_id.to_string()));

    // Another institution cannot see or change it.
    let (_, clerk_b) = front_desk(&app, CODE_B).await;
    let res = clerk_b.put(&path, &change(changed.version)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
