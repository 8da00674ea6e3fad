-- name: time_in_submitted
-- title: Time in submitted
-- unit: days
-- direction: lower_is_better
-- owner: Hiring managers
-- order: 52
-- headline: no
-- group: velocity
-- target: 5
-- cohort: stays in submitted by the week they ended (left_at in [start, end)): the application
--   moved to a later stage or exited
-- description: Days an application spent in submitted: from its first entry into submitted to the
--   first entry of any later stage or its exit (rejected, withdrawn), whichever came first.
--   value and p90 are the median and 90th percentile (continuous, interpolated). Applications
--   still in submitted are not in the cohort until they leave; stale_applications watches them.
-- numerator: stays that ended within the target
-- denominator: stays that ended in the cohort
WITH cohort AS (
  SELECT
    s.application_key,
    CAST(date_trunc('week', s.left_at) AS DATE) AS week,
    (epoch(s.left_at) - epoch(s.entered_at)) / 86400.0 AS duration,
    (epoch(s.left_at) - epoch(s.entered_at)) / 86400.0 <= $target AS in_numerator,
    TRUE AS in_denominator,
    s.left_to
  FROM stage_span AS s
  JOIN application_fact AS a ON a.application_key = s.application_key
  WHERE s.stage = 'submitted'
    AND s.left_at >= $start AND s.left_at < $end
)
SELECT
  week,
  quantile_cont(duration, 0.5) AS value,
  quantile_cont(duration, 0.9) AS p90,
  count(*) AS n,
  count(*) FILTER (WHERE in_numerator) AS numerator,
  count(*) FILTER (WHERE in_denominator) AS denominator,
  count(*) FILTER (WHERE in_numerator) / nullif(count(*) FILTER (WHERE in_denominator), 0) AS share_within_target
FROM cohort
GROUP BY GROUPING SETS ((week), ())
ORDER BY week NULLS LAST
