//! DS18B20 transactions on the 1-Wire bus, over embassy-rp's PIO 1-Wire program (which does
//! the bit timing in the PIO state machine, so no critical sections are needed here).
//!
//! Externally powered probes (three wires: VDD, GND, DQ with a 4k7 pull-up to 3V3). Parasite
//! power is not supported: it needs a strong pull-up during the conversion.
//!
//! Every operation has a time limit; a bus that stops answering is a [`ReadError::Bus`],
//! never a hang. A transfer cut short leaves the PIO program's FIFOs out of step with the
//! driver, so after a timeout the bus reports itself [`Bus::wedged`] and the watchdog task
//! resets the chip (see `health`).

use embassy_rp::peripherals::PIO1;
use embassy_rp::pio_programs::onewire::{PioOneWire, PioOneWireSearch};
use embassy_time::{Duration, with_timeout};
use heapless::Vec;
use promcast_core::probe::{FAMILY_DS18B20, ReadError, RomId};

use crate::MAX_PROBES;

/// Skip ROM: address every device on the bus.
const SKIP_ROM: u8 = 0xCC;
/// Match ROM: address the device whose 8-byte ROM id follows.
const MATCH_ROM: u8 = 0x55;
/// DS18B20 Convert T.
const CONVERT_T: u8 = 0x44;
/// DS18B20 Read Scratchpad.
const READ_SCRATCHPAD: u8 = 0xBE;
/// Bytes in a DS18B20 scratchpad, CRC included.
pub const SCRATCHPAD_LEN: usize = 9;
/// Bytes in a ROM id.
const ROM_LEN: usize = 8;
/// Bytes of a Match ROM + Read Scratchpad command: the two commands and the ROM id.
const READ_COMMAND_LEN: usize = 1 + ROM_LEN + 1;

/// Limit for a reset or a short transfer (each takes about a millisecond).
const OP_TIMEOUT: Duration = Duration::from_millis(50);
/// Limit for one Search ROM pass (64 bit triplets, about 15 ms).
const SEARCH_PASS_TIMEOUT: Duration = Duration::from_millis(100);
/// Search passes before giving up on a bus that keeps answering (noise, a short).
const SEARCH_PASS_LIMIT: usize = 2 * MAX_PROBES;

/// Probes found by a search, in the order found.
pub type Found = Vec<RomId, MAX_PROBES>;

/// The bus, on PIO1 state machine 0 (PIO0 drives the CYW43).
pub struct Bus<'d> {
    wire: PioOneWire<'d, PIO1, 0>,
    wedged: bool,
}

impl<'d> Bus<'d> {
    /// The bus on `wire`.
    pub fn new(wire: PioOneWire<'d, PIO1, 0>) -> Self {
        Bus {
            wire,
            wedged: false,
        }
    }

    /// Whether an operation timed out: the driver and the PIO program may disagree from
    /// then on, and only a reset makes the bus trustworthy again.
    pub fn wedged(&self) -> bool {
        self.wedged
    }

    /// A timed-out operation's error; marks the bus wedged.
    fn timed_out(&mut self) -> ReadError {
        self.wedged = true;
        ReadError::Bus
    }

    /// Reset pulse: `Ok` when some device answered with a presence pulse.
    async fn reset(&mut self) -> Result<(), ReadError> {
        match with_timeout(OP_TIMEOUT, self.wire.reset()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ReadError::Missing),
            Err(_) => Err(self.timed_out()),
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), ReadError> {
        match with_timeout(OP_TIMEOUT, self.wire.write_bytes(bytes)).await {
            Ok(()) => Ok(()),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// Search ROM (0xF0, through embassy-rp's search helper) until every device is found: the DS18B20s with a valid ROM CRC, up to
    /// [`MAX_PROBES`]. Other families and ids with a bad CRC (noise) are skipped. An empty
    /// bus gives an empty list; a bus that stops answering mid-search gives what was found.
    pub async fn search(&mut self, found: &mut Found) -> Result<(), ReadError> {
        found.clear();
        let mut search = PioOneWireSearch::new();
        for _ in 0..SEARCH_PASS_LIMIT {
            if search.is_finished() {
                return Ok(());
            }
            let next = match with_timeout(SEARCH_PASS_TIMEOUT, search.next(&mut self.wire)).await {
                Ok(next) => next,
                Err(_) => return Err(self.timed_out()),
            };
            let Some(id) = next else {
                return Ok(());
            };
            // The helper shifts the first bit on the wire into bit 0: little-endian is the
            // wire order, family code first.
            let rom = RomId(id.to_le_bytes());
            if !rom.crc_ok() {
                defmt::warn!("1-Wire search: ROM id {=[u8]:x} fails its CRC", rom.0);
                continue;
            }
            if rom.family() != FAMILY_DS18B20 || found.contains(&rom) {
                continue;
            }
            if found.push(rom).is_err() {
                defmt::warn!(
                    "1-Wire search: more than {} probes; the rest are ignored",
                    MAX_PROBES
                );
                return Ok(());
            }
        }
        Ok(())
    }

    /// Start one temperature conversion on every probe at once (Skip ROM, Convert T). The
    /// results are ready after [`promcast_core::probe::CONVERSION_TIME_MS`].
    pub async fn convert_all(&mut self) -> Result<(), ReadError> {
        self.reset().await?;
        self.write(&[SKIP_ROM, CONVERT_T]).await
    }

    /// Read one probe's scratchpad (Match ROM, Read Scratchpad). The caller decodes it and
    /// checks its CRC with [`promcast_core::probe::decode_scratchpad`].
    pub async fn read_scratchpad(
        &mut self,
        rom: &RomId,
    ) -> Result<[u8; SCRATCHPAD_LEN], ReadError> {
        self.reset().await?;
        let mut command = [0; READ_COMMAND_LEN];
        command[0] = MATCH_ROM;
        command[1..=ROM_LEN].copy_from_slice(&rom.0);
        command[READ_COMMAND_LEN - 1] = READ_SCRATCHPAD;
        self.write(&command).await?;
        let mut scratchpad = [0; SCRATCHPAD_LEN];
        if with_timeout(OP_TIMEOUT, self.wire.read_bytes(&mut scratchpad))
            .await
            .is_err()
        {
            return Err(self.timed_out());
        }
        Ok(scratchpad)
    }
}
