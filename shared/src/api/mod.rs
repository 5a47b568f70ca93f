//! Request and response bodies of `/api/v1`, one module per resource.
//! Requests are named for the action (`CreateUser`), responses for what they show (`UserSummary`).

pub mod attachments;
pub mod auth;
pub mod billing;
pub mod body;
pub mod chart;
pub mod claims;
pub mod devices;
pub mod documents;
pub mod error;
pub mod health;
pub mod insurance;
pub mod logs;
pub mod orders;
pub mod patients;
pub mod reception;
pub mod security;
pub mod users;

pub use error::{ErrorBody, ErrorCode, FieldError};

/// Every API path starts with this; a breaking change gets a new prefix.
pub const PREFIX: &str = "/api/v1";
/// Header that carries the per-session CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Marks a request the app makes by timer (a screen refreshing itself), not by the user: it does
/// not count as activity for the session's idle timeout.
pub const BACKGROUND_HEADER: &str = "x-karte-background";
