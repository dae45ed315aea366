#!/usr/bin/env python3
"""Judges a soak run (tests/soak/soak.c wrote DIR/records.N and DIR/connect.log).

For every lookup it finds the states each file passed through during the call (a state
is alive from the start of the change that made it to the end of the change that
replaced it; nsswitch.conf and host.conf, re-checked only every 32nd use, count from the
start of the 64th lookup before that used them), whether the DNS server was down, and accepts the
answer only if one of those states gives it: never a mix of two versions, never an
address no state gives, an error only where a state allows it. In the quiet phases
(files still, server up) every lookup must give the quiet state's exact answer once the
re-check interval has passed. Then: no call longer than resolv.conf's timeouts allow,
descriptors, RSS, and one whole JSON log line per connect.
Prints each failure, then "soak: N passed, M failed".
"""
import bisect
import collections
import glob
import json
import os
import sys

EAI = {0: "ok", -2: "EAI_NONAME", -3: "EAI_AGAIN", -4: "EAI_FAIL", -5: "EAI_NODATA"}
LAG = 64  # lookups: twice nsswitch.conf's and host.conf's re-check interval (32)
DNS_MARGIN = 500_000  # µs after the restart the server may still not answer
RSS_SLACK_KB = 2048  # the bound: RSS after warm-up stays within 2 MiB of its value then
WARMUP = 0.25  # the first quarter of the run (at least 5 s) is warm-up
INITIAL = {"hosts": "hosts0", "resolv.conf": "resolv0", "nsswitch.conf": "nss0",
           "gai.conf": "gai0", "host.conf": "multi1"}
QUIET = {  # the exact answers in each quiet state (soak.c's quiet())
    "quiet0": {"h": "127.0.0.10", "m": ("127.0.0.20,127.0.0.30", "127.0.0.30,127.0.0.20"),
               "d": "127.0.1.1", "short": "127.0.1.1", "g": "::1,127.0.1.2"},
    "quiet1": {"h": "127.0.0.12", "m": "127.0.0.22", "d": "127.0.1.1", "short": "EAI_NONAME",
               "g": "127.0.1.2,::1"},
}
for q in QUIET.values():
    q.update({"num4": "127.0.0.1", "num6": "::1"})

failures = []
passed = 0


def check(ok, what):
    global passed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failures.append(what)
        print(f"FAIL {what}")


class Timeline:
    """The states one file passed through: (from, until, state)."""

    def __init__(self, initial):
        self.spans = []
        self.current = (0, initial)

    def change(self, t0, t1, final, intermediates):
        start, state = self.current
        self.spans.append((start, t1, state))
        for s in intermediates:
            self.spans.append((t0, t1, s))
        self.current = (t0, final)

    def close(self):
        start, state = self.current
        self.spans.append((start, float("inf"), state))
        self.spans.sort()
        self.starts = [s[0] for s in self.spans]
        # how far back a span that is still alive can start (the initial one aside)
        self.longest = max((u - s for s, u, _ in self.spans if 0 < s and u != float("inf")),
                           default=0)

    def alive(self, lo, hi):
        """The states alive at some time in [lo, hi]."""
        i = bisect.bisect_right(self.starts, hi)
        out = set()
        while i > 0:
            i -= 1
            start, until, state = self.spans[i]
            if until >= lo:
                out.add(state)
            if start < lo - self.longest:
                break
        first = self.spans[0]
        if first[0] <= hi and first[1] >= lo:
            out.add(first[2])
        return out


def whole(states, names):
    return all(s in names for s in states)


def main(d):
    calls, quiets, downs, rss, errors, connect_us = [], [], [], [], [], []
    files = {f: Timeline(s) for f, s in INITIAL.items()}
    fds = connects = None
    for path in sorted(glob.glob(f"{d}/records.*")):
        for line in open(path):
            w = line.split()
            if not w:
                continue
            if w[0] == "C":
                calls.append((int(w[2]), int(w[3]), w[4], int(w[5]), w[6]))
            elif w[0] == "M":
                files[w[3]].change(int(w[1]), int(w[2]), w[4], w[5:])
            elif w[0] == "D":
                downs.append((int(w[1]), int(w[2]), w[3]))
            elif w[0] == "Q":
                quiets.append((int(w[1]), w[2]))
            elif w[0] == "R":
                rss.append((int(w[1]), int(w[2])))
            elif w[0] == "F":
                fds = (int(w[1]), int(w[2]))
            elif w[0] == "N":
                connects = int(w[1])
            elif w[0] == "K":
                connect_us.append(int(w[2]) - int(w[1]))
            elif w[0] == "E":
                errors.append(line.strip())
    for t in files.values():
        t.close()
    calls.sort()
    # The DNS server's down windows: from the kill to DNS_MARGIN after the restart.
    downs.sort()
    down_spans, start = [], None
    for t0, t1, what in downs:
        if what == "down":
            start = t0
        elif start is not None:
            down_spans.append((start, t1 + DNS_MARGIN))
            start = None
    down_starts = [s for s, _ in down_spans]

    def dns_down(lo, hi):
        i = bisect.bisect_right(down_starts, hi)
        return i > 0 and down_spans[i - 1][1] >= lo

    # For the lag: the start of the LAG-th non-numeric lookup before each one.
    resolving = [c[0] for c in calls if not c[2].startswith("num")]

    # host.conf is used only by lookups that reach the files source: those that found h or
    # m did (others may not: without nsswitch.conf, glibc's default returns on NXDOMAIN).
    reaching_files = [c[0] for c in calls if c[2] in ("h", "m") and c[3] == 0]

    def lagged(t0, starts=resolving):
        i = bisect.bisect_left(starts, t0)
        return starts[max(0, i - LAG)] if starts else t0

    # M records give every change's start: quiet windows end at the next one.
    change_starts = sorted(s for t in files.values() for (s, _, _) in t.spans if s > 0)
    outcomes = collections.Counter()
    bad = []
    slow = []
    quiet_checked = collections.Counter()
    for t0, t1, q, rc, answer in calls:
        result = answer if rc == 0 else EAI.get(rc, f"rc={rc}")
        outcomes[(q, result)] += 1
        H = files["hosts"].alive(t0, t1)
        R = files["resolv.conf"].alive(t0, t1)
        G = files["gai.conf"].alive(t0, t1)
        N = files["nsswitch.conf"].alive(lagged(t0), t1)
        M = files["host.conf"].alive(lagged(t0, reaching_files), t1)
        down = dns_down(t0, t1)
        fragile = not whole(H, {"hosts0", "hosts1", "hosts2"}) or not whole(N, {"nss0", "nss1"})
        ok = False
        if q in ("num4", "num6"):
            ok = result == QUIET["quiet0"][q]
        elif result == "EAI_AGAIN":
            # or, for "d", the search domain "s" of a cut resolv1: outside dnsmasq's zones,
            # with no server to forward to, it answers REFUSED.
            ok = down or (q == "short" and "resolv1-half" in R)
        elif result == "EAI_NODATA":
            # The cut search domain "s" (resolv1-half) draws REFUSED; with the name's own
            # NXDOMAIN glibc's walk then answers EAI_NODATA for one family, when DNS is asked.
            ok = "resolv1-half" in R and (fragile or q in ("d", "short", "g"))
        elif result == "EAI_NONAME":
            # DNS names: a server that is down ends the walk with the files source's
            # NOTFOUND (or with DNS's UNAVAIL): no such name.
            ok = {"h": fragile, "m": fragile, "d": down or not whole(N, {"nss0", "nss1"}),
                  "short": down or R != {"resolv1"} or not whole(N, {"nss0", "nss1"}),
                  "g": down or not whole(N, {"nss0", "nss1"})}[q]
        elif result == "EAI_NODATA":
            # A cut resolv1 leaves the search domain "s", which dnsmasq REFUSES after the
            # as-is NXDOMAIN: glibc's gethostbyname2_r (AF_INET without AI_CANONNAME) then
            # returns the caller's errno as its code, and getaddrinfo answers EAI_NODATA when
            # that errno is not 0 (docs/COMPATIBILITY.md, DNS error codes).
            ok = q in ("h", "m") and fragile and "resolv1-half" in R
        elif rc != 0:
            ok = False
        elif q == "h":
            v = answer.removeprefix("127.0.0.1")
            ok = len(v) == 1 and any(s.startswith(f"hosts{v}") for s in H)
        elif q == "m":
            addrs = answer.split(",")
            vs = {a[-1] for a in addrs}
            if len(vs) != 1 or not all(a[:-1] in ("127.0.0.2", "127.0.0.3") for a in addrs):
                ok = False  # a mix of two versions, or garbage
            elif len(addrs) == 2 and len(set(addrs)) == 2:
                v = vs.pop()
                ok = f"hosts{v}" in H and "multi1" in M
            elif len(addrs) == 1 and addrs[0].startswith("127.0.0.2"):
                v = vs.pop()
                ok = any(s.startswith(f"hosts{v}") for s in H) and (
                    M != {"multi1"} or f"hosts{v}-half" in H or f"hosts{v}-firsthalf" in H)
        elif q in ("d", "short"):
            ok = answer == "127.0.1.1" and (q == "d" or "resolv1" in R)
        elif q == "g":
            if answer == "::1,127.0.1.2":
                ok = bool(G - {"gai1"})
            elif answer == "127.0.1.2,::1":
                ok = "gai1" in G
            else:
                ok = answer in ("::1", "127.0.1.2") and down
        if not ok:
            bad.append(f"{q} -> {result} at {t0}..{t1} (hosts {sorted(H)}, resolv {sorted(R)}, "
                       f"nss {sorted(N)}, host.conf {sorted(M)}, gai {sorted(G)}, dns down {down})")
        # resolv.conf's timeouts: timeout:1 attempts:1 in its whole versions, glibc's 5 s
        # and 2 attempts in a cut one; two names at most (search), A and AAAA in turn.
        per_try = 1 if whole(R, {"resolv0", "resolv1"}) else 10
        bound = per_try * 2 * 2 * 1_000_000 + 1_500_000
        if t1 - t0 > bound:
            slow.append(f"{q} -> {result} took {(t1 - t0) / 1e6:.2f} s (bound {bound / 1e6:.1f} s)")
    # The quiet phases: after the re-check interval, the quiet state's exact answers.
    for t, name in quiets:
        i = bisect.bisect_right(change_starts, t)
        end = change_starts[i] if i < len(change_starts) else float("inf")
        # settled once LAG lookups that started after t and read host.conf (as every
        # lookup reads nsswitch.conf) have finished
        done = sorted(c[1] for c in calls if t <= c[0] < end and c[2] in ("h", "m") and c[3] == 0)
        if len(done) <= LAG:
            continue
        settled = done[LAG - 1]
        want = QUIET[name]
        for t0, t1, q, rc, answer in calls[bisect.bisect_left(calls, (settled,)):]:
            if t0 >= end:
                break
            if t1 > end or dns_down(t0, t1):
                continue
            result = answer if rc == 0 else EAI.get(rc, f"rc={rc}")
            expect = want[q] if isinstance(want[q], tuple) else (want[q],)
            quiet_checked[name] += 1
            if result not in expect:
                bad.append(f"quiet phase {name}: {q} -> {result}, want {expect[0]}")

    total = len(calls)
    print(f"soak: {total} lookups, {connects} connects, {len(down_spans)} DNS restarts, "
          f"{sum(len(t.spans) for t in files.values())} file states")
    for (q, result), n in sorted(outcomes.items()):
        print(f"     {q:6} {result:24} {n}")
    check(total > 1000, f"{total} lookups made")
    check(not bad, f"every answer is one some file state during the call gives "
          f"({len(bad)} not)")
    for b in bad[:20]:
        print(f"     | {b}")
    phases = len([1 for _, n in quiets])
    check(sum(quiet_checked.values()) > 0 and len(quiet_checked) >= 2,
          f"quiet phases ({phases}): {sum(quiet_checked.values())} lookups after the re-check "
          f"interval gave the new files' answers ({dict(quiet_checked)})")
    check(not slow, f"no lookup longer than resolv.conf's timeouts allow ({len(slow)} longer)")
    for s in slow[:10]:
        print(f"     | {s}")
    check(not errors, f"every connect to an answer succeeded ({len(errors)} failed; "
          f"slowest {max(connect_us, default=0) / 1000:.1f} ms)")
    for e in errors[:10]:
        print(f"     | {e}")
    check(fds is not None and fds[0] == fds[1],
          f"open descriptors at the end equal those at the start (the log's included): {fds}")
    if rss:
        t_start, t_end = rss[0][0], rss[-1][0]
        warm = t_start + max(5_000_000, (t_end - t_start) * WARMUP)
        after = [kb for t, kb in rss if t >= warm]
        base = after[0] if after else None
        check(bool(after) and max(after) <= base + RSS_SLACK_KB,
              f"RSS flat after warm-up: {base} KiB then at most {max(after) if after else '?'} KiB "
              f"(bound +{RSS_SLACK_KB} KiB; peak during warm-up {max(kb for _, kb in rss)} KiB)")
    else:
        check(False, "RSS samples recorded")
    lines = whole_lines = 0
    connect_lines = 0
    with open(f"{d}/connect.log", "rb") as log:
        for raw in log:
            lines += 1
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            whole_lines += raw.endswith(b"\n")
            if ev.get("event") == "connect":
                connect_lines += ev.get("result") == "ok"
    check(whole_lines == lines, f"every log line is whole JSON ({lines - whole_lines} not)")
    check(connect_lines == connects,
          f"the log has one line per connect ({connect_lines} lines, {connects} connects)")
    control = os.environ.get("SOAK_CONTROL")
    if control is not None:
        check(control == "(2 not)", f"control: a doctored copy with a mixed answer and a "
              f"foreign address fails the check: {control or 'it passed'}")
    print(f"soak: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
