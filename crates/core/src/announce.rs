//! The device side of service discovery: an [announce packet](crate::packet::Announce) at
//! start and then every `interval`, saying on which port (and path) the device serves its
//! own metrics. The gateway lists every announced device as a Prometheus scrape target
//! (`http_sd_configs`), and forgets one that stops announcing after its ttl, so the interval
//! must be well below the gateway's `series.ttl` (10 minutes by default).
//!
//! The packet carries the shared `seq` counter: the caller passes the device's one
//! [`Sequence`], which advances only when a packet was encoded.
//!
//! ```text
//! at start:                       announcer = Announcer::new(cfg, now)   // due at once
//! when announcer.is_due(now):     n = announcer.announce(now, &mut seq, &mut buf)?; send buf[..n]
//! sleep until at most:            announcer.next()
//! ```

use core::time::Duration;

use crate::packet::{Announce, Body, EncodeError, Packet, Sequence, encode};
use crate::schedule::Schedule;
use crate::text::Text;
use crate::time::Instant;

/// The path promcast devices serve their metrics on.
pub const METRICS_PATH: &str = "/metrics";

/// What a device announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AnnounceConfig<'a> {
    /// The device's name, sent as `device` (required in announce packets).
    pub device: &'a str,
    /// Its hostname, sent as `name`.
    pub hostname: &'a str,
    /// The TCP port it serves HTTP on, 1..=65535: the port actually bound.
    pub port: u16,
    /// The path of its metrics, e.g. [`METRICS_PATH`]; `None` leaves it to the scrape job.
    pub path: Option<&'a str>,
    /// Time between announcements, start to start (see [`Schedule`]).
    pub interval: Duration,
}

/// Schedules and encodes a device's announce packets.
#[derive(Clone, Debug)]
pub struct Announcer<'a> {
    cfg: AnnounceConfig<'a>,
    schedule: Schedule,
}

impl<'a> Announcer<'a> {
    /// An announcer whose first packet is due at `now`, so the gateway learns the target as
    /// soon as the device starts.
    pub fn new(cfg: AnnounceConfig<'a>, now: Instant) -> Self {
        Announcer {
            cfg,
            schedule: Schedule::new(cfg.interval, now),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AnnounceConfig<'a> {
        &self.cfg
    }

    /// When the next announcement is due.
    pub fn next(&self) -> Instant {
        self.schedule.next()
    }

    /// Whether an announcement is due at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        self.schedule.is_due(now)
    }

    /// The announce packet's body.
    pub fn body(&self) -> Announce<'a> {
        Announce {
            name: Text::Plain(self.cfg.hostname),
            port: self.cfg.port,
            path: self.cfg.path.map(Text::Plain),
        }
    }

    /// Start an announcement at `now` (normally when [`Announcer::is_due`]): schedules the
    /// next one, and encodes the packet with `seq` from `seq` into `out`; returns its length.
    /// `seq` advances only when the packet was encoded.
    ///
    /// A configuration the gateway would reject (port 0, a path without its leading `/` or
    /// longer than [`crate::packet::MAX_PATH_LEN`], names over their limits) fails with the
    /// [`EncodeError`] every time; the schedule still moves on.
    pub fn announce(
        &mut self,
        now: Instant,
        seq: &mut Sequence,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        self.schedule.start(now);
        let packet = Packet {
            device: Some(Text::Plain(self.cfg.device)),
            seq: Some(seq.peek()),
            ..Packet::new(Body::Announce(self.body()))
        };
        let n = encode(&packet, out)?;
        seq.advance();
        Ok(n)
    }
}
