//! The Wi-Fi station: connect, stay connected, reconnect after a drop with exponential
//! backoff ([`promcast_core::backoff::Backoff`]), and keep the link's RSSI for the metrics.
//! DHCP (with the configured hostname) and everything above it is embassy-net's.

use core::cell::Cell;

use embassy_futures::select::{Either, select};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_time::{Duration, Timer};
use esp_radio::wifi::sta::StationConfig;
use esp_radio::wifi::{AuthenticationMethodConfig, Config, Password, Ssid, WifiController};
use promcast_core::backoff::Backoff;

use crate::{config, to_embassy_duration};

/// First wait after a failed connection attempt; doubled after each further failure.
const BACKOFF_MIN: core::time::Duration = core::time::Duration::from_secs(1);
/// Longest wait between connection attempts.
const BACKOFF_MAX: core::time::Duration = core::time::Duration::from_secs(60);
/// How long the task sleeps at a time when it has nothing to do for good.
const IDLE_SLEEP: Duration = Duration::from_secs(3600);
/// How often the RSSI is read while connected.
const RSSI_PERIOD: Duration = Duration::from_secs(10);

/// What the metrics and the watchdog need to know about the link.
pub struct Link {
    /// RSSI of the access point in dBm while associated.
    rssi: Mutex<CriticalSectionRawMutex, Cell<Option<i32>>>,
}

impl Default for Link {
    fn default() -> Self {
        Link::new()
    }
}

impl Link {
    /// Not associated.
    pub const fn new() -> Self {
        Link {
            rssi: Mutex::new(Cell::new(None)),
        }
    }

    /// RSSI in dBm while associated with an access point.
    pub fn rssi(&self) -> Option<i32> {
        self.rssi.lock(Cell::get)
    }

    fn set_rssi(&self, rssi: Option<i32>) {
        self.rssi.lock(|c| c.set(rssi));
    }
}

/// Why the station configuration could not be made.
#[derive(Clone, Copy, Debug, defmt::Format)]
pub enum StationConfigError {
    /// The SSID is longer than 32 bytes.
    Ssid,
    /// The passphrase is longer than 64 bytes.
    Password,
}

/// The station configuration from the build-time credentials: WPA2-Personal or better with a
/// passphrase (the driver's minimum, so WPA2/WPA3 networks work too), open without one.
pub fn station_config() -> Result<Config, StationConfigError> {
    let ssid = Ssid::try_from(config::WIFI_SSID).map_err(|_| StationConfigError::Ssid)?;
    let auth = if config::WIFI_PSK.is_empty() {
        AuthenticationMethodConfig::Open
    } else {
        AuthenticationMethodConfig::Wpa2Personal(
            Password::try_from(config::WIFI_PSK).map_err(|_| StationConfigError::Password)?,
        )
    };
    Ok(Config::Station(
        StationConfig::default()
            .with_ssid(ssid)
            .with_authentication(auth),
    ))
}

/// Keep the station connected, forever.
pub async fn run(mut controller: WifiController<'static>, link: &'static Link) -> ! {
    let mut backoff = Backoff::doubling(BACKOFF_MIN, BACKOFF_MAX);
    if config::WIFI_PLACEHOLDER {
        defmt::error!(
            "wifi: built with placeholder credentials (no secrets.toml or PROMCAST_WIFI_SSID); \
             this image cannot join a network"
        );
    }
    let station = match station_config() {
        Ok(station) => station,
        Err(e) => {
            // build.rs checks the lengths, so this is not expected; without a configuration
            // there is nothing to do but wait for the watchdog.
            defmt::error!("wifi: bad credentials: {}", e);
            loop {
                Timer::after(IDLE_SLEEP).await;
            }
        }
    };
    loop {
        if let Err(e) = controller.set_config(&station) {
            let delay = backoff.next_delay();
            defmt::warn!(
                "wifi: configuring the station failed: {}; retry in {}",
                e,
                delay
            );
            Timer::after(to_embassy_duration(delay)).await;
            continue;
        }
        defmt::info!("wifi: connecting to {=str}", config::WIFI_SSID);
        match controller.connect_async().await {
            Ok(info) => {
                backoff.reset();
                defmt::info!("wifi: connected, channel {=u8}", info.channel);
                link.set_rssi(controller.rssi().ok());
                loop {
                    match select(
                        controller.wait_for_disconnect_async(),
                        Timer::after(RSSI_PERIOD),
                    )
                    .await
                    {
                        Either::First(Ok(info)) => {
                            defmt::warn!("wifi: disconnected: {}", info.reason);
                            break;
                        }
                        Either::First(Err(e)) => {
                            defmt::warn!("wifi: link lost: {}", e);
                            break;
                        }
                        Either::Second(()) => link.set_rssi(controller.rssi().ok()),
                    }
                }
                link.set_rssi(None);
            }
            Err(e) => {
                let delay = backoff.next_delay();
                defmt::warn!("wifi: connecting failed: {}; retry in {}", e, delay);
                Timer::after(to_embassy_duration(delay)).await;
            }
        }
    }
}

/// The network stack's configuration: DHCPv4, sending the configured hostname.
pub fn net_config() -> embassy_net::Config {
    let mut dhcp = embassy_net::DhcpConfig::default();
    // build.rs checks the length (at most 32 bytes, embassy-net's limit).
    dhcp.hostname = heapless::String::try_from(config::HOSTNAME).ok();
    embassy_net::Config::dhcpv4(dhcp)
}
