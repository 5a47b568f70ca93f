//! Insurances and public payments: validation with check digits, validity by date, the
//! patient's share, versions, tenancy.

use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::insurance::CoverageOn;
use shared::api::patients::PatientDetail;
use shared::domain::insurance::check_digit;
use shared::ids::PatientId;

const CODE_A: &str = "1319999951";
const CODE_B: &str = "2719999952";

async fn clerk(app: &TestApp, code: &str, name: &str) -> ApiClient {
    let (_, admin) = app.admin_session(code, name).await;
    app.staff_session(&admin, code, "clerk1", "clerk", "front-desk-pass-2026")
        .await
        .1
}

async fn register(client: &ApiClient, name: &str, kana: &str, birth: &str) -> PatientDetail {
    let res = client
        .post("/patients", &json!({"name": name, "kana": kana, "sex": "male", "birth_date": birth, "confirm_duplicate": true}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

/// An 8-digit insurer number with a correct check digit.
fn insurer(body7: &str) -> String {
    let digits: Vec<u8> = body7.bytes().map(|b| b - b'0').collect();
    format!("{body7}{}", check_digit(&digits))
}

fn card(insurer_number: &str, from: &str, until: &str) -> Value {
    json!({
        "insurer_number": insurer_number, "symbol": "架空", "number": "12", "branch": "01",
        "relationship": "insured", "acquired_on": from, "valid_from": from, "valid_until": until,
    })
}

async fn coverage(client: &ApiClient, patient: PatientId, on: &str) -> CoverageOn {
    let res = client
        .get(&format!("/patients/{patient}/coverage?on={on}"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn insurance_numbers_are_checked_and_explained() {
    let app = TestApp::spawn().await;
    let clerk = clerk(&app, CODE_A, "架空第一クリニック").await;
    let p = register(&clerk, "架空 太郎", "カクウ タロウ", "1980-06-15").await;
    let path = format!("/patients/{}/insurances", p.patient_id);

    let ok = clerk.post(&path, &card("33120015", "2020-04-01", "")).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.body["burden_tenths"], 3);
    assert_eq!(ok.body["burden_rule"], "standard");

    for (number, expect) in [
        ("33120016", "検証番号"),
        ("3312001", "桁数"),
        ("33l20015", "数字"),
        ("0199001", "桁数"),
    ] {
        let res = clerk.post(&path, &card(number, "2020-04-01", "")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{number}");
        assert_eq!(res.body["fields"][0]["field"], "insurer_number", "{number}");
        assert!(
            res.body["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains(expect),
            "{number}: {}",
            res.body
        );
    }
    let res = clerk
        .post(&path, &card("33120015", "2020-04-01", "2019-03-31"))
        .await;
    assert_eq!(res.body["fields"][0]["code"], "before_start");
}

#[tokio::test]
async fn the_insurance_valid_on_a_date_is_found_by_date() {
    let app = TestApp::spawn().await;
    let clerk = clerk(&app, CODE_A, "架空第一クリニック").await;
    let p = register(&clerk, "架空 太郎", "カクウ タロウ", "1980-06-15").await;
    let path = format!("/patients/{}/insurances", p.patient_id);
    let old = insurer("0113001");
    let new = insurer("0613901");
    assert_eq!(
        clerk
            .post(&path, &card(&old, "2020-04-01", "2025-03-31"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        clerk
            .post(&path, &card(&new, "2025-04-01", ""))
            .await
            .status,
        StatusCode::CREATED
    );
    let numbers = |c: &CoverageOn| {
        c.insurances
            .iter()
            .map(|i| i.insurer_number.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        numbers(&coverage(&clerk, p.patient_id, "2024-06-01").await),
        std::slice::from_ref(&old)
    );
    assert_eq!(
        numbers(&coverage(&clerk, p.patient_id, "2025-03-31").await),
        std::slice::from_ref(&old)
    );
    assert_eq!(
        numbers(&coverage(&clerk, p.patient_id, "2025-04-01").await),
        std::slice::from_ref(&new)
    );
    assert!(numbers(&coverage(&clerk, p.patient_id, "2019-01-01").await).is_empty());
    assert_eq!(
        coverage(&clerk, p.patient_id, "all").await.insurances.len(),
        2
    );
    assert_eq!(
        clerk
            .get(&format!("/patients/{}/coverage?on=tomorrow", p.patient_id))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn the_share_follows_age_insurance_and_the_card() {
    let app = TestApp::spawn().await;
    let clerk = clerk(&app, CODE_A, "架空第一クリニック").await;
    let child = register(&clerk, "架空 幼子", "カクウ オサナゴ", "2022-05-10").await;
    let elder = register(&clerk, "架空 長老", "カクウ チョウロウ", "1946-03-03").await;
    let kyokai = insurer("0113001");
    let kouki = insurer("3913101");
    clerk
        .post(
            &format!("/patients/{}/insurances", child.patient_id),
            &card(&kyokai, "2022-05-10", ""),
        )
        .await;
    let mut late = card(&kouki, "2021-03-03", "");
    late["relationship"] = json!("insured");
    clerk
        .post(&format!("/patients/{}/insurances", elder.patient_id), &late)
        .await;

    let c = coverage(&clerk, child.patient_id, "2026-11-24").await;
    assert_eq!(
        (
            c.insurances[0].burden_tenths,
            c.insurances[0].burden_rule.as_str()
        ),
        (2, "preschool")
    );
    let c = coverage(&clerk, child.patient_id, "2029-04-01").await;
    assert_eq!(
        (
            c.insurances[0].burden_tenths,
            c.insurances[0].burden_rule.as_str()
        ),
        (3, "standard"),
        "after school entry"
    );
    let e = coverage(&clerk, elder.patient_id, "2026-11-24").await;
    assert_eq!(
        (
            e.insurances[0].burden_tenths,
            e.insurances[0].burden_rule.as_str()
        ),
        (1, "late_elderly")
    );

    // The card says 3割 (現役並み): the clerk's entry wins, and says so.
    let id = e.insurances[0].insurance_id;
    let mut edited = late.clone();
    edited["base_version"] = json!(1);
    edited["burden_override"] = json!(3);
    edited["reason"] = json!("保険証の記載");
    let url = format!("/patients/{}/insurances/{id}", elder.patient_id);
    let res = clerk.put(&url, &edited).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        (
            res.body["version"].as_i64(),
            res.body["burden_tenths"].as_i64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(res.body["burden_rule"], "card");
    // The same stale base again is a conflict.
    let res = clerk.put(&url, &edited).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn public_payments_are_validated_and_dated() {
    let app = TestApp::spawn().await;
    let (institution, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
        .await;
    let p = register(&clerk, "架空 太郎", "カクウ タロウ", "1980-06-15").await;
    let path = format!("/patients/{}/public-payments", p.patient_id);
    let recipient = format!("123456{}", check_digit(&[1, 2, 3, 4, 5, 6]));
    let ok = clerk
        .post(&path, &json!({"payer_number": "54016027", "recipient_number": recipient, "valid_from": "2026-01-01", "valid_until": "2026-12-31"}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.body["houbetsu"], "54");
    let bad = clerk
        .post(&path, &json!({"payer_number": "54016028", "recipient_number": "1234567", "valid_from": "2026-01-01"}))
        .await;
    let fields = bad.field_names();
    assert_eq!(fields, ["payer_number", "recipient_number"]);
    assert_eq!(
        coverage(&clerk, p.patient_id, "2026-06-01")
            .await
            .public_payments
            .len(),
        1
    );
    assert!(coverage(&clerk, p.patient_id, "2027-01-01")
        .await
        .public_payments
        .is_empty());

    // Renewed for 2027: a new version with a reason; the earlier one stays in the table.
    let id = ok.body["public_payment_id"].as_str().unwrap().to_string();
    assert_eq!(ok.body["version"], 1);
    let renewal = json!({"base_version": 1, "payer_number": "54016027", "recipient_number": recipient,
        "valid_from": "2026-01-01", "valid_until": "2027-12-31", "reason": "受給者証の更新"});
    let edit = format!("{path}/{id}");
    let res = clerk.put(&edit, &renewal).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        (
            res.body["version"].as_i64(),
            res.body["valid_until"].as_str()
        ),
        (Some(2), Some("2027-12-31"))
    );
    assert_eq!(
        coverage(&clerk, p.patient_id, "2027-06-01")
            .await
            .public_payments
            .len(),
        1
    );
    // Saved on the old base again: a conflict, nothing written.
    let res = clerk.put(&edit, &renewal).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
    // Invalid numbers are refused on edit too.
    let mut bad_edit = renewal.clone();
    bad_edit["base_version"] = json!(2);
    bad_edit["payer_number"] = json!("54016028");
    let res = clerk.put(&edit, &bad_edit).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // Another patient's path does not reach this 公費.
    let other = register(&clerk, "架空 次郎", "カクウ ジロウ", "1985-01-01").await;
    let res = clerk
        .put(
            &format!("/patients/{}/public-payments/{id}", other.patient_id),
            &renewal,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let versions: Vec<(i32, Option<String>, String)> = {
        let pool = app.app_pool().await;
        let mut tx = karte_tests::tenant_tx(&pool, institution.tenant_id).await;
        sqlx::query_as("select version, valid_until::text, reason from public_payment_version where public_payment_id = $1::uuid order by version")
            .bind(&id)
            .fetch_all(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(versions.len(), 2, "both versions kept");
    assert_eq!(versions[1].2, "受給者証の更新");
}

#[tokio::test]
async fn another_institution_cannot_touch_a_patients_insurance() {
    let app = TestApp::spawn().await;
    let clerk_a = clerk(&app, CODE_A, "架空第一クリニック").await;
    let clerk_b = clerk(&app, CODE_B, "架空第二病院").await;
    let p = register(&clerk_a, "架空 太郎", "カクウ タロウ", "1980-06-15").await;
    clerk_a
        .post(
            &format!("/patients/{}/insurances", p.patient_id),
            &card("33120015", "2020-04-01", ""),
        )
        .await;
    let res = clerk_b
        .post(
            &format!("/patients/{}/insurances", p.patient_id),
            &card("33120015", "2020-04-01", ""),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        clerk_b
            .get(&format!("/patients/{}/coverage", p.patient_id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        coverage(&clerk_a, p.patient_id, "all")
            .await
            .insurances
            .len(),
        1
    );
}
