//! The audit log: security-relevant events with actor, action, target and what changed.
//! Every module records its events through [`record`] (inside the transaction that makes the
//! change, so both commit or neither) or [`record_standalone`] (events with no transaction,
//! such as a failed login). Details hold codes and ids: never passwords, secrets, tokens or
//! clinical text.

use crate::chain::{self, canonical_json, AuditEntry, NO_TENANT};
use crate::db::{self, Db, TenantContext, TenantTx};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Map, Value};
use shared::ids::{SessionId, TenantId, UserId};
use std::convert::Infallible;

/// The stable action codes. New modules add theirs here.
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const USER_CREATE: &str = "user_create";
    pub const USER_DISABLE: &str = "user_disable";
    pub const USER_ENABLE: &str = "user_enable";
    pub const INSTITUTION_PROVISION: &str = "institution_provision";
    pub const LOG_EXPORT: &str = "log_export";
    pub const LOG_VERIFY: &str = "log_verify";
    pub const BILLING_SETTINGS_CHANGE: &str = "billing_settings_change";
    pub const BILL_FINALIZE: &str = "bill_finalize";
    pub const BILL_CORRECT: &str = "bill_correct";
    pub const LOGIN_SECOND_FACTOR: &str = "login_second_factor";
    pub const LOGOUT_EVERYWHERE: &str = "logout_everywhere";
    pub const FACTOR_ENROL: &str = "factor_enrol";
    pub const FACTOR_REVOKE: &str = "factor_revoke";
    pub const FACTORS_RESET: &str = "factors_reset";
    pub const RECOVERY_CODES_ISSUE: &str = "recovery_codes_issue";
    pub const LOGIN_UNLOCK: &str = "login_unlock";
    pub const SECURITY_POLICY_CHANGE: &str = "security_policy_change";
    pub const DEVICE_REGISTER: &str = "device_register";
    pub const DEVICE_REVOKE: &str = "device_revoke";
    pub const NOTE_FINALIZE: &str = "note_finalize";
    pub const NOTE_AMEND: &str = "note_amend";
    pub const NOTE_APPROVE: &str = "note_approve";
    pub const DIAGNOSIS_RECORD: &str = "diagnosis_record";
    pub const DIAGNOSIS_CHANGE: &str = "diagnosis_change";
    pub const LAB_IMPORT: &str = "lab_import";
    pub const CHART_PRINT: &str = "chart_print";
    pub const ORDER_FINALIZE: &str = "order_finalize";
    pub const ORDER_AMEND: &str = "order_amend";
    pub const ORDER_CANCEL: &str = "order_cancel";
    pub const ORDER_APPROVE: &str = "order_approve";
    pub const ALLERGY_RECORD: &str = "allergy_record";
    pub const ALLERGY_CHANGE: &str = "allergy_change";
    pub const PRESCRIPTION_ISSUE: &str = "prescription_issue";
    pub const INSTITUTION_PROFILE_CHANGE: &str = "institution_profile_change";
    pub const CLAIMS_VIEW: &str = "claims_view";
    pub const CLAIMS_FILE: &str = "claims_file";
    pub const CLAIMS_DOWNLOAD: &str = "claims_download";
    pub const CLAIMS_RETURN: &str = "claims_return";
    pub const CLAIMS_NOTE: &str = "claims_note";
    pub const USER_LICENSE_CHANGE: &str = "user_license_change";
    pub const RECEPTION_COVERAGE: &str = "reception_coverage";
    pub const FILE_STORE: &str = "file_store";
    pub const FILE_REPAIR: &str = "file_repair";
    pub const ATTACHMENT_RECORD: &str = "attachment_record";
    pub const ATTACHMENT_CHANGE: &str = "attachment_change";
    pub const ATTACHMENT_RETRACT: &str = "attachment_retract";
    pub const DOCUMENT_CREATE: &str = "document_create";
    pub const DOCUMENT_FINALIZE: &str = "document_finalize";
    pub const DOCUMENT_AMEND: &str = "document_amend";
    pub const DOCUMENT_OUTPUT: &str = "document_output";
    pub const PRINT_CREATE: &str = "print_create";
    pub const PRINT_OUTPUT: &str = "print_output";

    /// Every code above, for the viewer's filter.
    pub const ALL: &[&str] = &[
        LOGIN,
        LOGOUT,
        PASSWORD_CHANGE,
        PASSWORD_RESET,
        USER_CREATE,
        USER_DISABLE,
        USER_ENABLE,
        INSTITUTION_PROVISION,
        LOG_EXPORT,
        LOG_VERIFY,
        BILLING_SETTINGS_CHANGE,
        BILL_FINALIZE,
        BILL_CORRECT,
        LOGIN_SECOND_FACTOR,
        LOGOUT_EVERYWHERE,
        FACTOR_ENROL,
        FACTOR_REVOKE,
        FACTORS_RESET,
        RECOVERY_CODES_ISSUE,
        LOGIN_UNLOCK,
        SECURITY_POLICY_CHANGE,
        DEVICE_REGISTER,
        DEVICE_REVOKE,
        NOTE_FINALIZE,
        NOTE_AMEND,
        NOTE_APPROVE,
        DIAGNOSIS_RECORD,
        DIAGNOSIS_CHANGE,
        LAB_IMPORT,
        CHART_PRINT,
        ORDER_FINALIZE,
        ORDER_AMEND,
        ORDER_CANCEL,
        ORDER_APPROVE,
        ALLERGY_RECORD,
        ALLERGY_CHANGE,
        PRESCRIPTION_ISSUE,
        INSTITUTION_PROFILE_CHANGE,
        CLAIMS_VIEW,
        CLAIMS_FILE,
        CLAIMS_DOWNLOAD,
        CLAIMS_RETURN,
        CLAIMS_NOTE,
        RECEPTION_COVERAGE,
        USER_LICENSE_CHANGE,
        FILE_STORE,
        FILE_REPAIR,
        ATTACHMENT_RECORD,
        ATTACHMENT_CHANGE,
        ATTACHMENT_RETRACT,
        DOCUMENT_CREATE,
        DOCUMENT_FINALIZE,
        DOCUMENT_AMEND,
        DOCUMENT_OUTPUT,
        PRINT_CREATE,
        PRINT_OUTPUT,
    ];
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    action: &'static str,
    success: bool,
    target_type: Option<&'static str>,
    target_id: Option<String>,
    details: Map<String, Value>,
}

impl AuditEvent {
    pub fn success(action: &'static str) -> Self {
        Self {
            action,
            success: true,
            target_type: None,
            target_id: None,
            details: Map::new(),
        }
    }

    pub fn failure(action: &'static str) -> Self {
        Self {
            success: false,
            ..Self::success(action)
        }
    }

    /// What the action was done to: `("user", id)`, `("patient", id)`…
    pub fn target(mut self, target_type: &'static str, target_id: impl ToString) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id.to_string());
        self
    }

    /// A detail of what changed: codes, ids, counts. Never secrets or clinical text.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    fn entry(self, tenant_id: TenantId, actor: &Actor) -> AuditEntry {
        AuditEntry {
            tenant_id,
            logged_at: chain::truncate_to_micros(time::OffsetDateTime::now_utc()),
            actor_user_id: actor.user_id,
            session_id: actor.session_id,
            client_ip: actor.client_ip.clone(),
            action: self.action.to_string(),
            result: if self.success { "success" } else { "failure" }.to_string(),
            target_type: self.target_type.map(str::to_string),
            target_id: self.target_id,
            details: canonical_json(&Value::Object(self.details)),
        }
    }
}

/// Who did it, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    pub client_ip: Option<String>,
}

impl Actor {
    /// The signed-in user of `ctx`, at `ip`.
    pub fn of(ctx: &TenantContext, ip: &ClientIp) -> Self {
        Self {
            user_id: Some(ctx.user_id()),
            session_id: ctx.session_id(),
            client_ip: ip.0.clone(),
        }
    }

    /// The operator at the command line (no user, no address).
    pub fn operator() -> Self {
        Self::default()
    }
}

/// Records `event` for the transaction's institution, inside the transaction.
pub async fn record(
    tx: &mut TenantTx,
    actor: &Actor,
    event: AuditEvent,
) -> Result<(), sqlx::Error> {
    let entry = event.entry(tx.tenant_id(), actor);
    db::logs::append_audit(tx, &entry).await
}

/// Records `event` in its own transaction, for `tenant` or (None) for no known institution.
pub async fn record_standalone(
    db: &Db,
    tenant: Option<TenantId>,
    actor: &Actor,
    event: AuditEvent,
) -> Result<(), sqlx::Error> {
    let entry = event.entry(tenant.unwrap_or(NO_TENANT), actor);
    db::system::append_audit_standalone(db, &entry).await
}

/// The client's address, as the server saw it.
#[derive(Debug, Clone, Default)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self(super::access::client_ip(&parts.extensions)))
    }
}
