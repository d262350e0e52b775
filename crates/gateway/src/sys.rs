//! Batched datagram receive (`recvmmsg`), the one place the gateway needs `unsafe`.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd};

/// Datagrams fetched per system call.
pub const BATCH: usize = 64;

/// Buffers for one `recvmmsg` call: `BATCH` datagrams of up to `max_len` bytes each.
pub struct RecvBatch {
    max_len: usize,
    /// Headers filled in by the last call (their `msg_namelen` needs resetting).
    filled: usize,
    bufs: Vec<u8>,
    addrs: Vec<libc::sockaddr_storage>,
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

// SAFETY: the raw pointers inside `iovs`/`hdrs` only ever point into the heap buffers of this
// struct's own vectors, which are never resized, so moving the struct to another thread (or
// anywhere) leaves them valid.
unsafe impl Send for RecvBatch {}

/// How [`RecvBatch::recv`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Return at once, `Ok(0)` when nothing is queued (`MSG_DONTWAIT`).
    No,
    /// Block for the first datagram, up to the socket's receive timeout, then take whatever
    /// else is queued without waiting (`MSG_WAITFORONE`). The socket must be in blocking mode.
    ForOne,
}

impl RecvBatch {
    /// Buffers for datagrams of up to `max_len` bytes; longer ones are reported truncated.
    pub fn new(max_len: usize) -> Self {
        let mut b = RecvBatch {
            max_len,
            filled: 0,
            bufs: vec![0; max_len * BATCH],
            // SAFETY: all-zero is a valid value of these plain C structs.
            addrs: vec![unsafe { zeroed() }; BATCH],
            iovs: vec![
                libc::iovec {
                    iov_base: std::ptr::null_mut(),
                    iov_len: 0
                };
                BATCH
            ],
            hdrs: vec![unsafe { zeroed() }; BATCH],
        };
        // The headers are built once: the kernel only writes `msg_namelen`, `msg_flags` and
        // `msg_len` of the headers it fills, and the vectors never move their buffers.
        for i in 0..BATCH {
            b.iovs[i] = libc::iovec {
                iov_base: b.bufs[i * max_len..].as_mut_ptr().cast(),
                iov_len: max_len,
            };
            let hdr = &mut b.hdrs[i];
            hdr.msg_hdr.msg_name = (&mut b.addrs[i] as *mut libc::sockaddr_storage).cast();
            hdr.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            hdr.msg_hdr.msg_iov = &mut b.iovs[i];
            hdr.msg_hdr.msg_iovlen = 1;
        }
        b
    }

    /// Receive up to `BATCH` datagrams. `Ok(0)` when none are waiting ([`Wait::No`]) or none
    /// came within the socket's receive timeout ([`Wait::ForOne`]).
    pub fn recv(&mut self, fd: BorrowedFd<'_>, wait: Wait) -> io::Result<usize> {
        for hdr in &mut self.hdrs[..self.filled] {
            hdr.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        }
        self.filled = 0;
        let flags = match wait {
            Wait::No => libc::MSG_DONTWAIT,
            Wait::ForOne => libc::MSG_WAITFORONE,
        };
        // SAFETY: every header points at live buffers of the stated sizes owned by `self`,
        // which outlives the call; the kernel writes at most those sizes.
        let n = unsafe {
            libc::recvmmsg(
                fd.as_raw_fd(),
                self.hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                flags,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        self.filled = n as usize;
        Ok(n as usize)
    }

    /// Datagram `i` of the last call: its bytes, whether it was cut short, and its sender.
    pub fn get(&self, i: usize) -> (&[u8], bool, Option<SocketAddr>) {
        let hdr = &self.hdrs[i];
        let len = (hdr.msg_len as usize).min(self.max_len);
        let truncated = hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        let data = &self.bufs[i * self.max_len..i * self.max_len + len];
        (data, truncated, sockaddr_to_std(&self.addrs[i]))
    }
}

fn sockaddr_to_std(sa: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(sa.ss_family) {
        libc::AF_INET => {
            // SAFETY: ss_family says this storage holds a sockaddr_in, which it is large enough for.
            let a = unsafe { &*(sa as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let a = unsafe { &*(sa as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Wait until one of `fds` is readable or `timeout` passes. Returns which are readable.
pub fn poll_readable(
    fds: &[BorrowedFd<'_>],
    timeout: std::time::Duration,
    ready: &mut Vec<bool>,
) -> io::Result<()> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `pfds` is a valid array of `pfds.len()` pollfd structs for the whole call.
    let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
    ready.clear();
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            ready.resize(fds.len(), false);
            return Ok(());
        }
        return Err(e);
    }
    ready.extend(
        pfds.iter()
            .map(|p| p.revents & (libc::POLLIN | libc::POLLERR) != 0),
    );
    Ok(())
}
