"""Strings exist in both languages once; Chinese chart labels render with a real CJK font."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from cxkit import i18n

ROOT = Path(__file__).resolve().parents[1]


def test_catalog_complete():
    cat = i18n.catalog()
    assert all(set(v) >= {"zh", "en"} and v["zh"] and v["en"] for v in cat.values())


def test_duplicate_and_incomplete_keys_rejected(tmp_path):
    (tmp_path / "a.yaml").write_text("x.k: {zh: 甲, en: A}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("x.k: {zh: 乙, en: B}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="defined in both a.yaml and b.yaml"):
        i18n.load_folder(tmp_path)
    (tmp_path / "b.yaml").write_text("x.j: {zh: 乙}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs both zh and en"):
        i18n.load_folder(tmp_path)


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        i18n.t("nope.nothing", "zh")


def test_every_literal_key_used_in_code_exists():
    """Keys passed as literals to t()/pb.t()/label() in lib and notebook sources are all defined."""
    pat = re.compile(r"""\b(?:pb\.t|\.t|i18n\.t|pb\.label)\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")
    cat = i18n.catalog()
    missing = []
    for p in list((ROOT / "lib" / "cxkit").rglob("*.py")) + list((ROOT / "notebooks" / "src").glob("*.py")):
        for key in pat.findall(p.read_text(encoding="utf-8")):
            if key not in cat and not key.startswith(("nope.",)):
                missing.append(f"{p.name}: {key}")
    assert not missing, missing


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxkit import theme

    font = theme.apply("zh")
    assert font, "no CJK font found (mplfonts should ship Noto Sans CJK SC)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph 21306 (\\N{CJK ...}) missing from font(s) DejaVu Sans" -> error
        fig, ax = plt.subplots()
        ax.bar(["铂金", "黄金", "普通", "潜力"], [82, 78, 74, 68])
        ax.set_title("各层级满意度（0–100）−5")
        ax.set_xlabel("客户层级")
        fig.savefig(tmp_path / "zh.png")
        plt.close(fig)


def test_missing_glyph_warning_is_detected_without_cjk_font(tmp_path):
    """The check above can fail: with DejaVu only, matplotlib warns about the missing glyphs."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        with pytest.warns(UserWarning, match="missing from font"):
            fig, ax = plt.subplots()
            ax.set_title("客户层级")
            fig.savefig(tmp_path / "x.png")
            plt.close(fig)
