//! Internal events: each notable event is counted here and logged (rate-limited) in one place.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use promcast_core::DecodeError;

use crate::discovery::ScrapeTarget;
use crate::store::Swept;

/// Why a datagram was not turned into data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// Larger than `udp.max_datagram_bytes`.
    Truncated,
    /// Not a valid packet.
    Decode(DecodeError),
    /// A reading kind with no metric mapping.
    UnknownKind,
    /// The global series cap is reached.
    SeriesLimit,
    /// The device's series cap is reached.
    DeviceSeriesLimit,
    /// The device cap is reached.
    DeviceLimit,
    /// A contact packet older than the state already held (reordered in transit).
    OutOfOrder,
}

/// Every rejection reason, in exposition order.
pub fn reasons() -> impl Iterator<Item = &'static str> {
    ["truncated"]
        .into_iter()
        .chain(DecodeError::REASONS.iter().copied())
        .chain([
            "unknown_kind",
            "series_limit",
            "device_series_limit",
            "device_limit",
            "out_of_order",
        ])
}

impl Reject {
    /// The `reason` label.
    pub fn reason(&self) -> &'static str {
        match self {
            Reject::Truncated => "truncated",
            Reject::Decode(e) => e.reason(),
            Reject::UnknownKind => "unknown_kind",
            Reject::SeriesLimit => "series_limit",
            Reject::DeviceSeriesLimit => "device_series_limit",
            Reject::DeviceLimit => "device_limit",
            Reject::OutOfOrder => "out_of_order",
        }
    }
}

/// Counters shared between the ingest thread and scrapes.
#[derive(Debug)]
pub struct Telemetry {
    /// Datagrams received.
    pub received: AtomicU64,
    rejected: Vec<(&'static str, AtomicU64)>,
    /// Series removed by the expiry sweep.
    pub series_expired: AtomicU64,
    /// Devices removed by the expiry sweep.
    pub devices_expired: AtomicU64,
    /// Expiry sweeps run.
    pub sweeps: AtomicU64,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            received: AtomicU64::new(0),
            rejected: reasons().map(|r| (r, AtomicU64::new(0))).collect(),
            series_expired: AtomicU64::new(0),
            devices_expired: AtomicU64::new(0),
            sweeps: AtomicU64::new(0),
        }
    }
}

impl Telemetry {
    /// Count one rejection.
    pub fn count_reject(&self, reason: &str) {
        if let Some((_, c)) = self.rejected.iter().find(|(r, _)| *r == reason) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
    /// Rejections by reason, every reason listed.
    pub fn rejected(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.rejected
            .iter()
            .map(|(r, c)| (*r, c.load(Ordering::Relaxed)))
    }
    /// Total rejections.
    pub fn rejected_total(&self) -> u64 {
        self.rejected().map(|(_, n)| n).sum()
    }
}

/// Most rejection log lines per window.
const LOG_BURST: u32 = 10;
/// Length of a rejection-log window.
const LOG_WINDOW: Duration = Duration::from_secs(10);

/// The ingest thread's event sink: counts every event, logs a bounded number of them.
#[derive(Debug)]
pub struct Events {
    window_start: Duration,
    logged: u32,
    suppressed: u64,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            window_start: Duration::ZERO,
            logged: 0,
            suppressed: 0,
        }
    }
}

impl Events {
    /// A datagram was rejected.
    pub fn rejected(&mut self, t: &Telemetry, now: Duration, why: Reject, from: SocketAddr) {
        t.count_reject(why.reason());
        if self.allow(now) {
            match why {
                Reject::Decode(e) => {
                    tracing::warn!(reason = why.reason(), %from, error = %e, "packet rejected")
                }
                _ => tracing::warn!(reason = why.reason(), %from, "packet rejected"),
            }
        }
    }

    /// A device sent a status packet.
    pub fn status(
        &self,
        device: &str,
        name: &dyn std::fmt::Display,
        status: &dyn std::fmt::Display,
    ) {
        tracing::info!(device, %name, %status, "device status");
    }

    /// A device announced a new scrape target, or moved its old one.
    pub fn announced(&self, target: &ScrapeTarget) {
        tracing::info!(
            device = &*target.device,
            hostname = &*target.hostname,
            address = %target.address,
            path = target.path.as_deref(),
            "scrape target announced"
        );
    }

    /// Series, devices and scrape targets expired in one sweep.
    pub fn expired(&self, t: &Telemetry, swept: Swept) {
        let Swept {
            series,
            devices,
            targets,
        } = swept;
        t.sweeps.fetch_add(1, Ordering::Relaxed);
        t.series_expired.fetch_add(series, Ordering::Relaxed);
        t.devices_expired.fetch_add(devices, Ordering::Relaxed);
        if series > 0 || devices > 0 || targets > 0 {
            tracing::info!(
                series,
                devices,
                targets,
                "expired entries not heard from within the ttl"
            );
        }
    }

    fn allow(&mut self, now: Duration) -> bool {
        if now.saturating_sub(self.window_start) >= LOG_WINDOW {
            if self.suppressed > 0 {
                tracing::warn!(
                    suppressed = self.suppressed,
                    "further rejections were not logged"
                );
            }
            self.window_start = now;
            self.logged = 0;
            self.suppressed = 0;
        }
        if self.logged < LOG_BURST {
            self.logged += 1;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }
}
