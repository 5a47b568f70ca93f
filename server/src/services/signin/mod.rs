//! Sign-in's building blocks, used by the auth handlers (which translate HTTP; the passkey
//! handlers also speak WebAuthn's challenge protocol):
//! the gates every attempt passes ([`gates`]), sessions opened and rotated ([`session`]), the
//! password step ([`login`]), second factors and recovery codes ([`factors`]) and the password
//! change ([`password`]).
//!
//! Session ids are rotated (a new token, the old session ended) at every privilege change:
//! second factor accepted, enrolment completed, password changed.

pub mod factors;
pub mod gates;
pub mod login;
pub mod password;
pub mod session;

use shared::api::auth::SessionInfo;

/// A session just opened or rotated: the token its cookie carries and what the app is told.
pub struct NewSession {
    pub token: String,
    pub info: SessionInfo,
}
