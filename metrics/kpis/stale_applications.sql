-- name: stale_applications
-- title: Stale applications
-- unit: ratio
-- direction: lower_is_better
-- owner: Recruiters
-- order: 60
-- headline: no
-- group: velocity
-- target: 0.2
-- cohort: applications still open (outcome active) at the data's as-of time, by the week they
--   applied (applied_at in [start, end))
-- description: Share of open applications with no movement for more than the stale threshold
--   ([kpis] stale_after_days in data/stagetruth.toml, default 14 days): no stage entry, re-entry
--   or exit since then. duration is the days since the last movement. The Velocity page breaks
--   stale applications down by current stage and owner (recruiter).
-- numerator: open applications whose last movement is older than the threshold
-- denominator: open applications
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', applied_at) AS DATE) AS week,
    (epoch($as_of) - epoch(last_moved_at)) / 86400.0 AS duration,
    (epoch($as_of) - epoch(last_moved_at)) / 86400.0 > $stale_days AS in_numerator,
    TRUE AS in_denominator
  FROM application_fact
  WHERE outcome = 'active'
    AND applied_at >= $start AND applied_at < $end
)
SELECT
  week,
  count(*) FILTER (WHERE in_numerator) / nullif(count(*), 0) AS value,
  count(*) AS n,
  count(*) FILTER (WHERE in_numerator) AS numerator,
  count(*) AS denominator,
  quantile_cont(duration, 0.5) AS median_days_since_move
FROM cohort
GROUP BY GROUPING SETS ((week), ())
ORDER BY week NULLS LAST
