//! Where a device sends its packets.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// A push target: a multicast group (the seed sender's `239.0.0.1:9999`) or a unicast
/// gateway, `host:port`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Push {
    /// A multicast group and port. Devices send with TTL 1, so packets stay on the local
    /// network.
    Multicast(SocketAddr),
    /// A unicast gateway: an IP address or a DNS name, and a port.
    Unicast {
        /// IP address or name (resolved by the device when it sends).
        host: String,
        /// UDP port.
        port: u16,
    },
}

impl Push {
    /// Parse `"239.0.0.1:9999"`, `"[ff15::1]:9999"`, `"192.168.1.10:9999"` or
    /// `"gateway.lan:9999"`. The port is required.
    pub fn parse(s: &str) -> Result<Push, String> {
        if let Ok(addr) = s.parse::<SocketAddr>() {
            if addr.port() == 0 {
                return Err(format!("{s:?}: the port must be 1-65535"));
            }
            if addr.ip().is_unspecified() {
                return Err(format!("{s:?}: {} is not an address to send to", addr.ip()));
            }
            return Ok(if addr.ip().is_multicast() {
                Push::Multicast(addr)
            } else {
                Push::Unicast {
                    host: addr.ip().to_string(),
                    port: addr.port(),
                }
            });
        }
        let Some((host, port)) = s.rsplit_once(':') else {
            return Err(format!(
                "{s:?} has no port: write \"host:port\", e.g. \"{s}:9999\""
            ));
        };
        if host.parse::<IpAddr>().is_ok() || host.contains(':') || host.starts_with('[') {
            return Err(format!(
                "{s:?} is not an address and port (IPv6 addresses go in brackets: \"[ff15::1]:9999\")"
            ));
        }
        let port = match port.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(format!("{s:?}: the port must be 1-65535")),
        };
        if !is_dns_name(host) {
            return Err(format!(
                "{s:?}: {host:?} is neither an IP address nor a host name"
            ));
        }
        Ok(Push::Unicast {
            host: host.to_owned(),
            port,
        })
    }

    /// Whether this is a multicast group.
    pub fn is_multicast(&self) -> bool {
        matches!(self, Push::Multicast(_))
    }

    /// The port.
    pub fn port(&self) -> u16 {
        match self {
            Push::Multicast(a) => a.port(),
            Push::Unicast { port, .. } => *port,
        }
    }
}

impl fmt::Display for Push {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Push::Multicast(a) => write!(f, "{a}"),
            Push::Unicast { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Push::Unicast { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// A DNS name: dot-separated labels of letters, digits and hyphens, not starting or ending
/// with a hyphen, each 1-63 characters, at most 253 in all.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        assert_eq!(
            Push::parse("239.0.0.1:9999"),
            Ok(Push::Multicast("239.0.0.1:9999".parse().expect("addr")))
        );
        assert_eq!(
            Push::parse("[ff15::1]:9999"),
            Ok(Push::Multicast("[ff15::1]:9999".parse().expect("addr")))
        );
        assert_eq!(
            Push::parse("192.168.1.10:9999"),
            Ok(Push::Unicast {
                host: "192.168.1.10".into(),
                port: 9999
            })
        );
        assert_eq!(
            Push::parse("gateway.lan:9999"),
            Ok(Push::Unicast {
                host: "gateway.lan".into(),
                port: 9999
            })
        );
    }

    #[test]
    fn explains_mistakes() {
        assert_eq!(
            Push::parse("239.0.0.1"),
            Err("\"239.0.0.1\" has no port: write \"host:port\", e.g. \"239.0.0.1:9999\"".into())
        );
        assert_eq!(
            Push::parse("gateway:0"),
            Err("\"gateway:0\": the port must be 1-65535".into())
        );
        assert_eq!(
            Push::parse("gate_way:9999"),
            Err("\"gate_way:9999\": \"gate_way\" is neither an IP address nor a host name".into())
        );
        assert_eq!(
            Push::parse("ff15::1:9999"),
            Err(
                "\"ff15::1:9999\" is not an address and port (IPv6 addresses go in brackets: \
                 \"[ff15::1]:9999\")"
                    .into()
            )
        );
        assert_eq!(
            Push::parse("0.0.0.0:9999"),
            Err("\"0.0.0.0:9999\": 0.0.0.0 is not an address to send to".into())
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "239.0.0.1:9999",
            "[ff15::1]:9999",
            "10.0.0.2:9999",
            "gw:1",
            "[::1]:9999",
        ] {
            assert_eq!(Push::parse(s).expect(s).to_string(), s);
        }
    }
}
