//! Shared test helpers: a fleet with one Linux device, a UDP receiver, an agent on a
//! manual clock.

#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use promcast_agent::clock::ManualClock;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::transport::Target;
use promcast_agent::{Agent, Backends, Options, PushTo};
use promcast_core::time::Instant;
use promcast_fleet::{Device, Fleet};

/// Wall-clock time of the manual clock's origin: 2023-11-14T22:13:20Z.
pub const UNIX_MS: u64 = 1_700_000_000_000;

/// A Linux board with a door contact (pull-up, active-low, 20 ms debounce), a window
/// contact (active-high) and two probes.
pub const FLEET: &str = r#"
[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]
name = "pi-hall"
platform = "linux"
push = "239.0.0.1:9999"
pins = [
    { number = 17, name = "back-door", pull = "up", active_low = true, debounce = "20ms" },
    { number = 27, name = "window" },
]
probes = [
    { rom = "28-0000072431a5", name = "Hall" },
    { rom = "28-00000a1b2c02", name = "Loft", offset = -0.5 },
]
"#;

/// The device of [`FLEET`].
pub fn device() -> Device {
    Fleet::from_toml(FLEET, "fleet.toml")
        .expect("the test fleet is valid")
        .device("pi-hall")
        .expect("pi-hall")
        .clone()
}

/// A UDP socket on loopback that the agent sends to.
pub struct Receiver {
    pub socket: UdpSocket,
}

impl Receiver {
    pub fn new() -> Receiver {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Receiver { socket }
    }

    pub fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("addr")
    }

    /// The next datagram, as text (fails after 10 s without one).
    pub fn next(&self) -> String {
        let mut buf = [0u8; 4096];
        let n = self.socket.recv(&mut buf).expect("a datagram within 10 s");
        String::from_utf8(buf[..n].to_vec()).expect("UTF-8")
    }

    /// The next `n` datagrams.
    pub fn take(&self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.next()).collect()
    }

    /// Nothing more is waiting (call once the agent has provably sent what it will).
    pub fn assert_empty(&self) {
        self.socket.set_nonblocking(true).expect("nonblocking");
        let mut buf = [0u8; 4096];
        let got = self.socket.recv(&mut buf);
        self.socket.set_nonblocking(false).expect("blocking");
        if let Ok(n) = got {
            panic!(
                "unexpected datagram: {}",
                String::from_utf8_lossy(&buf[..n])
            );
        }
    }
}

/// An agent for `device` with the sim backend, a manual clock and packets to `rx`.
pub fn start_sim(
    device: &Device,
    script: &str,
    temperatures: &str,
    rx: &Receiver,
) -> (Agent, Arc<ManualClock>) {
    let steps = parse_script(script, &device.pins).expect("script");
    let backends = Backends {
        contacts: Box::new(SimContacts::scripted(&device.pins, steps)),
        thermometers: Box::new(
            SimThermometers::new(&device.probes, temperatures, 1).expect("temperatures"),
        ),
    };
    start(device, backends, rx)
}

/// An agent for `device` with these backends, a manual clock and packets to `rx`.
pub fn start(device: &Device, backends: Backends, rx: &Receiver) -> (Agent, Arc<ManualClock>) {
    let clock = ManualClock::new(Some(UNIX_MS));
    let options = Options {
        push: PushTo::Target(Target::Addr(rx.addr())),
        ..Options::default()
    };
    let http = TcpListener::bind("127.0.0.1:0").expect("bind HTTP");
    let agent = Agent::start(device, backends, http, options, clock.clone()).expect("start");
    (agent, clock)
}

/// Milliseconds as an instant.
pub fn ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Move the clock to `t` and wait until the push loop has handled it.
pub fn advance_to(agent: &Agent, clock: &ManualClock, t: Instant) {
    clock.advance_to(t);
    let (s, ok) = agent.wait_for(Duration::from_secs(10), |s| s.loop_time >= t);
    assert!(ok, "the push loop did not reach {t:?}: {s:?}");
}

/// Wait until `n` polls have been handled.
pub fn wait_polls(agent: &Agent, n: u64) {
    let (s, ok) = agent.wait_for(Duration::from_secs(10), |s| s.polls >= n);
    assert!(ok, "{n} polls were not handled: {s:?}");
}
