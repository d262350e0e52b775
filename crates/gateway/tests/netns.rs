//! Real multicast and a real Prometheus, each test inside its own private network namespace
//! (testkit::in_netns!), so nothing reaches a real interface.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use common::seed_packet;
use promcast_gateway::Gateway;
use promcast_gateway::clock::ManualClock;
use promcast_gateway::config::Config;
use socket2::{Domain, Protocol, Socket, Type};

async fn gateway(groups: &[IpAddr]) -> Gateway {
    let mut cfg = Config::default();
    cfg.udp.groups = groups.to_vec();
    let udp = promcast_gateway::ingest::bind(&cfg.udp).expect("bind and join");
    let http = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("http");
    Gateway::start(&cfg, udp, http, Arc::new(ManualClock::new(common::T0_MS)))
        .await
        .expect("start")
}

/// A sender as the Pico is: multicast TTL 1, out of `lo`.
fn sender_v4() -> UdpSocket {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).expect("socket");
    s.set_multicast_ttl_v4(1).expect("ttl");
    s.set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
        .expect("multicast if");
    s.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind");
    s.into()
}

async fn data(gw: &Gateway) -> String {
    let addr = gw.http_addr;
    let body = tokio::task::spawn_blocking(move || {
        testkit::http::get(addr, "/metrics", &[]).expect("GET")
    })
    .await
    .expect("join");
    common::data_lines(body.text())
}

fn tank(device_value: &str) -> Vec<u8> {
    seed_packet("ColdWaterTank", "28-000005e2fdc3", device_value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_groups_on_one_port_receive_only_their_own_packets() {
    testkit::in_netns!();
    let a = gateway(&[IpAddr::V4(Ipv4Addr::new(239, 0, 0, 1))]).await;
    let b = gateway(&[IpAddr::V4(Ipv4Addr::new(239, 0, 0, 2))]).await;
    let s = sender_v4();
    let ga: SocketAddr = "239.0.0.1:9999".parse().expect("addr");
    let gb: SocketAddr = "239.0.0.2:9999".parse().expect("addr");
    for i in 0..3 {
        s.send_to(
            &seed_packet(&format!("A{i}"), &format!("28-a{i}"), "1.0"),
            ga,
        )
        .expect("send a");
    }
    for i in 0..2 {
        s.send_to(
            &seed_packet(&format!("B{i}"), &format!("28-b{i}"), "2.0"),
            gb,
        )
        .expect("send b");
    }
    // Every datagram before the last one is queued ahead of it, so once each gateway has
    // handled its count, any cross-talk would already have been counted too.
    a.wait_for_datagrams(3).await;
    b.wait_for_datagrams(2).await;
    assert_eq!(
        a.state
            .telemetry
            .received
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
    assert_eq!(
        b.state
            .telemetry
            .received
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    // Exactly each gateway's own group's series, nothing from the other group.
    let temps = |body: &str| -> Vec<String> {
        body.lines()
            .filter(|l| l.starts_with("temperature{"))
            .map(str::to_owned)
            .collect()
    };
    let series = |prefix: &str, value: &str, n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    r#"temperature{{device="127.0.0.1",friendly_name="{prefix}{i}",sensor_id="28-{p}{i}",sensor_name="{prefix}{i}"}} {value}"#,
                    p = prefix.to_lowercase()
                )
            })
            .collect()
    };
    assert_eq!(temps(&data(&a).await), series("A", "1.0", 3));
    assert_eq!(temps(&data(&b).await), series("B", "2.0", 2));
    a.stop().await.expect("stop");
    b.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicast_and_ipv6_multicast_arrive_on_the_same_port() {
    testkit::in_netns!();
    let v6group: Ipv6Addr = "ff15::5043".parse().expect("group");
    let gw = gateway(&[IpAddr::V4(Ipv4Addr::new(239, 0, 0, 1)), IpAddr::V6(v6group)]).await;
    let s4 = sender_v4();
    s4.send_to(&tank("4.5"), "127.0.0.1:9999").expect("unicast");
    let s6 = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP)).expect("socket");
    s6.set_multicast_if_v6(1).expect("lo is interface 1");
    s6.set_multicast_hops_v6(1).expect("hops");
    s6.send_to(
        br#"{"type": "temperature", "name": "Loft", "sensor": "28-v6", "temperature": 9.0, "device": "v6dev"}"#,
        &SocketAddr::from((v6group, 9999)).into(),
    )
    .expect("send v6");
    gw.wait_for_datagrams(2).await;
    assert_eq!(
        data(&gw).await,
        "# HELP temperature Temperatures
# TYPE temperature gauge
temperature{device=\"127.0.0.1\",friendly_name=\"Cold Water Tank\",sensor_id=\"28-000005e2fdc3\",sensor_name=\"ColdWaterTank\"} 4.5
temperature{device=\"v6dev\",friendly_name=\"Loft\",sensor_id=\"28-v6\",sensor_name=\"Loft\"} 9.0
# HELP temperature_last_seen_timestamp Temperatures Last Seen Timestamp
# TYPE temperature_last_seen_timestamp gauge
temperature_last_seen_timestamp{device=\"127.0.0.1\",friendly_name=\"Cold Water Tank\",sensor_id=\"28-000005e2fdc3\",sensor_name=\"ColdWaterTank\"} 1763750000.25
temperature_last_seen_timestamp{device=\"v6dev\",friendly_name=\"Loft\",sensor_id=\"28-v6\",sensor_name=\"Loft\"} 1763750000.25
"
    );
    gw.stop().await.expect("stop");
}

/// The shipped binary with its defaults (group 239.0.0.1, UDP 9999), scraped by Prometheus.
#[test]
fn prometheus_scrapes_values_sent_over_multicast_to_the_default_binary() {
    testkit::in_netns!();
    let http = testkit::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_promcast"))
        .args(["--web.listen-address", &format!("127.0.0.1:{http}")])
        .env_remove("PROMCAST_CONFIG_FILE")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn promcast");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let addr: SocketAddr = format!("127.0.0.1:{http}").parse().expect("addr");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while testkit::http::get(addr, "/-/ready", &[])
        .map(|r| r.status)
        .ok()
        != Some(200)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "promcast did not become ready"
        );
        if let Ok(Some(st)) = child.try_wait() {
            panic!("promcast exited early: {st}");
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
    let _guard = Kill(child);
    let prom = testkit::prometheus::Prometheus::start_with(
        testkit::prometheus::Config::new(&format!(
            "  - job_name: promcast\n    static_configs:\n      - targets: ['127.0.0.1:{http}']\n"
        ))
        .scrape_interval(Duration::from_millis(500)),
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let s = sender_v4();
    let group: SocketAddr = "239.0.0.1:9999".parse().expect("group");
    s.send_to(&tank("4.3125"), group).expect("send");
    s.send_to(
        br#"{"type": "status", "name": "pico-loft", "status": "API 200 OK"}"#,
        group,
    )
    .expect("send");
    s.send_to(b"{not json", group).expect("send");
    s.send_to(br#"{"type": "temperature", "name": "Loft", "sensor": "28-b", "temperature": -2.5, "device": "pico-b", "seq": 3}"#, group)
        .expect("send");
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();

    let temps = prom.wait_for("temperature", |r| r.len() == 2, Duration::from_secs(30));
    let mut got: Vec<(String, String, String, String, f64)> = temps
        .iter()
        .map(|s| {
            (
                s.labels["device"].clone(),
                s.labels["friendly_name"].clone(),
                s.labels["sensor_id"].clone(),
                s.labels["sensor_name"].clone(),
                s.value,
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (
                "127.0.0.1".into(),
                "Cold Water Tank".into(),
                "28-000005e2fdc3".into(),
                "ColdWaterTank".into(),
                4.3125
            ),
            (
                "pico-b".into(),
                "Loft".into(),
                "28-b".into(),
                "Loft".into(),
                -2.5
            ),
        ]
    );
    // Handled, and so stamped, at most LINGER_MAX after arrival; timestamps have ms resolution.
    let late = promcast_gateway::ingest::LINGER_MAX.as_secs_f64() + 0.001;
    for s in prom.query("temperature_last_seen_timestamp") {
        assert!(
            s.value >= before - 0.001 && s.value <= after + late,
            "last seen {} in [{before}, {after}]",
            s.value
        );
    }
    let rejected = prom.wait_for(
        r#"promcast_packets_rejected_total{reason="malformed_json"}"#,
        |r| r.len() == 1 && r[0].value == 1.0,
        Duration::from_secs(30),
    );
    assert_eq!(rejected[0].labels["job"], "promcast");
    let status = prom.query("promcast_device_status_info");
    assert_eq!(status.len(), 1);
    assert_eq!(
        (
            status[0].labels["name"].as_str(),
            status[0].labels["status"].as_str()
        ),
        ("pico-loft", "API 200 OK")
    );
    let targets = prom.targets();
    assert_eq!(targets.len(), 1);
    assert_eq!(
        (targets[0].health.as_str(), targets[0].last_error.as_str()),
        ("up", "")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_joined_on_the_configured_interface_and_a_missing_one_is_a_clear_error() {
    testkit::in_netns!();
    let mut cfg = Config::default();
    cfg.udp.interface = Some("lo".into());
    let udp = promcast_gateway::ingest::bind(&cfg.udp).expect("join on lo by name");
    let http = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("http");
    let gw = Gateway::start(&cfg, udp, http, Arc::new(ManualClock::new(common::T0_MS)))
        .await
        .expect("start");
    sender_v4()
        .send_to(&tank("3.0"), "239.0.0.1:9999")
        .expect("send");
    gw.wait_for_datagrams(1).await;
    assert_eq!(
        gw.state
            .telemetry
            .received
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    gw.stop().await.expect("stop");

    cfg.udp.interface = Some("eth7".into());
    let err = promcast_gateway::ingest::bind(&cfg.udp).expect_err("no such interface");
    assert_eq!(err.to_string(), "no such interface \"eth7\"");
    cfg.udp.interface = Some("10.9.9.9".into());
    let err = promcast_gateway::ingest::bind(&cfg.udp).expect_err("no interface has that address");
    assert_eq!(
        err.to_string(),
        "cannot join multicast group 239.0.0.1 on 10.9.9.9: No such device (os error 19)"
    );
}
