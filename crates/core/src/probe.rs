//! DS18B20 1-Wire temperature probes: ROM ids, CRC, scratchpad decoding, read failures.

use core::fmt;

/// Time a DS18B20 needs for a 12-bit conversion.
pub const CONVERSION_TIME_MS: u64 = 750;

/// An 8-byte 1-Wire ROM id: family code first, CRC last (the order on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RomId(pub [u8; 8]);

/// Why a ROM id text did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RomIdError {
    /// Neither 16 hex digits nor the Linux `ff-xxxxxxxxxxxx` form.
    Format,
    /// The CRC byte does not match.
    Crc,
}

impl RomId {
    /// Parse the seed's form (16 hex digits, as MicroPython's `hexlify(rom)` prints it) or the
    /// Linux w1 form (`28-0000072431a5`: family, then the 48-bit serial big-endian; the CRC is
    /// computed). The 16-digit form's CRC must match.
    pub fn parse(s: &str) -> Result<RomId, RomIdError> {
        let _ = s;
        todo!()
    }
    /// The family code (0x28 for DS18B20).
    pub fn family(&self) -> u8 {
        self.0[0]
    }
    /// Whether the CRC byte matches.
    pub fn crc_ok(&self) -> bool {
        crc8(&self.0[..7]) == self.0[7]
    }
    /// Write the seed's form: 16 lower-case hex digits.
    pub fn write_hex<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        let _ = w;
        todo!()
    }
    /// Write the Linux w1 form, `28-0000072431a5`.
    pub fn write_linux<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        let _ = w;
        todo!()
    }
}

impl fmt::Display for RomId {
    /// The seed's 16-hex-digit form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_hex(f)
    }
}

/// Dallas/Maxim CRC-8 (polynomial 0x31 reflected), as 1-Wire uses for ROM ids and scratchpads.
pub fn crc8(data: &[u8]) -> u8 {
    let _ = data;
    todo!()
}

/// Why a probe read failed. Counted, reported in status packets, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ReadError {
    /// No presence pulse: nothing on the bus, or the probe is gone.
    Missing,
    /// Scratchpad CRC mismatch (bad wiring, noise).
    Crc,
    /// All ones / -127 °C: the probe is disconnected or the line is stuck.
    Disconnected,
    /// 85.0 °C power-on value: the conversion did not run (e.g. parasite power dropped).
    PowerOnValue,
    /// The bus or driver reported an error.
    Bus,
}

impl ReadError {
    /// Short snake_case name for status texts and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReadError::Missing => "missing",
            ReadError::Crc => "crc",
            ReadError::Disconnected => "disconnected",
            ReadError::PowerOnValue => "power_on_value",
            ReadError::Bus => "bus",
        }
    }
}

/// Decode a 9-byte DS18B20 scratchpad into °C, checking its CRC and the failure patterns.
pub fn decode_scratchpad(sp: &[u8; 9]) -> Result<f32, ReadError> {
    let _ = sp;
    todo!()
}
