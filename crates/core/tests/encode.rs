//! `encode`: exact bytes out, nothing written past the returned length.

use promcast_core::packet::{Contact, ContactEvent};
use promcast_core::{Body, EncodeError, Packet, Reading, Status, Text, decode, encode};

mod golden;

const JUNK: u8 = 0xAA;

fn reading<'a>(kind: &'a str, name: &'a str, value: f64) -> Reading<'a> {
    Reading::new(kind, Text::Plain(name), value)
}

/// Encode into a junk-filled buffer with room to spare; check the bytes, that the rest of the
/// buffer is untouched, that every shorter buffer is `BufferFull` without writing past its
/// end, and that the bytes decode back to the packet.
#[track_caller]
fn assert_encodes(packet: &Packet<'_>, want: &str) {
    let mut buf = [JUNK; 1024];
    let n = encode(packet, &mut buf).unwrap_or_else(|e| panic!("{packet:?}: {e:?}"));
    assert_eq!(std::str::from_utf8(&buf[..n]), Ok(want));
    assert!(
        buf[n..].iter().all(|&b| b == JUNK),
        "wrote past the returned length"
    );
    for short in 0..n {
        let mut buf = [JUNK; 1024];
        assert_eq!(
            encode(packet, &mut buf[..short]),
            Err(EncodeError::BufferFull),
            "{short} bytes"
        );
        assert!(
            buf[short..].iter().all(|&b| b == JUNK),
            "wrote past a {short}-byte buffer"
        );
    }
    let mut exact = vec![JUNK; n];
    assert_eq!(encode(packet, &mut exact), Ok(n));
    assert_eq!(decode(want.as_bytes()).as_ref(), Ok(packet), "{want}");
}

#[test]
fn golden_packets() {
    let all = golden::all();
    assert_eq!(all.iter().filter(|g| g.encodes).count(), 13);
    for g in all.iter().filter(|g| g.encodes) {
        assert_encodes(&g.packet, g.json);
    }
}

#[test]
fn seed_packet_gains_a_type() {
    // The seed's old packets had no `type`; ours always do.
    let p = golden::seed_packet(21.5625);
    assert_encodes(
        &p,
        r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28-000005e2fdc3", "temperature": 21.5625, "offset": 0.0}"#,
    );
}

#[test]
fn floats_are_shortest_and_look_like_floats() {
    for (value, text) in [
        (4.0, "4.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (4.31, "4.31"),
        (-127.0, "-127.0"),
        (85.0, "85.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456789.0, "123456789.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (0.001, "0.001"),
        (1e-7, "1e-7"),
        (1.5e300, "1.5e300"),
        (f64::MAX, "1.7976931348623157e308"),
        (5e-324, "5e-324"),
        (f64::from(4.31f32), "4.309999942779541"),
    ] {
        let p = Packet::new(Body::Reading(reading("temperature", "T", value)));
        assert_encodes(
            &p,
            &format!(r#"{{"type": "temperature", "name": "T", "temperature": {text}}}"#),
        );
    }
}

#[test]
fn contact_packets() {
    let p = Packet {
        device: Some(Text::Plain("esp")),
        seq: None,
        sig: Some(Text::Plain("s")),
        body: Body::Contact(Contact {
            name: Text::Escaped(r#"d\u00f6r \"1\""#),
            pin: u32::MAX,
            event: ContactEvent::State,
            on: false,
            since_ms: u64::MAX,
            since_on_ms: Some(1),
            since_off_ms: None,
            on_transitions: 0,
            on_ms_total: 0,
            off_ms_total: u64::MAX,
        }),
    };
    assert_encodes(
        &p,
        r#"{"type": "contact", "name": "dör \"1\"", "pin": 4294967295, "event": "state", "on": false, "since_ms": 18446744073709551615, "since_on_ms": 1, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 18446744073709551615, "device": "esp", "sig": "s"}"#,
    );
}

#[test]
fn f32_values_print_as_f32() {
    use promcast_core::packet::value_from_f32;
    for (x, text) in [
        (21.5625f32 + 0.1, "21.6625"),
        (-10.125f32 + 0.1, "-10.025"),
        (0.1f32, "0.1"),
        (4.31f32, "4.31"),
        (85.0f32, "85.0"),
        (-0.0f32, "-0.0"),
        (1e-7f32, "1e-7"),
        (f32::MAX, "3.4028235e38"),
        (f32::MIN_POSITIVE, "1.1754944e-38"),
        (1e-45f32, "1e-45"),
        (16777217.0f32, "16777216.0"),
    ] {
        let p = Packet::new(Body::Reading(reading(
            "temperature",
            "T",
            value_from_f32(x),
        )));
        assert_encodes(
            &p,
            &format!(r#"{{"type": "temperature", "name": "T", "temperature": {text}}}"#),
        );
        assert_eq!(value_from_f32(x) as f32, x, "{text}");
    }
    assert!(value_from_f32(f32::NAN).is_nan());
    assert_eq!(value_from_f32(f32::NEG_INFINITY), f64::NEG_INFINITY);
}

#[test]
fn strings_are_escaped() {
    let name = "q\"b\\n\nr\rt\tb\u{8}f\u{c}z\u{0}u\u{1f}d\u{7f}é😀\u{2028}";
    let p = Packet::new(Body::Reading(reading("temperature", name, 1.0)));
    // What CPython's json.dumps(..., ensure_ascii=False) writes for the same string.
    assert_encodes(
        &p,
        "{\"type\": \"temperature\", \"name\": \"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\fz\\u0000u\\u001fd\u{7f}é😀\u{2028}\", \"temperature\": 1.0}",
    );
}

#[test]
fn escaped_text_is_written_decoded_then_escaped() {
    let p = Packet::new(Body::Status(Status::new(
        Text::Escaped(r#"a\/b\u00e9\ud83d\ude00\"\n"#),
        Text::Escaped(r"\u0041PI 200 OK"),
    )));
    assert_encodes(
        &p,
        "{\"type\": \"status\", \"name\": \"a/bé😀\\\"\\n\", \"status\": \"API 200 OK\"}",
    );
}

#[test]
fn non_finite() {
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let p = Packet::new(Body::Reading(reading("temperature", "T", x)));
        assert_eq!(encode(&p, &mut [0; 256]), Err(EncodeError::NonFinite));
        let p = Packet::new(Body::Reading(Reading {
            offset: Some(x),
            ..reading("temperature", "T", 1.0)
        }));
        assert_eq!(encode(&p, &mut [0; 256]), Err(EncodeError::NonFinite));
    }
}

#[test]
fn invalid_fields() {
    let long: &'static str = "x".repeat(300).leak();
    let cut = |n: usize| Some(Text::Plain(&long[..n]));
    let with = |f: &dyn Fn(&mut Reading<'static>)| {
        let mut r = reading("temperature", "T", 1.0);
        f(&mut r);
        Packet::new(Body::Reading(r))
    };
    let base = with(&|_| {});
    let cases = [
        (with(&|r| r.kind = "Temperature"), "type"),
        (with(&|r| r.kind = ""), "type"),
        (with(&|r| r.kind = "status"), "type"),
        (with(&|r| r.kind = "contact"), "type"),
        (with(&|r| r.kind = "announce"), "type"),
        (with(&|r| r.kind = "name"), "type"),
        (with(&|r| r.kind = &long[..33]), "type"),
        (with(&|r| r.name = Text::Plain(&long[..129])), "name"),
        (
            with(&|r| r.name = Text::Plain(&"é".repeat(65).leak()[..])),
            "name",
        ),
        (with(&|r| r.sensor = cut(65)), "sensor"),
        (with(&|r| r.unit = cut(33)), "unit"),
        (
            Packet {
                device: cut(65),
                ..base
            },
            "device",
        ),
        (
            Packet {
                sig: cut(129),
                ..base
            },
            "sig",
        ),
        (
            Packet::new(Body::Status(Status::new(
                Text::Plain("p"),
                Text::Plain(&long[..257]),
            ))),
            "status",
        ),
        (
            Packet::new(Body::Status(Status::new(
                Text::Plain(&long[..129]),
                Text::Plain("ok"),
            ))),
            "name",
        ),
    ];
    for (p, field) in cases {
        // Checked before anything is written, so even an empty buffer reports it.
        assert_eq!(
            encode(&p, &mut []),
            Err(EncodeError::Invalid(field)),
            "{p:?}"
        );
        assert_eq!(
            encode(&p, &mut [0; 1024]),
            Err(EncodeError::Invalid(field)),
            "{p:?}"
        );
    }
    // At the limits, fine.
    let p = Packet {
        device: cut(64),
        sig: cut(128),
        ..with(&|r| r.name = Text::Plain(&long[..128]))
    };
    assert!(encode(&p, &mut [0; 1024]).is_ok());
}
