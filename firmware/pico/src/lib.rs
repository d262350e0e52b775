//! promcast firmware for the Raspberry Pi Pico W (RP2040) and Pico 2 W (RP2350): DS18B20
//! probes on a 1-Wire bus, and optionally the chip's own temperature sensor, sent as the seed
//! Pico's JSON packets over UDP to a multicast group or a gateway.
//!
//! This crate is board code only. What to send and when — the poll schedule, probe names and
//! offsets, unique default names, scratchpad decoding and CRC, packets, `seq`, failure
//! counting, status packets, the LED during a poll — is `promcast_core`'s
//! [`Sender`](promcast_core::sender::Sender); the modules here connect it to the hardware:
//!
//! * [`config`]: this build's device, baked in from the fleet file by `build.rs`.
//! * [`onewire`]: DS18B20 bus transactions over embassy-rp's PIO 1-Wire program.
//! * [`chip`]: what differs between RP2040 and RP2350: unique id, internal sensor, clocks.
//! * [`radio`]: the CYW43 blobs, joining Wi-Fi and rejoining after a drop (with core's
//!   [`Backoff`](promcast_core::backoff::Backoff)), the LED.
//! * [`net`]: the network stack's settings and the UDP push target.
//! * [`health`]: reset causes and the hardware watchdog, fed only while core's
//!   [`FeedPolicy`](promcast_core::watchdog::FeedPolicy) allows.
//! * [`poll`]: the poll loop that wires the bus, the sensor and the socket to the sender,
//!   which also encodes the boot status and the internal sensor's packets.
//!
//! `main.rs` creates the peripherals and spawns the tasks.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(all(feature = "rp2040", feature = "rp235x"))]
compile_error!("choose one board: --features rp2040 (Pico W) or --features rp235x (Pico 2 W)");

pub mod chip;
pub mod config;
pub mod health;
pub mod net;
pub mod onewire;
pub mod poll;
pub mod radio;

/// Most DS18B20 probes the firmware handles on its bus: configured ones plus ones found.
/// `build.rs` refuses a device with more configured probes.
pub const MAX_PROBES: usize = 16;

/// The firmware's version, reported in the boot status packet.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The monotonic clock as core's [`Instant`](promcast_core::time::Instant): microseconds since
/// boot, from embassy-time (whose RP driver ticks at 1 MHz).
pub fn now() -> promcast_core::time::Instant {
    promcast_core::time::Instant::from_micros(embassy_time::Instant::now().as_micros())
}

/// Core's [`Instant`](promcast_core::time::Instant) as embassy-time's, for timers.
pub fn to_embassy(t: promcast_core::time::Instant) -> embassy_time::Instant {
    embassy_time::Instant::from_micros(t.as_micros())
}

/// A core duration as an embassy-time one, for timers (the longest embassy-time has, if it
/// does not fit).
pub fn to_embassy_duration(d: core::time::Duration) -> embassy_time::Duration {
    embassy_time::Duration::try_from(d).unwrap_or(embassy_time::Duration::MAX)
}
