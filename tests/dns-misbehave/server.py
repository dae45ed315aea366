#!/usr/bin/env python3
"""A DNS server that misbehaves on purpose, for what real servers will not do on demand.

    server.py MODE PORT [READY_FILE]

Listens on 127.0.0.1:PORT (UDP and TCP) and answers queries for any name with
192.0.2.7 (A) and 2001:db8::7 (AAAA), misbehaving as MODE says. Stops by itself after
30 seconds, or when killed by the test that started it."""
import socket, struct, sys, threading, time

MODE, PORT = sys.argv[1], int(sys.argv[2])
READY = sys.argv[3] if len(sys.argv) > 3 else None


def parse_question(q):
    """Returns (id, question bytes incl. type/class, qtype) of a query."""
    qid = struct.unpack("!H", q[:2])[0]
    i = 12
    while q[i] != 0:
        i += q[i] + 1
    i += 1
    qtype = struct.unpack("!H", q[i:i + 2])[0]
    return qid, q[12:i + 4], qtype


def reply(q, rcode=0, answers=True, tc=False, many=1, qid=None, question=None):
    rid, question0, qtype = parse_question(q)
    rid = rid if qid is None else qid
    question = question0 if question is None else question
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    records = b""
    count = 0
    if answers and rcode == 0:
        for k in range(many):
            if qtype == 1:
                records += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 7 + k])
                count += 1
            elif qtype == 28:
                records += b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 60, 16) + bytes.fromhex("20010db8000000000000000000000007")[:15] + bytes([7 + k])
                count += 1
    return struct.pack("!HHHHHH", rid, flags, 1, count, 0, 0) + question + records


def udp_replies(q):
    """The datagrams to send back for one query, per MODE (a list of (bytes, from_other_port))."""
    if MODE == "silent":
        return []
    if MODE == "wrong-id":
        return [(reply(q, qid=(parse_question(q)[0] ^ 0x5a5a)), False)]
    if MODE == "wrong-id-then-good":
        return [(reply(q, qid=(parse_question(q)[0] ^ 0x5a5a)), False), (reply(q), False)]
    if MODE == "wrong-port":
        return [(reply(q), True)]
    if MODE == "wrong-port-then-good":
        return [(reply(q), True), (reply(q), False)]
    if MODE == "wrong-question":
        _, question, _ = parse_question(q)
        return [(reply(q, question=b"\x05other\x04test\x00" + question[-4:]), False)]
    if MODE == "servfail":
        return [(reply(q, rcode=2), False)]
    if MODE == "refused":
        return [(reply(q, rcode=5), False)]
    if MODE == "truncated":
        return [(reply(q, tc=True, answers=False), False)]
    if MODE == "garbage-then-good":
        return [(b"\x00\x01\x02", False), (reply(q)[:20], False), (reply(q), False)]
    if MODE == "junk-flood-then-good":
        qid = parse_question(q)[0]
        junk = [(struct.pack("!H", (qid + 1 + k) & 0xffff) + bytes(40), False) for k in range(200)]
        return junk + [(reply(q), False)]
    if MODE == "loop":
        rid, question, qtype = parse_question(q)
        # An answer whose owner name is a compression pointer to itself.
        rec = b"\xc0\x00" + b"\x00\x00"  # placeholder, fixed below
        msg = struct.pack("!HHHHHH", rid, 0x8180, 1, 1, 0, 0) + question
        off = len(msg)
        rec = struct.pack("!H", 0xc000 | off) + struct.pack("!HHIH", qtype, 1, 60, 4) + bytes([192, 0, 2, 9])
        return [(msg + rec, False)]
    if MODE == "nodata":
        return [(reply(q, answers=False), False)]
    if MODE == "late":
        time.sleep(0.3)
        return [(reply(q), False)]
    return [(reply(q), False)]


def serve_udp(sock, other):
    while True:
        q, peer = sock.recvfrom(4096)
        try:
            for data, from_other in udp_replies(q):
                (other if from_other else sock).sendto(data, peer)
        except Exception as e:  # a malformed query from a test: ignore it
            print("server:", e, file=sys.stderr)


def serve_tcp(listener):
    while True:
        conn, _ = listener.accept()
        with conn:
            buf = b""
            conn.settimeout(5)
            try:
                while True:
                    while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                        chunk = conn.recv(4096)
                        if not chunk:
                            raise EOFError
                        buf += chunk
                    n = struct.unpack("!H", buf[:2])[0]
                    q, buf = buf[2:2 + n], buf[2 + n:]
                    r = reply(q, many=40)  # the full answer, larger than 512 bytes
                    # Write it in two parts, to exercise partial reads.
                    framed = struct.pack("!H", len(r)) + r
                    conn.sendall(framed[:7])
                    time.sleep(0.01)
                    conn.sendall(framed[7:])
            except (EOFError, OSError):
                pass


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", PORT))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("127.0.0.1", 0))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", PORT))
tcp.listen(8)
threading.Thread(target=serve_udp, args=(udp, other), daemon=True).start()
threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
if READY:
    open(READY, "w").close()
time.sleep(30)
