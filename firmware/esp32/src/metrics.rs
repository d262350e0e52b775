//! The device's exposition: pins, process and device facts from core's renderer, plus this
//! platform's extras (Wi-Fi RSSI, free heap, reset reason).

use core::fmt;

use heapless::Vec;
use promcast_core::device::{self, BuildInfo, DeviceInfo, DeviceMetrics, Extra, PinReport};
use promcast_core::expo::{Format, Value};
use promcast_core::time::Instant;

use crate::board::Shared;
use crate::config::{self, PIN_COUNT, PINS};

/// Number of extra families at most.
const EXTRAS: usize = 3;

/// `promcast_wifi_rssi_dbm`, present while associated.
const RSSI: (&str, &str) = (
    "promcast_wifi_rssi_dbm",
    "Received signal strength of the Wi-Fi access point in dBm (absent while disconnected).",
);
/// `promcast_heap_free_bytes`.
const HEAP_FREE: (&str, &str) = (
    "promcast_heap_free_bytes",
    "Free bytes in the heap the Wi-Fi driver allocates from.",
);
/// `promcast_reset_reason`.
const RESET_REASON: (&str, &str) = (
    "promcast_reset_reason",
    "Why the chip last reset (the reason label; 1 for the current boot).",
);

/// Render the whole exposition at `now` into `w` in `format`.
pub fn render<W: fmt::Write>(w: W, format: Format, shared: &Shared, now: Instant) -> fmt::Result {
    let states = shared.contacts.states(now);
    let pins: [PinReport<'_>; PIN_COUNT] = core::array::from_fn(|i| PinReport {
        hostname: config::HOSTNAME,
        name: PINS[i].name,
        number: u32::from(PINS[i].number),
        state: states[i],
    });

    let reason = [("reason", shared.facts.reset_reason.as_str())];
    let mut extras: Vec<Extra<'_>, EXTRAS> = Vec::new();
    if let Some(rssi) = shared.link.rssi() {
        let _ = extras.push(extra(RSSI, &[], Value::I64(i64::from(rssi))));
    }
    let heap_free = u64::try_from(esp_alloc::HEAP.free()).unwrap_or(u64::MAX);
    let _ = extras.push(extra(HEAP_FREE, &[], Value::U64(heap_free)));
    let _ = extras.push(extra(RESET_REASON, &reason, Value::U64(1)));

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

fn extra<'a>(
    (name, help): (&'a str, &'a str),
    labels: &'a [(&'a str, &'a str)],
    value: Value,
) -> Extra<'a> {
    Extra {
        name,
        help,
        labels,
        value,
    }
}
