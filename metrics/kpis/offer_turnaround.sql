-- name: offer_turnaround
-- title: Offer turnaround
-- unit: days
-- direction: lower_is_better
-- owner: Talent acquisition
-- order: 25
-- headline: no
-- group: velocity
-- target: 3
-- cohort: offers by the week they were decided (offer_decided_at in [start, end)), each
--   application's latest offer that was not superseded, accepted or declined
-- description: Days from the offer being sent to the candidate's decision. value and p90 are
--   the median and 90th percentile (continuous, interpolated). Greenhouse sends the sent date
--   without a time (midnight in the source's zone), so a same-day decision can precede it:
--   turnaround is clamped at 0. An offer without a sent time is counted in n but has no
--   turnaround.
-- numerator: decided offers with a turnaround within the target
-- denominator: decided offers with a turnaround
WITH cohort AS (
  SELECT
    application_key,
    CAST(date_trunc('week', offer_decided_at) AS DATE) AS week,
    CASE WHEN offer_decided_at < offer_sent_at THEN 0.0 ELSE (epoch(offer_decided_at) - epoch(offer_sent_at)) / 86400.0 END AS duration,
    coalesce(CASE WHEN offer_decided_at < offer_sent_at THEN 0.0 ELSE (epoch(offer_decided_at) - epoch(offer_sent_at)) / 86400.0 END <= $target, FALSE) AS in_numerator,
    offer_sent_at IS NOT NULL AS in_denominator
  FROM application_fact
  WHERE offer_outcome IN ('accepted', 'declined')
    AND offer_decided_at >= $start AND offer_decided_at < $end
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
