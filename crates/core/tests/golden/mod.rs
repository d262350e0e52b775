//! Whole packets and their exact bytes, shared by the decode and encode tests. The examples
//! in `docs/PROTOCOL.md` are checked against these.

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
    ]
}
