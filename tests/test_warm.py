"""Issue 22: warm kernels (isolated, same results as cold ones), inputs parsed once per run, lighter playbooks."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import inputcache
from cxkit.runner import notebooks_dir, run
from test_batch import HEAD, OK_NB, _notebooks

# what a kernel sees of its process: everything a notebook could depend on besides its inputs; the first task sets
# state in its process (a module attribute, an environment variable, a builtin) that the next must not see
PROBE = HEAD + '''
# %%
import builtins, json, os, signal, sys, matplotlib
import numpy as np
from cxkit.report import Playbook
pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
state = {"cwd": os.getcwd(), "path": sys.path, "hash": hash("abc"), "backend": matplotlib.get_backend(),
         "env": {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "CX_INPUT_CACHE"))},
         "name": __name__, "main": str(sys.modules["__main__"]), "argv0": sys.argv[0], "flags": str(sys.flags),
         "signals": [str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE)],
         "session_leader": os.getsid(0) == os.getpid(), "exe": sys.executable,
         "leaked": [hasattr(matplotlib, "_cx_leak"), "CX_LEAK" in os.environ, hasattr(builtins, "cx_leak"),
                    hasattr(np, "_cx_leak")]}
matplotlib._cx_leak = np._cx_leak = builtins.cx_leak = 1
os.environ["CX_LEAK"] = "1"
json.dump(state, open(os.path.join(results_dir, notebook + ".state.json"), "w"), sort_keys=True)
pb.result("draw", float(np.random.random()))
pb.save();
'''


@pytest.mark.slow
def test_warm_kernels_isolated_and_identical_to_cold(small_engagement, tmp_path):
    """The same tasks cold and warm: each warm task starts from the zygote's state, never the previous task's;
    the kernel's process looks the same as a cold one's; the real 00 playbook's results and HTML are byte-identical."""
    from cxkit import warm

    if not warm.supported():
        pytest.skip("warm kernels need fork and Unix sockets")
    nbs = _notebooks(tmp_path / "nbs", **{"01_probe_a": PROBE, "02_probe_b": PROBE})
    shutil.copy(notebooks_dir() / "00_data_profile.ipynb", nbs / "00_data_profile.ipynb")
    reps = {}
    for mode in ("cold", "warm"):
        reps[mode] = run(small_engagement, out_dir=tmp_path / mode, regions=["west"], workers=1, notebooks_folder=nbs,
                         warm=mode == "warm")
        assert reps[mode].ok, reps[mode].failures
    assert {r["kernel"] for r in reps["warm"].records} == {"warm"}
    assert {r["kernel"] for r in reps["cold"].records} == {"cold"}
    assert warm._ZYGOTE.proc is None, "the in-process run stops its zygote"
    cold, hot = tmp_path / "cold" / "west", tmp_path / "warm" / "west"
    for nb in ("01_probe_a", "02_probe_b"):
        a, b = (json.loads((d / f"{nb}.state.json").read_text()) for d in (cold, hot))
        assert a == b, {k: (a[k], b[k]) if k != "env" else set(a[k].items()) ^ set(b[k].items()) for k in a if a[k] != b[k]}
        assert b["leaked"] == [False] * 4, f"{nb}: state of an earlier task is visible"
    draws = {json.loads((hot / f"{nb}.results.json").read_text())["draw"] for nb in ("01_probe_a", "02_probe_b")}
    assert len(draws) == 2, "numpy's global random state is drawn anew in each kernel, as in a new process"
    for ext in ("results.json", "html"):
        assert (cold / f"00_data_profile.{ext}").read_bytes() == (hot / f"00_data_profile.{ext}").read_bytes(), ext


def _cache_env(monkeypatch, folder: Path, key: str | None = None) -> None:
    monkeypatch.setenv(inputcache.ENV_DIR, str(folder))
    monkeypatch.setenv(inputcache.ENV_KEY, key or inputcache.new_key())


def test_input_cache_parses_once_and_is_never_stale_or_forged(small_engagement, tmp_path, monkeypatch):
    from cxkit.config import load_engagement
    from cxkit.validation import read_complaints, read_responses

    params = load_engagement(small_engagement).regions["east"].params
    fresh, problems = read_responses(params)              # no cache set: nothing written anywhere
    _cache_env(monkeypatch, tmp_path / "cache")
    before = dict(inputcache.stats)
    a, pa = read_responses(params)
    b, pb_ = read_responses(params)
    assert inputcache.stats["miss"] == before["miss"] + 1 and inputcache.stats["hit"] == before["hit"] + 1
    pd.testing.assert_frame_equal(fresh, b, check_exact=True)
    assert pa == pb_ == problems and a is not b and fresh.attrs == b.attrs
    pd.testing.assert_frame_equal(read_complaints(params), read_complaints(params), check_exact=True)
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 2

    # other reading params: another entry
    other = {**params, "validation": {**(params.get("validation") or {}), "policy": "warn"}}
    hits = inputcache.stats["hit"]
    read_responses(other)
    assert inputcache.stats["hit"] == hits
    # the file changes during the run: its new content is read
    f = Path(params["responses"])
    pd.read_csv(f).head(50).to_csv(f, index=False)
    assert len(read_responses(params)[0]) == 50
    # an entry altered on disk is not trusted (not unpickled); neither is one signed with another run's key
    for entry in (tmp_path / "cache").glob("responses-*.pkl"):
        blob = bytearray(entry.read_bytes())
        blob[-1] ^= 1
        entry.write_bytes(bytes(blob))
    hits = inputcache.stats["hit"]
    assert len(read_responses(params)[0]) == 50 and inputcache.stats["hit"] == hits
    _cache_env(monkeypatch, tmp_path / "cache")          # a new key: every entry is a miss
    read_responses(params)
    assert inputcache.stats["hit"] == hits


@pytest.mark.slow
def test_run_without_notebooks_and_cache_cleaned(small_engagement, tmp_path):
    """--no-keep-notebooks: playbooks and results without the executed .ipynb; --resume reuses them, and re-runs
    them when the .ipynb is asked for again; the run's input cache is gone when the run ends."""
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    out = tmp_path / "out"
    rep = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, keep_notebooks=False)
    assert rep.ok and (out / "east" / "00_count.html").is_file() and (out / "east" / "00_count.results.json").is_file()
    assert not (out / "east" / "00_count.ipynb").exists()
    assert not (out / inputcache.FOLDER).exists()
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["options"]["keep_notebooks"] is False and "ipynb" not in m["tasks"][0]["outputs"]
    again = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, keep_notebooks=False,
                resume=True)
    assert again.records[0]["status"] == "reused"
    full = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, resume=True)
    assert full.records[0]["status"] == "ok" and (out / "east" / "00_count.ipynb").is_file()


def test_compact_png_is_exact_for_charts_and_smaller():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from cxkit import theme
    from cxkit.report import compact_png

    theme.apply("zh")
    fig, ax = plt.subplots()
    ax.bar(["服务态度", "等待时间", "价格"], [0.3, 0.5, 0.2])
    ax.set_title("驱动因素")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    raw = buf.getvalue()
    small = compact_png(raw)
    assert len(small) < 0.6 * len(raw) and compact_png(raw) == small
    a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB")) for x in (raw, small))
    colours = len(Image.open(io.BytesIO(raw)).convert("RGB").getcolors(1 << 24))
    if colours <= 256:
        assert (a == b).all(), "a chart of <= 256 colours keeps every pixel"
    else:
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 1.0


@pytest.mark.parametrize("argv, expected", [([], "platform"), (["--warm"], True), (["--no-warm"], False)])
def test_cli_runs_warm_by_default_on_linux(monkeypatch, tmp_path, argv, expected):
    """``cx run`` starts warm kernels unless told --no-warm, where fork is safe (Linux); elsewhere it runs cold."""
    import sys
    from types import SimpleNamespace

    from cxkit import cli, runner, warm

    seen = {}

    def fake_run(engagement, **kw):
        seen.update(kw)
        return SimpleNamespace(failures=[], records=[], ok=True, index_path=tmp_path / "index.html")

    monkeypatch.setattr(runner, "run", fake_run)
    assert cli.main(["run", str(tmp_path), *argv]) == 0
    if expected == "platform":
        expected = sys.platform.startswith("linux") and warm.supported()
        with monkeypatch.context() as m:
            m.setattr(sys, "platform", "darwin")
            cli.main(["run", str(tmp_path)])
            assert seen["warm"] is False, "not Linux: cold unless --warm"
        cli.main(["run", str(tmp_path)])
    assert seen["warm"] is expected
