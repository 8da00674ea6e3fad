-- name: sync_error_resolution_time
-- title: Sync error resolution time
-- unit: hours
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 120
-- group: health
-- target: 24
-- cohort: sync errors by the week they were first seen (first_seen_at in [start, end))
-- description: Hours from a sync error's first sighting to its resolution. value and p90 are
--   the median and 90th percentile (continuous) over resolved errors; open_errors counts the
--   cohort's errors still open and oldest_open_hours is the age of the oldest at as_of;
--   resolved_without_time counts errors a source reports resolved without saying when (Merge's
--   Issues feed): they are resolved but have no resolution time. Sync
--   errors belong to no application: the department, recruiter and source filters do not apply.
WITH cohort AS (
  SELECT
    first_seen_at,
    CASE WHEN status = 'resolved' AND resolved_at IS NOT NULL
      THEN (epoch(resolved_at) - epoch(first_seen_at)) / 3600.0 END AS hours,
    status = 'open' AS still_open,
    status = 'resolved' AND resolved_at IS NULL AS resolved_untimed,
    greatest(epoch($as_of) - epoch(first_seen_at), 0) / 3600.0 AS open_hours
  FROM sync_error
  WHERE first_seen_at >= $start AND first_seen_at < $end
)
SELECT
  CAST(date_trunc('week', first_seen_at) AS DATE) AS week,
  quantile_cont(hours, 0.5) AS value,
  quantile_cont(hours, 0.9) AS p90,
  count(*) AS n,
  count(hours) AS resolved,
  count(*) FILTER (WHERE resolved_untimed) AS resolved_without_time,
  count(*) FILTER (WHERE still_open) AS open_errors,
  max(open_hours) FILTER (WHERE still_open) AS oldest_open_hours
FROM cohort
GROUP BY GROUPING SETS ((CAST(date_trunc('week', first_seen_at) AS DATE)), ())
ORDER BY week NULLS LAST
