//! Helpers for the benchmarks in `tests/benches/` (harness = false).

use std::future::Future;
use std::time::Duration;

/// Runs a benchmark's async body on a multi-threaded runtime, as the server runs.
pub fn run<F: Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body);
}

/// The `p` quantile (0.0–1.0) of `samples`, nearest rank.
pub fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// A variable of the environment as a number, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
