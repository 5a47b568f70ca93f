//! Authentication: password hashing (argon2id), session tokens, and the extractors that turn
//! a request's session cookie into a [`TenantContext`] (which `crate::db::system`'s session
//! check builds; no handler can).

use crate::db::patients::{self, PatientRow};
use crate::db::system::{self, SessionCheck};
use crate::db::{Db, TenantContext, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::logs::AccessNote;
use crate::state::AppState;
use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use shared::api::auth::SessionStage;
use shared::api::{ErrorCode, BACKGROUND_HEADER, CSRF_HEADER};
use shared::domain::Permission;
use shared::ids::{PatientId, SessionId};
use std::sync::OnceLock;
use subtle::ConstantTimeEq;

/// The session cookie. `__Host-` makes the browser insist on Secure, Path=/ and no Domain.
pub const SESSION_COOKIE: &str = "__Host-karte_session";

/// argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1: OWASP's recommendation).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password to a PHC string. CPU-heavy: call through [`hash_password`].
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    Ok(hash.to_string())
}

fn verify_blocking(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes off the async runtime, so a login does not stall other requests.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("hash task")?
}

/// Verifies against `hash`, or against a fixed dummy hash when there is no such user, so an
/// unknown login id costs the same time as a wrong password.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
    tokio::task::spawn_blocking(move || verify_blocking(&hash, &password))
        .await
        .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("karte-no-such-user-dummy").unwrap_or_default())
}

/// A random token for a cookie or CSRF header: 256 bits, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A one-time password for a new or reset account: 4 groups of 4 from an alphabet without
/// look-alikes (no 0/o, 1/l/i), e.g. `k7fq-2mxa-9wnd-c3tp`. The user must change it at first login.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    loop {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        // 256 is not a multiple of 31; rejecting values >= 248 keeps the choice uniform.
        if bytes.iter().any(|b| *b >= 248) {
            continue;
        }
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
            .collect();
        let has_digit = chars.iter().any(|c| c.is_ascii_digit());
        let has_letter = chars.iter().any(|c| c.is_ascii_alphabetic());
        if has_digit && has_letter {
            return chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-");
        }
    }
}

/// `Set-Cookie` value that starts a session.
pub fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The fingerprint of the client certificate the request's connection presented, if any.
pub struct ClientCert(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientCert {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Self(crate::tls::connection_fingerprint(&parts.extensions)))
    }
}

/// A request with a valid session past its password and second factor (possibly one that
/// must still change its password or enrol a second factor). State-changing requests must
/// also carry the session's CSRF token in `x-csrf-token`.
pub struct Authenticated {
    pub ctx: TenantContext,
    pub csrf_token: String,
    pub must_change_password: bool,
    pub stage: SessionStage,
    /// The registered device the session is bound to.
    pub device_id: Option<shared::ids::DeviceId>,
}

impl Authenticated {
    pub fn session_id(&self) -> SessionId {
        // Contexts built here always come from a session.
        self.ctx
            .session_id()
            .unwrap_or(SessionId(uuid::Uuid::nil()))
    }
}

/// A request with a valid session at any stage, including one still owing its second factor:
/// only the session, sign-out and second-factor endpoints take this.
pub struct AnySession(pub Authenticated);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        session_of(parts, state).await.map(Self)
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let session = session_of(parts, state).await?;
        if session.stage == SessionStage::SecondFactor {
            return Err(ApiError::code(ErrorCode::SecondFactorRequired));
        }
        Ok(session)
    }
}

async fn session_of(parts: &mut Parts, state: &AppState) -> ApiResult<Authenticated> {
    let token =
        cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::code(ErrorCode::Unauthorized))?;
    let idle = i32::try_from(state.config.idle_timeout.as_secs()).unwrap_or(i32::MAX);
    let activity = !parts.headers.contains_key(BACKGROUND_HEADER);
    let valid =
        match system::authenticate_session(&state.db, &token_hash(token), idle, activity).await? {
            None => return Err(ApiError::code(ErrorCode::Unauthorized)),
            Some(SessionCheck::Expired) => return Err(ApiError::code(ErrorCode::SessionExpired)),
            Some(SessionCheck::Valid(valid)) => valid,
        };
    if let Some(note) = parts.extensions.get::<AccessNote>() {
        note.set_actor(
            valid.ctx.tenant_id(),
            Some(valid.ctx.user_id()),
            valid.ctx.session_id(),
        );
    }
    // A session opened from a registered device is good only from that device: a cookie
    // copied to another machine is not a session there.
    if let Some(bound) = &valid.device_fingerprint {
        if crate::tls::connection_fingerprint(&parts.extensions).as_ref() != Some(bound) {
            return Err(ApiError::code(ErrorCode::Unauthorized));
        }
    }
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !bool::from(sent.as_bytes().ct_eq(valid.csrf_token.as_bytes())) {
            return Err(ApiError::code(ErrorCode::CsrfFailed));
        }
    }
    let stage = SessionStage::from_code(&valid.stage).context("unknown stage in session check")?;
    Ok(Authenticated {
        ctx: valid.ctx,
        csrf_token: valid.csrf_token,
        must_change_password: valid.must_change_password,
        stage,
        device_id: valid.device_id,
    })
}

/// An authenticated user who has no pending forced password change: what every ordinary
/// endpoint requires.
pub struct ActiveUser(pub Authenticated);

impl ActiveUser {
    pub fn ctx(&self) -> &TenantContext {
        &self.0.ctx
    }

    /// Refuses with 403 unless the user's role grants `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        self.require_any(&[permission])
    }

    /// 403 unless the user's role has one of `permissions`.
    pub fn require_any(&self, permissions: &[Permission]) -> ApiResult<()> {
        if permissions.iter().any(|p| self.0.ctx.role().can(*p)) {
            Ok(())
        } else {
            Err(ApiError::code(ErrorCode::Forbidden))
        }
    }
}

impl FromRequestParts<AppState> for ActiveUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        if auth.must_change_password {
            return Err(ApiError::code(ErrorCode::PasswordChangeRequired));
        }
        if auth.stage == SessionStage::Enrolment {
            return Err(ApiError::code(ErrorCode::TwoFactorEnrolmentRequired));
        }
        Ok(Self(auth))
    }
}

/// A request about the patient its path names (`{patient_id}`), by an active user. The handler
/// reaches that patient only through [`PatientPath::open`], which parses the id, opens the tenant
/// transaction, loads the patient in it (404 for a malformed id or another institution's
/// patient) and marks the access-log entry with the patient: none of the three can be forgotten.
/// The handler checks the user's permission first, as every handler does.
pub struct PatientPath {
    user: ActiveUser,
    raw: String,
    access: AccessNote,
}

impl PatientPath {
    pub fn user(&self) -> &ActiveUser {
        &self.user
    }

    /// The request's access-log entry (for a second record the handler looks up).
    pub fn access(&self) -> &AccessNote {
        &self.access
    }

    /// The path's patient id, parsed (404 when it is not one): for a handler that must refuse a
    /// malformed id before it looks at the body. It still reaches the patient through `open`.
    pub fn id(&self) -> ApiResult<PatientId> {
        crate::http::id_or_not_found::<PatientId>(&self.raw)
    }

    /// The patient, in a new transaction of the user's institution.
    pub async fn open(&self, db: &Db) -> ApiResult<(TenantTx, PatientRow)> {
        let id = self.id()?;
        let mut tx = TenantTx::begin(db, self.user.ctx()).await?;
        let patient = patients::find(&mut tx, id)
            .await?
            .ok_or(ApiError::code(ErrorCode::NotFound))?;
        self.access.set_patient(patient.patient_id);
        Ok((tx, patient))
    }
}

impl FromRequestParts<AppState> for PatientPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let user = ActiveUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::code(ErrorCode::NotFound))?;
        let raw = params
            .iter()
            .find(|(name, _)| *name == "patient_id")
            .map(|(_, value)| value.to_string())
            .ok_or_else(|| anyhow::anyhow!("PatientPath on a route without {{patient_id}}"))?;
        let Ok(access) = AccessNote::from_request_parts(parts, state).await;
        Ok(Self { user, raw, access })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_blocking("correct-horse-42").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_blocking(&hash, "correct-horse-42"));
        assert!(!verify_blocking(&hash, "correct-horse-43"));
        assert!(!verify_blocking("not a hash", "x"));
    }

    #[test]
    fn one_time_passwords_are_grouped_and_unambiguous() {
        for _ in 0..200 {
            let pw = one_time_password();
            assert_eq!(pw.len(), 19, "{pw}");
            assert!(
                pw.chars()
                    .all(|c| c == '-' || "abcdefghjkmnpqrstuvwxyz23456789".contains(c)),
                "{pw}"
            );
        }
        assert_ne!(one_time_password(), one_time_password());
    }

    #[test]
    fn cookie_parsing_finds_the_named_cookie_only() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            "a=1; __Host-karte_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
