//! promcast's fleet file: one TOML file describes every device — ESP32 door-contact boards,
//! Pico W temperature senders, Raspberry Pis running `promcast-agent` — keyed by each one's
//! unique id, the way the seed exporter's `DEVICE_CONFIG` was.
//!
//! ```toml
//! [defaults]
//! push = "239.0.0.1:9999"
//!
//! [devices.7c9ebd61abe4]
//! name = "front-door"
//! platform = "esp32"
//! pins = [
//!     { number = 32, name = "left", pull = "up", active_low = true, debounce = "50ms" },
//!     { number = 19, name = "right", pull = "up", active_low = true, debounce = "50ms" },
//! ]
//! ```
//!
//! [`Fleet::load`] parses and checks the whole file and reports every mistake at once, each
//! with its device and setting (`devices.7c9ebd61abe4 (front-door): pins[1].name: duplicate
//! pin name "left"`). Wi-Fi credentials live in a separate, git-ignored file read by
//! [`Secrets::load`]; the fleet file refuses them.
//!
//! See `deploy/fleet.example.toml` for every setting with its default.

#![forbid(unsafe_code)]

mod error;
mod fleet;
pub mod id;
pub mod platform;
pub mod push;
mod raw;
pub mod secrets;

pub use error::{DeviceRef, Error, LoadError};
pub use fleet::{
    DEFAULT_ANNOUNCE_INTERVAL, DEFAULT_CONTACT_STATE_INTERVAL, DEFAULT_GPIO_CHIP,
    DEFAULT_LINUX_ONEWIRE_PIN, DEFAULT_ONEWIRE_PIN, DEFAULT_POLL_INTERVAL, Defaults, Device, Fleet,
    LINUX_HTTP_PORT, MAX_DEBOUNCE, MAX_HOSTNAME_LEN, MAX_INTERVAL, MAX_NAME_LEN, MAX_OFFSET,
    MAX_PIN_NAME_LEN, MAX_PROBE_NAME_LEN, MICROCONTROLLER_HTTP_PORT, MIN_INTERVAL, Pin, Probe,
    Pull,
};
pub use id::{DeviceId, IdKind};
pub use platform::Platform;
pub use push::Push;
pub use secrets::{Secrets, Wifi};
