"""Build playbook notebooks from percent-format sources, and strip outputs.

Source format (``# %%`` starts a code cell; ``# %% [parameters]`` tags the
papermill parameters cell; ``# %% [markdown]`` starts a markdown cell whose
lines are ``# ``-prefixed)::

    python -m cxkit.nbtools build notebooks/src/00_data_profile.py notebooks/00_data_profile.ipynb
    python -m cxkit.nbtools strip notebooks/*.ipynb
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

_MARK = re.compile(r"^# %%(?: \[(\w+)\])?\s*$")


def from_percent(text: str):
    """A notebook node from percent-format source text."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    kind, lines = None, []

    def flush():
        if kind is None:
            return
        src = "\n".join(lines).strip("\n")
        if kind == "markdown":
            src = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in src.splitlines())
            nb.cells.append(nbformat.v4.new_markdown_cell(src))
        else:
            cell = nbformat.v4.new_code_cell(src)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)

    for line in text.splitlines():
        m = _MARK.match(line)
        if m:
            flush()
            kind, lines = (m.group(1) or "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    for i, c in enumerate(nb.cells):  # stable ids keep git diffs quiet
        c["id"] = f"cell-{i:02d}"
    return nb


def strip(nb):
    """Remove outputs and execution counts in place; return the notebook."""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
        c.metadata.pop("papermill", None)
        c.metadata.pop("execution", None)
    nb.metadata.pop("papermill", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    import nbformat

    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) == 3 and argv[0] == "build":
        nb = from_percent(Path(argv[1]).read_text(encoding="utf-8"))
        nbformat.write(nb, argv[2])
        return 0
    if argv and argv[0] == "strip":
        for p in argv[1:]:
            nb = nbformat.read(p, as_version=4)
            nbformat.write(strip(nb), p)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
