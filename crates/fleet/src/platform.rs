//! Boards and their GPIOs.

use std::fmt;
use std::ops::RangeInclusive;

use serde::Deserialize;

use crate::id::IdKind;

/// The board a device runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// ESP32-C3 (RISC-V).
    Esp32c3,
    /// ESP32-C6 (RISC-V).
    Esp32c6,
    /// The original ESP32 (Xtensa), the seed exporter's board.
    Esp32,
    /// ESP32-S3 (Xtensa).
    Esp32s3,
    /// Raspberry Pi Pico W (RP2040), the seed sender's board.
    PicoW,
    /// Raspberry Pi Pico 2 W (RP2350).
    #[serde(rename = "pico2-w")]
    Pico2W,
    /// A Linux single-board computer (Raspberry Pi) running `promcast-agent`.
    Linux,
}

/// Every platform, in the order the fleet file documents them.
pub const PLATFORMS: [Platform; 7] = [
    Platform::Esp32c3,
    Platform::Esp32c6,
    Platform::Esp32,
    Platform::Esp32s3,
    Platform::PicoW,
    Platform::Pico2W,
    Platform::Linux,
];

impl Platform {
    /// The name used in the fleet file.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Esp32c3 => "esp32c3",
            Platform::Esp32c6 => "esp32c6",
            Platform::Esp32 => "esp32",
            Platform::Esp32s3 => "esp32s3",
            Platform::PicoW => "pico-w",
            Platform::Pico2W => "pico2-w",
            Platform::Linux => "linux",
        }
    }

    /// The chip, as the device exposition's `platform` label gives it (`rp2040` for a Pico W).
    pub fn chip(self) -> &'static str {
        match self {
            Platform::PicoW => "rp2040",
            Platform::Pico2W => "rp2350",
            other => other.as_str(),
        }
    }

    /// Whether this is a microcontroller (firmware) rather than a Linux board (the agent).
    pub fn is_microcontroller(self) -> bool {
        self != Platform::Linux
    }

    /// Whether this is a Raspberry Pi Pico (with an internal temperature sensor).
    pub fn is_pico(self) -> bool {
        matches!(self, Platform::PicoW | Platform::Pico2W)
    }

    /// The id kinds a device of this platform can be keyed by.
    pub fn id_kinds(self) -> &'static [IdKind] {
        match self {
            Platform::PicoW | Platform::Pico2W => &[IdKind::PicoFlash],
            Platform::Linux => &[IdKind::MachineId, IdKind::Mac],
            _ => &[IdKind::Mac],
        }
    }

    /// The GPIO numbers an input may use, or `None` when any line offset may be valid (Linux:
    /// the GPIO chip decides).
    pub fn usable_gpios(self) -> Option<&'static [RangeInclusive<u32>]> {
        Some(match self {
            // 6-11: SPI flash. 20, 24, 28-31 do not exist.
            Platform::Esp32 => &[0..=5, 12..=19, 21..=23, 25..=27, 32..=39],
            // 12-17: SPI flash.
            Platform::Esp32c3 => &[0..=11, 18..=21],
            // 24-30: SPI flash.
            Platform::Esp32c6 => &[0..=23],
            // 22-25 do not exist; 26-32: SPI flash and PSRAM.
            Platform::Esp32s3 => &[0..=21, 33..=48],
            // 23, 24, 25 and 29 drive the CYW43 Wi-Fi chip.
            Platform::PicoW | Platform::Pico2W => &[0..=22, 26..=28],
            Platform::Linux => return None,
        })
    }

    /// GPIOs that are inputs without internal pull resistors.
    pub fn no_pull_gpios(self) -> Option<RangeInclusive<u32>> {
        match self {
            Platform::Esp32 => Some(34..=39),
            _ => None,
        }
    }

    /// Whether `gpio` may be used for an input.
    pub fn gpio_usable(self, gpio: u32) -> bool {
        self.usable_gpios()
            .is_none_or(|ranges| ranges.iter().any(|r| r.contains(&gpio)))
    }

    /// The usable GPIOs as text, e.g. `0-22, 26-28`.
    pub fn usable_gpios_text(self) -> String {
        match self.usable_gpios() {
            None => "any line of the GPIO chip".into(),
            Some(ranges) => ranges
                .iter()
                .map(|r| {
                    if r.start() == r.end() {
                        r.start().to_string()
                    } else {
                        format!("{}-{}", r.start(), r.end())
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpio_ranges() {
        assert!(Platform::Esp32.gpio_usable(32));
        assert!(Platform::Esp32.gpio_usable(19));
        assert!(!Platform::Esp32.gpio_usable(7));
        assert!(!Platform::Esp32.gpio_usable(40));
        assert!(!Platform::PicoW.gpio_usable(25));
        assert!(Platform::PicoW.gpio_usable(15));
        assert!(Platform::Linux.gpio_usable(1000));
        assert_eq!(
            Platform::Esp32.usable_gpios_text(),
            "0-5, 12-19, 21-23, 25-27, 32-39"
        );
        assert_eq!(Platform::Pico2W.usable_gpios_text(), "0-22, 26-28");
    }

    #[test]
    fn names() {
        for p in PLATFORMS {
            let parsed: Platform = toml::from_str::<toml::Table>(&format!("p = \"{p}\""))
                .expect("toml")
                .remove("p")
                .expect("key")
                .try_into()
                .expect("platform");
            assert_eq!(parsed, p);
        }
        assert_eq!(Platform::PicoW.chip(), "rp2040");
        assert_eq!(Platform::Pico2W.chip(), "rp2350");
        assert_eq!(Platform::Esp32c3.chip(), "esp32c3");
    }
}
