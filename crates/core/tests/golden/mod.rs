//! Whole packets and their exact bytes, shared by the decode and encode tests. The examples
//! in `docs/PROTOCOL.md` are checked against these.

use promcast_core::packet::{Announce, Contact, ContactEvent};
use promcast_core::{Body, Packet, Reading, Status, Text};

/// One datagram and the packet it decodes to.
pub struct Golden {
    /// The datagram.
    pub json: &'static str,
    /// What it decodes to.
    pub packet: Packet<'static>,
    /// Whether `encode(packet)` gives back exactly `json` (not for seed packets without
    /// `type`, which our encoder always writes).
    pub encodes: bool,
}

fn reading(kind: &'static str, name: &'static str, value: f64) -> Reading<'static> {
    Reading::new(kind, Text::Plain(name), value)
}

/// The seed Pico's packet, byte for byte as MicroPython's `json.dumps` writes it.
pub const SEED: &str = r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28-000005e2fdc3", "temperature": 4.3125, "offset": 0.0}"#;

/// What [`SEED`] decodes to, with `value` as the temperature.
pub fn seed_packet(value: f64) -> Packet<'static> {
    Packet::new(Body::Reading(Reading {
        sensor: Some(Text::Plain("28-000005e2fdc3")),
        offset: Some(0.0),
        ..reading("temperature", "ColdWaterTank", value)
    }))
}

pub fn all() -> Vec<Golden> {
    let both = |json, packet| Golden {
        json,
        packet,
        encodes: true,
    };
    vec![
        both(SEED, seed_packet(4.3125)),
        both(
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28-000005e2fdc3", "temperature": 4.31, "offset": 0.0}"#,
            seed_packet(4.31),
        ),
        Golden {
            json: r#"{"name": "Loft", "sensor": "28ff641e7216034a", "temperature": 21.5625, "offset": -0.5}"#,
            packet: Packet::new(Body::Reading(Reading {
                sensor: Some(Text::Plain("28ff641e7216034a")),
                offset: Some(-0.5),
                ..reading("temperature", "Loft", 21.5625)
            })),
            encodes: false,
        },
        both(
            r#"{"type": "status", "name": "pico-loft", "status": "API 200 OK"}"#,
            Packet::new(Body::Status(Status::new(
                Text::Plain("pico-loft"),
                Text::Plain("API 200 OK"),
            ))),
        ),
        both(
            r#"{"type": "status", "name": "pico-loft", "status": "API Exception", "device": "pico-loft", "seq": 0, "sig": ""}"#,
            Packet {
                device: Some(Text::Plain("pico-loft")),
                seq: Some(0),
                sig: Some(Text::Plain("")),
                body: Body::Status(Status::new(
                    Text::Plain("pico-loft"),
                    Text::Plain("API Exception"),
                )),
            },
        ),
        both(
            r#"{"type": "humidity", "name": "Bathroom", "sensor": "sht31-0", "humidity": 55.0, "offset": -1.5, "unit": "percent", "device": "pico-bath", "seq": 4294967295, "sig": "c2ln"}"#,
            Packet {
                device: Some(Text::Plain("pico-bath")),
                seq: Some(u32::MAX),
                sig: Some(Text::Plain("c2ln")),
                body: Body::Reading(Reading {
                    sensor: Some(Text::Plain("sht31-0")),
                    offset: Some(-1.5),
                    unit: Some(Text::Plain("percent")),
                    ..reading("humidity", "Bathroom", 55.0)
                }),
            },
        ),
        both(
            r#"{"type": "temperature", "name": "LivingRoom", "sensor": "28-000005e2fdc3", "temperature": 19.875, "device": "pico-lounge", "seq": 41}"#,
            Packet {
                device: Some(Text::Plain("pico-lounge")),
                seq: Some(41),
                ..Packet::new(Body::Reading(Reading {
                    sensor: Some(Text::Plain("28-000005e2fdc3")),
                    ..reading("temperature", "LivingRoom", 19.875)
                }))
            },
        ),
        both(
            r#"{"type": "pressure", "name": "Hall", "pressure": 101325.0, "unit": "pascals"}"#,
            Packet::new(Body::Reading(Reading {
                unit: Some(Text::Plain("pascals")),
                ..reading("pressure", "Hall", 101325.0)
            })),
        ),
        both(
            r#"{"type": "co2", "name": "Office", "co2": 415.0, "seq": 17}"#,
            Packet {
                seq: Some(17),
                ..Packet::new(Body::Reading(reading("co2", "Office", 415.0)))
            },
        ),
        both(
            r#"{"type": "temperature", "name": "Tank \"A\" \\ B\nC é 😀", "temperature": -1e-7}"#,
            Packet::new(Body::Reading(reading(
                "temperature",
                "Tank \"A\" \\ B\nC é 😀",
                -1e-7,
            ))),
        ),
        both(CONTACT_EDGE, contact_edge_packet()),
        both(
            r#"{"type": "contact", "name": "garage", "pin": 4, "event": "state", "on": false, "since_ms": 3600000, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 3600000, "device": "door-esp", "seq": 10}"#,
            Packet {
                device: Some(Text::Plain("door-esp")),
                seq: Some(10),
                ..Packet::new(Body::Contact(Contact {
                    name: Text::Plain("garage"),
                    pin: 4,
                    event: ContactEvent::State,
                    on: false,
                    since_ms: 3_600_000,
                    since_on_ms: None,
                    since_off_ms: None,
                    on_transitions: 0,
                    on_ms_total: 0,
                    off_ms_total: 3_600_000,
                }))
            },
        ),
        both(ANNOUNCE, announce_packet()),
        both(
            r#"{"type": "announce", "name": "esp32-gpiotest", "port": 80, "device": "front-door", "seq": 0}"#,
            Packet {
                device: Some(Text::Plain("front-door")),
                seq: Some(0),
                ..Packet::new(Body::Announce(Announce::new(
                    Text::Plain("esp32-gpiotest"),
                    80,
                )))
            },
        ),
    ]
}

/// An announce packet with every field.
pub const ANNOUNCE: &str = r#"{"type": "announce", "name": "pi-hall", "port": 10081, "path": "/metrics", "device": "pi-hall", "seq": 3}"#;

/// What [`ANNOUNCE`] decodes to.
pub fn announce_packet() -> Packet<'static> {
    Packet {
        device: Some(Text::Plain("pi-hall")),
        seq: Some(3),
        ..Packet::new(Body::Announce(Announce {
            name: Text::Plain("pi-hall"),
            port: 10081,
            path: Some(Text::Plain("/metrics")),
        }))
    }
}

/// A contact edge packet with every field.
pub const CONTACT_EDGE: &str = r#"{"type": "contact", "name": "left", "pin": 32, "event": "edge", "on": true, "since_ms": 0, "since_on_ms": 0, "since_off_ms": 4500, "on_transitions": 5, "on_ms_total": 123456, "off_ms_total": 99000, "device": "door-esp", "seq": 9}"#;

/// What [`CONTACT_EDGE`] decodes to.
pub fn contact_edge_packet() -> Packet<'static> {
    Packet {
        device: Some(Text::Plain("door-esp")),
        seq: Some(9),
        ..Packet::new(Body::Contact(Contact {
            name: Text::Plain("left"),
            pin: 32,
            event: ContactEvent::Edge,
            on: true,
            since_ms: 0,
            since_on_ms: Some(0),
            since_off_ms: Some(4500),
            on_transitions: 5,
            on_ms_total: 123_456,
            off_ms_total: 99_000,
        }))
    }
}
