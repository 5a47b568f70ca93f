//! Second factors: TOTP keys sealed with the server's secret key, recovery codes, the second
//! step of sign-in (started, refused, passed) and the confirmation of a new factor. The current
//! password is asked again before any change to how an account is protected.

use super::gates::{count_failure, gate_account, Account};
use super::session::{policy_of, rotate_session, session_info};
use super::NewSession;
use crate::auth::{self, Authenticated};
use crate::db::system;
use crate::db::{institutions, security, users, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use crate::totp;
use sha2::{Digest, Sha256};
use shared::api::auth::{
    FactorConfirmed, FactorOverview, RecoveryCodes, SessionStage, StartTotp, TotpEnrolment,
};
use shared::api::{ErrorCode, FieldError};
use shared::ids::{FactorId, TenantId, UserId};

/// Recovery codes issued at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// A recovery code as the user may type it (any case, with or without hyphens and spaces),
/// reduced to its 16 characters; `None` when it cannot be one.
pub fn normalised_recovery_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect();
    (code.len() == 16 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

pub fn recovery_code_hash(normalised: &str) -> [u8; 32] {
    Sha256::digest(normalised.as_bytes()).into()
}

/// What a user calls a factor: 1–64 characters, as names are checked everywhere.
pub fn factor_label(raw: &str) -> ApiResult<String> {
    shared::domain::clean_text(raw, 64).map_err(|_| {
        ApiError::Invalid(vec![FieldError::new(
            "label",
            "invalid",
            "名前は1〜64文字で入力してください（例: 業務用スマートフォン）",
        )])
    })
}

/// The associated data a TOTP key is sealed with: the row it belongs to.
pub fn totp_row(ctx: &TenantContext, factor_id: FactorId) -> Vec<u8> {
    sealed_row(ctx.tenant_id(), ctx.user_id(), factor_id)
}

/// The bytes every stored TOTP key is sealed with: changing them makes every enrolled
/// factor unreadable (a test pins them).
fn sealed_row(tenant: TenantId, user: UserId, factor_id: FactorId) -> Vec<u8> {
    let mut row = b"karte:totp:".to_vec();
    row.extend_from_slice(tenant.as_uuid().as_bytes());
    row.extend_from_slice(user.as_uuid().as_bytes());
    row.extend_from_slice(factor_id.as_uuid().as_bytes());
    row
}

/// A TOTP factor's key, unsealed; an error (500, logged) when it does not open: the server runs
/// with another secret key than the one that sealed it.
pub fn open_totp(
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
pub async fn begin_second_factor(
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
pub async fn second_factor_failed(
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
pub async fn second_factor_passed(
    mut tx: TenantTx,
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    account: &Account,
    method: &'static str,
) -> ApiResult<NewSession> {
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
    Ok(NewSession { token, info })
}

/// The current password again, before a change to how the account is protected (a factor
/// added while one exists, a factor removed, new recovery codes): a session left open, or
/// taken over, is not enough. Attempts are throttled and counted like sign-ins.
pub async fn confirm_current_password(
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
pub async fn has_factor(state: &AppState, auth: &Authenticated) -> ApiResult<bool> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let has = security::has_confirmed_factor(&mut tx, auth.ctx.user_id()).await?;
    tx.commit().await?;
    Ok(has)
}

pub fn new_recovery_codes_for() -> (Vec<String>, Vec<[u8; 32]>) {
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

/// A factor just confirmed (TOTP or WebAuthn): recovery codes when the user has none, audited,
/// and a session that was made to enrol becomes a full one (the new cookie's token returned).
pub async fn factor_confirmed(
    mut tx: TenantTx,
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    kind: &'static str,
    factor_id: FactorId,
) -> ApiResult<(FactorConfirmed, Option<String>)> {
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
        return Ok((
            FactorConfirmed {
                recovery_codes,
                session,
            },
            Some(token),
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
    Ok((
        FactorConfirmed {
            recovery_codes,
            session,
        },
        None,
    ))
}

pub async fn overview(
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

/// The second step of sign-in with a TOTP code or a recovery code.
pub async fn second_factor_code(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    code: &str,
) -> ApiResult<NewSession> {
    let (mut tx, account) = begin_second_factor(state, auth, ip).await?;
    let user_id = auth.ctx.user_id();
    let now = totp::current_step();
    let mut method = None;
    for factor in security::confirmed_totps(&mut tx, user_id).await? {
        let secret = open_totp(state, &auth.ctx, &factor)?;
        if let Some(step) = totp::verify(&secret, code, now, factor.last_used_step) {
            if security::use_step(&mut tx, factor.factor_id, step).await? {
                method = Some("totp");
                break;
            }
        }
    }
    if method.is_none() {
        if let Some(code) = normalised_recovery_code(code) {
            if security::use_recovery_code(&mut tx, user_id, &recovery_code_hash(&code)).await? {
                method = Some("recovery_code");
            }
        }
    }
    match method {
        Some(method) => second_factor_passed(tx, state, auth, ip, &account, method).await,
        None => {
            drop(tx);
            Err(second_factor_failed(state, auth, ip, &account, "wrong_code").await?)
        }
    }
}

/// Starts a TOTP enrolment: a new key, shown once as a QR code and as text. It counts only
/// after [`confirm_totp`].
pub async fn start_totp(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    body: &StartTotp,
) -> ApiResult<TotpEnrolment> {
    let label = factor_label(&body.label)?;
    if has_factor(state, auth).await? {
        confirm_current_password(state, auth, ip, &body.current_password).await?;
    }
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user = users::find(&mut tx, auth.ctx.user_id())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(&mut tx).await?;
    let secret = totp::new_secret();
    let factor_id = FactorId(uuid::Uuid::new_v4());
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
    Ok(TotpEnrolment {
        factor_id,
        secret: totp::secret_for_display(&secret),
        qr_svg: totp::qr_svg(&uri)?,
        otpauth_uri: uri,
    })
}

/// Confirms a TOTP enrolment with the first code from the app. The first factor brings
/// recovery codes; a session that was made to enrol becomes a full one (new cookie).
pub async fn confirm_totp(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    factor_id: FactorId,
    code: &str,
) -> ApiResult<(FactorConfirmed, Option<String>)> {
    let user_id = auth.ctx.user_id();
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let factor = security::find_totp(&mut tx, user_id, factor_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    if factor.confirmed {
        return Err(ApiError::code(ErrorCode::Conflict));
    }
    let secret = open_totp(state, &auth.ctx, &factor)?;
    let accepted = match totp::verify(&secret, code, totp::current_step(), None) {
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
    factor_confirmed(tx, state, auth, ip, "totp", factor.factor_id).await
}

/// Removes one of the caller's factors. Refused for the last one when the policy requires a
/// second factor for the caller's role.
pub async fn revoke_factor(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    factor_id: FactorId,
    current_password: &str,
) -> ApiResult<FactorOverview> {
    confirm_current_password(state, auth, ip, current_password).await?;
    let ctx = &auth.ctx;
    let mut tx = TenantTx::begin(&state.db, ctx).await?;
    let policy = policy_of(&mut tx, state).await?;
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
    audit::record(&mut tx, &Actor::of(ctx, ip), event).await?;
    let view = overview(&mut tx, state, ctx).await?;
    tx.commit().await?;
    Ok(view)
}

/// A fresh set of recovery codes; the earlier ones stop working.
pub async fn new_recovery_codes(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    current_password: &str,
) -> ApiResult<RecoveryCodes> {
    confirm_current_password(state, auth, ip, current_password).await?;
    let ctx = &auth.ctx;
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
    audit::record(&mut tx, &Actor::of(ctx, ip), event).await?;
    tx.commit().await?;
    Ok(RecoveryCodes { codes })
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

    #[test]
    fn the_sealed_row_of_a_totp_key_keeps_its_bytes() {
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let row = sealed_row(TenantId(id(1)), UserId(id(2)), FactorId(id(3)));
        let mut expected = b"karte:totp:".to_vec();
        for n in [1u128, 2, 3] {
            expected.extend_from_slice(&n.to_be_bytes());
        }
        assert_eq!(row, expected);
    }
}
