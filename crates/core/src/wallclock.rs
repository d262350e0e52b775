//! The wall clock of a device without a battery-backed clock: the Unix time at boot (at the
//! monotonic clock's origin), learnt from SNTP, for `process_start_time_seconds` only.
//!
//! Durations never use it: they come from the monotonic [`Instant`]s the caller passes, so
//! setting or correcting the wall clock never changes one. Until the first answer the start
//! time is unknown ([`WallClock::start_unix`] is `None`), so the metric is left out rather
//! than wrong; meanwhile the clock tells SNTP a time counted from [`UNIX_FLOOR_SECS`], which
//! only has to pick the right NTP era.
//!
//! ```text
//! SNTP request at now:     stamp = clock.unix_time_at(now)       // the client's transmit time
//! SNTP answer (offset):    clock.correct(now, offset_micros)?    // refused below the floor
//! exposition:              start_unix: clock.start_unix()
//! ```

use crate::time::Instant;

/// A time no later than any a device runs at, 2026-01-01T00:00:00Z, in Unix seconds: the
/// clock's guess before SNTP, and the earliest time it accepts from a server.
pub const UNIX_FLOOR_SECS: i64 = 1_767_225_600;

/// Microseconds per second.
const MICROS: i64 = 1_000_000;

/// A Unix time split as SNTP timestamps want it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UnixTime {
    /// Whole seconds since the Unix epoch.
    pub secs: u64,
    /// Microseconds past `secs`, below 1,000,000.
    pub subsec_micros: u32,
}

/// Why a time from a server was refused; the clock keeps what it had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClockError {
    /// The time it gives for now is before [`UNIX_FLOOR_SECS`] (a server in the wrong era,
    /// or one that was never set).
    BeforeFloor,
}

impl core::fmt::Display for ClockError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClockError::BeforeFloor => f.write_str("the time is before 2026-01-01"),
        }
    }
}

/// The Unix time at boot, once known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WallClock {
    /// Microseconds since the Unix epoch at the monotonic clock's origin.
    start_unix_micros: Option<i64>,
}

impl WallClock {
    /// A clock not set yet.
    pub const fn new() -> Self {
        WallClock {
            start_unix_micros: None,
        }
    }

    /// Whether a server's time was accepted.
    pub const fn is_set(&self) -> bool {
        self.start_unix_micros.is_some()
    }

    /// Unix time at boot in microseconds, once set.
    pub const fn start_unix_micros(&self) -> Option<i64> {
        self.start_unix_micros
    }

    /// Unix time at boot in seconds, once set: `process_start_time_seconds`.
    pub fn start_unix(&self) -> Option<f64> {
        self.start_unix_micros.map(|us| us as f64 / 1e6)
    }

    /// Boot time as this clock believes it: set, or the floor.
    fn base_micros(&self) -> i64 {
        self.start_unix_micros.unwrap_or(UNIX_FLOOR_SECS * MICROS)
    }

    /// The Unix time in microseconds at `now` as this clock believes it: boot time (or the
    /// floor, before it is set) plus the monotonic time since boot.
    pub fn unix_micros_at(&self, now: Instant) -> i64 {
        let uptime = i64::try_from(now.as_micros()).unwrap_or(i64::MAX);
        self.base_micros().saturating_add(uptime)
    }

    /// [`WallClock::unix_micros_at`] as seconds and microseconds (zero for a time before
    /// the epoch, which this clock never gives).
    pub fn unix_time_at(&self, now: Instant) -> UnixTime {
        let us = self.unix_micros_at(now);
        if us < 0 {
            return UnixTime::default();
        }
        UnixTime {
            secs: u64::try_from(us / MICROS).unwrap_or(0),
            subsec_micros: u32::try_from(us % MICROS).unwrap_or(0),
        }
    }

    /// A server says the Unix time at `now` is `unix_micros`: sets the boot time from it.
    /// Refused (and the clock unchanged) when that is before [`UNIX_FLOOR_SECS`].
    pub fn set(&mut self, now: Instant, unix_micros: i64) -> Result<(), ClockError> {
        if unix_micros < UNIX_FLOOR_SECS * MICROS {
            return Err(ClockError::BeforeFloor);
        }
        let uptime = i64::try_from(now.as_micros()).unwrap_or(i64::MAX);
        self.start_unix_micros = Some(unix_micros.saturating_sub(uptime));
        Ok(())
    }

    /// SNTP measured, at `now`, this clock ([`WallClock::unix_micros_at`]) `offset_micros`
    /// behind the server: moves the boot time by the offset. Refused (and the clock
    /// unchanged) when the corrected time at `now` is before [`UNIX_FLOOR_SECS`].
    pub fn correct(&mut self, now: Instant, offset_micros: i64) -> Result<(), ClockError> {
        self.set(now, self.unix_micros_at(now).saturating_add(offset_micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR_US: i64 = UNIX_FLOOR_SECS * MICROS;

    fn s(secs: u64) -> Instant {
        Instant::from_millis(secs * 1000)
    }

    #[test]
    fn the_floor_is_2026() {
        // 56 years of 365 days and 14 leap days (1972 ... 2024).
        assert_eq!(UNIX_FLOOR_SECS, (56 * 365 + 14) * 86_400);
    }

    #[test]
    fn unset_it_counts_from_the_floor_and_reports_no_start() {
        let clock = WallClock::new();
        assert!(!clock.is_set());
        assert_eq!(clock.start_unix(), None);
        assert_eq!(clock.start_unix_micros(), None);
        assert_eq!(
            clock.unix_micros_at(Instant::from_micros(2_500_001)),
            FLOOR_US + 2_500_001
        );
        assert_eq!(
            clock.unix_time_at(Instant::from_micros(2_500_001)),
            UnixTime {
                secs: 1_767_225_602,
                subsec_micros: 500_001
            }
        );
        assert_eq!(WallClock::default(), clock);
    }

    #[test]
    fn an_sntp_offset_moves_the_boot_time() {
        let mut clock = WallClock::new();
        // 30 s after boot the server is 1,000,000 s and 250 ms ahead of the floor-based guess.
        let offset = 1_000_000 * MICROS + 250_000;
        assert_eq!(clock.correct(s(30), offset), Ok(()));
        assert!(clock.is_set());
        assert_eq!(clock.start_unix_micros(), Some(FLOOR_US + offset));
        assert_eq!(clock.start_unix(), Some(1_768_225_600.25));
        assert_eq!(
            clock.unix_time_at(s(40)),
            UnixTime {
                secs: 1_768_225_640,
                subsec_micros: 250_000
            }
        );
        // A resync corrects from the clock as set, not from the floor: 1.5 ms behind.
        assert_eq!(clock.correct(s(21_630), 1_500), Ok(()));
        assert_eq!(clock.start_unix_micros(), Some(FLOOR_US + offset + 1_500));
        assert_eq!(clock.start_unix(), Some(1_768_225_600.251_5));
    }

    #[test]
    fn a_time_before_the_floor_is_refused() {
        let mut clock = WallClock::new();
        // A server that says it is 1970 (offset back to the epoch).
        assert_eq!(
            clock.correct(s(30), -(FLOOR_US + 30 * MICROS)),
            Err(ClockError::BeforeFloor)
        );
        assert_eq!(clock, WallClock::new());
        // One microsecond short of the floor at `now`, then exactly the floor.
        assert_eq!(clock.set(s(30), FLOOR_US - 1), Err(ClockError::BeforeFloor));
        assert_eq!(clock.set(s(30), FLOOR_US), Ok(()));
        assert_eq!(clock.start_unix_micros(), Some(FLOOR_US - 30 * MICROS));
        // A set clock keeps its time when a later answer is refused.
        assert_eq!(clock.correct(s(60), i64::MIN), Err(ClockError::BeforeFloor));
        assert_eq!(clock.start_unix_micros(), Some(FLOOR_US - 30 * MICROS));
        assert_eq!(
            std::format!("{}", ClockError::BeforeFloor),
            "the time is before 2026-01-01"
        );
    }

    #[test]
    fn set_takes_the_time_since_boot_off() {
        let mut clock = WallClock::new();
        let unix = 1_800_000_000 * MICROS + 123_456;
        assert_eq!(clock.set(Instant::from_micros(7_000_001), unix), Ok(()));
        assert_eq!(clock.start_unix_micros(), Some(unix - 7_000_001));
        assert_eq!(clock.unix_micros_at(Instant::from_micros(7_000_001)), unix);
    }

    #[test]
    fn extremes_saturate() {
        let mut clock = WallClock::new();
        let end = Instant::from_micros(u64::MAX);
        assert_eq!(clock.unix_micros_at(end), i64::MAX);
        assert_eq!(clock.correct(s(1), i64::MAX), Ok(()));
        assert_eq!(clock.unix_micros_at(s(2)), i64::MAX);
        assert_eq!(
            clock.unix_time_at(s(2)),
            UnixTime {
                secs: 9_223_372_036_854,
                subsec_micros: 775_807
            }
        );
    }
}
