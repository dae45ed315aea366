#!/usr/bin/env python3
"""A DNS server that misbehaves on purpose, for what real servers will not do on demand.

    server.py MODE ADDRESS READY_FILE [RULES_FILE]

Listens on ADDRESS port 53 (UDP and TCP; run it inside a private network namespace) and
answers queries for any name with 192.0.2.7 (A) and 2001:db8::7 (AAAA), misbehaving as
MODE says. MODE "rules" answers by the name instead, from RULES_FILE: one rule a line,
"GLOB QTYPE ACTION", the first match wins (QTYPE is A, AAAA or *); ACTION is one of
A=IP, AAAA=IP, CNAME=TARGET, NXDOMAIN, NODATA, SERVFAIL, REFUSED, SILENT, MX, TXT.
Unmatched names get NXDOMAIN. Stops by itself after 60 seconds, or when killed by the
test that started it. Every reply is built here byte by byte; nothing is a library's."""
import fnmatch, socket, struct, sys, threading, time

MODE, ADDRESS, READY = sys.argv[1], sys.argv[2], sys.argv[3]
RULES = []
if MODE == "rules":
    for line in open(sys.argv[4]):
        parts = line.split()
        if len(parts) == 3 and not parts[0].startswith("#"):
            RULES.append(parts)

A4 = bytes([192, 0, 2, 7])
A6 = bytes.fromhex("20010db8000000000000000000000007")


def parse_question(q):
    """(id, question bytes incl. type/class, qtype, qname text) of a query."""
    qid = struct.unpack("!H", q[:2])[0]
    i, labels = 12, []
    while q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode("latin-1"))
        i += q[i] + 1
    i += 1
    qtype = struct.unpack("!H", q[i:i + 2])[0]
    return qid, q[12:i + 4], qtype, ".".join(labels).lower()


def wire(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def rr(owner, rtype, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, 60, len(rdata)) + rdata


def message(q, rcode=0, answers=(), flags=0x8180, qid=None, question=None, tc=False,
            additional=(), authority=()):
    rid, question0, _, _ = parse_question(q)
    flags |= rcode | (0x0200 if tc else 0)
    return (struct.pack("!HHHHHH", rid if qid is None else qid, flags, 1, len(answers),
                        len(authority), len(additional))
            + (question0 if question is None else question)
            + b"".join(answers) + b"".join(authority) + b"".join(additional))


def address_records(qtype, count=1, owner=b"\xc0\x0c"):
    if qtype == 1:
        return [rr(owner, 1, A4[:3] + bytes([(7 + k) % 256])) for k in range(count)]
    if qtype == 28:
        return [rr(owner, 28, A6[:14] + struct.pack("!H", 7 + k)) for k in range(count)]
    return []


def by_rules(q):
    _, _, qtype, name = parse_question(q)
    name = name or "."  # the root
    for pattern, rtype, action in RULES:
        if not fnmatch.fnmatchcase(name, pattern):
            continue
        if rtype != "*" and {"A": 1, "AAAA": 28}.get(rtype) != qtype:
            continue
        kind, _, value = action.partition("=")
        if kind == "SILENT":
            return None
        if kind in ("NXDOMAIN", "SERVFAIL", "REFUSED"):
            return message(q, rcode={"NXDOMAIN": 3, "SERVFAIL": 2, "REFUSED": 5}[kind],
                           flags=0x8580 if kind == "NXDOMAIN" else 0x8180)
        if kind == "NODATA":
            return message(q, flags=0x8580)
        if kind == "MX":
            return message(q, flags=0x8580) if qtype != 15 else message(q, answers=[
                rr(b"\xc0\x0c", 15, b"\x00\x0a" + wire("mail.example"))])
        if kind == "TXT":
            return message(q, flags=0x8580)
        if kind == "CNAME":
            return message(q, flags=0x8580, answers=[rr(b"\xc0\x0c", 5, wire(value))])
        if kind == "A" and qtype == 1:
            return message(q, flags=0x8580, answers=[rr(b"\xc0\x0c", 1, socket.inet_aton(value))])
        if kind == "AAAA" and qtype == 28:
            return message(q, flags=0x8580, answers=[rr(b"\xc0\x0c", 28, socket.inet_pton(socket.AF_INET6, value))])
        return message(q, flags=0x8580)  # the name exists, not with this type
    return message(q, rcode=3, flags=0x8580)


def malformed(q, how):
    rid, question, qtype, _ = parse_question(q)
    head = struct.pack("!HHHHHH", rid, 0x8180, 1, 1, 0, 0) + question
    if how == "loop":  # an owner name that is a pointer to itself
        return head + struct.pack("!H", 0xc000 | len(head)) + struct.pack("!HHIH", qtype, 1, 60, 4) + A4
    if how == "past-end":  # a pointer beyond the end of the message
        return head + b"\xc3\xff" + struct.pack("!HHIH", qtype, 1, 60, 4) + A4
    if how == "cut":  # the record's data cut short
        return (head + address_records(qtype)[0])[:-2] if qtype in (1, 28) else head
    if how == "bad-label":  # a label of the reserved 0x40 type
        return head + b"\x41x\x00" + struct.pack("!HHIH", qtype, 1, 60, 4) + A4
    if how == "count-lies":  # ANCOUNT 3, one record present
        return struct.pack("!HHHHHH", rid, 0x8180, 1, 3, 0, 0) + question + b"".join(address_records(qtype))
    if how == "into-question":  # a CNAME whose target points into the question's TYPE field
        return head + rr(b"\xc0\x0c", 5, struct.pack("!H", 0xc000 | (len(head) - 4)))
    raise ValueError(how)


def udp_replies(q):
    """The datagrams to send back for one query, per MODE: a list of (delay, bytes, from_other_port)."""
    rid, question, qtype, name = parse_question(q)
    good = message(q, answers=address_records(qtype))
    m = MODE
    if m == "rules":
        r = by_rules(q)
        return [] if r is None else [(0, r, False)]
    if m == "silent":
        return []
    if m == "late":
        return [(0.3, good, False)]
    if m == "late1500":
        return [(1.5, good, False)]
    if m == "wrong-id":
        return [(0, message(q, answers=address_records(qtype), qid=rid ^ 0x5a5a), False)]
    if m == "wrong-id-then-good":
        return [(0, message(q, answers=address_records(qtype), qid=rid ^ 0x5a5a), False), (0, good, False)]
    if m == "wrong-port":
        return [(0, good, True)]
    if m == "wrong-port-then-good":
        return [(0, good, True), (0, good, False)]
    if m == "wrong-question":
        return [(0, message(q, answers=address_records(qtype), question=b"\x05other\x04test\x00" + question[-4:]), False)]
    if m == "servfail":
        return [(0, message(q, rcode=2), False)]
    if m == "refused":
        return [(0, message(q, rcode=5), False)]
    if m == "refused-bare":  # REFUSED as a bare 12-byte header, no question
        return [(0, struct.pack("!HHHHHH", rid, 0x8185, 0, 0, 0, 0), False)]
    if m == "servfail-a":  # SERVFAIL for A, a good AAAA
        return [(0, message(q, rcode=2) if qtype == 1 else good, False)]
    if m == "lose-aaaa":  # A answered, AAAA never
        return [] if qtype == 28 else [(0, good, False)]
    if m == "lame":  # NOERROR, no records, AA=0, RA=0
        return [(0, message(q, flags=0x8100), False)]
    if m == "nodata":
        return [(0, message(q), False)]
    if m == "additional-only":  # the address in the additional section only
        return [(0, message(q, additional=address_records(qtype)), False)]
    if m in ("truncated", "tc-tcp-silent", "tc-tcp-half", "tc-tcp-garbage", "tc-tcp-reset",
             "many1000", "long-chain", "tc-tcp-servfail"):
        return [(0, message(q, tc=True), False)]
    if m == "garbage-then-good":
        return [(0, b"\x00\x01\x02", False), (0, good[:20], False), (0, good, False)]
    if m == "short-then-good":  # a datagram shorter than a header first
        return [(0, q[:6], False), (0, good, False)]
    if m == "echo-then-good":  # the query sent back as it is (QR=0) first
        return [(0, q, False), (0.05, good, False)]
    if m == "junk-flood-then-good":
        junk = [(0, struct.pack("!H", (rid + 1 + k) & 0xffff) + bytes(40), False) for k in range(60)]
        return junk + [(0, good, False)]
    if m in ("loop", "past-end", "cut", "bad-label", "count-lies", "into-question"):
        return [(0, malformed(q, m), False)]
    if m == "badlen":  # A of 5 bytes and AAAA of 15
        rdata = A4 + b"\x01" if qtype == 1 else A6[:15]
        return [(0, message(q, answers=[rr(b"\xc0\x0c", qtype, rdata)]), False)]
    if m == "badlen-then-good":  # a bad-length record, then a good one
        rdata = A4 + b"\x01" if qtype == 1 else A6[:15]
        return [(0, message(q, answers=[rr(b"\xc0\x0c", qtype, rdata)] + address_records(qtype)), False)]
    if m == "mixed":  # records of other classes and types around the right one
        other = [rr(b"\xc0\x0c", 16, b"\x03txt"), rr(b"\xc0\x0c", qtype, (A4 if qtype == 1 else A6), rclass=3),
                 rr(b"\xc0\x0c", 15, b"\x00\x0a" + wire("mx.example"))]
        return [(0, message(q, answers=other[:2] + address_records(qtype) + other[2:]), False)]
    if m == "question-pointer":  # the answer's owner written as a pointer to the question name
        return [(0, message(q, answers=address_records(qtype, owner=b"\xc0\x0c")), False)]
    if m == "cname-only":
        return [(0, message(q, answers=[rr(b"\xc0\x0c", 5, wire("nowhere.example"))]), False)]
    return [(0, good, False)]


PENDING = {}


def serve_udp(sock, other):
    while True:
        q, peer = sock.recvfrom(4096)
        if MODE == "swapped-ids":
            # The A question answered with the AAAA query's ID and the other way round.
            earlier = PENDING.pop(peer, None)
            if earlier is None:
                PENDING[peer] = q
                continue
            for mine, theirs in ((q, earlier), (earlier, q)):
                _, _, qtype, _ = parse_question(mine)
                rid = parse_question(theirs)[0]
                sock.sendto(message(mine, answers=address_records(qtype), qid=rid), peer)
            continue
        try:
            for delay, data, from_other in udp_replies(q):
                target = other if from_other else sock
                if delay:
                    threading.Timer(delay, target.sendto, (data, peer)).start()
                else:
                    target.sendto(data, peer)
        except Exception as e:  # a malformed query from a test: ignore it
            print("server:", e, file=sys.stderr)


def tcp_reply(q):
    _, _, qtype, _ = parse_question(q)
    if MODE == "many1000":
        return message(q, answers=address_records(qtype, 1000))
    if MODE == "long-chain":  # 300 CNAMEs, then the address
        answers, owner = [], b"\xc0\x0c"
        for k in range(300):
            answers.append(rr(owner, 5, wire("c%d.chain.example" % k)))
            owner = wire("c%d.chain.example" % k)
        answers.append(rr(owner, qtype if qtype in (1, 28) else 1, A4 if qtype != 28 else A6))
        return message(q, answers=answers)
    if MODE == "tc-tcp-servfail":
        return message(q, rcode=2)
    if MODE == "rules":
        return by_rules(q)
    return message(q, answers=address_records(qtype, 40))  # larger than 512 bytes


def serve_tcp_conn(conn):
    with conn:
        buf = b""
        conn.settimeout(5)
        try:
            if MODE == "tc-tcp-silent":  # accepts, reads, never answers, closes after 2.5 s
                time.sleep(2.5)
                return
            while True:
                while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                n = struct.unpack("!H", buf[:2])[0]
                q, buf = buf[2:2 + n], buf[2 + n:]
                if MODE == "tc-tcp-half":  # half a message, then the connection closes
                    r = tcp_reply(q)
                    conn.sendall((struct.pack("!H", len(r)) + r)[: (len(r) + 2) // 2])
                    time.sleep(0.05)
                    return
                if MODE == "tc-tcp-garbage":
                    conn.sendall(b"\x00\x05garbage!")
                    time.sleep(0.05)
                    return
                if MODE == "tc-tcp-reset":  # claims 64 KiB, sends most of it, then resets
                    conn.sendall(b"\xff\xff" + bytes(60000))
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                r = tcp_reply(q)
                if r is None:
                    continue
                # Written in two parts, to exercise partial reads.
                framed = struct.pack("!H", len(r)) + r
                conn.sendall(framed[:7])
                time.sleep(0.01)
                conn.sendall(framed[7:])
        except (EOFError, OSError):
            pass


def serve_tcp(listener):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn,), daemon=True).start()


family = socket.AF_INET6 if ":" in ADDRESS else socket.AF_INET
udp = socket.socket(family, socket.SOCK_DGRAM)
udp.bind((ADDRESS, 53))
other = socket.socket(family, socket.SOCK_DGRAM)
other.bind((ADDRESS, 0))
tcp = socket.socket(family, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((ADDRESS, 53))
tcp.listen(16)
threading.Thread(target=serve_udp, args=(udp, other), daemon=True).start()
threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
open(READY, "w").close()
time.sleep(60)
