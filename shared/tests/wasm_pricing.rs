//! The wasm32 half of the pricing benchmark: the same measurements as `benches/pricing.rs`
//! (`shared::billing::bench::run`), compiled to wasm32 and run in headless Chromium, timed with
//! `performance.now()`. Not a test: it only builds with the `bench` feature and only for wasm32,
//! so `cargo test` never runs it. `scripts/bench-billing` runs it:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=600 \
//!   cargo test -p karte-shared --release --features bench \
//!   --target wasm32-unknown-unknown --test wasm_pricing -- --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
#[path = "common/worked_cases.rs"]
mod worked_cases;

use shared::billing::bench::{run, run_orders, Config};
use shared::billing::MemoryCatalog;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn pricing_in_the_browser() {
    let catalog = MemoryCatalog::outpatient_2024_06();
    let failures = worked_cases::price_table(worked_cases::WORKED_CASES, &catalog);
    assert!(failures.is_empty(), "{failures:#?}");
    let cases = [
        ("C3", worked_cases::c3_with_pharmacist()),
        ("C6", worked_cases::c6()),
    ];
    let performance = web_sys::window()
        .expect("a window")
        .performance()
        .expect("performance");
    let mut now = || performance.now();
    run(
        "wasm",
        &cases,
        &catalog,
        &Config::default(),
        &mut now,
        &mut |line| console_log!("{line}"),
    );
    // The same visits as the doctor's orders added to the clerk's entries (会計 from orders).
    for (name, visit) in &cases {
        run_orders(
            "wasm",
            &format!("{name}-orders"),
            visit,
            &catalog,
            &Config::default(),
            &mut now,
            &mut |line| console_log!("{line}"),
        );
    }
    // The month's claims (レセプト) and UKE files; the memory is the module's linear memory,
    // which only grows (so, its peak).
    shared::claims::bench::run_claims(
        "wasm",
        &catalog,
        &Config::default(),
        &mut now,
        &mut || Some(core::arch::wasm32::memory_size(0) * 65_536),
        &mut |line| console_log!("{line}"),
    );
}
