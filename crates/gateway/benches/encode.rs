//! Rendering the whole exposition with 10k and 100k series, in text and OpenMetrics, the
//! scrape body as served (in parts on every processor, plain and gzip), and the same two
//! families rendered by the `prometheus-client` crate for comparison.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use promcast_core::expo::Format;
use promcast_gateway::clock::ManualClock;
use promcast_gateway::http::AppState;
use promcast_gateway::render::{BuildInfo, Context, render};
use promcast_gateway::telemetry::Telemetry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

mod common;

/// The gateway's label set of a reading series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    device: String,
    friendly_name: String,
    sensor_id: String,
    sensor_name: String,
}

/// A `prometheus-client` registry with the gateway's two temperature families, same label
/// values and same values as the store.
fn client_registry(state: &AppState) -> Registry {
    let value = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    let seen = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    let view = state.published.load();
    for series in view.kinds.iter().flat_map(|k| k.values()) {
        let labels = Labels {
            device: series.device.id.to_string(),
            friendly_name: promcast_core::names::friendly_name_chars(series.name.chars()).collect(),
            sensor_id: series.sensor.as_deref().unwrap_or("").to_owned(),
            sensor_name: promcast_core::names::sensor_name_chars(series.name.chars()).collect(),
        };
        value.get_or_create(&labels).set(series.value.get());
        seen.get_or_create(&labels).set(series.seen_unix.get());
    }
    let mut registry = Registry::default();
    registry.register("temperature", "Temperatures", value);
    registry.register(
        "temperature_last_seen_timestamp",
        "Temperatures Last Seen Timestamp",
        seen,
    );
    registry
}

/// Sample lines of the two temperature families.
fn sample_lines(body: &str) -> usize {
    body.lines()
        .filter(|l| l.starts_with("temperature"))
        .count()
}

fn render_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for n in [10_000, 100_000] {
        let (_store, published, kinds) = common::store_with(n);
        let telemetry = Arc::new(Telemetry::default());
        let state = AppState::new(
            published.clone(),
            telemetry.clone(),
            kinds.clone(),
            common::UNIX0,
            Arc::new(ManualClock::new(1_763_750_000_250)),
            "/metrics".into(),
            Arc::new(AtomicBool::new(true)),
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("promcast_text/{n}"), |b| {
            b.iter(|| black_box(state.render(Format::Text)))
        });
        g.bench_function(format!("promcast_openmetrics/{n}"), |b| {
            b.iter(|| black_box(state.render(Format::OpenMetrics)))
        });
        // What a scrape does: parts on every processor, reused buffers; gzip as Prometheus
        // asks for it.
        g.bench_function(format!("scrape_body_text/{n}"), |b| {
            b.iter(|| black_box(state.body(Format::Text, false).expect("renders")))
        });
        g.bench_function(format!("scrape_body_gzip/{n}"), |b| {
            b.iter(|| black_box(state.body(Format::Text, true).expect("renders")))
        });
        // The same render into a buffer that is reused (already sized and paged in), to tell
        // the renderer's own cost apart from allocating a fresh body per scrape.
        let build = BuildInfo::current();
        let mut buf = String::new();
        g.bench_function(format!("promcast_text_reused_buffer/{n}"), |b| {
            b.iter(|| {
                buf.clear();
                let view = published.load();
                let cx = Context {
                    kinds: &kinds,
                    telemetry: &telemetry,
                    build: &build,
                    start_unix: common::UNIX0,
                    mono: Duration::from_secs(2),
                };
                render(&mut buf, &view, &cx, Format::Text).expect("renders");
                black_box(buf.len())
            })
        });
        let registry = client_registry(&state);
        let mut check = String::new();
        prometheus_client::encoding::text::encode(&mut check, &registry).expect("encodes");
        let ours = state.render(Format::OpenMetrics);
        assert_eq!(
            sample_lines(&check),
            sample_lines(&ours),
            "both render the same samples"
        );
        let mut last_len = 0;
        g.bench_function(format!("prometheus_client/{n}"), |b| {
            b.iter(|| {
                // Sized from the previous body, as AppState::render does.
                let mut out = String::with_capacity(last_len + last_len / 8 + 4096);
                prometheus_client::encoding::text::encode(&mut out, &registry).expect("encodes");
                last_len = out.len();
                black_box(out)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, render_bench);
criterion_main!(benches);
