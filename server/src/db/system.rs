//! The named cross-tenant paths: login lookup, session check and provisioning. Everything
//! else goes through `TenantTx`. `grep -rn "db::system"` lists every caller.

use super::{Db, TenantTx};
use shared::domain::{DisplayName, InstitutionCode, InstitutionName, LoginId, Role};
use shared::ids::{SessionId, TenantId, UserId};
use uuid::Uuid;

/// A user who could be signing in; the server still has to verify the password.
pub struct LoginCandidate {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
}

pub async fn login_candidate(
    db: &Db,
    code: &InstitutionCode,
    login_id: &LoginId,
) -> Result<Option<LoginCandidate>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, String, String, bool)> =
        sqlx::query_as("select tenant_id, user_id, role, password_hash, disabled from system.login_candidate($1, $2)")
            .bind(code.as_str())
            .bind(login_id.as_str())
            .fetch_optional(db.pool())
            .await?;
    Ok(
        row.map(|(t, u, role, password_hash, disabled)| LoginCandidate {
            tenant_id: TenantId(t),
            user_id: UserId(u),
            role,
            password_hash,
            disabled,
        }),
    )
}

/// The institution a 医療機関コード names, if it is registered (to audit a failed login there).
pub async fn institution_by_code(
    db: &Db,
    code: &InstitutionCode,
) -> Result<Option<TenantId>, sqlx::Error> {
    let id: Option<Uuid> = sqlx::query_scalar("select system.institution_by_code($1)")
        .bind(code.as_str())
        .fetch_one(db.pool())
        .await?;
    Ok(id.map(TenantId))
}

/// What a session cookie resolves to.
pub enum SessionCheck {
    Valid(ValidSession),
    /// Ended by idle timeout or lifetime: the app offers to sign in again and keep its work.
    Expired,
}

pub struct ValidSession {
    pub tenant_id: TenantId,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub role: String,
    pub must_change_password: bool,
    pub csrf_token: String,
}

/// Checks a session token's hash; `None` when unknown, logged out or the user is disabled.
pub async fn authenticate_session(
    db: &Db,
    token_hash: &[u8; 32],
    idle_seconds: i32,
) -> Result<Option<SessionCheck>, sqlx::Error> {
    let row: Option<(String, Uuid, Uuid, Uuid, String, bool, String)> = sqlx::query_as(
        "select status, tenant_id, session_id, user_id, role, must_change_password, csrf_token \
         from system.authenticate_session($1, $2)",
    )
    .bind(&token_hash[..])
    .bind(idle_seconds)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(
        |(status, tenant, session, user, role, must_change_password, csrf_token)| {
            if status == "ok" {
                SessionCheck::Valid(ValidSession {
                    tenant_id: TenantId(tenant),
                    session_id: SessionId(session),
                    user_id: UserId(user),
                    role,
                    must_change_password,
                    csrf_token,
                })
            } else {
                SessionCheck::Expired
            }
        },
    ))
}

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

/// Creates an institution and its first administrator, who must change `password_hash`'s
/// password at first login. Runs as the new tenant, so row-level security checks every insert.
pub async fn provision_institution(
    db: &Db,
    new: &NewInstitution,
    password_hash: &str,
) -> Result<(TenantId, UserId), ProvisionError> {
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
    let event = crate::logs::AuditEvent::success(crate::logs::action::INSTITUTION_PROVISION)
        .target("institution", new.code.as_str())
        .detail("admin_user_id", user_id.to_string());
    crate::logs::audit::record(&mut tx, &crate::logs::Actor::operator(), event).await?;
    tx.commit().await?;
    Ok((tenant_id, user_id))
}
