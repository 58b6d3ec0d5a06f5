"""The index's table of failed tasks names regions by their label (a CI run showed the key "south" there)."""
from types import SimpleNamespace

from cxkit.index import write_index


def test_failed_tasks_table_uses_region_labels(tmp_path):
    eng = SimpleNamespace(raw={"language": "zh", "client": "某零售"}, name="demo",
                          regions={"south": SimpleNamespace(params={"label": "华南"}),
                                   "east": SimpleNamespace(params={"label": "华东"})})
    records = [{"region": "south", "notebook": "03_diagnostics", "status": "failed", "error": "RuntimeError: boom"},
               {"region": "_engagement", "notebook": "99_summary", "status": "failed", "error": "boom too"},
               {"region": "east", "notebook": "03_diagnostics", "status": "ok"}]
    html = write_index(tmp_path, eng, records, []).read_text(encoding="utf-8")
    failures = html[html.index("失败任务"):]
    assert "华南" in failures and "boom" in failures
    assert ">south<" not in failures and ">_engagement<" not in failures
