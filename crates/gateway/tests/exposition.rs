//! Whole-body exposition tests: seed packets in, exact text out, in every format variant.

mod common;

use std::io::Read;

use common::{Harness, PROMETHEUS_ACCEPT, seed_packet};
use promcast_gateway::render::BuildInfo;

const OLD_SEED: &[u8] =
    br#"{"name": "Loft", "sensor": "28-000005e2aaaa", "temperature": 9.5, "offset": 0.0}"#;
const STATUS: &[u8] = br#"{"type": "status", "name": "pico-loft", "status": "API 200 OK"}"#;
const NAMED: &[u8] = br#"{"type": "temperature", "name": "Loft", "sensor": "28-0000000000b1", "temperature": -1.25, "offset": 0.5, "device": "pico-b", "seq": 7}"#;

async fn seeded() -> Harness {
    let mut h = Harness::start().await;
    let tank = seed_packet("ColdWaterTank", "28-000005e2fdc3", "4.3125");
    h.send_all(&[&tank, OLD_SEED, STATUS, NAMED]).await;
    h
}

fn expected_text() -> String {
    let rev = BuildInfo::current().revision;
    format!(
        r#"# HELP temperature Temperatures
# TYPE temperature gauge
temperature{{device="127.0.0.1",friendly_name="Cold Water Tank",sensor_id="28-000005e2fdc3",sensor_name="ColdWaterTank"}} 4.3125
temperature{{device="127.0.0.1",friendly_name="Loft",sensor_id="28-000005e2aaaa",sensor_name="Loft"}} 9.5
temperature{{device="pico-b",friendly_name="Loft",sensor_id="28-0000000000b1",sensor_name="Loft"}} -1.25
# HELP temperature_last_seen_timestamp Temperatures Last Seen Timestamp
# TYPE temperature_last_seen_timestamp gauge
temperature_last_seen_timestamp{{device="127.0.0.1",friendly_name="Cold Water Tank",sensor_id="28-000005e2fdc3",sensor_name="ColdWaterTank"}} 1763750000.25
temperature_last_seen_timestamp{{device="127.0.0.1",friendly_name="Loft",sensor_id="28-000005e2aaaa",sensor_name="Loft"}} 1763750000.25
temperature_last_seen_timestamp{{device="pico-b",friendly_name="Loft",sensor_id="28-0000000000b1",sensor_name="Loft"}} 1763750000.25
# HELP promcast_device_last_seen_timestamp_seconds Unix time of the latest packet accepted from the device.
# TYPE promcast_device_last_seen_timestamp_seconds gauge
promcast_device_last_seen_timestamp_seconds{{device="127.0.0.1"}} 1763750000.25
promcast_device_last_seen_timestamp_seconds{{device="pico-b"}} 1763750000.25
# HELP promcast_device_packets_total Packets accepted from the device.
# TYPE promcast_device_packets_total counter
promcast_device_packets_total{{device="127.0.0.1"}} 3
promcast_device_packets_total{{device="pico-b"}} 1
# HELP promcast_device_series Live series of the device.
# TYPE promcast_device_series gauge
promcast_device_series{{device="127.0.0.1"}} 2
promcast_device_series{{device="pico-b"}} 1
# HELP promcast_device_status_info Latest status the device reported in a status packet.
# TYPE promcast_device_status_info gauge
promcast_device_status_info{{device="127.0.0.1",name="pico-loft",status="API 200 OK"}} 1
# HELP promcast_device_status_timestamp_seconds Unix time of the latest status packet from the device.
# TYPE promcast_device_status_timestamp_seconds gauge
promcast_device_status_timestamp_seconds{{device="127.0.0.1"}} 1763750000.25
# HELP promcast_device_sequence_gaps_total Packets missed from the device, judged by gaps in its sequence numbers.
# TYPE promcast_device_sequence_gaps_total counter
promcast_device_sequence_gaps_total{{device="pico-b"}} 0
# HELP promcast_device_sequence_resets_total Times the device's sequence number went backwards (a restart).
# TYPE promcast_device_sequence_resets_total counter
promcast_device_sequence_resets_total{{device="pico-b"}} 0
# HELP promcast_packets_received_total Datagrams received.
# TYPE promcast_packets_received_total counter
promcast_packets_received_total 4
# HELP promcast_packets_rejected_total Datagrams rejected, by reason.
# TYPE promcast_packets_rejected_total counter
promcast_packets_rejected_total{{reason="truncated"}} 0
promcast_packets_rejected_total{{reason="invalid_utf8"}} 0
promcast_packets_rejected_total{{reason="malformed_json"}} 0
promcast_packets_rejected_total{{reason="missing_field"}} 0
promcast_packets_rejected_total{{reason="wrong_type"}} 0
promcast_packets_rejected_total{{reason="duplicate_field"}} 0
promcast_packets_rejected_total{{reason="invalid_value"}} 0
promcast_packets_rejected_total{{reason="too_long"}} 0
promcast_packets_rejected_total{{reason="invalid_kind"}} 0
promcast_packets_rejected_total{{reason="unsupported_type"}} 0
promcast_packets_rejected_total{{reason="unknown_kind"}} 0
promcast_packets_rejected_total{{reason="series_limit"}} 0
promcast_packets_rejected_total{{reason="device_series_limit"}} 0
promcast_packets_rejected_total{{reason="device_limit"}} 0
promcast_packets_rejected_total{{reason="out_of_order"}} 0
# HELP promcast_series_live Series currently exposed.
# TYPE promcast_series_live gauge
promcast_series_live 3
# HELP promcast_series_expired_total Series removed after the ttl passed without a reading.
# TYPE promcast_series_expired_total counter
promcast_series_expired_total 0
# HELP promcast_devices_live Devices currently known.
# TYPE promcast_devices_live gauge
promcast_devices_live 2
# HELP promcast_devices_expired_total Devices removed after the ttl passed without a packet.
# TYPE promcast_devices_expired_total counter
promcast_devices_expired_total 0
# HELP promcast_sd_targets Scrape targets devices announced, served for Prometheus service discovery.
# TYPE promcast_sd_targets gauge
promcast_sd_targets 0
# HELP promcast_build_info promcast build information.
# TYPE promcast_build_info gauge
promcast_build_info{{revision="{rev}",version="{ver}"}} 1
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1763750000.25
"#,
        ver = env!("CARGO_PKG_VERSION"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_packets_render_exactly_in_text_format() {
    let h = seeded().await;
    assert_eq!(h.scrape().await, expected_text());
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_style_accept_gets_text_and_prometheus_accept_gets_openmetrics() {
    let h = seeded().await;
    let r = h.get("/metrics", &[("Accept", "*/*")]).await;
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(r.text(), expected_text());

    let r = h.get("/metrics", &[("Accept", PROMETHEUS_ACCEPT)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let om = r.text().to_owned();
    assert_eq!(om, expected_openmetrics(), "OpenMetrics body");
    h.gw.stop().await.expect("stops");
}

/// The OpenMetrics body differs from the text one only where the formats differ: counter and
/// info metadata name the family, metadata comes in the order TYPE, UNIT, HELP,
/// seconds-suffixed families carry a UNIT, and `# EOF` ends the body.
fn expected_openmetrics() -> String {
    let mut out = String::new();
    let mut help = None;
    for line in expected_text().lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (_, text) = rest.split_once(' ').expect("HELP line");
            help = Some(text.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').expect("TYPE line");
            let (family, ty) = match ty {
                "counter" => (
                    name.strip_suffix("_total").expect("counter name"),
                    "counter",
                ),
                "gauge" if name.ends_with("_info") => {
                    (name.strip_suffix("_info").expect("info"), "info")
                }
                other => (name, other),
            };
            out.push_str(&format!("# TYPE {family} {ty}\n"));
            if family.ends_with("_seconds") {
                out.push_str(&format!("# UNIT {family} seconds\n"));
            }
            out.push_str(&format!(
                "# HELP {family} {}\n",
                help.take().expect("HELP before TYPE")
            ));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("# EOF\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_is_served_when_asked_and_decodes_to_the_same_body() {
    let h = seeded().await;
    let r = h.get("/metrics", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut plain)
        .expect("valid gzip");
    assert_eq!(plain, expected_text());

    let r = h
        .get("/metrics", &[("Accept-Encoding", "gzip;q=0, identity")])
        .await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.text(), expected_text());
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_variant_passes_promtool() {
    let mut h = seeded().await;
    // Names that need escaping, from a device whose name needs escaping too.
    h.send_all(&[
        br#"{"type": "temperature", "name": "Back\"slash\\Quote\nNew", "sensor": "28-e5c", "temperature": 1.0, "device": "dev \"x\"\\"}"#,
        br#"{"type": "status", "name": "n", "status": "line1\nline2 \"q\" \\", "device": "dev \"x\"\\"}"#,
        br#"{"type": "humidity", "name": "Bathroom", "humidity": 61.5, "unit": "percent"}"#,
    ])
    .await;
    let text = h.scrape().await;
    assert_eq!(
        common::sample(
            &text,
            r#"temperature{device="dev \"x\"\\",friendly_name="Back\"slash\\ Quote New",sensor_id="28-e5c",sensor_name="Back\"slash\\QuoteNew"}"#
        ),
        Some("1.0".into())
    );
    testkit::promtool::check_metrics(&text).expect("text format passes promtool");

    let om = h
        .get("/metrics", &[("Accept", PROMETHEUS_ACCEPT)])
        .await
        .text()
        .to_owned();
    testkit::promtool::check_openmetrics(&om).expect("OpenMetrics passes");

    let gz = h.get("/metrics", &[("Accept-Encoding", "gzip")]).await;
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut plain)
        .expect("gzip");
    testkit::promtool::check_metrics(&plain).expect("gzip body passes promtool");

    let omgz = h
        .get(
            "/metrics",
            &[("Accept", PROMETHEUS_ACCEPT), ("Accept-Encoding", "gzip")],
        )
        .await;
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&omgz.body[..])
        .read_to_string(&mut plain)
        .expect("gzip");
    assert_eq!(plain, om);
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_gateway_passes_promtool() {
    let h = Harness::start().await;
    let text = h.scrape().await;
    assert_eq!(common::data_lines(&text), "");
    testkit::promtool::check_metrics(&text).expect("empty body passes promtool");
    let om = h
        .get("/metrics", &[("Accept", PROMETHEUS_ACCEPT)])
        .await
        .text()
        .to_owned();
    testkit::promtool::check_openmetrics(&om).expect("OpenMetrics passes");
    h.gw.stop().await.expect("stops");
}

/// A body big enough to be rendered in parts on several threads goes out whole, with a
/// `Content-Length`, byte for byte the body a single render writes; gzip too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_rendered_in_parts_is_sent_whole_with_its_length() {
    let n = promcast_gateway::render::PARALLEL_MIN_SAMPLES / 2 + 500;
    let mut cfg = common::config();
    cfg.series.max_series = n;
    cfg.series.max_series_per_device = n;
    let mut h = Harness::with_config(cfg).await;
    let packets: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            seed_packet(
                &format!("Room{i:05}"),
                &format!("28-{i:012x}"),
                &format!("{}.5", i % 40),
            )
        })
        .collect();
    // In runs small enough for the socket buffer.
    for run in packets.chunks(50) {
        let run: Vec<&[u8]> = run.iter().map(Vec::as_slice).collect();
        h.send_all(&run).await;
    }
    let labels = |i: usize| {
        format!(
            r#"{{device="127.0.0.1",friendly_name="Room{i:05}",sensor_id="28-{i:012x}",sensor_name="Room{i:05}"}}"#
        )
    };
    let mut expected = String::from("# HELP temperature Temperatures\n# TYPE temperature gauge\n");
    for i in 0..n {
        expected += &format!("temperature{} {}.5\n", labels(i), i % 40);
    }
    expected += "# HELP temperature_last_seen_timestamp Temperatures Last Seen Timestamp\n\
                 # TYPE temperature_last_seen_timestamp gauge\n";
    for i in 0..n {
        expected += &format!(
            "temperature_last_seen_timestamp{} 1763750000.25\n",
            labels(i)
        );
    }

    let r = h.get("/metrics", &[]).await;
    assert_eq!(r.status, 200);
    let length = r.body.len().to_string();
    assert_eq!(r.header("content-length"), Some(length.as_str()));
    assert_eq!(r.header("transfer-encoding"), None);
    let text = r.text().to_owned();
    assert_eq!(common::data_lines(&text), expected);
    testkit::promtool::check_metrics(&text).expect("passes promtool");

    let gz = h.get("/metrics", &[("Accept-Encoding", "gzip")]).await;
    let length = gz.body.len().to_string();
    assert_eq!(gz.header("content-length"), Some(length.as_str()));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut plain)
        .expect("valid gzip");
    assert_eq!(plain, text);
    h.gw.stop().await.expect("stops");
}
