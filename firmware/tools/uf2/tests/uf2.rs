//! UF2 layout, ELF loading, and a known-good image: `tests/data/tiny.elf` converted by
//! elf2uf2-rs 2.2.0 (`tests/data/tiny.elf2uf2-rs.uf2`), which must match byte for byte.

use promcast_uf2::elf::Elf;
use promcast_uf2::{
    BLOCK_LEN, Error, FLAG_EXTENSION_FLAGS_PRESENT, FLAG_FAMILY_ID_PRESENT, Family, Image,
    PAGE_LEN, RP2350_ABS_BLOCK_ADDR, Sizes, block, parse, rp2350_e10_block,
};

/// A loadable segment for [`elf`].
struct Seg {
    vaddr: u32,
    paddr: u32,
    bytes: Vec<u8>,
    memsz: u32,
}

fn seg(vaddr: u32, paddr: u32, bytes: Vec<u8>) -> Seg {
    let memsz = bytes.len() as u32;
    Seg {
        vaddr,
        paddr,
        bytes,
        memsz,
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

/// A minimal ELF32 little-endian Arm executable: `segs` as PT_LOAD program headers, and
/// section headers named `sections` (name, address, size) plus `.shstrtab`.
fn elf(entry: u32, segs: &[Seg], sections: &[(&str, u32, u32)]) -> Vec<u8> {
    const EHDR: usize = 52;
    const PHDR: usize = 32;
    const SHDR: usize = 40;
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    let mut at = EHDR + PHDR * segs.len();
    for s in segs {
        offsets.push(at);
        data.extend_from_slice(&s.bytes);
        at += s.bytes.len();
    }
    let mut names = vec![0u8];
    let mut name_offsets = Vec::new();
    for (name, _, _) in sections {
        name_offsets.push(names.len() as u32);
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    let shstrtab_name = names.len() as u32;
    names.extend_from_slice(b".shstrtab\0");
    let names_at = at;
    at += names.len();
    let shoff = at;
    let shnum = sections.len() + 2;

    let mut out = Vec::new();
    let u16le = |o: &mut Vec<u8>, v: u16| o.extend_from_slice(&v.to_le_bytes());
    let u32le = |o: &mut Vec<u8>, v: u32| o.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(b"\x7fELF\x01\x01\x01\x00");
    out.extend_from_slice(&[0; 8]);
    u16le(&mut out, 2); // ET_EXEC
    u16le(&mut out, 40); // EM_ARM
    u32le(&mut out, 1);
    u32le(&mut out, entry);
    u32le(&mut out, EHDR as u32);
    u32le(&mut out, shoff as u32);
    u32le(&mut out, 0x0500_0200); // EABI5, soft float
    u16le(&mut out, EHDR as u16);
    u16le(&mut out, PHDR as u16);
    u16le(&mut out, segs.len() as u16);
    u16le(&mut out, SHDR as u16);
    u16le(&mut out, shnum as u16);
    u16le(&mut out, (shnum - 1) as u16);
    for (s, off) in segs.iter().zip(&offsets) {
        for v in [
            1,
            *off as u32,
            s.vaddr,
            s.paddr,
            s.bytes.len() as u32,
            s.memsz,
            5,
            4,
        ] {
            u32le(&mut out, v);
        }
    }
    out.extend_from_slice(&data);
    out.extend_from_slice(&names);
    out.extend_from_slice(&[0; SHDR]);
    for ((_, addr, size), name) in sections.iter().zip(&name_offsets) {
        for v in [*name, 1, 3, *addr, 0, *size, 0, 0, 4, 0] {
            u32le(&mut out, v);
        }
    }
    for v in [
        shstrtab_name,
        3,
        0,
        0,
        names_at as u32,
        names.len() as u32,
        0,
        0,
        1,
        0,
    ] {
        u32le(&mut out, v);
    }
    out
}

/// The fixture: code over two pages, a gap inside the first sector, `.data` loaded from
/// flash right after a small segment, `.bss` (not loaded), and a page in a later sector.
fn tiny_elf() -> Vec<u8> {
    let mut bss = seg(0x2000_0008, 0x1000_0418, Vec::new());
    bss.memsz = 64;
    elf(
        0x1000_0101,
        &[
            seg(0x1000_0000, 0x1000_0000, pattern(300, 1)),
            seg(0x1000_0400, 0x1000_0400, pattern(16, 2)),
            seg(0x2000_0000, 0x1000_0410, pattern(8, 3)),
            bss,
            seg(0x1000_2000, 0x1000_2000, pattern(4, 4)),
        ],
        &[
            (".text", 0x1000_0000, 300),
            (".data", 0x2000_0000, 8),
            (".bss", 0x2000_0008, 64),
        ],
    )
}

#[test]
fn block_layout_follows_the_spec() {
    let payload: [u8; PAGE_LEN] = std::array::from_fn(|i| i as u8);
    let b = block(
        FLAG_FAMILY_ID_PRESENT,
        0x1000_0100,
        3,
        7,
        0xe48b_ff56,
        &payload,
        None,
    );
    let mut want = Vec::new();
    for w in [
        0x0A32_4655u32,
        0x9E5D_5157,
        0x2000,
        0x1000_0100,
        256,
        3,
        7,
        0xe48b_ff56,
    ] {
        want.extend_from_slice(&w.to_le_bytes());
    }
    want.extend_from_slice(&payload);
    want.extend_from_slice(&[0; 476 - 256]);
    want.extend_from_slice(&0x0AB1_6F30u32.to_le_bytes());
    assert_eq!(b.len(), BLOCK_LEN);
    assert_eq!(b.to_vec(), want);
}

#[test]
fn rp2350_e10_block_is_picotools() {
    // picotool elf2uf2.cpp gen_abs_block(): flags family-id | extension-flags, block 0 of 2,
    // family "absolute" 0xe48bff57, 256 bytes of 0xef, then the RP2_IGNORE_BLOCK tag bytes
    // 04 e3 57 99.
    let b = rp2350_e10_block(RP2350_ABS_BLOCK_ADDR);
    let mut want = Vec::new();
    for w in [
        0x0A32_4655u32,
        0x9E5D_5157,
        0xa000,
        0x10ff_ff00,
        256,
        0,
        2,
        0xe48b_ff57,
    ] {
        want.extend_from_slice(&w.to_le_bytes());
    }
    want.extend_from_slice(&[0xef; 256]);
    want.extend_from_slice(&[0x04, 0xe3, 0x57, 0x99]);
    want.extend_from_slice(&[0; 476 - 256 - 4]);
    want.extend_from_slice(&0x0AB1_6F30u32.to_le_bytes());
    assert_eq!(b.to_vec(), want);
    assert_eq!(
        FLAG_FAMILY_ID_PRESENT | FLAG_EXTENSION_FLAGS_PRESENT,
        0xa000
    );
}

#[test]
fn pages_follow_the_load_addresses_with_sector_padding() {
    let image = Image::from_elf(&tiny_elf(), Family::Rp2040).expect("image");
    let addrs: Vec<u32> = image.pages().map(|(a, _)| a).collect();
    // Sector 0 complete (16 pages: 0x000 and 0x100 code, 0x400 code and .data, the rest
    // padding because they lie below the last page), then the page in sector 2 alone.
    let mut want: Vec<u32> = (0..16).map(|i| 0x1000_0000 + i * 0x100).collect();
    want.push(0x1000_2000);
    assert_eq!(addrs, want);

    let pages: Vec<&[u8; PAGE_LEN]> = image.pages().map(|(_, p)| p).collect();
    let code = pattern(300, 1);
    assert_eq!(&pages[0][..], &code[..256]);
    assert_eq!(&pages[1][..44], &code[256..]);
    assert!(pages[1][44..].iter().all(|b| *b == 0));
    assert!(pages[2].iter().all(|b| *b == 0), "padding page");
    assert_eq!(&pages[4][..16], &pattern(16, 2)[..]);
    assert_eq!(
        &pages[4][16..24],
        &pattern(8, 3)[..],
        ".data's initial values at its LMA"
    );
    assert!(pages[4][24..].iter().all(|b| *b == 0), ".bss is not loaded");
    assert_eq!(&pages[16][..4], &pattern(4, 4)[..]);

    assert_eq!(image.payload_len(), 17 * 256);
    assert_eq!(image.loaded_len(), 300 + 16 + 8 + 4);
}

#[test]
fn uf2_numbers_the_blocks_and_carries_the_family() {
    let image = Image::from_elf(&tiny_elf(), Family::Rp2040).expect("image");
    let blocks = parse(&image.to_uf2(Family::Rp2040, None)).expect("parse");
    assert_eq!(blocks.len(), 17);
    for (i, (b, (addr, page))) in blocks.iter().zip(image.pages()).enumerate() {
        assert_eq!((b.number, b.count), (i as u32, 17));
        assert_eq!((b.flags, b.family_id), (0x2000, 0xe48b_ff56));
        assert_eq!((b.addr, b.payload_size), (addr, 256));
        assert_eq!(b.payload(), &page[..]);
    }
}

#[test]
fn rp2350_image_starts_with_the_e10_block_outside_its_numbering() {
    let image = Image::from_elf(&tiny_elf(), Family::Rp2350ArmS).expect("image");
    let uf2 = image.to_uf2(Family::Rp2350ArmS, Some(RP2350_ABS_BLOCK_ADDR));
    assert_eq!(
        &uf2[..BLOCK_LEN],
        &rp2350_e10_block(RP2350_ABS_BLOCK_ADDR)[..]
    );
    let blocks = parse(&uf2).expect("parse");
    assert_eq!(blocks.len(), 18);
    for (i, b) in blocks[1..].iter().enumerate() {
        assert_eq!(
            (b.number, b.count, b.family_id),
            (i as u32, 17, 0xe48b_ff59)
        );
    }
    // Without the block, the same image as for RP2040 but for the family.
    let plain = parse(&image.to_uf2(Family::Rp2350ArmS, None)).expect("parse");
    assert_eq!(plain, blocks[1..]);
}

#[test]
fn matches_elf2uf2_rs_byte_for_byte() {
    let elf = std::fs::read("tests/data/tiny.elf").expect("fixture");
    assert_eq!(
        elf,
        tiny_elf(),
        "tests/data/tiny.elf is the fixture tiny_elf() builds"
    );
    let reference = std::fs::read("tests/data/tiny.elf2uf2-rs.uf2").expect("fixture");
    let image = Image::from_elf(&elf, Family::Rp2040).expect("image");
    assert_eq!(image.to_uf2(Family::Rp2040, None), reference);
}

#[test]
fn refuses_what_it_cannot_flash() {
    let ram = elf(
        0x2000_0001,
        &[seg(0x2000_0000, 0x2000_0000, vec![1; 8])],
        &[],
    );
    assert_eq!(
        Image::from_elf(&ram, Family::Rp2040).err(),
        Some(Error::OutsideFlash {
            addr: 0x2000_0000,
            len: 8
        })
    );
    let overlap = elf(
        0x1000_0001,
        &[
            seg(0x1000_0000, 0x1000_0000, vec![1; 8]),
            seg(0x1000_0004, 0x1000_0004, vec![2; 8]),
        ],
        &[],
    );
    assert_eq!(
        Image::from_elf(&overlap, Family::Rp2040).err(),
        Some(Error::Overlap(0x1000_0004))
    );
    assert!(matches!(
        Image::from_elf(b"not an elf file at all, clearly", Family::Rp2040),
        Err(Error::Elf(_))
    ));
    assert_eq!(parse(&[0; 100]).err(), Some(Error::Length(100)));
    assert_eq!(parse(&[0; 512]).err(), Some(Error::Magic(0)));
}

#[test]
fn sizes_count_pages_and_ram_sections() {
    let s = Sizes::of(&tiny_elf(), Family::Rp2040).expect("sizes");
    assert_eq!(s.uf2_payload, 17 * 256);
    assert_eq!(s.flash, 328);
    assert_eq!((s.data, s.bss, s.uninit), (8, 64, 0));
    assert_eq!(s.static_ram(), 72);
    let names: Vec<String> = Elf::parse(&tiny_elf())
        .expect("elf")
        .sections()
        .expect("sections")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["", ".text", ".data", ".bss", ".shstrtab"]);
}

/// Writes `tests/data/tiny.elf`; then `elf2uf2-rs tests/data/tiny.elf
/// tests/data/tiny.elf2uf2-rs.uf2` makes the reference.
#[test]
#[ignore = "regenerates the fixture"]
fn write_fixture() {
    std::fs::write("tests/data/tiny.elf", tiny_elf()).expect("write");
}
