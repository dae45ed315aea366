//! TODO(behaviour): placeholder until glibc's RFC 3484 sort lands: the order is kept.

pub fn sort_entries(_entries: &mut [super::gai::Entry]) {}
