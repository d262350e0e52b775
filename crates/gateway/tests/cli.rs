//! The binary: `--check-config` explains mistakes precisely; flags and environment override
//! the file; SIGTERM shuts down cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn promcast() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promcast"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMCAST_") {
            c.env_remove(k);
        }
    }
    c
}

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let p = dir.path().join("promcast.toml");
    std::fs::write(&p, text).expect("write config");
    p
}

fn check(args: &[&str]) -> (i32, String, String) {
    let out = promcast()
        .args(args)
        .arg("--check-config")
        .output()
        .expect("run promcast");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn defaults_need_no_file() {
    let (code, out, err) = check(&[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "configuration OK: HTTP 0.0.0.0:10079/metrics, UDP port 9999 on 0.0.0.0, groups [239.0.0.1], \
3 reading kinds (humidity -> humidity_percent, pressure -> pressure_pascals, temperature -> temperature)\n"
    );
}

#[test]
fn every_mistake_is_named_with_its_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        &dir,
        r#"
[web]
telemetry_path = "metrics"
[udp]
groups = ["239.0.0.1", "10.0.0.1"]
max_datagram_bytes = 10
[series]
ttl = "30s"
sweep_interval = "1m"
max_series = 0
[readings.co2]
metric = "co2 ppm"
[readings.lux]
metric = "temperature"
[readings.noise]
metric = "noise_decibels"
unit = "db"
"#,
    );
    let (code, out, err) = check(&["--config.file", p.to_str().expect("utf-8 path")]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        r#"promcast: configuration has 8 error(s):
  web.telemetry_path: "metrics" must start with '/' and be neither '/' nor under '/-/'
  udp.max_datagram_bytes: 10 is out of range 64..=65507
  udp.groups[1]: 10.0.0.1 is not a multicast address
  series.sweep_interval: 1m must be longer than zero and no longer than series.ttl (30s)
  series.max_series: must be at least 1
  readings.co2.metric: "co2 ppm" is not a valid Prometheus metric name
  readings.lux.metric: "temperature" is already used by readings.temperature.metric
  readings.noise.unit: metric "noise_decibels" must end in "_db" when unit is "db" (OpenMetrics rule)
"#
    );
}

#[test]
fn syntax_errors_and_unknown_settings_point_at_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(&dir, "[udp]\nprot = 9999\n");
    let (code, _, err) = check(&["--config.file", p.to_str().expect("utf-8 path")]);
    assert_eq!(code, 1);
    let path = p.display();
    assert_eq!(
        err,
        format!(
            "promcast: {path}: TOML parse error at line 2, column 1\n  |\n2 | prot = 9999\n  | ^^^^\nunknown field `prot`, expected one of `port`, `bind_address`, `groups`, `interface`, `max_datagram_bytes`, `recv_buffer_bytes`\n"
        )
    );
    let (code, _, err) = check(&["--config.file", "/nonexistent/promcast.toml"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "promcast: cannot read /nonexistent/promcast.toml: No such file or directory (os error 2)\n"
    );
}

#[test]
fn flags_override_environment_which_overrides_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        &dir,
        "[udp]\nport = 1111\ngroups = [\"239.1.1.1\"]\n[web]\nlisten_address = \"127.0.0.1:2222\"\n",
    );
    let out = promcast()
        .args([
            "--config.file",
            p.to_str().expect("utf-8"),
            "--check-config",
            "--udp.port",
            "3333",
        ])
        .env("PROMCAST_UDP_PORT", "4444")
        .env("PROMCAST_WEB_LISTEN_ADDRESS", "127.0.0.1:5555")
        .env("PROMCAST_UDP_GROUPS", "239.2.2.2,ff15::1")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "configuration OK: HTTP 127.0.0.1:5555/metrics, UDP port 3333 on 0.0.0.0, groups [239.2.2.2, ff15::1], \
3 reading kinds (humidity -> humidity_percent, pressure -> pressure_pascals, temperature -> temperature)\n"
    );
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let http = testkit::free_port();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("pick a port");
    let udp_port = udp.local_addr().expect("addr").port();
    drop(udp);
    let mut child = promcast()
        .args([
            "--web.listen-address",
            &format!("127.0.0.1:{http}"),
            "--udp.bind-address",
            "127.0.0.1",
            "--udp.port",
            &udp_port.to_string(),
            "--udp.no-multicast",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next().expect("a log line").expect("utf-8");
    assert!(
        first.contains("promcast listening"),
        "first log line: {first}"
    );
    let addr = format!("127.0.0.1:{http}").parse().expect("addr");
    assert_eq!(
        testkit::http::get(addr, "/-/ready", &[])
            .expect("ready")
            .status,
        200
    );
    // SAFETY: plain kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().expect("wait");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(status.code(), Some(0), "exit status; log: {rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("shutting down")),
        "log: {rest:?}"
    );
}

#[test]
fn the_shipped_example_config_is_valid_and_states_the_defaults() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/promcast.toml");
    let cfg = promcast_gateway::config::Config::from_file(&path).expect("example parses");
    assert_eq!(cfg, promcast_gateway::config::Config::default());
    let (code, _, err) = check(&["--config.file", path.to_str().expect("utf-8")]);
    assert_eq!((code, err.as_str()), (0, ""));
}
