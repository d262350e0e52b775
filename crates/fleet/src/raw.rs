//! The fleet file as written: serde structs, checked afterwards by [`crate::fleet`].

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::platform::Platform;
use crate::push::Push;

/// `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDefaults {
    #[serde(default, with = "humantime_serde")]
    pub poll_interval: Option<Duration>,
    #[serde(default)]
    pub push: Option<RawPush>,
    #[serde(default, with = "humantime_serde")]
    pub contact_state_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub announce_interval: Option<Duration>,
}

/// `[devices.<id>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDevice {
    pub name: String,
    #[serde(default)]
    pub hostname: Option<String>,
    pub platform: Platform,
    #[serde(default)]
    pub pins: Vec<RawPin>,
    #[serde(default)]
    pub probes: Vec<RawProbe>,
    #[serde(default)]
    pub onewire_pin: Option<u32>,
    #[serde(default)]
    pub internal_temperature: Option<String>,
    #[serde(default, with = "humantime_serde")]
    pub poll_interval: Option<Duration>,
    #[serde(default)]
    pub push: Option<RawPush>,
    #[serde(default, with = "humantime_serde")]
    pub contact_state_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub announce_interval: Option<Duration>,
    #[serde(default)]
    pub http_port: Option<u16>,
    #[serde(default)]
    pub gpio_chip: Option<String>,
}

/// One entry of `pins`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPin {
    pub number: u32,
    pub name: String,
    #[serde(default)]
    pub pull: Option<crate::Pull>,
    #[serde(default)]
    pub active_low: bool,
    #[serde(default, with = "humantime_serde")]
    pub debounce: Option<Duration>,
}

/// One entry of `probes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProbe {
    pub rom: String,
    pub name: String,
    #[serde(default)]
    pub offset: f64,
}

/// `push`: a target, or `false` for none (overriding `[defaults]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawPush {
    Target(Push),
    Off,
}

impl<'de> Deserialize<'de> for RawPush {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawPush;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a push target such as \"239.0.0.1:9999\" or \"gateway.lan:9999\", or false",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawPush, E> {
                Push::parse(s).map(RawPush::Target).map_err(E::custom)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<RawPush, E> {
                if b {
                    Err(E::custom(
                        "push = true names no target: give \"host:port\" (or false for no push)",
                    ))
                } else {
                    Ok(RawPush::Off)
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Keys that hold Wi-Fi secrets, which belong in the secrets file.
pub(crate) const SECRET_KEYS: [&str; 3] = ["wifi", "ssid", "psk"];

/// The seed's `GpioSensor` keyword arguments, taken out of a pin's table before parsing so
/// that the checks can say what to write instead.
pub(crate) const SEED_PIN_KEYS: [&str; 3] = ["pull_up", "pull_down", "on_value"];

/// Remove the keys in `keys` from `table`; return them with their values, in file order.
pub(crate) fn take_keys(table: &mut toml::Table, keys: &[&str]) -> Vec<(String, toml::Value)> {
    let found: Vec<String> = table
        .keys()
        .filter(|k| keys.contains(&k.as_str()))
        .cloned()
        .collect();
    found
        .into_iter()
        .filter_map(|k| table.remove(&k).map(|v| (k, v)))
        .collect()
}

/// Remove secret keys from `table` (not from nested tables); return them in file order.
pub(crate) fn take_secret_keys(table: &mut toml::Table) -> Vec<String> {
    take_keys(table, &SECRET_KEYS)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Deserialize `value` as `T`, reporting the path of the first problem (e.g. `pins[1].pull`)
/// and the message without the parser's decorations.
pub(crate) fn from_value<T: de::DeserializeOwned>(
    value: toml::Value,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path = e.path().to_string();
        let message = e.into_inner().message().trim_end().replace('`', "\"");
        if message.starts_with("unknown field") {
            // The path ends in the unknown key itself, which the message already names.
            let cut = path.rfind(['.', '[']).unwrap_or(0);
            path.truncate(cut);
        }
        if path == "." {
            path.clear();
        }
        (path, message)
    })
}
