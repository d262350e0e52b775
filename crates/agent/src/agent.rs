//! The running agent: the HTTP server, the push loop and the probe reader.
//!
//! Threads:
//!
//! * **push loop**: keeps the pin trackers up to date, sends a contact packet when a pin's
//!   (debounced) state or transition count changed and a round of state packets every
//!   `contact_state_interval`; asks the probe reader for a poll when the core [`Sender`] says
//!   one is due, and turns its reads into temperature packets and, after failed reads, a
//!   status packet; sends an announce packet (the HTTP port, for the gateway's service
//!   discovery) at start and every `announce_interval`. All packets are encoded here, so
//!   they share one `seq` counter and leave in a deterministic order: announce, contacts,
//!   temperatures.
//! * **probe reader**: does the slow part of a poll (one conversion for all probes, then each
//!   read) away from the loop, so edges are not held up by a 750 ms conversion.
//! * **HTTP**: acceptor and one thread per connection ([`crate::http`]); a scrape brings the
//!   trackers up to `now` itself, so it is exact without waiting for the loop.
//!
//! Time comes from a [`Clock`]; with a [`crate::clock::ManualClock`] nothing happens until
//! the test moves it.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender as ChannelSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use promcast_core::announce::{AnnounceConfig, Announcer, METRICS_PATH};
use promcast_core::contact::ContactPusher;
use promcast_core::device::{self, BufWriter, BuildInfo, DeviceInfo, DeviceMetrics, PinReport};
use promcast_core::expo::Format;
use promcast_core::packet::Sequence;
use promcast_core::probe::RomId;
use promcast_core::sender::{Sender, SenderConfig};
use promcast_core::time::Instant;
use promcast_fleet::Device;

use crate::clock::{Clock, Wake};
use crate::contacts::{ContactSource, Inputs, Reported};
use crate::http::{HttpConfig, Render, Server};
use crate::probes::{self, ProbeRead, Thermometers};
use crate::telemetry::{Stats, Telemetry};
use crate::transport::{Target, Transport, TransportError};

/// Largest packet the agent encodes (the gateway accepts 2048 bytes by default).
pub const PACKET_BUF_LEN: usize = 2048;

/// The interval that stands for "never" (`contact_state_interval = "0s"`).
const NEVER: Duration = Duration::from_secs(u64::MAX / 4);

/// The program's version, for `promcast_build_info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git revision, for `promcast_build_info`.
pub const REVISION: &str = match option_env!("PROMCAST_GIT_REVISION") {
    Some(r) => r,
    None => "unknown",
};

/// Where contacts and temperatures come from.
pub struct Backends {
    /// Contact levels and edges.
    pub contacts: Box<dyn ContactSource>,
    /// DS18B20 probes.
    pub thermometers: Box<dyn Thermometers>,
}

impl fmt::Debug for Backends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backends").finish_non_exhaustive()
    }
}

/// Where packets go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PushTo {
    /// The device's `push` setting from the fleet file.
    #[default]
    Fleet,
    /// Here instead (a test's socket, `--push.target`).
    Target(Target),
    /// Nowhere.
    Off,
}

/// Settings that are not in the fleet file.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where packets go.
    pub push: PushTo,
    /// Interface for multicast (name or IPv4 address); default: the kernel's choice.
    pub multicast_interface: Option<String>,
    /// MAC for the exposition's `mac` label.
    pub mac: Option<String>,
    /// HTTP limits.
    pub http: HttpConfig,
    /// The signal edge sources use to wake the push loop (give the same one to a GPIO
    /// source).
    pub wake: Arc<Wake>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            push: PushTo::Fleet,
            multicast_interface: None,
            mac: None,
            http: HttpConfig::default(),
            wake: Wake::new(),
        }
    }
}

/// Why the agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The push socket.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Threads or the listener.
    #[error("cannot start: {0}")]
    Io(#[from] std::io::Error),
}

/// What the push loop and the HTTP handlers share.
struct Shared {
    device: Device,
    clock: Arc<dyn Clock>,
    start: Instant,
    start_unix: Mutex<Option<f64>>,
    mac: String,
    inputs: Mutex<Inputs>,
    telemetry: Telemetry,
}

impl Shared {
    fn inputs(&self) -> MutexGuard<'_, Inputs> {
        self.inputs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start_unix(&self, now: Instant) -> Option<f64> {
        let mut s = self
            .start_unix
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if s.is_none() {
            *s = self
                .clock
                .unix_seconds()
                .map(|u| u - now.secs_since(self.start));
        }
        *s
    }
}

struct Exposition(Arc<Shared>);

impl Render for Exposition {
    fn render(&self, format: Format, w: &mut BufWriter<'_>) -> fmt::Result {
        let s = &self.0;
        let now = s.clock.now();
        let states: Vec<_> = {
            let mut inputs = s.inputs();
            inputs.sync(now);
            (0..s.device.pins.len())
                .filter_map(|i| inputs.state(i, now))
                .collect()
        };
        let pins: Vec<PinReport<'_>> = s
            .device
            .pins
            .iter()
            .zip(states)
            .map(|(p, state)| PinReport {
                hostname: &s.device.hostname,
                name: &p.name,
                number: p.number,
                state,
            })
            .collect();
        let metrics = DeviceMetrics {
            info: DeviceInfo {
                hostname: &s.device.hostname,
                mac: &s.mac,
                platform: s.device.platform.chip(),
                unique_id: s.device.id.as_str(),
            },
            build: BuildInfo {
                version: VERSION,
                revision: REVISION,
            },
            start_unix: s.start_unix(now),
            uptime_seconds: now.secs_since(s.start),
            pins: &pins,
            extras: &[],
        };
        device::render(w, format, &metrics).map(|_| ())
    }
}

/// A running agent.
pub struct Agent {
    shared: Arc<Shared>,
    server: Option<Server>,
    stop: Arc<AtomicBool>,
    wake: Arc<Wake>,
    push_loop: Option<JoinHandle<()>>,
    push_addr: Option<SocketAddr>,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("device", &self.shared.device.name)
            .field("http_addr", &self.http_addr())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Start serving `device` on `http` (already bound; tests bind port 0) and pushing
    /// packets, with contacts and probes from `backends`, on `clock`. Returns once the
    /// threads run: connections to `http` are served from now on.
    pub fn start(
        device: &Device,
        backends: Backends,
        http: TcpListener,
        options: Options,
        clock: Arc<dyn Clock>,
    ) -> Result<Agent, StartError> {
        let start = clock.now();
        let transport = match &options.push {
            PushTo::Fleet => device.push.as_ref().map(Target::from_push),
            PushTo::Target(t) => Some(t.clone()),
            PushTo::Off => None,
        }
        .map(|t| Transport::new(t, options.multicast_interface.as_deref()))
        .transpose()?;
        let push_addr = transport.as_ref().and_then(|t| match t.target() {
            Target::Addr(a) => Some(*a),
            Target::Host(..) => None,
        });
        let inputs = Inputs::new(&device.pins, backends.contacts, start);
        let shared = Arc::new(Shared {
            device: device.clone(),
            clock: clock.clone(),
            start,
            start_unix: Mutex::new(None),
            mac: options.mac.clone().unwrap_or_default(),
            inputs: Mutex::new(inputs),
            telemetry: Telemetry::default(),
        });
        shared.start_unix(start);
        // Announced as bound, so a listener on port 0 (tests) announces its real port.
        let http_port = http.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let wake = options.wake.clone();
        let push_loop = {
            let (shared, stop, wake) = (shared.clone(), stop.clone(), wake.clone());
            let thermometers = backends.thermometers;
            thread::Builder::new()
                .name("push-loop".into())
                .spawn(move || {
                    push_loop(&shared, transport, thermometers, http_port, &wake, &stop)
                })?
        };
        let server = Server::start(http, Arc::new(Exposition(shared.clone())), options.http);
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                stop.store(true, Ordering::SeqCst);
                wake.notify();
                let _ = push_loop.join();
                return Err(e.into());
            }
        };
        tracing::info!(
            device = %device.name,
            id = %device.id,
            http = %server.addr(),
            push = ?push_addr,
            pins = device.pins.len(),
            probes = device.probes.len(),
            "promcast-agent running"
        );
        Ok(Agent {
            shared,
            server: Some(server),
            stop,
            wake,
            push_loop: Some(push_loop),
            push_addr,
        })
    }

    /// Where HTTP is served.
    pub fn http_addr(&self) -> SocketAddr {
        self.server
            .as_ref()
            .map(Server::addr)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Where packets go, when the target is an address (not a host name to resolve).
    pub fn push_addr(&self) -> Option<SocketAddr> {
        self.push_addr
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        self.shared.telemetry.snapshot()
    }

    /// Wait until `pred` holds for the counters, at most `timeout`; returns them and whether
    /// it held. For tests: "the poll at 10 s has been sent" is `|s| s.polls >= 2`.
    pub fn wait_for(&self, timeout: Duration, pred: impl Fn(&Stats) -> bool) -> (Stats, bool) {
        self.shared.telemetry.wait_for(timeout, pred)
    }

    /// Stop: finish in-flight HTTP requests, stop the loop (and a poll in progress), join
    /// every thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify();
        if let Some(h) = self.push_loop.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One poll's reads, with the time the poll was started.
type PollResult = (Instant, Vec<ProbeRead>);

fn probe_reader(
    mut bus: Box<dyn Thermometers>,
    configured: Vec<RomId>,
    requests: Receiver<Instant>,
    results: ChannelSender<PollResult>,
    wake: Arc<Wake>,
) {
    for at in requests {
        let reads = probes::poll(bus.as_mut(), &configured, at);
        if results.send((at, reads)).is_err() {
            return;
        }
        wake.notify();
    }
}

/// Encodes and sends; the one `seq` counter lives here.
struct Out<'t> {
    transport: Option<&'t Transport>,
    seq: Sequence,
    buf: [u8; PACKET_BUF_LEN],
}

impl Out<'_> {
    fn send(&self, telemetry: &Telemetry, what: &str, n: usize) -> bool {
        let Some(t) = self.transport else {
            return false;
        };
        match t.send(&self.buf[..n]) {
            Ok(()) => true,
            Err(e) => {
                telemetry.send_failed(what, &e);
                false
            }
        }
    }
}

fn push_loop(
    shared: &Shared,
    transport: Option<Transport>,
    thermometers: Box<dyn Thermometers>,
    http_port: u16,
    wake: &Arc<Wake>,
    stop: &AtomicBool,
) {
    let device = &shared.device;
    let telemetry = &shared.telemetry;
    let start = shared.start;
    let settings = device.probe_settings();
    let mut sender = Sender::new(
        SenderConfig {
            device: Some(&device.name),
            probes: &settings,
            interval: device.poll_interval,
            sequence: true,
        },
        start,
    );
    let mut pusher = ContactPusher::new(
        &device.name,
        device.contact_state_interval.unwrap_or(NEVER),
        start,
    );
    // Only with somewhere to send them: an announcement nobody receives is not counted.
    let mut announcer = device
        .announce_interval
        .filter(|_| transport.is_some())
        .map(|interval| {
            let cfg = AnnounceConfig {
                device: &device.name,
                hostname: &device.hostname,
                port: http_port,
                path: Some(METRICS_PATH),
                interval,
            };
            Announcer::new(cfg, start)
        });
    let mut out = Out {
        transport: transport.as_ref(),
        seq: Sequence::default(),
        buf: [0; PACKET_BUF_LEN],
    };
    let mut reported: Vec<Reported> = {
        let inputs = shared.inputs();
        (0..device.pins.len())
            .filter_map(|i| inputs.snapshot(i, start).map(|s| Reported::of(&s)))
            .collect()
    };

    let (req_tx, req_rx) = mpsc::channel::<Instant>();
    let (res_tx, res_rx) = mpsc::channel::<PollResult>();
    let reader = {
        let configured: Vec<RomId> = device.probes.iter().map(|p| p.rom).collect();
        let wake = wake.clone();
        thread::Builder::new()
            .name("probe-reader".into())
            .spawn(move || probe_reader(thermometers, configured, req_rx, res_tx, wake))
    };
    let reader = match reader {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the probe reader; temperatures are not polled");
            None
        }
    };
    let mut in_flight = false;

    while !stop.load(Ordering::SeqCst) {
        let seen = wake.generation();
        let now = shared.clock.now();

        // Service discovery: where this device serves its metrics.
        if let Some(a) = announcer.as_mut().filter(|a| a.is_due(now)) {
            match a.announce(now, &mut out.seq, &mut out.buf) {
                Ok(n) if out.send(telemetry, "announce", n) => {
                    telemetry.update(|s| s.announce_packets += 1)
                }
                Ok(_) => {}
                Err(e) => telemetry.send_failed("announce", &format_args!("{e:?}")),
            }
        }
        let announce_deadline = announcer.as_ref().map(Announcer::next);

        // Contacts: an edge packet per pin that changed, then a state round when due.
        let contacts_deadline = {
            let mut inputs = shared.inputs();
            inputs.sync(now);
            for (i, pin) in device.pins.iter().enumerate() {
                let Some(snap) = inputs.snapshot(i, now) else {
                    continue;
                };
                if Reported::of(&snap) == reported[i] {
                    continue;
                }
                reported[i] = Reported::of(&snap);
                *pusher.sequence_mut() = out.seq;
                let n = pusher.edge(&pin.name, pin.number, &snap, &mut out.buf);
                out.seq = *pusher.sequence_mut();
                tracing::info!(pin = %pin.name, on = snap.on, "contact changed");
                match n {
                    Ok(n) if out.send(telemetry, "contact edge", n) => {
                        telemetry.update(|s| s.edge_packets += 1)
                    }
                    Ok(_) => {}
                    Err(e) => telemetry.send_failed("contact edge", &format_args!("{e:?}")),
                }
            }
            if !device.pins.is_empty() && pusher.state_due(now) {
                pusher.begin_states(now);
                for (i, pin) in device.pins.iter().enumerate() {
                    let Some(snap) = inputs.snapshot(i, now) else {
                        continue;
                    };
                    *pusher.sequence_mut() = out.seq;
                    let n = pusher.state(&pin.name, pin.number, &snap, &mut out.buf);
                    out.seq = *pusher.sequence_mut();
                    match n {
                        Ok(n) if out.send(telemetry, "contact state", n) => {
                            telemetry.update(|s| s.state_packets += 1)
                        }
                        Ok(_) => {}
                        Err(e) => telemetry.send_failed("contact state", &format_args!("{e:?}")),
                    }
                }
            }
            let next_state = (!device.pins.is_empty()).then(|| pusher.next_state());
            inputs.deadline().into_iter().chain(next_state).min()
        };

        // Temperatures: packets for a finished poll, then ask for the next one when due.
        while let Ok((at, reads)) = res_rx.try_recv() {
            in_flight = false;
            *sender.sequence_mut() = out.seq;
            let (mut readings, mut statuses) = (0, 0);
            {
                let mut led = ();
                let mut poll = sender.begin_poll(at, &mut led);
                for (rom, read) in &reads {
                    if let Err(e) = read {
                        telemetry.read_failed(rom, *e);
                    }
                    match poll.reading(rom, *read, &mut out.buf) {
                        Ok(Some(n)) => readings += u64::from(out.send(telemetry, "temperature", n)),
                        Ok(None) => {}
                        Err(e) => telemetry.send_failed("temperature", &format_args!("{e:?}")),
                    }
                }
                match poll.finish(&mut out.buf) {
                    Ok(Some(n)) => statuses += u64::from(out.send(telemetry, "status", n)),
                    Ok(None) => {}
                    Err(e) => telemetry.send_failed("status", &format_args!("{e:?}")),
                }
            }
            out.seq = *sender.sequence_mut();
            let sender_stats = sender.stats();
            telemetry.update(|s| {
                s.polls += 1;
                s.sender = sender_stats;
                s.reading_packets += readings;
                s.status_packets += statuses;
            });
        }
        if reader.is_some() && !in_flight && sender.poll_due(now) {
            in_flight = req_tx.send(now).is_ok();
        }
        let poll_deadline = (!in_flight).then(|| sender.next_poll());

        telemetry.update(|s| {
            s.iterations += 1;
            s.loop_time = now;
        });
        let deadline = contacts_deadline
            .into_iter()
            .chain(poll_deadline)
            .chain(announce_deadline)
            .min();
        shared.clock.sleep_until(wake, seen, deadline);
    }
    drop(req_tx);
    if let Some(r) = reader {
        let _ = r.join();
    }
}
