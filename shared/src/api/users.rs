//! User administration within one's own institution (administrators only).

use crate::domain::Role;
pub use crate::domain::{CreateUser, NewUser};
use crate::ids::UserId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user_id: UserId,
    pub login_id: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    /// RFC 3339, UTC, from the server clock.
    pub created_at: String,
    /// Sign-in is locked until then (too many failed attempts); an administrator can lift it.
    #[serde(default)]
    pub locked_until: Option<String>,
    /// The user has a confirmed second factor (TOTP).
    #[serde(default)]
    pub has_second_factor: bool,
    /// A doctor's 麻薬施用者免許証番号, if registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narcotic_license: Option<String>,
    /// Its version (0: never set): what a change is based on.
    #[serde(default)]
    pub narcotic_license_version: i32,
}

/// `PUT /users/{id}/narcotic-license`: a doctor's 麻薬施用者免許証番号 (empty removes it), as a
/// new version based on `base_version`, with a reason from version 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetNarcoticLicense {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub license: String,
    #[serde(default)]
    pub reason: String,
}

impl SetNarcoticLicense {
    /// The license as stored (half-width, trimmed), or the problems of the request.
    pub fn validate(&self) -> Result<String, Vec<crate::api::FieldError>> {
        use crate::api::FieldError;
        let license: String = self
            .license
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '－' => {
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                c => c,
            })
            .collect();
        let mut errors = Vec::new();
        if license.chars().count() > 15
            || !license
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(FieldError::new(
                "license",
                "invalid",
                "麻薬施用者免許証番号は15文字までの英数字で入力してください",
            ));
        }
        if self.base_version > 0 && self.reason.trim().is_empty() {
            errors.push(FieldError::new(
                "reason",
                "required",
                "変更の理由を入力してください",
            ));
        }
        if let Err(e) = crate::domain::text::reason("reason", &self.reason) {
            errors.push(e);
        }
        if errors.is_empty() {
            Ok(license)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_reports_every_bad_field() {
        let bad = CreateUser {
            login_id: "x".into(),
            display_name: " ".into(),
            role: Role::Nurse,
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["login_id", "display_name"]);
        let good = CreateUser {
            login_id: "Nurse01".into(),
            display_name: "架空 花子".into(),
            role: Role::Nurse,
        };
        assert_eq!(good.validate().unwrap().login_id.as_str(), "nurse01");
    }
}

/// A new account, or a reset one, with the password the user must change at first login.
/// The password is shown once and never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub user: UserSummary,
    pub one_time_password: String,
}
