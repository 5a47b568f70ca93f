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
