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
