//! The README's main command: `promcast demo` serves live temperatures and doors from its
//! simulated fleet, on loopback only, and stops cleanly.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The series (name and labels, without value) of the families we look at.
fn series(body: &str) -> BTreeSet<String> {
    body.lines()
        .filter(|l| l.starts_with("temperature{") || l.starts_with("gpio_pin_is_on{"))
        .filter_map(|l| l.rsplit_once(' ').map(|(s, _)| s.to_owned()))
        .collect()
}

#[test]
fn demo_serves_the_simulated_fleet() {
    let http = testkit::free_port();
    let udp = testkit::free_udp_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_promcast"))
        .args([
            "demo",
            "--http-port",
            &http.to_string(),
            "--udp-port",
            &udp.to_string(),
            "--interval",
            "1s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let addr = format!("127.0.0.1:{http}").parse().expect("addr");
    let want: BTreeSet<String> = [
        r#"gpio_pin_is_on{hostname="hall-pi",pin_name="back-door",pin_number="27"}"#,
        r#"gpio_pin_is_on{hostname="hall-pi",pin_name="front-door",pin_number="17"}"#,
        r#"gpio_pin_is_on{hostname="hall-pi",pin_name="garage",pin_number="22"}"#,
        r#"temperature{device="127.0.0.1",friendly_name="Living Room",sensor_id="28c0ffee00000042",sensor_name="LivingRoom"}"#,
        r#"temperature{device="pico-airing",friendly_name="Central Heating Flow",sensor_id="28042c1b0a0000dd",sensor_name="CentralHeatingFlow"}"#,
        r#"temperature{device="pico-airing",friendly_name="Hot Water Cylinder",sensor_id="28032c1b0a000058",sensor_name="HotWaterCylinder"}"#,
        r#"temperature{device="pico-loft",friendly_name="Cold Water Tank",sensor_id="28a53124070000e4",sensor_name="ColdWaterTank"}"#,
        r#"temperature{device="pico-loft",friendly_name="Loft",sensor_id="28c3fde2050000e9",sensor_name="Loft"}"#,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    loop {
        if let Ok(r) = testkit::http::get(addr, "/metrics", &[]) {
            last = r.text().to_owned();
            if series(&last) == want {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("demo exited early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "demo did not serve the fleet; last body:\n{last}"
        );
        std::thread::park_timeout(Duration::from_millis(100));
    }
    testkit::promtool::check_metrics(&last).expect("valid exposition");
    // SAFETY: plain kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    assert_eq!(child.wait().expect("wait").code(), Some(0));
}
