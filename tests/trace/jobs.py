"""Job control through a real terminal: an interactive bash in a pty runs
`netshim run -- PROGRAM -sleep 2s`, gets Ctrl-Z (the shell must report the job stopped, and
the program stays stopped longer than its sleep), then `fg` (the job must finish, status 0).
   jobs.py NETSHIM PROGRAM      prints "ok ..." or "FAIL ..." lines."""
import os
import pty
import re
import select
import sys
import time

netshim, program = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "$ "
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])

seen = b""


def expect(pattern, seconds):
    global seen
    end = time.time() + seconds
    while time.time() < end:
        if re.search(pattern, seen):
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return re.search(pattern, seen) is not None


def say(ok, what):
    print(("ok   " if ok else "FAIL ") + what)


os.write(fd, f"{netshim} run -- {program} -sleep 2s\n".encode())
time.sleep(0.8)
os.write(fd, b"\x1a")  # Ctrl-Z
stopped = expect(rb"Stopped", 5)
say(stopped, "job control: Ctrl-Z stops the traced job and the shell says Stopped")
time.sleep(2.5)  # longer than the program's sleep: stopped, it must not have finished
seen = b""
os.write(fd, b"fg; echo fg=$?\n")  # fg's status is the job's
done = expect(rb"fg=0", 10)
say(stopped and done, "job control: fg resumes it and it exits 0")
if not done:
    print(seen.decode(errors="replace"))
os.write(fd, b"exit\n")
time.sleep(0.2)
try:
    os.kill(pid, 9)
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
