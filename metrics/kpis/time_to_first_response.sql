-- name: time_to_first_response
-- title: Time to first response
-- unit: hours
-- direction: lower_is_better
-- owner: Recruiting operations
-- order: 10
-- headline: yes
-- group: velocity
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
    application_key,
    CAST(date_trunc('week', applied_at) AS DATE) AS week,
    (epoch(first_response_at) - epoch(applied_at)) / 3600.0 AS duration,
    coalesce((epoch(first_response_at) - epoch(applied_at)) / 3600.0 <= $target, FALSE) AS in_numerator,
    coalesce((epoch(first_response_at) - epoch(applied_at)) / 3600.0 <= $target, FALSE)
      OR (epoch($as_of) - epoch(applied_at)) / 3600.0 > $target AS in_denominator
  FROM application_fact
  WHERE applied_at >= $start AND applied_at < $end
)
SELECT
  week,
  quantile_cont(duration, 0.5) AS value,
  quantile_cont(duration, 0.9) AS p90,
  count(*) AS n,
  count(duration) AS answered,
  count(*) FILTER (WHERE in_numerator) AS numerator,
  count(*) FILTER (WHERE in_denominator) AS denominator,
  count(*) FILTER (WHERE in_numerator) / nullif(count(*) FILTER (WHERE in_denominator), 0) AS share_within_target
FROM cohort
GROUP BY GROUPING SETS ((week), ())
ORDER BY week NULLS LAST
