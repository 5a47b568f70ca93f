//! Orders (オーダ) over the API: the lifecycle as versions (draft, 確定, amendment, 取消),
//! stale bases as conflicts, 代行入力 with approval, tenancy, the safety warnings (allergy,
//! 重複投与, 投与日数, マスター有効期間) answered with recorded reasons, Do処方 from the
//! history, and 会計 priced from the visit's orders by the same engine on the same `Visit`.
//! Fictitious people only. Tests that need the official masters skip without `../shared`.

use karte_tests::{ApiClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::api::billing::{BillContext, BillVersion, MasterCatalog, MasterHit};
use shared::api::logs::{AuditLogEntry, LogPage};
use shared::api::orders::{
    Allergy, DayOrders, FrequentItems, OrderDetail, OrderDraft, OrderKind, OrderRef, OrderStatus,
    PendingOrder, PrescriptionPage, WarningKind,
};
use shared::api::reception::ReceptionEntry;
use shared::billing::price_visit;
use std::path::PathBuf;

const CODE_A: &str = "1319999961";
const CODE_B: &str = "2719999962";

/// ロキソニン錠６０ｍｇ (ロキソプロフェン, 成分 1149019).
const LOXONIN: &str = "620098801";
/// ロキソプロフェン錠６０ｍｇ「ＥＭＥＣ」: the same 成分, a generic.
const LOXOPROFEN_GENERIC: &str = "620007150";
/// ノルバスク錠５ｍｇ (アムロジピン).
const NORVASC: &str = "612170710";
/// エチゾラム錠０．５ｍｇ「ＥＭＥＣ」: a 向精神薬.
const ETIZOLAM: &str = "610412026";
/// エバステル錠５ｍｇ: 経過措置 until 2025-03-31, so not in force today.
const EBASTEL: &str = "610409335";
/// 末梢血液一般検査, Ｂ－Ｖ (採血), 皮内、皮下及び筋肉内注射.
const CBC: &str = "160008010";
const BLOOD_DRAW: &str = "160095710";
const INJECTION_IM: &str = "130000510";

fn master(path: &str) -> PathBuf {
    karte_tests::reference::shared_dir()
        .join("reference/masters")
        .join(path)
}

fn today() -> String {
    shared::domain::japanese::format_date(karte_server::clock::today_jst())
}

/// A clinic with the 2024 医科 and 医薬品 masters, its billing settings, a doctor, a second
/// doctor, a clerk, a nurse, and a patient checked in today.
struct Clinic {
    app: TestApp,
    admin: ApiClient,
    doctor: ApiClient,
    doctor_id: String,
    other_doctor: ApiClient,
    clerk: ApiClient,
    nurse: ApiClient,
    patient: String,
    reception: ReceptionEntry,
}

async fn clinic() -> Option<Clinic> {
    karte_tests::reference::reference("masters")?;
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    karte_server::cli::import_master_files(
        &owner,
        &[master("s_ALL20240531.zip"), master("y_ALL20240531.zip")],
    )
    .await
    .unwrap();
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let res = admin
        .post(
            "/billing/settings",
            &json!({"base_version": 0, "valid_from": "2024-06-01", "institution_type": "clinic",
                    "general_beds": 0, "in_house_dispensing": false, "standards": {},
                    "reason": "開設時の届出"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let (doctor_pw, doctor) = app
        .staff_session(&admin, CODE_A, "doctor1", "doctor", "doctor-secret-2026-a")
        .await;
    let (_, other_doctor) = app
        .staff_session(&admin, CODE_A, "doctor2", "doctor", "doctor-secret-2026-b")
        .await;
    let (_, clerk) = app
        .staff_session(&admin, CODE_A, "clerk1", "clerk", "front-desk-pass-2026")
        .await;
    let (_, nurse) = app
        .staff_session(&admin, CODE_A, "nurse1", "nurse", "ward-secret-words-26")
        .await;
    let p: shared::api::patients::PatientDetail = clerk
        .post(
            "/patients",
            &json!({"name": "架空 処方", "kana": "カクウ ショホウ", "sex": "female",
                                   "birth_date": "1975-05-05", "confirm_duplicate": true}),
        )
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
    let reception: ReceptionEntry = clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科"}),
        )
        .await
        .json();
    Some(Clinic {
        app,
        admin,
        doctor,
        doctor_id: doctor_pw.user.user_id.to_string(),
        other_doctor,
        clerk,
        nurse,
        patient: p.patient_id.to_string(),
        reception,
    })
}

/// An Rp of `codes` (3 each a day) for `days` days, 毎食後.
fn rp(days: u32, codes: &[&str]) -> Value {
    json!({
        "rp": {"kind": "internal", "days": days,
               "drugs": codes.iter().map(|c| json!({"code": c, "quantity": "3"})).collect::<Vec<_>>()},
        "usage": {"code": "1013044400000000", "text": "１日３回朝昼夕食後", "times_per_day": 3}
    })
}

fn prescription(rps: Vec<Value>) -> Value {
    json!({"kind": "prescription", "dispensing": "outside", "rps": rps})
}

impl Clinic {
    async fn create(&self, who: &ApiClient, kind: &str) -> OrderDetail {
        let res = who
            .post(
                &format!("/patients/{}/orders", self.patient),
                &json!({"visit_date": today(), "reception_id": self.reception.reception_id, "kind": kind}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()
    }

    /// The doctor prints (issues) version `version` of the order's 処方箋.
    async fn print(&self, order: &OrderDetail, version: i32) -> karte_tests::TestResponse {
        self.doctor
            .post(
                &format!("/orders/{}/prescription", order.order_id),
                &json!({"version": version}),
            )
            .await
    }

    /// Creates, drafts and 確定 an order as `who`, answering `overrides`.
    async fn order(&self, who: &ApiClient, contents: Value, overrides: Value) -> OrderDetail {
        let kind = contents["kind"].as_str().unwrap().to_string();
        let order = self.create(who, &kind).await;
        let draft = save(who, &order, 0, 0, contents, None).await;
        let res = finalize(who, &order, draft.revision, "", overrides).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }
}

async fn save(
    who: &ApiClient,
    order: &OrderDetail,
    base_version: i32,
    base_revision: i64,
    contents: Value,
    on_behalf_of: Option<&str>,
) -> OrderDraft {
    let res = save_raw(
        who,
        order,
        base_version,
        base_revision,
        contents,
        on_behalf_of,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn save_raw(
    who: &ApiClient,
    order: &OrderDetail,
    base_version: i32,
    base_revision: i64,
    contents: Value,
    on_behalf_of: Option<&str>,
) -> karte_tests::TestResponse {
    who.put(
        &format!("/orders/{}/draft", order.order_id),
        &json!({"base_version": base_version, "base_revision": base_revision,
                "contents": contents, "on_behalf_of": on_behalf_of}),
    )
    .await
}

async fn finalize(
    who: &ApiClient,
    order: &OrderDetail,
    revision: i64,
    reason: &str,
    overrides: Value,
) -> karte_tests::TestResponse {
    who.post(
        &format!("/orders/{}/finalize", order.order_id),
        &json!({"revision": revision, "reason": reason, "overrides": overrides}),
    )
    .await
}

#[tokio::test]
async fn an_order_is_drafted_finalised_amended_and_cancelled_as_versions() {
    let Some(c) = clinic().await else { return };
    let order = c.create(&c.doctor, "prescription").await;
    assert_eq!(order.status, OrderStatus::Draft);
    assert!(order.versions.is_empty() && order.draft.is_none());

    let d1 = save(
        &c.doctor,
        &order,
        0,
        0,
        prescription(vec![rp(7, &[LOXONIN])]),
        None,
    )
    .await;
    // A second editor on the same empty base: a conflict, nothing overwritten.
    let res = save_raw(
        &c.doctor,
        &order,
        0,
        0,
        prescription(vec![rp(14, &[LOXONIN])]),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // Contents of another kind, or bad contents, are refused naming the field.
    let res = save_raw(
        &c.doctor,
        &order,
        0,
        d1.revision,
        json!({"kind": "lab", "items": [{"code": CBC}]}),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["contents.kind"]);
    let res = save_raw(
        &c.doctor,
        &order,
        0,
        d1.revision,
        prescription(vec![rp(0, &["12345"])]),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.field_names(),
        [
            "contents.rps[0].rp.drugs[0].code",
            "contents.rps[0].rp.days"
        ]
    );

    let res = finalize(&c.doctor, &order, d1.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v1: OrderDetail = res.json();
    assert_eq!(
        (v1.status, v1.versions.len(), v1.chain_intact),
        (OrderStatus::Final, 1, true)
    );
    assert!(v1.draft.is_none(), "the draft became the version");
    // The same revision again: stale.
    let res = finalize(&c.doctor, &order, d1.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Amendment: a draft on version 1; a reason is required.
    let d2 = save(
        &c.doctor,
        &order,
        1,
        0,
        prescription(vec![rp(14, &[LOXONIN])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &order, d2.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["reason"]);
    let res = finalize(&c.doctor, &order, d2.revision, "日数変更", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v2: OrderDetail = res.json();
    assert_eq!(v2.status, OrderStatus::Amended);
    assert_eq!(v2.versions[0].reason, "日数変更");
    assert_eq!(
        v2.versions[1].contents, v1.versions[0].contents,
        "version 1 kept as it was"
    );
    // A draft based on version 1 is now stale.
    let res = save_raw(
        &c.doctor,
        &order,
        1,
        0,
        prescription(vec![rp(3, &[LOXONIN])]),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Nurses read orders with the chart but do not order.
    let path = format!("/orders/{}", order.order_id);
    assert_eq!(c.nurse.get(&path).await.status, StatusCode::OK);
    let res = save_raw(
        &c.nurse,
        &order,
        2,
        0,
        prescription(vec![rp(3, &[LOXONIN])]),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The day's orders.
    let day: DayOrders = c
        .doctor
        .get(&format!("/patients/{}/orders?date={}", c.patient, today()))
        .await
        .json();
    assert_eq!(day.orders.len(), 1);

    // 取消: a new version with the reason; the order stays readable.
    let cancel = format!("/orders/{}/cancel", order.order_id);
    let res = c
        .doctor
        .post(&cancel, &json!({"base_version": 2, "reason": ""}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .doctor
        .post(&cancel, &json!({"base_version": 1, "reason": "誤入力"}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "stale base");
    let res = c
        .doctor
        .post(&cancel, &json!({"base_version": 2, "reason": "誤入力"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v3: OrderDetail = res.json();
    assert_eq!((v3.status, v3.versions.len()), (OrderStatus::Cancelled, 3));
    assert!(v3.chain_intact);

    // Audited with ids and versions only.
    let page: LogPage<AuditLogEntry> = c
        .admin
        .get("/logs/audit?action=order_amend&limit=5")
        .await
        .json();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].details["kind"], json!("prescription"));
    assert_eq!(page.entries[0].details["patient_id"], json!(c.patient));
    assert!(!page.entries[0].details.to_string().contains(LOXONIN));
    for action in ["order_finalize", "order_cancel"] {
        let page: LogPage<AuditLogEntry> = c
            .admin
            .get(&format!("/logs/audit?action={action}&limit=5"))
            .await
            .json();
        assert_eq!(page.entries.len(), 1, "{action}");
    }

    // Another institution sees nothing.
    let (_, admin_b) = c.app.admin_session(CODE_B, "架空第二病院").await;
    let (_, doctor_b) = c
        .app
        .staff_session(
            &admin_b,
            CODE_B,
            "doctor1",
            "doctor",
            "doctor-secret-2026-a",
        )
        .await;
    assert_eq!(doctor_b.get(&path).await.status, StatusCode::NOT_FOUND);
    let res = save_raw(
        &doctor_b,
        &order,
        3,
        0,
        prescription(vec![rp(3, &[LOXONIN])]),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = doctor_b
        .post(&cancel, &json!({"base_version": 3, "reason": "x"}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        doctor_b
            .get(&format!("/patients/{}/orders?date={}", c.patient, today()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_clerks_order_waits_for_the_doctors_approval() {
    let Some(c) = clinic().await else { return };
    let order = c.create(&c.clerk, "lab").await;
    let lab = json!({"kind": "lab", "items": [{"code": CBC}, {"code": BLOOD_DRAW}]});
    // A clerk must name the doctor.
    let res = save_raw(&c.clerk, &order, 0, 0, lab.clone(), None).await;
    assert_eq!(res.field_names(), ["on_behalf_of"]);
    let draft = save(&c.clerk, &order, 0, 0, lab, Some(&c.doctor_id)).await;
    // Another doctor cannot take over the clerk's entry for the doctor.
    let res = finalize(&c.other_doctor, &order, draft.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = finalize(&c.clerk, &order, draft.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let pending: OrderDetail = res.json();
    assert_eq!(pending.status, OrderStatus::Pending);

    let queue: Vec<PendingOrder> = c.doctor.get("/orders/pending").await.json();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].order_id, order.order_id);
    assert!(c
        .other_doctor
        .get("/orders/pending")
        .await
        .json::<Vec<PendingOrder>>()
        .is_empty());
    let approve = format!("/orders/{}/versions/1/approve", order.order_id);
    let res = c.other_doctor.post_empty(&approve).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "not theirs");
    assert_eq!(
        c.clerk.post_empty(&approve).await.status,
        StatusCode::FORBIDDEN
    );
    // While it waits, the doctor cannot amend over it.
    let d = save(
        &c.doctor,
        &order,
        1,
        0,
        json!({"kind": "lab", "items": [{"code": CBC}]}),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &order, d.revision, "追加", json!([])).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["code"].as_str()),
        (StatusCode::CONFLICT, Some("pending"))
    );
    // Another clerk entry for the doctor: the doctor turns it down (取消 with a reason) rather
    // than approving it; another doctor cannot.
    let second = c.create(&c.clerk, "lab").await;
    let d2 = save(
        &c.clerk,
        &second,
        0,
        0,
        json!({"kind": "lab", "items": [{"code": CBC}]}),
        Some(&c.doctor_id),
    )
    .await;
    let res = finalize(&c.clerk, &second, d2.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let turn_down = format!("/orders/{}/cancel", second.order_id);
    let body = json!({"base_version": 1, "reason": "指示と異なる"});
    assert_eq!(
        c.other_doctor.post(&turn_down, &body).await.status,
        StatusCode::CONFLICT
    );
    let res = c.doctor.post(&turn_down, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json::<OrderDetail>().status, OrderStatus::Cancelled);

    let res = c.doctor.post_empty(&approve).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let approved: OrderDetail = res.json();
    assert_eq!(approved.status, OrderStatus::Final);
    assert!(approved.versions[0].approved_at.is_some());
    assert_eq!(
        c.doctor.post_empty(&approve).await.status,
        StatusCode::CONFLICT
    );
    // Now the doctor's amendment goes through.
    let res = finalize(&c.doctor, &order, d.revision, "追加", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // A clerk cannot amend the doctor's own order either (only a 代行入力 of theirs).
    let d = save(
        &c.clerk,
        &order,
        2,
        0,
        json!({"kind": "lab", "items": [{"code": BLOOD_DRAW}]}),
        Some(&c.doctor_id),
    )
    .await;
    let res = finalize(&c.clerk, &order, d.revision, "追加", json!([])).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["code"].as_str()),
        (StatusCode::CONFLICT, Some("doctor_order"))
    );
    // A clerk cannot cancel the doctor's own order.
    let res = c
        .clerk
        .post(
            &format!("/orders/{}/cancel", order.order_id),
            &json!({"base_version": 2, "reason": "誤入力"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_clerks_cancel_waits_for_the_doctor_like_any_proxy_entry() {
    let Some(c) = clinic().await else { return };
    let order = c.create(&c.clerk, "lab").await;
    let lab = json!({"kind": "lab", "items": [{"code": CBC}]});
    let draft = save(&c.clerk, &order, 0, 0, lab, Some(&c.doctor_id)).await;
    let res = finalize(&c.clerk, &order, draft.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let approve = |v: i32| format!("/orders/{}/versions/{v}/approve", order.order_id);
    let res = c.doctor.post_empty(&approve(1)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The clerk cancels it for the doctor: a pending 取消, the order still stands.
    let res = c
        .clerk
        .post(
            &format!("/orders/{}/cancel", order.order_id),
            &json!({"base_version": 1, "reason": "患者が検査を辞退"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let pending: OrderDetail = res.json();
    assert_eq!(pending.status, OrderStatus::Pending);
    assert!(pending.status.is_billed(), "会計 still prices it");
    assert!(pending.versions[0].cancelled && pending.versions[0].is_pending());
    let queue: Vec<PendingOrder> = c.doctor.get("/orders/pending").await.json();
    assert!(queue.iter().any(|p| p.order_id == order.order_id));
    // The doctor approves the 取消: now it is cancelled.
    let res = c.doctor.post_empty(&approve(2)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json::<OrderDetail>().status, OrderStatus::Cancelled);
}

#[tokio::test]
async fn warnings_must_be_answered_with_a_reason_and_are_kept_with_the_version() {
    let Some(c) = clinic().await else { return };
    // The allergy list: versions, a reason to change, other institutions see nothing.
    let path = format!("/patients/{}/allergies", c.patient);
    let res = c
        .doctor
        .post(
            &path,
            &json!({"kind": "drug", "substance": "ロキソプロフェン", "drug_code": LOXONIN,
                    "ingredient": "1149019", "severity": "severe", "source": "patient",
                    "reaction": "蕁麻疹"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let allergy: Allergy = res.json();
    let res = c
        .doctor
        .post(
            &path,
            &json!({"kind": "food", "substance": "そば", "drug_code": LOXONIN,
                    "severity": "mild", "source": "family"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["kind"]);
    assert_eq!(
        c.clerk
            .post(
                &path,
                &json!({"kind": "other", "substance": "ラテックス", "severity": "mild", "source": "patient"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "clerks read allergies but do not record them"
    );
    let listed: Vec<Allergy> = c.clerk.get(&path).await.json();
    assert_eq!(listed.len(), 1);
    // A 感染症 goes on the same list (for the banner); it names no drug, so no order checks it.
    let res = c
        .doctor
        .post(
            &path,
            &json!({"kind": "infection", "substance": "HBs抗原陽性", "severity": "unknown",
                    "source": "referral"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = c
        .doctor
        .post(
            &path,
            &json!({"kind": "infection", "substance": "MRSA", "drug_code": LOXONIN,
                    "severity": "unknown", "source": "observed"}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a 感染症 names no drug"
    );
    let listed: Vec<Allergy> = c.clerk.get(&path).await.json();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .any(|a| a.kind == shared::api::orders::AllergyKind::Infection));

    // ロキソニン against the allergy: refused until answered.
    let order = c.create(&c.doctor, "prescription").await;
    let d = save(
        &c.doctor,
        &order,
        0,
        0,
        prescription(vec![rp(7, &[LOXONIN])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &order, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(
        res.body["fields"][0]["code"],
        json!(format!("allergy:{LOXONIN}"))
    );
    assert!(
        !res.body.to_string().contains("ロキソプロフェン"),
        "the refusal names no allergy"
    );
    let res = finalize(
        &c.doctor,
        &order,
        d.revision,
        "",
        json!([{"key": format!("allergy:{LOXONIN}"), "reason": " "}]),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "an empty reason answers nothing"
    );
    let res = finalize(
        &c.doctor,
        &order,
        d.revision,
        "",
        json!([{"key": format!("allergy:{LOXONIN}"), "reason": "皮膚科で再投与可と確認"},
               {"key": "allergy:000000000", "reason": "無関係"}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let done: OrderDetail = res.json();
    let overrides = &done.versions[0].overrides;
    assert_eq!(overrides.len(), 1, "only overrides that answer a warning");
    assert_eq!(overrides[0].reason, "皮膚科で再投与可と確認");

    // The generic of the same 成分 in a second order today: 重複投与 (and the allergy again).
    let second = c.create(&c.doctor, "prescription").await;
    let d = save(
        &c.doctor,
        &second,
        0,
        0,
        prescription(vec![rp(7, &[LOXOPROFEN_GENERIC, NORVASC])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &second, d.revision, "", json!([])).await;
    let mut codes: Vec<String> = res.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            format!("allergy:{LOXOPROFEN_GENERIC}"),
            "duplicate:1149019".to_string()
        ]
    );

    // Retiring the allergy (a version with a reason) leaves only the duplicate.
    let change = format!("/allergies/{}", allergy.allergy_id);
    let mut retire = json!({"base_version": 1, "kind": "drug", "substance": "ロキソプロフェン",
                            "ingredient": "1149019", "severity": "severe", "source": "patient",
                            "active": false, "reason": ""});
    let res = c.doctor.put(&change, &retire).await;
    assert_eq!(res.field_names(), ["reason"]);
    // A drug allergy cannot become a 感染症 (it would leave the order checks).
    let mut relabel = retire.clone();
    relabel["kind"] = json!("infection");
    relabel["ingredient"] = json!(null);
    relabel["reason"] = json!("分類の修正");
    let res = c.doctor.put(&change, &relabel).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.field_names(), ["kind"]);
    retire["reason"] = json!("負荷試験で否定");
    let res = c.doctor.put(&change, &retire).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        c.doctor.put(&change, &retire).await.status,
        StatusCode::CONFLICT
    );
    let history: Vec<Allergy> = c.doctor.get(&format!("{change}/history")).await.json();
    assert_eq!(
        history
            .iter()
            .map(|a| (a.version, a.active))
            .collect::<Vec<_>>(),
        [(2, false), (1, true)]
    );
    let res = finalize(&c.doctor, &second, d.revision, "", json!([])).await;
    assert_eq!(res.body["fields"][0]["code"], json!("duplicate:1149019"));
    let res = finalize(
        &c.doctor,
        &second,
        d.revision,
        "",
        json!([{"key": "duplicate:1149019", "reason": "前処方を中止し切替"}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // A 向精神薬 for 30 days: beyond the shortest 投与期間 limit.
    let third = c.create(&c.doctor, "prescription").await;
    let d = save(
        &c.doctor,
        &third,
        0,
        0,
        prescription(vec![rp(30, &[ETIZOLAM])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &third, d.revision, "", json!([])).await;
    assert_eq!(
        res.body["fields"][0]["code"],
        json!(format!("days_limit:{ETIZOLAM}"))
    );

    // A 検査 not in the 診療行為 master is refused outright (it could not be billed).
    let lab = c.create(&c.doctor, "lab").await;
    let d = save(
        &c.doctor,
        &lab,
        0,
        0,
        json!({"kind": "lab", "items": [{"code": "169999999"}]}),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &lab, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let _ = WarningKind::Allergy;
}

#[tokio::test]
async fn do_prescription_lists_earlier_ones_and_flags_a_drug_out_of_force() {
    let Some(c) = clinic().await else { return };
    // Earlier prescriptions (today, for the test): one with a drug since gone out of force.
    let first = c
        .order(&c.doctor, prescription(vec![rp(14, &[NORVASC])]), json!([]))
        .await;
    // エバステル was in force in 2024 (経過措置 until 2025-03-31): ordered then, no warning.
    let res = c
        .doctor
        .post(
            &format!("/patients/{}/orders", c.patient),
            &json!({"visit_date": "2024-06-10", "kind": "prescription"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let old: OrderDetail = res.json();
    let d = save(
        &c.doctor,
        &old,
        0,
        0,
        prescription(vec![rp(14, &[EBASTEL])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &old, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let with_old: OrderDetail = res.json();
    // Today it is not in force: refused outright, whatever the reason (it could be neither
    // dispensed nor billed).
    let today_order = c.create(&c.doctor, "prescription").await;
    let d = save(
        &c.doctor,
        &today_order,
        0,
        0,
        prescription(vec![rp(14, &[EBASTEL])]),
        None,
    )
    .await;
    let res = finalize(
        &c.doctor,
        &today_order,
        d.revision,
        "",
        json!([{"key": format!("out_of_force:{EBASTEL}"), "reason": "在庫あり"}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(
        res.body["fields"][0]["code"],
        json!(format!("out_of_force:{EBASTEL}"))
    );
    let cancelled = c
        .order(&c.doctor, prescription(vec![rp(3, &[LOXONIN])]), json!([]))
        .await;
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/cancel", cancelled.order_id),
            &json!({"base_version": 1, "reason": "誤入力"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);

    // The Do list: newest first, cancelled ones left out, paged.
    let list = format!("/patients/{}/prescriptions?limit=1", c.patient);
    let page: PrescriptionPage = c.doctor.get(&list).await.json();
    assert_eq!(page.entries.len(), 1);
    let next = page.next.clone().expect("a second page");
    let rest: PrescriptionPage = c
        .doctor
        .get(&format!(
            "/patients/{}/prescriptions?limit=5&cursor={next}",
            c.patient
        ))
        .await
        .json();
    let mut ids: Vec<_> = page
        .entries
        .iter()
        .chain(&rest.entries)
        .map(|e| e.order_id)
        .collect();
    ids.sort();
    let mut expected = vec![first.order_id, with_old.order_id];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(rest.next.is_none());
    assert_eq!(
        c.doctor
            .get(&format!(
                "/patients/{}/prescriptions?cursor=junk",
                c.patient
            ))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // Do処方: the earlier prescription copied into a new order; the drug out of force is
    // flagged at 確定, never dropped silently.
    let earlier = page
        .entries
        .iter()
        .chain(&rest.entries)
        .find(|e| e.order_id == with_old.order_id)
        .unwrap();
    let order = c.create(&c.doctor, "prescription").await;
    let mut contents = serde_json::to_value(&earlier.prescription).unwrap();
    contents["kind"] = json!("prescription");
    let d = save(&c.doctor, &order, 0, 0, contents, None).await;
    assert_eq!(
        d.contents,
        shared::api::orders::OrderContents::Prescription(earlier.prescription.clone())
    );
    let res = finalize(&c.doctor, &order, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.body["fields"][0]["code"],
        json!(format!("out_of_force:{EBASTEL}"))
    );
    // A discarded draft leaves nothing; its revision is never reused.
    let res = c
        .doctor
        .send(
            c.doctor
                .request(
                    Method::DELETE,
                    &format!("/orders/{}/draft?revision={}", order.order_id, d.revision),
                )
                .await
                .header("x-csrf-token", c.doctor.csrf()),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let again = save(
        &c.doctor,
        &order,
        0,
        0,
        prescription(vec![rp(14, &[NORVASC])]),
        None,
    )
    .await;
    assert!(again.revision > d.revision);
}

/// The bill of a visit with orders: the clerk adds only 算定 items; the server adds the orders
/// from its own records, prices with the same engine, and refuses a client that claims other
/// orders. The browser's price (the engine on the same `Visit`, master rows as the app fetches
/// them) equals the server's.
#[tokio::test]
async fn the_bill_is_priced_from_the_visits_orders() {
    let Some(c) = clinic().await else { return };
    let rx = c
        .order(&c.doctor, prescription(vec![rp(14, &[NORVASC])]), json!([]))
        .await;
    let lab = c
        .order(
            &c.doctor,
            json!({"kind": "lab", "items": [{"code": CBC}, {"code": BLOOD_DRAW}]}),
            json!([]),
        )
        .await;
    let shot = c
        .order(
            &c.doctor,
            json!({"kind": "injection", "procedures": [{"code": INJECTION_IM, "count": 1}]}),
            json!([]),
        )
        .await;
    // A draft-only order is not billed.
    let draft_only = c.create(&c.doctor, "management").await;
    save(
        &c.doctor,
        &draft_only,
        0,
        0,
        json!({"kind": "management", "items": [{"code": "113001810"}]}),
        None,
    )
    .await;

    let path = format!("/receptions/{}/bill", c.reception.reception_id);
    let context: BillContext = c.clerk.get(&path).await.json();
    assert_eq!(context.orders.len(), 4);
    let (ordered, refs) = context.billed_orders();
    assert_eq!(ordered.len(), 3, "the draft is not billed");
    let mut expected_refs = vec![
        OrderRef {
            order_id: rx.order_id,
            version: 1,
        },
        OrderRef {
            order_id: lab.order_id,
            version: 1,
        },
        OrderRef {
            order_id: shot.order_id,
            version: 1,
        },
    ];
    expected_refs.sort();
    assert_eq!(refs, expected_refs);

    // The clerk's own entries: 再診 with nothing else typed.
    let clerk_visit = json!({
        "service_date": context.service_date, "birth_date": context.birth_date,
        "burden": {"kind": "tenths", "tenths": 3}, "kind": "revisit",
        "facility": {"kind": "clinic"}
    });
    let clerk_visit: shared::billing::Visit = serde_json::from_value(clerk_visit).unwrap();
    let visit = shared::domain::order::add_orders(&clerk_visit, &ordered).unwrap();
    // Price it as the browser does: the master rows of the codes, then the engine.
    let catalog = karte_tests::browser_catalog(&c.clerk, &context.service_date, &visit).await;
    let priced = price_visit(&visit, &catalog).unwrap();
    let codes: Vec<&str> = priced.lines.iter().map(|l| l.code.as_str()).collect();
    for code in [CBC, BLOOD_DRAW, INJECTION_IM] {
        assert!(codes.contains(&code), "{code} priced: {codes:?}");
    }

    let body = |orders: &[OrderRef]| {
        json!({"base_version": 0, "visit": clerk_visit, "orders": orders,
               "expected_total_points": priced.total_points.0,
               "expected_patient_share": priced.share.patient.0, "paid": priced.share.patient.0})
    };
    // A client that claims other orders (none, or one missing) is refused.
    let res = c.clerk.post(&path, &body(&[])).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["field"].as_str()),
        (StatusCode::CONFLICT, Some("orders"))
    );
    let res = c.clerk.post(&path, &body(&refs[..2])).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = c.clerk.post(&path, &body(&refs)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let bill: BillVersion = res.json();
    assert_eq!(
        (bill.priced.total_points, bill.priced.share.patient),
        (priced.total_points, priced.share.patient),
        "the server's price equals the engine on the same visit"
    );
    assert_eq!(bill.orders, refs);
    assert!(bill.entries.items.is_empty() && bill.entries.prescription.is_none());
    assert_eq!(bill.visit.items.len(), 2);
    // The order knows it was billed: amending it tells the doctor the bill needs a 訂正.
    let read: OrderDetail = c
        .doctor
        .get(&format!("/orders/{}", rx.order_id))
        .await
        .json();
    assert_eq!(read.billed_version, Some(1));
    assert!(read
        .amendment_notices_ja()
        .iter()
        .any(|n| n.contains("会計の訂正")));

    // An order amended after 会計: the bill still names version 1; a 訂正 prices version 2.
    let d = save(
        &c.doctor,
        &rx,
        1,
        0,
        prescription(vec![rp(28, &[NORVASC])]),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &rx, d.revision, "日数変更", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let context: BillContext = c.clerk.get(&path).await.json();
    let (ordered, refs2) = context.billed_orders();
    assert_ne!(context.bills[0].orders, refs2, "the screen can tell");
    let visit = shared::domain::order::add_orders(&clerk_visit, &ordered).unwrap();
    let priced2 = price_visit(&visit, &catalog).unwrap();
    let mut correction = body(&refs);
    correction["base_version"] = json!(1);
    correction["reason"] = json!("処方日数の変更");
    correction["expected_total_points"] = json!(priced2.total_points.0);
    correction["expected_patient_share"] = json!(priced2.share.patient.0);
    let res = c.clerk.post(&path, &correction).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "old order versions");
    correction["orders"] = json!(refs2);
    let res = c.clerk.post(&path, &correction).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let corrected: BillVersion = res.json();
    assert_eq!(corrected.version, 2);
    assert_eq!(corrected.orders, refs2);
    let read: OrderDetail = c
        .doctor
        .get(&format!("/orders/{}", rx.order_id))
        .await
        .json();
    assert_eq!(
        read.billed_version,
        Some(2),
        "the corrected bill names version 2"
    );
    let read: OrderDetail = c
        .doctor
        .get(&format!("/orders/{}", draft_only.order_id))
        .await
        .json();
    assert_eq!(read.billed_version, None);
}

#[tokio::test]
async fn an_order_made_before_check_in_reaches_the_days_bill() {
    let Some(c) = clinic().await else {
        return;
    };
    // A second patient, not checked in yet: the doctor orders for today.
    let p: shared::api::patients::PatientDetail = c
        .clerk
        .post(
            "/patients",
            &json!({"name": "架空 先行", "kana": "カクウ センコウ", "sex": "male",
                    "birth_date": "1966-06-06", "confirm_duplicate": true}),
        )
        .await
        .json();
    let res = c
        .clerk
        .post(
            &format!("/patients/{}/insurances", p.patient_id),
            &json!({"insurer_number": "33120015", "symbol": "架空", "number": "2", "branch": "01",
                    "relationship": "insured", "acquired_on": "2020-04-01", "valid_from": "2020-04-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/patients/{}/orders", p.patient_id),
            &json!({"visit_date": today(), "kind": "lab"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let order: OrderDetail = res.json();
    assert_eq!(order.reception_id, None, "no 受付 yet");
    let draft = save(
        &c.doctor,
        &order,
        0,
        0,
        json!({"kind": "lab", "items": [{"code": CBC}]}),
        None,
    )
    .await;
    let res = finalize(&c.doctor, &order, draft.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Checked in afterwards (twice: the second, a cancelled mistake, takes nothing).
    let visit: ReceptionEntry = c
        .clerk
        .post(
            "/receptions",
            &json!({"patient_id": p.patient_id, "department": "内科"}),
        )
        .await
        .json();
    let context: BillContext = c
        .clerk
        .get(&format!("/receptions/{}/bill", visit.reception_id))
        .await
        .json();
    let ids: Vec<_> = context.orders.iter().map(|o| o.order_id).collect();
    assert_eq!(ids, [order.order_id], "the day's order is in 会計");
    // Another patient's 受付 does not see it.
    let theirs: BillContext = c
        .clerk
        .get(&format!("/receptions/{}/bill", c.reception.reception_id))
        .await
        .json();
    assert!(theirs.orders.iter().all(|o| o.order_id != order.order_id));
}

/// The 院外処方箋 of a 確定 prescription, filled from the server's records; its 2次元シンボル
/// data (JAHIS10) reads back to the ordered drugs; a second print is a 再発行.
#[tokio::test]
async fn an_outside_prescription_is_issued_and_a_second_print_is_a_reissue() {
    let Some(c) = clinic().await else { return };
    let mut contents = prescription(vec![rp(28, &[NORVASC]), rp(7, &[LOXONIN])]);
    contents["rps"][0]["rp"]["drugs"][0]["generic_name"] = json!(true);
    contents["rps"][1]["rp"]["drugs"][0]["patient_wish"] = json!(true);
    contents["refill_uses"] = json!(2);
    let order = c.order(&c.doctor, contents, json!([])).await;
    let path = format!("/orders/{}/prescription", order.order_id);

    // The 所在地 and 電話番号 the form prints: administrators keep them as versions.
    let contact = json!({"base_version": 0, "postal_code": "１１３００２１",
                         "address": "架空県架空市本町１－１", "phone": "03-0000-0000"});
    assert_eq!(
        c.clerk.put("/institution/profile", &contact).await.status,
        StatusCode::FORBIDDEN
    );
    let res = c.admin.put("/institution/profile", &contact).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["postal_code"], "113-0021");
    assert_eq!(
        c.admin.put("/institution/profile", &contact).await.status,
        StatusCode::CONFLICT,
        "a stale base"
    );
    let mut moved = contact.clone();
    moved["base_version"] = json!(1);
    let res = c.admin.put("/institution/profile", &moved).await;
    assert_eq!(res.field_names(), ["reason"]);
    moved["reason"] = json!("電話番号の訂正");
    moved["phone"] = json!("03-1111-2222");
    let res = c.admin.put("/institution/profile", &moved).await;
    assert_eq!(res.body["version"], 2, "{}", res.body);

    let res = c.doctor.post(&path, &json!({"version": 2})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "not the newest version");
    assert_eq!(
        c.nurse.post(&path, &json!({"version": 1})).await.status,
        StatusCode::FORBIDDEN
    );
    let res = c.doctor.post(&path, &json!({"version": 1})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let first: shared::api::orders::PrescriptionIssue = res.json();
    assert_eq!((first.issue_no, first.is_reissue()), (1, false));
    // The issue as a kept PDF (the one PDF path): its 2次元シンボル reads back as the sheet's
    // JAHIS data, and a nurse (the chart's reader) may open it too.
    let pdf_path = format!("/orders/{}/prescription/1/pdf", order.order_id);
    let (status, _, pdf) = c.nurse.get_file(&pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    let text: String = karte_tests::pdf::poppler("pdftotext", &pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "処方箋",
        "【般】アムロジピン錠５ｍｇ",
        "リフィル可■（2回）",
        "架空処方",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let page = karte_tests::pdf::page_png(&pdf, 1, 300);
    let symbol = karte_tests::pdf::decode_qr(&page).expect("the symbol reads back");
    assert_eq!(symbol, first.sheet.jahis_bytes_of(None));
    let (again_status, _, again) = c.doctor.get_file(&pdf_path).await;
    assert_eq!((again_status, again), (StatusCode::OK, pdf));
    assert_eq!(
        c.doctor
            .get(&format!("/orders/{}/prescription/9/pdf", order.order_id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let sheet = &first.sheet;
    assert_eq!(sheet.patient_name, "架空 処方");
    assert_eq!(sheet.insurer_number, "33120015");
    assert_eq!(sheet.institution_code, CODE_A);
    assert_eq!(sheet.department, "内科");
    assert_eq!(sheet.drugs[0][0].name, "【般】アムロジピン錠５ｍｇ");
    assert_eq!(
        sheet.drugs[0][0].generic_code.as_deref(),
        Some("2171022F2ZZZ")
    );
    assert_eq!(sheet.drugs[1][0].name, "ロキソニン錠６０ｍｇ");

    let (version, records) =
        shared::domain::order::jahis::read_jahis(&sheet.jahis_bytes()).unwrap();
    assert_eq!(version, "JAHIS10");
    let lines: Vec<String> = records.iter().map(|r| r.join(",")).collect();
    assert_eq!(sheet.institution_address, "架空県架空市本町１－１");
    let patient_line = format!("11,{},架空 処方,", sheet.patient_number);
    for expected in [
        "1,1,9999961,13,架空第一クリニック",
        "2,113-0021,架空県架空市本町１－１",
        "3,03-1111-2222,,",
        patient_line.as_str(),
        "12,2",
        "13,19750505",
        "22,33120015",
        "24,30,70",
        "64,2",
        "101,1,1,,28",
        "111,1,2,1013044400000000,１日３回朝昼夕食後,3",
        "201,1,1,1,7,2171022F2ZZZ,【般】アムロジピン錠５ｍｇ,3,1,錠",
        "201,2,1,1,2,620098801,ロキソニン錠６０ｍｇ,3,1,錠",
        "281,2,1,1,8,先発医薬品患者希望,",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:#?}"
        );
    }

    let read: OrderDetail = c
        .doctor
        .get(&format!("/orders/{}", order.order_id))
        .await
        .json();
    assert_eq!(read.issued_versions, [1]);
    assert!(read.amendment_notices_ja()[0].contains("印刷済み"));
    let res = c.doctor.post(&path, &json!({"version": 1})).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let second: shared::api::orders::PrescriptionIssue = res.json();
    assert!(second.is_reissue());
    assert_eq!(second.sheet.drugs, first.sheet.drugs);
    let issues: Vec<shared::api::orders::PrescriptionIssue> = c.nurse.get(&path).await.json();
    assert_eq!(
        issues.iter().map(|i| i.issue_no).collect::<Vec<_>>(),
        [2, 1]
    );
    let page: LogPage<AuditLogEntry> = c
        .admin
        .get("/logs/audit?action=prescription_issue&limit=5")
        .await
        .json();
    assert_eq!(page.entries.len(), 2);
    assert_eq!(page.entries[0].details["issue_no"], json!(2));

    // 院内 and 院外 do not mix in one visit; once the 院外 one is cancelled, a 院内処方 can be
    // ordered, and it issues no 処方箋.
    let mut in_house = prescription(vec![rp(7, &[ETIZOLAM])]);
    in_house["dispensing"] = json!("in_house");
    let inside = c.create(&c.doctor, "prescription").await;
    let d = save(&c.doctor, &inside, 0, 0, in_house, None).await;
    let res = finalize(&c.doctor, &inside, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["contents.dispensing"]);
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/cancel", order.order_id),
            &json!({"base_version": 1, "reason": "院内処方に変更"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = finalize(&c.doctor, &inside, d.revision, "", json!([])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/prescription", inside.order_id),
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // The chart print (見読性) holds the day's orders with every version and their names.
    let res = c
        .doctor
        .post(
            &format!("/patients/{}/chart/prints", c.patient),
            &json!({"from": today(), "to": today()}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let print: shared::api::chart::ChartPrint = res.json();
    assert_eq!(print.orders.len(), 2);
    assert_eq!(print.orders[0].versions.len(), 2, "issued, then cancelled");
    assert!(print
        .names
        .iter()
        .any(|(code, name, unit)| code == NORVASC && name == "ノルバスク錠５ｍｇ" && unit == "錠"));

    // Another institution cannot print or read it.
    let (_, admin_b) = c.app.admin_session(CODE_B, "架空第二病院").await;
    let (_, doctor_b) = c
        .app
        .staff_session(
            &admin_b,
            CODE_B,
            "doctor1",
            "doctor",
            "doctor-secret-2026-a",
        )
        .await;
    assert_eq!(
        doctor_b.post(&path, &json!({"version": 1})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(doctor_b.get(&path).await.status, StatusCode::NOT_FOUND);
}

/// The pickers' help: the institution's most ordered codes (per kind of order, 確定 and not
/// cancelled, this institution only) and brands found by their 一般名.
#[tokio::test]
async fn frequent_items_and_generic_names_help_the_picker() {
    let Some(c) = clinic().await else { return };
    let res = c.doctor.get("/orders/frequent").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let none: FrequentItems = res.json();
    assert!(none.items.is_empty());

    c.order(&c.doctor, prescription(vec![rp(14, &[NORVASC])]), json!([]))
        .await;
    c.order(&c.doctor, prescription(vec![rp(3, &[LOXONIN])]), json!([]))
        .await;
    c.order(
        &c.doctor,
        json!({"kind": "lab", "items": [{"code": CBC}, {"code": BLOOD_DRAW}]}),
        json!([]),
    )
    .await;
    c.order(
        &c.doctor,
        json!({"kind": "lab", "items": [{"code": CBC}]}),
        json!([]),
    )
    .await;
    // A cancelled order and a draft count for nothing.
    let cancelled = c
        .order(&c.doctor, prescription(vec![rp(5, &[ETIZOLAM])]), json!([]))
        .await;
    let res = c
        .doctor
        .post(
            &format!("/orders/{}/cancel", cancelled.order_id),
            &json!({"base_version": 1, "reason": "入力誤り"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let draft = c.create(&c.doctor, "prescription").await;
    save(
        &c.doctor,
        &draft,
        0,
        0,
        prescription(vec![rp(7, &[LOXOPROFEN_GENERIC])]),
        None,
    )
    .await;

    let frequent: FrequentItems = c.clerk.get("/orders/frequent").await.json();
    let listed: Vec<(OrderKind, &str, u32)> = frequent
        .items
        .iter()
        .map(|i| (i.order_kind, i.code.as_str(), i.uses))
        .collect();
    assert_eq!(
        listed,
        [
            (OrderKind::Lab, CBC, 2),
            (OrderKind::Prescription, NORVASC, 1),
            (OrderKind::Prescription, LOXONIN, 1),
            (OrderKind::Lab, BLOOD_DRAW, 1),
        ]
    );
    assert_eq!(
        c.nurse.get("/orders/frequent").await.status,
        StatusCode::FORBIDDEN,
        "nurses read orders, they do not order"
    );
    let (_, admin_b) = c.app.admin_session(CODE_B, "架空第二病院").await;
    let (_, doctor_b) = c
        .app
        .staff_session(
            &admin_b,
            CODE_B,
            "doctor1",
            "doctor",
            "doctor-secret-2026-a",
        )
        .await;
    let theirs: FrequentItems = doctor_b.get("/orders/frequent").await.json();
    assert!(
        theirs.items.is_empty(),
        "another institution's orders are not counted"
    );

    // A brand is found by its 一般名, in hiragana too (small kana as written), by the server and
    // in the app's copy.
    let search = |q: &str| {
        format!(
            "/masters/search?q={}&on={}&kind=drug",
            karte_tests::encode_query(q),
            today()
        )
    };
    let hits: Vec<MasterHit> = c.doctor.get(&search("あむろじぴん")).await.json();
    let norvasc = hits
        .iter()
        .find(|h| h.code == NORVASC)
        .expect("ノルバスク by あむろじぴん");
    assert_eq!(
        norvasc.generic_name.as_deref(),
        Some("アムロジピン錠５ｍｇ")
    );
    assert!(hits.iter().all(|h| h
        .generic_name
        .as_deref()
        .is_some_and(|g| g.starts_with("アムロジピン"))));
    let catalog: MasterCatalog = c
        .doctor
        .get("/masters/catalog?kind=drug&since=0")
        .await
        .json();
    for query in [
        "あむろじぴん",
        "ろきそぷろふぇんＮａ錠６０",
        "じくろふえなく",
        "錠",
    ] {
        let hits: Vec<MasterHit> = c.doctor.get(&search(query)).await.json();
        let local =
            shared::api::billing::search_catalog("drug", &catalog.rows, &today(), query, 30);
        assert!(!local.is_empty(), "{query} finds something");
        assert_eq!(hits, local, "the same hits in the same order: {query}");
    }
    // What each finds: large kana find the 一般名 written with small ones; anywhere in the
    // name fills the list.
    let generic = |query: &str| -> Vec<String> {
        shared::api::billing::search_catalog("drug", &catalog.rows, &today(), query, 30)
            .into_iter()
            .filter_map(|h| h.generic_name)
            .collect()
    };
    assert!(
        generic("じくろふえなく")
            .iter()
            .all(|g| g.starts_with("ジクロフェナク")),
        "{:?}",
        generic("じくろふえなく")
    );
    assert_eq!(
        shared::api::billing::search_catalog("drug", &catalog.rows, &today(), "錠", 30).len(),
        30
    );
    assert!(search_has(&c, &search("ろきそぷろふぇんＮａ錠６０"), LOXONIN).await);
}

async fn search_has(c: &Clinic, path: &str, code: &str) -> bool {
    let hits: Vec<MasterHit> = c.doctor.get(path).await.json();
    hits.iter().any(|h| h.code == code)
}

/// ＭＳコンチン錠１０ｍｇ: a 麻薬 (医薬品マスター 麻薬・毒薬・覚醒剤原料・向精神薬 1).
const MS_CONTIN: &str = "618110023";

/// A 処方箋 naming a 麻薬 needs the doctor's 麻薬施用者免許証番号 (kept by administrators as
/// versions) and the patient's address; both are printed and carried as record 61.
#[tokio::test]
async fn a_narcotic_prescription_needs_the_license_and_the_address() {
    let Some(c) = clinic().await else { return };
    let order = c
        .order(
            &c.doctor,
            prescription(vec![rp(7, &[MS_CONTIN])]),
            json!([]),
        )
        .await;
    let path = format!("/orders/{}/prescription", order.order_id);
    let res = c.doctor.post(&path, &json!({"version": 1})).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["code"].as_str()),
        (StatusCode::CONFLICT, Some("narcotic_license")),
        "{}",
        res.body
    );

    // The administrator registers the doctor's license.
    let license = format!("/users/{}/narcotic-license", c.doctor_id);
    let body = |base: i32, license: &str, reason: &str| json!({"base_version": base, "license": license, "reason": reason});
    assert_eq!(
        c.doctor.put(&license, &body(0, "12345", "")).await.status,
        StatusCode::FORBIDDEN
    );
    let res = c.admin.put(&license, &body(0, "12<3>", "")).await;
    assert_eq!(res.field_names(), ["license"]);
    let res = c.admin.put(&license, &body(0, "１２３４５", "")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let doctor: shared::api::users::UserSummary = res.json();
    assert_eq!(
        doctor.narcotic_license.as_deref(),
        Some("12345"),
        "made half-width"
    );
    assert_eq!(doctor.narcotic_license_version, 1);
    assert_eq!(
        c.admin.put(&license, &body(0, "12346", "")).await.status,
        StatusCode::CONFLICT,
        "a stale base"
    );
    let res = c.admin.put(&license, &body(1, "12346", "")).await;
    assert_eq!(res.field_names(), ["reason"]);
    let res = c.admin.put(&license, &body(1, "12346", "免許の更新")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let clerk_id = c
        .admin
        .get("/users")
        .await
        .json::<Vec<shared::api::users::UserSummary>>()
        .into_iter()
        .find(|u| u.login_id == "clerk1")
        .unwrap()
        .user_id;
    let res = c
        .admin
        .put(
            &format!("/users/{clerk_id}/narcotic-license"),
            &body(0, "1", ""),
        )
        .await;
    assert_eq!(res.field_names(), ["license"], "doctors only");

    // Without the patient's address it is still refused; with it, printed.
    let res = c.doctor.post(&path, &json!({"version": 1})).await;
    assert_eq!(
        res.body["fields"][0]["code"].as_str(),
        Some("patient_address"),
        "{}",
        res.body
    );
    let res = c
        .clerk
        .put(
            &format!("/patients/{}", c.patient),
            &json!({"name": "架空 処方", "kana": "カクウ ショホウ", "sex": "female",
                    "birth_date": "1975-05-05", "address": "架空県架空市本町１－１",
                    "base_version": 1, "reason": "住所の登録"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = c.doctor.post(&path, &json!({"version": 1})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let issue: shared::api::orders::PrescriptionIssue = res.json();
    let narcotic = issue.sheet.narcotic.as_ref().expect("麻薬施用");
    assert_eq!(narcotic.license, "12346");
    assert_eq!(narcotic.patient_address, "架空県架空市本町１－１");
    let (_, records) =
        shared::domain::order::jahis::read_jahis(&issue.sheet.jahis_bytes()).unwrap();
    let record = records.iter().find(|r| r[0] == "61").expect("record 61");
    assert_eq!(record[1..3], ["12346", "架空県架空市本町１－１"]);
}

/// A visit's 院外 prescriptions print as one 処方箋 (the patient takes one sheet to the
/// pharmacy): every Rp in the order made, each order recording the issue.
#[tokio::test]
async fn the_outside_prescriptions_of_a_visit_print_on_one_sheet() {
    let Some(c) = clinic().await else { return };
    let first = c
        .order(&c.doctor, prescription(vec![rp(28, &[NORVASC])]), json!([]))
        .await;
    let second = c
        .order(&c.doctor, prescription(vec![rp(7, &[LOXONIN])]), json!([]))
        .await;
    let res = c.print(&second, 1).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let issue: shared::api::orders::PrescriptionIssue = res.json();
    let codes: Vec<&str> = issue
        .sheet
        .prescription
        .rps
        .iter()
        .flat_map(|o| o.rp.drugs())
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, [NORVASC, LOXONIN], "both orders, in the order made");
    assert_eq!(issue.sheet.orders.len(), 2);
    let (_, records) =
        shared::domain::order::jahis::read_jahis(&issue.sheet.jahis_bytes()).unwrap();
    assert_eq!(records.iter().filter(|r| r[0] == "101").count(), 2);
    // Both orders know they were printed; printing the first again is its 再発行.
    let detail: OrderDetail = c
        .doctor
        .get(&format!("/orders/{}", first.order_id))
        .await
        .json();
    assert_eq!(detail.issued_versions, [1]);
    let res = c.print(&first, 1).await;
    let again: shared::api::orders::PrescriptionIssue = res.json();
    assert!(again.is_reissue());

    // A third with another リフィル setting prints on a sheet of its own.
    let mut refill = prescription(vec![rp(28, &[NORVASC])]);
    refill["refill_uses"] = json!(2);
    let third = c
        .order(
            &c.doctor,
            refill,
            json!([{"key": "duplicate:2171022", "reason": "別の処方箋で交付"}]),
        )
        .await;
    let res = c.print(&third, 1).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let own: shared::api::orders::PrescriptionIssue = res.json();
    assert_eq!(own.sheet.orders.len(), 1);
    assert_eq!(own.sheet.prescription.refill_uses, Some(2));
    // …and the first two still print together, without it.
    let res = c.print(&first, 1).await;
    let together: shared::api::orders::PrescriptionIssue = res.json();
    assert_eq!(together.sheet.orders.len(), 2);
}
