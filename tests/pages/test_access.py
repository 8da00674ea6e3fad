"""Least privilege, page by page: what each role is shown, and that people data reaches only the roles allowed it.

Each role opens every page it may, under AppTest, on a demo-stack warehouse (people in every source, and
quarantined records as received). Everything rendered is collected (texts, tables, charts with their hover
text, download contents) and searched for every candidate's name and email.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines import warehouse
from pipelines.access import PAGES, Access, redact, safe_frame
from tests.builders import build_demo_stack
from tests.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    _, _, settings, _ = build_demo_stack(tmp, 300, 5, AS_OF)
    with warehouse.read_only(warehouse.staging_path(settings.warehouse)) as con:
        people = con.execute("SELECT first_name, last_name, emails FROM candidate_record WHERE first_name IS NOT NULL").fetchall()
        # quarantined candidates too: their records as received are people data as much as loaded ones
        people += con.execute("""SELECT json_extract_string(payload, '$.first_name'), json_extract_string(payload, '$.last_name'),
                                        json_extract_string(payload, '$.email_addresses[*].value')
                                 FROM quarantine WHERE object = 'candidates'""").fetchall()
    # a name leaks when a person's first and last name appear together (as a full name or in a record)
    needles = {rf"\b{re.escape(f.lower())}\b.{{0,60}}\b{re.escape(l.lower())}\b"
               for f, l, _ in people if f and l and len(f) > 2 and len(l) > 2}
    needles |= {re.escape(e.strip().lower()) for *_, emails in people for e in emails or [] if "@" in e}
    return tmp, settings, needles


def settings_for(tmp: Path, role: str | None) -> Path:
    text = (ROOT / "data" / "stagetruth.toml").read_text()
    text = re.sub(r'default_role = "[a-z_]+"', f'default_role = "{role}"', text)
    path = tmp / f"settings-{role}.toml"
    path.write_text(text)
    return path


def rendered(at: AppTest, downloads: list) -> str:
    parts: list[str] = [str(d) for d in downloads]

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        if getattr(node, "type", None) == "arrow_data_frame":
            parts.append(node.value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts).lower()


def open_every_page(stack, role: str, monkeypatch) -> dict[str, str]:
    tmp, settings, _ = stack
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings_for(tmp, role)))
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp / "decisions.duckdb"))
    downloads: list = []
    real = st.download_button
    monkeypatch.setattr(st, "download_button", lambda label, data, *a, **k: (downloads.append(data), real(label, data, *a, **k))[1])
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    seen = {}
    for page in PAGES:
        if not (ROOT / "pages" / f"{page}.py").exists() or not Access(None, role, "local").may_open(page):
            continue
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        seen[page] = rendered(at, downloads)
    return seen


@pytest.mark.parametrize("role", ["hr_leader", "analyst"])
def test_roles_without_people_access_never_see_a_name_or_email(stack, role, monkeypatch):
    seen = open_every_page(stack, role, monkeypatch)
    assert "overview" in seen and "data_health" in seen and "sources" not in seen and "audit" not in seen
    for page, text in seen.items():
        leaked = sorted(n for n in stack[2] if re.search(n, text))
        assert not leaked, f"{role} sees people data on {page}: {leaked[:5]}"


def test_recruiting_ops_sees_the_records_its_work_needs(stack, monkeypatch):
    seen = open_every_page(stack, "recruiting_ops", monkeypatch)
    assert "sources" not in seen and "audit" not in seen
    assert any(re.search(n, seen["data_health"]) for n in stack[2]), "quarantined records as received are ops' to fix"


def test_admin_opens_every_page(stack, monkeypatch):
    seen = open_every_page(stack, "admin", monkeypatch)
    assert {"overview", "data_health", "sources", "audit"} <= set(seen)


def test_an_unknown_signed_in_user_gets_no_data():
    from pipelines.access import AccessSettings, resolve

    config = AccessSettings("admin", {"lead@acme.example": "hr_leader"})
    stranger = resolve(config, sign_in_configured=True, signed_in=True, email="who@else.example")
    assert stranger.role is None and not any(stranger.may_open(p) for p in PAGES)
    assert not resolve(config, sign_in_configured=True, signed_in=False, email=None).can("aggregates")
    lead = resolve(config, sign_in_configured=True, signed_in=True, email=" Lead@Acme.example ")
    assert lead.role == "hr_leader" and lead.may_open("overview") and not lead.may_open("duplicates")
    assert resolve(config, sign_in_configured=False, signed_in=False, email=None).role == "admin"


def test_redaction_and_formula_guard():
    import polars as pl

    frame = pl.DataFrame({"candidate_id": ["17"], "full_name": ["Ann Tester"], "rule": ["=HYPERLINK(\"x\")"], "n": [1]})
    shown = safe_frame(redact(frame, Access(None, "analyst", "local")))
    assert shown.columns == ["candidate_id", "rule", "n"]
    assert shown["candidate_id"][0].startswith("CAN-") and shown["candidate_id"][0] != "17"
    assert shown["rule"][0] == "'=HYPERLINK(\"x\")"
    assert redact(frame, Access(None, "recruiting_ops", "local")).equals(frame)
    assert redact(frame, Access(None, None, "signed_out")).width == 0


def test_a_download_with_people_data_is_audited(stack, monkeypatch):
    from pipelines import decisions

    tmp, settings, _ = stack
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(settings_for(tmp, "recruiting_ops")))
    monkeypatch.setenv("STAGETRUTH_DECISIONS", str(tmp / "decisions-export.duckdb"))
    script = """
import polars as pl
import ui
ui.download_csv("Get", pl.DataFrame({"full_name": ["=Ann Tester"], "n": [1]}), "people.csv", key="dl")
"""
    at = AppTest.from_string(script, default_timeout=60)
    at.run()
    assert decisions.entries("export.personal").height == 0  # rendering is not downloading
    at.get("download_button")[0].click().run()
    assert not at.exception, at.exception
    [entry] = decisions.entries("export.personal").rows(named=True)
    assert entry["subject_id"] == "people.csv" and "full_name" in entry["after"] and "Ann" not in entry["after"]


def test_with_sign_in_the_signed_in_email_picks_the_role_and_strangers_see_nothing(stack, monkeypatch):
    tmp, settings, needles = stack
    path = settings_for(tmp, "admin")
    path.write_text(path.read_text().replace("[access.users]\n", '[access.users]\n"lead@acme.example" = "hr_leader"\n'))
    monkeypatch.setenv("STAGETRUTH_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("STAGETRUTH_SETTINGS", str(path))

    def run_as(user: dict) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test",
                              "client_id": "test", "client_secret": "test",
                              "server_metadata_url": "https://login.example/.well-known/openid-configuration"}
        at.user = user
        at.run()
        assert not at.exception, at.exception
        return at

    for user in ({"is_logged_in": False}, {"is_logged_in": True, "email": "who@else.example"}):
        at = run_as(user)
        assert not at.metric and not at.dataframe and not at.get("plotly_chart"), user  # no data at all
        assert [t.value for t in at.title] == ["stagetruth"]
    lead = run_as({"is_logged_in": True, "email": "Lead@acme.example"})
    assert lead.metric and any("Signed in as Lead@acme.example · hr_leader" in c.value for c in lead.sidebar.caption)
    text = rendered(lead, [])
    assert not [n for n in needles if re.search(n, text)]
