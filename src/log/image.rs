//! What the first page of an executable says about whether the preload will see it, for
//! the exec hooks (log/subtree.rs): PT_INTERP, Go's build-id note, a `#!` line. Pure byte
//! logic: the caller reads the first `PAGE` bytes of the file (no allocation, usable in a
//! vfork child).

/// How much of the file the check reads.
pub const PAGE: usize = 4096;

/// What an image is, as far as the first page tells.
#[derive(Debug, PartialEq, Eq)]
pub enum Image<'a> {
    /// ELF with PT_INTERP and no Go build-id note: the dynamic loader runs, the preload loads.
    Dynamic,
    /// ELF without PT_INTERP: no loader, no preload.
    Static,
    /// A Go program (its build-id note), dynamic or not: its connects are its own syscalls.
    Go,
    /// `#!` script: what it needs is what its interpreter (this path) needs.
    Script(&'a [u8]),
    /// ELF whose program headers or notes lie beyond the page, or are malformed: unsure,
    /// so the caller traces (tracing a preloaded image costs time, never a double line).
    Unsure,
    /// Not an image the kernel runs by itself (the exec then fails as it would anyway).
    Other,
}

const PT_INTERP: u64 = 3;
const PT_NOTE: u64 = 4;
/// Go's linker writes its build ID as a note of owner "Go" and this type (.note.go.buildid).
const NT_GO_BUILDID: u32 = 4;

struct Reader<'a> {
    b: &'a [u8],
    big: bool,
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> Option<u64> {
        let s: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(u64::from(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        }))
    }
    fn u32(&self, at: usize) -> Option<u64> {
        let s: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u64::from(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        }))
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let s: [u8; 8] = self.b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.big {
            u64::from_be_bytes(s)
        } else {
            u64::from_le_bytes(s)
        })
    }
}

/// Classifies the first bytes of a file (at most `PAGE` are looked at).
pub fn classify(head: &[u8]) -> Image<'_> {
    let head = &head[..head.len().min(PAGE)];
    if let Some(rest) = head.strip_prefix(b"#!") {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
        let line = trim_start(line);
        let end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\t')
            .unwrap_or(line.len());
        return Image::Script(&line[..end]);
    }
    if !head.starts_with(b"\x7fELF") {
        return Image::Other;
    }
    elf(head).unwrap_or(Image::Unsure)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let skip = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[skip..]
}

fn elf(head: &[u8]) -> Option<Image<'_>> {
    let wide = match head.get(4)? {
        2 => true,
        1 => false,
        _ => return None,
    };
    let r = Reader {
        b: head,
        big: *head.get(5)? == 2,
    };
    let (phoff, phentsize, phnum) = if wide {
        (r.u64(32)?, r.u16(54)?, r.u16(56)?)
    } else {
        (r.u32(28)?, r.u16(42)?, r.u16(44)?)
    };
    let (mut interp, mut go) = (false, false);
    for i in 0..phnum {
        let at = usize::try_from(phoff.checked_add(i.checked_mul(phentsize)?)?).ok()?;
        let p_type = r.u32(at)?;
        let (offset, size) = if wide {
            (r.u64(at + 8)?, r.u64(at + 32)?)
        } else {
            (r.u32(at + 4)?, r.u32(at + 16)?)
        };
        match p_type {
            PT_INTERP => interp = true,
            PT_NOTE => go |= go_note(&r, offset, size)?,
            _ => {}
        }
    }
    Some(if go {
        Image::Go
    } else if interp {
        Image::Dynamic
    } else {
        Image::Static
    })
}

/// Whether a PT_NOTE segment holds Go's build-id note; None when it is not in the page.
fn go_note(r: &Reader<'_>, offset: u64, size: u64) -> Option<bool> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    r.b.get(start..end)?; // the whole segment must be in the page
    let mut at = start;
    while at + 12 <= end {
        let (namesz, descsz, kind) = (r.u32(at)?, r.u32(at + 4)?, r.u32(at + 8)?);
        let name_at = at + 12;
        let name =
            r.b.get(name_at..name_at.checked_add(usize::try_from(namesz).ok()?)?)?;
        // namesz counts the NUL and Go pads it to 4: "Go\0\0"
        if kind == u64::from(NT_GO_BUILDID) && name.split(|&b| b == 0).next() == Some(b"Go") {
            return Some(true);
        }
        let pad = |n: u64| usize::try_from(n.checked_add(3)? & !3).ok();
        at = name_at
            .checked_add(pad(namesz)?)?
            .checked_add(pad(descsz)?)?;
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(path: &str) -> Vec<u8> {
        let mut b = std::fs::read(path).unwrap();
        b.truncate(PAGE);
        b
    }

    /// An ELF64 little-endian header with `phdrs` program headers (type, offset, size)
    /// and `tail` placed after them.
    fn synthetic(phdrs: &[(u64, u64, u64)], tail: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56 * phdrs.len()];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        for (i, &(kind, offset, size)) in phdrs.iter().enumerate() {
            let at = 64 + 56 * i;
            b[at..at + 4].copy_from_slice(&(kind as u32).to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&offset.to_le_bytes());
            b[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
        }
        b.extend_from_slice(tail);
        b
    }

    fn note(owner: &[u8], kind: u32, desc: &[u8]) -> Vec<u8> {
        let mut n = Vec::new();
        n.extend((owner.len() as u32 + 1).to_le_bytes());
        n.extend((desc.len() as u32).to_le_bytes());
        n.extend(kind.to_le_bytes());
        n.extend(owner);
        n.push(0);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n.extend(desc);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n
    }

    /// Pure byte cases (also under Miri): PT_INTERP, Go's note among others, notes or
    /// headers that lie outside the page, and hostile counts.
    #[test]
    fn synthetic_images() {
        assert_eq!(classify(&synthetic(&[], &[])), Image::Static);
        assert_eq!(
            classify(&synthetic(&[(PT_INTERP, 0, 0)], &[])),
            Image::Dynamic
        );
        let gnu = note(b"GNU", 3, &[1, 2, 3, 4]);
        let go = note(b"Go", NT_GO_BUILDID, b"abcdefgh");
        let both = [gnu.clone(), go.clone()].concat();
        let at = 64 + 56 * 2;
        let img = synthetic(
            &[(PT_INTERP, 0, 0), (PT_NOTE, at as u64, both.len() as u64)],
            &both,
        );
        assert_eq!(classify(&img), Image::Go);
        let img = synthetic(&[(PT_NOTE, 64 + 56, gnu.len() as u64)], &gnu);
        assert_eq!(classify(&img), Image::Static);
        // A "Go" owner with another note type is not the build ID.
        let other = note(b"Go", 1, b"x");
        let img = synthetic(&[(PT_NOTE, 64 + 56, other.len() as u64)], &other);
        assert_eq!(classify(&img), Image::Static);
        // A note segment beyond the page, or longer than the file: unsure.
        let img = synthetic(&[(PT_NOTE, 5000, 16)], &[]);
        assert_eq!(classify(&img), Image::Unsure);
        let img = synthetic(&[(PT_NOTE, 64 + 56, u64::MAX)], &[]);
        assert_eq!(classify(&img), Image::Unsure);
        // Program headers claimed past the page.
        let mut img = synthetic(&[(PT_INTERP, 0, 0)], &[]);
        img[56..58].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(classify(&img), Image::Unsure);
        img[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(classify(&img), Image::Unsure);
        // A note whose name size would run past the segment.
        let mut bad = go.clone();
        bad[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let img = synthetic(&[(PT_NOTE, 64 + 56, bad.len() as u64)], &bad);
        assert_eq!(classify(&img), Image::Unsure);
        // Only the first page is looked at.
        let mut long = synthetic(&[(PT_INTERP, 0, 0)], &[]);
        long.resize(3 * PAGE, 0xff);
        assert_eq!(classify(&long), Image::Dynamic);
    }

    #[test]
    fn dynamic_and_scripts() {
        assert_eq!(classify(&head("/bin/sh")), Image::Dynamic);
        assert_eq!(classify(b"#! /bin/sh -e\necho"), Image::Script(b"/bin/sh"));
        assert_eq!(
            classify(b"#!/usr/bin/env python3"),
            Image::Script(b"/usr/bin/env")
        );
        assert_eq!(classify(b"hello"), Image::Other);
        assert_eq!(classify(b""), Image::Other);
        assert_eq!(classify(b"\x7fELF\x02\x01"), Image::Unsure);
    }

    /// A Go build and a static C build made by the test (`make test` installs gcc and
    /// golang-go; under NETSHIM_REQUIRE_ALL a missing tool fails the test).
    #[test]
    fn static_and_go_from_real_builds() {
        let dir = std::env::temp_dir().join(format!("netshim-image-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let c = dir.join("s.c");
        std::fs::write(&c, "int main(void){return 0;}\n").unwrap();
        let st = dir.join("s");
        let ok = std::process::Command::new("cc")
            .args(["-static", "-o"])
            .arg(&st)
            .arg(&c)
            .status()
            .is_ok_and(|s| s.success());
        let required = std::env::var("NETSHIM_REQUIRE_ALL").is_ok_and(|v| v == "1");
        assert!(ok || !required, "cc -static failed");
        if ok {
            assert_eq!(classify(&head(st.to_str().unwrap())), Image::Static);
        }
        let go = dir.join("g.go");
        std::fs::write(
            &go,
            "package main\nimport \"net\"\nfunc main(){ net.Dial(\"tcp\", \"127.0.0.1:1\") }\n",
        )
        .unwrap();
        for (cgo, name) in [("1", "gd"), ("0", "gs")] {
            let out = dir.join(name);
            let built = std::process::Command::new("go")
                .args(["build", "-o"])
                .arg(&out)
                .arg(&go)
                .env("CGO_ENABLED", cgo)
                .env("GOCACHE", dir.join("cache"))
                .status()
                .is_ok_and(|s| s.success());
            assert!(built || !required, "go build failed (CGO_ENABLED={cgo})");
            if built {
                assert_eq!(classify(&head(out.to_str().unwrap())), Image::Go, "{name}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
