"""Email from mailboxes and .eml files: direction by the organisation's domains, machine mail marked."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import warehouse
from pipelines.config import Settings, SourceSettings, _preset
from pipelines.load import ingest
from tests.builders import utc
from tests.conftest import AS_OF

MBOX = """From sam.lee@acme.example Mon Nov  2 14:00:00 2026
From: Sam Lee <Sam.Lee@acme.example>
To: Ana Lima <ana@mail.example>
Date: Mon, 02 Nov 2026 09:00:00 -0500
Subject: Your application
Message-ID: <m1@acme.example>

Hello Ana

From no-reply@acme.example Mon Nov  2 14:01:00 2026
From: Acme Careers <no-reply@acme.example>
To: ana@mail.example
Date: Mon, 02 Nov 2026 14:01:00 +0000
Subject: We received your application
Message-ID: <m2@acme.example>
Auto-Submitted: auto-generated

Thanks for applying

From ana@mail.example Tue Nov  3 10:00:00 2026
From: ana@mail.example
To: sam.lee@acme.example
Date: Tue, 03 Nov 2026 10:00:00 +0000
Subject: Re: Your application
Message-ID: <m3@mail.example>
In-Reply-To: <m1@acme.example>

Thanks!

From someone@nowhere Tue Nov  3 11:00:00 2026
From: ghost@mail.example
To: sam.lee@acme.example
Date: not a date at all
Subject: broken

x
"""

EML = """From: Ria Roy <ria.roy@acme.example>
To: bo@mail.example
Date: Wed, 04 Nov 2026 16:30:00 +0000
Subject: Next steps
Message-ID: <m5@acme.example>

Hi Bo
"""


def test_mailbox_messages_become_messages(tmp_path: Path):
    root = tmp_path / "mail"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "recruiting.mbox").write_text(MBOX)
    (root / "ria.eml").write_text(EML)
    (root / "empty.eml").write_text("")
    settings = Settings(warehouse=tmp_path / "wh" / "stagetruth.duckdb")
    source = SourceSettings("mail", "email", root, mapping=_preset("email"), internal_domains=("acme.example",))
    result = ingest(source, settings, loaded_at=AS_OF)
    con = duckdb.connect(str(warehouse.staging_path(settings.warehouse)), read_only=True)
    rows = con.sql("SELECT source_id, sender, recipient, direction, automated, sent_at FROM message ORDER BY sent_at").fetchall()
    assert rows == [
        ("<m1@acme.example>", "sam.lee@acme.example", "ana@mail.example", "outbound", False, utc(2026, 11, 2, 14)),
        ("<m2@acme.example>", "no-reply@acme.example", "ana@mail.example", "outbound", True, utc(2026, 11, 2, 14, 1)),
        ("<m3@mail.example>", "ana@mail.example", "sam.lee@acme.example", "inbound", False, utc(2026, 11, 3, 10)),
        ("<m5@acme.example>", "ria.roy@acme.example", "bo@mail.example", "outbound", False, utc(2026, 11, 4, 16, 30)),
    ]
    q = dict(con.sql("SELECT rule, detail FROM quarantine").fetchall())
    assert "not a date at all" in q["invalid_message"]
    assert "empty" in q["malformed_file"]
    [obj] = result.objects
    assert (obj.rows_in, obj.loaded, obj.quarantined) == (6, 4, 2)
