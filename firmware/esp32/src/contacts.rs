//! Contact inputs: one task per input feeds its level changes, stamped with the monotonic
//! clock, to core's [`ContactSet`] (debounce, active-low, durations, counters and which
//! inputs changed since the last push are core's); this module shares the set between the
//! tasks and wakes the push task when an input changes.
//!
//! A task waits for the level opposite to the one it last saw (`wait_for_low` after high,
//! `wait_for_high` after low) rather than for an edge. The two see the same changes, but a
//! level wait cannot miss one: esp-hal drops an edge that comes while no wait is armed
//! (between two waits, or while the debounce timer is being handled), and a pin that
//! bounced back before the task ran would then be read at a level the tracker already has.
//! A level wait returns at once when the pin is already at the awaited level, so the
//! tracker always ends at the pin's real level.

use core::cell::RefCell;

use embassy_futures::select::{Either, select};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::Timer;
use esp_hal::gpio::{AnyPin, Input, InputConfig};
use promcast_core::contact::{Changed, ContactSet};
use promcast_core::pin::{PinSnapshot, PinState};
use promcast_core::time::Instant;

use crate::config::{PIN_COUNT, PINS, PinSetting};
use crate::{now, to_embassy};

/// The inputs' [`ContactSet`], shared by the input tasks, the push task and the HTTP workers.
pub struct Contacts {
    set: Mutex<CriticalSectionRawMutex, RefCell<ContactSet<PIN_COUNT>>>,
    /// Signalled when an input's debounced state changes.
    wake: Signal<CriticalSectionRawMutex, ()>,
}

impl Contacts {
    /// The inputs of [`PINS`], whose electrical levels read at `now` are `levels`.
    pub fn new(levels: [bool; PIN_COUNT], now: Instant) -> Self {
        let configs = core::array::from_fn(|i| PINS[i].tracker_config());
        Contacts {
            set: Mutex::new(RefCell::new(ContactSet::new(configs, levels, now))),
            wake: Signal::new(),
        }
    }

    /// Run `f` on the set.
    fn with<R>(&self, f: impl FnOnce(&mut ContactSet<PIN_COUNT>) -> R) -> R {
        self.set.lock(|set| f(&mut set.borrow_mut()))
    }

    /// Wake the push task if `changed`.
    fn wake_if(&self, changed: bool) {
        if changed {
            self.wake.signal(());
        }
    }

    /// Input `index`'s electrical level became `level` at `at`.
    pub fn edge(&self, index: usize, level: bool, at: Instant) {
        self.wake_if(self.with(|set| set.edge(index, level, at)));
    }

    /// Let time pass for input `index` (settles a debounced change whose window ended).
    pub fn poll(&self, index: usize, now: Instant) {
        self.wake_if(self.with(|set| set.poll(index, now)));
    }

    /// When input `index` next needs a [`Contacts::poll`].
    pub fn deadline(&self, index: usize) -> Option<Instant> {
        self.with(|set| set.deadline(index))
    }

    /// Every input's state at `now`, in configuration order.
    pub fn states(&self, now: Instant) -> [PinState; PIN_COUNT] {
        self.with(|set| set.states(now))
    }

    /// Input `index`'s snapshot at `now`, for a contact packet.
    pub fn snapshot(&self, index: usize, now: Instant) -> Option<PinSnapshot> {
        self.with(|set| set.snapshot(index, now))
    }

    /// Take the inputs whose state changed since the last call.
    pub fn take_changed(&self) -> Changed {
        self.with(ContactSet::take_changed)
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
