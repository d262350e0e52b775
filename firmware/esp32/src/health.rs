//! The hardware watchdog's timing, and the limits of core's feed policy.
//!
//! `main`'s loop feeds the watchdog (a timer-group MWDT) every [`FEED_PERIOD`] while
//! [`promcast_core::watchdog::FeedPolicy`] allows it. So the chip resets when the executor
//! stops running `main`'s loop (a task that never yields, a deadlock in an interrupt) and
//! when the network has been down for [`NETWORK_DOWN_LIMIT`] (Wi-Fi or DHCP stuck in a way
//! reconnecting does not fix; the seed exporter reset after 60 s without Wi-Fi at boot and
//! never after). The loop itself is the only progress there is to check, so the policy has
//! no progress limit.

use embassy_time::Duration;
use promcast_core::watchdog::FeedLimits;

/// How long the watchdog waits for a feed before it resets the chip.
pub const WATCHDOG_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `main` checks health and feeds.
pub const FEED_PERIOD: Duration = Duration::from_secs(1);
/// How long the network may be down (no IPv4 configuration) before the watchdog is starved.
pub const NETWORK_DOWN_LIMIT: core::time::Duration = core::time::Duration::from_secs(15 * 60);

/// The feed policy's limits: the network only.
pub const FEED_LIMITS: FeedLimits = FeedLimits {
    network_down: NETWORK_DOWN_LIMIT,
    progress: None,
};
