//! Properties over generated packets and inputs.

use promcast_core::packet::{
    MAX_DEVICE_LEN, MAX_NAME_LEN, MAX_SENSOR_LEN, MAX_SIG_LEN, MAX_STATUS_LEN, MAX_UNIT_LEN,
    is_reading_kind,
};
use promcast_core::{Body, DecodeError, Packet, Reading, Status, Text, decode, encode};
use proptest::prelude::*;

/// Enough for any packet within the limits.
const BUF: usize = 4096;

/// An owned packet to borrow a [`Packet`] from.
#[derive(Clone, Debug)]
struct Owned {
    kind: String,
    name: String,
    sensor: Option<String>,
    value: f64,
    offset: Option<f64>,
    unit: Option<String>,
    /// `Some` makes it a status packet.
    status: Option<String>,
    device: Option<String>,
    seq: Option<u32>,
    sig: Option<String>,
}

impl Owned {
    fn packet(&self) -> Packet<'_> {
        fn text(s: &Option<String>) -> Option<Text<'_>> {
            s.as_deref().map(Text::Plain)
        }
        let body = match &self.status {
            Some(status) => Body::Status(Status::new(Text::Plain(&self.name), Text::Plain(status))),
            None => Body::Reading(Reading {
                kind: &self.kind,
                name: Text::Plain(&self.name),
                sensor: text(&self.sensor),
                value: self.value,
                offset: self.offset,
                unit: text(&self.unit),
            }),
        };
        Packet {
            device: text(&self.device),
            seq: self.seq,
            sig: text(&self.sig),
            body,
        }
    }
}

/// Any characters, control characters and astral ones included, at most `max` UTF-8 bytes.
fn text(max: usize) -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        any::<char>(),
        prop::sample::select(vec![
            '"', '\\', '/', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é', '😀', '\u{2028}', ' '
        ]),
    ];
    prop::collection::vec(chars, 0..=max).prop_map(move |cs| {
        let mut s = String::new();
        for c in cs {
            if s.len() + c.len_utf8() > max {
                break;
            }
            s.push(c);
        }
        s
    })
}

fn kind() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["temperature", "humidity", "pressure"]).prop_map(str::to_owned),
        "[a-z][a-z0-9_]{0,31}".prop_filter("a reading kind", |k| is_reading_kind(k)),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        prop::sample::select(vec![
            0.0,
            -0.0,
            4.31,
            4.3125,
            85.0,
            -127.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            1e16,
            1e-7
        ]),
        (-1000i32..1000, 0u32..10000).prop_map(|(i, f)| f64::from(i) + f64::from(f) / 10000.0),
        any::<f32>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(f64::from),
    ]
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        (
            kind(),
            text(MAX_NAME_LEN),
            prop::option::of(text(MAX_SENSOR_LEN)),
            float(),
            prop::option::of(float()),
        ),
        (
            prop::option::of(text(MAX_UNIT_LEN)),
            prop::option::weighted(0.2, text(MAX_STATUS_LEN)),
        ),
        (
            prop::option::of(text(MAX_DEVICE_LEN)),
            prop::option::of(any::<u32>()),
            prop::option::of(text(MAX_SIG_LEN)),
        ),
    )
        .prop_map(
            |((kind, name, sensor, value, offset), (unit, status), (device, seq, sig))| Owned {
                kind,
                name,
                sensor,
                value,
                offset,
                unit,
                status,
                device,
                seq,
                sig,
            },
        )
}

/// Packets equal, floats compared by bits.
fn same(a: &Packet<'_>, b: &Packet<'_>) -> bool {
    let bits = |p: &Packet<'_>| match p.body {
        Body::Reading(r) => Some((r.value.to_bits(), r.offset.map(f64::to_bits))),
        _ => None,
    };
    a == b && bits(a) == bits(b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_exact(o in owned()) {
        let p = o.packet();
        let mut buf = [0xAA; BUF];
        let n = encode(&p, &mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(buf[n..].iter().all(|&b| b == 0xAA));
        let back = decode(&buf[..n]).map_err(|e| TestCaseError::fail(format!("{e:?}: {:?}", String::from_utf8_lossy(&buf[..n]))))?;
        prop_assert!(same(&back, &p), "{:?} != {:?}", back, p);
        // And the decoded packet (escaped texts and all) encodes to the same bytes.
        let mut again = [0xAA; BUF];
        let m = encode(&back, &mut again).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&again[..m], &buf[..n]);
    }

}

proptest! {
    #[test]
    fn every_prefix_of_an_encoded_packet_is_rejected(o in owned()) {
        let mut buf = [0; BUF];
        let n = encode(&o.packet(), &mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for cut in 0..n {
            match decode(&buf[..cut]) {
                Err(DecodeError::Malformed { at }) => prop_assert!(at <= cut),
                Err(DecodeError::InvalidUtf8) => {}
                other => prop_assert!(false, "{cut} bytes: {other:?}"),
            }
        }
    }

    #[test]
    fn encode_fits_or_reports_buffer_full(o in owned(), len in 0usize..600) {
        let p = o.packet();
        let mut full = [0; BUF];
        let n = encode(&p, &mut full).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let mut buf = vec![0x55; len + 8];
        match encode(&p, &mut buf[..len]) {
            Ok(m) => {
                prop_assert_eq!(m, n);
                prop_assert_eq!(&buf[..m], &full[..n]);
            }
            Err(e) => {
                prop_assert_eq!(e, promcast_core::EncodeError::BufferFull);
                prop_assert!(len < n);
            }
        }
        prop_assert!(buf[len..].iter().all(|&b| b == 0x55));
    }


    #[test]
    fn decode_never_panics_on_mutated_packets(
        o in owned(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let mut buf = [0; BUF];
        let n = encode(&o.packet(), &mut buf).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let mut bytes = buf[..n].to_vec();
        for (at, op, b) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 => bytes.insert(i, b),
                _ if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        accepted_packets_reencode(&bytes)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn decode_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_json_like_text(
        src in r#"[ {}\[\]":,0-9eE.+\-\\utnrfalsNIiy"a-f]{0,200}"#,
    ) {
        accepted_packets_reencode(src.as_bytes())?;
    }

    #[test]
    fn packet_shaped_objects_decode_consistently(src in packet_shaped()) {
        accepted_packets_reencode(src.as_bytes())?;
    }
}

/// Objects whose members use packet keys (and a few others) with values of every JSON type,
/// so the field rules rather than the syntax decide.
fn packet_shaped() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "type",
        "name",
        "sensor",
        "device",
        "status",
        "unit",
        "sig",
        "offset",
        "seq",
        "temperature",
        "humidity",
        "co2",
        "x",
        r"n\u0061me",
        r"t\u0065mperature",
    ]);
    let value = prop::sample::select(vec![
        r#""temperature""#,
        r#""humidity""#,
        r#""co2""#,
        r#""status""#,
        r#""hello""#,
        r#""Bad""#,
        r#""""#,
        r#""Cold Water""#,
        r#""a\"b\\c\n\u00e9\ud83d\ude00""#,
        r#""\u0041""#,
        "0",
        "-0",
        "1",
        "-1",
        "4.31",
        "1e3",
        "1e400",
        "-0.0",
        "4294967295",
        "4294967296",
        "NaN",
        "-Infinity",
        "inf",
        "true",
        "null",
        "[]",
        r#"{"a": [1, {"b": null}]}"#,
    ]);
    prop::collection::vec((key, value), 0..8).prop_map(|members| {
        let members: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", members.join(", "))
    })
}

/// Whatever `decode` accepts, `encode` accepts, and the result decodes to the same packet.
fn accepted_packets_reencode(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(p) = decode(bytes) {
        let mut buf = [0; BUF];
        let n =
            encode(&p, &mut buf).map_err(|e| TestCaseError::fail(format!("{e:?} for {p:?}")))?;
        let back =
            decode(&buf[..n]).map_err(|e| TestCaseError::fail(format!("{e:?} for {p:?}")))?;
        prop_assert!(same(&back, &p), "{:?} != {:?}", back, p);
    }
    Ok(())
}
