//! Free loopback ports for servers under test.
//!
//! Binding to port 0 and passing the listener itself is better when the code under test
//! accepts a listener; these helpers are for child processes (such as Prometheus) that
//! must be told a port. Inside a private network namespace ([`crate::netns`]) every port
//! is free, so the short window between releasing and reusing the port is harmless.

use std::net::{Ipv4Addr, TcpListener, UdpSocket};

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
///
/// # Panics
/// If no port can be bound on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind a TCP socket to 127.0.0.1:0")
        .port()
}

/// Returns a UDP port on 127.0.0.1 that was free a moment ago.
///
/// # Panics
/// If no port can be bound on 127.0.0.1.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|socket| socket.local_addr())
        .expect("bind a UDP socket to 127.0.0.1:0")
        .port()
}
