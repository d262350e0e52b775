//! [`Schedule`]: something that runs every `interval`, start to start, without drift and
//! without bursts of catch-up runs.

use core::time::Duration;

use crate::time::Instant;

/// When a periodic job (a sensor poll, a round of state packets) runs next.
///
/// Runs are due every `interval` measured from the previous run's due time, so the time a
/// run takes, or a few milliseconds of wake-up latency, does not push the later ones back
/// (the seed Pico slept a fixed time after each poll, so its polls drifted by the poll's own
/// length every time). A run that starts a whole interval or more late has missed its slot:
/// the next is then due one interval after that late start, instead of several runs
/// following each other at once to catch up. A run started early (before it is due)
/// likewise counts from its actual start.
///
/// An `interval` of zero makes every call to [`Schedule::start`] due again at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Schedule {
    interval: Duration,
    next: Instant,
}

impl Schedule {
    /// A schedule whose first run is due at `first`.
    pub fn new(interval: Duration, first: Instant) -> Self {
        Schedule {
            interval,
            next: first,
        }
    }

    /// The time between runs.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the next run is due.
    pub fn next(&self) -> Instant {
        self.next
    }

    /// Whether a run is due at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// A run starts at `now`: schedule the one after it.
    ///
    /// Started on time or less than one interval late, the next run is due one interval
    /// after this one was due. Started an interval or more late, or early, it is due one
    /// interval after `now`.
    pub fn start(&mut self, now: Instant) {
        let anchored = self.next + self.interval;
        self.next = if now < self.next || anchored <= now {
            now + self.interval
        } else {
            anchored
        };
    }

    /// If a run is due at `now`, [start](Schedule::start) it and return `true`.
    pub fn poll(&mut self, now: Instant) -> bool {
        let due = self.is_due(now);
        if due {
            self.start(now);
        }
        due
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

    #[test]
    fn start_to_start_without_drift() {
        let mut sch = Schedule::new(Duration::from_secs(10), s(5));
        assert_eq!(sch.next(), s(5));
        assert!(!sch.is_due(ms(4_999)));
        assert!(sch.is_due(s(5)));
        // Started on time.
        sch.start(s(5));
        assert_eq!(sch.next(), s(15));
        // Started 300 ms late: the next is still due at 25 s, not 25.3 s.
        sch.start(ms(15_300));
        assert_eq!(sch.next(), s(25));
        // 9.999 s late: still within the slot.
        sch.start(ms(34_999));
        assert_eq!(sch.next(), s(35));
    }

    #[test]
    fn a_late_run_skips_the_missed_slots() {
        let mut sch = Schedule::new(Duration::from_secs(10), s(0));
        sch.start(s(0));
        assert_eq!(sch.next(), s(10));
        // Exactly one interval late: the slot at 20 s has passed too, so no catch-up.
        sch.start(s(20));
        assert_eq!(sch.next(), s(30));
        // 47 s late: one run now, the next an interval later.
        sch.start(s(77));
        assert_eq!(sch.next(), s(87));
        assert!(!sch.is_due(ms(86_999)));
    }

    #[test]
    fn an_early_run_counts_from_its_start() {
        let mut sch = Schedule::new(Duration::from_secs(10), s(10));
        sch.start(s(4));
        assert_eq!(sch.next(), s(14));
    }

    #[test]
    fn poll_starts_only_when_due() {
        let mut sch = Schedule::new(Duration::from_millis(500), ms(1_000));
        assert!(!sch.poll(ms(999)));
        assert_eq!(sch.next(), ms(1_000));
        assert!(sch.poll(ms(1_001)));
        assert_eq!(sch.next(), ms(1_500));
        assert!(!sch.poll(ms(1_499)));
        assert!(sch.poll(ms(1_500)));
        assert_eq!(sch.next(), ms(2_000));
        assert_eq!(sch.interval(), Duration::from_millis(500));
    }

    #[test]
    fn zero_interval_is_always_due() {
        let mut sch = Schedule::new(Duration::ZERO, ms(7));
        assert!(sch.poll(ms(7)));
        assert_eq!(sch.next(), ms(7));
        assert!(sch.poll(ms(7)));
        assert!(sch.poll(ms(9)));
        assert_eq!(sch.next(), ms(9));
    }
}
