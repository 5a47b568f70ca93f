//! The institution's security policy (append-only versions), users' second factors (TOTP keys)
//! and recovery codes (hashes only). All queries go through [`TenantTx`]; nothing is deleted:
//! factors and codes are revoked or used, with the time.

use super::TenantTx;
use shared::api::auth::FactorSummary;
use shared::api::security::SecurityPolicyView;
use shared::domain::{Role, SecurityPolicy};
use shared::ids::{ChallengeId, FactorId, UserId};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, FromRow)]
struct PolicyRow {
    version: i32,
    password_min_length: i32,
    password_min_length_two_factor: i32,
    password_min_classes: i32,
    lockout_threshold: i32,
    lockout_seconds: i32,
    lockout_max_seconds: i32,
    idle_timeout_seconds: i32,
    session_lifetime_seconds: i32,
    two_factor_roles: Vec<String>,
    device_roles: Vec<String>,
    reason: String,
    created_at: OffsetDateTime,
}

impl PolicyRow {
    fn policy(&self) -> SecurityPolicy {
        let n = |v: i32| u32::try_from(v).unwrap_or(0);
        SecurityPolicy {
            password_min_length: n(self.password_min_length),
            password_min_length_two_factor: n(self.password_min_length_two_factor),
            password_min_classes: n(self.password_min_classes),
            lockout_threshold: n(self.lockout_threshold),
            lockout_seconds: n(self.lockout_seconds),
            lockout_max_seconds: n(self.lockout_max_seconds),
            idle_timeout_seconds: n(self.idle_timeout_seconds),
            session_lifetime_seconds: n(self.session_lifetime_seconds),
            two_factor_roles: self
                .two_factor_roles
                .iter()
                .filter_map(|r| Role::from_code(r))
                .collect(),
            device_roles: self
                .device_roles
                .iter()
                .filter_map(|r| Role::from_code(r))
                .collect(),
        }
    }
}

/// The newest saved policy, or `defaults` (the guideline, with the server's configured
/// timeouts) when the institution has none.
pub async fn policy(
    tx: &mut TenantTx,
    defaults: &SecurityPolicy,
) -> Result<SecurityPolicyView, sqlx::Error> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "select version, password_min_length, password_min_length_two_factor, password_min_classes, \
         lockout_threshold, lockout_seconds, lockout_max_seconds, idle_timeout_seconds, \
         session_lifetime_seconds, two_factor_roles, device_roles, reason, created_at \
         from security_policy_version order by version desc limit 1",
    )
    .fetch_optional(tx.conn())
    .await?;
    Ok(match row {
        Some(row) => SecurityPolicyView {
            policy: row.policy(),
            version: u32::try_from(row.version).ok(),
            changed_at: Some(crate::clock::rfc3339(row.created_at)),
            reason: row.reason,
        },
        None => SecurityPolicyView {
            policy: defaults.clone(),
            version: None,
            changed_at: None,
            reason: String::new(),
        },
    })
}

/// Writes version `base + 1` of a validated policy; `None` when `base` is no longer the newest.
pub async fn write_policy(
    tx: &mut TenantTx,
    base: Option<u32>,
    policy: &SecurityPolicy,
    reason: &str,
    author: UserId,
) -> Result<Option<u32>, sqlx::Error> {
    let current: Option<i32> =
        sqlx::query_scalar("select max(version) from security_policy_version")
            .fetch_one(tx.conn())
            .await?;
    let current = current.and_then(|v| u32::try_from(v).ok());
    if current != base {
        return Ok(None);
    }
    let version = base.unwrap_or(0) + 1;
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let roles: Vec<&str> = policy.two_factor_roles.iter().map(|r| r.code()).collect();
    let device_roles: Vec<&str> = policy.device_roles.iter().map(|r| r.code()).collect();
    let inserted = sqlx::query(
        "insert into security_policy_version (tenant_id, version, password_min_length, \
         password_min_length_two_factor, password_min_classes, lockout_threshold, lockout_seconds, \
         lockout_max_seconds, idle_timeout_seconds, session_lifetime_seconds, two_factor_roles, \
         reason, author_user_id, device_roles) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(i(version))
    .bind(i(policy.password_min_length))
    .bind(i(policy.password_min_length_two_factor))
    .bind(i(policy.password_min_classes))
    .bind(i(policy.lockout_threshold))
    .bind(i(policy.lockout_seconds))
    .bind(i(policy.lockout_max_seconds))
    .bind(i(policy.idle_timeout_seconds))
    .bind(i(policy.session_lifetime_seconds))
    .bind(&roles)
    .bind(reason)
    .bind(author.as_uuid())
    .bind(&device_roles)
    .execute(tx.conn())
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(version))
}

/// A TOTP factor with its key sealed (see `crate::secrets`; opened only to verify a code).
#[derive(Debug, FromRow)]
pub struct TotpFactor {
    #[sqlx(try_from = "Uuid")]
    pub factor_id: FactorId,
    pub user_id: Uuid,
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_used_step: Option<i64>,
}

const FACTOR_COLUMNS: &str =
    "factor_id, user_id, secret, confirmed_at is not null as confirmed, last_used_step";

/// Starts a TOTP enrolment (`sealed`: the key sealed with the server's secret key for this
/// row); earlier unconfirmed ones of the user are abandoned.
pub async fn insert_totp(
    tx: &mut TenantTx,
    id: FactorId,
    user: UserId,
    label: &str,
    sealed: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update user_factor set revoked_at = now(), revoked_by = $1, revoke_reason = 'abandoned' \
         where user_id = $1 and confirmed_at is null and revoked_at is null",
    )
    .bind(user.as_uuid())
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "insert into user_factor (tenant_id, factor_id, user_id, kind, label, secret) \
         values ($1, $2, $3, 'totp', $4, $5)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .bind(label)
    .bind(sealed)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The user's unrevoked factor `id` (confirmed or not).
pub async fn find_totp(
    tx: &mut TenantTx,
    user: UserId,
    id: FactorId,
) -> Result<Option<TotpFactor>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {FACTOR_COLUMNS} from user_factor \
         where user_id = $1 and factor_id = $2 and kind = 'totp' and revoked_at is null for update"
    ))
    .bind(user.as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(tx.conn())
    .await
}

/// The user's confirmed, unrevoked TOTP factors, locked for the verification that follows.
pub async fn confirmed_totps(
    tx: &mut TenantTx,
    user: UserId,
) -> Result<Vec<TotpFactor>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {FACTOR_COLUMNS} from user_factor \
         where user_id = $1 and kind = 'totp' and confirmed_at is not null and revoked_at is null \
         order by created_at for update"
    ))
    .bind(user.as_uuid())
    .fetch_all(tx.conn())
    .await
}

/// Records that `step` was used (and confirms the factor if it was not yet). Guarded so a step
/// is accepted once even by two concurrent requests: false when another got there first.
pub async fn use_step(tx: &mut TenantTx, factor: FactorId, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update user_factor set last_used_step = $2, last_used_at = now(), \
         confirmed_at = coalesce(confirmed_at, now()) \
         where factor_id = $1 and revoked_at is null \
           and (last_used_step is null or last_used_step < $2)",
    )
    .bind(factor.as_uuid())
    .bind(step)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn has_confirmed_factor(tx: &mut TenantTx, user: UserId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from user_factor where user_id = $1 \
         and confirmed_at is not null and revoked_at is null)",
    )
    .bind(user.as_uuid())
    .fetch_one(tx.conn())
    .await
}

#[derive(Debug, FromRow)]
struct FactorListRow {
    #[sqlx(try_from = "Uuid")]
    factor_id: FactorId,
    kind: String,
    label: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
}

pub async fn list_factors(
    tx: &mut TenantTx,
    user: UserId,
) -> Result<Vec<FactorSummary>, sqlx::Error> {
    let rows: Vec<FactorListRow> = sqlx::query_as(
        "select factor_id, kind, label, created_at, last_used_at from user_factor \
         where user_id = $1 and confirmed_at is not null and revoked_at is null order by created_at",
    )
    .bind(user.as_uuid())
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FactorSummary {
            factor_id: r.factor_id,
            kind: r.kind,
            label: r.label,
            created_at: crate::clock::rfc3339(r.created_at),
            last_used_at: r.last_used_at.map(crate::clock::rfc3339),
        })
        .collect())
}

/// Revokes one of the user's factors; false when there is no such unrevoked factor.
pub async fn revoke_factor(
    tx: &mut TenantTx,
    user: UserId,
    factor: FactorId,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update user_factor set revoked_at = now(), revoked_by = $3, revoke_reason = 'user' \
         where user_id = $1 and factor_id = $2 and revoked_at is null",
    )
    .bind(user.as_uuid())
    .bind(factor.as_uuid())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An administrator's reset: every factor and recovery code of the user stops working.
/// Returns how many factors were revoked.
pub async fn reset_factors(
    tx: &mut TenantTx,
    user: UserId,
    by: UserId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update user_factor set revoked_at = now(), revoked_by = $2, revoke_reason = 'admin_reset' \
         where user_id = $1 and revoked_at is null",
    )
    .bind(user.as_uuid())
    .bind(by.as_uuid())
    .execute(tx.conn())
    .await?;
    revoke_recovery_codes(tx, user).await?;
    Ok(done.rows_affected())
}

async fn revoke_recovery_codes(tx: &mut TenantTx, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update recovery_code set revoked_at = now() \
         where user_id = $1 and used_at is null and revoked_at is null",
    )
    .bind(user.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replaces the user's recovery codes with `hashes` (SHA-256 of each normalised code).
pub async fn replace_recovery_codes(
    tx: &mut TenantTx,
    user: UserId,
    hashes: &[[u8; 32]],
) -> Result<(), sqlx::Error> {
    revoke_recovery_codes(tx, user).await?;
    for hash in hashes {
        sqlx::query(
            "insert into recovery_code (tenant_id, code_id, user_id, code_hash) values ($1, $2, $3, $4)",
        )
        .bind(tx.tenant_id().as_uuid())
        .bind(Uuid::new_v4())
        .bind(user.as_uuid())
        .bind(&hash[..])
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Uses the recovery code with `hash` if it is the user's, unused and unrevoked.
pub async fn use_recovery_code(
    tx: &mut TenantTx,
    user: UserId,
    hash: &[u8; 32],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update recovery_code set used_at = now() \
         where user_id = $1 and code_hash = $2 and used_at is null and revoked_at is null",
    )
    .bind(user.as_uuid())
    .bind(&hash[..])
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(tx: &mut TenantTx, user: UserId) -> Result<u32, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from recovery_code where user_id = $1 and used_at is null and revoked_at is null",
    )
    .bind(user.as_uuid())
    .fetch_one(tx.conn())
    .await?;
    Ok(u32::try_from(n).unwrap_or(0))
}

/// Issues a WebAuthn challenge for one ceremony of `user` in `session`.
pub async fn insert_challenge(
    tx: &mut TenantTx,
    user: UserId,
    session: shared::ids::SessionId,
    purpose: &str,
    challenge: &[u8; 32],
    label: Option<&str>,
) -> Result<ChallengeId, sqlx::Error> {
    let id = ChallengeId(Uuid::new_v4());
    sqlx::query(
        "insert into webauthn_challenge (tenant_id, challenge_id, user_id, session_id, purpose, challenge, label) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .bind(session.as_uuid())
    .bind(purpose)
    .bind(&challenge[..])
    .bind(label)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Uses a challenge: it must be this user's and session's, for `purpose`, unused and not
/// expired. Returns the challenge bytes and the label given at the start.
pub async fn take_challenge(
    tx: &mut TenantTx,
    id: ChallengeId,
    user: UserId,
    session: shared::ids::SessionId,
    purpose: &str,
) -> Result<Option<(Vec<u8>, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "update webauthn_challenge set used_at = now() \
         where challenge_id = $1 and user_id = $2 and session_id = $3 and purpose = $4 \
           and used_at is null and expires_at > now() returning challenge, label",
    )
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .bind(session.as_uuid())
    .bind(purpose)
    .fetch_optional(tx.conn())
    .await
}

/// A confirmed WebAuthn credential of a user.
#[derive(Debug, FromRow)]
pub struct WebauthnFactor {
    #[sqlx(try_from = "Uuid")]
    pub factor_id: FactorId,
    pub credential_id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub sign_count: i64,
}

pub async fn webauthn_credentials(
    tx: &mut TenantTx,
    user: UserId,
) -> Result<Vec<WebauthnFactor>, sqlx::Error> {
    sqlx::query_as(
        "select factor_id, credential_id, public_key, sign_count from user_factor \
         where user_id = $1 and kind = 'webauthn' and confirmed_at is not null and revoked_at is null \
         order by created_at for update",
    )
    .bind(user.as_uuid())
    .fetch_all(tx.conn())
    .await
}

/// Stores a credential accepted at registration (confirmed: the ceremony proved it).
pub async fn insert_webauthn(
    tx: &mut TenantTx,
    user: UserId,
    label: &str,
    credential_id: &[u8],
    public_key: &[u8],
    sign_count: u32,
) -> Result<Option<FactorId>, sqlx::Error> {
    let id = FactorId(Uuid::new_v4());
    let done = sqlx::query(
        "insert into user_factor (tenant_id, factor_id, user_id, kind, label, credential_id, public_key, \
         sign_count, confirmed_at) values ($1, $2, $3, 'webauthn', $4, $5, $6, $7, now()) \
         on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .bind(label)
    .bind(credential_id)
    .bind(public_key)
    .bind(i64::from(sign_count))
    .execute(tx.conn())
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// Records a use with the authenticator's new counter, guarded so the counter only moves
/// forward (or stays 0 for authenticators that keep none).
pub async fn use_webauthn(
    tx: &mut TenantTx,
    factor: FactorId,
    count: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update user_factor set sign_count = $2, last_used_at = now() \
         where factor_id = $1 and revoked_at is null and (sign_count < $2 or ($2 = 0 and sign_count = 0))",
    )
    .bind(factor.as_uuid())
    .bind(i64::from(count))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The kinds of the user's confirmed factors (`totp`, `webauthn`), for the sign-in screen.
pub async fn factor_kinds(tx: &mut TenantTx, user: UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select distinct kind from user_factor where user_id = $1 \
         and confirmed_at is not null and revoked_at is null order by kind",
    )
    .bind(user.as_uuid())
    .fetch_all(tx.conn())
    .await
}
