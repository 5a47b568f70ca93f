//! Sign-in rate limit per client address, in this server's memory: a fixed one-minute window
//! per address. (The per-account limit and lockout live in PostgreSQL, so they hold across
//! servers and restarts; see migration 10.) With several servers behind a balancer each
//! enforces its own window, so the effective limit is the sum.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses, expired windows are swept on the next call.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct IpLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl IpLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `ip`; `Err(seconds)` to wait when over the limit.
    pub fn attempt(&self, ip: Option<&str>) -> Result<(), u32> {
        self.attempt_at(ip.unwrap_or("unknown"), Instant::now())
    }

    fn attempt_at(&self, ip: &str, now: Instant) -> Result<(), u32> {
        let mut windows = match self.windows.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(ip.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(u32::try_from(left.as_secs()).unwrap_or(60).max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_per_minute() {
        let limiter = IpLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.attempt_at("192.0.2.1", t0), Ok(()));
        }
        let wait = limiter.attempt_at("192.0.2.1", t0 + Duration::from_secs(10));
        assert_eq!(wait, Err(50));
        assert_eq!(
            limiter.attempt_at("192.0.2.2", t0),
            Ok(()),
            "another address"
        );
        assert_eq!(
            limiter.attempt_at("192.0.2.1", t0 + Duration::from_secs(61)),
            Ok(()),
            "a new window"
        );
    }
}
