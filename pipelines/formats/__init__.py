"""Readers for formats that are not JSON or CSV (calendar invites, mailboxes): each turns a file
into JSON records and registers itself with pipelines.readers by file suffix."""

from pipelines.formats import ics, mail  # noqa: F401  (register .ics, .mbox and .eml)
