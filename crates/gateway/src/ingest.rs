//! The UDP side: socket set-up (multicast joins, no cross-talk) and the ingest thread.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use promcast_core::{Body, decode};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::UdpConfig;
use crate::store::{Accepted, Store};
use crate::sys::{BATCH, RecvBatch, Wait, poll_readable};
use crate::telemetry::{Events, Reject, Telemetry};

/// Longest the ingest thread waits before re-checking for shutdown and the sweep timer.
const POLL_MAX: Duration = Duration::from_millis(100);

/// Longest the thread lets datagrams queue up before receiving again (see [`Linger`]): under
/// load, a reading's last-seen time is when it was handled, at most this long after it arrived.
pub const LINGER_MAX: Duration = Duration::from_millis(5);
/// How many datagrams a lingering wake-up aims to find queued: one receive batch.
const LINGER_TARGET: u32 = BATCH as u32;
/// Shorter pauses are not worth a system call.
const LINGER_MIN: Duration = Duration::from_micros(50);

/// Paces wake-ups under load. Each wake-up costs a context switch and a system call, more
/// than handling a datagram. When datagrams come faster than one per [`LINGER_MAX`] (one came
/// within that time of the thread going back to receiving), the thread sleeps after handling
/// what was queued, for as long as about [`LINGER_TARGET`] more take to arrive at the rate
/// just seen, so that each wake-up handles a batch. Readings then reach scrapes at most
/// [`LINGER_MAX`] later, and no more than about `LINGER_TARGET` datagrams wait in the socket
/// buffer, whatever the rate. Sparse datagrams are handled as soon as they arrive.
#[derive(Debug, Default)]
struct Linger {
    /// The previous wake-up with data.
    last_wake: Option<Duration>,
    /// When the thread went back to receiving after it.
    resumed: Duration,
}

impl Linger {
    /// A wake-up at monotonic time `now` handled `n` datagrams: how long to sleep before
    /// receiving again (zero for not at all).
    fn after_wake(&mut self, now: Duration, n: u64) -> Duration {
        let prev = self.last_wake.replace(now);
        let pause = match prev {
            // Datagrams were already queued or came soon after receiving resumed: they come
            // fast. `n` of them came since the previous wake-up; LINGER_TARGET more take
            // that time scaled by LINGER_TARGET / n.
            Some(prev) if n > 0 && now.saturating_sub(self.resumed) < LINGER_MAX => {
                let since = now.saturating_sub(prev);
                let pause = since * LINGER_TARGET / u32::try_from(n).unwrap_or(u32::MAX);
                Some(pause.min(LINGER_MAX)).filter(|p| *p >= LINGER_MIN)
            }
            _ => None,
        }
        .unwrap_or_default();
        self.resumed = now + pause;
        pause
    }
}

/// Why the UDP side could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Creating, configuring or binding a socket failed.
    #[error("cannot bind UDP {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// Joining a multicast group failed.
    #[error("cannot join multicast group {group}{}: {source}", .iface.as_ref().map(|i| format!(" on {i}")).unwrap_or_default())]
    Join {
        /// The group.
        group: IpAddr,
        /// The interface asked for.
        iface: Option<String>,
        /// The OS error.
        source: io::Error,
    },
    /// `udp.interface` names no interface.
    #[error("no such interface {0:?}")]
    NoInterface(String),
}

/// Create, bind and join every socket `cfg` asks for: one for the bind address (which also
/// joins the IPv4 groups), and one more on `[::]` when IPv6 groups are configured with an
/// IPv4 bind address. Multicast-all is switched off, so a socket receives only the groups it
/// joined itself, never those other sockets on the host joined on the same port.
pub fn bind(cfg: &UdpConfig) -> Result<Vec<UdpSocket>, BindError> {
    let iface = resolve_interface(cfg.interface.as_deref())?;
    let mut out = Vec::new();
    let main_addr = SocketAddr::new(cfg.bind_address, cfg.port);
    let main = new_socket(main_addr, cfg.recv_buffer_bytes)?;
    let v6_groups: Vec<Ipv6Addr> = cfg
        .groups
        .iter()
        .filter_map(|g| match g {
            IpAddr::V6(v6) => Some(*v6),
            IpAddr::V4(_) => None,
        })
        .collect();
    for g in &cfg.groups {
        if let IpAddr::V4(g4) = g {
            let ifa = match iface {
                Iface::Index(i) => InterfaceIndexOrAddress::Index(i),
                Iface::Addr(a) => InterfaceIndexOrAddress::Address(a),
                Iface::Any => InterfaceIndexOrAddress::Address(Ipv4Addr::UNSPECIFIED),
            };
            main.join_multicast_v4_n(g4, &ifa)
                .map_err(|source| BindError::Join {
                    group: *g,
                    iface: cfg.interface.clone(),
                    source,
                })?;
        }
    }
    let v6_sock = if cfg.bind_address.is_ipv6() || v6_groups.is_empty() {
        None
    } else {
        Some(new_socket(
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), cfg.port),
            cfg.recv_buffer_bytes,
        )?)
    };
    let sock6 = v6_sock.as_ref().unwrap_or(&main);
    for g in &v6_groups {
        let index = match iface {
            Iface::Index(i) => i,
            _ => 0,
        };
        sock6
            .join_multicast_v6(g, index)
            .map_err(|source| BindError::Join {
                group: IpAddr::V6(*g),
                iface: cfg.interface.clone(),
                source,
            })?;
    }
    out.push(main.into());
    if let Some(s) = v6_sock {
        out.push(s.into());
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Iface {
    Any,
    Index(u32),
    Addr(Ipv4Addr),
}

fn resolve_interface(name: Option<&str>) -> Result<Iface, BindError> {
    let Some(name) = name else {
        return Ok(Iface::Any);
    };
    if let Ok(a) = name.parse::<Ipv4Addr>() {
        return Ok(Iface::Addr(a));
    }
    let c = std::ffi::CString::new(name).map_err(|_| BindError::NoInterface(name.into()))?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if idx == 0 {
        Err(BindError::NoInterface(name.into()))
    } else {
        Ok(Iface::Index(idx))
    }
}

fn new_socket(addr: SocketAddr, rcvbuf: usize) -> Result<Socket, BindError> {
    let e = |source| BindError::Bind { addr, source };
    let domain = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)).map_err(e)?;
    s.set_reuse_address(true).map_err(e)?;
    if addr.is_ipv4() {
        s.set_multicast_all_v4(false).map_err(e)?;
    } else {
        s.set_only_v6(true).map_err(e)?;
        s.set_multicast_all_v6(false).map_err(e)?;
    }
    // Best effort: the kernel caps the size at net.core.rmem_max.
    if let Err(err) = s.set_recv_buffer_size(rcvbuf) {
        tracing::warn!(error = %err, "cannot set the UDP receive buffer size");
    }
    s.bind(&addr.into()).map_err(e)?;
    s.set_nonblocking(true).map_err(e)?;
    Ok(s)
}

/// Counts the ingest thread publishes after every batch and sweep (tests wait on these).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Datagrams handled so far.
    pub datagrams: u64,
    /// Expiry sweeps run so far.
    pub sweeps: u64,
}

/// The running ingest thread.
pub struct Ingest {
    stop: Arc<AtomicBool>,
    alive: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ingest {
    /// Start the thread.
    pub fn spawn(
        sockets: Vec<UdpSocket>,
        store: Store,
        clock: Arc<dyn Clock>,
        telemetry: Arc<Telemetry>,
        max_datagram: usize,
        sweep_interval: Duration,
        progress: watch::Sender<Progress>,
    ) -> io::Result<Ingest> {
        let stop = Arc::new(AtomicBool::new(false));
        let alive = Arc::new(AtomicBool::new(true));
        let st = Loop {
            sockets,
            store,
            clock,
            telemetry,
            batch: RecvBatch::new(max_datagram),
            batch_mono: Duration::ZERO,
            events: Events::default(),
            sweep_interval,
            progress,
            stop: stop.clone(),
            alive: alive.clone(),
        };
        for s in &st.sockets {
            s.set_nonblocking(true)?;
        }
        let thread = std::thread::Builder::new()
            .name("promcast-ingest".into())
            .spawn(move || st.run())?;
        Ok(Ingest {
            stop,
            alive,
            thread: Some(thread),
        })
    }

    /// Whether the thread is still running.
    pub fn alive(&self) -> Arc<AtomicBool> {
        self.alive.clone()
    }

    /// Stop the thread and wait for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

struct Loop {
    sockets: Vec<UdpSocket>,
    store: Store,
    clock: Arc<dyn Clock>,
    telemetry: Arc<Telemetry>,
    batch: RecvBatch,
    /// Monotonic time of the latest batch handled.
    batch_mono: Duration,
    events: Events,
    sweep_interval: Duration,
    progress: watch::Sender<Progress>,
    stop: Arc<AtomicBool>,
    alive: Arc<AtomicBool>,
}

struct AliveGuard(Arc<AtomicBool>);
impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Loop {
    fn run(mut self) {
        let _guard = AliveGuard(self.alive.clone());
        let sockets = std::mem::take(&mut self.sockets);
        let fds: Vec<BorrowedFd<'_>> = sockets.iter().map(|s| s.as_fd()).collect();
        // With one socket (the usual case) the thread sleeps inside `recvmmsg` itself: one
        // system call per wake-up instead of `poll` plus `recvmmsg`. The receive timeout
        // bounds the sleep as the poll timeout does with several sockets.
        let single = match sockets.as_slice() {
            [s] => match s.set_nonblocking(false) {
                Ok(()) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make the UDP socket blocking; polling instead");
                    None
                }
            },
            _ => None,
        };
        let mut timeout = None;
        let mut ready = Vec::with_capacity(fds.len());
        let mut progress = Progress::default();
        let mut next_sweep = self.clock.monotonic() + self.sweep_interval;
        let mut io_errors = 0u64;
        let mut linger = Linger::default();
        while !self.stop.load(Ordering::Acquire) {
            let now = self.clock.monotonic();
            if now >= next_sweep {
                let swept = self.store.sweep(now);
                self.events.expired(&self.telemetry, swept);
                self.store.publish();
                progress.sweeps += 1;
                self.progress.send_replace(progress);
                next_sweep = now + self.sweep_interval;
            }
            let wait = next_sweep.saturating_sub(now).min(POLL_MAX);
            let mut any = false;
            let before = progress.datagrams;
            if let Some(sock) = single {
                // A zero timeout would mean "forever"; a millisecond is the finest worth asking for.
                let wait = wait.max(Duration::from_millis(1));
                if timeout != Some(wait) {
                    match sock.set_read_timeout(Some(wait)) {
                        Ok(()) => timeout = Some(wait),
                        Err(e) => {
                            tracing::error!(error = %e, "cannot set the UDP receive timeout");
                            std::thread::sleep(POLL_MAX);
                            continue;
                        }
                    }
                }
                any = self.drain(fds[0], Wait::ForOne, &mut progress, &mut io_errors);
            } else {
                if let Err(e) = poll_readable(&fds, wait, &mut ready) {
                    tracing::error!(error = %e, "poll failed");
                    std::thread::sleep(POLL_MAX);
                    continue;
                }
                for (i, fd) in fds.iter().enumerate() {
                    if ready[i] {
                        any |= self.drain(*fd, Wait::No, &mut progress, &mut io_errors);
                    }
                }
            }
            if any {
                self.store.publish();
                self.progress.send_replace(progress);
                let pause = linger.after_wake(self.batch_mono, progress.datagrams - before);
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
        }
    }

    /// Receive and handle batches from `fd` until it has no more queued, waiting as `first`
    /// says for the first batch only. Whether any datagram came.
    fn drain(
        &mut self,
        fd: BorrowedFd<'_>,
        first: Wait,
        progress: &mut Progress,
        io_errors: &mut u64,
    ) -> bool {
        let mut wait = first;
        let mut any = false;
        loop {
            let n = match self.batch.recv(fd, wait) {
                Ok(n) => n,
                Err(e) => {
                    *io_errors += 1;
                    if io_errors.is_power_of_two() {
                        tracing::warn!(error = %e, count = *io_errors, "UDP receive error");
                    }
                    break;
                }
            };
            if n == 0 {
                break;
            }
            any = true;
            self.handle_batch(n);
            progress.datagrams += n as u64;
            if n < BATCH {
                break;
            }
            wait = Wait::No;
        }
        any
    }

    fn handle_batch(&mut self, n: usize) {
        let unix = self.clock.unix_seconds();
        let mono = self.clock.monotonic();
        self.batch_mono = mono;
        self.telemetry
            .received
            .fetch_add(n as u64, Ordering::Relaxed);
        for i in 0..n {
            let (data, truncated, src) = self.batch.get(i);
            let src = src.unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
            let why = if truncated {
                Reject::Truncated
            } else {
                match decode(data) {
                    Err(e) => Reject::Decode(e),
                    Ok(p) => match self.store.apply(&p, src.ip(), unix, mono) {
                        Ok(Accepted::Reading | Accepted::Contact | Accepted::Announce(None)) => {
                            continue;
                        }
                        Ok(Accepted::Announce(Some(target))) => {
                            self.events.announced(&target);
                            continue;
                        }
                        Ok(Accepted::Status) => {
                            if let Body::Status(s) = &p.body {
                                let dev = match &p.device {
                                    Some(d) => d.to_string(),
                                    None => src.ip().to_string(),
                                };
                                self.events.status(&dev, &s.name, &s.status);
                            }
                            continue;
                        }
                        Err(r) => r,
                    },
                }
            };
            self.events.rejected(&self.telemetry, mono, why, src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn sparse_datagrams_are_handled_at_once() {
        let mut l = Linger::default();
        assert_eq!(l.after_wake(ms(0), 1), Duration::ZERO, "first wake-up");
        assert_eq!(l.after_wake(ms(5), 1), Duration::ZERO, "one per LINGER_MAX");
        assert_eq!(l.after_wake(ms(500), 3), Duration::ZERO);
        assert_eq!(
            l.after_wake(ms(501), 0),
            Duration::ZERO,
            "a wake-up without data"
        );
    }

    #[test]
    fn the_pause_lets_a_batch_arrive_at_the_rate_seen() {
        let mut l = Linger::default();
        l.after_wake(ms(10), 1);
        // 1000 a second: 64 more take 64 ms, capped at LINGER_MAX.
        assert_eq!(l.after_wake(ms(11), 1), LINGER_MAX);
        // Right after that pause, 51 were queued (10 000 a second): 64 more take 6.4 ms,
        // still capped. The pause itself does not make the datagrams look sparse.
        assert_eq!(l.after_wake(ms(16) + us(100), 51), LINGER_MAX);
        // Nothing for a whole LINGER_MAX after receiving resumed: sparse again.
        assert_eq!(l.after_wake(ms(26) + us(100), 1), Duration::ZERO);
    }

    #[test]
    fn fast_datagrams_pause_for_a_batch_only() {
        let mut l = Linger::default();
        l.after_wake(ms(0), 1);
        // 200 000 a second: 64 more take 320 us.
        assert_eq!(l.after_wake(us(100), 20), us(320));
        assert_eq!(l.after_wake(us(420), 64), us(320));
        // Faster still: too short a pause to be worth a system call.
        assert_eq!(l.after_wake(us(750), 1000), Duration::ZERO);
    }

    #[test]
    fn a_clock_that_stands_still_never_pauses() {
        let mut l = Linger::default();
        for _ in 0..3 {
            assert_eq!(l.after_wake(ms(7), 5), Duration::ZERO);
        }
    }
}
