//! One module per route.

pub mod bill;
pub mod billing_settings;
pub mod chart;
pub mod chart_print;
pub mod chart_records;
pub mod devices;
pub mod home;
pub mod login;
pub mod logs;
pub mod not_found;
pub mod password;
pub mod patients;
pub mod reception;
pub mod security;
pub mod security_policy;
pub mod users;
