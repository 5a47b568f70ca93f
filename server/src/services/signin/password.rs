//! A user's own password change (also the forced change after a one-time password): the
//! current password checked, the new one against the institution's policy, the user's other
//! sessions ended and this one rotated.

use super::session::{policy_of, rotate_session, session_info};
use super::NewSession;
use crate::auth::{self, Authenticated};
use crate::db::{sessions, users, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use shared::api::auth::ChangePassword;
use shared::api::{ErrorCode, FieldError};
use shared::domain::PasswordProblem;

/// Changes the caller's own password (also the forced change after a one-time password).
/// Other sessions of the user end; this one is rotated (new cookie).
pub async fn change_password(
    state: &AppState,
    auth: &Authenticated,
    ip: &ClientIp,
    body: ChangePassword,
) -> ApiResult<NewSession> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user_id = auth.ctx.user_id();
    let user = users::find(&mut tx, user_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let stored = users::password_hash(&mut tx, user_id).await?;
    let current_ok = auth::verify_password(stored, body.current_password.clone()).await;
    let actor = Actor::of(&auth.ctx, ip);
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
    let policy = policy_of(&mut tx, state).await?;
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
    let (ctx, token, csrf) = rotate_session(&mut tx, state, auth, auth.stage).await?;
    let event = AuditEvent::success(action::PASSWORD_CHANGE)
        .target("user", user_id)
        .detail("forced", user.must_change_password);
    audit::record(&mut tx, &Actor::of(&ctx, ip), event).await?;
    let info = session_info(&mut tx, state, &ctx, csrf, auth.stage).await?;
    tx.commit().await?;
    Ok(NewSession { token, info })
}
