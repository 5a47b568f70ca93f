//! Sign-in (password, then a second factor when the user has one), the current session,
//! sign-out here or everywhere, password change, and the user's own second factors.
//!
//! Throttling: every password or second-factor attempt counts against the client address
//! (this server's memory) and against the account key (PostgreSQL: per-minute window, and a
//! lock with growing back-off after the institution's threshold of failures). Unknown login
//! ids are throttled and locked the same way, so no answer tells whether an id exists.
//! Session ids are rotated (a new token, the old session ended) at every privilege change:
//! second factor accepted, enrolment completed, password changed.

use super::Routes;
use crate::auth::{self, AnySession, Authenticated};
use crate::db::system::{self, Gate};
use crate::db::{devices, institutions, security, sessions, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::state::AppState;
use crate::totp;
use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use sha2::{Digest, Sha256};
use shared::api::auth::{
    ChangePassword, ConfirmPassword, ConfirmTotp, CurrentUser, FactorConfirmed, FactorOverview,
    InstitutionSummary, Login, RecoveryCodes, SecondFactor, SessionInfo, SessionStage, StartTotp,
    TotpEnrolment,
};
use shared::api::devices::ClientCertMode;
use shared::api::{ErrorCode, FieldError};
use shared::domain::{InstitutionCode, LoginId, PasswordProblem, Role, SecurityPolicy};
use shared::ids::SessionId;
use std::time::Duration;

pub fn router() -> Routes {
    Routes::new()
        .route("/auth/login", post(login))
        .route("/auth/second-factor", post(second_factor))
        .route("/auth/logout", post(logout))
        .route("/auth/logout-everywhere", post(logout_everywhere))
        .route("/auth/session", get(current_session))
        .route("/auth/password", post(change_password))
        .route("/auth/factors", get(factors))
        .route("/auth/factors/totp", post(start_totp))
        .route("/auth/factors/totp/{factor_id}/confirm", post(confirm_totp))
        .route("/auth/factors/{factor_id}/revoke", post(revoke_factor))
        .route("/auth/recovery-codes", post(new_recovery_codes))
}

/// How long a session that still owes its second factor lives.
const SECOND_FACTOR_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Recovery codes issued at a time.
const RECOVERY_CODE_COUNT: usize = 10;

/// The policy of an institution that has not saved one: the guideline, with the server's
/// configured timeouts.
pub fn default_policy(state: &AppState) -> SecurityPolicy {
    let secs = |d: Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
    SecurityPolicy {
        idle_timeout_seconds: secs(state.config.idle_timeout),
        session_lifetime_seconds: secs(state.config.session_lifetime),
        ..SecurityPolicy::default()
    }
}

/// The institution's policy in force.
pub async fn policy_of(tx: &mut TenantTx, state: &AppState) -> ApiResult<SecurityPolicy> {
    Ok(security::policy(tx, &default_policy(state)).await?.policy)
}

pub(super) async fn session_info(
    tx: &mut TenantTx,
    state: &AppState,
    ctx: &TenantContext,
    csrf_token: String,
    stage: SessionStage,
) -> ApiResult<SessionInfo> {
    let user = users::find(tx, ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(tx).await?;
    let policy = policy_of(tx, state).await?;
    Ok(SessionInfo {
        user: CurrentUser {
            user_id: ctx.user_id(),
            login_id: user.login_id.clone(),
            display_name: user.display_name.clone(),
            role: user.role()?,
        },
        institution: InstitutionSummary {
            tenant_id: ctx.tenant_id(),
            code: institution.code,
            name: institution.name,
        },
        csrf_token,
        must_change_password: user.must_change_password,
        idle_timeout_seconds: if stage == SessionStage::SecondFactor {
            SECOND_FACTOR_WINDOW.as_secs()
        } else {
            u64::from(policy.idle_timeout_seconds)
        },
        password_policy: policy.password_policy(user.has_second_factor),
        stage,
        has_second_factor: user.has_second_factor,
        second_factor_kinds: security::factor_kinds(tx, ctx.user_id()).await?,
    })
}

/// A new session at `stage` for `ctx`'s user, in `tx`; returns its cookie token and CSRF token.
async fn open_session(
    tx: &mut TenantTx,
    ctx: &TenantContext,
    stage: SessionStage,
    policy: &SecurityPolicy,
    device_id: Option<uuid::Uuid>,
) -> ApiResult<(String, String)> {
    let token = auth::random_token();
    let csrf_token = auth::random_token();
    let (idle, lifetime) = if stage == SessionStage::SecondFactor {
        (SECOND_FACTOR_WINDOW, SECOND_FACTOR_WINDOW)
    } else {
        (
            Duration::from_secs(u64::from(policy.idle_timeout_seconds)),
            Duration::from_secs(u64::from(policy.session_lifetime_seconds)),
        )
    };
    sessions::insert(
        tx,
        &sessions::NewSession {
            session_id: ctx.session_id().context("context without session")?,
            user_id: ctx.user_id(),
            token_hash: &auth::token_hash(&token),
            csrf_token: &csrf_token,
            stage,
            idle,
            lifetime,
            device_id,
        },
    )
    .await?;
    Ok((token, csrf_token))
}

/// Ends the caller's session and opens its successor at `stage` (a privilege change), bound
/// to the same device: the new context, cookie token and CSRF token.
pub(super) async fn rotate_session(
    tx: &mut TenantTx,
    state: &AppState,
    old: &crate::auth::Authenticated,
    stage: SessionStage,
) -> ApiResult<(TenantContext, String, String)> {
    let device_id = old.device_id;
    let old = &old.ctx;
    if let Some(id) = old.session_id() {
        sessions::end(tx, id, sessions::EndReason::Rotated).await?;
    }
    let ctx = TenantContext::authenticated(
        old.tenant_id(),
        old.user_id(),
        old.role(),
        Some(SessionId(uuid::Uuid::new_v4())),
    );
    let policy = policy_of(tx, state).await?;
    let (token, csrf) = open_session(tx, &ctx, stage, &policy, device_id).await?;
    Ok((ctx, token, csrf))
}

pub(super) fn with_cookie<T: serde::Serialize>(token: &str, body: T) -> Response {
    (
        [(header::SET_COOKIE, auth::session_cookie(token))],
        Json(body),
    )
        .into_response()
}

/// An institution's lockout rule: failures before a lock, the first lock and the longest
/// (seconds).
#[derive(Debug, Clone, Copy)]
pub(super) struct Lockout {
    threshold: u32,
    seconds: u32,
    max: u32,
}

/// The lockout rule for an institution code (its policy, or the guideline default).
async fn lockout_for(state: &AppState, code: &str) -> ApiResult<Lockout> {
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
async fn count_failure(
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
enum Refused {
    /// This server's per-address limit (not audited: flooding it must not flood the log).
    Address(u32),
    /// The account's lock or per-minute limit.
    Account(u32),
}

impl Refused {
    fn error(&self) -> ApiError {
        let (Self::Address(wait) | Self::Account(wait)) = self;
        ApiError::TooManyAttempts {
            retry_after_seconds: *wait,
        }
    }
}

/// The address and account gates every attempt passes first. `institution_code` is the
/// canonical code; its lockout rule, returned for counting a failure, applies.
async fn gates(
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
pub(super) struct Account {
    key: [u8; 32],
    lockout: Lockout,
}

/// Looks up the session's user and institution (in a transaction of its own, ended before the
/// gates take their connection: never two pool connections held by one attempt) and passes
/// the gates for that account.
async fn gate_account(state: &AppState, auth: &Authenticated, ip: &ClientIp) -> ApiResult<Account> {
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

/// The same answer for an unknown institution, an unknown user, a wrong password and a
/// disabled account, after the same amount of work.
async fn login(
    State(state): State<AppState>,
    note: AccessNote,
    ip: ClientIp,
    auth::ClientCert(presented): auth::ClientCert,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let code = InstitutionCode::parse(&body.institution_code).ok();
    let login_id = LoginId::parse(&body.login_id).ok();
    // The account as the lookup will read it (a code typed with hyphens or full-width digits
    // is the same account, and the same throttle).
    let canonical_code = code
        .as_ref()
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| body.institution_code.trim().to_string());
    let key = match &login_id {
        Some(l) => system::throttle_key(&canonical_code, l.as_str()),
        None => system::throttle_key(&canonical_code, &body.login_id),
    };
    // The institution aimed at, looked up whatever happens next (same work for every answer).
    let tenant_of_code = match &code {
        Some(code) => system::institution_by_code(&state.db, code).await?,
        None => None,
    };
    let lockout = match gates(&state, &ip, &key, &canonical_code).await? {
        Ok(lockout) => lockout,
        Err(refused) => {
            if let Refused::Account(_) = refused {
                // Audited where the institution is known; the typed login id is not recorded.
                if let Some(tenant) = tenant_of_code {
                    note.set_actor(tenant, None, None);
                }
                let actor = Actor {
                    client_ip: ip.0.clone(),
                    ..Actor::default()
                };
                let event = AuditEvent::failure(action::LOGIN).detail("reason", "throttled");
                audit::record_standalone(&state.db, tenant_of_code, &actor, event).await?;
            }
            return Err(refused.error());
        }
    };
    let candidate = match (&code, &login_id) {
        (Some(code), Some(login_id)) => system::login_candidate(&state.db, code, login_id).await?,
        _ => None,
    };
    let password = body.password;
    // At most PasswordPolicy::MAX_LENGTH characters: `entered_password` refused longer ones.
    let verified = auth::verify_password(
        candidate.as_ref().map(|c| c.password_hash.clone()),
        password,
    )
    .await;
    let candidate = match candidate {
        Some(c) if verified && !c.disabled => c,
        other => {
            let locked = count_failure(&state, lockout, &key).await?;
            // Audited in the institution aimed at, when its code exists. The attempted login
            // id is not recorded unless it names a user: people type passwords into it.
            let reason = match &other {
                Some(c) if c.disabled => "disabled",
                Some(_) => "wrong_password",
                None => "unknown_user",
            };
            let tenant = other.as_ref().map(|c| c.tenant_id).or(tenant_of_code);
            let mut event = AuditEvent::failure(action::LOGIN).detail("reason", reason);
            if let Some(c) = &other {
                event = event.target("user", c.user_id);
            }
            if let Some(seconds) = locked {
                event = event.detail("locked_seconds", seconds);
            }
            if let Some(tenant) = tenant {
                note.set_actor(tenant, None, None);
            }
            let actor = Actor {
                client_ip: ip.0.clone(),
                ..Actor::default()
            };
            audit::record_standalone(&state.db, tenant, &actor, event).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
    };
    let role = Role::from_code(&candidate.role).context("unknown role code")?;
    let session_id = SessionId(uuid::Uuid::new_v4());
    let ctx = auth::context_after_password_check(&candidate, role, session_id);
    note.set_actor(ctx.tenant_id(), Some(ctx.user_id()), Some(session_id));
    let mut tx = TenantTx::begin(&state.db, &ctx).await?;
    let policy = policy_of(&mut tx, &state).await?;
    let stage = if security::has_confirmed_factor(&mut tx, ctx.user_id()).await? {
        SessionStage::SecondFactor
    } else if policy.requires_second_factor(role) {
        SessionStage::Enrolment
    } else {
        SessionStage::Full
    };
    // Device authentication: the registered device (client certificate) the sign-in comes
    // from, required for every role when the server requires certificates and for the roles
    // the policy names when it asks optionally.
    let device = match &presented {
        Some(fp) => devices::active_by_fingerprint(&mut tx, fp).await?,
        None => None,
    };
    let device_needed = match state.config.client_cert_mode {
        ClientCertMode::Off => false,
        ClientCertMode::Optional => policy.requires_device(role),
        ClientCertMode::Required => true,
    };
    if device_needed && device.is_none() {
        drop(tx);
        let mut event = AuditEvent::failure(action::LOGIN)
            .target("user", ctx.user_id())
            .detail("reason", "device_not_registered");
        if let Some(fp) = &presented {
            event = event.detail("certificate_sha256", fp.clone());
        }
        audit::record_standalone(
            &state.db,
            Some(ctx.tenant_id()),
            &Actor::of(&ctx, &ip),
            event,
        )
        .await?;
        return Err(ApiError::code(ErrorCode::DeviceNotRegistered));
    }
    let device_id = device.as_ref().map(|d| d.device_id);
    let (token, csrf_token) = open_session(&mut tx, &ctx, stage, &policy, device_id).await?;
    let mut event = AuditEvent::success(action::LOGIN)
        .target("user", ctx.user_id())
        .detail("stage", stage.code());
    if let Some(d) = &device {
        event = event.detail("device_id", d.device_id.to_string());
    }
    audit::record(&mut tx, &Actor::of(&ctx, &ip), event).await?;
    let info = session_info(&mut tx, &state, &ctx, csrf_token, stage).await?;
    tx.commit().await?;
    // A second factor still owed keeps the failures counting until it is given.
    if stage != SessionStage::SecondFactor {
        system::login_succeeded(&state.db, &key).await?;
    }
    Ok(with_cookie(&token, info))
}

/// A recovery code as the user may type it (any case, with or without hyphens and spaces),
/// reduced to its 16 characters; `None` when it cannot be one.
fn normalised_recovery_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect();
    (code.len() == 16 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

fn recovery_code_hash(normalised: &str) -> [u8; 32] {
    Sha256::digest(normalised.as_bytes()).into()
}

/// What a user calls a factor: 1–64 characters, as names are checked everywhere.
pub(super) fn factor_label(raw: &str) -> ApiResult<String> {
    shared::domain::clean_text(raw, 64).map_err(|_| {
        ApiError::Invalid(vec![FieldError::new(
            "label",
            "invalid",
            "名前は1〜64文字で入力してください（例: 業務用スマートフォン）",
        )])
    })
}

/// The associated data a TOTP key is sealed with: the row it belongs to.
fn totp_row(ctx: &TenantContext, factor_id: uuid::Uuid) -> Vec<u8> {
    let mut row = b"karte:totp:".to_vec();
    row.extend_from_slice(ctx.tenant_id().as_uuid().as_bytes());
    row.extend_from_slice(ctx.user_id().as_uuid().as_bytes());
    row.extend_from_slice(factor_id.as_bytes());
    row
}

/// A TOTP factor's key, unsealed; an error (500, logged) when it does not open: the server runs
/// with another secret key than the one that sealed it.
fn open_totp(
    state: &AppState,
    ctx: &TenantContext,
    factor: &security::TotpFactor,
) -> ApiResult<Vec<u8>> {
    state
        .config
        .secret_key
        .open(&totp_row(ctx, factor.factor_id), &factor.secret)
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "a TOTP key does not open with this server's secret key (KARTE_SECRET_KEY_FILE)"
            ))
        })
}

/// The second step of sign-in, started: the pending session's account, throttled like a
/// password attempt, and the transaction the check runs in.
pub(super) async fn begin_second_factor(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
) -> ApiResult<(TenantTx, Account)> {
    if auth.stage != SessionStage::SecondFactor {
        return Err(ApiError::code(ErrorCode::Conflict));
    }
    let account = gate_account(state, auth, ip).await?;
    let tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    Ok((tx, account))
}

/// A second factor refused: counted towards the lock, audited with `reason`.
pub(super) async fn second_factor_failed(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    account: &Account,
    reason: &'static str,
) -> ApiResult<ApiError> {
    let locked = count_failure(state, account.lockout, &account.key).await?;
    let mut event = AuditEvent::failure(action::LOGIN_SECOND_FACTOR)
        .target("user", auth.ctx.user_id())
        .detail("reason", reason);
    if let Some(seconds) = locked {
        event = event.detail("locked_seconds", seconds);
    }
    let actor = Actor::of(&auth.ctx, ip);
    audit::record_standalone(&state.db, Some(auth.ctx.tenant_id()), &actor, event).await?;
    Ok(ApiError::code(ErrorCode::InvalidSecondFactor))
}

/// A second factor accepted: the pending session is replaced by a full one (new cookie).
pub(super) async fn second_factor_passed(
    mut tx: TenantTx,
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    account: &Account,
    method: &'static str,
) -> ApiResult<Response> {
    let user_id = auth.ctx.user_id();
    let (ctx, token, csrf) = rotate_session(&mut tx, state, auth, SessionStage::Full).await?;
    let mut event = AuditEvent::success(action::LOGIN_SECOND_FACTOR)
        .target("user", user_id)
        .detail("method", method);
    if method == "recovery_code" {
        let left = security::recovery_codes_left(&mut tx, user_id).await?;
        event = event.detail("recovery_codes_left", left);
    }
    audit::record(&mut tx, &Actor::of(&ctx, ip), event).await?;
    let info = session_info(&mut tx, state, &ctx, csrf, SessionStage::Full).await?;
    tx.commit().await?;
    system::login_succeeded(&state.db, &account.key).await?;
    Ok(with_cookie(&token, info))
}

/// The second step of sign-in with a TOTP code or a recovery code.
async fn second_factor(
    State(state): State<AppState>,
    session: AnySession,
    ip: ClientIp,
    ApiJson(body): ApiJson<SecondFactor>,
) -> ApiResult<Response> {
    let auth = session.0;
    let (mut tx, account) = begin_second_factor(&state, &auth, &ip).await?;
    let user_id = auth.ctx.user_id();
    let now = totp::current_step();
    let mut method = None;
    for factor in security::confirmed_totps(&mut tx, user_id).await? {
        let secret = open_totp(&state, &auth.ctx, &factor)?;
        if let Some(step) = totp::verify(&secret, &body.code, now, factor.last_used_step) {
            if security::use_step(&mut tx, factor.factor_id, step).await? {
                method = Some("totp");
                break;
            }
        }
    }
    if method.is_none() {
        if let Some(code) = normalised_recovery_code(&body.code) {
            if security::use_recovery_code(&mut tx, user_id, &recovery_code_hash(&code)).await? {
                method = Some("recovery_code");
            }
        }
    }
    match method {
        Some(method) => second_factor_passed(tx, &state, &auth, &ip, &account, method).await,
        None => {
            drop(tx);
            Err(second_factor_failed(&state, &auth, &ip, &account, "wrong_code").await?)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    session: AnySession,
    ip: ClientIp,
) -> ApiResult<Response> {
    let auth = session.0;
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    sessions::end(&mut tx, auth.session_id(), sessions::EndReason::Logout).await?;
    audit::record(
        &mut tx,
        &Actor::of(&auth.ctx, &ip),
        AuditEvent::success(action::LOGOUT),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::cleared_session_cookie())],
    )
        .into_response())
}

/// Ends every session of the caller, on every device, this one included. Not open to a session
/// still owing its second factor: a password alone must not sign the user out elsewhere.
async fn logout_everywhere(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
) -> ApiResult<Response> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let ended = sessions::end_all_for_user(
        &mut tx,
        auth.ctx.user_id(),
        sessions::EndReason::LogoutEverywhere,
        None,
    )
    .await?;
    let event = AuditEvent::success(action::LOGOUT_EVERYWHERE)
        .target("user", auth.ctx.user_id())
        .detail("sessions_ended", ended);
    audit::record(&mut tx, &Actor::of(&auth.ctx, &ip), event).await?;
    tx.commit().await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::cleared_session_cookie())],
    )
        .into_response())
}

async fn current_session(
    State(state): State<AppState>,
    session: AnySession,
) -> ApiResult<Json<SessionInfo>> {
    let auth = session.0;
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let info = session_info(
        &mut tx,
        &state,
        &auth.ctx,
        auth.csrf_token.clone(),
        auth.stage,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(info))
}

/// Changes the caller's own password (also the forced change after a one-time password).
/// Other sessions of the user end; this one is rotated (new cookie).
async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<Response> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user_id = auth.ctx.user_id();
    let user = users::find(&mut tx, user_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let stored = users::password_hash(&mut tx, user_id).await?;
    let current_ok = auth::verify_password(stored, body.current_password.clone()).await;
    let actor = Actor::of(&auth.ctx, &ip);
    if !current_ok {
        drop(tx);
        let event = AuditEvent::failure(action::PASSWORD_CHANGE)
            .target("user", user_id)
            .detail("reason", "wrong_current_password");
        audit::record_standalone(&state.db, Some(auth.ctx.tenant_id()), &actor, event).await?;
        return Err(ApiError::Invalid(vec![FieldError::new(
            "current_password",
            "incorrect",
            "現在のパスワードが正しくありません",
        )]));
    }
    let policy = policy_of(&mut tx, &state).await?;
    let mut problems = policy.password_policy(user.has_second_factor).check(
        &body.new_password,
        &user.login_id,
        &user.display_name,
    );
    if body.new_password == body.current_password {
        problems.push(PasswordProblem::SameAsCurrent);
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(
            problems
                .iter()
                .map(|p| FieldError::new("new_password", p.code(), p.message_ja()))
                .collect(),
        ));
    }
    let hash = auth::hash_password(body.new_password).await?;
    users::set_password(&mut tx, user_id, &hash, false).await?;
    sessions::end_all_for_user(
        &mut tx,
        user_id,
        sessions::EndReason::PasswordChanged,
        Some(auth.session_id()),
    )
    .await?;
    let (ctx, token, csrf) = rotate_session(&mut tx, &state, &auth, auth.stage).await?;
    let event = AuditEvent::success(action::PASSWORD_CHANGE)
        .target("user", user_id)
        .detail("forced", user.must_change_password);
    audit::record(&mut tx, &Actor::of(&ctx, &ip), event).await?;
    let info = session_info(&mut tx, &state, &ctx, csrf, auth.stage).await?;
    tx.commit().await?;
    Ok(with_cookie(&token, info))
}

async fn overview(
    tx: &mut TenantTx,
    state: &AppState,
    ctx: &TenantContext,
) -> ApiResult<FactorOverview> {
    let policy = policy_of(tx, state).await?;
    Ok(FactorOverview {
        factors: security::list_factors(tx, ctx.user_id()).await?,
        recovery_codes_left: security::recovery_codes_left(tx, ctx.user_id()).await?,
        required: policy.requires_second_factor(ctx.role()),
    })
}

async fn factors(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<FactorOverview>> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let view = overview(&mut tx, &state, &auth.ctx).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Starts a TOTP enrolment: a new key, shown once as a QR code and as text. It counts only
/// after [`confirm_totp`].
async fn start_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    ApiJson(body): ApiJson<StartTotp>,
) -> ApiResult<Json<TotpEnrolment>> {
    let label = factor_label(&body.label)?;
    if has_factor(&state, &auth).await? {
        confirm_current_password(&state, &auth, &ip, &body.current_password).await?;
    }
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user = users::find(&mut tx, auth.ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(&mut tx).await?;
    let secret = totp::new_secret();
    let factor_id = uuid::Uuid::new_v4();
    let label = label.as_str();
    let sealed = state
        .config
        .secret_key
        .seal(&totp_row(&auth.ctx, factor_id), &secret)?;
    security::insert_totp(&mut tx, factor_id, auth.ctx.user_id(), label, &sealed).await?;
    tx.commit().await?;
    let uri = totp::otpauth_uri(
        "Karte",
        &format!("{}@{}", user.login_id, institution.code),
        &secret,
    );
    Ok(Json(TotpEnrolment {
        factor_id,
        secret: totp::secret_for_display(&secret),
        qr_svg: totp::qr_svg(&uri)?,
        otpauth_uri: uri,
    }))
}

/// The current password again, before a change to how the account is protected (a factor
/// added while one exists, a factor removed, new recovery codes): a session left open, or
/// taken over, is not enough. Attempts are throttled and counted like sign-ins.
pub(super) async fn confirm_current_password(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    password: &str,
) -> ApiResult<()> {
    let account = gate_account(state, auth, ip).await?;
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let stored = users::password_hash(&mut tx, auth.ctx.user_id()).await?;
    tx.commit().await?;
    let ok = auth::verify_password(stored, password.to_string()).await;
    if ok {
        system::login_succeeded(&state.db, &account.key).await?;
        return Ok(());
    }
    count_failure(state, account.lockout, &account.key).await?;
    Err(ApiError::Invalid(vec![FieldError::new(
        "current_password",
        "incorrect",
        "現在のパスワードが正しくありません",
    )]))
}

/// Whether the caller already has a confirmed second factor.
pub(super) async fn has_factor(state: &AppState, auth: &Authenticated) -> ApiResult<bool> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let has = security::has_confirmed_factor(&mut tx, auth.ctx.user_id()).await?;
    tx.commit().await?;
    Ok(has)
}

fn new_recovery_codes_for() -> (Vec<String>, Vec<[u8; 32]>) {
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| auth::one_time_password())
        .collect();
    let hashes = codes
        .iter()
        .filter_map(|c| normalised_recovery_code(c))
        .map(|c| recovery_code_hash(&c))
        .collect();
    (codes, hashes)
}

/// Confirms a TOTP enrolment with the first code from the app. The first factor brings
/// recovery codes; a session that was made to enrol becomes a full one (new cookie).
async fn confirm_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<ConfirmTotp>,
) -> ApiResult<Response> {
    let factor_id = crate::http::id_or_not_found::<uuid::Uuid>(&raw_id)?;
    let user_id = auth.ctx.user_id();
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let factor = security::find_totp(&mut tx, user_id, factor_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    if factor.confirmed {
        return Err(ApiError::code(ErrorCode::Conflict));
    }
    let secret = open_totp(&state, &auth.ctx, &factor)?;
    let accepted = match totp::verify(&secret, &body.code, totp::current_step(), None) {
        Some(step) => security::use_step(&mut tx, factor.factor_id, step).await?,
        None => false,
    };
    if !accepted {
        return Err(ApiError::Invalid(vec![FieldError::new(
            "code",
            "incorrect",
            "確認コードが正しくありません。アプリに表示されている6桁の数字を入力してください",
        )]));
    }
    factor_confirmed(tx, &state, &auth, &ip, "totp", factor.factor_id).await
}

/// A factor just confirmed (TOTP or WebAuthn): recovery codes when the user has none, audited,
/// and a session that was made to enrol becomes a full one (new cookie).
pub(super) async fn factor_confirmed(
    mut tx: TenantTx,
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    kind: &'static str,
    factor_id: uuid::Uuid,
) -> ApiResult<Response> {
    let user_id = auth.ctx.user_id();
    let recovery_codes = if security::recovery_codes_left(&mut tx, user_id).await? == 0 {
        let (codes, hashes) = new_recovery_codes_for();
        security::replace_recovery_codes(&mut tx, user_id, &hashes).await?;
        codes
    } else {
        Vec::new()
    };
    let event = AuditEvent::success(action::FACTOR_ENROL)
        .target("user", user_id)
        .detail("kind", kind)
        .detail("factor_id", factor_id.to_string())
        .detail("recovery_codes_issued", recovery_codes.len());
    audit::record(&mut tx, &Actor::of(&auth.ctx, ip), event).await?;
    if auth.stage == SessionStage::Enrolment {
        let (ctx, token, csrf) = rotate_session(&mut tx, state, auth, SessionStage::Full).await?;
        let session = session_info(&mut tx, state, &ctx, csrf, SessionStage::Full).await?;
        tx.commit().await?;
        return Ok(with_cookie(
            &token,
            FactorConfirmed {
                recovery_codes,
                session,
            },
        ));
    }
    let session = session_info(
        &mut tx,
        state,
        &auth.ctx,
        auth.csrf_token.clone(),
        auth.stage,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(FactorConfirmed {
        recovery_codes,
        session,
    })
    .into_response())
}

/// Removes one of the caller's factors. Refused for the last one when the policy requires a
/// second factor for the caller's role.
async fn revoke_factor(
    State(state): State<AppState>,
    user: crate::auth::ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<ConfirmPassword>,
) -> ApiResult<Json<FactorOverview>> {
    let factor_id = crate::http::id_or_not_found::<uuid::Uuid>(&raw_id)?;
    confirm_current_password(&state, &user.0, &ip, &body.current_password).await?;
    let ctx = user.ctx();
    let mut tx = TenantTx::begin(&state.db, ctx).await?;
    let policy = policy_of(&mut tx, &state).await?;
    let confirmed = security::list_factors(&mut tx, ctx.user_id()).await?;
    if !confirmed.iter().any(|f| f.factor_id == factor_id) {
        return Err(ApiError::code(ErrorCode::NotFound));
    }
    if confirmed.len() == 1 && policy.requires_second_factor(ctx.role()) {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "factor_id",
            "required",
            "二要素認証が必須のため、最後の認証手段は削除できません。先に別の手段を登録してください",
        )]));
    }
    security::revoke_factor(&mut tx, ctx.user_id(), factor_id, ctx.user_id()).await?;
    if confirmed.len() == 1 {
        // No factor left: the recovery codes would be a second factor of nothing.
        security::replace_recovery_codes(&mut tx, ctx.user_id(), &[]).await?;
    }
    let event = AuditEvent::success(action::FACTOR_REVOKE)
        .target("user", ctx.user_id())
        .detail("factor_id", factor_id.to_string());
    audit::record(&mut tx, &Actor::of(ctx, &ip), event).await?;
    let view = overview(&mut tx, &state, ctx).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// A fresh set of recovery codes; the earlier ones stop working.
async fn new_recovery_codes(
    State(state): State<AppState>,
    user: crate::auth::ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<ConfirmPassword>,
) -> ApiResult<Json<RecoveryCodes>> {
    confirm_current_password(&state, &user.0, &ip, &body.current_password).await?;
    let ctx = user.ctx();
    let mut tx = TenantTx::begin(&state.db, ctx).await?;
    if !security::has_confirmed_factor(&mut tx, ctx.user_id()).await? {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "factor",
            "none",
            "先に認証アプリを登録してください",
        )]));
    }
    let (codes, hashes) = new_recovery_codes_for();
    security::replace_recovery_codes(&mut tx, ctx.user_id(), &hashes).await?;
    let event = AuditEvent::success(action::RECOVERY_CODES_ISSUE)
        .target("user", ctx.user_id())
        .detail("count", codes.len());
    audit::record(&mut tx, &Actor::of(ctx, &ip), event).await?;
    tx.commit().await?;
    Ok(Json(RecoveryCodes { codes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_read_as_people_type_them() {
        let (codes, hashes) = new_recovery_codes_for();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        assert_eq!(hashes.len(), RECOVERY_CODE_COUNT);
        let typed = codes[0].to_uppercase().replace('-', " ");
        let normalised = normalised_recovery_code(&typed).unwrap();
        assert_eq!(recovery_code_hash(&normalised), hashes[0]);
        assert_eq!(normalised_recovery_code("123456"), None);
        assert_eq!(normalised_recovery_code("abcd-efgh-jkmn-pqr!"), None);
    }
}
