#!/usr/bin/env python3
"""The differential fuzzer's request generator: structured getaddrinfo/getnameinfo requests in
tests/gai-diff/probe.c's line protocol, built from a grammar over the fixture names.

  gen.py cases SEED BATCH COUNT CLASSES FIXTURES   prints COUNT lines "CLASS<TAB>CASE"
  gen.py classes                                    prints every class, one a line
  gen.py compare CASES GLIBC NETSHIM KNOWN LABEL    compares two probe outputs of CASES


The same (SEED, BATCH) always gives the same lines. CLASSES is a comma list of class
names, "default" or "all" (see CLASSES below)."""
import random
import sys

# Each class: (in the default set, what it generates). Every class is in it: since issue 10's
# fixes, each answers as glibc (run.sh and CI ask for "all"). A class whose answers are found
# to differ can be taken out of the default set (False) while its fix is made, so that
# `FUZZ_DIFF_CLASSES=default` keeps running clean; put it back when
# `FUZZ_DIFF_CLASSES=CLASS,refused` runs clean.
CLASSES = {
    "hosts": (True, "hosts-file names with case, dot and alias mutations"),
    "numeric": (True, "inet_aton forms (octal, hex, short), IPv6 forms, scope ids"),
    "service": (True, "service names, numbers and junk with a numeric or hosts node"),
    "hints": (True, "every flag bit, families, socktypes and protocols, valid or not"),
    "null": (True, "hints == NULL"),
    "dns": (True, "names of the DNS zone, fully qualified, with case and trailing-dot mutations"),
    "long": (True, "63/64-byte labels and 253-256-byte names, in hosts and DNS"),
    "gni": (True, "getnameinfo over hosts, zone and other addresses, lengths and flags"),
    "refused": (True, "every other batch asks a server that answers REFUSED outside its zones"),
    "dns-search": (True, "short names and names outside the zones: the search walk's error codes"),
    "junk": (True, "spaces, control and high bytes, empty labels in names sent to DNS"),
    "root": (True, "the root name and names made of dots"),
    "gni-mapped": (True, "getnameinfo on v4-mapped IPv6 addresses"),
    "nofqdn": (True, "getnameinfo with NI_NOFQDN"),
    "idn": (True, "AI_IDN, AI_CANONIDN, NI_IDN and non-ASCII names"),
}

AI = {"PASSIVE": 0x1, "CANONNAME": 0x2, "NUMERICHOST": 0x4, "V4MAPPED": 0x8, "ALL": 0x10,
      "ADDRCONFIG": 0x20, "NUMERICSERV": 0x400}
AI_IDN_BITS = [0x40, 0x80, 0x100, 0x200]
NI = [0x1, 0x2, 0x8, 0x10]  # NUMERICHOST NUMERICSERV NAMEREQD DGRAM
NI_NOFQDN, NI_IDN = 0x4, 0x20
FAMILIES = ["unspec", "inet", "inet6"]
ODD_FAMILIES = ["unix", "99", "-1", "17", "16", "65535"]
SOCKTYPES = ["0", "1", "2", "3"]
ODD_SOCKTYPES = ["4", "5", "6", "10", "-1", "99", "0x80001", "0x801"]
PROTOCOLS = ["0", "6", "17"]
ODD_PROTOCOLS = ["1", "132", "136", "255", "-1", "99999"]

# The zone served by the namespace's dnsmasq (tests/fuzz-diff/dnsmasq.conf).
ZONE = ["dual.dns.test", "v4.dns.test", "v6.dns.test", "dual.other.test", "many.dns.test",
        "big.dns.test", "big6.dns.test", "alias.dns.test", "alias2.dns.test",
        "cname-nxdomain.dns.test", "gone.dns.test", "nx.dns.test", "nx.other.test"]
# Names that walk the search list, or that exist with records of other types only (NODATA).
APEXES = ["dns.test", "other.test"]
SHORT = APEXES + ["mx-only.dns.test", "txt-only.other.test", "dual", "v4", "v6", "many", "alias", "nx", "mx-only", "txt-only", "dual.other",
         "v4.dns", "gone", "nothing.at.all", "a.b", "x"]
ZONE_V4 = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "198.51.100.1", "198.51.100.8",
           "203.0.113.7", "192.0.2.99"]
ZONE_V6 = ["2001:db8::1", "2001:db8::2", "2001:db8:1::3", "2001:db8:2::9", "2001:db8::99"]
OTHER_V4 = ["127.0.0.1", "127.0.0.2", "0.0.0.0", "255.255.255.255", "10.0.0.1", "10.0.0.2",
            "10.0.0.99", "198.18.0.1", "224.0.0.1"]
OTHER_V6 = ["::1", "::", "fe80::1", "fe80::2", "fe80::99", "ff02::1", "2001:db8::10",
            "2001:db8::11", "64:ff9b::1"]


def read_fixtures(fixtures):
    names, addrs, services = [], [], []
    with open(f"{fixtures}/hosts", "rb") as f:
        for line in f:
            words = line.split(b"#")[0].split()
            if len(words) >= 2:
                addrs.append(words[0].decode("latin-1"))
                names.extend(w.decode("latin-1") for w in words[1:])
    with open(f"{fixtures}/services", "rb") as f:
        for line in f:
            words = line.split(b"#")[0].split()
            if len(words) >= 2:
                services.append(words[0].decode("latin-1"))
                services.extend(w.decode("latin-1") for w in words[2:])
                services.append(words[1].split(b"/")[0].decode("latin-1"))
    return sorted(set(names)), sorted(set(addrs)), sorted(set(services))


def encode(value):
    """probe.c's argument form: - for NULL, '' for empty, \\xHH for bytes it would split on."""
    if value is None:
        return "-"
    if value == b"":
        return "''"
    if value in (b"-", b"''"):
        return "".join(f"\\x{b:02x}" for b in value)
    out = []
    for b in value:
        if b <= 0x20 or b >= 0x7f or b == 0x5c:
            out.append(f"\\x{b:02x}")
        else:
            out.append(chr(b))
    return "".join(out)


class Gen:
    def __init__(self, rng, fixtures):
        self.r = rng
        self.names, self.addrs, self.services = read_fixtures(fixtures)

    def pick(self, seq):
        return self.r.choice(seq)

    # --- node mutations
    def case_mutation(self, name):
        r = self.r
        mode = r.randrange(4)
        if mode == 0:
            return name.upper()
        if mode == 1:
            return "".join(c.upper() if r.random() < 0.5 else c for c in name)
        return name

    def dot_mutation(self, name):
        r = self.r
        mode = r.randrange(6)
        if mode == 0:
            return name + "."
        if mode == 1 and not name.endswith("."):
            return name
        if mode == 2:
            return name.rstrip(".")
        return name

    def long_name(self):
        r = self.r
        mode = r.randrange(5)
        if mode == 0:  # one label of 62..65 bytes
            return "a" * r.randint(62, 65) + r.choice([".test", ".dns.test", ""])
        if mode == 1:  # the hosts file's 64-byte label
            return "a" * 64 + ".test" + r.choice(["", "."])
        total = r.randint(250, 258)
        labels, size = [], 0
        while size < total:
            n = min(r.randint(1, 63), max(1, total - size - 1))
            labels.append(r.choice("abcxyz0") * n)
            size += n + 1
        name = ".".join(labels)[:total]
        return name.strip(".") + r.choice(["", ".", ".dns.test"])

    def numeric_node(self):
        r = self.r
        mode = r.randrange(12)
        if mode == 0:
            return ".".join(str(r.choice([0, 1, 10, 127, 255, 256, 999])) for _ in range(4))
        if mode == 1:  # short forms a, a.b, a.b.c
            n = r.randint(1, 3)
            parts = [str(r.choice([0, 1, 127, 255, 65535, 16777215, 4294967295, 4294967296]))
                     for _ in range(n)]
            return ".".join(parts)
        if mode == 2:  # octal and hex parts
            return ".".join(r.choice(["0x7f", "0X7F", "0177", "00", "08", "0x", "0xff", "1",
                                      "0x100", "0377", "0400"]) for _ in range(r.randint(1, 4)))
        if mode == 3:
            return r.choice(OTHER_V4 + ZONE_V4) + r.choice(["", ".", " ", "x", "/24", ":80"])
        if mode == 4:
            return r.choice(OTHER_V6 + ZONE_V6)
        if mode == 5:  # scope ids
            return r.choice(["fe80::1", "fe80::2", "ff02::1", "2001:db8::1", "::1"]) + "%" + \
                r.choice(["1", "lo", "0", "99", "eth0", "4294967295", "4294967296", "", "1x",
                          "LO", "-1", "01"])
        if mode == 6:  # compressions, embedded v4, odd spellings
            return r.choice(["::ffff:127.0.0.1", "::ffff:10.9.9.9", "::127.0.0.1", "1::2::3",
                             "::ffff:1.2.3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", ":::",
                             "::g", "1:2:3:4:5:6:1.2.3.4", "FE80::1", "fe80:0:0:0:0:0:0:1",
                             "0:0:0:0:0:0:0:1", "::00001", "[::1]", "2001:db8::1.2.3.4"])
        if mode == 7:
            return r.choice(["1", "0", "-1", "+1", "1.", ".1", "1..2", "0x", "1e3", "127.1",
                             "127.0.1", "127.1.1.1.1", "1 2", " 1.2.3.4"])
        if mode == 8:
            return str(r.randint(0, 1 << 33))
        if mode == 9:
            return "0x" + "%x" % r.randint(0, 1 << 33)
        if mode == 10:
            return "0" + "%o" % r.randint(0, 1 << 33)
        return r.choice(self.addrs)

    def hosts_node(self):
        r = self.r
        # other.test is also a zone's apex (NODATA for A and AAAA): dns-search asks it.
        name = r.choice([n for n in self.names if n.lower() not in APEXES])
        return self.dot_mutation(self.case_mutation(name))

    def dns_node(self):
        r = self.r
        name = r.choice(ZONE)
        name = self.case_mutation(name)
        return name + ("." if r.random() < 0.3 else "")

    def search_node(self):
        r = self.r
        name = r.choice(SHORT + ["nx." + x for x in ("test", "example", "zzz")] + ["256.1.1.1",
                "127.0.0.256", "08.1.1.1", "1.2.3.4.5"])
        return self.dot_mutation(self.case_mutation(name))

    def junk_node(self):
        r = self.r
        base = r.choice(ZONE + self.names[:8] + ["127.0.0.1", "::1"])
        mode = r.randrange(6)
        if mode == 0:
            i = r.randint(0, len(base))
            return base[:i] + r.choice([" ", "\t", "\n", "\r", "\x01", "\x7f"]) + base[i:]
        if mode == 1:
            return r.choice(["..", ".", ""]) + base + r.choice(["..", ""])
        if mode == 2:
            return base.replace(".", "..", 1)
        if mode == 3:
            i = r.randint(0, len(base))
            return base[:i] + chr(r.randint(0x80, 0xff)) + base[i:]
        if mode == 4:
            return "".join(r.choice("ab.-_*?@:;,!~ \\") for _ in range(r.randint(1, 12)))
        return r.choice(["-x.dns.test", "x-.dns.test", "_x.dns.test", "x_y.dns.test",
                         "*.dns.test", "a@b.test", "a/b.test"])

    def root_node(self):
        return self.r.choice([".", "..", "...", ". ", "./", ".dns.test", "dns..test"])

    def idn_node(self):
        return self.r.choice(["bücher.dns.test", "xn--bcher-kva.dns.test", "☃.test", "münchen",
                              "ab--cd.dns.test", "XN--BCHER-KVA.dns.test", "dual.dns.test",
                              "\u00e9", "localhost", "e\u0301.test"])

    # --- services and hints
    def service(self):
        r = self.r
        mode = r.randrange(10)
        if mode < 2:
            return None
        if mode < 5:
            return r.choice(self.services)
        if mode == 5:
            return str(r.choice([0, 1, 65535, 65536, 70000, -1, 4294967296]))
        if mode == 6:
            return r.choice(["0x50", "080", "+80", " 80", "80 ", "8o", "", "http ", "HTTP",
                             "ssh.", "tcp", "domain\t", "-0", "99999999999999999999"])
        if mode == 7:
            return r.choice(self.services).upper()
        if mode == 8:
            return "".join(r.choice("0123456789abxyz-") for _ in range(r.randint(1, 6)))
        return str(r.randint(0, 65535))

    def flags(self, extra=()):
        r = self.r
        f = 0
        for bit in AI.values():
            if r.random() < 0.2:
                f |= bit
        for bit in extra:
            if r.random() < 0.3:
                f |= bit
        return f

    def hints(self, odd=False, extra=()):
        r = self.r
        family = r.choice(ODD_FAMILIES) if odd and r.random() < 0.3 else r.choice(FAMILIES)
        socktype = r.choice(ODD_SOCKTYPES) if odd and r.random() < 0.3 else r.choice(SOCKTYPES)
        protocol = r.choice(ODD_PROTOCOLS) if odd and r.random() < 0.3 else r.choice(PROTOCOLS)
        flags = self.flags(extra)
        if odd and r.random() < 0.3:
            flags |= 1 << r.randrange(31)
        return family, flags, socktype, protocol

    def gai_line(self, node, service, odd=False, extra=()):
        family, flags, socktype, protocol = self.hints(odd, extra)
        text = node.decode("latin-1").lower() if node else ""
        # dnsmasq rotates the order of multi-record answers: compare those as sets.
        verb = "gai-set" if ("many" in text or "big" in text) else "gai"
        return f"{verb} {family} {flags:#x} {socktype} {protocol} {encode(node)} {encode(service)}"

    def gni_line(self, addr, flags):
        r = self.r
        family = "inet6" if ":" in addr else "inet"
        if r.random() < 0.05:
            family = r.choice(ODD_FAMILIES)
        port = r.choice([0, 21, 22, 53, 80, 443, 514, 7001, 7002, 7003, 7006, 9, 65535])
        scope = r.choice([0, 0, 0, 1, 2, 999]) if family == "inet6" else 0
        hostlen = r.choice([1025, 1025, 1025, 0, -1, 1, 2, 9, 10, 11, 12, 16, 46, 255])
        servlen = r.choice([32, 32, 32, 0, -1, 1, 2, 3, 4, 5, 6])
        line = f"gni {family} {addr} {port} {scope} {flags:#x} {hostlen} {servlen}"
        if r.random() < 0.1:
            # AF_UNIX: netshim reads the path within the length, glibc past it (a deliberate
            # difference, docs/COMPATIBILITY.md): lengths shorter than the path stay out.
            lengths = [0, 1, 110, 128] if family == "unix" else [0, 1, 15, 16, 17, 23, 24, 27,
                                                                28, 29, 128, 200]
            line += " " + str(r.choice(lengths))
        return line

    def gni_flags(self, extra=()):
        f = 0
        for bit in NI + list(extra):
            if self.r.random() < 0.25:
                f |= bit
        if self.r.random() < 0.03:
            f |= 1 << self.r.randrange(31)
        return f

    # --- one case of a class
    def case(self, cls):
        r = self.r
        b = lambda s: None if s is None else s.encode("utf-8", "surrogateescape")
        if cls == "hosts":
            return self.gai_line(b(self.hosts_node()), b(self.service()))
        if cls == "numeric":
            return self.gai_line(b(self.numeric_node()), b(self.service()))
        if cls == "service":
            node = r.choice([None, "127.0.0.1", "::1", "localhost", "dual.test"])
            return self.gai_line(b(node), b(self.service()) if r.random() < 0.9 else None)
        if cls == "hints":
            node = r.choice([None, "127.0.0.1", "::1", "localhost", "dual.test", "dual.dns.test",
                             "mapped.test", "*", ""])
            return self.gai_line(b(node), b(self.service()), odd=True)
        if cls == "null":
            # hints == NULL has no set form: names whose answers the server rotates stay out.
            dns = self.dns_node()
            dns = None if "many" in dns.lower() or "big" in dns.lower() else dns
            node = r.choice([None, self.hosts_node(), self.numeric_node(), dns])
            return f"gai-null {encode(b(node))} {encode(b(self.service()))}"
        if cls == "dns":
            return self.gai_line(b(self.dns_node()), b(self.service()))
        if cls == "long":
            return self.gai_line(b(self.long_name()), b(r.choice([None, "80"])))
        if cls == "dns-search":
            return self.gai_line(b(self.search_node()), b(self.service()))
        if cls == "junk":  # one byte a character, so that 0x80-0xff stay single bytes
            return self.gai_line(self.junk_node().encode("latin-1"), b(self.service()))
        if cls == "root":
            return self.gai_line(b(self.root_node()), b(self.service()))
        if cls == "idn":
            return self.gai_line(b(self.idn_node()), b(self.service()), extra=AI_IDN_BITS)
        if cls == "gni":
            addr = r.choice(self.addrs_for_gni())
            return self.gni_line(addr, self.gni_flags())
        if cls == "gni-mapped":
            v4 = r.choice(ZONE_V4 + OTHER_V4 + ["10.9.9.9", "10.0.0.1"])
            return self.gni_line("::ffff:" + v4, self.gni_flags())
        if cls == "nofqdn":
            addr = r.choice(self.addrs_for_gni())
            return self.gni_line(addr, self.gni_flags() | NI_NOFQDN)
        raise SystemExit(f"gen.py: unknown class {cls}")

    def addrs_for_gni(self):
        # Strict addresses only: probe.c reads them with inet_pton.
        return [a for a in self.addrs if "/" not in a and "%" not in a and a.count(".") in (0, 3)
                and a[0].isalnum() and a != "not-an-address"] + ZONE_V4 + ZONE_V6 + OTHER_V4 + OTHER_V6


def chosen(spec):
    if spec == "all":
        return list(CLASSES)
    if spec in ("", "default"):
        return [c for c, (on, _) in CLASSES.items() if on]
    names = [c for c in spec.split(",") if c]
    for c in names:
        if c not in CLASSES:
            raise SystemExit(f"gen.py: unknown class {c} (gen.py classes lists them)")
    return names


def blocks(path):
    """A probe output as [(case, answer)], in order."""
    out = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("Q "):
                out.append([line[2:].rstrip("\n"), ""])
            elif out and not line.startswith("#"):
                out[-1][1] += line
    return out


def compare(cases, glibc, netshim, known, label):
    """Prints each differing case, ready to paste into tests/gai-diff/cases*.txt, with both
    answers; then one line "COUNT compared differing known" for the runner."""
    with open(cases, encoding="latin-1") as f:
        classes = [line.split("\t", 1)[0] for line in f]
    with open(known, encoding="latin-1") as f:
        skip = {line[2:].rstrip("\n") for line in f if line.startswith("Q ")}
    a, b = blocks(glibc), blocks(netshim)
    differing = known_diff = 0
    for i, ((q, ga), (q2, na)) in enumerate(zip(a, b)):
        if q != q2:
            raise SystemExit(f"fuzz-diff: outputs out of step at case {i}: {q!r} / {q2!r}")
        if ga == na:
            continue
        if q in skip:
            known_diff += 1
            continue
        differing += 1
        cls = classes[i] if i < len(classes) else "?"
        # The kind: each side's return code (the answer itself is printed below).
        first = lambda ans: ans.split("\n", 1)[0].strip().split(" host=")[0]
        print(f"DIFF [{label} class={cls}] glibc {first(ga)} / netshim {first(na)}")
        print(f"  case: {q}")
        print("  glibc:\n" + ga + "  netshim:\n" + na, end="")
    if len(a) != len(b):
        print(f"DIFF [{label}] glibc answered {len(a)} cases, netshim {len(b)}")
        differing += 1
    print(f"COUNT {min(len(a), len(b))} {differing} {known_diff}")


def main(argv):
    if len(argv) == 7 and argv[1] == "compare":
        compare(*argv[2:7])
        return
    if len(argv) >= 2 and argv[1] == "classes":
        for c, (on, what) in CLASSES.items():
            print(f"{c:11} {'default' if on else 'all    '} {what}")
        return
    if len(argv) != 7 or argv[1] != "cases":
        raise SystemExit(__doc__)
    seed, batch, count, spec, fixtures = int(argv[2]), int(argv[3]), int(argv[4]), argv[5], argv[6]
    rng = random.Random(f"{seed}:{batch}")
    gen = Gen(rng, fixtures)
    classes = chosen(spec)
    # "refused" chooses the server (run.sh), not requests.
    classes = [c for c in classes if c != "refused"] or chosen("default")
    for _ in range(count):
        cls = rng.choice(classes)
        print(f"{cls}\t{gen.case(cls)}")


if __name__ == "__main__":
    main(sys.argv)
