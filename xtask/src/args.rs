//! The command line.

use std::path::PathBuf;

use crate::board::{BOARD_LIST, Board};

/// What `cargo xtask help` prints, and what follows a command line mistake.
pub const USAGE: &str = "\
usage:
  cargo xtask firmware --board BOARD --device DEVICE [--fleet FILE] [--secrets FILE] [--out DIR]
      build DEVICE (its name or unique id) of the fleet file for BOARD, then write
      DIR/DEVICE.BOARD.uf2 (Picos) or DIR/DEVICE.BOARD.bin (ESP32s, with espflash) and
      DIR/DEVICE.BOARD.elf, print the sizes and how to flash it; DIR: target/firmware
  cargo xtask firmware --list [--fleet FILE]
      the fleet's devices, by board

boards: pico-w, pico2-w, esp32c3, esp32c6
fleet file: --fleet, else $PROMCAST_FLEET, else fleet.toml at the repository root, else
  deploy/fleet.example.toml
Wi-Fi: $PROMCAST_WIFI_SSID and $PROMCAST_WIFI_PSK, else the secrets file: --secrets, else
  $PROMCAST_SECRETS, else secrets.toml next to the fleet file";

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `firmware --board ... --device ...`.
    Firmware(Firmware),
    /// `firmware --list`.
    List {
        /// `--fleet`.
        fleet: Option<PathBuf>,
    },
    /// `help`, `-h`, `--help`.
    Help,
}

/// `cargo xtask firmware --board ... --device ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Firmware {
    /// `--board`.
    pub board: Board,
    /// `--device`: a name or unique id.
    pub device: String,
    /// `--fleet`.
    pub fleet: Option<PathBuf>,
    /// `--secrets`.
    pub secrets: Option<PathBuf>,
    /// `--out`.
    pub out: Option<PathBuf>,
}

/// A mistake on the command line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    /// No arguments.
    #[error("no command")]
    NoCommand,
    /// The first argument is not a command.
    #[error("unknown command {0:?}: the command is `firmware`")]
    UnknownCommand(String),
    /// An option this command does not have.
    #[error("unknown option {0:?}")]
    UnknownOption(String),
    /// A plain argument where there are none.
    #[error("unexpected argument {0:?}")]
    Unexpected(String),
    /// An option without its value.
    #[error("{0} needs a value")]
    NoValue(&'static str),
    /// An option given twice.
    #[error("{0} is given twice")]
    Twice(&'static str),
    /// `--list=...`.
    #[error("--list takes no value")]
    ListValue,
    /// A `--board` that is not one of [`BOARD_LIST`].
    #[error("unknown board {0:?}; boards: {BOARD_LIST}")]
    UnknownBoard(String),
    /// No `--board`.
    #[error("--board is missing; boards: {BOARD_LIST}")]
    NoBoard,
    /// No `--device`.
    #[error(
        "--device is missing: a device's name or unique id from the fleet file \
         (`cargo xtask firmware --list` shows them)"
    )]
    NoDevice,
    /// `--list` with an option that builds.
    #[error("--list takes only --fleet, not {0}")]
    ListWith(&'static str),
}

/// Parse the arguments after `cargo xtask`.
pub fn parse<I>(args: I) -> Result<Command, ArgsError>
where
    I: IntoIterator<Item = String>,
{
    let mut args = args.into_iter();
    let command = args.next().ok_or(ArgsError::NoCommand)?;
    match command.as_str() {
        "help" | "-h" | "--help" => return Ok(Command::Help),
        "firmware" => {}
        _ => return Err(ArgsError::UnknownCommand(command)),
    }

    let mut list = false;
    let mut board = None;
    let mut device = None;
    let mut fleet = None;
    let mut secrets = None;
    let mut out = None;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let option = match name {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" if inline.is_some() => return Err(ArgsError::ListValue),
            "--list" => {
                list = true;
                continue;
            }
            "--board" => "--board",
            "--device" => "--device",
            "--fleet" => "--fleet",
            "--secrets" => "--secrets",
            "--out" => "--out",
            _ if name.starts_with('-') => return Err(ArgsError::UnknownOption(arg)),
            _ => return Err(ArgsError::Unexpected(arg)),
        };
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .filter(|v| !v.starts_with("--"))
                .ok_or(ArgsError::NoValue(option))?,
        };
        if value.is_empty() {
            return Err(ArgsError::NoValue(option));
        }
        match option {
            "--board" => {
                let b = Board::parse(&value).ok_or(ArgsError::UnknownBoard(value))?;
                set(&mut board, b, option)?;
            }
            "--device" => set(&mut device, value, option)?,
            "--fleet" => set(&mut fleet, PathBuf::from(value), option)?,
            "--secrets" => set(&mut secrets, PathBuf::from(value), option)?,
            _ => set(&mut out, PathBuf::from(value), option)?,
        }
    }

    if list {
        let builds = [
            ("--board", board.is_some()),
            ("--device", device.is_some()),
            ("--secrets", secrets.is_some()),
            ("--out", out.is_some()),
        ];
        if let Some((option, _)) = builds.into_iter().find(|(_, given)| *given) {
            return Err(ArgsError::ListWith(option));
        }
        return Ok(Command::List { fleet });
    }
    Ok(Command::Firmware(Firmware {
        board: board.ok_or(ArgsError::NoBoard)?,
        device: device.ok_or(ArgsError::NoDevice)?,
        fleet,
        secrets,
        out,
    }))
}

fn set<T>(slot: &mut Option<T>, value: T, option: &'static str) -> Result<(), ArgsError> {
    if slot.is_some() {
        return Err(ArgsError::Twice(option));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, ArgsError> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    fn error(line: &str) -> String {
        match parse_str(line) {
            Ok(c) => panic!("{line:?} parsed as {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_build_with_every_option() {
        assert_eq!(
            parse_str(
                "firmware --board pico-w --device loft --fleet f.toml --secrets s.toml --out o"
            ),
            Ok(Command::Firmware(Firmware {
                board: Board::PicoW,
                device: "loft".into(),
                fleet: Some("f.toml".into()),
                secrets: Some("s.toml".into()),
                out: Some("o".into()),
            }))
        );
    }

    #[test]
    fn options_with_equals_signs_and_in_any_order() {
        assert_eq!(
            parse_str("firmware --device=7C:9E:BD:61:AB:E4 --board=esp32c6"),
            Ok(Command::Firmware(Firmware {
                board: Board::Esp32c6,
                device: "7C:9E:BD:61:AB:E4".into(),
                fleet: None,
                secrets: None,
                out: None,
            }))
        );
    }

    #[test]
    fn list_and_help() {
        assert_eq!(
            parse_str("firmware --list"),
            Ok(Command::List { fleet: None })
        );
        assert_eq!(
            parse_str("firmware --fleet x.toml --list"),
            Ok(Command::List {
                fleet: Some("x.toml".into())
            })
        );
        assert_eq!(parse_str("help"), Ok(Command::Help));
        assert_eq!(
            parse_str("firmware --board nope --help"),
            Err(ArgsError::UnknownBoard("nope".into()))
        );
        assert_eq!(parse_str("firmware --help"), Ok(Command::Help));
    }

    #[test]
    fn mistakes() {
        assert_eq!(error(""), "no command");
        assert_eq!(
            error("build --board pico-w"),
            "unknown command \"build\": the command is `firmware`"
        );
        assert_eq!(error("firmware --bord pico-w"), "unknown option \"--bord\"");
        assert_eq!(error("firmware -b pico-w"), "unknown option \"-b\"");
        assert_eq!(
            error("firmware pico-w loft"),
            "unexpected argument \"pico-w\""
        );
        assert_eq!(
            error("firmware --device loft --board"),
            "--board needs a value"
        );
        assert_eq!(
            error("firmware --board --device loft"),
            "--board needs a value"
        );
        assert_eq!(
            error("firmware --board= --device loft"),
            "--board needs a value"
        );
        assert_eq!(
            error("firmware --board pico --device loft"),
            "unknown board \"pico\"; boards: pico-w, pico2-w, esp32c3, esp32c6"
        );
        assert_eq!(
            error("firmware --board esp32 --device front-door"),
            "unknown board \"esp32\"; boards: pico-w, pico2-w, esp32c3, esp32c6"
        );
        assert_eq!(
            error("firmware --device loft"),
            "--board is missing; boards: pico-w, pico2-w, esp32c3, esp32c6"
        );
        assert_eq!(
            error("firmware --board pico2-w"),
            "--device is missing: a device's name or unique id from the fleet file \
             (`cargo xtask firmware --list` shows them)"
        );
        assert_eq!(
            error("firmware --board pico-w --device a --device b"),
            "--device is given twice"
        );
        assert_eq!(
            error("firmware --list --board pico-w"),
            "--list takes only --fleet, not --board"
        );
        assert_eq!(
            error("firmware --list --out dir"),
            "--list takes only --fleet, not --out"
        );
        assert_eq!(error("firmware --list=yes"), "--list takes no value");
    }
}
