//! カルテ: timeline, notes, diagnoses, vitals, labs and the audited print.

use super::{delete, get, post, post_bytes, put, ApiFailure};
use shared::api::chart::{
    ChartPrint, CreateNote, Diagnosis, DiagnosisInput, DoctorSummary, FinalizeNote, LabRecord,
    LabsRecorded, NoteDetail, NoteDraft, PendingNote, PrintChart, RecordLabs, RecordVitals,
    SaveDraft, TimelinePage, VitalRecord,
};
use shared::ids::{DiagnosisId, NoteId, PatientId, VitalId};

pub async fn timeline(
    patient: PatientId,
    cursor: Option<&str>,
) -> Result<TimelinePage, ApiFailure> {
    match cursor {
        Some(c) => get(&format!("/patients/{patient}/chart?limit=20&cursor={c}")).await,
        None => get(&format!("/patients/{patient}/chart?limit=20")).await,
    }
}

pub async fn create_note(
    csrf: &str,
    patient: PatientId,
    body: &CreateNote,
) -> Result<NoteDetail, ApiFailure> {
    post(&format!("/patients/{patient}/notes"), csrf, body).await
}

pub async fn note(id: NoteId) -> Result<NoteDetail, ApiFailure> {
    get(&format!("/notes/{id}")).await
}

pub async fn save_draft(csrf: &str, id: NoteId, body: &SaveDraft) -> Result<NoteDraft, ApiFailure> {
    put(&format!("/notes/{id}/draft"), csrf, body).await
}

pub async fn discard_draft(csrf: &str, id: NoteId, revision: i64) -> Result<(), ApiFailure> {
    delete(&format!("/notes/{id}/draft?revision={revision}"), csrf).await
}

pub async fn finalize(
    csrf: &str,
    id: NoteId,
    body: &FinalizeNote,
) -> Result<NoteDetail, ApiFailure> {
    post(&format!("/notes/{id}/finalize"), csrf, body).await
}

pub async fn approve(csrf: &str, id: NoteId, version: i32) -> Result<NoteDetail, ApiFailure> {
    post(
        &format!("/notes/{id}/versions/{version}/approve"),
        csrf,
        &serde_json::json!({}),
    )
    .await
}

pub async fn pending() -> Result<Vec<PendingNote>, ApiFailure> {
    get("/notes/pending").await
}

pub async fn doctors() -> Result<Vec<DoctorSummary>, ApiFailure> {
    get("/doctors").await
}

pub async fn diagnoses(patient: PatientId, on: Option<&str>) -> Result<Vec<Diagnosis>, ApiFailure> {
    match on {
        Some(d) => get(&format!("/patients/{patient}/diagnoses?on={d}")).await,
        None => get(&format!("/patients/{patient}/diagnoses")).await,
    }
}

pub async fn record_diagnosis(
    csrf: &str,
    patient: PatientId,
    body: &DiagnosisInput,
) -> Result<Diagnosis, ApiFailure> {
    post(&format!("/patients/{patient}/diagnoses"), csrf, body).await
}

pub async fn change_diagnosis(
    csrf: &str,
    id: DiagnosisId,
    body: &DiagnosisInput,
) -> Result<Diagnosis, ApiFailure> {
    put(&format!("/diagnoses/{id}"), csrf, body).await
}

pub async fn vitals(
    patient: PatientId,
    from: &str,
    to: &str,
) -> Result<Vec<VitalRecord>, ApiFailure> {
    get(&format!("/patients/{patient}/vitals?from={from}&to={to}")).await
}

pub async fn record_vitals(
    csrf: &str,
    patient: PatientId,
    body: &RecordVitals,
) -> Result<VitalRecord, ApiFailure> {
    post(&format!("/patients/{patient}/vitals"), csrf, body).await
}

pub async fn correct_vitals(
    csrf: &str,
    vital: VitalId,
    body: &shared::api::chart::CorrectVitals,
) -> Result<VitalRecord, ApiFailure> {
    post(&format!("/vitals/{vital}/correct"), csrf, body).await
}

pub async fn labs(patient: PatientId, from: &str, to: &str) -> Result<Vec<LabRecord>, ApiFailure> {
    get(&format!("/patients/{patient}/labs?from={from}&to={to}")).await
}

pub async fn record_labs(
    csrf: &str,
    patient: PatientId,
    body: &RecordLabs,
) -> Result<LabsRecorded, ApiFailure> {
    post(&format!("/patients/{patient}/labs"), csrf, body).await
}

pub async fn import_labs(
    csrf: &str,
    patient: PatientId,
    bytes: &[u8],
) -> Result<LabsRecorded, ApiFailure> {
    post_bytes(
        &format!("/patients/{patient}/labs/import"),
        csrf,
        "text/csv",
        bytes,
    )
    .await
}

pub async fn print(
    csrf: &str,
    patient: PatientId,
    body: &PrintChart,
) -> Result<ChartPrint, ApiFailure> {
    post(&format!("/patients/{patient}/chart/prints"), csrf, body).await
}

/// The same print as a PDF kept by the server (`GET /prints/{id}/pdf` hands it out).
pub async fn print_pdf(
    csrf: &str,
    patient: PatientId,
    body: &PrintChart,
) -> Result<shared::api::chart::PrintRef, ApiFailure> {
    post(&format!("/patients/{patient}/chart/prints/pdf"), csrf, body).await
}
