//! `cargo xtask firmware`: build a device's firmware in its board's workspace, make the image
//! it is flashed with, and say how big it is and how to flash it.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use promcast_fleet::{Device, Fleet, LoadError};
use promcast_uf2::elf::Elf;
use promcast_uf2::{Image, RP2350_ABS_BLOCK_ADDR, Sizes};

use crate::args::Firmware;
use crate::board::{Board, ImageKind};
use crate::select::{self, SelectError, WifiError};

/// Where images go unless `--out` says otherwise, relative to the repository root.
pub const DEFAULT_OUT: &str = "target/firmware";

/// The environment variables the firmware build scripts read.
const ENV_FLEET: &str = "PROMCAST_FLEET";
const ENV_DEVICE: &str = "PROMCAST_DEVICE";
const ENV_SECRETS: &str = "PROMCAST_SECRETS";
const ENV_SSID: &str = "PROMCAST_WIFI_SSID";

/// Why no image was made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The fleet file is unreadable or wrong.
    #[error("{0}")]
    Fleet(#[from] LoadError),
    /// The device is not one of the board's.
    #[error("{0}")]
    Select(#[from] SelectError),
    /// No Wi-Fi network for the device.
    #[error("{0}")]
    Wifi(#[from] WifiError),
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// cargo failed; its messages went to stderr.
    #[error("the {board} build failed ({status}); cargo's messages are above")]
    Build {
        /// The board.
        board: Board,
        /// cargo's exit status.
        status: ExitStatus,
    },
    /// cargo succeeded but named no executable.
    #[error("cargo reported no {0} executable")]
    NoExecutable(&'static str),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The ELF could not be turned into a UF2 or measured.
    #[error("{}: {source}", path.display())]
    Elf {
        /// The ELF.
        path: PathBuf,
        /// What is wrong with it.
        source: promcast_uf2::Error,
    },
    /// espflash is not on `PATH`.
    #[error(
        "espflash is not installed, so there is no .bin image. Install it with\n\
         \x20 cargo install espflash --locked\n\
         and run this again, or flash the ELF with it:\n\
         \x20 espflash flash --monitor --chip {chip} --log-format defmt {}",
        elf.display()
    )]
    NoEspflash {
        /// espflash's chip name.
        chip: &'static str,
        /// The firmware ELF.
        elf: PathBuf,
    },
    /// `espflash save-image` failed.
    #[error("espflash save-image failed ({status}):\n{output}")]
    SaveImage {
        /// Its exit status.
        status: ExitStatus,
        /// What it printed.
        output: String,
    },
}

/// The repository root (this crate's parent directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .to_owned()
}

/// `cargo xtask firmware --list`.
pub fn list(fleet: Option<&Path>) -> Result<String, Error> {
    let repo = repo_root();
    let (path, _) = select::fleet_path(fleet, std::env::var_os(ENV_FLEET), &repo);
    Ok(select::list(&Fleet::load(shown(&absolute(&path)))?))
}

/// `cargo xtask firmware --board ... --device ...`: the report to print.
pub fn build(args: &Firmware) -> Result<String, Error> {
    let repo = repo_root();
    let (fleet_path, example) =
        select::fleet_path(args.fleet.as_deref(), std::env::var_os(ENV_FLEET), &repo);
    let fleet_path = absolute(&fleet_path);
    // Loaded by the name messages show; the build gets the absolute path.
    let fleet = Fleet::load(shown(&fleet_path))?;
    let device = select::device(&fleet, args.board, &args.device)?;
    let secrets = absolute(&select::secrets_path(
        args.secrets.as_deref(),
        std::env::var_os(ENV_SECRETS),
        &fleet_path,
    ));
    let ssid_set = std::env::var_os(ENV_SSID).is_some_and(|s| !s.is_empty());
    select::check_wifi(device, ssid_set, &secrets)?;
    if example {
        eprintln!(
            "note: {} is the example fleet; put your devices in fleet.toml at the repository \
             root or pass --fleet",
            shown(&fleet_path)
        );
    }

    let elf = cargo_build(args.board, &repo, &fleet_path, device, &secrets)?;
    let out = absolute(&args.out.clone().unwrap_or_else(|| repo.join(DEFAULT_OUT)));
    std::fs::create_dir_all(&out).map_err(|source| Error::Io {
        path: out.clone(),
        source,
    })?;
    let stem = format!("{}.{}", device.name, args.board);
    let elf_copy = out.join(format!("{stem}.elf"));
    std::fs::copy(&elf, &elf_copy).map_err(|source| Error::Io {
        path: elf_copy.clone(),
        source,
    })?;
    let image = out.join(format!("{stem}.{}", args.board.extension()));
    let figures = make_image(args.board, &elf_copy, &image)?;
    Ok(report(&Report {
        board: args.board,
        device: format!("{} ({})", device.name, device.id),
        fleet: shown(&fleet_path),
        image: shown(&image),
        elf: shown(&elf_copy),
        figures,
    }))
}

/// `cargo build --release` of `device` in the board's workspace; the ELF it made.
fn cargo_build(
    board: Board,
    repo: &Path,
    fleet: &Path,
    device: &Device,
    secrets: &Path,
) -> Result<PathBuf, Error> {
    let workspace = repo.join(board.workspace());
    eprintln!(
        "building {} ({}) for the {}: cargo build --release {} in {}",
        device.name,
        device.id,
        board.title(),
        board.build_args().join(" "),
        board.workspace()
    );
    // `cargo` from PATH (rustup's proxy) with RUSTUP_TOOLCHAIN unset, so that the firmware
    // workspace's rust-toolchain.toml applies rather than the toolchain running this task.
    let output = Command::new("cargo")
        .current_dir(&workspace)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env(ENV_FLEET, fleet)
        .env(ENV_DEVICE, device.id.as_str())
        .env(ENV_SECRETS, secrets)
        .args(["build", "--release"])
        .args(board.build_args())
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            program: "cargo",
            source,
        })?;
    if !output.status.success() {
        return Err(Error::Build {
            board,
            status: output.status,
        });
    }
    executable(&String::from_utf8_lossy(&output.stdout), board.binary())
        .ok_or(Error::NoExecutable(board.binary()))
}

/// The executable named `binary` in cargo's JSON messages (the last one reported).
fn executable(messages: &str, binary: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == binary)
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
}

/// The size figures of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figures {
    /// A UF2 file.
    Uf2 {
        /// Bytes written to flash (whole 256-byte pages).
        payload: u64,
        /// The file's length.
        file: u64,
        /// `.data`.
        data: u64,
        /// `.bss`.
        bss: u64,
    },
    /// An ESP-IDF application image.
    Esp {
        /// The image's length.
        image: u64,
        /// Every `.data*` and `.bss*` section.
        static_ram: u64,
    },
}

/// Write the image of `elf` to `image`.
fn make_image(board: Board, elf: &Path, image: &Path) -> Result<Figures, Error> {
    let bytes = std::fs::read(elf).map_err(|source| Error::Io {
        path: elf.to_owned(),
        source,
    })?;
    let elf_error = |source| Error::Elf {
        path: elf.to_owned(),
        source,
    };
    match board.image() {
        ImageKind::Uf2(family) => {
            let sizes = Sizes::of(&bytes, family).map_err(elf_error)?;
            let uf2 = Image::from_elf(&bytes, family).map_err(elf_error)?.to_uf2(
                family,
                family.wants_abs_block().then_some(RP2350_ABS_BLOCK_ADDR),
            );
            std::fs::write(image, &uf2).map_err(|source| Error::Io {
                path: image.to_owned(),
                source,
            })?;
            Ok(Figures::Uf2 {
                payload: sizes.uf2_payload as u64,
                file: uf2.len() as u64,
                data: sizes.data,
                bss: sizes.bss,
            })
        }
        ImageKind::Esp { chip } => {
            let static_ram = esp_static_ram(&bytes).map_err(elf_error)?;
            save_image(chip, elf, image)?;
            let len = std::fs::metadata(image)
                .map_err(|source| Error::Io {
                    path: image.to_owned(),
                    source,
                })?
                .len();
            Ok(Figures::Esp {
                image: len,
                static_ram,
            })
        }
    }
}

/// `.data*` + `.bss*` of an ESP32 ELF, as `firmware/esp32/size.sh` counts them.
fn esp_static_ram(elf: &[u8]) -> Result<u64, promcast_uf2::Error> {
    let sections = Elf::parse(elf)?.sections()?;
    Ok(sections
        .iter()
        .filter(|s| s.name.starts_with(".data") || s.name.starts_with(".bss"))
        .map(|s| u64::from(s.size))
        .sum())
}

/// `espflash save-image --chip <chip> <elf> <image>`: the application image alone.
fn save_image(chip: &'static str, elf: &Path, image: &Path) -> Result<(), Error> {
    if !on_path("espflash") {
        return Err(Error::NoEspflash {
            chip,
            elf: shown(elf).into(),
        });
    }
    let output = Command::new("espflash")
        .env("ESPFLASH_SKIP_UPDATE_CHECK", "true")
        .args(["save-image", "--chip", chip])
        .args([elf, image])
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: "espflash",
            source,
        })?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(Error::SaveImage {
            status: output.status,
            output: text,
        });
    }
    Ok(())
}

/// Whether `program` is an executable file in a `PATH` directory.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file() && is_executable(&candidate)
        })
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

/// `path` made absolute against the current directory.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// `path` relative to the current directory when it lies under it, for messages.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// What `cargo xtask firmware` prints after a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The board.
    pub board: Board,
    /// The device, as `name (id)`.
    pub device: String,
    /// The fleet file, as shown.
    pub fleet: String,
    /// The image, as shown.
    pub image: String,
    /// The copy of the ELF, as shown.
    pub elf: String,
    /// Its sizes.
    pub figures: Figures,
}

/// The report: where the files are, their sizes against the board's budget, and how to
/// flash the image.
pub fn report(r: &Report) -> String {
    let mut out = format!("{}, {}, from {}\n", r.device, r.board.title(), r.fleet);
    let (size, size_name) = match r.figures {
        Figures::Uf2 {
            payload,
            file,
            data,
            bss,
        } => {
            let _ = writeln!(out, "  image        {} ({} bytes)", r.image, grouped(file));
            let _ = writeln!(out, "  ELF          {}", r.elf);
            let _ = writeln!(
                out,
                "  static RAM   {} bytes (.data {} + .bss {})",
                grouped(data + bss),
                grouped(data),
                grouped(bss)
            );
            (payload, "UF2 payload")
        }
        Figures::Esp { image, static_ram } => {
            let _ = writeln!(out, "  image        {} (application image)", r.image);
            let _ = writeln!(out, "  ELF          {}", r.elf);
            let _ = writeln!(
                out,
                "  static RAM   {} bytes (.data + .bss)",
                grouped(static_ram)
            );
            (image, "image size")
        }
    };
    let verdict = match r.board.budget() {
        Some(budget) if size > budget => format!(
            "over the budget of {} bytes ({} KiB) CI holds this board to",
            grouped(budget),
            budget / 1024
        ),
        Some(budget) => format!(
            "within the budget of {} bytes ({} KiB)",
            grouped(budget),
            budget / 1024
        ),
        None => "no budget for this board".to_owned(),
    };
    let _ = writeln!(out, "  {size_name:<12} {} bytes, {verdict}", grouped(size));
    out.push('\n');
    out.push_str(&flashing(r));
    out.push_str(
        "\nThe image holds the Wi-Fi passphrase: keep it where you keep the secrets file.\n",
    );
    out
}

/// How to flash the image.
fn flashing(r: &Report) -> String {
    match r.board.image() {
        ImageKind::Uf2(_) => {
            let drive = match r.board {
                Board::PicoW => "RPI-RP2",
                _ => "RP2350",
            };
            format!(
                "To flash: hold the BOOTSEL button while plugging the board into USB; it shows \
                 up as a USB drive named {drive}.\nCopy {image} onto it; the board writes it \
                 and restarts. Or, with picotool:\n  picotool load -x {image}\n",
                image = r.image
            )
        }
        ImageKind::Esp { chip } => format!(
            "To flash, with the board on USB (bootloader, partition table and application, \
             then the log):\n  espflash flash --monitor --chip {chip} --log-format defmt {elf}\n\
             The .bin is the application image alone, for the factory app partition at \
             0x10000 of espflash's default\npartition table. On a board that already has the \
             bootloader (0x0) and that partition table (0x8000),\nfor example from an earlier \
             `espflash flash`:\n  espflash write-bin 0x10000 {image}\n  espflash monitor \
             --chip {chip} --log-format defmt --elf {elf}\n",
            elf = r.elf,
            image = r.image
        ),
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(384_512), "384,512");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn the_executable_from_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"build_script_build"},"executable":null}"#,
            "\n",
            r#"{"reason":"build-script-executed","package_id":"x"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"promcast-pico"},"executable":"/t/promcast-pico"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        assert_eq!(
            executable(messages, "promcast-pico"),
            Some(PathBuf::from("/t/promcast-pico"))
        );
        assert_eq!(executable(messages, "promcast-esp32"), None);
    }

    #[test]
    fn pico_report() {
        let report = report(&Report {
            board: Board::PicoW,
            device: "pico-loft (e6614103e7452d2f)".into(),
            fleet: "deploy/fleet.example.toml".into(),
            image: "target/firmware/pico-loft.pico-w.uf2".into(),
            elf: "target/firmware/pico-loft.pico-w.elf".into(),
            figures: Figures::Uf2 {
                payload: 384_512,
                file: 769_024,
                data: 196,
                bss: 26_176,
            },
        });
        assert_eq!(
            report,
            "\
pico-loft (e6614103e7452d2f), Raspberry Pi Pico W, from deploy/fleet.example.toml
  image        target/firmware/pico-loft.pico-w.uf2 (769,024 bytes)
  ELF          target/firmware/pico-loft.pico-w.elf
  static RAM   26,372 bytes (.data 196 + .bss 26,176)
  UF2 payload  384,512 bytes, within the budget of 409,600 bytes (400 KiB)

To flash: hold the BOOTSEL button while plugging the board into USB; it shows up as a USB drive named RPI-RP2.
Copy target/firmware/pico-loft.pico-w.uf2 onto it; the board writes it and restarts. Or, with picotool:
  picotool load -x target/firmware/pico-loft.pico-w.uf2

The image holds the Wi-Fi passphrase: keep it where you keep the secrets file.
"
        );
    }

    #[test]
    fn esp_report_over_budget() {
        let report = report(&Report {
            board: Board::Esp32c3,
            device: "garage (000000c3c3c3)".into(),
            fleet: "fleet.toml".into(),
            image: "out/garage.esp32c3.bin".into(),
            elf: "out/garage.esp32c3.elf".into(),
            figures: Figures::Esp {
                image: 700_000,
                static_ram: 150_000,
            },
        });
        assert_eq!(
            report,
            "\
garage (000000c3c3c3), ESP32-C3, from fleet.toml
  image        out/garage.esp32c3.bin (application image)
  ELF          out/garage.esp32c3.elf
  static RAM   150,000 bytes (.data + .bss)
  image size   700,000 bytes, over the budget of 614,400 bytes (600 KiB) CI holds this board to

To flash, with the board on USB (bootloader, partition table and application, then the log):
  espflash flash --monitor --chip esp32c3 --log-format defmt out/garage.esp32c3.elf
The .bin is the application image alone, for the factory app partition at 0x10000 of espflash's default
partition table. On a board that already has the bootloader (0x0) and that partition table (0x8000),
for example from an earlier `espflash flash`:
  espflash write-bin 0x10000 out/garage.esp32c3.bin
  espflash monitor --chip esp32c3 --log-format defmt --elf out/garage.esp32c3.elf

The image holds the Wi-Fi passphrase: keep it where you keep the secrets file.
"
        );
    }

    #[test]
    fn no_espflash_says_how_to_get_it() {
        let e = Error::NoEspflash {
            chip: "esp32c6",
            elf: "target/firmware/shed.esp32c6.elf".into(),
        };
        assert_eq!(
            e.to_string(),
            "espflash is not installed, so there is no .bin image. Install it with
  cargo install espflash --locked
and run this again, or flash the ELF with it:
  espflash flash --monitor --chip esp32c6 --log-format defmt target/firmware/shed.esp32c6.elf"
        );
    }
}
