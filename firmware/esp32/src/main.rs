//! Wiring only: peripherals, heap, scheduler, network stack, tasks, and the watchdog loop.
//! The board logic is in the library (`promcast_esp32`).
#![no_std]
#![no_main]
#![deny(
    clippy::mem_forget,
    reason = "mem::forget is generally not safe to do with esp_hal types, especially those \
              holding buffers for the duration of a data transfer."
)]

use embassy_executor::{SpawnError, SpawnToken, Spawner};
use embassy_net::{Runner, Stack, StackResources};
use embassy_time::Timer;
use esp_hal::clock::CpuClock;
use esp_hal::gpio::Input;
use esp_hal::rng::Rng;
use esp_hal::timer::timg::{MwdtStage, TimerGroup};
use esp_radio::wifi::{Interface, WifiController};
use promcast_core::watchdog::FeedPolicy;
use promcast_esp32::board::{BootFacts, Shared};
use promcast_esp32::config::{self, PIN_TASKS, PushTarget};
use promcast_esp32::contacts::Contacts;
use promcast_esp32::http::{HTTP_BUFFERS, HTTP_WORKERS, HttpBuffers};
use promcast_esp32::wifi::Link;
use promcast_esp32::{clock, contacts, health, http, now, push, wifi};
use static_cell::StaticCell;
use {esp_backtrace as _, esp_println as _};

// The application descriptor the ESP-IDF second-stage bootloader checks.
esp_bootloader_esp_idf::esp_app_desc!();

/// Heap in the RAM the bootloader used (reclaimed once it is done); esp-radio allocates from
/// the heap. 64 KiB fits the reclaimable region of every supported chip.
const RECLAIMED_HEAP_BYTES: usize = 64 * 1024;
/// Heap in ordinary RAM, on top.
const HEAP_BYTES: usize = 36 * 1024;
/// Sockets of the network stack: the HTTP workers, DHCP, DNS, SNTP and push.
const SOCKETS: usize = HTTP_WORKERS + 4;

static RESOURCES: StaticCell<StackResources<SOCKETS>> = StaticCell::new();
static SHARED: StaticCell<Shared> = StaticCell::new();

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, Interface>) -> ! {
    runner.run().await
}

#[embassy_executor::task]
async fn wifi_task(controller: WifiController<'static>, link: &'static Link) -> ! {
    wifi::run(controller, link).await
}

#[embassy_executor::task]
async fn sntp_task(stack: Stack<'static>, clock: &'static clock::SharedClock) -> ! {
    clock::run(stack, clock).await
}

#[embassy_executor::task(pool_size = PIN_TASKS)]
async fn contact_task(input: Input<'static>, index: usize, contacts: &'static Contacts) -> ! {
    contacts::run(input, index, contacts).await
}

#[embassy_executor::task(pool_size = HTTP_WORKERS)]
async fn http_task(
    stack: Stack<'static>,
    buffers: &'static mut HttpBuffers,
    shared: &'static Shared,
) -> ! {
    http::run(stack, buffers, shared).await
}

#[embassy_executor::task]
async fn push_task(stack: Stack<'static>, target: PushTarget, shared: &'static Shared) -> ! {
    push::run(stack, target, shared).await
}

/// Spawn a task; the pools are sized for every spawn here, so an error is a bug to log.
fn spawn<S>(spawner: Spawner, name: &str, token: Result<SpawnToken<S>, SpawnError>) {
    match token {
        Ok(token) => spawner.spawn(token),
        Err(e) => defmt::error!("cannot spawn {=str}: {}", name, e),
    }
}

#[esp_rtos::main]
async fn main(spawner: Spawner) -> ! {
    let peripherals = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    esp_alloc::heap_allocator!(#[esp_hal::ram(reclaimed)] size: RECLAIMED_HEAP_BYTES);
    esp_alloc::heap_allocator!(size: HEAP_BYTES);

    let timg0 = TimerGroup::new(peripherals.TIMG0);
    esp_rtos::start(timg0.timer0, peripherals.FROM_CPU_INTR0);

    let mut watchdog = TimerGroup::new(peripherals.TIMG1).wdt;
    watchdog.set_timeout(
        MwdtStage::Stage0,
        esp_hal::time::Duration::from_millis(health::WATCHDOG_TIMEOUT.as_millis()),
    );
    watchdog.enable();

    let facts = BootFacts::read();
    defmt::info!(
        "promcast {=str} ({=str}) on {=str}: device {=str} ({=str}), chip id {=str}, reset reason {=str}",
        env!("CARGO_PKG_VERSION"),
        config::REVISION,
        config::PLATFORM,
        config::NAME,
        config::UNIQUE_ID,
        facts.unique_id.as_str(),
        facts.reset_reason.as_str(),
    );
    if !facts.is_configured_device() {
        defmt::error!(
            "this image was built for device {=str} ({=str}) but this chip's id is {=str}; \
             rebuild with PROMCAST_DEVICE={=str} after adding it to the fleet file",
            config::NAME,
            config::UNIQUE_ID,
            facts.unique_id.as_str(),
            facts.unique_id.as_str(),
        );
    }

    let inputs = promcast_esp32::contact_inputs!(peripherals);
    let boot = now();
    let levels = inputs.each_ref().map(Input::is_high);
    let shared: &'static Shared = SHARED.init(Shared::new(levels, boot, facts));

    let controller = match WifiController::new(peripherals.WIFI, Default::default()) {
        Ok(controller) => controller,
        Err(e) => {
            // Nothing works without the radio: stop feeding and let the watchdog reset the
            // chip, which tries again from scratch.
            defmt::error!(
                "the Wi-Fi driver did not start: {}; the watchdog resets the chip",
                e
            );
            loop {
                Timer::after(health::FEED_PERIOD).await;
            }
        }
    };
    let seed = {
        let rng = Rng::new();
        (u64::from(rng.random()) << 32) | u64::from(rng.random())
    };
    let (stack, runner) = embassy_net::new(
        Interface::station(),
        wifi::net_config(),
        RESOURCES.init(StackResources::new()),
        seed,
    );

    spawn(spawner, "net", net_task(runner));
    spawn(spawner, "wifi", wifi_task(controller, &shared.link));
    spawn(spawner, "sntp", sntp_task(stack, &shared.clock));
    for (index, input) in inputs.into_iter().enumerate() {
        spawn(
            spawner,
            "contact",
            contact_task(input, index, &shared.contacts),
        );
    }
    for buffers in HTTP_BUFFERS.take().iter_mut() {
        spawn(spawner, "http", http_task(stack, buffers, shared));
    }
    if let Some(target) = config::PUSH {
        spawn(spawner, "push", push_task(stack, target, shared));
    }

    // Feed the watchdog while core's policy allows; starve it (and reset) when not.
    let mut policy = FeedPolicy::new(health::FEED_LIMITS, boot);
    let mut starving = false;
    loop {
        let at = now();
        policy.network(at, stack.is_config_up());
        match policy.verdict(at) {
            None => {
                watchdog.feed();
                starving = false;
            }
            Some(why) if !starving => {
                starving = true;
                defmt::error!("{}: letting the watchdog reset the chip", why);
            }
            Some(_) => {}
        }
        Timer::after(health::FEED_PERIOD).await;
    }
}
