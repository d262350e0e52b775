//! Device-side exposition: the seed ESP32 exporter's `gpio_pin_*` families (same names,
//! labels `hostname`, `pin_name`, `pin_number`), new counters, process and device facts,
//! written with [`crate::expo::Encoder`] into a caller's buffer without allocating.
//!
//! The families, in the order [`render`] writes them (text-format sample names):
//!
//! | family | type | labels | value |
//! | --- | --- | --- | --- |
//! | `gpio_pin_is_on` | gauge | `hostname`, `pin_name`, `pin_number` | 1 on, 0 off |
//! | `gpio_pin_on_seconds` | gauge, unit seconds | the same | [`PinState::on_seconds`] (-1 when off) |
//! | `gpio_pin_off_seconds` | gauge, unit seconds | the same | [`PinState::off_seconds`] (-1 when on) |
//! | `gpio_pin_seconds_since_on` | gauge | the same | [`PinState::seconds_since_on`] (-1 never) |
//! | `gpio_pin_seconds_since_off` | gauge | the same | [`PinState::seconds_since_off`] (-1 never) |
//! | `gpio_pin_on_transitions_total` | counter `gpio_pin_on_transitions` | the same | [`PinState::on_transitions`] |
//! | `gpio_pin_on_duration_seconds_total` | counter `gpio_pin_on_duration_seconds`, unit seconds | the same | [`PinState::on_seconds_total`] |
//! | `gpio_pin_off_duration_seconds_total` | counter `gpio_pin_off_duration_seconds`, unit seconds | the same | [`PinState::off_seconds_total`] |
//! | `process_start_time_seconds` | gauge, unit seconds | none | [`DeviceMetrics::start_unix`], only when known |
//! | `process_uptime_seconds` | gauge, unit seconds | none | [`DeviceMetrics::uptime_seconds`] |
//! | `promcast_device_info` | info `promcast_device` | `hostname`, `mac`, `platform`, `unique_id` | 1 |
//! | `promcast_build_info` | info `promcast_build` | `revision`, `version` | 1 |
//! | each [`Extra`] | gauge | its own | its own |
//!
//! The duration counters are not called `gpio_pin_on_seconds_total`: as an OpenMetrics
//! counter that is the family `gpio_pin_on_seconds`, the seed's gauge.
//!
//! What differs from the seed's output: HELP of `gpio_pin_is_on` says off is `(0)` (the seed
//! said `(2)` but exported 0); label values and HELP are escaped; a sample without labels is
//! `name value`, not `name{} value`; `gpio_pin_is_on` and info values are `0`/`1`, not
//! `0.0`/`1.0`; `process_start_time_seconds` is left out until the wall clock is set (the
//! seed read the clock before NTP set it); the counters are new; `promcast_device_info`
//! and `promcast_build_info` take the place of `esp_info` and `python_info`; families come in
//! the order above (pins first); the `# UNIT` lines of OpenMetrics are new.

use core::fmt;

use crate::expo::{Encoder, Family, Format, MetricType, Value, decimal_digits};
use crate::pin::PinState;

/// One pin to report.
#[derive(Clone, Copy, Debug)]
pub struct PinReport<'a> {
    /// `hostname` label.
    pub hostname: &'a str,
    /// `pin_name` label.
    pub name: &'a str,
    /// `pin_number` label.
    pub number: u32,
    /// The tracker's state.
    pub state: PinState,
}

/// Facts for the device info metric.
#[derive(Clone, Copy, Debug)]
pub struct DeviceInfo<'a> {
    /// DHCP hostname.
    pub hostname: &'a str,
    /// MAC address, colon form (`7c:9e:bd:61:ab:e4`).
    pub mac: &'a str,
    /// Platform: `esp32c3`, `esp32c6`, `rp2040`, `rp2350`, `linux`, ...
    pub platform: &'a str,
    /// Unique id, hex without separators (the fleet file's key).
    pub unique_id: &'a str,
}

/// Facts for the build info metric.
#[derive(Clone, Copy, Debug)]
pub struct BuildInfo<'a> {
    /// promcast version.
    pub version: &'a str,
    /// Git revision.
    pub revision: &'a str,
}

/// An extra gauge a platform adds (Wi-Fi RSSI, free heap, reset reason as a label, ...).
///
/// The name must be a valid metric name that no other family of the body uses and that does
/// not end in a suffix OpenMetrics reserves (`_total`, `_info`, `_created`, `_count`, `_sum`,
/// `_bucket`); label names must be valid. Only the name's syntax is checked, by a debug
/// assertion.
#[derive(Clone, Copy, Debug)]
pub struct Extra<'a> {
    /// Metric name.
    pub name: &'a str,
    /// HELP.
    pub help: &'a str,
    /// Labels.
    pub labels: &'a [(&'a str, &'a str)],
    /// Value.
    pub value: Value,
}

/// The name and HELP of a platform extra's family, shared so that every board (and every
/// simulation of one) that reports it agrees: [`WIFI_RSSI`], [`HEAP_FREE`],
/// [`RESET_REASON`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtraFamily {
    /// Metric name (see [`Extra`] for the rules).
    pub name: &'static str,
    /// HELP.
    pub help: &'static str,
}

impl ExtraFamily {
    /// This family's sample with `labels` and `value`.
    pub const fn sample<'a>(&self, labels: &'a [(&'a str, &'a str)], value: Value) -> Extra<'a> {
        Extra {
            name: self.name,
            help: self.help,
            labels,
            value,
        }
    }
}

/// `promcast_wifi_rssi_dbm`: the access point's signal strength in dBm, reported while
/// associated (ESP32).
pub const WIFI_RSSI: ExtraFamily = ExtraFamily {
    name: "promcast_wifi_rssi_dbm",
    help: "Received signal strength of the Wi-Fi access point in dBm (absent while disconnected).",
};

/// `promcast_heap_free_bytes`: free bytes of the heap the Wi-Fi driver allocates from
/// (ESP32; the Picos have no heap).
pub const HEAP_FREE: ExtraFamily = ExtraFamily {
    name: "promcast_heap_free_bytes",
    help: "Free bytes in the heap the Wi-Fi driver allocates from.",
};

/// `promcast_reset_reason{reason}`: 1, with why the chip last reset as the
/// [`RESET_REASON_LABEL`] label (ESP32).
pub const RESET_REASON: ExtraFamily = ExtraFamily {
    name: "promcast_reset_reason",
    help: "Why the chip last reset (the reason label; 1 for the current boot).",
};

/// The label of [`RESET_REASON`] that carries the reason.
pub const RESET_REASON_LABEL: &str = "reason";

/// Everything a device exposes.
#[derive(Clone, Copy, Debug)]
pub struct DeviceMetrics<'a> {
    /// Device facts.
    pub info: DeviceInfo<'a>,
    /// Build facts.
    pub build: BuildInfo<'a>,
    /// Unix time the process started, once the wall clock is known (SNTP); `None` before,
    /// and then `process_start_time_seconds` is left out rather than wrong.
    pub start_unix: Option<f64>,
    /// Seconds since start (monotonic).
    pub uptime_seconds: f64,
    /// The pins.
    pub pins: &'a [PinReport<'a>],
    /// Platform extras, each its own gauge family, in the order given.
    pub extras: &'a [Extra<'a>],
}

/// A `gpio_pin_*` gauge family whose name ends in its unit.
const fn seconds_gauge(name: &'static str, help: &'static str) -> Family<'static> {
    Family {
        name,
        help,
        kind: MetricType::Gauge,
        unit: Some("seconds"),
    }
}

/// The `gpio_pin_*` families in the order written, each with its sample value.
#[allow(
    clippy::type_complexity,
    reason = "a table of families and value getters reads best inline"
)]
const PIN_FAMILIES: [(Family<'static>, fn(&PinState) -> Value); 8] = [
    (
        Family {
            name: "gpio_pin_is_on",
            help: "Whether the GPIO pin is on (1) or off (0)",
            kind: MetricType::Gauge,
            unit: None,
        },
        |s| Value::U64(u64::from(s.is_on)),
    ),
    (
        seconds_gauge(
            "gpio_pin_on_seconds",
            "How many seconds the pin has been on; -1 if it is off.",
        ),
        |s| Value::F64(s.on_seconds),
    ),
    (
        seconds_gauge(
            "gpio_pin_off_seconds",
            "How many seconds the pin has been off; -1 if it is on.",
        ),
        |s| Value::F64(s.off_seconds),
    ),
    (
        Family {
            name: "gpio_pin_seconds_since_on",
            help: "How many seconds since the pin last turned on.",
            kind: MetricType::Gauge,
            unit: None,
        },
        |s| Value::F64(s.seconds_since_on),
    ),
    (
        Family {
            name: "gpio_pin_seconds_since_off",
            help: "How many seconds since the pin last turned off.",
            kind: MetricType::Gauge,
            unit: None,
        },
        |s| Value::F64(s.seconds_since_off),
    ),
    (
        Family {
            name: "gpio_pin_on_transitions",
            help: "How many times the pin has turned on (off to on) since start.",
            kind: MetricType::Counter,
            unit: None,
        },
        |s| Value::U64(s.on_transitions),
    ),
    (
        Family {
            name: "gpio_pin_on_duration_seconds",
            help: "How many seconds in total the pin has been on since start.",
            kind: MetricType::Counter,
            unit: Some("seconds"),
        },
        |s| Value::F64(s.on_seconds_total),
    ),
    (
        Family {
            name: "gpio_pin_off_duration_seconds",
            help: "How many seconds in total the pin has been off since start.",
            kind: MetricType::Counter,
            unit: Some("seconds"),
        },
        |s| Value::F64(s.off_seconds_total),
    ),
];

/// `process_start_time_seconds`, as the seed named it.
const PROCESS_START: Family<'static> = Family {
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    kind: MetricType::Gauge,
    unit: Some("seconds"),
};

/// `process_uptime_seconds`, as the seed named it.
const PROCESS_UPTIME: Family<'static> = Family {
    name: "process_uptime_seconds",
    help: "Number of seconds since the process started.",
    kind: MetricType::Gauge,
    unit: Some("seconds"),
};

/// `promcast_device_info`, in place of the seed's `esp_info` (whose HELP it keeps).
const DEVICE: Family<'static> = Family {
    name: "promcast_device",
    help: "Information about the underlying platform.",
    kind: MetricType::Info,
    unit: None,
};

/// `promcast_build_info`, in place of the seed's `python_info`.
const BUILD: Family<'static> = Family {
    name: "promcast_build",
    help: "promcast build information.",
    kind: MetricType::Info,
    unit: None,
};

/// Write the `gpio_pin_*` families for `pins`, each family's samples together in the order
/// of `pins`: the seed's five gauges, then the counters `gpio_pin_on_transitions_total`,
/// `gpio_pin_on_duration_seconds_total` and `gpio_pin_off_duration_seconds_total` (see the
/// [module documentation](self) for names and values). Writes nothing for no pins.
///
/// Used by devices and by the gateway for pushed devices: pass every pin of every device
/// in one call, as a family may appear only once in a body.
pub fn write_pin_families<W: fmt::Write>(
    e: &mut Encoder<W>,
    pins: &[PinReport<'_>],
) -> fmt::Result {
    if pins.is_empty() {
        return Ok(());
    }
    for (family, value) in &PIN_FAMILIES {
        e.family(family)?;
        for pin in pins {
            let mut digits = [0; 20];
            let number = decimal_digits(u64::from(pin.number), &mut digits);
            // Always valid: ASCII digits.
            let number = core::str::from_utf8(number).map_err(|_| fmt::Error)?;
            e.sample(
                &[
                    ("hostname", pin.hostname),
                    ("pin_name", pin.name),
                    ("pin_number", number),
                ],
                value(&pin.state),
            )?;
        }
    }
    Ok(())
}

/// Render a device's whole exposition, in this order: the pin families
/// ([`write_pin_families`]), `process_start_time_seconds` (only when
/// [`DeviceMetrics::start_unix`] is known), `process_uptime_seconds`,
/// `promcast_device_info`, `promcast_build_info`, then each extra as its own gauge family.
///
/// Fails with [`fmt::Error`] when `w` does (a full [`BufWriter`]); what was written until
/// then is a truncated body, not to be served.
pub fn render<W: fmt::Write>(w: W, format: Format, m: &DeviceMetrics<'_>) -> Result<W, fmt::Error> {
    let mut e = Encoder::new(w, format);
    write_pin_families(&mut e, m.pins)?;
    if let Some(start) = m.start_unix {
        e.family(&PROCESS_START)?;
        e.sample(&[], Value::F64(start))?;
    }
    e.family(&PROCESS_UPTIME)?;
    e.sample(&[], Value::F64(m.uptime_seconds))?;
    let DeviceInfo {
        hostname,
        mac,
        platform,
        unique_id,
    } = m.info;
    e.family(&DEVICE)?;
    e.sample(
        &[
            ("hostname", hostname),
            ("mac", mac),
            ("platform", platform),
            ("unique_id", unique_id),
        ],
        Value::U64(1),
    )?;
    e.family(&BUILD)?;
    e.sample(
        &[("revision", m.build.revision), ("version", m.build.version)],
        Value::U64(1),
    )?;
    for extra in m.extras {
        e.family(&Family {
            name: extra.name,
            help: extra.help,
            kind: MetricType::Gauge,
            unit: None,
        })?;
        e.sample(extra.labels, extra.value)?;
    }
    e.finish()
}

/// A `fmt::Write` into a fixed byte buffer; writes past the end fail without panicking.
#[derive(Debug)]
pub struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> BufWriter<'a> {
    /// Write into `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        BufWriter { buf, len: 0 }
    }
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// What was written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    /// What was written, as text (every write is a whole `&str`, so it always is).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
