//! カルテ: notes (draft, conflict, finalise, amend, history, diff, hash chain), 代行入力 with
//! approval, diagnoses from the masters, vital signs, lab results and their import, the paged
//! timeline, the audited print, roles and tenancy. Against a real server and PostgreSQL, as the
//! application role.

use karte_tests::{ApiClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;
use shared::api::chart::{
    Diagnosis, LabsRecorded, NoteDetail, NoteDiff, NoteDraft, NoteStatus, PendingNote,
    TimelinePage, VitalRecord,
};
use shared::api::patients::PatientDetail;
use shared::domain::chart::DiffLine;
use shared::ids::NoteId;
use std::path::PathBuf;

const CODE_A: &str = "1319999961";
const CODE_B: &str = "2719999962";

struct Clinic {
    tenant_id: shared::ids::TenantId,
    admin: ApiClient,
    doctor: ApiClient,
    nurse: ApiClient,
    clerk: ApiClient,
    patient: PatientDetail,
}

async fn clinic(app: &TestApp, code: &str) -> Clinic {
    let (provisioned, admin) = app.admin_session(code, "架空カルテ医院").await;
    let doctor = app
        .staff_session(&admin, code, "doctor1", "doctor", "doctor-secret-2026-a")
        .await
        .1;
    let nurse = app
        .staff_session(&admin, code, "nurse1", "nurse", "nurse-secret-2026-b")
        .await
        .1;
    let clerk = app
        .staff_session(&admin, code, "clerk1", "clerk", "clerk-secret-2026-c")
        .await
        .1;
    let patient: PatientDetail = clerk
        .post("/patients", &json!({"name": "架空 記録", "kana": "カクウ キロク", "sex": "female", "birth_date": "1970-05-05", "confirm_duplicate": true}))
        .await
        .json();
    Clinic {
        tenant_id: provisioned.tenant_id,
        admin,
        doctor,
        nurse,
        clerk,
        patient,
    }
}

async fn user_id(client: &ApiClient) -> String {
    let res = client.get("/auth/session").await;
    res.body["user"]["user_id"].as_str().unwrap().to_string()
}

async fn new_note(client: &ApiClient, patient: &PatientDetail, date: &str) -> NoteDetail {
    let res = client
        .post(
            &format!("/patients/{}/notes", patient.patient_id),
            &json!({"visit_date": date}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

fn soap(s: &str, o: &str, a: &str, p: &str) -> serde_json::Value {
    json!({"subjective": s, "objective": o, "assessment": a, "plan": p})
}

async fn save(
    client: &ApiClient,
    note: &NoteId,
    base_revision: i64,
    base_version: i32,
    body: serde_json::Value,
) -> karte_tests::TestResponse {
    client
        .put(
            &format!("/notes/{note}/draft"),
            &json!({"base_revision": base_revision, "base_version": base_version, "soap": body}),
        )
        .await
}

async fn finalize(
    client: &ApiClient,
    note: &NoteId,
    revision: i64,
    reason: &str,
) -> karte_tests::TestResponse {
    client
        .post(
            &format!("/notes/{note}/finalize"),
            &json!({"revision": revision, "reason": reason}),
        )
        .await
}

#[tokio::test]
async fn a_note_is_drafted_finalised_and_amended_with_history_and_diff() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let note = new_note(&c.doctor, &c.patient, "2026-11-20").await;
    assert_eq!((note.status, note.versions.len()), (NoteStatus::Draft, 0));

    // Autosave: every save names the revision it was typed on.
    let res = save(&c.doctor, &note.note_id, 0, 0, soap("咳", "", "", "")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d1: NoteDraft = res.json();
    let d2: NoteDraft = save(
        &c.doctor,
        &note.note_id,
        d1.revision,
        0,
        soap(
            "咳が3日続く",
            "咽頭発赤あり\n胸部聴診異常なし",
            "急性上気道炎",
            "経過観察",
        ),
    )
    .await
    .json();
    assert!(d2.revision > d1.revision);
    // A save from an old revision (another tab, another person) is told, not applied.
    let stale = save(
        &c.nurse,
        &note.note_id,
        d1.revision,
        0,
        soap("上書き", "", "", ""),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.field_names(), ["base_revision"]);
    let now: NoteDetail = c
        .doctor
        .get(&format!("/notes/{}", note.note_id))
        .await
        .json();
    assert_eq!(now.draft.as_ref().unwrap().soap.subjective, "咳が3日続く");

    // Finalising an older revision than the newest is refused too.
    assert_eq!(
        finalize(&c.doctor, &note.note_id, d1.revision, "")
            .await
            .status,
        StatusCode::CONFLICT
    );
    let res = finalize(&c.doctor, &note.note_id, d2.revision, "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v1: NoteDetail = res.json();
    assert_eq!(v1.status, NoteStatus::Final);
    assert_eq!(v1.versions.len(), 1);
    assert!(v1.draft.is_none());
    assert!(v1.chain_intact);
    assert_eq!(v1.versions[0].soap.assessment, "急性上気道炎");

    // An amendment: a new draft based on version 1, a reason required.
    let res = save(&c.doctor, &note.note_id, 0, 0, soap("x", "", "", "")).await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "a draft must name the version it amends"
    );
    let d: NoteDraft = save(
        &c.doctor,
        &note.note_id,
        0,
        1,
        soap(
            "咳が3日続く",
            "咽頭発赤あり\n胸部聴診異常なし\nSpO2 97%",
            "急性気管支炎",
            "経過観察",
        ),
    )
    .await
    .json();
    let res = finalize(&c.doctor, &note.note_id, d.revision, "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["reason"]);
    let v2: NoteDetail = finalize(
        &c.doctor,
        &note.note_id,
        d.revision,
        "聴診所見の追記と評価の修正",
    )
    .await
    .json();
    assert_eq!(v2.status, NoteStatus::Amended);
    assert_eq!(
        v2.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(
        v2.versions[1].soap.assessment, "急性上気道炎",
        "version 1 is kept as it was"
    );
    assert_eq!(v2.versions[0].reason, "聴診所見の追記と評価の修正");
    assert!(v2.chain_intact);

    let diff: NoteDiff = c
        .doctor
        .get(&format!("/notes/{}/diff?from=1&to=2", note.note_id))
        .await
        .json();
    let section = |name: &str| {
        diff.sections
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, lines)| lines.clone())
            .unwrap()
    };
    assert_eq!(
        section("objective"),
        [
            DiffLine::Same("咽頭発赤あり".into()),
            DiffLine::Same("胸部聴診異常なし".into()),
            DiffLine::Added("SpO2 97%".into())
        ]
    );
    assert_eq!(
        section("assessment"),
        [
            DiffLine::Removed("急性上気道炎".into()),
            DiffLine::Added("急性気管支炎".into())
        ]
    );

    // The application role cannot change a finalised version, even by hand.
    let pool = app.app_pool().await;
    let mut tx = karte_tests::tenant_tx(&pool, c.tenant_id).await;
    let err = sqlx::query("update note_version set assessment = '改ざん'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("denied") || err.to_string().contains("append-only"),
        "{err}"
    );
    drop(tx);

    // Finalise and amend are audit events (ids and versions, no clinical text).
    let res = c.admin.get("/logs/audit?action=note_amend").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let text = res.body.to_string();
    assert!(text.contains(&note.note_id.to_string()), "{text}");
    assert!(
        !text.contains("気管支炎"),
        "no clinical text in the audit log"
    );
}

#[tokio::test]
async fn two_editors_of_one_note_are_told_and_neither_is_lost() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let note = new_note(&c.doctor, &c.patient, "2026-11-21").await;
    // Both open the empty note and type.
    let first = save(
        &c.doctor,
        &note.note_id,
        0,
        0,
        soap("医師の記載", "", "", ""),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = save(
        &c.nurse,
        &note.note_id,
        0,
        0,
        soap("看護師の記載", "", "", ""),
    )
    .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(second.body["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("両方"));
    // The second editor reads the newest and saves on top of it, keeping both texts.
    let now: NoteDetail = c
        .nurse
        .get(&format!("/notes/{}", note.note_id))
        .await
        .json();
    let draft = now.draft.unwrap();
    assert_eq!(draft.soap.subjective, "医師の記載");
    let merged = save(
        &c.nurse,
        &note.note_id,
        draft.revision,
        0,
        soap("医師の記載\n看護師の記載", "", "", ""),
    )
    .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    // Two finalisations of the same draft: one wins, the other is told.
    let rev = merged.json::<NoteDraft>().revision;
    let (a, b) = tokio::join!(
        finalize(&c.doctor, &note.note_id, rev, ""),
        finalize(&c.nurse, &note.note_id, rev, "")
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let done: NoteDetail = c
        .doctor
        .get(&format!("/notes/{}", note.note_id))
        .await
        .json();
    assert_eq!(done.versions.len(), 1);

    // A discarded draft's revision is never reused: a tab still holding it cannot write into
    // the next draft, nor delete it.
    let old: NoteDraft = save(&c.doctor, &note.note_id, 0, 1, soap("下書き1", "", "", ""))
        .await
        .json();
    let discard = |rev: i64| {
        let c = &c;
        let id = note.note_id;
        async move {
            let req = c
                .doctor
                .request(Method::DELETE, &format!("/notes/{id}/draft?revision={rev}"))
                .await
                .header("x-csrf-token", c.doctor.csrf());
            c.doctor.send(req).await.status
        }
    };
    assert_eq!(discard(old.revision).await, StatusCode::NO_CONTENT);
    let new: NoteDraft = save(&c.nurse, &note.note_id, 0, 1, soap("下書き2", "", "", ""))
        .await
        .json();
    assert_ne!(new.revision, old.revision);
    let res = save(
        &c.doctor,
        &note.note_id,
        old.revision,
        1,
        soap("古いタブ", "", "", ""),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(discard(old.revision).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_clerks_entry_stays_pending_until_the_doctor_approves_it() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let other_doctor = app
        .staff_session(
            &c.admin,
            CODE_A,
            "doctor2",
            "doctor",
            "doctor-secret-2026-d",
        )
        .await
        .1;
    let doctor_id = user_id(&c.doctor).await;
    let doctors: Vec<serde_json::Value> = c.clerk.get("/doctors").await.json();
    assert!(doctors.iter().any(|d| d["user_id"] == doctor_id.as_str()));

    let note = new_note(&c.clerk, &c.patient, "2026-11-22").await;
    // A clerk must name the doctor.
    let res = save(
        &c.clerk,
        &note.note_id,
        0,
        0,
        soap("口述どおり", "", "", ""),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["on_behalf_of"]);
    let res = c
        .clerk
        .put(
            &format!("/notes/{}/draft", note.note_id),
            &json!({"base_revision": 0, "base_version": 0, "on_behalf_of": doctor_id,
                    "soap": soap("頭痛あり", "", "緊張型頭痛", "鎮痛薬")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d: NoteDraft = res.json();
    // A nurse cannot sign the clerk's entry for the doctor.
    let res = finalize(&c.nurse, &note.note_id, d.revision, "").await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let pending: NoteDetail = finalize(&c.clerk, &note.note_id, d.revision, "")
        .await
        .json();
    assert_eq!(pending.status, NoteStatus::Pending);
    assert_eq!(
        pending.versions[0].on_behalf_of_id.map(|u| u.to_string()),
        Some(doctor_id.clone())
    );

    // In the doctor's queue, not the other doctor's; only that doctor approves.
    // Nobody else's amendment can take it out of the doctor's queue.
    let amend: NoteDraft = save(&c.nurse, &note.note_id, 0, 1, soap("追記", "", "", ""))
        .await
        .json();
    let res = finalize(&c.nurse, &note.note_id, amend.revision, "追記").await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.field_names(), ["version"]);
    let res = c
        .nurse
        .request(
            Method::DELETE,
            &format!("/notes/{}/draft?revision={}", note.note_id, amend.revision),
        )
        .await
        .header("x-csrf-token", c.nurse.csrf());
    assert_eq!(c.nurse.send(res).await.status, StatusCode::NO_CONTENT);
    let queue: Vec<PendingNote> = c.doctor.get("/notes/pending").await.json();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].note_id, note.note_id);
    let other: Vec<PendingNote> = other_doctor.get("/notes/pending").await.json();
    assert!(other.is_empty());
    let path = format!("/notes/{}/versions/1/approve", note.note_id);
    assert_eq!(
        other_doctor.post(&path, &json!({})).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        c.nurse.post(&path, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.clerk.post(&path, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let res = c.doctor.post(&path, &json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let approved: NoteDetail = res.json();
    assert_eq!(approved.status, NoteStatus::Final);
    assert!(approved.versions[0].approved_at.is_some());
    assert_eq!(
        c.doctor.post(&path, &json!({})).await.status,
        StatusCode::CONFLICT,
        "approved once"
    );
    let queue: Vec<PendingNote> = c.doctor.get("/notes/pending").await.json();
    assert!(queue.is_empty());
    // Clerks read notes for 代行入力 but not vitals or labs; administrators read no chart.
    assert_eq!(
        c.clerk
            .get(&format!("/patients/{}/vitals", c.patient.patient_id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.admin
            .get(&format!("/notes/{}", note.note_id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn masters_demo(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/masters-demo"
    ))
    .join(name)
}

#[tokio::test]
async fn diagnoses_come_from_the_masters_with_modifiers_and_are_dated_and_versioned() {
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    karte_server::cli::import_master_files(
        &owner,
        &[
            masters_demo("b_20240601.csv"),
            masters_demo("z_20240601.csv"),
        ],
    )
    .await
    .expect("demo 傷病名 and 修飾語");
    let c = clinic(&app, CODE_A).await;
    let path = format!("/patients/{}/diagnoses", c.patient.patient_id);

    // The picker finds names by カナ.
    let hits: Vec<serde_json::Value> = c
        .doctor
        .get("/masters/search?q=コウケツ&on=2026-01-10&kind=disease")
        .await
        .json();
    assert!(hits.iter().any(|h| h["code"] == "8833421"), "{hits:?}");

    // 慢性 (prefix) + 気管支喘息, 主病名.
    let res = c
        .doctor
        .post(&path, &json!({"disease_code": "4939008", "modifier_codes": ["4043"], "is_main": true, "start_date": "2025-04-01"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let asthma: Diagnosis = res.json();
    assert_eq!(asthma.name, "慢性気管支喘息");
    // A suffix and 疑い.
    let res = c
        .doctor
        .post(&path, &json!({"disease_code": "4860030", "modifier_codes": ["2058"], "suspected": true, "start_date": "2026-11-01"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let d: Diagnosis = res.json();
    assert_eq!(d.display_name(), format!("{}の疑い", d.name));
    // 未コード化傷病名.
    let res = c
        .doctor
        .post(&path, &json!({"free_name": "架空症候群", "start_date": "2026-10-01", "outcome": "cured", "end_date": "2026-10-20"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let free: Diagnosis = res.json();
    assert_eq!(
        (free.disease_code.as_deref(), free.name.as_str()),
        (None, "架空症候群")
    );

    // Wrong input is named field by field.
    for (body, field) in [
        (
            json!({"disease_code": "9999999", "start_date": "2026-01-01"}),
            "disease_code",
        ),
        (
            json!({"disease_code": "4939008", "modifier_codes": ["0000"], "start_date": "2026-01-01"}),
            "modifier_codes",
        ),
        (
            json!({"free_name": "", "start_date": "2026-01-01"}),
            "free_name",
        ),
        (
            json!({"free_name": "x", "start_date": "2026-01-01", "outcome": "cured"}),
            "end_date",
        ),
        (
            json!({"free_name": "x", "start_date": "2026-01-05", "outcome": "cured", "end_date": "2026-01-01"}),
            "end_date",
        ),
        (
            json!({"free_name": "x", "start_date": "someday"}),
            "start_date",
        ),
    ] {
        let res = c.doctor.post(&path, &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(res.field_names(), [field], "{body}");
    }
    assert_eq!(
        c.nurse
            .post(
                &path,
                &json!({"free_name": "x", "start_date": "2026-01-01"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "only doctors record diagnoses"
    );

    // "Active on D".
    let on = |d: &str| {
        let c = &c;
        let path = path.clone();
        let d = d.to_string();
        async move {
            let list: Vec<Diagnosis> = c.nurse.get(&format!("{path}?on={d}")).await.json();
            list.into_iter().map(|x| x.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(on("2026-10-10").await, ["慢性気管支喘息", "架空症候群"]);
    assert_eq!(on("2026-11-05").await.len(), 2);
    assert_eq!(on("2025-01-01").await, Vec::<String>::new());

    // A change is a new version with its reason; a stale base is refused.
    let change = json!({"disease_code": "4939008", "modifier_codes": ["4043"], "is_main": true,
                        "start_date": "2025-04-01", "outcome": "cured", "end_date": "2026-11-10",
                        "base_version": 1, "reason": "症状消失"});
    let res = c
        .doctor
        .put(&format!("/diagnoses/{}", asthma.diagnosis_id), &change)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json::<Diagnosis>().version, 2);
    let res = c
        .doctor
        .put(&format!("/diagnoses/{}", asthma.diagnosis_id), &change)
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let history: Vec<Diagnosis> = c
        .doctor
        .get(&format!("/diagnoses/{}/history", asthma.diagnosis_id))
        .await
        .json();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].outcome, None);
    assert_eq!(on("2026-11-05").await.len(), 2);
    assert_eq!(on("2026-11-20").await, vec![d.name.clone()]);
}

#[tokio::test]
async fn vitals_are_validated_warned_and_listed() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let path = format!("/patients/{}/vitals", c.patient.patient_id);
    let res = c
        .nurse
        .post(&path, &json!({"measured_at": "2026-11-20T09:30", "temperature": "38.6℃", "pulse": "96",
                             "systolic": "132", "diastolic": "84", "spo2": "95", "height": "158", "weight": "51.2"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let v: VitalRecord = res.json();
    assert_eq!(v.values.temperature_x10, Some(386));
    assert_eq!(v.measured_at, "2026-11-20T09:30");
    assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
    assert_eq!(v.warnings[0].field, "temperature");
    assert_eq!(v.values.bmi_x10(), Some(205));

    for (body, field) in [
        (
            json!({"measured_at": "2026-11-20T10:00", "temperature": "98.6"}),
            "temperature",
        ),
        (
            json!({"measured_at": "2026-11-20T10:00", "pulse": "abc"}),
            "pulse",
        ),
        (json!({"measured_at": "2026-11-20T10:00"}), "form"),
        (
            json!({"measured_at": "yesterday", "pulse": "70"}),
            "measured_at",
        ),
        (
            json!({"measured_at": "2099-01-01T10:00", "pulse": "70"}),
            "measured_at",
        ),
    ] {
        let res = c.nurse.post(&path, &body).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            res.body
        );
        assert_eq!(res.field_names(), [field], "{body}");
    }
    c.nurse
        .post(
            &path,
            &json!({"measured_at": "2026-11-21T06:00", "temperature": "37.1", "pulse": "80"}),
        )
        .await;
    let list: Vec<VitalRecord> = c
        .doctor
        .get(&format!("{path}?from=2026-11-20&to=2026-11-21"))
        .await
        .json();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].values.temperature_x10, Some(371));
    // A correction: a new entry with its reason replaces the old one in lists; the old one
    // stays in the record, and the same entry cannot be corrected twice.
    let res = c
        .nurse
        .post(&format!("/vitals/{}/correct", v.vital_id), &json!({"measured_at": "2026-11-20T09:30", "temperature": "36.8", "pulse": "96", "systolic": "132", "diastolic": "84", "spo2": "95", "height": "158", "weight": "51.2", "reason": ""}))
        .await;
    assert_eq!(res.field_names(), ["reason"]);
    let res = c
        .nurse
        .post(&format!("/vitals/{}/correct", v.vital_id), &json!({"measured_at": "2026-11-20T09:30", "temperature": "36.8", "pulse": "96", "systolic": "132", "diastolic": "84", "spo2": "95", "height": "158", "weight": "51.2", "reason": "体温計の読み違い"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let fixed: VitalRecord = res.json();
    assert_eq!(fixed.replaces, Some(v.vital_id));
    let again = c
        .nurse
        .post(
            &format!("/vitals/{}/correct", v.vital_id),
            &json!({"measured_at": "2026-11-20T09:30", "pulse": "90", "reason": "再訂正"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let day: Vec<VitalRecord> = c
        .doctor
        .get(&format!("{path}?from=2026-11-20&to=2026-11-20"))
        .await
        .json();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].values.temperature_x10, Some(368));
    assert_eq!(day[0].reason, "体温計の読み違い");
    let only_first: Vec<VitalRecord> = c
        .doctor
        .get(&format!("{path}?from=2026-11-20&to=2026-11-20"))
        .await
        .json();
    assert_eq!(only_first.len(), 1, "days are Japan days");
}

#[tokio::test]
async fn lab_results_are_entered_and_imported_all_or_nothing() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let path = format!("/patients/{}/labs", c.patient.patient_id);
    let res = c
        .doctor
        .post(&path, &json!({"results": [
            {"collected_on": "2026-11-20", "item_name": "HbA1c", "value": "7.4", "unit": "%", "reference_low": "4.6", "reference_high": "6.2"},
            {"collected_on": "2026-11-20", "item_name": "尿蛋白", "value": "(-)"}
        ]}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let recorded: LabsRecorded = res.json();
    assert_eq!(recorded.count, 2);
    let hba1c = recorded
        .results
        .iter()
        .find(|r| r.item_name == "HbA1c")
        .unwrap();
    assert_eq!(hba1c.flag.as_deref(), Some("H"));

    let res = c
        .doctor
        .post(
            &path,
            &json!({"results": [{"collected_on": "2026-11-20", "item_name": "", "value": "1"}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_names(), ["results[0].item_name"]);

    let csv = "採取日,項目コード,項目名,結果,単位,基準下限,基準上限\n\
               2026-10-20,3D045,HbA1c,7.9,%,4.6,6.2\n\
               2026-09-20,3D045,HbA1c,8.3,%,4.6,6.2\n";
    let import = |body: Vec<u8>| {
        let c = &c;
        let path = path.clone();
        async move {
            let req = c
                .doctor
                .request(Method::POST, &format!("{path}/import"))
                .await
                .header("content-type", "text/csv")
                .header("x-csrf-token", c.doctor.csrf())
                .body(body);
            c.doctor.send(req).await
        }
    };
    let res = import(csv.as_bytes().to_vec()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json::<LabsRecorded>().count, 2);
    // One bad row: nothing from the file is stored, and the line is named.
    let bad = format!("{csv}2026-09-21,,AST,30,U/L,abc,40\n");
    let res = import(bad.into_bytes()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body["fields"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("4行目"));
    let res = import(vec![0xff, 0x00, 0x81]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let all: Vec<serde_json::Value> = c
        .nurse
        .get(&format!("{path}?from=2026-01-01&to=2026-11-30"))
        .await
        .json();
    assert_eq!(all.len(), 4);
    let res = c.admin.get("/logs/audit?action=lab_import").await;
    assert_eq!(
        res.body["entries"].as_array().map(Vec::len),
        Some(1),
        "{}",
        res.body
    );
}

#[tokio::test]
async fn the_timeline_pages_newest_first_with_vitals_and_labs() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let base = time::macros::date!(2026 - 01 - 01);
    for i in 0..45 {
        let date = shared::domain::japanese::format_date(base + time::Duration::days(i * 3));
        let note = new_note(&c.doctor, &c.patient, &date).await;
        let d: NoteDraft = save(
            &c.doctor,
            &note.note_id,
            0,
            0,
            soap("", "", &format!("評価 {i}"), ""),
        )
        .await
        .json();
        if i % 2 == 0 {
            finalize(&c.doctor, &note.note_id, d.revision, "").await;
        }
    }
    c.nurse
        .post(
            &format!("/patients/{}/vitals", c.patient.patient_id),
            &json!({"measured_at": "2026-05-10T10:00", "pulse": "70"}),
        )
        .await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c2) => format!(
                "/patients/{}/chart?limit=20&cursor={c2}",
                c.patient.patient_id
            ),
            None => format!("/patients/{}/chart?limit=20", c.patient.patient_id),
        };
        let res = c.doctor.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page: TimelinePage = res.json();
        pages += 1;
        seen.extend(page.entries);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 45);
    assert!(
        seen.windows(2).all(|w| w[0].visit_date > w[1].visit_date),
        "newest first"
    );
    assert_eq!(seen[0].summary, "評価 44");
    assert_eq!(seen[0].status, NoteStatus::Final);
    assert_eq!(seen[1].status, NoteStatus::Draft);
    let with_vitals = seen
        .iter()
        .find(|e| e.visit_date == "2026-05-10")
        .expect("day 129");
    assert_eq!(with_vitals.vitals.and_then(|v| v.pulse), Some(70));
    assert_eq!(
        c.doctor
            .get(&format!(
                "/patients/{}/chart?cursor=junk",
                c.patient.patient_id
            ))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn printing_the_chart_is_audited_and_another_institution_sees_nothing() {
    let app = TestApp::spawn().await;
    let c = clinic(&app, CODE_A).await;
    let other = clinic(&app, CODE_B).await;
    let note = new_note(&c.doctor, &c.patient, "2026-11-20").await;
    let d: NoteDraft = save(&c.doctor, &note.note_id, 0, 0, soap("S", "O", "A", "P"))
        .await
        .json();
    finalize(&c.doctor, &note.note_id, d.revision, "").await;

    let res = c
        .doctor
        .post(
            &format!("/patients/{}/chart/prints", c.patient.patient_id),
            &json!({"from": "2026-11-01", "to": "2026-11-30"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(res.body["patient_name"], "架空 記録");
    let audit = c.admin.get("/logs/audit?action=chart_print").await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(1),
        "{}",
        audit.body
    );

    // The other institution's doctor: every path is 404, as if nothing existed.
    for path in [
        format!("/notes/{}", note.note_id),
        format!("/patients/{}/chart", c.patient.patient_id),
        format!("/patients/{}/vitals", c.patient.patient_id),
        format!("/patients/{}/diagnoses", c.patient.patient_id),
    ] {
        assert_eq!(
            other.doctor.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let res = save(&other.doctor, &note.note_id, 1, 1, soap("x", "", "", "")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = other
        .doctor
        .post(
            &format!("/patients/{}/notes", c.patient.patient_id),
            &json!({"visit_date": "2026-11-20"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let _ = other.patient;
}
