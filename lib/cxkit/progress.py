"""Terminal progress of a run: a live per-region table on a terminal, one line per task otherwise."""
from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any


class RunProgress:
    """Callable given to :func:`cxkit.runner.run` as ``progress``.

    On a TTY it shows, live, each region's done / failed / total and an overall
    bar (rich); when output is piped (CI, logs) it prints one line per task.
    """

    def __init__(self, stream=None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total: dict[str, int] = defaultdict(int)
        self.done: dict[str, int] = defaultdict(int)
        self.failed: dict[str, int] = defaultdict(int)
        self._live = None

    def start(self, tasks: list[Any]) -> None:
        for t in tasks:
            self.total[t.region] += 1
        if self.live:
            from rich.console import Console
            from rich.live import Live
            self._live = Live(self._render(), console=Console(file=self.stream), refresh_per_second=4, transient=False)
            self._live.start()

    def _render(self):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        table = Table(title="cx run", expand=False)
        for col in ("region", "done", "failed", "total", ""):
            table.add_column(col)
        for r, n in self.total.items():
            table.add_row(r, str(self.done[r]), str(self.failed[r]) if self.failed[r] else "", str(n),
                          ProgressBar(total=n, completed=self.done[r], width=24))
        all_n, all_d = sum(self.total.values()), sum(self.done.values())
        table.add_row("[b]all", f"[b]{all_d}", str(sum(self.failed.values()) or ""), f"[b]{all_n}",
                      ProgressBar(total=max(all_n, 1), completed=all_d, width=24))
        return table

    def __call__(self, rec: dict[str, Any], done: int, total: int) -> None:
        region = rec["region"]
        self.done[region] += 1
        if rec["status"] == "failed":
            self.failed[region] += 1
        if self._live is not None:
            self._live.update(self._render())
            if rec["status"] == "failed":
                self._live.console.print(f"[red]FAILED[/red] {region}/{rec['notebook']}: {(rec.get('error') or '')[:200]}")
            return
        mark = {"ok": "ok", "reused": "reused", "failed": "FAILED",
                "not_applicable": "n/a"}.get(rec["status"], rec["status"])
        line = f"[{done:>3}/{total}] {region:<12} {rec['notebook']:<20} {mark:<7} {rec.get('seconds', 0):6.1f}s"
        if rec["status"] == "failed" and rec.get("error"):
            line += f"  {rec['error'].splitlines()[0][:160]}"
        print(line, file=self.stream, flush=True)

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
