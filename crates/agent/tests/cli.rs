//! The `promcast-agent` binary: `--check-config`, identity by machine-id, mistakes, and a
//! sim run that serves, pushes and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promcast-agent"));
    // Flags only: nothing from the environment of whoever runs the tests.
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMCAST_AGENT_") {
            c.env_remove(k);
        }
    }
    c.env("NO_COLOR", "1");
    c
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/fleet.example.toml")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().expect("run promcast-agent");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_names_the_device() {
    let fleet = example();
    let (code, out, err) = run(&[
        "--fleet.file",
        fleet.to_str().expect("path"),
        "--device",
        "pi-hall",
        "--check-config",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "configuration OK: device pi-hall (5f0c9a1e2b3d4c5e6f708192a3b4c5d6), 1 pins, 1 probes, HTTP 0.0.0.0:10081, push 239.0.0.1:9999\n"
    );
}

#[test]
fn the_device_is_found_by_machine_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = dir.path().join("machine-id");
    std::fs::write(&id, "5f0c9a1e2b3d4c5e6f708192a3b4c5d6\n").expect("write");
    let fleet = example();
    let (code, out, _) = run(&[
        "--fleet.file",
        fleet.to_str().expect("path"),
        "--identity.machine-id-file",
        id.to_str().expect("path"),
        "--identity.net-root",
        dir.path().to_str().expect("path"),
        "--push.target",
        "none",
        "--web.listen-address",
        "127.0.0.1:9101",
        "--check-config",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "configuration OK: device pi-hall (5f0c9a1e2b3d4c5e6f708192a3b4c5d6), 1 pins, 1 probes, HTTP 127.0.0.1:9101, push none\n"
    );
}

#[test]
fn mistakes_exit_non_zero_with_every_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        "[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]\nname = \"pi\"\nplatform = \"linux\"\n\
         pins = [{ number = 17, name = \"a\" }, { number = 17, name = \"a\" }]\n",
    )
    .expect("write");
    let (code, out, err) = run(&[
        "--fleet.file",
        fleet.to_str().expect("path"),
        "--check-config",
    ]);
    assert_eq!((code, out.as_str()), (1, ""));
    let f = fleet.display();
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("promcast-agent: ") || l.starts_with(&f.to_string()))
            .collect::<Vec<_>>(),
        [
            format!(
                "promcast-agent: {f}: devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi): pins[1].number: duplicate pin number 17 (also pins[0])"
            ),
            format!(
                "{f}: devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi): pins[1].name: duplicate pin name \"a\""
            ),
        ]
    );

    let example = example();
    let (code, _, err) = run(&[
        "--fleet.file",
        example.to_str().expect("path"),
        "--device",
        "front-door",
        "--check-config",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with("promcast-agent: device front-door (7c9ebd61abe4) runs on esp32, not linux: promcast-agent is for Linux boards\n"),
        "{err}"
    );
    let (code, _, err) = run(&["--fleet.file", "/nonexistent/fleet.toml"]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with("promcast-agent: cannot read /nonexistent/fleet.toml: No such file or directory (os error 2)\n"),
        "{err}"
    );
}

#[test]
fn a_sim_run_serves_pushes_and_stops_on_sigterm() {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
    udp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let target = udp.local_addr().expect("addr").to_string();
    let example = example();
    let mut child = bin()
        .args([
            "--fleet.file",
            example.to_str().expect("path"),
            "--device",
            "pi-hall",
            "--backend",
            "sim",
            "--sim.script",
            "back-door:on@0s",
            "--sim.temperatures",
            "Hall=19.5",
            "--web.listen-address",
            "127.0.0.1:0",
            "--push.target",
            &target,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promcast-agent");
    // Readiness: the log line that says where HTTP is served.
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let http: SocketAddr = loop {
        let line = lines.next().expect("a log line").expect("readable");
        if line.contains("promcast-agent running") {
            let addr = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("http="))
                .expect("http= field");
            break addr.parse().expect("an address");
        }
    };
    let r = testkit::http::get(http, "/metrics", &[]).expect("GET /metrics");
    assert_eq!(r.status, 200);
    assert!(
        r.text()
            .lines()
            .any(|l| l
                == r#"gpio_pin_is_on{hostname="pi-hall",pin_name="back-door",pin_number="17"} 1"#),
        "{}",
        r.text()
    );
    let mut buf = [0u8; 2048];
    let mut got = Vec::new();
    for _ in 0..3 {
        let n = udp.recv(&mut buf).expect("a packet");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    // The port it actually listens on, not the 0 it was given.
    assert_eq!(
        got[0],
        format!(
            r#"{{"type": "announce", "name": "pi-hall", "port": {}, "path": "/metrics", "device": "pi-hall", "seq": 0}}"#,
            http.port()
        )
    );
    // Real time passes: the durations are whatever they are, the rest is exact.
    assert!(
        got[1].starts_with(r#"{"type": "contact", "name": "back-door", "pin": 17, "event": "state", "on": true, "since_ms": "#)
            && got[1].ends_with(r#", "device": "pi-hall", "seq": 1}"#),
        "{}",
        got[1]
    );
    assert_eq!(
        got[2],
        r#"{"type": "temperature", "name": "Hall", "sensor": "28a53124070000e4", "temperature": 19.5, "offset": 0.0, "device": "pi-hall", "seq": 2}"#
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{exit}: {rest:?}");
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}
