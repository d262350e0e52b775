//! Bad input is a counted rejection or a correctly escaped series, never a crash, and good
//! packets interleaved with the bad ones still land.

mod common;

use common::{Harness, config, rejected, sample};

fn good(i: usize) -> Vec<u8> {
    format!(r#"{{"type": "temperature", "name": "Good{i}", "sensor": "28-good{i:04}", "temperature": {i}.5, "offset": 0.0}}"#)
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_packets_are_counted_by_reason_and_good_ones_still_land() {
    let mut h = Harness::start().await;
    let oversize = format!(
        r#"{{"name": "x", "temperature": 1.0, "pad": "{}"}}"#,
        "a".repeat(3000)
    );
    let long_name = format!(
        r#"{{"type": "temperature", "name": "{}", "temperature": 1.0}}"#,
        "N".repeat(600)
    );
    let bad: Vec<(&str, Vec<u8>)> = vec![
        (
            "malformed_json",
            br#"{"type": "temperature", "name": "#.to_vec(),
        ),
        (
            "invalid_utf8",
            b"{\"name\": \"\xff\xfe\", \"temperature\": 1.0}".to_vec(),
        ),
        ("truncated", oversize.into_bytes()),
        (
            "invalid_value",
            br#"{"name": "A", "temperature": NaN}"#.to_vec(),
        ),
        (
            "invalid_value",
            br#"{"name": "A", "temperature": Infinity}"#.to_vec(),
        ),
        (
            "invalid_value",
            br#"{"name": "A", "temperature": -Infinity}"#.to_vec(),
        ),
        (
            "invalid_value",
            br#"{"name": "A", "temperature": 1e400}"#.to_vec(),
        ),
        (
            "wrong_type",
            br#"{"name": "A", "temperature": "4.5"}"#.to_vec(),
        ),
        ("wrong_type", br#"{"name": 5, "temperature": 4.5}"#.to_vec()),
        (
            "wrong_type",
            br#"{"name": "A", "temperature": null}"#.to_vec(),
        ),
        ("missing_field", br#"{"temperature": 4.5}"#.to_vec()),
        (
            "missing_field",
            br#"{"type": "temperature", "name": "A"}"#.to_vec(),
        ),
        (
            "missing_field",
            br#"{"type": "status", "name": "x"}"#.to_vec(),
        ),
        (
            "unknown_kind",
            br#"{"type": "radiation", "name": "A", "radiation": 1.0}"#.to_vec(),
        ),
        (
            "invalid_kind",
            br#"{"type": "Temp!", "name": "A", "Temp!": 1.0}"#.to_vec(),
        ),
        ("malformed_json", b"[1, 2]".to_vec()),
        ("malformed_json", b"".to_vec()),
        (
            "malformed_json",
            br#"{"name": "A", "temperature": 1.0} trailing"#.to_vec(),
        ),
        (
            "duplicate_field",
            br#"{"name": "A", "name": "B", "temperature": 1.0}"#.to_vec(),
        ),
        ("too_long", long_name.into_bytes()),
        (
            "invalid_value",
            br#"{"name": "A", "temperature": 1.0, "seq": -1}"#.to_vec(),
        ),
    ];
    let mut datagrams: Vec<Vec<u8>> = Vec::new();
    for (i, (_, b)) in bad.iter().enumerate() {
        datagrams.push(good(i));
        datagrams.push(b.clone());
    }
    datagrams.push(good(bad.len()));
    let refs: Vec<&[u8]> = datagrams.iter().map(Vec::as_slice).collect();
    h.send_all(&refs).await;

    let body = h.scrape().await;
    for i in 0..=bad.len() {
        let series = format!(
            r#"temperature{{device="127.0.0.1",friendly_name="Good{i}",sensor_id="28-good{i:04}",sensor_name="Good{i}"}}"#
        );
        assert_eq!(
            sample(&body, &series),
            Some(format!("{i}.5")),
            "good packet {i} landed"
        );
    }
    let mut want = std::collections::BTreeMap::<&str, u64>::new();
    for (reason, _) in &bad {
        *want.entry(reason).or_default() += 1;
    }
    for reason in promcast_gateway::telemetry::reasons() {
        assert_eq!(
            rejected(&body, reason),
            want.get(reason).copied().unwrap_or(0),
            "rejections for {reason}"
        );
    }
    assert_eq!(
        sample(&body, "promcast_packets_received_total"),
        Some(datagrams.len().to_string())
    );
    assert_eq!(
        sample(&body, "promcast_series_live"),
        Some((bad.len() + 1).to_string())
    );
    testkit::promtool::check_metrics(&body).expect("scrape stays valid");
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_kilobyte_name_is_too_long_even_when_the_datagram_fits() {
    let mut cfg = config();
    cfg.udp.max_datagram_bytes = 16_384;
    let mut h = Harness::with_config(cfg).await;
    let huge = format!(
        r#"{{"type": "temperature", "name": "{}", "temperature": 1.0}}"#,
        "x".repeat(10_240)
    );
    h.send_all(&[&huge.into_bytes(), &good(1)]).await;
    let body = h.scrape().await;
    assert_eq!(rejected(&body, "too_long"), 1);
    assert_eq!(rejected(&body, "truncated"), 0);
    assert_eq!(sample(&body, "promcast_series_live"), Some("1".into()));
    testkit::promtool::check_metrics(&body).expect("valid");
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unique_names_is_capped_per_device_and_in_total() {
    let mut cfg = config();
    cfg.series.max_series_per_device = 50;
    cfg.series.max_series = 120;
    cfg.series.max_devices = 5;
    let mut h = Harness::with_config(cfg).await;
    let flood: Vec<Vec<u8>> = (0..200)
        .map(|i| format!(r#"{{"name": "Flood{i}", "temperature": 1.0}}"#).into_bytes())
        .collect();
    let refs: Vec<&[u8]> = flood.iter().map(Vec::as_slice).collect();
    h.send_all(&refs).await;
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_series_live"), Some("50".into()));
    assert_eq!(rejected(&body, "device_series_limit"), 150);

    // Two more devices: 50 + 50 + 20 reach the total cap of 120.
    let more: Vec<Vec<u8>> = ["d1", "d2"]
        .iter()
        .flat_map(|d| {
            (0..50).map(move |i| {
                format!(r#"{{"name": "F{i}", "temperature": 2.0, "device": "{d}"}}"#).into_bytes()
            })
        })
        .collect();
    let refs: Vec<&[u8]> = more.iter().map(Vec::as_slice).collect();
    h.send_all(&refs).await;
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_series_live"), Some("120".into()));
    assert_eq!(rejected(&body, "series_limit"), 30);

    // Devices are capped too (three exist; two more fit).
    let devs: Vec<Vec<u8>> = (0..6)
        .map(|i| {
            format!(r#"{{"type": "status", "name": "n", "status": "up", "device": "extra{i}"}}"#)
                .into_bytes()
        })
        .collect();
    let refs: Vec<&[u8]> = devs.iter().map(Vec::as_slice).collect();
    h.send_all(&refs).await;
    let body = h.scrape().await;
    assert_eq!(sample(&body, "promcast_devices_live"), Some("5".into()));
    assert_eq!(rejected(&body, "device_limit"), 4);
    testkit::promtool::check_metrics(&body).expect("valid");
    h.gw.stop().await.expect("stops");
}
