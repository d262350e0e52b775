//! Time sources. The gateway never reads the clock itself: it asks a [`Clock`], so tests can
//! pass a [`ManualClock`] and get exact outputs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Wall-clock and monotonic time.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch (for last-seen timestamps).
    fn unix_seconds(&self) -> f64;
    /// Monotonic time since an arbitrary origin (for ages and expiry; immune to clock steps).
    fn monotonic(&self) -> Duration;
}

/// The real clocks.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    /// Millisecond resolution: finer digits would only lengthen every exposed timestamp.
    fn unix_seconds(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as f64 / 1000.0)
            .unwrap_or(0.0)
    }
    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    unix_ms: AtomicU64,
    mono_ns: AtomicU64,
}

impl ManualClock {
    /// A clock at `unix_ms` milliseconds since the epoch, monotonic time zero.
    pub fn new(unix_ms: u64) -> Self {
        ManualClock {
            unix_ms: AtomicU64::new(unix_ms),
            mono_ns: AtomicU64::new(0),
        }
    }
    /// Move both clocks forward.
    pub fn advance(&self, d: Duration) {
        self.unix_ms
            .fetch_add(d.as_millis() as u64, Ordering::SeqCst);
        self.mono_ns
            .fetch_add(d.as_nanos() as u64, Ordering::SeqCst);
    }
    /// Step the wall clock only (as NTP would); monotonic time is untouched.
    pub fn set_unix_ms(&self, unix_ms: u64) {
        self.unix_ms.store(unix_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn unix_seconds(&self) -> f64 {
        self.unix_ms.load(Ordering::SeqCst) as f64 / 1000.0
    }
    fn monotonic(&self) -> Duration {
        Duration::from_nanos(self.mono_ns.load(Ordering::SeqCst))
    }
}
