//! The CYW43439 radio: its blobs, joining the Wi-Fi network and rejoining after a drop, and
//! the on-board LED, which hangs off the radio's GPIO 0.

use cyw43::{A4, Aligned, Control, JoinAuth, JoinOptions, PowerManagementMode};
use embassy_futures::select::{Either, select};
use embassy_net::Stack;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, with_timeout};
use promcast_core::backoff::Backoff;
use promcast_core::sender::Led;

use crate::{config, to_embassy_duration};

/// The radio's firmware, from the `cyw43-firmware` crate (Infineon's binary, see the README's
/// "Licences"); the driver wants it 4-byte aligned.
pub static FIRMWARE: &Aligned<A4, [u8]> = &Aligned(*cyw43_firmware::CYW43_43439A0);
/// The radio's country and regulatory data (CLM), from the same crate.
pub static CLM: &[u8] = cyw43_firmware::CYW43_43439A0_CLM;
/// The Pico W / Pico 2 W board NVRAM, built from `nvram/pico-w.txt` by `build.rs`.
pub static NVRAM: &Aligned<A4, [u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/nvram.bin")));

/// The radio GPIO the on-board LED is on.
const LED_GPIO: u8 = 0;
/// First wait after a failed join; doubled after each further failure. Also the pause
/// before joining again after the link drops.
const JOIN_RETRY_MIN: core::time::Duration = core::time::Duration::from_secs(2);
/// Longest wait between join attempts.
const JOIN_RETRY_MAX: core::time::Duration = core::time::Duration::from_secs(120);
/// How long the link may take to come up after a successful join.
const LINK_UP_TIMEOUT: Duration = Duration::from_secs(10);

/// The LED's wanted state, set by the poll loop and applied by the radio task.
pub type LedSignal = Signal<CriticalSectionRawMutex, bool>;

/// The poll loop's [`Led`]: records the wanted state for the radio task, which owns the
/// radio and switches the LED between its other work.
pub struct SignalLed(pub &'static LedSignal);

impl Led for SignalLed {
    fn set(&mut self, on: bool) {
        self.0.signal(on);
    }
}

/// Load the CLM and choose the power-saving mode, after `cyw43::new` loaded the firmware.
pub async fn init(control: &mut Control<'_>) {
    control.init(CLM).await;
    control
        .set_power_management(PowerManagementMode::PowerSave)
        .await;
}

/// How to join: WPA2/WPA3 with a passphrase, WPA2 with a 64-hex-digit key, or open.
fn join_options() -> JoinOptions<'static> {
    match config::WIFI_PSK {
        None => JoinOptions::new_open(),
        Some(key) if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) => {
            // The pre-computed PSK (PMK) as hex; WPA3's SAE needs the passphrase itself.
            let mut options = JoinOptions::new(key.as_bytes());
            options.auth = JoinAuth::Wpa2;
            options.passphrase_is_prehashed = true;
            options
        }
        Some(passphrase) => JoinOptions::new(passphrase.as_bytes()),
    }
}

/// Apply LED changes for `duration` (while waiting to retry a join).
async fn serve_led_for(control: &mut Control<'_>, led: &LedSignal, duration: core::time::Duration) {
    let serve = async {
        loop {
            let on = led.wait().await;
            control.gpio_set(LED_GPIO, on).await;
        }
    };
    // Ends by the time limit; the loop itself never does.
    let _ = with_timeout(to_embassy_duration(duration), serve).await;
}

/// The radio task: join the configured network, keep the LED in the wanted state, and when
/// the link drops, leave and join again, with backoff while joining fails. DHCP runs in the
/// network stack, which restarts it whenever the link comes back.
pub async fn supervise(
    mut control: Control<'static>,
    stack: Stack<'static>,
    led: &'static LedSignal,
) -> ! {
    let mut backoff = Backoff::doubling(JOIN_RETRY_MIN, JOIN_RETRY_MAX);
    loop {
        defmt::info!("joining Wi-Fi network {=str}", config::WIFI_SSID);
        if let Err(e) = control.join(config::WIFI_SSID, join_options()).await {
            let wait = backoff.next_delay();
            defmt::warn!("Wi-Fi join failed: {}; next try in {} s", e, wait.as_secs());
            serve_led_for(&mut control, led, wait).await;
            continue;
        }
        if with_timeout(LINK_UP_TIMEOUT, stack.wait_link_up())
            .await
            .is_err()
        {
            let wait = backoff.next_delay();
            defmt::warn!(
                "Wi-Fi joined but the link stayed down; next try in {} s",
                wait.as_secs()
            );
            control.leave().await;
            serve_led_for(&mut control, led, wait).await;
            continue;
        }
        defmt::info!("Wi-Fi link up");
        backoff.reset();
        loop {
            match select(stack.wait_link_down(), led.wait()).await {
                Either::First(()) => break,
                Either::Second(on) => control.gpio_set(LED_GPIO, on).await,
            }
        }
        defmt::warn!("Wi-Fi link lost; joining again");
        control.leave().await;
        // A short pause so a flapping access point is not hammered.
        serve_led_for(&mut control, led, JOIN_RETRY_MIN).await;
    }
}
