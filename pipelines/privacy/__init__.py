"""Privacy: keyed hashes, erasure by person, suppression at ingest, retention.

- keys: the project's secret and the keyed hash every suppression entry is made of;
- suppression: the keys of erased people, kept in the decisions store, and the ingest filter
  that keeps their records out of every later load;
- erase / retention: remove a person, or everything older than the retention period, from
  every layer (canonical tables, raw records, quarantine, the served warehouse).
"""
