//! Reusable widgets: props in, callbacks out.

pub mod coverage;
pub mod field;
pub mod insurance;
pub mod prescription;
pub mod public_payment;
pub mod reauth;
pub mod receipt;
pub mod shell;
pub mod trend;
pub mod version;
