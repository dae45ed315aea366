//! The DNS wire format (RFC 1035), read and written in place: pure byte code over `core`.
//!
//! Nothing here allocates, makes a syscall or names anything outside this directory, so the
//! fuzz crate (`fuzz/`) can compile these files on their own. `transport` (sockets) and the
//! resolver's policy (search list, EAI_* codes) live above and call in here.
//!
//! - `header`: `Message`, the bounds-checked view of a received message and its header.
//! - `name`: `Name`, a possibly compressed name read in place (message + offset).
//! - `parse`: the forward `Cursor`, questions and records from iterators, the question check.
//! - `answer`: the walks getaddrinfo (A/AAAA after CNAMEs) and getnameinfo (PTR) need.
//! - `encode`: queries (with an optional EDNS0 OPT record) and reverse-lookup names.
#![forbid(unsafe_code)]

pub mod answer;
pub mod encode;
pub mod exercise;
pub mod header;
pub mod name;
pub mod parse;
// Sockets: not part of the fuzz targets, which compile the byte code alone.
#[cfg(not(fuzzing))]
pub mod transport;

// The transport and the resolver's policy (written next) use these.
#[allow(unused_imports)]
pub use answer::{addresses, first_ptr, ptr_text, Addresses, AnswerWalk};
#[allow(unused_imports)]
pub use encode::{encode_query, query_len, reverse_name_v4, reverse_name_v6};
#[allow(unused_imports)]
pub use header::Message;
#[allow(unused_imports)]
pub use name::Name;
#[allow(unused_imports)]
pub use parse::{question_matches, Question, Record};

/// Why bytes could not be read or written. Small and `Copy`: it travels up by value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WireError {
    /// The message ends inside a field, or a count claims more than the bytes hold.
    Truncated,
    /// A label is empty where it may not be, longer than 63 bytes, of a reserved type
    /// (0x40, 0x80), or (in text) contains a backslash.
    BadLabel,
    /// A compression pointer does not point strictly backwards, or there are too many.
    BadPointer,
    /// A name is longer than 255 bytes in wire form.
    NameTooLong,
    /// Record data does not parse as its type says (e.g. a CNAME target overruns it).
    BadRdata,
    /// The caller's output buffer is too small; nothing past its end was written.
    NoSpace,
}

/// Record types and classes we read or write (RFC 1035 §3.2.2, RFC 3596, RFC 6891).
pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_SOA: u16 = 6;
pub const TYPE_PTR: u16 = 12;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_OPT: u16 = 41;
pub const CLASS_IN: u16 = 1;

/// RCODE values (RFC 1035 §4.1.1) the resolver's policy acts on.
pub const RCODE_NOERROR: u8 = 0;
pub const RCODE_FORMERR: u8 = 1;
pub const RCODE_SERVFAIL: u8 = 2;
pub const RCODE_NXDOMAIN: u8 = 3;
pub const RCODE_NOTIMP: u8 = 4;
pub const RCODE_REFUSED: u8 = 5;
