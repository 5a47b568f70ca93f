//! Validated value types. Each constructor checks its input and says what is wrong.

pub mod allergy;
pub mod attachment;
pub mod billing_settings;
pub mod chart;
pub mod coverage;
pub mod diagnosis;
pub mod document;
mod field;
mod institution;
pub mod insurance;
pub mod item_set;
pub mod japanese;
pub mod order;
mod password;
pub mod patient;
pub mod reception;
mod security;
pub mod text;
mod user;
pub mod version;

pub use field::FieldError;
pub use institution::{
    InstitutionCode, InstitutionCodeError, InstitutionName, InstitutionProfileInput, ValidProfile,
};
pub use password::{
    entered_password, is_common, looks_like_a_date, PasswordPolicy, PasswordProblem,
};
pub use security::SecurityPolicy;
pub use user::{
    clean_text, CreateUser, DisplayName, LoginId, NewUser, Permission, Role, TextError,
};
