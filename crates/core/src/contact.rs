//! The device side of contact push: a [contact packet](crate::packet::Contact) on every edge
//! of an input, and a round of state packets for all inputs every `state_interval`, so the
//! gateway recovers after a lost datagram.
//!
//! The caller tracks its inputs (e.g. with [`crate::pin::PinTracker`]) and hands over a
//! [`PinSnapshot`] per packet; this module only decides when state packets are due and
//! encodes the packets, with the device name (required in contact packets) and `seq`.
//!
//! ```text
//! on an edge of input `left` (pin 32):  n = pusher.edge("left", 32, &tracker.snapshot(now), &mut buf)?
//! when now >= pusher.next_state():      pusher.begin_states(now);
//!                                       for each input: n = pusher.state(name, pin, &snapshot, &mut buf)?
//! ```

use core::time::Duration;

use crate::packet::{Body, Contact, ContactEvent, EncodeError, Packet, Sequence, encode};
use crate::pin::PinSnapshot;
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
