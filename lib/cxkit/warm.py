"""Warm kernels (issue 22): a fresh kernel per task, forked from a zygote that has imported the heavy modules once.

A cold task spends 3–4 s of CPU starting Python and importing pandas, scipy, matplotlib, seaborn and cxkit before
the notebook's first line runs: the same work in every task. ``cx run --warm`` starts, in each worker process, one
*zygote*: a Python process that imports those modules (and ipykernel) and then waits. Each task's kernel is a
``fork()`` of the zygote — a new process with its own copy of the memory, started where the imports ended — so no
state passes from one task to the next (each kernel starts from the zygote's pristine state, never from another
task's), and the kernel itself is the ordinary ipykernel, started with the ordinary arguments.

How it plugs into papermill: :class:`WarmKernelManager` (an ``AsyncKernelManager``, given to nbclient as
``kernel_manager_class``) launches :mod:`cxkit.warm_client` instead of ``python -m ipykernel_launcher``. The client
hands the zygote its arguments, working directory, environment and standard streams; the zygote forks the kernel
with exactly those; the client stands for the kernel (signals forwarded, exit status returned, the kernel killed if
the client is). papermill's contract does not change: same parameters cell, same executed ``.ipynb``.

What the fork could carry over, and how it is held equal to a cold kernel:

* environment read at import time: the zygote is started with the task's environment (``PYTHONHASHSEED=0``
  included) and ``MPLBACKEND`` set as ipykernel sets it; a request whose environment differs in anything but the
  variables jupyter_client and the runner set per task gets no fork, and the client runs a cold kernel instead;
  variables the kernel's own imports add (debugpy's ``PYDEVD_USE_FRAME_EVAL``) are given to each kernel;
* ``sys.path``, ``sys.argv``, working directory, session, signal handlers: set in the child as the launcher sets
  them; numpy's global random state is reseeded from the OS as in a new process (Python's ``random`` does this
  itself after a fork);
* threads: the zygote forks only while it has a single thread (else it refuses and the task runs cold);
* modules whose import looks at a running IPython (``matplotlib_inline``, ``tqdm.auto``) are never imported by the
  zygote.

Without a zygote (start failed, not POSIX) every path falls back to a cold kernel: never a failed task.

What a warm task still pays besides its cells (≈ 0.2 s, ``benchmarks/batch.py``): starting the small client
process, the fork, ipykernel's own setup in the child (its lazy imports, debugpy included, are done by the zygote),
and the first reply. Two waits of jupyter_client's that cost a cold kernel nothing noticeable but a warm one most of
its overhead are cut: the 0.2 s IOPub drain at the end of ``wait_for_ready`` (see :func:`_client_class`) and
ZeroMQ's 100 ms reconnect interval while the new kernel binds its ports; after the kill, the manager looks every
5 ms, not 100 ms, whether the kernel is gone.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CLIENT = str(Path(__file__).with_name("warm_client.py"))
READY = "cx-zygote-ready"
MPLBACKEND = "module://matplotlib_inline.backend_inline"
# set per task by jupyter_client (JPY_*) or the runner (read at call time, never at import)
PER_TASK_ENV = ("JPY_", "CX_INPUT_CACHE")
# imported once by the zygote, first what every kernel imports while it starts (ipykernel.debugger brings debugpy:
# 0.07 s a kernel), then what the playbooks import (modules not in this checkout are skipped)
KERNEL_PRELOAD = ("IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "pdb",
                  "tornado.platform.asyncio")
PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "scipy.linalg", "matplotlib", "matplotlib.pyplot",
           "seaborn", "statsmodels.api",
           "cxkit.report", "cxkit.theme", "cxkit.i18n", "cxkit.io", "cxkit.validation", "cxkit.config",
           "cxkit.results", "cxkit.survey", "cxkit.profile", "cxkit.privacy", "cxkit.reliability",
           "cxkit.reliability_sections", "cxkit.diagnostics", "cxkit.metrics", "cxkit.tiers", "cxkit.drivers",
           "cxkit.rootcause", "cxkit.roi", "cxkit.roi_sections", "cxkit.allocation", "cxkit.allocation_sections",
           "cxkit.design_sections", "cxkit.action_plan", "cxkit.findings", "cxkit.summary")
# never in the zygote: their import inspects the running IPython or starts threads
FORBIDDEN = ("matplotlib_inline.backend_inline", "tqdm.auto", "tqdm.autonotebook", "ipywidgets")


def supported() -> bool:
    return os.name == "posix" and hasattr(os, "fork") and hasattr(socket, "send_fds")


def default_on() -> bool:
    """Whether ``cx run`` uses warm kernels when not told: where fork after the zygote's imports is known to be safe
    (Linux; on macOS a fork after Accelerate/Apple frameworks may crash or hang)."""
    return sys.platform.startswith("linux") and supported()


def _env_signature(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith(PER_TASK_ENV)}


# ----------------------------------------------------------------------------------------------------- zygote side
def _preload(names: tuple[str, ...]) -> list[str]:
    import importlib

    done = []
    for name in names:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:  # noqa: BLE001 - a module missing from this checkout is imported by the kernel, if at all
            pass
    for name in FORBIDDEN:
        sys.modules.pop(name, None)      # never imported by these; popped in case an import pulled one in
    return done


def _child(conn: socket.socket, listener: socket.socket, others: list[socket.socket], fds: list[int],
           req: dict[str, Any]) -> None:
    """In the forked kernel process: become what ``python -m ipykernel_launcher ARGS`` would be, then run it."""
    code = 1
    try:
        for s in (listener, conn, *others):
            s.close()
        os.setsid()
        _die_with_parent()
        for i, fd in enumerate(fds[:3]):
            os.dup2(fd, i)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        for key, value in req.get("import_env", {}).items():
            os.environ.setdefault(key, value)    # what the zygote's imports set, as the kernel's own imports would
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *req["argv"]]
        if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
            del sys.path[0]              # as the launcher does
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()   # a new process draws a new global seed
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        try:                             # what interpreter shutdown does: join the threads, then atexit
            import atexit as _atexit

            shutdown = getattr(threading, "_shutdown", None)
            if shutdown is not None:
                shutdown()
            _atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _die_with_parent() -> None:
    """Linux: the kernel is killed if the zygote dies (the zygote kills its kernels when it stops normally)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the client's closed connection still ends the kernel
        pass


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            raise ConnectionError("closed")
        buf += part
    return buf


def zygote_main(sock_path: str) -> None:
    """The zygote: import, listen on ``sock_path``, fork a kernel per request; exit when its parent is gone."""
    parent = os.getppid()
    base_env = _env_signature(dict(os.environ))
    os.environ.setdefault("MPLBACKEND", MPLBACKEND)     # ipykernel sets it before any notebook import
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))   # (the finally below kills the kernels)
    before = dict(os.environ)
    _preload(KERNEL_PRELOAD)
    # variables the kernel's own imports set when absent (debugpy: PYDEVD_USE_FRAME_EVAL): a cold kernel has them
    # before its first cell, so each warm kernel gets them too. (Those a playbook library sets when imported,
    # scikit-learn's KMP_*, a cold kernel gets only if its notebook imports it: a warm kernel never has them.)
    import_env = {k: v for k, v in os.environ.items() if k not in before}
    _preload(PRELOAD)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(16)
    wake_r, wake_w = os.pipe()                 # SIGCHLD wakes the loop at once: a finished kernel is reported now
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    print(READY, flush=True)
    quiet = os.open(os.devnull, os.O_WRONLY)   # nobody reads the pipe after this line: it must never fill up
    os.dup2(quiet, 1)
    os.close(quiet)
    kids: dict[int, socket.socket] = {}        # kernel pid → the client's connection

    def refuse(conn: socket.socket) -> None:
        try:
            conn.sendall(struct.pack("!q", 0))
        finally:
            conn.close()

    try:
        while os.getppid() == parent:
            socks = [listener, wake_r, *kids.values()]
            ready, _, _ = select.select(socks, [], [], 0.5)
            for s in ready:
                if s is wake_r:
                    with _suppress():
                        os.read(wake_r, 4096)
                elif s is listener:
                    conn, _ = listener.accept()
                    fds: list[int] = []
                    try:
                        conn.settimeout(10)
                        head, fds, _, _ = socket.recv_fds(conn, 8, 3)
                        req = json.loads(_recv_exact(conn, struct.unpack("!Q", head)[0]).decode("utf-8"))
                        conn.settimeout(None)
                    except (OSError, ValueError, struct.error):
                        for fd in fds:
                            os.close(fd)
                        conn.close()
                        continue
                    if (len(fds) != 3 or _env_signature(req.get("env") or {}) != base_env
                            or threading.active_count() != 1):
                        for fd in fds:
                            os.close(fd)
                        refuse(conn)                 # the client starts a cold kernel
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        signal.set_wakeup_fd(-1)
                        os.close(wake_r)
                        os.close(wake_w)
                        _child(conn, listener, [c for c in kids.values()], fds, {**req, "import_env": import_env})
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(struct.pack("!q", pid))
                    kids[pid] = conn
                else:                                # a client went away (killed): its kernel goes too
                    try:
                        gone = not s.recv(1)
                    except OSError:
                        gone = True
                    if gone:
                        for pid, c in list(kids.items()):
                            if c is s:
                                with _suppress():
                                    os.kill(pid, signal.SIGKILL)
            while kids:                               # reap finished kernels, tell their clients
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                c = kids.pop(pid, None)
                if c is not None:
                    with _suppress():
                        c.sendall(struct.pack("!q", status))
                    c.close()
    finally:
        for pid in kids:
            with _suppress():
                os.kill(pid, signal.SIGKILL)
        with _suppress():
            os.unlink(sock_path)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


# ----------------------------------------------------------------------------------------------------- worker side
class _Zygote:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.sock = ""
        self.signature: dict[str, str] = {}
        self.failed_for: dict[str, str] | None = None
        self.ready = False
        self.lock = threading.Lock()            # a worker with several threads runs tasks side by side

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and os.path.exists(self.sock)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock:
            Path(self.sock).unlink(missing_ok=True)
            with _suppress():
                os.rmdir(os.path.dirname(self.sock))
        self.proc, self.sock = None, ""

    def start(self, env: dict[str, str]) -> None:
        """Start a zygote with ``env`` unless one with the same environment is running or starting (no wait)."""
        with self.lock:
            self._start(env)

    def _start(self, env: dict[str, str]) -> None:
        sig = _env_signature(env)
        if self.proc is not None and self.proc.poll() is None and sig == self.signature:
            return
        self.stop()
        folder = tempfile.mkdtemp(prefix="cx-warm-")
        sock = os.path.join(folder, "z.sock")
        self.proc = subprocess.Popen([sys.executable, "-c", "import sys; from cxkit.warm import zygote_main; "
                                      "zygote_main(sys.argv[1])", sock], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                                     text=True)
        self.sock, self.signature, self.ready = sock, sig, False

    def ensure(self, timeout: float = 180) -> str | None:
        """The socket of a ready zygote with the current environment (started now if needed), or None."""
        with self.lock:
            return self._ensure(timeout)

    def _ensure(self, timeout: float) -> str | None:
        sig = _env_signature(dict(os.environ))
        if self.failed_for == sig:
            return None
        if not (self.proc is not None and self.proc.poll() is None and sig == self.signature):
            self._start(dict(os.environ))
        if self.ready and self.alive():
            return self.sock
        proc = self.proc
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            r, _, _ = select.select([proc.stdout], [], [], 1.0)
            if r:
                line = proc.stdout.readline()
                break
            if proc.poll() is not None:
                break
        if line.strip() != READY or not self.alive():
            self.stop()
            self.failed_for = sig
            return None
        self.failed_for, self.ready = None, True
        return self.sock


_ZYGOTE = _Zygote()
atexit.register(_ZYGOTE.stop)


def _client_class():
    """jupyter_client's ``AsyncKernelClient`` with a ``wait_for_ready`` that returns when the kernel is ready.

    jupyter_client's own ``wait_for_ready`` ends by draining IOPub until nothing has come for 0.2 s: every task
    would wait 0.2 s for nothing (a third of a warm task's overhead). Here the wait ends when IOPub has delivered
    the ``idle`` status of the ``kernel_info`` request that was answered — the last message that request causes,
    which also proves IOPub is connected (the reason jupyter_client reads IOPub at all). If IOPub was subscribed only
    after the kernel answered (ipykernel's ``iopub_welcome`` comes before the request's own messages), or nothing comes
    within 0.2 s (an ipykernel without the welcome message), the request is sent again, as jupyter_client does.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class WarmKernelClient(AsyncKernelClient):
        def start_channels(self, *args, **kwargs):
            # the channels connect before the new kernel has bound its ports; ZeroMQ then retries every 100 ms by
            # default, so the first reply waited up to 100 ms past the kernel's readiness
            import zmq

            self.context.setsockopt(zmq.RECONNECT_IVL, 5)
            return super().start_channels(*args, **kwargs)

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    asked = reply["parent_header"].get("msg_id")
                    seen = False                # this request's first IOPub message (busy) has come
                    try:
                        while True:
                            msg = await self.iopub_channel.get_msg(timeout=0.2)
                            if msg["parent_header"].get("msg_id") == asked:
                                seen = True
                                if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                                    self._handle_kernel_info_reply(reply)
                                    return
                            elif msg["msg_type"] == "iopub_welcome" and not seen:
                                break           # subscribed only now: this request's messages went before
                    except Empty:
                        pass                    # IOPub not connected yet: ask again
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    return WarmKernelClient


def kernel_manager_class():
    """The ``kernel_manager_class`` for nbclient that starts kernels from this process's zygote, or None when
    warm kernels are not available here (the caller then runs cold)."""
    if not supported():
        return None
    sock = _ZYGOTE.ensure()
    if sock is None:
        return None
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    client_class = _client_class()

    class WarmKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _warm_client_factory(self):
            return client_class

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # after the kill, jupyter_client looks every 0.1 s whether the kernel is gone: a kernel killed at
            # once would keep every task waiting 0.1 s
            await super()._async_wait(pollinterval=min(pollinterval, 0.005))

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if len(cmd) >= 3 and cmd[0] == sys.executable and cmd[1:3] == ["-m", "ipykernel_launcher"]:
                return [sys.executable, "-I", "-S", CLIENT, sock, *cmd[3:]]
            return cmd                     # another kernel: started as it says

    return WarmKernelManager


def prestart(extra_env: dict[str, str] | None = None) -> None:
    """Start this process's zygote now, with the environment the tasks will have (``os.environ`` and
    ``extra_env``), so its imports overlap the run's own start; the first task then waits only for the rest."""
    if supported():
        try:
            _ZYGOTE.start({**os.environ, **(extra_env or {})})
        except OSError:
            pass


def stop() -> None:
    """Stop this process's zygote (the runner calls it at the end of an in-process run)."""
    _ZYGOTE.stop()
