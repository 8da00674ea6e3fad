-- name: time_to_hire
-- title: Time to hire
-- unit: days
-- direction: lower_is_better
-- owner: Talent acquisition
-- order: 20
-- headline: yes
-- group: velocity
-- target: 30
-- cohort: hired applications by the week they were hired (hired_at in [start, end))
-- description: Days from application to hire. value and p90 are the median and 90th
--   percentile (continuous, interpolated); share_within_target is the share hired within the
--   target. An application marked hired without a hire time is left out rather than given an
--   invented one.
-- numerator: hires within the target
-- denominator: hires in the cohort
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', hired_at) AS DATE) AS week,
    (epoch(hired_at) - epoch(applied_at)) / 86400.0 AS duration,
    (epoch(hired_at) - epoch(applied_at)) / 86400.0 <= $target AS in_numerator,
    TRUE AS in_denominator
  FROM application_fact
  WHERE hired_at >= $start AND hired_at < $end
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
