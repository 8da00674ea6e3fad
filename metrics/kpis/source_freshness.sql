-- name: source_freshness
-- title: Source freshness (worst)
-- unit: hours
-- direction: lower_is_better
-- owner: Data operations
-- order: 140
-- group: health
-- target: 24
-- cohort: gaps between good loads by the week each gap ended (the next good load of the same
--   source, or as_of for the current one) in [start, end)
-- description: Hours a source went without a good load (a load with no object in error):
--   freshness is the time since a source's last good load, and value is its worst over the
--   week, the longest gap of any source ending that week; the gap still open at as_of ends at
--   as_of. The Data health page shows each source's hours since its last good load against the
--   warning threshold ([load] freshness_warning_hours). Loads belong to no application: the
--   department, recruiter and source filters do not apply.
WITH good AS (
  SELECT source, load_id, max(finished_at) AS loaded_at
  FROM load_log
  GROUP BY source, load_id
  HAVING bool_and(status <> 'error')
),
gaps AS (
  SELECT source, loaded_at,
    coalesce(lead(loaded_at) OVER (PARTITION BY source ORDER BY loaded_at), greatest($as_of, loaded_at)) AS until
  FROM good
)
SELECT
  CAST(date_trunc('week', until) AS DATE) AS week,
  max((epoch(until) - epoch(loaded_at)) / 3600.0) AS value,
  count(*) AS n,
  count(DISTINCT source) AS sources
FROM gaps
WHERE until >= $start AND until < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', until) AS DATE)), ())
ORDER BY week NULLS LAST
