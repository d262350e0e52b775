//! promcast firmware for ESP32 boards: contact inputs (doors, switches) tracked by
//! [`promcast_core::pin::PinTracker`], served as Prometheus metrics over Wi-Fi by
//! [`promcast_core::device::render`] and [`promcast_core::http::respond`], and optionally
//! pushed to a promcast gateway as contact packets ([`promcast_core::contact`]).
//!
//! Everything that can be tested on a host lives in `promcast-core`; this crate only wires
//! the chip's peripherals, the Wi-Fi driver and the network stack to it. `main.rs` creates
//! the peripherals and spawns one-line tasks that call the `run` functions here.
//!
//! * [`config`]: the device's settings, chosen from the fleet file at build time.
//! * [`board`]: state shared by the tasks, and facts read once at boot.
//! * [`contacts`]: one task per input, waiting for level changes.
//! * [`wifi`]: the station: connect, reconnect with core's backoff, RSSI.
//! * [`clock`]: SNTP exchanges for core's wall clock (`process_start_time_seconds`).
//! * [`http`]: the `/metrics` server workers.
//! * [`push`]: contact and announce packets over UDP.
//! * [`health`]: the watchdog's timing and core's feed policy limits.
#![no_std]
#![forbid(unsafe_code)]
#![deny(
    clippy::mem_forget,
    reason = "mem::forget is generally not safe to do with esp_hal types, especially those \
              holding buffers for the duration of a data transfer."
)]

pub mod board;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod health;
pub mod http;
pub mod metrics;
pub mod push;
pub mod wifi;

use promcast_core::time::Instant;

/// The monotonic clock every timestamp comes from: embassy-time's, since boot, as core's
/// [`Instant`]. Never the wall clock, so setting that (SNTP) never changes a duration.
pub fn now() -> Instant {
    Instant::from_micros(embassy_time::Instant::now().as_micros())
}

/// A core [`Instant`] as an embassy-time instant, for timers.
pub fn to_embassy(at: Instant) -> embassy_time::Instant {
    embassy_time::Instant::from_micros(at.as_micros())
}

/// A core duration as an embassy-time one, for timers (the longest embassy-time has, if it
/// does not fit).
pub fn to_embassy_duration(d: core::time::Duration) -> embassy_time::Duration {
    embassy_time::Duration::try_from(d).unwrap_or(embassy_time::Duration::MAX)
}
