//! Devices that push contact changes: the gateway serves the seed's `gpio_pin_*` families for
//! them, through the core tracker, and a state packet repairs a lost edge.

mod common;

use std::time::Duration;

use common::{Harness, rejected, sample};

/// One input's state as a device reports it: (on, since, since_on, since_off, on
/// transitions, on ms total, off ms total); `None` ages are left out of the packet.
type State = (bool, u64, Option<u64>, Option<u64>, u64, u64, u64);

fn contact(event: &str, state: State) -> Vec<u8> {
    let (on, since, since_on, since_off, n, on_ms, off_ms) = state;
    let mut s = format!(
        r#"{{"type": "contact", "name": "left", "pin": 32, "event": "{event}", "on": {on}, "since_ms": {since}"#
    );
    if let Some(v) = since_on {
        s += &format!(r#", "since_on_ms": {v}"#);
    }
    if let Some(v) = since_off {
        s += &format!(r#", "since_off_ms": {v}"#);
    }
    s += &format!(
        r#", "on_transitions": {n}, "on_ms_total": {on_ms}, "off_ms_total": {off_ms}, "device": "door-esp"}}"#
    );
    s.into_bytes()
}

fn gpio_lines(body: &str) -> String {
    body.lines()
        .filter(|l| l.contains("gpio_pin_"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_contacts_are_served_as_the_seed_families() {
    let mut h = Harness::start().await;
    h.send(&contact(
        "edge",
        (true, 0, Some(0), Some(4500), 5, 123_456, 99_000),
    ))
    .await;
    h.clock.advance(Duration::from_millis(2500));
    let body = h.scrape().await;
    let l = r#"{hostname="door-esp",pin_name="left",pin_number="32"}"#;
    assert_eq!(
        gpio_lines(&body),
        format!(
            "# HELP gpio_pin_is_on Whether the GPIO pin is on (1) or off (0)
# TYPE gpio_pin_is_on gauge
gpio_pin_is_on{l} 1
# HELP gpio_pin_on_seconds How many seconds the pin has been on; -1 if it is off.
# TYPE gpio_pin_on_seconds gauge
gpio_pin_on_seconds{l} 2.5
# HELP gpio_pin_off_seconds How many seconds the pin has been off; -1 if it is on.
# TYPE gpio_pin_off_seconds gauge
gpio_pin_off_seconds{l} -1.0
# HELP gpio_pin_seconds_since_on How many seconds since the pin last turned on.
# TYPE gpio_pin_seconds_since_on gauge
gpio_pin_seconds_since_on{l} 2.5
# HELP gpio_pin_seconds_since_off How many seconds since the pin last turned off.
# TYPE gpio_pin_seconds_since_off gauge
gpio_pin_seconds_since_off{l} 7.0
# HELP gpio_pin_on_transitions_total How many times the pin has turned on (off to on) since start.
# TYPE gpio_pin_on_transitions_total counter
gpio_pin_on_transitions_total{l} 5
# HELP gpio_pin_on_duration_seconds_total How many seconds in total the pin has been on since start.
# TYPE gpio_pin_on_duration_seconds_total counter
gpio_pin_on_duration_seconds_total{l} 125.956
# HELP gpio_pin_off_duration_seconds_total How many seconds in total the pin has been off since start.
# TYPE gpio_pin_off_duration_seconds_total counter
gpio_pin_off_duration_seconds_total{l} 99.0
"
        )
    );
    assert_eq!(
        sample(&body, r#"promcast_device_series{device="door-esp"}"#),
        Some("1".into())
    );
    testkit::promtool::check_metrics(&body).expect("valid");
    let om = h
        .get("/metrics", &[("Accept", common::PROMETHEUS_ACCEPT)])
        .await;
    testkit::promtool::check_openmetrics(om.text()).expect("valid OpenMetrics");
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_packet_repairs_a_lost_edge_and_reordered_packets_are_dropped() {
    let mut h = Harness::start().await;
    // Door opened (edge seen), then closed 3 s later: that edge is lost.
    h.send(&contact("edge", (true, 0, Some(0), None, 1, 0, 60_000)))
        .await;
    h.clock.advance(Duration::from_secs(60));
    // The periodic state packet 60 s after opening: closed for 57 s.
    h.send(&contact(
        "state",
        (false, 57_000, Some(60_000), Some(57_000), 1, 3_000, 117_000),
    ))
    .await;
    let body = h.scrape().await;
    let l = r#"{hostname="door-esp",pin_name="left",pin_number="32"}"#;
    assert_eq!(
        sample(&body, &format!("gpio_pin_is_on{l}")),
        Some("0".into())
    );
    assert_eq!(
        sample(&body, &format!("gpio_pin_off_seconds{l}")),
        Some("57.0".into())
    );
    assert_eq!(
        sample(&body, &format!("gpio_pin_seconds_since_on{l}")),
        Some("60.0".into())
    );
    assert_eq!(
        sample(&body, &format!("gpio_pin_on_duration_seconds_total{l}")),
        Some("3.0".into())
    );
    // A copy of the first edge arriving late is older than what is held: dropped and counted.
    h.send(&contact("edge", (true, 0, Some(0), None, 1, 0, 116_000)))
        .await;
    let body = h.scrape().await;
    assert_eq!(rejected(&body, "out_of_order"), 1);
    assert_eq!(
        sample(&body, &format!("gpio_pin_is_on{l}")),
        Some("0".into())
    );
    // After a restart the totals start again from zero: accepted.
    h.send(&contact("state", (false, 1_000, None, None, 0, 0, 1_000)))
        .await;
    let body = h.scrape().await;
    assert_eq!(
        sample(&body, &format!("gpio_pin_on_transitions_total{l}")),
        Some("0".into())
    );
    assert_eq!(
        sample(&body, &format!("gpio_pin_seconds_since_on{l}")),
        Some("-1.0".into())
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_packets_without_a_device_are_rejected() {
    let mut h = Harness::start().await;
    h.send(br#"{"type": "contact", "name": "left", "pin": 32, "event": "edge", "on": true, "since_ms": 0, "on_transitions": 1, "on_ms_total": 0, "off_ms_total": 0}"#).await;
    let body = h.scrape().await;
    assert_eq!(rejected(&body, "missing_field"), 1);
    assert_eq!(gpio_lines(&body), "");
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_lists_pushed_contacts() {
    let mut h = Harness::start().await;
    h.send(&contact(
        "edge",
        (true, 0, Some(0), Some(4500), 5, 123_456, 99_000),
    ))
    .await;
    h.clock.advance(Duration::from_millis(2500));
    let page = h.get("/", &[]).await.text().to_owned();
    let from = page.find("<h2>Contacts</h2>").expect("contacts section");
    let rest = &page[from..];
    assert_eq!(
        &rest[..rest.find("</table>").expect("end")],
        "<h2>Contacts</h2>\n<table><tr><th>Device</th><th>Pin</th><th>Number</th><th>State</th><th>For</th><th>Turned on</th></tr>\n\
<tr><td>door-esp</td><td>left</td><td class=\"n\">32</td><td>on</td><td class=\"n\">2.5&nbsp;s</td><td class=\"n\">5</td></tr>\n"
    );
    h.gw.stop().await.expect("stops");
}
