//! Service discovery: the scrape targets devices announce in announce packets, served to
//! Prometheus at [`SD_PATH`] in its HTTP SD format (`http_sd_configs`), so devices that
//! serve their own `/metrics` are scraped without anyone listing them in `prometheus.yml`.
//!
//! One target group per device, sorted by device, `[]` when there is none:
//!
//! ```json
//! [{"targets":["10.0.0.5:10081"],"labels":{"__meta_promcast_hostname":"pi-hall","__metrics_path__":"/metrics","device":"pi-hall"}}]
//! ```
//!
//! `device` becomes a label of every series Prometheus scrapes from the target. The hostname
//! is only offered for relabelling (`__meta_*` labels are dropped after it): the devices' own
//! series already carry `hostname`, and a target label of that name would make Prometheus
//! rename theirs to `exported_hostname`. `__metrics_path__` is left out when the device
//! announced no path, so the scrape job's `metrics_path` applies.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::store::{AtomicF64, View, canonical_ip};

/// Where the gateway serves its scrape targets.
pub const SD_PATH: &str = "/sd/devices";

/// The label that offers a target's hostname for relabelling.
pub const HOSTNAME_LABEL: &str = "__meta_promcast_hostname";

/// Where to scrape a device that announced `port` in a datagram from `src`.
///
/// A datagram from the unspecified address (`0.0.0.0`, `::`) was sent from this host: Linux
/// sends multicast out of the loopback interface without a source address when the socket
/// chose the interface by index, because loopback addresses are host-scoped. Such a device
/// is reached at the loopback address.
pub fn target_address(src: IpAddr, port: u16) -> SocketAddr {
    let ip = match canonical_ip(src) {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, port)
}

/// A scrape target a device announced: where it serves its metrics.
#[derive(Debug)]
pub struct ScrapeTarget {
    /// The device (its id: the `device` of its packets, or its address).
    pub device: Arc<str>,
    /// The announce packet's source address with the announced port.
    pub address: SocketAddr,
    /// The announced path of its metrics, if any.
    pub path: Option<Box<str>>,
    /// The announced hostname.
    pub hostname: Box<str>,
    /// Unix time of the latest announcement.
    pub seen_unix: AtomicF64,
    seen_mono_ns: AtomicU64,
}

impl ScrapeTarget {
    /// A target announced at `unix` / `mono`.
    pub fn new(
        device: Arc<str>,
        address: SocketAddr,
        path: Option<&str>,
        hostname: &str,
        unix: f64,
        mono: Duration,
    ) -> Self {
        ScrapeTarget {
            device,
            address,
            path: path.map(Into::into),
            hostname: hostname.into(),
            seen_unix: AtomicF64::new(unix),
            seen_mono_ns: AtomicU64::new(mono.as_nanos() as u64),
        }
    }

    /// Whether it is the target `address`, `path`, `hostname` describe.
    pub fn is(&self, address: SocketAddr, path: Option<&str>, hostname: &str) -> bool {
        self.address == address && self.path.as_deref() == path && &*self.hostname == hostname
    }

    /// Announced again at `unix` / `mono`.
    pub fn seen(&self, unix: f64, mono: Duration) {
        self.seen_unix.set(unix);
        self.seen_mono_ns
            .store(mono.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Monotonic time of the latest announcement.
    pub fn seen_mono(&self) -> Duration {
        Duration::from_nanos(self.seen_mono_ns.load(Ordering::Relaxed))
    }
}

/// One target group of the HTTP SD format.
#[derive(Serialize)]
struct Group<'a> {
    targets: [String; 1],
    labels: BTreeMap<&'static str, &'a str>,
}

/// The scrape targets in `view` as Prometheus HTTP SD JSON (see the module documentation).
pub fn render(view: &View) -> String {
    let groups: Vec<Group<'_>> = view
        .targets
        .values()
        .map(|t| {
            let mut labels =
                BTreeMap::from([("device", &*t.device), (HOSTNAME_LABEL, &*t.hostname)]);
            if let Some(path) = &t.path {
                labels.insert("__metrics_path__", path);
            }
            Group {
                targets: [t.address.to_string()],
                labels,
            }
        })
        .collect();
    serde_json::to_string(&groups).expect("string keys and values always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_at_the_source_address() {
        for (src, want) in [
            ("10.0.0.5", "10.0.0.5:10081"),
            ("::ffff:10.0.0.5", "10.0.0.5:10081"),
            ("fd00::5", "[fd00::5]:10081"),
            // From this host, over the loopback interface.
            ("0.0.0.0", "127.0.0.1:10081"),
            ("::ffff:0.0.0.0", "127.0.0.1:10081"),
            ("::", "[::1]:10081"),
        ] {
            let src: IpAddr = src.parse().expect("address");
            assert_eq!(target_address(src, 10081).to_string(), want, "{src}");
        }
    }
}
