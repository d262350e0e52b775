//! The temperature sender: exact packets, the poll schedule, counters, the status LED.

use core::time::Duration;

use promcast_core::packet::{EncodeError, MAX_STATUS_LEN, Sequence};
use promcast_core::probe::{ReadError, RomId};
use promcast_core::sender::{
    BootStatus, DEFAULT_NAME_LEN, INTERNAL_SENSOR_RP2040, INTERNAL_SENSOR_RP2350, Led,
    ProbeSetting, Sender, SenderConfig, SenderStats, default_name,
};
use promcast_core::time::Instant;

const JUNK: u8 = 0xAA;

/// `28-000005e2fdc3`, configured as `ColdWaterTank` with offset 0.1.
fn a() -> RomId {
    RomId::parse("28c3fde2050000e9").expect("valid")
}

/// `28-0000072431a5`, not configured.
fn b() -> RomId {
    RomId::parse("28a53124070000e4").expect("valid")
}

/// `28-0123456789ab`, configured as `Loft` with offset -0.3.
fn c() -> RomId {
    RomId::parse("28ab89674523015a").expect("valid")
}

fn probes() -> [ProbeSetting<'static>; 2] {
    [
        ProbeSetting {
            rom: a(),
            name: "ColdWaterTank",
            offset: 0.1,
        },
        ProbeSetting {
            rom: c(),
            name: "Loft",
            offset: -0.3,
        },
    ]
}

fn config<'a>(probes: &'a [ProbeSetting<'a>]) -> SenderConfig<'a> {
    SenderConfig {
        device: Some("pico-loft"),
        probes,
        interval: Duration::from_secs(10),
        sequence: true,
    }
}

/// `ms` milliseconds after the origin.
fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Encode through `f` into a junk-filled buffer; the packet, having checked that nothing
/// past it was written.
#[track_caller]
fn written(f: impl FnOnce(&mut [u8]) -> Result<Option<usize>, EncodeError>) -> Option<String> {
    let mut buf = [JUNK; 512];
    let n = f(&mut buf).expect("encodes")?;
    assert!(buf[n..].iter().all(|&b| b == JUNK), "wrote past {n}");
    Some(String::from_utf8(buf[..n].to_vec()).expect("UTF-8"))
}

/// An LED that remembers every switch.
#[derive(Default)]
struct Recorder(Vec<bool>);

impl Led for Recorder {
    fn set(&mut self, on: bool) {
        self.0.push(on);
    }
}

#[test]
fn default_names() {
    let mut buf = [JUNK; DEFAULT_NAME_LEN];
    assert_eq!(default_name(&b(), &mut buf), "Probe0000072431a5");
    assert_eq!(default_name(&c(), &mut buf), "Probe0123456789ab");
    let all = RomId::from_serial(0x28, 0xffff_ffff_ffff);
    assert_eq!(default_name(&all, &mut buf), "Probeffffffffffff");
    assert_eq!(default_name(&RomId([0; 8]), &mut buf), "Probe000000000000");
}

#[test]
fn three_polls_with_failing_probes() {
    let probes = probes();
    let mut s = Sender::new(config(&probes), at(1_000));
    let mut led = Recorder::default();
    let mut sent = Vec::new();

    assert_eq!(s.next_poll(), at(1_000));
    assert!(s.poll_due(at(1_000)));
    let mut p = s.begin_poll(at(1_000), &mut led);
    sent.push(written(|buf| p.reading(&a(), Ok(21.5625), buf)));
    sent.push(written(|buf| p.reading(&b(), Ok(4.3125), buf)));
    sent.push(written(|buf| p.reading(&c(), Ok(21.5), buf)));
    sent.push(written(|buf| p.finish(buf)));
    assert_eq!(s.next_poll(), at(11_000));

    // 200 ms late; the next poll stays on the 10 s grid.
    assert!(!s.poll_due(at(10_999)));
    let mut p = s.begin_poll(at(11_200), &mut led);
    sent.push(written(|buf| p.reading(&a(), Ok(-10.125), buf)));
    sent.push(written(|buf| p.reading(&b(), Ok(0.0625), buf)));
    sent.push(written(|buf| p.reading(&c(), Err(ReadError::Crc), buf)));
    sent.push(written(|buf| p.finish(buf)));
    assert_eq!(s.next_poll(), at(21_000));

    let mut p = s.begin_poll(at(21_000), &mut led);
    sent.push(written(|buf| {
        p.reading(&b(), Err(ReadError::PowerOnValue), buf)
    }));
    sent.push(written(|buf| p.reading(&a(), Ok(0.0625), buf)));
    sent.push(written(|buf| p.reading(&c(), Err(ReadError::Missing), buf)));
    sent.push(written(|buf| p.finish(buf)));
    assert_eq!(s.next_poll(), at(31_000));

    let want = [
        Some(
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28c3fde2050000e9", "temperature": 21.6625, "offset": 0.1, "device": "pico-loft", "seq": 0}"#,
        ),
        Some(
            r#"{"type": "temperature", "name": "Probe0000072431a5", "sensor": "28a53124070000e4", "temperature": 4.3125, "offset": 0.0, "device": "pico-loft", "seq": 1}"#,
        ),
        Some(
            r#"{"type": "temperature", "name": "Loft", "sensor": "28ab89674523015a", "temperature": 21.2, "offset": -0.3, "device": "pico-loft", "seq": 2}"#,
        ),
        None,
        Some(
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28c3fde2050000e9", "temperature": -10.025, "offset": 0.1, "device": "pico-loft", "seq": 3}"#,
        ),
        Some(
            r#"{"type": "temperature", "name": "Probe0000072431a5", "sensor": "28a53124070000e4", "temperature": 0.0625, "offset": 0.0, "device": "pico-loft", "seq": 4}"#,
        ),
        None,
        Some(
            r#"{"type": "status", "name": "pico-loft", "status": "2 ok, 1 failed: 28ab89674523015a:crc", "device": "pico-loft", "seq": 5}"#,
        ),
        None,
        Some(
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28c3fde2050000e9", "temperature": 0.1625, "offset": 0.1, "device": "pico-loft", "seq": 6}"#,
        ),
        None,
        Some(
            r#"{"type": "status", "name": "pico-loft", "status": "1 ok, 2 failed: 28a53124070000e4:power_on_value, 28ab89674523015a:missing", "device": "pico-loft", "seq": 7}"#,
        ),
    ];
    assert_eq!(sent, want.map(|p| p.map(String::from)));
    assert_eq!(led.0, [true, false, true, false, true, false]);
    let stats = s.stats();
    assert_eq!(
        stats,
        SenderStats {
            polls: 3,
            reads_ok: 6,
            missing: 1,
            crc: 1,
            disconnected: 0,
            power_on_value: 1,
            bus: 0,
        }
    );
    assert_eq!(stats.failed(), 3);
}

#[test]
fn seed_style_packets_without_device_and_seq() {
    let probes = probes();
    let cfg = SenderConfig {
        device: None,
        sequence: false,
        ..config(&probes)
    };
    let mut s = Sender::new(cfg, Instant::ZERO);
    let mut no_led = ();
    let mut p = s.begin_poll(Instant::ZERO, &mut no_led);
    assert_eq!(
        written(|buf| p.reading(&c(), Ok(-0.0625), buf)).as_deref(),
        Some(
            r#"{"type": "temperature", "name": "Loft", "sensor": "28ab89674523015a", "temperature": -0.3625, "offset": -0.3}"#
        )
    );
    assert_eq!(
        written(|buf| p.reading(&a(), Err(ReadError::Disconnected), buf)),
        None
    );
    assert_eq!(
        written(|buf| p.reading(&b(), Err(ReadError::Bus), buf)),
        None
    );
    assert_eq!(
        written(|buf| p.finish(buf)).as_deref(),
        Some(
            r#"{"type": "status", "name": "pico", "status": "1 ok, 2 failed: 28c3fde2050000e9:disconnected, 28a53124070000e4:bus"}"#
        )
    );
}

#[test]
fn many_failures_are_summarised() {
    let probes = probes();
    let cfg = SenderConfig {
        sequence: false,
        ..config(&probes)
    };
    let mut s = Sender::new(cfg, Instant::ZERO);
    let mut no_led = ();
    let mut p = s.begin_poll(Instant::ZERO, &mut no_led);
    assert!(written(|buf| p.reading(&a(), Ok(4.0), buf)).is_some());
    for serial in 1..=8 {
        let rom = RomId::from_serial(0x28, 0x000a_0000 + serial);
        assert_eq!(
            written(|buf| p.reading(&rom, Err(ReadError::PowerOnValue), buf)),
            None
        );
    }
    let status = written(|buf| p.finish(buf)).expect("a status packet");
    assert_eq!(
        status,
        r#"{"type": "status", "name": "pico-loft", "status": "1 ok, 8 failed: 2801000a00000032:power_on_value, 2802000a0000006b:power_on_value, 2803000a0000005c:power_on_value, 2804000a000000d9:power_on_value, 2805000a000000ee:power_on_value, 2806000a000000b7:power_on_value, +2 more", "device": "pico-loft"}"#
    );
    assert_eq!(s.stats().power_on_value, 8);
}

#[test]
fn schedule_starts_polls_start_to_start_without_bursts() {
    let probes = probes();
    let mut s = Sender::new(config(&probes), at(5_000));
    let mut starts = Vec::new();
    for now in [5_000, 15_000, 25_300, 44_999, 90_000, 100_001, 109_000] {
        drop(s.begin_poll(at(now), &mut ()));
        starts.push((now, s.next_poll().as_millis()));
    }
    assert_eq!(
        starts,
        [
            (5_000, 15_000),
            // 300 ms late, and 9.999 s late: the grid holds.
            (15_000, 25_000),
            (25_300, 35_000),
            (44_999, 45_000),
            // 45 s late: one poll now, the next an interval later, no catch-up burst.
            (90_000, 100_000),
            (100_001, 110_000),
            // 1 s early: the next counts from this start.
            (109_000, 119_000),
        ]
    );
    assert_eq!(s.stats().polls, 7);
}

#[test]
fn led_goes_off_when_a_poll_is_dropped() {
    let probes = probes();
    let mut s = Sender::new(config(&probes), Instant::ZERO);
    let mut led = Recorder::default();
    let mut p = s.begin_poll(Instant::ZERO, &mut led);
    assert_eq!(
        written(|buf| p.reading(&a(), Err(ReadError::Crc), buf)),
        None
    );
    drop(p);
    assert_eq!(led.0, [true, false]);
    // No status packet for the abandoned poll; its failure still counts.
    assert_eq!(s.stats().crc, 1);
    let p = s.begin_poll(at(10_000), &mut led);
    assert_eq!(written(|buf| p.finish(buf)), None);
    assert_eq!(led.0, [true, false, true, false]);
}

#[test]
fn seq_wraps_and_skips_nothing_on_encode_errors() {
    let probes = probes();
    let mut s = Sender::new(config(&probes), Instant::ZERO);
    *s.sequence_mut() = Sequence::new(u32::MAX);
    let mut no_led = ();
    let mut p = s.begin_poll(Instant::ZERO, &mut no_led);
    // Too small a buffer: nothing sent, so the next packet gets the same seq.
    let mut small = [JUNK; 40];
    assert_eq!(
        p.reading(&b(), Ok(1.0), &mut small),
        Err(EncodeError::BufferFull)
    );
    assert_eq!(
        written(|buf| p.reading(&a(), Ok(1.0), buf)).as_deref(),
        Some(
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28c3fde2050000e9", "temperature": 1.1, "offset": 0.1, "device": "pico-loft", "seq": 4294967295}"#
        )
    );
    assert_eq!(
        written(|buf| p.reading(&b(), Ok(1.0), buf)).as_deref(),
        Some(
            r#"{"type": "temperature", "name": "Probe0000072431a5", "sensor": "28a53124070000e4", "temperature": 1.0, "offset": 0.0, "device": "pico-loft", "seq": 0}"#
        )
    );
    drop(p);
    // The read itself succeeded, so it counts even though its packet did not fit.
    assert_eq!(s.stats().reads_ok, 3);
    assert_eq!(s.sequence_mut().peek(), 1);
}

#[test]
fn bad_settings_are_encode_errors_not_panics() {
    let long = "x".repeat(129);
    let bad = [
        ProbeSetting {
            rom: a(),
            name: &long,
            offset: 0.0,
        },
        ProbeSetting {
            rom: c(),
            name: "Loft",
            offset: f32::NAN,
        },
    ];
    let mut s = Sender::new(config(&bad), Instant::ZERO);
    let mut no_led = ();
    let mut p = s.begin_poll(Instant::ZERO, &mut no_led);
    let mut buf = [JUNK; 512];
    assert_eq!(
        p.reading(&a(), Ok(1.0), &mut buf),
        Err(EncodeError::Invalid("name"))
    );
    assert_eq!(
        p.reading(&c(), Ok(1.0), &mut buf),
        Err(EncodeError::NonFinite)
    );
    assert!(buf.iter().all(|&b| b == JUNK));
    drop(p);
    assert_eq!(s.sequence_mut().peek(), 0);
}

/// Encode through `f` into a junk-filled buffer: [`written`] for an encoder that always
/// writes a packet.
#[track_caller]
fn own(f: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>) -> String {
    written(|buf| f(buf).map(Some)).expect("a packet")
}

/// The Pico README's poll of `pico-loft`: one configured probe read, one unconfigured
/// probe found on the bus, a configured probe that did not answer, then the internal sensor;
/// the boot status went out first. One `seq` counter for all of them.
#[test]
fn own_packets_share_the_seq_with_the_polls() {
    let settings = [
        ProbeSetting {
            rom: RomId::parse("28ff641e7216036f").expect("valid"),
            name: "ColdWaterTank",
            offset: -0.5,
        },
        ProbeSetting {
            rom: RomId::parse("28ff8a2b031503cf").expect("valid"),
            name: "Loft",
            offset: 0.0,
        },
    ];
    let mut s = Sender::new(config(&settings), Instant::ZERO);
    *s.sequence_mut() = Sequence::new(11);
    let boot = BootStatus {
        version: "0.1.0",
        platform: "pico-w",
        unique_id: Some(&[0xe6, 0x61, 0x41, 0x03, 0xe7, 0x45, 0x2d, 0x2f]),
        built_for: "e6614103e7452d2f",
        reset: "power-on",
    };
    let mut sent = vec![own(|buf| s.encode_status(boot, buf))];
    let mut no_led = ();
    let mut p = s.begin_poll(Instant::ZERO, &mut no_led);
    sent.extend(written(|buf| p.reading(&settings[0].rom, Ok(4.8125), buf)));
    sent.extend(written(|buf| p.reading(&b(), Ok(21.0625), buf)));
    sent.extend(written(|buf| {
        p.reading(&settings[1].rom, Err(ReadError::Missing), buf)
    }));
    sent.extend(written(|buf| p.finish(buf)));
    sent.push(own(|buf| {
        s.encode_extra_reading("PicoLoftBoard", INTERNAL_SENSOR_RP2040, 24.31, buf)
    }));
    assert_eq!(
        sent,
        [
            r#"{"type": "status", "name": "pico-loft", "status": "boot 0.1.0 pico-w id e6614103e7452d2f reset power-on", "device": "pico-loft", "seq": 11}"#,
            r#"{"type": "temperature", "name": "ColdWaterTank", "sensor": "28ff641e7216036f", "temperature": 4.3125, "offset": -0.5, "device": "pico-loft", "seq": 12}"#,
            r#"{"type": "temperature", "name": "Probe0000072431a5", "sensor": "28a53124070000e4", "temperature": 21.0625, "offset": 0.0, "device": "pico-loft", "seq": 13}"#,
            r#"{"type": "status", "name": "pico-loft", "status": "2 ok, 1 failed: 28ff8a2b031503cf:missing", "device": "pico-loft", "seq": 14}"#,
            r#"{"type": "temperature", "name": "PicoLoftBoard", "sensor": "rp2040-internal", "temperature": 24.31, "device": "pico-loft", "seq": 15}"#,
        ]
    );
    // The device's own packets are not probe reads.
    assert_eq!(
        s.stats(),
        SenderStats {
            polls: 1,
            reads_ok: 2,
            missing: 1,
            ..SenderStats::default()
        }
    );
}

#[test]
fn own_packets_without_device_and_seq() {
    let cfg = SenderConfig {
        device: None,
        sequence: false,
        ..config(&[])
    };
    let mut s = Sender::new(cfg, Instant::ZERO);
    assert_eq!(
        own(|buf| s.encode_extra_reading("Board", INTERNAL_SENSOR_RP2350, -3.5, buf)),
        r#"{"type": "temperature", "name": "Board", "sensor": "rp2350-internal", "temperature": -3.5}"#
    );
    assert_eq!(
        own(|buf| s.encode_status("up \"again\"", buf)),
        r#"{"type": "status", "name": "pico", "status": "up \"again\""}"#
    );
}

#[test]
fn own_packets_that_cannot_be_encoded_take_no_seq() {
    let mut s = Sender::new(config(&[]), Instant::ZERO);
    let mut buf = [JUNK; 512];
    assert_eq!(
        s.encode_extra_reading("Board", INTERNAL_SENSOR_RP2040, f32::INFINITY, &mut buf),
        Err(EncodeError::NonFinite)
    );
    let longest = "x".repeat(MAX_STATUS_LEN);
    let too_long = "x".repeat(MAX_STATUS_LEN + 1);
    assert_eq!(
        s.encode_status(&too_long, &mut buf),
        Err(EncodeError::Invalid("status"))
    );
    assert_eq!(
        s.encode_status(&longest, &mut [JUNK; 64]),
        Err(EncodeError::BufferFull)
    );
    assert_eq!(s.sequence_mut().peek(), 0);
    assert_eq!(
        own(|buf| s.encode_status(&longest, buf)),
        format!(
            r#"{{"type": "status", "name": "pico-loft", "status": "{longest}", "device": "pico-loft", "seq": 0}}"#
        )
    );
    assert_eq!(s.sequence_mut().peek(), 1);
}

#[test]
fn boot_status_texts() {
    let id = [0xe6, 0x61, 0x41, 0x03, 0xe7, 0x45, 0x2d, 0x2f];
    let boot = BootStatus {
        version: "0.1.0",
        platform: "pico-w",
        unique_id: Some(&id),
        built_for: "e6614103e7452d2f",
        reset: "watchdog (network down too long)",
    };
    assert!(boot.is_built_for_this_board());
    assert_eq!(
        boot.to_string(),
        "boot 0.1.0 pico-w id e6614103e7452d2f reset watchdog (network down too long)"
    );
    // The fleet key in capitals is the same board.
    let upper = BootStatus {
        built_for: "E6614103E7452D2F",
        ..boot
    };
    assert!(upper.is_built_for_this_board());
    let other = BootStatus {
        built_for: "0123456789abcdef",
        reset: "forced",
        ..boot
    };
    assert!(!other.is_built_for_this_board());
    assert_eq!(
        other.to_string(),
        "boot 0.1.0 pico-w id e6614103e7452d2f (built for 0123456789abcdef) reset forced"
    );
    // An id that is a prefix of the key, or longer than it, is another board.
    for built_for in ["e6614103e7452d", "e6614103e7452d2f00"] {
        assert!(
            !BootStatus { built_for, ..boot }.is_built_for_this_board(),
            "{built_for}"
        );
    }
    let unread = BootStatus {
        platform: "pico2-w",
        unique_id: None,
        reset: "power-on",
        ..boot
    };
    assert!(!unread.is_built_for_this_board());
    assert_eq!(
        unread.to_string(),
        "boot 0.1.0 pico2-w id unknown (built for e6614103e7452d2f) reset power-on"
    );
}
