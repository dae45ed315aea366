"""The loopback server of tests/trace: accepts on every loopback address (its namespace has no other) port 18080, answers
each connection with an empty HTTP response (curl is satisfied; other clients just close)
and exits after SECONDS (argv[1]) so that it never outlives the test."""
import socket
import sys
import threading
import time


def answer(conn):
    conn.settimeout(0.5)
    try:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    conn.close()


def serve(family, host):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, 18080))
    s.listen(256)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    threading.Thread(target=serve, args=(family, host), daemon=True).start()
time.sleep(float(sys.argv[1]))
