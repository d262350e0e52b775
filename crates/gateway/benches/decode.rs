//! Packet decode and encode, and the per-packet ingest path (decode plus `Store::apply` on a
//! known series) with 10k and 100k live series.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use promcast_core::{Body, Packet, Reading, Text, decode, encode};

mod common;

/// Seed packet with `type` (current Pico firmware).
const SEED: &[u8] = br#"{"type": "temperature", "name": "Sensor00042Room", "sensor": "28-00000000002a", "temperature": 21.5, "offset": 0.0}"#;
/// Seed packet without `type` (firmware from before it existed).
const SEED_NO_TYPE: &[u8] =
    br#"{"name": "Sensor00042Room", "sensor": "28-00000000002a", "temperature": 21.5, "offset": 0.0}"#;
/// Seed status packet.
const STATUS: &[u8] = br#"{"type": "status", "name": "pico-kitchen", "status": "API 200 OK"}"#;

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (name, bytes) in [
        ("seed", SEED),
        ("seed_no_type", SEED_NO_TYPE),
        ("status", STATUS),
    ] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| b.iter(|| decode(black_box(bytes))));
    }
    g.finish();

    let mut g = c.benchmark_group("encode_packet");
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let reading = Reading {
        sensor: Some(Text::Plain("28-00000000002a")),
        offset: Some(0.0),
        ..Reading::new("temperature", Text::Plain("Sensor00042Room"), 21.5)
    };
    let packet = Packet::new(Body::Reading(reading));
    let mut buf = [0u8; 512];
    g.throughput(Throughput::Elements(1));
    g.bench_function("seed", |b| b.iter(|| encode(black_box(&packet), &mut buf)));
    g.finish();
}

/// decode + `Store::apply` of a reading for a series that already exists, cycling through all
/// `n` series in the order `udpblast` sends them (so the index is as cold as in the daemon).
fn ingest(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest_known_series");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for n in [10_000, 100_000] {
        let (mut store, _published, _kinds) = common::store_with(n);
        let packets: Vec<Vec<u8>> = (0..n).map(|k| common::seed_packet(k + 7, n)).collect();
        let mut k = 0;
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{n}"), |b| {
            b.iter(|| {
                let bytes = &packets[k];
                k = if k + 1 == n { 0 } else { k + 1 };
                let p = decode(bytes).expect("seed packet decodes");
                store.apply(&p, common::SRC, common::UNIX0, Duration::from_secs(2))
            })
        });
        assert_eq!(store.len(), n, "no series was created");
    }
    g.finish();
}

criterion_group!(benches, codec, ingest);
criterion_main!(benches);
