//! Karte's thin API server: terminates TLS 1.3, authenticates, opens tenant-scoped
//! transactions, validates with `shared` types and persists. Business rules live in `shared`.

// No unwrap or expect outside tests: a panic in a request or in the browser is a defect.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo_masters;
pub mod error;
pub mod http;
pub mod logs;
pub mod routes;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod tls;
pub mod totp;
pub mod webauthn;

/// The git commit this binary was built from.
pub const COMMIT: &str = env!("KARTE_COMMIT");
