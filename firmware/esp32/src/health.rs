//! When the hardware watchdog may be fed.
//!
//! `main`'s loop feeds the watchdog (a timer-group MWDT) every [`FEED_PERIOD`] while
//! [`Health::is_healthy`]. So the chip resets when the executor stops running `main`'s loop
//! (a task that never yields, a deadlock in an interrupt) and when the network has been
//! down for [`NETWORK_DOWN_LIMIT`] (Wi-Fi or DHCP stuck in a way reconnecting does not fix;
//! the seed exporter reset after 60 s without Wi-Fi at boot and never after).

use embassy_time::Duration;
use promcast_core::time::Instant;

/// How long the watchdog waits for a feed before it resets the chip.
pub const WATCHDOG_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `main` checks health and feeds.
pub const FEED_PERIOD: Duration = Duration::from_secs(1);
/// How long the network may be down (no IPv4 configuration) before the watchdog is starved.
pub const NETWORK_DOWN_LIMIT: core::time::Duration = core::time::Duration::from_secs(15 * 60);

/// The watchdog's view of the device.
#[derive(Clone, Copy, Debug)]
pub struct Health {
    /// The last time the network was seen up (boot counts as up: the limit runs from boot).
    last_up: Instant,
}

impl Health {
    /// Started at `boot`.
    pub const fn new(boot: Instant) -> Self {
        Health { last_up: boot }
    }

    /// Note the network's state at `now`.
    pub fn observe(&mut self, now: Instant, network_up: bool) {
        if network_up {
            self.last_up = now;
        }
    }

    /// Whether the watchdog may be fed at `now`.
    pub fn is_healthy(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_up) < NETWORK_DOWN_LIMIT
    }
}
