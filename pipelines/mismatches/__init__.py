"""Stage truth across systems: mismatch rules, detection, their lifecycle and stage corrections.

- rules.py: the rules, with grace periods and severities from [mismatches] in data/stagetruth.toml;
- detect.py: pure functions from the canonical and derived tables to detections;
- lifecycle.py: detections + the previous warehouse + people's decisions -> the `mismatch` table;
- corrections.py: manual stage corrections (the `stage_correction` table);
- model.py: the pandera models of both tables.
"""
