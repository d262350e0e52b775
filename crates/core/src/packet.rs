//! The promcast wire format: one JSON object per UDP datagram.
//!
//! Seed-compatible: the Pico sender's `{"type": "temperature", "name": .., "sensor": ..,
//! "temperature": .., "offset": ..}` and its status packets decode as they are. See
//! `docs/PROTOCOL.md` for the full description.
//!
//! Shape: [`decode`]`(&[u8]) -> Result<Packet, DecodeError>` borrows the datagram;
//! [`encode`]`(&Packet, &mut [u8]) -> Result<usize, EncodeError>` writes MicroPython-style JSON.

use crate::text::Text;

/// Longest accepted `name` (decoded UTF-8 bytes).
pub const MAX_NAME_LEN: usize = 128;
/// Longest accepted `sensor` id.
pub const MAX_SENSOR_LEN: usize = 64;
/// Longest accepted `device` name.
pub const MAX_DEVICE_LEN: usize = 64;
/// Longest accepted `status` text.
pub const MAX_STATUS_LEN: usize = 256;
/// Longest accepted `unit`.
pub const MAX_UNIT_LEN: usize = 32;
/// Longest accepted reading kind (`type`).
pub const MAX_KIND_LEN: usize = 32;
/// Longest accepted `sig`.
pub const MAX_SIG_LEN: usize = 128;

/// One decoded datagram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Packet<'a> {
    /// Optional sender device name (`"device"`). Absent in seed packets.
    pub device: Option<Text<'a>>,
    /// Optional per-device sequence number (`"seq"`, 0..=u32::MAX), incremented per packet.
    pub seq: Option<u32>,
    /// Reserved for a later packet signature (`"sig"`); carried, not yet checked.
    pub sig: Option<Text<'a>>,
    /// What the packet says.
    pub body: Body<'a>,
}

/// The typed content of a packet, chosen by its `"type"` field.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Body<'a> {
    /// A sensor reading: any `type` that is not a reserved message type, or no `type` at all
    /// (seed firmware before `type` existed; treated as `temperature`).
    Reading(Reading<'a>),
    /// `{"type": "status", "name": .., "status": ..}`.
    Status(Status<'a>),
}

/// A sensor reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading<'a> {
    /// The reading kind: the packet's `type` (`temperature`, `humidity`, `pressure`, ...),
    /// lower-case ASCII `[a-z][a-z0-9_]*`. `temperature` when the packet has no `type`.
    pub kind: &'a str,
    /// Sensor name, e.g. `ColdWaterTank` (`"name"`, required).
    pub name: Text<'a>,
    /// Sensor id, e.g. the DS18B20 ROM id (`"sensor"`, optional).
    pub sensor: Option<Text<'a>>,
    /// The value, from the field named after the kind (`"temperature": 4.31`). Always finite.
    pub value: f64,
    /// Calibration offset already applied to `value` (`"offset"`, optional, finite).
    pub offset: Option<f64>,
    /// Unit of `value` (`"unit"`, optional), e.g. `celsius`, `percent`, `pascals`.
    pub unit: Option<Text<'a>>,
}

/// A device status message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status<'a> {
    /// The device's own name (`"name"`, required).
    pub name: Text<'a>,
    /// Free status text (`"status"`, required), e.g. `API 200 OK`.
    pub status: Text<'a>,
}

/// Why a datagram was rejected. Each variant maps to one `reason` label via [`DecodeError::reason`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DecodeError {
    /// The datagram is not valid UTF-8.
    InvalidUtf8,
    /// Not well-formed JSON (or not a single object); `at` is the byte offset of the problem.
    Malformed {
        /// Byte offset where parsing failed.
        at: usize,
    },
    /// A required field is absent.
    MissingField(&'static str),
    /// A known field has the wrong JSON type (e.g. a string where a number belongs).
    WrongType(&'static str),
    /// A known field appears twice.
    DuplicateField(&'static str),
    /// A number is NaN, infinite, or out of range for its field (e.g. `seq` negative).
    InvalidValue(&'static str),
    /// A string field is longer than its limit.
    TooLong(&'static str),
    /// `type` is not a valid kind name.
    InvalidKind,
}

impl DecodeError {
    /// Stable snake_case reason, used as the `reason` label of the rejection counter.
    pub fn reason(&self) -> &'static str {
        todo!()
    }
    /// Every value [`DecodeError::reason`] can return, so counters can be pre-registered.
    pub const REASONS: &'static [&'static str] = &[
        "invalid_utf8",
        "malformed_json",
        "missing_field",
        "wrong_type",
        "duplicate_field",
        "invalid_value",
        "too_long",
        "invalid_kind",
    ];
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let _ = f;
        todo!()
    }
}

/// Why [`encode`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EncodeError {
    /// The buffer is too small.
    BufferFull,
    /// A value is NaN or infinite.
    NonFinite,
    /// A field breaks a decode rule (too long, bad kind), so the packet would be rejected.
    Invalid(&'static str),
}

/// Decode one datagram.
pub fn decode(datagram: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let _ = datagram;
    todo!()
}

/// Encode `packet` into `buf` as MicroPython's `json.dumps` would; returns the length written.
pub fn encode(packet: &Packet<'_>, buf: &mut [u8]) -> Result<usize, EncodeError> {
    let _ = (packet, buf);
    todo!()
}
