//! Device authentication (端末認証) with client certificates: the server's mode and an
//! institution's registry of device certificates, by SHA-256 fingerprint.

use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};

/// Whether the server asks TLS clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientCertMode {
    /// No certificates are asked for.
    #[default]
    Off,
    /// Asked for; a presented certificate must chain to the configured CA. The institution's
    /// policy names the roles that must sign in from a registered device.
    Optional,
    /// Every connection must present a certificate of the configured CA, and every sign-in
    /// must come from a device registered with the user's institution.
    Required,
}

impl ClientCertMode {
    pub fn code(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Off, Self::Optional, Self::Required]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// A registered device certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSummary {
    pub device_id: DeviceId,
    /// e.g. "外来1番端末".
    pub name: String,
    /// Lower-case hex SHA-256 of the certificate (DER).
    pub fingerprint: String,
    /// RFC 3339, UTC.
    pub registered_at: String,
    pub registered_by: Option<String>,
    pub revoked_at: Option<String>,
}

/// `POST /api/v1/devices`: a name and the certificate, as PEM or as its SHA-256 fingerprint
/// (hex, colons and spaces allowed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterDevice {
    pub name: String,
    pub certificate: String,
}

/// `GET /api/v1/devices/this`: the server's mode and the certificate this connection presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThisDevice {
    pub mode: ClientCertMode,
    pub fingerprint: Option<String>,
}

/// A fingerprint as people copy it (`AB:CD:…`, spaces, either case) in canonical form:
/// 64 lower-case hex digits; `None` if it is not one.
pub fn parse_fingerprint(input: &str) -> Option<String> {
    let hex: String = input
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// `ab:cd:…` for display, in groups people can compare.
pub fn display_fingerprint(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_as_copied() {
        let canonical = "ab".repeat(32);
        let copied = display_fingerprint(&canonical);
        assert!(copied.starts_with("AB:AB:"));
        assert_eq!(
            parse_fingerprint(&copied).as_deref(),
            Some(canonical.as_str())
        );
        assert_eq!(
            parse_fingerprint(&canonical.to_uppercase()).as_deref(),
            Some(canonical.as_str())
        );
        assert_eq!(parse_fingerprint("abc"), None);
        assert_eq!(parse_fingerprint(&"zz".repeat(32)), None);
        assert_eq!(
            ClientCertMode::from_code("optional"),
            Some(ClientCertMode::Optional)
        );
    }
}
