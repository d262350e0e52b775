//! The temperature sender's logic (the Pico's job), sans-IO: a poll schedule, one conversion
//! per poll for all probes, per-probe names and offsets by ROM id, unique default names for
//! unconfigured probes, seed-shaped packets with optional `device` and `seq`, failed reads
//! counted and reported in a status packet, and a status LED lit during a poll.
//!
//! A driver's loop, in outline:
//!
//! ```text
//! loop {
//!     wait until sender.next_poll()
//!     let mut poll = sender.begin_poll(now, &mut led);     // LED on
//!     bus: reset, Skip ROM (0xCC), Convert T (0x44)         // one conversion for all probes
//!     wait CONVERSION_TIME_MS
//!     for each probe found (and each configured probe not found, as Err(Missing)):
//!         read its scratchpad, decode_scratchpad()
//!         if let Some(n) = poll.reading(&rom, read, &mut buf)? { send buf[..n] }
//!     if let Some(n) = poll.finish(&mut buf)? { send buf[..n] } // LED off
//! }
//! ```
//!
//! Unlike the seed, a failed read never ends the loop: it is counted in [`SenderStats`] and
//! reported in one status packet at the end of the poll, and the next poll runs as usual.

use core::fmt::{self, Write as _};
use core::time::Duration;

use crate::packet::{
    Body, EncodeError, MAX_STATUS_LEN, Packet, Reading, Sequence, Status, encode, value_from_f32,
};
use crate::probe::{ReadError, RomId};
use crate::schedule::Schedule;
use crate::text::Text;
use crate::time::Instant;

/// Longest default name, `Probe` + 12 hex digits of the serial.
pub const DEFAULT_NAME_LEN: usize = 17;

/// Settings of one known probe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeSetting<'a> {
    /// Its ROM id.
    pub rom: RomId,
    /// Its name, e.g. `ColdWaterTank`.
    pub name: &'a str,
    /// Added to the raw reading (°C).
    pub offset: f32,
}

/// Sender settings.
#[derive(Clone, Copy, Debug)]
pub struct SenderConfig<'a> {
    /// Device name sent as `device` (None: seed-style packets without it).
    pub device: Option<&'a str>,
    /// Configured probes.
    pub probes: &'a [ProbeSetting<'a>],
    /// Time between polls (start to start).
    pub interval: Duration,
    /// Send `seq` in every packet (starting at 0; see [`Sender::sequence_mut`]).
    pub sequence: bool,
}

/// Counters a device exposes or reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SenderStats {
    /// Polls started.
    pub polls: u64,
    /// Successful reads.
    pub reads_ok: u64,
    /// Failed reads, by kind.
    pub missing: u64,
    /// CRC failures.
    pub crc: u64,
    /// Disconnected probes.
    pub disconnected: u64,
    /// 85 °C power-on values.
    pub power_on_value: u64,
    /// Bus errors.
    pub bus: u64,
}

impl SenderStats {
    /// Failed reads of every kind.
    pub fn failed(&self) -> u64 {
        self.missing + self.crc + self.disconnected + self.power_on_value + self.bus
    }

    fn count(&mut self, e: ReadError) {
        let n = match e {
            ReadError::Missing => &mut self.missing,
            ReadError::Crc => &mut self.crc,
            ReadError::Disconnected => &mut self.disconnected,
            ReadError::PowerOnValue => &mut self.power_on_value,
            ReadError::Bus => &mut self.bus,
        };
        *n += 1;
    }
}

/// A status LED (or any other "poll in progress" indicator).
pub trait Led {
    /// Switch it.
    fn set(&mut self, on: bool);
}

/// No LED.
impl Led for () {
    fn set(&mut self, _on: bool) {}
}

/// The unique default name of an unconfigured probe: `Probe` + the 12 lower-case hex digits
/// of its 48-bit serial number, most significant first (as in the Linux w1 form
/// `28-0000072431a5`): `Probe0000072431a5`.
pub fn default_name<'b>(rom: &RomId, buf: &'b mut [u8; DEFAULT_NAME_LEN]) -> &'b str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf[..5].copy_from_slice(b"Probe");
    let serial = rom.serial();
    for (i, digit) in buf[5..].iter_mut().enumerate() {
        *digit = HEX[(serial >> (44 - 4 * i) & 15) as usize];
    }
    // Only ASCII was written.
    core::str::from_utf8(buf).unwrap_or_default()
}

/// The `sensor` of an RP2040's (Pico W's) internal temperature sensor reading.
pub const INTERNAL_SENSOR_RP2040: &str = "rp2040-internal";
/// The `sensor` of an RP2350's (Pico 2 W's) internal temperature sensor reading.
pub const INTERNAL_SENSOR_RP2350: &str = "rp2350-internal";

/// The text of a device's boot status packet ([`Sender::encode_status`]): `boot <version>
/// <platform> id <unique id> reset <reset>`, with ` (built for <built_for>)` after the id
/// when the board is not the one the image was built for (or its id could not be read).
///
/// ```
/// use promcast_core::sender::BootStatus;
///
/// let boot = BootStatus {
///     version: "0.1.0",
///     platform: "pico-w",
///     unique_id: Some(&[0xe6, 0x61, 0x41, 0x03, 0xe7, 0x45, 0x2d, 0x2f]),
///     built_for: "0123456789abcdef",
///     reset: "power-on",
/// };
/// assert_eq!(
///     boot.to_string(),
///     "boot 0.1.0 pico-w id e6614103e7452d2f (built for 0123456789abcdef) reset power-on"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootStatus<'a> {
    /// The firmware's version.
    pub version: &'a str,
    /// The board, as the fleet file names its platform.
    pub platform: &'a str,
    /// The board's unique id as read, written as lower-case hex; `None`: it could not be
    /// read (written `unknown`).
    pub unique_id: Option<&'a [u8]>,
    /// The unique id the image was built for, as the fleet file keys the device.
    pub built_for: &'a str,
    /// Why the chip started.
    pub reset: &'a str,
}

impl BootStatus<'_> {
    /// Whether the board's id, written as hex, is [`BootStatus::built_for`] (in either
    /// case).
    pub fn is_built_for_this_board(&self) -> bool {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let Some(id) = self.unique_id else {
            return false;
        };
        let want = self.built_for.as_bytes();
        want.len() == 2 * id.len()
            && id.iter().zip(want.chunks_exact(2)).all(|(b, pair)| {
                pair[0].to_ascii_lowercase() == HEX[usize::from(b >> 4)]
                    && pair[1].to_ascii_lowercase() == HEX[usize::from(b & 15)]
            })
    }
}

impl fmt::Display for BootStatus<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "boot {} {} id ", self.version, self.platform)?;
        match self.unique_id {
            Some(id) => {
                for b in id {
                    write!(f, "{b:02x}")?;
                }
            }
            None => f.write_str("unknown")?,
        }
        if !self.is_built_for_this_board() {
            write!(f, " (built for {})", self.built_for)?;
        }
        write!(f, " reset {}", self.reset)
    }
}

/// The status packet's `name` when no device name is configured.
pub const DEFAULT_STATUS_NAME: &str = "pico";

/// Failed reads a status text names one by one; further ones are summarised as `+N more`.
pub const STATUS_LISTED: usize = 6;

/// Longest [`ReadError::as_str`].
const LONGEST_REASON: usize = "power_on_value".len();

// The longest status text: "<u32> ok, <u32> failed: " + the listed "<rom>:<reason>"
// separated by ", " + ", +<u32> more".
const _: () = assert!(
    (10 + 5 + 10 + 9) + STATUS_LISTED * (16 + 1 + LONGEST_REASON + 2) - 2 + (3 + 10 + 5)
        <= MAX_STATUS_LEN
);

/// The sender: the poll [`Schedule`], per-probe settings, counters and the `seq` counter.
#[derive(Debug)]
pub struct Sender<'a> {
    cfg: SenderConfig<'a>,
    schedule: Schedule,
    stats: SenderStats,
    seq: Sequence,
}

impl<'a> Sender<'a> {
    /// A sender whose first poll is due at `now`.
    pub fn new(cfg: SenderConfig<'a>, now: Instant) -> Self {
        Sender {
            cfg,
            schedule: Schedule::new(cfg.interval, now),
            stats: SenderStats::default(),
            seq: Sequence::default(),
        }
    }
    /// When the next poll is due: polls start every [`SenderConfig::interval`], start to
    /// start, with no catch-up burst after a late one (see [`Schedule`]).
    pub fn next_poll(&self) -> Instant {
        self.schedule.next()
    }
    /// Whether a poll is due at `now`.
    pub fn poll_due(&self, now: Instant) -> bool {
        self.schedule.is_due(now)
    }
    /// Counters so far.
    pub fn stats(&self) -> SenderStats {
        self.stats
    }
    /// The settings.
    pub fn config(&self) -> &SenderConfig<'a> {
        &self.cfg
    }
    /// The `seq` counter, for a device that sends packets of its own besides the sender's
    /// (they share one counter) or starts it elsewhere than 0.
    pub fn sequence_mut(&mut self) -> &mut Sequence {
        &mut self.seq
    }
    /// Start a poll at `now`: lights `led`, schedules the next poll. The caller then starts
    /// ONE conversion on the bus for all probes (Skip ROM + Convert T), waits
    /// [`crate::probe::CONVERSION_TIME_MS`], and reports each probe's read to the [`Poll`].
    pub fn begin_poll<'s, L: Led>(&'s mut self, now: Instant, led: &'s mut L) -> Poll<'s, 'a, L> {
        self.schedule.start(now);
        self.stats.polls += 1;
        led.set(true);
        Poll {
            sender: self,
            led,
            ok: 0,
            failed: 0,
            listed: [(RomId([0; 8]), ReadError::Bus); STATUS_LISTED],
        }
    }

    /// The settings of the probe `rom`, if configured.
    fn setting(&self, rom: &RomId) -> Option<&ProbeSetting<'a>> {
        self.cfg.probes.iter().find(|p| p.rom == *rom)
    }

    /// Encode a temperature reading of the device's own, not one of its probes' (the chip's
    /// internal sensor, say), with the sender's `device` and next `seq`, so that every packet
    /// of the device shares one counter: `{"type": "temperature", "name": <name>, "sensor":
    /// <sensor>, "temperature": <celsius>}`, then `device` and `seq` when configured. No
    /// `offset`; the value is written as the shortest text of its `f32` value (see
    /// [`value_from_f32`]). It is not a probe read: [`SenderStats`] do not count it.
    pub fn encode_extra_reading(
        &mut self,
        name: &str,
        sensor: &str,
        celsius: f32,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let reading = Reading {
            sensor: Some(Text::Plain(sensor)),
            ..Reading::new("temperature", Text::Plain(name), value_from_f32(celsius))
        };
        self.encode(Body::Reading(reading), out)
    }

    /// Encode a status packet of the device's own (a [`BootStatus`], say), besides the one
    /// [`Poll::finish`] writes, with the sender's `device` and next `seq`: `{"type":
    /// "status", "name": <device>, "status": <text>}`, then `device` and `seq` when
    /// configured. `name` is as in [`Poll::finish`].
    ///
    /// A text longer than [`MAX_STATUS_LEN`] bytes is refused with
    /// `EncodeError::Invalid("status")`, as the encoder refuses one.
    pub fn encode_status(
        &mut self,
        text: impl fmt::Display,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let mut buf = StatusText::default();
        write!(buf, "{text}").map_err(|_| EncodeError::Invalid("status"))?;
        self.encode_status_text(&buf, out)
    }

    /// Encode a status packet with `text`, named after the device.
    fn encode_status_text(
        &mut self,
        text: &StatusText,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let name = self.cfg.device.unwrap_or(DEFAULT_STATUS_NAME);
        let status = Status::new(Text::Plain(name), Text::Plain(text.as_str()));
        self.encode(Body::Status(status), out)
    }

    /// Encode `body` with this device's `device` and `seq`; count the packet on success.
    fn encode(&mut self, body: Body<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        let packet = Packet {
            device: self.cfg.device.map(Text::Plain),
            seq: self.cfg.sequence.then(|| self.seq.peek()),
            ..Packet::new(body)
        };
        let n = encode(&packet, out)?;
        self.seq.advance();
        Ok(n)
    }
}

/// One poll in progress. Dropping it (or [`Poll::finish`]) switches the LED off.
pub struct Poll<'s, 'a, L: Led> {
    sender: &'s mut Sender<'a>,
    led: &'s mut L,
    /// Successful reads in this poll.
    ok: u32,
    /// Failed reads in this poll.
    failed: u32,
    /// The first failures, for the status text.
    listed: [(RomId, ReadError); STATUS_LISTED],
}

impl<L: Led> Poll<'_, '_, L> {
    /// Report one probe's read. On success, encodes its reading packet into `out` and returns
    /// its length; on failure counts it and returns `Ok(None)`.
    ///
    /// The packet is the seed's, `{"type": "temperature", "name": .., "sensor": <ROM id, 16
    /// hex digits>, "temperature": <raw + offset>, "offset": ..}`, then `device` and `seq`
    /// when configured. `name` and `offset` come from the probe's [`ProbeSetting`]; an
    /// unconfigured probe gets its [`default_name`] and offset 0. The sum is computed in
    /// `f32`, as the seed did, and both numbers are written as the shortest text of their
    /// `f32` value (see [`value_from_f32`]).
    ///
    /// A successful read counts as one even when encoding fails (a buffer too small, a name
    /// over the length limit); `seq` only advances for a packet encoded. A driver that finds
    /// probes by searching the bus should report each configured probe it did not find as
    /// [`ReadError::Missing`].
    pub fn reading(
        &mut self,
        rom: &RomId,
        read: Result<f32, ReadError>,
        out: &mut [u8],
    ) -> Result<Option<usize>, EncodeError> {
        let raw = match read {
            Ok(raw) => raw,
            Err(e) => {
                self.sender.stats.count(e);
                if let Some(slot) = self.listed.get_mut(self.failed as usize) {
                    *slot = (*rom, e);
                }
                self.failed = self.failed.saturating_add(1);
                return Ok(None);
            }
        };
        self.sender.stats.reads_ok += 1;
        self.ok = self.ok.saturating_add(1);
        let mut default = [0; DEFAULT_NAME_LEN];
        let (name, offset) = match self.sender.setting(rom) {
            Some(p) => (p.name, p.offset),
            None => (default_name(rom, &mut default), 0.0),
        };
        let mut hex = [0; 16];
        let reading = Reading {
            sensor: Some(Text::Plain(rom.hex(&mut hex))),
            offset: Some(value_from_f32(offset)),
            ..Reading::new(
                "temperature",
                Text::Plain(name),
                value_from_f32(raw + offset),
            )
        };
        self.sender.encode(Body::Reading(reading), out).map(Some)
    }

    /// End the poll: LED off. If any read failed in this poll, encodes a status packet
    /// (`{"type": "status", "name": <device>, "status": "<n> ok, <m> failed: <rom>:<reason>,
    /// ..."}`, then `device` and `seq` when configured) into `out` and returns its length.
    ///
    /// `name` is [`SenderConfig::device`], or [`DEFAULT_STATUS_NAME`] without one. The text
    /// names the first [`STATUS_LISTED`] failures by ROM id (16 hex digits) and
    /// [`ReadError::as_str`], in the order they were reported, and ends in `, +<k> more`
    /// when there were more; it always fits [`MAX_STATUS_LEN`].
    pub fn finish(self, out: &mut [u8]) -> Result<Option<usize>, EncodeError> {
        if self.failed == 0 {
            return Ok(None);
        }
        let mut text = StatusText::default();
        // Cannot fail: the longest text fits (checked at compile time above).
        let _ = self.write_status(&mut text);
        self.sender.encode_status_text(&text, out).map(Some)
    }

    fn write_status(&self, w: &mut StatusText) -> fmt::Result {
        write!(w, "{} ok, {} failed: ", self.ok, self.failed)?;
        let listed = &self.listed[..(self.failed as usize).min(STATUS_LISTED)];
        for (i, (rom, e)) in listed.iter().enumerate() {
            if i > 0 {
                w.write_str(", ")?;
            }
            write!(w, "{rom}:{}", e.as_str())?;
        }
        let more = self.failed as usize - listed.len();
        if more > 0 {
            write!(w, ", +{more} more")?;
        }
        Ok(())
    }
}

impl<L: Led> Drop for Poll<'_, '_, L> {
    /// The LED goes off however the poll ends.
    fn drop(&mut self) {
        self.led.set(false);
    }
}

/// A status text being written: at most [`MAX_STATUS_LEN`] bytes of ASCII.
struct StatusText {
    buf: [u8; MAX_STATUS_LEN],
    len: usize,
}

impl Default for StatusText {
    fn default() -> Self {
        StatusText {
            buf: [0; MAX_STATUS_LEN],
            len: 0,
        }
    }
}

impl StatusText {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are appended.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for StatusText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
