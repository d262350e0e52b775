//! Every PromQL query of deploy/grafana/promcast.json, run against a real Prometheus that
//! scrapes a simulated fleet through the scrape jobs of deploy/prometheus/prometheus.yml and
//! evaluates deploy/prometheus/alerts.yml: each query must parse and give exactly the series
//! expected of the fleet (compared by their legends), and each rule must evaluate without
//! error.
//!
//! The simulated fleet, all on loopback inside the test's private network namespace:
//! - the gateway, in-process ([`Gateway::start`]), whose service discovery (`/sd/devices`)
//!   tells Prometheus which devices to scrape;
//! - three promcast agents, in-process ([`Agent::start`]) with the sim backends, pushing to
//!   the gateway and announcing their `/metrics`: `pico-loft` and `pico-airing` with two
//!   DS18B20 probes each, and `hall-pi` with a probe and two contacts (its back door open,
//!   its garage door opening and closing every few seconds); `hall-pi` is restarted once;
//! - `front-door`, a device that serves `/metrics` as the ESP32 firmware does, rendered by
//!   [`promcast_core::device`] with two reed switches (one open), Wi-Fi RSSI and its reset
//!   reason, and announces itself to the gateway;
//! - a seed-style Pico that names no device (known by its address, `127.0.0.1`), sending
//!   the seed's reading and status packets, and a noisy sender of datagrams that are not
//!   JSON.
//!
//! Grafana's variables are substituted as its Prometheus data source does (see
//! [`promcast_deploy_tests::grafana`]): `$device` and `$friendly_name` with "All", i.e.
//! every value their own queries return from this Prometheus; `$__rate_interval` 1m,
//! `$__interval` the panel's minimum interval or else 15s, `$__range` 1h.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use promcast_agent::clock::SystemClock as AgentClock;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::transport::Target;
use promcast_agent::{Agent, Backends, Options, PushTo};
use promcast_core::device::{
    BuildInfo, DeviceInfo, DeviceMetrics, PinReport, RESET_REASON, RESET_REASON_LABEL, WIFI_RSSI,
    render,
};
use promcast_core::expo::{Format, Value};
use promcast_core::pin::{PinConfig, PinTracker};
use promcast_core::time::Instant as DeviceInstant;
use promcast_deploy_tests::grafana::{Scope, Source, Variable, VariableQuery, legend, queries};
use promcast_deploy_tests::prometheus_config::{replace_exactly, scrape_configs};
use promcast_fleet::{Device, Fleet};
use promcast_gateway::clock::SystemClock;
use promcast_gateway::config::Config;
use promcast_gateway::{Gateway, ingest};
use testkit::prometheus::{Config as PrometheusConfig, Prometheus, Sample};

const DASHBOARD: &str = include_str!("../../../deploy/grafana/promcast.json");
const PROMETHEUS_YML: &str = include_str!("../../../deploy/prometheus/prometheus.yml");
const ALERTS_YML: &str = include_str!("../../../deploy/prometheus/alerts.yml");

/// How long the fleet may take to show up in Prometheus, and every query to return data.
const SETTLE: Duration = Duration::from_secs(90);

/// How often a polled condition is checked again.
const POLL: Duration = Duration::from_millis(200);

/// Every device of the fleet, as the gateway and the scrape jobs name them: all of them send
/// packets to the gateway (`front-door` its announcements).
const DEVICES: [&str; 5] = [
    "127.0.0.1",
    "front-door",
    "hall-pi",
    "pico-airing",
    "pico-loft",
];

/// The fleet the agents run, as a fleet file.
const FLEET: &str = r#"
[defaults]
poll_interval = "1s"
contact_state_interval = "5s"

[devices.e6614103e7452d2f]
name = "pico-loft"
platform = "pico-w"
probes = [
    { rom = "28a53124070000e4", name = "ColdWaterTank" },
    { rom = "28c3fde2050000e9", name = "Loft" },
]

[devices.e6614103e7452d30]
name = "pico-airing"
platform = "pico-w"
probes = [
    { rom = "28-00000a1b2c03", name = "HotWaterCylinder" },
    { rom = "28-00000a1b2c04", name = "CentralHeatingFlow" },
]

[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]
name = "hall-pi"
platform = "linux"
pins = [
    { number = 17, name = "back-door", pull = "up", active_low = true },
    { number = 22, name = "garage", pull = "up", active_low = true },
]
probes = [
    { rom = "28-0000075b3c2d", name = "Hall" },
]
"#;

/// Each agent's temperatures (`--sim.temperatures`).
const TEMPERATURES: [(&str, &str); 3] = [
    (
        "pico-loft",
        "ColdWaterTank=sine:4.5:1.5:10m,Loft=sine:9:3:15m",
    ),
    (
        "pico-airing",
        "HotWaterCylinder=walk:55:0.25,CentralHeatingFlow=sine:60:5:5m",
    ),
    ("hall-pi", "Hall=19.5"),
];

/// `hall-pi`'s contacts: the back door open from the start, the garage door opening and
/// closing every 3 s for ten minutes.
fn hall_script() -> String {
    let mut script = String::from("back-door:on@0s");
    for i in 1..=200 {
        let state = if i % 2 == 1 { "on" } else { "off" };
        let _ = write!(script, ",garage:{state}@{}s", 3 * i);
    }
    script
}

/// Start `device`'s agent, pushing to `gateway`, serving on `http`.
fn start_agent(device: &Device, gateway: SocketAddr, http: TcpListener) -> Agent {
    let (_, temperatures) = TEMPERATURES
        .iter()
        .find(|(name, _)| *name == device.name)
        .expect("temperatures for every agent");
    let script = if device.pins.is_empty() {
        String::new()
    } else {
        hall_script()
    };
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(
            &device.pins,
            parse_script(&script, &device.pins).expect("script"),
        )),
        thermometers: Box::new(
            SimThermometers::new(&device.probes, temperatures, 1).expect("temperatures"),
        ),
    };
    let options = Options {
        push: PushTo::Target(Target::Addr(gateway)),
        ..Options::default()
    };
    Agent::start(device, backends, http, options, Arc::new(AgentClock::new())).expect("agent")
}

/// A device serving `/metrics` as the ESP32 firmware does, its contacts steady.
struct SimDevice {
    hostname: &'static str,
    unique_id: &'static str,
    mac: &'static str,
    rssi_dbm: i64,
    reset_reason: &'static str,
    /// Name, number and whether the contact is on.
    pins: Vec<(&'static str, u32, bool)>,
    boot: Instant,
    boot_unix: f64,
}

impl SimDevice {
    /// The exposition as of now.
    fn metrics(&self) -> String {
        let up = self.boot.elapsed();
        let reports: Vec<PinReport<'_>> = self
            .pins
            .iter()
            .map(|&(name, number, on)| PinReport {
                hostname: self.hostname,
                name,
                number,
                state: PinTracker::new(PinConfig::default(), on, DeviceInstant::ZERO)
                    .state(device_instant(up)),
            })
            .collect();
        let reason = [(RESET_REASON_LABEL, self.reset_reason)];
        let extras = [
            WIFI_RSSI.sample(&[], Value::I64(self.rssi_dbm)),
            RESET_REASON.sample(&reason, Value::U64(1)),
        ];
        let metrics = DeviceMetrics {
            info: DeviceInfo {
                hostname: self.hostname,
                mac: self.mac,
                platform: "esp32c3",
                unique_id: self.unique_id,
            },
            build: BuildInfo {
                version: "0.1.0",
                revision: "test",
            },
            start_unix: Some(self.boot_unix),
            uptime_seconds: up.as_secs_f64(),
            pins: &reports,
            extras: &extras,
        };
        render(String::new(), Format::Text, &metrics).expect("render into a String")
    }
}

fn device_instant(d: Duration) -> DeviceInstant {
    DeviceInstant::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

/// Serve `device` on `/metrics` of a new loopback port.
async fn serve_device(device: Arc<SimDevice>) -> SocketAddr {
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let device = device.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    device.metrics(),
                )
            }
        }),
    );
    serve(app).await
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Until `stop`, every quarter second: a datagram that is not JSON; every second the seed
/// Pico's reading and status packets, exactly as its MicroPython sends them; and every five
/// seconds `front-door`'s announce packet, as its firmware sends it, for `front_port`.
fn udp_senders(target: SocketAddr, front_port: u16, stop: Arc<AtomicBool>) {
    let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let announce = format!(
        r#"{{"type": "announce", "name": "esp32-gpiotest", "port": {front_port}, "path": "/metrics", "device": "front-door"}}"#
    );
    let mut tick = 0u64;
    while !stop.load(Ordering::Acquire) {
        let _ = sock.send_to(b"{not json", target);
        if tick.is_multiple_of(4) {
            let _ = sock.send_to(
                br#"{"type": "temperature", "name": "LivingRoom", "sensor": "28c0ffee00000042", "temperature": 20.5625, "offset": 0.0}"#,
                target,
            );
            let _ = sock.send_to(
                br#"{"type": "status", "name": "pico-lounge", "status": "API 200 OK"}"#,
                target,
            );
        }
        if tick.is_multiple_of(20) {
            let _ = sock.send_to(announce.as_bytes(), target);
        }
        tick += 1;
        std::thread::park_timeout(Duration::from_millis(250));
    }
}

/// The values Grafana offers for a variable query, from Prometheus. Grafana asks the label
/// values API for `label_values`; the same selector and label are asked here as the
/// instant query `group by (label) (selector)`, which gives the values of the series
/// present now (the API also counts series gone within the dashboard's time range).
fn variable_values(prom: &Prometheus, query: &str, scope: &Scope) -> Result<Vec<String>, String> {
    let query = scope.interpolate(query)?;
    match VariableQuery::parse(&query)? {
        VariableQuery::LabelValues { selector, label } => {
            let selector = selector.map_or_else(|| format!("{{{label}!=\"\"}}"), str::to_owned);
            let mut values: Vec<String> = prom
                .try_query(&format!("group by ({label}) ({selector})"))?
                .into_iter()
                .filter_map(|s| s.labels.get(label).cloned())
                .collect();
            values.sort();
            Ok(values)
        }
        VariableQuery::QueryResult(expr) => Ok(prom
            .try_query(expr)?
            .iter()
            .map(|s| format!("{:?}", s.labels))
            .collect()),
    }
}

/// Call `f` until it gives a value `done` accepts, or panic with the last one after `within`.
fn poll<T: std::fmt::Debug>(
    what: &str,
    within: Duration,
    mut f: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let v = f();
        if done(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {within:?}; last: {v:#?}"
        );
        std::thread::sleep(POLL);
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn every_dashboard_query_shows_the_simulated_fleet_and_every_rule_evaluates() {
    testkit::in_netns!();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    // The gateway, on loopback only.
    let mut cfg = Config::default();
    cfg.udp.groups.clear();
    cfg.udp.bind_address = Ipv4Addr::LOCALHOST.into();
    cfg.udp.port = testkit::free_udp_port();
    let udp_target = SocketAddr::from((Ipv4Addr::LOCALHOST, cfg.udp.port));
    let gateway = rt.block_on(async {
        let udp = ingest::bind(&cfg.udp).expect("bind UDP");
        let http = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind HTTP");
        Gateway::start(&cfg, udp, http, Arc::new(SystemClock::new()))
            .await
            .expect("start the gateway")
    });
    // front-door, and the other UDP senders.
    let front = Arc::new(SimDevice {
        hostname: "esp32-gpiotest",
        unique_id: "7c9ebd61abe4",
        mac: "7c:9e:bd:61:ab:e4",
        rssi_dbm: -61,
        reset_reason: "ChipPowerOn",
        pins: vec![("left", 32, true), ("right", 19, false)],
        boot: Instant::now(),
        boot_unix: unix_now(),
    });
    let front_addr = rt.block_on(serve_device(front.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let senders = std::thread::spawn({
        let stop = stop.clone();
        move || udp_senders(udp_target, front_addr.port(), stop)
    });

    // The agents.
    let fleet = Fleet::from_toml(FLEET, "test fleet").expect("fleet");
    let mut agent_addrs = BTreeMap::new();
    let agents: Vec<Agent> = ["pico-loft", "pico-airing"]
        .iter()
        .map(|name| {
            let http = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
            agent_addrs.insert(*name, http.local_addr().expect("address"));
            start_agent(fleet.device(name).expect("device"), udp_target, http)
        })
        .collect();
    let hall = fleet.device("hall-pi").expect("hall-pi");
    let hall_http = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let hall_addr = hall_http.local_addr().expect("address");
    agent_addrs.insert("hall-pi", hall_addr);
    agent_addrs.insert("front-door", front_addr);
    let mut hall_agent = start_agent(hall, udp_target, hall_http);

    // Prometheus with the example's scrape jobs and rules, the gateway's address in place
    // of promcast:10079 (its target and its service discovery).
    let jobs = scrape_configs(PROMETHEUS_YML).expect("scrape_configs");
    let gw = gateway.http_addr.to_string();
    let jobs = replace_exactly(&jobs, "promcast:10079", &gw, 2).expect("the gateway's address");
    let prom = Prometheus::start_with(
        PrometheusConfig::new(&jobs).rule_file("promcast-alerts.yml", ALERTS_YML),
    );

    // Relabelling: devices are known by name.
    let targets = prom.wait_for_targets(
        |ts| ts.len() == 5 && ts.iter().all(|t| t.health == "up"),
        SETTLE,
    );
    let mut got: Vec<(String, BTreeMap<String, String>, String)> = targets
        .iter()
        .map(|t| {
            (
                t.scrape_pool.clone(),
                t.labels.clone(),
                t.scrape_url.clone(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![(
        "promcast".to_owned(),
        labels(&[("instance", &gw), ("job", "promcast")]),
        format!("http://{gw}/metrics"),
    )];
    for (device, addr) in &agent_addrs {
        want.push((
            "promcast-devices".to_owned(),
            labels(&[
                ("device", device),
                ("instance", device),
                ("job", "promcast-devices"),
            ]),
            format!("http://{addr}/metrics"),
        ));
    }
    assert_eq!(got, want);

    // hall-pi restarts once it has run for 15 s, been scraped, and the gateway has its
    // sequence numbers; the reboot alert fires once for it, seen both ways. (A restart
    // within 5 s of the contact state the gateway holds would look like reordered contact
    // packets to the gateway, counted as rejected out_of_order: see docs/PROTOCOL.md.)
    prom.wait_for(
        r#"process_uptime_seconds{device="hall-pi"} >= 15
             and on () promcast_device_sequence_resets_total{device="hall-pi"}"#,
        |r| r.len() == 1,
        SETTLE,
    );
    hall_agent.stop();
    let hall_http = TcpListener::bind(hall_addr).expect("bind hall-pi's address again");
    hall_agent = start_agent(hall, udp_target, hall_http);
    prom.wait_for(
        r#"resets(process_uptime_seconds{device="hall-pi"}[5m]) >= 1
             and on () increase(promcast_device_sequence_resets_total{device="hall-pi"}[5m]) > 0"#,
        |r| r.len() == 1,
        SETTLE,
    );
    let firing = prom.wait_for(
        r#"ALERTS{alertname="PromcastDeviceRebooted", alertstate="firing"}"#,
        |r| !r.is_empty(),
        SETTLE,
    );
    assert_eq!(
        firing,
        vec![Sample {
            labels: labels(&[
                ("__name__", "ALERTS"),
                ("alertname", "PromcastDeviceRebooted"),
                ("alertstate", "firing"),
                ("device", "hall-pi"),
                ("severity", "info"),
            ]),
            value: 1.0,
        }]
    );

    // The variables, as Grafana would fill them in.
    let dashboard: serde_json::Value = serde_json::from_str(DASHBOARD).expect("dashboard JSON");
    let all = queries(&dashboard).expect("dashboard queries");
    let mut scope = Scope::new();
    for (name, value) in [
        ("__rate_interval", "1m"),
        ("__range", "1h"),
        ("__range_s", "3600"),
        ("__range_ms", "3600000"),
    ] {
        scope.set(name, Variable::Single(value.to_owned()));
    }
    let expected_values: BTreeMap<&str, Vec<&str>> = [
        ("device", DEVICES.to_vec()),
        (
            "friendly_name",
            vec![
                "Central Heating Flow",
                "Cold Water Tank",
                "Hall",
                "Hot Water Cylinder",
                "Living Room",
                "Loft",
            ],
        ),
    ]
    .into();
    let mut resolved = Vec::new();
    for q in &all {
        let Source::Variable { name } = &q.source else {
            continue;
        };
        let want = expected_values
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no expected values for variable {name}"));
        let values = poll(
            &format!("values of ${name} from {:?}", q.expr),
            SETTLE,
            || variable_values(&prom, &q.expr, &scope),
            |v| v.as_ref().is_ok_and(|v| v == want),
        )
        .expect("checked by poll");
        scope.set(name, Variable::Multi(values));
        resolved.push(name.clone());
    }
    assert_eq!(resolved, ["device", "friendly_name"]);

    // Every other query parses, and shows exactly the series expected of this fleet (by
    // their legends) once the fleet has been scraped enough.
    let gw_legend = format!("up {gw}");
    let expected = expected_legends(&gw, &gw_legend);
    let mut pending: Vec<Pending> = Vec::new();
    for q in &all {
        let Source::Panel { title, ref_id, .. } = &q.source else {
            assert!(
                matches!(q.source, Source::Variable { .. }),
                "no expectations for {}",
                q.source
            );
            continue;
        };
        let mut scope = scope.clone();
        let interval = q.min_interval.as_deref().unwrap_or("15s");
        scope.set("__interval", Variable::Single(interval.to_owned()));
        let expr = scope
            .interpolate(&q.expr)
            .unwrap_or_else(|e| panic!("{}: {e}", q.source));
        let want = expected
            .get(&(title.as_str(), ref_id.as_str()))
            .unwrap_or_else(|| panic!("no expected legends for {}", q.source));
        pending.push(Pending {
            source: q.source.to_string(),
            expr,
            legend_format: q.legend_format.clone().unwrap_or_default(),
            want: want.iter().map(|l| (*l).to_owned()).collect(),
            last: Vec::new(),
        });
    }
    assert_eq!(
        pending.len(),
        DASHBOARD.matches("\"expr\":").count(),
        "every panel target is a query: {pending:#?}"
    );
    assert_eq!(
        pending.len(),
        expected.len(),
        "an expectation for a target that is gone"
    );
    let deadline = Instant::now() + SETTLE;
    let mut failures: Vec<String> = Vec::new();
    loop {
        let mut still = Vec::new();
        for mut p in pending {
            match prom.try_query(&p.expr) {
                Ok(samples) => {
                    p.last = samples
                        .iter()
                        .map(|s| legend(&p.legend_format, &s.labels))
                        .collect();
                    p.last.sort();
                    if p.last != p.want {
                        still.push(p);
                    }
                }
                Err(e) => failures.push(format!("{}: {}\n  {e}", p.source, p.expr)),
            }
        }
        pending = still;
        if pending.is_empty() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(POLL);
    }
    failures.extend(pending.iter().map(|p| {
        format!(
            "{}: {}\n  want {:?}\n  last {:?} (not as expected within {SETTLE:?})",
            p.source, p.expr, p.want, p.last
        )
    }));
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every rule of alerts.yml is loaded and evaluates against this data without error.
    let mut names: Vec<String> = ALERTS_YML
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("- alert: ")
                .or_else(|| l.strip_prefix("- record: "))
        })
        .map(|n| n.trim().to_owned())
        .collect();
    names.sort();
    let mut rules = poll(
        "every rule evaluated",
        SETTLE,
        || rule_health(&prom),
        |rules| rules.len() == names.len() && rules.iter().all(|(_, h, _)| h != "unknown"),
    );
    rules.sort();
    let want: Vec<(String, String, String)> = names
        .iter()
        .map(|n| (n.clone(), "ok".to_owned(), String::new()))
        .collect();
    assert_eq!(rules, want);

    stop.store(true, Ordering::Release);
    senders.thread().unpark();
    senders.join().expect("UDP senders");
    hall_agent.stop();
    for agent in agents {
        agent.stop();
    }
    rt.block_on(gateway.stop()).expect("stop the gateway");
}

/// A dashboard query waiting to show its expected series.
#[derive(Debug)]
struct Pending {
    source: String,
    expr: String,
    legend_format: String,
    want: Vec<String>,
    last: Vec<String>,
}

/// Per panel title and target, the legends of the series the query gives for the simulated
/// fleet, sorted. hall-pi's garage door opens and closes every three seconds, so it shows in
/// "Open for" and in "Closed for", each at some moment. hall-pi's contacts come both from
/// the gateway and from its own /metrics, and show once. Every device that announces itself
/// is scraped; front-door's announcements are also packets the gateway last saw.
fn expected_legends<'a>(
    gateway: &'a str,
    gateway_up: &'a str,
) -> BTreeMap<(&'static str, &'static str), Vec<&'a str>> {
    let sensors = vec![
        "Central Heating Flow",
        "Cold Water Tank",
        "Hall",
        "Hot Water Cylinder",
        "Living Room",
        "Loft",
    ];
    let pins = vec![
        "front-door left",
        "front-door right",
        "hall-pi back-door",
        "hall-pi garage",
    ];
    let scraped = vec!["front-door", "hall-pi", "pico-airing", "pico-loft"];
    let agents = vec!["hall-pi", "pico-airing", "pico-loft"];
    [
        (("Temperature", "A"), sensors.clone()),
        (("Now", "A"), sensors),
        (
            ("Last reading received", "A"),
            vec![
                "Central Heating Flow (pico-airing)",
                "Cold Water Tank (pico-loft)",
                "Hall (hall-pi)",
                "Hot Water Cylinder (pico-airing)",
                "Living Room (127.0.0.1)",
                "Loft (pico-loft)",
            ],
        ),
        (("Contact state", "A"), pins.clone()),
        (
            ("Open for", "A"),
            vec!["front-door left", "hall-pi back-door", "hall-pi garage"],
        ),
        (
            ("Closed for", "A"),
            vec!["front-door right", "hall-pi garage"],
        ),
        (("Time open per day", "A"), pins.clone()),
        (("Openings per day", "A"), pins),
        (
            ("Last packet received (pushing devices)", "A"),
            DEVICES.to_vec(),
        ),
        (("Scraped devices", "A"), scraped.clone()),
        (("Uptime", "A"), scraped.clone()),
        (("Restarts", "A"), scraped.clone()),
        (("Restarts", "B"), agents.clone()),
        (("Wi-Fi signal", "A"), vec!["front-door"]),
        (("Packets lost", "A"), agents),
        (("Devices", "A"), scraped),
        (("Devices", "B"), vec!["127.0.0.1"]),
        (("Devices", "C"), vec!["front-door"]),
        (("Gateway", "A"), vec![gateway_up]),
        (("Gateway", "B"), vec!["devices"]),
        (("Gateway", "C"), vec!["series"]),
        (("Packets received", "A"), vec![gateway]),
        (("Packets rejected", "A"), vec!["malformed_json"]),
    ]
    .into()
}

/// Each rule's name, health and last error (in the order of the API, which is not the file's).
fn rule_health(prom: &Prometheus) -> Vec<(String, String, String)> {
    let data = prom.api("/api/v1/rules");
    let mut out = Vec::new();
    for group in data["groups"].as_array().into_iter().flatten() {
        for rule in group["rules"].as_array().into_iter().flatten() {
            let s = |k: &str| rule[k].as_str().unwrap_or_default().to_owned();
            out.push((s("name"), s("health"), s("lastError")));
        }
    }
    out
}
