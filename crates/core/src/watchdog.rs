//! When a device may feed its hardware watchdog: [`FeedPolicy`].
//!
//! A firmware feeds its watchdog from a loop of its own, once a period, and only while the
//! device is working: its main work (a poll loop, say) keeps making progress, the network has
//! not stayed down past a limit despite reconnecting, and no driver has reported a fault that
//! only a reset clears. When one of these fails it stops feeding and the chip resets. A hung
//! executor or a panic stops the feeding loop itself, so those reset the chip too.
//!
//! ```text
//! at boot:          policy = FeedPolicy::new(limits, now)
//! every period:     policy.network(now, stack_is_up)
//!                   policy.progress(last_poll_started)       // if the device has such work
//!                   match policy.verdict(now) { None => feed(), Some(why) => stop feeding }
//! ```

use core::time::Duration;

use crate::time::Instant;

/// How long each condition may last before the watchdog is starved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeedLimits {
    /// How long the network may stay down (no link, or no address) before a reset, which
    /// restarts the radio from scratch, is tried.
    pub network_down: Duration,
    /// How long the device's work may go without [`FeedPolicy::progress`]; `None` for a
    /// device without such work (its feeding loop's own progress is all there is to check).
    pub progress: Option<Duration>,
}

/// Why the watchdog is no longer fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Starve {
    /// A driver reported a fault only a reset clears ([`FeedPolicy::fault`]).
    Fault,
    /// No progress for [`FeedLimits::progress`] or longer.
    Stalled,
    /// The network has been down for [`FeedLimits::network_down`] or longer.
    NetworkDown,
}

/// The watchdog's view of the device: last progress, since when the network is down, and
/// whether a fault was reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeedPolicy {
    limits: FeedLimits,
    last_progress: Instant,
    /// The first time the network was seen down since it was last seen up.
    down_since: Option<Instant>,
    fault: bool,
}

impl FeedPolicy {
    /// A device started at `boot`: boot counts as progress, and the network counts as down
    /// since boot (so the network limit runs from boot until it is first seen up).
    pub const fn new(limits: FeedLimits, boot: Instant) -> Self {
        FeedPolicy {
            limits,
            last_progress: boot,
            down_since: Some(boot),
            fault: false,
        }
    }

    /// The limits.
    pub const fn limits(&self) -> FeedLimits {
        self.limits
    }

    /// The device's work made progress at `at` (a poll started). An `at` earlier than the
    /// last progress noted is ignored.
    pub fn progress(&mut self, at: Instant) {
        self.last_progress = self.last_progress.max(at);
    }

    /// The network was seen up (`true`) or down at `now`.
    pub fn network(&mut self, now: Instant, up: bool) {
        if up {
            self.down_since = None;
        } else if self.down_since.is_none() {
            self.down_since = Some(now);
        }
    }

    /// A fault only a reset clears: the watchdog is starved from now on.
    pub fn fault(&mut self) {
        self.fault = true;
    }

    /// Since when the network is down, if it is.
    pub const fn down_since(&self) -> Option<Instant> {
        self.down_since
    }

    /// Why the watchdog must not be fed at `now`, if it must not; checked in the order of
    /// [`Starve`]'s variants.
    pub fn verdict(&self, now: Instant) -> Option<Starve> {
        let exceeded =
            |since: Instant, limit: Duration| now.saturating_duration_since(since) >= limit;
        if self.fault {
            Some(Starve::Fault)
        } else if self
            .limits
            .progress
            .is_some_and(|limit| exceeded(self.last_progress, limit))
        {
            Some(Starve::Stalled)
        } else if self
            .down_since
            .is_some_and(|since| exceeded(since, self.limits.network_down))
        {
            Some(Starve::NetworkDown)
        } else {
            None
        }
    }

    /// Whether the watchdog may be fed at `now`.
    pub fn may_feed(&self, now: Instant) -> bool {
        self.verdict(now).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Instant {
        Instant::from_millis(secs * 1000)
    }

    fn ms(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    const NETWORK_ONLY: FeedLimits = FeedLimits {
        network_down: Duration::from_secs(900),
        progress: None,
    };

    const POLLING: FeedLimits = FeedLimits {
        network_down: Duration::from_secs(900),
        progress: Some(Duration::from_secs(70)),
    };

    #[test]
    fn the_network_limit_runs_from_boot() {
        let p = FeedPolicy::new(NETWORK_ONLY, s(3));
        assert_eq!(p.down_since(), Some(s(3)));
        assert_eq!(p.verdict(ms(902_999)), None);
        assert_eq!(p.verdict(s(903)), Some(Starve::NetworkDown));
        assert!(!p.may_feed(s(903)));
    }

    #[test]
    fn the_network_limit_runs_from_the_first_time_seen_down() {
        let mut p = FeedPolicy::new(NETWORK_ONLY, s(0));
        p.network(s(10), true);
        assert_eq!(p.down_since(), None);
        assert_eq!(p.verdict(s(5_000)), None);
        p.network(s(100), false);
        // Seen down again later: still down since the first time.
        p.network(s(101), false);
        assert_eq!(p.down_since(), Some(s(100)));
        assert_eq!(p.verdict(ms(999_999)), None);
        assert_eq!(p.verdict(s(1_000)), Some(Starve::NetworkDown));
        // Up again: fed again, and a new outage counts from its own start.
        p.network(s(1_001), true);
        assert!(p.may_feed(s(1_001)));
        p.network(s(2_000), false);
        assert_eq!(p.verdict(ms(2_899_999)), None);
        assert_eq!(p.verdict(s(2_900)), Some(Starve::NetworkDown));
    }

    #[test]
    fn progress_must_keep_coming() {
        let mut p = FeedPolicy::new(POLLING, s(0));
        p.network(s(0), true);
        assert_eq!(p.verdict(ms(69_999)), None);
        assert_eq!(p.verdict(s(70)), Some(Starve::Stalled));
        p.progress(s(60));
        assert_eq!(p.verdict(ms(129_999)), None);
        assert_eq!(p.verdict(s(130)), Some(Starve::Stalled));
        // An older progress report does not move the last one back.
        p.progress(s(30));
        assert_eq!(p.verdict(ms(129_999)), None);
        // Without a progress limit, no progress is needed.
        let q = FeedPolicy::new(NETWORK_ONLY, s(0));
        assert_eq!(q.verdict(s(899)), None);
    }

    #[test]
    fn a_fault_starves_for_good_and_comes_first() {
        let mut p = FeedPolicy::new(POLLING, s(0));
        p.network(s(1), true);
        p.fault();
        assert_eq!(p.verdict(s(1)), Some(Starve::Fault));
        p.progress(s(2));
        p.network(s(2), true);
        assert_eq!(p.verdict(s(2)), Some(Starve::Fault));
        // Stalled comes before the network.
        let q = FeedPolicy::new(POLLING, s(0));
        assert_eq!(q.verdict(s(10_000)), Some(Starve::Stalled));
    }

    #[test]
    fn a_clock_read_before_the_last_report_is_not_a_stall() {
        let mut p = FeedPolicy::new(POLLING, s(100));
        p.network(s(100), false);
        p.progress(s(120));
        assert_eq!(p.verdict(s(50)), None);
        assert_eq!(p.limits(), POLLING);
    }
}
