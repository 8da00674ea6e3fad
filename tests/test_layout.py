"""House rules that keep the layers apart, and docs that must not drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from metrics.catalog import load_definitions
from pipelines.stages import ALL_STAGES

ROOT = Path(__file__).resolve().parents[1]


def sources(*folders: str) -> dict[Path, str]:
    return {p: p.read_text() for folder in folders for p in (ROOT / folder).rglob("*.py")}


def test_backend_never_imports_streamlit():
    for path, text in sources("pipelines", "metrics").items():
        assert not re.search(r"^\s*(import|from)\s+streamlit", text, re.M), path


def test_pages_hold_no_sql_or_database_code():
    for path, text in {**sources("pages"), ROOT / "app.py": (ROOT / "app.py").read_text()}.items():
        for word in ("duckdb", "sqlglot", "SELECT ", "import polars"):
            assert word not in text, f"{path} uses {word!r}"


def test_only_one_module_opens_duckdb_and_one_uses_sqlglot():
    opens = [p for p, t in sources("pipelines", "metrics").items() if "duckdb.connect" in t]
    assert [p.name for p in opens] == ["warehouse.py"]
    glot = [p for p, t in sources("pipelines", "metrics").items() if re.search(r"^\s*(import|from)\s+sqlglot", t, re.M)]
    # metrics/sql is a package (checks and filters in __init__, dialects in transpile): only it uses sqlglot
    assert glot and all(p.parent == ROOT / "metrics" / "sql" for p in glot), glot


def test_app_only_routes():
    text = (ROOT / "app.py").read_text()
    assert "st.navigation" in text and "sidebar" not in text


def test_modules_stay_small():
    for path, text in sources("pipelines", "metrics", "pages").items():
        assert text.count("\n") <= 420, f"{path} has grown past ~400 lines: split it"


def test_definitions_doc_names_every_kpi_and_stage():
    doc = (ROOT / "docs" / "definitions.md").read_text()
    for name in load_definitions():
        assert f"`{name}`" in doc, f"docs/definitions.md does not describe KPI {name}"
    for stage in ALL_STAGES:
        assert f"`{stage}`" in doc, f"docs/definitions.md does not name stage {stage}"


def test_every_page_asks_the_access_module_for_the_capability_it_is_listed_under():
    from pipelines.access import PAGES

    for path in sorted((ROOT / "pages").glob("*.py")):
        if path.stem == "no_access":
            continue
        assert path.stem in PAGES, f"{path.name} is not in pipelines.access.PAGES: no role would see it"
        assert f'ui.require("{PAGES[path.stem]}")' in path.read_text(), f"{path.name} must call ui.require"
