//! Configuration: a TOML file, overridden by environment variables and flags, validated once
//! at start-up into a [`Config`] or a list of precise [`ConfigError`]s.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use promcast_core::expo::is_valid_metric_name;
use serde::Deserialize;

/// The gateway's default HTTP port. The Prometheus default-port registry's 9100–9999 block is
/// fully allocated; promcast takes this port from the range that continues above it.
pub const DEFAULT_HTTP_PORT: u16 = 10079;
/// UDP port of the seed Pico sender.
pub const DEFAULT_UDP_PORT: u16 = 9999;
/// Multicast group of the seed Pico sender.
pub const DEFAULT_GROUP: Ipv4Addr = Ipv4Addr::new(239, 0, 0, 1);

/// Smallest accepted `udp.max_datagram_bytes`.
pub const MIN_DATAGRAM_BYTES: usize = 64;
/// Largest UDP payload over IPv4.
pub const MAX_DATAGRAM_BYTES: usize = 65_507;

/// Whole gateway configuration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP side.
    pub web: WebConfig,
    /// UDP side.
    pub udp: UdpConfig,
    /// Series lifetime and limits.
    pub series: SeriesConfig,
    /// Reading kind (the packet `type`) to metric mapping. Entries given in the file are added
    /// to, or replace, the built-in ones.
    pub readings: BTreeMap<String, ReadingConfig>,
    /// Logging.
    pub log: LogConfig,
}

/// HTTP settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address and port to serve HTTP on.
    pub listen_address: SocketAddr,
    /// Path of the metrics endpoint.
    pub telemetry_path: String,
}

/// UDP listener settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UdpConfig {
    /// UDP port for multicast and unicast packets.
    pub port: u16,
    /// Local address to bind (`0.0.0.0` receives unicast on every interface).
    pub bind_address: IpAddr,
    /// Multicast groups to join (IPv4 and/or IPv6). Empty: unicast only.
    pub groups: Vec<IpAddr>,
    /// Interface to join groups on: a name (`eth0`) or an IPv4 address. Default: the kernel's choice.
    pub interface: Option<String>,
    /// Largest datagram accepted; larger ones are counted as `truncated` and dropped.
    pub max_datagram_bytes: usize,
    /// Socket receive buffer to request (the kernel may cap it at `net.core.rmem_max`).
    pub recv_buffer_bytes: usize,
}

/// Series lifetime and limits.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SeriesConfig {
    /// Series (and devices) not heard from for this long disappear.
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
    /// How often the expiry sweep runs.
    #[serde(with = "humantime_serde")]
    pub sweep_interval: Duration,
    /// Most reading series in total (sensors of one kind on one device, each exposed as a
    /// value and a last-seen series, plus pushed contact inputs); packets that would create
    /// more are rejected (`series_limit`).
    pub max_series: usize,
    /// Most reading series per device (`device_series_limit`).
    pub max_series_per_device: usize,
    /// Most devices (`device_limit`).
    pub max_devices: usize,
}

/// How one reading kind is exposed.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReadingConfig {
    /// Metric name of the reading's value.
    pub metric: String,
    /// HELP text of that metric.
    #[serde(default)]
    pub help: Option<String>,
    /// Unit (OpenMetrics `# UNIT`); the metric name must then end in `_<unit>`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Metric name of the last-seen timestamp. Default: `<metric>_last_seen_timestamp_seconds`.
    #[serde(default)]
    pub last_seen_metric: Option<String>,
    /// HELP text of the last-seen metric.
    #[serde(default)]
    pub last_seen_help: Option<String>,
}

/// Logging settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `error`, `warn`, `info`, `debug` or `trace` (or a tracing filter directive).
    pub level: String,
    /// Output format.
    pub format: LogFormat,
}

/// Log line format.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Text lines: time, level, target, message and `key=value` fields.
    #[serde(alias = "text")]
    #[value(alias = "text")]
    Logfmt,
    /// One JSON object per line.
    Json,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen_address: SocketAddr::from(([0, 0, 0, 0], DEFAULT_HTTP_PORT)),
            telemetry_path: "/metrics".into(),
        }
    }
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            port: DEFAULT_UDP_PORT,
            bind_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            groups: vec![IpAddr::V4(DEFAULT_GROUP)],
            interface: None,
            max_datagram_bytes: 2048,
            recv_buffer_bytes: 4 << 20,
        }
    }
}

impl Default for SeriesConfig {
    fn default() -> Self {
        SeriesConfig {
            ttl: Duration::from_secs(600),
            sweep_interval: Duration::from_secs(15),
            max_series: 100_000,
            max_series_per_device: 1_000,
            max_devices: 10_000,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Logfmt,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            web: WebConfig::default(),
            udp: UdpConfig::default(),
            series: SeriesConfig::default(),
            readings: default_readings(),
            log: LogConfig::default(),
        }
    }
}

/// The built-in reading kinds. `temperature` keeps the seed exporter's metric names and HELP.
pub fn default_readings() -> BTreeMap<String, ReadingConfig> {
    let mut m = BTreeMap::new();
    m.insert(
        "temperature".into(),
        ReadingConfig {
            metric: "temperature".into(),
            help: Some("Temperatures".into()),
            unit: None,
            last_seen_metric: Some("temperature_last_seen_timestamp".into()),
            last_seen_help: Some("Temperatures Last Seen Timestamp".into()),
        },
    );
    m.insert(
        "humidity".into(),
        ReadingConfig {
            metric: "humidity_percent".into(),
            help: Some("Relative humidity in percent.".into()),
            unit: Some("percent".into()),
            last_seen_metric: None,
            last_seen_help: None,
        },
    );
    m.insert(
        "pressure".into(),
        ReadingConfig {
            metric: "pressure_pascals".into(),
            help: Some("Air pressure in pascals.".into()),
            unit: Some("pascals".into()),
            last_seen_metric: None,
            last_seen_help: None,
        },
    );
    m
}

/// One reading kind, resolved: every name and HELP filled in and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindSpec {
    /// The packet `type`.
    pub kind: String,
    /// Value metric name.
    pub metric: String,
    /// Value HELP.
    pub help: String,
    /// Unit, if any.
    pub unit: Option<String>,
    /// Last-seen metric name.
    pub last_seen_metric: String,
    /// Last-seen HELP.
    pub last_seen_help: String,
}

/// One mistake in a configuration, with the path of the offending setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path, e.g. `readings.humidity.metric`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The settings are individually readable but wrong.
    #[error("{}", format_errors(.0))]
    Invalid(Vec<ConfigError>),
}

fn format_errors(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Config {
    /// Parse a TOML document; built-in reading kinds stay unless the document redefines them.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, LoadError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileConfig {
            #[serde(default)]
            web: Option<WebConfig>,
            #[serde(default)]
            udp: Option<UdpConfig>,
            #[serde(default)]
            series: Option<SeriesConfig>,
            #[serde(default)]
            readings: BTreeMap<String, ReadingConfig>,
            #[serde(default)]
            log: Option<LogConfig>,
        }
        let file: FileConfig = toml::from_str(text).map_err(|e| LoadError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut readings = default_readings();
        readings.extend(file.readings);
        Ok(Config {
            web: file.web.unwrap_or_default(),
            udp: file.udp.unwrap_or_default(),
            series: file.series.unwrap_or_default(),
            readings,
            log: file.log.unwrap_or_default(),
        })
    }

    /// Read and parse a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Check every setting; on success return the resolved reading kinds in exposition order.
    pub fn validate(&self) -> Result<Vec<KindSpec>, Vec<ConfigError>> {
        let mut errs = Vec::new();
        let mut err = |path: &str, message: String| {
            errs.push(ConfigError {
                path: path.into(),
                message,
            })
        };
        let path = &self.web.telemetry_path;
        if !path.starts_with('/') || path == "/" || path.starts_with("/-/") {
            err(
                "web.telemetry_path",
                format!("{path:?} must start with '/' and be neither '/' nor under '/-/'"),
            );
        } else if path == crate::discovery::SD_PATH {
            err(
                "web.telemetry_path",
                format!("{path:?} is where the gateway serves its scrape targets"),
            );
        }
        let udp = &self.udp;
        if udp.port == 0 {
            err("udp.port", "must be 1-65535".into());
        }
        if !(MIN_DATAGRAM_BYTES..=MAX_DATAGRAM_BYTES).contains(&udp.max_datagram_bytes) {
            err(
                "udp.max_datagram_bytes",
                format!(
                    "{} is out of range {MIN_DATAGRAM_BYTES}..={MAX_DATAGRAM_BYTES}",
                    udp.max_datagram_bytes
                ),
            );
        }
        for (i, g) in udp.groups.iter().enumerate() {
            if !g.is_multicast() {
                err(
                    &format!("udp.groups[{i}]"),
                    format!("{g} is not a multicast address"),
                );
            } else if g.is_ipv4() && udp.bind_address.is_ipv6() {
                err(
                    &format!("udp.groups[{i}]"),
                    format!("IPv4 group {g} needs an IPv4 udp.bind_address"),
                );
            }
        }
        if let Some(iface) = &udp.interface
            && (iface.is_empty() || iface.len() > 15 && iface.parse::<IpAddr>().is_err())
        {
            err(
                "udp.interface",
                format!("{iface:?} is neither an interface name nor an address"),
            );
        }
        let s = &self.series;
        if s.ttl.is_zero() {
            err("series.ttl", "must be longer than zero".into());
        }
        if s.sweep_interval.is_zero() || s.sweep_interval > s.ttl {
            err(
                "series.sweep_interval",
                format!(
                    "{} must be longer than zero and no longer than series.ttl ({})",
                    humantime::format_duration(s.sweep_interval),
                    humantime::format_duration(s.ttl)
                ),
            );
        }
        for (field, v) in [
            ("series.max_series", s.max_series),
            ("series.max_series_per_device", s.max_series_per_device),
            ("series.max_devices", s.max_devices),
        ] {
            if v == 0 {
                err(field, "must be at least 1".into());
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            err(
                "log.level",
                format!("{:?} is not a level or tracing filter: {e}", self.log.level),
            );
        }
        let mut specs = Vec::new();
        let mut taken: BTreeMap<String, String> = crate::render::SELF_FAMILIES
            .iter()
            .map(|f| (f.to_string(), "a built-in self-metric".to_string()))
            .collect();
        // Built-in kinds claim their names first, so a clash is reported on the user's entry.
        let builtin = default_readings();
        let mut order: Vec<(&String, &ReadingConfig)> = self.readings.iter().collect();
        order.sort_by_key(|(k, _)| !builtin.contains_key(*k));
        for (kind, rc) in order {
            let base = format!("readings.{kind}");
            if !promcast_core::packet::is_reading_kind(kind) {
                err(
                    &base,
                    format!(
                        "{kind:?} is not a valid reading kind: use lower-case [a-z][a-z0-9_]*, \
                         not a message type or a packet field name"
                    ),
                );
                continue;
            }
            let last_seen = rc
                .last_seen_metric
                .clone()
                .unwrap_or_else(|| format!("{}_last_seen_timestamp_seconds", rc.metric));
            let metric_ok = is_valid_metric_name(&rc.metric);
            for (field, name) in [("metric", &rc.metric), ("last_seen_metric", &last_seen)] {
                if field == "last_seen_metric" && !metric_ok && rc.last_seen_metric.is_none() {
                    continue; // derived from the bad metric name, already reported
                }
                let p = format!("{base}.{field}");
                if !is_valid_metric_name(name) {
                    err(
                        &p,
                        format!("{name:?} is not a valid Prometheus metric name"),
                    );
                } else if name.ends_with("_total") || name.ends_with("_info") {
                    err(
                        &p,
                        format!("{name:?} must not end in _total or _info (reserved suffixes)"),
                    );
                } else if let Some(owner) = taken.get(name) {
                    err(&p, format!("{name:?} is already used by {owner}"));
                } else {
                    taken.insert(name.clone(), p.clone());
                }
            }
            if let Some(unit) = &rc.unit {
                let ok_chars = !unit.is_empty()
                    && unit
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !ok_chars {
                    err(
                        &format!("{base}.unit"),
                        format!("{unit:?} must be lower-case [a-z0-9_]+"),
                    );
                } else if !rc.metric.ends_with(&format!("_{unit}")) {
                    err(
                        &format!("{base}.unit"),
                        format!(
                            "metric {:?} must end in \"_{unit}\" when unit is {unit:?} (OpenMetrics rule)",
                            rc.metric
                        ),
                    );
                }
            }
            specs.push(KindSpec {
                kind: kind.clone(),
                metric: rc.metric.clone(),
                help: rc
                    .help
                    .clone()
                    .unwrap_or_else(|| format!("Latest {kind} reading.")),
                unit: rc.unit.clone(),
                last_seen_metric: last_seen,
                last_seen_help: rc.last_seen_help.clone().unwrap_or_else(|| {
                    format!("Unix time of the latest {kind} reading, in seconds.")
                }),
            });
        }
        specs.sort_by(|a, b| a.kind.cmp(&b.kind));
        if specs.len() > u16::MAX as usize {
            err("readings", "too many reading kinds".into());
        }
        if errs.is_empty() {
            Ok(specs)
        } else {
            Err(errs)
        }
    }
}
