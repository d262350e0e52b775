//! Test support for promcast.
//!
//! - [`netns`]: run one `#[test]`'s body inside a fresh private network namespace
//!   ([`in_netns!`]), where multicast on `lo` is safe and ports are private.
//! - [`http`]: a small blocking HTTP/1.1 client with timeouts, plus raw-bytes requests.
//! - [`prometheus`]: a real Prometheus server as a child process, with query helpers.
//! - [`ports`]: free loopback ports.
//!
//! Tests that send or join multicast, or start Prometheus, must isolate themselves with
//! [`in_netns!`] first: this machine's real interfaces are never a target.

#![deny(unsafe_code)]

pub use ports::{free_port, free_udp_port};

mod child;
pub mod http;
pub mod netns;
pub mod ports;
pub mod prometheus;
pub mod promtool;
