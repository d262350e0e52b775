//! The network stack's settings and the push target: one UDP socket that sends each packet
//! to the configured multicast group or gateway. A packet that cannot go out is dropped and
//! reported to the caller; nothing here waits for the network or retries.

use embassy_net::dns::DnsQueryType;
use embassy_net::udp::{self, PacketMetadata, UdpSocket};
use embassy_net::{DhcpConfig, IpAddress, IpEndpoint, Stack};
use embassy_time::{Duration, Instant, with_timeout};

use crate::config::{self, PushTarget};

/// Sockets in the network stack: DHCP, DNS, and the push socket.
pub const NET_SOCKETS: usize = 3;
/// Room for one encoded packet. The longest the core's encoder writes for this firmware — a
/// status packet with a 256-byte text, the device name and `seq` — is under 400 bytes.
pub const PACKET_LEN: usize = 512;
/// The push socket's transmit buffer: a few packets queued behind the radio.
const TX_BUFFER_LEN: usize = 4 * PACKET_LEN;
/// Packets the transmit buffer can hold.
const TX_PACKETS: usize = 4;
/// The push socket's receive buffer; nothing is received, smoltcp wants one anyway.
const RX_BUFFER_LEN: usize = 16;
/// Packets the receive buffer can hold.
const RX_PACKETS: usize = 1;
/// TTL of multicast packets: the local network only, as the seed sent them.
const MULTICAST_TTL: u8 = 1;
/// Longest wait for a packet to enter the transmit buffer.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for a DNS answer.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a resolved gateway address is used before it is looked up again.
const RESOLVE_TTL: Duration = Duration::from_secs(600);

/// The network stack's configuration: DHCP, sending the device's hostname (option 12).
pub fn stack_config() -> embassy_net::Config {
    let mut dhcp = DhcpConfig::default();
    // The fleet file limits hostnames to 15 characters; the field holds 32.
    dhcp.hostname = heapless::String::try_from(config::HOSTNAME).ok();
    embassy_net::Config::dhcpv4(dhcp)
}

/// The push socket's buffers, in a `StaticCell`.
pub struct SocketBuffers {
    rx_meta: [PacketMetadata; RX_PACKETS],
    rx: [u8; RX_BUFFER_LEN],
    tx_meta: [PacketMetadata; TX_PACKETS],
    tx: [u8; TX_BUFFER_LEN],
}

impl SocketBuffers {
    /// Empty buffers.
    pub const fn new() -> Self {
        SocketBuffers {
            rx_meta: [PacketMetadata::EMPTY; RX_PACKETS],
            rx: [0; RX_BUFFER_LEN],
            tx_meta: [PacketMetadata::EMPTY; TX_PACKETS],
            tx: [0; TX_BUFFER_LEN],
        }
    }
}

impl Default for SocketBuffers {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a packet was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum SendError {
    /// No Wi-Fi link or no DHCP lease yet.
    NoNetwork,
    /// The gateway's name did not resolve.
    Resolve,
    /// The transmit buffer stayed full.
    Timeout,
    /// The stack refused the packet.
    Udp(udp::SendError),
}

/// The push target and its socket.
pub struct Push<'d> {
    stack: Stack<'d>,
    socket: UdpSocket<'d>,
    target: PushTarget,
    /// A resolved [`PushTarget::Host`] and when it was looked up.
    resolved: Option<(IpAddress, Instant)>,
}

impl<'d> Push<'d> {
    /// A socket on `stack` for `target`, bound to an ephemeral port.
    pub fn new(stack: Stack<'d>, buffers: &'d mut SocketBuffers, target: PushTarget) -> Self {
        let mut socket = UdpSocket::new(
            stack,
            &mut buffers.rx_meta,
            &mut buffers.rx,
            &mut buffers.tx_meta,
            &mut buffers.tx,
        );
        // Port 0 asks the stack for an ephemeral port; binding a fresh socket cannot fail
        // otherwise. Should it, sends report `SocketNotBound` and are counted.
        if let Err(e) = socket.bind(0) {
            defmt::error!("binding the push socket failed: {}", e);
        }
        if let PushTarget::Multicast(..) = target {
            socket.set_hop_limit(Some(MULTICAST_TTL));
        }
        Push {
            stack,
            socket,
            target,
            resolved: None,
        }
    }

    /// Whether the device has a link and an address, so that sending can work.
    pub fn network_up(&self) -> bool {
        self.stack.is_link_up() && self.stack.is_config_up()
    }

    /// Where the next packet goes.
    async fn endpoint(&mut self) -> Result<IpEndpoint, SendError> {
        let (address, port) = match self.target {
            PushTarget::Multicast([a, b, c, d], port) | PushTarget::Unicast([a, b, c, d], port) => {
                (IpAddress::v4(a, b, c, d), port)
            }
            PushTarget::Host(name, port) => match self.resolved {
                Some((address, at)) if at.elapsed() < RESOLVE_TTL => (address, port),
                _ => {
                    let answer =
                        with_timeout(RESOLVE_TIMEOUT, self.stack.dns_query(name, DnsQueryType::A))
                            .await
                            .map_err(|_| SendError::Resolve)?
                            .map_err(|_| SendError::Resolve)?;
                    let address = *answer.first().ok_or(SendError::Resolve)?;
                    self.resolved = Some((address, Instant::now()));
                    (address, port)
                }
            },
        };
        Ok(IpEndpoint::new(address, port))
    }

    /// Send one packet, without waiting for a network that is not there.
    pub async fn send(&mut self, packet: &[u8]) -> Result<(), SendError> {
        if !self.network_up() {
            return Err(SendError::NoNetwork);
        }
        let endpoint = self.endpoint().await?;
        let result = match with_timeout(SEND_TIMEOUT, self.socket.send_to(packet, endpoint)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SendError::Udp(e)),
            Err(_) => Err(SendError::Timeout),
        };
        if result.is_err() {
            // Look the gateway up again next time: it may have moved.
            self.resolved = None;
        }
        result
    }
}
