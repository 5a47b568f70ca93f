//! Sign-in's cross-tenant paths: the login lookup (which institution and user a code and login
//! id name), the session check (which institution a cookie belongs to) and the per-account
//! throttle and lock, which are keyed by what was typed, before any institution is known.

use crate::db::{Db, TenantContext};
use shared::domain::{InstitutionCode, LoginId, Role};
use shared::ids::{SessionId, TenantId, UserId};
use uuid::Uuid;

/// A user who could be signing in; the server still has to verify the password. Only
/// [`login_candidate`] makes one (the fields are private), and only [`LoginCandidate::context`]
/// turns one into a context.
pub struct LoginCandidate {
    tenant_id: TenantId,
    user_id: UserId,
    role: String,
    password_hash: String,
    disabled: bool,
}

impl LoginCandidate {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    /// The stored role code.
    pub fn role(&self) -> &str {
        &self.role
    }
    /// The stored argon2id hash, to verify the typed password against.
    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }
    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// The context of this user, signing in as `role` in the new session `session_id`: to be
    /// called by the sign-in service once the password has been verified, and nowhere else
    /// (`server/tests/architecture.rs` keeps it so).
    pub(crate) fn context(self, role: Role, session_id: SessionId) -> TenantContext {
        TenantContext::authenticated(self.tenant_id, self.user_id, role, Some(session_id))
    }
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
    /// Who the session is for, in which institution, as which role.
    pub ctx: TenantContext,
    pub must_change_password: bool,
    pub csrf_token: String,
    pub stage: String,
    /// The registered device the session is bound to, and its certificate's fingerprint.
    pub device_id: Option<shared::ids::DeviceId>,
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
    let Some(r) = row else {
        return Ok(None);
    };
    if r.status != "ok" {
        return Ok(Some(SessionCheck::Expired));
    }
    let role = Role::from_code(&r.role)
        .ok_or_else(|| sqlx::Error::Decode("unknown role code in session check".into()))?;
    Ok(Some(SessionCheck::Valid(ValidSession {
        ctx: TenantContext::authenticated(
            TenantId(r.tenant_id),
            UserId(r.user_id),
            role,
            Some(SessionId(r.session_id)),
        ),
        must_change_password: r.must_change_password,
        csrf_token: r.csrf_token,
        stage: r.stage,
        device_id: r.device_id.map(shared::ids::DeviceId),
        device_fingerprint: r.device_fingerprint,
    })))
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
