//! Every cross-tenant path, and nothing else: the login lookup and session check, the per-account
//! sign-in throttle, the operator's provisioning, the log writer's multi-institution batch, the
//! log verifier's reads and the file scrub's walk. Everything else reaches tenant data through a
//! [`TenantTx`] opened for a signed-in user's [`TenantContext`]; the contexts are built here (a
//! session or a login that passed its password check) and nowhere else.
//!
//! `server/tests/architecture.rs` lists who may name this module (the authenticator, the logs,
//! the services, the command line; never a route handler) and who may open a transaction for an
//! institution through it.
//!
//! [`TenantTx`]: crate::db::TenantTx
//! [`TenantContext`]: crate::db::TenantContext

mod files;
mod logs;
mod operator;
mod signin;

pub use files::{file_tenants, scrub_tx};
pub use logs::{append_access, append_audit_standalone, chains, verification_tx};
pub(crate) use operator::provision_institution;
pub use operator::{operator_tx, NewInstitution, ProvisionError};
pub use signin::{
    authenticate_session, institution_by_code, login_candidate, login_failed, login_gate,
    login_lockout, login_succeeded, throttle_key, Gate, LoginCandidate, SessionCheck, ValidSession,
};
