//! Passkeys and security keys (WebAuthn) as a second factor: registering one from the
//! 二要素認証 screen, and signing in with one at the second step. The checks are in
//! [`crate::webauthn`]; challenges are single-use, bound to the session, and expire in five
//! minutes. Failures count towards the account's lock like a wrong code.

use super::{confirmed, with_cookie};
use crate::auth::{AnySession, Authenticated};
use crate::db::{institutions, security, users, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::ClientIp;
use crate::routes::Routes;
use crate::services::signin::factors::{
    begin_second_factor, confirm_current_password, factor_confirmed, factor_label, has_factor,
    second_factor_failed, second_factor_passed,
};
use crate::state::AppState;
use crate::webauthn::{self, RelyingParty};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::post;
use axum::Json;
use shared::api::auth::{StartTotp, WebauthnAssertion, WebauthnChallenge, WebauthnRegistration};
use shared::api::{ErrorCode, FieldError};

pub(super) fn router() -> Routes {
    Routes::new()
        .route("/auth/factors/webauthn/start", post(start_registration))
        .route("/auth/factors/webauthn/finish", post(finish_registration))
        .route("/auth/second-factor/webauthn/start", post(start_assertion))
        .route("/auth/second-factor/webauthn", post(finish_assertion))
}

/// The relying party: the configured public origin; without one, the request's own host (HTTP/2
/// authority, else Host) only when it is this machine (development and tests).
fn relying_party(state: &AppState, headers: &HeaderMap, uri: &Uri) -> ApiResult<RelyingParty> {
    if let Some(origin) = &state.config.public_origin {
        return RelyingParty::from_origin(origin).ok_or(ApiError::code(ErrorCode::Unavailable));
    }
    let host = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    match RelyingParty::from_host(&host) {
        Some(rp) if rp.is_loopback() => Ok(rp),
        _ => {
            // The Host is the client's choice: a 4xx, not a 5xx the client could provoke.
            tracing::warn!("WebAuthn needs KARTE_PUBLIC_ORIGIN on a server not at localhost");
            Err(ApiError::code(ErrorCode::BadRequest).with_field(FieldError::new(
                "host",
                "not_relying_party",
                "この接続先ではセキュリティキーを使えません。管理者に KARTE_PUBLIC_ORIGIN の設定を依頼してください",
            )))
        }
    }
}

async fn start_registration(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(body): ApiJson<StartTotp>,
) -> ApiResult<Json<WebauthnChallenge>> {
    let label = factor_label(&body.label)?;
    let label = label.as_str();
    if has_factor(&state, &auth).await? {
        confirm_current_password(&state, &auth, &ip, &body.current_password).await?;
    }
    let rp = relying_party(&state, &headers, &uri)?;
    let user_id = auth.ctx.user_id();
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let user = users::find(&mut tx, user_id)
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let institution = institutions::current(&mut tx).await?;
    let existing: Vec<Vec<u8>> = security::webauthn_credentials(&mut tx, user_id)
        .await?
        .into_iter()
        .map(|f| f.credential_id)
        .collect();
    let challenge = webauthn::new_challenge();
    let challenge_id = security::insert_challenge(
        &mut tx,
        user_id,
        auth.session_id(),
        "register",
        &challenge,
        Some(label),
    )
    .await?;
    tx.commit().await?;
    let options = webauthn::creation_options(
        &rp,
        &format!("Karte {}", institution.name),
        user_id.as_uuid().as_bytes(),
        &format!("{}@{}", user.login_id, institution.code),
        &user.display_name,
        &challenge,
        &existing,
    );
    Ok(Json(WebauthnChallenge {
        challenge_id,
        options,
    }))
}

async fn finish_registration(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(body): ApiJson<WebauthnRegistration>,
) -> ApiResult<Response> {
    let rp = relying_party(&state, &headers, &uri)?;
    let user_id = auth.ctx.user_id();
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let (challenge, label) = security::take_challenge(
        &mut tx,
        body.challenge_id,
        user_id,
        auth.session_id(),
        "register",
    )
    .await?
    .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let refused = |e: webauthn::WebauthnError| {
        tracing::info!(reason = e.code(), "webauthn registration refused");
        ApiError::Invalid(vec![FieldError::new(
            "credential",
            e.code(),
            "セキュリティキーの登録を確認できませんでした。もう一度お試しください",
        )])
    };
    let credential = webauthn::verify_registration(
        &rp,
        &challenge,
        &webauthn::unb64(&body.client_data_json).map_err(refused)?,
        &webauthn::unb64(&body.attestation_object).map_err(refused)?,
    )
    .map_err(refused)?;
    let label = label.unwrap_or_else(|| "セキュリティキー".into());
    let factor_id = security::insert_webauthn(
        &mut tx,
        user_id,
        &label,
        &credential.credential_id,
        &credential.public_key,
        credential.sign_count,
    )
    .await?
    .ok_or_else(|| {
        ApiError::Conflict(vec![FieldError::new(
            "credential",
            "registered",
            "このセキュリティキーは既に登録されています",
        )])
    })?;
    Ok(confirmed(
        factor_confirmed(tx, &state, &auth, &ip, "webauthn", factor_id).await?,
    ))
}

async fn start_assertion(
    State(state): State<AppState>,
    session: AnySession,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Json<WebauthnChallenge>> {
    let auth = session.0;
    if auth.stage != shared::api::auth::SessionStage::SecondFactor {
        return Err(ApiError::code(ErrorCode::Conflict));
    }
    let rp = relying_party(&state, &headers, &uri)?;
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let allow: Vec<Vec<u8>> = security::webauthn_credentials(&mut tx, auth.ctx.user_id())
        .await?
        .into_iter()
        .map(|f| f.credential_id)
        .collect();
    if allow.is_empty() {
        return Err(ApiError::code(ErrorCode::Conflict));
    }
    let challenge = webauthn::new_challenge();
    let challenge_id = security::insert_challenge(
        &mut tx,
        auth.ctx.user_id(),
        auth.session_id(),
        "authenticate",
        &challenge,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(WebauthnChallenge {
        challenge_id,
        options: webauthn::request_options(&rp, &challenge, &allow),
    }))
}

async fn finish_assertion(
    State(state): State<AppState>,
    session: AnySession,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(body): ApiJson<WebauthnAssertion>,
) -> ApiResult<Response> {
    let auth = session.0;
    let rp = relying_party(&state, &headers, &uri)?;
    let (mut tx, account) = begin_second_factor(&state, &auth, &ip).await?;
    let user_id = auth.ctx.user_id();
    let outcome = async {
        let (challenge, _) = security::take_challenge(
            &mut tx,
            body.challenge_id,
            user_id,
            auth.session_id(),
            "authenticate",
        )
        .await?
        .ok_or("unknown_challenge")?;
        let credential_id = webauthn::unb64(&body.credential_id).map_err(|e| e.code())?;
        let factor = security::webauthn_credentials(&mut tx, user_id)
            .await?
            .into_iter()
            .find(|f| f.credential_id == credential_id)
            .ok_or("unknown_credential")?;
        let count = webauthn::verify_assertion(
            &rp,
            &challenge,
            &factor.public_key,
            u32::try_from(factor.sign_count).unwrap_or(u32::MAX),
            &webauthn::unb64(&body.client_data_json).map_err(|e| e.code())?,
            &webauthn::unb64(&body.authenticator_data).map_err(|e| e.code())?,
            &webauthn::unb64(&body.signature).map_err(|e| e.code())?,
        )
        .map_err(|e| e.code())?;
        if !security::use_webauthn(&mut tx, factor.factor_id, count).await? {
            return Err(Refusal::Reason("counter_went_back"));
        }
        Ok::<(), Refusal>(())
    }
    .await;
    match outcome {
        Ok(()) => {
            let session =
                second_factor_passed(tx, &state, &auth, &ip, &account, "webauthn").await?;
            Ok(with_cookie(&session.token, session.info))
        }
        Err(Refusal::Db(e)) => Err(e.into()),
        Err(Refusal::Reason(reason)) => {
            drop(tx);
            Err(second_factor_failed(&state, &auth, &ip, &account, reason).await?)
        }
    }
}

/// Why an assertion was not accepted: a database error, or a reason for the audit log.
enum Refusal {
    Db(sqlx::Error),
    Reason(&'static str),
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e)
    }
}

impl From<&'static str> for Refusal {
    fn from(reason: &'static str) -> Self {
        Self::Reason(reason)
    }
}
