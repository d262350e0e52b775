//! The device's settings: its entry in the fleet file, chosen and checked by `build.rs` at
//! build time (`PROMCAST_FLEET`, `PROMCAST_DEVICE`), plus the Wi-Fi credentials from
//! `secrets.toml` or the environment. See `README.md`.
//!
//! The generated part (`$OUT_DIR/device.rs`) defines the constants below and the
//! [`contact_inputs!`](crate::contact_inputs) macro, which takes the configured GPIOs out of
//! `esp_hal::peripherals::Peripherals`.

use core::time::Duration;

use esp_hal::gpio::Pull;
use promcast_core::pin::PinConfig;

/// One contact input, as the fleet file configures it.
#[derive(Clone, Copy, Debug)]
pub struct PinSetting {
    /// GPIO number (the `pin_number` label).
    pub number: u8,
    /// Name (the `pin_name` label).
    pub name: &'static str,
    /// Internal pull resistor.
    pub pull: Pull,
    /// On when the level is low.
    pub active_low: bool,
    /// How long a new level must hold before it counts.
    pub debounce: Duration,
}

impl PinSetting {
    /// The tracker's configuration for this input.
    pub const fn tracker_config(&self) -> PinConfig {
        PinConfig {
            active_low: self.active_low,
            debounce: self.debounce,
        }
    }
}

/// Where contact packets go.
#[derive(Clone, Copy, Debug)]
pub struct PushTarget {
    /// An IPv4 address or a DNS name (resolved when sending).
    pub host: &'static str,
    /// UDP port.
    pub port: u16,
    /// The host is an IPv4 multicast group: packets go out with TTL 1.
    pub multicast: bool,
}

include!(concat!(env!("OUT_DIR"), "/device.rs"));

/// Number of contact inputs.
pub const PIN_COUNT: usize = PINS.len();

/// Pool size of the per-input task (at least one: a pool cannot be empty).
pub const PIN_TASKS: usize = if PIN_COUNT == 0 { 1 } else { PIN_COUNT };
