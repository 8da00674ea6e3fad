-- name: time_to_hire
-- title: Time to hire
-- unit: days
-- direction: lower_is_better
-- owner: Talent acquisition
-- order: 20
-- headline: yes
-- target: 30
-- cohort: hired applications by the week they were hired (hired_at in [start, end))
-- description: Days from application to hire. value and p90 are the median and 90th
--   percentile (continuous, interpolated). An application marked hired without a hire time
--   is left out rather than given an invented one.
SELECT
  CAST(date_trunc('week', hired_at) AS DATE) AS week,
  quantile_cont((epoch(hired_at) - epoch(applied_at)) / 86400.0, 0.5) AS value,
  quantile_cont((epoch(hired_at) - epoch(applied_at)) / 86400.0, 0.9) AS p90,
  count(*) AS n
FROM application_fact
WHERE hired_at >= $start AND hired_at < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', hired_at) AS DATE)), ())
ORDER BY week NULLS LAST
