//! Command line: flags follow the Prometheus exporter conventions and override the file;
//! every flag can also come from a `PROMCAST_*` environment variable.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{Config, LoadError, LogFormat};

/// promcast: sensor packets over UDP (multicast or unicast) in, Prometheus metrics out.
#[derive(Debug, Parser)]
#[command(name = "promcast", version, about, long_about = None)]
pub struct Cli {
    /// TOML configuration file. Without one, built-in defaults apply.
    #[arg(
        long = "config.file",
        env = "PROMCAST_CONFIG_FILE",
        value_name = "FILE"
    )]
    pub config_file: Option<PathBuf>,

    /// Check the configuration (file, environment and flags), print what is wrong, and exit.
    #[arg(long = "check-config")]
    pub check_config: bool,

    /// Address to serve HTTP on [default: 0.0.0.0:10079].
    #[arg(
        long = "web.listen-address",
        env = "PROMCAST_WEB_LISTEN_ADDRESS",
        value_name = "ADDR"
    )]
    pub listen_address: Option<SocketAddr>,

    /// Path under which to expose metrics [default: /metrics].
    #[arg(
        long = "web.telemetry-path",
        env = "PROMCAST_WEB_TELEMETRY_PATH",
        value_name = "PATH"
    )]
    pub telemetry_path: Option<String>,

    /// UDP port to receive packets on [default: 9999].
    #[arg(long = "udp.port", env = "PROMCAST_UDP_PORT", value_name = "PORT")]
    pub udp_port: Option<u16>,

    /// Local address to bind the UDP socket to [default: 0.0.0.0].
    #[arg(
        long = "udp.bind-address",
        env = "PROMCAST_UDP_BIND_ADDRESS",
        value_name = "IP"
    )]
    pub udp_bind_address: Option<IpAddr>,

    /// Multicast group to join; repeat for more. Replaces the configured groups [default: 239.0.0.1].
    #[arg(
        long = "udp.group",
        env = "PROMCAST_UDP_GROUPS",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub udp_groups: Vec<IpAddr>,

    /// Receive unicast only: join no multicast group.
    #[arg(long = "udp.no-multicast", conflicts_with = "udp_groups")]
    pub udp_no_multicast: bool,

    /// Interface (name or IPv4 address) to join multicast groups on.
    #[arg(
        long = "udp.interface",
        env = "PROMCAST_UDP_INTERFACE",
        value_name = "IFACE"
    )]
    pub udp_interface: Option<String>,

    /// Largest datagram accepted, in bytes [default: 2048].
    #[arg(
        long = "udp.max-datagram-bytes",
        env = "PROMCAST_UDP_MAX_DATAGRAM_BYTES",
        value_name = "N"
    )]
    pub udp_max_datagram_bytes: Option<usize>,

    /// Forget series not heard from for this long, e.g. 10m [default: 10m].
    #[arg(long = "series.ttl", env = "PROMCAST_SERIES_TTL", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub series_ttl: Option<Duration>,

    /// Most reading series (a sensor's readings of one kind, or a pushed contact input) in
    /// total [default: 100000].
    #[arg(long = "series.max", env = "PROMCAST_SERIES_MAX", value_name = "N")]
    pub series_max: Option<usize>,

    /// Most reading series per device [default: 1000].
    #[arg(
        long = "series.max-per-device",
        env = "PROMCAST_SERIES_MAX_PER_DEVICE",
        value_name = "N"
    )]
    pub series_max_per_device: Option<usize>,

    /// Log level or tracing filter [default: info].
    #[arg(long = "log.level", env = "PROMCAST_LOG_LEVEL", value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Log format [default: logfmt].
    #[arg(
        long = "log.format",
        env = "PROMCAST_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    pub log_format: Option<LogFormat>,

    /// What to run; without one, the gateway.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway on loopback with built-in simulated sensors: live metrics, no hardware,
    /// no multicast.
    Demo {
        /// HTTP port on 127.0.0.1.
        #[arg(long, default_value_t = crate::config::DEFAULT_HTTP_PORT)]
        http_port: u16,
        /// UDP port on 127.0.0.1.
        #[arg(long, default_value_t = crate::config::DEFAULT_UDP_PORT)]
        udp_port: u16,
        /// Time between simulated temperature polls (at least 1s: a DS18B20 conversion alone
        /// takes 750ms).
        #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
        interval: Duration,
    },
}

impl Cli {
    /// Load the file (if any) and apply environment and flag overrides.
    pub fn load(&self) -> Result<Config, LoadError> {
        let mut cfg = match &self.config_file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        self.apply(&mut cfg);
        Ok(cfg)
    }

    /// Apply the overrides given on the command line or in the environment.
    pub fn apply(&self, cfg: &mut Config) {
        if let Some(v) = self.listen_address {
            cfg.web.listen_address = v;
        }
        if let Some(v) = &self.telemetry_path {
            cfg.web.telemetry_path = v.clone();
        }
        if let Some(v) = self.udp_port {
            cfg.udp.port = v;
        }
        if let Some(v) = self.udp_bind_address {
            cfg.udp.bind_address = v;
        }
        if !self.udp_groups.is_empty() {
            cfg.udp.groups = self.udp_groups.clone();
        }
        if self.udp_no_multicast {
            cfg.udp.groups.clear();
        }
        if let Some(v) = &self.udp_interface {
            cfg.udp.interface = Some(v.clone());
        }
        if let Some(v) = self.udp_max_datagram_bytes {
            cfg.udp.max_datagram_bytes = v;
        }
        if let Some(v) = self.series_ttl {
            cfg.series.ttl = v;
            if cfg.series.sweep_interval > v {
                cfg.series.sweep_interval = v;
            }
        }
        if let Some(v) = self.series_max {
            cfg.series.max_series = v;
        }
        if let Some(v) = self.series_max_per_device {
            cfg.series.max_series_per_device = v;
        }
        if let Some(v) = &self.log_level {
            cfg.log.level = v.clone();
        }
        if let Some(v) = self.log_format {
            cfg.log.format = v;
        }
    }
}
