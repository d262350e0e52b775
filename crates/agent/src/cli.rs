//! Command line: flags in the Prometheus exporter style, each also read from a
//! `PROMCAST_AGENT_*` environment variable.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use promcast_fleet::Device;

use crate::clock::{Clock, Wake};
use crate::contacts::{ContactSource, NoContacts};
use crate::http::HttpConfig;
use crate::identity::{DEFAULT_MACHINE_ID_FILE, DEFAULT_NET_ROOT};
use crate::sim::{SimContacts, SimThermometers, parse_script};
use crate::transport::Target;
use crate::w1::{DEFAULT_ROOT, W1Bus};
use crate::{Backends, Options, PushTo};

/// Default fleet file.
pub const DEFAULT_FLEET_FILE: &str = "/etc/promcast/fleet.toml";

/// promcast-agent: door contacts and DS18B20 probes of a Linux board, served on /metrics and
/// pushed to the promcast gateway over UDP.
#[derive(Debug, Parser)]
#[command(name = "promcast-agent", version, about, long_about = None)]
pub struct Cli {
    /// The fleet file describing every device.
    #[arg(long = "fleet.file", env = "PROMCAST_AGENT_FLEET_FILE", value_name = "FILE", default_value = DEFAULT_FLEET_FILE)]
    pub fleet_file: PathBuf,

    /// This device's id or name in the fleet file. Default: found by /etc/machine-id, then
    /// by the MAC addresses of the network interfaces.
    #[arg(
        long = "device",
        env = "PROMCAST_AGENT_DEVICE",
        value_name = "ID_OR_NAME"
    )]
    pub device: Option<String>,

    /// File holding this machine's id.
    #[arg(long = "identity.machine-id-file", env = "PROMCAST_AGENT_MACHINE_ID_FILE", value_name = "FILE", default_value = DEFAULT_MACHINE_ID_FILE)]
    pub machine_id_file: PathBuf,

    /// Directory of network interfaces, for MAC addresses.
    #[arg(long = "identity.net-root", env = "PROMCAST_AGENT_NET_ROOT", value_name = "DIR", default_value = DEFAULT_NET_ROOT)]
    pub net_root: PathBuf,

    /// Interface whose MAC the `mac` label shows. Default: the device's own if its id is a
    /// MAC, else the first interface.
    #[arg(
        long = "identity.interface",
        env = "PROMCAST_AGENT_INTERFACE",
        value_name = "IFACE"
    )]
    pub interface: Option<String>,

    /// Check the fleet file and which device this is, print it, and exit.
    #[arg(long = "check-config")]
    pub check_config: bool,

    /// Address to serve /metrics on [default: 0.0.0.0:<the device's http_port>].
    #[arg(
        long = "web.listen-address",
        env = "PROMCAST_AGENT_WEB_LISTEN_ADDRESS",
        value_name = "ADDR"
    )]
    pub listen_address: Option<SocketAddr>,

    /// HTTP connections served at once; more are answered 503.
    #[arg(long = "web.max-connections", env = "PROMCAST_AGENT_WEB_MAX_CONNECTIONS", value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_connections: u16,

    /// Where contacts and temperatures come from: the GPIO chip and w1 sysfs, or a
    /// simulation.
    #[arg(long = "backend", env = "PROMCAST_AGENT_BACKEND", value_enum, default_value_t = BackendKind::Gpio)]
    pub backend: BackendKind,

    /// GPIO character device of the contact pins [default: the device's gpio_chip].
    #[arg(
        long = "gpio.chip",
        env = "PROMCAST_AGENT_GPIO_CHIP",
        value_name = "PATH"
    )]
    pub gpio_chip: Option<PathBuf>,

    /// Directory of the kernel's 1-Wire devices.
    #[arg(long = "w1.root", env = "PROMCAST_AGENT_W1_ROOT", value_name = "DIR", default_value = DEFAULT_ROOT)]
    pub w1_root: PathBuf,

    /// sim backend: contact script, e.g. "back-door:on@2s,back-door:off@5s" (times after
    /// start; an entry at 0s sets the state at start). Without one, pins toggle at random.
    #[arg(
        long = "sim.script",
        env = "PROMCAST_AGENT_SIM_SCRIPT",
        value_name = "SCRIPT"
    )]
    pub sim_script: Option<String>,

    /// sim backend: seed of the random toggles and temperature walks.
    #[arg(
        long = "sim.seed",
        env = "PROMCAST_AGENT_SIM_SEED",
        value_name = "N",
        default_value_t = 1
    )]
    pub sim_seed: u64,

    /// sim backend: mean time between random toggles of a pin.
    #[arg(long = "sim.toggle-every", env = "PROMCAST_AGENT_SIM_TOGGLE_EVERY", value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "30s")]
    pub sim_toggle_every: Duration,

    /// sim backend: probe temperatures, e.g. "Hall=19.5,Loft=sine:9:3:10m,Shed=fail:crc"
    /// (value, sine:<mean>:<amplitude>:<period>, walk:<start>:<step> or fail:<reason>; a ROM
    /// id instead of a name adds an unconfigured probe).
    #[arg(
        long = "sim.temperatures",
        env = "PROMCAST_AGENT_SIM_TEMPERATURES",
        value_name = "SPEC",
        default_value = ""
    )]
    pub sim_temperatures: String,

    /// Where to send packets instead of the device's push setting: "host:port", or "none".
    #[arg(
        long = "push.target",
        env = "PROMCAST_AGENT_PUSH_TARGET",
        value_name = "TARGET"
    )]
    pub push_target: Option<String>,

    /// Interface (name or IPv4 address) to send multicast on [default: the kernel's choice].
    #[arg(
        long = "push.multicast-interface",
        env = "PROMCAST_AGENT_PUSH_MULTICAST_INTERFACE",
        value_name = "IFACE"
    )]
    pub multicast_interface: Option<String>,

    /// Log level or tracing filter.
    #[arg(
        long = "log.level",
        env = "PROMCAST_AGENT_LOG_LEVEL",
        value_name = "LEVEL",
        default_value = "info"
    )]
    pub log_level: String,

    /// Log format.
    #[arg(long = "log.format", env = "PROMCAST_AGENT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Logfmt)]
    pub log_format: LogFormat,
}

/// Where contacts and temperatures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendKind {
    /// GPIO character device for contacts, w1_therm sysfs for probes.
    Gpio,
    /// Simulated edges and temperatures (`--sim.*`).
    Sim,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Text lines with `key=value` fields.
    Logfmt,
    /// One JSON object per line.
    Json,
}

impl Cli {
    /// The listen address: the flag, or every interface on the device's `http_port`.
    pub fn listen_address(&self, device: &Device) -> SocketAddr {
        self.listen_address
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, device.http_port)))
    }

    /// The push target the flags ask for.
    pub fn push(&self) -> anyhow::Result<PushTo> {
        Ok(match self.push_target.as_deref() {
            None => PushTo::Fleet,
            Some("none") => PushTo::Off,
            Some(t) => {
                let p = promcast_fleet::Push::parse(t)
                    .map_err(|e| anyhow::anyhow!("--push.target: {e}"))?;
                PushTo::Target(Target::from_push(&p))
            }
        })
    }

    /// The options for [`crate::Agent::start`], apart from the MAC.
    pub fn options(&self, wake: Arc<Wake>) -> anyhow::Result<Options> {
        Ok(Options {
            push: self.push()?,
            multicast_interface: self.multicast_interface.clone(),
            mac: None,
            http: HttpConfig {
                max_connections: usize::from(self.max_connections),
                ..HttpConfig::default()
            },
            wake,
        })
    }

    /// The backends the flags ask for, for `device`. The GPIO backend requests the lines
    /// now (and fails if it cannot); its edges wake `wake`.
    pub fn backends(
        &self,
        device: &Device,
        clock: Arc<dyn Clock>,
        wake: Arc<Wake>,
    ) -> anyhow::Result<Backends> {
        Ok(match self.backend {
            BackendKind::Sim => {
                let contacts = match &self.sim_script {
                    Some(s) => SimContacts::scripted(&device.pins, parse_script(s, &device.pins)?),
                    None => SimContacts::random(&device.pins, self.sim_seed, self.sim_toggle_every),
                };
                Backends {
                    contacts: Box::new(contacts),
                    thermometers: Box::new(SimThermometers::new(
                        &device.probes,
                        &self.sim_temperatures,
                        self.sim_seed,
                    )?),
                }
            }
            BackendKind::Gpio => {
                let contacts: Box<dyn ContactSource> = if device.pins.is_empty() {
                    Box::new(NoContacts)
                } else {
                    let chip = self
                        .gpio_chip
                        .clone()
                        .or_else(|| device.gpio_chip.clone())
                        .unwrap_or_else(|| PathBuf::from(promcast_fleet::DEFAULT_GPIO_CHIP));
                    Box::new(crate::gpio::open(&chip, &device.pins, clock, wake)?)
                };
                Backends {
                    contacts,
                    thermometers: Box::new(W1Bus::new(&self.w1_root)),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_constants() {
        let cli = Cli::parse_from(["promcast-agent"]);
        assert_eq!(cli.sim_toggle_every, crate::sim::DEFAULT_TOGGLE_EVERY);
        assert_eq!(cli.w1_root, PathBuf::from(DEFAULT_ROOT));
        assert_eq!(cli.fleet_file, PathBuf::from(DEFAULT_FLEET_FILE));
        assert_eq!(cli.backend, BackendKind::Gpio);
        assert_eq!(
            usize::from(cli.max_connections),
            HttpConfig::default().max_connections
        );
        assert!(matches!(cli.push(), Ok(PushTo::Fleet)));
    }

    #[test]
    fn push_target_flag() {
        let cli = Cli::parse_from(["promcast-agent", "--push.target", "none"]);
        assert!(matches!(cli.push(), Ok(PushTo::Off)));
        let cli = Cli::parse_from(["promcast-agent", "--push.target", "10.0.0.2:9999"]);
        assert_eq!(
            cli.push().ok(),
            Some(PushTo::Target(Target::Addr(
                "10.0.0.2:9999".parse().expect("addr")
            )))
        );
        let cli = Cli::parse_from(["promcast-agent", "--push.target", "gateway"]);
        assert_eq!(
            cli.push().map_err(|e| e.to_string()).err().as_deref(),
            Some(
                "--push.target: \"gateway\" has no port: write \"host:port\", e.g. \"gateway:9999\""
            )
        );
    }
}
