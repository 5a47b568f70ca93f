//! 印刷物: generated PDFs named by what they were printed from, and their numbered outputs
//! (migration 30). All queries go through [`TenantTx`].

use super::TenantTx;
use shared::ids::{FileId, PatientId, PrintId, UserId};
use uuid::Uuid;

/// What a generated PDF is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintKind {
    Receipt,
    Statement,
    Prescription,
    Chart,
}

impl PrintKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Statement => "statement",
            Self::Prescription => "prescription",
            Self::Chart => "chart",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Receipt,
            Self::Statement,
            Self::Prescription,
            Self::Chart,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// A print as its routes need it.
#[derive(Debug, Clone)]
pub struct PrintRow {
    pub print_id: PrintId,
    pub patient_id: PatientId,
    pub kind: PrintKind,
    pub source: String,
    pub file_id: FileId,
}

type Row = (Uuid, Uuid, String, String, Uuid);

fn row((print, patient, kind, source, file): Row) -> Result<PrintRow, sqlx::Error> {
    Ok(PrintRow {
        print_id: PrintId(print),
        patient_id: PatientId(patient),
        kind: PrintKind::from_code(&kind)
            .ok_or_else(|| sqlx::Error::Decode("a print of an unknown kind".into()))?,
        source,
        file_id: FileId(file),
    })
}

const COLUMNS: &str = "print_id, patient_id, kind, source, file_id";

pub async fn find(tx: &mut TenantTx, print: PrintId) -> Result<Option<PrintRow>, sqlx::Error> {
    let found: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from print_record where print_id = $1"
    ))
    .bind(print.as_uuid())
    .fetch_optional(tx.conn())
    .await?;
    found.map(row).transpose()
}

/// The print of `kind` made from `source`, if it has been printed.
pub async fn by_source(
    tx: &mut TenantTx,
    kind: PrintKind,
    source: &str,
) -> Result<Option<PrintRow>, sqlx::Error> {
    let found: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from print_record where kind = $1 and source = $2"
    ))
    .bind(kind.code())
    .bind(source)
    .fetch_optional(tx.conn())
    .await?;
    found.map(row).transpose()
}

/// Serialises the printing of one source until the transaction ends.
pub async fn lock_source(
    tx: &mut TenantTx,
    kind: PrintKind,
    source: &str,
) -> Result<(), sqlx::Error> {
    tx.lock_key(&format!("print:{}:{source}", kind.code()))
        .await
}

/// Records a print (the caller holds the source's lock: see [`lock_source`]).
pub async fn insert(tx: &mut TenantTx, print: &PrintRow, by: UserId) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into print_record (tenant_id, print_id, patient_id, kind, source, file_id, \
         created_by) values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant)
    .bind(print.print_id.as_uuid())
    .bind(print.patient_id.as_uuid())
    .bind(print.kind.code())
    .bind(&print.source)
    .bind(print.file_id.as_uuid())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records an output of a print; its number (1 for the first, then reprints).
pub async fn record_output(
    tx: &mut TenantTx,
    print: PrintId,
    by: UserId,
) -> Result<i32, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    // Outputs of one print are numbered one after another: serialise them.
    tx.lock_key(&format!("print_output:{print}")).await?;
    sqlx::query_scalar(
        "insert into print_output (tenant_id, print_id, output_no, output_by) \
         select $1, $2, coalesce(max(output_no), 0) + 1, $3 from print_output \
         where print_id = $2 returning output_no",
    )
    .bind(tenant)
    .bind(print.as_uuid())
    .bind(by.as_uuid())
    .fetch_one(tx.conn())
    .await
}
