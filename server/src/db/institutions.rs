//! The signed-in user's own institution (医療機関).

use super::TenantTx;

pub struct InstitutionRow {
    pub code: String,
    pub name: String,
}

/// The institution of the transaction's tenant (RLS shows exactly that one row).
pub async fn current(tx: &mut TenantTx) -> Result<InstitutionRow, sqlx::Error> {
    let (code, name): (String, String) = sqlx::query_as("select code, name from institution")
        .fetch_one(tx.conn())
        .await?;
    Ok(InstitutionRow { code, name })
}

/// The newest version of the institution's 所在地 and 電話番号 (version 0, empty, before any).
pub async fn profile(
    tx: &mut TenantTx,
) -> Result<shared::api::billing::InstitutionProfile, sqlx::Error> {
    type Row = (
        i32,
        String,
        String,
        String,
        String,
        Option<String>,
        time::OffsetDateTime,
    );
    let row: Option<Row> = sqlx::query_as(
        "select p.version, p.postal_code, p.address, p.phone, p.reason, u.display_name, p.created_at \
         from institution_profile_version p left join app_user u on u.user_id = p.author_user_id \
         order by p.version desc limit 1",
    )
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some((version, postal_code, address, phone, reason, author, at)) => {
            shared::api::billing::InstitutionProfile {
                version,
                postal_code,
                address,
                phone,
                reason,
                author,
                created_at: crate::clock::rfc3339(at),
            }
        }
        None => shared::api::billing::InstitutionProfile::default(),
    })
}

/// Writes `version` of the profile; `false` when that version exists (someone saved first).
pub async fn insert_profile(
    tx: &mut TenantTx,
    version: i32,
    p: &shared::domain::ValidProfile,
    author: shared::ids::UserId,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let done = sqlx::query(
        "insert into institution_profile_version (tenant_id, version, postal_code, address, phone, \
         reason, author_user_id) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(tenant)
    .bind(version)
    .bind(&p.postal_code)
    .bind(&p.address)
    .bind(&p.phone)
    .bind(&p.reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
