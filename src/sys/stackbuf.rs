//! A byte buffer on the stack that is not zeroed first: a log line is built into it and
//! handed to one write(2) or sendto(2). Zero-filling 4 KiB per line would cost more than
//! formatting the line itself (the logger's budget is a few hundred instructions), and
//! only the bytes written are ever read, so the rest may stay uninitialised.

use core::mem::MaybeUninit;

pub struct StackBuf<const N: usize> {
    buf: [MaybeUninit<u8>; N],
    /// Bytes `..len` are initialised; `len <= N` always.
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    #[inline(always)]
    pub const fn new() -> Self {
        StackBuf {
            buf: [const { MaybeUninit::uninit() }; N],
            len: 0,
        }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Room left before the buffer is full.
    #[inline(always)]
    pub fn room(&self) -> usize {
        N - self.len
    }

    /// Appends as much of `bytes` as fits; returns how many bytes were taken. Inlined, so
    /// that the many short constant pieces of a log line become plain stores.
    #[inline(always)]
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        // Two copies, so that the one taken when the bytes fit has the length the caller
        // gave (a constant after inlining, which the compiler turns into stores).
        let n = if bytes.len() <= N - self.len {
            bytes.len()
        } else {
            N - self.len
        };
        let dst = self.buf.as_mut_ptr().wrapping_add(self.len).cast::<u8>();
        if n == bytes.len() {
            // SAFETY: `len + bytes.len() <= N`: the destination lies inside `buf`; source
            // and destination are distinct objects (a shared borrow cannot alias `&mut self`).
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
        } else {
            // SAFETY: as above, with `len + n == N`.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, n) };
        }
        self.len += n;
        n
    }

    /// Appends the first `used` bytes of `bytes` (`used <= K`). When `K` bytes fit, all of
    /// `bytes` is stored (a fixed-size copy, i.e. a few stores) and only `used` are kept:
    /// the rest lies past `len`, where nothing is ever read.
    #[inline(always)]
    pub fn push_padded<const K: usize>(&mut self, bytes: &[u8; K], used: usize) {
        let used = used.min(K);
        if K <= N - self.len {
            let dst = self.buf.as_mut_ptr().wrapping_add(self.len).cast::<u8>();
            // SAFETY: `len + K <= N`: the destination lies inside `buf`; the source is a
            // distinct local array of exactly K bytes.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, K) };
            self.len += used;
        } else {
            self.push(&bytes[..used]);
        }
    }

    /// Appends one byte if there is room.
    #[inline(always)]
    pub fn push_byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            slot.write(b);
            self.len += 1;
        }
    }

    /// Forgets bytes past `len` (no-op when `len` is not shorter).
    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: bytes `..len` were written (push and push_byte keep `len` at the end of
        // the written prefix), and `len <= N`.
        unsafe { core::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::StackBuf;

    #[test]
    fn push_truncates_at_capacity() {
        let mut b = StackBuf::<8>::new();
        assert_eq!(b.push(b"hello"), 5);
        assert_eq!(b.push(b" world"), 3);
        b.push_byte(b'!');
        assert_eq!(b.as_bytes(), b"hello wo");
        b.truncate(4);
        assert_eq!(b.as_bytes(), b"hell");
        assert_eq!(b.room(), 4);
        b.push_padded(b"o!??", 2);
        assert_eq!(b.as_bytes(), b"hello!");
        b.push_padded(b"abcd", 3); // does not fit whole: the used part, cut at capacity
        assert_eq!(b.as_bytes(), b"hello!ab");
    }
}
