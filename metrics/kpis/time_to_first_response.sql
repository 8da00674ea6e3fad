-- name: time_to_first_response
-- title: Time to first response
-- unit: hours
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 10
-- headline: yes
-- target: 24
-- cohort: applications by the week they were applied (applied_at in [start, end))
-- description: Hours from application to the first human response: the earliest human
--   outbound message to the candidate or non-automated stage change out of applied (a
--   rejection counts). value and p90 are the median and 90th percentile (continuous,
--   interpolated) over answered applications. share_within_target counts an unanswered
--   application as outside once its target time has passed; one still inside its target
--   window is left out until it is answered or the window passes.
-- numerator: applications answered within the target
-- denominator: applications answered within the target, plus applications whose target time has passed
WITH cohort AS (
  SELECT
    applied_at,
    (epoch(first_response_at) - epoch(applied_at)) / 3600.0 AS hours,
    first_response_at IS NOT NULL
      AND (epoch(first_response_at) - epoch(applied_at)) / 3600.0 <= $target AS within_target,
    (epoch($as_of) - epoch(applied_at)) / 3600.0 > $target AS target_passed
  FROM application_fact
  WHERE applied_at >= $start AND applied_at < $end
)
SELECT
  CAST(date_trunc('week', applied_at) AS DATE) AS week,
  quantile_cont(hours, 0.5) AS value,
  quantile_cont(hours, 0.9) AS p90,
  count(*) AS n,
  count(hours) AS answered,
  count(*) FILTER (WHERE within_target) AS numerator,
  count(*) FILTER (WHERE within_target OR target_passed) AS denominator,
  count(*) FILTER (WHERE within_target) / nullif(count(*) FILTER (WHERE within_target OR target_passed), 0) AS share_within_target
FROM cohort
GROUP BY GROUPING SETS ((CAST(date_trunc('week', applied_at) AS DATE)), ())
ORDER BY week NULLS LAST
