//! Device-side exposition: the seed ESP32 exporter's `gpio_pin_*` families (same names,
//! labels `hostname`, `pin_name`, `pin_number`), new counters, process and device facts,
//! written with [`crate::expo::Encoder`] into a caller's buffer without allocating.

use core::fmt;

use crate::expo::{Encoder, Format, Value};
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

/// Write the `gpio_pin_*` families (seed five, then `gpio_pin_on_transitions_total` and
/// `gpio_pin_on_seconds_total`) for `pins`, each family's samples together. Used by devices
/// and by the gateway for pushed devices.
pub fn write_pin_families<W: fmt::Write>(e: &mut Encoder<W>, pins: &[PinReport<'_>]) -> fmt::Result {
    let _ = (e, pins);
    todo!()
}

/// Render a device's whole exposition.
pub fn render<W: fmt::Write>(w: W, format: Format, m: &DeviceMetrics<'_>) -> Result<W, fmt::Error> {
    let _ = (w, format, m);
    todo!()
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
