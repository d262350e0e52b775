//! Renders the exposition from a published [`View`] and the counters. Pure: no I/O, no locks
//! the ingest thread waits on.

use std::fmt::{self, Write};
use std::sync::atomic::Ordering;

use promcast_core::device::{PinReport, write_pin_families};
use promcast_core::expo::{Encoder, Family, Format, MetricType, Value};

use crate::config::KindSpec;
use crate::store::View;
use crate::telemetry::Telemetry;

/// Every family name the gateway itself writes (sample names included), so reading kinds
/// cannot be configured onto them.
pub const SELF_FAMILIES: &[&str] = &[
    "promcast_device_last_seen_timestamp_seconds",
    "promcast_device_packets_total",
    "promcast_device_series",
    "promcast_device_status_info",
    "promcast_device_status_timestamp_seconds",
    "promcast_device_sequence_gaps_total",
    "promcast_device_sequence_resets_total",
    "promcast_packets_received_total",
    "promcast_packets_rejected_total",
    "promcast_series_live",
    "promcast_series_expired_total",
    "promcast_devices_live",
    "promcast_devices_expired_total",
    "promcast_sd_targets",
    "promcast_build_info",
    "process_start_time_seconds",
    "gpio_pin_is_on",
    "gpio_pin_on_seconds",
    "gpio_pin_off_seconds",
    "gpio_pin_seconds_since_on",
    "gpio_pin_seconds_since_off",
    "gpio_pin_on_transitions_total",
    "gpio_pin_on_duration_seconds_total",
    "gpio_pin_off_duration_seconds_total",
];

/// Build facts for `promcast_build_info`.
#[derive(Clone, Debug)]
pub struct BuildInfo {
    /// Crate version.
    pub version: &'static str,
    /// Git revision the binary was built from.
    pub revision: &'static str,
}

impl BuildInfo {
    /// This binary's.
    pub const fn current() -> Self {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            revision: match option_env!("PROMCAST_GIT_REVISION") {
                Some(r) => r,
                None => "unknown",
            },
        }
    }
}

/// What a render needs besides the view.
pub struct Context<'a> {
    /// Reading kinds, index-aligned with `View::kinds`.
    pub kinds: &'a [KindSpec],
    /// Counters.
    pub telemetry: &'a Telemetry,
    /// Build facts.
    pub build: &'a BuildInfo,
    /// Process start, Unix seconds.
    pub start_unix: f64,
    /// Monotonic now, for the durations of pushed pins.
    pub mono: std::time::Duration,
}

const fn gauge<'a>(name: &'a str, help: &'a str) -> Family<'a> {
    Family {
        name,
        help,
        kind: MetricType::Gauge,
        unit: None,
    }
}

const fn counter<'a>(name: &'a str, help: &'a str) -> Family<'a> {
    Family {
        name,
        help,
        kind: MetricType::Counter,
        unit: None,
    }
}

/// Render the whole exposition into `out`.
pub fn render<W: Write>(
    out: W,
    view: &View,
    cx: &Context<'_>,
    format: Format,
) -> Result<W, fmt::Error> {
    let mut e = Encoder::new(out, format);
    for (spec, series) in cx.kinds.iter().zip(&view.kinds) {
        if series.is_empty() {
            continue;
        }
        let unit = spec.unit.as_deref();
        e.family(&Family {
            name: &spec.metric,
            help: &spec.help,
            kind: MetricType::Gauge,
            unit,
        })?;
        e.samples_prerendered(
            series
                .iter()
                .map(|(labels, s)| (&**labels, Value::F64(s.value.get()))),
        )?;
        e.family(&Family {
            name: &spec.last_seen_metric,
            help: &spec.last_seen_help,
            kind: MetricType::Gauge,
            unit: spec
                .last_seen_metric
                .ends_with("_seconds")
                .then_some("seconds"),
        })?;
        e.samples_prerendered(
            series
                .iter()
                .map(|(labels, s)| (&**labels, Value::F64(s.seen_unix.get()))),
        )?;
    }
    if !view.pins.is_empty() {
        let reports: Vec<PinReport<'_>> = view
            .pins
            .values()
            .map(|p| PinReport {
                hostname: &p.device.id,
                name: &p.name,
                number: p.number,
                state: p.state(cx.mono),
            })
            .collect();
        write_pin_families(&mut e, &reports)?;
    }
    let devices = &view.devices;
    if !devices.is_empty() {
        e.family(&Family {
            unit: Some("seconds"),
            ..gauge(
                "promcast_device_last_seen_timestamp_seconds",
                "Unix time of the latest packet accepted from the device.",
            )
        })?;
        for d in devices.values() {
            e.sample_prerendered(&d.labels, Value::F64(d.seen_unix.get()))?;
        }
        e.family(&counter(
            "promcast_device_packets",
            "Packets accepted from the device.",
        ))?;
        for d in devices.values() {
            e.sample_prerendered(&d.labels, Value::U64(d.packets.load(Ordering::Relaxed)))?;
        }
        e.family(&gauge(
            "promcast_device_series",
            "Live series of the device.",
        ))?;
        for d in devices.values() {
            e.sample_prerendered(&d.labels, Value::U64(d.series.load(Ordering::Relaxed)))?;
        }
        let statuses: Vec<_> = devices
            .values()
            .filter_map(|d| {
                let st = d.status.lock().unwrap_or_else(|p| p.into_inner());
                st.clone().map(|s| (d, s))
            })
            .collect();
        if !statuses.is_empty() {
            e.family(&Family {
                name: "promcast_device_status",
                help: "Latest status the device reported in a status packet.",
                kind: MetricType::Info,
                unit: None,
            })?;
            for (d, s) in &statuses {
                e.sample(
                    &[("device", &d.id), ("name", &s.name), ("status", &s.status)],
                    Value::U64(1),
                )?;
            }
            e.family(&Family {
                unit: Some("seconds"),
                ..gauge(
                    "promcast_device_status_timestamp_seconds",
                    "Unix time of the latest status packet from the device.",
                )
            })?;
            for (d, s) in &statuses {
                e.sample_prerendered(&d.labels, Value::F64(s.unix))?;
            }
        }
        if devices
            .values()
            .any(|d| d.sends_seq.load(Ordering::Relaxed))
        {
            e.family(&counter(
                "promcast_device_sequence_gaps",
                "Packets missed from the device, judged by gaps in its sequence numbers.",
            ))?;
            for d in devices
                .values()
                .filter(|d| d.sends_seq.load(Ordering::Relaxed))
            {
                e.sample_prerendered(&d.labels, Value::U64(d.seq_gaps.load(Ordering::Relaxed)))?;
            }
            e.family(&counter(
                "promcast_device_sequence_resets",
                "Times the device's sequence number went backwards (a restart).",
            ))?;
            for d in devices
                .values()
                .filter(|d| d.sends_seq.load(Ordering::Relaxed))
            {
                e.sample_prerendered(&d.labels, Value::U64(d.seq_resets.load(Ordering::Relaxed)))?;
            }
        }
    }
    let t = cx.telemetry;
    e.family(&counter("promcast_packets_received", "Datagrams received."))?;
    e.sample(&[], Value::U64(t.received.load(Ordering::Relaxed)))?;
    e.family(&counter(
        "promcast_packets_rejected",
        "Datagrams rejected, by reason.",
    ))?;
    for (reason, n) in t.rejected() {
        e.sample(&[("reason", reason)], Value::U64(n))?;
    }
    e.family(&gauge("promcast_series_live", "Series currently exposed."))?;
    e.sample(&[], Value::U64(view.series_len() as u64))?;
    e.family(&counter(
        "promcast_series_expired",
        "Series removed after the ttl passed without a reading.",
    ))?;
    e.sample(&[], Value::U64(t.series_expired.load(Ordering::Relaxed)))?;
    e.family(&gauge("promcast_devices_live", "Devices currently known."))?;
    e.sample(&[], Value::U64(devices.len() as u64))?;
    e.family(&counter(
        "promcast_devices_expired",
        "Devices removed after the ttl passed without a packet.",
    ))?;
    e.sample(&[], Value::U64(t.devices_expired.load(Ordering::Relaxed)))?;
    e.family(&gauge(
        "promcast_sd_targets",
        "Scrape targets devices announced, served for Prometheus service discovery.",
    ))?;
    e.sample(&[], Value::U64(view.targets.len() as u64))?;
    e.family(&Family {
        name: "promcast_build",
        help: "promcast build information.",
        kind: MetricType::Info,
        unit: None,
    })?;
    e.sample(
        &[
            ("revision", cx.build.revision),
            ("version", cx.build.version),
        ],
        Value::U64(1),
    )?;
    e.family(&Family {
        unit: Some("seconds"),
        ..gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
        )
    })?;
    e.sample(&[], Value::F64(cx.start_unix))?;
    e.finish()
}
