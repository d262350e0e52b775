//! `decode`: whole packets in, whole `Packet`s or exact errors out.

use promcast_core::packet::{MAX_NAME_LEN, RESERVED_TYPES};
use promcast_core::{Body, DecodeError, Packet, Reading, Status, Text, decode};

mod golden;

use golden::{SEED, seed_packet};

fn reading<'a>(kind: &'a str, name: &'a str, value: f64) -> Reading<'a> {
    Reading::new(kind, Text::Plain(name), value)
}

/// Decode, expecting success, and compare exactly (floats by bits, so `-0.0` is not `0.0`).
#[track_caller]
fn assert_decodes(src: &str, want: Packet<'_>) {
    let got = decode(src.as_bytes()).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    assert_eq!(got, want, "{src}");
    if let (Body::Reading(g), Body::Reading(w)) = (got.body, want.body) {
        assert_eq!(g.value.to_bits(), w.value.to_bits(), "{src}");
        assert_eq!(
            g.offset.map(f64::to_bits),
            w.offset.map(f64::to_bits),
            "{src}"
        );
    }
}

#[track_caller]
fn assert_rejects(src: &str, want: DecodeError) {
    assert_eq!(decode(src.as_bytes()), Err(want), "{src}");
}

#[test]
fn golden_packets() {
    for g in golden::all() {
        assert_decodes(g.json, g.packet);
        // Our encoder always writes `type` first; only seed packets lack it.
        assert_eq!(g.encodes, g.json.starts_with(r#"{"type": "#), "{}", g.json);
    }
}

#[test]
fn seed_names_are_plain() {
    let p = decode(SEED.as_bytes()).expect("seed packet");
    let Body::Reading(r) = p.body else {
        panic!("{p:?}")
    };
    assert_eq!(r.name.as_plain(), Some("ColdWaterTank"));
    assert_eq!(r.sensor.and_then(|s| s.as_plain()), Some("28-000005e2fdc3"));
}

#[test]
fn seed_status_packets() {
    for status in ["API 200 OK", "API 404 Not Found", "API Exception"] {
        let src = format!(r#"{{"type": "status", "name": "pico-loft", "status": "{status}"}}"#);
        assert_decodes(
            &src,
            Packet::new(Body::Status(Status::new(
                Text::Plain("pico-loft"),
                Text::Plain(status),
            ))),
        );
    }
}

#[test]
fn seed_sensor_quirk_values_decode_as_sent() {
    // 85.0 (power-on value) and -127.0 (probe gone) are valid readings at this layer.
    for (text, value) in [
        ("85.0", 85.0),
        ("-127.0", -127.0),
        ("4.31", 4.31),
        ("-0.0", -0.0),
        ("0", 0.0),
    ] {
        let src = format!(r#"{{"type": "temperature", "name": "T", "temperature": {text}}}"#);
        assert_decodes(
            &src,
            Packet::new(Body::Reading(reading("temperature", "T", value))),
        );
    }
}

/// Every permutation of `items`, by Heap's algorithm.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    fn go<T: Clone>(k: usize, a: &mut Vec<T>, out: &mut Vec<Vec<T>>) {
        if k <= 1 {
            out.push(a.clone());
            return;
        }
        for i in 0..k {
            go(k - 1, a, out);
            let j = if k.is_multiple_of(2) { i } else { 0 };
            a.swap(j, k - 1);
        }
    }
    let mut a = items.to_vec();
    let mut out = Vec::new();
    go(a.len(), &mut a, &mut out);
    out
}

#[test]
fn seed_fields_in_every_order() {
    let members = [
        r#""type": "temperature""#,
        r#""name": "ColdWaterTank""#,
        r#""sensor": "28-000005e2fdc3""#,
        r#""temperature": 4.3125"#,
        r#""offset": 0.0"#,
    ];
    let orders = permutations(&members);
    assert_eq!(orders.len(), 120);
    for order in orders {
        assert_decodes(&format!("{{{}}}", order.join(", ")), seed_packet(4.3125));
    }
}

#[test]
fn value_field_in_every_position_for_other_kinds() {
    // `type` may come after the value field and after unknown fields.
    let members = [
        r#""type": "humidity""#,
        r#""name": "Bath""#,
        r#""humidity": 55.5"#,
        r#""x": [1, {"humidity": 1}]"#,
    ];
    for order in permutations(&members) {
        assert_decodes(
            &format!("{{{}}}", order.join(",")),
            Packet::new(Body::Reading(reading("humidity", "Bath", 55.5))),
        );
    }
}

#[test]
fn temperature_field_of_other_kinds_is_ignored() {
    let want = Packet::new(Body::Reading(reading("pressure", "Hall", 101325.0)));
    assert_decodes(
        r#"{"temperature": "warm", "type": "pressure", "name": "Hall", "pressure": 101325.0}"#,
        want,
    );
    assert_decodes(
        r#"{"type": "pressure", "temperature": 1, "temperature": 2, "name": "Hall", "pressure": 101325.0}"#,
        want,
    );
    assert_decodes(
        r#"{"temperature": NaN, "name": "Hall", "pressure": 101325.0, "type": "pressure"}"#,
        want,
    );
}

#[test]
fn status_ignores_value_fields() {
    let want = Packet::new(Body::Status(Status::new(
        Text::Plain("p"),
        Text::Plain("ok"),
    )));
    assert_decodes(
        r#"{"type": "status", "name": "p", "status": "ok", "temperature": "x", "temperature": NaN}"#,
        want,
    );
    assert_decodes(
        r#"{"temperature": 4.5, "status": "ok", "name": "p", "type": "status"}"#,
        want,
    );
}

#[test]
fn unknown_fields_are_skipped() {
    let src = r#"{"type": "temperature", "extra": {"a": [1, {"b": null}], "c": "}", "d": -2.5e-3}, "name": "X", "list": [[], [1, 2], {}], "flag": true, "none": null, "bad": -Infinity, "temperature": 1.5, "str": "\u00e9\n"}"#;
    assert_decodes(
        src,
        Packet::new(Body::Reading(reading("temperature", "X", 1.5))),
    );
}

#[test]
fn unknown_fields_nest_up_to_the_limit() {
    let nested = |depth: usize| {
        format!(
            r#"{{"x": {}0{}, "name": "N", "temperature": 1.0}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert_decodes(
        &nested(15),
        Packet::new(Body::Reading(reading("temperature", "N", 1.0))),
    );
    // The 16th bracket would be the 17th level, counting the packet object.
    assert_rejects(&nested(16), DecodeError::Malformed { at: 6 + 15 });
}

#[test]
fn surrounding_whitespace_is_allowed() {
    assert_decodes(&format!(" \t\r\n{SEED}\r\n "), seed_packet(4.3125));
    let spaced = "{ \"name\" :\n\"X\" ,\t\"temperature\"\r: 2.5 }";
    assert_decodes(
        spaced,
        Packet::new(Body::Reading(reading("temperature", "X", 2.5))),
    );
}

#[test]
fn escaped_strings() {
    let src = r#"{"name": "Tank \"A\" \\ B\nC\t\u00e9\u20ac \ud83d\ude00\/", "temperature": 1.0}"#;
    let p = decode(src.as_bytes()).expect("decodes");
    let Body::Reading(r) = p.body else {
        panic!("{p:?}")
    };
    assert_eq!(
        r.name,
        Text::Escaped(r#"Tank \"A\" \\ B\nC\t\u00e9\u20ac \ud83d\ude00\/"#)
    );
    assert_eq!(r.name, "Tank \"A\" \\ B\nC\té€ 😀/");
    assert_eq!(r.name.as_plain(), None);
    assert_eq!(r.name.decoded_len(), "Tank \"A\" \\ B\nC\té€ 😀/".len());
    // Raw UTF-8 needs no escape.
    let p = decode("{\"name\": \"Äpfel 😀\", \"temperature\": 1.0}".as_bytes()).expect("decodes");
    assert_eq!(
        p,
        Packet::new(Body::Reading(reading("temperature", "Äpfel 😀", 1.0)))
    );
}

#[test]
fn escaped_keys_are_the_same_fields() {
    let src = r#"{"n\u0061me": "X", "t\u0065mperature": 2.0, "\u0074ype": "temperature"}"#;
    assert_decodes(
        src,
        Packet::new(Body::Reading(reading("temperature", "X", 2.0))),
    );
    let src = r#"{"type": "humidity", "n\u0061me": "X", "hum\u0069dity": 2.0}"#;
    assert_decodes(
        src,
        Packet::new(Body::Reading(reading("humidity", "X", 2.0))),
    );
    assert_rejects(
        r#"{"name": "X", "n\u0061me": "Y", "temperature": 1}"#,
        DecodeError::DuplicateField("name"),
    );
}

#[test]
fn numbers() {
    for (text, value) in [
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("-2.5e+1", -25.0),
        ("12345678901234567890", 12345678901234567890.0),
        ("1e-400", 0.0),
        ("-1e-400", -0.0),
        ("0.30000000000000004", 0.30000000000000004),
        ("1.7976931348623157e308", f64::MAX),
    ] {
        let src = format!(r#"{{"name": "N", "temperature": {text}}}"#);
        assert_decodes(
            &src,
            Packet::new(Body::Reading(reading("temperature", "N", value))),
        );
    }
}

#[test]
fn sequence_numbers() {
    for (text, seq) in [("0", 0), ("1", 1), ("4294967295", u32::MAX)] {
        let src = format!(r#"{{"name": "N", "temperature": 1.0, "seq": {text}}}"#);
        let want = Packet {
            seq: Some(seq),
            ..Packet::new(Body::Reading(reading("temperature", "N", 1.0)))
        };
        assert_decodes(&src, want);
    }
    for text in [
        "4294967296",
        "99999999999999999999",
        "-1",
        "-0",
        "5.0",
        "1e3",
        "0e0",
        "NaN",
        "-inf",
    ] {
        let src = format!(r#"{{"name": "N", "temperature": 1.0, "seq": {text}}}"#);
        assert_rejects(&src, DecodeError::InvalidValue("seq"));
    }
}

#[test]
fn kinds() {
    for kind in [
        "temperature",
        "humidity",
        "pressure",
        "co2",
        "x",
        "soil_moisture_2",
        "a23456789012345678901234567890_2",
    ] {
        let src = format!(r#"{{"type": "{kind}", "name": "N", "{kind}": 7.0}}"#);
        assert_decodes(&src, Packet::new(Body::Reading(reading(kind, "N", 7.0))));
    }
    for kind in [
        "",
        "Temperature",
        "1wire",
        "_x",
        "temp-c",
        "temp c",
        "températur",
        "a234567890123456789012345678901_3",
        "name",
        "sensor",
        "device",
        "unit",
        "sig",
        "offset",
        "seq",
        "type",
        r"temp\u0065rature",
        r"st\u0061tus",
    ] {
        let src = format!(r#"{{"type": "{kind}", "name": "N"}}"#);
        assert_rejects(&src, DecodeError::InvalidKind);
    }
    for kind in RESERVED_TYPES {
        let src = format!(r#"{{"type": "{kind}", "name": "N", "{kind}": 7.0}}"#);
        assert_rejects(&src, DecodeError::UnsupportedType);
    }
    assert_eq!(RESERVED_TYPES, ["state", "event", "hello"]);
    // `contact` and `announce` are message types of their own (tests/contact.rs,
    // tests/announce.rs), never reading kinds.
    assert_rejects(
        r#"{"type": "contact", "name": "N", "contact": 7.0}"#,
        DecodeError::MissingField("device"),
    );
    assert_rejects(
        r#"{"type": "announce", "name": "N", "announce": 7.0}"#,
        DecodeError::MissingField("device"),
    );
}

#[test]
fn invalid_utf8() {
    for bytes in [
        &b"{\"name\": \"\xff\", \"temperature\": 1.0}"[..],
        b"{\"name\": \"\xed\xa0\x80\", \"temperature\": 1.0}",
        b"{\"name\": \"\xc3\", \"temperature\": 1.0}",
        b"not json \x80",
        b"{\"type\": \"temperature\", \"name\": \"ColdWaterTank\", \"temperature\": 4.3125, \"x\": \"\xf0\x9f\x98\"}",
    ] {
        assert_eq!(decode(bytes), Err(DecodeError::InvalidUtf8), "{bytes:?}");
    }
}

#[test]
fn malformed() {
    for (src, at) in [
        ("", 0),
        ("null", 0),
        ("[]", 0),
        (r#"[{"name": "N", "temperature": 1.0}]"#, 0),
        (r#""name""#, 0),
        ("\u{feff}{}", 0),
        (r#"{"name": "N", "temperature": 1.0}x"#, 33),
        (r#"{"name": "N", "temperature": 1.0} {}"#, 34),
        (r#"{"name": "N", "temperature": 1.0,}"#, 33),
        (r#"{"name": "N" "temperature": 1.0}"#, 13),
        (r#"{"name": "N", "temperature": 01}"#, 30),
        (r#"{"name": "N", "temperature": .5}"#, 29),
        (r#"{"name": "N", "temperature": 1.}"#, 31),
        (r#"{"name": "N", "temperature": +1}"#, 29),
        (r#"{"name": "N", "temperature": Inf}"#, 29),
        (r#"{"name": "N", "temperature": infinity}"#, 32),
        (r#"{"name": 'N', "temperature": 1.0}"#, 9),
        (r#"{name: "N", "temperature": 1.0}"#, 1),
        ("{\"name\": \"N\u{1}\", \"temperature\": 1.0}", 11),
        ("{\"name\": \"a\nb\", \"temperature\": 1.0}", 11),
        (r#"{"name": "\x", "temperature": 1.0}"#, 11),
        (r#"{"name": "\ud83d", "temperature": 1.0}"#, 10),
        (r#"{"name": "\ude00\ud83d", "temperature": 1.0}"#, 10),
        (r#"{"name": "\ud83d\u0041", "temperature": 1.0}"#, 10),
        (r#"{"name": "\u00zz", "temperature": 1.0}"#, 14),
        (r#"{"x": [1, 2}, "name": "N", "temperature": 1.0}"#, 11),
        (r#"{"x": {"a" 1}, "name": "N", "temperature": 1.0}"#, 11),
        (r#"{"x": {"a": 1,}, "name": "N", "temperature": 1.0}"#, 14),
    ] {
        assert_rejects(src, DecodeError::Malformed { at });
    }
}

#[test]
fn missing_fields() {
    for (src, field) in [
        ("{}", "name"),
        (r#"{"temperature": 1.0}"#, "name"),
        (r#"{"type": "temperature", "temperature": 1.0}"#, "name"),
        (r#"{"type": "temperature", "name": "N"}"#, "temperature"),
        (r#"{"name": "N"}"#, "temperature"),
        (r#"{"name": "N", "Temperature": 1.0}"#, "temperature"),
        (
            r#"{"type": "humidity", "name": "N", "temperature": 1.0}"#,
            "humidity",
        ),
        (r#"{"type": "pressure", "name": "N"}"#, "pressure"),
        (r#"{"type": "co2", "name": "N", "value": 400}"#, "value"),
        (r#"{"type": "status", "name": "p"}"#, "status"),
        (r#"{"type": "status", "status": "ok"}"#, "name"),
    ] {
        assert_rejects(src, DecodeError::MissingField(field));
    }
}

#[test]
fn wrong_types() {
    for (src, field) in [
        (r#"{"type": 1, "name": "N", "temperature": 1.0}"#, "type"),
        (r#"{"type": null, "name": "N", "temperature": 1.0}"#, "type"),
        (r#"{"name": 5, "temperature": 1.0}"#, "name"),
        (r#"{"name": NaN, "temperature": 1.0}"#, "name"),
        (r#"{"name": ["N"], "temperature": 1.0}"#, "name"),
        (r#"{"name": "N", "temperature": "4.3"}"#, "temperature"),
        (r#"{"name": "N", "temperature": true}"#, "temperature"),
        (r#"{"name": "N", "temperature": null}"#, "temperature"),
        (r#"{"name": "N", "temperature": [4.3]}"#, "temperature"),
        (r#"{"name": "N", "temperature": {"v": 4.3}}"#, "temperature"),
        (
            r#"{"type": "humidity", "name": "N", "humidity": false}"#,
            "humidity",
        ),
        (r#"{"type": "co2", "name": "N", "co2": "400"}"#, "value"),
        (
            r#"{"name": "N", "temperature": 1.0, "sensor": 28}"#,
            "sensor",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "device": true}"#,
            "device",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "status": {}}"#,
            "status",
        ),
        (r#"{"name": "N", "temperature": 1.0, "unit": null}"#, "unit"),
        (r#"{"name": "N", "temperature": 1.0, "sig": []}"#, "sig"),
        (
            r#"{"name": "N", "temperature": 1.0, "offset": "0"}"#,
            "offset",
        ),
        (r#"{"name": "N", "temperature": 1.0, "seq": "1"}"#, "seq"),
        (
            r#"{"type": "status", "name": "p", "status": 200}"#,
            "status",
        ),
    ] {
        assert_rejects(src, DecodeError::WrongType(field));
    }
}

#[test]
fn duplicate_fields() {
    for (src, field) in [
        (r#"{"name": "N", "name": "N", "temperature": 1.0}"#, "name"),
        (
            r#"{"type": "temperature", "type": "temperature", "name": "N", "temperature": 1.0}"#,
            "type",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "temperature": 1.0}"#,
            "temperature",
        ),
        (
            r#"{"temperature": 1.0, "type": "temperature", "name": "N", "temperature": 2.0}"#,
            "temperature",
        ),
        (
            r#"{"type": "humidity", "humidity": 1, "name": "N", "humidity": 2}"#,
            "humidity",
        ),
        (
            r#"{"humidity": 1, "name": "N", "humidity": 2, "type": "humidity"}"#,
            "humidity",
        ),
        (
            r#"{"co2": 1, "type": "co2", "name": "N", "co2": 2}"#,
            "value",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "seq": 1, "seq": 2}"#,
            "seq",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "offset": 0, "offset": 0}"#,
            "offset",
        ),
        (
            r#"{"name": "N", "temperature": 1.0, "sig": "", "sig": ""}"#,
            "sig",
        ),
        // Reported even when another field is also wrong: duplicates come first.
        (
            r#"{"name": 1, "temperature": 1.0, "unit": "", "unit": ""}"#,
            "unit",
        ),
    ] {
        assert_rejects(src, DecodeError::DuplicateField(field));
    }
}

#[test]
fn invalid_values() {
    for token in [
        "NaN",
        "Infinity",
        "-Infinity",
        "nan",
        "inf",
        "-inf",
        "-nan",
        "1e400",
        "-1e400",
        "1e309",
    ] {
        let src = format!(r#"{{"type": "temperature", "name": "N", "temperature": {token}}}"#);
        assert_rejects(&src, DecodeError::InvalidValue("temperature"));
        let src = format!(r#"{{"name": "N", "temperature": 1.0, "offset": {token}}}"#);
        assert_rejects(&src, DecodeError::InvalidValue("offset"));
        let src = format!(r#"{{"type": "co2", "name": "N", "co2": {token}}}"#);
        assert_rejects(&src, DecodeError::InvalidValue("value"));
    }
}

#[test]
fn too_long() {
    let long = |n: usize| "x".repeat(n);
    assert_rejects(
        &format!(
            r#"{{"name": "{}", "temperature": 1.0}}"#,
            long(MAX_NAME_LEN + 1)
        ),
        DecodeError::TooLong("name"),
    );
    assert_rejects(
        &format!(r#"{{"name": "{}", "temperature": 1.0}}"#, long(10_000)),
        DecodeError::TooLong("name"),
    );
    // The limit is on the decoded text: 65 two-byte characters are 130 bytes.
    assert_rejects(
        &format!(r#"{{"name": "{}", "temperature": 1.0}}"#, "é".repeat(65)),
        DecodeError::TooLong("name"),
    );
    assert_rejects(
        &format!(
            r#"{{"name": "{}", "temperature": 1.0}}"#,
            r"\u00e9".repeat(65)
        ),
        DecodeError::TooLong("name"),
    );
    // 128 escapes of one byte each are 768 bytes of JSON but only 128 decoded.
    let p = format!(
        r#"{{"name": "{}", "temperature": 1.0}}"#,
        r"\u0041".repeat(128)
    );
    let got = decode(p.as_bytes()).expect("at the limit");
    let Body::Reading(r) = got.body else {
        panic!("{got:?}")
    };
    assert_eq!(r.name, "A".repeat(128).as_str());
    let at_limit = format!(
        r#"{{"name": "{}", "temperature": 1.0}}"#,
        long(MAX_NAME_LEN)
    );
    assert!(decode(at_limit.as_bytes()).is_ok());
    for (field, max) in [
        ("sensor", 64),
        ("device", 64),
        ("status", 256),
        ("unit", 32),
        ("sig", 128),
    ] {
        let ok = format!(
            r#"{{"name": "N", "temperature": 1.0, "{field}": "{}"}}"#,
            long(max)
        );
        assert!(decode(ok.as_bytes()).is_ok(), "{field} at its limit");
        let bad = format!(
            r#"{{"name": "N", "temperature": 1.0, "{field}": "{}"}}"#,
            long(max + 1)
        );
        assert_rejects(&bad, DecodeError::TooLong(field));
    }
    let bad = format!(
        r#"{{"type": "status", "name": "p", "status": "{}"}}"#,
        long(257)
    );
    assert_rejects(&bad, DecodeError::TooLong("status"));
    // A long `type` is an invalid kind, not a long field.
    assert_rejects(
        &format!(r#"{{"type": "{}", "name": "N"}}"#, long(10_000)),
        DecodeError::InvalidKind,
    );
}

#[test]
fn first_problem_wins() {
    // Malformed beats field errors found before the syntax error.
    assert_rejects(
        r#"{"name": 5, "temperature": "x", "#,
        DecodeError::Malformed { at: 32 },
    );
    // `type` comes before the other fields.
    assert_rejects(r#"{"name": 5, "type": "Bad"}"#, DecodeError::InvalidKind);
    assert_rejects(
        r#"{"name": 5, "type": "hello"}"#,
        DecodeError::UnsupportedType,
    );
    // Then `name`, ..., `seq`, then the value field.
    assert_rejects(
        r#"{"seq": -1, "name": "N", "offset": NaN}"#,
        DecodeError::InvalidValue("offset"),
    );
    assert_rejects(
        r#"{"seq": -1, "temperature": "x", "name": "N"}"#,
        DecodeError::InvalidValue("seq"),
    );
    assert_rejects(
        r#"{"temperature": "x", "sig": 1}"#,
        DecodeError::MissingField("name"),
    );
    assert_rejects(
        r#"{"temperature": "x", "name": "N", "unit": 1}"#,
        DecodeError::WrongType("unit"),
    );
    // A status packet checks the reading-only fields too.
    assert_rejects(
        r#"{"type": "status", "name": "p", "status": "ok", "offset": "0"}"#,
        DecodeError::WrongType("offset"),
    );
}

#[test]
fn every_prefix_of_a_packet_is_rejected() {
    for n in 0..SEED.len() {
        assert_rejects(&SEED[..n], DecodeError::Malformed { at: n });
    }
    let full = r#"{"type": "humidity", "name": "Bad \"é\" \ud83d\ude00", "sensor": "s", "humidity": -1.5e-3, "offset": 0.0, "unit": "percent", "device": "d", "seq": 7, "sig": "x", "x": [null, true, false, {"y": -Infinity}]}"#;
    assert!(decode(full.as_bytes()).is_ok());
    for n in 0..full.len() {
        match decode(&full.as_bytes()[..n]) {
            Err(DecodeError::Malformed { at }) => assert!(at <= n, "{n}: at {at}"),
            Err(DecodeError::InvalidUtf8) => assert!(!full.is_char_boundary(n), "{n}"),
            other => panic!("prefix of {n} bytes: {other:?}"),
        }
    }
}

#[test]
fn reasons_and_messages() {
    let all = [
        (
            DecodeError::InvalidUtf8,
            "invalid_utf8",
            "datagram is not valid UTF-8",
        ),
        (
            DecodeError::Malformed { at: 12 },
            "malformed_json",
            "datagram is not one well-formed JSON object (error at byte 12)",
        ),
        (
            DecodeError::MissingField("name"),
            "missing_field",
            "required field \"name\" is missing",
        ),
        (
            DecodeError::MissingField("value"),
            "missing_field",
            "required value field (the field named after \"type\") is missing",
        ),
        (
            DecodeError::WrongType("temperature"),
            "wrong_type",
            "field \"temperature\" is not a number",
        ),
        (
            DecodeError::WrongType("name"),
            "wrong_type",
            "field \"name\" is not a string",
        ),
        (
            DecodeError::WrongType("seq"),
            "wrong_type",
            "field \"seq\" is not a number",
        ),
        (
            DecodeError::WrongType("value"),
            "wrong_type",
            "value field (the field named after \"type\") is not a number",
        ),
        (
            DecodeError::DuplicateField("type"),
            "duplicate_field",
            "field \"type\" appears more than once",
        ),
        (
            DecodeError::InvalidValue("humidity"),
            "invalid_value",
            "field \"humidity\" is not a finite number",
        ),
        (
            DecodeError::InvalidValue("seq"),
            "invalid_value",
            "field \"seq\" is not an integer from 0 to 4294967295",
        ),
        (
            DecodeError::TooLong("name"),
            "too_long",
            "field \"name\" is longer than 128 bytes",
        ),
        (
            DecodeError::TooLong("status"),
            "too_long",
            "field \"status\" is longer than 256 bytes",
        ),
        (
            DecodeError::InvalidKind,
            "invalid_kind",
            "field \"type\" is not a valid reading kind ([a-z][a-z0-9_]*, at most 32 bytes, not a field name)",
        ),
        (
            DecodeError::UnsupportedType,
            "unsupported_type",
            "field \"type\" names a message type reserved for later versions",
        ),
    ];
    let mut reasons: Vec<&str> = Vec::new();
    for (err, reason, message) in all {
        assert_eq!(err.reason(), reason, "{err:?}");
        assert_eq!(err.to_string(), message, "{err:?}");
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    // Every reason once, in the order of the variants, and no other.
    assert_eq!(DecodeError::REASONS, reasons);
}
