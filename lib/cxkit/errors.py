"""User-facing errors.

Every error a consultant can cause (bad params, bad data) is raised as a
:class:`CxError` subclass whose message says *where* (file, key path, column,
rows) and *what to do*. The CLI prints these without a traceback and exits
non-zero; inside a notebook, the runner reports the message in the manifest and
the index page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


class CxError(Exception):
    """Base class for errors caused by input, reported without a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message + (f"\n  → {self.hint}" if self.hint else "")


@dataclass
class Problem:
    """One problem found in params or data, with its location."""

    file: str
    where: str          # key path ("regions.east.survey.scale_range") or column name
    message: str
    rows: Sequence[int] = field(default_factory=list)  # 1-based data row numbers (first few)
    severity: str = "error"  # "error" | "warning"

    def render(self) -> str:
        loc = f"{self.file}: {self.where}" if self.where else self.file
        rows = ""
        if self.rows:
            shown = ", ".join(str(r) for r in list(self.rows)[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            rows = f" [rows {shown}{more}]"
        return f"{loc}{rows}: {self.message}"


class ConfigError(CxError):
    """Engagement parameters are invalid. Carries one or more :class:`Problem`."""

    def __init__(self, problems: Sequence[Problem] | str, *, hint: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(file="", where="", message=problems)]
        self.problems = list(problems)
        lines = [p.render() for p in self.problems]
        head = "invalid engagement parameters" if len(lines) > 1 else lines[0]
        body = head if len(lines) == 1 else head + ":\n" + "\n".join("  - " + l for l in lines)
        super().__init__(body, hint=hint)


class DataError(CxError):
    """A data file cannot be used as it is (missing column, bad values...)."""

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None,
                 rows: Sequence[int] | None = None, hint: str | None = None):
        self.file, self.column, self.rows = file, column, list(rows or [])
        where = []
        if file:
            where.append(str(file))
        if column:
            where.append(f"column '{column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            where.append(f"rows {shown}{more}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class AnalysisError(CxError):
    """A statistic cannot be computed from this data (e.g. zero variance)."""
