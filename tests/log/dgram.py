#!/usr/bin/env python3
"""A unix datagram socket that stands in for /dev/log or journald's socket in the logger's
tests: binds PATH, writes each datagram it receives to OUT as one line of hex, and stops
after SECONDS without a datagram or when killed.
    dgram.py PATH OUT SECONDS [RCVBUF]
With RCVBUF the receive buffer is made that small (so a stopped reader fills fast)."""
import os
import socket
import sys

path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if len(sys.argv) > 4:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(sys.argv[4]))
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(seconds)
with open(out, "w", buffering=1) as f:
    print("ready", file=f)
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        print(data.hex(), file=f)
