//! Expiry on the sweep timer, monotonic ages, sequence gaps, renames.

mod common;

use std::time::Duration;

use common::{Harness, config, sample, seed_packet};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_expire_after_the_ttl_on_the_sweep_timer() {
    let mut cfg = config();
    cfg.series.ttl = Duration::from_secs(60);
    cfg.series.sweep_interval = Duration::from_secs(1);
    let mut h = Harness::with_config(cfg).await;
    h.send(&seed_packet("Loft", "28-a", "9.0")).await;
    h.clock.advance(Duration::from_secs(30));
    h.gw.wait_for_sweeps(1).await;
    h.send(&seed_packet("Tank", "28-b", "4.0")).await;
    h.clock.advance(Duration::from_secs(31));
    h.gw.wait_for_sweeps(2).await;
    let body = h.scrape().await;
    assert_eq!(
        common::data_lines(&body),
        "# HELP temperature Temperatures
# TYPE temperature gauge
temperature{device=\"127.0.0.1\",friendly_name=\"Tank\",sensor_id=\"28-b\",sensor_name=\"Tank\"} 4.0
# HELP temperature_last_seen_timestamp Temperatures Last Seen Timestamp
# TYPE temperature_last_seen_timestamp gauge
temperature_last_seen_timestamp{device=\"127.0.0.1\",friendly_name=\"Tank\",sensor_id=\"28-b\",sensor_name=\"Tank\"} 1763750030.25
"
    );
    assert_eq!(
        sample(&body, "promcast_series_expired_total"),
        Some("1".into())
    );
    assert_eq!(sample(&body, "promcast_series_live"), Some("1".into()));
    assert_eq!(sample(&body, "promcast_devices_live"), Some("1".into()));

    h.clock.advance(Duration::from_secs(31));
    h.gw.wait_for_sweeps(3).await;
    let body = h.scrape().await;
    assert_eq!(common::data_lines(&body), "");
    assert_eq!(
        sample(&body, "promcast_series_expired_total"),
        Some("2".into())
    );
    assert_eq!(
        sample(&body, "promcast_devices_expired_total"),
        Some("1".into())
    );
    assert_eq!(sample(&body, "promcast_devices_live"), Some("0".into()));
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stepping_the_wall_clock_back_does_not_expire_anything() {
    let mut cfg = config();
    cfg.series.ttl = Duration::from_secs(60);
    cfg.series.sweep_interval = Duration::from_secs(1);
    let mut h = Harness::with_config(cfg).await;
    h.send(&seed_packet("Loft", "28-a", "9.0")).await;
    // NTP steps the clock back a day; ten real seconds pass.
    h.clock.set_unix_ms(common::T0_MS - 86_400_000);
    h.clock.advance(Duration::from_secs(10));
    h.gw.wait_for_sweeps(1).await;
    h.send(&seed_packet("Loft", "28-a", "9.5")).await;
    let body = h.scrape().await;
    assert_eq!(
        sample(&body, "promcast_series_expired_total"),
        Some("0".into())
    );
    assert_eq!(
        sample(
            &body,
            r#"temperature_last_seen_timestamp{device="127.0.0.1",friendly_name="Loft",sensor_id="28-a",sensor_name="Loft"}"#
        ),
        Some("1763663610.25".into())
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_gaps_and_restarts_are_counted_per_device() {
    let mut h = Harness::start().await;
    let p = |seq: u32| {
        format!(r#"{{"type": "temperature", "name": "Loft", "sensor": "28-a", "temperature": 1.0, "device": "pico-b", "seq": {seq}}}"#)
            .into_bytes()
    };
    for s in [1, 2, 5, 5, 9, 0, 1] {
        h.send(&p(s)).await;
    }
    let body = h.scrape().await;
    assert_eq!(
        sample(
            &body,
            r#"promcast_device_sequence_gaps_total{device="pico-b"}"#
        ),
        Some("5".into())
    );
    assert_eq!(
        sample(
            &body,
            r#"promcast_device_sequence_resets_total{device="pico-b"}"#
        ),
        Some("1".into())
    );
    assert_eq!(
        sample(&body, r#"promcast_device_packets_total{device="pico-b"}"#),
        Some("7".into())
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_probe_moves_its_series_and_same_names_on_two_devices_stay_apart() {
    let mut h = Harness::start().await;
    h.send(&seed_packet("Loft", "28-a", "9.0")).await;
    h.send(&seed_packet("AtticSpace", "28-a", "9.25")).await;
    h.send(br#"{"type": "temperature", "name": "AtticSpace", "sensor": "28-z", "temperature": 3.0, "device": "other"}"#)
        .await;
    assert_eq!(
        h.scrape_data().await,
        "# HELP temperature Temperatures
# TYPE temperature gauge
temperature{device=\"127.0.0.1\",friendly_name=\"Attic Space\",sensor_id=\"28-a\",sensor_name=\"AtticSpace\"} 9.25
temperature{device=\"other\",friendly_name=\"Attic Space\",sensor_id=\"28-z\",sensor_name=\"AtticSpace\"} 3.0
# HELP temperature_last_seen_timestamp Temperatures Last Seen Timestamp
# TYPE temperature_last_seen_timestamp gauge
temperature_last_seen_timestamp{device=\"127.0.0.1\",friendly_name=\"Attic Space\",sensor_id=\"28-a\",sensor_name=\"AtticSpace\"} 1763750000.25
temperature_last_seen_timestamp{device=\"other\",friendly_name=\"Attic Space\",sensor_id=\"28-z\",sensor_name=\"AtticSpace\"} 1763750000.25
"
    );
    h.gw.stop().await.expect("stops");
}
