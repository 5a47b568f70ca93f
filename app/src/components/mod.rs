//! Reusable widgets: props in, callbacks out.

pub mod field;
pub mod insurance;
pub mod shell;
pub mod version;
