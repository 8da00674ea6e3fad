-- name: offer_acceptance_rate
-- title: Offer acceptance rate
-- unit: ratio
-- direction: higher_is_better
-- owner: Talent acquisition
-- order: 40
-- headline: yes
-- group: conversion
-- target: 0.8
-- cohort: offers by the week they were decided (offer_decided_at in [start, end))
-- description: Accepted offers over decided offers (accepted or declined), taking each
--   application's latest offer that was not superseded. Pending offers are not decided.
-- numerator: applications whose latest offer was accepted
-- denominator: applications whose latest offer was accepted or declined
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', offer_decided_at) AS DATE) AS week,
    offer_outcome = 'accepted' AS in_numerator,
    TRUE AS in_denominator
  FROM application_fact
  WHERE offer_outcome IN ('accepted', 'declined')
    AND offer_decided_at >= $start AND offer_decided_at < $end
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
