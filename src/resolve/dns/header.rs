//! The fixed 12-byte header (RFC 1035 §4.1.1) and `Message`, the view that owns the bounds.

use super::WireError;

/// Header layout, as in smoltcp's wire modules. Offsets into the first 12 bytes.
pub(super) mod field {
    pub const ID: usize = 0;
    pub const FLAGS: usize = 2;
    pub const QDCOUNT: usize = 4;
    pub const ANCOUNT: usize = 6;
    pub const NSCOUNT: usize = 8;
    pub const ARCOUNT: usize = 10;
    pub const HEADER_LEN: usize = 12;
}

// Flag bits within the 16-bit FLAGS word (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2).
const QR: u16 = 0x8000;
const AA: u16 = 0x0400;
const TC: u16 = 0x0200;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;
const AD: u16 = 0x0020;
const CD: u16 = 0x0010;

/// A received message. After `new_checked` succeeds no accessor can panic, and none allocates.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    buf: &'a [u8],
    header: &'a [u8; field::HEADER_LEN],
}

impl<'a> Message<'a> {
    /// Accepts any buffer that holds a whole header; everything past it is read lazily.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        let header = buf.first_chunk().ok_or(WireError::Truncated)?;
        Ok(Message { buf, header })
    }

    /// The whole message, header included: names are offsets into it.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    fn word(&self, at: usize) -> u16 {
        // `at` is one of the `field` constants, all below HEADER_LEN - 1.
        let hi = self.header.get(at).copied().unwrap_or(0);
        let lo = self.header.get(at + 1).copied().unwrap_or(0);
        u16::from_be_bytes([hi, lo])
    }

    fn flags(&self) -> u16 {
        self.word(field::FLAGS)
    }

    pub fn id(&self) -> u16 {
        self.word(field::ID)
    }
    /// True in a response.
    pub fn qr(&self) -> bool {
        self.flags() & QR != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags() >> 11) & 0x0f) as u8
    }
    pub fn aa(&self) -> bool {
        self.flags() & AA != 0
    }
    /// Truncated: the answer did not fit; glibc retries over TCP.
    pub fn tc(&self) -> bool {
        self.flags() & TC != 0
    }
    pub fn rd(&self) -> bool {
        self.flags() & RD != 0
    }
    pub fn ra(&self) -> bool {
        self.flags() & RA != 0
    }
    pub fn ad(&self) -> bool {
        self.flags() & AD != 0
    }
    pub fn cd(&self) -> bool {
        self.flags() & CD != 0
    }
    /// The 4-bit RCODE of the header (EDNS extended bits are not folded in, as glibc).
    pub fn rcode(&self) -> u8 {
        (self.flags() & 0x000f) as u8
    }
    /// The counts are claims made by the sender; the parser trusts bytes, not counts.
    pub fn question_count(&self) -> u16 {
        self.word(field::QDCOUNT)
    }
    pub fn answer_count(&self) -> u16 {
        self.word(field::ANCOUNT)
    }
    pub fn authority_count(&self) -> u16 {
        self.word(field::NSCOUNT)
    }
    pub fn additional_count(&self) -> u16 {
        self.word(field::ARCOUNT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields() {
        // (bytes, id, qr, opcode, aa, tc, rd, ra, ad, rcode, counts)
        #[allow(clippy::type_complexity)] // one table row per case
        #[rustfmt::skip]
        let table: [([u8; 12], u16, bool, u8, bool, bool, bool, bool, bool, u8, [u16; 4]); 3] = [
            ([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 1],
             0x1234, true, 0, false, false, true, true, false, 0, [1, 2, 0, 1]),
            ([0xff, 0xff, 0x87, 0xa3, 0, 1, 0, 0, 0, 1, 0, 0],
             0xffff, true, 0, true, true, true, true, true, 3, [1, 0, 1, 0]),
            ([0, 0, 0x29, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
             0, false, 5, false, false, true, false, false, 5, [65535; 4]),
        ];
        for (bytes, id, qr, opcode, aa, tc, rd, ra, ad, rcode, counts) in table {
            let m = Message::new_checked(&bytes).unwrap();
            assert_eq!(
                (
                    m.id(),
                    m.qr(),
                    m.opcode(),
                    m.aa(),
                    m.tc(),
                    m.rd(),
                    m.ra(),
                    m.ad(),
                    m.rcode()
                ),
                (id, qr, opcode, aa, tc, rd, ra, ad, rcode),
                "{bytes:02x?}"
            );
            let got = [
                m.question_count(),
                m.answer_count(),
                m.authority_count(),
                m.additional_count(),
            ];
            assert_eq!(got, counts);
        }
    }

    #[test]
    fn short_header_is_truncated() {
        for len in 0..12 {
            let bytes = [0u8; 12];
            assert_eq!(
                Message::new_checked(&bytes[..len]).err(),
                Some(WireError::Truncated)
            );
        }
    }
}
