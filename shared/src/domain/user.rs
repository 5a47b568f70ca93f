//! Staff accounts: login ids, display names, roles and what each role may do.

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("入力してください")]
    Empty,
    #[error("長すぎます")]
    TooLong,
    #[error("使用できない文字が含まれています")]
    Forbidden,
}

/// Trims, rejects control characters and enforces a length in characters.
pub fn clean_text(input: &str, max_chars: usize) -> Result<String, TextError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    if text
        .chars()
        .any(|c| super::text::is_forbidden(c, super::text::Lines::Single))
    {
        return Err(TextError::Forbidden);
    }
    Ok(text.to_string())
}

/// A login id, unique within an institution: 3–32 of `a-z 0-9 . _ -`, compared lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginId(String);

impl LoginId {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(input: &str) -> Result<Self, TextError> {
        let id = input.trim().to_ascii_lowercase();
        if id.is_empty() {
            return Err(TextError::Empty);
        }
        if id.len() > Self::MAX {
            return Err(TextError::TooLong);
        }
        if id.len() < Self::MIN
            || !id.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
        {
            return Err(TextError::Forbidden);
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LoginId {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LoginId> for String {
    fn from(value: LoginId) -> Self {
        value.0
    }
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A staff member's name as shown in the app and in logs of who wrote what (1–64 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        clean_text(input, 64).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DisplayName> for String {
    fn from(value: DisplayName) -> Self {
        value.0
    }
}

/// A staff member's job, which decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Doctor,
    Nurse,
    Clerk,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Doctor, Role::Nurse, Role::Clerk, Role::Admin];

    /// The stable code stored in the database and sent on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The label the UI shows.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Doctor => "医師",
            Role::Nurse => "看護師",
            Role::Clerk => "医事・受付",
            Role::Admin => "管理者",
        }
    }

    /// Whether this role may do `permission`. The server checks this on every request;
    /// the app uses it only to hide what cannot be done.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match (self, permission) {
            (Role::Admin, ManageUsers | ViewLogs | ManageInstitution) => true,
            (_, ManageUsers | ViewLogs | ManageInstitution) => false,
            (Role::Doctor | Role::Nurse, ReadChart) => true,
            (Role::Clerk | Role::Admin, ReadChart) => false,
            (Role::Clerk | Role::Doctor, FrontDesk) => true,
            (Role::Nurse | Role::Admin, FrontDesk) => false,
            (Role::Nurse | Role::Doctor, Ward) => true,
            (Role::Clerk | Role::Admin, Ward) => false,
            (Role::Doctor | Role::Nurse | Role::Clerk, ReadPatients) => true,
            (Role::Admin, ReadPatients) => false,
            (Role::Clerk | Role::Doctor, EditPatients) => true,
            (Role::Nurse | Role::Admin, EditPatients) => false,
            (Role::Doctor, Diagnose) => true,
            (_, Diagnose) => false,
            (Role::Clerk, ProxyEntry) => true,
            (_, ProxyEntry) => false,
        }
    }
}

/// The actions the roles are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// List, create, disable users of one's own institution.
    ManageUsers,
    /// Search, view, export and verify the access and audit logs of one's own institution.
    ViewLogs,
    /// Find and read patients (demographics).
    ReadPatients,
    /// Register and edit patients.
    EditPatients,
    /// Read and write patient charts (カルテ).
    ReadChart,
    /// Reception, registration and payment (受付・会計).
    FrontDesk,
    /// Ward work: vitals, nursing notes (病棟).
    Ward,
    /// The institution's settings (billing: 施設基準, beds, dispensing).
    ManageInstitution,
    /// Record and change diagnoses (傷病名), approve 代行入力.
    Diagnose,
    /// 代行入力: read the chart and write notes on behalf of a doctor, pending the doctor's
    /// approval (医師事務作業補助者).
    ProxyEntry,
}

/// `POST /api/v1/users`. The institution is always the caller's own; there is no field for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateUser {
    pub login_id: String,
    pub display_name: String,
    pub role: Role,
}

/// A [`CreateUser`] whose fields passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login_id: LoginId,
    pub display_name: DisplayName,
    pub role: Role,
}

impl CreateUser {
    /// Checks every field and reports each problem, so the form can mark them all at once.
    pub fn validate(&self) -> Result<NewUser, Vec<FieldError>> {
        let login_id = LoginId::parse(&self.login_id);
        let display_name = DisplayName::parse(&self.display_name);
        match (login_id, display_name) {
            (Ok(login_id), Ok(display_name)) => Ok(NewUser {
                login_id,
                display_name,
                role: self.role,
            }),
            (login_id, display_name) => {
                let mut errors = Vec::new();
                if let Err(e) = login_id {
                    errors.push(FieldError::new(
                        "login_id",
                        "invalid",
                        format!("ログインID: {e}（半角英小文字・数字・. _ - で3〜32文字）"),
                    ));
                }
                if let Err(e) = display_name {
                    errors.push(FieldError::new(
                        "display_name",
                        "invalid",
                        format!("氏名: {e}"),
                    ));
                }
                Err(errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_ids_are_lowercased_and_restricted() {
        assert_eq!(
            LoginId::parse("  Dr.Tanaka_01 ").unwrap().as_str(),
            "dr.tanaka_01"
        );
        assert_eq!(LoginId::parse(""), Err(TextError::Empty));
        assert_eq!(LoginId::parse("ab"), Err(TextError::Forbidden));
        assert_eq!(LoginId::parse("has space"), Err(TextError::Forbidden));
        assert_eq!(LoginId::parse("たなか"), Err(TextError::Forbidden));
        assert_eq!(LoginId::parse(&"a".repeat(33)), Err(TextError::TooLong));
    }

    #[test]
    fn display_names_trim_and_reject_control_characters() {
        assert_eq!(
            DisplayName::parse(" 架空 太郎 ").unwrap().as_str(),
            "架空 太郎"
        );
        assert_eq!(DisplayName::parse("a\u{0}b"), Err(TextError::Forbidden));
        assert_eq!(
            DisplayName::parse(&"名".repeat(65)),
            Err(TextError::TooLong)
        );
    }

    #[test]
    fn roles_round_trip_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_admins_manage_users() {
        for role in Role::ALL {
            assert_eq!(
                role.can(Permission::ManageUsers),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }
}
