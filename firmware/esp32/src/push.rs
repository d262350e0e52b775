//! Contact push and announcements: a contact packet to the fleet's push target on every
//! change of an input, a round of state packets for all inputs every
//! `contact_state_interval` (so a gateway recovers from a lost datagram), and an announce
//! packet with the HTTP port at start and every `announce_interval` (so the gateway's
//! service discovery lists the device as a scrape target). Which inputs changed is core's
//! [`promcast_core::contact::ContactSet`]; encoding and scheduling are core's
//! ([`ContactPusher`], [`Announcer`]), all packets drawing `seq` from the pusher's one
//! counter; this task resolves the target and sends.

use embassy_futures::select::select;
use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use embassy_time::{Duration, Timer};
use promcast_core::announce::{AnnounceConfig, Announcer, METRICS_PATH};
use promcast_core::contact::ContactPusher;
use promcast_core::packet::EncodeError;

use crate::board::Shared;
use crate::config::{self, PINS, PushTarget};
use crate::{now, to_embassy};

/// Largest contact packet (a long input name and device name, every field present).
const PACKET_BUF: usize = 512;
/// UDP send packet slots.
const TX_PACKETS: usize = 4;
/// UDP send buffer bytes.
const TX_BUF: usize = 2 * PACKET_BUF;
/// UDP receive packet slots: nothing is received, smoltcp wants one anyway.
const RX_PACKETS: usize = 1;
/// UDP receive buffer bytes.
const RX_BUF: usize = 1;
/// Re-resolve a DNS name after this long (a gateway may move).
const RESOLVE_INTERVAL: Duration = Duration::from_secs(600);
/// Wait before retrying a failed resolution.
const RESOLVE_RETRY: Duration = Duration::from_secs(10);
/// Multicast packets stay on the local network.
const MULTICAST_TTL: u8 = 1;

/// Push contact and announce packets to `target` forever.
pub async fn run(stack: Stack<'static>, target: PushTarget, shared: &'static Shared) -> ! {
    let mut rx_meta = [PacketMetadata::EMPTY; RX_PACKETS];
    let mut rx_buf = [0; RX_BUF];
    let mut tx_meta = [PacketMetadata::EMPTY; TX_PACKETS];
    let mut tx_buf = [0; TX_BUF];
    let mut packet = [0; PACKET_BUF];
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx_buf, &mut tx_meta, &mut tx_buf);
    if target.multicast {
        socket.set_hop_limit(Some(MULTICAST_TTL));
    }
    // Binding port 0 picks a free local port; it fails only with a zero-length buffer.
    if let Err(e) = socket.bind(0) {
        defmt::error!("push: cannot bind a UDP socket: {}", e);
    }

    // Without an interval only changes are sent.
    let rounds = config::CONTACT_STATE_INTERVAL.is_some();
    let interval = config::CONTACT_STATE_INTERVAL.unwrap_or(core::time::Duration::MAX);
    let start = now();
    // The fleet name is `device` in every packet, as the agent sends it.
    let mut pusher = ContactPusher::new(config::NAME, interval, start);
    let mut announcer = config::ANNOUNCE_INTERVAL.map(|interval| {
        let cfg = AnnounceConfig {
            device: config::NAME,
            hostname: config::HOSTNAME,
            port: config::HTTP_PORT,
            path: Some(METRICS_PATH),
            interval,
        };
        Announcer::new(cfg, start)
    });
    let mut resolved: Option<(IpEndpoint, embassy_time::Instant)> = None;
    loop {
        // Until a change, the next state round or the next announcement.
        let due = rounds
            .then(|| pusher.next_state())
            .into_iter()
            .chain(announcer.as_ref().map(Announcer::next))
            .min();
        let timer = async {
            match due {
                Some(at) => Timer::at(to_embassy(at)).await,
                None => core::future::pending::<()>().await,
            }
        };
        select(shared.contacts.wait_changed(), timer).await;

        stack.wait_config_up().await;
        let endpoint = match resolved {
            Some((endpoint, at)) if at.elapsed() < RESOLVE_INTERVAL => endpoint,
            _ => match resolve(stack, target).await {
                Some(endpoint) => {
                    resolved = Some((endpoint, embassy_time::Instant::now()));
                    endpoint
                }
                None => {
                    defmt::warn!("push: cannot resolve {=str}", target.host);
                    // Changes stay marked and announcements due; they go out with the next
                    // attempt.
                    Timer::after(RESOLVE_RETRY).await;
                    continue;
                }
            },
        };

        let at = now();
        if let Some(announcer) = announcer.as_mut().filter(|a| a.is_due(at)) {
            let encoded = announcer.announce(at, pusher.sequence_mut(), &mut packet);
            send(&socket, encoded, &packet, endpoint, "announce").await;
        }
        for index in shared.contacts.take_changed().iter() {
            let (Some(pin), Some(snap)) = (PINS.get(index), shared.contacts.snapshot(index, at))
            else {
                continue;
            };
            let encoded = pusher.edge(pin.name, u32::from(pin.number), &snap, &mut packet);
            send(&socket, encoded, &packet, endpoint, pin.name).await;
        }
        if rounds && pusher.state_due(at) {
            pusher.begin_states(at);
            for (index, pin) in PINS.iter().enumerate() {
                let Some(snap) = shared.contacts.snapshot(index, at) else {
                    continue;
                };
                let encoded = pusher.state(pin.name, u32::from(pin.number), &snap, &mut packet);
                send(&socket, encoded, &packet, endpoint, pin.name).await;
            }
        }
    }
}

/// The target's address: its IPv4 literal, or the first IPv4 address of its name.
async fn resolve(stack: Stack<'static>, target: PushTarget) -> Option<IpEndpoint> {
    let addrs = stack.dns_query(target.host, DnsQueryType::A).await.ok()?;
    let addr: IpAddress = addrs.first().copied()?;
    Some(IpEndpoint::new(addr, target.port))
}

/// Send the packet encoded in `buf` about `what` (an input's name, or `announce`); a failure
/// to encode or to send is logged and the packet dropped (the next state round or
/// announcement carries the state again).
async fn send(
    socket: &UdpSocket<'_>,
    encoded: Result<usize, EncodeError>,
    buf: &[u8],
    to: IpEndpoint,
    what: &str,
) {
    let n = match encoded {
        Ok(n) => n,
        Err(e) => {
            defmt::warn!("push: cannot encode {=str}: {}", what, e);
            return;
        }
    };
    if let Err(e) = socket.send_to(&buf[..n], to).await {
        defmt::warn!("push: send of {=str} failed: {}", what, e);
    }
}
