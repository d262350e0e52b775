//! Renders the exposition from a published [`View`] and the counters. Pure: no I/O, no locks
//! the ingest thread waits on.

use std::fmt::{self, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use imbl::OrdMap;
use promcast_core::device::{PinReport, write_pin_families};
use promcast_core::expo::{Encoder, Family, Format, MetricType, Value};

use crate::config::KindSpec;
use crate::store::{Series, View};
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

/// One sample per series of the current family, `field` giving its value.
fn write_series<W: Write>(
    e: &mut Encoder<W>,
    series: &OrdMap<Arc<str>, Arc<Series>>,
    field: impl Fn(&Series) -> f64,
) -> fmt::Result {
    e.samples_prerendered(
        series
            .iter()
            .map(|(labels, s)| (&**labels, Value::F64(field(s)))),
    )
}

/// A run of whole families of the exposition. Written one after another, in the order of
/// [`sections`], they make the whole body; each can also be written on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    /// The value family of the reading kind with this index.
    Values(usize),
    /// The last-seen family of the reading kind with this index.
    LastSeen(usize),
    /// Pushed pins, devices and the gateway's own families.
    Rest,
}

/// The sections of `view`, in body order, each with its number of samples.
fn sections(view: &View) -> Vec<(Section, usize)> {
    let mut out = Vec::with_capacity(2 * view.kinds.len() + 1);
    for (i, series) in view.kinds.iter().enumerate() {
        if !series.is_empty() {
            out.push((Section::Values(i), series.len()));
            out.push((Section::LastSeen(i), series.len()));
        }
    }
    let rest = view.pins.len() * 8 + view.devices.len() * 6 + 32;
    out.push((Section::Rest, rest));
    out
}

/// Render the whole exposition into `out`.
pub fn render<W: Write>(
    out: W,
    view: &View,
    cx: &Context<'_>,
    format: Format,
) -> Result<W, fmt::Error> {
    let mut e = Encoder::new(out, format);
    for (section, _) in sections(view) {
        write_section(&mut e, section, view, cx)?;
    }
    e.finish()
}

/// Fewest samples for which [`render_parts`] splits the work between threads: below it,
/// starting a thread costs more than it saves.
pub const PARALLEL_MIN_SAMPLES: usize = 20_000;

/// Render the whole exposition in parts, on up to `threads` threads at once: the parts,
/// concatenated in order, are byte for byte what [`render`] writes. Each part is a run of
/// whole sections of about the same number of samples; one part when the body is small.
/// `size_hint` is the expected length of the whole body, to size the parts' buffers, which
/// come from `buffer` (given a capacity).
pub fn render_parts(
    view: &View,
    cx: &Context<'_>,
    format: Format,
    threads: usize,
    size_hint: usize,
    buffer: &(dyn Fn(usize) -> String + Sync),
) -> Vec<String> {
    let sections = sections(view);
    let total: usize = sections.iter().map(|(_, n)| n).sum();
    let threads = if total < PARALLEL_MIN_SAMPLES {
        1
    } else {
        threads.clamp(1, sections.len())
    };
    // Contiguous groups, with their samples: a section goes to the group its middle sample
    // falls in.
    let mut groups: Vec<(Vec<Section>, usize)> = vec![(Vec::new(), 0); threads];
    let mut done = 0;
    for &(section, n) in &sections {
        let group = &mut groups[((2 * done + n) * threads / (2 * total.max(1))).min(threads - 1)];
        group.0.push(section);
        group.1 += n;
        done += n;
    }
    groups.retain(|(g, _)| !g.is_empty());
    let last = groups.len() - 1;
    // Bytes expected for `n` samples, from the last body's size, with an eighth to spare.
    let per_sample = size_hint / total.max(1);
    let write = |i: usize, (group, n): &(Vec<Section>, usize)| -> String {
        let mut e = Encoder::new(buffer(per_sample * n + per_sample * n / 8 + 4096), format);
        for &section in group {
            write_section(&mut e, section, view, cx).expect("writing to a String cannot fail");
        }
        if i == last {
            e.finish().expect("writing to a String cannot fail")
        } else {
            e.into_inner()
        }
    };
    each_on_its_own_thread(&groups, write)
}

/// `f(i, item)` for every item, each on a thread of its own (the first on this one), the
/// results in the items' order. A panic in any is resumed here.
pub(crate) fn each_on_its_own_thread<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let Some((first, rest)) = items.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return vec![f(0, first)];
    }
    let f = &f;
    std::thread::scope(|scope| {
        let helpers: Vec<_> = rest
            .iter()
            .enumerate()
            .map(|(i, item)| scope.spawn(move || f(i + 1, item)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        out.push(f(0, first));
        out.extend(
            helpers
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        out
    })
}

/// Write one section's families.
fn write_section<W: Write>(
    e: &mut Encoder<W>,
    section: Section,
    view: &View,
    cx: &Context<'_>,
) -> fmt::Result {
    match section {
        Section::Values(i) => {
            let spec = &cx.kinds[i];
            e.family(&Family {
                name: &spec.metric,
                help: &spec.help,
                kind: MetricType::Gauge,
                unit: spec.unit.as_deref(),
            })?;
            write_series(e, &view.kinds[i], |s| s.value.get())
        }
        Section::LastSeen(i) => {
            let spec = &cx.kinds[i];
            e.family(&Family {
                name: &spec.last_seen_metric,
                help: &spec.last_seen_help,
                kind: MetricType::Gauge,
                unit: spec
                    .last_seen_metric
                    .ends_with("_seconds")
                    .then_some("seconds"),
            })?;
            write_series(e, &view.kinds[i], |s| s.seen_unix.get())
        }
        Section::Rest => write_rest(e, view, cx),
    }
}

/// Pushed pins, devices and the gateway's own families.
fn write_rest<W: Write>(e: &mut Encoder<W>, view: &View, cx: &Context<'_>) -> fmt::Result {
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
        write_pin_families(e, &reports)?;
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
    e.sample(&[], Value::F64(cx.start_unix))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use arc_swap::ArcSwap;
    use promcast_core::decode;

    use super::*;
    use crate::config::Config;
    use crate::store::{Published, Store};

    /// A store with `n` temperature series, `n / 10` humidity series and a pushed contact,
    /// from two devices.
    fn store(n: usize) -> (Store, Published, Vec<KindSpec>) {
        let mut cfg = Config::default();
        cfg.series.max_series = 2 * n;
        cfg.series.max_series_per_device = 2 * n;
        let kinds = cfg.validate().expect("valid");
        let published: Published = Arc::new(ArcSwap::from_pointee(View::default()));
        let mut store = Store::new(kinds.clone(), cfg.series, published.clone());
        let src = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));
        let mut apply = |bytes: String, i: usize| {
            let packet = decode(bytes.as_bytes()).expect("decodes");
            let unix = 1_763_750_000.0 + i as f64 / 1000.0;
            store
                .apply(&packet, src, unix, Duration::from_secs(1))
                .expect("fits");
        };
        for i in 0..n {
            apply(
                format!(
                    r#"{{"name": "Room{i:05}", "sensor": "28-{i:012x}", "temperature": {}.5}}"#,
                    i % 40
                ),
                i,
            );
            if i % 10 == 0 {
                apply(
                    format!(
                        r#"{{"type": "humidity", "name": "Room{i:05}", "humidity": 55.25, "device": "pi-{}"}}"#,
                        i % 3
                    ),
                    i,
                );
            }
        }
        apply(
            r#"{"type": "contact", "device": "pi-0", "name": "door", "pin": 4, "event": "edge", "on": true, "since_ms": 0, "on_transitions": 1, "on_ms_total": 0, "off_ms_total": 0}"#.into(),
            0,
        );
        store.publish();
        (store, published, kinds)
    }

    #[test]
    fn parts_concatenated_are_the_whole_render() {
        let (_store, published, kinds) = store(PARALLEL_MIN_SAMPLES);
        let telemetry = Telemetry::default();
        let build = BuildInfo::current();
        let cx = Context {
            kinds: &kinds,
            telemetry: &telemetry,
            build: &build,
            start_unix: 1_763_749_000.0,
            mono: Duration::from_secs(3),
        };
        let view = published.load();
        for format in [Format::Text, Format::OpenMetrics] {
            let whole = render(String::new(), &view, &cx, format).expect("renders");
            for threads in 1..=6 {
                let parts = render_parts(&view, &cx, format, threads, 0, &String::with_capacity);
                // Two threads: humidity and temperature values on one, temperature last
                // seen and the rest on the other (about half the samples each).
                if threads == 2 {
                    assert_eq!(parts.len(), 2, "{format:?}");
                    let first_line = |i: usize| parts[i].lines().next().unwrap_or("");
                    assert!(
                        first_line(0).contains(" humidity_percent ")
                            && first_line(1).contains(" temperature_last_seen_timestamp "),
                        "{format:?}: split before the temperature last-seen family"
                    );
                }
                assert!(parts.len() <= threads, "{format:?} on {threads} threads");
                assert_eq!(parts.concat(), whole, "{format:?} on {threads} threads");
            }
        }
        // Below the threshold one part, whatever the threads.
        let (_store, published, kinds) = store(100);
        let cx = Context {
            kinds: &kinds,
            ..cx
        };
        let view = published.load();
        let parts = render_parts(&view, &cx, Format::Text, 4, 0, &String::with_capacity);
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0],
            render(String::new(), &view, &cx, Format::Text).expect("renders")
        );
    }
}
