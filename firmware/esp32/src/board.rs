//! State the tasks share, and facts about the chip read once at boot.

use core::fmt::Write as _;

use heapless::String;
use promcast_core::time::Instant;

use crate::clock::SharedClock;
use crate::config;
use crate::contacts::Contacts;
use crate::wifi::Link;

/// Longest reset reason name kept (esp-hal's `SocResetReason` variant names are shorter).
const RESET_REASON_LEN: usize = 32;
/// Bytes of a MAC address, as eFuse holds it.
const MAC_LEN: usize = 6;
/// Length of a MAC address in colon form (`7c:9e:bd:61:ab:e4`).
const MAC_TEXT_LEN: usize = 3 * MAC_LEN - 1;
/// Length of the unique id: the MAC address as hex digits without separators.
const UNIQUE_ID_LEN: usize = 2 * MAC_LEN;

/// Everything the tasks share; lives in a `StaticCell` made by `main`.
pub struct Shared {
    /// The contact inputs.
    pub contacts: Contacts,
    /// The wall clock (SNTP).
    pub clock: SharedClock,
    /// Wi-Fi link facts.
    pub link: Link,
    /// Facts read at boot.
    pub facts: BootFacts,
}

impl Shared {
    /// Shared state for inputs whose levels, read at `now`, are `levels` (true = high).
    pub fn new(levels: [bool; config::PIN_COUNT], now: Instant, facts: BootFacts) -> Self {
        Shared {
            contacts: Contacts::new(levels, now),
            clock: SharedClock::new(),
            link: Link::new(),
            facts,
        }
    }
}

/// Facts about this chip and this boot.
#[derive(Clone, Debug)]
pub struct BootFacts {
    /// Base MAC address from eFuse, colon form (`7c:9e:bd:61:ab:e4`); the station's MAC.
    pub mac: String<MAC_TEXT_LEN>,
    /// The chip's unique id as the fleet file keys it: the base MAC, 12 lower-case hex
    /// digits (what MicroPython's `machine.unique_id()` gives on these chips).
    pub unique_id: String<UNIQUE_ID_LEN>,
    /// Why the chip last reset (esp-hal's `SocResetReason` name), or `unknown`.
    pub reset_reason: String<RESET_REASON_LEN>,
}

impl BootFacts {
    /// Read the eFuse MAC and the reset reason.
    pub fn read() -> Self {
        let mac = esp_hal::efuse::base_mac_address();
        let bytes = mac.as_bytes();
        let mut colon = String::new();
        let mut plain = String::new();
        for (i, b) in bytes.iter().enumerate() {
            // Cannot fail: MAC_LEN bytes fit both strings exactly.
            let sep = if i == 0 { "" } else { ":" };
            let _ = write!(colon, "{sep}{b:02x}");
            let _ = write!(plain, "{b:02x}");
        }
        let mut reset_reason = String::new();
        match esp_hal::system::reset_reason() {
            // A variant name longer than the buffer is cut short rather than lost.
            Some(reason) => {
                let _ = write!(Truncating(&mut reset_reason), "{reason:?}");
            }
            None => {
                let _ = reset_reason.push_str("unknown");
            }
        }
        BootFacts {
            mac: colon,
            unique_id: plain,
            reset_reason,
        }
    }

    /// Whether this chip is the fleet entry the firmware was built for.
    pub fn is_configured_device(&self) -> bool {
        self.unique_id.as_str() == config::UNIQUE_ID
    }
}

/// Writes what fits into a `heapless::String` and drops the rest.
struct Truncating<'a, const N: usize>(&'a mut String<N>);

impl<const N: usize> core::fmt::Write for Truncating<'_, N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}
