-- name: time_to_fill
-- title: Time to fill
-- unit: days
-- direction: lower_is_better
-- owner: Talent acquisition
-- order: 22
-- headline: no
-- group: velocity
-- target: 40
-- cohort: jobs by the week they were filled (filled_at in [start, end)); a job is filled when
--   none of its openings is still open
-- description: Days from a job being opened to it being filled, per job. value and p90 are
--   the median and 90th percentile (continuous, interpolated). A job-level figure: the
--   department, recruiter, client and job cuts apply; the source/channel cut does not.
--   Jobs without an opening time are counted in n but have no duration.
-- numerator: jobs filled within the target
-- denominator: filled jobs with an opening time
WITH cohort AS (
  SELECT
    job_key,
    CAST(date_trunc('week', filled_at) AS DATE) AS week,
    (epoch(filled_at) - epoch(opened_at)) / 86400.0 AS duration,
    coalesce((epoch(filled_at) - epoch(opened_at)) / 86400.0 <= $target, FALSE) AS in_numerator,
    opened_at IS NOT NULL AS in_denominator
  FROM job_fact
  WHERE filled_at >= $start AND filled_at < $end
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
