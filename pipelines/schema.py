"""Operational and derived table contracts, and the warehouse schema derived from every contract.

The DuckDB DDL and the column map the KPI definitions are checked against both come from the
pandera models: `ddl()` and `warehouse_columns()` are the only translations.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.contracts import CANONICAL_MODELS, UTC
from pipelines.kpi_facts import KPI_FACT_MODELS
from pipelines.identity.tables import IdentityLink, IdentityPair, Person
from pipelines.mismatches.model import Mismatch, StageCorrection
from pipelines.stages import ALL_STAGES, ORDERED_STAGES


class Quarantine(pa.DataFrameModel):
    """quarantine: one row per input record that broke a rule, with the first rule it broke.

    `detail` lists every failure of the record; `payload` keeps the record as it arrived.
    """

    load_id: str
    source: str
    object: str
    file: str = pa.Field(nullable=True)
    record_no: pl.Int64 = pa.Field(nullable=True)
    record_id: str = pa.Field(nullable=True)
    rule: str
    detail: str
    payload: str = pa.Field(nullable=True)
    quarantined_at: UTC

    class Config:
        strict = True


class LoadLog(pa.DataFrameModel):
    """load_log: one row per load of one object of one source; rows_in = loaded + quarantined + suppressed.

    suppressed counts records of erased people kept out of the load (pipelines.privacy.suppression).
    """

    load_id: str
    source: str
    object: str
    files: pl.Int32 = pa.Field(ge=0)
    files_skipped: pl.Int32 = pa.Field(ge=0)
    rows_in: pl.Int64 = pa.Field(ge=0)
    loaded: pl.Int64 = pa.Field(ge=0)
    quarantined: pl.Int64 = pa.Field(ge=0)
    suppressed: pl.Int64 = pa.Field(ge=0)
    status: str = pa.Field(isin=["ok", "partial", "error"])
    message: str = pa.Field(nullable=True)
    started_at: UTC
    finished_at: UTC

    class Config:
        strict = True

    @pa.dataframe_check(name="counts_add_up")
    def counts_add_up(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """rows_in must equal loaded + quarantined + suppressed."""
        return data.lazyframe.select(pl.col("rows_in") == pl.col("loaded") + pl.col("quarantined") + pl.col("suppressed"))


class FileRegistry(pa.DataFrameModel):
    """file_registry: one row per source file loaded, with its content hash and the mapping it was read with.

    A file whose hash and mapping are already registered is skipped by the next load.
    """

    source: str
    object: str
    file: str
    sha256: str
    bytes: pl.Int64
    mtime_ns: pl.Int64
    config_hash: str
    load_id: str
    loaded_at: UTC

    class Config:
        strict = True
        unique = ["source", "file"]


class ApplicationStage(pa.DataFrameModel):
    """application_stage: one row per application per canonical stage it entered; first entry wins."""

    source: str
    application_id: str
    stage: str = pa.Field(isin=list(ALL_STAGES))
    entered_at: UTC
    entries: pl.Int32 = pa.Field(ge=1)

    class Config:
        strict = True
        unique = ["source", "application_id", "stage"]


class ApplicationFact(pa.DataFrameModel):
    """application_fact: one row per application, with its dimensions and milestone times.

    reached_<stage> is true when the furthest stage reached is at or beyond it, even if the stage
    itself was skipped; <stage>_at is its first entry and stays empty when skipped.
    first_response_at is the earliest human outbound message or non-automated stage change out of
    applied, at or after applied_at.
    """

    application_key: str = pa.Field(unique=True)
    source: str
    application_id: str
    candidate_id: str
    job_id: str
    job_title: str = pa.Field(nullable=True)
    department: str = pa.Field(nullable=True)
    office: str = pa.Field(nullable=True)
    client: str = pa.Field(nullable=True)
    recruiter: str = pa.Field(nullable=True)
    channel: str = pa.Field(nullable=True)
    applied_at: UTC
    first_response_at: UTC = pa.Field(nullable=True)
    first_response_via: str = pa.Field(nullable=True, isin=["message", "stage_change"])
    screened_at: UTC = pa.Field(nullable=True)
    submitted_at: UTC = pa.Field(nullable=True)
    interviewing_at: UTC = pa.Field(nullable=True)
    offer_at: UTC = pa.Field(nullable=True)
    hired_at: UTC = pa.Field(nullable=True)
    furthest_stage: str = pa.Field(isin=list(ORDERED_STAGES))
    reached_interviewing: bool
    reached_offer: bool
    reached_hired: bool
    current_stage: str = pa.Field(isin=list(ALL_STAGES))
    outcome: str
    exited_at: UTC = pa.Field(nullable=True)
    offer_sent_at: UTC = pa.Field(nullable=True)
    offer_decided_at: UTC = pa.Field(nullable=True)
    offer_outcome: str = pa.Field(nullable=True, isin=["pending", "accepted", "declined"])
    job_key: str
    last_moved_at: UTC

    class Config:
        strict = True


class Link(pa.DataFrameModel):
    """link: one row per record of a tool (interview, check, offer, handoff, message) and how it joined to the ATS.

    joined is false when no rule matched: the record stays in its table and is counted as unjoined.
    """

    table: str = pa.Field(isin=["interview", "check", "offer", "handoff", "message"])
    source: str
    source_id: str
    joined: bool
    rule: str = pa.Field(nullable=True)
    target_source: str = pa.Field(nullable=True)
    application_id: str = pa.Field(nullable=True)
    candidate_source: str = pa.Field(nullable=True)
    candidate_id: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = ["table", "source", "source_id"]


class BuildInfo(pa.DataFrameModel):
    """build_info: one row per warehouse file, describing the build that wrote it."""

    build_id: str
    built_at: UTC
    as_of: UTC
    definitions_version: str
    load_ids: pl.List(pl.String)

    class Config:
        strict = True


OPERATIONAL_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "quarantine": Quarantine,
    "load_log": LoadLog,
    "file_registry": FileRegistry,
}
DERIVED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "link": Link,
    "application_stage": ApplicationStage,
    "application_fact": ApplicationFact,
    "build_info": BuildInfo,
    **KPI_FACT_MODELS,
    "person": Person, "identity_link": IdentityLink, "identity_pair": IdentityPair,
    "mismatch": Mismatch,
    "stage_correction": StageCorrection,
}
ALL_MODELS: dict[str, type[pa.DataFrameModel]] = {**CANONICAL_MODELS, **OPERATIONAL_MODELS, **DERIVED_MODELS}


def _duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return _duckdb_type(dtype.inner) + "[]"
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone != "UTC":
            raise TypeError(f"warehouse timestamps must be UTC, got {dtype}")
        return "TIMESTAMPTZ"
    simple = {
        pl.String: "VARCHAR",
        pl.Int32: "INTEGER",
        pl.Int64: "BIGINT",
        pl.Float64: "DOUBLE",
        pl.Boolean: "BOOLEAN",
        pl.Date: "DATE",
    }
    for polars_type, sql in simple.items():
        if dtype == polars_type:
            return sql
    raise TypeError(f"no warehouse type for {dtype}")


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    return {name: col.dtype.type for name, col in model.to_schema().columns.items()}


def ddl(table: str) -> str:
    model = ALL_MODELS[table]
    columns = ",\n  ".join(f'"{name}" {_duckdb_type(dtype)}' for name, dtype in polars_schema(model).items())
    return f'CREATE TABLE "{table}" (\n  {columns}\n)'


def warehouse_columns() -> dict[str, dict[str, str]]:
    """table -> column -> DuckDB type, for every table a KPI definition may read."""
    return {
        table: {name: _duckdb_type(dtype) for name, dtype in polars_schema(model).items()}
        for table, model in ALL_MODELS.items()
    }


def grain(table: str) -> str:
    """The first line of a model's docstring: 'table: one row per ...'."""
    doc = ALL_MODELS[table].__doc__ or ""
    return doc.strip().splitlines()[0]
