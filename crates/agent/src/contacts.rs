//! Contact inputs: a [`ContactSource`] (GPIO or simulated) delivers electrical levels and
//! timestamped edges; [`Inputs`] feeds them to one core [`PinTracker`] per configured pin.
//!
//! Active-low is applied by the tracker ([`promcast_core::pin::PinConfig::active_low`]), not
//! by the kernel line configuration: sources always report the electrical level (`true` =
//! high), so a GPIO source and a simulated one mean the same thing by a level.

use std::fmt;

use promcast_core::pin::{PinSnapshot, PinState, PinTracker};
use promcast_core::time::Instant;
use promcast_fleet::Pin;

/// An edge: pin `pin` (index into the device's pins) went to electrical level `level` at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Index of the pin in the device's `pins`.
    pub pin: usize,
    /// The new electrical level (true = high).
    pub level: bool,
    /// When it happened.
    pub at: Instant,
}

/// Where contact levels come from.
pub trait ContactSource: Send {
    /// The electrical level of every configured pin at start, in the device's pin order.
    fn initial_levels(&mut self, now: Instant) -> Vec<bool>;

    /// Append the edges that happened up to `now`, in time order, to `out`.
    fn poll(&mut self, now: Instant, out: &mut Vec<Edge>);

    /// When the next edge is known to happen (a scripted one), if known.
    fn next_edge(&self) -> Option<Instant>;
}

/// A source with no pins and no edges.
#[derive(Debug, Default)]
pub struct NoContacts;

impl ContactSource for NoContacts {
    fn initial_levels(&mut self, _now: Instant) -> Vec<bool> {
        Vec::new()
    }
    fn poll(&mut self, _now: Instant, _out: &mut Vec<Edge>) {}
    fn next_edge(&self) -> Option<Instant> {
        None
    }
}

/// The trackers of every pin, fed by a source.
pub struct Inputs {
    pins: Vec<Pin>,
    trackers: Vec<PinTracker>,
    source: Box<dyn ContactSource>,
    scratch: Vec<Edge>,
    edges_seen: u64,
}

impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inputs")
            .field("pins", &self.pins)
            .field("trackers", &self.trackers)
            .field("edges_seen", &self.edges_seen)
            .finish_non_exhaustive()
    }
}

impl Inputs {
    /// Read the initial levels from `source` and start a tracker per pin at `now`.
    pub fn new(pins: &[Pin], mut source: Box<dyn ContactSource>, now: Instant) -> Inputs {
        let levels = source.initial_levels(now);
        let trackers = pins
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let level = levels.get(i).copied().unwrap_or(false);
                PinTracker::new(p.pin_config(), level, now)
            })
            .collect();
        Inputs {
            pins: pins.to_vec(),
            trackers,
            source,
            scratch: Vec::new(),
            edges_seen: 0,
        }
    }

    /// Bring every tracker up to `now`: feed the source's edges so far, settle debounce
    /// windows that have passed.
    pub fn sync(&mut self, now: Instant) {
        self.scratch.clear();
        self.source.poll(now, &mut self.scratch);
        for e in &self.scratch {
            if let Some(t) = self.trackers.get_mut(e.pin) {
                t.edge(e.level, e.at);
                self.edges_seen += 1;
            }
        }
        for t in &mut self.trackers {
            t.poll(now);
        }
    }

    /// The earliest time something will change without an outside event: a scripted edge
    /// or the end of a debounce window.
    pub fn deadline(&self) -> Option<Instant> {
        self.trackers
            .iter()
            .filter_map(PinTracker::deadline)
            .chain(self.source.next_edge())
            .min()
    }

    /// The configured pins.
    pub fn pins(&self) -> &[Pin] {
        &self.pins
    }

    /// Pin `i`'s state at `now` (call [`Inputs::sync`] first).
    pub fn state(&self, i: usize, now: Instant) -> Option<PinState> {
        self.trackers.get(i).map(|t| t.state(now))
    }

    /// Pin `i`'s snapshot at `now`, for a packet.
    pub fn snapshot(&self, i: usize, now: Instant) -> Option<PinSnapshot> {
        self.trackers.get(i).map(|t| t.snapshot(now))
    }

    /// Raw edges fed to the trackers so far (before debouncing).
    pub fn edges_seen(&self) -> u64 {
        self.edges_seen
    }
}

/// What a pin last reported, to notice a change worth an edge packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported {
    /// On or off.
    pub on: bool,
    /// Off→on transitions counted.
    pub on_transitions: u64,
}

impl Reported {
    /// What a snapshot says.
    pub fn of(s: &PinSnapshot) -> Reported {
        Reported {
            on: s.on,
            on_transitions: s.on_transitions,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use promcast_fleet::Pull;

    use super::*;

    /// A source that plays a fixed list of edges.
    struct Listed {
        initial: Vec<bool>,
        edges: Vec<Edge>,
    }

    impl ContactSource for Listed {
        fn initial_levels(&mut self, _now: Instant) -> Vec<bool> {
            self.initial.clone()
        }
        fn poll(&mut self, now: Instant, out: &mut Vec<Edge>) {
            let n = self.edges.iter().take_while(|e| e.at <= now).count();
            out.extend(self.edges.drain(..n));
        }
        fn next_edge(&self) -> Option<Instant> {
            self.edges.first().map(|e| e.at)
        }
    }

    fn pin(name: &str, number: u32, active_low: bool, debounce_ms: u64) -> Pin {
        Pin {
            number,
            name: name.into(),
            pull: Pull::Up,
            active_low,
            debounce: Duration::from_millis(debounce_ms),
        }
    }

    fn ms(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn edges_reach_the_trackers_with_active_low_and_debounce() {
        let pins = [pin("door", 17, true, 50), pin("window", 27, false, 0)];
        let source = Listed {
            initial: vec![true, false],
            edges: vec![
                Edge {
                    pin: 0,
                    level: false,
                    at: ms(1000),
                },
                Edge {
                    pin: 1,
                    level: true,
                    at: ms(1500),
                },
                // A bounce shorter than the window: no change.
                Edge {
                    pin: 0,
                    level: true,
                    at: ms(3000),
                },
                Edge {
                    pin: 0,
                    level: false,
                    at: ms(3020),
                },
            ],
        };
        let mut inputs = Inputs::new(&pins, Box::new(source), ms(0));
        assert_eq!(inputs.deadline(), Some(ms(1000)));
        inputs.sync(ms(1000));
        // Door pulled low: active-low, so on once the 50 ms window has passed.
        assert!(!inputs.state(0, ms(1000)).expect("pin").is_on);
        assert_eq!(inputs.deadline(), Some(ms(1050)));
        inputs.sync(ms(1050));
        let door = inputs.state(0, ms(2000)).expect("pin");
        assert!(door.is_on);
        assert_eq!(door.on_seconds, 1.0);
        inputs.sync(ms(1500));
        assert!(inputs.state(1, ms(1500)).expect("pin").is_on);
        inputs.sync(ms(4000));
        let door = inputs.state(0, ms(4000)).expect("pin");
        assert!(door.is_on);
        assert_eq!(door.on_transitions, 1);
        assert_eq!(inputs.edges_seen(), 4);
        assert_eq!(inputs.deadline(), None);
    }
}
