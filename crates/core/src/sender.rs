//! The temperature sender's logic (the Pico's job), sans-IO: a poll schedule, one conversion
//! per poll for all probes, per-probe names and offsets by ROM id, unique default names for
//! unconfigured probes, seed-shaped packets with optional `device` and `seq`, failed reads
//! counted and reported in a status packet, and a status LED lit during a poll.

use core::time::Duration;

use crate::packet::EncodeError;
use crate::probe::{ReadError, RomId};
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
    /// Send `seq` in every packet.
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

/// A status LED (or any other "poll in progress" indicator).
pub trait Led {
    /// Switch it.
    fn set(&mut self, on: bool);
}

/// No LED.
impl Led for () {
    fn set(&mut self, _on: bool) {}
}

/// The unique default name of an unconfigured probe: `Probe` + the 12 hex digits of its serial.
pub fn default_name<'b>(rom: &RomId, buf: &'b mut [u8; DEFAULT_NAME_LEN]) -> &'b str {
    let _ = (rom, buf);
    todo!()
}

/// The sender.
#[derive(Debug)]
pub struct Sender<'a> {
    _cfg: SenderConfig<'a>,
}

impl<'a> Sender<'a> {
    /// A sender whose first poll is due at `now`.
    pub fn new(cfg: SenderConfig<'a>, now: Instant) -> Self {
        let _ = (cfg, now);
        todo!()
    }
    /// When the next poll is due.
    pub fn next_poll(&self) -> Instant {
        todo!()
    }
    /// Counters so far.
    pub fn stats(&self) -> SenderStats {
        todo!()
    }
    /// Start a poll at `now`: lights `led`, schedules the next poll. The caller then starts
    /// ONE conversion on the bus for all probes (Skip ROM + Convert T), waits
    /// [`crate::probe::CONVERSION_TIME_MS`], and reports each probe's read to the [`Poll`].
    pub fn begin_poll<'s, L: Led>(&'s mut self, now: Instant, led: &'s mut L) -> Poll<'s, 'a, L> {
        let _ = (now, led);
        todo!()
    }
}

/// One poll in progress. Dropping it (or [`Poll::finish`]) switches the LED off.
pub struct Poll<'s, 'a, L: Led> {
    _s: &'s mut Sender<'a>,
    _led: &'s mut L,
}

impl<L: Led> Poll<'_, '_, L> {
    /// Report one probe's read. On success, encodes its reading packet into `out` and returns
    /// its length; on failure counts it and returns `Ok(None)`.
    pub fn reading(&mut self, rom: &RomId, read: Result<f32, ReadError>, out: &mut [u8]) -> Result<Option<usize>, EncodeError> {
        let _ = (rom, read, out);
        todo!()
    }
    /// End the poll: LED off. If any read failed in this poll, encodes a status packet
    /// (`{"type": "status", "name": <device>, "status": "<n> ok, <m> failed: <rom> <reason>, ..."}`)
    /// into `out` and returns its length.
    pub fn finish(self, out: &mut [u8]) -> Result<Option<usize>, EncodeError> {
        let _ = out;
        todo!()
    }
}
