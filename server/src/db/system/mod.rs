//! Every cross-tenant path, and nothing else: the login lookup and session check, the per-account
//! sign-in throttle, the operator's provisioning, the log writer's multi-institution batch and
//! the log verifier's reads. Everything else reaches tenant data through a [`TenantTx`] opened
//! for a signed-in user's [`TenantContext`]; the contexts are built here (a session or a login
//! that passed its password check) and nowhere else.
//!
//! `grep -rn "db::system" server/src` lists every caller; `server/tests/architecture.rs` keeps
//! the list short (no route handler opens an operator's transaction).
//!
//! [`TenantTx`]: crate::db::TenantTx
//! [`TenantContext`]: crate::db::TenantContext

mod logs;
mod operator;
mod signin;

pub use logs::{append_access, append_audit_standalone, chains, verification_tx};
pub use operator::{
    operator_tx, provision_institution, NewInstitution, ProvisionError, Provisioned,
};
pub use signin::{
    authenticate_session, institution_by_code, login_candidate, login_failed, login_gate,
    login_lockout, login_succeeded, throttle_key, Gate, LoginCandidate, SessionCheck, ValidSession,
};
