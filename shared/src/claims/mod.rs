//! Claim files sent to the 審査支払機関: their record models, writers and readers, as pure code
//! (no IO, no clock, no randomness). The server fills them from its claims and stores or sends
//! the bytes; the browser can read one back to show it.
//!
//! - [`uke`]: the レセプト電算処理システム file `RECEIPTC.UKE` (記録条件仕様（医科）).
//! - [`codes`]: the code tables (特記事項, 診療科) the claims fill in from Karte's facts.
//! - [`month`]: the month's レセプト built from the finalised bills, with the checks before
//!   filing, and the UKE files they make.

// The claims benchmark's workload and harness (feature `bench`; its tests run with the crate's).
#[cfg(any(test, feature = "bench"))]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod bench;
pub mod codes;
pub mod month;
pub mod uke;
