-- name: interview_to_offer_rate
-- title: Interview to offer rate
-- unit: ratio
-- direction: higher_is_better
-- owner: Hiring managers
-- order: 30
-- headline: yes
-- group: conversion
-- target: 0.3
-- cohort: applications that reached interviewing, by the week they reached it (the first
--   entry into interviewing; where it was skipped, the first later stage reached), in [start, end)
-- description: Share of applications reaching interviewing that went on to reach offer (or
--   beyond). Recent cohorts are still converting, so their rate rises as time passes.
-- numerator: applications in the cohort that reached offer or hired
-- denominator: applications that reached interviewing or beyond
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', coalesce(interviewing_at, offer_at, hired_at)) AS DATE) AS week,
    reached_offer AS in_numerator,
    TRUE AS in_denominator
  FROM application_fact
  WHERE reached_interviewing
    AND coalesce(interviewing_at, offer_at, hired_at) >= $start
    AND coalesce(interviewing_at, offer_at, hired_at) < $end
)
SELECT
  week,
  count(*) FILTER (WHERE in_numerator) / nullif(count(*), 0) AS value,
  count(*) AS n,
  count(*) FILTER (WHERE in_numerator) AS numerator,
  count(*) AS denominator
FROM cohort
GROUP BY GROUPING SETS ((week), ())
ORDER BY week NULLS LAST
