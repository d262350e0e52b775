//! Contact inputs: one task per input feeds its level changes, stamped with the monotonic
//! clock, to a [`PinTracker`] (debounce, active-low, durations and counters are core's).
//!
//! A task waits for the level opposite to the one it last saw (`wait_for_low` after high,
//! `wait_for_high` after low) rather than for an edge. The two see the same changes, but a
//! level wait cannot miss one: esp-hal drops an edge that comes while no wait is armed
//! (between two waits, or while the debounce timer is being handled), and a pin that
//! bounced back before the task ran would then be read at a level the tracker already has.
//! A level wait returns at once when the pin is already at the awaited level, so the
//! tracker always ends at the pin's real level.

use core::cell::{Cell, RefCell};

use embassy_futures::select::{Either, select};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::Timer;
use esp_hal::gpio::{AnyPin, Input, InputConfig};
use promcast_core::pin::{PinSnapshot, PinState, PinTracker};
use promcast_core::time::Instant;

use crate::config::{PIN_COUNT, PINS, PinSetting};
use crate::{now, to_embassy};

/// The trackers of all inputs, and which inputs changed since the push task last looked.
pub struct Contacts {
    trackers: Mutex<CriticalSectionRawMutex, RefCell<[PinTracker; PIN_COUNT]>>,
    /// Bit `i` set: input `i`'s debounced state changed and no edge packet went out yet.
    changed: Mutex<CriticalSectionRawMutex, Cell<u32>>,
    /// Signalled when a bit is set in `changed`.
    wake: Signal<CriticalSectionRawMutex, ()>,
}

// `changed` has one bit per input; build.rs refuses more inputs than that.
const _: () = assert!(PIN_COUNT <= 32, "at most 32 contact inputs");

impl Contacts {
    /// Trackers for inputs whose electrical levels read at `now` are `levels`.
    pub fn new(levels: [bool; PIN_COUNT], now: Instant) -> Self {
        let trackers =
            core::array::from_fn(|i| PinTracker::new(PINS[i].tracker_config(), levels[i], now));
        Contacts {
            trackers: Mutex::new(RefCell::new(trackers)),
            changed: Mutex::new(Cell::new(0)),
            wake: Signal::new(),
        }
    }

    /// Apply `f` to input `index`'s tracker; notes a change of its debounced state.
    fn update(&self, index: usize, f: impl FnOnce(&mut PinTracker)) {
        let changed = self.trackers.lock(|t| {
            let mut trackers = t.borrow_mut();
            let Some(tracker) = trackers.get_mut(index) else {
                return false;
            };
            let was_on = tracker.is_on();
            f(tracker);
            tracker.is_on() != was_on
        });
        if changed {
            self.changed.lock(|c| c.set(c.get() | (1 << index)));
            self.wake.signal(());
        }
    }

    /// Input `index`'s electrical level became `level` at `at`.
    pub fn edge(&self, index: usize, level: bool, at: Instant) {
        self.update(index, |t| t.edge(level, at));
    }

    /// Let time pass for input `index` (settles a debounced change whose window ended).
    pub fn poll(&self, index: usize, now: Instant) {
        self.update(index, |t| t.poll(now));
    }

    /// When input `index` next needs a [`Contacts::poll`].
    pub fn deadline(&self, index: usize) -> Option<Instant> {
        self.trackers
            .lock(|t| t.borrow().get(index).and_then(PinTracker::deadline))
    }

    /// Every input's state at `now`, in configuration order.
    pub fn states(&self, now: Instant) -> [PinState; PIN_COUNT] {
        self.trackers.lock(|t| {
            let trackers = t.borrow();
            core::array::from_fn(|i| trackers[i].state(now))
        })
    }

    /// Input `index`'s snapshot at `now`, for a contact packet.
    pub fn snapshot(&self, index: usize, now: Instant) -> Option<PinSnapshot> {
        self.trackers
            .lock(|t| t.borrow().get(index).map(|t| t.snapshot(now)))
    }

    /// Take the set of inputs whose state changed since the last call (bit `i` = input `i`).
    pub fn take_changed(&self) -> u32 {
        self.changed.lock(|c| c.replace(0))
    }

    /// Wait until some input's state changes (returns at once if one changed since the
    /// last wait).
    pub async fn wait_changed(&self) {
        self.wake.wait().await;
    }
}

/// Configure `pin` as the contact input `setting` describes.
pub fn input(pin: AnyPin<'static>, setting: &PinSetting) -> Input<'static> {
    Input::new(pin, InputConfig::default().with_pull(setting.pull))
}

/// Watch input `index` forever: every change of level goes to its tracker, stamped with the
/// monotonic clock when the task sees it; a pending debounced change is settled when its
/// window ends, so the push task hears of it without waiting for a scrape.
pub async fn run(mut input: Input<'static>, index: usize, contacts: &'static Contacts) -> ! {
    // The tracker started from the level read at boot; a change since then is fed here.
    let mut level = input.is_high();
    contacts.edge(index, level, now());
    loop {
        let change = async {
            if level {
                input.wait_for_low().await;
            } else {
                input.wait_for_high().await;
            }
        };
        let settle = async {
            match contacts.deadline(index) {
                Some(at) => Timer::at(to_embassy(at)).await,
                None => core::future::pending().await,
            }
        };
        match select(change, settle).await {
            Either::First(()) => {
                let at = now();
                level = !level;
                contacts.edge(index, level, at);
            }
            Either::Second(()) => contacts.poll(index, now()),
        }
    }
}
