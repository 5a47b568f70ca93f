use super::{get, post, post_empty, post_no_content, ApiFailure};
use shared::api::auth::{
    ChangePassword, ConfirmPassword, ConfirmTotp, FactorConfirmed, FactorOverview, Login,
    RecoveryCodes, SecondFactor, SessionInfo, StartTotp, TotpEnrolment,
};

pub async fn login(body: &Login) -> Result<SessionInfo, ApiFailure> {
    post("/auth/login", "", body).await
}

/// The second step of sign-in (a 6-digit code or a recovery code).
pub async fn second_factor(csrf: &str, code: &str) -> Result<SessionInfo, ApiFailure> {
    post(
        "/auth/second-factor",
        csrf,
        &SecondFactor {
            code: code.to_string(),
        },
    )
    .await
}

pub async fn session() -> Result<SessionInfo, ApiFailure> {
    get("/auth/session").await
}

/// Whether the cookie is a session (answered 200 either way: nothing fails on a page opened
/// signed out).
pub async fn state() -> Result<shared::api::auth::SessionState, ApiFailure> {
    get("/auth/state").await
}

pub async fn logout(csrf: &str) -> Result<(), ApiFailure> {
    post_no_content("/auth/logout", csrf).await
}

pub async fn logout_everywhere(csrf: &str) -> Result<(), ApiFailure> {
    post_no_content("/auth/logout-everywhere", csrf).await
}

pub async fn change_password(csrf: &str, body: &ChangePassword) -> Result<SessionInfo, ApiFailure> {
    post("/auth/password", csrf, body).await
}

pub async fn factors() -> Result<FactorOverview, ApiFailure> {
    get("/auth/factors").await
}

/// `current_password` is needed when the user already has a factor.
pub async fn start_totp(
    csrf: &str,
    label: &str,
    current_password: &str,
) -> Result<TotpEnrolment, ApiFailure> {
    post(
        "/auth/factors/totp",
        csrf,
        &StartTotp {
            label: label.to_string(),
            current_password: current_password.to_string(),
        },
    )
    .await
}

pub async fn confirm_totp(
    csrf: &str,
    factor_id: shared::ids::FactorId,
    code: &str,
) -> Result<FactorConfirmed, ApiFailure> {
    post(
        &format!("/auth/factors/totp/{factor_id}/confirm"),
        csrf,
        &ConfirmTotp {
            code: code.to_string(),
        },
    )
    .await
}

pub async fn revoke_factor(
    csrf: &str,
    factor_id: shared::ids::FactorId,
    current_password: &str,
) -> Result<FactorOverview, ApiFailure> {
    post(
        &format!("/auth/factors/{factor_id}/revoke"),
        csrf,
        &ConfirmPassword {
            current_password: current_password.to_string(),
        },
    )
    .await
}

pub async fn new_recovery_codes(
    csrf: &str,
    current_password: &str,
) -> Result<RecoveryCodes, ApiFailure> {
    post(
        "/auth/recovery-codes",
        csrf,
        &ConfirmPassword {
            current_password: current_password.to_string(),
        },
    )
    .await
}

pub async fn start_webauthn(
    csrf: &str,
    label: &str,
    current_password: &str,
) -> Result<shared::api::auth::WebauthnChallenge, ApiFailure> {
    post(
        "/auth/factors/webauthn/start",
        csrf,
        &StartTotp {
            label: label.to_string(),
            current_password: current_password.to_string(),
        },
    )
    .await
}

pub async fn finish_webauthn(
    csrf: &str,
    body: &shared::api::auth::WebauthnRegistration,
) -> Result<FactorConfirmed, ApiFailure> {
    post("/auth/factors/webauthn/finish", csrf, body).await
}

pub async fn begin_webauthn_sign_in(
    csrf: &str,
) -> Result<shared::api::auth::WebauthnChallenge, ApiFailure> {
    post_empty("/auth/second-factor/webauthn/start", csrf).await
}

pub async fn webauthn_sign_in(
    csrf: &str,
    body: &shared::api::auth::WebauthnAssertion,
) -> Result<SessionInfo, ApiFailure> {
    post("/auth/second-factor/webauthn", csrf, body).await
}
