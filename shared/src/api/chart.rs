//! カルテ: notes, diagnoses, vital signs, lab results, the timeline and the print bundle.
//! Dates are `YYYY-MM-DD` (JST calendar days); times are RFC 3339 from the server's clock.

use crate::domain::chart::{DiffLine, LabInput, Soap, VitalWarning, Vitals, VitalsInput};
pub use crate::domain::diagnosis::{DiagnosisInput, Outcome};
use crate::ids::{DiagnosisId, LabId, NoteId, PatientId, ReceptionId, UserId, VitalId};
use serde::{Deserialize, Serialize};

/// Most timeline entries one request returns.
pub const TIMELINE_PAGE_MAX: u32 = 50;

/// Start a note for a visit day (`POST /patients/{id}/notes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateNote {
    pub visit_date: String,
    /// The visit (受付) the note belongs to, if any.
    #[serde(default)]
    pub reception_id: Option<String>,
}

/// The state of a note's newest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteStatus {
    /// Nothing finalised yet.
    Draft,
    /// 確定.
    Final,
    /// 確定 after an amendment (version > 1).
    Amended,
    /// 代行入力 waiting for the doctor's approval.
    Pending,
}

impl NoteStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Draft => "下書き",
            Self::Final => "確定",
            Self::Amended => "修正確定",
            Self::Pending => "承認待ち（代行入力）",
        }
    }
}

/// One finalised version of a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteVersion {
    pub version: i32,
    pub soap: Soap,
    pub author_id: UserId,
    pub author: String,
    /// 代行入力: the doctor it was entered for.
    pub on_behalf_of_id: Option<UserId>,
    pub on_behalf_of: Option<String>,
    /// When approved (代行入力 only), by whom.
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    /// Why it was amended (empty for version 1).
    pub reason: String,
    pub created_at: String,
    /// Hex SHA-256 of this version, chained to the previous one.
    pub hash: String,
}

impl NoteVersion {
    pub fn is_pending(&self) -> bool {
        self.on_behalf_of_id.is_some() && self.approved_at.is_none()
    }
}

/// The working copy being typed, saved as the user types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteDraft {
    /// The version it amends (0: none yet).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// Changes with every save and is never reused; a save names the revision it was typed on.
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    pub soap: Soap,
    pub author_id: UserId,
    pub author: String,
    pub on_behalf_of_id: Option<UserId>,
    pub updated_at: String,
}

/// A note with every version, newest first, and its draft if one is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteDetail {
    pub note_id: NoteId,
    pub patient_id: PatientId,
    pub visit_date: String,
    pub reception_id: Option<ReceptionId>,
    pub status: NoteStatus,
    pub versions: Vec<NoteVersion>,
    pub draft: Option<NoteDraft>,
    /// Whether every version's hash matches its content and its predecessor.
    pub chain_intact: bool,
}

impl NoteDetail {
    pub fn current_version(&self) -> i32 {
        self.versions.first().map_or(0, |v| v.version)
    }
}

/// Save the draft (`PUT /notes/{id}/draft`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveDraft {
    /// The draft revision this text was typed on (0: no draft yet).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub base_revision: i64,
    /// The version it amends (0: none yet).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub soap: Soap,
    /// 代行入力: the doctor a clerk enters for (required for clerks, ignored for others).
    #[serde(default)]
    pub on_behalf_of: Option<String>,
}

/// Finalise the draft (`POST /notes/{id}/finalize`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeNote {
    /// The draft revision being finalised (it must be the newest).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    /// Why it is amended; required when the note already has a version.
    #[serde(default)]
    pub reason: String,
}

/// Approve a 代行入力 version (`POST /notes/{id}/versions/{v}/approve`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveNote {}

/// The differences between two versions of a note, per section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteDiff {
    pub from_version: i32,
    pub to_version: i32,
    /// (section field name, lines).
    pub sections: Vec<(String, Vec<DiffLine>)>,
}

/// An entry of the chart's timeline: one note (visit), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub note_id: NoteId,
    pub visit_date: String,
    pub status: NoteStatus,
    pub version: i32,
    pub author: String,
    pub summary: String,
    pub has_draft: bool,
    /// That day's last vital signs, if any.
    pub vitals: Option<Vitals>,
    /// How many lab results were collected that day, and how many flagged H/L.
    pub lab_count: i32,
    pub lab_flagged: i32,
}

/// A page of the timeline; `next` is the cursor for older entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next: Option<String>,
}

/// A diagnosis, newest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub diagnosis_id: DiagnosisId,
    pub version: i32,
    pub disease_code: Option<String>,
    pub modifier_codes: Vec<String>,
    /// The full name (with 修飾語; 疑い shown separately).
    pub name: String,
    pub is_main: bool,
    pub suspected: bool,
    pub start_date: String,
    pub outcome: Option<Outcome>,
    pub end_date: Option<String>,
    pub reason: String,
    pub author: String,
    pub created_at: String,
}

impl Diagnosis {
    /// The name as printed: `…の疑い` for suspected.
    pub fn display_name(&self) -> String {
        if self.suspected {
            format!("{}の疑い", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// Record vital signs (`POST /patients/{id}/vitals`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVitals {
    /// When measured, JST: `YYYY-MM-DDTHH:MM`.
    pub measured_at: String,
    #[serde(flatten)]
    pub values: VitalsInput,
}

/// Correct recorded vital signs (`POST /vitals/{id}/correct`): a new entry that replaces the
/// old one in lists and charts; the old one stays in the record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectVitals {
    #[serde(flatten)]
    pub vitals: RecordVitals,
    pub reason: String,
}

/// Stored vital signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalRecord {
    pub vital_id: VitalId,
    /// The entry this one corrects, and why.
    #[serde(default)]
    pub replaces: Option<VitalId>,
    #[serde(default)]
    pub reason: String,
    /// JST `YYYY-MM-DDTHH:MM`.
    pub measured_at: String,
    pub values: Vitals,
    pub author: String,
    pub created_at: String,
    /// Warnings for values outside the usual range (on the answer to a save).
    #[serde(default)]
    pub warnings: Vec<VitalWarning>,
}

/// Record lab results (`POST /patients/{id}/labs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLabs {
    pub results: Vec<LabInput>,
}

/// A stored lab result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabRecord {
    pub lab_id: LabId,
    pub collected_on: String,
    pub item_code: String,
    pub item_name: String,
    pub value: String,
    pub numeric_value: Option<f64>,
    pub unit: String,
    pub reference_low: Option<f64>,
    pub reference_high: Option<f64>,
    pub flag: Option<String>,
    pub source: String,
    pub author: String,
}

/// What `POST /patients/{id}/labs` and `/labs/import` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabsRecorded {
    pub count: usize,
    pub results: Vec<LabRecord>,
}

/// Ask for a print of the chart (`POST /patients/{id}/chart/prints`); the print is audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintChart {
    /// One visit's note, or every note of the period.
    #[serde(default)]
    pub note_id: Option<String>,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// Everything a print shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPrint {
    pub patient_number: String,
    pub patient_name: String,
    pub patient_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub from: String,
    pub to: String,
    /// Notes, oldest first, each with every version.
    pub notes: Vec<NoteDetail>,
    /// Diagnoses active at some time in the period.
    pub diagnoses: Vec<Diagnosis>,
    pub vitals: Vec<VitalRecord>,
    pub labs: Vec<LabRecord>,
    /// Orders of the period, oldest first, each with every version (処方・検査・処置・注射 are part
    /// of the 診療録).
    #[serde(default)]
    pub orders: Vec<crate::api::orders::OrderDetail>,
    /// The names and units of the codes the orders name, from the masters in force on each
    /// order's day: `(code, name, unit)`.
    #[serde(default)]
    pub names: Vec<(String, String, String)>,
    pub printed_at: String,
    pub printed_by: String,
}

/// A generated print (`POST /patients/{id}/chart/prints/pdf`): its PDF is
/// `GET /prints/{print_id}/pdf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintRef {
    pub print_id: crate::ids::PrintId,
}

/// A doctor, for the 代行入力 picker (`GET /doctors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorSummary {
    pub user_id: UserId,
    pub display_name: String,
}

/// A 代行入力 waiting for the signed-in doctor's approval (`GET /notes/pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingNote {
    pub note_id: NoteId,
    pub version: i32,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub visit_date: String,
    pub author: String,
    pub created_at: String,
}

/// The section field names of a note, for diffs and errors.
pub fn soap_sections(soap: &Soap) -> [(&'static str, &str); 4] {
    let [a, b, c, d] = soap.sections();
    [(a.0, a.2), (b.0, b.2), (c.0, c.2), (d.0, d.2)]
}

/// The per-section diff between two versions' notes.
pub fn diff_notes(from: &NoteVersion, to: &NoteVersion) -> NoteDiff {
    let sections = soap_sections(&from.soap)
        .into_iter()
        .zip(soap_sections(&to.soap))
        .map(|((field, old), (_, new))| {
            (field.to_string(), crate::domain::chart::line_diff(old, new))
        })
        .collect();
    NoteDiff {
        from_version: from.version,
        to_version: to.version,
        sections,
    }
}
