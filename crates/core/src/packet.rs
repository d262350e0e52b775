//! The promcast wire format: one JSON object per UDP datagram.
//!
//! Seed-compatible: the Pico sender's `{"type": "temperature", "name": .., "sensor": ..,
//! "temperature": .., "offset": ..}` and its status packets decode as they are. See
//! `docs/PROTOCOL.md` for the full description.
//!
//! Shape: [`decode`]`(&[u8]) -> Result<Packet, DecodeError>` borrows the datagram;
//! [`encode`]`(&Packet, &mut [u8]) -> Result<usize, EncodeError>` writes MicroPython-style JSON.

use core::fmt;

use crate::json::{self, Value};
use crate::pin::PinSnapshot;
use crate::text::{Piece, Text};

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
/// Longest accepted `path` of an announce packet.
pub const MAX_PATH_LEN: usize = 64;
/// Deepest accepted nesting of objects and arrays (in ignored fields), counting the packet
/// object itself.
pub const MAX_NESTING: usize = json::MAX_DEPTH;

/// Message types set aside for later protocol versions. A packet with one of these `type`s is
/// rejected with [`DecodeError::UnsupportedType`] rather than read as a reading kind.
pub const RESERVED_TYPES: &[&str] = &["state", "event", "hello"];

/// The `type` of a [contact packet](Contact).
const CONTACT_TYPE: &str = "contact";

/// The `type` of an [announce packet](Announce).
const ANNOUNCE_TYPE: &str = "announce";

/// Whether `kind` is accepted as a reading kind in `type`: `[a-z][a-z0-9_]*`, at most
/// [`MAX_KIND_LEN`] bytes, and neither `status`, `contact`, `announce`, a
/// [reserved type](RESERVED_TYPES) nor the name of another packet field (so the value field
/// cannot clash with one).
pub fn is_reading_kind(kind: &str) -> bool {
    let b = kind.as_bytes();
    matches!(b.first(), Some(b'a'..=b'z'))
        && b.len() <= MAX_KIND_LEN
        && b.iter()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && !FIELDS.contains(&kind)
        && kind != CONTACT_TYPE
        && kind != ANNOUNCE_TYPE
        && !RESERVED_TYPES.contains(&kind)
}

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
    /// `{"type": "contact", "name": .., "pin": .., "event": .., "on": .., ...}`: a two-state
    /// input's state, pushed by the device. [`Packet::device`] is always present.
    Contact(Contact<'a>),
    /// `{"type": "announce", "name": .., "port": .., "path": ..}`: where the device serves
    /// its own metrics, for the gateway's service discovery. [`Packet::device`] is always
    /// present.
    Announce(Announce<'a>),
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

impl<'a> Packet<'a> {
    /// A packet without `device`, `seq` or `sig`.
    pub fn new(body: Body<'a>) -> Self {
        Packet {
            device: None,
            seq: None,
            sig: None,
            body,
        }
    }
}

impl<'a> Reading<'a> {
    /// A reading with no `sensor`, `offset` or `unit`.
    pub fn new(kind: &'a str, name: Text<'a>, value: f64) -> Self {
        Reading {
            kind,
            name,
            sensor: None,
            value,
            offset: None,
            unit: None,
        }
    }
}

/// A device status message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status<'a> {
    /// The device's own name (`"name"`, required).
    pub name: Text<'a>,
    /// Free status text (`"status"`, required), e.g. `API 200 OK`.
    pub status: Text<'a>,
}

impl<'a> Status<'a> {
    /// A status message.
    pub fn new(name: Text<'a>, status: Text<'a>) -> Self {
        Status { name, status }
    }
}

/// A contact input's state (a door contact, a switch), pushed by the device that reads it:
/// one packet on every edge and one per input periodically, so the gateway recovers from a
/// lost datagram. Every time is an age in milliseconds as of sending.
///
/// On the wire, in this order (absent options left out; `device` is required):
///
/// ```json
/// {"type": "contact", "name": "left", "pin": 32, "event": "edge", "on": true, "since_ms": 0, "since_on_ms": 0, "since_off_ms": 4500, "on_transitions": 5, "on_ms_total": 123456, "off_ms_total": 99000, "device": "door-esp", "seq": 9}
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contact<'a> {
    /// The input's name, e.g. `left` (`"name"`, required).
    pub name: Text<'a>,
    /// The device's pin number (`"pin"`, 0..=u32::MAX).
    pub pin: u32,
    /// Why the packet was sent (`"event"`).
    pub event: ContactEvent,
    /// The input is on (`"on"`, `true` or `false`).
    pub on: bool,
    /// Milliseconds in the current state (`"since_ms"`).
    pub since_ms: u64,
    /// Milliseconds since the input last turned on; `None` if it never has (`"since_on_ms"`).
    pub since_on_ms: Option<u64>,
    /// Milliseconds since the input last turned off; `None` if it never has
    /// (`"since_off_ms"`).
    pub since_off_ms: Option<u64>,
    /// Off→on transitions since the device started (`"on_transitions"`).
    pub on_transitions: u64,
    /// Total milliseconds on since the device started (`"on_ms_total"`).
    pub on_ms_total: u64,
    /// Total milliseconds off since the device started (`"off_ms_total"`).
    pub off_ms_total: u64,
}

/// Why a [`Contact`] packet was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ContactEvent {
    /// The input just changed state (`"edge"`).
    Edge,
    /// The periodic report of an input's state (`"state"`).
    State,
}

impl ContactEvent {
    /// The wire name: `edge` or `state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ContactEvent::Edge => "edge",
            ContactEvent::State => "state",
        }
    }
}

impl<'a> Contact<'a> {
    /// The packet body for input `name` on `pin` in the state `snap` describes, its times
    /// truncated to whole milliseconds.
    pub fn from_snapshot(
        name: Text<'a>,
        pin: u32,
        event: ContactEvent,
        snap: &PinSnapshot,
    ) -> Self {
        let ms = |d: core::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Contact {
            name,
            pin,
            event,
            on: snap.on,
            since_ms: ms(snap.since),
            since_on_ms: snap.since_on.map(ms),
            since_off_ms: snap.since_off.map(ms),
            on_transitions: snap.on_transitions,
            on_ms_total: ms(snap.on_total),
            off_ms_total: ms(snap.off_total),
        }
    }

    /// The state this packet describes, as of its sending.
    pub fn snapshot(&self) -> PinSnapshot {
        let ms = core::time::Duration::from_millis;
        PinSnapshot {
            on: self.on,
            since: ms(self.since_ms),
            since_on: self.since_on_ms.map(ms),
            since_off: self.since_off_ms.map(ms),
            on_transitions: self.on_transitions,
            on_total: ms(self.on_ms_total),
            off_total: ms(self.off_ms_total),
        }
    }
}

impl From<&Contact<'_>> for PinSnapshot {
    /// [`Contact::snapshot`].
    fn from(c: &Contact<'_>) -> Self {
        c.snapshot()
    }
}

/// A device that serves its own metrics over HTTP says where: the gateway lists it as a
/// Prometheus scrape target at `<source address of the packet>:<port>`, so new devices are
/// scraped without anyone editing `prometheus.yml`. Sent periodically (see
/// [`crate::announce::Announcer`]); the gateway forgets a target not announced again within
/// its ttl.
///
/// On the wire, in this order (`path` left out when absent; `device` is required):
///
/// ```json
/// {"type": "announce", "name": "pi-hall", "port": 10081, "path": "/metrics", "device": "pi-hall", "seq": 3}
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Announce<'a> {
    /// The device's hostname, e.g. `pi-hall` (`"name"`, required); its own metrics carry it
    /// in their `hostname` label.
    pub name: Text<'a>,
    /// The TCP port it serves HTTP on (`"port"`, 1..=65535).
    pub port: u16,
    /// The path of its metrics (`"path"`, optional, starts with `/`, at most
    /// [`MAX_PATH_LEN`] bytes); absent: the scrape job's own (Prometheus' default
    /// `/metrics`).
    pub path: Option<Text<'a>>,
}

impl<'a> Announce<'a> {
    /// An announcement of `port` without a `path`.
    pub fn new(name: Text<'a>, port: u16) -> Self {
        Announce {
            name,
            port,
            path: None,
        }
    }
}

/// A device's packet counter, the source of `seq`: the value for the next packet, advanced
/// once that packet is sent, wrapping from `u32::MAX` to 0.
///
/// The protocol counts every packet a device sends, of any type, on one counter; a device
/// that sends through more than one encoder (say a [`crate::sender::Sender`] and its own
/// status packets) draws from one `Sequence`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sequence {
    next: u32,
}

impl Sequence {
    /// A counter whose next packet gets `first`.
    pub const fn new(first: u32) -> Self {
        Sequence { next: first }
    }

    /// The `seq` of the next packet.
    pub const fn peek(&self) -> u32 {
        self.next
    }

    /// Count the packet that got [`Sequence::peek`] as sent.
    pub fn advance(&mut self) {
        self.next = self.next.wrapping_add(1);
    }
}

/// The `f64` to put in a packet for a single-precision measurement `x`: the value of the
/// shortest decimal that reads back as `x` in an `f32`, so the packet shows `21.6625` where
/// the `f32` sum `21.5625 + 0.1` widened to `f64` would print as `21.662500381469727`.
///
/// [`encode`] writes the result with exactly those digits. Non-finite values stay non-finite
/// (and [`encode`] refuses them).
pub fn value_from_f32(x: f32) -> f64 {
    if !x.is_finite() {
        return f64::from(x);
    }
    ryu::Buffer::new()
        .format_finite(x)
        .parse()
        .unwrap_or(f64::from(x))
}

/// Why a datagram was rejected. Each variant maps to one `reason` label via [`DecodeError::reason`].
///
/// The `&'static str` of the field variants names the field. The value field of a reading is
/// named after its kind for the kinds `temperature`, `humidity` and `pressure`, and `"value"`
/// for any other kind.
///
/// When a datagram has several problems, the one reported is the first of: invalid UTF-8;
/// malformed JSON; a duplicated field other than the value field; then field by field in the
/// order `type`, `name`, `sensor`, `device`, `status`, `unit`, `sig`, `offset`, `seq`, value
/// field, whatever is wrong with that field (missing, wrong type, too long, invalid value,
/// duplicated value field).
///
/// Contact and announce packets have no value field. Their own fields are known fields once
/// `type` says `contact` or `announce`: a duplicated one is reported right after `type`, and
/// after `seq` come a missing `device`, then, for a contact packet, `pin`, `event`, `on`,
/// `since_ms`, `since_on_ms`, `since_off_ms`, `on_transitions`, `on_ms_total`,
/// `off_ms_total`, and for an announce packet `port`, `path`.
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
    /// A value is out of range for its field: a number NaN, infinite or out of range (e.g.
    /// `seq` negative, `port` 0), or a string its field does not allow (a contact `event`
    /// other than `edge` and `state`, an announce `path` not starting with `/`).
    InvalidValue(&'static str),
    /// A string field is longer than its limit.
    TooLong(&'static str),
    /// `type` is not a valid kind name (see [`is_reading_kind`]).
    InvalidKind,
    /// `type` is one of the [`RESERVED_TYPES`], kept for later protocol versions.
    UnsupportedType,
}

impl DecodeError {
    /// Stable snake_case reason, used as the `reason` label of the rejection counter.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::InvalidUtf8 => "invalid_utf8",
            DecodeError::Malformed { .. } => "malformed_json",
            DecodeError::MissingField(_) => "missing_field",
            DecodeError::WrongType(_) => "wrong_type",
            DecodeError::DuplicateField(_) => "duplicate_field",
            DecodeError::InvalidValue(_) => "invalid_value",
            DecodeError::TooLong(_) => "too_long",
            DecodeError::InvalidKind => "invalid_kind",
            DecodeError::UnsupportedType => "unsupported_type",
        }
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
        "unsupported_type",
    ];
}

/// A field name in an error message.
struct FieldName(&'static str);

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == OTHER_VALUE_FIELD {
            f.write_str("value field (the field named after \"type\")")
        } else {
            write!(f, "field \"{}\"", self.0)
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::InvalidUtf8 => f.write_str("datagram is not valid UTF-8"),
            DecodeError::Malformed { at } => {
                write!(
                    f,
                    "datagram is not one well-formed JSON object (error at byte {at})"
                )
            }
            DecodeError::MissingField(field) => {
                write!(f, "required {} is missing", FieldName(field))
            }
            DecodeError::WrongType(field) => {
                let expected = if field == "on" {
                    "true or false"
                } else if is_number_field(field) || is_contact_integer(field) || field == "port" {
                    "a number"
                } else {
                    "a string"
                };
                write!(f, "{} is not {expected}", FieldName(field))
            }
            DecodeError::DuplicateField(field) => {
                write!(f, "{} appears more than once", FieldName(field))
            }
            DecodeError::InvalidValue(field @ ("seq" | "pin")) => {
                write!(
                    f,
                    "field \"{field}\" is not an integer from 0 to {}",
                    u32::MAX
                )
            }
            DecodeError::InvalidValue("event") => {
                f.write_str("field \"event\" is not \"edge\" or \"state\"")
            }
            DecodeError::InvalidValue("port") => {
                f.write_str("field \"port\" is not an integer from 1 to 65535")
            }
            DecodeError::InvalidValue("path") => {
                f.write_str("field \"path\" does not start with \"/\"")
            }
            DecodeError::InvalidValue(field) if is_contact_integer(field) => {
                write!(
                    f,
                    "field \"{field}\" is not an integer from 0 to {}",
                    u64::MAX
                )
            }
            DecodeError::InvalidValue(field) => {
                write!(f, "{} is not a finite number", FieldName(field))
            }
            DecodeError::TooLong(field) => match string_limit(field) {
                Some(max) => write!(f, "{} is longer than {max} bytes", FieldName(field)),
                None => write!(f, "{} is too long", FieldName(field)),
            },
            DecodeError::InvalidKind => write!(
                f,
                "field \"type\" is not a valid reading kind ([a-z][a-z0-9_]*, at most {MAX_KIND_LEN} bytes, not a field name)"
            ),
            DecodeError::UnsupportedType => {
                f.write_str("field \"type\" names a message type reserved for later versions")
            }
        }
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
    /// A field breaks a decode rule (too long, bad kind, port 0, a path without its leading
    /// `/`), so the packet would be rejected.
    Invalid(&'static str),
    /// A field the packet type requires is absent (`device` of a contact or announce
    /// packet).
    Missing(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EncodeError::BufferFull => f.write_str("buffer too small for the packet"),
            EncodeError::NonFinite => f.write_str("value or offset is NaN or infinite"),
            EncodeError::Invalid("type") => f.write_str("kind is not a valid reading kind"),
            EncodeError::Invalid("port") => {
                f.write_str("field \"port\" is 0; a port is 1 to 65535")
            }
            EncodeError::Invalid("path") => write!(
                f,
                "field \"path\" does not start with \"/\" or is longer than {MAX_PATH_LEN} bytes"
            ),
            EncodeError::Invalid(field) => write!(f, "field \"{field}\" is too long"),
            EncodeError::Missing(field) => write!(f, "required field \"{field}\" is missing"),
        }
    }
}

/// The fields with fixed names, in the order their problems are reported.
const FIELDS: [&str; 9] = [
    "type", "name", "sensor", "device", "status", "unit", "sig", "offset", "seq",
];

/// Index into [`FIELDS`].
#[derive(Clone, Copy)]
enum Field {
    Type,
    Name,
    Sensor,
    Device,
    Status,
    Unit,
    Sig,
    Offset,
    Seq,
}

/// The string fields and their limits.
const STRING_LIMITS: [(&str, usize); 7] = [
    ("name", MAX_NAME_LEN),
    ("sensor", MAX_SENSOR_LEN),
    ("device", MAX_DEVICE_LEN),
    ("status", MAX_STATUS_LEN),
    ("unit", MAX_UNIT_LEN),
    ("sig", MAX_SIG_LEN),
    ("path", MAX_PATH_LEN),
];

/// The kinds whose value field errors name the field itself.
const NAMED_VALUE_FIELDS: [&str; 3] = ["temperature", "humidity", "pressure"];

/// How errors name the value field of any other kind.
const OTHER_VALUE_FIELD: &str = "value";

/// The kind of a packet without `type`.
const DEFAULT_KIND: &str = "temperature";

/// The fields of a contact packet besides `name`, in the order their problems are reported.
const CONTACT_FIELDS: [&str; 9] = [
    "pin",
    "event",
    "on",
    "since_ms",
    "since_on_ms",
    "since_off_ms",
    "on_transitions",
    "on_ms_total",
    "off_ms_total",
];

/// The fields of an announce packet besides `name`, in the order their problems are reported.
const ANNOUNCE_FIELDS: [&str; 2] = ["port", "path"];

/// Whether `field` is a contact field that holds an integer: a `u64`, or a `u32` for `pin`.
fn is_contact_integer(field: &str) -> bool {
    CONTACT_FIELDS.contains(&field) && field != "event" && field != "on"
}

fn string_limit(field: &str) -> Option<usize> {
    STRING_LIMITS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|&(_, max)| max)
}

fn is_number_field(field: &str) -> bool {
    field == "offset"
        || field == "seq"
        || field == OTHER_VALUE_FIELD
        || NAMED_VALUE_FIELDS.contains(&field)
}

/// The name errors use for the value field of `kind`.
fn value_field_name(kind: &str) -> &'static str {
    NAMED_VALUE_FIELDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or(OTHER_VALUE_FIELD)
}

fn field_of(key: &json::Str<'_>) -> Option<Field> {
    const ALL: [Field; 9] = [
        Field::Type,
        Field::Name,
        Field::Sensor,
        Field::Device,
        Field::Status,
        Field::Unit,
        Field::Sig,
        Field::Offset,
        Field::Seq,
    ];
    if !key.escaped {
        return match key.raw {
            "type" => Some(Field::Type),
            "name" => Some(Field::Name),
            "sensor" => Some(Field::Sensor),
            "device" => Some(Field::Device),
            "status" => Some(Field::Status),
            "unit" => Some(Field::Unit),
            "sig" => Some(Field::Sig),
            "offset" => Some(Field::Offset),
            "seq" => Some(Field::Seq),
            _ => None,
        };
    }
    FIELDS.iter().position(|f| key.is(f)).map(|i| ALL[i])
}

/// What one pass over the packet object found.
struct Members<'a> {
    fields: [Option<Value<'a>>; FIELDS.len()],
    /// The member whose key is the value field's name as far as the pass knew it.
    value: Option<Value<'a>>,
    /// Whether that key appeared more than once.
    value_twice: bool,
    /// Whether a member with an unknown key came before `type` (so, compared against the
    /// default kind only).
    unknown_before_type: bool,
}

impl<'a> Members<'a> {
    fn new() -> Self {
        Members {
            fields: [None; FIELDS.len()],
            value: None,
            value_twice: false,
            unknown_before_type: false,
        }
    }

    /// Scan `src`, which must be one well-formed object. The value field is the member named
    /// `kind`, or else after the string in `type` once `type` has been seen, and
    /// [`DEFAULT_KIND`] before.
    fn scan(&mut self, src: &'a str, kind: Option<&str>) -> Result<(), DecodeError> {
        let mut duplicate = None;
        json::for_each_member(src, |key, value| {
            if let Some(field) = field_of(&key) {
                let slot = &mut self.fields[field as usize];
                if slot.is_some() {
                    duplicate = duplicate.or(Some(FIELDS[field as usize]));
                } else {
                    *slot = Some(value);
                }
                return;
            }
            let value_key = match (kind, self.fields[Field::Type as usize]) {
                (Some(kind), _) => kind,
                (None, None) => {
                    self.unknown_before_type = true;
                    DEFAULT_KIND
                }
                (None, Some(Value::Str(t))) if !t.escaped => t.raw,
                // Not a usable kind; decoding fails on `type` before it needs the value.
                (None, Some(_)) => return,
            };
            if key.is(value_key) {
                self.value_twice |= self.value.is_some();
                self.value = Some(value);
            }
        })
        .map_err(|at| DecodeError::Malformed { at })?;
        match duplicate {
            Some(field) => Err(DecodeError::DuplicateField(field)),
            None => Ok(()),
        }
    }

    fn get(&self, field: Field) -> Option<Value<'a>> {
        self.fields[field as usize]
    }

    /// A string field no longer than its limit.
    fn text(&self, field: Field, max: usize) -> Result<Option<Text<'a>>, DecodeError> {
        string(self.get(field), FIELDS[field as usize], max)
    }
}

/// A string no longer than `max` decoded bytes.
fn string<'a>(
    v: Option<Value<'a>>,
    field: &'static str,
    max: usize,
) -> Result<Option<Text<'a>>, DecodeError> {
    match v {
        None => Ok(None),
        Some(Value::Str(s)) if s.decoded_len > max => Err(DecodeError::TooLong(field)),
        Some(Value::Str(s)) if s.escaped => Ok(Some(Text::Escaped(s.raw))),
        Some(Value::Str(s)) => Ok(Some(Text::Plain(s.raw))),
        Some(_) => Err(DecodeError::WrongType(field)),
    }
}

/// A required field.
fn required<T>(v: Option<T>, field: &'static str) -> Result<T, DecodeError> {
    v.ok_or(DecodeError::MissingField(field))
}

/// A finite number.
fn number(v: Option<Value<'_>>, field: &'static str) -> Result<Option<f64>, DecodeError> {
    match v {
        None => Ok(None),
        Some(Value::Num(raw)) => match raw.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(DecodeError::InvalidValue(field)),
        },
        Some(Value::NonFinite) => Err(DecodeError::InvalidValue(field)),
        Some(_) => Err(DecodeError::WrongType(field)),
    }
}

/// A sequence number: a number written as plain digits that fits a `u32`.
fn seq(v: Option<Value<'_>>) -> Result<Option<u32>, DecodeError> {
    integer(v, "seq")
}

/// A number written as plain digits that fits a `T`.
fn integer<T: core::str::FromStr>(
    v: Option<Value<'_>>,
    field: &'static str,
) -> Result<Option<T>, DecodeError> {
    match v {
        None => Ok(None),
        Some(Value::Num(raw)) if raw.bytes().all(|b| b.is_ascii_digit()) => raw
            .parse()
            .map(Some)
            .map_err(|_| DecodeError::InvalidValue(field)),
        Some(Value::Num(_) | Value::NonFinite) => Err(DecodeError::InvalidValue(field)),
        Some(_) => Err(DecodeError::WrongType(field)),
    }
}

/// The members only one message type knows (a contact packet's `pin`, ..., an announce
/// packet's `port` and `path`), by index into that type's field list (`names`).
struct ExtraMembers<'a, const N: usize> {
    names: &'static [&'static str; N],
    values: [Option<Value<'a>>; N],
}

impl<'a, const N: usize> ExtraMembers<'a, N> {
    /// Scan `src`, which [`Members::scan`] has found to be one well-formed object, for the
    /// members named in `names`.
    fn scan(src: &'a str, names: &'static [&'static str; N]) -> Result<Self, DecodeError> {
        let mut m = ExtraMembers {
            names,
            values: [None; N],
        };
        let mut duplicate = None;
        json::for_each_member(src, |key, value| {
            if let Some(i) = names.iter().position(|f| key.is(f)) {
                if m.values[i].is_some() {
                    duplicate = duplicate.or(Some(names[i]));
                } else {
                    m.values[i] = Some(value);
                }
            }
        })
        .map_err(|at| DecodeError::Malformed { at })?;
        match duplicate {
            Some(field) => Err(DecodeError::DuplicateField(field)),
            None => Ok(m),
        }
    }

    /// The member named `field`, one of `names`.
    fn get(&self, field: &str) -> Option<Value<'a>> {
        let i = self.names.iter().position(|f| *f == field)?;
        self.values[i]
    }

    /// A required integer field.
    fn integer<T: core::str::FromStr>(&self, field: &'static str) -> Result<T, DecodeError> {
        required(integer(self.get(field), field)?, field)
    }
}

impl<'a> ExtraMembers<'a, { CONTACT_FIELDS.len() }> {
    /// The contact body, checking the fields in the order of [`CONTACT_FIELDS`].
    fn contact(&self, name: Text<'a>) -> Result<Contact<'a>, DecodeError> {
        let pin = self.integer("pin")?;
        let event = match self.get("event") {
            None => Err(DecodeError::MissingField("event")),
            Some(Value::Str(s)) if s.is("edge") => Ok(ContactEvent::Edge),
            Some(Value::Str(s)) if s.is("state") => Ok(ContactEvent::State),
            Some(Value::Str(_)) => Err(DecodeError::InvalidValue("event")),
            Some(_) => Err(DecodeError::WrongType("event")),
        }?;
        let on = match self.get("on") {
            None => Err(DecodeError::MissingField("on")),
            Some(Value::Bool(on)) => Ok(on),
            Some(_) => Err(DecodeError::WrongType("on")),
        }?;
        Ok(Contact {
            name,
            pin,
            event,
            on,
            since_ms: self.integer("since_ms")?,
            since_on_ms: integer(self.get("since_on_ms"), "since_on_ms")?,
            since_off_ms: integer(self.get("since_off_ms"), "since_off_ms")?,
            on_transitions: self.integer("on_transitions")?,
            on_ms_total: self.integer("on_ms_total")?,
            off_ms_total: self.integer("off_ms_total")?,
        })
    }
}

impl<'a> ExtraMembers<'a, { ANNOUNCE_FIELDS.len() }> {
    /// The announce body, checking the fields in the order of [`ANNOUNCE_FIELDS`].
    fn announce(&self, name: Text<'a>) -> Result<Announce<'a>, DecodeError> {
        let port = match self.integer::<u16>("port")? {
            0 => return Err(DecodeError::InvalidValue("port")),
            port => port,
        };
        let path = string(self.get("path"), "path", MAX_PATH_LEN)?;
        if path.is_some_and(|p| !is_path(&p)) {
            return Err(DecodeError::InvalidValue("path"));
        }
        Ok(Announce { name, port, path })
    }
}

/// Whether `path` is an announce packet's `path`: it starts with `/`.
fn is_path(path: &Text<'_>) -> bool {
    path.chars().next() == Some('/')
}

/// What `type` says the packet is, with the members only that type knows.
#[allow(
    clippy::large_enum_variant,
    reason = "one short-lived value on the stack per decode, and no allocator to box it"
)]
enum MessageType<'a> {
    Reading(&'a str),
    Status,
    Contact(ExtraMembers<'a, { CONTACT_FIELDS.len() }>),
    Announce(ExtraMembers<'a, { ANNOUNCE_FIELDS.len() }>),
}

/// The message type `v` (the `type` member) names. A type with members of its own has them
/// scanned here, so a duplicate among them is reported right after `type`.
fn message_type<'a>(v: Option<Value<'a>>, src: &'a str) -> Result<MessageType<'a>, DecodeError> {
    match v {
        None => Ok(MessageType::Reading(DEFAULT_KIND)),
        // A kind is borrowed from the datagram as it stands, so it cannot contain escapes.
        Some(Value::Str(s)) if s.escaped => Err(DecodeError::InvalidKind),
        Some(Value::Str(s)) if s.raw == "status" => Ok(MessageType::Status),
        Some(Value::Str(s)) if s.raw == CONTACT_TYPE => Ok(MessageType::Contact(
            ExtraMembers::scan(src, &CONTACT_FIELDS)?,
        )),
        Some(Value::Str(s)) if s.raw == ANNOUNCE_TYPE => Ok(MessageType::Announce(
            ExtraMembers::scan(src, &ANNOUNCE_FIELDS)?,
        )),
        Some(Value::Str(s)) if RESERVED_TYPES.contains(&s.raw) => Err(DecodeError::UnsupportedType),
        Some(Value::Str(s)) if is_reading_kind(s.raw) => Ok(MessageType::Reading(s.raw)),
        Some(Value::Str(_)) => Err(DecodeError::InvalidKind),
        Some(_) => Err(DecodeError::WrongType("type")),
    }
}

/// Decode one datagram.
pub fn decode(datagram: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let src = core::str::from_utf8(datagram).map_err(|_| DecodeError::InvalidUtf8)?;
    let mut m = Members::new();
    m.scan(src, None)?;
    let ty = message_type(m.get(Field::Type), src)?;
    let name = required(m.text(Field::Name, MAX_NAME_LEN)?, "name")?;
    let sensor = m.text(Field::Sensor, MAX_SENSOR_LEN)?;
    let device = m.text(Field::Device, MAX_DEVICE_LEN)?;
    let status = m.text(Field::Status, MAX_STATUS_LEN)?;
    let unit = m.text(Field::Unit, MAX_UNIT_LEN)?;
    let sig = m.text(Field::Sig, MAX_SIG_LEN)?;
    let offset = number(m.get(Field::Offset), "offset")?;
    let seq = seq(m.get(Field::Seq))?;
    let body = match ty {
        MessageType::Status => Body::Status(Status {
            name,
            status: required(status, "status")?,
        }),
        MessageType::Contact(extra) => {
            required(device, "device")?;
            Body::Contact(extra.contact(name)?)
        }
        MessageType::Announce(extra) => {
            required(device, "device")?;
            Body::Announce(extra.announce(name)?)
        }
        MessageType::Reading(kind) => {
            let field = value_field_name(kind);
            // Members before `type` were matched against the default kind only: look again.
            let mut rescan = Members::new();
            let m = if kind != DEFAULT_KIND && m.unknown_before_type {
                rescan.scan(src, Some(kind))?;
                &rescan
            } else {
                &m
            };
            if m.value_twice {
                return Err(DecodeError::DuplicateField(field));
            }
            let value = required(number(m.value, field)?, field)?;
            Body::Reading(Reading {
                kind,
                name,
                sensor,
                value,
                offset,
                unit,
            })
        }
    };
    Ok(Packet {
        device,
        seq,
        sig,
        body,
    })
}

/// Encode `packet` into `buf` as MicroPython's `json.dumps` would; returns the length written.
///
/// Fields come in the order `type`, `name`, `sensor`, value field, `offset`, `unit`,
/// `device`, `seq`, `sig` for a reading, `type`, `name`, `status`, `device`, `seq`, `sig`
/// for a status message and `type`, `name`, `pin`, `event`, `on`, `since_ms`,
/// `since_on_ms`, `since_off_ms`, `on_transitions`, `on_ms_total`, `off_ms_total`,
/// `device`, `seq`, `sig` for a contact packet and `type`, `name`, `port`, `path`, `device`,
/// `seq`, `sig` for an announce packet, absent optional fields left out. Numbers are written
/// in the shortest form that reads back as the same `f64`, always with a `.` or an exponent.
/// Strings are escaped as JSON requires; other characters, non-ASCII included, are written
/// as they are.
///
/// The packet is checked first, so a packet [`decode`] would reject fails with
/// [`EncodeError::Invalid`], [`EncodeError::NonFinite`] or [`EncodeError::Missing`]
/// whatever the buffer size. Nothing
/// is written past the returned length; on [`EncodeError::BufferFull`] the buffer holds a
/// partial packet.
pub fn encode(packet: &Packet<'_>, buf: &mut [u8]) -> Result<usize, EncodeError> {
    check(packet)?;
    let mut w = Writer { buf, len: 0 };
    w.put(b"{\"type\": \"")?;
    match &packet.body {
        Body::Reading(r) => {
            w.put(r.kind.as_bytes())?;
            w.put(b"\"")?;
            w.text("name", Some(r.name))?;
            w.text("sensor", r.sensor)?;
            w.number(r.kind, Some(r.value))?;
            w.number("offset", r.offset)?;
            w.text("unit", r.unit)?;
        }
        Body::Status(s) => {
            w.put(b"status\"")?;
            w.text("name", Some(s.name))?;
            w.text("status", Some(s.status))?;
        }
        Body::Contact(c) => {
            w.put(CONTACT_TYPE.as_bytes())?;
            w.put(b"\"")?;
            w.text("name", Some(c.name))?;
            w.integer("pin", Some(c.pin.into()))?;
            w.key("event")?;
            w.put(b"\"")?;
            w.put(c.event.as_str().as_bytes())?;
            w.put(b"\"")?;
            w.key("on")?;
            w.put(if c.on { b"true" } else { b"false" })?;
            w.integer("since_ms", Some(c.since_ms))?;
            w.integer("since_on_ms", c.since_on_ms)?;
            w.integer("since_off_ms", c.since_off_ms)?;
            w.integer("on_transitions", Some(c.on_transitions))?;
            w.integer("on_ms_total", Some(c.on_ms_total))?;
            w.integer("off_ms_total", Some(c.off_ms_total))?;
        }
        Body::Announce(a) => {
            w.put(ANNOUNCE_TYPE.as_bytes())?;
            w.put(b"\"")?;
            w.text("name", Some(a.name))?;
            w.integer("port", Some(a.port.into()))?;
            w.text("path", a.path)?;
        }
    }
    w.text("device", packet.device)?;
    w.integer("seq", packet.seq.map(u64::from))?;
    w.text("sig", packet.sig)?;
    w.put(b"}")?;
    Ok(w.len)
}

/// Reject what [`decode`] would reject.
fn check(packet: &Packet<'_>) -> Result<(), EncodeError> {
    let text = |field: &'static str, t: Option<Text<'_>>| match (t, string_limit(field)) {
        (Some(t), Some(max)) if t.decoded_len() > max => Err(EncodeError::Invalid(field)),
        _ => Ok(()),
    };
    let finite = |x: Option<f64>| match x {
        Some(x) if !x.is_finite() => Err(EncodeError::NonFinite),
        _ => Ok(()),
    };
    match &packet.body {
        Body::Reading(r) => {
            if !is_reading_kind(r.kind) {
                return Err(EncodeError::Invalid("type"));
            }
            text("name", Some(r.name))?;
            text("sensor", r.sensor)?;
            finite(Some(r.value))?;
            finite(r.offset)?;
            text("unit", r.unit)?;
        }
        Body::Status(s) => {
            text("name", Some(s.name))?;
            text("status", Some(s.status))?;
        }
        Body::Contact(c) => {
            text("name", Some(c.name))?;
            if packet.device.is_none() {
                return Err(EncodeError::Missing("device"));
            }
        }
        Body::Announce(a) => {
            text("name", Some(a.name))?;
            if a.port == 0 {
                return Err(EncodeError::Invalid("port"));
            }
            text("path", a.path)?;
            if a.path.is_some_and(|p| !is_path(&p)) {
                return Err(EncodeError::Invalid("path"));
            }
            if packet.device.is_none() {
                return Err(EncodeError::Missing("device"));
            }
        }
    }
    text("device", packet.device)?;
    text("sig", packet.sig)
}

/// Appends to a byte buffer, refusing to write past its end.
struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.len + bytes.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(EncodeError::BufferFull)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// `, "key": ` (keys are plain ASCII).
    fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        self.put(b", \"")?;
        self.put(key.as_bytes())?;
        self.put(b"\": ")
    }

    fn text(&mut self, key: &str, t: Option<Text<'_>>) -> Result<(), EncodeError> {
        let Some(t) = t else { return Ok(()) };
        self.key(key)?;
        self.put(b"\"")?;
        for piece in t.pieces() {
            match piece {
                Piece::Str(s) => self.escaped(s.as_bytes())?,
                Piece::Char(c) => self.escaped(c.encode_utf8(&mut [0; 4]).as_bytes())?,
            }
        }
        self.put(b"\"")
    }

    /// `s` with `"`, `\` and control characters escaped.
    fn escaped(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        let mut run = 0;
        for (i, &b) in s.iter().enumerate() {
            let short = match b {
                b'"' => b'"',
                b'\\' => b'\\',
                b'\n' => b'n',
                b'\r' => b'r',
                b'\t' => b't',
                0x08 => b'b',
                0x0c => b'f',
                0..0x20 => 0,
                _ => continue,
            };
            self.put(&s[run..i])?;
            run = i + 1;
            if short != 0 {
                self.put(&[b'\\', short])?;
            } else {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.put(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ])?;
            }
        }
        self.put(&s[run..])
    }

    /// An integer as plain digits.
    fn integer(&mut self, key: &str, n: Option<u64>) -> Result<(), EncodeError> {
        let Some(n) = n else { return Ok(()) };
        self.key(key)?;
        self.put(crate::expo::decimal_digits(n, &mut [0; 20]))
    }

    /// A finite float, always with a `.` or an exponent (`4.0`, `4.31`, `1e-7`).
    fn number(&mut self, key: &str, x: Option<f64>) -> Result<(), EncodeError> {
        let Some(x) = x else { return Ok(()) };
        self.key(key)?;
        self.put(ryu::Buffer::new().format_finite(x).as_bytes())
    }
}
