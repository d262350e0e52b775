//! ELF to UF2 for the RP2040 and RP2350, and the size figures of a firmware image.
//!
//! UF2 (<https://github.com/microsoft/uf2>) is a list of 512-byte blocks, each carrying up to
//! 476 bytes for one target address; the Raspberry Pi boot ROMs take 256-byte payloads, one
//! flash page each. A block, all fields little-endian:
//!
//! | offset | field |
//! |---|---|
//! | 0 | magic `0x0A324655` |
//! | 4 | magic `0x9E5D5157` |
//! | 8 | flags (`0x2000`: the family id is present) |
//! | 12 | target address |
//! | 16 | payload size (256) |
//! | 20 | block number |
//! | 24 | number of blocks |
//! | 28 | family id |
//! | 32 | data, 476 bytes: the payload, then zeros |
//! | 508 | magic `0x0AB16F30` |
//!
//! As picotool writes them: one block per 256-byte flash page that holds any loadable byte,
//! in address order, the rest of the page zero, plus zero pages that complete each touched
//! 4 KiB sector below the last page (the RP2040 boot ROM derives erases from block numbers);
//! family RP2040 `0xe48bff56`, RP2350 Arm
//! secure `0xe48bff59`. An RP2350 image starts with picotool's RP2350-E10 workaround: an extra
//! block of the "absolute" family `0xe48bff57` for `0x10ffff00`, numbered 0 of 2, whose
//! payload is 256 bytes of `0xef` followed by the `RP2_IGNORE_BLOCK` extension tag, so boot
//! ROMs that understand the tag skip it. It is not counted in the image's own block numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

pub mod elf;

use elf::{Elf, ElfError, PT_LOAD};

/// Bytes in a UF2 block.
pub const BLOCK_LEN: usize = 512;
/// Payload bytes per block: one flash page.
pub const PAGE_LEN: usize = 256;
/// Bytes in a flash erase sector.
const SECTOR_LEN: u32 = 4096;
/// Bytes of the data field.
const DATA_LEN: usize = 476;
/// First magic number.
pub const MAGIC_START0: u32 = 0x0A32_4655;
/// Second magic number.
pub const MAGIC_START1: u32 = 0x9E5D_5157;
/// Final magic number.
pub const MAGIC_END: u32 = 0x0AB1_6F30;
/// Flag: the family id field is present.
pub const FLAG_FAMILY_ID_PRESENT: u32 = 0x0000_2000;
/// Flag: extension tags follow the payload.
pub const FLAG_EXTENSION_FLAGS_PRESENT: u32 = 0x0000_8000;
/// Extension tag telling RP2 boot ROMs to skip the block.
pub const EXTENSION_RP2_IGNORE_BLOCK: u32 = 0x9957_E304;
/// Where picotool points the RP2350-E10 block by default: the last page of the 16 MiB window.
pub const RP2350_ABS_BLOCK_ADDR: u32 = 0x10FF_FF00;
/// Start of the flash (XIP) window on both chips.
pub const FLASH_BASE: u32 = 0x1000_0000;

/// A UF2 family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Raspberry Pi RP2040.
    Rp2040,
    /// Raspberry Pi RP2350, Arm secure.
    Rp2350ArmS,
    /// "Absolute": written where it says, whatever the partition table (RP2350).
    Absolute,
}

impl Family {
    /// The family id.
    pub const fn id(self) -> u32 {
        match self {
            Family::Rp2040 => 0xE48B_FF56,
            Family::Absolute => 0xE48B_FF57,
            Family::Rp2350ArmS => 0xE48B_FF59,
        }
    }

    /// The family with this id.
    pub fn from_id(id: u32) -> Option<Family> {
        [Family::Rp2040, Family::Rp2350ArmS, Family::Absolute]
            .into_iter()
            .find(|f| f.id() == id)
    }

    /// `rp2040` or `rp2350` (or `rp2350-arm-s`), as the command line takes it.
    pub fn parse(s: &str) -> Option<Family> {
        match s {
            "rp2040" => Some(Family::Rp2040),
            "rp2350" | "rp2350-arm-s" => Some(Family::Rp2350ArmS),
            _ => None,
        }
    }

    /// The flash window a flash image of this family lies in.
    pub fn flash(self) -> Range<u32> {
        match self {
            Family::Rp2040 => FLASH_BASE..0x1100_0000,
            Family::Rp2350ArmS | Family::Absolute => FLASH_BASE..0x1200_0000,
        }
    }

    /// Whether picotool starts this family's flash images with the RP2350-E10 block.
    pub fn wants_abs_block(self) -> bool {
        self == Family::Rp2350ArmS
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Rp2040 => "rp2040",
            Family::Rp2350ArmS => "rp2350-arm-s",
            Family::Absolute => "absolute",
        })
    }
}

/// Why an image could not be made or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The ELF file is unreadable.
    Elf(ElfError),
    /// A loadable segment lies outside flash (a RAM-only image is not supported).
    OutsideFlash {
        /// Its load address.
        addr: u32,
        /// Its length.
        len: u32,
    },
    /// Two segments load bytes to the same address.
    Overlap(u32),
    /// Nothing loadable in the ELF file.
    Empty,
    /// The UF2 file's length is not a multiple of 512.
    Length(usize),
    /// A UF2 block has a wrong magic number.
    Magic(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Elf(e) => e.fmt(f),
            Error::OutsideFlash { addr, len } => write!(
                f,
                "segment 0x{addr:08x}..0x{:08x} is outside flash; only flash images are supported",
                u64::from(*addr) + u64::from(*len)
            ),
            Error::Overlap(addr) => write!(f, "segments overlap at 0x{addr:08x}"),
            Error::Empty => f.write_str("the ELF file has nothing to load"),
            Error::Length(n) => write!(f, "a UF2 file is 512-byte blocks; this one is {n} bytes"),
            Error::Magic(i) => write!(f, "block {i} has a wrong magic number"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ElfError> for Error {
    fn from(e: ElfError) -> Self {
        Error::Elf(e)
    }
}

/// One flash page of an image, and which of its bytes were loaded.
#[derive(Clone)]
struct Page {
    data: [u8; PAGE_LEN],
    loaded: [bool; PAGE_LEN],
}

impl Page {
    const EMPTY: Page = Page {
        data: [0; PAGE_LEN],
        loaded: [false; PAGE_LEN],
    };
}

/// A flash image: the 256-byte pages that hold loadable bytes, by address.
#[derive(Clone, Default)]
pub struct Image {
    pages: BTreeMap<u32, Page>,
}

impl Image {
    /// The loadable bytes of `elf` at their load addresses (`p_paddr`), as picotool takes
    /// them: every `PT_LOAD` segment's file bytes; zero-initialised memory is not loaded.
    pub fn from_elf(elf: &[u8], family: Family) -> Result<Image, Error> {
        let elf = Elf::parse(elf)?;
        let flash = family.flash();
        let mut image = Image::default();
        for seg in elf.segments()? {
            let len = seg.filesz.min(seg.memsz);
            if seg.kind != PT_LOAD || len == 0 {
                continue;
            }
            let end = u64::from(seg.paddr) + u64::from(len);
            if seg.paddr < flash.start || end > u64::from(flash.end) {
                return Err(Error::OutsideFlash {
                    addr: seg.paddr,
                    len,
                });
            }
            image.load(seg.paddr, elf.segment_bytes(&seg, len)?)?;
        }
        if image.pages.is_empty() {
            return Err(Error::Empty);
        }
        image.pad_sectors();
        Ok(image)
    }

    /// Add zero pages so that every touched 4 KiB flash sector is whole, up to the last page,
    /// as picotool and elf2uf2 do: the RP2040 boot ROM works out which sectors to erase from
    /// the block numbers.
    fn pad_sectors(&mut self) {
        let Some(&last) = self.pages.keys().next_back() else {
            return;
        };
        let sectors: Vec<u32> = self
            .pages
            .keys()
            .map(|a| a / SECTOR_LEN)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for sector in sectors {
            let start = sector * SECTOR_LEN;
            for page in (start..start + SECTOR_LEN).step_by(PAGE_LEN) {
                if page < last {
                    self.pages.entry(page).or_insert(Page::EMPTY);
                }
            }
        }
    }

    /// `bytes` loaded at `addr`.
    pub fn load(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Error> {
        for (i, b) in bytes.iter().enumerate() {
            let a = addr + i as u32;
            let page = self
                .pages
                .entry(a & !(PAGE_LEN as u32 - 1))
                .or_insert(Page::EMPTY);
            let off = a as usize % PAGE_LEN;
            if page.loaded[off] {
                return Err(Error::Overlap(a));
            }
            page.loaded[off] = true;
            page.data[off] = *b;
        }
        Ok(())
    }

    /// The pages, by address.
    pub fn pages(&self) -> impl Iterator<Item = (u32, &[u8; PAGE_LEN])> {
        self.pages.iter().map(|(a, p)| (*a, &p.data))
    }

    /// Number of pages (UF2 blocks, not counting an RP2350-E10 block).
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Bytes written to flash by the UF2: whole pages.
    pub fn payload_len(&self) -> usize {
        self.pages.len() * PAGE_LEN
    }

    /// Loadable bytes, without the padding to whole pages.
    pub fn loaded_len(&self) -> usize {
        self.pages
            .values()
            .map(|p| p.loaded.iter().filter(|l| **l).count())
            .sum()
    }

    /// The UF2 file. `abs_block`: the address of an RP2350-E10 block to put first, as
    /// picotool does for RP2350 flash images ([`RP2350_ABS_BLOCK_ADDR`]); `None` for none.
    pub fn to_uf2(&self, family: Family, abs_block: Option<u32>) -> Vec<u8> {
        let count = self.pages.len() as u32;
        let mut out = Vec::with_capacity((self.pages.len() + 1) * BLOCK_LEN);
        if let Some(addr) = abs_block {
            out.extend_from_slice(&rp2350_e10_block(addr));
        }
        for (n, (addr, page)) in self.pages().enumerate() {
            out.extend_from_slice(&block(
                FLAG_FAMILY_ID_PRESENT,
                addr,
                n as u32,
                count,
                family.id(),
                page,
                None,
            ));
        }
        out
    }
}

/// One UF2 block with a 256-byte payload; `extension` is written right after the payload
/// (its flag must be in `flags`).
pub fn block(
    flags: u32,
    addr: u32,
    number: u32,
    count: u32,
    family_id: u32,
    payload: &[u8; PAGE_LEN],
    extension: Option<u32>,
) -> [u8; BLOCK_LEN] {
    let mut b = [0; BLOCK_LEN];
    let header = [
        MAGIC_START0,
        MAGIC_START1,
        flags,
        addr,
        PAGE_LEN as u32,
        number,
        count,
        family_id,
    ];
    for (i, word) in header.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    b[32..32 + PAGE_LEN].copy_from_slice(payload);
    if let Some(tag) = extension {
        b[32 + PAGE_LEN..32 + PAGE_LEN + 4].copy_from_slice(&tag.to_le_bytes());
    }
    b[BLOCK_LEN - 4..].copy_from_slice(&MAGIC_END.to_le_bytes());
    b
}

/// picotool's RP2350-E10 block (`gen_abs_block`): family "absolute", block 0 of 2, 256 bytes
/// of `0xef`, tagged `RP2_IGNORE_BLOCK`.
pub fn rp2350_e10_block(addr: u32) -> [u8; BLOCK_LEN] {
    block(
        FLAG_FAMILY_ID_PRESENT | FLAG_EXTENSION_FLAGS_PRESENT,
        addr,
        0,
        2,
        Family::Absolute.id(),
        &[0xef; PAGE_LEN],
        Some(EXTENSION_RP2_IGNORE_BLOCK),
    )
}

/// A parsed UF2 block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Flags.
    pub flags: u32,
    /// Target address.
    pub addr: u32,
    /// Payload size.
    pub payload_size: u32,
    /// Block number.
    pub number: u32,
    /// Number of blocks.
    pub count: u32,
    /// Family id (or file size, without [`FLAG_FAMILY_ID_PRESENT`]).
    pub family_id: u32,
    /// The data field.
    pub data: Vec<u8>,
}

impl Block {
    /// The payload.
    pub fn payload(&self) -> &[u8] {
        &self.data[..(self.payload_size as usize).min(DATA_LEN)]
    }
}

/// Read a UF2 file's blocks.
pub fn parse(uf2: &[u8]) -> Result<Vec<Block>, Error> {
    if !uf2.len().is_multiple_of(BLOCK_LEN) {
        return Err(Error::Length(uf2.len()));
    }
    uf2.chunks_exact(BLOCK_LEN)
        .enumerate()
        .map(|(i, b)| {
            let word = |n: usize| u32::from_le_bytes([b[n], b[n + 1], b[n + 2], b[n + 3]]);
            if word(0) != MAGIC_START0 || word(4) != MAGIC_START1 || word(508) != MAGIC_END {
                return Err(Error::Magic(i));
            }
            Ok(Block {
                flags: word(8),
                addr: word(12),
                payload_size: word(16),
                number: word(20),
                count: word(24),
                family_id: word(28),
                data: b[32..32 + DATA_LEN].to_vec(),
            })
        })
        .collect()
}

/// Size figures of a firmware ELF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Bytes the UF2 writes to flash (whole pages, no RP2350-E10 block).
    pub uf2_payload: usize,
    /// Loadable bytes (code, read-only data, `.data`'s initial values).
    pub flash: usize,
    /// `.data`: initialised statics (in RAM, copied from flash at start).
    pub data: u64,
    /// `.bss`: zeroed statics.
    pub bss: u64,
    /// `.uninit`: statics left uninitialised (e.g. the RTT buffer).
    pub uninit: u64,
}

impl Sizes {
    /// Of `elf` for `family`.
    pub fn of(elf: &[u8], family: Family) -> Result<Sizes, Error> {
        let image = Image::from_elf(elf, family)?;
        let sections = Elf::parse(elf)?.sections()?;
        let size = |name: &str| {
            sections
                .iter()
                .filter(|s| s.name == name)
                .map(|s| u64::from(s.size))
                .sum()
        };
        Ok(Sizes {
            uf2_payload: image.payload_len(),
            flash: image.loaded_len(),
            data: size(".data"),
            bss: size(".bss"),
            uninit: size(".uninit"),
        })
    }

    /// Statically allocated, initialised RAM: `.data` + `.bss`. `.uninit` and the stack
    /// come on top.
    pub fn static_ram(&self) -> u64 {
        self.data + self.bss
    }
}
