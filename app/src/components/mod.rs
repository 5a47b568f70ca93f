//! Reusable widgets: props in, callbacks out.

pub mod coverage;
pub mod field;
pub mod insurance;
pub mod prescription;
pub mod print_doc;
pub mod public_payment;
pub mod reauth;
pub mod shell;
pub mod trend;
pub mod version;
