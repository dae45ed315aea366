//! TODO(behaviour): placeholder until the netlink query lands: every family counts as
//! configured, which is what glibc assumes when its own query fails.

pub struct Seen {
    pub ipv4: bool,
    pub ipv6: bool,
}

pub fn families() -> Seen {
    Seen {
        ipv4: true,
        ipv6: true,
    }
}
