//! The secrets file: Wi-Fi credentials, kept apart from the fleet file and out of git
//! (`.gitignore` has `secrets.toml` and `*.secrets.toml`).
//!
//! ```toml
//! [wifi]                          # every device
//! ssid = "HomeNet"
//! psk = "correct horse battery staple"
//!
//! [devices.e6614103e7452d2f.wifi] # one device's own network
//! ssid = "Garage"
//! psk = "another passphrase"
//! ```
//!
//! Messages about this file never repeat a passphrase, and [`Wifi`]'s `Debug` hides it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{DeviceRef, Error, LoadError, parse_table, read_file};
use crate::fleet::Fleet;
use crate::id::DeviceId;
use crate::raw::from_value;

/// Longest SSID, in bytes (IEEE 802.11).
pub const MAX_SSID_LEN: usize = 32;

/// Credentials of one Wi-Fi network.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wifi {
    /// Network name.
    pub ssid: String,
    /// WPA2/WPA3 passphrase (8-63 printable ASCII characters) or 64-hex-digit key; `None`
    /// for an open network.
    #[serde(default)]
    pub psk: Option<String>,
}

impl fmt::Debug for Wifi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wifi")
            .field("ssid", &self.ssid)
            .field("psk", &self.psk.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviceSecrets {
    wifi: Wifi,
}

/// The secrets file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secrets {
    path: PathBuf,
    wifi: Option<Wifi>,
    devices: Vec<(DeviceId, Wifi)>,
}

impl Secrets {
    /// Parse and check a secrets file's text. `path` is only used in messages.
    pub fn from_toml(text: &str, path: impl AsRef<Path>) -> Result<Secrets, LoadError> {
        let path = path.as_ref().to_owned();
        let table = parse_table(text, &path)?;
        let mut errors = Vec::new();
        let mut wifi = None;
        let mut devices = Vec::new();
        for (key, value) in table {
            match key.as_str() {
                "wifi" => match from_value::<Wifi>(value) {
                    Ok(w) => {
                        check_wifi(&w, None, "wifi", &mut errors);
                        wifi = Some(w);
                    }
                    Err((p, m)) => errors.push(Error::top(join("wifi", &p), m)),
                },
                "devices" => {
                    let toml::Value::Table(t) = value else {
                        errors.push(Error::top(
                            "devices",
                            "must be a table keyed by device id: [devices.<id>.wifi]",
                        ));
                        continue;
                    };
                    for (dkey, dvalue) in t {
                        let dref = DeviceRef {
                            key: dkey.clone(),
                            name: None,
                        };
                        let id = match DeviceId::parse(&dkey) {
                            Ok(id) => Some(id),
                            Err(m) => {
                                errors.push(Error {
                                    device: Some(dref.clone()),
                                    path: String::new(),
                                    message: m,
                                });
                                None
                            }
                        };
                        match from_value::<RawDeviceSecrets>(dvalue) {
                            Ok(r) => {
                                check_wifi(&r.wifi, Some(&dref), "wifi", &mut errors);
                                if let Some(id) = id {
                                    devices.push((id, r.wifi));
                                }
                            }
                            Err((p, m)) => errors.push(Error {
                                device: Some(dref),
                                path: p,
                                message: m,
                            }),
                        }
                    }
                }
                _ => errors.push(Error::top(
                    key.as_str(),
                    "unknown key: the secrets file has a [wifi] table and [devices.<id>.wifi] tables",
                )),
            }
        }
        if errors.is_empty() {
            Ok(Secrets {
                path,
                wifi,
                devices,
            })
        } else {
            Err(LoadError::Invalid { path, errors })
        }
    }

    /// Read, parse and check a secrets file.
    pub fn load(path: impl AsRef<Path>) -> Result<Secrets, LoadError> {
        let path = path.as_ref();
        Secrets::from_toml(&read_file(path)?, path)
    }

    /// The network a device joins: its own `[devices.<id>.wifi]`, else `[wifi]`.
    pub fn wifi_for(&self, id: &DeviceId) -> Option<&Wifi> {
        self.devices
            .iter()
            .find(|(d, _)| d == id)
            .map(|(_, w)| w)
            .or(self.wifi.as_ref())
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Mistakes that only show against the fleet: a per-device entry for an id the fleet does
    /// not have, and microcontrollers left without a network.
    pub fn check_fleet(&self, fleet: &Fleet) -> Vec<Error> {
        let mut errors = Vec::new();
        for (id, _) in &self.devices {
            if fleet.devices().iter().all(|d| d.id != *id) {
                errors.push(Error {
                    device: Some(DeviceRef {
                        key: id.to_string(),
                        name: None,
                    }),
                    path: String::new(),
                    message: format!("no device with this id in {}", fleet.path().display()),
                });
            }
        }
        for d in fleet.devices() {
            if d.platform.is_microcontroller() && self.wifi_for(&d.id).is_none() {
                errors.push(Error {
                    device: Some(DeviceRef {
                        key: d.id.to_string(),
                        name: Some(d.name.clone()),
                    }),
                    path: "wifi".into(),
                    message: format!(
                        "no Wi-Fi credentials for this {}: add [wifi] or [devices.{}.wifi] to {}",
                        d.platform,
                        d.id,
                        self.path.display()
                    ),
                });
            }
        }
        errors
    }
}

fn join(base: &str, path: &str) -> String {
    if path.is_empty() {
        base.to_owned()
    } else {
        format!("{base}.{path}")
    }
}

fn check_wifi(w: &Wifi, device: Option<&DeviceRef>, base: &str, errors: &mut Vec<Error>) {
    let mut err = |field: &str, message: String| {
        errors.push(Error {
            device: device.cloned(),
            path: format!("{base}.{field}"),
            message,
        })
    };
    if w.ssid.is_empty() || w.ssid.len() > MAX_SSID_LEN {
        err(
            "ssid",
            format!(
                "an SSID is 1-{MAX_SSID_LEN} bytes, this one is {}",
                w.ssid.len()
            ),
        );
    }
    if let Some(psk) = &w.psk {
        let hex_key = psk.len() == 64 && psk.bytes().all(|b| b.is_ascii_hexdigit());
        let passphrase =
            (8..=63).contains(&psk.len()) && psk.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if !hex_key && !passphrase {
            err(
                "psk",
                format!(
                    "a WPA passphrase is 8-63 printable ASCII characters (or a key of 64 hex \
                     digits); this one is {} bytes{}",
                    psk.len(),
                    if psk.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
                        ""
                    } else {
                        " with characters outside printable ASCII"
                    }
                ),
            );
        }
    }
}
