//! Sending packets: one UDP socket to the push target, a multicast group (TTL 1, on a
//! chosen interface) or a unicast gateway (resolved when first needed, and again after a
//! failure).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};

use promcast_fleet::Push;
use rustix::net::sockopt;

/// Multicast TTL / hop limit: packets stay on the local network, as the seed Pico sent them.
pub const MULTICAST_TTL: u32 = 1;

/// Where packets go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A socket address (multicast group or unicast).
    Addr(SocketAddr),
    /// A host name to resolve, and a port.
    Host(String, u16),
}

impl Target {
    /// The target for a fleet push setting.
    pub fn from_push(p: &Push) -> Target {
        match p {
            Push::Multicast(a) => Target::Addr(*a),
            Push::Unicast { host, port } => match host.parse::<IpAddr>() {
                Ok(ip) => Target::Addr(SocketAddr::new(ip, *port)),
                Err(_) => Target::Host(host.clone(), *port),
            },
        }
    }
}

/// Why the sending socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Creating or configuring the socket failed.
    #[error("cannot set up the UDP socket for {target}: {source}")]
    Socket {
        /// The target.
        target: String,
        /// The OS error.
        source: io::Error,
    },
    /// The multicast interface does not exist.
    #[error("no such interface {0:?} for --push.multicast-interface")]
    NoInterface(String),
}

/// The sending side.
#[derive(Debug)]
pub struct Transport {
    target: Target,
    resolved: std::sync::Mutex<Option<SocketAddr>>,
    socket: UdpSocket,
    sent: AtomicU64,
    errors: AtomicU64,
}

impl Transport {
    /// A socket for `target`; for a multicast target, TTL 1 and, if given, the outgoing
    /// interface (`interface`: a name such as `eth0`, or an IPv4 address).
    pub fn new(target: Target, interface: Option<&str>) -> Result<Transport, TransportError> {
        let resolved = match &target {
            Target::Addr(a) => Some(*a),
            Target::Host(h, p) => resolve(h, *p),
        };
        let v6 = resolved.is_some_and(|a| a.is_ipv6());
        let name = match &target {
            Target::Addr(a) => a.to_string(),
            Target::Host(h, p) => format!("{h}:{p}"),
        };
        let e = |source| TransportError::Socket {
            target: name.clone(),
            source,
        };
        let bind: SocketAddr = if v6 {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(bind).map_err(e)?;
        if let Some(a) = resolved.filter(|a| a.ip().is_multicast()) {
            let fd = socket.as_fd();
            match a.ip() {
                IpAddr::V4(_) => {
                    sockopt::set_ip_multicast_ttl(fd, MULTICAST_TTL).map_err(|x| e(x.into()))?;
                    sockopt::set_ip_multicast_loop(fd, true).map_err(|x| e(x.into()))?;
                    match interface {
                        None => {}
                        Some(i) => match i.parse::<Ipv4Addr>() {
                            Ok(addr) => {
                                sockopt::set_ip_multicast_if(fd, &addr).map_err(|x| e(x.into()))?
                            }
                            Err(_) => {
                                let index = interface_index(&socket, i)?;
                                sockopt::set_ip_multicast_if_with_ifindex(
                                    fd,
                                    &Ipv4Addr::UNSPECIFIED,
                                    &Ipv4Addr::UNSPECIFIED,
                                    index,
                                )
                                .map_err(|x| e(x.into()))?
                            }
                        },
                    }
                }
                IpAddr::V6(_) => {
                    sockopt::set_ipv6_multicast_hops(fd, MULTICAST_TTL).map_err(|x| e(x.into()))?;
                    sockopt::set_ipv6_multicast_loop(fd, true).map_err(|x| e(x.into()))?;
                    if let Some(i) = interface {
                        let index = interface_index(&socket, i)?;
                        sockopt::set_ipv6_multicast_if(fd, index).map_err(|x| e(x.into()))?;
                    }
                }
            }
        }
        Ok(Transport {
            target,
            resolved: std::sync::Mutex::new(resolved),
            socket,
            sent: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// Send one datagram. A failure is counted and returned, never fatal.
    pub fn send(&self, packet: &[u8]) -> io::Result<()> {
        let addr = {
            let mut r = self
                .resolved
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if r.is_none()
                && let Target::Host(h, p) = &self.target
            {
                *r = resolve(h, *p);
            }
            *r
        };
        let Some(addr) = addr else {
            self.errors.fetch_add(1, Ordering::Relaxed);
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the push target's host name does not resolve",
            ));
        };
        match self.socket.send_to(packet, addr) {
            Ok(_) => {
                self.sent.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                if matches!(self.target, Target::Host(..)) {
                    // Resolve again next time: the gateway may have moved.
                    *self
                        .resolved
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                }
                Err(e)
            }
        }
    }

    /// Datagrams sent.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Datagrams that could not be sent.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The local address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
}

fn interface_index(socket: &UdpSocket, name: &str) -> Result<u32, TransportError> {
    rustix::net::netdevice::name_to_index(socket, name)
        .map_err(|_| TransportError::NoInterface(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicast_datagrams_arrive() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let t = Transport::new(Target::Addr(rx.local_addr().expect("addr")), None).expect("socket");
        t.send(b"{\"x\": 1}").expect("sent");
        let mut buf = [0u8; 64];
        rx.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let (n, _) = rx.recv_from(&mut buf).expect("received");
        assert_eq!(&buf[..n], b"{\"x\": 1}");
        assert_eq!((t.sent(), t.errors()), (1, 0));
    }

    #[test]
    fn host_names_resolve() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = rx.local_addr().expect("addr").port();
        let t = Transport::new(Target::Host("localhost".into(), port), None).expect("socket");
        t.send(b"hi").expect("sent");
        let mut buf = [0u8; 8];
        rx.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let (n, _) = rx.recv_from(&mut buf).expect("received");
        assert_eq!(&buf[..n], b"hi");
    }

    #[test]
    fn targets_from_the_fleet() {
        assert_eq!(
            Target::from_push(&Push::Unicast {
                host: "10.0.0.2".into(),
                port: 9999
            }),
            Target::Addr("10.0.0.2:9999".parse().expect("addr"))
        );
        assert_eq!(
            Target::from_push(&Push::Unicast {
                host: "gw.lan".into(),
                port: 9999
            }),
            Target::Host("gw.lan".into(), 9999)
        );
    }
}
