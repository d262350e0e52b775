//! The agent's notable events, each logged (rate-limited) and counted in one place.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant as StdInstant};

use promcast_core::probe::{ReadError, RomId};
use promcast_core::sender::SenderStats;
use promcast_core::time::Instant;

/// Repeated warnings of one kind are logged at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// What the agent has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Loop iterations finished (any wake-up).
    pub iterations: u64,
    /// The clock's time as of the latest finished loop iteration: everything due by then
    /// has been sent.
    pub loop_time: Instant,
    /// Temperature polls finished (readings handled, packets sent).
    pub polls: u64,
    /// The core sender's counters: reads ok and failed by kind.
    pub sender: SenderStats,
    /// Contact edge packets sent.
    pub edge_packets: u64,
    /// Contact state packets sent.
    pub state_packets: u64,
    /// Temperature reading packets sent.
    pub reading_packets: u64,
    /// Status packets sent.
    pub status_packets: u64,
    /// Announce packets sent.
    pub announce_packets: u64,
    /// Datagrams that could not be sent (or encoded).
    pub send_errors: u64,
}

/// Shared counters with a condition to wait on.
#[derive(Debug, Default)]
pub struct Telemetry {
    stats: Mutex<Stats>,
    changed: Condvar,
    limits: Mutex<Limits>,
}

#[derive(Debug, Default)]
struct Limits {
    read_failed: RateLimit,
    send_failed: RateLimit,
}

/// Lets a warning through at most once per [`LOG_EVERY`], counting what it held back.
#[derive(Debug, Default)]
struct RateLimit {
    last: Option<StdInstant>,
    suppressed: u64,
}

impl RateLimit {
    /// `Some(suppressed since the last one)` when a line may be logged now.
    fn allow(&mut self) -> Option<u64> {
        let now = StdInstant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < LOG_EVERY) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

impl Telemetry {
    /// The counters now.
    pub fn snapshot(&self) -> Stats {
        *self.lock()
    }

    /// Change the counters and wake waiters.
    pub fn update(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    /// Wait until `pred` holds, at most `timeout`; returns the counters and whether it held.
    pub fn wait_for(&self, timeout: Duration, pred: impl Fn(&Stats) -> bool) -> (Stats, bool) {
        let guard = self.lock();
        let (guard, result) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| !pred(s))
            .unwrap_or_else(PoisonError::into_inner);
        (*guard, !result.timed_out())
    }

    /// A probe read failed.
    pub fn read_failed(&self, rom: &RomId, e: ReadError) {
        if let Some(suppressed) = self.limit(|l| &mut l.read_failed) {
            tracing::warn!(probe = %rom, reason = e.as_str(), suppressed, "probe read failed");
        }
    }

    /// A datagram could not be sent.
    pub fn send_failed(&self, what: &str, e: &dyn std::fmt::Display) {
        self.update(|s| s.send_errors += 1);
        if let Some(suppressed) = self.limit(|l| &mut l.send_failed) {
            tracing::warn!(packet = what, error = %e, suppressed, "cannot send a packet");
        }
    }

    fn limit(&self, which: impl FnOnce(&mut Limits) -> &mut RateLimit) -> Option<u64> {
        let mut l = self.limits.lock().unwrap_or_else(PoisonError::into_inner);
        which(&mut l).allow()
    }

    fn lock(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_counts_what_it_holds_back() {
        let mut r = RateLimit::default();
        assert_eq!(r.allow(), Some(0));
        assert_eq!(r.allow(), None);
        assert_eq!(r.allow(), None);
        r.last = r.last.map(|t| t - LOG_EVERY);
        assert_eq!(r.allow(), Some(2));
    }

    #[test]
    fn waiting_sees_updates() {
        let t = std::sync::Arc::new(Telemetry::default());
        let t2 = t.clone();
        let h = std::thread::spawn(move || t2.update(|s| s.polls = 3));
        let (s, ok) = t.wait_for(Duration::from_secs(10), |s| s.polls == 3);
        assert!(ok);
        assert_eq!(s.polls, 3);
        h.join().expect("thread");
    }
}
