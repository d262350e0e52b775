//! promcast's project tasks, run as `cargo xtask ...` (the alias is in `.cargo/config.toml`).
//!
//! `cargo xtask firmware --board pico-w --device pico-loft` builds one fleet device's
//! firmware in its board's workspace under `firmware/` (the device, fleet and secrets file
//! passed to the build script as `PROMCAST_DEVICE`, `PROMCAST_FLEET`, `PROMCAST_SECRETS`),
//! then writes the image the board is flashed with to `target/firmware/`:
//! `<device>.<board>.uf2` for the Picos (the UF2 converter in `firmware/tools/uf2`),
//! `<device>.<board>.bin` for the ESP32s (`espflash save-image`), and prints its size and how
//! to flash it. The fleet file, the device and its Wi-Fi credentials are checked before the
//! build starts. `cargo xtask firmware --list` shows the fleet's devices by board.

#![forbid(unsafe_code)]

pub mod args;
pub mod board;
pub mod firmware;
pub mod select;
