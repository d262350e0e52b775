//! The w1_therm sysfs backend on fake trees written by the tests: discovery, one bulk
//! conversion per poll, every failure mapped to its ReadError, and through the agent: polling
//! goes on and failures are reported in status packets.

mod common;

use std::fs;
use std::path::Path;

use common::{Receiver, advance_to, device, ms, start, wait_polls};
use promcast_agent::Backends;
use promcast_agent::contacts::NoContacts;
use promcast_agent::probes::{Thermometers, poll};
use promcast_agent::w1::W1Bus;
use promcast_core::probe::{ReadError, RomId};
use promcast_core::time::Instant;

/// 23.125 °C, CRC good (the driver's own example output).
const GOOD: &str = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
/// 19.625 °C.
const GOOD_2: &str =
    "3a 01 4b 46 7f ff 0c 10 a5 : crc=a5 YES\n3a 01 4b 46 7f ff 0c 10 a5 t=19625\n";
/// A corrupted read: the driver says NO.
const CRC_FAIL: &str =
    "72 01 4b 46 7f ff 0e 10 58 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 58 t=23125\n";
/// The power-on scratchpad: 85 °C, no conversion ran.
const POWER_ON: &str =
    "50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n";
/// Nothing drove the bus.
const ALL_FF: &str = "ff ff ff ff ff ff ff ff ff : crc=c9 NO\nff ff ff ff ff ff ff ff ff t=-62\n";

fn probe(root: &Path, linux_name: &str, w1_slave: &str) {
    let dir = root.join(linux_name);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("w1_slave"), w1_slave).expect("write w1_slave");
}

fn master(root: &Path) {
    let dir = root.join("w1_bus_master1");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("therm_bulk_read"), "0\n").expect("write therm_bulk_read");
}

fn rom(s: &str) -> RomId {
    RomId::parse(s).expect("ROM id")
}

#[test]
fn reads_map_to_values_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    master(root);
    probe(root, "28-0000072431a5", GOOD);
    probe(root, "28-00000a1b2c02", CRC_FAIL);
    probe(root, "28-00000a1b2c03", POWER_ON);
    probe(root, "28-00000a1b2c04", ALL_FF);
    probe(root, "28-00000a1b2c06", "garbage\n");
    // Not a DS18B20 (a DS18S20): not discovered.
    probe(root, "10-000802b5c5e2", GOOD);
    let mut bus = W1Bus::new(root);
    let reads = poll(
        &mut bus,
        &[rom("28-00000a1b2c05"), rom("28-0000072431a5")],
        Instant::ZERO,
    );
    assert_eq!(
        reads,
        [
            (rom("28-00000a1b2c05"), Err(ReadError::Missing)),
            (rom("28-0000072431a5"), Ok(23.125)),
            (rom("28-00000a1b2c02"), Err(ReadError::Crc)),
            (rom("28-00000a1b2c03"), Err(ReadError::PowerOnValue)),
            (rom("28-00000a1b2c04"), Err(ReadError::Disconnected)),
            (rom("28-00000a1b2c06"), Err(ReadError::Bus)),
        ]
    );
    // One conversion for the whole bus, by the bulk trigger.
    assert_eq!(bus.triggers(), 1);
    assert_eq!(
        fs::read_to_string(root.join("w1_bus_master1/therm_bulk_read")).expect("read"),
        "trigger\n"
    );
}

#[test]
fn without_bulk_read_each_probe_is_read_on_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    probe(dir.path(), "28-0000072431a5", GOOD);
    let mut bus = W1Bus::new(dir.path());
    assert_eq!(bus.discover(), [rom("28-0000072431a5")]);
    bus.convert(Instant::ZERO);
    assert_eq!(bus.triggers(), 0);
    assert_eq!(bus.read(&rom("28-0000072431a5"), Instant::ZERO), Ok(23.125));
}

#[test]
fn a_missing_root_finds_nothing() {
    let mut bus = W1Bus::new("/nonexistent/w1/devices");
    assert_eq!(poll(&mut bus, &[], Instant::ZERO), []);
    assert_eq!(
        poll(&mut bus, &[rom("28-0000072431a5")], Instant::ZERO),
        [(rom("28-0000072431a5"), Err(ReadError::Missing))]
    );
}

/// Through the agent: readings and a status packet per poll; a probe that vanishes is
/// reported missing and the polls go on.
#[test]
fn the_agent_reports_failures_and_keeps_polling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    master(root);
    probe(root, "28-0000072431a5", GOOD); // Hall, configured
    probe(root, "28-00000a1b2c02", CRC_FAIL); // Loft, configured, offset -0.5
    probe(root, "28-00000a1b2c09", GOOD_2); // not configured

    let rx = Receiver::new();
    let mut device = device();
    device.pins.clear();
    // Only readings and status packets here (announcements: tests/push.rs).
    device.announce_interval = None;
    let backends = Backends {
        contacts: Box::new(NoContacts),
        thermometers: Box::new(W1Bus::new(root)),
    };
    let (agent, clock) = start(&device, backends, &rx);
    wait_polls(&agent, 1);
    assert_eq!(
        rx.take(3),
        [
            r#"{"type": "temperature", "name": "Hall", "sensor": "28a53124070000e4", "temperature": 23.125, "offset": 0.0, "device": "pi-hall", "seq": 0}"#,
            r#"{"type": "temperature", "name": "Probe00000a1b2c09", "sensor": "28092c1b0a000097", "temperature": 19.625, "offset": 0.0, "device": "pi-hall", "seq": 1}"#,
            r#"{"type": "status", "name": "pi-hall", "status": "2 ok, 1 failed: 28022c1b0a00006f:crc", "device": "pi-hall", "seq": 2}"#,
        ]
    );

    // Hall's directory vanishes (probe unplugged); Loft reads well again, with its offset.
    fs::remove_dir_all(root.join("28-0000072431a5")).expect("remove");
    fs::write(root.join("28-00000a1b2c02/w1_slave"), GOOD).expect("write");
    advance_to(&agent, &clock, ms(10_000));
    wait_polls(&agent, 2);
    assert_eq!(
        rx.take(3),
        [
            r#"{"type": "temperature", "name": "Loft", "sensor": "28022c1b0a00006f", "temperature": 22.625, "offset": -0.5, "device": "pi-hall", "seq": 3}"#,
            r#"{"type": "temperature", "name": "Probe00000a1b2c09", "sensor": "28092c1b0a000097", "temperature": 19.625, "offset": 0.0, "device": "pi-hall", "seq": 4}"#,
            r#"{"type": "status", "name": "pi-hall", "status": "2 ok, 1 failed: 28a53124070000e4:missing", "device": "pi-hall", "seq": 5}"#,
        ]
    );

    // Everything well: no status packet.
    probe(root, "28-0000072431a5", GOOD);
    advance_to(&agent, &clock, ms(20_000));
    wait_polls(&agent, 3);
    assert_eq!(rx.take(3).len(), 3);
    let s = agent.stats();
    assert_eq!(
        (
            s.polls,
            s.sender.reads_ok,
            s.sender.crc,
            s.sender.missing,
            s.status_packets
        ),
        (3, 7, 1, 1, 2)
    );
    agent.stop();
    rx.assert_empty();
}
