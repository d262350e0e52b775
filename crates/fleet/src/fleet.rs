//! The fleet file: loading, checking every setting, and the typed result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use promcast_core::pin::PinConfig;
use promcast_core::probe::{RomId, RomIdError};
use promcast_core::sender::ProbeSetting;
use serde::Deserialize;

use crate::error::{DeviceRef, Error, LoadError, parse_table, read_file, toml_key};
use crate::id::DeviceId;
use crate::platform::Platform;
use crate::push::Push;
use crate::raw::{
    RawDefaults, RawDevice, RawPush, SEED_PIN_KEYS, from_value, take_keys, take_secret_keys,
};

/// Default time between temperature polls (the seed sender's `SLEEP = 10`).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// Default time between periodic contact state packets.
pub const DEFAULT_CONTACT_STATE_INTERVAL: Duration = Duration::from_secs(60);
/// Default time between announce packets (service discovery): well within the gateway's
/// default ttl of 10 minutes, so a target survives a few lost datagrams.
pub const DEFAULT_ANNOUNCE_INTERVAL: Duration = Duration::from_secs(60);
/// Default 1-Wire GPIO on microcontrollers (the seed sender's `GPIO_PIN = 15`).
pub const DEFAULT_ONEWIRE_PIN: u32 = 15;
/// Default 1-Wire GPIO on Linux: the Raspberry Pi `w1-gpio` overlay's default, GPIO 4. On
/// Linux the kernel owns the bus; the setting only keeps contact pins off it.
pub const DEFAULT_LINUX_ONEWIRE_PIN: u32 = 4;
/// Default HTTP port on microcontrollers, as the seed ESP32 exporter used.
pub const MICROCONTROLLER_HTTP_PORT: u16 = 80;
/// Default HTTP port of `promcast-agent` on Linux. Port 80 needs root there, the gateway has
/// 10079, and 10080 is on the browsers' blocked-port list (Fetch standard "bad ports"), so a
/// device page on it could not be opened in a browser.
pub const LINUX_HTTP_PORT: u16 = 10081;
/// Default GPIO character device on Linux.
pub const DEFAULT_GPIO_CHIP: &str = "/dev/gpiochip0";
/// Longest hostname: the seed's "must be a string of less than 16 characters".
pub const MAX_HOSTNAME_LEN: usize = 15;
/// Longest device name: the wire format's `device` field limit.
pub const MAX_NAME_LEN: usize = promcast_core::packet::MAX_DEVICE_LEN;
/// Longest pin name.
pub const MAX_PIN_NAME_LEN: usize = 64;
/// Longest probe name: the wire format's `name` field limit.
pub const MAX_PROBE_NAME_LEN: usize = promcast_core::packet::MAX_NAME_LEN;
/// Largest calibration offset accepted, in °C either way.
pub const MAX_OFFSET: f64 = 10.0;
/// Longest debounce time accepted.
pub const MAX_DEBOUNCE: Duration = Duration::from_secs(10);
/// Shortest poll interval: a conversion alone takes 750 ms.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Longest poll or state interval accepted.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// The whole fleet: every device, by id.
#[derive(Clone, Debug, PartialEq)]
pub struct Fleet {
    path: PathBuf,
    defaults: Defaults,
    devices: Vec<Device>,
}

/// `[defaults]`, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    /// Time between temperature polls.
    pub poll_interval: Duration,
    /// Where devices send packets, unless they say otherwise.
    pub push: Option<Push>,
    /// Time between periodic contact state packets; `None`: off.
    pub contact_state_interval: Option<Duration>,
    /// Time between announce packets; `None`: off.
    pub announce_interval: Option<Duration>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            poll_interval: DEFAULT_POLL_INTERVAL,
            push: None,
            contact_state_interval: Some(DEFAULT_CONTACT_STATE_INTERVAL),
            announce_interval: Some(DEFAULT_ANNOUNCE_INTERVAL),
        }
    }
}

/// One device, every setting resolved (defaults applied) and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Its unique id (the key in the file).
    pub id: DeviceId,
    /// Its name, `[a-z0-9][a-z0-9-]*`, unique in the fleet; sent as `device` in packets.
    pub name: String,
    /// DHCP hostname (the name unless set), shorter than 16 characters.
    pub hostname: String,
    /// The board.
    pub platform: Platform,
    /// Contact inputs.
    pub pins: Vec<Pin>,
    /// DS18B20 probes with names and offsets. Probes found on the bus but not listed here
    /// get a unique default name.
    pub probes: Vec<Probe>,
    /// GPIO of the 1-Wire bus.
    pub onewire_pin: u32,
    /// Name of the RP2040/RP2350 internal temperature reading, if it is sent.
    pub internal_temperature: Option<String>,
    /// Time between temperature polls.
    pub poll_interval: Duration,
    /// Where to send packets; `None`: no push.
    pub push: Option<Push>,
    /// Time between periodic contact state packets; `None`: only on edges.
    pub contact_state_interval: Option<Duration>,
    /// Time between announce packets, which tell the gateway's service discovery where
    /// the device serves `/metrics` (devices that serve it: ESP32s and Linux boards); the
    /// first goes out at start. `None`: no announcements.
    pub announce_interval: Option<Duration>,
    /// Port the device serves `/metrics` on.
    pub http_port: u16,
    /// Linux only: the GPIO character device of the contact pins.
    pub gpio_chip: Option<PathBuf>,
}

/// A contact input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// GPIO number (on Linux: line offset on the GPIO chip).
    pub number: u32,
    /// Name, the `pin_name` label, unique on the device.
    pub name: String,
    /// Internal pull resistor.
    pub pull: Pull,
    /// On when the electrical level is low (a contact to ground with a pull-up).
    pub active_low: bool,
    /// A new level must hold this long before it counts; zero: no debouncing.
    pub debounce: Duration,
}

/// Internal pull resistor of an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pull {
    /// Pull-up.
    Up,
    /// Pull-down.
    Down,
    /// None (the seed's default): the input floats unless wired otherwise.
    #[default]
    None,
}

/// A DS18B20 probe.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Its ROM id.
    pub rom: RomId,
    /// Its name, e.g. `ColdWaterTank`.
    pub name: String,
    /// Added to the raw reading, °C.
    pub offset: f32,
}

impl Pin {
    /// The core tracker's settings for this pin.
    pub fn pin_config(&self) -> PinConfig {
        PinConfig {
            active_low: self.active_low,
            debounce: self.debounce,
        }
    }
}

impl Probe {
    /// The core sender's settings for this probe.
    pub fn setting(&self) -> ProbeSetting<'_> {
        ProbeSetting {
            rom: self.rom,
            name: &self.name,
            offset: self.offset,
        }
    }
}

impl Device {
    /// The configured probe with this ROM id.
    pub fn probe(&self, rom: &RomId) -> Option<&Probe> {
        self.probes.iter().find(|p| p.rom == *rom)
    }

    /// The configured pin with this name.
    pub fn pin(&self, name: &str) -> Option<&Pin> {
        self.pins.iter().find(|p| p.name == name)
    }

    /// The core sender's settings for every configured probe.
    pub fn probe_settings(&self) -> Vec<ProbeSetting<'_>> {
        self.probes.iter().map(Probe::setting).collect()
    }
}

impl Fleet {
    /// Parse and check a fleet file's text. `path` is only used in messages.
    pub fn from_toml(text: &str, path: impl AsRef<Path>) -> Result<Fleet, LoadError> {
        let path = path.as_ref().to_owned();
        let table = parse_table(text, &path)?;
        let mut check = Check::default();
        let (defaults, devices) = check.file(table);
        if check.errors.is_empty() {
            Ok(Fleet {
                path,
                defaults,
                devices,
            })
        } else {
            Err(LoadError::Invalid {
                path,
                errors: check.errors,
            })
        }
    }

    /// Read, parse and check a fleet file.
    pub fn load(path: impl AsRef<Path>) -> Result<Fleet, LoadError> {
        let path = path.as_ref();
        Fleet::from_toml(&read_file(path)?, path)
    }

    /// The device with this id (in any spelling [`DeviceId::normalize`] accepts, such as a
    /// MAC with colons) or name.
    pub fn device(&self, id_or_name: &str) -> Option<&Device> {
        if let Some(id) = DeviceId::normalize(id_or_name)
            && let Some(d) = self.devices.iter().find(|d| d.id == id)
        {
            return Some(d);
        }
        self.devices.iter().find(|d| d.name == id_or_name)
    }

    /// Every device, in file order.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// `[defaults]`, resolved.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

const SECRETS_HINT: &str = "Wi-Fi secrets do not belong in the fleet file, which is shared and \
                            committed; move it to secrets.toml";

/// Check state: the errors so far and what earlier devices claimed.
#[derive(Default)]
struct Check {
    errors: Vec<Error>,
    names: HashMap<String, String>,
    hostnames: HashMap<String, String>,
    roms: HashMap<RomId, String>,
}

/// Where in the file a device's errors go.
struct Ctx {
    device: DeviceRef,
}

impl Ctx {
    fn err(&self, errors: &mut Vec<Error>, path: impl Into<String>, message: impl Into<String>) {
        errors.push(Error {
            device: Some(self.device.clone()),
            path: path.into(),
            message: message.into(),
        });
    }
    fn describe(&self) -> String {
        match &self.device.name {
            Some(n) => format!("devices.{} ({n})", toml_key(&self.device.key)),
            None => format!("devices.{}", toml_key(&self.device.key)),
        }
    }
}

impl Check {
    fn file(&mut self, mut table: toml::Table) -> (Defaults, Vec<Device>) {
        for key in take_secret_keys(&mut table) {
            self.errors.push(Error::top(
                key.as_str(),
                format!("{SECRETS_HINT} ([wifi] ssid/psk)"),
            ));
        }
        let mut defaults = Defaults::default();
        let mut devices_value = None;
        for (key, value) in table {
            match key.as_str() {
                "defaults" => defaults = self.defaults(value),
                "devices" => devices_value = Some(value),
                _ => self.errors.push(Error::top(
                    key.as_str(),
                    "unknown key: the fleet file has a [defaults] table and [devices.<id>] tables",
                )),
            }
        }
        let mut devices = Vec::new();
        match devices_value {
            None => {}
            Some(toml::Value::Table(t)) => {
                for (key, value) in t {
                    if let Some(d) = self.device(&defaults, key, value) {
                        devices.push(d);
                    }
                }
            }
            Some(_) => self.errors.push(Error::top(
                "devices",
                "must be a table of devices keyed by id: [devices.<id>]",
            )),
        }
        (defaults, devices)
    }

    fn defaults(&mut self, value: toml::Value) -> Defaults {
        let mut d = Defaults::default();
        let toml::Value::Table(mut table) = value else {
            self.errors
                .push(Error::top("defaults", "must be a table: [defaults]"));
            return d;
        };
        for key in take_secret_keys(&mut table) {
            self.errors.push(Error::top(
                format!("defaults.{key}"),
                format!("{SECRETS_HINT} ([wifi] ssid/psk)"),
            ));
        }
        let raw: RawDefaults = match from_value(toml::Value::Table(table)) {
            Ok(r) => r,
            Err((path, message)) => {
                let path = if path.is_empty() {
                    "defaults".to_owned()
                } else {
                    format!("defaults.{path}")
                };
                self.errors.push(Error::top(path, message));
                return d;
            }
        };
        if let Some(v) = raw.poll_interval {
            if let Some(m) = poll_interval_problem(v) {
                self.errors.push(Error::top("defaults.poll_interval", m));
            }
            d.poll_interval = v;
        }
        for (setting, value, default, what) in [
            (
                "contact_state_interval",
                raw.contact_state_interval,
                &mut d.contact_state_interval,
                STATE_PACKETS,
            ),
            (
                "announce_interval",
                raw.announce_interval,
                &mut d.announce_interval,
                ANNOUNCEMENTS,
            ),
        ] {
            if let Some(v) = value {
                let (interval, problem) = periodic_interval(v, what);
                if let Some(m) = problem {
                    self.errors
                        .push(Error::top(format!("defaults.{setting}"), m));
                }
                *default = interval;
            }
        }
        d.push = match raw.push {
            Some(RawPush::Target(p)) => Some(p),
            Some(RawPush::Off) | None => None,
        };
        d
    }

    fn device(&mut self, defaults: &Defaults, key: String, value: toml::Value) -> Option<Device> {
        let name = value
            .get("name")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let ctx = Ctx {
            device: DeviceRef {
                key: key.clone(),
                name,
            },
        };
        let errs = &mut self.errors;
        let id = match DeviceId::parse(&key) {
            Ok(id) => Some(id),
            Err(m) => {
                ctx.err(errs, "", m);
                None
            }
        };
        let toml::Value::Table(mut table) = value else {
            ctx.err(errs, "", "must be a table: [devices.<id>]");
            return None;
        };
        for k in take_secret_keys(&mut table) {
            ctx.err(
                errs,
                k,
                format!(
                    "{SECRETS_HINT} under [devices.{}.wifi]",
                    toml_key(&ctx.device.key)
                ),
            );
        }
        let mut seed_keys = Vec::new();
        if let Some(toml::Value::Array(pins)) = table.get_mut("pins") {
            for (i, pin) in pins.iter_mut().enumerate() {
                if let toml::Value::Table(t) = pin {
                    seed_keys.push((i, take_keys(t, &SEED_PIN_KEYS)));
                }
            }
        }
        let raw: RawDevice = match from_value(toml::Value::Table(table)) {
            Ok(r) => r,
            Err((path, message)) => {
                ctx.err(errs, path, message);
                return None;
            }
        };
        let before = errs.len();

        // name, hostname
        if let Some(m) = name_problem(&raw.name) {
            ctx.err(errs, "name", m);
        } else if let Some(other) = self.names.get(&raw.name) {
            ctx.err(
                errs,
                "name",
                format!("duplicate device name {:?} (also {other})", raw.name),
            );
        } else {
            self.names.insert(raw.name.clone(), ctx.describe());
        }
        let hostname = raw.hostname.clone().unwrap_or_else(|| raw.name.clone());
        if let Some(m) = hostname_problem(&hostname, raw.hostname.is_none()) {
            ctx.err(errs, "hostname", m);
        } else if let Some(other) = self.hostnames.get(&hostname.to_ascii_lowercase()) {
            ctx.err(
                errs,
                "hostname",
                format!("duplicate hostname {hostname:?} (also {other})"),
            );
        } else {
            self.hostnames
                .insert(hostname.to_ascii_lowercase(), ctx.describe());
        }

        // platform against the kind of id
        let platform = raw.platform;
        if let Some(id) = &id
            && !platform.id_kinds().contains(&id.kind())
        {
            let wanted: Vec<&str> = platform.id_kinds().iter().map(|k| k.describe()).collect();
            ctx.err(
                errs,
                "platform",
                format!(
                    "a {platform} device is keyed by {}, but {:?} is {}",
                    wanted.join(" or "),
                    id.as_str(),
                    id.kind().describe()
                ),
            );
        }

        // 1-Wire pin
        let onewire_explicit = raw.onewire_pin.is_some();
        let onewire_pin = raw.onewire_pin.unwrap_or(if platform.is_microcontroller() {
            DEFAULT_ONEWIRE_PIN
        } else {
            DEFAULT_LINUX_ONEWIRE_PIN
        });
        if onewire_explicit && !platform.gpio_usable(onewire_pin) {
            ctx.err(
                errs,
                "onewire_pin",
                format!(
                    "GPIO {onewire_pin} is not usable on {platform} (usable: {})",
                    platform.usable_gpios_text()
                ),
            );
        }
        let onewire_in_use = onewire_explicit || !raw.probes.is_empty();

        // pins
        let mut pins = Vec::new();
        let mut pin_numbers: HashMap<u32, usize> = HashMap::new();
        let mut pin_names: HashMap<&str, usize> = HashMap::new();
        for (i, rp) in raw.pins.iter().enumerate() {
            let p = |field: &str| format!("pins[{i}].{field}");
            if !platform.gpio_usable(rp.number) {
                ctx.err(
                    errs,
                    p("number"),
                    format!(
                        "GPIO {} is not usable on {platform} (usable: {})",
                        rp.number,
                        platform.usable_gpios_text()
                    ),
                );
            } else if let Some(j) = pin_numbers.get(&rp.number) {
                ctx.err(
                    errs,
                    p("number"),
                    format!("duplicate pin number {} (also pins[{j}])", rp.number),
                );
            } else if onewire_in_use && rp.number == onewire_pin {
                ctx.err(
                    errs,
                    p("number"),
                    format!("GPIO {} is the 1-Wire bus (onewire_pin)", rp.number),
                );
            }
            pin_numbers.entry(rp.number).or_insert(i);
            if let Some(m) = label_problem(&rp.name, MAX_PIN_NAME_LEN) {
                ctx.err(errs, p("name"), m);
            } else if pin_names.contains_key(rp.name.as_str()) {
                ctx.err(errs, p("name"), format!("duplicate pin name {:?}", rp.name));
            } else {
                pin_names.insert(&rp.name, i);
            }
            let seed = seed_keys
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, k)| k.as_slice())
                .unwrap_or_default();
            seed_pin_keys(&ctx, errs, i, seed);
            let pull = rp.pull.unwrap_or_default();
            if pull != Pull::None
                && let Some(r) = platform.no_pull_gpios()
                && r.contains(&rp.number)
            {
                ctx.err(
                    errs,
                    p("pull"),
                    format!(
                        "GPIO {}-{} on {platform} have no internal pull resistors: fit an \
                         external one and set pull = \"none\"",
                        r.start(),
                        r.end()
                    ),
                );
            }
            let debounce = rp.debounce.unwrap_or_default();
            if debounce > MAX_DEBOUNCE {
                ctx.err(
                    errs,
                    p("debounce"),
                    format!(
                        "{} is longer than {}",
                        humantime::format_duration(debounce),
                        humantime::format_duration(MAX_DEBOUNCE)
                    ),
                );
            }
            pins.push(Pin {
                number: rp.number,
                name: rp.name.clone(),
                pull,
                active_low: rp.active_low,
                debounce,
            });
        }

        // probes
        let mut probes = Vec::new();
        let mut probe_roms: HashMap<RomId, usize> = HashMap::new();
        let mut probe_names: HashMap<&str, usize> = HashMap::new();
        for (i, rp) in raw.probes.iter().enumerate() {
            let p = |field: &str| format!("probes[{i}].{field}");
            let rom = match RomId::parse(&rp.rom) {
                Ok(rom) if rom.family() != 0x28 => {
                    ctx.err(
                        errs,
                        p("rom"),
                        format!(
                            "{:?} is not a DS18B20: its family code is {:02x}, a DS18B20's is 28",
                            rp.rom,
                            rom.family()
                        ),
                    );
                    None
                }
                Ok(rom) => Some(rom),
                Err(RomIdError::Crc) => {
                    ctx.err(
                        errs,
                        p("rom"),
                        format!(
                            "{:?}: the CRC (last byte) does not match; check the id for a typo, \
                             or write the Linux form (\"28-xxxxxxxxxxxx\"), which has no CRC",
                            rp.rom
                        ),
                    );
                    None
                }
                Err(RomIdError::Format) => {
                    ctx.err(
                        errs,
                        p("rom"),
                        format!(
                            "{:?} is not a ROM id: write 16 hex digits (\"28ff641e7216036f\") \
                             or the Linux form (\"28-0000072431a5\")",
                            rp.rom
                        ),
                    );
                    None
                }
            };
            if let Some(rom) = rom {
                if let Some(j) = probe_roms.get(&rom) {
                    ctx.err(
                        errs,
                        p("rom"),
                        format!("duplicate probe {:?} (also probes[{j}])", rp.rom),
                    );
                } else if let Some(other) = self.roms.get(&rom) {
                    ctx.err(
                        errs,
                        p("rom"),
                        format!("probe {:?} is also configured on {other}", rp.rom),
                    );
                } else {
                    self.roms.insert(rom, ctx.describe());
                }
                probe_roms.entry(rom).or_insert(i);
            }
            if let Some(m) = label_problem(&rp.name, MAX_PROBE_NAME_LEN) {
                ctx.err(errs, p("name"), m);
            } else if probe_names.contains_key(rp.name.as_str()) {
                ctx.err(
                    errs,
                    p("name"),
                    format!("duplicate probe name {:?}", rp.name),
                );
            } else {
                probe_names.insert(&rp.name, i);
            }
            if !rp.offset.is_finite() || rp.offset.abs() > MAX_OFFSET {
                ctx.err(
                    errs,
                    p("offset"),
                    format!(
                        "{} is not a calibration offset: it must be within ±{MAX_OFFSET} °C",
                        rp.offset
                    ),
                );
            }
            if let Some(rom) = rom {
                probes.push(Probe {
                    rom,
                    name: rp.name.clone(),
                    offset: rp.offset as f32,
                });
            }
        }

        // internal temperature
        if let Some(name) = &raw.internal_temperature {
            if !platform.is_pico() {
                ctx.err(
                    errs,
                    "internal_temperature",
                    format!(
                        "only pico-w and pico2-w have an internal temperature sensor, not {platform}"
                    ),
                );
            } else if let Some(m) = label_problem(name, MAX_PROBE_NAME_LEN) {
                ctx.err(errs, "internal_temperature", m);
            } else if let Some(j) = probe_names.get(name.as_str()) {
                ctx.err(
                    errs,
                    "internal_temperature",
                    format!("{name:?} is already the name of probes[{j}]"),
                );
            }
        }

        // intervals, push, HTTP, GPIO chip
        let poll_interval = raw.poll_interval.unwrap_or(defaults.poll_interval);
        if let Some(v) = raw.poll_interval
            && let Some(m) = poll_interval_problem(v)
        {
            ctx.err(errs, "poll_interval", m);
        }
        let mut periodic = |setting: &str, value: Option<Duration>, default, what| match value {
            Some(v) => {
                let (interval, problem) = periodic_interval(v, what);
                if let Some(m) = problem {
                    ctx.err(errs, setting, m);
                }
                interval
            }
            None => default,
        };
        let contact_state_interval = periodic(
            "contact_state_interval",
            raw.contact_state_interval,
            defaults.contact_state_interval,
            STATE_PACKETS,
        );
        let announce_interval = periodic(
            "announce_interval",
            raw.announce_interval,
            defaults.announce_interval,
            ANNOUNCEMENTS,
        );
        let push = match raw.push {
            Some(RawPush::Target(p)) => Some(p),
            Some(RawPush::Off) => None,
            None => defaults.push.clone(),
        };
        let http_port = raw.http_port.unwrap_or(if platform.is_microcontroller() {
            MICROCONTROLLER_HTTP_PORT
        } else {
            LINUX_HTTP_PORT
        });
        if http_port == 0 {
            ctx.err(errs, "http_port", "must be 1-65535");
        }
        let gpio_chip = match (&raw.gpio_chip, platform) {
            (Some(_), p) if p.is_microcontroller() => {
                ctx.err(
                    errs,
                    "gpio_chip",
                    format!("only linux devices have a GPIO chip, not {p}"),
                );
                None
            }
            (Some(c), _) => match gpio_chip_path(c) {
                Some(p) => Some(p),
                None => {
                    ctx.err(
                        errs,
                        "gpio_chip",
                        format!("{c:?} is neither a device path (\"/dev/gpiochip0\") nor a chip name (\"gpiochip0\")"),
                    );
                    None
                }
            },
            (None, Platform::Linux) => Some(PathBuf::from(DEFAULT_GPIO_CHIP)),
            (None, _) => None,
        };

        if errs.len() > before {
            return None;
        }
        Some(Device {
            id: id?,
            name: raw.name,
            hostname,
            platform,
            pins,
            probes,
            onewire_pin,
            internal_temperature: raw.internal_temperature,
            poll_interval,
            push,
            contact_state_interval,
            announce_interval,
            http_port,
            gpio_chip,
        })
    }
}

/// Errors for the seed-style keys `pull_up`, `pull_down` and `on_value` of pin `i`.
fn seed_pin_keys(ctx: &Ctx, errs: &mut Vec<Error>, i: usize, keys: &[(String, toml::Value)]) {
    let is_true = |k: &str| {
        keys.iter()
            .any(|(key, v)| key == k && v.as_bool() == Some(true))
    };
    if is_true("pull_up") && is_true("pull_down") {
        ctx.err(
            errs,
            format!("pins[{i}]"),
            "both pull_up and pull_down: a pin has one pull; write pull = \"up\", \"down\" or \"none\"",
        );
    }
    for (key, value) in keys {
        let path = format!("pins[{i}].{key}");
        match key.as_str() {
            "pull_up" | "pull_down" if is_true("pull_up") && is_true("pull_down") => {}
            "pull_up" | "pull_down" => {
                let dir = if key == "pull_up" { "up" } else { "down" };
                let write = if value.as_bool() == Some(true) {
                    format!("pull = \"{dir}\"")
                } else {
                    "pull = \"none\" (the default)".to_owned()
                };
                ctx.err(errs, path, format!("the fleet file says {write} instead"));
            }
            _ => {
                let write = match value.as_integer() {
                    Some(0) => "active_low = true",
                    Some(1) => "active_low = false (the default)",
                    _ => "active_low = true or false",
                };
                ctx.err(errs, path, format!("the fleet file says {write} instead"));
            }
        }
    }
}

fn name_problem(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if !ok {
        Some(format!(
            "{name:?} is not a device name: use lower-case letters, digits and hyphens, \
             starting with a letter or digit"
        ))
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "{name:?} is {} characters; at most {MAX_NAME_LEN}",
            name.len()
        ))
    } else {
        None
    }
}

fn hostname_problem(h: &str, from_name: bool) -> Option<String> {
    let b = h.as_bytes();
    let chars_ok = !b.is_empty()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !h.starts_with('-')
        && !h.ends_with('-');
    let hint = if from_name {
        " (it defaults to the name; set hostname)"
    } else {
        ""
    };
    if !chars_ok {
        Some(format!(
            "{h:?} is not a valid hostname: use letters, digits and hyphens, not starting or \
             ending with a hyphen{hint}"
        ))
    } else if h.len() > MAX_HOSTNAME_LEN {
        Some(format!(
            "{h:?} is {} characters; a DHCP hostname must be shorter than 16{hint}",
            h.len()
        ))
    } else {
        None
    }
}

/// Problems with a pin or probe name: it becomes a label value and a packet's `name`.
fn label_problem(name: &str, max: usize) -> Option<String> {
    if name.trim().is_empty() {
        Some("must not be empty".into())
    } else if name.chars().any(char::is_control) {
        Some(format!("{name:?} contains a control character"))
    } else if name.trim() != name {
        Some(format!("{name:?} has leading or trailing whitespace"))
    } else if name.len() > max {
        Some(format!("{name:?} is {} bytes; at most {max}", name.len()))
    } else {
        None
    }
}

fn poll_interval_problem(v: Duration) -> Option<String> {
    (v < MIN_INTERVAL || v > MAX_INTERVAL).then(|| {
        format!(
            "{} is out of range 1s..=1day (a conversion alone takes 750ms)",
            humantime::format_duration(v)
        )
    })
}

/// What `contact_state_interval = "0s"` switches off.
const STATE_PACKETS: &str = "periodic state packets";
/// What `announce_interval = "0s"` switches off.
const ANNOUNCEMENTS: &str = "announcements";

/// The interval of periodic packets `v` sets (`0s`: none, so `None`), and what is wrong
/// with it; `what` names the packets for the message.
fn periodic_interval(v: Duration, what: &str) -> (Option<Duration>, Option<String>) {
    let problem = (!v.is_zero() && (v < MIN_INTERVAL || v > MAX_INTERVAL)).then(|| {
        format!(
            "{} is out of range 1s..=1day (0s switches {what} off)",
            humantime::format_duration(v)
        )
    });
    ((!v.is_zero()).then_some(v), problem)
}

fn gpio_chip_path(c: &str) -> Option<PathBuf> {
    if c.starts_with('/') {
        Some(PathBuf::from(c))
    } else if c.starts_with("gpiochip") && c.len() > 8 && c[8..].bytes().all(|b| b.is_ascii_digit())
    {
        Some(Path::new("/dev").join(c))
    } else {
        None
    }
}
