//! [`Backoff`]: the waits between retries of something that keeps failing (joining a Wi-Fi
//! network, an SNTP exchange), growing from `initial` by `factor` up to `max`, and back to
//! `initial` after a success.
//!
//! ```text
//! loop {
//!     match try_it() {
//!         Ok(_) => backoff.reset(),
//!         Err(_) => sleep(backoff.next_delay()),    // initial, initial·factor, ... max, max
//!     }
//! }
//! ```

use core::time::Duration;

use crate::time::Instant;

/// Exponential backoff: the waits `initial`, `initial·factor`, `initial·factor²`, ... never
/// above `max`; [`Backoff::reset`] after a success starts again at `initial`.
///
/// An `initial` above `max` is taken as `max`; a `factor` of 0 or 1 keeps every wait at
/// `initial`. Growth saturates rather than overflows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    factor: u32,
    next: Duration,
}

impl Backoff {
    /// Waits from `initial`, multiplied by `factor` after each, up to `max`.
    pub const fn new(initial: Duration, max: Duration, factor: u32) -> Self {
        // `Ord::min` is not const.
        let initial = if initial.as_nanos() > max.as_nanos() {
            max
        } else {
            initial
        };
        Backoff {
            initial,
            max,
            factor,
            next: initial,
        }
    }

    /// Waits from `initial`, doubled after each, up to `max`.
    pub const fn doubling(initial: Duration, max: Duration) -> Self {
        Backoff::new(initial, max, 2)
    }

    /// The first wait.
    pub const fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest wait.
    pub const fn max(&self) -> Duration {
        self.max
    }

    /// The wait [`Backoff::next_delay`] returns next, without taking it.
    pub const fn peek(&self) -> Duration {
        self.next
    }

    /// An attempt failed: the wait before the next one. The wait after that is `factor`
    /// times longer, up to `max`.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = delay.saturating_mul(self.factor.max(1)).min(self.max);
        delay
    }

    /// An attempt failed at `now`: when to try again ([`Backoff::next_delay`] after `now`).
    pub fn retry_at(&mut self, now: Instant) -> Instant {
        now + self.next_delay()
    }

    /// An attempt succeeded: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn waits(b: &mut Backoff, n: usize) -> std::vec::Vec<Duration> {
        (0..n).map(|_| b.next_delay()).collect()
    }

    #[test]
    fn doubles_up_to_the_limit_and_stays_there() {
        let mut b = Backoff::doubling(s(1), s(60));
        assert_eq!(
            waits(&mut b, 9),
            [1, 2, 4, 8, 16, 32, 60, 60, 60].map(s).to_vec()
        );
        assert_eq!(b.peek(), s(60));
    }

    #[test]
    fn reset_starts_again_at_initial() {
        let mut b = Backoff::doubling(s(2), s(120));
        assert_eq!(waits(&mut b, 3), [2, 4, 8].map(s).to_vec());
        b.reset();
        assert_eq!(b.peek(), s(2));
        assert_eq!(waits(&mut b, 2), [2, 4].map(s).to_vec());
        // Resetting an unused backoff changes nothing.
        let fresh = Backoff::doubling(s(2), s(120));
        let mut reset = fresh;
        reset.reset();
        assert_eq!(reset, fresh);
    }

    #[test]
    fn other_factors() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(5_000), 3);
        assert_eq!(
            waits(&mut b, 6),
            [100, 300, 900, 2_700, 5_000, 5_000].map(Duration::from_millis)
        );
        for factor in [0, 1] {
            let mut b = Backoff::new(s(5), s(60), factor);
            assert_eq!(
                waits(&mut b, 3),
                [5, 5, 5].map(s).to_vec(),
                "factor {factor}"
            );
        }
    }

    #[test]
    fn a_limit_that_is_not_a_multiple_of_initial_is_reached_exactly() {
        let mut b = Backoff::doubling(s(2), s(300));
        assert_eq!(
            waits(&mut b, 10),
            [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map(s).to_vec()
        );
    }

    #[test]
    fn initial_above_max_is_max() {
        let mut b = Backoff::doubling(s(90), s(60));
        assert_eq!(b.initial(), s(60));
        assert_eq!(b.max(), s(60));
        assert_eq!(waits(&mut b, 2), [60, 60].map(s).to_vec());
    }

    #[test]
    fn growth_saturates() {
        let mut b = Backoff::new(Duration::MAX / 2, Duration::MAX, u32::MAX);
        assert_eq!(b.next_delay(), Duration::MAX / 2);
        assert_eq!(b.next_delay(), Duration::MAX);
        assert_eq!(b.next_delay(), Duration::MAX);
    }

    #[test]
    fn retry_at_adds_the_wait_to_now() {
        let mut b = Backoff::doubling(s(1), s(60));
        let now = Instant::from_millis(10_500);
        assert_eq!(b.retry_at(now), Instant::from_millis(11_500));
        assert_eq!(b.retry_at(now), Instant::from_millis(12_500));
        assert_eq!(b.peek(), s(4));
    }
}
