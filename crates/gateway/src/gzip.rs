//! gzip for bodies rendered in parts: each part is deflated on its own thread and the pieces
//! are joined into one gzip member, as `pigz` does. Every part but the last ends on a byte
//! boundary after a sync flush, so the raw deflate streams concatenate into one stream; the
//! CRC-32 of the whole is combined from the parts'. A client sees an ordinary gzip body.

use std::io;

use crc32fast::Hasher;
use flate2::{Compress, Compression, FlushCompress, Status};

use crate::render::each_on_its_own_thread;

/// gzip header: magic, deflate, no flags, no time, no extra flags, OS unknown (RFC 1952).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Output room added whenever the deflate output runs short.
const GROW: usize = 64 * 1024;

/// `parts`, concatenated and gzip-compressed (fastest level) into `out`, one thread per part.
pub fn compress_parts<P: AsRef<[u8]> + Sync>(parts: &[P], mut out: Vec<u8>) -> io::Result<Vec<u8>> {
    out.clear();
    out.extend_from_slice(&HEADER);
    let last = parts.len().saturating_sub(1);
    let pieces = each_on_its_own_thread(parts, |i, part| deflate(part.as_ref(), i == last));
    let mut crc = Hasher::new();
    let len: usize = parts.iter().map(|p| p.as_ref().len()).sum();
    for piece in pieces {
        let (bytes, part_crc) = piece?;
        out.extend_from_slice(&bytes);
        crc.combine(&part_crc);
    }
    if parts.is_empty() {
        // An empty deflate stream: one final, empty fixed-Huffman block.
        out.extend_from_slice(&[3, 0]);
    }
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    out.extend_from_slice(&(len as u32).to_le_bytes());
    Ok(out)
}

/// Raw deflate of `input`: ended with a final block when `last`, else with a sync flush.
/// Returns the bytes and the CRC-32 state of the input.
fn deflate(input: &[u8], last: bool) -> io::Result<(Vec<u8>, Hasher)> {
    let mut crc = Hasher::new();
    crc.update(input);
    let mut z = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(input.len() / 8 + GROW);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        if out.capacity() - out.len() < GROW {
            out.reserve(GROW.max(out.capacity() / 4));
        }
        let consumed = z.total_in() as usize;
        let status = z
            .compress_vec(&input[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = z.total_in() as usize == input.len();
        // Done: the final block is out, or the flush is complete (it left output room).
        if status == Status::StreamEnd || (!last && all_in && out.len() < out.capacity()) {
            return Ok((out, crc));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut d = flate2::read::GzDecoder::new(bytes);
        let mut out = Vec::new();
        d.read_to_end(&mut out).expect("valid gzip");
        // One member, nothing after it.
        assert_eq!(d.into_inner(), &[] as &[u8]);
        out
    }

    #[test]
    fn parts_make_one_gzip_member_of_the_whole() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| {
                format!("temperature{{sensor_id=\"28-{i:012x}\"}} {}.5\n", i % 40).into_bytes()
            })
            .collect();
        let cuts = [0, 1, 70_000, 1_500_000, 3_000_000, text.len()];
        for n in 1..cuts.len() {
            // n parts of uneven sizes, the first possibly tiny.
            let mut bounds: Vec<usize> = cuts[..n].to_vec();
            bounds.push(text.len());
            let parts: Vec<&[u8]> = bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect();
            let gz = compress_parts(&parts, Vec::new()).expect("compresses");
            assert_eq!(gunzip(&gz), text, "{n} parts");
            assert!(gz.len() < text.len() / 4, "{n} parts: {} bytes", gz.len());
        }
    }

    #[test]
    fn empty_parts_and_no_parts() {
        assert_eq!(
            gunzip(&compress_parts::<&[u8]>(&[], Vec::new()).expect("ok")),
            b""
        );
        let parts: [&[u8]; 3] = [b"", b"abc", b""];
        assert_eq!(
            gunzip(&compress_parts(&parts, Vec::new()).expect("ok")),
            b"abc"
        );
    }
}
