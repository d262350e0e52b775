//! Response bodies: parts rendered separately, sent one after another with a
//! `Content-Length` (the exact size is known, so the body is not chunk-encoded), in buffers
//! that are reused from one scrape to the next.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

/// Byte strings sent in order as one body.
#[derive(Debug, Default)]
pub struct Parts {
    parts: VecDeque<Bytes>,
    left: u64,
}

impl Parts {
    /// A body of `parts`, in order. Empty parts are dropped.
    pub fn new<I, B>(parts: I) -> Self
    where
        I: IntoIterator<Item = B>,
        B: Into<Bytes>,
    {
        let parts: VecDeque<Bytes> = parts
            .into_iter()
            .map(Into::into)
            .filter(|b| !b.is_empty())
            .collect();
        let left = parts.iter().map(|b| b.len() as u64).sum();
        Parts { parts, left }
    }

    /// Length of what is still to be sent.
    pub fn len(&self) -> u64 {
        self.left
    }

    /// Whether everything has been sent.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl Body for Parts {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.parts.pop_front().map(|part| {
            self.left -= part.len() as u64;
            Ok(Frame::data(part))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

/// Body buffers kept for the next scrape. A large body in fresh memory costs a page fault
/// for every 4 KiB the first time it is written, which on a virtual machine took as long as
/// rendering it; a buffer that was used before is already paged in.
#[derive(Debug)]
pub struct BufPool {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl BufPool {
    /// A pool keeping at most `keep` buffers.
    pub fn new(keep: usize) -> Self {
        BufPool {
            free: Mutex::new(Vec::with_capacity(keep)),
            keep,
        }
    }

    fn free(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An empty string with room for at least `capacity` bytes: the roomiest kept buffer,
    /// else a new one.
    pub fn take(&self, capacity: usize) -> String {
        let buf = {
            let mut free = self.free();
            let best = (0..free.len()).max_by_key(|&i| free[i].capacity());
            best.map(|i| free.swap_remove(i)).unwrap_or_default()
        };
        let mut s = String::from_utf8(buf).unwrap_or_default();
        s.reserve(capacity);
        s
    }

    /// Keep `buf` for a later [`BufPool::take`], if there is room.
    pub fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        let mut free = self.free();
        if free.len() < self.keep {
            free.push(buf);
        }
    }

    /// `buf` as body bytes that go back to the pool once sent.
    pub fn bytes(self: &Arc<Self>, buf: Vec<u8>) -> Bytes {
        Bytes::from_owner(Pooled {
            buf,
            pool: Arc::clone(self),
        })
    }

    /// Buffers kept now.
    pub fn kept(&self) -> usize {
        self.free().len()
    }
}

/// A buffer lent to a body; back to its pool when the body is done with it.
struct Pooled {
    buf: Vec<u8>,
    pool: Arc<BufPool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_once_the_body_is_dropped() {
        let pool = Arc::new(BufPool::new(2));
        let mut s = pool.take(1000);
        let room = s.capacity();
        assert!(room >= 1000);
        s.push_str("abc");
        let bytes = pool.bytes(s.into_bytes());
        assert_eq!(&bytes[..], b"abc");
        assert_eq!(pool.kept(), 0, "lent out while the body lives");
        let copy = bytes.clone();
        drop(bytes);
        assert_eq!(pool.kept(), 0, "a clone still holds it");
        drop(copy);
        assert_eq!(pool.kept(), 1);
        let again = pool.take(10);
        assert_eq!(
            (again.len(), again.capacity()),
            (0, room),
            "the same buffer, emptied"
        );
        // At most `keep` are kept.
        for _ in 0..3 {
            pool.give(Vec::with_capacity(8));
        }
        assert_eq!(pool.kept(), 2);
    }

    #[test]
    fn parts_are_sent_in_order_with_their_exact_length() {
        let mut body = Parts::new(["ab", "", "cde"].map(String::from));
        assert_eq!(body.size_hint().exact(), Some(5));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut got = Vec::new();
        while let Poll::Ready(Some(frame)) = Pin::new(&mut body).poll_frame(&mut cx) {
            let frame = frame.expect("infallible");
            got.push(frame.into_data().expect("data frame"));
            assert_eq!(body.size_hint().exact(), Some(body.len()));
        }
        assert_eq!(got, [Bytes::from_static(b"ab"), Bytes::from_static(b"cde")]);
        assert!(body.is_end_stream() && body.is_empty());
    }
}
