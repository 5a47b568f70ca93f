//! Sign-in rate limit per client address, in this server's memory: a fixed one-minute window
//! per address. (The per-account limit and lockout live in PostgreSQL, so they hold across
//! servers and restarts; see migration 10.) With several servers behind a balancer each
//! enforces its own window, so the effective limit is the sum.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses, expired windows are swept (at most once a second).
const SWEEP_ABOVE: usize = 10_000;
/// Above this many even after a sweep (a flood from very many addresses), the table is cleared:
/// memory stays bounded, and the per-account limits in PostgreSQL still hold.
const HARD_CAP: usize = 200_000;

#[derive(Debug)]
pub struct IpLimiter {
    per_minute: u32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    windows: HashMap<String, (Instant, u32)>,
    last_sweep: Option<Instant>,
}

/// The unit an address is limited by: an IPv4 address, or an IPv6 /64 (one subscriber's
/// network; a host can use any address in it).
fn bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => ip.to_string(),
    }
}

impl IpLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            state: Mutex::new(State {
                windows: HashMap::new(),
                last_sweep: None,
            }),
        }
    }

    /// Counts an attempt from `ip`; `Err(seconds)` to wait when over the limit.
    pub fn attempt(&self, ip: Option<&str>) -> Result<(), u32> {
        self.attempt_at(&bucket(ip.unwrap_or("unknown")), Instant::now())
    }

    fn attempt_at(&self, ip: &str, now: Instant) -> Result<(), u32> {
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let due = state
            .last_sweep
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if state.windows.len() > SWEEP_ABOVE && due {
            state
                .windows
                .retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            state.last_sweep = Some(now);
            if state.windows.len() > HARD_CAP {
                state.windows.clear();
            }
        }
        let entry = state.windows.entry(ip.to_string()).or_insert((now, 0));
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

    #[test]
    fn ipv6_addresses_of_one_network_share_a_window() {
        assert_eq!(
            bucket("2001:db8:1:2:aaaa::1"),
            bucket("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(bucket("2001:db8:1:2::1"), bucket("2001:db8:1:3::1"));
        assert_eq!(bucket("192.0.2.7"), "192.0.2.7");
        let limiter = IpLimiter::new(1);
        assert_eq!(limiter.attempt(Some("2001:db8::1")), Ok(()));
        assert!(limiter.attempt(Some("2001:db8::2")).is_err());
    }
}
