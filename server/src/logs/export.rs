//! Exports of the logs: CSV (UTF-8 with BOM, for Excel), JSON, and FHIR R4 `AuditEvent`s.
//! Times are written in JST (+09:00) with their offset, so they are unambiguous and local.

use crate::chain::hex;
use crate::db::logs::{AccessRow, AuditRow};
use serde_json::{json, Value};
use shared::api::logs::{AccessLogEntry, AuditLogEntry};
use shared::ids::{PatientId, SessionId, UserId};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "fhir" => Some(Self::Fhir),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Fhir => "fhir",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Fhir => "application/fhir+json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json | Self::Fhir => "json",
        }
    }
}

pub fn utc(t: OffsetDateTime) -> String {
    crate::clock::rfc3339(t)
}

fn jst(t: OffsetDateTime) -> String {
    t.to_offset(crate::clock::jst())
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn access_entry(r: &AccessRow) -> AccessLogEntry {
    AccessLogEntry {
        seq: r.seq,
        logged_at: utc(r.logged_at),
        user_id: r.user_id.map(UserId),
        session_id: r.session_id.map(SessionId),
        client_ip: r.client_ip.clone(),
        client_cert_sha256: r.client_cert_sha256.clone(),
        method: r.method.clone(),
        route: r.route.clone(),
        patient_id: r.patient_id.map(PatientId),
        status: r.status,
        duration_ms: r.duration_ms,
    }
}

pub fn audit_entry(r: &AuditRow) -> AuditLogEntry {
    AuditLogEntry {
        seq: r.seq,
        logged_at: utc(r.logged_at),
        actor_user_id: r.actor_user_id.map(UserId),
        session_id: r.session_id.map(SessionId),
        client_ip: r.client_ip.clone(),
        action: r.action.clone(),
        result: r.result.clone(),
        target_type: r.target_type.clone(),
        target_id: r.target_id.clone(),
        details: r.details.clone(),
    }
}

/// One CSV field: quoted when needed; a leading `= + - @` (a formula to Excel) is neutralised.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn opt(v: &Option<impl ToString>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

pub fn access(rows: &[AccessRow], format: Format) -> Vec<u8> {
    match format {
        Format::Csv => csv(
            &[
                "連番",
                "日時",
                "利用者ID",
                "セッションID",
                "接続元IP",
                "端末証明書SHA-256",
                "メソッド",
                "ルート",
                "患者ID",
                "ステータス",
                "所要時間(ms)",
                "ハッシュ",
            ],
            rows.iter().map(|r| {
                vec![
                    r.seq.to_string(),
                    jst(r.logged_at),
                    opt(&r.user_id),
                    opt(&r.session_id),
                    opt(&r.client_ip),
                    opt(&r.client_cert_sha256),
                    r.method.clone(),
                    r.route.clone(),
                    opt(&r.patient_id),
                    r.status.to_string(),
                    r.duration_ms.to_string(),
                    hex(&r.row_hash),
                ]
            }),
        ),
        Format::Json => {
            let entries: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(access_entry(r)).unwrap_or(Value::Null);
                    v["row_hash"] = Value::String(hex(&r.row_hash));
                    v
                })
                .collect();
            serde_json::to_vec_pretty(&entries).unwrap_or_default()
        }
        Format::Fhir => bundle(rows.iter().map(access_fhir).collect()),
    }
}

pub fn audit(rows: &[AuditRow], format: Format) -> Vec<u8> {
    match format {
        Format::Csv => csv(
            &[
                "連番",
                "日時",
                "操作者ID",
                "セッションID",
                "接続元IP",
                "操作",
                "操作名",
                "結果",
                "対象種別",
                "対象ID",
                "詳細",
                "ハッシュ",
            ],
            rows.iter().map(|r| {
                vec![
                    r.seq.to_string(),
                    jst(r.logged_at),
                    opt(&r.actor_user_id),
                    opt(&r.session_id),
                    opt(&r.client_ip),
                    r.action.clone(),
                    shared::api::logs::action_label_ja(&r.action).to_string(),
                    r.result.clone(),
                    opt(&r.target_type),
                    opt(&r.target_id),
                    r.details.to_string(),
                    hex(&r.row_hash),
                ]
            }),
        ),
        Format::Json => {
            let entries: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(audit_entry(r)).unwrap_or(Value::Null);
                    v["row_hash"] = Value::String(hex(&r.row_hash));
                    v
                })
                .collect();
            serde_json::to_vec_pretty(&entries).unwrap_or_default()
        }
        Format::Fhir => bundle(rows.iter().map(audit_fhir).collect()),
    }
}

fn bundle(resources: Vec<Value>) -> Vec<u8> {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| json!({ "resource": r }))
        .collect();
    serde_json::to_vec_pretty(&json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entries,
    }))
    .unwrap_or_default()
}

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

fn agent(user: Option<uuid::Uuid>, ip: &Option<String>) -> Value {
    let mut agent = json!({ "requestor": true });
    if let Some(user) = user {
        agent["who"] =
            json!({ "identifier": { "system": "urn:karte:user", "value": user.to_string() } });
    }
    if let Some(ip) = ip {
        agent["network"] = json!({ "address": ip, "type": "2" });
    }
    agent
}

/// FHIR R4 AuditEvent for one request (RESTful operation; Patient Record when it concerns one).
fn access_fhir(r: &AccessRow) -> Value {
    let action = match r.method.as_str() {
        "POST" => "C",
        "PUT" | "PATCH" => "U",
        "DELETE" => "D",
        "GET" | "HEAD" => "R",
        _ => "E",
    };
    let outcome = match r.status {
        s if s < 400 => "0",
        s if s < 500 => "4",
        _ => "8",
    };
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": format!("access-{}", r.seq),
        "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation" },
        "action": action,
        "recorded": utc(r.logged_at),
        "outcome": outcome,
        "outcomeDesc": format!("HTTP {}", r.status),
        "agent": [agent(r.user_id, &r.client_ip)],
        "source": { "observer": { "display": "Karte" } },
        "entity": [{ "what": { "display": r.route.clone() }, "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object" } }],
    });
    if let Some(patient) = r.patient_id {
        event["subtype"] =
            json!([{ "system": DCM, "code": "110110", "display": "Patient Record" }]);
        if let Some(entities) = event["entity"].as_array_mut() {
            entities.push(json!({ "what": { "identifier": { "system": "urn:karte:patient", "value": patient.to_string() } }, "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person" } }));
        }
    }
    event
}

/// FHIR R4 AuditEvent for one security event (DICOM audit event types).
fn audit_fhir(r: &AuditRow) -> Value {
    let (code, display) = match r.action.as_str() {
        "login" | "logout" => ("110114", "User Authentication"),
        "log_export" => ("110106", "Export"),
        "password_change" | "password_reset" | "user_create" | "user_disable" | "user_enable" => {
            ("110137", "User Security Attributes Changed")
        }
        _ => ("110100", "Application Activity"),
    };
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": format!("audit-{}", r.seq),
        "type": { "system": DCM, "code": code, "display": display },
        "subtype": [{ "system": "urn:karte:audit-action", "code": r.action.clone(), "display": shared::api::logs::action_label_ja(&r.action) }],
        "action": "E",
        "recorded": utc(r.logged_at),
        "outcome": if r.result == "success" { "0" } else { "4" },
        "agent": [agent(r.actor_user_id, &r.client_ip)],
        "source": { "observer": { "display": "Karte" } },
    });
    if let (Some(kind), Some(id)) = (&r.target_type, &r.target_id) {
        event["entity"] = json!([{ "what": { "identifier": { "system": format!("urn:karte:{kind}"), "value": id } } }]);
    }
    event
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
