//! This build's device, as `build.rs` read it from the fleet and secrets files: constants,
//! so a mistake in the configuration is a build error rather than a device that misbehaves.
//!
//! `build.rs` documents where the files come from (`PROMCAST_FLEET`, `PROMCAST_DEVICE`, ...).
//! The Wi-Fi passphrase ends up in the firmware image: treat a `.uf2` like the secrets file.

use core::time::Duration;

use promcast_core::probe::RomId;
use promcast_core::sender::{ProbeSetting, SenderConfig};

/// Where packets go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushTarget {
    /// An IPv4 multicast group and port; sent with TTL 1, as the seed did.
    Multicast([u8; 4], u16),
    /// A gateway's IPv4 address and port.
    Unicast([u8; 4], u16),
    /// A gateway's DNS name and port, resolved with the DHCP-provided name servers.
    Host(&'static str, u16),
}

include!(concat!(env!("OUT_DIR"), "/device.rs"));

/// The sender's settings for this device: its name as `device`, its probes, its interval,
/// and `seq` in every packet so the gateway can count losses.
pub fn sender_config() -> SenderConfig<'static> {
    SenderConfig {
        device: Some(NAME),
        probes: PROBES,
        interval: Duration::from_millis(POLL_INTERVAL_MS),
        sequence: true,
    }
}
