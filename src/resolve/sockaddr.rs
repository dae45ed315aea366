//! struct sockaddr_in / sockaddr_in6 as bytes, for the resolver's own sockets (source
//! probes, DNS): the resolver stays free of C types and raw pointers.

use super::Address;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const SOCKADDR_IN_LEN: usize = 16;
pub const SOCKADDR_IN6_LEN: usize = 28;

/// Writes the sockaddr for `addr` and `port` into `buf` and returns its length.
pub fn encode(addr: &Address, port: u16, buf: &mut [u8; SOCKADDR_IN6_LEN]) -> usize {
    *buf = [0; SOCKADDR_IN6_LEN];
    buf[2..4].copy_from_slice(&port.to_be_bytes());
    match addr.ip {
        IpAddr::V4(v4) => {
            buf[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
            buf[4..8].copy_from_slice(&v4.octets());
            SOCKADDR_IN_LEN
        }
        IpAddr::V6(v6) => {
            buf[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
            buf[8..24].copy_from_slice(&v6.octets());
            buf[24..28].copy_from_slice(&addr.scope_id.to_ne_bytes());
            SOCKADDR_IN6_LEN
        }
    }
}

/// Reads an AF_INET or AF_INET6 sockaddr (the port is dropped).
pub fn decode(bytes: &[u8]) -> Option<Address> {
    Some(decode_with_port(bytes)?.0)
}

/// Reads an AF_INET or AF_INET6 sockaddr with its port.
pub fn decode_with_port(bytes: &[u8]) -> Option<(Address, u16)> {
    let family = i32::from(u16::from_ne_bytes(bytes.get(..2)?.try_into().ok()?));
    let port = u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?);
    match family {
        libc::AF_INET => {
            let o: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some((Address::new(IpAddr::V4(Ipv4Addr::from(o))), port))
        }
        libc::AF_INET6 => {
            let o: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            let scope_id = u32::from_ne_bytes(bytes.get(24..28)?.try_into().ok()?);
            Some((
                Address {
                    ip: IpAddr::V6(Ipv6Addr::from(o)),
                    scope_id,
                },
                port,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (text, scope) in [("192.0.2.1", 0), ("2001:db8::1", 0), ("fe80::1", 3)] {
            let addr = Address {
                ip: text.parse().unwrap(),
                scope_id: scope,
            };
            let mut buf = [0; SOCKADDR_IN6_LEN];
            let len = encode(&addr, 53, &mut buf);
            assert_eq!(decode_with_port(&buf[..len]), Some((addr, 53)));
        }
        assert_eq!(decode(&[0; 3]), None);
        assert_eq!(decode(&[0; 16]), None); // AF_UNSPEC
    }
}
