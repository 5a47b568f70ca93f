//! What the chart's versioned records (notes, orders) share in the database: each has
//! append-only versions chained by hash, one working draft guarded by its revision, and
//! approvals of 代行入力 versions, in tables named after the record. The statements are the same
//! for both; only the names differ. All queries go through [`TenantTx`].

use super::TenantTx;
use shared::ids::UserId;
use uuid::Uuid;

/// The tables and id column of one kind of versioned record.
pub struct Record {
    /// Prefix of the advisory lock that serialises one record's writes.
    lock_key: &'static str,
    /// The table of the records themselves (patient, visit date).
    heads: &'static str,
    /// A column of `heads` a pending entry names (the order's kind); `''` when none.
    kind: &'static str,
    id: &'static str,
    versions: &'static str,
    approvals: &'static str,
    drafts: &'static str,
}

pub const NOTE: Record = Record {
    lock_key: "note:",
    heads: "clinical_note",
    kind: "''",
    id: "note_id",
    versions: "note_version",
    approvals: "note_approval",
    drafts: "note_draft",
};

pub const ORDER: Record = Record {
    lock_key: "order:",
    heads: "clinical_order",
    kind: "h.kind",
    id: "order_id",
    versions: "order_version",
    approvals: "order_approval",
    drafts: "order_draft",
};

/// Documents (診療情報提供書): versions hash-chained like notes, but no 代行入力 approvals (only
/// doctors finalise) and one draft row per document (`db::documents`): only the lock and the
/// head are shared.
pub const DOCUMENT: Record = Record {
    lock_key: "document:",
    heads: "clinical_document",
    kind: "''",
    id: "document_id",
    versions: "document_version",
    approvals: "",
    drafts: "",
};

/// A 代行入力 version waiting for its doctor's approval, as the queue lists it.
pub struct PendingRow {
    pub id: Uuid,
    pub version: i32,
    /// The record's kind where it has one (orders), else empty.
    pub kind: String,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub visit_date: time::Date,
    pub author: Option<String>,
    pub created_at: time::OffsetDateTime,
}

impl Record {
    /// The newest versions entered for `doctor` and not yet approved, oldest first (at most 200).
    pub async fn pending_for(
        &self,
        tx: &mut TenantTx,
        doctor: UserId,
    ) -> Result<Vec<PendingRow>, sqlx::Error> {
        type Row = (
            Uuid,
            i32,
            String,
            Uuid,
            String,
            time::Date,
            Option<String>,
            time::OffsetDateTime,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "select v.{id}, v.version, {kind}::text, h.patient_id, p.name, h.visit_date, \
               u.display_name, v.created_at \
             from {versions} v join {heads} h on h.{id} = v.{id} \
             join patient p on p.patient_id = h.patient_id \
             left join app_user u on u.user_id = v.author_user_id \
             left join {approvals} a on a.{id} = v.{id} and a.version = v.version \
             where v.on_behalf_of = $1 and a.version is null \
               and v.version = (select max(version) from {versions} w where w.{id} = v.{id}) \
             order by v.created_at limit 200",
            id = self.id,
            kind = self.kind,
            versions = self.versions,
            heads = self.heads,
            approvals = self.approvals,
        ))
        .bind(doctor.as_uuid())
        .fetch_all(tx.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, version, kind, patient_id, patient_name, visit_date, author, created_at)| {
                    PendingRow {
                        id,
                        version,
                        kind,
                        patient_id,
                        patient_name,
                        visit_date,
                        author,
                        created_at,
                    }
                },
            )
            .collect())
    }

    /// Serialises the writes of one record (draft saves, 確定, discards, approvals) until the
    /// transaction ends, so they cannot interleave. (Row locks need an UPDATE grant the
    /// application role does not have on the append-only tables.)
    pub async fn lock(&self, tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
        tx.lock_key(&format!("{}{id}", self.lock_key)).await
    }

    /// The newest version's number and hash (0 and none before the first).
    pub async fn head_version(
        &self,
        tx: &mut TenantTx,
        id: Uuid,
    ) -> Result<(i32, Option<Vec<u8>>), sqlx::Error> {
        let row: Option<(i32, Vec<u8>)> = sqlx::query_as(&format!(
            "select version, hash from {} where {} = $1 order by version desc limit 1",
            self.versions, self.id
        ))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
        Ok(match row {
            Some((v, h)) => (v, Some(h)),
            None => (0, None),
        })
    }

    /// Removes the draft at `revision` (after it became a version, or when discarded).
    pub async fn delete_draft(
        &self,
        tx: &mut TenantTx,
        id: Uuid,
        revision: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(&format!(
            "delete from {} where {} = $1 and revision = $2",
            self.drafts, self.id
        ))
        .bind(id)
        .bind(revision)
        .execute(tx.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The doctor a version was entered for and whether it is approved: `None` if no such
    /// version.
    pub async fn proxy_of(
        &self,
        tx: &mut TenantTx,
        id: Uuid,
        version: i32,
    ) -> Result<Option<(Option<UserId>, bool)>, sqlx::Error> {
        let row: Option<(Option<Uuid>, bool)> = sqlx::query_as(&format!(
            "select v.on_behalf_of, a.version is not null from {versions} v \
             left join {approvals} a on a.{id} = v.{id} and a.version = v.version \
             where v.{id} = $1 and v.version = $2",
            versions = self.versions,
            approvals = self.approvals,
            id = self.id
        ))
        .bind(id)
        .bind(version)
        .fetch_optional(tx.conn())
        .await?;
        Ok(row.map(|(doctor, approved)| (doctor.map(UserId), approved)))
    }

    /// Records the approval of `version` by `by`. A unique violation means it was approved.
    pub async fn approve(
        &self,
        tx: &mut TenantTx,
        id: Uuid,
        version: i32,
        by: UserId,
    ) -> Result<(), sqlx::Error> {
        let tenant = tx.tenant_id().as_uuid();
        sqlx::query(&format!(
            "insert into {} (tenant_id, {}, version, approved_by) values ($1, $2, $3, $4)",
            self.approvals, self.id
        ))
        .bind(tenant)
        .bind(id)
        .bind(version)
        .bind(by.as_uuid())
        .execute(tx.conn())
        .await?;
        Ok(())
    }
}
