//! `promcast-uf2`: make UF2 images of firmware ELF files and report their sizes.
//!
//! ```text
//! promcast-uf2 convert --family rp2040|rp2350 [--abs-block ADDR | --no-abs-block] IN.elf OUT.uf2
//! promcast-uf2 size --family rp2040|rp2350 [--label NAME] IN.elf
//! promcast-uf2 info IN.uf2
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use promcast_uf2::{Family, Image, RP2350_ABS_BLOCK_ADDR, Sizes, parse};

const USAGE: &str = "usage:
  promcast-uf2 convert --family rp2040|rp2350 [--abs-block ADDR | --no-abs-block] IN.elf OUT.uf2
      UF2 image of a flash ELF. rp2350 images start with picotool's RP2350-E10 block
      (for 0x10ffff00) unless --no-abs-block.
  promcast-uf2 size --family rp2040|rp2350 [--label NAME] IN.elf
      one line: UF2 payload, loadable bytes, .data, .bss, .uninit, static RAM (.data+.bss)
  promcast-uf2 info IN.uf2
      blocks of a UF2 file: runs of consecutive addresses, by family";

/// Parsed command line.
struct Args {
    command: String,
    family: Option<Family>,
    abs_block: Option<Option<u32>>,
    label: Option<String>,
    files: Vec<PathBuf>,
}

fn parse_u32(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("{s:?} is not a 32-bit address"))
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or("no command")?;
    let mut a = Args {
        command,
        family: None,
        abs_block: None,
        label: None,
        files: Vec::new(),
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--family" => {
                let f = it.next().ok_or("--family needs rp2040 or rp2350")?;
                a.family = Some(Family::parse(&f).ok_or(format!("unknown family {f:?}"))?);
            }
            "--abs-block" => {
                let v = it.next().ok_or("--abs-block needs an address")?;
                a.abs_block = Some(Some(parse_u32(&v)?));
            }
            "--no-abs-block" => a.abs_block = Some(None),
            "--label" => a.label = Some(it.next().ok_or("--label needs a name")?),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => a.files.push(PathBuf::from(arg)),
        }
    }
    Ok(a)
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(a: Args) -> Result<(), String> {
    let family = || {
        a.family
            .ok_or("--family rp2040 or --family rp2350 is required")
    };
    match (a.command.as_str(), a.files.as_slice()) {
        ("convert", [input, output]) => {
            let family = family()?;
            let image = Image::from_elf(&read(input)?, family)
                .map_err(|e| format!("{}: {e}", input.display()))?;
            let abs = a
                .abs_block
                .unwrap_or(family.wants_abs_block().then_some(RP2350_ABS_BLOCK_ADDR));
            std::fs::write(output, image.to_uf2(family, abs))
                .map_err(|e| format!("{}: {e}", output.display()))?;
            Ok(())
        }
        ("size", [input]) => {
            let s = Sizes::of(&read(input)?, family()?)
                .map_err(|e| format!("{}: {e}", input.display()))?;
            let label = a.label.unwrap_or_else(|| input.display().to_string());
            println!(
                "{label}: uf2_payload={} flash={} data={} bss={} uninit={} static_ram={}",
                s.uf2_payload,
                s.flash,
                s.data,
                s.bss,
                s.uninit,
                s.static_ram()
            );
            Ok(())
        }
        ("info", [input]) => {
            let blocks = parse(&read(input)?).map_err(|e| format!("{}: {e}", input.display()))?;
            // Consecutive blocks of one family, as runs.
            let mut runs: Vec<(u32, u32, u32, usize)> = Vec::new(); // family, first, end, blocks
            for b in &blocks {
                match runs.last_mut() {
                    Some((f, _, end, n)) if *f == b.family_id && *end == b.addr => {
                        *end = b.addr + b.payload_size;
                        *n += 1;
                    }
                    _ => runs.push((b.family_id, b.addr, b.addr + b.payload_size, 1)),
                }
            }
            println!("{}: {} blocks", input.display(), blocks.len());
            for (id, first, end, n) in runs {
                let family =
                    Family::from_id(id).map_or_else(|| format!("0x{id:08x}"), |f| f.to_string());
                println!("  {family}: {n} blocks, 0x{first:08x}..0x{end:08x}");
            }
            Ok(())
        }
        _ => Err(String::new()),
    }
}

fn main() -> ExitCode {
    match args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.is_empty() {
                eprintln!("{USAGE}");
            } else {
                eprintln!("promcast-uf2: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
