//! The wall clock, for `process_start_time_seconds` only: the Unix time at boot, learnt
//! from SNTP. The arithmetic (boot time from an answer and the monotonic clock, the floor
//! before the first answer, refusing a time before the floor) is core's
//! [`promcast_core::wallclock::WallClock`]; this module shares it between the tasks and
//! runs the SNTP exchanges. Durations never use it (they come from the monotonic clock,
//! [`crate::now`]), and until the first SNTP answer it is unknown, so the metric is left out
//! rather than wrong.

use core::cell::Cell;
use core::net::{IpAddr, SocketAddr};

use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, Stack};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_time::{Duration, Timer, with_timeout};
use promcast_core::backoff::Backoff;
use promcast_core::wallclock::{ClockError, UnixTime, WallClock};
use sntpc::{NtpContext, NtpTimestampGenerator};
use sntpc_net_embassy::UdpSocketWrapper;

use crate::{config, now, to_embassy_duration};

/// The SNTP port.
const NTP_PORT: u16 = 123;
/// How long to wait for an SNTP answer.
const SNTP_TIMEOUT: Duration = Duration::from_secs(5);
/// Between successful synchronisations (the crystal drifts; the start time is corrected).
const RESYNC_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// First retry after a failed synchronisation; doubled per failure up to the maximum.
const RETRY_MIN: core::time::Duration = core::time::Duration::from_secs(2);
/// Longest wait between failed synchronisations.
const RETRY_MAX: core::time::Duration = core::time::Duration::from_secs(300);
/// UDP receive/send packet slots of the SNTP socket.
const SNTP_PACKETS: usize = 2;
/// UDP buffer bytes (an SNTP packet is 48 bytes).
const SNTP_BUF: usize = 128;

/// Core's [`WallClock`], shared by the SNTP task (which sets it) and the HTTP workers
/// (which read the start time).
pub struct SharedClock {
    clock: Mutex<CriticalSectionRawMutex, Cell<WallClock>>,
}

impl Default for SharedClock {
    fn default() -> Self {
        SharedClock::new()
    }
}

impl SharedClock {
    /// An unset clock.
    pub const fn new() -> Self {
        SharedClock {
            clock: Mutex::new(Cell::new(WallClock::new())),
        }
    }

    /// Unix time at boot in seconds, once SNTP has answered.
    pub fn start_unix(&self) -> Option<f64> {
        self.clock.lock(Cell::get).start_unix()
    }

    /// The local Unix time now, as the clock believes it.
    fn unix_time_now(&self) -> UnixTime {
        self.clock.lock(Cell::get).unix_time_at(now())
    }

    /// SNTP measured the local clock `offset_micros` behind the server now.
    fn correct(&self, offset_micros: i64) -> Result<(), ClockError> {
        self.clock.lock(|c| {
            let mut clock = c.get();
            let corrected = clock.correct(now(), offset_micros);
            c.set(clock);
            corrected
        })
    }
}

/// sntpc's view of the local clock: the shared clock's Unix time when `init` was called.
#[derive(Clone, Copy)]
struct LocalTime<'a> {
    clock: &'a SharedClock,
    time: UnixTime,
}

impl NtpTimestampGenerator for LocalTime<'_> {
    fn init(&mut self) {
        self.time = self.clock.unix_time_now();
    }

    fn timestamp_sec(&self) -> u64 {
        self.time.secs
    }

    fn timestamp_subsec_micros(&self) -> u32 {
        self.time.subsec_micros
    }
}

/// Why one synchronisation failed.
#[derive(Clone, Copy, Debug, defmt::Format)]
enum SyncError {
    /// The server name did not resolve.
    Dns,
    /// No IPv4 address for the server.
    NoAddress,
    /// The socket could not be bound.
    Bind,
    /// sntpc reported an error.
    Sntp(sntpc::Error),
    /// No answer in time.
    Timeout,
    /// The answer was refused (a time before the clock's floor).
    Refused(ClockError),
}

/// Keep the wall clock set: synchronise whenever the network is up, every
/// [`RESYNC_INTERVAL`], retrying failures with backoff.
pub async fn run(stack: Stack<'static>, clock: &'static SharedClock) -> ! {
    let mut retry = Backoff::doubling(RETRY_MIN, RETRY_MAX);
    loop {
        stack.wait_config_up().await;
        match sync(stack, clock).await {
            Ok(()) => {
                retry.reset();
                if let Some(start) = clock.start_unix() {
                    defmt::info!("sntp: boot was at unix time {=f64}", start);
                }
                Timer::after(RESYNC_INTERVAL).await;
            }
            Err(e) => {
                let delay = retry.next_delay();
                defmt::warn!(
                    "sntp: {} failed: {}; retry in {}",
                    config::NTP_SERVER,
                    e,
                    delay
                );
                Timer::after(to_embassy_duration(delay)).await;
            }
        }
    }
}

/// One SNTP exchange with [`config::NTP_SERVER`].
async fn sync(stack: Stack<'static>, clock: &SharedClock) -> Result<(), SyncError> {
    let addrs = stack
        .dns_query(config::NTP_SERVER, DnsQueryType::A)
        .await
        .map_err(|_| SyncError::Dns)?;
    let ip = addrs
        .iter()
        .find_map(|a| match a {
            IpAddress::Ipv4(v4) => Some(*v4),
            #[allow(unreachable_patterns, reason = "IPv6 is compiled out")]
            _ => None,
        })
        .ok_or(SyncError::NoAddress)?;

    let mut rx_meta = [PacketMetadata::EMPTY; SNTP_PACKETS];
    let mut rx_buf = [0; SNTP_BUF];
    let mut tx_meta = [PacketMetadata::EMPTY; SNTP_PACKETS];
    let mut tx_buf = [0; SNTP_BUF];
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
    socket.bind(0).map_err(|_| SyncError::Bind)?;
    let socket = UdpSocketWrapper::new(socket);

    let context = NtpContext::new(LocalTime {
        clock,
        time: UnixTime::default(),
    });
    let server = SocketAddr::new(IpAddr::V4(ip), NTP_PORT);
    let result = with_timeout(SNTP_TIMEOUT, sntpc::get_time(server, &socket, context))
        .await
        .map_err(|_| SyncError::Timeout)?
        .map_err(SyncError::Sntp)?;
    clock.correct(result.offset).map_err(SyncError::Refused)
}
