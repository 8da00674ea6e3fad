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
  SELECT coalesce(interviewing_at, offer_at, hired_at) AS reached_at, reached_offer
  FROM application_fact
  WHERE reached_interviewing
)
SELECT
  CAST(date_trunc('week', reached_at) AS DATE) AS week,
  count(*) FILTER (WHERE reached_offer) / nullif(count(*), 0) AS value,
  count(*) AS n,
  count(*) FILTER (WHERE reached_offer) AS numerator,
  count(*) AS denominator
FROM cohort
WHERE reached_at >= $start AND reached_at < $end
GROUP BY GROUPING SETS ((CAST(date_trunc('week', reached_at) AS DATE)), ())
ORDER BY week NULLS LAST
