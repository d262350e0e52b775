//! The device's exposition: pins, process and device facts from core's renderer, plus this
//! platform's extras (Wi-Fi RSSI, free heap, reset reason) under core's shared family names.

use core::fmt;

use heapless::Vec;
use promcast_core::device::{
    self, BuildInfo, DeviceInfo, DeviceMetrics, Extra, HEAP_FREE, PinReport, RESET_REASON,
    RESET_REASON_LABEL, WIFI_RSSI,
};
use promcast_core::expo::{Format, Value};
use promcast_core::time::Instant;

use crate::board::Shared;
use crate::config::{self, PIN_COUNT, PINS};

/// Number of extra families at most: RSSI, free heap, reset reason.
const EXTRAS: usize = 3;

/// Render the whole exposition at `now` into `w` in `format`.
pub fn render<W: fmt::Write>(w: W, format: Format, shared: &Shared, now: Instant) -> fmt::Result {
    let states = shared.contacts.states(now);
    let pins: [PinReport<'_>; PIN_COUNT] = core::array::from_fn(|i| PinReport {
        hostname: config::HOSTNAME,
        name: PINS[i].name,
        number: u32::from(PINS[i].number),
        state: states[i],
    });

    let reason = [(RESET_REASON_LABEL, shared.facts.reset_reason.as_str())];
    let mut extras: Vec<Extra<'_>, EXTRAS> = Vec::new();
    // Cannot fail: at most EXTRAS are pushed.
    if let Some(rssi) = shared.link.rssi() {
        let _ = extras.push(WIFI_RSSI.sample(&[], Value::I64(i64::from(rssi))));
    }
    let heap_free = u64::try_from(esp_alloc::HEAP.free()).unwrap_or(u64::MAX);
    let _ = extras.push(HEAP_FREE.sample(&[], Value::U64(heap_free)));
    let _ = extras.push(RESET_REASON.sample(&reason, Value::U64(1)));

    let metrics = DeviceMetrics {
        info: DeviceInfo {
            hostname: config::HOSTNAME,
            mac: &shared.facts.mac,
            platform: config::PLATFORM,
            unique_id: &shared.facts.unique_id,
        },
        build: BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            revision: config::REVISION,
        },
        start_unix: shared.clock.start_unix(),
        uptime_seconds: now.secs_since(Instant::ZERO),
        pins: &pins,
        extras: &extras,
    };
    device::render(w, format, &metrics).map(|_| ())
}
