//! The `no_std`, allocation-free heart of promcast.
//!
//! * [`packet`]: the UDP wire format (decode and encode), seed-compatible JSON.
//! * [`text`]: [`Text`], a string as it sits inside a JSON packet (escaped or plain).
//! * [`names`]: the seed exporter's friendly-name and sensor-name rules.
//! * [`expo`]: the Prometheus text 0.0.4 / OpenMetrics 1.0 exposition writer.
//! * [`pin`]: contact-input tracking (edges, debounce, durations, counters).
//! * [`device`]: a device's own exposition (`gpio_pin_*`, process and device facts).
//! * [`http`]: a sans-IO HTTP/1.x request parser and response writer for devices.
//! * [`probe`], [`sender`]: DS18B20 probes and the temperature sender's poll logic.
//! * [`contact`]: a device's contact push packets (an edge packet, periodic state rounds),
//!   and the set of its inputs' trackers that says which changed since the last push.
//! * [`announce`]: a device's announce packets, for the gateway's service discovery.
//! * [`schedule`]: periodic jobs, start to start, without drift or catch-up bursts.
//! * [`backoff`]: growing waits between retries (Wi-Fi joins, SNTP).
//! * [`watchdog`]: when a firmware may feed its hardware watchdog.
//! * [`wallclock`]: the Unix time at boot from SNTP, for `process_start_time_seconds`.
//! * [`time`]: the monotonic [`time::Instant`] callers pass in.
//!
//! Nothing here reads a clock, opens a socket or allocates: time and buffers are passed in.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod announce;
pub mod backoff;
pub mod contact;
pub mod device;
pub mod expo;
pub mod http;
mod json;
pub mod names;
pub mod packet;
pub mod pin;
pub mod probe;
pub mod schedule;
pub mod sender;
pub mod text;
pub mod time;
pub mod wallclock;
pub mod watchdog;

pub use packet::{Body, DecodeError, EncodeError, Packet, Reading, Status, decode, encode};
pub use text::Text;
