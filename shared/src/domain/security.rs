//! An institution's security policy: password rules, lockout, session timeouts and which roles
//! must sign in with a second factor. Defaults follow the 医療情報システムの安全管理に関する
//! ガイドライン 第6.0版 (システム運用編 14章 and Q&A): passwords of 13+ characters, or 8+ with a
//! second factor; two-factor authentication for systems running in 令和9年度 and later.

use super::{PasswordPolicy, Role};
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// Minimum password length for a user without a second factor (guideline floor 13).
    pub password_min_length: u32,
    /// Minimum password length for a user with a second factor (guideline floor 8).
    pub password_min_length_two_factor: u32,
    /// How many of 英字・数字・記号 a password mixes (1–3).
    pub password_min_classes: u32,
    /// Failed attempts (password or second factor) before the account is locked.
    pub lockout_threshold: u32,
    /// The first lock's length in seconds; each further lock doubles it.
    pub lockout_seconds: u32,
    /// The longest a lock lasts, in seconds.
    pub lockout_max_seconds: u32,
    /// A session without requests for this long ends.
    pub idle_timeout_seconds: u32,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime_seconds: u32,
    /// Roles that must sign in with a second factor (a user without one enrols at sign-in).
    pub two_factor_roles: Vec<Role>,
    /// Roles that must sign in from a registered device (client certificate), when the server
    /// asks for certificates optionally. (With certificates required, every role must.)
    #[serde(default)]
    pub device_roles: Vec<Role>,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            password_min_length: Self::GUIDELINE_MIN_LENGTH,
            password_min_length_two_factor: Self::GUIDELINE_MIN_LENGTH_TWO_FACTOR,
            password_min_classes: 2,
            lockout_threshold: 5,
            lockout_seconds: 60,
            lockout_max_seconds: 3600,
            idle_timeout_seconds: 30 * 60,
            session_lifetime_seconds: 12 * 3600,
            two_factor_roles: Vec::new(),
            device_roles: Vec::new(),
        }
    }
}

impl SecurityPolicy {
    pub const GUIDELINE_MIN_LENGTH: u32 = 13;
    pub const GUIDELINE_MIN_LENGTH_TWO_FACTOR: u32 = 8;

    /// The password rule for a user with or without a second factor.
    pub fn password_policy(&self, has_second_factor: bool) -> PasswordPolicy {
        PasswordPolicy {
            min_length: if has_second_factor {
                self.password_min_length_two_factor
            } else {
                self.password_min_length
            } as usize,
            min_classes: self.password_min_classes as usize,
        }
    }

    pub fn requires_second_factor(&self, role: Role) -> bool {
        self.two_factor_roles.contains(&role)
    }

    pub fn requires_device(&self, role: Role) -> bool {
        self.device_roles.contains(&role)
    }

    /// Every problem, by field, in Japanese. The database checks the same bounds.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut range = |field: &str, value: u32, min: u32, max: u32, what: &str| {
            if !(min..=max).contains(&value) {
                errors.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("{what}は{min}〜{max}の範囲で指定してください"),
                ));
            }
        };
        range(
            "password_min_length",
            self.password_min_length,
            Self::GUIDELINE_MIN_LENGTH,
            64,
            "パスワードの最小文字数（二要素なし）",
        );
        range(
            "password_min_length_two_factor",
            self.password_min_length_two_factor,
            Self::GUIDELINE_MIN_LENGTH_TWO_FACTOR,
            64,
            "パスワードの最小文字数（二要素あり）",
        );
        range(
            "password_min_classes",
            self.password_min_classes,
            1,
            3,
            "文字種の数",
        );
        range(
            "lockout_threshold",
            self.lockout_threshold,
            3,
            20,
            "ロックまでの失敗回数",
        );
        range(
            "lockout_seconds",
            self.lockout_seconds,
            30,
            86_400,
            "最初のロック時間（秒）",
        );
        range(
            "lockout_max_seconds",
            self.lockout_max_seconds,
            self.lockout_seconds.max(30),
            604_800,
            "最長のロック時間（秒）",
        );
        range(
            "idle_timeout_seconds",
            self.idle_timeout_seconds,
            60,
            86_400,
            "無操作タイムアウト（秒）",
        );
        range(
            "session_lifetime_seconds",
            self.session_lifetime_seconds,
            self.idle_timeout_seconds.max(600),
            604_800,
            "セッションの最長時間（秒）",
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_guideline_and_valid() {
        let policy = SecurityPolicy::default();
        assert_eq!(policy.validate(), Ok(()));
        assert_eq!(policy.password_policy(false).min_length, 13);
        assert_eq!(policy.password_policy(true).min_length, 8);
    }

    #[test]
    fn values_below_the_guideline_or_inconsistent_are_refused() {
        let policy = SecurityPolicy {
            password_min_length: 12,
            password_min_length_two_factor: 7,
            lockout_seconds: 600,
            lockout_max_seconds: 300,
            idle_timeout_seconds: 3600,
            session_lifetime_seconds: 1800,
            ..SecurityPolicy::default()
        };
        let fields: Vec<String> = policy
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "password_min_length",
                "password_min_length_two_factor",
                "lockout_max_seconds",
                "session_lifetime_seconds"
            ]
        );
    }

    #[test]
    fn roles_requiring_a_second_factor_are_named() {
        let policy = SecurityPolicy {
            two_factor_roles: vec![Role::Doctor, Role::Admin],
            ..SecurityPolicy::default()
        };
        assert!(policy.requires_second_factor(Role::Admin));
        assert!(!policy.requires_second_factor(Role::Clerk));
    }
}
