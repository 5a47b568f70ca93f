//! Clinical notes (2号用紙): append-only versions chained by SHA-256, one working draft guarded
//! by its revision, 代行入力 approvals, and the timeline that summarises them. All queries go
//! through [`TenantTx`]; row-level security confines them to the institution.

use super::versioned::NOTE;
use super::TenantTx;
use crate::chain::hex;
use shared::api::chart::{NoteDetail, NoteDraft, NoteStatus, NoteVersion, TimelineEntry};
use shared::domain::chart::{Soap, Vitals};
use shared::domain::japanese::format_date;
use shared::ids::{NoteId, PatientId, ReceptionId, UserId};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct NoteHead {
    #[sqlx(try_from = "Uuid")]
    pub note_id: NoteId,
    #[sqlx(try_from = "Uuid")]
    pub patient_id: PatientId,
    pub reception_id: Option<Uuid>,
    pub visit_date: Date,
}

pub async fn create_note(
    tx: &mut TenantTx,
    patient: PatientId,
    reception: Option<ReceptionId>,
    visit_date: Date,
    by: UserId,
) -> Result<NoteHead, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_as(
        "insert into clinical_note (tenant_id, note_id, patient_id, reception_id, visit_date, created_by) \
         values ($1, $2, $3, $4, $5, $6) returning note_id, patient_id, reception_id, visit_date",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(patient.as_uuid())
    .bind(reception.map(|r| r.as_uuid()))
    .bind(visit_date)
    .bind(by.as_uuid())
    .fetch_one(tx.conn())
    .await
}

pub async fn find_note(tx: &mut TenantTx, note: NoteId) -> Result<Option<NoteHead>, sqlx::Error> {
    sqlx::query_as(
        "select note_id, patient_id, reception_id, visit_date from clinical_note where note_id = $1",
    )
    .bind(note.as_uuid())
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
    #[sqlx(try_from = "Uuid")]
    author_user_id: UserId,
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
            author_id: self.author_user_id,
            author: self.author.clone().unwrap_or_default(),
            on_behalf_of_id: self.on_behalf_of.map(UserId),
            on_behalf_of: self.on_behalf_of_name.clone(),
            approved_at: self.approved_at.map(crate::clock::rfc3339),
            approved_by: self.approved_by.clone(),
            reason: self.reason.clone(),
            created_at: crate::clock::rfc3339(self.created_at),
            hash: hex(&self.hash),
        }
    }
}

/// What a version's hash covers: the previous hash, the note, the version and everything the
/// version says, in a fixed order (JSON of a fixed struct, so text cannot shift between fields).
pub struct VersionContent<'a> {
    pub note_id: NoteId,
    pub version: i32,
    pub soap: &'a Soap,
    pub author: UserId,
    pub on_behalf_of: Option<UserId>,
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
    crate::chain::version_link(prev, &body)
}

const VERSION_COLUMNS: &str = "v.version, v.subjective, v.objective, v.assessment, v.plan, \
     v.author_user_id, au.display_name as author, v.on_behalf_of, ob.display_name as on_behalf_of_name, \
     v.reason, v.prev_hash, v.hash, v.created_at, a.approved_at, ap.display_name as approved_by";

const VERSION_FROM: &str = "from note_version v \
     left join app_user au on au.user_id = v.author_user_id \
     left join app_user ob on ob.user_id = v.on_behalf_of \
     left join note_approval a on a.note_id = v.note_id and a.version = v.version \
     left join app_user ap on ap.user_id = a.approved_by";

async fn version_rows(tx: &mut TenantTx, note: NoteId) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {VERSION_COLUMNS} {VERSION_FROM} where v.note_id = $1 order by v.version desc"
    ))
    .bind(note.as_uuid())
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
    #[sqlx(try_from = "Uuid")]
    pub author_user_id: UserId,
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
            author_id: self.author_user_id,
            author: self.author.clone().unwrap_or_default(),
            on_behalf_of_id: self.on_behalf_of.map(UserId),
            updated_at: crate::clock::rfc3339(self.updated_at),
        }
    }
}

pub async fn draft(tx: &mut TenantTx, note: NoteId) -> Result<Option<DraftRow>, sqlx::Error> {
    sqlx::query_as(
        "select d.base_version, d.revision, d.subjective, d.objective, d.assessment, d.plan, \
         d.author_user_id, u.display_name as author, d.on_behalf_of, d.updated_at \
         from note_draft d left join app_user u on u.user_id = d.author_user_id where d.note_id = $1",
    )
    .bind(note.as_uuid())
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
    let chain_intact = crate::chain::versions_intact(
        rows.iter().rev(),
        |row| (&row.prev_hash, &row.hash),
        |prev, row| {
            version_hash(
                prev,
                &VersionContent {
                    note_id: head.note_id,
                    version: row.version,
                    soap: &row.soap(),
                    author: row.author_user_id,
                    on_behalf_of: row.on_behalf_of.map(UserId),
                    reason: &row.reason,
                    created_at: row.created_at,
                },
            )
        },
    );
    let versions: Vec<NoteVersion> = rows.iter().map(VersionRow::detail).collect();
    Ok(NoteDetail {
        note_id: head.note_id,
        patient_id: head.patient_id,
        visit_date: format_date(head.visit_date),
        reception_id: head.reception_id.map(ReceptionId),
        status: status_of(&versions),
        versions,
        draft: draft.map(|d| d.detail()),
        chain_intact,
    })
}

/// The newest version's number and hash (0 and none before the first).
pub async fn head_version(
    tx: &mut TenantTx,
    note: NoteId,
) -> Result<(i32, Option<Vec<u8>>), sqlx::Error> {
    NOTE.head_version(tx, note.as_uuid()).await
}

/// Serialises the writes of one note until the transaction ends ([`super::versioned::Record::lock`]).
pub async fn lock_note(tx: &mut TenantTx, note: NoteId) -> Result<(), sqlx::Error> {
    NOTE.lock(tx, note.as_uuid()).await
}

/// Saves the draft if nobody saved since `base_revision` (0: there must be no draft yet).
/// Returns the new revision, or `None` when the draft moved on (a conflict).
pub async fn save_draft(
    tx: &mut TenantTx,
    note: NoteId,
    base_revision: i64,
    base_version: i32,
    soap: &Soap,
    author: UserId,
    on_behalf_of: Option<UserId>,
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
        .bind(note.as_uuid())
        .bind(base_version)
        .bind(&soap.subjective)
        .bind(&soap.objective)
        .bind(&soap.assessment)
        .bind(&soap.plan)
        .bind(author.as_uuid())
        .bind(on_behalf_of.map(|u| u.as_uuid()))
        .bind(revision)
        .fetch_optional(tx.conn())
        .await
    } else {
        sqlx::query_scalar(
            "update note_draft set revision = $10, subjective = $3, objective = $4, \
             assessment = $5, plan = $6, author_user_id = $7, on_behalf_of = $8, updated_at = now() \
             where note_id = $1 and revision = $2 and base_version = $9 returning revision",
        )
        .bind(note.as_uuid())
        .bind(base_revision)
        .bind(&soap.subjective)
        .bind(&soap.objective)
        .bind(&soap.assessment)
        .bind(&soap.plan)
        .bind(author.as_uuid())
        .bind(on_behalf_of.map(|u| u.as_uuid()))
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
async fn next_draft_revision(tx: &mut TenantTx, note: NoteId) -> Result<i64, sqlx::Error> {
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
    .bind(note.as_uuid())
    .fetch_one(tx.conn())
    .await
}

/// Removes the draft at `revision` (after it became a version, or when discarded).
pub async fn delete_draft(
    tx: &mut TenantTx,
    note: NoteId,
    revision: i64,
) -> Result<bool, sqlx::Error> {
    NOTE.delete_draft(tx, note.as_uuid(), revision).await
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
    .bind(content.note_id.as_uuid())
    .bind(content.version)
    .bind(&content.soap.subjective)
    .bind(&content.soap.objective)
    .bind(&content.soap.assessment)
    .bind(&content.soap.plan)
    .bind(content.author.as_uuid())
    .bind(content.on_behalf_of.map(|u| u.as_uuid()))
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
    note: NoteId,
    version: i32,
) -> Result<Option<(Option<UserId>, bool)>, sqlx::Error> {
    NOTE.proxy_of(tx, note.as_uuid(), version).await
}

pub async fn approve(
    tx: &mut TenantTx,
    note: NoteId,
    version: i32,
    by: UserId,
) -> Result<(), sqlx::Error> {
    NOTE.approve(tx, note.as_uuid(), version, by).await
}

/// 代行入力 versions entered for `doctor` and not yet approved, oldest first.
pub async fn pending_for(
    tx: &mut TenantTx,
    doctor: UserId,
) -> Result<Vec<shared::api::chart::PendingNote>, sqlx::Error> {
    Ok(NOTE
        .pending_for(tx, doctor)
        .await?
        .into_iter()
        .map(|r| shared::api::chart::PendingNote {
            note_id: NoteId(r.id),
            version: r.version,
            patient_id: PatientId(r.patient_id),
            patient_name: r.patient_name,
            visit_date: format_date(r.visit_date),
            author: r.author.unwrap_or_default(),
            created_at: crate::clock::rfc3339(r.created_at),
        })
        .collect())
}

#[derive(Debug, FromRow)]
struct TimelineRow {
    #[sqlx(try_from = "Uuid")]
    note_id: NoteId,
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
    patient: PatientId,
    after: Option<(Date, NoteId)>,
    limit: i64,
) -> Result<Vec<(TimelineEntry, Date)>, sqlx::Error> {
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
    .bind(patient.as_uuid())
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1.as_uuid()))
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
                    note_id: r.note_id,
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
            )
        })
        .collect())
}

/// The patient's notes with a visit date in `from..=to`, oldest first, at most `limit`.
pub async fn notes_between(
    tx: &mut TenantTx,
    patient: PatientId,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<NoteHead>, sqlx::Error> {
    sqlx::query_as(
        "select note_id, patient_id, reception_id, visit_date from clinical_note \
         where patient_id = $1 and visit_date between $2 and $3 order by visit_date, created_at limit $4",
    )
    .bind(patient.as_uuid())
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

/// The patient's latest notes, newest first, at most `limit`.
pub async fn latest_notes(
    tx: &mut TenantTx,
    patient: PatientId,
    limit: i64,
) -> Result<Vec<NoteHead>, sqlx::Error> {
    sqlx::query_as(
        "select note_id, patient_id, reception_id, visit_date from clinical_note \
         where patient_id = $1 order by visit_date desc, created_at desc limit $2",
    )
    .bind(patient.as_uuid())
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored note version is chained by this hash: its input must never change.
    #[test]
    fn a_version_hash_keeps_its_value() {
        let soap = Soap {
            subjective: "咳".into(),
            objective: "咽頭発赤".into(),
            assessment: "かぜ".into(),
            plan: "経過観察".into(),
        };
        let content = VersionContent {
            note_id: NoteId(Uuid::from_u128(1)),
            version: 2,
            soap: &soap,
            author: UserId(Uuid::from_u128(2)),
            on_behalf_of: Some(UserId(Uuid::from_u128(3))),
            reason: "追記",
            created_at: time::macros::datetime!(2026-12-03 01:02:03.456789 UTC),
        };
        let hash = hex(&version_hash(Some(&[7u8; 32]), &content));
        // SHA-256 of the previous hash and the JSON array of the content, computed independently.
        assert_eq!(
            hash,
            "0dc8221c0be1a7a8c1831b97d5e0baea00af98b07b0efe4b688b1b2045744e37"
        );
    }
}
