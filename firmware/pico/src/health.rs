//! Reset causes and the hardware watchdog.
//!
//! The watchdog task feeds the watchdog once a second while core's
//! [`FeedPolicy`] allows it: the poll loop has started a poll within its interval (plus a
//! grace period), the network has not been down for [`NETWORK_DOWN_LIMIT`] despite the
//! radio task's rejoining, and the 1-Wire bus has not timed out (which leaves its PIO program
//! out of step; a fault to the policy). When one of these fails, it writes the cause to a
//! watchdog scratch register and stops feeding, and the chip resets within
//! [`WATCHDOG_TIMEOUT`]. A panic or a hung executor stops the feeding too. The next boot
//! reports the cause in its status packet.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use embassy_net::Stack;
use embassy_rp::watchdog::{ResetReason, Watchdog};
use embassy_time::{Duration, Timer};
use promcast_core::time::Instant;
use promcast_core::watchdog::{FeedLimits, FeedPolicy, Starve};

use crate::now;

/// The watchdog's timeout. The RP2040's longest is about 8.3 s.
pub const WATCHDOG_TIMEOUT: Duration = Duration::from_secs(8);
/// How often a healthy device feeds it.
const FEED_EVERY: Duration = Duration::from_secs(1);
/// How long the task sleeps at a time once it has stopped feeding.
const STARVING_SLEEP: Duration = Duration::from_secs(3600);
/// How far past its interval a poll may start before the loop counts as stuck. A poll is a
/// search, a 750 ms conversion and a few sends, each with its own time limit.
const POLL_GRACE: core::time::Duration = core::time::Duration::from_secs(60);
/// How long the network may stay down (no link or no DHCP lease) before a reset, which
/// restarts the radio from scratch, is tried.
pub const NETWORK_DOWN_LIMIT: core::time::Duration = core::time::Duration::from_secs(15 * 60);
/// The watchdog scratch register that carries the cause across the reset.
const CAUSE_SCRATCH: usize = 0;
/// Marks [`CAUSE_SCRATCH`] as written by this firmware; the low byte is the [`Stall`].
const CAUSE_MAGIC: u32 = 0x7072_6300;
/// Mask of the magic part.
const CAUSE_MAGIC_MASK: u32 = 0xffff_ff00;

/// Why the firmware let the watchdog reset the chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Stall {
    /// The poll loop stopped starting polls.
    Poll = 1,
    /// The network stayed down for [`NETWORK_DOWN_LIMIT`].
    Network = 2,
    /// A 1-Wire transfer timed out, leaving the PIO program out of step.
    Bus = 3,
}

/// Why the chip last started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum ResetCause {
    /// Power on, the RUN pin, or a debugger.
    PowerOn,
    /// The watchdog, after this firmware stopped feeding it for the given reason.
    Stall(Stall),
    /// The watchdog timer without a recorded reason: a panic, a hang, or the boot ROM's
    /// reboot after a UF2 was copied.
    Watchdog,
    /// A forced watchdog reset (a reboot requested by software).
    Forced,
}

impl Stall {
    /// The cause of core's verdict: a fault is the only one a driver reports, the bus's.
    fn of(starve: Starve) -> Self {
        match starve {
            Starve::Fault => Stall::Bus,
            Starve::Stalled => Stall::Poll,
            Starve::NetworkDown => Stall::Network,
        }
    }
}

impl ResetCause {
    /// Short text for the boot status packet.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetCause::PowerOn => "power-on",
            ResetCause::Stall(Stall::Poll) => "watchdog (poll loop stalled)",
            ResetCause::Stall(Stall::Network) => "watchdog (network down too long)",
            ResetCause::Stall(Stall::Bus) => "watchdog (1-Wire bus stuck)",
            ResetCause::Watchdog => "watchdog",
            ResetCause::Forced => "forced",
        }
    }
}

/// Read and clear the cause of the last reset. Call before starting the watchdog.
pub fn take_reset_cause(watchdog: &mut Watchdog) -> ResetCause {
    let scratch = watchdog.get_scratch(CAUSE_SCRATCH);
    watchdog.set_scratch(CAUSE_SCRATCH, 0);
    let recorded = (scratch & CAUSE_MAGIC_MASK == CAUSE_MAGIC)
        .then_some(scratch & !CAUSE_MAGIC_MASK)
        .and_then(|code| match code {
            1 => Some(Stall::Poll),
            2 => Some(Stall::Network),
            3 => Some(Stall::Bus),
            _ => None,
        });
    match (watchdog.reset_reason(), recorded) {
        (None, _) => ResetCause::PowerOn,
        (Some(ResetReason::TimedOut), Some(stall)) => ResetCause::Stall(stall),
        (Some(ResetReason::TimedOut), None) => ResetCause::Watchdog,
        (Some(ResetReason::Forced), _) => ResetCause::Forced,
    }
}

/// What the poll loop reports to the watchdog task.
pub struct Health {
    /// Seconds since boot at which the last poll started.
    last_poll_secs: AtomicU32,
    /// The 1-Wire bus is out of step.
    bus_wedged: AtomicBool,
}

impl Health {
    /// No poll yet: boot counts as the last one.
    pub const fn new() -> Self {
        Health {
            last_poll_secs: AtomicU32::new(0),
            bus_wedged: AtomicBool::new(false),
        }
    }

    /// A poll started now.
    pub fn poll_started(&self) {
        let secs = u32::try_from(now().as_millis() / 1000).unwrap_or(u32::MAX);
        self.last_poll_secs.store(secs, Ordering::Relaxed);
    }

    /// The 1-Wire bus needs a reset.
    pub fn bus_wedged(&self) {
        self.bus_wedged.store(true, Ordering::Relaxed);
    }

    /// When the last poll started (to the second, rounded down).
    fn last_poll(&self) -> Instant {
        Instant::from_millis(u64::from(self.last_poll_secs.load(Ordering::Relaxed)) * 1000)
    }

    fn is_bus_wedged(&self) -> bool {
        self.bus_wedged.load(Ordering::Relaxed)
    }
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

/// The watchdog task. `watchdog` must already be started (main starts it before bringing up
/// the radio, so a radio that never answers resets the chip too).
pub async fn watch(
    mut watchdog: Watchdog,
    stack: Stack<'static>,
    health: &'static Health,
    poll_interval: core::time::Duration,
) -> ! {
    let limits = FeedLimits {
        network_down: NETWORK_DOWN_LIMIT,
        progress: Some(poll_interval.saturating_add(POLL_GRACE)),
    };
    let mut policy = FeedPolicy::new(limits, now());
    loop {
        let at = now();
        policy.network(at, stack.is_link_up() && stack.is_config_up());
        policy.progress(health.last_poll());
        if health.is_bus_wedged() {
            policy.fault();
        }
        match policy.verdict(at).map(Stall::of) {
            None => watchdog.feed(WATCHDOG_TIMEOUT),
            Some(stall) => {
                defmt::error!("{}: no longer feeding the watchdog, the chip resets", stall);
                watchdog.set_scratch(CAUSE_SCRATCH, CAUSE_MAGIC | stall as u32);
                loop {
                    Timer::after(STARVING_SLEEP).await;
                }
            }
        }
        Timer::after(FEED_EVERY).await;
    }
}
