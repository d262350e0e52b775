//! The boards `cargo xtask firmware` builds, and how each is built and imaged.

use std::fmt;

use promcast_fleet::Platform;
use promcast_uf2::Family;

/// A board with firmware in this repository that is built on stable Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    /// Raspberry Pi Pico W (RP2040).
    PicoW,
    /// Raspberry Pi Pico 2 W (RP2350, Arm secure).
    Pico2W,
    /// ESP32-C3.
    Esp32c3,
    /// ESP32-C6.
    Esp32c6,
}

/// Every board, in the order listings use.
pub const BOARDS: [Board; 4] = [Board::PicoW, Board::Pico2W, Board::Esp32c3, Board::Esp32c6];

/// The boards as the command line takes them, for messages.
pub const BOARD_LIST: &str = "pico-w, pico2-w, esp32c3, esp32c6";

/// UF2 payload budget of both Picos, Wi-Fi firmware included (`firmware/pico/size.sh`).
pub const PICO_BUDGET: u64 = 400 * 1024;

/// Application image budget of the ESP32-C3 (`firmware/esp32/size.sh`).
pub const ESP32C3_BUDGET: u64 = 600 * 1024;

/// What a board is flashed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// A UF2 file of this family, copied onto the boot ROM's USB drive.
    Uf2(Family),
    /// An ESP-IDF application image, written by `espflash save-image --chip <chip>`.
    Esp {
        /// espflash's name of the chip.
        chip: &'static str,
    },
}

impl Board {
    /// The board named as the command line and the fleet file's `platform` name it.
    pub fn parse(s: &str) -> Option<Board> {
        BOARDS.into_iter().find(|b| b.as_str() == s)
    }

    /// The board of a fleet platform, if it is one of these.
    pub fn of_platform(platform: Platform) -> Option<Board> {
        BOARDS.into_iter().find(|b| b.platform() == platform)
    }

    /// Its name: the fleet file's `platform`.
    pub fn as_str(self) -> &'static str {
        self.platform().as_str()
    }

    /// The fleet file's platform.
    pub fn platform(self) -> Platform {
        match self {
            Board::PicoW => Platform::PicoW,
            Board::Pico2W => Platform::Pico2W,
            Board::Esp32c3 => Platform::Esp32c3,
            Board::Esp32c6 => Platform::Esp32c6,
        }
    }

    /// Its name for people.
    pub fn title(self) -> &'static str {
        match self {
            Board::PicoW => "Raspberry Pi Pico W",
            Board::Pico2W => "Raspberry Pi Pico 2 W",
            Board::Esp32c3 => "ESP32-C3",
            Board::Esp32c6 => "ESP32-C6",
        }
    }

    /// The firmware workspace, relative to the repository root.
    pub fn workspace(self) -> &'static str {
        match self {
            Board::PicoW | Board::Pico2W => "firmware/pico",
            Board::Esp32c3 | Board::Esp32c6 => "firmware/esp32",
        }
    }

    /// The firmware's binary target.
    pub fn binary(self) -> &'static str {
        match self {
            Board::PicoW | Board::Pico2W => "promcast-pico",
            Board::Esp32c3 | Board::Esp32c6 => "promcast-esp32",
        }
    }

    /// The arguments of `cargo build --release` that choose the board: feature and target,
    /// as the workspace's aliases (`cargo pico-w`, `cargo build-c6`) spell them.
    pub fn build_args(self) -> &'static [&'static str] {
        match self {
            Board::PicoW => &["--features", "rp2040", "--target", "thumbv6m-none-eabi"],
            Board::Pico2W => &[
                "--features",
                "rp235x",
                "--target",
                "thumbv8m.main-none-eabihf",
            ],
            Board::Esp32c3 => &[
                "--no-default-features",
                "--features",
                "esp32c3",
                "--target",
                "riscv32imc-unknown-none-elf",
            ],
            Board::Esp32c6 => &[
                "--no-default-features",
                "--features",
                "esp32c6",
                "--target",
                "riscv32imac-unknown-none-elf",
            ],
        }
    }

    /// What it is flashed with.
    pub fn image(self) -> ImageKind {
        match self {
            Board::PicoW => ImageKind::Uf2(Family::Rp2040),
            Board::Pico2W => ImageKind::Uf2(Family::Rp2350ArmS),
            Board::Esp32c3 => ImageKind::Esp { chip: "esp32c3" },
            Board::Esp32c6 => ImageKind::Esp { chip: "esp32c6" },
        }
    }

    /// The image file's extension.
    pub fn extension(self) -> &'static str {
        match self.image() {
            ImageKind::Uf2(_) => "uf2",
            ImageKind::Esp { .. } => "bin",
        }
    }

    /// The image size budget CI holds the board to: UF2 payload for the Picos, application
    /// image for the ESP32-C3; the ESP32-C6 has none.
    pub fn budget(self) -> Option<u64> {
        match self {
            Board::PicoW | Board::Pico2W => Some(PICO_BUDGET),
            Board::Esp32c3 => Some(ESP32C3_BUDGET),
            Board::Esp32c6 => None,
        }
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_list() {
        for board in BOARDS {
            assert_eq!(Board::parse(board.as_str()), Some(board));
            assert_eq!(Board::of_platform(board.platform()), Some(board));
        }
        let names: Vec<&str> = BOARDS.iter().map(|b| b.as_str()).collect();
        assert_eq!(names.join(", "), BOARD_LIST);
        assert_eq!(Board::parse("esp32"), None);
        assert_eq!(Board::of_platform(Platform::Linux), None);
    }

    #[test]
    fn build_args_match_the_workspace_aliases() {
        // firmware/pico/.cargo/config.toml and firmware/esp32/.cargo/config.toml.
        assert_eq!(
            Board::PicoW.build_args().join(" "),
            "--features rp2040 --target thumbv6m-none-eabi"
        );
        assert_eq!(
            Board::Pico2W.build_args().join(" "),
            "--features rp235x --target thumbv8m.main-none-eabihf"
        );
        assert_eq!(
            Board::Esp32c3.build_args().join(" "),
            "--no-default-features --features esp32c3 --target riscv32imc-unknown-none-elf"
        );
        assert_eq!(
            Board::Esp32c6.build_args().join(" "),
            "--no-default-features --features esp32c6 --target riscv32imac-unknown-none-elf"
        );
    }
}
