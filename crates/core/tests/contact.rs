//! Contact packets: decoding and its errors, conversion to and from `PinSnapshot`, the
//! device-side `ContactPusher`, and the `ContactSet` that says which inputs changed. Exact bytes of encoded contact packets are in `golden` and
//! `tests/encode.rs`.

use core::time::Duration;

use promcast_core::contact::{Changed, ContactPusher, ContactSet, MAX_INPUTS};
use promcast_core::packet::{Contact, ContactEvent, EncodeError, Sequence};
use promcast_core::pin::{PinConfig, PinSnapshot, PinTracker};
use promcast_core::time::Instant;
use promcast_core::{Body, DecodeError, Packet, Reading, Text, decode, encode};

mod golden;
mod members;

use golden::{CONTACT_EDGE, contact_edge_packet};
use members::{assert_rejects, object};

const JUNK: u8 = 0xAA;

/// The members of [`CONTACT_EDGE`], values as written.
const BASE: [(&str, &str); 13] = [
    ("type", r#""contact""#),
    ("name", r#""left""#),
    ("pin", "32"),
    ("event", r#""edge""#),
    ("on", "true"),
    ("since_ms", "0"),
    ("since_on_ms", "0"),
    ("since_off_ms", "4500"),
    ("on_transitions", "5"),
    ("on_ms_total", "123456"),
    ("off_ms_total", "99000"),
    ("device", r#""door-esp""#),
    ("seq", "9"),
];

/// [`BASE`] with `key` set to `value` (appended if absent).
fn with(key: &str, value: &str) -> String {
    members::with(&BASE, key, value)
}

/// [`BASE`] without `key`.
fn without(key: &str) -> String {
    members::without(&BASE, key)
}

fn edge() -> Contact<'static> {
    let Body::Contact(c) = contact_edge_packet().body else {
        unreachable!("the golden edge packet is a contact packet")
    };
    c
}

#[test]
fn base_is_the_golden_edge_packet() {
    assert_eq!(object(BASE), CONTACT_EDGE);
    assert_eq!(decode(CONTACT_EDGE.as_bytes()), Ok(contact_edge_packet()));
}

#[test]
fn any_order_and_escapes() {
    let reversed = object(BASE.into_iter().rev());
    assert_eq!(decode(reversed.as_bytes()), Ok(contact_edge_packet()));
    let escaped = object(BASE.map(|(k, v)| match k {
        "pin" => (r"p\u0069n", v),
        "event" => (k, r#""\u0065dge""#),
        "since_off_ms" => (r"since_off\u005fms", v),
        _ => (k, v),
    }));
    assert_eq!(decode(escaped.as_bytes()), Ok(contact_edge_packet()));
}

#[test]
fn field_values() {
    fn decoded(src: &str) -> Contact<'_> {
        match decode(src.as_bytes()) {
            Ok(Packet {
                body: Body::Contact(c),
                ..
            }) => c,
            other => panic!("{src}: {other:?}"),
        }
    }
    assert_eq!(
        decoded(&with("event", r#""state""#)).event,
        ContactEvent::State
    );
    assert!(!decoded(&with("on", "false")).on);
    assert_eq!(decoded(&with("pin", "4294967295")).pin, u32::MAX);
    assert_eq!(decoded(&with("pin", "0")).pin, 0);
    let max = "18446744073709551615";
    for key in [
        "since_ms",
        "since_on_ms",
        "since_off_ms",
        "on_transitions",
        "on_ms_total",
        "off_ms_total",
    ] {
        let src = with(key, max);
        let c = decoded(&src);
        let got = match key {
            "since_ms" => Some(c.since_ms),
            "since_on_ms" => c.since_on_ms,
            "since_off_ms" => c.since_off_ms,
            "on_transitions" => Some(c.on_transitions),
            "on_ms_total" => Some(c.on_ms_total),
            _ => Some(c.off_ms_total),
        };
        assert_eq!(got, Some(u64::MAX), "{key}");
    }
    let never = without("since_on_ms").replace(r#", "since_off_ms": 4500"#, "");
    assert_eq!(
        decoded(&never),
        Contact {
            since_on_ms: None,
            since_off_ms: None,
            ..edge()
        }
    );
    // `seq` is optional here as everywhere.
    assert_eq!(decode(without("seq").as_bytes()).map(|p| p.seq), Ok(None));
}

#[test]
fn missing_fields() {
    for key in [
        "name",
        "device",
        "pin",
        "event",
        "on",
        "since_ms",
        "on_transitions",
        "on_ms_total",
        "off_ms_total",
    ] {
        assert_rejects(&without(key), DecodeError::MissingField(key));
    }
    // An empty device name is a device name.
    assert!(decode(with("device", r#""""#).as_bytes()).is_ok());
}

#[test]
fn wrong_types() {
    for (key, value) in [
        ("pin", r#""32""#),
        ("pin", "true"),
        ("event", "1"),
        ("event", "null"),
        ("on", "1"),
        ("on", r#""true""#),
        ("on", "null"),
        ("since_ms", "false"),
        ("since_on_ms", "null"),
        ("since_off_ms", "[]"),
        ("on_transitions", "{}"),
        ("on_ms_total", r#""0""#),
        ("off_ms_total", "null"),
        ("device", "null"),
        ("name", "7"),
    ] {
        assert_rejects(&with(key, value), DecodeError::WrongType(key));
    }
}

#[test]
fn invalid_values() {
    for (key, value) in [
        ("pin", "4294967296"),
        ("pin", "-1"),
        ("pin", "-0"),
        ("pin", "32.0"),
        ("pin", "3e1"),
        ("pin", "NaN"),
        ("event", r#""Edge""#),
        ("event", r#""""#),
        ("event", r#""edge ""#),
        ("since_ms", "18446744073709551616"),
        ("since_ms", "1.5"),
        ("since_on_ms", "-5"),
        ("since_off_ms", "Infinity"),
        ("on_transitions", "1E2"),
        ("on_ms_total", "99999999999999999999999"),
        ("off_ms_total", "-inf"),
    ] {
        assert_rejects(&with(key, value), DecodeError::InvalidValue(key));
    }
}

#[test]
fn duplicates() {
    for key in ["pin", "on", "since_on_ms", "off_ms_total"] {
        let src = CONTACT_EDGE.replace(r#""name""#, &format!(r#""{key}": 1, "name""#));
        assert_rejects(&src, DecodeError::DuplicateField(key));
    }
    let src = CONTACT_EDGE.replace(r#""name""#, r#""p\u0069n": 1, "name""#);
    assert_rejects(&src, DecodeError::DuplicateField("pin"));
    // Not contact fields outside contact packets.
    let src = r#"{"type": "temperature", "name": "T", "temperature": 1.0, "pin": 1, "pin": "x", "on": 3}"#;
    assert_eq!(
        decode(src.as_bytes()),
        Ok(Packet::new(Body::Reading(Reading::new(
            "temperature",
            Text::Plain("T"),
            1.0
        ))))
    );
}

#[test]
fn other_known_fields_are_checked_then_ignored() {
    let src = with("sensor", r#""ignored""#);
    assert_eq!(decode(src.as_bytes()), Ok(contact_edge_packet()));
    let src = with("contact", r#""ignored""#);
    assert_eq!(decode(src.as_bytes()), Ok(contact_edge_packet()));
    assert_rejects(&with("offset", r#""x""#), DecodeError::WrongType("offset"));
    assert_rejects(&with("status", "1"), DecodeError::WrongType("status"));
    assert_rejects(
        &with("name", &format!(r#""{}""#, "x".repeat(129))),
        DecodeError::TooLong("name"),
    );
    assert_rejects(
        &with("device", &format!(r#""{}""#, "x".repeat(65))),
        DecodeError::TooLong("device"),
    );
}

#[test]
fn first_problem_wins() {
    let min = r#"{"type": "contact"}"#;
    // A duplicated contact field comes right after `type`...
    assert_rejects(
        r#"{"pin": 1, "name": 5, "type": "contact", "pin": 2}"#,
        DecodeError::DuplicateField("pin"),
    );
    assert_rejects(
        r#"{"pin": 1, "type": "Contact", "pin": 2}"#,
        DecodeError::InvalidKind,
    );
    // ... then the common fields, then `device` ...
    assert_rejects(min, DecodeError::MissingField("name"));
    assert_rejects(
        r#"{"type": "contact", "name": "n", "seq": -1}"#,
        DecodeError::InvalidValue("seq"),
    );
    assert_rejects(
        r#"{"type": "contact", "name": "n", "pin": "x"}"#,
        DecodeError::MissingField("device"),
    );
    // ... then the contact fields in order.
    assert_rejects(
        r#"{"type": "contact", "name": "n", "device": "d", "on_ms_total": "x", "event": 1, "pin": -1}"#,
        DecodeError::InvalidValue("pin"),
    );
    assert_rejects(
        r#"{"type": "contact", "name": "n", "device": "d", "on_ms_total": "x", "on": 1, "event": 1, "pin": 1}"#,
        DecodeError::WrongType("event"),
    );
    assert_rejects(
        r#"{"type": "contact", "name": "n", "device": "d", "since_off_ms": "x", "since_on_ms": "x", "event": "state", "on": false, "since_ms": 1, "pin": 1}"#,
        DecodeError::WrongType("since_on_ms"),
    );
    assert_rejects(
        r#"{"type": "contact", "name": "n", "device": "d", "event": "state", "on": false, "since_ms": 1, "pin": 1}"#,
        DecodeError::MissingField("on_transitions"),
    );
}

#[test]
fn error_messages() {
    for (err, message) in [
        (
            DecodeError::MissingField("device"),
            "required field \"device\" is missing",
        ),
        (
            DecodeError::WrongType("on"),
            "field \"on\" is not true or false",
        ),
        (
            DecodeError::WrongType("pin"),
            "field \"pin\" is not a number",
        ),
        (
            DecodeError::WrongType("since_ms"),
            "field \"since_ms\" is not a number",
        ),
        (
            DecodeError::WrongType("event"),
            "field \"event\" is not a string",
        ),
        (
            DecodeError::InvalidValue("pin"),
            "field \"pin\" is not an integer from 0 to 4294967295",
        ),
        (
            DecodeError::InvalidValue("off_ms_total"),
            "field \"off_ms_total\" is not an integer from 0 to 18446744073709551615",
        ),
        (
            DecodeError::InvalidValue("event"),
            "field \"event\" is not \"edge\" or \"state\"",
        ),
        (
            DecodeError::DuplicateField("since_on_ms"),
            "field \"since_on_ms\" appears more than once",
        ),
    ] {
        assert_eq!(err.to_string(), message, "{err:?}");
    }
    assert_eq!(
        EncodeError::Missing("device").to_string(),
        "required field \"device\" is missing"
    );
}

#[test]
fn encode_refuses_what_decode_rejects() {
    let no_device = Packet {
        device: None,
        ..contact_edge_packet()
    };
    assert_eq!(
        encode(&no_device, &mut []),
        Err(EncodeError::Missing("device"))
    );
    let long = "x".repeat(129);
    let long_name = Packet::new(Body::Contact(Contact {
        name: Text::Plain(&long),
        ..edge()
    }));
    assert_eq!(
        encode(&long_name, &mut []),
        Err(EncodeError::Invalid("name"))
    );
    let long_device = Packet {
        device: Some(Text::Plain(&long[..65])),
        ..contact_edge_packet()
    };
    assert_eq!(
        encode(&long_device, &mut []),
        Err(EncodeError::Invalid("device"))
    );
}

#[test]
fn golden_contact_packets_survive_snapshots() {
    let mut n = 0;
    for g in golden::all() {
        let Body::Contact(c) = g.packet.body else {
            continue;
        };
        assert!(g.encodes, "{}", g.json);
        assert_eq!(
            Contact::from_snapshot(c.name, c.pin, c.event, &c.snapshot()),
            c,
            "{}",
            g.json
        );
        n += 1;
    }
    assert_eq!(n, 2);
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn snapshots() {
    let snap = PinSnapshot {
        on: true,
        since: ms(0),
        since_on: Some(ms(0)),
        since_off: Some(ms(4500)),
        on_transitions: 5,
        on_total: ms(123_456),
        off_total: ms(99_000),
    };
    let c = Contact::from_snapshot(Text::Plain("left"), 32, ContactEvent::Edge, &snap);
    assert_eq!(c, edge());
    assert_eq!(c.snapshot(), snap);
    assert_eq!(PinSnapshot::from(&c), snap);

    // Milliseconds, truncated; durations past u64::MAX ms saturate.
    let fine = PinSnapshot {
        on: false,
        since: Duration::from_micros(1_999),
        since_on: None,
        since_off: Some(Duration::from_micros(999)),
        on_transitions: u64::MAX,
        on_total: Duration::MAX,
        off_total: Duration::from_nanos(1),
    };
    let c = Contact::from_snapshot(Text::Plain("x"), 0, ContactEvent::State, &fine);
    assert_eq!(
        c,
        Contact {
            name: Text::Plain("x"),
            pin: 0,
            event: ContactEvent::State,
            on: false,
            since_ms: 1,
            since_on_ms: None,
            since_off_ms: Some(0),
            on_transitions: u64::MAX,
            on_ms_total: u64::MAX,
            off_ms_total: 0,
        }
    );
    assert_eq!(
        c.snapshot(),
        PinSnapshot {
            on: false,
            since: ms(1),
            since_on: None,
            since_off: Some(ms(0)),
            on_transitions: u64::MAX,
            on_total: ms(u64::MAX),
            off_total: ms(0),
        }
    );
}

/// Encode through `f` into a junk-filled buffer; the packet, having checked that nothing
/// past it was written.
#[track_caller]
fn written(f: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>) -> String {
    let mut buf = [JUNK; 512];
    let n = f(&mut buf).expect("encodes");
    assert!(buf[n..].iter().all(|&b| b == JUNK), "wrote past {n}");
    String::from_utf8(buf[..n].to_vec()).expect("UTF-8")
}

#[test]
fn pusher_edges_and_state_rounds() {
    let t0 = Instant::from_millis(7_000);
    let mut pusher = ContactPusher::new("door-esp", Duration::from_secs(60), t0);
    assert_eq!(pusher.device(), "door-esp");
    *pusher.sequence_mut() = Sequence::new(9);
    let left = edge().snapshot();
    let garage = PinSnapshot {
        on: false,
        since: ms(3_600_000),
        since_on: None,
        since_off: None,
        on_transitions: 0,
        on_total: ms(0),
        off_total: ms(3_600_000),
    };

    // The first round is due at once, so the gateway learns every input at start.
    assert_eq!(pusher.next_state(), t0);
    assert!(pusher.state_due(t0));
    assert_eq!(
        written(|buf| pusher.edge("left", 32, &left, buf)),
        CONTACT_EDGE
    );
    pusher.begin_states(t0);
    assert_eq!(pusher.next_state(), Instant::from_millis(67_000));
    assert!(!pusher.state_due(Instant::from_millis(66_999)));
    assert_eq!(
        written(|buf| pusher.state("garage", 4, &garage, buf)),
        r#"{"type": "contact", "name": "garage", "pin": 4, "event": "state", "on": false, "since_ms": 3600000, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 3600000, "device": "door-esp", "seq": 10}"#
    );
    assert_eq!(
        written(|buf| pusher.state("left", 32, &left, buf)),
        r#"{"type": "contact", "name": "left", "pin": 32, "event": "state", "on": true, "since_ms": 0, "since_on_ms": 0, "since_off_ms": 4500, "on_transitions": 5, "on_ms_total": 123456, "off_ms_total": 99000, "device": "door-esp", "seq": 11}"#
    );

    // A late round: the next is an interval after it, not a burst.
    assert!(pusher.state_due(Instant::from_millis(200_000)));
    pusher.begin_states(Instant::from_millis(200_000));
    assert_eq!(pusher.next_state(), Instant::from_millis(260_000));
}

#[test]
fn pusher_seq_wraps_and_skips_nothing_on_encode_errors() {
    let mut pusher = ContactPusher::new("d", Duration::from_secs(60), Instant::ZERO);
    *pusher.sequence_mut() = Sequence::new(u32::MAX);
    let snap = PinSnapshot {
        on: true,
        since: ms(5),
        since_on: Some(ms(5)),
        since_off: None,
        on_transitions: 1,
        on_total: ms(5),
        off_total: ms(10),
    };
    let mut small = [JUNK; 16];
    assert_eq!(
        pusher.edge("p", 1, &snap, &mut small),
        Err(EncodeError::BufferFull)
    );
    let long = "x".repeat(129);
    assert_eq!(
        pusher.edge(&long, 1, &snap, &mut [JUNK; 512]),
        Err(EncodeError::Invalid("name"))
    );
    assert_eq!(
        written(|buf| pusher.edge("p", 1, &snap, buf)),
        r#"{"type": "contact", "name": "p", "pin": 1, "event": "edge", "on": true, "since_ms": 5, "since_on_ms": 5, "on_transitions": 1, "on_ms_total": 5, "off_ms_total": 10, "device": "d", "seq": 4294967295}"#
    );
    assert_eq!(
        written(|buf| pusher.state("p", 1, &snap, buf)),
        r#"{"type": "contact", "name": "p", "pin": 1, "event": "state", "on": true, "since_ms": 5, "since_on_ms": 5, "on_transitions": 1, "on_ms_total": 5, "off_ms_total": 10, "device": "d", "seq": 0}"#
    );
}

/// The seed's door board: `left` on when high, `right` wired active-low with a 50 ms
/// debounce, and a third input nobody touches. Booted at 1 s with left low (off), right
/// high (off) and the third high (on).
fn doors() -> ContactSet<3> {
    let debounced = PinConfig {
        active_low: true,
        debounce: ms(50),
    };
    ContactSet::new(
        [PinConfig::default(), debounced, PinConfig::default()],
        [false, true, true],
        Instant::from_millis(1_000),
    )
}

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

#[test]
fn contact_set_reports_each_changed_input_once_per_take() {
    let mut set = doors();
    assert_eq!(set.changed(), Changed::NONE);
    assert_eq!(set.take_changed(), Changed::NONE);

    // Left goes on at once; a repeated level changes nothing.
    assert!(set.edge(0, true, t(2_000)));
    assert!(!set.edge(0, true, t(2_001)));
    // Right's level drops (on, active-low) but only counts after the debounce window.
    assert!(!set.edge(1, false, t(2_100)));
    assert_eq!(set.deadline(1), Some(t(2_150)));
    assert_eq!(set.deadline(0), None);
    assert!(!set.poll(1, t(2_149)));
    assert_eq!(set.changed(), Changed::from_bits(0b001));
    assert!(set.poll(1, t(2_150)));
    assert_eq!(set.deadline(1), None);

    let changed = set.take_changed();
    assert_eq!(changed, Changed::from_bits(0b011));
    assert_eq!(changed.iter().collect::<Vec<_>>(), [0, 1]);
    assert!(changed.contains(0) && changed.contains(1) && !changed.contains(2));
    assert_eq!(set.take_changed(), Changed::NONE);

    // Left off and on again before the push looks: reported once, with its current state.
    assert!(set.edge(0, false, t(3_000)));
    assert!(set.edge(0, true, t(3_500)));
    assert_eq!(set.take_changed().iter().collect::<Vec<_>>(), [0]);
    assert_eq!(
        set.snapshot(0, t(4_000)),
        Some(PinSnapshot {
            on: true,
            since: ms(500),
            since_on: Some(ms(500)),
            since_off: Some(ms(1_000)),
            on_transitions: 2,
            on_total: ms(1_500),
            off_total: ms(1_500),
        })
    );
    // A bounce shorter than the window changes nothing.
    assert!(!set.edge(1, true, t(5_000)));
    assert!(!set.edge(1, false, t(5_020)));
    assert!(!set.poll(1, t(5_100)));
    assert!(set.take_changed().is_empty());
}

#[test]
fn contact_set_states_and_snapshots_are_the_trackers() {
    let mut set = doors();
    set.edge(0, true, t(2_000));
    set.edge(1, false, t(2_100));
    let mut right = PinTracker::new(
        PinConfig {
            active_low: true,
            debounce: ms(50),
        },
        true,
        t(1_000),
    );
    right.edge(false, t(2_100));
    assert_eq!(set.tracker(1), Some(&right));
    // The pending change settles on the copies read at 3 s (no poll ran).
    let states = set.states(t(3_000));
    assert_eq!(
        states.map(|s| (s.is_on, s.on_seconds, s.off_seconds)),
        [(true, 1.0, -1.0), (true, 0.9, -1.0), (true, 2.0, -1.0)]
    );
    assert_eq!(states[1], right.state(t(3_000)));
    assert_eq!(set.snapshot(1, t(3_000)), Some(right.snapshot(t(3_000))));
    assert_eq!(
        set.snapshot(2, t(3_000)),
        Some(PinSnapshot {
            on: true,
            since: ms(2_000),
            since_on: None,
            since_off: None,
            on_transitions: 0,
            on_total: ms(2_000),
            off_total: ms(0),
        })
    );
}

#[test]
fn contact_set_ignores_indices_it_does_not_have() {
    let mut set = doors();
    let before = set.clone();
    assert!(!set.edge(3, true, t(2_000)));
    assert!(!set.poll(3, t(2_000)));
    assert_eq!(set.deadline(3), None);
    assert_eq!(set.snapshot(3, t(2_000)), None);
    assert_eq!(set.tracker(3), None);
    assert_eq!(set, before);
}

#[test]
fn changed_sets() {
    let all = Changed::from_bits(u32::MAX);
    assert_eq!(all.iter().count(), MAX_INPUTS);
    assert_eq!(all.iter().last(), Some(31));
    assert!(all.contains(31) && !all.contains(32) && !all.contains(usize::MAX));
    let some = Changed::from_bits(0x8000_0005);
    assert_eq!(some.bits(), 0x8000_0005);
    assert_eq!(some.iter().collect::<Vec<_>>(), [0, 2, 31]);
    assert!(!some.is_empty());
    assert!(Changed::default().is_empty());
    assert_eq!(Changed::NONE.iter().next(), None);

    // The most inputs a set has: every one of them can be reported.
    let mut set = ContactSet::new(
        [PinConfig::default(); MAX_INPUTS],
        [false; MAX_INPUTS],
        Instant::ZERO,
    );
    for i in (0..MAX_INPUTS).step_by(3) {
        assert!(set.edge(i, true, t(10)));
    }
    assert_eq!(set.take_changed(), Changed::from_bits(0x4924_9249));
}

/// A device's push side: the inputs the set reports changed become edge packets.
#[test]
fn contact_set_feeds_the_pusher() {
    let mut set = doors();
    let mut pusher = ContactPusher::new("door-esp", Duration::from_secs(60), t(1_000));
    set.edge(0, true, t(2_000));
    let at = t(2_250);
    let packets: Vec<String> = set
        .take_changed()
        .iter()
        .map(|i| {
            let snap = set.snapshot(i, at).expect("a configured input");
            written(|buf| pusher.edge(["left", "right", "spare"][i], 4 + i as u32, &snap, buf))
        })
        .collect();
    assert_eq!(
        packets,
        [
            r#"{"type": "contact", "name": "left", "pin": 4, "event": "edge", "on": true, "since_ms": 250, "since_on_ms": 250, "on_transitions": 1, "on_ms_total": 250, "off_ms_total": 1000, "device": "door-esp", "seq": 0}"#
        ]
    );
}
