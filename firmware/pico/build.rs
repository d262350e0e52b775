//! Build script of the Pico firmware:
//!
//! 1. checks that the chip feature and the target agree, and hands the linker the chip's
//!    memory map;
//! 2. picks this build's device from the fleet file and its Wi-Fi network from the secrets
//!    file (or the environment), checks them with `promcast-fleet`, and writes them as
//!    constants to `$OUT_DIR/device.rs`;
//! 3. writes the CYW43 NVRAM (`nvram/pico-w.txt`) as the NUL-separated blob the chip loads.
//!
//! Every mistake fails the build with a message that says what to fix. Settings:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `PROMCAST_FLEET` | the fleet file | `fleet.toml` at the repository root if it exists, else `deploy/fleet.example.toml` |
//! | `PROMCAST_DEVICE` | the device: its unique id or its name | the fleet's only device of this board |
//! | `PROMCAST_SECRETS` | the secrets file | `secrets.toml` next to the fleet file |
//! | `PROMCAST_WIFI_SSID`, `PROMCAST_WIFI_PSK` | Wi-Fi network, instead of the secrets file | |

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::{env, fs};

use promcast_fleet::{Device, Fleet, Platform, Push, Secrets, Wifi};

/// The most probes one device may configure; the firmware's probe table has this many slots
/// (it must match `promcast_pico::MAX_PROBES`).
const MAX_PROBES: usize = 16;

/// Environment variables the build reads.
const ENV_FLEET: &str = "PROMCAST_FLEET";
const ENV_DEVICE: &str = "PROMCAST_DEVICE";
const ENV_SECRETS: &str = "PROMCAST_SECRETS";
const ENV_SSID: &str = "PROMCAST_WIFI_SSID";
const ENV_PSK: &str = "PROMCAST_WIFI_PSK";

/// The two boards.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chip {
    Rp2040,
    Rp235x,
}

impl Chip {
    fn platform(self) -> Platform {
        match self {
            Chip::Rp2040 => Platform::PicoW,
            Chip::Rp235x => Platform::Pico2W,
        }
    }
    fn feature(self) -> &'static str {
        match self {
            Chip::Rp2040 => "rp2040",
            Chip::Rp235x => "rp235x",
        }
    }
    fn target(self) -> &'static str {
        match self {
            Chip::Rp2040 => "thumbv6m-none-eabi",
            Chip::Rp235x => "thumbv8m.main-none-eabihf",
        }
    }
    fn alias(self) -> &'static str {
        match self {
            Chip::Rp2040 => "cargo pico-w",
            Chip::Rp235x => "cargo pico2-w",
        }
    }
    fn memory_x(self) -> &'static str {
        match self {
            Chip::Rp2040 => "memory/rp2040.x",
            Chip::Rp235x => "memory/rp235x.x",
        }
    }
    fn of_platform(p: Platform) -> Option<Chip> {
        match p {
            Platform::PicoW => Some(Chip::Rp2040),
            Platform::Pico2W => Some(Chip::Rp235x),
            _ => None,
        }
    }
}

/// A build failure: one line per problem.
type Problems = Vec<String>;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in [ENV_FLEET, ENV_DEVICE, ENV_SECRETS, ENV_SSID, ENV_PSK] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    if let Err(problems) = run() {
        for p in problems {
            for line in p.lines() {
                println!("cargo::error={line}");
            }
        }
    }
}

fn run() -> Result<(), Problems> {
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or_else(|| one("OUT_DIR is not set"))?);
    let manifest_dir = PathBuf::from(
        env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| one("CARGO_MANIFEST_DIR is not set"))?,
    );
    let chip = chip()?;
    link(chip, &manifest_dir, &out)?;
    nvram(&manifest_dir, &out)?;

    let repo = manifest_dir.join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let (fleet_path, example) = fleet_path(&repo);
    println!("cargo::rerun-if-changed={}", fleet_path.display());
    let fleet = Fleet::load(&fleet_path).map_err(|e| {
        let mut p = vec![format!(
            "the fleet file is not usable (set {ENV_FLEET} to use another):"
        )];
        p.push(e.to_string());
        p
    })?;
    let device = select(&fleet, chip)?;
    check(device, chip)?;
    let wifi = wifi(&fleet_path, device)?;
    write_if_changed(
        &out.join("device.rs"),
        generate(device, &wifi, &fleet_path).as_bytes(),
    )?;
    write_if_changed(&out.join("onewire_pin.rs"), pin_macro(device).as_bytes())?;
    if example {
        println!(
            "cargo::warning=built for {} ({}) from the example fleet {}; put your devices in \
             fleet.toml at the repository root or set {ENV_FLEET}",
            device.name,
            device.id,
            fleet_path.display()
        );
    }
    Ok(())
}

fn one(s: impl Into<String>) -> Problems {
    vec![s.into()]
}

/// The chip from the features, checked against the target.
fn chip() -> Result<Chip, Problems> {
    let rp2040 = env::var_os("CARGO_FEATURE_RP2040").is_some();
    let rp235x = env::var_os("CARGO_FEATURE_RP235X").is_some();
    let chip = match (rp2040, rp235x) {
        (true, false) => Chip::Rp2040,
        (false, true) => Chip::Rp235x,
        _ => {
            return Err(one(
                "choose exactly one board: `cargo pico-w` (--features rp2040 --target \
                 thumbv6m-none-eabi) or `cargo pico2-w` (--features rp235x --target \
                 thumbv8m.main-none-eabihf)",
            ));
        }
    };
    let target = env::var("TARGET").unwrap_or_default();
    if target != chip.target() {
        return Err(one(format!(
            "--features {} builds for --target {}, not {target:?}; `{}` sets both",
            chip.feature(),
            chip.target(),
            chip.alias()
        )));
    }
    Ok(chip)
}

/// The memory map and linker scripts.
fn link(chip: Chip, manifest_dir: &Path, out: &Path) -> Result<(), Problems> {
    let memory = manifest_dir.join(chip.memory_x());
    println!("cargo::rerun-if-changed={}", memory.display());
    let text = fs::read(&memory).map_err(|e| one(format!("{}: {e}", memory.display())))?;
    write_if_changed(&out.join("memory.x"), &text)?;
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rustc-link-arg-bins=--nmagic");
    println!("cargo::rustc-link-arg-bins=-Tlink.x");
    if chip == Chip::Rp2040 {
        // embassy-rp's: puts the second-stage boot loader in the first 256 bytes.
        println!("cargo::rustc-link-arg-bins=-Tlink-rp.x");
    }
    println!("cargo::rustc-link-arg-bins=-Tdefmt.x");
    Ok(())
}

/// The CYW43 NVRAM: `key=value` lines become NUL-terminated strings, then two more NULs,
/// padded with NULs to a multiple of 4 bytes. `#` lines are comments.
fn nvram(manifest_dir: &Path, out: &Path) -> Result<(), Problems> {
    let path = manifest_dir.join("nvram/pico-w.txt");
    println!("cargo::rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).map_err(|e| one(format!("{}: {e}", path.display())))?;
    let mut bin = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.contains('=') || !line.is_ascii() {
            return Err(one(format!(
                "{}: {line:?} is not an ASCII key=value line",
                path.display()
            )));
        }
        bin.extend_from_slice(line.as_bytes());
        bin.push(0);
    }
    bin.extend_from_slice(&[0, 0]);
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    write_if_changed(&out.join("nvram.bin"), &bin)
}

/// The fleet file, and whether it is the example.
fn fleet_path(repo: &Path) -> (PathBuf, bool) {
    if let Some(p) = env::var_os(ENV_FLEET).filter(|p| !p.is_empty()) {
        return (PathBuf::from(p), false);
    }
    let own = repo.join("fleet.toml");
    if own.is_file() {
        return (own, false);
    }
    (repo.join("deploy/fleet.example.toml"), true)
}

/// This build's device: `PROMCAST_DEVICE` (id or name), else the fleet's only device of this
/// board.
fn select(fleet: &Fleet, chip: Chip) -> Result<&Device, Problems> {
    let platform = chip.platform();
    let candidates = || {
        let list: Vec<String> = fleet
            .devices()
            .iter()
            .filter(|d| d.platform == platform)
            .map(|d| format!("{} ({})", d.name, d.id))
            .collect();
        if list.is_empty() {
            format!(
                "there is no {platform} device in {}",
                fleet.path().display()
            )
        } else {
            format!("{platform} devices: {}", list.join(", "))
        }
    };
    let device = match env::var(ENV_DEVICE).ok().filter(|s| !s.is_empty()) {
        Some(wanted) => fleet.device(&wanted).ok_or_else(|| {
            vec![
                format!(
                    "{ENV_DEVICE}={wanted:?}: no device with this id or name in {}",
                    fleet.path().display()
                ),
                candidates(),
            ]
        })?,
        None => {
            let mut of_board = fleet.devices().iter().filter(|d| d.platform == platform);
            match (of_board.next(), of_board.next()) {
                (Some(d), None) => d,
                _ => {
                    return Err(vec![
                        format!(
                            "set {ENV_DEVICE} to the unique id or name of the {platform} to build for"
                        ),
                        candidates(),
                    ]);
                }
            }
        }
    };
    if device.platform != platform {
        let hint = match Chip::of_platform(device.platform) {
            Some(other) => format!("build it with `{}`", other.alias()),
            None => "this firmware is for pico-w and pico2-w devices only".to_owned(),
        };
        return Err(one(format!(
            "{} ({}) has platform = \"{}\", and this build is for {platform}: {hint}",
            device.name, device.id, device.platform
        )));
    }
    Ok(device)
}

/// What the fleet file allows but this firmware cannot do.
fn check(device: &Device, chip: Chip) -> Result<(), Problems> {
    let mut problems = Vec::new();
    let who = format!("{} ({})", device.name, device.id);
    match &device.push {
        None => problems.push(format!(
            "{who}: no push target, so it would send nothing: set push (e.g. \
             push = \"239.0.0.1:9999\") on the device or under [defaults]"
        )),
        Some(Push::Multicast(a)) if a.is_ipv6() => problems.push(format!(
            "{who}: push {a}: the Pico firmware sends over IPv4 only; use an IPv4 group such \
             as 239.0.0.1:9999"
        )),
        Some(Push::Unicast { host, .. }) if host.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv6()) => {
            problems.push(format!(
                "{who}: push {host}: the Pico firmware sends over IPv4 only"
            ))
        }
        Some(_) => {}
    }
    if !device.pins.is_empty() {
        problems.push(format!(
            "{who}: pins: the {} firmware reads DS18B20 probes only, not contact pins; move \
             the pins to an ESP32 or remove them",
            chip.platform()
        ));
    }
    if device.probes.len() > MAX_PROBES {
        problems.push(format!(
            "{who}: probes: {} configured, the firmware has room for {MAX_PROBES}",
            device.probes.len()
        ));
    }
    for (i, p) in device.probes.iter().enumerate() {
        if p.rom.family() != promcast_core::probe::FAMILY_DS18B20 {
            problems.push(format!(
                "{who}: probes[{i}].rom: {} has family code {:02x}; the firmware reads \
                 DS18B20 probes (family 28) only",
                p.rom,
                p.rom.family()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The device's Wi-Fi network: from the environment, else from the secrets file.
fn wifi(fleet_path: &Path, device: &Device) -> Result<Wifi, Problems> {
    let ssid = env::var(ENV_SSID).ok().filter(|s| !s.is_empty());
    let psk = env::var(ENV_PSK).ok().filter(|s| !s.is_empty());
    if let Some(ssid) = ssid {
        // Checked by the same rules as the secrets file, through it.
        let mut text = format!("[wifi]\nssid = {}\n", toml_string(&ssid));
        if let Some(psk) = &psk {
            let _ = writeln!(text, "psk = {}", toml_string(psk));
        }
        let secrets = Secrets::from_toml(&text, format!("${ENV_SSID}/${ENV_PSK}"))
            .map_err(|e| one(e.to_string()))?;
        return secrets
            .wifi_for(&device.id)
            .cloned()
            .ok_or_else(|| one(format!("{ENV_SSID}: no network")));
    }
    if psk.is_some() {
        return Err(one(format!("{ENV_PSK} is set but {ENV_SSID} is not")));
    }
    let path = match env::var_os(ENV_SECRETS).filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => fleet_path
            .parent()
            .unwrap_or(Path::new("."))
            .join("secrets.toml"),
    };
    if !path.is_file() {
        return Err(vec![
            format!(
                "no Wi-Fi credentials for {} ({}): {} does not exist",
                device.name,
                device.id,
                path.display()
            ),
            format!(
                "create it from deploy/secrets.example.toml ([wifi] ssid, psk), point \
                 {ENV_SECRETS} at yours, or set {ENV_SSID} and {ENV_PSK}"
            ),
        ]);
    }
    println!("cargo::rerun-if-changed={}", path.display());
    let secrets = Secrets::load(&path).map_err(|e| one(e.to_string()))?;
    secrets.wifi_for(&device.id).cloned().ok_or_else(|| {
        one(format!(
            "{}: no Wi-Fi network for {} ({}): add [wifi] or [devices.{}.wifi]",
            path.display(),
            device.name,
            device.id,
            device.id
        ))
    })
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The generated constants, each with its doc comment.
fn generate(d: &Device, wifi: &Wifi, fleet_path: &Path) -> String {
    let push = match &d.push {
        Some(Push::Multicast(a)) => match a.ip() {
            IpAddr::V4(ip) => format!("PushTarget::Multicast({:?}, {})", ip.octets(), a.port()),
            IpAddr::V6(_) => unreachable!("checked: IPv4 only"),
        },
        Some(Push::Unicast { host, port }) => match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => format!("PushTarget::Unicast({:?}, {port})", ip.octets()),
            _ => format!("PushTarget::Host({host:?}, {port})"),
        },
        None => unreachable!("checked: a push target is set"),
    };
    let mut probes = String::from("&[\n");
    for p in &d.probes {
        let _ = writeln!(
            probes,
            "    ProbeSetting {{ rom: RomId({:?}), name: {:?}, offset: {:?} }},",
            p.rom.0, p.name, p.offset
        );
    }
    probes.push(']');

    let items: [(&str, &str, String); 11] = [
        (
            "The device's name: `device` in its packets.",
            "NAME: &str",
            format!("{:?}", d.name),
        ),
        (
            "The DHCP hostname.",
            "HOSTNAME: &str",
            format!("{:?}", d.hostname),
        ),
        (
            "The unique id this build is for, as the fleet file keys it.",
            "UNIQUE_ID: &str",
            format!("{:?}", d.id.as_str()),
        ),
        (
            "The fleet platform.",
            "PLATFORM: &str",
            format!("{:?}", d.platform.as_str()),
        ),
        (
            "GPIO of the 1-Wire bus.",
            "ONEWIRE_GPIO: u8",
            d.onewire_pin.to_string(),
        ),
        (
            "Time between polls, start to start, in milliseconds.",
            "POLL_INTERVAL_MS: u64",
            d.poll_interval.as_millis().to_string(),
        ),
        (
            "The configured probes.",
            "PROBES: &[ProbeSetting<'static>]",
            probes,
        ),
        (
            "The name of the internal temperature sensor's reading, if it is reported.",
            "INTERNAL_TEMPERATURE: Option<&str>",
            format!("{:?}", d.internal_temperature),
        ),
        ("Where packets go.", "PUSH: PushTarget", push),
        (
            "The Wi-Fi network's name.",
            "WIFI_SSID: &str",
            format!("{:?}", wifi.ssid),
        ),
        (
            "Its passphrase (or 64-hex-digit key); `None` for an open network.",
            "WIFI_PSK: Option<&str>",
            format!("{:?}", wifi.psk),
        ),
    ];
    let mut s = format!(
        "// Generated by build.rs from {} for {} ({}). Do not edit.\n",
        fleet_path.display(),
        d.name,
        d.id
    );
    for (doc, decl, value) in items {
        let _ = write!(s, "\n/// {doc}\npub const {decl} = {value};\n");
    }
    s
}

/// `onewire_pin!(p)`: the 1-Wire pin's field of `embassy_rp::Peripherals`, for `main.rs`.
fn pin_macro(d: &Device) -> String {
    format!(
        "// Generated by build.rs. Do not edit.\n\
         /// The 1-Wire bus pin (GPIO {0}) out of `embassy_rp::Peripherals`.\n\
         macro_rules! onewire_pin {{\n    ($p:expr) => {{\n        $p.PIN_{0}\n    }};\n}}\n",
        d.onewire_pin
    )
}

/// Write `path` only when its content changes, so an unchanged configuration does not
/// rebuild the firmware.
fn write_if_changed(path: &Path, content: &[u8]) -> Result<(), Problems> {
    if fs::read(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    fs::write(path, content).map_err(|e| one(format!("{}: {e}", path.display())))
}
