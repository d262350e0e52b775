//! Contact-input tracking, sans-IO: feed it the level read at start and timestamped edges;
//! ask it for the seed exporter's durations at any `now`.
//!
//! Durations come from the monotonic [`Instant`]s passed in, so setting the wall clock never
//! corrupts them. Resolution is one microsecond.
//!
//! # Rules
//!
//! * At start the pin is in the state read then, and that state's duration counts from
//!   start; `seconds_since_on` and `seconds_since_off` are -1 until the first transition of
//!   that kind.
//! * Debounce: a change of level counts once the new level has held for the whole window
//!   ([`PinConfig::debounce`]). It is then dated at the first edge of the stable run, its true
//!   time, not at the end of the window. An edge back to the old level before the window has
//!   passed (strictly less than `debounce` after the first edge) cancels the change; one that
//!   comes exactly `debounce` later finds the change already made. With a zero window every
//!   change counts at once.
//! * An edge with the level the pin already has (or is already changing to) changes nothing.
//! * An edge dated before the previous edge is taken as happening at the previous edge's time.
//! * [`PinTracker::state`] and [`PinTracker::snapshot`] settle a change whose window has
//!   passed by `now` on a copy, so a scrape is right without a [`PinTracker::poll`] first.
//! * `now` is expected not to precede the last edge; ages that would come out negative are 0.

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
///
/// A change still inside its debounce window when the snapshot is taken is not in it; it
/// shows in the next snapshot, dated at its true time.
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
///
/// Times are kept as signed microseconds on the caller's monotonic clock, so a tracker
/// restored from a snapshot ([`PinTracker::from_snapshot`]) can hold transitions that
/// happened before that clock's origin (a gateway that booted after the device).
///
/// ```
/// use promcast_core::pin::{PinConfig, PinTracker};
/// use promcast_core::time::Instant;
///
/// let secs = |s: u64| Instant::from_millis(s * 1000);
/// let mut pin = PinTracker::new(PinConfig::default(), false, secs(0));
/// pin.edge(true, secs(21));
/// pin.edge(false, secs(25));
/// let state = pin.state(secs(178));
/// assert!(!state.is_on);
/// assert_eq!(state.off_seconds, 153.0);
/// assert_eq!(state.seconds_since_on, 157.0);
/// assert_eq!(state.on_seconds_total, 4.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinTracker {
    cfg: PinConfig,
    /// The debounced state.
    on: bool,
    /// When the current state began (start, or the last transition).
    since: i64,
    /// The last off→on transition.
    last_on: Option<i64>,
    /// The last on→off transition.
    last_off: Option<i64>,
    on_transitions: u64,
    /// Time on, not counting the current state's run (negative only in a restored tracker
    /// whose snapshot said it was on longer than its total).
    on_done: i64,
    /// Time off, likewise.
    off_done: i64,
    /// First edge of a run at the other level that has not yet held for the window.
    pending: Option<i64>,
    /// The latest edge time seen (or start); earlier edges are clamped to it.
    last_event: i64,
}

/// Microseconds since the origin, as the tracker keeps them.
fn micros(t: Instant) -> i64 {
    i64::try_from(t.as_micros()).unwrap_or(i64::MAX)
}

/// A duration in microseconds, as the tracker keeps them.
fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// A non-negative duration from microseconds (negative ones are zero).
fn to_duration(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// Seconds from microseconds.
fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

impl PinTracker {
    /// Start tracking; `level` is the electrical level read at start (true = high).
    pub fn new(cfg: PinConfig, level: bool, now: Instant) -> Self {
        let now = micros(now);
        PinTracker {
            cfg,
            on: level != cfg.active_low,
            since: now,
            last_on: None,
            last_off: None,
            on_transitions: 0,
            on_done: 0,
            off_done: 0,
            pending: None,
            last_event: now,
        }
    }

    /// An edge: the electrical level became `level` at `at` (e.g. a kernel timestamp).
    /// Edges must be fed in time order; an earlier `at` than the last event is clamped.
    pub fn edge(&mut self, level: bool, at: Instant) {
        let at = micros(at).max(self.last_event);
        self.last_event = at;
        self.settle(at);
        if (level != self.cfg.active_low) == self.on {
            // Back to the debounced state before the window passed (or never left it).
            self.pending = None;
        } else if self.pending.is_none() {
            self.pending = Some(at);
            self.settle(at);
        }
    }

    /// Let time pass: settles a pending debounced change whose window has ended by `now`.
    pub fn poll(&mut self, now: Instant) {
        self.settle(micros(now));
    }

    /// When [`PinTracker::poll`] next has work to do (a debounce window ending), if ever.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.map(|at| {
            let end = at.saturating_add(duration_micros(self.cfg.debounce));
            Instant::from_micros(u64::try_from(end).unwrap_or(0))
        })
    }

    /// Whether the pin is on (debounced), as of the last [`PinTracker::edge`] or
    /// [`PinTracker::poll`]; [`PinTracker::state`] also counts a change whose window has
    /// passed since.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The configuration the tracker was made with.
    pub fn config(&self) -> PinConfig {
        self.cfg
    }

    /// The durations at `now` (settles debounce up to `now` first, without mutating).
    pub fn state(&self, now: Instant) -> PinState {
        let now = micros(now);
        let t = self.settled(now);
        let held = now.saturating_sub(t.since).max(0);
        let age = |at: Option<i64>| at.map_or(-1.0, |at| secs(now.saturating_sub(at).max(0)));
        let (on_total, off_total) = t.totals(held);
        PinState {
            is_on: t.on,
            on_seconds: if t.on { secs(held) } else { -1.0 },
            off_seconds: if t.on { -1.0 } else { secs(held) },
            seconds_since_on: age(t.last_on),
            seconds_since_off: age(t.last_off),
            on_transitions: t.on_transitions,
            on_seconds_total: secs(on_total),
            off_seconds_total: secs(off_total),
        }
    }

    /// A snapshot at `now`, for sending.
    pub fn snapshot(&self, now: Instant) -> PinSnapshot {
        let now = micros(now);
        let t = self.settled(now);
        let held = now.saturating_sub(t.since).max(0);
        let age = |at: Option<i64>| at.map(|at| to_duration(now.saturating_sub(at)));
        let (on_total, off_total) = t.totals(held);
        PinSnapshot {
            on: t.on,
            since: to_duration(held),
            since_on: age(t.last_on),
            since_off: age(t.last_off),
            on_transitions: t.on_transitions,
            on_total: to_duration(on_total),
            off_total: to_duration(off_total),
        }
    }

    /// A tracker on the receiving side that reports what `snap` says, as of `now` in the
    /// receiver's own clock.
    ///
    /// Its [`PinTracker::state`] at `now + x` equals the sender's at its snapshot time plus
    /// `x` (while no further edge or debounced change happens), whatever the two clocks'
    /// origins; ages older than the receiver's clock are kept. Its level is the snapshot's,
    /// with no change pending; feed it edges as logical levels through `cfg` as usual.
    pub fn from_snapshot(cfg: PinConfig, snap: &PinSnapshot, now: Instant) -> Self {
        let now = micros(now);
        let held = duration_micros(snap.since);
        let at = |age: Duration| now.saturating_sub(duration_micros(age));
        let (on_done, off_done) = {
            let on_total = duration_micros(snap.on_total);
            let off_total = duration_micros(snap.off_total);
            if snap.on {
                (on_total.saturating_sub(held), off_total)
            } else {
                (on_total, off_total.saturating_sub(held))
            }
        };
        PinTracker {
            cfg,
            on: snap.on,
            since: now.saturating_sub(held),
            last_on: snap.since_on.map(at),
            last_off: snap.since_off.map(at),
            on_transitions: snap.on_transitions,
            on_done,
            off_done,
            pending: None,
            last_event: now,
        }
    }

    /// A copy with a pending change settled if its window has passed by `now`.
    fn settled(&self, now: i64) -> PinTracker {
        let mut t = *self;
        t.settle(now);
        t
    }

    /// Makes the pending change if it has held for the window by `now`.
    fn settle(&mut self, now: i64) {
        if let Some(at) = self.pending
            && at.saturating_add(duration_micros(self.cfg.debounce)) <= now
        {
            self.pending = None;
            self.transition(at);
        }
    }

    /// The debounced state flips at `at`.
    fn transition(&mut self, at: i64) {
        let held = at.saturating_sub(self.since).max(0);
        let (done, last) = if self.on {
            (&mut self.on_done, &mut self.last_off)
        } else {
            (&mut self.off_done, &mut self.last_on)
        };
        *done = done.saturating_add(held);
        *last = Some(at);
        self.on = !self.on;
        if self.on {
            self.on_transitions = self.on_transitions.saturating_add(1);
        }
        self.since = at;
    }

    /// Total time on and off, the current state having lasted `held`.
    fn totals(&self, held: i64) -> (i64, i64) {
        if self.on {
            (self.on_done.saturating_add(held), self.off_done)
        } else {
            (self.on_done, self.off_done.saturating_add(held))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instant `ms` milliseconds after the origin.
    fn ms(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// An instant `s` seconds after the origin.
    fn s(s: u64) -> Instant {
        Instant::from_millis(s * 1000)
    }

    fn debounced(ms: u64) -> PinConfig {
        PinConfig {
            active_low: false,
            debounce: Duration::from_millis(ms),
        }
    }

    #[test]
    fn seed_readme_left_pin() {
        let mut pin = PinTracker::new(PinConfig::default(), false, s(0));
        pin.edge(true, s(21));
        pin.edge(false, s(25));
        assert_eq!(
            pin.state(s(178)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 153.0,
                seconds_since_on: 157.0,
                seconds_since_off: 153.0,
                on_transitions: 1,
                on_seconds_total: 4.0,
                off_seconds_total: 174.0,
            }
        );
    }

    #[test]
    fn initial_state_counts_from_start() {
        let pin = PinTracker::new(PinConfig::default(), true, s(5));
        assert!(pin.is_on());
        assert_eq!(
            pin.state(s(15)),
            PinState {
                is_on: true,
                on_seconds: 10.0,
                off_seconds: -1.0,
                seconds_since_on: -1.0,
                seconds_since_off: -1.0,
                on_transitions: 0,
                on_seconds_total: 10.0,
                off_seconds_total: 0.0,
            }
        );
        let pin = PinTracker::new(PinConfig::default(), false, s(0));
        assert_eq!(
            pin.state(ms(7500)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 7.5,
                seconds_since_on: -1.0,
                seconds_since_off: -1.0,
                on_transitions: 0,
                on_seconds_total: 0.0,
                off_seconds_total: 7.5,
            }
        );
    }

    #[test]
    fn active_low_inverts() {
        let cfg = PinConfig {
            active_low: true,
            debounce: Duration::ZERO,
        };
        let mut pin = PinTracker::new(cfg, false, s(0));
        assert!(pin.is_on());
        pin.edge(true, s(2));
        assert!(!pin.is_on());
        pin.edge(false, s(3));
        assert!(pin.is_on());
        assert_eq!(
            pin.state(s(10)),
            PinState {
                is_on: true,
                on_seconds: 7.0,
                off_seconds: -1.0,
                seconds_since_on: 7.0,
                seconds_since_off: 8.0,
                on_transitions: 1,
                on_seconds_total: 9.0,
                off_seconds_total: 1.0,
            }
        );
    }

    #[test]
    fn microsecond_resolution() {
        let mut pin = PinTracker::new(PinConfig::default(), false, Instant::ZERO);
        pin.edge(true, Instant::from_micros(1_000_001));
        assert_eq!(
            pin.state(Instant::from_micros(2_500_003)),
            PinState {
                is_on: true,
                on_seconds: 1.500002,
                off_seconds: -1.0,
                seconds_since_on: 1.500002,
                seconds_since_off: -1.0,
                on_transitions: 1,
                on_seconds_total: 1.500002,
                off_seconds_total: 1.000001,
            }
        );
    }

    #[test]
    fn debounced_change_is_dated_at_its_first_edge() {
        let mut pin = PinTracker::new(debounced(50), false, s(0));
        pin.edge(true, ms(1000));
        assert_eq!(pin.deadline(), Some(ms(1050)));
        assert!(!pin.state(ms(1049)).is_on);
        assert_eq!(pin.state(ms(1049)).off_seconds, 1.049);
        // The window has passed by 1050 ms: `state` sees the change without a `poll`.
        let settled = PinState {
            is_on: true,
            on_seconds: 0.05,
            off_seconds: -1.0,
            seconds_since_on: 0.05,
            seconds_since_off: -1.0,
            on_transitions: 1,
            on_seconds_total: 0.05,
            off_seconds_total: 1.0,
        };
        assert_eq!(pin.state(ms(1050)), settled);
        assert!(!pin.is_on());
        pin.poll(ms(1049));
        assert!(!pin.is_on());
        assert_eq!(pin.deadline(), Some(ms(1050)));
        pin.poll(ms(1050));
        assert!(pin.is_on());
        assert_eq!(pin.deadline(), None);
        assert_eq!(pin.state(ms(1050)), settled);
    }

    #[test]
    fn bounces_within_the_window_cancel() {
        let mut pin = PinTracker::new(debounced(50), false, s(0));
        for (level, at) in [(true, 1000), (false, 1010), (true, 1020), (false, 1069)] {
            pin.edge(level, ms(at));
        }
        assert_eq!(pin.deadline(), None);
        assert_eq!(
            pin.state(s(2)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 2.0,
                seconds_since_on: -1.0,
                seconds_since_off: -1.0,
                on_transitions: 0,
                on_seconds_total: 0.0,
                off_seconds_total: 2.0,
            }
        );
    }

    #[test]
    fn the_stable_run_after_bounces_counts_from_its_first_edge() {
        let mut pin = PinTracker::new(debounced(50), false, s(0));
        for (level, at) in [(true, 1000), (false, 1010), (true, 1020)] {
            pin.edge(level, ms(at));
        }
        assert_eq!(pin.deadline(), Some(ms(1070)));
        assert!(!pin.state(ms(1069)).is_on);
        let state = pin.state(ms(1070));
        assert!(state.is_on);
        assert_eq!(state.on_seconds, 0.05);
        assert_eq!(state.off_seconds_total, 1.02);
        assert_eq!(state.on_transitions, 1);
    }

    #[test]
    fn a_return_exactly_one_window_later_is_a_change() {
        let mut pin = PinTracker::new(debounced(50), false, s(0));
        pin.edge(true, ms(1000));
        pin.edge(false, ms(1050));
        assert!(pin.is_on());
        assert_eq!(pin.deadline(), Some(ms(1100)));
        assert_eq!(
            pin.state(ms(1100)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 0.05,
                seconds_since_on: 0.1,
                seconds_since_off: 0.05,
                on_transitions: 1,
                on_seconds_total: 0.05,
                off_seconds_total: 1.05,
            }
        );
    }

    #[test]
    fn repeated_levels_change_nothing() {
        let mut pin = PinTracker::new(PinConfig::default(), false, s(0));
        pin.edge(false, s(1));
        pin.edge(true, s(2));
        pin.edge(true, s(3));
        let state = pin.state(s(4));
        assert_eq!((state.on_seconds, state.on_transitions), (2.0, 1));

        // A repeat of the pending level does not restart the window.
        let mut pin = PinTracker::new(debounced(50), false, s(0));
        pin.edge(true, ms(1000));
        pin.edge(true, ms(1030));
        assert_eq!(pin.deadline(), Some(ms(1050)));
        assert_eq!(pin.state(ms(1050)).on_seconds, 0.05);
        // A repeat of the debounced level while nothing is pending does nothing either.
        pin.poll(ms(1050));
        pin.edge(true, ms(1060));
        assert_eq!(pin.deadline(), None);
        assert_eq!(pin.state(ms(2000)).on_seconds, 1.0);
    }

    #[test]
    fn edges_out_of_order_are_clamped() {
        let mut pin = PinTracker::new(PinConfig::default(), false, s(0));
        pin.edge(true, s(10));
        pin.edge(false, s(5));
        assert_eq!(
            pin.state(s(20)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 10.0,
                seconds_since_on: 10.0,
                seconds_since_off: 10.0,
                on_transitions: 1,
                on_seconds_total: 0.0,
                off_seconds_total: 20.0,
            }
        );
        // An edge before start happens at start.
        let mut pin = PinTracker::new(PinConfig::default(), false, s(100));
        pin.edge(true, s(50));
        let state = pin.state(s(101));
        assert_eq!((state.on_seconds, state.off_seconds_total), (1.0, 0.0));
    }

    #[test]
    fn now_before_the_last_edge_gives_no_negative_ages() {
        let mut pin = PinTracker::new(PinConfig::default(), false, s(0));
        pin.edge(true, s(10));
        assert_eq!(
            pin.state(s(9)),
            PinState {
                is_on: true,
                on_seconds: 0.0,
                off_seconds: -1.0,
                seconds_since_on: 0.0,
                seconds_since_off: -1.0,
                on_transitions: 1,
                on_seconds_total: 0.0,
                off_seconds_total: 10.0,
            }
        );
    }

    #[test]
    fn snapshot_restores_in_a_younger_clock() {
        let mut device = PinTracker::new(PinConfig::default(), false, s(0));
        device.edge(true, s(1000));
        device.edge(false, s(3000));
        device.edge(true, s(5000));
        let snap = device.snapshot(s(6000));
        assert_eq!(
            snap,
            PinSnapshot {
                on: true,
                since: Duration::from_secs(1000),
                since_on: Some(Duration::from_secs(1000)),
                since_off: Some(Duration::from_secs(3000)),
                on_transitions: 2,
                on_total: Duration::from_secs(3000),
                off_total: Duration::from_secs(3000),
            }
        );
        // The gateway's clock started 10 s ago, long after the device's transitions.
        let mut gateway = PinTracker::from_snapshot(PinConfig::default(), &snap, s(10));
        assert_eq!(gateway.snapshot(s(10)), snap);
        assert_eq!(gateway.state(s(15)), device.state(s(6005)));
        gateway.edge(false, s(20));
        device.edge(false, s(6010));
        assert_eq!(gateway.state(s(30)), device.state(s(6020)));
        assert_eq!(
            gateway.state(s(30)),
            PinState {
                is_on: false,
                on_seconds: -1.0,
                off_seconds: 10.0,
                seconds_since_on: 1020.0,
                seconds_since_off: 10.0,
                on_transitions: 2,
                on_seconds_total: 3010.0,
                off_seconds_total: 3010.0,
            }
        );
    }

    #[test]
    fn a_change_inside_its_window_is_not_in_the_snapshot() {
        let mut pin = PinTracker::new(debounced(1000), false, s(0));
        pin.edge(true, s(10));
        let before = pin.snapshot(ms(10_500));
        assert!(!before.on);
        assert_eq!(before.since, Duration::from_millis(10_500));
        let after = pin.snapshot(s(11));
        assert_eq!(
            after,
            PinSnapshot {
                on: true,
                since: Duration::from_secs(1),
                since_on: Some(Duration::from_secs(1)),
                since_off: None,
                on_transitions: 1,
                on_total: Duration::from_secs(1),
                off_total: Duration::from_secs(10),
            }
        );
    }

    #[test]
    fn an_inconsistent_snapshot_is_restored_as_it_says() {
        // On for 10 s, but only 4 s on in total: reported as sent, then growing.
        let snap = PinSnapshot {
            on: true,
            since: Duration::from_secs(10),
            since_on: None,
            since_off: None,
            on_transitions: 0,
            on_total: Duration::from_secs(4),
            off_total: Duration::ZERO,
        };
        let pin = PinTracker::from_snapshot(PinConfig::default(), &snap, s(0));
        assert_eq!(pin.snapshot(s(0)), snap);
        let state = pin.state(s(1));
        assert_eq!((state.on_seconds, state.on_seconds_total), (11.0, 5.0));
    }
}
