//! Bakes one device's fleet entry and the Wi-Fi credentials into the firmware.
//!
//! * Fleet file: `PROMCAST_FLEET`, else `fleet.toml` at the repository root, else
//!   `deploy/fleet.example.toml` (with a warning).
//! * Device: `PROMCAST_DEVICE` (unique id in any spelling, or name), else the only device in
//!   the fleet whose platform is the chip being built (`esp32c3` by default).
//! * Wi-Fi: `PROMCAST_WIFI_SSID` (and `PROMCAST_WIFI_PSK`, absent for an open network), else
//!   `PROMCAST_SECRETS`, else `secrets.toml` next to the fleet file. With none of them the
//!   image gets placeholder credentials (a warning says so): it builds, as CI needs, but
//!   cannot join a network.
//! * NTP server: `PROMCAST_NTP_SERVER`, else `pool.ntp.org`.
//! * Revision: `PROMCAST_REVISION`, else `git rev-parse --short=12 HEAD`, else `unknown`.
//!
//! It writes `$OUT_DIR/device.rs` (constants and the `contact_inputs!` macro, included by
//! `src/config.rs`) and passes the linker scripts. A missing or invalid entry fails the build
//! with a message saying what to fix.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use std::{env, fs};

use promcast_fleet::{Device, Fleet, Platform, Pull, Push, Secrets};

/// Placeholder SSID of images built without credentials.
const PLACEHOLDER_SSID: &str = "promcast-placeholder";
/// Placeholder passphrase of images built without credentials.
const PLACEHOLDER_PSK: &str = "placeholder-passphrase";
/// Default SNTP server.
const DEFAULT_NTP_SERVER: &str = "pool.ntp.org";
/// Contact inputs the firmware supports (one bit each in its change mask).
const MAX_PINS: usize = 32;
/// Longest DHCP hostname embassy-net sends.
const MAX_DHCP_HOSTNAME: usize = 32;
/// Exposition bytes besides the pins' samples: HELP/TYPE/UNIT of every family, process,
/// device, build and extra families, with room to spare.
const METRICS_BASE: usize = 4096;
/// Bytes of one pin sample line besides its hostname and pin name: sample name (up to 35),
/// label names and punctuation (40), pin number (2), value (up to 24), separators.
const METRICS_LINE: usize = 110;
/// `gpio_pin_*` families per pin.
const PIN_FAMILIES: usize = 8;
/// The exposition buffer is rounded up to a multiple of this.
const METRICS_ALIGN: usize = 256;

/// What this build is for.
struct Chip {
    platform: Platform,
    target: &'static str,
    feature: &'static str,
}

const CHIPS: [Chip; 4] = [
    Chip {
        platform: Platform::Esp32c3,
        target: "riscv32imc-unknown-none-elf",
        feature: "esp32c3",
    },
    Chip {
        platform: Platform::Esp32c6,
        target: "riscv32imac-unknown-none-elf",
        feature: "esp32c6",
    },
    Chip {
        platform: Platform::Esp32,
        target: "xtensa-esp32-none-elf",
        feature: "esp32",
    },
    Chip {
        platform: Platform::Esp32s3,
        target: "xtensa-esp32s3-none-elf",
        feature: "esp32s3",
    },
];

/// A build-stopping problem: lines for the user.
struct Failure(String);

impl<T: Into<String>> From<T> for Failure {
    fn from(s: T) -> Self {
        Failure(s.into())
    }
}

fn main() {
    // defmt.x before linkall.x, which must come last.
    println!("cargo:rustc-link-arg=-Tdefmt.x");
    println!("cargo:rustc-link-arg=-Tlinkall.x");
    for var in [
        "PROMCAST_FLEET",
        "PROMCAST_DEVICE",
        "PROMCAST_SECRETS",
        "PROMCAST_WIFI_SSID",
        "PROMCAST_WIFI_PSK",
        "PROMCAST_NTP_SERVER",
        "PROMCAST_REVISION",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if let Err(Failure(message)) = run() {
        for line in message.lines() {
            println!("cargo::error={line}");
        }
        std::process::exit(1);
    }
}

fn run() -> Result<(), Failure> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let repo = manifest_dir.join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let chip = chip()?;

    let fleet_path = fleet_path(&repo);
    println!("cargo:rerun-if-changed={}", fleet_path.display());
    let fleet = Fleet::load(&fleet_path).map_err(|e| {
        format!(
            "the fleet file is not usable:\n{e}\n(fleet file chosen by: PROMCAST_FLEET, else \
             fleet.toml at the repository root, else deploy/fleet.example.toml)"
        )
    })?;
    let device = select_device(&fleet, &chip)?;
    check_device(device, &chip)?;

    let wifi = wifi_credentials(&fleet_path, device)?;
    let ntp = env::var("PROMCAST_NTP_SERVER").unwrap_or_else(|_| DEFAULT_NTP_SERVER.into());
    if ntp.is_empty() || ntp.len() > 253 {
        return Err("PROMCAST_NTP_SERVER must be a host name or IPv4 address".into());
    }
    let revision = revision(&repo);

    let code = generate(device, &wifi, &ntp, &revision, &fleet_path)?;
    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?).join("device.rs");
    fs::write(&out, code).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(())
}

/// The chip selected by feature: exactly one.
fn chip() -> Result<Chip, Failure> {
    let mut enabled = CHIPS
        .into_iter()
        .filter(|c| env::var_os(format!("CARGO_FEATURE_{}", c.feature.to_uppercase())).is_some());
    let (Some(chip), None) = (enabled.next(), enabled.next()) else {
        return Err(
            "enable exactly one chip feature: esp32c3 (the default), esp32c6, esp32 or \
                    esp32s3; for another chip than the default pass --no-default-features \
                    --features <chip> --target <its target> (see README.md)"
                .into(),
        );
    };
    Ok(chip)
}

/// `PROMCAST_FLEET`, else the repository's `fleet.toml`, else the example fleet.
fn fleet_path(repo: &Path) -> PathBuf {
    if let Some(path) = env::var_os("PROMCAST_FLEET") {
        return PathBuf::from(path);
    }
    let own = repo.join("fleet.toml");
    if own.is_file() {
        return own;
    }
    println!(
        "cargo:warning=no PROMCAST_FLEET and no fleet.toml at the repository root: building a \
         device of deploy/fleet.example.toml"
    );
    repo.join("deploy/fleet.example.toml")
}

/// `PROMCAST_DEVICE`, else the fleet's only device of this chip.
fn select_device<'f>(fleet: &'f Fleet, chip: &Chip) -> Result<&'f Device, Failure> {
    let path = fleet.path().display();
    if let Ok(wanted) = env::var("PROMCAST_DEVICE") {
        return fleet.device(&wanted).ok_or_else(|| {
            Failure(format!(
                "PROMCAST_DEVICE={wanted:?}: no device with that id or name in {path}; its \
                 devices are: {}",
                list(fleet.devices().iter())
            ))
        });
    }
    let candidates: Vec<&Device> = fleet
        .devices()
        .iter()
        .filter(|d| d.platform == chip.platform)
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "{path} has no {platform} device: add one (a [devices.<id>] entry with platform = \
             \"{platform}\", see deploy/fleet.example.toml), or choose another fleet file with \
             PROMCAST_FLEET, or build for another chip",
            platform = chip.platform
        )
        .into()),
        several => Err(format!(
            "{path} has several {} devices: set PROMCAST_DEVICE to the id or name of one of: {}",
            chip.platform,
            list(several.iter().copied())
        )
        .into()),
    }
}

/// `name (id, platform)` of each device.
fn list<'a>(devices: impl Iterator<Item = &'a Device>) -> String {
    let all: Vec<String> = devices
        .map(|d| format!("{} ({}, {})", d.name, d.id, d.platform))
        .collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

/// What the fleet crate does not check because it is this firmware's limit.
fn check_device(device: &Device, chip: &Chip) -> Result<(), Failure> {
    let who = format!("device {} ({})", device.name, device.id);
    if device.platform != chip.platform {
        return Err(match CHIPS.iter().find(|c| c.platform == device.platform) {
            Some(other) => format!(
                "{who} is an {} board but this build is for {}: build it with \
                 --no-default-features --features {} --target {}",
                device.platform, chip.platform, other.feature, other.target
            ),
            None => format!(
                "{who} is a {} device, not an ESP32 board: this firmware cannot run on it",
                device.platform
            ),
        }
        .into());
    }
    if device.pins.len() > MAX_PINS {
        return Err(format!(
            "{who} has {} pins; this firmware supports at most {MAX_PINS}",
            device.pins.len()
        )
        .into());
    }
    if device.hostname.len() > MAX_DHCP_HOSTNAME {
        return Err(format!("{who}: hostname longer than {MAX_DHCP_HOSTNAME} bytes").into());
    }
    for pin in &device.pins {
        if u8::try_from(pin.number).is_err() || !device.platform.gpio_usable(pin.number) {
            return Err(format!(
                "{who}: GPIO {} cannot be an input on {} (usable: {})",
                pin.number,
                device.platform,
                device.platform.usable_gpios_text()
            )
            .into());
        }
    }
    if !device.probes.is_empty() {
        println!(
            "cargo:warning={who} lists DS18B20 probes; this firmware reads only its contact \
             pins and ignores them"
        );
    }
    match &device.push {
        Some(Push::Multicast(addr)) if !addr.is_ipv4() => Err(format!(
            "{who}: push = \"{addr}\": this firmware sends over IPv4 only; use an IPv4 group \
             such as 239.0.0.1:9999"
        )
        .into()),
        Some(Push::Unicast { host, .. }) if host.contains(':') => Err(format!(
            "{who}: push to \"{host}\": this firmware sends over IPv4 only; use an IPv4 \
             address or a host name"
        )
        .into()),
        _ => Ok(()),
    }
}

/// Wi-Fi credentials for the image, and whether they are placeholders.
struct WifiCredentials {
    ssid: String,
    psk: String,
    placeholder: bool,
}

/// From the environment, else the secrets file, else placeholders.
fn wifi_credentials(fleet_path: &Path, device: &Device) -> Result<WifiCredentials, Failure> {
    if let Ok(ssid) = env::var("PROMCAST_WIFI_SSID") {
        let psk = env::var("PROMCAST_WIFI_PSK").unwrap_or_default();
        check_credentials(&ssid, &psk, "PROMCAST_WIFI_SSID/PROMCAST_WIFI_PSK")?;
        return Ok(WifiCredentials {
            ssid,
            psk,
            placeholder: false,
        });
    }
    if env::var_os("PROMCAST_WIFI_PSK").is_some() {
        return Err("PROMCAST_WIFI_PSK is set but PROMCAST_WIFI_SSID is not".into());
    }
    let secrets_path = match env::var_os("PROMCAST_SECRETS") {
        Some(path) => PathBuf::from(path),
        None => fleet_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("secrets.toml"),
    };
    if secrets_path.is_file() || env::var_os("PROMCAST_SECRETS").is_some() {
        println!("cargo:rerun-if-changed={}", secrets_path.display());
        let secrets = Secrets::load(&secrets_path)
            .map_err(|e| format!("the secrets file is not usable:\n{e}"))?;
        let Some(wifi) = secrets.wifi_for(&device.id) else {
            return Err(format!(
                "{} has no Wi-Fi network for device {} ({}): add [wifi] (every device) or \
                 [devices.{}.wifi] with ssid and psk",
                secrets_path.display(),
                device.name,
                device.id,
                device.id
            )
            .into());
        };
        let psk = wifi.psk.clone().unwrap_or_default();
        check_credentials(&wifi.ssid, &psk, &secrets_path.display().to_string())?;
        return Ok(WifiCredentials {
            ssid: wifi.ssid.clone(),
            psk,
            placeholder: false,
        });
    }
    println!(
        "cargo:warning=no Wi-Fi credentials (no PROMCAST_WIFI_SSID, no {}): this image has \
         placeholders and cannot join a network; fine for CI, not for flashing",
        secrets_path.display()
    );
    Ok(WifiCredentials {
        ssid: PLACEHOLDER_SSID.into(),
        psk: PLACEHOLDER_PSK.into(),
        placeholder: true,
    })
}

/// What the ESP32 Wi-Fi driver accepts: SSID 1-32 bytes; passphrase empty (open), 8-63
/// printable ASCII characters, or 64 hex digits.
fn check_credentials(ssid: &str, psk: &str, source: &str) -> Result<(), Failure> {
    if ssid.is_empty() || ssid.len() > 32 {
        return Err(format!("{source}: the SSID must be 1-32 bytes").into());
    }
    let passphrase =
        (8..=63).contains(&psk.len()) && psk.bytes().all(|b| (0x20..0x7f).contains(&b));
    let hex_key = psk.len() == 64 && psk.bytes().all(|b| b.is_ascii_hexdigit());
    if !psk.is_empty() && !passphrase && !hex_key {
        return Err(format!(
            "{source}: the passphrase must be 8-63 printable ASCII characters or 64 hex digits \
             (or absent for an open network)"
        )
        .into());
    }
    Ok(())
}

/// `PROMCAST_REVISION`, else git's short commit id, else `unknown`.
fn revision(repo: &Path) -> String {
    if let Ok(rev) = env::var("PROMCAST_REVISION") {
        return rev;
    }
    let git = repo.join(".git");
    if git.is_dir() {
        println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
        if let Ok(head) = fs::read_to_string(git.join("HEAD"))
            && let Some(reference) = head.trim().strip_prefix("ref: ")
        {
            let file = git.join(reference);
            if file.is_file() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The exposition buffer for these pins: the fixed part plus each pin's sample lines with
/// their label values as escaped in the exposition, rounded up.
fn metrics_buf_len(device: &Device) -> usize {
    let host = escaped_len(&device.hostname);
    let pins: usize = device
        .pins
        .iter()
        .map(|p| PIN_FAMILIES * (METRICS_LINE + host + escaped_len(&p.name)))
        .sum();
    (METRICS_BASE + pins).div_ceil(METRICS_ALIGN) * METRICS_ALIGN
}

/// Length of a label value in the exposition: `\`, `"` and newline take two bytes.
fn escaped_len(value: &str) -> usize {
    value.len()
        + value
            .bytes()
            .filter(|b| matches!(b, b'\\' | b'"' | b'\n'))
            .count()
}

/// A `core::time::Duration` expression.
fn duration(d: Duration) -> String {
    format!(
        "Duration::from_millis({})",
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    )
}

/// An `Option<core::time::Duration>` expression.
fn optional_duration(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("Some({})", duration(d)),
        None => "None".into(),
    }
}

/// The generated `device.rs`.
fn generate(
    device: &Device,
    wifi: &WifiCredentials,
    ntp: &str,
    revision: &str,
    fleet_path: &Path,
) -> Result<String, Failure> {
    let mut s = String::new();
    let fleet = fleet_path.display().to_string();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    w(format!(
        "// Generated by build.rs from {fleet:?} for device {:?}. Do not edit.",
        device.name
    ));
    w(String::new());
    w(format!(
        "/// The fleet file this image was built from.\npub const FLEET_FILE: &str = {fleet:?};"
    ));
    w(format!(
        "/// The device's unique id (its fleet key).\npub const UNIQUE_ID: &str = {:?};",
        device.id.as_str()
    ));
    w(format!(
        "/// The device's name (`device` in contact and announce packets).\npub const NAME: &str = {:?};",
        device.name
    ));
    w(format!(
        "/// DHCP hostname and `hostname` label.\npub const HOSTNAME: &str = {:?};",
        device.hostname
    ));
    w(format!(
        "/// The `platform` label.\npub const PLATFORM: &str = {:?};",
        device.platform.chip()
    ));
    w(format!(
        "/// Port `/metrics` is served on.\npub const HTTP_PORT: u16 = {};",
        device.http_port
    ));
    let push = match &device.push {
        None => "None".to_owned(),
        Some(Push::Multicast(addr)) => format!(
            "Some(PushTarget {{ host: {:?}, port: {}, multicast: true }})",
            addr.ip().to_string(),
            addr.port()
        ),
        Some(Push::Unicast { host, port }) => {
            format!("Some(PushTarget {{ host: {host:?}, port: {port}, multicast: false }})")
        }
    };
    w(format!(
        "/// Where contact and announce packets go, if anywhere.\npub const PUSH: Option<PushTarget> = {push};"
    ));
    w(format!(
        "/// Time between rounds of contact state packets; `None`: packets on changes only.\n\
         pub const CONTACT_STATE_INTERVAL: Option<Duration> = {};",
        optional_duration(device.contact_state_interval)
    ));
    w(format!(
        "/// Time between announce packets (the HTTP port, for the gateway's service \
         discovery), the first at start; `None`: no announcements. Sent only with a push \
         target.\npub const ANNOUNCE_INTERVAL: Option<Duration> = {};",
        optional_duration(device.announce_interval)
    ));
    w(format!(
        "/// The contact inputs, in fleet order.\npub const PINS: [PinSetting; {}] = [",
        device.pins.len()
    ));
    for pin in &device.pins {
        let pull = match pin.pull {
            Pull::Up => "Pull::Up",
            Pull::Down => "Pull::Down",
            Pull::None => "Pull::None",
        };
        w(format!(
            "    PinSetting {{ number: {}, name: {:?}, pull: {pull}, active_low: {}, debounce: {} }},",
            pin.number,
            pin.name,
            pin.active_low,
            duration(pin.debounce)
        ));
    }
    w("];".into());
    w(format!(
        "/// Bytes of one HTTP worker's exposition buffer (sized for these inputs).\n\
         pub const METRICS_BUF_LEN: usize = {};",
        metrics_buf_len(device)
    ));
    w(format!(
        "/// SNTP server.\npub const NTP_SERVER: &str = {ntp:?};"
    ));
    w(format!(
        "/// Source revision.\npub const REVISION: &str = {revision:?};"
    ));
    w(format!(
        "/// Wi-Fi network.\npub const WIFI_SSID: &str = {:?};",
        wifi.ssid
    ));
    w(format!(
        "/// Wi-Fi passphrase; empty for an open network.\npub const WIFI_PSK: &str = {:?};",
        wifi.psk
    ));
    w(format!(
        "/// The credentials are placeholders (built without secrets): the image cannot join a network.\n\
         pub const WIFI_PLACEHOLDER: bool = {};",
        wifi.placeholder
    ));
    w(String::new());
    w("/// The configured contact inputs, taken out of `Peripherals` (a variable) and configured:".into());
    w("/// `[esp_hal::gpio::Input<'static>; PIN_COUNT]` in the order of [`PINS`].".into());
    w("#[macro_export]".into());
    w("macro_rules! contact_inputs {".into());
    w("    ($peripherals:ident) => {".into());
    let mut inputs = String::from("        [");
    for (i, pin) in device.pins.iter().enumerate() {
        let _ = write!(
            inputs,
            "{}$crate::contacts::input($peripherals.GPIO{}.into(), &$crate::config::PINS[{i}])",
            if i == 0 { "" } else { ", " },
            pin.number
        );
    }
    inputs.push(']');
    w(inputs);
    w("    };".into());
    w("}".into());
    Ok(s)
}
