//! Karte's thin API server: terminates TLS 1.3, authenticates, opens tenant-scoped
//! transactions, validates with `shared` types and persists. Billing, validation and formats
//! live in `shared`; the record workflows (who may finalise, amend, approve) in `services`.
//!
//! The modules form layers; each names only those below it (`tests/architecture.rs` checks it):
//!
//! | layer | modules | what |
//! |---|---|---|
//! | helpers | `chain`, `clock`, `error`, `files`, `secrets`, `throttle`, `totp`, `webauthn`, `telemetry`, `demo_masters` | pieces that name no other module: the log hash chain, JST, the edge error, the two file stores (bytes and checksums), sealing (and the owner-only key file), limits, TOTP and WebAuthn checks |
//! | edge | `config`, `http`, then `tls` | settings; body, path and query extractors and the JSON-only error layers; TLS 1.3 and certificate fingerprints |
//! | storage | `db` | every query, through a `TenantTx` opened for a `TenantContext`; the few cross-tenant paths (and the only places a context is built) in `db::system` |
//! | logs | `logs` | the access-log writer, audit events, the verifier and exports, on top of storage |
//! | state, auth | `state`, then `auth` | what every handler can reach; the session cookie turned into a `TenantContext` |
//! | services | `services` | what a request or command does (sign-in, the note workflow, diagnoses, observations, the print, the operator's provisioning), with HTTP taken off; audit events recorded in the same transaction as the change |
//! | backups | `backup` | pgBackRest run for an operator: set-up, runs, status, verification, the restore drill |
//! | handlers | `routes` | HTTP in, a service or a query, HTTP out; a route module never reaches into a sibling |
//! | start-up | `startup`, then `cli` | the server assembled; the operator's commands |

// No unwrap or expect outside tests: a panic in a request or in the browser is a defect.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod backup;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo_masters;
pub mod error;
pub mod files;
pub mod http;
pub mod logs;
pub mod pdf;
pub mod routes;
pub mod secrets;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod tls;
pub mod totp;
pub mod webauthn;

/// The git commit this binary was built from.
pub const COMMIT: &str = env!("KARTE_COMMIT");
