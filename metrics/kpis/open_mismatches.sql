-- name: open_mismatches
-- title: Open mismatch age
-- unit: days
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 150
-- group: health
-- target: 2
-- cohort: mismatches open at the build, by the week their disagreement began (since_at in [start, end))
-- description: Stage mismatches between systems still open, n counting them and value the
--   median age in days (from the moment the systems began to disagree to as_of; p90 and
--   oldest_days beside it, types the number of rules with one open). The Stage mismatches page
--   breaks them down by type, severity, system and owner. Department, recruiter and source
--   filters apply through the application; a mismatch with no known application (a payroll hire
--   nobody in the ATS matches) always counts.
WITH open AS (
  SELECT m.type, m.since_at, greatest(epoch($as_of) - epoch(m.since_at), 0) / 86400.0 AS days
  FROM mismatch AS m
  WHERE m.status = 'open' AND m.since_at >= $start AND m.since_at < $end
    AND (m.application_id IS NULL OR EXISTS (
      SELECT 1 FROM application_fact AS f WHERE f.source = m.source AND f.application_id = m.application_id))
)
SELECT
  CAST(date_trunc('week', since_at) AS DATE) AS week,
  quantile_cont(days, 0.5) AS value,
  quantile_cont(days, 0.9) AS p90,
  max(days) AS oldest_days,
  count(*) AS n,
  count(DISTINCT type) AS types
FROM open
GROUP BY GROUPING SETS ((CAST(date_trunc('week', since_at) AS DATE)), ())
ORDER BY week NULLS LAST
