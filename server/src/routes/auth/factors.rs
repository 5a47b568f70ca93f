//! The user's own second factors: the overview, TOTP enrolment, removing a factor and new
//! recovery codes. (Passkeys: [`super::webauthn`].)

use super::confirmed;
use crate::auth::{ActiveUser, Authenticated};
use crate::db::TenantTx;
use crate::error::ApiResult;
use crate::http::{id_or_not_found, ApiJson};
use crate::logs::audit::ClientIp;
use crate::services::signin::factors;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use shared::api::auth::{
    ConfirmPassword, ConfirmTotp, FactorOverview, RecoveryCodes, StartTotp, TotpEnrolment,
};
use shared::ids::FactorId;

pub(super) async fn factors(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<FactorOverview>> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let view = factors::overview(&mut tx, &state, &auth.ctx).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Starts a TOTP enrolment: a new key, shown once as a QR code and as text. It counts only
/// after [`confirm_totp`].
pub(super) async fn start_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    ApiJson(body): ApiJson<StartTotp>,
) -> ApiResult<Json<TotpEnrolment>> {
    Ok(Json(factors::start_totp(&state, &auth, &ip, &body).await?))
}

/// Confirms a TOTP enrolment with the first code from the app. The first factor brings
/// recovery codes; a session that was made to enrol becomes a full one (new cookie).
pub(super) async fn confirm_totp(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<ConfirmTotp>,
) -> ApiResult<Response> {
    let factor_id = id_or_not_found::<FactorId>(&raw_id)?;
    let done = factors::confirm_totp(&state, &auth, &ip, factor_id, &body.code).await?;
    Ok(confirmed(done))
}

/// Removes one of the caller's factors. Refused for the last one when the policy requires a
/// second factor for the caller's role.
pub(super) async fn revoke_factor(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<ConfirmPassword>,
) -> ApiResult<Json<FactorOverview>> {
    let factor_id = id_or_not_found::<FactorId>(&raw_id)?;
    let view =
        factors::revoke_factor(&state, &user.0, &ip, factor_id, &body.current_password).await?;
    Ok(Json(view))
}

/// A fresh set of recovery codes; the earlier ones stop working.
pub(super) async fn new_recovery_codes(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiJson(body): ApiJson<ConfirmPassword>,
) -> ApiResult<Json<RecoveryCodes>> {
    let codes = factors::new_recovery_codes(&state, &user.0, &ip, &body.current_password).await?;
    Ok(Json(codes))
}
