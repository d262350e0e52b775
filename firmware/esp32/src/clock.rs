//! The wall clock, for `process_start_time_seconds` only: the Unix time at boot, learnt
//! from SNTP. Durations never use it (they come from the monotonic clock, [`crate::now`]),
//! and until the first SNTP answer it is unknown, so the metric is left out rather than
//! wrong.

use core::cell::Cell;
use core::net::{IpAddr, SocketAddr};

use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, Stack};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_time::{Duration, Timer, with_timeout};
use sntpc::{NtpContext, NtpTimestampGenerator};
use sntpc_net_embassy::UdpSocketWrapper;

use crate::config;
use crate::now;

/// A time no later than any this firmware runs at (2026-01-01T00:00:00Z): the clock's
/// guess before SNTP, which only has to pick the right NTP era.
const CLOCK_FLOOR_UNIX_SECS: i64 = 1_767_225_600;
/// The SNTP port.
const NTP_PORT: u16 = 123;
/// How long to wait for an SNTP answer.
const SNTP_TIMEOUT: Duration = Duration::from_secs(5);
/// Between successful synchronisations (the crystal drifts; the start time is corrected).
const RESYNC_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// First retry after a failed synchronisation; doubled per failure up to the maximum.
const RETRY_MIN: Duration = Duration::from_secs(2);
/// Longest wait between failed synchronisations.
const RETRY_MAX: Duration = Duration::from_secs(300);
/// UDP receive/send packet slots of the SNTP socket.
const SNTP_PACKETS: usize = 2;
/// UDP buffer bytes (an SNTP packet is 48 bytes).
const SNTP_BUF: usize = 128;

/// The Unix time at boot, once known.
pub struct WallClock {
    /// Microseconds since the Unix epoch at boot (at the monotonic clock's zero).
    start_unix_micros: Mutex<CriticalSectionRawMutex, Cell<Option<i64>>>,
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::new()
    }
}

impl WallClock {
    /// An unset clock.
    pub const fn new() -> Self {
        WallClock {
            start_unix_micros: Mutex::new(Cell::new(None)),
        }
    }

    /// Unix time at boot in seconds, once SNTP has answered.
    pub fn start_unix(&self) -> Option<f64> {
        self.start_unix_micros
            .lock(Cell::get)
            .map(|us| us as f64 / 1e6)
    }

    /// Boot time as this clock believes it: synchronised, or the floor.
    fn base_micros(&self) -> i64 {
        self.start_unix_micros
            .lock(Cell::get)
            .unwrap_or(CLOCK_FLOOR_UNIX_SECS * 1_000_000)
    }

    /// The local Unix time in microseconds now: boot time plus the monotonic clock.
    fn unix_micros_now(&self) -> i64 {
        let uptime = i64::try_from(now().as_micros()).unwrap_or(i64::MAX);
        self.base_micros().saturating_add(uptime)
    }

    /// SNTP measured the local clock `offset_micros` behind the server: move the boot time.
    fn correct(&self, offset_micros: i64) {
        let start = self.base_micros().saturating_add(offset_micros);
        self.start_unix_micros.lock(|c| c.set(Some(start)));
    }
}

/// sntpc's view of the local clock: [`WallClock`]'s Unix time when `init` was called.
#[derive(Clone, Copy)]
struct LocalTime<'a> {
    clock: &'a WallClock,
    micros: i64,
}

impl NtpTimestampGenerator for LocalTime<'_> {
    fn init(&mut self) {
        self.micros = self.clock.unix_micros_now();
    }

    fn timestamp_sec(&self) -> u64 {
        u64::try_from(self.micros.div_euclid(1_000_000)).unwrap_or(0)
    }

    fn timestamp_subsec_micros(&self) -> u32 {
        u32::try_from(self.micros.rem_euclid(1_000_000)).unwrap_or(0)
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
}

/// Keep the wall clock set: synchronise whenever the network is up, every
/// [`RESYNC_INTERVAL`], retrying failures with backoff.
pub async fn run(stack: Stack<'static>, clock: &'static WallClock) -> ! {
    let mut retry = RETRY_MIN;
    loop {
        stack.wait_config_up().await;
        match sync(stack, clock).await {
            Ok(()) => {
                retry = RETRY_MIN;
                if let Some(start) = clock.start_unix() {
                    defmt::info!("sntp: boot was at unix time {=f64}", start);
                }
                Timer::after(RESYNC_INTERVAL).await;
            }
            Err(e) => {
                defmt::warn!(
                    "sntp: {} failed: {}; retry in {}",
                    config::NTP_SERVER,
                    e,
                    retry
                );
                Timer::after(retry).await;
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}

/// One SNTP exchange with [`config::NTP_SERVER`].
async fn sync(stack: Stack<'static>, clock: &WallClock) -> Result<(), SyncError> {
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

    let context = NtpContext::new(LocalTime { clock, micros: 0 });
    let server = SocketAddr::new(IpAddr::V4(ip), NTP_PORT);
    let result = with_timeout(SNTP_TIMEOUT, sntpc::get_time(server, &socket, context))
        .await
        .map_err(|_| SyncError::Timeout)?
        .map_err(SyncError::Sntp)?;
    clock.correct(result.offset);
    Ok(())
}
