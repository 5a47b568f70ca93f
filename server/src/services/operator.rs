//! What the operator does from the command line for an institution: provision it with its first
//! administrator, and register its devices. Each act is written and audited (as the operator, in
//! that institution's log) in one transaction: both commit, or neither does.

use crate::db::system::{self, NewInstitution, ProvisionError};
use crate::db::{devices, Db};
use crate::logs::audit::{self, action, Actor, AuditEvent};
use anyhow::Context;
use shared::domain::InstitutionCode;
use shared::ids::{TenantId, UserId};

/// Creates an institution and its first administrator (who must change `password_hash`'s
/// password at first login), audited as `institution.provision`.
pub async fn provision_institution(
    db: &Db,
    new: &NewInstitution,
    password_hash: &str,
) -> Result<(TenantId, UserId), ProvisionError> {
    let mut done = system::provision_institution(db, new, password_hash).await?;
    let event = AuditEvent::success(action::INSTITUTION_PROVISION)
        .target("institution", new.code.as_str())
        .detail("admin_user_id", done.admin_user_id.to_string());
    audit::record(&mut done.tx, &Actor::operator(), event).await?;
    done.tx.commit().await?;
    Ok((done.tenant_id, done.admin_user_id))
}

/// Registers a device of the institution `code` (its first, when certificates are required),
/// audited in that institution as `device.register` by the operator.
pub async fn register_device(
    db: &Db,
    code: &InstitutionCode,
    name: &str,
    certificate_pem: &str,
) -> anyhow::Result<devices::DeviceRow> {
    let fingerprint = crate::tls::pem_fingerprint(certificate_pem)
        .context("the file holds no PEM certificate")?;
    let name = devices::valid_name(name).context("the name must be 1–64 characters")?;
    let tenant = system::institution_by_code(db, code)
        .await?
        .context("no institution with this 医療機関コード")?;
    let mut tx = system::operator_tx(db, tenant).await?;
    let device = devices::register(&mut tx, &name, &fingerprint, None)
        .await?
        .context("this certificate is already registered")?;
    let event = AuditEvent::success(action::DEVICE_REGISTER)
        .target("device", device.device_id)
        .detail("fingerprint", fingerprint);
    audit::record(&mut tx, &Actor::operator(), event).await?;
    tx.commit().await?;
    Ok(device)
}
