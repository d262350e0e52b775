//! Which fleet file, which device, and whether it has Wi-Fi credentials: everything checked
//! before a build starts, so that a mistake costs no compile time.

use std::ffi::OsString;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use promcast_fleet::{Device, Fleet, LoadError, Platform, Secrets};

use crate::board::{BOARD_LIST, BOARDS, Board};

/// The fleet file, relative to the repository root, when nothing else names one.
pub const EXAMPLE_FLEET: &str = "deploy/fleet.example.toml";

/// The fleet file: `--fleet`, else `$PROMCAST_FLEET`, else `fleet.toml` at the repository
/// root if it exists, else the example fleet; the firmware build scripts choose the same way.
/// The flag is whether it is the example.
pub fn fleet_path(flag: Option<&Path>, env: Option<OsString>, repo: &Path) -> (PathBuf, bool) {
    if let Some(path) = flag {
        return (path.to_owned(), false);
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return (PathBuf::from(path), false);
    }
    let own = repo.join("fleet.toml");
    if own.is_file() {
        return (own, false);
    }
    (repo.join(EXAMPLE_FLEET), true)
}

/// The secrets file: `--secrets`, else `$PROMCAST_SECRETS`, else `secrets.toml` next to the
/// fleet file, as the firmware build scripts choose it.
pub fn secrets_path(flag: Option<&Path>, env: Option<OsString>, fleet: &Path) -> PathBuf {
    if let Some(path) = flag {
        return path.to_owned();
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    fleet
        .parent()
        .unwrap_or(Path::new("."))
        .join("secrets.toml")
}

/// A device that cannot be built for the board asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectError {
    /// No device has this name or id.
    NotInFleet {
        /// What `--device` said.
        device: String,
        /// The fleet file.
        fleet: PathBuf,
        /// The board asked for.
        board: Board,
        /// The fleet's devices of that board, as `name (id)`.
        candidates: Vec<String>,
    },
    /// The device is another platform's.
    OtherPlatform {
        /// The device, as `name (id)`.
        device: String,
        /// The fleet file.
        fleet: PathBuf,
        /// Its platform.
        platform: Platform,
        /// The board asked for.
        board: Board,
    },
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::NotInFleet {
                device,
                fleet,
                board,
                candidates,
            } => {
                write!(f, "no device {device:?} in {}", fleet.display())?;
                if candidates.is_empty() {
                    write!(
                        f,
                        ", and it has no {board} devices: add one, or choose another fleet \
                         file with --fleet"
                    )
                } else {
                    write!(f, " (its {board} devices: {})", candidates.join(", "))
                }
            }
            SelectError::OtherPlatform {
                device,
                fleet,
                platform,
                board,
            } => {
                write!(
                    f,
                    "{device} in {} is {} {platform} device, not {board}: ",
                    fleet.display(),
                    article(platform.as_str()),
                    platform = platform.as_str()
                )?;
                match (Board::of_platform(*platform), platform) {
                    (Some(right), _) => write!(f, "build it with --board {right}"),
                    (None, Platform::Linux) => {
                        f.write_str("Linux boards run promcast-agent (crates/agent), not firmware")
                    }
                    (None, _) => write!(
                        f,
                        "cargo xtask builds {BOARD_LIST}; build the Xtensa chips as \
                         firmware/esp32/README.md says"
                    ),
                }
            }
        }
    }
}

impl std::error::Error for SelectError {}

/// "a" or "an" before a platform name, as it is read out ("an esp32c3", "a pico-w").
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `name (id)`.
fn described(device: &Device) -> String {
    format!("{} ({})", device.name, device.id)
}

/// The device `wanted` (a name, or a unique id in any spelling the fleet accepts) of `fleet`,
/// which must be a `board` device.
pub fn device<'f>(fleet: &'f Fleet, board: Board, wanted: &str) -> Result<&'f Device, SelectError> {
    let Some(device) = fleet.device(wanted) else {
        return Err(SelectError::NotInFleet {
            device: wanted.to_owned(),
            fleet: fleet.path().to_owned(),
            board,
            candidates: fleet
                .devices()
                .iter()
                .filter(|d| d.platform == board.platform())
                .map(described)
                .collect(),
        });
    };
    if device.platform != board.platform() {
        return Err(SelectError::OtherPlatform {
            device: described(device),
            fleet: fleet.path().to_owned(),
            platform: device.platform,
            board,
        });
    }
    Ok(device)
}

/// A device that would be built without a Wi-Fi network.
#[derive(Debug, thiserror::Error)]
pub enum WifiError {
    /// No secrets file and no `$PROMCAST_WIFI_SSID`.
    #[error(
        "no Wi-Fi credentials for {device}: {} does not exist; create it from \
         deploy/secrets.example.toml, pass --secrets FILE, or set PROMCAST_WIFI_SSID and \
         PROMCAST_WIFI_PSK",
        path.display()
    )]
    NoSecrets {
        /// The device, as `name (id)`.
        device: String,
        /// The secrets file looked for.
        path: PathBuf,
    },
    /// The secrets file is unreadable or wrong.
    #[error(transparent)]
    Secrets(#[from] LoadError),
    /// The secrets file has no network for this device.
    #[error(
        "{} has no Wi-Fi network for {device}: add [wifi], or [devices.{id}.wifi] for this \
         device alone",
        path.display()
    )]
    NoNetwork {
        /// The device, as `name (id)`.
        device: String,
        /// Its id.
        id: String,
        /// The secrets file.
        path: PathBuf,
    },
}

/// Check that the build will find a Wi-Fi network for `device`: `ssid_set` when
/// `$PROMCAST_WIFI_SSID` is set (the build script checks it), else in the secrets file.
/// Without one the Pico build fails and the ESP32 build makes an image that cannot join a
/// network, which is not worth flashing.
pub fn check_wifi(device: &Device, ssid_set: bool, secrets: &Path) -> Result<(), WifiError> {
    if ssid_set {
        return Ok(());
    }
    if !secrets.is_file() {
        return Err(WifiError::NoSecrets {
            device: described(device),
            path: secrets.to_owned(),
        });
    }
    let loaded = Secrets::load(secrets)?;
    match loaded.wifi_for(&device.id) {
        Some(_) => Ok(()),
        None => Err(WifiError::NoNetwork {
            device: described(device),
            id: device.id.to_string(),
            path: secrets.to_owned(),
        }),
    }
}

/// `cargo xtask firmware --list`: the fleet's devices by board, then the ones this command
/// does not build.
pub fn list(fleet: &Fleet) -> String {
    let mut out = format!("{}:\n", fleet.path().display());
    for board in BOARDS {
        let devices: Vec<String> = fleet
            .devices()
            .iter()
            .filter(|d| d.platform == board.platform())
            .map(described)
            .collect();
        let devices = if devices.is_empty() {
            "-".to_owned()
        } else {
            devices.join(", ")
        };
        let _ = writeln!(out, "  {:<9}{devices}", board.as_str());
    }
    let others: Vec<String> = fleet
        .devices()
        .iter()
        .filter(|d| Board::of_platform(d.platform).is_none())
        .map(|d| format!("{} ({}, {})", d.name, d.id, d.platform.as_str()))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "not built by cargo xtask: {}", others.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = r#"
[defaults]
push = "239.0.0.1:9999"

[devices.7c9ebd61abe4]
name = "front-door"
platform = "esp32"
pins = [{ number = 32, name = "left", pull = "up" }]

[devices.000000c3c3c3]
name = "garage"
platform = "esp32c3"
pins = [{ number = 4, name = "door", pull = "up" }]

[devices.e6614103e7452d2f]
name = "pico-loft"
platform = "pico-w"

[devices.e6614103e7452d30]
name = "pico-attic"
platform = "pico-w"

[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]
name = "pi-hall"
platform = "linux"
"#;

    fn fleet() -> Fleet {
        Fleet::from_toml(FLEET, "fleet.toml").expect("the test fleet is valid")
    }

    fn error(board: Board, wanted: &str) -> String {
        let fleet = fleet();
        match device(&fleet, board, wanted) {
            Ok(d) => panic!("{wanted:?} selected {}", d.name),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn by_name_or_by_id_in_any_spelling() {
        let fleet = fleet();
        let by_name = device(&fleet, Board::PicoW, "pico-loft").expect("by name");
        assert_eq!(by_name.id.as_str(), "e6614103e7452d2f");
        let by_id = device(&fleet, Board::Esp32c3, "00:00:00:C3:C3:C3").expect("by MAC");
        assert_eq!(by_id.name, "garage");
    }

    #[test]
    fn unknown_devices_name_the_boards_devices() {
        assert_eq!(
            error(Board::PicoW, "pico-shed"),
            "no device \"pico-shed\" in fleet.toml (its pico-w devices: pico-loft \
             (e6614103e7452d2f), pico-attic (e6614103e7452d30))"
        );
        assert_eq!(
            error(Board::Esp32c6, "shed"),
            "no device \"shed\" in fleet.toml, and it has no esp32c6 devices: add one, or \
             choose another fleet file with --fleet"
        );
    }

    #[test]
    fn another_platforms_device_says_what_to_do() {
        assert_eq!(
            error(Board::Esp32c3, "pico-loft"),
            "pico-loft (e6614103e7452d2f) in fleet.toml is a pico-w device, not esp32c3: \
             build it with --board pico-w"
        );
        assert_eq!(
            error(Board::Pico2W, "000000c3c3c3"),
            "garage (000000c3c3c3) in fleet.toml is an esp32c3 device, not pico2-w: build it \
             with --board esp32c3"
        );
        assert_eq!(
            error(Board::Esp32c3, "front-door"),
            "front-door (7c9ebd61abe4) in fleet.toml is an esp32 device, not esp32c3: cargo \
             xtask builds pico-w, pico2-w, esp32c3, esp32c6; build the Xtensa chips as \
             firmware/esp32/README.md says"
        );
        assert_eq!(
            error(Board::PicoW, "pi-hall"),
            "pi-hall (5f0c9a1e2b3d4c5e6f708192a3b4c5d6) in fleet.toml is a linux device, not \
             pico-w: Linux boards run promcast-agent (crates/agent), not firmware"
        );
    }

    #[test]
    fn listing() {
        assert_eq!(
            list(&fleet()),
            "fleet.toml:
  pico-w   pico-loft (e6614103e7452d2f), pico-attic (e6614103e7452d30)
  pico2-w  -
  esp32c3  garage (000000c3c3c3)
  esp32c6  -
not built by cargo xtask: front-door (7c9ebd61abe4, esp32), pi-hall \
(5f0c9a1e2b3d4c5e6f708192a3b4c5d6, linux)
"
        );
    }

    #[test]
    fn the_fleet_file_is_chosen_as_the_build_scripts_choose_it() {
        let repo = tempfile::tempdir().expect("temporary directory");
        let example = repo.path().join(EXAMPLE_FLEET);
        assert_eq!(fleet_path(None, None, repo.path()), (example.clone(), true));
        assert_eq!(
            fleet_path(None, Some(OsString::new()), repo.path()),
            (example, true)
        );
        let own = repo.path().join("fleet.toml");
        std::fs::write(&own, "").expect("write fleet.toml");
        assert_eq!(fleet_path(None, None, repo.path()), (own, false));
        assert_eq!(
            fleet_path(None, Some("env.toml".into()), repo.path()),
            ("env.toml".into(), false)
        );
        assert_eq!(
            fleet_path(
                Some(Path::new("flag.toml")),
                Some("env.toml".into()),
                repo.path()
            ),
            ("flag.toml".into(), false)
        );
    }

    #[test]
    fn the_secrets_file_defaults_to_the_fleet_files_directory() {
        let fleet = Path::new("/repo/deploy/fleet.toml");
        assert_eq!(
            secrets_path(None, None, fleet),
            Path::new("/repo/deploy/secrets.toml")
        );
        assert_eq!(
            secrets_path(None, Some("env.toml".into()), fleet),
            Path::new("env.toml")
        );
        assert_eq!(
            secrets_path(Some(Path::new("flag.toml")), Some("env.toml".into()), fleet),
            Path::new("flag.toml")
        );
    }

    #[test]
    fn wifi_credentials_are_checked_before_the_build() {
        let fleet = fleet();
        let loft = device(&fleet, Board::PicoW, "pico-loft").expect("pico-loft");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("secrets.toml");

        let missing = check_wifi(loft, false, &path).expect_err("no secrets file");
        assert_eq!(
            missing.to_string(),
            format!(
                "no Wi-Fi credentials for pico-loft (e6614103e7452d2f): {} does not exist; \
                 create it from deploy/secrets.example.toml, pass --secrets FILE, or set \
                 PROMCAST_WIFI_SSID and PROMCAST_WIFI_PSK",
                path.display()
            )
        );
        check_wifi(loft, true, &path).expect("the environment's network");

        std::fs::write(
            &path,
            "[devices.e6614103e7452d30.wifi]\nssid = \"Attic\"\npsk = \"a long passphrase\"\n",
        )
        .expect("write secrets");
        let other = check_wifi(loft, false, &path).expect_err("another device's network");
        assert_eq!(
            other.to_string(),
            format!(
                "{} has no Wi-Fi network for pico-loft (e6614103e7452d2f): add [wifi], or \
                 [devices.e6614103e7452d2f.wifi] for this device alone",
                path.display()
            )
        );

        std::fs::write(&path, "[wifi]\nssid = \"Home\"\npsk = \"short\"\n").expect("write");
        let bad = check_wifi(loft, false, &path).expect_err("a bad passphrase");
        assert_eq!(
            bad.to_string(),
            format!(
                "{}: wifi.psk: a WPA passphrase is 8-63 printable ASCII characters (or a key of \
                 64 hex digits); this one is 5 bytes",
                path.display()
            )
        );

        std::fs::write(
            &path,
            "[wifi]\nssid = \"Home\"\npsk = \"a long passphrase\"\n",
        )
        .expect("write");
        check_wifi(loft, false, &path).expect("the file's network");
    }
}
