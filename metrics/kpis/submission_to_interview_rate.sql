-- name: submission_to_interview_rate
-- title: Submission to interview rate
-- unit: ratio
-- direction: higher_is_better
-- owner: Account managers
-- order: 28
-- headline: no
-- group: conversion
-- target: 0.5
-- cohort: applications that reached submitted, by the week they reached it (the first entry
--   into submitted; where it was skipped, the first later stage reached), in [start, end)
-- description: Share of applications submitted (to the hiring manager or client) that went
--   on to reach interviewing (or beyond). Recent cohorts are still converting, so their rate
--   rises as time passes.
-- numerator: applications in the cohort that reached interviewing, offer or hired
-- denominator: applications that reached submitted or beyond
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', coalesce(submitted_at, interviewing_at, offer_at, hired_at)) AS DATE) AS week,
    reached_interviewing AS in_numerator,
    TRUE AS in_denominator
  FROM application_fact
  WHERE furthest_stage IN ('submitted', 'interviewing', 'offer', 'hired')
    AND coalesce(submitted_at, interviewing_at, offer_at, hired_at) >= $start
    AND coalesce(submitted_at, interviewing_at, offer_at, hired_at) < $end
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
