//! Patients: registration, duplicate guard, versions and conflicts, search, tenancy.

use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::api::patients::{PatientDetail, PatientSummary, PatientVersion};

const CODE_A: &str = "1319999941";
const CODE_B: &str = "2719999942";

fn patient(name: &str, kana: &str, birth: &str) -> Value {
    json!({
        "name": name, "kana": kana, "sex": "female", "birth_date": birth,
        "address": "東京都架空区1-1", "phone": "03-0000-1234", "notes": ""
    })
}

/// A signed-in user of `role` (password already changed), created by `admin`.
async fn staff(app: &TestApp, admin: &ApiClient, code: &str, role: &str) -> ApiClient {
    app.staff_session(
        admin,
        code,
        &format!("{role}1"),
        role,
        "staff-secret-words-26",
    )
    .await
    .1
}

#[tokio::test]
async fn a_receptionist_registers_and_finds_patients_every_way() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;

    let res = clerk
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let hanako: PatientDetail = res.json();
    assert_eq!((hanako.patient_number.as_str(), hanako.version), ("1", 1));
    assert_eq!(hanako.birth_date_wareki, "昭和55年6月15日");
    let second: PatientDetail = clerk
        .post(
            "/patients",
            &patient("試験 次郎", "シケン ジロウ", "2001-02-03"),
        )
        .await
        .json();
    assert_eq!(second.patient_number, "2", "numbers are assigned in order");
    let mut chosen = patient("見本 三郎", "ミホン サブロウ", "1955-12-01");
    chosen["patient_number"] = json!("1000");
    assert_eq!(
        clerk.post("/patients", &chosen).await.status,
        StatusCode::CREATED
    );
    let mut taken = patient("見本 四郎", "ミホン シロウ", "1956-01-01");
    taken["patient_number"] = json!("1000");
    let res = clerk.post("/patients", &taken).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(res.body["fields"][0]["field"], "patient_number");

    let found = |q: &str| {
        let clerk = &clerk;
        let q = q.to_string();
        async move {
            let res = clerk
                .send(
                    clerk
                        .http
                        .get(clerk.url("/patients"))
                        .query(&[("q", q.as_str())]),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.body);
            res.json::<Vec<PatientSummary>>()
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("ｶｸｳ").await, ["架空 花子"], "half-width カナ prefix");
    assert_eq!(
        found("かくう　はな").await,
        ["架空 花子"],
        "hiragana with a full-width space"
    );
    assert_eq!(found("シケン").await, ["試験 次郎"]);
    assert_eq!(found("架空").await, ["架空 花子"], "漢字 prefix");
    assert_eq!(
        found("架空花").await,
        ["架空 花子"],
        "漢字 without the space"
    );
    assert_eq!(found("1980-06-15").await, ["架空 花子"], "birth date");
    assert_eq!(found("1000").await, ["見本 三郎"], "patient number");
    assert_eq!(found("03-0000").await.len(), 3, "phone prefix");
    assert!(found("ｱｲｳ").await.is_empty());
    assert!(found("%").await.is_empty(), "LIKE wildcards are literal");
}

#[tokio::test]
async fn invalid_patients_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;
    let res = clerk
        .post("/patients", &json!({"name": "", "kana": "山田", "sex": null, "birth_date": "2999-01-01", "phone": "abc"}))
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation")
    );
    let fields = res.field_names();
    assert_eq!(fields, ["name", "kana", "sex", "birth_date", "phone"]);
}

#[tokio::test]
async fn a_likely_duplicate_warns_before_creating() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;
    clerk
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await;
    // Same birth date, カナ typed differently.
    let again = patient("架空 華子", "ｶｸｳ ﾊﾅｺ", "1980-06-15");
    let res = clerk.post("/patients", &again).await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::CONFLICT, "duplicate_suspected")
    );
    let candidates: Vec<PatientSummary> = clerk
        .post("/patients/check-duplicates", &again)
        .await
        .json();
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].name, "架空 花子");
    let mut confirmed = again.clone();
    confirmed["confirm_duplicate"] = json!(true);
    let created = clerk.post("/patients", &confirmed).await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "created after confirming"
    );
    assert_eq!(
        created.body["kana"], "カクウ ハナコ",
        "カナ are stored in full-width katakana"
    );
    let other_day = patient("架空 花子", "カクウ ハナコ", "1980-06-16");
    assert_eq!(
        clerk.post("/patients", &other_day).await.status,
        StatusCode::CREATED,
        "a different birth date is no duplicate"
    );
}

#[tokio::test]
async fn edits_are_versions_and_a_stale_edit_is_a_conflict() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;
    let doctor = staff(&app, &admin, CODE_A, "doctor").await;
    let p: PatientDetail = clerk
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await
        .json();
    let path = format!("/patients/{}", p.patient_id);

    let mut moved = patient("架空 花子", "カクウ ハナコ", "1980-06-15");
    moved["address"] = json!("東京都架空区2-2");
    moved["base_version"] = json!(1);
    moved["reason"] = json!("転居");
    let res = clerk.put(&path, &moved).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["version"], 2);

    // The doctor still had version 1 open.
    let mut stale = patient("架空 花子", "カクウ ハナコ", "1980-06-15");
    stale["phone"] = json!("090-0000-0000");
    stale["base_version"] = json!(1);
    let res = doctor.put(&path, &stale).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(res.body["fields"][0]["code"], "stale");
    let current: PatientDetail = doctor.get(&path).await.json();
    assert_eq!(
        (
            current.version,
            current.address.as_str(),
            current.phone.as_str()
        ),
        (2, "東京都架空区2-2", "03-0000-1234")
    );

    let history: Vec<PatientVersion> = doctor.get(&format!("{path}/versions")).await.json();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(history[0].reason, "転居");
    assert_eq!(
        history[1].address, "東京都架空区1-1",
        "the earlier version is kept as it was"
    );
    assert!(history.iter().all(|v| v.author_user_id.is_some()));

    // Versions cannot be rewritten, even directly in SQL.
    let pool = app.app_pool().await;
    let tenant = admin.get("/auth/session").await.body["institution"]["tenant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tx = karte_tests::tenant_tx(&pool, tenant).await;
    assert!(sqlx::query("update patient_version set address = 'x'")
        .execute(&mut *tx)
        .await
        .is_err());
}

#[tokio::test]
async fn patients_of_another_institution_are_invisible() {
    let app = TestApp::spawn().await;
    let (_, admin_a) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let (_, admin_b) = app.admin_session(CODE_B, "架空第二病院").await;
    let clerk_a = staff(&app, &admin_a, CODE_A, "clerk").await;
    let clerk_b = staff(&app, &admin_b, CODE_B, "clerk").await;
    let p: PatientDetail = clerk_a
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await
        .json();
    let path = format!("/patients/{}", p.patient_id);
    assert_eq!(clerk_b.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        clerk_b.get(&format!("{path}/versions")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut edit = patient("乗っ取り", "ノットリ", "1980-06-15");
    edit["base_version"] = json!(1);
    let res = clerk_b.put(&path, &edit).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = clerk_b
        .send(
            clerk_b
                .http
                .get(clerk_b.url("/patients"))
                .query(&[("q", "カクウ")]),
        )
        .await;
    assert_eq!(res.body, json!([]));
    // B's numbering starts at 1 on its own.
    let b: PatientDetail = clerk_b
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await
        .json();
    assert_eq!(b.patient_number, "1");
}

#[tokio::test]
async fn roles_and_the_access_log_per_patient() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空第一クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;
    let nurse = staff(&app, &admin, CODE_A, "nurse").await;
    let p: PatientDetail = clerk
        .post(
            "/patients",
            &patient("架空 花子", "カクウ ハナコ", "1980-06-15"),
        )
        .await
        .json();
    let path = format!("/patients/{}", p.patient_id);
    assert_eq!(
        nurse.get(&path).await.status,
        StatusCode::OK,
        "nurses read patients"
    );
    let res = nurse
        .post(
            "/patients",
            &patient("架空 一郎", "カクウ イチロウ", "1970-01-01"),
        )
        .await;
    assert_eq!(
        (res.status, res.code()),
        (StatusCode::FORBIDDEN, "forbidden"),
        "nurses do not register"
    );
    assert_eq!(
        admin.get(&path).await.status,
        StatusCode::FORBIDDEN,
        "administrators do not read charts"
    );

    // Who opened this patient, when.
    let log = admin
        .get(&format!("/logs/access?patient_id={}", p.patient_id))
        .await;
    let entries = log.body["entries"].as_array().unwrap();
    let routes: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["method"].as_str().unwrap(), e["route"].as_str().unwrap()))
        .collect();
    assert!(
        routes.contains(&("GET", "/api/v1/patients/{patient_id}")),
        "{routes:?}"
    );
    assert!(routes.contains(&("POST", "/api/v1/patients")), "{routes:?}");
}
