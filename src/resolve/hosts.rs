//! TODO(behaviour): filled in by the getaddrinfo work (issue 3).
