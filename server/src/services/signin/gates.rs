//! The gates every password or second-factor attempt passes first: this server's per-address
//! limit, then the account's per-minute window and lock (PostgreSQL, under the institution's
//! lockout rule, with growing back-off). Unknown login ids are throttled and locked the same
//! way, so no answer tells whether an id exists.

use crate::auth::Authenticated;
use crate::db::system::{self, Gate};
use crate::db::{institutions, users, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::ClientIp;
use crate::state::AppState;
use shared::api::ErrorCode;
use shared::domain::SecurityPolicy;

/// An institution's lockout rule: failures before a lock, the first lock and the longest
/// (seconds).
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    threshold: u32,
    seconds: u32,
    max: u32,
}

/// The lockout rule for an institution code (its policy, or the guideline default).
pub async fn lockout_for(state: &AppState, code: &str) -> ApiResult<Lockout> {
    let fallback = SecurityPolicy::default();
    let (threshold, seconds, max) = system::login_lockout(&state.db, code.trim())
        .await?
        .unwrap_or((
            fallback.lockout_threshold,
            fallback.lockout_seconds,
            fallback.lockout_max_seconds,
        ));
    Ok(Lockout {
        threshold,
        seconds,
        max,
    })
}

/// Counts a failed attempt on `key` under the rule the gates used; the lock length when this
/// failure started a lock.
pub async fn count_failure(
    state: &AppState,
    lockout: Lockout,
    key: &[u8; 32],
) -> ApiResult<Option<u32>> {
    Ok(system::login_failed(
        &state.db,
        key,
        lockout.threshold,
        lockout.seconds,
        lockout.max,
    )
    .await?)
}

/// Why an attempt was refused before its password or code was looked at.
pub enum Refused {
    /// This server's per-address limit (not audited: flooding it must not flood the log).
    Address(u32),
    /// The account's lock or per-minute limit.
    Account(u32),
}

impl Refused {
    pub fn error(&self) -> ApiError {
        let (Self::Address(wait) | Self::Account(wait)) = self;
        ApiError::TooManyAttempts {
            retry_after_seconds: *wait,
        }
    }
}

/// The address and account gates every attempt passes first. `institution_code` is the
/// canonical code; its lockout rule, returned for counting a failure, applies.
pub async fn gates(
    state: &AppState,
    ip: &ClientIp,
    key: &[u8; 32],
    institution_code: &str,
) -> ApiResult<Result<Lockout, Refused>> {
    if let Err(wait) = state.login_limiter.attempt(ip.0.as_deref()) {
        return Ok(Err(Refused::Address(wait)));
    }
    let lockout = lockout_for(state, institution_code).await?;
    let gate = system::login_gate(
        &state.db,
        key,
        state.config.login_attempts_per_account_per_minute,
        lockout.threshold,
        lockout.seconds,
        lockout.max,
    )
    .await?;
    Ok(match gate {
        Gate::Open => Ok(lockout),
        Gate::Locked(wait) | Gate::Throttled(wait) => Err(Refused::Account(wait)),
    })
}

/// A signed-in (or part-way) user's account as sign-in throttles it.
pub struct Account {
    pub key: [u8; 32],
    pub lockout: Lockout,
}

/// Looks up the session's user and institution (in a transaction of its own, ended before the
/// gates take their connection: never two pool connections held by one attempt) and passes
/// the gates for that account.
pub async fn gate_account(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
) -> ApiResult<Account> {
    let mut lookup = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user = users::find(&mut lookup, auth.ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(&mut lookup).await?;
    lookup.commit().await?;
    let key = system::throttle_key(&institution.code, &user.login_id);
    match gates(state, ip, &key, &institution.code).await? {
        Ok(lockout) => Ok(Account { key, lockout }),
        Err(refused) => Err(refused.error()),
    }
}
