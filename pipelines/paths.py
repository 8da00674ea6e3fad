"""Where the project keeps its files. Every default path is defined here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("STAGETRUTH_DATA_DIR", PROJECT_ROOT / "data"))
KPI_DIR = PROJECT_ROOT / "metrics" / "kpis"


def warehouse_path() -> Path:
    """The served warehouse: pages open it read-only; only a build replaces it."""
    return Path(os.environ.get("STAGETRUTH_WAREHOUSE", DATA_DIR / "stagetruth.duckdb"))


def demo_dir() -> Path:
    return Path(os.environ.get("STAGETRUTH_DEMO_DIR", DATA_DIR / "demo"))


def stage_map_path() -> Path:
    """Source stage names -> canonical stages (read at each call so tests and previews can point elsewhere)."""
    return Path(os.environ.get("STAGETRUTH_STAGE_MAP", PROJECT_ROOT / "data" / "stage_map.toml"))


def settings_path() -> Path:
    return Path(os.environ.get("STAGETRUTH_SETTINGS", PROJECT_ROOT / "data" / "stagetruth.toml"))


def decisions_path() -> Path:
    """People's decisions and the audit trail: never rebuilt, never moved aside by a schema change."""
    return Path(os.environ.get("STAGETRUTH_DECISIONS", DATA_DIR / "decisions.duckdb"))
