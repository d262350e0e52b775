//! `promcast-agent`: the device program for Linux boards (Raspberry Pi). It does what the
//! ESP32 and Pico firmware do, with the same core logic:
//!
//! * serves `/metrics` (pull, as the seed ESP32 exporter did): the `gpio_pin_*` families of
//!   its door contacts, process and device facts;
//! * sends packets (push, as the seed Pico did) to the fleet's push target: a temperature
//!   reading per DS18B20 probe per poll, a status packet after failed reads, a contact packet
//!   on every edge and a round of contact state packets every `contact_state_interval`;
//! * announces its HTTP port to the same target at start and every `announce_interval`, for
//!   the gateway's service discovery (`/sd/devices`).
//!
//! Contacts come from the GPIO character device ([`gpio`]) and probes from the kernel's
//! `w1_therm` sysfs files ([`w1`]); the [`sim`] backend plays scripted or random edges and
//! temperatures instead, for the demo and tests.
//!
//! Tests and other programs run an agent in-process with [`Agent::start`], on a listener
//! bound to port 0 and a [`clock::ManualClock`]:
//!
//! ```no_run
//! # use std::net::TcpListener;
//! # use std::time::Duration;
//! # use promcast_agent::{Agent, Backends, Options, PushTo, clock::ManualClock, sim, transport::Target};
//! # let fleet = promcast_fleet::Fleet::load("deploy/fleet.example.toml").unwrap();
//! let device = fleet.device("pi-hall").unwrap();
//! let clock = ManualClock::new(Some(1_700_000_000_000));
//! let steps = sim::parse_script("back-door:on@2s,back-door:off@5s", &device.pins).unwrap();
//! let backends = Backends {
//!     contacts: Box::new(sim::SimContacts::scripted(&device.pins, steps)),
//!     thermometers: Box::new(sim::SimThermometers::new(&device.probes, "Hall=19.5", 1).unwrap()),
//! };
//! let options = Options {
//!     push: PushTo::Target(Target::Addr("127.0.0.1:9999".parse().unwrap())),
//!     ..Options::default()
//! };
//! let agent = Agent::start(device, backends, TcpListener::bind("127.0.0.1:0").unwrap(), options, clock.clone()).unwrap();
//! clock.advance(Duration::from_secs(2)); // the door opens: an edge packet goes out
//! agent.stop();
//! ```

#![forbid(unsafe_code)]

mod agent;
pub mod cli;
pub mod clock;
pub mod contacts;
pub mod gpio;
pub mod http;
pub mod identity;
pub mod probes;
pub mod sim;
pub mod telemetry;
pub mod transport;
pub mod w1;

pub use agent::{Agent, Backends, Options, PACKET_BUF_LEN, PushTo, REVISION, StartError, VERSION};
pub use telemetry::Stats;
