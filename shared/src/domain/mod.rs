//! Validated value types. Each constructor checks its input and says what is wrong.

mod institution;
pub mod insurance;
pub mod japanese;
mod password;
mod user;

pub use institution::{InstitutionCode, InstitutionCodeError, InstitutionName};
pub use password::{PasswordPolicy, PasswordProblem};
pub use user::{DisplayName, LoginId, Permission, Role, TextError};
