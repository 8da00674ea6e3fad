"""Sources added by configuration alone: a spreadsheet ATS export and a job board, plus bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse
from pipelines.config import SettingsError, load_settings
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF

SETTINGS = """
[warehouse]
path = "{wh}"

[sources.icims]
kind = "mapped"
path = "{root}/icims"
time_zone = "America/Chicago"
stage_map = "spreadsheet_ats"

[sources.icims.objects.people]
files = ["people*.csv"]
[sources.icims.objects.people.candidate_record]
id = "Person ID"
first_name = "First Name"
last_name = "Last Name"
emails = ["Email", "Alternate Email"]
phones = ["Phone"]
created_at = {{ from = "Created", format = "%m/%d/%Y %I:%M %p" }}

[sources.icims.objects.jobs]
files = ["jobs.csv"]
[sources.icims.objects.jobs.job]
id = "Job ID"
title = "Job Title"
department = "Department"
opened_at = {{ from = "Opened", type = "date" }}

[sources.icims.objects.workflows]
files = ["applications*.csv"]
[sources.icims.objects.workflows.application]
id = "Workflow ID"
candidate_id = "Person ID"
job_id = "Job ID"
applied_at = {{ from = "Applied On", format = "%m/%d/%Y %I:%M %p" }}
source_stage = "Status"
channel = "Source"
recruiter = "Recruiter"

[sources.boards]
kind = "job_board"
path = "{root}/boards"
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip().encode(encoding))


@pytest.fixture()
def configured(tmp_path, monkeypatch):
    root = tmp_path / "in"
    wh = tmp_path / "wh" / "stagetruth.duckdb"
    settings_file = tmp_path / "stagetruth.toml"
    settings_file.write_text(SETTINGS.format(root=root, wh=wh))
    stage_map = tmp_path / "stage_map.toml"
    stage_map.write_text((Path(__file__).resolve().parents[2] / "data" / "stage_map.toml").read_text() + textwrap.dedent("""
        [spreadsheet_ats.stages]
        "New Submission" = "applied"
        "Phone Screen" = "screened"
        "Interview" = "interviewing"
        "Offer Extended" = "offer"
        "Hired" = "hired"
        "Rejected" = "rejected"
        "Candidate Withdrew" = "withdrawn"
    """))
    monkeypatch.setenv("STAGETRUTH_STAGE_MAP", str(stage_map))
    write(root / "icims" / "people.csv", """
        Person ID,First Name,Last Name,Email,Alternate Email,Phone,Created,Favourite Colour
        P1,Ada,Byron,ada@mail.example,,(312) 555-0101,11/02/2026 09:15 AM,green
        P2,Cy,Dee,cy@mail.example,cy.dee@work.example,,11/03/2026 02:30 PM,blue
        P3,Eve,Fox,eve@mail.example,,,02/30/2026 10:00 AM,red
    """)
    write(root / "icims" / "jobs.csv", """
        Job ID,Job Title,Department,Opened
        J1,Data Engineer,Engineering,2026-09-01
    """)
    write(root / "icims" / "applications.csv", """
        Workflow ID,Person ID,Job ID,Applied On,Status,Source,Recruiter
        W1,P1,J1,11/02/2026 09:15 AM,Phone Screen,Indeed,Sam Lee
        W2,P2,J1,11/03/2026 02:30 PM,Candidate Withdrew,Referral,Sam Lee
        W3,P1,J1,11/04/2026 08:00 AM,Culture Chat,Indeed,Sam Lee
        W4,P9,J1,11/04/2026 08:00 AM,Interview,Indeed,Sam Lee
        W5,P2,J1,,Interview,Indeed,Sam Lee
    """)
    write(root / "boards" / "indeed.csv", """
        board,application_id,applied_at,job_id,first_name,last_name,email,phone,location
        Indeed,901,2026-11-05T10:00:00Z,J1,Gil,Ham,gil@mail.example,,Chicago
        Indeed,902,2026-11-06T10:00:00Z,J2,Gil,Ham,gil@mail.example,,Chicago
    """)
    write(root / "boards" / "ziprecruiter.json", """
        [{"board": "ZipRecruiter", "application_id": "z-1", "applied_at": "2026-11-07T08:00:00Z", "job_id": "J1",
          "first_name": "Ivy", "last_name": "Jo", "email": "ivy@mail.example", "status": "Reviewed"}]
    """)
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(wh))
    return load_settings(settings_file), wh


def staged(wh: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse.staging_path(wh)), read_only=True)


def test_a_spreadsheet_export_is_mapped_by_configuration(configured):
    settings, wh = configured
    result = ingest(settings.source("icims"), settings, loaded_at=AS_OF)
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined, o
    con = staged(wh)
    ada = con.sql("SELECT full_name, emails, phones, created_at FROM candidate_record WHERE source_id = 'P1'").fetchall()[0]
    # 09:15 AM in Chicago (CST after 1 Nov) is 15:15 UTC
    assert ada == ("Ada Byron", ["ada@mail.example"], ["(312) 555-0101"], utc(2026, 11, 2, 15, 15))
    cy = con.sql("SELECT emails FROM candidate_record WHERE source_id = 'P2'").fetchall()[0][0]
    assert cy == ["cy@mail.example", "cy.dee@work.example"]
    apps = dict(con.sql("SELECT source_id, current_stage || '/' || outcome FROM application").fetchall())
    assert apps == {"W1": "screened/active", "W2": "withdrawn/withdrawn"}
    rules = dict(con.sql("SELECT object || ':' || coalesce(record_id, '?'), rule FROM quarantine").fetchall())
    assert rules["people:P3"] == "bad_type"          # 30 February
    assert rules["workflows:W3"] == "unmapped_stage"  # 'Culture Chat' is not mapped
    assert rules["workflows:W4"] == "unknown_candidate"
    assert rules["workflows:W5"] == "required"        # no applied date
    detail = con.sql("SELECT detail FROM quarantine WHERE record_id = 'P3'").fetchall()[0][0]
    assert "02/30/2026 10:00 AM" in detail and "%m/%d/%Y" in detail
    # a column nobody mapped stays in the raw layer
    raw = con.sql("SELECT payload FROM raw_record WHERE object = 'people' AND record_no = 0").fetchall()[0][0]
    assert "Favourite Colour" in raw


def test_job_board_exports_become_applications_with_their_channel(configured):
    settings, wh = configured
    ingest(settings.source("boards"), settings, loaded_at=AS_OF)
    con = staged(wh)
    apps = con.sql("SELECT source_id, candidate_id, channel, current_stage FROM application ORDER BY 1").fetchall()
    assert apps == [
        ("Indeed|901", "Indeed|gil@mail.example", "Indeed", "applied"),
        ("Indeed|902", "Indeed|gil@mail.example", "Indeed", "applied"),
        ("ZipRecruiter|z-1", "ZipRecruiter|ivy@mail.example", "ZipRecruiter", "screened"),
    ]
    assert con.sql("SELECT count(*) FROM candidate_record").fetchall()[0][0] == 2  # Gil once


def test_broken_files_are_named_and_counted(configured):
    settings, wh = configured
    root = settings.source("icims").path
    (root / "people-2.csv").write_bytes("Person ID,First Name\nP7,Jos\xe9\n".encode("latin-1"))  # not UTF-8
    (root / "people-3.csv").write_text("")
    (root / "applications-2.csv").write_text("Workflow ID,Person ID\nW9,P1,extra,columns\n")
    result = ingest(settings.source("icims"), settings, loaded_at=AS_OF)
    con = staged(wh)
    bad = dict(con.sql("SELECT file, detail FROM quarantine WHERE rule = 'malformed_file'").fetchall())
    names = {Path(f).name: d for f, d in bad.items()}
    assert set(names) == {"people-2.csv", "people-3.csv"}
    assert "empty" in names["people-3.csv"]
    assert "not UTF-8: byte 0xe9" in names["people-2.csv"]
    # a ragged row is one bad record of its file, not a misread file
    ragged = con.sql("SELECT rule, detail, record_no FROM quarantine WHERE file LIKE '%applications-2.csv'").fetchall()
    assert ragged == [("bad_row", "bad_row: row has 4 fields where the header has 2; required: the record has no id "
                       "(source_id is empty)", 0)]
    for o in result.objects:
        assert o.rows_in == o.loaded + o.quarantined


def test_a_wrong_mapping_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(textwrap.dedent("""
        [sources.x]
        kind = "mapped"
        path = "."
        [sources.x.objects.a]
        files = ["a.csv"]
        [sources.x.objects.a.applicant]
        id = "ID"
        [sources.x.objects.a.application]
        applied_at = { from = "When", type = "moment" }
        favourite = "Colour"
        [sources.x.objects.b.job]
        id = "ID"
    """))
    with pytest.raises(SettingsError) as caught:
        load_settings(bad)
    message = str(caught.value)
    for expected in ("applicant: not a canonical table", "'id' (where the record's id sits) is required",
                     "type 'moment'", "favourite: not a field of application", "objects.b: 'files'"):
        assert expected in message, message
