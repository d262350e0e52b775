//! Contact-input tracking, sans-IO: feed it the level read at start and timestamped edges;
//! ask it for the seed exporter's durations at any `now`.
//!
//! Durations come from the monotonic [`Instant`]s passed in, so setting the wall clock never
//! corrupts them.

use core::time::Duration;

use crate::time::Instant;

/// How an input is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PinConfig {
    /// The input is "on" when the electrical level is low (the seed's `on_value=0`).
    pub active_low: bool,
    /// A new level must hold this long before it counts; zero disables debouncing.
    pub debounce: Duration,
}

/// What the seed exporter reported for a pin, plus counters it lacked. Seconds as f64 with
/// microsecond resolution; `-1.0` where the seed used -1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PinState {
    /// The pin is on.
    pub is_on: bool,
    /// Seconds on so far, or -1 when off.
    pub on_seconds: f64,
    /// Seconds off so far, or -1 when on.
    pub off_seconds: f64,
    /// Seconds since the last off→on transition, or -1 if none happened since start.
    pub seconds_since_on: f64,
    /// Seconds since the last on→off transition, or -1 if none happened since start.
    pub seconds_since_off: f64,
    /// Off→on transitions since start.
    pub on_transitions: u64,
    /// Total seconds on since start.
    pub on_seconds_total: f64,
    /// Total seconds off since start.
    pub off_seconds_total: f64,
}

/// A pin's state in a form that travels (contact push packets) and restores a tracker on
/// the other side: every time is an age relative to the moment the snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinSnapshot {
    /// The pin is on.
    pub on: bool,
    /// How long it has been in the current state.
    pub since: Duration,
    /// How long ago it last turned on, if ever.
    pub since_on: Option<Duration>,
    /// How long ago it last turned off, if ever.
    pub since_off: Option<Duration>,
    /// Off→on transitions since start.
    pub on_transitions: u64,
    /// Total time on.
    pub on_total: Duration,
    /// Total time off.
    pub off_total: Duration,
}

/// Tracks one input.
#[derive(Clone, Debug)]
pub struct PinTracker {
    _cfg: PinConfig,
}

impl PinTracker {
    /// Start tracking; `level` is the electrical level read at start (true = high).
    pub fn new(cfg: PinConfig, level: bool, now: Instant) -> Self {
        let _ = (cfg, level, now);
        todo!()
    }
    /// An edge: the electrical level became `level` at `at` (e.g. a kernel timestamp).
    /// Edges must be fed in time order; an earlier `at` than the last event is clamped.
    pub fn edge(&mut self, level: bool, at: Instant) {
        let _ = (level, at);
        todo!()
    }
    /// Let time pass: settles a pending debounced change whose window has ended by `now`.
    pub fn poll(&mut self, now: Instant) {
        let _ = now;
        todo!()
    }
    /// When [`PinTracker::poll`] next has work to do (a debounce window ending), if ever.
    pub fn deadline(&self) -> Option<Instant> {
        todo!()
    }
    /// Whether the pin is on (debounced).
    pub fn is_on(&self) -> bool {
        todo!()
    }
    /// The durations at `now` (settles debounce up to `now` first, without mutating).
    pub fn state(&self, now: Instant) -> PinState {
        let _ = now;
        todo!()
    }
    /// A snapshot at `now`, for sending.
    pub fn snapshot(&self, now: Instant) -> PinSnapshot {
        let _ = now;
        todo!()
    }
    /// A tracker on the receiving side that reports what `snap` says, as of `now` in the
    /// receiver's own clock.
    pub fn from_snapshot(cfg: PinConfig, snap: &PinSnapshot, now: Instant) -> Self {
        let _ = (cfg, snap, now);
        todo!()
    }
}
