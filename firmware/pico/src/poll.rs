//! The poll loop: at each of the sender's poll times, find the probes, start one conversion
//! for all of them, read each one, and hand every result to the core's
//! [`Sender`](promcast_core::sender::Sender), which names, encodes and counts; then send what
//! it encodes. The boot status and the internal sensor's readings are the sender's too
//! ([`Sender::encode_status`] with a [`BootStatus`], [`Sender::encode_extra_reading`]), so
//! every packet shares its `seq` counter. Nothing that fails here ends the loop: failed reads
//! are counted and reported by the sender's status packet, unsent packets are counted and
//! logged.

use embassy_time::{Duration, Timer};
use promcast_core::packet::EncodeError;
use promcast_core::probe::{self, ReadError, RomId};
use promcast_core::sender::{BootStatus, Led, Poll, Sender};

use crate::chip::{self, InternalSensor};
use crate::health::{Health, ResetCause};
use crate::net::{PACKET_LEN, Push, SendError};
use crate::onewire::{Bus, Found};
use crate::radio::SignalLed;
use crate::{config, now, to_embassy};

/// What the poll loop works with.
pub struct Board<'d> {
    /// The 1-Wire bus.
    pub bus: Bus<'d>,
    /// The chip's temperature sensor, when the device reports it.
    pub internal: Option<InternalSensor<'d>>,
    /// Where packets go.
    pub push: Push<'d>,
    /// The LED, lit during a poll.
    pub led: SignalLed,
    /// Told when each poll starts, for the watchdog.
    pub health: &'d Health,
    /// What the first status packet reports.
    pub boot: Boot,
}

/// Facts for the boot status packet.
#[derive(Clone, Copy, Debug)]
pub struct Boot {
    /// The board's unique id, if it could be read.
    pub unique_id: Option<[u8; chip::UNIQUE_ID_LEN]>,
    /// Why the chip started.
    pub reset: ResetCause,
}

/// Packets sent and not sent in one poll, for one log line.
#[derive(Default)]
struct Tally {
    sent: u32,
    failed: u32,
    last_error: Option<SendError>,
}

impl Tally {
    async fn send(&mut self, push: &mut Push<'_>, packet: &[u8]) {
        match push.send(packet).await {
            Ok(()) => self.sent += 1,
            Err(e) => {
                self.failed += 1;
                self.last_error = Some(e);
            }
        }
    }

    async fn send_encoded(
        &mut self,
        push: &mut Push<'_>,
        encoded: Result<Option<usize>, EncodeError>,
        buf: &[u8],
    ) {
        match encoded {
            Ok(Some(n)) => self.send(push, &buf[..n]).await,
            Ok(None) => {}
            Err(e) => defmt::warn!("packet not encoded: {}", e),
        }
    }
}

/// The poll loop. Never returns.
pub async fn run(board: Board<'_>) -> ! {
    let Board {
        mut bus,
        mut internal,
        mut push,
        mut led,
        health,
        boot,
    } = board;
    let mut sender = Sender::new(config::sender_config(), now());
    let mut found = Found::new();
    let mut buf = [0; PACKET_LEN];
    let mut boot_reported = false;
    loop {
        Timer::at(to_embassy(sender.next_poll())).await;
        health.poll_started();
        let mut tally = Tally::default();

        // The boot status goes out once the network is there to carry it.
        if !boot_reported && push.network_up() {
            let status = BootStatus {
                version: crate::VERSION,
                platform: config::PLATFORM,
                unique_id: boot.unique_id.as_ref().map(|id| id.as_slice()),
                built_for: config::UNIQUE_ID,
                reset: boot.reset.as_str(),
            };
            let encoded = sender.encode_status(status, &mut buf).map(Some);
            tally.send_encoded(&mut push, encoded, &buf).await;
            boot_reported = tally.failed == 0;
        }

        let mut poll = sender.begin_poll(now(), &mut led);
        read_probes(
            &mut poll, &mut bus, &mut found, &mut push, &mut tally, &mut buf,
        )
        .await;
        let status = poll.finish(&mut buf);
        tally.send_encoded(&mut push, status, &buf).await;
        if bus.wedged() {
            defmt::error!("1-Wire bus timed out; the watchdog resets the chip");
            health.bus_wedged();
        }

        if let (Some(sensor), Some(name)) = (internal.as_mut(), config::INTERNAL_TEMPERATURE) {
            match sensor.read().await {
                Ok(celsius) => {
                    let encoded = sender
                        .encode_extra_reading(name, chip::INTERNAL_SENSOR_ID, celsius, &mut buf)
                        .map(Some);
                    tally.send_encoded(&mut push, encoded, &buf).await;
                }
                Err(e) => defmt::warn!("internal temperature sensor: {}", e),
            }
        }

        let stats = sender.stats();
        defmt::info!(
            "poll {}: {} probes found, {} packets sent; reads ok {}, failed {} in all",
            stats.polls,
            found.len(),
            tally.sent,
            stats.reads_ok,
            stats.failed()
        );
        if let Some(e) = tally.last_error {
            defmt::warn!("{} packets not sent, last because {}", tally.failed, e);
        }
    }
}

/// One poll's bus work: search, one conversion for all probes, then each probe's read
/// reported to `poll` (configured probes first, in the fleet file's order, then the others
/// found), each resulting packet sent at once.
async fn read_probes<L: Led>(
    poll: &mut Poll<'_, '_, L>,
    bus: &mut Bus<'_>,
    found: &mut Found,
    push: &mut Push<'_>,
    tally: &mut Tally,
    buf: &mut [u8; PACKET_LEN],
) {
    let searched = bus.search(found).await;
    let converted = match searched {
        Ok(()) if found.is_empty() => Err(ReadError::Missing),
        Ok(()) => bus.convert_all().await,
        Err(e) => Err(e),
    };
    if converted.is_ok() {
        Timer::after(Duration::from_millis(probe::CONVERSION_TIME_MS)).await;
    }
    for setting in config::PROBES {
        // A configured probe a complete search did not find is missing (the core's
        // contract); after a failed search, the bus is to blame.
        let read = if found.contains(&setting.rom) {
            read_one(bus, &setting.rom, converted).await
        } else {
            Err(searched.err().unwrap_or(ReadError::Missing))
        };
        let encoded = poll.reading(&setting.rom, read, buf);
        tally.send_encoded(push, encoded, buf).await;
    }
    for rom in found.iter() {
        if config::PROBES.iter().any(|p| p.rom == *rom) {
            continue;
        }
        let read = read_one(bus, rom, converted).await;
        let encoded = poll.reading(rom, read, buf);
        tally.send_encoded(push, encoded, buf).await;
    }
}

/// One probe's temperature, if the conversion ran.
async fn read_one(
    bus: &mut Bus<'_>,
    rom: &RomId,
    converted: Result<(), ReadError>,
) -> Result<f32, ReadError> {
    converted?;
    let scratchpad = bus.read_scratchpad(rom).await?;
    probe::decode_scratchpad(&scratchpad)
}
