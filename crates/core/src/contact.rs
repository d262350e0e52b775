//! The device side of contact push: a [contact packet](crate::packet::Contact) on every edge
//! of an input, and a round of state packets for all inputs every `state_interval`, so the
//! gateway recovers after a lost datagram.
//!
//! The caller tracks its inputs, with a [`PinTracker`] each or all of them in a
//! [`ContactSet`], which also notes which inputs changed since the last push, and hands over
//! a [`PinSnapshot`] per packet; [`ContactPusher`] decides when state packets are due and
//! encodes the packets, with the device name (required in contact packets) and `seq`.
//!
//! ```text
//! on an edge of input `left` (pin 32):  n = pusher.edge("left", 32, &tracker.snapshot(now), &mut buf)?
//! when now >= pusher.next_state():      pusher.begin_states(now);
//!                                       for each input: n = pusher.state(name, pin, &snapshot, &mut buf)?
//! ```
//!
//! With a [`ContactSet`], edge packets go out for the inputs it reports changed:
//!
//! ```text
//! level change of input i at t:         if set.edge(i, level, t) { wake the push task }
//! a debounce window ends (set.deadline(i)): if set.poll(i, now) { wake the push task }
//! push task, woken:                     for i in set.take_changed().iter() { pusher.edge(.., &set.snapshot(i, now)?, ..) }
//! ```

use core::time::Duration;

use crate::packet::{Body, Contact, ContactEvent, EncodeError, Packet, Sequence, encode};
use crate::pin::{PinConfig, PinSnapshot, PinState, PinTracker};
use crate::schedule::Schedule;
use crate::text::Text;
use crate::time::Instant;

/// Encodes a device's contact packets and schedules its state rounds.
#[derive(Clone, Debug)]
pub struct ContactPusher<'a> {
    device: &'a str,
    states: Schedule,
    seq: Sequence,
}

impl<'a> ContactPusher<'a> {
    /// A pusher for the device named `device` (its hostname; the gateway labels the inputs
    /// with it) whose first round of state packets is due at `now`, so the gateway learns
    /// every input at start, then every `state_interval` (start to start, see [`Schedule`]).
    /// `seq` starts at 0.
    pub fn new(device: &'a str, state_interval: Duration, now: Instant) -> Self {
        ContactPusher {
            device,
            states: Schedule::new(state_interval, now),
            seq: Sequence::default(),
        }
    }

    /// The device name sent in every packet.
    pub fn device(&self) -> &'a str {
        self.device
    }

    /// Encode the packet for an edge of input `name` on `pin`, whose state is now `snap`,
    /// into `out`; returns its length.
    pub fn edge(
        &mut self,
        name: &str,
        pin: u32,
        snap: &PinSnapshot,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        self.encode(name, pin, ContactEvent::Edge, snap, out)
    }

    /// When the next round of state packets is due.
    pub fn next_state(&self) -> Instant {
        self.states.next()
    }

    /// Whether a round of state packets is due at `now`.
    pub fn state_due(&self, now: Instant) -> bool {
        self.states.is_due(now)
    }

    /// Start a round of state packets at `now` (normally when [`ContactPusher::state_due`]):
    /// schedules the next round. Then encode one [`ContactPusher::state`] packet per input.
    pub fn begin_states(&mut self, now: Instant) {
        self.states.start(now);
    }

    /// Encode the periodic state packet of input `name` on `pin`, whose state is `snap`,
    /// into `out`; returns its length.
    pub fn state(
        &mut self,
        name: &str,
        pin: u32,
        snap: &PinSnapshot,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        self.encode(name, pin, ContactEvent::State, snap, out)
    }

    /// The `seq` counter, for a device that sends packets of its own besides these (they
    /// share one counter) or starts it elsewhere than 0.
    pub fn sequence_mut(&mut self) -> &mut Sequence {
        &mut self.seq
    }

    /// Encode one packet; `seq` advances only when it was encoded.
    fn encode(
        &mut self,
        name: &str,
        pin: u32,
        event: ContactEvent,
        snap: &PinSnapshot,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let contact = Contact::from_snapshot(Text::Plain(name), pin, event, snap);
        let packet = Packet {
            device: Some(Text::Plain(self.device)),
            seq: Some(self.seq.peek()),
            ..Packet::new(Body::Contact(contact))
        };
        let n = encode(&packet, out)?;
        self.seq.advance();
        Ok(n)
    }
}

/// The most inputs a [`ContactSet`] tracks: one bit each in [`Changed`].
pub const MAX_INPUTS: usize = 32;

/// A set of inputs by index, `0..MAX_INPUTS`: those whose debounced state changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Changed(u32);

impl Changed {
    /// No input.
    pub const NONE: Changed = Changed(0);

    /// The set whose bit `i` stands for input `i`.
    pub const fn from_bits(bits: u32) -> Self {
        Changed(bits)
    }

    /// Bit `i` set: input `i` is in the set.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether no input is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether input `index` is in the set.
    pub const fn contains(self, index: usize) -> bool {
        index < MAX_INPUTS && self.0 & (1 << index) != 0
    }

    /// The inputs in the set, lowest index first.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_INPUTS).filter(move |&i| self.contains(i))
    }

    fn insert(&mut self, index: usize) {
        if index < MAX_INPUTS {
            self.0 |= 1 << index;
        }
    }
}

/// The trackers of a device's `N` contact inputs (at most [`MAX_INPUTS`]), and which of them
/// changed their debounced state since the push side last took the set
/// ([`ContactSet::take_changed`]).
///
/// An input that changes several times between two takes is reported once; its snapshot then
/// carries the state it has at that time. An index outside `0..N` is ignored (nothing
/// changes, nothing is reported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactSet<const N: usize> {
    trackers: [PinTracker; N],
    changed: Changed,
}

impl<const N: usize> ContactSet<N> {
    /// Inputs read as `configs` says, whose electrical levels read at `now` are `levels`
    /// (`true` = high). Nothing counts as changed yet.
    pub fn new(configs: [PinConfig; N], levels: [bool; N], now: Instant) -> Self {
        const {
            assert!(
                N <= MAX_INPUTS,
                "a ContactSet tracks at most MAX_INPUTS inputs"
            )
        };
        ContactSet {
            trackers: core::array::from_fn(|i| PinTracker::new(configs[i], levels[i], now)),
            changed: Changed::NONE,
        }
    }

    /// Apply `f` to input `index`'s tracker; note whether its debounced state changed.
    fn update(&mut self, index: usize, f: impl FnOnce(&mut PinTracker)) -> bool {
        let Some(tracker) = self.trackers.get_mut(index) else {
            return false;
        };
        let was_on = tracker.is_on();
        f(tracker);
        let changed = tracker.is_on() != was_on;
        if changed {
            self.changed.insert(index);
        }
        changed
    }

    /// Input `index`'s electrical level became `level` at `at` ([`PinTracker::edge`]).
    /// Returns whether its debounced state changed (then it is in the next
    /// [`ContactSet::take_changed`]).
    pub fn edge(&mut self, index: usize, level: bool, at: Instant) -> bool {
        self.update(index, |t| t.edge(level, at))
    }

    /// Let time pass for input `index` ([`PinTracker::poll`]): settles a change whose
    /// debounce window ended by `now`. Returns whether its debounced state changed.
    pub fn poll(&mut self, index: usize, now: Instant) -> bool {
        self.update(index, |t| t.poll(now))
    }

    /// When input `index` next needs a [`ContactSet::poll`] ([`PinTracker::deadline`]).
    pub fn deadline(&self, index: usize) -> Option<Instant> {
        self.trackers.get(index).and_then(PinTracker::deadline)
    }

    /// Input `index`'s tracker.
    pub fn tracker(&self, index: usize) -> Option<&PinTracker> {
        self.trackers.get(index)
    }

    /// Every input's state at `now`, in index order.
    pub fn states(&self, now: Instant) -> [PinState; N] {
        core::array::from_fn(|i| self.trackers[i].state(now))
    }

    /// Input `index`'s snapshot at `now`, for a contact packet.
    pub fn snapshot(&self, index: usize, now: Instant) -> Option<PinSnapshot> {
        self.trackers.get(index).map(|t| t.snapshot(now))
    }

    /// The inputs that changed since the last take, without taking them.
    pub fn changed(&self) -> Changed {
        self.changed
    }

    /// Take the inputs that changed since the last take: the set starts empty again.
    pub fn take_changed(&mut self) -> Changed {
        core::mem::take(&mut self.changed)
    }
}
