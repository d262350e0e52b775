//! DS18B20 1-Wire temperature probes: ROM ids, CRC, scratchpad decoding, read failures.
//!
//! Facts from the DS18B20 datasheet this module relies on:
//!
//! * The 64-bit ROM code is sent least significant byte first: the family code (`0x28`), the
//!   48-bit serial number least significant byte first, then a CRC of the first seven bytes.
//! * The scratchpad is 9 bytes: temperature LSB and MSB, TH, TL, the configuration register,
//!   three reserved bytes (`0xFF`, varying, `0x10`) and a CRC of bytes 0 to 7.
//! * The temperature is a 16-bit two's complement number of 1/16 °C. Bits 6 and 5 of the
//!   configuration register (R1, R0) select 9 to 12 bits of resolution; at 9, 10 and 11 bits
//!   the lowest 3, 2 or 1 bits of the temperature are undefined.
//! * The measuring range is -55 °C to +125 °C. The temperature register holds +85 °C
//!   (`0x0550`) after power-up until a conversion completes.
//! * A 12-bit conversion takes at most 750 ms ([`CONVERSION_TIME_MS`]); 11, 10 and 9 bits
//!   take 375, 187.5 and 93.75 ms.

use core::fmt;

/// Longest time a DS18B20 needs for a 12-bit conversion (the power-up default resolution).
///
/// The sender's driver starts one conversion for every probe on the bus at once (Skip ROM
/// `0xCC`, then Convert T `0x44`), waits this long (or until the bus reads 1, on a bus without
/// parasite-powered probes), then reads each probe's scratchpad.
pub const CONVERSION_TIME_MS: u64 = 750;

/// The DS18B20's family code, the first byte of its ROM id.
pub const FAMILY_DS18B20: u8 = 0x28;

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
    ///
    /// Hex digits may be upper or lower case.
    pub fn parse(s: &str) -> Result<RomId, RomIdError> {
        let b = s.as_bytes();
        match b.len() {
            16 => {
                let mut rom = [0; 8];
                for (byte, pair) in rom.iter_mut().zip(b.chunks_exact(2)) {
                    *byte = hex_byte(pair).ok_or(RomIdError::Format)?;
                }
                let rom = RomId(rom);
                if rom.crc_ok() {
                    Ok(rom)
                } else {
                    Err(RomIdError::Crc)
                }
            }
            15 if b[2] == b'-' => {
                let family = hex_byte(&b[..2]).ok_or(RomIdError::Format)?;
                let mut serial = 0;
                for pair in b[3..].chunks_exact(2) {
                    serial = serial << 8 | u64::from(hex_byte(pair).ok_or(RomIdError::Format)?);
                }
                Ok(RomId::from_serial(family, serial))
            }
            _ => Err(RomIdError::Format),
        }
    }
    /// The ROM id of a device with this family code and 48-bit serial number (higher bits
    /// are ignored), its CRC computed.
    pub fn from_serial(family: u8, serial: u64) -> RomId {
        let mut rom = [0; 8];
        rom[0] = family;
        rom[1..7].copy_from_slice(&serial.to_le_bytes()[..6]);
        rom[7] = crc8(&rom[..7]);
        RomId(rom)
    }
    /// The 48-bit serial number (ROM bytes 1 to 6, least significant first on the wire).
    pub fn serial(&self) -> u64 {
        let mut le = [0; 8];
        le[..6].copy_from_slice(&self.0[1..7]);
        u64::from_le_bytes(le)
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
        w.write_str(self.hex(&mut [0; 16]))
    }
    /// Write the Linux w1 form, `28-0000072431a5`.
    pub fn write_linux<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        let mut buf = [0; 15];
        write_hex_bytes(&mut buf[..2], &self.0[..1]);
        buf[2] = b'-';
        write_hex_bytes(&mut buf[3..], &self.serial().to_be_bytes()[2..]);
        w.write_str(ascii(&buf))
    }
    /// The seed's form, 16 lower-case hex digits, written into `buf`.
    pub fn hex<'b>(&self, buf: &'b mut [u8; 16]) -> &'b str {
        write_hex_bytes(buf, &self.0);
        ascii(buf)
    }
}

impl fmt::Display for RomId {
    /// The seed's 16-hex-digit form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_hex(f)
    }
}

/// Dallas/Maxim CRC-8 (polynomial 0x31 reflected), as 1-Wire uses for ROM ids and scratchpads.
///
/// The CRC of the first seven bytes of a ROM id is its eighth byte, the CRC of the first
/// eight bytes of a scratchpad its ninth; the CRC over the whole of either is zero.
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in data {
        let mut b = byte;
        for _ in 0..8 {
            let mix = (crc ^ b) & 1;
            crc >>= 1;
            if mix != 0 {
                crc ^= 0x8C;
            }
            b >>= 1;
        }
    }
    crc
}

/// The value of the hex digit pair `pair` (upper or lower case).
fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| char::from(c).to_digit(16);
    let [hi, lo] = pair else { return None };
    Some((digit(*hi)? << 4 | digit(*lo)?) as u8)
}

/// Write `bytes` as lower-case hex digits into `out`, which holds exactly two per byte.
fn write_hex_bytes(out: &mut [u8], bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
}

/// `buf` as text; it only ever holds ASCII written by this module.
fn ascii(buf: &[u8]) -> &str {
    core::str::from_utf8(buf).unwrap_or_default()
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

/// Lowest temperature a DS18B20 reports, in 1/16 °C (-55 °C).
const MIN_RAW: i16 = -55 * 16;
/// Highest temperature a DS18B20 reports, in 1/16 °C (+125 °C).
const MAX_RAW: i16 = 125 * 16;
/// The temperature register after power-up, +85 °C, as its two bytes (LSB first).
const POWER_ON_TEMP: [u8; 2] = [0x50, 0x05];

/// Decode a 9-byte DS18B20 scratchpad into °C, checking its CRC and the failure patterns.
///
/// In this order:
/// 1. All nine bytes `0xFF` (nobody drove the bus: the probe is gone or the line is open) or
///    all nine `0x00` (the line is shorted; the CRC of zeros is zero, so the CRC check would
///    pass): [`ReadError::Disconnected`].
/// 2. Byte 8 is not the CRC of bytes 0 to 7: [`ReadError::Crc`].
/// 3. The power-on scratchpad (temperature `0x0550` = 85.0 °C with the reserved bytes 5 and 7
///    reading `0xFF` and `0x10`): [`ReadError::PowerOnValue`]. No conversion completed since
///    power-up, e.g. because a parasite-powered probe lost power during it. A real 85.0 °C
///    reading looks the same and is reported as this too.
/// 4. A temperature outside the DS18B20's range of -55 °C to +125 °C, which no conversion
///    produces (such as -127 °C, what common drivers return for a missing probe, or
///    `0xF800` = -128 °C): [`ReadError::Disconnected`].
///
/// Otherwise the temperature is the little-endian `i16` of bytes 0 and 1 in 1/16 °C, with
/// the bits that the resolution set in the configuration register (byte 4) leaves
/// undefined cleared: the lowest 3 bits at 9-bit resolution, 2 at 10-bit, 1 at 11-bit. The
/// result is exact in an `f32`.
pub fn decode_scratchpad(sp: &[u8; 9]) -> Result<f32, ReadError> {
    if sp.iter().all(|&b| b == 0xFF) || sp.iter().all(|&b| b == 0) {
        return Err(ReadError::Disconnected);
    }
    if crc8(&sp[..8]) != sp[8] {
        return Err(ReadError::Crc);
    }
    if sp[..2] == POWER_ON_TEMP && sp[5] == 0xFF && sp[7] == 0x10 {
        return Err(ReadError::PowerOnValue);
    }
    // R1 R0 = 0b00 (9-bit) to 0b11 (12-bit): that many fewer undefined low bits than 3.
    let resolution = (sp[4] >> 5) & 0b11;
    let undefined = (1i16 << (3 - resolution)) - 1;
    let raw = i16::from_le_bytes([sp[0], sp[1]]) & !undefined;
    if !(MIN_RAW..=MAX_RAW).contains(&raw) {
        return Err(ReadError::Disconnected);
    }
    Ok(f32::from(raw) / 16.0)
}
