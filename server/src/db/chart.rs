//! カルテ storage: notes (append-only versions chained by SHA-256, one working draft guarded by
//! its revision), 代行入力 approvals, diagnoses, vital signs and lab results. All queries go
//! through [`TenantTx`]; row-level security confines them to the institution.

use super::TenantTx;
use sha2::{Digest, Sha256};
use shared::api::chart::{
    Diagnosis, LabRecord, NoteDetail, NoteDraft, NoteStatus, NoteVersion, Outcome, TimelineEntry,
    VitalRecord,
};
use shared::domain::chart::{LabChecked, Soap, Vitals};
use shared::domain::japanese::format_date;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A unique or exclusion violation: someone else wrote the same version first.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

#[derive(Debug, Clone, FromRow)]
pub struct NoteHead {
    pub note_id: Uuid,
    pub patient_id: Uuid,
    pub reception_id: Option<Uuid>,
    pub visit_date: Date,
}

pub async fn create_note(
    tx: &mut TenantTx,
    patient: Uuid,
    reception: Option<Uuid>,
    visit_date: Date,
    by: Uuid,
) -> Result<NoteHead, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_as(
        "insert into clinical_note (tenant_id, note_id, patient_id, reception_id, visit_date, created_by) \
         values ($1, $2, $3, $4, $5, $6) returning note_id, patient_id, reception_id, visit_date",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(patient)
    .bind(reception)
    .bind(visit_date)
    .bind(by)
    .fetch_one(tx.conn())
    .await
}

pub async fn find_note(tx: &mut TenantTx, note: Uuid) -> Result<Option<NoteHead>, sqlx::Error> {
    sqlx::query_as(
        "select note_id, patient_id, reception_id, visit_date from clinical_note where note_id = $1",
    )
    .bind(note)
    .fetch_optional(tx.conn())
    .await
}

#[derive(Debug, Clone, FromRow)]
struct VersionRow {
    version: i32,
    subjective: String,
    objective: String,
    assessment: String,
    plan: String,
    author_user_id: Uuid,
    author: Option<String>,
    on_behalf_of: Option<Uuid>,
    on_behalf_of_name: Option<String>,
    reason: String,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
    created_at: OffsetDateTime,
    approved_at: Option<OffsetDateTime>,
    approved_by: Option<String>,
}

impl VersionRow {
    fn soap(&self) -> Soap {
        Soap {
            subjective: self.subjective.clone(),
            objective: self.objective.clone(),
            assessment: self.assessment.clone(),
            plan: self.plan.clone(),
        }
    }

    fn detail(&self) -> NoteVersion {
        NoteVersion {
            version: self.version,
            soap: self.soap(),
            author_id: self.author_user_id.to_string(),
            author: self.author.clone().unwrap_or_default(),
            on_behalf_of_id: self.on_behalf_of.map(|u| u.to_string()),
            on_behalf_of: self.on_behalf_of_name.clone(),
            approved_at: self.approved_at.map(crate::clock::rfc3339),
            approved_by: self.approved_by.clone(),
            reason: self.reason.clone(),
            created_at: crate::clock::rfc3339(self.created_at),
            hash: hex(&self.hash),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a version's hash covers: the previous hash, the note, the version and everything the
/// version says, in a fixed order (JSON of a fixed struct, so text cannot shift between fields).
pub struct VersionContent<'a> {
    pub note_id: Uuid,
    pub version: i32,
    pub soap: &'a Soap,
    pub author: Uuid,
    pub on_behalf_of: Option<Uuid>,
    pub reason: &'a str,
    pub created_at: OffsetDateTime,
}

pub fn version_hash(prev: Option<&[u8]>, content: &VersionContent<'_>) -> Vec<u8> {
    let body = serde_json::json!([
        content.note_id.to_string(),
        content.version,
        content.soap.subjective,
        content.soap.objective,
        content.soap.assessment,
        content.soap.plan,
        content.author.to_string(),
        content.on_behalf_of.map(|u| u.to_string()),
        content.reason,
        crate::clock::rfc3339(content.created_at),
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev.unwrap_or(&[]));
    hasher.update(body.to_string().as_bytes());
    hasher.finalize().to_vec()
}

const VERSION_COLUMNS: &str = "v.version, v.subjective, v.objective, v.assessment, v.plan, \
     v.author_user_id, au.display_name as author, v.on_behalf_of, ob.display_name as on_behalf_of_name, \
     v.reason, v.prev_hash, v.hash, v.created_at, a.approved_at, ap.display_name as approved_by";

const VERSION_FROM: &str = "from note_version v \
     left join app_user au on au.user_id = v.author_user_id \
     left join app_user ob on ob.user_id = v.on_behalf_of \
     left join note_approval a on a.note_id = v.note_id and a.version = v.version \
     left join app_user ap on ap.user_id = a.approved_by";

async fn version_rows(tx: &mut TenantTx, note: Uuid) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {VERSION_COLUMNS} {VERSION_FROM} where v.note_id = $1 order by v.version desc"
    ))
    .bind(note)
    .fetch_all(tx.conn())
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DraftRow {
    pub base_version: i32,
    pub revision: i64,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub author_user_id: Uuid,
    pub author: Option<String>,
    pub on_behalf_of: Option<Uuid>,
    pub updated_at: OffsetDateTime,
}

impl DraftRow {
    pub fn soap(&self) -> Soap {
        Soap {
            subjective: self.subjective.clone(),
            objective: self.objective.clone(),
            assessment: self.assessment.clone(),
            plan: self.plan.clone(),
        }
    }

    pub fn detail(&self) -> NoteDraft {
        NoteDraft {
            base_version: self.base_version,
            revision: self.revision,
            soap: self.soap(),
            author_id: self.author_user_id.to_string(),
            author: self.author.clone().unwrap_or_default(),
            on_behalf_of_id: self.on_behalf_of.map(|u| u.to_string()),
            updated_at: crate::clock::rfc3339(self.updated_at),
        }
    }
}

pub async fn draft(tx: &mut TenantTx, note: Uuid) -> Result<Option<DraftRow>, sqlx::Error> {
    sqlx::query_as(
        "select d.base_version, d.revision, d.subjective, d.objective, d.assessment, d.plan, \
         d.author_user_id, u.display_name as author, d.on_behalf_of, d.updated_at \
         from note_draft d left join app_user u on u.user_id = d.author_user_id where d.note_id = $1",
    )
    .bind(note)
    .fetch_optional(tx.conn())
    .await
}

fn status_of(versions: &[NoteVersion]) -> NoteStatus {
    match versions.first() {
        None => NoteStatus::Draft,
        Some(v) if v.is_pending() => NoteStatus::Pending,
        Some(v) if v.version > 1 => NoteStatus::Amended,
        Some(_) => NoteStatus::Final,
    }
}

/// The note with every version (newest first), its draft, and whether its hash chain holds.
pub async fn detail(tx: &mut TenantTx, head: &NoteHead) -> Result<NoteDetail, sqlx::Error> {
    let rows = version_rows(tx, head.note_id).await?;
    let draft = draft(tx, head.note_id).await?;
    let mut chain_intact = true;
    let mut prev: Option<Vec<u8>> = None;
    for row in rows.iter().rev() {
        let expected = version_hash(
            prev.as_deref(),
            &VersionContent {
                note_id: head.note_id,
                version: row.version,
                soap: &row.soap(),
                author: row.author_user_id,
                on_behalf_of: row.on_behalf_of,
                reason: &row.reason,
                created_at: row.created_at,
            },
        );
        if row.prev_hash != prev || expected != row.hash {
            chain_intact = false;
        }
        prev = Some(row.hash.clone());
    }
    let versions: Vec<NoteVersion> = rows.iter().map(VersionRow::detail).collect();
    Ok(NoteDetail {
        note_id: head.note_id.to_string(),
        patient_id: head.patient_id.to_string(),
        visit_date: format_date(head.visit_date),
        reception_id: head.reception_id.map(|u| u.to_string()),
        status: status_of(&versions),
        versions,
        draft: draft.map(|d| d.detail()),
        chain_intact,
    })
}

/// The newest version's number and hash (0 and none before the first).
pub async fn head_version(
    tx: &mut TenantTx,
    note: Uuid,
) -> Result<(i32, Option<Vec<u8>>), sqlx::Error> {
    let row: Option<(i32, Vec<u8>)> = sqlx::query_as(
        "select version, hash from note_version where note_id = $1 order by version desc limit 1",
    )
    .bind(note)
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some((v, h)) => (v, Some(h)),
        None => (0, None),
    })
}

/// Serialises the writes of one note (draft saves, 確定, discards) until the transaction ends,
/// so a save and a finalisation cannot interleave. (Row locks need an UPDATE grant the
/// application role does not have on the append-only tables.)
pub async fn lock_note(tx: &mut TenantTx, note: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('note:' || $1::text, 0))")
        .bind(note)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Saves the draft if nobody saved since `base_revision` (0: there must be no draft yet).
/// Returns the new revision, or `None` when the draft moved on (a conflict).
pub async fn save_draft(
    tx: &mut TenantTx,
    note: Uuid,
    base_revision: i64,
    base_version: i32,
    soap: &Soap,
    author: Uuid,
    on_behalf_of: Option<Uuid>,
) -> Result<Option<i64>, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let revision = next_draft_revision(tx, note).await?;
    if base_revision == 0 {
        sqlx::query_scalar(
            "insert into note_draft (tenant_id, note_id, base_version, revision, subjective, objective, \
             assessment, plan, author_user_id, on_behalf_of) \
             values ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9) \
             on conflict (tenant_id, note_id) do nothing returning revision",
        )
        .bind(tenant)
        .bind(note)
        .bind(base_version)
        .bind(&soap.subjective)
        .bind(&soap.objective)
        .bind(&soap.assessment)
        .bind(&soap.plan)
        .bind(author)
        .bind(on_behalf_of)
        .bind(revision)
        .fetch_optional(tx.conn())
        .await
    } else {
        sqlx::query_scalar(
            "update note_draft set revision = $10, subjective = $3, objective = $4, \
             assessment = $5, plan = $6, author_user_id = $7, on_behalf_of = $8, updated_at = now() \
             where note_id = $1 and revision = $2 and base_version = $9 returning revision",
        )
        .bind(note)
        .bind(base_revision)
        .bind(&soap.subjective)
        .bind(&soap.objective)
        .bind(&soap.assessment)
        .bind(&soap.plan)
        .bind(author)
        .bind(on_behalf_of)
        .bind(base_version)
        .bind(revision)
        .fetch_optional(tx.conn())
        .await
    }
}

/// The note's next draft revision: its own counter (never shared between notes or
/// institutions, never reused after a discard). A note older than the per-note counters starts
/// above every revision the former shared sequence gave out (migration 16), and above its own
/// draft's revision (a server of the former release may have given one out after the floor was
/// read).
async fn next_draft_revision(tx: &mut TenantTx, note: Uuid) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_scalar(
        "insert into note_draft_counter (tenant_id, note_id, last_revision) \
         select n.tenant_id, n.note_id, 1 + greatest( \
             case when n.created_at < f.migrated_at then f.floor else 0 end, \
             coalesce((select d.revision from note_draft d \
                       where d.tenant_id = n.tenant_id and d.note_id = n.note_id), 0)) \
         from clinical_note n cross join note_draft_revision_floor f \
         where n.tenant_id = $1 and n.note_id = $2 \
         on conflict (tenant_id, note_id) do update set last_revision = note_draft_counter.last_revision + 1 \
         returning last_revision",
    )
    .bind(tenant)
    .bind(note)
    .fetch_one(tx.conn())
    .await
}

/// Removes the draft at `revision` (after it became a version, or when discarded).
pub async fn delete_draft(
    tx: &mut TenantTx,
    note: Uuid,
    revision: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from note_draft where note_id = $1 and revision = $2")
        .bind(note)
        .bind(revision)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Appends a version. A unique violation means another version with that number was written
/// first (the caller's base is stale).
pub async fn insert_version(
    tx: &mut TenantTx,
    content: &VersionContent<'_>,
    prev_hash: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let hash = version_hash(prev_hash, content);
    sqlx::query(
        "insert into note_version (tenant_id, note_id, version, subjective, objective, assessment, \
         plan, author_user_id, on_behalf_of, reason, prev_hash, hash, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tenant)
    .bind(content.note_id)
    .bind(content.version)
    .bind(&content.soap.subjective)
    .bind(&content.soap.objective)
    .bind(&content.soap.assessment)
    .bind(&content.soap.plan)
    .bind(content.author)
    .bind(content.on_behalf_of)
    .bind(content.reason)
    .bind(prev_hash)
    .bind(hash)
    .bind(content.created_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The doctor a version was entered for and whether it is approved: `None` if no such version.
pub async fn proxy_of(
    tx: &mut TenantTx,
    note: Uuid,
    version: i32,
) -> Result<Option<(Option<Uuid>, bool)>, sqlx::Error> {
    sqlx::query_as(
        "select v.on_behalf_of, a.version is not null from note_version v \
         left join note_approval a on a.note_id = v.note_id and a.version = v.version \
         where v.note_id = $1 and v.version = $2",
    )
    .bind(note)
    .bind(version)
    .fetch_optional(tx.conn())
    .await
}

pub async fn approve(
    tx: &mut TenantTx,
    note: Uuid,
    version: i32,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into note_approval (tenant_id, note_id, version, approved_by) values ($1, $2, $3, $4)",
    )
    .bind(tenant)
    .bind(note)
    .bind(version)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// 代行入力 versions entered for `doctor` and not yet approved, oldest first.
pub async fn pending_for(
    tx: &mut TenantTx,
    doctor: Uuid,
) -> Result<Vec<shared::api::chart::PendingNote>, sqlx::Error> {
    type Row = (
        Uuid,
        i32,
        Uuid,
        String,
        Date,
        Option<String>,
        OffsetDateTime,
    );
    let rows: Vec<Row> =
        sqlx::query_as(
            "select v.note_id, v.version, n.patient_id, p.name, n.visit_date, u.display_name, v.created_at \
             from note_version v join clinical_note n on n.note_id = v.note_id \
             join patient p on p.patient_id = n.patient_id \
             left join app_user u on u.user_id = v.author_user_id \
             left join note_approval a on a.note_id = v.note_id and a.version = v.version \
             where v.on_behalf_of = $1 and a.version is null \
               and v.version = (select max(version) from note_version w where w.note_id = v.note_id) \
             order by v.created_at limit 200",
        )
        .bind(doctor)
        .fetch_all(tx.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(note, version, patient, name, date, author, at)| shared::api::chart::PendingNote {
                note_id: note.to_string(),
                version,
                patient_id: patient.to_string(),
                patient_name: name,
                visit_date: format_date(date),
                author: author.unwrap_or_default(),
                created_at: crate::clock::rfc3339(at),
            },
        )
        .collect())
}

#[derive(Debug, FromRow)]
struct TimelineRow {
    note_id: Uuid,
    visit_date: Date,
    version: Option<i32>,
    subjective: Option<String>,
    objective: Option<String>,
    assessment: Option<String>,
    plan: Option<String>,
    author: Option<String>,
    pending: Option<bool>,
    draft_subjective: Option<String>,
    draft_assessment: Option<String>,
    draft_author: Option<String>,
    temperature_x10: Option<i32>,
    pulse: Option<i32>,
    systolic: Option<i32>,
    diastolic: Option<i32>,
    respiration: Option<i32>,
    spo2: Option<i32>,
    height_x10: Option<i32>,
    weight_x10: Option<i32>,
    has_vitals: Option<bool>,
    lab_count: i64,
    lab_flagged: i64,
}

/// One page of the patient's timeline, newest first, starting after the cursor
/// `(visit_date, note_id)` if given. Summaries only: the full note is read when opened.
pub async fn timeline(
    tx: &mut TenantTx,
    patient: Uuid,
    after: Option<(Date, Uuid)>,
    limit: i64,
) -> Result<Vec<(TimelineEntry, Date, Uuid)>, sqlx::Error> {
    let rows: Vec<TimelineRow> = sqlx::query_as(
        "select n.note_id, n.visit_date, v.version, \
           left(v.subjective, 400) as subjective, left(v.objective, 400) as objective, \
           left(v.assessment, 400) as assessment, left(v.plan, 400) as plan, \
           au.display_name as author, (v.on_behalf_of is not null and ap.version is null) as pending, \
           left(d.subjective, 400) as draft_subjective, left(d.assessment, 400) as draft_assessment, \
           du.display_name as draft_author, \
           vs.temperature_x10, vs.pulse, vs.systolic, vs.diastolic, vs.respiration, vs.spo2, \
           vs.height_x10, vs.weight_x10, vs.vital_id is not null as has_vitals, \
           coalesce(l.lab_count, 0) as lab_count, coalesce(l.lab_flagged, 0) as lab_flagged \
         from clinical_note n \
         left join lateral (select * from note_version w where w.note_id = n.note_id \
             order by w.version desc limit 1) v on true \
         left join app_user au on au.user_id = v.author_user_id \
         left join note_approval ap on ap.note_id = v.note_id and ap.version = v.version \
         left join note_draft d on d.note_id = n.note_id \
         left join app_user du on du.user_id = d.author_user_id \
         left join lateral (select * from vital_sign s where s.patient_id = n.patient_id \
             and s.measured_at >= (n.visit_date::timestamp at time zone 'Asia/Tokyo') \
             and s.measured_at < ((n.visit_date + 1)::timestamp at time zone 'Asia/Tokyo') \
             and not exists (select 1 from vital_sign r where r.replaces = s.vital_id and r.patient_id = s.patient_id) \
             order by s.measured_at desc limit 1) vs on true \
         left join lateral (select count(*) as lab_count, count(flag) as lab_flagged from lab_result r \
             where r.patient_id = n.patient_id and r.collected_on = n.visit_date) l on true \
         where n.patient_id = $1 \
           and ($2::date is null or (n.visit_date, n.note_id) < ($2::date, $3::uuid)) \
         order by n.visit_date desc, n.note_id desc limit $4",
    )
    .bind(patient)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let has_draft = r.draft_author.is_some();
            let (status, soap, author) = match r.version {
                Some(version) => (
                    if r.pending == Some(true) {
                        NoteStatus::Pending
                    } else if version > 1 {
                        NoteStatus::Amended
                    } else {
                        NoteStatus::Final
                    },
                    Soap {
                        subjective: r.subjective.unwrap_or_default(),
                        objective: r.objective.unwrap_or_default(),
                        assessment: r.assessment.unwrap_or_default(),
                        plan: r.plan.unwrap_or_default(),
                    },
                    r.author.unwrap_or_default(),
                ),
                None => (
                    NoteStatus::Draft,
                    Soap {
                        subjective: r.draft_subjective.unwrap_or_default(),
                        assessment: r.draft_assessment.unwrap_or_default(),
                        ..Soap::default()
                    },
                    r.draft_author.unwrap_or_default(),
                ),
            };
            let vitals = (r.has_vitals == Some(true)).then_some(Vitals {
                temperature_x10: r.temperature_x10,
                pulse: r.pulse,
                systolic: r.systolic,
                diastolic: r.diastolic,
                respiration: r.respiration,
                spo2: r.spo2,
                height_x10: r.height_x10,
                weight_x10: r.weight_x10,
            });
            (
                TimelineEntry {
                    note_id: r.note_id.to_string(),
                    visit_date: format_date(r.visit_date),
                    status,
                    version: r.version.unwrap_or(0),
                    author,
                    summary: soap.summary(80),
                    has_draft,
                    vitals,
                    lab_count: i32::try_from(r.lab_count).unwrap_or(i32::MAX),
                    lab_flagged: i32::try_from(r.lab_flagged).unwrap_or(i32::MAX),
                },
                r.visit_date,
                r.note_id,
            )
        })
        .collect())
}

/// The patient's notes with a visit date in `from..=to`, oldest first, at most `limit`.
pub async fn notes_between(
    tx: &mut TenantTx,
    patient: Uuid,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<NoteHead>, sqlx::Error> {
    sqlx::query_as(
        "select note_id, patient_id, reception_id, visit_date from clinical_note \
         where patient_id = $1 and visit_date between $2 and $3 order by visit_date, created_at limit $4",
    )
    .bind(patient)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

// ---- diagnoses ----

/// A diagnosis version to store.
pub struct NewDiagnosis<'a> {
    pub diagnosis_id: Uuid,
    pub version: i32,
    pub patient: Uuid,
    pub disease_code: Option<&'a str>,
    pub modifier_codes: &'a [String],
    pub name: &'a str,
    pub is_main: bool,
    pub suspected: bool,
    pub start_date: Date,
    pub outcome: Option<Outcome>,
    pub end_date: Option<Date>,
    pub reason: &'a str,
    pub author: Uuid,
}

pub async fn insert_diagnosis(tx: &mut TenantTx, d: &NewDiagnosis<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into diagnosis_version (tenant_id, diagnosis_id, version, patient_id, disease_code, \
         modifier_codes, name, is_main, suspected, start_date, outcome, end_date, reason, author_user_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(d.diagnosis_id)
    .bind(d.version)
    .bind(d.patient)
    .bind(d.disease_code)
    .bind(d.modifier_codes)
    .bind(d.name)
    .bind(d.is_main)
    .bind(d.suspected)
    .bind(d.start_date)
    .bind(d.outcome.map(Outcome::code))
    .bind(d.end_date)
    .bind(d.reason)
    .bind(d.author)
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
struct DiagnosisRow {
    diagnosis_id: Uuid,
    version: i32,
    patient_id: Uuid,
    disease_code: Option<String>,
    modifier_codes: Vec<String>,
    name: String,
    is_main: bool,
    suspected: bool,
    start_date: Date,
    outcome: Option<String>,
    end_date: Option<Date>,
    reason: String,
    author: Option<String>,
    created_at: OffsetDateTime,
}

impl DiagnosisRow {
    fn detail(self) -> Diagnosis {
        Diagnosis {
            diagnosis_id: self.diagnosis_id.to_string(),
            version: self.version,
            disease_code: self.disease_code,
            modifier_codes: self.modifier_codes,
            name: self.name,
            is_main: self.is_main,
            suspected: self.suspected,
            start_date: format_date(self.start_date),
            outcome: self.outcome.as_deref().and_then(Outcome::from_code),
            end_date: self.end_date.map(format_date),
            reason: self.reason,
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
        }
    }
}

const DIAGNOSIS_COLUMNS: &str = "d.diagnosis_id, d.version, d.patient_id, d.disease_code, \
     d.modifier_codes, d.name, d.is_main, d.suspected, d.start_date, d.outcome, d.end_date, d.reason, \
     u.display_name as author, d.created_at";

/// The patient's diagnoses (newest version of each); with `active`, only those active at some
/// day of `active.0..=active.1` (started by its end, not ended before its start). Main first,
/// then by start date.
pub async fn diagnoses(
    tx: &mut TenantTx,
    patient: Uuid,
    active: Option<(Date, Date)>,
) -> Result<Vec<Diagnosis>, sqlx::Error> {
    let rows: Vec<DiagnosisRow> = sqlx::query_as(&format!(
        "select * from (select distinct on (d.diagnosis_id) {DIAGNOSIS_COLUMNS} \
           from diagnosis_version d left join app_user u on u.user_id = d.author_user_id \
           where d.patient_id = $1 order by d.diagnosis_id, d.version desc) current \
         where ($2::date is null or (start_date <= $3 and (end_date is null or end_date >= $2))) \
         order by is_main desc, start_date, name"
    ))
    .bind(patient)
    .bind(active.map(|a| a.0))
    .bind(active.map(|a| a.1))
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(DiagnosisRow::detail).collect())
}

/// Every version of one diagnosis, newest first, with its patient.
pub async fn diagnosis_history(
    tx: &mut TenantTx,
    diagnosis: Uuid,
) -> Result<(Option<Uuid>, Vec<Diagnosis>), sqlx::Error> {
    let rows: Vec<DiagnosisRow> = sqlx::query_as(&format!(
        "select {DIAGNOSIS_COLUMNS} from diagnosis_version d \
         left join app_user u on u.user_id = d.author_user_id \
         where d.diagnosis_id = $1 order by d.version desc"
    ))
    .bind(diagnosis)
    .fetch_all(tx.conn())
    .await?;
    let patient = rows.first().map(|r| r.patient_id);
    Ok((
        patient,
        rows.into_iter().map(DiagnosisRow::detail).collect(),
    ))
}

// ---- vital signs ----

#[derive(Debug, FromRow)]
struct VitalRow {
    vital_id: Uuid,
    replaces: Option<Uuid>,
    reason: String,
    measured_at: OffsetDateTime,
    temperature_x10: Option<i32>,
    pulse: Option<i32>,
    systolic: Option<i32>,
    diastolic: Option<i32>,
    respiration: Option<i32>,
    spo2: Option<i32>,
    height_x10: Option<i32>,
    weight_x10: Option<i32>,
    author: Option<String>,
    created_at: OffsetDateTime,
}

/// `t` as JST `YYYY-MM-DDTHH:MM`.
pub fn jst_minute(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::clock::jst());
    format!(
        "{}T{:02}:{:02}",
        format_date(t.date()),
        t.hour(),
        t.minute()
    )
}

impl VitalRow {
    fn detail(self) -> VitalRecord {
        VitalRecord {
            vital_id: self.vital_id.to_string(),
            replaces: self.replaces.map(|u| u.to_string()),
            reason: self.reason,
            measured_at: jst_minute(self.measured_at),
            values: Vitals {
                temperature_x10: self.temperature_x10,
                pulse: self.pulse,
                systolic: self.systolic,
                diastolic: self.diastolic,
                respiration: self.respiration,
                spo2: self.spo2,
                height_x10: self.height_x10,
                weight_x10: self.weight_x10,
            },
            author: self.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(self.created_at),
            warnings: Vec::new(),
        }
    }
}

const VITAL_COLUMNS: &str = "s.vital_id, s.replaces, s.reason, s.measured_at, s.temperature_x10, s.pulse, s.systolic, \
     s.diastolic, s.respiration, s.spo2, s.height_x10, s.weight_x10, u.display_name as author, s.created_at";

/// A correction: the entry it replaces and why.
pub struct Correction<'a> {
    pub replaces: Uuid,
    pub reason: &'a str,
}

/// Stores vital signs (a correction names the entry it replaces; a second correction of the
/// same entry is a unique violation).
pub async fn insert_vitals(
    tx: &mut TenantTx,
    patient: Uuid,
    measured_at: OffsetDateTime,
    v: &Vitals,
    author: Uuid,
    correction: Option<Correction<'_>>,
) -> Result<VitalRecord, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let row: VitalRow = sqlx::query_as(&format!(
        "with s as (insert into vital_sign (tenant_id, vital_id, patient_id, measured_at, temperature_x10, \
           pulse, systolic, diastolic, respiration, spo2, height_x10, weight_x10, author_user_id, replaces, reason) \
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning *) \
         select {VITAL_COLUMNS} from s left join app_user u on u.user_id = s.author_user_id"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(patient)
    .bind(measured_at)
    .bind(v.temperature_x10)
    .bind(v.pulse)
    .bind(v.systolic)
    .bind(v.diastolic)
    .bind(v.respiration)
    .bind(v.spo2)
    .bind(v.height_x10)
    .bind(v.weight_x10)
    .bind(author)
    .bind(correction.as_ref().map(|c| c.replaces))
    .bind(correction.as_ref().map_or("", |c| c.reason))
    .fetch_one(tx.conn())
    .await?;
    Ok(row.detail())
}

/// The patient of a vital-signs entry and whether it has been corrected already.
pub async fn vital_owner(
    tx: &mut TenantTx,
    vital: Uuid,
) -> Result<Option<(Uuid, bool)>, sqlx::Error> {
    sqlx::query_as(
        "select s.patient_id, exists (select 1 from vital_sign r where r.replaces = s.vital_id) \
         from vital_sign s where s.vital_id = $1",
    )
    .bind(vital)
    .fetch_optional(tx.conn())
    .await
}

/// The patient's vital signs measured in `from..to` (UTC instants), oldest first, corrected
/// entries left out.
pub async fn vitals_between(
    tx: &mut TenantTx,
    patient: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<VitalRecord>, sqlx::Error> {
    let rows: Vec<VitalRow> = sqlx::query_as(&format!(
        "select {VITAL_COLUMNS} from vital_sign s left join app_user u on u.user_id = s.author_user_id \
         where s.patient_id = $1 and s.measured_at >= $2 and s.measured_at < $3 \
           and not exists (select 1 from vital_sign r where r.replaces = s.vital_id and r.patient_id = s.patient_id) \
         order by s.measured_at limit 20000"
    ))
    .bind(patient)
    .bind(from)
    .bind(to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(VitalRow::detail).collect())
}

// ---- lab results ----

#[derive(Debug, FromRow)]
struct LabRow {
    lab_id: Uuid,
    collected_on: Date,
    item_code: String,
    item_name: String,
    value: String,
    numeric_value: Option<f64>,
    unit: String,
    reference_low: Option<f64>,
    reference_high: Option<f64>,
    flag: Option<String>,
    source: String,
    author: Option<String>,
}

impl LabRow {
    fn detail(self) -> LabRecord {
        LabRecord {
            lab_id: self.lab_id.to_string(),
            collected_on: format_date(self.collected_on),
            item_code: self.item_code,
            item_name: self.item_name,
            value: self.value,
            numeric_value: self.numeric_value,
            unit: self.unit,
            reference_low: self.reference_low,
            reference_high: self.reference_high,
            flag: self.flag,
            source: self.source,
            author: self.author.unwrap_or_default(),
        }
    }
}

const LAB_COLUMNS: &str = "r.lab_id, r.collected_on, r.item_code, r.item_name, r.value, \
     r.numeric_value, r.unit, r.reference_low, r.reference_high, r.flag, r.source, u.display_name as author";

/// Stores lab results in one statement; `import` marks them as read from a file.
pub async fn insert_labs(
    tx: &mut TenantTx,
    patient: Uuid,
    rows: &[LabChecked],
    import: bool,
    author: Uuid,
) -> Result<Vec<LabRecord>, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::new_v4()).collect();
    let dates: Vec<Date> = rows.iter().map(|r| r.collected_on).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.item_code.as_str()).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.item_name.as_str()).collect();
    let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
    let numbers: Vec<Option<f64>> = rows.iter().map(|r| r.numeric_value).collect();
    let units: Vec<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    let lows: Vec<Option<f64>> = rows.iter().map(|r| r.reference_low).collect();
    let highs: Vec<Option<f64>> = rows.iter().map(|r| r.reference_high).collect();
    let flags: Vec<Option<String>> = rows.iter().map(|r| r.flag.map(String::from)).collect();
    let stored: Vec<LabRow> = sqlx::query_as(&format!(
        "with r as (insert into lab_result (tenant_id, lab_id, patient_id, collected_on, item_code, item_name, \
           value, numeric_value, unit, reference_low, reference_high, flag, source, author_user_id) \
           select $1, u.lab_id, $2, u.collected_on, u.item_code, u.item_name, u.value, u.numeric_value, \
             u.unit, u.reference_low, u.reference_high, u.flag, $12, $13 \
           from unnest($3::uuid[], $4::date[], $5::text[], $6::text[], $7::text[], $8::float8[], \
             $9::text[], $10::float8[], $11::float8[], $14::text[]) \
             as u(lab_id, collected_on, item_code, item_name, value, numeric_value, unit, \
                  reference_low, reference_high, flag) \
           returning *) \
         select {LAB_COLUMNS} from r left join app_user u on u.user_id = r.author_user_id \
         order by r.collected_on, r.item_name"
    ))
    .bind(tenant)
    .bind(patient)
    .bind(&ids)
    .bind(&dates)
    .bind(&codes)
    .bind(&names)
    .bind(&values)
    .bind(&numbers)
    .bind(&units)
    .bind(&lows)
    .bind(&highs)
    .bind(if import { "import" } else { "manual" })
    .bind(author)
    .bind(&flags)
    .fetch_all(tx.conn())
    .await?;
    Ok(stored.into_iter().map(LabRow::detail).collect())
}

/// The patient's lab results collected in `from..=to`, by date then item.
pub async fn labs_between(
    tx: &mut TenantTx,
    patient: Uuid,
    from: Date,
    to: Date,
) -> Result<Vec<LabRecord>, sqlx::Error> {
    let rows: Vec<LabRow> = sqlx::query_as(&format!(
        "select {LAB_COLUMNS} from lab_result r left join app_user u on u.user_id = r.author_user_id \
         where r.patient_id = $1 and r.collected_on between $2 and $3 \
         order by r.collected_on, r.item_name, r.created_at limit 50000"
    ))
    .bind(patient)
    .bind(from)
    .bind(to)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(LabRow::detail).collect())
}

/// Active doctors of the institution, for the 代行入力 picker.
pub async fn doctors(tx: &mut TenantTx) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "select user_id, display_name from app_user where role = 'doctor' and disabled_at is null \
         order by display_name",
    )
    .fetch_all(tx.conn())
    .await
}

/// Whether `user` is an active doctor of the institution.
pub async fn is_doctor(tx: &mut TenantTx, user: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from app_user where user_id = $1 and role = 'doctor' and disabled_at is null)",
    )
    .bind(user)
    .fetch_one(tx.conn())
    .await
}
