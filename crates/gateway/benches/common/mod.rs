//! Shared set-up for the benches: seed-format packets and a store populated with N series.
#![allow(dead_code, reason = "each bench binary uses a different subset")]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use promcast_core::decode;
use promcast_gateway::config::{Config, KindSpec};
use promcast_gateway::store::{Published, Store, View};

/// Sender of every bench packet, as on the benchmark rig (no `device` field, one IP).
pub const SRC: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Wall-clock time of the readings, Unix seconds.
pub const UNIX0: f64 = 1_763_750_000.25;

/// Packet `k` of `udpblast` with `n` sensors: the seed Pico's shape, byte for byte.
pub fn seed_packet(k: usize, n: usize) -> Vec<u8> {
    let id = k % n;
    format!(
        "{{\"type\": \"temperature\", \"name\": \"Sensor{id:05}Room\", \"sensor\": \"28-{id:012x}\", \"temperature\": {:.2}, \"offset\": 0.0}}",
        (k % 4000) as f64 / 100.0
    )
    .into_bytes()
}

/// The resolved default reading kinds.
pub fn kinds() -> Vec<KindSpec> {
    Config::default()
        .validate()
        .expect("default config is valid")
}

/// A store holding `n` temperature series from one sender, published.
pub fn store_with(n: usize) -> (Store, Published, Vec<KindSpec>) {
    let mut cfg = Config::default();
    cfg.series.max_series = cfg.series.max_series.max(n);
    cfg.series.max_series_per_device = n;
    let kinds = kinds();
    let published: Published = Arc::new(ArcSwap::from_pointee(View::default()));
    let mut store = Store::new(kinds.clone(), cfg.series, published.clone());
    for k in 0..n {
        let bytes = seed_packet(k, n);
        let packet = decode(&bytes).expect("seed packet decodes");
        let unix = UNIX0 + (k % 1000) as f64 / 1000.0;
        store
            .apply(&packet, SRC, unix, Duration::from_secs(1))
            .expect("series fits the limits");
    }
    store.publish();
    assert_eq!(store.len(), n);
    (store, published, kinds)
}
