//! Packets the agent pushes, byte for byte, at simulated times: announce packets, contact
//! state rounds, edge packets after debouncing, temperature readings and status packets, one
//! `seq` counter.

mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use common::{Receiver, advance_to, device, ms, start_sim, wait_polls};
use promcast_agent::clock::ManualClock;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::transport::Target;
use promcast_agent::{Agent, Backends, Options, PushTo, StartError};
use promcast_fleet::{Device, Fleet};

const TEMPERATURES: &str = "Hall=19.5,Loft=fail:crc,28-00000a1b2c09=21.0625";

/// Start `device` with its contacts never changing and no thermometers, serving HTTP on an
/// ephemeral port.
fn start_still(device: &Device, options: Options) -> Result<Agent, StartError> {
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, Vec::new())),
        thermometers: Box::new(SimThermometers::new(&[], "", 1).expect("sim")),
    };
    let http = TcpListener::bind("127.0.0.1:0").expect("bind");
    Agent::start(device, backends, http, options, ManualClock::new(None))
}

/// The announce packet of the test device, serving HTTP on `port`.
fn announce(port: u16, seq: u32) -> String {
    format!(
        r#"{{"type": "announce", "name": "pi-hall", "port": {port}, "path": "/metrics", "device": "pi-hall", "seq": {seq}}}"#
    )
}

fn readings(seq: u32) -> Vec<String> {
    vec![
        format!(
            r#"{{"type": "temperature", "name": "Hall", "sensor": "28a53124070000e4", "temperature": 19.5, "offset": 0.0, "device": "pi-hall", "seq": {}}}"#,
            seq
        ),
        format!(
            r#"{{"type": "temperature", "name": "Probe00000a1b2c09", "sensor": "28092c1b0a000097", "temperature": 21.0625, "offset": 0.0, "device": "pi-hall", "seq": {}}}"#,
            seq + 1
        ),
        format!(
            r#"{{"type": "status", "name": "pi-hall", "status": "2 ok, 1 failed: 28022c1b0a00006f:crc", "device": "pi-hall", "seq": {}}}"#,
            seq + 2
        ),
    ]
}

#[test]
fn packets_at_simulated_times() {
    let rx = Receiver::new();
    let device = device();
    let (agent, clock) = start_sim(
        &device,
        "back-door:on@2s,back-door:off@5s,window:on@0s",
        TEMPERATURES,
        &rx,
    );

    // At start: the announcement with the port HTTP is served on, a state packet per pin,
    // then the first poll.
    let port = agent.http_addr().port();
    assert_eq!(
        rx.take(3),
        [
            announce(port, 0),
            r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "state", "on": false, "since_ms": 0, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 0, "device": "pi-hall", "seq": 1}"#.to_owned(),
            r#"{"type": "contact", "name": "window", "pin": 27, "event": "state", "on": true, "since_ms": 0, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 0, "device": "pi-hall", "seq": 2}"#.to_owned(),
        ]
    );
    wait_polls(&agent, 1);
    assert_eq!(rx.take(3), readings(3));

    // The door's line drops at 2 s; it counts once it held for the 20 ms debounce window,
    // dated at 2 s.
    advance_to(&agent, &clock, ms(2_000));
    rx.assert_empty();
    advance_to(&agent, &clock, ms(2_020));
    assert_eq!(
        rx.next(),
        r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "edge", "on": true, "since_ms": 20, "since_on_ms": 20, "on_transitions": 1, "on_ms_total": 20, "off_ms_total": 2000, "device": "pi-hall", "seq": 6}"#
    );
    advance_to(&agent, &clock, ms(5_020));
    assert_eq!(
        rx.next(),
        r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "edge", "on": false, "since_ms": 20, "since_on_ms": 3020, "since_off_ms": 20, "on_transitions": 1, "on_ms_total": 3000, "off_ms_total": 2020, "device": "pi-hall", "seq": 7}"#
    );

    // The second poll, 10 s after the first.
    advance_to(&agent, &clock, ms(10_000));
    wait_polls(&agent, 2);
    assert_eq!(rx.take(3), readings(8));

    // At 60 s the next announcement and state round, then the poll that was due at 20 s
    // (one, not five: a late poll does not catch up).
    advance_to(&agent, &clock, ms(60_000));
    wait_polls(&agent, 3);
    let mut want = vec![
        announce(port, 11),
        r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "state", "on": false, "since_ms": 55000, "since_on_ms": 58000, "since_off_ms": 55000, "on_transitions": 1, "on_ms_total": 3000, "off_ms_total": 57000, "device": "pi-hall", "seq": 12}"#.to_owned(),
        r#"{"type": "contact", "name": "window", "pin": 27, "event": "state", "on": true, "since_ms": 60000, "on_transitions": 0, "on_ms_total": 60000, "off_ms_total": 0, "device": "pi-hall", "seq": 13}"#.to_owned(),
    ];
    want.extend(readings(14));
    assert_eq!(rx.take(6), want);

    let stats = agent.stats();
    assert_eq!(
        (
            stats.polls,
            stats.edge_packets,
            stats.state_packets,
            stats.reading_packets,
            stats.status_packets,
            stats.announce_packets,
            stats.send_errors
        ),
        (3, 2, 4, 6, 3, 2, 0)
    );
    assert_eq!((stats.sender.reads_ok, stats.sender.crc), (6, 3));
    agent.stop();
    rx.assert_empty();
}

#[test]
fn a_bounce_shorter_than_the_debounce_window_sends_nothing() {
    let rx = Receiver::new();
    let device = device();
    let (agent, clock) = start_sim(&device, "back-door:on@2s,back-door:off@2010ms", "", &rx);
    rx.take(3);
    wait_polls(&agent, 1);
    rx.take(2);
    advance_to(&agent, &clock, ms(2_000));
    advance_to(&agent, &clock, ms(2_010));
    advance_to(&agent, &clock, ms(3_000));
    rx.assert_empty();
    assert_eq!(agent.stats().edge_packets, 0);
    agent.stop();
}

#[test]
fn no_push_target_sends_nothing_but_still_polls() {
    let rx = Receiver::new();
    let device = device();
    let steps = parse_script("back-door:on@1s", &device.pins).expect("script");
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, steps)),
        thermometers: Box::new(SimThermometers::new(&device.probes, "", 1).expect("sim")),
    };
    let clock = ManualClock::new(None);
    let options = Options {
        push: PushTo::Off,
        ..Options::default()
    };
    let http = TcpListener::bind("127.0.0.1:0").expect("bind");
    let agent = Agent::start(&device, backends, http, options, clock.clone()).expect("start");
    wait_polls(&agent, 1);
    advance_to(&agent, &clock, ms(1_020));
    assert_eq!(agent.push_addr(), None);
    let s = agent.stats();
    assert_eq!(
        (
            s.polls,
            s.edge_packets,
            s.state_packets,
            s.reading_packets,
            s.announce_packets
        ),
        (1, 0, 0, 0, 0)
    );
    agent.stop();
    rx.assert_empty();
}

/// The fleet's multicast target, on loopback in a private network namespace: TTL 1, the
/// interface chosen by name.
#[test]
fn multicast_to_the_fleet_group() {
    testkit::in_netns!();
    let group = Ipv4Addr::new(239, 0, 0, 1);
    let rx = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 9999)).expect("bind 9999");
    rx.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
        .expect("join on lo");
    rx.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let device = device();
    let steps = parse_script("window:on@0s", &device.pins).expect("script");
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, steps)),
        thermometers: Box::new(
            SimThermometers::new(&device.probes, "Hall=20,Loft=4", 1).expect("sim"),
        ),
    };
    let clock = ManualClock::new(None);
    let options = Options {
        push: PushTo::Fleet,
        multicast_interface: Some("lo".into()),
        ..Options::default()
    };
    let http = TcpListener::bind("127.0.0.1:0").expect("bind");
    let agent = Agent::start(&device, backends, http, options, clock).expect("start");
    assert_eq!(agent.push_addr(), Some(SocketAddr::from((group, 9999))));
    let mut buf = [0u8; 2048];
    let mut got = Vec::new();
    for _ in 0..5 {
        let (n, _) = rx.recv_from(&mut buf).expect("a multicast datagram");
        got.push(String::from_utf8(buf[..n].to_vec()).expect("UTF-8"));
    }
    assert_eq!(
        got,
        [
            announce(agent.http_addr().port(), 0),
            r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "state", "on": false, "since_ms": 0, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 0, "device": "pi-hall", "seq": 1}"#.to_owned(),
            r#"{"type": "contact", "name": "window", "pin": 27, "event": "state", "on": true, "since_ms": 0, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 0, "device": "pi-hall", "seq": 2}"#.to_owned(),
            r#"{"type": "temperature", "name": "Hall", "sensor": "28a53124070000e4", "temperature": 20.0, "offset": 0.0, "device": "pi-hall", "seq": 3}"#.to_owned(),
            r#"{"type": "temperature", "name": "Loft", "sensor": "28022c1b0a00006f", "temperature": 3.5, "offset": -0.5, "device": "pi-hall", "seq": 4}"#.to_owned(),
        ]
    );
    agent.stop();

    // The interface given by its IPv4 address instead.
    let options = Options {
        push: PushTo::Fleet,
        multicast_interface: Some("127.0.0.1".into()),
        ..Options::default()
    };
    let agent = start_still(&device, options).expect("start");
    let (n, _) = rx.recv_from(&mut buf).expect("a multicast datagram");
    assert_eq!(
        std::str::from_utf8(&buf[..n]).expect("UTF-8"),
        announce(agent.http_addr().port(), 0)
    );
    let (n, _) = rx.recv_from(&mut buf).expect("a multicast datagram");
    assert_eq!(
        std::str::from_utf8(&buf[..n]).expect("UTF-8"),
        r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "state", "on": false, "since_ms": 0, "on_transitions": 0, "on_ms_total": 0, "off_ms_total": 0, "device": "pi-hall", "seq": 1}"#
    );
    agent.stop();

    // An interface that does not exist is an error at start.
    let options = Options {
        push: PushTo::Fleet,
        multicast_interface: Some("eth9".into()),
        ..Options::default()
    };
    let e = start_still(&device, options).expect_err("no eth9");
    assert_eq!(
        e.to_string(),
        "no such interface \"eth9\" for --push.multicast-interface"
    );
}

#[test]
fn a_target_by_host_name_is_resolved() {
    let rx = Receiver::new();
    let device = device();
    let options = Options {
        push: PushTo::Target(Target::Host("localhost".into(), rx.addr().port())),
        ..Options::default()
    };
    let agent = start_still(&device, options).expect("start");
    assert_eq!(agent.push_addr(), None);
    assert_eq!(rx.take(3).len(), 3);
    agent.stop();
}

/// The fleet file's `announce_interval`: an announcement at start and then at that interval,
/// from the start, whatever else is sent; `"0s"` sends none.
#[test]
fn announcements_follow_the_fleet_file() {
    let device = {
        let mut d = device();
        d.announce_interval = Some(Duration::from_secs(25));
        d.pins.clear();
        d.probes.clear();
        d
    };
    let rx = Receiver::new();
    let (agent, clock) = start_sim(&device, "", "", &rx);
    let port = agent.http_addr().port();
    assert_eq!(rx.next(), announce(port, 0));
    advance_to(&agent, &clock, ms(24_999));
    rx.assert_empty();
    advance_to(&agent, &clock, ms(25_000));
    assert_eq!(rx.next(), announce(port, 1));
    // 10 s late: the next is still due 25 s after the last was due.
    advance_to(&agent, &clock, ms(60_000));
    assert_eq!(rx.next(), announce(port, 2));
    advance_to(&agent, &clock, ms(74_999));
    rx.assert_empty();
    advance_to(&agent, &clock, ms(75_000));
    assert_eq!(rx.next(), announce(port, 3));
    assert_eq!(agent.stats().announce_packets, 4);
    agent.stop();
    rx.assert_empty();

    // "0s" in the fleet file: none at all.
    let fleet = Fleet::from_toml(
        &common::FLEET.replace(
            "platform = \"linux\"\n",
            "platform = \"linux\"\nannounce_interval = \"0s\"\n",
        ),
        "fleet.toml",
    )
    .expect("valid");
    let device = fleet.device("pi-hall").expect("pi-hall").clone();
    assert_eq!(device.announce_interval, None);
    let (agent, clock) = start_sim(&device, "", "", &rx);
    assert!(
        rx.take(2)
            .iter()
            .all(|p| p.starts_with(r#"{"type": "contact""#))
    );
    advance_to(&agent, &clock, ms(60_000));
    wait_polls(&agent, 2);
    assert_eq!(agent.stats().announce_packets, 0);
    agent.stop();
}
