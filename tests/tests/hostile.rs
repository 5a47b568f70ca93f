//! Every hostile request gets a clear JSON error and changes nothing. The suite walks the
//! router's own route table (`karte_server::routes::api_paths`), so a route is covered the day it
//! is added: each write route must have a sample body here (or be listed as taking none), and
//! each path parameter an id from the fixture, or the suite fails and says what is missing.
//!
//! From each valid sample body it derives malformed JSON, other JSON than an object, unknown
//! fields, deep nesting, control characters (NUL first) in every string, huge strings,
//! impossible dates, wrong types, negative and overflowing numbers and an oversized body; every
//! route also gets invalid UTF-8 and control characters in its path and query string. Each
//! answer must be a 4xx `ErrorBody` with a known code and no internal text, within a time
//! limit; the institution's stored records must be unchanged afterwards; the server must still
//! answer normally at the end.

use karte_tests::{ApiClient, TestApp, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::api::chart::{Diagnosis, NoteDetail, VitalRecord};
use shared::api::insurance::{InsuranceDetail, PublicPaymentDetail};
use shared::api::patients::PatientDetail;
use shared::api::reception::ReceptionEntry;
use shared::api::ErrorBody;
use shared::ids::NoteId;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

const CODE_A: &str = "1319999971";
const CODE_B: &str = "2719999972";
/// The production default, so that huge strings reach validation instead of the body limit.
const BODY_LIMIT: usize = 1024 * 1024;
const PASSWORD: &str = "hostile-suite-pass-2026";

/// Who sends a route's requests: someone allowed to use it, so that a request gets past the
/// permission check to the parts that read its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    Doctor,
    Clerk,
    /// A user of its own for the sign-in routes (they change the session and the password).
    Auth,
}

struct Fixture {
    admin: ApiClient,
    doctor: ApiClient,
    clerk: ApiClient,
    auth: ApiClient,
    anonymous: ApiClient,
    tenant_id: shared::ids::TenantId,
    /// Path parameter → a real id of the institution (so requests reach the handler).
    ids: HashMap<&'static str, String>,
    /// (route template, parameter) → an id for that route alone, where a route needs a record
    /// in a state of its own.
    route_ids: HashMap<(&'static str, &'static str), String>,
}

impl Fixture {
    fn client(&self, who: Who) -> &ApiClient {
        match who {
            Who::Anonymous => &self.anonymous,
            Who::Admin => &self.admin,
            Who::Doctor => &self.doctor,
            Who::Clerk => &self.clerk,
            Who::Auth => &self.auth,
        }
    }
}

async fn created<T: serde::de::DeserializeOwned>(res: TestResponse, what: &str) -> T {
    assert!(
        res.status.is_success(),
        "fixture: {what}: {} {}",
        res.status,
        res.body
    );
    res.json()
}

async fn fixture(app: &TestApp) -> Fixture {
    let (provisioned, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let (doctor_issued, doctor) = app
        .staff_session(&admin, CODE_A, "doctor1", "doctor", PASSWORD)
        .await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", PASSWORD)
        .await;
    let (auth_issued, auth) = app
        .staff_session(&admin, CODE_A, "auth1", "clerk", PASSWORD)
        .await;
    let mut ids = HashMap::new();
    ids.insert("user_id", auth_issued.user.user_id.to_string());

    let res = admin
        .post(
            "/billing/settings",
            &json!({"base_version": 0, "valid_from": "2024-06-01", "institution_type": "clinic",
                    "general_beds": 0, "in_house_dispensing": true,
                    "standards": {"pharmacist_full_time": true}}),
        )
        .await;
    let _: Value = created(res, "billing settings").await;

    let patient: PatientDetail = created(
        clerk
            .post(
                "/patients",
                &json!({"name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                                       "birth_date": "1980-04-01", "confirm_duplicate": true}),
            )
            .await,
        "patient",
    )
    .await;
    let pid = patient.patient_id;
    ids.insert("patient_id", pid.to_string());
    let insurance: InsuranceDetail = created(
        clerk
            .post(
                &format!("/patients/{pid}/insurances"),
                &json!({"insurer_number": "33120015", "symbol": "架空", "number": "1", "branch": "01",
                        "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
            )
            .await,
        "insurance",
    )
    .await;
    ids.insert("insurance_id", insurance.insurance_id.to_string());
    let payment: PublicPaymentDetail = created(
        clerk
            .post(
                &format!("/patients/{pid}/public-payments"),
                &json!({"payer_number": "54016027", "recipient_number": "", "valid_from": "2020-01-01"}),
            )
            .await,
        "公費",
    )
    .await;
    ids.insert("public_payment_id", payment.public_payment_id.to_string());
    let reception: ReceptionEntry = created(
        clerk
            .post(
                "/receptions",
                &json!({"patient_id": pid, "department": "内科"}),
            )
            .await,
        "reception",
    )
    .await;
    ids.insert("reception_id", reception.reception_id.to_string());

    let note: NoteDetail = created(
        doctor
            .post(
                &format!("/patients/{pid}/notes"),
                &json!({"visit_date": "2024-06-10"}),
            )
            .await,
        "note",
    )
    .await;
    ids.insert("note_id", note.note_id.to_string());
    ids.insert("version", "1".into());
    let diagnosis: Diagnosis = created(
        doctor
            .post(
                &format!("/patients/{pid}/diagnoses"),
                &json!({"free_name": "架空病", "start_date": "2024-06-10"}),
            )
            .await,
        "diagnosis",
    )
    .await;
    ids.insert("diagnosis_id", diagnosis.diagnosis_id.to_string());
    let order: shared::api::orders::OrderDetail = created(
        doctor
            .post(
                &format!("/patients/{pid}/orders"),
                &json!({"visit_date": today_jst(), "kind": "prescription"}),
            )
            .await,
        "order",
    )
    .await;
    ids.insert("order_id", order.order_id.to_string());
    // Orders of their own for the routes that change an order's state, each in the state its
    // sample needs (so the sample is accepted and every variant is refused for its own fault):
    // a draft to 確定, and two 確定 院外 prescriptions, one to print and one to cancel (with the
    // demo masters, so the drug is in force).
    karte_server::cli::import_master_files(
        &app.owner_pool().await,
        &[
            karte_tests::claims::demo_master("s_ALL20240531.csv"),
            karte_tests::claims::demo_master("y_ALL20240531.csv"),
        ],
    )
    .await
    .expect("the demo masters");
    let mut route_ids: HashMap<(&'static str, &'static str), String> = HashMap::new();
    for (template, finalize) in [
        ("/orders/{order_id}/finalize", false),
        ("/orders/{order_id}/prescription", true),
        ("/orders/{order_id}/cancel", true),
    ] {
        let o: shared::api::orders::OrderDetail = created(
            doctor
                .post(
                    &format!("/patients/{pid}/orders"),
                    &json!({"visit_date": today_jst(), "kind": "prescription"}),
                )
                .await,
            "order for a route",
        )
        .await;
        let res = doctor
            .put(
                &format!("/orders/{}/draft", o.order_id),
                &json!({"base_revision": 0, "base_version": 0, "contents": {
                    "kind": "prescription", "dispensing": "outside",
                    "rps": [{"rp": {"kind": "internal", "days": 7,
                                    "drugs": [{"code": "620002023", "quantity": "3"}]},
                             "usage": {"text": "毎食後", "times_per_day": 3}}]}}),
            )
            .await;
        assert!(res.status.is_success(), "fixture: draft: {}", res.body);
        if finalize {
            let res = doctor
                .post(
                    &format!("/orders/{}/finalize", o.order_id),
                    &json!({"revision": 1, "overrides": [
                        {"key": "duplicate:1141007", "reason": "架空の重複"}]}),
                )
                .await;
            assert!(res.status.is_success(), "fixture: finalize: {}", res.body);
        }
        route_ids.insert((template, "order_id"), o.order_id.to_string());
    }
    // A visit of its own whose 保険組合せ the sample changes from version 1.
    let covered: ReceptionEntry = created(
        clerk
            .post(
                "/receptions",
                &json!({"patient_id": pid, "department": "外科", "again": true}),
            )
            .await,
        "reception for its 保険組合せ",
    )
    .await;
    route_ids.insert(
        ("/receptions/{reception_id}/coverage", "reception_id"),
        covered.reception_id.to_string(),
    );
    // A 麻薬施用者免許証番号 is a doctor's.
    route_ids.insert(
        ("/users/{user_id}/narcotic-license", "user_id"),
        doctor_issued.user.user_id.to_string(),
    );
    let allergy: shared::api::orders::Allergy = created(
        doctor
            .post(
                &format!("/patients/{pid}/allergies"),
                &json!({"kind": "drug", "substance": "架空薬", "ingredient": "1149019",
                        "severity": "mild", "source": "patient"}),
            )
            .await,
        "allergy",
    )
    .await;
    ids.insert("allergy_id", allergy.allergy_id.to_string());
    // 画像・文書: an attachment for the change, another for the retraction (each from version
    // 1), and an uploaded file the attach sample names.
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
    let mut attachments = Vec::new();
    for title in ["架空写真", "架空写真二", ""] {
        let file: shared::api::attachments::StoredFile = created(
            doctor
                .post_bytes(&format!("/patients/{pid}/files"), png.clone(), "image/png")
                .await,
            "file",
        )
        .await;
        if title.is_empty() {
            ids.insert("sample_file_id", file.file_id.to_string());
            ids.insert("file_id", file.file_id.to_string());
            continue;
        }
        let attachment: shared::api::attachments::Attachment = created(
            doctor
                .post(
                    &format!("/patients/{pid}/attachments"),
                    &json!({"base_version": 0, "file_id": file.file_id, "kind": "photo",
                            "title": title, "taken_on": "2024-06-10"}),
                )
                .await,
            "attachment",
        )
        .await;
        attachments.push(attachment.attachment_id.to_string());
    }
    ids.insert("attachment_id", attachments[0].clone());
    // 文書: a referral letter (its draft open, never finalised: its PDF routes answer 404).
    let document: shared::api::documents::DocumentDetail = created(
        doctor
            .post(
                &format!("/patients/{pid}/documents"),
                &json!({"kind": "referral"}),
            )
            .await,
        "document",
    )
    .await;
    ids.insert("document_id", document.document_id.to_string());
    route_ids.insert(
        ("/attachments/{attachment_id}/retract", "attachment_id"),
        attachments[1].clone(),
    );
    let vital: VitalRecord = created(
        doctor
            .post(
                &format!("/patients/{pid}/vitals"),
                &json!({"measured_at": "2024-06-10T09:00", "temperature": "36.5"}),
            )
            .await,
        "vitals",
    )
    .await;
    ids.insert("vital_id", vital.vital_id.to_string());
    let set: shared::api::billing::ItemSet = created(
        clerk
            .post(
                "/billing/sets",
                &json!({"name": "架空セット", "contents": {"items": [{"code": "160008010"}]}}),
            )
            .await,
        "item set",
    )
    .await;
    ids.insert("item_set_id", set.item_set_id.to_string());
    let device: shared::api::devices::DeviceSummary = created(
        admin
            .post(
                "/devices",
                &json!({"name": "架空端末", "certificate": karte_tests::TestCa::new("hostile").device("d1").cert_pem}),
            )
            .await,
        "device",
    )
    .await;
    ids.insert("device_id", device.device_id.to_string());
    let totp: shared::api::auth::TotpEnrolment = created(
        auth.post(
            "/auth/factors/totp",
            &json!({"label": "架空アプリ", "current_password": PASSWORD}),
        )
        .await,
        "TOTP enrolment",
    )
    .await;
    ids.insert("factor_id", totp.factor_id.to_string());
    // Month-end claims: this 診療年月 (no bill in it: filing is refused), and a filing that does
    // not exist (its routes answer 404).
    ids.insert("month", today_jst()[..7].to_string());
    ids.insert("filing_id", uuid::Uuid::new_v4().to_string());
    ids.insert("payer", "1".into());
    // 印刷物: the visit has no bill and the order no 処方箋 (their PDFs answer 404); a print
    // that does not exist.
    ids.insert("document", "receipt.pdf".into());
    ids.insert("issue_no", "1".into());
    ids.insert("print_id", uuid::Uuid::new_v4().to_string());

    Fixture {
        admin,
        doctor,
        clerk,
        auth,
        anonymous: app.client(),
        tenant_id: provisioned.tenant_id,
        ids,
        route_ids,
    }
}

/// The sender and a valid sample body of every write route that reads one; `None` for write
/// routes that take no body. A route missing here fails the suite.
fn sample(
    method: &Method,
    path: &str,
    ids: &HashMap<&'static str, String>,
) -> Option<(Who, Option<Value>)> {
    let pid = &ids["patient_id"];
    let visit = || {
        let mut v: Value =
            serde_json::from_str(include_str!("../fixtures/visit-c3.json")).expect("visit fixture");
        v["service_date"] = json!("2024-06-10");
        v
    };
    let patient = json!({"name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                         "birth_date": "1980-04-01", "address": "架空県架空市1-1", "phone": "000-0000-0000",
                         "notes": "メモ"});
    let insurance = json!({"insurer_number": "33120015", "symbol": "架空", "number": "2", "branch": "01",
                           "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01",
                           "valid_until": "2030-03-31"});
    let with = |mut base: Value, extra: Value| {
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        base
    };
    let m = method.as_str();
    let body = |who: Who, v: Value| Some((who, Some(v)));
    match (m, path) {
        ("POST", "/auth/login") => body(
            Who::Anonymous,
            json!({"institution_code": CODE_A, "login_id": "nobody", "password": "not-the-password-2026"}),
        ),
        ("POST", "/auth/second-factor") => body(Who::Auth, json!({"code": "123456"})),
        ("POST", "/auth/logout") | ("POST", "/auth/logout-everywhere") => Some((Who::Auth, None)),
        ("POST", "/auth/password") => body(
            Who::Auth,
            json!({"current_password": "wrong-password-2026", "new_password": "another-pass-2026-x"}),
        ),
        ("POST", "/auth/factors/totp") => body(
            Who::Auth,
            json!({"label": "架空アプリ", "current_password": "wrong-password-2026"}),
        ),
        ("POST", p) if p.starts_with("/auth/factors/totp/") => {
            body(Who::Auth, json!({"code": "000000"}))
        }
        ("POST", p) if p.starts_with("/auth/factors/") && p.ends_with("/revoke") => body(
            Who::Auth,
            json!({"current_password": "wrong-password-2026"}),
        ),
        ("POST", "/auth/recovery-codes") => body(
            Who::Auth,
            json!({"current_password": "wrong-password-2026"}),
        ),
        ("POST", "/auth/factors/webauthn/start") => body(
            Who::Auth,
            json!({"label": "架空キー", "current_password": "wrong-password-2026"}),
        ),
        ("POST", "/auth/factors/webauthn/finish") => body(
            Who::Auth,
            json!({"challenge_id": uuid::Uuid::nil(), "client_data_json": "e30", "attestation_object": "oA"}),
        ),
        ("POST", "/auth/second-factor/webauthn/start") => Some((Who::Auth, None)),
        ("POST", "/auth/second-factor/webauthn") => body(
            Who::Auth,
            json!({"challenge_id": uuid::Uuid::nil(), "credential_id": "AA", "client_data_json": "e30",
                   "authenticator_data": "AA", "signature": "AA"}),
        ),
        ("POST", "/billing/settings") => body(
            Who::Admin,
            json!({"base_version": 1, "valid_from": "2024-07-01", "institution_type": "clinic",
                   "general_beds": 0, "in_house_dispensing": true,
                   "standards": {"pharmacist_full_time": true, "medical_dx": 0}, "reason": "変更"}),
        ),
        ("POST", "/billing/sets") | ("PUT", _) if path.starts_with("/billing/sets") => body(
            Who::Clerk,
            json!({"base_version": if m == "PUT" { 1 } else { 0 }, "name": "架空セット2",
                   "contents": {"items": [{"code": "160008010", "count": 1}]}}),
        ),
        ("POST", p) if p.ends_with("/bill") => body(
            Who::Clerk,
            json!({"base_version": 0, "visit": visit(), "expected_total_points": 264,
                   "expected_patient_share": 790, "paid": 790, "reason": ""}),
        ),
        ("PUT", "/institution/profile") => body(
            Who::Admin,
            json!({"base_version": 0, "postal_code": "113-0021", "address": "架空県架空市1-1",
                   "phone": "03-0000-0000", "reason": "移転"}),
        ),
        ("POST", "/masters/rows") => body(
            Who::Clerk,
            json!({"on": "2024-06-10", "procedures": ["111000110"], "drugs": ["620007870"], "materials": []}),
        ),
        // No 受付 named: the sample reception is cancelled by the status route's sample, and an
        // order is not tied to a cancelled one (it joins the day's first live 受付 at 会計).
        ("POST", p) if p.ends_with("/orders") => body(
            Who::Doctor,
            json!({"visit_date": today_jst(), "kind": "lab"}),
        ),
        ("PUT", p) if p.starts_with("/orders/") && p.ends_with("/draft") => body(
            Who::Doctor,
            json!({"base_revision": 0, "base_version": 0,
                   "contents": {"kind": "prescription", "dispensing": "outside", "remarks": "一包化",
                                "rps": [{"rp": {"kind": "internal", "days": 7,
                                                "drugs": [{"code": "620098801", "quantity": "3"}]},
                                         "usage": {"text": "毎食後", "times_per_day": 3}}]}}),
        ),
        ("POST", p) if p.starts_with("/orders/") && p.ends_with("/finalize") => body(
            Who::Doctor,
            json!({"revision": 1, "reason": "", "overrides": [
                {"key": "duplicate:1141007", "reason": "確認済"}]}),
        ),
        ("POST", p) if p.ends_with("/prescription") => body(Who::Doctor, json!({"version": 1})),
        ("POST", p) if p.ends_with("/cancel") => {
            body(Who::Doctor, json!({"base_version": 1, "reason": "誤入力"}))
        }
        ("POST", p) if p.ends_with("/allergies") => body(
            Who::Doctor,
            json!({"kind": "drug", "substance": "架空薬二", "drug_code": "620098801", "ingredient": "1149019",
                   "severity": "severe", "source": "referral", "reaction": "発疹"}),
        ),
        ("POST", p) if p.ends_with("/files") => Some((Who::Doctor, None)),
        ("POST", p) if p.ends_with("/attachments") => body(
            Who::Doctor,
            json!({"base_version": 0, "file_id": ids["sample_file_id"], "kind": "report",
                   "title": "架空報告書", "taken_on": "2024-06-10", "visit_date": "2024-06-10",
                   "source": "架空検査センター"}),
        ),
        ("PUT", p) if p.starts_with("/attachments/") => body(
            Who::Doctor,
            json!({"base_version": 1, "kind": "photo", "title": "架空写真（訂正）",
                   "taken_on": "2024-06-11", "reason": "撮影日の訂正"}),
        ),
        ("POST", p) if p.ends_with("/retract") => body(
            Who::Doctor,
            json!({"base_version": 1, "reason": "別の患者の写真"}),
        ),
        ("PUT", p) if p.starts_with("/allergies/") => body(
            Who::Doctor,
            json!({"base_version": 1, "kind": "drug", "substance": "架空薬", "severity": "moderate",
                   "source": "patient", "active": true, "reason": "重症度の訂正"}),
        ),
        ("POST", p) if p.ends_with("/notes") => body(
            Who::Doctor,
            json!({"visit_date": today_jst(), "reception_id": ids["reception_id"]}),
        ),
        ("POST", p) if p.ends_with("/documents") => body(Who::Doctor, json!({"kind": "referral"})),
        ("PUT", p) if p.starts_with("/documents/") && p.ends_with("/draft") => body(
            Who::Doctor,
            json!({"revision": 1, "letter": {"to_institution": "架空総合病院", "purpose": "精査のお願い",
                   "diagnoses": "架空病"}}),
        ),
        ("PUT", p) if p.ends_with("/draft") => body(
            Who::Doctor,
            json!({"base_revision": 0, "base_version": 0,
                   "soap": {"subjective": "頭痛", "objective": "36.8", "assessment": "架空", "plan": "経過観察"}}),
        ),
        ("DELETE", p) if p.ends_with("/draft") => Some((Who::Doctor, None)),
        ("POST", p) if p.ends_with("/finalize") => {
            body(Who::Doctor, json!({"revision": 1, "reason": ""}))
        }
        ("POST", p) if p.ends_with("/approve") => Some((Who::Doctor, None)),
        ("POST", p) if p.ends_with("/diagnoses") => body(
            Who::Doctor,
            json!({"free_name": "架空病二", "start_date": "2024-06-10", "is_main": false, "suspected": true}),
        ),
        ("PUT", p) if p.starts_with("/diagnoses/") => body(
            Who::Doctor,
            json!({"free_name": "架空病", "start_date": "2024-06-10", "outcome": "cured",
                   "end_date": "2024-06-20", "base_version": 1, "reason": "治癒"}),
        ),
        ("POST", p) if p.ends_with("/vitals") => body(
            Who::Doctor,
            json!({"measured_at": "2024-06-10T10:00", "temperature": "36.6", "pulse": "70",
                   "systolic": "120", "diastolic": "80", "spo2": "98", "height": "160", "weight": "55"}),
        ),
        ("POST", p) if p.ends_with("/correct") => body(
            Who::Doctor,
            json!({"measured_at": "2024-06-10T09:00", "temperature": "36.7", "reason": "転記誤り"}),
        ),
        ("POST", p) if p.ends_with("/labs") => body(
            Who::Doctor,
            json!({"results": [{"collected_on": "2024-06-10", "item_code": "3D010", "item_name": "血糖",
                                "value": "98", "unit": "mg/dL", "reference_low": "70", "reference_high": "109"}]}),
        ),
        ("POST", p) if p.ends_with("/labs/import") => Some((Who::Doctor, None)),
        ("POST", p) if p.ends_with("/chart/prints") || p.ends_with("/chart/prints/pdf") => body(
            Who::Doctor,
            json!({"from": "2024-06-01", "to": "2024-06-30"}),
        ),
        ("POST", "/devices") => body(
            Who::Admin,
            json!({"name": "架空端末二", "certificate": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"}),
        ),
        ("POST", p) if p.starts_with("/devices/") => Some((Who::Admin, None)),
        ("POST", p) if p.ends_with("/insurances") => body(Who::Clerk, insurance.clone()),
        ("PUT", p) if p.contains("/insurances/") => body(
            Who::Clerk,
            with(
                insurance.clone(),
                json!({"base_version": 1, "reason": "記号訂正"}),
            ),
        ),
        ("POST", p) if p.ends_with("/public-payments") => body(
            Who::Clerk,
            json!({"payer_number": "54016027", "recipient_number": "", "valid_from": "2021-01-01",
                   "valid_until": "2030-03-31", "patient_tenths": "1", "monthly_cap": "5000"}),
        ),
        ("PUT", p) if p.contains("/public-payments/") => body(
            Who::Clerk,
            json!({"payer_number": "54016027", "recipient_number": "", "valid_from": "2020-01-01",
                   "patient_tenths": "1", "monthly_cap": "5000", "base_version": 1, "reason": "上限額"}),
        ),
        ("POST", "/patients") => body(
            Who::Clerk,
            with(patient.clone(), json!({"confirm_duplicate": true})),
        ),
        ("POST", "/patients/check-duplicates") => body(Who::Clerk, patient.clone()),
        ("PUT", p) if p == format!("/patients/{pid}") => body(
            Who::Clerk,
            with(
                patient.clone(),
                json!({"base_version": 1, "reason": "住所変更"}),
            ),
        ),
        ("POST", p) if p.starts_with("/claims/") && p.ends_with("/file") => body(
            Who::Clerk,
            json!({"expected": {"claims": 0, "points": 0}, "digest": "", "reason": "提出前の再作成"}),
        ),
        ("POST", p) if p.contains("/claim-notes/") => body(
            Who::Clerk,
            json!({"body": {"kind": "symptom_detail", "class": "01",
                            "text": "咳が続く\n発熱あり"}}),
        ),
        ("POST", p) if p.starts_with("/claims/filings/") && p.ends_with("/returns") => body(
            Who::Clerk,
            json!({"payer": "kokuho", "claim_number": 1, "search_number": "12345678901234567",
                   "reason": "記号番号誤り"}),
        ),
        ("POST", "/receptions") => body(
            Who::Clerk,
            json!({"patient_id": pid, "department": "内科", "purpose": "再診", "memo": "メモ", "again": true}),
        ),
        ("PUT", p) if p.ends_with("/coverage") => body(
            Who::Clerk,
            json!({"base_version": 1, "coverage": {"insurance_id": ids["insurance_id"],
                                                   "public_payment_ids": [ids["public_payment_id"]]}}),
        ),
        ("POST", p) if p.ends_with("/status") => body(
            Who::Clerk,
            json!({"to": "cancelled", "base_version": 1, "reason": "取消"}),
        ),
        ("PUT", "/security-policy") => body(
            Who::Admin,
            json!({"policy": {"password_min_length": 13, "password_min_length_two_factor": 8,
                              "password_min_classes": 2, "lockout_threshold": 5, "lockout_seconds": 300,
                              "lockout_max_seconds": 3600, "idle_timeout_seconds": 1800,
                              "session_lifetime_seconds": 43200, "two_factor_roles": ["admin"],
                              "device_roles": []},
                   "base_version": null, "reason": "方針"}),
        ),
        ("POST", "/users") => body(
            Who::Admin,
            json!({"login_id": "nurse9", "display_name": "架空 看護", "role": "nurse"}),
        ),
        ("PUT", p) if p.ends_with("/narcotic-license") => body(
            Who::Admin,
            json!({"base_version": 0, "license": "12345", "reason": "免許の登録"}),
        ),
        ("POST", p) if p.starts_with("/users/") => Some((Who::Admin, None)),
        _ => None,
    }
}

/// Today in Japan, `YYYY-MM-DD` (the date of a reception made today).
fn today_jst() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
    shared::domain::japanese::format_date(now.date())
}

/// Which client reads a GET route (someone allowed to).
fn reader(path: &str) -> Who {
    if path.starts_with("/logs")
        || path.starts_with("/users")
        || path.starts_with("/security")
        || path.starts_with("/devices")
    {
        Who::Admin
    } else if path.starts_with("/notes")
        || path.starts_with("/files")
        || path.starts_with("/attachments")
        || path.contains("/attachments")
        || path.starts_with("/documents")
        || path.contains("/documents")
        || path.starts_with("/diagnoses")
        || path.contains("/chart")
        || path.contains("/vitals")
        || path.contains("/labs")
        || path.contains("/diagnoses")
        || path.starts_with("/doctors")
    {
        Who::Doctor
    } else if path.starts_with("/auth") {
        Who::Auth
    } else {
        Who::Clerk
    }
}

/// The template with each `{param}` replaced by `value(param)`.
fn fill(template: &str, mut value: impl FnMut(&str) -> String) -> String {
    template
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => value(param),
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

enum Body {
    Json(Value),
    Raw(Vec<u8>, &'static str),
}

/// A hostile request: what it is, how it is sent.
struct Hostile {
    what: String,
    body: Body,
    /// The code (and field) the answer must name, where one rule decides it.
    expect: Option<(&'static str, Option<String>)>,
}

impl Hostile {
    fn new(what: impl Into<String>, body: Body) -> Self {
        Self {
            what: what.into(),
            body,
            expect: None,
        }
    }

    fn expecting(mut self, code: &'static str, field: Option<&str>) -> Self {
        self.expect = Some((code, field.map(str::to_string)));
        self
    }
}

/// How a route's unchanged sample must be answered: it proves the variants were refused for
/// their own fault, not for one the sample already had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Accepted,
    Refused,
    Either,
}

fn expected(method: &Method, template: &str) -> Expect {
    match (method.as_str(), template) {
        ("POST", "/auth/login")
        | ("POST", "/auth/password")
        | ("POST", "/auth/second-factor")
        | ("POST", "/auth/factors/totp/{factor_id}/confirm")
        | ("POST", "/auth/factors/{factor_id}/revoke")
        | ("POST", "/auth/recovery-codes")
        | ("POST", "/auth/factors/webauthn/finish")
        | ("POST", "/auth/second-factor/webauthn")
        | ("POST", "/receptions/{reception_id}/bill")
        | ("POST", "/claims/{month}/file")
        | ("POST", "/claims/filings/{filing_id}/returns")
        | ("POST", "/devices") => Expect::Refused,
        ("POST", "/auth/factors/webauthn/start")
        | ("POST", "/notes/{note_id}/finalize")
        | ("POST", "/documents/{document_id}/finalize")
        | ("PUT", "/institution/profile") => Expect::Either,
        _ => Expect::Accepted,
    }
}

/// Fields that hold several lines (tab and newline allowed).
const MULTI_LINE: &[&str] = &[
    "subjective",
    "objective",
    "assessment",
    "plan",
    "notes",
    "memo",
    "certificate",
    "remarks",
    // 診療情報提供書.
    "purpose",
    "diagnoses",
    "history",
    "course",
    "treatment",
    "medications",
    "allergies",
];

/// A path as the server names fields: `items[0].code`.
fn field_path(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// Every leaf of `value` with its path (as `JSON pointer` segments).
fn leaves(value: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                leaves(v, path, out);
                path.pop();
            }
            // An object is a leaf too (for wrong types).
            if !path.is_empty() {
                out.push((path.clone(), value.clone()));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                leaves(v, path, out);
                path.pop();
            }
            out.push((path.clone(), value.clone()));
        }
        _ => out.push((path.clone(), value.clone())),
    }
}

fn replaced(sample: &Value, path: &[String], with: Value) -> Value {
    let mut v = sample.clone();
    let pointer = format!("/{}", path.join("/"));
    if let Some(slot) = v.pointer_mut(&pointer) {
        *slot = with;
    }
    v
}

fn looks_like_date(s: &str) -> bool {
    s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-'
}

/// The requests that must each be refused (4xx) without storing anything.
fn refused_variants(sample: &Value) -> Vec<Hostile> {
    let json = "application/json";
    let deep = {
        let mut s = sample.to_string();
        s.pop();
        let sep = if s.len() > 1 { "," } else { "" };
        format!(
            "{s}{sep}\"zz\":{}{}}}",
            "[".repeat(20_000),
            "]".repeat(20_000)
        )
    };
    let mut out = vec![
        Hostile::new("malformed JSON", Body::Raw(b"{\"a\": ".to_vec(), json))
            .expecting("invalid_json", None),
        Hostile::new(
            "trailing garbage",
            Body::Raw(format!("{sample} x").into_bytes(), json),
        )
        .expecting("invalid_json", None),
        Hostile::new(
            "not JSON (text/plain)",
            Body::Raw(sample.to_string().into_bytes(), "text/plain"),
        )
        .expecting("unsupported_media_type", None),
        Hostile::new("an array at the top", Body::Json(json!([sample])))
            .expecting("invalid_body", Some("")),
        Hostile::new("empty array", Body::Json(json!([]))).expecting("invalid_body", Some("")),
        Hostile::new("a string at the top", Body::Json(json!("x")))
            .expecting("invalid_body", Some("")),
        Hostile::new("null", Body::Json(Value::Null)).expecting("invalid_body", Some("")),
        Hostile::new(
            "invalid UTF-8 in a string",
            Body::Raw(b"{\"name\": \"\xff\xfe\"}".to_vec(), json),
        )
        .expecting("invalid_json", None),
        Hostile::new(
            "20,000 levels of nesting in an unknown field",
            Body::Raw(deep.into_bytes(), json),
        )
        .expecting("invalid_body", Some("")),
        Hostile::new(
            "20 levels of nesting",
            Body::Json(with_field(sample, "zz", {
                let mut v = json!(1);
                for _ in 0..20 {
                    v = json!([v]);
                }
                v
            })),
        )
        .expecting("invalid_body", Some("")),
        Hostile::new(
            "an unknown field",
            Body::Json(with_field(sample, "confirm_duplicat", json!(true))),
        )
        .expecting("invalid_body", Some("confirm_duplicat")),
        Hostile::new(
            "a field twice",
            Body::Raw(
                {
                    let mut s = sample.to_string();
                    let first = sample
                        .as_object()
                        .and_then(|m| m.iter().next())
                        .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())));
                    if let Some(first) = first {
                        s.pop();
                        s.push(',');
                        s.push_str(&first);
                        s.push('}');
                    }
                    s.into_bytes()
                },
                json,
            ),
        )
        .expecting("invalid_body", None),
        Hostile::new(
            "a body over the limit",
            Body::Json(with_field(
                sample,
                "padding",
                json!("x".repeat(BODY_LIMIT + 1)),
            )),
        )
        .expecting("payload_too_large", None),
    ];
    let mut all = Vec::new();
    leaves(sample, &mut Vec::new(), &mut all);
    for (path, leaf) in all {
        let at = field_path(&path);
        let key = path.last().map(String::as_str).unwrap_or("");
        let mut push = |what: &str, with: Value, expect: Option<&'static str>| {
            let h = Hostile::new(
                format!("{what} in {at}"),
                Body::Json(replaced(sample, &path, with)),
            );
            out.push(match expect {
                Some(code) => h.expecting(code, Some(&at)),
                None => h,
            })
        };
        match &leaf {
            Value::String(s) => {
                for (what, text) in [
                    ("NUL", format!("{s}\u{0}x")),
                    ("ESC", format!("\u{1b}[31m{s}")),
                    ("DEL", format!("{s}\u{7f}")),
                    ("a C1 control", format!("{s}\u{85}")),
                    ("a right-to-left override", format!("{s}\u{202e}x")),
                ] {
                    push(what, json!(text), Some("validation"));
                }
                if !MULTI_LINE.contains(&key) && !s.contains('\n') {
                    push("a tab", json!(format!("{s}x\ty")), None);
                    push("a newline", json!(format!("{s}x\ny")), None);
                }
                push("a huge string", json!("x".repeat(100_000)), None);
                // A quantity is a decimal that reads from a JSON number too (`Quantity`).
                if key != "quantity" {
                    push("a number for a string", json!(12), None);
                }
                push("an object for a string", json!({}), None);
                if looks_like_date(s) {
                    push(
                        "an impossible date",
                        json!(format!("2023-02-29{}", &s[10..])),
                        None,
                    );
                    push("month 13", json!(format!("2024-13-01{}", &s[10..])), None);
                    push("year 0", json!(format!("0000-01-01{}", &s[10..])), None);
                }
            }
            Value::Number(_) => {
                push("a negative number", json!(-1), None);
                push("the smallest i64", json!(i64::MIN), None);
                push("a fraction", json!(0.5), None);
                push("1e300", json!(1e300), None);
                push("a string for a number", json!("1"), None);
            }
            Value::Bool(_) => push("a string for a bool", json!("true"), None),
            Value::Array(_) => push("a string for a list", json!("x"), None),
            Value::Object(_) => push("a string for an object", json!("x"), None),
            Value::Null => push("an object for null", json!({"x": 1}), None),
        }
    }
    out
}

fn with_field(sample: &Value, key: &str, value: Value) -> Value {
    let mut v = sample.clone();
    if let Some(map) = v.as_object_mut() {
        map.insert(key.into(), value);
    }
    v
}

/// Requests that may be valid (a long list can be legitimate) but must never break the error
/// contract: any error is a JSON 4xx.
fn tolerated_variants(sample: &Value) -> Vec<Hostile> {
    // Every field may be optional (a print of the whole chart).
    let mut out = vec![Hostile::new("empty object", Body::Json(json!({})))];
    let mut all = Vec::new();
    leaves(sample, &mut Vec::new(), &mut all);
    for (path, leaf) in all {
        if let Value::Array(items) = &leaf {
            let one = items.first().cloned().unwrap_or(json!("x"));
            let copies = (200_000 / one.to_string().len().max(1)).clamp(1, 10_000);
            out.push(Hostile::new(
                format!("{copies} copies in {}", field_path(&path)),
                Body::Json(replaced(sample, &path, Value::Array(vec![one; copies]))),
            ));
        }
    }
    out
}

/// What a refused request must look like.
fn assert_json_error(
    res: &TestResponse,
    raw: &str,
    context: &str,
    expect: Option<&(&'static str, Option<String>)>,
) {
    assert!(
        res.status.is_client_error(),
        "{context}: expected a 4xx, got {} {raw:.300}",
        res.status
    );
    let content_type = res.header("content-type");
    assert!(
        content_type.starts_with("application/json"),
        "{context}: the error is not JSON ({content_type}): {raw:.300}"
    );
    let body: ErrorBody = serde_json::from_value(res.body.clone())
        .unwrap_or_else(|e| panic!("{context}: not an ErrorBody ({e}): {raw:.300}"));
    for internal in [
        "sqlx",
        "SQLSTATE",
        "sqlstate",
        "panicked",
        "database",
        "serde",
        "at line",
        "Failed to",
    ] {
        assert!(
            !raw.contains(internal),
            "{context}: internal text {internal:?} in {raw:.300}"
        );
    }
    let code = serde_json::to_value(body.code).expect("code");
    // `bad_request` is what the outermost safety net answers for a plain-text 400: a route
    // that needed it bypassed the extractors.
    assert!(
        code != "bad_request" && code != "internal",
        "{context}: answered {code}: {raw:.300}"
    );
    if let Some((expected, field)) = expect {
        assert_eq!(code, *expected, "{context}: {raw:.300}");
        if let Some(field) = field {
            assert!(
                body.fields.iter().any(|f| &f.field == field),
                "{context}: the answer does not name {field:?}: {raw:.300}"
            );
        }
    }
}

async fn send(
    client: &ApiClient,
    method: &Method,
    path: &str,
    body: Option<&Body>,
) -> (TestResponse, String) {
    let mut request = client
        .request(method.clone(), path)
        .await
        .header("x-csrf-token", client.csrf());
    match body {
        Some(Body::Json(v)) => request = request.json(v),
        Some(Body::Raw(bytes, content_type)) => {
            request = request
                .header("content-type", *content_type)
                .body(bytes.clone())
        }
        None => {}
    }
    let res = tokio::time::timeout(Duration::from_secs(30), client.send(request))
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no answer within 30 s"));
    let raw = res.body.to_string();
    (res, raw)
}

/// A fingerprint of everything the institution has stored, apart from the logs (which record
/// the attempts) and sessions: each table's rows, hashed.
async fn stored(pool: &sqlx::PgPool, tenant: shared::ids::TenantId) -> BTreeMap<String, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select c.table_name::text from information_schema.columns c \
         join information_schema.tables t using (table_schema, table_name) \
         where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE' \
         and c.table_name not in ('access_log', 'audit_log', 'log_chain', 'session', 'login_challenge') \
         order by 1",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut tx = karte_tests::tenant_tx(pool, tenant).await;
    let mut out = BTreeMap::new();
    for table in tables {
        let hash: String = sqlx::query_scalar(&format!(
            "select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {table} t"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("hashing {table}: {e}"));
        out.insert(table, hash);
    }
    out
}

/// The methods a path answers: every method the router does not refuse with 405.
async fn methods_of(client: &ApiClient, path: &str) -> Vec<Method> {
    let res = client
        .send(
            client
                .request(Method::from_bytes(b"PROPFIND").unwrap(), path)
                .await,
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "PROPFIND {path}"
    );
    let allow = res.header("allow").to_string();
    assert!(
        !allow.is_empty(),
        "{path}: the 405 names no allowed methods"
    );
    allow
        .split(',')
        .map(|m| Method::from_bytes(m.trim().as_bytes()).expect("method"))
        .filter(|m| *m != Method::HEAD)
        .collect()
}

#[tokio::test]
async fn every_route_answers_hostile_requests_with_a_json_4xx_and_stores_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.body_limit_bytes = BODY_LIMIT;
        s.runtime.login_attempts_per_ip_per_minute = 100_000;
        s.runtime.login_attempts_per_account_per_minute = 100_000;
    })
    .await;
    let f = fixture(&app).await;
    let pool = app.app_pool().await;
    let paths = karte_server::routes::api_paths();
    assert!(
        paths.len() > 50,
        "the route table lists every route ({})",
        paths.len()
    );
    let mut missing = Vec::new();
    let mut requests = 0usize;
    for template in &paths {
        let path = fill(template, |param| {
            match f
                .route_ids
                .get(&(*template, param))
                .or_else(|| f.ids.get(param))
            {
                Some(id) => id.clone(),
                None => {
                    missing.push(format!("an id for {{{param}}} ({template})"));
                    "x".into()
                }
            }
        });
        let methods = methods_of(&f.admin, &path).await;
        for method in methods {
            let who = if method == Method::GET {
                reader(template)
            } else {
                match sample(&method, &path, &f.ids) {
                    Some((who, _)) => who,
                    None => {
                        missing.push(format!("a sample body for {method} {template}"));
                        continue;
                    }
                }
            };
            let client = f.client(who);
            let before = stored(&pool, f.tenant_id).await;

            // Path segments and query strings: not UTF-8, or with control characters.
            let mut bad_paths = Vec::new();
            if template.contains('{') {
                for bad in ["%FF", "%C0%AF", "%00", "a%0Ab", "%E3%81"] {
                    bad_paths.push((
                        format!("{bad} as each parameter"),
                        fill(template, |_| bad.to_string()),
                    ));
                }
            }
            for bad in ["q=%00", "q=%FF", "on=2024-06-10%0A", "%00=1", "q=a%1Bb"] {
                bad_paths.push((format!("query {bad}"), format!("{path}?{bad}")));
            }
            for (what, bad_path) in &bad_paths {
                let (res, raw) = send(client, &method, bad_path, None).await;
                requests += 1;
                assert_json_error(&res, &raw, &format!("{method} {template}: {what}"), None);
            }

            let unchanged = |after: BTreeMap<String, String>, what: &str| {
                for (table, hash) in &before {
                    assert_eq!(
                        after.get(table),
                        Some(hash),
                        "{method} {template}: {what} changed {table}"
                    );
                }
            };
            unchanged(stored(&pool, f.tenant_id).await, "a bad path or query");

            let body = match sample(&method, &path, &f.ids) {
                Some((_, Some(body))) if method != Method::GET => body,
                _ => continue,
            };
            for hostile in refused_variants(&body) {
                let (res, raw) = send(client, &method, &path, Some(&hostile.body)).await;
                requests += 1;
                assert_json_error(
                    &res,
                    &raw,
                    &format!("{method} {template}: {}", hostile.what),
                    hostile.expect.as_ref(),
                );
            }
            unchanged(stored(&pool, f.tenant_id).await, "a refused body");
            // The sample itself: the variants above were refused for their own fault.
            let (res, raw) = send(client, &method, &path, Some(&Body::Json(body.clone()))).await;
            match expected(&method, template) {
                Expect::Accepted => assert!(
                    res.status.is_success(),
                    "{method} {template}: the sample itself is refused: {} {raw:.300}",
                    res.status
                ),
                Expect::Refused => {
                    assert_json_error(&res, &raw, &format!("{method} {template}: sample"), None)
                }
                Expect::Either => {}
            }
            for hostile in tolerated_variants(&body) {
                let (res, raw) = send(client, &method, &path, Some(&hostile.body)).await;
                requests += 1;
                if !res.status.is_success() {
                    assert_json_error(
                        &res,
                        &raw,
                        &format!("{method} {template}: {}", hostile.what),
                        None,
                    );
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the suite does not cover:\n{}",
        missing.join("\n")
    );
    eprintln!("{requests} hostile requests over {} routes", paths.len());

    // Still healthy, and still answering normally.
    let health = f.anonymous.get("/health").await;
    assert_eq!(health.status, StatusCode::OK);
    let found = f.clerk.get("/patients?q=%E3%82%AB%E3%82%AF%E3%82%A6").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(!found.body.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn nul_in_the_sign_in_form_is_a_field_error_before_signing_in() {
    let app = TestApp::spawn().await;
    app.provision(CODE_A, "架空防御クリニック").await;
    let client = app.client();
    for field in ["institution_code", "login_id", "password"] {
        let mut body = json!({"institution_code": CODE_A, "login_id": "admin", "password": "x"});
        body[field] = json!("13\u{0}19999971");
        let res = client.post("/auth/login", &body).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            res.body
        );
        assert_eq!(res.code(), "validation");
        assert_eq!(res.field_names(), [field]);
        assert_eq!(res.body["fields"][0]["code"], "control_character");
    }
}

#[tokio::test]
async fn framework_rejections_are_json_with_stable_codes() {
    let app = TestApp::spawn().await;
    let (provisioned, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let (_, desk) = app
        .staff_session(&admin, CODE_A, "clerk9", "clerk", PASSWORD)
        .await;
    let (_, doctor) = app
        .staff_session(&admin, CODE_A, "doctor1", "doctor", PASSWORD)
        .await;
    let patient: PatientDetail = desk
        .post(
            "/patients",
            &json!({"name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                                   "birth_date": "1980-04-01", "confirm_duplicate": true}),
        )
        .await
        .json();
    // Invalid UTF-8 in a path id names the parameter.
    for bad in ["%FF", "%C0%AF"] {
        let res = desk.get(&format!("/patients/{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
        assert_eq!(res.code(), "invalid_path");
        assert_eq!(res.field_names(), ["patient_id"]);
    }
    // A lab file over the body limit (64 KiB in tests) is a JSON 413.
    let big = format!("{}\n", shared::domain::chart::LAB_CSV_HEADER.join(","))
        + &"2024-06-10,,血糖,98,mg/dL,70,109\n".repeat(3000);
    let res = doctor
        .send(
            doctor
                .request(
                    Method::POST,
                    &format!("/patients/{}/labs/import", patient.patient_id),
                )
                .await
                .header("x-csrf-token", doctor.csrf())
                .header("content-type", "text/csv")
                .body(big),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.code(), "payload_too_large");
    // A print request must be an object without unknown fields, and not nested deeply.
    let prints = format!("/patients/{}/chart/prints", patient.patient_id);
    let res = doctor.post(&prints, &json!([])).await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    let deep = format!(
        "{{\"from\":\"2024-06-01\",\"x\":{}{}}}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let res = doctor
        .send(
            doctor
                .request(Method::POST, &prints)
                .await
                .header("x-csrf-token", doctor.csrf())
                .header("content-type", "application/json")
                .body(deep),
        )
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::BAD_REQUEST, "invalid_body"),
        "{}",
        res.body
    );
    let res = doctor
        .post(
            &prints,
            &json!({"from": "2024-06-01", "to": "2024-06-30", "form": "a4"}),
        )
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    assert_eq!(res.field_names(), ["form"]);
    let pool = app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&pool, provisioned.tenant_id).await;
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'chart_print'")
            .fetch_one(&mut *tx)
            .await
            .expect("counting prints");
    drop(tx);
    assert_eq!(audited, 0, "nothing was printed");
    let res = doctor
        .post(&prints, &json!({"from": "2024-06-01", "to": "2024-06-30"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mut tx = karte_tests::tenant_tx(&pool, provisioned.tenant_id).await;
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'chart_print'")
            .fetch_one(&mut *tx)
            .await
            .expect("counting prints");
    assert_eq!(
        audited, 1,
        "the valid print is audited (so the count above could fail)"
    );
}

#[tokio::test]
async fn a_negative_base_version_is_refused_before_the_database() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let (_, desk) = app
        .staff_session(&admin, CODE_A, "clerk9", "clerk", PASSWORD)
        .await;
    let patient: PatientDetail = desk
        .post(
            "/patients",
            &json!({"name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                                   "birth_date": "1980-04-01", "confirm_duplicate": true}),
        )
        .await
        .json();
    let pid = patient.patient_id;
    let insurance: InsuranceDetail = desk
        .post(
            &format!("/patients/{pid}/insurances"),
            &json!({"insurer_number": "33120015", "number": "1", "relationship": "insured", "valid_from": "2020-04-01"}),
        )
        .await
        .json();
    let payment: PublicPaymentDetail = desk
        .post(
            &format!("/patients/{pid}/public-payments"),
            &json!({"payer_number": "54016027", "valid_from": "2020-01-01"}),
        )
        .await
        .json();
    for (path, body) in [
        (
            format!("/patients/{pid}/insurances/{}", insurance.insurance_id),
            json!({"base_version": -1, "insurer_number": "33120015", "number": "1", "relationship": "insured",
                   "valid_from": "2020-04-01", "reason": "訂正"}),
        ),
        (
            format!(
                "/patients/{pid}/public-payments/{}",
                payment.public_payment_id
            ),
            json!({"base_version": -1, "payer_number": "54016027", "valid_from": "2020-01-01", "reason": "訂正"}),
        ),
    ] {
        let res = desk.put(&path, &body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert_eq!(res.code(), "invalid_body");
        assert_eq!(res.field_names(), ["base_version"]);
    }
}

#[tokio::test]
async fn a_reason_that_is_too_long_is_refused_not_cut() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let (_, desk) = app
        .staff_session(&admin, CODE_A, "clerk9", "clerk", PASSWORD)
        .await;
    let patient: PatientDetail = desk
        .post(
            "/patients",
            &json!({"name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                                   "birth_date": "1980-04-01", "confirm_duplicate": true}),
        )
        .await
        .json();
    let res = desk
        .put(
            &format!("/patients/{}", patient.patient_id),
            &json!({"base_version": 1, "name": "架空 防御", "kana": "カクウ ボウギョ", "sex": "female",
                    "birth_date": "1980-04-01", "reason": "あ".repeat(201)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.field_names(), ["reason"]);
    assert_eq!(res.body["fields"][0]["code"], "too_long");
    let versions = desk
        .get(&format!("/patients/{}/versions", patient.patient_id))
        .await;
    assert_eq!(
        versions.body.as_array().map(Vec::len),
        Some(1),
        "nothing stored"
    );
}

#[tokio::test]
async fn webauthn_on_a_foreign_host_without_a_public_origin_is_a_4xx() {
    let app = TestApp::spawn().await;
    let (p, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let res = admin
        .send(
            admin
                .request(Method::POST, "/auth/factors/webauthn/start")
                .await
                .header("x-csrf-token", admin.csrf())
                .header("host", "karte.example.jp")
                .json(&json!({"label": "キー", "current_password": p.admin_password})),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.field_names(), ["host"]);
}

async fn save(client: &ApiClient, note: &NoteId, base: i64) -> i64 {
    let body = json!({"base_revision": base, "base_version": 0,
                      "soap": {"subjective": format!("{base}"), "objective": "", "assessment": "", "plan": ""}});
    let res = client.put(&format!("/notes/{note}/draft"), &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body["revision"].as_i64().expect("revision")
}

#[tokio::test]
async fn two_institutions_note_draft_revisions_are_independent() {
    let app = TestApp::spawn().await;
    let mut doctors = Vec::new();
    let mut patients = Vec::new();
    for (code, name) in [(CODE_A, "架空第一医院"), (CODE_B, "架空第二医院")] {
        let (_, admin) = app.admin_session(code, name).await;
        let (_, doctor) = app
            .staff_session(&admin, code, "doctor1", "doctor", PASSWORD)
            .await;
        let (_, desk) = app
            .staff_session(&admin, code, "clerk9", "clerk", PASSWORD)
            .await;
        let patient: PatientDetail = desk
            .post(
                "/patients",
                &json!({"name": "架空 改訂", "kana": "カクウ カイテイ", "sex": "male",
                                       "birth_date": "1970-01-01", "confirm_duplicate": true}),
            )
            .await
            .json();
        let note: NoteDetail = doctor
            .post(
                &format!("/patients/{}/notes", patient.patient_id),
                &json!({"visit_date": "2024-06-10"}),
            )
            .await
            .json();
        doctors.push((doctor, note.note_id));
        patients.push(patient.patient_id);
    }
    // The second institution saves many times; the first's revisions do not move with it.
    let (a, note_a) = &doctors[0];
    let (b, note_b) = &doctors[1];
    let first = save(a, note_a, 0).await;
    let mut rev_b = 0;
    for _ in 0..5 {
        rev_b = save(b, note_b, rev_b).await;
    }
    let second = save(a, note_a, first).await;
    assert_eq!((first, second), (1, 2), "A counts its own saves only");
    assert_eq!(rev_b, 5);

    // A discarded draft's revision is never given out again for the note.
    let res = a
        .send(
            a.request(
                Method::DELETE,
                &format!("/notes/{note_a}/draft?revision={second}"),
            )
            .await
            .header("x-csrf-token", a.csrf()),
        )
        .await;
    assert!(
        res.status.is_success(),
        "discard: {} {}",
        res.body,
        res.status
    );
    assert_eq!(save(a, note_a, 0).await, 3);

    // A note older than the per-note counters counts above the former shared sequence.
    let owner = app.owner_pool().await;
    sqlx::query(
        "update note_draft_revision_floor set floor = 1000, migrated_at = now() + interval '1 day'",
    )
    .execute(&owner)
    .await
    .expect("moving the floor");
    let patient_b = &patients[1];
    let older: NoteDetail = b
        .post(
            &format!("/patients/{patient_b}/notes"),
            &json!({"visit_date": "2024-06-11"}),
        )
        .await
        .json();
    assert_eq!(save(b, &older.note_id, 0).await, 1001);
}

#[tokio::test]
async fn a_value_someone_else_took_is_a_409_naming_the_field() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空防御クリニック").await;
    let (_, desk) = app
        .staff_session(&admin, CODE_A, "clerk9", "clerk", PASSWORD)
        .await;
    let patient = json!({"patient_number": "777", "name": "架空 番号", "kana": "カクウ バンゴウ",
                         "sex": "male", "birth_date": "1970-01-01", "confirm_duplicate": true});
    let first = desk.post("/patients", &patient).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let mut other = patient.clone();
    other["name"] = json!("架空 別人");
    other["kana"] = json!("カクウ ベツジン");
    let res = desk.post("/patients", &other).await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::CONFLICT, "conflict"),
        "{}",
        res.body
    );
    assert_eq!(res.field_names(), ["patient_number"]);
    assert_eq!(res.body["fields"][0]["code"], "taken");

    let res = admin
        .post(
            "/users",
            &json!({"login_id": "clerk9", "display_name": "架空 重複", "role": "clerk"}),
        )
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::CONFLICT, "conflict"),
        "{}",
        res.body
    );
    assert_eq!(res.field_names(), ["login_id"]);
    assert_eq!(res.body["fields"][0]["code"], "taken");
}
