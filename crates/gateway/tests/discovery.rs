//! Service discovery: announce packets in, Prometheus HTTP SD JSON out at `/sd/devices`;
//! replacement, expiry, rejections, limits, the landing page; and, inside a private network
//! namespace, a real Prometheus that finds a simulated agent through the gateway alone and
//! scrapes it.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Harness, config, rejected, sample, seed_packet};
use promcast_gateway::discovery::SD_PATH;
use testkit::prometheus::{Config as PromConfig, Prometheus};

const PROMETHEUS_YML: &str = include_str!("../../../deploy/prometheus/prometheus.yml");

const PI_HALL: &[u8] = br#"{"type": "announce", "name": "pi-hall", "port": 10081, "path": "/metrics", "device": "pi-hall", "seq": 3}"#;
const FRONT_DOOR: &[u8] =
    br#"{"type": "announce", "name": "esp32-gpiotest", "port": 80, "device": "front-door", "seq": 0}"#;

/// `/sd/devices`, asserting status and content type.
async fn targets(h: &Harness) -> String {
    let r = h.get(SD_PATH, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    r.text().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_targets_are_served_in_the_http_sd_format() {
    let mut h = Harness::start().await;
    assert_eq!(targets(&h).await, "[]");
    h.send_all(&[
        PI_HALL,
        FRONT_DOOR,
        // Names that need escaping in JSON, and a path as JSON may escape it.
        br#"{"type": "announce", "name": "h\u00f6st \"1\"", "port": 9100, "path": "\/x\\y", "device": "dev \"x\"\\"}"#,
    ])
    .await;
    let json = targets(&h).await;
    assert_eq!(
        json,
        concat!(
            r#"[{"targets":["127.0.0.1:9100"],"labels":{"__meta_promcast_hostname":"höst \"1\"","__metrics_path__":"/x\\y","device":"dev \"x\"\\"}},"#,
            r#"{"targets":["127.0.0.1:80"],"labels":{"__meta_promcast_hostname":"esp32-gpiotest","device":"front-door"}},"#,
            r#"{"targets":["127.0.0.1:10081"],"labels":{"__meta_promcast_hostname":"pi-hall","__metrics_path__":"/metrics","device":"pi-hall"}}]"#,
        )
    );
    // What a JSON parser reads back.
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed[0]["labels"]["device"], "dev \"x\"\\");
    assert_eq!(parsed[0]["labels"]["__metrics_path__"], "/x\\y");

    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("3".into()));
    assert_eq!(sample(&body, "promcast_devices_live"), Some("3".into()));
    assert_eq!(sample(&body, "promcast_series_live"), Some("0".into()));
    assert_eq!(
        sample(&body, r#"promcast_device_packets_total{device="pi-hall"}"#),
        Some("1".into())
    );
    assert_eq!(
        sample(&body, r#"promcast_device_series{device="pi-hall"}"#),
        Some("0".into())
    );
    assert_eq!(
        body.lines()
            .filter(|l| l.starts_with("promcast_packets_rejected_total"))
            .map(|l| l.rsplit_once(' ').map_or("", |(_, v)| v))
            .collect::<String>(),
        "0".repeat(15)
    );
    testkit::promtool::check_metrics(&body).expect("valid exposition");
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_has_one_target_the_latest_it_announced() {
    let mut h = Harness::start().await;
    h.send(PI_HALL).await;
    // Restarted on another port, and its metrics moved.
    h.send(br#"{"type": "announce", "name": "pi-hall", "port": 10082, "path": "/m", "device": "pi-hall", "seq": 0}"#)
        .await;
    assert_eq!(
        targets(&h).await,
        r#"[{"targets":["127.0.0.1:10082"],"labels":{"__meta_promcast_hostname":"pi-hall","__metrics_path__":"/m","device":"pi-hall"}}]"#
    );
    // Announced as it stands: the same; a path dropped: the job's path again.
    h.send(br#"{"type": "announce", "name": "pi-hall", "port": 10082, "path": "/m", "device": "pi-hall", "seq": 1}"#)
        .await;
    h.send(
        br#"{"type": "announce", "name": "pi-hall", "port": 10082, "device": "pi-hall", "seq": 2}"#,
    )
    .await;
    assert_eq!(
        targets(&h).await,
        r#"[{"targets":["127.0.0.1:10082"],"labels":{"__meta_promcast_hostname":"pi-hall","device":"pi-hall"}}]"#
    );
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("1".into()));
    assert_eq!(
        sample(
            &body,
            r#"promcast_device_sequence_resets_total{device="pi-hall"}"#
        ),
        Some("1".into())
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_expire_after_the_ttl_on_the_sweep_timer() {
    let mut cfg = config();
    cfg.series.ttl = Duration::from_secs(60);
    cfg.series.sweep_interval = Duration::from_secs(1);
    let mut h = Harness::with_config(cfg).await;
    h.send_all(&[PI_HALL, FRONT_DOOR]).await;
    h.clock.advance(Duration::from_secs(30));
    h.gw.wait_for_sweeps(1).await;
    // pi-hall announces again; front-door falls silent.
    h.send(PI_HALL).await;
    h.clock.advance(Duration::from_secs(31));
    h.gw.wait_for_sweeps(2).await;
    assert_eq!(
        targets(&h).await,
        r#"[{"targets":["127.0.0.1:10081"],"labels":{"__meta_promcast_hostname":"pi-hall","__metrics_path__":"/metrics","device":"pi-hall"}}]"#
    );
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("1".into()));
    assert_eq!(sample(&body, "promcast_devices_live"), Some("1".into()));
    assert_eq!(
        sample(&body, "promcast_devices_expired_total"),
        Some("1".into())
    );

    h.clock.advance(Duration::from_secs(31));
    h.gw.wait_for_sweeps(3).await;
    assert_eq!(targets(&h).await, "[]");
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("0".into()));
    assert_eq!(sample(&body, "promcast_devices_live"), Some("0".into()));
    assert_eq!(
        sample(&body, "promcast_devices_expired_total"),
        Some("2".into())
    );
    // Announcement counts no series.
    assert_eq!(
        sample(&body, "promcast_series_expired_total"),
        Some("0".into())
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_announce_packets_are_counted_by_reason() {
    let mut h = Harness::start().await;
    h.send_all(&[
        br#"{"type": "announce", "name": "pi-hall", "port": 10081}"#,
        br#"{"type": "announce", "name": "pi-hall", "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": "10081", "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": 10081, "path": 1, "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": 0, "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": 65536, "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": 10081, "path": "metrics", "device": "pi-hall"}"#,
        br#"{"type": "announce", "name": "pi-hall", "port": 1, "port": 2, "device": "pi-hall"}"#,
    ])
    .await;
    let long_path = format!(
        r#"{{"type": "announce", "name": "pi-hall", "port": 10081, "path": "/{}", "device": "pi-hall"}}"#,
        "m".repeat(64)
    );
    h.send(long_path.as_bytes()).await;
    assert_eq!(targets(&h).await, "[]");
    let body = h.scrape().await;
    let got: Vec<(&str, u64)> = [
        "missing_field",
        "wrong_type",
        "invalid_value",
        "duplicate_field",
        "too_long",
        "unsupported_type",
    ]
    .into_iter()
    .map(|r| (r, rejected(&body, r)))
    .collect();
    assert_eq!(
        got,
        [
            ("missing_field", 2),
            ("wrong_type", 2),
            ("invalid_value", 3),
            ("duplicate_field", 1),
            ("too_long", 1),
            ("unsupported_type", 0),
        ]
    );
    assert_eq!(sample(&body, "promcast_devices_live"), Some("0".into()));
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcing_device_counts_toward_the_device_cap() {
    let mut cfg = config();
    cfg.series.max_devices = 1;
    let mut h = Harness::with_config(cfg).await;
    h.send(&seed_packet("Loft", "28-a", "9.0")).await;
    h.send(PI_HALL).await;
    assert_eq!(targets(&h).await, "[]");
    let body = h.scrape().await;
    assert_eq!(rejected(&body, "device_limit"), 1);
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("0".into()));
    h.gw.stop().await.expect("stops");

    // The other way round: the announcing device holds the place.
    let mut cfg = config();
    cfg.series.max_devices = 1;
    let mut h = Harness::with_config(cfg).await;
    h.send(PI_HALL).await;
    h.send(&seed_packet("Loft", "28-a", "9.0")).await;
    let body = h.scrape().await;
    assert_eq!(rejected(&body, "device_limit"), 1);
    assert_eq!(sample(&body, "promcast_sd_targets"), Some("1".into()));
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_lists_scrape_targets() {
    let mut h = Harness::start().await;
    let page = h.get("/", &[]).await.text().to_owned();
    assert!(!page.contains("Scrape targets"), "{page}");
    h.send_all(&[
        PI_HALL,
        br#"{"type": "announce", "name": "<esp>", "port": 80, "device": "front-door"}"#,
    ])
    .await;
    h.clock.advance(Duration::from_millis(2500));
    let page = h.get("/", &[]).await.text().to_owned();
    let from = page.find("<h2>Scrape targets</h2>").expect("section");
    let rest = &page[from..];
    assert_eq!(
        &rest[..rest.find("</table>").expect("end")],
        "<h2>Scrape targets</h2>\n<p>Announced by the devices; Prometheus finds them at <a href=\"/sd/devices\">/sd/devices</a>.</p>\n\
<table><tr><th>Device</th><th>Hostname</th><th>Address</th><th>Path</th><th>Last announce</th></tr>\n\
<tr><td>front-door</td><td>&lt;esp&gt;</td><td>127.0.0.1:80</td><td></td><td class=\"n\">2.5&nbsp;s ago</td></tr>\n\
<tr><td>pi-hall</td><td>pi-hall</td><td>127.0.0.1:10081</td><td>/metrics</td><td class=\"n\">2.5&nbsp;s ago</td></tr>\n"
    );
    h.gw.stop().await.expect("stops");
}

#[test]
fn the_metrics_path_cannot_be_the_discovery_path() {
    let mut cfg = config();
    cfg.web.telemetry_path = SD_PATH.into();
    let errors: Vec<String> = cfg
        .validate()
        .expect_err("refused")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        ["web.telemetry_path: \"/sd/devices\" is where the gateway serves its scrape targets"]
    );
}

/// The `promcast-devices` job of deploy/prometheus/prometheus.yml, with the gateway at
/// `gateway` and SD refreshed every second.
fn devices_job(gateway: &str) -> String {
    let start = PROMETHEUS_YML
        .find("  - job_name: promcast-devices\n")
        .expect("the promcast-devices job");
    let job = &PROMETHEUS_YML[start..];
    let job = match job[1..].find("\n  - job_name:") {
        Some(end) => &job[..end + 2],
        None => job,
    };
    let replace_once = |text: &str, from: &str, to: &str| {
        assert_eq!(text.matches(from).count(), 1, "{from:?} once in:\n{text}");
        text.replace(from, to)
    };
    let job = replace_once(
        job,
        "url: http://promcast:10079/sd/devices",
        &format!("url: http://{gateway}{SD_PATH}"),
    );
    replace_once(&job, "refresh_interval: 1m", "refresh_interval: 1s")
}

/// Inside a private network namespace: the gateway as shipped (multicast group 239.0.0.1,
/// UDP 9999), the example fleet's `pi-hall` as a simulated agent pushing to it, and a real
/// Prometheus that knows only the gateway's discovery endpoint, with the example
/// configuration's relabelling: it finds the agent and scrapes its door.
#[test]
fn prometheus_discovers_and_scrapes_an_agent_through_the_gateway() {
    testkit::in_netns!();
    let rt = common::runtime();
    let gw = common::shipped_gateway(&rt);
    // Announcing every 60 s, the first at start, as the example fleet's defaults say.
    let agent = common::example_pi_hall("back-door:on@0s", "Hall=19.5");
    let agent_addr = agent.http_addr();

    let job = devices_job(&gw.http_addr.to_string());
    let prom = Prometheus::start_with(PromConfig::new(&job));

    // Discovered, relabelled (known by its name) and scraped.
    let found = prom.wait_for_targets(
        |ts| ts.len() == 1 && ts[0].health == "up",
        Duration::from_secs(30),
    );
    let t = &found[0];
    assert_eq!(
        (t.scrape_pool.as_str(), t.scrape_url.as_str()),
        (
            "promcast-devices",
            format!("http://{agent_addr}/metrics").as_str()
        )
    );
    let want: BTreeMap<String, String> = [
        ("device", "pi-hall"),
        ("instance", "pi-hall"),
        ("job", "promcast-devices"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(t.labels, want);

    // The agent's own door, with its own `hostname` untouched and the target's `device`.
    let door = prom.wait_for(
        r#"gpio_pin_is_on{device="pi-hall"}"#,
        |r| r.len() == 1,
        Duration::from_secs(30),
    );
    assert_eq!(
        common::label_pairs(&door[0]),
        [
            ("__name__", "gpio_pin_is_on"),
            ("device", "pi-hall"),
            ("hostname", "pi-hall"),
            ("instance", "pi-hall"),
            ("job", "promcast-devices"),
            ("pin_name", "back-door"),
            ("pin_number", "17"),
        ]
    );
    assert_eq!(door[0].value, 1.0);

    // What the gateway served.
    let sd = testkit::http::get(gw.http_addr, SD_PATH, &[]).expect("GET /sd/devices");
    assert_eq!(
        sd.text(),
        format!(
            r#"[{{"targets":["{agent_addr}"],"labels":{{"__meta_promcast_hostname":"pi-hall","__metrics_path__":"/metrics","device":"pi-hall"}}}}]"#
        )
    );
    agent.stop();
    rt.block_on(gw.stop()).expect("gateway stops");
}
