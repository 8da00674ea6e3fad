"""The served warehouse is replaced atomically: readers never see a half-built file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.build import build
from tests.conftest import AS_OF, build_warehouse, kpi_export


def build_id(path: Path) -> str:
    with warehouse.read_only(path) as con:
        return con.sql("SELECT build_id FROM build_info").fetchall()[0][0]


@pytest.fixture()
def served(tmp_path: Path) -> Path:
    return build_warehouse(kpi_export().write(tmp_path / "export"), tmp_path / "wh")


def test_reader_keeps_its_snapshot_while_a_build_swaps_in(served):
    before = build_id(served)
    reader = duckdb.connect(str(served), read_only=True)
    try:
        result = build(served, as_of=AS_OF)
        # the open reader still answers from the file it opened
        assert reader.sql("SELECT build_id FROM build_info").fetchall()[0][0] == before
        assert reader.sql("SELECT count(*) FROM application_fact").fetchall()[0][0] == 11
    finally:
        reader.close()
    assert build_id(served) == result.build_id != before


def test_failed_build_leaves_the_previous_warehouse_intact(served):
    before = build_id(served)

    def explode(step: str, done: int, total: int) -> None:
        if step == "writing application_fact":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        build(served, as_of=AS_OF, progress=explode)
    assert build_id(served) == before
    assert not list(served.parent.glob("*.tmp-*")), "the half-written file must be removed"


def test_killed_build_leaves_the_previous_warehouse_and_is_swept(served):
    before = build_id(served)
    script = textwrap.dedent(f"""
        import os, signal
        from datetime import datetime, timezone
        from pathlib import Path
        from pipelines.build import build
        def die(step, done, total):
            if step == "writing application_fact":
                os.kill(os.getpid(), signal.SIGKILL)
        build(Path({str(served)!r}), as_of=datetime(2026, 11, 23, tzinfo=timezone.utc), progress=die)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == -signal.SIGKILL
    assert list(served.parent.glob("*.tmp-*")), "a killed build leaves its temporary file behind"
    assert build_id(served) == before
    build(served, as_of=AS_OF)
    assert not list(served.parent.glob("*.tmp-*")), "the next build sweeps it"
    assert build_id(served) != before


def test_pages_open_the_warehouse_read_only(served):
    with warehouse.read_only(served) as con:
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM application_fact")


def test_missing_warehouse_says_what_to_run(tmp_path):
    with pytest.raises(warehouse.WarehouseMissing, match="stagetruth demo"):
        with warehouse.read_only(tmp_path / "nothing.duckdb"):
            pass


def test_build_without_ingest_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="stagetruth ingest"):
        build(tmp_path / "stagetruth.duckdb", as_of=AS_OF)
    assert not os.path.exists(tmp_path / "stagetruth.duckdb")
