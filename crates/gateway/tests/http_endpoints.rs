//! Landing page, health endpoints, unknown paths, a custom metrics path.

mod common;

use common::{Harness, config, seed_packet};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_lists_devices_and_sensors_with_value_and_age() {
    let mut h = Harness::start().await;
    h.send(&seed_packet("ColdWaterTank", "28-000005e2fdc3", "4.3125"))
        .await;
    h.send(
        br#"{"type": "status", "name": "pico-<loft>", "status": "API 200 OK", "device": "pico-b"}"#,
    )
    .await;
    h.clock.advance(std::time::Duration::from_millis(2500));
    let r = h.get("/", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let page = r.text().to_owned();
    let section = |start: &str| -> String {
        let from = page.find(start).expect("section present");
        let rest = &page[from..];
        rest[..rest.find("</table>").expect("table end")].to_owned()
    };
    assert_eq!(
        section("<h2>Devices</h2>"),
        "<h2>Devices</h2>\n<table><tr><th>Device</th><th>Last packet</th><th>Packets</th><th>Series</th><th>Status</th></tr>\n\
<tr><td>127.0.0.1</td><td class=\"n\">2.5&nbsp;s ago</td><td class=\"n\">1</td><td class=\"n\">1</td><td></td></tr>\n\
<tr><td>pico-b</td><td class=\"n\">2.5&nbsp;s ago</td><td class=\"n\">1</td><td class=\"n\">0</td><td>API 200 OK (pico-&lt;loft&gt;: 2.5&nbsp;s ago)</td></tr>\n"
    );
    assert_eq!(
        section("<h2>Sensors</h2>"),
        "<h2>Sensors</h2>\n<table><tr><th>Device</th><th>Kind</th><th>Name</th><th>Sensor id</th><th>Value</th><th>Last reading</th></tr>\n\
<tr><td>127.0.0.1</td><td>temperature</td><td>ColdWaterTank</td><td>28-000005e2fdc3</td><td class=\"n\">4.3125 </td><td class=\"n\">2.5&nbsp;s ago</td></tr>\n"
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_unknown_paths() {
    let h = Harness::start().await;
    let r = h.get("/-/healthy", &[]).await;
    assert_eq!((r.status, r.text()), (200, "Healthy.\n"));
    let r = h.get("/-/ready", &[]).await;
    assert_eq!((r.status, r.text()), (200, "Ready.\n"));
    let r = h.get("/nope", &[]).await;
    assert_eq!(
        (r.status, r.text()),
        (404, "Not found. Try / or the metrics path.\n")
    );
    h.gw.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telemetry_path_is_configurable() {
    let mut cfg = config();
    cfg.web.telemetry_path = "/sensors/metrics".into();
    let h = Harness::with_config(cfg).await;
    assert_eq!(h.get("/sensors/metrics", &[]).await.status, 200);
    assert_eq!(h.get("/metrics", &[]).await.status, 404);
    h.gw.stop().await.expect("stops");
}
