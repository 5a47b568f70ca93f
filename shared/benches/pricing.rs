//! What pricing costs natively: billing.md's worked cases C3 and C6 priced over and over, and a
//! month of visits for 5,000 patients (`shared::billing::bench`). `tests/wasm_pricing.rs` runs
//! the same measurements in headless Chromium; `scripts/bench-billing` runs both and compares
//! them with DESIGN.md §8's budgets.
//!
//! `cargo bench -p karte-shared --features bench --bench pricing`. Both sides use
//! `Config::default()` (10 rounds × 10,000 visits per case, 5 timed months after a warm-up), so
//! that they do the same work.

#[allow(dead_code)]
#[path = "../tests/common/worked_cases.rs"]
mod worked_cases;

use shared::billing::bench::{run, run_orders, Config};
use shared::billing::MemoryCatalog;

fn main() {
    let catalog = MemoryCatalog::outpatient_2024_06();
    let failures = worked_cases::price_table(worked_cases::WORKED_CASES, &catalog);
    assert!(failures.is_empty(), "{failures:#?}");
    let cases = [
        ("C3", worked_cases::c3_with_pharmacist()),
        ("C6", worked_cases::c6()),
    ];
    // A benchmark reads the clock; the library never does (shared/clippy.toml).
    #[allow(clippy::disallowed_methods)]
    let origin = std::time::Instant::now();
    let mut now = || origin.elapsed().as_secs_f64() * 1e3;
    run(
        "native",
        &cases,
        &catalog,
        &Config::default(),
        &mut now,
        &mut |line| println!("{line}"),
    );
    // The same visits as the doctor's orders added to the clerk's entries (会計 from orders).
    for (name, visit) in &cases {
        run_orders(
            "native",
            &format!("{name}-orders"),
            visit,
            &catalog,
            &Config::default(),
            &mut now,
            &mut |line| println!("{line}"),
        );
    }
}
