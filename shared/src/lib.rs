//! Types, rules and formats that the browser (wasm32) and the server (native) share.
//!
//! Nothing here does IO, reads the clock or draws randomness: the same input gives the same
//! output on both sides. Wire types live in [`api`], validated values in [`domain`].

// No unwrap or expect outside tests: a panic in a request or in the browser is a defect.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod billing;
pub mod claims;
#[cfg(feature = "dicom")]
pub mod dicom;
pub mod domain;
pub mod ids;
pub mod masters;
pub mod media;
pub mod print;
pub mod sjis;

/// The product version, as built into both the app and the server.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
