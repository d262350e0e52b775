//! Time for the agent: a [`Clock`] gives monotonic [`Instant`]s (and the wall clock), and
//! lets a thread sleep until a deadline or until it is woken ([`Wake`]).
//!
//! [`SystemClock`] reads `CLOCK_MONOTONIC`, the clock the kernel stamps GPIO edge events
//! with, so an event's timestamp and `now` are on one axis. [`ManualClock`] moves only when
//! a test tells it to, and wakes every thread waiting on it when it does, so tests drive the
//! agent through exact times without sleeping.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use promcast_core::time::Instant;
use rustix::time::{ClockId, clock_gettime};

/// A wake-up signal threads wait on: every [`Wake::notify`] bumps a generation counter, and
/// a wait returns as soon as the generation differs from the one the waiter last saw, so a
/// notification between "look at the work" and "wait" is never lost.
#[derive(Debug, Default)]
pub struct Wake {
    generation: Mutex<u64>,
    cv: Condvar,
}

impl Wake {
    /// A new signal.
    pub fn new() -> Arc<Wake> {
        Arc::new(Wake::default())
    }

    /// Wake every waiter.
    pub fn notify(&self) {
        *self.lock() += 1;
        self.cv.notify_all();
    }

    /// The current generation: take it before looking for work, pass it to the wait.
    pub fn generation(&self) -> u64 {
        *self.lock()
    }

    /// Wait until the generation differs from `seen`, or `timeout` has passed (`None`:
    /// no timeout).
    pub fn wait(&self, seen: u64, timeout: Option<Duration>) {
        let guard = self.lock();
        let guard = match timeout {
            Some(t) => {
                self.cv
                    .wait_timeout_while(guard, t, |g| *g == seen)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => self
                .cv
                .wait_while(guard, |g| *g == seen)
                .unwrap_or_else(PoisonError::into_inner),
        };
        drop(guard);
    }

    fn lock(&self) -> MutexGuard<'_, u64> {
        self.generation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Monotonic and wall-clock time, and sleeping on it.
pub trait Clock: Send + Sync + 'static {
    /// Monotonic time on the agent's axis (zero when the clock was made).
    fn now(&self) -> Instant;

    /// Seconds since the Unix epoch, if the wall clock is known.
    fn unix_seconds(&self) -> Option<f64>;

    /// A kernel `CLOCK_MONOTONIC` timestamp (GPIO edge events), in nanoseconds, on this
    /// clock's axis. Times before the origin are the origin.
    fn monotonic_ns_to_instant(&self, ns: u64) -> Instant;

    /// Sleep until `deadline` (`None`: no deadline) or until `wake`'s generation differs
    /// from `seen`, whichever comes first.
    fn sleep_until(&self, wake: &Arc<Wake>, seen: u64, deadline: Option<Instant>);
}

/// The system's clocks: `CLOCK_MONOTONIC` for time, `CLOCK_REALTIME` for the wall clock.
#[derive(Debug)]
pub struct SystemClock {
    origin_ns: u64,
}

fn monotonic_ns() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> SystemClock {
        SystemClock {
            origin_ns: monotonic_ns(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        self.monotonic_ns_to_instant(monotonic_ns())
    }

    fn unix_seconds(&self) -> Option<f64> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as f64 / 1000.0)
    }

    fn monotonic_ns_to_instant(&self, ns: u64) -> Instant {
        Instant::from_micros(ns.saturating_sub(self.origin_ns) / 1000)
    }

    fn sleep_until(&self, wake: &Arc<Wake>, seen: u64, deadline: Option<Instant>) {
        let timeout = deadline.map(|d| d.saturating_duration_since(self.now()));
        if timeout.is_some_and(|t| t.is_zero()) {
            return;
        }
        wake.wait(seen, timeout);
    }
}

/// A clock that moves only when told to; waiting threads wake on every move.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug)]
struct ManualState {
    now: Instant,
    unix_ms: Option<u64>,
    waiters: Vec<Weak<Wake>>,
}

impl ManualClock {
    /// A clock at monotonic zero, with the wall clock at `unix_ms` (`None`: unknown).
    pub fn new(unix_ms: Option<u64>) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            state: Mutex::new(ManualState {
                now: Instant::ZERO,
                unix_ms,
                waiters: Vec::new(),
            }),
        })
    }

    /// Move both clocks forward by `d` and wake every waiter.
    pub fn advance(&self, d: Duration) {
        let waiters = {
            let mut s = self.lock();
            s.now = s.now + d;
            if let Some(ms) = &mut s.unix_ms {
                *ms += d.as_millis() as u64;
            }
            s.waiters.retain(|w| w.strong_count() > 0);
            s.waiters.clone()
        };
        for w in waiters.iter().filter_map(Weak::upgrade) {
            w.notify();
        }
    }

    /// Move monotonic time forward to `t` (no-op if it is already later).
    pub fn advance_to(&self, t: Instant) {
        let now = self.now();
        self.advance(t.saturating_duration_since(now));
    }

    /// Set the wall clock (as NTP would); monotonic time is untouched.
    pub fn set_unix_ms(&self, unix_ms: Option<u64>) {
        self.lock().unix_ms = unix_ms;
    }

    fn lock(&self) -> MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.lock().now
    }

    fn unix_seconds(&self) -> Option<f64> {
        self.lock().unix_ms.map(|ms| ms as f64 / 1000.0)
    }

    fn monotonic_ns_to_instant(&self, ns: u64) -> Instant {
        Instant::from_micros(ns / 1000)
    }

    fn sleep_until(&self, wake: &Arc<Wake>, seen: u64, deadline: Option<Instant>) {
        {
            let mut s = self.lock();
            if deadline.is_some_and(|d| d <= s.now) {
                return;
            }
            if !s
                .waiters
                .iter()
                .any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(wake)))
            {
                s.waiters.push(Arc::downgrade(wake));
            }
        }
        // Registered before waiting, and `advance` notifies after moving time: a move
        // between the check above and this wait bumps the generation, so it is not missed.
        wake.wait(seen, None);
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::*;

    #[test]
    fn manual_clock_wakes_a_sleeper_when_it_moves() {
        let clock = ManualClock::new(Some(1_000));
        let wake = Wake::new();
        let (c, w) = (clock.clone(), wake.clone());
        let sleeper = thread::spawn(move || {
            let seen = w.generation();
            c.sleep_until(&w, seen, Some(Instant::from_millis(500)));
            c.now()
        });
        // The sleeper returns only once time reached its deadline or it was woken; whichever
        // way, it sees a time at or after the move, because the move happens before the wake.
        clock.advance(Duration::from_millis(500));
        let seen_at = sleeper.join().expect("sleeper");
        assert_eq!(seen_at, Instant::from_millis(500));
        assert_eq!(clock.unix_seconds(), Some(1.5));
    }

    #[test]
    fn a_notification_before_the_wait_is_not_lost() {
        let wake = Wake::new();
        let seen = wake.generation();
        wake.notify();
        // Returns at once: the generation moved on since `seen`.
        wake.wait(seen, None);
        let clock = ManualClock::new(None);
        clock.sleep_until(&wake, seen, None);
        assert_eq!(clock.unix_seconds(), None);
    }

    #[test]
    fn system_clock_maps_kernel_timestamps_onto_its_axis() {
        let clock = SystemClock::new();
        let raw = monotonic_ns();
        let mapped = clock.monotonic_ns_to_instant(raw);
        let now = clock.now();
        assert!(mapped <= now);
        assert_eq!(clock.monotonic_ns_to_instant(0), Instant::ZERO);
    }
}
