//! Device expositions: the seed README's example scenario, rendered whole and exactly;
//! hostile label values judged by real parsers; every too-small buffer refused.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use core::time::Duration;

use promcast_core::device::{
    BufWriter, BuildInfo, DeviceInfo, DeviceMetrics, Extra, ExtraFamily, HEAP_FREE, PinReport,
    RESET_REASON, RESET_REASON_LABEL, WIFI_RSSI, render,
};
use promcast_core::expo::{Format, Value};
use promcast_core::pin::{PinConfig, PinState, PinTracker};
use promcast_core::time::Instant;
use testkit::promtool::{check_metrics, check_openmetrics};

/// An instant `s` seconds after boot.
fn secs(s: u64) -> Instant {
    Instant::from_millis(s * 1000)
}

/// The README's two pins at 178 s after boot: `left` (GPIO 32, on when high) on from 21 s
/// to 25 s; `right` (GPIO 19, wired on when low) on from 159 s to 176 s. Both off at boot.
fn readme_states() -> [PinState; 2] {
    let mut left = PinTracker::new(PinConfig::default(), false, secs(0));
    left.edge(true, secs(21));
    left.edge(false, secs(25));
    let active_low = PinConfig {
        active_low: true,
        debounce: Duration::from_millis(20),
    };
    let mut right = PinTracker::new(active_low, true, secs(0));
    right.edge(false, secs(159));
    right.poll(secs(160));
    right.edge(true, secs(176));
    [left.state(secs(178)), right.state(secs(178))]
}

/// The README's pins, labelled with `hostname` and `names`.
fn readme_pins<'a>(hostname: &'a str, names: [&'a str; 2]) -> [PinReport<'a>; 2] {
    let [left, right] = readme_states();
    [
        PinReport {
            hostname,
            name: names[0],
            number: 32,
            state: left,
        },
        PinReport {
            hostname,
            name: names[1],
            number: 19,
            state: right,
        },
    ]
}

/// The README's device: booted at 1.691518e9 (wall clock), scraped 178 s later.
fn readme_metrics<'a>(pins: &'a [PinReport<'a>]) -> DeviceMetrics<'a> {
    DeviceMetrics {
        info: DeviceInfo {
            hostname: "esp32-gpiotest",
            mac: "7c:9e:bd:61:ab:e4",
            platform: "esp32",
            unique_id: "7c9ebd61abe4",
        },
        build: BuildInfo {
            version: "0.1.0",
            revision: "a090a61",
        },
        start_unix: Some(1.691518e9),
        uptime_seconds: 178.0,
        pins,
        extras: &[],
    }
}

/// Renders into a stack buffer, as a device does.
fn render_to_string(format: Format, m: &DeviceMetrics<'_>) -> String {
    let mut buf = [0u8; 8192];
    let w = render(BufWriter::new(&mut buf), format, m).unwrap();
    w.as_str().to_owned()
}

fn check(format: Format, body: &str) -> Result<(), String> {
    match format {
        Format::Text => check_metrics(body),
        Format::OpenMetrics => check_openmetrics(body),
    }
}

#[test]
fn readme_example_in_the_text_format() {
    let pins = readme_pins("esp32-gpiotest", ["left", "right"]);
    let body = render_to_string(Format::Text, &readme_metrics(&pins));
    let expected = r#"# HELP gpio_pin_is_on Whether the GPIO pin is on (1) or off (0)
# TYPE gpio_pin_is_on gauge
gpio_pin_is_on{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 0
gpio_pin_is_on{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 0
# HELP gpio_pin_on_seconds How many seconds the pin has been on; -1 if it is off.
# TYPE gpio_pin_on_seconds gauge
gpio_pin_on_seconds{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} -1.0
gpio_pin_on_seconds{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} -1.0
# HELP gpio_pin_off_seconds How many seconds the pin has been off; -1 if it is on.
# TYPE gpio_pin_off_seconds gauge
gpio_pin_off_seconds{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 153.0
gpio_pin_off_seconds{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 2.0
# HELP gpio_pin_seconds_since_on How many seconds since the pin last turned on.
# TYPE gpio_pin_seconds_since_on gauge
gpio_pin_seconds_since_on{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 157.0
gpio_pin_seconds_since_on{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 19.0
# HELP gpio_pin_seconds_since_off How many seconds since the pin last turned off.
# TYPE gpio_pin_seconds_since_off gauge
gpio_pin_seconds_since_off{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 153.0
gpio_pin_seconds_since_off{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 2.0
# HELP gpio_pin_on_transitions_total How many times the pin has turned on (off to on) since start.
# TYPE gpio_pin_on_transitions_total counter
gpio_pin_on_transitions_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 1
gpio_pin_on_transitions_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 1
# HELP gpio_pin_on_duration_seconds_total How many seconds in total the pin has been on since start.
# TYPE gpio_pin_on_duration_seconds_total counter
gpio_pin_on_duration_seconds_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 4.0
gpio_pin_on_duration_seconds_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 17.0
# HELP gpio_pin_off_duration_seconds_total How many seconds in total the pin has been off since start.
# TYPE gpio_pin_off_duration_seconds_total counter
gpio_pin_off_duration_seconds_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 174.0
gpio_pin_off_duration_seconds_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 161.0
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1691518000.0
# HELP process_uptime_seconds Number of seconds since the process started.
# TYPE process_uptime_seconds gauge
process_uptime_seconds 178.0
# HELP promcast_device_info Information about the underlying platform.
# TYPE promcast_device_info gauge
promcast_device_info{hostname="esp32-gpiotest",mac="7c:9e:bd:61:ab:e4",platform="esp32",unique_id="7c9ebd61abe4"} 1
# HELP promcast_build_info promcast build information.
# TYPE promcast_build_info gauge
promcast_build_info{revision="a090a61",version="0.1.0"} 1
"#;
    assert_eq!(body, expected);
    check_metrics(&body).unwrap();
}

#[test]
fn readme_example_in_openmetrics() {
    let pins = readme_pins("esp32-gpiotest", ["left", "right"]);
    let body = render_to_string(Format::OpenMetrics, &readme_metrics(&pins));
    let expected = r#"# TYPE gpio_pin_is_on gauge
# HELP gpio_pin_is_on Whether the GPIO pin is on (1) or off (0)
gpio_pin_is_on{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 0
gpio_pin_is_on{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 0
# TYPE gpio_pin_on_seconds gauge
# UNIT gpio_pin_on_seconds seconds
# HELP gpio_pin_on_seconds How many seconds the pin has been on; -1 if it is off.
gpio_pin_on_seconds{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} -1.0
gpio_pin_on_seconds{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} -1.0
# TYPE gpio_pin_off_seconds gauge
# UNIT gpio_pin_off_seconds seconds
# HELP gpio_pin_off_seconds How many seconds the pin has been off; -1 if it is on.
gpio_pin_off_seconds{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 153.0
gpio_pin_off_seconds{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 2.0
# TYPE gpio_pin_seconds_since_on gauge
# HELP gpio_pin_seconds_since_on How many seconds since the pin last turned on.
gpio_pin_seconds_since_on{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 157.0
gpio_pin_seconds_since_on{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 19.0
# TYPE gpio_pin_seconds_since_off gauge
# HELP gpio_pin_seconds_since_off How many seconds since the pin last turned off.
gpio_pin_seconds_since_off{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 153.0
gpio_pin_seconds_since_off{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 2.0
# TYPE gpio_pin_on_transitions counter
# HELP gpio_pin_on_transitions How many times the pin has turned on (off to on) since start.
gpio_pin_on_transitions_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 1
gpio_pin_on_transitions_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 1
# TYPE gpio_pin_on_duration_seconds counter
# UNIT gpio_pin_on_duration_seconds seconds
# HELP gpio_pin_on_duration_seconds How many seconds in total the pin has been on since start.
gpio_pin_on_duration_seconds_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 4.0
gpio_pin_on_duration_seconds_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 17.0
# TYPE gpio_pin_off_duration_seconds counter
# UNIT gpio_pin_off_duration_seconds seconds
# HELP gpio_pin_off_duration_seconds How many seconds in total the pin has been off since start.
gpio_pin_off_duration_seconds_total{hostname="esp32-gpiotest",pin_name="left",pin_number="32"} 174.0
gpio_pin_off_duration_seconds_total{hostname="esp32-gpiotest",pin_name="right",pin_number="19"} 161.0
# TYPE process_start_time_seconds gauge
# UNIT process_start_time_seconds seconds
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
process_start_time_seconds 1691518000.0
# TYPE process_uptime_seconds gauge
# UNIT process_uptime_seconds seconds
# HELP process_uptime_seconds Number of seconds since the process started.
process_uptime_seconds 178.0
# TYPE promcast_device info
# HELP promcast_device Information about the underlying platform.
promcast_device_info{hostname="esp32-gpiotest",mac="7c:9e:bd:61:ab:e4",platform="esp32",unique_id="7c9ebd61abe4"} 1
# TYPE promcast_build info
# HELP promcast_build promcast build information.
promcast_build_info{revision="a090a61",version="0.1.0"} 1
# EOF
"#;
    assert_eq!(body, expected);
    check_openmetrics(&body).unwrap();
}

/// Before SNTP: no start time. No pins, two extras, values that need escaping.
fn unclocked_metrics<'a>(extras: &'a [Extra<'a>]) -> DeviceMetrics<'a> {
    DeviceMetrics {
        info: DeviceInfo {
            hostname: "pico \"2\"",
            mac: "28:cd:c1:00:00:01",
            platform: "rp2350",
            unique_id: "e6614c311b4a2f23",
        },
        build: BuildInfo {
            version: "0.1.0",
            revision: "dirty\\tree\nx",
        },
        start_unix: None,
        uptime_seconds: 0.25,
        pins: &[],
        extras,
    }
}

const UNCLOCKED_EXTRAS: [Extra<'static>; 2] = [
    Extra {
        name: "wifi_rssi_dbm",
        help: "Wi-Fi signal \"strength\" in dBm\n(\\ average).",
        labels: &[("ssid", "attic \"north\"")],
        value: Value::I64(-67),
    },
    Extra {
        name: "heap_free_bytes",
        help: "Free heap.",
        labels: &[],
        value: Value::U64(81234),
    },
];

#[test]
fn before_the_clock_is_set_without_pins_with_extras() {
    let m = unclocked_metrics(&UNCLOCKED_EXTRAS);
    let text = r#"# HELP process_uptime_seconds Number of seconds since the process started.
# TYPE process_uptime_seconds gauge
process_uptime_seconds 0.25
# HELP promcast_device_info Information about the underlying platform.
# TYPE promcast_device_info gauge
promcast_device_info{hostname="pico \"2\"",mac="28:cd:c1:00:00:01",platform="rp2350",unique_id="e6614c311b4a2f23"} 1
# HELP promcast_build_info promcast build information.
# TYPE promcast_build_info gauge
promcast_build_info{revision="dirty\\tree\nx",version="0.1.0"} 1
# HELP wifi_rssi_dbm Wi-Fi signal "strength" in dBm\n(\\ average).
# TYPE wifi_rssi_dbm gauge
wifi_rssi_dbm{ssid="attic \"north\""} -67
# HELP heap_free_bytes Free heap.
# TYPE heap_free_bytes gauge
heap_free_bytes 81234
"#;
    let openmetrics = r#"# TYPE process_uptime_seconds gauge
# UNIT process_uptime_seconds seconds
# HELP process_uptime_seconds Number of seconds since the process started.
process_uptime_seconds 0.25
# TYPE promcast_device info
# HELP promcast_device Information about the underlying platform.
promcast_device_info{hostname="pico \"2\"",mac="28:cd:c1:00:00:01",platform="rp2350",unique_id="e6614c311b4a2f23"} 1
# TYPE promcast_build info
# HELP promcast_build promcast build information.
promcast_build_info{revision="dirty\\tree\nx",version="0.1.0"} 1
# TYPE wifi_rssi_dbm gauge
# HELP wifi_rssi_dbm Wi-Fi signal \"strength\" in dBm\n(\\ average).
wifi_rssi_dbm{ssid="attic \"north\""} -67
# TYPE heap_free_bytes gauge
# HELP heap_free_bytes Free heap.
heap_free_bytes 81234
# EOF
"#;
    for (format, expected) in [(Format::Text, text), (Format::OpenMetrics, openmetrics)] {
        let body = render_to_string(format, &m);
        assert_eq!(body, expected, "{format:?}");
        check(format, &body).unwrap();
    }
}

/// The ESP32 firmware's extras, built from core's shared families as the firmware builds
/// them.
#[test]
fn the_platform_extras() {
    assert_eq!(
        [WIFI_RSSI, HEAP_FREE, RESET_REASON].map(|f: ExtraFamily| f.name),
        [
            "promcast_wifi_rssi_dbm",
            "promcast_heap_free_bytes",
            "promcast_reset_reason"
        ]
    );
    let reason = [(RESET_REASON_LABEL, "ChipPowerOn")];
    let extras = [
        WIFI_RSSI.sample(&[], Value::I64(-61)),
        HEAP_FREE.sample(&[], Value::U64(40_212)),
        RESET_REASON.sample(&reason, Value::U64(1)),
    ];
    let m = DeviceMetrics {
        start_unix: None,
        extras: &extras,
        ..readme_metrics(&[])
    };
    let text = r#"# HELP process_uptime_seconds Number of seconds since the process started.
# TYPE process_uptime_seconds gauge
process_uptime_seconds 178.0
# HELP promcast_device_info Information about the underlying platform.
# TYPE promcast_device_info gauge
promcast_device_info{hostname="esp32-gpiotest",mac="7c:9e:bd:61:ab:e4",platform="esp32",unique_id="7c9ebd61abe4"} 1
# HELP promcast_build_info promcast build information.
# TYPE promcast_build_info gauge
promcast_build_info{revision="a090a61",version="0.1.0"} 1
# HELP promcast_wifi_rssi_dbm Received signal strength of the Wi-Fi access point in dBm (absent while disconnected).
# TYPE promcast_wifi_rssi_dbm gauge
promcast_wifi_rssi_dbm -61
# HELP promcast_heap_free_bytes Free bytes in the heap the Wi-Fi driver allocates from.
# TYPE promcast_heap_free_bytes gauge
promcast_heap_free_bytes 40212
# HELP promcast_reset_reason Why the chip last reset (the reason label; 1 for the current boot).
# TYPE promcast_reset_reason gauge
promcast_reset_reason{reason="ChipPowerOn"} 1
"#;
    let body = render_to_string(Format::Text, &m);
    assert_eq!(body, text);
    check_metrics(&body).unwrap();
    let openmetrics = render_to_string(Format::OpenMetrics, &m);
    check_openmetrics(&openmetrics).unwrap();
}

#[test]
fn hostile_label_values_pass_the_parsers() {
    let hostname = "esp32 \"attic\"\\\nside";
    let pins = readme_pins(hostname, ["door \\\"front\"\n", "ë\\n 😀"]);
    let extras = [Extra {
        name: "esp_reset_reason",
        help: "Why the chip last reset: \"brownout\", \\ or\nwatchdog.",
        labels: &[("reason", "brown\"out\\\n"), ("core", "")],
        value: Value::F64(f64::NAN),
    }];
    let m = DeviceMetrics {
        info: DeviceInfo {
            hostname,
            mac: "\"",
            platform: "\\",
            unique_id: "\n",
        },
        build: BuildInfo {
            version: "1.0\"",
            revision: "\\\\\n\n",
        },
        extras: &extras,
        ..readme_metrics(&pins)
    };
    for format in [Format::Text, Format::OpenMetrics] {
        let body = render_to_string(format, &m);
        if let Err(e) = check(format, &body) {
            panic!("{format:?} body rejected:\n{e}\n{body}");
        }
        // The same body with one escape undone is refused: the parsers are really judging.
        let broken = body.replacen(r#"door \\\"front"#, r#"door \\"front"#, 1);
        assert_ne!(broken, body);
        assert!(check(format, &broken).is_err(), "{format:?}");
    }
}

#[test]
fn every_too_small_buffer_fails_cleanly() {
    let pins = readme_pins("esp32-gpiotest", ["left", "right"]);
    let readme = readme_metrics(&pins);
    let unclocked = unclocked_metrics(&UNCLOCKED_EXTRAS);
    for m in [readme, unclocked] {
        for format in [Format::Text, Format::OpenMetrics] {
            let full = render_to_string(format, &m);
            const JUNK: u8 = 0xaa;
            let mut buf = [JUNK; 8192];
            for size in 0..=full.len() {
                buf.fill(JUNK);
                let result = render(BufWriter::new(&mut buf[..size]), format, &m);
                if size < full.len() {
                    assert!(result.is_err(), "{format:?} fits in {size} bytes");
                } else {
                    assert_eq!(result.unwrap().as_str(), full);
                }
                // What was written is a prefix of the full body; nothing past `size` changed.
                let written = buf.iter().position(|&b| b == JUNK).unwrap();
                assert!(written <= size);
                assert_eq!(buf[..written], full.as_bytes()[..written]);
                assert!(buf[written..].iter().all(|&b| b == JUNK));
            }
        }
    }
}
