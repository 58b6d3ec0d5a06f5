"""The process jupyter_client starts as the "kernel" of a warm task (see :mod:`cxkit.warm`); standard library only.

Run as ``python -I -S warm_client.py SOCKET -f CONNECTION_FILE [kernel arguments]``. It hands its command line,
working directory, environment and standard streams to the zygote listening on ``SOCKET``, which forks a fresh
kernel with them, then stands for that kernel: a signal it receives (SIGINT = interrupt, SIGTERM) is passed on,
it exits with the kernel's exit status, and if it is killed the zygote kills the kernel (the connection closes).
Without a zygote (socket missing, refused) it becomes a cold kernel: ``exec python -m ipykernel_launcher``.
"""
import json
import os
import signal
import socket
import struct
import sys


def _cold(argv):
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def main() -> None:
    sock_path, argv = sys.argv[1], sys.argv[2:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock_path)
        body = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode("utf-8")
        socket.send_fds(s, [struct.pack("!Q", len(body))], [0, 1, 2])
        s.sendall(body)
        head = b""
        while len(head) < 8:
            part = s.recv(8 - len(head))
            if not part:
                raise ConnectionError("the zygote closed the connection")
            head += part
    except OSError:
        s.close()
        _cold(argv)
        return
    pid = struct.unpack("!q", head)[0]
    if pid <= 0:                         # the zygote refused (e.g. its environment differs): run cold
        s.close()
        _cold(argv)
        return

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, forward)
    tail = b""
    while len(tail) < 8:
        part = s.recv(8 - len(tail))
        if not part:                     # the zygote went away: the kernel went with it
            os._exit(1)
        tail += part
    status = struct.unpack("!q", tail)[0]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main()
