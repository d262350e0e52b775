//! Contact push: a contact packet to the fleet's push target on every change of an input,
//! and a round of state packets for all inputs every `contact_state_interval`, so a gateway
//! recovers from a lost datagram. Encoding and scheduling are core's
//! ([`promcast_core::contact::ContactPusher`]); this task resolves the target and sends.

use embassy_futures::select::select;
use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint, Stack};
use embassy_time::{Duration, Timer};
use promcast_core::contact::ContactPusher;

use crate::board::Shared;
use crate::config::{self, PINS, PushTarget};
use crate::{now, to_embassy};

/// Largest contact packet (a long input name and device name, every field present).
const PACKET_BUF: usize = 512;
/// UDP send packet slots.
const TX_PACKETS: usize = 4;
/// UDP send buffer bytes.
const TX_BUF: usize = 2 * PACKET_BUF;
/// Re-resolve a DNS name after this long (a gateway may move).
const RESOLVE_INTERVAL: Duration = Duration::from_secs(600);
/// Wait before retrying a failed resolution.
const RESOLVE_RETRY: Duration = Duration::from_secs(10);
/// Multicast packets stay on the local network.
const MULTICAST_TTL: u8 = 1;

/// Push contact packets to `target` forever.
pub async fn run(stack: Stack<'static>, target: PushTarget, shared: &'static Shared) -> ! {
    let mut rx_meta = [PacketMetadata::EMPTY; 1];
    let mut rx_buf = [0; 1];
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
    let mut pusher = ContactPusher::new(config::HOSTNAME, interval, now());
    let mut resolved: Option<(IpEndpoint, embassy_time::Instant)> = None;
    loop {
        // Until a change or the next state round.
        let next_round = async {
            if rounds {
                Timer::at(to_embassy(pusher.next_state())).await;
            } else {
                core::future::pending::<()>().await;
            }
        };
        select(shared.contacts.wait_changed(), next_round).await;

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
                    // Changes stay marked; they go out with the next attempt.
                    Timer::after(RESOLVE_RETRY).await;
                    continue;
                }
            },
        };

        let at = now();
        let changed = shared.contacts.take_changed();
        for (index, pin) in PINS.iter().enumerate() {
            if changed & (1 << index) == 0 {
                continue;
            }
            let Some(snap) = shared.contacts.snapshot(index, at) else {
                continue;
            };
            match pusher.edge(pin.name, u32::from(pin.number), &snap, &mut packet) {
                Ok(n) => send(&socket, &packet[..n], endpoint).await,
                Err(e) => defmt::warn!("push: cannot encode {=str}: {}", pin.name, e),
            }
        }
        if rounds && pusher.state_due(at) {
            pusher.begin_states(at);
            for (index, pin) in PINS.iter().enumerate() {
                let Some(snap) = shared.contacts.snapshot(index, at) else {
                    continue;
                };
                match pusher.state(pin.name, u32::from(pin.number), &snap, &mut packet) {
                    Ok(n) => send(&socket, &packet[..n], endpoint).await,
                    Err(e) => defmt::warn!("push: cannot encode {=str}: {}", pin.name, e),
                }
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

/// Send one datagram; a failure is logged and the packet dropped (the next state round
/// carries the state again).
async fn send(socket: &UdpSocket<'_>, packet: &[u8], to: IpEndpoint) {
    if let Err(e) = socket.send_to(packet, to).await {
        defmt::warn!("push: send failed: {}", e);
    }
}
