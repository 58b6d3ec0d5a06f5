"""One chart theme for every playbook, readable in Chinese.

The CJK font comes from the ``mplfonts`` wheel (Noto Sans CJK SC, installed by
pip on a fresh machine, nothing downloaded at run time); system fonts are the
fallback (Noto Sans CJK / WenQuanYi / SimHei / PingFang / Microsoft YaHei).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PALETTE = ["#1f5f8b", "#e07b39", "#3a9d5d", "#c2423f", "#7d5ba6", "#8c6d31", "#d4a017", "#5b8fa8"]
SYSTEM_CJK = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "SimHei", "PingFang SC", "Microsoft YaHei", "Heiti SC"]


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Register and return the family name of a font with CJK glyphs, or None if none is found."""
    from matplotlib import font_manager as fm

    candidates: list[Path] = []
    try:
        from importlib import resources
        folder = resources.files("mplfonts") / "fonts"
        for name in ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf"):
            p = Path(str(folder / name))
            if p.is_file():
                candidates.append(p)
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - fallback path
        pass
    for p in candidates:
        fm.fontManager.addfont(str(p))
        return fm.FontProperties(fname=str(p)).get_name()
    installed = {f.name for f in fm.fontManager.ttflist}
    for fam in SYSTEM_CJK:  # pragma: no cover - only without mplfonts
        if fam in installed:
            return fam
    return None


def apply(lang: str = "zh") -> str | None:
    """Apply the playbook theme (seaborn whitegrid, palette, CJK font). Returns the font family used."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import seaborn as sns

    font = cjk_font()
    sans = ([font] if font else []) + ["DejaVu Sans"]
    sns.set_theme(style="whitegrid", palette=PALETTE, font=sans[0],
                  rc={"font.sans-serif": sans, "font.family": "sans-serif",
                      "axes.unicode_minus": False, "figure.dpi": 110, "savefig.dpi": 110,
                      "figure.figsize": (7.5, 4.2), "axes.titleweight": "bold",
                      "axes.spines.top": False, "axes.spines.right": False})
    return font
