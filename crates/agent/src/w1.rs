//! DS18B20 probes through the kernel's `w1_therm` driver in sysfs.
//!
//! Layout under the root (default `/sys/bus/w1/devices`):
//!
//! ```text
//! 28-0000072431a5/w1_slave        one directory per probe, named in the Linux ROM form
//! w1_bus_master1/therm_bulk_read  per bus master, when a probe on it supports bulk reads
//! ```
//!
//! One poll writes `trigger` to every master's `therm_bulk_read`, which starts ONE
//! conversion on all the probes of that bus; reading a probe's `w1_slave` then returns its
//! result without converting again. Without `therm_bulk_read` (old kernels) every read
//! converts on its own, as the seed's Pico did. `w1_slave` reads:
//!
//! ```text
//! 72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
//! 72 01 4b 46 7f ff 0e 10 57 t=23125
//! ```
//!
//! Failures map to [`ReadError`]: a probe directory that vanished is `Missing`; nine bytes
//! of `ff` (nothing drove the bus) or `00` (a shorted line) are `Disconnected`; `crc=.. NO`
//! is `Crc`; otherwise the scratchpad is decoded by the core
//! ([`promcast_core::probe::decode_scratchpad`]), which reports the 85 °C power-on pattern as
//! `PowerOnValue` and impossible temperatures (-127 °C) as `Disconnected`; an unreadable or
//! garbled file is `Bus`.

use std::fs;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use promcast_core::probe::{
    CONVERSION_TIME_MS, FAMILY_DS18B20, ReadError, RomId, decode_scratchpad,
};
use promcast_core::time::Instant;

use crate::probes::Thermometers;

/// Where the kernel lists 1-Wire devices.
pub const DEFAULT_ROOT: &str = "/sys/bus/w1/devices";

/// How often to look whether a bulk conversion has finished.
const BULK_POLL: Duration = Duration::from_millis(25);

/// The probes under a w1 sysfs root.
#[derive(Debug)]
pub struct W1Bus {
    root: PathBuf,
    triggers: u64,
    bulk_missing_logged: bool,
    bulk_denied_logged: bool,
}

impl W1Bus {
    /// A bus under `root` (normally [`DEFAULT_ROOT`]).
    pub fn new(root: impl Into<PathBuf>) -> W1Bus {
        W1Bus {
            root: root.into(),
            triggers: 0,
            bulk_missing_logged: false,
            bulk_denied_logged: false,
        }
    }

    /// Bulk conversions triggered so far (one per bus master per poll).
    pub fn triggers(&self) -> u64 {
        self.triggers
    }

    /// The bus masters' `therm_bulk_read` files.
    fn bulk_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = read_names(&self.root)
            .into_iter()
            .filter(|n| n.starts_with("w1_bus_master"))
            .map(|n| self.root.join(n).join("therm_bulk_read"))
            .filter(|p| p.exists())
            .collect();
        files.sort();
        files
    }

    fn slave_file(&self, rom: &RomId) -> PathBuf {
        let mut name = String::new();
        // Writing into a String cannot fail.
        let _ = rom.write_linux(&mut name);
        self.root.join(name).join("w1_slave")
    }
}

fn read_names(dir: &Path) -> Vec<String> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect(),
        Err(e) => {
            tracing::warn!(root = %dir.display(), error = %e, "cannot list 1-Wire devices");
            Vec::new()
        }
    }
}

impl Thermometers for W1Bus {
    fn discover(&mut self) -> Vec<RomId> {
        let mut roms: Vec<RomId> = read_names(&self.root)
            .iter()
            .filter(|n| n.len() == 15 && n.as_bytes()[2] == b'-')
            .filter_map(|n| RomId::parse(n).ok())
            .filter(|r| r.family() == FAMILY_DS18B20)
            .collect();
        roms.sort();
        roms
    }

    fn convert(&mut self, _now: Instant) {
        let files = self.bulk_files();
        if files.is_empty() {
            if !self.bulk_missing_logged {
                tracing::info!(
                    root = %self.root.display(),
                    "no therm_bulk_read on any bus master: each probe read converts on its own"
                );
                self.bulk_missing_logged = true;
            }
            return;
        }
        for f in &files {
            match fs::write(f, "trigger\n") {
                Ok(()) => self.triggers += 1,
                // Once, not every poll: under a read-only /sys (the systemd unit's
                // ProtectSystem) the write always fails and each read converts on its own.
                Err(e) if !self.bulk_denied_logged => {
                    tracing::warn!(
                        file = %f.display(),
                        error = %e,
                        "cannot trigger a bulk conversion: each probe read converts on its own"
                    );
                    self.bulk_denied_logged = true;
                }
                Err(e) => {
                    tracing::debug!(file = %f.display(), error = %e, "bulk conversion not triggered")
                }
            }
        }
        // Reading a probe after the trigger waits for its conversion in the driver; waiting
        // here until the masters report it done (not "-1") keeps that wait in one place.
        let give_up = std::time::Instant::now() + Duration::from_millis(CONVERSION_TIME_MS * 2);
        for f in &files {
            while fs::read_to_string(f).is_ok_and(|s| s.trim() == "-1")
                && std::time::Instant::now() < give_up
            {
                std::thread::sleep(BULK_POLL);
            }
        }
    }

    fn read(&mut self, rom: &RomId, _now: Instant) -> Result<f32, ReadError> {
        let path = self.slave_file(rom);
        match fs::read_to_string(&path) {
            Ok(text) => parse_w1_slave(&text),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(ReadError::Missing),
            Err(e) => {
                tracing::debug!(file = %path.display(), error = %e, "w1_slave read failed");
                Err(io_error(&e))
            }
        }
    }
}

fn io_error(e: &io::Error) -> ReadError {
    // ENODEV/ENXIO: the device went away while it was being read.
    match e.raw_os_error() {
        Some(19 | 6) => ReadError::Missing,
        _ => ReadError::Bus,
    }
}

/// The parts of a `w1_slave` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct W1Slave {
    /// The nine scratchpad bytes.
    pub scratchpad: [u8; 9],
    /// The driver's CRC verdict (`YES`).
    pub crc_ok: bool,
    /// The driver's temperature in m°C (`t=`), if given.
    pub millicelsius: Option<i32>,
}

/// Parse a `w1_slave` file; `None` when it is not in the expected form.
pub fn parse_w1_slave_parts(text: &str) -> Option<W1Slave> {
    let mut lines = text.lines();
    let first = lines.next()?;
    let (bytes, verdict) = first.split_once(':')?;
    let mut scratchpad = [0u8; 9];
    let mut n = 0;
    for (slot, b) in scratchpad.iter_mut().zip(bytes.split_whitespace()) {
        *slot = u8::from_str_radix(b, 16).ok()?;
        n += 1;
    }
    if n != 9 || bytes.split_whitespace().count() != 9 {
        return None;
    }
    let verdict: Vec<&str> = verdict.split_whitespace().collect();
    let crc_ok = match verdict.as_slice() {
        [crc, "YES"] if crc.starts_with("crc=") => true,
        [crc, "NO"] if crc.starts_with("crc=") => false,
        _ => return None,
    };
    let millicelsius = lines
        .next()
        .and_then(|l| l.rsplit_once("t="))
        .and_then(|(_, t)| t.trim().parse().ok());
    Some(W1Slave {
        scratchpad,
        crc_ok,
        millicelsius,
    })
}

/// A `w1_slave` file's reading, or why it failed (see the [module documentation](self)).
pub fn parse_w1_slave(text: &str) -> Result<f32, ReadError> {
    let s = parse_w1_slave_parts(text).ok_or(ReadError::Bus)?;
    let sp = s.scratchpad;
    if sp.iter().all(|&b| b == 0xFF) || sp.iter().all(|&b| b == 0) {
        return Err(ReadError::Disconnected);
    }
    if !s.crc_ok {
        return Err(ReadError::Crc);
    }
    if s.millicelsius == Some(-127_000) {
        return Err(ReadError::Disconnected);
    }
    decode_scratchpad(&sp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_driver_output() {
        let text = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
        assert_eq!(
            parse_w1_slave_parts(text),
            Some(W1Slave {
                scratchpad: [0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10, 0x57],
                crc_ok: true,
                millicelsius: Some(23125),
            })
        );
        assert_eq!(parse_w1_slave(text), Ok(23.125));
    }

    #[test]
    fn garbled_files_are_bus_errors() {
        for text in [
            "",
            "72 01 4b 46 7f ff 0e 10 : crc=57 YES\n",
            "72 01 4b 46 7f ff 0e 10 57 zz : crc=57 YES\n",
            "72 01 4b 46 7f ff 0e 10 57 : crc=57 MAYBE\n",
            "72 01 4b 46 7f ff 0e 10 57 crc=57 YES\n",
        ] {
            assert_eq!(parse_w1_slave(text), Err(ReadError::Bus), "{text:?}");
        }
    }
}
