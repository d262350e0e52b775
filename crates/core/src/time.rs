//! Monotonic time as the caller passes it in. Nothing in core reads a clock.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A monotonic instant: microseconds since an arbitrary origin (usually boot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(u64);

impl Instant {
    /// The origin.
    pub const ZERO: Instant = Instant(0);
    /// From microseconds since the origin.
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    /// From milliseconds since the origin.
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms.saturating_mul(1000))
    }
    /// Microseconds since the origin.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Milliseconds since the origin.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1000
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
    /// Seconds from `earlier` to `self` as f64 (zero if `earlier` is later).
    pub fn secs_since(self, earlier: Instant) -> f64 {
        self.0.saturating_sub(earlier.0) as f64 / 1e6
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(
            self.0
                .saturating_add(d.as_micros().min(u64::MAX as u128) as u64),
        )
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(
            self.0
                .saturating_sub(d.as_micros().min(u64::MAX as u128) as u64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(Instant::from_millis(1500).as_micros(), 1_500_000);
        assert_eq!(Instant::from_micros(1_500_999).as_millis(), 1500);
        assert_eq!(Instant::from_millis(u64::MAX).as_micros(), u64::MAX);
        assert_eq!(Instant::default(), Instant::ZERO);
        assert!(Instant::from_micros(1) > Instant::ZERO);
    }

    #[test]
    fn differences_saturate_at_zero() {
        let (a, b) = (
            Instant::from_micros(2_500_000),
            Instant::from_micros(1_000_001),
        );
        assert_eq!(
            a.saturating_duration_since(b),
            Duration::from_micros(1_499_999)
        );
        assert_eq!(b.saturating_duration_since(a), Duration::ZERO);
        assert_eq!(a.secs_since(b), 1.499999);
        assert_eq!(b.secs_since(a), 0.0);
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_micros(10);
        assert_eq!(t + Duration::from_nanos(2_999), Instant::from_micros(12));
        assert_eq!(t - Duration::from_micros(3), Instant::from_micros(7));
        assert_eq!(t - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(t + Duration::MAX, Instant::from_micros(u64::MAX));
        assert_eq!(
            Instant::from_micros(u64::MAX - 1) + Duration::from_micros(5),
            Instant::from_micros(u64::MAX)
        );
    }
}
