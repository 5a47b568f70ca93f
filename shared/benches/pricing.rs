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
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak (the claims' memory).
struct Counting;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
    // The month's claims (レセプト) and UKE files; the memory is the peak since here.
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = IN_USE.load(Ordering::Relaxed);
    shared::claims::bench::run_claims(
        "native",
        &catalog,
        &Config::default(),
        &mut now,
        &mut || Some(PEAK.load(Ordering::Relaxed).saturating_sub(base)),
        &mut |line| println!("{line}"),
    );
}
