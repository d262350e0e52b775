//! Just enough of ELF32 little-endian (what the Arm targets emit) to find the loadable
//! segments and the sections' names and sizes.

use std::fmt;

/// `PT_LOAD`: a segment that is loaded into memory.
pub const PT_LOAD: u32 = 1;

/// Why a file could not be read as an ELF32 little-endian image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// No ELF magic.
    NotElf,
    /// An ELF, but not 32-bit little-endian.
    NotElf32Le,
    /// A header or table runs past the end of the file.
    Truncated(&'static str),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => f.write_str("not an ELF file"),
            ElfError::NotElf32Le => f.write_str("not a 32-bit little-endian ELF file"),
            ElfError::Truncated(what) => write!(f, "truncated ELF file: {what} runs past the end"),
        }
    }
}

impl std::error::Error for ElfError {}

/// A program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `p_type`.
    pub kind: u32,
    /// `p_offset`: where its bytes are in the file.
    pub offset: u32,
    /// `p_vaddr`: where it runs.
    pub vaddr: u32,
    /// `p_paddr`: where it is loaded (flash, for `.data`'s initial values).
    pub paddr: u32,
    /// `p_filesz`: bytes in the file.
    pub filesz: u32,
    /// `p_memsz`: bytes in memory (more than `filesz` for zero-initialised data).
    pub memsz: u32,
}

/// A section header, with its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its name, e.g. `.bss`.
    pub name: String,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u32,
    /// `sh_addr`.
    pub addr: u32,
    /// `sh_size`.
    pub size: u32,
}

/// An ELF32 little-endian file.
pub struct Elf<'a> {
    data: &'a [u8],
}

fn u16_at(data: &[u8], at: usize, what: &'static str) -> Result<u16, ElfError> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(ElfError::Truncated(what))
}

fn u32_at(data: &[u8], at: usize, what: &'static str) -> Result<u32, ElfError> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(ElfError::Truncated(what))
}

impl<'a> Elf<'a> {
    /// Check the identification bytes.
    pub fn parse(data: &'a [u8]) -> Result<Self, ElfError> {
        if data.get(..4) != Some(b"\x7fELF") {
            return Err(ElfError::NotElf);
        }
        // EI_CLASS = ELFCLASS32, EI_DATA = ELFDATA2LSB.
        if data.get(4..6) != Some(&[1, 1]) {
            return Err(ElfError::NotElf32Le);
        }
        u16_at(data, 0x32, "the ELF header")?;
        Ok(Elf { data })
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The program headers.
    pub fn segments(&self) -> Result<Vec<Segment>, ElfError> {
        let off = u32_at(self.data, 0x1c, "the ELF header")? as usize;
        let size = u16_at(self.data, 0x2a, "the ELF header")? as usize;
        let count = u16_at(self.data, 0x2c, "the ELF header")? as usize;
        (0..count)
            .map(|i| {
                let at = off + i * size;
                let what = "the program header table";
                Ok(Segment {
                    kind: u32_at(self.data, at, what)?,
                    offset: u32_at(self.data, at + 4, what)?,
                    vaddr: u32_at(self.data, at + 8, what)?,
                    paddr: u32_at(self.data, at + 12, what)?,
                    filesz: u32_at(self.data, at + 16, what)?,
                    memsz: u32_at(self.data, at + 20, what)?,
                })
            })
            .collect()
    }

    /// The section headers, with names from the section name table.
    pub fn sections(&self) -> Result<Vec<Section>, ElfError> {
        let off = u32_at(self.data, 0x20, "the ELF header")? as usize;
        let size = u16_at(self.data, 0x2e, "the ELF header")? as usize;
        let count = u16_at(self.data, 0x30, "the ELF header")? as usize;
        let names_index = u16_at(self.data, 0x32, "the ELF header")? as usize;
        if count == 0 {
            return Ok(Vec::new());
        }
        let what = "the section header table";
        let names_at = u32_at(self.data, off + names_index * size + 16, what)? as usize;
        (0..count)
            .map(|i| {
                let at = off + i * size;
                let name_at = names_at + u32_at(self.data, at, what)? as usize;
                let name = self
                    .data
                    .get(name_at..)
                    .and_then(|rest| rest.split(|b| *b == 0).next())
                    .ok_or(ElfError::Truncated("the section name table"))?;
                Ok(Section {
                    name: String::from_utf8_lossy(name).into_owned(),
                    kind: u32_at(self.data, at + 4, what)?,
                    flags: u32_at(self.data, at + 8, what)?,
                    addr: u32_at(self.data, at + 12, what)?,
                    size: u32_at(self.data, at + 20, what)?,
                })
            })
            .collect()
    }

    /// The file bytes of `segment`.
    pub fn segment_bytes(&self, segment: &Segment, len: u32) -> Result<&'a [u8], ElfError> {
        let start = segment.offset as usize;
        self.data
            .get(start..start + len as usize)
            .ok_or(ElfError::Truncated("a segment's contents"))
    }
}
