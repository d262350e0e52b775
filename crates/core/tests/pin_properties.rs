//! Properties of [`PinTracker`] over generated edge sequences: bounces, repeats, edges out of
//! time order, debounce windows from none to longer than the gaps.

use core::time::Duration;

use promcast_core::pin::{PinConfig, PinState, PinTracker};
use promcast_core::time::Instant;
use proptest::prelude::*;

/// A generated history: a start, the level read then, and edges.
#[derive(Clone, Debug)]
struct Case {
    cfg: PinConfig,
    start: u64,
    level: bool,
    /// Edges as (level, µs after the previous edge's time); negative offsets make edges out of
    /// time order.
    edges: Vec<(bool, i64)>,
}

impl Case {
    /// Each edge's level and time as fed (before clamping).
    fn timed_edges(&self) -> Vec<(bool, Instant)> {
        let mut t = self.start;
        self.edges
            .iter()
            .map(|&(level, delta)| {
                t = t.saturating_add_signed(delta);
                (level, Instant::from_micros(t))
            })
            .collect()
    }

    /// The tracker after all edges.
    fn tracker(&self) -> PinTracker {
        let mut pin = PinTracker::new(self.cfg, self.level, Instant::from_micros(self.start));
        for (level, at) in self.timed_edges() {
            pin.edge(level, at);
        }
        pin
    }

    /// The latest time fed (start or an edge): what clamping makes the last event's time.
    fn last_time(&self) -> Instant {
        self.timed_edges()
            .iter()
            .map(|&(_, at)| at)
            .fold(Instant::from_micros(self.start), Instant::max)
    }

    /// The logical level of the last edge, or the initial one.
    fn final_on(&self) -> bool {
        let level = self.edges.last().map_or(self.level, |&(level, _)| level);
        level != self.cfg.active_low
    }
}

fn case(max_debounce_us: u64) -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        0..=max_debounce_us,
        0u64..1_000_000_000_000,
        any::<bool>(),
        prop::collection::vec((any::<bool>(), -50_000i64..200_000), 0..40),
    )
        .prop_map(|(active_low, debounce, start, level, edges)| Case {
            cfg: PinConfig {
                active_low,
                debounce: Duration::from_micros(debounce),
            },
            start,
            level,
            edges,
        })
}

/// The invariants every state has: -1 exactly where the seed's -1 is, nothing else negative.
fn check_shape(state: &PinState) -> Result<(), TestCaseError> {
    prop_assert_eq!(state.on_seconds == -1.0, !state.is_on, "{:?}", state);
    prop_assert_eq!(state.off_seconds == -1.0, state.is_on, "{:?}", state);
    for v in [
        state.on_seconds,
        state.off_seconds,
        state.seconds_since_on,
        state.seconds_since_off,
    ] {
        prop_assert!(v == -1.0 || v >= 0.0, "{:?}", state);
    }
    prop_assert!(state.on_seconds_total >= 0.0 && state.off_seconds_total >= 0.0);
    // Never on without having turned on (or having started on): the counters agree.
    prop_assert_eq!(state.seconds_since_on == -1.0, state.on_transitions == 0);
    Ok(())
}

proptest! {
    #[test]
    fn totals_add_up_to_the_time_since_start(c in case(100_000), extra in 0u64..1_000_000) {
        let mut pin = PinTracker::new(c.cfg, c.level, Instant::from_micros(c.start));
        let mut latest = c.start;
        for (level, at) in c.timed_edges() {
            pin.edge(level, at);
            latest = latest.max(at.as_micros());
            let now = latest + extra;
            let snap = pin.snapshot(Instant::from_micros(now));
            prop_assert_eq!(snap.on_total + snap.off_total, Duration::from_micros(now - c.start));
            let state = pin.state(Instant::from_micros(now));
            let elapsed = (now - c.start) as f64 / 1e6;
            prop_assert!(
                (state.on_seconds_total + state.off_seconds_total - elapsed).abs() < 0.5e-6,
                "{:?} at {}", state, now
            );
            check_shape(&state)?;
        }
    }

    #[test]
    fn debounce_never_loses_the_final_level(c in case(100_000)) {
        let settled = c.last_time() + c.cfg.debounce;
        let mut pin = c.tracker();
        prop_assert_eq!(pin.state(settled).is_on, c.final_on());
        prop_assert!(pin.deadline().is_none_or(|d| d <= settled));
        pin.poll(settled);
        prop_assert_eq!(pin.is_on(), c.final_on());
        prop_assert_eq!(pin.deadline(), None);
    }

    #[test]
    fn without_debounce_every_off_to_on_counts(c in case(0)) {
        let mut pin = PinTracker::new(c.cfg, c.level, Instant::from_micros(c.start));
        let mut on = c.level != c.cfg.active_low;
        let mut transitions = 0;
        for (level, at) in c.timed_edges() {
            let next = level != c.cfg.active_low;
            transitions += u64::from(!on && next);
            on = next;
            pin.edge(level, at);
            prop_assert_eq!(pin.is_on(), on);
            prop_assert_eq!(pin.deadline(), None);
        }
        let state = pin.state(c.last_time());
        prop_assert_eq!(state.on_transitions, transitions);
        check_shape(&state)?;
    }

    #[test]
    fn edges_further_apart_than_the_window_are_not_debounced(
        c in case(0),
        debounce in 0u64..100_000,
        extra in 0u64..1_000_000,
    ) {
        // Every edge at least `debounce` after the one before, and in time order.
        let mut spaced = c.clone();
        for (_, delta) in &mut spaced.edges {
            *delta = delta.rem_euclid(200_000) + debounce as i64;
        }
        let mut debounced = spaced.clone();
        debounced.cfg.debounce = Duration::from_micros(debounce);
        let now = spaced.last_time() + Duration::from_micros(debounce + extra);
        prop_assert_eq!(debounced.tracker().state(now), spaced.tracker().state(now));
    }

    #[test]
    fn snapshots_restore_the_same_state_later(
        c in case(100_000),
        after_last in 0u64..300_000,
        receiver in 0u64..1_000_000_000_000,
        later in prop::collection::vec(0u64..10_000_000, 1..8),
    ) {
        let pin = c.tracker();
        let taken = c.last_time() + Duration::from_micros(after_last);
        let snap = pin.snapshot(taken);
        let restored = PinTracker::from_snapshot(c.cfg, &snap, Instant::from_micros(receiver));
        prop_assert_eq!(restored.snapshot(Instant::from_micros(receiver)), snap);
        for x in later {
            let x = Duration::from_micros(x);
            // A change still inside its window at the snapshot is not in it.
            if pin.deadline().is_none_or(|d| d <= taken || taken + x < d) {
                let restored_state = restored.state(Instant::from_micros(receiver) + x);
                prop_assert_eq!(restored_state, pin.state(taken + x));
                check_shape(&restored_state)?;
            }
        }
    }
}
