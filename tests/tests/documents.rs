//! 文書 (診療情報提供書) over the API: a letter started from a template filled from the chart,
//! drafted by a clerk, finalised only by a doctor into a PDF/A with the IPA fonts embedded and
//! stored in both file stores with its SHA-256, every output of the PDF numbered and audited,
//! amendments as new versions with a reason (every version readable), the hash chain, a
//! character the font cannot print refused by name, and tenancy. Fictitious people only.
//!
//! The PDFs are read back with poppler's `pdftotext` and `pdffonts` (scripts/test installs
//! poppler-utils).

use karte_server::files::FileStores;
use karte_tests::pdf::poppler;
use karte_tests::{admin_options, ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::api::documents::{DocumentDetail, DocumentSummary};
use shared::api::patients::PatientDetail;
use sqlx::postgres::PgPoolOptions;

const CODE_A: &str = "1319999971";
const CODE_B: &str = "2719999972";

struct Clinic {
    tenant: shared::ids::TenantId,
    admin: ApiClient,
    doctor: ApiClient,
    clerk: ApiClient,
    patient: PatientDetail,
}

async fn clinic(app: &TestApp, code: &str) -> Clinic {
    let (provisioned, admin) = app.admin_session(code, "架空文書医院").await;
    let doctor = app
        .staff_session(&admin, code, "doctor1", "doctor", "doctor-secret-2026-a")
        .await
        .1;
    let clerk = app
        .staff_session(&admin, code, "clerk1", "clerk", "clerk-secret-2026-c")
        .await
        .1;
    let patient: PatientDetail = clerk
        .post(
            "/patients",
            &json!({"name": "架空 紹子", "kana": "カクウ ショウコ", "sex": "female",
                                   "birth_date": "1970-05-05", "address": "架空県架空市1-2-3",
                                   "phone": "000-1111-2222", "confirm_duplicate": true}),
        )
        .await
        .json();
    Clinic {
        tenant: provisioned.tenant_id,
        admin,
        doctor,
        clerk,
        patient,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    shared::media::hex(&Sha256::digest(bytes))
}

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

fn letter_body(revision: i64, purpose: &str) -> serde_json::Value {
    json!({"revision": revision, "letter": {
        "to_institution": "架空総合病院", "to_department": "循環器内科", "to_doctor": "架空 一郎",
        "purpose": purpose, "diagnoses": "本態性高血圧症（主病）",
        "history": "特記事項なし", "course": "家庭血圧 150/95 前後が続いています。",
        "treatment": "減塩指導", "medications": "Rp1 架空錠 1錠\n　　1日1回朝食後 28日分",
        "allergies": "ペニシリン（薬剤）: 発疹", "remarks": ""}})
}

#[tokio::test]
async fn a_referral_letter_goes_from_the_chart_to_a_signed_pdf_kept_twice() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let pid = c.patient.patient_id;
    // The chart: a diagnosis and an allergy the template must pick up.
    let res = c
        .doctor
        .post(
            &format!("/patients/{pid}/diagnoses"),
            &json!({"free_name": "架空性高血圧", "is_main": true, "start_date": "2025-04-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/patients/{pid}/allergies"),
            &json!({"kind": "drug", "substance": "架空マイシン", "severity": "severe",
                    "source": "patient", "reaction": "蕁麻疹"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

    // A clerk (医師事務作業補助者) starts the letter: filled from the chart.
    let res = c
        .clerk
        .post(
            &format!("/patients/{pid}/documents"),
            &json!({"kind": "referral"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let started: DocumentDetail = res.json();
    let draft = started.draft.as_ref().expect("a new letter is a draft");
    assert_eq!(draft.base_version, 0);
    assert!(
        draft.letter.diagnoses.contains("架空性高血圧（主病）"),
        "{:?}",
        draft.letter
    );
    assert!(draft
        .letter
        .allergies
        .contains("架空マイシン（薬剤・重度）: 蕁麻疹"));
    assert!(started.versions.is_empty() && started.revision == 1);
    let doc = started.document_id;

    // The clerk writes the rest and saves; a save on an old revision is refused.
    let saved: DocumentDetail = c
        .clerk
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(1, "精査加療のお願い"),
        )
        .await
        .json();
    assert_eq!(saved.revision, 2);
    let stale = c
        .clerk
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(1, "古い画面から"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);

    // Only a doctor finalises.
    let res = c
        .clerk
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": 2}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.to_string().contains("医師だけ"), "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let files_before = count_rows(&app, "stored_file").await;
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": 2}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let done: DocumentDetail = res.json();
    assert!(done.draft.is_none(), "確定 closes the draft");
    assert!(done.chain_intact);
    let v1 = &done.versions[0];
    assert_eq!(v1.version, 1);
    assert_eq!(v1.letter.purpose, "精査加療のお願い");
    assert_eq!(v1.header.patient.name, "架空 紹子");
    assert_eq!(v1.header.institution.name, "架空文書医院");
    assert_eq!(v1.pdf.media_type, shared::media::MediaType::Pdf);
    assert_eq!(count_rows(&app, "stored_file").await, files_before + 1);

    // The PDF is in both stores, byte for byte what the hash says.
    for store in app.file_stores() {
        let copy = std::fs::read(store.join(FileStores::object_key(c.tenant, v1.pdf.file_id)))
            .expect("the PDF is in both stores");
        assert_eq!(sha256_hex(&copy), v1.pdf.sha256);
    }

    // Output: inline for the browser's viewer, sandboxed, audited and numbered.
    let pdf_path = format!("/documents/{doc}/versions/1/pdf");
    let (status, headers, bytes) = c.doctor.get_file(&pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline;"));
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(sha256_hex(&bytes), v1.pdf.sha256);
    assert!(bytes.starts_with(b"%PDF-1.7"));
    // Kept beside the screenshots, to be looked at.
    let shots = karte_tests::target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("95-referral-letter.pdf"), &bytes).unwrap();
    let text = poppler("pdftotext", &bytes);
    for expected in [
        "診療情報提供書",
        "架空総合病院",
        "循環器内科",
        "架空 紹子",
        "カクウ ショウコ",
        "架空文書医院",
        "精査加療のお願い",
        "本態性高血圧症（主病）",
        "【現在の処方】",
        "1日1回朝食後 28日分",
        "第1版",
        "1/1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF:\n{text}"
        );
    }
    let fonts = poppler("pdffonts", &bytes);
    // Both IPA fonts, embedded as subsets (name prefixed ABCDEF+, "emb yes sub yes").
    assert!(
        fonts.contains("IPAMincho") && fonts.contains("IPAGothic"),
        "{fonts}"
    );
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let yes = cols.iter().filter(|c| **c == "yes").count();
        assert!(
            yes >= 3,
            "a font not embedded as a subset with Unicode: {line}"
        );
    }
    // A second output is a reprint; the count shows on the version.
    let (status, _, _) = c.clerk.get_file(&pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    let now: DocumentDetail = c.doctor.get(&format!("/documents/{doc}")).await.json();
    assert_eq!(now.versions[0].outputs, 2);
    let audit = c
        .admin
        .get("/logs/audit?action=document_output&limit=10")
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let outputs: Vec<&serde_json::Value> =
        audit.body["entries"].as_array().unwrap().iter().collect();
    assert_eq!(outputs.len(), 2, "{}", audit.body);
    // Newest first: the reprint, then the first output.
    assert_eq!(
        outputs[0]["details"]["reprint"],
        json!(true),
        "{}",
        audit.body
    );
    assert_eq!(
        outputs[1]["details"]["reprint"],
        json!(false),
        "{}",
        audit.body
    );
    let audit = c.admin.get("/logs/audit?action=document_finalize").await;
    assert_eq!(audit.body["entries"].as_array().map(Vec::len), Some(1));

    // Amendment: a new draft from the newest version, finalised with a reason.
    let amending: DocumentDetail = c
        .doctor
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(now.revision, "精査加療のお願い（検査結果を追記）"),
        )
        .await
        .json();
    assert_eq!(amending.draft.as_ref().unwrap().base_version, 1);
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": amending.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.field_names(), vec!["reason"]);
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": amending.revision, "reason": "検査結果の追記"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let amended: DocumentDetail = res.json();
    assert_eq!(amended.versions.len(), 2);
    assert!(amended.chain_intact);
    assert_eq!(amended.versions[0].reason, "検査結果の追記");
    assert_ne!(
        amended.versions[0].pdf.sha256,
        amended.versions[1].pdf.sha256
    );
    let (_, _, v2) = c
        .doctor
        .get_file(&format!("/documents/{doc}/versions/2/pdf"))
        .await;
    let text = poppler("pdftotext", &v2);
    assert!(text.contains("第2版（訂正理由：検査結果の追記）"), "{text}");
    // Every version stays readable.
    let (status, _, again) = c.doctor.get_file(&pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256_hex(&again), v1.pdf.sha256);
    // Nothing left to finalise.
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": amended.revision, "reason": "二重"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // The list.
    let list: Vec<DocumentSummary> = c
        .doctor
        .get(&format!("/patients/{pid}/documents"))
        .await
        .json();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].version, 2);
    assert!(!list[0].drafting);
    assert_eq!(list[0].to_institution, "架空総合病院");

    // The PDF is the document's own: not served or attached through the attachment routes
    // (where no output would be counted, and a retraction could hide a signed letter).
    let res = c.doctor.get(&format!("/files/{}", v1.pdf.file_id)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = c
        .doctor
        .post(
            &format!("/patients/{pid}/attachments"),
            &json!({"base_version": 0, "file_id": v1.pdf.file_id, "kind": "document",
                    "title": "紹介状", "taken_on": "2026-12-04"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    // A HEAD is no output.
    let outputs = |d: &DocumentDetail| d.versions.last().unwrap().outputs;
    let before: DocumentDetail = c.doctor.get(&format!("/documents/{doc}")).await.json();
    let head = c
        .doctor
        .send(c.doctor.request(reqwest::Method::HEAD, &pdf_path).await)
        .await;
    assert_eq!(head.status, StatusCode::OK);
    let after: DocumentDetail = c.doctor.get(&format!("/documents/{doc}")).await.json();
    assert_eq!(outputs(&after), outputs(&before));

    // Versions are append-only for the application role.
    let pool = app.app_pool().await;
    let err = sqlx::query("update document_version set reason = 'x'")
        .execute(&pool)
        .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn a_character_the_font_lacks_is_refused_by_name_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let pid = c.patient.patient_id;
    let started: DocumentDetail = c
        .doctor
        .post(
            &format!("/patients/{pid}/documents"),
            &json!({"kind": "referral"}),
        )
        .await
        .json();
    let doc = started.document_id;
    let mut body = letter_body(1, "精査のお願い 🩺");
    body["letter"]["diagnoses"] = json!("架空病");
    let saved: DocumentDetail = c
        .doctor
        .put(&format!("/documents/{doc}/draft"), &body)
        .await
        .json();
    let files = count_rows(&app, "stored_file").await;
    let res = c
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": saved.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.field_names(), vec!["purpose"], "{}", res.body);
    assert!(
        res.body
            .to_string()
            .contains("紹介目的の「🩺」は印刷できない文字です"),
        "{}",
        res.body
    );
    assert_eq!(count_rows(&app, "stored_file").await, files);
    assert_eq!(count_rows(&app, "document_version").await, 0);
    // The draft is still there to fix.
    let now: DocumentDetail = c.doctor.get(&format!("/documents/{doc}")).await.json();
    assert_eq!(now.revision, saved.revision);
    assert!(now.draft.is_some());
}

#[tokio::test]
async fn documents_are_the_institutions_own() {
    let app = TestApp::spawn().await;
    let a = clinic(&app, CODE_A).await;
    let b = clinic(&app, CODE_B).await;
    let pid = a.patient.patient_id;
    let started: DocumentDetail = a
        .doctor
        .post(
            &format!("/patients/{pid}/documents"),
            &json!({"kind": "referral"}),
        )
        .await
        .json();
    let doc = started.document_id;
    let saved: DocumentDetail = a
        .doctor
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(1, "精査のお願い"),
        )
        .await
        .json();
    let res = a
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": saved.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for path in [
        format!("/documents/{doc}"),
        format!("/documents/{doc}/versions/1/pdf"),
        format!("/patients/{pid}/documents"),
    ] {
        let res = b.doctor.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    let res = b
        .doctor
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(2, "乗っ取り"),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = b
        .doctor
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": 2}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // A version that does not exist, and one that is not a number.
    for v in ["9", "0", "x"] {
        let res = a
            .doctor
            .get(&format!("/documents/{doc}/versions/{v}/pdf"))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{v}: {}", res.body);
    }
    // The access log names the patient for a document read.
    let res = a
        .admin
        .get(&format!("/logs/access?patient_id={pid}&limit=50"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let routes: Vec<&str> = res.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["route"].as_str())
        .collect();
    for route in [
        "/api/v1/documents/{document_id}/finalize",
        "/api/v1/documents/{document_id}/draft",
        "/api/v1/patients/{patient_id}/documents",
    ] {
        assert!(routes.contains(&route), "{route} in {routes:?}");
    }
}

#[tokio::test]
async fn who_may_write_and_two_finalising_at_once() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let pid = c.patient.patient_id;
    let nurse = app
        .staff_session(&c.admin, CODE_A, "nurse1", "nurse", "nurse-secret-2026-b")
        .await
        .1;
    // An administrator does not write letters.
    let res = c
        .admin
        .post(
            &format!("/patients/{pid}/documents"),
            &json!({"kind": "referral"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // A nurse drafts; a doctor finalises.
    let started: DocumentDetail = nurse
        .post(
            &format!("/patients/{pid}/documents"),
            &json!({"kind": "referral"}),
        )
        .await
        .json();
    let doc = started.document_id;
    let saved = nurse
        .put(
            &format!("/documents/{doc}/draft"),
            &letter_body(1, "精査のお願い"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: DocumentDetail = saved.json();
    let res = nurse
        .post(
            &format!("/documents/{doc}/finalize"),
            &json!({"revision": saved.revision}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // Two finalising the same revision at once: one version, the other told it is stale.
    let path = format!("/documents/{doc}/finalize");
    let body = json!({"revision": saved.revision});
    let (a, b) = tokio::join!(c.doctor.post(&path, &body), c.doctor.post(&path, &body));
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        vec![StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(count_rows(&app, "document_version").await, 1);
    // Outputs at once are numbered one after another.
    let pdf = format!("/documents/{doc}/versions/1/pdf");
    let (x, y) = tokio::join!(c.doctor.get_file(&pdf), nurse.get_file(&pdf));
    assert_eq!((x.0, y.0), (StatusCode::OK, StatusCode::OK));
    let now: DocumentDetail = c.doctor.get(&format!("/documents/{doc}")).await.json();
    assert_eq!(now.versions[0].outputs, 2);
}
