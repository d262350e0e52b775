//! Shared helpers: a gateway on loopback with a manual clock, a packet sender, a scraper.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;

use promcast_agent::clock::SystemClock as AgentClock;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::{Agent, Backends, Options, PushTo};
use promcast_gateway::Gateway;
use promcast_gateway::clock::{ManualClock, SystemClock};
use promcast_gateway::config::Config;
use testkit::http::Response;

/// Wall-clock start of every test: 2025-11-21T18:33:20.250Z.
pub const T0_MS: u64 = 1_763_750_000_250;

/// The Accept header Prometheus 2.42 sends.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A gateway on 127.0.0.1 (unicast only, ephemeral ports) and a sender socket.
pub struct Harness {
    pub gw: Gateway,
    pub clock: Arc<ManualClock>,
    pub sender: UdpSocket,
    pub sent: u64,
}

/// Defaults for tests: unicast on loopback.
pub fn config() -> Config {
    let mut cfg = Config::default();
    cfg.udp.groups.clear();
    cfg.udp.bind_address = Ipv4Addr::LOCALHOST.into();
    cfg
}

impl Harness {
    pub async fn start() -> Harness {
        Self::with_config(config()).await
    }

    pub async fn with_config(mut cfg: Config) -> Harness {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind udp");
        cfg.udp.port = udp.local_addr().expect("udp addr").port();
        let http = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind http");
        let clock = Arc::new(ManualClock::new(T0_MS));
        let gw = Gateway::start(&cfg, vec![udp], http, clock.clone())
            .await
            .expect("gateway starts");
        let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind sender");
        Harness {
            gw,
            clock,
            sender,
            sent: 0,
        }
    }

    pub fn udp_addr(&self) -> SocketAddr {
        self.gw.udp_addrs[0]
    }

    /// Send datagrams and wait until the gateway has handled all of them.
    pub async fn send_all(&mut self, datagrams: &[&[u8]]) {
        for d in datagrams {
            self.sender.send_to(d, self.udp_addr()).expect("send");
            self.sent += 1;
        }
        self.gw.wait_for_datagrams(self.sent).await;
    }

    pub async fn send(&mut self, datagram: &[u8]) {
        self.send_all(&[datagram]).await;
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let addr = self.gw.http_addr;
        let path = path.to_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            testkit::http::get(addr, &path, &h).expect("HTTP GET")
        })
        .await
        .expect("join")
    }

    /// `/metrics` in the text format, asserting status and content type.
    pub async fn scrape(&self) -> String {
        let r = self.get("/metrics", &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        r.text().to_owned()
    }

    /// The lines of the text exposition that are not about the gateway itself.
    pub async fn scrape_data(&self) -> String {
        data_lines(&self.scrape().await)
    }
}

/// Keep the lines of families that are readings (not `promcast_*` / `process_*`).
pub fn data_lines(body: &str) -> String {
    body.lines()
        .filter(|l| {
            let name = l
                .strip_prefix("# HELP ")
                .or_else(|| l.strip_prefix("# TYPE "))
                .unwrap_or(l);
            !name.starts_with("promcast_") && !name.starts_with("process_")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The value of one sample line `name{labels} value` or `name value`, by exact series text.
pub fn sample(body: &str, series: &str) -> Option<String> {
    body.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(str::to_owned)
    })
}

/// `promcast_packets_rejected_total{reason="..."}` value.
pub fn rejected(body: &str, reason: &str) -> u64 {
    sample(
        body,
        &format!("promcast_packets_rejected_total{{reason=\"{reason}\"}}"),
    )
    .unwrap_or_else(|| panic!("no rejection counter for {reason}"))
    .parse()
    .expect("integer")
}

/// A seed Pico packet, byte for byte as MicroPython's json.dumps writes it.
pub fn seed_packet(name: &str, rom: &str, t: &str) -> Vec<u8> {
    format!(r#"{{"type": "temperature", "name": "{name}", "sensor": "{rom}", "temperature": {t}, "offset": 0.0}}"#)
        .into_bytes()
}

/// A runtime for tests that are plain `#[test]`s (those that start Prometheus).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The gateway exactly as shipped (group 239.0.0.1, UDP 9999) on the system clock, HTTP on
/// 127.0.0.1 and a free port. Inside a private network namespace only.
pub fn shipped_gateway(rt: &tokio::runtime::Runtime) -> Gateway {
    let cfg = Config::default();
    rt.block_on(async {
        let udp = promcast_gateway::ingest::bind(&cfg.udp).expect("bind");
        let http = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("http");
        Gateway::start(&cfg, udp, http, Arc::new(SystemClock::new()))
            .await
            .expect("gateway")
    })
}

/// The example fleet's `pi-hall` (deploy/fleet.example.toml) as a simulated agent on the
/// system clock: contacts as `script` plays them, probes at `temperatures`, pushing to the
/// fleet's target (the multicast group) out of `lo`, HTTP on 127.0.0.1 and a free port.
pub fn example_pi_hall(script: &str, temperatures: &str) -> Agent {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/fleet.example.toml"
    );
    let fleet = promcast_fleet::Fleet::load(path).expect("example fleet");
    let device = fleet.device("pi-hall").expect("pi-hall");
    let script = parse_script(script, &device.pins).expect("script");
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, script)),
        thermometers: Box::new(SimThermometers::new(&device.probes, temperatures, 1).expect("sim")),
    };
    let options = Options {
        push: PushTo::Fleet,
        multicast_interface: Some("lo".into()),
        ..Options::default()
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("agent http");
    Agent::start(
        device,
        backends,
        listener,
        options,
        Arc::new(AgentClock::new()),
    )
    .expect("agent")
}

/// A Prometheus sample's labels as (name, value) pairs, in name order.
pub fn label_pairs(sample: &testkit::prometheus::Sample) -> Vec<(&str, &str)> {
    sample
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
