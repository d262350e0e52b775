//! Announce packets: decoding and every error, encoding, and the device-side `Announcer`.
//! Exact bytes of the golden announce packets are also checked in `tests/encode.rs`.

use std::time::Duration;

use promcast_core::announce::{AnnounceConfig, Announcer, METRICS_PATH};
use promcast_core::packet::{Announce, EncodeError, MAX_PATH_LEN, Sequence};
use promcast_core::time::Instant;
use promcast_core::{Body, DecodeError, Packet, Reading, Text, decode, encode};

mod golden;
mod members;

use golden::{ANNOUNCE, announce_packet};
use members::{assert_rejects, object};

const JUNK: u8 = 0xAA;

/// The members of [`ANNOUNCE`], values as written.
const BASE: [(&str, &str); 6] = [
    ("type", r#""announce""#),
    ("name", r#""pi-hall""#),
    ("port", "10081"),
    ("path", r#""/metrics""#),
    ("device", r#""pi-hall""#),
    ("seq", "3"),
];

/// [`BASE`] with `key` set to `value` (appended if absent).
fn with(key: &str, value: &str) -> String {
    members::with(&BASE, key, value)
}

/// [`BASE`] without `key`.
fn without(key: &str) -> String {
    members::without(&BASE, key)
}

#[track_caller]
fn decoded(src: &str) -> Announce<'_> {
    match decode(src.as_bytes()) {
        Ok(Packet {
            body: Body::Announce(a),
            ..
        }) => a,
        other => panic!("{src}: {other:?}"),
    }
}

fn body() -> Announce<'static> {
    let Body::Announce(a) = announce_packet().body else {
        unreachable!("the golden announce packet is an announce packet")
    };
    a
}

#[test]
fn base_is_the_golden_announce_packet() {
    assert_eq!(object(BASE), ANNOUNCE);
    assert_eq!(decode(ANNOUNCE.as_bytes()), Ok(announce_packet()));
}

#[test]
fn any_order_and_escapes() {
    let reversed = object(BASE.into_iter().rev());
    assert_eq!(decode(reversed.as_bytes()), Ok(announce_packet()));
    let escaped = object(BASE.map(|(k, v)| match k {
        "port" => (r"p\u006frt", v),
        "path" => (r"\u0070ath", v),
        "type" => (k, r#""\u0061nnounce""#),
        _ => (k, v),
    }));
    // A message type is matched as written, like a reading kind.
    assert_rejects(&escaped, DecodeError::InvalidKind);
    let escaped = object(BASE.map(|(k, v)| match k {
        "port" => (r"p\u006frt", v),
        "path" => (r"\u0070ath", v),
        _ => (k, v),
    }));
    assert_eq!(decode(escaped.as_bytes()), Ok(announce_packet()));
}

#[test]
fn field_values() {
    assert_eq!(decoded(&with("port", "1")).port, 1);
    assert_eq!(decoded(&with("port", "65535")).port, u16::MAX);
    assert_eq!(decoded(&with("port", "80")).port, 80);
    assert_eq!(
        decoded(&without("path")),
        Announce {
            path: None,
            ..body()
        }
    );
    assert_eq!(
        decoded(&with("path", r#""/""#)).path,
        Some(Text::Plain("/"))
    );
    // `\/` is JSON's escape for `/`: the decoded path starts with `/`.
    let src = with("path", r#""\/metrics""#);
    let a = decoded(&src);
    assert_eq!(a.path, Some(Text::Escaped(r"\/metrics")));
    assert_eq!(a.path.expect("path"), *"/metrics");
    let long = format!(r#""/{}""#, "m".repeat(MAX_PATH_LEN - 1));
    assert_eq!(
        decoded(&with("path", &long)).path.map(|p| p.decoded_len()),
        Some(MAX_PATH_LEN)
    );
    let src = with("path", r#""/metrics?format=text&x=\"1\"""#);
    assert_eq!(
        decoded(&src).path.expect("path"),
        *r#"/metrics?format=text&x="1""#
    );
    // `seq` is optional here as everywhere; an empty device name is a device name.
    assert_eq!(decode(without("seq").as_bytes()).map(|p| p.seq), Ok(None));
    assert!(decode(with("device", r#""""#).as_bytes()).is_ok());
}

#[test]
fn missing_fields() {
    for key in ["name", "device", "port"] {
        assert_rejects(&without(key), DecodeError::MissingField(key));
    }
}

#[test]
fn wrong_types() {
    for (key, value) in [
        ("port", r#""10081""#),
        ("port", "true"),
        ("port", "null"),
        ("port", "[10081]"),
        ("path", "5"),
        ("path", "null"),
        ("path", "{}"),
        ("path", "NaN"),
        ("name", "7"),
        ("device", "null"),
    ] {
        assert_rejects(&with(key, value), DecodeError::WrongType(key));
    }
}

#[test]
fn invalid_values() {
    for (key, value) in [
        ("port", "0"),
        ("port", "65536"),
        ("port", "4294967296"),
        ("port", "-1"),
        ("port", "-0"),
        ("port", "10081.0"),
        ("port", "1e4"),
        ("port", "NaN"),
        ("port", "-Infinity"),
        ("path", r#""metrics""#),
        ("path", r#""""#),
        ("path", r#"" /metrics""#),
        ("path", r#""\u0020/metrics""#),
        ("path", r#""http://10.0.0.5/metrics""#),
    ] {
        assert_rejects(&with(key, value), DecodeError::InvalidValue(key));
    }
}

#[test]
fn too_long() {
    let long = format!(r#""/{}""#, "m".repeat(MAX_PATH_LEN));
    assert_rejects(&with("path", &long), DecodeError::TooLong("path"));
    // Decoded bytes count: 32 two-byte characters after the slash are 65 bytes.
    let wide = format!(r#""/{}""#, r"\u00e9".repeat(32));
    assert_rejects(&with("path", &wide), DecodeError::TooLong("path"));
    // Too long wins over the missing slash: the length is checked first.
    let long = format!(r#""{}""#, "m".repeat(MAX_PATH_LEN + 1));
    assert_rejects(&with("path", &long), DecodeError::TooLong("path"));
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
fn duplicates() {
    for key in ["port", "path"] {
        let src = ANNOUNCE.replace(r#""name""#, &format!(r#""{key}": 1, "name""#));
        assert_rejects(&src, DecodeError::DuplicateField(key));
    }
    let src = ANNOUNCE.replace(r#""name""#, r#""p\u006frt": 1, "name""#);
    assert_rejects(&src, DecodeError::DuplicateField("port"));
    // Not announce fields outside announce packets, nor contact fields in them.
    let src = r#"{"type": "temperature", "name": "T", "temperature": 1.0, "port": 1, "port": "x", "path": 3}"#;
    assert_eq!(
        decode(src.as_bytes()),
        Ok(Packet::new(Body::Reading(Reading::new(
            "temperature",
            Text::Plain("T"),
            1.0
        ))))
    );
    let src = ANNOUNCE.replace(r#""name""#, r#""pin": 1, "pin": "x", "on": 3, "name""#);
    assert_eq!(decode(src.as_bytes()), Ok(announce_packet()));
    // A reading kind named like an announce field is still a reading.
    let src = r#"{"type": "port", "name": "P", "port": 3.5}"#;
    assert_eq!(
        decode(src.as_bytes()),
        Ok(Packet::new(Body::Reading(Reading::new(
            "port",
            Text::Plain("P"),
            3.5
        ))))
    );
}

#[test]
fn other_known_fields_are_checked_then_ignored() {
    let src = with("sensor", r#""ignored""#);
    assert_eq!(decode(src.as_bytes()), Ok(announce_packet()));
    let src = with("announce", r#""ignored""#);
    assert_eq!(decode(src.as_bytes()), Ok(announce_packet()));
    assert_rejects(&with("offset", r#""x""#), DecodeError::WrongType("offset"));
    assert_rejects(&with("status", "1"), DecodeError::WrongType("status"));
    assert_rejects(&with("seq", "-1"), DecodeError::InvalidValue("seq"));
}

#[test]
fn first_problem_wins() {
    // A duplicated announce field comes right after `type`...
    assert_rejects(
        r#"{"port": 1, "name": 5, "type": "announce", "port": 2}"#,
        DecodeError::DuplicateField("port"),
    );
    assert_rejects(
        r#"{"port": 1, "type": "Announce", "port": 2}"#,
        DecodeError::InvalidKind,
    );
    // ... then the common fields, then `device` ...
    assert_rejects(r#"{"type": "announce"}"#, DecodeError::MissingField("name"));
    assert_rejects(
        r#"{"type": "announce", "name": "n", "port": 0, "seq": -1}"#,
        DecodeError::InvalidValue("seq"),
    );
    assert_rejects(
        r#"{"type": "announce", "name": "n", "port": "x"}"#,
        DecodeError::MissingField("device"),
    );
    // ... then `port`, then `path`.
    assert_rejects(
        r#"{"type": "announce", "name": "n", "device": "d", "path": 1, "port": 0}"#,
        DecodeError::InvalidValue("port"),
    );
    assert_rejects(
        r#"{"type": "announce", "name": "n", "device": "d", "path": "metrics"}"#,
        DecodeError::MissingField("port"),
    );
    assert_rejects(
        r#"{"type": "announce", "name": "n", "device": "d", "path": "metrics", "port": 1}"#,
        DecodeError::InvalidValue("path"),
    );
}

#[test]
fn error_messages() {
    for (err, message) in [
        (
            DecodeError::MissingField("port"),
            "required field \"port\" is missing",
        ),
        (
            DecodeError::WrongType("port"),
            "field \"port\" is not a number",
        ),
        (
            DecodeError::WrongType("path"),
            "field \"path\" is not a string",
        ),
        (
            DecodeError::InvalidValue("port"),
            "field \"port\" is not an integer from 1 to 65535",
        ),
        (
            DecodeError::InvalidValue("path"),
            "field \"path\" does not start with \"/\"",
        ),
        (
            DecodeError::TooLong("path"),
            "field \"path\" is longer than 64 bytes",
        ),
        (
            DecodeError::DuplicateField("path"),
            "field \"path\" appears more than once",
        ),
    ] {
        assert_eq!(err.to_string(), message, "{err:?}");
    }
    for (err, message) in [
        (
            EncodeError::Invalid("port"),
            "field \"port\" is 0; a port is 1 to 65535",
        ),
        (
            EncodeError::Invalid("path"),
            "field \"path\" does not start with \"/\" or is longer than 64 bytes",
        ),
        (
            EncodeError::Missing("device"),
            "required field \"device\" is missing",
        ),
    ] {
        assert_eq!(err.to_string(), message, "{err:?}");
    }
}

/// Encode `p` into a junk-filled buffer; the packet, having checked that nothing past it was
/// written and that it decodes back to `p`.
#[track_caller]
fn encoded(p: &Packet<'_>) -> String {
    let mut buf = [JUNK; 512];
    let n = encode(p, &mut buf).unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
    assert!(buf[n..].iter().all(|&b| b == JUNK), "wrote past {n}");
    let s = std::str::from_utf8(&buf[..n]).expect("UTF-8");
    assert_eq!(decode(s.as_bytes()).as_ref(), Ok(p), "{s}");
    s.to_owned()
}

#[test]
fn golden_announce_packets_encode_and_decode() {
    let mut n = 0;
    for g in golden::all() {
        let Body::Announce(_) = g.packet.body else {
            continue;
        };
        assert!(g.encodes, "{}", g.json);
        assert_eq!(encoded(&g.packet), g.json);
        n += 1;
    }
    assert_eq!(n, 2);
}

#[test]
fn encoding() {
    assert_eq!(encoded(&announce_packet()), ANNOUNCE);
    let p = Packet {
        device: Some(Text::Plain("dev \"x\"")),
        seq: None,
        sig: Some(Text::Plain("s")),
        body: Body::Announce(Announce {
            name: Text::Escaped(r"h\u00f6st"),
            port: u16::MAX,
            path: Some(Text::Plain("/a\\b")),
        }),
    };
    assert_eq!(
        encoded(&p),
        r#"{"type": "announce", "name": "höst", "port": 65535, "path": "/a\\b", "device": "dev \"x\"", "sig": "s"}"#
    );
}

#[test]
fn encode_refuses_what_decode_rejects() {
    let long = "x".repeat(129);
    let path = format!("/{}", "m".repeat(MAX_PATH_LEN));
    let cases = [
        (
            Packet {
                device: None,
                ..announce_packet()
            },
            EncodeError::Missing("device"),
        ),
        (
            Packet {
                device: Some(Text::Plain(&long[..65])),
                ..announce_packet()
            },
            EncodeError::Invalid("device"),
        ),
        (
            Packet::new(Body::Announce(Announce {
                name: Text::Plain(&long),
                ..body()
            })),
            EncodeError::Invalid("name"),
        ),
        (
            Packet::new(Body::Announce(Announce { port: 0, ..body() })),
            EncodeError::Invalid("port"),
        ),
        (
            Packet::new(Body::Announce(Announce {
                path: Some(Text::Plain("metrics")),
                ..body()
            })),
            EncodeError::Invalid("path"),
        ),
        (
            Packet::new(Body::Announce(Announce {
                path: Some(Text::Plain("")),
                ..body()
            })),
            EncodeError::Invalid("path"),
        ),
        (
            Packet::new(Body::Announce(Announce {
                path: Some(Text::Plain(&path)),
                ..body()
            })),
            EncodeError::Invalid("path"),
        ),
    ];
    for (p, want) in cases {
        // Checked before anything is written, so even an empty buffer reports it.
        assert_eq!(encode(&p, &mut []), Err(want), "{p:?}");
        assert_eq!(encode(&p, &mut [0; 512]), Err(want), "{p:?}");
    }
}

fn config(interval: Duration) -> AnnounceConfig<'static> {
    AnnounceConfig {
        device: "pi-hall",
        hostname: "pi-hall",
        port: 10081,
        path: Some(METRICS_PATH),
        interval,
    }
}

/// Announce at `now` into a junk-filled buffer; the packet, having checked that nothing past
/// it was written.
#[track_caller]
fn announced(a: &mut Announcer<'_>, now: Instant, seq: &mut Sequence) -> String {
    let mut buf = [JUNK; 512];
    let n = a.announce(now, seq, &mut buf).expect("encodes");
    assert!(buf[n..].iter().all(|&b| b == JUNK), "wrote past {n}");
    String::from_utf8(buf[..n].to_vec()).expect("UTF-8")
}

#[test]
fn announcer_at_start_and_every_interval() {
    let t0 = Instant::from_millis(7_000);
    let mut a = Announcer::new(config(Duration::from_secs(60)), t0);
    assert_eq!(a.config(), &config(Duration::from_secs(60)));
    assert_eq!(a.body(), body());
    // Due at once, so the gateway learns the target at start.
    assert_eq!(a.next(), t0);
    assert!(a.is_due(t0));
    let mut seq = Sequence::new(3);
    assert_eq!(announced(&mut a, t0, &mut seq), ANNOUNCE);
    assert_eq!(seq.peek(), 4);
    assert_eq!(a.next(), Instant::from_millis(67_000));
    assert!(!a.is_due(Instant::from_millis(66_999)));
    assert!(a.is_due(Instant::from_millis(67_000)));
    // Start to start: 250 ms late, the next is still due at 127 s.
    assert_eq!(
        announced(&mut a, Instant::from_millis(67_250), &mut seq),
        r#"{"type": "announce", "name": "pi-hall", "port": 10081, "path": "/metrics", "device": "pi-hall", "seq": 4}"#
    );
    assert_eq!(a.next(), Instant::from_millis(127_000));
    // Several intervals late: one announcement now, the next an interval after it.
    announced(&mut a, Instant::from_millis(400_000), &mut seq);
    assert_eq!(a.next(), Instant::from_millis(460_000));
    assert_eq!(seq.peek(), 6);
}

#[test]
fn announcer_without_a_path_and_seq_wrapping() {
    let cfg = AnnounceConfig {
        device: "front-door",
        hostname: "esp32-gpiotest",
        port: 80,
        path: None,
        ..config(Duration::from_secs(30))
    };
    let mut a = Announcer::new(cfg, Instant::ZERO);
    let mut seq = Sequence::new(u32::MAX);
    assert_eq!(
        announced(&mut a, Instant::ZERO, &mut seq),
        r#"{"type": "announce", "name": "esp32-gpiotest", "port": 80, "device": "front-door", "seq": 4294967295}"#
    );
    assert_eq!(
        announced(&mut a, Instant::from_millis(30_000), &mut seq),
        r#"{"type": "announce", "name": "esp32-gpiotest", "port": 80, "device": "front-door", "seq": 0}"#
    );
}

#[test]
fn announcer_errors_skip_no_seq() {
    let mut a = Announcer::new(config(Duration::from_secs(60)), Instant::ZERO);
    let mut seq = Sequence::new(9);
    let mut small = [JUNK; 16];
    assert_eq!(
        a.announce(Instant::ZERO, &mut seq, &mut small),
        Err(EncodeError::BufferFull)
    );
    assert_eq!(seq.peek(), 9);
    // The schedule moved on all the same: no retry storm.
    assert_eq!(a.next(), Instant::from_millis(60_000));

    let bad = AnnounceConfig {
        port: 0,
        ..config(Duration::from_secs(60))
    };
    let mut a = Announcer::new(bad, Instant::ZERO);
    assert_eq!(
        a.announce(Instant::ZERO, &mut seq, &mut [JUNK; 512]),
        Err(EncodeError::Invalid("port"))
    );
    let bad = AnnounceConfig {
        path: Some("metrics"),
        ..config(Duration::from_secs(60))
    };
    let mut a = Announcer::new(bad, Instant::ZERO);
    assert_eq!(
        a.announce(Instant::ZERO, &mut seq, &mut [JUNK; 512]),
        Err(EncodeError::Invalid("path"))
    );
    assert_eq!(seq.peek(), 9);
}
