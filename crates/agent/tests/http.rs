//! The agent's HTTP side: the exposition at simulated times (checked by promtool and the
//! OpenMetrics parsers), the other paths, keep-alive, the connection cap, shutdown.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::{UNIX_MS, device, ms};
use promcast_agent::clock::ManualClock;
use promcast_agent::http::HttpConfig;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::{Agent, Backends, Options, PushTo};
use testkit::http;

const SCRIPT: &str = "back-door:on@2s,back-door:off@5s,window:on@0s";

fn start(max_connections: usize) -> (Agent, std::sync::Arc<ManualClock>) {
    let device = device();
    let steps = parse_script(SCRIPT, &device.pins).expect("script");
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, steps)),
        thermometers: Box::new(SimThermometers::new(&device.probes, "", 1).expect("sim")),
    };
    let clock = ManualClock::new(Some(UNIX_MS));
    let options = Options {
        push: PushTo::Off,
        mac: Some("dc:a6:32:a1:b2:c3".into()),
        http: HttpConfig {
            max_connections,
            ..HttpConfig::default()
        },
        ..Options::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let agent = Agent::start(&device, backends, listener, options, clock.clone()).expect("start");
    (agent, clock)
}

/// The text exposition at 3.5 s: the door (active-low, line dropped at 2 s) on for 1.5 s,
/// the window on since start (no transition), the process started at the clock's wall time.
const TEXT_AT_3500MS: &str = r#"# HELP gpio_pin_is_on Whether the GPIO pin is on (1) or off (0)
# TYPE gpio_pin_is_on gauge
gpio_pin_is_on{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1
gpio_pin_is_on{hostname="pi-hall",pin_name="window",pin_number="27"} 1
# HELP gpio_pin_on_seconds How many seconds the pin has been on; -1 if it is off.
# TYPE gpio_pin_on_seconds gauge
gpio_pin_on_seconds{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_on_seconds{hostname="pi-hall",pin_name="window",pin_number="27"} 3.5
# HELP gpio_pin_off_seconds How many seconds the pin has been off; -1 if it is on.
# TYPE gpio_pin_off_seconds gauge
gpio_pin_off_seconds{hostname="pi-hall",pin_name="back-door",pin_number="17"} -1.0
gpio_pin_off_seconds{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# HELP gpio_pin_seconds_since_on How many seconds since the pin last turned on.
# TYPE gpio_pin_seconds_since_on gauge
gpio_pin_seconds_since_on{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_seconds_since_on{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# HELP gpio_pin_seconds_since_off How many seconds since the pin last turned off.
# TYPE gpio_pin_seconds_since_off gauge
gpio_pin_seconds_since_off{hostname="pi-hall",pin_name="back-door",pin_number="17"} -1.0
gpio_pin_seconds_since_off{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# HELP gpio_pin_on_transitions_total How many times the pin has turned on (off to on) since start.
# TYPE gpio_pin_on_transitions_total counter
gpio_pin_on_transitions_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1
gpio_pin_on_transitions_total{hostname="pi-hall",pin_name="window",pin_number="27"} 0
# HELP gpio_pin_on_duration_seconds_total How many seconds in total the pin has been on since start.
# TYPE gpio_pin_on_duration_seconds_total counter
gpio_pin_on_duration_seconds_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_on_duration_seconds_total{hostname="pi-hall",pin_name="window",pin_number="27"} 3.5
# HELP gpio_pin_off_duration_seconds_total How many seconds in total the pin has been off since start.
# TYPE gpio_pin_off_duration_seconds_total counter
gpio_pin_off_duration_seconds_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 2.0
gpio_pin_off_duration_seconds_total{hostname="pi-hall",pin_name="window",pin_number="27"} 0.0
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1700000000.0
# HELP process_uptime_seconds Number of seconds since the process started.
# TYPE process_uptime_seconds gauge
process_uptime_seconds 3.5
# HELP promcast_device_info Information about the underlying platform.
# TYPE promcast_device_info gauge
promcast_device_info{hostname="pi-hall",mac="dc:a6:32:a1:b2:c3",platform="linux",unique_id="5f0c9a1e2b3d4c5e6f708192a3b4c5d6"} 1
# HELP promcast_build_info promcast build information.
# TYPE promcast_build_info gauge
promcast_build_info{revision="{REVISION}",version="{VERSION}"} 1
"#;

/// The same body with this build's revision and version filled in.
fn expected(template: &str) -> String {
    template
        .replace("{REVISION}", promcast_agent::REVISION)
        .replace("{VERSION}", promcast_agent::VERSION)
}

#[test]
fn metrics_at_a_simulated_time() {
    let (agent, clock) = start(4);
    clock.advance_to(ms(3_500));
    let r = http::get(agent.http_addr(), "/metrics", &[]).expect("GET /metrics");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(r.text(), expected(TEXT_AT_3500MS));
    testkit::promtool::check_metrics(r.text()).expect("promtool accepts it");
    agent.stop();
}

#[test]
fn openmetrics_when_asked_for() {
    let (agent, clock) = start(4);
    clock.advance_to(ms(3_500));
    let r = http::get(
        agent.http_addr(),
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )],
    )
    .expect("GET /metrics");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert_eq!(r.text(), expected(OPENMETRICS_AT_3500MS));
    testkit::promtool::check_openmetrics(r.text()).expect("the OpenMetrics parsers accept it");
    agent.stop();
}

/// The OpenMetrics exposition at 3.5 s.
const OPENMETRICS_AT_3500MS: &str = r#"# TYPE gpio_pin_is_on gauge
# HELP gpio_pin_is_on Whether the GPIO pin is on (1) or off (0)
gpio_pin_is_on{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1
gpio_pin_is_on{hostname="pi-hall",pin_name="window",pin_number="27"} 1
# TYPE gpio_pin_on_seconds gauge
# UNIT gpio_pin_on_seconds seconds
# HELP gpio_pin_on_seconds How many seconds the pin has been on; -1 if it is off.
gpio_pin_on_seconds{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_on_seconds{hostname="pi-hall",pin_name="window",pin_number="27"} 3.5
# TYPE gpio_pin_off_seconds gauge
# UNIT gpio_pin_off_seconds seconds
# HELP gpio_pin_off_seconds How many seconds the pin has been off; -1 if it is on.
gpio_pin_off_seconds{hostname="pi-hall",pin_name="back-door",pin_number="17"} -1.0
gpio_pin_off_seconds{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# TYPE gpio_pin_seconds_since_on gauge
# HELP gpio_pin_seconds_since_on How many seconds since the pin last turned on.
gpio_pin_seconds_since_on{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_seconds_since_on{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# TYPE gpio_pin_seconds_since_off gauge
# HELP gpio_pin_seconds_since_off How many seconds since the pin last turned off.
gpio_pin_seconds_since_off{hostname="pi-hall",pin_name="back-door",pin_number="17"} -1.0
gpio_pin_seconds_since_off{hostname="pi-hall",pin_name="window",pin_number="27"} -1.0
# TYPE gpio_pin_on_transitions counter
# HELP gpio_pin_on_transitions How many times the pin has turned on (off to on) since start.
gpio_pin_on_transitions_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1
gpio_pin_on_transitions_total{hostname="pi-hall",pin_name="window",pin_number="27"} 0
# TYPE gpio_pin_on_duration_seconds counter
# UNIT gpio_pin_on_duration_seconds seconds
# HELP gpio_pin_on_duration_seconds How many seconds in total the pin has been on since start.
gpio_pin_on_duration_seconds_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1.5
gpio_pin_on_duration_seconds_total{hostname="pi-hall",pin_name="window",pin_number="27"} 3.5
# TYPE gpio_pin_off_duration_seconds counter
# UNIT gpio_pin_off_duration_seconds seconds
# HELP gpio_pin_off_duration_seconds How many seconds in total the pin has been off since start.
gpio_pin_off_duration_seconds_total{hostname="pi-hall",pin_name="back-door",pin_number="17"} 2.0
gpio_pin_off_duration_seconds_total{hostname="pi-hall",pin_name="window",pin_number="27"} 0.0
# TYPE process_start_time_seconds gauge
# UNIT process_start_time_seconds seconds
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
process_start_time_seconds 1700000000.0
# TYPE process_uptime_seconds gauge
# UNIT process_uptime_seconds seconds
# HELP process_uptime_seconds Number of seconds since the process started.
process_uptime_seconds 3.5
# TYPE promcast_device info
# HELP promcast_device Information about the underlying platform.
promcast_device_info{hostname="pi-hall",mac="dc:a6:32:a1:b2:c3",platform="linux",unique_id="5f0c9a1e2b3d4c5e6f708192a3b4c5d6"} 1
# TYPE promcast_build info
# HELP promcast_build promcast build information.
promcast_build_info{revision="{REVISION}",version="{VERSION}"} 1
# EOF
"#;

#[test]
fn root_serves_the_exposition_too_and_healthy_answers() {
    let (agent, clock) = start(4);
    clock.advance_to(ms(3_500));
    let root = http::get(agent.http_addr(), "/", &[]).expect("GET /");
    assert_eq!(root.status, 200);
    assert_eq!(root.text(), expected(TEXT_AT_3500MS));

    let healthy = http::get(agent.http_addr(), "/-/healthy", &[]).expect("GET /-/healthy");
    assert_eq!(
        (
            healthy.status,
            healthy.header("content-type"),
            healthy.text()
        ),
        (200, Some("text/plain; charset=utf-8"), "OK\n")
    );
    let head = http::request(agent.http_addr(), "HEAD", "/-/healthy", &[], &[]).expect("HEAD");
    assert_eq!(
        (head.status, head.header("content-length"), head.body.len()),
        (200, Some("3"), 0)
    );

    let missing = http::get(agent.http_addr(), "/nope", &[]).expect("GET /nope");
    assert_eq!((missing.status, missing.text()), (404, "Not Found\n"));
    let post = http::request(agent.http_addr(), "POST", "/metrics", &[], &[]).expect("POST");
    assert_eq!(
        (post.status, post.header("allow"), post.text()),
        (405, Some("GET, HEAD"), "Method Not Allowed\n")
    );
    let junk = http::raw_then_shutdown(
        agent.http_addr(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    )
    .expect("junk");
    assert_eq!(http::parse_response(&junk).expect("a response").status, 400);
    agent.stop();
}

#[test]
fn keep_alive_serves_pipelined_requests_on_one_connection() {
    let (agent, clock) = start(4);
    clock.advance_to(ms(3_500));
    let reply = http::raw(
        agent.http_addr(),
        b"GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    )
    .expect("two responses, then close");
    let first = http::parse_response(&reply).expect("first");
    assert_eq!(
        (first.status, first.header("connection"), first.text()),
        (200, Some("keep-alive"), "OK\n")
    );
    let split = reply
        .windows(b"OK\n".len())
        .position(|w| w == b"OK\n")
        .expect("the first body")
        + 3;
    let second = http::parse_response(&reply[split..]).expect("second");
    assert_eq!(
        (second.status, second.header("connection")),
        (200, Some("close"))
    );
    assert_eq!(second.text(), expected(TEXT_AT_3500MS));
    agent.stop();
}

/// Reads one whole response from a kept-alive connection (framed by Content-Length).
fn read_response(stream: &mut TcpStream) -> http::Response {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if buf.len() >= end + 4 + len {
                return http::parse_response(&buf[..end + 4 + len]).expect("response");
            }
        }
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "connection closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn connections_beyond_the_cap_get_503_and_two_are_served_at_once() {
    let (agent, _clock) = start(2);
    let connect = || {
        let s = TcpStream::connect(agent.http_addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s
    };
    // Two open connections take both slots; each is answered in turn while the other
    // stays open.
    let mut a = connect();
    let mut b = connect();
    let get = b"GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n";
    a.write_all(get).expect("write a");
    assert_eq!(read_response(&mut a).status, 200);
    b.write_all(get).expect("write b");
    assert_eq!(read_response(&mut b).status, 200);
    // A third is refused while they are open.
    let third = http::raw(agent.http_addr(), get).expect("refused");
    let third = http::parse_response(&third).expect("a response");
    assert_eq!(
        (third.status, third.header("connection"), third.text()),
        (503, Some("close"), "Service Unavailable\n")
    );
    assert_eq!(agent.stats().send_errors, 0);
    // Stopping closes the idle ones.
    agent.stop();
    for mut s in [a, b] {
        let mut rest = Vec::new();
        assert_eq!(s.read_to_end(&mut rest).expect("EOF, not a timeout"), 0);
    }
}

#[test]
fn stop_closes_idle_keep_alive_connections() {
    let (agent, _clock) = start(4);
    let mut idle = TcpStream::connect(agent.http_addr()).expect("connect");
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    idle.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n")
        .expect("write");
    assert_eq!(read_response(&mut idle).status, 200);
    agent.stop();
    let mut rest = Vec::new();
    assert_eq!(idle.read_to_end(&mut rest).expect("EOF, not a timeout"), 0);
}
