//! The `no_std`, allocation-free heart of promcast.
//!
//! * [`packet`]: the UDP wire format (decode and encode), seed-compatible JSON.
//! * [`text`]: [`Text`], a string as it sits inside a JSON packet (escaped or plain).
//! * [`names`]: the seed exporter's friendly-name and sensor-name rules.
//! * [`expo`]: the Prometheus text 0.0.4 / OpenMetrics 1.0 exposition writer.
//!
//! Nothing here reads a clock, opens a socket or allocates: time and buffers are passed in.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod expo;
mod json;
pub mod names;
pub mod packet;
pub mod text;

pub use packet::{Body, DecodeError, EncodeError, Packet, Reading, Status, decode, encode};
pub use text::Text;
