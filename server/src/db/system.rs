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
    pub stage: String,
    /// The registered device the session is bound to, and its certificate's fingerprint.
    pub device_id: Option<Uuid>,
    pub device_fingerprint: Option<String>,
}

/// Checks a session token's hash; `None` when unknown, logged out or the user is disabled.
/// `activity`: the request is the user's own (not a timer's), so it keeps the session alive.
pub async fn authenticate_session(
    db: &Db,
    token_hash: &[u8; 32],
    idle_seconds: i32,
    activity: bool,
) -> Result<Option<SessionCheck>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        status: String,
        tenant_id: Uuid,
        session_id: Uuid,
        user_id: Uuid,
        role: String,
        must_change_password: bool,
        csrf_token: String,
        stage: String,
        device_id: Option<Uuid>,
        device_fingerprint: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "select status, tenant_id, session_id, user_id, role, must_change_password, csrf_token, \
         stage, device_id, device_fingerprint from system.authenticate_session($1, $2, $3)",
    )
    .bind(&token_hash[..])
    .bind(idle_seconds)
    .bind(activity)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| {
        if r.status == "ok" {
            SessionCheck::Valid(ValidSession {
                tenant_id: TenantId(r.tenant_id),
                session_id: SessionId(r.session_id),
                user_id: UserId(r.user_id),
                role: r.role,
                must_change_password: r.must_change_password,
                csrf_token: r.csrf_token,
                stage: r.stage,
                device_id: r.device_id,
                device_fingerprint: r.device_fingerprint,
            })
        } else {
            SessionCheck::Expired
        }
    }))
}

/// The throttle key of a sign-in: SHA-256 of `医療機関コード:ログインID` as typed (trimmed,
/// lower-cased), the same for an existing and a non-existing account. Migration 10 computes
/// the same bytes in SQL for an institution's own users.
pub fn throttle_key(institution_code: &str, login_id: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let text = format!(
        "{}:{}",
        institution_code.trim(),
        login_id.trim().to_ascii_lowercase()
    );
    Sha256::digest(text.as_bytes()).into()
}

/// Whether an account key may try to sign in now.
pub enum Gate {
    Open,
    /// Locked after failures, for this many more seconds.
    Locked(u32),
    /// Over the per-minute limit, for this many more seconds.
    Throttled(u32),
}

/// Counts an attempt on `key` (as a failure until [`login_succeeded`]) and says whether it may
/// go ahead; with the institution's lockout rule (threshold, first lock, longest lock).
pub async fn login_gate(
    db: &Db,
    key: &[u8; 32],
    per_minute: u32,
    threshold: u32,
    lock_seconds: u32,
    max_seconds: u32,
) -> Result<Gate, sqlx::Error> {
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let (allowed, retry, locked): (bool, i32, bool) = sqlx::query_as(
        "select allowed, retry_after, locked from system.login_gate($1, $2, $3, $4, $5)",
    )
    .bind(&key[..])
    .bind(i(per_minute))
    .bind(i(threshold))
    .bind(i(lock_seconds))
    .bind(i(max_seconds))
    .fetch_one(db.pool())
    .await?;
    let retry = u32::try_from(retry).unwrap_or(1);
    Ok(match (allowed, locked) {
        (true, _) => Gate::Open,
        (false, true) => Gate::Locked(retry),
        (false, false) => Gate::Throttled(retry),
    })
}

/// The lockout settings for an institution code: its newest policy's, else `None`.
pub async fn login_lockout(db: &Db, code: &str) -> Result<Option<(u32, u32, u32)>, sqlx::Error> {
    let row: Option<(i32, i32, i32)> = sqlx::query_as(
        "select lockout_threshold, lockout_seconds, lockout_max_seconds from system.login_policy($1)",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    let n = |v: i32| u32::try_from(v).unwrap_or(1);
    Ok(row.map(|(a, b, c)| (n(a), n(b), n(c))))
}

/// After a failed attempt: returns the length of the lock it started, if the failures reached
/// the threshold.
pub async fn login_failed(
    db: &Db,
    key: &[u8; 32],
    threshold: u32,
    lock_seconds: u32,
    max_seconds: u32,
) -> Result<Option<u32>, sqlx::Error> {
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let seconds: i32 = sqlx::query_scalar("select system.login_failed($1, $2, $3, $4)")
        .bind(&key[..])
        .bind(i(threshold))
        .bind(i(lock_seconds))
        .bind(i(max_seconds))
        .fetch_one(db.pool())
        .await?;
    Ok(u32::try_from(seconds).ok().filter(|s| *s > 0))
}

/// A complete sign-in clears the account's failures and locks.
pub async fn login_succeeded(db: &Db, key: &[u8; 32]) -> Result<(), sqlx::Error> {
    sqlx::query("select system.login_succeeded($1)")
        .bind(&key[..])
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The current locks of the transaction's institution's users: (user, locked until).
pub async fn login_locks(
    tx: &mut TenantTx,
) -> Result<Vec<(UserId, time::OffsetDateTime)>, sqlx::Error> {
    let rows: Vec<(Uuid, time::OffsetDateTime)> = sqlx::query_as(
        "select user_id, locked_until from system.login_locks() where locked_until > now()",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|(u, t)| (UserId(u), t)).collect())
}

/// Lifts the lock of one of the transaction's institution's users; false if none was held.
pub async fn unlock_login(tx: &mut TenantTx, user: UserId) -> Result<bool, sqlx::Error> {
    let done: Option<bool> = sqlx::query_scalar("select system.unlock_login($1)")
        .bind(user.as_uuid())
        .fetch_optional(tx.conn())
        .await?
        .flatten();
    Ok(done.unwrap_or(false))
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
