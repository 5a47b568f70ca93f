//! The operator's cross-tenant paths: provisioning an institution, and acting for one from
//! the command line (`karte-server provision`, `demo`, `device register`) before anyone of it
//! has signed in. The audit events of these acts are recorded by `crate::services::operator`, the
//! only caller of [`provision_institution`].

use crate::db::{Db, TenantTx};
use shared::domain::{DisplayName, InstitutionCode, InstitutionName, LoginId, Role};
use shared::ids::{TenantId, UserId};
use uuid::Uuid;

pub struct NewInstitution {
    pub code: InstitutionCode,
    pub name: InstitutionName,
    pub admin_login_id: LoginId,
    pub admin_name: DisplayName,
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("an institution with this 医療機関コード is already registered")]
    CodeTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A new institution, still in the transaction that created it: `services::operator` records
/// its audit event there and commits (this crate only: the function is `pub(crate)`).
pub(crate) struct Provisioned {
    pub tx: TenantTx,
    pub tenant_id: TenantId,
    pub admin_user_id: UserId,
}

/// Creates an institution and its first administrator, who must change `password_hash`'s
/// password at first login. Runs as the new tenant, so row-level security checks every insert.
pub(crate) async fn provision_institution(
    db: &Db,
    new: &NewInstitution,
    password_hash: &str,
) -> Result<Provisioned, ProvisionError> {
    let tenant_id = TenantId(Uuid::new_v4());
    let user_id = UserId(Uuid::new_v4());
    let mut tx = TenantTx::begin_for(db, tenant_id).await?;
    let inserted =
        sqlx::query("insert into institution (tenant_id, code, name) values ($1, $2, $3)")
            .bind(tenant_id.as_uuid())
            .bind(new.code.as_str())
            .bind(new.name.as_str())
            .execute(tx.conn())
            .await;
    if let Err(err) = inserted {
        return Err(match &err {
            sqlx::Error::Database(db) if db.constraint() == Some("institution_code_key") => {
                ProvisionError::CodeTaken
            }
            _ => err.into(),
        });
    }
    sqlx::query(
        "insert into app_user (tenant_id, user_id, login_id, display_name, role, password_hash) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant_id.as_uuid())
    .bind(user_id.as_uuid())
    .bind(new.admin_login_id.as_str())
    .bind(new.admin_name.as_str())
    .bind(Role::Admin.code())
    .bind(password_hash)
    .execute(tx.conn())
    .await?;
    Ok(Provisioned {
        tx,
        tenant_id,
        admin_user_id: user_id,
    })
}

/// A transaction for an institution the operator acts for from the command line (seeding the
/// demo, registering a device, the benchmarks' seeding). Never opened for a request: requests
/// reach tenant data through a signed-in user's `TenantContext`.
pub async fn operator_tx(db: &Db, tenant_id: TenantId) -> Result<TenantTx, sqlx::Error> {
    TenantTx::begin_for(db, tenant_id).await
}
