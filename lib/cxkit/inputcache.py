"""Inputs parsed once per run (issue 22): a region's validated responses and complaints, cached for its notebooks.

``cx run`` parses every region's input files before the first kernel starts (:func:`cxkit.runner.check_region_data`);
without a cache, 00, 02 and 03 each parse the same file again (an XLSX export takes seconds each time). With the
cache, the runner's own read stores the validated result in the run's staging folder (``<out>/.cx-inputs``,
removed when the run ends) and every notebook of the run loads it instead of parsing.

Never stale: an entry is keyed by the sha256 of the file's bytes *at the time of the read*, the whole params dict
the reader was given (every reading option: ``input``, ``validation``, ``survey`` columns and ranges …), the cxkit
version and the source of the reading code; anything else is a miss, and a miss parses the file as before.

Never forged: an entry is a pickle (exact round trip of the DataFrame: dtypes, attrs, index, object columns) signed
with HMAC-SHA256 under a random key that exists only for the run (held by the runner, handed to the kernels in
``CX_INPUT_CACHE_KEY``); an entry that does not verify is not unpickled. Without ``CX_INPUT_CACHE`` and its key
(a notebook run by hand, ``cx validate``) nothing is cached.

Parquet/Arrow would need ``pyarrow``, which is not a dependency: with pandas 3 installing it switches the storage of
every ``str`` column of the project to Arrow, a change far beyond a cache.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, TypeVar

ENV_DIR = "CX_INPUT_CACHE"
ENV_KEY = "CX_INPUT_CACHE_KEY"
FOLDER = ".cx-inputs"
T = TypeVar("T")

stats = {"hit": 0, "miss": 0, "stored": 0}        # per process: tests and the benchmark read them


def new_key() -> str:
    """A fresh random signing key for one run."""
    return secrets.token_hex(32)


@lru_cache(maxsize=1)
def _code_version() -> str:
    """The cxkit version, the pandas version and the source of the modules that read and check inputs."""
    import pandas

    from . import __version__

    h = hashlib.sha256(f"{__version__}|{pandas.__version__}".encode())
    here = Path(__file__).parent
    for name in ("io.py", "validation.py", "inputcache.py"):
        p = here / name
        h.update(p.read_bytes() if p.is_file() else b"")
    return h.hexdigest()


def _file_sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def entry_key(kind: str, params: dict[str, Any], path: str) -> str:
    """The cache key of reading ``path`` as ``kind`` with ``params`` (content hash, params, code version)."""
    blob = json.dumps({"kind": kind, "file": _file_sha(path), "params": params, "code": _code_version()},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def _sign(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode("ascii"), payload, hashlib.sha256).digest()


def _load(path: Path, key: str) -> tuple[bool, Any]:
    try:
        blob = path.read_bytes()
    except OSError:
        return False, None
    mac, payload = blob[:32], blob[32:]
    if len(mac) != 32 or not hmac.compare_digest(mac, _sign(key, payload)):
        return False, None
    try:
        return True, pickle.loads(payload)  # noqa: S301 - signed with this run's key just above
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss
        return False, None


def _store(path: Path, key: str, value: Any) -> None:
    from .atomic import atomic_path

    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            Path(tmp).write_bytes(_sign(key, payload) + payload)
        stats["stored"] += 1
    except Exception:  # noqa: BLE001 - a cache that cannot be written only costs time
        pass


def cached(kind: str, params: dict[str, Any], path: Any, read: Callable[[], T]) -> T:
    """``read()``'s value for reading the file ``path`` as ``kind`` with ``params``: from the run's cache when a
    signed entry with the same key is there, else read (an exception propagates and nothing is stored) and stored.
    """
    folder, key = os.environ.get(ENV_DIR), os.environ.get(ENV_KEY)
    if not folder or not key or not path:
        return read()
    try:
        entry = Path(folder) / f"{kind}-{entry_key(kind, params, str(path))}.pkl"
    except (OSError, TypeError, ValueError):
        return read()                   # a file that cannot be hashed: the reader reports it
    found, value = _load(entry, key)
    if found:
        stats["hit"] += 1
        return value
    stats["miss"] += 1
    value = read()
    _store(entry, key, value)
    return value
